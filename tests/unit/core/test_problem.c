/* Tests of src/core/problem.c and its English catalog src/core/problem_en.c:
 * the catalog is sorted and each English takes the arguments of its Chinese,
 * and a problem keeps both texts, formatted from one argument list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/problem.h"
#include "core/sb.h"

/* The arguments a printf format takes, as a string of codes: "*" for a star
 * width or precision, then the length modifier and the kind of the
 * conversion ("d" signed, "u" unsigned, "f" floating, "c", "s", "p"), each
 * followed by a space. False for what this catalog must not use: positional
 * arguments (%1$s), %n, or a conversion this parser does not know. */
static bool conversions(const char *fmt, struct sb *out)
{
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		p++;
		if (*p == '%')
			continue;
		while (*p && strchr("-+ #0'", *p))
			p++;
		if (*p == '*')
			sb_adds(out, "* "), p++;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '$')
			return false;
		if (*p == '.') {
			p++;
			if (*p == '*')
				sb_adds(out, "* "), p++;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		const char *len = p;
		while (*p && strchr("hlLjzt", *p))
			p++;
		sb_add(out, len, (size_t)(p - len));
		if (*p && strchr("di", *p))
			sb_adds(out, "d ");
		else if (*p && strchr("ouxX", *p))
			sb_adds(out, "u ");
		else if (*p && strchr("fFeEgGaA", *p))
			sb_adds(out, "f ");
		else if (*p && strchr("csp", *p))
			sb_addc(out, *p), sb_addc(out, ' ');
		else
			return false;
	}
	return true;
}

/* True when s holds a Han character or CJK punctuation (U+3000–U+9FFF,
 * U+FF00–U+FFEF): UTF-8 lead bytes E3–E9, or EF BC–BF. */
static bool has_chinese(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0xe3 && *p <= 0xe9)
			return true;
		if (*p == 0xef && p[1] >= 0xbc && p[1] <= 0xbf)
			return true;
	}
	return false;
}

static void test_problem__catalog_is_in_byte_order_without_duplicates(void **state)
{
	(void)state;
	size_t n;
	const struct problem_text *t = problem_catalog(&n);
	assert_true(n > 100);
	for (size_t i = 1; i < n; i++)
		if (strcmp(t[i - 1].zh, t[i].zh) >= 0)
			fail_msg("src/core/problem_en.c: \"%s\" must come %s \"%s\" (byte order)",
				 t[i].zh,
				 strcmp(t[i - 1].zh, t[i].zh) ? "before" : "only once, not after",
				 t[i - 1].zh);
}

static void test_problem__each_english_takes_the_arguments_of_its_chinese(void **state)
{
	(void)state;
	size_t n;
	const struct problem_text *t = problem_catalog(&n);
	struct sb zh = SB_INIT, en = SB_INIT;
	for (size_t i = 0; i < n; i++) {
		sb_reset(&zh);
		sb_reset(&en);
		if (!conversions(t[i].zh, &zh) || !conversions(t[i].en, &en))
			fail_msg(
				"src/core/problem_en.c: a conversion this catalog may not use in \"%s\" or \"%s\"",
				t[i].zh, t[i].en);
		if (strcmp(sb_str(&zh), sb_str(&en)) != 0)
			fail_msg(
				"src/core/problem_en.c: \"%s\" takes [%s] but its English \"%s\" takes [%s]",
				t[i].zh, sb_str(&zh), t[i].en, sb_str(&en));
		if (!has_chinese(t[i].zh))
			fail_msg("src/core/problem_en.c: \"%s\" has no Chinese and needs no entry",
				 t[i].zh);
		if (has_chinese(t[i].en))
			fail_msg(
				"src/core/problem_en.c: the English of \"%s\" has Chinese in it: \"%s\"",
				t[i].zh, t[i].en);
	}
	sb_release(&zh);
	sb_release(&en);
}

static void test_problem__conversions_are_read_the_way_printf_reads_them(void **state)
{
	(void)state;
	struct sb sb = SB_INIT;
	assert_true(conversions("%s line %zu: %.24s %.*s %lld%% %5.1f %-3d %x", &sb));
	assert_string_equal(sb_str(&sb), "s zu s * s lld f d u ");
	sb_reset(&sb);
	assert_false(conversions("%1$s", &sb));
	sb_reset(&sb);
	assert_false(conversions("%n", &sb));
	sb_release(&sb);
}

static void test_problem__finds_the_english_by_the_text_of_the_format(void **state)
{
	(void)state;
	char copy[64];
	snprintf(copy, sizeof(copy), "%s", "请先登录"); /* not the literal's address */
	assert_string_equal(problem_en(copy), "Please sign in first");
	assert_string_equal(problem_en("必填 (required)"), "Required");
	assert_null(problem_en("请先登录。"));
	assert_null(problem_en(""));
	assert_null(problem_en("nested transaction"));
}

