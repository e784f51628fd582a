// The edit page (/edit.html?id=N) for station managers and street staff:
// temporary closure and reopening at the top (the most frequent job), then
// name, address, phone, description, amenities, weekly hours and dated
// exceptions. The checks here mirror the API's (src/domain/station.c,
// src/api/stations.c); whatever the server still refuses comes back as 422
// field errors, shown next to their fields. Only changed fields are sent.

import { api, csrf, currentAccount } from './api.js';
import { loadCatalog } from './catalog.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, icon, param, fill } from './dom.js';
import { isZh, nameOf, t } from './i18n.js';
import { cityClock, countRanges, dateOf, dayNumOf, EXCEPTIONS_MAX, formatHHMM, nextChange, parseHHMM, RANGES_MAX } from './hours.js';
import { mountSignIn } from './signin.js';
import { errorText, whenText } from './ui.js';
import { photosBox } from './photos.js';

const root = $('#edit');
const id = Number(param('id'));
const NAME_MAX = 64;
const ADDRESS_MAX = 128;
const DESCRIPTION_MAX = 500;
const REASON_MAX = 80;
const DAYS = [1, 2, 3, 4, 5, 6, 7];

let station = null;
let catalog = null;
let form = null; // the editable copy: {name, address, phone, description, amenities:Set, always, days, exceptions}

const chars = (s) => [...(s || '')].length;
const hasControl = (s) => /[\u0000-\u001f\u007f]/.test(s || '');

/* ---------- from the API's shape to the form's and back ---------- */

function toForm(s) {
	const days = Object.fromEntries(DAYS.map((d) => [d, { mode: 'closed', ranges: [] }]));
	for (const r of s.hours.weekly || []) {
		for (const d of r.days) {
			if (!days[d]) continue;
			if (r.open === '00:00' && r.close === '24:00') days[d].mode = 'allday';
			else {
				if (days[d].mode !== 'allday') days[d].mode = 'open';
				days[d].ranges.push({ open: r.open, close: r.close === '24:00' ? '00:00' : r.close });
			}
		}
	}
	for (const d of DAYS) days[d].ranges.sort((a, b) => (a.open < b.open ? -1 : 1));
	return {
		name: s.name,
		address: s.address,
		phone: s.phone || '',
		description: s.description || '',
		amenities: new Set(s.amenities),
		always: !!s.hours.always_open,
		days,
		exceptions: (s.hours.exceptions || []).map((e) => ({
			date: e.date,
			closed: e.closed !== false,
			open: e.open || '09:00',
			close: e.close && e.close !== '24:00' ? e.close : e.close === '24:00' ? '00:00' : '17:00',
			note: e.note || '',
		})),
	};
}

/** "00:00" as a closing time means midnight, which the API spells 24:00. */
const closeOut = (c) => (c === '00:00' ? '24:00' : c);

function weeklyOut(f) {
	const groups = new Map();
	for (const d of DAYS) {
		const day = f.days[d];
		const ranges = day.mode === 'allday' ? [{ open: '00:00', close: '24:00' }] : day.mode === 'open' ? day.ranges.map((r) => ({ open: r.open, close: closeOut(r.close) })) : [];
		for (const r of ranges) {
			const k = `${r.open}-${r.close}`;
			if (!groups.has(k)) groups.set(k, { days: [], open: r.open, close: r.close });
			groups.get(k).days.push(d);
		}
	}
	return [...groups.values()];
}

function exceptionsOut(f) {
	return f.exceptions.map((e) => {
		const o = { date: e.date, closed: e.closed };
		if (!e.closed) {
			o.open = e.open;
			o.close = closeOut(e.close);
		}
		if (e.note.trim()) o.note = e.note.trim();
		return o;
	});
}

function hoursOut(f) {
	const exceptions = exceptionsOut(f);
	return f.always ? { always_open: true, exceptions } : { weekly: weeklyOut(f), exceptions };
}

/** A canonical form of hours, to tell whether they changed. */
function hoursKey(hours) {
	const week = {};
	if (hours.always_open) for (const d of DAYS) week[d] = ['00:00-24:00'];
	else
		for (const r of hours.weekly || []) for (const d of r.days) (week[d] ||= []).push(`${r.open}-${r.close}`);
	for (const d of DAYS) week[d] = (week[d] || []).sort();
	const ex = (hours.exceptions || []).map((e) => `${e.date}|${e.closed !== false}|${e.closed !== false ? '' : `${e.open}-${e.close}`}|${e.note || ''}`).sort();
	return JSON.stringify({ week, ex });
}

