// The finder and the edit page on a phone (390×844), where the sandbox's map
// tiles never load: the grey map folds away so the list fills the first
// screen, the map comes back on request with zoom buttons a thumb can hit,
// the amenity chips say that they scroll, and the edit page says whether the
// station is open now by its hours and until when.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { api } from '../api/lib/client.mjs';
import { launch, openPage, DESKTOP } from './lib/browser.mjs';
import { RIDER, buildCity, shutNowHours } from './lib/city.mjs';
import { layoutProblems, shoot } from './lib/shots.mjs';

const PHONE = { width: 390, height: 844 };

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

/**
 * Where the result cards lie against the first screen: how many lie wholly on
 * it, where the first one starts, and whether the cards reach its bottom edge
 * (one runs past it, or every card is shown). Which cards come first depends
 * on the hour (the open ones lead at night), so this asks only that the list,
 * not the map, fills the screen.
 */
const firstScreen = (page) =>
	page.$$eval('.station-list > li', (lis) => {
		const boxes = lis.map((li) => li.getBoundingClientRect()).filter((b) => b.height > 0);
		return {
			whole: boxes.filter((b) => b.bottom <= innerHeight).length,
			top: boxes.length ? Math.min(...boxes.map((b) => b.top)) : Infinity,
			reachesBottom: boxes.some((b) => b.bottom > innerHeight) || document.querySelector('#more').hidden,
		};
	});

test('without tiles the map folds away, the list fills a phone’s first screen, and the map returns on request', async (t) => {
	const srv = await startServer({ args: ['--tiles-url', 'http://127.0.0.1:9/{z}/{x}/{y}.png'] });
	t.after(() => srv.stop());
	await buildCity(srv.url);
	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await page.goto(`/?lat=${RIDER.lat}&lng=${RIDER.lng}`);
	await page.waitForSelector('#results[data-state="ready"]');
	await page.waitForSelector('#map-folded:not([hidden])');
	assert.match(await page.textContent('#map-folded'), /地图底图加载不出来/);
	assert.equal(await page.isVisible('#map'), false, 'the grey map is folded away');
	const screen = await firstScreen(page);
	assert.ok(screen.top < PHONE.height / 2, `the first card starts ${screen.top} px down, in the upper half`);
	assert.ok(screen.whole >= 2 && screen.reachesBottom, `the cards fill the first screen: ${JSON.stringify(screen)}`);
	assert.deepEqual(await layoutProblems(page), []);

	// The chip row runs off the right edge, and says so with an arrow.
	const row = await page.$eval('#filters', (f) => ({ scroll: f.scrollWidth, width: f.clientWidth }));
	assert.ok(row.scroll > row.width, 'the chips do not all fit');
	assert.equal(await page.isVisible('#filters-more'), true, 'a hint that the row scrolls');
	const hint = await page.locator('#filters-more').boundingBox();
	assert.ok(Math.abs(hint.x + hint.width - PHONE.width) <= 1 && hint.height >= 44, 'at the right edge, thumb-sized');
	await shoot(page, 'phone-finder-no-tiles');
	await page.click('#filters-more');
	await page.waitForFunction(() => document.querySelector('#filters').scrollLeft > 0);
	await page.$eval('#filters', (f) => f.scrollTo({ left: f.scrollWidth }));
	await page.waitForSelector('#filters-more', { state: 'hidden' });
	await shoot(page, 'phone-finder-chips-end');

	// The map on request: pins, and zoom buttons of 44 px.
	await page.click('#map-toggle');
	await page.waitForSelector('#map .leaflet-marker-icon.pin');
	assert.equal(await page.isVisible('#map'), true);
	assert.equal((await page.textContent('#map-toggle')).trim(), '收起地图');
	for (const b of await page.$$('.leaflet-control-zoom a')) {
		const box = await b.boundingBox();
		assert.ok(box.width >= 44 && box.height >= 44, `zoom button ${box.width}×${box.height}`);
	}
	assert.deepEqual(await layoutProblems(page), []);
	await shoot(page, 'phone-finder-map-shown');
	await page.click('#map-toggle');
	assert.equal(await page.isVisible('#map'), false);

	// A desktop folds it too: one column, the list where the map was.
	const desk = await openPage(browser, srv.url, { viewport: DESKTOP });
	t.after(() => desk.ctx.close());
	await desk.page.goto(`/?lat=${RIDER.lat}&lng=${RIDER.lng}`);
	await desk.page.waitForSelector('#map-folded:not([hidden])');
	assert.equal(await desk.page.evaluate(() => document.body.classList.contains('has-map')), false);
	assert.deepEqual(await layoutProblems(desk.page), []);
	await shoot(desk.page, 'desktop-finder-no-tiles');
	assert.deepEqual(problems, []);
	assert.deepEqual(desk.problems, []);
});

test('the edit page says the station is closed now by its hours, and when it opens', async (t) => {
	const srv = await startServer({ args: ['--tiles', 'none'] });
	t.after(() => srv.stop());
	const city = await buildCity(srv.url);
	const id = city.ids.managed;
	const shut = shutNowHours();
	const patch = async (hours) => {
		const r = await api(srv.url, { method: 'PATCH', path: `/api/v1/stations/${id}`, body: { hours }, session: city.admin });
		assert.equal(r.status, 200, r.text);
		return r.json;
	};
	assert.equal((await patch(shut.hours)).open_now, false);

	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await page.goto(`/login.html?next=${encodeURIComponent(`/edit.html?id=${id}`)}`);
	await page.fill('input[name="phone"]', DEMO.manager);
	await page.fill('input[name="password"]', DEMO_PASSWORD);
	await page.click('form.signin button[type="submit"]');
	await page.waitForSelector('#edit[data-state="ready"]');
	const day = shut.opensTomorrow ? '明天' : '今天';
	assert.equal((await page.textContent('#closure')).includes('正常开放'), false, 'it does not claim to be open');
	assert.equal((await page.textContent('#hours-now')).trim(), `现在：按营业时间休息中（${day} ${shut.opensAt} 开门）`);
	assert.deepEqual(await layoutProblems(page), []);
	await shoot(page, 'phone-edit-shut-by-hours');

	await patch({ always_open: true });
	await page.reload();
	await page.waitForSelector('#edit[data-state="ready"]');
	assert.equal((await page.textContent('#hours-now')).trim(), '现在：24 小时开放');
	assert.deepEqual(problems, []);
});
