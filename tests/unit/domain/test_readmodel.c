/* Tests of src/domain/readmodel.c with a model of its own (an array of
 * numbers that all equal the model's generation): readers racing swaps
 * never see a freed or half-built model, holds keep a model past its swap
 * and the last one frees it, a writer waits for readers that have a model
 * acquired, a failed build keeps the current model, and the render hook is
 * the creator's. Run under ASan (make test), a read of a freed model is a
 * crash. */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "domain/readmodel.h"

#define MAGIC 0x6d6f64656cull

struct model {
	uint64_t magic;
	uint64_t generation;
	size_t n;
	uint64_t *values; /* n of them, each the generation */
};

static atomic_long built, freed;

/* src->nrows: how many values; src->arg non-NULL: fail. */
static enum rc toy_build(void *ctx, struct readmodel *rm, const void *cur,
			 const struct readmodel_source *src, uint64_t generation, void **out,
			 struct problem *prob)
{
	(void)ctx;
	(void)rm;
	(void)cur;
	if (src->arg)
		return problem_set(prob, RC_INTERNAL, "internal", "build failed on purpose");
	struct model *m = calloc(1, sizeof(*m));
	m->magic = MAGIC;
	m->generation = generation;
	m->n = src->nrows;
	m->values = calloc(m->n ? m->n : 1, sizeof(*m->values));
	for (size_t i = 0; i < m->n; i++)
		m->values[i] = generation;
	atomic_fetch_add(&built, 1);
	*out = m;
	return RC_OK;
}

static void toy_free(void *ctx, void *model)
{
	struct model *m = model;
	(void)ctx;
	m->magic = 0;
	free(m->values);
	free(m);
	atomic_fetch_add(&freed, 1);
}

static const struct readmodel_ops toy_ops = { toy_build, toy_free };

static void reset_counts(void)
{
	atomic_store(&built, 0);
	atomic_store(&freed, 0);
}

static enum rc refresh(struct readmodel *rm, size_t n)
{
	struct readmodel_source src = { .nrows = n };
	struct problem prob;
	problem_init(&prob);
	return readmodel_refresh(rm, &src, &prob);
}

static void check_model(const struct model *m)
{
	assert_int_equal(m->magic, MAGIC);
	for (size_t i = 0; i < m->n; i++)
		assert_int_equal(m->values[i], m->generation);
}

/* Readers, a writer swapping, and holds let go of on another thread. */

#define HOLDS_MAX 64

struct race {
	struct readmodel *rm;
	atomic_bool stop;
	atomic_long reads;
	pthread_mutex_t mu;
	struct readmodel_hold *holds[HOLDS_MAX];
	const struct model *held[HOLDS_MAX];
	size_t nholds;
};

static void *reader(void *arg)
{
	struct race *r = arg;
	for (long k = 0; !atomic_load(&r->stop); k++) {
		const struct model *m = readmodel_acquire(r->rm);
		check_model(m);
		struct readmodel_hold *h = k % 7 ? NULL : readmodel_hold(r->rm, m);
		readmodel_release(r->rm, m);
		/* An answer still being sent: hand it to the drainer, which lets
		 * go of it later, on its own thread. */
		pthread_mutex_lock(&r->mu);
		if (h && r->nholds < HOLDS_MAX) {
			r->holds[r->nholds] = h;
			r->held[r->nholds++] = m;
			h = NULL;
		}
		pthread_mutex_unlock(&r->mu);
		readmodel_unhold(h);
		atomic_fetch_add(&r->reads, 1);
	}
	return NULL;
}

static void *drainer(void *arg)
{
	struct race *r = arg;
	while (!atomic_load(&r->stop)) {
		pthread_mutex_lock(&r->mu);
		for (size_t i = 0; i < r->nholds; i++) {
			check_model(r->held[i]); /* still whole, though swapped out */
			readmodel_unhold(r->holds[i]);
		}
		r->nholds = 0;
		pthread_mutex_unlock(&r->mu);
		usleep(200);
	}
	return NULL;
}

