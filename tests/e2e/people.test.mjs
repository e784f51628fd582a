// People and check-in as riders and staff meet them: a new rider scans a
// station's QR code, taps 歇脚, signs up on the spot with the SMS code and
// is checked in for what they chose; their profile shows it; a second scan
// within ten minutes says so; staff filter the ledger to the rider's
// community, find them, see the counts and today's tally, and show the
// whole number (which is audited). The check-in page is usable within a
// second on a 3G-like connection. Each new page fits a phone and a desktop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { api, login, uniquePhone } from '../api/lib/client.mjs';
import { launch, openPage, DESKTOP } from './lib/browser.mjs';
import { emojiOnPage, layoutProblems, shoot } from './lib/shots.mjs';
import { COMMUNITY, COMMUNITY_NAME, checkinStation, masked, smsCode, smsCount, throttle } from './lib/people.mjs';

const PHONE = { width: 390, height: 844 };

let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

/** Signs in with the password form on the page shown, as staff do. */
async function passwordSignIn(page, phone) {
	await page.fill('form.signin input[name="phone"]', phone);
	await page.fill('form.signin input[name="password"]', DEMO_PASSWORD);
	await page.click('form.signin button[type="submit"]');
}

test('a new rider signs up on the check-in page, is checked in for the purpose chosen, sees it in their profile; staff find them in the ledger', async (t) => {
	const srv = await startServer({ args: ['--tiles', 'none'] });
	t.after(() => srv.stop());
	const station = await checkinStation(srv.url, 'E2E 龙腾签到站');
	const rider = uniquePhone('177');

	// The QR code opens the check-in page: the station, open, nobody yet today.
	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await page.goto(station.qrPath);
	assert.match(page.url(), new RegExp(`/checkin\\.html\\?id=${station.id}&t=${station.token}$`));
	await page.waitForSelector('#checkin[data-state="ready"]');
	await page.waitForSelector('#ck-status .badge');
	assert.equal(await page.textContent('#ck-name'), station.name);
	assert.equal(await page.textContent('#ck-status .badge'), '营业中');
	assert.equal(await page.textContent('#ck-count'), '今天已签到 0 人次');
	const purposes = await page.$$eval('#purposes .purpose', (bs) => bs.map((b) => [b.dataset.purpose, b.querySelector('.purpose-name').textContent]));
	assert.deepEqual(purposes, [
		['rest', '歇脚'],
		['report_in', '党员报到'],
		['shift_start', '上岗'],
		['activity', '参加活动'],
		['registration', '登记'],
	]);
	await page.waitForSelector('#ck-who:has-text("手机号验证")');
	assert.deepEqual(await layoutProblems(page), [], 'check-in page');
	assert.deepEqual(await emojiOnPage(page), []);
	await shoot(page, 'checkin-phone');

	// 歇脚, not signed in: the SMS-code form opens right below, for that purpose.
	await page.click('[data-purpose="rest"]');
	await page.waitForSelector('#ck-signin form.codeform');
	assert.equal(await page.textContent('#ck-signin .signin-title'), '签到：歇脚');
	assert.equal(await page.getAttribute('[data-purpose="rest"]', 'aria-pressed'), 'true');
	assert.match(page.url(), /[?&]p=rest$/, 'the choice survives a reload');
	await page.fill('#ck-signin input[name="phone"]', rider);
	await page.click('#ck-signin .code-send');
	await page.waitForSelector('#ck-signin .code-sent:not([hidden])');
	assert.equal(await page.textContent('#ck-signin .code-sent'), `验证码已发到 ${masked(rider)}，5 分钟内有效。`);
	assert.match(await page.textContent('#ck-signin .code-send'), /^\d+ 秒后可重发$/, 'a countdown until another code');
	assert.equal(await page.isDisabled('#ck-signin .code-send'), true);
	const code = await smsCode(srv, rider);
	await page.fill('#ck-signin input[name="code"]', code);
	// Without the consent ticked, nothing is sent.
	await page.click('#ck-signin button[type="submit"]');
	await page.waitForSelector('#ck-signin [data-error-for="consent_version"]:not([hidden])');
	await page.check('#ck-signin input[name="consent"]');
	await shoot(page, 'checkin-code-phone');
	await page.click('#ck-signin button[type="submit"]');
	// A number never seen: name and categories, then on.
	await page.waitForSelector('#ck-signin .code-profile:not([hidden])');
	assert.equal((await page.textContent('#ck-signin button[type="submit"]')).trim(), '注册并签到');
	await page.fill('#ck-signin input[name="name"]', '王小骑');
	await page.click('#ck-signin [data-field="categories"] .chip[data-code="rider"]');
	assert.deepEqual(await layoutProblems(page), [], 'sign-up inline');
	await shoot(page, 'checkin-signup-phone');
	await page.click('#ck-signin button[type="submit"]');

	// Checked in, for 歇脚, at a time, the first today.
	await page.waitForSelector('#checkin[data-state="done"]');
	assert.equal(await page.textContent('#ck-done-title'), '签到成功');
	assert.equal(await page.textContent('.ck-done-purpose'), '歇脚');
	assert.equal(await page.textContent('#ck-today'), '今天已签到 1 人次');
	assert.match(await page.textContent('.ck-done'), /\d{2}:\d{2} 签到/);
	assert.equal(await page.isVisible('#ck-signin'), false);
	assert.equal(await page.textContent('#account-me'), '王小骑', 'signed in, the bar names the rider');
	assert.deepEqual(await layoutProblems(page), [], 'checked in');
	await shoot(page, 'checkin-done-phone');

	// The profile: whole number (it is the rider's own), the category, the
	// community the check-in placed them in, the check-in itself.
	await page.click('#ck-me');
	await page.waitForSelector('#me[data-state="ready"]');
	assert.equal(await page.textContent('#me-title'), '王小骑');
	assert.equal(await page.textContent('#me-phone'), rider);
	assert.match(await page.textContent('#me-facts'), /外卖骑手/);
	assert.match(await page.textContent('#me-community'), new RegExp(`${COMMUNITY_NAME} · 卧龙寺街道`));
	const first = await page.$eval('#me-checkins-list li', (li) => li.textContent);
	assert.match(first, new RegExp(`${station.name}歇脚今天 \\d{2}:\\d{2}`));
	assert.deepEqual(await layoutProblems(page), [], 'my profile');
	await shoot(page, 'me-phone', { full: true });

	// The rider adds a volunteer role and picks the depot from the street's.
	await page.click('#me-edit-btn');
	await page.click('#me-edit [data-field="roles"] .chip[data-code="guard"]');
	await page.waitForFunction(() => document.querySelectorAll('#me-work-site option').length > 1);
	const depot = await page.$eval('#me-work-site option:nth-child(2)', (o) => ({ value: o.value, name: o.textContent.split(' · ')[0] }));
	await page.selectOption('#me-work-site', depot.value);
	assert.deepEqual(await layoutProblems(page), [], 'editing my profile');
	await shoot(page, 'me-edit-phone', { full: true });
	await page.click('#me-save');
	await page.waitForSelector('#me .flash-ok');
	assert.match(await page.textContent('#me-facts'), /值守员/);
	assert.match(await page.textContent('#me-facts'), new RegExp(depot.name));

	// Scanned again within ten minutes: said so, counted once.
	await page.goto(station.qrPath);
	await page.waitForSelector('#checkin[data-state="ready"]');
	await page.waitForSelector('#ck-who:has-text("王小骑")');
	await page.click('[data-purpose="shift_start"]');
	await page.waitForSelector('#checkin[data-state="done"]');
	assert.equal(await page.textContent('#ck-done-title'), '10 分钟内已签到过');
	assert.equal(await page.textContent('.ck-done-purpose'), '歇脚', 'the check-in it already was');
	assert.equal(await page.textContent('#ck-today'), '今天已签到 1 人次');
	await shoot(page, 'checkin-duplicate-phone');
	// The station's own page says how many checked in today.
	await page.goto(`/station.html?id=${station.id}`);
	await page.waitForSelector('#st-checkins:not([hidden])');
	assert.equal(await page.textContent('#st-checkins'), '今天已签到 1 人次');
	assert.deepEqual(problems, []);

	// Staff of the street: the ledger from the manage page, narrowed to the community.
	for (const [viewport, size] of [
		[DESKTOP, 'desktop'],
		[PHONE, 'phone'],
	]) {
		const staff = await openPage(browser, srv.url, { viewport });
		t.after(() => staff.ctx.close());
		const sp = staff.page;
		await sp.goto('/login.html?next=%2Fmanage.html');
		await passwordSignIn(sp, DEMO.staff);
		await sp.waitForSelector('#manage[data-state="ready"]');
		await sp.click('#ledger-link');
		await sp.waitForSelector('#ledger[data-state="ready"]');
		await sp.selectOption('#f-place-0', COMMUNITY);
		await sp.waitForURL(new RegExp(`region=${COMMUNITY}`));
		await sp.waitForSelector(`#ledger-counts h2:has-text("${COMMUNITY_NAME}")`);
		await sp.waitForSelector('#ledger-list li');
		const rows = await sp.$$eval('#ledger-list li', (lis) => lis.map((li) => li.textContent));
		const mine = rows.find((r) => r.includes('王小骑'));
		assert.ok(mine, `the rider is listed: ${rows.join(' | ')}`);
		assert.match(mine, new RegExp(`${masked(rider).replace(/\*/g, '\\*')}`), 'masked number');
		assert.match(mine, /外卖骑手/);
		assert.match(mine, new RegExp(COMMUNITY_NAME));
		assert.match(mine, /今天 \d{2}:\d{2} 签到/);
		assert.doesNotMatch(await sp.textContent('#ledger-list'), new RegExp(rider), 'no whole number in the list');
		const counts = await api(srv.url, { path: `/api/v1/people/counts?region=${COMMUNITY}`, session: await login(srv.url, DEMO.staff, DEMO_PASSWORD) });
		assert.equal(await sp.textContent('#count-total .stat-n'), String(counts.json.total));
		assert.equal(await sp.textContent('#count-registered .stat-n'), String(counts.json.registered));
		assert.equal(await sp.textContent('#count-checked .stat-n'), String(counts.json.checked_in_30d));
		assert.match(await sp.textContent('#by-category'), new RegExp(`外卖骑手${counts.json.by_category.rider}`));
		assert.match(await sp.textContent('#by-role'), /值守员1/);
		await sp.waitForSelector(`#tally-list li[data-id="${station.id}"]`);
		assert.match(await sp.textContent(`#tally-list li[data-id="${station.id}"]`), new RegExp(`${station.name}1 人次`));
		assert.deepEqual(await layoutProblems(sp), [], `ledger ${size}`);
		await shoot(sp, `ledger-${size}`, { full: size === 'phone' });

		// Only 30 days without a check-in: the rider is not among them.
		await sp.selectOption('#f-checked', 'out30');
		await sp.waitForFunction(() => !document.querySelector('#ledger-list[aria-busy]'));
		await sp.waitForFunction(() => !document.querySelector('#ledger-list').textContent.includes('王小骑'));
		await sp.selectOption('#f-checked', '');
		await sp.waitForSelector('#ledger-list li:has-text("王小骑")');

		// One person: masked until asked, then whole, and the asking recorded.
		await sp.click('#ledger-list li:has-text("王小骑") .ledger-row');
		await sp.waitForSelector('#person-dialog[open] #person-reveal');
		assert.equal(await sp.textContent('#person-title'), '王小骑');
		assert.equal(await sp.textContent('#person-phone'), masked(rider));
		assert.match(await sp.textContent('#person-phone-note'), /记入审计日志/);
		assert.deepEqual(await layoutProblems(sp), [], `person ${size}`);
		await shoot(sp, `ledger-person-${size}`);
		await sp.click('#person-reveal');
		await sp.waitForSelector(`#person-phone a[href="tel:${rider}"]`);
		assert.equal(await sp.textContent('#person-phone-note'), '已显示完整号码，这次查看已记入审计日志。');
		await sp.click('#person-close');
		assert.deepEqual(staff.problems, []);
	}
	const admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
	const audit = await api(srv.url, { path: '/api/v1/audit?action=person.phone_read', session: admin });
	assert.equal(audit.json.items.length, 2, 'each whole-number view is in the audit log');
});

