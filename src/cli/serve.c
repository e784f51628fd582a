/* yizhan serve: opens and migrates the database, starts the HTTP server with
 * the API's route table, prints "listening http://HOST:PORT" as the first
 * line of standard output, and on SIGTERM or SIGINT stops accepting, lets
 * requests in flight finish, and exits 0. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api/app.h"
#include "api/stations.h"
#include "api/stream.h"
#include "api/tiles.h"
#include "cli/cli.h"
#include "core/config.h"
#include "core/log.h"
#include "core/procpool.h"
#include "core/ticker.h"
#include "core/workpool.h"
#include "domain/bot_delivery.h"
#include "domain/idempotency.h"
#include "domain/photo.h"
#include "domain/privacy.h"
#include "domain/secret.h"
#include "core/clock.h"
#include "domain/checkin.h"
#include "domain/events.h"
#include "domain/person.h"
#include "domain/points_award.h"
#include "domain/request.h"
#include "domain/room.h"
#include "domain/activity.h"
#include "domain/shop.h"
#include "domain/station.h"
#include "domain/station_snapshot.h"
#include "domain/verify.h"
#include "http/server.h"

struct serve_config {
	const char *listen;
	const char *db;
	const char *web;
	const char *log_level;
	bool access_log;
	int64_t threads;
	int64_t work_threads;
	int64_t work_queue;
	int64_t max_connections;
	int64_t stream_max;
	int64_t stream_keepalive_ms;
	int64_t events_poll_ms;
	int64_t escalate_ms;
	int64_t idle_timeout_s;
	int64_t header_timeout_s;
	int64_t session_idle_s;
	int64_t session_lifetime_s;
	bool cookie_secure;
	int64_t drain_ms;
	int64_t sqlite_max_pages;
	const char *tiles;
	const char *tiles_url;
	const char *tiles_crs;
	const char *public_url;
	int64_t walk_m;
	const char *photo_dir;
	int64_t photo_memory_mib;
	int64_t idempotency_ttl_s;
	const char *metrics_access;
	const char *metrics_token;
	const char *sms_gateway;
	const char *sms_gateway_token;
	int64_t retention_days;
	int64_t bot_poll_ms;
	int64_t clock_offset_s;
	int64_t release_ms;
	int64_t reminder_ms;
	const char *ledger_key_file;
	bool production;
	int64_t points_award_ms;
	int64_t points_expire_years;
	int64_t points_expire_ms;
	int64_t verify_ms;
	int64_t shop_refund_ms;
};

#define OPT(field) offsetof(struct serve_config, field)

static const struct config_option options[] = {
	{ "listen", "YIZHAN_LISTEN", "127.0.0.1:8080", CONFIG_STR, OPT(listen), 0, 0,
	  "监听地址 HOST:PORT（端口 0 表示任选空闲端口）" },
	{ "db", "YIZHAN_DB", "sqlite:var/yizhan.db", CONFIG_STR, OPT(db), 0, 0,
	  "数据库：sqlite:PATH 或 postgresql://…" },
	{ "web", "YIZHAN_WEB", "web", CONFIG_STR, OPT(web), 0, 0, "网页静态文件目录" },
	{ "log-level", "YIZHAN_LOG_LEVEL", "info", CONFIG_STR, OPT(log_level), 0, 0,
	  "日志级别：debug, info, warn, error" },
	{ "access-log", "YIZHAN_ACCESS_LOG", "true", CONFIG_BOOL, OPT(access_log), 0, 0,
	  "每个请求写一行 JSON 访问日志" },
	{ "threads", "YIZHAN_THREADS", "0", CONFIG_INT, OPT(threads), 0, 256,
	  "请求线程数（0 = CPU 核数）" },
	{ "work-threads", "YIZHAN_WORK_THREADS", "0", CONFIG_INT, OPT(work_threads), 0, 256,
	  "耗时工作（密码哈希、照片解码）的线程数，也是同时计算的密码哈希数上限（0 = CPU 核数减一，至少 1：总留一个核给其他请求）" },
	{ "work-queue", "YIZHAN_WORK_QUEUE", "64", CONFIG_INT, OPT(work_queue), 1, 100000,
	  "等待耗时工作线程的请求数上限；排满时这类请求立即得到 503 和 Retry-After" },
	{ "max-connections", "YIZHAN_MAX_CONNECTIONS", "1024", CONFIG_INT, OPT(max_connections), 1,
	  100000,
	  "同时连接数上限（实时推送另有 --stream-max 个的余地）；再多的连接等待，不被服务" },
	{ "stream-max", "YIZHAN_STREAM_MAX", "2000", CONFIG_INT, OPT(stream_max), 1, 100000,
	  "同时打开的实时推送（/api/v1/stream）上限，在 --max-connections 之外另算；"
	  "满时新的推送得到 503 和 Retry-After" },
	{ "stream-keepalive-ms", "YIZHAN_STREAM_KEEPALIVE_MS", "20000", CONFIG_INT,
	  OPT(stream_keepalive_ms), 10, 3600000,
	  "实时推送安静多久（毫秒）发一行注释（: keepalive），免得代理和空闲超时断开它；"
	  "应小于 --idle-timeout" },
	{ "events-poll-ms", "YIZHAN_EVENTS_POLL_MS", "1000", CONFIG_INT, OPT(events_poll_ms), 5,
	  600000,
	  "多久（毫秒）读一次事件表里别的进程写下的事件（共用一个 SQLite 文件的进程，"
	  "或 PostgreSQL 上漏掉的通知）" },
	{ "escalate-ms", "YIZHAN_ESCALATE_MS", "60000", CONFIG_INT, OPT(escalate_ms), 10, 3600000,
	  "多久（毫秒）检查一次超期的诉求，把它们升级到上一级（社区 › 街道 › 区县）督办" },
	{ "idle-timeout", "YIZHAN_IDLE_TIMEOUT_S", "60", CONFIG_INT, OPT(idle_timeout_s), 1, 3600,
	  "空闲连接超时（秒）" },
	{ "header-timeout", "YIZHAN_HEADER_TIMEOUT_S", "10", CONFIG_INT, OPT(header_timeout_s), 1,
	  3600,
	  "请求头须在多少秒内收齐（新连接从连上算起，保持的连接从下一个请求的第一个字节算起），逾时断开" },
	{ "session-idle", "YIZHAN_SESSION_IDLE_S", "1800", CONFIG_INT, OPT(session_idle_s), 1,
	  86400 * 30, "会话空闲超时（秒）" },
	{ "session-lifetime", "YIZHAN_SESSION_LIFETIME_S", "43200", CONFIG_INT,
	  OPT(session_lifetime_s), 1, 86400 * 90, "会话最长有效期（秒）" },
	{ "cookie-secure", "YIZHAN_COOKIE_SECURE", "false", CONFIG_BOOL, OPT(cookie_secure), 0, 0,
	  "Cookie 加 Secure 标记（经 HTTPS 提供服务时打开）" },
	{ "drain-timeout", "YIZHAN_DRAIN_MS", "10000", CONFIG_INT, OPT(drain_ms), 0, 600000,
	  "停止时等待进行中请求完成的最长时间（毫秒）" },
	{ "sqlite-max-pages", "YIZHAN_SQLITE_MAX_PAGES", "0", CONFIG_INT, OPT(sqlite_max_pages), 0,
	  INT64_MAX, "SQLite 文件页数上限（0 = 不限；用于演练磁盘写满）" },
	{ "tiles", "YIZHAN_TILES", "osm", CONFIG_STR, OPT(tiles), 0, 0,
	  "地图底图：osm（OpenStreetMap，WGS-84）、amap（高德，GCJ-02）或 none（只显示列表）" },
	{ "tiles-url", "YIZHAN_TILES_URL", "", CONFIG_STR, OPT(tiles_url), 0, 0,
	  "自定义瓦片地址模板，如 https://tiles.example/{z}/{x}/{y}.png（覆盖 --tiles）" },
	{ "tiles-crs", "YIZHAN_TILES_CRS", "wgs84", CONFIG_STR, OPT(tiles_crs), 0, 0,
	  "自定义瓦片的坐标系：wgs84 或 gcj02" },
	{ "public-url", "YIZHAN_PUBLIC_URL", "http://localhost:8080", CONFIG_STR, OPT(public_url),
	  0, 0, "对外网址（驿站二维码里的签到链接以它开头）" },
	{ "walk-m", "YIZHAN_WALK_M", "1200", CONFIG_INT, OPT(walk_m), 100, 10000,
	  "15 分钟步行服务圈的半径（米）" },
	{ "photo-dir", "YIZHAN_PHOTO_DIR", "", CONFIG_STR, OPT(photo_dir), 0, 0,
	  "上传照片的存放目录（默认：SQLite 文件旁的 photos/，PostgreSQL 时为 var/photos；多台服务器应共用一个目录）" },
	{ "photo-memory-mib", "YIZHAN_PHOTO_MEMORY_MIB", "128", CONFIG_INT, OPT(photo_memory_mib),
	  16, 65536,
	  "正在处理的上传照片共用的内存上限（MiB）：用满时新的上传得到 503 和 Retry-After；单张所需超过它或 96 MiB 时得到 422" },
	{ "idempotency-ttl", "YIZHAN_IDEMPOTENCY_TTL_S", "86400", CONFIG_INT,
	  OPT(idempotency_ttl_s), 1, 86400 * 30,
	  "带 Idempotency-Key 的写请求的应答保存多久（秒）；过期后由后台任务删除，同一个键可再用" },
	{ "retention-days", "YIZHAN_RETENTION_DAYS", "180", CONFIG_INT, OPT(retention_days), 1,
	  3650, "签到时的客户端地址保存多少天，过期由后台任务清除（已用过的注册验证码保存 1 天）" },
	{ "sms-gateway", "YIZHAN_SMS_GATEWAY", "", CONFIG_STR, OPT(sms_gateway), 0, 0,
	  "注册验证码的短信网关地址：每个验证码以 JSON POST 过去（docs/sms-gateway.md）；"
	  "空（默认，开发用）则把验证码写进服务器日志" },
	{ "sms-gateway-token", "YIZHAN_SMS_GATEWAY_TOKEN", "", CONFIG_STR, OPT(sms_gateway_token),
	  0, 0, "短信网关的 Bearer 令牌（可空）" },
	{ "bot-poll-ms", "YIZHAN_BOT_POLL_MS", "2000", CONFIG_INT, OPT(bot_poll_ms), 100, 60000,
	  "群机器人推送线程多久看一次（毫秒）：其他服务器写下的事件和到期的重试；本服务器的新事件立即推送" },
	{ "clock-offset", "YIZHAN_CLOCK_OFFSET_S", "0", CONFIG_INT, OPT(clock_offset_s), 0,
	  86400 * 3650,
	  "仅供测试：服务器的时钟比真实时间快多少秒（用来检验重试、过期等以后才发生的事）；生产中保持 0" },
	{ "metrics-access", "YIZHAN_METRICS_ACCESS", "public", CONFIG_STR, OPT(metrics_access), 0,
	  0,
	  "谁可读 /metrics：public（所有人）、loopback（只限本机）或 token（带 Bearer 指标令牌者）" },
	{ "metrics-token", "YIZHAN_METRICS_TOKEN", "", CONFIG_STR, OPT(metrics_token), 0, 0,
	  "--metrics-access token 时 Prometheus 须带的令牌（至少 16 个字符；请经环境变量设置，命令行会被 ps 看到）" },
	{ "release-ms", "YIZHAN_RELEASE_MS", "60000", CONFIG_INT, OPT(release_ms), 10, 3600000,
	  "多久（毫秒）检查一次房间预约：开始 15 分钟后仍未签到的预约释放，并告知预约人" },
	{ "reminder-ms", "YIZHAN_REMINDER_MS", "60000", CONFIG_INT, OPT(reminder_ms), 10, 3600000,
	  "多久查一次活动：开始前一天和一小时提醒报名的人，结束后把没来的记为未到（毫秒）" },
	{ "ledger-key-file", "YIZHAN_LEDGER_KEY_FILE", "", CONFIG_STR, OPT(ledger_key_file), 0, 0,
	  "积分和库存账本链的 HMAC 密钥文件（至少 32 字节，只许所有者读写）；"
	  "空（开发用）则用数据库旁的 ledger.key，没有就生成" },
	{ "production", "YIZHAN_PRODUCTION", "false", CONFIG_BOOL, OPT(production), 0, 0,
	  "生产部署：开发时代为生成的东西（账本密钥）缺了就拒绝启动" },
	{ "points-award-ms", "YIZHAN_POINTS_AWARD_MS", "2000", CONFIG_INT, OPT(points_award_ms), 50,
	  3600000, "按积分规则发放积分的后台任务多久读一次事件（毫秒）" },
	{ "points-expire-years", "YIZHAN_POINTS_EXPIRE_YEARS", "1", CONFIG_INT,
	  OPT(points_expire_years), 0, 100,
	  "积分有效期：某年获得的积分在其后第几年年底过期（默认 1：次年年底；0 = 永不过期）" },
	{ "points-expire-ms", "YIZHAN_POINTS_EXPIRE_MS", "3600000", CONFIG_INT,
	  OPT(points_expire_ms), 50, 86400000, "积分过期的后台任务多久看一次（毫秒）" },
	{ "verify-ms", "YIZHAN_VERIFY_MS", "21600000", CONFIG_INT, OPT(verify_ms), 50, 604800000,
	  "多久校验一次积分和库存账本链（毫秒；结果见 /metrics 和 yizhan verify）" },
	{ "shop-refund-ms", "YIZHAN_SHOP_REFUND_MS", "600000", CONFIG_INT, OPT(shop_refund_ms), 10,
	  86400000, "多久（毫秒）检查一次爱心超市 14 天未取的兑换，退回积分和库存" },
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

int cli_config_doc(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct sb sb = SB_INIT;
	config_markdown(options, NOPTIONS, &sb);
	fputs(sb_str(&sb), stdout);
	sb_release(&sb);
	return 0;
}

/* The ledger changed, here or on another server: counts are counted anew. */
static void on_ledger_changed(const struct event *e, void *ctx)
{
	(void)e;
	(void)ctx;
	person_counts_changed();
}

