// The kinds only staff file, from the browser: street staff open 登记调解案件
// in the mediation studio and file a case with its parties and the major
// flag, and the studio shows it with the parties whole; from the queue's 登记
// they file a home visit (六必访) with the household and a reason, dispatched
// to a volunteer at once. A resident never sees those kinds, and a link to
// one opens 点单 with a word on why. A station's manager files at that
// station only. When the server refuses (the role was taken away while the
// form was open), the page shows the server's reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { api, login, uniquePhone } from '../api/lib/client.mjs';
import { launch, openPage, DESKTOP, signIn } from './lib/browser.mjs';
import { COMMUNITY, checkinStation } from './lib/people.mjs';
import { looksRight } from './lib/shots.mjs';

const PHONE = { width: 390, height: 844 };
/** 卧龙寺街道, where the demo staff work. */
const STREET = '610303008';
const PARTIES = '张三丰 13812345678；李四光 13987654321';

let browser, srv, station, staffApi, volunteerApi, residentApi, adminApi;

before(async () => {
	browser = await launch();
	srv = await startServer({ args: ['--tiles', 'none', '--events-poll-ms', '50'] });
	station = await checkinStation(srv.url, 'E2E 龙腾路调解站');
	[staffApi, volunteerApi, residentApi, adminApi] = await Promise.all([DEMO.staff, DEMO.volunteer, DEMO.resident, DEMO.admin].map((p) => login(srv.url, p, DEMO_PASSWORD)));
	// The volunteer is in the community's ledger, so staff may dispatch to them.
	const entered = await api(srv.url, { method: 'POST', path: '/api/v1/people', session: staffApi, body: { name: '赵志愿者', phone: DEMO.volunteer, region_code: COMMUNITY, categories: ['volunteer'] } });
	assert.equal(entered.status, 201, entered.text);
});
after(async () => {
	await browser?.close();
	srv?.stop();
});

const optionValues = (page, sel) => page.$$eval(`${sel} option`, (os) => os.map((o) => o.value));

/** Fills the mediation form as far as it goes (for the phone and the desktop). */
async function fillMediation(page) {
	await page.selectOption('#new-station', String(station.id));
	await page.click('#new-categories .chip[data-code="neighbour"]');
	await page.fill('#new-title', '楼上漏水');
	await page.fill('#new-parties', PARTIES);
	await page.check('#new-major');
	await page.fill('#new-desc', '楼上卫生间漏水到楼下，双方协商未果');
}

/** Fills the visit form, dispatched to the volunteer. */
async function fillVisit(page) {
	await page.selectOption('#new-station', String(station.id));
	await page.click('#new-categories .chip[data-code="six"]');
	await page.fill('#new-title', '走访独居老人');
	await page.fill('#new-household', '龙腾路 3 号 王奶奶');
	await page.click('#new-reasons .chip[data-reason="alone"]');
	assert.equal(await page.inputValue('#new-reason'), '独居老人', 'a common reason in one tap');
	await page.waitForSelector(`#new-assignee-field:not([hidden]) option[value="${volunteerApi.account.id}"]`, { state: 'attached' });
	await page.selectOption('#new-assignee', String(volunteerApi.account.id));
}

