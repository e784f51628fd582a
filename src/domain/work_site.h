/* Work sites (快递站点, 外卖站点): the courier depots and delivery hubs whose
 * workers are in the ledger, each in a community or street. Staff of that
 * place enter and change them (ACT_PERSON_EDIT) and read them
 * (ACT_PERSON_READ); the registry (registry.h) does the commands. */
#ifndef YZ_DOMAIN_WORK_SITE_H
#define YZ_DOMAIN_WORK_SITE_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/registry.h"

#define WORK_SITE_NAME_MAX 60

struct work_site {
	int64_t id;
	char name[WORK_SITE_NAME_MAX * 4 + 1];
	char platform[33];
	char address[481];
	double lat, lng; /* WGS-84; 0 when not known */
	char region_code[13];
	char manager_name[161];
	char manager_phone[24];
	int64_t created_s, updated_s;
};

struct work_site_input {
	bool has_name, has_platform, has_address, has_lat, has_lng, has_region, has_manager_name,
		has_manager_phone;
	const char *name, *platform, *address, *region_code, *manager_name, *manager_phone;
	double lat, lng;
};

extern const struct noun work_site_noun;
extern const struct registry_noun work_site_registry;

/* The site's workers: in the ledger, registered (with an account), and
 * checked in within 30 days. */
struct work_site_workers {
	int64_t total, registered, checked_in_30d;
};
/* The workers of sites[0..n) (by id order), into out[0..n). */
enum rc work_site_workers(struct db *db, const struct work_site *sites, size_t n,
			  struct work_site_workers *out, struct problem *prob);

/* A work site as a worker picks theirs: what the site is and where, not who
 * manages it. */
struct work_site_choice {
	int64_t id;
	char name[WORK_SITE_NAME_MAX * 4 + 1];
	char platform[33];
	char address[481];
	char region_code[13];
};
/* Up to limit work sites for a worker to choose from, by name: within
 * region (a code prefix, "" for anywhere), of platform ("" for any), whose
 * name or address contains q ("" for any). *out is *new*. */
enum rc work_site_choices(struct db *db, const char *region, const char *platform, const char *q,
			  size_t limit, struct work_site_choice **out, size_t *n,
			  struct problem *prob);

#endif
