// A failed sync: the kernel reports EIO on fdatasync (injected with strace,
// the real syscall path of the real server). From then on writes answer 503
// storage-failed until the server restarts, reads keep working, /readyz says
// so, and after a restart every acknowledged write is there. SQLite only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

import { ENGINE, BIN, WEB, startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertProblem } from './lib/schema.mjs';
import { haveStrace, stopTraced } from './lib/strace.mjs';

const skip = ENGINE !== 'sqlite' ? 'SQLite only (PostgreSQL syncs in its own server process)' : !haveStrace && 'strace is not installed';

function serveUnderStrace(dbUrl, when) {
	return new Promise((res, rej) => {
		const proc = spawn('strace', ['-f', '-o', '/dev/null', '-e', 'trace=fdatasync,fsync', '-e', `inject=fdatasync,fsync:error=EIO:when=${when}+`,
			BIN, 'serve', '--listen', '127.0.0.1:0', '--db', dbUrl, '--web', WEB], { stdio: ['ignore', 'pipe', 'pipe'] });
		const stderr = [];
		proc.stderr.setEncoding('utf8');
		proc.stderr.on('data', (d) => stderr.push(...d.split('\n').filter(Boolean)));
		let out = '';
		proc.stdout.setEncoding('utf8');
		proc.stdout.on('data', (d) => {
			out += d;
			const m = /^listening (http:\/\/\S+)\n/.exec(out);
			if (m) res({ proc, url: m[1], stderr });
		});
		proc.once('close', (code) => rej(new Error(`exited ${code}: ${stderr.join('\n')}`)));
	});
}

test('after a failed sync, writes answer 503 until restart and no acknowledged write is lost', { skip }, async () => {
	// Seed first (normally), then serve under fault injection.
	const seeded = await startServer();
	const dbUrl = seeded.dbUrl;
	await seeded.stop({ keep: true });
	const srv = await serveUnderStrace(dbUrl, 40);
	const acked = [];
	let failed = null;
	try {
		const admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
		for (let i = 0; i < 200 && !failed; i++) {
			const phone = uniquePhone();
			const res = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', session: admin, body: { phone, name: `同步${i}` } });
			if (res.status === 201) acked.push(phone);
			else failed = res;
		}
		assert.ok(failed, 'some write hit the injected EIO');
		await assertProblem(srv.url, failed, 503, 'storage-failed');
		assert.ok(failed.headers.get('retry-after'));
		const again = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', session: admin, body: { phone: uniquePhone(), name: '之后' } });
		await assertProblem(srv.url, again, 503, 'storage-failed');
		const ready = await api(srv.url, { path: '/readyz' });
		assert.equal(ready.status, 503);
		assert.equal(ready.json.storage, 'failed');
		const read = await api(srv.url, { path: '/api/v1/stations?limit=1' });
		assert.equal(read.status, 200, 'reads keep working');
	} finally {
		await stopTraced(srv.proc, 'SIGKILL');
	}
	const after = await startServer({ dbUrl, seed: false });
	try {
		const admin = await login(after.url, DEMO.admin, DEMO_PASSWORD);
		for (const phone of acked) {
			const res = await api(after.url, { path: `/api/v1/accounts?q=${phone}`, session: admin });
			assert.equal(res.json.items.length, 1, `acknowledged account ${phone} survived`);
		}
		const w = await api(after.url, { method: 'POST', path: '/api/v1/accounts', session: admin, body: { phone: uniquePhone(), name: '重启后' } });
		assert.equal(w.status, 201, 'writes work again after the restart');
	} finally {
		await after.stop();
	}
});
