// Points: awards by rule from the outbox, once however often an event is
// delivered; the monthly cap; per hour with the night bonus; corrections as
// new entries with a reason; a balance the database itself keeps from going
// negative; expiry at the end of the next year (with the clock moved); who
// sees which statements and summaries; `yizhan verify` finding an entry
// altered or removed with the database's own shell, and /metrics showing the
// last verification. Runs on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, addUser, sqlRows, yizhan, BIN, DEMO, DEMO_PASSWORD, ENGINE } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { loadOpenapi, assertJson, assertProblem } from './lib/schema.mjs';
import { spawn } from 'node:child_process';

const COMMUNITY = '610303008003'; // 龙腾路社区, in 卧龙寺街道 610303008
const OTHER_STREET = '610302004';

let srv;
let admin, staff, manager, resident, otherStaff;
let station;
const as = (who, opts) => api(srv.url, { ...opts, session: who });
const step = (who, id, body) => as(who, { method: 'POST', path: `/api/v1/requests/${id}/steps`, body });
const file = (who, body) => as(who, { method: 'POST', path: '/api/v1/requests', body });
const one = async (s, sql) => (await sqlRows(s.dbUrl, sql))[0]?.[0];

async function newAccount(s, role, name) {
	const phone = uniquePhone('176');
	await addUser(s.dbUrl, { phone, name, role, password: 'Points#2026' });
	return login(s.url, phone, 'Points#2026');
}

/** Waits until fn() is truthy (the consumer runs every 100 ms here). */
async function until(fn, what) {
	for (let i = 0; i < 100; i++) {
		const v = await fn();
		if (v) return v;
		await new Promise((r) => setTimeout(r, 50));
	}
	assert.fail(`timed out waiting for ${what}`);
}

const entries = (s, account) => sqlRows(s.dbUrl, `SELECT amount, reason, ref_kind, ref_id, rule FROM points_entries WHERE account_id = ${account} ORDER BY seq`);

