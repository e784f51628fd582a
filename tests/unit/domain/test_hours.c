/* Tests of src/domain/hours.c: open now in the city's time zone, ranges past
 * midnight, dated exceptions, temporary closures, parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/clock.h"
#include "domain/hours.h"

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

static void weekly(struct hours *h, int day, const char *open, const char *close)
{
	struct hours_range r = { (uint8_t)day, (uint16_t)hours_parse_hhmm(open),
				 (uint16_t)hours_parse_hhmm(close) };
	h->ranges[h->nranges++] = r;
}

/* 2026-11-23 is a Monday. */
static void test_hours__open_within_a_weekday_range(void **state)
{
	(void)state;
	struct hours h = { 0 };
	weekly(&h, 1, "08:00", "20:00");
	assert_false(hours_open_at(&h, at("2026-11-23T07:59:59")));
	assert_true(hours_open_at(&h, at("2026-11-23T08:00:00")));
	assert_true(hours_open_at(&h, at("2026-11-23T19:59:00")));
	assert_false(hours_open_at(&h, at("2026-11-23T20:00:00")));
	assert_false(hours_open_at(&h, at("2026-11-24T12:00:00"))); /* Tuesday: no hours */
}

static void test_hours__uses_the_city_time_zone_not_utc(void **state)
{
	(void)state;
	struct hours h = { 0 };
	weekly(&h, 1, "08:00", "09:00");
	/* 00:30 UTC Monday is 08:30 in 宝鸡. */
	int64_t t = 0;
	assert_int_equal(clock_parse_rfc3339("2026-11-23T00:30:00Z", &t), 0);
	assert_true(hours_open_at(&h, t));
}

static void test_hours__range_past_midnight_opens_into_the_next_day(void **state)
{
	(void)state;
	struct hours h = { 0 };
	weekly(&h, 7, "22:00", "02:00");			    /* Sunday night */
	assert_true(hours_open_at(&h, at("2026-11-22T23:00:00")));  /* Sunday 23:00 */
	assert_true(hours_open_at(&h, at("2026-11-23T01:59:00")));  /* Monday 01:59 */
	assert_false(hours_open_at(&h, at("2026-11-23T02:00:00"))); /* Monday 02:00 */
	assert_false(hours_open_at(&h, at("2026-11-22T21:59:00"))); /* Sunday 21:59 */
	assert_true(hours_open_at(&h, at("2026-11-16T01:00:00"))); /* every Monday after a Sunday */
}

static void test_hours__all_day_every_day_is_always_open(void **state)
{
	(void)state;
	struct hours h = { 0 };
	for (int d = 1; d <= 7; d++)
		weekly(&h, d, "00:00", "24:00");
	assert_true(hours_always_open(&h));
	assert_true(hours_open_at(&h, at("2026-11-23T00:00:00")));
	assert_true(hours_open_at(&h, at("2026-11-29T23:59:59")));
	h.ranges[3].close_min = 1380;
	assert_false(hours_always_open(&h));
}

static void test_hours__an_exception_replaces_that_days_hours(void **state)
{
	(void)state;
	struct hours h = { 0 };
	for (int d = 1; d <= 7; d++)
		weekly(&h, d, "08:00", "20:00");
	int32_t day;
	assert_true(hours_parse_date("2026-10-01", &day));
	h.exceptions[h.nexceptions++] = (struct hours_exception){ .day_num = day, .closed = true };
	assert_true(hours_parse_date("2026-10-02", &day));
	h.exceptions[h.nexceptions++] = (struct hours_exception){
		.day_num = day, .closed = false, .open_min = 600, .close_min = 720
	};
	assert_false(hours_open_at(&h, at("2026-10-01T12:00:00")));
	assert_false(hours_open_at(&h, at("2026-10-02T09:00:00")));
	assert_true(hours_open_at(&h, at("2026-10-02T11:00:00")));
	assert_true(hours_open_at(&h, at("2026-10-03T09:00:00")));
}

static void test_hours__an_exception_governs_only_ranges_that_start_on_its_day(void **state)
{
	(void)state;
	struct hours h = { 0 };
	weekly(&h, 4, "20:00", "03:00"); /* Thursday night */
	int32_t fri;
	assert_true(hours_parse_date("2026-11-27", &fri)); /* Friday */
	h.exceptions[h.nexceptions++] = (struct hours_exception){ .day_num = fri, .closed = true };
	/* Thursday's range runs into Friday morning: Friday's exception does
	 * not cut it, because the range belongs to Thursday. */
	assert_true(hours_open_at(&h, at("2026-11-27T02:00:00")));
	int32_t thu;
	assert_true(hours_parse_date("2026-11-26", &thu));
	h.exceptions[h.nexceptions++] = (struct hours_exception){ .day_num = thu, .closed = true };
	assert_false(hours_open_at(&h, at("2026-11-26T21:00:00")));
	assert_false(hours_open_at(&h, at("2026-11-27T02:00:00")));
}

static void test_hours__temporary_closure_wins_until_it_ends(void **state)
{
	(void)state;
	struct hours h = { 0 };
	for (int d = 1; d <= 7; d++)
		weekly(&h, d, "00:00", "24:00");
	h.closed = true;
	h.closed_until_s = at("2026-11-25T08:00:00");
	assert_false(hours_open_at(&h, at("2026-11-24T12:00:00")));
	assert_true(hours_open_at(&h, at("2026-11-25T08:00:00")));
	struct hours_view v = hours_view_of(&h);
	assert_true(hours_view_closed_at(&v, at("2026-11-25T07:59:59")));
	assert_false(hours_view_closed_at(&v, at("2026-11-25T08:00:00")));
	h.closed_until_s = 0; /* until reopened */
	assert_false(hours_open_at(&h, at("2027-01-01T12:00:00")));
	v = hours_view_of(&h);
	assert_true(hours_view_closed_at(&v, at("2027-01-01T12:00:00")));
}

