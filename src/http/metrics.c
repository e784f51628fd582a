/* Metrics. Statuses fold into a fixed list of slots (the ones this API uses,
 * then "other") so the table is a flat array sized at start. */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static const int status_slots[] = { 200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404,
				    405, 409, 410, 413, 415, 422, 423, 429, 431, 500, 503 };
#define NSTATUS (sizeof(status_slots) / sizeof(status_slots[0]) + 1)

static const double bucket_s[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				   0.05,   0.1,   0.25,   0.5,   1,    2.5 };
#define NBUCKETS (sizeof(bucket_s) / sizeof(bucket_s[0]))

struct route_stats {
	atomic_ulong by_status[NSTATUS];
	atomic_ulong buckets[NBUCKETS + 1]; /* non-cumulative; last is +Inf */
	atomic_ullong sum_us;
};

struct metrics {
	const struct http_route *routes;
	size_t nroutes;
	struct route_stats *stats;
	atomic_long inflight;
};

struct metrics *metrics_new(const struct http_route *routes, size_t nroutes)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	m->routes = routes;
	m->nroutes = nroutes;
	m->stats = xcalloc(nroutes + 2, sizeof(*m->stats));
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->stats);
	free(m);
}

static size_t status_slot(int status)
{
	for (size_t i = 0; i < NSTATUS - 1; i++)
		if (status_slots[i] == status)
			return i;
	return NSTATUS - 1;
}

void metrics_observe(struct metrics *m, size_t route_index, int status, int64_t dur_us)
{
	if (route_index > m->nroutes + 1)
		route_index = m->nroutes + 1;
	struct route_stats *s = &m->stats[route_index];
	atomic_fetch_add_explicit(&s->by_status[status_slot(status)], 1, memory_order_relaxed);
	size_t b = 0;
	while (b < NBUCKETS && (double)dur_us / 1e6 > bucket_s[b])
		b++;
	atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, (unsigned long long)(dur_us > 0 ? dur_us : 0),
				  memory_order_relaxed);
}

void metrics_inflight_add(struct metrics *m, int delta)
{
	atomic_fetch_add(&m->inflight, delta);
}

long metrics_inflight(const struct metrics *m)
{
	return atomic_load(&((struct metrics *)m)->inflight);
}

static void route_label(const struct metrics *m, size_t i, struct sb *sb)
{
	if (i < m->nroutes) {
		sb_addf(sb, "method=\"%s\",route=\"", m->routes[i].method);
		sb_add_json_escaped(sb, m->routes[i].pattern, strlen(m->routes[i].pattern));
		sb_addc(sb, '"');
	} else {
		sb_addf(sb, "method=\"GET\",route=\"%s\"", i == m->nroutes ? "static" : "unmatched");
	}
}

void metrics_render(const struct metrics *m, struct sb *sb)
{
	struct metrics *mm = (struct metrics *)m;
	sb_adds(sb, "# HELP yizhan_http_requests_total HTTP requests by route and status.\n"
		    "# TYPE yizhan_http_requests_total counter\n");
	for (size_t i = 0; i < m->nroutes + 2; i++) {
		for (size_t s = 0; s < NSTATUS; s++) {
			unsigned long v = atomic_load_explicit(&mm->stats[i].by_status[s],
							       memory_order_relaxed);
			if (!v)
				continue;
			sb_adds(sb, "yizhan_http_requests_total{");
			route_label(m, i, sb);
			if (s < NSTATUS - 1)
				sb_addf(sb, ",status=\"%d\"} %lu\n", status_slots[s], v);
			else
				sb_addf(sb, ",status=\"other\"} %lu\n", v);
		}
	}
	sb_adds(sb, "# HELP yizhan_http_request_duration_seconds Time to answer, by route.\n"
		    "# TYPE yizhan_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < m->nroutes + 2; i++) {
		struct route_stats *st = &mm->stats[i];
		unsigned long total = 0;
		for (size_t b = 0; b <= NBUCKETS; b++)
			total += atomic_load_explicit(&st->buckets[b], memory_order_relaxed);
		if (!total)
			continue;
		unsigned long cum = 0;
		for (size_t b = 0; b <= NBUCKETS; b++) {
			cum += atomic_load_explicit(&st->buckets[b], memory_order_relaxed);
			sb_adds(sb, "yizhan_http_request_duration_seconds_bucket{");
			route_label(m, i, sb);
			if (b < NBUCKETS)
				sb_addf(sb, ",le=\"%g\"} %lu\n", bucket_s[b], cum);
			else
				sb_addf(sb, ",le=\"+Inf\"} %lu\n", cum);
		}
		sb_adds(sb, "yizhan_http_request_duration_seconds_sum{");
		route_label(m, i, sb);
		sb_addf(sb, "} %.6f\n",
			(double)atomic_load_explicit(&st->sum_us, memory_order_relaxed) / 1e6);
		sb_adds(sb, "yizhan_http_request_duration_seconds_count{");
		route_label(m, i, sb);
		sb_addf(sb, "} %lu\n", cum);
	}
	sb_addf(sb, "# HELP yizhan_http_requests_in_flight Requests being answered now.\n"
		    "# TYPE yizhan_http_requests_in_flight gauge\n"
		    "yizhan_http_requests_in_flight %ld\n", metrics_inflight(m));
}
