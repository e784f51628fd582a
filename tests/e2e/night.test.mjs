// At night the finder leads with an open door. A rider at 00:00 used to get
// ten cards, all 休息中 or 暂停开放, and saw the nearest open station only
// after tapping 现在开放. Now, when the nearest station is not open, the page
// says so and lists the nearest open stations first, however far (20 km),
// then the others near by.
//
// The clock is not the test's to set: the stations near the rider get hours
// that start three hours from now, so "nothing near is open" holds at any
// time of day, and every expectation is the API's own answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { api, login } from '../api/lib/client.mjs';
import { launch, openPage, DESKTOP } from './lib/browser.mjs';
import { finderExpects, nearby, offset, shutNowHours } from './lib/city.mjs';
import { emojiOnPage, layoutProblems, shoot } from './lib/shots.mjs';

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

const ids = (page, list) => page.$$eval(`${list} > li`, (lis) => lis.map((li) => Number(li.dataset.id)));

/** A server whose stations within 1.5 km of a quiet place are all shut now; returns { srv, here, ours }. */
async function nightCity(t) {
	const srv = await startServer({ args: ['--tiles', 'none'] });
	t.after(() => srv.stop());
	const admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
	// A quiet place: a community outside every walking circle of the demo city.
	const cov = (await api(srv.url, { path: '/api/v1/coverage?region=6103' })).json;
	const gap = cov.items.find((i) => !i.covered && i.location);
	assert.ok(gap, 'the demo city has a gap');
	const here = gap.location;
	const { hours } = shutNowHours();
	const patch = async (id, body) => {
		const r = await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${id}`, body, session: admin });
		assert.equal(r.status, 200, r.text);
	};
	for (const s of (await nearby(srv.url, { ...here, radius: 1500, limit: 50 })).items) await patch(s.id, { hours });
	const create = async (name, at, amenities, h) => {
		const body = { name, level: 'community', region_code: gap.code, address: `${gap.name} ${name}`, location: offset(here, ...at), amenities, hours: h, phone: '0917-7654321' };
		const r = await api(srv.url, { method: 'POST', path: '/api/v1/stations', body, session: admin });
		assert.equal(r.status, 201, r.text);
		return r.json.id;
	};
	const ours = {
		shutByHours: await create('E2E 夜甲（休息中）', [300, 0], ['microwave', 'water'], hours),
		closed: await create('E2E 夜乙（暂停）', [0, 500], ['microwave', 'charger'], { always_open: true }),
		open: await create('E2E 夜丙（24 小时）', [-1800, 0], ['microwave', 'water', 'charger'], { always_open: true }),
	};
	const closed = await api(srv.url, { method: 'POST', path: `/api/v1/stations/${ours.closed}/close`, body: { reason: 'E2E 夜间检修' }, session: admin });
	assert.equal(closed.status, 200, closed.text);
	const near = await nearby(srv.url, { ...here, radius: 1500, limit: 50 });
	assert.ok(near.items.length >= 2 && near.items.every((s) => !s.open_now || s.closed), 'nothing within 1.5 km is open now');
	return { srv, here, ours };
}

test('when nothing near is open, the finder says so and shows the nearest open stations first', async (t) => {
	const { srv, here, ours } = await nightCity(t);
	for (const [viewport, size] of [
		[undefined, 'phone'],
		[DESKTOP, 'desktop'],
	]) {
		const { page, ctx, problems } = await openPage(browser, srv.url, viewport ? { viewport } : {});
		t.after(() => ctx.close());
		await page.goto(`/?lat=${here.lat}&lng=${here.lng}`);
		await page.waitForSelector('#results[data-state="ready"]');

		const want = await finderExpects(srv.url, here);
		assert.ok(want.open.length >= 1 && want.open.includes(ours.open), 'the API knows open stations further away');
		assert.ok(want.openItems[0].distance_m > 1500);
		assert.match(await page.textContent('#results-note'), /附近 1\.5 公里内没有现在开着的驿站/, 'the page says nothing near is open');
		assert.equal(await page.isVisible('#results-note'), true);
		assert.deepEqual(await ids(page, '#results-open'), want.open, 'the nearest open stations, nearest first');
		assert.deepEqual(await ids(page, '#results'), want.nearby, 'then the ones near by, as the API orders them');
		assert.ok(want.nearby.includes(ours.shutByHours) && want.nearby.includes(ours.closed));

		// Open first on the screen too, numbered from 1, each with its badge.
		const cards = await page.$$eval('#results-open > li, #results > li', (lis) =>
			lis.map((li) => ({ id: Number(li.dataset.id), num: li.querySelector('.card-num').textContent, badge: li.querySelector('.badge').textContent.trim(), top: li.getBoundingClientRect().top })),
		);
		assert.deepEqual(cards.map((c) => c.num), cards.map((_, i) => String(i + 1)));
		for (const [i, c] of cards.entries()) {
			if (i < want.open.length) assert.equal(c.badge, '营业中');
			else assert.match(c.badge, /^(休息中|暂停开放)$/);
			if (i) assert.ok(c.top > cards[i - 1].top, 'in this order down the page');
		}
		const firstOpen = page.locator('#results-open > li').first();
		const km = (want.openItems[0].distance_m / 1000).toFixed(1);
		assert.match(await firstOpen.locator('.card-dist').textContent(), new RegExp(`^${km} 公里 · 步行 \\d+ 分钟$`));
		assert.equal(await page.textContent('#open-title'), '现在开着的');
		// On a phone the first open station is on the first screen.
		const box = await firstOpen.boundingBox();
		assert.ok(box.y + box.height <= page.viewportSize().height, `the first open station is in view (${Math.round(box.y + box.height)} px)`);
		assert.deepEqual(await layoutProblems(page), []);
		assert.deepEqual(await emojiOnPage(page), []);
		await shoot(page, `night-finder-${size}`);

		// With the microwave asked for: the same, among stations that have one.
		await page.click('#chips [data-code="microwave"]');
		await page.waitForSelector('#results[data-state="ready"][data-query*="amenity=microwave"]');
		const wantMw = await finderExpects(srv.url, { ...here, amenity: 'microwave' });
		assert.deepEqual(await ids(page, '#results-open'), wantMw.open);
		assert.deepEqual(await ids(page, '#results'), wantMw.nearby);

		// "Open now" shows open ones only: none within 1.5 km, so it looks
		// further, and says so.
		await page.click('#open-now');
		await page.waitForSelector('#results[data-state="ready"][data-query*="open_now=true"]');
		assert.equal(await page.isHidden('#open-elsewhere'), true, 'no second list when only open ones are asked for');
		const openOnly = await nearby(srv.url, { ...here, amenity: 'microwave', openNow: true, radius: 5000 });
		assert.deepEqual(await ids(page, '#results'), openOnly.items.map((s) => s.id));
		assert.match(await page.textContent('#results-note'), /1\.5 公里内没有符合条件的驿站，下面是 5 公里内的/);
		assert.deepEqual(problems, []);
	}
});

test('in the day, when the nearest station is open, the list is the plain nearest-first list', async (t) => {
	const { srv, here, ours } = await nightCity(t);
	const admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
	// The station 300 m away opens its doors: it is the nearest and open.
	const r = await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${ours.shutByHours}`, body: { hours: { always_open: true } }, session: admin });
	assert.equal(r.status, 200, r.text);
	const { page, ctx, problems } = await openPage(browser, srv.url);
	t.after(() => ctx.close());
	await page.goto(`/?lat=${here.lat}&lng=${here.lng}`);
	await page.waitForSelector('#results[data-state="ready"]');
	const want = await finderExpects(srv.url, here);
	assert.equal(want.found.items[0].id, ours.shutByHours, 'no demo station stands nearer (the place is a gap)');
	assert.deepEqual(want.open, []);
	assert.equal(await page.isHidden('#open-elsewhere'), true);
	assert.equal(await page.isHidden('#results-note'), true);
	assert.deepEqual(await ids(page, '#results'), want.nearby);
	assert.deepEqual(problems, []);
});
