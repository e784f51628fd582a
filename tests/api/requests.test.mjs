// The service loop on the real server: a resident orders, staff dispatch, a
// member accepts, works and resolves, the resident rates; every transition
// and every refusal (wrong state, wrong person) with its history row; two
// members accepting at once (one wins); wishes claimed by a volunteer;
// photo reports with their duplicates; mediation with masked parties and its
// success rate; tasks with a proof photo; visits with a record; suggestions
// made projects; who may see what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, sqlRows, addUser, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone, rawRequest } from './lib/client.mjs';
import { assertJson, assertProblem, loadOpenapi } from './lib/schema.mjs';
import { solidPng } from './lib/images.mjs';

const STREET = '610303008';
const COMMUNITY = '610303008003';

let srv, admin, staff, manager, volunteer, resident, outsider, otherStaff, member2;
let station; // the manager's station
const as = (who, opts) => api(srv.url, { ...opts, session: who });
const step = (who, id, body) => as(who, { method: 'POST', path: `/api/v1/requests/${id}/steps`, body });
const file = (who, body, query = '') => as(who, { method: 'POST', path: `/api/v1/requests${query}`, body });
const count = async (table) => Number((await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM ${table}`))[0][0]);

async function newAccount(role, name) {
	const phone = uniquePhone('177');
	await addUser(srv.dbUrl, { phone, name, role, password: 'Loop#2026x' });
	return login(srv.url, phone, 'Loop#2026x');
}

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	[admin, staff, manager, volunteer, resident] = await Promise.all([
		login(srv.url, DEMO.admin, DEMO_PASSWORD),
		login(srv.url, DEMO.staff, DEMO_PASSWORD),
		login(srv.url, DEMO.manager, DEMO_PASSWORD),
		login(srv.url, DEMO.volunteer, DEMO_PASSWORD),
		login(srv.url, DEMO.resident, DEMO_PASSWORD),
	]);
	outsider = await newAccount(`resident@${COMMUNITY}`, '旁人');
	otherStaff = await newAccount('staff@610302004', '别的街道');
	member2 = await newAccount(`volunteer@${COMMUNITY}`, '队员二');
	station = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
});
after(() => srv?.stop());

test('the catalog names every kind with its categories and deadlines', async () => {
	const r = await api(srv.url, { path: '/api/v1/requests/categories' });
	await assertJson(srv.url, r, 200, 'RequestCatalog');
	assert.deepEqual(r.json.kinds.map((k) => k.code), ['order', 'wish', 'report', 'suggestion', 'mediation', 'task', 'visit']);
	const order = r.json.kinds.find((k) => k.code === 'order');
	assert.ok(order.categories.some((c) => c.code === 'repair' && c.respond_hours === 4 && c.resolve_hours === 48));
	assert.equal(r.json.states.length, 10);
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/requests/categories?kind=spell' }), 422, 'validation', { fields: ['kind'] });
});

test('the whole loop: resident orders, staff dispatch, member accepts and resolves, resident rates', async () => {
	const made = await file(resident, { kind: 'order', category: 'repair', title: '电动车没电了', description: '在驿站门口，\n需要充电器', station_id: station });
	await assertJson(srv.url, made, 201, 'Request');
	const id = made.json.id;
	assert.equal(made.headers.get('location'), `/api/v1/requests/${id}`);
	assert.equal(made.json.state, 'submitted');
	assert.equal(made.json.state_name, '已提交');
	assert.equal(made.json.requester.name.length > 0, true);
	assert.deepEqual(made.json.actions, ['cancel']);
	assert.equal(made.json.station.id, station);

	// The staff's queue has it; the resident's own list too.
	const queue = await as(staff, { path: '/api/v1/requests?state=open&kind=order' });
	await assertJson(srv.url, queue, 200, 'RequestPage');
	assert.ok(queue.json.items.some((r) => r.id === id));
	assert.ok((await as(resident, { path: '/api/v1/requests?mine=1' })).json.items.some((r) => r.id === id));

	// Refusals before dispatch: named in the answer, nothing changed.
	const early = await step(resident, id, { action: 'rate', rating: 5 });
	await assertProblem(srv.url, early, 409, 'invalid-transition');
	assert.match(early.json.detail, /已提交/);
	// Someone with no part in it is not told it exists.
	await assertProblem(srv.url, await step(outsider, id, { action: 'accept' }), 404, 'not-found');
	const byResident = await step(resident, id, { action: 'dispatch', assignee_id: volunteer.account.id });
	await assertProblem(srv.url, byResident, 403, 'forbidden');
	assert.match(byResident.json.detail, /工作人员/);
	await assertProblem(srv.url, await step(staff, id, { action: 'dispatch' }), 422, 'validation', { fields: ['assignee_id'] });
	await assertProblem(srv.url, await step(staff, id, { action: 'fly' }), 422, 'validation', { fields: ['action'] });

	const dispatched = await step(staff, id, { action: 'dispatch', assignee_id: volunteer.account.id, note: '请尽快' });
	await assertJson(srv.url, dispatched, 200, 'Request');
	assert.equal(dispatched.json.state, 'dispatched');
	assert.equal(dispatched.json.assignee.id, volunteer.account.id);
	// Only the assignee takes it.
	await assertProblem(srv.url, await step(resident, id, { action: 'accept' }), 403, 'forbidden');
	assert.ok((await as(volunteer, { path: '/api/v1/requests?assigned=1' })).json.items.some((r) => r.id === id));
	const accepted = await step(volunteer, id, { action: 'accept' });
	assert.equal(accepted.json.state, 'accepted');
	assert.deepEqual(accepted.json.actions.sort(), ['resolve', 'start']);
	assert.equal((await step(volunteer, id, { action: 'start' })).json.state, 'in_progress');
	await assertProblem(srv.url, await step(resident, id, { action: 'resolve' }), 403, 'forbidden');
	const resolved = await step(volunteer, id, { action: 'resolve', note: '已送充电器' });
	assert.equal(resolved.json.state, 'resolved');
	// Only the requester rates, 1–5.
	await assertProblem(srv.url, await step(volunteer, id, { action: 'rate', rating: 5 }), 403, 'forbidden');
	await assertProblem(srv.url, await step(resident, id, { action: 'rate', rating: 6 }), 422, 'validation', { fields: ['rating'] });
	await assertProblem(srv.url, await step(resident, id, { action: 'rate', rating: 0 }), 422, 'validation', { fields: ['rating'] });
	const rated = await step(resident, id, { action: 'rate', rating: 5, comment: '很及时' });
	assert.equal(rated.json.state, 'rated');
	assert.equal(rated.json.rating, 5);
	await assertProblem(srv.url, await step(resident, id, { action: 'rate', rating: 4 }), 409, 'invalid-transition');

	// Each one concerned heard of it in their inbox.
	const told = async (who) => (await sqlRows(srv.dbUrl, `SELECT kind FROM inbox WHERE account_id = ${who.account.id} AND ref_noun = 'request' AND ref_id = ${id} ORDER BY id`)).map((r) => r[0]);
	assert.deepEqual(await told(volunteer), ['dispatched', 'rated']);
	assert.deepEqual(await told(resident), ['accepted', 'resolved']);
	const unread = await as(volunteer, { path: '/api/v1/me/inbox/unread' });
	assert.ok(unread.json.unread >= 2);

	const history = await as(resident, { path: `/api/v1/requests/${id}/history` });
	await assertJson(srv.url, history, 200, 'RequestHistory');
	assert.deepEqual(history.json.items.map((e) => [e.action, e.from_state, e.to_state]), [
		['submit', null, 'submitted'],
		['dispatch', 'submitted', 'dispatched'],
		['accept', 'dispatched', 'accepted'],
		['start', 'accepted', 'in_progress'],
		['resolve', 'in_progress', 'resolved'],
		['rate', 'resolved', 'rated'],
	]);
	assert.equal(history.json.items[1].note, '请尽快');
	// Every step is audited too.
	const audited = await sqlRows(srv.dbUrl, `SELECT action FROM audit_log WHERE object_type = 'request' AND object_id = '${id}' ORDER BY id`);
	assert.deepEqual(audited.map((r) => r[0]), ['request.submit', 'request.dispatch', 'request.accept', 'request.start', 'request.resolve', 'request.rate']);
	// And each is an outbox event for the live queue and the group bots.
	const events = await sqlRows(srv.dbUrl, `SELECT topic, region_code, station_id FROM outbox WHERE object_id = '${id}' AND topic LIKE 'request.%' ORDER BY id`);
	assert.equal(events.length, 6);
	assert.ok(events.every((e) => e[1].startsWith(STREET) && Number(e[2]) === station));
});

test('bad requests are refused, every field named, nothing written', async () => {
	const before = await count('requests');
	const bad = await file(resident, { kind: 'spaceship', category: '', title: '', location: { lat: 40.7, lng: -74.0 } });
	await assertProblem(srv.url, bad, 422, 'validation', { fields: ['kind', 'category', 'title', 'location'] });
	const unknown = await file(resident, { kind: 'order', category: 'nope', title: '标题', station_id: station });
	await assertProblem(srv.url, unknown, 422, 'validation', { fields: ['category'] });
	const long = await file(resident, { kind: 'order', category: 'repair', title: '长'.repeat(61), station_id: station, extra: 1 });
	await assertProblem(srv.url, long, 422, 'validation', { fields: ['title', 'extra'] });
	const noPlace = await file(outsider, { kind: 'order', category: 'repair', title: '没有地点' });
	await assertProblem(srv.url, noPlace, 422, 'validation', { fields: ['station_id'] });
	const noStation = await file(resident, { kind: 'order', category: 'repair', title: '没有驿站', station_id: 99999999 });
	await assertProblem(srv.url, noStation, 422, 'validation', { fields: ['station_id'] });
	const reportNoWhere = await file(resident, { kind: 'report', category: 'road', title: '路灯坏了', region_code: COMMUNITY });
	await assertProblem(srv.url, reportNoWhere, 422, 'validation', { fields: ['location'] });
	await assertProblem(srv.url, await api(srv.url, { method: 'POST', path: '/api/v1/requests', body: { kind: 'order', category: 'repair', title: '匿名' } }), 401, 'unauthenticated');
	// Mediation, tasks and visits are the staff's to enter.
	await assertProblem(srv.url, await file(resident, { kind: 'mediation', category: 'neighbour', title: '漏水', parties: '张三 13800001234', station_id: station }), 403, 'forbidden');
	await assertProblem(srv.url, await file(resident, { kind: 'task', category: 'publicity', title: '发传单', station_id: station }), 403, 'forbidden');
	assert.equal(await count('requests'), before);
	// In English too, without Chinese.
	const en = await api(srv.url, { method: 'POST', path: '/api/v1/requests', session: resident, headers: { 'Accept-Language': 'en' }, body: { kind: 'order', category: 'nope', title: 'x', station_id: station } });
	assert.equal(en.status, 422);
	assert.ok(!/[\u3400-\u9fff]/.test(JSON.stringify(en.json)), en.text);
});

test('the same request accepted by two members at once: exactly one wins, the other gets 409', async () => {
	// A team of two, each a person with an account.
	for (const who of [volunteer, member2]) {
		const me = await as(who, { method: 'PATCH', path: '/api/v1/me/person', body: { name: who.account.name || '队员' } });
		assert.equal(me.status, 200, me.text);
	}
	const ids = [];
	for (const who of [volunteer, member2]) ids.push((await as(who, { path: '/api/v1/me/person' })).json.id);
	const team = await as(staff, { method: 'POST', path: '/api/v1/teams', body: { name: `抢单测试队${Date.now()}`, region_code: STREET } });
	assert.equal(team.status, 201, team.text);
	for (const pid of ids) assert.equal((await as(staff, { method: 'POST', path: `/api/v1/teams/${team.json.id}/members`, body: { person_id: pid } })).status, 200);
	for (let round = 0; round < 3; round++) {
		const made = await file(resident, { kind: 'order', category: 'errand', title: `代取快递 ${round}`, station_id: station });
		const id = made.json.id;
		const d = await step(staff, id, { action: 'dispatch', team_id: team.json.id });
		assert.equal(d.json.team.id, team.json.id);
		assert.equal(d.json.assignee, null);
		// Both see it among theirs.
		assert.ok((await as(member2, { path: '/api/v1/requests?assigned=1' })).json.items.some((r) => r.id === id));
		const [a, b] = await Promise.all([step(volunteer, id, { action: 'accept' }), step(member2, id, { action: 'accept' })]);
		const statuses = [a.status, b.status].sort();
		assert.deepEqual(statuses, [200, 409], `${a.text} ${b.text}`);
		const winner = a.status === 200 ? volunteer : member2;
		const loser = a.status === 200 ? b : a;
		assert.ok(['taken', 'invalid-transition', 'version-conflict'].some((t) => loser.json.type.endsWith(t)), loser.text);
		const now = await as(staff, { path: `/api/v1/requests/${id}` });
		assert.equal(now.json.assignee.id, winner.account.id);
		const accepts = await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM request_events WHERE request_id = ${id} AND action = 'accept'`);
		assert.equal(Number(accepts[0][0]), 1);
	}
});