test('the check-in page is usable within a second on a 3G-like connection', async (t) => {
	const srv = await startServer({ args: ['--tiles', 'none'] });
	t.after(() => srv.stop());
	const station = await checkinStation(srv.url, 'E2E 慢网站');
	const page1 = `/checkin.html?id=${station.id}&t=${station.token}`;
	const times = [];
	const whole = []; // when the station's details were in
	for (let i = 0; i < 5; i++) {
		// A first visit each time: a new context, nothing cached.
		const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
		// The moment the purpose buttons can be tapped (enabled, styled), from
		// the start of the navigation.
		// (Only changes of "disabled" are watched: the observer itself must
		// not slow the page down while it is parsed.)
		await ctx.addInitScript(() => {
			const mo = new MutationObserver(() => {
				const b = document.querySelector('#purposes .purpose');
				if (!window.__usableMs && b && !b.disabled && getComputedStyle(b).flexDirection === 'column') {
					window.__usableMs = performance.now();
					mo.disconnect();
				}
			});
			mo.observe(document, { subtree: true, attributeFilter: ['disabled'] });
		});
		await throttle(ctx, page);
		await page.goto(page1, { waitUntil: 'commit' });
		await page.waitForFunction(() => window.__usableMs, null, { timeout: 15000 });
		times.push(Math.round(await page.evaluate(() => window.__usableMs)));
		// A tap as soon as that: the page asks for the phone number (a rider not signed in).
		await page.click('[data-purpose="rest"]');
		await page.waitForSelector('#ck-signin input[name="phone"]', { timeout: 15000 });
		await page.waitForFunction((name) => document.querySelector('#ck-name').textContent === name, station.name);
		await page.waitForSelector('#ck-status .badge');
		whole.push(Math.round(await page.evaluate(() => performance.getEntriesByType('resource').find((e) => /\/api\/v1\/stations\/\d+$/.test(e.name))?.responseEnd || 0)));
		assert.deepEqual(problems, []);
		await ctx.close();
	}
	const best = Math.min(...times);
	const median = [...times].sort((a, b) => a - b)[2];
	t.diagnostic(`check-in page usable after ${times.join(', ')} ms on 300 ms / 400 kbit/s (median ${median} ms); the station's details in after ${whole.join(', ')} ms`);
	assert.ok(median < 1000, `usable within a second on a 3G-like link: ${times.join(', ')} ms`);
	assert.ok(best < 1000);
});

