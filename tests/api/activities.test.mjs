// Activities on the real server: staff organise and publish, people sign
// up (a waitlist when the seats are gone, promoted in order), cancel until
// the cut-off, attend by the activity's code (once, with one
// "activity.attended" event and a check-in at the station) or are marked by
// the organiser; every refusal names its rule and writes nothing; the
// iCalendar feeds read by a real parser (ical.js) across a change and a
// cancellation; reminders a day and an hour before with a moved clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';

import { startServer, sqlRows, addUser, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, loadOpenapi } from './lib/schema.mjs';

const COMMUNITY = '610303008003';
const H = 3600;
const iso = (s) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
const nowS = () => Math.floor(Date.now() / 1000);

let srv, admin, staff, manager, resident, station, otherStaff;
const as = (who, opts) => api(srv.url, { ...opts, ...(who?.token ? { token: who.token } : { session: who }) });
const count = async (sql) => Number((await sqlRows(srv.dbUrl, sql))[0][0]);

/** n fresh accounts, each with an API token: { id, token }. */
async function people(n, prefix = '166') {
	const out = [];
	for (let i = 0; i < n; i++) {
		const acc = await as(admin, { method: 'POST', path: '/api/v1/accounts', body: { phone: uniquePhone(prefix), name: `参加者${i + 1}` } });
		assert.equal(acc.status, 201, acc.text);
		const tok = await as(admin, { method: 'POST', path: '/api/v1/tokens', body: { account_id: acc.json.id, name: 'activities test' } });
		assert.equal(tok.status, 201, tok.text);
		out.push({ id: acc.json.id, token: tok.json.token, phone: acc.json.phone });
	}
	return out;
}

function training(extra = {}) {
	const t = nowS();
	return { kind: 'training', title: '电动车安全驾驶培训', description: '交警大队讲解，现场发放头盔', station_id: station, starts_at: iso(t + 2 * 86400), ends_at: iso(t + 2 * 86400 + 2 * H), capacity: 20, points: 5, ...extra };
}

async function published(body, who = staff) {
	const made = await as(who, { method: 'POST', path: '/api/v1/activities', body });
	assert.equal(made.status, 201, made.text);
	const pub = await as(who, { method: 'POST', path: `/api/v1/activities/${made.json.id}/publish` });
	assert.equal(pub.status, 200, pub.text);
	return pub.json;
}

before(async () => {
	srv = await startServer();
	await loadOpenapi(srv.url);
	[admin, staff, manager, resident] = await Promise.all([
		login(srv.url, DEMO.admin, DEMO_PASSWORD),
		login(srv.url, DEMO.staff, DEMO_PASSWORD),
		login(srv.url, DEMO.manager, DEMO_PASSWORD),
		login(srv.url, DEMO.resident, DEMO_PASSWORD),
	]);
	const p = uniquePhone('177');
	await addUser(srv.dbUrl, { phone: p, name: '别的区', role: 'staff@610302004', password: 'Act#2026xx' });
	otherStaff = await login(srv.url, p, 'Act#2026xx');
	station = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
});
after(() => srv?.stop());

