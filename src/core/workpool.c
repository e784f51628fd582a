/* The work pool: one mutex guards a ring of waiting jobs and the counts; idle
 * threads sleep on a condition variable. Jobs are few and long (tens to
 * hundreds of milliseconds each), so one lock is no bottleneck. */
#include "core/workpool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"

#define WORKPOOL_QUEUE_PER_THREAD 16
#define RETRY_AFTER_MAX_S	  60

struct job {
	workpool_fn fn;
	void *arg;
};

struct workpool {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	struct job *ring; /* queue_max slots */
	size_t queue_max;
	size_t head, waiting; /* the oldest job, and how many wait */
	size_t running;
	uint64_t done, rejected;
	int64_t job_us; /* moving average of a job's duration */
	bool stopping;
	bool joined; /* the threads have ended (workpool_stop) */
	int nice;
	unsigned nthreads;
	pthread_t *threads;
};

static void *worker(void *arg)
{
	struct workpool *wp = arg;
	pthread_setname_np(pthread_self(), "yz-work");
	/* Linux keeps a nice value per thread: this lowers only this one, so
	 * the request threads win the cores whenever they have something to
	 * do, and the pool takes what is left. */
	if (wp->nice) {
		id_t tid = (id_t)syscall(SYS_gettid);
		errno = 0;
		int base = getpriority(PRIO_PROCESS, tid);
		if ((base == -1 && errno) || setpriority(PRIO_PROCESS, tid, base + wp->nice) != 0)
			log_warn(NULL, "workpool", "cannot lower a work thread's priority");
	}
	pthread_mutex_lock(&wp->mu);
	for (;;) {
		while (!wp->waiting && !wp->stopping)
			pthread_cond_wait(&wp->wake, &wp->mu);
		if (!wp->waiting)
			break; /* stopping, and nothing is left to run */
		struct job job = wp->ring[wp->head];
		wp->head = (wp->head + 1) % wp->queue_max;
		wp->waiting--;
		wp->running++;
		pthread_mutex_unlock(&wp->mu);
		int64_t t0 = clock_mono_us();
		job.fn(job.arg);
		int64_t dur_us = clock_mono_us() - t0;
		pthread_mutex_lock(&wp->mu);
		wp->running--;
		wp->done++;
		/* An eighth of the newest: follows a change within a few dozen
		 * jobs, and one odd job moves it little. */
		wp->job_us = wp->job_us ? wp->job_us + (dur_us - wp->job_us) / 8 : dur_us;
	}
	pthread_mutex_unlock(&wp->mu);
	return NULL;
}

unsigned workpool_default_threads(void)
{
	/* One core fewer than the machine has, so one is always free for the
	 * cheap requests however many expensive ones queue up. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores > 1 ? (unsigned)cores - 1 : 1;
}

struct workpool *workpool_new(const struct workpool_config *cfg)
{
	struct workpool *wp = xcalloc(1, sizeof(*wp));
	unsigned n = cfg->threads ? cfg->threads : workpool_default_threads();
	wp->nthreads = n;
	wp->queue_max = cfg->queue_max ? cfg->queue_max : (size_t)n * WORKPOOL_QUEUE_PER_THREAD;
	wp->ring = xcalloc(wp->queue_max, sizeof(*wp->ring));
	wp->nice = cfg->nice;
	pthread_mutex_init(&wp->mu, NULL);
	pthread_cond_init(&wp->wake, NULL);
	wp->threads = xcalloc(n, sizeof(*wp->threads));
	for (unsigned i = 0; i < n; i++)
		if (pthread_create(&wp->threads[i], NULL, worker, wp) != 0)
			abort(); /* out of threads: exhaustion, like out of memory */
	return wp;
}

void workpool_stop(struct workpool *wp)
{
	pthread_mutex_lock(&wp->mu);
	wp->stopping = true;
	pthread_cond_broadcast(&wp->wake);
	bool joined = wp->joined;
	wp->joined = true;
	pthread_mutex_unlock(&wp->mu);
	if (joined)
		return;
	for (unsigned i = 0; i < wp->nthreads; i++)
		pthread_join(wp->threads[i], NULL);
}

void workpool_free(struct workpool *wp)
{
	if (!wp)
		return;
	workpool_stop(wp);
	pthread_cond_destroy(&wp->wake);
	pthread_mutex_destroy(&wp->mu);
	free(wp->threads);
	free(wp->ring);
	free(wp);
}

enum workpool_result workpool_submit(struct workpool *wp, workpool_fn fn, void *arg)
{
	pthread_mutex_lock(&wp->mu);
	if (wp->waiting == wp->queue_max || wp->stopping) {
		wp->rejected++;
		pthread_mutex_unlock(&wp->mu);
		return WORKPOOL_FULL;
	}
	wp->ring[(wp->head + wp->waiting) % wp->queue_max] = (struct job){ fn, arg };
	wp->waiting++;
	pthread_cond_signal(&wp->wake);
	pthread_mutex_unlock(&wp->mu);
	return WORKPOOL_QUEUED;
}

void workpool_stats(struct workpool *wp, struct workpool_stats *out)
{
	pthread_mutex_lock(&wp->mu);
	*out = (struct workpool_stats){
		.threads = wp->nthreads,
		.queue_max = wp->queue_max,
		.waiting = wp->waiting,
		.running = wp->running,
		.done = wp->done,
		.rejected = wp->rejected,
		.job_us = wp->job_us,
	};
	pthread_mutex_unlock(&wp->mu);
}

int workpool_retry_after_s(struct workpool *wp)
{
	struct workpool_stats st;
	workpool_stats(wp, &st);
	/* Everything ahead shares the threads: (waiting + running) jobs of the
	 * usual length, n at a time. */
	int64_t us = (int64_t)(st.waiting + st.running) * st.job_us / st.threads;
	int64_t s = (us + 999999) / 1000000;
	return s < 1 ? 1 : s > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : (int)s;
}
