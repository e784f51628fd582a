/* The migrations compiled into the binary (generated from migrations/NNNN_name.sql
 * by the build, in version order). */
#ifndef YZ_DB_MIGRATIONS_H
#define YZ_DB_MIGRATIONS_H

#include <stddef.h>

#include "db/db.h"

struct db_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct db_migration db_migrations[];
extern const size_t db_migrations_count;

/* A migration's text as kind runs it: the engine tokens replaced (@PK@,
 * @REAL@, @WITHOUT_ROWID@) and the blocks of the other engine left out. A
 * block starts at a line "-- @sqlite" or "-- @postgres" and ends at a line
 * "-- @end"; it holds what only one engine can say (an exclusion
 * constraint, a trigger in its own language). *new* string. */
char *db_migration_text(enum db_kind kind, const char *sql);

#endif
