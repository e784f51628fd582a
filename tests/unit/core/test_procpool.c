/* Tests of src/core/procpool.c: a call runs in another process and brings
 * its answer back; the helpers keep none of the caller's files and run at
 * a lower priority in a session of their own; callers share the helpers,
 * one call each at a time;
 * a helper that dies is replaced; what does not fit is refused. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/procpool.h"

/* What a helper answers, by the request's first letter:
 *   e…      the request, echoed
 *   p       its process id, and its nice value
 *   s       "y" if it leads a session of its own
 *   f<fd>   whether file descriptor fd is open in it
 *   x       nothing: it dies
 *   b       an answer longer than the caller's room */
static size_t answer(const char *req, size_t len, char *resp, size_t cap)
{
	int n = 0;
	switch (req[0]) {
	case 'e': memcpy(resp, req, len); return len;
	case 'p':
		n = snprintf(resp, cap, "%ld %d", (long)getpid(), getpriority(PRIO_PROCESS, 0));
		return (size_t)n;
	case 'f': {
		char num[16] = { 0 };
		memcpy(num, req + 1, len - 1 < sizeof(num) - 1 ? len - 1 : sizeof(num) - 1);
		resp[0] = fcntl((int)strtol(num, NULL, 10), F_GETFD) == -1 ? 'c' : 'o';
		return 1;
	}
	case 's': resp[0] = getsid(0) == getpid() ? 'y' : 'n'; return 1;
	case 'x': _exit(3);
	case 'b': memset(resp, 'b', 64); return 64;
	default: return 0;
	}
}

static struct procpool *start(unsigned procs)
{
	struct procpool_config cfg = {
		.procs = procs, .fn = answer, .msg_max_bytes = 256, .nice = 5
	};
	struct procpool *pp = procpool_new(&cfg);
	assert_non_null(pp);
	return pp;
}

static long helper_pid(struct procpool *pp, int *nice)
{
	char out[64];
	ssize_t n = procpool_call(pp, "p", 1, out, sizeof(out) - 1);
	assert_true(n > 0);
	out[n] = '\0';
	long pid = 0;
	assert_int_equal(sscanf(out, "%ld %d", &pid, nice), 2);
	return pid;
}

static void test_procpool__a_call_runs_in_another_process_and_answers(void **state)
{
	(void)state;
	struct procpool *pp = start(2);
	char out[256];
	ssize_t n = procpool_call(pp, "echo 驿站", strlen("echo 驿站"), out, sizeof(out));
	assert_int_equal(n, strlen("echo 驿站"));
	assert_memory_equal(out, "echo 驿站", (size_t)n);
	int nice = -1;
	long pid = helper_pid(pp, &nice);
	assert_true(pid > 0);
	assert_int_not_equal(pid, (long)getpid());
	procpool_free(pp);
	procpool_free(NULL);
}

static void test_procpool__helpers_run_at_a_lower_priority_in_a_session_of_their_own(void **state)
{
	(void)state;
	struct procpool *pp = start(1);
	int nice = -100;
	helper_pid(pp, &nice);
	int ours = getpriority(PRIO_PROCESS, 0);
	assert_int_equal(nice, ours + 5 > 19 ? 19 : ours + 5);
	char out[4];
	assert_int_equal(procpool_call(pp, "s", 1, out, sizeof(out)), 1);
	assert_int_equal(out[0], 'y');
	procpool_free(pp);
}

static void test_procpool__helpers_keep_none_of_the_callers_files(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0); /* open before the fork, without O_CLOEXEC */
	struct procpool *pp = start(2);
	char req[16], out[4];
	int n = snprintf(req, sizeof(req), "f%d", fds[1]);
	assert_int_equal(procpool_call(pp, req, (size_t)n, out, sizeof(out)), 1);
	assert_int_equal(out[0], 'c');
	n = snprintf(req, sizeof(req), "f%d", 2); /* standard error stays */
	assert_int_equal(procpool_call(pp, req, (size_t)n, out, sizeof(out)), 1);
	assert_int_equal(out[0], 'o');
	procpool_free(pp);
	close(fds[0]);
	close(fds[1]);
}

