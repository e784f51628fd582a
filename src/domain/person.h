/* People: the workers' ledger (台账). A person is someone the city keeps in
 * its ledger — a courier, a rider, a resident, a party member — entered by
 * staff or registered from a phone, with or without an account; a person
 * who later registers with the same number is linked, not duplicated.
 *
 * Where a person belongs decides who sees them: their home community
 * (region_code, 12 digits), or until one is known a street (9 digits).
 * Staff and admins whose scope covers that region read and change them
 * (ACT_PERSON_READ / ACT_PERSON_EDIT); a person without a region is seen
 * by city-wide roles only. Each person reads and changes their own
 * profile's personal fields. The mobile number is masked in every answer;
 * its whole form is read one person at a time (person_phone), and each
 * such read is audited.
 *
 * Write functions take the caller's transaction and record their audit row
 * and a "person.changed" event there. */
#ifndef YZ_DOMAIN_PERSON_H
#define YZ_DOMAIN_PERSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/field.h"
#include "domain/principal.h"

#define PERSON_NAME_MAX	     40
#define PERSON_ROLES_MAX     16
#define PERSON_TEAMS_MAX     8
#define PERSON_CODE_CAP	     33 /* a platform or role code, NUL included */
#define EVENT_PERSON_CHANGED "person.changed"

/* The fixed list of categories (GLOSSARY.md), bit i for person_categories[i]. */
extern const struct field_choice person_categories[];
enum person_category {
	PERSON_COURIER,
	PERSON_RIDER,
	PERSON_DRIVER,
	PERSON_TRUCKER,
	PERSON_RESIDENT,
	PERSON_PARTY_MEMBER,
	PERSON_MOBILE_PARTY_MEMBER,
	PERSON_VOLUNTEER,
	PERSON_STAFF,
	PERSON_CATEGORY_COUNT
};
#define PERSON_BIT(c) (INT64_C(1) << (c))
/* The categories of new-employment workers (新就业群体). */
#define PERSON_WORKERS                                                                       \
	(PERSON_BIT(PERSON_COURIER) | PERSON_BIT(PERSON_RIDER) | PERSON_BIT(PERSON_DRIVER) | \
	 PERSON_BIT(PERSON_TRUCKER))

struct person_team {
	int64_t id;
	char name[PERSON_NAME_MAX * 4 + 1];
};

struct person {
	int64_t id;
	char name[PERSON_NAME_MAX * 4 + 1];
	char phone[24];
	int64_t categories;
	char platform[PERSON_CODE_CAP];
	int64_t work_site_id;
	char region_code[13];
	int64_t grid_id, party_org_id, instructor_id, account_id;
	char consent_version[24];
	int64_t consent_s, last_checkin_s, last_contact_s, deleted_s, created_s, updated_s;
	size_t nroles;
	char roles[PERSON_ROLES_MAX][PERSON_CODE_CAP];
	size_t nteams;
	struct person_team teams[PERSON_TEAMS_MAX];
};

/* What a create or an update sets: a field is given when its has_ flag is
 * set. Text is borrowed for the call. */
struct person_input {
	bool has_name, has_phone, has_categories, has_platform, has_work_site, has_region, has_grid,
		has_party_org, has_instructor, has_roles, has_consent;
	const char *name, *phone, *platform, *region_code, *consent_version;
	int64_t categories, work_site_id, grid_id, party_org_id, instructor_id;
	size_t nroles;
	const char *roles[PERSON_ROLES_MAX];
};

/* The person's field table (field.h). */
extern const struct noun person_noun;

/* A person as a viewer may see them: whole_phone is false unless the
 * person is the viewer. */
struct person_view {
	struct person p;
	bool self;     /* the viewer's own profile */
	bool may_edit; /* the viewer may change the staff fields */
	bool whole_phone;
};

/* Enters a person into the ledger (ACT_PERSON_EDIT at their region; the
 * region is required). RC_CONFLICT if the number is in the ledger already
 * (the problem names the field). *id gets the new person's id. */
enum rc person_create(struct db_tx *tx, const struct actor *actor, const struct person_input *in,
		      int64_t *id, struct problem *prob);
/* Changes the fields given: the person themself may change their name,
 * categories, platform, work site, roles and consent; staff reaching the
 * person (ACT_PERSON_EDIT) everything. RC_FORBIDDEN names the fields the
 * caller may not change. */
enum rc person_update(struct db_tx *tx, const struct actor *actor, int64_t id,
		      const struct person_input *in, struct problem *prob);
/* RC_FORBIDDEN naming the fields of in that a person may not set on their
 * own profile (their community, grid, instructor …), else RC_OK. */
enum rc person_check_own(const struct person_input *in, struct problem *prob);
/* Reads one person, unmasked, without asking who wants it. RC_NOT_FOUND. */
enum rc person_get(struct db *db, int64_t id, struct person *out, struct problem *prob);
/* The person of an account, RC_NOT_FOUND if the account has none. */
enum rc person_get_by_account(struct db *db, int64_t account_id, struct person *out,
			      struct problem *prob);
