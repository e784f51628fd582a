/* Distributions: a batch from the shop's stock handed to a list of people,
 * each once, by scanning their own code (distribution.h). */
#include "domain/distribution.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"
#include "domain/inbox.h"
#include "domain/permission.h"
#include "domain/secret.h"
#include "domain/shop.h"

#define DIST_COLS                                                                            \
	"d.id, d.title, d.station_id, s.name, d.region_code, d.item_id, i.name, d.qty_each," \
	" d.people, d.handed, d.state, d.note, d.created_by, d.created_s, d.closed_s,"       \
	" d.returned FROM distributions d JOIN stations s ON s.id = d.station_id"            \
	" JOIN shop_items i ON i.id = d.item_id"

static void from_row(const struct db_rows *rows, size_t i, struct distribution *d)
{
	memset(d, 0, sizeof(*d));
	size_t c = 0;
	d->id = db_rows_int(rows, i, c++);
	text_copy(d->title, sizeof(d->title), db_rows_text(rows, i, c++));
	d->station_id = db_rows_int(rows, i, c++);
	text_copy(d->station_name, sizeof(d->station_name), db_rows_text(rows, i, c++));
	text_copy(d->region_code, sizeof(d->region_code), db_rows_text(rows, i, c++));
	d->item_id = db_rows_int(rows, i, c++);
	text_copy(d->item_name, sizeof(d->item_name), db_rows_text(rows, i, c++));
	d->qty_each = (int)db_rows_int(rows, i, c++);
	d->people = (int)db_rows_int(rows, i, c++);
	d->handed = (int)db_rows_int(rows, i, c++);
	text_copy(d->state, sizeof(d->state), db_rows_text(rows, i, c++));
	text_copy(d->note, sizeof(d->note),
		  db_rows_null(rows, i, c) ? "" : db_rows_text(rows, i, c));
	c++;
	d->created_by = db_rows_int(rows, i, c++);
	d->created_s = db_rows_int(rows, i, c++);
	d->closed_s = db_rows_int(rows, i, c++);
	d->returned = db_rows_int(rows, i, c++);
}

static enum rc load(struct db *db, int64_t id, struct distribution *out, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT " DIST_COLS " WHERE d.id = $1", &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	bool found = db_rows_count(rows) == 1;
	if (found)
		from_row(rows, 0, out);
	db_rows_free(rows);
	return found ? RC_OK : problem_set(prob, RC_NOT_FOUND, "not-found", "没有这次发放");
}

/* RC_FORBIDDEN unless p manages the shop of station_id; its region into
 * region. */
static enum rc need_manager(struct db *db, const struct principal *p, int64_t station_id,
			    char region[13], struct problem *prob)
{
	bool managed = false;
	enum rc rc = shop_station_managed(db, p, station_id, region, &managed, prob);
	if (rc == RC_OK && !managed)
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有本驿站的站长和辖区工作人员可以管理发放");
	return rc;
}

static enum rc record(struct db_tx *tx, const struct actor *actor, const char *action,
		      const struct distribution *d, int64_t person_id, struct problem *prob)
{
	struct audit_detail det;
	audit_detail_init(&det);
	audit_detail_str(&det, "title", d->title);
	audit_detail_int(&det, "item_id", d->item_id);
	audit_detail_int(&det, "qty_each", d->qty_each);
	audit_detail_int(&det, "people", d->people);
	if (person_id)
		audit_detail_int(&det, "person_id", person_id);
	enum rc rc = audit_record_id(tx, actor, action, "distribution", d->id, d->region_code, &det,
				     prob);
	audit_detail_release(&det);
	if (rc != RC_OK)
		return rc;
	struct sb data = SB_INIT;
	sb_addf(&data, "{\"distribution_id\":%lld,\"title\":", (long long)d->id);
	sb_add_json_string(&data, d->title);
	sb_addf(&data, ",\"people\":%d,\"handed\":%d,\"state\":\"%s\"}", d->people, d->handed,
		d->state);
	char sid[24];
	snprintf(sid, sizeof(sid), "%lld", (long long)d->id);
	struct event_audience to = { .region_code = d->region_code,
				     .station_id = d->station_id,
				     .data = sb_str(&data) };
	rc = events_record_to(tx, action, sid, &to, prob);
	sb_release(&data);
	return rc;
}

