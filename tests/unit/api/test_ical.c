/* Tests of src/api/ical.c: what a calendar app reads — CRLF line ends,
 * lines folded at 75 octets between whole UTF-8 characters (unfolding
 * gives the text back), TEXT escaped (, ; \ and line breaks), the one
 * VTIMEZONE of Asia/Shanghai, local DTSTART with its TZID, DTSTAMP in
 * UTC, a stable UID, SEQUENCE and STATUS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "api/ical.h"
#include "core/sb.h"

/* 2026-05-01 09:00 in Asia/Shanghai = 01:00 UTC. */
#define START_S 1777597200

static struct ical_event event(void)
{
	return (struct ical_event){ .id = 42,
				    .summary = "夜校：摄影, 短视频; 直播\\入门",
				    .description = "第一行\n第二行",
				    .location = "金心驿 二楼",
				    .url = "https://yizhan.example/activity.html?id=42",
				    .starts_s = START_S,
				    .ends_s = START_S + 7200,
				    .created_s = START_S - 86400,
				    .modified_s = START_S - 3600,
				    .sequence = 3 };
}

/* The text with every fold (CRLF and one space) removed. */
static char *unfold(const char *s)
{
	char *out = malloc(strlen(s) + 1);
	size_t n = 0;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\r' && s[i + 1] == '\n' && s[i + 2] == ' ') {
			i += 2;
			continue;
		}
		out[n++] = s[i];
	}
	out[n] = '\0';
	return out;
}

static void test_ical__lines_end_crlf_and_fold_at_75_octets_between_characters(void **state)
{
	(void)state;
	struct ical_event e = event();
	struct sb long_text = SB_INIT;
	for (int i = 0; i < 80; i++)
		sb_adds(&long_text, i % 3 ? "驿" : "a");
	e.description = sb_str(&long_text);
	struct sb out = SB_INIT;
	assert_true(ical_calendar("驿站活动", "yizhan.example", &e, 1, &out));
	const char *s = sb_str(&out);
	size_t len = strlen(s);
	assert_true(len > 2 && s[len - 2] == '\r' && s[len - 1] == '\n');
	for (const char *line = s; *line;) {
		const char *end = strstr(line, "\r\n");
		assert_non_null(end);
		assert_true(end - line <= 75);
		/* A continuation starts with a space, and never inside a character. */
		if (line != s && *line == ' ')
			assert_true(((unsigned char)line[1] & 0xC0) != 0x80);
		for (const char *c = line; c < end; c++)
			assert_true(*c != '\n' && *c != '\r');
		line = end + 2;
	}
	char *flat = unfold(s);
	struct sb want = SB_INIT;
	sb_adds(&want, "DESCRIPTION:");
	sb_adds(&want, sb_str(&long_text));
	assert_non_null(strstr(flat, sb_str(&want)));
	free(flat);
	sb_release(&want);
	sb_release(&long_text);
	sb_release(&out);
}

static void test_ical__text_is_escaped(void **state)
{
	(void)state;
	struct ical_event e = event();
	struct sb out = SB_INIT;
	assert_true(ical_calendar("驿站活动", "yizhan.example", &e, 1, &out));
	char *flat = unfold(sb_str(&out));
	assert_non_null(strstr(flat, "SUMMARY:夜校：摄影\\, 短视频\\; 直播\\\\入门\r\n"));
	assert_non_null(strstr(flat, "DESCRIPTION:第一行\\n第二行\r\n"));
	free(flat);
	sb_release(&out);
}

static void test_ical__times_zone_uid_sequence_and_status(void **state)
{
	(void)state;
	struct ical_event e = event();
	struct sb out = SB_INIT;
	assert_true(ical_calendar("驿站活动", "yizhan.example", &e, 1, &out));
	char *flat = unfold(sb_str(&out));
	assert_non_null(strstr(flat, "BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\n"));
	assert_non_null(strstr(flat, "TZOFFSETFROM:+0800\r\n"));
	assert_non_null(strstr(flat, "TZOFFSETTO:+0800\r\n"));
	assert_null(strstr(flat, "BEGIN:DAYLIGHT"));
	assert_non_null(strstr(flat, "DTSTART;TZID=Asia/Shanghai:20260501T090000\r\n"));
	assert_non_null(strstr(flat, "DTEND;TZID=Asia/Shanghai:20260501T110000\r\n"));
	assert_non_null(strstr(flat, "DTSTAMP:20260501T000000Z\r\n"));
	assert_non_null(strstr(flat, "UID:activity-42@yizhan.example\r\n"));
	assert_non_null(strstr(flat, "SEQUENCE:3\r\n"));
	assert_non_null(strstr(flat, "STATUS:CONFIRMED\r\n"));
	free(flat);
	sb_release(&out);
	e.cancelled = true;
	e.sequence = 4;
	assert_true(ical_calendar("驿站活动", "yizhan.example", &e, 1, &out));
	flat = unfold(sb_str(&out));
	assert_non_null(strstr(flat, "STATUS:CANCELLED\r\n"));
	assert_non_null(strstr(flat, "SEQUENCE:4\r\n"));
	assert_non_null(strstr(flat, "UID:activity-42@yizhan.example\r\n"));
	free(flat);
	sb_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_ical__lines_end_crlf_and_fold_at_75_octets_between_characters),
		cmocka_unit_test(test_ical__text_is_escaped),
		cmocka_unit_test(test_ical__times_zone_uid_sequence_and_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
