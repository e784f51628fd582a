// Malformed, misrouted and oversized requests: each gets the right problem
// answer, and the server keeps serving afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, rawRequest, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, assertCommonHeaders, loadOpenapi } from './lib/schema.mjs';

let srv;
let admin;

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
});
after(() => srv?.stop());

async function stillServing() {
	const res = await api(srv.url, { path: '/healthz' });
	assert.equal(res.status, 200, 'the server still answers /healthz');
	const me = await api(srv.url, { path: '/api/v1/session', session: admin });
	assert.equal(me.status, 200, 'the server still answers a signed-in read');
}

/** A raw HTTP/1.1 request head for the admin session. */
function head(method, path, extra = []) {
	return [
		`${method} ${path} HTTP/1.1`,
		`Host: ${new URL(srv.url).host}`,
		'Content-Type: application/json',
		`Cookie: ${admin.cookie}`,
		`X-CSRF-Token: ${admin.csrf}`,
		...extra,
		'',
		'',
	].join('\r\n');
}

// The problems written by the HTTP layer itself (404, 405, 413) carry the
// request id like every other problem.
const noRequestId = {};

test('an unknown route answers 404 with a problem', async () => {
	for (const path of ['/api/v1/nope', '/api/v1/accounts/1/nope', '/api/v2/session']) {
		const res = await api(srv.url, { path });
		await assertProblem(srv.url, res, 404, 'not-found', noRequestId);
	}
	await stillServing();
});

test('a wrong method answers 405 with the allowed methods in Allow', async () => {
	const post = await api(srv.url, { method: 'POST', path: '/healthz', body: {} });
	await assertProblem(srv.url, post, 405, 'method-not-allowed', noRequestId);
	assert.equal(post.headers.get('allow'), 'GET, HEAD');

	const del = await api(srv.url, { method: 'DELETE', path: '/api/v1/accounts', session: admin });
	await assertProblem(srv.url, del, 405, 'method-not-allowed', noRequestId);
	const allow = del.headers.get('allow').split(/,\s*/).sort();
	assert.deepEqual(allow, ['GET', 'HEAD', 'POST']);

	const put = await api(srv.url, { method: 'PUT', path: '/api/v1/session', body: {} });
	await assertProblem(srv.url, put, 405, 'method-not-allowed', noRequestId);
	assert.deepEqual(put.headers.get('allow').split(/,\s*/).sort(), ['DELETE', 'GET', 'HEAD', 'POST']);
	await stillServing();
});

test('every problem, including 404, 405 and 413 from the HTTP layer, carries its request_id', async () => {
	const r404 = await api(srv.url, { path: '/api/v1/nope' });
	await assertProblem(srv.url, r404, 404, 'not-found');
	const r405 = await api(srv.url, { method: 'POST', path: '/healthz', body: {} });
	await assertProblem(srv.url, r405, 405, 'method-not-allowed');
	const r413 = await api(srv.url, { method: 'POST', path: '/api/v1/session', body: 'x'.repeat(5000) });
	await assertProblem(srv.url, r413, 413, 'body-too-large');
});

test('malformed JSON answers 400', async () => {
	for (const body of ['{bad', '{"phone": "1380000000', '', '{"a":1,"a":2}']) {
		const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body, session: admin });
		await assertProblem(srv.url, res, 400, 'bad-request');
	}
	await stillServing();
});

test('a NUL in a JSON string answers 400 in words, not the parser\'s flag name', async () => {
	const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: '{"phone":"13900000000","name":"a\\u0000b"}', session: admin });
	const p = await assertProblem(srv.url, res, 400, 'bad-request');
	assert.ok(!p.detail.includes('JSON_ALLOW_NUL'), p.detail);
	assert.match(p.detail, /NUL/);
});