/* A station changed (object_id: its id) or something every station depends
 * on ("*"), written by this server or another: the snapshot follows. */
static void on_station_changed(const struct event *e, void *ctx)
{
	struct app *app = ctx;
	long long id = 0;
	if (strcmp(e->object_id, "*") != 0) {
		char *end = NULL;
		id = strtoll(e->object_id, &end, 10);
		if (!end || *end || id <= 0)
			return;
	}
	/* The database may be just back from a restart: try a few times. */
	struct problem prob;
	enum rc rc = RC_OK;
	for (int attempt = 0; attempt < 5; attempt++) {
		if (attempt)
			usleep(200000u << attempt);
		problem_init(&prob);
		rc = id ? snapshot_store_update_station(app->stations, app->db, id, &prob)
			: snapshot_store_reload(app->stations, app->db, &prob);
		if (rc == RC_OK)
			return;
	}
	log_error(NULL, "snapshot", "refresh after a station write failed: %s", prob.detail);
}

/* Another server committed events (or the listener reconnected, payload
 * NULL, and some may have been missed): read the outbox from our position. */
static void on_events_notice(const char *payload, void *ctx)
{
	(void)payload;
	events_after_commit(ctx);
}

/* Overdue requests go up a level. Safe with several servers on one
 * database: each request's level is compared and set in one statement. */