test('staff organise a draft, publish it, and anybody finds it near them and at its station', async () => {
	// Every bad field at once; nothing written.
	const before = await count('SELECT COUNT(*) FROM activities');
	const bad = await as(staff, { method: 'POST', path: '/api/v1/activities', body: { kind: 'picnic', title: '', starts_at: 'tomorrow', ends_at: iso(nowS()), capacity: 0 } });
	await assertProblem(srv.url, bad, 422, 'validation', { fields: ['kind', 'title', 'starts_at', 'capacity'] });
	const backwards = await as(staff, { method: 'POST', path: '/api/v1/activities', body: training({ ends_at: iso(nowS() + H), signup_cutoff_at: iso(nowS() + 3 * 86400) }) });
	await assertProblem(srv.url, backwards, 422, 'validation', { fields: ['ends_at', 'signup_cutoff_at'] });
	const meeting = await as(staff, { method: 'POST', path: '/api/v1/activities', body: training({ kind: 'party_meeting' }) });
	await assertProblem(srv.url, meeting, 422, 'validation', { fields: ['party_org_id'] });
	// Residents and staff of another district may not organise here.
	await assertProblem(srv.url, await as(resident, { method: 'POST', path: '/api/v1/activities', body: training() }), 403, 'forbidden');
	await assertProblem(srv.url, await as(otherStaff, { method: 'POST', path: '/api/v1/activities', body: training() }), 403, 'forbidden');
	assert.equal(await count('SELECT COUNT(*) FROM activities'), before);

	const made = await as(staff, { method: 'POST', path: '/api/v1/activities', body: training() });
	await assertJson(srv.url, made, 201, 'Activity');
	const id = made.json.id;
	assert.equal(made.headers.get('location'), `/api/v1/activities/${id}`);
	assert.equal(made.json.state, 'draft');
	assert.equal(made.json.organiser.id, staff.account.id);
	assert.equal(made.json.may_manage, true);
	assert.match(made.json.attend_url, new RegExp(`/activity\\.html\\?id=${id}&t=a_`));
	// A draft is the organisers' own.
	await assertProblem(srv.url, await api(srv.url, { path: `/api/v1/activities/${id}` }), 404, 'not-found');
	await assertProblem(srv.url, await as(resident, { method: 'POST', path: `/api/v1/activities/${id}/signup` }), 404, 'not-found');
	// The station's manager manages it too; another district's staff do not.
	await assertProblem(srv.url, await as(otherStaff, { method: 'POST', path: `/api/v1/activities/${id}/publish` }), 404, 'not-found');
	const pub = await as(manager, { method: 'POST', path: `/api/v1/activities/${id}/publish` });
	await assertJson(srv.url, pub, 200, 'Activity');
	assert.equal(pub.json.state, 'published');
	await assertProblem(srv.url, await as(manager, { method: 'POST', path: `/api/v1/activities/${id}/publish` }), 409, 'invalid-transition');

	const seen = await api(srv.url, { path: `/api/v1/activities/${id}` });
	await assertJson(srv.url, seen, 200, 'Activity');
	assert.equal(seen.json.attend_url, undefined, 'the code is the organisers’');
	assert.equal(seen.json.may_manage, false);
	assert.equal(seen.json.my_signup, null);
	const atStation = await api(srv.url, { path: `/api/v1/activities?station_id=${station}&kind=training` });
	await assertJson(srv.url, atStation, 200, 'ActivityPage');
	assert.ok(atStation.json.items.some((a) => a.id === id));
	assert.ok(atStation.json.kinds.some((k) => k.code === 'service_desk' && k.name === '延时流动办公桌'));
	const loc = seen.json.location;
	const near = await api(srv.url, { path: `/api/v1/activities?lat=${loc.lat + 0.001}&lng=${loc.lng}&radius_m=2000` });
	const mine = near.json.items.find((a) => a.id === id);
	assert.ok(mine, 'found near the station');
	assert.ok(mine.distance_m > 80 && mine.distance_m < 150, `distance ${mine.distance_m}`);
	const far = await api(srv.url, { path: `/api/v1/activities?lat=${loc.lat + 0.2}&lng=${loc.lng}&radius_m=2000` });
	assert.ok(!far.json.items.some((a) => a.id === id));
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/activities?kind=picnic' }), 422, 'validation', { fields: ['kind'] });
});

