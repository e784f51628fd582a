// Expensive work (hashing a password, decoding a photo) runs on a bounded
// work pool, off the threads that answer requests: cheap answers stay fast
// however many expensive ones are under way, and when the pool's queue is
// full an expensive request is refused at once with 503 and Retry-After.
// Each server here has a single request thread (--threads 1), so any
// expensive work done on it would hold up every other answer.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login, uniquePhone } from './lib/client.mjs';
import { assertJson, assertProblem, loadOpenapi } from './lib/schema.mjs';
import { makePng } from './lib/images.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

const wrongLogin = (url, from) =>
	api(url, { method: 'POST', path: '/api/v1/session', body: { phone: uniquePhone('137'), password: 'Wrong#Pass1' }, from });

/**
 * Runs work() and, until it settles, asks GET /healthz again and again.
 * Returns { results, ms }: what work() resolved to and each /healthz time.
 */
async function healthzDuring(url, work) {
	let settled = false;
	const running = work().finally(() => {
		settled = true;
	});
	const ms = [];
	while (!settled) {
		const t = performance.now();
		const res = await fetch(`${url}/healthz`);
		await res.arrayBuffer();
		assert.equal(res.status, 200);
		ms.push(performance.now() - t);
		await sleep(5);
	}
	return { results: await running, ms };
}

describe('with one request thread', () => {
	let srv;
	before(async () => {
		srv = await startServer({ args: ['--threads', '1'] });
		await loadOpenapi(srv.url);
	});
	after(() => srv?.stop());

	test('while eight sign-ins hash passwords, /healthz still answers at once', async (t) => {
		const t0 = performance.now();
		assert.equal((await wrongLogin(srv.url)).status, 401);
		const oneLoginMs = performance.now() - t0;
		// From four addresses, as a flood would come.
		const from = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
		const { results, ms } = await healthzDuring(srv.url, () =>
			Promise.all(Array.from({ length: 8 }, (_, i) => wrongLogin(srv.url, from[i % 4]))),
		);
		assert.deepEqual([...new Set(results.map((r) => r.status))], [401]);
		const summary = `/healthz during the sign-ins (${ms.length} times): median ${median(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms; one sign-in ${oneLoginMs.toFixed(0)} ms`;
		t.diagnostic(summary);
		assert.ok(median(ms) < 25, summary);
		assert.ok(Math.max(...ms) < oneLoginMs, summary);
		assert.ok(ms.length >= 3, summary);
	});

	test('while two photos are decoded, /healthz still answers at once', async (t) => {
		const manager = await login(srv.url, DEMO.manager, DEMO_PASSWORD);
		const station = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
		const upload = (seed) =>
			api(srv.url, {
				method: 'POST',
				path: `/api/v1/stations/${station}/photos`,
				body: makePng(3000, 2000, (x) => [seed, x & 255, 90, 255]),
				session: manager,
				headers: { 'Content-Type': 'image/png' },
			});
		const t0 = performance.now();
		await assertJson(srv.url, await upload(1), 201, 'Photo');
		const oneUploadMs = performance.now() - t0;
		const { results, ms } = await healthzDuring(srv.url, () => Promise.all([upload(2), upload(3)]));
		for (const res of results) await assertJson(srv.url, res, 201, 'Photo');
		const summary = `/healthz during the uploads: median ${median(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms; one upload ${oneUploadMs.toFixed(0)} ms`;
		t.diagnostic(summary);
		assert.ok(median(ms) < 25, summary);
		assert.ok(Math.max(...ms) < oneUploadMs, summary);
	});
});

describe('with a work pool of one thread and a queue of one', () => {
	let srv;
	before(async () => {
		srv = await startServer({ seed: false, args: ['--threads', '1', '--work-threads', '1', '--work-queue', '1'] });
		await loadOpenapi(srv.url);
	});
	after(() => srv?.stop());

	test('sign-ins beyond what the pool holds answer 503 busy with Retry-After at once; the others are answered', async () => {
		const t = performance.now();
		const results = await Promise.all(Array.from({ length: 6 }, () => wrongLogin(srv.url)));
		const statuses = results.map((r) => r.status).sort();
		assert.ok(statuses.includes(401), `some were answered: ${statuses}`);
		assert.ok(statuses.includes(503), `some were refused: ${statuses}`);
		assert.deepEqual([...new Set(statuses)], [401, 503], `statuses ${statuses}`);
		for (const res of results.filter((r) => r.status === 503)) {
			await assertProblem(srv.url, res, 503, 'busy');
			const retry = Number(res.headers.get('retry-after'));
			assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
		}
		assert.ok(performance.now() - t < 5000);
		// Once the pool is free again, a sign-in is answered as usual.
		assert.equal((await wrongLogin(srv.url)).status, 401);
		const metrics = await api(srv.url, { path: '/metrics' });
		assert.match(metrics.text, /^yizhan_work_rejected_total [1-9]\d*$/m);
		assert.match(metrics.text, /^yizhan_work_threads 1$/m);
	});
});
