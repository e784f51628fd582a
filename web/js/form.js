// Form helpers shared by the pages that edit a noun: a labelled field with
// its error slot, and the answer's field errors shown next to their fields.

import { h, say } from './dom.js';

/** A field: label, input (its data-field is key), hint, error slot. */
export function fieldBox(key, label, input, hint) {
	input.dataset.field = key;
	input.id ||= `f-${key}-${Math.random().toString(36).slice(2, 8)}`;
	const err = h('p', { class: 'field-error', dataset: { errorFor: key }, hidden: true });
	err.id = `${input.id}-err`;
	input.setAttribute('aria-describedby', err.id);
	return h('div', { class: 'field' }, label ? h('label', { for: input.id, text: label }) : null, input, hint ? h('p', { class: 'hint', text: hint }) : null, err);
}

/** Shows fields ({field: [messages]}) by their inputs; the rest and message in summary. */
export function showErrors(form, fields, summary, message) {
	for (const p of form.querySelectorAll('.field-error')) {
		p.hidden = true;
		p.textContent = '';
	}
	for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.setAttribute('aria-invalid', 'false');
	const loose = [];
	let first = null;
	for (const [field, msgs] of Object.entries(fields)) {
		const p = form.querySelector(`.field-error[data-error-for="${CSS.escape(field)}"]`);
		if (!p) {
			loose.push(...msgs);
			continue;
		}
		p.textContent = msgs.join('；');
		p.hidden = false;
		const input = form.querySelector(`[data-field="${CSS.escape(field)}"]`);
		input?.setAttribute('aria-invalid', 'true');
		first ||= input || p;
	}
	say(summary, [message, ...loose].filter(Boolean).join(' '), 'error');
	first?.focus?.();
}
