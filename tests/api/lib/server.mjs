// Starts the real yizhan binary for a test file: a fresh database per server
// (an SQLite file in its own temporary folder, or a new PostgreSQL database
// in the throwaway cluster named by $YZ_PG_DIR), the demo accounts seeded,
// and the server's stderr kept as lines so tests can look at its logs.
//
//   const srv = await startServer({ args: ['--session-idle', '2'] });
//   srv.url                      http://127.0.0.1:PORT
//   await srv.stop()             SIGTERM, wait for exit → { code, signal }
//   await srv.kill()             SIGKILL, wait for exit (the database stays)
//   await srv.restart()          a new process on the same database
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';

const run = promisify(execFile);

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = process.env.YZ_BIN || join(ROOT, 'build/yizhan');
export const ENGINE = process.env.YZ_ENGINE || 'sqlite';
export const WEB = join(ROOT, 'web');
export const DEMO_PASSWORD = 'Yizhan@2026';

/** The demo accounts made by `yizhan seed-demo`. */
export const DEMO = {
	admin: '13800000001', // admin@6103
	staff: '13800000002', // staff@610303008 (卧龙寺街道)
	manager: '13800000003', // manager@station:1
	volunteer: '13800000004', // volunteer@610303008003
	worker: '13800000005', // worker@6103
	resident: '13800000006', // resident@610303008003
};

if (ENGINE !== 'sqlite' && ENGINE !== 'postgres')
	throw new Error(`YZ_ENGINE must be sqlite or postgres, not ${ENGINE}`);

const live = new Set();
process.on('exit', () => {
	for (const p of live) {
		try {
			p.kill('SIGKILL');
		} catch {
			/* already gone */
		}
	}
});

/** A fresh, empty database: { dbUrl, cleanup() }. */
export async function freshDatabase() {
	if (ENGINE === 'sqlite') {
		const dir = mkdtempSync(join(tmpdir(), 'yz-api-'));
		return {
			dbUrl: `sqlite:${join(dir, 'yizhan.db')}`,
			cleanup: async () => rmSync(dir, { recursive: true, force: true }),
		};
	}
	const pgDir = process.env.YZ_PG_DIR;
	if (!pgDir) throw new Error('YZ_ENGINE=postgres needs YZ_PG_DIR (the socket folder of a running cluster)');
	const name = `yz_api_${process.pid}_${randomBytes(4).toString('hex')}`;
	const psql = (sql) => run('psql', ['-h', pgDir, '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', sql]);
	await psql(`CREATE DATABASE ${name}`);
	return {
		dbUrl: `postgresql:///${name}?host=${pgDir}&user=postgres`,
		cleanup: async () => {
			await psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
		},
	};
}

/**
 * Runs one SQL statement on a test database with the engine's own client
 * (sqlite3, psql), for what no answer shows: what is stored, or to write
 * what no route writes (an outbox event). Resolves with the rows, each an
 * array of column texts. A write waits for the server's (SQLite's busy
 * timeout) rather than failing.
 */
export async function sqlRows(dbUrl, sql) {
	const { stdout } = dbUrl.startsWith('sqlite:')
		? await run('sqlite3', ['-batch', '-noheader', '-separator', '\t', '-cmd', '.timeout 5000', dbUrl.slice('sqlite:'.length), sql])
		: await run('psql', [dbUrl, '-v', 'ON_ERROR_STOP=1', '-AtF', '\t', '-c', sql]);
	return stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/** Runs a yizhan verb to completion; rejects with its stderr on failure. */
export async function yizhan(args, { input } = {}) {
	return new Promise((res, rej) => {
		const p = spawn(BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
		let out = '';
		let err = '';
		p.stdout.on('data', (d) => (out += d));
		p.stderr.on('data', (d) => (err += d));
		p.on('error', rej);
		p.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`yizhan ${args[0]} exited ${code}: ${err}`))));
		// A verb that reads nothing may exit before its input is closed: the
		// EPIPE that follows says nothing, its exit code says everything.
		p.stdin.on('error', () => {});
		p.stdin.end(input ?? '');
	});
}

/** Adds an account with the CLI, as an operator would. */
export async function addUser(dbUrl, { phone, name, role, password }) {
	const args = ['user', 'add', '--db', dbUrl, '--phone', phone, '--name', name];
	if (role) args.push('--role', role);
	if (password) args.push('--password-stdin');
	await yizhan(args, { input: password ? `${password}\n` : '' });
}

