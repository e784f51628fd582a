/* Group bots: the table, the checks of a webhook address, its mask, which
 * events go to which bot, the retry schedule, DingTalk's signature and the
 * commands. */
#include "domain/bot.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/sb.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/events.h"
#include "domain/permission.h"
#include "domain/region.h"
#include "domain/scope.h"

/* Topics */

const struct field_choice bot_topics[] = {
	{ "request.created", "新提交", "submitted" },
	{ "request.dispatched", "已派单", "dispatched" },
	{ "request.accepted", "已接单", "accepted" },
	{ "request.started", "处理中", "in progress" },
	{ "request.resolved", "已办结", "resolved" },
	{ "request.rated", "已评价", "rated" },
	{ "request.rejected", "已驳回", "rejected" },
	{ "request.cancelled", "已取消", "cancelled" },
	{ "request.reopened", "已重新打开", "reopened" },
	{ "request.closed", "已关闭", "closed" },
	{ "request.escalated", "已升级督办", "escalated" },
	{ NULL, NULL, NULL },
};

const char *bot_topic_label(const char *topic)
{
	if (!topic)
		return NULL;
	if (!strcmp(topic, BOT_TEST_TOPIC))
		return "测试消息";
	for (const struct field_choice *c = bot_topics; c->code; c++)
		if (!strcmp(c->code, topic))
			return c->zh;
	return NULL;
}

int64_t bot_topic_bit(const char *topic)
{
	for (int i = 0; topic && bot_topics[i].code; i++)
		if (!strcmp(bot_topics[i].code, topic))
			return INT64_C(1) << i;
	return 0;
}

/* The table */

static const struct field_choice kinds[] = {
	{ "wecom", "企业微信", "WeCom" },
	{ "dingtalk", "钉钉", "DingTalk" },
	{ NULL, NULL, NULL },
};

#define REC(m) .rec_off = offsetof(struct bot, m), .rec_size = sizeof(((struct bot *)0)->m)
#define IN(m, has) \
	.in_off = offsetof(struct bot_input, m), .has_off = offsetof(struct bot_input, has)
#define NO_INPUT	.in_off = FIELD_NO_INPUT, .has_off = FIELD_NO_INPUT
#define STATION_OF(col) "(SELECT s." col " FROM stations s WHERE s.id = bots.station_id)"

