/* yizhan bench: the speed figures of the "Speed" issue. `bench index` times
 * the nearest-station question ("10 nearest within 1,500 m with amenity X,
 * open now") three ways on the same synthetic stations — the snapshot's
 * spatial index the server uses, a brute-force scan, and SQLite's R*Tree —
 * and checks that all three give the same answers. `bench seed-synthetic`
 * writes the same kind of stations into a database so that scripts/bench.sh
 * can measure the server holding many of them. This is a tool, not a path a
 * request takes: it writes SQL itself and opens SQLite directly. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "domain/secret.h"
#include "domain/station.h"
#include "domain/station_snapshot.h"
#include "geo/distance.h"
#include "geo/index.h"

/* The question every method answers. */
#define QUERY_RADIUS_M 1500.0
#define QUERY_LIMIT 10
#define QUERY_AMENITY "microwave"

/* How the synthetic stations spread: a normal distribution of this many
 * metres around each city centre, and about this many stations per city —
 * 150,000 stations fill 30 cities, 350 one (the demo city, 宝鸡). */
#define CITY_SIGMA_M 6000.0
#define STATIONS_PER_CITY 5000

/* How many queries are checked for identical answers across methods. */
#define VERIFY_QUERIES 1000

#define M_PER_DEG (GEO_EARTH_RADIUS_M * GEO_RAD_PER_DEG)

/* ---- deterministic randomness: xoshiro256** seeded by splitmix64 ---- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n). */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}

/* Standard normal (Box-Muller; the second value is dropped for simplicity). */
static double rng_normal(struct rng *r)
{
	double u = 1.0 - rng_unit(r), v = rng_unit(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * 3.14159265358979323846 * v);
}

/* ---- the synthetic country ---- */

/* City centres, WGS-84, rounded to about 100 m; the demo city first, so a
 * few hundred stations land where seed-demo puts its accounts. code is the
 * city's 4-digit prefix of the national division codes. */
static const struct city {
	const char *name;
	double lat, lng;
	const char *code;
} cities[] = {
	{ "宝鸡", 34.3619, 107.2376, "6103" },   { "西安", 34.3416, 108.9398, "6101" },
	{ "北京", 39.9042, 116.4074, "1101" },   { "上海", 31.2304, 121.4737, "3101" },
	{ "广州", 23.1291, 113.2644, "4401" },   { "深圳", 22.5431, 114.0579, "4403" },
	{ "成都", 30.5728, 104.0668, "5101" },   { "重庆", 29.5630, 106.5516, "5001" },
	{ "武汉", 30.5928, 114.3055, "4201" },   { "杭州", 30.2741, 120.1551, "3301" },
	{ "南京", 32.0603, 118.7969, "3201" },   { "天津", 39.1256, 117.1909, "1201" },
	{ "沈阳", 41.8057, 123.4315, "2101" },   { "哈尔滨", 45.8038, 126.5350, "2301" },
	{ "长沙", 28.2282, 112.9388, "4301" },   { "郑州", 34.7466, 113.6254, "4101" },
	{ "济南", 36.6512, 117.1201, "3701" },   { "青岛", 36.0671, 120.3826, "3702" },
	{ "昆明", 24.8801, 102.8329, "5301" },   { "贵阳", 26.6470, 106.6302, "5201" },
	{ "兰州", 36.0611, 103.8343, "6201" },   { "乌鲁木齐", 43.8256, 87.6168, "6501" },
	{ "呼和浩特", 40.8414, 111.7519, "1501" }, { "太原", 37.8706, 112.5489, "1401" },
	{ "大同", 40.0768, 113.3001, "1402" },   { "石家庄", 38.0428, 114.5149, "1301" },
	{ "合肥", 31.8206, 117.2272, "3401" },   { "南昌", 28.6820, 115.8579, "3601" },
	{ "福州", 26.0745, 119.2965, "3501" },   { "厦门", 24.4798, 118.0894, "3502" },
	{ "南宁", 22.8170, 108.3665, "4501" },   { "海口", 20.0440, 110.1999, "4601" },
};
#define NCITIES (sizeof(cities) / sizeof(cities[0]))

/* The catalog of migration 0003 (code, bit), and how often a station offers
 * each amenity: nearly all have water and a seat, 40% a microwave, few a
 * projector. */
static const struct synth_amenity {
	const char *code;
	int bit;
	double share;
} synth_amenities[] = {
	{ "water", 0, 0.90 },        { "rest", 1, 0.85 },       { "heating", 2, 0.55 },
	{ "cooling", 3, 0.55 },      { "microwave", 4, 0.40 },  { "fridge", 5, 0.30 },
	{ "charger", 6, 0.70 },      { "power_bank", 7, 0.20 }, { "medicine_kit", 8, 0.60 },
	{ "umbrella", 9, 0.50 },     { "raincoat", 10, 0.15 },  { "toolbox", 11, 0.25 },
	{ "tyre_pump", 12, 0.20 },   { "wifi", 13, 0.55 },      { "toilet", 14, 0.45 },
	{ "nursing_room", 15, 0.10 }, { "books", 16, 0.35 },    { "sewing_kit", 17, 0.30 },
	{ "meeting_room", 18, 0.15 }, { "projector", 19, 0.05 },
};
#define NAMENITIES (sizeof(synth_amenities) / sizeof(synth_amenities[0]))

