// A person's rights over their data on the real server and database: a
// copy of everything held about them, audited; erasure that anonymises the
// person and their account while the ledger's counts stay; erasure by staff
// on request, within their scope only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, sqlRows, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem } from './lib/schema.mjs';

const REGION = '610303008008';
let srv, staff, admin, token;
const as = (who, opts) => api(srv.url, { ...opts, session: who });

before(async () => {
	srv = await startServer();
	[staff, admin] = await Promise.all([login(srv.url, DEMO.staff, DEMO_PASSWORD), login(srv.url, DEMO.admin, DEMO_PASSWORD)]);
	const st = await as(admin, {
		method: 'POST',
		path: '/api/v1/stations',
		body: { name: '隐私测试站', level: 'community', region_code: REGION, address: '朝阳路 1 号', location: { lat: 34.372, lng: 107.142 }, hours: { always_open: true } },
	});
	assert.equal(st.status, 201, st.text);
	token = (await sqlRows(srv.dbUrl, `SELECT qr_token FROM stations WHERE id = ${st.json.id}`))[0][0];
});
after(() => srv?.stop());

/** A new account with a password, signed in. */
async function newcomer(name) {
	const phone = uniquePhone('182');
	const acc = await as(admin, { method: 'POST', path: '/api/v1/accounts', body: { phone, name, password: 'Privacy#2026' } });
	assert.equal(acc.status, 201, acc.text);
	return { phone, session: await login(srv.url, phone, 'Privacy#2026') };
}

test('a person downloads everything held about them, and the download is audited', async () => {
	const { phone, session } = await newcomer('下载者');
	await as(session, { method: 'PATCH', path: '/api/v1/me/person', body: { categories: ['rider'], platform: 'eleme', roles: ['opinion'], consent_version: '2026-12' } });
	assert.equal((await as(session, { method: 'POST', path: '/api/v1/checkins', body: { token, purpose: 'rest' } })).status, 201);
	const me = await as(session, { path: '/api/v1/me/person' });
	await as(staff, { method: 'POST', path: `/api/v1/people/${me.json.id}/contacts`, body: { channel: 'phone', notes: '问了充电需求' } });
	const filed = await as(session, { method: 'POST', path: '/api/v1/requests', body: { kind: 'order', category: 'repair', title: '电动车充电口松了' } });
	assert.equal(filed.status, 201, filed.text);
	const r = await as(session, { path: '/api/v1/me/data' });
	await assertJson(srv.url, r, 200, 'MyData');
	assert.match(r.headers.get('content-disposition'), /attachment/);
	assert.equal(r.json.account.phone, phone, 'their own number, whole');
	assert.equal(r.json.person.platform, 'eleme');
	assert.deepEqual(r.json.person.roles, ['opinion']);
	assert.equal(r.json.checkins.length, 1);
	assert.equal(r.json.checkins[0].station_name, '隐私测试站');
	assert.equal(r.json.instructor_contacts[0].notes, '问了充电需求');
	// What they filed, were told, signed up for, booked, earned, redeemed and were handed.
	assert.equal(r.json.requests.length, 1);
	assert.equal(r.json.requests[0].title, '电动车充电口松了');
	assert.match(r.json.requests[0].created_at, /^\d{4}-\d\d-\d\dT/);
	for (const k of ['inbox', 'activity_signups', 'room_bookings', 'points_entries', 'redemptions', 'distributions']) assert.ok(Array.isArray(r.json[k]), k);
	const audit = await as(admin, { path: '/api/v1/audit?action=person.download' });
	assert.ok(audit.json.items.length >= 1);
});

test('erasure anonymises the person and the account, ends the session, and the counts stay', async () => {
	const { phone, session } = await newcomer('要注销的人');
	await as(session, { method: 'PATCH', path: '/api/v1/me/person', body: { categories: ['courier'], consent_version: '2026-12' } });
	assert.equal((await as(session, { method: 'POST', path: '/api/v1/checkins', body: { token, purpose: 'report_in' } })).status, 201);
	const me = (await as(session, { path: '/api/v1/me/person' })).json;
	const before = (await as(admin, { path: `/api/v1/people/counts?region=${REGION}` })).json;

	await assertProblem(srv.url, await as(session, { method: 'POST', path: '/api/v1/me/erase', body: {} }), 422, 'validation', { fields: ['confirm'] });
	const erased = await as(session, { method: 'POST', path: '/api/v1/me/erase', body: { confirm: true } });
	await assertJson(srv.url, erased, 200, 'Erased');
	assert.equal(erased.json.person_id, me.id);

	assert.equal((await as(session, { path: '/api/v1/me/person' })).status, 401, 'the session ended');
	const after = (await as(admin, { path: `/api/v1/people/counts?region=${REGION}` })).json;
	assert.equal(after.total, before.total, 'the person still counts');
	assert.equal(after.by_category.courier, before.by_category.courier);
	const seen = await as(admin, { path: `/api/v1/people/${me.id}` });
	assert.equal(seen.json.name, '已注销');
	assert.equal(seen.json.account_id, undefined);
	const [[p, ip]] = await sqlRows(srv.dbUrl, `SELECT COALESCE(phone, ''), COALESCE((SELECT client_ip FROM checkins WHERE person_id = ${me.id}), '') FROM persons WHERE id = ${me.id}`);
	assert.deepEqual([p, ip], ['', ''], 'the number and the check-in address are gone');
	const [[n]] = await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM checkins WHERE person_id = ${me.id}`);
	assert.equal(Number(n), 1, 'the check-in still counts');
	const [[accounts]] = await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM accounts WHERE phone = '${phone}'`);
	assert.equal(Number(accounts), 0, 'the number is free to register again');
	const signIn = await api(srv.url, { method: 'POST', path: '/api/v1/session', body: { phone, password: 'Privacy#2026' } });
	assert.equal(signIn.status, 401);
});

test('staff erase a person on request within their scope only', async () => {
	const inside = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name: '申请注销', phone: uniquePhone('181'), region_code: REGION } });
	const outside = await as(admin, { method: 'POST', path: '/api/v1/people', body: { name: '外区的人', phone: uniquePhone('181'), region_code: '610303001002' } });
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: `/api/v1/people/${outside.json.id}/erase`, body: { confirm: true } }), 403, 'forbidden');
	const ok = await as(staff, { method: 'POST', path: `/api/v1/people/${inside.json.id}/erase`, body: { confirm: true } });
	await assertJson(srv.url, ok, 200, 'Erased');
	const again = await as(staff, { method: 'POST', path: `/api/v1/people/${inside.json.id}/erase`, body: { confirm: true } });
	assert.equal(again.status, 200, 'erasing twice changes nothing');
	const resident = await login(srv.url, DEMO.resident, DEMO_PASSWORD);
	await assertProblem(srv.url, await as(resident, { method: 'POST', path: `/api/v1/people/${inside.json.id}/erase`, body: { confirm: true } }), 403, 'forbidden');
});
