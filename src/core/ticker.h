/* A ticker: a background thread that calls a function at a fixed interval
 * until it is stopped. For the server's housekeeping (expiring stored
 * answers, closing connections past their deadline), which must neither
 * run on a request's thread nor outlive the server. */
#ifndef YZ_CORE_TICKER_H
#define YZ_CORE_TICKER_H

#include <stdint.h>

struct ticker;

/* Starts a thread that calls fn(arg) every interval_ms (the first call one
 * interval after the start) until ticker_stop(). fn runs on that thread
 * only, never twice at once. Start it after blocking the signals the
 * process waits for: the thread inherits the mask. Returns a *new* ticker;
 * aborts if no thread can be made (exhaustion). */
struct ticker *ticker_start(int64_t interval_ms, void (*fn)(void *arg), void *arg);
/* Wakes the thread, waits for a call in progress to return, joins the
 * thread and frees t. After it returns fn is not running and will not run.
 * NULL is a no-op. */
void ticker_stop(struct ticker *t);

#endif
