/* yizhan-bench points: a points statement (one account's balance and first
 * page) and a region's monthly summary over a ledger of 1,000,000 entries
 * (20,000 accounts, 300 stations in 20 streets, 24 months), each the median
 * of many runs, printed next to a primary-key lookup timed in the same run;
 * on SQLite, and on PostgreSQL with --pg. The ledger is filled in bulk with
 * valid chains (the balance trigger runs for every entry, as in use), and
 * the monthly table from the entries, as posting keeps it. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/sb.h"
#include "core/xalloc.h"
#include "db/db.h"
#include "domain/chain.h"
#include "domain/points.h"

struct points_config {
	int64_t entries, accounts, runs;
	const char *dir, *pg;
};

#define OPT(field) offsetof(struct points_config, field)

static const struct config_option points_options[] = {
	{ "entries", NULL, "1000000", CONFIG_INT, OPT(entries), 1000, 100000000, "积分记录条数" },
	{ "accounts", NULL, "20000", CONFIG_INT, OPT(accounts), 10, 10000000, "账号数" },
	{ "runs", NULL, "200", CONFIG_INT, OPT(runs), 5, 100000, "每种查询的次数（取中位数）" },
	{ "dir", NULL, "/tmp", CONFIG_STR, OPT(dir), 0, 0, "SQLite 临时文件所在的目录" },
	{ "pg", "YIZHAN_BENCH_PG", "", CONFIG_STR, OPT(pg), 0, 0,
	  "一个空的 PostgreSQL 数据库地址：也在 PostgreSQL 上测一次" },
};

#define STREETS	  20
#define STATIONS  300
#define MONTHS	  24
#define ROWS_STMT 200 /* entries per INSERT */
#define COLS	  13

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void street_of(int station, char out[16])
{
	snprintf(out, 16, "6103030%02u", (unsigned)(1 + station % STREETS) % 100u);
}

static void community_of(int station, char out[16])
{
	snprintf(out, 16, "6103030%02u%03u", (unsigned)(1 + station % STREETS) % 100u,
		 (unsigned)(1 + station / STREETS) % 1000u);
}

static int fail(const char *what, const struct problem *prob)
{
	fprintf(stderr, "bench points: %s: %s\n", what, prob->detail);
	return 1;
}

