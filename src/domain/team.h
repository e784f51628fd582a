/* Teams (志愿服务队 and service brands: 红色先锋队, 新渭骑士, 铜河小哥): a
 * name, the station it serves from, its region, its leader and its members
 * with the dates they joined and left. Staff of the region keep them
 * (ACT_PERSON_EDIT); the registry (registry.h) does the team's own
 * commands, team_join and team_leave its members'. */
#ifndef YZ_DOMAIN_TEAM_H
#define YZ_DOMAIN_TEAM_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/registry.h"

struct team {
	int64_t id;
	char name[161];
	int64_t station_id;
	char region_code[13];
	int64_t leader_id; /* a person */
	int64_t created_s;
};

struct team_input {
	bool has_name, has_station, has_region, has_leader;
	const char *name, *region_code;
	int64_t station_id, leader_id;
};

extern const struct noun team_noun;
extern const struct registry_noun team_registry;

struct team_member {
	int64_t person_id;
	char name[161];
	int64_t joined_s, left_s; /* left_s 0: still a member */
};

/* Adds person_id to team_id (joined now). RC_CONFLICT if a member already. */
enum rc team_join(struct db_tx *tx, const struct actor *actor, int64_t team_id, int64_t person_id,
		  struct problem *prob);
/* Marks person_id as having left team_id now. RC_NOT_FOUND if not a member. */
enum rc team_leave(struct db_tx *tx, const struct actor *actor, int64_t team_id, int64_t person_id,
		   struct problem *prob);
/* The members of team_id, past ones too (newest first); *items is *new*. */
enum rc team_members(struct db *db, int64_t team_id, struct team_member **items, size_t *n,
		     struct problem *prob);

#endif
