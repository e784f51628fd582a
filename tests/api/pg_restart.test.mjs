// PostgreSQL restarts under a running server: the server reconnects by
// itself, answers 503 with Retry-After (never a 500) while the database is
// away, and loses no acknowledged write. Runs on its own throwaway cluster
// so restarting it disturbs no other test. Skipped on SQLite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { ENGINE, ROOT, startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';

const run = promisify(execFile);
const pg = (...args) => run(join(ROOT, 'scripts/pg.sh'), args);

test('the server rides out a PostgreSQL restart', { skip: ENGINE !== 'postgres' && 'PostgreSQL only' }, async () => {
	const dir = mkdtempSync('/tmp/yzpgr.');
	chmodSync(dir, 0o755);
	let srv;
	try {
		await pg('start', dir);
		await pg('createdb', dir, 'yz_restart');
		const { stdout } = await pg('url', dir, 'yz_restart');
		srv = await startServer({ dbUrl: stdout.trim() });
		const admin = await login(srv.url, DEMO.admin, DEMO_PASSWORD);
		const before = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', session: admin, body: { phone: uniquePhone(), name: '重启前' } });
		assert.equal(before.status, 201);

		await pg('stop', dir);
		const down = await api(srv.url, { path: '/readyz' });
		assert.equal(down.status, 503, 'not ready while the database is down');
		const write = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', session: admin, body: { phone: uniquePhone(), name: '停机中' } });
		assert.equal(write.status, 503, `a write while down is 503, not 500: ${write.text}`);
		assert.ok(write.headers.get('retry-after'), 'with Retry-After');

		await pg('start', dir);
		let ready = null;
		for (let i = 0; i < 50 && ready !== 200; i++) {
			ready = (await api(srv.url, { path: '/readyz' })).status;
			if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
		}
		assert.equal(ready, 200, 'ready again after the restart');
		const after = await api(srv.url, { method: 'POST', path: '/api/v1/accounts', session: admin, body: { phone: uniquePhone(), name: '重启后' } });
		assert.equal(after.status, 201, after.text);
		const got = await api(srv.url, { path: `/api/v1/accounts/${before.json.id}`, session: admin });
		assert.equal(got.json.name, '重启前', 'the write acknowledged before the restart is there');
	} finally {
		await srv?.stop({ keep: true });
		await pg('stop', dir).catch(() => {});
		rmSync(dir, { recursive: true, force: true });
	}
});
