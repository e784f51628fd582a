/* Tests of src/domain/bot.c and src/domain/bot_delivery.c: a webhook
 * address is masked to its host, path start and the key's last four
 * characters, and checked (https, http only on this machine); events go to
 * the bots whose topics and place they match; retries back off to twelve
 * hours; DingTalk's signature matches a vector computed elsewhere; the
 * messages' format; the commands' checks of place and scope on a fresh
 * SQLite store; the scanner waits for an outbox id committed late, then
 * gives it up; a failed post is retried later and given up after a day. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/bot.h"
#include "domain/bot_delivery.h"
#include "fixture.h"

static struct fx_engine eng;
static struct db *db;

static int setup(void **state)
{
	(void)state;
	db = fx_fresh(&eng);
	return db ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fx_close(&eng, db);
	db = NULL;
	return 0;
}

/* Pure parts */

static void expect_mask(const char *url, const char *want)
{
	char out[BOT_MASKED_CAP];
	bot_url_mask(url, out);
	assert_string_equal(out, want);
}

static void test_bot__mask_keeps_host_path_start_and_four_of_the_key(void **state)
{
	(void)state;
	expect_mask(
		"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa1b2",
		"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****a1b2");
	expect_mask(
		"https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef",
		"https://oapi.dingtalk.com/robot/send?access_token=****cdef");
	/* A key in the path: only the path's first part stays. */
	expect_mask("https://relay.example:8443/hooks/Zx81kQ7pLm0Aa/send",
		    "https://relay.example:8443/hooks/****send");
	/* A key too short to spare four characters shows none. */
	expect_mask("https://relay.example/send?k=abc123", "https://relay.example/send?k=****");
	expect_mask("http://127.0.0.1:9", "http://127.0.0.1:9");
	expect_mask("not a url at all", "****");
	/* However long the path, the mask fits and ends in the key's end. */
	char url[600] = "https://relay.example/";
	memset(url + strlen(url), 'p', 300);
	memcpy(url + strlen(url), "?key=0123456789WXYZ", sizeof("?key=0123456789WXYZ"));
	char out[BOT_MASKED_CAP];
	bot_url_mask(url, out);
	assert_true(strlen(out) < BOT_MASKED_CAP);
	assert_non_null(strstr(out, "****WXYZ"));
}

static void expect_url(const char *url, bool ok)
{
	struct problem prob;
	problem_init(&prob);
	bot_url_check(url, &prob);
	if (ok != !problem_has_fields(&prob))
		fail_msg("%s: %s", url, prob.nfields ? prob.fields[0].message : "accepted");
	if (!ok)
		assert_true(fx_has_field(&prob, "url"));
}

static void test_bot__url_is_https_or_http_on_this_machine(void **state)
{
	(void)state;
	expect_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", true);
	expect_url("https://oapi.dingtalk.com/robot/send?access_token=abc", true);
	expect_url("https://relay.example:8443/hook", true);
	expect_url("HTTPS://relay.example/hook", true);
	expect_url("http://127.0.0.1:8080/hook", true);
	expect_url("http://localhost/hook", true);
	expect_url("http://[::1]:9/hook", true);
	expect_url("https://[2001:db8::1]/hook", true);

	expect_url("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", false);
	expect_url("http://127.0.0.2/hook", false);
	expect_url("http://localhost.example/hook", false);
	expect_url("ftp://127.0.0.1/hook", false);
	expect_url("qyapi.weixin.qq.com/send", false);
	expect_url("https:///send", false);
	expect_url("https://user:pw@relay.example/hook", false);
	expect_url("https://relay.example:0/hook", false);
	expect_url("https://relay.example:99999/hook", false);
	expect_url("https://relay_example/hook", false);
	expect_url("https://relay.example/ho ok", false);
	expect_url("https://relay.example/钩子", false);
	expect_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****a1b2", false);
	char big[BOT_URL_MAX_BYTES + 40] = "https://relay.example/";
	memset(big + strlen(big), 'k', BOT_URL_MAX_BYTES);
	big[BOT_URL_MAX_BYTES + 1] = '\0';
	expect_url(big, false);
}