static void test_hours__parses_and_formats_times_and_dates(void **state)
{
	(void)state;
	assert_int_equal(hours_parse_hhmm("00:00"), 0);
	assert_int_equal(hours_parse_hhmm("08:30"), 510);
	assert_int_equal(hours_parse_hhmm("24:00"), 1440);
	assert_int_equal(hours_parse_hhmm("24:01"), -1);
	assert_int_equal(hours_parse_hhmm("8:30"), -1);
	assert_int_equal(hours_parse_hhmm("08:60"), -1);
	assert_int_equal(hours_parse_hhmm(NULL), -1);
	char t[6];
	hours_format_hhmm(510, t);
	assert_string_equal(t, "08:30");
	hours_format_hhmm(1440, t);
	assert_string_equal(t, "24:00");
	int32_t d;
	assert_true(hours_parse_date("2026-11-22", &d));
	char date[11];
	hours_format_date(d, date);
	assert_string_equal(date, "2026-11-22");
	assert_false(hours_parse_date("2026-02-30", &d));
	assert_false(hours_parse_date("2026-13-01", &d));
	assert_false(hours_parse_date("2026-1-01", &d));
	assert_false(hours_parse_date("2026-01-01x", &d));
	assert_true(hours_parse_date("2024-02-29", &d));
}

static void test_hours__a_span_is_covered_only_when_open_throughout(void **state)
{
	(void)state;
	struct hours h = { 0 };
	weekly(&h, 1, "08:00", "12:00");
	weekly(&h, 1, "12:00", "18:00"); /* back to back: one opening */
	weekly(&h, 2, "22:00", "02:00"); /* past midnight into Wednesday */
	struct hours_view v = hours_view_of(&h);
	assert_true(hours_view_covers(&v, at("2026-11-23T08:00:00"), at("2026-11-23T12:00:00")));
	assert_true(hours_view_covers(&v, at("2026-11-23T11:00:00"), at("2026-11-23T13:00:00")));
	assert_true(hours_view_covers(&v, at("2026-11-23T16:00:00"), at("2026-11-23T18:00:00")));
	assert_false(hours_view_covers(&v, at("2026-11-23T07:59:00"), at("2026-11-23T09:00:00")));
	assert_false(hours_view_covers(&v, at("2026-11-23T17:00:00"), at("2026-11-23T18:01:00")));
	assert_true(hours_view_covers(&v, at("2026-11-24T23:00:00"), at("2026-11-25T01:30:00")));
	assert_false(hours_view_covers(&v, at("2026-11-25T01:00:00"), at("2026-11-25T03:00:00")));
	/* Empty, reversed, and a day with no hours. */
	assert_false(hours_view_covers(&v, at("2026-11-23T09:00:00"), at("2026-11-23T09:00:00")));
	assert_false(hours_view_covers(&v, at("2026-11-23T10:00:00"), at("2026-11-23T09:00:00")));
	assert_false(hours_view_covers(&v, at("2026-11-26T09:00:00"), at("2026-11-26T10:00:00")));
	/* An exception closes that Monday; a temporary closure does not count. */
	h.exceptions[h.nexceptions++] = (struct hours_exception){ .closed = true };
	assert_true(hours_parse_date("2026-11-30", &h.exceptions[0].day_num));
	h.closed = true;
	v = hours_view_of(&h);
	assert_true(hours_view_covers(&v, at("2026-11-23T09:00:00"), at("2026-11-23T10:00:00")));
	assert_false(hours_view_covers(&v, at("2026-11-30T09:00:00"), at("2026-11-30T10:00:00")));
}

static void test_hours__local_weekday_and_minute(void **state)
{
	(void)state;
	int32_t day;
	int wd, m;
	hours_local(at("2026-11-22T23:30:00"), &day, &wd, &m);
	assert_int_equal(wd, 7);
	assert_int_equal(m, 23 * 60 + 30);
	hours_local(at("2026-11-23T00:00:00"), &day, &wd, &m);
	assert_int_equal(wd, 1);
	assert_int_equal(m, 0);
	char date[11];
	hours_format_date(day, date);
	assert_string_equal(date, "2026-11-23");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hours__open_within_a_weekday_range),
		cmocka_unit_test(test_hours__uses_the_city_time_zone_not_utc),
		cmocka_unit_test(test_hours__range_past_midnight_opens_into_the_next_day),
		cmocka_unit_test(test_hours__all_day_every_day_is_always_open),
		cmocka_unit_test(test_hours__an_exception_replaces_that_days_hours),
		cmocka_unit_test(
			test_hours__an_exception_governs_only_ranges_that_start_on_its_day),
		cmocka_unit_test(test_hours__temporary_closure_wins_until_it_ends),
		cmocka_unit_test(test_hours__parses_and_formats_times_and_dates),
		cmocka_unit_test(test_hours__local_weekday_and_minute),
		cmocka_unit_test(test_hours__a_span_is_covered_only_when_open_throughout),
	};
	return cmocka_run_group_tests_name("hours", tests, NULL, NULL);
}