static void escalate_due(void *arg)
{
	struct db *db = arg;
	struct problem prob;
	problem_init(&prob);
	int n = 0;
	if (request_escalate_due(db, clock_now_s(), &n, &prob) != RC_OK)
		log_warn(NULL, "escalate", "escalating overdue requests failed: %s", prob.detail);
	else if (n)
		log_info(NULL, "escalate", "%d overdue request(s) escalated", n);
}

/* Room bookings nobody checked in to are released. Safe with several
 * servers: each booking's state is compared and set in one statement. */
static void release_rooms(void *arg)
{
	struct db *db = arg;
	struct problem prob;
	problem_init(&prob);
	int n = 0;
	if (room_release_due(db, clock_now_s(), &n, &prob) != RC_OK)
		log_warn(NULL, "release", "releasing room bookings failed: %s", prob.detail);
	else if (n)
		log_info(NULL, "release", "%d room booking(s) released", n);
}

/* Activities: reminders a day and an hour before, and the no-shows of
 * those that ended. Safe with several servers: each reminder and each
 * closing is claimed in one statement. */
static void activity_step(void *arg)
{
	struct db *db = arg;
	struct problem prob;
	problem_init(&prob);
	int sent = 0, closed = 0;
	if (activity_tick(db, clock_now_s(), &sent, &closed, &prob) != RC_OK)
		log_warn(NULL, "activities", "the activities' step failed: %s", prob.detail);
	else if (sent || closed)
		log_info(NULL, "activities", "%d reminder(s) sent, %d activity(ies) closed", sent,
			 closed);
}

