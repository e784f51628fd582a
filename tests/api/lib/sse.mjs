// A Server-Sent Events client for the API tests: opens GET /api/v1/stream
// (or any path) with a session's cookie or a Bearer token and, when given,
// a Last-Event-ID header, and parses what arrives into events as a browser's
// EventSource would, keeping the comment lines and retry fields too.
//
//   const s = await openStream(srv.url, { session, lastEventId: '42' });
//   s.status, s.headers (lower-case names), s.json (the body, if not 200)
//   await s.next((e) => e.event === 'request.created')   the first such event
//   s.events                       every event so far: { id, event, data, raw }
//   s.comments, s.retry            comment lines (": keepalive") and retry
//   await s.ended                  resolves when the server ends the answer
//   s.close()
import http from 'node:http';

export function openStream(url, { path = '/api/v1/stream', session, token, lastEventId, headers = {} } = {}) {
	const h = { Accept: 'text/event-stream', ...headers };
	if (session) h.Cookie = session.cookie;
	if (token) h.Authorization = `Bearer ${token}`;
	if (lastEventId !== undefined) h['Last-Event-ID'] = String(lastEventId);
	return new Promise((resolve, reject) => {
		const req = http.get(url + path, { headers: h, agent: false }, (res) => {
			const s = {
				status: res.statusCode,
				headers: res.headers,
				events: [],
				comments: [],
				retry: null,
				json: null,
				text: '',
				lastEventId: '',
				complete: false,
				close: () => req.destroy(),
			};
			const waiters = new Set();
			const notify = () => {
				for (const w of waiters) w();
			};
			s.ended = new Promise((r) => {
				res.on('end', () => {
					s.complete = true;
					notify();
					r();
				});
				res.on('close', () => {
					notify();
					r();
				});
				res.on('error', () => r());
			});
			res.setEncoding('utf8');
			if (res.statusCode !== 200) {
				res.on('data', (d) => (s.text += d));
				res.on('end', () => {
					try {
						s.json = JSON.parse(s.text);
					} catch {
						s.json = null;
					}
					resolve(s);
				});
				return;
			}
			let buf = '';
			let cur = { id: null, event: 'message', data: [], raw: '' };
			res.on('data', (chunk) => {
				buf += chunk;
				let nl;
				while ((nl = buf.indexOf('\n')) >= 0) {
					const line = buf.slice(0, nl).replace(/\r$/, '');
					buf = buf.slice(nl + 1);
					if (line === '') {
						if (cur.data.length) {
							if (cur.id !== null) s.lastEventId = cur.id;
							let data = cur.data.join('\n');
							try {
								data = JSON.parse(data);
							} catch {
								/* left as text */
							}
							s.events.push({ id: cur.id, event: cur.event, data, raw: cur.raw });
						}
						cur = { id: null, event: 'message', data: [], raw: '' };
						continue;
					}
					cur.raw += `${line}\n`;
					if (line.startsWith(':')) {
						s.comments.push(line);
						continue;
					}
					const i = line.indexOf(':');
					const field = i < 0 ? line : line.slice(0, i);
					const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
					if (field === 'id') cur.id = value;
					else if (field === 'event') cur.event = value;
					else if (field === 'data') cur.data.push(value);
					else if (field === 'retry') s.retry = Number(value);
				}
				notify();
			});
			/** The first event (from `from` on) for which pred holds; rejects after timeoutMs. */
			s.next = (pred = () => true, { timeoutMs = 5000, from = 0 } = {}) =>
				new Promise((res2, rej2) => {
					const look = () => {
						const e = s.events.slice(from).find(pred);
						if (e) {
							done();
							res2(e);
						} else if (s.complete || res.destroyed) {
							done();
							rej2(new Error(`the stream ended without the event; got ${JSON.stringify(s.events.map((x) => [x.id, x.event]))}`));
						}
					};
					const timer = setTimeout(() => {
						done();
						rej2(new Error(`no such event within ${timeoutMs} ms; got ${JSON.stringify(s.events.map((x) => [x.id, x.event]))}`));
					}, timeoutMs);
					const done = () => {
						clearTimeout(timer);
						waiters.delete(look);
					};
					waiters.add(look);
					look();
				});
			/** Resolves once pred() holds (checked as bytes arrive); rejects after timeoutMs. */
			s.until = (pred, { timeoutMs = 5000 } = {}) =>
				new Promise((res2, rej2) => {
					const look = () => {
						if (pred()) {
							done();
							res2();
						}
					};
					const timer = setTimeout(() => {
						done();
						rej2(new Error(`not within ${timeoutMs} ms`));
					}, timeoutMs);
					const done = () => {
						clearTimeout(timer);
						waiters.delete(look);
					};
					waiters.add(look);
					look();
				});
			resolve(s);
		});
		req.on('error', reject);
	});
}
