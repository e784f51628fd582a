// The coverage page (/coverage.html?region=CODE) for district and street
// staff: which of a region's communities have a station within the walk
// (the 15-minute circle, 1,200 m by default), the share, and for each gap the
// nearest station and how far its people walk today, worst first; on a map
// when the deployment has tiles. It says which kinds of community are
// counted (居委会) and which are not (villages), with their numbers.

import { api, currentAccount } from './api.js';
import { loadCatalog } from './catalog.js';
import { initChrome } from './chrome.js';
import { $, h, fill, param } from './dom.js';
import { formatDistance, t } from './i18n.js';
import { errorText } from './ui.js';

const root = $('#coverage');
const el = {
	title: $('#cov-title'),
	region: $('#cov-region'),
	error: $('#cov-error'),
	summary: $('#cov-summary'),
	mapWrap: $('#cov-map-wrap'),
	mapFolded: $('#map-folded'),
	mapToggle: $('#map-toggle'),
	gaps: $('#cov-gaps'),
	gapsTitle: $('#cov-gaps-title'),
	gapList: $('#cov-gap-list'),
	covered: $('#cov-covered'),
	coveredTitle: $('#cov-covered-title'),
	coveredList: $('#cov-covered-list'),
};

const MANAGE_ROLES = new Set(['admin', 'staff']);
const WITHIN_MAX = 50;

let config = null;
let mapView = null;
let layer = null;
let last = null; // the last coverage answer
let home = null; // the region the signed-in person answers for (or the city)

/** The region to show: the link's, else the one the signed-in admin or staff answers for, else the city. */
function homeRegion(account) {
	for (const r of account?.roles || []) {
		if (!MANAGE_ROLES.has(r.role)) continue;
		if (r.scope === '*') return config.city.code;
		if (/^\d{2,12}$/.test(String(r.scope))) return String(r.scope);
	}
	return config.city.code;
}

const kindName = (kind) => {
	const k = `region.kind.${kind}`;
	const s = t(k);
	return s === k ? kind : s;
};

/** The region picker: the home region and the districts or streets under it. */
async function fillRegions(home, current) {
	const [self, kids] = await Promise.all([api.get(`regions/${home}`).catch(() => null), api.get(`regions/${home}/children`).catch(() => ({ items: [] }))]);
	const options = [];
	if (self) options.push({ code: self.code, name: self.short_name || self.name, top: true });
	for (const r of kids.items || []) if (r.level < 5) options.push({ code: r.code, name: r.short_name || r.name });
	if (!options.some((o) => o.code === current)) {
		const cur = await api.get(`regions/${current}`).catch(() => null);
		options.unshift({ code: current, name: cur ? cur.short_name || cur.name : current, top: true });
	}
	fill(el.region, ...options.map((o) => h('option', { value: o.code, selected: o.code === current, text: o.top ? o.name : `　${o.name}` })));
	// A street's staff have one area: no choice to offer.
	el.region.closest('.field').hidden = options.length < 2;
	return options.find((o) => o.code === current)?.name || current;
}

function pct(share) {
	return `${(Math.round(share * 1000) / 10).toFixed(1)}%`;
}

function summary(c) {
	const gaps = c.located - c.covered;
	const left = (c.not_counted || []).map((k) => t('coverage.kind_count', { kind: kindName(k.kind), n: k.count }));
	return [
		h('p', { class: 'cov-share' }, h('span', { class: 'cov-pct', id: 'cov-pct', text: pct(c.share) }), h('span', { text: t('coverage.share_of', { m: c.walk_m }) })),
		h('p', { id: 'cov-counts', text: t('coverage.counts', { covered: c.covered, located: c.located, gaps }) }),
		h(
			'p',
			{ class: 'cov-counted', id: 'cov-counted' },
			t('coverage.counted', { kinds: c.counted_kinds.map(kindName).join('、'), n: c.communities }),
			left.length ? ` ${t('coverage.not_counted', { list: left.join('、') })}` : '',
		),
		c.located < c.communities ? h('p', { class: 'muted', text: t('coverage.unlocated', { n: c.communities - c.located }) }) : null,
	];
}

/** A community: its name and street or town, how far its nearest station is, and which. */
function item(i, extra) {
	const dist = i.nearest ? formatDistance(i.nearest.distance_m, i.nearest.walk_minutes) : '';
	return h(
		'li',
		{ class: ['cov-item', !i.covered && 'cov-gap'], dataset: { code: i.code } },
		h('span', { class: 'cov-row' }, h('span', { class: 'cov-name', text: i.name }), i.parent_name ? h('span', { class: 'cov-parent', text: i.parent_name }) : null, dist ? h('span', { class: 'cov-dist', text: dist }) : null),
		!i.location
			? h('span', { class: 'muted', text: t('coverage.no_point') })
			: !i.nearest
				? h('span', { class: 'muted', text: t('coverage.no_station') })
				: h('span', { class: 'cov-near' }, extra || null, t('coverage.nearest'), h('a', { href: `/station.html?id=${i.nearest.id}`, text: i.nearest.name })),
	);
}

