/* /api/v1/signup: a one-time code to the phone, then the profile; the
 * answer starts a session as signing in does. */
#include <string.h>

#include "api/app.h"
#include "api/fields.h"
#include "api/handlers.h"
#include "api/render.h"
#include "api/reply.h"
#include "core/phone.h"

void h_signup_code(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	static const char *const allowed[] = { "phone", NULL };
	fields_known(body, allowed, &prob);
	const char *phone = field_str(body, "phone", true, &prob);
	char canon[12], code[SIGNUP_CODE_LEN + 1];
	if (problem_has_fields(&prob) ||
	    signup_code_new(app->db, &app->signup, phone, req->client_ip, canon, code, &prob) !=
		    RC_OK) {
		reply_problem(req, resp, &prob);
		goto out;
	}
	if (!sms_send_code(app->sms, canon, code, (int)app->signup.ttl_s, "signup",
			   req->request_id)) {
		problem_set(&prob, RC_BUSY, "sms-busy", "短信通道繁忙，请稍后再试");
		prob.retry_after_s = 30;
		reply_problem(req, resp, &prob);
		goto out;
	}
	char masked[12];
	phone_mask(canon, masked);
	reply_json(resp, 202,
		   json_pack("{s:s,s:I,s:I}", "phone", masked, "expires_in_s",
			     (json_int_t)app->signup.ttl_s, "resend_after_s",
			     (json_int_t)app->signup.resend_s));
out:
	json_decref(body);
}

void h_signup(struct http_req *req, struct http_resp *resp)
{
	struct app *app = req->app;
	struct problem prob;
	problem_init(&prob);
	json_t *body = NULL;
	if (!body_object(req, resp, &body))
		return;
	const char *phone = field_str(body, "phone", true, &prob);
	const char *code = field_str(body, "code", true, &prob);
	if (phone && !phone_valid(phone))
		problem_field(&prob, "phone", "手机号应为 11 位中国大陆手机号");
	/* The rest is the profile: the fields a person may change of their own. */
	json_t *profile = json_deep_copy(body);
	json_object_del(profile, "phone");
	json_object_del(profile, "code");
	struct person_input in = { 0 };
	fields_parse(&person_noun, profile, &in, parse_person_custom, NULL, &prob);
	if (!in.has_consent || !in.consent_version || !*in.consent_version)
		problem_field(&prob, "consent_version", "请阅读并同意个人信息告知书");
	int64_t code_id = 0;
	struct signup_result r;
	if (problem_has_fields(&prob) || person_check_own(&in, &prob) != RC_OK ||
	    signup_code_check(app->db, &app->signup, phone, code, &code_id, &prob) != RC_OK ||
	    signup_complete(app->db, &app->session, code_id, phone, in.has_name ? in.name : NULL,
			    &in, req->client_ip, req->request_id, &r, &prob) != RC_OK) {
		reply_problem(req, resp, &prob);
		goto out;
	}
	json_t *o = render_session(app, &r.session);
	json_object_set_new(o, "person_id", json_integer(r.person.id));
	json_object_set_new(o, "new_account", json_boolean(r.new_account));
	session_cookie_set(req, resp, r.session.token, app->session.absolute_s);
	reply_json(resp, r.new_account ? 201 : 200, o);
out:
	json_decref(profile);
	json_decref(body);
}
