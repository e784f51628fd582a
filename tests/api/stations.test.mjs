// Stations on the real server and database: the demo city, "nearest open
// station with what I need", viewport and search, GeoJSON, coordinate
// systems, scopes for editing, validation, closure, QR codes, the amenity
// catalog, coverage, and that a write is visible to the very next read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login } from './lib/client.mjs';
import { assertJson, assertProblem, assertNoContent } from './lib/schema.mjs';
import { wgs84ToGcj02, gcj02ToBd09 } from './lib/crs.mjs';

let srv;
let admin, staff, manager, resident;
let jinxinyi; // the station the demo manager runs

const near = (params) => api(srv.url, { path: `/api/v1/stations/nearby?${new URLSearchParams(params)}` });
const haversine = (a, b) => {
	const r = (d) => (d * Math.PI) / 180;
	const dlat = r(b.lat - a.lat);
	const dlng = r(b.lng - a.lng);
	const h = Math.sin(dlat / 2) ** 2 + Math.cos(r(a.lat)) * Math.cos(r(b.lat)) * Math.sin(dlng / 2) ** 2;
	return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
};

before(async () => {
	srv = await startServer();
	[admin, staff, manager, resident] = await Promise.all([
		login(srv.url, DEMO.admin, DEMO_PASSWORD),
		login(srv.url, DEMO.staff, DEMO_PASSWORD),
		login(srv.url, DEMO.manager, DEMO_PASSWORD),
		login(srv.url, DEMO.resident, DEMO_PASSWORD),
	]);
	const scope = manager.account.roles.find((r) => r.role === 'manager').scope;
	jinxinyi = Number(scope.replace('station:', ''));
});

after(async () => {
	await srv?.stop();
});

test('the demo city has about 350 stations in 宝鸡市 with 金心驿 among them', async () => {
	const res = await api(srv.url, { path: '/api/v1/stations?q=%E9%87%91%E5%BF%83%E9%A9%BF' });
	const body = await assertJson(srv.url, res, 200, 'StationList');
	const network = (await api(srv.url, { path: '/api/v1/stations?limit=1' })).json.total;
	assert.ok(network >= 300 && network <= 400, `total ${network}`);
	assert.equal(body.total, body.count, 'total counts the matches of q');
	assert.equal(body.items.length, 1);
	assert.equal(body.items[0].id, jinxinyi);
	assert.equal(body.items[0].region_code, '610303008003');
	for (const s of (await api(srv.url, { path: '/api/v1/stations?limit=2000' })).json.items)
		assert.ok(s.region_code.startsWith('6103'), `${s.name} lies in 宝鸡市`);
});

test('nearby answers nearest first with distance and walking minutes, within the radius', async () => {
	const here = { lat: 34.3765, lng: 107.148 };
	const res = await near({ ...here, radius_m: 1500, limit: 10 });
	const body = await assertJson(srv.url, res, 200, 'NearbyStations');
	assert.ok(body.items.length > 0 && body.items.length <= 10);
	let last = -1;
	for (const s of body.items) {
		assert.ok(s.distance_m >= last, 'sorted by distance');
		last = s.distance_m;
		assert.ok(s.distance_m <= 1500);
		assert.ok(Math.abs(haversine(here, s.location) - s.distance_m) < 2, 'distance matches the location');
		assert.ok(s.walk_minutes >= 1 && s.walk_minutes >= Math.floor(s.distance_m / 80));
	}
});

test('nearby filters by amenity, open now and theme, and agrees with the full list', async () => {
	const here = { lat: 34.3765, lng: 107.148 };
	const res = await near({ ...here, radius_m: 3000, limit: 50, amenity: 'microwave,charger', open_now: 'true' });
	const body = await assertJson(srv.url, res, 200, 'NearbyStations');
	for (const s of body.items) {
		assert.ok(s.amenities.includes('microwave') && s.amenities.includes('charger'));
		assert.equal(s.open_now, true);
		assert.equal(s.closed, false);
	}
	// The same answer from the unfiltered list, filtered here.
	const all = (await api(srv.url, { path: '/api/v1/stations?limit=2000' })).json.items;
	const expect = all
		.map((s) => ({ ...s, d: haversine(here, s.location) }))
		.filter((s) => s.d <= 3000 && s.amenities.includes('microwave') && s.amenities.includes('charger') && s.open_now)
		.sort((a, b) => a.d - b.d || a.id - b.id)
		.slice(0, 50)
		.map((s) => s.id);
	assert.deepEqual(body.items.map((s) => s.id), expect);
	const themed = (await near({ ...here, radius_m: 20000, limit: 50, theme: 'love' })).json.items;
	assert.ok(themed.length > 0);
	for (const s of themed) assert.equal(s.theme, 'love');
});