function render(c, regionName) {
	last = c;
	document.title = `${t('coverage.title_of', { name: regionName })} · ${t('app.name')}`;
	el.title.textContent = t('coverage.title_of', { name: regionName });
	fill(el.summary, ...summary(c));
	// The gaps, the farthest from a station first: where the next one should go.
	const gaps = c.items.filter((i) => !i.covered).sort((a, b) => (b.nearest?.distance_m ?? -1) - (a.nearest?.distance_m ?? -1) || a.code.localeCompare(b.code));
	el.gaps.hidden = false;
	el.gapsTitle.textContent = gaps.length ? t('coverage.gaps', { n: gaps.length }) : t('coverage.no_gaps');
	el.gaps.querySelector('.muted').hidden = !gaps.length;
	fill(el.gapList, ...gaps.map((i) => item(i)));
	const ok = c.items.filter((i) => i.covered);
	el.covered.hidden = !ok.length;
	el.coveredTitle.textContent = t('coverage.covered', { n: ok.length });
	// The API counts up to WITHIN_MAX stations within the walk.
	fill(el.coveredList, ...ok.map((i) => item(i, t(i.stations_within >= WITHIN_MAX ? 'coverage.within_many' : 'coverage.within', { n: i.stations_within }))));
	drawMap(c);
	root.dataset.state = 'ready';
	root.dataset.region = c.region;
	root.removeAttribute('aria-busy');
}

/* ---------- the map ---------- */

function foldMap(folded) {
	el.mapFolded.hidden = false;
	el.mapWrap.classList.toggle('is-folded', folded);
	el.mapToggle.textContent = t(folded ? 'map.show' : 'map.hide');
	el.mapToggle.setAttribute('aria-expanded', String(!folded));
	if (!folded) {
		mapView?.invalidate();
		if (last) drawMap(last);
	}
}

el.mapToggle.addEventListener('click', () => foldMap(!el.mapWrap.classList.contains('is-folded')));

async function startMap() {
	if (!config?.tiles?.url) return;
	el.mapWrap.hidden = false;
	try {
		const { createMap } = await import('./map.js');
		mapView = await createMap($('#cov-map'), config, { onNoTiles: () => foldMap(true) });
		if (last) drawMap(last);
	} catch {
		el.mapWrap.hidden = true;
	}
}

/** Each community a dot (red: a gap, green: covered); a dashed line from each gap to its nearest station. */
async function drawMap(c) {
	if (!mapView || el.mapWrap.classList.contains('is-folded')) return;
	const { wgsToGcj } = await import('./map.js');
	const L = window.L;
	const at = (p) => {
		const q = config.tiles.crs === 'gcj02' ? wgsToGcj(p) : p;
		return [q.lat, q.lng];
	};
	layer?.remove();
	layer = L.layerGroup().addTo(mapView.map);
	const bounds = [];
	for (const i of c.items) {
		if (!i.location) continue;
		const p = at(i.location);
		bounds.push(p);
		if (!i.covered && i.nearest) {
			L.polyline([p, at(i.nearest.location)], { className: 'cov-line', interactive: false }).addTo(layer);
			L.circleMarker(at(i.nearest.location), { radius: 5, className: 'cov-dot cov-dot-station' })
				.bindTooltip(i.nearest.name)
				.addTo(layer);
		}
		L.circleMarker(p, { radius: i.covered ? 6 : 8, className: `cov-dot cov-dot-${i.covered ? 'ok' : 'gap'}` })
			.bindTooltip(i.covered ? i.name : `${i.name}${t('coverage.sep')}${i.nearest ? formatDistance(i.nearest.distance_m) : t('coverage.no_station')}`)
			.addTo(layer);
	}
	if (bounds.length) mapView.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
}

/* ---------- start ---------- */

async function load(region) {
	root.setAttribute('aria-busy', 'true');
	el.error.hidden = true;
	try {
		const [c, name] = await Promise.all([api.get('coverage', { query: { region } }), fillRegions(home, region)]);
		render(c, name);
	} catch (e) {
		el.error.textContent = errorText(e);
		el.error.hidden = false;
		root.dataset.state = 'error';
		root.removeAttribute('aria-busy');
	}
}

el.region.addEventListener('change', () => {
	const code = el.region.value;
	history.replaceState(null, '', `?region=${code}`);
	load(code);
});

async function start() {
	await initChrome();
	try {
		config = (await loadCatalog()).config;
	} catch (e) {
		el.error.textContent = errorText(e);
		el.error.hidden = false;
		root.dataset.state = 'error';
		return;
	}
	const account = await currentAccount().catch(() => null);
	home = homeRegion(account);
	const asked = param('region');
	const region = asked && /^\d{2,12}$/.test(asked) ? asked : home;
	startMap();
	await load(region);
}

start();
