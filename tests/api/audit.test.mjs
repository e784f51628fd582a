// The audit log: every write leaves one row, in the same transaction, with
// the request id of the answer; admins read it filtered and paged; phone
// numbers in it are masked.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, sessionCookie, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, loadOpenapi } from './lib/schema.mjs';

let srv;
let admin;
let staff;
const started = new Date(Date.now() - 2000);

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
	staff = await login(srv.url, DEMO.staff, DEMO_PASSWORD);
});
after(() => srv?.stop());

async function audit(query, session = admin) {
	const res = await api(srv.url, { path: `/api/v1/audit?${query}`, session });
	return assertJson(srv.url, res, 200, 'AuditPage');
}

/** Every row matching query, following next_before to the end. */
async function walk(query) {
	const rows = [];
	let cursor = '';
	for (let i = 0; i < 1000; i++) {
		const page = await audit(`${query}${cursor}`);
		rows.push(...page.items);
		if (page.next_before === null) return rows;
		cursor = `&before=${page.next_before}`;
	}
	assert.fail('the log did not end');
}

/** The audit rows written by the request whose answer was res. */
async function rowsOf(res) {
	const rid = res.headers.get('x-request-id');
	assert.ok(rid, 'the answer has an X-Request-Id');
	return (await audit(`request_id=${encodeURIComponent(rid)}`)).items;
}

/** Asserts the write answered by res left exactly one row of `action`, and returns it. */
async function oneRow(res, action, { actorId, objectType, objectId } = {}) {
	const rows = await rowsOf(res);
	const mine = rows.filter((r) => r.action === action);
	assert.equal(mine.length, 1, `one ${action} row for request ${res.headers.get('x-request-id')}: ${JSON.stringify(rows)}`);
	const row = mine[0];
	assert.equal(row.request_id, res.headers.get('x-request-id'));
	assert.equal(row.ip, '127.0.0.1');
	assert.ok(Date.parse(row.at) >= started.getTime() - 1000 && Date.parse(row.at) <= Date.now() + 1000, `at ${row.at}`);
	if (actorId !== undefined) assert.equal(row.actor_id, actorId);
	if (objectType) assert.equal(row.object_type, objectType);
	if (objectId !== undefined) assert.equal(row.object_id, String(objectId));
	assertMasked(row);
	return row;
}

const FULL_PHONE = /(?<!\d)1[3-9]\d{9}(?!\d)/;

function assertMasked(row) {
	assert.doesNotMatch(row.actor, FULL_PHONE, `actor is masked: ${row.actor}`);
	assert.doesNotMatch(JSON.stringify(row.detail ?? {}), FULL_PHONE, `detail is masked: ${JSON.stringify(row.detail)}`);
}