test('the OpenAPI document says what the server does: required query parameters, GeoJSON, 415', async () => {
	const doc = (await api(srv.url, { path: '/api/v1/openapi.json' })).json;
	const param = (path, name) => doc.paths[path].get.parameters.find((p) => p.name === name);
	for (const name of ['lat', 'lng']) {
		assert.equal(param('/api/v1/stations/nearby', name).required, true, name);
		assert.equal(param('/api/v1/stations/nearby', name).schema.type, 'number');
	}
	assert.equal(param('/api/v1/stations/nearby', 'radius_m').required, false);
	assert.equal(param('/api/v1/coverage', 'region').required, true);
	const geo = doc.paths['/api/v1/stations.geojson'].get.responses['200'];
	assert.ok(geo.content?.['application/geo+json'], 'GeoJSON 200 declares its content');
	for (const [path, m] of [['/api/v1/stations', 'post'], ['/api/v1/accounts', 'post'], ['/api/v1/stations/{id}', 'patch']])
		assert.ok(doc.paths[path][m].responses['415'], `${m} ${path} declares 415`);
	// And the server refuses what it declares required.
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/stations/nearby?lat=34.3' }), 422, 'validation', { fields: ['lng'] });
});

test('an API route refuses a query parameter it does not name; a page link takes what it carries', async () => {
	const typo = await api(srv.url, { path: '/api/v1/stations/nearby?lat=34.36&lng=107.2&amenties=microwave' });
	await assertProblem(srv.url, typo, 422, 'validation', { fields: ['amenties'] });
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/amenities?x=1' }), 422, 'validation', { fields: ['x'] });
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/tokens?limit=5', session: admin }), 422, 'validation', { fields: ['limit'] });
	// Declared parameters pass, and so do links people share (WeChat adds its own).
	assert.equal((await api(srv.url, { path: '/api/v1/stations/nearby?lat=34.36&lng=107.2&amenity=microwave&open_now=true' })).status, 200);
	const link = await fetch(`${srv.url}/c/whatever?from=singlemessage&isappinstalled=0`, { redirect: 'manual' });
	assert.equal(link.status, 404, 'an unknown code, not an unknown parameter');
});

test('GeoJSON is WGS-84 only: crs other than wgs84 is refused, not ignored', async () => {
	for (const crs of ['gcj02', 'bd09', 'foo']) {
		const res = await api(srv.url, { path: `/api/v1/stations.geojson?limit=1&crs=${crs}` });
		await assertProblem(srv.url, res, 422, 'validation', { fields: ['crs'] });
	}
	const ok = await api(srv.url, { path: '/api/v1/stations.geojson?limit=1&crs=wgs84' });
	assert.equal(ok.status, 200);
	assert.match(ok.headers.get('content-type'), /^application\/geo\+json/);
});

test('a body that is not JSON by its Content-Type answers 415', async () => {
	for (const ct of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
		const res = await api(srv.url, {
			method: 'POST',
			path: '/api/v1/session',
			body: JSON.stringify({ phone: DEMO.admin, password: DEMO_PASSWORD }),
			headers: { 'Content-Type': ct },
		});
		assert.equal(res.status, 415, `Content-Type ${ct}: ${res.text}`);
		assert.match(res.headers.get('content-type'), /^application\/problem\+json/);
		assertCommonHeaders(res);
		assert.equal(res.json.type, '/problems/unsupported-media-type');
		assert.equal(res.json.request_id, res.headers.get('x-request-id'));
		assert.equal(res.headers.get('set-cookie'), null, 'no session was made');
	}
});

test('the media type must be JSON exactly: parameters and case may vary, a longer name may not', async () => {
	const login = (ct) =>
		api(srv.url, { method: 'POST', path: '/api/v1/session', body: JSON.stringify({ phone: DEMO.admin, password: DEMO_PASSWORD }), headers: { 'Content-Type': ct } });
	for (const ct of ['application/jsonx', 'application/json-patch+json', 'application/json5', 'application/jsonp; charset=utf-8', 'application/json,text/plain']) {
		const res = await login(ct);
		await assertProblem(srv.url, res, 415, 'unsupported-media-type');
		assert.equal(res.headers.get('set-cookie'), null, `no session was made for ${ct}`);
	}
	for (const ct of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'application/json ; charset=utf-8']) {
		const res = await login(ct);
		assert.equal(res.status, 201, `${ct}: ${res.text}`);
	}
});

test('the 415 problem body says status 415', async () => {
	const res = await api(srv.url, {
		method: 'POST',
		path: '/api/v1/session',
		body: '{}',
		headers: { 'Content-Type': 'text/plain' },
	});
	await assertProblem(srv.url, res, 415, 'unsupported-media-type');
	assert.equal(res.json.title, '不支持的内容类型');
});