/** The PATCH body: only what changed. */
function changes(f) {
	const body = {};
	const name = f.name.trim();
	const address = f.address.trim();
	const phone = f.phone.trim();
	const description = f.description.trim();
	if (name !== station.name) body.name = name;
	if (address !== station.address) body.address = address;
	if (phone !== (station.phone || '')) body.phone = phone;
	if (description !== (station.description || '')) body.description = description;
	const am = [...f.amenities].sort();
	if (JSON.stringify(am) !== JSON.stringify([...station.amenities].sort())) body.amenities = am;
	const hours = hoursOut(f);
	if (hoursKey(hours) !== hoursKey(station.hours)) body.hours = hours;
	return body;
}

/* ---------- checks (the API's rules) ---------- */

function validate(f) {
	const err = {};
	const add = (k, m) => (err[k] ||= []).push(m);
	const name = f.name.trim();
	if (!chars(name) || chars(name) > NAME_MAX || hasControl(name)) add('name', t('v.name', { n: NAME_MAX }));
	const address = f.address.trim();
	if (!chars(address) || chars(address) > ADDRESS_MAX || hasControl(address)) add('address', t('v.address', { n: ADDRESS_MAX }));
	const phone = f.phone.trim();
	if (phone && !/^[0-9+\- ]{5,20}$/.test(phone)) add('phone', t('v.phone'));
	if (chars(f.description.trim()) > DESCRIPTION_MAX) add('description', t('v.description', { n: DESCRIPTION_MAX }));
	if (!f.always) {
		for (const d of DAYS) {
			const day = f.days[d];
			if (day.mode !== 'open') continue;
			if (!day.ranges.length) add(`day.${d}`, t('v.day_empty'));
			for (const r of day.ranges) {
				const o = parseHHMM(r.open);
				const c = parseHHMM(closeOut(r.close));
				if (o < 0 || o >= 1440 || c <= 0) add(`day.${d}`, t('v.time'));
				else if (o === c % 1440) add(`day.${d}`, t('v.same_time'));
			}
		}
		if (countRanges(weeklyOut(f)) > RANGES_MAX) add('hours.weekly', t('v.too_many_ranges', { n: RANGES_MAX }));
	}
	if (f.exceptions.length > EXCEPTIONS_MAX) add('hours.exceptions', t('v.too_many_exceptions', { n: EXCEPTIONS_MAX }));
	const seen = new Set();
	f.exceptions.forEach((e, i) => {
		if (dayNumOf(e.date) === null) add(`ex.${i}`, t('v.date'));
		else if (seen.has(e.date)) add(`ex.${i}`, t('v.date_twice'));
		seen.add(e.date);
		if (!e.closed) {
			const o = parseHHMM(e.open);
			const c = parseHHMM(closeOut(e.close));
			if (o < 0 || o >= 1440 || c <= 0) add(`ex.${i}`, t('v.time'));
			else if (o === c % 1440) add(`ex.${i}`, t('v.same_time'));
		}
		// The server keeps at most 95 bytes of a note (UTF-8: 31 Chinese characters).
		if (new TextEncoder().encode(e.note.trim()).length > 95) add(`ex.${i}`, t('v.note'));
	});
	return err;
}

/** Where a server field error goes: its own slot, else the nearest section. */
function slotFor(field) {
	const direct = root.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
	if (direct) return direct;
	if (field.startsWith('hours.exceptions')) return root.querySelector('[data-error-for="hours.exceptions"]');
	if (field.startsWith('hours')) return root.querySelector('[data-error-for="hours.weekly"]');
	return null;
}

function showErrors(err, summary) {
	for (const p of root.querySelectorAll('.field-error[data-error-for]')) {
		p.textContent = '';
		p.hidden = true;
	}
	for (const el of root.querySelectorAll('[aria-invalid="true"]')) el.setAttribute('aria-invalid', 'false');
	const loose = [];
	let first = null;
	for (const [field, msgs] of Object.entries(err)) {
		const p = slotFor(field);
		if (!p) {
			loose.push(...msgs);
			continue;
		}
		p.textContent = msgs.join('；');
		p.hidden = false;
		const input = root.querySelector(`[data-field="${CSS.escape(field)}"]`);
		input?.setAttribute('aria-invalid', 'true');
		first ||= input || p;
	}
	const n = Object.keys(err).length;
	if (summary) {
		summary.textContent = n ? [t('edit.fix_n', { n }), ...loose].join(' ') : '';
		summary.hidden = !n;
		summary.dataset.kind = 'error';
	}
	if (first) {
		first.scrollIntoView({ block: 'center', behavior: 'smooth' });
		if (first.focus) first.focus({ preventScroll: true });
	}
}

