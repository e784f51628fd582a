// The workers' ledger and check-in on the real server and database: staff
// enter people within their scope, numbers are masked and each whole-number
// read is audited, filters and counts, a person's own profile, linking a
// registered account to its ledger entry, and QR check-in with the
// ten-minute rule, placement in the station's community and the day's tally.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, sqlRows, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem } from './lib/schema.mjs';

const STREET = '610303008'; // 卧龙寺街道: the demo staff's street
const COMMUNITY = '610303008003';
const OTHER = '610302004001'; // another district's community

let srv, admin, staff, resident, volunteer;
let openStation, closedStation, openToken, closedToken;

const as = (who, opts) => api(srv.url, { ...opts, session: who });
const tokenOf = async (id) => (await sqlRows(srv.dbUrl, `SELECT qr_token FROM stations WHERE id = ${id}`))[0][0];

async function station(name, closed) {
	const r = await as(admin, {
		method: 'POST',
		path: '/api/v1/stations',
		body: { name, level: 'community', region_code: COMMUNITY, address: `测试路 ${name}`, location: { lat: 34.372, lng: 107.142 }, hours: { always_open: true } },
	});
	assert.equal(r.status, 201, r.text);
	if (closed) assert.equal((await as(admin, { method: 'POST', path: `/api/v1/stations/${r.json.id}/close`, body: { reason: '检修' } })).status, 200);
	return r.json.id;
}

before(async () => {
	srv = await startServer();
	[admin, staff, resident, volunteer] = await Promise.all([
		login(srv.url, DEMO.admin, DEMO_PASSWORD),
		login(srv.url, DEMO.staff, DEMO_PASSWORD),
		login(srv.url, DEMO.resident, DEMO_PASSWORD),
		login(srv.url, DEMO.volunteer, DEMO_PASSWORD),
	]);
	openStation = await station('签到测试站', false);
	closedStation = await station('签到暂停站', true);
	openToken = await tokenOf(openStation);
	closedToken = await tokenOf(closedStation);
});
after(() => srv?.stop());

test('the catalog lists categories, platforms, volunteer roles and purposes, for anyone', async () => {
	const r = await api(srv.url, { path: '/api/v1/people/catalog' });
	await assertJson(srv.url, r, 200, 'PeopleCatalog');
	assert.ok(r.json.categories.some((c) => c.code === 'rider' && c.name_zh === '外卖骑手'));
	assert.ok(r.json.platforms.some((c) => c.code === 'meituan' && c.name_zh === '美团'));
	assert.deepEqual(r.json.roles.map((c) => c.code), ['guard', 'publicity', 'civility', 'opinion', 'safety', 'mediator', 'elder_care']);
	assert.ok(r.json.purposes.some((c) => c.code === 'report_in'));
});

test('staff enter a person in their street; the number is masked, unique, and read whole only with an audit row', async () => {
	const phone = uniquePhone('158');
	const body = { name: '张骑手', phone, categories: ['rider', 'party_member'], platform: 'meituan', region_code: COMMUNITY, roles: ['guard', 'safety'] };
	const r = await as(staff, { method: 'POST', path: '/api/v1/people', body });
	await assertJson(srv.url, r, 201, 'Person');
	assert.equal(r.json.phone, `${phone.slice(0, 3)}****${phone.slice(7)}`);
	assert.deepEqual(r.json.categories, ['rider', 'party_member']);
	assert.deepEqual(r.json.roles, ['guard', 'safety']);
	assert.equal(r.headers.get('location'), `/api/v1/people/${r.json.id}`);

	const again = await as(staff, { method: 'POST', path: '/api/v1/people', body: { ...body, name: '另一个人' } });
	await assertProblem(srv.url, again, 409, 'conflict', { fields: ['phone'] });

	const whole = await as(staff, { method: 'POST', path: `/api/v1/people/${r.json.id}/phone` });
	await assertJson(srv.url, whole, 200, 'PersonPhone');
	assert.equal(whole.json.phone, phone);
	const audit = await as(admin, { path: `/api/v1/audit?action=person.phone_read&object_id=${r.json.id}` });
	assert.equal(audit.status, 200, audit.text);
	assert.equal(audit.json.items.length, 1, 'the whole-number read is in the audit log');
	// A search never finds a number by the digits the mask hides.
	const hidden = await as(staff, { path: `/api/v1/people?q=${phone.slice(3, 7)}` });
	assert.equal(hidden.json.items.length, 0);
	const byWhole = await as(staff, { path: `/api/v1/people?q=${phone}` });
	assert.deepEqual(byWhole.json.items.map((p) => p.id), [r.json.id]);
});

