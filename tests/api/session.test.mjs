// Signing in and out: cookies, CSRF, bad credentials without account
// enumeration, failed sign-ins slowing down their address (never locking the
// account), the login rate limit, idle expiry and password changes.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, sessionCookie, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, assertNoContent, loadOpenapi } from './lib/schema.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv;
let admin;

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
});
after(() => srv?.stop());

/** Creates an account with a password (as the admin) and returns it. */
async function newAccount(on = srv, as = admin, password = 'Start#2026') {
	const phone = uniquePhone();
	const res = await api(on.url, {
		method: 'POST',
		path: '/api/v1/accounts',
		body: { phone, name: '测试用户', password },
		session: as,
	});
	await assertJson(on.url, res, 201, 'Account');
	return { ...res.json, phone, password };
}

function loginReq(url, phone, password, headers, from) {
	return api(url, { method: 'POST', path: '/api/v1/session', body: { phone, password }, headers, from });
}

test('signing in answers 201 with the CSRF token and account, and sets an HttpOnly SameSite=Lax cookie', async () => {
	const res = await loginReq(srv.url, DEMO.staff, DEMO_PASSWORD);
	const body = await assertJson(srv.url, res, 201, 'Session');
	assert.equal(typeof body.csrf_token, 'string');
	assert.ok(body.csrf_token.length >= 20, 'CSRF token has enough entropy');
	assert.equal(body.idle_timeout_s, 1800);
	assert.ok(Date.parse(body.expires_at) > Date.now(), 'expires_at is in the future');
	assert.equal(body.account.phone, DEMO.staff, 'the account sees its own phone in full');
	assert.deepEqual(body.account.roles.map((g) => `${g.role}@${g.scope}`), ['staff@610303008']);
	const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('yz_session='));
	assert.ok(setCookie, 'Set-Cookie yz_session');
	assert.match(setCookie, /;\s*HttpOnly/i);
	assert.match(setCookie, /;\s*SameSite=Lax/i);
	assert.match(setCookie, /;\s*Path=\//);
	assert.ok(!setCookie.includes(body.csrf_token), 'the cookie is not the CSRF token');
});

test('the session cookie identifies the account on later requests', async () => {
	const s = await login(srv.url, DEMO.volunteer, DEMO_PASSWORD);
	const res = await api(srv.url, { path: '/api/v1/session', session: { cookie: s.cookie } });
	const body = await assertJson(srv.url, res, 200, 'Session');
	assert.equal(body.auth, 'session');
	assert.equal(body.account.id, s.account.id);
	assert.equal(body.idle_timeout_s, 1800);
	assert.equal(body.csrf_token, s.csrf, 'a new tab with the cookie gets the same CSRF token again');
	const write = await api(srv.url, { method: 'PATCH', path: `/api/v1/accounts/${s.account.id}`, session: { cookie: s.cookie, csrf: body.csrf_token }, body: { name: '新标签页' } });
	assert.equal(write.status, 200, 'and can write with it');
});

test('without a session the API answers 401', async () => {
	const res = await api(srv.url, { path: '/api/v1/session' });
	await assertProblem(srv.url, res, 401, 'unauthenticated');
	const forged = await api(srv.url, { path: '/api/v1/session', headers: { Cookie: 'yz_session=forged-token-value' } });
	assert.equal(forged.status, 401);
	await assertProblem(srv.url, forged, 401, null);
});

test('a wrong password and an unknown phone get the same 401 answer', async () => {
	const acc = await newAccount();
	const wrong = await loginReq(srv.url, acc.phone, 'Wrong#Pass1');
	const unknown = await loginReq(srv.url, uniquePhone('137'), 'Wrong#Pass1');
	const bad = await loginReq(srv.url, '12345', 'Wrong#Pass1');
	for (const res of [wrong, unknown]) {
		await assertProblem(srv.url, res, 401, 'bad-credentials');
		assert.equal(res.headers.get('set-cookie'), null);
	}
	assert.equal(wrong.json.title, unknown.json.title);
	assert.equal(wrong.json.detail, unknown.json.detail);
	assert.deepEqual(Object.keys(wrong.json).sort(), Object.keys(unknown.json).sort());
	// A number that cannot be a phone is not told apart either.
	assert.equal(bad.status, 401);
	assert.equal(bad.json.type, '/problems/bad-credentials');
});

