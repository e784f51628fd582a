// The sign-in form (phone + password), used by the sign-in page and inline
// wherever a page needs a signed-in user (the edit page). Errors are shown
// as the server words them (in Chinese): wrong password, too many tries
// (wait N seconds); field errors sit next to their fields.

import { signIn } from './api.js';
import { h, fill, safeNext } from './dom.js';
import { isZh, t } from './i18n.js';

let seq = 0;

/** Where the SMS-code sign-in goes on to: the sign-in page's ?next=, or this page. */
function codeNext() {
	return location.pathname === '/login.html' ? safeNext('/me.html') : location.pathname + location.search;
}

/** Normalises a typed phone number: digits only, +86 dropped. */
export function normalisePhone(s) {
	let d = String(s || '').replace(/[\s-]/g, '');
	if (d.startsWith('+86')) d = d.slice(3);
	return d;
}

/** Builds the form in container; onDone(account) after a successful sign-in. */
export function mountSignIn(container, { onDone, intro } = {}) {
	const id = `si${++seq}`;
	const phone = h('input', { id: `${id}-phone`, name: 'phone', class: 'input', type: 'tel', inputmode: 'numeric', autocomplete: 'username', maxlength: '20', required: true, 'aria-describedby': `${id}-phone-err` });
	const pw = h('input', { id: `${id}-pw`, name: 'password', class: 'input', type: 'password', autocomplete: 'current-password', maxlength: '128', required: true, 'aria-describedby': `${id}-pw-err` });
	const phoneErr = h('p', { id: `${id}-phone-err`, class: 'field-error', hidden: true });
	const pwErr = h('p', { id: `${id}-pw-err`, class: 'field-error', hidden: true });
	const formErr = h('p', { class: 'form-error', role: 'alert', hidden: true });
	const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: t('signin.submit') });
	const show = h('button', {
		type: 'button',
		class: 'btn btn-quiet btn-inline',
		'aria-pressed': 'false',
		text: t('signin.show'),
		onclick: () => {
			const on = pw.type === 'password';
			pw.type = on ? 'text' : 'password';
			show.setAttribute('aria-pressed', String(on));
			show.textContent = on ? t('signin.hide') : t('signin.show');
		},
	});

	const setErr = (p, input, msg) => {
		p.textContent = msg || '';
		p.hidden = !msg;
		input.setAttribute('aria-invalid', msg ? 'true' : 'false');
	};

	const form = h(
		'form',
		{ class: 'signin', novalidate: true },
		h('h2', { class: 'signin-title', text: t('signin.title') }),
		h('p', { class: 'muted', text: intro || t('signin.intro') }),
		h('div', { class: 'field' }, h('label', { for: phone.id, text: t('signin.phone') }), phone, phoneErr),
		h('div', { class: 'field' }, h('label', { for: pw.id, text: t('signin.password') }), h('div', { class: 'input-row' }, pw, show), pwErr),
		formErr,
		submit,
		h('p', { class: 'signin-alt' }, h('a', { href: `/signup.html?next=${encodeURIComponent(codeNext())}`, text: t('signin.by_code') })),
	);

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		const p = normalisePhone(phone.value);
		setErr(phoneErr, phone, /^1\d{10}$/.test(p) ? '' : t('signin.phone_invalid'));
		setErr(pwErr, pw, pw.value ? '' : t('signin.password_required'));
		formErr.hidden = true;
		if (!phoneErr.hidden) return phone.focus();
		if (!pwErr.hidden) return pw.focus();
		submit.disabled = true;
		submit.textContent = t('signin.busy');
		try {
			const account = await signIn(p, pw.value);
			pw.value = '';
			onDone?.(account);
		} catch (err) {
			let msg;
			if (err.status === 401) msg = isZh() ? err.message : t('signin.bad');
			else if (err.status === 429) msg = isZh() ? err.message : t('signin.slow_down');
			else if (err.status === 0) msg = t('error.offline');
			else msg = err.message;
			if (err.fields?.phone) setErr(phoneErr, phone, err.fields.phone.join('；'));
			if (err.fields?.password) setErr(pwErr, pw, err.fields.password.join('；'));
			formErr.textContent = msg;
			formErr.hidden = false;
			formErr.dataset.status = String(err.status);
			(err.status === 401 ? pw : phone).focus();
		} finally {
			submit.disabled = false;
			submit.textContent = t('signin.submit');
		}
	});

	fill(container, form);
	phone.focus({ preventScroll: true });
	return form;
}
