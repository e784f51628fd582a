/* Tests of src/core/sb.c: the string builder, and its number formatting,
 * which must give the very bytes snprintf gives, since answers rendered with
 * it are compared byte for byte by clients and tests. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/sb.h"

/* xorshift64*: the same numbers on every run. */
static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static double rnd_unit(uint64_t *s)
{
	return (double)(rnd_next(s) >> 11) * 0x1p-53;
}

/* Formats v both ways and fails with both texts when they differ. */
static void expect_fixed_as_printf(double v, int decimals)
{
	char want[512];
	snprintf(want, sizeof(want), "%.*f", decimals, v);
	struct sb sb = SB_INIT;
	sb_add_fixed(&sb, v, decimals);
	if (strcmp(sb_str(&sb), want) != 0)
		fail_msg("%.17g with %d decimals: got \"%s\", printf gives \"%s\"", v, decimals,
			 sb_str(&sb), want);
	sb_release(&sb);
}

static void expect_int_as_printf(long long v)
{
	char want[32];
	snprintf(want, sizeof(want), "%lld", v);
	struct sb sb = SB_INIT;
	sb_add_int(&sb, v);
	assert_string_equal(sb_str(&sb), want);
	sb_release(&sb);
}

static void test_sb__appends_and_stays_nul_terminated(void **state)
{
	(void)state;
	struct sb sb = SB_INIT;
	assert_string_equal(sb_str(&sb), "");
	sb_addlit(&sb, "{\"a\":");
	sb_add_int(&sb, 12);
	sb_addc(&sb, '}');
	assert_string_equal(sb_str(&sb), "{\"a\":12}");
	assert_int_equal(sb.len, 8);
	sb_release(&sb);
}

static void test_sb__a_capped_builder_keeps_a_sticky_error_and_no_half_record(void **state)
{
	(void)state;
	struct sb sb;
	sb_init(&sb, 8);
	sb_addlit(&sb, "12345");
	sb_add_int(&sb, 123456);
	assert_true(sb.err);
	assert_string_equal(sb_str(&sb), "12345");
	sb_addlit(&sb, "6"); /* fits, but the error is sticky */
	assert_string_equal(sb_str(&sb), "12345");
	sb_release(&sb);
	sb_init(&sb, 8);
	sb_reserve(&sb, 9);
	assert_true(sb.err);
	sb_release(&sb);
}

static void test_sb__reserve_makes_room_without_changing_the_contents(void **state)
{
	(void)state;
	struct sb sb = SB_INIT;
	sb_addlit(&sb, "abc");
	sb_reserve(&sb, 4096);
	assert_true(sb.cap >= 4096 + 3 + 1);
	char *buf = sb.buf;
	for (int i = 0; i < 4096; i++)
		sb_addc(&sb, 'x');
	assert_ptr_equal(sb.buf, buf);
	assert_int_equal(sb.len, 4099);
	assert_memory_equal(sb_str(&sb), "abcxxx", 6);
	sb_release(&sb);
}

