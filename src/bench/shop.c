/* yizhan-bench shop: redemptions per second in the love supermarket through
 * the real HTTP server, at --clients concurrent clients, next to a bare
 * one-row insert a transaction into the same database in the same run,
 * and the ledgers' invariants checked afterwards.
 *
 * The server (yizhan serve) runs on --db with the ledger key --key; this
 * program opens the same database and key, makes --items items at the
 * first station with a large stock, --clients accounts each with an API
 * token and points enough for the run, then gives each client a thread of
 * its own that POSTs /api/v1/shop/items/{id}/redeem (libcurl, one kept-alive
 * connection a client) for --seconds. The bare inserts are the same number
 * of threads, each running db_tx with one INSERT, for as long.
 *
 * Afterwards: no balance below zero, each account's balance equal to the sum
 * of its points entries, each item's stock equal to what it received less
 * what went out (the sum of its moves), as many redeemed moves as
 * redemptions, and the stock chains verified. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"
#include "core/xalloc.h"
#include "domain/chain.h"
#include "domain/points.h"
#include "domain/secret.h"
#include "domain/session.h"
#include "domain/shop.h"

struct shop_config {
	int64_t clients, seconds, items;
	const char *db, *url, *key;
};

#define OPT(field) offsetof(struct shop_config, field)

static const struct config_option shop_options[] = {
	{ "clients", NULL, "64", CONFIG_INT, OPT(clients), 1, 1024, "同时兑换的客户端数" },
	{ "seconds", NULL, "10", CONFIG_INT, OPT(seconds), 1, 600, "兑换和对照插入各测多少秒" },
	{ "items", NULL, "8", CONFIG_INT, OPT(items), 1, 64, "商品件数（客户端轮流分到）" },
	{ "db", NULL, "", CONFIG_STR, OPT(db), 0, 0, "服务器所用的数据库（已 seed-demo）" },
	{ "url", NULL, "", CONFIG_STR, OPT(url), 0, 0, "服务器地址，如 http://127.0.0.1:8080" },
	{ "key", NULL, "", CONFIG_STR, OPT(key), 0, 0, "服务器所用的账本密钥文件" },
};

struct client {
	pthread_t thread;
	const char *url;
	char path[96];
	char auth[SESSION_TOKEN_CAP + 32];
	struct db *db;
	int64_t key;
	int64_t ok, refused, failed;
};

static atomic_bool running;

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

static void *redeem_loop(void *arg)
{
	struct client *c = arg;
	CURL *h = curl_easy_init();
	char url[256];
	snprintf(url, sizeof(url), "%s%s", c->url, c->path);
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, c->auth);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{\"qty\":1}");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	while (atomic_load(&running)) {
		long status = 0;
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (status == 201)
			c->ok++;
		else if (status == 409)
			c->refused++;
		else
			c->failed++;
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return NULL;
}

static enum rc ref_one(struct db_tx *tx, void *ctx, struct problem *prob)
{
	struct client *c = ctx;
	return db_q(db_tx_db(tx), "INSERT INTO bench_shop_ref (a, b) VALUES ($1, $2)", NULL, prob,
		    DB_I(c->key), DB_I(c->key * 7));
}

static void *insert_loop(void *arg)
{
	struct client *c = arg;
	while (atomic_load(&running)) {
		struct problem prob;
		problem_init(&prob);
		c->key++;
		if (db_tx(c->db, ref_one, c, &prob) == RC_OK)
			c->ok++;
		else
			c->failed++;
	}
	return NULL;
}

/* Runs fn on every client for seconds; the rate of c->ok a second. */
static double run_phase(struct client *cs, size_t n, void *(*fn)(void *), int64_t seconds,
			int64_t *ok, int64_t *refused, int64_t *failed)
{
	for (size_t i = 0; i < n; i++)
		cs[i].ok = cs[i].refused = cs[i].failed = 0;
	atomic_store(&running, true);
	int64_t t0 = clock_mono_us();
	for (size_t i = 0; i < n; i++)
		pthread_create(&cs[i].thread, NULL, fn, &cs[i]);
	struct timespec d = { .tv_sec = seconds };
	nanosleep(&d, NULL);
	atomic_store(&running, false);
	for (size_t i = 0; i < n; i++)
		pthread_join(cs[i].thread, NULL);
	int64_t us = clock_mono_us() - t0;
	*ok = *refused = *failed = 0;
	for (size_t i = 0; i < n; i++) {
		*ok += cs[i].ok;
		*refused += cs[i].refused;
		*failed += cs[i].failed;
	}
	return (double)*ok * 1e6 / (double)us;
}