test('a wish is claimed by a volunteer; the requester may not claim their own', async () => {
	const wish = await file(resident, { kind: 'wish', category: 'daily', title: '想要一个保温杯', station_id: station });
	assert.equal(wish.status, 201, wish.text);
	await assertProblem(srv.url, await step(resident, wish.json.id, { action: 'accept' }), 403, 'forbidden');
	// The open wishes are a wall every signed-in person sees.
	const wall = await as(member2, { path: `/api/v1/requests?kind=wish&state=open&wall=1&station_id=${station}` });
	const onWall = wall.json.items.find((x) => x.id === wish.json.id);
	assert.ok(onWall, wall.text);
	assert.deepEqual((await as(member2, { path: `/api/v1/requests/${wish.json.id}` })).json.actions, ['accept']);
	await assertProblem(srv.url, await as(member2, { path: '/api/v1/requests?kind=order&wall=1' }), 422, 'validation', { fields: ['wall'] });
	const claimed = await step(member2, wish.json.id, { action: 'accept' });
	assert.equal(claimed.status, 200, claimed.text);
	assert.equal(claimed.json.assignee.id, member2.account.id);
	assert.equal((await step(member2, wish.json.id, { action: 'resolve' })).json.state, 'resolved');
});

test('cancel, reject, reopen within seven days and not after, close', async () => {
	const a = await file(resident, { kind: 'order', category: 'legal', title: '咨询合同', station_id: station });
	await assertProblem(srv.url, await step(outsider, a.json.id, { action: 'cancel' }), 404, 'not-found');
	assert.equal((await step(resident, a.json.id, { action: 'cancel' })).json.state, 'cancelled');
	await assertProblem(srv.url, await step(resident, a.json.id, { action: 'reopen' }), 409, 'invalid-transition');

	const b = await file(resident, { kind: 'order', category: 'legal', title: '咨询工伤', station_id: station });
	await assertProblem(srv.url, await step(resident, b.json.id, { action: 'reject' }), 403, 'forbidden');
	assert.equal((await step(staff, b.json.id, { action: 'reject', note: '请到司法所' })).json.state, 'rejected');

	const c = await file(resident, { kind: 'order', category: 'elderly', title: '陪老人看病', station_id: station });
	await step(staff, c.json.id, { action: 'dispatch', assignee_id: volunteer.account.id });
	await step(volunteer, c.json.id, { action: 'accept' });
	await step(volunteer, c.json.id, { action: 'resolve' });
	const reopened = await step(resident, c.json.id, { action: 'reopen', note: '没有办好' });
	assert.equal(reopened.json.state, 'reopened');
	assert.equal(reopened.json.assignee, null);
	await step(staff, c.json.id, { action: 'dispatch', assignee_id: volunteer.account.id });
	await step(volunteer, c.json.id, { action: 'accept' });
	await step(volunteer, c.json.id, { action: 'resolve' });
	// Eight days later the requester may no longer reopen it.
	await sqlRows(srv.dbUrl, `UPDATE requests SET resolved_s = resolved_s - 8 * 86400 WHERE id = ${c.json.id}`);
	const late = await as(resident, { path: `/api/v1/requests/${c.json.id}` });
	assert.ok(!late.json.actions.includes('reopen'));
	await assertProblem(srv.url, await step(resident, c.json.id, { action: 'reopen' }), 409, 'reopen-expired');
	assert.equal((await step(staff, c.json.id, { action: 'close' })).json.state, 'closed');
	// A stale version is refused.
	const d = await file(resident, { kind: 'order', category: 'elderly', title: '送饭', station_id: station });
	await assertProblem(srv.url, await step(staff, d.json.id, { action: 'dispatch', assignee_id: volunteer.account.id, version: d.json.version + 3 }), 409, 'version-conflict');
});

