// The staff's live queue (/queue.html): the requests of their place in four
// tabs by state — 待派单 (submitted, reopened), 已派单, 办理中, 已办结 —
// each with its deadline badge (overdue red, due within 2 h amber), filters
// by kind and category, and dispatch in two taps (派单 → a team or a person).
// The queue follows the event stream ("request.*"): a change anywhere
// refetches the list (debounced), without a reload. 登记 opens the filing
// form at one of the kinds only staff file (调解、任务、走访).

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon } from './dom.js';
import { t } from './i18n.js';
import { openDispatch } from './dispatch.js';
import { KIND_ICONS, STAFF_KINDS, TOPICS, categoryName, debounce, isStaff, kindName, loadCatalog, requestCard, signedOut } from './loop.js';
import { onEvents } from './stream.js';
import { errorText } from './ui.js';

const root = $('#queue');
const LIMIT = 200;
export const TABS = [
	{ code: 'waiting', states: ['submitted', 'reopened'] },
	{ code: 'dispatched', states: ['dispatched'] },
	{ code: 'working', states: ['accepted', 'in_progress'] },
	{ code: 'done', states: ['resolved', 'rated', 'closed'] },
];

let cat = null;
let items = [];
let tab = new URLSearchParams(location.search).get('tab') || 'waiting';
const filter = { kind: '', category: '' };
const ui = {};

function tabOf(state) {
	return TABS.find((x) => x.states.includes(state))?.code || null;
}

async function load() {
	const page = await api.get('requests', { query: { kind: filter.kind || undefined, category: filter.category || undefined, limit: LIMIT } });
	items = page.items;
	render();
	root.dataset.loads = String(Number(root.dataset.loads || 0) + 1);
}

function render() {
	const counts = Object.fromEntries(TABS.map((x) => [x.code, 0]));
	for (const r of items) {
		const c = tabOf(r.state);
		if (c) counts[c]++;
	}
	for (const x of TABS) {
		const b = ui.tabs[x.code];
		b.setAttribute('aria-selected', String(x.code === tab));
		b.querySelector('.tab-n').textContent = String(counts[x.code]);
	}
	const shown = items.filter((r) => tabOf(r.state) === tab);
	// The most urgent first: overdue, then by the deadline that matters.
	if (tab !== 'done') shown.sort((a, b) => Number(b.overdue) - Number(a.overdue) || String(a.respond_due || a.resolve_due).localeCompare(String(b.respond_due || b.resolve_due)));
	fill(
		ui.list,
		shown.map((r) =>
			requestCard(
				r,
				cat,
				tab === 'waiting'
					? h('div', { class: 'rq-actions' }, h('button', { type: 'button', class: 'btn btn-primary btn-small rq-dispatch', onclick: () => openDispatch(r, () => load().catch(say)) }, icon('send', 'ico'), h('span', { text: t('loop.action.dispatch') })))
					: null,
			),
		),
	);
	ui.empty.hidden = shown.length > 0;
}

function say(e) {
	ui.flash.textContent = e ? errorText(e) : '';
	ui.flash.hidden = !e;
}

function select(id, label, options, onchange) {
	const sel = h('select', { class: 'input', id }, options.map(([v, text]) => h('option', { value: v, text })));
	sel.addEventListener('change', onchange);
	return { field: h('div', { class: 'field' }, h('label', { for: id, text: label }), sel), sel };
}

/** 登记: a link to the filing form for each staff kind. */
function fileRow() {
	return h(
		'nav',
		{ class: 'file-row', id: 'queue-file', 'aria-label': t('queue.file_label') },
		h('span', { class: 'file-row-label', text: t('queue.file') }),
		STAFF_KINDS.map((k) => h('a', { class: 'btn btn-secondary btn-small', id: `queue-file-${k}`, href: `/new.html?kind=${k}` }, icon(KIND_ICONS[k], 'ico'), h('span', { text: kindName(cat, k) }))),
	);
}

function filters() {
	const kind = select('q-kind', t('queue.kind'), [['', t('queue.all')], ...cat.kinds.map((k) => [k.code, kindName(cat, k.code)])], () => {
		filter.kind = kind.sel.value;
		filter.category = '';
		fill(category.sel, categoryOptions().map(([v, text]) => h('option', { value: v, text })));
		category.sel.disabled = !filter.kind;
		load().catch(say);
	});
	const categoryOptions = () => [['', t('queue.all')], ...(filter.kind ? cat.byKind[filter.kind].categories.map((c) => [c.code, categoryName(cat, filter.kind, c.code)]) : [])];
	const category = select('q-category', t('queue.category'), categoryOptions(), () => {
		filter.category = category.sel.value;
		load().catch(say);
	});
	category.sel.disabled = true;
	return h('div', { class: 'queue-filters' }, kind.field, category.field);
}

async function start() {
	await initChrome();
	try {
		const account = await currentAccount();
		if (!account) return signedOut(root, t('queue.title'), t('queue.signin_intro'));
		renderAccount();
		if (!isStaff(account)) {
			fill(root, h('p', { class: 'flash flash-error', role: 'alert', id: 'queue-forbidden', text: t('queue.staff_only') }));
			root.dataset.state = 'forbidden';
			return;
		}
		cat = await loadCatalog();
		ui.tabs = {};
		const tabs = h(
			'div',
			{ class: 'tabs', role: 'tablist', 'aria-label': t('queue.title') },
			TABS.map((x) => {
				const b = h('button', { type: 'button', role: 'tab', class: 'tab', id: `tab-${x.code}`, 'aria-controls': 'queue-list' }, h('span', { text: t(`queue.tab.${x.code}`) }), h('span', { class: 'tab-n', text: '0' }));
				b.addEventListener('click', () => {
					tab = x.code;
					history.replaceState(null, '', `?tab=${tab}`);
					render();
				});
				ui.tabs[x.code] = b;
				return b;
			}),
		);
		ui.list = h('ol', { class: 'rq-list', id: 'queue-list', role: 'tabpanel', 'aria-live': 'polite' });
		ui.empty = h('p', { class: 'empty muted', id: 'queue-empty', text: t('queue.empty'), hidden: true });
		ui.flash = h('p', { class: 'flash flash-error', role: 'alert', hidden: true });
		fill(
			root,
			h('div', { class: 'section-head' }, h('h1', { text: t('queue.title') }), h('a', { class: 'btn btn-secondary btn-small', href: '/mediation.html', id: 'queue-mediation' }, icon('handshake', 'ico'), h('span', { text: t('mediation.title') }))),
			fileRow(),
			filters(),
			tabs,
			ui.flash,
			ui.list,
			ui.empty,
		);
		await load();
		const again = debounce(() => load().then(() => say(null), say), 250);
		onEvents(TOPICS, again);
		// The badges age: "due within 2 h" turns up without an event.
		setInterval(render, 60000);
		root.dataset.state = 'ready';
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }));
		root.dataset.state = 'error';
	}
}

start();
