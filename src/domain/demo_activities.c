/* The demo city's activities (demo_activities.h). */
#include "domain/demo_city.h"
#include "domain/demo_activities.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/text.h"
#include "domain/account.h"
#include "domain/activity.h"

struct cast {
	struct principal admin, staff, resident, volunteer, worker;
	int64_t home; /* the station of the resident's community */
	int64_t stations[12];
	size_t nstations;
	int64_t party_org;
};

/* One demo activity: its kind and text, when (days from today, the
 * local hour), how long, seats, points; who signs up. */
struct show {
	const char *kind, *title, *description;
	int day, hour, minutes, capacity, points;
	bool home;     /* at the resident's community station */
	bool draft;    /* left a draft */
	bool cancel;   /* cancelled after the sign-ups */
	unsigned who;  /* signs up: 1 resident, 2 volunteer, 4 worker */
	unsigned came; /* of those, attended (a past one) */
};

#define RES 1u
#define VOL 2u
#define WRK 4u

static const struct show shows[] = {
	{ "training", "电动车安全驾驶培训", "交警大队讲解交通安全，现场发放头盔", 3, 14, 120, 40, 5,
	  true, false, false, RES | VOL | WRK, 0 },
	{ "training", "骑手职业技能提升班", "平台运营讲解派单规则与客诉处理", 4, 19, 90, 30, 5,
	  false, false, false, WRK, 0 },
	{ "party_lesson", "流动党员党课：新时代的“小哥”", "街道党工委书记讲党课", 5, 15, 90, 60, 3,
	  true, false, false, VOL, 0 },
	{ "party_meeting", "联合党支部“三会一课”：支部党员大会", "学习传达上级会议精神", 6, 9, 90,
	  30, 2, false, false, false, 0, 0 },
	{ "clinic", "社区义诊：量血压、测血糖", "区医院医生坐诊，免费咨询", 7, 9, 180, 80, 2, true,
	  false, false, RES, 0 },
	{ "event", "驿站读书分享会", "一起读《平凡的世界》", 8, 19, 120, 2, 2, true, false, false,
	  RES | VOL | WRK, 0 },
	{ "project", "“送清凉”志愿服务", "为户外劳动者发放防暑物资", 9, 10, 240, 20, 10, false,
	  false, false, VOL, 0 },
	{ "service_desk", "延时流动办公桌（周末场）", "下班后也能办：社保、医保、居住证等 11 项",
	  10, 18, 150, 100, 0, true, false, false, 0, 0 },
	{ "deliberation", "板凳会：小区电动车充电难", "居民代表、物业、社区一起商量", 11, 19, 90,
	  25, 3, true, false, false, RES, 0 },
	{ "training", "急救知识培训（心肺复苏）", "红十字会培训师现场教学", 12, 14, 120, 30, 5,
	  false, false, false, 0, 0 },
	{ "clinic", "中医义诊进驿站", "推拿、艾灸体验", 13, 9, 180, 50, 2, false, false, false, 0,
	  0 },
	{ "event", "端午包粽子", "驿站邀请骑手和居民一起包粽子", 14, 15, 120, 30, 2, false, false,
	  true, 0, 0 },
	{ "training", "反诈宣传员培训", "派出所民警讲解常见诈骗手法", 15, 14, 90, 40, 5, false,
	  true, false, 0, 0 },
	{ "service_desk", "延时流动办公桌（夜间场）", "工作日晚间办理", 16, 18, 120, 60, 0, false,
	  false, false, 0, 0 },
	{ "party_lesson", "主题党日：重温入党誓词", "到革命纪念馆参观学习", 17, 9, 180, 40, 3,
	  false, false, false, 0, 0 },
	{ "deliberation", "圆桌会：菜市场周边停车", "商户、居民、城管共同议事", 18, 19, 90, 20, 3,
	  false, false, false, 0, 0 },
	{ "project", "关爱独居老人上门服务", "志愿者结对帮扶", 20, 9, 240, 15, 10, false, false,
	  false, 0, 0 },
	{ "event", "骑手篮球友谊赛", "驿站联队对抗赛", 21, 16, 120, 24, 3, false, false, false, WRK,
	  0 },
	/* Past ones, with their attendance. */
	{ "training", "新就业群体安全生产培训", "应急管理局讲解", -20, 14, 120, 40, 5, true, false,
	  false, RES | VOL | WRK, RES | VOL },
	{ "party_lesson", "党史学习教育党课", "老党员讲述", -15, 15, 90, 40, 3, true, false, false,
	  VOL | WRK, VOL | WRK },
	{ "clinic", "夏季义诊", "区医院医生坐诊", -12, 9, 180, 60, 2, true, false, false, RES,
	  RES },
	{ "service_desk", "延时流动办公桌（上周场）", "办理社保、医保、居住证等", -7, 18, 150, 100,
	  0, true, false, false, RES, RES },
	{ "deliberation", "板凳会：楼道堆物清理", "议定每月一次集中清理", -5, 19, 90, 25, 3, true,
	  false, false, RES | VOL, RES },
	{ "event", "驿站开放日", "参观驿站、体验设施", -3, 10, 180, 100, 2, false, false, false,
	  WRK, WRK },
};

