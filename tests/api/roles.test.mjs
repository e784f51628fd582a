// Who may grant which role where: granters act only within their own scope
// (region codes nest by prefix) and below their own rank. Also who sees
// which phone numbers, who may read and rename accounts, and API tokens.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, addUser, yizhan, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, assertNoContent, loadOpenapi } from './lib/schema.mjs';

let srv;
const as = {}; // role name → session

before(async () => {
	srv = await startServer();
	// A second city (咸阳 6104) so scopes outside 宝鸡 name real regions.
	await yizhan(['import-regions', '--db', srv.dbUrl, '--city', '6104']);
	await loadOpenapi(srv.url);
	for (const role of ['admin', 'staff', 'volunteer', 'resident', 'manager'])
		as[role] = await login(srv.url, DEMO[role], DEMO_PASSWORD);
});
after(() => srv?.stop());

async function newAccount(name = '受让人') {
	const phone = uniquePhone();
	const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone, name }, session: as.admin });
	await assertJson(srv.url, res, 201, 'Account');
	return { ...res.json, phone };
}

function grant(session, id, role, scope, extra = {}) {
	return api(srv.url, { method: 'POST', path: `/api/v1/accounts/${id}/roles`, body: { role, scope }, session, ...extra });
}

const held = (account) => account.roles.map((g) => `${g.role}@${g.scope}`).sort();

