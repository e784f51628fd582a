// The service loop in the browser, across three accounts at once: a
// resident orders at a station from the phone; the staff's queue, open all
// along, shows it without a reload; the staff dispatch it to a volunteer in
// two taps; the volunteer finds it in 我的任务, accepts, starts and
// resolves; the resident rates it five stars and sees 已评价; the staff's
// queue has moved it along, still the same page load. A rider files a photo
// report from the phone with its position and a picture from the camera
// input, and is first offered to join the same problem reported near by.
// Each new page fits a phone and a desktop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { api, login } from '../api/lib/client.mjs';
import { solidPng } from '../api/lib/images.mjs';
import { launch, openPage, DESKTOP, signIn } from './lib/browser.mjs';
import { COMMUNITY, checkinStation } from './lib/people.mjs';
import { shoot, looksRight } from './lib/shots.mjs';

const PHONE = { width: 390, height: 844 };
/** Where the rider stands: 龙腾路社区, 宝鸡. */
const HERE = { latitude: 34.3746, longitude: 107.1528 };

let browser, srv, station, staffApi, volunteerApi, residentApi;

before(async () => {
	browser = await launch();
	srv = await startServer({ args: ['--tiles', 'none', '--events-poll-ms', '50'] });
	station = await checkinStation(srv.url, 'E2E 龙腾路服务站');
	[staffApi, volunteerApi, residentApi] = await Promise.all([login(srv.url, DEMO.staff, DEMO_PASSWORD), login(srv.url, DEMO.volunteer, DEMO_PASSWORD), login(srv.url, DEMO.resident, DEMO_PASSWORD)]);
	// The volunteer is in the community's ledger, entered by staff: the
	// ledger's person with the account's number is linked to the account.
	const entered = await api(srv.url, { method: 'POST', path: '/api/v1/people', session: staffApi, body: { name: '赵志愿者', phone: DEMO.volunteer, region_code: COMMUNITY, categories: ['volunteer'] } });
	assert.equal(entered.status, 201, entered.text);
	assert.equal(entered.json.account_id, volunteerApi.account.id);
});
after(async () => {
	await browser?.close();
	srv?.stop();
});

