/* Replies and request parsing shared by the handlers. */
#include "api/reply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/phone.h"
#include "core/text.h"
#include "domain/permission.h"

int rc_status(enum rc rc, const struct problem *prob)
{
	if (prob && prob->status)
		return prob->status;
	switch (rc) {
	case RC_OK: return 200;
	case RC_INVALID: return prob && !strcmp(prob->type, "bad-request") ? 400 : 422;
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

/* The title of a problem by its status: { Chinese, English }. */
struct title {
	int status;
	const char *text[PROBLEM_LANG_COUNT];
};

static const struct title titles[] = {
	{ 400, { "请求格式错误", "Bad request" } },
	{ 401, { "需要登录", "Sign-in required" } },
	{ 403, { "没有权限", "Not allowed" } },
	{ 404, { "未找到", "Not found" } },
	{ 409, { "数据冲突", "Conflict" } },
	{ 413, { "请求体过大", "Request body too large" } },
	{ 415, { "不支持的内容类型", "Unsupported content type" } },
	{ 422, { "请求内容有误", "Invalid request content" } },
	{ 423, { "账号已锁定", "Account locked" } },
	{ 429, { "请求过于频繁", "Too many requests" } },
	{ 503, { "服务暂时不可用", "Service temporarily unavailable" } },
	{ 500, { "服务器内部错误", "Internal server error" } },
};

static const char *title_for(int status, enum problem_lang lang)
{
	size_t n = sizeof(titles) / sizeof(titles[0]);
	for (size_t i = 0; i < n; i++)
		if (titles[i].status == status)
			return titles[i].text[lang];
	return titles[n - 1].text[lang]; /* any other status is ours to explain: 500 */
}

void reply_problem(struct http_req *req, struct http_resp *resp, const struct problem *prob)
{
	reply_problem_ext(req, resp, prob, NULL);
}

void reply_problem_ext(struct http_req *req, struct http_resp *resp, const struct problem *prob,
		       json_t *extra)
{
	enum problem_lang lang = (enum problem_lang)http_req_language(req, problem_lang_tags,
								      PROBLEM_LANG_COUNT);
	int status = rc_status(prob->rc, prob);
	json_t *o = json_object();
	char type[80];
	snprintf(type, sizeof(type), "/problems/%s", prob->type[0] ? prob->type : "error");
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "title", json_string(title_for(status, lang)));
	json_object_set_new(o, "status", json_integer(status));
	/* Internal errors never carry engine text to the client. */
	static const char *const internal[PROBLEM_LANG_COUNT] = {
		"服务器内部错误，请稍后再试", "Internal server error; please try again later"
	};
	const char *detail = status == 500 ? internal[lang] : problem_detail(prob, lang);
	if (detail[0])
		json_object_set_new(o, "detail", json_string(detail));
	json_object_set_new(o, "request_id", json_string(req->request_id));
	if (prob->nfields) {
		json_t *errs = json_array();
		for (size_t i = 0; i < prob->nfields; i++) {
			json_t *e = json_object();
			json_object_set_new(e, "field", json_string(prob->fields[i].name));
			json_object_set_new(e, "message",
					    json_string(problem_field_message(prob, i, lang)));
			json_array_append_new(errs, e);
		}
		json_object_set_new(o, "errors", errs);
	}
	if (extra) {
		json_object_update_missing(o, extra);
		json_decref(extra);
	}
	reply_json(resp, status, o);
	resp->content_type = "application/problem+json";
	http_resp_header(resp, "Content-Language", problem_lang_tags[lang]);
	http_resp_header(resp, "Vary", "Accept-Language");
	if (prob->retry_after_s > 0) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%d", prob->retry_after_s);
		http_resp_header(resp, "Retry-After", ra);
	}
}

/* jansson names its own flag for a NUL inside a string: that complaint gets
 * words a client can act on; the others are jansson's plain English. */
static bool json_error_is_nul(const json_error_t *err)
{
	return strstr(err->text, "JSON_ALLOW_NUL") || strstr(err->text, "\\u0000");
}

