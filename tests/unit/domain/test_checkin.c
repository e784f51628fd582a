/* Tests of src/domain/person.c and src/domain/checkin.c on a fresh SQLite
 * store (tests/unit/domain/fixture.h): the ten-minute rule of check-ins, a
 * first check-in placing a worker in the station's community (and only
 * when staff have not), the refusals that write nothing, and the ledger's
 * rules — one entry per number, masked numbers, staff within their scope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/rng.h"
#include "domain/checkin.h"
#include "domain/person.h"
#include "fixture.h"

static struct fx_engine eng;

static struct {
	struct db *db;
	struct principal admin_p, staff_p, worker_p;
	struct actor admin, staff, worker;
	int64_t station;
	char token[64];
} fx;

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.db = fx_fresh(&eng);
	if (!fx.db)
		return -1;
	fx_principal(fx.db, fx_account(fx.db, "13800000001", "市管理员", "admin", FX_CITY),
		     &fx.admin_p);
	fx_principal(fx.db, fx_account(fx.db, "13800000002", "街道工作人员", "staff", FX_STREET),
		     &fx.staff_p);
	fx_principal(fx.db, fx_account(fx.db, "13800000005", "骑手", "worker", FX_COMMUNITY),
		     &fx.worker_p);
	fx.admin = fx_actor(&fx.admin_p);
	fx.staff = fx_actor(&fx.staff_p);
	fx.worker = fx_actor(&fx.worker_p);
	fx.station = fx_station(fx.db, &fx.admin, "龙腾路驿站", FX_COMMUNITY);
	/* Open around the clock, whatever the default hours. */
	fx_exec(fx.db, "DELETE FROM station_hours");
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	for (int day = 1; day <= 7; day++)
		if (db_q(fx.db,
			 "INSERT INTO station_hours (station_id, day, open_min, close_min)"
			 " VALUES ($1, $2, 0, 1440)",
			 NULL, &prob, DB_I(fx.station), DB_I(day)) != RC_OK)
			return -1;
	if (db_q(fx.db, "SELECT qr_token FROM stations WHERE id = $1", &rows, &prob,
		 DB_I(fx.station)) != RC_OK) {
		fprintf(stderr, "setup: %s\n", prob.detail);
		return -1;
	}
	text_copy(fx.token, sizeof(fx.token), db_rows_text(rows, 0, 0));
	db_rows_free(rows);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, fx.db);
	return 0;
}

static enum rc check_in(const struct actor *who, const char *token, const char *purpose,
			struct checkin_result *out, struct problem *prob)
{
	problem_init(prob);
	struct db_tx *tx = fx_begin(fx.db);
	return fx_end(tx, checkin_record(tx, who, token, purpose, "127.0.0.1", out, prob), prob);
}

static void test_checkin__one_per_person_station_and_ten_minutes(void **state)
{
	(void)state;
	struct checkin_result a, b, c;
	struct problem prob;
	assert_int_equal(check_in(&fx.worker, fx.token, "report_in", &a, &prob), RC_OK);
	assert_false(a.duplicate);
	assert_int_equal(a.today_count, 1);
	assert_int_equal(check_in(&fx.worker, fx.token, "rest", &b, &prob), RC_OK);
	assert_true(b.duplicate);
	assert_int_equal(b.c.id, a.c.id);
	assert_string_equal(b.c.purpose, "report_in");
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM checkins"), 1);
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM audit_log WHERE action = "
				       "'checkin.create'"),
			 1);
	/* Ten minutes and a second later, it is a new visit. */
	fx_exec(fx.db, "UPDATE checkins SET at_s = at_s - 601");
	assert_int_equal(check_in(&fx.worker, fx.token, "rest", &c, &prob), RC_OK);
	assert_false(c.duplicate);
	assert_int_not_equal(c.c.id, a.c.id);
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM checkins"), 2);
	/* One person, made from the account. */
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM persons"), 1);
}

