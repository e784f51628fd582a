/* /api/v1/openapi.json, derived from the route table and the component
 * schemas in openapi_schemas.json (embedded at build time), so the document
 * cannot drift from the routes the server really answers. Built once. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "api/reply.h"
#include "domain/account.h"
#include "domain/bot.h"
#include "domain/grid.h"
#include "domain/party_org.h"
#include "domain/person.h"
#include "domain/team.h"
#include "domain/work_site.h"
#include "domain/permission.h"
#include "domain/station.h"

extern const char openapi_schemas_json[];
extern const size_t openapi_schemas_json_len;

/* {"image/jpeg": {"schema": {"type": "string", "contentMediaType": …}}, …}
 * for a comma-separated list of media types. New ref. */
static json_t *media_content(const char *types)
{
	json_t *c = json_object();
	const char *p = types;
	while (*p) {
		size_t n = strcspn(p, ",");
		char t[64];
		snprintf(t, sizeof(t), "%.*s", (int)n, p);
		/* A JSON flavour (application/geo+json) is an object; the rest are bytes. */
		bool is_json = n >= 4 && !strncmp(p + n - 4, "json", 4);
		json_object_set_new(c, t,
				    is_json ? json_pack("{s:{s:s}}", "schema", "type", "object")
					    : json_pack("{s:{s:s,s:s}}", "schema", "type", "string",
							"contentMediaType", t));
		p += n;
		if (*p == ',')
			p++;
	}
	return c;
}

static json_t *problem_response(const char *description)
{
	return json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", description, "content",
			 "application/problem+json", "schema", "$ref",
			 "#/components/schemas/Problem");
}

static json_t *path_params(const char *pattern)
{
	json_t *arr = json_array();
	for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
		const char *end = strchr(p, '}');
		if (!end)
			break;
		json_t *name = json_stringn(p + 1, (size_t)(end - p - 1));
		bool is_id = !strcmp(json_string_value(name), "id") ||
			     strstr(json_string_value(name), "_id");
		json_array_append_new(arr, json_pack("{s:o,s:s,s:b,s:{s:s}}", "name", name, "in",
						     "path", "required", 1, "schema", "type",
						     is_id ? "integer" : "string"));
	}
	return arr;
}

static void query_params(json_t *params, const char *spec)
{
	/* "name:type:description;…"; a type ending in '!' marks a parameter the
	 * route requires ("lat:number!:纬度"). */
	while (spec && *spec) {
		const char *end = strchr(spec, ';');
		size_t len = end ? (size_t)(end - spec) : strlen(spec);
		const char *c1 = memchr(spec, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - spec)) : NULL;
		if (c1 && c2) {
			size_t tlen = (size_t)(c2 - c1 - 1);
			bool required = tlen && c1[tlen] == '!';
			json_array_append_new(params,
					      json_pack("{s:s%,s:s,s:b,s:s%,s:{s:s%}}", "name",
							spec, (size_t)(c1 - spec), "in", "query",
							"required", required, "description", c2 + 1,
							len - (size_t)(c2 + 1 - spec), "schema",
							"type", c1 + 1, tlen - (required ? 1 : 0)));
		}
		spec = end ? end + 1 : NULL;
	}
}