test('who may see a request: not another resident, not the staff of another street', async () => {
	const r = await file(resident, { kind: 'order', category: 'repair', title: '修水管', station_id: station });
	await assertProblem(srv.url, await as(outsider, { path: `/api/v1/requests/${r.json.id}` }), 404, 'not-found');
	await assertProblem(srv.url, await as(otherStaff, { path: `/api/v1/requests/${r.json.id}` }), 404, 'not-found');
	await assertProblem(srv.url, await as(otherStaff, { path: `/api/v1/requests/${r.json.id}/history` }), 404, 'not-found');
	await assertProblem(srv.url, await step(otherStaff, r.json.id, { action: 'dispatch', assignee_id: volunteer.account.id }), 404, 'not-found');
	assert.ok(!(await as(otherStaff, { path: '/api/v1/requests' })).json.items.some((x) => x.id === r.json.id));
	await assertProblem(srv.url, await as(otherStaff, { path: `/api/v1/requests?region=${STREET}` }), 403, 'forbidden');
	// The station's manager sees it in the station's queue.
	assert.equal((await as(manager, { path: `/api/v1/requests/${r.json.id}` })).status, 200);
	assert.ok((await as(manager, { path: '/api/v1/requests?state=open' })).json.items.some((x) => x.id === r.json.id));
	// A resident's plain list is no one's queue.
	assert.deepEqual((await as(outsider, { path: '/api/v1/requests' })).json.items, []);
});

