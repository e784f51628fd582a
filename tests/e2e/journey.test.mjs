// The points economy end to end, in the browser, as its people use it: a
// rider signs up on the phone for a training at the station, opens the link
// of the training's QR code there and is marked attended; the points the
// training gives arrive in the rider's statement by themselves (the award
// rule applied from the attendance event); the rider spends them on an item
// of the station's love supermarket and gets a pick-up code; the station's
// staff type the code at the counter and the hand-over is confirmed. Then
// the ledger and the stock agree with what happened, and `yizhan verify`
// finds both chains intact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, DEMO, DEMO_PASSWORD, BIN } from '../api/lib/server.mjs';
import { api, login } from '../api/lib/client.mjs';
import { launch, openPage, DESKTOP, signIn } from './lib/browser.mjs';
import { checkinStation } from './lib/people.mjs';

const PHONE = { width: 390, height: 844 };
const POINTS = 6;

let browser, srv, station, staffApi, riderApi, activity, item;

before(async () => {
	browser = await launch();
	srv = await startServer({ args: ['--tiles', 'none', '--points-award-ms', '100'] });
	station = await checkinStation(srv.url, 'E2E 积分驿站');
	[staffApi, riderApi] = await Promise.all([login(srv.url, DEMO.staff, DEMO_PASSWORD), login(srv.url, DEMO.worker, DEMO_PASSWORD)]);
	const now = Math.floor(Date.now() / 1000);
	const iso = (s) => new Date(s * 1000).toISOString();
	const made = await api(srv.url, {
		method: 'POST',
		path: '/api/v1/activities',
		session: staffApi,
		body: { kind: 'training', title: '新骑手安全培训（积分）', description: '讲交规，发反光背心', station_id: station.id, starts_at: iso(now + 600), ends_at: iso(now + 5400), signup_cutoff_at: iso(now + 300), capacity: 20, points: POINTS },
	});
	assert.equal(made.status, 201, made.text);
	activity = made.json;
	const pub = await api(srv.url, { method: 'POST', path: `/api/v1/activities/${activity.id}/publish`, session: staffApi });
	assert.equal(pub.status, 200, pub.text);
	const shelf = await api(srv.url, { method: 'POST', path: `/api/v1/stations/${station.id}/shop/items`, session: staffApi, body: { name: '反光袖标', description: '夜里骑车更安全', price_points: POINTS, monthly_limit: 1 } });
	assert.equal(shelf.status, 201, shelf.text);
	item = shelf.json.id;
	const stocked = await api(srv.url, { method: 'POST', path: `/api/v1/shop/items/${item}/stock`, session: staffApi, body: { kind: 'received', qty: 3 } });
	assert.ok(stocked.status === 200 || stocked.status === 201, stocked.text);
});
after(async () => {
	await browser?.close();
	srv?.stop();
});

const balance = async () => (await api(srv.url, { path: '/api/v1/me/points', session: riderApi })).json.balance;

test('a rider trains, scans in, sees the points arrive, spends them at the station and the staff hand the item over', async (t) => {
	const rider = await openPage(browser, srv.url, { viewport: PHONE });
	const desk = await openPage(browser, srv.url, { viewport: DESKTOP });
	t.after(() => Promise.all([rider.ctx.close(), desk.ctx.close()]));
	const before = await balance();

	// Sign up for the training on the phone.
	await signIn(rider.page, DEMO.worker, `/activity.html?id=${activity.id}`);
	await rider.page.waitForSelector('#activity[data-state="ready"]');
	await rider.page.click('#act-join');
	await rider.page.waitForFunction(() => document.querySelector('#act-mine')?.textContent === '已报名');

	// At the station: the training's QR code opens its link; the rider confirms.
	const detail = await api(srv.url, { path: `/api/v1/activities/${activity.id}`, session: staffApi });
	const link = new URL(detail.json.attend_url);
	await rider.page.goto(link.pathname + link.search);
	await rider.page.click('#act-attend');
	await rider.page.waitForFunction(() => document.querySelector('#act-mine')?.textContent === '已签到');

	// The points arrive by themselves, and the statement says why.
	await rider.page.goto('/points.html');
	await rider.page.waitForFunction(
		([want]) => [...document.querySelectorAll('.points-entry')].some((r) => r.textContent.includes('参加活动') && r.textContent.includes(want)),
		[`+${POINTS}`],
		{ timeout: 15000 },
	);
	assert.equal(await balance(), before + POINTS);

	// Spend them at the station's love supermarket.
	await rider.page.goto(`/shop.html?station=${station.id}`);
	await rider.page.waitForSelector('#shop[data-state="ready"]');
	const card = rider.page.locator(`.shop-item[data-id="${item}"]`);
	assert.match(await card.textContent(), /反光袖标.*6 积分.*库存 3/s);
	assert.equal(await rider.page.textContent('#shop-balance'), String(before + POINTS), 'the balance beside the goods');
	await card.locator('.shop-redeem').click();
	await rider.page.waitForSelector('#shop-code-box:not([hidden]) #shop-code');
	const code = (await rider.page.textContent('#shop-code')).trim();
	assert.match(code, /^[0-9]{8}$/);
	assert.equal(await balance(), before);
	await rider.page.waitForFunction((want) => document.querySelector('#shop-balance')?.textContent === want, String(before));
	// Each fact of an item set apart, as the stylesheet lays them out.
	const gap = await card.locator('.shop-item-meta').evaluate((el) => getComputedStyle(el).columnGap);
	assert.equal(gap, '12px');

	// The staff at the counter type the code: handed over, once.
	await signIn(desk.page, DEMO.staff, `/shop-admin.html?station=${station.id}`);
	await desk.page.waitForSelector('#shop-admin[data-state="ready"]');
	await desk.page.fill('#handover-input', code);
	await desk.page.click('#handover-submit');
	await desk.page.waitForSelector('.flash-ok');
	assert.match(await desk.page.textContent('.flash-ok'), /已交付.*反光袖标 × 1/);

	// The rider sees it collected.
	await rider.page.reload();
	await rider.page.waitForSelector('#shop-mine .shop-red[data-state="handed_over"]');

	// What the ledgers say: earned once, spent once, stock 3 - 1, chains intact.
	const mine = await api(srv.url, { path: '/api/v1/me/points', session: riderApi });
	const here = mine.json.items.filter((e) => e.station?.id === station.id);
	assert.deepEqual(
		here.map((e) => [e.reason, e.amount, e.ref.kind]).sort(),
		[
			['activity', POINTS, 'signup'],
			['redemption', -POINTS, 'redemption'],
		],
		JSON.stringify(here),
	);
	const stock = await api(srv.url, { path: `/api/v1/shop/items/${item}`, session: staffApi });
	assert.equal(stock.json.stock, 2, stock.text);
	const out = execFileSync(BIN, ['verify', '--db', srv.dbUrl], { encoding: 'utf8' });
	assert.match(out, /checked \d+ entries: 0 problem\(s\)/, out);

	assert.deepEqual(rider.problems, []);
	assert.deepEqual(desk.problems, []);
});
