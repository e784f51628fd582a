/* The one logging module (after OpenBSD's log.c): JSON lines on standard
 * error, a level per line, the request id when there is one, and phone
 * numbers masked before a line is written. Lines are buffered and written by
 * a background flusher so request threads never make a syscall to log.
 * Thread-safe. log_open() is called once at start, log_close() at exit. */
#ifndef YZ_CORE_LOG_H
#define YZ_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL };

/* Starts logging to fd at min level; buffered: flush every 200 ms from a
 * background thread (for servers) instead of writing each line at once. */
void log_open(int fd, enum log_level min, bool buffered);
/* Flushes and stops the flusher. Safe to call when never opened. */
void log_close(void);
/* Writes what is buffered now. */
void log_flush(void);
/* Parses "debug|info|warn|error"; returns -1 if unknown. */
int log_level_parse(const char *s);

/* One line: {"ts":…,"level":…,"req":…,"event":…,"msg":…}. req may be NULL.
 * The formatted message is masked (phones) and JSON-escaped. */
void log_msg(enum log_level level, const char *req_id, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Appends a complete JSON object line (no trailing newline needed) as is:
 * the caller has masked it already. Used by the access log. */
void log_line(const char *line, size_t len);

/* The current second in RFC 3339 (as clock_rfc3339 writes it), formatted
 * once a second per thread: *borrowed*, valid on the calling thread until
 * its next call. */
const char *log_now_rfc3339(void);

/* Masks every mainland mobile number in s (11 digits, 1[3-9]…, not part of a
 * longer digit run) in place: 13812341234 → 138****1234. */
void log_mask_phones(char *s, size_t len);

#define log_info(req, event, ...)  log_msg(LOG_INFO, req, event, __VA_ARGS__)
#define log_warn(req, event, ...)  log_msg(LOG_WARN, req, event, __VA_ARGS__)
#define log_error(req, event, ...) log_msg(LOG_ERROR, req, event, __VA_ARGS__)
#define log_debug(req, event, ...) log_msg(LOG_DEBUG, req, event, __VA_ARGS__)

#endif
