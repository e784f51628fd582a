/* Metrics. Statuses fold into a fixed list of slots (the ones this API uses,
 * then "other") so the table is a flat array sized at start. The table is
 * kept in a few shards, each thread counting in its own, so that two cores
 * counting requests do not pass the same cache lines back and forth; the
 * rendering sums the shards. */
#include "http/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static const int status_slots[] = { 200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405,
				    409, 410, 413, 414, 415, 422, 423, 429, 431, 500, 503 };
#define NSTATUS (sizeof(status_slots) / sizeof(status_slots[0]) + 1)

static const double bucket_s[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				   0.05,   0.1,	  0.25,	  0.5,	 1,    2.5 };
static const int64_t bucket_us[] = { 500,   1000,   2500,   5000,   10000,   25000,
				     50000, 100000, 250000, 500000, 1000000, 2500000 };
#define NBUCKETS (sizeof(bucket_s) / sizeof(bucket_s[0]))
#define NSHARDS	 8

struct route_stats {
	atomic_ulong by_status[NSTATUS];
	atomic_ulong buckets[NBUCKETS + 1]; /* non-cumulative; last is +Inf */
	atomic_ullong sum_us;
};

/* One thread's counters (threads share a shard only past NSHARDS of them). */
struct shard {
	struct route_stats *stats;
	_Alignas(64) atomic_long inflight;
	char pad[64 - sizeof(atomic_long)];
};

struct metrics {
	const struct http_route *routes;
	size_t nroutes;
	struct shard shards[NSHARDS];
	atomic_uint next_shard;
};

struct metrics *metrics_new(const struct http_route *routes, size_t nroutes)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	m->routes = routes;
	m->nroutes = nroutes;
	/* Each shard's table in its own allocation, rounded to cache lines. */
	size_t bytes = ((nroutes + 2) * sizeof(struct route_stats) + 63) & ~(size_t)63;
	for (size_t i = 0; i < NSHARDS; i++)
		m->shards[i].stats = xcalloc(1, bytes + 64);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < NSHARDS; i++)
		free(m->shards[i].stats);
	free(m);
}

/* The calling thread's shard: threads are numbered on their first count. */
static struct shard *my_shard(struct metrics *m)
{
	static _Thread_local unsigned thread_no;
	if (!thread_no)
		thread_no = atomic_fetch_add_explicit(&m->next_shard, 1, memory_order_relaxed) + 1;
	return &m->shards[(thread_no - 1) % NSHARDS];
}

static size_t status_slot(int status)
{
	if (status == 200)
		return 0;
	for (size_t i = 1; i < NSTATUS - 1; i++)
		if (status_slots[i] == status)
			return i;
	return NSTATUS - 1;
}

void metrics_observe(struct metrics *m, size_t route_index, int status, int64_t dur_us)
{
	if (route_index > m->nroutes + 1)
		route_index = m->nroutes + 1;
	struct route_stats *s = &my_shard(m)->stats[route_index];
	atomic_fetch_add_explicit(&s->by_status[status_slot(status)], 1, memory_order_relaxed);
	size_t b = 0;
	while (b < NBUCKETS && dur_us > bucket_us[b])
		b++;
	atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, (unsigned long long)(dur_us > 0 ? dur_us : 0),
				  memory_order_relaxed);
}

void metrics_inflight_add(struct metrics *m, int delta)
{
	atomic_fetch_add(&my_shard(m)->inflight, delta);
}

long metrics_inflight(const struct metrics *m)
{
	long n = 0;
	for (size_t i = 0; i < NSHARDS; i++)
		n += atomic_load(&((struct metrics *)m)->shards[i].inflight);
	return n;
}

static unsigned long sum_status(const struct metrics *m, size_t route, size_t slot)
{
	unsigned long v = 0;
	for (size_t i = 0; i < NSHARDS; i++)
		v += atomic_load_explicit(&m->shards[i].stats[route].by_status[slot],
					  memory_order_relaxed);
	return v;
}

static unsigned long sum_bucket(const struct metrics *m, size_t route, size_t b)
{
	unsigned long v = 0;
	for (size_t i = 0; i < NSHARDS; i++)
		v += atomic_load_explicit(&m->shards[i].stats[route].buckets[b],
					  memory_order_relaxed);
	return v;
}

static unsigned long long sum_us(const struct metrics *m, size_t route)
{
	unsigned long long v = 0;
	for (size_t i = 0; i < NSHARDS; i++)
		v += atomic_load_explicit(&m->shards[i].stats[route].sum_us, memory_order_relaxed);
	return v;
}

static void route_label(const struct metrics *m, size_t i, struct sb *sb)
{
	if (i < m->nroutes) {
		sb_addf(sb, "method=\"%s\",route=\"", m->routes[i].method);
		sb_add_json_escaped(sb, m->routes[i].pattern, strlen(m->routes[i].pattern));
		sb_addc(sb, '"');
	} else {
		sb_addf(sb, "method=\"GET\",route=\"%s\"",
			i == m->nroutes ? "static" : "unmatched");
	}
}

void metrics_render(const struct metrics *m, struct sb *sb)
{
	sb_adds(sb, "# HELP yizhan_http_requests_total HTTP requests by route and status.\n"
		    "# TYPE yizhan_http_requests_total counter\n");
	for (size_t i = 0; i < m->nroutes + 2; i++) {
		for (size_t s = 0; s < NSTATUS; s++) {
			unsigned long v = sum_status(m, i, s);
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
		unsigned long total = 0;
		for (size_t b = 0; b <= NBUCKETS; b++)
			total += sum_bucket(m, i, b);
		if (!total)
			continue;
		unsigned long cum = 0;
		for (size_t b = 0; b <= NBUCKETS; b++) {
			cum += sum_bucket(m, i, b);
			sb_adds(sb, "yizhan_http_request_duration_seconds_bucket{");
			route_label(m, i, sb);
			if (b < NBUCKETS)
				sb_addf(sb, ",le=\"%g\"} %lu\n", bucket_s[b], cum);
			else
				sb_addf(sb, ",le=\"+Inf\"} %lu\n", cum);
		}
		sb_adds(sb, "yizhan_http_request_duration_seconds_sum{");
		route_label(m, i, sb);
		sb_addf(sb, "} %.6f\n", (double)sum_us(m, i) / 1e6);
		sb_adds(sb, "yizhan_http_request_duration_seconds_count{");
		route_label(m, i, sb);
		sb_addf(sb, "} %lu\n", cum);
	}
	sb_addf(sb,
		"# HELP yizhan_http_requests_in_flight Requests being answered now.\n"
		"# TYPE yizhan_http_requests_in_flight gauge\n"
		"yizhan_http_requests_in_flight %ld\n",
		metrics_inflight(m));
}
