// Group bots as street staff set them up: from "my stations" to the bots
// page, a new WeCom bot for the street with the address pasted from the
// group's settings; the card shows it masked, never whole; a test message
// reaches the group (a local stand-in for WeCom) and the deliveries say so;
// editing leaves the address alone unless a new one is typed; a manager
// finds the page too. On a phone and a desktop, without emoji.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { launch, openPage, PHONE, DESKTOP } from './lib/browser.mjs';
import { emojiOnPage, iconsDrawn, layoutProblems, shoot } from './lib/shots.mjs';

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

async function passwordSignIn(page, phone) {
	await page.fill('form.signin input[name="phone"]', phone);
	await page.fill('form.signin input[name="password"]', DEMO_PASSWORD);
	await page.click('form.signin button[type="submit"]');
}

async function platform() {
	const got = [];
	const server = http.createServer((req, res) => {
		let text = '';
		req.on('data', (c) => (text += c));
		req.on('end', () => {
			got.push(JSON.parse(text));
			res.writeHead(200, { 'Content-Type': 'application/json' });
			res.end('{"errcode":0,"errmsg":"ok"}');
		});
	});
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	return { base: `http://127.0.0.1:${server.address().port}`, got, close: () => new Promise((r) => server.close(r)) };
}

test('street staff set up a WeCom bot, see its address masked, send a test and see it delivered', async (t) => {
	const srv = await startServer({ args: ['--tiles', 'none', '--bot-poll-ms', '200'] });
	t.after(() => srv.stop());
	const wecom = await platform();
	t.after(() => wecom.close());
	const key = '5c1e0a77-3b9d-4f62-8e1a-90ab12cd34ef';

	for (const [viewport, size] of [
		[PHONE, 'phone'],
		[DESKTOP, 'desktop'],
	]) {
		const { page, ctx, problems } = await openPage(browser, srv.url, { viewport });
		t.after(() => ctx.close());
		await page.goto('/manage.html');
		await passwordSignIn(page, DEMO.staff);
		await page.click('#bots-link');
		await page.waitForSelector('#bots[data-state="ready"]');

		await page.click('#bot-add');
		await page.fill('.bot-form [data-field="name"]', `卧龙寺街道服务群 ${size}`);
		await page.fill('.bot-form [data-field="url"]', `${wecom.base}/cgi-bin/webhook/send?key=${key}`);
		await page.check('.bot-form input[type="radio"][value="region"]');
		await page.selectOption('.bot-form [data-field="region_code"]', '610303008');
		assert.deepEqual(
			await page.$$eval('.bot-form [data-field="topics"] input:checked', (xs) => xs.map((x) => x.value)),
			['request.created', 'request.dispatched', 'request.escalated'],
			'the usual events are chosen to begin with',
		);
		await shoot(page, `bots-form-${size}`, { full: true });
		await page.click('.bot-form button[type="submit"]');
		const card = page.locator('.bot-card', { hasText: `卧龙寺街道服务群 ${size}` });
		await card.waitFor();
		assert.equal(await card.locator('.bot-url').textContent(), `${wecom.base}/cgi-bin/webhook/send?key=****34ef`);
		assert.ok(!(await page.content()).includes(key), 'the key is nowhere on the page');

		const before = wecom.got.length;
		await card.locator('[data-action="test"]').click();
		await card.locator('[role="status"]:has-text("测试消息已排队")').waitFor();
		for (let i = 0; i < 100 && wecom.got.length === before; i++) await new Promise((r) => setTimeout(r, 100));
		assert.equal(wecom.got.length, before + 1);
		assert.match(wecom.got.at(-1).markdown.content, /【测试消息】卧龙寺街道服务群/);
		await card.locator('.bot-delivery[data-state="sent"]').waitFor({ timeout: 10000 });
		assert.match(await card.locator('.bot-delivery').first().textContent(), /已送达.*测试消息/);

		// Editing: the address stays unless typed anew.
		await card.locator('[data-action="edit"]').click();
		const form = page.locator('.bot-form');
		assert.equal(await form.locator('[data-field="url"]').inputValue(), '');
		assert.equal(await form.locator('[data-field="url"]').getAttribute('placeholder'), `${wecom.base}/cgi-bin/webhook/send?key=****34ef`);
		await form.locator('[data-field="name"]').fill(`卧龙寺街道群 ${size}`);
		await form.locator('button[type="submit"]').click();
		const edited = page.locator('.bot-card', { hasText: `卧龙寺街道群 ${size}` });
		await edited.waitFor();
		assert.equal(await edited.locator('.bot-url').textContent(), `${wecom.base}/cgi-bin/webhook/send?key=****34ef`);

		// A refusal names the field.
		await page.click('#bot-add');
		await page.fill('.bot-form [data-field="name"]', '错的地址');
		await page.fill('.bot-form [data-field="url"]', 'http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc');
		await page.click('.bot-form button[type="submit"]');
		await page.waitForSelector('.bot-form .field-error[data-error-for="url"]:not([hidden])');
		assert.match(await page.textContent('.bot-form .field-error[data-error-for="url"]'), /https/);
		await page.click('.bot-form button.btn-quiet');

		assert.deepEqual(await layoutProblems(page), [], `bots page ${size}`);
		assert.deepEqual(await emojiOnPage(page), []);
		assert.deepEqual(await iconsDrawn(page), []);
		await shoot(page, `bots-${size}`, { full: true });
		assert.deepEqual(problems, []);
	}
});

test('a station manager finds the bots page and sets up its station\'s bot', async (t) => {
	const srv = await startServer({ args: ['--tiles', 'none'] });
	t.after(() => srv.stop());
	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await page.goto('/manage.html');
	await passwordSignIn(page, DEMO.manager);
	await page.click('#bots-link');
	await page.waitForSelector('#bots[data-state="ready"]');
	assert.match(await page.textContent('.empty'), /还没有群机器人/);
	await page.click('#bot-add');
	// A manager has no area to choose: its station is the place.
	assert.equal(await page.isDisabled('.bot-form input[type="radio"][value="region"]'), true);
	assert.equal(await page.inputValue('.bot-form [data-field="station_id"]'), '2');
	await page.selectOption('.bot-form [data-field="kind"]', 'dingtalk');
	await page.fill('.bot-form [data-field="name"]', '金心驿钉钉群');
	await page.fill('.bot-form [data-field="url"]', 'http://127.0.0.1:9/robot/send?access_token=00112233445566778899aabbccddeeff');
	await page.fill('.bot-form [data-field="secret"]', 'SEC00112233445566778899aabbccddeeff');
	await page.click('.bot-form button[type="submit"]');
	const card = page.locator('.bot-card', { hasText: '金心驿钉钉群' });
	await card.waitFor();
	assert.match(await card.textContent(), /钉钉/);
	assert.match(await card.textContent(), /加签密钥已设置/);
	assert.ok(!(await page.content()).includes('SEC00112233'), 'the secret is not shown');
	assert.deepEqual(await layoutProblems(page), []);
	await shoot(page, 'bots-manager-phone', { full: true });
	assert.deepEqual(problems, []);
});