describe('granting roles', () => {
	test('staff of a street grants a volunteer role in a community of that street', async () => {
		const acc = await newAccount();
		const res = await grant(as.staff, acc.id, 'volunteer', '610303008003');
		const body = await assertJson(srv.url, res, 201, 'Account');
		assert.equal(body.id, acc.id);
		assert.deepEqual(held(body), ['volunteer@610303008003']);
		const g = body.roles[0];
		assert.ok(Number.isInteger(g.id) && g.id > 0);
		// The grant is there when read back.
		const read = await api(srv.url, { path: `/api/v1/accounts/${acc.id}`, session: as.admin });
		assert.deepEqual(held(read.json), ['volunteer@610303008003']);
	});

	test('staff of a street grants a role on the street itself', async () => {
		const acc = await newAccount();
		const res = await grant(as.staff, acc.id, 'volunteer', '610303008');
		assert.deepEqual(held(await assertJson(srv.url, res, 201, 'Account')), ['volunteer@610303008']);
	});

	test('staff of one street cannot grant roles in another street', async () => {
		const acc = await newAccount();
		for (const scope of ['610302004', '610302004001', '610303001']) {
			const res = await grant(as.staff, acc.id, 'volunteer', scope);
			await assertProblem(srv.url, res, 403, 'forbidden');
		}
		const read = await api(srv.url, { path: `/api/v1/accounts/${acc.id}`, session: as.admin });
		assert.deepEqual(read.json.roles, [], 'nothing was granted');
	});

	test('staff cannot grant in a wider region that contains their street', async () => {
		const acc = await newAccount();
		for (const scope of ['610303', '6103', '61', '*']) {
			const res = await grant(as.staff, acc.id, 'volunteer', scope);
			await assertProblem(srv.url, res, 403, 'forbidden');
		}
	});

	test('staff cannot grant their own rank or above, even within their street', async () => {
		const acc = await newAccount();
		for (const [role, scope] of [['staff', '610303008'], ['staff', '610303008003'], ['admin', '610303008003']]) {
			const res = await grant(as.staff, acc.id, role, scope);
			await assertProblem(srv.url, res, 403, 'forbidden');
		}
	});

	test('a padded 12-digit region code is stored shortened', async () => {
		const acc = await newAccount();
		const res = await grant(as.staff, acc.id, 'volunteer', '610303008000');
		assert.deepEqual(held(await assertJson(srv.url, res, 201, 'Account')), ['volunteer@610303008']);
		const wide = await grant(as.admin, acc.id, 'staff', '610300000000');
		assert.deepEqual(held(await assertJson(srv.url, wide, 201, 'Account')), ['staff@6103', 'volunteer@610303008']);
	});

	test('an admin of a district grants any role within it, admin included, but not outside it', async () => {
		const acc = await newAccount();
		const a = await grant(as.admin, acc.id, 'staff', '610302004'); // another street of 6103
		await assertJson(srv.url, a, 201, 'Account');
		const b = await grant(as.admin, acc.id, 'admin', '6103');
		assert.deepEqual(held(await assertJson(srv.url, b, 201, 'Account')), ['admin@6103', 'staff@610302004']);
		for (const scope of ['6104', '61', '*']) {
			const res = await grant(as.admin, acc.id, 'staff', scope);
			await assertProblem(srv.url, res, 403, 'forbidden');
		}
	});

	test('a global admin (admin@*) grants in any region, and admin@*', async () => {
		const phone = uniquePhone('135');
		await addUser(srv.dbUrl, { phone, name: '全局管理员', role: 'admin@*', password: 'Global#2026' });
		const root = await login(srv.url, phone, 'Global#2026');
		assert.deepEqual(held(root.account), ['admin@*']);
		const acc = await newAccount();
		for (const [role, scope] of [['staff', '6104'], ['volunteer', '61'], ['admin', '*']]) {
			const res = await grant(root, acc.id, role, scope);
			await assertJson(srv.url, res, 201, 'Account');
		}
		const read = await api(srv.url, { path: `/api/v1/accounts/${acc.id}`, session: root });
		assert.deepEqual(held(read.json), ['admin@*', 'staff@6104', 'volunteer@61']);
		// The district admin cannot touch what lies outside 6103.
		const g = read.json.roles.find((x) => x.scope === '6104');
		const res = await api(srv.url, { method: 'DELETE', path: `/api/v1/accounts/${acc.id}/roles/${g.id}`, session: as.admin });
		await assertProblem(srv.url, res, 403, 'forbidden');
	});

	test('a scope naming no region or station is refused as a field error', async () => {
		const acc = await newAccount();
		for (const scope of ['610303999', '6199', '610303008999', 'station:999999']) {
			const res = await grant(as.admin, acc.id, 'volunteer', scope);
			const body = await assertProblem(srv.url, res, 422, 'validation');
			assert.equal(body.errors[0].field, 'scope', scope);
		}
		const read = await api(srv.url, { path: `/api/v1/accounts/${acc.id}`, session: as.admin });
		assert.deepEqual(read.json.roles, []);
	});

	test('a station scope lies in its station\'s region: the district admin grants its manager', async () => {
		const acc = await newAccount();
		const res = await grant(as.admin, acc.id, 'manager', 'station:2');
		assert.deepEqual(held(await assertJson(srv.url, res, 201, 'Account')), ['manager@station:2']);
		const byStaff = await grant(as.staff, acc.id, 'volunteer', 'station:2');
		assert.equal(byStaff.status, 201, 'station 2 lies in the staff\'s street');
	});

	test('roles without role.grant cannot grant at all', async () => {
		const acc = await newAccount();
		for (const who of ['volunteer', 'resident', 'manager']) {
			const res = await grant(as[who], acc.id, 'resident', '610303008003');
			await assertProblem(srv.url, res, 403, 'forbidden');
		}
	});

	test('an unknown role or a malformed scope answers 422 naming the field', async () => {
		const acc = await newAccount();
		const role = await grant(as.admin, acc.id, 'king', '6103');
		await assertProblem(srv.url, role, 422, 'validation', { fields: ['role'] });
		for (const scope of ['123', '6103x', '61030', 'station:', 'station:abc', '']) {
			const res = await grant(as.admin, acc.id, 'volunteer', scope);
			await assertProblem(srv.url, res, 422, 'validation', { fields: ['scope'] });
		}
		const missing = await api(srv.url, { method: 'POST', path: `/api/v1/accounts/${acc.id}/roles`, body: { role: 'volunteer' }, session: as.admin });
		await assertProblem(srv.url, missing, 422, 'validation', { fields: ['scope'] });
	});

	test('granting to an account that does not exist answers 404', async () => {
		const res = await grant(as.admin, 987654, 'volunteer', '6103');
		await assertProblem(srv.url, res, 404, 'not-found');
	});
});

