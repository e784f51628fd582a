// The points page: a resident sees their balance large and their statement
// in words, with a link to what caused each entry; staff of a street see
// its monthly summary per station and its entries; everyone sees the public
// monthly figures. On a phone and a desktop, in Chinese, no emoji, nothing
// too wide or too small to tap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { launch, openPage, DESKTOP } from './lib/browser.mjs';
import { emojiOnPage, layoutProblems, shoot } from './lib/shots.mjs';

const PHONE = { width: 390, height: 844 };
let browser, srv;
before(async () => {
	browser = await launch();
	srv = await startServer({ args: ['--tiles', 'none'] });
});
after(async () => {
	await srv?.stop();
	await browser?.close();
});

async function signIn(page, phone) {
	await page.goto('/login.html?next=%2Fpoints.html');
	await page.fill('form.signin input[name="phone"]', phone);
	await page.fill('form.signin input[name="password"]', DEMO_PASSWORD);
	await page.click('form.signin button[type="submit"]');
	await page.waitForURL(/points\.html/);
	await page.waitForSelector('#points[data-state="ready"]');
}

test('a resident reads their balance and statement; staff the street\'s summary; all the public figures', async (t) => {
	for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
		const { page, ctx, problems } = await openPage(browser, srv.url, { viewport });
		t.after(() => ctx.close());
		await signIn(page, DEMO.resident);
		const balance = Number(await page.textContent('#points-balance'));
		assert.ok(balance > 0, 'the demo resident has points');
		const first = page.locator('#points-mine-list li').first();
		assert.match(await first.textContent(), /人工更正|参加活动|随手拍确认/);
		assert.ok((await page.locator('#points-mine-list a[href^="/request.html?id="]').count()) > 0, 'a request links to its page');
		assert.ok((await page.locator('#points-public tbody tr').count()) > 0);
		assert.equal(await page.isVisible('#points-staff'), false);
		assert.deepEqual(await layoutProblems(page), [], `points ${size}`);
		assert.deepEqual(await emojiOnPage(page), []);
		await shoot(page, `points-${size}`, { full: size === 'phone' });
		assert.deepEqual(problems, []);
	}
	const { page, ctx } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await signIn(page, DEMO.staff);
	await page.waitForSelector('#points-summary tbody tr');
	assert.match(await page.textContent('#points-staff h2'), /610303008/);
	assert.ok((await page.locator('#points-region-list li').count()) > 0);
	assert.deepEqual(await layoutProblems(page), [], 'staff points');
	await page.locator('#points-staff').scrollIntoViewIfNeeded();
	await shoot(page, 'points-staff-phone');
});
