// The pages fit a phone (360×740) and a desktop (1280×800): nothing wider
// than the screen, tap targets at least 44 px, no CSP violations — and
// screenshots of each, for people to look at, in $YZ_SHOTS_DIR (default
// /tmp/shots). One server runs list-only (--tiles none), one with a map whose
// tiles cannot load (as in this sandbox): the page must look right either way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../api/lib/server.mjs';
import { launch, openPage, PHONE, DESKTOP } from './lib/browser.mjs';
import { layoutProblems, shoot } from './lib/shots.mjs';
import { RIDER, buildCity } from './lib/city.mjs';
import { api, login } from '../api/lib/client.mjs';
import { makePng } from '../api/lib/images.mjs';
import { DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

test('finder and station page fit a phone and a desktop, list-only and with a map', async (t) => {
	const plain = await startServer({ args: ['--tiles', 'none'] });
	t.after(() => plain.stop());
	const mapped = await startServer({ args: ['--tiles-url', 'http://127.0.0.1:9/{z}/{x}/{y}.png'] });
	t.after(() => mapped.stop());
	const city = await buildCity(plain.url);
	await buildCity(mapped.url);
	// Two pictures on the station the phone shows, one on the manager's.
	const admin = await login(plain.url, DEMO.admin, DEMO_PASSWORD);
	const photo = (w, h, top, bottom) => makePng(w, h, (x, y) => {
		const k = y / h;
		const c = k < 0.55 ? top : bottom;
		const shade = 1 - 0.25 * Math.abs(x / w - 0.5);
		return [c[0] * shade, c[1] * shade, c[2] * shade, 255].map(Math.round);
	});
	const managerId = Number((await login(plain.url, DEMO.manager, DEMO_PASSWORD)).account.roles.find((r) => r.role === 'manager').scope.split(':')[1]);
	for (const [station, caption, png] of [
		[city.ids.expected, '门口', photo(800, 600, [200, 16, 46], [235, 230, 220])],
		[city.ids.expected, '休息区', photo(600, 800, [240, 200, 120], [120, 90, 60])],
		[managerId, '服务台', photo(800, 600, [90, 140, 200], [220, 220, 215])],
	]) {
		const res = await api(plain.url, { method: 'POST', path: `/api/v1/stations/${station}/photos?caption=${encodeURIComponent(caption)}`, body: png, session: admin, headers: { 'Content-Type': 'image/png' } });
		assert.equal(res.status, 201, res.text);
	}
	const where = `/?lat=${RIDER.lat}&lng=${RIDER.lng}&amenity=microwave`;

	for (const [srv, kind] of [
		[plain, 'list'],
		[mapped, 'map'],
	]) {
		for (const [viewport, size] of [
			[PHONE, 'phone'],
			[DESKTOP, 'desktop'],
		]) {
			const { page, ctx, problems } = await openPage(browser, srv.url, { viewport });
			await page.goto(where);
			await page.waitForSelector('#results[data-state="ready"]');
			// The tiles never load here: the map folds away and comes back on request.
			if (kind === 'map') {
				await page.waitForSelector('#map-folded:not([hidden])');
				assert.equal(await page.isVisible('#map'), false, 'map: folded while its tiles fail');
				await page.click('#map-toggle');
				await page.waitForSelector('.leaflet-marker-icon.pin');
			}
			assert.equal(await page.isVisible('#map'), kind === 'map', `${kind}: map shown only with tiles`);
			assert.deepEqual(await layoutProblems(page), [], `finder ${kind} ${size}`);
			await shoot(page, `finder-${kind}-${size}`);

			await page.goto(`/station.html?id=${city.ids.expected}`);
			await page.waitForSelector('#station[data-state="ready"]');
			assert.deepEqual(await layoutProblems(page), [], `station ${size}`);
			if (kind === 'list') await shoot(page, `station-${size}`, { full: size === 'phone' });
			assert.deepEqual(problems, [], `${kind} ${size}: no page errors`);
			await ctx.close();
		}
	}

	// A closed station, the search box, English, the sign-in and edit pages on a phone.
	const { page, ctx, problems } = await openPage(browser, plain.url);
	t.after(() => ctx.close());
	await page.goto(`/station.html?id=${city.ids.closedNear}`);
	await page.waitForSelector('#station[data-state="ready"]');
	assert.match(await page.textContent('.st-status'), /暂停开放[\s\S]*E2E 设备检修/);
	await shoot(page, 'station-closed-phone');

	await page.goto(where);
	await page.waitForSelector('#results[data-state="ready"]');
	await page.fill('#search', '龙腾');
	await page.waitForSelector('#search-results:not([hidden]) li');
	assert.deepEqual(await layoutProblems(page), [], 'search');
	await shoot(page, 'finder-search-phone');

	await page.goto('/login.html');
	await page.waitForSelector('form.signin');
	assert.deepEqual(await layoutProblems(page), [], 'sign-in');
	await shoot(page, 'signin-phone');

	const manager = await login(plain.url, DEMO.manager, DEMO_PASSWORD);
	const id = Number(manager.account.roles.find((r) => r.role === 'manager').scope.split(':')[1]);
	await page.fill('input[name="phone"]', DEMO.manager);
	await page.fill('input[name="password"]', DEMO_PASSWORD);
	await page.click('form.signin button[type="submit"]');
	await page.waitForURL(/manage\.html/);
	await page.waitForSelector('#manage-list li');
	await shoot(page, 'manage-phone');
	await page.goto(`/edit.html?id=${id}`);
	await page.waitForSelector('#edit[data-state="ready"]');
	assert.deepEqual(await layoutProblems(page), [], 'edit');
	await shoot(page, 'edit-phone');
	await page.locator('.day-row[data-day="1"]').scrollIntoViewIfNeeded();
	await shoot(page, 'edit-hours-phone');
	await page.locator('#photos-edit').scrollIntoViewIfNeeded();
	await page.waitForFunction(() => [...document.querySelectorAll('#photo-list img')].every((i) => i.complete && i.naturalWidth > 0));
	await shoot(page, 'edit-photos-phone');

	await page.evaluate(() => localStorage.setItem('yz.lang', 'en'));
	await page.goto(where);
	await page.waitForSelector('#results[data-state="ready"]');
	assert.deepEqual(await layoutProblems(page), [], 'finder in English');
	await shoot(page, 'finder-en-phone');
	assert.deepEqual(problems, []);
});
