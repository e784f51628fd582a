// Signing up from a phone on the real server and database: a one-time code
// (written to the log without a gateway, POSTed to a gateway with one), the
// profile and consent, the session it starts, the ledger entry it links or
// makes; codes expire, allow five tries, are stored hashed, and are limited
// per number and per address; a sign-up retried makes one person.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { startServer, sqlRows, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, sessionCookie, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem } from './lib/schema.mjs';

let srv, staff;
const masked = (p) => `${p.slice(0, 3)}****${p.slice(7)}`;

before(async () => {
	srv = await startServer();
	staff = await login(srv.url, DEMO.staff, DEMO_PASSWORD);
});
after(() => srv?.stop());

/** Asks for a code (from a loopback address of its own) and reads it from the server's log. */
async function askCode(phone, from) {
	const r = await api(srv.url, { method: 'POST', path: '/api/v1/signup/code', body: { phone }, from });
	await assertJson(srv.url, r, 202, 'SignupCodeSent');
	assert.equal(r.json.phone, masked(phone));
	assert.equal(r.json.expires_in_s, 300);
	for (let i = 0; i < 50; i++) {
		const line = srv.logs().findLast((l) => l.event === 'sms_code' && l.msg.includes(masked(phone)));
		if (line) return /code (\d{6}) for/.exec(line.msg)[1];
		await new Promise((res) => setTimeout(res, 20));
	}
	assert.fail(`no code for ${phone} in the log`);
}

const signup = (body, from) => api(srv.url, { method: 'POST', path: '/api/v1/signup', body, from });

test('a new rider signs up with the code from the log and is signed in, in the ledger with their profile', async () => {
	const phone = uniquePhone('177');
	const code = await askCode(phone, '127.0.0.11');
	const [[hash]] = await sqlRows(srv.dbUrl, `SELECT code_hash FROM signup_codes WHERE phone = '${phone}'`);
	assert.ok(!hash.includes(code) && hash.startsWith('$argon2id$'), 'the code is stored as its hash');
	const r = await signup({ phone, code, name: '新骑手', categories: ['rider'], platform: 'meituan', roles: ['guard'], consent_version: '2026-01' }, '127.0.0.11');
	await assertJson(srv.url, r, 201, 'SignupSession');
	assert.equal(r.json.new_account, true);
	const session = { cookie: sessionCookie(r.headers), csrf: r.json.csrf_token };
	assert.ok(session.cookie, 'the sign-up sets the session cookie');
	const me = await api(srv.url, { path: '/api/v1/me/person', session });
	await assertJson(srv.url, me, 200, 'MyPerson');
	assert.equal(me.json.id, r.json.person_id);
	assert.equal(me.json.name, '新骑手');
	assert.deepEqual(me.json.categories, ['rider']);
	assert.deepEqual(me.json.roles, ['guard']);
	assert.equal(me.json.consent_version, '2026-01');
	assert.ok(me.json.consent_at);
	// The code is spent for anyone else: used, it signs in only its own number again.
	const reuse = await signup({ phone: uniquePhone('177'), code, consent_version: '2026-01' }, '127.0.0.11');
	await assertProblem(srv.url, reuse, 422, 'validation', { fields: ['code'] });
});

