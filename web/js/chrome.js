// The parts every page shares: the red bar with the language switch and
// the account link, and the page's i18n start-up.

import { knownAccount } from './api.js';
import { $, h, fill } from './dom.js';
import { getLang, initI18n, setLang, t } from './i18n.js';

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

/** The account link: "登录", or the signed-in name (to my profile, which leads on to my stations). */
export function renderAccount() {
	const slot = $('#account');
	if (!slot) return;
	const a = knownAccount.get();
	const here = location.pathname + location.search;
	fill(slot, 
		a
			? h('a', { class: 'bar-btn', href: '/me.html', title: a.name, id: 'account-me' }, h('span', { class: 'bar-name', text: a.name }))
			: h('a', { class: 'bar-btn', href: `/login.html?next=${encodeURIComponent(here)}`, text: t('nav.signin') }),
	);
}
