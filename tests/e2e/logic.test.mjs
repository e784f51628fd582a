// The arithmetic the pages do in the browser must follow the server's rules.
// Opening hours (web/js/hours.js: "closes at 20:00", "opens tomorrow 08:00",
// this week's table): city time UTC+8 whatever the phone's zone, ranges past
// midnight, exceptions replacing a day — checked against the server's own
// open_now. GCJ-02 (web/js/map.js, for AMap tiles): the same shift as the
// server's crs=gcj02. Run in chromium itself (whose zone is UTC here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../api/lib/server.mjs';
import { launch, openPage } from './lib/browser.mjs';

let browser;
let srv;
let page;
before(async () => {
	[browser, srv] = await Promise.all([launch(), startServer({ args: ['--tiles', 'none'] })]);
	({ page } = await openPage(browser, srv.url));
	await page.goto('/login.html');
});
after(async () => {
	await browser?.close();
	await srv?.stop();
});

/** Runs fn(hoursModule, arg) in the page. */
const inPage = (fn, arg, mod = '/js/hours.js') => page.evaluate(async ([src, a, m]) => (0, eval)(src)(await import(m), a), [fn.toString(), arg, mod]);

// 2026-11-23 is a Monday; 01:00 there is 2026-11-22T17:00Z.
const MON_0100 = Date.UTC(2026, 10, 22, 17, 0);

test('the city clock is UTC+8 whatever the browser’s zone', async () => {
	const c = await inPage((H, ms) => ({ ...H.cityClock(ms), date: H.dateOf(H.cityClock(ms).dayNum), tz: Intl.DateTimeFormat().resolvedOptions().timeZone }), MON_0100);
	assert.equal(c.tz, 'UTC');
	assert.equal(c.date, '2026-11-23');
	assert.equal(c.weekday, 1);
	assert.equal(c.minute, 60);
});

test('a range past midnight is open after opening and before closing the next day', async () => {
	const r = await inPage((H) => {
		const hours = { weekly: [{ days: [1], open: '22:00', close: '02:00' }], exceptions: [] };
		const mon = H.dayNumOf('2026-11-23');
		return [H.openAt(hours, mon, 21 * 60), H.openAt(hours, mon, 23 * 60), H.openAt(hours, mon + 1, 60), H.openAt(hours, mon + 1, 2 * 60), H.openAt(hours, mon, 60)];
	});
	assert.deepEqual(r, [false, true, true, false, false]);
});

test('an exception replaces its day, and 24:00 closes at midnight', async () => {
	const r = await inPage((H) => {
		const hours = {
			weekly: [{ days: [1, 2, 3, 4, 5, 6, 7], open: '08:00', close: '24:00' }],
			exceptions: [
				{ date: '2026-11-24', closed: true, note: '盘点' },
				{ date: '2026-11-25', closed: false, open: '10:00', close: '12:00' },
			],
		};
		const mon = H.dayNumOf('2026-11-23');
		return {
			monLate: H.openAt(hours, mon, 23 * 60 + 59),
			tueNoon: H.openAt(hours, mon + 1, 12 * 60),
			wed11: H.openAt(hours, mon + 2, 11 * 60),
			wed13: H.openAt(hours, mon + 2, 13 * 60),
			week: H.weekView(hours, { dayNum: mon, weekday: 1, minute: 0 }).map((d) => [d.date, d.ranges.map((x) => `${H.formatHHMM(x.open)}-${H.formatHHMM(x.close)}`).join(','), !!d.exception, d.today]),
		};
	});
	assert.equal(r.monLate, true);
	assert.equal(r.tueNoon, false);
	assert.equal(r.wed11, true);
	assert.equal(r.wed13, false);
	assert.deepEqual(r.week, [
		['2026-11-23', '08:00-24:00', false, true],
		['2026-11-24', '', true, false],
		['2026-11-25', '10:00-12:00', true, false],
		['2026-11-26', '08:00-24:00', false, false],
		['2026-11-27', '08:00-24:00', false, false],
		['2026-11-28', '08:00-24:00', false, false],
		['2026-11-29', '08:00-24:00', false, false],
	]);
});

test('the next change: closing time while open, next opening while closed', async () => {
	const r = await inPage((H) => {
		const hours = { weekly: [{ days: [1, 2, 3, 4, 5], open: '08:00', close: '20:00' }], exceptions: [] };
		const mon = H.dayNumOf('2026-11-23');
		const at = (dayNum, minute) => {
			const n = H.nextChange(hours, { dayNum, weekday: H.weekdayOf(dayNum), minute });
			return [n.open, n.at && n.at.dayNum - mon, n.at && H.formatHHMM(n.at.minute)];
		};
		return [at(mon, 600), at(mon, 21 * 60), at(mon + 4, 21 * 60), H.nextChange({ always_open: true }, H.cityClock()).at];
	});
	assert.deepEqual(r, [
		[true, 0, '20:00'],
		[false, 1, '08:00'],
		[false, 7, '08:00'],
		null,
	]);
});

test('dates and times are checked as the server checks them', async () => {
	const r = await inPage((H) => [H.dayNumOf('2026-02-29'), H.dayNumOf('2028-02-29') !== null, H.parseHHMM('24:00'), H.parseHHMM('24:01'), H.parseHHMM('7:00'), H.parseHHMM('23:59')]);
	assert.deepEqual(r, [null, true, 1440, -1, -1, 1439]);
});

test('for every demo station, the browser’s "open now" agrees with the server’s', async (t) => {
	const list = await (await fetch(`${srv.url}/api/v1/stations?limit=2000`)).json();
	if (!list.items.length) return t.skip('no demo stations yet');
	const details = await Promise.all(list.items.slice(0, 120).map(async (s) => (await fetch(`${srv.url}/api/v1/stations/${s.id}`)).json()));
	const disagree = await inPage((H, ds) => {
		const now = H.cityClock();
		return ds.filter((d) => !d.closed && H.openAt(d.hours, now.dayNum, now.minute) !== d.open_now).map((d) => `${d.id} ${d.name}: server ${d.open_now}`);
	}, details);
	assert.deepEqual(disagree, []);
});

test('map points shift to GCJ-02 exactly as the server shifts them, and back', async (t) => {
	const list = await (await fetch(`${srv.url}/api/v1/stations?limit=50`)).json();
	if (!list.items.length) return t.skip('no demo stations yet');
	const gcj = await (await fetch(`${srv.url}/api/v1/stations?limit=50&crs=gcj02`)).json();
	const worst = await inPage(
		(M, [w, g]) => {
			let shift = 0;
			let back = 0;
			w.forEach((s, i) => {
				const p = M.wgsToGcj(s.location);
				shift = Math.max(shift, Math.abs(p.lat - g[i].location.lat), Math.abs(p.lng - g[i].location.lng));
				const q = M.gcjToWgs(p);
				back = Math.max(back, Math.abs(q.lat - s.location.lat), Math.abs(q.lng - s.location.lng));
			});
			return { shift, back, moved: Math.abs(M.wgsToGcj(w[0].location).lng - w[0].location.lng) };
		},
		[list.items, gcj.items],
		'/js/map.js',
	);
	assert.ok(worst.moved > 0.001, 'GCJ-02 moves points by hundreds of metres');
	assert.ok(worst.shift < 2e-6, `same shift as the server (6 decimals): ${worst.shift}`);
	assert.ok(worst.back < 1e-9, `round trip: ${worst.back}`);
});
