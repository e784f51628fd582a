/* Tests of src/http/request.c: matching a Content-Type to a media type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "http/http.h"

static void test_request__a_media_type_matches_exactly_with_any_parameters(void **state)
{
	(void)state;
	const char *yes[] = { "application/json",
			      "APPLICATION/Json",
			      "application/json;charset=utf-8",
			      "application/json; charset=utf-8",
			      " application/json ; charset=utf-8",
			      "application/json\t" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(http_media_type_is(yes[i], "application/json"));
	const char *no[] = { NULL,
			     "",
			     "application/jsonx",
			     "application/json5",
			     "application/json-seq",
			     "application/json,text/plain",
			     "application/jso",
			     "text/json",
			     "application/ json" };
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(http_media_type_is(no[i], "application/json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request__a_media_type_matches_exactly_with_any_parameters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
