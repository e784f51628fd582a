// Group bots on the real server and database: a station or a street sets up
// a WeCom or DingTalk bot, and the events it chose reach a local HTTP server
// standing in for the platform; a failing bot is retried with backoff (the
// server's clock moved on by restarting it with --clock-offset) and given up
// after a day; a bot that never answers slows no request; the webhook
// address is a secret that no answer, audit row or log line shows whole;
// managers and staff keep only the bots of their own places.
//
// The requests that will record these events are not built yet: the tests
// write outbox rows straight into the database, as another server would,
// which the delivery thread must pick up by its periodic look.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';

import { startServer, sqlRows, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login } from './lib/client.mjs';
import { assertJson, assertProblem } from './lib/schema.mjs';

const STREET = '610303008'; // 卧龙寺街道: the demo staff's
const COMMUNITY = '610303008003'; // 龙腾路社区, in it
const OTHER_STREET = '610303002'; // 西关街道: the same district, another street
const HUB = 1; // 卧龙寺街道党群服务驿站, the hub of BRANCH
const BRANCH = 2; // 金心驿 in COMMUNITY: the demo manager's (station:2)
const NOT_MINE = 3; // 龙腾路社区小区驿站
const ARGS = ['--bot-poll-ms', '200'];
const DATA = {
	number: 'R20261203-0042',
	kind: 'order',
	kind_label: '点单',
	title: '电动车没电了',
	state: 'dispatched',
	state_label: '已派单',
	station: '金心驿',
	region: '龙腾路社区',
	url: '/request.html?id=42',
	actor: '张三',
	note: '请带充电器',
};

let srv, first, admin, staff, manager, resident;
const as = (who, opts) => api(srv.url, { ...opts, session: who });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, ms = 8000) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await sleep(50);
	}
}

/** A stand-in for the platform: answer(n, req) gives the n-th answer. */
async function platform(answer = () => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } })) {
	const got = [];
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const text = Buffer.concat(chunks).toString('utf8');
			const one = { path: req.url, headers: req.headers, text, body: null };
			try {
				one.body = JSON.parse(text);
			} catch {
				/* kept as text */
			}
			got.push(one);
			const a = answer(got.length, one);
			res.writeHead(a.status, { 'Content-Type': 'application/json' });
			res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
		});
	});
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	return {
		base: `http://127.0.0.1:${server.address().port}`,
		got,
		close: () => new Promise((r) => server.close(r)),
	};
}

/** A bot that takes the connection and never answers. */
async function blackhole() {
	const sockets = new Set();
	let requests = 0;
	const server = net.createServer((s) => {
		sockets.add(s);
		s.on('data', () => requests++);
		s.on('error', () => {});
		s.on('close', () => sockets.delete(s));
	});
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	return {
		base: `http://127.0.0.1:${server.address().port}`,
		requests: () => requests,
		close: () => {
			for (const s of sockets) s.destroy();
			return new Promise((r) => server.close(r));
		},
	};
}

/** Records an outbox event as another server would: a row in the database. */
let objectSeq = 1000;
async function recordEvent(dbUrl, { topic = 'request.dispatched', region = COMMUNITY, station = BRANCH, data = DATA } = {}) {
	const q = (s) => (s === null || s === undefined ? 'NULL' : `'${String(s).replace(/'/g, "''")}'`);
	const now = Math.floor(Date.now() / 1000);
	const sql = `INSERT INTO outbox (topic, object_id, created_s, region_code, station_id, data) VALUES (${q(topic)}, '${++objectSeq}', ${now}, ${q(region)}, ${station ?? 'NULL'}, ${q(JSON.stringify(data))})`;
	await sqlRows(dbUrl, dbUrl.startsWith('sqlite:') ? `PRAGMA busy_timeout = 5000; ${sql}` : sql);
}

async function deliveries(who, id) {
	const r = await as(who, { path: `/api/v1/bots/${id}/deliveries` });
	await assertJson(srv.url, r, 200, 'BotDeliveryList');
	return r.json.items;
}

const newBot = (extra) => ({ name: '龙腾路服务群', kind: 'wecom', topics: ['request.dispatched'], ...extra });