test('a wrong password and an unknown phone take about as long (no timing enumeration)', async () => {
	const acc = await newAccount();
	const time = async (phone) => {
		const t = process.hrtime.bigint();
		const res = await loginReq(srv.url, phone, 'Wrong#Pass1');
		assert.equal(res.status, 401);
		return Number(process.hrtime.bigint() - t) / 1e6;
	};
	const known = [];
	const unknown = [];
	for (let i = 0; i < 3; i++) {
		known.push(await time(acc.phone));
		unknown.push(await time(uniquePhone('137')));
	}
	const med = (a) => a.sort((x, y) => x - y)[1];
	// Both pay for a password hash; an unknown phone is not answered early.
	assert.ok(med(unknown) > med(known) / 4, `unknown ${med(unknown)} ms vs known ${med(known)} ms`);
});

test('a write with the session cookie but no CSRF token is refused with 403', async () => {
	const s = await login(srv.url, DEMO.resident, DEMO_PASSWORD);
	const path = `/api/v1/accounts/${s.account.id}`;
	const none = await api(srv.url, { method: 'PATCH', path, body: { name: '无令牌' }, session: { cookie: s.cookie } });
	await assertProblem(srv.url, none, 403, 'csrf');
	const wrong = await api(srv.url, { method: 'PATCH', path, body: { name: '错令牌' }, session: { cookie: s.cookie, csrf: `${s.csrf}x` } });
	await assertProblem(srv.url, wrong, 403, 'csrf');
	const other = await login(srv.url, DEMO.worker, DEMO_PASSWORD);
	const foreign = await api(srv.url, { method: 'PATCH', path, body: { name: '他人令牌' }, session: { cookie: s.cookie, csrf: other.csrf } });
	await assertProblem(srv.url, foreign, 403, 'csrf', {});
	const unchanged = await api(srv.url, { path, session: s });
	assert.equal(unchanged.json.name, s.account.name, 'nothing was written');

	const ok = await api(srv.url, { method: 'PATCH', path, body: { name: '刘居民二' }, session: s });
	const body = await assertJson(srv.url, ok, 200, 'Account');
	assert.equal(body.name, '刘居民二');
	// Reads need no CSRF token.
	assert.equal((await api(srv.url, { path, session: { cookie: s.cookie } })).status, 200);
});

test('signing out answers 204, clears the cookie and ends the session', async () => {
	const s = await login(srv.url, DEMO.manager, DEMO_PASSWORD);
	const noCsrf = await api(srv.url, { method: 'DELETE', path: '/api/v1/session', session: { cookie: s.cookie } });
	await assertProblem(srv.url, noCsrf, 403, 'csrf');
	assert.equal((await api(srv.url, { path: '/api/v1/session', session: s })).status, 200, 'still signed in');

	const res = await api(srv.url, { method: 'DELETE', path: '/api/v1/session', session: s });
	assertNoContent(res);
	const cleared = res.headers.getSetCookie().find((c) => c.startsWith('yz_session='));
	assert.ok(cleared, 'Set-Cookie clears yz_session');
	assert.match(cleared, /^yz_session=;/);
	assert.match(cleared, /Max-Age=0/);
	const after = await api(srv.url, { path: '/api/v1/session', session: s });
	await assertProblem(srv.url, after, 401, null);
	const write = await api(srv.url, { method: 'PATCH', path: `/api/v1/accounts/${s.account.id}`, body: { name: 'x' }, session: s });
	assert.equal(write.status, 401);
});