test('nearby speaks GCJ-02 and BD-09 on the way in and out', async () => {
	const wgs = { lat: 34.3765, lng: 107.148 };
	const a = (await near({ ...wgs, limit: 3 })).json.items;
	// The same place as a phone's Chinese map SDK reports it.
	const g = wgs84ToGcj02(wgs);
	const gcj = await near({ ...g, crs: 'gcj02', limit: 3 });
	const body = await assertJson(srv.url, gcj, 200, 'NearbyStations');
	assert.equal(body.crs, 'gcj02');
	assert.deepEqual(body.items.map((s) => s.id), a.map((s) => s.id));
	for (let i = 0; i < a.length; i++) {
		assert.ok(Math.abs(body.items[i].distance_m - a[i].distance_m) <= 1, 'same distances');
		const want = wgs84ToGcj02(a[i].location);
		assert.ok(haversine(body.items[i].location, want) < 0.5, 'coordinates given in GCJ-02');
		assert.ok(haversine(body.items[i].location, a[i].location) > 300, 'which differ from WGS-84');
	}
	const bd = (await near({ ...gcj02ToBd09(g), crs: 'bd09', limit: 3 })).json;
	assert.equal(bd.crs, 'bd09');
	assert.deepEqual(bd.items.map((s) => s.id), a.map((s) => s.id));
});

test('nearby refuses bad input with per-field errors', async () => {
	await assertProblem(srv.url, await near({ lng: 107.1 }), 422, 'validation', { fields: ['lat'] });
	await assertProblem(srv.url, await near({ lat: 'x', lng: 107.1 }), 422, 'validation', { fields: ['lat'] });
	await assertProblem(srv.url, await near({ lat: 34.3, lng: 107.1, amenity: 'jacuzzi' }), 422, 'validation', { fields: ['amenity'] });
	await assertProblem(srv.url, await near({ lat: 34.3, lng: 107.1, crs: 'mercator' }), 422, 'validation', { fields: ['crs'] });
	await assertProblem(srv.url, await near({ lat: 34.3, lng: 107.1, limit: 500 }), 422, 'validation', { fields: ['limit'] });
	await assertProblem(srv.url, await near({ lat: 34.3, lng: 107.1, open_now: 'maybe' }), 422, 'validation', { fields: ['open_now'] });
});

test('a viewport (bbox) lists the stations inside it, and search finds Chinese substrings', async () => {
	const box = '34.370,107.140,34.385,107.160';
	const body = await assertJson(srv.url, await api(srv.url, { path: `/api/v1/stations?bbox=${box}` }), 200, 'StationList');
	assert.ok(body.items.length > 0);
	for (const s of body.items) {
		assert.ok(s.location.lat >= 34.37 && s.location.lat <= 34.385);
		assert.ok(s.location.lng >= 107.14 && s.location.lng <= 107.16);
	}
	const q = await api(srv.url, { path: `/api/v1/stations?q=${encodeURIComponent('卧龙寺')}` });
	assert.ok(q.json.items.length > 3);
	for (const s of q.json.items) assert.ok(s.name.includes('卧龙寺') || s.address.includes('卧龙寺'));
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/stations?bbox=1,2,3' }), 422, 'validation', { fields: ['bbox'] });
});

test('stations.geojson is an RFC 7946 FeatureCollection of points in longitude, latitude order', async () => {
	const res = await api(srv.url, { path: '/api/v1/stations.geojson' });
	assert.equal(res.status, 200);
	assert.match(res.headers.get('content-type'), /^application\/geo\+json/);
	assert.equal(res.json.type, 'FeatureCollection');
	assert.ok(res.json.features.length >= 300);
	for (const f of res.json.features) {
		assert.equal(f.type, 'Feature');
		assert.equal(f.geometry.type, 'Point');
		const [lng, lat] = f.geometry.coordinates;
		assert.ok(lng > 106 && lng < 108.5 && lat > 33.5 && lat < 35.5, 'WGS-84 lng,lat in 宝鸡市');
		assert.equal(f.properties.id, f.id);
		assert.equal(f.properties.location.lat, lat);
	}
});

test('a station page has hours, amenities, rooms and whether it is open', async () => {
	const res = await api(srv.url, { path: `/api/v1/stations/${jinxinyi}` });
	const s = await assertJson(srv.url, res, 200, 'Station');
	assert.equal(s.name, '金心驿');
	assert.equal(s.can_edit, false, 'anonymous cannot edit');
	assert.ok(s.hours.weekly.length > 0);
	assert.equal(typeof s.open_now, 'boolean');
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/stations/999999' }), 404, 'not-found');
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/stations/abc' }), 404, 'not-found');
	const mine = await api(srv.url, { path: `/api/v1/stations/${jinxinyi}`, session: manager });
	assert.equal(mine.json.can_edit, true, 'its manager can');
});

