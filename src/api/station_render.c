/* A station as the API shows it, rendered in one place: the summary that
 * finding answers carry (from the snapshot, with the string builder, its
 * fixed part cached per snapshot for the nearby answer) and the detail of
 * GET /stations/{id} (from the database). The fields both show are written
 * by one function, so the two cannot disagree: an optional field without a
 * value (parent_id, phone) is left out, in both. */
#include "api/stations.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "api/fields.h"
#include "api/render.h"
#include "api/reply.h"
#include "api/write.h"
#include "core/clock.h"
#include "core/xalloc.h"
#include "domain/permission.h"
#include "domain/station_view.h"
#include "geo/distance.h"

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

static void add_amenity_codes(struct sb *sb, const struct amenity *catalog, size_t ncatalog,
			      uint64_t bits)
{
	sb_addlit(sb, ",\"amenities\":[");
	bool first = true;
	for (size_t i = 0; i < ncatalog && bits; i++) {
		uint64_t bit = 1ull << catalog[i].bit;
		if (!(bits & bit))
			continue;
		bits &= ~bit;
		if (!first)
			sb_addc(sb, ',');
		sb_addc(sb, '"');
		sb_adds(sb, catalog[i].code);
		sb_addc(sb, '"');
		first = false;
	}
	sb_addc(sb, ']');
}

/* The fields of a station that its summary and its detail share, borrowed
 * from wherever the station is held (the snapshot or a struct station). */
struct station_fields {
	int64_t id, parent_id;
	const char *name, *level, *theme, *region_code, *address, *phone;
	struct geo_point pt;
	uint64_t amenities;
	const struct amenity *catalog;
	size_t ncatalog;
	int stars;
};

/* From the opening brace to "stars", for crs. The one rule for optional
 * fields: without a value (no parent, no phone) they are left out. */
static void render_fields(struct sb *sb, const struct station_fields *f, enum geo_crs crs)
{
	sb_addlit(sb, "{\"id\":");
	sb_add_int(sb, f->id);
	add_str(sb, "name", f->name);
	sb_addlit(sb, ",\"level\":\"");
	sb_adds(sb, f->level);
	sb_addlit(sb, "\",\"theme\":\"");
	sb_adds(sb, f->theme);
	sb_addc(sb, '"');
	if (f->parent_id) {
		sb_addlit(sb, ",\"parent_id\":");
		sb_add_int(sb, f->parent_id);
	}
	add_str(sb, "region_code", f->region_code);
	add_str(sb, "address", f->address);
	add_point(sb, f->pt, crs);
	add_amenity_codes(sb, f->catalog, f->ncatalog, f->amenities);
	if (*f->phone)
		add_str(sb, "phone", f->phone);
	sb_addlit(sb, ",\"stars\":");
	sb_add_int(sb, f->stars);
}

/* What of a station's summary changes only with the snapshot. */
static void render_fixed_part(struct sb *sb, const struct snapshot *snap,
			      const struct snap_station *s, enum geo_crs crs)
{
	struct station_fields f = {
		.id = s->id,
		.parent_id = s->parent_id,
		.name = snapshot_text(snap, s->name),
		.level = station_levels[s->level].code,
		.theme = station_themes[s->theme].code,
		.region_code = s->region_code,
		.address = snapshot_text(snap, s->address),
		.phone = snapshot_text(snap, s->phone),
		.pt = s->pt,
		.amenities = s->amenities,
		.catalog = snap->amenities,
		.ncatalog = snap->namenities,
		.stars = s->stars,
	};
	render_fields(sb, &f, crs);
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

void station_render_summary(struct sb *sb, const struct snapshot *snap,
			    const struct snap_station *s, enum geo_crs crs, bool open_now,
			    int64_t now_s)
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
	_Atomic uint32_t *slots; /* by position in snap->stations: 0 or an offset in base */
	char *base;		 /* FRAG_BUDGET_BYTES reserved; NULL: cache nothing */
	size_t used;		 /* under the store's mutex */
	atomic_bool full;	 /* the budget is spent: stop trying */
};

