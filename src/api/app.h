/* The application a handler works in: the database, the session policy and
 * the server (for /metrics). Built by cli/serve.c and handed to every
 * request as req->app. Read-only while serving. */
#ifndef YZ_API_APP_H
#define YZ_API_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "db/db.h"
#include "domain/session.h"
#include "domain/signup.h"
#include "core/sms.h"
#include "api/tiles.h"
#include "core/blob.h"
#include "http/http.h"
#include "http/server.h"
#include "media/image.h"

/* The city this deployment serves (the demo city, 宝鸡市): its region
 * code, also its Open311 jurisdiction_id. */
#define API_CITY_CODE "6103"
#define API_CITY_NAME "宝鸡市"

struct http_server;
struct snapshot_store;
struct events;
struct stream_hub;

/* Who may read /metrics (--metrics-access). */
enum metrics_access {
	METRICS_PUBLIC,	  /* anyone */
	METRICS_LOOPBACK, /* clients on this machine (127.0.0.0/8, ::1) */
	METRICS_TOKEN,	  /* whoever sends Authorization: Bearer <the metrics token> */
};

struct app {
	struct db *db;
	struct session_policy session;
	struct procpool *passwords; /* hash and verify passwords (domain/secret.h) */
	struct http_server *server;
	bool cookie_secure;		  /* add Secure to cookies (behind HTTPS) */
	struct snapshot_store *stations;  /* the station snapshot (reads) */
	struct events *events;		  /* after-commit subscribers (domain/events.h) */
	struct stream_hub *streams;	  /* the live streams (api/stream.h) */
	const char *public_url;		  /* base of links printed in QR codes */
	int walk_m;			  /* the walking circle for coverage (metres) */
	struct tiles tiles;		  /* the map's base layer */
	struct blob_store photos;	  /* uploaded pictures (core/blob.h) */
	_Atomic int photo_work;		  /* uploads being decoded right now */
	struct image_budget photo_memory; /* what those may hold at once */
	enum metrics_access metrics_access;
	char metrics_token_hash[SECRET_HASH_LEN]; /* METRICS_TOKEN: SHA-256 of the token */
	atomic_ulong login_bursts; /* failed sign-ins from many addresses against one account */
	struct sms_sender *sms;	   /* sign-up codes (core/sms.h) */
	struct signup_policy signup;
};

/* The route table (api/routes.c): borrowed, static. */
const struct http_route *api_routes(size_t *n);
/* The error faces for http_server_config.error_faces (api/routes.c):
 * under /open311/ the server's own errors speak Open311. Borrowed, static. */
const struct http_error_face *api_error_faces(size_t *n);
/* The server's own error (status, detail) in Open311's error format, .xml
 * or .json by the path (api/open311.c). */
void open311_error_answer(struct http_req *req, struct http_resp *resp, int status,
			  const char *detail);
/* The authentication hook for http_server_config.auth. */
bool api_auth(struct http_req *req, struct http_resp *resp);

#endif
