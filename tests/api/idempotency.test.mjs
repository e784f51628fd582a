// Idempotency-Key: a retried write gets the first answer again and does its
// work once; the same key with another body is refused; concurrent retries
// agree.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, sqlRows, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, assertNoContent, loadOpenapi } from './lib/schema.mjs';
import { makePng } from './lib/images.mjs';

let srv;
let admin;
let staff;

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
	staff = await login(srv.url, DEMO.staff, DEMO_PASSWORD);
});
after(() => srv?.stop());

function create(body, key, session = admin) {
	return api(srv.url, { method: 'POST', path: '/api/v1/accounts', body, session, headers: { 'Idempotency-Key': key } });
}

async function accountsWithPhone(phone) {
	const res = await api(srv.url, { path: `/api/v1/accounts?q=${phone}`, session: admin });
	return (await assertJson(srv.url, res, 200, 'AccountPage')).items.filter((a) => a.phone === phone);
}

async function createRows(accountId) {
	const res = await api(srv.url, { path: `/api/v1/audit?action=account.create&object_type=account&object_id=${accountId}`, session: admin });
	return (await assertJson(srv.url, res, 200, 'AuditPage')).items;
}

test('a retry with the same key and body gets the same answer, marked replayed, and creates one account', async () => {
	const key = randomUUID();
	const body = { phone: uniquePhone(), name: '幂等甲' };
	const first = await create(body, key);
	const acc = await assertJson(srv.url, first, 201, 'Account');
	assert.equal(first.headers.get('idempotent-replayed'), null, 'the first answer is not a replay');
	for (let i = 0; i < 3; i++) {
		const again = await create(body, key);
		await assertJson(srv.url, again, 201, 'Account');
		assert.equal(again.text, first.text, 'the same body, byte for byte');
		assert.equal(again.headers.get('idempotent-replayed'), 'true');
		assert.equal(again.headers.get('location'), first.headers.get('location'));
		assert.notEqual(again.headers.get('x-request-id'), first.headers.get('x-request-id'), 'each answer has its own request id');
	}
	assert.equal((await accountsWithPhone(body.phone)).length, 1, 'one account');
	const rows = await createRows(acc.id);
	assert.equal(rows.length, 1, 'one audit row');
	assert.equal(rows[0].request_id, first.headers.get('x-request-id'), 'the audit row is the first request\'s');
});

test('the same key with a different body answers 422 idempotency-key-reused and changes nothing', async () => {
	const key = randomUUID();
	const body = { phone: uniquePhone(), name: '幂等乙' };
	assert.equal((await create(body, key)).status, 201);
	const other = { phone: uniquePhone(), name: '幂等乙' };
	const res = await create(other, key);
	await assertProblem(srv.url, res, 422, 'idempotency-key-reused');
	assert.equal((await accountsWithPhone(other.phone)).length, 0, 'the second body was not acted on');
	// Same JSON, different bytes (key order) is also a different body or the same answer, never a second account.
	const reordered = await api(srv.url, {
		method: 'POST',
		path: '/api/v1/accounts',
		body: JSON.stringify({ name: body.name, phone: body.phone }),
		session: admin,
		headers: { 'Idempotency-Key': key },
	});
	assert.ok([201, 422].includes(reordered.status), `got ${reordered.status}`);
	assert.equal((await accountsWithPhone(body.phone)).length, 1);
});

test('the same key on another route is another request, refused with 422', async () => {
	const key = randomUUID();
	const acc = await assertJson(srv.url, await create({ phone: uniquePhone(), name: '幂等丙' }, key), 201, 'Account');
	const res = await api(srv.url, {
		method: 'PATCH',
		path: `/api/v1/accounts/${acc.id}`,
		body: { name: '幂等丙二' },
		session: admin,
		headers: { 'Idempotency-Key': key },
	});
	await assertProblem(srv.url, res, 422, 'idempotency-key-reused');
	const read = await api(srv.url, { path: `/api/v1/accounts/${acc.id}`, session: admin });
	assert.equal(read.json.name, '幂等丙', 'not renamed');
});