test('a JSON array instead of an object answers 422', async () => {
	for (const body of ['[1,2]', '[]', '[{"phone":"13800001111","name":"x"}]']) {
		const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body, session: admin });
		await assertProblem(srv.url, res, 422, 'validation');
	}
});

test('a JSON scalar instead of an object answers 422, not 400', async () => {
	for (const body of ['"text"', '42', 'null', 'true']) {
		const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body, session: admin });
		await assertProblem(srv.url, res, 422, 'validation');
	}
});

test('fields of the wrong type answer 422 naming each field', async () => {
	const acc = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone: 13800001111, name: 5 }, session: admin });
	await assertProblem(srv.url, acc, 422, 'validation', { fields: ['phone', 'name'] });

	const tok = await api(srv.url, { method: 'POST', path: '/api/v1/tokens', body: { account_id: '1', name: [] }, session: admin });
	await assertProblem(srv.url, tok, 422, 'validation', { fields: ['account_id', 'name'] });

	const ses = await api(srv.url, { method: 'POST', path: '/api/v1/session', body: { phone: DEMO.admin, password: 1 } });
	await assertProblem(srv.url, ses, 422, 'validation', { fields: ['password'] });
});

test('missing required fields and unknown fields answer 422 naming them', async () => {
	const missing = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: {}, session: admin });
	await assertProblem(srv.url, missing, 422, 'validation', { fields: ['phone', 'name'] });
	const unknown = await api(srv.url, {
		method: 'POST',
		path: '/api/v1/accounts',
		body: { phone: uniquePhone(), name: '多字段', admin: true },
		session: admin,
	});
	await assertProblem(srv.url, unknown, 422, 'validation', { fields: ['admin'] });
});

test('a bad query parameter answers 422 naming it', async () => {
	for (const q of ['limit=0', 'limit=201', 'limit=abc', 'after=-1']) {
		const res = await api(srv.url, { path: `/api/v1/accounts?${q}`, session: admin });
		await assertProblem(srv.url, res, 422, 'validation', { fields: [q.split('=')[0]] });
	}
});

test('an integer outside its range answers 422 naming the field, in the body and in the query', async () => {
	for (const account_id of [0, -1, -4294967295]) {
		const res = await api(srv.url, { method: 'POST', path: '/api/v1/tokens', body: { account_id, name: '越界' }, session: admin });
		await assertProblem(srv.url, res, 422, 'validation', { fields: ['account_id'] });
	}
	for (const q of ['after=99999999999999999999', 'after=-99999999999999999999', 'limit=18446744073709551617']) {
		const res = await api(srv.url, { path: `/api/v1/accounts?${q}`, session: admin });
		await assertProblem(srv.url, res, 422, 'validation', { fields: [q.split('=')[0]] });
	}
});

test('a path id that is not a positive integer answers 404 with a problem', async () => {
	for (const id of ['abc', '-1', '0', '1.5', '99999999999999999999999']) {
		const res = await api(srv.url, { path: `/api/v1/accounts/${id}`, session: admin });
		await assertProblem(srv.url, res, 404, 'not-found');
	}
});

test('an account that does not exist answers 404 with a problem', async () => {
	const res = await api(srv.url, { path: '/api/v1/accounts/987654', session: admin });
	await assertProblem(srv.url, res, 404, 'not-found');
});

test('a body over the route limit announced by Content-Length answers 413 before it is sent', async () => {
	// POST /api/v1/session allows 4 KiB: announce 5000 bytes, send none.
	const res = await rawRequest(srv.url, [head('POST', '/api/v1/session', ['Content-Length: 5000'])], { timeoutMs: 3000 });
	await assertProblem(srv.url, res, 413, 'body-too-large', noRequestId);
	// POST /api/v1/accounts allows 16 KiB.
	const acc = await rawRequest(srv.url, [head('POST', '/api/v1/accounts', [`Content-Length: ${17 * 1024}`])], { timeoutMs: 3000 });
	await assertProblem(srv.url, acc, 413, 'body-too-large', noRequestId);
	// Routes without their own limit allow 1 MiB.
	const del = await rawRequest(srv.url, [head('DELETE', '/api/v1/tokens/999999', [`Content-Length: ${2 * 1024 * 1024}`])], { timeoutMs: 3000 });
	await assertProblem(srv.url, del, 413, 'body-too-large', noRequestId);
	await stillServing();
});

