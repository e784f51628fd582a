// Station photos on the real server: a manager uploads a picture of their
// station (the body is the picture), it comes back as a plain JPEG scaled to
// fit, turned upright by its EXIF orientation and without its EXIF (no GPS
// position), with a thumbnail; the station lists it; others may not add or
// remove; bad pictures get clear refusals; files without a row are collected
// at start-up and files with one are kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync, utimesSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';

import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, rawRequest } from './lib/client.mjs';
import { assertJson, assertProblem, assertNoContent, loadOpenapi } from './lib/schema.mjs';
import { makePng, solidPng, pngHeaderOnly, pngBomb, progressiveJpegHeader, withExif, jpegSize } from './lib/images.mjs';

let srv;
let admin, manager, resident;
let own; // the manager's station
let other; // a station the manager may not edit

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
	manager = await login(srv.url, DEMO.manager, DEMO_PASSWORD);
	resident = await login(srv.url, DEMO.resident, DEMO_PASSWORD);
	own = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
	for (let id = 1; !other; id++) {
		const s = await api(srv.url, { path: `/api/v1/stations/${id}`, session: manager });
		if (s.status === 200 && !s.json.can_edit) other = id;
	}
});
after(() => srv?.stop());

// query: the query string as sent (for bytes encodeURIComponent will not make).
const upload = (station, body, { session = manager, type = 'image/png', caption, query, headers = {} } = {}) =>
	api(srv.url, {
		method: 'POST',
		path: `/api/v1/stations/${station}/photos${query ?? (caption === undefined ? '' : `?caption=${encodeURIComponent(caption)}`)}`,
		body,
		session,
		headers: { 'Content-Type': type, ...headers },
	});

async function fetchBytes(path, headers = {}) {
	const res = await fetch(srv.url + path, { headers });
	return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** A w×h picture in one colour (so each seed gives different bytes). */
const plain = (w, h, seed) => makePng(w, h, () => [seed & 255, (seed * 7) & 255, (seed * 13) & 255, 255]);

const sha = (b) => createHash('sha256').update(b).digest('hex');

test('a manager uploads a picture: 201, scaled to 1600 px, a JPEG with a thumbnail, listed on the station', async () => {
	const png = makePng(2000, 1000, (x) => (x < 1000 ? [200, 30, 30, 255] : [30, 30, 200, 255]));
	const res = await upload(own, png, { caption: '服务大厅' });
	const photo = await assertJson(srv.url, res, 201, 'Photo');
	assert.equal(photo.width, 1600);
	assert.equal(photo.height, 800);
	assert.equal(photo.caption, '服务大厅');
	assert.equal(res.headers.get('location'), `/api/v1/photos/${photo.id}`);

	const { res: got, bytes } = await fetchBytes(photo.url);
	assert.equal(got.status, 200);
	assert.equal(got.headers.get('content-type'), 'image/jpeg');
	assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff]);
	assert.deepEqual(jpegSize(bytes), { width: 1600, height: 800 });
	assert.match(got.headers.get('cache-control'), /immutable/);
	const etag = got.headers.get('etag');
	assert.equal(etag, `"${sha(bytes)}"`, 'the ETag is the content hash');
	// The file on disk is named by that hash.
	const hex = sha(bytes);
	assert.ok(existsSync(join(srv.photoDir, hex.slice(0, 2), `${hex}.jpg`)), 'stored under its hash');

	const again = await fetch(srv.url + photo.url, { headers: { 'If-None-Match': etag } });
	assert.equal(again.status, 304);

	const { res: tres, bytes: thumb } = await fetchBytes(photo.thumb_url);
	assert.equal(tres.status, 200);
	const ts = jpegSize(thumb);
	assert.equal(Math.max(ts.width, ts.height), 360);
	assert.ok(thumb.length < bytes.length);

	const station = await assertJson(srv.url, await api(srv.url, { path: `/api/v1/stations/${own}` }), 200, 'Station');
	const listed = station.photos.find((p) => p.id === photo.id);
	assert.ok(listed, 'the station lists the photo');
	assert.equal(listed.caption, '服务大厅');
});

test('a phone picture is turned upright by its EXIF orientation, and its EXIF and GPS position are gone', async () => {
	// A landscape JPEG (made by the server from a PNG), then tagged
	// "rotate 90° clockwise to show" with a GPS position, as a phone does.
	const base = await assertJson(srv.url, await upload(own, makePng(600, 300, (x) => (x < 300 ? [250, 0, 0, 255] : [0, 0, 250, 255]))), 201, 'Photo');
	const { bytes: jpeg } = await fetchBytes(base.url);
	const tagged = withExif(jpeg, 6);
	assert.ok(tagged.includes(Buffer.from('Exif')));

	const res = await upload(own, tagged, { type: 'image/jpeg' });
	const photo = await assertJson(srv.url, res, 201, 'Photo');
	assert.equal(photo.width, 300, 'upright: the width is the old height');
	assert.equal(photo.height, 600);
	const { bytes } = await fetchBytes(photo.url);
	assert.deepEqual(jpegSize(bytes), { width: 300, height: 600 });
	assert.ok(!bytes.includes(Buffer.from('Exif')), 'no EXIF block');
	assert.ok(!bytes.includes(Buffer.from([34, 0, 0, 0, 1, 0, 0, 0, 21, 0, 0, 0])), 'no GPS latitude');
});

