// The inbox as a resident meets it: signed in, the bar shows a bell; a
// notification written while the page is open shows as an unread count on
// it without a reload (the event stream), and the count follows when the
// message is read, here or in another window. /inbox.html lists the
// messages newest first, unread ones marked; tapping one reads it, and
// "全部已读" reads the rest. The page fits a phone and a desktop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sqlRows, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { api, login } from '../api/lib/client.mjs';
import { launch, openPage, DESKTOP } from './lib/browser.mjs';
import { emojiOnPage, layoutProblems, shoot } from './lib/shots.mjs';

const PHONE = { width: 360, height: 740 };
const lit = (v) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

/**
 * What inbox_notify writes, written as another process would: the entry,
 * and its event addressed to the account with the unread count.
 */
async function notify(srv, account, kind, title, body = null) {
	const now = Math.floor(Date.now() / 1000);
	const id = Number(
		(await sqlRows(srv.dbUrl, `INSERT INTO inbox (account_id, kind, ref_noun, ref_id, title, body, created_s) VALUES (${account}, ${lit(kind)}, 'request', 7, ${lit(title)}, ${lit(body)}, ${now}) RETURNING id`))[0][0],
	);
	const unread = Number((await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM inbox WHERE account_id = ${account} AND read_s IS NULL`))[0][0]);
	const data = JSON.stringify({ id, kind, ref: { noun: 'request', id: 7 }, title, unread });
	await sqlRows(srv.dbUrl, `INSERT INTO outbox (topic, object_id, created_s, account_id, data) VALUES ('inbox.added', '${id}', ${now}, ${account}, ${lit(data)})`);
	return id;
}

test('the unread count on the bell follows new messages without a reload; the inbox page reads them one by one and all at once', async (t) => {
	const srv = await startServer({ args: ['--tiles', 'none', '--events-poll-ms', '50'] });
	t.after(() => srv.stop());
	const resident = await login(srv.url, DEMO.resident, DEMO_PASSWORD);
	const me = resident.account.id;
	// The demo requests told the demo resident of their steps: read them.
	assert.equal((await api(srv.url, { method: 'POST', path: '/api/v1/me/inbox/read', session: resident })).status, 200);

	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await page.goto('/login.html?next=%2F');
	await page.fill('form.signin input[name="phone"]', DEMO.resident);
	await page.fill('form.signin input[name="password"]', DEMO_PASSWORD);
	// The stream is open once its answer's head has come: the server has
	// taken the stream in before it sends that.
	const streamOpen = page.waitForResponse((r) => r.url().endsWith('/api/v1/stream'));
	await page.click('form.signin button[type="submit"]');
	await page.waitForURL(/\/$/);
	await page.waitForSelector('#inbox-link');
	assert.equal(await page.isVisible('#inbox-badge'), false, 'nothing unread: no count');
	assert.equal(await page.getAttribute('#inbox-link', 'aria-label'), '消息');
	// The page stays this page: a marker a reload would lose.
	await page.evaluate(() => {
		window.__sameLoad = true;
	});
	assert.equal((await streamOpen).status(), 200);

	await notify(srv, me, 'dispatched', '帮忙修一辆自行车');
	await page.waitForSelector('#inbox-badge:not([hidden])', { timeout: 5000 });
	assert.equal(await page.textContent('#inbox-badge'), '1');
	assert.equal(await page.getAttribute('#inbox-link', 'aria-label'), '消息，1 条未读');
	await notify(srv, me, 'resolved', '你的随手拍已办结', '路灯已经修好，谢谢你。');
	await page.waitForFunction(() => document.querySelector('#inbox-badge')?.textContent === '2');
	assert.equal(await page.evaluate(() => window.__sameLoad), true, 'no reload');
	assert.deepEqual(await layoutProblems(page), [], 'the bar with the bell');
	assert.deepEqual(await emojiOnPage(page), []);
	await shoot(page, 'inbox-bell-phone');

	// The inbox page: newest first, both unread (the demo's read ones after).
	await page.click('#inbox-link');
	await page.waitForSelector('#inbox[data-state="ready"]');
	const items = await page.$$eval('#inbox-list .inbox-item', (ls) => ls.map((l) => ({ title: l.querySelector('.inbox-title').textContent, kind: l.querySelector('.inbox-kind').textContent, unread: l.classList.contains('unread') })));
	assert.deepEqual(items.slice(0, 2), [
		{ title: '你的随手拍已办结', kind: '已办结', unread: true },
		{ title: '帮忙修一辆自行车', kind: '派给你', unread: true },
	]);
	assert.ok(items.slice(2).every((i) => !i.unread));
	assert.equal(await page.textContent('#inbox-count'), '2 条未读');
	assert.deepEqual(await layoutProblems(page), [], 'the inbox');
	assert.deepEqual(await emojiOnPage(page), []);
	await shoot(page, 'inbox-phone', { full: true });

	// A third arrives while the page is open: on top, without a reload.
	await notify(srv, me, 'notice', '本周六驿站开展义诊');
	await page.waitForFunction((n) => document.querySelectorAll('#inbox-list .inbox-item').length === n, items.length + 1);
	assert.equal(await page.textContent('#inbox-list .inbox-item:first-child .inbox-title'), '本周六驿站开展义诊');
	await page.waitForFunction(() => document.querySelector('#inbox-badge')?.textContent === '3');

	// Tapping one reads it.
	await page.click('#inbox-list .inbox-item:first-child .inbox-open');
	await page.waitForSelector('#inbox-list .inbox-item:first-child:not(.unread)');
	await page.waitForFunction(() => document.querySelector('#inbox-badge')?.textContent === '2');
	assert.equal(await page.textContent('#inbox-count'), '2 条未读');

	// Read in another window (the API here): this page follows.
	const second = await page.$eval('#inbox-list .inbox-item:nth-child(2)', (l) => l.dataset.id);
	const r = await api(srv.url, { method: 'POST', path: `/api/v1/me/inbox/${second}/read`, session: resident });
	assert.equal(r.status, 200);
	await page.waitForSelector('#inbox-list .inbox-item:nth-child(2):not(.unread)');
	await page.waitForFunction(() => document.querySelector('#inbox-badge')?.textContent === '1');

	// 全部已读.
	await page.click('#inbox-read-all');
	await page.waitForSelector('#inbox-badge[hidden]', { state: 'attached' });
	assert.equal(await page.$$eval('#inbox-list .inbox-item.unread', (ls) => ls.length), 0);
	assert.equal(await page.textContent('#inbox-count'), '都已读过');
	assert.equal(await page.isDisabled('#inbox-read-all'), true);
	assert.equal((await api(srv.url, { path: '/api/v1/me/inbox/unread', session: resident })).json.unread, 0);

	// The unread filter, now empty.
	await page.click('#inbox-unread');
	await page.waitForSelector('#inbox-empty:not([hidden])');
	assert.equal(await page.textContent('#inbox-empty-text'), '没有未读的消息');
	assert.deepEqual(problems, []);

	// The same page on a desktop, in English.
	const wide = await openPage(browser, srv.url, { viewport: DESKTOP, lang: 'en' });
	t.after(() => wide.ctx.close());
	await wide.ctx.addCookies([{ name: 'yz_session', value: resident.cookie.split('=')[1], url: srv.url }]);
	await wide.page.goto('/inbox.html');
	await wide.page.waitForSelector('#inbox[data-state="ready"]');
	assert.equal(await wide.page.textContent('#inbox-list .inbox-item:first-child .inbox-kind'), 'Notice');
	assert.equal(await wide.page.textContent('#inbox-count'), 'All read');
	assert.deepEqual(await layoutProblems(wide.page), [], 'the inbox on a desktop');
	await shoot(wide.page, 'inbox-desktop-en');
	assert.deepEqual(wide.problems, []);
});

test('signed out, the inbox page asks to sign in', async (t) => {
	const srv = await startServer({ args: ['--tiles', 'none'], seed: false });
	t.after(() => srv.stop());
	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await page.goto('/inbox.html');
	await page.waitForSelector('#inbox[data-state="signed-out"]');
	assert.equal(await page.getAttribute('#inbox-signin', 'href'), '/login.html?next=%2Finbox.html');
	assert.deepEqual(await layoutProblems(page), []);
	assert.deepEqual(problems.filter((p) => !/\/api\/v1\/session/.test(p)), []);
});
