// The authorization matrix: every route of the OpenAPI document (which the
// server derives from its route table, so a new route is walked without
// editing this file) × anonymous and the six roles × an object inside and
// one outside the caller's scope, each answer checked against one table.
//
// "allowed" means the permission check let the request through: the answer
// is anything but 401 and 403 (a 404 for an id that is not there, or a 422
// for a body the route does not take, still says the check passed).
// "denied" means exactly 403 (401 for anonymous callers).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, addUser } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';

// THE table: which roles hold each action (the route's x-permission), and
// whether the action is judged against an object's place. A route that acts
// on an object through a looser route-level permission names its real
// action in EFFECTIVE.
const ROLES_FOR = {
	'account.list': ['admin', 'staff'],
	'account.create': ['admin', 'staff'],
	'account.read': ['admin', 'staff'],
	'account.update': ['admin'],
	'role.grant': ['admin', 'staff'],
	'token.manage': ['admin'],
	'audit.read': ['admin'],
	'station.create': ['admin', 'staff'],
	'station.edit': ['admin', 'staff', 'manager'],
	'catalog.edit': [], // city-wide admins only; no caller here holds a city
	'qr.rotate': ['admin'],
	'region.edit': ['admin'],
	'person.read': ['admin', 'staff'],
	'person.edit': ['admin', 'staff'],
	'person.phone': ['admin', 'staff'],
	'checkin.read': ['admin', 'staff'],
	'request.read': ['admin', 'staff', 'manager'],
	'request.dispatch': ['admin', 'staff', 'manager'],
	'bot.manage': ['admin', 'staff', 'manager'],
	'room.manage': ['admin', 'staff', 'manager'],
	'activity.manage': ['admin', 'staff', 'manager'],
	'points.manage': [], // the earning rules: city-wide admins only
	'points.read': ['admin', 'staff'],
	'points.correct': ['admin', 'staff'],
	'shop.manage': ['admin', 'staff', 'manager'],
};
const EFFECTIVE = {
	'GET /api/v1/accounts/{id}': 'account.read',
	'PATCH /api/v1/accounts/{id}': 'account.update',
	'PUT /api/v1/accounts/{id}/password': 'account.update',
	'GET /api/v1/people/{id}': 'person.read',
	'PATCH /api/v1/people/{id}': 'person.edit',
};
// Actions no role holds, decided by a policy of the server's instead; the
// server here keeps the defaults (health.test.mjs walks the other policies).
const POLICY = {
	'metrics.read': 'public', // --metrics-access public
};
// The region-scoped nouns: one of each made inside and outside.
const COLLECTIONS = ['work_sites', 'teams', 'party_orgs', 'grids'];
let seq = 0;
const NEW = {
	work_sites: (region) => ({ name: `矩阵站点${++seq}`, address: '测试路 2 号', region_code: region }),
	teams: (region) => ({ name: `矩阵队${++seq}`, region_code: region }),
	party_orgs: (region) => ({ kind: 'committee', name: `矩阵党委${++seq}`, region_code: region }),
	grids: (region) => ({ name: `矩阵网格${++seq}`, region_code: region }),
};
// A group bot of each side's station: the manager's station is inside. Its
// address is on this machine and refuses connections, so a test message
// goes nowhere.
const NEW_BOT = (station) => ({ name: `矩阵群${++seq}`, kind: 'wecom', url: 'http://127.0.0.1:9/matrix?key=0123456789abcdef', topics: ['request.created'], station_id: station });
const NEW_ACTIVITY = (station, starts) => ({ kind: 'training', title: `矩阵培训${++seq}`, station_id: station, starts_at: new Date(starts * 1000).toISOString(), ends_at: new Date((starts + 3600) * 1000).toISOString(), capacity: 5 });
const ROLES = ['admin', 'staff', 'manager', 'volunteer', 'worker', 'resident'];
const IN_REGION = '610303008003'; // 龙腾路社区: inside every caller's scope
const OUT_REGION = '610302004001'; // 姜谭街社区, another district of 宝鸡

let srv;
let root; // admin@*: makes the objects
const callers = {}; // role → { token, account, scope }
const place = {}; // inside / outside → { station }

const rootApi = (opts) => api(srv.url, { ...opts, session: root });

async function firstStation(region) {
	const res = await api(srv.url, { path: `/api/v1/stations?region=${region}&limit=1` });
	assert.ok(res.json?.items?.length, `a demo station in ${region}`);
	return res.json.items[0].id;
}

