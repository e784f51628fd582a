/* Request and response helpers shared by every handler. */
#include "http/http.h"

#include <microhttpd.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

const char *http_req_header(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_req_query(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result add_canonical(void *cls, enum MHD_ValueKind kind, const char *key,
				     size_t key_size, const char *value, size_t value_size)
{
	struct sb *sb = cls;
	(void)kind;
	sb_add_uint(sb, key_size);
	sb_addc(sb, ':');
	sb_add(sb, key, key_size);
	if (value) {
		sb_addc(sb, '=');
		sb_add_uint(sb, value_size);
		sb_addc(sb, ':');
		sb_add(sb, value, value_size);
	} else {
		sb_addc(sb, '!');
	}
	sb_addc(sb, '&');
	return MHD_YES;
}

void http_req_query_canonical(const struct http_req *req, struct sb *sb)
{
	MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, add_canonical, sb);
}

struct unknown_query {
	const char *spec;
	const char *name; /* the first parameter the spec does not declare */
};

/* True if spec ("name:type:description;…") declares name[0..len). */
static bool declared(const char *spec, const char *name, size_t len)
{
	while (spec && *spec) {
		size_t n = strcspn(spec, ":;");
		if (n == len && memcmp(spec, name, len) == 0)
			return true;
		spec = strchr(spec, ';');
		if (spec)
			spec++;
	}
	return false;
}

static enum MHD_Result find_unknown(void *cls, enum MHD_ValueKind kind, const char *key,
				    size_t key_size, const char *value, size_t value_size)
{
	struct unknown_query *u = cls;
	(void)kind, (void)value, (void)value_size;
	if (declared(u->spec, key, key_size))
		return MHD_YES;
	u->name = key;
	return MHD_NO;
}

const char *http_req_query_unknown(const struct http_req *req)
{
	struct unknown_query u = { .spec = req->route ? req->route->query : NULL };
	MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, find_unknown, &u);
	return u.name;
}

bool http_media_type_is(const char *ct, const char *type)
{
	if (!ct)
		return false;
	/* media-type = type "/" subtype *( OWS ";" OWS parameter ), RFC 9110 8.3.1 */
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strlen(type);
	if (strncasecmp(ct, type, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

const char *http_req_param(const struct http_req *req, const char *name)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (strcmp(req->param_names[i], name) == 0)
			return req->param_values[i];
	return NULL;
}

const char *http_req_cookie(const struct http_req *req, const char *name)
{
	const char *v = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
	return v ? arena_strdup(req->arena, v) : NULL;
}

void http_resp_file(struct http_resp *resp, int fd, uint64_t len)
{
	if (resp->file_fd >= 0)
		close(resp->file_fd);
	resp->file_fd = fd;
	resp->file_len = len;
}

void http_resp_header(struct http_resp *resp, const char *name, const char *value)
{
	if (resp->nheaders == HTTP_HEADERS_MAX)
		return;
	resp->headers[resp->nheaders].name = arena_strdup(resp->arena, name);
	resp->headers[resp->nheaders].value = arena_strdup(resp->arena, value);
	resp->nheaders++;
}

void http_resp_borrow(struct http_resp *resp, const void *data, size_t len)
{
	if (len < HTTP_BORROW_MIN_BYTES) {
		sb_add(&resp->body, data, len);
		return;
	}
	if (resp->nsplices == resp->cap_splices) {
		/* The arena keeps the old array until the request ends; answers
		 * borrow tens of pieces, so the waste is small. */
		size_t cap = resp->cap_splices ? resp->cap_splices * 2 : 64;
		struct http_splice *grown = arena_alloc(resp->arena, cap * sizeof(*grown));
		if (resp->nsplices)
			memcpy(grown, resp->splices, resp->nsplices * sizeof(*grown));
		resp->splices = grown;
		resp->cap_splices = cap;
	}
	resp->splices[resp->nsplices++] = (struct http_splice){ resp->body.len, data, len };
	resp->borrowed_len += len;
}

void http_resp_on_release(struct http_resp *resp, void (*release)(void *arg), void *arg)
{
	resp->release = release;
	resp->release_arg = arg;
}

bool http_resp_borrowing(const struct http_resp *resp)
{
	return resp->nsplices > 0;
}

size_t http_resp_body_len(const struct http_resp *resp)
{
	return resp->body.len + resp->borrowed_len;
}

/* A new body replaces the old one, borrowed pieces included. */
static void body_reset(struct http_resp *resp)
{
	sb_reset(&resp->body);
	resp->nsplices = 0;
	resp->borrowed_len = 0;
}

void http_resp_json(struct http_resp *resp, int status, const char *json, size_t len)
{
	resp->status = status;
	resp->content_type = "application/json";
	body_reset(resp);
	sb_add(&resp->body, json, len);
}

const char *http_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 423: return "Locked";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

void http_resp_problem(struct http_resp *resp, int status, const char *type, const char *title,
		       const char *detail)
{
	resp->status = status;
	resp->content_type = "application/problem+json";
	body_reset(resp);
	sb_adds(&resp->body, "{\"type\":\"");
	if (type && *type) {
		sb_adds(&resp->body, "/problems/");
		sb_add_json_escaped(&resp->body, type, strlen(type));
	} else {
		sb_adds(&resp->body, "about:blank");
	}
	sb_addf(&resp->body, "\",\"status\":%d,\"title\":\"", status);
	title = title ? title : http_status_text(status);
	sb_add_json_escaped(&resp->body, title, strlen(title));
	sb_adds(&resp->body, "\"");
	if (detail) {
		sb_adds(&resp->body, ",\"detail\":\"");
		sb_add_json_escaped(&resp->body, detail, strlen(detail));
		sb_adds(&resp->body, "\"");
	}
	if (resp->request_id) {
		sb_adds(&resp->body, ",\"request_id\":\"");
		sb_add_json_escaped(&resp->body, resp->request_id, strlen(resp->request_id));
		sb_adds(&resp->body, "\"");
	}
	sb_adds(&resp->body, "}");
}