struct prepare {
	const struct shop_config *cfg;
	struct client *cs;
	int64_t *items;
};

/* Items with stock at the first station, accounts with tokens and points. */
static enum rc prepare_tx(struct db_tx *tx, void *arg, struct problem *prob)
{
	struct prepare *p = arg;
	struct db *db = db_tx_db(tx);
	struct principal cli;
	principal_cli(&cli);
	struct actor actor = { .p = &cli, .ip = "127.0.0.1", .request_id = "bench" };
	struct db_rows *rows = NULL;
	enum rc rc = db_exec(db, "SELECT id FROM stations ORDER BY id LIMIT 1", NULL, 0, &rows,
			     prob);
	if (rc != RC_OK)
		return rc;
	int64_t station = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	if (!station)
		return problem_set(prob, RC_INTERNAL, "internal", "no station (run seed-demo)");
	for (int64_t i = 0; i < p->cfg->items && rc == RC_OK; i++) {
		char name[32];
		snprintf(name, sizeof(name), "压测商品%lld", (long long)i + 1);
		struct shop_item_input in = {
			.name = name, .has_name = true, .price_points = 1, .has_price = true
		};
		rc = shop_item_create(tx, &actor, station, &in, &p->items[i], prob);
		if (rc == RC_OK)
			rc = shop_stock_post(tx, 0, p->items[i], "received", 10000000, NULL, NULL,
					     NULL, prob);
	}
	int64_t now = clock_now_s();
	for (int64_t i = 0; i < p->cfg->clients && rc == RC_OK; i++) {
		char phone[12], name[32];
		snprintf(phone, sizeof(phone), "166%08u", (unsigned)(i % 100000000));
		snprintf(name, sizeof(name), "压测骑手%lld", (long long)i + 1);
		rows = NULL;
		rc = db_q(db,
			  "INSERT INTO accounts (phone, name, created_s, updated_s)"
			  " VALUES ($1, $2, $3, $3) RETURNING id",
			  &rows, prob, DB_T(phone), DB_T(name), DB_I(now));
		if (rc != RC_OK)
			break;
		int64_t account = db_rows_int(rows, 0, 0);
		db_rows_free(rows);
		struct api_token_new tok;
		rc = api_token_create(tx, &actor, account, "bench", &tok, prob);
		if (rc != RC_OK)
			break;
		struct points_post e = { .account_id = account,
					 .amount = POINTS_AMOUNT_MAX,
					 .reason = POINTS_REASON_CORRECTION,
					 .ref_kind = "bench",
					 .ref_id = account,
					 .note = "压测积分",
					 .created_s = now };
		rc = points_post(tx, &e, NULL, prob);
		struct client *c = &p->cs[i];
		snprintf(c->path, sizeof(c->path), "/api/v1/shop/items/%lld/redeem",
			 (long long)p->items[i % p->cfg->items]);
		snprintf(c->auth, sizeof(c->auth), "Authorization: Bearer %s", tok.token);
	}
	if (rc == RC_OK)
		rc = db_exec_script(
			db, "CREATE TABLE bench_shop_ref (a BIGINT NOT NULL, b BIGINT NOT NULL)",
			prob);
	return rc;
}

static int64_t one_int(struct db *db, const char *sql, struct problem *prob)
{
	struct db_rows *rows = NULL;
	if (db_exec(db, sql, NULL, 0, &rows, prob) != RC_OK)
		return -1;
	int64_t v = db_rows_count(rows) ? db_rows_int(rows, 0, 0) : 0;
	db_rows_free(rows);
	return v;
}

