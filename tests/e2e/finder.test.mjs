// User journeys in a real browser (Debian chromium via playwright-core)
// against the real binary, each on its own server and fresh database, served
// with `--tiles none` (no map: the page must work as a list).
//
//   (a) a rider, given a place by link, asks for a microwave and "open now",
//       gets the nearest match first — the same station the API names first —
//       opens it and reads its hours and the way there;
//   (b) a station manager (13800000003, who manages one station — station 1
//       in the brief, whatever "station:N" the demo seed grants) signs in,
//       changes Sunday's hours and closes the station for a while; the
//       station page and the finder show it at once, without restarting
//       anything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { api } from '../api/lib/client.mjs';
import { launch, openPage } from './lib/browser.mjs';
import { RIDER, buildCity, finderExpects, nearby } from './lib/city.mjs';
import { makePng } from '../api/lib/images.mjs';

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

/** A server on a fresh database with the demo accounts and the test stations. */
async function cityServer(t) {
	const srv = await startServer({ args: ['--tiles', 'none'] });
	t.after(() => srv.stop());
	const city = await buildCity(srv.url);
	return { srv, city };
}

const ready = (page, extra = '') => page.waitForSelector(`#results[data-state="ready"]${extra}`);
const cardIds = (page, list = '#results') => page.$$eval(`${list} > li`, (lis) => lis.map((li) => Number(li.dataset.id)));

/** The city's (UTC+8) date n days from now: {date: YYYY-MM-DD, m, d}. */
function cityDaysAhead(n) {
	const date = new Date(Date.now() + 8 * 3600000 + n * 86400000).toISOString().slice(0, 10);
	const [, m, d] = date.split('-').map(Number);
	return { date, m, d };
}

/** This week's Sunday in the city's time (UTC+8), as YYYY-MM-DD. */
function sundayThisWeek() {
	const local = Math.floor(Date.now() / 60000) + 480;
	const day = Math.floor(local / 1440);
	const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
	return new Date((day + 7 - weekday) * 86400000).toISOString().slice(0, 10);
}

test('a rider given a place by link picks microwave and open now, gets the API’s nearest match first, and opens its hours', async (t) => {
	const { srv, city } = await cityServer(t);
	const { page, ctx, problems } = await openPage(browser, srv.url);
	t.after(() => ctx.close());

	await page.goto(`/?lat=${RIDER.lat}&lng=${RIDER.lng}`);
	await ready(page);
	assert.equal(await page.isHidden('#map-wrap'), true, 'no tiles: no map, the list is the page');
	// Unfiltered: the API's order; when the nearest is shut (at night), the
	// nearest open ones before it.
	const expect = await finderExpects(srv.url, RIDER);
	assert.deepEqual(await cardIds(page, '#results-open'), expect.open, 'the open ones first when the nearest is shut');
	assert.deepEqual(await cardIds(page), expect.nearby, 'then the API’s order');

	await page.click('#chips [data-code="microwave"]');
	await page.click('#open-now');
	await ready(page, '[data-query*="amenity=microwave"][data-query*="open_now=true"]');
	assert.equal(await page.getAttribute('#open-now', 'aria-checked'), 'true');
	assert.equal(await page.getAttribute('#chips [data-code="microwave"]', 'aria-pressed'), 'true');
	assert.match(page.url(), /amenity=microwave/, 'the address bar links to what is shown');
	assert.match(page.url(), /open_now=1/);

	const want = await nearby(srv.url, { ...RIDER, amenity: 'microwave', openNow: true });
	assert.ok(want.items.length > 0, 'the API has a match');
	const shown = await cardIds(page);
	assert.equal(shown[0], want.items[0].id, 'the first station shown is the API’s first');
	assert.deepEqual(shown, want.items.map((s) => s.id), 'and the rest in the API’s order');
	if (city.demoStations === 0) assert.equal(shown[0], city.ids.expected, 'the nearest open station with a microwave (the closer ones are closed or have none)');
	assert.ok(!shown.includes(city.ids.closedNear), 'a temporarily closed station is not "open now"');
	assert.ok(!shown.includes(city.ids.noMicrowave), 'a station without a microwave is filtered out');

	const first = page.locator('#results > li').first();
	const firstItem = want.items[0];
	assert.equal((await first.locator('.card-name').textContent()).trim(), firstItem.name);
	const dist = await first.locator('.card-dist').textContent();
	const km = firstItem.distance_m >= 1000 ? `${(firstItem.distance_m / 1000).toFixed(1)} 公里` : `${firstItem.distance_m} 米`;
	assert.equal(dist, `${km} · 步行 ${firstItem.walk_minutes} 分钟`);
	assert.equal((await first.locator('.badge').textContent()).trim(), '营业中');

	await first.locator('.card-link').click();
	await page.waitForSelector('#station[data-state="ready"]');
	assert.match(page.url(), new RegExp(`/station\\.html\\?id=${firstItem.id}$`));
	assert.equal((await page.textContent('#st-name')).trim(), firstItem.name);
	const detail = (await api(srv.url, { path: `/api/v1/stations/${firstItem.id}` })).json;
	const week = await page.textContent('#week');
	assert.match(week, /本周营业时间/);
	if (detail.hours.always_open) assert.match(week, /24 小时开放/);
	else assert.equal(await page.locator('#hours tr.is-today').count(), 1, 'today is marked');
	assert.match(await page.textContent('.st-status'), /营业中/);
	const amap = await page.getAttribute('a[data-app="amap"]', 'href');
	assert.equal(amap, `https://uri.amap.com/marker?position=${detail.location.lng},${detail.location.lat}&name=${encodeURIComponent(detail.name)}&coordinate=wgs84&callnative=1`);
	assert.match(await page.getAttribute('a[data-app="baidu"]', 'href'), new RegExp(`location=${detail.location.lat},${detail.location.lng}&.*coord_type=wgs84`));
	assert.equal(await page.getAttribute('a[data-app="geo"]', 'href'), `geo:${detail.location.lat},${detail.location.lng}`);
	assert.equal(await page.getAttribute('a.btn-call', 'href'), `tel:${detail.phone.replace(/[^\d+]/g, '')}`);
	for (const code of detail.amenities) assert.equal(await page.locator(`.amen-item[data-code="${code}"]`).count(), 1, `amenity ${code} shown with its word`);
	assert.equal(await page.locator('#edit').count(), 0, 'no edit button for a passer-by');

	await page.goBack();
	await ready(page, '[data-query*="amenity=microwave"]');
	assert.equal((await cardIds(page))[0], firstItem.id, 'back in the finder, the filters held');
	assert.deepEqual(problems, []);
});

