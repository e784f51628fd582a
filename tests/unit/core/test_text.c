/* Tests of src/core/text.c: copying, counting, and the checks and trimming
 * applied to a line a person typed. Bytes are spelled out in hex where the
 * point is the bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/text.h"

static enum text_fault fault(const char *s)
{
	return text_line_fault(s, strlen(s));
}

/* Trims s and returns the result as a new NUL-terminated string in buf. */
static const char *trimmed(const char *s, char *buf, size_t cap)
{
	size_t len = strlen(s);
	const char *t = text_trim(s, &len);

	assert_true(t >= s && t + len <= s + strlen(s));
	assert_true(len < cap);
	memcpy(buf, t, len);
	buf[len] = '\0';
	return buf;
}

static void test_text__copy_truncates_and_terminates(void **state)
{
	char buf[4];

	(void)state;
	text_copy(buf, sizeof(buf), "abcdef");
	assert_string_equal(buf, "abc");
	text_copy(buf, sizeof(buf), NULL);
	assert_string_equal(buf, "");
}

static void test_text__chars_counts_characters_not_bytes(void **state)
{
	(void)state;
	assert_int_equal(text_chars("驿站 A"), 4);
	assert_int_equal(text_chars(""), 0);
	assert_int_equal(text_chars(NULL), 0);
}

static void test_text__line_fault_accepts_chinese_latin_and_emoji(void **state)
{
	(void)state;
	assert_int_equal(fault("服务大厅 Service hall, 2F"), TEXT_FINE);
	assert_int_equal(fault("Café ☕ 👍🏽 👨‍👩‍👧"),
			 TEXT_FINE);				/* joiners are not controls */
	assert_int_equal(fault("\xF4\x8F\xBF\xBF"), TEXT_FINE); /* U+10FFFF, the last */
	assert_int_equal(fault(""), TEXT_FINE);
}

static void test_text__line_fault_refuses_what_is_not_utf8(void **state)
{
	(void)state;
	assert_int_equal(fault("\xFF"), TEXT_NOT_UTF8);
	assert_int_equal(fault("ok\x80"), TEXT_NOT_UTF8);	    /* a stray continuation */
	assert_int_equal(fault("\xE6\x9C"), TEXT_NOT_UTF8);	    /* cut short */
	assert_int_equal(fault("\xE6\x9Cx"), TEXT_NOT_UTF8);	    /* interrupted */
	assert_int_equal(fault("\xC0\xAF"), TEXT_NOT_UTF8);	    /* overlong '/' */
	assert_int_equal(fault("\xE0\x80\xAF"), TEXT_NOT_UTF8);	    /* overlong in three */
	assert_int_equal(fault("\xF0\x80\x80\xAF"), TEXT_NOT_UTF8); /* and in four */
	assert_int_equal(fault("\xED\xA0\x80"), TEXT_NOT_UTF8);	    /* the surrogate U+D800 */
	assert_int_equal(fault("\xF4\x90\x80\x80"), TEXT_NOT_UTF8); /* U+110000 */
	assert_int_equal(fault("\xF8\x88\x80\x80\x80"), TEXT_NOT_UTF8);
	/* Only the given length is read: a cut after the first byte fails. */
	assert_int_equal(text_line_fault("服", 1), TEXT_NOT_UTF8);
}

static void test_text__line_fault_refuses_controls(void **state)
{
	(void)state;
	assert_int_equal(fault("a\nb"), TEXT_CONTROL);
	assert_int_equal(fault("a\tb"), TEXT_CONTROL);
	assert_int_equal(fault("\x07"), TEXT_CONTROL);
	assert_int_equal(fault("\x1B[31m"), TEXT_CONTROL); /* a terminal colour */
	assert_int_equal(fault("\x7F"), TEXT_CONTROL);
	assert_int_equal(fault("\xC2\x85"), TEXT_CONTROL);     /* NEL, a C1 control */
	assert_int_equal(fault("\xE2\x80\xA8"), TEXT_CONTROL); /* line separator */
	assert_int_equal(text_line_fault("a\0b", 3), TEXT_CONTROL);
}

static void test_text__line_fault_refuses_bidi_overrides_and_isolates(void **state)
{
	(void)state;
	assert_int_equal(fault("价格\xE2\x80\xAE"
			       "001"),
			 TEXT_BIDI);					 /* U+202E RLO */
	assert_int_equal(fault("\xE2\x80\xAA"), TEXT_BIDI);		 /* U+202A LRE */
	assert_int_equal(fault("\xE2\x80\xAC"), TEXT_BIDI);		 /* U+202C PDF */
	assert_int_equal(fault("\xE2\x81\xA6x\xE2\x81\xA9"), TEXT_BIDI); /* LRI … PDI */
	/* The marks that only nudge neutral characters are allowed. */
	assert_int_equal(fault("\xE2\x80\x8E\xE2\x80\x8F"), TEXT_FINE); /* LRM, RLM */
	/* The first fault is the one reported. */
	assert_int_equal(fault("\xE2\x80\xAE\xFF"), TEXT_BIDI);
	assert_int_equal(fault("\xFF\xE2\x80\xAE"), TEXT_NOT_UTF8);
}

static void test_text__trim_removes_ascii_and_unicode_spaces_around_only(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(trimmed("  服务 大厅  ", buf, sizeof(buf)), "服务 大厅");
	/* Ideographic space (what a Chinese keyboard types), no-break space,
	 * thin space. */
	assert_string_equal(trimmed("\xE3\x80\x80"
				    "大厅"
				    "\xC2\xA0\xE2\x80\x89",
				    buf, sizeof(buf)),
			    "大厅");
	assert_string_equal(trimmed("a", buf, sizeof(buf)), "a");
	assert_string_equal(trimmed("", buf, sizeof(buf)), "");
	assert_string_equal(trimmed(" \xE3\x80\x80 ", buf, sizeof(buf)), "");
	/* Zero-width space is not white space in Unicode: it stays. */
	assert_string_equal(trimmed("\xE2\x80\x8B"
				    "x",
				    buf, sizeof(buf)),
			    "\xE2\x80\x8B"
			    "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text__copy_truncates_and_terminates),
		cmocka_unit_test(test_text__chars_counts_characters_not_bytes),
		cmocka_unit_test(test_text__line_fault_accepts_chinese_latin_and_emoji),
		cmocka_unit_test(test_text__line_fault_refuses_what_is_not_utf8),
		cmocka_unit_test(test_text__line_fault_refuses_controls),
		cmocka_unit_test(test_text__line_fault_refuses_bidi_overrides_and_isolates),
		cmocka_unit_test(test_text__trim_removes_ascii_and_unicode_spaces_around_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