test('bad people are refused, every field named, nothing written', async () => {
	const before = (await as(admin, { path: '/api/v1/people/counts' })).json.total;
	const bad = await as(staff, {
		method: 'POST',
		path: '/api/v1/people',
		body: { name: '', phone: '12345', categories: ['rider'], region_code: '6103', grid_id: 99999 },
	});
	await assertProblem(srv.url, bad, 422, 'validation', { fields: ['name', 'phone', 'region_code', 'grid_id'] });
	const badCode = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name: '王五', phone: uniquePhone('158'), categories: ['astronaut'], region_code: COMMUNITY } });
	await assertProblem(srv.url, badCode, 422, 'validation', { fields: ['categories'] });
	const bad2 = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name: '王五', phone: uniquePhone('158'), platform: 'nowhere', region_code: COMMUNITY, roles: ['king'], work_site_id: 99999 } });
	await assertProblem(srv.url, bad2, 422, 'validation', { fields: ['platform', 'roles', 'work_site_id'] });
	const unknownField = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name: '王五', phone: uniquePhone('158'), region_code: COMMUNITY, salary: 1 } });
	await assertProblem(srv.url, unknownField, 422, 'validation', { fields: ['salary'] });
	const noRegion = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name: '王五', phone: uniquePhone('158') } });
	await assertProblem(srv.url, noRegion, 422, 'validation', { fields: ['region_code'] });
	const outside = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name: '王五', phone: uniquePhone('158'), region_code: OTHER } });
	await assertProblem(srv.url, outside, 403, 'forbidden');
	const worker = await as(resident, { method: 'POST', path: '/api/v1/people', body: { name: '王五', phone: uniquePhone('158'), region_code: COMMUNITY } });
	await assertProblem(srv.url, worker, 403, 'forbidden');
	assert.equal((await as(admin, { path: '/api/v1/people/counts' })).json.total, before);
});

test('staff of one street neither read, change nor list another street’s people; admins of the district do', async () => {
	const other = await as(admin, { method: 'POST', path: '/api/v1/people', body: { name: '外区人员', phone: uniquePhone('158'), region_code: '610303001002' } });
	assert.equal(other.status, 201, other.text);
	await assertProblem(srv.url, await as(staff, { path: `/api/v1/people/${other.json.id}` }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { method: 'PATCH', path: `/api/v1/people/${other.json.id}`, body: { name: '改' } }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: `/api/v1/people/${other.json.id}/phone` }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { path: '/api/v1/people?region=610303001' }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { path: '/api/v1/people/counts?region=6103' }), 403, 'forbidden');
	const mine = await as(staff, { path: '/api/v1/people?limit=200' });
	await assertJson(srv.url, mine, 200, 'PersonPage');
	assert.ok(mine.json.items.every((p) => p.region_code.startsWith(STREET)), 'without a region, the list is the staff member’s own street');
	assert.ok(!mine.json.items.some((p) => p.id === other.json.id));
	const read = await as(admin, { path: `/api/v1/people/${other.json.id}` });
	await assertJson(srv.url, read, 200, 'Person');
	assert.equal(read.json.self, false);
	assert.match(read.json.phone, /^\d{3}\*{4}\d{4}$/);
});

