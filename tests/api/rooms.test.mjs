// Room bookings on the real server: a station's rooms with their rules, a
// group booking a slot, the manager approving or declining, check-in, the
// release of a booking nobody came to (with the clock moved, never slept
// through); every broken rule a 4xx naming it; two bookings of a room never
// overlap — also sixteen at once, and also when written straight into the
// database with its own shell, which proves the rule lives there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, sqlRows, addUser, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, loadOpenapi } from './lib/schema.mjs';

const COMMUNITY = '610303008003';
const H = 3600;

let srv, manager, resident, neighbour, otherManager;
let station, otherStation, room;
const as = (who, opts) => api(srv.url, { ...opts, session: who });
const step = (who, id, body) => as(who, { method: 'POST', path: `/api/v1/room-bookings/${id}/steps`, body });
const book = (who, body, roomId = room) => as(who, { method: 'POST', path: `/api/v1/rooms/${roomId}/bookings`, body });

/** RFC 3339 in the city's time for local date `day` days from today at hh:mm. */
function at(day, hhmm) {
	const local = new Date(Date.now() + 8 * H * 1000 + day * 86400 * 1000);
	const date = local.toISOString().slice(0, 10);
	return `${date}T${hhmm}:00+08:00`;
}
const slot = (day, from, to, extra = {}) => ({ group_name: '龙腾路居民小组', purpose: '楼道议事', attendees: 8, starts_at: at(day, from), ends_at: at(day, to), ...extra });

async function newAccount(role, name) {
	const phone = uniquePhone('178');
	await addUser(srv.dbUrl, { phone, name, role, password: 'Room#2026x' });
	return login(srv.url, phone, 'Room#2026x');
}

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	[manager, resident] = await Promise.all([login(srv.url, DEMO.manager, DEMO_PASSWORD), login(srv.url, DEMO.resident, DEMO_PASSWORD)]);
	station = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
	// A station that is neither this one, nor its hub, nor a branch of it.
	const apart = `SELECT id FROM stations WHERE id <> ${station} AND COALESCE(parent_id, 0) <> ${station}` +
		` AND id <> COALESCE((SELECT parent_id FROM stations WHERE id = ${station}), 0) ORDER BY id LIMIT 1`;
	otherStation = Number((await sqlRows(srv.dbUrl, apart))[0][0]);
	neighbour = await newAccount(`resident@${COMMUNITY}`, '邻居');
	otherManager = await newAccount(`manager@station:${otherStation}`, '别站站长');
	// A room of the test's own, open 08:00–21:00 every day.
	const made = await as(manager, {
		method: 'POST',
		path: `/api/v1/stations/${station}/rooms`,
		body: { name: '测试会议室', kind: 'meeting_room', capacity: 20, max_minutes: 240, hours: [{ days: [1, 2, 3, 4, 5, 6, 7], open: '08:00', close: '21:00' }] },
	});
	await assertJson(srv.url, made, 201, 'BookableRoom');
	room = made.json.id;
	assert.equal(made.json.own_hours, true);
	assert.equal(made.json.kind_name, '会议室');
});
after(() => srv?.stop());

