// The web pages as a browser fetches them: the right content types, an ETag
// that answers 304 when nothing changed, gzip when the browser accepts it,
// and nothing outside web/ reachable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { startServer, WEB } from './lib/server.mjs';
import { rawRequest } from './lib/client.mjs';
import { assertCommonHeaders, assertProblem } from './lib/schema.mjs';

let srv;
before(async () => {
	srv = await startServer({ seed: false });
});
after(() => srv?.stop());

test('pages, styles and scripts come with their content types', async () => {
	for (const [path, type] of [
		['/', /^text\/html; charset=utf-8/],
		['/index.html', /^text\/html; charset=utf-8/],
		['/css/app.css', /^text\/css/],
		['/js/api.js', /^text\/javascript/],
		['/i18n/zh-CN.json', /^application\/json/],
		['/vendor/leaflet/leaflet.js', /^text\/javascript/],
	]) {
		const res = await fetch(srv.url + path, { headers: { 'Accept-Encoding': 'identity' } });
		assert.equal(res.status, 200, path);
		assert.match(res.headers.get('content-type'), type, path);
		assertCommonHeaders(res);
	}
	const page = await (await fetch(srv.url + '/', { headers: { 'Accept-Encoding': 'identity' } })).text();
	assert.equal(page, readFileSync(join(WEB, 'index.html'), 'utf8'));
});

test('an ETag answers 304 Not Modified when the file has not changed', async () => {
	const first = await fetch(srv.url + '/css/app.css');
	const etag = first.headers.get('etag');
	assert.match(etag, /^"[0-9a-f]{32}"$/);
	const again = await fetch(srv.url + '/css/app.css', { headers: { 'If-None-Match': etag } });
	assert.equal(again.status, 304);
	assert.equal((await again.text()).length, 0);
	const other = await fetch(srv.url + '/css/app.css', { headers: { 'If-None-Match': '"0000"' } });
	assert.equal(other.status, 200);
});

test('text is gzipped for a browser that accepts it, and not for one that does not', async () => {
	const gz = await rawRequest(srv.url, [`GET /js/finder.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, deflate\r\nConnection: close\r\n\r\n`]);
	const raw = gz.raw;
	assert.equal(gz.status, 200);
	assert.equal(gz.headers['content-encoding'], 'gzip');
	assert.match(gz.headers.vary ?? '', /Accept-Encoding/);
	const bytes = Buffer.from(raw.slice(raw.indexOf('\r\n\r\n') + 4), 'latin1');
	const body = gunzipSync(bytes).toString('utf8');
	assert.equal(body, readFileSync(join(WEB, 'js/finder.js'), 'utf8'));
	const plain = await rawRequest(srv.url, [`GET /js/finder.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
	assert.equal(plain.status, 200);
	assert.equal(plain.headers['content-encoding'], undefined);
});

test('nothing outside web/ can be named, and unknown files are 404 problems', async () => {
	for (const path of ['/../CMakeLists.txt', '/%2e%2e/Makefile', '/css/../../README.md', '/nope.html']) {
		const raw = await rawRequest(srv.url, [`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
		assert.equal(raw.status, 404, path);
		assert.match(raw.headers['content-type'] ?? '', /problem\+json/, path);
	}
});

test('a NUL (%00) in a path or query answers 400 instead of cutting the name short', async () => {
	for (const path of ['/index.html%00.css', '/css/app.css%00', '/api/v1/stations/1%00', '/healthz?x=a%00b', '/%00']) {
		const res = await rawRequest(srv.url, [`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
		await assertProblem(srv.url, res, 400, 'bad-request');
	}
	const ok = await rawRequest(srv.url, ['GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
	assert.equal(ok.status, 200);
});
