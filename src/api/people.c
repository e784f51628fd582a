/* /api/v1/people: the workers' ledger, its counts and catalog, and a
 * person's own profile (/api/v1/me/person). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "api/render.h"
#include "api/reply.h"
#include "api/query.h"
#include "api/write.h"
#include "domain/checkin.h"
#include "domain/ledger.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "domain/person.h"

/* The custom fields: roles (codes) and teams. */
static void render_custom(const struct field *f, const void *rec, struct sb *sb, void *ctx)
{
	const struct person *p = rec;
	(void)ctx;
	if (sb->len && sb->buf[sb->len - 1] != '{')
		sb_addc(sb, ',');
	sb_addf(sb, "\"%s\":[", f->name);
	if (strcmp(f->name, "roles") == 0) {
		for (size_t i = 0; i < p->nroles; i++) {
			if (i)
				sb_addc(sb, ',');
			sb_addc(sb, '"');
			sb_add_json_escaped(sb, p->roles[i], strlen(p->roles[i]));
			sb_addc(sb, '"');
		}
	} else {
		for (size_t i = 0; i < p->nteams; i++) {
			sb_addf(sb, "%s{\"id\":%lld,\"name\":\"", i ? "," : "",
				(long long)p->teams[i].id);
			sb_add_json_escaped(sb, p->teams[i].name, strlen(p->teams[i].name));
			sb_addlit(sb, "\"}");
		}
	}
	sb_addc(sb, ']');
}

/* A person as the viewer sees them; the phone was masked by the domain. */
json_t *render_person(const struct person *p, bool summary, bool staff)
{
	struct fields_view view = { .summary = summary, .whole_phone = true, .staff = staff };
	struct sb sb = SB_INIT;
	sb_addc(&sb, '{');
	fields_render(&person_noun, p, &view, render_custom, NULL, &sb);
	sb_addc(&sb, '}');
	json_t *o = json_loadb(sb.buf, sb.len, 0, NULL);
	sb_release(&sb);
	return o ? o : json_object();
}

static json_t *render_view(const struct person_view *v)
{
	json_t *o = render_person(&v->p, false, v->may_edit);
	json_object_set_new(o, "self", json_boolean(v->self));
	return o;
}

void parse_person_custom(const struct field *f, json_t *v, void *input, void *ctx,
			 struct problem *prob)
{
	struct person_input *in = input;
	(void)ctx;
	if (strcmp(f->name, "roles") != 0)
		return;
	if (json_is_null(v)) {
		field_mark(f, in);
		in->nroles = 0;
		return;
	}
	if (!json_is_array(v) || json_array_size(v) > PERSON_ROLES_MAX) {
		problem_field(prob, "roles", "应为最多 %d 个岗位编码的数组", PERSON_ROLES_MAX);
		return;
	}
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e) || json_string_length(e) >= PERSON_CODE_CAP) {
			problem_field(prob, "roles", "应为最多 %d 个岗位编码的数组",
				      PERSON_ROLES_MAX);
			return;
		}
		in->roles[i] = json_string_value(e);
	}
	in->nroles = json_array_size(v);
	field_mark(f, in);
}

/* Reads the ledger's filters from the query string. */
static void read_filter(struct http_req *req, struct person_filter *f, struct problem *prob)
{
	memset(f, 0, sizeof(*f));
	const char *s;
	query_region(req, "region", false, f->region, prob);
	if ((s = http_req_query(req, "category"))) {
		int bit = -1;
		for (int k = 0; person_categories[k].code; k++)
			if (strcmp(person_categories[k].code, s) == 0)
				bit = k;
		if (bit < 0)
			problem_field(prob, "category", "没有这个类别：%s", s);
		else
			f->categories = PERSON_BIT(bit);
	}
	if ((s = http_req_query(req, "platform")))
		snprintf(f->platform, sizeof(f->platform), "%s", s);
	if ((s = http_req_query(req, "role")))
		snprintf(f->role, sizeof(f->role), "%s", s);
	query_int(req, "grid_id", 1, INT64_MAX, 0, &f->grid_id, prob);
	query_int(req, "work_site_id", 1, INT64_MAX, 0, &f->work_site_id, prob);
	query_int(req, "team_id", 1, INT64_MAX, 0, &f->team_id, prob);
	query_int(req, "party_org_id", 1, INT64_MAX, 0, &f->party_org_id, prob);
	int64_t days = 0;
	query_int(req, "checked_in_days", -3650, 3650, 0, &days, prob);
	f->checked_in_days = (int)days;
	query_int(req, "not_contacted_days", 0, 3650, 0, &days, prob);
	f->not_contacted_days = (int)days;
	f->q = http_req_query(req, "q");
	if (f->q && strlen(f->q) > 64)
		problem_field(prob, "q", "搜索词最长 64 字节");
}

