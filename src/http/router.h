/* The router: matches a method and path against the route table handed in at
 * start. Patterns are literal segments, {name} segments and {name}.suffix
 * segments (a parameter followed by literal text, "{code}.json"). Built once,
 * read-only afterwards, so concurrent lookups need no lock. */
#ifndef YZ_HTTP_ROUTER_H
#define YZ_HTTP_ROUTER_H

#include "http/http.h"

struct router;

enum router_result { ROUTER_MATCH, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

/* Returns a *new* router over routes (borrowed: must outlive the router). */
struct router *router_new(const struct http_route *routes, size_t nroutes);
void router_free(struct router *r);

/* Matches method and path. On ROUTER_MATCH fills req->route, route_index and
 * the path parameters (values copied into req->arena). HEAD matches GET.
 * On ROUTER_METHOD_NOT_ALLOWED writes the allowed methods ("GET, HEAD, POST")
 * into allow (cap bytes). */
enum router_result router_match(const struct router *r, const char *method, const char *path,
				struct http_req *req, char *allow, size_t cap);

#endif