/* The 11 government service items 渭滨's after-hours desks offer. */
static const char *const desk_items[] = {
	"社保卡办理", "医保参保登记", "居住证申请", "老年证办理", "残疾证年审",	    "灵活就业登记",
	"公积金查询", "户籍证明",     "婚育证明",   "法律援助",	  "不动产登记咨询",
};

struct make_arg {
	const struct show *sh;
	const struct cast *c;
	size_t i;
	int64_t starts_s;
	int64_t id;
};

/* The city's midnight of today plus days, at hour (local, +08:00). */
static int64_t local_at(int64_t now, int day, int hour)
{
	int64_t local = now + 8 * 3600;
	int64_t midnight = local - local % 86400 - 8 * 3600;
	return midnight + (int64_t)day * 86400 + (int64_t)hour * 3600;
}

static enum rc make_one(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct make_arg *m = ctx;
	const struct show *sh = m->sh;
	const struct cast *c = m->c;
	int64_t starts = m->starts_s;
	struct activity_input in = {
		.has_kind = true,
		.kind = sh->kind,
		.has_title = true,
		.title = sh->title,
		.has_description = true,
		.description = sh->description,
		.has_station = true,
		.station_id = sh->home || !c->nstations ? c->home
							: c->stations[m->i % c->nstations],
		.has_starts = true,
		.starts_s = starts,
		.has_ends = true,
		.ends_s = starts + sh->minutes * 60,
		.has_cutoff = true,
		.signup_cutoff_s = starts - 3600,
		.has_capacity = true,
		.capacity = sh->capacity,
		.has_points = true,
		.points = sh->points,
	};
	if (!strcmp(sh->kind, "party_meeting")) {
		in.has_party_org = true;
		in.party_org_id = c->party_org;
	}
	if (!strcmp(sh->kind, "service_desk")) {
		in.has_items = true;
		in.nitems = sizeof(desk_items) / sizeof(desk_items[0]);
		for (size_t k = 0; k < in.nitems; k++)
			in.items[k] = desk_items[k];
	}
	if (!strcmp(sh->kind, "deliberation")) {
		in.has_topic = true;
		in.topic = sh->title;
		in.has_participants = true;
		in.participants = "居民代表、物业、社区网格员、驿站站长";
	}
	struct actor organiser = { .p = sh->home ? &c->staff : &c->admin };
	enum rc rc = activity_create(tx, &organiser, &in, &m->id, prob);
	if (rc == RC_OK && !sh->draft)
		rc = activity_publish(tx, &organiser, m->id, prob);
	const struct principal *people[3] = { &c->resident, &c->volunteer, &c->worker };
	for (int k = 0; rc == RC_OK && !sh->draft && k < 3; k++) {
		if (!(sh->who & (1u << k)))
			continue;
		struct actor a = { .p = people[k] };
		struct activity_signup s;
		rc = activity_signup(tx, &a, m->id, &s, prob);
	}
	return rc;
}