/** Runs yizhan verify: { code, out }. */
function verify(dbUrl) {
	return new Promise((res, rej) => {
		const p = spawn(BIN, ['verify', '--db', dbUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		p.stdout.on('data', (d) => (out += d));
		p.stderr.on('data', (d) => (out += d));
		p.on('error', rej);
		p.on('close', (code) => res({ code, out }));
	});
}

before(async () => {
	srv = await startServer({ args: ['--points-award-ms', '100'] });
	await loadOpenapi(srv.url);
	[admin, staff, manager, resident] = await Promise.all([
		login(srv.url, DEMO.admin, DEMO_PASSWORD),
		login(srv.url, DEMO.staff, DEMO_PASSWORD),
		login(srv.url, DEMO.manager, DEMO_PASSWORD),
		login(srv.url, DEMO.resident, DEMO_PASSWORD),
	]);
	otherStaff = await newAccount(srv, `staff@${OTHER_STREET}`, '别的街道');
	station = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
});
after(() => srv?.stop());

test('a wish fulfilled earns its points once, even when the event is delivered again', async () => {
	const helper = await newAccount(srv, `volunteer@${COMMUNITY}`, '圆梦人');
	const wish = await file(resident, { kind: 'wish', category: 'daily', title: '想要一把雨伞', station_id: station });
	assert.equal(wish.status, 201, wish.text);
	const id = wish.json.id;
	assert.equal((await step(helper, id, { action: 'accept' })).status, 200);
	assert.equal((await step(helper, id, { action: 'resolve', note: '已送到' })).status, 200);
	await until(async () => (await entries(srv, helper.account.id)).length === 1, 'the award');
	assert.deepEqual(await entries(srv, helper.account.id), [['5', 'service', 'request', String(id), 'wish']]);

	// The same event again, and the consumer made to read everything again.
	const now = Math.floor(Date.now() / 1000);
	await sqlRows(srv.dbUrl, `INSERT INTO outbox (topic, object_id, created_s) VALUES ('request.resolve', '${id}', ${now})`);
	const last = await one(srv, 'SELECT MAX(id) FROM outbox');
	await sqlRows(srv.dbUrl, 'UPDATE points_cursor SET scanned_id = 0, hole_since_s = 0');
	await until(async () => Number(await one(srv, 'SELECT scanned_id FROM points_cursor')) >= Number(last), 'the rescan');
	assert.equal((await entries(srv, helper.account.id)).length, 1, 'still one award');

	const mine = await as(helper, { path: '/api/v1/me/points' });
	await assertJson(srv.url, mine, 200, 'PointsStatement');
	assert.equal(mine.json.balance, 5);
	assert.equal(mine.json.items[0].reason_label, '服务完成');
	assert.deepEqual(mine.json.items[0].ref, { kind: 'request', id });
	assert.equal(mine.json.items[0].granted_by, null);
	// Told through the inbox, once.
	assert.equal(await one(srv, `SELECT COUNT(*) FROM inbox WHERE account_id = ${helper.account.id} AND kind = 'points'`), '1');
});

test('reports confirmed earn up to the monthly cap; the rules are changed only city-wide', async () => {
	const rules = await api(srv.url, { path: '/api/v1/points/rules' });
	await assertJson(srv.url, rules, 200, 'PointsRuleList');
	assert.ok(rules.json.items.some((r) => r.code === 'report' && r.beneficiary === 'requester'));
	await assertProblem(srv.url, await as(staff, { method: 'PATCH', path: '/api/v1/points/rules/report', body: { monthly_cap: 3 } }), 403, 'forbidden');
	await assertProblem(srv.url, await as(admin, { method: 'PATCH', path: '/api/v1/points/rules/report', body: { monthly_cap: -1 } }), 422, 'validation', { fields: ['monthly_cap'] });
	const changed = await as(admin, { method: 'PATCH', path: '/api/v1/points/rules/report', body: { monthly_cap: 3 } });
	await assertJson(srv.url, changed, 200, 'PointsRule');
	assert.equal(changed.json.monthly_cap, 3);

	const reporter = await newAccount(srv, `resident@${COMMUNITY}`, '随手拍的人');
	const fixer = await newAccount(srv, `volunteer@${COMMUNITY}`, '处理人');
	for (const [title, lat] of [['路灯坏了', 34.3631], ['井盖松动', 34.3651]]) {
		const r = await file(reporter, { kind: 'report', category: 'road', title, location: { lat, lng: 107.1388 }, region_code: COMMUNITY });
		assert.equal(r.status, 201, r.text);
		assert.equal((await step(staff, r.json.id, { action: 'dispatch', assignee_id: fixer.account.id })).status, 200);
		assert.equal((await step(fixer, r.json.id, { action: 'accept' })).status, 200);
		assert.equal((await step(fixer, r.json.id, { action: 'resolve', note: '修好了' })).status, 200);
	}
	await until(async () => (await entries(srv, reporter.account.id)).length === 2, 'two awards');
	assert.deepEqual((await entries(srv, reporter.account.id)).map((e) => [e[0], e[1]]), [['2', 'report'], ['1', 'report']]);
	assert.equal((await entries(srv, fixer.account.id)).length, 0, 'the report rule rewards the reporter');
	await as(admin, { method: 'PATCH', path: '/api/v1/points/rules/report', body: { monthly_cap: 20 } });
});

test('an order earns per hour of service, with the night bonus for the share after 22:00', async () => {
	const worker = await newAccount(srv, `volunteer@${COMMUNITY}`, '夜班师傅');
	const o = await file(resident, { kind: 'order', category: 'repair', title: '修水管', station_id: station });
	assert.equal(o.status, 201, o.text);
	const id = o.json.id;
	await step(staff, id, { action: 'dispatch', assignee_id: worker.account.id });
	await step(worker, id, { action: 'accept' });
	// Service began three hours ago.
	const began = Math.floor(Date.now() / 1000) - 3 * 3600;
	await sqlRows(srv.dbUrl, `UPDATE requests SET accepted_s = ${began} WHERE id = ${id}`);
	await step(worker, id, { action: 'resolve', note: '换了阀门' });
	const done = Number(await one(srv, `SELECT resolved_s FROM requests WHERE id = ${id}`));
	await until(async () => (await entries(srv, worker.account.id)).length === 1, 'the award');
	// The rule: 1 point an hour, +50 % at night and +50 % on holidays (weekends, the table).
	const holidays = new Set((await sqlRows(srv.dbUrl, 'SELECT day FROM points_holidays')).map((r) => r[0]));
	let weighted = 0;
	for (let t = began; t < done; t += 60) {
		const local = new Date((t + 8 * 3600) * 1000);
		const h = local.getUTCHours();
		const wd = local.getUTCDay();
		weighted += 100 + (h >= 22 || h < 6 ? 50 : 0) + (wd === 0 || wd === 6 || holidays.has(local.toISOString().slice(0, 10)) ? 50 : 0);
	}
	const want = Math.max(1, Math.floor((weighted + 3000) / 6000));
	assert.deepEqual((await entries(srv, worker.account.id))[0], [String(want), 'service', 'request', String(id), 'order']);
	assert.ok(want >= 3 && want <= 7);
});

test('a category gets a rule of its own, which applies instead of its kind’s; refusals name the rule', async () => {
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: '/api/v1/points/rules', body: { kind: 'order', category: 'repair', basis: 'fixed', amount: 9 } }), 403, 'forbidden');
	await assertProblem(srv.url, await as(admin, { method: 'POST', path: '/api/v1/points/rules', body: { kind: 'order', category: 'nothing', amount: 9 } }), 422, 'validation', { fields: ['category'] });
	await assertProblem(srv.url, await as(admin, { method: 'POST', path: '/api/v1/points/rules', body: { kind: 'meal', category: 'repair' } }), 422, 'validation', { fields: ['kind'] });
	await assertProblem(srv.url, await as(admin, { method: 'POST', path: '/api/v1/points/rules', body: { kind: 'order', category: 'repair', basis: 'daily' } }), 422, 'validation', { fields: ['basis'] });
	const made = await as(admin, { method: 'POST', path: '/api/v1/points/rules', body: { kind: 'order', category: 'repair', basis: 'fixed', amount: 9 } });
	await assertJson(srv.url, made, 201, 'PointsRule');
	assert.deepEqual([made.json.code, made.json.reason, made.json.beneficiary, made.json.basis, made.json.amount], ['order.repair', 'service', 'assignee', 'fixed', 9]);
	await assertProblem(srv.url, await as(admin, { method: 'POST', path: '/api/v1/points/rules', body: { kind: 'order', category: 'repair' } }), 409, 'rule-exists');
	await assertProblem(srv.url, await as(admin, { method: 'DELETE', path: '/api/v1/points/rules/order' }), 409, 'rule-kept');

	// An order of that category earns the category's 9, not per hour.
	const worker = await newAccount(srv, `volunteer@${COMMUNITY}`, '修理师傅');
	const o = await file(resident, { kind: 'order', category: 'repair', title: '修门锁', station_id: station });
	assert.equal(o.status, 201, o.text);
	await step(staff, o.json.id, { action: 'dispatch', assignee_id: worker.account.id });
	await step(worker, o.json.id, { action: 'accept' });
	await step(worker, o.json.id, { action: 'resolve', note: '换了锁芯' });
	await until(async () => (await entries(srv, worker.account.id)).length === 1, 'the award');
	assert.deepEqual((await entries(srv, worker.account.id))[0], ['9', 'service', 'request', String(o.json.id), 'order.repair']);

	const gone = await as(admin, { method: 'DELETE', path: '/api/v1/points/rules/order.repair' });
	assert.equal(gone.status, 204, gone.text);
	const rules = await api(srv.url, { path: '/api/v1/points/rules' });
	assert.ok(!rules.json.items.some((r) => r.code === 'order.repair'));
	assert.equal(await one(srv, "SELECT COUNT(*) FROM audit_log WHERE action IN ('points.rule.create', 'points.rule.delete') AND object_id = 'order.repair'"), '2');
});