/** A new account holding resident@region, with one API token: its objects. */
async function target(region) {
	const acc = await rootApi({ method: 'POST', path: '/api/v1/accounts', body: { phone: uniquePhone('147'), name: '对象' } });
	assert.equal(acc.status, 201, acc.text);
	const g = await rootApi({ method: 'POST', path: `/api/v1/accounts/${acc.json.id}/roles`, body: { role: 'resident', scope: region } });
	assert.equal(g.status, 201, g.text);
	const tok = await rootApi({ method: 'POST', path: '/api/v1/tokens', body: { account_id: acc.json.id, name: '对象令牌' } });
	assert.equal(tok.status, 201, tok.text);
	return { id: acc.json.id, grantId: g.json.roles[0].id, tokenId: tok.json.id };
}

before(async () => {
	srv = await startServer();
	const phone = uniquePhone('135');
	await addUser(srv.dbUrl, { phone, name: '全局', role: 'admin@*', password: 'Matrix#2026' });
	root = await login(srv.url, phone, 'Matrix#2026');
	place.inside = { station: await firstStation(IN_REGION), region: IN_REGION };
	place.outside = { station: await firstStation('610302'), region: OUT_REGION };
	for (const side of ['inside', 'outside']) {
		const made = await rootApi({ method: 'POST', path: '/api/v1/people', body: { name: '矩阵对象', phone: uniquePhone('152'), region_code: place[side].region } });
		assert.equal(made.status, 201, made.text);
		place[side].person = made.json.id;
		for (const c of COLLECTIONS) {
			const r = await rootApi({ method: 'POST', path: `/api/v1/${c}`, body: NEW[c](place[side].region) });
			assert.equal(r.status, 201, `${c}: ${r.text}`);
			place[side][c] = r.json.id;
		}
		const bot = await rootApi({ method: 'POST', path: '/api/v1/bots', body: NEW_BOT(place[side].station) });
		assert.equal(bot.status, 201, `bots: ${bot.text}`);
		place[side].bots = bot.json.id;
		const room = await rootApi({ method: 'POST', path: `/api/v1/stations/${place[side].station}/rooms`, body: { name: `矩阵会议室${++seq}`, capacity: 10 } });
		assert.equal(room.status, 201, `rooms: ${room.text}`);
		place[side].room = room.json.id;
		// A published activity at each side's station (a draft is not even
		// seen from outside: 404, where the matrix wants the 403 of a
		// visible object).
		const starts = Math.floor(Date.now() / 1000) + 7 * 86400;
		const act = await rootApi({ method: 'POST', path: '/api/v1/activities', body: NEW_ACTIVITY(place[side].station, starts) });
		assert.equal(act.status, 201, `activities: ${act.text}`);
		const pub = await rootApi({ method: 'POST', path: `/api/v1/activities/${act.json.id}/publish` });
		assert.equal(pub.status, 200, pub.text);
		place[side].activities = act.json.id;
	}
	const scopes = {
		admin: '610303',
		staff: '610303008',
		manager: `station:${place.inside.station}`,
		volunteer: IN_REGION,
		worker: IN_REGION,
		resident: IN_REGION,
	};
	for (const role of ROLES) {
		const p = uniquePhone('136');
		await addUser(srv.dbUrl, { phone: p, name: `矩阵${role}`, role: `${role}@${scopes[role]}` });
		const id = (await rootApi({ path: `/api/v1/accounts?q=${p}` })).json.items[0].id;
		const tok = await rootApi({ method: 'POST', path: '/api/v1/tokens', body: { account_id: id, name: `matrix ${role}` } });
		assert.equal(tok.status, 201, tok.text);
		callers[role] = { token: tok.json.token, id, scope: scopes[role] };
	}
});
after(() => srv?.stop());

/** The status of a streamed answer (text/event-stream), without waiting for an end that never comes. */
async function streamStatus(url, path, token) {
	const ctl = new AbortController();
	const res = await fetch(url + path, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal: ctl.signal });
	const text = res.status === 200 ? '' : await res.text();
	ctl.abort();
	return { status: res.status, text };
}

