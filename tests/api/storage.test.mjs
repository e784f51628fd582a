// A full disk (SQLite with --sqlite-max-pages): writes answer 503 with
// Retry-After, readiness says so, reads keep working, and the refused write
// left nothing behind.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, addUser, ENGINE, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, loadOpenapi } from './lib/schema.mjs';

const skip = ENGINE !== 'sqlite' && '--sqlite-max-pages exists only for SQLite; storage-full is not simulated on PostgreSQL';

describe('when storage is full', { skip }, () => {
	let srv;
	let admin;
	let created = 0;
	let full; // the first refused write: { res, phone }

	before(async () => {
		// No demo city: 300 pages leave room for the schema (182 pages) and
		// some accounts.
		srv = await startServer({ seed: false, args: ['--sqlite-max-pages', '300'] });
		await loadOpenapi(srv.url);
		await addUser(srv.dbUrl, { phone: DEMO.admin, name: '存储管理员', role: 'admin@*', password: DEMO_PASSWORD });
		admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
		for (let i = 0; i < 5000 && !full; i++) {
			const phone = uniquePhone();
			const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone, name: `填满${i}` }, session: admin });
			if (res.status === 201) created += 1;
			else full = { res, phone };
		}
	});
	after(() => srv?.stop());

	test('a write answers 503 storage-full with Retry-After', async () => {
		assert.ok(full, 'some write was refused before 5000 accounts');
		assert.ok(created > 0, 'writes succeeded until the disk filled');
		await assertProblem(srv.url, full.res, 503, 'storage-full');
		const retry = Number(full.res.headers.get('retry-after'));
		assert.ok(Number.isInteger(retry) && retry > 0, `Retry-After ${full.res.headers.get('retry-after')}`);
		// And stays so.
		const again = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: { phone: uniquePhone(), name: '还满' }, session: admin });
		await assertProblem(srv.url, again, 503, 'storage-full');
		assert.ok(again.headers.get('retry-after'));
	});

	test('readyz answers 503 with storage "full", while healthz stays 200', async () => {
		const res = await api(srv.url, { path: '/readyz' });
		const body = await assertJson(srv.url, res, 503, 'Health');
		assert.equal(body.status, 'unavailable');
		assert.equal(body.storage, 'full');
		assert.equal(body.database, 'reachable');
		assert.equal((await api(srv.url, { path: '/healthz' })).status, 200);
	});

	test('reads still work', async () => {
		const me = await api(srv.url, { path: '/api/v1/session', session: admin });
		assert.equal((await assertJson(srv.url, me, 200, 'Session')).account.id, admin.account.id);
		const list = await api(srv.url, { path: '/api/v1/accounts?limit=1', session: admin });
		await assertJson(srv.url, list, 200, 'AccountPage');
	});

	test('the refused account does not exist and has no audit row', async () => {
		const list = await api(srv.url, { path: `/api/v1/accounts?q=${full.phone}`, session: admin });
		assert.deepEqual((await assertJson(srv.url, list, 200, 'AccountPage')).items, []);
		const rid = full.res.headers.get('x-request-id');
		const rows = await api(srv.url, { path: `/api/v1/audit?request_id=${encodeURIComponent(rid)}`, session: admin });
		assert.deepEqual((await assertJson(srv.url, rows, 200, 'AuditPage')).items, []);
		// One account.create per account that was created, and none more.
		let count = 0;
		let before = '';
		for (;;) {
			const page = (await api(srv.url, { path: `/api/v1/audit?action=account.create&actor_id=${admin.account.id}&limit=200${before}`, session: admin })).json;
			count += page.items.length;
			if (page.next_before === null) break;
			before = `&before=${page.next_before}`;
		}
		assert.equal(count, created);
	});

	test('the full disk is logged at level error', async () => {
		// The log is written by a background flusher every 200 ms.
		const seen = () => srv.logs().some((l) => l.level === 'error' && l.event === 'storage_full');
		for (let i = 0; i < 30 && !seen(); i++) await new Promise((r) => setTimeout(r, 100));
		assert.ok(seen(), 'an error line with event storage_full');
	});

	test('the full disk causes no spurious database errors in the log', async () => {
		const errors = srv.logs().filter((l) => l.level === 'error' && l.event !== 'storage_full');
		assert.deepEqual(errors, []);
	});
});
