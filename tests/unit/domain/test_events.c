/* Tests of src/domain/events.c on a fresh SQLite store: an event carries
 * its audience (region, station, account, data) to the subscribers, a "*"
 * subscriber hears every topic, a rolled-back write leaves no event, and a
 * reader resuming from a position (a stream's Last-Event-ID) gets exactly
 * what followed it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/events.h"
#include "fixture.h"

static struct fx_engine eng;
static struct db *db;

#define HEARD_MAX 8
static struct heard {
	int n;
	int64_t id[HEARD_MAX];
	char topic[HEARD_MAX][32];
	char region[HEARD_MAX][16];
	int64_t station[HEARD_MAX], account[HEARD_MAX];
	char data[HEARD_MAX][64];
} heard;

static void hear(const struct event *e, void *ctx)
{
	struct heard *h = ctx;
	if (h->n == HEARD_MAX)
		return;
	h->id[h->n] = e->id;
	text_copy(h->topic[h->n], sizeof(h->topic[0]), e->topic);
	text_copy(h->region[h->n], sizeof(h->region[0]),
		  e->to.region_code ? e->to.region_code : "-");
	h->station[h->n] = e->to.station_id;
	h->account[h->n] = e->to.account_id;
	text_copy(h->data[h->n], sizeof(h->data[0]), e->to.data ? e->to.data : "-");
	h->n++;
}

struct rec {
	const char *topic;
	const struct event_audience *to;
	enum rc result; /* what the transaction function returns */
};

static enum rc record(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct rec *r = ctx;
	enum rc rc = events_record_to(tx, r->topic, "7", r->to, prob);
	return rc == RC_OK ? r->result : rc;
}

static void test_events__audience_reaches_subscribers(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct events *ev = events_new(db, &prob);
	assert_non_null(ev);
	memset(&heard, 0, sizeof(heard));
	events_subscribe(ev, "*", hear, &heard);

	struct event_audience to = { .region_code = "610303008001",
				     .station_id = 12,
				     .account_id = 34,
				     .data = "{\"title\":\"修车\"}" };
	struct rec a = { "request.dispatched", &to, RC_OK };
	struct rec b = { "station.changed", NULL, RC_OK };
	struct rec gone = { "request.rated", &to, RC_CONFLICT };
	assert_int_equal(db_tx(db, record, &a, &prob), RC_OK);
	assert_int_equal(db_tx(db, record, &gone, &prob), RC_CONFLICT);
	assert_int_equal(db_tx(db, record, &b, &prob), RC_OK);
	assert_int_equal(events_catch_up(ev, &prob), RC_OK);

	assert_int_equal(heard.n, 2); /* the rolled-back one is not there */
	assert_string_equal(heard.topic[0], "request.dispatched");
	assert_string_equal(heard.region[0], "610303008001");
	assert_int_equal(heard.station[0], 12);
	assert_int_equal(heard.account[0], 34);
	assert_string_equal(heard.data[0], "{\"title\":\"修车\"}");
	assert_string_equal(heard.topic[1], "station.changed");
	assert_string_equal(heard.region[1], "-");
	assert_int_equal(heard.station[1], 0);
	assert_int_equal(heard.account[1], 0);
	assert_string_equal(heard.data[1], "-");
	assert_true(heard.id[1] > heard.id[0]);

	/* Caught up: nothing is heard twice. */
	assert_int_equal(events_catch_up(ev, &prob), RC_OK);
	assert_int_equal(heard.n, 2);
	events_free(ev);
}

