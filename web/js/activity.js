// One activity (/activity.html?id=N): what, when, where and the seats;
// signing up, cancelling, the place on the waitlist; the check-in after
// scanning the activity's code (?t=TOKEN: the signed-in person confirms);
// for its organisers the code to show at the station and the attendance
// sheet (mark attended or no-show), publish and cancel. ?new=1 and
// &edit=1 are the organisers' simple form.

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon, param } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './ui.js';
import { when } from './activities.js';

const root = $('#activity');
const id = param('id');
const token = param('t');
let account = null;
let a = null;

function flash(text, kind = 'error') {
	const f = $('#act-flash');
	if (!f) return;
	f.textContent = text || '';
	f.className = `flash flash-${kind}`;
	f.hidden = !text;
}

async function act(fn, okText) {
	try {
		const r = await fn();
		if (r && r.id === a?.id) a = r;
		await show();
		const text = typeof okText === 'function' ? okText() : okText;
		if (text) flash(text, 'ok');
	} catch (e) {
		flash(errorText(e));
	}
}

function row(label, value) {
	return value ? h('div', { class: 'act-row' }, h('dt', { text: label }), h('dd', {}, value)) : null;
}

/** The scan's confirmation: the code was read, the person confirms. */
function checkinBox() {
	if (!token) return null;
	if (!account)
		return h('section', { class: 'card-section act-checkin', id: 'act-checkin' }, h('p', { text: t('act.checkin_signin') }), h('a', { class: 'btn btn-primary btn-block', href: `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`, text: t('nav.signin') }));
	const done = a.my_signup?.state === 'attended';
	const b = h('button', { type: 'button', class: 'btn btn-primary btn-block', id: 'act-attend', disabled: done }, icon('check-check', 'ico'), h('span', { text: t(done ? 'act.attended' : 'act.checkin') }));
	let already = false;
	b.addEventListener('click', () =>
		act(
			async () => {
				already = (await api.post(`activities/${id}/attend`, { token })).already;
				return api.get(`activities/${id}`);
			},
			() => t(already ? 'act.attended_already' : 'act.attended_now'),
		),
	);
	return h('section', { class: 'card-section act-checkin', id: 'act-checkin' }, h('h2', { text: t('act.checkin_title') }), b);
}

function signupBox() {
	const s = a.my_signup;
	const box = h('section', { class: 'card-section act-signup', id: 'act-signup' });
	if (s && s.state !== 'cancelled') {
		const text = s.state === 'waitlisted' ? t('act.waitlist_pos', { n: s.waitlist_position }) : t(`act.signup.${s.state}`);
		box.append(h('p', { class: 'act-mine', id: 'act-mine', text }));
	}
	if (a.state !== 'published') return box;
	if (!account) {
		box.append(h('a', { class: 'btn btn-primary btn-block', href: `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`, text: t('act.signin_to_join') }));
		return box;
	}
	if (!s || s.state === 'cancelled') {
		const full = a.seats_left <= 0;
		const b = h('button', { type: 'button', class: 'btn btn-primary btn-block', id: 'act-join' }, h('span', { text: t(full ? 'act.join_waitlist' : 'act.join') }));
		b.addEventListener('click', () => act(() => api.post(`activities/${id}/signup`, {}), t('act.joined')));
		box.append(b);
	} else if (s.state === 'signed' || s.state === 'waitlisted') {
		const b = h('button', { type: 'button', class: 'btn btn-secondary btn-block', id: 'act-leave', text: t('act.leave') });
		b.addEventListener('click', () => act(() => api.del(`activities/${id}/signup`), t('act.left')));
		box.append(b, h('p', { class: 'muted', text: t('act.cutoff', { at: when(a.signup_cutoff_at) }) }));
	}
	return box;
}

