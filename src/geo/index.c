/* The station index: entries sorted into latitude bands ("rows") of one cell
 * height, each row sorted by longitude, so that the stations of any row
 * between two longitudes are one contiguous run found by binary search.
 * A nearest query grows a circle of radius h in rings of one cell width and,
 * for each row the ring touches, visits just the new runs; it stops once the
 * k-th best hit is no farther than h or h reaches the query radius. Each
 * station visited is first held against a lower bound of its distance that
 * costs a few multiplications, so the caller's filter and the exact
 * (trigonometric) distance run only for the few that can still make it. */
#include "geo/index.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "core/xalloc.h"
#include "geo/distance.h"

#define GEO_PI 3.14159265358979323846

/* Half the Earth's circumference: no two points are farther apart. */
#define HALF_CIRCUMFERENCE_M (GEO_PI * GEO_EARTH_RADIUS_M)

/* The number of stations we aim to have per cell where stations are:
 * about a dozen keeps the per-row overhead of a query (a few binary
 * searches) in proportion to the stations it then looks at (measured on
 * 150,000 stations around 30 city centres; 4 and 32 were both worse on some
 * layouts). Cells are never smaller than CELL_MIN_M, so there are at most
 * about 200,000 rows (pole to pole), and never larger than DENSITY_PROBE_M
 * times sqrt(CELL_TARGET_ENTRIES), about 3.5 km, which is what lone
 * stations give. */
#define CELL_MIN_M	    100.0
#define CELL_TARGET_ENTRIES 12.0
#define DENSITY_PROBE_M	    1000.0

/* After this many rings of one cell, rings grow by half each time, so that
 * a huge radius on sparse data takes tens of rings, not millions. */
#define LINEAR_RINGS 8

/* Search windows are widened by this much (relative, and absolute in
 * metres and degrees) so that rounding in the window arithmetic can never
 * hide a station that the exact haversine puts inside the circle. */
#define SLACK_REL 1e-9
#define SLACK_M	  1e-6
#define SLACK_DEG 1e-9

/* A latitude band. Its entries are [start, next row's start). lat_min and
 * lat_max are those of its entries, not of the band, so the bounds a query
 * derives from them are exact whatever rounding placed an entry in the row. */
struct geo_row {
	size_t start;
	double lat_min;
	double lat_max;
	double cos_min;
};

struct geo_index {
	size_t n;
	struct geo_index_entry *entries; /* in index order: by row, then longitude */
	struct geo_row *rows;		 /* nrows + 1; the last only marks the end */
	size_t nrows;
	double lat0;	/* south edge of row 0, degrees */
	double row_deg; /* height of a row, degrees */
	double cell_m;	/* the same in metres; also the ring width */
};

/* ---- building ---- */

/* What the build sorts: 16 bytes a station rather than whole entries,
 * since the build's peak is the server's peak memory. Ties of row and
 * longitude keep the input's order. */
struct build_key {
	double lng;
	uint32_t row;
	uint32_t src; /* position in the input */
};

static int build_key_cmp(const void *pa, const void *pb)
{
	const struct build_key *a = pa, *b = pb;

	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	if (a->lng != b->lng)
		return a->lng < b->lng ? -1 : 1;
	return (a->src > b->src) - (a->src < b->src);
}

static int u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return (a > b) - (a < b);
}

static size_t row_of(const struct geo_index *ix, double lat)
{
	double r = floor((lat - ix->lat0) / ix->row_deg);

	if (!(r > 0.0))
		return 0;
	if (r >= (double)(ix->nrows - 1))
		return ix->nrows - 1;
	return (size_t)r;
}

/* Picks the cell size from how crowded the map is around a typical station:
 * drop the stations into a roughly 1 km grid, take the mean over stations of
 * how many share their probe cell (queries go where stations are, so a
 * dense city centre should count for more than a lone rural station), and
 * size cells so that one holds about CELL_TARGET_ENTRIES at that density. */
