/* The demo city's requests (demo_requests.h). */
#include "domain/demo_city.h"
#include "domain/demo_requests.h"

#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "domain/account.h"
#include "domain/photo.h"
#include "domain/request.h"
#include "media/image.h"

/* The demo accounts who play the loop. */
struct cast {
	struct principal resident, volunteer, staff;
	int64_t station;
};

/* One demo request: filed by who, then the steps, in order. */
struct play {
	const char *kind, *category, *title, *parties, *household;
	int by; /* 0 the resident, 2 staff */
	const char *steps[6];
};

#define R 0
#define S 2

static const struct play plays[] = {
	{ "order", "repair", "电动车充电口松了", NULL, NULL, R, { NULL } },
	{ "order", "elderly", "帮独居老人买菜", NULL, NULL, R, { "dispatch" } },
	{ "order", "errand", "代取社区药房的药", NULL, NULL, R, { "dispatch", "accept" } },
	{ "order", "repair", "楼道灯不亮了", NULL, NULL, R, { "dispatch", "accept", "start" } },
	{ "order", "legal", "咨询劳动合同", NULL, NULL, R, { "dispatch", "accept", "resolve" } },
	{ "order", "health", "量血压", NULL, NULL, R, { "dispatch", "accept", "resolve", "rate" } },
	{ "order", "repair", "修门锁", NULL, NULL, R, { "reject" } },
	{ "order", "errand", "送一份文件", NULL, NULL, R, { "cancel" } },
	{ "order",
	  "elderly",
	  "陪老人复诊",
	  NULL,
	  NULL,
	  R,
	  { "dispatch", "accept", "resolve", "reopen" } },
	{ "order",
	  "repair",
	  "换水龙头",
	  NULL,
	  NULL,
	  R,
	  { "dispatch", "accept", "resolve", "rate", "close" } },
	{ "wish", "daily", "想要一个保温杯", NULL, NULL, R, { NULL } },
	{ "wish", "study", "想学电脑打字", NULL, NULL, R, { "accept" } },
	{ "wish", "family", "给孩子买一本字典", NULL, NULL, R, { "accept", "start" } },
	{ "wish", "daily", "冬天想要一副手套", NULL, NULL, R, { "accept", "resolve" } },
	{ "wish", "daily", "想要一个充电宝", NULL, NULL, R, { "accept", "resolve", "rate" } },
	{ "wish", "study", "想考电动车驾照", NULL, NULL, R, { "dispatch" } },
	{ "wish", "family", "想给父母拍张合影", NULL, NULL, R, { "cancel" } },
	{ "wish", "daily", "想要一件雨衣", NULL, NULL, R, { "reject" } },
	{ "wish", "study", "想学手机修图", NULL, NULL, R, { "accept", "resolve", "reopen" } },
	{ "wish", "daily", "想要一双棉鞋", NULL, NULL, R, { "accept", "resolve", "rate", "close" } },
	{ "report", "road", "井盖松动", NULL, NULL, R, { NULL } },
	{ "report", "safety", "电动车在楼道充电", NULL, NULL, R, { "dispatch" } },
	{ "report", "environment", "路边垃圾堆积", NULL, NULL, R, { "dispatch", "accept" } },
	{ "report", "traffic", "路口红绿灯坏了", NULL, NULL, R, { "dispatch", "accept", "start" } },
	{ "report", "parking", "充电桩被占", NULL, NULL, R, { "dispatch", "accept", "resolve" } },
	{ "report",
	  "road",
	  "人行道砖块翘起",
	  NULL,
	  NULL,
	  R,
	  { "dispatch", "accept", "resolve", "rate" } },
	{ "report", "environment", "小广告贴满墙", NULL, NULL, R, { "reject" } },
	{ "report", "road", "路面积水", NULL, NULL, R, { "cancel" } },
	{ "report",
	  "safety",
	  "消防通道堵塞",
	  NULL,
	  NULL,
	  R,
	  { "dispatch", "accept", "resolve", "reopen" } },
	{ "report",
	  "parking",
	  "共享单车乱停",
	  NULL,
	  NULL,
	  R,
	  { "dispatch", "accept", "resolve", "rate", "close" } },
	{ "suggestion", "station", "驿站增加微波炉", NULL, NULL, R, { NULL } },
	{ "suggestion", "community", "夜间多开一盏路灯", NULL, NULL, R, { "dispatch" } },
	{ "suggestion", "rights", "给骑手办一次普法讲座", NULL, NULL, R, { "dispatch", "accept" } },
	{ "suggestion",
	  "station",
	  "驿站放一个急救箱",
	  NULL,
	  NULL,
	  R,
	  { "dispatch", "accept", "start" } },
	{ "suggestion",
	  "community",
	  "菜市场门口划停车位",
	  NULL,
	  NULL,
	  R,
	  { "dispatch", "accept", "resolve" } },
	{ "suggestion",
	  "station",
	  "驿站加装充电插座",
	  NULL,
	  NULL,
	  R,
	  { "dispatch", "accept", "resolve", "rate" } },
	{ "suggestion", "rights", "延长驿站开放时间", NULL, NULL, R, { "reject" } },
	{ "suggestion", "community", "小区门口装遮阳棚", NULL, NULL, R, { "cancel" } },
	{ "suggestion",
	  "station",
	  "驿站提供热水",
	  NULL,
	  NULL,
	  R,
	  { "dispatch", "accept", "resolve", "reopen" } },
	{ "suggestion", "community", "组织一次义诊", NULL, NULL, R, { "close" } },
	{ "mediation",
	  "neighbour",
	  "楼上漏水",
	  "张建国 13912340001；王秀兰 13912340002",
	  NULL,
	  S,
	  { NULL } },
	{ "mediation",
	  "labour",
	  "工资拖欠",
	  "骑手李强 13912340003；某配送站",
	  NULL,
	  S,
	  { "dispatch" } },
	{ "mediation",
	  "traffic",
	  "电动车剐蹭",
	  "赵磊 13912340004；孙丽 13912340005",
	  NULL,
	  S,
	  { "dispatch", "accept" } },
	{ "mediation",
	  "consumer",
	  "外卖餐损纠纷",
	  "刘洋 13912340006；某餐馆",
	  NULL,
	  S,
	  { "dispatch", "accept", "start" } },
	{ "mediation",
	  "neighbour",
	  "噪音扰民",
	  "周明 13912340007；吴芳 13912340008",
	  NULL,
	  S,
	  { "dispatch", "accept", "resolve" } },
	{ "mediation",
	  "labour",
	  "社保缴纳争议",
	  "快递员郑伟 13912340009；某快递网点",
	  NULL,
	  S,
	  { "dispatch", "accept", "resolve", "rate" } },
	{ "mediation",
	  "neighbour",
	  "宠物扰邻",
	  "陈静 13912340010；林涛 13912340011",
	  NULL,
	  S,
	  { "reject" } },
	{ "mediation",
	  "traffic",
	  "停车纠纷",
	  "马超 13912340012；何琳 13912340013",
	  NULL,
	  S,
	  { "cancel" } },
	{ "mediation",
	  "consumer",
	  "预付卡退费",
	  "高峰 13912340014；某健身房",
	  NULL,
	  S,
	  { "dispatch", "accept", "resolve", "reopen" } },
	{ "mediation",
	  "neighbour",
	  "公共楼道堆物",
	  "许华 13912340015；邓敏 13912340016",
	  NULL,
	  S,
	  { "dispatch", "accept", "resolve", "rate", "close" } },
	{ "task", "publicity", "派发反诈宣传册", NULL, NULL, S, { NULL } },
	{ "task", "survey", "摸排新就业群体", NULL, NULL, S, { "dispatch" } },
	{ "task", "patrol", "巡查沿街充电隐患", NULL, NULL, S, { "dispatch", "accept" } },
	{ "task", "publicity", "张贴防汛通知", NULL, NULL, S, { "dispatch", "accept", "start" } },
	{ "task", "survey", "统计驿站使用情况", NULL, NULL, S, { "reject" } },
	{ "task", "patrol", "夜间巡查", NULL, NULL, S, { "cancel" } },
	{ "task", "publicity", "发放暖心手册", NULL, NULL, S, { "close" } },
	{ "task",
	  "publicity",
	  "给外卖骑手发反诈卡片",
	  NULL,
	  NULL,
	  S,
	  { "dispatch", "accept", "resolve" } },
	{ "task",
	  "survey",
	  "登记小区快递柜使用情况",
	  NULL,
	  NULL,
	  S,
	  { "dispatch", "accept", "resolve", "rate" } },
	{ "task",
	  "patrol",
	  "巡查楼道堆放杂物",
	  NULL,
	  NULL,
	  S,
	  { "dispatch", "accept", "resolve", "reopen" } },
	{ "visit", "six", "走访独居老人", NULL, "龙腾路 3 号 王奶奶", S, { NULL } },
	{ "visit", "care", "走访困难家庭", NULL, "宝光路 12 号 李师傅家", S, { "dispatch" } },
	{ "visit", "six", "走访新就业骑手", NULL, "骑手公寓 2 单元", S, { "dispatch", "accept" } },
	{ "visit",
	  "care",
	  "走访残疾人家庭",
	  NULL,
	  "卧龙寺路 8 号",
	  S,
	  { "dispatch", "accept", "start" } },
	{ "visit",
	  "six",
	  "走访退役军人",
	  NULL,
	  "经二路 5 号 张大爷",
	  S,
	  { "dispatch", "accept", "resolve" } },
	{ "visit",
	  "care",
	  "走访留守儿童",
	  NULL,
	  "金台路 17 号",
	  S,
	  { "dispatch", "accept", "resolve", "rate" } },
	{ "visit", "six", "走访低保户", NULL, "东风路 2 号", S, { "reject" } },
	{ "visit", "care", "走访孤寡老人", NULL, "公园路 9 号", S, { "cancel" } },
	{ "visit",
	  "six",
	  "走访重病家庭",
	  NULL,
	  "中山路 21 号",
	  S,
	  { "dispatch", "accept", "resolve", "reopen" } },
	{ "visit",
	  "care",
	  "走访新生儿家庭",
	  NULL,
	  "红旗路 6 号",
	  S,
	  { "dispatch", "accept", "resolve", "rate", "close" } },
};

