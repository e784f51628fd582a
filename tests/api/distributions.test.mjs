// Distributions (暖新大礼包) on the real server: made from a filter of the
// people ledger with the whole batch taken from the shop's stock, handed
// over by scanning each person's own code, one per person, the leftovers
// back to stock when it closes; and `yizhan verify` finding a stock entry
// altered with the database shell.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { spawnSync } from 'node:child_process';

import { startServer, sqlRows, BIN, ENGINE, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, loadOpenapi } from './lib/schema.mjs';

const STREET = '610303008';
const COMMUNITY = '610303008003';

let srv, manager, staff, rider;
let station, item, site;
const people = [];
const as = (who, opts) => api(srv.url, { ...opts, session: who });
const num = async (sql) => Number((await sqlRows(srv.dbUrl, sql))[0][0]);
const hand = (who, id, code) => as(who, { method: 'POST', path: `/api/v1/distributions/${id}/handover`, body: { code } });

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	[manager, staff, rider] = await Promise.all([login(srv.url, DEMO.manager, DEMO_PASSWORD), login(srv.url, DEMO.staff, DEMO_PASSWORD), login(srv.url, DEMO.worker, DEMO_PASSWORD)]);
	station = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
	const made = await as(manager, { method: 'POST', path: `/api/v1/stations/${station}/shop/items`, body: { name: '暖新大礼包', price_points: 100 } });
	item = made.json.id;
	await as(manager, { method: 'POST', path: `/api/v1/shop/items/${item}/stock`, body: { kind: 'received', qty: 10 } });
	// Three new riders of one delivery hub, entered by staff (no accounts).
	site = (await as(staff, { method: 'POST', path: '/api/v1/work_sites', body: { name: '发放测试站点', address: '龙腾路 8 号', region_code: COMMUNITY } })).json.id;
	for (const name of ['骑手甲', '骑手乙', '骑手丙']) {
		const p = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name, phone: uniquePhone('159'), categories: ['rider'], region_code: COMMUNITY, work_site_id: site } });
		assert.equal(p.status, 201, p.text);
		people.push(p.json);
	}
});
after(() => srv?.stop());

test('a distribution to a hub\'s riders: the batch reserved, each handed over once by their code, leftovers back on close', async () => {
	const body = { title: '暖新大礼包', station_id: station, item_id: item, qty_each: 2, filter: { region: STREET, category: 'rider', work_site_id: site } };
	// The station's manager does not read the ledger: staff make it.
	await assertProblem(srv.url, await as(manager, { method: 'POST', path: '/api/v1/distributions', body }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: '/api/v1/distributions', body: { ...body, qty_each: 4 } }), 409, 'stock-short');
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: '/api/v1/distributions', body: { ...body, filter: { region: '61' } } }), 422, 'validation', { fields: ['filter.region'] });
	const made = await as(staff, { method: 'POST', path: '/api/v1/distributions', body });
	await assertJson(srv.url, made, 201, 'Distribution');
	const id = made.json.id;
	assert.deepEqual([made.json.people, made.json.handed, made.json.due, made.json.state], [3, 0, 3, 'open']);
	assert.equal(await num(`SELECT stock FROM shop_items WHERE id = ${item}`), 4);
	assert.equal(await num(`SELECT COUNT(*) FROM stock_moves WHERE item_id = ${item} AND kind = 'handed_out' AND qty = -6 AND ref_id = ${id}`), 1);

	// Their codes, printed by staff for people without an account.
	const codes = [];
	for (const p of people) {
		const c = await as(staff, { method: 'POST', path: `/api/v1/people/${p.id}/code`, body: {} });
		await assertJson(srv.url, c, 200, 'PersonCode');
		codes.push(c.json.code);
	}
	assert.equal((await as(staff, { method: 'POST', path: `/api/v1/people/${people[0].id}/code`, body: {} })).json.code, codes[0], 'one code per person');

	// The manager scans them at the station.
	const first = await hand(manager, id, codes[0]);
	await assertJson(srv.url, first, 200, 'Distribution');
	assert.equal(first.json.handed, 1);
	assert.equal(first.json.person.name, '骑手甲');
	const again = await hand(manager, id, codes[0]);
	await assertProblem(srv.url, again, 409, 'already-handed');
	assert.match(again.json.detail, /每人一份/);
	await assertProblem(srv.url, await hand(manager, id, 'yzp_nothing'), 404, 'code-unknown');
	// Someone not on the list: a rider with an account shows their own code.
	const mine = await as(rider, { method: 'POST', path: '/api/v1/me/code', body: {} });
	await assertJson(srv.url, mine, 200, 'PersonCode');
	assert.ok(mine.json.qr_svg.startsWith('<'));
	await assertProblem(srv.url, await hand(manager, id, mine.json.code), 409, 'not-listed');
	// Scanned twice at once: one hand-over.
	const both = await Promise.all([hand(manager, id, codes[1]), hand(manager, id, codes[1])]);
	assert.deepEqual(both.map((r) => r.status).sort(), [200, 409]);

	const progress = await as(manager, { path: `/api/v1/distributions/${id}` });
	assert.deepEqual([progress.json.handed, progress.json.due], [2, 1]);
	const list = await as(manager, { path: `/api/v1/distributions/${id}/people?state=due` });
	await assertJson(srv.url, list, 200, 'DistributionPeople');
	assert.deepEqual(list.json.items.map((p) => p.name), ['骑手丙']);
	const station_list = await as(manager, { path: `/api/v1/stations/${station}/distributions` });
	await assertJson(srv.url, station_list, 200, 'DistributionList');

	const closed = await as(manager, { method: 'POST', path: `/api/v1/distributions/${id}/close`, body: {} });
	assert.deepEqual([closed.json.state, closed.json.returned], ['closed', 2]);
	assert.equal(await num(`SELECT stock FROM shop_items WHERE id = ${item}`), 6);
	await assertProblem(srv.url, await hand(manager, id, codes[2]), 409, 'closed');
	await assertProblem(srv.url, await as(manager, { method: 'POST', path: `/api/v1/distributions/${id}/close`, body: {} }), 409, 'closed');
	assert.equal(await num(`SELECT COALESCE(SUM(qty), 0) FROM stock_moves WHERE item_id = ${item}`), 6);
	assert.equal(await num(`SELECT COUNT(*) FROM audit_log WHERE action = 'distribution.handed_over' AND object_id = '${id}'`), 2);
});

