/* A person's rights over their data: a copy of everything, erasure. */
#include <stdio.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/render.h"
#include "api/reply.h"
#include "api/write.h"
#include "domain/privacy.h"

/* Rows as objects named by their columns; a column ending in "_s" is a
 * time, given as RFC 3339 under its name without the "_s". */
static json_t *rows_json(const struct db_rows *rows)
{
	json_t *a = json_array();
	for (size_t i = 0; rows && i < db_rows_count(rows); i++) {
		json_t *o = json_object();
		for (size_t c = 0; c < db_rows_cols(rows); c++) {
			const char *name = db_rows_name(rows, c);
			size_t n = strlen(name);
			if (n > 2 && !strcmp(name + n - 2, "_s")) {
				char key[64];
				snprintf(key, sizeof(key), "%.*s_at", (int)(n - 2), name);
				json_object_set_new(o, key,
						    db_rows_null(rows, i, c)
							    ? json_null()
							    : json_time(db_rows_int(rows, i, c)));
			} else {
				json_object_set_new(
					o, name,
					db_rows_null(rows, i, c)
						? json_null()
						: json_string(db_rows_text(rows, i, c)));
			}
		}
		json_array_append_new(a, o);
	}
	return a;
}

void h_me_data(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct privacy_dossier d;
	struct actor actor = api_actor(req);
	if (privacy_dossier(app->db, &actor, &d, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	struct principal self = { .kind = AUTH_SESSION, .account_id = d.account.id };
	json_t *o = json_object();
	json_object_set_new(o, "account", render_account(&self, &d.account));
	/* The person whole: staff fields and the number are theirs to see. */
	json_object_set_new(o, "person",
			    d.has_person ? render_person(&d.person, false, true) : json_null());
	json_t *checkins = json_array();
	for (size_t i = 0; i < d.ncheckins; i++)
		json_array_append_new(
			checkins,
			json_pack("{s:I,s:I,s:s,s:s,s:o}", "id", (json_int_t)d.checkins[i].id,
				  "station_id", (json_int_t)d.checkins[i].station_id,
				  "station_name", d.checkins[i].station_name, "purpose",
				  d.checkins[i].purpose, "at", json_time(d.checkins[i].at_s)));
	json_object_set_new(o, "checkins", checkins);
	json_t *contacts = json_array();
	for (size_t i = 0; i < d.ncontacts; i++) {
		json_t *c = json_pack("{s:s,s:o,s:s}", "by", d.contacts[i].account_name, "at",
				      json_time(d.contacts[i].at_s), "channel",
				      d.contacts[i].channel);
		if (d.contacts[i].notes[0])
			json_object_set_new(c, "notes", json_string(d.contacts[i].notes));
		json_array_append_new(contacts, c);
	}
	json_object_set_new(o, "instructor_contacts", contacts);
	json_t *teams = json_array();
	for (size_t i = 0; i < d.nteams; i++)
		json_array_append_new(teams, json_pack("{s:I,s:s,s:o,s:o}", "team_id",
						       (json_int_t)d.teams[i].team_id, "team",
						       d.teams[i].team, "joined_at",
						       json_time(d.teams[i].joined_s), "left_at",
						       json_time(d.teams[i].left_s)));
	json_object_set_new(o, "teams", teams);
	for (size_t k = 0; k < PRIVACY_SECTIONS; k++)
		json_object_set_new(o, privacy_sections[k], rows_json(d.more[k]));
	privacy_dossier_release(&d);
	reply_json(resp, 200, o);
	http_resp_header(resp, "Content-Disposition", "attachment; filename=\"my-data.json\"");
}

struct erase_arg {
	int64_t id; /* 0: the caller's own */
};

static enum rc erase(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		     struct write_out *out, struct problem *prob)
{
	struct erase_arg *e = arg;
	(void)req;
	int64_t id = e->id;
	enum rc rc = RC_OK;
	if (!id) {
		struct person own;
		rc = person_of_account(tx, actor, actor->p->account_id, &own, prob);
		id = own.id;
	}
	if (rc == RC_OK)
		rc = privacy_erase(tx, actor, id, prob);
	if (rc == RC_OK)
		out->body = json_pack("{s:I,s:b}", "person_id", (json_int_t)id, "erased", 1);
	return rc;
}

static bool confirmed(struct http_req *req, struct http_resp *resp, struct problem *prob)
{
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return false;
	static const char *const allowed[] = { "confirm", NULL };
	fields_known(body, allowed, prob);
	json_t *c = json_object_get(body, "confirm");
	if (!json_is_true(c))
		problem_field(prob, "confirm", "注销不能撤销：请传 confirm: true 确认");
	json_decref(body);
	if (problem_has_fields(prob)) {
		reply_problem(req, resp, prob);
		return false;
	}
	return true;
}

void h_me_erase(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	if (!confirmed(req, resp, &prob))
		return;
	struct erase_arg e = { 0 };
	api_write(req, resp, erase, &e);
	if (resp->status == 200)
		session_cookie_set(req, resp, "", 0);
}

void h_person_erase(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct erase_arg e = { 0 };
	if (!param_id(req, "id", &e.id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	if (!confirmed(req, resp, &prob))
		return;
	api_write(req, resp, erase, &e);
}
