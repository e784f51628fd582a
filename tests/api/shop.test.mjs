// The love supermarket on the real server: items and their stock ledger,
// redeeming for points with a pick-up code, the hand-over by the station's
// manager (once), every refusal named and nothing half-written (beyond the
// balance, the stock, the monthly limit; a code used twice; another
// station's manager), 64 redemptions at once against a balance that covers
// 10, and the refund of what was not collected within 14 days.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, sqlRows, addUser, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, loadOpenapi } from './lib/schema.mjs';

let srv, manager, staff, otherManager, rider;
let station, otherStation;
const as = (who, opts) => api(srv.url, { ...opts, session: who });
const one = async (sql) => (await sqlRows(srv.dbUrl, sql))[0]?.[0];
const num = async (sql) => Number(await one(sql));
let grants = 0;

/** Gives account id points the way a correction would (one chained entry's place). */
async function grant(id, amount) {
	await sqlRows(
		srv.dbUrl,
		`INSERT INTO points_entries (account_id, amount, reason, ref_kind, ref_id, note, created_s, seq, mac)
		 SELECT ${id}, ${amount}, 'correction', 'shop-test', ${++grants}, '测试发放', 0,
		 COALESCE((SELECT last_seq FROM points_balances WHERE account_id = ${id}), 0) + 1, 'test'`,
	);
}
const balance = (id) => num(`SELECT COALESCE((SELECT balance FROM points_balances WHERE account_id = ${id}), 0)`);

async function newAccount(role, name) {
	const phone = uniquePhone('178');
	await addUser(srv.dbUrl, { phone, name, role, password: 'Shop#2026x' });
	return login(srv.url, phone, 'Shop#2026x');
}

async function newItem(body) {
	const r = await as(manager, { method: 'POST', path: `/api/v1/stations/${station}/shop/items`, body: { name: '矿泉水', price_points: 10, ...body } });
	assert.equal(r.status, 201, r.text);
	return r.json;
}
const receive = (who, item, qty, note) => as(who, { method: 'POST', path: `/api/v1/shop/items/${item}/stock`, body: { kind: 'received', qty, note } });
const redeem = (who, item, qty = 1) => as(who, { method: 'POST', path: `/api/v1/shop/items/${item}/redeem`, body: { qty } });
const handover = (who, st, code) => as(who, { method: 'POST', path: `/api/v1/stations/${st}/shop/handover`, body: { code } });

/** The item's invariants: stock = the sum of its moves = the last move's stock_after. */
async function assertLedger(item) {
	const stock = await num(`SELECT stock FROM shop_items WHERE id = ${item}`);
	const sum = await num(`SELECT COALESCE(SUM(qty), 0) FROM stock_moves WHERE item_id = ${item}`);
	const seq = await num(`SELECT seq FROM shop_items WHERE id = ${item}`);
	const moves = await num(`SELECT COUNT(*) FROM stock_moves WHERE item_id = ${item}`);
	assert.equal(sum, stock, 'stock = the sum of the ledger');
	assert.equal(moves, seq, 'one move per number, none missing');
	return stock;
}

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	[manager, staff] = await Promise.all([login(srv.url, DEMO.manager, DEMO_PASSWORD), login(srv.url, DEMO.staff, DEMO_PASSWORD)]);
	station = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
	otherStation = Number(await one(`SELECT id FROM stations WHERE id <> ${station} AND region_code LIKE '610302%' ORDER BY id LIMIT 1`));
	otherManager = await newAccount(`manager@station:${otherStation}`, '别站站长');
	rider = await newAccount('worker@610303008003', '骑手小张');
});
after(() => srv?.stop());