/* Points by rule, from the outbox: several servers may run it at once. */
static void award_points(void *arg)
{
	struct db *db = arg;
	bool more = true;
	for (int round = 0; more && round < 20; round++) {
		struct problem prob;
		problem_init(&prob);
		size_t n = 0;
		if (points_award_scan(db, clock_now_s(), &n, &more, &prob) != RC_OK) {
			log_warn(NULL, "points", "awarding points failed: %s", prob.detail);
			return;
		}
		if (n)
			log_info(NULL, "points", "%zu award(s) of points", n);
	}
}

struct points_expiry_job {
	struct db *db;
	int years;
};

static void expire_points(void *arg)
{
	struct points_expiry_job *j = arg;
	struct problem prob;
	problem_init(&prob);
	int64_t n = 0;
	if (points_expire_due(j->db, clock_now_s(), j->years, &n, &prob) != RC_OK)
		log_warn(NULL, "points", "expiring points failed: %s", prob.detail);
	else if (n)
		log_info(NULL, "points", "%lld account(s) had points expire", (long long)n);
}

/* Redemptions not collected in time are refunded. Safe with several
 * servers: each is claimed by its state before anything is given back. */
static void refund_due(void *arg)
{
	struct db *db = arg;
	struct problem prob;
	problem_init(&prob);
	int n = 0;
	if (shop_refund_due(db, clock_now_s(), &n, &prob) != RC_OK)
		log_warn(NULL, "shop", "refunding uncollected redemptions failed: %s", prob.detail);
	else if (n)
		log_info(NULL, "shop", "%d uncollected redemption(s) refunded", n);
}

