// Problem answers speak the client's language: English when Accept-Language
// prefers English, Chinese otherwise, from the handlers and from the HTTP
// layer alike, and say which in Content-Language with Vary: Accept-Language.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, rawRequest } from './lib/client.mjs';
import { assertProblem, loadOpenapi } from './lib/schema.mjs';

let srv;
let admin;

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
});
after(() => srv?.stop());

const CHINESE = /[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]/;
const EN = { 'Accept-Language': 'en' };

/** Every text of problem p: title, detail and each errors[].message. */
function texts(p) {
	return [p.title, p.detail, ...(p.errors ?? []).map((e) => e.message)];
}

/** Asserts res is in English: headers, and no Chinese in any text. */
function assertEnglish(res, p) {
	const get = (n) => (typeof res.headers.get === 'function' ? res.headers.get(n) : res.headers[n]);
	assert.equal(get('content-language'), 'en');
	assert.match(get('vary') ?? '', /Accept-Language/i);
	for (const t of texts(p)) assert.doesNotMatch(t, CHINESE, `English text: ${JSON.stringify(p)}`);
}

/** Asserts res is in Chinese: headers, and Chinese in the title and detail. */
function assertChinese(res, p) {
	const get = (n) => (typeof res.headers.get === 'function' ? res.headers.get(n) : res.headers[n]);
	assert.equal(get('content-language'), 'zh-CN');
	assert.match(get('vary') ?? '', /Accept-Language/i);
	assert.match(p.title, CHINESE);
	assert.match(p.detail, CHINESE);
}

const message = (p, field) => p.errors.find((e) => e.field === field)?.message;

test('field errors of a new account come in English with Accept-Language: en', async () => {
	const res = await api(srv.url, {
		method: 'POST',
		path: '/api/v1/accounts',
		body: { phone: 13800001111, name: 5, admin: true },
		session: admin,
		headers: EN,
	});
	const p = await assertProblem(srv.url, res, 422, 'validation', { fields: ['phone', 'name', 'admin'] });
	assertEnglish(res, p);
	assert.equal(p.title, 'Invalid request content');
	assert.equal(p.detail, 'Some fields are not valid; see the errors for each.');
	assert.equal(message(p, 'phone'), 'Must be a string');
	assert.equal(message(p, 'admin'), 'Unknown field');

	// The domain's own rules, with their arguments, in English too.
	const bad = await api(srv.url, {
		method: 'POST',
		path: '/api/v1/accounts',
		body: { phone: '123', name: 'x'.repeat(200), password: 'short' },
		session: admin,
		headers: { 'Accept-Language': 'en-US,en;q=0.9' },
	});
	const q = await assertProblem(srv.url, bad, 422, 'validation', { fields: ['phone', 'name', 'password'] });
	assertEnglish(bad, q);
	assert.equal(message(q, 'phone'), 'Please give a valid 11-digit mobile number');
	assert.match(message(q, 'name'), /^The name must be 1–\d+ characters$/);
});

test('the same field errors stay Chinese without Accept-Language and with zh-CN', async () => {
	for (const headers of [{}, { 'Accept-Language': 'zh-CN' }]) {
		const res = await api(srv.url, {
			method: 'POST',
			path: '/api/v1/accounts',
			body: { phone: 13800001111, name: 5, admin: true },
			session: admin,
			headers,
		});
		const p = await assertProblem(srv.url, res, 422, 'validation', { fields: ['phone', 'name', 'admin'] });
		assertChinese(res, p);
		assert.equal(p.title, '请求内容有误');
		assert.equal(message(p, 'phone'), '应为字符串 (expected a string)');
		assert.equal(message(p, 'admin'), '未知字段 (unknown field)');
	}
});