test('a manager puts an item on the shelf and receives stock; the ledger and the stock agree', async () => {
	const made = await as(manager, { method: 'POST', path: `/api/v1/stations/${station}/shop/items`, body: { name: '充电宝租用券', description: '驿站充电宝一次', price_points: 30, monthly_limit: 2 } });
	await assertJson(srv.url, made, 201, 'ShopItem');
	assert.equal(made.json.stock, 0);
	assert.equal(made.headers.get('location'), `/api/v1/shop/items/${made.json.id}`);
	const got = await receive(manager, made.json.id, 12, '街道配送');
	await assertJson(srv.url, got, 200, 'ShopItem');
	assert.equal(got.json.stock, 12);
	// Anyone sees it on the shelf, and whether they may manage it.
	const shelf = await api(srv.url, { path: `/api/v1/stations/${station}/shop/items` });
	await assertJson(srv.url, shelf, 200, 'ShopItemList');
	assert.ok(shelf.json.items.some((i) => i.id === made.json.id && i.stock === 12));
	assert.equal(shelf.json.may_manage, false);
	assert.equal((await as(manager, { path: `/api/v1/stations/${station}/shop/items` })).json.may_manage, true);
	// Bad input, named.
	await assertProblem(srv.url, await as(manager, { method: 'POST', path: `/api/v1/stations/${station}/shop/items`, body: { name: '', price_points: 0 } }), 422, 'validation', { fields: ['name', 'price_points'] });
	await assertProblem(srv.url, await receive(manager, made.json.id, 0), 422, 'validation', { fields: ['qty'] });
	// Another station's manager and a rider may not.
	await assertProblem(srv.url, await receive(otherManager, made.json.id, 5), 403, 'forbidden');
	await assertProblem(srv.url, await receive(rider, made.json.id, 5), 403, 'forbidden');
	assert.equal(await assertLedger(made.json.id), 12);
});

test('a write-off needs a note; it is a move of the ledger with its reason', async () => {
	const it = await newItem({ name: '雨衣' });
	await receive(manager, it.id, 5);
	const bare = await as(manager, { method: 'POST', path: `/api/v1/shop/items/${it.id}/stock`, body: { kind: 'written_off', qty: 1 } });
	await assertProblem(srv.url, bare, 422, 'validation', { fields: ['note'] });
	const too_many = await as(manager, { method: 'POST', path: `/api/v1/shop/items/${it.id}/stock`, body: { kind: 'written_off', qty: 9, note: '破损' } });
	await assertProblem(srv.url, too_many, 409, 'stock-short');
	assert.match(too_many.json.detail, /还剩 5 件/);
	const ok = await as(manager, { method: 'POST', path: `/api/v1/shop/items/${it.id}/stock`, body: { kind: 'written_off', qty: 2, note: '淋雨破损' } });
	assert.equal(ok.json.stock, 3);
	const moves = await as(manager, { path: `/api/v1/shop/items/${it.id}/moves` });
	await assertJson(srv.url, moves, 200, 'StockMovePage');
	assert.deepEqual(moves.json.items.map((m) => [m.kind, m.qty, m.stock_after, m.note]), [
		['written_off', -2, 3, '淋雨破损'],
		['received', 5, 5, null],
	]);
	assert.equal(await assertLedger(it.id), 3);
	await assertProblem(srv.url, await as(rider, { path: `/api/v1/shop/items/${it.id}/moves` }), 403, 'forbidden');
});

