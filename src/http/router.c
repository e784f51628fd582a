/* Segment-by-segment matching. Route tables are small (tens of routes), so a
 * linear scan over pre-split patterns beats anything cleverer in practice;
 * what matters is that matching allocates nothing but the captured values.
 * A parameter segment may end in a literal suffix ("{code}.json"): it then
 * matches a segment that ends so, with at least one byte before it, and
 * captures what comes before. */
#include "http/router.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define SEGMENTS_MAX 12

struct compiled {
	size_t nseg;
	const char *seg[SEGMENTS_MAX]; /* into text */
	size_t seglen[SEGMENTS_MAX];
	bool is_param[SEGMENTS_MAX];
	const char *suffix[SEGMENTS_MAX]; /* after a {param}, into text; NULL if none */
	size_t suffixlen[SEGMENTS_MAX];
};

struct router {
	const struct http_route *routes;
	size_t nroutes;
	struct compiled *compiled;
};

static void compile(const char *pattern, struct compiled *c)
{
	const char *p = pattern;
	c->nseg = 0;
	while (*p == '/')
		p++;
	while (*p && c->nseg < SEGMENTS_MAX) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *close = p[0] == '{' ? memchr(p, '}', len) : NULL;
		bool param = close && close - p > 1;
		size_t namelen = param ? (size_t)(close - p - 1) : len;
		size_t tail = param ? len - namelen - 2 : 0;
		c->seg[c->nseg] = param ? p + 1 : p;
		c->seglen[c->nseg] = namelen;
		c->is_param[c->nseg] = param;
		c->suffix[c->nseg] = tail ? close + 1 : NULL;
		c->suffixlen[c->nseg] = tail;
		c->nseg++;
		p += len;
		while (*p == '/')
			p++;
	}
}

struct router *router_new(const struct http_route *routes, size_t nroutes)
{
	struct router *r = xcalloc(1, sizeof(*r));
	r->routes = routes;
	r->nroutes = nroutes;
	r->compiled = xcalloc(nroutes, sizeof(*r->compiled));
	for (size_t i = 0; i < nroutes; i++)
		compile(routes[i].pattern, &r->compiled[i]);
	return r;
}

void router_free(struct router *r)
{
	if (!r)
		return;
	free(r->compiled);
	free(r);
}

/* Splits path into segments (pointers into path). An empty segment ("//"
 * or a trailing "/") names no route, so it fails the split. */
static bool split(const char *path, const char **seg, size_t *len, size_t *n)
{
	*n = 0;
	if (path[0] != '/')
		return false;
	const char *p = path + 1;
	if (!*p)
		return true;
	for (;;) {
		if (*n == SEGMENTS_MAX)
			return false;
		const char *end = strchr(p, '/');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		if (l == 0)
			return false;
		seg[*n] = p;
		len[*n] = l;
		(*n)++;
		if (!end)
			return true;
		p = end + 1;
	}
}

static bool matches(const struct compiled *c, const char **seg, const size_t *len, size_t n)
{
	if (c->nseg != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (c->is_param[i]) {
			size_t t = c->suffixlen[i];
			if (len[i] <= t || (t && memcmp(seg[i] + len[i] - t, c->suffix[i], t) != 0))
				return false;
			continue;
		}
		if (c->seglen[i] != len[i] || memcmp(c->seg[i], seg[i], len[i]) != 0)
			return false;
	}
	return true;
}

enum router_result router_match(const struct router *r, const char *method, const char *path,
				struct http_req *req, char *allow, size_t cap)
{
	const char *seg[SEGMENTS_MAX];
	size_t len[SEGMENTS_MAX], n;
	if (!split(path, seg, len, &n))
		return ROUTER_NOT_FOUND;
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
	bool path_seen = false;
	struct sb methods = SB_INIT;
	enum router_result res = ROUTER_NOT_FOUND;
	for (size_t i = 0; i < r->nroutes; i++) {
		const struct compiled *c = &r->compiled[i];
		if (!matches(c, seg, len, n))
			continue;
		if (strcmp(r->routes[i].method, want) != 0) {
			if (!strstr(sb_str(&methods), r->routes[i].method)) {
				if (methods.len)
					sb_adds(&methods, ", ");
				sb_adds(&methods, r->routes[i].method);
				if (strcmp(r->routes[i].method, "GET") == 0)
					sb_adds(&methods, ", HEAD");
			}
			path_seen = true;
			continue;
		}
		req->route = &r->routes[i];
		req->route_index = i;
		req->nparams = 0;
		for (size_t s = 0; s < n && req->nparams < HTTP_PARAMS_MAX; s++) {
			if (!c->is_param[s])
				continue;
			req->param_names[req->nparams] = arena_strndup(req->arena, c->seg[s],
								       c->seglen[s]);
			req->param_values[req->nparams] = arena_strndup(req->arena, seg[s],
									len[s] - c->suffixlen[s]);
			req->nparams++;
		}
		res = ROUTER_MATCH;
		goto out;
	}
	if (path_seen) {
		res = ROUTER_METHOD_NOT_ALLOWED;
		if (cap) {
			size_t l = methods.len < cap - 1 ? methods.len : cap - 1;
			memcpy(allow, sb_str(&methods), l);
			allow[l] = '\0';
		}
	}
out:
	sb_release(&methods);
	return res;
}