/* ---------- building the form ---------- */

function field({ key, label, input, hint, counter }) {
	input.dataset.field = key;
	input.id ||= `f-${key}`;
	input.setAttribute('aria-describedby', `err-${key}`);
	const count = counter ? h('span', { class: 'counter', 'aria-live': 'polite' }) : null;
	if (counter) {
		const upd = () => {
			const n = chars(input.value.trim());
			count.textContent = `${n}/${counter}`;
			count.classList.toggle('over', n > counter);
		};
		input.addEventListener('input', upd);
		upd();
	}
	return h(
		'div',
		{ class: 'field' },
		h('label', { for: input.id }, label, count),
		input,
		hint ? h('p', { class: 'hint', text: hint }) : null,
		h('p', { class: 'field-error', id: `err-${key}`, dataset: { errorFor: key }, hidden: true }),
	);
}

function textInput(key, value, attrs = {}) {
	const el = h(attrs.multiline ? 'textarea' : 'input', { class: 'input', value, ...attrs, multiline: null });
	el.addEventListener('input', () => {
		form[key] = el.value;
	});
	return el;
}

/** True if the signed-in person may change field k (the station says which). */
function may(k) {
	return !station.editable || station.editable.includes(k);
}

function basics() {
	const locked = t('edit.staff_only');
	return h(
		'fieldset',
		{ class: 'card-section' },
		h('legend', { text: t('edit.basics') }),
		field({ key: 'name', label: t('edit.name'), input: textInput('name', form.name, { maxlength: '80', autocomplete: 'off', required: true, readonly: !may('name') }), counter: NAME_MAX, hint: may('name') ? null : locked }),
		field({ key: 'address', label: t('edit.address'), input: textInput('address', form.address, { maxlength: '160', autocomplete: 'street-address', required: true, readonly: !may('address') }), counter: ADDRESS_MAX, hint: may('address') ? null : locked }),
		field({ key: 'phone', label: t('edit.phone'), input: textInput('phone', form.phone, { type: 'tel', inputmode: 'tel', maxlength: '20', autocomplete: 'off' }), hint: t('edit.phone_hint') }),
		field({ key: 'description', label: t('edit.description'), input: textInput('description', form.description, { multiline: true, rows: '4', maxlength: '600' }), counter: DESCRIPTION_MAX }),
	);
}

function amenitiesBox() {
	const list = catalog?.amenitiesSorted || [...form.amenities].map((code) => ({ code, name_zh: code, name_en: code, icon: '' }));
	return h(
		'fieldset',
		{ class: 'card-section' },
		h('legend', { text: t('edit.amenities') }),
		h(
			'div',
			{ class: 'check-grid', dataset: { field: 'amenities' } },
			list.map((a) => {
				const box = h('input', {
					type: 'checkbox',
					value: a.code,
					checked: form.amenities.has(a.code),
					onchange: (e) => (e.target.checked ? form.amenities.add(a.code) : form.amenities.delete(a.code)),
				});
				return h('label', { class: 'check' }, box, icon(a.icon, 'check-icon'), h('span', { text: nameOf(a) }));
			}),
		),
		h('p', { class: 'field-error', dataset: { errorFor: 'amenities' }, hidden: true }),
	);
}

function timeInput(value, onchange, label) {
	const el = h('input', { class: 'input input-time', type: 'time', value, step: '300', required: true, 'aria-label': label });
	el.addEventListener('change', () => onchange(el.value));
	el.addEventListener('input', () => onchange(el.value));
	return el;
}

function overnight(r) {
	const o = parseHHMM(r.open);
	const c = parseHHMM(r.close);
	return o >= 0 && c >= 0 && c !== 0 && c <= o;
}