static void test_problem__set_formats_both_texts_from_one_argument_list(void **state)
{
	(void)state;
	struct problem prob;
	problem_init(&prob);
	enum rc rc = problem_set(&prob, RC_INVALID, "range", "应为 %lld 到 %lld 之间的整数", 1LL,
				 200LL);
	assert_int_equal(rc, RC_INVALID);
	assert_string_equal(prob.type, "range");
	assert_string_equal(prob.detail, "应为 1 到 200 之间的整数");
	assert_string_equal(prob.detail_en, "Must be a whole number from 1 to 200");
	assert_string_equal(problem_detail(&prob, PROBLEM_LANG_ZH), prob.detail);
	assert_string_equal(problem_detail(&prob, PROBLEM_LANG_EN), prob.detail_en);

	problem_set(&prob, RC_NOT_FOUND, "not-found", "该账号没有角色 %s@%s", "staff", "6103");
	assert_string_equal(prob.detail, "该账号没有角色 staff@6103");
	assert_string_equal(prob.detail_en, "The account does not have the role staff@6103");
}

static void test_problem__field_formats_both_texts_and_the_detail_says_so_in_both(void **state)
{
	(void)state;
	struct problem prob;
	problem_init(&prob);
	problem_field(&prob, "limit", "应为 %lld 到 %lld 之间的整数", 1LL, 200LL);
	problem_field(&prob, "phone", "必填 (required)");
	problem_field(&prob, "limit", "必填 (required)"); /* the first message of a field wins */
	assert_int_equal(prob.rc, RC_INVALID);
	assert_string_equal(prob.type, "validation");
	assert_int_equal(prob.nfields, 2);
	assert_string_equal(problem_field_message(&prob, 0, PROBLEM_LANG_ZH),
			    "应为 1 到 200 之间的整数");
	assert_string_equal(problem_field_message(&prob, 0, PROBLEM_LANG_EN),
			    "Must be a whole number from 1 to 200");
	assert_string_equal(problem_field_message(&prob, 1, PROBLEM_LANG_ZH), "必填 (required)");
	assert_string_equal(problem_field_message(&prob, 1, PROBLEM_LANG_EN), "Required");
	assert_true(strlen(problem_detail(&prob, PROBLEM_LANG_ZH)) > 0);
	assert_false(has_chinese(problem_detail(&prob, PROBLEM_LANG_EN)));
	assert_true(has_chinese(problem_detail(&prob, PROBLEM_LANG_ZH)));
}

static void test_problem__a_format_without_an_entry_reads_the_same_in_english(void **state)
{
	(void)state;
	struct problem prob;
	problem_init(&prob);
	problem_set(&prob, RC_INTERNAL, "internal", "bad placeholder %d", 7);
	assert_string_equal(problem_detail(&prob, PROBLEM_LANG_EN), "bad placeholder 7");
	assert_string_equal(problem_detail(&prob, PROBLEM_LANG_ZH), "bad placeholder 7");
	/* A text written straight into detail still reads in English. */
	problem_init(&prob);
	snprintf(prob.detail, sizeof(prob.detail), "%s", "直接写入");
	assert_string_equal(problem_detail(&prob, PROBLEM_LANG_EN), "直接写入");
}

static void test_problem__a_copy_keeps_both_languages(void **state)
{
	(void)state;
	struct problem denied, prob;
	problem_init(&denied);
	problem_set(&denied, RC_FORBIDDEN, "forbidden-field",
		    "无权修改标出的字段 (you may not change the fields marked)");
	problem_field(&denied, "stars", "星级来自考核评定，只有管理员可以修改");
	prob = denied;
	assert_string_equal(problem_detail(&prob, PROBLEM_LANG_EN),
			    "You may not change the fields marked");
	assert_string_equal(
		problem_field_message(&prob, 0, PROBLEM_LANG_EN),
		"Stars come from the station evaluation; only an administrator can change them");
}

static void test_problem__long_texts_are_cut_to_fit_in_both_languages(void **state)
{
	(void)state;
	struct problem prob;
	problem_init(&prob);
	char name[600];
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	problem_set(&prob, RC_NOT_FOUND, "not-found", "驿站 %s 不存在", name);
	assert_int_equal(strlen(prob.detail), sizeof(prob.detail) - 1);
	assert_int_equal(strlen(prob.detail_en), sizeof(prob.detail_en) - 1);
	assert_memory_equal(prob.detail_en, "There is no station xxx", 23);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_problem__catalog_is_in_byte_order_without_duplicates),
		cmocka_unit_test(test_problem__each_english_takes_the_arguments_of_its_chinese),
		cmocka_unit_test(test_problem__conversions_are_read_the_way_printf_reads_them),
		cmocka_unit_test(test_problem__finds_the_english_by_the_text_of_the_format),
		cmocka_unit_test(test_problem__set_formats_both_texts_from_one_argument_list),
		cmocka_unit_test(
			test_problem__field_formats_both_texts_and_the_detail_says_so_in_both),
		cmocka_unit_test(test_problem__a_format_without_an_entry_reads_the_same_in_english),
		cmocka_unit_test(test_problem__a_copy_keeps_both_languages),
		cmocka_unit_test(test_problem__long_texts_are_cut_to_fit_in_both_languages),
	};
	return cmocka_run_group_tests_name("problem", tests, NULL, NULL);
}
