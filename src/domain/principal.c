/* Roles and the principal record. */
#include "domain/principal.h"

#include <string.h>

static const char *const role_names[ROLE_COUNT] = {
	[ROLE_ADMIN] = "admin",		[ROLE_STAFF] = "staff",	  [ROLE_MANAGER] = "manager",
	[ROLE_VOLUNTEER] = "volunteer", [ROLE_WORKER] = "worker", [ROLE_RESIDENT] = "resident",
};

const char *role_name(enum role role)
{
	return (unsigned)role < ROLE_COUNT ? role_names[role] : NULL;
}

bool role_parse(const char *s, enum role *out)
{
	for (int i = 0; s && i < ROLE_COUNT; i++) {
		if (strcmp(s, role_names[i]) == 0) {
			*out = (enum role)i;
			return true;
		}
	}
	return false;
}

void principal_cli(struct principal *p)
{
	memset(p, 0, sizeof(*p));
	p->kind = AUTH_CLI;
	p->ngrants = 1;
	p->grants[0].role = ROLE_ADMIN;
	memcpy(p->grants[0].scope, "*", 2);
	memcpy(p->name, "cli", 4);
}

bool principal_has_role(const struct principal *p, enum role role)
{
	for (size_t i = 0; i < p->ngrants; i++)
		if (p->grants[i].role == role)
			return true;
	return false;
}
