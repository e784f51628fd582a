/* The watcher runs every quarter of the deadline (between 50 ms and 1 s),
 * so a connection is closed at most that much past it, unless the kernel
 * holds bytes of it the server has not read yet: a busy server is not a
 * slow client. Closing is a
 * shutdown(2), not a close(2): the socket stays libmicrohttpd's, whose next
 * read sees the end and which then closes and forgets the connection the
 * usual way. The list's mutex is held while shutting a socket down, and a
 * connection leaves the list (deadline_conn_close) before libmicrohttpd
 * closes its socket, so the descriptor is never one reused by another. */
#include "http/deadline.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/ticker.h"
#include "core/xalloc.h"

/* The kernel counts time in ticks of up to 4 ms: bytes seen within this
 * much of the last answer are taken as that request's. */
#define SAME_REQUEST_MS 20

struct deadlines {
	int64_t timeout_ms;
	pthread_mutex_t mu;
	struct deadline_conn *head;
	struct ticker *ticker;
};

static int64_t now_ms(void)
{
	return clock_mono_us() / 1000;
}

/* When the socket last received data (ms, monotonic), or -1. */
static int64_t last_receive_ms(int fd, int64_t now)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return -1;
	return now - (int64_t)ti.tcpi_last_data_recv;
}

static void watch(struct deadlines *d, struct deadline_conn *c, int64_t now)
{
	int64_t since = atomic_load_explicit(&c->since_ms, memory_order_relaxed);
	if (since == 0 || c->closed)
		return;
	if (since != c->seen_ms) {
		c->seen_ms = since;
		c->head_from_ms = since > 0 ? since : 0;
	}
	if (!c->head_from_ms) {
		int64_t got = last_receive_ms(c->fd, now);
		if (got < 0)
			got = now; /* cannot tell: start the clock */
		if (got <= -since + SAME_REQUEST_MS)
			return; /* idle: the idle timeout's business */
		c->head_from_ms = got;
	}
	if (now - c->head_from_ms <= d->timeout_ms)
		return;
	/* Bytes the kernel holds that libmicrohttpd has not read yet mean the
	 * server is behind (its thread busy with another request), not the
	 * client: wait until they are read. */
	int unread = 0;
	if (ioctl(c->fd, FIONREAD, &unread) == 0 && unread > 0)
		return;
	c->closed = true;
	shutdown(c->fd, SHUT_RDWR);
	log_info(NULL, "header-timeout",
		 "closed a connection from %s: no request header within %lld ms", c->ip,
		 (long long)d->timeout_ms);
}

static void tick(void *arg)
{
	struct deadlines *d = arg;
	int64_t now = now_ms();
	pthread_mutex_lock(&d->mu);
	for (struct deadline_conn *c = d->head; c; c = c->next)
		watch(d, c, now);
	pthread_mutex_unlock(&d->mu);
}

struct deadlines *deadlines_start(int64_t timeout_ms)
{
	struct deadlines *d = xcalloc(1, sizeof(*d));
	d->timeout_ms = timeout_ms;
	pthread_mutex_init(&d->mu, NULL);
	int64_t every = timeout_ms / 4;
	d->ticker = ticker_start(every < 50 ? 50 : every > 1000 ? 1000 : every, tick, d);
	return d;
}

void deadlines_free(struct deadlines *d)
{
	if (!d)
		return;
	ticker_stop(d->ticker);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

void deadline_conn_open(struct deadlines *d, struct deadline_conn *c, int fd, const char *ip)
{
	c->fd = fd;
	c->ip = ip;
	c->closed = false;
	c->seen_ms = c->head_from_ms = 0;
	atomic_store_explicit(&c->since_ms, now_ms(), memory_order_relaxed);
	pthread_mutex_lock(&d->mu);
	c->prev = NULL;
	c->next = d->head;
	if (d->head)
		d->head->prev = c;
	d->head = c;
	pthread_mutex_unlock(&d->mu);
}

void deadline_conn_close(struct deadlines *d, struct deadline_conn *c)
{
	pthread_mutex_lock(&d->mu);
	if (c->prev)
		c->prev->next = c->next;
	else if (d->head == c)
		d->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	pthread_mutex_unlock(&d->mu);
}

void deadline_conn_busy(struct deadline_conn *c)
{
	atomic_store_explicit(&c->since_ms, 0, memory_order_relaxed);
}

void deadline_conn_idle(struct deadline_conn *c)
{
	int64_t now = now_ms();
	atomic_store_explicit(&c->since_ms, now > 0 ? -now : -1, memory_order_relaxed);
}
