/* A person's copy of their data, their erasure, and the retention job. */
#include "domain/privacy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"
#include "domain/inbox.h"
#include "domain/permission.h"

const char *const privacy_sections[PRIVACY_SECTIONS] = {
	"requests",	  "inbox",	 "activity_signups", "room_bookings",
	"points_entries", "redemptions", "distributions",
};

/* Each section's rows: what the account filed, was told, signed up for,
 * booked, earned and spent, redeemed, and what the person was handed ($1:
 * the account, or for the last, the person). */
static const char *const section_sql[PRIVACY_SECTIONS] = {
	"SELECT id, kind, category, title, description, state, station_id, region_code, rating,"
	" rating_comment, created_s, resolved_s FROM requests WHERE requester_id = $1"
	" ORDER BY id",
	"SELECT id, kind, ref_noun, ref_id, title, body, created_s, read_s FROM inbox"
	" WHERE account_id = $1 ORDER BY id",
	"SELECT s.activity_id, a.title, a.starts_s, s.state, s.how, s.created_s, s.attended_s"
	" FROM activity_signups s JOIN activities a ON a.id = s.activity_id"
	" WHERE s.account_id = $1 ORDER BY s.id",
	"SELECT b.id, r.name AS room, b.group_name, b.purpose, b.attendees, b.starts_s, b.ends_s,"
	" b.state, b.created_s FROM room_bookings b JOIN station_rooms r ON r.id = b.room_id"
	" WHERE b.booker_id = $1 ORDER BY b.id",
	"SELECT id, amount, reason, ref_kind, ref_id, station_id, note, created_s"
	" FROM points_entries WHERE account_id = $1 ORDER BY id",
	"SELECT r.id, i.name AS item, r.station_id, r.qty, r.points, r.state, r.created_s,"
	" r.handed_s, r.refunded_s FROM redemptions r JOIN shop_items i ON i.id = r.item_id"
	" WHERE r.account_id = $1 ORDER BY r.id",
	"SELECT d.id, d.title, p.state, p.handed_s FROM distribution_people p"
	" JOIN distributions d ON d.id = p.distribution_id WHERE p.person_id = $1"
	" ORDER BY d.id",
};

enum rc privacy_dossier(struct db *db, const struct actor *actor, struct privacy_dossier *out,
			struct problem *prob)
{
	memset(out, 0, sizeof(*out));
	int64_t account_id = actor->p ? actor->p->account_id : 0;
	enum rc rc = account_get(db, account_id, &out->account, prob);
	if (rc != RC_OK)
		return rc;
	struct problem miss;
	problem_init(&miss);
	rc = person_get_by_account(db, account_id, &out->person, &miss);
	if (rc == RC_NOT_FOUND)
		rc = RC_OK;
	else if (rc == RC_OK)
		out->has_person = true;
	else
		*prob = miss;
	if (rc == RC_OK && out->has_person)
		rc = checkin_list_person(db, out->person.id, 100000, &out->checkins,
					 &out->ncheckins, prob);
	if (rc == RC_OK && out->has_person)
		rc = person_contacts(db, actor->p, out->person.id, &out->contacts, &out->ncontacts,
				     prob);
	struct db_rows *rows = NULL;
	if (rc == RC_OK && out->has_person)
		rc = db_q(db,
			  "SELECT m.team_id, t.name, m.joined_s, m.left_s FROM team_members m"
			  " JOIN teams t ON t.id = m.team_id WHERE m.person_id = $1"
			  " ORDER BY m.joined_s, m.id",
			  &rows, prob, DB_I(out->person.id));
	if (rc == RC_OK && rows) {
		size_t n = db_rows_count(rows);
		out->teams = xcalloc(n ? n : 1, sizeof(*out->teams));
		for (size_t i = 0; i < n; i++) {
			out->teams[i].team_id = db_rows_int(rows, i, 0);
			text_copy(out->teams[i].team, sizeof(out->teams[i].team),
				  db_rows_text(rows, i, 1));
			out->teams[i].joined_s = db_rows_int(rows, i, 2);
			out->teams[i].left_s = db_rows_null(rows, i, 3) ? 0
									: db_rows_int(rows, i, 3);
		}
		out->nteams = n;
	}
	db_rows_free(rows);
	if (rc != RC_OK) {
		privacy_dossier_release(out);
		return rc;
	}
	for (size_t k = 0; rc == RC_OK && k < PRIVACY_SECTIONS; k++)
		rc = db_q(db, section_sql[k], &out->more[k], prob,
			  DB_I(k == PRIVACY_SECTIONS - 1 ? (out->has_person ? out->person.id : 0)
							 : account_id));
	if (rc != RC_OK) {
		privacy_dossier_release(out);
		return rc;
	}
	/* Who downloaded what is itself a record kept. */
	struct db_tx *tx = NULL;
	rc = db_tx_open(db, &tx, prob);
	if (rc == RC_OK)
		rc = db_tx_close(
			tx,
			audit_record_id(tx, actor, "person.download", "account", account_id,
					out->has_person ? out->person.region_code : "", NULL, prob),
			prob);
	if (rc != RC_OK)
		privacy_dossier_release(out);
	return rc;
}