test('a redemption takes stock and points at once and gives a code; the manager hands it over once', async () => {
	const it = await newItem({ name: '毛巾', price_points: 25 });
	await receive(manager, it.id, 3);
	await grant(rider.account.id, 60);
	const r = await redeem(rider, it.id);
	await assertJson(srv.url, r, 201, 'Redemption');
	assert.match(r.json.code, /^[0-9]{8}$/);
	assert.ok(r.json.qr_svg.startsWith('<'));
	assert.equal(r.json.state, 'reserved');
	assert.equal(await balance(rider.account.id), 35);
	assert.equal(await assertLedger(it.id), 2);
	// The code is the redeemer's alone: stored only as a keyed hash.
	assert.equal(await num(`SELECT COUNT(*) FROM redemptions WHERE code_hash = '${r.json.code}' OR code_nonce = '${r.json.code}'`), 0);
	const mine = await as(rider, { path: '/api/v1/me/redemptions' });
	await assertJson(srv.url, mine, 200, 'RedemptionPage');
	assert.equal(mine.json.items.find((x) => x.id === r.json.id).code, r.json.code);
	const theirs = await as(manager, { path: `/api/v1/stations/${station}/shop/redemptions?state=reserved` });
	await assertJson(srv.url, theirs, 200, 'RedemptionPage');
	assert.ok(theirs.json.items.some((x) => x.id === r.json.id && x.code === undefined));

	// Another station's manager cannot take it, nor learn it exists.
	await assertProblem(srv.url, await handover(otherManager, station, r.json.code), 403, 'forbidden');
	await assertProblem(srv.url, await handover(otherManager, otherStation, r.json.code), 404, 'code-unknown');
	await assertProblem(srv.url, await handover(manager, station, '1234'), 422, 'validation', { fields: ['code'] });
	const given = await handover(manager, station, `${r.json.code.slice(0, 4)} ${r.json.code.slice(4)}`);
	await assertJson(srv.url, given, 200, 'Redemption');
	assert.equal(given.json.state, 'handed_over');
	assert.equal(given.json.account.id, rider.account.id);
	const twice = await handover(manager, station, r.json.code);
	await assertProblem(srv.url, twice, 409, 'code-used');
	assert.match(twice.json.detail, /取货码已使用/);
	assert.equal(await num(`SELECT COUNT(*) FROM audit_log WHERE action = 'shop.handed_over' AND object_id = '${r.json.id}'`), 1);
	assert.equal(await num(`SELECT COUNT(*) FROM inbox WHERE account_id = ${rider.account.id} AND kind = 'shop' AND ref_id = ${r.json.id}`), 1);
	// Handed over: no code to show any more.
	assert.equal((await as(rider, { path: '/api/v1/me/redemptions' })).json.items.find((x) => x.id === r.json.id).code, undefined);
});

test('beyond the balance, the stock or the monthly limit: 409 naming the rule, nothing written', async () => {
	const it = await newItem({ name: '洗衣液', price_points: 20, monthly_limit: 2 });
	await receive(manager, it.id, 3);
	const buyer = await newAccount('worker@610303008003', '快递员老王');
	const counts = async () => [await balance(buyer.account.id), await num(`SELECT stock FROM shop_items WHERE id = ${it.id}`), await num(`SELECT COUNT(*) FROM redemptions WHERE item_id = ${it.id}`), await num(`SELECT COUNT(*) FROM stock_moves WHERE item_id = ${it.id}`), await num(`SELECT COUNT(*) FROM audit_log WHERE action = 'shop.redeemed'`)];

	await grant(buyer.account.id, 30);
	let before = await counts();
	const poor = await redeem(buyer, it.id, 2);
	await assertProblem(srv.url, poor, 409, 'insufficient-points');
	assert.match(poor.json.detail, /积分不足/);
	assert.deepEqual(await counts(), before);

	await grant(buyer.account.id, 100);
	before = await counts();
	const short = await redeem(buyer, it.id, 4);
	await assertProblem(srv.url, short, 409, 'stock-short');
	assert.match(short.json.detail, /库存不足/);
	assert.deepEqual(await counts(), before);

	assert.equal((await redeem(buyer, it.id, 2)).status, 201);
	before = await counts();
	const limit = await redeem(buyer, it.id, 1);
	await assertProblem(srv.url, limit, 409, 'monthly-limit');
	assert.equal(limit.json.detail, '本月已兑换 2 件，每人每月限 2 件');
	assert.deepEqual(await counts(), before);
	assert.equal(await balance(buyer.account.id), 90);
	await assertLedger(it.id);

	// Taken off the shelf: nobody redeems it.
	await as(manager, { method: 'PATCH', path: `/api/v1/shop/items/${it.id}`, body: { active: false } });
	await assertProblem(srv.url, await redeem(buyer, it.id), 409, 'item-inactive');
	await assertProblem(srv.url, await api(srv.url, { path: `/api/v1/shop/items/${it.id}` }), 404, 'not-found');
});

