// The love supermarket in the browser: a rider with points opens the
// station's shop on the phone, redeems an item and sees the pick-up code
// and its QR; the station's manager, on the counter page, types the code
// and the hand-over is confirmed; typing it again is refused with the rule
// named. The manager's stock and distribution pages, and my code on the
// profile, fit a phone and a desktop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sqlRows, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { api, login } from '../api/lib/client.mjs';
import { launch, openPage, DESKTOP, signIn } from './lib/browser.mjs';
import { looksRight } from './lib/shots.mjs';

const PHONE = { width: 390, height: 844 };
let browser, srv, station, item, rider;

before(async () => {
	browser = await launch();
	srv = await startServer({ args: ['--tiles', 'none'] });
	const manager = await login(srv.url, DEMO.manager, DEMO_PASSWORD);
	station = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
	const made = await api(srv.url, { method: 'POST', path: `/api/v1/stations/${station}/shop/items`, session: manager, body: { name: '保温杯', description: '不锈钢 500 毫升', price_points: 40, monthly_limit: 1 } });
	assert.equal(made.status, 201, made.text);
	item = made.json.id;
	await api(srv.url, { method: 'POST', path: `/api/v1/shop/items/${item}/stock`, session: manager, body: { kind: 'received', qty: 6 } });
	rider = await login(srv.url, DEMO.worker, DEMO_PASSWORD);
	const id = rider.account.id;
	await sqlRows(srv.dbUrl, `INSERT INTO points_entries (account_id, amount, reason, ref_kind, ref_id, note, created_s, seq, mac)
		SELECT ${id}, 100, 'correction', 'e2e', 1, '测试发放', 0, COALESCE((SELECT last_seq FROM points_balances WHERE account_id = ${id}), 0) + 1, 'test'`);
});
after(async () => {
	await browser?.close();
	srv?.stop();
});

test('a rider redeems an item and sees the code; the manager confirms the hand-over by typing it, once', async (t) => {
	const phone = await openPage(browser, srv.url, { viewport: PHONE });
	const desk = await openPage(browser, srv.url, { viewport: DESKTOP });
	t.after(() => Promise.all([phone.ctx.close(), desk.ctx.close()]));

	await signIn(phone.page, DEMO.worker, `/shop.html?station=${station}`);
	await phone.page.waitForSelector('#shop[data-state="ready"]');
	const card = phone.page.locator(`.shop-item[data-id="${item}"]`);
	assert.match(await card.textContent(), /保温杯.*40 积分.*库存 6.*每人每月限 1 件/s);
	await looksRight(phone.page, 'shop-phone', 'the shop on a phone');
	await card.locator('.shop-redeem').click();
	await phone.page.waitForSelector('#shop-code-box:not([hidden]) #shop-code');
	const code = (await phone.page.textContent('#shop-code')).trim();
	assert.match(code, /^[0-9]{8}$/);
	assert.ok(await phone.page.isVisible('#shop-code-box img.shop-qr'), 'the code as a QR');
	await phone.page.waitForFunction(() => document.querySelector('#shop-mine .shop-red[data-state="reserved"]'));
	assert.match(await card.textContent(), /库存 5/);
	await looksRight(phone.page, 'shop-code-phone', 'the pick-up code on a phone');
	// The month's limit, in the words of the rule.
	await card.locator('.shop-redeem').click();
	await phone.page.waitForSelector('.flash-error');
	assert.match(await phone.page.textContent('.flash-error'), /每人每月限 1 件/);

	// The manager at the counter types it.
	await signIn(desk.page, DEMO.manager, `/shop-admin.html?station=${station}`);
	await desk.page.waitForSelector('#shop-admin[data-state="ready"]');
	assert.equal(await desk.page.getAttribute('#tab-handover', 'aria-selected'), 'true');
	assert.match(await desk.page.textContent('#handover-waiting'), /保温杯 × 1/);
	await looksRight(desk.page, 'shop-admin-desktop', 'the counter on a desktop');
	await desk.page.fill('#handover-input', code);
	await desk.page.click('#handover-submit');
	await desk.page.waitForSelector('.flash-ok');
	assert.match(await desk.page.textContent('.flash-ok'), /已交付.*保温杯 × 1/);
	await desk.page.fill('#handover-input', code);
	await desk.page.click('#handover-submit');
	await desk.page.waitForSelector('.flash-error');
	assert.match(await desk.page.textContent('.flash-error'), /取货码已使用/);
	assert.equal((await sqlRows(srv.dbUrl, `SELECT state FROM redemptions WHERE item_id = ${item}`))[0][0], 'handed_over');

	// The rider sees it collected.
	await phone.page.reload();
	await phone.page.waitForSelector('#shop[data-state="ready"]');
	await phone.page.waitForSelector('#shop-mine .shop-red[data-state="handed_over"]');
	assert.match(await phone.page.textContent('#shop-mine'), /已领取/);

	// The stock and distribution tabs, and the counter on a phone.
	await desk.page.click('#tab-stock');
	await desk.page.waitForSelector(`#stock-items .shop-item[data-id="${item}"]`);
	await desk.page.locator(`#stock-items .shop-item[data-id="${item}"] button:has-text("台账")`).click();
	await desk.page.waitForSelector(`#stock-items .shop-item[data-id="${item}"] .shop-moves:not([hidden]) .shop-move`);
	assert.match(await desk.page.textContent(`#stock-items .shop-item[data-id="${item}"] .shop-moves`), /兑换.*-1.*入库.*\+6/s);
	await looksRight(desk.page, 'shop-stock-desktop', 'the stock on a desktop');
	await desk.page.click('#tab-distributions');
	await desk.page.waitForSelector('#dist-new');
	await looksRight(desk.page, 'shop-distributions-desktop', 'the distributions on a desktop');
	const counter = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => counter.ctx.close());
	await signIn(counter.page, DEMO.manager, `/shop-admin.html?station=${station}`);
	await counter.page.waitForSelector('#shop-admin[data-state="ready"]');
	await looksRight(counter.page, 'shop-admin-phone', 'the counter on a phone');
	await counter.page.click('#tab-stock');
	await counter.page.waitForSelector('#stock-items');
	await looksRight(counter.page, 'shop-stock-phone', 'the stock on a phone');

	// My code on my profile.
	await phone.page.goto('/me.html');
	await phone.page.waitForSelector('#me[data-state]');
	if (await phone.page.isVisible('#me-code-show')) {
		await phone.page.click('#me-code-show');
		await phone.page.waitForSelector('#me-code-box img.shop-qr');
		await looksRight(phone.page, 'me-code-phone', 'my code on a phone');
	}
});