test('changing one\'s own password needs the current one; then the old password is refused', async () => {
	const acc = await newAccount(srv, admin, 'First#2026');
	const s = await login(srv.url, acc.phone, 'First#2026');
	const path = `/api/v1/accounts/${acc.id}/password`;

	const missing = await api(srv.url, { method: 'PUT', path, body: { password: 'Second#2026' }, session: s });
	assert.ok([401, 403, 422].includes(missing.status), `no current password: ${missing.status}`);
	await assertProblem(srv.url, missing, missing.status, null);
	const wrong = await api(srv.url, { method: 'PUT', path, body: { current_password: 'Nope#2026', password: 'Second#2026' }, session: s });
	assert.ok([401, 403, 422].includes(wrong.status), `wrong current password: ${wrong.status}`);
	await assertProblem(srv.url, wrong, wrong.status, null);
	const weak = await api(srv.url, { method: 'PUT', path, body: { current_password: 'First#2026', password: 'short' }, session: s });
	await assertProblem(srv.url, weak, 422, 'validation', { fields: ['password'] });
	const classes = await api(srv.url, { method: 'PUT', path, body: { current_password: 'First#2026', password: 'alllowercase' }, session: s });
	await assertProblem(srv.url, classes, 422, 'validation', { fields: ['password'] });

	const ok = await api(srv.url, { method: 'PUT', path, body: { current_password: 'First#2026', password: 'Second#2026' }, session: s });
	assertNoContent(ok);
	const old = await loginReq(srv.url, acc.phone, 'First#2026');
	await assertProblem(srv.url, old, 401, 'bad-credentials');
	assert.equal((await loginReq(srv.url, acc.phone, 'Second#2026')).status, 201);
});

test('an admin sets another account\'s password without the current one', async () => {
	const acc = await newAccount(srv, admin, 'First#2026');
	const res = await api(srv.url, { method: 'PUT', path: `/api/v1/accounts/${acc.id}/password`, body: { password: 'ByAdmin#2026' }, session: admin });
	assertNoContent(res);
	assert.equal((await loginReq(srv.url, acc.phone, 'First#2026')).status, 401);
	assert.equal((await loginReq(srv.url, acc.phone, 'ByAdmin#2026')).status, 201);
});

test('one may not set another account\'s password without being an admin', async () => {
	const s = await login(srv.url, DEMO.worker, DEMO_PASSWORD);
	const acc = await newAccount();
	const res = await api(srv.url, { method: 'PUT', path: `/api/v1/accounts/${acc.id}/password`, body: { current_password: acc.password, password: 'Taken#2026' }, session: s });
	await assertProblem(srv.url, res, 403, 'forbidden');
	assert.equal((await loginReq(srv.url, acc.phone, acc.password)).status, 201, 'the password did not change');
});

