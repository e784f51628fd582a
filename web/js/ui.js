// Small pieces of station UI shared by the finder, the station page and the
// manager's list: the open/closed badge, amenity icons, navigation links.

import { h, icon } from './dom.js';
import { nameOf, t } from './i18n.js';
import { cityClock, formatHHMM } from './hours.js';

/** 'open' | 'shut' (temporarily closed) | 'off' (outside opening hours) */
export function stateOf(s) {
	return s.closed ? 'shut' : s.open_now ? 'open' : 'off';
}

export function statusBadge(s) {
	const st = stateOf(s);
	return h('span', { class: `badge badge-${st}`, text: t(`status.${st}`) });
}

/** The drawn icon of an amenity code (the catalog's icon name; a dot if unknown). */
export function amenityIcon(code, catalog, cls) {
	return icon(catalog?.amenityByCode?.[code]?.icon || 'circle-dot', cls);
}

/**
 * A card's amenities: the first few with their words (the ones asked for
 * first, then catalog order), the rest as "+N" whose label names them all.
 */
export function amenityIcons(codes, catalog, highlight = new Set(), max = 3) {
	const order = catalog?.amenitiesSorted?.map((a) => a.code) || [];
	const sorted = [...codes].sort((a, b) => {
		const ha = highlight.has(a) ? 0 : 1;
		const hb = highlight.has(b) ? 0 : 1;
		return ha - hb || order.indexOf(a) - order.indexOf(b);
	});
	const name = (c) => nameOf(catalog?.amenityByCode?.[c]) || c;
	const shown = sorted.length > max + 1 ? sorted.slice(0, max) : sorted;
	const rest = sorted.slice(shown.length);
	return h(
		'span',
		{ class: 'amen-icons', role: 'list', 'aria-label': t('station.amenities') },
		shown.map((c) =>
			h('span', { class: ['amen-tag', highlight.has(c) && 'is-match'], role: 'listitem', title: name(c), dataset: { code: c } }, amenityIcon(c, catalog), h('span', { class: 'amen-name', text: name(c) })),
		),
		rest.length
			? h('span', {
					class: 'amen-more',
					role: 'listitem',
					title: rest.map(name).join('、'),
					'aria-label': t('finder.amen_more', { n: rest.length, names: rest.map(name).join('、') }),
					text: `+${rest.length}`,
				})
			: null,
	);
}

/** "今天 20:00", "明天 08:00", "周三 08:00" (city time) */
export function whenText(at, now = cityClock()) {
	const time = formatHHMM(at.minute);
	const d = at.dayNum - now.dayNum;
	if (d === 0) return t('when.today', { time });
	if (d === 1) return t('when.tomorrow', { time });
	const weekday = ((((at.dayNum + 3) % 7) + 7) % 7) + 1;
	return t('when.weekday', { day: t(`day.${weekday}`), time });
}

const isApple = () => /iPhone|iPad|iPod|Macintosh/.test(navigator.userAgent) && 'ontouchend' in document;

/** [{app, label, href}] to open a map app at the station (WGS-84 in). */
export function navLinks(s) {
	const { lat, lng } = s.location;
	const name = encodeURIComponent(s.name);
	const addr = encodeURIComponent(s.address || '');
	return [
		{
			app: 'amap',
			label: t('nav.amap'),
			href: `https://uri.amap.com/marker?position=${lng},${lat}&name=${name}&coordinate=wgs84&callnative=1`,
		},
		{
			app: 'baidu',
			label: t('nav.baidu'),
			href: `https://api.map.baidu.com/marker?location=${lat},${lng}&title=${name}&content=${addr}&output=html&coord_type=wgs84&src=yizhan`,
		},
		isApple()
			? { app: 'apple', label: t('nav.apple'), href: `https://maps.apple.com/?ll=${lat},${lng}&q=${name}` }
			: { app: 'geo', label: t('nav.geo'), href: `geo:${lat},${lng}` },
	];
}

/** A tel: link target: digits and + only. */
export function telHref(phone) {
	return `tel:${String(phone).replace(/[^\d+]/g, '')}`;
}

/** A short message for an ApiError, in the current language. */
export function errorText(e) {
	if (!e) return '';
	if (e.status === 0) return t('error.offline');
	if (e.status === 401) return t('error.signin');
	if (e.type === 'csrf') return t('error.csrf');
	if (e.status === 403) return t('error.forbidden');
	if (e.status === 404) return t('error.notfound');
	if (e.status >= 500) return t('error.server');
	return e.message || t('error.server');
}
