/* /api/v1/audit: the audit log for admins, filterable and paged newest
 * first. Details hold masked phone numbers only. */
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/reply.h"
#include "core/clock.h"
#include "domain/audit.h"

static bool query_time(struct http_req *req, const char *name, int64_t *out, struct problem *prob)
{
	const char *s = http_req_query(req, name);
	*out = 0;
	if (!s || !*s)
		return true;
	if (clock_parse_rfc3339(s, out) != 0) {
		problem_field(prob, name, "应为 RFC 3339 时间，如 2026-11-22T08:00:00+08:00");
		return false;
	}
	return true;
}

void h_audit_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct audit_filter f = { 0 };
	int64_t limit = 50;
	query_int(req, "actor_id", 1, INT64_MAX, 0, &f.actor_id, &prob);
	query_int(req, "before", 1, INT64_MAX, 0, &f.before_id, &prob);
	query_int(req, "limit", 1, 200, 50, &limit, &prob);
	query_time(req, "since", &f.since_s, &prob);
	query_time(req, "until", &f.until_s, &prob);
	f.action = http_req_query(req, "action");
	f.object_type = http_req_query(req, "object_type");
	f.object_id = http_req_query(req, "object_id");
	f.request_id = http_req_query(req, "request_id");
	f.limit = (size_t)limit;
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	struct audit_page page;
	if (audit_list(app->db, req_principal(req), &f, &page, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < page.n; i++) {
		const struct audit_entry *e = &page.entries[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(e->id));
		json_object_set_new(o, "at", json_time(e->at_s));
		json_object_set_new(o, "actor_id",
				    e->actor_id ? json_integer(e->actor_id) : json_null());
		json_object_set_new(o, "actor", json_string(e->actor_label));
		json_object_set_new(o, "action", json_string(e->action));
		json_object_set_new(o, "object_type", json_string(e->object_type));
		json_object_set_new(o, "object_id",
				    e->object_id[0] ? json_string(e->object_id) : json_null());
		json_object_set_new(o, "ip", e->ip[0] ? json_string(e->ip) : json_null());
		json_object_set_new(o, "request_id",
				    e->request_id[0] ? json_string(e->request_id) : json_null());
		json_object_set_new(o, "scope", e->scope[0] ? json_string(e->scope) : json_null());
		json_t *d = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
		json_object_set_new(o, "detail", d ? d : json_null());
		json_array_append_new(items, o);
	}
	json_t *o = json_object();
	json_object_set_new(o, "items", items);
	json_object_set_new(o, "next_before",
			    page.next_before_id ? json_integer(page.next_before_id) : json_null());
	audit_page_release(&page);
	reply_json(resp, 200, o);
}
