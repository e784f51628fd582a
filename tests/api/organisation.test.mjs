// Work sites, teams, party organisations, grids and instructors' contacts on
// the real server and database: staff keep them within their scope; a site
// shows its workers and how many registered and checked in; team members
// join and leave with dates; the party tree keeps its order; a grid belongs
// to its community; contacts feed the "not contacted in 30 days" filter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem } from './lib/schema.mjs';

const STREET = '610303008';
const COMMUNITY = '610303008006';
const OTHER = '610302004001';

let srv, staff, resident;
const as = (who, opts) => api(srv.url, { ...opts, session: who });
const person = async (name, extra = {}) => {
	const r = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name, phone: uniquePhone('188'), region_code: COMMUNITY, ...extra } });
	assert.equal(r.status, 201, r.text);
	return r.json.id;
};

before(async () => {
	srv = await startServer();
	[staff, resident] = await Promise.all([login(srv.url, DEMO.staff, DEMO_PASSWORD), login(srv.url, DEMO.resident, DEMO_PASSWORD)]);
});
after(() => srv?.stop());

test('a work site shows its workers, how many registered and checked in', async () => {
	const made = await as(staff, { method: 'POST', path: '/api/v1/work_sites', body: { name: '顺丰卧龙寺营业部', platform: 'sf', address: '卧龙寺路 8 号', region_code: COMMUNITY, lat: 34.37, lng: 107.14, manager_name: '李站长', manager_phone: '0917-3210000' } });
	await assertJson(srv.url, made, 201, 'WorkSite');
	assert.equal(made.headers.get('location'), `/api/v1/work_sites/${made.json.id}`);
	assert.deepEqual(made.json.workers, { total: 0, registered: 0, checked_in_30d: 0 });
	await person('站点快递员甲', { work_site_id: made.json.id, categories: ['courier'] });
	await person('站点快递员乙', { work_site_id: made.json.id, categories: ['courier'] });
	const one = await as(staff, { path: `/api/v1/work_sites/${made.json.id}` });
	await assertJson(srv.url, one, 200, 'WorkSite');
	assert.deepEqual(one.json.workers, { total: 2, registered: 0, checked_in_30d: 0 });
	const list = await as(staff, { path: `/api/v1/work_sites?region=${COMMUNITY}` });
	await assertJson(srv.url, list, 200, 'WorkSitePage');
	assert.equal(list.json.items.find((s) => s.id === made.json.id).workers.total, 2);
	const renamed = await as(staff, { method: 'PATCH', path: `/api/v1/work_sites/${made.json.id}`, body: { name: '顺丰卧龙寺站' } });
	assert.equal(renamed.status, 200, renamed.text);
	assert.equal(renamed.json.name, '顺丰卧龙寺站');
	assert.equal(renamed.json.platform, 'sf', 'what was not given stays');

	const bad = await as(staff, { method: 'POST', path: '/api/v1/work_sites', body: { name: '', platform: 'nowhere', address: '路', region_code: '6103', lat: 34.3 } });
	await assertProblem(srv.url, bad, 422, 'validation', { fields: ['name', 'platform', 'region_code', 'lng'] });
	const outside = await as(staff, { method: 'POST', path: '/api/v1/work_sites', body: { name: '外区站点', address: '路', region_code: OTHER } });
	await assertProblem(srv.url, outside, 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { path: `/api/v1/work_sites?region=610302` }), 403, 'forbidden');
	await assertProblem(srv.url, await as(resident, { path: '/api/v1/work_sites' }), 403, 'forbidden');
});