test('resident orders › staff dispatch in two taps › volunteer accepts and resolves › resident rates 5 stars; the staff queue follows without a reload', async (t) => {
	const resident = await openPage(browser, srv.url, { viewport: PHONE });
	const staff = await openPage(browser, srv.url, { viewport: DESKTOP });
	const volunteer = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => Promise.all([resident.ctx.close(), staff.ctx.close(), volunteer.ctx.close()]));

	// The staff's queue is open before anything is filed.
	const streamOpen = staff.page.waitForResponse((r) => r.url().endsWith('/api/v1/stream'));
	await signIn(staff.page, DEMO.staff, '/queue.html');
	await staff.page.waitForSelector('#queue[data-state="ready"]');
	assert.equal((await streamOpen).status(), 200);
	await staff.page.evaluate(() => {
		window.__sameLoad = true;
	});
	assert.equal(await staff.page.getAttribute('#tab-waiting', 'aria-selected'), 'true');

	// The resident orders from the station's page.
	await signIn(resident.page, DEMO.resident, `/station.html?id=${station.id}`);
	await resident.page.waitForSelector('#station[data-state="ready"]');
	assert.equal(await resident.page.textContent('#loop-title'), '在这里点单、许愿、随手拍');
	await looksRight(resident.page, 'loop-station-phone', 'the station page with its order buttons');
	await resident.page.click('#st-new-order');
	await resident.page.waitForSelector('#new[data-state="ready"]');
	assert.equal(await resident.page.getAttribute('#kind-order', 'aria-pressed'), 'true');
	assert.equal(await resident.page.$eval('#new-station', (s) => s.value), String(station.id), 'the station it came from');
	await resident.page.click('#new-categories .chip[data-code="repair"]');
	await resident.page.fill('#new-title', '电动车没电了');
	await resident.page.fill('#new-desc', '在驿站门口，需要一个充电器');
	await looksRight(resident.page, 'loop-new-order-phone', 'filing an order');
	await resident.page.click('#new-submit');
	await resident.page.waitForURL(/\/request\.html\?id=\d+/);
	const id = Number(new URL(resident.page.url()).searchParams.get('id'));
	await resident.page.waitForSelector('#request[data-state="ready"]');
	assert.equal(await resident.page.textContent('#rq-title'), '电动车没电了');
	assert.equal(await resident.page.textContent('#rq-steps li[aria-current="step"] .step-name'), '待派单');
	assert.equal(await resident.page.isVisible('#rq-cancel'), true, 'the requester may withdraw it');
	await looksRight(resident.page, 'loop-request-filed-phone', 'the request just filed');

	// The staff's queue shows it without a reload, with its deadline.
	const card = `#queue-list .rq-card[data-id="${id}"]`;
	await staff.page.waitForSelector(card, { timeout: 5000 });
	assert.match(await staff.page.textContent(`${card} .rq-title`), /电动车没电了/);
	assert.ok(await staff.page.$(`${card} .badge[data-due]`), 'a deadline badge');
	await looksRight(staff.page, 'loop-queue-desktop', 'the queue');

	// Two taps: 派单, then the volunteer.
	await staff.page.click(`${card} .rq-dispatch`);
	await staff.page.waitForSelector(`#dispatch-people .pick[data-account="${volunteerApi.account.id}"]`);
	await shoot(staff.page, 'loop-dispatch-sheet-desktop');
	await staff.page.click(`#dispatch-people .pick[data-account="${volunteerApi.account.id}"]`);
	await staff.page.waitForSelector(card, { state: 'detached' });
	await staff.page.click('#tab-dispatched');
	await staff.page.waitForSelector(`${card}[data-state="dispatched"]`);
	assert.match(await staff.page.textContent(`${card} .rq-who`), /赵志愿者/);

	// The volunteer finds it among 我的任务, accepts, starts and resolves.
	await signIn(volunteer.page, DEMO.volunteer, '/tasks.html');
	await volunteer.page.waitForSelector('#tasks[data-state="ready"]');
	await volunteer.page.waitForSelector(`#tasks-list .rq-card[data-id="${id}"]`);
	await looksRight(volunteer.page, 'loop-tasks-phone', 'my tasks');
	await volunteer.page.click(`#tasks-list .rq-card[data-id="${id}"] .rq-link`);
	await volunteer.page.waitForSelector('#request[data-state="ready"]');
	await volunteer.page.click('#rq-accept');
	await volunteer.page.waitForSelector('#request[data-rq-state="accepted"]');
	await volunteer.page.click('#rq-start');
	await volunteer.page.waitForSelector('#request[data-rq-state="in_progress"]');
	await looksRight(volunteer.page, 'loop-request-working-phone', 'working on it');
	await volunteer.page.fill('#rq-note', '已送充电器');
	await volunteer.page.click('#rq-resolve');
	await volunteer.page.waitForSelector('#request[data-rq-state="resolved"]');

	// The staff's queue moved it along by itself.
	await staff.page.click('#tab-done');
	await staff.page.waitForSelector(`${card}[data-state="resolved"]`);

	// The resident rates it five stars.
	await resident.page.goto(`/request.html?id=${id}`);
	await resident.page.waitForSelector('#rq-rate-form');
	await looksRight(resident.page, 'loop-rate-phone', 'the rating form');
	const star = await resident.page.$('.star-btn[data-n="5"]');
	const box = await star.boundingBox();
	assert.ok(box.width >= 48 && box.height >= 48, `a star is thumb-sized: ${box.width}×${box.height}`);
	await star.click();
	await resident.page.fill('#rq-comment', '很及时，谢谢');
	await resident.page.click('#rq-rate');
	await resident.page.waitForSelector('#request[data-rq-state="rated"]');
	assert.equal(await resident.page.textContent('#rq-title ~ .rq-badges .st-badge'), '已评价');
	assert.equal(await resident.page.getAttribute('#rq-stars', 'aria-label'), '5 星');
	assert.equal(await resident.page.$$eval('#rq-stars .star-on', (s) => s.length), 5);
	assert.deepEqual(await resident.page.$$eval('#rq-history li', (ls) => ls.map((l) => l.dataset.action)), ['submit', 'dispatch', 'accept', 'start', 'resolve', 'rate']);
	await looksRight(resident.page, 'loop-rated-phone', 'the rated request');

	await staff.page.waitForSelector(`${card}[data-state="rated"]`);
	assert.equal(await staff.page.evaluate(() => window.__sameLoad), true, 'the queue was never reloaded');
	const rated = await api(srv.url, { path: `/api/v1/requests/${id}`, session: residentApi });
	assert.equal(rated.json.rating, 5);
	assert.equal(rated.json.rating_comment, '很及时，谢谢');

	for (const who of [resident, staff, volunteer]) assert.deepEqual(who.problems, []);
});