static const char *const roads[] = { "人民", "解放", "建设", "中山", "胜利", "和平",
				     "文化", "长青", "新华", "光明", "团结", "友谊" };

/* The week the synthetic hours' exceptions fall in, and the index queries'
 * "now": Monday 2026-03-02 00:00 local time onwards. */
#define SYNTH_WEEK "2026-03-02"

struct synth {
	struct rng rng;
	size_t ncities;
	int32_t day0;        /* local day number of the week's Monday */
	int64_t week_start_s;
};

static size_t cities_for(size_t n, size_t wanted)
{
	size_t k = wanted ? wanted : (n + STATIONS_PER_CITY - 1) / STATIONS_PER_CITY;

	return k < 1 ? 1 : k > NCITIES ? NCITIES : k;
}

static void synth_init(struct synth *sy, uint64_t seed, size_t ncities)
{
	rng_seed(&sy->rng, seed);
	sy->ncities = ncities;
	hours_parse_date(SYNTH_WEEK, &sy->day0);
	sy->week_start_s = (int64_t)sy->day0 * 86400 - HOURS_LOCAL_OFFSET_S;
}

/* A point drawn around one of the cities in use; *city gets which. */
static struct geo_point synth_point(struct synth *sy, size_t *city)
{
	const struct city *c = &cities[rng_below(&sy->rng, sy->ncities)];
	struct geo_point p;

	p.lat = c->lat + rng_normal(&sy->rng) * CITY_SIGMA_M / M_PER_DEG;
	p.lng = c->lng + rng_normal(&sy->rng) * CITY_SIGMA_M /
				 (M_PER_DEG * cos(p.lat * GEO_RAD_PER_DEG));
	if (city)
		*city = (size_t)(c - cities);
	return p;
}

static void add_range(struct hours *h, int day, int open_min, int close_min)
{
	h->ranges[h->nranges++] = (struct hours_range){ (uint8_t)day, (uint16_t)open_min,
							(uint16_t)close_min };
}

static void add_days(struct hours *h, int first, int last, int open_min, int close_min)
{
	for (int d = first; d <= last; d++)
		add_range(h, d, open_min, close_min);
}

/* Opening hours as stations keep them: most open 08:00–20:00 on weekdays,
 * some around the clock, some into the night, some with a lunch break, a
 * few only at weekends; some have a dated exception in the week, and about
 * 3% are temporarily closed. */
static void synth_hours(struct synth *sy, struct hours *h)
{
	double u = rng_unit(&sy->rng);

	h->nranges = 0;
	h->nexceptions = 0;
	if (u < 0.55) {
		add_days(h, 1, 5, 8 * 60, 20 * 60);
		if (rng_unit(&sy->rng) < 0.5)
			add_range(h, 6, 9 * 60, 17 * 60);
	} else if (u < 0.70) {
		add_days(h, 1, 7, 7 * 60 + 30, 21 * 60 + 30);
	} else if (u < 0.82) {
		add_days(h, 1, 7, 0, 1440);
	} else if (u < 0.90) {
		add_days(h, 1, 7, 16 * 60, 2 * 60);   /* past midnight */
	} else if (u < 0.97) {
		for (int d = 1; d <= 6; d++) {
			add_range(h, d, 9 * 60, 12 * 60);
			add_range(h, d, 13 * 60 + 30, 18 * 60);
		}
	} else {
		add_days(h, 6, 7, 10 * 60, 16 * 60);
	}
	if (rng_unit(&sy->rng) < 0.08) {
		struct hours_exception *e = &h->exceptions[h->nexceptions++];

		e->day_num = sy->day0 + (int32_t)rng_below(&sy->rng, 7);
		e->closed = rng_unit(&sy->rng) < 0.7;
		e->open_min = e->closed ? 0 : 10 * 60;
		e->close_min = e->closed ? 0 : 14 * 60;
	}
	h->closed = rng_unit(&sy->rng) < 0.03;
	h->closed_until_s = h->closed && rng_unit(&sy->rng) < 0.5 ? sy->week_start_s + 30 * 86400 : 0;
}

/* Fills the fields of *s a station has in the registry (not the QR token,
 * rooms, notes or timestamps). s must be zeroed; id is i + 1. */