struct file_arg {
	const struct play *pl;
	const struct cast *c;
	size_t i;
	int64_t id;
};

static const struct principal *who_files(const struct play *pl, const struct cast *c)
{
	return pl->by == S ? &c->staff : &c->resident;
}

static enum rc file_one(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct file_arg *a = arg;
	const struct play *pl = a->pl;
	struct actor actor = { .p = who_files(pl, a->c), .ip = "127.0.0.1", .request_id = "seed" };
	struct request_input in = {
		.kind = pl->kind,
		.category = pl->category,
		.title = pl->title,
		.description = "演示数据",
		.station_id = a->c->station,
		.region_code = "610303008003",
		.parties = pl->parties,
		.household = pl->household,
		.reason = pl->household ? "例行走访" : NULL,
		.major = pl->parties && a->i % 3 == 0,
	};
	/* Reports stand a little apart around 金台区's centre. */
	if (!strcmp(pl->kind, "report")) {
		in.has_location = true;
		in.lat = 34.3620 + 0.0011 * (double)(a->i % 7);
		in.lng = 107.1380 + 0.0013 * (double)(a->i % 5);
	}
	return request_create(tx, &actor, &in, &a->id, prob);
}

struct step_arg {
	int64_t id;
	const struct principal *who;
	struct request_step step;
};

