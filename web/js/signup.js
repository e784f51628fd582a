// The sign-up page (/signup.html?next=/checkin.html?…): the phone number,
// an SMS code, the profile and the consent notice; then on to next, or to
// my profile. A number that has an account already is signed in (and its
// profile updated with what was chosen).

import { currentAccount, signOut } from './api.js';
import { initChrome } from './chrome.js';
import { $, h, safeNext, fill } from './dom.js';
import { t } from './i18n.js';
import { mountCodeForm } from './codeform.js';

const root = $('#signup');

async function start() {
	await initChrome();
	const next = safeNext('/me.html');
	let account = null;
	try {
		account = await currentAccount();
	} catch {
		account = null;
	}
	if (account) {
		fill(
			root,
			h(
				'section',
				{ class: 'card-section' },
				h('h1', { class: 'signin-title', text: t('signin.already', { name: account.name }) }),
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
		root.dataset.state = 'signed-in';
		return;
	}
	const box = h('section', { class: 'card-section' });
	fill(
		root,
		box,
		h('p', { class: 'signup-alt muted' }, t('signup.have_password'), ' ', h('a', { href: `/login.html?next=${encodeURIComponent(next)}`, text: t('signup.password_link') })),
	);
	await mountCodeForm(box, {
		mode: 'full',
		title: t('signup.title'),
		intro: t('signup.intro'),
		submitLabel: t('signup.submit'),
		onDone: () => location.assign(next),
	});
	root.dataset.state = 'ready';
	box.querySelector('input[name="phone"]')?.focus({ preventScroll: true });
}

start();