async function sheetBox() {
	const box = h('section', { class: 'card-section act-organiser', id: 'act-organiser' }, h('h2', { text: t('act.organiser') }));
	const buttons = h('div', { class: 'rq-actions' });
	if (a.state === 'draft') buttons.append(h('button', { type: 'button', class: 'btn btn-primary btn-small', id: 'act-publish', onclick: () => act(() => api.post(`activities/${id}/publish`, {}), t('act.published')), text: t('act.publish') }));
	if (a.state === 'draft' || a.state === 'published') {
		buttons.append(h('a', { class: 'btn btn-secondary btn-small', href: `/activity.html?id=${id}&edit=1`, id: 'act-edit', text: t('act.edit') }));
		buttons.append(
			h('button', {
				type: 'button',
				class: 'btn btn-danger btn-small',
				id: 'act-cancel',
				onclick: () => {
					const reason = prompt(t('act.cancel_reason'));
					if (reason) act(() => api.post(`activities/${id}/cancel`, { reason }), t('act.cancelled'));
				},
				text: t('act.cancel'),
			}),
		);
	}
	box.append(buttons);
	if (a.state === 'published') {
		box.append(
			h('figure', { class: 'act-qr' }, h('img', { src: `/api/v1/activities/${id}/qr.svg`, alt: t('act.qr_alt'), id: 'act-qr', width: 240, height: 240 }), h('figcaption', { class: 'muted', text: t('act.qr_hint') })),
		);
	}
	const sheet = await api.get(`activities/${id}/sheet`);
	const c = sheet.counts;
	box.append(h('p', { class: 'muted', id: 'act-counts', text: t('act.counts', { signed: c.signed, waitlisted: c.waitlisted, attended: c.attended, no_show: c.no_show }) }));
	const list = h('ol', { class: 'act-sheet', id: 'act-sheet' });
	for (const s of sheet.items) {
		if (s.state === 'cancelled') continue;
		const mark = (state) =>
			h('button', {
				type: 'button',
				class: `btn btn-small ${state === 'attended' ? 'btn-primary' : 'btn-quiet'}`,
				'data-mark': state,
				onclick: () => act(() => api.post(`activities/${id}/sheet`, { account_id: s.account.id, state }), t('act.marked')),
				text: t(`act.mark.${state}`),
			});
		list.append(
			h(
				'li',
				{ class: 'act-sheet-row', 'data-account': s.account.id, 'data-state': s.state },
				h('span', { class: 'act-sheet-name', text: s.account.name }),
				h('span', { class: `badge act-badge-${s.state}`, text: t(`act.signup.${s.state}`) }),
				s.state === 'attended' ? null : h('span', { class: 'act-sheet-do' }, mark('attended'), s.state === 'signed' ? mark('no_show') : null),
			),
		);
	}
	box.append(list);
	return box;
}

async function show() {
	const manage = a.may_manage;
	const where = a.station ? h('a', { href: `/station.html?id=${a.station.id}`, text: a.station.name + (a.place ? ` · ${a.place}` : '') }) : a.place;
	const detail = h(
		'section',
		{ class: 'card-section act-detail' },
		h('p', { class: 'rq-kind', text: t(`act.kind.${a.kind}`) }),
		h('h1', { class: 'act-h1', id: 'act-title', text: a.title }),
		a.state !== 'published' ? h('span', { class: 'badge badge-shut', id: 'act-state', text: t(`act.state.${a.state}`) }) : null,
		h(
			'dl',
			{ class: 'act-facts' },
			row(t('act.when'), `${when(a.starts_at)} – ${a.ends_at.slice(11, 16)}`),
			row(t('act.where'), where),
			row(t('act.seats'), a.seats_left > 0 ? t('act.seats_left_of', { n: a.seats_left, cap: a.capacity }) : t('act.full', { n: a.waitlisted })),
			row(t('act.audience'), t(`act.audience.${a.audience}`) + (a.audience_ref ? ` · ${a.audience_ref.name}` : '')),
			row(t('act.points_label'), a.points ? String(a.points) : null),
			row(t('act.organiser_label'), a.organiser.name),
			row(t('act.cancel_reason_label'), a.cancel_reason),
		),
		a.description ? h('p', { class: 'act-desc', text: a.description }) : null,
		a.service_items ? h('ul', { class: 'act-items' }, a.service_items.map((x) => h('li', { text: `${x.item}${x.served ? ` · ${t('act.served', { n: x.served })}` : ''}` }))) : null,
		a.problems?.length ? h('ul', { class: 'act-items' }, a.problems.map((p) => h('li', { text: `${p.text}（${t(p.solved ? 'act.solved' : 'act.unsolved')}）` }))) : null,
	);
	fill(root, h('p', { class: 'flash', id: 'act-flash', role: 'status', hidden: true }), checkinBox(), detail, signupBox(), manage ? await sheetBox() : null);
	root.dataset.state = 'ready';
}

