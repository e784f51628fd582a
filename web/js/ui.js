// Small pieces of station UI shared by the finder, the station page and the
// manager's list: the open/closed badge, amenity icons, navigation links.

import { h } from './dom.js';
import { nameOf, t } from './i18n.js';

/** 'open' | 'shut' (temporarily closed) | 'off' (outside opening hours) */
export function stateOf(s) {
	return s.closed ? 'shut' : s.open_now ? 'open' : 'off';
}

export function statusBadge(s) {
	const st = stateOf(s);
	return h('span', { class: `badge badge-${st}`, text: t(`status.${st}`) });
}

/** The icon of an amenity code (the catalog's emoji; a dot if unknown). */
export function amenityIcon(code, catalog) {
	return catalog?.amenityByCode?.[code]?.icon || '•';
}

/**
 * Icons only (with names for screen readers and on hover): the ones asked
 * for first, then catalog order; past max, a "+N".
 */
export function amenityIcons(codes, catalog, highlight = new Set(), max = 6) {
	const order = catalog?.amenitiesSorted?.map((a) => a.code) || [];
	const sorted = [...codes].sort((a, b) => {
		const ha = highlight.has(a) ? 0 : 1;
		const hb = highlight.has(b) ? 0 : 1;
		return ha - hb || order.indexOf(a) - order.indexOf(b);
	});
	return h(
		'span',
		{ class: 'amen-icons', role: 'list', 'aria-label': t('station.amenities') },
		sorted.slice(0, sorted.length > max ? max - 1 : max).map((c) => {
			const name = nameOf(catalog?.amenityByCode?.[c]) || c;
			return h('span', { class: ['amen-icon', highlight.has(c) && 'is-match'], role: 'listitem', title: name, 'aria-label': name, text: amenityIcon(c, catalog) });
		}),
		sorted.length > max
			? h('span', {
					class: 'amen-more',
					role: 'listitem',
					title: sorted.slice(max - 1).map((c) => nameOf(catalog?.amenityByCode?.[c]) || c).join('、'),
					text: `+${sorted.length - max + 1}`,
				})
			: null,
	);
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