test('a station lists its rooms; only its managers add, change and remove them', async () => {
	const list = await api(srv.url, { path: `/api/v1/stations/${station}/rooms` });
	await assertJson(srv.url, list, 200, 'RoomCatalog');
	assert.ok(list.json.items.some((r) => r.id === room && r.capacity === 20));
	assert.equal(list.json.may_manage, false);
	assert.deepEqual(list.json.kinds.map((k) => k.code), ['meeting_room', 'reading_space', 'party_home', 'activity_room', 'other']);
	assert.equal((await as(manager, { path: `/api/v1/stations/${station}/rooms` })).json.may_manage, true);

	// Another station's manager may not touch this one's rooms.
	await assertProblem(srv.url, await as(otherManager, { method: 'POST', path: `/api/v1/stations/${station}/rooms`, body: { name: '越权室' } }), 403, 'forbidden');
	await assertProblem(srv.url, await as(otherManager, { method: 'PATCH', path: `/api/v1/rooms/${room}`, body: { capacity: 1 } }), 403, 'forbidden');
	// Every bad field at once.
	const bad = await as(manager, { method: 'POST', path: `/api/v1/stations/${station}/rooms`, body: { name: '', kind: 'ballroom', capacity: -1 } });
	await assertProblem(srv.url, bad, 422, 'validation', { fields: ['name', 'kind', 'capacity'] });

	// A room without its own hours keeps the station's; removed when unbooked.
	const spare = await as(manager, { method: 'POST', path: `/api/v1/stations/${station}/rooms`, body: { name: '党员之家', kind: 'party_home', capacity: 12 } });
	await assertJson(srv.url, spare, 201, 'BookableRoom');
	assert.equal(spare.json.own_hours, false);
	const renamed = await as(manager, { method: 'PATCH', path: `/api/v1/rooms/${spare.json.id}`, body: { note: '请保持安静', bookable: false } });
	await assertJson(srv.url, renamed, 200, 'BookableRoom');
	assert.equal(renamed.json.bookable, false);
	await assertProblem(srv.url, await book(resident, slot(3, '10:00', '11:00'), spare.json.id), 409, 'not-bookable');
	const gone = await as(manager, { method: 'DELETE', path: `/api/v1/rooms/${spare.json.id}` });
	assert.equal(gone.status, 204, gone.text);
	// The station's own rooms field names the same rooms.
	const detail = await api(srv.url, { path: `/api/v1/stations/${station}` });
	assert.ok(detail.json.rooms.some((r) => r.id === room));
	assert.ok(!detail.json.rooms.some((r) => r.id === spare.json.id));
});

test('a booking that breaks a rule is a 422 naming the rule, and nothing is written', async () => {
	const before = Number((await sqlRows(srv.dbUrl, 'SELECT COUNT(*) FROM room_bookings'))[0][0]);
	const cases = [
		[slot(2, '11:00', '10:00'), 'ends_at', /结束时间应晚于开始时间/],
		[slot(2, '06:00', '09:00'), 'hours', /开放时间/],
		[slot(2, '20:00', '22:00'), 'hours', /开放时间/],
		[slot(2, '09:00', '14:00'), 'ends_at', /最长 240 分钟/],
		[slot(2, '10:00', '11:00', { attendees: 21 }), 'attendees', /容纳人数/],
		[slot(-1, '10:00', '11:00'), 'starts_at', /过去/],
		[slot(2, '10:00', '11:00', { group_name: '' }), 'group_name', null],
		[slot(2, '10:00', '11:00', { starts_at: 'tomorrow' }), 'starts_at', /RFC 3339/],
	];
	for (const [body, field, words] of cases) {
		const r = await book(resident, body);
		await assertProblem(srv.url, r, 422, 'validation', { fields: [field] });
		if (words) assert.match(r.json.errors.find((e) => e.field === field).message, words, field);
	}
	// English on request.
	const en = await api(srv.url, { method: 'POST', path: `/api/v1/rooms/${room}/bookings`, session: resident, body: slot(2, '11:00', '10:00'), headers: { 'Accept-Language': 'en' } });
	assert.match(en.json.errors[0].message, /end should come after the start/);
	assert.equal(Number((await sqlRows(srv.dbUrl, 'SELECT COUNT(*) FROM room_bookings'))[0][0]), before);
});

