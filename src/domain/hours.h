/* Opening hours: a weekly schedule of ranges, dated exceptions that replace a
 * day's schedule, and a temporary closure — and the one question users ask of
 * them: is it open now? Computed in the city's local time (UTC+8, China has no
 * daylight saving), including ranges that run past midnight. Pure functions;
 * thread-safe. */
#ifndef YZ_DOMAIN_HOURS_H
#define YZ_DOMAIN_HOURS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOURS_LOCAL_OFFSET_S (8 * 3600)
#define HOURS_RANGES_MAX     28
#define HOURS_EXCEPTIONS_MAX 32

/* day 1 (Monday) … 7 (Sunday); minutes after local midnight. close_min <=
 * open_min: runs past midnight into the next day. 0–1440: all day. */
struct hours_range {
	uint8_t day;
	uint16_t open_min;
	uint16_t close_min;
};

/* Replaces one local date's weekly ranges: closed, or one range. */
struct hours_exception {
	int32_t day_num; /* days since 1970-01-01, local */
	bool closed;
	uint16_t open_min, close_min;
};

struct hours {
	size_t nranges;
	struct hours_range ranges[HOURS_RANGES_MAX];
	size_t nexceptions;
	struct hours_exception exceptions[HOURS_EXCEPTIONS_MAX];
	bool closed;		/* temporarily closed */
	int64_t closed_until_s; /* 0: until reopened */
};

/* A borrowed view of hours, so compact copies (the snapshot keeps ranges in
 * shared arrays) and struct hours answer through the same code. */
struct hours_view {
	const struct hours_range *ranges;
	size_t nranges;
	const struct hours_exception *exceptions;
	size_t nexceptions;
	bool closed;
	int64_t closed_until_s;
};

/* The view of h (borrowed pointers into h). */
struct hours_view hours_view_of(const struct hours *h);
/* True if a station with these hours is open at Unix time now_s. */
bool hours_view_open_at(const struct hours_view *v, int64_t now_s);
/* True if a temporary closure holds at now_s: closed, and its expected end
 * (if any) is still to come. A closure whose end has passed is over without
 * anyone writing so. */
bool hours_view_closed_at(const struct hours_view *v, int64_t now_s);
/* Shorthand for hours_view_open_at(hours_view_of(h)). */
bool hours_open_at(const struct hours *h, int64_t now_s);

/* Parses "HH:MM" (00:00–24:00) into minutes; -1 if malformed. */
int hours_parse_hhmm(const char *s);
/* Writes minutes as "HH:MM" into out (6 bytes). */
void hours_format_hhmm(int min, char out[6]);
/* Parses "YYYY-MM-DD" into days since 1970-01-01; false if not a real date. */
bool hours_parse_date(const char *s, int32_t *day_num);
/* Writes a day number as "YYYY-MM-DD" into out (11 bytes). */
void hours_format_date(int32_t day_num, char out[11]);
/* The local day number and ISO weekday (1–7) and minute of Unix time t. */
void hours_local(int64_t t_s, int32_t *day_num, int *weekday, int *minute);
/* True if the hours in v are open through all of [from_s, to_s) — every
 * minute of it, on the weekly ranges or that day's exception, ranges past
 * midnight included — leaving a temporary closure aside (a booking made
 * for next week is not refused because the door is shut today). False for
 * an empty or reversed span, and for one longer than two days. */
bool hours_view_covers(const struct hours_view *v, int64_t from_s, int64_t to_s);
/* True if every day of the week has a 0–1440 range and nothing else. */
bool hours_always_open(const struct hours *h);

#endif
