/* Logging. The state below is process-wide by nature (one standard error per
 * process); it is set once by log_open() before threads start and guarded by
 * a mutex afterwards. A full buffer is written by the thread that filled it,
 * so a burst can never grow memory without bound. */
#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/sb.h"

#define LOG_BUF_BYTES (256 * 1024)

static struct {
	int fd;
	enum log_level min;
	bool buffered;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t flusher;
	char *buf;
	size_t len;
} lg = { .fd = 2, .min = LOG_INFO, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static char lg_static_buf[LOG_BUF_BYTES];

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Called with lg.mu held. */
static void flush_locked(void)
{
	if (lg.len)
		write_all(lg.fd, lg.buf, lg.len);
	lg.len = 0;
}

static void *flusher_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lg.mu);
	while (lg.running) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&lg.cv, &lg.mu, &ts);
		flush_locked();
	}
	flush_locked();
	pthread_mutex_unlock(&lg.mu);
	return NULL;
}

void log_open(int fd, enum log_level min, bool buffered)
{
	lg.fd = fd;
	lg.min = min;
	lg.buf = lg_static_buf;
	lg.len = 0;
	lg.buffered = buffered;
	if (buffered) {
		lg.running = true;
		pthread_create(&lg.flusher, NULL, flusher_main, NULL);
	}
}

void log_close(void)
{
	if (lg.running) {
		pthread_mutex_lock(&lg.mu);
		lg.running = false;
		pthread_cond_signal(&lg.cv);
		pthread_mutex_unlock(&lg.mu);
		pthread_join(lg.flusher, NULL);
	}
	lg.buffered = false;
	log_flush();
}

void log_flush(void)
{
	pthread_mutex_lock(&lg.mu);
	flush_locked();
	pthread_mutex_unlock(&lg.mu);
}

int log_level_parse(const char *s)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void log_line(const char *line, size_t len)
{
	pthread_mutex_lock(&lg.mu);
	if (!lg.buf)
		lg.buf = lg_static_buf;
	if (!lg.buffered || lg.len + len + 1 > LOG_BUF_BYTES)
		flush_locked();
	if (!lg.buffered || len + 1 > LOG_BUF_BYTES) {
		write_all(lg.fd, line, len);
		write_all(lg.fd, "\n", 1);
	} else {
		memcpy(lg.buf + lg.len, line, len);
		lg.buf[lg.len + len] = '\n';
		lg.len += len + 1;
	}
	pthread_mutex_unlock(&lg.mu);
}

const char *log_now_rfc3339(void)
{
	/* Each thread its own copy, so no lock: formatting the date is the
	 * dearest part of a short line, and it changes once a second. */
	static _Thread_local int64_t cached_s = -1;
	static _Thread_local char cached[32];
	int64_t now = clock_now_s();
	if (now != cached_s) {
		clock_rfc3339(now, cached);
		cached_s = now;
	}
	return cached;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

void log_mask_phones(char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (!is_digit(s[i])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < len && is_digit(s[j]))
			j++;
		if (j - i == 11 && s[i] == '1' && s[i + 1] >= '3' && s[i + 1] <= '9')
			memset(s + i + 3, '*', 4);
		i = j;
	}
}

void log_msg(enum log_level level, const char *req_id, const char *event, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error", "fatal" };
	if (level < lg.min)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	size_t mlen = n < 0 ? 0 : ((size_t)n >= sizeof(msg) ? sizeof(msg) - 1 : (size_t)n);
	log_mask_phones(msg, mlen);

	struct sb sb = SB_INIT;
	sb_addlit(&sb, "{\"ts\":\"");
	sb_adds(&sb, log_now_rfc3339());
	sb_addlit(&sb, "\",\"level\":\"");
	sb_adds(&sb, names[level]);
	sb_addc(&sb, '"');
	if (req_id && *req_id) {
		sb_adds(&sb, ",\"req\":\"");
		sb_add_json_escaped(&sb, req_id, strlen(req_id));
		sb_addc(&sb, '"');
	}
	sb_adds(&sb, ",\"event\":\"");
	sb_add_json_escaped(&sb, event, strlen(event));
	sb_adds(&sb, "\",\"msg\":\"");
	sb_add_json_escaped(&sb, msg, mlen);
	sb_adds(&sb, "\"}");
	log_line(sb_str(&sb), sb.len);
	sb_release(&sb);
}
