/* Tests of src/core/workpool.c: every queued job runs, never more at once
 * than there are threads, a full queue refuses at once, and freeing the pool
 * runs what is still queued, and the threads run at the priority asked for. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/workpool.h"

/* What the jobs of one test share. A job waits at the gate while it is
 * closed, so a test can hold the threads busy. */
struct shared {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool gate_open;
	atomic_int started, finished, now, most;
};

static void shared_init(struct shared *sh, bool gate_open)
{
	pthread_mutex_init(&sh->mu, NULL);
	pthread_cond_init(&sh->cv, NULL);
	sh->gate_open = gate_open;
	atomic_init(&sh->started, 0);
	atomic_init(&sh->finished, 0);
	atomic_init(&sh->now, 0);
	atomic_init(&sh->most, 0);
}

static void shared_release(struct shared *sh)
{
	pthread_cond_destroy(&sh->cv);
	pthread_mutex_destroy(&sh->mu);
}

static void open_gate(struct shared *sh)
{
	pthread_mutex_lock(&sh->mu);
	sh->gate_open = true;
	pthread_cond_broadcast(&sh->cv);
	pthread_mutex_unlock(&sh->mu);
}

static void job(void *arg)
{
	struct shared *sh = arg;
	atomic_fetch_add(&sh->started, 1);
	int now = atomic_fetch_add(&sh->now, 1) + 1;
	int most = atomic_load(&sh->most);
	while (now > most && !atomic_compare_exchange_weak(&sh->most, &most, now))
		;
	pthread_mutex_lock(&sh->mu);
	while (!sh->gate_open)
		pthread_cond_wait(&sh->cv, &sh->mu);
	pthread_mutex_unlock(&sh->mu);
	usleep(200);
	atomic_fetch_sub(&sh->now, 1);
	atomic_fetch_add(&sh->finished, 1);
}

static void wait_started(struct shared *sh, int n)
{
	for (int i = 0; i < 5000 && atomic_load(&sh->started) < n; i++)
		usleep(1000);
	assert_int_equal(atomic_load(&sh->started), n);
}

static void test_workpool__runs_every_job_and_never_more_at_once_than_its_threads(void **state)
{
	(void)state;
	struct shared sh;
	shared_init(&sh, true);
	struct workpool_config cfg = { .threads = 3, .queue_max = 500 };
	struct workpool *wp = workpool_new(&cfg);
	for (int i = 0; i < 300; i++)
		assert_int_equal(workpool_submit(wp, job, &sh), WORKPOOL_QUEUED);
	workpool_free(wp);
	assert_int_equal(atomic_load(&sh.finished), 300);
	assert_true(atomic_load(&sh.most) >= 1 && atomic_load(&sh.most) <= 3);
	shared_release(&sh);
}

static void test_workpool__refuses_at_once_when_the_queue_is_full(void **state)
{
	(void)state;
	struct shared sh;
	shared_init(&sh, false);
	struct workpool_config cfg = { .threads = 2, .queue_max = 3 };
	struct workpool *wp = workpool_new(&cfg);
	/* Two jobs hold both threads at the gate; three more fill the queue. */
	assert_int_equal(workpool_submit(wp, job, &sh), WORKPOOL_QUEUED);
	assert_int_equal(workpool_submit(wp, job, &sh), WORKPOOL_QUEUED);
	wait_started(&sh, 2);
	for (int i = 0; i < 3; i++)
		assert_int_equal(workpool_submit(wp, job, &sh), WORKPOOL_QUEUED);
	assert_int_equal(workpool_submit(wp, job, &sh), WORKPOOL_FULL);
	assert_int_equal(workpool_submit(wp, job, &sh), WORKPOOL_FULL);

	struct workpool_stats st;
	workpool_stats(wp, &st);
	assert_int_equal(st.threads, 2);
	assert_int_equal(st.queue_max, 3);
	assert_int_equal(st.running, 2);
	assert_int_equal(st.waiting, 3);
	assert_int_equal(st.rejected, 2);
	int retry = workpool_retry_after_s(wp);
	assert_true(retry >= 1 && retry <= 60);

	open_gate(&sh);
	workpool_free(wp);
	/* The refused jobs never ran; every accepted one did. */
	assert_int_equal(atomic_load(&sh.finished), 5);
	assert_int_equal(atomic_load(&sh.most), 2);
	shared_release(&sh);
}