static double choose_cell_m(const struct geo_index_entry *entries, size_t n_in, size_t n)
{
	const double probe_deg = DENSITY_PROBE_M / (GEO_EARTH_RADIUS_M * GEO_RAD_PER_DEG);
	uint64_t *keys = xmalloc(n * sizeof(*keys));
	double sum_sq = 0.0, per_cell, cell_m;
	size_t run = 0, k = 0;

	for (size_t i = 0; i < n_in; i++) {
		const struct geo_point *p = &entries[i].pt;
		uint64_t row, col;

		if (!geo_point_valid(*p))
			continue;
		row = (uint64_t)((p->lat + 90.0) / probe_deg);
		col = (uint64_t)((p->lng + 180.0) * cos(p->lat * GEO_RAD_PER_DEG) / probe_deg);
		keys[k++] = row << 32 | col;
	}
	qsort(keys, n, sizeof(*keys), u64_cmp);
	for (size_t i = 0; i < n; i++) {
		run++;
		if (i + 1 == n || keys[i + 1] != keys[i]) {
			/* Each of the run's stations sees run stations. */
			sum_sq += (double)run * (double)run;
			run = 0;
		}
	}
	free(keys);

	per_cell = sum_sq / (double)n;
	cell_m = DENSITY_PROBE_M * sqrt(CELL_TARGET_ENTRIES / per_cell);
	return cell_m < CELL_MIN_M ? CELL_MIN_M : cell_m;
}

struct geo_index *geo_index_build(const struct geo_index_entry *entries, size_t n)
{
	struct geo_index *ix = xcalloc(1, sizeof(*ix));
	struct build_key *keys = NULL;
	double lat_min = 90.0, lat_max = -90.0;
	size_t m = 0;

	assert(n <= UINT32_MAX);
	for (size_t i = 0; i < n; i++) {
		if (!geo_point_valid(entries[i].pt))
			continue;
		m++;
		if (entries[i].pt.lat < lat_min)
			lat_min = entries[i].pt.lat;
		if (entries[i].pt.lat > lat_max)
			lat_max = entries[i].pt.lat;
	}
	if (m == 0)
		return ix;

	ix->n = m;
	ix->cell_m = choose_cell_m(entries, n, m);
	ix->row_deg = ix->cell_m / (GEO_EARTH_RADIUS_M * GEO_RAD_PER_DEG);
	ix->lat0 = lat_min;
	ix->nrows = (size_t)floor((lat_max - lat_min) / ix->row_deg) + 1;

	keys = xmalloc(m * sizeof(*keys));
	for (size_t i = 0, k = 0; i < n; i++) {
		if (!geo_point_valid(entries[i].pt))
			continue;
		keys[k++] = (struct build_key){
			.lng = entries[i].pt.lng,
			.row = (uint32_t)row_of(ix, entries[i].pt.lat),
			.src = (uint32_t)i,
		};
	}
	qsort(keys, m, sizeof(*keys), build_key_cmp);

	ix->entries = xmalloc(m * sizeof(*ix->entries));
	ix->rows = xmalloc((ix->nrows + 1) * sizeof(*ix->rows));
	for (size_t r = 0; r <= ix->nrows; r++)
		ix->rows[r] = (struct geo_row){ .start = m, .lat_min = 90.0, .lat_max = -90.0 };
	for (size_t i = 0; i < m; i++) {
		const struct geo_index_entry *e = &entries[keys[i].src];
		struct geo_row *row = &ix->rows[keys[i].row];

		ix->entries[i] = *e;
		if (row->start == m)
			row->start = i;
		if (e->pt.lat < row->lat_min)
			row->lat_min = e->pt.lat;
		if (e->pt.lat > row->lat_max)
			row->lat_max = e->pt.lat;
	}
	free(keys);
	/* Empty rows start where the next non-empty one does. */
	for (size_t r = ix->nrows; r-- > 0;) {
		struct geo_row *row = &ix->rows[r];

		if (row->start == m)
			row->start = ix->rows[r + 1].start;
		/* cos is concave on [-90, 90] degrees, so its minimum over the
		 * row's latitudes is at one end. */
		row->cos_min = fmin(cos(row->lat_min * GEO_RAD_PER_DEG),
				    cos(row->lat_max * GEO_RAD_PER_DEG));
	}
	return ix;
}

void geo_index_free(struct geo_index *ix)
{
	if (!ix)
		return;
	free(ix->entries);
	free(ix->rows);
	free(ix);
}

size_t geo_index_count(const struct geo_index *ix)
{
	return ix->n;
}

/* ---- the top-k heap: a max-heap in the caller's out array ---- */