test('staff open 登记调解案件 in the studio, file a case with its parties and the major flag, and the studio shows it with the parties whole', async (t) => {
	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await signIn(page, DEMO.staff, '/mediation.html');
	await page.waitForSelector('#mediation[data-state="ready"]');
	assert.equal((await page.textContent('#med-file')).trim(), '登记调解案件');
	await page.click('#med-file');
	await page.waitForURL((u) => u.pathname === '/new.html' && u.searchParams.get('kind') === 'mediation');
	await page.waitForSelector('#new[data-state="ready"]');

	// The form opens at 调解, beside the resident kinds, with its own fields.
	assert.equal(await page.getAttribute('#kind-mediation', 'aria-pressed'), 'true');
	assert.equal(await page.textContent('#new-staff-head'), '工作人员登记');
	assert.deepEqual(await page.$$eval('#new-staff-kinds .kind-btn', (bs) => bs.map((b) => b.id)), ['kind-mediation', 'kind-task', 'kind-visit']);
	assert.deepEqual(await page.$$eval('#new-categories .chip', (cs) => cs.map((c) => c.textContent)), ['邻里纠纷', '劳资纠纷', '交通事故', '消费纠纷']);
	assert.equal(await page.textContent('label[for="new-parties"]'), '当事人');
	assert.equal(await page.textContent('label[for="new-major"]'), '重大案件');
	assert.equal(await page.$('#new-household'), null, 'no household on a mediation');
	// Only places the staff work for: their street (no station) and its stations.
	const places = await optionValues(page, '#new-station');
	assert.equal(places[0], `region:${STREET}`);
	assert.ok(places.includes(String(station.id)), places.join());
	assert.ok(!places.includes(''), 'no "my community" choice for a staff kind');

	// Without the parties it is not filed.
	await page.click('#new-categories .chip[data-code="neighbour"]');
	await page.fill('#new-title', '楼上漏水');
	await page.click('#new-submit');
	assert.equal(await page.textContent('#new-flash'), '请写明当事人。');
	assert.equal(await page.evaluate(() => document.activeElement.id), 'new-parties');

	await fillMediation(page);
	await looksRight(page, 'staff-new-mediation-phone', 'the mediation form on a phone');
	await page.click('#new-submit');
	await page.waitForURL(/\/request\.html\?id=\d+/);
	await page.waitForSelector('#request[data-state="ready"]');
	const id = Number(new URL(page.url()).searchParams.get('id'));
	const made = (await api(srv.url, { path: `/api/v1/requests/${id}`, session: staffApi })).json;
	assert.equal(made.kind, 'mediation');
	assert.equal(made.category, 'neighbour');
	assert.equal(made.parties, PARTIES);
	assert.equal(made.major, true);
	assert.equal(made.station.id, station.id);
	assert.equal(made.requester.id, staffApi.account.id);
	assert.equal(made.state, 'submitted');

	// The studio lists it, marked major, with the parties whole.
	await page.goto('/mediation.html');
	await page.waitForSelector('#mediation[data-state="ready"]');
	const card = `#med-list .rq-card[data-id="${id}"]`;
	await page.waitForSelector(card);
	assert.equal(await page.textContent(`${card} .med-parties-text`), PARTIES);
	assert.equal(await page.textContent(`${card} .med-outcome .badge`), '重大');
	await looksRight(page, 'staff-mediation-studio-phone', 'the studio with the new case');
	assert.deepEqual(problems, []);

	// The same form on a desktop.
	const desk = await openPage(browser, srv.url, { viewport: DESKTOP });
	t.after(() => desk.ctx.close());
	await signIn(desk.page, DEMO.staff, `/new.html?kind=mediation&station=${station.id}`);
	await desk.page.waitForSelector('#new[data-state="ready"]');
	assert.equal(await desk.page.inputValue('#new-station'), String(station.id), 'the station the link names');
	await fillMediation(desk.page);
	await looksRight(desk.page, 'staff-new-mediation-desktop', 'the mediation form on a desktop');
	assert.deepEqual(desk.problems, []);
});

