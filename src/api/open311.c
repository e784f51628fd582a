/* /open311/v2/: requests through Open311 GeoReport v2, so that existing
 * Open311 clients and city systems file and follow requests unchanged.
 * Each endpoint answers .json and .xml (api/xml.c, libxml2) and its errors
 * in the standard's format. Services are the (kind, category) pairs the
 * public may file; an integration's api_key is an API token. The mapping
 * and its reasons: docs/open311.md. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/reply.h"
#include "api/xml.h"
#include "core/clock.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/region.h"
#include "domain/request.h"
#include "domain/station_snapshot.h"
#include "geo/coord.h"

#define OPEN311_JURISDICTION API_CITY_CODE
#define OPEN311_CHANGESET    "2026-12-01T00:00:00+08:00"
#define OPEN311_SPEC	     "http://wiki.open311.org/GeoReport_v2"
#define OPEN311_PLACE_M	     3000.0 /* a located request goes to a station this near */
#define OPEN311_LIST_MAX     1000
#define OPEN311_DEFAULT_DAYS 90
#define OPEN311_IDS_MAX	     100
#define OPEN311_TOKEN_PREFIX 'R'

/* The kinds the public may file; mediation, tasks and visits are staff's
 * and are no service (docs/open311.md). */
static const char *const public_kinds[] = { "order", "wish", "report", "suggestion", NULL };

static const struct xml_list_name list_names[] = {
	{ "services", "service" }, { "service_requests", "request" },
	{ "errors", "error" },	   { "endpoints", "endpoint" },
	{ "formats", "format" },   { "attributes", "attribute" },
	{ "values", "value" },
};

static bool is_xml(const struct http_req *req)
{
	size_t n = strlen(req->path);
	return n > 4 && !strcmp(req->path + n - 4, ".xml");
}

/* Answers v (stolen) as JSON, or as XML under root with its items named
 * by list_names. */
static void reply311(struct http_req *req, struct http_resp *resp, int status, json_t *v,
		     const char *root)
{
	sb_reset(&resp->body);
	resp->status = status;
	if (is_xml(req)) {
		size_t len = 0;
		char *text = xml_from_json(v, root, list_names,
					   sizeof(list_names) / sizeof(list_names[0]), &len);
		if (text) {
			sb_add(&resp->body, text, len);
			free(text);
		} else {
			resp->status = 500;
		}
		resp->content_type = "text/xml; charset=utf-8";
	} else {
		char *text = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(10));
		sb_adds(&resp->body, text ? text : "[]");
		free(text);
		resp->content_type = "application/json; charset=utf-8";
	}
	json_decref(v);
}

/* Open311 names the few statuses its clients act on: 400 for what was sent
 * wrong, 403 for the api_key, 404 for what is not there. */
static int status_of(const struct problem *prob)
{
	switch (prob->rc) {
	case RC_INVALID: return 400;
	case RC_UNAUTHORIZED:
	case RC_FORBIDDEN: return 403;
	case RC_NOT_FOUND: return 404;
	default: return rc_status(prob->rc, prob);
	}
}