static void test_workpool__has_room_again_once_jobs_finish(void **state)
{
	(void)state;
	struct shared sh;
	shared_init(&sh, true);
	struct workpool_config cfg = { .threads = 1, .queue_max = 1 };
	struct workpool *wp = workpool_new(&cfg);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(workpool_submit(wp, job, &sh), WORKPOOL_QUEUED);
		for (int k = 0; k < 5000 && atomic_load(&sh.finished) < i + 1; k++)
			usleep(1000);
	}
	/* A job counts as done once its thread is back from it. */
	struct workpool_stats st;
	workpool_stats(wp, &st);
	for (int k = 0; k < 5000 && st.done < 20; k++) {
		usleep(1000);
		workpool_stats(wp, &st);
	}
	assert_int_equal(st.done, 20);
	assert_int_equal(st.rejected, 0);
	assert_true(st.job_us > 0);
	workpool_free(wp);
	shared_release(&sh);
}

static void test_workpool__freeing_runs_the_jobs_still_queued(void **state)
{
	(void)state;
	struct shared sh;
	shared_init(&sh, false);
	struct workpool_config cfg = { .threads = 1, .queue_max = 8 };
	struct workpool *wp = workpool_new(&cfg);
	/* One job holds the thread at the gate, eight wait behind it. */
	assert_int_equal(workpool_submit(wp, job, &sh), WORKPOOL_QUEUED);
	wait_started(&sh, 1);
	for (int i = 0; i < 8; i++)
		assert_int_equal(workpool_submit(wp, job, &sh), WORKPOOL_QUEUED);
	open_gate(&sh);
	workpool_free(wp);
	assert_int_equal(atomic_load(&sh.finished), 9);
	workpool_free(NULL);
	shared_release(&sh);
}

static void test_workpool__a_stopped_pool_refuses_jobs_and_can_still_be_asked(void **state)
{
	(void)state;
	struct shared sh;
	shared_init(&sh, true);
	struct workpool_config cfg = { .threads = 2, .queue_max = 4 };
	struct workpool *wp = workpool_new(&cfg);
	assert_int_equal(workpool_submit(wp, job, &sh), WORKPOOL_QUEUED);
	workpool_stop(wp);
	assert_int_equal(atomic_load(&sh.finished), 1);
	assert_int_equal(workpool_submit(wp, job, &sh), WORKPOOL_FULL);
	struct workpool_stats st;
	workpool_stats(wp, &st);
	assert_int_equal(st.done, 1);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(workpool_retry_after_s(wp), 1);
	workpool_stop(wp);
	workpool_free(wp);
	assert_int_equal(atomic_load(&sh.finished), 1);
	shared_release(&sh);
}

static void test_workpool__defaults_to_one_core_fewer_than_the_machine_and_sixteen_waiting_a_thread(
	void **state)
{
	(void)state;
	struct workpool_config cfg = { 0 };
	struct workpool *wp = workpool_new(&cfg);
	struct workpool_stats st;
	workpool_stats(wp, &st);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	assert_int_equal(st.threads, cores > 1 ? (unsigned)cores - 1 : 1u);
	assert_int_equal(workpool_default_threads(), st.threads);
	assert_int_equal(st.queue_max, 16 * st.threads);
	assert_int_equal(workpool_retry_after_s(wp), 1);
	workpool_free(wp);
}

static void nice_of_thread(void *arg)
{
	atomic_int *nice = arg;
	atomic_store(nice, getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid)));
}

static void test_workpool__threads_run_at_the_lower_priority_asked_for(void **state)
{
	(void)state;
	atomic_int nice;
	atomic_init(&nice, -100);
	struct workpool_config cfg = { .threads = 1, .queue_max = 1, .nice = 7 };
	struct workpool *wp = workpool_new(&cfg);
	assert_int_equal(workpool_submit(wp, nice_of_thread, &nice), WORKPOOL_QUEUED);
	workpool_free(wp);
	/* Only the pool's threads: the caller's own priority is unchanged. */
	int ours = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
	assert_int_equal(atomic_load(&nice), ours + 7 > 19 ? 19 : ours + 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_workpool__runs_every_job_and_never_more_at_once_than_its_threads),
		cmocka_unit_test(test_workpool__refuses_at_once_when_the_queue_is_full),
		cmocka_unit_test(test_workpool__has_room_again_once_jobs_finish),
		cmocka_unit_test(test_workpool__freeing_runs_the_jobs_still_queued),
		cmocka_unit_test(test_workpool__a_stopped_pool_refuses_jobs_and_can_still_be_asked),
		cmocka_unit_test(
			test_workpool__defaults_to_one_core_fewer_than_the_machine_and_sixteen_waiting_a_thread),
		cmocka_unit_test(test_workpool__threads_run_at_the_lower_priority_asked_for),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
