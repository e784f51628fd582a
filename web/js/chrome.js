// The parts every page shares: the red bar with the language switch and
// the account link, for a signed-in account the inbox bell with its unread
// count (kept live by the event stream), and the page's i18n start-up.

import { api, knownAccount } from './api.js';
import { $, h, fill, icon } from './dom.js';
import { getLang, initI18n, setLang, t } from './i18n.js';
import { onEvents } from './stream.js';

/** Translates the page and wires the bar. Resolves when strings are ready. */
export async function initChrome() {
	await initI18n();
	const langBtn = $('#lang');
	if (langBtn) {
		const other = getLang() === 'en' ? 'zh-CN' : 'en';
		langBtn.textContent = other === 'en' ? 'EN' : '中文';
		langBtn.lang = other;
		langBtn.setAttribute('aria-label', other === 'en' ? 'Switch to English' : '切换到中文');
		langBtn.addEventListener('click', () => setLang(other));
	}
	renderAccount();
}

let unread = null; // the count shown, once known
let watching = false;

function showUnread() {
	const badge = $('#inbox-badge');
	const link = $('#inbox-link');
	if (!badge || !link) return;
	const n = unread ?? 0;
	badge.textContent = n > 99 ? '99+' : String(n);
	badge.hidden = !n;
	link.setAttribute('aria-label', n ? t('inbox.unread_label', { n }) : t('inbox.title'));
	link.title = link.getAttribute('aria-label');
}

/** Sets the unread count everywhere on the page that shows it. */
export function setUnread(n) {
	if (!Number.isInteger(n) || n < 0) return;
	unread = n;
	showUnread();
	document.dispatchEvent(new CustomEvent('yz:unread', { detail: n }));
}

async function refreshUnread() {
	try {
		setUnread((await api.get('me/inbox/unread', { retries: 0 })).unread);
	} catch (e) {
		if (e.status === 401) {
			knownAccount.set(null);
			renderAccount();
		}
	}
}

/** The count now, and every change to it as it happens. */
function watchUnread() {
	if (watching) return showUnread();
	watching = true;
	refreshUnread();
	onEvents(['inbox.added', 'inbox.read'], (msg) => {
		if (Number.isInteger(msg.data?.unread)) setUnread(msg.data.unread);
		else refreshUnread();
	});
}

/** The account link: "登录", or the inbox bell and the signed-in name (to my profile, which leads on to my stations). */
export function renderAccount() {
	const slot = $('#account');
	if (!slot) return;
	const a = knownAccount.get();
	const here = location.pathname + location.search;
	fill(
		slot,
		a
			? [
					h(
						'a',
						{ class: 'bar-btn bar-inbox', href: '/inbox.html', id: 'inbox-link', 'aria-label': t('inbox.title'), title: t('inbox.title') },
						icon('bell', 'bar-icon'),
						h('span', { class: 'bar-badge', id: 'inbox-badge', hidden: true }),
					),
					h('a', { class: 'bar-btn', href: '/me.html', title: a.name, id: 'account-me' }, h('span', { class: 'bar-name', text: a.name })),
				]
			: h('a', { class: 'bar-btn', href: `/login.html?next=${encodeURIComponent(here)}`, text: t('nav.signin') }),
	);
	if (a) watchUnread();
}
