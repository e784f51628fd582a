/* Tests of src/domain/request.c on a fresh SQLite store (under the
 * sanitizers in `make test`): the lifecycle's steps and refusals, who may
 * read a request and what is masked for them, the wish wall, the inbox
 * messages a step leaves, escalation once per level with a moved clock,
 * and the catalog kept by the city's admins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/clock.h"
#include "domain/request.h"
#include "fixture.h"

static struct fx_engine eng;

static struct {
	struct db *db;
	struct principal staff_p, resident_p, volunteer_p, other_p;
	struct actor staff, resident, volunteer, other;
	int64_t station;
} fx;

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.db = fx_fresh(&eng);
	if (!fx.db)
		return -1;
	fx_principal(fx.db, fx_account(fx.db, "13800000002", "街道干事", "staff", FX_STREET),
		     &fx.staff_p);
	fx_principal(fx.db, fx_account(fx.db, "13800000006", "刘居民", "resident", FX_COMMUNITY),
		     &fx.resident_p);
	fx_principal(fx.db, fx_account(fx.db, "13800000004", "赵志愿者", "volunteer", FX_COMMUNITY),
		     &fx.volunteer_p);
	fx_principal(fx.db, fx_account(fx.db, "13800000009", "别街干事", "staff", FX_OTHER_STREET),
		     &fx.other_p);
	fx.staff = fx_actor(&fx.staff_p);
	fx.resident = fx_actor(&fx.resident_p);
	fx.volunteer = fx_actor(&fx.volunteer_p);
	fx.other = fx_actor(&fx.other_p);
	struct principal admin_p;
	fx_principal(fx.db, fx_account(fx.db, "13800000001", "管理员", "admin", FX_CITY), &admin_p);
	struct actor admin = fx_actor(&admin_p);
	fx.station = fx_station(fx.db, &admin, "龙腾路驿站", FX_COMMUNITY);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	clock_set_offset_s(0);
	fx_close(&eng, fx.db);
	return 0;
}

struct create_arg {
	const struct actor *actor;
	struct request_input in;
	int64_t id;
};

static enum rc create_tx(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct create_arg *a = ctx;
	return request_create(tx, a->actor, &a->in, &a->id, prob);
}

struct step_arg {
	const struct actor *actor;
	int64_t id;
	struct request_step s;
};

static enum rc step_tx(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct step_arg *a = ctx;
	return request_step(tx, a->actor, a->id, &a->s, prob);
}

static int64_t file_order(const struct actor *who, const char *kind, const char *category)
{
	struct problem prob = { 0 };
	struct create_arg a = { .actor = who,
				.in = { .kind = kind,
					.category = category,
					.title = "电动车没电了",
					.station_id = fx.station } };
	assert_int_equal(db_tx(fx.db, create_tx, &a, &prob), RC_OK);
	return a.id;
}

static enum rc step(const struct actor *who, int64_t id, const char *action, int64_t assignee,
		    struct problem *prob)
{
	struct step_arg a = {
		.actor = who,
		.id = id,
		.s = { .action = action, .assignee_id = assignee, .settled = -1, .proof_count = -1 },
	};
	if (!strcmp(action, "rate"))
		a.s.rating = 5;
	problem_init(prob);
	return db_tx(fx.db, step_tx, &a, prob);
}

static void assert_state(int64_t id, const char *state)
{
	struct problem prob = { 0 };
	struct request r;
	assert_int_equal(request_read(fx.db, &fx.staff_p, id, &r, &prob), RC_OK);
	assert_string_equal(r.state, state);
	request_release(&r);
}

static void test_request__the_loop_and_its_refusals(void **state)
{
	(void)state;
	struct problem prob;
	int64_t id = file_order(&fx.resident, "order", "repair");
	assert_state(id, "submitted");
	/* Wrong state, wrong person, unknown step: refused, nothing moves. */
	assert_int_equal(step(&fx.resident, id, "rate", 0, &prob), RC_CONFLICT);
	assert_string_equal(prob.type, "invalid-transition");
	assert_int_equal(step(&fx.resident, id, "dispatch", fx.volunteer_p.account_id, &prob),
			 RC_FORBIDDEN);
	assert_int_equal(step(&fx.other, id, "dispatch", fx.volunteer_p.account_id, &prob),
			 RC_NOT_FOUND);
	assert_int_equal(step(&fx.staff, id, "teleport", 0, &prob), RC_INVALID);
	assert_state(id, "submitted");

	assert_int_equal(step(&fx.staff, id, "dispatch", fx.volunteer_p.account_id, &prob), RC_OK);
	assert_int_equal(step(&fx.resident, id, "accept", 0, &prob), RC_FORBIDDEN);
	assert_int_equal(step(&fx.volunteer, id, "accept", 0, &prob), RC_OK);
	assert_int_equal(step(&fx.volunteer, id, "accept", 0, &prob), RC_CONFLICT);
	assert_int_equal(step(&fx.volunteer, id, "resolve", 0, &prob), RC_OK);
	assert_int_equal(step(&fx.volunteer, id, "rate", 0, &prob), RC_FORBIDDEN);
	assert_int_equal(step(&fx.resident, id, "rate", 0, &prob), RC_OK);
	assert_state(id, "rated");

	struct request_event *ev = NULL;
	size_t n = 0;
	assert_int_equal(request_history(fx.db, &fx.resident_p, id, &ev, &n, &prob), RC_OK);
	assert_int_equal(n, 5);
	assert_string_equal(ev[0].action, "submit");
	assert_string_equal(ev[4].to_state, "rated");
	free(ev);
	/* The inbox: the volunteer heard of the dispatch and the rating, the
	 * resident of the acceptance and the resolution. */
	assert_int_equal(fx_int_p(fx.db, "SELECT COUNT(*) FROM inbox WHERE account_id = $1",
				  fx.volunteer_p.account_id),
			 2);
	assert_int_equal(fx_int_p(fx.db, "SELECT COUNT(*) FROM inbox WHERE account_id = $1",
				  fx.resident_p.account_id),
			 2);
	/* Every step an event for the live queue and the bots. */
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM outbox WHERE topic LIKE 'request.%'"),
			 5);
}

