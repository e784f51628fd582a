// Every action on an object is checked against that object's scope: a
// district admin made by the city admin cannot take over the city (tokens,
// grants, passwords, disabling, QR codes, phone numbers, the audit log), and
// a search never finds a phone number the answer would hide.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, assertNoContent, loadOpenapi } from './lib/schema.mjs';

let srv;
let city; // admin@6103 (the demo admin)
let district; // admin@610303, made by the city admin
let staff; // staff@610303008
let inside; // a station in 610303
let outside; // a station in another district of 6103
const PASSWORD = 'District#2026';

async function stationIn(region) {
	const res = await api(srv.url, { path: `/api/v1/stations?region=${region}&limit=1` });
	assert.equal(res.status, 200);
	assert.ok(res.json.items.length, `a demo station in ${region}`);
	return res.json.items[0];
}

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	city = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
	staff = await login(srv.url, DEMO.staff, DEMO_PASSWORD);
	const phone = uniquePhone();
	const made = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone, name: '区管理员', password: PASSWORD }, session: city });
	assert.equal(made.status, 201);
	const g = await api(srv.url, { method: 'POST', path: `/api/v1/accounts/${made.json.id}/roles`, body: { role: 'admin', scope: '610303' }, session: city });
	assert.equal(g.status, 201);
	district = await login(srv.url, phone, PASSWORD);
	inside = await stationIn('610303');
	outside = await stationIn('610302');
});
after(() => srv?.stop());