before(async () => {
	srv = first = await startServer({ args: ARGS });
	[admin, staff, manager, resident] = await Promise.all(
		[DEMO.admin, DEMO.staff, DEMO.manager, DEMO.resident].map((p) => login(srv.url, p, DEMO_PASSWORD)),
	);
});
after(async () => {
	// Servers restarted on the same database leave dropping it to the first.
	if (srv !== first) await srv?.stop({ keep: true });
	await first?.stop();
});

test('a WeCom bot of a street gets the events it chose, in its format, with the address masked everywhere', async () => {
	const wecom = await platform();
	const key = '6f1c0b9e-7a3d-4c2e-9b1a-2d4e6f8aa1b2';
	const url = `${wecom.base}/cgi-bin/webhook/send?key=${key}`;
	try {
		const made = await as(staff, { method: 'POST', path: '/api/v1/bots', body: newBot({ url, region_code: STREET, topics: ['request.dispatched', 'request.escalated'] }) });
		await assertJson(srv.url, made, 201, 'Bot');
		assert.equal(made.headers.get('location'), `/api/v1/bots/${made.json.id}`);
		assert.equal(made.json.url_masked, `${wecom.base}/cgi-bin/webhook/send?key=****a1b2`);
		assert.equal(made.json.url, undefined, 'the address itself is never shown');
		assert.ok(!made.text.includes(key));
		assert.equal(made.json.region_code, STREET);
		assert.equal(made.json.region_name, '卧龙寺街道');
		assert.deepEqual(made.json.topics, ['request.dispatched', 'request.escalated']);
		assert.equal(made.json.enabled, true);
		assert.equal(made.json.has_secret, false);
		const id = made.json.id;

		// One event it takes; one of a topic it did not choose; one of another street.
		await recordEvent(srv.dbUrl, { topic: 'request.rated' });
		await recordEvent(srv.dbUrl, { region: `${OTHER_STREET}002`, station: 19 });
		await recordEvent(srv.dbUrl);
		await waitFor('the message', () => wecom.got.length >= 1);
		const m = wecom.got[0];
		assert.equal(m.path, `/cgi-bin/webhook/send?key=${key}`);
		assert.match(m.headers['content-type'], /^application\/json/);
		assert.equal(m.body.msgtype, 'markdown');
		assert.equal(
			m.body.markdown.content,
			'**【已派单】电动车没电了**\n> 编号 R20261203-0042 · 点单\n> 金心驿 · 龙腾路社区\n> 张三：请带充电器\n[查看详情](https://yizhan.example/request.html?id=42)',
		);
		const sent = await waitFor('the delivery marked sent', async () => {
			const items = await deliveries(staff, id);
			return items.length && items[0].state === 'sent' ? items : null;
		});
		assert.equal(sent.length, 1, 'the other topic and the other street did not go there');
		assert.equal(sent[0].topic, 'request.dispatched');
		assert.equal(sent[0].attempts, 1);
		assert.equal(sent[0].last_error, null);
		assert.ok(sent[0].sent_at);
		const one = await as(staff, { path: `/api/v1/bots/${id}` });
		await assertJson(srv.url, one, 200, 'Bot');
		assert.ok(one.json.last_ok_at);
		assert.equal(one.json.failures, 0);
		assert.equal(wecom.got.length, 1);

		// Sending the masked address back is refused, not stored; a new one replaces it.
		const back = await as(staff, { method: 'PATCH', path: `/api/v1/bots/${id}`, body: { url: made.json.url_masked } });
		await assertProblem(srv.url, back, 422, 'validation', { fields: ['url'] });
		const key2 = 'ffffeeee-dddd-cccc-bbbb-aaaa99998888';
		const moved = await as(staff, { method: 'PATCH', path: `/api/v1/bots/${id}`, body: { url: `${wecom.base}/cgi-bin/webhook/send?key=${key2}`, name: '卧龙寺街道服务群' } });
		await assertJson(srv.url, moved, 200, 'Bot');
		assert.equal(moved.json.url_masked, `${wecom.base}/cgi-bin/webhook/send?key=****8888`);
		assert.equal(moved.json.name, '卧龙寺街道服务群');

		// Nowhere whole: lists, the audit log, the server's log.
		const list = await as(staff, { path: `/api/v1/bots?region=${STREET}` });
		await assertJson(srv.url, list, 200, 'BotPage');
		assert.ok(list.json.items.some((b) => b.id === id));
		const audit = await as(admin, { path: '/api/v1/audit?object_type=bot' });
		assert.equal(audit.status, 200, audit.text);
		const actions = audit.json.items.filter((r) => r.object_id === String(id)).map((r) => r.action);
		assert.deepEqual(actions.sort(), ['bot.create', 'bot.update']);
		for (const text of [list.text, audit.text, srv.stderr.join('\n')]) {
			assert.ok(!text.includes(key) && !text.includes(key2), 'the key appears nowhere');
		}
	} finally {
		await wecom.close();
	}
});