test('a photo report from the phone: its position and a camera picture; the same problem near by is offered to join first', async (t) => {
	// Someone reported a loose manhole cover here an hour ago.
	const earlier = await api(srv.url, { method: 'POST', path: '/api/v1/requests', session: volunteerApi, body: { kind: 'report', category: 'road', title: '井盖松动', location: { lat: HERE.latitude + 0.0001, lng: HERE.longitude }, region_code: COMMUNITY } });
	assert.equal(earlier.status, 201, earlier.text);

	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await ctx.grantPermissions(['geolocation']);
	await ctx.setGeolocation({ ...HERE, accuracy: 12 });
	await signIn(page, DEMO.resident, '/new.html?kind=report');
	await page.waitForSelector('#new[data-state="ready"]');
	assert.equal(await page.getAttribute('#kind-report', 'aria-pressed'), 'true');
	assert.equal(await page.getAttribute('#new-photo', 'capture'), 'environment');
	assert.equal(await page.getAttribute('#new-photo', 'accept'), 'image/*');
	await page.click('#new-categories .chip[data-code="road"]');
	await page.click('#new-locate');
	await page.waitForSelector('#new-where[data-located="yes"]');
	assert.match(await page.textContent('#new-where'), /12 米/);
	// The same problem, 11 m away: join it rather than file it again.
	await page.waitForSelector(`#new-dups .dup[data-id="${earlier.json.id}"]`);
	await looksRight(page, 'loop-report-duplicates-phone', 'a report with a duplicate near by');
	await page.click(`#new-dups .dup[data-id="${earlier.json.id}"] .dup-follow`);
	await page.waitForURL(new RegExp(`/request\\.html\\?id=${earlier.json.id}`));
	await page.waitForSelector('#request[data-state="ready"]');
	assert.equal((await api(srv.url, { path: `/api/v1/requests/${earlier.json.id}`, session: residentApi })).json.followers, 1);

	// Another problem: filed with its photo.
	await page.goto('/new.html?kind=report');
	await page.waitForSelector('#new[data-state="ready"]');
	await page.click('#new-categories .chip[data-code="environment"]');
	await page.click('#new-locate');
	await page.waitForSelector('#new-where[data-located="yes"]');
	await page.fill('#new-title', '垃圾堆在路边');
	await page.setInputFiles('#new-photo', { name: 'road.png', mimeType: 'image/png', buffer: solidPng(64, 48, [120, 160, 40]) });
	await page.waitForSelector('#new-photos .up-row');
	await looksRight(page, 'loop-report-phone', 'a report ready to file');
	await page.click('#new-submit');
	await page.waitForURL(/\/request\.html\?id=\d+/);
	await page.waitForSelector('#request[data-state="ready"]');
	const id = Number(new URL(page.url()).searchParams.get('id'));
	assert.equal(await page.$$eval('#rq-photos img', (i) => i.length), 1);
	const made = await api(srv.url, { path: `/api/v1/requests/${id}`, session: residentApi });
	assert.equal(made.json.kind, 'report');
	assert.ok(Math.abs(made.json.location.lat - HERE.latitude) < 1e-4 && Math.abs(made.json.location.lng - HERE.longitude) < 1e-4, JSON.stringify(made.json.location));
	assert.equal(made.json.photos.length, 1);
	await looksRight(page, 'loop-report-filed-phone', 'the report filed');
	// Withdrawing it takes a second tap.
	await page.click('#rq-cancel');
	assert.equal(await page.textContent('#rq-cancel'), '再点一次确认撤回');
	assert.equal(await page.getAttribute('#request', 'data-rq-state'), 'submitted');
	await page.click('#rq-cancel');
	await page.waitForSelector('#request[data-rq-state="cancelled"]');
	assert.equal(await page.textContent('#rq-side-state'), '当前：已撤回');
	assert.deepEqual(problems, []);
});

test('each new page fits a phone and a desktop, in Chinese', async (t) => {
	const made = await api(srv.url, { method: 'POST', path: '/api/v1/requests', session: residentApi, body: { kind: 'wish', category: 'daily', title: '想要一个保温杯', station_id: station.id } });
	assert.equal(made.status, 201, made.text);
	const m = await api(srv.url, { method: 'POST', path: '/api/v1/requests', session: staffApi, body: { kind: 'mediation', category: 'neighbour', title: '楼上漏水', parties: '张三丰 13812345678；李四光 13987654321', major: true, station_id: station.id, assignee_id: volunteerApi.account.id } });
	assert.equal(m.status, 201, m.text);
	const pages = [
		['new', '/new.html', '#new'],
		['request', `/request.html?id=${made.json.id}`, '#request'],
		['tasks', '/tasks.html?tab=wall', '#tasks'],
		['queue', '/queue.html', '#queue'],
		['mediation', '/mediation.html', '#mediation'],
		['me', '/me.html', '#me'],
	];
	for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
		const { page, ctx, problems } = await openPage(browser, srv.url, { viewport });
		t.after(() => ctx.close());
		await signIn(page, DEMO.staff, '/tasks.html');
		for (const [name, path, sel] of pages) {
			await page.goto(path);
			await page.waitForSelector(`${sel}[data-state="ready"], ${sel}[data-state="new"]`);
			await looksRight(page, `loop-${name}-${size}`, `${name} (${size})`);
		}
		// The mediation studio counts the case.
		await page.goto('/mediation.html');
		await page.waitForSelector('#mediation[data-state="ready"]');
		// The demo city has cases of its own: the page says what the API counts.
		const stats = (await api(srv.url, { path: '/api/v1/requests/stats', session: staffApi })).json;
		assert.equal(await page.textContent('#med-major .stat-n'), String(stats.mediation.major));
		assert.ok(await page.$(`#med-list .rq-card[data-id="${m.json.id}"]`));
		assert.deepEqual(problems, [], size);
	}
	// The volunteer claims the wish from the wall.
	const { page, ctx } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await signIn(page, DEMO.volunteer, '/tasks.html?tab=wall');
	await page.waitForSelector(`#tasks-list .rq-card[data-id="${made.json.id}"] .rq-claim`);
	await page.click(`#tasks-list .rq-card[data-id="${made.json.id}"] .rq-claim`);
	await page.waitForSelector(`#tasks-list .rq-card[data-id="${made.json.id}"]`, { state: 'detached' });
	assert.equal((await api(srv.url, { path: `/api/v1/requests/${made.json.id}`, session: residentApi })).json.state, 'accepted');
});

