/* The read-model store (readmodel.h). Each model sits in a node with a
 * reference count: one reference while it is current, one per hold.
 * Hazard slots name nodes. A swap exchanges the current node, waits until
 * no slot names the old one (after that no reader can take a hold on it:
 * a reader that publishes it now sees that it is no longer current and
 * tries again), then drops the current reference; whoever drops the last
 * reference frees the model. */
#include "domain/readmodel.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/xalloc.h"

#define HAZARD_SLOTS 256

struct readmodel_hold {
	void *model;
	atomic_long refs;
	const struct readmodel_ops *ops;
	void *ctx;
};

struct readmodel {
	const struct readmodel_ops *ops;
	void *ctx;
	struct readmodel_render render;
	_Atomic(struct readmodel_hold *) current;
	_Atomic(struct readmodel_hold *) hazard[HAZARD_SLOTS];
	atomic_bool slot_taken[HAZARD_SLOTS];
	pthread_key_t slot_key;	  /* struct slot_owner of the calling thread */
	pthread_mutex_t write_mu; /* one build and swap at a time */
	uint64_t generation;	  /* of the current model; under write_mu */
};

/* A model's node (the hold type doubles as it: a hold is a reference). */
static struct readmodel_hold *node_new(struct readmodel *rm, void *model)
{
	struct readmodel_hold *n = xmalloc(sizeof(*n));
	n->model = model;
	atomic_init(&n->refs, 1);
	n->ops = rm->ops;
	n->ctx = rm->ctx;
	return n;
}

static void node_unref(struct readmodel_hold *n)
{
	if (atomic_fetch_sub(&n->refs, 1) != 1)
		return;
	n->ops->free(n->ctx, n->model);
	free(n);
}

struct slot_owner {
	struct readmodel *rm;
	size_t slot;
};

static void slot_destructor(void *p)
{
	struct slot_owner *o = p;
	atomic_store(&o->rm->hazard[o->slot], NULL);
	atomic_store(&o->rm->slot_taken[o->slot], false);
	free(o);
}

struct readmodel *readmodel_new(const struct readmodel_ops *ops, void *ctx,
				const struct readmodel_render *render)
{
	struct readmodel *rm = xcalloc(1, sizeof(*rm));
	rm->ops = ops;
	rm->ctx = ctx;
	if (render)
		rm->render = *render;
	for (size_t i = 0; i < HAZARD_SLOTS; i++) {
		atomic_init(&rm->hazard[i], NULL);
		atomic_init(&rm->slot_taken[i], false);
	}
	pthread_key_create(&rm->slot_key, slot_destructor);
	pthread_mutex_init(&rm->write_mu, NULL);
	struct readmodel_source none = { 0 };
	struct problem prob;
	problem_init(&prob);
	void *model = NULL;
	enum rc rc = ops->build(ctx, rm, NULL, &none, 0, &model, &prob);
	assert(rc == RC_OK && model);
	(void)rc;
	atomic_init(&rm->current, node_new(rm, model));
	return rm;
}

void readmodel_free(struct readmodel *rm)
{
	if (!rm)
		return;
	struct slot_owner *o = pthread_getspecific(rm->slot_key);
	if (o) {
		pthread_setspecific(rm->slot_key, NULL);
		free(o);
	}
	pthread_key_delete(rm->slot_key);
	pthread_mutex_destroy(&rm->write_mu);
	node_unref(atomic_load(&rm->current));
	free(rm);
}

bool readmodel_renders(const struct readmodel *rm)
{
	return rm->render.render != NULL;
}

void readmodel_render(const struct readmodel *rm, const void *row, struct sb *sb)
{
	if (rm->render.render)
		rm->render.render(rm->render.ctx, row, sb);
}

/* Writing */

static bool in_use(struct readmodel *rm, const struct readmodel_hold *old)
{
	for (size_t i = 0; i < HAZARD_SLOTS; i++)
		if (atomic_load(&rm->hazard[i]) == old)
			return true;
	return false;
}

enum rc readmodel_refresh(struct readmodel *rm, const struct readmodel_source *src,
			  struct problem *prob)
{
	pthread_mutex_lock(&rm->write_mu);
	/* Only writers swap, and this one holds the lock: the current model
	 * stays put without being announced. */
	struct readmodel_hold *cur = atomic_load(&rm->current);
	void *model = NULL;
	enum rc rc = rm->ops->build(rm->ctx, rm, cur->model, src, rm->generation + 1, &model, prob);
	if (rc != RC_OK) {
		pthread_mutex_unlock(&rm->write_mu);
		return rc;
	}
	rm->generation++;
	struct readmodel_hold *old = atomic_exchange(&rm->current, node_new(rm, model));
	while (in_use(rm, old))
		usleep(50);
	pthread_mutex_unlock(&rm->write_mu);
	node_unref(old);
	return RC_OK;
}

/* Reading */

/* The calling thread's hazard slot, claimed on first use; -1 if all taken. */
static long thread_slot(struct readmodel *rm)
{
	struct slot_owner *o = pthread_getspecific(rm->slot_key);
	if (o)
		return (long)o->slot;
	for (size_t i = 0; i < HAZARD_SLOTS; i++) {
		bool expected = false;
		if (atomic_compare_exchange_strong(&rm->slot_taken[i], &expected, true)) {
			o = xmalloc(sizeof(*o));
			o->rm = rm;
			o->slot = i;
			pthread_setspecific(rm->slot_key, o);
			return (long)i;
		}
	}
	return -1;
}

const void *readmodel_acquire(struct readmodel *rm)
{
	long slot = thread_slot(rm);
	if (slot < 0) {
		/* More threads than slots: serialize with writers instead. */
		pthread_mutex_lock(&rm->write_mu);
		return atomic_load(&rm->current)->model;
	}
	struct readmodel_hold *n;
	do {
		n = atomic_load(&rm->current);
		atomic_store(&rm->hazard[slot], n);
	} while (n != atomic_load(&rm->current));
	return n->model;
}

void readmodel_release(struct readmodel *rm, const void *model)
{
	(void)model;
	struct slot_owner *o = pthread_getspecific(rm->slot_key);
	if (!o) {
		pthread_mutex_unlock(&rm->write_mu);
		return;
	}
	atomic_store(&rm->hazard[o->slot], NULL);
}

struct readmodel_hold *readmodel_hold(struct readmodel *rm, const void *model)
{
	/* The node is named by the caller's hazard slot, or current under the
	 * writers' lock the caller took: either way no swap can let go of it
	 * before the count below is up. */
	struct slot_owner *o = pthread_getspecific(rm->slot_key);
	struct readmodel_hold *n = o ? atomic_load(&rm->hazard[o->slot])
				     : atomic_load(&rm->current);
	assert(n && n->model == model);
	(void)model;
	atomic_fetch_add(&n->refs, 1);
	return n;
}

void readmodel_unhold(struct readmodel_hold *h)
{
	if (h)
		node_unref(h);
}