static void test_bot__events_match_topics_and_place(void **state)
{
	(void)state;
	struct bot_target street = { .id = 7,
				     .region_code = "610302001",
				     .topics = bot_topic_bit("request.dispatched") |
					       bot_topic_bit("request.escalated") };
	struct bot_target station = { .id = 8,
				      .station_id = 42,
				      .topics = bot_topic_bit("request.created") };
	assert_true(bot_matches(&street, "request.dispatched", "1", "610302001001", 42));
	assert_true(bot_matches(&street, "request.escalated", "1", "610302001", 0));
	assert_false(bot_matches(&street, "request.created", "1", "610302001001", 42));
	assert_false(bot_matches(&street, "request.dispatched", "1", "610302002001", 0));
	assert_false(bot_matches(&street, "request.dispatched", "1", NULL, 0));
	assert_false(bot_matches(&street, "station.changed", "1", "610302001001", 0));
	assert_true(bot_matches(&station, "request.created", "1", "610303001001", 42));
	assert_false(bot_matches(&station, "request.created", "1", "610302001001", 43));
	assert_false(bot_matches(&station, "request.created", "1", "610302001001", 0));
	/* A test message goes to the bot it names, whatever its topics. */
	assert_true(bot_matches(&station, BOT_TEST_TOPIC, "8", NULL, 0));
	assert_false(bot_matches(&street, BOT_TEST_TOPIC, "8", "610302001", 0));
	assert_false(bot_matches(&station, BOT_TEST_TOPIC, "8x", NULL, 0));
	assert_int_equal(bot_topic_bit("request.teleported"), 0);
	assert_string_equal(bot_topic_label("request.dispatched"), "已派单");
	assert_string_equal(bot_topic_label(BOT_TEST_TOPIC), "测试消息");
	assert_null(bot_topic_label("station.changed"));
}

static void test_bot__backoff_grows_to_twelve_hours(void **state)
{
	(void)state;
	const int64_t want[] = { 10, 30, 120, 600, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 12 * 3600 };
	for (int i = 0; i < 9; i++)
		assert_int_equal(bot_backoff_s(i + 1), want[i]);
	assert_int_equal(bot_backoff_s(100), 12 * 3600);
	/* Within a day a delivery is tried eight or nine times. */
	int64_t t = 0;
	int tries = 1;
	while (t + bot_backoff_s(tries) <= BOT_GIVE_UP_S)
		t += bot_backoff_s(tries++);
	assert_in_range(tries, 8, 9);
}

static void test_bot__dingtalk_sign_matches_a_known_vector(void **state)
{
	(void)state;
	/* Python: base64(hmac.new(secret, f"{ts}\n{secret}", sha256)), then
	 * urllib.parse.quote_plus. */
	char sign[BOT_SIGN_CAP];
	bot_dingtalk_sign("SECd3f8a1c2b4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
			  1764728520123LL, sign);
	assert_string_equal(sign, "AoqZ1GVJSNTvwivC8K1%2FUnv6eqHbXXMS9UTcloqISJk%3D");
}

static const char *DATA =
	"{\"number\":\"R20261203-0042\",\"kind\":\"order\",\"kind_label\":\"点单\","
	"\"title\":\"电动车没电了\",\"state\":\"dispatched\",\"state_label\":\"已派单\","
	"\"station\":\"龙腾路驿站\",\"region\":\"龙腾社区\",\"url\":\"/request.html?id=42\","
	"\"actor\":\"张三\",\"note\":\"请带充电器\"}";

static void expect_message(const char *kind, const char *topic, const char *data, const char *want)
{
	struct sb sb = SB_INIT;
	bot_message(kind, topic, data, "龙腾群", "https://yizhan.example/", &sb);
	assert_string_equal(sb_str(&sb), want);
	sb_release(&sb);
}

