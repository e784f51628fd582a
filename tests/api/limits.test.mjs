// Slow and greedy clients: idle connections are closed after --idle-timeout,
// a request header must arrive within --header-timeout however slowly it
// trickles, a head over the promised limits is refused at once, and beyond
// --max-connections (and the room --stream-max keeps for live streams) new
// ones wait unserved — so a greedy client cannot exhaust the server, which
// answers again once they are gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { startServer } from './lib/server.mjs';
import { api, rawRequest } from './lib/client.mjs';
import { assertProblem, assertCommonHeaders } from './lib/schema.mjs';

function open(url) {
	const { hostname, port } = new URL(url);
	return new Promise((res, rej) => {
		const s = net.connect(Number(port), hostname, () => res(s));
		s.once('error', rej);
	});
}

function closedWithin(sock, ms) {
	return new Promise((res) => {
		if (sock.destroyed) return res(true);
		const t = setTimeout(() => res(false), ms);
		const done = () => {
			clearTimeout(t);
			res(true);
		};
		sock.once('close', done);
		sock.once('end', done);
		sock.resume();
	});
}

test('idle connections are closed after --idle-timeout', async () => {
	const srv = await startServer({ seed: false, args: ['--idle-timeout', '1'] });
	try {
		const s = await open(srv.url);
		s.on('error', () => {});
		assert.equal(await closedWithin(s, 4000), true, 'the server hung up on a silent client');
		const slow = await open(srv.url);
		slow.on('error', () => {});
		slow.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // and never finishes the headers
		assert.equal(await closedWithin(slow, 4000), true, 'and on one that stops halfway');
		assert.equal((await api(srv.url, { path: '/healthz' })).status, 200);
	} finally {
		await srv.stop();
	}
});

test('connections beyond --max-connections and --stream-max wait unserved, and are served once others leave', async () => {
	// Streams have room of their own (so that open streams never starve
	// ordinary requests): four connections and one stream's room make five.
	const srv = await startServer({ seed: false, args: ['--max-connections', '4', '--stream-max', '1', '--idle-timeout', '30'] });
	const socks = [];
	try {
		for (let i = 0; i < 5; i++) {
			const s = await open(srv.url);
			s.on('error', () => {});
			socks.push(s);
		}
		await new Promise((r) => setTimeout(r, 200));
		// The sixth: its request is not read while five others hold the slots.
		const extra = await open(srv.url);
		extra.on('error', () => {});
		let answer = '';
		extra.on('data', (d) => (answer += d));
		extra.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
		await new Promise((r) => setTimeout(r, 800));
		assert.equal(answer, '', 'not served while the server is full');
		for (const s of socks) s.destroy();
		for (let i = 0; i < 40 && !answer; i++) await new Promise((r) => setTimeout(r, 100));
		assert.match(answer, /^HTTP\/1\.1 200/, 'served once the others left');
		extra.destroy();
	} finally {
		for (const s of socks) s.destroy();
		await srv.stop();
	}
});

test('a URI over 8 KiB or with over 100 query parameters answers 414 at once, not after the idle timeout', async () => {
	const srv = await startServer({ seed: false });
	try {
		const query = (n) => Array.from({ length: n }, (_, i) => `a${i}=1`).join('&');
		for (const target of [`/healthz?${query(101)}`, `/healthz?${query(463)}`, `/healthz?${query(1000)}`, `/healthz?${query(5000)}`, `/healthz?x=${'a'.repeat(8300)}`]) {
			const t0 = Date.now();
			const res = await rawRequest(srv.url, [`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`], { timeoutMs: 10000 });
			const ms = Date.now() - t0;
			assert.equal(res.status, 414, `${target.length} bytes: status ${res.status} after ${ms} ms`);
			assert.ok(ms < 2000, `answered after ${ms} ms`);
			if (target.length < 40000) {
				// Under the memory limit the answer is the server's own problem document.
				assert.equal(res.json?.type, '/problems/uri-too-long', res.body);
				assertCommonHeaders(res);
			}
		}
		assert.equal((await api(srv.url, { path: '/healthz' })).status, 200, 'still serving');
	} finally {
		await srv.stop();
	}
});

