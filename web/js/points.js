// Points (/points.html): my balance, large, and my statement newest first —
// why each entry (in words), what caused it (a link to the request), where;
// for staff, their region's monthly summary per station and its entries;
// for everyone, the public monthly figures per station (issued, redeemed).

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon } from './dom.js';
import { t } from './i18n.js';
import { cityTime } from './people.js';
import { errorText } from './ui.js';

const root = $('#points');
const STAFF = new Set(['admin', 'staff']);

function thisMonth() {
	const d = new Date(Date.now() + 8 * 3600 * 1000);
	return d.toISOString().slice(0, 7);
}

function amountText(n) {
	return n > 0 ? `+${n}` : String(n);
}

/** What caused an entry: a link where there is a page for it. */
function cause(e) {
	if (e.ref.kind === 'request') return h('a', { href: `/request.html?id=${e.ref.id}`, text: t('points.ref.request', { id: e.ref.id }) });
	const s = t(`points.ref.${e.ref.kind}`, { id: e.ref.id });
	return h('span', { text: s.startsWith('points.ref.') ? `${e.ref.kind} ${e.ref.id}` : s });
}

function entryRow(e, withAccount) {
	return h(
		'li',
		{ class: ['points-entry', e.amount < 0 && 'points-spent'], dataset: { id: String(e.id) } },
		h('span', { class: 'points-line' }, h('span', { class: 'points-reason', text: e.reason_label }), h('strong', { class: 'points-amount', text: amountText(e.amount) })),
		h(
			'span',
			{ class: 'points-meta muted' },
			h('time', { datetime: e.created_at, text: cityTime(e.created_at) }),
			' · ',
			cause(e),
			e.station ? ` · ${e.station.name}` : '',
			withAccount && e.account ? ` · ${e.account.name}` : '',
		),
		e.note ? h('span', { class: 'points-note', text: e.note }) : null,
	);
}

function listSection(id, title, load, withAccount) {
	const list = h('ol', { class: 'points-list', id: `${id}-list` });
	const empty = h('p', { class: 'muted', id: `${id}-empty`, hidden: true, text: t('points.empty') });
	const more = h('button', { type: 'button', class: 'btn btn-secondary btn-block', id: `${id}-more`, hidden: true, text: t('points.more') });
	let cursor = null;
	const page = async (first) => {
		const p = await load(first ? undefined : cursor);
		if (first) list.replaceChildren();
		for (const e of p.items) list.append(entryRow(e, withAccount));
		cursor = p.next_cursor;
		more.hidden = !cursor;
		empty.hidden = list.children.length > 0;
		return p;
	};
	more.addEventListener('click', () => page(false).catch(() => {}));
	return { section: h('section', { class: 'card-section', id }, title ? h('h2', { text: title }) : null, list, empty, more), page };
}

function summaryTable(id, s, full) {
	const head = [t('points.station'), t('points.issued'), t('points.redeemed'), ...(full ? [t('points.expired'), t('points.corrected')] : [])];
	const cells = (r) => [r.issued, r.redeemed, ...(full ? [r.expired, r.corrected] : [])].map((n) => h('td', { class: 'num', text: String(n) }));
	return h(
		'table',
		{ class: 'points-table', id },
		h('thead', null, h('tr', null, ...head.map((x) => h('th', { scope: 'col', text: x })))),
		h(
			'tbody',
			null,
			...s.stations.map((r) => h('tr', null, h('th', { scope: 'row', text: r.station ? r.station.name : t('points.no_station') }), ...cells(r))),
			h('tr', { class: 'points-total' }, h('th', { scope: 'row', text: t('points.total') }), ...cells(s.total)),
		),
	);
}

function monthPicker(id, onChange) {
	const input = h('input', { type: 'month', id, value: thisMonth(), 'aria-label': t('points.month') });
	input.addEventListener('change', () => onChange(input.value));
	return input;
}

async function publicSection() {
	const box = h('div', { id: 'points-public-table' });
	const show = async (month) => {
		try {
			const s = await api.get('points/monthly', { query: { month } });
			fill(box, s.stations.length ? summaryTable('points-public', s, false) : h('p', { class: 'muted', text: t('points.none_this_month') }));
		} catch (e) {
			fill(box, h('p', { class: 'flash flash-error', text: errorText(e) }));
		}
	};
	await show(thisMonth());
	return h('section', { class: 'card-section', id: 'points-public-section' }, h('div', { class: 'section-head' }, h('h2', { text: t('points.public') }), monthPicker('points-public-month', show)), box);
}

async function staffSection(account) {
	const grant = (account.roles || []).find((r) => STAFF.has(r.role) && /^\d+$/.test(r.scope));
	if (!grant) return null;
	const region = grant.scope;
	const box = h('div', { id: 'points-summary-table' });
	const show = async (month) => {
		try {
			const s = await api.get('points/summary', { query: { region, month } });
			fill(box, s.stations.length ? summaryTable('points-summary', s, true) : h('p', { class: 'muted', text: t('points.none_this_month') }));
		} catch (e) {
			fill(box, h('p', { class: 'flash flash-error', text: errorText(e) }));
		}
	};
	await show(thisMonth());
	const entries = listSection('points-region', t('points.region_entries'), (cursor) => api.get('points/entries', { query: { region, cursor, limit: 20 } }), true);
	await entries.page(true);
	return [
		h('section', { class: 'card-section', id: 'points-staff' }, h('div', { class: 'section-head' }, h('h2', { text: t('points.region_summary', { region }) }), monthPicker('points-summary-month', show)), box),
		entries.section,
	];
}

async function start() {
	await initChrome();
	try {
		const account = await currentAccount();
		const parts = [];
		if (account) {
			renderAccount();
			const mine = listSection('points-mine', t('points.statement'), (cursor) => api.get('me/points', { query: { cursor, limit: 20 } }), false);
			const first = await mine.page(true);
			parts.push(
				h('section', { class: 'points-head', id: 'points-balance-box' }, icon('star', 'points-star'), h('p', { class: 'muted', text: t('points.balance') }), h('p', { class: 'points-balance', id: 'points-balance', text: String(first.balance) })),
				mine.section,
			);
			const staff = await staffSection(account);
			if (staff) parts.push(...staff);
		} else {
			parts.push(h('section', { class: 'card-section' }, h('p', { class: 'muted', text: t('points.signin_intro') }), h('a', { class: 'btn btn-primary btn-block', id: 'points-signin', href: '/login.html?next=%2Fpoints.html', text: t('nav.signin') })));
		}
		parts.push(await publicSection());
		fill(root, ...parts);
		root.dataset.state = 'ready';
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }));
		root.dataset.state = 'error';
	}
}

start();