test('photo reports offer the open ones within 50 m to join; joining follows it', async () => {
	const here = { lat: 34.36312, lng: 107.13876 };
	const first = await file(resident, { kind: 'report', category: 'road', title: '井盖松动', location: here, region_code: COMMUNITY });
	assert.equal(first.status, 201, first.text);
	const near = await as(outsider, { path: `/api/v1/requests/duplicates?kind=report&category=road&lat=${here.lat + 0.0002}&lng=${here.lng}` });
	await assertJson(srv.url, near, 200, 'RequestNearbyList');
	const found = near.json.items.find((x) => x.id === first.json.id);
	assert.ok(found && found.distance_m >= 20 && found.distance_m <= 25, near.text);
	const far = await as(outsider, { path: `/api/v1/requests/duplicates?kind=report&category=road&lat=${here.lat + 0.001}&lng=${here.lng}` });
	assert.ok(!far.json.items.some((x) => x.id === first.json.id));
	const otherCategory = await as(outsider, { path: `/api/v1/requests/duplicates?kind=report&category=safety&lat=${here.lat}&lng=${here.lng}` });
	assert.ok(!otherCategory.json.items.some((x) => x.id === first.json.id));
	// In GCJ-02 the same place is found.
	const gcj = await as(outsider, { path: `/api/v1/requests/duplicates?category=road&lat=34.36190&lng=107.14342&crs=gcj02` });
	assert.ok(gcj.json.items.some((x) => x.id === first.json.id), gcj.text);
	await assertProblem(srv.url, await as(outsider, { path: '/api/v1/requests/duplicates?category=road&lat=40.7&lng=-74' }), 422, 'validation');
	await assertProblem(srv.url, await as(outsider, { path: '/api/v1/requests/duplicates?category=road' }), 422, 'validation', { fields: ['lat', 'lng'] });
	const joined = await as(outsider, { method: 'POST', path: `/api/v1/requests/${first.json.id}/follow` });
	assert.equal(joined.status, 200, joined.text);
	const seen = await as(outsider, { path: `/api/v1/requests/${first.json.id}` });
	assert.equal(seen.status, 200);
	assert.equal(seen.json.followers, 1);
	assert.deepEqual(seen.json.actions, []);
	// Closed reports are not offered.
	await step(staff, first.json.id, { action: 'close' });
	const after = await as(outsider, { path: `/api/v1/requests/duplicates?category=road&lat=${here.lat}&lng=${here.lng}` });
	assert.ok(!after.json.items.some((x) => x.id === first.json.id));
	await assertProblem(srv.url, await as(member2, { method: 'POST', path: `/api/v1/requests/${first.json.id}/follow` }), 409, 'invalid-transition');
});