/* The ledgers' chains, checked now and then so /metrics stays fresh. */
static void verify_chains(void *arg)
{
	struct db *db = arg;
	struct problem prob;
	problem_init(&prob);
	struct verify_run run;
	if (verify_ledgers(db, clock_now_s(), NULL, NULL, &run, &prob) != RC_OK)
		log_warn(NULL, "verify", "verifying the ledgers failed: %s", prob.detail);
	else if (run.problems)
		log_error(NULL, "verify",
			  "%lld ledger entries changed or removed since written (yizhan verify "
			  "lists them)",
			  (long long)run.problems);
}

/* Events written by other processes: on one SQLite file nothing tells us,
 * and on PostgreSQL a notification can be lost; the outbox says. */
static void poll_events(void *ev)
{
	events_after_commit(ev);
}

/* Every connection is a file: with thousands of live streams the usual
 * soft limit (1,024) would refuse connections long before --max-connections
 * and --stream-max. The soft limit goes up to the hard one. */
static void raise_file_limit(uint64_t want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0 && getrlimit(RLIMIT_NOFILE, &rl) != 0)
			return;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
		log_warn(
			NULL, "files",
			"open files are limited to %llu, fewer than --max-connections and "
			"--stream-max need (%llu): raise the hard limit (ulimit -Hn, LimitNOFILE=)",
			(unsigned long long)rl.rlim_cur, (unsigned long long)want);
}

/* An event of this server or another: the group bots may have news. */
static void on_bot_event(const struct event *e, void *ctx)
{
	if (!strncmp(e->topic, "request.", 8) || !strcmp(e->topic, BOT_TEST_TOPIC))
		bot_sender_wake(ctx);
}

/* Stored answers of idempotent writes are for retries, not for ever: a
 * background job deletes those older than --idempotency-ttl, looking a
 * quarter of that often (at most every 5 minutes, at least every second). */
struct answer_expiry {
	struct db *db;
	int64_t ttl_s;
	int64_t retention_s; /* check-ins' client addresses */
};

static void expire_answers(void *arg)
{
	const struct answer_expiry *e = arg;
	struct problem prob;
	problem_init(&prob);
	long n = idem_expire(e->db, e->ttl_s, &prob);
	if (n < 0)
		log_warn(NULL, "idempotency", "cannot delete expired answers: %s", prob.detail);
	else if (n > 0)
		log_debug(NULL, "idempotency", "deleted %ld expired answers", n);
	problem_init(&prob);
	if (events_purge(e->db, clock_now_s(), &prob) != RC_OK)
		log_warn(NULL, "events", "cannot delete old outbox rows: %s", prob.detail);
	problem_init(&prob);
	int64_t purged = 0;
	if (privacy_purge(e->db, clock_now_s(), e->retention_s, &purged, &prob) != RC_OK)
		log_warn(NULL, "retention", "cannot remove old client addresses and codes: %s",
			 prob.detail);
	else if (purged)
		log_info(NULL, "retention",
			 "removed %lld client addresses and spent sign-up codes past retention",
			 (long long)purged);
}

