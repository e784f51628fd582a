// Two servers on one PostgreSQL database, as behind a load balancer: a
// station written through one is found through the other within moments
// (LISTEN/NOTIFY keeps each server's snapshot fresh), an amenity added to the
// catalog through one filters on the other, and after the database restarts
// the listener reconnects and catches up on what it missed. Runs on its own
// throwaway cluster, so restarting it disturbs no other test. PostgreSQL only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ENGINE, ROOT, startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login } from './lib/client.mjs';

const run = promisify(execFile);
const pg = (...args) => run(join(ROOT, 'scripts/pg.sh'), args);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns true, up to ms; returns how long it took. */
async function within(ms, fn, what) {
	const t0 = Date.now();
	while (Date.now() - t0 < ms) {
		if (await fn()) return Date.now() - t0;
		await sleep(50);
	}
	assert.fail(`${what}: not within ${ms} ms`);
}

const named = async (url, id) => (await api(url, { path: `/api/v1/stations?q=${encodeURIComponent(id)}` })).json?.items ?? [];

test('a write through one server is read through the other, also after the database restarts', { skip: ENGINE !== 'postgres' && 'PostgreSQL only' }, async () => {
	const dir = mkdtempSync('/tmp/yzpgc.');
	chmodSync(dir, 0o755);
	let a;
	let b;
	try {
		await pg('start', dir);
		await pg('createdb', dir, 'yz_cluster');
		const dbUrl = (await pg('url', dir, 'yz_cluster')).stdout.trim();
		a = await startServer({ dbUrl });
		b = await startServer({ dbUrl, seed: false });
		const manager = await login(a.url, DEMO.manager, DEMO_PASSWORD);
		// Names are for the street's staff (a manager keeps the day-to-day fields).
		const staff = await login(a.url, DEMO.staff, DEMO_PASSWORD);
		const admin = await login(a.url, DEMO.admin, DEMO_PASSWORD);
		const id = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));

		// A rename through A (by an admin: the name is not a manager's to change) is found by name through B.
		const name1 = `集群驿站一号${Date.now() % 100000}`;
		const renamed = await api(a.url, { method: 'PATCH', path: `/api/v1/stations/${id}`, session: staff, body: { name: name1 } });
		assert.equal(renamed.status, 200, renamed.text);
		const took = await within(5000, async () => (await named(b.url, name1)).some((s) => s.id === id), 'B finds the new name');
		assert.ok((await named(a.url, name1)).some((s) => s.id === id), 'A finds it at once');

		// Closing through A takes it out of B's "open now".
		const where = (await api(b.url, { path: `/api/v1/stations/${id}` })).json.location;
		const openNear = async (url) => (await api(url, { path: `/api/v1/stations/nearby?lat=${where.lat}&lng=${where.lng}&radius_m=300&open_now=true&limit=50` })).json.items.map((s) => s.id);
		const close = await api(a.url, { method: 'POST', path: `/api/v1/stations/${id}/close`, session: manager, body: { reason: '集群测试' } });
		assert.equal(close.status, 200, close.text);
		await within(5000, async () => !(await openNear(b.url)).includes(id), 'B drops the closed station from "open now"');
		assert.equal((await api(a.url, { method: 'POST', path: `/api/v1/stations/${id}/reopen`, session: manager })).status, 200);

		// A new amenity in the catalog through A, then a station that has it:
		// B filters on it.
		const put = await api(a.url, { method: 'PUT', path: '/api/v1/amenities/sewing_kit', session: admin, body: { name_zh: '针线包', name_en: 'Sewing kit', icon: 'spool', sort: 500 } });
		assert.ok([200, 201].includes(put.status), put.text);
		const current = (await api(a.url, { path: `/api/v1/stations/${id}` })).json;
		const withKit = await api(a.url, { method: 'PATCH', path: `/api/v1/stations/${id}`, session: manager, body: { amenities: [...current.amenities, 'sewing_kit'] } });
		assert.equal(withKit.status, 200, withKit.text);
		await within(5000, async () => {
			const res = await api(b.url, { path: `/api/v1/stations/nearby?lat=${where.lat}&lng=${where.lng}&radius_m=300&amenity=sewing_kit` });
			return res.status === 200 && res.json.items.some((s) => s.id === id);
		}, 'B filters on the new amenity');

		// The database restarts: B's listener reconnects and re-reads what it
		// may have missed.
		await pg('stop', dir);
		await pg('start', dir);
		const name2 = `集群驿站二号${Date.now() % 100000}`;
		await within(15000, async () => (await api(a.url, { method: 'PATCH', path: `/api/v1/stations/${id}`, session: staff, body: { name: name2 } })).status === 200, 'A writes again after the restart');
		await within(15000, async () => (await named(b.url, name2)).some((s) => s.id === id), 'B finds the name written after the restart');
		assert.ok(b.logs().some((l) => l.event === 'listen'), 'B logged losing and regaining its listener');
		assert.ok(took < 5000);
	} finally {
		await b?.stop({ keep: true });
		await a?.stop({ keep: true });
		await pg('stop', dir).catch(() => {});
		rmSync(dir, { recursive: true, force: true });
	}
});