test('64 people sign up at once for 20 seats: exactly 20 seats, the rest waitlisted in order, and a freed seat goes to the first', async () => {
	const a = await published(training({ capacity: 20 }));
	const crowd = await people(64);
	const answers = await Promise.all(crowd.map((p) => as(p, { method: 'POST', path: `/api/v1/activities/${a.id}/signup` })));
	for (const r of answers) assert.equal(r.status, 201, r.text);
	const states = answers.map((r) => r.json.my_signup.state);
	assert.equal(states.filter((s) => s === 'signed').length, 20);
	assert.equal(states.filter((s) => s === 'waitlisted').length, 44);
	const rows = await sqlRows(srv.dbUrl, `SELECT id, account_id, state, position FROM activity_signups WHERE activity_id = ${a.id} ORDER BY position`);
	assert.equal(rows.length, 64);
	// The line is the order the sign-ups got the activity: the 20 first hold
	// the seats, the positions are distinct and the waitlist follows them.
	assert.deepEqual(rows.map((r) => r[2]), [...Array(20).fill('signed'), ...Array(44).fill('waitlisted')]);
	assert.equal(new Set(rows.map((r) => r[3])).size, 64);
	const waitPos = answers.filter((r) => r.json.my_signup.state === 'waitlisted').map((r) => r.json.my_signup.waitlist_position).sort((x, y) => x - y);
	assert.deepEqual(waitPos, Array.from({ length: 44 }, (_, i) => i + 1));
	assert.equal(await count(`SELECT seats_taken FROM activities WHERE id = ${a.id}`), 20);
	const detail = await api(srv.url, { path: `/api/v1/activities/${a.id}` });
	assert.equal(detail.json.seats_left, 0);
	assert.equal(detail.json.waitlisted, 44);

	// Signing up twice is refused, naming the place in line; nothing changes.
	const firstWaiting = crowd.find((p) => Number(p.id) === Number(rows[20][1]));
	const again = await as(firstWaiting, { method: 'POST', path: `/api/v1/activities/${a.id}/signup` });
	await assertProblem(srv.url, again, 409, 'already-signed-up');
	assert.match(again.json.detail, /候补.*第 1 位/);
	const seated = crowd.find((p) => Number(p.id) === Number(rows[0][1]));
	await assertProblem(srv.url, await as(seated, { method: 'POST', path: `/api/v1/activities/${a.id}/signup` }), 409, 'already-signed-up');

	// One seated cancels: the first waitlisted is promoted and told.
	const gone = await as(seated, { method: 'DELETE', path: `/api/v1/activities/${a.id}/signup` });
	await assertJson(srv.url, gone, 200, 'Activity');
	assert.equal(gone.json.my_signup.state, 'cancelled');
	const after = await as(firstWaiting, { path: `/api/v1/activities/${a.id}` });
	assert.equal(after.json.my_signup.state, 'signed');
	assert.equal(after.json.seats_taken, 20);
	assert.equal(after.json.waitlisted, 43);
	const told = await sqlRows(srv.dbUrl, `SELECT kind, ref_noun, ref_id FROM inbox WHERE account_id = ${firstWaiting.id}`);
	assert.deepEqual(told, [['seated', 'activity', String(a.id)]]);
	const second = crowd.find((p) => Number(p.id) === Number(rows[21][1]));
	assert.equal((await as(second, { path: `/api/v1/activities/${a.id}` })).json.my_signup.waitlist_position, 1);
	// Cancelling what is cancelled is refused; signing up again goes to the end of the line.
	await assertProblem(srv.url, await as(seated, { method: 'DELETE', path: `/api/v1/activities/${a.id}/signup` }), 409, 'not-signed-up');
	const back = await as(seated, { method: 'POST', path: `/api/v1/activities/${a.id}/signup` });
	assert.equal(back.json.my_signup.state, 'waitlisted');
	assert.equal(back.json.my_signup.waitlist_position, 44);

	// More capacity promotes in order; less than the seats taken is refused.
	await assertProblem(srv.url, await as(staff, { method: 'PATCH', path: `/api/v1/activities/${a.id}`, body: { capacity: 10 } }), 409, 'capacity-below-signups');
	const more = await as(staff, { method: 'PATCH', path: `/api/v1/activities/${a.id}`, body: { capacity: 22 } });
	assert.equal(more.status, 200, more.text);
	assert.equal(more.json.seats_taken, 22);
	const promoted = await sqlRows(srv.dbUrl, `SELECT account_id FROM activity_signups WHERE activity_id = ${a.id} AND state = 'signed' ORDER BY position DESC LIMIT 2`);
	assert.deepEqual(promoted.map((r) => r[0]).sort(), [rows[21][1], rows[22][1]].sort());
});