test('a manager edits their station and the next read shows it; other stations are refused', async () => {
	const res = await api(srv.url, {
		method: 'PATCH',
		path: `/api/v1/stations/${jinxinyi}`,
		session: manager,
		body: {
			hours: { weekly: [{ days: [1, 2, 3, 4, 5, 6, 7], open: '00:00', close: '24:00' }] },
			amenities: ['water', 'microwave', 'fridge', 'charger'],
			phone: '0917-3210000',
		},
	});
	const s = await assertJson(srv.url, res, 200, 'Station');
	assert.equal(s.hours.always_open, true);
	assert.deepEqual(s.amenities.sort(), ['charger', 'fridge', 'microwave', 'water']);
	// Visible at once on the read path (the snapshot), not only in the answer.
	const loc = s.location;
	const found = (await near({ lat: loc.lat, lng: loc.lng, radius_m: 10, amenity: 'fridge' })).json.items;
	assert.equal(found[0]?.id, jinxinyi);
	assert.equal(found[0].phone, '0917-3210000');
	// Another street's station.
	const other = (await api(srv.url, { path: `/api/v1/stations?region=610302&limit=1` })).json.items[0];
	await assertProblem(srv.url, await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${other.id}`, session: manager, body: { phone: '1234567' } }), 403, 'forbidden');
	// The manager keeps the day-to-day fields; what the station is, where it
	// lies and its stars are for staff and admins.
	const own = await api(srv.url, { path: `/api/v1/stations/${jinxinyi}` });
	for (const body of [{ region_code: '610302004001' }, { stars: 5 }, { name: '改名驿站' }, { location: { lat: 39.9, lng: 116.4 } }]) {
		const res = await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${jinxinyi}`, session: manager, body: { ...body, description: '顺便改' } });
		await assertProblem(srv.url, res, 403, 'forbidden-field', { fields: Object.keys(body) });
	}
	const after = (await api(srv.url, { path: `/api/v1/stations/${jinxinyi}` })).json;
	for (const k of ['region_code', 'stars', 'name', 'location', 'description']) assert.deepEqual(after[k], own.json[k], `${k} unchanged`);
	const audit = (await api(srv.url, { path: `/api/v1/audit?object_type=station&object_id=${jinxinyi}&action=station.update`, session: admin })).json;
	assert.ok(audit.items.length >= 1);
	assert.equal(audit.items[0].actor, '138****0003');
});

