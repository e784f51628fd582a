/* Tests of src/core/phone.c and the phone masking of src/core/log.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/log.h"
#include "core/phone.h"

static void test_phone__accepts_mainland_mobiles_in_common_spellings(void **state)
{
	(void)state;
	char out[12];
	assert_true(phone_normalize("13800001234", out));
	assert_string_equal(out, "13800001234");
	assert_true(phone_normalize("+86 138-0000-1234", out));
	assert_string_equal(out, "13800001234");
	assert_true(phone_normalize("8619912345678", out));
	assert_string_equal(out, "19912345678");
}

static void test_phone__refuses_what_is_not_a_mobile(void **state)
{
	(void)state;
	assert_false(phone_valid("12800001234"));  /* 12x is not mobile */
	assert_false(phone_valid("1380000123"));   /* 10 digits */
	assert_false(phone_valid("138000012345")); /* 12 digits */
	assert_false(phone_valid("0298888888"));
	assert_false(phone_valid("1380000123a"));
	assert_false(phone_valid(""));
	assert_false(phone_valid(NULL));
}

static void test_phone__masks_the_middle_four_digits(void **state)
{
	(void)state;
	char out[12];
	phone_mask("13812341234", out);
	assert_string_equal(out, "138****1234");
	phone_mask("123", out);
	assert_string_equal(out, "***");
}

static void test_log__masks_phones_inside_text_but_not_longer_numbers(void **state)
{
	(void)state;
	char s[] = "login 13812341234 id 123456789012345 tel:15900001111.";
	log_mask_phones(s, strlen(s));
	assert_string_equal(s, "login 138****1234 id 123456789012345 tel:159****1111.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone__accepts_mainland_mobiles_in_common_spellings),
		cmocka_unit_test(test_phone__refuses_what_is_not_a_mobile),
		cmocka_unit_test(test_phone__masks_the_middle_four_digits),
		cmocka_unit_test(test_log__masks_phones_inside_text_but_not_longer_numbers),
	};
	return cmocka_run_group_tests_name("phone", tests, NULL, NULL);
}
