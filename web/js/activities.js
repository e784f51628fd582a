// Activities (/activities.html): what is on near me (the phone's position,
// as the station finder asks for it) or at one station (?station=ID),
// filtered by kind; and my activities, with the calendar address to
// subscribe to. Organisers start a new one from here.

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon, param } from './dom.js';
import { t, formatDistance } from './i18n.js';
import { lastLocation, locate, rememberLocation } from './where.js';
import { errorText } from './ui.js';
import { isStaff } from './loop.js';

const root = $('#activities');
const station = param('station');
let tab = param('tab') || 'near';
let kind = '';
let here = lastLocation();
let account = null;
const ui = {};

/** "12-06 14:00" of an RFC 3339 time in the city's zone (+08:00). */
export const when = (s) => (s ? `${s.slice(5, 10)} ${s.slice(11, 16)}` : '');

/** One activity as a card; mine adds my sign-up's state. */
export function activityCard(a) {
	const seats = a.seats_left > 0 ? t('act.seats_left', { n: a.seats_left }) : t('act.full', { n: a.waitlisted });
	const where = a.station ? a.station.name + (a.place ? ` · ${a.place}` : '') : a.place || '';
	const state = a.my_signup ? h('span', { class: `badge act-badge-${a.my_signup.state}`, text: t(`act.signup.${a.my_signup.state}`) }) : a.state !== 'published' ? h('span', { class: 'badge badge-shut', text: t(`act.state.${a.state}`) }) : null;
	return h(
		'li',
		{ class: 'rq-card act-card', 'data-id': a.id },
		h(
			'a',
			{ class: 'rq-link', href: `/activity.html?id=${a.id}` },
			h('div', { class: 'rq-top' }, h('p', { class: 'rq-kind', text: t(`act.kind.${a.kind}`) }), state),
			h('span', { class: 'rq-title act-title', text: a.title }),
			h(
				'span',
				{ class: 'rq-meta' },
				h('span', {}, icon('clock', 'ico'), ` ${when(a.starts_at)}`),
				where ? h('span', {}, icon('map-pin', 'ico'), ` ${where}`) : null,
				a.distance_m !== undefined ? h('span', { text: formatDistance(a.distance_m) }) : null,
			),
			h('span', { class: 'rq-meta' }, h('span', { text: seats }), a.points ? h('span', { text: t('act.points', { n: a.points }) }) : null),
		),
	);
}

async function useMyLocation() {
	ui.locate.setAttribute('aria-busy', 'true');
	try {
		const p = await locate();
		here = { lat: p.lat, lng: p.lng, source: 'gps' };
		rememberLocation(here);
		await load();
	} catch (e) {
		say(t(e.code === 1 ? 'act.locate_denied' : 'act.locate_failed'));
	} finally {
		ui.locate.removeAttribute('aria-busy');
	}
}

function say(text) {
	ui.flash.textContent = text || '';
	ui.flash.hidden = !text;
}

async function loadMine() {
	const page = await api.get('me/activities', { query: { past: 1 } });
	fill(ui.list, page.items.map(activityCard));
	ui.empty.hidden = page.items.length > 0;
	ui.empty.textContent = t('act.empty_mine');
	const feed = h('button', { type: 'button', class: 'btn btn-secondary btn-block', id: 'act-feed' }, icon('calendar-days', 'ico'), h('span', { text: t('act.feed') }));
	const out = h('div', { class: 'act-feed-out', hidden: true });
	feed.addEventListener('click', async () => {
		feed.disabled = true;
		try {
			const f = await api.post('me/activities/feed', {});
			const input = h('input', { class: 'input', readonly: true, id: 'act-feed-url', value: f.url });
			fill(out, h('p', { class: 'muted', text: t('act.feed_hint') }), input, h('a', { class: 'btn btn-quiet btn-small', href: f.url.replace(/^https?:/, 'webcal:'), text: t('act.feed_open') }));
			out.hidden = false;
			input.select();
		} catch (e) {
			say(errorText(e));
		} finally {
			feed.disabled = false;
		}
	});
	fill(ui.extra, feed, out);
}

async function load() {
	for (const [code, b] of Object.entries(ui.tabs)) b.setAttribute('aria-selected', String(code === tab));
	ui.filters.hidden = tab !== 'near';
	fill(ui.extra);
	say('');
	if (tab === 'mine') return loadMine();
	const query = { kind: kind || undefined, limit: 100 };
	if (station) query.station_id = station;
	else if (here) Object.assign(query, { lat: here.lat, lng: here.lng, radius_m: 10000 });
	const page = await api.get('activities', { query });
	fill(ui.list, page.items.map(activityCard));
	ui.empty.hidden = page.items.length > 0;
	ui.empty.textContent = t('act.empty');
	ui.where.textContent = station ? t('act.at_station') : here ? t('act.near_me') : t('act.everywhere');
	if (!ui.kinds.options.length || ui.kinds.options.length === 1) {
		for (const k of page.kinds) ui.kinds.append(h('option', { value: k.code, text: t(`act.kind.${k.code}`) }));
	}
	root.dataset.loads = String(Number(root.dataset.loads || 0) + 1);
}

async function start() {
	await initChrome();
	try {
		account = await currentAccount();
		if (account) renderAccount();
		ui.tabs = {};
		const tabs = h(
			'div',
			{ class: 'tabs', role: 'tablist' },
			['near', 'mine'].map((code) => {
				const b = h('button', { type: 'button', role: 'tab', class: 'tab', id: `act-tab-${code}`, text: t(`act.tab.${code}`) });
				b.addEventListener('click', () => {
					if (code === 'mine' && !account) {
						location.href = `/login.html?next=${encodeURIComponent('/activities.html?tab=mine')}`;
						return;
					}
					tab = code;
					history.replaceState(null, '', `?tab=${tab}${station ? `&station=${station}` : ''}`);
					load().catch((e) => say(errorText(e)));
				});
				ui.tabs[code] = b;
				return b;
			}),
		);
		ui.kinds = h('select', { class: 'input', id: 'act-kind', 'aria-label': t('act.kind_filter') }, h('option', { value: '', text: t('act.kind_all') }));
		ui.kinds.addEventListener('change', () => {
			kind = ui.kinds.value;
			load().catch((e) => say(errorText(e)));
		});
		ui.locate = h('button', { type: 'button', class: 'btn btn-secondary btn-locate', id: 'act-locate' }, icon('locate-fixed', 'ico'), h('span', { text: t('act.use_location') }));
		ui.locate.addEventListener('click', useMyLocation);
		ui.where = h('p', { class: 'muted', id: 'act-where' });
		ui.filters = h('div', { class: 'act-filters' }, station ? null : ui.locate, ui.kinds, ui.where);
		ui.list = h('ol', { class: 'rq-list', id: 'act-list', 'aria-live': 'polite' });
		ui.empty = h('p', { class: 'empty muted', id: 'act-empty', hidden: true });
		ui.flash = h('p', { class: 'flash flash-error', role: 'status', hidden: true });
		ui.extra = h('div', { class: 'act-extra' });
		const organise = account && isStaff(account) ? h('a', { class: 'btn btn-primary btn-small', href: '/activity.html?new=1', id: 'act-new' }, icon('plus', 'ico'), h('span', { text: t('act.new') })) : null;
		fill(root, h('div', { class: 'section-head' }, h('h1', { text: t('act.title') }), organise), tabs, ui.filters, ui.flash, ui.extra, ui.list, ui.empty);
		if (tab === 'mine' && !account) tab = 'near';
		await load();
		root.dataset.state = 'ready';
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }));
		root.dataset.state = 'error';
	}
}

if (root) start();