void h_people_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct person_filter f;
	read_filter(req, &f, &prob);
	int64_t after = 0, limit = 50;
	query_int(req, "after", 0, INT64_MAX, 0, &after, &prob);
	query_int(req, "limit", 1, 200, 50, &limit, &prob);
	struct person_page page;
	if (problem_has_fields(&prob) || person_list(app->db, req_principal(req), &f, after,
						     (size_t)limit, &page, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < page.n; i++)
		json_array_append_new(items, render_person(&page.items[i], true, true));
	json_t *o = json_pack("{s:o,s:o,s:I}", "items", items, "next_after",
			      page.next_after_id ? json_integer(page.next_after_id) : json_null(),
			      "total", (json_int_t)page.total);
	person_page_release(&page);
	reply_json(resp, 200, o);
}

void h_people_counts(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct person_filter f;
	read_filter(req, &f, &prob);
	struct person_counts *c = xmalloc(sizeof(*c));
	if (problem_has_fields(&prob) ||
	    person_count(app->db, req_principal(req), &f, c, &prob) != RC_OK) {
		free(c);
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *cats = json_object();
	for (int k = 0; k < PERSON_CATEGORY_COUNT; k++)
		json_object_set_new(cats, person_categories[k].code,
				    json_integer(c->by_category[k]));
	json_t *regions = json_array();
	for (size_t i = 0; i < c->nregions; i++)
		json_array_append_new(regions, json_pack("{s:s,s:I}", "code", c->regions[i].code,
							 "count", (json_int_t)c->regions[i].n));
	json_t *platforms = json_object(), *roles = json_object();
	for (size_t i = 0; i < c->nplatforms; i++)
		json_object_set_new(platforms, c->platforms[i].code,
				    json_integer(c->platforms[i].n));
	for (size_t i = 0; i < c->nroles; i++)
		json_object_set_new(roles, c->roles[i].code, json_integer(c->roles[i].n));
	json_t *o = json_pack("{s:I,s:I,s:I,s:o,s:o,s:o,s:o}", "total", (json_int_t)c->total,
			      "registered", (json_int_t)c->registered, "checked_in_30d",
			      (json_int_t)c->checked_in_30d, "by_category", cats, "by_platform",
			      platforms, "by_role", roles, "by_region", regions);
	free(c);
	reply_json(resp, 200, o);
}

static json_t *catalog_json(const struct person_catalog_item *items, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a,
				      json_pack("{s:s,s:s,s:s}", "code", items[i].code, "name_zh",
						items[i].name_zh, "name_en", items[i].name_en));
	return a;
}

static json_t *choices_json(const struct field_choice *c)
{
	json_t *a = json_array();
	for (; c->code; c++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "code", c->code, "name_zh",
						   c->zh, "name_en", c->en));
	return a;
}