/* Accounts, then each account's entries in seq order with their macs. */
static int fill(struct db *db, const struct points_config *cfg, int64_t first_month_s)
{
	struct problem prob;
	problem_init(&prob);
	int64_t t0 = clock_mono_us();
	if (db_begin(db, &prob) != RC_OK)
		return fail("begin", &prob);
	for (int64_t a = 1; a <= cfg->accounts; a++) {
		char phone[32];
		snprintf(phone, sizeof(phone), "170%08lld", (long long)(a % 100000000));
		if (db_q(db,
			 "INSERT INTO accounts (id, phone, name, created_s, updated_s)"
			 " VALUES ($1, $2, $3, 1, 1)",
			 NULL, &prob, DB_I(a), DB_T(phone), DB_T("积分测试")) != RC_OK)
			return fail("accounts", &prob);
	}
	if (db_commit(db, &prob) != RC_OK)
		return fail("commit", &prob);

	struct sb sql = SB_INIT;
	sb_adds(&sql, "INSERT INTO points_entries (account_id, amount, reason, ref_kind, ref_id,"
		      " rule, region_code, station_id, granted_by, note, created_s, seq, mac)"
		      " VALUES ");
	for (int r = 0; r < ROWS_STMT; r++) {
		sb_adds(&sql, r ? ",(" : "(");
		for (int c = 0; c < COLS; c++)
			sb_addf(&sql, "%s$%d", c ? "," : "", r * COLS + c + 1);
		sb_addc(&sql, ')');
	}
	const char *insert = db_sql_intern(sb_str(&sql));
	sb_release(&sql);

	struct db_val *vals = xcalloc(ROWS_STMT * COLS, sizeof(*vals));
	char(*macs)[CHAIN_MAC_HEX] = xcalloc(ROWS_STMT, CHAIN_MAC_HEX);
	char(*regions)[16] = xcalloc(ROWS_STMT, 16);
	int nrow = 0;
	int64_t per = cfg->entries / cfg->accounts, made = 0;
	struct sb canon = SB_INIT;
	uint32_t rnd = 12345;
	if (db_begin(db, &prob) != RC_OK)
		return fail("begin", &prob);
	for (int64_t a = 1; a <= cfg->accounts; a++) {
		char prev[CHAIN_MAC_HEX] = "";
		int64_t balance = 0;
		int64_t n = per + (a <= cfg->entries % cfg->accounts ? 1 : 0);
		for (int64_t seq = 1; seq <= n; seq++) {
			rnd = rnd * 1103515245u + 12345u;
			int station = (int)((rnd >> 8) % STATIONS) + 1;
			int64_t created = first_month_s +
					  (seq - 1) * (MONTHS * 30LL * 86400 / (n + 1)) +
					  (int64_t)(rnd % 3600);
			bool spend = seq % 5 == 0 && balance >= 6;
			int64_t amount = spend ? -6 : (int64_t)(1 + (rnd >> 16) % 10);
			balance += amount;
			struct db_val *v = &vals[nrow * COLS];
			community_of(station, regions[nrow]);
			struct points_canon c = {
				.account_id = a,
				.seq = seq,
				.amount = amount,
				.ref_id = seq,
				.station_id = station,
				.created_s = created,
				.reason = spend ? POINTS_REASON_REDEMPTION : POINTS_REASON_SERVICE,
				.ref_kind = spend ? "redemption" : "request",
				.rule = spend ? NULL : "order",
				.region_code = regions[nrow],
			};
			sb_reset(&canon);
			points_canon(&c, &canon);
			chain_mac(prev, canon.buf, canon.len, macs[nrow]);
			memcpy(prev, macs[nrow], CHAIN_MAC_HEX);
			v[0] = DB_I(a);
			v[1] = DB_I(amount);
			v[2] = DB_T(c.reason);
			v[3] = DB_T(c.ref_kind);
			v[4] = DB_I(seq);
			v[5] = DB_T(c.rule);
			v[6] = DB_T(regions[nrow]);
			v[7] = DB_I(station);
			v[8] = DB_NUL;
			v[9] = DB_NUL;
			v[10] = DB_I(created);
			v[11] = DB_I(seq);
			v[12] = DB_T(macs[nrow]);
			if (++nrow == ROWS_STMT) {
				if (db_exec(db, insert, vals, ROWS_STMT * COLS, NULL, &prob) !=
				    RC_OK)
					return fail("entries", &prob);
				made += nrow;
				nrow = 0;
				if (made % 100000 == 0) {
					if (db_commit(db, &prob) != RC_OK ||
					    db_begin(db, &prob) != RC_OK)
						return fail("commit", &prob);
				}
			}
		}
	}
	/* The rest one by one. */
	for (int r = 0; r < nrow; r++) {
		if (db_exec(db,
			    "INSERT INTO points_entries (account_id, amount, reason, ref_kind, ref_id,"
			    " rule, region_code, station_id, granted_by, note, created_s, seq, mac)"
			    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
			    &vals[r * COLS], COLS, NULL, &prob) != RC_OK)
			return fail("entries", &prob);
		made++;
	}
	/* The monthly table, as posting keeps it. */
	if (db_exec(db,
		    db_kind(db) == DB_KIND_POSTGRES
			    ? "INSERT INTO points_monthly (month, region_code, station_id, issued,"
			      " redeemed, expired, corrected) SELECT CAST(to_char(to_timestamp(created_s"
			      " + 28800) AT TIME ZONE 'UTC', 'YYYYMM') AS INTEGER), region_code,"
			      " station_id, SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END),"
			      " SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END), 0, 0"
			      " FROM points_entries GROUP BY 1, 2, 3"
			    : "INSERT INTO points_monthly (month, region_code, station_id, issued,"
			      " redeemed, expired, corrected) SELECT CAST(strftime('%Y%m', created_s"
			      " + 28800, 'unixepoch') AS INTEGER), region_code, station_id,"
			      " SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END),"
			      " SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END), 0, 0"
			      " FROM points_entries GROUP BY 1, 2, 3",
		    NULL, 0, NULL, &prob) != RC_OK)
		return fail("monthly", &prob);
	if (db_commit(db, &prob) != RC_OK)
		return fail("commit", &prob);
	db_exec_script(db, db_kind(db) == DB_KIND_POSTGRES ? "ANALYZE" : "ANALYZE", &prob);
	sb_release(&canon);
	free(vals);
	free(macs);
	free(regions);
	printf("  filled %lld entries over %lld accounts in %.1f s\n", (long long)made,
	       (long long)cfg->accounts, (double)(clock_mono_us() - t0) / 1e6);
	return 0;
}

struct figures {
	double pk_ms, statement_ms, summary_ms;
};