static void test_readmodel__readers_racing_swaps_never_see_a_freed_model(void **state)
{
	(void)state;
	reset_counts();
	struct race r = { .rm = readmodel_new(&toy_ops, NULL, NULL) };
	pthread_mutex_init(&r.mu, NULL);
	pthread_t t[5];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, reader, &r);
	pthread_create(&t[4], NULL, drainer, &r);
	/* The readers are under way before the swaps start, however busy the
	 * machine is. */
	while (atomic_load(&r.reads) < 4)
		sched_yield();
	for (int k = 0; k < 300; k++)
		assert_int_equal(refresh(r.rm, 16 + (size_t)k % 32), RC_OK);
	atomic_store(&r.stop, true);
	for (int i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	for (size_t i = 0; i < r.nholds; i++)
		readmodel_unhold(r.holds[i]);
	assert_true(atomic_load(&r.reads) > 0);
	/* Every model but the current one is freed, once. */
	assert_int_equal(atomic_load(&built), 301);
	assert_int_equal(atomic_load(&freed), 300);
	const struct model *m = readmodel_acquire(r.rm);
	assert_int_equal(m->generation, 300);
	readmodel_release(r.rm, m);
	readmodel_free(r.rm);
	assert_int_equal(atomic_load(&freed), 301);
	pthread_mutex_destroy(&r.mu);
}

static void test_readmodel__a_held_model_outlives_its_swap_until_let_go(void **state)
{
	(void)state;
	reset_counts();
	struct readmodel *rm = readmodel_new(&toy_ops, NULL, NULL);
	assert_int_equal(refresh(rm, 8), RC_OK);
	const struct model *a = readmodel_acquire(rm);
	struct readmodel_hold *h1 = readmodel_hold(rm, a);
	struct readmodel_hold *h2 = readmodel_hold(rm, a);
	readmodel_release(rm, a);

	/* Swapped out twice over, but held: still whole. */
	assert_int_equal(refresh(rm, 9), RC_OK);
	assert_int_equal(refresh(rm, 10), RC_OK);
	assert_int_equal(atomic_load(&freed), 2); /* the first, empty one and the second */
	check_model(a);
	assert_int_equal(a->generation, 1);
	const struct model *now = readmodel_acquire(rm);
	assert_int_equal(now->generation, 3);
	readmodel_release(rm, now);

	readmodel_unhold(h1);
	assert_int_equal(atomic_load(&freed), 2);
	check_model(a);
	readmodel_unhold(h2); /* the last hold frees it */
	assert_int_equal(atomic_load(&freed), 3);
	readmodel_unhold(NULL);

	/* A hold on the current model keeps it past the store itself. */
	const struct model *b = readmodel_acquire(rm);
	struct readmodel_hold *hb = readmodel_hold(rm, b);
	readmodel_release(rm, b);
	readmodel_free(rm);
	assert_int_equal(atomic_load(&freed), 3);
	check_model(b);
	readmodel_unhold(hb);
	assert_int_equal(atomic_load(&freed), 4);
}

/* A reader that keeps a model acquired on another thread. */
struct slow_reader {
	struct readmodel *rm;
	const struct model *m;
	atomic_bool acquired, let_go;
};

static void *slow_reader(void *arg)
{
	struct slow_reader *s = arg;
	s->m = readmodel_acquire(s->rm);
	atomic_store(&s->acquired, true);
	while (!atomic_load(&s->let_go))
		usleep(1000);
	check_model(s->m);
	readmodel_release(s->rm, s->m);
	return NULL;
}

struct writer {
	struct readmodel *rm;
	atomic_bool done;
};

static void *writer(void *arg)
{
	struct writer *w = arg;
	assert_int_equal(refresh(w->rm, 4), RC_OK);
	atomic_store(&w->done, true);
	return NULL;
}

