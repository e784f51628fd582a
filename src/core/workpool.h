/* The work pool: a fixed set of threads and a bounded queue for work too
 * expensive for the threads that answer requests (hashing a password,
 * decoding a photo). Submitting never waits: when the queue is full the
 * caller is told so at once and answers "come back later" itself. The
 * threads run at a lower scheduling priority than the rest of the process,
 * so a cheap request that arrives while every core hashes still runs first.
 * Knows nothing of HTTP. */
#ifndef YZ_CORE_WORKPOOL_H
#define YZ_CORE_WORKPOOL_H

#include <stddef.h>
#include <stdint.h>

struct workpool;

typedef void (*workpool_fn)(void *arg);

struct workpool_config {
	unsigned threads; /* 0: one fewer than the cores, at least one */
	size_t queue_max; /* jobs that may wait for a thread; 0: 16 per thread */
	int nice;	  /* added to the threads' nice value (0: same as the process) */
};

enum workpool_result { WORKPOOL_QUEUED, WORKPOOL_FULL };

struct workpool_stats {
	unsigned threads;
	size_t queue_max;
	size_t waiting;	   /* jobs in the queue now */
	size_t running;	   /* jobs on a thread now */
	uint64_t done;	   /* jobs finished since start */
	uint64_t rejected; /* submissions refused because the queue was full */
	int64_t job_us;	   /* a recent job's typical duration (moving average) */
};

/* The threads a pool gets by default: one fewer than the cores, at least
 * one. */
unsigned workpool_default_threads(void);
/* Starts the threads. Returns a *new* pool; aborts if no thread can start. */
struct workpool *workpool_new(const struct workpool_config *cfg);
/* Refuses new jobs from now on, runs every job still queued and returns
 * once the threads have ended. The pool stays valid (submissions are
 * refused) until workpool_free. Calling it again does nothing. Not to be
 * called from a pool thread. */
void workpool_stop(struct workpool *wp);
/* Stops the pool if it still runs (workpool_stop) and frees it.
 * workpool_free(NULL) is a no-op. */
void workpool_free(struct workpool *wp);
/* Queues fn(arg) to run on a pool thread. WORKPOOL_FULL when queue_max jobs
 * already wait, or the pool is stopping: fn will not run, and arg stays the
 * caller's. Never blocks for longer than a lock. Thread-safe. */
enum workpool_result workpool_submit(struct workpool *wp, workpool_fn fn, void *arg);
/* Fills out with the pool's counts. Thread-safe. */
void workpool_stats(struct workpool *wp, struct workpool_stats *out);
/* Whole seconds until a job submitted now would likely have run, from the
 * queue's length and the recent jobs' duration: a Retry-After for a refused
 * submission. From 1 to 60. Thread-safe. */
int workpool_retry_after_s(struct workpool *wp);

#endif