test('the same key with another query string is another request, refused with 422', async () => {
	const key = randomUUID();
	const png = makePng(40, 30, () => [20, 160, 90, 255]);
	const upload = (caption) =>
		api(srv.url, {
			method: 'POST',
			path: `/api/v1/stations/1/photos?caption=${encodeURIComponent(caption)}`,
			body: png,
			session: admin,
			headers: { 'Content-Type': 'image/png', 'Idempotency-Key': key },
		});
	const first = await upload('first');
	const photo = await assertJson(srv.url, first, 201, 'Photo');
	assert.equal(photo.caption, 'first');
	const again = await upload('first');
	assert.equal(again.headers.get('idempotent-replayed'), 'true', 'the same query replays');
	assert.equal(again.text, first.text);
	const other = await upload('second');
	await assertProblem(srv.url, other, 422, 'idempotency-key-reused');
	const station = (await api(srv.url, { path: '/api/v1/stations/1' })).json;
	assert.deepEqual(station.photos.map((p) => p.caption), ['first'], 'one photo, with the first caption');
});

test('keys belong to the principal: another account\'s same key is not a replay', async () => {
	const key = randomUUID();
	const body = { phone: uniquePhone(), name: '幂等丁' };
	const mine = await create(body, key, admin);
	assert.equal(mine.status, 201);
	const theirs = await create(body, key, staff);
	assert.equal(theirs.headers.get('idempotent-replayed'), null, 'not replayed to another account');
	await assertProblem(srv.url, theirs, 409, null, { fields: ['phone'] });
});

test('a key that is empty, too long or not visible ASCII answers 422', async () => {
	for (const key of ['', 'x'.repeat(256), 'key with space', 'ключ']) {
		let res;
		try {
			res = await create({ phone: uniquePhone(), name: '坏键' }, key);
		} catch {
			continue; // fetch refuses some header values itself
		}
		await assertProblem(srv.url, res, 422, null, { fields: ['Idempotency-Key'] });
	}
	const ok = await create({ phone: uniquePhone(), name: '长键' }, 'k'.repeat(255));
	assert.equal(ok.status, 201);
});

test('an idempotent DELETE replays its 204', async () => {
	const tok = (await api(srv.url, { method: 'POST', path: '/api/v1/tokens', body: { account_id: staff.account.id, name: '幂等删除' }, session: admin })).json;
	const key = randomUUID();
	const del = () => api(srv.url, { method: 'DELETE', path: `/api/v1/tokens/${tok.id}`, session: admin, headers: { 'Idempotency-Key': key } });
	const first = await del();
	assertNoContent(first);
	const again = await del();
	assertNoContent(again);
	assert.equal(again.headers.get('idempotent-replayed'), 'true');
	const rows = (await api(srv.url, { path: `/api/v1/audit?action=token.revoke&object_id=${tok.id}`, session: admin })).json.items;
	assert.equal(rows.length, 1);
});

test('a new API token is shown once: a retry with its key gets the answer without it, and only its hash is kept', async () => {
	const key = randomUUID();
	const body = { account_id: staff.account.id, name: '只显示一次' };
	const make = (session) => api(srv.url, { method: 'POST', path: '/api/v1/tokens', body, session, headers: { 'Idempotency-Key': key } });
	const first = await make(admin);
	const created = await assertJson(srv.url, first, 201, 'TokenCreated');
	assert.match(created.token, /^yzt_/);
	assert.equal(created.secrets_withheld, undefined, 'the first answer withholds nothing');
	// Another session of the same admin, after the token was revoked.
	assertNoContent(await api(srv.url, { method: 'DELETE', path: `/api/v1/tokens/${created.id}`, session: admin }));
	const other = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
	const again = await make(other);
	const replayed = await assertJson(srv.url, again, 201, 'TokenCreated');
	assert.equal(again.headers.get('idempotent-replayed'), 'true');
	assert.equal(again.headers.get('location'), first.headers.get('location'));
	assert.equal(replayed.id, created.id, 'the same token, not a second one');
	assert.equal(replayed.token, undefined, 'the secret is not shown again');
	assert.deepEqual(replayed.secrets_withheld, ['token']);
	assert.ok(!again.text.includes(created.token.slice(4)));
	// Nothing stored holds the secret: the stored answers, and the token row only its hash.
	const secret = created.token.slice(4);
	for (const [table, col] of [['idempotency_keys', 'body'], ['api_tokens', 'token_hash'], ['audit_log', 'detail']]) {
		const rows = await sqlRows(srv.dbUrl, `SELECT ${col} FROM ${table}`);
		assert.ok(rows.length > 0, `${table} has rows`);
		for (const [v] of rows) assert.ok(!(v ?? '').includes(secret), `${table}.${col} holds the token`);
	}
	const tokens = (await api(srv.url, { path: '/api/v1/tokens', session: admin })).json.items;
	assert.equal(tokens.filter((t) => t.name === body.name).length, 1, 'one token was made');
});

