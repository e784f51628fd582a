// Room bookings (/rooms.html): a station's room calendar (?station=ID) —
// a week of days, each room's hours cut into hour slots, free ones a tap
// away from the booking form — my bookings with cancel and check-in, and
// the managers' list to approve or decline. Times are the city's (UTC+8).

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon } from './dom.js';
import { t } from './i18n.js';
import { signedOut } from './loop.js';
import { errorText } from './ui.js';

const root = $('#rooms');
const params = new URLSearchParams(location.search);
const station = Number(params.get('station')) || 0;
const MANAGE_ROLES = new Set(['admin', 'staff', 'manager']);
const DAYS = 7;

let account = null;
let tab = params.get('tab') || (station ? 'calendar' : 'mine');
let day = null; // YYYY-MM-DD shown
let cal = null; // the calendar answer
const ui = {};

/** Today in the city, as YYYY-MM-DD. */
const cityToday = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const addDays = (date, n) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86400e3).toISOString().slice(0, 10);
/** ISO weekday 1 (Monday) … 7 (Sunday) of a date. */
const weekday = (date) => new Date(`${date}T00:00:00Z`).getUTCDay() || 7;
const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const at = (date, m) => `${date}T${hhmm(m)}:00+08:00`;
/** Date and minute of an RFC 3339 time the server wrote (+08:00). */
const dateOf = (s) => s.slice(0, 10);
const minuteOf = (s) => minutes(s.slice(11, 16));
const stateName = (b) => {
	const s = t(`rooms.state.${b.state}`);
	return s === `rooms.state.${b.state}` ? b.state_name : s;
};
const kindName = (r) => {
	const s = t(`rooms.kind.${r.kind}`);
	return s === `rooms.kind.${r.kind}` ? r.kind_name : s;
};

function say(e, kind = 'error') {
	ui.flash.textContent = e ? (typeof e === 'string' ? e : errorText(e)) : '';
	ui.flash.className = `flash flash-${kind}`;
	ui.flash.hidden = !e;
	if (e) ui.flash.scrollIntoView({ block: 'nearest' });
}

/** The room's opening ranges on date, in minutes [open, close). */
function rangesOn(room, date) {
	const ex = room.hours.exceptions.find((e) => e.date === date);
	if (ex) return ex.closed ? [] : [[minutes(ex.open), Math.max(minutes(ex.close), minutes(ex.open) < minutes(ex.close) ? 0 : 1440)]];
	const wd = weekday(date);
	return room.hours.weekly
		.filter((r) => r.days.includes(wd))
		.map((r) => {
			const o = minutes(r.open);
			const c = minutes(r.close);
			return [o, c <= o ? 1440 : c];
		})
		.sort((a, b) => a[0] - b[0]);
}

/** Hour slots of a room on date: {from, to, booking?}. */
function slotsOf(room, date) {
	const mine = cal.bookings.filter((b) => b.room_id === room.id && dateOf(b.starts_at) === date);
	const out = [];
	for (const [o, c] of rangesOn(room, date))
		for (let m = o; m + 30 <= c; m += 60) {
			const to = Math.min(m + 60, c);
			const booking = mine.find((b) => minuteOf(b.starts_at) < to && (dateOf(b.ends_at) > date ? 1440 : minuteOf(b.ends_at)) > m);
			out.push({ from: m, to, booking });
		}
	return out;
}

function badge(b) {
	return h('span', { class: `badge room-state room-state-${b.state}`, text: stateName(b) });
}

function timeText(b) {
	return `${dateOf(b.starts_at).slice(5)} ${b.starts_at.slice(11, 16)}–${b.ends_at.slice(11, 16)}`;
}

// The calendar