/* The ids of the people matching in's filter whom actor may read. */
static enum rc choose(struct db *db, const struct principal *viewer,
		      const struct distribution_input *in, int64_t **ids, int64_t **accounts,
		      size_t *n, struct problem *prob)
{
	size_t cap = 256;
	*ids = xcalloc(cap, sizeof(**ids));
	*accounts = xcalloc(cap, sizeof(**accounts));
	*n = 0;
	int64_t after = 0;
	for (;;) {
		struct person_page page;
		enum rc rc = person_list_walk(db, viewer, &in->filter, false, after, 500, &page,
					      prob);
		if (rc != RC_OK)
			return rc;
		for (size_t i = 0; i < page.n; i++) {
			const struct person *p = &page.items[i];
			if (p->deleted_s ||
			    (in->registered_since_s > 0 && p->created_s < in->registered_since_s))
				continue;
			if (*n == DISTRIBUTION_PEOPLE_MAX) {
				person_page_release(&page);
				problem_field(prob, "filter", "一次最多发给 %d 人，请缩小范围",
					      DISTRIBUTION_PEOPLE_MAX);
				return RC_INVALID;
			}
			if (*n == cap) {
				cap *= 2;
				*ids = xrealloc(*ids, cap * sizeof(**ids));
				*accounts = xrealloc(*accounts, cap * sizeof(**accounts));
			}
			(*ids)[*n] = p->id;
			(*accounts)[(*n)++] = p->account_id;
		}
		after = page.next_after_id;
		person_page_release(&page);
		if (!after)
			return RC_OK;
	}
}

enum rc distribution_create(struct db_tx *tx, const struct actor *actor,
			    const struct distribution_input *in, int64_t *id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	*id = 0;
	if (!in->title || !*in->title)
		problem_field(prob, "title", "不能为空");
	else if (text_chars(in->title) > DISTRIBUTION_TITLE_MAX ||
		 text_line_fault(in->title, strlen(in->title)) != TEXT_FINE)
		problem_field(prob, "title", "标题应为 1–%d 个字（一行）", DISTRIBUTION_TITLE_MAX);
	if (in->note && text_chars(in->note) > 1000)
		problem_field(prob, "note", "太长了：最多 %d 个字", 1000);
	if (in->qty_each < 1 || in->qty_each > 100)
		problem_field(prob, "qty_each", "每人数量应为 1–100");
	size_t rlen = strlen(in->filter.region);
	if (rlen != 9 && rlen != 12)
		problem_field(prob, "filter.region", "发放范围应为街道（9 位）或社区（12 位）代码");
	if (problem_has_fields(prob))
		return RC_INVALID;
	char region[13];
	enum rc rc = need_manager(db, actor->p, in->station_id, region, prob);
	if (rc != RC_OK)
		return rc;
	struct shop_item item;
	if ((rc = shop_item_read(db, actor->p, in->item_id, &item, prob)) != RC_OK) {
		if (rc != RC_NOT_FOUND)
			return rc;
		problem_init(prob);
		problem_field(prob, "item_id", "没有这件商品");
		return RC_INVALID;
	}
	if (item.station_id != in->station_id) {
		problem_field(prob, "item_id", "应为本驿站爱心超市的商品");
		return RC_INVALID;
	}
	int64_t *ids = NULL, *accounts = NULL;
	size_t n = 0;
	rc = choose(db, actor->p, in, &ids, &accounts, &n, prob);
	if (rc == RC_OK && n == 0) {
		problem_field(prob, "filter", "没有符合条件的人");
		rc = RC_INVALID;
	}
	if (rc != RC_OK)
		goto out;
	int64_t now = clock_now_s();
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "INSERT INTO distributions (title, station_id, region_code, item_id, qty_each,"
		  " people, handed, state, note, created_by, created_s, returned)"
		  " VALUES ($1, $2, $3, $4, $5, $6, 0, 'open', $7, $8, $9, 0) RETURNING id",
		  &rows, prob, DB_T(in->title), DB_I(in->station_id), DB_T(in->filter.region),
		  DB_I(in->item_id), DB_I(in->qty_each), DB_I((int64_t)n),
		  DB_T(in->note && *in->note ? in->note : NULL), DB_I(actor->p->account_id),
		  DB_I(now));
	if (rc != RC_OK)
		goto out;
	*id = db_rows_int(rows, 0, 0);
	db_rows_free(rows);
	struct stock_ref ref = { "distribution", *id };
	rc = shop_stock_post(tx, actor->p->account_id, in->item_id, "handed_out",
			     -(in->qty_each * (int64_t)n), &ref, in->title, NULL, prob);
	for (size_t i = 0; rc == RC_OK && i < n; i++)
		rc = db_q(db,
			  "INSERT INTO distribution_people (distribution_id, person_id, state)"
			  " VALUES ($1, $2, 'due')",
			  NULL, prob, DB_I(*id), DB_I(ids[i]));
	struct distribution d;
	if (rc == RC_OK)
		rc = load(db, *id, &d, prob);
	if (rc == RC_OK)
		rc = record(tx, actor, "distribution.created", &d, 0, prob);
	char title[DISTRIBUTION_TITLE_MAX * 4 + 64], body[640];
	if (rc == RC_OK) {
		snprintf(title, sizeof(title), "待领取：%s", d.title);
		snprintf(body, sizeof(body), "%s × %d，请到%s出示“我的码”领取", d.item_name,
			 d.qty_each, d.station_name);
	}
	for (size_t i = 0; rc == RC_OK && i < n; i++)
		if (accounts[i])
			rc = inbox_notify(tx, accounts[i], "distribution", "distribution", *id,
					  title, body, prob);
