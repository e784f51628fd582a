/* Station photos: upload (the picture itself as the body), remove, and the
 * pictures served back. An upload is the domain's two steps: the picture
 * checked, made and stored (photo_upload_prepare), then its row committed
 * (station_photo_add): the answer 201 means the picture is on disk and
 * listed. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/render.h"
#include "api/reply.h"
#include "api/write.h"
#include "core/clock.h"
#include "domain/photo.h"
#include "domain/request.h"

/* Decoding is CPU work on a thread that answers requests: a few at a time
 * leave the others to the cheap ones. Their memory is app->photo_memory's
 * to bound. */
#define PHOTO_WORK_MAX 2

static const struct image_limits photo_limits = { .max_edge = 1600,
						  .thumb_edge = 360,
						  .quality = 82 };

json_t *render_photo(const struct photo *p)
{
	char url[64], thumb[80];
	snprintf(url, sizeof(url), "/api/v1/photos/%lld", (long long)p->id);
	snprintf(thumb, sizeof(thumb), "/api/v1/photos/%lld?size=thumb", (long long)p->id);
	return json_pack("{s:I,s:s,s:s,s:i,s:i,s:s,s:o}", "id", (json_int_t)p->id, "url", url,
			 "thumb_url", thumb, "width", p->width, "height", p->height, "caption",
			 p->caption, "added_at", json_time(p->added_s));
}

struct add_arg {
	int64_t station_id;
	char caption[PHOTO_CAPTION_BYTES]; /* trimmed and checked */
	struct photo_files files;
};

