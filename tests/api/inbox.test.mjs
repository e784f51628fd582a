// The inbox and the live stream on the real server and database. The inbox:
// my notifications newest first and paged, the unread count, marking one
// and all read, and nobody else's (404), nobody signed out (401). The
// stream (Server-Sent Events): staff of a street hear the request events of
// their street's communities and not another street's, an addressed event
// reaches its account alone, a stream resumed with Last-Event-ID gets
// exactly what it missed, in order, then goes on live; quiet streams send
// keep-alive comments; the number of streams is capped (503, then a freed
// slot); and a stream ends cleanly when the server stops.
//
// Nothing in the product records request events yet, so the tests write
// them where the product does, into the outbox table, with the engine's own
// client; the server reads what other processes wrote there every
// --events-poll-ms (the way several processes on one SQLite file, or a
// server that missed a PostgreSQL notification, catch up).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, sqlRows, addUser, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, assertCommonHeaders } from './lib/schema.mjs';
import { openStream } from './lib/sse.mjs';

const COMMUNITY = '610303008003'; // 龙腾路社区, in the demo staff's street 卧龙寺街道
const OTHER = '610302004001'; // a community of another district
const ARGS = ['--events-poll-ms', '50'];

let srv, staff, resident, volunteer;
const as = (who, opts) => api(srv.url, { ...opts, session: who });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const lit = (v) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);

/** Writes an outbox event as a domain write would; resolves to its id. */
async function record(db, topic, { object = '1', region = null, station = null, account = null, data = null } = {}) {
	const rows = await sqlRows(
		db,
		`INSERT INTO outbox (topic, object_id, created_s, region_code, station_id, account_id, data) VALUES (${lit(topic)}, ${lit(object)}, ${Math.floor(Date.now() / 1000)}, ${lit(region)}, ${lit(station)}, ${lit(account)}, ${lit(data && JSON.stringify(data))}) RETURNING id`,
	);
	return Number(rows[0][0]);
}

/** Adds an inbox entry for account as a domain write would; resolves to its id. */
async function entry(account, kind, title, { ref = ['request', 7], body = null } = {}) {
	const rows = await sqlRows(
		srv.dbUrl,
		`INSERT INTO inbox (account_id, kind, ref_noun, ref_id, title, body, created_s) VALUES (${account}, ${lit(kind)}, ${lit(ref?.[0])}, ${lit(ref?.[1])}, ${lit(title)}, ${lit(body)}, ${Math.floor(Date.now() / 1000)}) RETURNING id`,
	);
	return Number(rows[0][0]);
}

before(async () => {
	srv = await startServer({ args: ARGS });
	[staff, resident, volunteer] = await Promise.all([
		login(srv.url, DEMO.staff, DEMO_PASSWORD),
		// A resident of the test's own: the demo resident's inbox holds the
		// demo requests' news.
		(async () => {
			const phone = uniquePhone('176');
			await addUser(srv.dbUrl, { phone, name: '收件人', role: 'resident@610303008003', password: 'Inbox#2026x' });
			return login(srv.url, phone, 'Inbox#2026x');
		})(),
		login(srv.url, DEMO.volunteer, DEMO_PASSWORD),
	]);
});
after(() => srv?.stop());

test('my inbox: newest first, paged by cursor, the unread filter and count; marking one and all read', async () => {
	const me = resident.account.id;
	const ids = [];
	for (const [kind, title] of [['dispatched', '修自行车'], ['accepted', '已受理：修自行车'], ['resolved', '已办结：修自行车']])
		ids.push(await entry(me, kind, title, { body: kind === 'resolved' ? '师傅已上门' : null }));
	const staffUnread = (await as(staff, { path: '/api/v1/me/inbox/unread' })).json.unread;
	const others = await entry(staff.account.id, 'notice', '给街道的通知');

	const first = await assertJson(srv.url, await as(resident, { path: '/api/v1/me/inbox?limit=2' }), 200, 'InboxPage');
	assert.deepEqual(first.items.map((e) => e.id), [ids[2], ids[1]]);
	assert.equal(first.unread, 3);
	assert.ok(first.next_cursor);
	const top = first.items[0];
	assert.equal(top.kind, 'resolved');
	assert.deepEqual(top.ref, { noun: 'request', id: 7 });
	assert.equal(top.title, '已办结：修自行车');
	assert.equal(top.body, '师傅已上门');
	assert.equal(top.read_at, null);
	const rest = await assertJson(srv.url, await as(resident, { path: `/api/v1/me/inbox?limit=2&cursor=${first.next_cursor}` }), 200, 'InboxPage');
	assert.deepEqual(rest.items.map((e) => e.id), [ids[0]]);
	assert.equal(rest.next_cursor, null);

	const unread = await as(resident, { path: '/api/v1/me/inbox/unread' });
	assert.deepEqual(await assertJson(srv.url, unread, 200, 'InboxUnread'), { unread: 3 });

	const read = await as(resident, { method: 'POST', path: `/api/v1/me/inbox/${ids[1]}/read` });
	const item = await assertJson(srv.url, read, 200, 'InboxItem');
	assert.equal(item.id, ids[1]);
	assert.match(item.read_at, /\+08:00$/);
	assert.equal((await as(resident, { path: '/api/v1/me/inbox/unread' })).json.unread, 2);
	const onlyUnread = await as(resident, { path: '/api/v1/me/inbox?unread=1' });
	assert.deepEqual(onlyUnread.json.items.map((e) => e.id), [ids[2], ids[0]]);
	// Read again: still read, still 200.
	assert.equal((await as(resident, { method: 'POST', path: `/api/v1/me/inbox/${ids[1]}/read` })).status, 200);

	const all = await as(resident, { method: 'POST', path: '/api/v1/me/inbox/read' });
	assert.deepEqual(await assertJson(srv.url, all, 200, 'InboxReadAll'), { marked: 2, unread: 0 });
	assert.equal((await as(resident, { path: '/api/v1/me/inbox?unread=1' })).json.items.length, 0);
	// The staff member's entry is untouched by the resident's "all".
	assert.equal((await as(staff, { path: '/api/v1/me/inbox/unread' })).json.unread, staffUnread + 1);
	assert.equal((await as(staff, { path: '/api/v1/me/inbox' })).json.items[0].id, others);
});

