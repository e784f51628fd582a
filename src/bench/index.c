/* yizhan-bench index: the nearest-station question ("10 nearest within
 * 1,500 m with amenity X, open now") timed three ways on the same synthetic
 * stations — the snapshot's spatial index the server uses, a brute-force
 * scan, and SQLite's R*Tree — checking that all three give the same
 * answers. The R*Tree lives in an in-memory SQLite database reached, like
 * every database here, through db/db.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/synth.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/xalloc.h"
#include "db/db.h"
#include "domain/station.h"
#include "domain/station_snapshot.h"
#include "geo/distance.h"
#include "geo/index.h"

/* The question every method answers. */
#define QUERY_RADIUS_M 1500.0
#define QUERY_LIMIT    10
#define QUERY_AMENITY  "microwave"

/* How many queries are checked for identical answers across methods. */
#define VERIFY_QUERIES 1000

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
	uint64_t need; /* the amenity bit */
	int64_t now_s; /* of the query running (for the scan's filter) */
	const struct snapshot *snap;
	struct db *sql; /* the R*Tree's in-memory database */
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
 * that have the amenity; C computes the exact distance and open-now (from
 * the snapshot's schedules, by the position each row carries) and keeps the
 * nearest ten, in the index's order (distance, then id). */
static void answer_rtree(struct bench *b, const struct bench_query *q, struct bench_answer *out)
{
	double theta = QUERY_RADIUS_M / GEO_EARTH_RADIUS_M;
	double phi = q->center.lat * GEO_RAD_PER_DEG;
	/* The cap's extent, widened a little so that rounding never loses a
	 * station the exact test below would keep. */
	double half_lat = theta / GEO_RAD_PER_DEG * (1.0 + 1e-9) + 1e-7;
	double s = sin(theta) / cos(phi);
	double half_lng = (s >= 1.0 ? 180.0 : asin(s) / GEO_RAD_PER_DEG) * (1.0 + 1e-9) + 1e-7;
	struct db_rows *rows = NULL;
	struct problem prob;

	problem_init(&prob);
	out->n = 0;
	if (db_q(b->sql,
		 "SELECT a.id, a.pos FROM st_rtree r JOIN st_attr a ON a.id = r.id"
		 " WHERE r.max_lat >= $1 AND r.min_lat <= $2 AND r.max_lng >= $3 AND r.min_lng <= $4"
		 " AND (a.amenities & $5) = $5",
		 &rows, &prob, DB_R(q->center.lat - half_lat), DB_R(q->center.lat + half_lat),
		 DB_R(q->center.lng - half_lng), DB_R(q->center.lng + half_lng),
		 DB_I(b->need)) != RC_OK) {
		fprintf(stderr, "yizhan-bench: R*Tree query: %s\n", prob.detail);
		return;
	}
	const struct snapshot *snap = snapshot_acquire(b->store);
	for (size_t i = 0, n = db_rows_count(rows); i < n; i++) {
		int64_t id = db_rows_int(rows, i, 0), pos = db_rows_int(rows, i, 1);
		const struct snap_station *st = &snap->stations[pos];
		double d = geo_distance_m(q->center, st->pt);
		size_t at;

		if (!(d <= QUERY_RADIUS_M))
			continue;
		if (out->n == QUERY_LIMIT &&
		    (d > out->distance_m[QUERY_LIMIT - 1] ||
		     (d == out->distance_m[QUERY_LIMIT - 1] && id > out->id[QUERY_LIMIT - 1])))
			continue;
		if (!snapshot_open_at(snap, st, q->now_s))
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
	snapshot_release(b->store, snap);
	db_rows_free(rows);
}

typedef void (*answer_fn)(struct bench *b, const struct bench_query *q, struct bench_answer *out);

/* ---- the R*Tree database ---- */

/* Loads the snapshot's stations into an in-memory SQLite database with an
 * R*Tree over their points and a table of what SQL filters on: the amenity
 * bits, and each station's position in the snapshot. */
static bool rtree_build(struct bench *b, const struct snapshot *snap)
{
	/* An in-memory database has no durability to check. */
	struct db_options opt = { .allow_weak_sync = true };
	struct problem prob;
	enum rc rc;

	problem_init(&prob);
	rc = db_open("sqlite::memory:", &opt, &b->sql, &prob);
	if (rc == RC_OK)
		rc = db_exec_script(
			b->sql,
			"CREATE VIRTUAL TABLE st_rtree USING rtree(id, min_lat, max_lat,"
			" min_lng, max_lng);"
			"CREATE TABLE st_attr (id INTEGER PRIMARY KEY, pos INTEGER NOT NULL,"
			" amenities INTEGER NOT NULL)",
			&prob);
	if (rc == RC_OK)
		rc = db_begin(b->sql, &prob);
	for (size_t i = 0; rc == RC_OK && i < snap->n; i++) {
		const struct snap_station *s = &snap->stations[i];

		rc = db_q(b->sql, "INSERT INTO st_rtree VALUES ($1, $2, $2, $3, $3)", NULL, &prob,
			  DB_I(s->id), DB_R(s->pt.lat), DB_R(s->pt.lng));
		if (rc == RC_OK)
			rc = db_q(b->sql, "INSERT INTO st_attr VALUES ($1, $2, $3)", NULL, &prob,
				  DB_I(s->id), DB_I(i), DB_I((int64_t)s->amenities));
	}
	if (rc == RC_OK)
		rc = db_commit(b->sql, &prob);
	if (rc != RC_OK)
		fprintf(stderr, "yizhan-bench: R*Tree database: %s\n", prob.detail);
	return rc == RC_OK;
}

/* ---- measuring ---- */

/* The machine may be shared (builds, tests), so the three methods are timed
 * in alternating slices, and each gets the median of its per-slice rates: a
 * burst of someone else's work then hurts one slice, not one method. */
#define SLICE_US   100000
#define SLICES_MAX 4096

struct meter {
	size_t next; /* the next query to answer */
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
			fprintf(stderr,
				"yizhan-bench: answers differ for query %zu (%.6f, %.6f):\n", i,
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
	for (size_t i = 0; i < synth_namenities; i++) {
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
	struct amenity *catalog = xcalloc(synth_namenities, sizeof(*catalog));
	struct synth sy;
	struct station *stations = NULL;
	struct bench_query *queries = NULL;
	struct bench b = { 0 };
	struct meter *meters = NULL;
	bool ok = false;

	memset(r, 0, sizeof(*r));
	r->n = n;
	r->ncities = synth_cities_for(n, 0);
	catalog_of_synth(catalog);

	/* The stations; the array is big (a struct station holds every field
	 * a form can edit), so it lives only until the snapshot is built. */
	synth_init(&sy, seed, r->ncities);
	stations = xcalloc(n ? n : 1, sizeof(*stations));
	for (size_t i = 0; i < n; i++)
		synth_station(&sy, i, &stations[i], NULL);
	b.store = snapshot_store_new(NULL);
	int64_t t0 = clock_mono_us();
	snapshot_store_load(b.store, stations, n, catalog, synth_namenities);
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
	db_close(b.sql);
	snapshot_store_free(b.store);
	free(queries);
	free(meters);
	free(catalog);
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

int bench_index(int argc, char **argv)
{
	struct index_config cfg = { 0 };
	struct problem prob;
	size_t sizes[SIZES_MAX], nsizes;
	struct size_result res[SIZES_MAX];

	problem_init(&prob);
	int code = cli_parse(
		"yizhan-bench index",
		"Times \"10 nearest within 1,500 m with a microwave, open now\" from the\n"
		"in-memory index, a brute-force scan and SQLite's R*Tree.",
		index_options, NINDEX_OPTIONS, &cfg, argc, argv);
	if (code >= 0)
		return code;
	if (!parse_sizes(cfg.sizes, sizes, &nsizes)) {
		problem_set(&prob, RC_INVALID, "config",
			    "--sizes wants numbers 1–10000000 separated by commas");
		return cli_fail("yizhan-bench index", &prob);
	}

	printf("yizhan-bench index: \"%d nearest within %.0f m with %s, open now\"\n", QUERY_LIMIT,
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
			fprintf(stderr, "yizhan-bench index: aborted at %zu stations\n", sizes[i]);
			return 1;
		}
		printf("%9s %6zu | %14.1f %6.1f | %11s %11s %11s | %9.1fx %10.1fx | %6.2f yes (%zu)\n",
		       grouped((double)r->n, a), r->ncities, r->index_build_ms,
		       r->snapshot_build_ms, grouped(r->index_qps, b), grouped(r->scan_qps, c),
		       grouped(r->rtree_qps, d), r->index_qps / r->scan_qps,
		       r->index_qps / r->rtree_qps, r->mean_hits, r->checked);
		fflush(stdout);
	}
	printf("\nindex: snapshot_acquire + snapshot_nearby + snapshot_release, as the server does.\n"
	       "scan:  geo_index_nearest_scan over the same snapshot: every station's amenity bits,\n"
	       "       a cheap distance bound, then open-now and haversine for would-be top ten.\n"
	       "rtree: in-memory SQLite through db/db.h, R*Tree joined to an attribute table; SQL selects\n"
	       "       the circle's bounding box and the amenity bit, C keeps the exact distance, open-now\n"
	       "       (the snapshot's schedules), top ten.\n"
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
