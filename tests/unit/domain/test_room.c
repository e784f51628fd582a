/* Tests of src/domain/room.c: a booking's rules each named, who may manage
 * rooms and decide bookings, overlap refused (and touching allowed) with the
 * clashing time named, a declined booking freeing its slot, and a write
 * leaving its audit row and event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "domain/room.h"
#include "fixture.h"

static struct fx_engine eng;
static struct db *db;
static int64_t manager_id, resident_id, other_id, station, other_station, room;
static struct principal manager, resident, other;

/* Unix time of a local (UTC+8) wall-clock moment. */
static int64_t at(const char *local)
{
	char buf[40];
	size_t n = strlen(local);
	memcpy(buf, local, n);
	memcpy(buf + n, "+08:00", 7);
	int64_t t = 0;
	assert_int_equal(clock_parse_rfc3339(buf, &t), 0);
	return t;
}

/* A room open 08:00–20:00 on Mondays, 20 seats, 2 hours at most. */
static void test_room_fill(struct room *r)
{
	memset(r, 0, sizeof(*r));
	r->capacity = 20;
	r->max_minutes = 120;
	r->bookable = true;
	r->hours.ranges[r->hours.nranges++] = (struct hours_range){ 1, 8 * 60, 20 * 60 };
}

/* 2026-11-23 is a Monday; "now" is the Friday before. */
#define NOW at("2026-11-20T12:00:00")

static struct room_booking_input slot(const char *from, const char *to, int attendees)
{
	struct room_booking_input in = { .group_name = "第三党支部",
					 .purpose = "主题党日",
					 .attendees = attendees,
					 .starts_s = at(from),
					 .ends_s = at(to) };
	return in;
}