void privacy_dossier_release(struct privacy_dossier *d)
{
	free(d->checkins);
	free(d->contacts);
	free(d->teams);
	for (size_t k = 0; k < PRIVACY_SECTIONS; k++)
		db_rows_free(d->more[k]);
	memset(d, 0, sizeof(*d));
}

enum rc privacy_erase(struct db_tx *tx, const struct actor *actor, int64_t id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct person p;
	enum rc rc = person_get(db, id, &p, prob);
	if (rc != RC_OK)
		return rc;
	bool self = actor->p && actor->p->account_id && p.account_id == actor->p->account_id;
	struct scope_target t = { .region = p.region_code };
	if (!self && !permission_allows(actor->p, ACT_PERSON_EDIT, &t))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权修改这个人的信息");
	if (p.deleted_s)
		return RC_OK;
	int64_t now = clock_now_s();
	/* What identifies the person goes; what they counted for stays. */
	rc = db_q(db,
		  "UPDATE persons SET name = $1, phone = NULL, account_id = NULL,"
		  " instructor_id = NULL, consent_version = NULL, consent_s = NULL,"
		  " deleted_s = $2, updated_s = $2 WHERE id = $3",
		  NULL, prob, DB_T(PRIVACY_ERASED_NAME), DB_I(now), DB_I(id));
	if (rc == RC_OK)
		rc = db_q(db, "UPDATE checkins SET client_ip = NULL WHERE person_id = $1", NULL,
			  prob, DB_I(id));
	if (rc == RC_OK)
		rc = db_q(db, "UPDATE instructor_contacts SET notes = NULL WHERE person_id = $1",
			  NULL, prob, DB_I(id));
	if (rc == RC_OK && p.phone[0])
		rc = db_q(db, "DELETE FROM signup_codes WHERE phone = $1", NULL, prob,
			  DB_T(p.phone));
	if (rc == RC_OK && p.account_id) {
		/* The account cannot sign in again, and its number is free. */
		char placeholder[24];
		snprintf(placeholder, sizeof(placeholder), "x%lld", (long long)p.account_id);
		rc = db_q(db,
			  "UPDATE accounts SET phone = $1, name = $2, pw_hash = NULL, disabled = 1,"
			  " updated_s = $3 WHERE id = $4",
			  NULL, prob, DB_T(placeholder), DB_T(PRIVACY_ERASED_NAME), DB_I(now),
			  DB_I(p.account_id));
		if (rc == RC_OK)
			rc = db_q(db,
				  "UPDATE sessions SET revoked_s = $1 WHERE account_id = $2"
				  " AND revoked_s IS NULL",
				  NULL, prob, DB_I(now), DB_I(p.account_id));
		if (rc == RC_OK)
			rc = db_q(db,
				  "UPDATE api_tokens SET revoked_s = $1 WHERE account_id = $2"
				  " AND revoked_s IS NULL",
				  NULL, prob, DB_I(now), DB_I(p.account_id));
		/* Its notifications name what happened to it: they go too. */
		if (rc == RC_OK)
			rc = inbox_erase_account(tx, p.account_id, prob);
	}
	if (rc != RC_OK)
		return rc;
	struct audit_detail d;
	audit_detail_init(&d);
	audit_detail_int(&d, "self", self);
	rc = audit_record_id(tx, actor, "person.erase", "person", id, p.region_code, &d, prob);
	audit_detail_release(&d);
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	return rc == RC_OK ? events_record(tx, EVENT_PERSON_CHANGED, sid, prob) : rc;
}

enum rc privacy_purge(struct db *db, int64_t now_s, int64_t keep_s, int64_t *n,
		      struct problem *prob)
{
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "UPDATE checkins SET client_ip = NULL WHERE at_s < $1"
			  " AND client_ip IS NOT NULL RETURNING id",
			  &rows, prob, DB_I(now_s - keep_s));
	if (rc != RC_OK)
		return rc;
	*n += (int64_t)db_rows_count(rows);
	db_rows_free(rows);
	rc = db_q(db, "DELETE FROM signup_codes WHERE created_s < $1 RETURNING id", &rows, prob,
		  DB_I(now_s - 86400));
	if (rc != RC_OK)
		return rc;
	*n += (int64_t)db_rows_count(rows);
	db_rows_free(rows);
	return RC_OK;
}