test('counts follow every change at once, though the server keeps them between changes', async () => {
	const grid = '610303008005';
	const site = await as(staff, { method: 'POST', path: '/api/v1/work_sites', body: { name: '计数跟随站点', address: '行政西路 11 号', region_code: grid } });
	assert.equal(site.status, 201, site.text);
	const q = `/api/v1/people/counts?region=${grid}&work_site_id=${site.json.id}`;
	assert.equal((await as(staff, { path: q })).json.total, 0);
	assert.equal((await as(staff, { path: q })).json.total, 0); // kept
	const made = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name: '跟随甲', phone: uniquePhone('157'), categories: ['rider'], region_code: grid, work_site_id: site.json.id } });
	assert.equal(made.status, 201, made.text);
	let c = (await as(staff, { path: q })).json;
	assert.equal(c.total, 1);
	assert.equal(c.by_category.rider, 1);
	const changed = await as(staff, { method: 'PATCH', path: `/api/v1/people/${made.json.id}`, body: { categories: ['courier'] } });
	assert.equal(changed.status, 200, changed.text);
	c = (await as(staff, { path: q })).json;
	assert.equal(c.by_category.courier, 1);
	assert.equal(c.by_category.rider ?? 0, 0);
});

test('filters and counts agree with the people entered', async () => {
	// The demo ledger has people in every community: a work site of this
	// test's own keeps the counts exact.
	const grid = '610303008005';
	const site = await as(staff, { method: 'POST', path: '/api/v1/work_sites', body: { name: '计数测试站点', address: '行政西路 9 号', region_code: grid } });
	assert.equal(site.status, 201, site.text);
	const ws = `work_site_id=${site.json.id}`;
	const made = [];
	for (const [name, categories, platform] of [
		['骑手甲', ['rider'], 'eleme'],
		['骑手乙', ['rider', 'party_member'], 'eleme'],
		['快递丙', ['courier'], 'sf'],
	]) {
		const r = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name, phone: uniquePhone('157'), categories, platform, region_code: grid, work_site_id: site.json.id, roles: name === '快递丙' ? ['publicity'] : [] } });
		assert.equal(r.status, 201, r.text);
		made.push(r.json.id);
	}
	const counts = await as(staff, { path: `/api/v1/people/counts?region=${grid}&${ws}` });
	await assertJson(srv.url, counts, 200, 'PersonCounts');
	assert.equal(counts.json.total, 3);
	assert.equal(counts.json.by_category.rider, 2);
	assert.equal(counts.json.by_category.courier, 1);
	assert.equal(counts.json.by_category.party_member, 1);
	assert.deepEqual(counts.json.by_platform, { eleme: 2, sf: 1 });
	assert.deepEqual(counts.json.by_role, { publicity: 1 });
	assert.deepEqual(counts.json.by_region, [{ code: grid, count: 3 }]);
	const riders = await as(staff, { path: `/api/v1/people?region=${grid}&category=rider&${ws}` });
	assert.deepEqual(riders.json.items.map((p) => p.id), made.slice(0, 2));
	assert.equal(riders.json.total, 2);
	const paged = await as(staff, { path: `/api/v1/people?region=${grid}&${ws}&limit=2` });
	assert.equal(paged.json.items.length, 2);
	const rest = await as(staff, { path: `/api/v1/people?region=${grid}&${ws}&limit=2&after=${paged.json.next_after}` });
	assert.deepEqual([...paged.json.items, ...rest.json.items].map((p) => p.id), made);
	assert.equal(rest.json.next_after, null);
	const byRole = await as(staff, { path: `/api/v1/people?${ws}&role=publicity` });
	assert.deepEqual(byRole.json.items.map((p) => p.id), [made[2]]);
	const street = await as(staff, { path: `/api/v1/people/counts?region=${STREET}&${ws}` });
	assert.deepEqual(street.json.by_region, [{ code: grid, count: 3 }]);
	// Counts for the whole street agree with the list's total.
	const all = await as(staff, { path: `/api/v1/people/counts?region=${STREET}` });
	const listed = await as(staff, { path: `/api/v1/people?region=${STREET}&limit=1` });
	assert.equal(all.json.total, listed.json.total);
	assert.equal(all.json.by_region.reduce((n, r) => n + r.count, 0), all.json.total);
	await assertProblem(srv.url, await as(staff, { path: '/api/v1/people?category=astronaut' }), 422, 'validation', { fields: ['category'] });
	await assertProblem(srv.url, await as(staff, { path: '/api/v1/people?limit=0' }), 422, 'validation', { fields: ['limit'] });
});