test('a number staff entered in the ledger is linked at sign-up, not entered twice', async () => {
	const phone = uniquePhone('176');
	const entered = await api(srv.url, { method: 'POST', path: '/api/v1/people', body: { name: '台账骑手', phone, region_code: '610303008003', categories: ['courier'] }, session: staff });
	assert.equal(entered.status, 201, entered.text);
	const code = await askCode(phone, '127.0.0.12');
	const r = await signup({ phone, code, name: '台账骑手', consent_version: '2026-01' }, '127.0.0.12');
	assert.equal(r.status, 201, r.text);
	assert.equal(r.json.person_id, entered.json.id);
	const [[n]] = await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM persons WHERE phone = '${phone}'`);
	assert.equal(Number(n), 1);
	const byStaff = await api(srv.url, { path: `/api/v1/people/${entered.json.id}`, session: staff });
	assert.ok(byStaff.json.account_id, 'staff see that the person registered');
	assert.deepEqual(byStaff.json.categories, ['courier'], 'what staff entered stays');
});

test('a sign-up retried over a dropped connection makes one account and one person', async () => {
	const phone = uniquePhone('175');
	const code = await askCode(phone, '127.0.0.13');
	const body = { phone, code, name: '重试者', consent_version: '2026-01' };
	const first = await signup(body, '127.0.0.13');
	const again = await signup(body, '127.0.0.13');
	assert.equal(first.status, 201, first.text);
	assert.equal(again.status, 200, again.text);
	assert.equal(again.json.person_id, first.json.person_id);
	const [[a]] = await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM accounts WHERE phone = '${phone}'`);
	const [[p]] = await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM persons WHERE phone = '${phone}'`);
	assert.deepEqual([Number(a), Number(p)], [1, 1]);
});

test('an existing account signs in with a code', async () => {
	const code = await askCode(DEMO.resident, '127.0.0.14');
	const r = await signup({ phone: DEMO.resident, code, consent_version: '2026-01' }, '127.0.0.14');
	await assertJson(srv.url, r, 200, 'SignupSession');
	assert.equal(r.json.new_account, false);
	assert.equal(r.json.account.phone, DEMO.resident);
});

test('codes: five tries, five minutes, the newest only; bad input named', async () => {
	const phone = uniquePhone('174');
	const code = await askCode(phone, '127.0.0.15');
	const wrong = code === '000000' ? '111111' : '000000';
	for (let i = 4; i >= 1; i--) {
		const r = await signup({ phone, code: wrong, name: '试', consent_version: '1' }, '127.0.0.15');
		await assertProblem(srv.url, r, 422, 'validation', { fields: ['code'] });
		assert.match(r.json.errors[0].message, new RegExp(`还可以再试 ${i} 次`));
	}
	await assertProblem(srv.url, await signup({ phone, code: wrong, name: '试', consent_version: '1' }, '127.0.0.15'), 429, 'code-tries-exhausted');
	await assertProblem(srv.url, await signup({ phone, code, name: '试', consent_version: '1' }, '127.0.0.15'), 429, 'code-tries-exhausted');
	assert.equal((await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM accounts WHERE phone = '${phone}'`))[0][0], '0', 'nothing was made');

	const other = uniquePhone('174');
	const code2 = await askCode(other, '127.0.0.16');
	await sqlRows(srv.dbUrl, `UPDATE signup_codes SET expires_s = expires_s - 301 WHERE phone = '${other}'`);
	await assertProblem(srv.url, await signup({ phone: other, code: code2, name: '迟', consent_version: '1' }, '127.0.0.16'), 422, 'validation', { fields: ['code'] });

	await assertProblem(srv.url, await signup({ phone: '12345', code: '12', consent_version: '' }, '127.0.0.16'), 422, 'validation', { fields: ['phone', 'consent_version'] });
	await assertProblem(srv.url, await signup({ phone: other, code: 'abcdef', consent_version: '1' }, '127.0.0.16'), 422, 'validation', { fields: ['code'] });
	await assertProblem(srv.url, await signup({ phone: other, code: '123456', consent_version: '1', region_code: '610303008003' }, '127.0.0.16'), 403, 'forbidden-field');
	await assertProblem(srv.url, await api(srv.url, { method: 'POST', path: '/api/v1/signup/code', body: { phone: '+1 415 555 0100' }, from: '127.0.0.16' }), 422, 'validation', { fields: ['phone'] });
});

test('sending is limited per number and per address, with Retry-After', async () => {
	const phone = uniquePhone('173');
	await askCode(phone, '127.0.0.17');
	const soon = await api(srv.url, { method: 'POST', path: '/api/v1/signup/code', body: { phone }, from: '127.0.0.17' });
	await assertProblem(srv.url, soon, 429, 'rate-limited');
	const wait = Number(soon.headers.get('retry-after'));
	assert.ok(wait > 0 && wait <= 60, `Retry-After ${wait}`);
	// Twenty an hour from one address, whatever the numbers.
	let refused = null;
	for (let i = 0; i < 25 && !refused; i++) {
		const r = await api(srv.url, { method: 'POST', path: '/api/v1/signup/code', body: { phone: uniquePhone('172') }, from: '127.0.0.18' });
		if (r.status !== 202) refused = { i, r };
	}
	assert.ok(refused, 'an address is stopped');
	assert.equal(refused.i, 20);
	await assertProblem(srv.url, refused.r, 429, 'rate-limited');
});

test('with a gateway, each code is POSTed to it as JSON and never logged', async (t) => {
	const got = [];
	const gateway = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c) => (body += c));
		req.on('end', () => {
			got.push({ auth: req.headers.authorization, type: req.headers['content-type'], body: JSON.parse(body) });
			// The first attempt fails: the sender tries again.
			res.statusCode = got.length === 1 ? 503 : 200;
			res.end('{}');
		});
	});
	await new Promise((res) => gateway.listen(0, '127.0.0.1', res));
	t.after(() => gateway.close());
	const url = `http://127.0.0.1:${gateway.address().port}/sms`;
	const gw = await startServer({ args: ['--sms-gateway', url, '--sms-gateway-token', 'gw-secret'] });
	t.after(() => gw.stop());
	const phone = uniquePhone('171');
	const r = await api(gw.url, { method: 'POST', path: '/api/v1/signup/code', body: { phone } });
	assert.equal(r.status, 202, r.text);
	for (let i = 0; i < 150 && got.length < 2; i++) await new Promise((res) => setTimeout(res, 20));
	assert.equal(got.length, 2, 'retried after the gateway’s 503');
	assert.equal(got[1].auth, 'Bearer gw-secret');
	assert.match(got[1].type, /^application\/json/);
	assert.equal(got[1].body.phone, phone);
	assert.match(got[1].body.code, /^\d{6}$/);
	assert.equal(got[1].body.ttl_s, 300);
	assert.equal(got[1].body.purpose, 'signup');
	assert.ok(!gw.stderr.some((l) => l.includes(got[1].body.code) && l.includes('sms_code')), 'no code in the log');
	// And the code works.
	const s = await api(gw.url, { method: 'POST', path: '/api/v1/signup', body: { phone, code: got[1].body.code, name: '网关用户', consent_version: '1' } });
	assert.equal(s.status, 201, s.text);
});