function spawnServe(dbUrl, args, env) {
	return new Promise((res, rej) => {
		const argv = ['serve', '--listen', '127.0.0.1:0', '--db', dbUrl, '--web', WEB, ...args];
		const proc = spawn(BIN, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
		live.add(proc);
		const stderr = [];
		const stderrBytes = [];
		const decoder = new StringDecoder('utf8');
		let errBuf = '';
		proc.stderr.on('data', (d) => {
			stderrBytes.push(d);
			errBuf += decoder.write(d);
			let i;
			while ((i = errBuf.indexOf('\n')) >= 0) {
				stderr.push(errBuf.slice(0, i));
				errBuf = errBuf.slice(i + 1);
			}
		});
		let outBuf = '';
		let started = false;
		proc.stdout.setEncoding('utf8');
		proc.stdout.on('data', (d) => {
			if (started) return;
			outBuf += d;
			const nl = outBuf.indexOf('\n');
			if (nl < 0) return;
			const m = /^listening (http:\/\/\S+)$/.exec(outBuf.slice(0, nl));
			started = true;
			clearTimeout(timer);
			if (m) res({ proc, url: m[1], stderr, stderrBytes });
			else rej(new Error(`unexpected first stdout line: ${outBuf.slice(0, nl)}`));
		});
		const exited = new Promise((r) => proc.once('close', (code, signal) => {
			live.delete(proc);
			r({ code, signal });
		}));
		proc.exited = exited;
		exited.then(({ code, signal }) => {
			if (!started) {
				clearTimeout(timer);
				rej(new Error(`yizhan serve exited (${code ?? signal}) before listening:\n${stderr.join('\n')}${errBuf}`));
			}
		});
		const timer = setTimeout(() => {
			proc.kill('SIGKILL');
			rej(new Error(`yizhan serve did not print "listening" within 15 s:\n${stderr.join('\n')}`));
		}, 15000);
	});
}

/**
 * Starts a server on a fresh database (or on `dbUrl` when given), seeded
 * with the demo accounts unless seed is false.
 */
export async function startServer({ args = [], env = {}, seed = true, dbUrl } = {}) {
	let db = null;
	if (!dbUrl) {
		db = await freshDatabase();
		dbUrl = db.dbUrl;
	}
	// On SQLite the photos go beside the database file (the default); a
	// PostgreSQL server gets its own temporary folder.
	// A public address as a real deployment has one (a loopback one is
	// warned about at start); tests of that warning pass their own.
	if (!args.includes('--public-url')) args = [...args, '--public-url', 'https://yizhan.example'];
	let photoDir = null;
	if (ENGINE === 'postgres' && !args.includes('--photo-dir')) {
		photoDir = mkdtempSync(join(tmpdir(), 'yz-photos-'));
		args = [...args, '--photo-dir', photoDir];
	}
	try {
		// The demo's proof photos go where this server keeps photos.
		const at = args.indexOf('--photo-dir');
		const photos = at >= 0 ? ['--photo-dir', args[at + 1]] : [];
		if (seed) await yizhan(['seed-demo', '--db', dbUrl, ...photos]);
	} catch (e) {
		await db?.cleanup();
		throw e;
	}
	const srv = {
		dbUrl,
		/** Where the server keeps uploaded photos. */
		photoDir: photoDir ?? (ENGINE === 'sqlite' ? join(dirname(dbUrl.slice('sqlite:'.length)), 'photos') : null),
		engine: ENGINE,
		url: null,
		proc: null,
		stderr: [],
		/** Standard error as the bytes the server wrote (stderr holds them decoded). */
		stderrBytes: [],
		/** The stderr lines that are JSON objects, parsed. */
		logs() {
			return srv.stderr.flatMap((l) => {
				try {
					return [JSON.parse(l)];
				} catch {
					return [];
				}
			});
		},
		/** SIGTERM, then waits for the exit; drops the database unless keep. */
		async stop({ keep = false } = {}) {
			let result = { code: null, signal: null };
			if (srv.proc && srv.proc.exitCode === null && srv.proc.signalCode === null) {
				srv.proc.kill('SIGTERM');
				result = await srv.proc.exited;
			} else if (srv.proc) {
				result = await srv.proc.exited;
			}
			if (!keep && db) await db.cleanup();
			if (!keep && photoDir) rmSync(photoDir, { recursive: true, force: true });
			return result;
		},
		/** SIGKILL, then waits for the exit; the database stays. */
		async kill() {
			if (srv.proc.exitCode === null && srv.proc.signalCode === null) srv.proc.kill('SIGKILL');
			return srv.proc.exited;
		},
		/** Stops the process if it still runs and starts a new one on the same database. */
		async restart() {
			await srv.stop({ keep: true });
			Object.assign(srv, await spawnServe(dbUrl, args, env));
			return srv;
		},
	};
	try {
		Object.assign(srv, await spawnServe(dbUrl, args, env));
	} catch (e) {
		await db?.cleanup();
		throw e;
	}
	return srv;
}