function bookingForm(room, slot) {
	const close = Math.max(...rangesOn(room, day).map((r) => r[1]));
	const starts = [];
	for (const [o, c] of rangesOn(room, day)) for (let m = o; m < c; m += 30) starts.push(m);
	const startSel = h('select', { class: 'input', id: 'room-start', name: 'start' }, starts.map((m) => h('option', { value: String(m), text: hhmm(m), selected: m === slot.from })));
	const endSel = h('select', { class: 'input', id: 'room-end', name: 'end' });
	const fillEnds = () => {
		const s = Number(startSel.value);
		const ends = [];
		for (let m = s + 30; m <= Math.min(close, s + room.max_minutes); m += 30) ends.push(m);
		const want = Number(endSel.value) > s ? Number(endSel.value) : slot.to;
		fill(endSel, ends.map((m) => h('option', { value: String(m), text: hhmm(m), selected: m === want })));
	};
	fillEnds();
	startSel.addEventListener('change', fillEnds);
	const group = h('input', { class: 'input', id: 'room-group', name: 'group_name', maxlength: '60', autocomplete: 'off', placeholder: t('rooms.form.group_ph') });
	const purpose = h('input', { class: 'input', id: 'room-purpose', name: 'purpose', maxlength: '200', autocomplete: 'off', placeholder: t('rooms.form.purpose_ph') });
	const people = h('input', { class: 'input', id: 'room-attendees', name: 'attendees', type: 'number', inputmode: 'numeric', min: '1', max: room.capacity ? String(room.capacity) : null, value: '5' });
	const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
	const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit', id: 'room-submit' }, icon('check-check', 'ico'), h('span', { text: t('rooms.form.submit') }));
	const field = (id, label, input) => h('div', { class: 'field' }, h('label', { for: id, text: label }), input);
	const form = h(
		'form',
		{ class: 'card-section room-form', id: 'room-form', novalidate: true },
		h('div', { class: 'room-form-head' }, h('h2', { text: `${room.name} · ${day.slice(5)}` }), h('button', { type: 'button', class: 'btn btn-quiet btn-icon', 'aria-label': t('action.close'), onclick: () => form.remove() }, icon('x', 'ico'))),
		field('room-group', t('rooms.form.group'), group),
		field('room-purpose', t('rooms.form.purpose'), purpose),
		field('room-attendees', room.capacity ? t('rooms.form.attendees_max', { n: room.capacity }) : t('rooms.form.attendees'), people),
		h('div', { class: 'room-times' }, field('room-start', t('rooms.form.start'), startSel), field('room-end', t('rooms.form.end'), endSel)),
		err,
		submit,
	);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		err.hidden = true;
		submit.disabled = true;
		try {
			await api.post(`rooms/${room.id}/bookings`, {
				group_name: group.value.trim(),
				purpose: purpose.value.trim(),
				attendees: Number(people.value),
				starts_at: at(day, Number(startSel.value)),
				ends_at: at(day, Number(endSel.value)),
			});
			form.remove();
			say(t('rooms.booked'), 'ok');
			await loadCalendar();
		} catch (e) {
			err.textContent = e.fields ? [errorText(e), ...Object.values(e.fields).flat()].filter((x, i, a) => a.indexOf(x) === i).join(' ') : errorText(e);
			err.hidden = false;
			submit.disabled = false;
		}
	});
	return form;
}

function roomCard(room) {
	const slots = slotsOf(room, day);
	const now = Date.now();
	const list = h(
		'div',
		{ class: 'room-slots', role: 'list' },
		slots.map((s) => {
			const past = Date.parse(at(day, s.to)) <= now;
			const label = `${hhmm(s.from)}–${hhmm(s.to)}`;
			if (s.booking)
				return h('div', { class: `room-slot room-slot-taken room-state-${s.booking.state}`, role: 'listitem', dataset: { from: hhmm(s.from), booking: String(s.booking.id) } }, h('span', { class: 'room-slot-time', text: label }), h('span', { class: 'room-slot-who', text: s.booking.group_name }), h('span', { class: 'room-slot-state', text: stateName(s.booking) }));
			const b = h('button', { type: 'button', class: 'room-slot room-slot-free', role: 'listitem', disabled: past || !room.bookable, dataset: { from: hhmm(s.from) } }, h('span', { class: 'room-slot-time', text: label }), h('span', { class: 'room-slot-who', text: past ? t('rooms.past') : t('rooms.free') }));
			b.addEventListener('click', () => {
				$('#room-form')?.remove();
				if (!account) {
					location.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
					return;
				}
				const form = bookingForm(room, s);
				card.append(form);
				form.querySelector('#room-group').focus();
			});
			return b;
		}),
	);
	const card = h(
		'section',
		{ class: 'card-section room-card', dataset: { room: String(room.id) } },
		h('div', { class: 'room-head' }, h('h2', { class: 'room-name', text: room.name }), h('span', { class: 'badge', text: kindName(room) })),
		h('p', { class: 'muted room-meta' }, h('span', {}, icon('users', 'ico'), ` ${room.capacity ? t('rooms.capacity', { n: room.capacity }) : t('rooms.capacity_any')}`), h('span', {}, icon('clock', 'ico'), ` ${t('rooms.max', { n: room.max_minutes })}`)),
		room.note ? h('p', { class: 'room-note', text: room.note }) : null,
		!room.bookable ? h('p', { class: 'muted', text: t('rooms.not_bookable') }) : slots.length ? list : h('p', { class: 'muted', text: t('rooms.closed_day') }),
	);
	return card;
}

function renderCalendar() {
	const today = cityToday();
	const chips = h(
		'div',
		{ class: 'room-days', role: 'tablist', 'aria-label': t('rooms.days') },
		Array.from({ length: DAYS }, (_, i) => {
			const d = addDays(today, i);
			const b = h('button', { type: 'button', role: 'tab', class: 'room-day', 'aria-selected': String(d === day), dataset: { date: d } }, h('span', { class: 'room-day-wd', text: i === 0 ? t('rooms.today') : t(`rooms.wd.${weekday(d)}`) }), h('span', { class: 'room-day-date', text: d.slice(5).replace('-', '/') }));
			b.addEventListener('click', () => {
				day = d;
				renderCalendar();
			});
			return b;
		}),
	);
	fill(ui.panel, chips, cal.rooms.length ? cal.rooms.map(roomCard) : h('p', { class: 'empty muted', text: t('rooms.none') }));
}