test('photos of a request: by content, upright and stripped, seen only by those who see the request', async () => {
	const r = await file(resident, { kind: 'report', category: 'environment', title: '垃圾堆', location: { lat: 34.3601, lng: 107.1301 }, region_code: COMMUNITY });
	assert.equal(r.status, 201, r.text);
	const png = solidPng(40, 30, [200, 30, 30]);
	const up = (who, body, type = 'image/jpeg', role) =>
		as(who, { method: 'POST', path: `/api/v1/requests/${r.json.id}/photos${role ? `?role=${role}` : ''}`, body, headers: { 'Content-Type': type } });
	// A PNG sent as JPEG is taken by its content.
	const ok = await up(resident, png);
	assert.equal(ok.status, 201, ok.text);
	const text = await up(resident, Buffer.from('not a picture at all'), 'image/png');
	assert.equal(text.status, 422, text.text);
	await assertProblem(srv.url, await up(outsider, png), 404, 'not-found');
	await assertProblem(srv.url, await up(resident, png, 'image/png', 'proof'), 403, 'forbidden');
	await assertProblem(srv.url, await up(resident, png, 'text/plain'), 415, 'unsupported-media-type');
	const detail = await as(resident, { path: `/api/v1/requests/${r.json.id}` });
	assert.equal(detail.json.photos.length, 1);
	assert.equal(detail.json.photos[0].role, 'request');
	const pic = await api(srv.url, { path: detail.json.photos[0].url, session: resident });
	assert.equal(pic.status, 200);
	assert.equal(pic.headers.get('content-type'), 'image/jpeg');
	assert.match(pic.headers.get('cache-control'), /private/);
	assert.equal((await api(srv.url, { path: detail.json.photos[0].url, session: outsider })).status, 404);
	assert.equal((await api(srv.url, { path: detail.json.photos[0].url })).status, 404);
	// Over 12 MiB is refused as soon as the length is announced.
	const big = await rawRequest(srv.url, [[
		`POST /api/v1/requests/${r.json.id}/photos HTTP/1.1`, `Host: ${new URL(srv.url).host}`, 'Content-Type: image/jpeg',
		`Content-Length: ${13 * 1024 * 1024}`, `Cookie: ${resident.cookie}`, `X-CSRF-Token: ${resident.csrf}`, '', '',
	].join('\r\n')], { timeoutMs: 3000 });
	assert.equal(big.status, 413);
});