test('staff file a home visit from the queue: the household and a reason, dispatched to a volunteer at once', async (t) => {
	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await signIn(page, DEMO.staff, '/queue.html');
	await page.waitForSelector('#queue[data-state="ready"]');
	assert.deepEqual(await page.$$eval('#queue-file a', (as) => as.map((a) => [a.textContent, new URL(a.href).search])), [
		['调解', '?kind=mediation'],
		['任务', '?kind=task'],
		['走访', '?kind=visit'],
	]);
	await looksRight(page, 'staff-queue-file-phone', 'the queue with 登记');
	await page.click('#queue-file-visit');
	await page.waitForURL((u) => u.pathname === '/new.html' && u.searchParams.get('kind') === 'visit');
	await page.waitForSelector('#new[data-state="ready"]');
	assert.equal(await page.getAttribute('#kind-visit', 'aria-pressed'), 'true');
	assert.equal(await page.$('#new-parties'), null, 'no parties on a visit');

	// Without the household it is not filed.
	await page.click('#new-categories .chip[data-code="six"]');
	await page.fill('#new-title', '走访独居老人');
	await page.click('#new-submit');
	assert.equal(await page.textContent('#new-flash'), '请写走访对象。');

	await fillVisit(page);
	await looksRight(page, 'staff-new-visit-phone', 'the visit form on a phone');
	await page.click('#new-submit');
	await page.waitForURL(/\/request\.html\?id=\d+/);
	await page.waitForSelector('#request[data-state="ready"]');
	const id = Number(new URL(page.url()).searchParams.get('id'));
	const made = (await api(srv.url, { path: `/api/v1/requests/${id}`, session: staffApi })).json;
	assert.equal(made.kind, 'visit');
	assert.equal(made.household, '龙腾路 3 号 王奶奶');
	assert.equal(made.reason, '独居老人');
	assert.equal(made.state, 'dispatched');
	assert.equal(made.assignee.id, volunteerApi.account.id);
	assert.equal(await page.textContent('#request .fact:has(dt:text("走访对象")) dd'), '龙腾路 3 号 王奶奶');
	// It is in the volunteer's tasks.
	const theirs = (await api(srv.url, { path: '/api/v1/requests?assigned=1', session: volunteerApi })).json.items.map((r) => r.id);
	assert.ok(theirs.includes(id), theirs.join());
	assert.deepEqual(problems, []);

	// Switching kinds keeps what was typed; the same form on a desktop.
	const desk = await openPage(browser, srv.url, { viewport: DESKTOP });
	t.after(() => desk.ctx.close());
	await signIn(desk.page, DEMO.staff, '/new.html?kind=visit');
	await desk.page.waitForSelector('#new[data-state="ready"]');
	await fillVisit(desk.page);
	await desk.page.click('#kind-task');
	await desk.page.waitForSelector('#new[data-kind="task"]');
	assert.equal(await desk.page.$('#new-household'), null, 'a task has no household');
	assert.deepEqual(await desk.page.$$eval('#new-categories .chip', (cs) => cs.map((c) => c.textContent)), ['宣传派发', '走访摸排', '巡查上报']);
	await desk.page.click('#kind-visit');
	await desk.page.waitForSelector('#new[data-kind="visit"]');
	assert.equal(await desk.page.inputValue('#new-title'), '走访独居老人');
	assert.equal(await desk.page.inputValue('#new-household'), '龙腾路 3 号 王奶奶');
	assert.equal(await desk.page.inputValue('#new-station'), String(station.id));
	await desk.page.click('#new-categories .chip[data-code="six"]');
	await desk.page.waitForSelector(`#new-assignee-field:not([hidden]) option[value="${volunteerApi.account.id}"]`, { state: 'attached' });
	await desk.page.selectOption('#new-assignee', String(volunteerApi.account.id));
	await looksRight(desk.page, 'staff-new-visit-desktop', 'the visit form on a desktop');
	assert.deepEqual(desk.problems, []);
});

test('a resident sees no staff kinds, and a link to 调解 opens 点单 with a word on why', async (t) => {
	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await signIn(page, DEMO.resident, '/new.html?kind=mediation');
	await page.waitForSelector('#new[data-state="ready"]');
	assert.equal(await page.getAttribute('#new', 'data-kind'), 'order');
	assert.equal(await page.getAttribute('#kind-order', 'aria-pressed'), 'true');
	assert.equal(await page.getAttribute('#new', 'data-fallback'), 'mediation');
	assert.equal(await page.isVisible('#new-flash'), true);
	assert.equal(await page.textContent('#new-flash'), '调解由驿站、社区或街道的工作人员登记。你可以在这里点单、许愿、随手拍或提建议。');
	assert.deepEqual(await page.$$eval('.kind-btn', (bs) => bs.map((b) => b.id)), ['kind-order', 'kind-wish', 'kind-report', 'kind-suggestion']);
	for (const sel of ['#new-staff-kinds', '#new-staff-head', '#new-parties', '#new-major', '#new-household', '#new-assignee']) assert.equal(await page.$(sel), null, sel);
	// The order form works as ever: the categories of 点单, the resident's own community.
	assert.ok(await page.$('#new-categories .chip[data-code="repair"]'));
	assert.ok((await optionValues(page, '#new-station')).includes(''));
	await looksRight(page, 'staff-fallback-resident-phone', 'a resident following a link to 调解');

	for (const kind of ['task', 'visit']) {
		await page.goto(`/new.html?kind=${kind}`);
		await page.waitForSelector('#new[data-state="ready"]');
		assert.equal(await page.getAttribute('#new', 'data-kind'), 'order', kind);
		assert.match(await page.textContent('#new-flash'), kind === 'task' ? /^任务由/ : /^走访由/);
	}
	// The server agrees.
	const refused = await api(srv.url, { method: 'POST', path: '/api/v1/requests', session: residentApi, body: { kind: 'mediation', category: 'neighbour', title: '想登记调解', parties: '甲 乙', station_id: station.id } });
	assert.equal(refused.status, 403, refused.text);
	assert.deepEqual(problems, []);
});