static void test_readmodel__a_swap_waits_for_readers_and_then_frees(void **state)
{
	(void)state;
	reset_counts();
	struct readmodel *rm = readmodel_new(&toy_ops, NULL, NULL);
	struct slow_reader s = { .rm = rm };
	struct writer w = { .rm = rm };
	pthread_t rt, wt;
	pthread_create(&rt, NULL, slow_reader, &s);
	while (!atomic_load(&s.acquired))
		sched_yield();
	pthread_create(&wt, NULL, writer, &w);
	/* The new model is in, but the old one is still read: the writer
	 * waits, and nothing is freed. */
	usleep(50 * 1000);
	assert_false(atomic_load(&w.done));
	assert_int_equal(atomic_load(&freed), 0);
	const struct model *m = readmodel_acquire(rm);
	assert_int_equal(m->generation, 1);
	readmodel_release(rm, m);
	atomic_store(&s.let_go, true);
	pthread_join(rt, NULL);
	pthread_join(wt, NULL);
	assert_true(atomic_load(&w.done));
	assert_int_equal(atomic_load(&freed), 1);
	readmodel_free(rm);
	assert_int_equal(atomic_load(&freed), 2);
}

static void test_readmodel__a_failed_build_keeps_the_current_model(void **state)
{
	(void)state;
	reset_counts();
	struct readmodel *rm = readmodel_new(&toy_ops, NULL, NULL);
	assert_int_equal(refresh(rm, 5), RC_OK);
	const struct model *before = readmodel_acquire(rm);
	readmodel_release(rm, before);

	struct readmodel_source bad = { .nrows = 7, .arg = "fail" };
	struct problem prob;
	problem_init(&prob);
	assert_int_equal(readmodel_refresh(rm, &bad, &prob), RC_INTERNAL);
	assert_int_equal(prob.rc, RC_INTERNAL);
	const struct model *after = readmodel_acquire(rm);
	assert_ptr_equal(after, before);
	assert_int_equal(after->generation, 1);
	assert_int_equal(after->n, 5);
	check_model(after);
	readmodel_release(rm, after);
	assert_int_equal(atomic_load(&built), 2);
	assert_int_equal(atomic_load(&freed), 1);

	/* The next good build takes the next number: none was used up. */
	assert_int_equal(refresh(rm, 6), RC_OK);
	after = readmodel_acquire(rm);
	assert_int_equal(after->generation, 2);
	readmodel_release(rm, after);
	readmodel_free(rm);
	assert_int_equal(atomic_load(&freed), 3);
}

static void render_prefixed(void *ctx, const void *row, struct sb *sb)
{
	sb_adds(sb, ctx);
	sb_adds(sb, row);
}

static void test_readmodel__the_render_hook_is_the_creators(void **state)
{
	(void)state;
	struct readmodel *plain = readmodel_new(&toy_ops, NULL, NULL);
	struct readmodel_render hook = { render_prefixed, "row:" };
	struct readmodel *rendering = readmodel_new(&toy_ops, NULL, &hook);
	hook.render = NULL; /* the store keeps its own copy */
	struct sb sb = SB_INIT;
	assert_false(readmodel_renders(plain));
	readmodel_render(plain, "a", &sb);
	assert_int_equal(sb.len, 0);
	assert_true(readmodel_renders(rendering));
	readmodel_render(rendering, "b", &sb);
	assert_string_equal(sb_str(&sb), "row:b");
	sb_release(&sb);
	readmodel_free(plain);
	readmodel_free(rendering);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readmodel__readers_racing_swaps_never_see_a_freed_model),
		cmocka_unit_test(test_readmodel__a_held_model_outlives_its_swap_until_let_go),
		cmocka_unit_test(test_readmodel__a_swap_waits_for_readers_and_then_frees),
		cmocka_unit_test(test_readmodel__a_failed_build_keeps_the_current_model),
		cmocka_unit_test(test_readmodel__the_render_hook_is_the_creators),
	};
	return cmocka_run_group_tests_name("readmodel", tests, NULL, NULL);
}