test('the manager of a station signs in, sets Sunday to 09:00–12:00 and closes the station; page and finder show it at once', async (t) => {
	const { srv, city } = await cityServer(t);
	const id = city.ids.managed;
	const { page, ctx, problems } = await openPage(browser, srv.url);
	t.after(() => ctx.close());

	await page.goto(`/station.html?id=${id}`);
	await page.waitForSelector('#station[data-state="ready"]');
	assert.equal(await page.locator('#edit').count(), 0, 'signed out: no edit button');

	// Sign in from the bar; come back to the station.
	await page.click('#account a');
	await page.waitForURL(/\/login\.html\?next=/);
	await page.fill('input[name="phone"]', DEMO.manager);
	await page.fill('input[name="password"]', 'wrong-password');
	await page.click('form.signin button[type="submit"]');
	await page.waitForSelector('.form-error:not([hidden])');
	assert.match(await page.textContent('.form-error'), /手机号或密码不正确/, 'a wrong password is told in Chinese');
	await page.fill('input[name="password"]', DEMO_PASSWORD);
	await page.click('form.signin button[type="submit"]');
	await page.waitForURL(new RegExp(`/station\\.html\\?id=${id}$`));
	await page.waitForSelector('#station[data-state="ready"]');

	await page.click('#edit');
	await page.waitForSelector('#edit[data-state="ready"]');

	// A bad phone number is caught next to its field before anything is sent.
	await page.fill('[data-field="phone"]', 'call me');
	await page.click('#save');
	await page.waitForSelector('[data-error-for="phone"]:not([hidden])');
	assert.match(await page.textContent('[data-error-for="phone"]'), /电话只能包含数字/);
	assert.equal(await page.getAttribute('[data-field="phone"]', 'aria-invalid'), 'true');

	// What the server still refuses (422) shows next to its field too: the
	// request is altered on the way to get a genuine server answer.
	await page.fill('[data-field="phone"]', '0917-7654321');
	await page.route(`**/api/v1/stations/${id}`, async (route) => {
		if (route.request().method() !== 'PATCH') return route.continue();
		const body = JSON.parse(route.request().postData());
		await route.continue({ postData: JSON.stringify({ ...body, description: 'x'.repeat(501) }) });
	});
	await page.click('#save');
	await page.waitForSelector('[data-error-for="description"]:not([hidden])');
	assert.match(await page.textContent('[data-error-for="description"]'), /简介最多 500 字/, 'the server’s own words');
	await page.unroute(`**/api/v1/stations/${id}`);

	// Sunday: 09:00–12:00.
	if (await page.isChecked('#always')) await page.uncheck('#always');
	const sunday = page.locator('.day-row[data-day="7"]');
	await sunday.locator('select').selectOption('open');
	while ((await sunday.locator('.range').count()) > 1) await sunday.locator('.range button').first().click();
	await sunday.locator('.range input[type="time"]').nth(0).fill('09:00');
	await sunday.locator('.range input[type="time"]').nth(1).fill('12:00');
	await page.click('#save');
	await page.waitForURL(new RegExp(`/station\\.html\\?id=${id}&saved=1$`));
	await page.waitForSelector('#station[data-state="ready"]');
	assert.match(await page.textContent('.flash-ok'), /已保存/);

	const detail = (await api(srv.url, { path: `/api/v1/stations/${id}` })).json;
	const sundays = detail.hours.weekly.filter((r) => r.days.includes(7)).map((r) => `${r.open}-${r.close}`);
	assert.deepEqual(sundays, ['09:00-12:00'], 'the API has the new Sunday');
	assert.equal(detail.phone, '0917-7654321');
	const sundayDate = sundayThisWeek();
	if (!detail.hours.exceptions.some((e) => e.date === sundayDate))
		assert.match(await page.textContent('#hours tr[data-weekday="7"]'), /09:00–12:00/, 'the station page shows it');

	// Close it for a while.
	await page.click('#edit');
	await page.waitForSelector('#edit[data-state="ready"]');
	if (await page.isVisible('#reopen')) {
		await page.click('#reopen');
		await page.waitForSelector('#start-close');
	}
	await page.click('#start-close');
	await page.click('#close-station');
	await page.waitForSelector('[data-error-for="reason"]:not([hidden])');
	assert.match(await page.textContent('[data-error-for="reason"]'), /请填写暂停开放的原因/);
	await page.fill('#f-reason', 'E2E 水管维修');
	const until = cityDaysAhead(3);
	await page.fill('#f-until', `${until.date}T18:00`);
	await page.click('#close-station');
	await page.waitForSelector('#reopen');
	assert.match(await page.textContent('#closure'), /E2E 水管维修/);
	const closedNow = (await api(srv.url, { path: `/api/v1/stations/${id}` })).json;
	assert.equal(closedNow.closed, true);
	assert.equal(Date.parse(closedNow.closure.until), Date.parse(`${until.date}T18:00:00+08:00`), 'until is the city’s 18:00');

	// The station page and the finder, at once.
	await page.goto(`/station.html?id=${id}`);
	await page.waitForSelector('#station[data-state="ready"]');
	const status = await page.textContent('.st-status');
	assert.match(status, /暂停开放/);
	assert.match(status, /E2E 水管维修/);
	assert.match(status, new RegExp(`预计 ${until.m}月${until.d}日 18:00 恢复开放`));

	const { lat, lng } = detail.location;
	await page.goto(`/?lat=${lat}&lng=${lng}`);
	await ready(page);
	const card = page.locator(`#results > li[data-id="${id}"]`);
	assert.equal(await card.count(), 1, 'the station is listed where it stands');
	assert.equal((await card.locator('.badge').textContent()).trim(), '暂停开放');
	await page.goto(`/?lat=${lat}&lng=${lng}&open_now=1`);
	await ready(page, '[data-query*="open_now=true"]');
	assert.equal(await page.locator(`#results > li[data-id="${id}"]`).count(), 0, 'and not among the open ones');

	// Reopen.
	await page.goto(`/edit.html?id=${id}`);
	await page.waitForSelector('#edit[data-state="ready"]');
	await page.click('#reopen');
	await page.waitForSelector('#start-close');
	assert.match(await page.textContent('#flash'), /已恢复开放/);
	const after = (await api(srv.url, { path: `/api/v1/stations/${id}` })).json;
	assert.equal(after.closed, false);
	assert.deepEqual(problems, []);
});

