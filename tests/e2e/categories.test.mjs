// The request catalog as the city's admin keeps it: from "my stations" to the
// categories page, new deadlines for 维修帮办 (a bad value is named by its
// field, as the server said), a new wish category, and retiring it; the
// filing page then no longer offers it. Street staff see the same catalog
// with no button to change it. On a phone and a desktop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO } from '../api/lib/server.mjs';
import { api } from '../api/lib/client.mjs';
import { launch, openPage, PHONE, DESKTOP, signIn } from './lib/browser.mjs';
import { looksRight } from './lib/shots.mjs';

let browser, srv;
before(async () => {
	browser = await launch();
	srv = await startServer({ args: ['--tiles', 'none'] });
});
after(async () => {
	await browser?.close();
	srv?.stop();
});

const catalog = async () => (await api(srv.url, { path: '/api/v1/requests/categories' })).json;
const categoryOf = (cat, kind, code) => cat.kinds.find((k) => k.code === kind).categories.find((c) => c.code === code);

test('the city admin changes deadlines, adds a category and retires it; the filing page follows', async (t) => {
	for (const [viewport, size, hours] of [
		[PHONE, 'phone', 3],
		[DESKTOP, 'desktop', 5],
	]) {
		const { page, ctx, problems } = await openPage(browser, srv.url, { viewport });
		t.after(() => ctx.close());
		await signIn(page, DEMO.admin, '/manage.html');
		await page.click('#categories-link');
		await page.waitForSelector('#categories[data-state="ready"]');
		const repair = page.locator('.cat-kind[data-kind="order"] .cat-row[data-code="repair"]');
		assert.match(await repair.textContent(), /维修帮办.*接单 \d+ 小时 · 办结 48 小时/);
		await looksRight(page, `categories-${size}`, `the catalog (${size})`);

		// A time to accept of 0 hours: the server's reason, by the field.
		await repair.locator('[data-action="edit"]').click();
		const form = page.locator('.cat-form');
		await form.locator('[data-field="respond_hours"]').fill('0');
		await form.locator('button[type="submit"]').click();
		const err = form.locator('.field-error[data-error-for="respond_hours"]');
		await err.waitFor();
		assert.match(await err.textContent(), /接单时限应为 1–720 小时/);
		assert.equal(await form.locator('[data-field="respond_hours"]').getAttribute('aria-invalid'), 'true');
		await looksRight(page, `categories-error-${size}`, `a refused change (${size})`);
		await form.locator('[data-field="respond_hours"]').fill(String(hours));
		await form.locator('button[type="submit"]').click();
		await page.locator('#categories-status:has-text("已保存")').waitFor();
		assert.match(await repair.textContent(), new RegExp(`接单 ${hours} 小时`));
		assert.equal(categoryOf(await catalog(), 'order', 'repair').respond_hours, hours);

		// A new wish category.
		const code = `books_${size}`;
		await page.locator('.cat-kind[data-kind="wish"] [data-action="add"]').click();
		await form.locator('[data-field="code"]').fill(code);
		await form.locator('[data-field="name"]').fill(`课外书${size === 'phone' ? '一' : '二'}`);
		await form.locator('[data-field="respond_hours"]').fill('24');
		await form.locator('[data-field="resolve_hours"]').fill('240');
		await form.locator('button[type="submit"]').click();
		await page.locator('#categories-status:has-text("已添加")').waitFor();
		const added = page.locator(`.cat-kind[data-kind="wish"] .cat-row[data-code="${code}"]`);
		assert.match(await added.textContent(), /接单 24 小时 · 办结 240 小时/);

		// Retired: struck through, marked, and still listed.
		await added.locator('[data-action="edit"]').click();
		await form.locator('input[name="retired"]').check();
		await form.locator('button[type="submit"]').click();
		await page.locator('#categories-status:has-text("已保存")').waitFor();
		await page.locator(`.cat-row.cat-retired[data-code="${code}"]:has-text("已停用")`).waitFor();
		assert.equal(categoryOf(await catalog(), 'wish', code).retired, true);
		await looksRight(page, `categories-retired-${size}`, `a retired category (${size})`);
		assert.deepEqual(problems, []);
	}

	// The filing page offers the other wish categories, not the retired ones.
	const { page, ctx } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await signIn(page, DEMO.resident, '/new.html?kind=wish');
	await page.waitForSelector('#new-categories .chip');
	const offered = await page.$$eval('#new-categories .chip', (bs) => bs.map((b) => b.dataset.code));
	assert.ok(offered.includes('daily'), offered.join());
	assert.ok(!offered.includes('books_phone') && !offered.includes('books_desktop'), offered.join());
});

test('street staff see the catalog and may not change it', async (t) => {
	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await signIn(page, DEMO.staff, '/manage.html');
	await page.click('#categories-link');
	await page.waitForSelector('#categories[data-state="ready"]');
	assert.match(await page.locator('#categories .st-head').textContent(), /只有市级管理员可以修改/);
	assert.equal(await page.locator('[data-action="edit"], [data-action="add"]').count(), 0);
	assert.ok((await page.locator('.cat-row').count()) > 10);
	assert.deepEqual(problems, []);
});
