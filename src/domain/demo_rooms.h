/* The demo city's rooms and bookings: a dozen stations get a meeting room,
 * a reading space and (every other one) a party members' home, open
 * 08:00–21:00, and the demo resident's groups book them over the coming
 * week — pending, approved, declined and cancelled — through the domain's
 * own commands, so the room calendar and the managers' list show something
 * on first start. */
#ifndef YZ_DOMAIN_DEMO_ROOMS_H
#define YZ_DOMAIN_DEMO_ROOMS_H

#include <stddef.h>

#include "core/problem.h"
#include "db/db.h"

/* Builds them (each write in its own transaction) unless any booking
 * exists; needs the demo accounts and stations. *rooms and *bookings get
 * how many were made. */
enum rc demo_rooms_build(struct db *db, size_t *rooms, size_t *bookings, struct problem *prob);

#endif
