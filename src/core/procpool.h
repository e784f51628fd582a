/* The process pool: helper processes, each running one function on one
 * message at a time, for work whose side effects on a process must not
 * reach the threads that answer requests. Hashing a password with Argon2id
 * maps 64 MiB and fills it in (MAP_POPULATE) while holding the process's
 * memory-map lock for tens of milliseconds; a request thread that maps or
 * unmaps anything meanwhile (libmicrohttpd does for every new connection)
 * waits that long. A helper has a memory map of its own. Knows nothing of
 * passwords. */
#ifndef YZ_CORE_PROCPOOL_H
#define YZ_CORE_PROCPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct procpool;

/* Runs in a helper: answers the request req (req_len bytes) in resp (at most
 * resp_cap bytes) and returns the answer's length (0 is an answer too). */
typedef size_t (*procpool_fn)(const char *req, size_t req_len, char *resp, size_t resp_cap);

struct procpool_config {
	unsigned procs;	      /* helper processes: at most this many calls run at once */
	procpool_fn fn;	      /* what a helper runs on each request */
	size_t msg_max_bytes; /* the longest request and the longest answer */
	int nice;	      /* added to the caller's nice value for the helpers */
};

/* Forks cfg->procs helpers. Each closes every file descriptor it inherited
 * (but standard input, output and error), ignores SIGINT, SIGTERM and
 * SIGPIPE, runs in a session of its own at cfg->nice below the calling
 * thread's priority (a helper forked again later too) and ends when the
 * pool is freed or the thread that forked it ends. Start it before other threads,
 * so that the helpers begin as small copies of a process that holds no
 * lock. Returns a *new* pool; NULL if a helper could not be forked. */
struct procpool *procpool_new(const struct procpool_config *cfg);
/* Ends the helpers and frees the pool; no call may be running.
 * procpool_free(NULL) is a no-op. */
void procpool_free(struct procpool *pp);
/* Runs cfg->fn(req) in a free helper, waiting for one if all are busy, and
 * copies its answer to resp. Returns the answer's length; -1 if req is
 * longer than msg_max_bytes, the answer longer than resp_cap, or no helper
 * could run it (a helper that dies is replaced by a new fork and the
 * request sent again, once). Thread-safe. */
ssize_t procpool_call(struct procpool *pp, const char *req, size_t req_len, char *resp,
		      size_t resp_cap);
/* Helpers started again after one had died, since the pool started.
 * Thread-safe. */
unsigned long procpool_restarts(struct procpool *pp);

#endif