static void test_bot__messages_in_each_platforms_markdown(void **state)
{
	(void)state;
	expect_message(
		"wecom", "request.dispatched", DATA,
		"{\"msgtype\":\"markdown\",\"markdown\":{\"content\":\"**【已派单】电动车没电了**\\n"
		"> 编号 R20261203-0042 · 点单\\n> 龙腾路驿站 · 龙腾社区\\n> 张三：请带充电器\\n"
		"[查看详情](https://yizhan.example/request.html?id=42)\"}}");
	expect_message(
		"dingtalk", "request.escalated", DATA,
		"{\"msgtype\":\"markdown\",\"markdown\":{\"title\":\"【已升级督办】电动车没电了\","
		"\"text\":\"**【已升级督办】电动车没电了**\\n\\n> 编号 R20261203-0042 · 点单"
		"\\n\\n> 龙腾路驿站 · 龙腾社区\\n\\n> 张三：请带充电器\\n\\n"
		"[查看详情](https://yizhan.example/request.html?id=42)\"}}");
	/* Members missing, or no data at all. */
	expect_message("wecom", "request.created",
		       "{\"title\":\"路灯坏了\",\"region\":\"龙腾社区\"}",
		       "{\"msgtype\":\"markdown\",\"markdown\":{\"content\":"
		       "\"**【新提交】路灯坏了**\\n> 龙腾社区\"}}");
	expect_message(
		"wecom", "request.closed", "not json",
		"{\"msgtype\":\"markdown\",\"markdown\":{\"content\":\"**【已关闭】服务请求**\"}}");
	/* Text cannot become markup, a second line, or a link elsewhere. */
	expect_message("wecom", "request.created",
		       "{\"title\":\"[点我](https://evil.example) **急**\\n> 假行\","
		       "\"url\":\"javascript:alert(1)\"}",
		       "{\"msgtype\":\"markdown\",\"markdown\":{\"content\":"
		       "\"**【新提交】［点我］(https://evil.example) ＊＊急＊＊ ＞ 假行**\"}}");
	expect_message(
		"wecom", BOT_TEST_TOPIC, NULL,
		"{\"msgtype\":\"markdown\",\"markdown\":{\"content\":\"**【测试消息】龙腾群**\\n"
		"> 群机器人设置成功：驿站的服务消息会推送到这个群。\"}}");
}

static void test_bot__only_errcode_zero_is_accepted(void **state)
{
	(void)state;
	char err[BOT_ERROR_MAX_BYTES + 1];
	assert_true(bot_accepted(200, "{\"errcode\":0,\"errmsg\":\"ok\"}", "", err));
	assert_string_equal(err, "");
	assert_false(bot_accepted(200, "{\"errcode\":93000,\"errmsg\":\"invalid webhook url\"}", "",
				  err));
	assert_string_equal(err, "平台拒绝：errcode 93000 invalid webhook url");
	assert_false(bot_accepted(500, "oops", "", err));
	assert_string_equal(err, "应答 HTTP 500");
	assert_false(bot_accepted(200, "ok", "", err));
	assert_non_null(strstr(err, "errcode"));
	assert_false(bot_accepted(0, "", "Timeout was reached", err));
	assert_string_equal(err, "没有应答：Timeout was reached");
}

/* On a store */

struct create_arg {
	const struct actor *actor;
	struct bot_input in;
	int64_t id;
};

static enum rc create_fn(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct create_arg *c = arg;
	return bot_create(tx, c->actor, &c->in, &c->id, prob);
}

static struct bot_input bot_in(const char *url, const char *region, int64_t station)
{
	struct bot_input in = { 0 };
	in.has_name = in.has_kind = in.has_url = in.has_topics = true;
	in.name = "龙腾群";
	in.kind = "wecom";
	in.url = url;
	in.topics = bot_topic_bit("request.dispatched");
	if (region) {
		in.has_region = true;
		in.region_code = region;
	}
	if (station) {
		in.has_station_id = true;
		in.station_id = station;
	}
	return in;
}

static enum rc create(const struct actor *actor, struct bot_input in, int64_t *id,
		      struct problem *prob)
{
	struct create_arg c = { .actor = actor, .in = in };
	problem_init(prob);
	enum rc rc = db_tx(db, create_fn, &c, prob);
	*id = c.id;
	return rc;
}

