// The station page (/station.html?id=N): whether it is open now and until
// when, how to get there (a map app, a phone call), what it offers, this
// week's hours with today marked, dated exceptions, and for those who may
// edit it, the edit button and the check-in QR code.

import { api } from './api.js';
import { loadCatalog } from './catalog.js';
import { initChrome } from './chrome.js';
import { $, h, icon, param, fill } from './dom.js';
import { formatDistance, nameOf, t } from './i18n.js';
import { cityClock, formatHHMM, nextChange, upcomingExceptions, weekView } from './hours.js';
import { amenityIcon, errorText, navLinks, stateOf, statusBadge, telHref, whenText } from './ui.js';
import { photoStrip } from './photos.js';
import { distanceM, lastLocation, walkMinutes } from './where.js';

const root = $('#station');

/** An RFC 3339 instant as the city's "11月25日 18:00". */
function instantText(iso) {
	const ms = Date.parse(iso);
	if (!Number.isFinite(ms)) return iso;
	const c = cityClock(ms);
	const [y, m, d] = new Date(c.dayNum * 86400000).toISOString().slice(0, 10).split('-').map(Number);
	return t('when.date_time', { y, m, d, time: formatHHMM(c.minute) });
}

function rangeText(r) {
	if (r.open === 0 && r.close === 1440) return t('hours.all_day');
	const close = r.close <= r.open ? t('hours.next_day', { time: formatHHMM(r.close) }) : formatHHMM(r.close);
	return `${formatHHMM(r.open)}–${close}`;
}

function statusBlock(s) {
	const st = stateOf(s);
	const now = cityClock();
	let line = '';
	if (st === 'shut') {
		const until = s.closure?.until;
		return h(
			'div',
			{ class: 'st-status st-status-shut', role: 'status' },
			h('p', { class: 'st-status-main' }, statusBadge(s), h('span', { text: until ? t('station.reopens', { when: instantText(until) }) : t('station.reopens_unknown') })),
			s.closure?.reason ? h('p', { class: 'st-reason' }, h('span', { class: 'st-reason-label', text: t('station.closure_reason') }), h('span', { text: s.closure.reason })) : null,
		);
	}
	const nc = nextChange(s.hours, now);
	if (nc.open === s.open_now) {
		if (s.open_now) line = nc.at ? t('station.closes', { when: whenText(nc.at, now) }) : t('hours.always');
		else line = nc.at ? t('station.opens', { when: whenText(nc.at, now) }) : t('station.no_hours');
	}
	return h('div', { class: `st-status st-status-${st}`, role: 'status' }, h('p', { class: 'st-status-main' }, statusBadge(s), line ? h('span', { text: line }) : null));
}

function hoursTable(s) {
	const now = cityClock();
	const week = weekView(s.hours, now);
	return h(
		'table',
		{ class: 'hours', id: 'hours' },
		h('caption', { class: 'sr-only', text: t('station.week') }),
		h(
			'tbody',
			null,
			week.map((d) => {
				const [, mm, dd] = d.date.split('-').map(Number);
				let text;
				if (d.exception && d.exception.closed !== false) text = t('hours.closed_day');
				else if (!d.ranges.length) text = t('hours.closed_day');
				else text = d.ranges.map(rangeText).join('，');
				const note = d.exception ? d.exception.note || t('hours.special') : '';
				return h(
					'tr',
					{ class: [d.today && 'is-today', !d.ranges.length && 'is-closed', d.exception && 'is-exception'], dataset: { weekday: String(d.weekday) }, 'aria-current': d.today ? 'date' : null },
					h('th', { scope: 'row' }, h('span', { class: 'hours-day', text: t(`day.${d.weekday}`) }), h('span', { class: 'hours-date', text: t('hours.md', { m: mm, d: dd }) }), d.today ? h('span', { class: 'hours-today', text: t('hours.today') }) : null),
					h('td', null, h('span', { class: 'hours-text', text }), note ? h('span', { class: 'hours-note', text: note }) : null),
				);
			}),
		),
	);
}