/* The order of results: distance, then id, then position in the index. */
static bool hit_before(double d, const struct geo_index_entry *e, const struct geo_index_hit *h)
{
	if (d != h->distance_m)
		return d < h->distance_m;
	if (e->id != h->entry->id)
		return e->id < h->entry->id;
	return e < h->entry;
}

static void hit_sift_down(struct geo_index_hit *heap, size_t len, size_t i)
{
	struct geo_index_hit moving = heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= len)
			break;
		if (child + 1 < len &&
		    hit_before(heap[child].distance_m, heap[child].entry, &heap[child + 1]))
			child++;
		if (!hit_before(moving.distance_m, moving.entry, &heap[child]))
			break;
		heap[i] = heap[child];
		i = child;
	}
	heap[i] = moving;
}

static void hit_push(struct geo_index_hit *heap, size_t len, struct geo_index_hit hit)
{
	size_t i = len;

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!hit_before(heap[parent].distance_m, heap[parent].entry, &hit))
			break;
		heap[i] = heap[parent];
		i = parent;
	}
	heap[i] = hit;
}

/* Heapsort the max-heap into ascending order. */
static void hit_sort(struct geo_index_hit *heap, size_t len)
{
	while (len > 1) {
		struct geo_index_hit top = heap[0];

		len--;
		heap[0] = heap[len];
		heap[len] = top;
		hit_sift_down(heap, len, 0);
	}
}

/* ---- nearest ---- */

struct search {
	const struct geo_index *ix;
	double lat, lng; /* the centre, degrees */
	double phi, cos_phi;
	double radius_m;
	/* A station whose haversine lower bound exceeds this cannot make the
	 * answer: the haversine of the radius, or once the heap is full, of
	 * the k-th best distance (both slackened). */
	double hav_max;
	uint64_t need;
	geo_index_filter filter;
	void *ctx;
	struct geo_index_hit *out;
	size_t limit;
	size_t len;
};

/* hav(d / R) for a distance slackened so that rounding in the bounds and in
 * the exact haversine can never make the bound reject a station whose exact
 * distance is d or less; infinity when that reaches half round the Earth. */
static double hav_of_m(double d_m)
{
	double theta = (d_m * (1.0 + SLACK_REL) + SLACK_M) / GEO_EARTH_RADIUS_M;
	double s_half;

	if (!(theta < GEO_PI))
		return INFINITY;
	s_half = sin(theta / 2.0);
	return s_half * s_half;
}

static bool search_init(struct search *s, const struct geo_index *ix, struct geo_point center,
			double radius_m, uint64_t need, geo_index_filter filter, void *ctx,
			size_t limit, struct geo_index_hit *out)
{
	if (limit == 0 || ix->n == 0 || !geo_point_valid(center) || !(radius_m >= 0.0))
		return false;
	*s = (struct search){
		.ix = ix,
		.lat = center.lat,
		.lng = center.lng,
		.phi = center.lat * GEO_RAD_PER_DEG,
		.radius_m = radius_m,
		.hav_max = hav_of_m(radius_m),
		.need = need,
		.filter = filter,
		.ctx = ctx,
		.out = out,
		.limit = limit,
	};
	s->cos_phi = cos(s->phi);
	return true;
}

/* A lower bound of the haversine of the angle between the centre and e,
 * for e in a row whose latitudes all have a cosine of at least cos_min,
 * where c_row = cos(phi1) * cos_min. It follows from
 * hav = sin^2(dphi / 2) + cos(phi1) cos(phi2) sin^2(dlambda / 2) with
 * sin^2 x >= x^2 (1 - x^2 / 3), true for every x, and cos(phi2) >= cos_min;
 * longitudes are taken the short way round. */
static double hav_lower_bound(const struct search *s, const struct geo_index_entry *e, double c_row)
{
	double dl = e->pt.lng - s->lng;
	double a, b;

	if (dl > 180.0)
		dl -= 360.0;
	else if (dl < -180.0)
		dl += 360.0;
	a = (e->pt.lat - s->lat) * (GEO_RAD_PER_DEG / 2.0);
	b = dl * (GEO_RAD_PER_DEG / 2.0);
	a *= a;
	b *= b;
	return a * (1.0 - a * (1.0 / 3.0)) + c_row * (b * (1.0 - b * (1.0 / 3.0)));
}

