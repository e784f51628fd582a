/* Who is asking: an account with the roles it holds and where it holds them,
 * or nobody. Built by session/token resolution for each request; read-only
 * afterwards. The permission function (permission.h) is the only judge of
 * what a principal may do. */
#ifndef YZ_DOMAIN_PRINCIPAL_H
#define YZ_DOMAIN_PRINCIPAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRINCIPAL_GRANTS_MAX 32
#define SCOPE_MAX	     24

/* Ordered from most to least powerful: a lower value outranks a higher. */
enum role {
	ROLE_ADMIN,   /* district (组织部) */
	ROLE_STAFF,   /* street / community */
	ROLE_MANAGER, /* station */
	ROLE_VOLUNTEER,
	ROLE_WORKER, /* courier, rider, driver */
	ROLE_RESIDENT,
	ROLE_COUNT
};

enum auth_kind { AUTH_NONE, AUTH_SESSION, AUTH_TOKEN, AUTH_CLI };

struct role_grant {
	int64_t id;
	enum role role;
	char scope[SCOPE_MAX]; /* "*", a region code prefix, or "station:ID" */
};

struct principal {
	enum auth_kind kind;
	int64_t account_id;    /* 0 for AUTH_NONE and AUTH_CLI */
	int64_t credential_id; /* session or token id */
	char phone[12];
	char name[96];
	char csrf_hash[65]; /* sessions only */
	size_t ngrants;
	struct role_grant grants[PRINCIPAL_GRANTS_MAX];
};

/* Static name ("admin") or NULL for an out-of-range role. */
const char *role_name(enum role role);
/* Parses a role name; returns false if unknown. */
bool role_parse(const char *s, enum role *out);
/* The command-line principal: acts as a global admin, audited as "cli". */
void principal_cli(struct principal *p);
/* True if p holds role anywhere. */
bool principal_has_role(const struct principal *p, enum role role);

#endif