static json_t *operation(const struct http_route *r)
{
	json_t *op = json_object();
	char opid[128];
	size_t k = 0;
	for (const char *p = r->method; *p && k < sizeof(opid) - 1; p++)
		opid[k++] = (char)(*p | 0x20);
	for (const char *p = r->pattern; *p && k < sizeof(opid) - 1; p++)
		opid[k++] = (*p == '/' || *p == '{' || *p == '}' || *p == '.') ? '_' : *p;
	opid[k] = '\0';
	json_object_set_new(op, "operationId", json_string(opid));
	json_object_set_new(op, "summary", json_string(r->summary ? r->summary : ""));
	json_object_set_new(op, "tags", json_pack("[s]", r->tag ? r->tag : "misc"));
	json_object_set_new(op, "x-permission", json_string(action_name((enum action)r->perm)));
	json_t *params = path_params(r->pattern);
	query_params(params, r->query);
	if (json_array_size(params))
		json_object_set_new(op, "parameters", params);
	else
		json_decref(params);
	if (r->perm != ACT_PUBLIC)
		json_object_set_new(op, "security",
				    json_pack("[{s:[]},{s:[]}]", "cookie", "bearer"));
	bool write = strcmp(r->method, "GET") != 0;
	if (r->req_schema) {
		char ref[128];
		snprintf(ref, sizeof(ref), "#/components/schemas/%s", r->req_schema);
		json_object_set_new(op, "requestBody",
				    json_pack("{s:b,s:{s:{s:{s:s}}}}", "required", 1, "content",
					      "application/json", "schema", "$ref", ref));
	}
	if (r->req_media)
		json_object_set_new(op, "requestBody",
				    json_pack("{s:b,s:o}", "required", 1, "content",
					      media_content(r->req_media)));
	json_t *responses = json_object();
	int ok = r->ok_status ? r->ok_status : 200;
	char code[8];
	snprintf(code, sizeof(code), "%d", ok);
	json_t *okr = json_pack("{s:s}", "description", ok == 204 ? "完成，无内容" : "成功");
	if (r->resp_schema && ok != 204) {
		char ref[128];
		snprintf(ref, sizeof(ref), "#/components/schemas/%s", r->resp_schema);
		json_object_set_new(
			okr, "content",
			json_pack("{s:{s:{s:s}}}", "application/json", "schema", "$ref", ref));
	} else if (r->resp_media && ok != 204) {
		json_object_set_new(okr, "content", media_content(r->resp_media));
	}
	json_object_set_new(responses, code, okr);
	if (r->creates_too) {
		json_t *created = json_deep_copy(okr);
		json_object_set_new(created, "description", json_string("新建"));
		json_object_set_new(responses, "201", created);
	}
	if (r->req_schema || r->req_media || r->query || strchr(r->pattern, '{')) {
		json_object_set_new(responses, "400", problem_response("请求格式错误"));
		json_object_set_new(responses, "422",
				    problem_response("字段校验失败（见 errors）"));
	}
	if (r->perm != ACT_PUBLIC) {
		json_object_set_new(responses, "401", problem_response("需要登录"));
		json_object_set_new(responses, "403", problem_response("没有权限"));
	}
	if (strchr(r->pattern, '{'))
		json_object_set_new(responses, "404", problem_response("未找到"));
	if (write) {
		json_object_set_new(responses, "409", problem_response("数据冲突"));
		json_object_set_new(responses, "503", problem_response("存储暂不可写，稍后重试"));
		if (r->req_schema || r->req_media)
			json_object_set_new(responses, "413", problem_response("请求体过大"));
		if (r->req_media || r->req_schema)
			json_object_set_new(responses, "415", problem_response("不支持的内容类型"));
		json_t *params2 = json_object_get(op, "parameters");
		if (!params2) {
			params2 = json_array();
			json_object_set_new(op, "parameters", params2);
		}
		json_array_append_new(
			params2,
			json_pack(
				"{s:s,s:s,s:b,s:s,s:{s:s,s:i}}", "name", "Idempotency-Key", "in",
				"header", "required", 0, "description",
				"同一键的重试返回首次的应答，不会重复执行；同一键配不同请求返回 422",
				"schema", "type", "string", "maxLength", 255));
	}
	if (r->rate_per_min)
		json_object_set_new(responses, "429", problem_response("请求过于频繁"));
	if (r->resp_media && strstr(r->resp_media, "text/event-stream"))
		json_object_set_new(
			responses, "503",
			problem_response("实时推送的连接已满（busy，见 Retry-After），稍后重连"));
	if (r->offload)
		json_object_set_new(
			responses, "503",
			problem_response(
				write ? "存储暂不可写，或耗时工作排满（busy，见 Retry-After），稍后重试"
				      : "耗时工作排满（busy，见 Retry-After），稍后重试"));
	/* Signing in: failures slow down the address they come from. */
	if (!strcmp(r->pattern, "/api/v1/session") && !strcmp(r->method, "POST"))
		json_object_set_new(
			responses, "429",
			problem_response(
				"请求过于频繁（rate-limited），或此地址对该号码登录失败过多，"
				"须等待 Retry-After 秒（login-throttled）"));
	json_object_set_new(op, "responses", responses);
	return op;
}

/* The component schemas that come from the nouns' field tables: a body
 * schema is the table's; a shown one keeps the properties the noun's
 * renderer adds (open_now, hours …) and takes the table's for the rest. */
