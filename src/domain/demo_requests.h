/* The demo city's service loop: requests of every kind in every state the
 * lifecycle allows (orders, wishes, photo reports, suggestions, mediation
 * cases, tasks, home visits), filed, dispatched, worked, rated, rejected,
 * cancelled, reopened and closed through the domain's own steps by the
 * demo accounts, so the queue, "my tasks", the wish wall and the dashboards
 * show something on first start. A resolved task needs a proof photo: the
 * demo's are made-up pictures (image_sample_jpeg) through the photo
 * pipeline into the server's photo folder. */
#ifndef YZ_DOMAIN_DEMO_REQUESTS_H
#define YZ_DOMAIN_DEMO_REQUESTS_H

#include <stddef.h>

#include "core/blob.h"
#include "core/problem.h"
#include "db/db.h"

/* Builds them (each in its own transaction) unless any request exists;
 * needs the demo accounts and stations. photos is the server's photo
 * folder for the tasks' proof photos; NULL: the tasks stop short of
 * resolved. *made gets how many. */
enum rc demo_requests_build(struct db *db, const struct blob_store *photos, size_t *made,
			    struct problem *prob);

#endif