/** What kind of object a route acts on, from its path (or body). */
function objectOf(method, path) {
	if (/\/stations\/\{id\}/.test(path) || (method === 'POST' && path === '/api/v1/stations')) return 'station';
	if (/\/accounts\/\{id\}/.test(path)) return 'account';
	if (/\/tokens\/\{id\}/.test(path) || (method === 'POST' && path === '/api/v1/tokens')) return 'account';
	if (/\/regions\/\{code\}/.test(path) && method !== 'GET') return 'region';
	if (/\/people\/\{id\}/.test(path) || (method === 'POST' && path === '/api/v1/people')) return 'person';
	for (const c of COLLECTIONS) if (path.startsWith(`/api/v1/${c}/{id}`) || (method === 'POST' && path === `/api/v1/${c}`)) return c;
	if (path.startsWith('/api/v1/bots/{id}') || (method === 'POST' && path === '/api/v1/bots')) return 'bots';
	if (path === '/api/v1/checkins/tally') return 'region';
	if (path === '/api/v1/rooms/{id}') return 'room';
	if (method === 'POST' && path === '/api/v1/activities') return 'activities';
	if (path.startsWith('/api/v1/activities/{id}') && judgedAtActivity(method, path)) return 'activities';
	if (path === '/api/v1/points/entries' || path === '/api/v1/points/summary') return 'region';
	return null;
}

/** The activity routes judged against the activity's place (the others take any signed-in person). */
function judgedAtActivity(method, path) {
	return !/\/(signup|attend)$/.test(path) && !(method === 'GET' && path === '/api/v1/activities/{id}');
}

function expected(method, path, permission, role, side) {
	const action = EFFECTIVE[`${method} ${path}`] ?? permission;
	if (action === 'public' || POLICY[action] === 'public') return 'allowed';
	if (role === 'anonymous') return 401;
	if (action === 'signed_in') return 'allowed';
	const roles = ROLES_FOR[action];
	assert.ok(roles, `the matrix has no row for action ${action} (${method} ${path}): add it to ROLES_FOR`);
	if (!roles.includes(role)) return 403;
	if (!objectOf(method, path)) return 'allowed';
	return side === 'inside' ? 'allowed' : 403;
}

/** The request for route as seen from side: path ids, query and body. */
async function request(method, path, side) {
	const where = place[side];
	const needsAccount = /\/accounts\/\{id\}|\/tokens/.test(path) && method !== 'GET';
	const who = needsAccount || /\/accounts\/\{id\}/.test(path) ? await target(where.region) : null;
	let p = path
		.replace('/stations/{id}', `/stations/${where.station}`)
		.replace('/accounts/{id}', `/accounts/${who?.id}`)
		.replace('{grant_id}', String(who?.grantId))
		.replace('/tokens/{id}', `/tokens/${who?.tokenId}`)
		.replace('/regions/{code}', `/regions/${where.region}`)
		.replace('/people/{id}', `/people/${where.person}`)
		.replace(/\/(work_sites|teams|party_orgs|grids|bots)\/\{id\}/, (_, c) => `/${c}/${where[c]}`)
		.replace(/\/rooms\/\{id\}$/, `/rooms/${where.room}`)
		.replace(/\/(work_sites|teams|party_orgs|grids|bots|activities)\/\{id\}/, (_, c) => `/${c}/${where[c]}`)
		.replace('{person_id}', String(where.person))
		.replace('/amenities/{code}', '/amenities/matrix_item')
		.replace('/requests/categories/{kind}/{code}', '/requests/categories/order/matrix_item')
		.replace('{photo_id}', '999999')
		.replace('{id}', '999999');
	let body;
	if (method !== 'GET' && method !== 'DELETE') body = {};
	if (method === 'POST' && path === '/api/v1/stations')
		body = { name: '矩阵驿站', level: 'community', region_code: where.region, address: '测试路 1 号', location: { lat: 34.36, lng: 107.2 } };
	if (path.endsWith('/roles') && method === 'POST') body = { role: 'resident', scope: where.region };
	if (method === 'POST' && path === '/api/v1/tokens') body = { account_id: who.id, name: '矩阵' };
	if (path.endsWith('/password')) body = { password: 'Matrix#Pw2026' };
	if (path.endsWith('/close')) body = { reason: '矩阵测试' };
	if (path.endsWith('/location')) body = { lat: 34.36, lng: 107.2 };
	if (method === 'POST' && path === '/api/v1/people') body = { name: '矩阵人员', phone: uniquePhone('151'), region_code: where.region };
	if (method === 'PATCH' && path === '/api/v1/people/{id}') body = { name: '矩阵改名' };
	if (path === '/api/v1/checkins/tally') p += `?region=${where.region}`;
	if (path === '/api/v1/points/entries' || path === '/api/v1/points/summary') p += `?region=${where.region}`;
	for (const c of COLLECTIONS) {
		if (method === 'POST' && path === `/api/v1/${c}`) body = NEW[c](where.region);
		if (method === 'PATCH' && path === `/api/v1/${c}/{id}`) body = { name: `矩阵改名${++seq}` };
	}
	if (method === 'POST' && path === '/api/v1/bots') body = NEW_BOT(where.station);
	if (method === 'POST' && path === '/api/v1/activities') body = NEW_ACTIVITY(where.station, Math.floor(Date.now() / 1000) + 7 * 86400);
	if (path === '/api/v1/activities.ics') p += `?station=${where.station}`;
	// Bodies the activity routes take, so that the place decides (not a 422).
	if (path === '/api/v1/activities/{id}/cancel') body = { reason: '矩阵测试' };
	if (method === 'POST' && path === '/api/v1/activities/{id}/sheet') body = { account_id: callers.admin.id, state: 'attended' };
	if (path === '/api/v1/activities/{id}/desk') body = { items: [] };
	if (path === '/api/v1/activities/{id}/problems') body = { text: '矩阵问题' };
	if (path.endsWith('/members') && method === 'POST') body = { person_id: where.person };
	if (path.endsWith('/contacts') && method === 'POST') body = { channel: 'phone' };
	// Erasing a person of the matrix is harmless; a caller erasing itself
	// (/me/erase) gets {} and is refused for want of confirm.
	if (path === '/api/v1/people/{id}/erase') body = { confirm: true };
	if (method === 'PATCH' && path === '/api/v1/accounts/{id}') body = { name: '矩阵改名' };
	if (method === 'PUT' && path.startsWith('/api/v1/amenities/')) body = { name_zh: '矩阵', name_en: 'Matrix', icon: 'droplet' };
	if (method === 'PUT' && path.startsWith('/api/v1/requests/categories/')) body = { name: '矩阵', respond_hours: 1, resolve_hours: 2 };
	return { path: p, body };
}

