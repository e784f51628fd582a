/* Every handler of the route table, one group per resource file. */
#ifndef YZ_API_HANDLERS_H
#define YZ_API_HANDLERS_H

#include "http/http.h"

/* health.c */
void h_healthz(struct http_req *req, struct http_resp *resp);
void h_readyz(struct http_req *req, struct http_resp *resp);
void h_metrics(struct http_req *req, struct http_resp *resp);
/* openapi.c */
void h_openapi(struct http_req *req, struct http_resp *resp);
/* sessions.c */
void h_session_create(struct http_req *req, struct http_resp *resp);
void h_session_get(struct http_req *req, struct http_resp *resp);
void h_session_delete(struct http_req *req, struct http_resp *resp);
/* accounts.c */
void h_accounts_list(struct http_req *req, struct http_resp *resp);
void h_accounts_create(struct http_req *req, struct http_resp *resp);
void h_account_get(struct http_req *req, struct http_resp *resp);
void h_account_update(struct http_req *req, struct http_resp *resp);
void h_account_password(struct http_req *req, struct http_resp *resp);
void h_account_role_add(struct http_req *req, struct http_resp *resp);
void h_account_role_remove(struct http_req *req, struct http_resp *resp);
/* tokens.c */
void h_tokens_list(struct http_req *req, struct http_resp *resp);
void h_tokens_create(struct http_req *req, struct http_resp *resp);
void h_token_delete(struct http_req *req, struct http_resp *resp);
/* audit.c */
void h_audit_list(struct http_req *req, struct http_resp *resp);

#endif