function rangeRow(r, onChange, onRemove, dayLabel) {
	const note = h('span', { class: 'overnight', text: t('edit.overnight'), hidden: !overnight(r) });
	const upd = () => {
		note.hidden = !overnight(r);
		onChange();
	};
	return h(
		'div',
		{ class: 'range' },
		timeInput(r.open, (v) => ((r.open = v), upd()), t('edit.open_at', { day: dayLabel })),
		h('span', { class: 'range-dash', 'aria-hidden': 'true', text: '–' }),
		timeInput(r.close, (v) => ((r.close = v), upd()), t('edit.close_at', { day: dayLabel })),
		note,
		onRemove ? h('button', { type: 'button', class: 'btn btn-quiet btn-icon', 'aria-label': t('edit.remove_range'), title: t('edit.remove_range'), text: '×', onclick: onRemove }) : null,
	);
}

function hoursBox() {
	const box = h('fieldset', { class: 'card-section hours-edit', id: 'hours-edit' });
	const draw = () => {
		const always = h('input', {
			type: 'checkbox',
			id: 'always',
			checked: form.always,
			onchange: (e) => {
				form.always = e.target.checked;
				draw();
			},
		});
		const rows = form.always
			? []
			: DAYS.map((d) => {
					const day = form.days[d];
					const label = t(`day.${d}`);
					const mode = h(
						'select',
						{
							class: 'input input-mode',
							'aria-label': t('edit.day_mode', { day: label }),
							dataset: { day: String(d) },
							onchange: (e) => {
								day.mode = e.target.value;
								if (day.mode === 'open' && !day.ranges.length) day.ranges.push({ open: '09:00', close: '18:00' });
								draw();
							},
						},
						['open', 'closed', 'allday'].map((m) => h('option', { value: m, selected: day.mode === m, text: t(`edit.mode.${m}`) })),
					);
					const add =
						day.mode === 'open'
							? h('button', {
									type: 'button',
									class: 'btn btn-quiet btn-small btn-add-range',
									text: t('edit.add_range'),
									'aria-label': t('edit.add_range_to', { day: label }),
									onclick: () => {
										const last = day.ranges[day.ranges.length - 1];
										day.ranges.push({ open: last ? last.close : '14:00', close: '18:00' });
										draw();
									},
								})
							: null;
					return h(
						'div',
						{ class: ['day-row', `mode-${day.mode}`], dataset: { day: String(d) } },
						h('div', { class: 'day-head' }, h('span', { class: 'day-name', text: label }), add, mode),
						day.mode === 'open'
							? h(
									'div',
									{ class: 'day-ranges' },
									day.ranges.map((r, i) =>
										rangeRow(
											r,
											() => {},
											day.ranges.length > 1
												? () => {
														day.ranges.splice(i, 1);
														draw();
													}
												: null,
											label,
										),
									),
								)
							: null,
						h('p', { class: 'field-error', dataset: { errorFor: `day.${d}` }, hidden: true }),
					);
				});
		fill(box, 
			h('legend', { text: t('edit.hours') }),
			h('label', { class: 'check check-wide' }, always, h('span', { text: t('edit.always') })),
			...rows,
			form.always
				? null
				: h(
						'div',
						{ class: 'hours-tools' },
						h('button', {
							type: 'button',
							class: 'btn btn-quiet btn-small',
							text: t('edit.copy_weekdays'),
							onclick: () => {
								const mon = form.days[1];
								for (const d of [2, 3, 4, 5]) form.days[d] = { mode: mon.mode, ranges: mon.ranges.map((r) => ({ ...r })) };
								draw();
							},
						}),
						h('button', {
							type: 'button',
							class: 'btn btn-quiet btn-small',
							text: t('edit.copy_all'),
							onclick: () => {
								const mon = form.days[1];
								for (const d of DAYS.slice(1)) form.days[d] = { mode: mon.mode, ranges: mon.ranges.map((r) => ({ ...r })) };
								draw();
							},
						}),
					),
			h('p', { class: 'hint', text: t('edit.hours_hint') }),
			h('p', { class: 'field-error', dataset: { errorFor: 'hours.weekly' }, hidden: true }),
		);
	};
	draw();
	return box;
}

