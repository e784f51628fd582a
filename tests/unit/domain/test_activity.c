/* Tests of src/domain/activity.c on a fresh SQLite store (fixture.h): who
 * may join which audience, the waitlist's order and its promotion when a
 * seat frees, refusals that write nothing, and attendance recorded once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/clock.h"
#include "domain/activity.h"
#include "domain/person.h"
#include "fixture.h"

static struct fx_engine eng;

static struct {
	struct db *db;
	struct principal staff_p, people_p[4];
	struct actor staff, people[4];
	int64_t station;
} fx;

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.db = fx_fresh(&eng);
	if (!fx.db)
		return -1;
	fx_principal(fx.db, fx_account(fx.db, "13800000002", "街道工作人员", "staff", FX_STREET),
		     &fx.staff_p);
	fx.staff = fx_actor(&fx.staff_p);
	static const char *const phones[4] = { "13900000011", "13900000012", "13900000013",
					       "13900000014" };
	for (int i = 0; i < 4; i++) {
		fx_principal(fx.db, fx_account(fx.db, phones[i], "居民", "resident", FX_COMMUNITY),
			     &fx.people_p[i]);
		fx.people[i] = fx_actor(&fx.people_p[i]);
	}
	fx.station = fx_station(fx.db, &fx.staff, "龙腾路驿站", FX_COMMUNITY);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, fx.db);
	return 0;
}

static int64_t published(int capacity, int64_t starts_in_s)
{
	struct problem prob = { 0 };
	int64_t now = clock_now_s(), id = 0;
	struct activity_input in = { .has_kind = true,
				     .kind = "training",
				     .has_title = true,
				     .title = "安全培训",
				     .has_station = true,
				     .station_id = fx.station,
				     .has_starts = true,
				     .starts_s = now + starts_in_s,
				     .has_ends = true,
				     .ends_s = now + starts_in_s + 3600,
				     .has_capacity = true,
				     .capacity = capacity,
				     .has_points = true,
				     .points = 4 };
	struct db_tx *tx = fx_begin(fx.db);
	enum rc rc = activity_create(tx, &fx.staff, &in, &id, &prob);
	if (rc == RC_OK)
		rc = activity_publish(tx, &fx.staff, id, &prob);
	assert_int_equal(fx_end(tx, rc, &prob), RC_OK);
	return id;
}

static enum rc sign(int who, int64_t id, struct activity_signup *s, struct problem *prob)
{
	problem_init(prob);
	struct db_tx *tx = fx_begin(fx.db);
	return fx_end(tx, activity_signup(tx, &fx.people[who], id, s, prob), prob);
}

static void test_activity__audiences_admit_whom_they_name(void **state)
{
	(void)state;
	int64_t rider = PERSON_BIT(PERSON_RIDER), member = PERSON_BIT(PERSON_PARTY_MEMBER);
	int64_t mobile = PERSON_BIT(PERSON_MOBILE_PARTY_MEMBER);
	int64_t resident = PERSON_BIT(PERSON_RESIDENT);
	assert_true(activity_audience_admits("everyone", 0, false, false));
	assert_true(activity_audience_admits("workers", rider, false, false));
	assert_false(activity_audience_admits("workers", resident | member, false, false));
	assert_true(activity_audience_admits("party", member, false, false));
	assert_true(activity_audience_admits("party", mobile | rider, false, false));
	assert_false(activity_audience_admits("party", rider, false, false));
	assert_true(activity_audience_admits("team", 0, true, false));
	assert_false(activity_audience_admits("team", member, false, true));
	assert_true(activity_audience_admits("party_org", 0, false, true));
	assert_false(activity_audience_admits("party_org", member, true, false));
	assert_false(activity_audience_admits("nobody", rider, true, true));
}

static void test_activity__the_waitlist_is_promoted_in_order(void **state)
{
	(void)state;
	int64_t id = published(2, 2 * 86400);
	struct activity_signup s[4];
	struct problem prob;
	for (int i = 0; i < 4; i++)
		assert_int_equal(sign(i, id, &s[i], &prob), RC_OK);
	assert_string_equal(s[0].state, "signed");
	assert_string_equal(s[1].state, "signed");
	assert_string_equal(s[2].state, "waitlisted");
	assert_int_equal(s[2].waitlist_position, 1);
	assert_string_equal(s[3].state, "waitlisted");
	assert_int_equal(s[3].waitlist_position, 2);
	/* Twice is refused and changes nothing. */
	assert_int_equal(sign(0, id, &s[0], &prob), RC_CONFLICT);
	assert_string_equal(prob.type, "already-signed-up");
	assert_int_equal(
		fx_int_p(fx.db, "SELECT COUNT(*) FROM activity_signups WHERE activity_id = $1", id),
		4);
	/* A seat freed goes to the first in line. */
	problem_init(&prob);
	struct db_tx *tx = fx_begin(fx.db);
	assert_int_equal(fx_end(tx, activity_signup_cancel(tx, &fx.people[1], id, &prob), &prob),
			 RC_OK);
	bool found;
	assert_int_equal(activity_my_signup(fx.db, &fx.people_p[2], id, &s[2], &found, &prob),
			 RC_OK);
	assert_string_equal(s[2].state, "signed");
	assert_int_equal(activity_my_signup(fx.db, &fx.people_p[3], id, &s[3], &found, &prob),
			 RC_OK);
	assert_int_equal(s[3].waitlist_position, 1);
	assert_int_equal(fx_int_p(fx.db, "SELECT seats_taken FROM activities WHERE id = $1", id),
			 2);
	assert_int_equal(
		fx_int_p(fx.db, "SELECT COUNT(*) FROM inbox WHERE kind = 'seated' AND ref_id = $1",
			 id),
		1);
}

static void test_activity__attendance_is_recorded_once(void **state)
{
	(void)state;
	int64_t id = published(5, 600);
	struct activity_signup s;
	struct problem prob;
	assert_int_equal(sign(0, id, &s, &prob), RC_OK);
	char token[ACTIVITY_TOKEN_CAP];
	struct db_rows *rows = NULL;
	assert_int_equal(db_q(fx.db, "SELECT attend_token FROM activities WHERE id = $1", &rows,
			      &prob, DB_I(id)),
			 RC_OK);
	snprintf(token, sizeof(token), "%s", db_rows_text(rows, 0, 0));
	db_rows_free(rows);
	for (int pass = 0; pass < 2; pass++) {
		bool already = false;
		problem_init(&prob);
		struct db_tx *tx = fx_begin(fx.db);
		assert_int_equal(fx_end(tx,
					activity_attend(tx, &fx.people[0], id, token, "127.0.0.1",
							&s, &already, &prob),
					&prob),
				 RC_OK);
		assert_int_equal(already, pass == 1);
		assert_string_equal(s.state, "attended");
	}
	assert_int_equal(
		fx_int(fx.db, "SELECT COUNT(*) FROM outbox WHERE topic = 'activity.attended'"), 1);
	bool already = false;
	problem_init(&prob);
	struct db_tx *tx = fx_begin(fx.db);
	assert_int_equal(fx_end(tx,
				activity_attend(tx, &fx.people[1], id, "a_wrong", "127.0.0.1", &s,
						&already, &prob),
				&prob),
			 RC_FORBIDDEN);
	assert_string_equal(prob.type, "bad-token");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_activity__audiences_admit_whom_they_name),
		cmocka_unit_test_setup_teardown(test_activity__the_waitlist_is_promoted_in_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity__attendance_is_recorded_once, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