test('book, overlap refused with the clashing time, touching slots fine, approve, decline frees the slot', async () => {
	const first = await book(resident, slot(4, '09:00', '11:00'));
	await assertJson(srv.url, first, 201, 'RoomBooking');
	assert.equal(first.json.state, 'pending');
	assert.equal(first.json.booker.id, resident.account.id);
	assert.deepEqual(first.json.actions, ['cancel']);
	assert.equal(first.headers.get('location'), `/api/v1/room-bookings/${first.json.id}`);
	// The managers of the station hear of it.
	const told = await sqlRows(srv.dbUrl, `SELECT title FROM inbox WHERE account_id = ${manager.account.id} AND kind = 'room_booked' AND ref_id = ${first.json.id}`);
	assert.equal(told.length, 1);

	// Overlapping: 409, naming the booking it meets.
	const clash = await book(neighbour, slot(4, '10:00', '12:00'));
	await assertProblem(srv.url, clash, 409, 'overlap');
	assert.match(clash.json.detail, /该时段已被预约（.*09:00–11:00）/);
	// Touching: one ends when the next starts, both fine.
	const after1 = await book(neighbour, slot(4, '11:00', '12:00'));
	assert.equal(after1.status, 201, after1.text);
	const before1 = await book(neighbour, slot(4, '08:00', '09:00'));
	assert.equal(before1.status, 201, before1.text);

	// The calendar shows them; the booker's name only to the managers.
	const cal = await api(srv.url, { path: `/api/v1/stations/${station}/room-calendar?from=${at(4, '00:00').slice(0, 10)}&days=1` });
	await assertJson(srv.url, cal, 200, 'RoomCalendar');
	const mine = cal.json.bookings.filter((b) => b.room_id === room);
	assert.deepEqual(mine.map((b) => b.starts_at.slice(11, 16)), ['08:00', '09:00', '11:00']);
	assert.ok(mine.every((b) => b.booker === undefined && b.purpose === undefined));
	const seen = await as(manager, { path: `/api/v1/stations/${station}/room-calendar?from=${at(4, '00:00').slice(0, 10)}&days=1` });
	assert.ok(seen.json.bookings.filter((b) => b.room_id === room).every((b) => b.booker.name.length > 0));
	assert.equal(seen.json.may_manage, true);

	// The manager's list has them; another station's manager cannot decide.
	const queue = await as(manager, { path: `/api/v1/room-bookings?station_id=${station}` });
	await assertJson(srv.url, queue, 200, 'RoomBookingList');
	assert.ok(queue.json.items.some((b) => b.id === first.json.id && b.actions.includes('approve')));
	assert.ok(!(await as(otherManager, { path: '/api/v1/room-bookings' })).json.items.some((b) => b.id === first.json.id));
	await assertProblem(srv.url, await step(otherManager, first.json.id, { action: 'approve' }), 404, 'not-found');
	// The booker may not approve their own booking.
	await assertProblem(srv.url, await step(resident, first.json.id, { action: 'approve' }), 403, 'forbidden');

	const ok = await step(manager, first.json.id, { action: 'approve', version: first.json.version });
	await assertJson(srv.url, ok, 200, 'RoomBooking');
	assert.equal(ok.json.state, 'approved');
	await assertProblem(srv.url, await step(manager, first.json.id, { action: 'approve' }), 409, 'invalid-transition');
	const heard = await sqlRows(srv.dbUrl, `SELECT kind FROM inbox WHERE account_id = ${resident.account.id} AND ref_noun = 'room_booking' AND ref_id = ${first.json.id}`);
	assert.deepEqual(heard.map((r) => r[0]), ['room_approved']);
	// Check-in opens 15 minutes before the start: days ahead, not yet.
	await assertProblem(srv.url, await step(resident, first.json.id, { action: 'check_in' }), 409, 'too-early');

	// A decline needs a reason, and frees the slot.
	await assertProblem(srv.url, await step(manager, first.json.id, { action: 'decline' }), 422, 'validation', { fields: ['reason'] });
	const no = await step(manager, first.json.id, { action: 'decline', reason: '当天驿站有检查' });
	assert.equal(no.json.state, 'declined');
	assert.equal(no.json.decline_reason, '当天驿站有检查');
	const again = await book(neighbour, slot(4, '09:30', '10:30'));
	assert.equal(again.status, 201, again.text);
	// A cancelled booking frees its slot too.
	const gone = await step(neighbour, again.json.id, { action: 'cancel' });
	assert.equal(gone.json.state, 'cancelled');
	assert.equal((await book(resident, slot(4, '09:00', '11:00'))).status, 201);
	// Others do not see someone's booking at all.
	await assertProblem(srv.url, await as(neighbour, { path: `/api/v1/room-bookings/${first.json.id}` }), 404, 'not-found');
	const myList = await as(resident, { path: '/api/v1/me/room-bookings' });
	await assertJson(srv.url, myList, 200, 'RoomBookingList');
	assert.ok(myList.json.items.some((b) => b.id === first.json.id && b.state === 'declined'));
	// Events for the live queue and the group bots.
	const topics = await sqlRows(srv.dbUrl, `SELECT topic FROM outbox WHERE object_id = '${first.json.id}' AND topic LIKE 'room.%' ORDER BY id`);
	assert.deepEqual(topics.map((r) => r[0]), ['room.booked', 'room.approved', 'room.declined']);
});

