/* /api/v1/stations: find stations (nearest open with what I need, a map
 * viewport, a name search, GeoJSON), read one, and — for those who run them —
 * create, edit, close and reopen, and print the check-in QR code. Finding
 * reads the snapshot and renders with the string builder: an answer is a few
 * copies, not a tree of allocations. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/qr.h"
#include "api/render.h"
#include "api/reply.h"
#include "api/write.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/coverage.h"
#include "domain/permission.h"
#include "domain/station.h"
#include "domain/station_snapshot.h"
#include "geo/coord.h"
#include "geo/distance.h"

#define NEARBY_LIMIT_MAX 50
#define LIST_LIMIT_MAX 2000

/* Query parsing */

static bool query_crs(struct http_req *req, enum geo_crs *crs, struct problem *prob)
{
	const char *s = http_req_query(req, "crs");
	*crs = GEO_CRS_WGS84;
	if (s && *s && geo_crs_parse(s, crs) != 0) {
		problem_field(prob, "crs", "坐标系应为 wgs84, gcj02 或 bd09");
		return false;
	}
	return true;
}

/* strtod for the plain decimals clients send ("34.36512", "-7", "1500"):
 * with at most 15 significant digits and 22 decimals, digits / 10^decimals
 * is one correctly rounded division of two exact doubles, the value strtod
 * gives. Anything else goes to strtod itself. */
