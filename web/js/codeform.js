// Sign-up and sign-in by SMS code, as one form: the phone number, 获取验证码
// (then a countdown until another may be asked for), the six digits, and
// what the account needs. Two shapes:
//   full  (signup.html): after the code, the profile — name, categories,
//         platform, volunteer roles — and the consent notice, then 注册.
//   quick (inline on the check-in page): the code and the consent at once;
//         the server says whether the number is new (it asks for a name),
//         and only then are name and categories asked for.
// Errors come as the server words them, next to their fields.

import { requestCode, signUp } from './api.js';
import { h, fill } from './dom.js';
import { isZh, t } from './i18n.js';
import { CONSENT_VERSION, chipGroup, consentNotice, loadPeopleCatalog, platformSelect } from './people.js';
import { normalisePhone } from './signin.js';

let seq = 0;
const NAME_MAX = 40;

/**
 * Builds the form in container. onDone(session) after the server signed the
 * person in (session: {account, person_id, new_account, csrf_token}).
 * Resolves to the form element.
 */
export async function mountCodeForm(container, { mode = 'full', title, intro, submitLabel, newSubmitLabel, onDone } = {}) {
	const quick = mode === 'quick';
	const id = `cf${++seq}`;
	const catalog = await loadPeopleCatalog().catch(() => null);

	const errP = (field) => h('p', { id: `${id}-${field}-err`, class: 'field-error', hidden: true, dataset: { errorFor: field } });
	const errs = { phone: errP('phone'), code: errP('code'), name: errP('name'), categories: errP('categories'), platform: errP('platform'), roles: errP('roles'), consent_version: errP('consent_version') };

	const phone = h('input', { id: `${id}-phone`, name: 'phone', class: 'input', type: 'tel', inputmode: 'numeric', autocomplete: 'tel-national', maxlength: '20', required: true, 'aria-describedby': errs.phone.id });
	const send = h('button', { type: 'button', class: 'btn btn-secondary code-send', id: `${id}-send`, text: t('code.send') });
	const sentNote = h('p', { class: 'hint code-sent', role: 'status', hidden: true });
	const code = h('input', { id: `${id}-code`, name: 'code', class: 'input code-input', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', pattern: '[0-9]*', required: true, 'aria-describedby': errs.code.id });
	const next = h('button', { type: 'button', class: 'btn btn-secondary btn-block', text: t('code.next') });
	const name = h('input', { id: `${id}-name`, name: 'name', class: 'input', type: 'text', autocomplete: 'name', maxlength: String(NAME_MAX), required: true, 'aria-describedby': errs.name.id });
	const cats = chipGroup(catalog?.categories || [], [], { labelId: `${id}-cats-label`, name: 'categories' });
	const platform = quick ? null : platformSelect(catalog, '', { id: `${id}-platform`, name: 'platform', 'aria-describedby': errs.platform.id });
	const roles = quick ? null : chipGroup(catalog?.roles || [], [], { labelId: `${id}-roles-label`, name: 'roles' });
	const agree = h('input', { type: 'checkbox', name: 'consent', id: `${id}-consent`, 'aria-describedby': errs.consent_version.id });
	const formErr = h('p', { class: 'form-error', role: 'alert', hidden: true });
	const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: submitLabel || t('code.submit') });

	const codeStep = h(
		'div',
		{ class: 'code-step', hidden: true },
		h('div', { class: 'field' }, h('label', { for: code.id, text: t('code.code') }), code, errs.code),
		quick ? null : next,
	);
	const profile = h(
		'div',
		{ class: 'code-profile', hidden: true },
		quick ? h('p', { class: 'note', role: 'status', text: t('code.first_time') }) : null,
		h('div', { class: 'field' }, h('label', { for: name.id, text: t('people.name') }), name, errs.name),
		h('div', { class: 'field' }, h('p', { class: 'field-label', id: `${id}-cats-label`, text: t('people.categories') }), cats, errs.categories),
		platform ? h('div', { class: 'field' }, h('label', { for: platform.id, text: t('people.platform') }), platform, errs.platform) : null,
		roles ? h('div', { class: 'field' }, h('p', { class: 'field-label', id: `${id}-roles-label`, text: t('people.roles') }), h('p', { class: 'hint hint-above', text: t('people.roles_hint') }), roles, errs.roles) : null,
	);
	const consent = h(
		'div',
		{ class: 'code-consent', hidden: true },
		consentNotice({ short: quick }),
		h('label', { class: 'check check-wide', for: agree.id }, agree, h('span', { text: t('consent.agree') })),
		errs.consent_version,
	);
	const finish = h('div', { class: 'code-finish', hidden: true }, formErr, submit);

	const form = h(
		'form',
		{ class: ['codeform', quick && 'codeform-quick'], novalidate: true, dataset: { mode } },
		title === null ? null : h('h2', { class: 'signin-title', text: title || t('code.title') }),
		intro === null ? null : h('p', { class: 'muted', text: intro || t('code.intro') }),
		h('div', { class: 'field' }, h('label', { for: phone.id, text: t('signin.phone') }), h('div', { class: 'input-row' }, phone, send), errs.phone, sentNote),
		codeStep,
		profile,
		consent,
		finish,
	);

	agree.addEventListener('change', () => {
		if (agree.checked) errs.consent_version.hidden = true;
	});
	const setErr = (field, msg) => {
		const p = errs[field];
		if (!p) return false;
		p.textContent = msg || '';
		p.hidden = !msg;
		const input = { phone, code, name, platform }[field];
		input?.setAttribute('aria-invalid', msg ? 'true' : 'false');
		return true;
	};
	const clearErrs = () => {
		for (const f of Object.keys(errs)) setErr(f, '');
		formErr.hidden = true;
	};
	const showForm = (msg) => {
		formErr.textContent = msg;
		formErr.hidden = !msg;
	};

	let sentTo = null;
	let timer = 0;
	let profileShown = false;

	/** The send button counts down to when another code may be asked for. */
	const countdown = (s) => {
		clearInterval(timer);
		let left = Math.max(0, Math.ceil(s));
		const tick = () => {
			if (left <= 0) {
				clearInterval(timer);
				send.disabled = false;
				send.textContent = sentTo ? t('code.resend') : t('code.send');
				return;
			}
			send.disabled = true;
			send.textContent = t('code.wait', { n: left });
			left -= 1;
		};
		tick();
		if (left >= 0) timer = setInterval(tick, 1000);
	};

	const showStep = (el) => {
		el.hidden = false;
	};
	const showProfile = () => {
		profileShown = true;
		showStep(profile);
		showStep(consent);
		showStep(finish);
		next.hidden = true;
		if (quick && newSubmitLabel) submit.textContent = newSubmitLabel;
	};

	send.addEventListener('click', async () => {
		clearErrs();
		const p = normalisePhone(phone.value);
		if (!/^1\d{10}$/.test(p)) {
			setErr('phone', t('signin.phone_invalid'));
			phone.focus();
			return;
		}
		send.disabled = true;
		send.textContent = t('code.sending');
		try {
			const r = await requestCode(p);
			sentTo = p;
			sentNote.textContent = t('code.sent', { phone: r.phone, min: Math.round((r.expires_in_s || 300) / 60) });
			sentNote.hidden = false;
			showStep(codeStep);
			if (quick) {
				showStep(consent);
				showStep(finish);
			}
			countdown(r.resend_after_s || 60);
			code.focus();
		} catch (err) {
			if (err.fields?.phone) setErr('phone', err.fields.phone.join('；'));
			else if (err.status === 429) showForm(isZh() ? err.message : t('code.slow_down'));
			else if (err.status === 0) showForm(t('error.offline'));
			else showForm(err.message);
			if (!formErr.hidden) showStep(finish);
			countdown(err.status === 429 ? err.retryAfter || 60 : 0);
		}
	});

	// Enter in the number field asks for the code rather than submitting.
	phone.addEventListener('keydown', (e) => {
		if (e.key === 'Enter') {
			e.preventDefault();
			if (!send.disabled) send.click();
		}
	});

	const codeOk = () => {
		code.value = code.value.replace(/\D/g, '');
		if (!/^\d{6}$/.test(code.value)) {
			setErr('code', t('code.code_invalid'));
			code.focus();
			return false;
		}
		return true;
	};

	next.addEventListener('click', () => {
		clearErrs();
		if (!codeOk()) return;
		showProfile();
		name.focus();
	});

	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		clearErrs();
		const p = normalisePhone(phone.value);
		if (!sentTo || p !== sentTo) {
			setErr('phone', sentTo ? t('code.phone_changed') : t('code.send_first'));
			phone.focus();
			return;
		}
		if (!codeOk()) return;
		if (!quick && !profileShown) {
			showProfile();
			name.focus();
			return;
		}
		if (profileShown && !name.value.trim()) {
			setErr('name', t('people.name_required'));
			name.focus();
			return;
		}
		if (!agree.checked) {
			setErr('consent_version', t('consent.required'));
			agree.focus();
			return;
		}
		const body = { phone: p, code: code.value, consent_version: CONSENT_VERSION };
		if (profileShown) {
			body.name = name.value.trim();
			// Only what was chosen: an account that exists keeps what it has.
			const c = cats.values();
			if (c.length) body.categories = c;
			if (platform?.value) body.platform = platform.value;
			const r = roles?.values() || [];
			if (r.length) body.roles = r;
		}
		submit.disabled = true;
		const label = submit.textContent;
		submit.textContent = t('code.busy');
		try {
			const s = await signUp(body);
			clearInterval(timer);
			code.value = '';
			await onDone?.(s);
		} catch (err) {
			const fields = Object.keys(err.fields || {});
			if (err.status === 422 && quick && !profileShown && fields.length === 1 && fields[0] === 'name') {
				// A new number: now the name and the categories.
				showProfile();
				name.focus();
				return;
			}
			let focus = null;
			for (const f of fields) {
				if (setErr(f, err.fields[f].join('；'))) focus ||= { phone, code, name, platform, consent_version: agree }[f];
				else showForm(err.fields[f].join('；'));
			}
			if (err.type === 'code-tries-exhausted') {
				code.value = '';
				countdown(0);
			}
			if (!fields.length) showForm(err.status === 0 ? t('error.offline') : err.message);
			formErr.dataset.status = String(err.status);
			(focus || (formErr.hidden ? code : submit)).focus();
		} finally {
			submit.disabled = false;
			if (submit.textContent === t('code.busy')) submit.textContent = label;
		}
	});

	fill(container, form);
	return form;
}