test('64 redemptions at once against a balance that covers 10: exactly 10 succeed, the balance is 0, never below', async () => {
	const it = await newItem({ name: '矿泉水（箱）', price_points: 7 });
	await receive(manager, it.id, 100);
	const buyer = await newAccount('worker@610303008003', '并发骑手');
	await grant(buyer.account.id, 70);
	const answers = await Promise.all(Array.from({ length: 64 }, () => redeem(buyer, it.id)));
	const by = (s) => answers.filter((a) => a.status === s).length;
	assert.equal(by(201), 10, answers.map((a) => a.status).join(','));
	assert.equal(by(409), 54);
	for (const a of answers.filter((x) => x.status === 409)) assert.equal(a.json.type.replace(/^.*\//, ''), 'insufficient-points');
	assert.equal(await balance(buyer.account.id), 0);
	assert.equal(await num(`SELECT MIN(balance) FROM points_balances`) >= 0, true);
	assert.equal(await assertLedger(it.id), 90);
	assert.equal(await num(`SELECT COUNT(*) FROM redemptions WHERE item_id = ${it.id}`), 10);
	assert.equal(await num(`SELECT -SUM(amount) FROM points_entries WHERE account_id = ${buyer.account.id} AND reason = 'redemption'`), 70);
	const codes = new Set(answers.filter((a) => a.status === 201).map((a) => a.json.code));
	assert.equal(codes.size, 10);
});

test('not collected within 14 days: points and stock come back once, and the redeemer is told', async () => {
	const it = await newItem({ name: '防暑药包', price_points: 15 });
	await receive(manager, it.id, 4);
	const buyer = await newAccount('worker@610303008003', '逾期骑手');
	await grant(buyer.account.id, 15);
	const r = await redeem(buyer, it.id);
	assert.equal(r.status, 201);
	assert.equal(await balance(buyer.account.id), 0);
	// Fifteen days later, with the job every 50 ms: twice over a restart.
	const dbUrl = srv.dbUrl;
	await srv.stop({ keep: true });
	const later = ['--shop-refund-ms', '50', '--clock-offset', String(15 * 86400)];
	srv = await startServer({ dbUrl, seed: false, args: later });
	const until = Date.now() + 10000;
	while ((await one(`SELECT state FROM redemptions WHERE id = ${r.json.id}`)) !== 'refunded' && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
	assert.equal(await one(`SELECT state FROM redemptions WHERE id = ${r.json.id}`), 'refunded');
	await srv.restart();
	await new Promise((res) => setTimeout(res, 300));
	assert.equal(await balance(buyer.account.id), 15);
	assert.equal(await num(`SELECT COUNT(*) FROM points_entries WHERE account_id = ${buyer.account.id} AND reason = 'refund'`), 1);
	assert.equal(await assertLedger(it.id), 4);
	assert.equal(await num(`SELECT COUNT(*) FROM stock_moves WHERE item_id = ${it.id} AND kind = 'returned'`), 1);
	assert.equal(await num(`SELECT COUNT(*) FROM inbox WHERE account_id = ${buyer.account.id} AND kind = 'shop' AND ref_id = ${r.json.id}`), 1);
	// Its code no longer hands anything over.
	const m = await login(srv.url, DEMO.manager, DEMO_PASSWORD);
	const code = r.json.code;
	await assertProblem(srv.url, await api(srv.url, { method: 'POST', path: `/api/v1/stations/${station}/shop/handover`, body: { code }, session: m }), 409, 'code-refunded');
});