static double parse_double(const char *s, char **end)
{
	static const double pow10[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
					 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
					 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	const char *p = s;
	bool neg = *p == '-';
	if (neg)
		p++;
	uint64_t m = 0;
	int ndigits = 0, ndecimals = 0;
	const char *start = p;
	for (; *p >= '0' && *p <= '9'; p++, ndigits++)
		m = m * 10 + (uint64_t)(*p - '0');
	bool any = p != start;
	if (*p == '.') {
		p++;
		const char *frac = p;
		for (; *p >= '0' && *p <= '9'; p++, ndigits++, ndecimals++)
			m = m * 10 + (uint64_t)(*p - '0');
		any = any || p != frac;
	}
	if (!any || *p || ndigits > 15 || ndecimals > 22)
		return strtod(s, end);
	*end = (char *)p;
	double v = (double)m / pow10[ndecimals];
	return neg ? -v : v;
}

static bool query_double(struct http_req *req, const char *name, bool required, double min,
			 double max, double def, double *out, struct problem *prob)
{
	const char *s = http_req_query(req, name);
	if (!s || !*s) {
		if (required)
			problem_field(prob, name, "必填 (required)");
		*out = def;
		return !required;
	}
	char *end = NULL;
	double v = parse_double(s, &end);
	if (*end || !isfinite(v) || v < min || v > max) {
		problem_field(prob, name, "应为 %g 到 %g 之间的数", min, max);
		return false;
	}
	*out = v;
	return true;
}

static bool query_bool(struct http_req *req, const char *name, bool *out, struct problem *prob)
{
	const char *s = http_req_query(req, name);
	*out = false;
	if (!s || !*s || !strcmp(s, "0") || !strcmp(s, "false"))
		return true;
	if (!strcmp(s, "1") || !strcmp(s, "true")) {
		*out = true;
		return true;
	}
	problem_field(prob, name, "应为 true 或 false");
	return false;
}

/* "microwave,charger" → bitset; unknown codes are field errors. */
static uint64_t query_amenities(struct http_req *req, const struct snapshot *snap,
				struct problem *prob)
{
	const char *s = http_req_query(req, "amenity");
	uint64_t bits = 0;
	while (s && *s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		char code[32];
		if (n && n < sizeof(code)) {
			memcpy(code, s, n);
			code[n] = '\0';
			int bit = snapshot_amenity_bit(snap, code);
			if (bit < 0)
				problem_field(prob, "amenity", "设施目录中没有 \"%s\"", code);
			else
				bits |= 1ull << bit;
		}
		s = comma ? comma + 1 : NULL;
	}
	return bits;
}

static int query_kind(struct http_req *req, const char *name, const struct station_kind *table,
		      struct problem *prob)
{
	const char *s = http_req_query(req, name);
	if (!s || !*s)
		return -1;
	int k = station_kind_find(table, s);
	/* Whole sentences, not a word slotted into one, so each has its English. */
	if (k < 0)
		problem_field(prob, name, table == station_themes ? "没有这个主题：%s" : "没有这个级别：%s",
			      s);
	return k;
}

/* Rendering from the snapshot. Numbers go through the string builder's own
 * formatting (no printf: it was most of a request's time), with the very
 * bytes printf gives. */

/* ,"key":"value", the value JSON-escaped; key is a string literal. */
#define add_str(sb, key, value) \
	add_str_n((sb), ",\"" key "\":\"", sizeof(",\"" key "\":\"") - 1, (value))

static void add_str_n(struct sb *sb, const char *head, size_t head_len, const char *value)
{
	sb_add(sb, head, head_len);
	sb_add_json_escaped(sb, value, strlen(value));
	sb_addc(sb, '"');
}

static void add_point(struct sb *sb, struct geo_point p, enum geo_crs crs)
{
	struct geo_point q = crs == GEO_CRS_WGS84 ? p : geo_from_wgs84(p, crs);
	sb_addlit(sb, ",\"location\":{\"lat\":");
	sb_add_fixed(sb, q.lat, 6);
	sb_addlit(sb, ",\"lng\":");
	sb_add_fixed(sb, q.lng, 6);
	sb_addc(sb, '}');
}

static void add_amenity_codes(struct sb *sb, const struct snapshot *snap, uint64_t bits)
{
	sb_addlit(sb, ",\"amenities\":[");
	bool first = true;
	for (size_t i = 0; i < snap->namenities && bits; i++) {
		uint64_t bit = 1ull << snap->amenities[i].bit;
		if (!(bits & bit))
			continue;
		bits &= ~bit;
		if (!first)
			sb_addc(sb, ',');
		sb_addc(sb, '"');
		sb_adds(sb, snap->amenities[i].code);
		sb_addc(sb, '"');
		first = false;
	}
	sb_addc(sb, ']');
}

/* What of a station's summary changes only with the snapshot: from the
 * opening brace to "stars", for crs. */
static void render_fixed_part(struct sb *sb, const struct snapshot *snap,
			      const struct snap_station *s, enum geo_crs crs)
{
	sb_addlit(sb, "{\"id\":");
	sb_add_int(sb, s->id);
	add_str(sb, "name", snapshot_text(snap, s->name));
	sb_addlit(sb, ",\"level\":\"");
	sb_adds(sb, station_levels[s->level].code);
	sb_addlit(sb, "\",\"theme\":\"");
	sb_adds(sb, station_themes[s->theme].code);
	sb_addc(sb, '"');
	if (s->parent_id) {
		sb_addlit(sb, ",\"parent_id\":");
		sb_add_int(sb, s->parent_id);
	}
	add_str(sb, "region_code", s->region_code);
	add_str(sb, "address", snapshot_text(snap, s->address));
	add_point(sb, s->pt, crs);
	add_amenity_codes(sb, snap, s->amenities);
	const char *phone = snapshot_text(snap, s->phone);
	if (*phone)
		add_str(sb, "phone", phone);
	sb_addlit(sb, ",\"stars\":");
	sb_add_int(sb, s->stars);
}

/* What changes with the time of the request: open now, and whether a
 * temporary closure still holds (one whose expected end passed is over). */
static void render_open_part(struct sb *sb, const struct snapshot *snap,
			     const struct snap_station *s, bool open_now, int64_t now_s)
{
	if (open_now)
		sb_addlit(sb, ",\"open_now\":true");
	else
		sb_addlit(sb, ",\"open_now\":false");
	if (s->closed && snapshot_closed_at(snap, s, now_s))
		sb_addlit(sb, ",\"closed\":true");
	else
		sb_addlit(sb, ",\"closed\":false");
}

/* One station's summary object, without the closing brace. */
static void render_summary(struct sb *sb, const struct snapshot *snap,
			   const struct snap_station *s, enum geo_crs crs, bool open_now, int64_t now_s)
{
	render_fixed_part(sb, snap, s, crs);
	render_open_part(sb, snap, s, open_now, now_s);
}

/* The fragment cache: each station's fixed part in WGS-84, rendered once per
 * snapshot, so that a nearby answer is a few copies. A station's fragment is
 * rendered by the first request that needs it, appended to the cache's
 * region under a mutex and published with an atomic store of its offset, so
 * readers never lock; the mutex is taken only by the first answers after a
 * write. The region is reserved address space that becomes memory only as
 * it fills, and all caches together hold at most FRAG_BUDGET_BYTES of
 * fragments (~20,000 stations): past that, stations are rendered on each
 * request. So memory stays bounded however many stations the snapshot
 * holds: 4 bytes of slot a station (600 KiB at 150,000) plus the budget.
 *
 * A cache belongs to one snapshot generation; it sits in slot generation & 1.
 * The snapshot store promises that a write returns only once no reader holds
 * the snapshot it replaced (station_snapshot.h), so readers only ever hold
 * the current generation or the one before, which are in different slots:
 * the cache a request replaces (generation − 2 or older) has no reader left,
 * and is freed at once. */
#define FRAG_BUDGET_BYTES (8u << 20)

struct frag_cache {
	_Atomic uint32_t *slots;  /* by position in snap->stations: 0 or an offset in base */
	char *base;               /* FRAG_BUDGET_BYTES reserved; NULL: cache nothing */
	size_t used;              /* under the store's mutex */
	atomic_bool full;         /* the budget is spent: stop trying */
};

struct station_render {
	pthread_mutex_t mu;
	_Atomic uint64_t generation[2]; /* of cache[i], plus one: 0 is none */
	_Atomic(struct frag_cache *) cache[2];
	size_t bytes;             /* used in both caches, under mu */
};

static void frag_cache_free(struct frag_cache *c)
{
	if (!c)
		return;
	if (c->base)
		munmap(c->base, FRAG_BUDGET_BYTES);
	free((void *)c->slots);
	free(c);
}

void stations_render_free(struct app *app)
{
	struct station_render *r = atomic_load(&app->render);
	if (!r)
		return;
	frag_cache_free(atomic_load(&r->cache[0]));
	frag_cache_free(atomic_load(&r->cache[1]));
	pthread_mutex_destroy(&r->mu);
	free(r);
	atomic_store(&app->render, NULL);
}

static struct station_render *render_store(struct app *app)
{
	struct station_render *r = atomic_load_explicit(&app->render, memory_order_acquire);
	if (r)
		return r;
	struct station_render *fresh = xcalloc(1, sizeof(*fresh));
	pthread_mutex_init(&fresh->mu, NULL);
	if (atomic_compare_exchange_strong(&app->render, &r, fresh))
		return fresh;
	pthread_mutex_destroy(&fresh->mu);
	free(fresh);
	return r;
}

/* The cache of snap's generation, made if it is not there yet. Borrowed
 * while the caller holds snap. */
static struct frag_cache *frag_cache_get(struct station_render *r, const struct snapshot *snap)
{
	uint64_t g = snap->generation + 1;
	size_t i = g & 1;
	if (atomic_load_explicit(&r->generation[i], memory_order_acquire) == g)
		return atomic_load_explicit(&r->cache[i], memory_order_relaxed);
	pthread_mutex_lock(&r->mu);
	struct frag_cache *c = atomic_load_explicit(&r->cache[i], memory_order_relaxed);
	if (atomic_load_explicit(&r->generation[i], memory_order_relaxed) != g) {
		struct frag_cache *old = c;
		c = xcalloc(1, sizeof(*c));
		c->slots = xcalloc(snap->n ? snap->n : 1, sizeof(*c->slots));
		void *base = mmap(NULL, FRAG_BUDGET_BYTES, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		c->base = base == MAP_FAILED ? NULL : base;
		c->used = sizeof(uint32_t); /* offset 0 means "not rendered" */
		atomic_store_explicit(&r->cache[i], c, memory_order_relaxed);
		atomic_store_explicit(&r->generation[i], g, memory_order_release);
		if (old) {
			r->bytes -= old->used;
			frag_cache_free(old);
		}
		r->bytes += c->used;
	}
	pthread_mutex_unlock(&r->mu);
	return c;
}

/* Keeps a copy of the fragment just rendered (data, len) for station idx:
 * its length (4 bytes, native order) and then its bytes. */
static void frag_publish(struct station_render *r, struct frag_cache *c, size_t idx,
			 const char *data, size_t len)
{
	size_t need = (sizeof(uint32_t) + len + 3) & ~(size_t)3;
	if (!c->base || len > 4096 || atomic_load_explicit(&c->full, memory_order_relaxed))
		return;
	pthread_mutex_lock(&r->mu);
	if (r->bytes + need > FRAG_BUDGET_BYTES || c->used + need > FRAG_BUDGET_BYTES) {
		atomic_store_explicit(&c->full, true, memory_order_relaxed);
	} else if (!atomic_load_explicit(&c->slots[idx], memory_order_relaxed)) {
		char *p = c->base + c->used;
		uint32_t len32 = (uint32_t)len;
		memcpy(p, &len32, sizeof(len32));
		memcpy(p + sizeof(len32), data, len);
		atomic_store_explicit(&c->slots[idx], (uint32_t)c->used, memory_order_release);
		c->used += need;
		r->bytes += need;
	}
	pthread_mutex_unlock(&r->mu);
}

/* Starts loading the fragments of the hits into the cache, all at once: with
 * many stations they are far apart in memory, and waiting for each in turn
 * (slot, then fragment) took longer than copying them. */
static void frag_prefetch(struct frag_cache *c, const struct snapshot *snap,
			  const struct nearby_hit *hits, size_t n)
{
	for (size_t i = 0; i < n; i++)
		__builtin_prefetch(&c->slots[hits[i].station - snap->stations]);
	for (size_t i = 0; i < n; i++) {
		uint32_t off = atomic_load_explicit(&c->slots[hits[i].station - snap->stations],
						    memory_order_relaxed);
		/* A fragment is 300–500 bytes; prefetching never faults. */
		for (size_t at = 0; off && at < 512; at += 64)
			__builtin_prefetch(c->base + off + at);
	}
}

/* render_summary in WGS-84, from the cache when it can. */
static void render_summary_cached(struct sb *sb, struct station_render *r, struct frag_cache *c,
				  const struct snapshot *snap, const struct snap_station *s,
				  bool open_now, int64_t now_s)
{
	size_t idx = (size_t)(s - snap->stations);
	uint32_t off = atomic_load_explicit(&c->slots[idx], memory_order_acquire);
	if (off) {
		uint32_t len;
		memcpy(&len, c->base + off, sizeof(len));
		sb_add(sb, c->base + off + sizeof(len), len);
	} else {
		size_t at = sb->len;
		render_fixed_part(sb, snap, s, GEO_CRS_WGS84);
		if (!sb->err)
			frag_publish(r, c, idx, sb->buf + at, sb->len - at);
	}
	render_open_part(sb, snap, s, open_now, now_s);
}

void h_stations_nearby(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	double lat, lng, radius;
	int64_t limit = 10;
	bool open_now;
	enum geo_crs crs;
	query_double(req, "lat", true, -90, 90, 0, &lat, &prob);
	query_double(req, "lng", true, -180, 180, 0, &lng, &prob);
	query_double(req, "radius_m", false, 1, 50000, 1500, &radius, &prob);
	query_int(req, "limit", 1, NEARBY_LIMIT_MAX, 10, &limit, &prob);
	query_bool(req, "open_now", &open_now, &prob);
	query_crs(req, &crs, &prob);
	struct nearby_query q = {
		.radius_m = radius,
		.limit = (size_t)limit,
		.open_now = open_now,
		.now_s = clock_now_s(),
		.theme = query_kind(req, "theme", station_themes, &prob),
		.level = query_kind(req, "level", station_levels, &prob),
	};
	const struct snapshot *snap = snapshot_acquire(app->stations);
	q.amenities = query_amenities(req, snap, &prob);
	if (problem_has_fields(&prob)) {
		snapshot_release(app->stations, snap);
		reply_problem(req, resp, &prob);
		return;
	}
	struct geo_point in = { lat, lng };
	q.center = geo_to_wgs84(in, crs);
	struct geo_index_hit work[NEARBY_LIMIT_MAX];
	struct nearby_hit hits[NEARBY_LIMIT_MAX];
	size_t n = snapshot_nearby(snap, &q, work, hits);
	struct station_render *r = NULL;
	struct frag_cache *c = NULL;
	if (crs == GEO_CRS_WGS84 && n) {
		r = render_store(app);
		c = frag_cache_get(r, snap);
		frag_prefetch(c, snap, hits, n);
	}
	struct sb *sb = &resp->body;
	sb_reserve(sb, 64 + n * 512);
	sb_addlit(sb, "{\"items\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(sb, ',');
		if (c)
			render_summary_cached(sb, r, c, snap, hits[i].station, hits[i].open_now, q.now_s);
		else
			render_summary(sb, snap, hits[i].station, crs, hits[i].open_now, q.now_s);
		sb_addlit(sb, ",\"distance_m\":");
		sb_add_fixed(sb, hits[i].distance_m, 0);
		sb_addlit(sb, ",\"walk_minutes\":");
		sb_add_int(sb, geo_walk_minutes(hits[i].distance_m));
		sb_addc(sb, '}');
	}
	sb_addlit(sb, "],\"count\":");
	sb_add_uint(sb, n);
	sb_addlit(sb, ",\"crs\":\"");
	sb_adds(sb, geo_crs_name(crs));
	sb_addlit(sb, "\"}");
	snapshot_release(app->stations, snap);
	resp->status = 200;
	resp->content_type = "application/json";
}

/* bbox=south,west,north,east */
static bool query_bbox(struct http_req *req, double box[4], enum geo_crs crs,
		       struct problem *prob)
{
	const char *s = http_req_query(req, "bbox");
	if (!s)
		return false;
	char *end = NULL;
	const char *p = s;
	for (int i = 0; i < 4; i++) {
		box[i] = strtod(p, &end);
		if (end == p || !isfinite(box[i]) || (i < 3 && *end != ',') || (i == 3 && *end)) {
			problem_field(prob, "bbox", "应为 南纬,西经,北纬,东经 四个数");
			return false;
		}
		p = end + 1;
	}
	if (box[0] > box[2] || box[0] < -90 || box[2] > 90 || box[1] < -180 || box[3] > 180) {
		problem_field(prob, "bbox", "范围无效：南 ≤ 北，纬度 −90…90，经度 −180…180");
		return false;
	}
	if (crs != GEO_CRS_WGS84) {
		struct geo_point sw = geo_to_wgs84((struct geo_point){ box[0], box[1] }, crs);
		struct geo_point ne = geo_to_wgs84((struct geo_point){ box[2], box[3] }, crs);
		box[0] = sw.lat, box[1] = sw.lng, box[2] = ne.lat, box[3] = ne.lng;
	}
	return true;
}

/* Lists for the map viewport (bbox) or a search (q, region), or a hub's
 * branches (parent): every match, at most cap. */
static size_t list_stations(struct http_req *req, const struct snapshot *snap,
			    const struct snap_station **out, size_t cap, enum geo_crs crs,
			    struct problem *prob)
{
	double box[4];
	const char *q = http_req_query(req, "q");
	const char *region = http_req_query(req, "region");
	int64_t parent = 0;
	if (q && strlen(q) > 64)
		problem_field(prob, "q", "搜索词最多 64 字节");
	query_int(req, "parent", 1, INT64_MAX, 0, &parent, prob);
	bool has_box = query_bbox(req, box, crs, prob);
	if (problem_has_fields(prob))
		return 0;
	size_t n;
	bool filter = parent != 0;
	if (!has_box) {
		n = snapshot_search(snap, q, region, cap, out);
	} else {
		n = snapshot_bbox(snap, box[0], box[1], box[2], box[3], cap, out);
		filter = filter || (q && *q) || (region && *region);
	}
	if (!filter)
		return n;
	size_t k = 0, plen = region ? strlen(region) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct snap_station *s = out[i];
		if (parent && s->parent_id != parent)
			continue;
		if (plen && strncmp(s->region_code, region, plen) != 0)
			continue;
		if (q && *q && !strstr(snapshot_text(snap, s->name), q) &&
		    !strstr(snapshot_text(snap, s->address), q))
			continue;
		out[k++] = s;
	}
	return k;
}

/* Finds every station a list request names (bbox, q, region, parent) in
 * snap; *found is *new* (free it). Answers the problem and returns false
 * when the query is bad. */
static bool find_or_answer(struct http_req *req, struct http_resp *resp,
			   const struct snapshot *snap, enum geo_crs crs,
			   const struct snap_station ***found, size_t *n)
{
	struct problem prob;
	problem_init(&prob);
	size_t cap = snap->n;
	*found = xcalloc(cap ? cap : 1, sizeof(**found));
	*n = list_stations(req, snap, *found, cap, crs, &prob);
	if (!problem_has_fields(&prob))
		return true;
	free(*found);
	*found = NULL;
	reply_problem(req, resp, &prob);
	return false;
}

void h_stations_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	enum geo_crs crs;
	int64_t limit;
	query_crs(req, &crs, &prob);
	query_int(req, "limit", 1, LIST_LIMIT_MAX, 500, &limit, &prob);
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	const struct snapshot *snap = snapshot_acquire(app->stations);
	const struct snap_station **found = NULL;
	size_t total = 0;
	if (!find_or_answer(req, resp, snap, crs, &found, &total)) {
		snapshot_release(app->stations, snap);
		return;
	}
	/* total counts every match; the page shows the first limit of them. */
	size_t n = total < (size_t)limit ? total : (size_t)limit;
	int64_t now = clock_now_s();
	struct sb *sb = &resp->body;
	sb_adds(sb, "{\"items\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(sb, ',');
		render_summary(sb, snap, found[i], crs, snapshot_open_at(snap, found[i], now), now);
		sb_addc(sb, '}');
	}
	sb_addlit(sb, "],\"count\":");
	sb_add_uint(sb, n);
	sb_addlit(sb, ",\"total\":");
	sb_add_uint(sb, total);
	sb_addlit(sb, ",\"crs\":\"");
	sb_adds(sb, geo_crs_name(crs));
	sb_addlit(sb, "\"}");
	snapshot_release(app->stations, snap);
	free(found);
	resp->status = 200;
	resp->content_type = "application/json";
}

