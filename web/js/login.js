// The sign-in page: /login.html?next=/edit.html?id=1 signs in and goes on.

import { currentAccount, csrf, signOut } from './api.js';
import { initChrome } from './chrome.js';
import { $, h, safeNext, fill } from './dom.js';
import { t } from './i18n.js';
import { mountSignIn } from './signin.js';

const root = $('#login');

async function start() {
	await initChrome();
	const next = safeNext('/manage.html');
	let account = null;
	try {
		account = csrf.get() ? await currentAccount() : null;
	} catch {
		account = null;
	}
	if (account) {
		fill(root, 
			h(
				'section',
				{ class: 'card-section' },
				h('h1', { text: t('signin.already', { name: account.name }) }),
				h(
					'div',
					{ class: 'manage-buttons' },
					h('a', { class: 'btn btn-primary', href: next, text: t('action.continue') }),
					h('button', {
						class: 'btn btn-secondary',
						type: 'button',
						text: t('nav.signout'),
						onclick: async () => {
							await signOut().catch(() => {});
							location.reload();
						},
					}),
				),
			),
		);
		return;
	}
	const box = h('section', { class: 'card-section' });
	fill(root, box);
	mountSignIn(box, { onDone: () => location.assign(next) });
}

start();