/* yizhan's field names, as the Open311 parameter a client sent. */
static const char *param_of(const char *field)
{
	static const char *const map[][2] = {
		{ "location", "lat" },		 { "station_id", "lat" },
		{ "region_code", "address_id" }, { "title", "description" },
		{ "category", "service_code" },	 { "kind", "service_code" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(field, map[i][0]))
			return map[i][1];
	return field;
}

/* Answers prob in the standard's error format: one error per field, named
 * in its description, or the problem's detail. */
static void reply311_problem(struct http_req *req, struct http_resp *resp,
			     const struct problem *prob)
{
	enum problem_lang lang = (enum problem_lang)http_req_language(req, problem_lang_tags,
								      PROBLEM_LANG_COUNT);
	int status = status_of(prob);
	json_t *errors = json_array();
	struct sb sb = SB_INIT;
	for (size_t i = 0; i < prob->nfields; i++) {
		sb_reset(&sb);
		sb_adds(&sb, param_of(prob->fields[i].name));
		sb_addlit(&sb, ": ");
		sb_adds(&sb, problem_field_message(prob, i, lang));
		json_array_append_new(
			errors, json_pack("{s:i,s:s}", "code", status, "description", sb_str(&sb)));
	}
	sb_release(&sb);
	if (!prob->nfields)
		json_array_append_new(errors, json_pack("{s:i,s:s}", "code", status, "description",
							problem_detail(prob, lang)));
	if (prob->retry_after_s > 0) {
		char s[16];
		snprintf(s, sizeof(s), "%d", prob->retry_after_s);
		http_resp_header(resp, "Retry-After", s);
	}
	http_resp_header(resp, "Content-Language", problem_lang_tags[lang]);
	http_resp_header(resp, "Vary", "Accept-Language");
	reply311(req, resp, status, errors, "errors");
}

void open311_error_answer(struct http_req *req, struct http_resp *resp, int status,
			  const char *detail)
{
	json_t *errors = json_pack("[{s:i,s:s}]", "code", status, "description", detail);
	reply311(req, resp, status, errors, "errors");
}

/* The request's parameters: the query of a GET; the form-encoded or JSON
 * body of a POST (then the query too, which the body overrides). */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* application/x-www-form-urlencoded: '+' is a space, %XX a byte. */
static char *form_decode(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '+') {
			out[k++] = ' ';
		} else if (s[i] == '%' && i + 2 < len &&
			   (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
			   (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			out[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[k++] = s[i];
		}
	}
	out[k] = '\0';
	return out;
}

/* A form body as a JSON object of strings; attribute[code] pairs go under
 * "attribute". A name given twice keeps its last value. */
static json_t *form_parse(const char *body, size_t len)
{
	json_t *o = json_object();
	json_t *attrs = json_object();
	const char *p = body, *end = body + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (stop > p) {
			char *name = form_decode(p, (size_t)((eq ? eq : stop) - p));
			char *value = eq ? form_decode(eq + 1, (size_t)(stop - eq - 1))
					 : xstrdup("");
			size_t nl = strlen(name);
			if (!strncmp(name, "attribute[", 10) && nl > 11 && name[nl - 1] == ']') {
				name[nl - 1] = '\0';
				json_object_set_new(attrs, name + 10, json_string(value));
			} else if (*name) {
				/* Not UTF-8: kept out, and named as a field error below. */
				json_t *v = json_string(value);
				json_object_set_new(o, name, v ? v : json_integer(0));
			}
			free(name);
			free(value);
		}
		p = stop + 1;
	}
	json_object_set_new(o, "attribute", attrs);
	return o;
}

/* The POST's parameters as a JSON object (new), or NULL after answering. */
static json_t *post_params(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	const char *ct = http_req_header(req, "Content-Type");
	json_t *o = NULL;
	if (ct && http_media_type_is(ct, "application/json")) {
		json_error_t err;
		o = json_loadb(req->body, req->body_len, 0, &err);
		if (!json_is_object(o)) {
			json_decref(o);
			problem_set(&prob, RC_INVALID, "validation",
				    "请求体应为 JSON 对象或表单 (a JSON object or a form)");
			reply311_problem(req, resp, &prob);
			return NULL;
		}
		return o;
	}
	if (ct && !http_media_type_is(ct, "application/x-www-form-urlencoded")) {
		problem_set(&prob, RC_INVALID, "validation",
			    "请求体应为 JSON 对象或表单 (a JSON object or a form)");
		reply311_problem(req, resp, &prob);
		return NULL;
	}
	return form_parse(req->body, req->body_len);
}

/* A parameter of a GET (the query) or of params, as text; NULL if absent. */
static const char *param(struct http_req *req, json_t *params, const char *name)
{
	if (!params)
		return http_req_query(req, name);
	json_t *v = json_object_get(params, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The jurisdiction: the city's code, or none given. */
static bool jurisdiction_ok(struct http_req *req, struct http_resp *resp, json_t *params)
{
	const char *j = param(req, params, "jurisdiction_id");
	if (!j || !*j || !strcmp(j, OPEN311_JURISDICTION))
		return true;
	struct problem prob;
	problem_init(&prob);
	problem_set(&prob, RC_NOT_FOUND, "not-found",
		    "jurisdiction_id：没有这个辖区 %s（本市为 %s）", j, OPEN311_JURISDICTION);
	reply311_problem(req, resp, &prob);
	return false;
}

/* The api_key as a principal (in the arena): NULL and *ok when none was
 * given; an answered 403 and !*ok when it is no valid API token. */
static struct principal *api_key(struct http_req *req, struct http_resp *resp, json_t *params,
				 bool *ok)
{
	struct app *app = req->app;
	*ok = true;
	const char *key = param(req, params, "api_key");
	if (!key || !*key)
		return NULL;
	struct principal *p = arena_alloc(req->arena, sizeof(*p));
	struct problem prob;
	problem_init(&prob);
	enum rc rc = api_token_resolve(app->db, key, p, &prob);
	if (rc == RC_OK)
		return p;
	*ok = false;
	if (rc == RC_UNAUTHORIZED || rc == RC_FORBIDDEN || rc == RC_NOT_FOUND) {
		problem_init(&prob);
		problem_set(&prob, RC_FORBIDDEN, "forbidden", "api_key 无效、已撤销或其账号已停用");
	}
	reply311_problem(req, resp, &prob);
	return NULL;
}

/* Services */

static bool kind_public(const char *kind)
{
	for (size_t i = 0; public_kinds[i]; i++)
		if (!strcmp(kind, public_kinds[i]))
			return true;
	return false;
}

static const struct field_choice *kind_choice(const char *kind)
{
	for (size_t i = 0; request_kinds[i].code; i++)
		if (!strcmp(request_kinds[i].code, kind))
			return &request_kinds[i];
	return NULL;
}

static json_t *service_code(const char *kind, const char *category)
{
	struct sb sb = SB_INIT;
	sb_adds(&sb, kind);
	sb_addlit(&sb, ".");
	sb_adds(&sb, category);
	json_t *s = json_string(sb_str(&sb));
	sb_release(&sb);
	return s;
}

static json_t *render_service(const struct request_category *c)
{
	const struct field_choice *k = kind_choice(c->kind);
	char text[700];
	snprintf(text, sizeof(text), "%s：%s（%s / %s）。接单 %d 小时内，办结 %d 小时内。", k->zh,
		 c->name_zh, k->en, c->name_en, c->respond_h, c->resolve_h);
	char keywords[600];
	snprintf(keywords, sizeof(keywords), "%s,%s,%s,%s", k->zh, k->en, c->name_zh, c->name_en);
	return json_pack("{s:o,s:s,s:s,s:b,s:s,s:s,s:s}", "service_code",
			 service_code(c->kind, c->code), "service_name", c->name_zh, "description",
			 text, "metadata", 0, "type", "realtime", "keywords", keywords, "group",
			 k->zh);
}

/* The public catalog: *items (new) of public kinds only. */
static enum rc public_categories(struct db *db, struct request_category **items, size_t *n,
				 struct problem *prob)
{
	enum rc rc = request_categories(db, NULL, items, n, prob);
	if (rc != RC_OK)
		return rc;
	size_t k = 0;
	for (size_t i = 0; i < *n; i++)
		if (kind_public((*items)[i].kind))
			(*items)[k++] = (*items)[i];
	*n = k;
	return RC_OK;
}

/* The category of service code ("report.road") among items, or NULL. */
static const struct request_category *find_service(const struct request_category *items, size_t n,
						   const char *code)
{
	const char *dot = code ? strchr(code, '.') : NULL;
	if (!dot)
		return NULL;
	size_t kl = (size_t)(dot - code);
	for (size_t i = 0; i < n; i++)
		if (strlen(items[i].kind) == kl && !memcmp(items[i].kind, code, kl) &&
		    !strcmp(items[i].code, dot + 1))
			return &items[i];
	return NULL;
}

void h_open311_discovery(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct sb url = SB_INIT;
	const char *base = app->public_url ? app->public_url : "";
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	sb_add(&url, base, bl);
	sb_addlit(&url, "/open311/v2");
	json_t *o = json_pack(
		"{s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:s,s:[s,s]}]}", "changeset", OPEN311_CHANGESET,
		"contact", "驿站所在城市的管理员 (the city's administrators)", "key_service",
		"api_key 为本市管理员创建的接口令牌 (POST /api/v1/tokens; docs/open311.md)",
		"endpoints", "specification", OPEN311_SPEC, "url", sb_str(&url), "changeset",
		OPEN311_CHANGESET, "type", "production", "formats", "text/xml", "application/json");
	sb_release(&url);
	reply311(req, resp, 200, o, "discovery");
}

void h_open311_services(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	if (!jurisdiction_ok(req, resp, NULL))
		return;
	struct request_category *items = NULL;
	size_t n = 0;
	if (public_categories(app->db, &items, &n, &prob) != RC_OK) {
		reply311_problem(req, resp, &prob);
		return;
	}
	/* A retired category takes no new request: not offered. */
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		if (!items[i].retired)
			json_array_append_new(list, render_service(&items[i]));
	free(items);
	reply311(req, resp, 200, list, "services");
}

void h_open311_service(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	if (!jurisdiction_ok(req, resp, NULL))
		return;
	const char *code = http_req_param(req, "code");
	struct request_category *items = NULL;
	size_t n = 0;
	if (public_categories(app->db, &items, &n, &prob) != RC_OK) {
		reply311_problem(req, resp, &prob);
		return;
	}
	const struct request_category *c = find_service(items, n, code);
	if (!c) {
		free(items);
		problem_set(&prob, RC_NOT_FOUND, "not-found", "service_code：没有这个服务 %s",
			    code);
		reply311_problem(req, resp, &prob);
		return;
	}
	/* No public kind has fields of its own: the definition has no
	 * attributes (metadata is false in the list). */
	json_t *o = json_pack("{s:o,s:[]}", "service_code", service_code(c->kind, c->code),
			      "attributes");
	free(items);
	reply311(req, resp, 200, o, "service_definition");
}

/* Requests */

static bool state_open(const char *state)
{
	static const char *const open[] = { "submitted",   "dispatched", "accepted",
					    "in_progress", "reopened",	 NULL };
	for (size_t i = 0; open[i]; i++)
		if (!strcmp(state, open[i]))
			return true;
	return false;
}

/* What Open311 shows of r. full: the viewer may read it whole (its
 * description); otherwise the title alone. Never the requester. */
static json_t *render_request311(struct db *db, const struct request *r, bool full,
				 const struct request_category *cats, size_t ncats,
				 struct problem *prob)
{
	char id[24], note[REQUEST_NOTE_MAX * 4 + 1];
	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	if (request_last_note(db, r->id, note, sizeof(note), prob) != RC_OK)
		return NULL;
	const char *service_name = r->category;
	for (size_t i = 0; i < ncats; i++)
		if (!strcmp(cats[i].kind, r->kind) && !strcmp(cats[i].code, r->category))
			service_name = cats[i].name_zh;
	struct sb text = SB_INIT;
	const char *desc = r->description ? r->description : "";
	if (full && *desc && !strncmp(desc, r->title, strlen(r->title))) {
		sb_adds(&text, desc);
	} else {
		sb_adds(&text, r->title);
		if (full && *desc) {
			sb_addlit(&text, "\n");
			sb_adds(&text, desc);
		}
	}
	const char *agency = r->station_name;
	struct region reg;
	if (!r->station_id) {
		struct problem miss;
		problem_init(&miss);
		agency = region_get(db, r->region_code, &reg, &miss) == RC_OK ? reg.short_name
									      : r->region_code;
	}
	const char *state_zh = r->state;
	for (size_t i = 0; request_states[i].code; i++)
		if (!strcmp(request_states[i].code, r->state))
			state_zh = request_states[i].zh;
	json_t *o = json_pack(
		"{s:s,s:s,s:o,s:s,s:o,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:s,s:o}", "service_request_id",
		id, "status", state_open(r->state) ? "open" : "closed", "status_notes",
		note[0] ? json_string(note) : json_null(), "service_name", service_name,
		"service_code", service_code(r->kind, r->category), "description", sb_str(&text),
		"agency_responsible", agency, "service_notice", state_zh, "requested_datetime",
		json_time(r->created_s), "updated_datetime", json_time(r->updated_s),
		"expected_datetime", json_time(r->resolve_due_s), "address", json_null(),
		"address_id", r->region_code, "zipcode", json_null());
	sb_release(&text);
	if (r->has_location) {
		json_object_set_new(o, "lat", json_real(r->lat));
		json_object_set_new(o, "long", json_real(r->lng));
	}
	return o;
}

/* "2026-12-01T08:00:00+08:00", or a date alone (its start in UTC+8). */
static bool parse_datetime(const char *s, int64_t *out)
{
	if (clock_parse_rfc3339(s, out) == 0)
		return true;
	char buf[40];
	if (strlen(s) != 10)
		return false;
	snprintf(buf, sizeof(buf), "%sT00:00:00+08:00", s);
	return clock_parse_rfc3339(buf, out) == 0;
}

/* service_request_id: a comma-separated list of ids into ids (cap). */
static size_t parse_ids(const char *s, int64_t *ids, size_t cap, struct problem *prob)
{
	size_t n = 0;
	const char *p = s;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char buf[24];
		if (len == 0 || len >= sizeof(buf) || n == cap) {
			problem_field(prob, "service_request_id",
				      "应为逗号分隔的诉求编号，最多 %d 个", OPEN311_IDS_MAX);
			return 0;
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		char *end;
		errno = 0;
		long long v = strtoll(buf, &end, 10);
		if (*end || errno || v < 1) {
			problem_field(prob, "service_request_id",
				      "应为逗号分隔的诉求编号，最多 %d 个", OPEN311_IDS_MAX);
			return 0;
		}
		ids[n++] = v;
		if (!comma)
			break;
		p = comma + 1;
	}
	return n;
}

static void reply_requests(struct http_req *req, struct http_resp *resp,
			   const struct principal *viewer, const struct request *items, size_t n)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct request_category *cats = NULL;
	size_t ncats = 0;
	if (request_categories(app->db, NULL, &cats, &ncats, &prob) != RC_OK) {
		reply311_problem(req, resp, &prob);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		bool full = request_may_read(app->db, viewer, &items[i]);
		json_t *o = render_request311(app->db, &items[i], full, cats, ncats, &prob);
		if (!o) {
			json_decref(list);
			free(cats);
			reply311_problem(req, resp, &prob);
			return;
		}
		json_array_append_new(list, o);
	}
	free(cats);
	reply311(req, resp, 200, list, "service_requests");
}

void h_open311_requests(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	bool ok;
	if (!jurisdiction_ok(req, resp, NULL))
		return;
	const struct principal *viewer = api_key(req, resp, NULL, &ok);
	if (!ok)
		return;
	struct request_public_filter f = { 0 };
	int64_t ids[OPEN311_IDS_MAX];
	char kind[16] = "", category[REQUEST_CODE_CAP] = "";
	const char *v = http_req_query(req, "service_request_id");
	if (v && *v) {
		/* The standard: a list of ids overrides every other filter. */
		f.ids = ids;
		f.nids = parse_ids(v, ids, OPEN311_IDS_MAX, &prob);
	} else {
		struct request_category *cats = NULL;
		size_t ncats = 0;
		const char *code = http_req_query(req, "service_code");
		if (code && *code) {
			if (public_categories(app->db, &cats, &ncats, &prob) != RC_OK) {
				reply311_problem(req, resp, &prob);
				return;
			}
			const struct request_category *c = find_service(cats, ncats, code);
			if (c) {
				text_copy(kind, sizeof(kind), c->kind);
				text_copy(category, sizeof(category), c->code);
				f.kind = kind;
				f.category = category;
			} else {
				problem_field(&prob, "service_code", "没有这个服务：%s", code);
			}
			free(cats);
		}
		const char *start = http_req_query(req, "start_date");
		const char *end = http_req_query(req, "end_date");
		if (start && *start && !parse_datetime(start, &f.from_s))
			problem_field(&prob, "start_date",
				      "应为 W3C 日期时间，如 2026-12-01T08:00:00+08:00");
		if (end && *end && !parse_datetime(end, &f.to_s))
			problem_field(&prob, "end_date",
				      "应为 W3C 日期时间，如 2026-12-01T08:00:00+08:00");
		if (!f.from_s && !f.to_s)
			f.from_s = clock_now_s() - (int64_t)OPEN311_DEFAULT_DAYS * 86400;
		else if (!f.from_s)
			f.from_s = f.to_s - (int64_t)OPEN311_DEFAULT_DAYS * 86400;
		if (f.to_s && f.from_s > f.to_s)
			problem_field(&prob, "end_date", "不能早于 start_date");
		const char *status = http_req_query(req, "status");
		if (status && *status) {
			if (!strcmp(status, "open"))
				f.status = 1;
			else if (!strcmp(status, "closed"))
				f.status = 2;
			else
				problem_field(&prob, "status", "应为 open 或 closed");
		}
	}
	struct request_page page;
	if (problem_has_fields(&prob) ||
	    request_public_list(app->db, viewer, &f, OPEN311_LIST_MAX, &page, &prob) != RC_OK) {
		reply311_problem(req, resp, &prob);
		return;
	}
	reply_requests(req, resp, viewer, page.items, page.n);
	request_page_release(&page);
}

/* A request by id, if public or readable with the api_key. */
static void reply_one(struct http_req *req, struct http_resp *resp, const char *text, bool token)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	bool ok;
	if (!jurisdiction_ok(req, resp, NULL))
		return;
	const struct principal *viewer = api_key(req, resp, NULL, &ok);
	if (!ok)
		return;
	if (token && text[0] == OPEN311_TOKEN_PREFIX)
		text++;
	char *end;
	errno = 0;
	long long id = strtoll(text, &end, 10);
	struct request r;
	bool full;
	if (!*text || *end || errno || id < 1 ||
	    request_public_read(app->db, viewer, id, &r, &full, &prob) != RC_OK) {
		problem_init(&prob);
		problem_set(&prob, RC_NOT_FOUND, "not-found",
			    token ? "没有这个 token：%s" : "没有这个诉求：%s",
			    http_req_param(req, token ? "token" : "id"));
		reply311_problem(req, resp, &prob);
		return;
	}
	if (token) {
		char sid[24];
		snprintf(sid, sizeof(sid), "%lld", id);
		json_t *o = json_pack("[{s:s,s:s}]", "service_request_id", sid, "token",
				      http_req_param(req, "token"));
		request_release(&r);
		reply311(req, resp, 200, o, "service_requests");
		return;
	}
	reply_requests(req, resp, viewer, &r, 1);
	request_release(&r);
}

void h_open311_request(struct http_req *req, struct http_resp *resp)
{
	reply_one(req, resp, http_req_param(req, "id"), false);
}

void h_open311_token(struct http_req *req, struct http_resp *resp)
{
	reply_one(req, resp, http_req_param(req, "token"), true);
}

/* Filing */

struct create311 {
	struct request_input in;
	const struct actor *actor;
	int64_t id;
};

static enum rc create(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct create311 *c = ctx;
	return request_create(tx, c->actor, &c->in, &c->id, prob);
}

/* A coordinate sent as text (a form) or a number (JSON); a field error when
 * it is neither or not a finite number. */
static bool coordinate(json_t *params, const char *name, double *out, struct problem *prob)
{
	json_t *v = json_object_get(params, name);
	if (!v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
		return false;
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return true;
	}
	if (json_is_string(v)) {
		char *end;
		errno = 0;
		*out = strtod(json_string_value(v), &end);
		if (!*end && !errno && isfinite(*out))
			return true;
	}
	problem_field(prob, name, "应为 WGS-84 十进制度数");
	return false;
}

/* The title: the description's first line, at most REQUEST_TITLE_MAX
 * characters, into title (cap bytes); "" when that is blank. */
static void title_of(const char *desc, char *title, size_t cap)
{
	size_t len = strlen(desc);
	const char *s = text_trim(desc, &len);
	size_t bytes = 0, chars = 0;
	while (bytes < len && s[bytes] != '\n' && s[bytes] != '\r') {
		size_t step = 1;
		while (bytes + step < len && ((unsigned char)s[bytes + step] & 0xC0) == 0x80)
			step++;
		if (chars == REQUEST_TITLE_MAX || bytes + step >= cap)
			break;
		bytes += step;
		chars++;
	}
	memcpy(title, s, bytes);
	title[bytes] = '\0';
	/* Trailing spaces of a cut line. */
	while (bytes && (title[bytes - 1] == ' ' || title[bytes - 1] == '\t'))
		title[--bytes] = '\0';
}

/* The station nearest (lat, lng) within OPEN311_PLACE_M, or 0. */
static int64_t nearest_station(struct app *app, double lat, double lng)
{
	const struct snapshot *snap = snapshot_acquire(app->stations);
	struct nearby_query q = { .center = { lat, lng },
				  .radius_m = OPEN311_PLACE_M,
				  .limit = 1,
				  .now_s = clock_now_s(),
				  .theme = -1,
				  .level = -1 };
	struct geo_index_hit work[8];
	struct nearby_hit hit[8];
	int64_t id = snapshot_nearby(snap, &q, work, hit) ? hit[0].station->id : 0;
	snapshot_release(app->stations, snap);
	return id;
}

static void add_line(struct sb *sb, const char *label, const char *a, const char *b)
{
	if ((!a || !*a) && (!b || !*b))
		return;
	if (sb->len)
		sb_addlit(sb, "\n");
	sb_adds(sb, label);
	if (a && *a)
		sb_adds(sb, a);
	if (a && *a && b && *b)
		sb_addlit(sb, " ");
	if (b && *b)
		sb_adds(sb, b);
}

void h_open311_request_create(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct sb text = SB_INIT;
	struct request_category *cats = NULL;
	size_t ncats = 0;
	json_t *params = post_params(req, resp);
	if (!params)
		return;
	bool ok;
	struct principal *p = api_key(req, resp, params, &ok);
	if (!ok)
		goto out;
	if (!p) {
		problem_set(&prob, RC_FORBIDDEN, "forbidden",
			    "提交诉求需要 api_key（本市管理员创建的接口令牌）");
		reply311_problem(req, resp, &prob);
		goto out;
	}
	if (!jurisdiction_ok(req, resp, params))
		goto out;
	const char *code = field_str(params, "service_code", true, &prob);
	if (code && !*code)
		problem_field(&prob, "service_code", "不能为空");
	if (problem_has_fields(&prob)) {
		reply311_problem(req, resp, &prob);
		goto out;
	}
	if (public_categories(app->db, &cats, &ncats, &prob) != RC_OK) {
		reply311_problem(req, resp, &prob);
		goto out;
	}
	const struct request_category *c = find_service(cats, ncats, code);
	if (!c) {
		problem_set(&prob, RC_NOT_FOUND, "not-found", "service_code：没有这个服务 %s",
			    code);
		reply311_problem(req, resp, &prob);
		goto out;
	}
	struct create311 a = { .in = { .kind = c->kind, .category = c->code } };
	const char *desc = field_text(params, "description", false, true, &prob);
	const char *address = field_text(params, "address_string", false, false, &prob);
	const char *first = field_text(params, "first_name", false, false, &prob);
	const char *last = field_text(params, "last_name", false, false, &prob);
	const char *phone = field_text(params, "phone", false, false, &prob);
	const char *email = field_text(params, "email", false, false, &prob);
	const char *media = field_text(params, "media_url", false, false, &prob);
	a.in.region_code = field_str(params, "address_id", false, &prob);
	if (a.in.region_code && !*a.in.region_code)
		a.in.region_code = NULL;
	double lat = 0, lng = 0;
	bool has_lat = coordinate(params, "lat", &lat, &prob);
	bool has_lng = coordinate(params, "long", &lng, &prob);
	if (has_lat != has_lng)
		problem_field(&prob, has_lat ? "long" : "lat", "lat 和 long 要一起给出");
	if (has_lat && has_lng && !problem_has_fields(&prob)) {
		struct geo_point pt = { lat, lng };
		if (!geo_point_valid(pt) || !geo_in_china(pt))
			problem_field(&prob, "lat", "位置应在中国境内");
		a.in.has_location = true;
		a.in.lat = lat;
		a.in.lng = lng;
	}
	if (problem_has_fields(&prob)) {
		reply311_problem(req, resp, &prob);
		goto out;
	}
	/* The request's words: what was written, then where and who, as
	 * text (a photo's address is kept, never fetched). */
	char title[REQUEST_TITLE_MAX * 4 + 1];
	title_of(desc ? desc : "", title, sizeof(title));
	if (!title[0])
		text_copy(title, sizeof(title), c->name_zh);
	if (desc && *desc)
		sb_adds(&text, desc);
	add_line(&text, "地址：", address, NULL);
	add_line(&text, "联系人：", last, first);
	add_line(&text, "电话：", phone, NULL);
	add_line(&text, "邮箱：", email, NULL);
	add_line(&text, "照片：", media, NULL);
	a.in.title = title;
	a.in.description = sb_str(&text);
	/* The place: the community named by address_id, else the station
	 * nearest the point, else (request_create) the account's community. */
	if (a.in.has_location && !a.in.region_code)
		a.in.station_id = nearest_station(app, lat, lng);
	struct actor actor = { .p = p, .ip = req->client_ip, .request_id = req->request_id };
	a.actor = &actor;
	if (db_tx(app->db, create, &a, &prob) != RC_OK) {
		reply311_problem(req, resp, &prob);
		goto out;
	}
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)a.id);
	reply311(req, resp, 200,
		 json_pack("[{s:s,s:s,s:n}]", "service_request_id", sid, "service_notice",
			   "已提交 (submitted)", "account_id"),
		 "service_requests");
out:
	free(cats);
	sb_release(&text);
	json_decref(params);
}
