/* THE route table: every URL yizhan answers, with the permission it needs,
 * its body limit, its per-address rate limit and what the OpenAPI document
 * says of it. The router, 405 Allow, the permission check and
 * /api/v1/openapi.json all read this one table. */
#include "api/app.h"
#include "api/handlers.h"
#include "domain/permission.h"

#define KIB 1024

static const struct http_route routes[] = {
	{ "GET", "/healthz", h_healthz, ACT_PUBLIC, .tag = "ops",
	  .summary = "存活检查 (liveness)", .resp_schema = "Health" },
	{ "GET", "/readyz", h_readyz, ACT_PUBLIC, .tag = "ops",
	  .summary = "就绪检查：数据库可达 (readiness: database reachable)", .resp_schema = "Health" },
	{ "GET", "/metrics", h_metrics, ACT_PUBLIC, .tag = "ops",
	  .summary = "Prometheus 指标 (text format)" },
	{ "GET", "/api/v1/openapi.json", h_openapi, ACT_PUBLIC, .tag = "ops",
	  .summary = "本 API 的 OpenAPI 3.1 文档" },

	{ "POST", "/api/v1/session", h_session_create, ACT_PUBLIC, 4 * KIB, 30, .tag = "session",
	  .summary = "登录：手机号 + 密码，设置会话 Cookie，返回 CSRF 令牌",
	  .req_schema = "LoginRequest", .resp_schema = "Session", .ok_status = 201 },
	{ "GET", "/api/v1/session", h_session_get, ACT_SIGNED_IN, .tag = "session",
	  .summary = "当前登录的账号与角色", .resp_schema = "Session" },
	{ "DELETE", "/api/v1/session", h_session_delete, ACT_SIGNED_IN, .tag = "session",
	  .summary = "退出登录", .ok_status = 204 },

	{ "GET", "/api/v1/accounts", h_accounts_list, ACT_ACCOUNT_LIST, .tag = "accounts",
	  .summary = "账号列表（按编号翻页）", .resp_schema = "AccountPage",
	  .query = "q:string:姓名或手机号片段;after:integer:翻页游标（上一页的 next_after）;limit:integer:每页条数 1–200" },
	{ "POST", "/api/v1/accounts", h_accounts_create, ACT_ACCOUNT_CREATE, 16 * KIB, .tag = "accounts",
	  .summary = "创建账号", .req_schema = "AccountCreate", .resp_schema = "Account",
	  .ok_status = 201 },
	{ "GET", "/api/v1/accounts/{id}", h_account_get, ACT_SIGNED_IN, .tag = "accounts",
	  .summary = "查看账号（本人或有权限者）", .resp_schema = "Account" },
	{ "PATCH", "/api/v1/accounts/{id}", h_account_update, ACT_SIGNED_IN, 16 * KIB,
	  .tag = "accounts", .summary = "修改姓名", .req_schema = "AccountUpdate",
	  .resp_schema = "Account" },
	{ "PUT", "/api/v1/accounts/{id}/password", h_account_password, ACT_SIGNED_IN, 4 * KIB, 30,
	  .tag = "accounts", .summary = "设置密码（本人需提供当前密码）",
	  .req_schema = "PasswordChange", .ok_status = 204 },
	{ "POST", "/api/v1/accounts/{id}/roles", h_account_role_add, ACT_ROLE_GRANT, 4 * KIB,
	  .tag = "accounts", .summary = "授予角色（在授权人的范围和级别之内）",
	  .req_schema = "RoleGrantCreate", .resp_schema = "Account", .ok_status = 201 },
	{ "DELETE", "/api/v1/accounts/{id}/roles/{grant_id}", h_account_role_remove, ACT_ROLE_GRANT,
	  .tag = "accounts", .summary = "撤销角色", .ok_status = 204 },

	{ "GET", "/api/v1/tokens", h_tokens_list, ACT_TOKEN_MANAGE, .tag = "tokens",
	  .summary = "接口令牌列表（只显示元数据）", .resp_schema = "TokenList" },
	{ "POST", "/api/v1/tokens", h_tokens_create, ACT_TOKEN_MANAGE, 4 * KIB, .tag = "tokens",
	  .summary = "创建接口令牌（令牌只在此时显示一次）", .req_schema = "TokenCreate",
	  .resp_schema = "TokenCreated", .ok_status = 201 },
	{ "DELETE", "/api/v1/tokens/{id}", h_token_delete, ACT_TOKEN_MANAGE, .tag = "tokens",
	  .summary = "撤销接口令牌", .ok_status = 204 },

	{ "GET", "/api/v1/audit", h_audit_list, ACT_AUDIT_READ, .tag = "audit",
	  .summary = "审计日志（最新在前，按编号翻页）", .resp_schema = "AuditPage",
	  .query = "actor_id:integer:操作人账号编号;action:string:操作（如 role.grant，或前缀 role.）;"
		   "object_type:string:对象类型;object_id:string:对象编号;request_id:string:请求编号;"
		   "since:string:起始时间 RFC 3339;until:string:截止时间 RFC 3339;"
		   "before:integer:翻页游标（上一页的 next_before）;limit:integer:每页条数 1–200" },
};

const struct http_route *api_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}