static void synth_station(struct synth *sy, size_t i, struct station *s)
{
	static const char *const levels[] = { "street", "community", "community", "compound",
					      "compound", "corner", "merchant" };
	static const char *const themes[] = { "general", "general", "general", "love", "worker",
					      "reading", "talent", "finance", "mediation" };
	size_t city;
	struct geo_point p = synth_point(sy, &city);
	const struct city *c = &cities[city];
	unsigned street = (unsigned)rng_below(&sy->rng, 30) + 1;
	unsigned community = (unsigned)rng_below(&sy->rng, 20) + 1;

	s->id = (int64_t)i + 1;
	snprintf(s->name, sizeof(s->name), "%s%s路第%zu号驿站", c->name,
		 roads[rng_below(&sy->rng, sizeof(roads) / sizeof(roads[0]))], i + 1);
	snprintf(s->level, sizeof(s->level), "%s",
		 levels[rng_below(&sy->rng, sizeof(levels) / sizeof(levels[0]))]);
	snprintf(s->theme, sizeof(s->theme), "%s",
		 themes[rng_below(&sy->rng, sizeof(themes) / sizeof(themes[0]))]);
	s->parent_id = 0;
	snprintf(s->region_code, sizeof(s->region_code), "%s02%03u%03u", c->code, street,
		 community);
	snprintf(s->address, sizeof(s->address), "%s市%s路%u号%s", c->name,
		 roads[rng_below(&sy->rng, sizeof(roads) / sizeof(roads[0]))],
		 (unsigned)rng_below(&sy->rng, 800) + 1,
		 rng_unit(&sy->rng) < 0.5 ? "社区服务中心一楼" : "");
	s->lat = p.lat;
	s->lng = p.lng;
	if (rng_unit(&sy->rng) < 0.7)
		snprintf(s->phone, sizeof(s->phone), "0%03u-%07u",
			 (unsigned)rng_below(&sy->rng, 900) + 100,
			 (unsigned)rng_below(&sy->rng, 9000000) + 1000000);
	else
		s->phone[0] = '\0';
	s->stars = (int)rng_below(&sy->rng, 6);
	s->amenities = 0;
	for (size_t a = 0; a < NAMENITIES; a++)
		if (rng_unit(&sy->rng) < synth_amenities[a].share)
			s->amenities |= 1ull << synth_amenities[a].bit;
	synth_hours(sy, &s->hours);
	/* Only fields that matter are written: bench index keeps 150,000 of
	 * these at once, and untouched pages of them cost no memory. */
	if (s->hours.closed)
		snprintf(s->closed_reason, sizeof(s->closed_reason), "%s", "装修暂停开放");
}

/* ---- the three ways to answer ---- */

/* One query: a point drawn like the stations, and a "now" somewhere in the
 * synthetic week, so that open-now sees mornings, nights and weekends. */
struct bench_query {
	struct geo_point center;
	int64_t now_s;
};

struct bench_answer {
	size_t n;
	int64_t id[QUERY_LIMIT];
	double distance_m[QUERY_LIMIT];
};

struct bench {
	struct snapshot_store *store;
	uint64_t need;           /* the amenity bit */
	int64_t now_s;           /* of the query running (for the scan's filter) */
	const struct snapshot *snap;
	sqlite3 *sql;
	sqlite3_stmt *rtree_q;
	const struct bench_query *queries;
	size_t nqueries;
};

/* The server's path: snapshot_acquire, snapshot_nearby, snapshot_release. */
static void answer_index(struct bench *b, const struct bench_query *q, struct bench_answer *out)
{
	struct geo_index_hit work[QUERY_LIMIT];
	struct nearby_hit hits[QUERY_LIMIT];
	const struct snapshot *snap = snapshot_acquire(b->store);
	struct nearby_query nq = {
		.center = q->center,
		.radius_m = QUERY_RADIUS_M,
		.limit = QUERY_LIMIT,
		.amenities = b->need,
		.open_now = true,
		.now_s = q->now_s,
		.theme = -1,
		.level = -1,
	};

	out->n = snapshot_nearby(snap, &nq, work, hits);
	for (size_t i = 0; i < out->n; i++) {
		out->id[i] = hits[i].station->id;
		out->distance_m[i] = hits[i].distance_m;
	}
	snapshot_release(b->store, snap);
}

static bool scan_open(const struct geo_index_entry *e, void *arg)
{
	const struct bench *b = arg;

	return snapshot_open_at(b->snap, &b->snap->stations[e->flags], b->now_s);
}

/* Brute force over the same snapshot: every station's amenity bits, a cheap
 * lower bound on its distance, then open-now and the exact haversine for
 * those that could make the top ten — a tight scan, so the index is compared with the best a
 * loop can do, not with a slow one. */
static void answer_scan(struct bench *b, const struct bench_query *q, struct bench_answer *out)
{
	struct geo_index_hit work[QUERY_LIMIT];

	b->snap = snapshot_acquire(b->store);
	b->now_s = q->now_s;
	out->n = geo_index_nearest_scan(b->snap->index, q->center, QUERY_RADIUS_M, b->need,
					scan_open, b, QUERY_LIMIT, work);
	for (size_t i = 0; i < out->n; i++) {
		out->id[i] = work[i].entry->id;
		out->distance_m[i] = work[i].distance_m;
	}
	snapshot_release(b->store, b->snap);
	b->snap = NULL;
}

/* The R*Tree way: SQLite returns the stations in the circle's bounding box
 * that have the amenity; C computes the exact distance and open-now and
 * keeps the nearest ten, in the index's order (distance, then id). */