test('a retry with the same Idempotency-Key gets the same answer and adds the photo once', async () => {
	const png = plain(64, 48, 91);
	const key = randomUUID();
	const first = await upload(own, png, { headers: { 'Idempotency-Key': key } });
	await assertJson(srv.url, first, 201, 'Photo');
	const second = await upload(own, png, { headers: { 'Idempotency-Key': key } });
	assert.equal(second.status, 201);
	assert.equal(second.text, first.text);
	assert.equal(second.headers.get('idempotent-replayed'), 'true');
	const station = (await api(srv.url, { path: `/api/v1/stations/${own}` })).json;
	assert.equal(station.photos.filter((p) => p.id === first.json.id).length, 1);
	// Without the key, the same picture again is a conflict, not a copy.
	await assertProblem(srv.url, await upload(own, png), 409, 'duplicate-photo');
});

test('residents and managers of other stations may not add photos; nobody anonymous either', async () => {
	const png = plain(32, 32, 5);
	await assertProblem(srv.url, await upload(own, png, { session: resident }), 403, 'forbidden');
	await assertProblem(srv.url, await upload(other, png), 403, 'forbidden');
	assert.equal((await upload(own, png, { session: null })).status, 401);
	const station = (await api(srv.url, { path: `/api/v1/stations/${other}` })).json;
	assert.equal(station.photos.length, 0);
});

test('bad uploads get clear refusals: not a picture, a lying header, too many pixels, too big, no body, a long caption, no station', async () => {
	await assertProblem(srv.url, await upload(own, '{"photo":1}', { type: 'application/json' }), 415, 'unsupported-media-type');
	await assertProblem(srv.url, await upload(own, Buffer.from('GIF89a....'), { type: 'image/png' }), 422, 'unsupported-image');
	const broken = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]);
	await assertProblem(srv.url, await upload(own, broken, { type: 'image/jpeg' }), 422, 'bad-image');
	await assertProblem(srv.url, await upload(own, pngHeaderOnly(20000, 20000)), 422, 'image-too-large');
	// Over 12 MiB is refused as soon as the length is announced.
	const big = await rawRequest(srv.url, [[
		`POST /api/v1/stations/${own}/photos HTTP/1.1`, `Host: ${new URL(srv.url).host}`, 'Content-Type: image/jpeg',
		`Content-Length: ${13 * 1024 * 1024}`, `Cookie: ${manager.cookie}`, `X-CSRF-Token: ${manager.csrf}`, '', '',
	].join('\r\n')], { timeoutMs: 3000 });
	assert.equal(big.status, 413);
	await assertProblem(srv.url, await upload(own, Buffer.alloc(0)), 422, 'validation');
	await assertProblem(srv.url, await upload(own, plain(16, 16, 3), { caption: '长'.repeat(61) }), 422, 'validation');
	await assertProblem(srv.url, await upload(99999999, plain(16, 16, 4)), 404, 'not-found');
	// Nothing of these reached the station.
	const station = (await api(srv.url, { path: `/api/v1/stations/${own}` })).json;
	assert.ok(station.photos.every((p) => p.width !== 16));
});

/** The ids of the photos a station shows. */
const photoIds = async (station) => (await api(srv.url, { path: `/api/v1/stations/${station}` })).json.photos.map((p) => p.id);

test('a caption that is not UTF-8 or holds control or bidi-override characters is refused with 422 naming caption, and nothing is added', async () => {
	const before = await photoIds(own);
	const bad = {
		'not UTF-8': '?caption=%ff',
		'a lone continuation byte': '?caption=%E6%9C%8D%80',
		'an overlong slash': '?caption=%C0%AF',
		'a UTF-16 surrogate': '?caption=%ED%A0%80',
		'a new line': '?caption=%E6%9C%8D%0A%E5%8A%A1',
		'a bell': '?caption=%07',
		'a C1 control': '?caption=%C2%85',
		'a right-to-left override': `?caption=${encodeURIComponent('价格\u202e001')}`,
		'a left-to-right isolate': `?caption=${encodeURIComponent('\u2066服务')}`,
	};
	for (const [what, query] of Object.entries(bad)) {
		const res = await upload(own, plain(18, 18, 60), { query });
		const problem = await assertProblem(srv.url, res, 422, 'validation', { fields: ['caption'] });
		assert.equal(problem.errors.length, 1, `${what}: only the caption is wrong`);
	}
	assert.deepEqual(await photoIds(own), before, 'the station shows no new photo');
});