static void test_bot__commands_check_the_place_and_who_manages_it(void **state)
{
	(void)state;
	struct principal admin, staff, manager;
	fx_principal(db, fx_account(db, "13900000001", "区管理员", "admin", FX_DISTRICT), &admin);
	fx_principal(db, fx_account(db, "13900000002", "街道", "staff", FX_STREET), &staff);
	struct actor aa = fx_actor(&admin), sa = fx_actor(&staff);
	int64_t here = fx_station(db, &aa, "龙腾驿站", FX_COMMUNITY);
	int64_t there = fx_station(db, &aa, "清姜驿站", "610302002001");
	char scope[32];
	snprintf(scope, sizeof(scope), "station:%lld", (long long)here);
	fx_principal(db, fx_account(db, "13900000003", "站长", "manager", scope), &manager);
	struct actor ma = fx_actor(&manager);
	const char *url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0123456789abcdef";
	struct problem prob;
	int64_t id = 0;

	assert_int_equal(create(&sa, bot_in(url, FX_STREET "000", 0), &id, &prob), RC_OK);
	struct bot b;
	assert_int_equal(bot_get(db, id, &b, &prob), RC_OK);
	assert_string_equal(b.region_code, FX_STREET); /* the padded form, normalized */
	assert_string_equal(b.region_name, "经二路街道");
	assert_string_equal(b.url_masked,
			    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****cdef");
	assert_true(b.enabled);
	int64_t street_bot = id;

	assert_int_equal(create(&ma, bot_in(url, NULL, here), &id, &prob), RC_OK);
	assert_int_equal(bot_get(db, id, &b, &prob), RC_OK);
	assert_int_equal(b.station_id, here);
	assert_string_equal(b.place_region, FX_COMMUNITY);
	assert_int_equal(create(&ma, bot_in(url, NULL, there), &id, &prob), RC_FORBIDDEN);
	assert_int_equal(create(&ma, bot_in(url, FX_COMMUNITY, 0), &id, &prob), RC_FORBIDDEN);
	assert_int_equal(create(&sa, bot_in(url, "610302002", 0), &id, &prob), RC_FORBIDDEN);
	assert_int_equal(bot_read(db, &manager, street_bot, &b, &prob), RC_FORBIDDEN);
	assert_int_equal(bot_read(db, &staff, street_bot, &b, &prob), RC_OK);

	/* Field errors, all at once, and nothing written. */
	int64_t before = fx_int(db, "SELECT COUNT(*) FROM bots");
	struct bot_input bad = bot_in("http://qyapi.weixin.qq.com/x", "61", 0);
	bad.kind = "slack";
	bad.topics = 0;
	assert_int_equal(create(&sa, bad, &id, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "url"));
	assert_true(fx_has_field(&prob, "kind"));
	assert_true(fx_has_field(&prob, "topics"));
	assert_true(fx_has_field(&prob, "region_code"));
	assert_int_equal(create(&sa, bot_in(url, NULL, 0), &id, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "station_id"));
	assert_int_equal(create(&sa, bot_in(url, FX_STREET, here), &id, &prob), RC_INVALID);
	assert_true(fx_has_field(&prob, "region_code"));
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM bots"), before);

	/* The audit names the fields, never the address. */
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'bot.create'"),
			 2);
	assert_int_equal(
		fx_int(db, "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%0123456789%'"), 0);
}

/* Writes an outbox row with a chosen id, as a transaction that committed
 * late would leave it. */
static void outbox_row(int64_t id, const char *topic, const char *region)
{
	struct problem prob = { 0 };
	if (db_q(db,
		 "INSERT INTO outbox (id, topic, object_id, created_s, region_code) VALUES ($1, $2,"
		 " '1', 1, $3)",
		 NULL, &prob, DB_I(id), DB_T(topic), DB_T(region)) != RC_OK)
		fail_msg("outbox %lld: %s", (long long)id, prob.detail);
}

static void scan(int64_t now, size_t want_queued)
{
	struct problem prob = { 0 };
	size_t queued = 0;
	bool more = false;
	assert_int_equal(bot_scan(db, now, &queued, &more, &prob), RC_OK);
	assert_int_equal(queued, want_queued);
	assert_false(more);
}

static void test_bot__scanner_waits_for_a_late_id_then_gives_it_up(void **state)
{
	(void)state;
	struct principal staff;
	fx_principal(db, fx_account(db, "13900000002", "街道", "staff", FX_STREET), &staff);
	struct actor sa = fx_actor(&staff);
	struct problem prob;
	int64_t id = 0;
	assert_int_equal(create(&sa, bot_in("http://127.0.0.1:1/x", FX_STREET, 0), &id, &prob),
			 RC_OK);
	int64_t base = fx_int(db, "SELECT scanned_id FROM bot_cursor");
	const int64_t now = 1800000000;

	/* base+2 is seen before base+1 commits: both are delivered, the cursor
	 * waits below the hole. */
	outbox_row(base + 2, "request.dispatched", FX_COMMUNITY);
	outbox_row(base + 3, "request.created", FX_COMMUNITY); /* a topic the bot did not take */
	scan(now, 1);
	assert_int_equal(fx_int(db, "SELECT scanned_id FROM bot_cursor"), base);
	scan(now + 1, 0); /* read again, delivered once */
	outbox_row(base + 1, "request.dispatched", FX_COMMUNITY);
	scan(now + 2, 1);
	assert_int_equal(fx_int(db, "SELECT scanned_id FROM bot_cursor"), base + 3);
	assert_int_equal(fx_int(db, "SELECT hole_since_s FROM bot_cursor"), 0);

	/* A hole that stays open (a rolled-back insert) is given up in time. */
	outbox_row(base + 5, "request.dispatched", "610302002001"); /* another street */
	outbox_row(base + 6, "request.dispatched", FX_STREET);
	scan(now + 10, 1);
	assert_int_equal(fx_int(db, "SELECT scanned_id FROM bot_cursor"), base + 3);
	scan(now + 10 + BOT_SCAN_HOLE_S - 1, 0);
	assert_int_equal(fx_int(db, "SELECT scanned_id FROM bot_cursor"), base + 3);
	scan(now + 10 + BOT_SCAN_HOLE_S, 0);
	assert_int_equal(fx_int(db, "SELECT scanned_id FROM bot_cursor"), base + 6);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM bot_deliveries"), 3);
	/* Nothing new: the scan does not even take the write lock. */
	scan(now + 100, 0);
}