test('someone else\'s entry is not there for me (404), and nobody signed out has an inbox (401)', async () => {
	const theirs = await entry(staff.account.id, 'dispatched', '派给街道的');
	const r = await as(resident, { method: 'POST', path: `/api/v1/me/inbox/${theirs}/read` });
	await assertProblem(srv.url, r, 404, 'not-found');
	assert.deepEqual(await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM inbox WHERE id = ${theirs} AND read_s IS NULL`), [['1']], 'still unread');
	await assertProblem(srv.url, await as(resident, { method: 'POST', path: '/api/v1/me/inbox/99999999/read' }), 404, 'not-found');
	assert.ok(!(await as(resident, { path: '/api/v1/me/inbox' })).json.items.some((e) => e.id === theirs));

	for (const [method, path] of [
		['GET', '/api/v1/me/inbox'],
		['GET', '/api/v1/me/inbox/unread'],
		['POST', `/api/v1/me/inbox/${theirs}/read`],
		['POST', '/api/v1/me/inbox/read'],
		['GET', '/api/v1/stream'],
	])
		await assertProblem(srv.url, await api(srv.url, { method, path }), 401, 'unauthenticated');
	await assertProblem(srv.url, await as(resident, { path: '/api/v1/me/inbox?limit=0' }), 422, 'validation', { fields: ['limit'] });
	await assertProblem(srv.url, await as(resident, { path: '/api/v1/me/inbox?unread=maybe' }), 422, 'validation', { fields: ['unread'] });
});

test('the stream: staff hear the requests of their street and not another\'s; an addressed event reaches its account alone', async () => {
	const st = await openStream(srv.url, { session: staff });
	const res = await openStream(srv.url, { session: resident });
	const vol = await openStream(srv.url, { session: volunteer });
	try {
		assert.equal(st.status, 200);
		assert.match(st.headers['content-type'], /^text\/event-stream/);
		assert.equal(st.headers['cache-control'], 'no-store');
		assertCommonHeaders({ headers: st.headers });
		await st.until(() => st.retry !== null);
		assert.equal(st.retry, 3000, 'the stream starts with retry: 3000');

		const away = await record(srv.dbUrl, 'request.created', { object: '11', region: OTHER, data: { title: '别处' } });
		const here = await record(srv.dbUrl, 'request.created', { object: '12', region: COMMUNITY, station: 1, data: { title: '修车' } });
		const note = await record(srv.dbUrl, 'inbox.added', { object: '5', account: resident.account.id, region: COMMUNITY, data: { id: 5, kind: 'notice', title: '通知' } });
		const changed = await record(srv.dbUrl, 'station.changed', { object: '1', region: COMMUNITY });
		const e = await st.next((x) => x.event === 'request.created');
		assert.equal(e.id, String(here));
		assert.deepEqual(e.data, { topic: 'request.created', object_id: '12', region_code: COMMUNITY, station_id: 1, data: { title: '修车' } });
		const mine = await res.next((x) => x.event === 'inbox.added');
		assert.equal(mine.id, String(note));
		assert.deepEqual(mine.data.data, { id: 5, kind: 'notice', title: '通知' });
		// A marker after all of them: what was not heard by then is not coming.
		const last = await record(srv.dbUrl, 'request.created', { object: '13', region: COMMUNITY });
		await st.next((x) => x.id === String(last));
		await sleep(300);
		assert.deepEqual(st.events.map((x) => Number(x.id)), [here, last], `staff heard ${away}? ${changed}?`);
		assert.deepEqual(res.events.map((x) => Number(x.id)), [note], 'a resident hears only what is addressed to them');
		assert.deepEqual(vol.events, [], 'a volunteer of the community reads no request queue');
	} finally {
		st.close();
		res.close();
		vol.close();
	}
});

test('a stream resumed with Last-Event-ID gets exactly what it missed, in order, then goes on live', async () => {
	const first = await openStream(srv.url, { session: staff });
	const a = await record(srv.dbUrl, 'request.created', { object: '21', region: COMMUNITY });
	await first.next((x) => x.id === String(a));
	first.close();

	// Missed while away: two of its street, one elsewhere.
	const b = await record(srv.dbUrl, 'request.dispatched', { object: '21', region: COMMUNITY });
	await record(srv.dbUrl, 'request.created', { object: '22', region: OTHER });
	const c = await record(srv.dbUrl, 'request.accepted', { object: '21', region: `${COMMUNITY}` });

	const again = await openStream(srv.url, { session: staff, lastEventId: a });
	let d;
	try {
		await again.next((x) => x.id === String(c));
		d = await record(srv.dbUrl, 'request.resolved', { object: '21', region: COMMUNITY });
		await again.next((x) => x.id === String(d));
		await sleep(200);
		assert.deepEqual(again.events.map((x) => [Number(x.id), x.event]), [
			[b, 'request.dispatched'],
			[c, 'request.accepted'],
			[d, 'request.resolved'],
		]);
	} finally {
		again.close();
	}

	// The same from ?last_event_id= for a client that cannot set the header;
	// the header wins when both come.
	const byQuery = await openStream(srv.url, { session: staff, path: `/api/v1/stream?last_event_id=${b}` });
	const both = await openStream(srv.url, { session: staff, path: `/api/v1/stream?last_event_id=${a}`, lastEventId: d });
	try {
		await byQuery.next((x) => x.id === String(d));
		assert.deepEqual(byQuery.events.map((x) => Number(x.id)), [c, d]);
		const e = await record(srv.dbUrl, 'request.rated', { object: '21', region: COMMUNITY });
		await both.next((x) => x.id === String(e));
		assert.deepEqual(both.events.map((x) => Number(x.id)), [e]);
		const ids = byQuery.events.map((x) => Number(x.id));
		assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'ids only grow on a stream');
	} finally {
		byQuery.close();
		both.close();
	}
	const bad = await openStream(srv.url, { session: staff, lastEventId: 'x1' });
	await assertProblem(srv.url, { status: bad.status, headers: bad.headers, json: bad.json, text: bad.text }, 422, 'validation', { fields: ['Last-Event-ID'] });
});

test('a quiet stream sends keep-alive comments; streams are capped, a disconnected one frees its slot, and the server stopping ends them', async () => {
	const small = await startServer({ args: [...ARGS, '--stream-keepalive-ms', '200', '--stream-max', '2'] });
	try {
		const who = await login(small.url, DEMO.staff, DEMO_PASSWORD);
		const one = await openStream(small.url, { session: who });
		const two = await openStream(small.url, { session: who });
		await one.until(() => one.comments.includes(': keepalive'), { timeoutMs: 3000 });

		const full = await openStream(small.url, { session: who });
		await assertProblem(small.url, { status: full.status, headers: full.headers, json: full.json, text: full.text }, 503, 'busy');
		assert.ok(Number(full.headers['retry-after']) > 0, 'Retry-After');
		const metrics = (await api(small.url, { path: '/metrics' })).text;
		assert.match(metrics, /^yizhan_streams_open 2$/m);
		assert.match(metrics, /^yizhan_streams_refused_total 1$/m);
		// Ordinary requests are not starved by the streams.
		assert.equal((await api(small.url, { path: '/healthz' })).status, 200);

		// A client that goes away is noticed at the next keep-alive.
		one.close();
		let three = null;
		for (let i = 0; i < 40 && !three; i++) {
			await sleep(100);
			const s = await openStream(small.url, { session: who });
			if (s.status === 200) three = s;
		}
		assert.ok(three, 'a slot was freed');

		const t = Date.now();
		small.proc.kill('SIGTERM');
		await Promise.all([two.ended, three.ended]);
		assert.ok(two.complete && three.complete, 'each stream was ended with its last chunk, not cut off');
		const { code } = await small.proc.exited;
		assert.equal(code, 0);
		assert.ok(Date.now() - t < 8000, `stopped in ${Date.now() - t} ms`);
	} finally {
		await small.stop();
	}
});
