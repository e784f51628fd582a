// Health, readiness, metrics, the OpenAPI document, and the headers every
// answer carries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, rawRequest } from './lib/client.mjs';
import { assertJson, assertProblem, assertCommonHeaders, openapiDocument, loadOpenapi } from './lib/schema.mjs';

// Every (method, path template) the API suite calls; the OpenAPI document
// must describe each of them.
const ROUTES_CALLED = [
	['get', '/healthz'],
	['get', '/readyz'],
	['get', '/metrics'],
	['get', '/api/v1/openapi.json'],
	['post', '/api/v1/session'],
	['get', '/api/v1/session'],
	['delete', '/api/v1/session'],
	['get', '/api/v1/accounts'],
	['post', '/api/v1/accounts'],
	['get', '/api/v1/accounts/{id}'],
	['patch', '/api/v1/accounts/{id}'],
	['put', '/api/v1/accounts/{id}/password'],
	['post', '/api/v1/accounts/{id}/roles'],
	['delete', '/api/v1/accounts/{id}/roles/{grant_id}'],
	['get', '/api/v1/tokens'],
	['post', '/api/v1/tokens'],
	['delete', '/api/v1/tokens/{id}'],
	['get', '/api/v1/audit'],
];

let srv;
let admin;

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
});
after(() => srv?.stop());

function counter(metricsText, method, route, status) {
	const line = metricsText
		.split('\n')
		.find((l) => l.startsWith(`yizhan_http_requests_total{method="${method}",route="${route}",status="${status}"} `));
	return line ? Number(line.split(' ').pop()) : 0;
}

test('healthz answers 200 with status ok', async () => {
	const res = await api(srv.url, { path: '/healthz' });
	const body = await assertJson(srv.url, res, 200, 'Health');
	assert.deepEqual(body, { status: 'ok' });
	assert.equal(res.headers.get('cache-control'), 'no-store');
});

test('readyz reports a reachable database, writable storage and the schema version', async () => {
	const res = await api(srv.url, { path: '/readyz' });
	const body = await assertJson(srv.url, res, 200, 'Health');
	assert.equal(body.status, 'ok');
	assert.equal(body.database, 'reachable');
	assert.equal(body.storage, 'ok');
	assert.ok(Number.isInteger(body.schema_version) && body.schema_version >= 1, `schema_version ${body.schema_version}`);
});