describe('failed sign-ins slow down the address they come from, never the account', () => {
	// A server of its own: these tests spend many attempts. Each client is a
	// loopback address of its own (127.0.0.x): the server tells clients
	// apart by their address, and the sign-in route allows 30 a minute from
	// each.
	let th;
	let thAdmin;
	before(async () => {
		th = await startServer();
		thAdmin = await login(th.url, DEMO.admin, DEMO_PASSWORD);
	});
	after(() => th?.stop());

	const from = (addr, phone, password) => loginReq(th.url, phone, password, undefined, addr);
	const retryAfter = (res) => Number(res.headers.get('retry-after'));

	/** Asserts res is the throttled answer, waiting about `seconds`. */
	async function assertThrottled(res, seconds) {
		await assertProblem(th.url, res, 429, 'login-throttled');
		const retry = retryAfter(res);
		assert.ok(retry >= Math.max(1, seconds - 1) && retry <= seconds, `Retry-After ${retry} (want ${seconds})`);
		assert.equal(res.headers.get('set-cookie'), null, 'no session');
	}

	test('after five failures from one address, that address waits 1 s, then 2 s, then 4 s (429 with Retry-After), even with the right password', async () => {
		const acc = await newAccount(th, thAdmin);
		for (let i = 1; i <= 5; i++)
			await assertProblem(th.url, await from('127.0.0.2', acc.phone, `Wrong#Pass${i}`), 401, 'bad-credentials');
		await assertThrottled(await from('127.0.0.2', acc.phone, acc.password), 1);
		await sleep(1100);
		// The wait is over: one more try, and a failure doubles the wait.
		await assertProblem(th.url, await from('127.0.0.2', acc.phone, 'Wrong#Pass6'), 401, 'bad-credentials');
		await assertThrottled(await from('127.0.0.2', acc.phone, acc.password), 2);
		await sleep(2100);
		await assertProblem(th.url, await from('127.0.0.2', acc.phone, 'Wrong#Pass7'), 401, 'bad-credentials');
		await assertThrottled(await from('127.0.0.2', acc.phone, 'Wrong#Pass8'), 4);
	});

	test('an address that has not failed signs in at once to an account another address is hammering', async () => {
		const acc = await newAccount(th, thAdmin);
		for (let i = 1; i <= 5; i++) assert.equal((await from('127.0.0.3', acc.phone, `Wrong#Pass${i}`)).status, 401);
		await assertThrottled(await from('127.0.0.3', acc.phone, acc.password), 1);
		const elsewhere = await from('127.0.0.4', acc.phone, acc.password);
		await assertJson(th.url, elsewhere, 201, 'Session');
		assert.ok(sessionCookie(elsewhere.headers), 'signed in');
		const view = await api(th.url, { path: `/api/v1/accounts/${acc.id}`, session: thAdmin });
		const a = await assertJson(th.url, view, 200, 'Account');
		assert.ok(!('locked_until' in a), 'an account is never locked as a whole');
	});

	test('an unknown number and a registered one get the same answers, failure after failure', async () => {
		const acc = await newAccount(th, thAdmin);
		const unknown = uniquePhone('137');
		const attempts = async (phone) => {
			const out = [];
			for (let i = 1; i <= 7; i++) out.push(await from('127.0.0.5', phone, `Wrong#Pass${i}`));
			return out;
		};
		const known = await attempts(acc.phone);
		const other = await attempts(unknown);
		assert.deepEqual(known.map((r) => r.status), [401, 401, 401, 401, 401, 429, 429]);
		assert.deepEqual(other.map((r) => r.status), known.map((r) => r.status));
		for (let i = 0; i < known.length; i++) {
			const [k, u] = [known[i], other[i]];
			await assertProblem(th.url, k, k.status, k.status === 401 ? 'bad-credentials' : 'login-throttled');
			await assertProblem(th.url, u, u.status, k.status === 401 ? 'bad-credentials' : 'login-throttled');
			assert.equal(u.json.title, k.json.title, `attempt ${i + 1}: title`);
			assert.equal(u.json.detail, k.json.detail, `attempt ${i + 1}: detail`);
			assert.deepEqual(Object.keys(u.json).sort(), Object.keys(k.json).sort(), `attempt ${i + 1}: fields`);
			assert.equal(u.headers.get('retry-after'), k.headers.get('retry-after'), `attempt ${i + 1}: Retry-After`);
		}
	});

	test('a successful sign-in clears the failures of its address', async () => {
		const acc = await newAccount(th, thAdmin);
		for (let i = 0; i < 4; i++) assert.equal((await from('127.0.0.6', acc.phone, 'Wrong#Pass1')).status, 401);
		assert.equal((await from('127.0.0.6', acc.phone, acc.password)).status, 201);
		for (let i = 0; i < 4; i++) assert.equal((await from('127.0.0.6', acc.phone, 'Wrong#Pass1')).status, 401);
		assert.equal((await from('127.0.0.6', acc.phone, acc.password)).status, 201, 'four more failures do not slow it down');
	});

	test('failures against one account from many addresses are counted in /metrics and logged as a warning', async () => {
		const acc = await newAccount(th, thAdmin);
		const bursts = async () => {
			const m = /^yizhan_login_burst_total (\d+)$/m.exec((await api(th.url, { path: '/metrics' })).text);
			assert.ok(m, 'yizhan_login_burst_total in /metrics');
			return Number(m[1]);
		};
		const before = await bursts();
		for (let i = 0; i < 4; i++) assert.equal((await from(`127.0.1.${i + 1}`, acc.phone, 'Wrong#Pass1')).status, 401);
		assert.equal(await bursts(), before, 'four addresses are not yet a burst');
		assert.equal((await from('127.0.1.5', acc.phone, 'Wrong#Pass1')).status, 401);
		assert.equal(await bursts(), before + 1, 'the fifth address makes a burst');
		assert.equal((await from('127.0.1.6', acc.phone, 'Wrong#Pass1')).status, 401);
		assert.equal(await bursts(), before + 1, 'one alert a burst, not one a failure');
		// The account still works from an address that has not failed.
		assert.equal((await from('127.0.1.7', acc.phone, acc.password)).status, 201);
		const masked = `${acc.phone.slice(0, 3)}****${acc.phone.slice(7)}`;
		let line;
		for (let i = 0; i < 20 && !line; i++) {
			line = th.logs().find((l) => l.event === 'login_burst' && l.msg.includes(masked));
			if (!line) await sleep(100); // the log is written every 200 ms
		}
		assert.ok(line, 'a login_burst line names the account (masked)');
		assert.equal(line.level, 'warn');
		assert.ok(!th.stderr.some((l) => l.includes(acc.phone)), 'the full number is in no log line');
	});
});