/* geo_distance_m(centre, e->pt), with the centre's terms computed once:
 * the same operations in the same order, so the same double. */
static double exact_distance_m(const struct search *s, const struct geo_index_entry *e)
{
	double phi2 = e->pt.lat * GEO_RAD_PER_DEG;
	double s_phi = sin((phi2 - s->phi) / 2.0);
	double s_lambda = sin((e->pt.lng - s->lng) * GEO_RAD_PER_DEG / 2.0);
	double h = s_phi * s_phi + s->cos_phi * cos(phi2) * s_lambda * s_lambda;

	if (h > 1.0)
		h = 1.0;
	return 2.0 * GEO_EARTH_RADIUS_M * asin(sqrt(h));
}

/* Offers entries [i, end) of a row (c_row as for hav_lower_bound) to the
 * heap: the amenity bits, then the bound, then the caller's filter, and the
 * exact distance last, since it is the dearest of the four. */
static void search_visit(struct search *s, size_t i, size_t end, double c_row)
{
	const struct geo_index_entry *entries = s->ix->entries;

	for (; i < end; i++) {
		const struct geo_index_entry *e = &entries[i];
		struct geo_index_hit hit;

		if ((e->amenities & s->need) != s->need)
			continue;
		if (hav_lower_bound(s, e, c_row) > s->hav_max)
			continue;
		if (s->filter && !s->filter(e, s->ctx))
			continue;
		hit = (struct geo_index_hit){ .entry = e, .distance_m = exact_distance_m(s, e) };
		if (!(hit.distance_m <= s->radius_m))
			continue;
		if (s->len < s->limit) {
			hit_push(s->out, s->len, hit);
			if (++s->len < s->limit)
				continue;
		} else if (hit_before(hit.distance_m, e, &s->out[0])) {
			s->out[0] = hit;
			hit_sift_down(s->out, s->len, 0);
		} else {
			continue;
		}
		s->hav_max = hav_of_m(fmin(s->radius_m, s->out[0].distance_m));
	}
}

/* Positions index a row as if it repeated every 360 degrees of longitude:
 * position p is entry row_start + (p mod n_row), and longitudes x and
 * x + 360 map n_row positions apart. That turns a window that crosses the
 * antimeridian into one run of positions. pos_lower(x) is the first position
 * whose longitude is >= x, pos_upper(x) the first whose longitude is > x. */
static size_t lower_bound_lng(const struct geo_index_entry *e, size_t lo, size_t hi, double x)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e[mid].pt.lng < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t upper_bound_lng(const struct geo_index_entry *e, size_t lo, size_t hi, double x)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e[mid].pt.lng <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int64_t pos_bound(const struct geo_index_entry *e, size_t start, size_t end, double x,
			 bool upper)
{
	double turns = floor((x + 180.0) / 360.0);
	double xr = x - 360.0 * turns;
	size_t i = upper ? upper_bound_lng(e, start, end, xr) : lower_bound_lng(e, start, end, xr);

	return (int64_t)turns * (int64_t)(end - start) + (int64_t)(i - start);
}

/* Visits positions [a, b) of a row; b - a never exceeds the row's size. */
static void search_visit_positions(struct search *s, size_t start, size_t end, int64_t a, int64_t b,
				   double c_row)
{
	int64_t n_row = (int64_t)(end - start);
	int64_t first, len;

	if (b <= a)
		return;
	first = a % n_row;
	if (first < 0)
		first += n_row;
	len = b - a;
	if (first + len <= n_row) {
		search_visit(s, start + (size_t)first, start + (size_t)(first + len), c_row);
		return;
	}
	search_visit(s, start + (size_t)first, end, c_row);
	search_visit(s, start, start + (size_t)(first + len - n_row), c_row);
}

enum window_kind {
	WINDOW_EMPTY, /* no station of the row can be within h */
	WINDOW_PART,  /* only those within half_deg of the centre's longitude */
	WINDOW_FULL,  /* any station of the row may be */
};

struct window {
	enum window_kind kind;
	double half_deg;
};

