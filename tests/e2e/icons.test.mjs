// Amenities are drawn, not emoji: this machine has only a CJK font
// (fonts-wqy-microhei), so an emoji would show as an empty box. Every
// amenity, on the finder's chips and cards, the station page and the edit
// page, is a drawn icon from the sprite with its name beside it or, past the
// first few on a card, in the "+N" label for screen readers and long-press.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { api } from '../api/lib/client.mjs';
import { launch, openPage, PHONE, DESKTOP } from './lib/browser.mjs';
import { RIDER, buildCity } from './lib/city.mjs';
import { emojiOnPage, iconsDrawn, shoot } from './lib/shots.mjs';

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

test('amenities are drawn icons with their words on the finder, the station page and the edit page', async (t) => {
	const srv = await startServer({ args: ['--tiles', 'none'] });
	t.after(() => srv.stop());
	const city = await buildCity(srv.url);
	const catalog = (await api(srv.url, { path: '/api/v1/amenities' })).json.amenities;
	const nameOf = Object.fromEntries(catalog.map((a) => [a.code, a.name_zh]));

	for (const [viewport, size] of [
		[PHONE, 'phone'],
		[DESKTOP, 'desktop'],
	]) {
		const { page, ctx, problems } = await openPage(browser, srv.url, { viewport });
		t.after(() => ctx.close());
		await page.goto(`/?lat=${RIDER.lat}&lng=${RIDER.lng}&amenity=microwave`);
		await page.waitForSelector('#results[data-state="ready"]');
		await page.waitForSelector('#chips .chip');
		assert.deepEqual(await emojiOnPage(page), [], `finder ${size}: no emoji`);
		assert.deepEqual(await iconsDrawn(page), [], `finder ${size}: every icon drawn`);

		// The filter chips: an icon and the word.
		for (const chip of await page.$$('#chips .chip[data-code]')) {
			const code = await chip.getAttribute('data-code');
			assert.equal(await chip.$eval('.chip-label', (e) => e.textContent), nameOf[code]);
			assert.equal(await chip.$$eval('svg.icon use', (u) => u.length), 1, `${code}: a drawn icon`);
		}

		// The cards: the first amenities with their words, the microwave asked
		// for first; the rest named in the "+N" label.
		const cards = await page.$$eval('#results > li', (lis) =>
			lis.map((li) => ({
				id: Number(li.dataset.id),
				tags: [...li.querySelectorAll('.amen-tag')].map((e) => ({ code: e.dataset.code, word: e.querySelector('.amen-name').textContent, title: e.title, visible: e.getBoundingClientRect().width > 0, icons: e.querySelectorAll('svg.icon').length })),
				more: li.querySelector('.amen-more')?.getAttribute('aria-label') || '',
			})),
		);
		assert.ok(cards.length > 0);
		for (const c of cards) {
			const s = (await api(srv.url, { path: `/api/v1/stations/${c.id}` })).json;
			assert.equal(c.tags[0].code, 'microwave', 'the amenity asked for comes first');
			for (const tag of c.tags) {
				assert.equal(tag.word, nameOf[tag.code], 'with its word');
				assert.equal(tag.title, nameOf[tag.code]);
				assert.ok(tag.visible && tag.icons === 1);
			}
			const named = [...c.tags.map((x) => x.code), ...s.amenities.filter((a) => !c.tags.some((x) => x.code === a))];
			for (const a of s.amenities) assert.ok(named.includes(a));
			for (const a of s.amenities.filter((a) => !c.tags.some((x) => x.code === a))) assert.match(c.more, new RegExp(nameOf[a]), `${a} named in "+N"`);
		}
		await shoot(page, `icons-finder-${size}`);

		await page.goto(`/station.html?id=${city.ids.expected}`);
		await page.waitForSelector('#station[data-state="ready"]');
		assert.deepEqual(await emojiOnPage(page), [], `station ${size}: no emoji`);
		assert.deepEqual(await iconsDrawn(page), [], `station ${size}: every icon drawn`);
		const items = await page.$$eval('.amen-item', (li) => li.map((e) => ({ code: e.dataset.code, text: e.textContent.trim(), icons: e.querySelectorAll('svg.icon').length })));
		assert.ok(items.length >= 3);
		for (const i of items) assert.deepEqual({ text: i.text, icons: i.icons }, { text: nameOf[i.code], icons: 1 });
		await shoot(page, `icons-station-${size}`, { full: size === 'phone' });
		assert.deepEqual(problems, []);
	}

	// The edit page's amenity checklist.
	const { page, ctx, problems } = await openPage(browser, srv.url);
	t.after(() => ctx.close());
	await page.goto(`/login.html?next=${encodeURIComponent(`/edit.html?id=${city.ids.managed}`)}`);
	await page.fill('input[name="phone"]', DEMO.manager);
	await page.fill('input[name="password"]', DEMO_PASSWORD);
	await page.click('form.signin button[type="submit"]');
	await page.waitForSelector('#edit[data-state="ready"]');
	assert.deepEqual(await emojiOnPage(page), [], 'edit: no emoji');
	assert.deepEqual(await iconsDrawn(page), [], 'edit: every icon drawn');
	const checks = await page.$$eval('[data-field="amenities"] .check', (ls) => ls.map((l) => ({ text: l.textContent.trim(), icons: l.querySelectorAll('svg.icon').length })));
	assert.equal(checks.length, catalog.length);
	for (const c of checks) assert.equal(c.icons, 1, c.text);
	await page.locator('[data-field="amenities"]').scrollIntoViewIfNeeded();
	await shoot(page, 'icons-edit-phone');
	assert.deepEqual(problems, []);
});