test('a test message goes the same way; a disabled bot is neither tested nor sent to', async () => {
	const wecom = await platform();
	try {
		const made = await as(manager, { method: 'POST', path: '/api/v1/bots', body: newBot({ name: '金心驿群', url: `${wecom.base}/send?key=0123456789abcdef`, station_id: BRANCH }) });
		await assertJson(srv.url, made, 201, 'Bot');
		assert.equal(made.json.station_name, '金心驿');
		const t = await as(manager, { method: 'POST', path: `/api/v1/bots/${made.json.id}/test` });
		await assertJson(srv.url, t, 202, 'BotTestQueued');
		await waitFor('the test message', () => wecom.got.length >= 1);
		assert.match(wecom.got[0].body.markdown.content, /^\*\*【测试消息】金心驿群\*\*\n/);
		const items = await waitFor('the test delivery sent', async () => {
			const d = await deliveries(manager, made.json.id);
			return d[0]?.state === 'sent' ? d : null;
		});
		assert.equal(items[0].topic, 'bot.test');

		const off = await as(manager, { method: 'PATCH', path: `/api/v1/bots/${made.json.id}`, body: { enabled: false } });
		assert.equal(off.json.enabled, false);
		await assertProblem(srv.url, await as(manager, { method: 'POST', path: `/api/v1/bots/${made.json.id}/test` }), 409, 'bot-disabled');
		await recordEvent(srv.dbUrl);
		await sleep(800);
		assert.equal(wecom.got.length, 1, 'nothing goes to a disabled bot');
		const gone = await as(manager, { method: 'DELETE', path: `/api/v1/bots/${made.json.id}` });
		assert.equal(gone.status, 204, gone.text);
		await assertProblem(srv.url, await as(manager, { path: `/api/v1/bots/${made.json.id}` }), 404, 'not-found');
	} finally {
		await wecom.close();
	}
});

test('a DingTalk bot with a signing secret gets a signed address and its markdown', async () => {
	const ding = await platform();
	const secret = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';
	try {
		const made = await as(staff, {
			method: 'POST', path: '/api/v1/bots',
			body: newBot({ name: '钉钉群', kind: 'dingtalk', url: `${ding.base}/robot/send?access_token=9f8e7d6c5b4a39281706f5e4d3c2b1a0`, secret, station_id: NOT_MINE, topics: ['request.created'] }),
		});
		await assertJson(srv.url, made, 201, 'Bot');
		assert.equal(made.json.has_secret, true);
		assert.equal(made.json.url_masked, `${ding.base}/robot/send?access_token=****b1a0`);
		assert.ok(!made.text.includes(secret));
		await recordEvent(srv.dbUrl, { topic: 'request.created', station: NOT_MINE, data: { ...DATA, station: '龙腾路社区小区驿站' } });
		await waitFor('the message', () => ding.got.length >= 1);
		const u = new URL(ding.got[0].path, ding.base);
		assert.equal(u.searchParams.get('access_token'), '9f8e7d6c5b4a39281706f5e4d3c2b1a0');
		const ts = u.searchParams.get('timestamp');
		assert.ok(Math.abs(Number(ts) - Date.now()) < 60000, `timestamp ${ts} in milliseconds`);
		const sign = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
		assert.equal(u.searchParams.get('sign'), sign);
		const body = ding.got[0].body;
		assert.equal(body.msgtype, 'markdown');
		assert.equal(body.markdown.title, '【新提交】电动车没电了');
		assert.match(body.markdown.text, /^\*\*【新提交】电动车没电了\*\*\n\n> 编号 R20261203-0042 · 点单\n\n> 龙腾路社区小区驿站 · 龙腾路社区/);
		assert.ok(!srv.stderr.join('\n').includes(secret));

		const wecomNow = await as(staff, { method: 'PATCH', path: `/api/v1/bots/${made.json.id}`, body: { kind: 'wecom' } });
		assert.equal(wecomNow.json.has_secret, false, 'a WeCom bot keeps no signing secret');
		const withSecret = await as(staff, { method: 'PATCH', path: `/api/v1/bots/${made.json.id}`, body: { secret } });
		await assertProblem(srv.url, withSecret, 422, 'validation', { fields: ['secret'] });
	} finally {
		await ding.close();
	}
});

