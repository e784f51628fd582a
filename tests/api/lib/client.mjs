// A small HTTP client for the API tests: JSON in and out, the session cookie
// and CSRF header when a session is given, a Bearer token when a token is.
// Plus raw-socket helpers for requests fetch() will not send.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';

/**
 * Calls the API. body: an object (sent as JSON), or a string or bytes (sent
 * as is; set Content-Type in headers for bytes that are not JSON).
 * session: { cookie, csrf } from login(). token: a Bearer token. from: the
 * loopback address to send from ('127.0.0.2'), so that one test can be
 * several clients; the server tells clients apart by their address.
 * Returns { status, headers, json, text } (json is null unless the body parses).
 */
export async function api(url, { method = 'GET', path, body, session, headers = {}, token, from } = {}) {
	const h = {};
	if (body !== undefined) h['Content-Type'] = 'application/json';
	if (session) {
		h.Cookie = session.cookie;
		if (session.csrf) h['X-CSRF-Token'] = session.csrf;
	}
	if (token) h.Authorization = `Bearer ${token}`;
	Object.assign(h, headers);
	for (const k of Object.keys(h)) if (h[k] === undefined || h[k] === null) delete h[k];
	const payload = body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
	const res = from ? await requestFrom(from, url + path, method, h, payload) : await fetch(url + path, { method, headers: h, body: payload });
	const text = await res.text();
	let json = null;
	try {
		json = text ? JSON.parse(text) : null;
	} catch {
		json = null;
	}
	return { status: res.status, headers: res.headers, json, text };
}

/**
 * fetch() cannot choose the address it sends from: node:http can. Answers
 * { status, headers (a fetch Headers), text() } like fetch's Response.
 */
function requestFrom(localAddress, target, method, headers, payload) {
	return new Promise((res, rej) => {
		const req = http.request(target, { method, headers, localAddress, agent: false }, (r) => {
			const chunks = [];
			r.on('data', (c) => chunks.push(c));
			r.on('end', () => {
				const hs = new Headers();
				for (let i = 0; i < r.rawHeaders.length; i += 2) hs.append(r.rawHeaders[i], r.rawHeaders[i + 1]);
				const text = Buffer.concat(chunks).toString('utf8');
				res({ status: r.statusCode, headers: hs, text: async () => text });
			});
			r.on('error', rej);
		});
		req.on('error', rej);
		req.end(payload);
	});
}

/** Signs in; returns { cookie, csrf, account } or throws with the answer. */
export async function login(url, phone, password) {
	const res = await api(url, { method: 'POST', path: '/api/v1/session', body: { phone, password } });
	assert.equal(res.status, 201, `login ${phone}: ${res.status} ${res.text}`);
	const cookie = sessionCookie(res.headers);
	assert.ok(cookie, 'login sets the yz_session cookie');
	return { cookie, csrf: res.json.csrf_token, account: res.json.account };
}

/** "yz_session=VALUE" from a response's Set-Cookie, or null. */
export function sessionCookie(headers) {
	const all = headers.getSetCookie ? headers.getSetCookie() : [headers.get('set-cookie') ?? ''];
	for (const c of all) {
		const m = /^(yz_session=[^;]*)/.exec(c);
		if (m) return m[1];
	}
	return null;
}

/**
 * A mainland mobile number not used before in this process (and not a demo
 * account's): PREFIX and eight digits from a per-process start.
 */
let phoneSeq = 0;
const phoneBase = 10000000 + ((process.pid * 7919 + Date.now()) % 80000000);
export function uniquePhone(prefix = '139') {
	phoneSeq += 1;
	return `${prefix}${String((phoneBase + phoneSeq) % 100000000).padStart(8, '0')}`;
}

/**
 * Sends raw bytes on a new connection: chunks are strings or Buffers to
 * write, numbers (milliseconds to wait) or async functions to run between
 * writes. Resolves with the parsed response once it is complete, the
 * connection closes, or timeoutMs pass; rejects only when the connection
 * failed before any byte of a reply.
 */
export function rawRequest(url, chunks, { timeoutMs = 5000 } = {}) {
	const { hostname, port } = new URL(url);
	return new Promise((res, rej) => {
		const sock = net.connect(Number(port), hostname);
		const got = [];
		let done = false;
		const finish = (err) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			sock.destroy();
			const text = Buffer.concat(got).toString('latin1');
			if (err && !text) rej(err);
			else res(parseRawResponse(text));
		};
		const timer = setTimeout(() => finish(), timeoutMs);
		sock.on('data', (d) => {
			got.push(d);
			if (responseComplete(Buffer.concat(got).toString('latin1'))) finish();
		});
		sock.on('end', () => finish());
		sock.on('close', () => finish());
		sock.on('error', (e) => finish(e));
		sock.on('connect', async () => {
			for (const c of [].concat(chunks)) {
				if (typeof c === 'number') {
					// Unref'd: a pause left over after the answer keeps nothing alive.
					await new Promise((r) => setTimeout(r, c).unref());
					continue;
				}
				if (typeof c === 'function') {
					await c();
					continue;
				}
				if (done || sock.destroyed) break;
				sock.write(c);
			}
		});
	});
}

/** True once raw holds a whole response (by Content-Length or the last chunk). */
function responseComplete(raw) {
	const end = raw.indexOf('\r\n\r\n');
	if (end < 0) return false;
	const head = raw.slice(0, end).toLowerCase();
	const body = raw.slice(end + 4);
	if (/^http\/1\.[01] (1\d\d|204|304)/.test(head)) return true;
	const cl = /\r\ncontent-length:\s*(\d+)/.exec(head);
	if (cl) return Buffer.byteLength(body, 'latin1') >= Number(cl[1]);
	if (/\r\ntransfer-encoding:\s*chunked/.test(head)) return /(^|\r\n)0\r\n\r\n$/.test(body);
	return false;
}

/** Splits a raw HTTP/1.1 response into { status, headers (lower-case), body, raw }. */
export function parseRawResponse(raw) {
	const end = raw.indexOf('\r\n\r\n');
	const head = end >= 0 ? raw.slice(0, end) : raw;
	let body = end >= 0 ? raw.slice(end + 4) : '';
	const lines = head.split('\r\n');
	const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
	const headers = {};
	for (const l of lines.slice(1)) {
		const i = l.indexOf(':');
		if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
	}
	if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
	body = Buffer.from(body, 'latin1').toString('utf8');
	let json = null;
	try {
		json = JSON.parse(body);
	} catch {
		json = null;
	}
	return { status: m ? Number(m[1]) : 0, headers, body, json, raw };
}

function dechunk(s) {
	let out = '';
	let i = 0;
	for (;;) {
		const nl = s.indexOf('\r\n', i);
		if (nl < 0) break;
		const n = parseInt(s.slice(i, nl), 16);
		if (!n) break;
		out += s.slice(nl + 2, nl + 2 + n);
		i = nl + 2 + n + 2;
	}
	return out;
}

/** Resolves true when a new TCP connection to url is refused (or reset at once). */
export function connectionRefused(url, timeoutMs = 2000) {
	const { hostname, port } = new URL(url);
	return new Promise((res) => {
		const sock = net.connect(Number(port), hostname);
		const t = setTimeout(() => {
			sock.destroy();
			res(false);
		}, timeoutMs);
		sock.on('connect', () => {
			// Accepted by the kernel; a closed listener would have refused.
			clearTimeout(t);
			sock.destroy();
			res(false);
		});
		sock.on('error', () => {
			clearTimeout(t);
			res(true);
		});
	});
}