test('the English switch persists, a rider cannot reach the edit form, and after five wrong passwords the form is told to wait (in Chinese)', async (t) => {
	const { srv, city } = await cityServer(t);
	const { page, ctx, problems } = await openPage(browser, srv.url);
	t.after(() => ctx.close());

	await page.goto(`/?lat=${RIDER.lat}&lng=${RIDER.lng}`);
	await ready(page);
	await Promise.all([page.waitForNavigation(), page.click('#lang')]);
	await ready(page);
	assert.equal(await page.getAttribute('html', 'lang'), 'en');
	assert.equal((await page.textContent('#open-now')).trim(), 'Open now');
	assert.match(await page.textContent('#results > li .card-dist'), / m · \d+ min walk/);
	await page.goto(`/station.html?id=${city.ids.expected}`);
	await page.waitForSelector('#station[data-state="ready"]');
	assert.match(await page.textContent('#week'), /Opening hours this week/);
	assert.equal(await page.evaluate(() => localStorage.getItem('yz.lang')), 'en');

	await page.goto('/edit.html?id=1');
	await page.waitForSelector('#edit[data-state="signin"]');
	assert.equal(await page.locator('form.signin').count(), 1, 'signed out: the edit page asks to sign in');
	await page.fill('input[name="phone"]', DEMO.worker);
	await page.fill('input[name="password"]', DEMO_PASSWORD);
	await page.click('form.signin button[type="submit"]');
	await page.waitForSelector('#edit[data-state="forbidden"]');
	assert.equal(await page.locator('#edit-form').count(), 0, 'a rider may not edit a station');
	assert.deepEqual(problems, []);

	const zh = await openPage(browser, srv.url);
	t.after(() => zh.ctx.close());
	await zh.page.goto('/login.html');
	await zh.page.fill('input[name="phone"]', '138 0000 0004');
	await zh.page.click('form.signin button[type="submit"]');
	assert.match(await zh.page.textContent('.field-error:not([hidden])'), /请填写密码/, 'checked before sending');
	let said = '';
	// A slow machine may let the sixth try through after its one-second
	// wait: the seventh then waits two.
	for (let i = 0; i < 8 && !/次数过多|频繁/.test(said); i++) {
		await zh.page.fill('input[name="password"]', `wrong-${i}`);
		await zh.page.click('form.signin button[type="submit"]');
		await zh.page.waitForFunction((n) => document.querySelector('.form-error:not([hidden])') && document.querySelector('form.signin button[type="submit"]:not([disabled])'), i);
		said = await zh.page.textContent('.form-error');
	}
	assert.match(said, /登录失败次数过多，请 \d+ 秒后再试|请求过于频繁/, said);
	assert.equal(await zh.page.getAttribute('.form-error', 'data-status'), '429');
});