test('a person keeps their own profile; staff fields stay staff’s; another’s profile is not theirs to read', async () => {
	const mine = await as(resident, { method: 'PATCH', path: '/api/v1/me/person', body: { categories: ['rider'], platform: 'meituan', roles: ['guard'], consent_version: '2026-01' } });
	await assertJson(srv.url, mine, 200, 'Person');
	assert.equal(mine.json.self, true);
	assert.equal(mine.json.phone, DEMO.resident, 'a person sees their own number whole');
	assert.deepEqual(mine.json.categories, ['rider']);
	assert.ok(mine.json.consent_at, 'consent is recorded with its time');
	const me = await as(resident, { path: '/api/v1/me/person' });
	await assertJson(srv.url, me, 200, 'MyPerson');
	assert.equal(me.json.id, mine.json.id);
	const denied = await as(resident, { method: 'PATCH', path: '/api/v1/me/person', body: { region_code: COMMUNITY, instructor_id: 1 } });
	await assertProblem(srv.url, denied, 403, 'forbidden-field', { fields: ['region_code', 'instructor_id'] });
	const someone = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name: '别人', phone: uniquePhone('156'), region_code: COMMUNITY } });
	await assertProblem(srv.url, await as(resident, { path: `/api/v1/people/${someone.json.id}` }), 403, 'forbidden');
	await assertProblem(srv.url, await as(resident, { method: 'PATCH', path: `/api/v1/people/${someone.json.id}`, body: { name: '改' } }), 403, 'forbidden');
	await assertProblem(srv.url, await as(resident, { path: '/api/v1/people' }), 403, 'forbidden');
});

test('a person’s own profile names their grid, instructor and work site, which they could not look up', async () => {
	const grid = await as(staff, { method: 'POST', path: '/api/v1/grids', body: { name: '龙腾一网格', region_code: COMMUNITY } });
	assert.equal(grid.status, 201, grid.text);
	const site = await as(staff, { method: 'POST', path: '/api/v1/work_sites', body: { name: '美团龙腾站', platform: 'meituan', address: '龙腾路 1 号', region_code: COMMUNITY } });
	assert.equal(site.status, 201, site.text);
	// Staff enter the demo manager's number: the entry is linked to that account.
	const manager = await login(srv.url, DEMO.manager, DEMO_PASSWORD);
	const bare = await as(manager, { path: '/api/v1/me/person' });
	assert.equal(bare.status, 404, 'no profile yet');
	const body = { name: '站长', phone: DEMO.manager, region_code: COMMUNITY, grid_id: grid.json.id, instructor_id: staff.account.id, work_site_id: site.json.id };
	const made = await as(staff, { method: 'POST', path: '/api/v1/people', body });
	assert.equal(made.status, 201, made.text);
	assert.equal(made.json.grid_name, undefined, 'staff read the ids; the names are for the person’s own page');
	const me = await as(manager, { path: '/api/v1/me/person' });
	await assertJson(srv.url, me, 200, 'MyPerson');
	assert.equal(me.json.id, made.json.id);
	assert.equal(me.json.grid_name, '龙腾一网格');
	assert.equal(me.json.instructor_name, staff.account.name);
	assert.equal(me.json.work_site_name, '美团龙腾站');
});

