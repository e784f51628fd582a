// An acknowledged photo is on disk before its row, and its row before the
// answer: the real server under strace, one upload, and the order of the
// system calls — fsync(temporary file) → rename onto the hash name →
// fsync(folder) → the database's commit sync → the 201 on the socket.
// SQLite only: PostgreSQL syncs its commit in its own server process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ENGINE, BIN, WEB, yizhan, DEMO, DEMO_PASSWORD } from './lib/server.mjs';
import { api, login } from './lib/client.mjs';
import { makePng } from './lib/images.mjs';
import { haveStrace, stopTraced } from './lib/strace.mjs';

const skip = ENGINE !== 'sqlite' ? 'SQLite only (PostgreSQL syncs in its own server process)' : !haveStrace && 'strace is not installed';

function serveTraced(dbUrl, traceFile) {
	return new Promise((res, rej) => {
		const proc = spawn('strace', ['-f', '-y', '-s', '32', '-o', traceFile,
			'-e', 'trace=fsync,fdatasync,rename,renameat,renameat2,sendto,sendmsg,writev',
			BIN, 'serve', '--listen', '127.0.0.1:0', '--db', dbUrl, '--web', WEB], { stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		let err = '';
		proc.stderr.on('data', (d) => (err += d));
		proc.stdout.setEncoding('utf8');
		proc.stdout.on('data', (d) => {
			out += d;
			const m = /^listening (http:\/\/\S+)\n/.exec(out);
			if (m) res({ proc, url: m[1] });
		});
		proc.once('close', (code) => rej(new Error(`exited ${code}: ${err}`)));
	});
}

test('an upload syncs the file, renames it, syncs the folder, commits, and only then answers 201', { skip }, async () => {
	const dir = mkdtempSync(join(tmpdir(), 'yz-photo-order-'));
	const dbUrl = `sqlite:${join(dir, 'yizhan.db')}`;
	const traceFile = join(dir, 'trace');
	try {
		await yizhan(['seed-demo', '--db', dbUrl]);
		const srv = await serveTraced(dbUrl, traceFile);
		try {
			const manager = await login(srv.url, DEMO.manager, DEMO_PASSWORD);
			const station = Number(manager.account.roles.find((r) => r.role === 'manager').scope.replace('station:', ''));
			const res = await api(srv.url, {
				method: 'POST',
				path: `/api/v1/stations/${station}/photos`,
				body: makePng(800, 600, (x, y) => [x & 255, y & 255, 99, 255]), // a thumbnail smaller than the picture
				session: manager,
				headers: { 'Content-Type': 'image/png' },
			});
			assert.equal(res.status, 201, res.text);
		} finally {
			await stopTraced(srv.proc);
		}
		const lines = readFileSync(traceFile, 'utf8').split('\n');
		const find = (re, from = 0) => {
			for (let i = from; i < lines.length; i++) if (re.test(lines[i])) return i;
			return -1;
		};
		// The picture's two files (full size and thumbnail), each in order.
		const start = find(/\.tmp-[0-9a-f]+-[0-9a-f]{64}/);
		assert.ok(start >= 0, 'the upload wrote a temporary file');
		let at = start;
		for (let file = 0; file < 2; file++) {
			const synced = find(/fsync\(\d+<[^>]*\/photos\/[0-9a-f]{2}\/\.tmp-[0-9a-f]+-[0-9a-f]{64}>\) = 0/, at);
			assert.ok(synced >= 0, `file ${file}: the temporary file is synced`);
			const renamed = find(/rename(at2?)?\(.*\.tmp-[0-9a-f]+-[0-9a-f]{64}".*"[^"]*\/[0-9a-f]{64}\.jpg".*= 0/, synced);
			assert.ok(renamed > synced, `file ${file}: renamed after its sync`);
			const dirSynced = find(/fsync\(\d+<[^>]*\/photos\/[0-9a-f]{2}>\) = 0/, renamed);
			assert.ok(dirSynced > renamed, `file ${file}: its folder is synced after the rename`);
			at = dirSynced;
		}
		const committed = find(/f(data)?sync\(\d+<[^>]*yizhan\.db-wal>\) = 0/, at);
		assert.ok(committed > at, 'the database commit is synced after both files');
		// The first answer after the upload began is the upload's 201.
		const answered = find(/(sendto|sendmsg|writev)\(.*HTTP\/1\.1 \d{3}/, start);
		assert.match(lines[answered] ?? '', /HTTP\/1\.1 201/);
		assert.ok(answered > committed, `the 201 goes out after the commit (lines ${answered} > ${committed})`);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});
