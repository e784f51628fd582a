/* The audit log: who did what to which object, when, from where, under which
 * request id. Every domain write records one row inside its own transaction,
 * so a write and its audit row are committed together or not at all.
 * Append-only: nothing updates or deletes audit rows. */
#ifndef YZ_DOMAIN_AUDIT_H
#define YZ_DOMAIN_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "core/sb.h"
#include "db/db.h"
#include "domain/principal.h"

/* The caller of a write, as the audit log records it. Borrowed pointers. */
struct actor {
	const struct principal *p;
	const char *ip;
	const char *request_id;
};

/* A small detail object built key by key (values are escaped; phone numbers
 * in values are masked). Release with audit_detail_release. */
struct audit_detail {
	struct sb sb;
};
void audit_detail_init(struct audit_detail *d);
void audit_detail_str(struct audit_detail *d, const char *key, const char *value);
void audit_detail_int(struct audit_detail *d, const char *key, int64_t value);
void audit_detail_release(struct audit_detail *d);

/* Records one row in the caller's open transaction. scope is the region
 * code the object lies in (who may read the row follows from it); NULL or ""
 * for what belongs to everywhere, which only those who read everything see.
 * detail may be NULL. */
enum rc audit_record(struct db_tx *tx, const struct actor *actor, const char *action,
		     const char *object_type, const char *object_id, const char *scope,
		     struct audit_detail *detail, struct problem *prob);
/* audit_record for an object known by an integer id. */
enum rc audit_record_id(struct db_tx *tx, const struct actor *actor, const char *action,
			const char *object_type, int64_t object_id, const char *scope,
			struct audit_detail *detail, struct problem *prob);

struct audit_entry {
	int64_t id;
	int64_t at_s;
	int64_t actor_id; /* 0: system or anonymous */
	char actor_label[32];
	char action[48];
	char object_type[32];
	char object_id[48];
	char ip[48];
	char request_id[72];
	char scope[SCOPE_MAX]; /* "" for everywhere */
	char *detail;	       /* JSON text (owned by the page), or NULL */
};

struct audit_filter {
	int64_t actor_id;   /* 0: any */
	const char *action; /* exact, or a prefix ending in '.' ("role.") */
	const char *object_type;
	const char *object_id;
	const char *request_id;
	int64_t since_s, until_s; /* 0: open */
	int64_t before_id;	  /* cursor: entries with id < before_id; 0: newest */
	size_t limit;		  /* 1..200 */
};

struct audit_page {
	size_t n;
	struct audit_entry *entries; /* newest first */
	int64_t next_before_id;	     /* 0: no more */
};

/* Reads one page of the entries matching f that viewer may read: all of
 * them through an ACT_AUDIT_READ grant of "*"; otherwise those whose scope
 * lies within a region where viewer holds it (a station grant: that
 * station's rows), those of no scope when viewer holds it across a city
 * (permission_allows_citywide), and viewer's own actions. On success *page is filled and must
 * be released with audit_page_release. */
enum rc audit_list(struct db *db, const struct principal *viewer, const struct audit_filter *f,
		   struct audit_page *page, struct problem *prob);
void audit_page_release(struct audit_page *page);

#endif