async function loadCalendar() {
	cal = await api.get(`stations/${station}/room-calendar`, { query: { from: cityToday(), days: DAYS } });
	renderCalendar();
	root.dataset.loads = String(Number(root.dataset.loads || 0) + 1);
}

// My bookings and the managers' list

function stepButton(b, action, extra) {
	const cls = action === 'approve' || action === 'check_in' ? 'btn-primary' : 'btn-secondary';
	const btn = h('button', { type: 'button', class: `btn ${cls} btn-small`, dataset: { action } }, h('span', { text: t(`rooms.action.${action}`) }));
	btn.addEventListener('click', async () => {
		let reason;
		if (action === 'decline') {
			const input = extra.querySelector('input');
			if (extra.hidden) {
				extra.hidden = false;
				input.focus();
				return;
			}
			reason = input.value.trim();
		}
		btn.disabled = true;
		try {
			await api.post(`room-bookings/${b.id}/steps`, { action, reason, version: b.version });
			say(t(`rooms.done.${action}`), 'ok');
			await load();
		} catch (e) {
			say(e);
			btn.disabled = false;
		}
	});
	return btn;
}

function bookingCard(b, managing) {
	const reason = h('div', { class: 'field room-reason', hidden: true }, h('label', { for: `reason-${b.id}`, text: t('rooms.reason') }), h('input', { class: 'input', id: `reason-${b.id}`, maxlength: '200' }));
	const acts = b.actions.map((a) => stepButton(b, a, reason));
	return h(
		'li',
		{ class: 'rq-card room-booking', dataset: { id: String(b.id), state: b.state } },
		h(
			'div',
			{ class: 'rq-link' },
			h('span', { class: 'rq-top' }, h('span', { class: 'rq-kind', text: `${b.station_name} · ${b.room_name}` }), badge(b)),
			h('span', { class: 'rq-title', text: `${timeText(b)}  ${b.group_name}` }),
			h('span', { class: 'rq-meta' }, h('span', { text: t('rooms.people', { n: b.attendees }) }), b.purpose ? h('span', { text: b.purpose }) : null, managing && b.booker ? h('span', { text: t('rooms.by', { name: b.booker.name }) }) : null),
			b.decline_reason ? h('span', { class: 'rq-meta', text: t('rooms.declined_for', { reason: b.decline_reason }) }) : null,
		),
		acts.length ? h('div', { class: 'rq-actions room-actions' }, reason, ...acts) : null,
	);
}

async function loadList(managing) {
	const page = await api.get(managing ? 'room-bookings' : 'me/room-bookings', { query: { limit: 100 } });
	fill(ui.panel, page.items.length ? h('ol', { class: 'rq-list', id: managing ? 'rooms-manage' : 'rooms-mine' }, page.items.map((b) => bookingCard(b, managing))) : h('p', { class: 'empty muted', text: t(managing ? 'rooms.empty.manage' : 'rooms.empty.mine') }));
	root.dataset.loads = String(Number(root.dataset.loads || 0) + 1);
}

async function load() {
	for (const [code, b] of Object.entries(ui.tabs)) b.setAttribute('aria-selected', String(code === tab));
	if (tab === 'calendar') return loadCalendar();
	return loadList(tab === 'manage');
}

async function start() {
	await initChrome();
	try {
		account = await currentAccount();
		if (!account && !station) return signedOut(root, t('rooms.title'), t('rooms.signin_intro'));
		if (account) renderAccount();
		day = cityToday();
		const manages = account?.roles?.some((r) => MANAGE_ROLES.has(r.role));
		const codes = [station ? 'calendar' : null, account ? 'mine' : null, manages ? 'manage' : null].filter(Boolean);
		if (!codes.includes(tab)) tab = codes[0];
		ui.tabs = {};
		const tabs = h(
			'div',
			{ class: 'tabs', role: 'tablist', 'aria-label': t('rooms.title') },
			codes.map((code) => {
				const b = h('button', { type: 'button', role: 'tab', class: 'tab', id: `tab-${code}`, 'aria-controls': 'rooms-panel', text: t(`rooms.tab.${code}`) });
				b.addEventListener('click', () => {
					tab = code;
					const q = new URLSearchParams(location.search);
					q.set('tab', tab);
					history.replaceState(null, '', `?${q}`);
					say(null);
					load().catch(say);
				});
				ui.tabs[code] = b;
				return b;
			}),
		);
		ui.panel = h('div', { id: 'rooms-panel', role: 'tabpanel', 'aria-live': 'polite' });
		ui.flash = h('p', { class: 'flash', role: 'status', hidden: true });
		ui.stationName = h('p', { class: 'muted room-station' });
		fill(root, h('div', { class: 'section-head' }, h('h1', { text: t('rooms.title') }), station ? h('a', { class: 'btn btn-secondary btn-small', href: `/station.html?id=${station}` }, h('span', { text: t('rooms.to_station') })) : null), ui.stationName, codes.length > 1 ? tabs : null, ui.flash, ui.panel);
		if (station)
			api.get(`stations/${station}`)
				.then((s) => (ui.stationName.textContent = s.name))
				.catch(() => {});
		await load();
		root.dataset.state = 'ready';
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }));
		root.dataset.state = 'error';
	}
}

start();