static void test_events__reading_after_a_position_resumes_there(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct rec r = { "request.created", NULL, RC_OK };
	for (int i = 0; i < 5; i++)
		assert_int_equal(db_tx(db, record, &r, &prob), RC_OK);
	int64_t first = fx_int(db, "SELECT MIN(id) FROM outbox");

	memset(&heard, 0, sizeof(heard));
	int64_t last = 0;
	assert_int_equal(events_read_after(db, first + 1, 2, hear, &heard, &last, &prob), RC_OK);
	assert_int_equal(heard.n, 2);
	assert_int_equal(heard.id[0], first + 2);
	assert_int_equal(heard.id[1], first + 3);
	assert_int_equal(last, first + 3);

	memset(&heard, 0, sizeof(heard));
	assert_int_equal(events_read_after(db, last, 100, hear, &heard, &last, &prob), RC_OK);
	assert_int_equal(heard.n, 1);
	assert_int_equal(last, first + 4);

	memset(&heard, 0, sizeof(heard));
	assert_int_equal(events_read_after(db, last, 100, hear, &heard, &last, &prob), RC_OK);
	assert_int_equal(heard.n, 0);
	assert_int_equal(last, first + 4); /* none: the position stays */
}

/* The purge takes what is older than a day, in id order, and always
 * leaves the newest row (its id is where new ones continue). */
static void test_events__purge_keeps_a_day_and_the_newest(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	int64_t now = 2000000000;
	fx_exec(db, "DELETE FROM outbox");
	for (int i = 0; i < 6; i++) {
		char sql[160];
		/* Three of two days ago, three of this hour. */
		snprintf(
			sql, sizeof(sql),
			"INSERT INTO outbox (topic, object_id, created_s) VALUES ('t', '%d', %lld)",
			i, (long long)(i < 3 ? now - 2 * 86400 : now - 600));
		fx_exec(db, sql);
	}
	int64_t newest = fx_int(db, "SELECT MAX(id) FROM outbox");
	assert_int_equal(events_purge(db, now, &prob), RC_OK);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM outbox"), 3);
	assert_int_equal(fx_int(db, "SELECT MIN(created_s) FROM outbox"), now - 600);
	/* A day later every row is old: the newest stays. */
	assert_int_equal(events_purge(db, now + 2 * 86400, &prob), RC_OK);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM outbox"), 1);
	assert_int_equal(fx_int(db, "SELECT MAX(id) FROM outbox"), newest);
}

/* A consumer's position moves over ids without a gap at once, waits at a
 * gap, and gives the gap up after hole_wait_s. */
static void test_events__a_cursor_waits_at_a_gap_then_gives_it_up(void **state)
{
	(void)state;
	const int64_t ids[] = { 11, 12, 14, 15 };
	int64_t pos = 10, hole = 0;
	events_cursor_advance(ids, 4, 1000, 30, &pos, &hole);
	assert_int_equal(pos, 12);
	assert_int_equal(hole, 1000); /* 13 missing: met now */
	events_cursor_advance(ids + 2, 2, 1020, 30, &pos, &hole);
	assert_int_equal(pos, 12);
	assert_int_equal(hole, 1000); /* still waited for */
	events_cursor_advance(ids + 2, 2, 1031, 30, &pos, &hole);
	assert_int_equal(pos, 15); /* given up, and the rest passed */
	assert_int_equal(hole, 0);
	const int64_t filled[] = { 13, 14 };
	pos = 12;
	hole = 1000;
	events_cursor_advance(filled, 2, 1010, 30, &pos, &hole);
	assert_int_equal(pos, 14); /* the late commit filled it */
	assert_int_equal(hole, 0);
}

static int setup(void **state)
{
	(void)state;
	db = fx_fresh(&eng);
	return db ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, db);
	return 0;
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static int group_setup(void **state)
{
	(void)state;
	return fx_sqlite_setup(&eng, "events");
}

static int group_teardown(void **state)
{
	(void)state;
	fx_engine_teardown(&eng);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_events__audience_reaches_subscribers),
		TEST(test_events__reading_after_a_position_resumes_there),
		TEST(test_events__purge_keeps_a_day_and_the_newest),
		TEST(test_events__a_cursor_waits_at_a_gap_then_gives_it_up),
	};
	return cmocka_run_group_tests_name("events", tests, group_setup, group_teardown);
}