test('bad input is refused naming the field, and nothing is written', async () => {
	const count = async () => Number((await sqlRows(srv.dbUrl, 'SELECT COUNT(*) FROM bots'))[0][0]);
	const before = await count();
	const cases = [
		[{ url: 'http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc', region_code: STREET }, ['url']],
		[{ url: 'ftp://127.0.0.1/x', region_code: STREET }, ['url']],
		[{ url: 'https://user:pw@qyapi.weixin.qq.com/send?key=abc', region_code: STREET }, ['url']],
		[{ url: 'https://qyapi.weixin.qq.com/send?key=a b', region_code: STREET }, ['url']],
		[{ url: `https://qyapi.weixin.qq.com/send?key=${'x'.repeat(2100)}`, region_code: STREET }, ['url']],
		[{ url: 'https://127.0.0.1:1/x', kind: 'slack', region_code: STREET }, ['kind']],
		[{ url: 'https://127.0.0.1:1/x', topics: ['request.dispatched', 'request.teleported'], region_code: STREET }, ['topics']],
		[{ url: 'https://127.0.0.1:1/x', topics: [], region_code: STREET }, ['topics']],
		[{ url: 'https://127.0.0.1:1/x' }, ['station_id']],
		[{ url: 'https://127.0.0.1:1/x', station_id: BRANCH, region_code: STREET }, ['region_code']],
		[{ url: 'https://127.0.0.1:1/x', region_code: '61' }, ['region_code']],
		[{ url: 'https://127.0.0.1:1/x', region_code: '610303999' }, ['region_code']],
		[{ url: 'https://127.0.0.1:1/x', station_id: 999999 }, ['station_id']],
		[{ url: 'https://127.0.0.1:1/x', region_code: STREET, secret: 'SECabc' }, ['secret']],
		[{ url: 'https://127.0.0.1:1/x', region_code: STREET, enabled: 'yes' }, ['enabled']],
		[{ url: 'https://127.0.0.1:1/x', region_code: STREET, colour: 'red' }, ['colour']],
	];
	for (const [body, fields] of cases) {
		const r = await as(staff, { method: 'POST', path: '/api/v1/bots', body: newBot(body) });
		await assertProblem(srv.url, r, 422, 'validation', { fields });
	}
	const noName = await as(staff, { method: 'POST', path: '/api/v1/bots', body: { kind: 'wecom', url: 'https://127.0.0.1:1/x', region_code: STREET, topics: ['request.created'] } });
	await assertProblem(srv.url, noName, 422, 'validation', { fields: ['name'] });
	const en = await as(staff, { method: 'POST', path: '/api/v1/bots', body: newBot({ url: 'http://example.com/x', region_code: STREET }), headers: { 'Accept-Language': 'en' } });
	assert.match(en.json.errors[0].message, /https/);
	assert.equal(await count(), before, 'no bot was written');
	// http:// is fine on this machine (tests, a relay on the same host).
	for (const host of ['127.0.0.1:1', 'localhost:1', '[::1]:1']) {
		const ok = await as(staff, { method: 'POST', path: '/api/v1/bots', body: newBot({ url: `http://${host}/hook`, region_code: STREET, enabled: false }) });
		assert.equal(ok.status, 201, `${host}: ${ok.text}`);
	}
});

