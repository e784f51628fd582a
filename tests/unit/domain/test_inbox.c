/* Tests of src/domain/inbox.c on a fresh SQLite store: an entry and its
 * event addressed to the account commit together (and roll back together),
 * each person lists, counts and marks read only their own entries, paging
 * runs newest first, long titles are cut, and a kind nobody knows is a
 * programming error. Also who a live stream shows an event to
 * (events_visible_to). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/events.h"
#include "domain/inbox.h"
#include "fixture.h"

static struct fx_engine eng;
static struct db *db;
static int64_t alice, bob;
static struct principal pa, pb;

struct note {
	int64_t account;
	const char *kind, *noun, *title, *body;
	int64_t ref;
	enum rc result; /* what the transaction returns after notifying */
};

static enum rc notify(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct note *n = ctx;
	enum rc rc = inbox_notify(tx, n->account, n->kind, n->noun, n->ref, n->title, n->body,
				  prob);
	return rc == RC_OK ? n->result : rc;
}

static enum rc tell(int64_t account, const char *kind, const char *title)
{
	struct problem prob = { 0 };
	struct note n = { account, kind, "request", title, NULL, 42, RC_OK };
	return db_tx(db, notify, &n, &prob);
}

struct mark {
	const struct principal *p;
	int64_t id; /* 0: all */
	int64_t marked;
};

static enum rc mark(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct mark *m = ctx;
	return m->id ? inbox_mark_read(tx, m->p, m->id, prob)
		     : inbox_mark_all_read(tx, m->p, &m->marked, prob);
}

static int64_t unread(const struct principal *p)
{
	struct problem prob = { 0 };
	int64_t n = -1;
	assert_int_equal(inbox_unread(db, p, &n, &prob), RC_OK);
	return n;
}

static void test_inbox__an_entry_and_its_event_commit_together(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct note n = { alice, "dispatched", "request", "修自行车", "明天上午", 42, RC_OK };
	assert_int_equal(db_tx(db, notify, &n, &prob), RC_OK);
	struct note gone = { alice, "accepted", "request", "不会留下", NULL, 43, RC_CONFLICT };
	assert_int_equal(db_tx(db, notify, &gone, &prob), RC_CONFLICT);

	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM inbox"), 1);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM outbox WHERE topic = 'inbox.added'"), 1);
	int64_t id = fx_int(db, "SELECT id FROM inbox");
	assert_int_equal(fx_int(db, "SELECT account_id FROM outbox WHERE topic = 'inbox.added'"),
			 alice);
	struct db_rows *rows = NULL;
	assert_int_equal(db_q(db, "SELECT object_id, data FROM outbox WHERE topic = $1", &rows,
			      &prob, DB_T(EVENT_INBOX_ADDED)),
			 RC_OK);
	char want[200];
	snprintf(want, sizeof(want),
		 "{\"id\":%lld,\"kind\":\"dispatched\",\"ref\":{\"noun\":\"request\",\"id\":42},"
		 "\"title\":\"修自行车\",\"unread\":1}",
		 (long long)id);
	assert_int_equal(strtoll(db_rows_text(rows, 0, 0), NULL, 10), id);
	assert_string_equal(db_rows_text(rows, 0, 1), want);
	db_rows_free(rows);

	struct inbox_page page;
	assert_int_equal(inbox_list(db, &pa, false, 0, 20, &page, &prob), RC_OK);
	assert_int_equal(page.n, 1);
	assert_string_equal(page.items[0].kind, "dispatched");
	assert_string_equal(page.items[0].ref_noun, "request");
	assert_int_equal(page.items[0].ref_id, 42);
	assert_string_equal(page.items[0].title, "修自行车");
	assert_string_equal(page.items[0].body, "明天上午");
	assert_int_equal(page.items[0].read_s, 0);
	assert_true(page.items[0].created_s > 0);
	inbox_page_release(&page);
}

