// What the service loop's pages share (new, request, tasks, queue,
// mediation): the catalog of kinds and categories, the names of states and
// steps, deadline badges, a request's card in a list, photo uploads with
// progress, the sign-in box, and the live topics ("request.<action>").

import { api, csrf, uuid } from './api.js';
import { h, fill, icon } from './dom.js';
import { getLang, t } from './i18n.js';
import { mountSignIn } from './signin.js';
import { cityTime } from './people.js';

/** Every step a request's event can be named after. */
export const ACTIONS = ['submit', 'dispatch', 'accept', 'start', 'resolve', 'rate', 'reject', 'cancel', 'reopen', 'close', 'escalate'];
export const TOPICS = ACTIONS.map((a) => `request.${a}`);
/** The kinds a resident may file. */
export const RESIDENT_KINDS = ['order', 'wish', 'report', 'suggestion'];
/** The kinds only the staff of a place file there: 调解案件, 任务, 走访. */
export const STAFF_KINDS = ['mediation', 'task', 'visit'];
/** Each kind's drawn icon (the sprite's names). */
export const KIND_ICONS = { order: 'clipboard-list', wish: 'hand-heart', report: 'camera', suggestion: 'lightbulb', mediation: 'handshake', task: 'bike', visit: 'users' };
export const OPEN_STATES = new Set(['submitted', 'dispatched', 'accepted', 'in_progress', 'reopened']);
const DUE_SOON_MS = 2 * 3600 * 1000;
const STAFF_ROLES = new Set(['admin', 'staff', 'manager']);

let catalogP = null;

/** GET /requests/categories, once a page (again when fresh): {kinds, byKind: {code: kind}}. */
export function loadCatalog({ fresh = false } = {}) {
	if (fresh) catalogP = null;
	catalogP ??= api.get('requests/categories').then((c) => {
		const byKind = {};
		for (const k of c.kinds) byKind[k.code] = k;
		return { ...c, byKind };
	});
	catalogP.catch(() => (catalogP = null));
	return catalogP;
}

const named = (x) => (x ? (getLang() === 'en' ? x.name_en || x.name : x.name || x.name_en) : '');

export const kindName = (cat, kind) => named(cat?.byKind[kind]) || kind;
export function categoryName(cat, kind, code) {
	return named(cat?.byKind[kind]?.categories.find((c) => c.code === code)) || code;
}
export const stateName = (state) => t(`loop.state.${state}`);
export const actionName = (action) => t(`loop.action.${action}`);

/** Whether the account works for a place (may see a queue). */
export function isStaff(account) {
	return (account?.roles || []).some((r) => STAFF_ROLES.has(r.role));
}

/** The account's grants that may dispatch (and so file the staff kinds) somewhere. */
export function staffGrants(account) {
	return (account?.roles || []).filter((r) => STAFF_ROLES.has(r.role) && r.scope);
}

/**
 * Whether the account is staff of a place ({region, stationId}) the way the
 * server decides who may file a staff kind there: "*" covers everything, a
 * region code every region it prefixes, "station:ID" that station. The
 * server stays the judge; this only decides what the page offers.
 */
export function staffCovers(account, { region = '', stationId = 0 } = {}) {
	return staffGrants(account).some((g) => {
		if (g.scope === '*') return true;
		if (g.scope.startsWith('station:')) return Boolean(stationId) && Number(g.scope.slice(8)) === Number(stationId);
		return Boolean(region) && region.startsWith(g.scope);
	});
}

/** The region the account's staff role covers ('' when none names one). */
export function staffRegion(account) {
	const r = (account?.roles || []).find((x) => (x.role === 'staff' || x.role === 'admin') && /^\d+$/.test(x.scope || ''));
	return r ? r.scope : '';
}

/** The deadline that matters now: to accept while waiting, to resolve while worked on. */
export function dueOf(r) {
	if (['submitted', 'dispatched', 'reopened'].includes(r.state)) return r.respond_due || r.resolve_due;
	if (['accepted', 'in_progress'].includes(r.state)) return r.resolve_due;
	return null;
}

