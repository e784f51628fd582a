// The live stream (GET /api/v1/stream, Server-Sent Events): one EventSource
// a page, shared by everything on it that listens. The server sends each
// event the signed-in account may see as "event: <topic>" with a JSON line
// {topic, object_id, region_code, station_id, data}.
//
// The browser reconnects by itself after a dropped connection, or when the
// server ends a stream (it does every ten minutes, and when it restarts),
// sending the last id it had as Last-Event-ID, and the server first sends
// what was missed. A refused connection (503: the server holds as many
// streams as it may; or signed out) is not retried by the browser: this
// module tries again later with ?last_event_id=, while the account is
// still signed in.

import { currentAccount } from './api.js';

const URL_PATH = '/api/v1/stream';
const RETRY_MIN_MS = 5000;
const RETRY_MAX_MS = 60000;

const listeners = new Map(); // topic → Set of functions
let source = null;
let lastId = '';
let retryMs = RETRY_MIN_MS;
let retryTimer = 0;
let stopped = false;

function deliver(topic, ev) {
	if (ev.lastEventId) lastId = ev.lastEventId;
	let msg;
	try {
		msg = JSON.parse(ev.data);
	} catch {
		return;
	}
	for (const fn of listeners.get(topic) ?? []) {
		try {
			fn(msg, { id: ev.lastEventId, topic });
		} catch (e) {
			console.error(e);
		}
	}
}

function attach(topic) {
	source?.addEventListener(topic, (ev) => deliver(topic, ev));
}

function connect() {
	if (stopped || source || typeof EventSource === 'undefined') return;
	const url = lastId ? `${URL_PATH}?last_event_id=${encodeURIComponent(lastId)}` : URL_PATH;
	source = new EventSource(url, { withCredentials: true });
	for (const topic of listeners.keys()) attach(topic);
	source.addEventListener('open', () => {
		retryMs = RETRY_MIN_MS;
	});
	source.addEventListener('error', () => {
		// CONNECTING: the browser is reconnecting on its own. CLOSED: it gave up.
		if (!source || source.readyState !== EventSource.CLOSED) return;
		source = null;
		clearTimeout(retryTimer);
		retryTimer = setTimeout(async () => {
			const who = await currentAccount().catch(() => undefined);
			if (who === null) return; // signed out: nothing to hear
			retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
			connect();
		}, retryMs + Math.random() * 1000);
	});
}

/**
 * Calls fn(message, {id, topic}) for each event of the given topics
 * ("inbox.added", "request.created" …) from now on, opening the stream if
 * it is not open. Returns a function that stops listening.
 */
export function onEvents(topics, fn) {
	for (const topic of [].concat(topics)) {
		if (!listeners.has(topic)) {
			listeners.set(topic, new Set());
			attach(topic);
		}
		listeners.get(topic).add(fn);
	}
	connect();
	return () => {
		for (const topic of [].concat(topics)) listeners.get(topic)?.delete(fn);
	};
}

/** Closes the stream for good (signing out). */
export function closeStream() {
	stopped = true;
	clearTimeout(retryTimer);
	source?.close();
	source = null;
}
