/* Time, in the units the names say. Wall time for stored timestamps (Unix
 * seconds, UTC), monotonic time for durations. */
#ifndef YZ_CORE_CLOCK_H
#define YZ_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_now_s(void);
int64_t clock_now_ms(void);
/* Moves clock_now_s and clock_now_ms offset_s seconds ahead of the real
 * time (0 by default): for tests of what happens later (retries, expiry),
 * set once at start by serve's --clock-offset, never by a request.
 * Thread-safe. */
void clock_set_offset_s(int64_t offset_s);
/* Monotonic, for measuring durations. */
int64_t clock_mono_us(void);
/* Writes t as RFC 3339 in UTC+08:00 ("2026-11-22T09:30:00+08:00") into out. */
void clock_rfc3339(int64_t t_s, char out[32]);
/* Parses RFC 3339 with Z or a ±hh:mm offset; returns 0 or -1. */
int clock_parse_rfc3339(const char *s, int64_t *out_s);

#endif