test('who may join: workers, party members, a team — each refusal names the rule', async () => {
	const [rider, plain, member] = await people(3, '165');
	// Staff entered the rider and the member in the ledger with their numbers.
	for (const [p, categories] of [[rider, ['rider']], [member, ['party_member']]]) {
		const r = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name: '台账', phone: p.phone, region_code: COMMUNITY, categories } });
		assert.equal(r.status, 201, r.text);
	}
	const workers = await published(training({ audience: 'workers', title: '骑手专场培训' }));
	const refused = await as(plain, { method: 'POST', path: `/api/v1/activities/${workers.id}/signup` });
	await assertProblem(srv.url, refused, 403, 'not-eligible');
	assert.match(refused.json.detail, /骑手/);
	assert.equal(await count(`SELECT COUNT(*) FROM activity_signups WHERE activity_id = ${workers.id}`), 0);
	assert.equal((await as(rider, { method: 'POST', path: `/api/v1/activities/${workers.id}/signup` })).json.my_signup.state, 'signed');
	const party = await published(training({ audience: 'party', title: '主题党日' }));
	await assertProblem(srv.url, await as(rider, { method: 'POST', path: `/api/v1/activities/${party.id}/signup` }), 403, 'not-eligible');
	assert.equal((await as(member, { method: 'POST', path: `/api/v1/activities/${party.id}/signup` })).status, 201);
	const team = await as(staff, { method: 'POST', path: '/api/v1/teams', body: { name: `活动测试队${nowS()}`, region_code: COMMUNITY } });
	assert.equal(team.status, 201, team.text);
	const teamOnly = await published(training({ audience: 'team', audience_ref: team.json.id, title: '队内培训' }));
	await assertProblem(srv.url, await as(member, { method: 'POST', path: `/api/v1/activities/${teamOnly.id}/signup` }), 403, 'not-eligible');
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: '/api/v1/activities', body: training({ audience: 'team' }) }), 422, 'validation', { fields: ['audience_ref'] });
	// A cancelled activity takes no sign-ups.
	const c = await as(staff, { method: 'POST', path: `/api/v1/activities/${party.id}/cancel`, body: { reason: '场地检修' } });
	await assertJson(srv.url, c, 200, 'Activity');
	await assertProblem(srv.url, await as(rider, { method: 'POST', path: `/api/v1/activities/${party.id}/signup` }), 409, 'not-open');
	assert.deepEqual(await sqlRows(srv.dbUrl, `SELECT kind FROM inbox WHERE account_id = ${member.id} AND ref_noun = 'activity'`), [['cancelled']]);
});