/* clang-format off */
static const struct field bot_fields[] = {
	{ .name = "id", .column = "id", .kind = FIELD_INT64, .flags = FIELD_READONLY | FIELD_SUMMARY,
	  REC(id), NO_INPUT, .doc = "编号" },
	{ .name = "name", .column = "name", .kind = FIELD_TEXT, .flags = FIELD_REQUIRED | FIELD_SUMMARY,
	  REC(name), IN(name, has_name), .max = BOT_NAME_MAX, .invalid = "名称应为 1–%d 个字",
	  .doc = "名称，如 龙腾路驿站服务群" },
	{ .name = "kind", .column = "kind", .kind = FIELD_CODE, .flags = FIELD_REQUIRED | FIELD_SUMMARY,
	  REC(kind), IN(kind, has_kind), .choices = kinds,
	  .invalid = "类型应为 wecom（企业微信）或 dingtalk（钉钉）",
	  .doc = "wecom（企业微信群机器人）或 dingtalk（钉钉群机器人）" },
	{ .name = "url", .column = "url", .kind = FIELD_TEXT, .flags = FIELD_REQUIRED,
	  .vis = FIELD_HIDDEN, REC(url), IN(url, has_url), .max = BOT_URL_MAX_BYTES,
	  .invalid = "请填写 Webhook 地址（最多 %d 个字符）",
	  .doc = "Webhook 地址，从群机器人的设置里复制的完整地址；https（http 只限本机地址）。"
		 "这是密钥：保存后只显示打码的 url_masked，修改时重新填写完整地址" },
	{ .name = "url_masked", .kind = FIELD_TEXT, .flags = FIELD_READONLY | FIELD_SUMMARY,
	  REC(url_masked), NO_INPUT, .doc = "打码的 Webhook 地址：只留主机、路径开头和密钥的末 4 位" },
	{ .name = "secret", .column = "secret", .kind = FIELD_TEXT, .flags = FIELD_OPTIONAL,
	  .vis = FIELD_HIDDEN, REC(secret), IN(secret, has_secret), .max = BOT_SECRET_MAX_BYTES,
	  .invalid = "加签密钥最多 %d 个字符",
	  .doc = "钉钉机器人的加签密钥（SEC 开头；没有开启加签就留空）。从不显示" },
	{ .name = "has_secret", .column = "CASE WHEN secret IS NULL THEN 0 ELSE 1 END",
	  .kind = FIELD_BOOL, .flags = FIELD_READONLY | FIELD_SUMMARY, REC(has_secret), NO_INPUT,
	  .doc = "是否设置了加签密钥" },
	{ .name = "station_id", .column = "station_id", .kind = FIELD_INT64,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(station_id), IN(station_id, has_station_id),
	  .doc = "所属驿站（与 region_code 二选一）：推送这个驿站的事件" },
	{ .name = "station_name", .column = STATION_OF("name"), .kind = FIELD_TEXT,
	  .flags = FIELD_READONLY | FIELD_OPTIONAL | FIELD_SUMMARY, REC(station_name), NO_INPUT,
	  .doc = "所属驿站的名称" },
	{ .name = "region_code", .column = "region_code", .kind = FIELD_TEXT,
	  .flags = FIELD_OPTIONAL | FIELD_SUMMARY, REC(region_code), IN(region_code, has_region),
	  .max = 12,
	  .doc = "所属区域（与 station_id 二选一）：区县（6 位）、街道（9 位）或社区（12 位）代码，"
		 "推送区域内的事件" },
	{ .name = "region_name", .column = "(SELECT r.short_name FROM regions r WHERE r.code = bots.region_code)",
	  .kind = FIELD_TEXT, .flags = FIELD_READONLY | FIELD_OPTIONAL | FIELD_SUMMARY,
	  REC(region_name), NO_INPUT, .doc = "所属区域的名称" },
	{ .name = "topics", .column = "topics", .kind = FIELD_SET, .flags = FIELD_SUMMARY,
	  REC(topics), IN(topics, has_topics), .choices = bot_topics,
	  .doc = "推送哪些事件（至少一种）：request.created 新提交、request.dispatched 已派单 …" },
	{ .name = "enabled", .column = "enabled", .kind = FIELD_BOOL, .flags = FIELD_SUMMARY,
	  REC(enabled), IN(enabled, has_enabled), .def = "1", .doc = "是否启用（默认启用）" },
	{ .name = "created_at", .column = "created_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(created_s), NO_INPUT, .doc = "创建时间" },
	{ .name = "updated_at", .column = "updated_s", .kind = FIELD_TIME, .flags = FIELD_READONLY,
	  REC(updated_s), NO_INPUT, .doc = "最后修改时间" },
	{ .name = "last_ok_at", .column = "last_ok_s", .kind = FIELD_TIME,
	  .flags = FIELD_READONLY | FIELD_SUMMARY, REC(last_ok_s), NO_INPUT,
	  .doc = "最近一次推送成功的时间" },
	{ .name = "last_error", .column = "last_error", .kind = FIELD_TEXT,
	  .flags = FIELD_READONLY | FIELD_OPTIONAL | FIELD_SUMMARY, REC(last_error), NO_INPUT,
	  .doc = "最近一次推送失败的原因（成功后清除）" },
	{ .name = "failures", .column = "failures", .kind = FIELD_INT,
	  .flags = FIELD_READONLY | FIELD_SUMMARY, REC(failures), NO_INPUT, .max = INT32_MAX,
	  .doc = "连续失败的次数（成功后归零）" },
	{ .name = "place_region", .column = "COALESCE(bots.region_code, " STATION_OF("region_code") ")",
	  .kind = FIELD_TEXT, .flags = FIELD_READONLY, .vis = FIELD_HIDDEN, REC(place_region),
	  NO_INPUT },
	{ .name = "hub_id", .column = STATION_OF("parent_id"), .kind = FIELD_INT64,
	  .flags = FIELD_READONLY, .vis = FIELD_HIDDEN, REC(hub_id), NO_INPUT },
};
/* clang-format on */

const struct noun bot_noun = {
	.name = "bot",
	.table = "bots",
	.fields = bot_fields,
	.nfields = sizeof(bot_fields) / sizeof(bot_fields[0]),
};

/* The webhook address */

static bool is_loopback(const char *host, size_t len)
{
	static const char *const names[] = { "127.0.0.1", "localhost", "[::1]" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (len == strlen(names[i]) && !strncasecmp(host, names[i], len))
			return true;
	return false;
}

/* Where the authority (host and port) of url starts, after "scheme://";
 * 0 when url is neither https:// nor http://. */
static size_t authority_at(const char *url, bool *https)
{
	*https = !strncasecmp(url, "https://", 8);
	if (*https)
		return 8;
	return !strncasecmp(url, "http://", 7) ? 7 : 0;
}

static bool host_ok(const char *host, size_t len)
{
	if (!len)
		return false;
	if (host[0] == '[') {
		if (len < 3 || host[len - 1] != ']')
			return false;
		for (size_t i = 1; i + 1 < len; i++)
			if (!strchr("0123456789abcdefABCDEF:.", host[i]))
				return false;
		return true;
	}
	for (size_t i = 0; i < len; i++) {
		char c = host[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.'))
			return false;
	}
	return host[0] != '.' && host[0] != '-';
}

static bool port_ok(const char *p, size_t len)
{
	if (!len || len > 5)
		return false;
	long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (p[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

void bot_url_check(const char *url, struct problem *prob)
{
	if (!url || !*url)
		return; /* the table's check names a missing one */
	size_t len = strlen(url);
	if (len > BOT_URL_MAX_BYTES) {
		problem_field(prob, "url", "Webhook 地址最长 %d 字节", BOT_URL_MAX_BYTES);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)url[i];
		if (c <= 0x20 || c >= 0x7f) {
			problem_field(prob, "url", "地址不能含空格、控制字符或未编码的中文");
			return;
		}
	}
	if (strstr(url, "****")) {
		problem_field(prob, "url", "这是打码后的地址，请粘贴完整的 Webhook 地址");
		return;
	}
	bool https;
	size_t at = authority_at(url, &https);
	if (!at) {
		problem_field(prob, "url", "请填写完整的 Webhook 地址，以 https:// 开头");
		return;
	}
	const char *auth = url + at;
	size_t alen = strcspn(auth, "/?#");
	if (memchr(auth, '@', alen)) {
		problem_field(prob, "url", "地址里不能带用户名或密码");
		return;
	}
	/* host, or [v6], then an optional :port */
	size_t hlen = alen;
	if (auth[0] == '[') {
		const char *close = memchr(auth, ']', alen);
		hlen = close ? (size_t)(close - auth) + 1 : alen;
	} else {
		const char *colon = memchr(auth, ':', alen);
		if (colon)
			hlen = (size_t)(colon - auth);
	}
	bool port_given = hlen < alen;
	if (!host_ok(auth, hlen) ||
	    (port_given && (auth[hlen] != ':' || !port_ok(auth + hlen + 1, alen - hlen - 1)))) {
		problem_field(prob, "url", "地址的主机名或端口不对");
		return;
	}
	if (!https && !is_loopback(auth, hlen))
		problem_field(prob, "url",
			      "只有本机地址（127.0.0.1、[::1]、localhost）可以用 http://，"
			      "其他地址请用 https://");
}

void bot_url_mask(const char *url, char out[BOT_MASKED_CAP])
{
	out[0] = '\0';
	if (!url || !*url)
		return;
	bool https;
	size_t at = authority_at(url, &https);
	if (!at) {
		/* Not an address we know how to read: none of it is shown. */
		text_copy(out, BOT_MASKED_CAP, "****");
		return;
	}
	size_t shown = at + strcspn(url + at, "/?#");
	const char *rest = url + shown;
	const char *q = strchr(rest, '?');
	if (q) {
		/* The path, and the first parameter's name: "…/send?key=". */
		size_t name = strcspn(q + 1, "=&#");
		shown = (size_t)(q - url) + 1 + name + (q[1 + name] == '=' ? 1 : 0);
	} else if (*rest == '/') {
		/* Without a query the key may be in the path: its first part only. */
		const char *slash = strchr(rest + 1, '/');
		shown = slash ? (size_t)(slash - url) + 1 : shown + 1;
	}
	size_t len = strlen(url), hidden = len - shown;
	/* Room for "****" and four characters. */
	if (shown > BOT_MASKED_CAP - 9)
		shown = BOT_MASKED_CAP - 9;
	memcpy(out, url, shown);
	size_t k = shown;
	if (hidden) {
		memcpy(out + k, "****", 4);
		k += 4;
		/* Four characters of a key long enough to spare them. */
		if (hidden >= 12) {
			memcpy(out + k, url + len - 4, 4);
			k += 4;
		}
	}
	out[k] = '\0';
}

/* Matching, retries, signatures */

bool bot_matches(const struct bot_target *b, const char *topic, const char *object_id,
		 const char *region_code, int64_t station_id)
{
	if (!topic)
		return false;
	if (!strcmp(topic, BOT_TEST_TOPIC)) {
		char *end = NULL;
		long long id = object_id ? strtoll(object_id, &end, 10) : 0;
		return end && !*end && id == b->id;
	}
	if (!(b->topics & bot_topic_bit(topic)))
		return false;
	if (b->station_id)
		return station_id == b->station_id;
	return b->region_code[0] && region_code &&
	       !strncmp(region_code, b->region_code, strlen(b->region_code));
}

int64_t bot_backoff_s(int attempts)
{
	static const int64_t steps[] = { 10, 30, 120, 600, 3600, 3 * 3600, 6 * 3600, 12 * 3600 };
	const int nsteps = (int)(sizeof(steps) / sizeof(steps[0]));
	if (attempts < 1)
		attempts = 1;
	return steps[attempts > nsteps ? nsteps - 1 : attempts - 1];
}

void bot_dingtalk_sign(const char *secret, int64_t timestamp_ms, char out[BOT_SIGN_CAP])
{
	struct sb msg = SB_INIT;
	sb_add_int(&msg, (long long)timestamp_ms);
	sb_addc(&msg, '\n');
	sb_adds(&msg, secret);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)sb_str(&msg), msg.len);
	crypto_auth_hmacsha256_final(&st, mac);
	sb_release(&msg);
	char b64[sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES,
					   sodium_base64_VARIANT_ORIGINAL)];
	sodium_bin2base64(b64, sizeof(b64), mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
	/* URL-encoded: base64's +, / and = are not plain in a query. */
	size_t k = 0;
	for (const char *p = b64; *p && k + 4 < BOT_SIGN_CAP; p++) {
		const char *esc = *p == '+' ? "%2B" : *p == '/' ? "%2F" : *p == '=' ? "%3D" : NULL;
		if (esc) {
			memcpy(out + k, esc, 3);
			k += 3;
		} else {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
}

/* Reading */

static void finish(struct bot *b)
{
	bot_url_mask(b->url, b->url_masked);
}

enum rc bot_get(struct db *db, int64_t id, struct bot *out, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db, field_select(&bot_noun, "WHERE id = $1"), &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) != 1) {
		db_rows_free(rows);
		return problem_set(prob, RC_NOT_FOUND, "not-found", "没有这个群机器人");
	}
	memset(out, 0, sizeof(*out));
	field_from_row(&bot_noun, rows, 0, 0, out);
	db_rows_free(rows);
	finish(out);
	return RC_OK;
}

static struct scope_target target_of(const struct bot *b)
{
	return (struct scope_target){ .region = b->place_region,
				      .station_id = b->station_id,
				      .hub_id = b->hub_id };
}

static bool may_manage(const struct principal *p, const struct bot *b)
{
	struct scope_target t = target_of(b);
	return permission_allows(p, ACT_BOT_MANAGE, &t);
}

enum rc bot_read(struct db *db, const struct principal *viewer, int64_t id, struct bot *out,
		 struct problem *prob)
{
	enum rc rc = bot_get(db, id, out, prob);
	if (rc == RC_OK && !may_manage(viewer, out))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权管理这个群机器人");
	return rc;
}

/* The place a bot lies, as its write leaves it. */
struct place {
	int64_t station_id; /* 0: a region */
	char region[REGION_CODE_MAX];
	int64_t hub_id;
	char station_region[REGION_CODE_MAX];
};

static enum rc station_place(struct db *db, int64_t id, struct place *pl, struct problem *prob)
{
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT region_code, COALESCE(parent_id, 0) FROM stations WHERE id = $1",
			  &rows, prob, DB_I(id));
	if (rc != RC_OK)
		return rc;
	if (db_rows_count(rows) == 1) {
		pl->station_id = id;
		text_copy(pl->station_region, sizeof(pl->station_region), db_rows_text(rows, 0, 0));
		pl->hub_id = db_rows_int(rows, 0, 1);
	} else {
		problem_field(prob, "station_id", "没有这个驿站：%lld", (long long)id);
	}
	db_rows_free(rows);
	return RC_OK;
}

static enum rc region_place(struct db *db, const char *code, struct place *pl, struct problem *prob)
{
	char norm[REGION_CODE_MAX];
	if (!region_code_normalize(code, norm) || strlen(norm) < 6) {
		problem_field(prob, "region_code",
			      "区域应为区县（6 位）、街道（9 位）或社区（12 位）代码");
		return RC_OK;
	}
	struct region r;
	struct problem lookup;
	problem_init(&lookup);
	enum rc rc = region_get(db, norm, &r, &lookup);
	if (rc == RC_NOT_FOUND) {
		problem_field(prob, "region_code", "没有这个区域代码：%s", norm);
		return RC_OK;
	}
	if (rc != RC_OK) {
		*prob = lookup;
		return rc;
	}
	text_copy(pl->region, sizeof(pl->region), norm);
	return RC_OK;
}

static bool given_text(bool has, const char *s)
{
	return has && s && *s;
}

/* Checks in against the bot as it is (cur; NULL for a create) and works out
 * its place after the write into *pl. Field errors into prob; a database
 * failure returned. */
static enum rc validate(struct db *db, const struct bot_input *in, const struct bot *cur,
			struct place *pl, struct problem *prob)
{
	bool create = !cur;
	field_check(&bot_noun, in, create, prob);
	if (in->has_url)
		bot_url_check(in->url, prob);
	const char *kind = in->has_kind && in->kind ? in->kind : cur ? cur->kind : "";
	if (given_text(in->has_secret, in->secret) && !strcmp(kind, "wecom"))
		problem_field(prob, "secret", "企业微信机器人没有加签密钥，请留空");
	if ((create || in->has_topics) && !in->topics)
		problem_field(prob, "topics", "请至少选择一种要推送的事件");

	memset(pl, 0, sizeof(*pl));
	bool station = in->has_station_id && in->station_id;
	bool region = given_text(in->has_region, in->region_code);
	if (station && region) {
		problem_field(prob, "region_code", "驿站和区域只能选一个");
		return RC_OK;
	}
	enum rc rc = RC_OK;
	if (station) {
		rc = station_place(db, in->station_id, pl, prob);
	} else if (region) {
		rc = region_place(db, in->region_code, pl, prob);
	} else if (cur && !in->has_station_id && !in->has_region) {
		pl->station_id = cur->station_id;
		text_copy(pl->region, sizeof(pl->region), cur->region_code);
		text_copy(pl->station_region, sizeof(pl->station_region), cur->place_region);
		pl->hub_id = cur->hub_id;
	} else {
		problem_field(prob, in->has_region ? "region_code" : "station_id",
			      "请选择所属驿站（station_id）或区域（region_code）");
	}
	return rc;
}

static struct scope_target place_target(const struct place *pl)
{
	return (struct scope_target){ .region = pl->station_id ? pl->station_region : pl->region,
				      .station_id = pl->station_id,
				      .hub_id = pl->hub_id };
}

/* The input as stored: the place's two columns both written (one of them
 * NULL), the region normalized, and no secret for a WeCom bot. */
static struct bot_input stored_input(const struct bot_input *in, const struct place *pl, bool moved,
				     const char *kind)
{
	struct bot_input s = *in;
	if (moved) {
		s.has_station_id = s.has_region = true;
		s.station_id = pl->station_id;
		s.region_code = pl->station_id ? NULL : pl->region;
	}
	if (!strcmp(kind, "wecom")) {
		s.has_secret = true;
		s.secret = NULL;
	}
	return s;
}

static enum rc audited(struct db_tx *tx, const struct actor *actor, const char *action, int64_t id,
		       const char *region, const struct bot_input *in, struct problem *prob)
{
	struct audit_detail d;
	audit_detail_init(&d);
	if (in) {
		/* Names only: the values may be the secret. */
		struct sb names = SB_INIT;
		field_given_names(&bot_noun, in, &names);
		audit_detail_str(&d, "fields", sb_str(&names));
		sb_release(&names);
	}
	enum rc rc = audit_record_id(tx, actor, action, "bot", id, region, &d, prob);
	audit_detail_release(&d);
	return rc;
}

enum rc bot_create(struct db_tx *tx, const struct actor *actor, const struct bot_input *in,
		   int64_t *id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct place pl;
	enum rc rc = validate(db, in, NULL, &pl, prob);
	if (rc != RC_OK)
		return rc;
	if (problem_has_fields(prob))
		return RC_INVALID;
	struct scope_target t = place_target(&pl);
	if (!permission_allows(actor->p, ACT_BOT_MANAGE, &t))
		return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权在这里设置群机器人");
	int64_t now = clock_now_s();
	const struct field_extra extra[] = {
		{ "created_s", DB_I(now), NULL },
		{ "updated_s", DB_I(now), NULL },
	};
	struct bot_input row = stored_input(in, &pl, true, in->kind ? in->kind : "");
	rc = field_insert(tx, &bot_noun, &row, extra, 2, id, prob);
	return rc == RC_OK ? audited(tx, actor, "bot.create", *id, t.region, in, prob) : rc;
}

enum rc bot_update(struct db_tx *tx, const struct actor *actor, int64_t id,
		   const struct bot_input *in, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct bot *cur = xmalloc(sizeof(*cur));
	struct place pl = { 0 };
	enum rc rc = bot_read(db, actor->p, id, cur, prob);
	if (rc == RC_OK)
		rc = validate(db, in, cur, &pl, prob);
	if (rc == RC_OK && problem_has_fields(prob))
		rc = RC_INVALID;
	struct scope_target t = place_target(&pl);
	bool moved = in->has_station_id || in->has_region;
	if (rc == RC_OK && moved && !permission_allows(actor->p, ACT_BOT_MANAGE, &t))
		rc = problem_set(prob, RC_FORBIDDEN, "forbidden", "无权在这里设置群机器人");
	struct bot_input row = { 0 };
	if (rc == RC_OK)
		row = stored_input(in, &pl, moved, in->has_kind && in->kind ? in->kind : cur->kind);
	free(cur);
	if (rc != RC_OK)
		return rc;
	/* A new address, or a bot switched back on, is tried at once. */
	bool fresh = in->has_url || (in->has_enabled && in->enabled);
	int64_t now = clock_now_s();
	const struct field_extra extra[] = {
		{ "updated_s", DB_I(now), NULL },
		{ "failures", DB_I(0), NULL },
		{ "retry_s", DB_NUL, NULL },
	};
	rc = field_update(tx, &bot_noun, id, &row, extra, fresh ? 3 : 1, prob);
	if (rc == RC_OK && fresh)
		rc = db_q(db,
			  "UPDATE bot_deliveries SET next_s = $1"
			  " WHERE bot_id = $2 AND state = 'pending' AND next_s > $1",
			  NULL, prob, DB_I(now), DB_I(id));
	return rc == RC_OK ? audited(tx, actor, "bot.update", id, t.region, in, prob) : rc;
}

enum rc bot_delete(struct db_tx *tx, const struct actor *actor, int64_t id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct bot *cur = xmalloc(sizeof(*cur));
	enum rc rc = bot_read(db, actor->p, id, cur, prob);
	char region[REGION_CODE_MAX] = "";
	if (rc == RC_OK)
		text_copy(region, sizeof(region), cur->place_region);
	free(cur);
	if (rc == RC_OK)
		rc = db_q(db, "DELETE FROM bot_deliveries WHERE bot_id = $1", NULL, prob, DB_I(id));
	if (rc == RC_OK)
		rc = db_q(db, "DELETE FROM bots WHERE id = $1", NULL, prob, DB_I(id));
	return rc == RC_OK ? audited(tx, actor, "bot.delete", id, region, NULL, prob) : rc;
}

enum rc bot_test(struct db_tx *tx, const struct actor *actor, int64_t id, struct problem *prob)
{
	struct db *db = db_tx_db(tx);
	struct bot *cur = xmalloc(sizeof(*cur));
	enum rc rc = bot_read(db, actor->p, id, cur, prob);
	if (rc == RC_OK && !cur->enabled)
		rc = problem_set(prob, RC_CONFLICT, "bot-disabled",
				 "这个群机器人已停用，启用后再测试");
	char sid[24], region[REGION_CODE_MAX] = "";
	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	struct event_audience to = { 0 };
	if (rc == RC_OK) {
		text_copy(region, sizeof(region), cur->place_region);
		to.region_code = region;
		to.station_id = cur->station_id;
	}
	free(cur);
	if (rc == RC_OK)
		rc = events_record_to(tx, BOT_TEST_TOPIC, sid, &to, prob);
	return rc == RC_OK ? audited(tx, actor, "bot.test", id, region, NULL, prob) : rc;
}

/* Listing */

#define LIST_BATCH 200

enum rc bot_list(struct db *db, const struct principal *viewer, const struct bot_filter *f,
		 struct bot_page *page, struct problem *prob)
{
	memset(page, 0, sizeof(*page));
	const char *region = f->region && *f->region ? f->region : NULL;
	if (f->station_id) {
		struct place pl = { 0 };
		struct problem lookup;
		problem_init(&lookup);
		enum rc rc = station_place(db, f->station_id, &pl, &lookup);
		if (rc != RC_OK) {
			*prob = lookup;
			return rc;
		}
		struct scope_target t = place_target(&pl);
		if (!pl.station_id || !permission_allows(viewer, ACT_BOT_MANAGE, &t))
			return problem_set(prob, RC_FORBIDDEN, "forbidden",
					   "无权管理驿站 %lld 的群机器人",
					   (long long)f->station_id);
	}
	if (region) {
		char mine[PRINCIPAL_GRANTS_MAX][SCOPE_MAX];
		size_t n = permission_regions(viewer, ACT_BOT_MANAGE, mine, PRINCIPAL_GRANTS_MAX);
		bool within = false;
		for (size_t i = 0; i < n && !within; i++)
			within = !mine[i][0] || scope_within(mine[i], region);
		if (!within)
			return problem_set(prob, RC_FORBIDDEN, "forbidden", "无权查看区域 %s",
					   region);
	}
	struct db_val params[4];
	size_t np = 0;
	char like[REGION_CODE_MAX + 2] = "";
	struct sb where = SB_INIT;
	sb_addlit(&where, "WHERE id > $1");
	params[np++] = DB_I(f->after_id);
	if (f->station_id) {
		params[np++] = DB_I(f->station_id);
		sb_addf(&where, " AND station_id = $%zu", np);
	}
	if (region) {
		snprintf(like, sizeof(like), "%s%%", region);
		params[np++] = DB_T(like);
		sb_addf(&where,
			" AND COALESCE(bots.region_code, " STATION_OF("region_code") ") LIKE $%zu",
			np);
	}
	params[np++] = DB_I(LIST_BATCH);
	sb_addf(&where, " ORDER BY id LIMIT $%zu", np);
	const char *sql = field_select(&bot_noun, sb_str(&where));
	sb_release(&where);
	size_t cap = f->limit + 1, n = 0;
	page->items = xcalloc(cap, sizeof(*page->items));
	for (;;) {
		struct db_rows *rows = NULL;
		enum rc rc = db_exec(db, sql, params, np, &rows, prob);
		if (rc != RC_OK) {
			bot_page_release(page);
			return rc;
		}
		size_t got = db_rows_count(rows);
		for (size_t i = 0; i < got && n < cap; i++) {
			struct bot *b = &page->items[n];
			memset(b, 0, sizeof(*b));
			field_from_row(&bot_noun, rows, i, 0, b);
			params[0] = DB_I(b->id);
			if (!may_manage(viewer, b))
				continue;
			finish(b);
			n++;
		}
		db_rows_free(rows);
		if (n == cap || got < LIST_BATCH)
			break;
	}
	if (n > f->limit) {
		n = f->limit;
		page->next_after_id = page->items[n - 1].id;
	}
	page->n = n;
	return RC_OK;
}

void bot_page_release(struct bot_page *page)
{
	free(page->items);
	memset(page, 0, sizeof(*page));
}

enum rc bot_deliveries(struct db *db, int64_t bot_id, size_t limit, struct bot_delivery_row **out,
		       size_t *n, struct problem *prob)
{
	*out = NULL;
	*n = 0;
	struct db_rows *rows = NULL;
	enum rc rc = db_q(db,
			  "SELECT id, outbox_id, topic, state, attempts, next_s, last_error,"
			  " created_s, sent_s FROM bot_deliveries WHERE bot_id = $1"
			  " ORDER BY id DESC LIMIT $2",
			  &rows, prob, DB_I(bot_id), DB_I((int64_t)limit));
	if (rc != RC_OK)
		return rc;
	size_t count = db_rows_count(rows);
	struct bot_delivery_row *r = xcalloc(count ? count : 1, sizeof(*r));
	for (size_t i = 0; i < count; i++) {
		r[i].id = db_rows_int(rows, i, 0);
		r[i].outbox_id = db_rows_int(rows, i, 1);
		text_copy(r[i].topic, sizeof(r[i].topic), db_rows_text(rows, i, 2));
		text_copy(r[i].state, sizeof(r[i].state), db_rows_text(rows, i, 3));
		r[i].attempts = (int)db_rows_int(rows, i, 4);
		r[i].next_s = db_rows_int(rows, i, 5);
		text_copy(r[i].last_error, sizeof(r[i].last_error), db_rows_text(rows, i, 6));
		r[i].created_s = db_rows_int(rows, i, 7);
		r[i].sent_s = db_rows_int(rows, i, 8);
	}
	db_rows_free(rows);
	*out = r;
	*n = count;
	return RC_OK;
}