out:
	free(ids);
	free(accounts);
	return rc;
}

enum rc distribution_hand_over(struct db_tx *tx, const struct actor *actor, int64_t id,
			       const char *token, struct person *person, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct distribution d;
	enum rc rc = load(db, id, &d, prob);
	if (rc != RC_OK)
		return rc;
	char region[13];
	if ((rc = need_manager(db, actor->p, d.station_id, region, prob)) != RC_OK)
		return rc;
	if (!token || !*token || strlen(token) >= PERSON_CODE_LEN) {
		problem_field(prob, "code", "请扫描或输入领取人的个人码");
		return RC_INVALID;
	}
	if (strcmp(d.state, "open") != 0)
		return problem_set(prob, RC_CONFLICT, "closed", "这次发放已结束");
	struct db_rows *rows = NULL;
	rc = db_q(db, "SELECT person_id FROM person_codes WHERE token = $1", &rows, prob,
		  DB_T(token));
	if (rc != RC_OK)
		return rc;
	int64_t person_id = db_rows_count(rows) == 1 ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	if (!person_id)
		return problem_set(prob, RC_NOT_FOUND, "code-unknown", "个人码无效");
	struct person p;
	if ((rc = person_get(db, person_id, &p, prob)) != RC_OK)
		return rc;
	if (person)
		*person = p;
	int64_t now = clock_now_s();
	rows = NULL;
	rc = db_q(db,
		  "UPDATE distribution_people SET state = 'handed_over', handed_s = $3,"
		  " handed_by = $4 WHERE distribution_id = $1 AND person_id = $2 AND state = 'due'"
		  " RETURNING person_id",
		  &rows, prob, DB_I(id), DB_I(person_id), DB_I(now), DB_I(actor->p->account_id));
	if (rc != RC_OK)
		return rc;
	bool claimed = db_rows_count(rows) == 1;
	db_rows_free(rows);
	if (!claimed) {
		rows = NULL;
		rc = db_q(db,
			  "SELECT handed_s FROM distribution_people WHERE distribution_id = $1"
			  " AND person_id = $2",
			  &rows, prob, DB_I(id), DB_I(person_id));
		if (rc != RC_OK)
			return rc;
		bool listed = db_rows_count(rows) == 1;
		int64_t at = listed ? db_rows_int(rows, 0, 0) : 0;
		db_rows_free(rows);
		if (!listed)
			return problem_set(prob, RC_CONFLICT, "not-listed",
					   "%s 不在这次发放的名单中", p.name);
		char when[32];
		clock_rfc3339(at, when);
		return problem_set(prob, RC_CONFLICT, "already-handed",
				   "%s 已于 %s 领取过，每人一份", p.name, when);
	}
	if ((rc = db_q(db, "UPDATE distributions SET handed = handed + 1 WHERE id = $1", NULL, prob,
		       DB_I(id))) != RC_OK)
		return rc;
	d.handed++;
	return record(tx, actor, "distribution.handed_over", &d, person_id, prob);
}

enum rc distribution_close(struct db_tx *tx, const struct actor *actor, int64_t id,
			   struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct distribution d;
	enum rc rc = load(db, id, &d, prob);
	if (rc != RC_OK)
		return rc;
	char region[13];
	if ((rc = need_manager(db, actor->p, d.station_id, region, prob)) != RC_OK)
		return rc;
	int64_t now = clock_now_s();
	/* Claimed by its state; the count handed read in the same statement. */
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "UPDATE distributions SET state = 'closed', closed_s = $2, closed_by = $3,"
		  " returned = (people - handed) * qty_each WHERE id = $1 AND state = 'open'"
		  " RETURNING returned",
		  &rows, prob, DB_I(id), DB_I(now), DB_I(actor->p->account_id));
	if (rc != RC_OK)
		return rc;
	bool claimed = db_rows_count(rows) == 1;
	int64_t left = claimed ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	if (!claimed)
		return problem_set(prob, RC_CONFLICT, "closed", "这次发放已结束");
	if (left > 0) {
		struct stock_ref ref = { "distribution", id };
		rc = shop_stock_post(tx, actor->p->account_id, d.item_id, "returned", left, &ref,
				     "发放结束，余量退回", NULL, prob);
		if (rc != RC_OK)
			return rc;
	}
	text_copy(d.state, sizeof(d.state), "closed");
	d.returned = left;
	return record(tx, actor, "distribution.closed", &d, 0, prob);
}

