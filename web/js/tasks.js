// My tasks (/tasks.html): what was dispatched to me or my team (派给我的),
// what I asked for (我提的), and the wish wall (心愿墙) where a volunteer
// claims an open wish with one tap. The lists follow the event stream where
// it tells this account, and refetch while the page is seen.

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon } from './dom.js';
import { t } from './i18n.js';
import { TOPICS, debounce, loadCatalog, refreshWhileSeen, requestCard, signedOut } from './loop.js';
import { onEvents } from './stream.js';
import { errorText } from './ui.js';

const root = $('#tasks');
const TABS = [
	{ code: 'assigned', query: { assigned: 1 } },
	{ code: 'mine', query: { mine: 1 } },
	{ code: 'wall', query: { kind: 'wish', state: 'open', wall: 1 } },
];

let cat = null;
let account = null;
let tab = new URLSearchParams(location.search).get('tab') || 'assigned';
const ui = {};

function say(e, kind = 'error') {
	ui.flash.textContent = e ? (typeof e === 'string' ? e : errorText(e)) : '';
	ui.flash.className = `flash flash-${kind}`;
	ui.flash.hidden = !e;
}

function claimButton(r) {
	if (r.requester?.id === account.id) return null;
	const b = h('button', { type: 'button', class: 'btn btn-primary btn-small rq-claim' }, icon('hand-heart', 'ico'), h('span', { text: t('tasks.claim') }));
	b.addEventListener('click', async () => {
		b.disabled = true;
		try {
			await api.post(`requests/${r.id}/steps`, { action: 'accept', version: r.version });
			say(t('tasks.claimed', { title: r.title }), 'ok');
			await load();
		} catch (e) {
			say(e);
			b.disabled = false;
		}
	});
	return h('div', { class: 'rq-actions' }, b);
}

async function load() {
	const current = TABS.find((x) => x.code === tab) || TABS[0];
	const page = await api.get('requests', { query: { ...current.query, limit: 100 } });
	for (const x of TABS) ui.tabs[x.code].setAttribute('aria-selected', String(x.code === current.code));
	fill(ui.list, page.items.map((r) => requestCard(r, cat, current.code === 'wall' ? claimButton(r) : null)));
	ui.empty.hidden = page.items.length > 0;
	ui.empty.textContent = t(`tasks.empty.${current.code}`);
	root.dataset.loads = String(Number(root.dataset.loads || 0) + 1);
}

async function start() {
	await initChrome();
	try {
		account = await currentAccount();
		if (!account) return signedOut(root, t('tasks.title'), t('tasks.signin_intro'));
		renderAccount();
		cat = await loadCatalog();
		ui.tabs = {};
		const tabs = h(
			'div',
			{ class: 'tabs', role: 'tablist', 'aria-label': t('tasks.title') },
			TABS.map((x) => {
				const b = h('button', { type: 'button', role: 'tab', class: 'tab', id: `tab-${x.code}`, 'aria-controls': 'tasks-list', text: t(`tasks.tab.${x.code}`) });
				b.addEventListener('click', () => {
					tab = x.code;
					history.replaceState(null, '', `?tab=${tab}`);
					say(null);
					load().catch(say);
				});
				ui.tabs[x.code] = b;
				return b;
			}),
		);
		ui.list = h('ol', { class: 'rq-list', id: 'tasks-list', role: 'tabpanel', 'aria-live': 'polite' });
		ui.empty = h('p', { class: 'empty muted', id: 'tasks-empty', hidden: true });
		ui.flash = h('p', { class: 'flash', role: 'status', hidden: true });
		fill(
			root,
			h('div', { class: 'section-head' }, h('h1', { text: t('tasks.title') }), h('a', { class: 'btn btn-primary btn-small', href: '/new.html', id: 'tasks-new' }, icon('plus', 'ico'), h('span', { text: t('new.title') }))),
			tabs,
			ui.flash,
			ui.list,
			ui.empty,
		);
		await load();
		const again = debounce(() => load().catch(() => {}), 300);
		onEvents([...TOPICS, 'inbox.added'], again);
		refreshWhileSeen(again, 15000);
		root.dataset.state = 'ready';
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }));
		root.dataset.state = 'error';
	}
}

start();
