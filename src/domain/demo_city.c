/* The demo city. Community points are estimated (no open data gives them):
 * a 街道's communities lie within a couple of kilometres of their district's
 * seat, a 镇's around a town centre 4–18 km out. Stations sit near their
 * community's point. Station 1 is 金心驿 of 龙腾路社区, the station the
 * articles describe, managed by the demo station manager. */
#include "domain/demo_city.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/rng.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/account.h"
#include "domain/region.h"
#include "domain/station.h"
#include "geo/coord.h"

/* County and district seats of 宝鸡市 (GCJ-02, as map apps give them). */
static const struct seat {
	const char *code;
	double lng, lat;
	double spread_km; /* how far its urban streets reach */
} seats[] = {
	{ "610302", 107.155344, 34.355068, 2.5 }, /* 渭滨区 */
	{ "610303", 107.146806, 34.376069, 2.5 }, /* 金台区 */
	{ "610304", 107.387600, 34.354500, 2.0 }, /* 陈仓区 */
	{ "610305", 107.400300, 34.521500, 1.8 }, /* 凤翔区 */
	{ "610323", 107.621053, 34.443459, 1.5 }, /* 岐山县 */
	{ "610324", 107.900219, 34.375410, 1.5 }, /* 扶风县 */
	{ "610326", 107.749700, 34.274600, 1.5 }, /* 眉县 */
	{ "610327", 106.864300, 34.893200, 1.5 }, /* 陇县 */
	{ "610328", 107.132200, 34.642200, 1.2 }, /* 千阳县 */
	{ "610329", 107.793700, 34.677800, 1.2 }, /* 麟游县 */
	{ "610330", 106.515803, 33.910910, 1.2 }, /* 凤县 */
	{ "610331", 107.319116, 34.058401, 1.2 }, /* 太白县 */
};

static const char *const roads[] = {
	"行政大道", "宝光路",	"经二路",   "清姜路", "渭滨大道", "红旗路", "中山路",
	"火炬路",   "高新大道", "陈仓大道", "公园路", "东风路",	  "新建路", "金台大道",
	"大庆路",   "西宝路",	"建设路",   "引渭路", "石鼓路",	  "胜利路",
};

/* A point dist_km away from p in a random direction (flat-earth is fine at
 * these distances). */
static struct geo_point offset(struct rng *r, struct geo_point p, double min_km, double max_km)
{
	double ang = rng_unit(r) * 2 * M_PI;
	double d = min_km + rng_unit(r) * (max_km - min_km);
	struct geo_point q = { p.lat + d * sin(ang) / 111.0,
			       p.lng + d * cos(ang) / (111.0 * cos(p.lat * M_PI / 180)) };
	return q;
}

static const struct seat *seat_of(const char *code)
{
	for (size_t i = 0; i < sizeof(seats) / sizeof(seats[0]); i++)
		if (!strncmp(code, seats[i].code, 6))
			return &seats[i];
	return NULL;
}

static void set_hours(struct station_input *in, struct rng *r, const char *level)
{
	struct hours *h = &in->hours;
	in->has_hours = true;
	double p = rng_unit(r);
	if (!strcmp(level, "merchant") || !strcmp(level, "corner")) {
		/* Shops: every day, long hours; a few night owls past midnight. */
		int open = rng_chance(r, 0.8) ? 540 : 480;
		int close = rng_chance(r, 0.15) ? 60 : 1260;
		for (int d = 1; d <= 7; d++)
			h->ranges[h->nranges++] = (struct hours_range){ (uint8_t)d, (uint16_t)open,
									(uint16_t)close };
	} else if (p < 0.12) {
		for (int d = 1; d <= 7; d++) /* 24 h */
			h->ranges[h->nranges++] = (struct hours_range){ (uint8_t)d, 0, 1440 };
	} else {
		/* "5+2": staff on weekdays, volunteers at weekends. */
		for (int d = 1; d <= 5; d++)
			h->ranges[h->nranges++] = (struct hours_range){ (uint8_t)d, 510, 1080 };
		for (int d = 6; d <= 7; d++)
			h->ranges[h->nranges++] = (struct hours_range){ (uint8_t)d, 540, 1020 };
	}
	/* New Year's Day off. */
	int32_t day;
	if (hours_parse_date("2027-01-01", &day) && strcmp(level, "merchant") != 0) {
		h->exceptions[h->nexceptions] = (struct hours_exception){ .day_num = day,
									  .closed = true };
		memcpy(in->exception_notes[h->nexceptions], "元旦休息", sizeof("元旦休息"));
		h->nexceptions++;
	}
}