test('street staff edit stations of their street only, and create stations there', async () => {
	const mine = (await api(srv.url, { path: '/api/v1/stations?region=610303008&limit=1' })).json.items[0];
	const ok = await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${mine.id}`, session: staff, body: { description: '街道改的简介', name: `${mine.name}` } });
	assert.equal((await assertJson(srv.url, ok, 200, 'Station')).description, '街道改的简介');
	const other = (await api(srv.url, { path: '/api/v1/stations?region=610302004&limit=1' })).json.items[0];
	await assertProblem(srv.url, await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${other.id}`, session: staff, body: { description: 'x' } }), 403, 'forbidden');
	// Stars come from evaluation: admins only.
	const stars = await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${mine.id}`, session: staff, body: { stars: 5 } });
	await assertProblem(srv.url, stars, 403, 'forbidden-field', { fields: ['stars'] });
	const rated = await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${mine.id}`, session: admin, body: { stars: 5 } });
	assert.equal((await assertJson(srv.url, rated, 200, 'Station')).stars, 5);
	// Moving a station needs the right in the new region too.
	const away = await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${mine.id}`, session: staff, body: { region_code: '610302004001' } });
	await assertProblem(srv.url, away, 403, 'forbidden');
	assert.equal((await api(srv.url, { path: `/api/v1/stations/${mine.id}` })).json.region_code.startsWith('610303008'), true);
	const station = {
		name: '龙腾路快递小哥驿站',
		level: 'corner',
		theme: 'worker',
		region_code: '610303008003',
		address: '宝鸡市金台区卧龙寺街道龙腾路88号',
		location: { lat: 34.3801, lng: 107.1502 },
		amenities: ['water', 'charger', 'tyre_pump'],
		hours: { always_open: true },
	};
	const created = await api(srv.url, { method: 'POST', path: '/api/v1/stations', session: staff, body: station });
	const s = await assertJson(srv.url, created, 201, 'Station');
	assert.equal(created.headers.get('location'), `/api/v1/stations/${s.id}`);
	assert.equal(s.open_now, true);
	const nearest = (await near({ lat: 34.3801, lng: 107.1502, limit: 1 })).json.items[0];
	assert.equal(nearest.id, s.id, 'the new station is the nearest at once');
	await assertProblem(srv.url, await api(srv.url, { method: 'POST', path: '/api/v1/stations', session: staff, body: { ...station, region_code: '610302004008' } }), 403, 'forbidden');
	await assertProblem(srv.url, await api(srv.url, { method: 'POST', path: '/api/v1/stations', session: resident, body: station }), 403, 'forbidden');
	await assertProblem(srv.url, await api(srv.url, { method: 'POST', path: '/api/v1/stations', body: station }), 401, 'unauthenticated');
});

test('a station reads the same in a list, nearby and its own page: no phone or hub means no field', async () => {
	const station = {
		name: '龙腾路无电话驿站',
		level: 'corner',
		theme: 'general',
		region_code: '610303008003',
		address: '宝鸡市金台区卧龙寺街道龙腾路90号',
		location: { lat: 34.3805, lng: 107.1507 },
		amenities: ['water'],
		hours: { always_open: true },
	};
	const lone = await assertJson(srv.url, await api(srv.url, { method: 'POST', path: '/api/v1/stations', session: admin, body: station }), 201, 'Station');
	const hub = (await api(srv.url, { path: '/api/v1/stations?region=610303008&limit=2000' })).json.items.find((x) => x.level === 'street');
	const branch = await assertJson(srv.url, await api(srv.url, { method: 'POST', path: '/api/v1/stations', session: admin, body: { ...station, name: '龙腾路有电话驿站', phone: '0917-3210000', parent_id: hub.id } }), 201, 'Station');
	const shared = ['id', 'name', 'level', 'theme', 'parent_id', 'region_code', 'address', 'location', 'amenities', 'phone', 'stars', 'open_now', 'closed'];
	const pick = (o) => Object.fromEntries(shared.filter((k) => k in o).map((k) => [k, o[k]]));
	for (const made of [lone, branch]) {
		const page = await assertJson(srv.url, await api(srv.url, { path: `/api/v1/stations/${made.id}` }), 200, 'Station');
		const listed = (await assertJson(srv.url, await api(srv.url, { path: `/api/v1/stations?q=${encodeURIComponent(made.name)}` }), 200, 'StationList')).items.find((x) => x.id === made.id);
		const nearby = (await assertJson(srv.url, await near({ lat: 34.3805, lng: 107.1507, radius_m: 50, limit: 10 }), 200, 'NearbyStations')).items.find((x) => x.id === made.id);
		assert.deepEqual(pick(listed), pick(page), 'list and page agree');
		assert.deepEqual(pick(nearby), pick(page), 'nearby and page agree');
	}
	const lonePage = (await api(srv.url, { path: `/api/v1/stations/${lone.id}` })).json;
	assert.ok(!('phone' in lonePage) && !('parent_id' in lonePage), 'no phone, no hub: the fields are left out');
	const branchPage = (await api(srv.url, { path: `/api/v1/stations/${branch.id}` })).json;
	assert.equal(branchPage.phone, '0917-3210000');
	assert.equal(branchPage.parent_id, hub.id);
});

test('station validation reports every bad field at once', async () => {
	const res = await api(srv.url, {
		method: 'POST',
		path: '/api/v1/stations',
		session: admin,
		body: {
			name: '',
			level: 'palace',
			theme: 'disco',
			region_code: '610303999999',
			address: 'x',
			location: { lat: 48.85, lng: 2.35 },
			stars: 9,
			amenities: ['jacuzzi'],
			hours: { weekly: [{ days: [8], open: '25:00', close: '08:00' }] },
		},
	});
	await assertProblem(srv.url, res, 422, 'validation', { fields: ['name', 'level', 'theme', 'region_code', 'location', 'stars', 'amenities', 'hours.weekly'] });
	const wrongType = await api(srv.url, { method: 'POST', path: '/api/v1/stations', session: admin, body: { name: 5, location: 'here' } });
	await assertProblem(srv.url, wrongType, 422, 'validation', { fields: ['name', 'location'] });
	// An empty body names the missing fields, for staff as for admins: without
	// a region there is no scope to refuse.
	for (const session of [admin, staff]) {
		const empty = await api(srv.url, { method: 'POST', path: '/api/v1/stations', session, body: {} });
		await assertProblem(srv.url, empty, 422, 'validation', { fields: ['name', 'level', 'region_code', 'address', 'location'] });
	}
	const unknown = await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${jinxinyi}`, session: admin, body: { colour: 'red' } });
	await assertProblem(srv.url, unknown, 422, 'validation', { fields: ['colour'] });
});

