// The stations the journeys need. The demo city (seed-demo) may or may not
// have stations yet; either way these tests add a few of their own, placed so
// that, without the demo city, the expected order is unambiguous — and the
// assertions compare what the page shows with what the API answers, so the
// demo city's stations, when they exist, change nothing.
import assert from 'node:assert/strict';
import { api, login } from '../../api/lib/client.mjs';
import { DEMO, DEMO_PASSWORD } from '../../api/lib/server.mjs';

/** The place the rider stands (in 宝鸡市 金台区). */
export const RIDER = { lat: 34.37, lng: 107.14 };

const M_PER_DEG_LAT = 111195;
const mPerDegLng = (lat) => M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);
/** A point dx metres east and dy metres north of p. */
export const offset = (p, dx, dy) => ({ lat: +(p.lat + dy / M_PER_DEG_LAT).toFixed(6), lng: +(p.lng + dx / mPerDegLng(p.lat)).toFixed(6) });

const ALWAYS = { always_open: true };
const WEEKLY = { weekly: [{ days: [1, 2, 3, 4, 5, 6, 7], open: '08:00', close: '20:00' }] };

function station(name, location, amenities, hours = ALWAYS) {
	return { name, level: 'community', region_code: '610303008003', address: `宝鸡市金台区测试路 ${name}`, location, amenities, hours, phone: '0917-1234567' };
}

/**
 * Adds the test stations as the admin. Returns { admin, demoStations, ids:
 * {managed (the demo manager's station), closedNear, noMicrowave, expected, far} }.
 */
export async function buildCity(url) {
	const admin = await login(url, DEMO.admin, DEMO_PASSWORD);
	const before = await api(url, { path: '/api/v1/stations?limit=1' });
	assert.equal(before.status, 200, before.text);
	const demoStations = before.json.total;
	const create = async (body) => {
		const r = await api(url, { method: 'POST', path: '/api/v1/stations', body, session: admin });
		assert.equal(r.status, 201, `create ${body.name}: ${r.status} ${r.text}`);
		return r.json.id;
	};
	// The demo manager (13800000003) manages one station ("station:N"); make
	// sure it exists when the demo city has no stations yet.
	const manager = await login(url, DEMO.manager, DEMO_PASSWORD);
	const grant = manager.account.roles.find((r) => r.role === 'manager' && /^station:\d+$/.test(r.scope));
	assert.ok(grant, `the demo manager manages a station: ${JSON.stringify(manager.account.roles)}`);
	const managed = Number(grant.scope.slice('station:'.length));
	for (let i = 1; (await api(url, { path: `/api/v1/stations/${managed}` })).status === 404; i++) {
		assert.ok(i <= managed, `station ${managed} appears`);
		await create(station(`E2E 管理站 ${i}`, offset(RIDER, 3000 + 50 * i, 3000), ['water', 'microwave', 'charger'], WEEKLY));
	}
	const ids = { managed };
	ids.closedNear = await create(station('E2E 甲站（暂停）', offset(RIDER, 0, 200), ['microwave', 'water']));
	ids.noMicrowave = await create(station('E2E 乙站（无微波炉）', offset(RIDER, 400, 0), ['water', 'charger']));
	ids.expected = await create(station('E2E 丙站（微波炉）', offset(RIDER, 0, -600), ['microwave', 'water', 'toilet']));
	ids.far = await create(station('E2E 丁站', offset(RIDER, -900, 0), ['microwave']));
	const closed = await api(url, { method: 'POST', path: `/api/v1/stations/${ids.closedNear}/close`, body: { reason: 'E2E 设备检修' }, session: admin });
	assert.equal(closed.status, 200, closed.text);
	return { admin, demoStations, ids };
}

/** GET /api/v1/stations/nearby with the page's parameters. */
export async function nearby(url, { lat, lng, amenity, openNow, radius = 1500, limit = 10 }) {
	const q = new URLSearchParams({ lat: String(lat), lng: String(lng), radius_m: String(radius), limit: String(limit) });
	if (amenity) q.set('amenity', amenity);
	if (openNow) q.set('open_now', 'true');
	const r = await api(url, { path: `/api/v1/stations/nearby?${q}` });
	assert.equal(r.status, 200, r.text);
	return r.json;
}

/**
 * Weekly hours that keep a station shut now, whatever the time of day: one
 * hour every day, starting three hours from now (city time, UTC+8). Returns
 * { hours, opensAt: 'HH:MM', opensTomorrow }.
 */
export function shutNowHours(nowMs = Date.now()) {
	const minute = Math.floor(nowMs / 60000 + 480) % 1440;
	const start = (Math.floor(minute / 60) + 3) % 24;
	const hh = (h) => `${String(h).padStart(2, '0')}:00`;
	return {
		hours: { weekly: [{ days: [1, 2, 3, 4, 5, 6, 7], open: hh(start), close: hh(start + 1) }], exceptions: [] },
		opensAt: hh(start),
		opensTomorrow: start * 60 < minute,
	};
}

/**
 * What the finder shows for a nearby query, by the page's rule: when the
 * nearest station is not open now (and "open now" was not asked for), the
 * nearest open ones within 20 km come first, then the others near by, each
 * once. Returns { open: [ids], nearby: [ids], first } from the API's answers.
 */
export async function finderExpects(url, params) {
	const found = await nearby(url, params);
	const first = found.items[0];
	if (params.openNow || !first || (first.open_now && !first.closed)) return { open: [], nearby: found.items.map((s) => s.id), found };
	const open = await nearby(url, { ...params, radius: 20000, limit: 3, openNow: true });
	const openIds = open.items.map((s) => s.id);
	return { open: openIds, nearby: found.items.map((s) => s.id).filter((id) => !openIds.includes(id)), found, openItems: open.items };
}