static void test_inbox__each_reads_and_counts_only_their_own(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	assert_int_equal(tell(alice, "dispatched", "一"), RC_OK);
	assert_int_equal(tell(alice, "resolved", "二"), RC_OK);
	assert_int_equal(tell(bob, "notice", "给 bob"), RC_OK);
	assert_int_equal(unread(&pa), 2);
	assert_int_equal(unread(&pb), 1);

	struct inbox_page page;
	assert_int_equal(inbox_list(db, &pb, false, 0, 20, &page, &prob), RC_OK);
	assert_int_equal(page.n, 1);
	assert_string_equal(page.items[0].title, "给 bob");
	int64_t bobs = page.items[0].id;
	inbox_page_release(&page);

	/* Alice cannot see, read or mark Bob's entry: it is not there for her. */
	assert_int_equal(inbox_get(db, &pa, bobs, &page, &prob), RC_NOT_FOUND);
	struct mark m = { &pa, bobs, 0 };
	problem_init(&prob);
	assert_int_equal(db_tx(db, mark, &m, &prob), RC_NOT_FOUND);
	assert_int_equal(unread(&pb), 1);

	/* Nobody signed in has nothing. */
	struct principal anon = { .kind = AUTH_NONE };
	assert_int_equal(unread(&anon), 0);
	assert_int_equal(inbox_list(db, &anon, false, 0, 20, &page, &prob), RC_OK);
	assert_int_equal(page.n, 0);
	inbox_page_release(&page);
}

static void test_inbox__marking_read_lowers_the_count_and_tells_the_owner(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	for (int i = 0; i < 3; i++)
		assert_int_equal(tell(alice, "rated", "评价"), RC_OK);
	assert_int_equal(tell(bob, "notice", "bob"), RC_OK);
	int64_t first = fx_int_p(db, "SELECT MIN(id) FROM inbox WHERE account_id = $1", alice);

	struct mark one = { &pa, first, 0 };
	assert_int_equal(db_tx(db, mark, &one, &prob), RC_OK);
	assert_int_equal(unread(&pa), 2);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM outbox WHERE topic = 'inbox.read'"), 1);
	/* Read again: nothing changes, nobody is told again. */
	assert_int_equal(db_tx(db, mark, &one, &prob), RC_OK);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM outbox WHERE topic = 'inbox.read'"), 1);

	struct inbox_page page;
	assert_int_equal(inbox_list(db, &pa, true, 0, 20, &page, &prob), RC_OK);
	assert_int_equal(page.n, 2);
	for (size_t i = 0; i < page.n; i++)
		assert_true(page.items[i].id != first);
	inbox_page_release(&page);
	assert_int_equal(inbox_get(db, &pa, first, &page, &prob), RC_OK);
	assert_true(page.items[0].read_s > 0);
	inbox_page_release(&page);

	struct mark all = { &pa, 0, 0 };
	assert_int_equal(db_tx(db, mark, &all, &prob), RC_OK);
	assert_int_equal(all.marked, 2);
	assert_int_equal(unread(&pa), 0);
	assert_int_equal(unread(&pb), 1); /* Bob's stays unread */
	struct db_rows *rows = NULL;
	assert_int_equal(db_q(db,
			      "SELECT object_id, account_id, data FROM outbox WHERE topic = $1"
			      " ORDER BY id DESC",
			      &rows, &prob, DB_T(EVENT_INBOX_READ)),
			 RC_OK);
	assert_string_equal(db_rows_text(rows, 0, 0), "*");
	assert_int_equal(db_rows_int(rows, 0, 1), alice);
	assert_string_equal(db_rows_text(rows, 0, 2), "{\"unread\":0}");
	db_rows_free(rows);
	/* Nothing left unread: marking all again tells nobody. */
	assert_int_equal(db_tx(db, mark, &all, &prob), RC_OK);
	assert_int_equal(all.marked, 0);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM outbox WHERE topic = 'inbox.read'"), 2);
}

static void test_inbox__pages_run_newest_first(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	for (int i = 0; i < 5; i++)
		assert_int_equal(tell(alice, "notice", "通知"), RC_OK);
	struct inbox_page page;
	int64_t seen[5], cursor = 0;
	size_t k = 0;
	for (int round = 0; round < 3; round++) {
		assert_int_equal(inbox_list(db, &pa, false, cursor, 2, &page, &prob), RC_OK);
		for (size_t i = 0; i < page.n; i++)
			seen[k++] = page.items[i].id;
		cursor = page.next_cursor;
		inbox_page_release(&page);
		if (!cursor)
			break;
	}
	assert_int_equal(k, 5);
	assert_int_equal(cursor, 0);
	for (size_t i = 1; i < k; i++)
		assert_true(seen[i] < seen[i - 1]);
}