static void set_amenities(struct station_input *in, struct rng *r, const char *level)
{
	static const struct {
		const char *code;
		double p;
	} odds[] = {
		{ "water", 0.97 },	 { "rest", 0.95 },	   { "charger", 0.9 },
		{ "microwave", 0.6 },	 { "medicine_kit", 0.75 }, { "umbrella", 0.55 },
		{ "heating", 0.6 },	 { "cooling", 0.6 },	   { "wifi", 0.65 },
		{ "toilet", 0.5 },	 { "raincoat", 0.3 },	   { "toolbox", 0.35 },
		{ "tyre_pump", 0.25 },	 { "power_bank", 0.4 },	   { "fridge", 0.2 },
		{ "books", 0.45 },	 { "sewing_kit", 0.3 },	   { "nursing_room", 0.1 },
		{ "meeting_room", 0.3 }, { "projector", 0.15 },
	};
	bool small = !strcmp(level, "corner") || !strcmp(level, "merchant");
	in->has_amenities = true;
	for (size_t i = 0; i < sizeof(odds) / sizeof(odds[0]); i++) {
		double p = odds[i].p * (small && i > 2 ? 0.5 : 1.0);
		if (!strcmp(level, "street") && i > 2)
			p = p + (1 - p) * 0.5; /* hubs have more */
		if (rng_chance(r, p))
			in->amenities[in->namenities++] = odds[i].code;
	}
}

struct builder {
	struct db *db;
	struct db_tx *tx; /* the transaction the city is built in */
	const struct actor *actor;
	struct rng rng;
	struct demo_city_stats *st;
	char names[8][STATION_NAME_MAX * 4 + 1];
};

static enum rc add_station(struct builder *b, const char *name, const char *level,
			   const char *theme, const char *region, const char *address,
			   struct geo_point pt, int64_t parent, int64_t *id, struct problem *prob)
{
	struct station_input in;
	memset(&in, 0, sizeof(in));
	in.has_name = in.has_level = in.has_theme = in.has_region = in.has_address = true;
	in.has_location = in.has_phone = in.has_stars = true;
	in.name = name;
	in.level = level;
	in.theme = theme;
	in.region_code = region;
	in.address = address;
	in.lat = pt.lat;
	in.lng = pt.lng;
	char phone[16];
	snprintf(phone, sizeof(phone), "0917-%07u",
		 (unsigned)(rng_next(&b->rng) % 9000000 + 1000000));
	in.phone = phone;
	in.stars = 1 + (int)(rng_unit(&b->rng) * 5);
	if (parent) {
		in.has_parent = true;
		in.parent_id = parent;
	}
	set_amenities(&in, &b->rng, level);
	set_hours(&in, &b->rng, level);
	bool meeting = false;
	for (size_t i = 0; i < in.namenities; i++)
		meeting |= !strcmp(in.amenities[i], "meeting_room");
	if (meeting) {
		in.has_rooms = true;
		snprintf(in.rooms[0].name, sizeof(in.rooms[0].name), "会议室");
		in.rooms[0].capacity = 10 + (int)(rng_unit(&b->rng) * 30);
		in.nrooms = 1;
	}
	enum rc rc = station_create(b->tx, b->actor, &in, id, prob);
	if (rc != RC_OK)
		return rc;
	b->st->stations++;
	if (rng_chance(&b->rng, 0.03)) {
		static const char *const reasons[] = { "设备检修", "人员培训", "场地改造",
						       "防汛值守调整" };
		rc = station_set_closed(
			b->tx, b->actor, *id, true, reasons[rng_next(&b->rng) % 4],
			clock_now_s() + (int64_t)(1 + rng_next(&b->rng) % 14) * 86400, prob);
		b->st->closed++;
	}
	return rc;
}

