/* A fresh, migrated store for the domain's unit tests, with a few regions of
 * 宝鸡市 inserted directly (two districts, three streets, four communities
 * with points), accounts holding roles there, and the principals that act
 * for them. SQLite always (a file per store under $YZ_TEST_TMP or /tmp);
 * PostgreSQL when a test asks for it with YZ_TEST_PG_URL set (a schema made
 * afresh per store, as tests/unit/db/test_db.c does). Header-only: each test
 * program includes it. */
#ifndef YZ_TESTS_UNIT_DOMAIN_FIXTURE_H
#define YZ_TESTS_UNIT_DOMAIN_FIXTURE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/text.h"
#include "db/db.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/principal.h"
#include "domain/station.h"

/* The places the seed holds. */
#define FX_CITY		  "6103"	 /* 宝鸡市 */
#define FX_DISTRICT	  "610302"	 /* 渭滨区 */
#define FX_STREET	  "610302001"	 /* 经二路街道 */
#define FX_COMMUNITY	  "610302001001" /* 龙腾路社区 */
#define FX_STREET2	  "610302002"	 /* 清姜街道 */
#define FX_OTHER_DISTRICT "610303"	 /* 金台区 */
#define FX_OTHER_STREET	  "610303001"	 /* 东风路街道 */
#define FX_LAT		  34.3700	 /* near FX_COMMUNITY */
#define FX_LNG		  107.1500

struct fx_engine {
	enum db_kind kind;
	char tmp_dir[512]; /* SQLite: the files of this run */
	struct db *admin;  /* PostgreSQL: recreates the schema */
	char schema[64];
	unsigned next_file;
	char url[1200];
	char path[600];
};