static enum rc step_one(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct step_arg *a = arg;
	struct actor actor = { .p = a->who, .ip = "127.0.0.1", .request_id = "seed" };
	return request_step(tx, &actor, a->id, &a->step, prob);
}

/* A task's proof: a made-up picture through the photo pipeline. */
struct proof_arg {
	const struct principal *who;
	int64_t id;
	const struct photo_files *files;
};

static enum rc proof_one(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct proof_arg *a = arg;
	struct actor actor = { .p = a->who, .ip = "127.0.0.1", .request_id = "seed" };
	struct photo out;
	return request_photo_add(tx, &actor, a->id, "proof", a->files, &out, prob);
}

static enum rc add_proof(struct db *db, const struct blob_store *photos,
			 const struct principal *who, int64_t id, struct problem *prob)
{
	size_t len = 0;
	unsigned char *jpeg = image_sample_jpeg(960, 720, (unsigned)id, &len);
	if (!jpeg)
		return problem_set(prob, RC_INTERNAL, "internal", "cannot draw a demo picture");
	static const struct image_limits lim = { .max_edge = 1600,
						 .thumb_edge = 360,
						 .quality = 82 };
	struct photo_files files;
	enum rc rc = photo_files_make(jpeg, len, &lim, photos, &files, prob);
	free(jpeg);
	if (rc != RC_OK)
		return rc;
	struct proof_arg pa = { .who = who, .id = id, .files = &files };
	return db_tx(db, proof_one, &pa, prob);
}