test('a role grant retried with its key is granted once', async () => {
	const acc = (await create({ phone: uniquePhone(), name: '幂等戊' }, randomUUID())).json;
	const key = randomUUID();
	const g = () => api(srv.url, { method: 'POST', path: `/api/v1/accounts/${acc.id}/roles`, body: { role: 'volunteer', scope: '610303008003' }, session: staff, headers: { 'Idempotency-Key': key } });
	const first = await g();
	await assertJson(srv.url, first, 201, 'Account');
	const again = await g();
	assert.equal(again.text, first.text);
	assert.equal(again.headers.get('idempotent-replayed'), 'true');
	const read = await api(srv.url, { path: `/api/v1/accounts/${acc.id}`, session: admin });
	assert.equal(read.json.roles.length, 1);
});

test('ten concurrent requests with one key create one account, and all ten answers are equal (eight rounds)', async () => {
	// The race between the first request and its retries is decided by
	// timing, so it is run several times.
	for (let round = 0; round < 8; round++) {
		const key = randomUUID();
		const body = { phone: uniquePhone(), name: '并发' };
		const answers = await Promise.all(Array.from({ length: 10 }, () => create(body, key)));
		const statuses = answers.map((a) => a.status);
		assert.deepEqual(statuses, Array(10).fill(201), `round ${round}, statuses ${statuses}: ${answers.map((a) => a.text).join('\n')}`);
		for (const a of answers) {
			await assertJson(srv.url, a, 201, 'Account');
			assert.equal(a.text, answers[0].text);
		}
		assert.equal(answers.filter((a) => a.headers.get('idempotent-replayed') !== 'true').length, 1, 'exactly one answer is the original');
		const found = await accountsWithPhone(body.phone);
		assert.equal(found.length, 1, 'one account');
		assert.equal((await createRows(found[0].id)).length, 1, 'one audit row');
	}
});

test('ten concurrent requests with one key but different bodies: one wins, the rest are refused', async () => {
	const key = randomUUID();
	const bodies = Array.from({ length: 10 }, (_, i) => ({ phone: uniquePhone(), name: `并发${i}` }));
	const answers = await Promise.all(bodies.map((b) => create(b, key)));
	const won = answers.filter((a) => a.status === 201);
	assert.equal(won.length, 1, `statuses ${answers.map((a) => a.status)}`);
	for (const a of answers.filter((x) => x.status !== 201)) await assertProblem(srv.url, a, 422, 'idempotency-key-reused');
	let made = 0;
	for (const b of bodies) made += (await accountsWithPhone(b.phone)).length;
	assert.equal(made, 1);
});

test('stored answers expire after --idempotency-ttl, and then the key may be used again', async () => {
	const short = await startServer({ args: ['--idempotency-ttl', '2'] });
	try {
		const session = await login(short.url, DEMO.admin, DEMO_PASSWORD);
		const key = randomUUID();
		const post = (body) => api(short.url, { method: 'POST', path: '/api/v1/accounts', body, session, headers: { 'Idempotency-Key': key } });
		const first = await post({ phone: uniquePhone(), name: '过期甲' });
		assert.equal(first.status, 201);
		const stored = async () => (await sqlRows(short.dbUrl, `SELECT idem_key FROM idempotency_keys WHERE idem_key = '${key}'`)).length;
		assert.equal(await stored(), 1, 'the answer is stored');
		const t0 = Date.now();
		while ((await stored()) > 0) {
			assert.ok(Date.now() - t0 < 8000, 'the answer was not deleted within 8 s of a 2 s lifetime');
			await new Promise((r) => setTimeout(r, 200));
		}
		// The key is free again: another body is a new request, not a reuse.
		const second = await post({ phone: uniquePhone(), name: '过期乙' });
		assert.equal(second.status, 201, second.text);
		assert.equal(second.headers.get('idempotent-replayed'), null);
	} finally {
		const { code } = await short.stop();
		assert.equal(code, 0, 'the server stops cleanly with its background job');
	}
});