describe('every write leaves one audit row with its request id', () => {
	test('account.create, with the new account as object and a masked phone in the detail', async () => {
		const phone = uniquePhone();
		const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone, name: '审计甲' }, session: admin });
		const acc = await assertJson(srv.url, res, 201, 'Account');
		const row = await oneRow(res, 'account.create', { actorId: admin.account.id, objectType: 'account', objectId: acc.id });
		assert.equal(row.actor, '138****0001');
		assert.equal(row.detail.phone, `${phone.slice(0, 3)}****${phone.slice(7)}`);
		assert.ok(!JSON.stringify(row).includes(phone), 'the full phone is nowhere in the row');
	});

	test('account.rename and account.password', async () => {
		const phone = uniquePhone();
		const acc = (await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone, name: '审计乙', password: 'Audit#2026' }, session: admin })).json;
		const rename = await api(srv.url, { method: 'PATCH', path: `/api/v1/accounts/${acc.id}`, body: { name: '审计乙二' }, session: admin });
		assert.equal(rename.status, 200);
		await oneRow(rename, 'account.rename', { actorId: admin.account.id, objectType: 'account', objectId: acc.id });
		const pw = await api(srv.url, { method: 'PUT', path: `/api/v1/accounts/${acc.id}/password`, body: { password: 'Audit#2027' }, session: admin });
		assert.equal(pw.status, 204);
		const row = await oneRow(pw, 'account.password', { actorId: admin.account.id, objectType: 'account', objectId: acc.id });
		assert.ok(!JSON.stringify(row).includes('Audit#2027'), 'no password in the audit row');
	});

	test('role.grant and role.revoke', async () => {
		const acc = (await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone: uniquePhone(), name: '审计丙' }, session: admin })).json;
		const g = await api(srv.url, { method: 'POST', path: `/api/v1/accounts/${acc.id}/roles`, body: { role: 'volunteer', scope: '610303008003' }, session: staff });
		assert.equal(g.status, 201);
		const grantId = g.json.roles[0].id;
		const row = await oneRow(g, 'role.grant', { actorId: staff.account.id, objectType: 'role_grant', objectId: grantId });
		assert.equal(row.actor, '138****0002');
		assert.deepEqual(row.detail, { account_id: acc.id, role: 'volunteer', scope: '610303008003' });
		const r = await api(srv.url, { method: 'DELETE', path: `/api/v1/accounts/${acc.id}/roles/${grantId}`, session: staff });
		assert.equal(r.status, 204);
		await oneRow(r, 'role.revoke', { actorId: staff.account.id, objectType: 'role_grant', objectId: grantId });
	});

	test('token.create and token.revoke, without the token in the row', async () => {
		const c = await api(srv.url, { method: 'POST', path: '/api/v1/tokens', body: { account_id: staff.account.id, name: '审计令牌' }, session: admin });
		assert.equal(c.status, 201);
		const row = await oneRow(c, 'token.create', { actorId: admin.account.id, objectType: 'api_token', objectId: c.json.id });
		assert.ok(!JSON.stringify(row).includes(c.json.token), 'the token is not in the audit row');
		const d = await api(srv.url, { method: 'DELETE', path: `/api/v1/tokens/${c.json.id}`, session: admin });
		assert.equal(d.status, 204);
		await oneRow(d, 'token.revoke', { actorId: admin.account.id, objectType: 'api_token', objectId: c.json.id });
	});

	test('session.login, session.logout and session.login_failed; the failure that slows the address down says by how much', async () => {
		const phone = uniquePhone();
		const acc = (await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone, name: '审计丁', password: 'Audit#2026' }, session: admin })).json;
		const li = await api(srv.url, { method: 'POST', path: '/api/v1/session', body: { phone, password: 'Audit#2026' } });
		assert.equal(li.status, 201);
		await oneRow(li, 'session.login', { actorId: acc.id });
		const s = { cookie: sessionCookie(li.headers), csrf: li.json.csrf_token };
		const lo = await api(srv.url, { method: 'DELETE', path: '/api/v1/session', session: s });
		assert.equal(lo.status, 204);
		await oneRow(lo, 'session.logout', { actorId: acc.id });

		const failures = [];
		for (let i = 0; i < 5; i++)
			failures.push(await api(srv.url, { method: 'POST', path: '/api/v1/session', body: { phone, password: 'Wrong#2026' } }));
		// The fifth failure from this address makes it wait a second: a try
		// within it is refused, and leaves no row (no attempt was made).
		const waiting = await api(srv.url, { method: 'POST', path: '/api/v1/session', body: { phone, password: 'Wrong#2026' } });
		assert.deepEqual(failures.map((f) => f.status), [401, 401, 401, 401, 401]);
		assert.equal(waiting.status, 429);
		for (const [i, f] of failures.entries()) {
			const row = await oneRow(f, 'session.login_failed', { objectType: 'account', objectId: acc.id, actorId: acc.id });
			assert.deepEqual(row.detail, i < 4 ? { failures: i + 1 } : { failures: 5, delay_s: 1 });
		}
		assert.deepEqual(await rowsOf(waiting), []);
		assert.deepEqual((await audit('action=account.lock')).items, [], 'no account is locked');
	});

	test('a refused write leaves no audit row', async () => {
		const acc = (await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone: uniquePhone(), name: '审计戊' }, session: admin })).json;
		const refused = await api(srv.url, { method: 'POST', path: `/api/v1/accounts/${acc.id}/roles`, body: { role: 'volunteer', scope: '610302004' }, session: staff });
		assert.equal(refused.status, 403);
		assert.deepEqual(await rowsOf(refused), []);
		const invalid = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone: '123', name: 'x' }, session: admin });
		assert.equal(invalid.status, 422);
		assert.deepEqual(await rowsOf(invalid), []);
	});
});