static int measure(struct db *db, const struct points_config *cfg, int month, struct figures *f)
{
	struct problem prob;
	problem_init(&prob);
	size_t runs = (size_t)cfg->runs;
	double *t = xcalloc(runs, sizeof(*t));
	uint32_t rnd = 777;
	for (size_t i = 0; i < runs; i++) {
		rnd = rnd * 1103515245u + 12345u;
		int64_t a = 1 + (int64_t)(rnd % (uint32_t)cfg->accounts);
		struct db_rows *rows = NULL;
		int64_t t0 = clock_mono_us();
		if (db_q(db, "SELECT name FROM accounts WHERE id = $1", &rows, &prob, DB_I(a)) !=
		    RC_OK)
			return fail("pk", &prob);
		t[i] = (double)(clock_mono_us() - t0) / 1000.0;
		db_rows_free(rows);
	}
	f->pk_ms = median(t, runs);
	for (size_t i = 0; i < runs; i++) {
		rnd = rnd * 1103515245u + 12345u;
		int64_t a = 1 + (int64_t)(rnd % (uint32_t)cfg->accounts);
		struct points_page page;
		int64_t t0 = clock_mono_us();
		if (points_statement(db, a, 0, 20, &page, &prob) != RC_OK)
			return fail("statement", &prob);
		t[i] = (double)(clock_mono_us() - t0) / 1000.0;
		if (!page.n)
			return fail("statement: empty", &prob);
		points_page_release(&page);
	}
	f->statement_ms = median(t, runs);
	for (size_t i = 0; i < runs; i++) {
		char street[16];
		street_of((int)i, street);
		struct points_summary s;
		int64_t t0 = clock_mono_us();
		if (points_summary(db, street, month, 0, &s, &prob) != RC_OK)
			return fail("summary", &prob);
		t[i] = (double)(clock_mono_us() - t0) / 1000.0;
		if (!s.n)
			return fail("summary: empty", &prob);
		points_summary_release(&s);
	}
	f->summary_ms = median(t, runs);
	free(t);
	return 0;
}

static int run_engine(const char *name, const char *url, const struct points_config *cfg,
		      struct figures *f)
{
	struct problem prob;
	problem_init(&prob);
	struct db *db = NULL;
	int applied = 0;
	if (db_open(url, NULL, &db, &prob) != RC_OK || db_migrate(db, &applied, &prob) != RC_OK) {
		db_close(db);
		return fail(name, &prob);
	}
	printf("%s:\n", name);
	int64_t first = points_month_start_s(points_month_of(clock_now_s())) -
			(int64_t)MONTHS * 30 * 86400;
	int rc = fill(db, cfg, first);
	if (!rc)
		rc = measure(db, cfg, points_month_of(first + 12LL * 30 * 86400), f);
	db_close(db);
	if (!rc)
		printf("  statement (balance + first 20) %.2f ms, region monthly summary %.2f ms;"
		       " primary-key lookup %.3f ms (median of %lld)\n",
		       f->statement_ms, f->summary_ms, f->pk_ms, (long long)cfg->runs);
	return rc;
}

int bench_points(int argc, char **argv)
{
	struct points_config cfg = { 0 };
	bool help = false;
	struct problem prob;
	problem_init(&prob);
	if (config_parse(points_options, sizeof(points_options) / sizeof(points_options[0]), &cfg,
			 argc, argv, &help, &prob) != RC_OK) {
		fprintf(stderr, "bench points: %s\n", prob.detail);
		return 2;
	}
	if (help) {
		struct sb sb = SB_INIT;
		config_usage(points_options, sizeof(points_options) / sizeof(points_options[0]),
			     &sb);
		fputs(sb_str(&sb), stdout);
		sb_release(&sb);
		return 0;
	}
	log_open(2, LOG_ERROR, false);
	if (sodium_init() < 0)
		return 1;
	unsigned char key[32];
	randombytes_buf(key, sizeof(key));
	chain_key_set(key, sizeof(key));
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/yz-bench-points.XXXXXX", cfg.dir);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char url[600];
	snprintf(url, sizeof(url), "sqlite:%s/points.db", dir);
	printf("points ledger: %lld entries, %lld accounts, %d stations in %d streets, %d months\n",
	       (long long)cfg.entries, (long long)cfg.accounts, STATIONS, STREETS, MONTHS);
	struct figures lite = { 0 }, pg = { 0 };
	int rc = run_engine("SQLite", url, &cfg, &lite);
	char path[700];
	const char *suffix[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/points.db%s", dir, suffix[i]);
		unlink(path);
	}
	rmdir(dir);
	if (!rc && cfg.pg && cfg.pg[0])
		rc = run_engine("PostgreSQL", cfg.pg, &cfg, &pg);
	if (rc)
		return rc;
	bool ok = lite.statement_ms < 50 && lite.summary_ms < 50 &&
		  (!cfg.pg[0] || (pg.statement_ms < 50 && pg.summary_ms < 50));
	printf("points: statement %.2f ms, summary %.2f ms on SQLite", lite.statement_ms,
	       lite.summary_ms);
	if (cfg.pg[0])
		printf("; %.2f ms, %.2f ms on PostgreSQL", pg.statement_ms, pg.summary_ms);
	else
		printf("; PostgreSQL not measured (no --pg)");
	printf(" (target < 50 ms each): %s\n", ok ? "PASS" : "MISS");
	return 0;
}