function exceptionsBox() {
	const box = h('fieldset', { class: 'card-section', id: 'exceptions-edit' });
	const draw = () => {
		const rows = form.exceptions.map((e, i) => {
			const date = h('input', { class: 'input input-date', type: 'date', value: e.date, required: true, 'aria-label': t('edit.ex_date'), dataset: { field: `ex.${i}` } });
			date.addEventListener('change', () => (e.date = date.value));
			date.addEventListener('input', () => (e.date = date.value));
			const kind = h(
				'select',
				{
					class: 'input input-mode',
					'aria-label': t('edit.ex_kind'),
					onchange: (ev) => {
						e.closed = ev.target.value === 'closed';
						draw();
					},
				},
				h('option', { value: 'closed', selected: e.closed, text: t('edit.mode.closed') }),
				h('option', { value: 'open', selected: !e.closed, text: t('edit.ex_special') }),
			);
			const note = h('input', { class: 'input', type: 'text', value: e.note, maxlength: '95', placeholder: t('edit.ex_note'), 'aria-label': t('edit.ex_note') });
			note.addEventListener('input', () => (e.note = note.value));
			return h(
				'div',
				{ class: 'ex-row' },
				h(
					'div',
					{ class: 'ex-line' },
					date,
					kind,
					h('button', {
						type: 'button',
						class: 'btn btn-quiet btn-icon',
						'aria-label': t('edit.remove_exception'),
						title: t('edit.remove_exception'),
						text: '×',
						onclick: () => {
							form.exceptions.splice(i, 1);
							draw();
						},
					}),
				),
				e.closed ? null : rangeRow(e, () => {}, null, e.date),
				note,
				h('p', { class: 'field-error', dataset: { errorFor: `ex.${i}` }, hidden: true }),
			);
		});
		fill(box, 
			h('legend', { text: t('edit.exceptions') }),
			h('p', { class: 'hint', text: t('edit.exceptions_hint') }),
			...rows,
			h('button', {
				type: 'button',
				class: 'btn btn-quiet btn-small',
				text: t('edit.add_exception'),
				disabled: form.exceptions.length >= EXCEPTIONS_MAX,
				onclick: () => {
					const now = cityClock();
					form.exceptions.push({ date: dateOf(now.dayNum + 1), closed: true, open: '09:00', close: '17:00', note: '' });
					draw();
				},
			}),
			h('p', { class: 'field-error', dataset: { errorFor: 'hours.exceptions' }, hidden: true }),
		);
	};
	draw();
	return box;
}

/* ---------- temporary closure ---------- */

/** datetime-local "2026-11-25T18:00" (city time) → RFC 3339 with +08:00 */
function untilOut(v) {
	if (!v) return null;
	const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(v);
	return m ? `${m[1]}T${m[2]}:00+08:00` : null;
}

function cityNowLocalInput() {
	const c = cityClock();
	return `${dateOf(c.dayNum)}T${formatHHMM(c.minute)}`;
}

function instantText(iso) {
	const ms = Date.parse(iso);
	if (!Number.isFinite(ms)) return iso;
	const c = cityClock(ms);
	const [y, m, d] = dateOf(c.dayNum).split('-').map(Number);
	return t('when.date_time', { y, m, d, time: formatHHMM(c.minute) });
}

/**
 * Where the station stands now by its hours, with the next change:
 * "现在：按营业时间休息中（今天 08:00 开门）". The server's open_now decides
 * open or shut; the hours say until when (left out if the two disagree, a
 * minute either side of a change).
 */
function hoursNowText() {
	const now = cityClock();
	const nc = nextChange(station.hours, now);
	const when = nc.open === station.open_now && nc.at ? whenText(nc.at, now) : '';
	if (station.open_now) {
		if (nc.open && !nc.at) return t('edit.now_always');
		return when ? t('edit.now_open_until', { when }) : t('edit.now_open');
	}
	if (!nc.open && !nc.at) return t('edit.now_no_hours');
	return when ? t('edit.now_shut_until', { when }) : t('edit.now_shut');
}