describe('reading the audit log', () => {
	test('the whole log, walked page by page, lists newest first with masked phones everywhere', async () => {
		const rows = await walk('limit=200');
		assert.ok(rows.length > 10);
		const ids = rows.map((r) => r.id);
		assert.deepEqual(ids, [...new Set(ids)].sort((a, b) => b - a), 'newest first, each row once');
		for (const row of rows) assertMasked(row);
	});

	test('filters by actor, exact action, action prefix, object and time', async () => {
		const byStaff = await audit(`actor_id=${staff.account.id}`);
		assert.ok(byStaff.items.length >= 1);
		for (const r of byStaff.items) assert.equal(r.actor_id, staff.account.id);

		const exact = await audit('action=session.login');
		assert.ok(exact.items.length >= 2);
		for (const r of exact.items) assert.equal(r.action, 'session.login');

		const prefix = await audit('action=role.');
		assert.deepEqual([...new Set(prefix.items.map((r) => r.action))].sort(), ['role.grant', 'role.revoke']);

		const sessions = await audit('action=session.');
		for (const r of sessions.items) assert.match(r.action, /^session\./);
		assert.ok(sessions.items.some((r) => r.action === 'session.login_failed'));

		const tokens = await audit('object_type=api_token');
		assert.ok(tokens.items.length >= 2);
		for (const r of tokens.items) assert.equal(r.object_type, 'api_token');

		const one = await audit(`object_type=account&object_id=${staff.account.id}`);
		for (const r of one.items) {
			assert.equal(r.object_type, 'account');
			assert.equal(r.object_id, String(staff.account.id));
		}
		assert.ok(one.items.some((r) => r.action === 'account.create'), 'the seeded account.create row');

		const future = await audit(`since=${encodeURIComponent(new Date(Date.now() + 3600e3).toISOString())}`);
		assert.deepEqual(future.items, []);
		const past = await audit(`until=${encodeURIComponent('2000-01-01T00:00:00+08:00')}`);
		assert.deepEqual(past.items, []);
		const recent = await audit(`since=${encodeURIComponent(started.toISOString())}&action=session.login`);
		assert.ok(recent.items.length >= 2);
		for (const r of recent.items) assert.ok(Date.parse(r.at) >= started.getTime() - 1000);

		const none = await audit('action=no.such.action');
		assert.deepEqual(none, { items: [], next_before: null });
	});

	test('a malformed filter answers 422 naming it', async () => {
		for (const q of ['since=yesterday', 'until=2026-13-45', 'limit=0', 'limit=500', 'before=abc', 'actor_id=x']) {
			const res = await api(srv.url, { path: `/api/v1/audit?${q}`, session: admin });
			await assertProblem(srv.url, res, 422, 'validation', { fields: [q.split('=')[0]] });
		}
	});

	test('small pages follow next_before to the end, each row once', async () => {
		const filter = `actor_id=${admin.account.id}`;
		const all = (await walk(`${filter}&limit=200`)).map((r) => r.id);
		assert.ok(all.length > 6);
		const seen = [];
		let cursor = '';
		for (let i = 0; i < 500; i++) {
			const page = await audit(`${filter}&limit=3${cursor}`);
			assert.ok(page.items.length <= 3);
			seen.push(...page.items.map((r) => r.id));
			if (page.next_before === null) break;
			assert.equal(page.next_before, page.items.at(-1).id, 'next_before is the last id of the page');
			cursor = `&before=${page.next_before}`;
		}
		assert.deepEqual(seen, all);
	});

	test('the before cursor combines with filters', async () => {
		const all = (await audit('action=session.&limit=200')).items.map((r) => r.id);
		assert.ok(all.length >= 4);
		const first = await audit('action=session.&limit=2');
		assert.deepEqual(first.items.map((r) => r.id), all.slice(0, 2));
		const second = await audit(`action=session.&limit=2&before=${first.next_before}`);
		assert.deepEqual(second.items.map((r) => r.id), all.slice(2, 4));
	});

	test('only admins read the log: staff and residents get 403, anonymous 401', async () => {
		const byStaff = await api(srv.url, { path: '/api/v1/audit', session: staff });
		await assertProblem(srv.url, byStaff, 403, 'forbidden');
		const resident = await login(srv.url, DEMO.resident, DEMO_PASSWORD);
		const byResident = await api(srv.url, { path: '/api/v1/audit', session: resident });
		await assertProblem(srv.url, byResident, 403, 'forbidden');
		const anon = await api(srv.url, { path: '/api/v1/audit' });
		await assertProblem(srv.url, anon, 401, 'unauthenticated');
	});

	test('an admin\'s API token reads the log; a staff token does not', async () => {
		const mk = async (id) => (await api(srv.url, { method: 'POST', path: '/api/v1/tokens', body: { account_id: id, name: 'audit reader' }, session: admin })).json.token;
		const adminToken = await mk(admin.account.id);
		const staffToken = await mk(staff.account.id);
		const ok = await api(srv.url, { path: '/api/v1/audit?limit=1', token: adminToken });
		await assertJson(srv.url, ok, 200, 'AuditPage');
		const no = await api(srv.url, { path: '/api/v1/audit?limit=1', token: staffToken });
		await assertProblem(srv.url, no, 403, 'forbidden');
	});
});
