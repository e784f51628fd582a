// Deadlines and escalation with a moved clock (serve --clock-offset), never
// a sleep of hours: an order nobody accepted within its category's hours
// goes up to the street once, and its staff are told; a restart does not
// escalate it again; when as long again passes it goes to the district,
// once, even with two servers on one database running the timer at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, sqlRows, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login } from './lib/client.mjs';

const H = 3600;
const escalations = async (dbUrl, id) =>
	(await sqlRows(dbUrl, `SELECT note FROM request_events WHERE request_id = ${id} AND action = 'escalate' ORDER BY id`)).map((r) => r[0]);
const level = async (dbUrl, id) => Number((await sqlRows(dbUrl, `SELECT escalation FROM requests WHERE id = ${id}`))[0][0]);

/** Waits (polling, up to 10 s) until cond() holds. */
async function until(cond, what) {
	const end = Date.now() + 10000;
	while (Date.now() < end) {
		if (await cond()) return;
		await new Promise((r) => setTimeout(r, 100));
	}
	assert.fail(`timed out waiting for ${what}`);
}

const serve = (dbUrl, offsetS) =>
	startServer({ dbUrl, seed: false, args: ['--escalate-ms', '100', '--clock-offset', String(offsetS)] });

test('an overdue order goes up once per level, across restarts and with two servers', async () => {
	const first = await startServer({ args: ['--escalate-ms', '100'] });
	const dbUrl = first.dbUrl;
	let id, staffId, mine;
	try {
		const [resident, staff, manager] = await Promise.all([
			login(first.url, DEMO.resident, DEMO_PASSWORD),
			login(first.url, DEMO.staff, DEMO_PASSWORD),
			login(first.url, DEMO.manager, DEMO_PASSWORD),
		]);
		staffId = staff.account.id;
		const station = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
		// 代办跑腿: accepted within 2 hours, or the street hears of it.
		const made = await api(first.url, { method: 'POST', path: '/api/v1/requests', session: resident, body: { kind: 'order', category: 'errand', title: '帮忙取药', station_id: station } });
		assert.equal(made.status, 201, made.text);
		id = made.json.id;
		// Another one accepted in time never escalates.
		mine = await api(first.url, { method: 'POST', path: '/api/v1/requests', session: resident, body: { kind: 'order', category: 'errand', title: '帮忙取快递', station_id: station } });
		const vol = await login(first.url, DEMO.volunteer, DEMO_PASSWORD);
		await api(first.url, { method: 'POST', path: `/api/v1/requests/${mine.json.id}/steps`, session: staff, body: { action: 'dispatch', assignee_id: vol.account.id } });
		await api(first.url, { method: 'POST', path: `/api/v1/requests/${mine.json.id}/steps`, session: vol, body: { action: 'accept' } });
		// Not yet due: a second of timer passes without a move.
		await new Promise((r) => setTimeout(r, 500));
		assert.equal(await level(dbUrl, id), 0);
	} finally {
		await first.stop({ keep: true });
	}

	// Three hours later (the server restarted with its clock moved).
	let late = await serve(dbUrl, 3 * H);
	try {
		await until(async () => (await escalations(dbUrl, id)).length === 1, 'the first escalation');
		assert.equal(await level(dbUrl, id), 1);
		assert.match((await escalations(dbUrl, id))[0], /街道/);
		const told = await sqlRows(dbUrl, `SELECT title FROM inbox WHERE account_id = ${staffId} AND kind = 'escalated' AND ref_id = ${id}`);
		assert.equal(told.length, 1);
		assert.match(told[0][0], /帮忙取药/);
		// The history shows it to the requester too, and the API marks it.
		const resident = await login(late.url, DEMO.resident, DEMO_PASSWORD);
		const seen = await api(late.url, { path: `/api/v1/requests/${id}`, session: resident });
		assert.equal(seen.json.escalation, 1);
		assert.equal(seen.json.overdue, true);
		const out = await sqlRows(dbUrl, `SELECT COUNT(*) FROM outbox WHERE topic = 'request.escalate' AND object_id = '${id}'`);
		assert.equal(Number(out[0][0]), 1);
		// The order accepted in time: its resolve deadline (24 h) is far.
		assert.equal(await level(dbUrl, mine.json.id), 0);
	} finally {
		await late.stop({ keep: true });
	}
	// A restart at the same time escalates nothing again.
	late = await serve(dbUrl, 3 * H);
	try {
		await new Promise((r) => setTimeout(r, 800));
		assert.equal((await escalations(dbUrl, id)).length, 1);
	} finally {
		await late.stop({ keep: true });
	}

	// Five hours on, two servers run the timer on one database: the
	// district hears of it once.
	const [a, b] = await Promise.all([serve(dbUrl, 5 * H), serve(dbUrl, 5 * H)]);
	try {
		await until(async () => (await escalations(dbUrl, id)).length === 2, 'the second escalation');
		await new Promise((r) => setTimeout(r, 800));
		const notes = await escalations(dbUrl, id);
		assert.equal(notes.length, 2, notes.join(' | '));
		assert.match(notes[1], /区县/);
		assert.equal(await level(dbUrl, id), 2);
		// Never past the district.
		const out = await sqlRows(dbUrl, `SELECT COUNT(*) FROM outbox WHERE topic = 'request.escalate' AND object_id = '${id}'`);
		assert.equal(Number(out[0][0]), 2);
	} finally {
		await Promise.all([a.stop({ keep: true }), b.stop({ keep: true })]);
		await first.stop();
	}
});
