/* Replies and request parsing shared by the handlers. */
#include "api/reply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/phone.h"
#include "domain/permission.h"

int rc_status(enum rc rc, const struct problem *prob)
{
	if (prob && prob->status)
		return prob->status;
	switch (rc) {
	case RC_OK: return 200;
	case RC_INVALID:
		return prob && !strcmp(prob->type, "bad-request") ? 400 : 422;
	case RC_NOT_FOUND: return 404;
	case RC_CONFLICT: return 409;
	case RC_FORBIDDEN: return 403;
	case RC_UNAUTHORIZED: return 401;
	case RC_LIMITED: return 429;
	case RC_BUSY:
	case RC_UNAVAILABLE: return 503;
	case RC_INTERNAL: return 500;
	}
	return 500;
}

void reply_json(struct http_resp *resp, int status, json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(obj);
	resp->status = status;
	resp->content_type = "application/json";
	sb_reset(&resp->body);
	if (text)
		sb_adds(&resp->body, text);
	free(text);
}

static const char *title_for(int status)
{
	switch (status) {
	case 400: return "请求格式错误";
	case 401: return "需要登录";
	case 403: return "没有权限";
	case 404: return "未找到";
	case 409: return "数据冲突";
	case 413: return "请求体过大";
	case 415: return "不支持的内容类型";
	case 422: return "请求内容有误";
	case 429: return "请求过于频繁";
	case 503: return "服务暂时不可用";
	default: return "服务器内部错误";
	}
}

void reply_problem(struct http_req *req, struct http_resp *resp, const struct problem *prob)
{
	int status = rc_status(prob->rc, prob);
	json_t *o = json_object();
	char type[80];
	snprintf(type, sizeof(type), "/problems/%s", prob->type[0] ? prob->type : "error");
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "title", json_string(title_for(status)));
	json_object_set_new(o, "status", json_integer(status));
	/* Internal errors never carry engine text to the client. */
	const char *detail = status == 500 ? "服务器内部错误，请稍后再试" : prob->detail;
	if (detail[0])
		json_object_set_new(o, "detail", json_string(detail));
	json_object_set_new(o, "request_id", json_string(req->request_id));
	if (prob->nfields) {
		json_t *errs = json_array();
		for (size_t i = 0; i < prob->nfields; i++) {
			json_t *e = json_object();
			json_object_set_new(e, "field", json_string(prob->fields[i].name));
			json_object_set_new(e, "message", json_string(prob->fields[i].message));
			json_array_append_new(errs, e);
		}
		json_object_set_new(o, "errors", errs);
	}
	reply_json(resp, status, o);
	resp->content_type = "application/problem+json";
	if (prob->retry_after_s > 0) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%d", prob->retry_after_s);
		http_resp_header(resp, "Retry-After", ra);
	}
}

bool body_object(struct http_req *req, struct http_resp *resp, json_t **out)
{
	struct problem prob;
	problem_init(&prob);
	*out = NULL;
	const char *ct = http_req_header(req, "Content-Type");
	if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
		problem_set(&prob, RC_INVALID, "unsupported-media-type",
			    "请求体应为 JSON，请设置 Content-Type: application/json");
		prob.status = 415;
		reply_problem(req, resp, &prob);
		return false;
	}
	json_error_t err;
	json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (!j) {
		problem_set(&prob, RC_INVALID, "bad-request", "JSON 格式错误（第 %d 行第 %d 列）: %s",
			    err.line, err.column, err.text);
		reply_problem(req, resp, &prob);
		return false;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		problem_set(&prob, RC_INVALID, "validation", "请求体应为 JSON 对象 (expected an object)");
		reply_problem(req, resp, &prob);
		return false;
	}
	*out = j;
	return true;
}

const char *field_str(json_t *obj, const char *key, bool required, struct problem *prob)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			problem_field(prob, key, "必填 (required)");
		return NULL;
	}
	if (!json_is_string(v)) {
		problem_field(prob, key, "应为字符串 (expected a string)");
		return NULL;
	}
	return json_string_value(v);
}

bool field_int(json_t *obj, const char *key, bool required, int64_t *out, struct problem *prob)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			problem_field(prob, key, "必填 (required)");
		return false;
	}
	if (!json_is_integer(v)) {
		problem_field(prob, key, "应为整数 (expected an integer)");
		return false;
	}
	*out = json_integer_value(v);
	return true;
}

bool field_number(json_t *obj, const char *key, bool required, double *out, struct problem *prob)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			problem_field(prob, key, "必填 (required)");
		return false;
	}
	if (!json_is_number(v)) {
		problem_field(prob, key, "应为数字 (expected a number)");
		return false;
	}
	*out = json_number_value(v);
	return true;
}

void fields_known(json_t *obj, const char *const *allowed, struct problem *prob)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		bool ok = false;
		for (size_t i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], key))
				ok = true;
		if (!ok)
			problem_field(prob, key, "未知字段 (unknown field)");
	}
}

bool read_id_and_body(struct http_req *req, struct http_resp *resp, const char *param,
		      int64_t *id, const char *const *allowed, json_t **body,
		      struct problem *prob)
{
	*body = NULL;
	if (param && !param_id(req, param, id, prob)) {
		reply_problem(req, resp, prob);
		return false;
	}
	if (!body_object(req, resp, body))
		return false;
	fields_known(*body, allowed, prob);
	return true;
}

bool query_int(struct http_req *req, const char *name, int64_t min, int64_t max, int64_t def,
	       int64_t *out, struct problem *prob)
{
	const char *s = http_req_query(req, name);
	if (!s || !*s) {
		*out = def;
		return true;
	}
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (*end || v < min || v > max) {
		problem_field(prob, name, "应为 %lld 到 %lld 之间的整数", (long long)min, (long long)max);
		return false;
	}
	*out = v;
	return true;
}

bool param_id(struct http_req *req, const char *name, int64_t *out, struct problem *prob)
{
	const char *s = http_req_param(req, name);
	char *end = NULL;
	errno = 0;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || *end || v <= 0 || errno == ERANGE) {
		problem_set(prob, RC_NOT_FOUND, "not-found", "编号无效 (no such id)");
		return false;
	}
	*out = v;
	return true;
}

const struct principal *req_principal(const struct http_req *req)
{
	static const struct principal anonymous = { .kind = AUTH_NONE };
	return req->principal ? req->principal : &anonymous;
}

json_t *json_time(int64_t t_s)
{
	if (!t_s)
		return json_null();
	char buf[32];
	clock_rfc3339(t_s, buf);
	return json_string(buf);
}

json_t *json_phone(const struct principal *viewer, const char *phone, int64_t owner_id)
{
	if ((viewer->account_id && viewer->account_id == owner_id) ||
	    permission_allows(viewer, ACT_PHONE_REVEAL, NULL))
		return json_string(phone);
	char masked[12];
	phone_mask(phone, masked);
	return json_string(masked);
}
