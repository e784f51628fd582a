/* Failure paths walked on purpose (STYLE.md rule 20): each write below
 * (station create, update, close and QR rotation, account create, role
 * grant, photo add, group-bot create, update and test) runs the way the API runs it (write_begin claims an
 * Idempotency-Key, the domain command, write_commit stores the answer and
 * commits; retried on contention like api/write.c), once for every
 * statement it makes with that statement failing (db_fault_arm), then once
 * with its commit failing. Every failure must end in a clean error with no
 * transaction left open and nothing written: the rows of every table the
 * write touches, its audit row, its Idempotency-Key row and (PostgreSQL) its
 * station notification are all there after the one run that succeeds, and
 * none are after any other. A second walk answers each statement with lock
 * contention instead: the retry must then write everything exactly once. On
 * SQLite always, on PostgreSQL when YZ_TEST_PG_URL is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <time.h>

#include "core/log.h"
#include "domain/bot.h"
#include "domain/events.h"
#include "domain/idempotency.h"
#include "domain/photo.h"
#include "fixture.h"

#define WALK_MAX 400 /* more statements than any write here makes */

static struct fx_engine eng;

/* The tables a write here may touch; counted before and after each run. */
static const char *const tables[] = {
	"stations",	  "station_amenities", "station_hours",	   "station_exceptions",
	"station_rooms",  "accounts",	       "role_grants",	   "photos",
	"station_photos", "audit_log",	       "idempotency_keys", "outbox",
	"bots",		  "bot_deliveries",
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))
enum {
	T_STATIONS,
	T_AMENITIES,
	T_HOURS,
	T_EXCEPTIONS,
	T_ROOMS,
	T_ACCOUNTS,
	T_GRANTS,
	T_PHOTOS,
	T_STATION_PHOTOS,
	T_AUDIT,
	T_IDEM,
	T_OUTBOX,
	T_BOTS,
	T_BOT_DELIVERIES
};

struct state {
	int64_t rows[NTABLES];
	int64_t station_version; /* sum over stations: an update bumps it */
	int64_t notified;	 /* station notifications heard (PostgreSQL) */
};

/* The test's store, its actor, and a listener on a second handle that
 * counts station notifications (PostgreSQL; SQLite sends none). */
struct fx {
	struct db *db;
	struct db *other;
	struct db_listener *listener;
	atomic_long heard;
	atomic_bool connected;
	struct principal admin_p;
	struct actor admin;
	int64_t station_id;
	int64_t account_id;
	int64_t bot_id;
	unsigned seq;	 /* advanced before each run: its input, kept across retries */
	unsigned keyseq; /* makes Idempotency-Keys unique */
};

static struct fx fx;