test('team members join and leave with their dates; the ledger filters by team', async () => {
	const team = await as(staff, { method: 'POST', path: '/api/v1/teams', body: { name: '卧龙骑士队', region_code: STREET } });
	await assertJson(srv.url, team, 201, 'Team');
	const a = await person('先锋甲'), b = await person('先锋乙');
	const joined = await as(staff, { method: 'POST', path: `/api/v1/teams/${team.json.id}/members`, body: { person_id: a } });
	await assertJson(srv.url, joined, 200, 'Team');
	assert.equal(joined.json.members.length, 1);
	assert.ok(joined.json.members[0].joined_at);
	assert.equal(joined.json.members[0].left_at, null);
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: `/api/v1/teams/${team.json.id}/members`, body: { person_id: a } }), 409, 'conflict');
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: `/api/v1/teams/${team.json.id}/members`, body: { person_id: 99999999 } }), 422, 'validation', { fields: ['person_id'] });
	assert.equal((await as(staff, { method: 'POST', path: `/api/v1/teams/${team.json.id}/members`, body: { person_id: b } })).status, 200);
	const inTeam = await as(staff, { path: `/api/v1/people?team_id=${team.json.id}` });
	assert.deepEqual(inTeam.json.items.map((p) => p.id).sort(), [a, b].sort());
	const profile = await as(staff, { path: `/api/v1/people/${a}` });
	assert.deepEqual(profile.json.teams, [{ id: team.json.id, name: '卧龙骑士队' }]);
	const left = await as(staff, { method: 'DELETE', path: `/api/v1/teams/${team.json.id}/members/${a}` });
	assert.equal(left.status, 200, left.text);
	assert.ok(left.json.members.find((m) => m.person_id === a).left_at, 'the history keeps who left, and when');
	await assertProblem(srv.url, await as(staff, { method: 'DELETE', path: `/api/v1/teams/${team.json.id}/members/${a}` }), 404, 'not-found');
	assert.deepEqual((await as(staff, { path: `/api/v1/people?team_id=${team.json.id}` })).json.items.map((p) => p.id), [b]);
	const dup = await as(staff, { method: 'POST', path: '/api/v1/teams', body: { name: '卧龙骑士队', region_code: STREET } });
	await assertProblem(srv.url, dup, 409, 'conflict', { fields: ['name'] });
});

test('the party tree: a committee holds branches, a branch groups; members by organisation', async () => {
	const committee = await as(staff, { method: 'POST', path: '/api/v1/party_orgs', body: { kind: 'committee', name: '卧龙寺街道快递行业党委', region_code: STREET } });
	await assertJson(srv.url, committee, 201, 'PartyOrg');
	const branch = await as(staff, { method: 'POST', path: '/api/v1/party_orgs', body: { kind: 'branch', name: '快递员联合党支部', region_code: COMMUNITY, parent_id: committee.json.id } });
	assert.equal(branch.status, 201, branch.text);
	const group = await as(staff, { method: 'POST', path: '/api/v1/party_orgs', body: { kind: 'group', name: '顺丰党小组', region_code: COMMUNITY, parent_id: branch.json.id } });
	assert.equal(group.status, 201, group.text);
	const upside = await as(staff, { method: 'POST', path: '/api/v1/party_orgs', body: { kind: 'branch', name: '倒挂支部', region_code: COMMUNITY, parent_id: group.json.id } });
	await assertProblem(srv.url, upside, 422, 'validation', { fields: ['parent_id'] });
	const elsewhere = await as(staff, { method: 'POST', path: '/api/v1/party_orgs', body: { kind: 'branch', name: '别处支部', region_code: '610303001002', parent_id: branch.json.id } });
	assert.ok([403, 422].includes(elsewhere.status), elsewhere.text);
	const badKind = await as(staff, { method: 'POST', path: '/api/v1/party_orgs', body: { kind: 'club', name: '俱乐部', region_code: STREET } });
	await assertProblem(srv.url, badKind, 422, 'validation', { fields: ['kind'] });
	const member = await person('党员骑手', { categories: ['rider', 'party_member'], party_org_id: branch.json.id });
	const members = await as(staff, { path: `/api/v1/people?party_org_id=${branch.json.id}` });
	assert.deepEqual(members.json.items.map((p) => p.id), [member]);
	const sec = await as(staff, { method: 'PATCH', path: `/api/v1/party_orgs/${branch.json.id}`, body: { secretary_id: member } });
	assert.equal(sec.json.secretary_id, member);
});