test('a caption is stored without the spaces around it; one of only spaces is empty', async () => {
	const trimmed = await assertJson(srv.url, await upload(own, plain(18, 18, 61), { caption: ' \u3000 服务 大厅\u00a0 ' }), 201, 'Photo');
	assert.equal(trimmed.caption, '服务 大厅');
	const station = (await api(srv.url, { path: `/api/v1/stations/${own}` })).json;
	assert.equal(station.photos.find((p) => p.id === trimmed.id).caption, '服务 大厅');
	const blank = await assertJson(srv.url, await upload(own, plain(18, 18, 62), { caption: '\u3000 ' }), 201, 'Photo');
	assert.equal(blank.caption, '');
	// Sixty characters inside spaces are sixty characters.
	await assertJson(srv.url, await upload(own, plain(18, 18, 63), { caption: ` ${'长'.repeat(60)} ` }), 201, 'Photo');
});

test('pictures small in bytes but costly to decode are refused with 422 and add nothing: a truncated JPEG, a PNG deflate bomb, a progressive JPEG declaring 7000×7000', async () => {
	// A JPEG of noise from the server itself, cut to its first 1,000 bytes.
	const noisy = makePng(400, 300, (x, y) => [(x * 7919 + y * 104729) & 255, (x * y * 31) & 255, (x ^ y) * 13 & 255, 255]);
	const source = await assertJson(srv.url, await upload(own, noisy), 201, 'Photo');
	const { bytes: jpeg } = await fetchBytes(source.url);
	assert.ok(jpeg.length > 4000);
	const before = await photoIds(own);

	await assertProblem(srv.url, await upload(own, jpeg.subarray(0, 1000), { type: 'image/jpeg' }), 422, 'bad-image');
	const bomb = pngBomb(7000, 7000);
	assert.ok(bomb.length < 64 * 1024);
	await assertProblem(srv.url, await upload(own, bomb), 422, 'image-too-large');
	const huge = progressiveJpegHeader(7000, 7000);
	assert.equal(huge.length, 606);
	await assertProblem(srv.url, await upload(own, huge, { type: 'image/jpeg' }), 422, 'image-too-large');
	assert.deepEqual(await photoIds(own), before, 'the station shows no new photo');
});