test('a 404 in English: an unknown account from the handler, an unknown address from the HTTP layer', async () => {
	const account = await api(srv.url, { path: '/api/v1/accounts/987654', session: admin, headers: EN });
	const a = await assertProblem(srv.url, account, 404, 'not-found');
	assertEnglish(account, a);
	assert.equal(a.title, 'Not found');
	assert.equal(a.detail, 'No such account');

	const nowhere = await api(srv.url, { path: '/api/v1/nope', headers: EN });
	const n = await assertProblem(srv.url, nowhere, 404, 'not-found');
	assertEnglish(nowhere, n);
	assert.equal(n.title, 'Not found');

	const zh = await api(srv.url, { path: '/api/v1/nope' });
	assertChinese(zh, await assertProblem(srv.url, zh, 404, 'not-found'));
});

test('a 405 from the HTTP layer in English keeps its Allow header', async () => {
	const res = await api(srv.url, { method: 'POST', path: '/healthz', body: {}, headers: EN });
	const p = await assertProblem(srv.url, res, 405, 'method-not-allowed');
	assertEnglish(res, p);
	assert.equal(p.title, 'Method not allowed');
	assert.equal(res.headers.get('allow'), 'GET, HEAD');

	const zh = await api(srv.url, { method: 'POST', path: '/healthz', body: {} });
	const z = await assertProblem(srv.url, zh, 405, 'method-not-allowed');
	assertChinese(zh, z);
	assert.equal(z.title, '方法不允许');
});

test('a 413 from the HTTP layer in English', async () => {
	const host = new URL(srv.url).host;
	const head = `POST /api/v1/session HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nAccept-Language: en\r\nContent-Length: 5000\r\n\r\n`;
	const res = await rawRequest(srv.url, [head], { timeoutMs: 3000 });
	const p = await assertProblem(srv.url, res, 413, 'body-too-large');
	assertEnglish(res, p);
	assert.equal(p.detail, 'The request body is larger than the limit of 4096 bytes');
});

test('a 401 in English, and the language follows the q-values of Accept-Language', async () => {
	const cases = [
		['en', 'en'],
		['en-US,en;q=0.9', 'en'],
		['fr, en;q=0.5', 'en'],
		['*;q=0.5, zh;q=0', 'en'],
		['zh-CN', 'zh-CN'],
		['zh;q=1, en;q=0.5', 'zh-CN'],
		['zh-CN,zh;q=0.9,en;q=0.8', 'zh-CN'],
		['de', 'zh-CN'],
		['*', 'zh-CN'],
		[undefined, 'zh-CN'],
	];
	for (const [header, want] of cases) {
		const res = await api(srv.url, { path: '/api/v1/accounts', headers: { 'Accept-Language': header } });
		const p = await assertProblem(srv.url, res, 401, 'unauthenticated');
		assert.equal(res.headers.get('content-language'), want, `Accept-Language: ${header}`);
		if (want === 'en') {
			assertEnglish(res, p);
			assert.equal(p.title, 'Sign-in required');
			assert.equal(p.detail, 'Please sign in first');
		} else {
			assertChinese(res, p);
			assert.equal(p.title, '需要登录');
			assert.equal(p.detail, '请先登录');
		}
	}
});

test('a wrong password and a bad query parameter, with numbers filled in, in English', async () => {
	const login401 = await api(srv.url, {
		method: 'POST',
		path: '/api/v1/session',
		body: { phone: DEMO.resident, password: 'Wrong@2026x' },
		headers: EN,
	});
	const l = await assertProblem(srv.url, login401, 401, 'bad-credentials');
	assertEnglish(login401, l);
	assert.equal(l.detail, 'Wrong phone number or password');

	const limit = await api(srv.url, { path: '/api/v1/accounts?limit=0', session: admin, headers: EN });
	const q = await assertProblem(srv.url, limit, 422, 'validation', { fields: ['limit'] });
	assertEnglish(limit, q);
	assert.equal(message(q, 'limit'), 'Must be a whole number from 1 to 200');
});

test('answers that are not problems do not vary by language', async () => {
	const res = await api(srv.url, { path: '/api/v1/session', session: admin, headers: EN });
	assert.equal(res.status, 200);
	assert.equal(res.headers.get('content-language'), null);
});