static inline void fx_remove_sqlite_files(const char *path)
{
	char p[700];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static inline int fx_sqlite_setup(struct fx_engine *e, const char *name)
{
	memset(e, 0, sizeof(*e));
	e->kind = DB_KIND_SQLITE;
	const char *base = getenv("YZ_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	if (mkdir(base, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "cannot create %s: %s\n", base, strerror(errno));
		return -1;
	}
	snprintf(e->tmp_dir, sizeof(e->tmp_dir), "%s/%s.XXXXXX", base, name);
	if (!mkdtemp(e->tmp_dir)) {
		fprintf(stderr, "mkdtemp in %s: %s\n", base, strerror(errno));
		return -1;
	}
	return 0;
}

/* PostgreSQL in schema (a name of our own, dropped at teardown). */
static inline int fx_pg_setup(struct fx_engine *e, const char *schema)
{
	memset(e, 0, sizeof(*e));
	e->kind = DB_KIND_POSTGRES;
	snprintf(e->schema, sizeof(e->schema), "%s", schema);
	const char *base = getenv("YZ_TEST_PG_URL");
	struct problem prob = { 0 };
	if (!base || db_open(base, NULL, &e->admin, &prob) != RC_OK) {
		fprintf(stderr, "cannot open YZ_TEST_PG_URL: %s: %s\n", prob.type, prob.detail);
		return -1;
	}
	snprintf(e->url, sizeof(e->url), "%s%soptions=-c%%20search_path%%3D%s", base,
		 strchr(base, '?') ? "&" : "?", e->schema);
	return 0;
}

static inline void fx_engine_teardown(struct fx_engine *e)
{
	if (e->kind == DB_KIND_SQLITE) {
		rmdir(e->tmp_dir);
		return;
	}
	char sql[128];
	struct problem prob = { 0 };
	snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", e->schema);
	db_exec_script(e->admin, sql, &prob);
	db_close(e->admin);
	e->admin = NULL;
}

static inline void fx_exec(struct db *db, const char *sql)
{
	struct problem prob = { 0 };
	if (db_exec_script(db, sql, &prob) != RC_OK) {
		fprintf(stderr, "%s: %s: %s\n", sql, prob.type, prob.detail);
		abort();
	}
}

/* The one integer sql yields. */
static inline int64_t fx_int(struct db *db, const char *sql)
{
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	if (db_exec(db, sql, NULL, 0, &rows, &prob) != RC_OK || db_rows_count(rows) != 1) {
		fprintf(stderr, "%s: %s: %s\n", sql, prob.type, prob.detail);
		abort();
	}
	int64_t v = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	return v;
}

/* The one integer sql yields with $1 bound to p. */
static inline int64_t fx_int_p(struct db *db, const char *sql, int64_t p)
{
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	if (db_q(db, sql, &rows, &prob, DB_I(p)) != RC_OK || db_rows_count(rows) != 1) {
		fprintf(stderr, "%s: %s: %s\n", sql, prob.type, prob.detail);
		abort();
	}
	int64_t v = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	return v;
}

static inline void fx_seed_regions(struct db *db)
{
	fx_exec(db,
		"INSERT INTO regions (code, name, short_name, level, kind, parent_code, lat, lng) VALUES"
		" ('61', '陕西省', '陕西省', 1, 'province', NULL, NULL, NULL),"
		" ('6103', '宝鸡市', '宝鸡市', 2, 'city', '61', NULL, NULL),"
		" ('610302', '渭滨区', '渭滨区', 3, 'district', '6103', NULL, NULL),"
		" ('610303', '金台区', '金台区', 3, 'district', '6103', NULL, NULL),"
		" ('610302001', '经二路街道', '经二路街道', 4, 'street', '610302', NULL, NULL),"
		" ('610302002', '清姜街道', '清姜街道', 4, 'street', '610302', NULL, NULL),"
		" ('610303001', '东风路街道', '东风路街道', 4, 'street', '610303', NULL, NULL),"
		" ('610302001001', '龙腾路社区居委会', '龙腾路社区', 5, 'community', '610302001', 34.3700, 107.1500),"
		" ('610302001002', '公园路社区居委会', '公园路社区', 5, 'community', '610302001', 34.3800, 107.1650),"
		" ('610302001201', '石鼓村委会', '石鼓村', 5, 'village', '610302001', NULL, NULL),"
		" ('610302002001', '清姜路社区居委会', '清姜路社区', 5, 'community', '610302002', 34.3400, 107.1200),"
		" ('610303001001', '东风路社区居委会', '东风路社区', 5, 'community', '610303001', 34.3750, 107.2100)");
}

/* A fresh store, migrated and seeded with the regions; NULL on failure. */
static inline struct db *fx_fresh(struct fx_engine *e)
{
	struct problem prob = { 0 };
	if (e->kind == DB_KIND_SQLITE) {
		snprintf(e->path, sizeof(e->path), "%s/t%u.db", e->tmp_dir, e->next_file++);
		snprintf(e->url, sizeof(e->url), "sqlite:%s", e->path);
		fx_remove_sqlite_files(e->path);
	} else {
		char sql[200];
		snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s",
			 e->schema, e->schema);
		if (db_exec_script(e->admin, sql, &prob) != RC_OK) {
			fprintf(stderr, "cannot recreate schema: %s\n", prob.detail);
			return NULL;
		}
	}
	struct db *db = NULL;
	int applied = 0;
	if (db_open(e->url, NULL, &db, &prob) != RC_OK) {
		fprintf(stderr, "db_open(%s): %s\n", e->url, prob.detail);
		return NULL;
	}
	if (db_migrate(db, &applied, &prob) != RC_OK) {
		fprintf(stderr, "migrate: %s\n", prob.detail);
		db_close(db);
		return NULL;
	}
	fx_seed_regions(db);
	return db;
}

static inline void fx_close(struct fx_engine *e, struct db *db)
{
	db_close(db);
	if (e->kind == DB_KIND_SQLITE && e->path[0])
		fx_remove_sqlite_files(e->path);
}

/* An account row (no password) holding role at scope, or no role if role
 * is NULL; returns its id. */