test('the manager adds a photo from the edit page; the station page shows it; a second tap removes it', async (t) => {
	const { srv, city } = await cityServer(t);
	const id = city.ids.managed;
	const { page, ctx, problems } = await openPage(browser, srv.url);
	t.after(() => ctx.close());

	await page.goto(`/login.html?next=${encodeURIComponent(`/edit.html?id=${id}`)}`);
	await page.fill('input[name="phone"]', DEMO.manager);
	await page.fill('input[name="password"]', DEMO_PASSWORD);
	await page.click('form.signin button[type="submit"]');
	await page.waitForSelector('#edit[data-state="ready"]');
	assert.equal(await page.locator('#photo-list > li').count(), 0);

	// A landscape picture, as a phone's gallery would hand it over.
	const png = makePng(1200, 900, (x, y) => (y < 450 ? [200, 16, 46, 255] : [240, 240, 235, 255]));
	await page.fill('#photo-caption', '门口');
	await page.setInputFiles('#photo-file', { name: 'door.png', mimeType: 'image/png', buffer: png });
	await page.waitForSelector('#photo-list > li');
	assert.match(await page.textContent('#photo-msg'), /照片已添加/);
	assert.match(await page.textContent('#photo-list > li'), /门口/);
	assert.equal(await page.inputValue('#photo-caption'), '', 'the caption box is emptied for the next one');
	// A file that is not a picture is refused before it is sent.
	await page.setInputFiles('#photo-file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
	await page.waitForSelector('#photo-msg.flash-error');
	assert.match(await page.textContent('#photo-msg'), /只支持 JPEG、PNG 或 WebP/);

	await page.goto(`/station.html?id=${id}`);
	await page.waitForSelector('#station[data-state="ready"]');
	const img = page.locator('.photo-strip img').first();
	await img.waitFor();
	await page.waitForFunction(() => document.querySelector('.photo-strip img')?.complete && document.querySelector('.photo-strip img').naturalWidth > 0);
	assert.equal(await img.evaluate((el) => el.naturalWidth), 360, 'the thumbnail is served');
	assert.match(await page.textContent('.photos'), /门口/);

	await page.goto(`/edit.html?id=${id}`);
	await page.waitForSelector('#edit[data-state="ready"]');
	await page.click('#photo-list .photo-remove');
	assert.match(await page.textContent('#photo-list .photo-remove'), /确认删除/, 'the first tap only asks');
	assert.equal(await page.locator('#photo-list > li').count(), 1);
	await page.click('#photo-list .photo-remove');
	await page.waitForFunction(() => document.querySelectorAll('#photo-list > li').length === 0);
	assert.match(await page.textContent('#photo-msg'), /照片已删除/);
	const detail = (await api(srv.url, { path: `/api/v1/stations/${id}` })).json;
	assert.deepEqual(detail.photos, []);
	assert.deepEqual(problems, []);
});