test('mediation: parties masked but for the studio, outcome required, success rate counted', async () => {
	const before = (await as(staff, { path: `/api/v1/requests/stats?region=${STREET}` })).json.mediation;
	const mk = (title, major) => file(staff, { kind: 'mediation', category: 'neighbour', title, parties: '张三丰 13812345678；李四光 13987654321', major, station_id: station, assignee_id: volunteer.account.id });
	const a = await mk('楼上漏水', true);
	assert.equal(a.status, 201, a.text);
	assert.equal(a.json.state, 'dispatched');
	assert.equal(a.json.parties, '张三丰 13812345678；李四光 13987654321');
	const seenByMediator = await as(volunteer, { path: `/api/v1/requests/${a.json.id}` });
	assert.equal(seenByMediator.json.parties, '张** 138****5678；李** 139****4321');
	await step(volunteer, a.json.id, { action: 'accept' });
	await assertProblem(srv.url, await step(volunteer, a.json.id, { action: 'resolve' }), 422, 'validation', { fields: ['settled'] });
	assert.equal((await step(volunteer, a.json.id, { action: 'resolve', settled: true })).json.settled, true);
	const b = await mk('噪音扰民', false);
	await step(volunteer, b.json.id, { action: 'accept' });
	await step(volunteer, b.json.id, { action: 'resolve', settled: false });
	await assertProblem(srv.url, await file(staff, { kind: 'mediation', category: 'neighbour', title: '无当事人', station_id: station }), 422, 'validation', { fields: ['parties'] });
	const stats = await as(staff, { path: `/api/v1/requests/stats?region=${STREET}` });
	await assertJson(srv.url, stats, 200, 'RequestStats');
	const m = stats.json.mediation;
	assert.equal(m.cases - before.cases, 2);
	assert.equal(m.major - before.major, 1);
	assert.equal(m.decided - before.decided, 2);
	assert.equal(m.settled - before.settled, 1);
	assert.ok(Math.abs(m.success_rate - m.settled / m.decided) < 1e-9);
	await assertProblem(srv.url, await as(resident, { path: '/api/v1/requests/stats' }), 403, 'forbidden');
	await assertProblem(srv.url, await as(otherStaff, { path: `/api/v1/requests/stats?region=${STREET}` }), 403, 'forbidden');
});