test('an integer beyond its range answers 422 naming the field and the range, and nothing is stored cut short', async () => {
	const path = `/api/v1/stations/${jinxinyi}`;
	const before = (await api(srv.url, { path })).json;
	// 2^32 + 5 would be 5 once cut to 32 bits.
	const big = 4294967301;
	for (const [body, field] of [
		[{ stars: big }, 'stars'],
		[{ stars: -4294967291 }, 'stars'],
		[{ rooms: [{ name: '会议室', capacity: big }] }, 'rooms.capacity'],
		[{ rooms: [{ name: '会议室', capacity: -1 }] }, 'rooms.capacity'],
		[{ parent_id: -1 }, 'parent_id'],
	]) {
		const res = await api(srv.url, { method: 'PATCH', path, session: admin, body });
		const p = await assertProblem(srv.url, res, 422, 'validation', { fields: [field] });
		const msg = p.errors.find((e) => e.field === field).message;
		assert.match(msg, /\d+ 到 \d+/, `the message names the range: ${msg}`);
	}
	const after = (await api(srv.url, { path })).json;
	assert.equal(after.stars, before.stars, 'stars unchanged');
	assert.deepEqual(after.rooms, before.rooms, 'rooms unchanged');
	const sort = await api(srv.url, { method: 'PUT', path: '/api/v1/amenities/big_sort', session: admin, body: { name_zh: '排序', name_en: 'Sort', icon: '🔢', sort: big } });
	await assertProblem(srv.url, sort, 422, 'validation', { fields: ['sort'] });
	const cat = (await api(srv.url, { path: '/api/v1/amenities' })).json;
	assert.ok(!cat.amenities.some((a) => a.code === 'big_sort'), 'no catalog entry was made');
});

test('closing a station takes it out of "open now" until it reopens', async () => {
	const id = jinxinyi;
	const closed = await api(srv.url, { method: 'POST', path: `/api/v1/stations/${id}/close`, session: manager, body: { reason: '设备检修', until: '2099-01-01T08:00:00+08:00' } });
	const s = await assertJson(srv.url, closed, 200, 'Station');
	assert.equal(s.closed, true);
	assert.equal(s.open_now, false);
	assert.equal(s.closure.reason, '设备检修');
	const { lat, lng } = s.location;
	const open = (await near({ lat, lng, radius_m: 5, open_now: 'true' })).json.items;
	assert.ok(!open.some((x) => x.id === id), 'not among the open ones');
	await assertProblem(srv.url, await api(srv.url, { method: 'POST', path: `/api/v1/stations/${id}/close`, session: manager, body: {} }), 422, 'validation', { fields: ['reason'] });
	const reopened = await assertJson(srv.url, await api(srv.url, { method: 'POST', path: `/api/v1/stations/${id}/reopen`, session: manager }), 200, 'Station');
	assert.equal(reopened.closed, false);
	assert.equal(reopened.closure, null);
	const again = (await near({ lat, lng, radius_m: 5 })).json.items;
	assert.equal(again[0].id, id);
	assert.equal(again[0].closed, false);
});

