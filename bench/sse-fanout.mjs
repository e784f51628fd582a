// One event fanned out over the live stream to many signed-in staff, and
// what the open streams cost the server.
//
//   node bench/sse-fanout.mjs http://127.0.0.1:PORT --db PATH.db --pid PID
//        [--streams 1000] [--events 10] [--gap-ms 300]
//
// Signs in as the demo street staff (13800000002), opens --streams
// connections to GET /api/v1/stream with that session (each a socket of
// its own, 100 at a time), and waits until every one has its first bytes.
// Then it records --events request events in the staff's community, one
// every --gap-ms, as another process does: an INSERT into the outbox of the
// SQLite file through one long-running sqlite3 (the server reads what other
// processes wrote every --events-poll-ms, which the bench sets low so that
// the figure is the fan-out's, not the poll's). For each event it takes
// the time from just before the INSERT was written (its commit included)
// until the last stream has the event, and from the first stream to the
// last. Resident memory (VmRSS of --pid) before any stream opens and with
// all of them open. Prints the figures and, last, one line "summary: …" for
// scripts/bench.sh. Loopback only; raise the open-file limit first
// (ulimit -n): the streams are sockets of this process too.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const url = args.find((a) => a.startsWith('http://'))?.replace(/\/$/, '');
const opt = (name, def) => {
	const i = args.indexOf(`--${name}`);
	return i >= 0 ? args[i + 1] : def;
};
const dbPath = opt('db');
const pid = opt('pid');
const nstreams = Number(opt('streams', 1000));
const nevents = Number(opt('events', 10));
const gapMs = Number(opt('gap-ms', 300));
if (!url || !dbPath || !pid) {
	console.error('usage: node bench/sse-fanout.mjs http://127.0.0.1:PORT --db PATH.db --pid PID [--streams N] [--events N] [--gap-ms MS]');
	process.exit(2);
}
const COMMUNITY = '610303008003'; // in the demo staff's street
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint()) / 1e6;
const rssMiB = () => {
	const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return m ? Number(m[1]) / 1024 : NaN;
};

function post(path, body) {
	return new Promise((resolve, reject) => {
		const req = http.request(url + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, agent: false }, (res) => {
			res.resume();
			res.on('end', () => resolve(res));
		});
		req.on('error', reject);
		req.end(JSON.stringify(body));
	});
}

const signin = await post('/api/v1/session', { phone: '13800000002', password: 'Yizhan@2026' });
const cookie = (signin.headers['set-cookie'] ?? []).map((c) => /^(yz_session=[^;]*)/.exec(c)?.[1]).find(Boolean);
if (signin.statusCode !== 201 || !cookie) {
	console.error(`signing in as the demo staff failed: ${signin.statusCode}`);
	process.exit(1);
}

// When each stream saw event k: seen[k][i] (ms), filled as bytes arrive.
const seen = Array.from({ length: nevents }, () => new Float64Array(nstreams));
let connected = 0;
let failed = 0;
const sockets = [];
function openStream(i) {
	return new Promise((resolve) => {
		const req = http.get(url + '/api/v1/stream', { headers: { Cookie: cookie, Accept: 'text/event-stream' }, agent: false }, (res) => {
			if (res.statusCode !== 200) {
				failed++;
				res.resume();
				resolve();
				return;
			}
			res.setEncoding('utf8');
			let first = true;
			res.on('data', (chunk) => {
				const t = now();
				if (first) {
					first = false;
					connected++;
					resolve();
				}
				for (const m of chunk.matchAll(/"object_id":"bench-(\d+)"/g)) {
					const k = Number(m[1]);
					if (k < nevents && !seen[k][i]) seen[k][i] = t;
				}
			});
			res.on('error', () => {});
		});
		req.on('error', () => {
			failed++;
			resolve();
		});
		sockets.push(req);
	});
}

const rssBefore = rssMiB();
const t0 = now();
for (let i = 0; i < nstreams; i += 100) {
	const batch = [];
	for (let j = i; j < Math.min(nstreams, i + 100); j++) batch.push(openStream(j));
	await Promise.all(batch);
}
const openMs = now() - t0;
if (failed) {
	console.error(`${failed} of ${nstreams} streams were refused or failed`);
	process.exit(1);
}
await sleep(500);
const rssOpen = rssMiB();
console.log(`${connected} streams open in ${openMs.toFixed(0)} ms; server VmRSS ${rssBefore.toFixed(1)} MiB before, ${rssOpen.toFixed(1)} MiB with them open`);

// One sqlite3 for every write, so a write costs an INSERT and its commit,
// not a process start.
const sql = spawn('sqlite3', ['-batch', dbPath], { stdio: ['pipe', 'pipe', 'inherit'] });
sql.stdin.write('.timeout 5000\n');
let sqlOut = '';
sql.stdout.setEncoding('utf8');
sql.stdout.on('data', (d) => (sqlOut += d));

const lastMs = [];
const spreadMs = [];
for (let k = 0; k < nevents; k++) {
	const start = now();
	sql.stdin.write(
		`INSERT INTO outbox (topic, object_id, created_s, region_code, station_id, data) VALUES ('request.created', 'bench-${k}', ${Math.floor(Date.now() / 1000)}, '${COMMUNITY}', NULL, '{"title":"压测"}'); SELECT 'ok ${k}';\n`,
	);
	const deadline = start + 10000;
	while (now() < deadline && seen[k].some((t) => !t)) await sleep(1);
	const times = [...seen[k]];
	const missing = times.filter((t) => !t).length;
	if (missing) {
		console.error(`event ${k}: ${missing} of ${nstreams} streams did not get it within 10 s (sqlite3 said: ${sqlOut.trim().split('\n').pop()})`);
		process.exit(1);
	}
	const first = Math.min(...times);
	const last = Math.max(...times);
	lastMs.push(last - start);
	spreadMs.push(last - first);
	console.log(`event ${k}: first stream after ${(first - start).toFixed(1)} ms, last after ${(last - start).toFixed(1)} ms`);
	await sleep(gapMs);
}
sql.stdin.end();
const rssAfter = rssMiB();
for (const s of sockets) s.destroy();

const median = (a) => {
	const s = [...a].sort((x, y) => x - y);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const max = (a) => Math.max(...a);
const perStreamKiB = ((rssOpen - rssBefore) * 1024) / nstreams;
console.log(`after the events: VmRSS ${rssAfter.toFixed(1)} MiB`);
const ok = max(lastMs) < 100;
console.log(
	`summary: ${nstreams} streams, ${nevents} events: last stream after median ${median(lastMs).toFixed(1)} ms, max ${max(lastMs).toFixed(1)} ms (first to last: median ${median(spreadMs).toFixed(1)} ms, max ${max(spreadMs).toFixed(1)} ms); VmRSS ${rssBefore.toFixed(1)} MiB, ${rssOpen.toFixed(1)} MiB with the streams (${perStreamKiB.toFixed(1)} KiB a stream); target under 100 ms: ${ok ? 'PASS' : 'MISS'}`,
);
process.exit(0);