static const struct {
	const struct noun *noun;
	const char *schema;
	enum fields_schema_kind kind;
} noun_schemas[] = {
	{ &station_noun, "StationInput", FIELDS_UPDATE },
	{ &station_noun, "Station", FIELDS_DETAIL },
	{ &station_noun, "StationSummary", FIELDS_SUMMARY },
	{ &account_noun, "AccountCreate", FIELDS_CREATE },
	{ &account_noun, "Account", FIELDS_DETAIL },
	{ &person_noun, "PersonCreate", FIELDS_CREATE },
	{ &person_noun, "PersonUpdate", FIELDS_UPDATE },
	{ &person_noun, "Person", FIELDS_DETAIL },
	{ &person_noun, "PersonSummary", FIELDS_SUMMARY },
	{ &work_site_noun, "WorkSite", FIELDS_DETAIL },
	{ &work_site_noun, "WorkSiteCreate", FIELDS_CREATE },
	{ &work_site_noun, "WorkSiteUpdate", FIELDS_UPDATE },
	{ &team_noun, "Team", FIELDS_DETAIL },
	{ &team_noun, "TeamCreate", FIELDS_CREATE },
	{ &team_noun, "TeamUpdate", FIELDS_UPDATE },
	{ &party_org_noun, "PartyOrg", FIELDS_DETAIL },
	{ &party_org_noun, "PartyOrgCreate", FIELDS_CREATE },
	{ &party_org_noun, "PartyOrgUpdate", FIELDS_UPDATE },
	{ &grid_noun, "Grid", FIELDS_DETAIL },
	{ &grid_noun, "GridCreate", FIELDS_CREATE },
	{ &grid_noun, "GridUpdate", FIELDS_UPDATE },
	{ &bot_noun, "Bot", FIELDS_DETAIL },
	{ &bot_noun, "BotCreate", FIELDS_CREATE },
	{ &bot_noun, "BotUpdate", FIELDS_UPDATE },
};

static void add_noun_schemas(json_t *schemas)
{
	for (size_t i = 0; i < sizeof(noun_schemas) / sizeof(noun_schemas[0]); i++) {
		json_t *made = fields_schema(noun_schemas[i].noun, noun_schemas[i].kind);
		json_t *have = json_object_get(schemas, noun_schemas[i].schema);
		if (noun_schemas[i].kind == FIELDS_CREATE ||
		    noun_schemas[i].kind == FIELDS_UPDATE || !json_is_object(have)) {
			/* Keep the file's description of the whole. */
			json_t *doc = json_object_get(have, "description");
			if (doc)
				json_object_set(made, "description", doc);
			json_object_set_new(schemas, noun_schemas[i].schema, made);
			continue;
		}
		json_t *props = json_object_get(have, "properties");
		if (!json_is_object(props)) {
			props = json_object();
			json_object_set_new(have, "properties", props);
		}
		json_object_update(props, json_object_get(made, "properties"));
		json_t *req = json_object_get(have, "required");
		if (!json_is_array(req)) {
			req = json_array();
			json_object_set_new(have, "required", req);
		}
		size_t k;
		json_t *name;
		json_array_foreach(json_object_get(made, "required"), k, name)
		{
			bool listed = false;
			size_t j;
			json_t *r;
			json_array_foreach(req, j, r) listed |= json_equal(r, name);
			if (!listed)
				json_array_append(req, name);
		}
		json_decref(made);
	}
}

static char *build(void)
{
	size_t n;
	const struct http_route *routes = api_routes(&n);
	json_error_t err;
	json_t *schemas = json_loadb(openapi_schemas_json, openapi_schemas_json_len, 0, &err);
	if (!schemas)
		schemas = json_object();
	add_noun_schemas(schemas);
	json_t *paths = json_object();
	for (size_t i = 0; i < n; i++) {
		if (routes[i].standard)
			continue; /* described by its standard (Open311: docs/open311.md) */
		/* OpenAPI path templates use the same {name} syntax as our routes. */
		json_t *item = json_object_get(paths, routes[i].pattern);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, routes[i].pattern, item);
		}
		char m[8];
		size_t k = 0;
		for (const char *p = routes[i].method; *p && k < sizeof(m) - 1; p++)
			m[k++] = (char)(*p | 0x20);
		m[k] = '\0';
		json_object_set_new(item, m, operation(&routes[i]));
	}
	json_t *doc = json_pack(
		"{s:s,s:{s:s,s:s,s:s},s:[{s:s}],s:o,s:{s:o,s:{s:{s:s,s:s,s:s},s:{s:s,s:s}}}}",
		"openapi", "3.1.0", "info", "title", "yizhan 驿站 API", "version", "1.0.0",
		"description",
		"城市驿站网络的接口：驿站、人员、服务、积分与治理。错误均为 RFC 9457 application/problem+json。",
		"servers", "url", "/", "paths", paths, "components", "schemas", schemas,
		"securitySchemes", "cookie", "type", "apiKey", "in", "cookie", "name", "yz_session",
		"bearer", "type", "http", "scheme", "bearer");
	char *text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

static char *doc_text;
static pthread_once_t doc_once = PTHREAD_ONCE_INIT;
static void doc_init(void)
{
	doc_text = build();
}

void h_openapi(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	pthread_once(&doc_once, doc_init);
	http_resp_json(resp, 200, doc_text ? doc_text : "{}", doc_text ? strlen(doc_text) : 2);
}