test('attendance by the code: once, with one activity.attended event and a check-in; a wrong code is refused; a walk-in takes a free seat', async () => {
	const t = nowS();
	const a = await published(training({ starts_at: iso(t + 600), ends_at: iso(t + 2 * H), signup_cutoff_at: iso(t + 300), capacity: 2, points: 8 }));
	const token = new URL((await as(staff, { path: `/api/v1/activities/${a.id}` })).json.attend_url).searchParams.get('t');
	const [p1, p2, p3] = await people(3, '164');
	assert.equal((await as(p1, { method: 'POST', path: `/api/v1/activities/${a.id}/signup` })).status, 201);
	const attend = (who, tok) => as(who, { method: 'POST', path: `/api/v1/activities/${a.id}/attend`, body: { token: tok } });
	await assertProblem(srv.url, await attend(p1, 'a_wrong'), 403, 'bad-token');
	await assertProblem(srv.url, await attend(p1, token.slice(0, -1)), 403, 'bad-token');
	const first = await attend(p1, token);
	await assertJson(srv.url, first, 200, 'ActivityAttendance');
	assert.equal(first.json.state, 'attended');
	assert.equal(first.json.already, false);
	const second = await attend(p1, token);
	assert.equal(second.json.already, true);
	const events = await sqlRows(srv.dbUrl, `SELECT object_id, account_id, data FROM outbox WHERE topic = 'activity.attended'`);
	const ours = events.filter((e) => JSON.parse(e[2]).activity_id === a.id);
	assert.equal(ours.length, 1);
	assert.equal(ours[0][0], String(first.json.id));
	assert.equal(Number(ours[0][1]), p1.id);
	const data = JSON.parse(ours[0][2]);
	assert.equal(data.signup_id, first.json.id);
	assert.equal(data.account_id, p1.id);
	assert.equal(data.points, 8);
	assert.equal(data.kind, 'training');
	assert.equal(data.title, '电动车安全驾驶培训');
	assert.ok(data.station);
	const checkins = await sqlRows(srv.dbUrl, `SELECT c.purpose, c.station_id FROM checkins c JOIN persons p ON p.id = c.person_id WHERE p.account_id = ${p1.id}`);
	assert.deepEqual(checkins, [['activity', String(station)]]);
	// A walk-in takes the free seat; then the activity is full.
	const walk = await attend(p2, token);
	assert.equal(walk.json.walk_in, true);
	const full = await attend(p3, token);
	await assertProblem(srv.url, full, 409, 'full');
	// The organiser's sheet: resident may not read it; marks are idempotent.
	await assertProblem(srv.url, await as(p3, { path: `/api/v1/activities/${a.id}/sheet` }), 403, 'forbidden');
	const sheet = await as(staff, { path: `/api/v1/activities/${a.id}/sheet` });
	await assertJson(srv.url, sheet, 200, 'ActivitySheet');
	assert.deepEqual(sheet.json.items.map((s) => [s.account.id, s.state, s.how]), [[p1.id, 'attended', 'scan'], [p2.id, 'attended', 'scan']]);
	assert.equal(sheet.json.counts.attended, 2);
	const mark = await as(staff, { method: 'POST', path: `/api/v1/activities/${a.id}/sheet`, body: { account_id: p1.id, state: 'attended' } });
	assert.equal(mark.status, 200, mark.text);
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: `/api/v1/activities/${a.id}/sheet`, body: { account_id: p1.id, state: 'no_show' } }), 409, 'invalid-transition');
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: `/api/v1/activities/${a.id}/sheet`, body: { account_id: p3.id, state: 'gone' } }), 422, 'validation', { fields: ['state'] });
	assert.equal((await sqlRows(srv.dbUrl, `SELECT data FROM outbox WHERE topic = 'activity.attended'`)).filter((e) => JSON.parse(e[0]).activity_id === a.id).length, 2);
	// After the cut-off nobody signs up or cancels (the cut-off is past here
	// once the clock has moved: see the reminders test), and cancelling the
	// activity leaves attendance — and so points — as they were.
	const cancelled = await as(staff, { method: 'POST', path: `/api/v1/activities/${a.id}/cancel`, body: { reason: '暴雨预警' } });
	assert.equal(cancelled.json.state, 'cancelled');
	assert.equal(await count(`SELECT COUNT(*) FROM activity_signups WHERE activity_id = ${a.id} AND state = 'attended'`), 2);
	await assertProblem(srv.url, await attend(p3, token), 409, 'not-open');
});

