/* Tests of src/core/config.c: options from the table, the environment and
 * the command line, and booleans written with or without their value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"

struct opts {
	bool access_log;
	bool secure;
	int64_t threads;
	const char *listen;
};

#define OPT(field) offsetof(struct opts, field)

static const struct config_option table[] = {
	{ "access-log", NULL, "true", CONFIG_BOOL, OPT(access_log), 0, 0, "log" },
	{ "secure", NULL, "false", CONFIG_BOOL, OPT(secure), 0, 0, "secure" },
	{ "threads", NULL, "0", CONFIG_INT, OPT(threads), 0, 256, "threads" },
	{ "listen", "YZ_TEST_LISTEN", "127.0.0.1:8080", CONFIG_STR, OPT(listen), 0, 0, "listen" },
};

static enum rc parse(struct opts *o, int argc, char **argv, struct problem *prob)
{
	bool help = false;
	problem_init(prob);
	*o = (struct opts){ 0 };
	return config_parse(table, sizeof(table) / sizeof(table[0]), o, argc, argv, &help, prob);
}

static void test_config__a_boolean_takes_its_value_after_a_space_as_after_an_equals_sign(
	void **state)
{
	(void)state;
	struct opts o;
	struct problem prob;
	char *spaced[] = { "--access-log", "false", "--secure", "yes" };
	assert_int_equal(parse(&o, 4, spaced, &prob), RC_OK);
	assert_false(o.access_log);
	assert_true(o.secure);
	char *equals[] = { "--access-log=off", "--secure=1" };
	assert_int_equal(parse(&o, 2, equals, &prob), RC_OK);
	assert_false(o.access_log);
	assert_true(o.secure);
	char *last[] = { "--secure", "true", "--access-log", "0" };
	assert_int_equal(parse(&o, 4, last, &prob), RC_OK);
	assert_false(o.access_log);
}

static void test_config__a_boolean_alone_or_before_another_option_means_true(void **state)
{
	(void)state;
	struct opts o;
	struct problem prob;
	char *alone[] = { "--secure" };
	assert_int_equal(parse(&o, 1, alone, &prob), RC_OK);
	assert_true(o.secure);
	char *before[] = { "--secure", "--threads", "4", "--access-log", "--listen", ":0" };
	assert_int_equal(parse(&o, 6, before, &prob), RC_OK);
	assert_true(o.secure);
	assert_true(o.access_log);
	assert_int_equal(o.threads, 4);
	assert_string_equal(o.listen, ":0");
}

static void test_config__a_boolean_followed_by_another_word_leaves_it_an_argument(void **state)
{
	(void)state;
	struct opts o;
	struct problem prob;
	char *other[] = { "--secure", "maybe" };
	assert_int_equal(parse(&o, 2, other, &prob), RC_INVALID);
	assert_non_null(strstr(prob.detail, "maybe"));
	char *bad[] = { "--secure=maybe" };
	assert_int_equal(parse(&o, 1, bad, &prob), RC_INVALID);
	assert_non_null(strstr(prob.detail, "true or false"));
}

static void test_config__flags_beat_the_environment_which_beats_the_default(void **state)
{
	(void)state;
	struct opts o;
	struct problem prob;
	assert_int_equal(parse(&o, 0, NULL, &prob), RC_OK);
	assert_string_equal(o.listen, "127.0.0.1:8080");
	setenv("YZ_TEST_LISTEN", "0.0.0.0:80", 1);
	assert_int_equal(parse(&o, 0, NULL, &prob), RC_OK);
	assert_string_equal(o.listen, "0.0.0.0:80");
	char *flag[] = { "--listen", "[::1]:0" };
	assert_int_equal(parse(&o, 2, flag, &prob), RC_OK);
	assert_string_equal(o.listen, "[::1]:0");
	unsetenv("YZ_TEST_LISTEN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_config__a_boolean_takes_its_value_after_a_space_as_after_an_equals_sign),
		cmocka_unit_test(test_config__a_boolean_alone_or_before_another_option_means_true),
		cmocka_unit_test(
			test_config__a_boolean_followed_by_another_word_leaves_it_an_argument),
		cmocka_unit_test(test_config__flags_beat_the_environment_which_beats_the_default),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