static void answer_rtree(struct bench *b, const struct bench_query *q, struct bench_answer *out)
{
	double theta = QUERY_RADIUS_M / GEO_EARTH_RADIUS_M;
	double phi = q->center.lat * GEO_RAD_PER_DEG;
	/* The cap's extent, widened a little so that rounding never loses a
	 * station the exact test below would keep. */
	double half_lat = theta / GEO_RAD_PER_DEG * (1.0 + 1e-9) + 1e-7;
	double s = sin(theta) / cos(phi);
	double half_lng = (s >= 1.0 ? 180.0 : asin(s) / GEO_RAD_PER_DEG) * (1.0 + 1e-9) + 1e-7;
	sqlite3_stmt *st = b->rtree_q;

	sqlite3_bind_double(st, 1, q->center.lat - half_lat);
	sqlite3_bind_double(st, 2, q->center.lat + half_lat);
	sqlite3_bind_double(st, 3, q->center.lng - half_lng);
	sqlite3_bind_double(st, 4, q->center.lng + half_lng);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)b->need);
	out->n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		struct geo_point p = { sqlite3_column_double(st, 1), sqlite3_column_double(st, 2) };
		double d = geo_distance_m(q->center, p);
		size_t at;

		if (!(d <= QUERY_RADIUS_M))
			continue;
		if (out->n == QUERY_LIMIT &&
		    (d > out->distance_m[QUERY_LIMIT - 1] ||
		     (d == out->distance_m[QUERY_LIMIT - 1] && id > out->id[QUERY_LIMIT - 1])))
			continue;

		struct hours_range ranges[HOURS_RANGES_MAX];
		struct hours_exception exc[HOURS_EXCEPTIONS_MAX];
		size_t rb = (size_t)sqlite3_column_bytes(st, 5), eb;
		const void *rp = sqlite3_column_blob(st, 5);

		if (rb > sizeof(ranges))
			rb = sizeof(ranges);
		if (rb)
			memcpy(ranges, rp, rb);
		const void *ep = sqlite3_column_blob(st, 6);
		eb = (size_t)sqlite3_column_bytes(st, 6);
		if (eb > sizeof(exc))
			eb = sizeof(exc);
		if (eb)
			memcpy(exc, ep, eb);
		struct hours_view v = { ranges, rb / sizeof(ranges[0]), exc, eb / sizeof(exc[0]),
					sqlite3_column_int(st, 3) != 0, sqlite3_column_int64(st, 4) };
		if (!hours_view_open_at(&v, q->now_s))
			continue;

		/* Insert into the sorted top ten. */
		at = out->n < QUERY_LIMIT ? out->n++ : QUERY_LIMIT - 1;
		while (at > 0 && (d < out->distance_m[at - 1] ||
				  (d == out->distance_m[at - 1] && id < out->id[at - 1]))) {
			out->distance_m[at] = out->distance_m[at - 1];
			out->id[at] = out->id[at - 1];
			at--;
		}
		out->distance_m[at] = d;
		out->id[at] = id;
	}
	sqlite3_reset(st);
}

typedef void (*answer_fn)(struct bench *b, const struct bench_query *q, struct bench_answer *out);

/* ---- the R*Tree database ---- */

static bool sql_ok(sqlite3 *db, int rc, const char *what)
{
	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return true;
	fprintf(stderr, "yizhan bench: sqlite %s: %s\n", what, sqlite3_errmsg(db));
	return false;
}

/* Loads the snapshot's stations into an in-memory SQLite database with an
 * R*Tree over their points and a table of what the query filters on. */
static bool rtree_build(struct bench *b, const struct snapshot *snap)
{
	sqlite3_stmt *ins_r = NULL, *ins_a = NULL;
	bool ok = false;

	if (!sql_ok(b->sql, sqlite3_open(":memory:", &b->sql), "open"))
		goto out;
	if (!sql_ok(b->sql,
		    sqlite3_exec(b->sql,
				 "CREATE VIRTUAL TABLE st_rtree USING rtree(id, min_lat, max_lat,"
				 " min_lng, max_lng);"
				 "CREATE TABLE st_attr (id INTEGER PRIMARY KEY, lat REAL NOT NULL,"
				 " lng REAL NOT NULL, amenities INTEGER NOT NULL,"
				 " closed INTEGER NOT NULL, closed_until_s INTEGER NOT NULL,"
				 " ranges BLOB, exceptions BLOB);"
				 "BEGIN;",
				 NULL, NULL, NULL),
		    "schema"))
		goto out;
	if (!sql_ok(b->sql,
		    sqlite3_prepare_v2(b->sql, "INSERT INTO st_rtree VALUES (?1, ?2, ?2, ?3, ?3)", -1,
				       &ins_r, NULL),
		    "prepare") ||
	    !sql_ok(b->sql,
		    sqlite3_prepare_v2(b->sql,
				       "INSERT INTO st_attr VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
				       -1, &ins_a, NULL),
		    "prepare"))
		goto out;
	for (size_t i = 0; i < snap->n; i++) {
		const struct snap_station *s = &snap->stations[i];
		struct hours_view h = snapshot_hours(snap, s);

		sqlite3_bind_int64(ins_r, 1, s->id);
		sqlite3_bind_double(ins_r, 2, s->pt.lat);
		sqlite3_bind_double(ins_r, 3, s->pt.lng);
		if (!sql_ok(b->sql, sqlite3_step(ins_r), "insert"))
			goto out;
		sqlite3_reset(ins_r);
		sqlite3_bind_int64(ins_a, 1, s->id);
		sqlite3_bind_double(ins_a, 2, s->pt.lat);
		sqlite3_bind_double(ins_a, 3, s->pt.lng);
		sqlite3_bind_int64(ins_a, 4, (sqlite3_int64)s->amenities);
		sqlite3_bind_int(ins_a, 5, h.closed);
		sqlite3_bind_int64(ins_a, 6, h.closed_until_s);
		sqlite3_bind_blob(ins_a, 7, h.ranges, (int)(h.nranges * sizeof(*h.ranges)),
				  SQLITE_STATIC);
		sqlite3_bind_blob(ins_a, 8, h.exceptions,
				  (int)(h.nexceptions * sizeof(*h.exceptions)), SQLITE_STATIC);
		if (!sql_ok(b->sql, sqlite3_step(ins_a), "insert"))
			goto out;
		sqlite3_reset(ins_a);
	}
	if (!sql_ok(b->sql, sqlite3_exec(b->sql, "COMMIT", NULL, NULL, NULL), "commit"))
		goto out;
	ok = sql_ok(b->sql,
		    sqlite3_prepare_v2(b->sql,
				       "SELECT a.id, a.lat, a.lng, a.closed, a.closed_until_s,"
				       " a.ranges, a.exceptions"
				       " FROM st_rtree r JOIN st_attr a ON a.id = r.id"
				       " WHERE r.max_lat >= ?1 AND r.min_lat <= ?2"
				       " AND r.max_lng >= ?3 AND r.min_lng <= ?4"
				       " AND (a.amenities & ?5) = ?5",
				       -1, &b->rtree_q, NULL),
		    "prepare");
out:
	sqlite3_finalize(ins_r);
	sqlite3_finalize(ins_a);
	return ok;
}