/* Reads one person as viewer may see them: their own, or reaching them with
 * ACT_PERSON_READ (RC_FORBIDDEN otherwise). The phone is masked unless it
 * is the viewer's own. */
enum rc person_read(struct db *db, const struct principal *viewer, int64_t id,
		    struct person_view *out, struct problem *prob);
/* The names behind a person's references, for their own profile page:
 * "" where the reference is unset or gone. */
struct person_names {
	char grid[161];
	char instructor[PERSON_NAME_MAX * 4 + 1];
	char work_site[161];
};
/* Reads the names of p's grid, instructor (an account) and work site,
 * unchecked: the caller shows them only to p themself. */
enum rc person_names_get(struct db *db, const struct person *p, struct person_names *out,
			 struct problem *prob);
/* The whole number of person id, for staff reaching them with
 * ACT_PERSON_PHONE; records the read in the audit log. */
enum rc person_phone(struct db_tx *tx, const struct actor *actor, int64_t id, char out[24],
		     struct problem *prob);
/* The account's person, made from the account (its name and number) if it
 * has none yet, or linked to the ledger's entry of the same number. */
enum rc person_of_account(struct db_tx *tx, const struct actor *actor, int64_t account_id,
			  struct person *out, struct problem *prob);

/* An instructor's contact with a person (党建指导员 联系记录). */
extern const struct field_choice contact_channels[];
struct person_contact {
	int64_t id;
	int64_t account_id; /* who made the contact */
	char account_name[161];
	int64_t at_s;
	char channel[16];
	char notes[2001];
};
/* Records a contact with person id by the actor (ACT_PERSON_EDIT reaching
 * the person), at at_s (0: now; not in the future), by channel (a code of
 * contact_channels), with notes (up to 500 characters, may be empty). */
enum rc person_contact_add(struct db_tx *tx, const struct actor *actor, int64_t id, int64_t at_s,
			   const char *channel, const char *notes, int64_t *contact_id,
			   struct problem *prob);
/* The contacts with person id, newest first, for those who may read the
 * person; *items is *new*. */
enum rc person_contacts(struct db *db, const struct principal *viewer, int64_t id,
			struct person_contact **items, size_t *n, struct problem *prob);

/* The ledger's filters. Zero or empty: no filter. */
struct person_filter {
	char region[13]; /* a region code prefix (street, community) */
	int64_t grid_id;
	int64_t categories; /* any of these */
	char platform[PERSON_CODE_CAP];
	int64_t work_site_id;
	int64_t team_id;
	char role[PERSON_CODE_CAP];
	int64_t party_org_id;
	int checked_in_days;	/* > 0: checked in within so many days; < 0: not */
	int not_contacted_days; /* > 0: no instructor contact within so many days */
	const char *q;		/* a name substring or the whole number */
};

/* Reads the ledger's query parameters into f (field errors into prob). */
struct person_page {
	size_t n;
	struct person *items;
	int64_t next_after_id; /* 0: no more */
	int64_t total;	       /* every match, all pages */
};
/* One page of the people viewer may read that match f, by id after
 * after_id; phones masked. The region filter must lie within viewer's
 * scope, or RC_FORBIDDEN; without one, the viewer's own scope applies. */
enum rc person_list(struct db *db, const struct principal *viewer, const struct person_filter *f,
		    int64_t after_id, size_t limit, struct person_page *page, struct problem *prob);
/* person_list for a caller that walks every page (an export): without the
 * total (0), which would cost a pass over every match for each page, and
 * with whole numbers if whole is true, for a caller that has checked
 * ACT_PERSON_PHONE and audits. */
enum rc person_list_walk(struct db *db, const struct principal *viewer,
			 const struct person_filter *f, bool whole, int64_t after_id, size_t limit,
			 struct person_page *page, struct problem *prob);
void person_page_release(struct person_page *page);

/* The counts the articles quote, for the people matching f: in all, per
 * category, per platform, per volunteer role, registered (with an account),
 * checked in within 30 days, and per child region of f's region. */
struct person_counts {
	int64_t total, registered, checked_in_30d, party_members;
	int64_t by_category[PERSON_CATEGORY_COUNT];
	size_t nplatforms, nroles, nregions;
	struct {
		char code[PERSON_CODE_CAP];
		int64_t n;
	} platforms[32], roles[32];
	struct {
		char code[13];
		int64_t n;
	} regions[64];
};
enum rc person_count(struct db *db, const struct principal *viewer, const struct person_filter *f,
		     struct person_counts *out, struct problem *prob);
/* person_count keeps its answers (by viewer scope and filter) once enabled,
 * until person_counts_changed or a minute passes. Enable it only where
 * person_counts_changed is called after every commit that changes people,
 * teams or check-ins (the server's event subscriber). */
void person_counts_cache_enable(bool on);
void person_counts_changed(void);

/* A catalog entry: platforms and volunteer roles. */
struct person_catalog_item {
	char code[PERSON_CODE_CAP];
	char name_zh[64], name_en[64];
};
/* The platforms (which_roles false) or the volunteer roles, by sort order;
 * *items is *new*. */
enum rc person_catalog(struct db *db, bool which_roles, struct person_catalog_item **items,
		       size_t *n, struct problem *prob);

#endif