test('an account and the ledger entry of its number are one person', async () => {
	// Staff enter the volunteer before the volunteer opens their profile.
	const entered = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name: '志愿者（台账）', phone: DEMO.volunteer, region_code: COMMUNITY } });
	assert.equal(entered.status, 201, entered.text);
	assert.equal(entered.json.account_id, volunteer.account.id, 'the existing account is linked on entry');
	const own = await as(volunteer, { path: '/api/v1/me/person' });
	assert.equal(own.json.id, entered.json.id);
	const [[n]] = await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM persons WHERE phone = '${DEMO.volunteer}'`);
	assert.equal(Number(n), 1);
});

test('check-in by QR code: once per ten minutes, placed in the station’s community, counted for the day', async () => {
	const worker = await login(srv.url, DEMO.worker, DEMO_PASSWORD);
	await assertProblem(srv.url, await as(worker, { path: '/api/v1/me/person' }), 404, 'not-found');
	const first = await as(worker, { method: 'POST', path: '/api/v1/checkins', body: { token: openToken, purpose: 'report_in' } });
	await assertJson(srv.url, first, 201, 'Checkin');
	assert.equal(first.json.station_id, openStation);
	assert.equal(first.json.duplicate, false);
	assert.equal(first.json.placed, true);
	assert.equal(first.json.today_count, 1);
	const again = await as(worker, { method: 'POST', path: '/api/v1/checkins', body: { token: openToken, purpose: 'rest' } });
	await assertJson(srv.url, again, 200, 'Checkin');
	assert.equal(again.json.id, first.json.id);
	assert.equal(again.json.duplicate, true);
	assert.equal(again.json.purpose, 'report_in', 'the ten-minute rule answers with the check-in it kept');

	// Two at once from another person: still one check-in.
	const both = await Promise.all([0, 1].map(() => as(resident, { method: 'POST', path: '/api/v1/checkins', body: { token: openToken } })));
	assert.deepEqual(both.map((r) => r.status).sort(), [200, 201], both.map((r) => r.text).join('\n'));
	assert.equal(both[0].json.id, both[1].json.id);

	const me = await as(worker, { path: '/api/v1/me/person' });
	assert.equal(me.json.region_code, COMMUNITY, 'a first check-in places the worker in the station’s community');
	assert.equal(me.json.checkins.length, 1);
	assert.equal(me.json.checkins[0].station_id, openStation);
	assert.ok(me.json.last_checkin_at);

	const count = await api(srv.url, { path: `/api/v1/stations/${openStation}/checkins/today` });
	await assertJson(srv.url, count, 200, 'StationCheckinCount');
	assert.equal(count.json.count, 2);
	const tally = await as(staff, { path: `/api/v1/checkins/tally?region=${STREET}` });
	await assertJson(srv.url, tally, 200, 'CheckinTally');
	assert.equal(tally.json.stations.find((s) => s.station_id === openStation)?.count, 2);
	assert.equal(tally.json.streets.find((s) => s.code === STREET)?.count, tally.json.total);
	await assertProblem(srv.url, await as(staff, { path: '/api/v1/checkins/tally?region=610302' }), 403, 'forbidden');
	await assertProblem(srv.url, await as(worker, { path: `/api/v1/checkins/tally?region=${STREET}` }), 403, 'forbidden');
	const staffPeople = await as(staff, { path: `/api/v1/people?region=${COMMUNITY}&checked_in_days=1` });
	assert.ok(staffPeople.json.items.some((p) => p.id === me.json.id), 'staff see the worker in their ledger after the check-in');
});

test('check-in refusals: not signed in, unknown code, closed station, unknown purpose', async () => {
	await assertProblem(srv.url, await api(srv.url, { method: 'POST', path: '/api/v1/checkins', body: { token: openToken } }), 401, 'unauthenticated');
	await assertProblem(srv.url, await as(volunteer, { method: 'POST', path: '/api/v1/checkins', body: { token: 'nope' } }), 404, 'not-found');
	await assertProblem(srv.url, await as(volunteer, { method: 'POST', path: '/api/v1/checkins', body: { token: closedToken } }), 409, 'station-closed');
	await assertProblem(srv.url, await as(volunteer, { method: 'POST', path: '/api/v1/checkins', body: { token: openToken, purpose: 'party' } }), 422, 'validation', { fields: ['purpose'] });
	await assertProblem(srv.url, await as(volunteer, { method: 'POST', path: '/api/v1/checkins', body: {} }), 422, 'validation', { fields: ['token'] });
	const n = (await api(srv.url, { path: `/api/v1/stations/${closedStation}/checkins/today` })).json.count;
	assert.equal(n, 0);
});

test('a check-in retried with its Idempotency-Key is answered once', async () => {
	const key = `ck-${Date.now()}`;
	const p = uniquePhone('155');
	const acc = await as(admin, { method: 'POST', path: '/api/v1/accounts', body: { phone: p, name: '重试者', password: 'Retry#2026x' } });
	assert.equal(acc.status, 201, acc.text);
	const who = await login(srv.url, p, 'Retry#2026x');
	const a = await as(who, { method: 'POST', path: '/api/v1/checkins', body: { token: openToken }, headers: { 'Idempotency-Key': key } });
	const b = await as(who, { method: 'POST', path: '/api/v1/checkins', body: { token: openToken }, headers: { 'Idempotency-Key': key } });
	assert.equal(a.status, 201, a.text);
	assert.equal(b.status, 201, 'the stored answer is replayed');
	assert.equal(b.json.id, a.json.id);
	const [[n]] = await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM persons WHERE phone = '${p}'`);
	assert.equal(Number(n), 1, 'one person');
});