describe('revoking roles', () => {
	test('staff revokes a grant within their street: 204, and the role is gone', async () => {
		const acc = await newAccount();
		const g = (await grant(as.staff, acc.id, 'volunteer', '610303008003')).json.roles[0];
		const res = await api(srv.url, { method: 'DELETE', path: `/api/v1/accounts/${acc.id}/roles/${g.id}`, session: as.staff });
		assertNoContent(res);
		const read = await api(srv.url, { path: `/api/v1/accounts/${acc.id}`, session: as.admin });
		assert.deepEqual(read.json.roles, []);
		const again = await api(srv.url, { method: 'DELETE', path: `/api/v1/accounts/${acc.id}/roles/${g.id}`, session: as.staff });
		await assertProblem(srv.url, again, 404, 'not-found');
	});

	test('staff cannot revoke a grant outside their street', async () => {
		const acc = await newAccount();
		const g = (await grant(as.admin, acc.id, 'volunteer', '610302004')).json.roles[0];
		const res = await api(srv.url, { method: 'DELETE', path: `/api/v1/accounts/${acc.id}/roles/${g.id}`, session: as.staff });
		await assertProblem(srv.url, res, 403, 'forbidden');
		const read = await api(srv.url, { path: `/api/v1/accounts/${acc.id}`, session: as.admin });
		assert.deepEqual(held(read.json), ['volunteer@610302004']);
	});

	test('a grant id that belongs to another account answers 404', async () => {
		const a = await newAccount();
		const b = await newAccount();
		const g = (await grant(as.admin, a.id, 'volunteer', '6103')).json.roles[0];
		const res = await api(srv.url, { method: 'DELETE', path: `/api/v1/accounts/${b.id}/roles/${g.id}`, session: as.admin });
		await assertProblem(srv.url, res, 404, 'not-found');
		const read = await api(srv.url, { path: `/api/v1/accounts/${a.id}`, session: as.admin });
		assert.deepEqual(held(read.json), ['volunteer@6103'], 'the grant is still there');
	});
});

describe('seeing accounts', () => {
	test('phones are masked for staff, and shown in full to admins and to the account itself', async () => {
		const id = as.resident.account.id;
		const byStaff = await api(srv.url, { path: `/api/v1/accounts/${id}`, session: as.staff });
		assert.equal((await assertJson(srv.url, byStaff, 200, 'Account')).phone, '138****0006');
		// Staff do not read accounts whose roles reach beyond their street.
		const admin = await api(srv.url, { path: `/api/v1/accounts/${as.admin.account.id}`, session: as.staff });
		await assertProblem(srv.url, admin, 403, 'forbidden');
		const byAdmin = await api(srv.url, { path: `/api/v1/accounts/${as.staff.account.id}`, session: as.admin });
		assert.equal((await assertJson(srv.url, byAdmin, 200, 'Account')).phone, DEMO.staff);
		const self = await api(srv.url, { path: `/api/v1/accounts/${as.resident.account.id}`, session: as.resident });
		assert.equal((await assertJson(srv.url, self, 200, 'Account')).phone, DEMO.resident);
	});

	test('the account list masks every phone but the viewer\'s own for staff', async () => {
		const res = await api(srv.url, { path: '/api/v1/accounts?limit=200', session: as.staff });
		const page = await assertJson(srv.url, res, 200, 'AccountPage');
		assert.ok(page.items.length >= 3);
		const ids = page.items.map((a) => a.id);
		assert.ok(!ids.includes(as.admin.account.id), 'the city admin is beyond a street\'s staff');
		assert.ok(ids.includes(as.resident.account.id) && ids.includes(as.volunteer.account.id));
		for (const a of page.items) {
			if (a.id === as.staff.account.id) assert.equal(a.phone, DEMO.staff);
			else assert.match(a.phone, /^1\d{2}\*{4}\d{4}$/, `masked phone for account ${a.id}`);
		}
		const full = await api(srv.url, { path: '/api/v1/accounts?limit=200', session: as.admin });
		for (const a of (await assertJson(srv.url, full, 200, 'AccountPage')).items) assert.match(a.phone, /^1[3-9]\d{9}$/);
	});

	test('the account list pages by next_after and filters by q', async () => {
		const seen = [];
		let after = '';
		for (let i = 0; i < 100; i++) {
			const res = await api(srv.url, { path: `/api/v1/accounts?limit=2${after}`, session: as.admin });
			const page = await assertJson(srv.url, res, 200, 'AccountPage');
			assert.ok(page.items.length <= 2);
			seen.push(...page.items.map((a) => a.id));
			if (page.next_after === null) break;
			after = `&after=${page.next_after}`;
		}
		assert.deepEqual(seen, [...new Set(seen)].sort((x, y) => x - y), 'ids ascend without repeats');
		const all = await api(srv.url, { path: '/api/v1/accounts?limit=200', session: as.admin });
		assert.deepEqual(seen, all.json.items.map((a) => a.id));
		const q = await api(srv.url, { path: `/api/v1/accounts?q=${DEMO.volunteer}`, session: as.admin });
		const found = await assertJson(srv.url, q, 200, 'AccountPage');
		assert.deepEqual(found.items.map((a) => a.phone), [DEMO.volunteer]);
	});

	test('residents and volunteers see only their own account and cannot list', async () => {
		for (const who of ['resident', 'volunteer']) {
			const other = await api(srv.url, { path: `/api/v1/accounts/${as.admin.account.id}`, session: as[who] });
			await assertProblem(srv.url, other, 403, 'forbidden');
			const list = await api(srv.url, { path: '/api/v1/accounts', session: as[who] });
			await assertProblem(srv.url, list, 403, 'forbidden');
			const create = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone: uniquePhone(), name: 'x' }, session: as[who] });
			await assertProblem(srv.url, create, 403, 'forbidden');
		}
		const anon = await api(srv.url, { path: '/api/v1/accounts' });
		await assertProblem(srv.url, anon, 401, 'unauthenticated');
	});

	test('a name is changed by the account itself or an admin, not by staff', async () => {
		const acc = await newAccount('旧名');
		const byStaff = await api(srv.url, { method: 'PATCH', path: `/api/v1/accounts/${acc.id}`, body: { name: '员工改' }, session: as.staff });
		await assertProblem(srv.url, byStaff, 403, 'forbidden');
		const byAdmin = await api(srv.url, { method: 'PATCH', path: `/api/v1/accounts/${acc.id}`, body: { name: '新名' }, session: as.admin });
		const body = await assertJson(srv.url, byAdmin, 200, 'Account');
		assert.equal(body.name, '新名');
		assert.ok(Date.parse(body.updated_at) >= Date.parse(body.created_at));
		const tooLong = await api(srv.url, { method: 'PATCH', path: `/api/v1/accounts/${acc.id}`, body: { name: '长'.repeat(41) }, session: as.admin });
		await assertProblem(srv.url, tooLong, 422, 'validation', { fields: ['name'] });
	});
});

