/* Grids: the table. */
#include "domain/grid.h"

#include <stddef.h>

#define REC(m) .rec_off = offsetof(struct grid, m), .rec_size = sizeof(((struct grid *)0)->m)
#define IN(m, has) \
	.in_off = offsetof(struct grid_input, m), .has_off = offsetof(struct grid_input, has)
#define NO_INPUT .in_off = FIELD_NO_INPUT, .has_off = FIELD_NO_INPUT

/* clang-format off */
static const struct field grid_fields[] = {
	{ .name = "id", .column = "id", .kind = FIELD_INT64, .flags = FIELD_READONLY | FIELD_SUMMARY,
	  REC(id), NO_INPUT, .doc = "编号" },
	{ .name = "region_code", .column = "region_code", .kind = FIELD_TEXT,
	  .flags = FIELD_REQUIRED | FIELD_SUMMARY, REC(region_code), IN(region_code, has_region),
	  .max = 12, .doc = "所在社区（12 位）" },
	{ .name = "name", .column = "name", .kind = FIELD_TEXT, .flags = FIELD_REQUIRED | FIELD_SUMMARY,
	  REC(name), IN(name, has_name), .max = 40, .invalid = "名称应为 1–%d 个字",
	  .doc = "网格名称，如 第一网格" },
	{ .name = "created_at", .column = "created_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(created_s), NO_INPUT, .doc = "登记时间" },
};
/* clang-format on */

const struct noun grid_noun = {
	.name = "grid",
	.table = "grids",
	.fields = grid_fields,
	.nfields = sizeof(grid_fields) / sizeof(grid_fields[0]),
};

const struct registry_noun grid_registry = {
	.noun = &grid_noun,
	.read = ACT_PERSON_READ,
	.edit = ACT_PERSON_EDIT,
	.event = "grid.changed",
	.rec_size = sizeof(struct grid),
	.in_size = sizeof(struct grid_input),
	.region_rec_off = offsetof(struct grid, region_code),
	.region_in_off = offsetof(struct grid_input, region_code),
	.region_has_off = offsetof(struct grid_input, has_region),
	.min_region_digits = 12,
};