test('a station manager keeps only its stations\' bots; staff only those within their street', async () => {
	const url = 'http://127.0.0.1:9/hook?key=0123456789abcdef';
	const mine = await as(manager, { method: 'POST', path: '/api/v1/bots', body: newBot({ url, station_id: BRANCH, enabled: false }) });
	assert.equal(mine.status, 201, mine.text);
	for (const station of [NOT_MINE, HUB]) {
		const theirs = await as(manager, { method: 'POST', path: '/api/v1/bots', body: newBot({ url, station_id: station }) });
		await assertProblem(srv.url, theirs, 403, 'forbidden');
	}
	const street = await as(manager, { method: 'POST', path: '/api/v1/bots', body: newBot({ url, region_code: STREET }) });
	await assertProblem(srv.url, street, 403, 'forbidden');
	const staffBot = await as(staff, { method: 'POST', path: '/api/v1/bots', body: newBot({ url, region_code: COMMUNITY, enabled: false }) });
	assert.equal(staffBot.status, 201, staffBot.text);
	const other = await as(admin, { method: 'POST', path: '/api/v1/bots', body: newBot({ url, region_code: OTHER_STREET, enabled: false }) });
	assert.equal(other.status, 201, other.text);
	const otherStation = await as(admin, { method: 'POST', path: '/api/v1/bots', body: newBot({ url, station_id: 19, enabled: false }) });
	assert.equal(otherStation.status, 201, otherStation.text);

	// The manager sees and changes its own, not the street's.
	const seen = await as(manager, { path: '/api/v1/bots' });
	await assertJson(srv.url, seen, 200, 'BotPage');
	const seenIds = seen.json.items.map((b) => b.id);
	assert.ok(seenIds.includes(mine.json.id));
	assert.ok(seen.json.items.every((b) => b.station_id && b.station_id !== NOT_MINE), JSON.stringify(seen.json.items));
	for (const [method, path, body] of [
		['GET', `/api/v1/bots/${staffBot.json.id}`],
		['PATCH', `/api/v1/bots/${staffBot.json.id}`, { name: '改名' }],
		['DELETE', `/api/v1/bots/${staffBot.json.id}`],
		['POST', `/api/v1/bots/${staffBot.json.id}/test`],
		['GET', `/api/v1/bots/${staffBot.json.id}/deliveries`],
	])
		await assertProblem(srv.url, await as(manager, { method, path, body }), 403, 'forbidden');
	const moveAway = await as(manager, { method: 'PATCH', path: `/api/v1/bots/${mine.json.id}`, body: { station_id: NOT_MINE } });
	await assertProblem(srv.url, moveAway, 403, 'forbidden');
	await assertProblem(srv.url, await as(manager, { path: `/api/v1/bots?station_id=${NOT_MINE}` }), 403, 'forbidden');
	assert.ok((await as(manager, { path: `/api/v1/bots?station_id=${BRANCH}` })).json.items.some((b) => b.id === mine.json.id));
	await assertProblem(srv.url, await as(manager, { path: `/api/v1/bots?station_id=${HUB}` }), 403, 'forbidden');

	// Staff of a street: the street's bots, stations' included; not another street's.
	const streetList = await as(staff, { path: '/api/v1/bots' });
	const ids = streetList.json.items.map((b) => b.id);
	assert.ok(ids.includes(mine.json.id) && ids.includes(staffBot.json.id));
	assert.ok(!ids.includes(other.json.id) && !ids.includes(otherStation.json.id));
	await assertProblem(srv.url, await as(staff, { path: `/api/v1/bots/${other.json.id}` }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { path: `/api/v1/bots/${otherStation.json.id}/deliveries` }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { path: `/api/v1/bots?region=${OTHER_STREET}` }), 403, 'forbidden');
	await assertProblem(srv.url, await as(staff, { method: 'PATCH', path: `/api/v1/bots/${staffBot.json.id}`, body: { region_code: OTHER_STREET } }), 403, 'forbidden');
	const mineIn = await as(staff, { path: `/api/v1/bots?region=${COMMUNITY}` });
	assert.ok(mineIn.json.items.every((b) => (b.region_code ?? '').startsWith(COMMUNITY) || b.station_id), 'within the community');
	// Nobody else.
	await assertProblem(srv.url, await as(resident, { path: '/api/v1/bots' }), 403, 'forbidden');
	await assertProblem(srv.url, await api(srv.url, { path: '/api/v1/bots' }), 401);
	await assertProblem(srv.url, await as(staff, { path: '/api/v1/bots/999999' }), 404, 'not-found');
});