test('the largest head promised is served: an 8 KiB URI with 100 parameters and 32 KiB of header fields', async () => {
	const srv = await startServer({ seed: false });
	try {
		let target = `/healthz?${Array.from({ length: 100 }, (_, i) => `p${String(i).padStart(2, '0')}=${'v'.repeat(75)}`).join('&')}`;
		target += 'v'.repeat(8192 - target.length);
		const fixed = 'Host: x\r\nConnection: close\r\n';
		let fields = Array.from({ length: 97 }, (_, i) => `X-H${String(i).padStart(2, '0')}: ${'v'.repeat(320)}\r\n`).join('');
		fields += `X-Last: ${'w'.repeat(32 * 1024 - fixed.length - 2 - fields.length - 10)}\r\n`;
		assert.equal(target.length, 8192);
		assert.equal(fixed.length + fields.length + 2, 32 * 1024);
		const res = await rawRequest(srv.url, [`GET ${target} HTTP/1.1\r\n${fixed}${fields}\r\n`], { timeoutMs: 5000 });
		assert.equal(res.status, 200, res.raw.slice(0, 200));
		const over = await rawRequest(srv.url, [`GET /healthz HTTP/1.1\r\n${fixed}${fields}X-One-More: x\r\n\r\n`], { timeoutMs: 5000 });
		await assertProblem(srv.url, over, 431, 'headers-too-large');
	} finally {
		await srv.stop();
	}
});

/** Resolves with the ms until sock closes, or null if it is open after ms. */
function closesWithin(sock, ms) {
	const t0 = Date.now();
	return new Promise((res) => {
		if (sock.destroyed) return res(0);
		const t = setTimeout(() => res(null), ms);
		const done = () => {
			clearTimeout(t);
			res(Date.now() - t0);
		};
		sock.once('close', done);
		sock.once('end', done);
		sock.resume();
	});
}

/** Writes one byte every 500 ms until the socket is closed or stopped. */
function trickle(sock) {
	const timer = setInterval(() => {
		if (!sock.destroyed) sock.write('X');
	}, 500);
	sock.once('close', () => clearInterval(timer));
	return () => clearInterval(timer);
}

test('a header trickled a byte at a time is cut off at --header-timeout, counted from its first byte', async () => {
	// Set through the environment, so the server starts whether or not it knows the option.
	const srv = await startServer({ seed: false, env: { YIZHAN_HEADER_TIMEOUT_S: '2' } });
	const socks = [];
	try {
		// A new connection: the clock starts when it opens.
		const slow = await open(srv.url);
		socks.push(slow);
		slow.on('error', () => {});
		slow.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
		const stop = trickle(slow);
		const ms = await closesWithin(slow, 6000);
		stop();
		assert.ok(ms !== null, 'still open 6 s later: no header deadline');
		assert.ok(ms >= 1500 && ms <= 4000, `closed after ${ms} ms (deadline 2000 ms)`);

		// A kept-alive connection idles longer than the deadline between
		// requests (the idle timeout's business), then trickles its next one.
		const kept = await open(srv.url);
		socks.push(kept);
		kept.on('error', () => {});
		let answers = '';
		kept.on('data', (d) => (answers += d));
		kept.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
		for (let i = 0; i < 20 && !answers.includes('"ok"'); i++) await new Promise((r) => setTimeout(r, 50));
		assert.match(answers, /^HTTP\/1\.1 200/);
		assert.equal(await closesWithin(kept, 3000), null, 'an idle kept-alive connection stays open past the header deadline');
		kept.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
		const stop2 = trickle(kept);
		const ms2 = await closesWithin(kept, 6000);
		stop2();
		assert.ok(ms2 !== null && ms2 >= 1500 && ms2 <= 4000, `the trickled second request was cut off after ${ms2} ms`);
		assert.ok(srv.logs().some((l) => l.event === 'header-timeout'), 'the log says why');
		assert.equal((await api(srv.url, { path: '/healthz' })).status, 200, 'still serving');
	} finally {
		for (const s of socks) s.destroy();
		await srv.stop();
	}
});

test('a busy server is not a slow client: requests waiting unread for a busy thread are not cut off', async () => {
	// One thread, a one-second header deadline, and logins that each hash a
	// password for a tenth of a second or more: most requests wait longer
	// than the deadline before the thread reads them.
	const srv = await startServer({ seed: false, args: ['--threads', '1'], env: { YIZHAN_HEADER_TIMEOUT_S: '1' } });
	try {
		const logins = await Promise.all(
			Array.from({ length: 16 }, (_, i) =>
				api(srv.url, { method: 'POST', path: '/api/v1/session', body: { phone: `1360000${String(1000 + i)}`, password: 'Wrong#Pass1' } }).then(
					(r) => r.status,
					(e) => e.cause?.code ?? e.message,
				),
			),
		);
		assert.deepEqual([...new Set(logins)], [401], `answers: ${logins}`);
	} finally {
		await srv.stop();
	}
});
