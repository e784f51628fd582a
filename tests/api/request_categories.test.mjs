// The request catalog is the city's to edit: a city admin adds a category,
// renames it, gives it other deadlines (for what is filed from then on) and
// retires it (no new request takes it, the old ones keep it). A district
// admin, staff and residents may not; every bad value is a 422 naming the
// field, and a refused change writes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, sqlRows, addUser, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, loadOpenapi } from './lib/schema.mjs';

const COMMUNITY = '610303008003';

let srv, admin, districtAdmin, staff, resident, station;
const as = (who, opts) => api(srv.url, { ...opts, session: who });
const put = (who, kind, code, body) => as(who, { method: 'PUT', path: `/api/v1/requests/categories/${kind}/${code}`, body });
const catalog = async () => (await api(srv.url, { path: '/api/v1/requests/categories' })).json;
const categoryOf = (cat, kind, code) => cat.kinds.find((k) => k.code === kind).categories.find((c) => c.code === code);
const rows = async (sql) => sqlRows(srv.dbUrl, sql);
const dueHours = async (id) => {
	const [[respond, resolve, created]] = await rows(`SELECT respond_due_s, resolve_due_s, created_s FROM requests WHERE id = ${Number(id)}`);
	return [(Number(respond) - Number(created)) / 3600, (Number(resolve) - Number(created)) / 3600];
};

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	[admin, staff, resident] = await Promise.all([
		login(srv.url, DEMO.admin, DEMO_PASSWORD),
		login(srv.url, DEMO.staff, DEMO_PASSWORD),
		login(srv.url, DEMO.resident, DEMO_PASSWORD),
	]);
	const phone = uniquePhone('176');
	await addUser(srv.dbUrl, { phone, name: '区管理员', role: 'admin@610303', password: 'Catalog#2026x' });
	districtAdmin = await login(srv.url, phone, 'Catalog#2026x');
	[[station]] = await rows(`SELECT id FROM stations WHERE region_code LIKE '${COMMUNITY}%' ORDER BY id LIMIT 1`);
	station = Number(station);
});
after(() => srv?.stop());

test('a city admin adds a category; residents file under it with its deadlines', async () => {
	const made = await put(admin, 'order', 'bike_fix', { name: '单车维修', name_en: 'Bike repairs', respond_hours: 2, resolve_hours: 12, sort: 5 });
	await assertJson(srv.url, made, 201, 'RequestCategory');
	assert.equal(made.headers.get('location'), '/api/v1/requests/categories/order/bike_fix');
	assert.deepEqual(made.json, { kind: 'order', code: 'bike_fix', name: '单车维修', name_en: 'Bike repairs', respond_hours: 2, resolve_hours: 12, sort: 5, retired: false });
	assert.deepEqual(categoryOf(await catalog(), 'order', 'bike_fix'), { code: 'bike_fix', name: '单车维修', name_en: 'Bike repairs', respond_hours: 2, resolve_hours: 12, sort: 5, retired: false });

	const filed = await as(resident, { method: 'POST', path: '/api/v1/requests', body: { kind: 'order', category: 'bike_fix', title: '链条掉了', station_id: station } });
	assert.equal(filed.status, 201, filed.text);
	assert.deepEqual(await dueHours(filed.json.id), [2, 12]);

	const [[action, object, scope]] = await rows("SELECT action, object_id, scope FROM audit_log WHERE object_type = 'request_category' ORDER BY id DESC LIMIT 1");
	assert.deepEqual([action, object, scope], ['request_category.create', 'order.bike_fix', ''], 'city-wide: no scope');
});

