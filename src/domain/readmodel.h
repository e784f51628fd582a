/* A read model: an immutable, in-memory copy of what a noun's hot reads
 * need (stations for "nearest open now"; later activity listings and
 * dashboards), built from the database and swapped in atomically after each
 * write. This module is the mechanism every such model shares; it knows
 * nothing of what a model holds. The owner supplies the hooks:
 *
 *   build   makes a *new* model, from the database (everything, or the one
 *           row a write changed, copying the rest from the current model) or
 *           from rows given directly (tests, benchmarks);
 *   free    frees a model build made;
 *   render  (optional) renders one row of the noun as the text fragment a
 *           model keeps for it, so that an answer is copies, not rendering.
 *
 * Readers never take a lock. A reader publishes the model it is about to
 * use in its own hazard slot (Michael, 2004) and checks that it is still
 * current; a writer that swaps a new model in waits until no slot names the
 * old one — reads take nanoseconds, so the wait is short — and then lets go
 * of it. A reader that needs a model for longer than a call (an answer sent
 * from the model's own bytes, after the handler returned) takes a hold: a
 * reference count that keeps the model alive until the hold is let go of,
 * on any thread, without making the writer wait. A model is freed when the
 * writer has swapped it out and the last hold on it is gone. Writers
 * (builds and swaps) are serialized, and a write is visible to the next
 * read on any thread once readmodel_refresh returns.
 *
 * Why render is a hook, supplied by whoever creates the store, rather than
 * the owner's own code: the fragments a model keeps are answers in the
 * API's format (JSON), and the data flow is http → api → domain → db, one
 * way: the domain must not call api/, and JSON in domain/ is a layering bug
 * (STYLE.md 3). So api/ hands its renderer down at start, the way http/ is
 * handed the route table; the domain stores the bytes it returns without
 * reading them. The alternative — moving the field table's JSON rendering
 * into a module the domain may call — would put the answer format below the
 * layer that owns it. */
#ifndef YZ_DOMAIN_READMODEL_H
#define YZ_DOMAIN_READMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "core/sb.h"
#include "db/db.h"

struct readmodel;
struct readmodel_hold;

/* What a build reads. With db: everything (id 0) or the one row id that a
 * write changed (the build copies the rest from the current model). Without
 * db: the rows given, nrows of them, in the owner's own type. arg is the
 * owner's: anything else a build needs (a catalog that goes with given
 * rows). Everything is borrowed for the build. */
struct readmodel_source {
	struct db *db;
	int64_t id;
	const void *rows;
	size_t nrows;
	const void *arg;
};

struct readmodel_ops {
	/* Builds a *new* model from src into *out. cur is the current model,
	 * *borrowed*: builds are serialized, so it stays put during the call
	 * (NULL only for the first build, made by readmodel_new from no rows).
	 * generation is the number the new model gets: 0 for the first, then
	 * one more per swap. rm is passed for readmodel_render. Returns RC_OK,
	 * or an error with prob filled and nothing allocated; the current model
	 * then stays. Runs on the writer's thread. */
	enum rc (*build)(void *ctx, struct readmodel *rm, const void *cur,
			 const struct readmodel_source *src, uint64_t generation, void **out,
			 struct problem *prob);
	/* Frees a model build made. Runs on the thread that lets go of it last:
	 * the writer that swapped it out, readmodel_unhold, or readmodel_free. */
	void (*free)(void *ctx, void *model);
};

/* Renders row (the owner's type, as its header says) into sb as the text
 * the model keeps for it. The text may hold NUL bytes: holes where a reader
 * puts parts of its own (what depends on the request). Called by build,
 * through readmodel_render, on the writer's thread, and by the owner's
 * readers if the owner says so; it must be thread-safe. */
struct readmodel_render {
	void (*render)(void *ctx, const void *row, struct sb *sb);
	void *ctx;
};

/* A *new* store holding the model built from no rows. ops is *borrowed*
 * (static, as a rule) and must outlive the store and every model held;
 * ctx is handed to the hooks. render may be NULL (the store keeps a copy).
 * Aborts if that first build fails. */
struct readmodel *readmodel_new(const struct readmodel_ops *ops, void *ctx,
				const struct readmodel_render *render);
/* Frees the store and its current model (unless a hold keeps it: then the
 * last readmodel_unhold frees it). No reader or writer may be running.
 * NULL is a no-op. */
void readmodel_free(struct readmodel *rm);

/* Builds a model from src and swaps it in; waits until no reader's slot
 * names the old model, then lets go of it (freed now, or by its last hold).
 * Writers are serialized. A failed build leaves the current model in place
 * and returns its error. Must not be called while the calling thread holds
 * a model of this store acquired (it would wait for itself). */
enum rc readmodel_refresh(struct readmodel *rm, const struct readmodel_source *src,
			  struct problem *prob);

/* True if the store was given a render hook. */
bool readmodel_renders(const struct readmodel *rm);
/* Appends the render hook's text for row to sb; nothing without a hook. */
void readmodel_render(const struct readmodel *rm, const void *row, struct sb *sb);

/* Returns the current model, *borrowed* until readmodel_release on the same
 * thread. Lock-free. A thread holds at most one model of a store at a time
 * this way (models of different stores at once are fine). */
const void *readmodel_acquire(struct readmodel *rm);
void readmodel_release(struct readmodel *rm, const void *model);

/* Keeps model — which the calling thread has acquired and not released —
 * alive past readmodel_release, until readmodel_unhold(h), which may run on
 * any thread. A swap does not wait for holds. Returns a *new* hold. */
struct readmodel_hold *readmodel_hold(struct readmodel *rm, const void *model);
/* Lets go of a hold; frees the model if it was swapped out and this was
 * its last hold. NULL is a no-op. */
void readmodel_unhold(struct readmodel_hold *h);

#endif