test('a failing bot is retried with backoff, recovers, and is given up after a day', async () => {
	// 500, then a platform refusal, then accepted.
	const flaky = await platform((n) =>
		n === 1 ? { status: 500, body: 'oops' } : n === 2 ? { status: 200, body: { errcode: 93000, errmsg: 'invalid webhook url' } } : { status: 200, body: { errcode: 0, errmsg: 'ok' } },
	);
	const down = await platform(() => ({ status: 503, body: 'down' }));
	let later = null;
	try {
		const a = await as(staff, { method: 'POST', path: '/api/v1/bots', body: newBot({ name: '不稳定的群', url: `${flaky.base}/send?key=flakyflakyflaky1`, station_id: 7, topics: ['request.resolved'] }) });
		const b = await as(staff, { method: 'POST', path: '/api/v1/bots', body: newBot({ name: '坏掉的群', url: `${down.base}/send?key=downdowndowndown`, station_id: 7, topics: ['request.resolved'] }) });
		assert.equal(a.status, 201, a.text);
		assert.equal(b.status, 201, b.text);
		const t0 = Math.floor(Date.now() / 1000);
		await recordEvent(srv.dbUrl, { topic: 'request.resolved', region: '610303008006', station: 7 });
		const first = await waitFor('the first failure', async () => {
			const d = await deliveries(staff, a.json.id);
			return d[0]?.attempts === 1 ? d[0] : null;
		});
		assert.equal(first.state, 'pending');
		assert.match(first.last_error, /HTTP 500/);
		const next1 = Date.parse(first.next_at) / 1000;
		assert.ok(next1 >= t0 + 9 && next1 <= t0 + 15, `retried about 10 s later: ${first.next_at}`);
		const bot = (await as(staff, { path: `/api/v1/bots/${a.json.id}` })).json;
		assert.equal(bot.failures, 1);
		assert.match(bot.last_error, /HTTP 500/);
		await sleep(500);
		assert.equal(flaky.got.length, 1, 'not tried again before its time');

		// 15 s later (a restart with the clock moved on also shows that pending deliveries resume).
		await srv.stop({ keep: true });
		later = await startServer({ dbUrl: srv.dbUrl, seed: false, args: [...ARGS, '--clock-offset', '15'] });
		const second = await waitFor('the second failure', async () => {
			const r = await api(later.url, { path: `/api/v1/bots/${a.json.id}/deliveries`, session: staff });
			return r.json?.items?.[0]?.attempts === 2 ? r.json.items[0] : null;
		});
		assert.equal(second.state, 'pending');
		assert.match(second.last_error, /errcode 93000 invalid webhook url/);
		const next2 = Date.parse(second.next_at) / 1000;
		assert.ok(next2 >= t0 + 15 + 29, `then about 30 s later: ${second.next_at}`);
		await later.stop({ keep: true });

		later = await startServer({ dbUrl: srv.dbUrl, seed: false, args: [...ARGS, '--clock-offset', '60'] });
		const third = await waitFor('the third try, accepted', async () => {
			const r = await api(later.url, { path: `/api/v1/bots/${a.json.id}/deliveries`, session: staff });
			return r.json?.items?.[0]?.state === 'sent' ? r.json.items[0] : null;
		});
		assert.equal(third.attempts, 3);
		assert.equal(third.last_error, null);
		assert.equal(flaky.got.length, 3);
		const healthy = (await api(later.url, { path: `/api/v1/bots/${a.json.id}`, session: staff })).json;
		assert.equal(healthy.failures, 0);
		assert.equal(healthy.last_error, undefined, 'a success clears the error');
		const sick = (await api(later.url, { path: `/api/v1/bots/${b.json.id}/deliveries`, session: staff })).json.items[0];
		assert.equal(sick.state, 'pending');
		assert.ok(sick.attempts >= 2 && sick.attempts <= 3, `the dead one tried each time it was due: ${sick.attempts}`);
		await later.stop({ keep: true });

		// Two days on: never sent within a day, given up.
		later = await startServer({ dbUrl: srv.dbUrl, seed: false, args: [...ARGS, '--clock-offset', String(2 * 86400)] });
		const staffLater = await login(later.url, DEMO.staff, DEMO_PASSWORD);
		const dead = await waitFor('the delivery given up', async () => {
			const r = await api(later.url, { path: `/api/v1/bots/${b.json.id}/deliveries`, session: staffLater });
			return r.json?.items?.[0]?.state === 'dead' ? r.json.items[0] : null;
		});
		assert.equal(dead.next_at, null);
		assert.ok(dead.last_error);
	} finally {
		await later?.stop({ keep: true });
		await flaky.close();
		await down.close();
		// The rest of the file goes on with a server on the real clock.
		srv = await startServer({ dbUrl: srv.dbUrl, seed: false, args: ARGS });
	}
});