test('new deadlines apply to what is filed from then on; sort and retired stay when not given', async () => {
	await put(admin, 'order', 'tyre', { name: '补胎', respond_hours: 2, resolve_hours: 12, sort: 7 });
	const before = await as(resident, { method: 'POST', path: '/api/v1/requests', body: { kind: 'order', category: 'tyre', title: '后胎漏气', station_id: station } });
	assert.equal(before.status, 201, before.text);

	const changed = await put(admin, 'order', 'tyre', { name: '补胎打气', respond_hours: 1, resolve_hours: 6 });
	await assertJson(srv.url, changed, 200, 'RequestCategory');
	assert.equal(changed.headers.get('location'), null);
	assert.equal(changed.json.name, '补胎打气');
	assert.equal(changed.json.name_en, '补胎打气', 'no English name: the Chinese one');
	assert.equal(changed.json.sort, 7, 'sort kept');
	assert.equal(changed.json.retired, false);

	const after = await as(resident, { method: 'POST', path: '/api/v1/requests', body: { kind: 'order', category: 'tyre', title: '前胎漏气', station_id: station } });
	assert.equal(after.status, 201, after.text);
	assert.deepEqual(await dueHours(before.json.id), [2, 12], 'filed before: its deadlines stand');
	assert.deepEqual(await dueHours(after.json.id), [1, 6]);

	const [[detail]] = await rows("SELECT detail FROM audit_log WHERE action = 'request_category.update' AND object_id = 'order.tyre'");
	const d = JSON.parse(detail);
	assert.equal(d.name_was, '补胎');
	assert.equal(d.respond_hours_was, 2);
	assert.equal(d.respond_hours, 1);
});

test('a retired category takes no new request, keeps its old ones, and is not offered over Open311', async () => {
	await put(admin, 'report', 'bench_broken', { name: '座椅损坏', respond_hours: 4, resolve_hours: 48 });
	const old = await as(resident, { method: 'POST', path: '/api/v1/requests', body: { kind: 'report', category: 'bench_broken', title: '长椅断了', station_id: station } });
	assert.equal(old.status, 201, old.text);
	const services = async () => (await api(srv.url, { path: '/open311/v2/services.json?jurisdiction_id=6103' })).json.map((s) => s.service_code);
	assert.ok((await services()).includes('report.bench_broken'));

	const retired = await put(admin, 'report', 'bench_broken', { name: '座椅损坏', respond_hours: 4, resolve_hours: 48, retired: true });
	await assertJson(srv.url, retired, 200, 'RequestCategory');
	assert.equal(retired.json.retired, true);
	assert.equal(categoryOf(await catalog(), 'report', 'bench_broken').retired, true, 'still listed, to name old requests');
	assert.ok(!(await services()).includes('report.bench_broken'));

	const refused = await as(resident, { method: 'POST', path: '/api/v1/requests', body: { kind: 'report', category: 'bench_broken', title: '又断了一张', station_id: station } });
	const p = await assertProblem(srv.url, refused, 422, 'validation', { fields: ['category'] });
	assert.match(p.errors.find((e) => e.field === 'category').message, /已停用/);
	const located = await as(resident, { method: 'POST', path: '/api/v1/requests', body: { kind: 'report', category: 'bench_broken', title: '又断了一张', location: { lat: 34.25, lng: 108.95 } } });
	await assertProblem(srv.url, located, 422, 'validation', { fields: ['category'] });

	// An Open311 client naming it is told so, in the standard's error format.
	const token = await as(admin, { method: 'POST', path: '/api/v1/tokens', body: { account_id: resident.account.id, name: '热线' } });
	assert.equal(token.status, 201, token.text);
	const via311 = await api(srv.url, {
		method: 'POST', path: '/open311/v2/requests.json',
		body: { api_key: token.json.token, jurisdiction_id: '6103', service_code: 'report.bench_broken', description: '长椅又断了', lat: '34.365', long: '107.146' },
	});
	assert.equal(via311.status, 400, via311.text);
	assert.match(via311.json[0].description, /已停用/);

	const kept = await as(resident, { path: `/api/v1/requests/${old.json.id}` });
	assert.equal(kept.status, 200);
	assert.equal(kept.json.category, 'bench_broken');

	// Back in service.
	assert.equal((await put(admin, 'report', 'bench_broken', { name: '座椅损坏', respond_hours: 4, resolve_hours: 48, retired: false })).status, 200);
	const again = await as(resident, { method: 'POST', path: '/api/v1/requests', body: { kind: 'report', category: 'bench_broken', title: '还是那张椅子', station_id: station } });
	assert.equal(again.status, 201, again.text);
});

