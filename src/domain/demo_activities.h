/* The demo city's activities: trainings, party lessons and meetings,
 * clinics, events, projects, after-hours desks with their service items
 * and deliberation meetings across its stations, some drafts, some with
 * sign-ups and a waitlist, and some past ones with their attendance (which
 * recorded "activity.attended", so the points ledger awards them). */
#ifndef YZ_DOMAIN_DEMO_ACTIVITIES_H
#define YZ_DOMAIN_DEMO_ACTIVITIES_H

#include <stddef.h>

#include "core/problem.h"
#include "db/db.h"

/* Builds them through the activity commands (each in its own
 * transaction) unless any activity exists; *made gets how many. The past
 * ones are made with the clock moved back to their time and set right
 * after. */
enum rc demo_activities_build(struct db *db, size_t *made, struct problem *prob);

#endif
