/* Turning results into HTTP: JSON bodies, problem documents with per-field
 * errors, and reading JSON request bodies and query parameters with clear
 * complaints when they are wrong. Used by every handler. */
#ifndef YZ_API_REPLY_H
#define YZ_API_REPLY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/app.h"
#include "core/problem.h"
#include "domain/principal.h"
#include "http/http.h"

/* The HTTP status for a result code. */
int rc_status(enum rc rc, const struct problem *prob);
/* Writes obj as the JSON body with status; steals obj. */
void reply_json(struct http_resp *resp, int status, json_t *obj);
/* Writes prob as application/problem+json with its field errors, the
 * request id, and Retry-After when prob says when to retry; in the language
 * the client's Accept-Language prefers (Chinese unless it prefers English),
 * named in Content-Language, with Vary: Accept-Language. */
void reply_problem(struct http_req *req, struct http_resp *resp, const struct problem *prob);
/* reply_problem with more members (extra, stolen; NULL for none) beside
 * the problem's own, which they never replace (RFC 9457 extensions). */
void reply_problem_ext(struct http_req *req, struct http_resp *resp, const struct problem *prob,
		       json_t *extra);

/* Parses the body as a JSON object into *out (new reference). On failure
 * answers 415 (not JSON), 400 (malformed, with line and column) or 422 (not
 * an object) and returns false. */
bool body_object(struct http_req *req, struct http_resp *resp, json_t **out);

/* Field readers: add a field error to prob and return NULL/false when the
 * field is missing (if required) or has the wrong type. Borrowed strings. */
const char *field_str(json_t *obj, const char *key, bool required, struct problem *prob);
/* field_str for text people type and others read (names, addresses,
 * reasons): the value is trimmed of the spaces around it (in obj, so the
 * returned string is borrowed from obj) and refused with a field error if it
 * is not UTF-8 or holds control or bidirectional characters (line breaks
 * allowed when multiline). A required value of only spaces is an error. */
const char *field_text(json_t *obj, const char *key, bool required, bool multiline,
		       struct problem *prob);
/* The same check and trim for one string value v (a field inside an array),
 * errors under name. Returns the trimmed text (borrowed from v) or NULL. */
const char *text_value(json_t *v, const char *name, bool multiline, struct problem *prob);
/* An integer field within [min, max], checked in 64 bits before any caller
 * narrows it: out of range is a field error that names the range. */
bool field_int(json_t *obj, const char *key, bool required, int64_t min, int64_t max, int64_t *out,
	       struct problem *prob);
/* The same check of a value v found inside another field (an array item),
 * reported under name ("rooms.capacity"); v may be NULL (false, no error). */
bool value_int(json_t *v, const char *name, int64_t min, int64_t max, int64_t *out,
	       struct problem *prob);
bool field_number(json_t *obj, const char *key, bool required, double *out, struct problem *prob);
/* Adds a field error for every key of obj not in allowed (NULL-terminated). */
void fields_known(json_t *obj, const char *const *allowed, struct problem *prob);

/* Reads the {param} path id (when param is not NULL) and a JSON object body
 * whose keys must all be in allowed (NULL-terminated); unknown keys become
 * field errors in prob. Answers and returns false when the id or the body
 * cannot be read at all. *body is a new reference on success. */
bool read_id_and_body(struct http_req *req, struct http_resp *resp, const char *param, int64_t *id,
		      const char *const *allowed, json_t **body, struct problem *prob);

/* Reads an integer query parameter within [min, max]; def when absent. */
bool query_int(struct http_req *req, const char *name, int64_t min, int64_t max, int64_t def,
	       int64_t *out, struct problem *prob);
/* Reads the {name} path parameter as a positive id; 404 problem if not. */
bool param_id(struct http_req *req, const char *name, int64_t *out, struct problem *prob);

/* The caller, or an anonymous principal (never NULL). */
const struct principal *req_principal(const struct http_req *req);
/* Time as RFC 3339 (+08:00) JSON string, or null for 0. */
json_t *json_time(int64_t t_s);

#endif
