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
	{ "GET", "/api/v1/requests/categories", h_request_categories, ACT_PUBLIC, .tag = "requests",
	  .summary = "诉求的种类、各类别及其接单和办结期限（小时）、状态",
	  .resp_schema = "RequestCatalog", .query = "kind:string:只看一个种类" },
	{ "PUT", "/api/v1/requests/categories/{kind}/{code}", h_request_category_put,
	  ACT_CATALOG_EDIT, 4 * KIB, .tag = "requests",
	  .summary = "添加或修改一个诉求类别：名称、受理和办结时限（此后提交的诉求适用）、排序、"
		     "停用（停用后不再接受新诉求）；全市范围的管理员",
	  .req_schema = "RequestCategoryInput", .resp_schema = "RequestCategory",
	  .creates_too = true },
	{ "GET", "/api/v1/requests/duplicates", h_request_duplicates, ACT_SIGNED_IN,
	  .tag = "requests",
	  .summary = "附近 50 米内、7 天内同类别未办结的随手拍：可以加入，不必重复提交",
	  .resp_schema = "RequestNearbyList",
	  .query = "kind:string:report;category:string:类别;lat:number:纬度;lng:number:经度;"
		   "crs:string:坐标系 wgs84、gcj02 或 bd09" },
	{ "GET", "/api/v1/requests/stats", h_request_stats, ACT_REQUEST_READ, .tag = "requests",
	  .summary = "诉求统计：各种类各状态数、超期数、各区域数、调解成功率、平均评分",
	  .resp_schema = "RequestStats", .query = "region:string:区域代码前缀" },
	{ "GET", "/api/v1/requests", h_request_list, ACT_SIGNED_IN, .tag = "requests",
	  .summary = "诉求列表：mine=1 我提的，assigned=1 派给我（或我的队伍）的，否则为工作人员"
		     "负责范围内的；新的在前",
	  .resp_schema = "RequestPage",
	  .query = "kind:string:种类;state:string:状态（open 为未办结）;category:string:类别;"
		   "region:string:区域代码前缀;station_id:integer:驿站;mine:boolean:我提的;"
		   "assigned:boolean:派给我的;overdue:boolean:超期的;"
		   "wall:boolean:心愿墙（kind=wish：所有人可见的未认领心愿）;before:integer:翻页游标;"
		   "limit:integer:每页条数 1–200;crs:string:坐标系" },
	{ "POST", "/api/v1/requests", h_request_create, ACT_SIGNED_IN, 32 * KIB, .tag = "requests",
	  .summary = "提出诉求：点单、微心愿、随手拍、建议；调解、任务、走访由工作人员登记",
	  .req_schema = "RequestCreate", .resp_schema = "Request", .ok_status = 201,
	  .query = "crs:string:location 的坐标系 wgs84、gcj02 或 bd09" },
	{ "GET", "/api/v1/requests/{id}", h_request_get, ACT_SIGNED_IN, .tag = "requests",
	  .summary = "查看诉求（提出人、接单人、队伍成员、加入者和负责的工作人员可见），"
		     "actions 为我现在可做的步骤",
	  .resp_schema = "Request", .query = "crs:string:坐标系" },
	{ "GET", "/api/v1/requests/{id}/history", h_request_history, ACT_SIGNED_IN,
	  .tag = "requests", .summary = "诉求的办理经过：每一步的人、时间和说明",
	  .resp_schema = "RequestHistory" },
	{ "POST", "/api/v1/requests/{id}/steps", h_request_step, ACT_SIGNED_IN, 16 * KIB,
	  .tag = "requests",
	  .summary = "办理一步：派单、接单、开始、办结、评价、不予受理、撤回、重新打开、关闭；"
		     "两人同时接单只有一人成功，另一人 409",
	  .req_schema = "RequestStep", .resp_schema = "Request" },
	{ "POST", "/api/v1/requests/{id}/photos", h_request_photo_add, ACT_SIGNED_IN, 12 * MIB, 60,
	  .offload = true, .tag = "requests",
	  .summary = "上传诉求照片（请求体即照片）：role=request 提出人补充，role=proof 接单人的"
		     "办理凭证；去除位置等元数据；每个诉求最多 6 张",
	  .query = "role:string:request 或 proof", .req_media = "image/jpeg,image/png,image/webp",
	  .resp_schema = "Photo", .ok_status = 201 },
	{ "POST", "/api/v1/requests/{id}/follow", h_request_follow, ACT_SIGNED_IN, 1 * KIB,
	  .tag = "requests", .summary = "我也遇到了：加入附近已有的随手拍，随时知道进展" },
	{ "POST", "/api/v1/requests/{id}/project", h_request_project, ACT_REQUEST_DISPATCH, 4 * KIB,
	  .tag = "requests", .summary = "把建议立为服务项目（标题、开始日期），并告知提出人",
	  .req_schema = "ProjectCreate", .ok_status = 201 },
	{ "GET", "/api/v1/photos/{id}", h_photo_get, ACT_PUBLIC, .tag = "stations",
	  .summary = "照片（JPEG；size=thumb 为缩略图）", .query = "size:string:full 或 thumb",
	  .resp_media = "image/jpeg" },
	{ "GET", "/c/{token}", h_checkin_link, ACT_PUBLIC, .tag = "stations",
	  .summary = "驿站二维码的链接：转到签到页面 /checkin.html?id=…&t=…；旧码或未知码答 404",
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

	{ "POST", "/api/v1/signup/code", h_signup_code, ACT_PUBLIC, 4 * KIB, 30, .offload = true,
	  .tag = "signup",
	  .summary = "注册：给手机号发 6 位验证码（5 分钟有效；同一号码 1 分钟 1 次、1 小时 5 次，"
		     "同一地址 1 小时 20 次，超出 429 并带 Retry-After）",
	  .req_schema = "SignupCodeRequest", .resp_schema = "SignupCodeSent", .ok_status = 202 },
	{ "POST", "/api/v1/signup", h_signup, ACT_PUBLIC, 16 * KIB, 30, .offload = true,
	  .tag = "signup",
	  .summary = "注册或用验证码登录：手机号 + 验证码（每个码可试 5 次）+ 个人信息和同意；"
		     "新账号 201、已有账号 200，设置会话 Cookie；台账中同号码的人自动关联",
	  .req_schema = "SignupRequest", .resp_schema = "SignupSession", .ok_status = 201 },
	{ "GET", "/api/v1/people", h_people_list, ACT_PERSON_READ, .tag = "people",
	  .summary = "台账：按区域、网格、类别、平台、站点、队伍、岗位、党组织、签到、联系情况筛选，"
		     "按编号翻页；手机号显示为 138****1234",
	  .resp_schema = "PersonPage",
	  .query =
		  "region:string:区域代码前缀（默认为本人负责的范围）;grid_id:integer:网格;"
		  "category:string:类别;platform:string:平台或单位;work_site_id:integer:站点;"
		  "team_id:integer:队伍;role:string:志愿岗位;party_org_id:integer:党组织;"
		  "checked_in_days:integer:正数：这么多天内签到过；负数：这么多天内没有签到;"
		  "not_contacted_days:integer:指导员这么多天内没有联系;"
		  "q:string:姓名片段或完整手机号;after:integer:翻页游标;limit:integer:每页条数 1–200" },
	{ "GET", "/api/v1/people/counts", h_people_counts, ACT_PERSON_READ, .tag = "people",
	  .summary =
		  "台账统计：总数、已注册、30 天内签到、按类别、平台、岗位和下一级区域计数（筛选同台账）",
	  .resp_schema = "PersonCounts",
	  .query = "region:string:区域代码前缀;grid_id:integer:网格;category:string:类别;"
		   "platform:string:平台;work_site_id:integer:站点;team_id:integer:队伍;"
		   "role:string:志愿岗位;party_org_id:integer:党组织;checked_in_days:integer:签到;"
		   "not_contacted_days:integer:未联系天数;q:string:姓名或手机号" },
	{ "GET", "/api/v1/people/export", h_people_export, ACT_PERSON_READ, .offload = true,
	  .tag = "people",
	  .summary =
		  "导出台账为 Excel（默认；表头加粗、首行冻结，by_category 时每个类别一张表）或 CSV"
		  "（UTF-8 带 BOM）；手机号默认打码，phones=whole 需有查看完整号码的权限；"
		  "每次导出记入审计；X-Row-Count 为人数",
	  .resp_media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv",
	  .query = "format:string:xlsx（默认）或 csv;phones:string:masked（默认）或 whole;"
		   "by_category:boolean:每个类别一张表（xlsx）;region:string:区域代码前缀;"
		   "grid_id:integer:网格;category:string:类别;platform:string:平台;"
		   "work_site_id:integer:站点;team_id:integer:队伍;role:string:志愿岗位;"
		   "party_org_id:integer:党组织;checked_in_days:integer:签到;"
		   "not_contacted_days:integer:未联系天数;q:string:姓名或手机号" },
	{ "POST", "/api/v1/people/import", h_people_import, ACT_PERSON_EDIT, 50 * MIB, 30,
	  .offload = true, .spool = true, .tag = "people",
	  .summary =
		  "从 CSV 或 Excel（.xlsx，第一张表）导入台账：第一行为表头（姓名、手机号、所属区域代码"
		  "必有；类别、平台/单位、站点编号、网格编号、党组织编号、志愿岗位可有，其他列不管）；"
		  "mode=all（默认）时有一行不对就一行也不导入并逐行说明（422），mode=skip_bad 时导入对的行、"
		  "报告错的行；文件最大 50 MiB、20 万行",
	  .query = "mode:string:all（默认）或 skip_bad",
	  .req_media = "text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	  .resp_schema = "ImportReport", .ok_status = 201 },
	{ "GET", "/api/v1/people/catalog", h_people_catalog, ACT_PUBLIC, .tag = "people",
	  .summary = "人员类别、平台和单位、志愿岗位（七大员等）、签到目的",
	  .resp_schema = "PeopleCatalog" },
	{ "POST", "/api/v1/people", h_people_create, ACT_PERSON_EDIT, 16 * KIB, .tag = "people",
	  .summary = "登记人员（在自己负责的区域内；同一手机号只登记一次，已注册的账号自动关联）",
	  .req_schema = "PersonCreate", .resp_schema = "Person", .ok_status = 201 },
	{ "GET", "/api/v1/people/{id}", h_person_get, ACT_SIGNED_IN, .tag = "people",
	  .summary = "查看人员（本人，或负责其所在区域的工作人员）", .resp_schema = "Person" },
	{ "PATCH", "/api/v1/people/{id}", h_person_update, ACT_SIGNED_IN, 16 * KIB, .tag = "people",
	  .summary = "修改人员：本人可改姓名、类别、平台、站点、岗位和同意；社区、网格、指导员、"
		     "党组织和手机号由工作人员修改",
	  .req_schema = "PersonUpdate", .resp_schema = "Person" },
	{ "POST", "/api/v1/people/{id}/phone", h_person_phone, ACT_PERSON_PHONE, .tag = "people",
	  .summary = "查看完整手机号（每次查看记入审计日志）", .resp_schema = "PersonPhone" },
	{ "GET", "/api/v1/me/person", h_me_person_get, ACT_SIGNED_IN, .tag = "people",
	  .summary = "我的登记信息和最近的签到；还没有登记时 404", .resp_schema = "MyPerson" },
	{ "PATCH", "/api/v1/me/person", h_me_person_update, ACT_SIGNED_IN, 16 * KIB,
	  .tag = "people",
	  .summary = "修改我的登记信息（没有时按账号建立，或关联台账中同号码的人）",
	  .req_schema = "PersonUpdate", .resp_schema = "Person" },
	{ "GET", "/api/v1/work_sites", h_work_site_list, ACT_PERSON_READ, .tag = "people",
	  .summary =
		  "快递、外卖站点列表（本人负责的范围，或 region 之内；按编号翻页）；workers 为站点的人数、已注册和 30 天内签到人数",
	  .resp_schema = "WorkSitePage",
	  .query = "region:string:区域代码前缀;after:integer:翻页游标;limit:integer:每页条数 1–500" },
	{ "GET", "/api/v1/work_sites/choices", h_work_site_choices, ACT_SIGNED_IN, .tag = "people",
	  .summary = "骑手、快递员选择自己所在的站点（名称、平台、地址，不含负责人）",
	  .resp_schema = "WorkSiteChoices",
	  .query = "region:string:区域代码前缀;platform:string:平台编码;q:string:名称或地址中的字;"
		   "limit:integer:条数 1–100" },
	{ "POST", "/api/v1/work_sites", h_work_site_create, ACT_PERSON_EDIT, 16 * KIB,
	  .tag = "people", .summary = "登记快递、外卖站点（在自己负责的区域内）",
	  .req_schema = "WorkSiteCreate", .resp_schema = "WorkSite", .ok_status = 201 },
	{ "GET", "/api/v1/work_sites/{id}", h_work_site_get, ACT_PERSON_READ, .tag = "people",
	  .summary = "查看快递、外卖站点", .resp_schema = "WorkSite" },
	{ "PATCH", "/api/v1/work_sites/{id}", h_work_site_update, ACT_PERSON_EDIT, 16 * KIB,
	  .tag = "people", .summary = "修改快递、外卖站点", .req_schema = "WorkSiteUpdate",
	  .resp_schema = "WorkSite" },
	{ "GET", "/api/v1/teams", h_team_list, ACT_PERSON_READ, .tag = "people",
	  .summary = "志愿服务队列表（本人负责的范围，或 region 之内；按编号翻页）",
	  .resp_schema = "TeamPage",
	  .query = "region:string:区域代码前缀;after:integer:翻页游标;limit:integer:每页条数 1–500" },
	{ "POST", "/api/v1/teams", h_team_create, ACT_PERSON_EDIT, 16 * KIB, .tag = "people",
	  .summary = "登记志愿服务队（在自己负责的区域内）", .req_schema = "TeamCreate",
	  .resp_schema = "Team", .ok_status = 201 },
	{ "GET", "/api/v1/teams/{id}", h_team_get, ACT_PERSON_READ, .tag = "people",
	  .summary = "查看志愿服务队", .resp_schema = "Team" },
	{ "PATCH", "/api/v1/teams/{id}", h_team_update, ACT_PERSON_EDIT, 16 * KIB, .tag = "people",
	  .summary = "修改志愿服务队", .req_schema = "TeamUpdate", .resp_schema = "Team" },
	{ "POST", "/api/v1/teams/{id}/members", h_team_member_add, ACT_PERSON_EDIT, 4 * KIB,
	  .tag = "people", .summary = "队伍加入成员（记加入日期）", .req_schema = "TeamMemberAdd",
	  .resp_schema = "Team" },
	{ "DELETE", "/api/v1/teams/{id}/members/{person_id}", h_team_member_remove, ACT_PERSON_EDIT,
	  .tag = "people", .summary = "成员离队（记离队日期，历史保留）", .resp_schema = "Team" },
	{ "GET", "/api/v1/party_orgs", h_party_org_list, ACT_PERSON_READ, .tag = "people",
	  .summary =
		  "党组织（行业党委、党支部、党小组）列表（本人负责的范围，或 region 之内；按编号翻页）",
	  .resp_schema = "PartyOrgPage",
	  .query = "region:string:区域代码前缀;after:integer:翻页游标;limit:integer:每页条数 1–500" },
	{ "POST", "/api/v1/party_orgs", h_party_org_create, ACT_PERSON_EDIT, 16 * KIB,
	  .tag = "people",
	  .summary = "登记党组织（行业党委、党支部、党小组）（在自己负责的区域内）",
	  .req_schema = "PartyOrgCreate", .resp_schema = "PartyOrg", .ok_status = 201 },
	{ "GET", "/api/v1/party_orgs/{id}", h_party_org_get, ACT_PERSON_READ, .tag = "people",
	  .summary = "查看党组织（行业党委、党支部、党小组）", .resp_schema = "PartyOrg" },
	{ "PATCH", "/api/v1/party_orgs/{id}", h_party_org_update, ACT_PERSON_EDIT, 16 * KIB,
	  .tag = "people", .summary = "修改党组织（行业党委、党支部、党小组）",
	  .req_schema = "PartyOrgUpdate", .resp_schema = "PartyOrg" },
	{ "GET", "/api/v1/grids", h_grid_list, ACT_PERSON_READ, .tag = "people",
	  .summary = "网格列表（本人负责的范围，或 region 之内；按编号翻页）",
	  .resp_schema = "GridPage",
	  .query = "region:string:区域代码前缀;after:integer:翻页游标;limit:integer:每页条数 1–500" },
	{ "POST", "/api/v1/grids", h_grid_create, ACT_PERSON_EDIT, 16 * KIB, .tag = "people",
	  .summary = "登记网格（在自己负责的区域内）", .req_schema = "GridCreate",
	  .resp_schema = "Grid", .ok_status = 201 },
	{ "GET", "/api/v1/grids/{id}", h_grid_get, ACT_PERSON_READ, .tag = "people",
	  .summary = "查看网格", .resp_schema = "Grid" },
	{ "PATCH", "/api/v1/grids/{id}", h_grid_update, ACT_PERSON_EDIT, 16 * KIB, .tag = "people",
	  .summary = "修改网格", .req_schema = "GridUpdate", .resp_schema = "Grid" },
	{ "POST", "/api/v1/party_orgs/{id}/report_in", h_party_org_report_in, ACT_SIGNED_IN,
	  .tag = "people",
	  .summary = "党员（含流动党员）向党支部报到：本人的台账信息归入该支部；只能向党支部报到",
	  .resp_schema = "ReportedIn" },
	{ "GET", "/api/v1/people/{id}/contacts", h_person_contacts, ACT_PERSON_READ,
	  .tag = "people", .summary = "党建指导员与此人的联系记录（最新在前）",
	  .resp_schema = "ContactList" },
	{ "POST", "/api/v1/people/{id}/contacts", h_person_contact_add, ACT_PERSON_EDIT, 8 * KIB,
	  .tag = "people", .summary = "记录一次联系（日期、方式、内容）",
	  .req_schema = "ContactCreate", .resp_schema = "ContactCreated", .ok_status = 201 },
	{ "GET", "/api/v1/me/data", h_me_data, ACT_SIGNED_IN, .tag = "people",
	  .summary =
		  "下载系统中关于我的全部信息（JSON：账号、登记信息、签到、指导员联系记录、队伍），"
		  "下载记入审计",
	  .resp_schema = "MyData" },
	{ "POST", "/api/v1/me/erase", h_me_erase, ACT_SIGNED_IN, 1 * KIB, .tag = "people",
	  .summary =
		  "注销：匿名化我的登记信息和账号（姓名、手机号、同意、联系记录内容、签到地址清除，"
		  "统计数字保留），结束登录；不能撤销，须传 confirm: true",
	  .req_schema = "EraseRequest", .resp_schema = "Erased" },
	{ "POST", "/api/v1/people/{id}/erase", h_person_erase, ACT_PERSON_EDIT, 1 * KIB,
	  .tag = "people",
	  .summary = "按本人的申请注销（匿名化）此人，统计数字保留；须传 confirm: true",
	  .req_schema = "EraseRequest", .resp_schema = "Erased" },
	{ "GET", "/api/v1/me/inbox", h_inbox_list, ACT_SIGNED_IN, .tag = "inbox",
	  .summary = "我的消息（最新在前，按游标翻页）：派给我的、已受理、已办结、已升级、已评价、"
		     "重新打开、被退回、已取消、建议转为项目、通知；unread 为未读总数",
	  .resp_schema = "InboxPage",
	  .query =
		  "unread:boolean:只列未读的（unread=1）;"
		  "cursor:integer:翻页游标（上一页的 next_cursor）;limit:integer:每页条数 1–100（默认 20）" },
	{ "GET", "/api/v1/me/inbox/unread", h_inbox_unread, ACT_SIGNED_IN, .tag = "inbox",
	  .summary = "我的未读消息数", .resp_schema = "InboxUnread" },
	{ "POST", "/api/v1/me/inbox/{id}/read", h_inbox_read, ACT_SIGNED_IN, 1 * KIB,
	  .tag = "inbox", .summary = "把我的一条消息标为已读（不是我的消息：404）",
	  .resp_schema = "InboxItem" },
	{ "POST", "/api/v1/me/inbox/read", h_inbox_read_all, ACT_SIGNED_IN, 1 * KIB, .tag = "inbox",
	  .summary = "我的消息全部已读", .resp_schema = "InboxReadAll" },
	{ "GET", "/api/v1/stream", h_stream, ACT_SIGNED_IN, .tag = "inbox",
	  .summary =
		  "实时推送（Server-Sent Events，text/event-stream）：我的新消息（inbox.added、inbox.read），"
		  "以及我负责范围内的诉求事件（request.…，工作人员），每条带 id、event 和一行 JSON data"
		  "（topic、object_id、region_code、station_id、data）。断线后带 Last-Event-ID 重连，"
		  "先补发其后错过的事件（事件保留一天）；没有时从现在开始。安静时每 20 秒一行注释"
		  "（: keepalive）。连接数满时 503 并带 Retry-After",
	  .resp_media = "text/event-stream",
	  .query = "last_event_id:integer:从这个事件编号之后续传（不能设置 Last-Event-ID 请求头的客户端用；"
		   "两者都有时以请求头为准）" },

	{ "POST", "/api/v1/checkins", h_checkin_create, ACT_SIGNED_IN, 4 * KIB, 60,
	  .tag = "checkins",
	  .summary = "扫码签到：二维码里的 token 和目的；同一人 10 分钟内在同一驿站只算一次"
		     "（重复时 200 且 duplicate 为 true）；驿站没有开放时 409",
	  .req_schema = "CheckinCreate", .resp_schema = "Checkin", .ok_status = 201 },
	{ "GET", "/api/v1/stations/{id}/checkins/today", h_station_checkins_today, ACT_PUBLIC,
	  .tag = "checkins", .summary = "驿站当天（或 day 那天）的签到人次",
	  .resp_schema = "StationCheckinCount", .query = "day:string:日期 YYYY-MM-DD（默认今天）" },
	{ "GET", "/api/v1/checkins/tally", h_checkins_tally, ACT_CHECKIN_READ, .tag = "checkins",
	  .summary = "某区域当天的签到：按驿站和街道计数", .resp_schema = "CheckinTally",
	  .query = "region:string!:区域代码前缀;day:string:日期 YYYY-MM-DD（默认今天）" },

	{ "GET", "/api/v1/bots", h_bots_list, ACT_BOT_MANAGE, .tag = "bots",
	  .summary = "群机器人列表（企业微信、钉钉）：本人可管理的驿站和区域的，按编号翻页；"
		     "Webhook 地址只显示打码的 url_masked",
	  .resp_schema = "BotPage",
	  .query = "station_id:integer:只列这个驿站的;region:string:只列这个区域（代码前缀）之内的;"
		   "after:integer:翻页游标;limit:integer:每页条数 1–200" },
	{ "POST", "/api/v1/bots", h_bots_create, ACT_BOT_MANAGE, 8 * KIB, .tag = "bots",
	  .summary =
		  "设置群机器人：名称、类型、Webhook 地址（https；http 只限本机）、所属驿站或区域、"
		  "推送哪些事件；站长只能给本站设置，街道工作人员在辖区内设置",
	  .req_schema = "BotCreate", .resp_schema = "Bot", .ok_status = 201 },
	{ "GET", "/api/v1/bots/{id}", h_bot_get, ACT_BOT_MANAGE, .tag = "bots",
	  .summary = "查看群机器人（地址打码）", .resp_schema = "Bot" },
	{ "PATCH", "/api/v1/bots/{id}", h_bot_update, ACT_BOT_MANAGE, 8 * KIB, .tag = "bots",
	  .summary = "修改群机器人：只改给出的字段；url 要换时填写完整的新地址（不能填打码的地址）",
	  .req_schema = "BotUpdate", .resp_schema = "Bot" },
	{ "DELETE", "/api/v1/bots/{id}", h_bot_delete, ACT_BOT_MANAGE, .tag = "bots",
	  .summary = "删除群机器人和它的推送记录", .ok_status = 204 },
	{ "POST", "/api/v1/bots/{id}/test", h_bot_test, ACT_BOT_MANAGE, .tag = "bots",
	  .summary = "发一条测试消息：和其他消息一样排队推送（202），结果见推送记录；已停用的 409",
	  .resp_schema = "BotTestQueued", .ok_status = 202 },
	{ "GET", "/api/v1/bots/{id}/deliveries", h_bot_deliveries, ACT_BOT_MANAGE, .tag = "bots",
	  .summary = "最近的推送记录（最新在前）：状态（待发、已发、放弃）、尝试次数、下次重试时间、"
		     "最近的错误",
	  .resp_schema = "BotDeliveryList", .query = "limit:integer:条数 1–200（默认 50）" },

	{ "GET", "/api/v1/audit", h_audit_list, ACT_AUDIT_READ, .tag = "audit",
	  .summary = "审计日志（最新在前，按编号翻页）", .resp_schema = "AuditPage",
	  .query = "actor_id:integer:操作人账号编号;action:string:操作（如 role.grant，或前缀 role.）;"
		   "object_type:string:对象类型;object_id:string:对象编号;request_id:string:请求编号;"
		   "since:string:起始时间 RFC 3339;until:string:截止时间 RFC 3339;"
		   "before:integer:翻页游标（上一页的 next_before）;limit:integer:每页条数 1–200" },

	/* Open311 GeoReport v2 (docs/open311.md): each endpoint in the two
	 * formats the standard defines. Public to read; filing takes an api_key
	 * (an API token) in the request, which the handler checks. */
	{ "GET", "/open311/v2/discovery.json", h_open311_discovery, ACT_PUBLIC,
	  .standard = "Open311 GeoReport v2" },
	{ "GET", "/open311/v2/discovery.xml", h_open311_discovery, ACT_PUBLIC,
	  .standard = "Open311 GeoReport v2" },
	{ "GET", "/open311/v2/services.json", h_open311_services, ACT_PUBLIC,
	  .standard = "Open311 GeoReport v2" },
	{ "GET", "/open311/v2/services.xml", h_open311_services, ACT_PUBLIC,
	  .standard = "Open311 GeoReport v2" },
	{ "GET", "/open311/v2/services/{code}.json", h_open311_service, ACT_PUBLIC,
	  .standard = "Open311 GeoReport v2" },
	{ "GET", "/open311/v2/services/{code}.xml", h_open311_service, ACT_PUBLIC,
	  .standard = "Open311 GeoReport v2" },
	{ "GET", "/open311/v2/requests.json", h_open311_requests, ACT_PUBLIC,
	  .standard = "Open311 GeoReport v2" },
	{ "GET", "/open311/v2/requests.xml", h_open311_requests, ACT_PUBLIC,
	  .standard = "Open311 GeoReport v2" },
	{ "POST", "/open311/v2/requests.json", h_open311_request_create, ACT_PUBLIC, 32 * KIB, 600,
	  .standard = "Open311 GeoReport v2" },
	{ "POST", "/open311/v2/requests.xml", h_open311_request_create, ACT_PUBLIC, 32 * KIB, 600,
	  .standard = "Open311 GeoReport v2" },
	{ "GET", "/open311/v2/requests/{id}.json", h_open311_request, ACT_PUBLIC,
	  .standard = "Open311 GeoReport v2" },
	{ "GET", "/open311/v2/requests/{id}.xml", h_open311_request, ACT_PUBLIC,
	  .standard = "Open311 GeoReport v2" },
	{ "GET", "/open311/v2/tokens/{token}.json", h_open311_token, ACT_PUBLIC,
	  .standard = "Open311 GeoReport v2" },
	{ "GET", "/open311/v2/tokens/{token}.xml", h_open311_token, ACT_PUBLIC,
	  .standard = "Open311 GeoReport v2" },

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

	{ "GET", "/api/v1/stations/{id}/rooms", h_station_rooms, ACT_PUBLIC, .tag = "rooms",
	  .summary = "驿站的房间（会议室、阅览区、党员之家…）：种类、容纳人数、开放时间（房间自己的或"
		     "驿站的）、单次最长预约；may_manage 为我能否管理",
	  .resp_schema = "RoomCatalog" },
	{ "POST", "/api/v1/stations/{id}/rooms", h_room_create, ACT_ROOM_MANAGE, 8 * KIB,
	  .tag = "rooms", .summary = "添加房间（本驿站的管理员、辖区工作人员）",
	  .req_schema = "RoomInput", .resp_schema = "BookableRoom", .ok_status = 201 },
	{ "PATCH", "/api/v1/rooms/{id}", h_room_update, ACT_ROOM_MANAGE, 8 * KIB, .tag = "rooms",
	  .summary = "修改房间：名称、种类、容纳人数、能否预约、开放时间（null 为随驿站）、说明",
	  .req_schema = "RoomInput", .resp_schema = "BookableRoom" },
	{ "DELETE", "/api/v1/rooms/{id}", h_room_delete, ACT_ROOM_MANAGE, .tag = "rooms",
	  .summary = "删除房间；还有未结束的预约时 409", .ok_status = 204 },
	{ "GET", "/api/v1/stations/{id}/room-calendar", h_room_calendar, ACT_PUBLIC, .tag = "rooms",
	  .summary = "房间日历：驿站各房间及某几天的预约（团体、时段、状态；预约人和用途只给预约人"
		     "和管理员），其余开放时间可预约",
	  .resp_schema = "RoomCalendar",
	  .query = "from:string:起始日期 YYYY-MM-DD（默认今天）;days:integer:天数 1–14（默认 7）" },
	{ "POST", "/api/v1/rooms/{id}/bookings", h_room_book, ACT_SIGNED_IN, 8 * KIB,
	  .tag = "rooms",
	  .summary =
		  "预约房间（为居民小组、党支部等团体）：须在开放时间内、结束晚于开始、不超过最长"
		  "时长和容纳人数（否则 422 指明规则）；与已有预约重叠 409“该时段已被预约”，由数据库"
		  "保证，同时预约同一时段只有一个成功；待管理员审批",
	  .req_schema = "RoomBookingCreate", .resp_schema = "RoomBooking", .ok_status = 201 },
	{ "GET", "/api/v1/me/room-bookings", h_room_bookings_mine, ACT_SIGNED_IN, .tag = "rooms",
	  .summary = "我的房间预约（开始时间新的在前），actions 为我现在可做的步骤",
	  .resp_schema = "RoomBookingList", .query = "limit:integer:条数 1–200" },
	{ "GET", "/api/v1/room-bookings", h_room_bookings_managed, ACT_ROOM_MANAGE, .tag = "rooms",
	  .summary = "我管理的驿站中未结束的预约（默认待审批和已批准），开始早的在前：审批列表",
	  .resp_schema = "RoomBookingList",
	  .query = "station_id:integer:只看一个驿站;state:string:状态;limit:integer:条数 1–500" },
	{ "GET", "/api/v1/room-bookings/{id}", h_room_booking_get, ACT_SIGNED_IN, .tag = "rooms",
	  .summary = "查看预约（预约人和管理员）", .resp_schema = "RoomBooking" },
	{ "POST", "/api/v1/room-bookings/{id}/steps", h_room_booking_step, ACT_SIGNED_IN, 4 * KIB,
	  .tag = "rooms",
	  .summary = "预约的一步：approve 批准、decline 不批准（写明原因）由管理员；cancel 取消由"
		     "预约人或管理员；check_in 签到（开始前 15 分钟至开始后 15 分钟）；开始 15 分钟"
		     "后仍未签到的预约自动释放",
	  .req_schema = "RoomBookingStep", .resp_schema = "RoomBooking" },
	/* Activities: trainings, party lessons and meetings, clinics, events,
	 * projects, after-hours desks, deliberation meetings. */
	{ "GET", "/api/v1/activities", h_activity_list, ACT_PUBLIC, .tag = "activities",
	  .summary = "活动：附近的（lat/lng）、某驿站的、某区划的，可按类型筛选；默认只列未结束的",
	  .resp_schema = "ActivityPage",
	  .query =
		  "kind:string:活动类型;station_id:integer:驿站编号;region:string:区划代码前缀;"
		  "lat:number:纬度（WGS-84，附近的活动）;lng:number:经度;radius_m:number:半径（米，默认 5000）;"
		  "past:boolean:列出已结束的;drafts:boolean:也列出我管理的草稿;limit:integer:条数 1–200" },
	{ "POST", "/api/v1/activities", h_activity_create, ACT_ACTIVITY_MANAGE, 64 * KIB,
	  .tag = "activities", .summary = "组织活动（草稿）：驿站或区划的工作人员，本人即组织者",
	  .req_schema = "ActivityInput", .resp_schema = "Activity", .ok_status = 201 },
	{ "GET", "/api/v1/activities.ics", h_activity_ics, ACT_PUBLIC, .tag = "activities",
	  .summary =
		  "某驿站或某区划活动的 iCalendar 订阅（RFC 5545；取消的活动带 STATUS:CANCELLED）",
	  .resp_media = "text/calendar",
	  .query = "station:integer:驿站编号;region:string:区划代码前缀" },
	{ "GET", "/api/v1/activities/{id}", h_activity_get, ACT_PUBLIC, .tag = "activities",
	  .summary = "活动详情：名额、候补人数、我的报名；组织者另见签到链接",
	  .resp_schema = "Activity" },
	{ "PATCH", "/api/v1/activities/{id}", h_activity_update, ACT_ACTIVITY_MANAGE, 64 * KIB,
	  .tag = "activities",
	  .summary = "修改活动：已发布的活动改了时间、地点或内容，报名的人会收到通知；"
		     "增加名额时候补依次转正",
	  .req_schema = "ActivityInput", .resp_schema = "Activity" },
	{ "POST", "/api/v1/activities/{id}/publish", h_activity_publish, ACT_ACTIVITY_MANAGE,
	  1 * KIB, .tag = "activities", .summary = "发布活动，开始报名",
	  .resp_schema = "Activity" },
	{ "POST", "/api/v1/activities/{id}/cancel", h_activity_cancel, ACT_ACTIVITY_MANAGE, 4 * KIB,
	  .tag = "activities",
	  .summary = "取消活动（写明原因）：报名和候补的人都会收到通知，已得积分不变",
	  .req_schema = "ActivityCancel", .resp_schema = "Activity" },
	{ "POST", "/api/v1/activities/{id}/signup", h_activity_signup, ACT_SIGNED_IN, 1 * KIB,
	  .tag = "activities",
	  .summary = "报名：有名额即报上，满了进候补；截止后、不符合报名范围或重复报名都会被拒绝",
	  .resp_schema = "Activity", .ok_status = 201 },
	{ "DELETE", "/api/v1/activities/{id}/signup", h_activity_unsign, ACT_SIGNED_IN,
	  .tag = "activities", .summary = "取消我的报名（报名截止前）；空出的名额给候补第一位",
	  .resp_schema = "Activity" },
	{ "POST", "/api/v1/activities/{id}/attend", h_activity_attend, ACT_SIGNED_IN, 1 * KIB, 120,
	  .tag = "activities",
	  .summary = "扫活动二维码签到（开始前 30 分钟至结束）：记出勤，并在活动驿站签到；"
		     "没报名的有空位也可签到",
	  .req_schema = "ActivityAttend", .resp_schema = "ActivityAttendance" },
	{ "GET", "/api/v1/activities/{id}/sheet", h_activity_sheet, ACT_ACTIVITY_MANAGE,
	  .tag = "activities", .summary = "签到表：报名、候补、签到、未到的人",
	  .resp_schema = "ActivitySheet" },
	{ "POST", "/api/v1/activities/{id}/sheet", h_activity_mark, ACT_ACTIVITY_MANAGE, 1 * KIB,
	  .tag = "activities", .summary = "组织者点名：记为已签到 (attended) 或未到 (no_show)",
	  .req_schema = "ActivityMark", .resp_schema = "Activity" },
	{ "GET", "/api/v1/activities/{id}/qr.svg", h_activity_qr_svg, ACT_ACTIVITY_MANAGE,
	  .tag = "activities", .summary = "活动签到二维码 (SVG)，在现场展示",
	  .resp_media = "image/svg+xml" },
	{ "GET", "/api/v1/activities/{id}/qr.png", h_activity_qr_png, ACT_ACTIVITY_MANAGE,
	  .tag = "activities", .summary = "活动签到二维码 (PNG)", .resp_media = "image/png" },
	{ "PUT", "/api/v1/activities/{id}/desk", h_activity_desk, ACT_ACTIVITY_MANAGE, 16 * KIB,
	  .tag = "activities", .summary = "延时流动办公桌：各政务服务事项服务了多少人",
	  .req_schema = "ActivityDeskCounts", .resp_schema = "Activity" },
	{ "POST", "/api/v1/activities/{id}/problems", h_activity_problem_add, ACT_ACTIVITY_MANAGE,
	  8 * KIB, .tag = "activities",
	  .summary = "板凳会议出的问题：是否已解决，可转为诉求（建议）办理",
	  .req_schema = "ActivityProblemInput", .resp_schema = "ActivityProblem",
	  .ok_status = 201 },
	{ "GET", "/api/v1/me/activities", h_my_activities, ACT_SIGNED_IN, .tag = "activities",
	  .summary = "我的活动：报名、候补、签到记录", .resp_schema = "MyActivities",
	  .query = "past:boolean:也列出已结束的" },
	{ "POST", "/api/v1/me/activities/feed", h_my_activity_feed, ACT_SIGNED_IN, 1 * KIB, 30,
	  .tag = "activities",
	  .summary = "生成我的活动日历订阅地址（旧地址随即失效；只在此时显示一次）",
	  .resp_schema = "ActivityFeed", .ok_status = 201 },
	{ "GET", "/api/v1/me/activities.ics", h_my_activity_ics, ACT_PUBLIC, 0, 120,
	  .tag = "activities", .summary = "我的活动日历（iCalendar，地址中的 token 代替登录）",
	  .resp_media = "text/calendar", .query = "token:string!:订阅令牌" },
	{ "GET", "/api/v1/me/points", h_points_me, ACT_SIGNED_IN, .tag = "points",
	  .summary = "我的积分：余额和明细（新的在前，按 cursor 翻页）",
	  .resp_schema = "PointsStatement",
	  .query = "cursor:integer:翻页游标（上一页的 next_cursor）;limit:integer:每页条数 1–100" },
	{ "GET", "/api/v1/points/entries", h_points_entries, ACT_POINTS_READ, .tag = "points",
	  .summary = "一个地区的积分明细（新的在前；工作人员，在其范围内）",
	  .resp_schema = "PointsEntryPage",
	  .query = "region:string:地区代码前缀（必填）;cursor:integer:翻页游标;"
		   "limit:integer:每页条数 1–100" },
	{ "GET", "/api/v1/points/summary", h_points_summary, ACT_POINTS_READ, .tag = "points",
	  .summary = "一个地区某月的积分汇总：各驿站发放、兑换、过期、更正及合计（工作人员）",
	  .resp_schema = "PointsSummary",
	  .query = "region:string:地区代码前缀（必填）;month:string:月份 YYYY-MM（默认本月）" },
	{ "GET", "/api/v1/points/monthly", h_points_monthly, ACT_PUBLIC, .tag = "points",
	  .summary = "公开的月度积分：各驿站发放和兑换的积分（不含个人信息）",
	  .resp_schema = "PointsMonthly",
	  .query = "month:string:月份 YYYY-MM（默认本月）;station:integer:只看一个驿站;"
		   "region:string:只看这个地区" },
	{ "GET", "/api/v1/points/rules", h_points_rules, ACT_PUBLIC, .tag = "points",
	  .summary = "积分规则：什么事、什么类别、给谁、多少分", .resp_schema = "PointsRuleList" },
	{ "POST", "/api/v1/points/rules", h_points_rule_create, ACT_POINTS_MANAGE, 4 * KIB,
	  .tag = "points", .summary = "给一类诉求的某个类别定它自己的积分规则（全市范围的管理员）",
	  .req_schema = "PointsRuleCreate", .resp_schema = "PointsRule", .ok_status = 201 },
	{ "DELETE", "/api/v1/points/rules/{code}", h_points_rule_delete, ACT_POINTS_MANAGE,
	  .tag = "points", .summary = "删除某个类别自己的积分规则，回到这类诉求的总规则",
	  .ok_status = 204 },
	{ "PATCH", "/api/v1/points/rules/{code}", h_points_rule_update, ACT_POINTS_MANAGE, 4 * KIB,
	  .tag = "points", .summary = "修改一条积分规则（全市范围的管理员）",
	  .req_schema = "PointsRuleUpdate", .resp_schema = "PointsRule" },
	{ "POST", "/api/v1/points/corrections", h_points_correct, ACT_POINTS_CORRECT, 4 * KIB,
	  .tag = "points",
	  .summary = "更正积分：记一笔新的积分（正负皆可，须写明原因），或冲销某条记录；"
		     "本人所在地区的工作人员",
	  .req_schema = "PointsCorrection", .resp_schema = "PointsPosted", .ok_status = 201 },
	{ "GET", "/api/v1/stations/{id}/shop/items", h_shop_items_list, ACT_PUBLIC, .tag = "shop",
	  .summary =
		  "驿站爱心超市的商品：价格（积分）、库存、每人每月限兑；all=1 时站长和辖区工作人员"
		  "也看到已下架的",
	  .resp_schema = "ShopItemList", .query = "all:boolean:含已下架的（管理者）" },
	{ "POST", "/api/v1/stations/{id}/shop/items", h_shop_items_create, ACT_SHOP_MANAGE, 8 * KIB,
	  .tag = "shop",
	  .summary =
		  "上架商品：名称、说明、兑换所需积分、每人每月限兑（0 为不限）；库存从 0 开始，靠入库增加",
	  .req_schema = "ShopItemInput", .resp_schema = "ShopItem", .ok_status = 201 },
	{ "GET", "/api/v1/shop/items/{id}", h_shop_item_get, ACT_PUBLIC, .tag = "shop",
	  .summary = "查看商品", .resp_schema = "ShopItem" },
	{ "PATCH", "/api/v1/shop/items/{id}", h_shop_item_update, ACT_SHOP_MANAGE, 8 * KIB,
	  .tag = "shop", .summary = "修改商品（只改给出的字段）；库存只能通过入库、报损改变",
	  .req_schema = "ShopItemInput", .resp_schema = "ShopItem" },
	{ "POST", "/api/v1/shop/items/{id}/stock", h_shop_stock_change, ACT_SHOP_MANAGE, 4 * KIB,
	  .tag = "shop",
	  .summary = "入库 (received) 或报损 (written_off，须写明原因)：记入库存台账",
	  .req_schema = "StockChange", .resp_schema = "ShopItem" },
	{ "GET", "/api/v1/shop/items/{id}/moves", h_shop_stock_moves, ACT_SHOP_MANAGE,
	  .tag = "shop", .summary = "库存台账：入库、兑换、发放、报损、退回，最新在前",
	  .resp_schema = "StockMovePage",
	  .query = "before:integer:翻页游标（上一页的 next_before）;limit:integer:每页条数 1–200" },
	{ "POST", "/api/v1/shop/items/{id}/redeem", h_shop_redeem, ACT_SIGNED_IN, 1 * KIB,
	  .tag = "shop",
	  .summary =
		  "用积分兑换：一次扣库存和积分并给出取货码；积分不足、库存不足、超过每月限兑时 409，"
		  "什么都不写入",
	  .req_schema = "RedeemRequest", .resp_schema = "Redemption", .ok_status = 201 },
	{ "GET", "/api/v1/me/redemptions", h_me_redemptions, ACT_SIGNED_IN, .tag = "shop",
	  .summary = "我的兑换：待取的附取货码和二维码，14 天未取自动退回积分",
	  .resp_schema = "RedemptionPage",
	  .query = "state:string:reserved、handed_over 或 refunded;before:integer:翻页游标;"
		   "limit:integer:每页条数 1–200" },
	{ "GET", "/api/v1/stations/{id}/shop/redemptions", h_shop_redemptions, ACT_SHOP_MANAGE,
	  .tag = "shop", .summary = "本驿站的兑换记录（不含取货码）",
	  .resp_schema = "RedemptionPage",
	  .query = "state:string:reserved、handed_over 或 refunded;before:integer:翻页游标;"
		   "limit:integer:每页条数 1–200" },
	{ "POST", "/api/v1/stations/{id}/shop/handover", h_shop_hand_over, ACT_SHOP_MANAGE, 1 * KIB,
	  .tag = "shop",
	  .summary =
		  "扫码或输入取货码，确认交付：只限本驿站待取的兑换；已使用的 409「取货码已使用」",
	  .req_schema = "CodeInput", .resp_schema = "Redemption" },
	{ "GET", "/api/v1/stations/{id}/distributions", h_distributions_list, ACT_SHOP_MANAGE,
	  .tag = "shop", .summary = "本驿站的发放活动（暖新大礼包、送清凉……）及进度",
	  .resp_schema = "DistributionList" },
	{ "POST", "/api/v1/distributions", h_distributions_create, ACT_SHOP_MANAGE, 8 * KIB,
	  .tag = "shop",
	  .summary = "新建发放：从台账按条件选人（街道或社区、类别、平台、登记日期起），每人数量，"
		     "整批从库存预留；库存不足 409",
	  .req_schema = "DistributionCreate", .resp_schema = "Distribution", .ok_status = 201 },
	{ "GET", "/api/v1/distributions/{id}", h_distribution_get, ACT_SHOP_MANAGE, .tag = "shop",
	  .summary = "发放的进度：名单人数、已领、待领", .resp_schema = "Distribution" },
	{ "GET", "/api/v1/distributions/{id}/people", h_distribution_people, ACT_SHOP_MANAGE,
	  .tag = "shop", .summary = "发放名单（按人员编号翻页）",
	  .resp_schema = "DistributionPeople",
	  .query =
		  "state:string:due 或 handed_over;after:integer:翻页游标;limit:integer:每页条数 1–500" },
	{ "POST", "/api/v1/distributions/{id}/handover", h_distribution_hand_over, ACT_SHOP_MANAGE,
	  1 * KIB, .tag = "shop",
	  .summary = "扫领取人的个人码，确认发放：每人一份，重复领取或不在名单中 409",
	  .req_schema = "CodeInput", .resp_schema = "Distribution" },
	{ "POST", "/api/v1/distributions/{id}/close", h_distribution_close, ACT_SHOP_MANAGE,
	  1 * KIB, .tag = "shop", .summary = "结束发放：未领的退回库存",
	  .resp_schema = "Distribution" },
	{ "POST", "/api/v1/me/code", h_me_code, ACT_SIGNED_IN, 1 * KIB, .tag = "shop",
	  .summary = "我的个人码（首次使用时生成）：在驿站领取发放物品时出示",
	  .resp_schema = "PersonCode" },
	{ "POST", "/api/v1/people/{id}/code", h_person_code, ACT_PERSON_EDIT, 1 * KIB,
	  .tag = "shop", .summary = "某人的个人码（首次使用时生成），供没有账号的人打印",
	  .resp_schema = "PersonCode" },
};

const struct http_route *api_routes(size_t *n)
{
	*n = sizeof(routes) / sizeof(routes[0]);
	return routes;
}

static const struct http_error_face error_faces[] = {
	{ "/open311/", open311_error_answer },
};

const struct http_error_face *api_error_faces(size_t *n)
{
	*n = sizeof(error_faces) / sizeof(error_faces[0]);
	return error_faces;
}