int bench_shop(int argc, char **argv)
{
	struct shop_config cfg = { 0 };
	int code = cli_parse("yizhan-bench shop",
			     "Times redemptions through the HTTP server at many clients against"
			     " bare one-row\ninserts in the same database, then checks the"
			     " ledgers' invariants.",
			     shop_options, sizeof(shop_options) / sizeof(shop_options[0]), &cfg,
			     argc, argv);
	if (code >= 0)
		return code;
	if (!*cfg.db || !*cfg.url || !*cfg.key) {
		fprintf(stderr, "yizhan-bench shop: --db, --url and --key are needed\n");
		return 2;
	}
	if (!secret_init())
		return 1;
	log_open(2, LOG_WARN, false);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct problem prob;
	problem_init(&prob);
	struct db *db = NULL;
	if (chain_key_load(cfg.key, false, NULL, &prob) != RC_OK ||
	    db_open(cfg.db, NULL, &db, &prob) != RC_OK) {
		fprintf(stderr, "yizhan-bench shop: %s\n", prob.detail);
		return 1;
	}
	size_t n = (size_t)cfg.clients;
	struct client *cs = xcalloc(n, sizeof(*cs));
	int64_t *items = xcalloc((size_t)cfg.items, sizeof(*items));
	struct prepare prep = { &cfg, cs, items };
	if (db_tx(db, prepare_tx, &prep, &prob) != RC_OK) {
		fprintf(stderr, "yizhan-bench shop: preparing: %s\n", prob.detail);
		db_close(db);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		cs[i].url = cfg.url;
		cs[i].db = db;
		cs[i].key = (int64_t)i * 100000000;
	}
	const char *engine = db_kind(db) == DB_KIND_SQLITE ? "SQLite" : "PostgreSQL";
	int64_t ok, refused, failed, ins_ok, ins_refused, ins_failed;
	double red = run_phase(cs, n, redeem_loop, cfg.seconds, &ok, &refused, &failed);
	double ins = run_phase(cs, n, insert_loop, cfg.seconds, &ins_ok, &ins_refused, &ins_failed);
	printf("shop %s: %lld clients, %lld s each: %lld redemptions (%lld refused, %lld failed),"
	       " %lld bare inserts (%lld failed)\n",
	       engine, (long long)cfg.clients, (long long)cfg.seconds, (long long)ok,
	       (long long)refused, (long long)failed, (long long)ins_ok, (long long)ins_failed);

	/* The invariants, after the run. */
	int64_t negative = one_int(db, "SELECT COUNT(*) FROM points_balances WHERE balance < 0",
				   &prob);
	int64_t off_balance = one_int(db,
				      "SELECT COUNT(*) FROM points_balances b WHERE b.balance <>"
				      " (SELECT COALESCE(SUM(e.amount), 0) FROM points_entries e"
				      " WHERE e.account_id = b.account_id)",
				      &prob);
	int64_t off_stock = one_int(
		db,
		"SELECT COUNT(*) FROM shop_items i WHERE i.stock <>"
		" (SELECT COALESCE(SUM(CASE WHEN m.qty > 0 THEN m.qty ELSE 0 END), 0)"
		" - COALESCE(SUM(CASE WHEN m.qty < 0 THEN -m.qty ELSE 0 END), 0)"
		" FROM stock_moves m WHERE m.item_id = i.id) OR i.stock < 0"
		" OR i.seq <> (SELECT COUNT(*) FROM stock_moves m WHERE m.item_id = i.id)",
		&prob);
	int64_t redemptions = one_int(db, "SELECT COUNT(*) FROM redemptions", &prob);
	int64_t redeemed = one_int(db, "SELECT COUNT(*) FROM stock_moves WHERE kind = 'redeemed'",
				   &prob);
	int64_t spent = one_int(db,
				"SELECT COALESCE(-SUM(amount), 0) FROM points_entries"
				" WHERE reason = 'redemption' AND ref_kind = 'redemption'",
				&prob);
	int64_t points_of = one_int(db, "SELECT COALESCE(SUM(points), 0) FROM redemptions", &prob);
	int64_t checked = 0, problems = 0;
	enum rc vrc = chain_verify(db, &shop_stock_chain, NULL, NULL, &checked, &problems, &prob);
	bool good = negative == 0 && off_balance == 0 && off_stock == 0 &&
		    redemptions == redeemed && spent == points_of && vrc == RC_OK && !problems;
	printf("shop %s invariants: balances below 0: %lld; balances not the sum of their"
	       " entries: %lld;\n  items whose stock is not received - out: %lld; redemptions"
	       " %lld = redeemed moves %lld; points spent %lld = redemptions' points %lld;\n"
	       "  stock chain: %lld moves verified, %lld problem(s): %s\n",
	       engine, (long long)negative, (long long)off_balance, (long long)off_stock,
	       (long long)redemptions, (long long)redeemed, (long long)spent, (long long)points_of,
	       (long long)checked, (long long)problems, good ? "all hold" : "BROKEN");
	printf("shop redemptions, %s: %.0f/s at %lld clients; bare inserts %.0f/s: %.2f of a bare"
	       " insert\n",
	       engine, red, (long long)cfg.clients, ins, ins > 0 ? red / ins : 0.0);
	free(cs);
	free(items);
	db_close(db);
	return good && failed == 0 ? 0 : 1;
}
