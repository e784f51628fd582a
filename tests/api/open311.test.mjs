// Open311 GeoReport v2 under /open311/v2/: every endpoint in .json and .xml
// (the XML read with a real parser), filing the way FixMyStreet does (a
// form with api_key and jurisdiction_id) and as JSON, the token lookup, the
// list's filters, what the public may see (never the requester), and every
// refusal in the standard's error format with nothing written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DOMParser } from '@xmldom/xmldom';

import { startServer, sqlRows, addUser, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';

const COMMUNITY = '610303008003';
const V2 = '/open311/v2';
const NEAR = { lat: '34.365', long: '107.146' }; // in 宝鸡, by the demo stations
const BEIJING = { lat: '39.9042', long: '116.4074' }; // in China, no station near

let srv, admin, resident, integration, integrationKey, adminKey;

const count = async (table) => Number((await sqlRows(srv.dbUrl, `SELECT COUNT(*) FROM ${table}`))[0][0]);
const written = async () => Promise.all(['requests', 'request_events', 'audit_log', 'outbox'].map(count));

/** A form POST, the way FixMyStreet files. */
const postForm = (fmt, fields) =>
	api(srv.url, {
		method: 'POST',
		path: `${V2}/requests.${fmt}`,
		body: new URLSearchParams(fields).toString(),
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
	});
const postJson = (fmt, body) => api(srv.url, { method: 'POST', path: `${V2}/requests.${fmt}`, body });
const get = (path) => api(srv.url, { path: `${V2}/${path}` });

/** The document's root element, parsed by a real XML parser. */
function xml(res) {
	assert.match(res.headers.get('content-type'), /^text\/xml; charset=utf-8/);
	assert.match(res.text, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
	const doc = new DOMParser().parseFromString(res.text, 'text/xml');
	return doc.documentElement;
}
const children = (el, name) => Array.from(el.childNodes).filter((n) => n.nodeType === 1 && (!name || n.nodeName === name));
/** An element of simple children as an object of their texts. */
const fields = (el) => Object.fromEntries(children(el).map((c) => [c.nodeName, children(c).length ? c : c.textContent]));
/** The items of a list document: <root><item>…</item>…</root>. */
function xmlList(res, root, item) {
	const el = xml(res);
	assert.equal(el.nodeName, root);
	return children(el).map((c) => {
		assert.equal(c.nodeName, item);
		return fields(c);
	});
}
function jsonOf(res) {
	assert.match(res.headers.get('content-type'), /^application\/json; charset=utf-8/);
	return JSON.parse(res.text);
}

/** An error in Open311's format, in either format: [{code, description}]. */
function assertErrors(res, fmt, status, pattern) {
	assert.equal(res.status, status, res.text);
	const errors =
		fmt === 'xml'
			? xmlList(res, 'errors', 'error').map((e) => ({ code: Number(e.code), description: e.description }))
			: jsonOf(res);
	assert.ok(Array.isArray(errors) && errors.length >= 1, res.text);
	for (const e of errors) assert.equal(e.code, status);
	if (pattern) assert.ok(errors.some((e) => pattern.test(e.description)), `${pattern} in ${res.text}`);
}

before(async () => {
	srv = await startServer();
	[admin, resident] = await Promise.all([login(srv.url, DEMO.admin, DEMO_PASSWORD), login(srv.url, DEMO.resident, DEMO_PASSWORD)]);
	// The integration: an account of its own, a resident of a community,
	// with an API token made by an admin.
	const phone = uniquePhone('176');
	await addUser(srv.dbUrl, { phone, name: '城市热线对接', role: `resident@${COMMUNITY}`, password: 'Open#311xx' });
	integration = await login(srv.url, phone, 'Open#311xx');
	const mk = async (account_id, name) => {
		const r = await api(srv.url, { method: 'POST', path: '/api/v1/tokens', session: admin, body: { account_id, name } });
		assert.equal(r.status, 201, r.text);
		return r.json.token;
	};
	integrationKey = await mk(integration.account.id, 'FixMyStreet');
	adminKey = await mk(admin.account.id, '市级平台');
});
after(() => srv?.stop());

test('discovery names the endpoint, its specification and both formats', async () => {
	const j = jsonOf(await get('discovery.json'));
	assert.equal(j.endpoints.length, 1);
	assert.equal(j.endpoints[0].specification, 'http://wiki.open311.org/GeoReport_v2');
	assert.match(j.endpoints[0].url, /\/open311\/v2$/);
	assert.deepEqual(j.endpoints[0].formats, ['text/xml', 'application/json']);
	const x = xml(await get('discovery.xml'));
	assert.equal(x.nodeName, 'discovery');
	const endpoint = children(children(x, 'endpoints')[0], 'endpoint')[0];
	assert.equal(fields(endpoint).specification, 'http://wiki.open311.org/GeoReport_v2');
	assert.deepEqual(children(children(endpoint, 'formats')[0], 'format').map((f) => f.textContent), ['text/xml', 'application/json']);
});

test('services are the categories of the kinds the public files, the same in both formats', async () => {
	const j = jsonOf(await get('services.json'));
	const kinds = new Set(j.map((s) => s.service_code.split('.')[0]));
	assert.deepEqual([...kinds].sort(), ['order', 'wish', 'report', 'suggestion'].sort());
	const road = j.find((s) => s.service_code === 'report.road');
	assert.ok(road, 'report.road is a service');
	assert.equal(road.group, '随手拍');
	assert.equal(road.type, 'realtime');
	assert.equal(road.metadata, false);
	assert.match(road.keywords, /Photo report/);
	assert.ok(road.service_name.length > 0);
	const x = xmlList(await get('services.xml'), 'services', 'service');
	assert.deepEqual(
		x.map((s) => s.service_code),
		j.map((s) => s.service_code),
	);
	const xroad = x.find((s) => s.service_code === 'report.road');
	assert.equal(xroad.service_name, road.service_name);
	assert.equal(xroad.metadata, 'false');
	assert.equal(xroad.group, '随手拍');
});

test('a service definition, and an unknown or staff-only service as a 404 in either format', async () => {
	const j = jsonOf(await get('services/report.road.json'));
	assert.deepEqual(j, { service_code: 'report.road', attributes: [] });
	const x = xml(await get('services/report.road.xml'));
	assert.equal(x.nodeName, 'service_definition');
	assert.equal(fields(x).service_code, 'report.road');
	assertErrors(await get('services/report.nothing.json'), 'json', 404, /service_code/);
	assertErrors(await get('services/nodot.xml'), 'xml', 404, /service_code/);
	const cats = (await api(srv.url, { path: '/api/v1/requests/categories?kind=mediation' })).json.kinds[0].categories;
	assertErrors(await get(`services/mediation.${cats[0].code}.json`), 'json', 404);
});

test('filing the FixMyStreet way: a form with api_key and jurisdiction_id, answered in XML', async () => {
	const before = await written();
	const res = await postForm('xml', {
		api_key: integrationKey,
		jurisdiction_id: '6103',
		service_code: 'report.road',
		...NEAR,
		description: '路灯不亮 <晚上> & 很黑\n在小区门口往东 20 米',
		first_name: '三',
		last_name: '张',
		email: 'zhang@example.com',
		phone: '13912345678',
		address_string: '引渭路 1 号',
		media_url: 'https://photos.example/1.jpg',
		'attribute[unused]': 'x',
	});
	assert.equal(res.status, 200, res.text);
	const [made] = xmlList(res, 'service_requests', 'request');
	const id = Number(made.service_request_id);
	assert.ok(id > 0);
	const after = await written();
	assert.equal(after[0], before[0] + 1);
	// The row: filed by the integration's account, at the nearest station,
	// titled by the description's first line; where and who kept as text.
	const [row] = await sqlRows(srv.dbUrl, `SELECT kind, category, title, requester_id, station_id, lat, lng FROM requests WHERE id = ${id}`);
	assert.equal(row[0], 'report');
	assert.equal(row[1], 'road');
	assert.equal(row[2], '路灯不亮 <晚上> & 很黑');
	assert.equal(Number(row[3]), integration.account.id);
	assert.ok(Number(row[4]) > 0, 'placed at a station');
	assert.ok(Math.abs(Number(row[5]) - 34.365) < 1e-9);

	// Anyone reads it back, in both formats: the title (escaped in XML and
	// read back whole), never who filed it.
	const pub = jsonOf(await get(`requests/${id}.json`));
	assert.equal(pub.length, 1);
	assert.equal(pub[0].service_request_id, String(id));
	assert.equal(pub[0].status, 'open');
	assert.equal(pub[0].service_code, 'report.road');
	assert.equal(pub[0].description, '路灯不亮 <晚上> & 很黑');
	assert.equal(pub[0].lat, 34.365);
	assert.equal(pub[0].long, 107.146);
	assert.match(pub[0].requested_datetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
	assert.match(pub[0].expected_datetime, /\+08:00$/);
	assert.ok(pub[0].agency_responsible.length > 0);
	const [x] = xmlList(await get(`requests/${id}.xml`), 'service_requests', 'request');
	assert.equal(x.description, '路灯不亮 <晚上> & 很黑');
	assert.equal(x.status, 'open');
	assert.equal(x.agency_responsible, pub[0].agency_responsible);
	assert.equal(Number(x.lat), 34.365);
	const raw = (await get(`requests/${id}.xml`)).text;
	assert.match(raw, /路灯不亮 &lt;晚上&gt; &amp; 很黑/);
	for (const text of [JSON.stringify(pub), raw]) {
		assert.doesNotMatch(text, /城市热线对接|13912345678|zhang@example/);
	}
	// With its api_key the integration reads its own request whole.
	const mine = jsonOf(await get(`requests/${id}.json?api_key=${integrationKey}`));
	assert.match(mine[0].description, /^路灯不亮 <晚上> & 很黑\n在小区门口往东 20 米\n/);
	assert.match(mine[0].description, /\n地址：引渭路 1 号\n联系人：张 三\n电话：13912345678\n邮箱：zhang@example\.com\n照片：https:\/\/photos\.example\/1\.jpg$/);
	assert.doesNotMatch(JSON.stringify(mine), /城市热线对接/);
});

test('filing with a JSON body; a place from address_id when no station is near', async () => {
	const res = await postJson('json', { api_key: integrationKey, service_code: 'suggestion.community', description: '建议在社区增设长椅', ...BEIJING, address_id: COMMUNITY });
	assert.equal(res.status, 200, res.text);
	const [made] = jsonOf(res);
	const [row] = await sqlRows(srv.dbUrl, `SELECT station_id, region_code, kind FROM requests WHERE id = ${made.service_request_id}`);
	assert.equal(row[0], '');
	assert.equal(row[1], COMMUNITY);
	assert.equal(row[2], 'suggestion');
	const [pub] = jsonOf(await get(`requests/${made.service_request_id}.json`));
	assert.equal(pub.address_id, COMMUNITY);
	assert.ok(pub.agency_responsible.length > 0);
});

test('an order filed as JSON is the requester’s and staff’s to see, not the public’s', async () => {
	const res = await postJson('json', { api_key: integrationKey, jurisdiction_id: '6103', service_code: 'order.repair', description: '水龙头漏水', ...NEAR });
	assert.equal(res.status, 200, res.text);
	const [made] = jsonOf(res);
	const id = made.service_request_id;
	assert.equal(typeof id, 'string');
	assertErrors(await get(`requests/${id}.json`), 'json', 404);
	assertErrors(await get(`requests/${id}.xml`), 'xml', 404);
	assert.ok(!jsonOf(await get('requests.json')).some((r) => r.service_request_id === id));
	// The requester's key and a staff key see it.
	assert.equal(jsonOf(await get(`requests/${id}.json?api_key=${integrationKey}`))[0].service_request_id, id);
	assert.equal(jsonOf(await get(`requests/${id}.json?api_key=${adminKey}`))[0].description, '水龙头漏水');
	assert.ok(jsonOf(await get(`requests.json?api_key=${adminKey}`)).some((r) => r.service_request_id === id));
	// A key that is no token is refused, not ignored.
	assertErrors(await get(`requests/${id}.json?api_key=nope`), 'json', 403, /api_key/);
});

test('tokens map to their request, in both formats', async () => {
	const [made] = jsonOf(await postJson('json', { api_key: integrationKey, service_code: 'report.road', description: '井盖松动', ...NEAR }));
	const token = `R${made.service_request_id}`;
	assert.deepEqual(jsonOf(await get(`tokens/${token}.json`)), [{ service_request_id: made.service_request_id, token }]);
	const [x] = xmlList(await get(`tokens/${token}.xml`), 'service_requests', 'request');
	assert.deepEqual(x, { service_request_id: made.service_request_id, token });
	assertErrors(await get('tokens/R99999999.json'), 'json', 404, /token/);
	assertErrors(await get('tokens/nonsense.xml'), 'xml', 404);
});

test('the list: the last 90 days by default, and the standard filters', async () => {
	const a = jsonOf(await postJson('json', { api_key: integrationKey, service_code: 'report.road', description: '过滤一', ...NEAR }))[0].service_request_id;
	const b = jsonOf(await postJson('json', { api_key: integrationKey, service_code: 'report.road', description: '过滤二', ...NEAR }))[0].service_request_id;
	const all = jsonOf(await get('requests.json'));
	assert.ok(all.some((r) => r.service_request_id === a) && all.some((r) => r.service_request_id === b));
	assert.ok(all.every((r) => ['report', 'suggestion'].includes(r.service_code.split('.')[0])), 'only public kinds');
	assert.ok(Number(all[0].service_request_id) > Number(all[all.length - 1].service_request_id), 'newest first');
	const xall = xmlList(await get('requests.xml'), 'service_requests', 'request');
	assert.deepEqual(
		xall.map((r) => r.service_request_id),
		all.map((r) => r.service_request_id),
	);

	const ids = jsonOf(await get(`requests.json?service_request_id=${a},${b}`)).map((r) => r.service_request_id);
	assert.deepEqual(ids.sort(), [a, b].sort());
	assert.deepEqual(xmlList(await get(`requests.xml?service_request_id=${a}`), 'service_requests', 'request').map((r) => r.service_request_id), [a]);
	assert.ok(jsonOf(await get('requests.json?service_code=report.road')).every((r) => r.service_code === 'report.road'));
	assert.ok(jsonOf(await get('requests.json?status=open')).every((r) => r.status === 'open'));
	assert.ok(!jsonOf(await get('requests.json?status=closed')).some((r) => r.service_request_id === a));
	assert.deepEqual(jsonOf(await get('requests.json?start_date=2099-01-01T00:00:00Z')), []);
	assert.deepEqual(jsonOf(await get('requests.json?end_date=2001-01-01T00:00:00%2B08:00')), []);
	const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
	assert.ok(jsonOf(await get(`requests.json?start_date=${today}`)).length >= 2);

	assertErrors(await get('requests.json?status=maybe'), 'json', 400, /status/);
	assertErrors(await get('requests.xml?start_date=yesterday'), 'xml', 400, /start_date/);
	assertErrors(await get('requests.json?service_request_id=1,x'), 'json', 400, /service_request_id/);
	assertErrors(await get('requests.json?service_code=report.nothing'), 'json', 400, /service_code/);
	assertErrors(await get('requests.json?jurisdiction_id=1101'), 'json', 404, /jurisdiction_id/);
});

test('a closed request shows its status and the note of its last step', async () => {
	const [made] = jsonOf(await postJson('json', { api_key: integrationKey, service_code: 'report.road', description: '路面坑洼', ...NEAR }));
	const id = Number(made.service_request_id);
	const staff = await login(srv.url, DEMO.staff, DEMO_PASSWORD);
	const stepped = await api(srv.url, { method: 'POST', path: `/api/v1/requests/${id}/steps`, session: admin, body: { action: 'reject', note: '不属于本辖区，已转交市政' } });
	void staff;
	assert.equal(stepped.status, 200, stepped.text);
	// Rejected: out of the public's sight, in the staff key's.
	assertErrors(await get(`requests/${id}.json`), 'json', 404);
	const [r] = jsonOf(await get(`requests/${id}.json?api_key=${adminKey}`));
	assert.equal(r.status, 'closed');
	assert.equal(r.status_notes, '不属于本辖区，已转交市政');
	const [x] = xmlList(await get(`requests/${id}.xml?api_key=${adminKey}`), 'service_requests', 'request');
	assert.equal(x.status_notes, '不属于本辖区，已转交市政');
});

test('every refusal is a 4xx in the standard’s format, and nothing is written', async () => {
	const before = await written();
	const good = { api_key: integrationKey, jurisdiction_id: '6103', service_code: 'report.road', description: '不会写入', ...NEAR };
	for (const fmt of ['json', 'xml']) {
		assertErrors(await postForm(fmt, { ...good, api_key: 'yzt_wrong' }), fmt, 403, /api_key/);
		const { api_key, ...noKey } = good;
		void api_key;
		assertErrors(await postForm(fmt, noKey), fmt, 403, /api_key/);
		const { service_code, ...noCode } = good;
		void service_code;
		assertErrors(await postForm(fmt, noCode), fmt, 400, /service_code/);
		assertErrors(await postForm(fmt, { ...good, service_code: 'report.nothing' }), fmt, 404, /service_code/);
		assertErrors(await postForm(fmt, { ...good, service_code: 'visit.care' }), fmt, 404, /service_code/);
		assertErrors(await postForm(fmt, { ...good, jurisdiction_id: '1101' }), fmt, 404, /jurisdiction_id/);
		assertErrors(await postForm(fmt, { ...good, lat: '48.85', long: '2.35' }), fmt, 400, /^lat/);
		assertErrors(await postForm(fmt, { ...good, lat: 'north' }), fmt, 400, /^lat/);
		assertErrors(await postForm(fmt, { ...good, long: '' }), fmt, 400, /long/);
		assertErrors(await postJson(fmt, { ...good, description: 'x'.repeat(2100) }), fmt, 400, /^description/);
		assertErrors(await postJson(fmt, { ...good, description: 'bad\u0007bell' }), fmt, 400, /^description/);
		// A report needs a place: neither a point nor a community.
		const { lat, long, ...nowhere } = good;
		void lat;
		void long;
		assertErrors(await postForm(fmt, nowhere), fmt, 400, /^lat/);
		assertErrors(await postForm(fmt, { ...good, address_id: '99' }), fmt, 400, /^address_id/);
		const bad = await api(srv.url, { method: 'POST', path: `${V2}/requests.${fmt}`, body: '{"api_key":', headers: { 'Content-Type': 'application/json' } });
		assertErrors(bad, fmt, 400);
		const odd = await api(srv.url, { method: 'POST', path: `${V2}/requests.${fmt}`, body: 'x', headers: { 'Content-Type': 'text/plain' } });
		assertErrors(odd, fmt, 400);
	}
	// English when the client prefers it.
	const en = await api(srv.url, {
		method: 'POST',
		path: `${V2}/requests.json`,
		body: new URLSearchParams({ ...good, lat: '48.85', long: '2.35' }).toString(),
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept-Language': 'en' },
	});
	assertErrors(en, 'json', 400, /^lat: .*China/);
	assert.deepEqual(await written(), before, 'nothing written by a refused request');
});

test('the server’s own errors under /open311/ speak Open311 too: no such address, a wrong method, a body too large', async () => {
	assertErrors(await get('nothing.json'), 'json', 404, /./);
	assertErrors(await get('nothing/here.xml'), 'xml', 404, /./);
	assertErrors(await api(srv.url, { method: 'DELETE', path: `${V2}/services.json` }), 'json', 405, /./);
	assertErrors(await api(srv.url, { method: 'DELETE', path: `${V2}/services.xml` }), 'xml', 405, /./);
	const big = new URLSearchParams({ service_code: 'report.road', description: 'x'.repeat(40 * 1024) }).toString();
	const before = await written();
	for (const fmt of ['json', 'xml']) {
		const res = await api(srv.url, { method: 'POST', path: `${V2}/requests.${fmt}`, body: big, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
		assertErrors(res, fmt, 413, /32768/);
	}
	assert.deepEqual(await written(), before);
	// Our own API keeps its problem details.
	const own = await api(srv.url, { path: '/api/v1/nothing' });
	assert.equal(own.status, 404);
	assert.match(own.headers.get('content-type'), /application\/problem\+json/);
});

test('Open311 routes are not in the OpenAPI document, and unknown query parameters are no error there', async () => {
	const doc = (await api(srv.url, { path: '/api/v1/openapi.json' })).json;
	assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/open311/')));
	assert.equal((await get('services.json?locale=zh_CN')).status, 200);
	// A session cookie or Bearer header does not stand in for api_key.
	assertErrors(await api(srv.url, { method: 'POST', path: `${V2}/requests.json`, token: adminKey, body: { service_code: 'report.road', ...NEAR } }), 'json', 403, /api_key/);
	void resident;
});