test('a station lies in or near its region: within 5 km of its street\'s community points', async () => {
	const body = { name: '北京的宝鸡驿站', level: 'corner', region_code: '610303008003', address: '测试路 3 号', location: { lat: 39.9042, lng: 116.4074 } };
	const far = await api(srv.url, { method: 'POST', path: '/api/v1/stations', session: admin, body });
	const p = await assertProblem(srv.url, far, 422, 'validation', { fields: ['location'] });
	assert.match(p.errors[0].message, /公里/);
	// The next street over is too far as well; the station's own street is fine.
	const move = await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${jinxinyi}`, session: admin, body: { location: { lat: 34.30, lng: 107.60 } } });
	await assertProblem(srv.url, move, 422, 'validation', { fields: ['location'] });
	const region = (await api(srv.url, { path: '/api/v1/regions/610303008003' })).json;
	const near = await api(srv.url, { method: 'POST', path: '/api/v1/stations', session: admin, body: { ...body, name: '龙腾路旁驿站', location: { lat: region.location.lat + 0.01, lng: region.location.lng } } });
	assert.equal(near.status, 201, near.text);
});

test('short texts are trimmed, and blanks, control and bidi characters refused, in every noun', async () => {
	const path = `/api/v1/stations/${jinxinyi}`;
	for (const name of ['   ', '\u3000\u00a0', '金心\u202e驿', '金心驿\n', '金心\u0007驿', '\u2066金心驿']) {
		const res = await api(srv.url, { method: 'PATCH', path, session: admin, body: { name } });
		await assertProblem(srv.url, res, 422, 'validation', { fields: ['name'] });
	}
	const before = (await api(srv.url, { path })).json;
	const ok = await api(srv.url, { method: 'PATCH', path, session: admin, body: { name: `  ${before.name}  `, description: '第一行\n第二行' } });
	const s = await assertJson(srv.url, ok, 200, 'Station');
	assert.equal(s.name, before.name, 'trimmed');
	assert.equal(s.description, '第一行\n第二行', 'a description keeps its line breaks');
	const bidi = await api(srv.url, { method: 'PATCH', path, session: admin, body: { description: 'abc\u202edef' } });
	await assertProblem(srv.url, bidi, 422, 'validation', { fields: ['description'] });
	const reason = await api(srv.url, { method: 'POST', path: `${path}/close`, session: admin, body: { reason: '  ' } });
	await assertProblem(srv.url, reason, 422, 'validation', { fields: ['reason'] });
	const room = await api(srv.url, { method: 'PATCH', path, session: admin, body: { rooms: [{ name: '会议\u202e室', capacity: 5 }] } });
	await assertProblem(srv.url, room, 422, 'validation', { fields: ['rooms'] });
	// Accounts and tokens the same way.
	const acc = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', session: admin, body: { phone: '13912345098', name: ' \u202e ' } });
	await assertProblem(srv.url, acc, 422, 'validation', { fields: ['name'] });
	const blank = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', session: admin, body: { phone: '13912345098', name: '   ' } });
	await assertProblem(srv.url, blank, 422, 'validation', { fields: ['name'] });
	const made = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', session: admin, body: { phone: '13912345098', name: '  王五  ' } });
	assert.equal((await assertJson(srv.url, made, 201, 'Account')).name, '王五');
	const tok = await api(srv.url, { method: 'POST', path: '/api/v1/tokens', session: admin, body: { account_id: made.json.id, name: 'a\u0000b'.replace('\u0000', '\u0001') } });
	await assertProblem(srv.url, tok, 422, 'validation', { fields: ['name'] });
});

test('total counts what matches the filter; parent lists a hub\'s branches', async () => {
	const none = (await api(srv.url, { path: '/api/v1/stations?q=zzz' })).json;
	assert.equal(none.count, 0);
	assert.equal(none.total, 0);
	const cut = (await api(srv.url, { path: '/api/v1/stations?region=610303&limit=1' })).json;
	const all = (await api(srv.url, { path: '/api/v1/stations?region=610303&limit=2000' })).json;
	assert.equal(cut.count, 1);
	assert.equal(cut.total, all.count, 'total is every match, not the page');
	assert.ok(all.total < (await api(srv.url, { path: '/api/v1/stations?limit=2000' })).json.total, 'less than the network');
	const branch = all.items.find((x) => x.parent_id);
	assert.ok(branch, 'a demo branch');
	const kids = (await api(srv.url, { path: `/api/v1/stations?parent=${branch.parent_id}` })).json;
	assert.ok(kids.count >= 1);
	assert.equal(kids.total, kids.count);
	for (const k of kids.items) assert.equal(k.parent_id, branch.parent_id);
	assert.ok(kids.items.some((k) => k.id === branch.id));
	const geo = (await api(srv.url, { path: `/api/v1/stations.geojson?parent=${branch.parent_id}` })).json;
	assert.equal(geo.features.length, kids.count);
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/stations?parent=abc' }), 422, 'validation', { fields: ['parent'] });
});

test('a timed closure ends by itself when its time comes, without a write', async () => {
	// An always-open station, so "open now" depends on the closure alone.
	const body = { name: '限时关闭测试站', level: 'corner', region_code: '610303008003', address: '测试路 9 号', location: { lat: 34.3811, lng: 107.1522 }, hours: { always_open: true } };
	const made = await assertJson(srv.url, await api(srv.url, { method: 'POST', path: '/api/v1/stations', session: admin, body }), 201, 'Station');
	const until = new Date(Date.now() + 2500).toISOString();
	const closed = await assertJson(srv.url, await api(srv.url, { method: 'POST', path: `/api/v1/stations/${made.id}/close`, session: admin, body: { reason: '短暂检修', until } }), 200, 'Station');
	assert.equal(closed.closed, true);
	const card = async () => (await near({ lat: 34.3811, lng: 107.1522, radius_m: 5 })).json.items.find((x) => x.id === made.id);
	assert.equal((await card()).closed, true);
	await new Promise((r) => setTimeout(r, 3500));
	const detail = await assertJson(srv.url, await api(srv.url, { path: `/api/v1/stations/${made.id}` }), 200, 'Station');
	assert.equal(detail.closed, false, 'the closure is over');
	assert.equal(detail.closure, null);
	assert.equal(detail.open_now, true);
	const c = await card();
	assert.equal(c.closed, false);
	assert.equal(c.open_now, true);
	const open = (await near({ lat: 34.3811, lng: 107.1522, radius_m: 5, open_now: 'true' })).json.items;
	assert.ok(open.some((x) => x.id === made.id), 'among the open ones again');
	const listed = (await api(srv.url, { path: `/api/v1/stations?q=${encodeURIComponent('限时关闭测试站')}` })).json.items[0];
	assert.equal(listed.closed, false);
});

test('the QR code\'s link opens the check-in page with its token; an old code says so', async () => {
	const own = (await api(srv.url, { path: `/api/v1/stations/${jinxinyi}`, session: manager })).json;
	assert.match(own.checkin_url, /^https:\/\/yizhan\.example\/c\/[A-Za-z0-9_-]{20,}$/);
	assert.equal((await api(srv.url, { path: `/api/v1/stations/${jinxinyi}` })).json.checkin_url, undefined, 'not for passers-by');
	const path = new URL(own.checkin_url).pathname;
	const res = await fetch(srv.url + path, { redirect: 'manual' });
	assert.equal(res.status, 302);
	assert.equal(res.headers.get('location'), `/checkin.html?id=${jinxinyi}&t=${path.slice('/c/'.length)}`);
	const page = await fetch(srv.url + res.headers.get('location'));
	assert.equal(page.status, 200);
	const old = await api(srv.url, { path: '/c/not-a-code-we-printed' });
	await assertProblem(srv.url, old, 404, 'not-found');
	assert.match(old.json.detail, /二维码/);
	assert.ok(!srv.stderr.some((l) => l.includes('"public_url"')), 'no warning with a public address');
	// A server whose codes would point to localhost says so at start.
	const local = await startServer({ args: ['--public-url', 'http://localhost:8080'], seed: false });
	try {
		const warn = local.logs().find((l) => l.event === 'public_url');
		assert.equal(warn?.level, 'warn');
		assert.match(warn.msg ?? JSON.stringify(warn), /--public-url/);
	} finally {
		await local.stop();
	}
});

test('the QR code is for the keepers of the station, and an admin can rotate its secret', async () => {
	const path = `/api/v1/stations/${jinxinyi}/qr.svg`;
	const svg = await api(srv.url, { path, session: manager });
	assert.equal(svg.status, 200);
	assert.match(svg.headers.get('content-type'), /^image\/svg\+xml/);
	assert.match(svg.text, /^<svg /);
	const png = await fetch(`${srv.url}/api/v1/stations/${jinxinyi}/qr.png`, { headers: { Cookie: manager.cookie } });
	assert.equal(png.status, 200);
	const bytes = new Uint8Array(await png.arrayBuffer());
	assert.deepEqual([...bytes.slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
	await assertProblem(srv.url, await api(srv.url, { path }), 401, 'unauthenticated');
	await assertProblem(srv.url, await api(srv.url, { path, session: resident }), 403, 'forbidden');
	await assertProblem(srv.url, await api(srv.url, { method: 'POST', path: `/api/v1/stations/${jinxinyi}/qr/rotate`, session: manager }), 403, 'forbidden');
	assertNoContent(await api(srv.url, { method: 'POST', path: `/api/v1/stations/${jinxinyi}/qr/rotate`, session: admin }));
	const svg2 = await api(srv.url, { path, session: manager });
	assert.notEqual(svg2.text, svg.text, 'a new secret draws a new code');
});

test('the catalog names drawn icons that the page has, never emoji', async () => {
	const cat = await assertJson(srv.url, await api(srv.url, { path: '/api/v1/amenities' }), 200, 'Catalog');
	const sprite = await api(srv.url, { path: '/vendor/icons.svg' });
	assert.equal(sprite.status, 200);
	assert.match(sprite.headers.get('content-type'), /^image\/svg\+xml/);
	const drawn = new Set([...sprite.text.matchAll(/<symbol id="([a-z0-9-]+)"/g)].map((m) => m[1]));
	for (const a of cat.amenities) {
		assert.match(a.icon, /^[a-z0-9-]+$/, `${a.code}: an icon name, not "${a.icon}"`);
		assert.ok(drawn.has(a.icon), `${a.code}: the sprite draws "${a.icon}"`);
	}
	assert.equal(cat.amenities.find((a) => a.code === 'microwave').icon, 'microwave');
	assert.equal(cat.amenities.find((a) => a.code === 'water').icon, 'droplet');
	// An icon the page cannot draw is refused, an emoji above all.
	for (const icon of ['♨️', 'no-such-icon', '', 'Microwave'])
		await assertProblem(srv.url, await api(srv.url, { method: 'PUT', path: '/api/v1/amenities/hot_tea', session: admin, body: { name_zh: '热茶', name_en: 'Hot tea', icon } }), 422, 'validation', { fields: ['icon'] });
	assert.ok(!(await api(srv.url, { path: '/api/v1/amenities' })).json.amenities.some((a) => a.code === 'hot_tea'), 'nothing was written');
});

test('admins extend the amenity catalog and stations can use the new amenity', async () => {
	const put = await api(srv.url, { method: 'PUT', path: '/api/v1/amenities/hot_water', session: admin, body: { name_zh: '热水', name_en: 'Hot water', icon: 'coffee', sort: 5 } });
	const made = await assertJson(srv.url, put, 200, 'Amenity');
	assert.equal(made.icon, 'coffee');
	await assertProblem(srv.url, await api(srv.url, { method: 'PUT', path: '/api/v1/amenities/hot_water', session: staff, body: { name_zh: '热水', name_en: 'Hot water', icon: 'coffee' } }), 403, 'forbidden');
	const cat = await assertJson(srv.url, await api(srv.url, { path: '/api/v1/amenities' }), 200, 'Catalog');
	assert.ok(cat.amenities.some((a) => a.code === 'hot_water'));
	const s = (await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${jinxinyi}`, session: manager, body: { amenities: ['water', 'hot_water'] } })).json;
	assert.ok(s.amenities.includes('hot_water'));
	const hit = (await near({ lat: s.location.lat, lng: s.location.lng, amenity: 'hot_water', limit: 1 })).json.items;
	assert.equal(hit[0]?.id, jinxinyi);
});

