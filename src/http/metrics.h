/* Request counters and latency histograms per route and status, kept in
 * relaxed atomics so counting costs no lock and no syscall; rendered in the
 * Prometheus text format on demand. */
#ifndef YZ_HTTP_METRICS_H
#define YZ_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/sb.h"
#include "http/http.h"

struct metrics;

/* Returns *new* metrics for nroutes routes plus the pseudo-routes "static"
 * and "unmatched" (indices nroutes and nroutes + 1). */
struct metrics *metrics_new(const struct http_route *routes, size_t nroutes);
void metrics_free(struct metrics *m);
/* Counts one finished request. Thread-safe, lock-free. */
void metrics_observe(struct metrics *m, size_t route_index, int status, int64_t dur_us);
/* Appends the Prometheus text exposition (version 0.0.4) to sb. */
void metrics_render(const struct metrics *m, struct sb *sb);
void metrics_inflight_add(struct metrics *m, int delta);
long metrics_inflight(const struct metrics *m);

#endif