function exceptionsList(s) {
	const list = upcomingExceptions(s.hours);
	if (!list.length) return null;
	return h(
		'section',
		{ class: 'card-section' },
		h('h2', { text: t('station.exceptions') }),
		h(
			'ul',
			{ class: 'exceptions' },
			list.map((e) => {
				const [y, m, d] = e.date.split('-').map(Number);
				const what = e.closed !== false ? t('hours.closed_day') : `${e.open}–${e.close}`;
				return h('li', null, h('span', { class: 'ex-date', text: t('when.date', { y, m, d }) }), h('span', { class: 'ex-what', text: what }), e.note ? h('span', { class: 'ex-note', text: e.note }) : null);
			}),
		),
	);
}

function render(s, catalog) {
	const level = catalog?.levelByCode?.[s.level];
	const theme = catalog?.themeByCode?.[s.theme];
	const kind = [level ? nameOf(level) : s.level_name, theme ? nameOf(theme) : s.theme_name].filter(Boolean);
	const stars = s.stars > 0 ? '★'.repeat(s.stars) : '';
	document.title = `${s.name} · ${t('app.name')}`;

	const here = lastLocation();
	const dist = here ? distanceM(here, s.location) : null;
	const links = navLinks(s);

	const saved = param('saved');
	fill(root, 
		saved ? h('p', { class: 'flash flash-ok', role: 'status', text: t('edit.saved_visible') }) : null,
		h(
			'section',
			{ class: 'st-head' },
			h('h1', { class: 'st-name', id: 'st-name', text: s.name }),
			h('p', { class: 'st-kind' }, kind.join(' · '), stars ? h('span', { class: 'stars', 'aria-label': t('station.stars', { n: s.stars }), text: ` ${stars}` }) : null),
			statusBlock(s),
			h('p', { class: 'st-checkins muted', id: 'st-checkins', hidden: true }),
		),
		h(
			'section',
			{ class: 'st-go', 'aria-labelledby': 'go-title' },
			h('h2', { id: 'go-title', class: 'sr-only', text: t('station.go') }),
			h(
				'p',
				{ class: 'st-address' },
				h('span', { class: 'st-address-text', text: s.address }),
				dist != null && dist < 50000 ? h('span', { class: 'st-dist', text: t('station.from_you', { d: formatDistance(dist, walkMinutes(dist)) }) }) : null,
			),
			h(
				'div',
				{ class: 'go-buttons' },
				links.map((l, i) => h('a', { class: ['btn', i === 0 ? 'btn-primary' : 'btn-secondary', 'btn-go'], href: l.href, target: l.href.startsWith('http') ? '_blank' : null, rel: 'noopener', dataset: { app: l.app } }, icon(i === 0 ? 'navigation' : 'external-link', 'ico'), h('span', { text: l.label }))),
				s.phone ? h('a', { class: 'btn btn-secondary btn-go btn-call', href: telHref(s.phone) }, icon('phone', 'ico'), h('span', { text: t('station.call', { phone: s.phone }) })) : null,
			),
		),
		h(
			'section',
			{ class: 'card-section st-loop', 'aria-labelledby': 'loop-title' },
			h('h2', { id: 'loop-title', text: t('station.loop') }),
			h(
				'div',
				{ class: 'loop-buttons' },
				[
					['order', 'clipboard-list'],
					['wish', 'hand-heart'],
					['report', 'camera'],
				].map(([k, ic]) => h('a', { class: 'btn btn-secondary', id: `st-new-${k}`, href: `/new.html?station=${s.id}&kind=${k}` }, icon(ic, 'ico'), h('span', { text: t(`station.loop.${k}`) }))),
			),
			h('a', { class: 'btn btn-quiet btn-block', id: 'st-activities', href: `/activities.html?station=${s.id}` }, icon('calendar-days', 'ico'), h('span', { text: t('act.at_station') })),
			h('a', { class: 'btn btn-secondary btn-block', id: 'st-shop', href: `/shop.html?station=${s.id}` }, icon('shopping-basket', 'ico'), h('span', { text: t('shop.link') })),
		),
		photoStrip(s),
		h(
			'section',
			{ class: 'card-section' },
			h('h2', { text: t('station.amenities') }),
			s.amenities.length
				? h(
						'ul',
						{ class: 'amen-grid' },
						s.amenities.map((c) => h('li', { class: 'amen-item', dataset: { code: c } }, amenityIcon(c, catalog, 'amen-big'), h('span', { text: nameOf(catalog?.amenityByCode?.[c]) || c }))),
					)
				: h('p', { class: 'muted', text: t('station.no_amenities') }),
		),
		h(
			'section',
			{ class: 'card-section', id: 'week' },
			h('h2', { text: t('station.week') }),
			s.hours.always_open ? h('p', { class: 'always', text: t('hours.always') }) : null,
			// Open round the clock with nothing special this week: the line says it all.
			s.hours.always_open && !weekView(s.hours).some((d) => d.exception) ? null : hoursTable(s),
		),
		exceptionsList(s),
		s.description ? h('section', { class: 'card-section' }, h('h2', { text: t('station.about') }), h('p', { class: 'st-desc', text: s.description })) : null,
		s.rooms?.length
			? h(
					'section',
					{ class: 'card-section' },
					h('h2', { text: t('station.rooms') }),
					h(
						'ul',
						{ class: 'rooms' },
						s.rooms.map((r) => h('li', null, h('span', { text: r.name }), r.capacity ? h('span', { class: 'muted', text: t('station.capacity', { n: r.capacity }) }) : null)),
					),
					h('a', { class: 'btn btn-primary btn-block', id: 'st-rooms', href: `/rooms.html?station=${s.id}` }, icon('clock', 'ico'), h('span', { text: t('rooms.book_here') })),
				)
			: null,
		s.can_edit
			? h(
					'section',
					{ class: 'card-section manage-box' },
					h('h2', { text: t('station.manage') }),
					h(
						'div',
						{ class: 'manage-buttons' },
						h('a', { class: 'btn btn-primary', id: 'edit', href: `/edit.html?id=${s.id}`, text: t('station.edit') }),
						h('a', { class: 'btn btn-secondary', href: `/api/v1/stations/${s.id}/qr.svg`, target: '_blank', rel: 'noopener', text: t('station.qr') }),
					),
				)
			: null,
		h('p', { class: 'updated muted', text: t('station.updated', { when: instantText(s.updated_at) }) }),
	);
	root.dataset.state = 'ready';
	root.dataset.id = String(s.id);
	root.removeAttribute('aria-busy');
}