bool body_object(struct http_req *req, struct http_resp *resp, json_t **out)
{
	struct problem prob;
	problem_init(&prob);
	*out = NULL;
	const char *ct = http_req_header(req, "Content-Type");
	if (!http_media_type_is(ct, "application/json")) {
		problem_set(&prob, RC_INVALID, "unsupported-media-type",
			    "请求体应为 JSON，请设置 Content-Type: application/json");
		prob.status = 415;
		reply_problem(req, resp, &prob);
		return false;
	}
	json_error_t err;
	json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			       &err);
	if (!j) {
		if (json_error_is_nul(&err))
			problem_set(
				&prob, RC_INVALID, "bad-request",
				"JSON 格式错误（第 %d 行第 %d 列）: 字符串里不能有 \\u0000（NUL 字符）",
				err.line, err.column);
		else
			problem_set(&prob, RC_INVALID, "bad-request",
				    "JSON 格式错误（第 %d 行第 %d 列）: %s", err.line, err.column,
				    err.text);
		reply_problem(req, resp, &prob);
		return false;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		problem_set(&prob, RC_INVALID, "validation",
			    "请求体应为 JSON 对象 (expected an object)");
		reply_problem(req, resp, &prob);
		return false;
	}
	*out = j;
	return true;
}

const char *text_value(json_t *v, const char *name, bool multiline, struct problem *prob)
{
	const char *s = json_string_value(v);
	if (!s)
		return NULL;
	size_t len = json_string_length(v);
	/* Lines one by one, so a description keeps its line breaks while
	 * nothing else invisible gets through. */
	for (size_t at = 0; at <= len;) {
		const char *nl = multiline ? memchr(s + at, '\n', len - at) : NULL;
		size_t end = nl ? (size_t)(nl - s) : len;
		switch (text_line_fault(s + at, end - at)) {
		case TEXT_FINE: break;
		case TEXT_NOT_UTF8:
			problem_field(prob, name, "不是有效的 UTF-8 文本 (not valid UTF-8)");
			return NULL;
		case TEXT_CONTROL:
			problem_field(prob, name,
				      multiline
					      ? "不能包含换行以外的控制字符 (no control characters)"
					      : "不能包含换行等控制字符 (no control characters)");
			return NULL;
		case TEXT_BIDI:
			problem_field(
				prob, name,
				"不能包含双向文字控制符（如 U+202E）(no bidirectional controls)");
			return NULL;
		}
		at = end + 1;
	}
	const char *start = text_trim(s, &len);
	if (start != s || len != json_string_length(v))
		json_string_setn(v, start, len);
	return json_string_value(v);
}

const char *field_text(json_t *obj, const char *key, bool required, bool multiline,
		       struct problem *prob)
{
	if (!field_str(obj, key, required, prob))
		return NULL;
	const char *s = text_value(json_object_get(obj, key), key, multiline, prob);
	if (s && !*s && required)
		problem_field(prob, key, "不能只有空格 (must not be blank)");
	return s;
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

bool value_int(json_t *v, const char *name, int64_t min, int64_t max, int64_t *out,
	       struct problem *prob)
{
	if (!v)
		return false;
	if (!json_is_integer(v)) {
		problem_field(prob, name, "应为整数 (expected an integer)");
		return false;
	}
	json_int_t i = json_integer_value(v);
	if (i < min || i > max) {
		problem_field(prob, name, "应为 %lld 到 %lld 之间的整数", (long long)min,
			      (long long)max);
		return false;
	}
	*out = i;
	return true;
}

bool field_int(json_t *obj, const char *key, bool required, int64_t min, int64_t max, int64_t *out,
	       struct problem *prob)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			problem_field(prob, key, "必填 (required)");
		return false;
	}
	return value_int(v, key, min, max, out, prob);
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
	json_object_foreach(obj, key, v)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], key))
				ok = true;
		if (!ok)
			problem_field(prob, key, "未知字段 (unknown field)");
	}
}

bool read_id_and_body(struct http_req *req, struct http_resp *resp, const char *param, int64_t *id,
		      const char *const *allowed, json_t **body, struct problem *prob)
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
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno == ERANGE || v < min || v > max) {
		problem_field(prob, name, "应为 %lld 到 %lld 之间的整数", (long long)min,
			      (long long)max);
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