test('when the server refuses (the role was taken away while the form was open), the page shows its reason', async (t) => {
	const phone = uniquePhone('137');
	const password = 'Staff#2026x';
	const acc = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', session: adminApi, body: { phone, name: '社区干事', password } });
	assert.equal(acc.status, 201, acc.text);
	const granted = await api(srv.url, { method: 'POST', path: `/api/v1/accounts/${acc.json.id}/roles`, session: adminApi, body: { role: 'staff', scope: COMMUNITY } });
	assert.equal(granted.status, 201, granted.text);
	const grant = granted.json.roles.find((g) => g.role === 'staff');

	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await signIn(page, phone, '/new.html?kind=task', password);
	await page.waitForSelector('#new[data-state="ready"]');
	assert.equal(await page.getAttribute('#kind-task', 'aria-pressed'), 'true');
	// A community's staff: the community and its stations, not the street.
	const places = await optionValues(page, '#new-station');
	assert.equal(places[0], `region:${COMMUNITY}`);
	assert.ok(places.includes(String(station.id)) && !places.includes(`region:${STREET}`), places.join());
	await page.click('#new-categories .chip[data-code="publicity"]');
	await page.fill('#new-title', '沿途派发反诈宣传册 200 份');

	const revoked = await api(srv.url, { method: 'DELETE', path: `/api/v1/accounts/${acc.json.id}/roles/${grant.id}`, session: adminApi });
	assert.equal(revoked.status, 204, revoked.text);
	await page.click('#new-submit');
	await page.waitForSelector('#new-flash.flash-error:not([hidden])');
	assert.equal(await page.textContent('#new-flash'), '任务由驿站、社区或街道的工作人员登记');
	assert.equal(await page.isEnabled('#new-submit'), true, 'the form stays, to file something else');
	assert.match(page.url(), /\/new\.html/);
	assert.deepEqual(problems, []);
});

test("a station's manager files at their own station only; a link naming another station says so", async (t) => {
	const manager = await login(srv.url, DEMO.manager, DEMO_PASSWORD);
	const own = manager.account.roles.find((g) => g.role === 'manager').scope.slice('station:'.length);
	const { page, ctx, problems } = await openPage(browser, srv.url, { viewport: PHONE });
	t.after(() => ctx.close());
	await signIn(page, DEMO.manager, `/new.html?kind=mediation&station=${station.id}`);
	await page.waitForSelector('#new[data-state="ready"]');
	assert.equal(await page.getAttribute('#kind-mediation', 'aria-pressed'), 'true');
	assert.deepEqual(await optionValues(page, '#new-station'), [own]);
	assert.equal(await page.textContent('#new-place-note'), `你不是“${station.name}”的工作人员，只能登记到你负责的驿站或社区。`);
	// A manager does not read the ledger: dispatch waits for the queue.
	assert.equal(await page.isVisible('#new-assignee'), false);
	await page.click('#new-categories .chip[data-code="consumer"]');
	await page.fill('#new-title', '预付卡退费');
	await page.fill('#new-parties', '王女士 13700003333；某健身房');
	await page.click('#new-submit');
	await page.waitForURL(/\/request\.html\?id=\d+/);
	const id = Number(new URL(page.url()).searchParams.get('id'));
	const made = (await api(srv.url, { path: `/api/v1/requests/${id}`, session: staffApi })).json;
	assert.equal(made.station.id, Number(own));
	assert.equal(made.major, false);
	// Back on the form, the resident kinds still offer the station asked for.
	await page.goto(`/new.html?station=${station.id}`);
	await page.waitForSelector('#new[data-state="ready"]');
	assert.equal(await page.inputValue('#new-station'), String(station.id));
	assert.deepEqual(problems, []);
});