static void test_request__who_reads_and_what_is_masked(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	struct create_arg a = { .actor = &fx.staff,
				.in = { .kind = "mediation",
					.category = "neighbour",
					.title = "楼上漏水",
					.parties = "张三丰 13812345678；李四 13987654321",
					.station_id = fx.station,
					.assignee_id = fx.volunteer_p.account_id } };
	assert_int_equal(db_tx(fx.db, create_tx, &a, &prob), RC_OK);
	struct request r;
	assert_int_equal(request_read(fx.db, &fx.staff_p, a.id, &r, &prob), RC_OK);
	assert_string_equal(r.parties, "张三丰 13812345678；李四 13987654321");
	assert_string_equal(r.state, "dispatched");
	request_release(&r);
	assert_int_equal(request_read(fx.db, &fx.volunteer_p, a.id, &r, &prob), RC_OK);
	assert_string_equal(r.parties, "张** 138****5678；李* 139****4321");
	request_release(&r);
	assert_int_equal(request_read(fx.db, &fx.resident_p, a.id, &r, &prob), RC_NOT_FOUND);
	assert_int_equal(request_read(fx.db, &fx.other_p, a.id, &r, &prob), RC_NOT_FOUND);
	/* A resident cannot file a mediation case. */
	problem_init(&prob);
	a.actor = &fx.resident;
	a.in.assignee_id = 0;
	assert_int_equal(db_tx(fx.db, create_tx, &a, &prob), RC_FORBIDDEN);

	/* A waiting wish is on the wall for anyone signed in, with the
	 * requester's family name only; claimed, it leaves the wall. */
	int64_t wish = file_order(&fx.resident, "wish", "daily");
	problem_init(&prob);
	assert_int_equal(request_read(fx.db, &fx.other_p, wish, &r, &prob), RC_OK);
	assert_string_equal(r.requester_name, "刘**");
	request_release(&r);
	assert_int_equal(step(&fx.volunteer, wish, "accept", 0, &prob), RC_OK);
	assert_int_equal(request_read(fx.db, &fx.other_p, wish, &r, &prob), RC_NOT_FOUND);
}