/** "2026-12-06T14:00" (datetime-local) ⇄ RFC 3339 in +08:00. */
const toLocal = (s) => (s ? s.slice(0, 16) : '');
const fromLocal = (v) => (v ? `${v}:00+08:00` : undefined);

function form(edit) {
	const kinds = ['training', 'party_lesson', 'party_meeting', 'clinic', 'event', 'project', 'service_desk', 'deliberation'];
	const stationOf = (account.roles || []).find((r) => r.scope?.startsWith('station:'));
	const f = h('form', { class: 'card-section act-form', id: 'act-form', novalidate: true });
	const field = (name, label, input) => h('div', { class: 'field' }, h('label', { for: `act-f-${name}`, text: label }), input);
	const input = (name, type, value) => h('input', { class: 'input', id: `act-f-${name}`, name, type, value: value ?? '' });
	const kind = h('select', { class: 'input', id: 'act-f-kind', name: 'kind' }, kinds.map((k) => h('option', { value: k, text: t(`act.kind.${k}`), selected: edit?.kind === k })));
	f.append(
		field('kind', t('act.f.kind'), kind),
		field('title', t('act.f.title'), input('title', 'text', edit?.title)),
		field('description', t('act.f.description'), h('textarea', { class: 'input', id: 'act-f-description', name: 'description', rows: 3, text: edit?.description || '' })),
		field('station_id', t('act.f.station'), input('station_id', 'number', edit?.station?.id ?? (stationOf ? stationOf.scope.slice(8) : ''))),
		field('place', t('act.f.place'), input('place', 'text', edit?.place)),
		field('starts_at', t('act.f.starts'), input('starts_at', 'datetime-local', toLocal(edit?.starts_at))),
		field('ends_at', t('act.f.ends'), input('ends_at', 'datetime-local', toLocal(edit?.ends_at))),
		field('signup_cutoff_at', t('act.f.cutoff'), input('signup_cutoff_at', 'datetime-local', toLocal(edit?.signup_cutoff_at))),
		field('capacity', t('act.f.capacity'), input('capacity', 'number', edit?.capacity ?? 30)),
		field('points', t('act.f.points'), input('points', 'number', edit?.points ?? 0)),
		h('p', { class: 'flash', id: 'act-flash', role: 'status', hidden: true }),
		h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'act-save', text: t(edit ? 'act.save' : 'act.create') }),
	);
	f.addEventListener('submit', async (e) => {
		e.preventDefault();
		const v = (n) => f.elements[n].value.trim();
		const body = { kind: v('kind'), title: v('title'), description: v('description') || null, place: v('place') || null, starts_at: fromLocal(v('starts_at')), ends_at: fromLocal(v('ends_at')), signup_cutoff_at: fromLocal(v('signup_cutoff_at')), capacity: Number(v('capacity')), points: Number(v('points')) };
		if (v('station_id')) body.station_id = Number(v('station_id'));
		if (edit && body.kind === edit.kind) delete body.kind;
		for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
		for (const el of f.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
		try {
			const r = edit ? await api.patch(`activities/${edit.id}`, body) : await api.post('activities', body);
			location.href = `/activity.html?id=${r.id}`;
		} catch (err) {
			for (const name of Object.keys(err.fields || {})) f.elements[name]?.setAttribute('aria-invalid', 'true');
			flash(errorText(err));
		}
	});
	fill(root, h('h1', { text: t(edit ? 'act.edit' : 'act.new') }), f);
	root.dataset.state = 'ready';
}

async function start() {
	await initChrome();
	try {
		account = await currentAccount();
		if (account) renderAccount();
		if (param('new')) {
			if (!account) location.href = `/login.html?next=${encodeURIComponent('/activity.html?new=1')}`;
			else form(null);
			return;
		}
		a = await api.get(`activities/${id}`);
		if (param('edit') && a.may_manage) form(a);
		else await show();
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('a', { class: 'btn btn-secondary', href: '/activities.html', text: t('act.title') }));
		root.dataset.state = 'error';
	}
}

start();
