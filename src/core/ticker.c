/* The ticker waits on a condition variable with a monotonic deadline, so a
 * stop wakes it at once and a change of the wall clock does not. */
#include "core/ticker.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "core/xalloc.h"

struct ticker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	int64_t interval_ms;
	void (*fn)(void *arg);
	void *arg;
};

static struct timespec deadline_after(int64_t ms)
{
	struct timespec at;
	clock_gettime(CLOCK_MONOTONIC, &at);
	at.tv_sec += (time_t)(ms / 1000);
	at.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (at.tv_nsec >= 1000000000L) {
		at.tv_sec++;
		at.tv_nsec -= 1000000000L;
	}
	return at;
}

static void *run(void *p)
{
	struct ticker *t = p;
	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		struct timespec at = deadline_after(t->interval_ms);
		int rc = 0;
		while (!t->stop && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&t->cv, &t->mu, &at);
		if (t->stop)
			break;
		pthread_mutex_unlock(&t->mu);
		t->fn(t->arg);
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

struct ticker *ticker_start(int64_t interval_ms, void (*fn)(void *arg), void *arg)
{
	struct ticker *t = xcalloc(1, sizeof(*t));
	t->interval_ms = interval_ms > 0 ? interval_ms : 1;
	t->fn = fn;
	t->arg = arg;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&t->mu, NULL);
	if (pthread_create(&t->thread, NULL, run, t) != 0)
		abort();
	return t;
}

void ticker_stop(struct ticker *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
