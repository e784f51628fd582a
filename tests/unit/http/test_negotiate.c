/* Tests of src/http/negotiate.c: which offered language an Accept-Language
 * header prefers, Chinese (the first offer) unless it prefers English. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "http/http.h"

static const char *const offered[] = { "zh-CN", "en" };

static const char *pick(const char *accept_language)
{
	return offered[http_language_pick(accept_language, offered, 2)];
}

static void test_negotiate__english_when_the_client_prefers_it(void **state)
{
	(void)state;
	assert_string_equal(pick("en"), "en");
	assert_string_equal(pick("en-US,en;q=0.9"), "en");
	assert_string_equal(pick("fr, en;q=0.5"), "en");
	assert_string_equal(pick("EN-gb"), "en");
	assert_string_equal(pick("en;q=0.9, zh;q=0.8"), "en");
	assert_string_equal(pick("de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7"), "en");
	assert_string_equal(pick("en, *;q=0.1"), "en");
}

static void test_negotiate__chinese_when_it_prefers_chinese_or_says_nothing(void **state)
{
	(void)state;
	assert_string_equal(pick(NULL), "zh-CN");
	assert_string_equal(pick(""), "zh-CN");
	assert_string_equal(pick("zh-CN"), "zh-CN");
	assert_string_equal(pick("zh"), "zh-CN");
	assert_string_equal(pick("zh-TW, en;q=0.8"), "zh-CN");
	assert_string_equal(pick("zh;q=1, en;q=0.5"), "zh-CN");
	assert_string_equal(pick("zh-CN,zh;q=0.9,en;q=0.8"), "zh-CN");
	assert_string_equal(pick("*"), "zh-CN");
}

static void test_negotiate__chinese_when_nothing_offered_is_acceptable_or_on_a_tie(void **state)
{
	(void)state;
	assert_string_equal(pick("de"), "zh-CN");
	assert_string_equal(pick("fr-FR, de;q=0.5"), "zh-CN");
	assert_string_equal(pick("en;q=0"), "zh-CN");
	assert_string_equal(pick("en;q=0.8, zh;q=0.8"), "zh-CN");
	assert_string_equal(pick("en;q=0.5, zh-CN;q=0.5"), "zh-CN");
}

static void test_negotiate__the_most_specific_range_decides_a_weight(void **state)
{
	(void)state;
	/* "*" lets English in, but Chinese is refused by name. */
	assert_string_equal(pick("*;q=0.5, zh;q=0"), "en");
	/* The whole tag beats its primary subtag, whatever the order. */
	assert_string_equal(pick("zh;q=0.1, en;q=0.5, zh-CN;q=0.9"), "zh-CN");
	assert_string_equal(pick("zh-CN;q=0.1, en;q=0.5, zh;q=0.9"), "en");
	/* Among equally specific ranges the heaviest counts. */
	assert_string_equal(pick("en-US;q=0.2, zh-TW;q=0.4, en-GB;q=0.6"), "en");
}

static void test_negotiate__elements_that_do_not_parse_are_skipped(void **state)
{
	(void)state;
	assert_string_equal(pick("en;q=abc"), "zh-CN");
	assert_string_equal(pick("en;q=1.5"), "zh-CN");
	assert_string_equal(pick("en;q=0.1234"), "zh-CN");
	assert_string_equal(pick("en;x=1"), "zh-CN");
	assert_string_equal(pick(";q=1"), "zh-CN");
	assert_string_equal(pick(",,  ,en"), "en");
	assert_string_equal(pick("  en ; q=0.7 , zh;q=0.6 "), "en");
	assert_string_equal(pick("en;Q=1.000"), "en");
	assert_string_equal(pick("zh;q=1.0, en;q=0.999"), "zh-CN");
}

static void test_negotiate__picks_among_more_offers_and_never_past_them(void **state)
{
	(void)state;
	static const char *const three[] = { "zh-CN", "en", "fr" };
	assert_int_equal(http_language_pick("fr;q=0.9, en;q=0.8", three, 3), 2);
	assert_int_equal(http_language_pick("en", three, 1), 0);
	assert_int_equal(http_language_pick("en", three, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate__english_when_the_client_prefers_it),
		cmocka_unit_test(test_negotiate__chinese_when_it_prefers_chinese_or_says_nothing),
		cmocka_unit_test(
			test_negotiate__chinese_when_nothing_offered_is_acceptable_or_on_a_tie),
		cmocka_unit_test(test_negotiate__the_most_specific_range_decides_a_weight),
		cmocka_unit_test(test_negotiate__elements_that_do_not_parse_are_skipped),
		cmocka_unit_test(test_negotiate__picks_among_more_offers_and_never_past_them),
	};
	return cmocka_run_group_tests_name("negotiate", tests, NULL, NULL);
}
