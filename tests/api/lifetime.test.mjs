// A session ends at its absolute lifetime even while it is in use.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login } from './lib/client.mjs';
import { assertProblem } from './lib/schema.mjs';

test('a session in constant use still ends at --session-lifetime', async () => {
	const srv = await startServer({ args: ['--session-lifetime', '3'] });
	try {
		const s = await login(srv.url, DEMO.volunteer, DEMO_PASSWORD);
		const t0 = Date.now();
		let last = 200;
		while (Date.now() - t0 < 2000) {
			last = (await api(srv.url, { path: '/api/v1/session', session: s })).status;
			assert.equal(last, 200, 'alive within its lifetime');
			await new Promise((r) => setTimeout(r, 250));
		}
		await new Promise((r) => setTimeout(r, 2200));
		const res = await api(srv.url, { path: '/api/v1/session', session: s });
		await assertProblem(srv.url, res, 401, 'session-expired');
	} finally {
		await srv.stop();
	}
});