/* Which longitudes of row can hold a station within angle theta (radians,
 * already slackened) of the centre. From the haversine,
 * hav(d) = hav(dphi) + cos(phi1) cos(phi2) hav(dlambda), and over the row
 * dphi >= gap and cos(phi2) >= cos_min, so d <= theta needs
 * hav(dlambda) <= (hav(theta) - hav(gap)) / (cos(phi1) cos_min). */
static struct window row_window(const struct search *s, const struct geo_row *row, double theta,
				double hav_theta)
{
	double gap_deg = fmax(0.0, fmax(row->lat_min - s->lat, s->lat - row->lat_max));
	double gap = gap_deg * GEO_RAD_PER_DEG;
	double s_gap, num, denom, q, half_deg;

	if (gap > theta)
		return (struct window){ .kind = WINDOW_EMPTY };
	if (theta >= GEO_PI)
		return (struct window){ .kind = WINDOW_FULL };
	s_gap = sin(gap / 2.0);
	num = hav_theta - s_gap * s_gap;
	denom = s->cos_phi * row->cos_min;
	if (num <= 0.0)
		q = 0.0;
	else if (num >= denom)
		return (struct window){ .kind = WINDOW_FULL };
	else
		q = num / denom;
	half_deg = 2.0 * asin(sqrt(q)) / GEO_RAD_PER_DEG * (1.0 + SLACK_REL) + SLACK_DEG;
	if (half_deg >= 180.0)
		return (struct window){ .kind = WINDOW_FULL };
	return (struct window){ .kind = WINDOW_PART, .half_deg = half_deg };
}

/* The run of positions a window covers; false if it is the whole row. */
static bool window_positions(const struct search *s, size_t start, size_t end, struct window w,
			     int64_t *lo, int64_t *hi)
{
	if (w.kind == WINDOW_FULL)
		return false;
	*lo = pos_bound(s->ix->entries, start, end, s->lng - w.half_deg, false);
	*hi = pos_bound(s->ix->entries, start, end, s->lng + w.half_deg, true);
	return *hi - *lo < (int64_t)(end - start);
}

struct ring {
	double theta;	  /* slackened angular radius */
	double hav_theta; /* its haversine */
};

static struct ring ring_make(double h_m)
{
	struct ring ring = { .theta = -1.0, .hav_theta = -1.0 };
	double s_half;

	if (h_m < 0.0)
		return ring;
	ring.theta = (h_m * (1.0 + SLACK_REL) + SLACK_M) / GEO_EARTH_RADIUS_M;
	s_half = sin(fmin(ring.theta, GEO_PI) / 2.0);
	ring.hav_theta = s_half * s_half;
	return ring;
}

/* The longitude of position p of a row of n_row entries from start, as if
 * the row repeated every 360 degrees (see pos_bound). */
static double pos_lng(const struct geo_index_entry *e, size_t start, int64_t n_row, int64_t p)
{
	int64_t turns, m;

	if (p >= 0 && p < n_row)
		return e[start + (size_t)p].pt.lng;
	turns = p / n_row;
	m = p % n_row;
	if (m < 0) {
		m += n_row;
		turns--;
	}
	return e[start + (size_t)m].pt.lng + 360.0 * (double)turns;
}

/* Rows this close to the centre's remember, from ring to ring, the run of
 * positions the query has visited, and a ring only extends each run by the
 * stations next to it: one binary search per row and query instead of a
 * few per row and ring. Rows further out (a huge radius on sparse data)
 * find their windows afresh each ring. */
#define TRACKED_ROWS 24
#define TRACKED_SPAN (2 * TRACKED_ROWS + 1)

struct row_run {
	int64_t lo, hi; /* positions visited so far: [lo, hi) */
	bool anchored;	/* lo and hi are set */
};

struct tracked {
	size_t row0; /* the row of runs[0] */
	struct row_run runs[TRACKED_SPAN];
};

static void tracked_init(struct tracked *t, const struct search *s)
{
	size_t row_c = row_of(s->ix, s->lat);

	t->row0 = row_c < TRACKED_ROWS ? 0 : row_c - TRACKED_ROWS;
	for (size_t i = 0; i < TRACKED_SPAN; i++)
		t->runs[i].anchored = false;
}

static struct row_run *tracked_run(struct tracked *t, size_t r)
{
	return r >= t->row0 && r - t->row0 < TRACKED_SPAN ? &t->runs[r - t->row0] : NULL;
}