void h_stations_geojson(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t limit;
	enum geo_crs crs;
	query_int(req, "limit", 1, 200000, 200000, &limit, &prob);
	/* RFC 7946 knows one coordinate system: say so rather than ignore crs. */
	if (query_crs(req, &crs, &prob) && crs != GEO_CRS_WGS84)
		problem_field(&prob, "crs", "GeoJSON 总是 WGS-84（RFC 7946），crs 只能为 wgs84");
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	const struct snapshot *snap = snapshot_acquire(app->stations);
	const struct snap_station **found = NULL;
	size_t n = 0;
	if (!find_or_answer(req, resp, snap, GEO_CRS_WGS84, &found, &n)) {
		snapshot_release(app->stations, snap);
		return;
	}
	if (n > (size_t)limit)
		n = (size_t)limit;
	/* RFC 7946: WGS-84 only, positions as [longitude, latitude]. */
	int64_t now = clock_now_s();
	struct sb *sb = &resp->body;
	sb_adds(sb, "{\"type\":\"FeatureCollection\",\"features\":[");
	for (size_t i = 0; i < n; i++) {
		const struct snap_station *s = found[i];
		if (i)
			sb_addc(sb, ',');
		sb_addlit(sb, "{\"type\":\"Feature\",\"id\":");
		sb_add_int(sb, s->id);
		sb_addlit(sb, ",\"geometry\":{\"type\":\"Point\",\"coordinates\":[");
		sb_add_fixed(sb, s->pt.lng, 6);
		sb_addc(sb, ',');
		sb_add_fixed(sb, s->pt.lat, 6);
		sb_addlit(sb, "]},\"properties\":");
		render_summary(sb, snap, s, GEO_CRS_WGS84, snapshot_open_at(snap, s, now), now);
		sb_adds(sb, "}}");
	}
	sb_adds(sb, "]}");
	snapshot_release(app->stations, snap);
	free(found);
	resp->status = 200;
	resp->content_type = "application/geo+json";
}