static void address_of(struct builder *b, const struct region *district,
		       const struct region *street, const struct region *community, char *out,
		       size_t cap)
{
	snprintf(out, cap, "宝鸡市%s%s%s%s%u号", district->name, street->name,
		 community ? community->short_name : "",
		 roads[rng_next(&b->rng) % (sizeof(roads) / sizeof(roads[0]))],
		 (unsigned)(1 + rng_next(&b->rng) % 260));
}

static const char *pick_theme(struct builder *b)
{
	static const char *const themes[] = { "love",	   "talent",	       "reading",
					      "finance",   "entrepreneurship", "integrity",
					      "ecommerce", "mediation",	       "worker" };
	return rng_chance(&b->rng, 0.55) ? "general" : themes[rng_next(&b->rng) % 9];
}

static enum rc build_street(struct builder *b, const struct region *district,
			    const struct region *street, struct geo_point center,
			    struct problem *prob)
{
	struct region *comms = NULL;
	size_t ncomms = 0;
	enum rc rc = region_children(b->db, street->code, &comms, &ncomms, prob);
	if (rc != RC_OK)
		return rc;
	size_t communities = 0;
	for (size_t i = 0; i < ncomms; i++)
		communities += !strcmp(comms[i].kind, "community");
	if (!communities)
		goto out;
	/* The street's hub (the "1" of "1+N") stands at the street centre. */
	int64_t hub = 0;
	char name[STATION_NAME_MAX * 4 + 1], address[STATION_ADDRESS_MAX * 4 + 1];
	snprintf(name, sizeof(name), "%s党群服务驿站", street->name);
	address_of(b, district, street, NULL, address, sizeof(address));
	rc = add_station(b, name, "street", "general", street->code, address, center, 0, &hub,
			 prob);
	if (rc != RC_OK)
		goto out;
	b->st->hubs++;
	for (size_t i = 0; i < ncomms; i++) {
		const struct region *c = &comms[i];
		if (strcmp(c->kind, "community") != 0)
			continue;
		bool town = strcmp(street->kind, "street") != 0;
		/* A few communities, out at the edge, are still waiting for their
		 * station: the planning tools should show them. */
		bool waiting = rng_chance(&b->rng, town ? 0.15 : 0.06);
		struct geo_point p = waiting ? offset(&b->rng, center, 2.2, 4.0)
					     : offset(&b->rng, center, 0.15, town ? 1.0 : 1.8);
		if (!c->has_location) {
			rc = region_set_location(b->tx, b->actor, c->code, p.lat, p.lng,
						 "estimated", prob);
			if (rc != RC_OK)
				goto out;
			b->st->communities_located++;
		} else {
			p.lat = c->lat;
			p.lng = c->lng;
		}
		if (waiting)
			continue;
		int64_t id;
		const char *cname = c->short_name;
		if (!strcmp(c->code, "610303008003"))
			snprintf(name, sizeof(name), "金心驿");
		else
			snprintf(name, sizeof(name), "%s%s", cname,
				 rng_chance(&b->rng, 0.2) ? "小哥驿站" : "红色驿站");
		address_of(b, district, street, c, address, sizeof(address));
		rc = add_station(b, name, "community", pick_theme(b), c->code, address,
				 offset(&b->rng, p, 0.0, 0.25), hub, &id, prob);
		if (rc != RC_OK)
			goto out;
		/* Compounds, care corners and partner shops around it. */
		static const struct {
			const char *level, *suffix;
			double p;
		} extra[] = {
			{ "compound", "小区驿站", 0.36 },
			{ "corner", "爱心角", 0.26 },
			{ "merchant", "联盟商家爱心驿站", 0.2 },
		};
		for (size_t k = 0; k < 3; k++) {
			if (!rng_chance(&b->rng, extra[k].p * (town ? 0.5 : 1.0)))
				continue;
			snprintf(name, sizeof(name), "%s%s", cname, extra[k].suffix);
			address_of(b, district, street, c, address, sizeof(address));
			rc = add_station(b, name, extra[k].level, k == 0 ? "general" : "love",
					 c->code, address, offset(&b->rng, p, 0.2, 0.7), 0, &id,
					 prob);
			if (rc != RC_OK)
				goto out;
		}
	}
out:
	free(comms);
	return rc;
}