describe('a district admin cannot take over the city', () => {
	test('no API token for the city admin, and the city admin keeps working', async () => {
		const res = await api(srv.url, { method: 'POST', path: '/api/v1/tokens', body: { account_id: city.account.id, name: 'x' }, session: district });
		await assertProblem(srv.url, res, 403, 'forbidden');
		assert.equal(res.json.token, undefined);
		// A token for itself is fine: it holds no more than the admin does.
		const own = await api(srv.url, { method: 'POST', path: '/api/v1/tokens', body: { account_id: district.account.id, name: '自用' }, session: district });
		assert.equal(own.status, 201);
		const edit = await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${outside.id}`, body: { description: '被改' }, token: own.json.token });
		await assertProblem(srv.url, edit, 403, 'forbidden');
	});

	test('no wider grant for itself, no grant for the city admin', async () => {
		for (const [id, role, scope] of [[district.account.id, 'admin', '6103'], [district.account.id, 'staff', '610302'],
			[city.account.id, 'volunteer', '610303008003']]) {
			const res = await api(srv.url, { method: 'POST', path: `/api/v1/accounts/${id}/roles`, body: { role, scope }, session: district });
			await assertProblem(srv.url, res, 403, 'forbidden');
		}
		const self = await api(srv.url, { path: `/api/v1/accounts/${district.account.id}`, session: district });
		assert.deepEqual(self.json.roles.map((r) => `${r.role}@${r.scope}`), ['admin@610303']);
		// Nor revoke the city admin's own grant.
		const gid = city.account.roles[0].id;
		const rm = await api(srv.url, { method: 'DELETE', path: `/api/v1/accounts/${city.account.id}/roles/${gid}`, session: district });
		await assertProblem(srv.url, rm, 403, 'forbidden');
	});

	test('no password change, no rename, no disabling of the city admin', async () => {
		const pw = await api(srv.url, { method: 'PUT', path: `/api/v1/accounts/${city.account.id}/password`, body: { password: 'Taken#Over2026' }, session: district });
		await assertProblem(srv.url, pw, 403, 'forbidden');
		const rn = await api(srv.url, { method: 'PATCH', path: `/api/v1/accounts/${city.account.id}`, body: { name: '已接管' }, session: district });
		await assertProblem(srv.url, rn, 403, 'forbidden');
		const dis = await api(srv.url, { method: 'POST', path: `/api/v1/accounts/${city.account.id}/disable`, session: district });
		await assertProblem(srv.url, dis, 403, 'forbidden');
		// The city admin still signs in with the old password and is enabled.
		const again = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
		assert.equal(again.account.disabled, false);
		assert.equal(again.account.name, city.account.name);
	});

	test('the city admin still manages the district admin', async () => {
		const rn = await api(srv.url, { method: 'PATCH', path: `/api/v1/accounts/${district.account.id}`, body: { name: '金台区管理员' }, session: city });
		assert.equal((await assertJson(srv.url, rn, 200, 'Account')).name, '金台区管理员');
	});

	test('QR codes rotate only within the district', async () => {
		const out = await api(srv.url, { method: 'POST', path: `/api/v1/stations/${outside.id}/qr/rotate`, session: district });
		await assertProblem(srv.url, out, 403, 'forbidden');
		const inn = await api(srv.url, { method: 'POST', path: `/api/v1/stations/${inside.id}/qr/rotate`, session: district });
		assertNoContent(inn);
		const missing = await api(srv.url, { method: 'POST', path: '/api/v1/stations/999999/qr/rotate', session: district });
		await assertProblem(srv.url, missing, 404, 'not-found');
	});

	test('the amenity catalog is the city\'s', async () => {
		const body = { name_zh: '测试项', name_en: 'Test', icon: 'droplet' };
		const res = await api(srv.url, { method: 'PUT', path: '/api/v1/amenities/district_try', body, session: district });
		await assertProblem(srv.url, res, 403, 'forbidden');
		const ok = await api(srv.url, { method: 'PUT', path: '/api/v1/amenities/city_try', body, session: city });
		assert.equal(ok.status, 200);
	});

	test('full phone numbers only of accounts within the district', async () => {
		const one = await api(srv.url, { path: `/api/v1/accounts/${city.account.id}`, session: district });
		await assertProblem(srv.url, one, 403, 'forbidden');
		const list = await api(srv.url, { path: '/api/v1/accounts?limit=200', session: district });
		const page = await assertJson(srv.url, list, 200, 'AccountPage');
		const ids = page.items.map((a) => a.id);
		assert.ok(!ids.includes(city.account.id), 'the city admin is not listed');
		const worker = page.items.find((a) => a.phone.endsWith(DEMO.worker.slice(-4)));
		assert.equal(worker, undefined, 'worker@6103 reaches beyond the district');
		const st = page.items.find((a) => a.id === staff.account.id);
		assert.equal(st.phone, DEMO.staff, 'staff of a street in the district: shown whole');
	});

	test('the audit log shows the district\'s rows and its own actions only', async () => {
		const res = await api(srv.url, { path: '/api/v1/audit?limit=200', session: district });
		const page = await assertJson(srv.url, res, 200, 'AuditPage');
		assert.ok(page.items.length > 0);
		for (const row of page.items)
			assert.ok(row.actor_id === district.account.id || (row.scope && row.scope.startsWith('610303')), `row ${JSON.stringify(row)}`);
		assert.ok(page.items.some((r) => r.action === 'station.qr_rotate'), 'its own rotation is there');
		// The city admin sees rows of every district and of no place.
		const all = await assertJson(srv.url, await api(srv.url, { path: '/api/v1/audit?limit=200', session: city }), 200, 'AuditPage');
		assert.ok(all.items.some((r) => r.scope === null));
		assert.ok(all.items.some((r) => r.scope && !r.scope.startsWith('610303') && r.actor_id !== district.account.id), 'and rows of other districts');
	});

	test('tokens are listed and revoked only within reach', async () => {
		const mine = await api(srv.url, { method: 'POST', path: '/api/v1/tokens', body: { account_id: city.account.id, name: '市里的' }, session: city });
		assert.equal(mine.status, 201);
		const list = await api(srv.url, { path: '/api/v1/tokens', session: district });
		const items = (await assertJson(srv.url, list, 200, 'TokenList')).items;
		assert.ok(!items.some((t) => t.account_id === city.account.id), 'the city admin\'s tokens are not listed');
		assert.ok(items.some((t) => t.account_id === district.account.id));
		const del = await api(srv.url, { method: 'DELETE', path: `/api/v1/tokens/${mine.json.id}`, session: district });
		await assertProblem(srv.url, del, 403, 'forbidden');
		const still = await api(srv.url, { path: '/api/v1/session', token: mine.json.token });
		assert.equal(still.status, 200, 'the token still works');
	});
});

describe('searching by phone finds only what the answer shows', () => {
	test('staff find by the whole number or the visible digits, never by hidden ones', async () => {
		const resident = DEMO.resident; // 13800000006, in the staff's street
		const found = async (q) => {
			const res = await api(srv.url, { path: `/api/v1/accounts?q=${q}&limit=200`, session: staff });
			const page = await assertJson(srv.url, res, 200, 'AccountPage');
			return page.items.filter((a) => a.phone === '138****0006' || a.phone === resident).length;
		};
		assert.equal(await found(resident), 1, 'the whole number');
		assert.equal(await found('0006'), 1, 'the last four, shown');
		assert.equal(await found('138'), 1, 'the first three, shown');
		for (const hidden of ['1380', '13800', '138000', '0000', '00000006', '8000000'])
			assert.equal(await found(hidden), 0, `hidden digits ${hidden}`);
		// The city admin sees whole numbers, so finds by any digits.
		const res = await api(srv.url, { path: '/api/v1/accounts?q=8000000&limit=200', session: city });
		assert.ok(res.json.items.some((a) => a.phone === resident));
	});
});