test('a task needs a proof photo and a count; a visit needs its record', async () => {
	const t = await file(staff, { kind: 'task', category: 'publicity', title: '派发反诈宣传册', station_id: station, assignee_id: volunteer.account.id });
	assert.equal(t.status, 201, t.text);
	await step(volunteer, t.json.id, { action: 'accept' });
	await assertProblem(srv.url, await step(volunteer, t.json.id, { action: 'resolve', proof_count: 50 }), 422, 'validation', { fields: ['proof_photo'] });
	const proof = await as(volunteer, { method: 'POST', path: `/api/v1/requests/${t.json.id}/photos?role=proof`, body: solidPng(20, 20, [0, 90, 200]), headers: { 'Content-Type': 'image/png' } });
	assert.equal(proof.status, 201, proof.text);
	await assertProblem(srv.url, await step(volunteer, t.json.id, { action: 'resolve' }), 422, 'validation', { fields: ['proof_count'] });
	const done = await step(volunteer, t.json.id, { action: 'resolve', proof_count: 50 });
	assert.equal(done.json.proof_count, 50);
	assert.equal(done.json.photos[0].role, 'proof');

	const v = await file(staff, { kind: 'visit', category: 'six', title: '走访独居老人', household: '龙腾路 3 号 王奶奶', reason: '独居', station_id: station, assignee_id: volunteer.account.id });
	assert.equal(v.status, 201, v.text);
	await assertProblem(srv.url, await file(staff, { kind: 'visit', category: 'six', title: '缺对象', station_id: station }), 422, 'validation', { fields: ['household'] });
	await step(volunteer, v.json.id, { action: 'accept' });
	await assertProblem(srv.url, await step(volunteer, v.json.id, { action: 'resolve' }), 422, 'validation', { fields: ['record'] });
	const rec = await step(volunteer, v.json.id, { action: 'resolve', record: '身体健康，需要送药' });
	assert.equal(rec.json.record, '身体健康，需要送药');
});

test('a suggestion becomes a service project, and cannot become two', async () => {
	const s = await file(resident, { kind: 'suggestion', category: 'station', title: '驿站增加微波炉', station_id: station });
	await assertProblem(srv.url, await as(resident, { method: 'POST', path: `/api/v1/requests/${s.json.id}/project`, body: { title: '微波炉进驿站', starts_on: '2026-12-20' } }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: `/api/v1/requests/${s.json.id}/project`, body: { title: '微波炉进驿站', starts_on: '20 December' } }), 422, 'validation', { fields: ['starts_on'] });
	const p = await as(staff, { method: 'POST', path: `/api/v1/requests/${s.json.id}/project`, body: { title: '微波炉进驿站', starts_on: '2026-12-20' } });
	assert.equal(p.status, 201, p.text);
	const now = await as(resident, { path: `/api/v1/requests/${s.json.id}` });
	assert.equal(now.json.project_id, p.json.id);
	assert.equal(now.json.state, 'closed');
	const h = await as(resident, { path: `/api/v1/requests/${s.json.id}/history` });
	assert.match(h.json.items.at(-1).note, /微波炉进驿站/);
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: `/api/v1/requests/${s.json.id}/project`, body: { title: '再来一次', starts_on: '2026-12-21' } }), 409, 'already-project');
	const order = await file(resident, { kind: 'order', category: 'repair', title: '不是建议', station_id: station });
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: `/api/v1/requests/${order.json.id}/project`, body: { title: 'x', starts_on: '2026-12-21' } }), 404, 'not-found');
});
