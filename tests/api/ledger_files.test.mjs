// The ledger as spreadsheets on the real server and database: Excel and CSV
// exports opened by a real spreadsheet reader (Debian's python3-openpyxl),
// masked numbers unless whole ones are asked for and allowed, each export
// audited; imports that write every row or none and name each bad row, or
// skip the bad rows when asked; files that are not spreadsheets, too large,
// or of the wrong shape are refused with a clear 4xx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { startServer, sqlRows, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone, rawRequest } from './lib/client.mjs';
import { assertJson, assertProblem } from './lib/schema.mjs';

const run = promisify(execFile);
const PY = '/usr/bin/python3';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const REGION = '610303008007'; // 卧龙社区, in the demo staff's street

let srv, staff, admin, dir, site;
const as = (who, opts) => api(srv.url, { ...opts, session: who });

/** Runs a Python snippet with openpyxl; returns its JSON output. */
async function py(code, ...args) {
	const { stdout } = await run(PY, ['-c', code, ...args]);
	return JSON.parse(stdout);
}
const READ_XLSX = `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=False)
out = {}
for ws in wb.worksheets:
    out[ws.title] = {'freeze': ws.freeze_panes, 'bold': bool(ws['A1'].font.b),
                     'rows': [[('' if c is None else str(c)) for c in row] for row in ws.iter_rows(values_only=True)]}
print(json.dumps(out, ensure_ascii=False))
`;

async function download(path, who = staff) {
	const res = await fetch(srv.url + path, { headers: { Cookie: who.cookie } });
	const buf = Buffer.from(await res.arrayBuffer());
	return { status: res.status, headers: res.headers, buf, text: buf.toString('utf8') };
}

async function upload(body, { mode, who = staff, type = 'text/csv' } = {}) {
	const q = mode ? `?mode=${mode}` : '';
	const res = await fetch(`${srv.url}/api/v1/people/import${q}`, {
		method: 'POST',
		headers: { Cookie: who.cookie, 'X-CSRF-Token': who.csrf, 'Content-Type': type },
		body,
	});
	const text = await res.text();
	let json = null;
	try {
		json = JSON.parse(text);
	} catch {
		json = null;
	}
	return { status: res.status, headers: res.headers, json, text };
}

const total = async () => Number((await sqlRows(srv.dbUrl, 'SELECT COUNT(*) FROM persons'))[0][0]);

before(async () => {
	srv = await startServer();
	[staff, admin] = await Promise.all([login(srv.url, DEMO.staff, DEMO_PASSWORD), login(srv.url, DEMO.admin, DEMO_PASSWORD)]);
	dir = mkdtempSync(join(tmpdir(), 'yz-ledger-'));
	// The demo ledger has people everywhere: the exported ones are this
	// test's own, at a work site of its own.
	const ws = await as(staff, { method: 'POST', path: '/api/v1/work_sites', body: { name: '导出测试站点', address: '卧龙路 3 号', region_code: REGION } });
	assert.equal(ws.status, 201, ws.text);
	site = ws.json.id;
	for (const [name, categories, platform] of [
		['导出骑手', ['rider', 'party_member'], 'meituan'],
		['导出快递员', ['courier'], 'sf'],
		['导出居民', ['resident'], null],
	]) {
		const r = await as(staff, { method: 'POST', path: '/api/v1/people', body: { name, phone: uniquePhone('186'), categories, platform, region_code: REGION, work_site_id: site, roles: ['guard'] } });
		assert.equal(r.status, 201, r.text);
	}
});
after(async () => {
	await srv?.stop();
	if (dir) rmSync(dir, { recursive: true, force: true });
});