test('a worker picks their work site from the sites, which show no manager', async () => {
	const site = await as(staff, { method: 'POST', path: '/api/v1/work_sites', body: { name: '选择测试顺丰站点', platform: 'sf', address: '宝光路 21 号', region_code: COMMUNITY, manager_name: '站长', manager_phone: '13900001111' } });
	assert.equal(site.status, 201, site.text);
	const found = await as(resident, { path: `/api/v1/work_sites/choices?region=${STREET}&q=${encodeURIComponent('选择测试')}` });
	await assertJson(srv.url, found, 200, 'WorkSiteChoices');
	assert.deepEqual(found.json.items.map((s) => s.id), [site.json.id]);
	assert.equal(found.json.items[0].platform, 'sf');
	assert.ok(!('manager_phone' in found.json.items[0]) && !('manager_name' in found.json.items[0]));
	const byAddress = await as(resident, { path: `/api/v1/work_sites/choices?q=${encodeURIComponent('宝光路 21')}` });
	assert.ok(byAddress.json.items.some((s) => s.id === site.json.id));
	const otherPlatform = await as(resident, { path: `/api/v1/work_sites/choices?platform=eleme&q=${encodeURIComponent('选择测试')}` });
	assert.deepEqual(otherPlatform.json.items, []);
	const elsewhere = await as(resident, { path: `/api/v1/work_sites/choices?region=${OTHER.slice(0, 9)}&q=${encodeURIComponent('选择测试')}` });
	assert.deepEqual(elsewhere.json.items, []);
	// Wildcards in q are letters, not patterns.
	assert.deepEqual((await as(resident, { path: '/api/v1/work_sites/choices?q=%25%25%25' })).json.items, []);
	const mine = await as(resident, { method: 'PATCH', path: '/api/v1/me/person', body: { work_site_id: site.json.id } });
	assert.equal(mine.status, 200, mine.text);
	assert.equal((await as(resident, { path: '/api/v1/me/person' })).json.work_site_name, '选择测试顺丰站点');
	// Still not the staff's list.
	await assertProblem(srv.url, await as(resident, { path: '/api/v1/work_sites' }), 403, 'forbidden');
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/work_sites/choices' }), 401, 'unauthenticated');
	await assertProblem(srv.url, await as(resident, { path: '/api/v1/work_sites/choices?limit=0' }), 422, 'validation', { fields: ['limit'] });
	await assertProblem(srv.url, await as(resident, { path: '/api/v1/work_sites/choices?region=61x' }), 422, 'validation', { fields: ['region'] });
});
