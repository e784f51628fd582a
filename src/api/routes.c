/* THE route table: every URL yizhan answers, with the permission it needs,
 * its body limit, its per-address rate limit, whether its handler runs on
 * the work pool (offload: it hashes a password or decodes a picture) and
 * what the OpenAPI document says of it. The router, 405 Allow, the permission check and
 * /api/v1/openapi.json all read this one table. */
#include "api/app.h"
#include "api/handlers.h"
#include "domain/permission.h"

#define KIB 1024
#define MIB (1024 * KIB)

static const struct http_route routes[] = {
	{ "GET", "/healthz", h_healthz, ACT_PUBLIC, .tag = "ops", .summary = "存活检查 (liveness)",
	  .resp_schema = "Health" },
	{ "GET", "/readyz", h_readyz, ACT_PUBLIC, .tag = "ops",
	  .summary = "就绪检查：数据库可达 (readiness: database reachable)",
	  .resp_schema = "Health" },
	{ "GET", "/metrics", h_metrics, ACT_METRICS_READ, .tag = "ops",
	  .summary = "Prometheus 指标 (text format)；--metrics-access 决定谁可读：所有人（默认）、"
		     "本机，或带 Bearer 指标令牌者",
	  .resp_media = "text/plain" },
	{ "GET", "/api/v1/openapi.json", h_openapi, ACT_PUBLIC, .tag = "ops",
	  .summary = "本 API 的 OpenAPI 3.1 文档" },
	{ "GET", "/api/v1/config", h_config, ACT_PUBLIC, .tag = "ops",
	  .summary = "网页所需的部署配置：地图底图、城市、步行圈", .resp_schema = "Config" },

	{ "POST", "/api/v1/session", h_session_create, ACT_PUBLIC, 4 * KIB, 30, .offload = true,
	  .tag = "session",
	  .summary =
		  "登录：手机号 + 密码，设置会话 Cookie，返回 CSRF 令牌。同一地址对同一号码失败 5 次后，"
		  "该地址须等待 1、2、4…秒（最长 15 分钟）再试（429 login-throttled）；账号本身从不锁定",
	  .req_schema = "LoginRequest", .resp_schema = "Session", .ok_status = 201 },
	{ "GET", "/api/v1/session", h_session_get, ACT_SIGNED_IN, .tag = "session",
	  .summary = "当前登录的账号与角色", .resp_schema = "Session" },
	{ "DELETE", "/api/v1/session", h_session_delete, ACT_SIGNED_IN, .tag = "session",
	  .summary = "退出登录", .ok_status = 204 },

	{ "GET", "/api/v1/accounts", h_accounts_list, ACT_ACCOUNT_LIST, .tag = "accounts",
	  .summary = "账号列表（按编号翻页）", .resp_schema = "AccountPage",
	  .query =
		  "q:string:姓名或手机号片段;after:integer:翻页游标（上一页的 next_after）;limit:integer:每页条数 1–200" },
	{ "POST", "/api/v1/accounts", h_accounts_create, ACT_ACCOUNT_CREATE, 16 * KIB,
	  .offload = true, .tag = "accounts", .summary = "创建账号", .req_schema = "AccountCreate",
	  .resp_schema = "Account", .ok_status = 201 },
	{ "GET", "/api/v1/accounts/{id}", h_account_get, ACT_SIGNED_IN, .tag = "accounts",
	  .summary = "查看账号（本人或有权限者）", .resp_schema = "Account" },
	{ "PATCH", "/api/v1/accounts/{id}", h_account_update, ACT_SIGNED_IN, 16 * KIB,
	  .tag = "accounts", .summary = "修改姓名", .req_schema = "AccountUpdate",
	  .resp_schema = "Account" },
	{ "PUT", "/api/v1/accounts/{id}/password", h_account_password, ACT_SIGNED_IN, 4 * KIB, 30,
	  .offload = true, .tag = "accounts", .summary = "设置密码（本人需提供当前密码）",
	  .req_schema = "PasswordChange", .ok_status = 204 },
	{ "POST", "/api/v1/accounts/{id}/disable", h_account_disable, ACT_ACCOUNT_UPDATE,
	  .tag = "accounts", .summary = "停用账号：结束其会话，停止登录和接口令牌（不能停用自己）",
	  .resp_schema = "Account" },
	{ "POST", "/api/v1/accounts/{id}/enable", h_account_enable, ACT_ACCOUNT_UPDATE,
	  .tag = "accounts", .summary = "重新启用账号", .resp_schema = "Account" },
	{ "POST", "/api/v1/accounts/{id}/roles", h_account_role_add, ACT_ROLE_GRANT, 4 * KIB,
	  .tag = "accounts", .summary = "授予角色（在授权人的范围和级别之内）",
	  .req_schema = "RoleGrantCreate", .resp_schema = "Account", .ok_status = 201 },
	{ "DELETE", "/api/v1/accounts/{id}/roles/{grant_id}", h_account_role_remove, ACT_ROLE_GRANT,
	  .tag = "accounts", .summary = "撤销角色", .ok_status = 204 },

	{ "GET", "/api/v1/tokens", h_tokens_list, ACT_TOKEN_MANAGE, .tag = "tokens",
	  .summary = "接口令牌列表（只显示元数据）", .resp_schema = "TokenList" },
	{ "POST", "/api/v1/tokens", h_tokens_create, ACT_TOKEN_MANAGE, 4 * KIB, .tag = "tokens",
	  .summary =
		  "创建接口令牌（令牌只在此时显示一次；以同一 Idempotency-Key 重试的应答不含 token，"
		  "secrets_withheld 列出隐去的字段）",
	  .req_schema = "TokenCreate", .resp_schema = "TokenCreated", .ok_status = 201 },
	{ "DELETE", "/api/v1/tokens/{id}", h_token_delete, ACT_TOKEN_MANAGE, .tag = "tokens",
	  .summary = "撤销接口令牌", .ok_status = 204 },

	{ "GET", "/api/v1/stations/nearby", h_stations_nearby, ACT_PUBLIC, .tag = "stations",
	  .summary = "附近的驿站：按步行距离排序，可筛选设施、现在开放、主题",
	  .resp_schema = "NearbyStations",
	  .query = "lat:number!:纬度;lng:number!:经度;radius_m:number:半径（米，默认 1500）;"
		   "limit:integer:条数 1–50（默认 10）;amenity:string:设施编码，逗号分隔，须全部具备;"
		   "open_now:boolean:只要现在开放的;theme:string:主题;level:string:级别;"
		   "crs:string:坐标系 wgs84（默认）、gcj02 或 bd09" },
	{ "GET", "/api/v1/stations", h_stations_list, ACT_PUBLIC, .tag = "stations",
	  .summary = "驿站列表：地图视野（bbox）或名称、地址搜索（支持中文子串）",
	  .resp_schema = "StationList",
	  .query = "bbox:string:南,西,北,东;q:string:名称或地址片段;region:string:区域代码前缀;"
		   "parent:integer:只列这个总站的分站;"
		   "limit:integer:条数 1–2000（默认 500；total 为全部匹配数）;crs:string:坐标系" },
	{ "GET", "/api/v1/stations.geojson", h_stations_geojson, ACT_PUBLIC, .tag = "stations",
	  .summary = "全部驿站的 GeoJSON（RFC 7946，WGS-84；crs 只接受 wgs84）",
	  .resp_media = "application/geo+json",
	  .query = "bbox:string:南,西,北,东;q:string:名称或地址片段;region:string:区域代码前缀;"
		   "parent:integer:只列这个总站的分站;limit:integer:条数;crs:string:只接受 wgs84" },
	{ "POST", "/api/v1/stations", h_stations_create, ACT_STATION_CREATE, 64 * KIB,
	  .tag = "stations", .summary = "新建驿站（在自己负责的区域内）",
	  .req_schema = "StationInput", .resp_schema = "Station", .ok_status = 201,
	  .query = "crs:string:location 的坐标系" },
	{ "GET", "/api/v1/stations/{id}", h_station_get, ACT_PUBLIC, .tag = "stations",
	  .summary = "驿站详情：设施、营业时间、现在是否开放、房间", .resp_schema = "Station",
	  .query = "crs:string:坐标系" },
	{ "PATCH", "/api/v1/stations/{id}", h_station_update, ACT_STATION_EDIT, 64 * KIB,
	  .tag = "stations", .summary = "修改驿站（站长改本站，街道改辖区，管理员改全部）",
	  .req_schema = "StationInput", .resp_schema = "Station",
	  .query = "crs:string:location 的坐标系" },
	{ "POST", "/api/v1/stations/{id}/close", h_station_close, ACT_STATION_EDIT, 4 * KIB,
	  .tag = "stations", .summary = "暂停开放（原因、预计恢复时间）",
	  .req_schema = "StationClose", .resp_schema = "Station" },
	{ "POST", "/api/v1/stations/{id}/reopen", h_station_reopen, ACT_STATION_EDIT,
	  .tag = "stations", .summary = "恢复开放", .resp_schema = "Station" },
	{ "GET", "/api/v1/stations/{id}/qr.svg", h_station_qr_svg, ACT_STATION_EDIT,
	  .tag = "stations", .summary = "驿站签到二维码（SVG，打印张贴用）",
	  .resp_media = "image/svg+xml" },
	{ "GET", "/api/v1/stations/{id}/qr.png", h_station_qr_png, ACT_STATION_EDIT,
	  .tag = "stations", .summary = "驿站签到二维码（PNG）", .resp_media = "image/png" },
	{ "POST", "/api/v1/stations/{id}/photos", h_station_photo_add, ACT_STATION_EDIT, 12 * MIB,
	  60, .offload = true, .tag = "stations",
	  .summary = "上传驿站照片（请求体即照片：最多 12 MiB、5000 万像素、处理所需内存 96 MiB，"
		     "损坏或不完整的图片 422；同时处理的照片用满内存时 503 并带 Retry-After；"
		     "每站最多 12 张，去除位置等元数据）",
	  .query = "caption:string:照片说明（最多 60 字，去掉首尾空格；不能含控制字符或文字方向控制符）",
	  .req_media = "image/jpeg,image/png,image/webp", .resp_schema = "Photo",
	  .ok_status = 201 },
	{ "DELETE", "/api/v1/stations/{id}/photos/{photo_id}", h_station_photo_remove,
	  ACT_STATION_EDIT, .tag = "stations", .summary = "删除驿站照片", .ok_status = 204 },
	{ "GET", "/api/v1/photos/{id}", h_photo_get, ACT_PUBLIC, .tag = "stations",
	  .summary = "照片（JPEG；size=thumb 为缩略图）", .query = "size:string:full 或 thumb",
	  .resp_media = "image/jpeg" },
	{ "GET", "/c/{token}", h_checkin_link, ACT_PUBLIC, .tag = "stations",
	  .summary = "驿站二维码的链接：转到驿站页面（扫码签到上线前）；旧码或未知码答 404",
	  .ok_status = 302 },
	{ "POST", "/api/v1/stations/{id}/qr/rotate", h_station_qr_rotate, ACT_QR_ROTATE,
	  .tag = "stations", .summary = "更换二维码密钥（旧码作废）", .ok_status = 204 },
	{ "GET", "/api/v1/coverage", h_coverage, ACT_PUBLIC, .tag = "planning",
	  .summary =
		  "覆盖率：区域内哪些社区（居委会；村和其他类别不计入，另列个数）在步行圈内有驿站、"
		  "哪些没有，每个社区最近的驿站及距离",
	  .resp_schema = "Coverage",
	  .query = "region:string!:区域代码，如 6103 或 610303;walk_m:integer:步行圈半径（米，默认 1200）;"
		   "crs:string:坐标系" },
	{ "GET", "/api/v1/amenities", h_amenities_list, ACT_PUBLIC, .tag = "stations",
	  .summary = "设施目录、驿站级别与主题", .resp_schema = "Catalog" },
	{ "PUT", "/api/v1/amenities/{code}", h_amenity_put, ACT_CATALOG_EDIT, 4 * KIB,
	  .tag = "stations", .summary = "新增或修改设施目录项", .req_schema = "AmenityInput",
	  .resp_schema = "Amenity" },

	{ "GET", "/api/v1/audit", h_audit_list, ACT_AUDIT_READ, .tag = "audit",
	  .summary = "审计日志（最新在前，按编号翻页）", .resp_schema = "AuditPage",
	  .query = "actor_id:integer:操作人账号编号;action:string:操作（如 role.grant，或前缀 role.）;"
		   "object_type:string:对象类型;object_id:string:对象编号;request_id:string:请求编号;"
		   "since:string:起始时间 RFC 3339;until:string:截止时间 RFC 3339;"
		   "before:integer:翻页游标（上一页的 next_before）;limit:integer:每页条数 1–200" },

	{ "GET", "/api/v1/regions", h_regions_list, ACT_PUBLIC, .tag = "regions",
	  .summary =
		  "行政区划：按名称搜索（中文子串，按级别、代码排序）；不带 q 时列出省级或 within 的下一级",
	  .resp_schema = "RegionList",
	  .query = "q:string:名称片段（最长 64 字节）;within:string:只在此区划之下（代码前缀）;"
		   "limit:integer:搜索条数 1–200（默认 20）" },
	{ "GET", "/api/v1/regions/{code}", h_region_get, ACT_PUBLIC, .tag = "regions",
	  .summary = "行政区划详情，path 为从省到本级的面包屑（含本级）；代码可为 12 位补零形式",
	  .resp_schema = "RegionDetail" },
	{ "GET", "/api/v1/regions/{code}/children", h_region_children, ACT_PUBLIC, .tag = "regions",
	  .summary = "行政区划的下一级（按代码排序）", .resp_schema = "RegionList" },
	{ "PUT", "/api/v1/regions/{code}/location", h_region_location_put, ACT_REGION_EDIT, 4 * KIB,
	  .tag = "regions", .summary = "设置行政区划的代表点（WGS-84，管理员，在其范围内）",
	  .req_schema = "RegionLocation", .resp_schema = "Region" },
};

const struct http_route *api_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}