test('sixteen bookings of one slot at once: exactly one wins, the others are told it is taken', async () => {
	const people = [resident, neighbour, await newAccount(`resident@${COMMUNITY}`, '居民三'), await newAccount(`volunteer@${COMMUNITY}`, '志愿者四')];
	const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => book(people[i % people.length], slot(5, i % 2 ? '14:00' : '14:30', i % 2 ? '15:00' : '15:30'))));
	const statuses = answers.map((r) => r.status).sort();
	assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(','));
	assert.equal(statuses.filter((s) => s === 409).length, 15, statuses.join(','));
	for (const r of answers.filter((a) => a.status === 409)) assert.equal(r.json.type.endsWith('overlap'), true, r.text);
	const held = await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM room_bookings WHERE room_id = ${room} AND state = 'pending' AND starts_s < ${Date.parse(at(5, '15:30')) / 1000} AND ends_s > ${Date.parse(at(5, '14:00')) / 1000}`);
	assert.equal(Number(held[0][0]), 1);
});

test('the database itself refuses an overlap written with its own shell', async () => {
	const made = await book(resident, slot(6, '16:00', '17:00'));
	assert.equal(made.status, 201, made.text);
	const s = Date.parse(at(6, '16:30')) / 1000;
	const insert = (state) =>
		`INSERT INTO room_bookings (room_id, booker_id, group_name, purpose, attendees, starts_s, ends_s, state, created_s, updated_s)` +
		` VALUES (${room}, ${resident.account.id}, '直写', '绕过接口', 2, ${s}, ${s + 3600}, '${state}', 0, 0)`;
	await assert.rejects(sqlRows(srv.dbUrl, insert('approved')), /room_bookings_no_overlap/);
	// Touching or not holding the room: the database takes it.
	await sqlRows(srv.dbUrl, insert('declined'));
	const after = `INSERT INTO room_bookings (room_id, booker_id, group_name, purpose, attendees, starts_s, ends_s, state, created_s, updated_s) VALUES (${room}, ${resident.account.id}, '直写', '紧挨着', 2, ${s + 1800}, ${s + 3600}, 'pending', 0, 0)`;
	await sqlRows(srv.dbUrl, after);
	// Nor may an update move a booking onto another.
	await assert.rejects(sqlRows(srv.dbUrl, `UPDATE room_bookings SET state = 'pending' WHERE group_name = '直写' AND purpose = '绕过接口'`), /room_bookings_no_overlap/);
	// Ends before it starts: a CHECK of the table.
	await assert.rejects(sqlRows(srv.dbUrl, `INSERT INTO room_bookings (room_id, booker_id, group_name, purpose, attendees, starts_s, ends_s, state, created_s, updated_s) VALUES (${room}, ${resident.account.id}, '直写', '倒着', 2, ${s + 9000}, ${s + 8000}, 'cancelled', 0, 0)`), /room_bookings_ends_after_start|CHECK/i);
});

test('a booking nobody checks in to is released 15 minutes after its start, and the booker told', async () => {
	// A server of its own, so its clock can move.
	const own = await startServer({ args: ['--release-ms', '50'] });
	const dbUrl = own.dbUrl;
	let ids;
	try {
		const [m, r] = await Promise.all([login(own.url, DEMO.manager, DEMO_PASSWORD), login(own.url, DEMO.resident, DEMO_PASSWORD)]);
		const st = Number(m.account.roles.find((g) => g.role === 'manager').scope.replace('station:', ''));
		const made = await api(own.url, { method: 'POST', path: `/api/v1/stations/${st}/rooms`, session: m, body: { name: '全天室', capacity: 10, hours: [{ days: [1, 2, 3, 4, 5, 6, 7], open: '00:00', close: '24:00' }] } });
		assert.equal(made.status, 201, made.text);
		// Starting in an hour (rounded to the minute): one approved, one
		// checked in, one pending.
		const startS = Math.ceil(Date.now() / 1000 / 60) * 60 + H;
		const iso = (t) => new Date((t + 8 * H) * 1000).toISOString().slice(0, 19) + '+08:00';
		const b = async (from, to) => {
			const x = await api(own.url, { method: 'POST', path: `/api/v1/rooms/${made.json.id}/bookings`, session: r, body: { group_name: '第三党支部', purpose: '主题党日', attendees: 5, starts_at: iso(from), ends_at: iso(to) } });
			assert.equal(x.status, 201, x.text);
			return x.json.id;
		};
		ids = { approved: await b(startS, startS + 1800), pending: await b(startS + 1800, startS + 3600), came: await b(startS + 3600, startS + 5400) };
		for (const id of [ids.approved, ids.came]) assert.equal((await api(own.url, { method: 'POST', path: `/api/v1/room-bookings/${id}/steps`, session: m, body: { action: 'approve' } })).status, 200);
		// Not yet due: nothing released.
		await new Promise((res) => setTimeout(res, 300));
		assert.equal(Number((await sqlRows(dbUrl, `SELECT COUNT(*) FROM room_bookings WHERE state = 'released'`))[0][0]), 0);
	} finally {
		await own.stop({ keep: true });
	}
	// An hour and 50 minutes later: the group of the third slot checks in
	// (its start is 10 minutes ago); the first two were never checked in.
	const later = await startServer({ dbUrl, seed: false, args: ['--release-ms', '50', '--clock-offset', String(H + 50 * 60)] });
	try {
		const r = await login(later.url, DEMO.resident, DEMO_PASSWORD);
		const came = await api(later.url, { method: 'POST', path: `/api/v1/room-bookings/${ids.came}/steps`, session: r, body: { action: 'check_in' } });
		assert.equal(came.status, 200, came.text);
		assert.equal(came.json.state, 'checked_in');
		const until = Date.now() + 10000;
		let states;
		do {
			await new Promise((res) => setTimeout(res, 100));
			states = Object.fromEntries(await sqlRows(dbUrl, `SELECT id, state FROM room_bookings WHERE id IN (${ids.approved}, ${ids.pending}, ${ids.came})`));
		} while ((states[ids.approved] !== 'released' || states[ids.pending] !== 'released') && Date.now() < until);
		assert.equal(states[ids.approved], 'released');
		assert.equal(states[ids.pending], 'released');
		assert.equal(states[ids.came], 'checked_in');
		const told = await sqlRows(dbUrl, `SELECT ref_id FROM inbox WHERE kind = 'room_released' AND account_id = ${r.account.id} ORDER BY ref_id`);
		assert.deepEqual(told.map((t) => Number(t[0])), [ids.approved, ids.pending]);
		// Released once, however often the job runs.
		await new Promise((res) => setTimeout(res, 300));
		assert.equal(Number((await sqlRows(dbUrl, `SELECT COUNT(*) FROM outbox WHERE topic = 'room.released'`))[0][0]), 2);
		// Too late to check in now.
		await assertProblem(later.url, await api(later.url, { method: 'POST', path: `/api/v1/room-bookings/${ids.approved}/steps`, session: r, body: { action: 'check_in' } }), 409, 'invalid-transition');
	} finally {
		await later.stop();
	}
});

test('a room with bookings to come is not removed through the station’s rooms list; without them it is', async () => {
	const made = await as(manager, { method: 'POST', path: `/api/v1/stations/${station}/rooms`, body: { name: '临时活动室', kind: 'activity_room', capacity: 10 } });
	assert.equal(made.status, 201, made.text);
	const b = await book(resident, slot(3, '10:00', '11:00'), made.json.id);
	assert.equal(b.status, 201, b.text);
	const page = await as(manager, { path: `/api/v1/stations/${station}` });
	const others = page.json.rooms.filter((r) => r.name !== '临时活动室').map((r) => ({ name: r.name, capacity: r.capacity }));
	const refused = await as(manager, { method: 'PATCH', path: `/api/v1/stations/${station}`, body: { rooms: others } });
	await assertProblem(srv.url, refused, 422, 'validation', { fields: ['rooms'] });
	assert.match(refused.json.errors[0].message, /临时活动室.*1 个未结束的预约/);
	assert.equal((await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM room_bookings WHERE id = ${b.json.id}`))[0][0], '1', 'the booking stays');
	assert.equal((await step(resident, b.json.id, { action: 'cancel' })).status, 200);
	const removed = await as(manager, { method: 'PATCH', path: `/api/v1/stations/${station}`, body: { rooms: others } });
	assert.equal(removed.status, 200, removed.text);
	assert.equal((await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM station_rooms WHERE id = ${made.json.id}`))[0][0], '0');
});
