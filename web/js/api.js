// The one door to the yizhan API: JSON in and out, RFC 9457 problems turned
// into ApiError (with per-field messages), the CSRF token on every write, an
// Idempotency-Key on every write, and retries that are safe: reads are
// retried freely, writes only with the same Idempotency-Key, so the server
// answers a retry with the first answer instead of doing the work twice.
// Problems come in the page's language (Accept-Language), not the browser's.

import { getLang } from './i18n.js';

const BASE = '/api/v1';
const CSRF_KEY = 'yz.csrf';
const ACCOUNT_KEY = 'yz.account';

/** An error answer (problem+json) or a failed network. */
export class ApiError extends Error {
	constructor(status, problem) {
		super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
		this.name = 'ApiError';
		this.status = status; // 0: no answer (offline, timed out)
		this.retryAfter = 0; // seconds, from a 429's or 503's Retry-After
		this.problem = problem || {};
		this.type = (this.problem.type || '').replace(/^.*\//, ''); // "/problems/csrf" → "csrf"
		/** field → [messages], from problem.errors */
		this.fields = {};
		for (const e of this.problem.errors || []) {
			const f = e.field || '';
			(this.fields[f] ||= []).push(e.message || e.detail || '');
		}
	}
	get offline() {
		return this.status === 0;
	}
}

/** A random UUID, also where crypto.randomUUID is missing (plain http on a LAN). */
export function uuid() {
	if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
	return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export const csrf = {
	get: () => sessionStorage.getItem(CSRF_KEY),
	set: (t) => (t ? sessionStorage.setItem(CSRF_KEY, t) : sessionStorage.removeItem(CSRF_KEY)),
};

/** The signed-in account as last seen by this browser (a hint for the header only). */
export const knownAccount = {
	get() {
		try {
			return JSON.parse(localStorage.getItem(ACCOUNT_KEY) || 'null');
		} catch {
			return null;
		}
	},
	set(a) {
		if (a) localStorage.setItem(ACCOUNT_KEY, JSON.stringify({ id: a.id, name: a.name, roles: a.roles || [] }));
		else localStorage.removeItem(ACCOUNT_KEY);
	},
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const RETRYABLE = new Set([502, 503, 504]);

function url(path, query) {
	let u = path.startsWith('/') ? path : `${BASE}/${path}`;
	if (query) {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(query)) {
			if (v === undefined || v === null || v === '' || v === false) continue;
			q.set(k, Array.isArray(v) ? v.join(',') : String(v));
		}
		const s = q.toString();
		if (s) u += (u.includes('?') ? '&' : '?') + s;
	}
	return u;
}

async function once(method, u, { body, raw, headers, signal, timeoutMs }) {
	const ctl = new AbortController();
	const onAbort = () => ctl.abort(signal.reason);
	if (signal) {
		if (signal.aborted) throw signal.reason ?? new DOMException('aborted', 'AbortError');
		signal.addEventListener('abort', onAbort, { once: true });
	}
	const timer = setTimeout(() => ctl.abort(new DOMException('timeout', 'TimeoutError')), timeoutMs);
	try {
		const res = await fetch(u, {
			method,
			headers,
			body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
			credentials: 'same-origin',
			signal: ctl.signal,
		});
		const type = res.headers.get('Content-Type') || '';
		let data = null;
		if (res.status !== 204) {
			const text = await res.text();
			if (text && (type.includes('json') || /^[[{]/.test(text))) {
				try {
					data = JSON.parse(text);
				} catch {
					data = null;
				}
			}
		}
		return { res, data };
	} catch (e) {
		// The caller's own abort is not a failure to retry: pass it on.
		if (signal?.aborted) throw signal.reason ?? e;
		return { res: null, data: null, error: e };
	} finally {
		clearTimeout(timer);
		signal?.removeEventListener('abort', onAbort);
	}
}

/**
 * One API call. Writes (anything but GET) carry X-CSRF-Token and an
 * Idempotency-Key (one per call, reused by its retries).
 * Resolves to the parsed JSON body (null for 204); rejects with ApiError.
 */
export async function request(method, path, { query, body, raw, signal, retries, timeoutMs, key } = {}) {
	const write = method !== 'GET' && method !== 'HEAD';
	const headers = { Accept: 'application/json', 'Accept-Language': getLang() };
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	if (raw) headers['Content-Type'] = raw.type || 'application/octet-stream';
	if (write) {
		headers['Idempotency-Key'] = key || uuid();
		const t = csrf.get();
		if (t) headers['X-CSRF-Token'] = t;
	}
	const u = url(path, query);
	const attempts = 1 + (retries ?? (write ? 3 : 2));
	timeoutMs ??= write ? 20000 : 12000;
	let last = null;
	for (let i = 0; i < attempts; i++) {
		if (i) await sleep(Math.min(4000, 400 * 2 ** (i - 1)) + Math.random() * 200);
		const { res, data } = await once(method, u, { body, raw, headers, signal, timeoutMs });
		if (res && res.ok) return data;
		if (res) {
			last = new ApiError(res.status, data || { title: res.statusText });
			last.retryAfter = Number(res.headers.get('Retry-After')) || 0;
			if (!RETRYABLE.has(res.status)) throw last;
			const after = Number(res.headers.get('Retry-After'));
			if (after > 0 && after <= 5) await sleep(after * 1000);
		} else {
			last = new ApiError(0, null);
		}
	}
	throw last;
}

export const api = {
	get: (path, opts) => request('GET', path, opts),
	post: (path, body, opts) => request('POST', path, { ...opts, body }),
	put: (path, body, opts) => request('PUT', path, { ...opts, body }),
	patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
	del: (path, opts) => request('DELETE', path, opts),
	/** POSTs a file (a Blob) as the body, with its own type. */
	upload: (path, blob, opts) => request('POST', path, { timeoutMs: 60000, ...opts, raw: blob }),
};

/** Signs in; keeps the CSRF token for this tab. Resolves to the account. */
export async function signIn(phone, password) {
	const s = await api.post('session', { phone, password }, { retries: 1 });
	csrf.set(s.csrf_token);
	knownAccount.set(s.account);
	return s.account;
}

/**
 * Asks for a one-time sign-up code by SMS. Resolves to {phone (masked),
 * expires_in_s, resend_after_s}; a 429 rejects with retryAfter set.
 */
export function requestCode(phone) {
	return api.post('signup/code', { phone }, { retries: 1 });
}

/**
 * Signs up, or in, with a code: body {phone, code, consent_version, name,
 * categories, platform, roles}. Keeps the CSRF token for this tab.
 * Resolves to the session ({account, person_id, new_account}).
 */
export async function signUp(body) {
	const s = await api.post('signup', body, { retries: 1 });
	csrf.set(s.csrf_token);
	knownAccount.set(s.account);
	return s;
}

/**
 * The signed-in account, or null (401). Other errors reject. A tab opened
 * from a link (a scanned QR code) has no CSRF token of its own yet: the
 * session's answer brings it.
 */
export async function currentAccount() {
	try {
		const s = await api.get('session', { retries: 1 });
		if (s.csrf_token) csrf.set(s.csrf_token);
		knownAccount.set(s.account);
		return s.account;
	} catch (e) {
		if (e.status === 401) {
			knownAccount.set(null);
			csrf.set(null);
			return null;
		}
		throw e;
	}
}

export async function signOut() {
	try {
		await api.del('session', { retries: 1 });
	} catch (e) {
		if (e.status !== 401 && e.status !== 403) throw e;
	} finally {
		csrf.set(null);
		knownAccount.set(null);
	}
}
