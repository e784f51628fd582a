/* The migrations compiled into the binary (generated from migrations/NNNN_name.sql
 * by the build, in version order). */
#ifndef YZ_DB_MIGRATIONS_H
#define YZ_DB_MIGRATIONS_H

#include <stddef.h>

struct db_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct db_migration db_migrations[];
extern const size_t db_migrations_count;

#endif