static void test_bot__a_failed_post_is_retried_later_and_given_up_after_a_day(void **state)
{
	(void)state;
	struct principal staff;
	fx_principal(db, fx_account(db, "13900000002", "街道", "staff", FX_STREET), &staff);
	struct actor sa = fx_actor(&staff);
	struct problem prob;
	int64_t id = 0;
	/* Port 1 of this machine: refused at once. */
	assert_int_equal(create(&sa,
				bot_in("http://127.0.0.1:1/x?key=0123456789abcdef", FX_STREET, 0),
				&id, &prob),
			 RC_OK);
	int64_t base = fx_int(db, "SELECT scanned_id FROM bot_cursor");
	outbox_row(base + 1, "request.dispatched", FX_COMMUNITY);
	const int64_t now = 1800000000;
	scan(now, 1);
	struct webhook_client *wc = webhook_client_new();
	size_t claimed = 0;
	assert_int_equal(bot_send_due(db, wc, "https://yizhan.example", now, &claimed, &prob),
			 RC_OK);
	assert_int_equal(claimed, 1);
	assert_int_equal(fx_int(db, "SELECT attempts FROM bot_deliveries"), 1);
	int64_t next = fx_int(db, "SELECT next_s FROM bot_deliveries");
	assert_true(next >= now + 10);
	assert_int_equal(fx_int(db, "SELECT failures FROM bots"), 1);
	assert_true(fx_int(db, "SELECT retry_s FROM bots") >= now + 10);
	/* Not before its time, nor before the bot's. */
	assert_int_equal(bot_send_due(db, wc, "https://yizhan.example", now + 5, &claimed, &prob),
			 RC_OK);
	assert_int_equal(claimed, 0);
	assert_int_equal(bot_send_due(db, wc, "https://yizhan.example", next, &claimed, &prob),
			 RC_OK);
	assert_int_equal(claimed, 1);
	assert_int_equal(fx_int(db, "SELECT attempts FROM bot_deliveries"), 2);
	assert_int_equal(fx_int(db, "SELECT failures FROM bots"), 2);
	/* A day on, it is given up. */
	assert_int_equal(bot_sweep(db, now + BOT_GIVE_UP_S + 1, &prob), RC_OK);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM bot_deliveries WHERE state = 'dead'"), 1);
	assert_int_equal(bot_send_due(db, wc, "https://yizhan.example", now + 2 * BOT_GIVE_UP_S,
				      &claimed, &prob),
			 RC_OK);
	assert_int_equal(claimed, 0);
	/* And deleted a week on. */
	assert_int_equal(bot_sweep(db, now + BOT_KEEP_S + 1, &prob), RC_OK);
	assert_int_equal(fx_int(db, "SELECT COUNT(*) FROM bot_deliveries"), 0);
	webhook_client_free(wc);
}

int main(void)
{
	if (fx_sqlite_setup(&eng, "yz-bot") != 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bot__mask_keeps_host_path_start_and_four_of_the_key),
		cmocka_unit_test(test_bot__url_is_https_or_http_on_this_machine),
		cmocka_unit_test(test_bot__events_match_topics_and_place),
		cmocka_unit_test(test_bot__backoff_grows_to_twelve_hours),
		cmocka_unit_test(test_bot__dingtalk_sign_matches_a_known_vector),
		cmocka_unit_test(test_bot__messages_in_each_platforms_markdown),
		cmocka_unit_test(test_bot__only_errcode_zero_is_accepted),
		cmocka_unit_test_setup_teardown(
			test_bot__commands_check_the_place_and_who_manages_it, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_bot__scanner_waits_for_a_late_id_then_gives_it_up, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_bot__a_failed_post_is_retried_later_and_given_up_after_a_day, setup,
			teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	fx_engine_teardown(&eng);
	return failed;
}
