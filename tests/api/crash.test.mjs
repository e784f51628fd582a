// Crash safety: kill -9 in the middle of a run of acknowledged writes, then
// restart on the same database and retry everything with the same
// Idempotency-Keys. Every acknowledged write must have survived exactly
// once, and every retry must land exactly once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, loadOpenapi } from './lib/schema.mjs';

const TOTAL = 300;
const WORKERS = 4;
const KILL_AFTER_ACKS = 100;

let srv;
after(() => srv?.stop());

/** Runs fn over items with `workers` requests at a time, until stop() says so. */
async function pool(items, workers, fn, stop = () => false) {
	let next = 0;
	await Promise.all(
		Array.from({ length: workers }, async () => {
			while (next < items.length && !stop()) await fn(items[next++]);
		}),
	);
}

test('after kill -9 mid-run and a restart, every acknowledged account exists once and every retry lands once', async (t) => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	let admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
	const baseline = (await api(srv.url, { path: '/api/v1/accounts?limit=200', session: admin })).json.items.length;

	const writes = Array.from({ length: TOTAL }, (_, i) => ({
		i,
		key: randomUUID(),
		body: { phone: uniquePhone(), name: `崩溃测试${i}` },
		acked: null, // the 201 answer's text, if one came back
	}));
	const send = (w) =>
		api(srv.url, { method: 'POST', path: '/api/v1/accounts', body: w.body, session: admin, headers: { 'Idempotency-Key': w.key } });

	// Phase 1: write until about KILL_AFTER_ACKS are acknowledged, then SIGKILL
	// while the other workers still have requests in flight.
	let acks = 0;
	let killed = null;
	await pool(
		writes,
		WORKERS,
		async (w) => {
			let res;
			try {
				res = await send(w);
			} catch {
				return; // the connection died with the server: not acknowledged
			}
			if (res.status === 201) {
				w.acked = res.text;
				acks += 1;
				if (acks >= KILL_AFTER_ACKS && !killed) killed = srv.kill();
			} else if (!killed) {
				assert.fail(`write ${w.i} before the kill answered ${res.status}: ${res.text}`);
			}
		},
		() => killed !== null,
	);
	const exit = await killed;
	assert.equal(exit.signal, 'SIGKILL');
	const acked = writes.filter((w) => w.acked);
	assert.ok(acked.length >= KILL_AFTER_ACKS && acked.length < TOTAL, `${acked.length} acknowledged before the kill`);

	// Phase 2: the same database, a new process; retry every write with its key.
	await srv.restart();
	admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
	const retried = new Map();
	await pool(writes, WORKERS, async (w) => {
		const res = await send(w);
		retried.set(w.i, res);
	});
	for (const w of writes) {
		const res = retried.get(w.i);
		assert.equal(res.status, 201, `retry of write ${w.i} (${w.acked ? 'acknowledged' : 'not acknowledged'}): ${res.status} ${res.text}`);
		if (w.acked) {
			assert.equal(res.headers.get('idempotent-replayed'), 'true', `write ${w.i} was acknowledged, so its retry is a replay`);
			assert.equal(res.text, w.acked, `write ${w.i}: the replay is the acknowledged answer`);
		}
	}
	await assertJson(srv.url, retried.get(0), 201, 'Account');
	const unackedButDone = writes.filter((w) => !w.acked && retried.get(w.i).headers.get('idempotent-replayed') === 'true');
	t.diagnostic(`${acked.length} acknowledged before the kill; ${unackedButDone.length} more had committed without an answer`);

	// Every phone exists exactly once.
	const idOf = new Map();
	await pool(writes, WORKERS, async (w) => {
		const res = await api(srv.url, { path: `/api/v1/accounts?q=${w.body.phone}`, session: admin });
		const page = await assertJson(srv.url, res, 200, 'AccountPage');
		const hits = page.items.filter((a) => a.phone === w.body.phone);
		assert.equal(hits.length, 1, `phone of write ${w.i} exists once, found ${hits.length}`);
		assert.equal(hits[0].id, JSON.parse(retried.get(w.i).text).id);
		idOf.set(w.i, hits[0].id);
	});
	const all = [];
	let after = 0;
	for (;;) {
		const page = (await api(srv.url, { path: `/api/v1/accounts?limit=200&after=${after}`, session: admin })).json;
		all.push(...page.items);
		if (page.next_after === null) break;
		after = page.next_after;
	}
	const phones = all.map((a) => a.phone);
	assert.equal(new Set(phones).size, phones.length, 'no phone appears twice');
	assert.equal(all.length, baseline + TOTAL, 'the accounts from before and one per write');

	// One account.create audit row per account.
	const rows = [];
	let before = '';
	for (;;) {
		const res = await api(srv.url, { path: `/api/v1/audit?action=account.create&actor_id=${admin.account.id}&limit=200${before}`, session: admin });
		const page = await assertJson(srv.url, res, 200, 'AuditPage');
		rows.push(...page.items);
		if (page.next_before === null) break;
		before = `&before=${page.next_before}`;
	}
	const perObject = new Map();
	for (const r of rows) perObject.set(r.object_id, (perObject.get(r.object_id) ?? 0) + 1);
	for (const w of writes) assert.equal(perObject.get(String(idOf.get(w.i))), 1, `one account.create row for write ${w.i}`);
	assert.equal(rows.length, TOTAL, 'no other account.create rows');
});