test('the iCalendar feeds, read by ical.js: stable UID, the time zone, SEQUENCE and STATUS across a change and a cancellation', async () => {
	const a = await published(training({ title: '夜校：手机摄影, 短视频; 直播\\入门', description: '第一行\n第二行：' + '长'.repeat(60), place: '二楼会议室' }));
	const [p] = await people(1, '163');
	await as(p, { method: 'POST', path: `/api/v1/activities/${a.id}/signup` });
	const feed = async () => {
		const r = await api(srv.url, { path: `/api/v1/activities.ics?station=${station}` });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.headers.get('content-type'), 'text/calendar; charset=utf-8');
		return r.text;
	};
	const event = (text) => {
		// Every line ends CRLF and holds at most 75 octets.
		assert.ok(text.endsWith('\r\n'));
		for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `line too long: ${line}`);
		assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(text), 'bare CR or LF');
		const cal = new ICAL.Component(ICAL.parse(text));
		const tz = cal.getFirstSubcomponent('vtimezone');
		assert.equal(tz.getFirstPropertyValue('tzid'), 'Asia/Shanghai');
		const vevent = cal.getAllSubcomponents('vevent').find((v) => v.getFirstPropertyValue('uid') === `activity-${a.id}@yizhan.example`);
		assert.ok(vevent, 'the activity is in the feed');
		return vevent;
	};
	let v = event(await feed());
	const ev = new ICAL.Event(v);
	assert.equal(ev.summary, '夜校：手机摄影, 短视频; 直播\\入门');
	assert.equal(ev.description, '第一行\n第二行：' + '长'.repeat(60));
	assert.ok(ev.location.includes('二楼会议室'));
	assert.equal(v.getFirstProperty('dtstart').getParameter('tzid'), 'Asia/Shanghai');
	assert.equal(ev.startDate.toUnixTime(), Date.parse(a.starts_at) / 1000);
	assert.equal(v.getFirstPropertyValue('sequence'), 0);
	assert.equal(v.getFirstPropertyValue('status'), 'CONFIRMED');
	assert.ok(v.getFirstPropertyValue('geo'));
	assert.equal(v.getFirstPropertyValue('dtstamp').zone.tzid, 'UTC');

	const moved = Date.parse(a.starts_at) / 1000 + H;
	const ch = await as(staff, { method: 'PATCH', path: `/api/v1/activities/${a.id}`, body: { starts_at: iso(moved), ends_at: iso(moved + H) } });
	assert.equal(ch.status, 200, ch.text);
	assert.equal(ch.json.sequence, 1);
	v = event(await feed());
	assert.equal(v.getFirstPropertyValue('sequence'), 1);
	assert.equal(new ICAL.Event(v).startDate.toUnixTime(), moved);
	assert.deepEqual(await sqlRows(srv.dbUrl, `SELECT kind FROM inbox WHERE account_id = ${p.id}`), [['changed']]);

	// The person's own feed: a private address minted on request.
	const mint = await as(p, { method: 'POST', path: '/api/v1/me/activities/feed' });
	await assertJson(srv.url, mint, 201, 'ActivityFeed');
	const own = await api(srv.url, { path: new URL(mint.json.url).pathname + new URL(mint.json.url).search });
	assert.equal(own.status, 200);
	event(own.text);
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/me/activities.ics?token=cal_nope' }), 404, 'not-found');
	const mine = await as(p, { path: '/api/v1/me/activities' });
	await assertJson(srv.url, mine, 200, 'MyActivities');
	assert.ok(mine.json.items.some((x) => x.id === a.id && x.my_signup.state === 'signed'));

	await as(staff, { method: 'POST', path: `/api/v1/activities/${a.id}/cancel`, body: { reason: '讲师生病' } });
	v = event(await feed());
	assert.equal(v.getFirstPropertyValue('status'), 'CANCELLED');
	assert.equal(v.getFirstPropertyValue('sequence'), 2);
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/activities.ics' }), 422, 'validation', { fields: ['station'] });
});

test('a deliberation meeting opens its problems as requests; an after-hours desk counts the people each item served', async () => {
	const d = await published(training({ kind: 'deliberation', title: '板凳会：小区停车', topic: '电动车充电停车', participants: '居民代表 12 人' }));
	const p = await as(staff, { method: 'POST', path: `/api/v1/activities/${d.id}/problems`, body: { text: '3 号楼门口缺充电桩', open_request: true, category: 'community' } });
	await assertJson(srv.url, p, 201, 'ActivityProblem');
	assert.ok(p.json.request_id);
	const req = await as(staff, { path: `/api/v1/requests/${p.json.request_id}` });
	assert.equal(req.json.kind, 'suggestion');
	assert.match(req.json.description, new RegExp(`activity\\.html\\?id=${d.id}`));
	await as(staff, { method: 'POST', path: `/api/v1/activities/${d.id}/problems`, body: { text: '楼道堆物已清理', solved: true } });
	const dd = await api(srv.url, { path: `/api/v1/activities/${d.id}` });
	await assertJson(srv.url, dd, 200, 'Activity');
	assert.equal(dd.json.problems.length, 2);
	assert.equal(dd.json.problems_solved, 1);
	assert.equal(dd.json.topic, '电动车充电停车');

	const desk = await published(training({ kind: 'service_desk', title: '延时服务', service_items: ['社保查询', '居住证办理'] }));
	await assertProblem(srv.url, await as(staff, { method: 'PUT', path: `/api/v1/activities/${desk.id}/desk`, body: { items: [{ item: '护照', served: 1 }] } }), 422, 'validation', { fields: ['items'] });
	const counted = await as(staff, { method: 'PUT', path: `/api/v1/activities/${desk.id}/desk`, body: { items: [{ item: '社保查询', served: 7 }, { item: '居住证办理', served: 3 }] } });
	await assertJson(srv.url, counted, 200, 'Activity');
	assert.equal(counted.json.served_total, 10);
	await assertProblem(srv.url, await as(resident, { method: 'PUT', path: `/api/v1/activities/${desk.id}/desk`, body: { items: [] } }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: '/api/v1/activities', body: training({ service_items: ['x'] }) }), 422, 'validation', { fields: ['service_items'] });
});

