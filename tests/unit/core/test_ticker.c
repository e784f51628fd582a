/* Tests of src/core/ticker.c: the background thread of the server's
 * housekeeping calls its function at its interval and stops at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/clock.h"
#include "core/ticker.h"

static void count(void *arg)
{
	atomic_fetch_add((atomic_int *)arg, 1);
}

static void test_ticker__calls_its_function_at_each_interval(void **state)
{
	(void)state;
	atomic_int n = 0;
	int64_t t0 = clock_mono_us();
	struct ticker *t = ticker_start(20, count, &n);
	/* Wait for three calls, however busy the machine is (10 s at most). */
	while (atomic_load(&n) < 3 && clock_mono_us() - t0 < 10 * 1000 * 1000)
		usleep(5 * 1000);
	ticker_stop(t);
	int64_t elapsed_ms = (clock_mono_us() - t0) / 1000;
	int calls = atomic_load(&n);
	assert_true(calls >= 3);
	/* Never more often than its interval. */
	assert_true(calls <= elapsed_ms / 20 + 1);
	usleep(60 * 1000);
	assert_int_equal(atomic_load(&n), calls); /* none after the stop */
}

static void test_ticker__stops_at_once_without_waiting_out_its_interval(void **state)
{
	(void)state;
	atomic_int n = 0;
	struct ticker *t = ticker_start(60 * 60 * 1000, count, &n);
	int64_t t0 = clock_mono_us();
	ticker_stop(t);
	assert_true(clock_mono_us() - t0 < 500 * 1000);
	assert_int_equal(atomic_load(&n), 0);
	ticker_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticker__calls_its_function_at_each_interval),
		cmocka_unit_test(test_ticker__stops_at_once_without_waiting_out_its_interval),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