enum rc demo_principal(struct db *db, const char *phone, struct principal *p, struct problem *prob)
{
	memset(p, 0, sizeof(*p));
	struct account a;
	enum rc rc = account_get_by_phone(db, phone, &a, prob);
	if (rc != RC_OK)
		return rc;
	p->kind = AUTH_SESSION;
	p->account_id = a.id;
	text_copy(p->phone, sizeof(p->phone), a.phone);
	text_copy(p->name, sizeof(p->name), a.name);
	return account_grants(db, a.id, p->grants, &p->ngrants, prob);
}

enum rc demo_city_featured_station(struct db *db, int64_t *id, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(
		db,
		"SELECT id FROM stations WHERE region_code = $1 AND name = $2 ORDER BY id LIMIT 1",
		&rows, prob, DB_T("610303008003"), DB_T("金心驿"));
	if (rc == RC_OK)
		*id = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	return rc;
}

enum rc demo_city_build(struct db_tx *tx, const struct actor *actor, uint64_t seed,
			struct demo_city_stats *st, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	memset(st, 0, sizeof(*st));
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, "SELECT COUNT(*) FROM stations", NULL, 0, &rows, prob);
	if (rc != RC_OK)
		return rc;
	int64_t existing = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (existing)
		return RC_OK;
	struct region *districts = NULL;
	size_t ndistricts = 0;
	rc = region_children(db, DEMO_CITY_CODE, &districts, &ndistricts, prob);
	if (rc != RC_OK)
		return rc;
	if (!ndistricts) {
		free(districts);
		return problem_set(
			prob, RC_NOT_FOUND, "no-regions",
			"没有宝鸡市的行政区划：请先运行 yizhan import-regions --city 6103");
	}
	struct builder b = { .db = db, .tx = tx, .actor = actor, .st = st };
	rng_seed(&b.rng, seed);
	/* 金台区 first, so 卧龙寺街道's hub and 金心驿 get the first ids. */
	for (int pass = 0; pass < 2 && rc == RC_OK; pass++) {
		for (size_t i = 0; i < ndistricts && rc == RC_OK; i++) {
			const struct region *d = &districts[i];
			bool jintai = !strcmp(d->code, "610303");
			if ((pass == 0) != jintai)
				continue;
			const struct seat *seat = seat_of(d->code);
			if (!seat)
				continue;
			struct geo_point center = geo_gcj02_to_wgs84(
				(struct geo_point){ seat->lat, seat->lng });
			struct region *streets = NULL;
			size_t nstreets = 0;
			rc = region_children(db, d->code, &streets, &nstreets, prob);
			/* 卧龙寺街道 (610303008) leads within 金台区. */
			for (size_t k = 0; rc == RC_OK && jintai && k < nstreets; k++)
				if (!strcmp(streets[k].code, "610303008")) {
					struct region tmp = streets[0];
					streets[0] = streets[k];
					streets[k] = tmp;
				}
			for (size_t k = 0; rc == RC_OK && k < nstreets; k++) {
				const struct region *s = &streets[k];
				bool town = strcmp(s->kind, "street") != 0;
				struct geo_point c = town ? offset(&b.rng, center, 4, 18)
							  : offset(&b.rng, center, 0.2,
								   seat->spread_km);
				if (!strcmp(s->code, "610303008")) /* 卧龙寺街道 around 行政大道 */
					c = geo_gcj02_to_wgs84(
						(struct geo_point){ 34.3762, 107.1475 });
				rc = build_street(&b, d, s, c, prob);
			}
			free(streets);
		}
	}
	free(districts);
	return rc;
}