static enum rc add(struct db_tx *tx, struct http_req *req, const struct actor *actor, void *arg,
		   struct write_out *out, struct problem *prob)
{
	(void)req;
	struct add_arg *a = arg;
	struct photo p;
	enum rc rc = station_photo_add(tx, actor, a->station_id, &a->files, a->caption, &p, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	out->body = render_photo(&p);
	snprintf(out->location, sizeof(out->location), "/api/v1/photos/%lld", (long long)p.id);
	return RC_OK;
}

static bool is_image_type(const char *ct)
{
	static const char *const types[] = { "image/jpeg", "image/png", "image/webp" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (http_media_type_is(ct, types[i]))
			return true;
	return false;
}

/* The body is a picture of a type we take, and not empty; else answered
 * (415 or 422) and false. */
static bool picture_given(struct http_req *req, struct http_resp *resp, struct problem *prob)
{
	if (!is_image_type(http_req_header(req, "Content-Type"))) {
		problem_set(
			prob, RC_INVALID, "unsupported-media-type",
			"请上传照片本身：Content-Type 应为 image/jpeg、image/png 或 image/webp");
		prob->status = 415;
		reply_problem(req, resp, prob);
		return false;
	}
	if (!req->body_len) {
		problem_field(prob, "body", "没有收到照片 (empty body)");
		reply_problem(req, resp, prob);
		return false;
	}
	return true;
}

/* Decoding is CPU work on a thread that answers requests: a few at a time
 * leave the others to the cheap ones. True with a slot taken (give it back
 * with atomic_fetch_sub(&app->photo_work, 1)); else answered 503 and false. */
static bool photo_work_begin(struct http_req *req, struct http_resp *resp, struct problem *prob)
{
	struct app *app = req->app;
	if (atomic_fetch_add(&app->photo_work, 1) < PHOTO_WORK_MAX)
		return true;
	atomic_fetch_sub(&app->photo_work, 1);
	prob->retry_after_s = 2;
	problem_set(prob, RC_BUSY, "busy", "正在处理其他照片，请稍后重试 (busy, retry)");
	reply_problem(req, resp, prob);
	return false;
}

void h_station_photo_add(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct add_arg a = { 0 };
	if (!param_id(req, "id", &a.station_id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	if (!picture_given(req, resp, &prob))
		return;
	if (!photo_work_begin(req, resp, &prob))
		return;
	struct image_limits lim = photo_limits;
	lim.budget = &app->photo_memory;
	struct actor actor = api_actor(req);
	enum rc rc = photo_upload_prepare(app->db, &actor, a.station_id, req->body, req->body_len,
					  http_req_query(req, "caption"), &lim, &app->photos,
					  a.caption, &a.files, &prob);
	atomic_fetch_sub(&app->photo_work, 1);
	if (rc != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, add, &a);
}

struct remove_arg {
	int64_t station_id, photo_id;
};

static enum rc remove_photo(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			    void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct remove_arg *a = arg;
	out->status = 204;
	return station_photo_remove(tx, actor, a->station_id, a->photo_id, prob);
}

void h_station_photo_remove(struct http_req *req, struct http_resp *resp)
{
	struct problem prob;
	problem_init(&prob);
	struct remove_arg a;
	if (!param_id(req, "id", &a.station_id, &prob) ||
	    !param_id(req, "photo_id", &a.photo_id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, remove_photo, &a);
}

void h_photo_get(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	int64_t id;
	const char *size = http_req_query(req, "size");
	if (size && strcmp(size, "full") != 0 && strcmp(size, "thumb") != 0)
		problem_field(&prob, "size", "应为 full 或 thumb");
	struct photo p;
	if (!param_id(req, "id", &id, &prob) || problem_has_fields(&prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	/* A station's photo is anyone's; a request's, only for those who may
	 * read the request, and kept in no shared cache. */
	bool public = true;
	if (photo_get_public(app->db, id, &p, &prob) != RC_OK) {
		if (prob.rc != RC_NOT_FOUND) {
			reply_problem(req, resp, &prob);
			return;
		}
		problem_init(&prob);
		public = false;
		if (request_photo_get(app->db, req_principal(req), id, &p, &prob) != RC_OK) {
			reply_problem(req, resp, &prob);
			return;
		}
	}
	bool thumb = size && !strcmp(size, "thumb");
	const char *hex = thumb ? p.thumb_sha256 : p.sha256;
	/* The content under a name never changes: cache it for good. */
	char etag[BLOB_HASH_HEX + 2];
	snprintf(etag, sizeof(etag), "\"%s\"", hex);
	http_resp_header(resp, "ETag", etag);
	http_resp_header(resp, "Cache-Control",
			 public ? "public, max-age=31536000, immutable" : "private, max-age=86400");
	const char *inm = http_req_header(req, "If-None-Match");
	if (inm && strstr(inm, hex)) {
		resp->status = 304;
		return;
	}
	sb_reset(&resp->body);
	if (blob_read(&app->photos, hex, PHOTO_EXT, &resp->body, &prob) != RC_OK) {
		sb_reset(&resp->body);
		resp->nheaders = 0;
		reply_problem(req, resp, &prob);
		return;
	}
	resp->status = 200;
	resp->content_type = "image/jpeg";
}

/* A request's photo: the requester's picture of the problem (role
 * request) or the assignee's proof of the work (role proof). */
struct request_photo_arg {
	int64_t request_id;
	const char *role;
	struct photo_files files;
};

static enum rc add_to_request(struct db_tx *tx, struct http_req *req, const struct actor *actor,
			      void *arg, struct write_out *out, struct problem *prob)
{
	(void)req;
	struct request_photo_arg *a = arg;
	struct photo p;
	enum rc rc = request_photo_add(tx, actor, a->request_id, a->role, &a->files, &p, prob);
	if (rc != RC_OK)
		return rc;
	out->status = 201;
	out->body = render_photo(&p);
	json_object_del(out->body, "caption");
	json_object_set_new(out->body, "role", json_string(a->role));
	snprintf(out->location, sizeof(out->location), "/api/v1/photos/%lld", (long long)p.id);
	return RC_OK;
}

void h_request_photo_add(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	struct request_photo_arg a = { .role = http_req_query(req, "role") };
	if (!a.role)
		a.role = "request";
	if (!param_id(req, "id", &a.request_id, &prob)) {
		reply_problem(req, resp, &prob);
		return;
	}
	if (!picture_given(req, resp, &prob))
		return;
	struct actor actor = api_actor(req);
	/* A refusal costs nothing: asked before decoding. */
	if (request_photo_may_add(app->db, &actor, a.request_id, a.role, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	if (!photo_work_begin(req, resp, &prob))
		return;
	struct image_limits lim = photo_limits;
	lim.budget = &app->photo_memory;
	enum rc rc = photo_files_make(req->body, req->body_len, &lim, &app->photos, &a.files,
				      &prob);
	atomic_fetch_sub(&app->photo_work, 1);
	if (rc != RC_OK) {
		reply_problem(req, resp, &prob);
		return;
	}
	api_write(req, resp, add_to_request, &a);
}
