// Activities in the browser: a rider finds a training at the station on
// the phone, signs up, opens the link of the activity's QR code and
// confirms, and is marked attended; the organiser, on the desktop, sees it
// on the attendance sheet beside the code to show. Each page fits a phone
// and a desktop, draws its icons and shows no emoji.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { api, login } from '../api/lib/client.mjs';
import { launch, openPage, DESKTOP, signIn } from './lib/browser.mjs';
import { checkinStation } from './lib/people.mjs';
import { looksRight } from './lib/shots.mjs';

const PHONE = { width: 390, height: 844 };

let browser, srv, station, staffApi, riderApi, activity;

before(async () => {
	browser = await launch();
	srv = await startServer({ args: ['--tiles', 'none'] });
	station = await checkinStation(srv.url, 'E2E 活动驿站');
	[staffApi, riderApi] = await Promise.all([login(srv.url, DEMO.staff, DEMO_PASSWORD), login(srv.url, DEMO.worker, DEMO_PASSWORD)]);
	// A training starting in ten minutes: the code already opens attendance.
	const now = Math.floor(Date.now() / 1000);
	const iso = (s) => new Date(s * 1000).toISOString();
	const made = await api(srv.url, {
		method: 'POST',
		path: '/api/v1/activities',
		session: staffApi,
		body: { kind: 'training', title: '骑手安全驾驶培训（E2E）', description: '交警讲解，发头盔', station_id: station.id ?? station, starts_at: iso(now + 600), ends_at: iso(now + 7200), signup_cutoff_at: iso(now + 300), capacity: 30, points: 5 },
	});
	assert.equal(made.status, 201, made.text);
	activity = made.json;
	const pub = await api(srv.url, { method: 'POST', path: `/api/v1/activities/${activity.id}/publish`, session: staffApi });
	assert.equal(pub.status, 200, pub.text);
});
after(async () => {
	await browser?.close();
	srv?.stop();
});

test('a rider finds a training at the station, signs up, scans its code and is marked attended; the organiser sees it on the sheet', async (t) => {
	const rider = await openPage(browser, srv.url, { viewport: PHONE });
	const staff = await openPage(browser, srv.url, { viewport: DESKTOP });
	t.after(() => Promise.all([rider.ctx.close(), staff.ctx.close()]));
	const stationId = station.id ?? station;

	// The station's activities, on the phone.
	await signIn(rider.page, DEMO.worker, `/activities.html?station=${stationId}`);
	await rider.page.waitForSelector('#activities[data-state="ready"]');
	const card = rider.page.locator(`.act-card[data-id="${activity.id}"]`);
	await card.waitFor();
	assert.match(await card.textContent(), /骑手安全驾驶培训/);
	await looksRight(rider.page, 'activities-phone', 'the station’s activities on a phone');

	await card.locator('a').click();
	await rider.page.waitForSelector('#activity[data-state="ready"]');
	assert.equal(await rider.page.textContent('#act-title'), '骑手安全驾驶培训（E2E）');
	await rider.page.click('#act-join');
	await rider.page.waitForFunction(() => document.querySelector('#act-mine')?.textContent === '已报名');
	await looksRight(rider.page, 'activity-phone', 'an activity signed up for, on a phone');

	// The code at the station opens the activity with its token; the rider confirms.
	const detail = await api(srv.url, { path: `/api/v1/activities/${activity.id}`, session: staffApi });
	const link = new URL(detail.json.attend_url);
	await rider.page.goto(link.pathname + link.search);
	await rider.page.waitForSelector('#act-attend');
	await rider.page.click('#act-attend');
	await rider.page.waitForFunction(() => document.querySelector('#act-mine')?.textContent === '已签到');
	assert.match(await rider.page.textContent('#act-flash'), /签到成功/);
	assert.equal(await rider.page.isDisabled('#act-attend'), true);
	await looksRight(rider.page, 'activity-checkin-phone', 'the check-in after scanning, on a phone');

	// My activities, with the calendar address.
	await rider.page.goto('/activities.html?tab=mine');
	await rider.page.waitForSelector(`.act-card[data-id="${activity.id}"]`);
	await rider.page.click('#act-feed');
	const url = await rider.page.inputValue('#act-feed-url');
	assert.match(url, /\/api\/v1\/me\/activities\.ics\?token=cal_/);
	await looksRight(rider.page, 'activities-mine-phone', 'my activities on a phone');

	// The organiser's sheet on the desktop: the rider attended by scanning.
	await signIn(staff.page, DEMO.staff, `/activity.html?id=${activity.id}`);
	await staff.page.waitForSelector('#act-sheet');
	const row = staff.page.locator(`.act-sheet-row[data-account="${riderApi.account.id}"]`);
	assert.equal(await row.getAttribute('data-state'), 'attended');
	assert.match(await staff.page.textContent('#act-counts'), /签到 1/);
	const qr = await staff.page.locator('#act-qr').evaluate((img) => img.complete && img.naturalWidth > 0);
	assert.ok(qr, 'the code to show is drawn');
	await looksRight(staff.page, 'activity-organiser-desktop', 'the organiser’s sheet on a desktop');
	await staff.page.setViewportSize(PHONE);
	await looksRight(staff.page, 'activity-organiser-phone', 'the organiser’s sheet on a phone');

	// The organiser's form, on the desktop.
	await staff.page.setViewportSize(DESKTOP);
	await staff.page.goto('/activity.html?new=1');
	await staff.page.waitForSelector('#act-form');
	await looksRight(staff.page, 'activity-new-desktop', 'the organiser’s form on a desktop');

	assert.deepEqual(rider.problems, []);
	assert.deepEqual(staff.problems, []);
});

test('near me: the phone’s position finds the training at the station close by', async (t) => {
	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await ctx.grantPermissions(['geolocation']);
	// Beside the test's station (龙腾路, 34.3746, 107.1528).
	await ctx.setGeolocation({ latitude: 34.3751, longitude: 107.1531, accuracy: 15 });
	await page.goto('/activities.html');
	await page.waitForSelector('#activities[data-state="ready"]');
	await page.click('#act-locate');
	await page.waitForFunction(() => document.querySelector('#act-where')?.textContent === '我附近 10 公里内');
	await page.locator(`.act-card[data-id="${activity.id}"]`).waitFor();
	assert.deepEqual(problems, []);
});
