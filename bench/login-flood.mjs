// A sign-in flood against a running yizhan, and what it does to /healthz.
//
//   node bench/login-flood.mjs http://127.0.0.1:PORT [--logins 100]
//        [--from 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5] [--parallel 4] [--idle-s 5]
//
// A probe thread asks GET /healthz on one keep-alive connection every 5 ms,
// as a load balancer's health check or any cheap request would: with the
// server idle for --idle-s seconds before the flood and as long after it
// (so that other work on the machine weighs alike on both figures), and
// while the flood runs. The flood is --logins wrong
// sign-ins spread over the --from loopback addresses (each address within
// the sign-in route's 30 a minute), --parallel at a time from each. Every
// one names a different unknown number, so nothing about it is cheap for
// the server: each costs a full Argon2id verification (the dummy one) and
// no per-number throttle ever applies. Prints the latency percentiles of
// both phases and, last, one line "summary: …" for scripts/bench.sh.
// Loopback only; stops by itself (every request has a 30 s timeout).
import http from 'node:http';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const PROBE_EVERY_MS = 5;
const TIMEOUT_MS = 30000;

function request(url, { method = 'GET', body, localAddress, agent } = {}) {
	return new Promise((resolve) => {
		const t0 = process.hrtime.bigint();
		const req = http.request(
			url,
			{ method, localAddress, agent, timeout: TIMEOUT_MS, headers: body ? { 'Content-Type': 'application/json' } : {} },
			(res) => {
				res.resume();
				res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
			},
		);
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', (e) => resolve({ status: `error: ${e.message}`, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
		req.end(body);
	});
}

if (!isMainThread) {
	// The probe: GET /healthz every PROBE_EVERY_MS until told to stop a phase.
	const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	let phase = null;
	parentPort.on('message', (m) => {
		if (m === 'stop') phase = null;
		else phase = m;
	});
	const url = `${workerData.url}/healthz`;
	const samples = {};
	for (;;) {
		if (phase === 'exit') break;
		if (!phase) {
			await new Promise((r) => setTimeout(r, 1));
			continue;
		}
		const p = phase;
		const { status, ms } = await request(url, { agent });
		if (status !== 200) throw new Error(`/healthz answered ${status}`);
		(samples[p] ??= []).push(ms);
		parentPort.postMessage({ phase: p, n: samples[p].length });
		await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
	}
	parentPort.postMessage({ samples });
	agent.destroy();
} else {
	const args = process.argv.slice(2);
	const url = args.find((a) => a.startsWith('http://'))?.replace(/\/$/, '');
	const opt = (name, def) => {
		const i = args.indexOf(`--${name}`);
		return i >= 0 ? args[i + 1] : def;
	};
	if (!url) {
		console.error('usage: node bench/login-flood.mjs http://127.0.0.1:PORT [--logins N] [--from A,B,…] [--parallel N] [--idle-s S]');
		process.exit(2);
	}
	const logins = Number(opt('logins', 100));
	const from = opt('from', '127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5').split(',');
	const parallel = Number(opt('parallel', 4));
	const idleS = Number(opt('idle-s', 5));

	const probe = new Worker(new URL(import.meta.url), { workerData: { url } });
	const counts = {};
	probe.on('message', (m) => {
		if (m.phase) counts[m.phase] = m.n;
	});
	const done = new Promise((resolve, reject) => {
		probe.on('message', (m) => m.samples && resolve(m.samples));
		probe.on('error', reject);
	});
	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

	probe.postMessage('idle');
	await sleep(idleS * 1000);
	probe.postMessage('flood');

	// The flood: each address its share, `parallel` at a time.
	const statuses = {};
	let seq = 0;
	const t0 = Date.now();
	await Promise.all(
		from.map(async (addr, k) => {
			const share = Math.floor(logins / from.length) + (k < logins % from.length ? 1 : 0);
			let sent = 0;
			await Promise.all(
				Array.from({ length: parallel }, async () => {
					while (sent < share) {
						sent += 1;
						seq += 1;
						const phone = `137${String(10000000 + ((process.pid * 7919 + seq) % 89999999)).padStart(8, '0')}`;
						const body = JSON.stringify({ phone, password: 'Wrong#Pass1' });
						const { status } = await request(`${url}/api/v1/session`, { method: 'POST', body, localAddress: addr, agent: false });
						statuses[status] = (statuses[status] ?? 0) + 1;
					}
				}),
			);
		}),
	);
	const floodMs = Date.now() - t0;
	// Probe a moment longer so the flood phase has samples even if it was short.
	while ((counts.flood ?? 0) < 50) await sleep(10);
	probe.postMessage('idle');
	await sleep(idleS * 1000);
	probe.postMessage('exit');
	const samples = await done;
	await probe.terminate();

	const pct = (a, p) => {
		const s = [...a].sort((x, y) => x - y);
		return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
	};
	const line = (name, a) =>
		`${name.padEnd(22)} ${String(a.length).padStart(6)} ${['50', '90', '99'].map((p) => pct(a, Number(p)).toFixed(2).padStart(8)).join(' ')} ${Math.max(...a).toFixed(2).padStart(8)}`;
	const idle = samples.idle;
	const flood = samples.flood;
	console.log(`${'/healthz, ms'.padEnd(22)} ${'n'.padStart(6)} ${'p50'.padStart(8)} ${'p90'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}`);
	console.log(line('idle, before and after', idle));
	console.log(line(`during ${logins} sign-ins`, flood));
	const st = Object.entries(statuses).map(([k, v]) => `${v}× ${k}`).join(', ');
	console.log(`the flood: ${logins} wrong sign-ins from ${from.join(', ')}, ${parallel} at a time from each, in ${floodMs} ms: ${st}`);
	const i99 = pct(idle, 99);
	const f99 = pct(flood, 99);
	const ok = f99 - i99 <= 5;
	console.log(`summary: /healthz p99 ${f99.toFixed(2)} ms during the flood vs ${i99.toFixed(2)} ms idle: +${(f99 - i99).toFixed(2)} ms (${(f99 / i99).toFixed(1)}×), max ${Math.max(...flood).toFixed(1)} ms; target within 5 ms of idle: ${ok ? 'PASS' : 'MISS'}`);
}