test('corrections are new entries with a reason, by staff of the person\'s region', async () => {
	const person = await newAccount(srv, `volunteer@${COMMUNITY}`, '更正对象');
	// The person belongs to the community: a ledger entry linked to the account.
	await sqlRows(srv.dbUrl, `INSERT INTO persons (name, region_code, account_id, created_s, updated_s) VALUES ('更正对象', '${COMMUNITY}', ${person.account.id}, 1, 1)`);
	const path = '/api/v1/points/corrections';
	const before = Number(await one(srv, 'SELECT COUNT(*) FROM points_entries'));
	await assertProblem(srv.url, await as(staff, { method: 'POST', path, body: { account_id: person.account.id, amount: 5 } }), 422, 'validation', { fields: ['note'] });
	await assertProblem(srv.url, await as(staff, { method: 'POST', path, body: { account_id: person.account.id, amount: 5, note: '   ' } }), 422, 'validation', { fields: ['note'] });
	await assertProblem(srv.url, await as(otherStaff, { method: 'POST', path, body: { account_id: person.account.id, amount: 5, note: '补录' } }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { method: 'POST', path, body: { account_id: person.account.id, amount: -5, note: '扣多了' } }), 409, 'insufficient-points');
	assert.equal(Number(await one(srv, 'SELECT COUNT(*) FROM points_entries')), before, 'nothing half-written');

	const added = await as(staff, { method: 'POST', path, body: { account_id: person.account.id, amount: 8, note: '补录 5 月志愿服务' } });
	await assertJson(srv.url, added, 201, 'PointsPosted');
	assert.equal(added.json.balance, 8);
	const reversed = await as(staff, { method: 'POST', path, body: { entry_id: added.json.entry_id, note: '录错了人' } });
	await assertJson(srv.url, reversed, 201, 'PointsPosted');
	assert.equal(reversed.json.balance, 0);
	await assertProblem(srv.url, await as(staff, { method: 'POST', path, body: { entry_id: added.json.entry_id, note: '再冲一次' } }), 409, 'already-corrected');
	const rows = await sqlRows(srv.dbUrl, `SELECT amount, reason, note, granted_by FROM points_entries WHERE account_id = ${person.account.id} ORDER BY seq`);
	assert.deepEqual(rows, [['8', 'correction', '补录 5 月志愿服务', String(staff.account.id)], ['-8', 'correction', '录错了人', String(staff.account.id)]]);
	assert.equal(await one(srv, `SELECT COUNT(*) FROM audit_log WHERE action = 'points.correct'`), '2');
});