test('an Excel export opens in a real spreadsheet reader: formatted header, frozen first row, masked numbers', async () => {
	const res = await download(`/api/v1/people/export?region=${REGION}&work_site_id=${site}`);
	assert.equal(res.status, 200, res.text.slice(0, 300));
	assert.equal(res.headers.get('content-type'), XLSX);
	assert.match(res.headers.get('content-disposition'), /^attachment; filename="ledger-\d{4}-\d{2}-\d{2}\.xlsx"/);
	assert.equal(res.headers.get('x-row-count'), '3');
	const file = join(dir, 'ledger.xlsx');
	writeFileSync(file, res.buf);
	const book = await py(READ_XLSX, file);
	const sheet = book['台账'];
	assert.ok(sheet, `sheets: ${Object.keys(book)}`);
	assert.equal(sheet.freeze, 'A2');
	assert.equal(sheet.bold, true);
	assert.deepEqual(sheet.rows[0].slice(0, 5), ['编号', '姓名', '手机号', '类别', '平台/单位']);
	assert.equal(sheet.rows.length, 4);
	const rider = sheet.rows.find((r) => r[1] === '导出骑手');
	assert.match(rider[2], /^\d{3}\*{4}\d{4}$/, 'numbers are masked by default');
	assert.equal(rider[3], '外卖骑手、党员');
	assert.equal(rider[4], '美团');
	assert.equal(rider[6], REGION);
	assert.equal(rider[7], '卧龙社区');
	assert.equal(rider[10], '值守员');
	const audit = await as(admin, { path: '/api/v1/audit?action=person.export' });
	assert.ok(audit.json.items.length >= 1, 'the export is audited');
});

test('one sheet per category, and whole numbers for those allowed, audited as such', async () => {
	const res = await download(`/api/v1/people/export?region=${REGION}&work_site_id=${site}&by_category=true&phones=whole`);
	assert.equal(res.status, 200, res.text.slice(0, 300));
	const file = join(dir, 'by-category.xlsx');
	writeFileSync(file, res.buf);
	const book = await py(READ_XLSX, file);
	assert.ok(book['外卖骑手'] && book['快递员'] && book['居民'] && book['党员'], Object.keys(book).join(','));
	assert.equal(book['外卖骑手'].rows.length, 2);
	assert.match(book['外卖骑手'].rows[1][2], /^1\d{10}$/, 'whole numbers');
	assert.equal(book['党员'].rows[1][1], '导出骑手', 'a person in two categories is on both sheets');
	assert.equal(res.headers.get('x-row-count'), '3', 'people are counted once');
	const audit = await as(admin, { path: '/api/v1/audit?action=person.export' });
	assert.ok(audit.json.items.some((e) => JSON.stringify(e.detail ?? '').includes('whole_phones')), JSON.stringify(audit.json.items[0]));
});

