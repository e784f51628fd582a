// Slow and greedy clients: idle connections are closed after --idle-timeout,
// and beyond --max-connections new ones wait unserved — so a greedy client
// cannot exhaust the server, which answers again once they are gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { startServer } from './lib/server.mjs';
import { api } from './lib/client.mjs';

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

test('connections beyond --max-connections wait unserved, and are served once others leave', async () => {
	const srv = await startServer({ seed: false, args: ['--max-connections', '4', '--idle-timeout', '30'] });
	const socks = [];
	try {
		for (let i = 0; i < 4; i++) {
			const s = await open(srv.url);
			s.on('error', () => {});
			socks.push(s);
		}
		await new Promise((r) => setTimeout(r, 200));
		// The fifth: its request is not read while four others hold the slots.
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