static void test_request__escalates_once_per_level(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	int64_t id = file_order(&fx.resident, "order", "errand"); /* 2 hours to accept */
	int n = -1;
	assert_int_equal(request_escalate_due(fx.db, clock_now_s(), &n, &prob), RC_OK);
	assert_int_equal(n, 0);
	int64_t later = clock_now_s() + 3 * 3600;
	assert_int_equal(request_escalate_due(fx.db, later, &n, &prob), RC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(request_escalate_due(fx.db, later, &n, &prob), RC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(fx_int_p(fx.db, "SELECT escalation FROM requests WHERE id = $1", id), 1);
	/* The street's staff were told. */
	assert_int_equal(fx_int_p(fx.db,
				  "SELECT COUNT(*) FROM inbox WHERE account_id = $1"
				  " AND kind = 'escalated'",
				  fx.staff_p.account_id),
			 1);
	int64_t much_later = clock_now_s() + 5 * 3600;
	assert_int_equal(request_escalate_due(fx.db, much_later, &n, &prob), RC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(request_escalate_due(fx.db, much_later + 86400, &n, &prob), RC_OK);
	assert_int_equal(n, 0); /* never past the district */
	assert_int_equal(fx_int_p(fx.db, "SELECT escalation FROM requests WHERE id = $1", id), 2);
}

struct put_arg {
	const struct actor *actor;
	struct request_category_input in;
	struct request_category out;
	bool created;
};

static enum rc put_tx(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct put_arg *a = ctx;
	return request_category_put(tx, a->actor, &a->in, &a->out, &a->created, prob);
}

static void test_request__the_city_keeps_the_catalog(void **state)
{
	(void)state;
	struct problem prob;
	struct principal city_p, district_p;
	fx_principal(fx.db, fx_account(fx.db, "13800000011", "市管理员", "admin", FX_CITY),
		     &city_p);
	fx_principal(fx.db, fx_account(fx.db, "13800000012", "区管理员", "admin", FX_DISTRICT),
		     &district_p);
	struct actor city = fx_actor(&city_p), district = fx_actor(&district_p);
	int64_t before = fx_int(fx.db, "SELECT COUNT(*) FROM request_categories");

	/* Added, with the Chinese name standing in for the English. */
	struct put_arg a = { .actor = &city,
			     .in = { .kind = "order",
				     .code = "bike_fix",
				     .name_zh = "单车维修",
				     .respond_h = 2,
				     .resolve_h = 12 } };
	assert_int_equal(db_tx(fx.db, put_tx, &a, &prob), RC_OK);
	assert_true(a.created);
	assert_string_equal(a.out.name_en, "单车维修");
	assert_int_equal(a.out.sort, 0);
	assert_false(a.out.retired);

	/* Filed under it: its deadlines. */
	struct create_arg c = { .actor = &fx.resident,
				.in = { .kind = "order",
					.category = "bike_fix",
					.title = "链条掉了",
					.station_id = fx.station } };
	assert_int_equal(db_tx(fx.db, create_tx, &c, &prob), RC_OK);
	assert_int_equal(fx_int_p(fx.db,
				  "SELECT resolve_due_s - created_s FROM requests WHERE id = $1",
				  c.id),
			 12 * 3600);

	/* Changed and retired; the sort not given stays. */
	a.in.respond_h = 1;
	a.in.has_retired = true;
	a.in.retired = true;
	assert_int_equal(db_tx(fx.db, put_tx, &a, &prob), RC_OK);
	assert_false(a.created);
	assert_true(a.out.retired);
	c.in.title = "又掉了";
	assert_int_equal(db_tx(fx.db, create_tx, &c, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "category"));
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM audit_log WHERE action LIKE "
				       "'request_category.%'"),
			 2);

	/* A district's admin may not; bad values are named. */
	struct put_arg d = { .actor = &district,
			     .in = { .kind = "order",
				     .code = "other",
				     .name_zh = "其他",
				     .respond_h = 1,
				     .resolve_h = 1 } };
	assert_int_equal(db_tx(fx.db, put_tx, &d, &prob), RC_FORBIDDEN);
	struct put_arg bad = { .actor = &city,
			       .in = { .kind = "spell",
				       .code = "Bad",
				       .name_zh = "",
				       .respond_h = 0,
				       .resolve_h = 9000,
				       .sort = -1 } };
	assert_int_equal(db_tx(fx.db, put_tx, &bad, &prob), RC_INVALID);
	const char *const named[] = { "kind",	       "code",		"name",
				      "respond_hours", "resolve_hours", "sort" };
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		assert_true(fx_has_field(&prob, named[i]));
	bad.in = (struct request_category_input){
		.kind = "order", .code = "late", .name_zh = "迟", .respond_h = 10, .resolve_h = 5
	};
	assert_int_equal(db_tx(fx.db, put_tx, &bad, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "resolve_hours"));
	assert_int_equal(fx_int(fx.db, "SELECT COUNT(*) FROM request_categories"), before + 1);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static int group_setup(void **state)
{
	(void)state;
	return fx_sqlite_setup(&eng, "request");
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
		TEST(test_request__the_loop_and_its_refusals),
		TEST(test_request__who_reads_and_what_is_masked),
		TEST(test_request__escalates_once_per_level),
		TEST(test_request__the_city_keeps_the_catalog),
	};
	return cmocka_run_group_tests_name("request", tests, group_setup, group_teardown);
}
