/* Grids (网格): the smallest management cells of a community, each with a
 * name. People are placed in one (by staff, or by their first check-in
 * when their community has a single grid). Staff of the community keep
 * them through the registry (registry.h). */
#ifndef YZ_DOMAIN_GRID_H
#define YZ_DOMAIN_GRID_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/registry.h"

struct grid {
	int64_t id;
	char region_code[13];
	char name[161];
	int64_t created_s;
};

struct grid_input {
	bool has_region, has_name;
	const char *region_code, *name;
};

extern const struct noun grid_noun;
extern const struct registry_noun grid_registry;

#endif