/* One station, in full, from the database (so its detail is exact). */

static json_t *hours_json(const struct station *s)
{
	json_t *weekly = json_array();
	bool used[HOURS_RANGES_MAX] = { false };
	/* Group the days that share the same open and close times. */
	for (size_t i = 0; i < s->hours.nranges; i++) {
		if (used[i])
			continue;
		const struct hours_range *r = &s->hours.ranges[i];
		json_t *days = json_array();
		for (size_t k = i; k < s->hours.nranges; k++) {
			const struct hours_range *o = &s->hours.ranges[k];
			if (!used[k] && o->open_min == r->open_min && o->close_min == r->close_min) {
				used[k] = true;
				json_array_append_new(days, json_integer(o->day));
			}
		}
		char open[6], close[6];
		hours_format_hhmm(r->open_min, open);
		hours_format_hhmm(r->close_min, close);
		json_array_append_new(weekly, json_pack("{s:o,s:s,s:s}", "days", days, "open", open,
							"close", close));
	}
	json_t *exc = json_array();
	for (size_t i = 0; i < s->hours.nexceptions; i++) {
		const struct hours_exception *e = &s->hours.exceptions[i];
		char date[11];
		hours_format_date(e->day_num, date);
		json_t *o = json_pack("{s:s,s:b}", "date", date, "closed", e->closed);
		if (!e->closed) {
			char open[6], close[6];
			hours_format_hhmm(e->open_min, open);
			hours_format_hhmm(e->close_min, close);
			json_object_set_new(o, "open", json_string(open));
			json_object_set_new(o, "close", json_string(close));
		}
		if (s->exception_notes[i][0])
			json_object_set_new(o, "note", json_string(s->exception_notes[i]));
		json_array_append_new(exc, o);
	}
	return json_pack("{s:o,s:o,s:b}", "weekly", weekly, "exceptions", exc, "always_open",
			 hours_always_open(&s->hours));
}

