// What the people pages share (sign-up, my profile, the ledger): the
// catalog of categories, platforms, volunteer roles and check-in purposes
// (kept a day in localStorage, as the station catalog is), names of codes,
// city times, the multi-choice chips, and the consent notice.

import { api } from './api.js';
import { h } from './dom.js';
import { nameOf, t } from './i18n.js';

const KEY = 'yz.people.catalog.v1';
const MAX_AGE_MS = 24 * 3600 * 1000;

/** The version of the consent notice (个人信息告知) the pages show. */
export const CONSENT_VERSION = '2026-12';

/** The check-in purposes in the order the check-in page offers them. */
export const PURPOSES = ['rest', 'report_in', 'shift_start', 'activity', 'registration'];

function index(c) {
	for (const k of ['categories', 'platforms', 'roles', 'purposes']) c[`${k}ByCode`] = Object.fromEntries((c[k] || []).map((x) => [x.code, x]));
	return c;
}

let pending = null;

/** {categories, platforms, roles, purposes, categoriesByCode, …} */
export function loadPeopleCatalog() {
	if (pending) return pending;
	let cached = null;
	try {
		cached = JSON.parse(localStorage.getItem(KEY) || 'null');
	} catch {
		cached = null;
	}
	const fresh = api.get('people/catalog').then((c) => {
		try {
			localStorage.setItem(KEY, JSON.stringify({ ...c, at: Date.now() }));
		} catch {
			/* full or off */
		}
		return c;
	});
	if (cached && Date.now() - cached.at < MAX_AGE_MS) {
		fresh.catch(() => {});
		pending = Promise.resolve(index(cached));
	} else {
		pending = fresh.then(index).catch((e) => {
			pending = null;
			if (cached) return index(cached);
			throw e;
		});
	}
	return pending;
}

/** The names of codes of one list ('categories', 'platforms', 'roles', 'purposes'), joined. */
export function namesOf(catalog, list, codes, sep = '、') {
	const by = catalog?.[`${list}ByCode`] || {};
	return (Array.isArray(codes) ? codes : codes ? [codes] : []).map((c) => nameOf(by[c]) || c).join(sep);
}

/**
 * An RFC 3339 instant the server wrote in city time ("2026-12-03T15:31:07+08:00")
 * as "12月3日 15:31", or "15:31" when it is today (in the city).
 */
export function cityTime(iso, { date = true } = {}) {
	const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || '');
	if (!m) return iso || '';
	const time = `${m[4]}:${m[5]}`;
	if (!date) return time;
	const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
	if (`${m[1]}-${m[2]}-${m[3]}` === today) return t('when.today', { time });
	return t('when.date_time', { m: Number(m[2]), d: Number(m[3]), time });
}

/**
 * A group of chips, several of which may be chosen: buttons with
 * aria-pressed. Returns the group element; group.values() gives the codes
 * chosen, in the catalog's order.
 */
export function chipGroup(items, chosen, { labelId, name } = {}) {
	const on = new Set(chosen || []);
	const chips = items.map((it) =>
		h('button', {
			type: 'button',
			class: 'chip',
			'aria-pressed': String(on.has(it.code)),
			dataset: { code: it.code },
			text: nameOf(it),
			onclick: (e) => {
				const b = e.currentTarget;
				b.setAttribute('aria-pressed', String(b.getAttribute('aria-pressed') !== 'true'));
			},
		}),
	);
	const group = h('div', { class: 'chips chips-wrap', role: 'group', 'aria-labelledby': labelId, dataset: { field: name } }, chips);
	group.values = () => chips.filter((c) => c.getAttribute('aria-pressed') === 'true').map((c) => c.dataset.code);
	return group;
}

/** A <select> of the catalog's platforms, with "不选" first. */
export function platformSelect(catalog, value, props = {}) {
	return h(
		'select',
		{ class: 'input', ...props },
		h('option', { value: '', text: t('people.platform_none') }),
		(catalog?.platforms || []).map((p) => h('option', { value: p.code, text: nameOf(p), selected: p.code === value })),
	);
}

/**
 * The consent notice (个人信息告知): what is kept, why, who sees it, for how
 * long, and what the person may do. short: one line with the whole text
 * behind a disclosure (the check-in page, where a hand is full).
 */
export function consentNotice({ short = false } = {}) {
	const parts = ['kept', 'why', 'who', 'how_long', 'rights'].map((k) => h('p', { class: 'consent-line' }, h('strong', { text: t(`consent.${k}.title`) }), ' ', t(`consent.${k}`)));
	const title = t('consent.title', { version: CONSENT_VERSION });
	if (short)
		return h(
			'div',
			{ class: 'consent consent-short' },
			h('p', { class: 'consent-line', text: t('consent.summary') }),
			h('details', { class: 'consent-more' }, h('summary', { text: t('consent.read_all', { title }) }), parts),
		);
	return h('section', { class: 'consent', 'aria-label': title }, h('h3', { class: 'consent-title', text: title }), parts);
}
