// A sign-in flood against a running yizhan, and what it does to /healthz.
//
//   node bench/login-flood.mjs http://127.0.0.1:PORT [--logins 100]
//        [--from 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5] [--parallel 4] [--idle-s 5]
//
// A probe asks GET /healthz on one keep-alive connection every 5 ms, as a
// load balancer's health check or any cheap request would: with the
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
//
// The figure is to be the server's, not the load generator's: on two cores
// the probe's own wake-ups would otherwise wait behind the flood's client,
// the server's threads and whatever else runs, and that wait would count
// as the server's. So the probe runs in a process of its own at the
// real-time policy (chrt -f 10), which runs it the moment its answer
// arrives; where that is not allowed, at nice -10; where neither is, as it
// is. The first line printed says which. The flood's client and the server
// keep the ordinary policy, so the server's threads get the cores as they
// would without the probe: the probe sleeps 5 ms between requests.
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

if (process.argv[2] === '--probe') {
	// The probe: GET /healthz every PROBE_EVERY_MS until told to stop a phase.
	const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	let phase = null;
	process.on('message', (m) => {
		if (m === 'stop') phase = null;
		else phase = m;
	});
	const url = `${process.argv[3]}/healthz`;
	const samples = {};
	for (;;) {
		if (phase === 'exit') break;
		if (!phase) {
			await new Promise((r) => setTimeout(r, 1));
			continue;
		}
		const p = phase;
		const { status, ms } = await request(url, { agent });
		if (status !== 200) {
			console.error(`/healthz answered ${status}`);
			process.exit(1);
		}
		(samples[p] ??= []).push(ms);
		process.send({ phase: p, n: samples[p].length });
		await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
	}
	agent.destroy();
	process.send({ samples }, () => process.disconnect());
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

	// The probe's priority: the first of these the machine allows.
	const self = fileURLToPath(import.meta.url);
	const ways = [
		[['chrt', '-f', '10'], 'its own process at the real-time policy (chrt -f 10)'],
		[['nice', '-n', '-10'], 'its own process at nice -10 (chrt -f not allowed)'],
		[[], 'its own process at the ordinary priority (neither chrt -f nor nice -10 allowed)'],
	];
	const [wrap, how] = ways.find(([w]) => !w.length || spawnSync(w[0], [...w.slice(1), 'true']).status === 0);
	console.log(`probe: GET /healthz every ${PROBE_EVERY_MS} ms from ${how}`);
	const argv = [...wrap, process.execPath, self, '--probe', url];
	const probe = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	const counts = {};
	probe.on('message', (m) => {
		if (m.phase) counts[m.phase] = m.n;
	});
	const done = new Promise((resolve, reject) => {
		probe.on('message', (m) => m.samples && resolve(m.samples));
		probe.on('error', reject);
		probe.on('exit', (code) => code && reject(new Error(`the probe exited with ${code}`)));
	});
	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

	probe.send('idle');
	await sleep(idleS * 1000);
	probe.send('flood');

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
	probe.send('idle');
	await sleep(idleS * 1000);
	probe.send('exit');
	const samples = await done;

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
