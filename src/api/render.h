/* JSON renderings of domain records shared by several resources. */
#ifndef YZ_API_RENDER_H
#define YZ_API_RENDER_H

#include <jansson.h>

#include "domain/account.h"
#include "domain/person.h"
#include "geo/coord.h"
#include "domain/photo.h"
#include "domain/principal.h"
#include "domain/session.h"

struct app;
struct http_req;
struct http_resp;

/* An account as viewer may see it (phone masked unless allowed). New ref. */
json_t *render_account(const struct principal *viewer, const struct account *a);
/* The role grants of an account: [{id, role, scope}]. New ref. */
json_t *render_grants(const struct role_grant *g, size_t n);

/* A photo: {id, url, thumb_url, width, height, caption, added_at}. New ref. */
json_t *render_photo(const struct photo *p);

/* A request as lists show it, its location in crs. New ref. (api/requests.c) */
struct request;
json_t *render_request(const struct request *r, enum geo_crs crs);

/* A person's fields as the view shows them (the summary's, or all, the
 * staff fields when staff), roles and teams included; the phone as given
 * (the domain masked it for the viewer). New ref. (api/people.c) */
json_t *render_person(const struct person *p, bool summary, bool staff);
/* The person's custom fields from a request body (the roles, codes
 * borrowed from the body), for fields_parse. (api/people.c) */
void parse_person_custom(const struct field *f, json_t *v, void *input, void *ctx,
			 struct problem *prob);

/* A new session's answer: {csrf_token, expires_at, idle_timeout_s,
 * account}. New ref. (api/sessions.c) */
json_t *render_session(const struct app *app, const struct session_new *s);
/* Sets (or, with "" and 0, clears) the session cookie. (api/sessions.c) */
void session_cookie_set(struct http_req *req, struct http_resp *resp, const char *token,
			int64_t max_age_s);

#endif