static void on_station_change(const char *payload, void *ctx)
{
	(void)ctx;
	if (payload)
		atomic_fetch_add(&fx.heard, 1);
	else
		atomic_store(&fx.connected, true);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void read_state(struct state *s)
{
	for (size_t i = 0; i < NTABLES; i++) {
		char sql[96];
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", tables[i]);
		s->rows[i] = fx_int(fx.db, sql);
	}
	s->station_version = fx_int(fx.db, "SELECT COALESCE(SUM(version), 0) FROM stations");
	s->notified = atomic_load(&fx.heard);
}

/* Waits until the listener has heard want notifications (or a while has
 * passed), then a little longer, so one too many would show. */
static int64_t heard_settled(int64_t want)
{
	if (!fx.listener)
		return want;
	for (int i = 0; i < 100 && atomic_load(&fx.heard) < want; i++)
		sleep_ms(20);
	sleep_ms(150);
	return atomic_load(&fx.heard);
}

/* Waits until no notification has come for 100 ms: those of earlier writes
 * (a burst's is sent up to 10 ms after its last commit) are in. */
static void heard_quiet(void)
{
	if (!fx.listener)
		return;
	int64_t seen;
	do {
		seen = atomic_load(&fx.heard);
		sleep_ms(100);
	} while (atomic_load(&fx.heard) != seen);
}

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.db = fx_fresh(&eng);
	if (!fx.db)
		return -1;
	int64_t admin_id = fx_account(fx.db, "13800000001", "市管理员", "admin", FX_CITY);
	fx_principal(fx.db, admin_id, &fx.admin_p);
	fx.admin = fx_actor(&fx.admin_p);
	fx.station_id = fx_station(fx.db, &fx.admin, "龙腾路驿站", FX_COMMUNITY);
	fx.account_id = fx_account(fx.db, "13800000002", "志愿者", NULL, NULL);
	if (eng.kind == DB_KIND_POSTGRES) {
		struct problem prob = { 0 };
		if (db_open(eng.url, NULL, &fx.other, &prob) != RC_OK ||
		    db_listen(fx.other, EVENTS_CHANNEL, on_station_change, NULL, &fx.listener,
			      &prob) != RC_OK) {
			fprintf(stderr, "listener: %s\n", prob.detail);
			return -1;
		}
		for (int i = 0; i < 250 && !atomic_load(&fx.connected); i++)
			sleep_ms(20);
		if (!atomic_load(&fx.connected)) {
			fprintf(stderr, "listener did not connect\n");
			return -1;
		}
		/* The setup's own station was announced before listening began. */
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	db_listener_stop(fx.listener);
	db_close(fx.other);
	fx_close(&eng, fx.db);
	memset(&fx, 0, sizeof(fx));
	return 0;
}

/* One domain command, run inside the open write transaction. */
typedef enum rc (*command_fn)(struct db_tx *tx, struct problem *prob);

struct walk {
	const struct write_key *k;
	command_fn cmd;
	bool replayed;
};

/* One attempt, as api/write.c makes it: claim the key, run the command,
 * store the answer. */
static enum rc walk_attempt(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct walk *w = ctx;
	enum write_start start;
	struct write_replay rep;
	w->replayed = false;
	enum rc rc = write_claim(tx, w->k, &start, &rep, prob);
	if (rc != RC_OK)
		return rc;
	if (start == WRITE_REPLAY) {
		w->replayed = true;
		write_replay_release(&rep);
		return RC_OK;
	}
	rc = w->cmd(tx, prob);
	return rc == RC_OK ? write_store(tx, w->k, 201, "application/json", "{}", NULL, prob) : rc;
}

/* The write path of api/write.c without HTTP: db_tx runs the attempt and
 * commits; contention retries it all. */
static enum rc run_write(const char *key, command_fn cmd, struct problem *prob, bool *replayed)
{
	/* A new request (with new input where it must differ); its retries
	 * below send the same. */
	fx.seq++;
	struct write_key k = { .principal = "a:1", .key = key };
	write_key_hash(&k, "POST", "/api/v1/walk", "", 0, key, strlen(key));
	struct walk w = { .k = &k, .cmd = cmd };
	enum rc rc = db_tx(fx.db, walk_attempt, &w, prob);
	*replayed = rc == RC_OK && w.replayed;
	return rc;
}

static void assert_same(const struct state *a, const struct state *b, const char *what, unsigned n,
			const char *sql)
{
	for (size_t i = 0; i < NTABLES; i++)
		if (a->rows[i] != b->rows[i])
			fail_msg("%s, failure %u (%s): %s went from %lld to %lld rows", what, n,
				 sql, tables[i], (long long)a->rows[i], (long long)b->rows[i]);
	if (a->station_version != b->station_version)
		fail_msg("%s, failure %u (%s): a station changed", what, n, sql);
}

/* What the one successful run adds to each table. */
struct delta {
	int64_t rows[NTABLES];
	int64_t station_version;
	int64_t notified;
};

static void assert_delta(const struct state *a, const struct state *b, const struct delta *d,
			 const char *what)
{
	for (size_t i = 0; i < NTABLES; i++)
		if (b->rows[i] - a->rows[i] != d->rows[i])
			fail_msg("%s: %s grew by %lld rows, expected %lld", what, tables[i],
				 (long long)(b->rows[i] - a->rows[i]), (long long)d->rows[i]);
	if (b->station_version - a->station_version != d->station_version)
		fail_msg("%s: station versions grew by %lld, expected %lld", what,
			 (long long)(b->station_version - a->station_version),
			 (long long)d->station_version);
}

/* Walks a statement fault with rc across every statement of the write, then
 * fails its commit; returns how many statements the write made. */
static unsigned walk(const char *what, command_fn cmd, const struct delta *d)
{
	struct problem prob;
	struct state before, after;
	char key[64];
	bool replayed;
	/* One key for the whole walk: a failed run that left its claim behind
	 * would make the successful run a replay that writes nothing. */
	snprintf(key, sizeof(key), "walk-%s-%u", what, fx.keyseq++);
	heard_quiet();
	read_state(&before);
	int64_t heard0 = before.notified;
	unsigned n;
	for (n = 1; n <= WALK_MAX; n++) {
		db_fault_arm(fx.db, DB_FAULT_STATEMENT, n, RC_INTERNAL);
		enum rc rc = run_write(key, cmd, &prob, &replayed);
		bool fired = db_fault_fired(fx.db);
		char sql[96];
		snprintf(sql, sizeof(sql), "%s", db_fault_sql(fx.db));
		db_fault_arm(fx.db, DB_FAULT_NONE, 0, RC_OK);
		assert_false(db_in_tx(fx.db));
		if (!fired) {
			if (rc != RC_OK)
				fail_msg("%s without a fault: %s: %s", what, prob.type,
					 prob.detail);
			break;
		}
		if (rc == RC_OK)
			fail_msg("%s, failure %u (%s): reported success", what, n, sql);
		assert_false(replayed);
		read_state(&after);
		assert_same(&before, &after, what, n, sql);
	}
	assert_true(n > 1 && n <= WALK_MAX);
	unsigned statements = n - 1;
	print_message("%s: failed at each of %u statements, then at commit\n", what, statements);
	read_state(&after);
	assert_false(replayed);
	assert_delta(&before, &after, d, what);

	/* The same key again is the first answer, and writes nothing more. */
	struct state again;
	assert_int_equal(run_write(key, cmd, &prob, &replayed), RC_OK);
	assert_true(replayed);
	read_state(&again);
	assert_same(&after, &again, what, 0, "replay");

	/* A failed commit writes nothing either. */
	snprintf(key, sizeof(key), "walk-%s-commit-%u", what, fx.keyseq++);
	db_fault_arm(fx.db, DB_FAULT_COMMIT, 0, RC_INTERNAL);
	enum rc rc = run_write(key, cmd, &prob, &replayed);
	assert_true(db_fault_fired(fx.db));
	db_fault_arm(fx.db, DB_FAULT_NONE, 0, RC_OK);
	assert_int_not_equal(rc, RC_OK);
	assert_false(db_in_tx(fx.db));
	read_state(&again);
	assert_same(&after, &again, what, statements + 1, "COMMIT");

	/* Exactly the successful run was announced to the other servers. */
	if (fx.listener && heard_settled(heard0 + d->notified) != heard0 + d->notified)
		fail_msg("%s: %lld station notifications, expected %lld", what,
			 (long long)(atomic_load(&fx.heard) - heard0), (long long)d->notified);
	return statements;
}

/* Contention at each statement in turn: the write is retried and, in the
 * end, made exactly once. Each run is a fresh write. */
static void walk_busy(const char *what, command_fn cmd, const struct delta *d, unsigned statements)
{
	struct problem prob;
	bool replayed;
	for (unsigned n = 1; n <= statements; n++) {
		struct state before, after;
		char key[64];
		snprintf(key, sizeof(key), "busy-%s-%u", what, fx.keyseq++);
		read_state(&before);
		db_fault_arm(fx.db, DB_FAULT_STATEMENT, n, RC_BUSY);
		enum rc rc = run_write(key, cmd, &prob, &replayed);
		assert_true(db_fault_fired(fx.db));
		db_fault_arm(fx.db, DB_FAULT_NONE, 0, RC_OK);
		assert_false(db_in_tx(fx.db));
		if (rc != RC_OK)
			fail_msg("%s, contention at %u: %s: %s", what, n, prob.type, prob.detail);
		read_state(&after);
		assert_delta(&before, &after, d, what);
	}
}

/* The commands */

static enum rc cmd_station_create(struct db_tx *tx, struct problem *prob)
{
	struct station_input in;
	fx_station_input(&in, "新建驿站", FX_STREET);
	in.has_amenities = true;
	in.amenities[0] = "water";
	in.amenities[1] = "rest";
	in.namenities = 2;
	in.has_hours = true;
	in.hours.nranges = 2;
	in.hours.ranges[0] = (struct hours_range){ 1, 8 * 60, 18 * 60 };
	in.hours.ranges[1] = (struct hours_range){ 6, 9 * 60, 12 * 60 };
	in.hours.nexceptions = 1;
	in.hours.exceptions[0] = (struct hours_exception){ .day_num = 20500, .closed = true };
	in.has_rooms = true;
	in.nrooms = 1;
	snprintf(in.rooms[0].name, sizeof(in.rooms[0].name), "会议室");
	in.rooms[0].capacity = 20;
	in.has_phone = true;
	in.phone = "0917-1234567";
	int64_t id = 0;
	return station_create(tx, &fx.admin, &in, &id, prob);
}

static enum rc cmd_station_update(struct db_tx *tx, struct problem *prob)
{
	/* Every kind of child row changes: amenities, hours, exceptions, rooms. */
	static const char *const names[] = { "龙腾路驿站（一）", "龙腾路驿站（二）" };
	struct station_input in = { 0 };
	in.has_name = true;
	in.name = names[fx.seq % 2];
	in.has_phone = true;
	in.phone = "0917-7654321";
	in.has_amenities = true;
	in.amenities[0] = "heating";
	in.amenities[1] = "water";
	in.amenities[2] = "rest";
	in.namenities = 3;
	in.has_hours = true;
	in.hours.nranges = 1;
	in.hours.ranges[0] = (struct hours_range){ 2, 7 * 60, 20 * 60 };
	in.hours.nexceptions = 2;
	in.hours.exceptions[0] = (struct hours_exception){ .day_num = 20501, .closed = true };
	in.hours.exceptions[1] = (struct hours_exception){ .day_num = 20502,
							   .open_min = 600,
							   .close_min = 700 };
	in.has_rooms = true;
	in.nrooms = 2;
	snprintf(in.rooms[0].name, sizeof(in.rooms[0].name), "活动室");
	snprintf(in.rooms[1].name, sizeof(in.rooms[1].name), "阅览室");
	in.rooms[0].capacity = 30;
	in.rooms[1].capacity = 10;
	return station_update(tx, &fx.admin, fx.station_id, &in, prob);
}

static enum rc cmd_account_create(struct db_tx *tx, struct problem *prob)
{
	char phone[12];
	snprintf(phone, sizeof(phone), "139%08u", fx.seq);
	struct account_new in = { .phone = phone, .name = "新居民" };
	struct account out;
	return account_create(tx, &fx.admin, NULL, &in, &out, prob);
}

static enum rc cmd_role_grant(struct db_tx *tx, struct problem *prob)
{
	/* A scope of its own each time, so no run conflicts with the last. */
	static const char *const scopes[] = { "610302001001", "610302001002", "610302002001",
					      "610303001001", "610302001",    "610302002",
					      "610303001",    "610302" };
	int64_t grant_id = 0;
	return role_grant_add(tx, &fx.admin, fx.account_id, "volunteer",
			      scopes[fx.seq % (sizeof(scopes) / sizeof(scopes[0]))], &grant_id,
			      prob);
}

static enum rc cmd_photo_add(struct db_tx *tx, struct problem *prob)
{
	struct photo_files files = { .width = 640, .height = 480, .bytes = 12345 };
	/* A new picture each run: 64 hex digits. */
	snprintf(files.sha256, sizeof(files.sha256), "%064u", fx.seq);
	snprintf(files.thumb_sha256, sizeof(files.thumb_sha256), "%064u", 1000000u + fx.seq);
	struct photo out;
	return station_photo_add(tx, &fx.admin, fx.station_id, &files, "门口", &out, prob);
}

static enum rc cmd_station_close(struct db_tx *tx, struct problem *prob)
{
	return station_set_closed(tx, &fx.admin, fx.station_id, true, "设备检修", 0, prob);
}

static enum rc cmd_station_rotate_qr(struct db_tx *tx, struct problem *prob)
{
	return station_rotate_qr(tx, &fx.admin, fx.station_id, prob);
}

static struct bot_input walk_bot(void)
{
	struct bot_input in = { 0 };
	in.has_name = in.has_kind = in.has_url = in.has_topics = in.has_region = true;
	in.name = "经二路街道服务群";
	in.kind = "wecom";
	in.url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789abcdef";
	in.topics = bot_topic_bit("request.dispatched");
	in.region_code = FX_STREET;
	return in;
}

static enum rc cmd_bot_create(struct db_tx *tx, struct problem *prob)
{
	struct bot_input in = walk_bot();
	int64_t id = 0;
	return bot_create(tx, &fx.admin, &in, &id, prob);
}

static enum rc cmd_bot_update(struct db_tx *tx, struct problem *prob)
{
	/* A new address too: the bot's waiting deliveries are made due. */
	static const char *const names[] = { "服务群（一）", "服务群（二）" };
	struct bot_input in = { 0 };
	in.has_name = in.has_url = in.has_station_id = true;
	in.name = names[fx.seq % 2];
	in.url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=fedcba9876543210";
	in.station_id = fx.station_id;
	return bot_update(tx, &fx.admin, fx.bot_id, &in, prob);
}

static enum rc cmd_bot_test(struct db_tx *tx, struct problem *prob)
{
	return bot_test(tx, &fx.admin, fx.bot_id, prob);
}

/* The tests */

static void test_write_faults__station_create_is_all_or_nothing(void **state)
{
	(void)state;
	struct delta d = { .notified = 1, .station_version = 1 };
	d.rows[T_OUTBOX] = 1; /* its station.changed event */
	d.rows[T_STATIONS] = 1;
	d.rows[T_AMENITIES] = 2;
	d.rows[T_HOURS] = 2;
	d.rows[T_EXCEPTIONS] = 1;
	d.rows[T_ROOMS] = 1;
	d.rows[T_AUDIT] = 1;
	d.rows[T_IDEM] = 1;
	unsigned statements = walk("station create", cmd_station_create, &d);
	assert_true(statements >= 12);
	walk_busy("station create", cmd_station_create, &d, statements);
}

static void test_write_faults__station_update_is_all_or_nothing(void **state)
{
	(void)state;
	/* From the setup's bare station: 3 amenities, 1 range, 2 exceptions,
	 * 2 rooms; the second time around the same counts replace them. */
	struct delta d = { .notified = 1, .station_version = 1 };
	d.rows[T_OUTBOX] = 1; /* its station.changed event */
	d.rows[T_AMENITIES] = 3;
	d.rows[T_HOURS] = 1;
	d.rows[T_EXCEPTIONS] = 2;
	d.rows[T_ROOMS] = 2;
	d.rows[T_AUDIT] = 1;
	d.rows[T_IDEM] = 1;
	unsigned statements = walk("station update", cmd_station_update, &d);
	assert_true(statements >= 12);
	d.rows[T_AMENITIES] = d.rows[T_HOURS] = d.rows[T_EXCEPTIONS] = d.rows[T_ROOMS] = 0;
	walk_busy("station update", cmd_station_update, &d, statements);
}

static void test_write_faults__account_create_is_all_or_nothing(void **state)
{
	(void)state;
	struct delta d = { 0 };
	d.rows[T_ACCOUNTS] = 1;
	d.rows[T_AUDIT] = 1;
	d.rows[T_IDEM] = 1;
	unsigned statements = walk("account create", cmd_account_create, &d);
	assert_true(statements >= 4);
	walk_busy("account create", cmd_account_create, &d, statements);
}

static void test_write_faults__role_grant_is_all_or_nothing(void **state)
{
	(void)state;
	struct delta d = { 0 };
	d.rows[T_GRANTS] = 1;
	d.rows[T_AUDIT] = 1;
	d.rows[T_IDEM] = 1;
	unsigned statements = walk("role grant", cmd_role_grant, &d);
	assert_true(statements >= 4);
	/* Few enough runs that every scope is still free. */
	walk_busy("role grant", cmd_role_grant, &d, statements < 5 ? statements : 5);
}

static void test_write_faults__photo_add_is_all_or_nothing(void **state)
{
	(void)state;
	struct delta d = { 0 };
	d.rows[T_PHOTOS] = 1;
	d.rows[T_STATION_PHOTOS] = 1;
	d.rows[T_AUDIT] = 1;
	d.rows[T_IDEM] = 1;
	unsigned statements = walk("photo add", cmd_photo_add, &d);
	assert_true(statements >= 5);
	/* The station shows one photo now; at most 12. */
	walk_busy("photo add", cmd_photo_add, &d, statements < 10 ? statements : 10);
}

static void test_write_faults__station_close_and_qr_rotation_are_all_or_nothing(void **state)
{
	(void)state;
	struct delta d = { .notified = 1, .station_version = 1 };
	d.rows[T_OUTBOX] = 1; /* its station.changed event */
	d.rows[T_AUDIT] = 1;
	d.rows[T_IDEM] = 1;
	unsigned statements = walk("station close", cmd_station_close, &d);
	assert_true(statements >= 6);
	walk_busy("station close", cmd_station_close, &d, statements);
	statements = walk("qr rotation", cmd_station_rotate_qr, &d);
	assert_true(statements >= 6);
	walk_busy("qr rotation", cmd_station_rotate_qr, &d, statements);
}

static void test_write_faults__bot_create_update_and_test_are_all_or_nothing(void **state)
{
	(void)state;
	struct delta d = { 0 };
	d.rows[T_BOTS] = 1;
	d.rows[T_AUDIT] = 1;
	d.rows[T_IDEM] = 1;
	unsigned statements = walk("bot create", cmd_bot_create, &d);
	assert_true(statements >= 4);
	walk_busy("bot create", cmd_bot_create, &d, statements);
	fx.bot_id = fx_int(fx.db, "SELECT MIN(id) FROM bots");
	d.rows[T_BOTS] = 0;
	statements = walk("bot update", cmd_bot_update, &d);
	assert_true(statements >= 6);
	walk_busy("bot update", cmd_bot_update, &d, statements);
	d.rows[T_OUTBOX] = 1; /* the test message's event */
	d.notified = 1;
	statements = walk("bot test", cmd_bot_test, &d);
	assert_true(statements >= 4);
	walk_busy("bot test", cmd_bot_test, &d, statements);
}

static void test_write_faults__an_unarmed_hook_never_fires(void **state)
{
	(void)state;
	struct problem prob;
	bool replayed;
	db_fault_arm(fx.db, DB_FAULT_NONE, 1, RC_INTERNAL);
	assert_int_equal(run_write("plain", cmd_account_create, &prob, &replayed), RC_OK);
	assert_false(db_fault_fired(fx.db));
	assert_string_equal(db_fault_sql(fx.db), "");
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

static int sqlite_group_setup(void **state)
{
	(void)state;
	return fx_sqlite_setup(&eng, "yz_test_write_faults");
}

static int pg_group_setup(void **state)
{
	(void)state;
	return fx_pg_setup(&eng, "yz_test_write_faults");
}

static int group_teardown(void **state)
{
	(void)state;
	fx_engine_teardown(&eng);
	return 0;
}

int main(void)
{
	const char *level = getenv("YZ_TEST_LOG");
	int min = level ? log_level_parse(level) : -1;
	log_open(STDERR_FILENO, min >= 0 ? (enum log_level)min : LOG_FATAL, false);
	const struct CMUnitTest tests[] = {
		TEST(test_write_faults__station_create_is_all_or_nothing),
		TEST(test_write_faults__station_update_is_all_or_nothing),
		TEST(test_write_faults__account_create_is_all_or_nothing),
		TEST(test_write_faults__role_grant_is_all_or_nothing),
		TEST(test_write_faults__photo_add_is_all_or_nothing),
		TEST(test_write_faults__station_close_and_qr_rotation_are_all_or_nothing),
		TEST(test_write_faults__bot_create_update_and_test_are_all_or_nothing),
		TEST(test_write_faults__an_unarmed_hook_never_fires),
	};
	int failed = cmocka_run_group_tests_name("write faults on sqlite", tests,
						 sqlite_group_setup, group_teardown);
	const char *pg = getenv("YZ_TEST_PG_URL");
	if (pg && *pg)
		failed += cmocka_run_group_tests_name("write faults on postgresql", tests,
						      pg_group_setup, group_teardown);
	else
		printf("[  SKIPPED ] write faults on postgresql: YZ_TEST_PG_URL is not set\n");
	log_close();
	return failed;
}
