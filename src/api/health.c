/* Health, readiness and metrics: what an operator's probes and Prometheus
 * read. /readyz is not ready while the database is unreachable or refusing
 * writes. */
#include "api/app.h"
#include "api/handlers.h"
#include "api/reply.h"
#include "domain/verify.h"
#include "domain/login_throttle.h"
#include "http/server.h"

void h_healthz(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	static const char ok[] = "{\"status\":\"ok\"}";
	http_resp_json(resp, 200, ok, sizeof(ok) - 1);
}

void h_readyz(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	json_t *o = json_object();
	enum rc rc = db_ping(app->db, &prob);
	enum db_storage st = db_storage_state(app->db);
	const char *storage = st == DB_STORAGE_OK     ? "ok"
			      : st == DB_STORAGE_FULL ? "full"
						      : "failed";
	bool ready = rc == RC_OK && st == DB_STORAGE_OK;
	json_object_set_new(o, "status", json_string(ready ? "ok" : "unavailable"));
	json_object_set_new(o, "database", json_string(rc == RC_OK ? "reachable" : "unreachable"));
	json_object_set_new(o, "storage", json_string(storage));
	json_object_set_new(o, "schema_version",
			    json_integer(rc == RC_OK ? db_schema_version(app->db) : 0));
	reply_json(resp, ready ? 200 : 503, o);
}

void h_metrics(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	http_server_metrics(app->server, &resp->body);
	sb_addf(&resp->body,
		"# HELP yizhan_login_burst_total Bursts of failed sign-ins against one account from many"
		" addresses (%d within %d minutes).\n"
		"# TYPE yizhan_login_burst_total counter\nyizhan_login_burst_total %lu\n",
		LOGIN_BURST_ADDRESSES, LOGIN_BURST_WINDOW_S / 60,
		atomic_load_explicit(&app->login_bursts, memory_order_relaxed));
	/* The last verification of the ledgers' chains (yizhan verify or the
	 * server's own, --verify-ms); nothing before the first. */
	struct verify_run run;
	struct problem prob;
	problem_init(&prob);
	if (verify_last(app->db, &run, &prob) == RC_OK)
		sb_addf(&resp->body,
			"# HELP yizhan_ledger_verify_last_run_timestamp_seconds When the ledgers' "
			"chains were last verified.\n"
			"# TYPE yizhan_ledger_verify_last_run_timestamp_seconds gauge\n"
			"yizhan_ledger_verify_last_run_timestamp_seconds %lld\n"
			"# HELP yizhan_ledger_verify_last_run_entries Ledger entries the last "
			"verification checked.\n"
			"# TYPE yizhan_ledger_verify_last_run_entries gauge\n"
			"yizhan_ledger_verify_last_run_entries %lld\n"
			"# HELP yizhan_ledger_verify_last_run_problems Entries changed or removed that "
			"the last verification found.\n"
			"# TYPE yizhan_ledger_verify_last_run_problems gauge\n"
			"yizhan_ledger_verify_last_run_problems %lld\n",
			(long long)run.finished_s, (long long)run.entries, (long long)run.problems);
}

/* What the web page needs to know of this deployment. */
void h_config(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	json_t *tiles = app->tiles.url[0]
				? json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", app->tiles.name, "url",
					    app->tiles.url, "subdomains", app->tiles.subdomains,
					    "crs", app->tiles.crs, "attribution",
					    app->tiles.attribution)
				: json_null();
	/* The demo city's centre (宝鸡市 金台区), WGS-84; the page starts here
	 * when the phone will not say where it is. */
	json_t *o = json_pack("{s:o,s:i,s:{s:s,s:s,s:{s:f,s:f},s:i}}", "tiles", tiles, "walk_m",
			      app->walk_m, "city", "code", API_CITY_CODE, "name", API_CITY_NAME,
			      "center", "lat", 34.3650, "lng", 107.1460, "zoom", 14);
	reply_json(resp, 200, o);
}