describe('creating accounts', () => {
	test('a new account answers 201 with Location, and "+86 138-…" is normalized', async () => {
		const digits = uniquePhone('138');
		const pretty = `+86 ${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7)}`;
		const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone: pretty, name: '格式化' }, session: as.admin });
		const body = await assertJson(srv.url, res, 201, 'Account');
		assert.equal(body.phone, digits);
		assert.equal(body.has_password, false);
		assert.equal(body.disabled, false);
		assert.ok(!('locked_until' in body), 'no account-wide lock: failed sign-ins slow down their address only');
		assert.deepEqual(body.roles, []);
		assert.equal(res.headers.get('location'), `/api/v1/accounts/${body.id}`);
		const read = await api(srv.url, { path: res.headers.get('location'), session: as.admin });
		assert.deepEqual(await assertJson(srv.url, read, 200, 'Account'), body);
	});

	test('a phone that is not a mainland mobile answers 422 on phone', async () => {
		for (const phone of ['12800001234', '1380000123', '138000012345', '23800001234', 'abcdefghijk', '+86 128 0000 1234', '138.0000.1234']) {
			const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone, name: '坏号' }, session: as.admin });
			await assertProblem(srv.url, res, 422, 'validation', { fields: ['phone'] });
		}
	});

	test('a number with a foreign country code is not taken for a mainland mobile', async () => {
		for (const phone of ['+1 415 555 0100', '+13800001234']) {
			const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone, name: '外国号' }, session: as.admin });
			await assertProblem(srv.url, res, 422, 'validation', { fields: ['phone'] });
		}
	});

	test('a phone already registered answers 409, also when written differently', async () => {
		const acc = await newAccount();
		const same = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone: acc.phone, name: '重复' }, session: as.admin });
		await assertProblem(srv.url, same, 409, null, { fields: ['phone'] });
		const spaced = `+86 ${acc.phone.slice(0, 3)} ${acc.phone.slice(3, 7)} ${acc.phone.slice(7)}`;
		const other = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone: spaced, name: '重复' }, session: as.admin });
		await assertProblem(srv.url, other, 409, null, { fields: ['phone'] });
	});

	test('a weak password answers 422 on password', async () => {
		for (const password of ['Ab1!', 'abcdefgh', 'abcdEFGH', '12345678', 'abcd1234']) {
			const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone: uniquePhone(), name: '弱密码', password }, session: as.admin });
			await assertProblem(srv.url, res, 422, 'validation', { fields: ['password'] });
		}
		const ok = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone: uniquePhone(), name: '强密码', password: 'abcd1234!' }, session: as.admin });
		assert.equal((await assertJson(srv.url, ok, 201, 'Account')).has_password, true);
	});

	test('staff create accounts too', async () => {
		const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone: uniquePhone(), name: '街道新人' }, session: as.staff });
		await assertJson(srv.url, res, 201, 'Account');
	});
});