test('every route × every role × inside and outside its scope answers as the table says', async () => {
	const doc = (await api(srv.url, { path: '/api/v1/openapi.json' })).json;
	const failures = [];
	let walked = 0;
	for (const [path, ops] of Object.entries(doc.paths)) {
		for (const [m, op] of Object.entries(ops)) {
			const method = m.toUpperCase();
			if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) continue;
			const permission = op['x-permission'];
			assert.ok(permission, `${method} ${path} names its permission`);
			for (const role of ['anonymous', ...ROLES]) {
				for (const side of ['inside', 'outside']) {
					const want = expected(method, path, permission, role, side);
					const req = await request(method, path, side);
					const token = role === 'anonymous' ? undefined : callers[role].token;
					// A route that takes a picture (not JSON) gets a few bytes of the
					// first type it names: the permission is judged before the bytes.
					const media = Object.keys(op.requestBody?.content ?? {});
					const raw = media.length && !media.includes('application/json');
					const streamed = op.responses?.['200']?.content?.['text/event-stream'];
					const res = streamed
						? await streamStatus(srv.url, req.path, token)
						: await api(srv.url, {
								method, path: req.path, token,
								body: raw ? new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) : req.body,
								headers: raw ? { 'Content-Type': media[0] } : {},
							});
					walked++;
					const ok = want === 'allowed' ? res.status !== 401 && res.status !== 403 : res.status === want;
					if (!ok)
						failures.push(`${method} ${path} as ${role} ${side}: want ${want}, got ${res.status} ${res.text.slice(0, 160)}`);
				}
			}
		}
	}
	assert.ok(walked > 300, `walked ${walked} requests`);
	assert.deepEqual(failures, []);
});

test('the table covers every action the server names', async () => {
	const doc = (await api(srv.url, { path: '/api/v1/openapi.json' })).json;
	const named = new Set();
	for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) if (op['x-permission']) named.add(op['x-permission']);
	for (const a of named) assert.ok(a === 'public' || a === 'signed_in' || a in ROLES_FOR || a in POLICY, `action ${a} has a row`);
});