test('a route without its own limit reads a body of up to 1 MiB', async () => {
	const body = 'x'.repeat(600 * 1024);
	const res = await rawRequest(srv.url, [head('DELETE', '/api/v1/tokens/999999', [`Content-Length: ${body.length}`, 'Connection: close']), body], { timeoutMs: 5000 });
	await assertProblem(srv.url, res, 404, 'not-found');
});

test('a chunked body that grows over the route limit answers 413', async () => {
	const chunk = 'a'.repeat(1000);
	const chunks = [head('POST', '/api/v1/session', ['Transfer-Encoding: chunked'])];
	for (let i = 0; i < 6; i++) chunks.push(`${chunk.length.toString(16)}\r\n${chunk}\r\n`, 10);
	chunks.push('0\r\n\r\n');
	const res = await rawRequest(srv.url, chunks, { timeoutMs: 3000 });
	await assertProblem(srv.url, res, 413, 'body-too-large', noRequestId);

	const big = 'b'.repeat(8192);
	const acc = [head('POST', '/api/v1/accounts', ['Transfer-Encoding: chunked'])];
	for (let i = 0; i < 3; i++) acc.push(`${big.length.toString(16)}\r\n${big}\r\n`);
	acc.push('0\r\n\r\n');
	const accRes = await rawRequest(srv.url, acc, { timeoutMs: 3000 });
	await assertProblem(srv.url, accRes, 413, 'body-too-large', noRequestId);
	await stillServing();
});

test('a body just under the route limit is read and validated, not refused as too large', async () => {
	// 15 KiB on POST /api/v1/accounts: accepted for reading, refused for its over-long name.
	const res = await api(srv.url, {
		method: 'POST',
		path: '/api/v1/accounts',
		body: { phone: uniquePhone(), name: '名'.repeat(5000) },
		session: admin,
	});
	await assertProblem(srv.url, res, 422, 'validation', { fields: ['name'] });
});

test('a chunked body under the limit is accepted', async () => {
	const phone = uniquePhone();
	const json = JSON.stringify({ phone, name: '分块' });
	const half = Math.floor(json.length / 2);
	const parts = [json.slice(0, half), json.slice(half)].map((p) => Buffer.from(p));
	const chunks = [head('POST', '/api/v1/accounts', ['Transfer-Encoding: chunked', 'Connection: close'])];
	for (const p of parts) chunks.push(`${p.length.toString(16)}\r\n`, p, '\r\n', 10);
	chunks.push('0\r\n\r\n');
	const res = await rawRequest(srv.url, chunks, { timeoutMs: 3000 });
	assert.equal(res.status, 201, res.raw);
});

test('headers far over 32 KiB answer 431 or close the connection, and the server keeps serving', async () => {
	const big = `X-Big: ${'a'.repeat(100 * 1024)}\r\n`;
	const req = `GET /healthz HTTP/1.1\r\nHost: x\r\n${big}\r\n`;
	let res;
	try {
		res = await rawRequest(srv.url, [req], { timeoutMs: 3000 });
	} catch (e) {
		res = { status: 0, error: e };
	}
	assert.ok(res.status === 431 || res.status === 0, `got ${res.status}`);
	await stillServing();
});

test('headers a little over 32 KiB answer 431', async () => {
	const req = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40 * 1024)}\r\n\r\n`;
	const res = await rawRequest(srv.url, [req], { timeoutMs: 3000 });
	assert.ok(res.status === 431 || res.status === 0, `got ${res.status}`);
});

test('many headers adding up to a little under 32 KiB are accepted', async () => {
	const extra = Array.from({ length: 28 }, (_, i) => `X-H${i}: ${'v'.repeat(1000)}`).join('\r\n');
	const res = await rawRequest(srv.url, [`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${extra}\r\n\r\n`], { timeoutMs: 3000 });
	assert.equal(res.status, 200);
	assertCommonHeaders(res);
});

test('a client that stops halfway through a body does not stop the server', async () => {
	const json = JSON.stringify({ phone: uniquePhone(), name: '半途' });
	// Announce the full length, send half, then hang up.
	await rawRequest(srv.url, [head('POST', '/api/v1/accounts', [`Content-Length: ${json.length}`]), json.slice(0, 10)], { timeoutMs: 200 });
	await stillServing();
});
