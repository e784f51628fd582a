// Room bookings in the browser: a resident opens a station's room calendar
// on the phone, taps a free hour tomorrow, fills in the group, purpose and
// people, and sees the hour taken and pending; the station's manager, at a
// desktop, approves it from the approval list; the resident's own list then
// says 已批准. Each page fits a phone and a desktop, with no emoji.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from '../api/lib/server.mjs';
import { api, login } from '../api/lib/client.mjs';
import { launch, openPage, DESKTOP, signIn } from './lib/browser.mjs';
import { looksRight } from './lib/shots.mjs';

const PHONE = { width: 390, height: 844 };

let browser, srv, station, room;

before(async () => {
	browser = await launch();
	srv = await startServer({ args: ['--tiles', 'none'] });
	const manager = await login(srv.url, DEMO.manager, DEMO_PASSWORD);
	station = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
	const made = await api(srv.url, {
		method: 'POST',
		path: `/api/v1/stations/${station}/rooms`,
		session: manager,
		body: { name: 'E2E 议事厅', kind: 'meeting_room', capacity: 16, hours: [{ days: [1, 2, 3, 4, 5, 6, 7], open: '08:00', close: '21:00' }] },
	});
	assert.equal(made.status, 201, made.text);
	room = made.json.id;
});
after(async () => {
	await browser?.close();
	srv?.stop();
});

test('a resident books a free hour on the room calendar and the manager approves it', async (t) => {
	const resident = await openPage(browser, srv.url, { viewport: PHONE });
	const manager = await openPage(browser, srv.url, { viewport: DESKTOP });
	t.after(() => Promise.all([resident.ctx.close(), manager.ctx.close()]));

	// From the station's page to its calendar.
	await signIn(resident.page, DEMO.resident, `/station.html?id=${station}`);
	await resident.page.waitForSelector('#station[data-state="ready"]');
	await resident.page.click('#st-rooms');
	await resident.page.waitForURL((u) => u.pathname === '/rooms.html');
	await resident.page.waitForSelector('#rooms[data-state="ready"]');
	assert.equal(await resident.page.getAttribute('#tab-calendar', 'aria-selected'), 'true');
	await looksRight(resident.page, 'rooms-calendar-phone', 'the room calendar on a phone');

	// Tomorrow, 10:00, in the test's room.
	await resident.page.click('.room-day:nth-child(2)');
	const card = `section.room-card[data-room="${room}"]`;
	await resident.page.click(`${card} .room-slot-free[data-from="10:00"]`);
	await resident.page.waitForSelector('#room-form');
	await resident.page.fill('#room-group', '龙腾路居民议事会');
	await resident.page.fill('#room-purpose', '商量加装电梯');
	await resident.page.fill('#room-attendees', '12');
	assert.equal(await resident.page.$eval('#room-start', (s) => s.selectedOptions[0].textContent), '10:00');
	assert.equal(await resident.page.$eval('#room-end', (s) => s.selectedOptions[0].textContent), '11:00');
	await looksRight(resident.page, 'rooms-form-phone', 'the booking form on a phone');
	await resident.page.click('#room-submit');
	await resident.page.waitForSelector(`${card} .room-slot-taken[data-from="10:00"]`);
	assert.match(await resident.page.textContent(`${card} .room-slot-taken[data-from="10:00"]`), /龙腾路居民议事会.*待审批/);
	assert.match(await resident.page.textContent('.flash-ok'), /等待驿站审批/);
	// Too many people is refused with the rule, on the page.
	await resident.page.click(`${card} .room-slot-free[data-from="14:00"]`);
	await resident.page.fill('#room-group', '第三党支部');
	await resident.page.fill('#room-purpose', '主题党日');
	await resident.page.fill('#room-attendees', '40');
	await resident.page.click('#room-submit');
	await resident.page.waitForSelector('#room-form .form-error:not([hidden])');
	assert.match(await resident.page.textContent('#room-form .form-error'), /容纳人数/);

	// The manager's approval list, at a desktop.
	await signIn(manager.page, DEMO.manager, '/rooms.html?tab=manage');
	await manager.page.waitForSelector('#rooms[data-state="ready"]');
	const item = manager.page.locator('li.room-booking', { hasText: '龙腾路居民议事会' }).filter({ hasText: 'E2E 议事厅' });
	await item.waitFor();
	assert.match(await item.textContent(), /商量加装电梯/);
	await looksRight(manager.page, 'rooms-manage-desktop', 'the approval list on a desktop');
	await item.locator('button[data-action="approve"]').click();
	await manager.page.waitForSelector('.flash-ok');
	await manager.page.locator('li.room-booking[data-state="approved"]', { hasText: 'E2E 议事厅' }).waitFor();

	// The resident's own list says so.
	await resident.page.goto('/rooms.html?tab=mine');
	await resident.page.waitForSelector('#rooms[data-state="ready"]');
	const mine = resident.page.locator('li.room-booking', { hasText: 'E2E 议事厅' });
	await mine.waitFor();
	assert.equal(await mine.getAttribute('data-state'), 'approved');
	assert.match(await mine.textContent(), /已批准/);
	await looksRight(resident.page, 'rooms-mine-phone', 'my bookings on a phone');

	// The calendar at a desktop too.
	await manager.page.goto(`/rooms.html?station=${station}`);
	await manager.page.waitForSelector('#rooms[data-state="ready"]');
	await manager.page.click('.room-day:nth-child(2)');
	await manager.page.waitForSelector(`${card} .room-slot-taken[data-from="10:00"]`);
	await looksRight(manager.page, 'rooms-calendar-desktop', 'the room calendar on a desktop');
});