enum rc demo_requests_build(struct db *db, const struct blob_store *photos, size_t *made,
			    struct problem *prob)
{
	*made = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT COUNT(*) FROM requests WHERE id > $1", &rows, prob, DB_I(0));
	if (rc != RC_OK)
		return rc;
	int64_t have = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	if (have)
		return RC_OK;
	struct cast c = { 0 };
	rc = demo_principal(db, "13800000006", &c.resident, prob);
	if (rc == RC_OK)
		rc = demo_principal(db, "13800000004", &c.volunteer, prob);
	if (rc == RC_OK)
		rc = demo_principal(db, "13800000002", &c.staff, prob);
	if (rc != RC_OK)
		return rc;
	/* The station of the volunteer's and resident's community. */
	rc = db_q(db, "SELECT id FROM stations WHERE region_code LIKE $1 ORDER BY id LIMIT 1",
		  &rows, prob, DB_T("610303008003%"));
	if (rc != RC_OK)
		return rc;
	c.station = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	for (size_t i = 0; rc == RC_OK && i < sizeof(plays) / sizeof(plays[0]); i++) {
		const struct play *pl = &plays[i];
		struct file_arg fa = { .pl = pl, .c = &c, .i = i };
		rc = db_tx(db, file_one, &fa, prob);
		for (size_t k = 0; rc == RC_OK && k < 6 && pl->steps[k]; k++) {
			const char *act = pl->steps[k];
			bool task = !strcmp(pl->kind, "task");
			if (task && !strcmp(act, "resolve") && !photos)
				break; /* no photo folder: the task stays in progress */
			struct step_arg sa = {
				.id = fa.id,
				.step = { .action = act, .settled = -1, .proof_count = -1 }
			};
			bool staff_step = !strcmp(act, "dispatch") || !strcmp(act, "reject") ||
					  !strcmp(act, "close");
			bool requester_step = !strcmp(act, "rate") || !strcmp(act, "cancel") ||
					      !strcmp(act, "reopen");
			sa.who = staff_step	  ? &c.staff
				 : requester_step ? who_files(pl, &c)
						  : &c.volunteer;
			if (!strcmp(act, "dispatch"))
				sa.step.assignee_id = c.volunteer.account_id;
			if (!strcmp(act, "rate")) {
				sa.step.rating = 3 + (int)(i % 3);
				sa.step.comment = "谢谢，办得很及时";
			}
			if (!strcmp(act, "reopen"))
				sa.step.note = "还没有完全解决";
			if (!strcmp(act, "reject"))
				sa.step.note = "不属于本站受理范围，已告知去处";
			if (!strcmp(act, "resolve")) {
				sa.step.note = "已办好";
				if (!strcmp(pl->kind, "mediation"))
					sa.step.settled = i % 4 != 0;
				if (!strcmp(pl->kind, "visit"))
					sa.step.record = "身体和生活情况良好，已留联系方式";
				if (task) {
					sa.step.proof_count = 30 + (int)(i % 5) * 10;
					rc = add_proof(db, photos, sa.who, fa.id, prob);
				}
			}
			if (rc != RC_OK)
				break;
			rc = db_tx(db, step_one, &sa, prob);
		}
		if (rc == RC_OK)
			(*made)++;
	}
	return rc;
}
