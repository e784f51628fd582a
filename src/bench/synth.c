/* The synthetic country (bench/synth.h). */
#include "bench/synth.h"

#include <math.h>
#include <stdio.h>

/* City centres, WGS-84, rounded to about 100 m; the demo city first, so a
 * few hundred stations land where seed-demo puts its accounts. code is the
 * city's 4-digit prefix of the national division codes. */
const struct synth_city synth_cities[] = {
	{ "宝鸡", 34.3619, 107.2376, "6103" },	   { "西安", 34.3416, 108.9398, "6101" },
	{ "北京", 39.9042, 116.4074, "1101" },	   { "上海", 31.2304, 121.4737, "3101" },
	{ "广州", 23.1291, 113.2644, "4401" },	   { "深圳", 22.5431, 114.0579, "4403" },
	{ "成都", 30.5728, 104.0668, "5101" },	   { "重庆", 29.5630, 106.5516, "5001" },
	{ "武汉", 30.5928, 114.3055, "4201" },	   { "杭州", 30.2741, 120.1551, "3301" },
	{ "南京", 32.0603, 118.7969, "3201" },	   { "天津", 39.1256, 117.1909, "1201" },
	{ "沈阳", 41.8057, 123.4315, "2101" },	   { "哈尔滨", 45.8038, 126.5350, "2301" },
	{ "长沙", 28.2282, 112.9388, "4301" },	   { "郑州", 34.7466, 113.6254, "4101" },
	{ "济南", 36.6512, 117.1201, "3701" },	   { "青岛", 36.0671, 120.3826, "3702" },
	{ "昆明", 24.8801, 102.8329, "5301" },	   { "贵阳", 26.6470, 106.6302, "5201" },
	{ "兰州", 36.0611, 103.8343, "6201" },	   { "乌鲁木齐", 43.8256, 87.6168, "6501" },
	{ "呼和浩特", 40.8414, 111.7519, "1501" }, { "太原", 37.8706, 112.5489, "1401" },
	{ "大同", 40.0768, 113.3001, "1402" },	   { "石家庄", 38.0428, 114.5149, "1301" },
	{ "合肥", 31.8206, 117.2272, "3401" },	   { "南昌", 28.6820, 115.8579, "3601" },
	{ "福州", 26.0745, 119.2965, "3501" },	   { "厦门", 24.4798, 118.0894, "3502" },
	{ "南宁", 22.8170, 108.3665, "4501" },	   { "海口", 20.0440, 110.1999, "4601" },
};
const size_t synth_ncities = sizeof(synth_cities) / sizeof(synth_cities[0]);

/* The catalog of migration 0003 (code, bit), and how often a station offers
 * each amenity: nearly all have water and a seat, 40% a microwave, few a
 * projector. */
const struct synth_amenity synth_amenities[] = {
	{ "water", 0, 0.90 },	      { "rest", 1, 0.85 },	 { "heating", 2, 0.55 },
	{ "cooling", 3, 0.55 },	      { "microwave", 4, 0.40 },	 { "fridge", 5, 0.30 },
	{ "charger", 6, 0.70 },	      { "power_bank", 7, 0.20 }, { "medicine_kit", 8, 0.60 },
	{ "umbrella", 9, 0.50 },      { "raincoat", 10, 0.15 },	 { "toolbox", 11, 0.25 },
	{ "tyre_pump", 12, 0.20 },    { "wifi", 13, 0.55 },	 { "toilet", 14, 0.45 },
	{ "nursing_room", 15, 0.10 }, { "books", 16, 0.35 },	 { "sewing_kit", 17, 0.30 },
	{ "meeting_room", 18, 0.15 }, { "projector", 19, 0.05 },
};
const size_t synth_namenities = sizeof(synth_amenities) / sizeof(synth_amenities[0]);

static const char *const roads[] = { "人民", "解放", "建设", "中山", "胜利", "和平",
				     "文化", "长青", "新华", "光明", "团结", "友谊" };

size_t synth_cities_for(size_t n, size_t wanted)
{
	size_t k = wanted ? wanted : (n + STATIONS_PER_CITY - 1) / STATIONS_PER_CITY;

	return k < 1 ? 1 : k > synth_ncities ? synth_ncities : k;
}

void synth_init(struct synth *sy, uint64_t seed, size_t ncities)
{
	rng_seed(&sy->rng, seed);
	sy->ncities = ncities;
	hours_parse_date(SYNTH_WEEK, &sy->day0);
	sy->week_start_s = (int64_t)sy->day0 * 86400 - HOURS_LOCAL_OFFSET_S;
}

/* A point drawn around one of the cities in use; *city gets which. */
struct geo_point synth_point(struct synth *sy, size_t *city)
{
	const struct synth_city *c = &synth_cities[rng_below(&sy->rng, sy->ncities)];
	struct geo_point p;

	p.lat = c->lat + rng_normal(&sy->rng) * CITY_SIGMA_M / M_PER_DEG;
	p.lng = c->lng +
		rng_normal(&sy->rng) * CITY_SIGMA_M / (M_PER_DEG * cos(p.lat * GEO_RAD_PER_DEG));
	if (city)
		*city = (size_t)(c - synth_cities);
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
		add_days(h, 1, 7, 16 * 60, 2 * 60); /* past midnight */
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
	h->closed_until_s = h->closed && rng_unit(&sy->rng) < 0.5 ? sy->week_start_s + 30 * 86400
								  : 0;
}

void synth_station(struct synth *sy, size_t i, struct station *s, size_t *city_out)
{
	static const char *const levels[] = { "street",	  "community", "community", "compound",
					      "compound", "corner",    "merchant" };
	static const char *const themes[] = { "general", "general", "general", "love",	   "worker",
					      "reading", "talent",  "finance", "mediation" };
	size_t city;
	struct geo_point p = synth_point(sy, &city);
	const struct synth_city *c = &synth_cities[city];
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
	for (size_t a = 0; a < synth_namenities; a++)
		if (rng_unit(&sy->rng) < synth_amenities[a].share)
			s->amenities |= 1ull << synth_amenities[a].bit;
	synth_hours(sy, &s->hours);
	/* Only fields that matter are written: bench index keeps 150,000 of
	 * these at once, and untouched pages of them cost no memory. */
	if (s->hours.closed)
		snprintf(s->closed_reason, sizeof(s->closed_reason), "%s", "装修暂停开放");
	if (city_out)
		*city_out = city;
}