describe('the login rate limit', () => {
	let rl;
	before(async () => {
		rl = await startServer({ seed: false });
	});
	after(() => rl?.stop());

	test('logins beyond 30 a minute from one address answer 429 with Retry-After', async () => {
		// A token bucket: 30 at once, then one more every 2 s. A new unknown
		// phone each time, so no number's failures slow the address down.
		const t0 = Date.now();
		const burst = await Promise.all(
			Array.from({ length: 30 }, () => loginReq(rl.url, uniquePhone('136'), 'Wrong#Pass1')),
		);
		assert.deepEqual([...new Set(burst.map((r) => r.status))], [401], 'the first 30 are answered');
		let limited = null;
		let extra = 0;
		while (!limited && extra < 40) {
			const res = await loginReq(rl.url, uniquePhone('136'), 'Wrong#Pass1');
			extra += 1;
			if (res.status === 429) limited = res;
			else assert.equal(res.status, 401);
		}
		assert.ok(limited, 'a 429 came');
		const refilled = Math.ceil(((Date.now() - t0) / 1000) * (30 / 60)) + 1;
		assert.ok(extra <= refilled, `${extra} extra attempts passed, more than the ${refilled} refilled in ${Date.now() - t0} ms`);
		await assertProblem(rl.url, limited, 429, 'rate-limited');
		const retry = Number(limited.headers.get('retry-after'));
		assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
		// Only that route is limited.
		assert.equal((await api(rl.url, { path: '/healthz' })).status, 200);
	});

	test('the 429 problem carries its request_id', async () => {
		// The bucket refills one login every 2 s, so one may have come back
		// since the test above: those few are answered 401, then 429 again.
		let limited;
		for (let i = 0; i < 5; i++) {
			limited = await loginReq(rl.url, uniquePhone('136'), 'Wrong#Pass1');
			if (limited.status !== 401) break;
		}
		await assertProblem(rl.url, limited, 429, 'rate-limited');
	});
});

describe('the session idle timeout', { concurrency: true }, () => {
	let idle;
	before(async () => {
		idle = await startServer({ args: ['--session-idle', '2'] });
	});
	after(() => idle?.stop());

	test('a session used within the idle timeout stays alive', async () => {
		const s = await login(idle.url, DEMO.staff, DEMO_PASSWORD);
		assert.equal((await api(idle.url, { path: '/api/v1/session', session: s })).json.idle_timeout_s, 2);
		// Used every half second for 3.5 s: longer than the timeout in all.
		for (let i = 1; i <= 7; i++) {
			await sleep(500);
			assert.equal((await api(idle.url, { path: '/api/v1/session', session: s })).status, 200, `after ${i * 0.5} s of use`);
		}
	});

	test('a session left idle longer than --session-idle answers 401 session-expired and clears the cookie', async () => {
		const s = await login(idle.url, DEMO.volunteer, DEMO_PASSWORD);
		assert.equal((await api(idle.url, { path: '/api/v1/session', session: s })).status, 200);
		await sleep(3200);
		const res = await api(idle.url, { path: '/api/v1/session', session: s });
		await assertProblem(idle.url, res, 401, 'session-expired');
		assert.equal(sessionCookie(res.headers), 'yz_session=', 'the expired cookie is cleared');
		const write = await api(idle.url, { method: 'PATCH', path: `/api/v1/accounts/${s.account.id}`, body: { name: 'x' }, session: s });
		await assertProblem(idle.url, write, 401, null);
	});
});