function closureBox() {
	const box = h('section', { class: 'card-section closure', id: 'closure', 'aria-labelledby': 'closure-title' });
	const msg = h('p', { class: 'flash', role: 'status', hidden: true });
	const title = h('h2', { id: 'closure-title', text: t('edit.closure') });
	if (station.closed) {
		const btn = h('button', { type: 'button', class: 'btn btn-open', id: 'reopen', text: t('edit.reopen') });
		btn.addEventListener('click', async () => {
			btn.disabled = true;
			try {
				station = await api.post(`stations/${id}/reopen`);
				box.replaceWith(closureBox());
				flash(t('edit.reopened'), 'ok');
			} catch (e) {
				handleWriteError(e, msg);
				btn.disabled = false;
			}
		});
		box.append(
			title,
			h(
				'div',
				{ class: 'st-status st-status-shut' },
				h('p', { class: 'st-status-main', text: station.closure?.until ? t('edit.closed_until', { when: instantText(station.closure.until) }) : t('edit.closed_open_ended') }),
				station.closure?.reason ? h('p', { class: 'st-reason' }, h('span', { class: 'st-reason-label', text: t('station.closure_reason') }), h('span', { text: station.closure.reason })) : null,
			),
			msg,
			btn,
		);
		return box;
	}
	const reason = h('input', { class: 'input', id: 'f-reason', type: 'text', maxlength: '100', dataset: { field: 'reason' }, 'aria-describedby': 'err-reason', placeholder: t('edit.reason_placeholder') });
	const until = h('input', { class: 'input', id: 'f-until', type: 'datetime-local', min: cityNowLocalInput(), dataset: { field: 'until' }, 'aria-describedby': 'err-until' });
	const reasonErr = h('p', { class: 'field-error', id: 'err-reason', dataset: { errorFor: 'reason' }, hidden: true });
	const untilErr = h('p', { class: 'field-error', id: 'err-until', dataset: { errorFor: 'until' }, hidden: true });
	const quick = ['edit.reason.repair', 'edit.reason.staff', 'edit.reason.weather', 'edit.reason.event'].map((k) =>
		h('button', {
			type: 'button',
			class: 'chip chip-small',
			text: t(k),
			onclick: () => {
				reason.value = t(k);
				reason.focus();
			},
		}),
	);
	const btn = h('button', { type: 'submit', class: 'btn btn-danger', id: 'close-station', text: t('edit.close') });
	const f = h(
		'form',
		{ class: 'closure-form', novalidate: true },
		h('p', { class: 'muted', text: t('edit.closure_intro') }),
		h('div', { class: 'field' }, h('label', { for: 'f-reason', text: t('edit.reason') }), reason, h('div', { class: 'chips chips-wrap' }, quick), reasonErr),
		h('div', { class: 'field' }, h('label', { for: 'f-until', text: t('edit.until') }), until, h('p', { class: 'hint', text: t('edit.until_hint') }), untilErr),
		msg,
		btn,
	);
	f.addEventListener('submit', async (e) => {
		e.preventDefault();
		const r = reason.value.trim();
		const u = untilOut(until.value);
		const err = {};
		if (!chars(r) || chars(r) > REASON_MAX || hasControl(r)) err.reason = [t('v.reason', { n: REASON_MAX })];
		if (until.value && (!u || Date.parse(u) <= Date.now())) err.until = [t('v.until')];
		reasonErr.hidden = !err.reason;
		reasonErr.textContent = err.reason?.[0] || '';
		untilErr.hidden = !err.until;
		untilErr.textContent = err.until?.[0] || '';
		if (err.reason) return reason.focus();
		if (err.until) return until.focus();
		btn.disabled = true;
		try {
			const body = { reason: r };
			if (u) body.until = u;
			station = await api.post(`stations/${id}/close`, body);
			box.replaceWith(closureBox());
			flash(t('edit.closed_done'), 'ok');
		} catch (e2) {
			if (e2.status === 422) {
				reasonErr.hidden = !e2.fields.reason;
				reasonErr.textContent = (e2.fields.reason || []).join('；');
				untilErr.hidden = !e2.fields.until;
				untilErr.textContent = (e2.fields.until || []).join('；');
			}
			handleWriteError(e2, msg);
			btn.disabled = false;
		}
	});
	// The form stays folded until asked for: most visits are about hours.
	f.hidden = true;
	const open = h('button', {
		type: 'button',
		class: 'btn btn-secondary',
		id: 'start-close',
		'aria-expanded': 'false',
		'aria-controls': 'closure-form',
		text: t('edit.close_start'),
		onclick: () => {
			f.hidden = false;
			open.hidden = true;
			open.setAttribute('aria-expanded', 'true');
			reason.focus();
		},
	});
	f.id = 'closure-form';
	box.append(title, h('p', { class: ['st-status-main', station.open_now ? 'is-open' : 'is-off'], id: 'hours-now', text: hoursNowText() }), open, f);
	return box;
}

/* ---------- saving ---------- */

function flash(text, kind) {
	const el = $('#flash');
	el.textContent = text;
	el.dataset.kind = kind;
	el.className = `flash flash-${kind}`;
	el.hidden = false;
	el.scrollIntoView({ block: 'nearest' });
}

