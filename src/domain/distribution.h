/* Distributions (暖新大礼包, 送清凉): a batch of one shop item handed out
 * at a station to a list of people chosen from the ledger (a street's
 * riders registered since a date …), qty_each to each, once each.
 *
 * Creating one takes the whole batch from the item's stock (one
 * "handed_out" move of the stock ledger) and writes the list; each
 * hand-over is confirmed at the station by scanning the person's own code
 * (person_codes, shown as a QR on their profile): a person not on the
 * list, or already served, is refused with the rule named. Closing it
 * returns what was not collected to the stock ("returned"). People with
 * an account are told in their inbox.
 *
 * Who may: managing the station's shop (ACT_SHOP_MANAGE) to hand over and
 * close; creating also needs reading the people of the region chosen
 * (ACT_PERSON_READ there), since it lists them. */
#ifndef YZ_DOMAIN_DISTRIBUTION_H
#define YZ_DOMAIN_DISTRIBUTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/problem.h"
#include "db/db.h"
#include "domain/audit.h"
#include "domain/person.h"

#define DISTRIBUTION_TITLE_MAX	40
#define DISTRIBUTION_PEOPLE_MAX 20000
#define PERSON_CODE_LEN		52 /* "yzp_", 43 characters and the NUL */

struct distribution {
	int64_t id;
	char title[DISTRIBUTION_TITLE_MAX * 4 + 1];
	int64_t station_id;
	char station_name[241];
	char region_code[13];
	int64_t item_id;
	char item_name[161];
	int qty_each;
	int people, handed;
	char state[8]; /* open, closed */
	char note[2001];
	int64_t created_by;
	int64_t created_s, closed_s;
	int64_t returned;
};

/* Whom a distribution is for: the ledger's filter (its region required: a
 * street or a community) and, when registered_since_s > 0, only people
 * entered since then. */
struct distribution_input {
	const char *title, *note;
	int64_t station_id, item_id;
	int64_t qty_each;
	struct person_filter filter;
	int64_t registered_since_s;
};

/* Creates a distribution for everyone matching in->filter (at least one,
 * at most DISTRIBUTION_PEOPLE_MAX): the batch taken from stock at once
 * (RC_CONFLICT "stock-short" when it is not there). */
enum rc distribution_create(struct db_tx *tx, const struct actor *actor,
			    const struct distribution_input *in, int64_t *id, struct problem *prob);
/* Hands qty_each to the person whose code is token: RC_NOT_FOUND
 * "code-unknown", RC_CONFLICT "not-listed", "already-handed" (naming when)
 * or "closed". *person (may be NULL) gets who it was. */
enum rc distribution_hand_over(struct db_tx *tx, const struct actor *actor, int64_t id,
			       const char *token, struct person *person, struct problem *prob);
/* Closes it: what nobody collected goes back to stock. */
enum rc distribution_close(struct db_tx *tx, const struct actor *actor, int64_t id,
			   struct problem *prob);
/* Reads it (its station's managers). */
enum rc distribution_read(struct db *db, const struct principal *viewer, int64_t id,
			  struct distribution *out, struct problem *prob);
/* A station's distributions, newest first. *items *new*. */
enum rc distribution_list(struct db *db, const struct principal *viewer, int64_t station_id,
			  struct distribution **items, size_t *n, struct problem *prob);

/* One person on the list. */
struct distribution_person {
	int64_t person_id;
	char name[PERSON_NAME_MAX * 4 + 1];
	char state[16]; /* due, handed_over */
	int64_t handed_s;
};
/* The list, by name, after person after_id, at most limit; state NULL for
 * any. *items *new*. */
enum rc distribution_people(struct db *db, const struct principal *viewer, int64_t id,
			    const char *state, int64_t after_id, size_t limit,
			    struct distribution_person **items, size_t *n, struct problem *prob);

/* The actor's own code, made on first use (the person made from the
 * account if there is none yet), into token. */
enum rc person_code_mine(struct db_tx *tx, const struct actor *actor, char token[PERSON_CODE_LEN],
			 struct problem *prob);
/* The code of person_id, made on first use, for the person themself or
 * staff who may edit people of their region (to print it for someone
 * without an account). */
enum rc person_code_get(struct db_tx *tx, const struct actor *actor, int64_t person_id,
			char token[PERSON_CODE_LEN], struct problem *prob);

#endif