static void test_room__each_broken_rule_is_named(void **state)
{
	(void)state;
	struct room r;
	test_room_fill(&r);
	struct problem prob;
	struct {
		struct room_booking_input in;
		const char *field;
	} cases[] = {
		{ slot("2026-11-23T10:00:00", "2026-11-23T09:00:00", 5), "ends_at" },
		{ slot("2026-11-23T10:00:00", "2026-11-23T10:00:00", 5), "ends_at" },
		{ slot("2026-11-23T07:00:00", "2026-11-23T09:00:00", 5), "hours" },
		{ slot("2026-11-23T19:00:00", "2026-11-23T20:30:00", 5), "hours" },
		{ slot("2026-11-24T10:00:00", "2026-11-24T11:00:00", 5), "hours" }, /* Tuesday */
		{ slot("2026-11-23T10:00:00", "2026-11-23T12:30:00", 5), "ends_at" },
		{ slot("2026-11-23T10:00:00", "2026-11-23T11:00:00", 21), "attendees" },
		{ slot("2026-11-23T10:00:00", "2026-11-23T11:00:00", 0), "attendees" },
		{ slot("2026-11-19T10:00:00", "2026-11-19T11:00:00", 5), "starts_at" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		problem_init(&prob);
		assert_false(room_booking_check(&r, &cases[i].in, NOW, &prob));
		if (!fx_has_field(&prob, cases[i].field))
			fail_msg("case %zu: no %s error (%s)", i, cases[i].field,
				 prob.nfields ? prob.fields[0].name : "none");
	}
	problem_init(&prob);
	struct room_booking_input ok = slot("2026-11-23T18:00:00", "2026-11-23T20:00:00", 20);
	assert_true(room_booking_check(&r, &ok, NOW, &prob));
	/* No capacity given: any number. */
	r.capacity = 0;
	ok.attendees = 500;
	assert_true(room_booking_check(&r, &ok, NOW, &prob));
}

static enum rc book(const struct principal *p, const char *from, const char *to, int64_t *id,
		    struct problem *prob)
{
	struct room_booking_input in = slot(from, to, 5);
	struct actor a = fx_actor(p);
	struct db_tx *tx = fx_begin(db);
	return fx_end(tx, room_book(tx, &a, room, &in, id, prob), prob);
}

static enum rc step(const struct principal *p, int64_t id, const char *action, const char *reason,
		    struct problem *prob)
{
	struct actor a = fx_actor(p);
	struct db_tx *tx = fx_begin(db);
	return fx_end(tx, room_booking_step(tx, &a, id, action, reason, 0, prob), prob);
}

static void test_room__overlap_is_refused_naming_the_booking_it_meets(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	int64_t first = 0, id = 0;
	/* The Monday after "now" (group_setup moved the clock). */
	assert_int_equal(
		book(&resident, "2030-01-07T09:00:00", "2030-01-07T10:00:00", &first, &prob),
		RC_OK);
	problem_init(&prob);
	assert_int_equal(book(&other, "2030-01-07T09:30:00", "2030-01-07T10:30:00", &id, &prob),
			 RC_CONFLICT);
	assert_string_equal(prob.type, "overlap");
	assert_non_null(strstr(prob.detail, "09:00–10:00"));
	/* Touching on either side is fine. */
	problem_init(&prob);
	assert_int_equal(book(&other, "2030-01-07T10:00:00", "2030-01-07T11:00:00", &id, &prob),
			 RC_OK);
	problem_init(&prob);
	assert_int_equal(book(&other, "2030-01-07T08:00:00", "2030-01-07T09:00:00", &id, &prob),
			 RC_OK);
	/* Declined, the slot is free again. */
	problem_init(&prob);
	assert_int_equal(step(&manager, first, "decline", NULL, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "reason"));
	problem_init(&prob);
	assert_int_equal(step(&manager, first, "decline", "有检查", &prob), RC_OK);
	problem_init(&prob);
	assert_int_equal(book(&other, "2030-01-07T09:30:00", "2030-01-07T10:00:00", &id, &prob),
			 RC_OK);
	assert_int_equal(fx_int_p(db,
				  "SELECT COUNT(*) FROM audit_log WHERE action = 'room.booked'"
				  " AND object_id = CAST($1 AS TEXT)",
				  first),
			 1);
	assert_int_equal(fx_int_p(db,
				  "SELECT COUNT(*) FROM outbox WHERE topic = 'room.declined'"
				  " AND object_id = CAST($1 AS TEXT)",
				  first),
			 1);
	assert_int_equal(fx_int_p(db,
				  "SELECT COUNT(*) FROM inbox WHERE kind = 'room_declined'"
				  " AND account_id = $1",
				  resident_id),
			 1);
}

static void test_room__only_the_stations_managers_decide(void **state)
{
	(void)state;
	struct problem prob = { 0 };
	int64_t id = 0;
	assert_int_equal(book(&resident, "2030-01-14T09:00:00", "2030-01-14T10:00:00", &id, &prob),
			 RC_OK);
	/* The booker may not approve; a stranger is not told it exists. */
	problem_init(&prob);
	assert_int_equal(step(&resident, id, "approve", NULL, &prob), RC_FORBIDDEN);
	problem_init(&prob);
	assert_int_equal(step(&other, id, "cancel", NULL, &prob), RC_NOT_FOUND);
	problem_init(&prob);
	assert_int_equal(step(&manager, id, "approve", NULL, &prob), RC_OK);
	problem_init(&prob);
	assert_int_equal(step(&manager, id, "approve", NULL, &prob), RC_CONFLICT);
	assert_string_equal(prob.type, "invalid-transition");
	/* Check-in opens 15 minutes before the start: not yet. */
	problem_init(&prob);
	assert_int_equal(step(&resident, id, "check_in", NULL, &prob), RC_CONFLICT);
	assert_string_equal(prob.type, "too-early");
	problem_init(&prob);
	assert_int_equal(step(&resident, id, "cancel", NULL, &prob), RC_OK);
	/* A manager of another station may not add a room here. */
	struct room_input in = { .has_name = true, .name = "越权室" };
	struct actor a = fx_actor(&other);
	int64_t rid = 0;
	struct db_tx *tx = fx_begin(db);
	problem_init(&prob);
	assert_int_equal(fx_end(tx, room_create(tx, &a, station, &in, &rid, &prob), &prob),
			 RC_FORBIDDEN);
}

static int setup(void **state)
{
	(void)state;
	db = fx_fresh(&eng);
	if (!db)
		return -1;
	int64_t admin_id = fx_account(db, "13900000001", "管理员", "admin", FX_CITY);
	struct principal admin;
	fx_principal(db, admin_id, &admin);
	struct actor by_admin = fx_actor(&admin);
	station = fx_station(db, &by_admin, "经二路驿站", FX_COMMUNITY);
	other_station = fx_station(db, &by_admin, "清姜驿站", FX_STREET2);
	char scope[40];
	snprintf(scope, sizeof(scope), "station:%lld", (long long)station);
	manager_id = fx_account(db, "13900000002", "站长", "manager", scope);
	snprintf(scope, sizeof(scope), "station:%lld", (long long)other_station);
	other_id = fx_account(db, "13900000003", "别站站长", "manager", scope);
	resident_id = fx_account(db, "13900000004", "居民", "resident", FX_COMMUNITY);
	fx_principal(db, manager_id, &manager);
	fx_principal(db, other_id, &other);
	fx_principal(db, resident_id, &resident);
	struct room_input in = { .has_name = true,
				 .name = "会议室",
				 .has_capacity = true,
				 .capacity = 20,
				 .has_hours = true };
	for (uint8_t d = 1; d <= 7; d++)
		in.hours.ranges[in.hours.nranges++] = (struct hours_range){ d, 8 * 60, 20 * 60 };
	struct actor by_manager = fx_actor(&manager);
	struct problem prob = { 0 };
	struct db_tx *tx = fx_begin(db);
	return fx_end(tx, room_create(tx, &by_manager, station, &in, &room, &prob), &prob) == RC_OK
		       ? 0
		       : -1;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, db);
	db = NULL;
	return 0;
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static int group_setup(void **state)
{
	(void)state;
	/* The clock of the bookings: 2030-01-01 noon, city time. */
	clock_set_offset_s(0);
	clock_set_offset_s(at("2030-01-01T12:00:00") - clock_now_s());
	return fx_sqlite_setup(&eng, "room");
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
		cmocka_unit_test(test_room__each_broken_rule_is_named),
		TEST(test_room__overlap_is_refused_naming_the_booking_it_meets),
		TEST(test_room__only_the_stations_managers_decide),
	};
	return cmocka_run_group_tests_name("room", tests, group_setup, group_teardown);
}
