/* Opening hours. A day's ranges come from its exception if it has one, else
 * from the weekly schedule; a range past midnight is checked both on its own
 * day (after opening) and on the next day (before closing). */
#include "domain/hours.h"

#include <stdio.h>
#include <string.h>

/* Days from civil date, after Howard Hinnant's algorithm (proleptic
 * Gregorian, no tables, no time zone database). */
static int32_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

void hours_local(int64_t t_s, int32_t *day_num, int *weekday, int *minute)
{
	int64_t local = t_s + HOURS_LOCAL_OFFSET_S;
	int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
	int64_t secs = local - days * 86400;
	*day_num = (int32_t)days;
	/* 1970-01-01 was a Thursday (ISO 4). */
	int64_t wd = (days + 3) % 7;
	*weekday = (int)(wd < 0 ? wd + 7 : wd) + 1;
	*minute = (int)(secs / 60);
}

static const struct hours_exception *exception_on(const struct hours_view *h, int32_t day_num)
{
	for (size_t i = 0; i < h->nexceptions; i++)
		if (h->exceptions[i].day_num == day_num)
			return &h->exceptions[i];
	return NULL;
}

static bool crosses(uint16_t open_min, uint16_t close_min)
{
	return close_min <= open_min;
}

/* Is minute m of the day covered by a range opening that same day? */
static bool same_day(uint16_t open_min, uint16_t close_min, int m)
{
	if (crosses(open_min, close_min))
		return m >= open_min;
	return m >= open_min && m < close_min;
}

/* Is minute m covered by a range that opened the day before? */
static bool from_yesterday(uint16_t open_min, uint16_t close_min, int m)
{
	return crosses(open_min, close_min) && m < close_min;
}

static bool day_covers(const struct hours_view *h, int32_t day_num, int weekday, int m,
		       bool (*test)(uint16_t, uint16_t, int))
{
	const struct hours_exception *ex = exception_on(h, day_num);
	if (ex)
		return !ex->closed && test(ex->open_min, ex->close_min, m);
	for (size_t i = 0; i < h->nranges; i++)
		if (h->ranges[i].day == weekday &&
		    test(h->ranges[i].open_min, h->ranges[i].close_min, m))
			return true;
	return false;
}

struct hours_view hours_view_of(const struct hours *h)
{
	struct hours_view v = { h->ranges,	h->nranges, h->exceptions,
				h->nexceptions, h->closed,  h->closed_until_s };
	return v;
}

bool hours_open_at(const struct hours *h, int64_t now_s)
{
	struct hours_view v = hours_view_of(h);
	return hours_view_open_at(&v, now_s);
}

bool hours_view_closed_at(const struct hours_view *h, int64_t now_s)
{
	return h->closed && (h->closed_until_s == 0 || now_s < h->closed_until_s);
}

bool hours_view_open_at(const struct hours_view *h, int64_t now_s)
{
	if (hours_view_closed_at(h, now_s))
		return false;
	int32_t day;
	int wd, m;
	hours_local(now_s, &day, &wd, &m);
	if (day_covers(h, day, wd, m, same_day))
		return true;
	int yesterday_wd = wd == 1 ? 7 : wd - 1;
	return day_covers(h, day - 1, yesterday_wd, m, from_yesterday);
}

int hours_parse_hhmm(const char *s)
{
	if (!s || strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int hh = (s[0] - '0') * 10 + (s[1] - '0');
	int mm = (s[3] - '0') * 10 + (s[4] - '0');
	if (mm > 59 || hh > 24 || (hh == 24 && mm != 0))
		return -1;
	return hh * 60 + mm;
}

void hours_format_hhmm(int min, char out[6])
{
	if (min < 0)
		min = 0;
	if (min > 1440)
		min = 1440;
	out[0] = (char)('0' + min / 600);
	out[1] = (char)('0' + (min / 60) % 10);
	out[2] = ':';
	out[3] = (char)('0' + (min % 60) / 10);
	out[4] = (char)('0' + min % 10);
	out[5] = '\0';
}

bool hours_parse_date(const char *s, int32_t *day_num)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return false;
	if (s[4] != '-' || s[7] != '-' || y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1 ||
	    d > 31)
		return false;
	int32_t n = days_from_civil(y, m, d);
	int yy, mm, dd;
	civil_from_days(n, &yy, &mm, &dd);
	if (yy != y || mm != m || dd != d) /* 2026-02-30 */
		return false;
	*day_num = n;
	return true;
}

void hours_format_date(int32_t day_num, char out[11])
{
	int y, m, d;
	civil_from_days(day_num, &y, &m, &d);
	char buf[32];
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
	memcpy(out, buf, 10);
	out[10] = '\0';
}

bool hours_always_open(const struct hours *h)
{
	bool seen[8] = { false };
	for (size_t i = 0; i < h->nranges; i++) {
		const struct hours_range *r = &h->ranges[i];
		if (r->open_min != 0 || r->close_min != 1440)
			return false;
		seen[r->day] = true;
	}
	for (int d = 1; d <= 7; d++)
		if (!seen[d])
			return false;
	return true;
}

bool hours_view_covers(const struct hours_view *v, int64_t from_s, int64_t to_s)
{
	if (to_s <= from_s || to_s - from_s > 2 * 86400)
		return false;
	struct hours_view open = *v;
	open.closed = false;
	/* Minute by minute: at most 2,880 questions, each a few comparisons,
	 * and no shape of ranges (back to back, past midnight, an exception)
	 * needs a rule of its own. */
	for (int64_t t = from_s; t < to_s; t += 60)
		if (!hours_view_open_at(&open, t))
			return false;
	return hours_view_open_at(&open, to_s - 1);
}