test('a CSV export is UTF-8 with a BOM and CRLF, one row per person', async () => {
	const res = await download(`/api/v1/people/export?region=${REGION}&work_site_id=${site}&format=csv`);
	assert.equal(res.status, 200);
	assert.match(res.headers.get('content-type'), /^text\/csv/);
	assert.deepEqual([...res.buf.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
	const lines = res.text.slice(1).split('\r\n').filter(Boolean);
	assert.equal(lines.length, 4);
	assert.ok(lines[0].startsWith('编号,姓名,手机号,类别'));
	await assertProblem(srv.url, await as(staff, { path: '/api/v1/people/export?format=pdf' }), 422, 'validation', { fields: ['format'] });
	await assertProblem(srv.url, await as(staff, { path: '/api/v1/people/export?format=csv&by_category=true' }), 422, 'validation', { fields: ['by_category'] });
});

test('staff of one street export neither another street nor whole numbers beyond their scope; residents not at all', async () => {
	await assertProblem(srv.url, await as(staff, { path: '/api/v1/people/export?region=610302' }), 403, 'forbidden');
	const resident = await login(srv.url, DEMO.resident, DEMO_PASSWORD);
	await assertProblem(srv.url, await as(resident, { path: '/api/v1/people/export' }), 403, 'forbidden');
});

const csv = (rows) => '\ufeff' + rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
const HEAD = ['姓名', '手机号', '类别', '平台/单位', '所属区域代码', '志愿岗位'];

test('an import with one bad row writes nothing and names the row and field', async () => {
	const before = await total();
	const good = () => [`导入${uniquePhone('1').slice(-4)}`, uniquePhone('185'), '外卖骑手', '美团', REGION, '值守员、宣传员'];
	const body = csv([HEAD, good(), ['坏行', '12345', 'rider', 'meituan', REGION, ''], good()]);
	const r = await upload(body);
	await assertProblem(srv.url, r, 422, 'import-rejected');
	assert.equal(r.json.written, false);
	assert.equal(r.json.errors_total, 1);
	assert.deepEqual(r.json.row_errors.map((e) => [e.row, e.field, e.column]), [[3, 'phone', '手机号']]);
	assert.equal(await total(), before, 'nothing was written');
});

test('skip_bad writes the good rows and reports the rest; the same number twice in a file is caught', async () => {
	const before = await total();
	const dup = uniquePhone('184');
	const body = csv([
		HEAD,
		['导入甲', dup, '快递员', '顺丰', REGION, ''],
		['导入乙', dup, '快递员', '顺丰', REGION, ''],
		['导入丙', uniquePhone('184'), '宇航员', '', REGION, ''],
		['导入丁', uniquePhone('184'), 'courier、rider', 'jd', '610302004001', ''],
		['导入戊', uniquePhone('184'), '', '', REGION, '门卫'],
		['导入己', uniquePhone('184'), 'resident', '', REGION, ''],
	]);
	const r = await upload(body, { mode: 'skip_bad' });
	await assertJson(srv.url, r, 201, 'ImportReport');
	assert.equal(r.json.created, 2);
	assert.equal(r.json.skipped, 4);
	assert.deepEqual(r.json.row_errors.map((e) => [e.row, e.field]), [[3, 'phone'], [4, 'categories'], [5, 'region_code'], [6, 'roles']]);
	assert.equal(await total(), before + 2);
	const audit = await as(admin, { path: '/api/v1/audit?action=person.import' });
	assert.ok(audit.json.items.length >= 1, 'the import is audited');
});

test('an Excel file made by another program imports; a thousand bad rows are each named', async () => {
	const file = join(dir, 'made-by-openpyxl.xlsx');
	const p1 = uniquePhone('183'), p2 = uniquePhone('183');
	await run(PY, ['-c', `
import sys, openpyxl
wb = openpyxl.Workbook(); ws = wb.active; ws.title = '台账'
ws.append(['序号', '姓名', '手机号', '类别', '所属区域代码', '备注'])
ws.append([1, '表格骑手', int(sys.argv[2]), '外卖骑手', int(sys.argv[4]), '夜班'])
ws.append([2, '表格快递员', sys.argv[3], 'courier', sys.argv[4], None])
wb.save(sys.argv[1])
`, file, p1, p2, REGION]);
	const r = await upload(readFileSync(file), { type: XLSX });
	await assertJson(srv.url, r, 201, 'ImportReport');
	assert.equal(r.json.format, 'xlsx');
	assert.equal(r.json.created, 2);
	const found = await as(staff, { path: `/api/v1/people?q=${p1}` });
	assert.equal(found.json.items[0]?.name, '表格骑手');

	const rows = [HEAD];
	for (let i = 0; i < 1000; i++) rows.push([`坏${i}`, `1${i}`, '', '', REGION, '']);
	const bad = await upload(csv(rows));
	await assertProblem(srv.url, bad, 422, 'import-rejected');
	assert.equal(bad.json.errors_total, 1000);
	assert.equal(bad.json.row_errors.length, 1000);
	assert.equal(bad.json.row_errors[999].row, 1001);
});

test('files that are not ledgers: not a spreadsheet, the wrong columns, an old .xls, empty, too large', async () => {
	const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
	const notSheet = await upload(png, { type: 'text/csv' });
	assert.equal(notSheet.status, 415, notSheet.text);
	const xls = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(504)]);
	const old = await upload(xls, { type: XLSX });
	assert.equal(old.status, 415, old.text);
	assert.match(old.json.detail, /xlsx/);
	const wrong = await upload(csv([['名字', '电话'], ['张三', '13800001111']]));
	await assertProblem(srv.url, wrong, 422, 'bad-sheet');
	const empty = await upload('');
	assert.ok([422, 415].includes(empty.status), empty.text);
	// 200 MB announced: refused before a byte of it is read.
	const u = new URL(srv.url);
	const raw = await rawRequest(srv.url, [
		`POST /api/v1/people/import HTTP/1.1\r\nHost: ${u.host}\r\nCookie: ${staff.cookie}\r\nX-CSRF-Token: ${staff.csrf}\r\nContent-Type: text/csv\r\nContent-Length: ${200 * 1024 * 1024}\r\n\r\n`,
	]);
	assert.equal(raw.status, 413);
	const worker = await login(srv.url, DEMO.worker, DEMO_PASSWORD);
	assert.equal((await upload(csv([HEAD]), { who: worker })).status, 403);
});