function handleWriteError(e, msgEl) {
	if (e.status === 401 || e.type === 'csrf') {
		askSignIn(t('edit.session_lost'));
		return;
	}
	const text = e.status === 422 ? (isZh() ? e.message : t('edit.fix_fields')) : errorText(e);
	if (msgEl) {
		msgEl.textContent = text;
		msgEl.className = 'flash flash-error';
		msgEl.hidden = false;
	} else flash(text, 'error');
}

function askSignIn(message) {
	const dlg = $('#signin-again');
	dlg.hidden = false;
	mountSignIn(dlg, {
		intro: message,
		onDone: () => {
			dlg.hidden = true;
			dlg.replaceChildren();
			renderAccount();
			flash(t('edit.signed_in_again'), 'ok');
		},
	});
	dlg.scrollIntoView({ block: 'start' });
}

async function save(btn, summary) {
	const err = validate(form);
	showErrors(err, summary);
	if (Object.keys(err).length) return;
	const body = changes(form);
	if (!Object.keys(body).length) {
		flash(t('edit.nothing'), 'info');
		return;
	}
	btn.disabled = true;
	btn.textContent = t('edit.saving');
	try {
		station = await api.patch(`stations/${id}`, body);
		location.assign(`/station.html?id=${id}&saved=1`);
	} catch (e) {
		if (e.status === 422) showErrors(e.fields, summary);
		handleWriteError(e, null);
	} finally {
		btn.disabled = false;
		btn.textContent = t('edit.save');
	}
}

function build() {
	form = toForm(station);
	const summary = h('p', { class: 'flash flash-error', id: 'error-summary', role: 'alert', hidden: true });
	const saveBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'save', text: t('edit.save') });
	const main = h(
		'form',
		{ class: 'edit-form', id: 'edit-form', novalidate: true },
		basics(),
		amenitiesBox(),
		hoursBox(),
		exceptionsBox(),
		summary,
		h('div', { class: 'save-bar' }, saveBtn, h('a', { class: 'btn btn-secondary', href: `/station.html?id=${id}`, text: t('action.cancel') })),
	);
	main.addEventListener('submit', (e) => {
		e.preventDefault();
		save(saveBtn, summary);
	});
	document.title = `${t('edit.title', { name: station.name })} · ${t('app.name')}`;
	$('#back').href = `/station.html?id=${id}`;
	fill(root, 
		h('div', { class: 'edit-head' }, h('h1', { text: t('edit.title', { name: station.name }) }), h('a', { href: `/station.html?id=${id}`, text: t('edit.view') })),
		h('div', { id: 'signin-again', class: 'card-section', hidden: true }),
		h('p', { id: 'flash', class: 'flash', role: 'status', hidden: true }),
		closureBox(),
		photosBox(station, { onAuthLost: () => askSignIn(t('edit.session_lost')) }),
		main,
	);
	root.dataset.state = 'ready';
	root.removeAttribute('aria-busy');
}

async function load() {
	root.setAttribute('aria-busy', 'true');
	try {
		const [s, c] = await Promise.all([api.get(`stations/${id}`), loadCatalog().catch(() => null)]);
		station = s;
		catalog = c;
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }));
		root.dataset.state = 'error';
		return;
	}
	if (!station.can_edit) {
		fill(root, 
			h('p', { class: 'flash flash-error', role: 'alert', text: t('edit.not_allowed', { name: station.name }) }),
			h('a', { class: 'btn btn-secondary', href: `/station.html?id=${id}`, text: t('edit.view') }),
		);
		root.dataset.state = 'forbidden';
		return;
	}
	build();
}

async function start() {
	await initChrome();
	if (!Number.isInteger(id) || id <= 0) {
		fill(root, h('p', { class: 'flash flash-error', text: t('error.notfound') }));
		return;
	}
	let account = null;
	try {
		account = await currentAccount();
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', text: errorText(e) }));
		return;
	}
	renderAccount();
	// Signed in but without this tab's CSRF token (a new tab): writes would be
	// refused, so sign in again here first.
	if (!account || !csrf.get()) {
		const box = h('section', { class: 'card-section narrow' });
		fill(root, box);
		root.dataset.state = 'signin';
		root.removeAttribute('aria-busy');
		mountSignIn(box, {
			intro: account ? t('edit.session_lost') : t('edit.signin_intro'),
			onDone: () => {
				renderAccount();
				load();
			},
		});
		return;
	}
	load();
}

start();