static void test_sb__integers_print_as_printf_prints_them(void **state)
{
	(void)state;
	const long long edge[] = { 0,	      1,	 -1,	    9,
				   10,	      99,	 100,	    101,
				   -100,      999999,	 1000000,   INT32_MAX,
				   INT32_MIN, INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		expect_int_as_printf(edge[i]);
	uint64_t s = 1;
	for (int i = 0; i < 100000; i++) {
		uint64_t r = rnd_next(&s);
		expect_int_as_printf((long long)(r >> (r & 63)) * ((r & 64) ? -1 : 1));
	}
	struct sb sb = SB_INIT;
	sb_add_uint(&sb, UINT64_MAX);
	assert_string_equal(sb_str(&sb), "18446744073709551615");
	sb_release(&sb);
}

static void test_sb__coordinates_print_as_printf_prints_them(void **state)
{
	(void)state;
	uint64_t s = 42;
	for (int i = 0; i < 1000000; i++) {
		double lat = -90 + 180 * rnd_unit(&s), lng = -180 + 360 * rnd_unit(&s);
		expect_fixed_as_printf(lat, 6);
		expect_fixed_as_printf(lng, 6);
	}
	/* Values as they come out of the database: six decimals typed in, and
	 * what GCJ-02 arithmetic makes of them. */
	for (int i = 0; i < 200000; i++) {
		double v = (double)(int64_t)(rnd_next(&s) % 360000000) / 1e6 - 180;
		expect_fixed_as_printf(v, 6);
		expect_fixed_as_printf(v + 0.0000005, 6);
		expect_fixed_as_printf(nextafter(v + 0.0000005, 1000), 6);
		expect_fixed_as_printf(nextafter(v + 0.0000005, -1000), 6);
	}
}

static void test_sb__exact_halves_round_to_even_as_printf_does(void **state)
{
	(void)state;
	/* k/128 has an exact 7th decimal 5 when k is odd: 0.0078125 → 0.007812. */
	for (int ip = -200; ip <= 200; ip++)
		for (int k = 0; k < 128; k++)
			expect_fixed_as_printf(ip + (ip < 0 ? -1 : 1) * k / 128.0, 6);
	for (int k = -4000; k <= 4000; k++) {
		expect_fixed_as_printf(k + 0.5, 0); /* distances: 0.5 → 0, 1.5 → 2 */
		expect_fixed_as_printf(k / 8.0, 2);
		expect_fixed_as_printf(k / 1024.0, 9);
	}
	expect_fixed_as_printf(0.9999995, 6);
	expect_fixed_as_printf(999.9999999999, 6);
	expect_fixed_as_printf(0.5, 0);
	expect_fixed_as_printf(1.5, 0);
	expect_fixed_as_printf(2.5, 0);
}

static void test_sb__every_precision_and_magnitude_prints_as_printf(void **state)
{
	(void)state;
	uint64_t s = 7;
	for (int i = 0; i < 300000; i++) {
		/* A random bit pattern of any exponent, so every code path is
		 * walked: exact, the snprintf fall-back, infinities and NaN. */
		uint64_t bits = rnd_next(&s);
		double v;
		memcpy(&v, &bits, sizeof(v));
		int d = (int)(rnd_next(&s) % 12);
		if (isnan(v))
			continue; /* printf's NaN sign is not worth a comparison */
		if (fabs(v) > 1e30)
			v = ldexp(v, -900);
		expect_fixed_as_printf(v, d);
		double w = ldexp(rnd_unit(&s), (int)(rnd_next(&s) % 80) - 20);
		expect_fixed_as_printf((bits & 1) ? -w : w, d);
	}
	const double edge[] = { 0.0,	   -0.0,   0x1p-12,    -0x1p-12, 0x1p-13, 1e-7,
				-1e-7,	   0x1p53, 0x1p53 - 1, 9.5e15,	 1e300,	  INFINITY,
				-INFINITY, 4.35,   2.675,      1.005,	 0.125,	  0.375 };
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		for (int d = 0; d <= 10; d++)
			expect_fixed_as_printf(edge[i], d);
}

static void test_sb__json_escaping_escapes_quotes_backslashes_and_controls(void **state)
{
	(void)state;
	struct sb sb = SB_INIT;
	const char in[] = "宝鸡 \"a\\b\"\n\t\x01";
	sb_add_json_escaped(&sb, in, strlen(in));
	assert_string_equal(sb_str(&sb), "宝鸡 \\\"a\\\\b\\\"\\n\\t\\u0001");
	sb_release(&sb);
}

static void test_sb__json_escaping_replaces_bytes_that_are_not_utf8(void **state)
{
	(void)state;
	struct sb sb = SB_INIT;
	/* A lone 0xff, a cut-off sequence, an overlong '/', a surrogate, a code
	 * point past U+10FFFF; then well-formed two-, three- and four-byte ones. */
	const char in[] =
		"/a\xff/\xe5\xae/\xc0\xaf/\xed\xa0\x80/\xf4\x90\x80\x80/\xc3\xa9\xe9\xa9\xbf\xf0\x9f\x9a\xb2";
	sb_add_json_escaped(&sb, in, strlen(in));
	assert_string_equal(sb_str(&sb),
			    "/a\\ufffd/\\ufffd\\ufffd/\\ufffd\\ufffd/\\ufffd\\ufffd\\ufffd/"
			    "\\ufffd\\ufffd\\ufffd\\ufffd/\xc3\xa9\xe9\xa9\xbf\xf0\x9f\x9a\xb2");
	sb_reset(&sb);
	sb_add_json_escaped(&sb, "\xe9\xa9", 2); /* cut off at the end of the input */
	assert_string_equal(sb_str(&sb), "\\ufffd\\ufffd");
	sb_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sb__appends_and_stays_nul_terminated),
		cmocka_unit_test(test_sb__a_capped_builder_keeps_a_sticky_error_and_no_half_record),
		cmocka_unit_test(test_sb__reserve_makes_room_without_changing_the_contents),
		cmocka_unit_test(test_sb__integers_print_as_printf_prints_them),
		cmocka_unit_test(test_sb__coordinates_print_as_printf_prints_them),
		cmocka_unit_test(test_sb__exact_halves_round_to_even_as_printf_does),
		cmocka_unit_test(test_sb__every_precision_and_magnitude_prints_as_printf),
		cmocka_unit_test(test_sb__json_escaping_escapes_quotes_backslashes_and_controls),
		cmocka_unit_test(test_sb__json_escaping_replaces_bytes_that_are_not_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
