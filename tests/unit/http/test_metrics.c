/* Tests of src/http/metrics.c: counts kept per thread add up to the same
 * Prometheus text, however many threads counted. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http/metrics.h"

static void h(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	(void)resp;
}

static const struct http_route routes[] = {
	{ "GET", "/healthz", h },
	{ "GET", "/api/v1/stations/nearby", h },
};
#define NROUTES	   (sizeof(routes) / sizeof(routes[0]))
#define NTHREADS   12 /* more than the shards, so some share one */
#define PER_THREAD 5000

static void *count(void *arg)
{
	struct metrics *m = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		metrics_inflight_add(m, 1);
		metrics_observe(m, 1, i % 10 ? 200 : 404, i % 2 ? 300 : 3000);
		metrics_inflight_add(m, -1);
	}
	metrics_inflight_add(m, 1); /* one left in flight by each thread */
	return NULL;
}

static void expect_line(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("no line \"%s\" in:\n%s", line, text);
}

static void test_metrics__counts_from_many_threads_add_up(void **state)
{
	(void)state;
	struct metrics *m = metrics_new(routes, NROUTES);
	pthread_t t[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, count, m);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	metrics_observe(m, NROUTES + 7, 999, 10); /* out of range: "unmatched", "other" */
	struct sb sb = SB_INIT;
	metrics_render(m, &sb);
	const char *text = sb_str(&sb);
	char line[256];
	int total = NTHREADS * PER_THREAD;
	snprintf(line, sizeof(line),
		 "yizhan_http_requests_total{method=\"GET\",route=\"/api/v1/stations/nearby\","
		 "status=\"200\"} %d\n",
		 total / 10 * 9);
	expect_line(text, line);
	snprintf(line, sizeof(line),
		 "yizhan_http_requests_total{method=\"GET\",route=\"/api/v1/stations/nearby\","
		 "status=\"404\"} %d\n",
		 total / 10);
	expect_line(text, line);
	expect_line(text, "yizhan_http_requests_total{method=\"GET\",route=\"unmatched\","
			  "status=\"other\"} 1\n");
	/* 300 µs falls in the first bucket (0.5 ms), 3000 µs in 0.005. */
	snprintf(line, sizeof(line),
		 "yizhan_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/"
		 "stations/nearby\",le=\"0.0005\"} %d\n",
		 total / 2);
	expect_line(text, line);
	snprintf(line, sizeof(line),
		 "yizhan_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/"
		 "stations/nearby\",le=\"0.0025\"} %d\n",
		 total / 2);
	expect_line(text, line);
	snprintf(line, sizeof(line),
		 "yizhan_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/"
		 "stations/nearby\",le=\"0.005\"} %d\n",
		 total);
	expect_line(text, line);
	snprintf(line, sizeof(line),
		 "yizhan_http_request_duration_seconds_sum{method=\"GET\",route=\"/api/v1/"
		 "stations/nearby\"} %.6f\n",
		 (double)total / 2 * (300 + 3000) / 1e6);
	expect_line(text, line);
	snprintf(line, sizeof(line), "yizhan_http_requests_in_flight %d\n", NTHREADS);
	expect_line(text, line);
	assert_int_equal(metrics_inflight(m), NTHREADS);
	sb_release(&sb);
	metrics_free(m);
}

static void test_metrics__a_request_exactly_on_a_bound_falls_in_that_bucket(void **state)
{
	(void)state;
	struct metrics *m = metrics_new(routes, NROUTES);
	metrics_observe(m, 0, 200, 1000); /* le="0.001" is inclusive */
	struct sb sb = SB_INIT;
	metrics_render(m, &sb);
	expect_line(sb_str(&sb), "yizhan_http_request_duration_seconds_bucket{method=\"GET\","
				 "route=\"/healthz\",le=\"0.0005\"} 0\n");
	expect_line(sb_str(&sb), "yizhan_http_request_duration_seconds_bucket{method=\"GET\","
				 "route=\"/healthz\",le=\"0.001\"} 1\n");
	sb_release(&sb);
	metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics__counts_from_many_threads_add_up),
		cmocka_unit_test(test_metrics__a_request_exactly_on_a_bound_falls_in_that_bucket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