test('stock moves are append-only in the database; yizhan verify reports one altered, and the last one removed, with the triggers out of the way', async () => {
	const verify = () => spawnSync(BIN, ['verify', '--db', srv.dbUrl], { encoding: 'utf8' });
	const clean = verify();
	assert.equal(clean.status, 0, clean.stdout + clean.stderr);
	const [id, seq] = (await sqlRows(srv.dbUrl, `SELECT id, seq FROM stock_moves WHERE item_id = ${item} AND kind = 'received'`))[0];
	// The database itself refuses a change or a removal.
	await assert.rejects(sqlRows(srv.dbUrl, `UPDATE stock_moves SET qty = 100 WHERE id = ${id}`), /append-only/);
	await assert.rejects(sqlRows(srv.dbUrl, `DELETE FROM stock_moves WHERE id = ${id}`), /append-only/);
	// Someone with the shell who drops the triggers is still found out.
	if (ENGINE === 'sqlite') await sqlRows(srv.dbUrl, 'DROP TRIGGER stock_moves_no_update; DROP TRIGGER stock_moves_no_delete');
	else await sqlRows(srv.dbUrl, 'DROP TRIGGER stock_moves_frozen ON stock_moves');
	await sqlRows(srv.dbUrl, `UPDATE stock_moves SET qty = 100 WHERE id = ${id}`);
	const changed = verify();
	assert.equal(changed.status, 1);
	assert.match(changed.stdout, new RegExp(`stock chain ${item}: entry ${id} \\(seq ${seq}\\) changed since it was written`));
	await sqlRows(srv.dbUrl, `UPDATE stock_moves SET qty = 10 WHERE id = ${id}`);
	assert.equal(verify().status, 0, 'put back as it was: clean again');
	const last = await num(`SELECT MAX(seq) FROM stock_moves WHERE item_id = ${item}`);
	await sqlRows(srv.dbUrl, `DELETE FROM stock_moves WHERE item_id = ${item} AND seq = ${last}`);
	const removed = verify();
	assert.equal(removed.status, 1);
	assert.match(removed.stdout, new RegExp(`stock chain ${item}: entries seq ${last}-${last} removed`));
});