test('a grid belongs to its community; people are placed in it', async () => {
	const grid = await as(staff, { method: 'POST', path: '/api/v1/grids', body: { name: '测试网格', region_code: COMMUNITY } });
	await assertJson(srv.url, grid, 201, 'Grid');
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: '/api/v1/grids', body: { name: '街道网格', region_code: STREET } }), 422, 'validation', { fields: ['region_code'] });
	const p = await person('网格居民', { grid_id: grid.json.id });
	assert.equal((await as(staff, { path: `/api/v1/people?grid_id=${grid.json.id}` })).json.items[0].id, p);
	const wrong = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name: '错网格', phone: uniquePhone('188'), region_code: '610303008003', grid_id: grid.json.id } });
	await assertProblem(srv.url, wrong, 422, 'validation', { fields: ['grid_id'] });
});

test('an instructor records contacts; the ledger shows who was not contacted in 30 days', async () => {
	const contacted = await person('联系过的骑手', { categories: ['rider'], instructor_id: staff.account.id });
	const forgotten = await person('没联系的骑手', { categories: ['rider'], instructor_id: staff.account.id });
	const c = await as(staff, { method: 'POST', path: `/api/v1/people/${contacted}/contacts`, body: { channel: 'visit', notes: '了解到电瓶车充电难' } });
	await assertJson(srv.url, c, 201, 'ContactCreated');
	const list = await as(staff, { path: `/api/v1/people/${contacted}/contacts` });
	await assertJson(srv.url, list, 200, 'ContactList');
	assert.equal(list.json.items[0].channel, 'visit');
	assert.equal(list.json.items[0].notes, '了解到电瓶车充电难');
	const stale = await as(staff, { path: `/api/v1/people?region=${COMMUNITY}&not_contacted_days=30&category=rider` });
	const ids = stale.json.items.map((p) => p.id);
	assert.ok(ids.includes(forgotten) && !ids.includes(contacted), JSON.stringify(ids));
	const future = new Date(Date.now() + 86400000).toISOString();
	await assertProblem(srv.url, await as(staff, { method: 'POST', path: `/api/v1/people/${contacted}/contacts`, body: { channel: 'pigeon', at: future } }), 422, 'validation', { fields: ['channel', 'at'] });
	await assertProblem(srv.url, await as(resident, { method: 'POST', path: `/api/v1/people/${contacted}/contacts`, body: { channel: 'phone' } }), 403, 'forbidden');
});

test('a mobile party member reports in to a branch, and only to a branch', async () => {
	const committee = await as(staff, { method: 'POST', path: '/api/v1/party_orgs', body: { kind: 'committee', name: '报到测试党委', region_code: STREET } });
	const branch = await as(staff, { method: 'POST', path: '/api/v1/party_orgs', body: { kind: 'branch', name: '报到测试支部', region_code: STREET, parent_id: committee.json.id } });
	assert.equal(branch.status, 201, branch.text);
	const volunteer = await login(srv.url, DEMO.volunteer, DEMO_PASSWORD);
	const notYet = await as(volunteer, { method: 'POST', path: `/api/v1/party_orgs/${branch.json.id}/report_in` });
	await assertProblem(srv.url, notYet, 409, 'not-a-party-member');
	await as(volunteer, { method: 'PATCH', path: '/api/v1/me/person', body: { categories: ['mobile_party_member', 'party_member'] } });
	await assertProblem(srv.url, await as(volunteer, { method: 'POST', path: `/api/v1/party_orgs/${committee.json.id}/report_in` }), 409, 'not-a-branch');
	const r = await as(volunteer, { method: 'POST', path: `/api/v1/party_orgs/${branch.json.id}/report_in` });
	await assertJson(srv.url, r, 200, 'ReportedIn');
	const me = await as(volunteer, { path: '/api/v1/me/person' });
	assert.equal(me.json.party_org_id, branch.json.id);
	const members = await as(staff, { path: `/api/v1/people?party_org_id=${branch.json.id}` });
	assert.deepEqual(members.json.items.map((p) => p.id), [me.json.id]);
	await assertProblem(srv.url, await as(volunteer, { method: 'POST', path: '/api/v1/party_orgs/99999999/report_in' }), 404, 'not-found');
});
