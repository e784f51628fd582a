/* Tests of src/domain/icon.c: the names of the drawn icons an amenity may
 * show. The lookup is a binary search, so the list must stay sorted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "domain/icon.h"

static void test_icon__knows_the_names_of_the_first_catalog(void **state)
{
	(void)state;
	static const char *const first[] = {
		"droplet",	"armchair",  "heater",	     "snowflake", "microwave",
		"refrigerator", "plug-zap",  "battery-full", "cross",	  "umbrella",
		"cloud-rain",	"toolbox",   "bike",	     "wifi",	  "toilet",
		"baby",		"book-open", "spool",	     "users",	  "projector"
	};
	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		assert_true(icon_known(first[i]));
}

static void test_icon__refuses_emoji_unknown_names_and_nothing(void **state)
{
	(void)state;
	assert_false(icon_known("💧"));
	assert_false(icon_known("no-such-icon"));
	assert_false(icon_known("Microwave"));
	assert_false(icon_known("microwave "));
	assert_false(icon_known(""));
	assert_false(icon_known(NULL));
}

static void test_icon__names_are_sorted_and_plain(void **state)
{
	(void)state;
	size_t n = 0;
	const char *const *names = icon_names(&n);
	assert_true(n > 20);
	for (size_t i = 0; i < n; i++) {
		assert_true(strlen(names[i]) > 0 && strlen(names[i]) < 16);
		assert_int_equal(strspn(names[i], "abcdefghijklmnopqrstuvwxyz0123456789-"),
				 strlen(names[i]));
		if (i)
			assert_true(strcmp(names[i - 1], names[i]) < 0);
		assert_true(icon_known(names[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_icon__knows_the_names_of_the_first_catalog),
		cmocka_unit_test(test_icon__refuses_emoji_unknown_names_and_nothing),
		cmocka_unit_test(test_icon__names_are_sorted_and_plain),
	};
	return cmocka_run_group_tests_name("icon", tests, NULL, NULL);
}