static int64_t expiry_interval_ms(int64_t ttl_s)
{
	int64_t ms = ttl_s * 1000 / 4;
	return ms < 1000 ? 1000 : ms > 300000 ? 300000 : ms;
}

/* Opens the photo folder and, in a folder this database marked as its own,
 * removes the files of uploads whose transaction never committed (a
 * failure, or a crash between the file and the commit). An hour's grace
 * leaves alone an upload another server is finishing. */
static enum rc open_photos(struct app *app, const struct serve_config *cfg, struct problem *prob)
{
	char dir[512];
	cli_photo_dir(cfg->db, cfg->photo_dir, dir, sizeof(dir));
	bool ours = false;
	enum rc rc = blob_store_open(&app->photos, dir, prob);
	if (rc == RC_OK)
		rc = photo_folder_claim(app->db, &app->photos, &ours, prob);
	if (rc != RC_OK)
		return rc;
	long orphans = ours ? photo_collect(app->db, &app->photos, 3600, prob) : 0;
	if (!ours)
		log_warn(NULL, "photos",
			 "%s was made by another database: stray files are left alone",
			 app->photos.dir);
	else if (orphans > 0)
		log_info(NULL, "photos", "removed %ld photo files no row refers to", orphans);
	else if (orphans < 0)
		log_warn(NULL, "photos", "cannot check %s for stray files", app->photos.dir);
	return RC_OK;
}

/* Reads --metrics-access and --metrics-token. A token given for another
 * policy is refused rather than ignored: whoever set it believes /metrics
 * is closed. */
static enum rc metrics_policy(const struct serve_config *cfg, enum metrics_access *access,
			      char token_hash[SECRET_HASH_LEN], struct problem *prob)
{
	const char *tok = cfg->metrics_token ? cfg->metrics_token : "";
	if (!strcmp(cfg->metrics_access, "public"))
		*access = METRICS_PUBLIC;
	else if (!strcmp(cfg->metrics_access, "loopback"))
		*access = METRICS_LOOPBACK;
	else if (!strcmp(cfg->metrics_access, "token"))
		*access = METRICS_TOKEN;
	else
		return problem_set(prob, RC_INVALID, "config",
				   "--metrics-access wants public, loopback or token");
	if (*access == METRICS_TOKEN && strlen(tok) < 16)
		return problem_set(
			prob, RC_INVALID, "config",
			"--metrics-access token needs a metrics token of at least 16 characters "
			"(YIZHAN_METRICS_TOKEN)");
	if (*access != METRICS_TOKEN && *tok)
		return problem_set(
			prob, RC_INVALID, "config",
			"a metrics token is set but --metrics-access is %s: use --metrics-access token",
			cfg->metrics_access);
	secret_hash(tok, token_hash);
	return RC_OK;
}

/* A start that cannot go on: says why, frees what was made, exits 1. */
static int start_failed(struct app *app, const char *event, struct problem *prob)
{
	log_msg(LOG_FATAL, NULL, event, "%s", prob->detail);
	procpool_free(app->passwords);
	events_free(app->events);
	stream_hub_free(app->streams);
	sms_sender_free(app->sms);
	snapshot_store_free(app->stations);
	db_close(app->db);
	log_close();
	return cli_fail("serve", prob);
}