test('a member resolves a task with a count and a proof photo, a visit with its record, a mediation with its outcome; the studio counts it', async (t) => {
	const file = (body) => api(srv.url, { method: 'POST', path: '/api/v1/requests', session: staffApi, body: { station_id: station.id, assignee_id: volunteerApi.account.id, ...body } });
	const task = await file({ kind: 'task', category: 'publicity', title: '派发反诈宣传册' });
	const visit = await file({ kind: 'visit', category: 'six', title: '走访独居老人', household: '龙腾路 3 号 王奶奶', reason: '独居' });
	const med = await file({ kind: 'mediation', category: 'neighbour', title: '噪音扰民', parties: '王五 13700001111；赵六 13700002222' });
	for (const r of [task, visit, med]) assert.equal(r.status, 201, r.text);

	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await signIn(page, DEMO.volunteer, '/tasks.html');
	await page.waitForSelector(`#tasks-list .rq-card[data-id="${task.json.id}"]`);
	const open = async (id) => {
		await page.goto(`/request.html?id=${id}`);
		await page.waitForSelector('#request[data-state="ready"]');
		await page.click('#rq-accept');
		await page.waitForSelector('#request[data-rq-state="accepted"]');
	};

	// The task: a proof photo from the camera, and how many were done.
	await open(task.json.id);
	assert.equal(await page.getAttribute('#rq-proof', 'capture'), 'environment');
	await page.setInputFiles('#rq-proof', { name: 'proof.png', mimeType: 'image/png', buffer: solidPng(40, 30, [0, 90, 200]) });
	await page.waitForSelector('#rq-proof-progress .up-row[data-done="ok"]');
	await page.fill('#rq-count', '50');
	await looksRight(page, 'loop-task-resolve-phone', 'resolving a task');
	await page.click('#rq-resolve');
	await page.waitForSelector('#request[data-rq-state="resolved"]');
	assert.equal(await page.$$eval('#rq-photos img', (i) => i.length), 1);
	const doneTask = await api(srv.url, { path: `/api/v1/requests/${task.json.id}`, session: staffApi });
	assert.equal(doneTask.json.proof_count, 50);
	assert.equal(doneTask.json.photos[0].role, 'proof');

	// The visit: without its record it is refused, with it resolved.
	await open(visit.json.id);
	await page.click('#rq-resolve');
	await page.waitForSelector('#rq-flash.flash-error:not([hidden])');
	await page.fill('#rq-record', '身体健康，需要送药');
	await page.click('#rq-resolve');
	await page.waitForSelector('#request[data-rq-state="resolved"]');
	assert.equal(await page.textContent('#request .fact:has(dt:text("走访记录")) dd'), '身体健康，需要送药');

	// The mediation: settled.
	await open(med.json.id);
	await page.check('#rq-settled-yes');
	await page.click('#rq-resolve');
	await page.waitForSelector('#request[data-rq-state="resolved"]');
	assert.equal(await page.textContent('#rq-settled dd'), '调解成功');
	assert.deepEqual(problems, []);

	const studio = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => studio.ctx.close());
	await signIn(studio.page, DEMO.staff, '/mediation.html');
	await studio.page.waitForSelector('#mediation[data-state="ready"]');
	const stats = (await api(srv.url, { path: '/api/v1/requests/stats?region=610303008', session: staffApi })).json.mediation;
	assert.ok(stats.settled >= 1);
	assert.equal(await studio.page.textContent('#med-rate .stat-n'), `${Math.round(stats.success_rate * 100)}%`);
	assert.ok(await studio.page.$(`#med-list .rq-card[data-id="${med.json.id}"] .badge-open`), 'the settled case is marked');
	await looksRight(studio.page, 'loop-mediation-settled-phone', 'the studio with a settled case');
});