static json_t *station_json(struct http_req *req, const struct station *s, enum geo_crs crs,
			    const struct amenity *catalog, size_t ncatalog, const struct photo *photo,
			    size_t nphotos)
{
	struct actor actor = api_actor(req);
	struct geo_point p = geo_from_wgs84((struct geo_point){ s->lat, s->lng }, crs);
	int lv = station_kind_find(station_levels, s->level);
	int th = station_kind_find(station_themes, s->theme);
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(s->id));
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "level", json_string(s->level));
	json_object_set_new(o, "level_name", json_string(lv >= 0 ? station_levels[lv].zh : ""));
	json_object_set_new(o, "theme", json_string(s->theme));
	json_object_set_new(o, "theme_name", json_string(th >= 0 ? station_themes[th].zh : ""));
	json_object_set_new(o, "parent_id", s->parent_id ? json_integer(s->parent_id) : json_null());
	json_object_set_new(o, "region_code", json_string(s->region_code));
	json_object_set_new(o, "address", json_string(s->address));
	json_object_set_new(o, "location", json_pack("{s:f,s:f}", "lat", round(p.lat * 1e6) / 1e6,
						      "lng", round(p.lng * 1e6) / 1e6));
	json_t *am = json_array();
	for (size_t i = 0; i < ncatalog; i++)
		if (s->amenities & (1ull << catalog[i].bit))
			json_array_append_new(am, json_string(catalog[i].code));
	json_object_set_new(o, "amenities", am);
	json_object_set_new(o, "phone", s->phone[0] ? json_string(s->phone) : json_null());
	json_object_set_new(o, "stars", json_integer(s->stars));
	json_object_set_new(o, "description", s->description[0] ? json_string(s->description) : json_null());
	json_object_set_new(o, "hours", hours_json(s));
	int64_t now = clock_now_s();
	struct hours_view hv = hours_view_of(&s->hours);
	bool closed = hours_view_closed_at(&hv, now);
	json_object_set_new(o, "open_now", json_boolean(hours_open_at(&s->hours, now)));
	json_object_set_new(o, "closed", json_boolean(closed));
	json_object_set_new(o, "closure",
			    closed ? json_pack("{s:s,s:o}", "reason", s->closed_reason,
							"until", json_time(s->hours.closed_until_s)) :
					      json_null());
	json_t *rooms = json_array();
	for (size_t i = 0; i < s->nrooms; i++)
		json_array_append_new(rooms, json_pack("{s:I,s:s,s:i}", "id", (json_int_t)s->rooms[i].id,
						       "name", s->rooms[i].name, "capacity",
						       s->rooms[i].capacity));
	json_object_set_new(o, "rooms", rooms);
	json_t *photos = json_array();
	for (size_t i = 0; i < nphotos; i++)
		json_array_append_new(photos, render_photo(&photo[i]));
	json_object_set_new(o, "photos", photos);
	json_object_set_new(o, "can_edit", json_boolean(station_may_edit(&actor, s)));
	if (station_may_edit(&actor, s)) {
		/* What the station's QR code says, for those who print it. */
		struct sb link = SB_INIT;
		sb_addf(&link, "%s/c/%s", ((struct app *)req->app)->public_url, s->qr_token);
		json_object_set_new(o, "checkin_url", json_string(sb_str(&link)));
		sb_release(&link);
	}
	const char *fields[24];
	size_t nfields = station_editable(&actor, s, fields, 24);
	json_t *editable = json_array();
	for (size_t i = 0; i < nfields; i++)
		json_array_append_new(editable, json_string(fields[i]));
	json_object_set_new(o, "editable", editable);
	json_object_set_new(o, "updated_at", json_time(s->updated_s));
	json_object_set_new(o, "version", json_integer(s->version));
	json_object_set_new(o, "crs", json_string(geo_crs_name(crs)));
	return o;
}

static enum rc render_station(struct http_req *req, int64_t id, enum geo_crs crs, json_t **out,
			      struct problem *prob)
{
	struct app *app = req->app;
	struct station *s = xmalloc(sizeof(*s));
	struct amenity *catalog = NULL;
	size_t ncatalog = 0;
	struct photo *photos = xcalloc(STATION_PHOTOS_MAX, sizeof(*photos));
	size_t nphotos = 0;
	enum rc rc = station_get(app->db, id, s, prob);
	if (rc == RC_OK)
		rc = amenity_catalog(app->db, &catalog, &ncatalog, prob);
	if (rc == RC_OK)
		rc = station_photos(app->db, id, photos, &nphotos, prob);
	if (rc == RC_OK)
		*out = station_json(req, s, crs, catalog, ncatalog, photos, nphotos);
	free(photos);
	free(catalog);
	free(s);
	return rc;
}