async function start() {
	const back = $('#back');
	// Back to the finder as it was (its filters and place), when we came from it.
	back.addEventListener('click', (e) => {
		try {
			const ref = document.referrer && new URL(document.referrer);
			if (ref && ref.origin === location.origin && (ref.pathname === '/' || ref.pathname === '/index.html') && history.length > 1) {
				e.preventDefault();
				history.back();
			}
		} catch {
			/* follow the link */
		}
	});
	const id = Number(param('id'));
	const chrome = initChrome();
	if (!Number.isInteger(id) || id <= 0) {
		await chrome;
		fill(root, h('p', { class: 'flash flash-error', text: t('error.notfound') }), h('a', { class: 'btn btn-secondary', href: '/', text: t('nav.back') }));
		root.dataset.state = 'error';
		return;
	}
	try {
		const [s, catalog] = await Promise.all([api.get(`stations/${id}`), loadCatalog().catch(() => null), chrome]);
		render(s, catalog);
		// Today's check-ins: a small extra, shown when it arrives.
		api.get(`stations/${id}/checkins/today`)
			.then((c) => {
				const el = document.getElementById('st-checkins');
				if (!el) return;
				el.textContent = t('checkin.today_count', { n: c.count });
				el.hidden = false;
			})
			.catch(() => {});
	} catch (e) {
		await chrome;
		fill(root, 
			h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }),
			h('div', { class: 'manage-buttons' }, h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }), h('a', { class: 'btn btn-quiet', href: '/', text: t('nav.back') })),
		);
		root.dataset.state = 'error';
		root.removeAttribute('aria-busy');
	}
}

start();