static void test_checkin__a_first_checkin_places_a_worker_unless_staff_did(void **state)
{
	(void)state;
	struct checkin_result r;
	struct problem prob;
	assert_int_equal(check_in(&fx.worker, fx.token, "registration", &r, &prob), RC_OK);
	assert_true(r.placed);
	struct person p;
	assert_int_equal(person_get_by_account(fx.db, fx.worker_p.account_id, &p, &prob), RC_OK);
	assert_string_equal(p.region_code, FX_COMMUNITY);
	assert_true(p.last_checkin_s > 0);

	/* Someone staff placed elsewhere stays where staff put them. */
	int64_t other = fx_account(fx.db, "13800000007", "快递员", "worker", FX_COMMUNITY);
	struct principal op;
	fx_principal(fx.db, other, &op);
	struct actor oa = fx_actor(&op);
	struct person_input in = { .has_name = true,
				   .name = "快递员",
				   .has_phone = true,
				   .phone = "13800000007",
				   .has_region = true,
				   .region_code = "610302001002" };
	int64_t id = 0;
	struct db_tx *tx = fx_begin(fx.db);
	problem_init(&prob);
	assert_int_equal(fx_end(tx, person_create(tx, &fx.staff, &in, &id, &prob), &prob), RC_OK);
	assert_int_equal(check_in(&oa, fx.token, "shift_start", &r, &prob), RC_OK);
	assert_false(r.placed);
	assert_int_equal(r.c.person_id, id);
	assert_int_equal(person_get(fx.db, id, &p, &prob), RC_OK);
	assert_string_equal(p.region_code, "610302001002");
}

static void test_checkin__refusals_write_nothing(void **state)
{
	(void)state;
	struct checkin_result r;
	struct problem prob;
	assert_int_equal(check_in(&fx.worker, "no-such-code", "rest", &r, &prob), RC_NOT_FOUND);
	assert_int_equal(check_in(&fx.worker, fx.token, "party", &r, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "purpose"));
	fx_exec(fx.db, "UPDATE stations SET closed = 1");
	assert_int_equal(check_in(&fx.worker, fx.token, "rest", &r, &prob), RC_CONFLICT);
	assert_string_equal(prob.type, "station-closed");
	struct principal nobody = { .kind = AUTH_NONE };
	struct actor anon = fx_actor(&nobody);
	assert_int_equal(check_in(&anon, fx.token, "rest", &r, &prob), RC_UNAUTHORIZED);
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM checkins"), 0);
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM persons"), 0);
}

static enum rc enter(const struct actor *who, const char *phone, const char *region, int64_t *id,
		     struct problem *prob)
{
	struct person_input in = { .has_name = true,
				   .name = "台账人员",
				   .has_phone = true,
				   .phone = phone,
				   .has_region = true,
				   .region_code = region };
	problem_init(prob);
	struct db_tx *tx = fx_begin(fx.db);
	return fx_end(tx, person_create(tx, who, &in, id, prob), prob);
}

static void test_person__one_entry_per_number_within_the_enterers_scope(void **state)
{
	(void)state;
	int64_t a = 0, b = 0;
	struct problem prob;
	assert_int_equal(enter(&fx.staff, "+86 139-0000-1111", FX_COMMUNITY, &a, &prob), RC_OK);
	assert_int_equal(enter(&fx.staff, "13900001111", FX_COMMUNITY, &b, &prob), RC_CONFLICT);
	assert_true(fx_has_field(&prob, "phone"));
	assert_int_equal(enter(&fx.staff, "13900002222", FX_OTHER_STREET, &b, &prob), RC_FORBIDDEN);
	assert_int_equal(enter(&fx.worker, "13900003333", FX_COMMUNITY, &b, &prob), RC_FORBIDDEN);
	assert_int_equal(enter(&fx.staff, "1390000", FX_COMMUNITY, &b, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "phone"));
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM persons"), 1);

	/* Staff read it masked; the worker may not read it at all. */
	struct person_view v;
	assert_int_equal(person_read(fx.db, &fx.staff_p, a, &v, &prob), RC_OK);
	assert_string_equal(v.p.phone, "139****1111");
	assert_false(v.self);
	assert_int_equal(person_read(fx.db, &fx.worker_p, a, &v, &prob), RC_FORBIDDEN);

	/* The whole number, once, with an audit row. */
	char phone[24];
	struct db_tx *tx = fx_begin(fx.db);
	problem_init(&prob);
	assert_int_equal(fx_end(tx, person_phone(tx, &fx.staff, a, phone, &prob), &prob), RC_OK);
	assert_string_equal(phone, "13900001111");
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM audit_log WHERE action = "
				       "'person.phone_read'"),
			 1);
}

static void test_person__the_ledger_keeps_to_the_viewers_scope(void **state)
{
	(void)state;
	int64_t id = 0;
	struct problem prob;
	assert_int_equal(enter(&fx.staff, "13900004444", FX_COMMUNITY, &id, &prob), RC_OK);
	assert_int_equal(enter(&fx.admin, "13900005555", FX_OTHER_STREET, &id, &prob), RC_OK);
	struct person_filter f = { 0 };
	struct person_page page;
	assert_int_equal(person_list(fx.db, &fx.staff_p, &f, 0, 50, &page, &prob), RC_OK);
	assert_int_equal(page.n, 1);
	assert_string_equal(page.items[0].region_code, FX_COMMUNITY);
	person_page_release(&page);
	assert_int_equal(person_list(fx.db, &fx.admin_p, &f, 0, 50, &page, &prob), RC_OK);
	assert_int_equal(page.total, 2);
	person_page_release(&page);
	snprintf(f.region, sizeof(f.region), "%s", FX_OTHER_STREET);
	assert_int_equal(person_list(fx.db, &fx.staff_p, &f, 0, 50, &page, &prob), RC_FORBIDDEN);
	struct person_counts c;
	assert_int_equal(person_count(fx.db, &fx.admin_p, &f, &c, &prob), RC_OK);
	assert_int_equal(c.total, 1);
}