static void test_inbox__long_titles_are_cut_and_unknown_kinds_refused(void **state)
{
	(void)state;
	struct sb long_title = SB_INIT;
	for (int i = 0; i < INBOX_TITLE_MAX + 20; i++)
		sb_adds(&long_title, i % 2 ? "站" : "a");
	const char *title = sb_str(&long_title);
	assert_int_equal(tell(alice, "escalated", title), RC_OK);
	sb_release(&long_title);
	struct problem prob = { 0 };
	struct inbox_page page;
	assert_int_equal(inbox_list(db, &pa, false, 0, 1, &page, &prob), RC_OK);
	assert_int_equal(text_chars(page.items[0].title), INBOX_TITLE_MAX);
	const char *t = page.items[0].title;
	assert_string_equal(t + strlen(t) - strlen("…"), "…");
	inbox_page_release(&page);

	assert_int_equal(tell(alice, "promoted", "没有这种"), RC_INTERNAL);
	assert_int_equal(tell(alice, "notice", ""), RC_INTERNAL);
	assert_int_equal(tell(alice, "notice", "两行\n标题"), RC_INTERNAL);
	assert_int_equal(tell(999999, "notice", "没有这个人"), RC_CONFLICT);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM inbox"), 1);
}

static void test_inbox__a_stream_shows_an_event_to_whom_it_concerns(void **state)
{
	(void)state;
	int64_t staff = fx_account(db, "13900000003", "街道", "staff", FX_STREET);
	int64_t other = fx_account(db, "13900000004", "清姜", "staff", FX_STREET2);
	int64_t mgr = fx_account(db, "13900000005", "站长", "manager", "station:7");
	int64_t res = fx_account(db, "13900000006", "居民", "resident", FX_COMMUNITY);
	struct principal ps, po, pm, pr;
	fx_principal(db, staff, &ps);
	fx_principal(db, other, &po);
	fx_principal(db, mgr, &pm);
	fx_principal(db, res, &pr);

	struct event req = { .id = 1,
			     .topic = "request.created",
			     .object_id = "5",
			     .to = { .region_code = FX_COMMUNITY, .station_id = 7 } };
	assert_true(events_visible_to(&req, &ps));  /* the street's staff */
	assert_false(events_visible_to(&req, &po)); /* another street's */
	assert_true(events_visible_to(&req, &pm));  /* the station's manager */
	assert_false(events_visible_to(&req, &pr)); /* a resident does not read the queue */
	req.to.station_id = 8;
	assert_false(events_visible_to(&req, &pm));

	struct event mine = { .id = 2,
			      .topic = EVENT_INBOX_ADDED,
			      .object_id = "9",
			      .to = { .account_id = res, .region_code = FX_COMMUNITY } };
	assert_true(events_visible_to(&mine, &pr));
	assert_false(events_visible_to(&mine, &ps)); /* addressed: to that account only */

	struct event station = { .id = 3,
				 .topic = "station.changed",
				 .object_id = "7",
				 .to = { .region_code = FX_COMMUNITY } };
	assert_false(events_visible_to(&station, &ps));
	struct principal anon = { .kind = AUTH_NONE };
	assert_false(events_visible_to(&req, &anon));
}

static int setup(void **state)
{
	(void)state;
	db = fx_fresh(&eng);
	if (!db)
		return -1;
	alice = fx_account(db, "13900000001", "Alice", "resident", FX_COMMUNITY);
	bob = fx_account(db, "13900000002", "Bob", "resident", FX_COMMUNITY);
	fx_principal(db, alice, &pa);
	fx_principal(db, bob, &pb);
	return 0;
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
	return fx_sqlite_setup(&eng, "inbox");
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
		TEST(test_inbox__an_entry_and_its_event_commit_together),
		TEST(test_inbox__each_reads_and_counts_only_their_own),
		TEST(test_inbox__marking_read_lowers_the_count_and_tells_the_owner),
		TEST(test_inbox__pages_run_newest_first),
		TEST(test_inbox__long_titles_are_cut_and_unknown_kinds_refused),
		TEST(test_inbox__a_stream_shows_an_event_to_whom_it_concerns),
	};
	return cmocka_run_group_tests_name("inbox", tests, group_setup, group_teardown);
}
