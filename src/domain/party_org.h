/* Party organisations (行业党委 › 联合党支部 › 党小组): a tree attached to
 * regions — an industry committee at a district or street, joint branches
 * of couriers under it, groups under a branch — with a secretary; its
 * members are the people whose party_org_id names it. Staff of the region
 * keep them (ACT_PERSON_EDIT) through the registry (registry.h). */
#ifndef YZ_DOMAIN_PARTY_ORG_H
#define YZ_DOMAIN_PARTY_ORG_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/registry.h"

extern const struct field_choice party_org_kinds[];

struct party_org {
	int64_t id;
	int64_t parent_id;
	char kind[16]; /* committee, branch, group */
	char name[241];
	char region_code[13];
	int64_t secretary_id; /* a person */
	int64_t created_s;
};

struct party_org_input {
	bool has_parent, has_kind, has_name, has_region, has_secretary;
	const char *kind, *name, *region_code;
	int64_t parent_id, secretary_id;
};

extern const struct noun party_org_noun;
extern const struct registry_noun party_org_registry;

/* A party member reports in to branch id (报到): their own ledger entry
 * (made from their account if missing) joins that branch. The actor's
 * person must be a party member or a mobile party member; id must be a
 * branch. Someone not yet placed in a community is placed at the
 * branch's region. Audited as "party_org.report_in". */
enum rc party_org_report_in(struct db_tx *tx, const struct actor *actor, int64_t id,
			    int64_t *person_id, struct problem *prob);

#endif