test('sign-up page: phone, code, profile and consent, then on to where the rider was going; new pages fit a desktop', async (t) => {
	const srv = await startServer({ args: ['--tiles', 'none'] });
	t.after(() => srv.stop());
	const station = await checkinStation(srv.url, 'E2E 注册后签到站');
	const phone = uniquePhone('178');
	const next = `/checkin.html?id=${station.id}&t=${station.token}`;

	for (const [viewport, size] of [
		[PHONE, 'phone'],
		[DESKTOP, 'desktop'],
	]) {
		const { page, ctx, problems } = await openPage(browser, srv.url, { viewport });
		t.after(() => ctx.close());
		await page.goto(`/signup.html?next=${encodeURIComponent(next)}`);
		await page.waitForSelector('#signup[data-state="ready"]');
		assert.deepEqual(await layoutProblems(page), [], `sign-up ${size}`);
		await shoot(page, `signup-${size}`);
		if (size === 'desktop') {
			// The rest as the phone did it; the desktop shows the page and the check-in page.
			await page.goto(next);
			await page.waitForSelector('#ck-status .badge');
			assert.deepEqual(await layoutProblems(page), [], 'check-in desktop');
			await shoot(page, 'checkin-desktop');
			await page.goto('/me.html');
			await page.waitForSelector('#me[data-state="signed-out"]');
			assert.deepEqual(await layoutProblems(page), [], 'me signed out desktop');
			await shoot(page, 'me-signed-out-desktop');
			// In English, every word the page adds is English.
			await page.evaluate(() => localStorage.setItem('yz.lang', 'en'));
			await page.goto(next);
			await page.waitForSelector('#ck-status .badge');
			assert.equal(await page.textContent('#ck-lead'), 'What brings you here? One tap checks you in');
			assert.equal(await page.textContent('[data-purpose="rest"] .purpose-name'), 'Rest');
			assert.equal(await page.textContent('#ck-count'), '0 check-ins today');
			assert.deepEqual(await layoutProblems(page), [], 'check-in in English');
			await shoot(page, 'checkin-en-desktop');
			assert.deepEqual(problems, []);
			continue;
		}
		// A bad number is caught before anything is sent.
		await page.fill('input[name="phone"]', '12345');
		await page.click('.code-send');
		await page.waitForSelector('[data-error-for="phone"]:not([hidden])');
		assert.equal(smsCount(srv, phone), 0);
		await page.fill('input[name="phone"]', phone);
		await page.click('.code-send');
		await page.waitForSelector('.code-step:not([hidden])');
		// A wrong code: the server says how many tries are left.
		const code = await smsCode(srv, phone);
		await page.fill('input[name="code"]', code === '000000' ? '111111' : '000000');
		await page.click('.code-step button');
		await page.waitForSelector('.code-profile:not([hidden])');
		await page.fill('input[name="name"]', '李快递');
		await page.click('[data-field="categories"] .chip[data-code="courier"]');
		await page.click('[data-field="categories"] .chip[data-code="party_member"]');
		await page.selectOption('select[name="platform"]', 'sf');
		await page.click('[data-field="roles"] .chip[data-code="publicity"]');
		await page.check('input[name="consent"]');
		assert.match(await page.textContent('.consent'), /个人信息告知（2026-12 版）/);
		assert.match(await page.textContent('.consent'), /打码/);
		assert.match(await page.textContent('.consent'), /保存 180 天后自动删除/);
		assert.match(await page.textContent('.consent'), /注销/);
		assert.match(await page.textContent('.consent'), /下载/);
		await shoot(page, 'signup-profile-phone', { full: true });
		await page.click('button[type="submit"]');
		await page.waitForSelector('[data-error-for="code"]:not([hidden])');
		assert.match(await page.textContent('[data-error-for="code"]'), /验证码不对，还可以再试 \d 次/);
		await page.fill('input[name="code"]', code);
		await page.click('button[type="submit"]');
		await page.waitForURL((u) => u.pathname === '/checkin.html');
		await page.waitForSelector('#ck-who:has-text("李快递")');
		// What was chosen is the profile.
		await page.goto('/me.html');
		await page.waitForSelector('#me[data-state="ready"]');
		const facts = await page.textContent('#me-facts');
		for (const word of ['快递员、党员', '顺丰', '宣传员', '已同意 2026-12 版']) assert.ok(facts.includes(word), `${word} in ${facts}`);
		assert.match(await page.textContent('#me-community'), /还没有（第一次签到时自动登记）/);
		assert.deepEqual(problems, []);
	}
});