test('only a city-wide admin changes the catalog', async () => {
	const body = { name: '越权', respond_hours: 1, resolve_hours: 2 };
	const count = async () => Number((await rows('SELECT COUNT(*) FROM request_categories'))[0][0]);
	const n = await count();
	const district = await put(districtAdmin, 'order', 'sneaky', body);
	const p = await assertProblem(srv.url, district, 403, 'forbidden');
	assert.match(p.detail, /市级/);
	await assertProblem(srv.url, await put(staff, 'order', 'sneaky', body), 403, 'forbidden');
	await assertProblem(srv.url, await put(resident, 'order', 'sneaky', body), 403, 'forbidden');
	await assertProblem(srv.url, await api(srv.url, { method: 'PUT', path: '/api/v1/requests/categories/order/sneaky', body }), 401, null);
	// Not even an existing one.
	await assertProblem(srv.url, await put(districtAdmin, 'order', 'repair', { name: '维修', respond_hours: 1, resolve_hours: 1 }), 403, 'forbidden');
	assert.equal(await count(), n);
	assert.equal(categoryOf(await catalog(), 'order', 'repair').respond_hours, 4);
});

test('every bad value is named, and nothing is written', async () => {
	const count = async () => Number((await rows('SELECT COUNT(*) FROM request_categories'))[0][0]);
	const n = await count();
	const good = { name: '好名字', respond_hours: 4, resolve_hours: 24 };
	const cases = [
		['spell', 'fine', good, 'kind'],
		['order', 'Bad-Code', good, 'code'],
		['order', '9lives', good, 'code'],
		['order', 'x'.repeat(33), good, 'code'],
		['order', 'fine', { respond_hours: 4, resolve_hours: 24 }, 'name'],
		['order', 'fine', { ...good, name: '   ' }, 'name'],
		['order', 'fine', { ...good, name: '名'.repeat(21) }, 'name'],
		['order', 'fine', { ...good, name: '换\n行' }, 'name'],
		['order', 'fine', { ...good, name_en: 'x'.repeat(61) }, 'name_en'],
		['order', 'fine', { ...good, respond_hours: 0 }, 'respond_hours'],
		['order', 'fine', { ...good, respond_hours: 721, resolve_hours: 800 }, 'respond_hours'],
		['order', 'fine', { ...good, respond_hours: '4' }, 'respond_hours'],
		['order', 'fine', { name: '好名字', respond_hours: 4 }, 'resolve_hours'],
		['order', 'fine', { ...good, resolve_hours: 2 }, 'resolve_hours'],
		['order', 'fine', { ...good, resolve_hours: 8761 }, 'resolve_hours'],
		['order', 'fine', { ...good, sort: -1 }, 'sort'],
		['order', 'fine', { ...good, sort: 10000 }, 'sort'],
		['order', 'fine', { ...good, retired: 'yes' }, 'retired'],
		['order', 'fine', { ...good, colour: 'red' }, 'colour'],
	];
	for (const [kind, code, body, field] of cases) {
		const res = await put(admin, kind, code, body);
		await assertProblem(srv.url, res, 422, 'validation', { fields: [field] });
	}
	await assertProblem(srv.url, await api(srv.url, { method: 'PUT', path: '/api/v1/requests/categories/order/fine', session: admin, body: [good] }), 422, null);
	const notJson = await api(srv.url, { method: 'PUT', path: '/api/v1/requests/categories/order/fine', session: admin, body: 'name=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
	assert.ok(notJson.status === 415 || notJson.status === 400, `status ${notJson.status}`);
	assert.equal(await count(), n);
	assert.equal((await rows("SELECT COUNT(*) FROM audit_log WHERE object_id = 'order.fine'"))[0][0] * 1, 0);
});