struct caller {
	struct procpool *pp;
	long pids[8]; /* who answered each call */
};

static void *call_often(void *arg)
{
	struct caller *c = arg;
	for (int i = 0; i < 8; i++) {
		int nice;
		c->pids[i] = helper_pid(c->pp, &nice);
	}
	return NULL;
}

static void test_procpool__callers_share_the_helpers_and_no_more(void **state)
{
	(void)state;
	struct procpool *pp = start(2);
	pthread_t t[4];
	struct caller c[4];
	for (int i = 0; i < 4; i++) {
		c[i] = (struct caller){ .pp = pp };
		pthread_create(&t[i], NULL, call_often, &c[i]);
	}
	long seen[3] = { 0 };
	int nseen = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		for (int k = 0; k < 8; k++) {
			bool known = false;
			for (int j = 0; j < nseen; j++)
				known |= seen[j] == c[i].pids[k];
			if (!known && nseen < 3)
				seen[nseen++] = c[i].pids[k];
		}
	}
	/* Each helper answers one call at a time: two processes, so never
	 * more than two calls at once. */
	assert_true(nseen >= 1 && nseen <= 2);
	procpool_free(pp);
}

/* A caller such as a work thread, at a lower priority than the process. */
struct lowered {
	struct procpool *pp;
	long pid; /* the helper forked again */
	int nice; /* its nice value */
};

static void *kill_and_call_from_a_lowered_thread(void *arg)
{
	struct lowered *l = arg;
	id_t tid = (id_t)syscall(SYS_gettid);
	setpriority(PRIO_PROCESS, tid, getpriority(PRIO_PROCESS, tid) + 3);
	char out[16];
	/* Dies, is forked again, dies again on the second try: no answer. */
	assert_int_equal(procpool_call(l->pp, "x", 1, out, sizeof(out)), -1);
	/* Forked again by this thread. */
	l->pid = helper_pid(l->pp, &l->nice);
	return NULL;
}

static void test_procpool__a_helper_that_dies_is_replaced(void **state)
{
	(void)state;
	int ours = getpriority(PRIO_PROCESS, 0);
	struct procpool *pp = start(1);
	int nice;
	long before = helper_pid(pp, &nice);
	struct lowered l = { .pp = pp };
	pthread_t t;
	pthread_create(&t, NULL, kill_and_call_from_a_lowered_thread, &l);
	pthread_join(t, NULL);
	assert_int_equal(procpool_restarts(pp), 2);
	assert_int_not_equal(l.pid, before);
	/* At the pool's priority, not the forking thread's lowered one. */
	assert_int_equal(l.nice, ours + 5 > 19 ? 19 : ours + 5);
	char out[16];
	assert_int_equal(procpool_call(pp, "echo", 4, out, sizeof(out)), 4);
	procpool_free(pp);
}

static void test_procpool__refuses_what_does_not_fit(void **state)
{
	(void)state;
	struct procpool *pp = start(1);
	char big[300], out[16];
	memset(big, 'e', sizeof(big));
	assert_int_equal(procpool_call(pp, big, sizeof(big), out, sizeof(out)), -1);
	assert_int_equal(procpool_call(pp, "", 0, out, sizeof(out)), -1);
	assert_int_equal(procpool_call(pp, "b", 1, out, sizeof(out)), -1);
	/* The helper is none the worse. */
	assert_int_equal(procpool_call(pp, "echo", 4, out, sizeof(out)), 4);
	assert_int_equal(procpool_restarts(pp), 0);
	procpool_free(pp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procpool__a_call_runs_in_another_process_and_answers),
		cmocka_unit_test(
			test_procpool__helpers_run_at_a_lower_priority_in_a_session_of_their_own),
		cmocka_unit_test(test_procpool__helpers_keep_none_of_the_callers_files),
		cmocka_unit_test(test_procpool__callers_share_the_helpers_and_no_more),
		cmocka_unit_test(test_procpool__a_helper_that_dies_is_replaced),
		cmocka_unit_test(test_procpool__refuses_what_does_not_fit),
	};
	return cmocka_run_group_tests_name("procpool", tests, NULL, NULL);
}