int cli_serve(int argc, char **argv)
{
	struct serve_config cfg = { 0 };
	struct problem prob;
	problem_init(&prob);
	int code = cli_parse("serve", "Serves the API and web pages.", options, NOPTIONS, &cfg,
			     argc, argv);
	if (code >= 0)
		return code;
	struct tiles tiles;
	if (!tiles_resolve(cfg.tiles, cfg.tiles_url, cfg.tiles_crs, &tiles, &prob))
		return cli_fail("serve", &prob);
	int level = log_level_parse(cfg.log_level);
	if (level < 0) {
		problem_set(&prob, RC_INVALID, "config",
			    "--log-level wants debug, info, warn or error");
		return cli_fail("serve", &prob);
	}
	if (!secret_init()) {
		problem_set(&prob, RC_INTERNAL, "crypto", "libsodium failed to start");
		return cli_fail("serve", &prob);
	}
	enum metrics_access metrics_access = METRICS_PUBLIC;
	char metrics_token_hash[SECRET_HASH_LEN];
	if (metrics_policy(&cfg, &metrics_access, metrics_token_hash, &prob) != RC_OK)
		return cli_fail("serve", &prob);
	/* As many password helpers as work threads, since only those hash.
	 * Forked before any thread starts and before the database opens, so
	 * each begins as a small copy of a process that holds no lock. */
	unsigned work_threads = cfg.work_threads ? (unsigned)cfg.work_threads
						 : workpool_default_threads();
	struct procpool *passwords = password_helpers_new(work_threads);
	if (!passwords) {
		problem_set(&prob, RC_INTERNAL, "helpers",
			    "无法启动计算密码的辅助进程 (fork failed)");
		return cli_fail("serve", &prob);
	}

	/* Signals go to this thread only: block them before any thread starts
	 * (they inherit the mask), then wait for them below. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_open(2, (enum log_level)level, true);
	raise_file_limit((uint64_t)(cfg.max_connections + cfg.stream_max + 64));
	clock_set_offset_s(cfg.clock_offset_s);
	if (cfg.clock_offset_s)
		log_warn(NULL, "clock",
			 "the clock runs %lld s ahead (--clock-offset): for tests only",
			 (long long)cfg.clock_offset_s);

	if (!cli_ledger_key("serve", cfg.db, cfg.ledger_key_file, cfg.production, true)) {
		procpool_free(passwords);
		log_close();
		return 1;
	}
	struct db_options dbo = { .sqlite_max_pages = cfg.sqlite_max_pages };
	struct db *db = cli_open_db(cfg.db, &dbo, NULL);
	if (!db) {
		procpool_free(passwords);
		log_close();
		return 1;
	}
	struct app app = {
		.db = db,
		.passwords = passwords,
		.session = { .idle_s = cfg.session_idle_s, .absolute_s = cfg.session_lifetime_s },
		.cookie_secure = cfg.cookie_secure,
		.stations = snapshot_store_new(station_fragment_renderer()),
		.public_url = cfg.public_url,
		.walk_m = (int)cfg.walk_m,
		.tiles = tiles,
		.metrics_access = metrics_access,
		.signup = SIGNUP_POLICY_DEFAULT,
	};
	struct sms_config smsc = { .gateway_url = cfg.sms_gateway,
				   .gateway_token = cfg.sms_gateway_token };
	app.sms = sms_sender_new(&smsc);
	app.signup.helpers = passwords;
	if (strstr(cfg.public_url, "://localhost") || strstr(cfg.public_url, "://127.") ||
	    strstr(cfg.public_url, "://[::1]"))
		log_warn(
			NULL, "public_url",
			"station QR codes point to %s, which only this machine can open: set "
			"--public-url (YIZHAN_PUBLIC_URL) to the address people reach before printing them",
			cfg.public_url);
	image_budget_init(&app.photo_memory, cfg.photo_memory_mib << 20);
	memcpy(app.metrics_token_hash, metrics_token_hash, sizeof(app.metrics_token_hash));
	if (open_photos(&app, &cfg, &prob) != RC_OK)
		return start_failed(&app, "photos", &prob);
	/* The outbox position first, then the snapshot: an event committed in
	 * between is read again, never missed. */
	app.events = events_new(db, &prob);
	if (!app.events)
		return start_failed(&app, "events", &prob);
	events_subscribe(app.events, EVENT_STATION_CHANGED, on_station_changed, &app);
	/* What the ledger's counts count: they are kept until one of these. */
	static const char *const ledger_topics[] = { EVENT_PERSON_CHANGED, EVENT_CHECKIN_CREATED,
						     "team.changed",	   "work_site.changed",
						     "grid.changed",	   "party_org.changed" };
	for (size_t i = 0; i < sizeof(ledger_topics) / sizeof(ledger_topics[0]); i++)
		events_subscribe(app.events, ledger_topics[i], on_ledger_changed, NULL);
	person_counts_cache_enable(true);
	app.streams = stream_hub_new(db, cfg.stream_keepalive_ms);
	events_subscribe(app.events, "*", stream_hub_event, app.streams);
	/* Group bots: deliveries resume at once, then follow the outbox. */
	struct bot_sender_config bsc = { .public_url = cfg.public_url, .poll_ms = cfg.bot_poll_ms };
	struct bot_sender *bots = bot_sender_start(db, &bsc);
	events_subscribe(app.events, "*", on_bot_event, bots);
	db_on_commit(db, events_after_commit, app.events);
	if (snapshot_store_reload(app.stations, db, &prob) != RC_OK) {
		bot_sender_stop(bots);
		return start_failed(&app, "snapshot", &prob);
	}
	size_t nroutes, nfaces;
	const struct http_route *routes = api_routes(&nroutes);
	const struct http_error_face *faces = api_error_faces(&nfaces);
	struct http_server_config hc = {
		.listen = cfg.listen,
		.routes = routes,
		.nroutes = nroutes,
		.app = &app,
		.auth = api_auth,
		.static_dir = cfg.web,
		.threads = (unsigned)cfg.threads,
		.work_threads = work_threads,
		.work_queue_max = (size_t)cfg.work_queue,
		.conn_max = (unsigned)cfg.max_connections,
		.stream_max = (size_t)cfg.stream_max,
		.idle_timeout_s = (unsigned)cfg.idle_timeout_s,
		.header_timeout_s = (unsigned)cfg.header_timeout_s,
		.access_log = cfg.access_log,
		.img_src = tiles.origin,
		.error_faces = faces,
		.nerror_faces = nfaces,
	};
	char bound[128];
	app.server = http_server_start(&hc, bound, sizeof(bound), &prob);
	if (!app.server) {
		bot_sender_stop(bots);
		return start_failed(&app, "listen", &prob);
	}
	/* Other servers' events (PostgreSQL; nothing with SQLite). */
	struct db_listener *listener = NULL;
	if (db_listen(db, EVENTS_CHANNEL, on_events_notice, app.events, &listener, &prob) != RC_OK)
		log_warn(NULL, "listen", "%s: other servers' writes show only after a restart",
			 prob.detail);
	struct answer_expiry expiry = { .db = db,
					.ttl_s = cfg.idempotency_ttl_s,
					.retention_s = cfg.retention_days * 86400 };
	struct ticker *expiry_job = ticker_start(expiry_interval_ms(cfg.idempotency_ttl_s),
						 expire_answers, &expiry);
	struct ticker *events_job = ticker_start(cfg.events_poll_ms, poll_events, app.events);
	struct ticker *escalate_job = ticker_start(cfg.escalate_ms, escalate_due, db);
	struct ticker *release_job = ticker_start(cfg.release_ms, release_rooms, db);
	struct ticker *activity_job = ticker_start(cfg.reminder_ms, activity_step, db);
	struct points_expiry_job pexp = { .db = db, .years = (int)cfg.points_expire_years };
	struct ticker *award_job = ticker_start(cfg.points_award_ms, award_points, db);
	struct ticker *pexpire_job = ticker_start(cfg.points_expire_ms, expire_points, &pexp);
	struct ticker *verify_job = ticker_start(cfg.verify_ms, verify_chains, db);
	struct ticker *refund_job = ticker_start(cfg.shop_refund_ms, refund_due, db);
	log_info(NULL, "start", "listening %s, database %s, schema %d, %zu static files", bound,
		 db_url_safe(db), db_schema_version(db), http_server_static_count(app.server));
	/* The start line is in the log before anyone is told where to connect. */
	log_flush();
	printf("listening %s\n", bound);
	fflush(stdout);

	int sig = 0;
	sigwait(&sigs, &sig);
	log_info(NULL, "stop", "signal %d: draining requests in flight (up to %lld ms)", sig,
		 (long long)cfg.drain_ms);
	ticker_stop(expiry_job);
	ticker_stop(events_job);
	ticker_stop(escalate_job);
	ticker_stop(release_job);
	ticker_stop(activity_job);
	ticker_stop(award_job);
	ticker_stop(pexpire_job);
	ticker_stop(verify_job);
	ticker_stop(refund_job);
	http_server_stop(app.server, (int)cfg.drain_ms);
	db_listener_stop(listener);
	bot_sender_stop(bots);
	db_on_commit(db, NULL, NULL);
	events_free(app.events);
	stream_hub_free(app.streams);
	sms_sender_free(app.sms);
	snapshot_store_free(app.stations);
	db_close(db);
	procpool_free(passwords);
	log_info(NULL, "stop", "stopped cleanly");
	log_close();
	return 0;
}
