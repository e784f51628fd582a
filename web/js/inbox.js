// My messages (/inbox.html): what the service loop tells me — an order
// dispatched to me, my report resolved, a suggestion that became a project
// — newest first, unread ones marked. Tapping an unread one marks it read;
// "全部已读" marks them all. New messages appear as they come (the event
// stream), and a message read in another window shows read here too.

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount, setUnread } from './chrome.js';
import { $, h, fill, icon } from './dom.js';
import { t } from './i18n.js';
import { cityTime } from './people.js';
import { onEvents } from './stream.js';
import { errorText } from './ui.js';

const root = $('#inbox');
const PAGE = 20;

let unreadOnly = false;
let cursor = null; // the next page's cursor, or null at the end
const shown = new Map(); // id → { item, li }

// The page's parts, made once the strings are loaded (start).
let list, empty, more, count, readAll, flash;

function parts() {
	list = h('ol', { class: 'inbox-list', id: 'inbox-list', 'aria-live': 'polite' });
	empty = h('div', { class: 'inbox-empty', id: 'inbox-empty', hidden: true }, icon('inbox', 'inbox-empty-icon'), h('p', { id: 'inbox-empty-text' }));
	more = h('button', { type: 'button', class: 'btn btn-secondary btn-block', id: 'inbox-more', hidden: true, text: t('inbox.more') });
	count = h('p', { class: 'inbox-count muted', id: 'inbox-count', role: 'status' });
	readAll = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'inbox-read-all' }, icon('check-check', 'ico'), h('span', { text: t('inbox.read_all') }));
	flash = h('p', { class: 'flash flash-error', role: 'alert', hidden: true });
}

function showCount(n) {
	count.textContent = n ? t('inbox.unread_count', { n }) : t('inbox.all_read');
	readAll.disabled = !n;
}

function kindName(kind) {
	const s = t(`inbox.kind.${kind}`);
	return s === `inbox.kind.${kind}` ? kind : s;
}

function markShownRead(li, item) {
	item.read_at = item.read_at || new Date().toISOString();
	li.classList.remove('unread');
	li.querySelector('.inbox-dot')?.remove();
	li.querySelector('.inbox-open')?.setAttribute('aria-label', `${kindName(item.kind)}：${item.title}`);
	if (unreadOnly) {
		li.remove();
		shown.delete(item.id);
		showEmpty();
	}
}

function row(item) {
	const unread = !item.read_at;
	const li = h('li', { class: ['inbox-item', unread && 'unread'], dataset: { id: String(item.id), kind: item.kind } });
	const open = h(
		'button',
		{ type: 'button', class: 'inbox-open', 'aria-label': `${unread ? `${t('inbox.unread')}，` : ''}${kindName(item.kind)}：${item.title}` },
		h('span', { class: 'inbox-line' }, unread ? h('span', { class: 'inbox-dot', 'aria-hidden': 'true' }) : null, h('span', { class: 'inbox-kind', text: kindName(item.kind) }), h('time', { class: 'inbox-at', datetime: item.created_at, text: cityTime(item.created_at) })),
		h('span', { class: 'inbox-title', text: item.title }),
		item.body ? h('span', { class: 'inbox-body', text: item.body }) : null,
	);
	open.addEventListener('click', async () => {
		if (item.read_at) return;
		try {
			const done = await api.post(`me/inbox/${item.id}/read`);
			item.read_at = done.read_at;
			markShownRead(li, item);
		} catch (e) {
			say(errorText(e));
		}
	});
	li.append(open);
	shown.set(item.id, { item, li });
	return li;
}

function say(text) {
	flash.textContent = text || '';
	flash.hidden = !text;
}

function showEmpty() {
	empty.hidden = shown.size > 0;
	$('#inbox-empty-text', empty).textContent = unreadOnly ? t('inbox.empty_unread') : t('inbox.empty');
}

async function loadPage(first) {
	const query = { limit: PAGE, unread: unreadOnly ? 1 : undefined, cursor: first ? undefined : cursor };
	const page = await api.get('me/inbox', { query });
	if (first) {
		shown.clear();
		list.replaceChildren();
	}
	for (const item of page.items) if (!shown.has(item.id)) list.append(row(item));
	cursor = page.next_cursor;
	more.hidden = !cursor;
	setUnread(page.unread);
	showEmpty();
}

/** New ones since the newest shown, put on top. */
async function loadNewer() {
	const page = await api.get('me/inbox', { query: { limit: PAGE, unread: unreadOnly ? 1 : undefined } });
	const fresh = page.items.filter((i) => !shown.has(i.id));
	for (const item of fresh.reverse()) list.prepend(row(item));
	setUnread(page.unread);
	showEmpty();
}

function filterChips() {
	const chip = (id, label, only) =>
		h('button', {
			type: 'button',
			class: 'chip chip-small',
			id,
			'aria-pressed': String(unreadOnly === only),
			text: label,
			onclick: async () => {
				if (unreadOnly === only) return;
				unreadOnly = only;
				for (const b of document.querySelectorAll('.inbox-filter .chip')) b.setAttribute('aria-pressed', String(b.id === id));
				await loadPage(true).catch((e) => say(errorText(e)));
			},
		});
	return h('div', { class: 'inbox-filter chips-wrap', role: 'group', 'aria-label': t('inbox.filter') }, chip('inbox-all', t('inbox.all'), false), chip('inbox-unread', t('inbox.unread'), true));
}

function signedOut() {
	fill(
		root,
		h(
			'section',
			{ class: 'card-section' },
			h('h1', { class: 'signin-title', text: t('inbox.title') }),
			h('p', { class: 'muted', text: t('inbox.signin_intro') }),
			h('a', { class: 'btn btn-primary btn-block', id: 'inbox-signin', href: '/login.html?next=%2Finbox.html', text: t('nav.signin') }),
		),
	);
	root.dataset.state = 'signed-out';
}

async function start() {
	await initChrome();
	try {
		if (!(await currentAccount())) return signedOut();
		renderAccount(); // the bar as the server knows me now
		parts();
		readAll.addEventListener('click', async () => {
			readAll.disabled = true;
			try {
				const r = await api.post('me/inbox/read');
				for (const { item, li } of [...shown.values()]) markShownRead(li, item);
				setUnread(r.unread);
				say('');
			} catch (e) {
				say(errorText(e));
				readAll.disabled = false;
			}
		});
		more.addEventListener('click', async () => {
			more.disabled = true;
			await loadPage(false).catch((e) => say(errorText(e)));
			more.disabled = false;
		});
		document.addEventListener('yz:unread', (e) => showCount(e.detail));
		fill(
			root,
			h('section', { class: 'inbox-head' }, h('div', { class: 'section-head' }, h('h1', { text: t('inbox.title') }), readAll), count, filterChips()),
			flash,
			list,
			empty,
			more,
		);
		await loadPage(true);
		onEvents(['inbox.added'], () => loadNewer().catch(() => {}));
		onEvents(['inbox.read'], (msg) => {
			const id = Number(msg.object_id);
			const one = shown.get(id);
			if (one) markShownRead(one.li, one.item);
			else if (msg.object_id === '*') for (const { item, li } of [...shown.values()]) markShownRead(li, item);
		});
		root.dataset.state = 'ready';
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }));
		root.dataset.state = 'error';
	}
}

start();
