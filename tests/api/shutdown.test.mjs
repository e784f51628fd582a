// Graceful shutdown: on SIGTERM the server stops accepting, finishes the
// requests in flight, and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, rawRequest, connectionRefused, uniquePhone } from './lib/client.mjs';
import { assertJson, assertCommonHeaders, assertSchema, loadOpenapi } from './lib/schema.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a request in flight at SIGTERM is finished with 201, new connections are refused, and the server exits 0', async () => {
	const srv = await startServer();
	try {
		await loadOpenapi(srv.url);
		const admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
		const phone = uniquePhone();
		const body = Buffer.from(JSON.stringify({ phone, name: '停机中' }));
		const half = Math.floor(body.length / 2);
		const head = [
			'POST /api/v1/accounts HTTP/1.1',
			`Host: ${new URL(srv.url).host}`,
			'Content-Type: application/json',
			`Content-Length: ${body.length}`,
			`Cookie: ${admin.cookie}`,
			`X-CSRF-Token: ${admin.csrf}`,
			'',
			'',
		].join('\r\n');
		let refusedDuringDrain = null;
		let stillRunningDuringDrain = null;
		const res = await rawRequest(
			srv.url,
			[
				head,
				body.subarray(0, half),
				100, // the server has the headers and half the body
				async () => {
					srv.proc.kill('SIGTERM');
					await sleep(300);
					stillRunningDuringDrain = srv.proc.exitCode === null;
					refusedDuringDrain = await connectionRefused(srv.url);
				},
				body.subarray(half),
			],
			{ timeoutMs: 5000 },
		);
		assert.equal(stillRunningDuringDrain, true, 'the server waits for the request in flight');
		assert.equal(refusedDuringDrain, true, 'a new connection after SIGTERM is refused');
		assert.equal(res.status, 201, res.raw);
		assertCommonHeaders(res);
		await assertSchema(srv.url, 'Account', res.json);
		assert.equal(res.json.phone, phone);

		const { code, signal } = await srv.proc.exited;
		assert.equal(signal, null);
		assert.equal(code, 0, 'exit status 0');
		assert.ok(srv.logs().some((l) => l.event === 'stop'), 'the server logged that it was stopping');

		// The acknowledged write is really there.
		await srv.restart();
		const again = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
		const list = await api(srv.url, { path: `/api/v1/accounts?q=${phone}`, session: again });
		const page = await assertJson(srv.url, list, 200, 'AccountPage');
		assert.deepEqual(page.items.map((a) => a.id), [res.json.id]);
		const audit = await api(srv.url, { path: `/api/v1/audit?action=account.create&object_id=${res.json.id}`, session: again });
		assert.equal(audit.json.items.length, 1);
	} finally {
		await srv.stop();
	}
});

test('an idle server exits 0 promptly on SIGTERM, even with an idle keep-alive connection open', async () => {
	const srv = await startServer({ seed: false });
	try {
		// A keep-alive connection that has finished its request and stays open.
		const { port } = new URL(srv.url);
		const sock = net.connect(Number(port), '127.0.0.1');
		const reply = await new Promise((res, rej) => {
			sock.once('data', (d) => res(d.toString('latin1')));
			sock.once('error', rej);
			sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
		});
		assert.match(reply, /^HTTP\/1\.1 200/);
		const closed = new Promise((r) => sock.once('close', r));
		sock.on('error', () => {});
		const t = Date.now();
		srv.proc.kill('SIGTERM');
		const { code } = await srv.proc.exited;
		assert.equal(code, 0);
		assert.ok(Date.now() - t < 8000, `exited in ${Date.now() - t} ms`);
		await closed;
	} finally {
		await srv.stop();
	}
});

test('a request that never completes is cut off after --drain-timeout and the server still exits 0', async () => {
	const srv = await startServer({ seed: false, args: ['--drain-timeout', '500'] });
	try {
		const stuck = rawRequest(
			srv.url,
			['POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pho', 5000],
			{ timeoutMs: 6000 },
		);
		await sleep(200);
		const t = Date.now();
		srv.proc.kill('SIGTERM');
		const { code } = await srv.proc.exited;
		const took = Date.now() - t;
		assert.equal(code, 0);
		// Not before the drain timeout, and well before the default 10 s one.
		assert.ok(took >= 400 && took < 8000, `exited after ${took} ms (drain timeout 500 ms)`);
		await stuck.catch(() => {});
		assert.ok(srv.logs().some((l) => /in flight/.test(l.msg ?? '')), 'the cut-off was logged');
	} finally {
		await srv.stop();
	}
});
