/* A person's rights over what the ledger holds about them (PIPL): a copy
 * of everything, for themselves; erasure on request, which anonymises the
 * person — name, number, account, consent, instructors' notes and client
 * addresses go — while what they counted for stays (their categories,
 * community, check-ins as numbers), so the ledger's counts do not move;
 * and the retention job that removes check-ins' client addresses and spent
 * sign-up codes once they are older than the deployment keeps them. */
#ifndef YZ_DOMAIN_PRIVACY_H
#define YZ_DOMAIN_PRIVACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/checkin.h"
#include "domain/person.h"

#define PRIVACY_ERASED_NAME "已注销"
#define PRIVACY_SECTIONS    7

/* The names of the dossier's further sections, in the order of its more[]:
 * requests, inbox, activity sign-ups, room bookings, points entries,
 * redemptions, distribution hand-overs. Columns ending in "_s" are times
 * (seconds since 1970). */
extern const char *const privacy_sections[PRIVACY_SECTIONS];

/* Everything held about one person, for themselves. */
struct privacy_dossier {
	struct account account;
	bool has_person;
	struct person person;
	struct checkin *checkins; /* all, newest first */
	size_t ncheckins;
	struct person_contact *contacts;
	size_t ncontacts;
	struct {
		int64_t team_id;
		char team[161];
		int64_t joined_s, left_s;
	} * teams;
	size_t nteams;
	/* What else the account did or holds, section by section
	 * (privacy_sections names them): rows as the tables keep them. */
	struct db_rows *more[PRIVACY_SECTIONS];
};

/* The dossier of the viewer's own account and person. Records the
 * download in the audit log. */
enum rc privacy_dossier(struct db *db, const struct actor *actor, struct privacy_dossier *out,
			struct problem *prob);
void privacy_dossier_release(struct privacy_dossier *d);

/* Anonymises person id and, if they have one, their account (disabled,
 * sessions and tokens ended, number freed): the person themself, or staff
 * reaching them with ACT_PERSON_EDIT. Erasing twice changes nothing. */
enum rc privacy_erase(struct db_tx *tx, const struct actor *actor, int64_t id,
		      struct problem *prob);

/* Removes client addresses of check-ins older than keep_s and sign-up codes
 * older than a day; *n gets how many rows changed. */
enum rc privacy_purge(struct db *db, int64_t now_s, int64_t keep_s, int64_t *n,
		      struct problem *prob);

#endif