static int64_t q1(const char *sql, const char *like, int64_t arg)
{
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	assert_int_equal(db_q(fx.db, sql, &rows, &prob, DB_T(like), DB_I(arg)), RC_OK);
	int64_t v = db_rows_null(rows, 0, 0) ? 0 : db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	return v;
}

/* The counts of a region come from tallies the database keeps (0020):
 * after people are entered, moved, re-categorised, registered, unlinked,
 * checked in and given or relieved of roles, every figure still equals a
 * count of the rows themselves. */
static void test_person__kept_tallies_equal_a_count_of_the_rows(void **state)
{
	(void)state;
	static const char *const regions[] = { FX_COMMUNITY, "610302001002", "610302002001",
					       FX_OTHER_STREET "001", NULL };
	static const char *const platforms[] = { "meituan", "eleme", "sf", NULL };
	static const char *const roles[] = { "guard", "publicity", "mediator", "elder_care" };
	struct rng rng;
	rng_seed(&rng, 20261203);
	struct problem prob = { 0 };
	int64_t now = clock_now_s();
	enum { N = 240 };
	int64_t ids[N], accounts[N];
	for (int i = 0; i < N; i++) {
		char phone[12], name[16];
		snprintf(phone, sizeof(phone), "1370000%04d", i);
		snprintf(name, sizeof(name), "人%d", i);
		struct db_rows *rows = NULL;
		assert_int_equal(db_q(fx.db,
				      "INSERT INTO accounts (phone, name, created_s, updated_s)"
				      " VALUES ($1, $2, $3, $3) RETURNING id",
				      &rows, &prob, DB_T(phone), DB_T(name), DB_I(now)),
				 RC_OK);
		accounts[i] = db_rows_int(rows, 0, 0);
		db_rows_free(rows);
		bool linked = rng_chance(&rng, 0.5), seen = rng_chance(&rng, 0.6);
		assert_int_equal(
			db_q(fx.db,
			     "INSERT INTO persons (name, phone, categories, platform, region_code,"
			     " account_id, last_checkin_s, created_s, updated_s)"
			     " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
			     &rows, &prob, DB_T(name), DB_T(phone),
			     DB_I((int64_t)rng_below(&rng, 16)),
			     DB_T(platforms[rng_below(&rng, 4)]), DB_T(regions[rng_below(&rng, 5)]),
			     DB_IOPT(linked, accounts[i]),
			     DB_IOPT(seen, now - (int64_t)rng_below(&rng, 60 * 86400)), DB_I(now)),
			RC_OK);
		ids[i] = db_rows_int(rows, 0, 0);
		db_rows_free(rows);
		for (int r = 0; r < 4; r++)
			if (rng_chance(&rng, 0.3))
				assert_int_equal(
					db_q(fx.db,
					     "INSERT INTO person_roles (person_id, role_code)"
					     " VALUES ($1, $2)",
					     NULL, &prob, DB_I(ids[i]), DB_T(roles[r])),
					RC_OK);
	}
	for (int k = 0; k < 3 * N; k++) {
		int64_t id = ids[rng_below(&rng, N)];
		switch (rng_below(&rng, 6)) {
		case 0:
			assert_int_equal(
				db_q(fx.db, "UPDATE persons SET region_code = $1 WHERE id = $2",
				     NULL, &prob, DB_T(regions[rng_below(&rng, 5)]), DB_I(id)),
				RC_OK);
			break;
		case 1:
			assert_int_equal(db_q(fx.db,
					      "UPDATE persons SET categories = $1, platform = $2"
					      " WHERE id = $3",
					      NULL, &prob, DB_I((int64_t)rng_below(&rng, 16)),
					      DB_T(platforms[rng_below(&rng, 4)]), DB_I(id)),
					 RC_OK);
			break;
		case 2:
			assert_int_equal(db_q(fx.db,
					      "UPDATE persons SET account_id = CASE WHEN account_id"
					      " IS NULL THEN $1 ELSE NULL END WHERE id = $2",
					      NULL, &prob, DB_I(accounts[id - ids[0]]), DB_I(id)),
					 RC_OK);
			break;
		case 3:
			assert_int_equal(
				db_q(fx.db, "UPDATE persons SET last_checkin_s = $1 WHERE id = $2",
				     NULL, &prob,
				     DB_IOPT(rng_chance(&rng, 0.9),
					     now - (int64_t)rng_below(&rng, 60 * 86400)),
				     DB_I(id)),
				RC_OK);
			break;
		case 4:
			assert_int_equal(db_q(fx.db,
					      "DELETE FROM person_roles WHERE person_id = $1", NULL,
					      &prob, DB_I(id)),
					 RC_OK);
			break;
		default:
			assert_int_equal(db_q(fx.db,
					      "INSERT INTO person_roles (person_id, role_code)"
					      " VALUES ($1, $2) ON CONFLICT DO NOTHING",
					      NULL, &prob, DB_I(id),
					      DB_T(roles[rng_below(&rng, 4)])),
					 RC_OK);
		}
	}
	int64_t today = (now + 8 * 3600) / 86400, window = (today - 29) * 86400 - 8 * 3600;
	static const char *const asked[] = { "", FX_STREET, FX_COMMUNITY, FX_OTHER_STREET };
	for (size_t a = 0; a < sizeof(asked) / sizeof(asked[0]); a++) {
		struct person_filter f = { 0 };
		snprintf(f.region, sizeof(f.region), "%s", asked[a]);
		struct person_counts c;
		assert_int_equal(person_count(fx.db, &fx.admin_p, &f, &c, &prob), RC_OK);
		/* The fixture's admin holds the city: "" counts the city's people,
		 * not those without a community. */
		char like[16];
		snprintf(like, sizeof(like), "%s%%", asked[a][0] ? asked[a] : FX_CITY);
		const char *in = "region_code LIKE $1";
		char sql[256];
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM persons WHERE %s AND $2 = $2", in);
		assert_int_equal(c.total, q1(sql, like, 0));
		struct person_page page;
		assert_int_equal(person_list(fx.db, &fx.admin_p, &f, 0, 10, &page, &prob), RC_OK);
		assert_int_equal(page.total, c.total);
		person_page_release(&page);
		snprintf(sql, sizeof(sql),
			 "SELECT COUNT(account_id) FROM persons WHERE %s AND $2 = $2", in);
		assert_int_equal(c.registered, q1(sql, like, 0));
		snprintf(sql, sizeof(sql),
			 "SELECT COUNT(*) FROM persons WHERE %s AND last_checkin_s >= $2", in);
		assert_int_equal(c.checked_in_30d, q1(sql, like, window));
		for (int cat = 0; cat < 4; cat++) {
			snprintf(sql, sizeof(sql),
				 "SELECT COUNT(*) FROM persons WHERE %s AND (categories & $2) <> 0",
				 in);
			assert_int_equal(c.by_category[cat], q1(sql, like, PERSON_BIT(cat)));
		}
		int64_t role_sum = 0;
		for (size_t r = 0; r < c.nroles; r++) {
			snprintf(sql, sizeof(sql),
				 "SELECT COUNT(*) FROM person_roles r JOIN persons ON persons.id ="
				 " r.person_id WHERE %s AND r.role_code = '%s' AND $2 = $2",
				 in, c.roles[r].code);
			assert_int_equal(c.roles[r].n, q1(sql, like, 0));
			role_sum += c.roles[r].n;
		}
		snprintf(
			sql, sizeof(sql),
			"SELECT COUNT(*) FROM person_roles r JOIN persons ON persons.id = r.person_id"
			" WHERE %s AND $2 = $2",
			in);
		assert_int_equal(role_sum, q1(sql, like, 0));
		int64_t platform_sum = 0;
		for (size_t k = 0; k < c.nplatforms; k++)
			platform_sum += c.platforms[k].n;
		snprintf(sql, sizeof(sql),
			 "SELECT COUNT(platform) FROM persons WHERE %s AND $2 = $2", in);
		assert_int_equal(platform_sum, q1(sql, like, 0));
		assert_true(c.total > 0);
	}
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static int group_setup(void **state)
{
	(void)state;
	return fx_sqlite_setup(&eng, "checkin");
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
		TEST(test_checkin__one_per_person_station_and_ten_minutes),
		TEST(test_checkin__a_first_checkin_places_a_worker_unless_staff_did),
		TEST(test_checkin__refusals_write_nothing),
		TEST(test_person__one_entry_per_number_within_the_enterers_scope),
		TEST(test_person__the_ledger_keeps_to_the_viewers_scope),
		TEST(test_person__kept_tallies_equal_a_count_of_the_rows),
	};
	return cmocka_run_group_tests_name("checkin", tests, group_setup, group_teardown);
}