/* Extends a row's run to the positions whose longitude lies in window w,
 * visiting the new ones. The run starts where the centre's longitude falls
 * and grows one station at a time, east and west, while the stations are
 * inside the window, so it always covers exactly the window's positions
 * (or the whole row, never more). */
static void search_grow_run(struct search *s, size_t start, size_t end, struct row_run *run,
			    struct window w, double c_row)
{
	const struct geo_index_entry *e = s->ix->entries;
	int64_t n_row = (int64_t)(end - start);
	double west = w.kind == WINDOW_FULL ? -INFINITY : s->lng - w.half_deg;
	double east = w.kind == WINDOW_FULL ? INFINITY : s->lng + w.half_deg;
	int64_t lo, hi;

	if (!run->anchored) {
		run->lo = run->hi = pos_bound(e, start, end, s->lng, false);
		run->anchored = true;
	}
	for (hi = run->hi; hi - run->lo < n_row && pos_lng(e, start, n_row, hi) <= east; hi++)
		;
	search_visit_positions(s, start, end, run->hi, hi, c_row);
	run->hi = hi;
	for (lo = run->lo; hi - lo < n_row && pos_lng(e, start, n_row, lo - 1) >= west; lo--)
		;
	search_visit_positions(s, start, end, lo, run->lo, c_row);
	run->lo = lo;
}

/* Visits, in every row, the stations that lie within the window of ring
 * `cur` but not within that of `prev` (theta < 0: none). Windows only grow
 * with the ring, so each station is visited once over a whole query. */
static void search_ring(struct search *s, struct tracked *t, struct ring prev, struct ring cur)
{
	const struct geo_index *ix = s->ix;
	double reach_deg = cur.theta / GEO_RAD_PER_DEG + SLACK_DEG;
	size_t r_lo = row_of(ix, s->lat - reach_deg);
	size_t r_hi = row_of(ix, s->lat + reach_deg);

	for (size_t r = r_lo; r <= r_hi; r++) {
		const struct geo_row *row = &ix->rows[r];
		size_t start = row->start, end = ix->rows[r + 1].start;
		struct window wc, wp = { .kind = WINDOW_EMPTY };
		int64_t lc, hc, lp, hp;
		int64_t n_row = (int64_t)(end - start);
		double c_row = s->cos_phi * row->cos_min;
		struct row_run *run;

		if (start == end)
			continue;
		wc = row_window(s, row, cur.theta, cur.hav_theta);
		if (wc.kind == WINDOW_EMPTY)
			continue;
		run = tracked_run(t, r);
		if (run) {
			search_grow_run(s, start, end, run, wc, c_row);
			continue;
		}
		if (prev.theta >= 0.0)
			wp = row_window(s, row, prev.theta, prev.hav_theta);

		if (wp.kind == WINDOW_EMPTY) {
			if (window_positions(s, start, end, wc, &lc, &hc))
				search_visit_positions(s, start, end, lc, hc, c_row);
			else
				search_visit(s, start, end, c_row);
			continue;
		}
		if (!window_positions(s, start, end, wp, &lp, &hp))
			continue; /* the whole row was visited before */
		if (!window_positions(s, start, end, wc, &lc, &hc)) {
			/* Everything but what was visited: one run. */
			search_visit_positions(s, start, end, hp, lp + n_row, c_row);
			continue;
		}
		search_visit_positions(s, start, end, lc < lp ? lc : lp, lp, c_row);
		search_visit_positions(s, start, end, hp, hc > hp ? hc : hp, c_row);
	}
}

size_t geo_index_nearest(const struct geo_index *ix, struct geo_point center, double radius_m,
			 uint64_t amenities_required, geo_index_filter filter, void *ctx,
			 size_t limit, struct geo_index_hit *out)
{
	struct search s;
	struct tracked t;
	struct ring prev = ring_make(-1.0);
	double h = 0.0;

	if (!search_init(&s, ix, center, radius_m, amenities_required, filter, ctx, limit, out))
		return 0;
	tracked_init(&t, &s);
	for (int n_rings = 1;; n_rings++) {
		double next = n_rings <= LINEAR_RINGS ? h + ix->cell_m : h * 1.5;
		bool last = false;
		struct ring cur;

		if (next >= radius_m || next >= HALF_CIRCUMFERENCE_M) {
			/* The last ring reaches the radius, but always at least a
			 * metre past the previous one: rings that differ by a few
			 * ulps could round to windows that shrink, and a station
			 * would then be visited twice. */
			next = fmax(fmin(radius_m, HALF_CIRCUMFERENCE_M), h + 1.0);
			last = true;
		}
		h = next;
		cur = ring_make(h);
		search_ring(&s, &t, prev, cur);
		/* Every station within h has been seen, so a k-th best at h or
		 * nearer cannot be beaten by anything further out. */
		if (last || (s.len == s.limit && s.out[0].distance_m <= h))
			break;
		prev = cur;
	}
	hit_sort(s.out, s.len);
	return s.len;
}