/** The deadline badge: overdue (red), due within 2 h (amber), else when it is due; null when done. */
export function deadlineBadge(r, now = Date.now()) {
	if (!OPEN_STATES.has(r.state)) return null;
	const due = dueOf(r);
	const at = due ? Date.parse(due) : NaN;
	if (r.overdue || (Number.isFinite(at) && at <= now)) return h('span', { class: 'badge due-over', dataset: { due: 'over' } }, icon('clock', 'ico'), h('span', { text: t('loop.due.over') }));
	if (!Number.isFinite(at)) return null;
	if (at - now <= DUE_SOON_MS) return h('span', { class: 'badge due-soon', dataset: { due: 'soon' } }, icon('clock', 'ico'), h('span', { text: t('loop.due.soon', { time: cityTime(due, { date: false }) }) }));
	return h('span', { class: 'badge due-later', dataset: { due: 'later' } }, h('span', { text: t('loop.due.at', { when: cityTime(due) }) }));
}

export function stateBadge(state) {
	return h('span', { class: `badge st-badge st-${state}`, dataset: { state }, text: stateName(state) });
}

/** A request in a list: a link to its page, with kind, state and deadline; extra goes below. */
export function requestCard(r, cat, extra) {
	return h(
		'li',
		{ class: 'rq-card', dataset: { id: String(r.id), state: r.state, kind: r.kind } },
		h(
			'a',
			{ class: 'rq-link', href: `/request.html?id=${r.id}` },
			h('span', { class: 'rq-top' }, h('span', { class: 'rq-kind', text: `${kindName(cat, r.kind)} · ${categoryName(cat, r.kind, r.category)}` }), stateBadge(r.state)),
			h('span', { class: 'rq-title', text: r.title }),
			h(
				'span',
				{ class: 'rq-meta' },
				r.station?.name ? h('span', { class: 'rq-station', text: r.station.name }) : null,
				h('time', { datetime: r.created_at, text: cityTime(r.created_at) }),
				r.assignee?.name || r.team?.name ? h('span', { class: 'rq-who', text: t('loop.assigned_to', { name: r.assignee?.name || r.team?.name }) }) : null,
			),
			deadlineBadge(r),
		),
		extra || null,
	);
}

/** The box shown to someone signed out: why to sign in, and the form. */
export function signedOut(root, title, intro) {
	const box = h('section', { class: 'card-section' }, h('h1', { class: 'signin-title', text: title }));
	fill(root, box);
	mountSignIn(box, { intro, onDone: () => location.reload() });
	root.dataset.state = 'signed-out';
}

/**
 * Uploads a photo to a request (role request or proof), reporting
 * progress(0..1). XMLHttpRequest, because fetch tells nothing of an
 * upload's progress. Resolves to the photo; rejects with {status, message}.
 */
export function uploadPhoto(id, file, role, progress) {
	return new Promise((resolve, reject) => {
		const x = new XMLHttpRequest();
		x.open('POST', `/api/v1/requests/${id}/photos?role=${role}`);
		x.setRequestHeader('Content-Type', file.type || 'image/jpeg');
		x.setRequestHeader('Accept-Language', getLang());
		x.setRequestHeader('Idempotency-Key', uuid());
		const tok = csrf.get();
		if (tok) x.setRequestHeader('X-CSRF-Token', tok);
		x.upload.onprogress = (e) => e.lengthComputable && progress?.(e.loaded / e.total);
		x.onload = () => {
			let body = null;
			try {
				body = JSON.parse(x.responseText);
			} catch {
				body = null;
			}
			if (x.status >= 200 && x.status < 300) resolve(body);
			else reject({ status: x.status, message: body?.detail || body?.title || `HTTP ${x.status}` });
		};
		x.onerror = () => reject({ status: 0, message: t('error.offline') });
		x.send(file);
	});
}

/** A <progress> with its words, for photo uploads. */
export function uploadRow(file) {
	const bar = h('progress', { max: '100', value: '0' });
	const note = h('span', { class: 'up-note', text: file.name });
	const li = h('li', { class: 'up-row' }, note, bar);
	return {
		li,
		set(p) {
			bar.value = Math.round(p * 100);
		},
		done(ok, msg) {
			bar.value = ok ? 100 : bar.value;
			li.dataset.done = ok ? 'ok' : 'error';
			note.textContent = ok ? t('loop.photo_done', { name: file.name }) : `${file.name}: ${msg}`;
		},
	};
}

/** Calls fn at most once per ms (the last call wins). */
export function debounce(fn, ms) {
	let timer = 0;
	return (...a) => {
		clearTimeout(timer);
		timer = setTimeout(() => fn(...a), ms);
	};
}

/** Refetches while the page is seen, for viewers the stream does not tell (residents, members). */
export function refreshWhileSeen(fn, ms = 20000) {
	setInterval(() => {
		if (document.visibilityState === 'visible') fn();
	}, ms);
	document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && fn());
}