void h_station_get(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	enum geo_crs crs;
	json_t *o = NULL;
	if (!param_id(req, "id", &id, &prob) || !query_crs(req, &crs, &prob) ||
	    render_station(req, id, crs, &o, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	reply_json(resp, 200, o);
}

/* Writing */

struct station_arg {
	int64_t id;
	struct station_input in;
	enum geo_crs crs;
	bool closed;
	const char *reason;
	int64_t until_s;
};

static void parse_hours(json_t *h, struct station_input *in, struct problem *prob)
{
	in->has_hours = true;
	json_t *weekly = json_object_get(h, "weekly");
	json_t *exc = json_object_get(h, "exceptions");
	if (!json_is_object(h) || (weekly && !json_is_array(weekly)) || (exc && !json_is_array(exc))) {
		problem_field(prob, "hours", "应为 {weekly: [...], exceptions: [...]}");
		return;
	}
	bool always = json_is_true(json_object_get(h, "always_open"));
	size_t i;
	json_t *r;
	if (always) {
		for (int d = 1; d <= 7; d++)
			in->hours.ranges[in->hours.nranges++] = (struct hours_range){ (uint8_t)d, 0, 1440 };
	}
	json_array_foreach(weekly, i, r) {
		if (always)
			break;
		json_t *days = json_object_get(r, "days");
		int open = hours_parse_hhmm(json_string_value(json_object_get(r, "open")));
		int close = hours_parse_hhmm(json_string_value(json_object_get(r, "close")));
		if (!json_is_array(days) || !json_array_size(days) || open < 0 || open >= 1440 ||
		    close <= 0) {
			problem_field(prob, "hours.weekly",
				      "每一段应为 {days: [1–7], open: \"HH:MM\", close: \"HH:MM\"}");
			return;
		}
		size_t k;
		json_t *d;
		json_array_foreach(days, k, d) {
			json_int_t day = json_is_integer(d) ? json_integer_value(d) : 0;
			if (day < 1 || day > 7) {
				problem_field(prob, "hours.weekly", "星期应为 1（周一）到 7（周日）");
				return;
			}
			if (in->hours.nranges >= HOURS_RANGES_MAX) {
				problem_field(prob, "hours.weekly", "每周最多 %d 个时段", HOURS_RANGES_MAX);
				return;
			}
			in->hours.ranges[in->hours.nranges++] =
				(struct hours_range){ (uint8_t)day, (uint16_t)open, (uint16_t)close };
		}
	}
	json_array_foreach(exc, i, r) {
		int32_t day;
		const char *date = json_string_value(json_object_get(r, "date"));
		if (!date || !hours_parse_date(date, &day)) {
			problem_field(prob, "hours.exceptions", "日期应为 YYYY-MM-DD");
			return;
		}
		if (in->hours.nexceptions >= HOURS_EXCEPTIONS_MAX) {
			problem_field(prob, "hours.exceptions", "最多 %d 个特殊日期", HOURS_EXCEPTIONS_MAX);
			return;
		}
		size_t k = in->hours.nexceptions;
		struct hours_exception *e = &in->hours.exceptions[k];
		e->day_num = day;
		e->closed = !json_is_false(json_object_get(r, "closed"));
		if (!e->closed) {
			int open = hours_parse_hhmm(json_string_value(json_object_get(r, "open")));
			int close = hours_parse_hhmm(json_string_value(json_object_get(r, "close")));
			if (open < 0 || open >= 1440 || close <= 0) {
				problem_field(prob, "hours.exceptions", "不休息的特殊日期需要 open 和 close");
				return;
			}
			e->open_min = (uint16_t)open;
			e->close_min = (uint16_t)close;
		}
		const char *note = text_value(json_object_get(r, "note"), "hours.exceptions", false, prob);
		if (note && strlen(note) >= sizeof(in->exception_notes[k])) {
			problem_field(prob, "hours.exceptions", "备注最多 30 个字");
			return;
		}
		if (note)
			memcpy(in->exception_notes[k], note, strlen(note) + 1);
		in->hours.nexceptions++;
	}
}

/* Reads the station fields of body into a->in; every bad field is reported. */
static void parse_station(json_t *body, struct station_arg *a, struct problem *prob)
{
	static const char *const allowed[] = { "name", "level", "theme", "parent_id", "region_code",
					       "address", "location", "phone", "stars",
					       "description", "amenities", "hours", "rooms", NULL };
	struct station_input *in = &a->in;
	fields_known(body, allowed, prob);
	json_t *v;
#define STR_FIELD(key, has, dst)                                        \
	if ((v = json_object_get(body, key))) {                         \
		in->has = true;                                         \
		in->dst = field_text(body, key, false, false, prob);    \
	}
	STR_FIELD("name", has_name, name)
	STR_FIELD("level", has_level, level)
	STR_FIELD("theme", has_theme, theme)
	STR_FIELD("region_code", has_region, region_code)
	STR_FIELD("address", has_address, address)
	STR_FIELD("phone", has_phone, phone)
	if ((v = json_object_get(body, "description"))) {
		in->has_description = true;
		in->description = field_text(body, "description", false, true, prob);
	}
#undef STR_FIELD
	if ((v = json_object_get(body, "parent_id"))) {
		in->has_parent = true;
		if (!json_is_null(v))
			field_int(body, "parent_id", false, 0, INT64_MAX, &in->parent_id, prob);
	}
	if ((v = json_object_get(body, "stars"))) {
		int64_t stars = 0;
		in->has_stars = field_int(body, "stars", false, 0, STATION_STARS_MAX, &stars, prob);
		in->stars = (int)stars;
	}
	if ((v = json_object_get(body, "location"))) {
		json_t *lat = json_object_get(v, "lat"), *lng = json_object_get(v, "lng");
		if (!json_is_number(lat) || !json_is_number(lng)) {
			problem_field(prob, "location", "应为 {lat: 纬度, lng: 经度}");
		} else {
			struct geo_point p = geo_to_wgs84(
				(struct geo_point){ json_number_value(lat), json_number_value(lng) },
				a->crs);
			in->has_location = true;
			in->lat = p.lat;
			in->lng = p.lng;
		}
	}
	if ((v = json_object_get(body, "amenities"))) {
		size_t i;
		json_t *code;
		in->has_amenities = true;
		if (!json_is_array(v) || json_array_size(v) > 64)
			problem_field(prob, "amenities", "应为设施编码数组");
		else
			json_array_foreach(v, i, code) {
				if (!json_is_string(code)) {
					problem_field(prob, "amenities", "应为设施编码数组");
					break;
				}
				in->amenities[in->namenities++] = json_string_value(code);
			}
	}
	if ((v = json_object_get(body, "hours")))
		parse_hours(v, in, prob);
	if ((v = json_object_get(body, "rooms"))) {
		size_t i;
		json_t *r;
		in->has_rooms = true;
		if (!json_is_array(v) || json_array_size(v) > STATION_ROOMS_MAX)
			problem_field(prob, "rooms", "应为房间数组（最多 %d 间）", STATION_ROOMS_MAX);
		else
			json_array_foreach(v, i, r) {
				const char *name = text_value(json_object_get(r, "name"), "rooms", false, prob);
				json_t *cap = json_object_get(r, "capacity");
				int64_t capacity = 0;
				if (!name || !*name || strlen(name) >= sizeof(in->rooms[0].name)) {
					problem_field(prob, "rooms", "每间房需要 name（名称）和整数 capacity");
					break;
				}
				if (cap && !value_int(cap, "rooms.capacity", 0, STATION_ROOM_CAPACITY_MAX,
						      &capacity, prob))
					break;
				memcpy(in->rooms[in->nrooms].name, name, strlen(name) + 1);
				in->rooms[in->nrooms].capacity = (int)capacity;
				in->nrooms++;
			}
	}
}

static enum rc do_create(struct http_req *req, const struct actor *actor, void *arg,
			 struct write_out *out, struct problem *prob)
{
	struct station_arg *a = arg;
	enum rc rc = station_create(((struct app *)req->app)->db, actor, &a->in, &a->id, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	snprintf(out->location, sizeof(out->location), "/api/v1/stations/%lld", (long long)a->id);
	return render_station(req, a->id, a->crs, &out->body, prob);
}

static enum rc do_update(struct http_req *req, const struct actor *actor, void *arg,
			 struct write_out *out, struct problem *prob)
{
	struct station_arg *a = arg;
	enum rc rc = station_update(((struct app *)req->app)->db, actor, a->id, &a->in, prob);
	return rc == RC_OK ? render_station(req, a->id, a->crs, &out->body, prob) : rc;
}

static void station_write(struct http_req *req, struct http_resp *resp, bool create)
{
	struct problem prob;
	problem_init(&prob);
	struct station_arg *a = xcalloc(1, sizeof(*a));
	json_t *body = NULL;
	if ((!create && !param_id(req, "id", &a->id, &prob)) || !query_crs(req, &a->crs, &prob)) {
		reply_problem(req, resp, &prob);
		goto out;
	}
	if (!body_object(req, resp, &body))
		goto out;
	parse_station(body, a, &prob);
	if (problem_has_fields(&prob)) {
		/* Report the fields that parsed but break the rules too, so the
		 * form can show every problem at once. */
		(void)station_validate(((struct app *)req->app)->db, &a->in, create, &prob);
		reply_problem(req, resp, &prob);
		goto out;
	}
	/* The snapshot follows the write's station.changed event at commit. */
	api_write(req, resp, create ? do_create : do_update, a);
out:
	json_decref(body);
	free(a);
}

void h_stations_create(struct http_req *req, struct http_resp *resp)
{
	station_write(req, resp, true);
}

void h_station_update(struct http_req *req, struct http_resp *resp)
{
	station_write(req, resp, false);
}

static enum rc do_close(struct http_req *req, const struct actor *actor, void *arg,
			struct write_out *out, struct problem *prob)
{
	struct station_arg *a = arg;
	enum rc rc = station_set_closed(((struct app *)req->app)->db, actor, a->id, a->closed,
					a->reason, a->until_s, prob);
	return rc == RC_OK ? render_station(req, a->id, GEO_CRS_WGS84, &out->body, prob) : rc;
}

void h_station_close(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct station_arg *a = xcalloc(1, sizeof(*a));
	json_t *body = NULL;
	a->closed = true;
	static const char *const allowed[] = { "reason", "until", NULL };
	if (!read_id_and_body(req, resp, "id", &a->id, allowed, &body, &prob))
		goto out;
	a->reason = field_text(body, "reason", true, false, &prob);
	const char *until = field_str(body, "until", false, &prob);
	if (until && clock_parse_rfc3339(until, &a->until_s) != 0)
		problem_field(&prob, "until", "应为 RFC 3339 时间，如 2026-12-01T08:00:00+08:00");
	api_write_checked(req, resp, &prob, do_close, a);
out:
	json_decref(body);
	free(a);
}

void h_station_reopen(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct station_arg *a = xcalloc(1, sizeof(*a));
	if (!param_id(req, "id", &a->id, &prob)) {
		reply_problem(req, resp, &prob);
	} else {
		api_write(req, resp, do_close, a);
	}
	free(a);
}

static enum rc do_rotate(struct http_req *req, const struct actor *actor, void *arg,
			 struct write_out *out, struct problem *prob)
{
	struct station_arg *a = arg;
	out->status = 204;
	return station_rotate_qr(((struct app *)req->app)->db, actor, a->id, prob);
}

void h_station_qr_rotate(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct station_arg *a = xcalloc(1, sizeof(*a));
	if (!param_id(req, "id", &a->id, &prob))
		reply_problem(req, resp, &prob);
	else
		api_write(req, resp, do_rotate, a);
	free(a);
}

/* The QR code: for those who may edit the station (it is printed and hung
 * up there; the link inside is what a passer-by scans to check in). */
static void station_qr(struct http_req *req, struct http_resp *resp, bool png)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	struct station *s = xmalloc(sizeof(*s));
	struct actor actor = api_actor(req);
	if (!param_id(req, "id", &id, &prob) || station_get(app->db, id, s, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		goto out;
	}
	if (!station_may_edit(&actor, s)) {
		problem_set(&prob, RC_FORBIDDEN, "forbidden", "只有负责这个驿站的人可以打印它的二维码");
		reply_problem(req, resp, &prob);
		goto out;
	}
	struct sb link = SB_INIT;
	sb_addf(&link, "%s/c/%s", app->public_url, s->qr_token);
	bool ok = png ? qr_png(sb_str(&link), 8, &resp->body) : qr_svg(sb_str(&link), &resp->body);
	sb_release(&link);
	if (!ok) {
		problem_set(&prob, RC_INTERNAL, "internal", "二维码生成失败");
		reply_problem(req, resp, &prob);
		goto out;
	}
	resp->status = 200;
	resp->content_type = png ? "image/png" : "image/svg+xml";
out:
	free(s);
}

void h_station_qr_svg(struct http_req *req, struct http_resp *resp)
{
	station_qr(req, resp, false);
}

void h_station_qr_png(struct http_req *req, struct http_resp *resp)
{
	station_qr(req, resp, true);
}

void h_checkin_link(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id = 0;
	if (station_by_qr(app->db, http_req_param(req, "token"), &id, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	/* Until check-in exists, the code opens the station's page, which says
	 * that check-in is coming. */
	char where[64];
	snprintf(where, sizeof(where), "/station.html?id=%lld&from=qr", (long long)id);
	http_resp_header(resp, "Location", where);
	http_resp_header(resp, "Cache-Control", "no-store");
	resp->status = 302;
}

/* Catalogs */

void h_amenities_list(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	const struct snapshot *snap = snapshot_acquire(app->stations);
	json_t *items = json_array();
	for (size_t i = 0; i < snap->namenities; i++) {
		const struct amenity *a = &snap->amenities[i];
		json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:s}", "code", a->code, "name_zh",
						       a->name_zh, "name_en", a->name_en, "icon", a->icon));
	}
	snapshot_release(app->stations, snap);
	json_t *levels = json_array(), *themes = json_array();
	for (size_t i = 0; station_levels[i].code; i++)
		json_array_append_new(levels, json_pack("{s:s,s:s,s:s}", "code", station_levels[i].code,
							"name_zh", station_levels[i].zh, "name_en",
							station_levels[i].en));
	for (size_t i = 0; station_themes[i].code; i++)
		json_array_append_new(themes, json_pack("{s:s,s:s,s:s}", "code", station_themes[i].code,
							"name_zh", station_themes[i].zh, "name_en",
							station_themes[i].en));
	reply_json(resp, 200,
		   json_pack("{s:o,s:o,s:o}", "amenities", items, "levels", levels, "themes", themes));
}

struct amenity_arg {
	struct amenity in;
};

static enum rc do_amenity(struct http_req *req, const struct actor *actor, void *arg,
			  struct write_out *out, struct problem *prob)
{
	struct amenity_arg *a = arg;
	enum rc rc = amenity_upsert(((struct app *)req->app)->db, actor, &a->in, prob);
	if (rc == RC_OK)
		out->body = json_pack("{s:s,s:s,s:s,s:s}", "code", a->in.code, "name_zh", a->in.name_zh,
				      "name_en", a->in.name_en, "icon", a->in.icon);
	return rc;
}

void h_amenity_put(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct amenity_arg a = { 0 };
	json_t *body = NULL;
	const char *code = http_req_param(req, "code");
	static const char *const allowed[] = { "name_zh", "name_en", "icon", "sort", NULL };
	if (!read_id_and_body(req, resp, NULL, NULL, allowed, &body, &prob))
		return;
	const char *zh = field_text(body, "name_zh", true, false, &prob);
	const char *en = field_text(body, "name_en", true, false, &prob);
	const char *icon = field_str(body, "icon", true, &prob);
	int64_t sort = 0;
	field_int(body, "sort", false, 0, AMENITY_SORT_MAX, &sort, &prob);
	if (strlen(code) >= sizeof(a.in.code) || (zh && strlen(zh) >= sizeof(a.in.name_zh)) ||
	    (en && strlen(en) >= sizeof(a.in.name_en)) || (icon && strlen(icon) >= sizeof(a.in.icon)))
		problem_field(&prob, "name_zh", "名称或图标过长");
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		json_decref(body);
		return;
	}
	memcpy(a.in.code, code, strlen(code) + 1);
	memcpy(a.in.name_zh, zh, strlen(zh) + 1);
	memcpy(a.in.name_en, en, strlen(en) + 1);
	memcpy(a.in.icon, icon, strlen(icon) + 1);
	a.in.sort = (int)sort;
	api_write(req, resp, do_amenity, &a);
	json_decref(body);
}

/* Coverage of a region by the walking circle. */
void h_coverage(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t walk_m;
	enum geo_crs crs;
	const char *region = http_req_query(req, "region");
	if (!region || !*region)
		problem_field(&prob, "region", "必填：区域代码，如 6103（宝鸡市）或 610303（金台区）");
	query_int(req, "walk_m", 100, 10000, app->walk_m, &walk_m, &prob);
	query_crs(req, &crs, &prob);
	if (problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	const struct snapshot *snap = snapshot_acquire(app->stations);
	struct coverage c;
	enum rc rc = coverage_compute(app->db, snap, region, (int)walk_m, &c, &prob);
	if (rc != RC_OK) {
		snapshot_release(app->stations, snap);
		reply_problem(req, resp, &prob);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; i < c.n; i++) {
		const struct coverage_item *it = &c.items[i];
		json_t *o = json_pack("{s:s,s:s,s:s,s:b}", "code", it->code, "name", it->name,
				      "parent_name", it->parent_name, "covered", it->covered);
		if (it->has_location) {
			struct geo_point p = geo_from_wgs84(it->pt, crs);
			json_object_set_new(o, "location", json_pack("{s:f,s:f}", "lat", round(p.lat * 1e6) / 1e6,
								     "lng", round(p.lng * 1e6) / 1e6));
		} else {
			json_object_set_new(o, "location", json_null());
		}
		json_object_set_new(o, "stations_within", json_integer(it->stations_within));
		if (it->nearest_id) {
			const struct snap_station *s = snapshot_station(snap, it->nearest_id);
			struct geo_point np = geo_from_wgs84(it->nearest_pt, crs);
			json_object_set_new(
				o, "nearest",
				json_pack("{s:I,s:s,s:i,s:i,s:{s:f,s:f}}", "id", (json_int_t)it->nearest_id,
					  "name", s ? snapshot_text(snap, s->name) : "", "distance_m",
					  (int)lround(it->nearest_m), "walk_minutes",
					  geo_walk_minutes(it->nearest_m), "location", "lat",
					  round(np.lat * 1e6) / 1e6, "lng", round(np.lng * 1e6) / 1e6));
		} else {
			json_object_set_new(o, "nearest", json_null());
		}
		json_array_append_new(items, o);
	}
	snapshot_release(app->stations, snap);
	json_t *left_out = json_array();
	for (size_t i = 0; i < c.nleft_out; i++)
		json_array_append_new(left_out, json_pack("{s:s,s:I}", "kind", c.left_out[i].kind, "count",
							  (json_int_t)c.left_out[i].count));
	json_t *o = json_pack("{s:s,s:i,s:[s],s:o,s:I,s:I,s:I,s:f,s:o}", "region", c.region, "walk_m",
			      c.walk_m, "counted_kinds", COVERAGE_COUNTED_KIND, "not_counted", left_out,
			      "communities", (json_int_t)c.communities, "located", (json_int_t)c.located,
			      "covered", (json_int_t)c.covered, "share",
			      round(c.share * 10000) / 10000, "items", items);
	coverage_release(&c);
	reply_json(resp, 200, o);
}