enum rc distribution_read(struct db *db, const struct principal *viewer, int64_t id,
			  struct distribution *out, struct problem *prob)
{
	enum rc rc = load(db, id, out, prob);
	if (rc != RC_OK)
		return rc;
	char region[13];
	return need_manager(db, viewer, out->station_id, region, prob);
}

enum rc distribution_list(struct db *db, const struct principal *viewer, int64_t station_id,
			  struct distribution **items, size_t *n, struct problem *prob)
{
	*items = NULL;
	*n = 0;
	char region[13];
	enum rc rc = need_manager(db, viewer, station_id, region, prob);
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db, "SELECT " DIST_COLS " WHERE d.station_id = $1 ORDER BY d.id DESC LIMIT 200",
		  &rows, prob, DB_I(station_id));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++)
		from_row(rows, i, &(*items)[i]);
	*n = count;
	db_rows_free(rows);
	return RC_OK;
}

enum rc distribution_people(struct db *db, const struct principal *viewer, int64_t id,
			    const char *state, int64_t after_id, size_t limit,
			    struct distribution_person **items, size_t *n, struct problem *prob)
{
	*items = NULL;
	*n = 0;
	struct distribution d;
	enum rc rc = distribution_read(db, viewer, id, &d, prob);
	if (rc != RC_OK)
		return rc;
	struct db_rows *rows = NULL;
	rc = db_q(db,
		  "SELECT dp.person_id, p.name, dp.state, dp.handed_s FROM distribution_people dp"
		  " JOIN persons p ON p.id = dp.person_id WHERE dp.distribution_id = $1"
		  " AND ($2 = '' OR dp.state = $2) AND dp.person_id > $3"
		  " ORDER BY dp.person_id LIMIT $4",
		  &rows, prob, DB_I(id), DB_T(state ? state : ""), DB_I(after_id),
		  DB_I((int64_t)limit));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	*items = xcalloc(count ? count : 1, sizeof(**items));
	for (size_t i = 0; i < count; i++) {
		struct distribution_person *dp = &(*items)[i];
		dp->person_id = db_rows_int(rows, i, 0);
		text_copy(dp->name, sizeof(dp->name), db_rows_text(rows, i, 1));
		text_copy(dp->state, sizeof(dp->state), db_rows_text(rows, i, 2));
		dp->handed_s = db_rows_int(rows, i, 3);
	}
	*n = count;
	db_rows_free(rows);
	return RC_OK;
}

/* The code of person p, made on first use. */
static enum rc code_of(struct db_tx *tx, const struct actor *actor, const struct person *p,
		       char token[PERSON_CODE_LEN], struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, "SELECT token FROM person_codes WHERE person_id = $1", &rows, prob,
			  DB_I(p->id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) == 1) {
		text_copy(token, PERSON_CODE_LEN, db_rows_text(rows, 0, 0));
		db_rows_free(rows);
		return RC_OK;
	}
	db_rows_free(rows);
	secret_token("yzp_", token, PERSON_CODE_LEN);
	rc = db_q(db, "INSERT INTO person_codes (person_id, token, created_s) VALUES ($1, $2, $3)",
		  NULL, prob, DB_I(p->id), DB_T(token), DB_I(clock_now_s()));
	if (rc != RC_OK)
		return rc;
	return audit_record_id(tx, actor, "person.code_made", "person", p->id, p->region_code, NULL,
			       prob);
}

enum rc person_code_mine(struct db_tx *tx, const struct actor *actor, char token[PERSON_CODE_LEN],
			 struct problem *prob)
{
	token[0] = '\0';
	if (!actor->p || !actor->p->account_id)
		return problem_set(prob, RC_UNAUTHORIZED, "unauthenticated", "请先登录");
	struct person p;
	enum rc rc = person_of_account(tx, actor, actor->p->account_id, &p, prob);
	if (rc != RC_OK)
		return rc;
	return code_of(tx, actor, &p, token, prob);
}

enum rc person_code_get(struct db_tx *tx, const struct actor *actor, int64_t person_id,
			char token[PERSON_CODE_LEN], struct problem *prob)
{
	token[0] = '\0';
	struct person p;
	enum rc rc = person_get(db_tx_db(tx), person_id, &p, prob);
	if (rc != RC_OK)
		return rc;
	struct scope_target t = { .region = p.region_code };
	bool self = actor->p && actor->p->account_id && actor->p->account_id == p.account_id;
	if (!self && !(p.region_code[0] && permission_allows(actor->p, ACT_PERSON_EDIT, &t)))
		return problem_set(prob, RC_FORBIDDEN, "forbidden",
				   "只有本人和辖区工作人员可以查看个人码");
	if (p.deleted_s)
		return problem_set(prob, RC_CONFLICT, "deleted", "这个人的信息已删除");
	return code_of(tx, actor, &p, token, prob);
}
