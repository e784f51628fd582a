// The coverage page, as district admins and street staff use it: from the
// manage page to their region's communities, the share within the walk, each
// gap with its nearest station and how far that is (worst first), what kinds
// of community are counted and what is left out, on a map when asked for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { api } from '../api/lib/client.mjs';
import { launch, openPage, DESKTOP } from './lib/browser.mjs';
import { emojiOnPage, layoutProblems, shoot } from './lib/shots.mjs';

const PHONE = { width: 390, height: 844 };

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

async function signIn(page, phone) {
	await page.goto('/login.html?next=%2Fmanage.html');
	await page.fill('input[name="phone"]', phone);
	await page.fill('input[name="password"]', DEMO_PASSWORD);
	await page.click('form.signin button[type="submit"]');
	await page.waitForSelector('#manage[data-state="ready"]');
}

const pct = (share) => `${(Math.round(share * 1000) / 10).toFixed(1)}%`;
const dist = (m, min) => `${m < 1000 ? `${m} 米` : `${(m / 1000).toFixed(1)} 公里`} · 步行 ${min} 分钟`;

test('an admin opens coverage from the manage page: the share, each gap with its nearest station, what is not counted', async (t) => {
	const srv = await startServer({ args: ['--tiles-url', 'http://127.0.0.1:9/{z}/{x}/{y}.png'] });
	t.after(() => srv.stop());
	const c = (await api(srv.url, { path: '/api/v1/coverage?region=6103' })).json;
	const gaps = c.items.filter((i) => !i.covered).sort((a, b) => b.nearest.distance_m - a.nearest.distance_m || a.code.localeCompare(b.code));
	assert.ok(gaps.length >= 3);

	for (const [viewport, size] of [
		[PHONE, 'phone'],
		[DESKTOP, 'desktop'],
	]) {
		const { page, ctx, problems } = await openPage(browser, srv.url, { viewport });
		t.after(() => ctx.close());
		await signIn(page, DEMO.admin);
		assert.equal((await page.textContent('#coverage-link')).trim(), '社区覆盖率');
		await page.click('#coverage-link');
		await page.waitForSelector('#coverage[data-state="ready"]');
		assert.match(page.url(), /\/coverage\.html\?region=6103$/);
		assert.equal((await page.textContent('#cov-title')).trim(), '宝鸡市社区覆盖率');
		assert.equal(await page.textContent('#cov-pct'), pct(c.share));
		assert.match(await page.textContent('#cov-counts'), new RegExp(`${c.located} 个社区中 ${c.covered} 个已覆盖，${gaps.length} 个还没有`));
		// What is counted, and what is not, said in words.
		const counted = await page.textContent('#cov-counted');
		assert.match(counted, new RegExp(`统计的是社区（居委会），共 ${c.communities} 个`));
		for (const k of c.not_counted) assert.match(counted, new RegExp(`${{ village: '村', other: '其他' }[k.kind]} ${k.count} 个`));

		// The gaps, farthest from a station first, each with its nearest one.
		assert.equal((await page.textContent('#cov-gaps-title')).trim(), `没有驿站覆盖的社区（${gaps.length} 个）`);
		const shown = await page.$$eval('#cov-gap-list > li', (lis) =>
			lis.map((li) => ({ code: li.dataset.code, name: li.querySelector('.cov-name').textContent, parent: li.querySelector('.cov-parent')?.textContent, dist: li.querySelector('.cov-dist').textContent, link: li.querySelector('.cov-near a').getAttribute('href'), station: li.querySelector('.cov-near a').textContent })),
		);
		assert.deepEqual(
			shown,
			gaps.map((i) => ({ code: i.code, name: i.name, parent: i.parent_name, dist: dist(i.nearest.distance_m, i.nearest.walk_minutes), link: `/station.html?id=${i.nearest.id}`, station: i.nearest.name })),
		);
		assert.equal((await page.textContent('#cov-covered-title')).trim(), `已覆盖的社区（${c.covered} 个）`);

		// No tiles here: the map is folded; on request it shows each community.
		await page.waitForSelector('#map-folded:not([hidden])');
		assert.deepEqual(await layoutProblems(page), [], `coverage ${size}`);
		assert.deepEqual(await emojiOnPage(page), []);
		await shoot(page, `coverage-${size}`, { full: size === 'phone' });
		await page.click('#map-toggle');
		await page.waitForSelector('#cov-map path.cov-dot-gap');
		assert.equal(await page.locator('#cov-map path.cov-dot-gap').count(), gaps.length, 'a red dot for each gap');
		assert.equal(await page.locator('#cov-map path.cov-dot-ok').count(), c.covered, 'a green dot for each covered community');
		assert.equal(await page.locator('#cov-map path.cov-line').count(), gaps.length, 'a line from each gap to its nearest station');
		assert.deepEqual(await layoutProblems(page), [], `coverage map ${size}`);
		await shoot(page, `coverage-map-${size}`);

		// Another area of the admin's: a district.
		await page.selectOption('#cov-region', '610303');
		await page.waitForSelector('#coverage[data-state="ready"][data-region="610303"]');
		const jintai = (await api(srv.url, { path: '/api/v1/coverage?region=610303' })).json;
		assert.equal(await page.textContent('#cov-pct'), pct(jintai.share));
		assert.equal((await page.textContent('#cov-title')).trim(), '金台区社区覆盖率');
		assert.match(page.url(), /\?region=610303$/);
		assert.deepEqual(problems, []);
	}
});

test('street staff reach their street’s coverage from the manage page; a station manager has no such link', async (t) => {
	const srv = await startServer({ args: ['--tiles', 'none'] });
	t.after(() => srv.stop());
	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await signIn(page, DEMO.staff);
	await page.click('#coverage-link');
	await page.waitForSelector('#coverage[data-state="ready"]');
	const street = (await api(srv.url, { path: '/api/v1/coverage?region=610303008' })).json;
	assert.equal(await page.getAttribute('#coverage', 'data-region'), '610303008');
	assert.equal((await page.textContent('#cov-title')).trim(), '卧龙寺街道社区覆盖率');
	assert.equal(await page.textContent('#cov-pct'), pct(street.share));
	assert.equal(await page.isHidden('#cov-map-wrap'), true, 'no tiles configured: no map, the list is the page');
	const gaps = street.items.filter((i) => !i.covered).length;
	assert.equal((await page.textContent('#cov-gaps-title')).trim(), gaps ? `没有驿站覆盖的社区（${gaps} 个）` : '每个社区都在步行圈内有驿站。');
	await page.click('#cov-covered summary');
	assert.equal(await page.locator('#cov-covered-list > li').count(), street.covered);
	assert.deepEqual(await layoutProblems(page), []);
	await shoot(page, 'coverage-street-phone', { full: true });
	assert.deepEqual(problems, []);

	const m = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => m.ctx.close());
	await signIn(m.page, DEMO.manager);
	await m.page.waitForSelector('#manage-list li');
	assert.equal(await m.page.locator('#coverage-link').count(), 0, 'a station manager plans no network');
});