test('metrics counts a request the test made, by method, route and status', async () => {
	const before = await api(srv.url, { path: '/metrics' });
	assert.equal(before.status, 200);
	assert.match(before.headers.get('content-type'), /^text\/plain/);
	assertCommonHeaders(before);
	const n0 = counter(before.text, 'GET', '/readyz', '200');
	const r = await api(srv.url, { path: '/readyz' });
	assert.equal(r.status, 200);
	const afterRes = await api(srv.url, { path: '/metrics' });
	assert.equal(counter(afterRes.text, 'GET', '/readyz', '200'), n0 + 1);
	assert.match(afterRes.text, /^# TYPE yizhan_http_requests_total counter$/m);
	assert.match(afterRes.text, /^# TYPE yizhan_http_request_duration_seconds histogram$/m);
	assert.match(afterRes.text, /^yizhan_http_request_duration_seconds_bucket\{method="GET",route="\/readyz",le="\+Inf"\} \d+$/m);
});

test('metrics names routes by their template, not by the ids in the URL', async () => {
	const r = await api(srv.url, { path: `/api/v1/accounts/${admin.account.id}`, session: admin });
	assert.equal(r.status, 200);
	const m = await api(srv.url, { path: '/metrics' });
	assert.ok(counter(m.text, 'GET', '/api/v1/accounts/{id}', '200') >= 1, 'counted under /api/v1/accounts/{id}');
	assert.doesNotMatch(m.text, /route="\/api\/v1\/accounts\/\d+"/);
});

test('the OpenAPI document is OpenAPI 3.1 and describes every route the suite calls', async () => {
	const res = await api(srv.url, { path: '/api/v1/openapi.json' });
	assert.equal(res.status, 200);
	assert.match(res.headers.get('content-type'), /^application\/json/);
	assertCommonHeaders(res);
	const doc = res.json;
	assert.match(doc.openapi, /^3\.1\./);
	assert.ok(doc.components?.schemas?.Problem, 'components.schemas.Problem');
	const missing = ROUTES_CALLED.filter(([m, p]) => !doc.paths?.[p]?.[m]).map(([m, p]) => `${m.toUpperCase()} ${p}`);
	assert.deepEqual(missing, [], 'routes missing from the OpenAPI document');
	// The document fetched by the schema helper is the same one.
	assert.deepEqual(await openapiDocument(srv.url), doc);
});

test('the OpenAPI document names a response schema for every JSON answer the suite validates', async () => {
	const doc = await openapiDocument(srv.url);
	const refOf = (m, p, code) => doc.paths[p][m].responses?.[code]?.content?.['application/json']?.schema?.$ref;
	assert.equal(refOf('get', '/healthz', '200'), '#/components/schemas/Health');
	assert.equal(refOf('post', '/api/v1/session', '201'), '#/components/schemas/Session');
	assert.equal(refOf('post', '/api/v1/accounts', '201'), '#/components/schemas/Account');
	assert.equal(refOf('get', '/api/v1/accounts', '200'), '#/components/schemas/AccountPage');
	assert.equal(refOf('post', '/api/v1/tokens', '201'), '#/components/schemas/TokenCreated');
	assert.equal(refOf('get', '/api/v1/audit', '200'), '#/components/schemas/AuditPage');
	for (const [m, p] of ROUTES_CALLED) {
		const codes = Object.keys(doc.paths[p][m].responses ?? {});
		assert.ok(codes.some((c) => c.startsWith('2')), `${m} ${p} documents a success answer`);
	}
});

test('every answer carries the security headers: JSON, problem, login and static page', async () => {
	const answers = [
		await api(srv.url, { path: '/healthz' }),
		await api(srv.url, { path: '/api/v1/session' }), // 401 problem
		await api(srv.url, { path: '/api/v1/no-such-thing' }), // 404 problem
		await api(srv.url, { path: '/' }), // the web page
		await api(srv.url, { path: `/api/v1/accounts/${admin.account.id}`, session: admin }),
	];
	for (const res of answers) {
		assertCommonHeaders(res);
		assert.match(res.headers.get('content-security-policy'), /default-src 'self'/);
	}
	assert.equal(answers[3].status, 200, 'GET / serves the web page');
	assert.match(answers[3].headers.get('content-type'), /^text\/html/);
});

test('a valid X-Request-Id from the client is echoed in the header, the problem and the access log', async () => {
	const id = `api-test.${Date.now()}_ok`;
	const res = await api(srv.url, { path: '/api/v1/session', headers: { 'X-Request-Id': id } });
	await assertProblem(srv.url, res, 401, 'unauthenticated');
	assert.equal(res.headers.get('x-request-id'), id);
	assert.equal(res.json.request_id, id);
	await waitFor(() => srv.logs().some((l) => l.event === 'access' && l.req === id));
	const line = srv.logs().find((l) => l.event === 'access' && l.req === id);
	assert.equal(line.status, 401);
	assert.equal(line.method, 'GET');
	assert.equal(line.route, '/api/v1/session');
});

test('an X-Request-Id with spaces or over 64 characters is replaced by one of the server', async () => {
	for (const bad of ['has space', 'x'.repeat(65), 'semi;colon']) {
		const res = await api(srv.url, { path: '/healthz', headers: { 'X-Request-Id': bad } });
		assert.equal(res.status, 200);
		const got = res.headers.get('x-request-id');
		assert.notEqual(got, bad);
		assert.match(got, /^[A-Za-z0-9._-]{1,64}$/);
	}
});

test('each answer without a client id gets a different request id', async () => {
	const ids = new Set();
	for (let i = 0; i < 5; i++) ids.add((await api(srv.url, { path: '/healthz' })).headers.get('x-request-id'));
	assert.equal(ids.size, 5);
});

test('the access log masks phone numbers in the path', async () => {
	const id = `mask-${Date.now()}`;
	const res = await api(srv.url, {
		path: `/api/v1/accounts?q=${DEMO.staff}`,
		session: admin,
		headers: { 'X-Request-Id': id },
	});
	assert.equal(res.status, 200);
	await waitFor(() => srv.logs().some((l) => l.req === id));
	const lines = srv.stderr.filter((l) => l.includes(id));
	assert.ok(lines.length >= 1);
	for (const l of lines) assert.ok(!l.includes(DEMO.staff), `phone unmasked in log: ${l}`);
});

test('HEAD on a GET route answers like GET without a body', async () => {
	for (const path of ['/healthz', '/readyz', '/api/v1/openapi.json']) {
		const get = await fetch(srv.url + path);
		const getBody = await get.arrayBuffer();
		const head = await fetch(srv.url + path, { method: 'HEAD' });
		assert.equal(head.status, 200, `HEAD ${path}`);
		assert.equal(head.headers.get('content-type'), get.headers.get('content-type'));
		assert.equal(Number(head.headers.get('content-length')), getBody.byteLength, `HEAD ${path} Content-Length`);
		assert.equal((await head.arrayBuffer()).byteLength, 0);
		assertCommonHeaders(head);
	}
});

test('HEAD on a route that needs a session answers 401 like GET', async () => {
	const head = await fetch(`${srv.url}/api/v1/session`, { method: 'HEAD' });
	assert.equal(head.status, 401);
	assertCommonHeaders(head);
});

test('the server starts without warnings in its log', async () => {
	const logs = srv.logs();
	assert.ok(logs.some((l) => l.event === 'start' && l.level === 'info'), 'a start line');
	const before = logs.findIndex((l) => l.event === 'start');
	const warnings = logs.slice(0, before + 1).filter((l) => l.level === 'warn' || l.level === 'error');
	assert.deepEqual(warnings, []);
});

test('every log line is JSON with a timestamp, level and event', async () => {
	const lines = srv.stderr.filter((l) => l.trim());
	assert.ok(lines.length > 0);
	for (const l of lines) {
		const o = JSON.parse(l);
		assert.match(o.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
		assert.ok(['debug', 'info', 'warn', 'error'].includes(o.level), l);
		assert.equal(typeof o.event, 'string');
	}
});

test('every log line is JSON even when a path holds bytes that are not UTF-8', async () => {
	const id = `bytes-${Date.now()}`;
	for (const [n, path] of [
		[1, Buffer.from('/nope%ff/%c0%af')],
		[2, Buffer.concat([Buffer.from('/nope'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('/x')])],
	]) {
		const head = Buffer.from(` HTTP/1.1\r\nHost: x\r\nX-Request-Id: ${id}-${n}\r\nConnection: close\r\n\r\n`);
		const res = await rawRequest(srv.url, [Buffer.concat([Buffer.from('GET '), path, head])]);
		assert.equal(res.status, 404);
	}
	await waitFor(() => srv.stderr.filter((l) => l.includes(id)).length >= 2);
	// Read as bytes: decoding them as text would hide invalid UTF-8.
	const utf8 = new TextDecoder('utf-8', { fatal: true });
	const raw = Buffer.concat(srv.stderrBytes);
	for (let at = 0; at < raw.length; ) {
		let end = raw.indexOf(0x0a, at);
		if (end < 0) end = raw.length;
		const bytes = raw.subarray(at, end);
		at = end + 1;
		let line;
		assert.doesNotThrow(() => (line = utf8.decode(bytes)), `a log line that is not UTF-8: ${bytes.toString('latin1')}`);
		if (line.trim()) assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
	}
	const lines = srv.logs().filter((l) => l.event === 'access' && l.req.startsWith(id));
	assert.equal(lines.length, 2);
	assert.equal(lines.find((l) => l.req === `${id}-1`).path, '/nope\ufffd/\ufffd\ufffd');
	assert.equal(lines.find((l) => l.req === `${id}-2`).path, '/nope\ufffd\ufffd\ufffd/x');
});

test('--metrics-access token serves /metrics only with the metrics token', async () => {
	const token = 'metrics-token-for-the-test-0123';
	// "--access-log false", with a space, is taken too.
	const m = await startServer({ seed: false, args: ['--metrics-access', 'token', '--access-log', 'false'], env: { YIZHAN_METRICS_TOKEN: token } });
	try {
		for (const authorization of [undefined, 'Bearer wrong-token-of-some-length', `Basic ${token}`, `Bearer ${token}x`]) {
			const res = await api(m.url, { path: '/metrics', headers: { Authorization: authorization } });
			assert.equal(res.status, 401, `${authorization}: ${res.status}`);
			assert.match(res.headers.get('content-type'), /^application\/problem\+json/);
			assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
			assert.ok(!res.text.includes('yizhan_http_requests_total'));
		}
		const ok = await api(m.url, { path: '/metrics', headers: { Authorization: `Bearer ${token}` } });
		assert.equal(ok.status, 200);
		assert.match(ok.text, /^# TYPE yizhan_http_requests_total counter$/m);
		assert.equal((await api(m.url, { path: '/healthz' })).status, 200, 'the other probes stay open');
		await new Promise((r) => setTimeout(r, 100));
		assert.ok(!m.logs().some((l) => l.event === 'access'), 'no access log lines');
	} finally {
		await m.stop();
	}
});

test('--metrics-access loopback serves /metrics to this machine only', async () => {
	const m = await startServer({ seed: false, args: ['--metrics-access', 'loopback', '--listen', '0.0.0.0:0'] });
	try {
		const port = new URL(m.url).port;
		const local = await api(`http://127.0.0.1:${port}`, { path: '/metrics' });
		assert.equal(local.status, 200);
		const other = Object.values(networkInterfaces()).flat().find((i) => !i.internal && i.family === 'IPv4');
		if (other) {
			const far = await api(`http://${other.address}:${port}`, { path: '/metrics' });
			assert.equal(far.status, 403, `from ${other.address}`);
			assert.equal(far.json.type, '/problems/forbidden');
			assert.equal((await api(`http://${other.address}:${port}`, { path: '/healthz' })).status, 200);
		}
	} finally {
		await m.stop();
	}
});

test('a metrics policy that cannot be kept stops the start with the reason', async () => {
	await assert.rejects(startServer({ seed: false, args: ['--metrics-access', 'token'] }), /metrics token of at least 16/);
	await assert.rejects(startServer({ seed: false, env: { YIZHAN_METRICS_TOKEN: 'a-token-that-would-be-ignored' } }), /--metrics-access token/);
	await assert.rejects(startServer({ seed: false, args: ['--metrics-access', 'everyone'] }), /public, loopback or token/);
});

async function waitFor(cond, ms = 2000) {
	const end = Date.now() + ms;
	while (!cond()) {
		if (Date.now() > end) assert.fail('timed out waiting for a log line');
		await new Promise((r) => setTimeout(r, 20));
	}
}