struct station_render {
	pthread_mutex_t mu;
	_Atomic uint64_t generation[2]; /* of cache[i], plus one: 0 is none */
	_Atomic(struct frag_cache *) cache[2];
	size_t bytes; /* used in both caches, under mu */
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

void station_render_free(struct app *app)
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

/* The items of a nearby answer: each hit's summary with its distance and
 * walking minutes, comma-separated. In WGS-84 the fixed parts come from the
 * cache of the snapshot's generation. */
void station_render_hits(struct sb *sb, struct app *app, const struct snapshot *snap,
			 const struct nearby_hit *hits, size_t n, enum geo_crs crs, int64_t now_s)
{
	struct station_render *r = NULL;
	struct frag_cache *c = NULL;
	if (crs == GEO_CRS_WGS84 && n) {
		r = render_store(app);
		c = frag_cache_get(r, snap);
		frag_prefetch(c, snap, hits, n);
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(sb, ',');
		if (c)
			render_summary_cached(sb, r, c, snap, hits[i].station, hits[i].open_now,
					      now_s);
		else
			station_render_summary(sb, snap, hits[i].station, crs, hits[i].open_now,
					       now_s);
		sb_addlit(sb, ",\"distance_m\":");
		sb_add_fixed(sb, hits[i].distance_m, 0);
		sb_addlit(sb, ",\"walk_minutes\":");
		sb_add_int(sb, geo_walk_minutes(hits[i].distance_m));
		sb_addc(sb, '}');
	}
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
			if (!used[k] && o->open_min == r->open_min &&
			    o->close_min == r->close_min) {
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

/* The station's own fields in its detail: the location in the asked
 * coordinate system and the amenity codes; hours and rooms are added as
 * objects afterwards. */
struct detail_ctx {
	enum geo_crs crs;
	const struct amenity *catalog;
	size_t ncatalog;
};

static void render_custom(const struct field *f, const void *rec, struct sb *sb, void *ctx)
{
	const struct station *s = rec;
	const struct detail_ctx *d = ctx;
	if (!strcmp(f->name, "location"))
		add_point(sb, (struct geo_point){ s->lat, s->lng }, d->crs);
	else if (!strcmp(f->name, "amenities"))
		add_amenity_codes(sb, d->catalog, d->ncatalog, s->amenities);
}

static json_t *station_json(struct http_req *req, const struct station_view *v, enum geo_crs crs)
{
	const struct station *s = &v->station;
	int lv = station_kind_find(station_levels, s->level);
	int th = station_kind_find(station_themes, s->theme);
	bool can_edit = v->can_edit;
	struct fields_view view = { .whole_phone = true, .staff = can_edit };
	struct detail_ctx d = { crs, v->catalog, v->ncatalog };
	struct sb sb = SB_INIT;
	sb_addc(&sb, '{');
	fields_render(&station_noun, s, &view, render_custom, &d, &sb);
	sb_addc(&sb, '}');
	json_t *o = json_loadb(sb.buf, sb.len, 0, NULL);
	sb_release(&sb);
	if (!o)
		return NULL;
	json_object_set_new(o, "level_name", json_string(lv >= 0 ? station_levels[lv].zh : ""));
	json_object_set_new(o, "theme_name", json_string(th >= 0 ? station_themes[th].zh : ""));
	json_object_set_new(o, "hours", hours_json(s));
	int64_t now = clock_now_s();
	struct hours_view hv = hours_view_of(&s->hours);
	bool closed = hours_view_closed_at(&hv, now);
	json_object_set_new(o, "open_now", json_boolean(hours_open_at(&s->hours, now)));
	json_object_set_new(o, "closed", json_boolean(closed));
	json_object_set_new(o, "closure",
			    closed ? json_pack("{s:s,s:o}", "reason", s->closed_reason, "until",
					       json_time(s->hours.closed_until_s))
				   : json_null());
	json_t *rooms = json_array();
	for (size_t i = 0; i < s->nrooms; i++)
		json_array_append_new(
			rooms, json_pack("{s:I,s:s,s:i}", "id", (json_int_t)s->rooms[i].id, "name",
					 s->rooms[i].name, "capacity", s->rooms[i].capacity));
	json_object_set_new(o, "rooms", rooms);
	json_t *photos = json_array();
	for (size_t i = 0; i < v->nphotos; i++)
		json_array_append_new(photos, render_photo(&v->photos[i]));
	json_object_set_new(o, "photos", photos);
	json_object_set_new(o, "can_edit", json_boolean(can_edit));
	if (can_edit) {
		/* What the station's QR code says, for those who print it. */
		struct sb link = SB_INIT;
		sb_addf(&link, "%s/c/%s", ((struct app *)req->app)->public_url, s->qr_token);
		json_object_set_new(o, "checkin_url", json_string(sb_str(&link)));
		sb_release(&link);
	}
	json_t *editable = json_array();
	for (size_t i = 0; i < v->neditable; i++)
		json_array_append_new(editable, json_string(v->editable[i]));
	json_object_set_new(o, "editable", editable);
	json_object_set_new(o, "crs", json_string(geo_crs_name(crs)));
	return o;
}

enum rc station_render_detail(struct http_req *req, int64_t id, enum geo_crs crs, json_t **out,
			      struct problem *prob)
{
	struct app *app = req->app;
	struct actor actor = api_actor(req);
	struct station_view *v = NULL;
	enum rc rc = station_view_read(app->db, &actor, id, &v, prob);
	if (rc == RC_OK && !(*out = station_json(req, v, crs)))
		rc = problem_set(prob, RC_INTERNAL, "internal", "驿站信息生成失败");
	station_view_free(v);
	return rc;
}