test('coverage says which communities have a station within a 15-minute walk', async () => {
	const res = await api(srv.url, { path: '/api/v1/coverage?region=6103' });
	const c = await assertJson(srv.url, res, 200, 'Coverage');
	assert.equal(c.communities, 203, '宝鸡市 has 203 居委会 in the NBS 2023 codes');
	assert.equal(c.walk_m, 1200);
	assert.ok(c.covered > 150 && c.covered < c.located, 'most, not all, are covered');
	assert.equal(c.items.filter((i) => i.covered).length, c.covered);
	assert.ok(Math.abs(c.share - c.covered / c.located) < 1e-3);
	const stations = (await api(srv.url, { path: '/api/v1/stations?limit=2000' })).json.items;
	const named = c.items.filter((i) => i.name === '南大街社区');
	assert.equal(named.length, 2, 'two communities share a name…');
	assert.notEqual(named[0].parent_name, named[1].parent_name, '…and their street or town tells them apart');
	assert.equal(c.items.find((i) => i.code === '610303008003').parent_name, '卧龙寺街道');
	for (const i of c.items) {
		if (i.covered) assert.ok(i.nearest.distance_m <= 1200);
		if (!i.location) continue;
		// Covered or not, the nearest station is named with its distance: for a
		// gap, how far its people walk today.
		assert.ok(i.nearest, `${i.name}: the nearest station is named`);
		const best = Math.min(...stations.map((s) => haversine(i.location, s.location)));
		assert.ok(Math.abs(i.nearest.distance_m - best) <= 1, `${i.name}: nearest ${i.nearest.distance_m} m, by hand ${best} m`);
		assert.ok(Math.abs(haversine(i.location, i.nearest.location) - i.nearest.distance_m) <= 1, 'its location is where it stands');
		if (!i.covered) assert.ok(i.nearest.distance_m > 1200 && i.nearest.walk_minutes > 15, 'a gap is beyond the walk');
	}
	assert.equal(c.items[0].covered, false, 'the gaps come first');
	// What is counted is said: the 居委会 (urban communities); villages and
	// the rest of level 5 are named with their counts, not left out silently.
	assert.deepEqual(c.counted_kinds, ['community']);
	assert.deepEqual(c.not_counted, [
		{ kind: 'village', count: 1163 },
		{ kind: 'other', count: 4 },
	]);
	const wider = (await api(srv.url, { path: '/api/v1/coverage?region=6103&walk_m=5000' })).json;
	assert.ok(wider.covered >= c.covered);
	const jintai = (await api(srv.url, { path: '/api/v1/coverage?region=610303' })).json;
	assert.equal(jintai.communities, 59);
	assert.deepEqual(jintai.not_counted, [{ kind: 'village', count: 68 }], '金台区 has villages too');
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/coverage' }), 422, 'validation', { fields: ['region'] });
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/coverage?region=999999' }), 404, 'not-found');
});