/* ---- measuring ---- */

/* The machine may be shared (builds, tests), so the three methods are timed
 * in alternating slices, and each gets the median of its per-slice rates: a
 * burst of someone else's work then hurts one slice, not one method. */
#define SLICE_US 100000
#define SLICES_MAX 4096

struct meter {
	size_t next;           /* the next query to answer */
	size_t nrates;
	double rates[SLICES_MAX];
};

/* Answers queries in turn for one slice; records queries per second. */
static void meter_slice(struct meter *m, struct bench *b, answer_fn fn)
{
	struct bench_answer ans;
	size_t done = 0;
	int64_t t0 = clock_mono_us(), elapsed;

	do {
		for (int k = 0; k < 16; k++, done++, m->next++)
			fn(b, &b->queries[m->next % b->nqueries], &ans);
		elapsed = clock_mono_us() - t0;
	} while (elapsed < SLICE_US);
	if (m->nrates < SLICES_MAX)
		m->rates[m->nrates++] = (double)done * 1e6 / (double)elapsed;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double meter_median(struct meter *m)
{
	qsort(m->rates, m->nrates, sizeof(m->rates[0]), cmp_double);
	return m->nrates ? m->rates[m->nrates / 2] : 0.0;
}

static bool same_answer(const struct bench_answer *x, const struct bench_answer *y)
{
	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (x->id[i] != y->id[i] || fabs(x->distance_m[i] - y->distance_m[i]) > 1e-6)
			return false;
	return true;
}

static void print_answer(const char *name, const struct bench_answer *a)
{
	fprintf(stderr, "  %-6s %zu:", name, a->n);
	for (size_t i = 0; i < a->n; i++)
		fprintf(stderr, " %lld@%.3f", (long long)a->id[i], a->distance_m[i]);
	fputc('\n', stderr);
}

/* Checks that the three methods agree on the first queries; *mean_hits
 * gets how many stations an answer holds on average. */
static bool verify(struct bench *b, size_t *checked, double *mean_hits)
{
	size_t n = b->nqueries < VERIFY_QUERIES ? b->nqueries : VERIFY_QUERIES, hits = 0;

	for (size_t i = 0; i < n; i++) {
		struct bench_answer x, y, z;

		answer_index(b, &b->queries[i], &x);
		answer_scan(b, &b->queries[i], &y);
		answer_rtree(b, &b->queries[i], &z);
		hits += x.n;
		if (!same_answer(&x, &y) || !same_answer(&x, &z)) {
			fprintf(stderr, "yizhan bench: answers differ for query %zu (%.6f, %.6f):\n", i,
				b->queries[i].center.lat, b->queries[i].center.lng);
			print_answer("index", &x);
			print_answer("scan", &y);
			print_answer("rtree", &z);
			return false;
		}
	}
	*checked = n;
	*mean_hits = n ? (double)hits / (double)n : 0.0;
	return true;
}

struct size_result {
	size_t n, ncities;
	double index_build_ms, snapshot_build_ms, rtree_build_ms;
	double index_qps, scan_qps, rtree_qps;
	size_t checked;
	double mean_hits;
};

static void catalog_of_synth(struct amenity *out)
{
	for (size_t i = 0; i < NAMENITIES; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		snprintf(out[i].code, sizeof(out[i].code), "%s", synth_amenities[i].code);
		snprintf(out[i].name_en, sizeof(out[i].name_en), "%s", synth_amenities[i].code);
		out[i].bit = synth_amenities[i].bit;
		out[i].sort = (int)(i + 1) * 10;
	}
}

/* The best of three builds of the bare spatial index over the snapshot. */
static double time_index_build(const struct snapshot *snap)
{
	struct geo_index_entry *entries = xcalloc(snap->n ? snap->n : 1, sizeof(*entries));
	double best = INFINITY;

	for (size_t i = 0; i < snap->n; i++) {
		entries[i].id = snap->stations[i].id;
		entries[i].pt = snap->stations[i].pt;
		entries[i].amenities = snap->stations[i].amenities;
		entries[i].flags = (uint32_t)i;
	}
	for (int k = 0; k < 3; k++) {
		int64_t t0 = clock_mono_us();
		struct geo_index *ix = geo_index_build(entries, snap->n);
		double ms = (double)(clock_mono_us() - t0) / 1000.0;

		geo_index_free(ix);
		if (ms < best)
			best = ms;
	}
	free(entries);
	return best;
}

static bool bench_size(size_t n, uint64_t seed, size_t nqueries, int64_t min_us,
		       struct size_result *r)
{
	struct amenity catalog[NAMENITIES];
	struct synth sy;
	struct station *stations = NULL;
	struct bench_query *queries = NULL;
	struct bench b = { 0 };
	struct meter *meters = NULL;
	bool ok = false;

	memset(r, 0, sizeof(*r));
	r->n = n;
	r->ncities = cities_for(n, 0);
	catalog_of_synth(catalog);

	/* The stations; the array is big (a struct station holds every field
	 * a form can edit), so it lives only until the snapshot is built. */
	synth_init(&sy, seed, r->ncities);
	stations = xcalloc(n ? n : 1, sizeof(*stations));
	for (size_t i = 0; i < n; i++)
		synth_station(&sy, i, &stations[i]);
	b.store = snapshot_store_new();
	int64_t t0 = clock_mono_us();
	snapshot_store_load(b.store, stations, n, catalog, NAMENITIES);
	r->snapshot_build_ms = (double)(clock_mono_us() - t0) / 1000.0;
	free(stations);

	/* Queries drawn the same way, from a stream of their own. */
	synth_init(&sy, seed ^ 0x5eed5eed5eedull, r->ncities);
	queries = xcalloc(nqueries, sizeof(*queries));
	for (size_t i = 0; i < nqueries; i++) {
		queries[i].center = synth_point(&sy, NULL);
		queries[i].now_s = sy.week_start_s + (int64_t)rng_below(&sy.rng, 7 * 86400);
	}
	b.queries = queries;
	b.nqueries = nqueries;

	const struct snapshot *snap = snapshot_acquire(b.store);
	int bit = snapshot_amenity_bit(snap, QUERY_AMENITY);
	b.need = 1ull << bit;
	r->index_build_ms = time_index_build(snap);
	t0 = clock_mono_us();
	bool built = rtree_build(&b, snap);
	r->rtree_build_ms = (double)(clock_mono_us() - t0) / 1000.0;
	snapshot_release(b.store, snap);
	if (!built || !verify(&b, &r->checked, &r->mean_hits))
		goto out;

	meters = xcalloc(3, sizeof(*meters));
	for (int64_t spent = 0; spent < min_us; spent += SLICE_US) {
		meter_slice(&meters[0], &b, answer_index);
		meter_slice(&meters[1], &b, answer_scan);
		meter_slice(&meters[2], &b, answer_rtree);
	}
	r->index_qps = meter_median(&meters[0]);
	r->scan_qps = meter_median(&meters[1]);
	r->rtree_qps = meter_median(&meters[2]);
	ok = true;
out:
	sqlite3_finalize(b.rtree_q);
	sqlite3_close(b.sql);
	snapshot_store_free(b.store);
	free(queries);
	free(meters);
	return ok;
}

/* "1234567" → "1,234,567" (for the table). */
static const char *grouped(double v, char buf[32])
{
	char digits[32];
	size_t n, o = 0;

	snprintf(digits, sizeof(digits), "%.0f", v);
	n = strlen(digits);
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* ---- bench index ---- */

struct index_config {
	int64_t seed;
	const char *sizes;
	int64_t queries;
	int64_t min_ms;
};

static const struct config_option index_options[] = {
	{ "seed", NULL, "1", CONFIG_INT, offsetof(struct index_config, seed), 0, INT64_MAX,
	  "随机种子：同一种子生成同样的驿站和查询" },
	{ "sizes", NULL, "350,10000,150000", CONFIG_STR, offsetof(struct index_config, sizes), 0, 0,
	  "驿站数量，逗号分隔" },
	{ "queries", NULL, "10000", CONFIG_INT, offsetof(struct index_config, queries), 1, 1000000,
	  "不同查询点的个数" },
	{ "min-ms", NULL, "2000", CONFIG_INT, offsetof(struct index_config, min_ms), 100, 600000,
	  "每种方法测量的毫秒数（100 毫秒一段，三种方法轮流，取中位数）" },
};
#define NINDEX_OPTIONS (sizeof(index_options) / sizeof(index_options[0]))

#define SIZES_MAX 16

static bool parse_sizes(const char *s, size_t *sizes, size_t *n)
{
	*n = 0;
	while (*s) {
		char *end = NULL;
		unsigned long long v = strtoull(s, &end, 10);

		if (end == s || v < 1 || v > 10000000 || *n == SIZES_MAX || (*end && *end != ','))
			return false;
		sizes[(*n)++] = (size_t)v;
		s = *end ? end + 1 : end;
	}
	return *n > 0;
}

static int bench_index(int argc, char **argv)
{
	struct index_config cfg = { 0 };
	struct problem prob;
	size_t sizes[SIZES_MAX], nsizes;
	struct size_result res[SIZES_MAX];

	problem_init(&prob);
	int code = cli_parse("bench index", "Times \"10 nearest within 1,500 m with a microwave, open now\" from the\n"
			     "in-memory index, a brute-force scan and SQLite's R*Tree.", index_options, NINDEX_OPTIONS, &cfg, argc, argv);
	if (code >= 0)
		return code;
	if (!parse_sizes(cfg.sizes, sizes, &nsizes)) {
		problem_set(&prob, RC_INVALID, "config",
			    "--sizes wants numbers 1–10000000 separated by commas");
		return cli_fail("bench index", &prob);
	}

	printf("yizhan bench index: \"%d nearest within %.0f m with %s, open now\"\n", QUERY_LIMIT,
	       QUERY_RADIUS_M, QUERY_AMENITY);
	printf("synthetic stations around real city centres (normal spread, sigma %.0f km, "
	       "about %d per city), seed %lld,\n%lld query points drawn the same way, each at its "
	       "own time in the week of %s;\n%lld ms per method, timed in 100 ms slices taken "
	       "in turn (median slice)\n\n",
	       CITY_SIGMA_M / 1000.0, STATIONS_PER_CITY, (long long)cfg.seed,
	       (long long)cfg.queries, SYNTH_WEEK, (long long)cfg.min_ms);
	printf("%9s %6s | %21s | %11s %11s %11s | %10s %11s | %6s %s\n", "stations", "cities",
	       "build ms: index snap", "index q/s", "scan q/s", "rtree q/s", "index/scan",
	       "index/rtree", "hits/q", "same answers");
	fflush(stdout);
	for (size_t i = 0; i < nsizes; i++) {
		struct size_result *r = &res[i];
		char a[32], b[32], c[32], d[32];

		if (!bench_size(sizes[i], (uint64_t)cfg.seed, (size_t)cfg.queries,
				cfg.min_ms * 1000, r)) {
			fprintf(stderr, "yizhan bench index: aborted at %zu stations\n", sizes[i]);
			return 1;
		}
		printf("%9s %6zu | %14.1f %6.1f | %11s %11s %11s | %9.1fx %10.1fx | %6.2f yes (%zu)\n",
		       grouped((double)r->n, a), r->ncities, r->index_build_ms, r->snapshot_build_ms,
		       grouped(r->index_qps, b), grouped(r->scan_qps, c), grouped(r->rtree_qps, d),
		       r->index_qps / r->scan_qps, r->index_qps / r->rtree_qps, r->mean_hits,
		       r->checked);
		fflush(stdout);
	}
	printf("\nindex: snapshot_acquire + snapshot_nearby + snapshot_release, as the server does.\n"
	       "scan:  geo_index_nearest_scan over the same snapshot: every station's amenity bits,\n"
	       "       a cheap distance bound, then open-now and haversine for would-be top ten.\n"
	       "rtree: in-memory SQLite, R*Tree joined to an attribute table; SQL selects the circle's\n"
	       "       bounding box and the amenity bit, C keeps the exact distance, open-now, top ten.\n"
	       "build ms: index = geo_index_build alone (best of 3); snap = snapshot_store_load "
	       "(copy + index).\nR*Tree load into in-memory SQLite (not a target):");
	for (size_t i = 0; i < nsizes; i++)
		printf(" %.0f ms%s", res[i].rtree_build_ms, i + 1 < nsizes ? "," : "\n");
	for (size_t i = 0; i < nsizes; i++) {
		const struct size_result *r = &res[i];
		double vs_scan = r->index_qps / r->scan_qps, vs_rtree = r->index_qps / r->rtree_qps;
		bool pass = vs_scan >= 50.0 && vs_rtree >= 20.0 && r->snapshot_build_ms < 1000.0;

		if (r->n != 150000)
			continue;
		printf("\nat 150,000 stations: index %.1fx the scan (target >= 50x), %.1fx R*Tree "
		       "(target >= 20x), build %.0f ms (target < 1000 ms): %s\n",
		       vs_scan, vs_rtree, r->snapshot_build_ms, pass ? "PASS" : "MISS");
	}
	return 0;
}

/* ---- bench seed-synthetic ---- */

struct seed_config {
	const char *db;
	int64_t count;
	int64_t seed;
	int64_t cities;
};

static const struct config_option seed_options[] = {
	{ "db", "YIZHAN_DB", "sqlite:var/yizhan.db", CONFIG_STR, offsetof(struct seed_config, db),
	  0, 0, "数据库：sqlite:PATH 或 postgresql://…" },
	{ "count", NULL, "150000", CONFIG_INT, offsetof(struct seed_config, count), 1, 10000000,
	  "写入多少个合成驿站" },
	{ "seed", NULL, "1", CONFIG_INT, offsetof(struct seed_config, seed), 0, INT64_MAX,
	  "随机种子" },
	{ "cities", NULL, "0", CONFIG_INT, offsetof(struct seed_config, cities), 0, NCITIES,
	  "分布在前几个城市（0 = 每城约 5000 个；宝鸡在第一位）" },
};
#define NSEED_OPTIONS (sizeof(seed_options) / sizeof(seed_options[0]))

static enum rc insert_station(struct db *db, const struct station *s, const char **codes,
			      struct problem *prob)
{
	char qr[STATION_QR_TOKEN_CAP];
	struct db_rows *rows = NULL;
	int64_t id;
	enum rc rc;

	secret_token("", qr, sizeof(qr));
	rc = db_q(db,
		  "INSERT INTO stations (name, level, theme, region_code, address, lat, lng, phone,"
		  " stars, closed, closed_reason, closed_until_s, qr_token, created_s, updated_s)"
		  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)"
		  " RETURNING id",
		  &rows, prob, DB_T(s->name), DB_T(s->level), DB_T(s->theme), DB_T(s->region_code),
		  DB_T(s->address), DB_R(s->lat), DB_R(s->lng), DB_T(s->phone[0] ? s->phone : NULL),
		  DB_I(s->stars), DB_I(s->hours.closed),
		  DB_T(s->hours.closed ? s->closed_reason : NULL),
		  DB_IOPT(s->hours.closed_until_s, s->hours.closed_until_s), DB_T(qr),
		  DB_I(s->created_s));
	if (rc != RC_OK)
		return rc;
	id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	for (int bit = 0; bit < 64 && rc == RC_OK; bit++)
		if ((s->amenities >> bit & 1) && codes[bit])
			rc = db_q(db, "INSERT INTO station_amenities (station_id, amenity) VALUES ($1, $2)",
				  NULL, prob, DB_I(id), DB_T(codes[bit]));
	for (size_t i = 0; i < s->hours.nranges && rc == RC_OK; i++) {
		const struct hours_range *r = &s->hours.ranges[i];

		rc = db_q(db, "INSERT INTO station_hours (station_id, day, open_min, close_min)"
			      " VALUES ($1, $2, $3, $4)",
			  NULL, prob, DB_I(id), DB_I(r->day), DB_I(r->open_min), DB_I(r->close_min));
	}
	for (size_t i = 0; i < s->hours.nexceptions && rc == RC_OK; i++) {
		const struct hours_exception *e = &s->hours.exceptions[i];
		char date[11];

		hours_format_date(e->day_num, date);
		rc = db_q(db, "INSERT INTO station_exceptions (station_id, day, closed, open_min,"
			      " close_min, note) VALUES ($1, $2, $3, $4, $5, $6)",
			  NULL, prob, DB_I(id), DB_T(date), DB_I(e->closed),
			  DB_IOPT(!e->closed, e->open_min), DB_IOPT(!e->closed, e->close_min),
			  DB_T(e->closed ? "临时闭站" : "缩短营业"));
	}
	return rc;
}

static int bench_seed_synthetic(int argc, char **argv)
{
	struct seed_config cfg = { 0 };
	struct problem prob;
	struct amenity *catalog = NULL;
	size_t ncatalog = 0;
	const char *codes[64] = { 0 };
	struct station *s = NULL;
	struct db *db = NULL;
	struct synth sy;
	enum rc rc;

	problem_init(&prob);
	int code = cli_parse("bench seed-synthetic",
			     "Adds synthetic stations around real city centres, in one transaction.",
			     seed_options, NSEED_OPTIONS, &cfg, argc, argv);
	if (code >= 0)
		return code;
	if (!secret_init())
		return 1;
	log_open(2, LOG_WARN, false);
	db = cli_open_db(cfg.db, NULL, NULL);
	if (!db)
		return 1;
	rc = amenity_catalog(db, &catalog, &ncatalog, &prob);
	for (size_t i = 0; rc == RC_OK && i < ncatalog; i++)
		if (catalog[i].bit >= 0 && catalog[i].bit < 64)
			codes[catalog[i].bit] = catalog[i].code;

	size_t ncities = cities_for((size_t)cfg.count, (size_t)cfg.cities);
	int64_t t0 = clock_mono_us();

	synth_init(&sy, (uint64_t)cfg.seed, ncities);
	s = xmalloc(sizeof(*s));
	if (rc == RC_OK)
		rc = db_begin(db, &prob);
	for (int64_t i = 0; rc == RC_OK && i < cfg.count; i++) {
		memset(s, 0, sizeof(*s));
		synth_station(&sy, (size_t)i, s);
		s->created_s = s->updated_s = clock_now_s();
		rc = insert_station(db, s, codes, &prob);
	}
	if (rc == RC_OK)
		rc = db_commit(db, &prob);
	else
		db_rollback(db);
	free(s);
	free(catalog);
	db_close(db);
	if (rc != RC_OK)
		return cli_fail("bench seed-synthetic", &prob);
	printf("%lld synthetic stations around %zu cit%s written in %.1f s\n", (long long)cfg.count,
	       ncities, ncities == 1 ? "y" : "ies", (double)(clock_mono_us() - t0) / 1e6);
	return 0;
}

/* ---- the verb ---- */

int cli_bench(int argc, char **argv)
{
	if (argc >= 1 && !strcmp(argv[0], "index"))
		return bench_index(argc - 1, argv + 1);
	if (argc >= 1 && !strcmp(argv[0], "seed-synthetic"))
		return bench_seed_synthetic(argc - 1, argv + 1);
	if (argc >= 1 && !strcmp(argv[0], "photo"))
		return bench_photo(argc - 1, argv + 1);
	fputs("usage: yizhan bench index [--seed N] [--sizes 350,10000,150000] [--queries N]"
	      " [--min-ms N]\n"
	      "       yizhan bench seed-synthetic [--db URL] [--count N] [--seed N] [--cities N]\n"
	      "       yizhan bench photo [--width N] [--height N] [--runs N] [--quality N]\n\n"
	      "index           times the nearest-station query: index, scan and R*Tree\n"
	      "seed-synthetic  adds synthetic stations to a database (for scripts/bench.sh)\n"
	      "photo           times a photo upload's normalization against plain re-encoding\n",
	      argc >= 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) ? stdout : stderr);
	return argc >= 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) ? 0 : 2;
}