describe('API tokens', () => {
	test('an admin creates a token, which then acts as its account without CSRF, until revoked', async () => {
		const created = await api(srv.url, { method: 'POST', path: '/api/v1/tokens', body: { account_id: as.staff.account.id, name: '集成测试' }, session: as.admin });
		const tok = await assertJson(srv.url, created, 201, 'TokenCreated');
		assert.equal(tok.account_id, as.staff.account.id);
		assert.equal(tok.name, '集成测试');
		assert.ok(tok.token.length >= 32);
		assert.equal(created.headers.get('location'), `/api/v1/tokens/${tok.id}`);

		const me = await api(srv.url, { path: '/api/v1/session', token: tok.token });
		const s = await assertJson(srv.url, me, 200, 'Session');
		assert.equal(s.auth, 'token');
		assert.equal(s.account.id, as.staff.account.id);

		// A write with the token needs no CSRF token, and keeps the account's limits.
		const acc = await newAccount();
		const ok = await grant(null, acc.id, 'volunteer', '610303008003', { token: tok.token });
		await assertJson(srv.url, ok, 201, 'Account');
		const outside = await grant(null, acc.id, 'volunteer', '610302004', { token: tok.token });
		await assertProblem(srv.url, outside, 403, 'forbidden');

		const list = await api(srv.url, { path: '/api/v1/tokens', session: as.admin });
		const items = (await assertJson(srv.url, list, 200, 'TokenList')).items;
		const listed = items.find((t) => t.id === tok.id);
		assert.ok(listed, 'the token is listed');
		assert.equal(listed.token, undefined, 'the list never shows the token');
		assert.ok(!list.text.includes(tok.token));
		assert.ok(listed.last_used_at, 'last_used_at is set after use');
		assert.equal(listed.revoked_at, null);

		const del = await api(srv.url, { method: 'DELETE', path: `/api/v1/tokens/${tok.id}`, session: as.admin });
		assertNoContent(del);
		const after = await api(srv.url, { path: '/api/v1/session', token: tok.token });
		await assertProblem(srv.url, after, 401, null);
		const relisted = await api(srv.url, { path: '/api/v1/tokens', session: as.admin });
		assert.ok(relisted.json.items.find((t) => t.id === tok.id).revoked_at, 'revoked_at is set');
	});

	test('a made-up or malformed bearer token answers 401', async () => {
		for (const token of ['yzt_not-a-real-token', 'x', '']) {
			const res = await api(srv.url, { path: '/api/v1/session', headers: { Authorization: `Bearer ${token}` } });
			assert.equal(res.status, 401, `token "${token}"`);
			await assertProblem(srv.url, res, 401, null);
		}
		const basic = await api(srv.url, { path: '/api/v1/session', headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' } });
		await assertProblem(srv.url, basic, 401, null);
	});

	test('only admins manage tokens', async () => {
		for (const who of ['staff', 'volunteer']) {
			const create = await api(srv.url, { method: 'POST', path: '/api/v1/tokens', body: { account_id: as[who].account.id, name: 'mine' }, session: as[who] });
			await assertProblem(srv.url, create, 403, 'forbidden');
			const list = await api(srv.url, { path: '/api/v1/tokens', session: as[who] });
			await assertProblem(srv.url, list, 403, 'forbidden');
		}
	});

	test('a token for an account that does not exist is refused', async () => {
		const res = await api(srv.url, { method: 'POST', path: '/api/v1/tokens', body: { account_id: 987654, name: 'ghost' }, session: as.admin });
		assert.ok([404, 422].includes(res.status), `got ${res.status}`);
		await assertProblem(srv.url, res, res.status, null);
	});
});

describe('disabling an account', () => {
	const PASSWORD = 'Leave#2026x';

	async function member() {
		const phone = uniquePhone();
		const acc = await addUserWithPassword(phone);
		return { id: acc, phone, session: await login(srv.url, phone, PASSWORD) };
	}

	async function addUserWithPassword(phone) {
		await addUser(srv.dbUrl, { phone, name: '离开的志愿者', role: 'volunteer@610303008003', password: PASSWORD });
		const list = await api(srv.url, { path: `/api/v1/accounts?q=${phone}`, session: as.admin });
		return list.json.items[0].id;
	}

	const disable = (session, id) => api(srv.url, { method: 'POST', path: `/api/v1/accounts/${id}/disable`, session });
	const enable = (session, id) => api(srv.url, { method: 'POST', path: `/api/v1/accounts/${id}/enable`, session });

	test('an admin disables an account: its session ends, it cannot sign in, its token stops; enabling lets it sign in again', async () => {
		const m = await member();
		const created = await api(srv.url, { method: 'POST', path: '/api/v1/tokens', body: { account_id: m.id, name: '离职前' }, session: as.admin });
		const tok = (await assertJson(srv.url, created, 201, 'TokenCreated')).token;
		assert.equal((await api(srv.url, { path: '/api/v1/session', token: tok })).status, 200);

		const res = await disable(as.admin, m.id);
		const body = await assertJson(srv.url, res, 200, 'Account');
		assert.equal(body.disabled, true);
		await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/session', session: m.session }), 401, 'session-expired');
		await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/session', token: tok }), 401, null);
		const refused = await api(srv.url, { method: 'POST', path: '/api/v1/session', body: { phone: m.phone, password: PASSWORD } });
		assert.equal(refused.status, 401);

		// Disabling again changes nothing and writes no second audit row.
		assert.equal((await assertJson(srv.url, await disable(as.admin, m.id), 200, 'Account')).disabled, true);
		const rows = await api(srv.url, { path: `/api/v1/audit?object_type=account&object_id=${m.id}`, session: as.admin });
		assert.equal(rows.json.items.filter((r) => r.action === 'account.disable').length, 1);

		const back = await assertJson(srv.url, await enable(as.admin, m.id), 200, 'Account');
		assert.equal(back.disabled, false);
		const again = await login(srv.url, m.phone, PASSWORD);
		assert.equal(again.account.id, m.id);
		// The old session stays ended; the unrevoked token works again.
		assert.equal((await api(srv.url, { path: '/api/v1/session', session: m.session })).status, 401);
		assert.equal((await api(srv.url, { path: '/api/v1/session', token: tok })).status, 200);
		const enabled = await api(srv.url, { path: `/api/v1/audit?object_type=account&object_id=${m.id}`, session: as.admin });
		assert.equal(enabled.json.items.filter((r) => r.action === 'account.enable').length, 1);
	});

	test('staff and residents may not disable accounts, nobody disables their own, and an unknown account is 404', async () => {
		const m = await member();
		await assertProblem(srv.url, await disable(as.staff, m.id), 403, 'forbidden');
		await assertProblem(srv.url, await disable(as.resident, m.id), 403, 'forbidden');
		await assertProblem(srv.url, await disable(m.session, m.id), 403, 'forbidden');
		await assertProblem(srv.url, await disable(as.admin, as.admin.account.id), 422, 'own-account');
		await assertProblem(srv.url, await disable(as.admin, 99999999), 404, 'not-found');
		await assertProblem(srv.url, await disable(as.admin, 'abc'), 404, null);
		const read = await api(srv.url, { path: `/api/v1/accounts/${m.id}`, session: as.admin });
		assert.equal(read.json.disabled, false);
		assert.equal((await api(srv.url, { path: '/api/v1/session', session: m.session })).status, 200);
	});
});