test('while another upload holds the photo memory, an upload gets 503 with Retry-After and adds nothing', async () => {
	// 100 MiB of photo memory, and each 3500×3500 PNG needs about 80 MiB
	// (decoded whole, then scaled): two never fit at once. Enough work
	// threads that the two are decoded side by side, not one after the other.
	const busy = await startServer({ args: ['--photo-memory-mib', '100', '--threads', '4', '--work-threads', '4'] });
	try {
		const mgr = await login(busy.url, DEMO.manager, DEMO_PASSWORD);
		const station = Number(mgr.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
		// Each on a connection of its own, so another thread takes the second.
		const send = (png) =>
			rawRequest(busy.url, [
				[`POST /api/v1/stations/${station}/photos HTTP/1.1`, `Host: ${new URL(busy.url).host}`, 'Content-Type: image/png',
					`Content-Length: ${png.length}`, `Cookie: ${mgr.cookie}`, `X-CSRF-Token: ${mgr.csrf}`, 'Connection: close', '', ''].join('\r\n'),
				png,
			], { timeoutMs: 30000 });
		const [first, second] = [0, 1].map((i) => solidPng(3500, 3500, [40, 80 + 90 * i, 120]));
		const pending = send(first);
		// The second follows once the first is being decoded (about half a
		// second of work on this picture).
		await new Promise((r) => setTimeout(r, 150));
		const refused = await send(second);
		assert.equal((await pending).status, 201);
		const problem = await assertProblem(busy.url, refused, 503, 'busy');
		assert.match(problem.detail, /memory/);
		assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After says when to come back');
		const shown = (await api(busy.url, { path: `/api/v1/stations/${station}` })).json.photos;
		assert.equal(shown.length, 1, 'the refused upload added nothing');
		// Once the first is done, the second goes through.
		assert.equal((await send(second)).status, 201);
	} finally {
		await busy.stop();
	}
});

test('removing a photo: 204, the station no longer lists it and it is no longer served; both changes are audited', async () => {
	const photo = (await upload(own, plain(40, 30, 77))).json;
	assert.equal((await fetchBytes(photo.url)).res.status, 200);
	await assertProblem(srv.url, await api(srv.url, { method: 'DELETE', path: `/api/v1/stations/${own}/photos/${photo.id}`, session: resident }), 403, 'forbidden');
	assertNoContent(await api(srv.url, { method: 'DELETE', path: `/api/v1/stations/${own}/photos/${photo.id}`, session: manager }));
	const station = (await api(srv.url, { path: `/api/v1/stations/${own}` })).json;
	assert.ok(!station.photos.some((p) => p.id === photo.id));
	assert.equal((await fetchBytes(photo.url)).res.status, 404);
	await assertProblem(srv.url, await api(srv.url, { method: 'DELETE', path: `/api/v1/stations/${own}/photos/${photo.id}`, session: manager }), 404, 'not-found');

	const audit = await api(srv.url, { path: `/api/v1/audit?object_type=station&object_id=${own}`, session: admin });
	const actions = audit.json.items.map((r) => r.action);
	assert.ok(actions.includes('station.photo_add'));
	assert.ok(actions.includes('station.photo_remove'));
});

test('a station shows at most 12 photos; the 13th is refused until one is removed', async () => {
	const station = (await api(srv.url, { path: `/api/v1/stations/${other}` })).json;
	assert.equal(station.photos.length, 0);
	const ids = [];
	for (let i = 0; i < 12; i++) ids.push((await assertJson(srv.url, await upload(other, plain(20, 20, 100 + i), { session: admin }), 201, 'Photo')).id);
	await assertProblem(srv.url, await upload(other, plain(20, 20, 150), { session: admin }), 422, 'too-many-photos');
	const full = (await api(srv.url, { path: `/api/v1/stations/${other}` })).json;
	assert.deepEqual(full.photos.map((p) => p.id), ids, 'in the order they were added');
	assertNoContent(await api(srv.url, { method: 'DELETE', path: `/api/v1/stations/${other}/photos/${ids[0]}`, session: admin }));
	await assertJson(srv.url, await upload(other, plain(20, 20, 150), { session: admin }), 201, 'Photo');
});

test('at start-up, old files no row refers to are removed and files with a row are kept', async () => {
	const photo = (await upload(own, plain(50, 50, 201))).json;
	const { bytes } = await fetchBytes(photo.url);
	const keptHex = sha(bytes);
	const keptPath = join(srv.photoDir, keptHex.slice(0, 2), `${keptHex}.jpg`);
	await srv.stop({ keep: true });

	const old = new Date(Date.now() - 2 * 3600 * 1000);
	const strayHex = sha(Buffer.from('a picture whose transaction never committed'));
	mkdirSync(join(srv.photoDir, strayHex.slice(0, 2)), { recursive: true });
	const stray = join(srv.photoDir, strayHex.slice(0, 2), `${strayHex}.jpg`);
	const temp = join(srv.photoDir, keptHex.slice(0, 2), `.tmp-0011223344556677-${keptHex}`);
	const fresh = join(srv.photoDir, strayHex.slice(0, 2), `${sha(Buffer.from('still uploading'))}.jpg`);
	writeFileSync(stray, 'x');
	writeFileSync(temp, 'half a picture');
	writeFileSync(fresh, 'y');
	for (const f of [stray, temp, keptPath]) utimesSync(f, old, old);

	await srv.restart();
	assert.ok(!existsSync(stray), 'the old stray file is gone');
	assert.ok(!existsSync(temp), 'the old temporary file is gone');
	assert.ok(existsSync(fresh), 'a file younger than an hour may be an upload in progress: kept');
	assert.ok(existsSync(keptPath), 'a file a row refers to is kept, however old');
	assert.deepEqual(readFileSync(keptPath), bytes);
	assert.equal((await fetchBytes(photo.url)).res.status, 200);
	assert.ok(srv.logs().some((l) => l.event === 'photos' && /removed 2 /.test(l.msg)), 'the clean-up is logged');
	// Sessions survive a restart (they live in the database).
	manager = await login(srv.url, DEMO.manager, DEMO_PASSWORD);
});

test('a photo folder marked by another database is left alone', async () => {
	const otherSrv = await startServer({ args: ['--photo-dir', srv.photoDir] });
	try {
		const warn = otherSrv.logs().find((l) => l.event === 'photos' && l.level === 'warn');
		assert.ok(warn, 'a warning says the folder belongs to another database');
		const files = readdirSync(srv.photoDir, { recursive: true }).filter((f) => f.endsWith('.jpg'));
		assert.ok(files.length > 0);
		for (const f of files) assert.ok(existsSync(join(srv.photoDir, f)));
	} finally {
		await otherSrv.stop();
	}
	// The first server's photos are all still there and served.
	const station = (await api(srv.url, { path: `/api/v1/stations/${own}` })).json;
	for (const p of station.photos) assert.equal((await fetchBytes(p.url)).res.status, 200);
});