static inline int64_t fx_account(struct db *db, const char *phone, const char *name,
				 const char *role, const char *scope)
{
	struct problem prob = { 0 };
	struct db_rows *rows = NULL;
	if (db_q(db,
		 "INSERT INTO accounts (phone, name, created_s, updated_s) VALUES ($1, $2, 1, 1)"
		 " RETURNING id",
		 &rows, &prob, DB_T(phone), DB_T(name)) != RC_OK) {
		fprintf(stderr, "account %s: %s\n", phone, prob.detail);
		abort();
	}
	int64_t id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (role && db_q(db,
			 "INSERT INTO role_grants (account_id, role, scope, created_s)"
			 " VALUES ($1, $2, $3, 1)",
			 NULL, &prob, DB_I(id), DB_T(role), DB_T(scope)) != RC_OK) {
		fprintf(stderr, "grant %s: %s\n", phone, prob.detail);
		abort();
	}
	return id;
}

/* Adds a grant to an existing account. */
static inline void fx_grant(struct db *db, int64_t account_id, const char *role, const char *scope)
{
	struct problem prob = { 0 };
	if (db_q(db,
		 "INSERT INTO role_grants (account_id, role, scope, created_s)"
		 " VALUES ($1, $2, $3, 1)",
		 NULL, &prob, DB_I(account_id), DB_T(role), DB_T(scope)) != RC_OK) {
		fprintf(stderr, "grant: %s\n", prob.detail);
		abort();
	}
}

/* The principal of a signed-in account, with the grants it holds now. */
static inline void fx_principal(struct db *db, int64_t account_id, struct principal *p)
{
	struct account a;
	struct problem prob = { 0 };
	if (account_get(db, account_id, &a, &prob) != RC_OK) {
		fprintf(stderr, "account %lld: %s\n", (long long)account_id, prob.detail);
		abort();
	}
	memset(p, 0, sizeof(*p));
	p->kind = AUTH_SESSION;
	p->account_id = account_id;
	p->credential_id = 1;
	text_copy(p->phone, sizeof(p->phone), a.phone);
	text_copy(p->name, sizeof(p->name), a.name);
	p->ngrants = a.ngrants;
	memcpy(p->grants, a.grants, a.ngrants * sizeof(a.grants[0]));
}

static inline struct actor fx_actor(const struct principal *p)
{
	struct actor a = { .p = p, .ip = "127.0.0.1", .request_id = "test" };
	return a;
}

/* True if prob names field among its field errors. */
static inline bool fx_has_field(const struct problem *prob, const char *field)
{
	for (size_t i = 0; i < prob->nfields && i < PROBLEM_FIELDS_MAX; i++)
		if (!strcmp(prob->fields[i].name, field))
			return true;
	return false;
}

/* Opens a write transaction and gives its handle (domain writes take one). */
static inline struct db_tx *fx_begin(struct db *db)
{
	struct problem prob = { 0 };
	struct db_tx *tx = NULL;
	if (db_tx_open(db, &tx, &prob) != RC_OK) {
		fprintf(stderr, "begin: %s\n", prob.detail);
		abort();
	}
	return tx;
}

/* Ends the transaction fx_begin opened: commits if rc is RC_OK (returning
 * the commit's result), else rolls back and returns rc. */
static inline enum rc fx_end(struct db_tx *tx, enum rc rc, struct problem *prob)
{
	return db_tx_close(tx, rc, prob);
}

/* A minimal valid station input near FX_COMMUNITY. */
static inline void fx_station_input(struct station_input *in, const char *name, const char *region)
{
	memset(in, 0, sizeof(*in));
	in->has_name = in->has_level = in->has_region = in->has_address = in->has_location = true;
	in->name = name;
	in->level = "community";
	in->region_code = region;
	in->address = "经二路 1 号";
	in->lat = FX_LAT;
	in->lng = FX_LNG;
}

/* Creates a station in its own transaction as actor; returns its id. */
static inline int64_t fx_station(struct db *db, const struct actor *actor, const char *name,
				 const char *region)
{
	struct station_input in;
	fx_station_input(&in, name, region);
	struct problem prob = { 0 };
	int64_t id = 0;
	struct db_tx *tx = NULL;
	enum rc rc = db_tx_open(db, &tx, &prob);
	if (rc == RC_OK)
		rc = db_tx_close(tx, station_create(tx, actor, &in, &id, &prob), &prob);
	if (rc != RC_OK) {
		fprintf(stderr, "station %s: %s: %s\n", name, prob.type, prob.detail);
		abort();
	}
	return id;
}

#endif