test('a bot that never answers slows no request, and holds up no other bot', async () => {
	const hole = await blackhole();
	const wecom = await platform();
	try {
		const dead = await as(staff, { method: 'POST', path: '/api/v1/bots', body: newBot({ name: '不应答的群', url: `${hole.base}/send?key=blackholeblackhole`, station_id: 9, topics: ['request.escalated'] }) });
		const alive = await as(staff, { method: 'POST', path: '/api/v1/bots', body: newBot({ name: '正常的群', url: `${wecom.base}/send?key=aliveandwellalive`, station_id: 9, topics: ['request.escalated'] }) });
		assert.equal(dead.status, 201, dead.text);
		assert.equal(alive.status, 201, alive.text);
		await recordEvent(srv.dbUrl, { topic: 'request.escalated', region: '610303008007', station: 9 });
		await waitFor('the post to the dead bot', () => hole.requests() > 0);
		await waitFor('the live bot served meanwhile', () => wecom.got.length >= 1, 3000);

		// Ordinary requests while the post hangs: reads and writes stay fast.
		const times = [];
		for (let i = 0; i < 20; i++) {
			const t = performance.now();
			const r = i % 2
				? await as(staff, { path: '/api/v1/bots' })
				: await as(staff, { method: 'PATCH', path: `/api/v1/bots/${alive.json.id}`, body: { name: `正常的群${i}` } });
			times.push(performance.now() - t);
			assert.equal(r.status, 200, r.text);
		}
		times.sort((x, y) => x - y);
		assert.ok(times[times.length - 1] < 1500 && times[10] < 300, `request times (ms): ${times.map(Math.round).join(' ')}`);
		assert.equal(hole.requests() > 0, true, 'the dead bot still holds its post');

		// The post gives up after 10 s, and says why.
		const d = await waitFor('the timeout', async () => {
			const items = await deliveries(staff, dead.json.id);
			return items[0]?.attempts === 1 ? items[0] : null;
		}, 15000);
		assert.equal(d.state, 'pending');
		assert.match(d.last_error, /没有应答：Timeout was reached/);

		// A server stopping with a post in flight stops at once; the delivery stays due.
		await as(staff, { method: 'POST', path: `/api/v1/bots/${dead.json.id}/test` });
		const posts = hole.requests();
		await srv.stop({ keep: true });
		srv = await startServer({ dbUrl: srv.dbUrl, seed: false, args: [...ARGS, '--clock-offset', '20'] });
		await waitFor('the post again', () => hole.requests() > posts);
		const t = performance.now();
		await srv.stop({ keep: true });
		assert.ok(performance.now() - t < 3000, `stopped in ${Math.round(performance.now() - t)} ms with a post in flight`);
		srv = await startServer({ dbUrl: srv.dbUrl, seed: false, args: ARGS });
		const pending = (await as(staff, { path: `/api/v1/bots/${dead.json.id}/deliveries` })).json.items;
		assert.ok(pending.every((x) => x.state === 'pending'), JSON.stringify(pending));
	} finally {
		await hole.close();
		await wecom.close();
	}
});