/* A past one's attendance, marked by its organiser during it. */
static enum rc attend_one(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct make_arg *m = ctx;
	const struct cast *c = m->c;
	struct actor organiser = { .p = m->sh->home ? &c->staff : &c->admin };
	const struct principal *people[3] = { &c->resident, &c->volunteer, &c->worker };
	enum rc rc = RC_OK;
	for (int k = 0; rc == RC_OK && k < 3; k++)
		if (m->sh->came & (1u << k))
			rc = activity_mark(tx, &organiser, m->id, people[k]->account_id, "attended",
					   prob);
	if (rc == RC_OK && !strcmp(m->sh->kind, "service_desk")) {
		struct activity_desk_item items[3] = { { "社保卡办理", 12 },
						       { "居住证申请", 7 },
						       { "医保参保登记", 9 } };
		rc = activity_desk_count(tx, &organiser, m->id, items, 3, prob);
	}
	struct activity_problem p;
	if (rc == RC_OK && !strcmp(m->sh->kind, "deliberation"))
		rc = activity_problem_add(tx, &organiser, m->id, "3 号楼楼道堆放纸箱，有消防隐患",
					  true, false, NULL, &p, prob);
	return rc;
}

static enum rc cancel_one(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct make_arg *m = ctx;
	struct actor organiser = { .p = m->sh->home ? &m->c->staff : &m->c->admin };
	return activity_cancel(tx, &organiser, m->id, "场地临时检修，改期另行通知", prob);
}

enum rc demo_activities_build(struct db *db, size_t *made, struct problem *prob)
{
	*made = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT COUNT(*) FROM activities WHERE id > $1", &rows, prob,
			  DB_I(0));
	if (rc != RC_OK)
		return rc;
	int64_t have = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (have)
		return RC_OK;
	struct cast c = { 0 };
	rc = demo_principal(db, "13800000001", &c.admin, prob);
	if (rc == RC_OK)
		rc = demo_principal(db, "13800000002", &c.staff, prob);
	if (rc == RC_OK)
		rc = demo_principal(db, "13800000006", &c.resident, prob);
	if (rc == RC_OK)
		rc = demo_principal(db, "13800000004", &c.volunteer, prob);
	if (rc == RC_OK)
		rc = demo_principal(db, "13800000005", &c.worker, prob);
	if (rc == RC_OK)
		rc = db_q(db,
			  "SELECT id FROM stations WHERE region_code LIKE $1 ORDER BY id LIMIT 1",
			  &rows, prob, DB_T("610303008003%"));
	if (rc != RC_OK)
		return rc;
	c.home = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	/* Stations across the city: every seventh, so the districts differ. */
	rc = db_q(db, "SELECT id FROM stations WHERE id % 7 = $1 ORDER BY id LIMIT 12", &rows, prob,
		  DB_I(3));
	if (rc != RC_OK)
		return rc;
	c.nstations = db_rows_count(rows);
	for (size_t i = 0; i < c.nstations; i++)
		c.stations[i] = db_rows_int(rows, i, 0);
	db_rows_free(rows);
	rc = db_q(db, "SELECT id FROM party_orgs WHERE kind = $1 ORDER BY id LIMIT 1", &rows, prob,
		  DB_T("branch"));
	if (rc != RC_OK)
		return rc;
	c.party_org = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	if (!c.home || !c.party_org)
		return RC_OK; /* not the demo city */
	int64_t real_now = clock_now_s();
	for (size_t i = 0; rc == RC_OK && i < sizeof(shows) / sizeof(shows[0]); i++) {
		const struct show *sh = &shows[i];
		int64_t starts = local_at(real_now, sh->day, sh->hour);
		struct make_arg m = { .sh = sh, .c = &c, .i = i, .starts_s = starts };
		/* Each is made on its day: the clock moved to two hours before
		 * it (sign-ups close an hour before), and for a past one to its
		 * middle for the attendance. */
		int64_t offset = clock_now_s() - real_now;
		clock_set_offset_s(offset + (sh->day < 0 ? starts - 2 * 3600 - real_now : 0));
		rc = db_tx(db, make_one, &m, prob);
		if (rc == RC_OK && sh->day < 0) {
			clock_set_offset_s(offset + starts + 1800 - real_now);
			rc = db_tx(db, attend_one, &m, prob);
		}
		clock_set_offset_s(offset);
		if (rc == RC_OK && sh->cancel)
			rc = db_tx(db, cancel_one, &m, prob);
		*made += rc == RC_OK;
	}
	/* The past ones end: the signed-up who never came are no-shows. */
	if (rc == RC_OK)
		rc = activity_tick(db, clock_now_s(), NULL, NULL, prob);
	return rc;
}
