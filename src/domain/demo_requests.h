/* The demo city's service loop: requests of every kind in every state the
 * lifecycle allows (orders, wishes, photo reports, suggestions, mediation
 * cases, tasks, home visits), filed, dispatched, worked, rated, rejected,
 * cancelled, reopened and closed through the domain's own steps by the
 * demo accounts, so the queue, "my tasks", the wish wall and the dashboards
 * show something on first start. A resolved task needs a proof photo, and
 * seed-demo writes no pictures: the demo's tasks stop short of resolved. */
#ifndef YZ_DOMAIN_DEMO_REQUESTS_H
#define YZ_DOMAIN_DEMO_REQUESTS_H

#include <stddef.h>

#include "core/problem.h"
#include "db/db.h"

/* Builds them (each in its own transaction) unless any request exists;
 * needs the demo accounts and stations. *made gets how many. */
enum rc demo_requests_build(struct db *db, size_t *made, struct problem *prob);

#endif