test('reminders a day and an hour before, once each across restarts; the cut-off; no-shows after the end', async () => {
	const t = nowS();
	const starts = t + 25 * H;
	const a = await published(training({ starts_at: iso(starts), ends_at: iso(starts + 2 * H), signup_cutoff_at: iso(starts - 24 * H) }));
	const [p, late, absent] = await people(3, '162');
	assert.equal((await as(p, { method: 'POST', path: `/api/v1/activities/${a.id}/signup` })).status, 201);
	assert.equal((await as(absent, { method: 'POST', path: `/api/v1/activities/${a.id}/signup` })).status, 201);
	const reminders = async (who) => (await sqlRows(srv.dbUrl, `SELECT title FROM inbox WHERE account_id = ${who.id} AND kind = 'reminder' ORDER BY id`)).map((r) => r[0]);
	const until = async (cond, what) => {
		const end = Date.now() + 10000;
		while (Date.now() < end) {
			if (await cond()) return;
			await new Promise((r) => setTimeout(r, 100));
		}
		assert.fail(`timed out waiting for ${what}`);
	};
	const dbUrl = srv.dbUrl;
	const moved = async (offset) => startServer({ dbUrl, seed: false, args: ['--reminder-ms', '50', '--clock-offset', String(offset)] });
	// Two hours later: past the cut-off, within a day of the start.
	let s = await moved(2 * H);
	try {
		const tok = (who) => ({ token: who.token });
		const closed = await api(s.url, { method: 'POST', path: `/api/v1/activities/${a.id}/signup`, ...tok(late) });
		await assertProblem(s.url, closed, 409, 'signup-closed');
		assert.match(closed.json.detail, /截止/);
		await assertProblem(s.url, await api(s.url, { method: 'DELETE', path: `/api/v1/activities/${a.id}/signup`, ...tok(p) }), 409, 'cancel-closed');
		await until(async () => (await reminders(p)).length === 1, 'the day reminder');
		await new Promise((r) => setTimeout(r, 300));
		assert.deepEqual(await reminders(p), ['24 小时内开始：电动车安全驾驶培训']);
	} finally {
		await s.stop({ keep: true });
	}
	// A restart at the same time sends nothing again; half an hour before, the hour's.
	s = await moved(2 * H + 60);
	await new Promise((r) => setTimeout(r, 400));
	assert.equal((await reminders(p)).length, 1);
	await s.stop({ keep: true });
	s = await moved(24 * H + 40 * 60);
	try {
		await until(async () => (await reminders(p)).length === 2, 'the hour reminder');
		assert.equal((await reminders(p))[1], '一小时后开始：电动车安全驾驶培训');
		assert.equal((await reminders(absent)).length, 2);
	} finally {
		await s.stop({ keep: true });
	}
	// Past the end and the grace: the one who never came is a no-show, the activity done.
	s = await moved(29 * H);
	try {
		await until(async () => (await sqlRows(dbUrl, `SELECT state FROM activities WHERE id = ${a.id}`))[0][0] === 'done', 'the activity done');
		const states = await sqlRows(dbUrl, `SELECT account_id, state FROM activity_signups WHERE activity_id = ${a.id} ORDER BY account_id`);
		assert.deepEqual(states.map((r) => r[1]), ['no_show', 'no_show']);
	} finally {
		await s.stop({ keep: true });
	}
});