size_t geo_index_nearest_scan(const struct geo_index *ix, struct geo_point center, double radius_m,
			      uint64_t amenities_required, geo_index_filter filter, void *ctx,
			      size_t limit, struct geo_index_hit *out)
{
	struct search s;

	if (!search_init(&s, ix, center, radius_m, amenities_required, filter, ctx, limit, out))
		return 0;
	/* Row by row only for each row's bound; every entry is looked at. */
	for (size_t r = 0; r < ix->nrows; r++)
		search_visit(&s, ix->rows[r].start, ix->rows[r + 1].start,
			     s.cos_phi * ix->rows[r].cos_min);
	hit_sort(s.out, s.len);
	return s.len;
}

/* ---- bounding box ---- */

/* Max-heap on (id, position) over entry pointers, for the smallest ids. */
static bool entry_before(const struct geo_index_entry *a, const struct geo_index_entry *b)
{
	if (a->id != b->id)
		return a->id < b->id;
	return a < b;
}

static void entry_sift_down(const struct geo_index_entry **heap, size_t len, size_t i)
{
	const struct geo_index_entry *moving = heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= len)
			break;
		if (child + 1 < len && entry_before(heap[child], heap[child + 1]))
			child++;
		if (!entry_before(moving, heap[child]))
			break;
		heap[i] = heap[child];
		i = child;
	}
	heap[i] = moving;
}

static void entry_offer(const struct geo_index_entry **heap, size_t limit, size_t *len,
			const struct geo_index_entry *e)
{
	size_t i;

	if (*len == limit) {
		if (entry_before(e, heap[0])) {
			heap[0] = e;
			entry_sift_down(heap, *len, 0);
		}
		return;
	}
	i = (*len)++;
	while (i > 0 && entry_before(heap[(i - 1) / 2], e)) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = e;
}

static void bbox_visit(const struct geo_index *ix, size_t i, size_t end, double south, double north,
		       const struct geo_index_entry **out, size_t limit, size_t *len)
{
	for (; i < end; i++) {
		const struct geo_index_entry *e = &ix->entries[i];

		if (e->pt.lat >= south && e->pt.lat <= north)
			entry_offer(out, limit, len, e);
	}
}

size_t geo_index_bbox(const struct geo_index *ix, double south, double west, double north,
		      double east, size_t limit, const struct geo_index_entry **out)
{
	size_t len = 0;

	if (limit == 0 || ix->n == 0 || !(south <= north) || isnan(west) || isnan(east))
		return 0;
	for (size_t r = row_of(ix, south), r_hi = row_of(ix, north); r <= r_hi; r++) {
		const struct geo_row *row = &ix->rows[r];
		size_t start = row->start, end = ix->rows[r + 1].start;

		if (start == end || row->lat_max < south || row->lat_min > north)
			continue;
		if (west <= east) {
			bbox_visit(ix, lower_bound_lng(ix->entries, start, end, west),
				   upper_bound_lng(ix->entries, start, end, east), south, north,
				   out, limit, &len);
			continue;
		}
		bbox_visit(ix, lower_bound_lng(ix->entries, start, end, west), end, south, north,
			   out, limit, &len);
		bbox_visit(ix, start, upper_bound_lng(ix->entries, start, end, east), south, north,
			   out, limit, &len);
	}
	/* Heapsort into ascending id order. */
	for (size_t n = len; n > 1;) {
		const struct geo_index_entry *top = out[0];

		n--;
		out[0] = out[n];
		out[n] = top;
		entry_sift_down(out, n, 0);
	}
	return len;
}