void h_people_catalog(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct person_catalog_item *platforms = NULL, *roles = NULL;
	size_t np = 0, nr = 0;
	if (person_catalog(app->db, false, &platforms, &np, &prob) != RC_OK ||
	    person_catalog(app->db, true, &roles, &nr, &prob) != RC_OK) {
		free(platforms);
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *o = json_pack("{s:o,s:o,s:o,s:o}", "categories", choices_json(person_categories),
			      "platforms", catalog_json(platforms, np), "roles",
			      catalog_json(roles, nr), "purposes", choices_json(checkin_purposes));
	free(platforms);
	free(roles);
	reply_json(resp, 200, o);
}

void h_person_get(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct person_view v;
	if (!param_id(req, "id", &id, &prob) ||
	    person_read(app->db, req_principal(req), id, &v, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_json(resp, 200, render_view(&v));
}

struct person_arg {
	int64_t id; /* 0: the caller's own */
	struct person_input in;
};

static enum rc render_after(struct http_req *req, const struct actor *actor, int64_t id,
			    struct write_out *out, struct problem *prob)
{
	struct person_view v;
	enum rc rc = person_read(((struct app *)req->app)->db, actor->p, id, &v, prob);
	if (rc == RC_OK)
		out->body = render_view(&v);
	return rc;
}

static enum rc create(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	struct person_arg *a = arg;
	int64_t id = 0;
	enum rc rc = person_create(tx, actor, &a->in, &id, prob);
	if (rc == RC_OK)
		rc = render_after(req, actor, id, out, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	snprintf(out->location, sizeof(out->location), "/api/v1/people/%lld", (long long)id);
	return RC_OK;
}

void h_people_create(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	struct person_arg a = { 0 };
	fields_parse(&person_noun, body, &a.in, parse_person_custom, NULL, &prob);
	if (!a.in.has_name)
		problem_field(&prob, "name", "必填 (required)");
	if (!a.in.has_phone)
		problem_field(&prob, "phone", "必填 (required)");
	api_write_checked(req, resp, &prob, create, &a);
	json_decref(body);
}

static enum rc update(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	struct person_arg *a = arg;
	int64_t id = a->id;
	enum rc rc = RC_OK;
	if (!id) {
		struct person own;
		rc = person_of_account(tx, actor, actor->p->account_id, &own, prob);
		id = own.id;
	}
	if (rc == RC_OK)
		rc = person_update(tx, actor, id, &a->in, prob);
	return rc == RC_OK ? render_after(req, actor, id, out, prob) : rc;
}

static void update_from(struct http_req *req, struct http_resp *resp, int64_t id)
{
	struct problem prob;
	problem_init(&prob);
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	struct person_arg a = { .id = id };
	fields_parse(&person_noun, body, &a.in, parse_person_custom, NULL, &prob);
	api_write_checked(req, resp, &prob, update, &a);
	json_decref(body);
}

void h_person_update(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	if (!param_id(req, "id", &id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	update_from(req, resp, id);
}

void h_me_person_update(struct http_req *req, struct http_resp *resp)
{
	update_from(req, resp, 0);
}

void h_me_person_get(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	const struct principal *p = req_principal(req);
	struct person own;
	struct person_view v;
	if (person_get_by_account(app->db, p->account_id, &own, &prob) != RC_OK ||
	    person_read(app->db, p, own.id, &v, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	struct checkin *items = NULL;
	size_t n = 0;
	if (checkin_list_person(app->db, own.id, 20, &items, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	struct person_names names;
	if (person_names_get(app->db, &v.p, &names, &prob) != RC_OK) {
		free(items);
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *o = render_view(&v);
	/* The names a rider cannot look up (grids, accounts and work sites are
	 * for staff), beside the ids. */
	if (names.grid[0])
		json_object_set_new(o, "grid_name", json_string(names.grid));
	if (names.instructor[0])
		json_object_set_new(o, "instructor_name", json_string(names.instructor));
	if (names.work_site[0])
		json_object_set_new(o, "work_site_name", json_string(names.work_site));
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
			list,
			json_pack("{s:I,s:I,s:s,s:s,s:o,s:s}", "id", (json_int_t)items[i].id,
				  "station_id", (json_int_t)items[i].station_id, "station_name",
				  items[i].station_name, "purpose", items[i].purpose, "at",
				  json_time(items[i].at_s), "day", items[i].day));
	free(items);
	json_object_set_new(o, "checkins", list);
	reply_json(resp, 200, o);
}

static enum rc reveal(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		      struct write_out *out, struct problem *prob)
{
	(void)req;
	char phone[24];
	enum rc rc = person_phone(tx, actor, *(int64_t *)arg, phone, prob);
	if (rc == RC_OK)
		out->body = json_pack("{s:s}", "phone", phone);
	return rc;
}

void h_person_phone(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	if (!param_id(req, "id", &id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, reveal, &id);
}

void h_person_contacts(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct person_contact *items = NULL;
	size_t n = 0;
	if (!param_id(req, "id", &id, &prob) ||
	    person_contacts(app->db, req_principal(req), id, &items, &n, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:I,s:I,s:s,s:o,s:s}", "id", (json_int_t)items[i].id,
				      "account_id", (json_int_t)items[i].account_id, "account_name",
				      items[i].account_name, "at", json_time(items[i].at_s),
				      "channel", items[i].channel);
		if (items[i].notes[0])
			json_object_set_new(o, "notes", json_string(items[i].notes));
		json_array_append_new(a, o);
	}
	free(items);
	reply_json(resp, 200, json_pack("{s:o}", "items", a));
}

struct contact_arg {
	int64_t id, at_s;
	const char *channel, *notes;
};

static enum rc add_contact(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			   void *arg, struct write_out *out, struct problem *prob)
{
	struct contact_arg *c = arg;
	(void)req;
	int64_t contact_id = 0;
	enum rc rc = person_contact_add(tx, actor, c->id, c->at_s, c->channel, c->notes,
					&contact_id, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	out->body = json_pack("{s:I,s:I}", "id", (json_int_t)contact_id, "person_id",
			      (json_int_t)c->id);
	return RC_OK;
}

void h_person_contact_add(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct contact_arg c = { 0 };
	json_t *body = NULL;
	static const char *const allowed[] = { "channel", "notes", "at", NULL };
	if (!read_id_and_body(req, resp, "id", &c.id, allowed, &body, &prob))
		return;
	c.channel = field_str(body, "channel", true, &prob);
	c.notes = field_text(body, "notes", false, true, &prob);
	const char *at = field_str(body, "at", false, &prob);
	if (at && clock_parse_rfc3339(at, &c.at_s) != 0)
		problem_field(&prob, "at", "应为 RFC 3339 时间，如 2026-12-01T08:00:00+08:00");
	api_write_checked(req, resp, &prob, add_contact, &c);
	json_decref(body);
}

void h_people_export(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct person_filter f;
	read_filter(req, &f, &prob);
	struct ledger_export opts = { .format = SHEET_XLSX };
	const char *format = http_req_query(req, "format");
	if (format && !strcmp(format, "csv"))
		opts.format = SHEET_CSV;
	else if (format && strcmp(format, "xlsx") != 0)
		problem_field(&prob, "format", "格式应为 xlsx 或 csv");
	const char *phones = http_req_query(req, "phones");
	if (phones && !strcmp(phones, "whole"))
		opts.whole_phones = true;
	else if (phones && strcmp(phones, "masked") != 0)
		problem_field(&prob, "phones", "phones 应为 masked 或 whole");
	query_bool(req, "by_category", &opts.by_category, &prob);
	if (opts.by_category && opts.format == SHEET_CSV)
		problem_field(&prob, "by_category", "按类别分表只用于 xlsx");
	int fd = -1;
	uint64_t len = 0;
	int64_t rows = 0;
	struct actor actor = api_actor(req);
	if (problem_has_fields(&prob) ||
	    ledger_export(app->db, &actor, &f, &opts, &fd, &len, &rows, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	char day[11], disposition[200], count[24];
	checkin_day(clock_now_s(), day);
	bool xlsx = opts.format == SHEET_XLSX;
	/* RFC 6266: an ASCII name, and the Chinese one for those who read it. */
	snprintf(
		disposition, sizeof(disposition),
		"attachment; filename=\"ledger-%s.%s\"; filename*=UTF-8''%%E5%%8F%%B0%%E8%%B4%%A6-%s.%s",
		day, xlsx ? "xlsx" : "csv", day, xlsx ? "xlsx" : "csv");
	snprintf(count, sizeof(count), "%lld", (long long)rows);
	resp->status = 200;
	resp->content_type =
		xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		     : "text/csv; charset=utf-8";
	http_resp_header(resp, "Content-Disposition", disposition);
	http_resp_header(resp, "X-Row-Count", count);
	http_resp_file(resp, fd, len);
}

static json_t *report_json(const struct ledger_report *r, enum problem_lang lang)
{
	json_t *errors = json_array();
	for (size_t i = 0; i < r->nerrors; i++) {
		const struct ledger_row_error *e = &r->errors[i];
		json_t *o = json_pack(
			"{s:I,s:s,s:s}", "row", (json_int_t)e->row, "field", e->f.name, "message",
			lang == PROBLEM_LANG_EN && e->f.message_en[0] ? e->f.message_en
								      : e->f.message);
		if (e->column[0])
			json_object_set_new(o, "column", json_string(e->column));
		json_array_append_new(errors, o);
	}
	return json_pack("{s:s,s:b,s:I,s:I,s:I,s:I,s:o,s:s}", "mode",
			 r->skip_bad ? "skip_bad" : "all", "written", r->written, "rows",
			 (json_int_t)r->rows, "created", (json_int_t)r->created, "skipped",
			 (json_int_t)r->skipped, "errors_total", (json_int_t)r->errors_total,
			 "row_errors", errors, "format",
			 r->format == SHEET_XLSX  ? "xlsx"
			 : r->format == SHEET_CSV ? "csv"
						  : "unknown");
}

void h_people_import(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	const char *mode = http_req_query(req, "mode");
	bool skip_bad = mode && !strcmp(mode, "skip_bad");
	if (mode && !skip_bad && strcmp(mode, "all") != 0)
		problem_field(&prob, "mode",
			      "mode 应为 all（有错一行也不导入）或 skip_bad（跳过错误行）");
	if (req->body_fd < 0)
		problem_field(&prob, "body", "请上传 CSV 或 Excel（.xlsx）文件");
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	struct ledger_report r;
	struct actor actor = api_actor(req);
	enum rc rc = ledger_import(app->db, &actor, req->body_fd, skip_bad, &r, &prob);
	enum problem_lang lang = (enum problem_lang)http_req_language(req, problem_lang_tags,
								      PROBLEM_LANG_COUNT);
	if (rc == RC_OK)
		reply_json(resp, r.created ? 201 : 200, report_json(&r, lang));
	else if (!strcmp(prob.type, "import-rejected"))
		reply_problem_ext(req, resp, &prob, report_json(&r, lang));
	else
		reply_problem(req, resp, &prob);
	ledger_report_release(&r);
}