test('the database itself refuses a negative balance and an edited entry', async () => {
	const holder = await newAccount(srv, `volunteer@${COMMUNITY}`, '余额');
	await as(admin, { method: 'POST', path: '/api/v1/points/corrections', body: { account_id: holder.account.id, amount: 4, note: '开户' } });
	await assert.rejects(sqlRows(srv.dbUrl, `UPDATE points_balances SET balance = -1 WHERE account_id = ${holder.account.id}`));
	await assert.rejects(
		sqlRows(srv.dbUrl, `INSERT INTO points_entries (account_id, amount, reason, ref_kind, ref_id, created_s, seq, mac) VALUES (${holder.account.id}, -10, 'redemption', 'shell', 1, 1, 2, 'x')`),
	);
	await assert.rejects(sqlRows(srv.dbUrl, `UPDATE points_entries SET amount = 400 WHERE account_id = ${holder.account.id}`));
	assert.equal(await one(srv, `SELECT balance FROM points_balances WHERE account_id = ${holder.account.id}`), '4');
});

test('statements and summaries: mine, my street\'s, not another street\'s; the public monthly figures name no one', async () => {
	const mine = await as(resident, { path: '/api/v1/me/points?limit=2' });
	await assertJson(srv.url, mine, 200, 'PointsStatement');
	assert.ok(mine.json.balance > 0, 'the demo resident has points');
	assert.equal(mine.json.items.length, 2);
	const next = await as(resident, { path: `/api/v1/me/points?limit=2&cursor=${mine.json.next_cursor}` });
	assert.ok(next.json.items.every((e) => e.seq < mine.json.items[1].seq));

	const street = '610303008';
	const list = await as(staff, { path: `/api/v1/points/entries?region=${street}` });
	await assertJson(srv.url, list, 200, 'PointsEntryPage');
	assert.ok(list.json.items.length > 0 && list.json.items.every((e) => e.region_code.startsWith(street)));
	await assertProblem(srv.url, await as(otherStaff, { path: `/api/v1/points/entries?region=${street}` }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { path: `/api/v1/points/entries` }), 422, 'validation', { fields: ['region'] });

	const sum = await as(staff, { path: `/api/v1/points/summary?region=${street}` });
	await assertJson(srv.url, sum, 200, 'PointsSummary');
	assert.ok(sum.json.total.issued > 0);
	assert.equal(sum.json.total.issued, sum.json.stations.reduce((a, s) => a + s.issued, 0));
	await assertProblem(srv.url, await as(otherStaff, { path: `/api/v1/points/summary?region=${street}` }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { path: `/api/v1/points/summary?region=${street}&month=2026-13` }), 422, 'validation', { fields: ['month'] });

	const pub = await api(srv.url, { path: '/api/v1/points/monthly' });
	await assertJson(srv.url, pub, 200, 'PointsMonthly');
	assert.ok(pub.json.total.issued > 0);
	assert.ok(!/account|name":"[^"]*(更正|圆梦)/.test(pub.text));
});

test('yizhan verify reports an entry altered and the last entry removed with the database shell; /metrics shows the last run', async () => {
	const s = await startServer({ args: ['--verify-ms', '100', '--points-award-ms', '100'] });
	try {
		const clean = await verify(s.dbUrl);
		assert.equal(clean.code, 0, clean.out);
		assert.match(clean.out, /0 problem/);
		const who = Number(await one(s, "SELECT id FROM accounts WHERE phone = '13800000004'"));
		const [[victim, lastSeq]] = await sqlRows(s.dbUrl, `SELECT MIN(id), MAX(seq) FROM points_entries WHERE account_id = ${who}`);
		// Whoever holds the shell takes the guard off first.
		if (ENGINE === 'sqlite') await sqlRows(s.dbUrl, 'DROP TRIGGER points_entries_no_update');
		else await sqlRows(s.dbUrl, 'DROP TRIGGER points_entries_frozen ON points_entries');
		await sqlRows(s.dbUrl, `UPDATE points_entries SET amount = amount + 100 WHERE id = ${victim}`);
		const changed = await verify(s.dbUrl);
		assert.equal(changed.code, 1, changed.out);
		assert.match(changed.out, new RegExp(`entry ${victim} \\(seq 1\\) changed`));

		if (ENGINE === 'sqlite') await sqlRows(s.dbUrl, 'DROP TRIGGER points_entries_no_delete');
		await sqlRows(s.dbUrl, `DELETE FROM points_entries WHERE account_id = ${who} AND seq = ${lastSeq}`);
		const removed = await verify(s.dbUrl);
		assert.equal(removed.code, 1, removed.out);
		assert.match(removed.out, new RegExp(`points chain ${who}: entries seq ${lastSeq}-${lastSeq} removed`));

		// The server's own run, every 100 ms here.
		const since = Math.floor(Date.now() / 1000);
		const m = await until(async () => {
			const r = await api(s.url, { path: '/metrics' });
			const ts = Number(/yizhan_ledger_verify_last_run_timestamp_seconds (\d+)/.exec(r.text)?.[1] ?? 0);
			return ts >= since && r.text;
		}, 'a verification in /metrics');
		assert.match(m, /yizhan_ledger_verify_last_run_problems [1-9]/);
		assert.match(m, /yizhan_ledger_verify_last_run_entries [1-9]/);
	} finally {
		await s.stop();
	}
});

test('points earned in a year expire at the end of the next, what is left after spends, once', async () => {
	const s = await startServer({ args: ['--points-award-ms', '100'] });
	let later;
	try {
		const ad = await login(s.url, DEMO.admin, DEMO_PASSWORD);
		const earner = await newAccount(s, `volunteer@${COMMUNITY}`, '过期');
		const post = (amount, note) => api(s.url, { method: 'POST', path: '/api/v1/points/corrections', session: ad, body: { account_id: earner.account.id, amount, note } });
		assert.equal((await post(10, '今年的积分')).status, 201);
		assert.equal((await post(-4, '已用掉')).status, 201);
		await s.stop({ keep: true });
		// Two years on (city time), the expiry job every 100 ms.
		const now = Math.floor(Date.now() / 1000);
		const y = new Date((now + 8 * 3600) * 1000).getUTCFullYear();
		const target = Date.UTC(y + 2, 0, 2) / 1000 - 8 * 3600;
		later = await startServer({ dbUrl: s.dbUrl, seed: false, args: ['--points-expire-ms', '100', '--clock-offset', String(target - now)] });
		await until(async () => (await entries(later, earner.account.id)).length === 3, 'the expiry');
		assert.deepEqual((await entries(later, earner.account.id))[2].slice(0, 4), ['-6', 'expiry', 'year', String(y)]);
		assert.equal(await one(later, `SELECT balance FROM points_balances WHERE account_id = ${earner.account.id}`), '0');
		await later.restart();
		await new Promise((r) => setTimeout(r, 400));
		assert.equal((await entries(later, earner.account.id)).length, 3, 'once');
		assert.ok(Number(await one(later, `SELECT COUNT(*) FROM points_expiry_years WHERE year = ${y}`)) === 1);
	} finally {
		await (later ?? s).stop();
	}
});
