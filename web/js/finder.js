// The finder: the nearest stations to a place, filtered by amenities and
// "open now", as a list (always) and on a map (when the deployment has
// tiles). The place comes from the link (?lat=&lng=), the phone's position,
// a tap on the map, a searched community or street, or the city centre.
//
// The list never waits for the map, the strings or the catalog longer than
// it must: the first nearby query starts as soon as a place is known, in
// parallel with everything else.

import { api } from './api.js';
import { COMMON, loadCatalog } from './catalog.js';
import { initChrome } from './chrome.js';
import { $, h, icon, say, fill } from './dom.js';
import { formatDistance, nameOf, t } from './i18n.js';
import { amenityIcons, errorText, navLinks, statusBadge } from './ui.js';
import { lastLocation, locate, permissionState, rememberLocation } from './where.js';

const FILTER_KEY = 'yz.filters';
const RADIUS_M = 1500;
const WIDE_RADIUS_M = 5000;
// How far to look for an open station when nothing near is open (at night):
// a rider on an e-bike rides that far rather than find a shut door.
const OPEN_RADIUS_M = 20000;
const OPEN_ELSEWHERE = 3;
const PAGE = 10;
const LIMIT_MAX = 50;

const state = {
	loc: null, // {lat, lng, source: link|gps|map|region|last|city, label?, accuracy?}
	amenities: new Set(),
	openNow: false,
	limit: PAGE,
	locFromLink: false,
};

let catalog = null;
let mapView = null;
let chromeReady = null; // strings loaded
let lastItems = [];
let inflight = null;
let lastQuery = '';
let showAllChips = false;

const el = {
	where: $('#where'),
	locate: $('#locate'),
	chips: $('#chips'),
	openNow: $('#open-now'),
	list: $('#results'),
	openBox: $('#open-elsewhere'),
	openList: $('#results-open'),
	count: $('#results-count'),
	note: $('#results-note'),
	empty: $('#results-empty'),
	loading: $('#results-loading'),
	more: $('#more'),
	search: $('#search'),
	searchResults: $('#search-results'),
	mapWrap: $('#map-wrap'),
	mapFolded: $('#map-folded'),
	mapToggle: $('#map-toggle'),
	filters: $('#filters'),
	filtersMore: $('#filters-more'),
};

/* ---------- the starting state: link, then saved filters ---------- */

function readLink() {
	const q = new URLSearchParams(location.search);
	const num = (k) => (/^\s*-?\d+(\.\d+)?\s*$/.test(q.get(k) || '') ? Number(q.get(k)) : NaN);
	const lat = num('lat');
	const lng = num('lng');
	const linked = ['lat', 'lng', 'amenity', 'open_now'].some((k) => q.has(k));
	if (Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) {
		state.loc = { lat, lng, source: 'link' };
		state.locFromLink = true;
	}
	if (linked) {
		state.amenities = new Set((q.get('amenity') || '').split(',').map((s) => s.trim()).filter(Boolean));
		state.openNow = ['1', 'true', 'yes'].includes(q.get('open_now') || '');
	} else {
		try {
			const f = JSON.parse(localStorage.getItem(FILTER_KEY) || 'null');
			if (f) {
				state.amenities = new Set(f.amenities || []);
				state.openNow = !!f.openNow;
			}
		} catch {
			/* ignore */
		}
	}
}

function saveFilters() {
	try {
		localStorage.setItem(FILTER_KEY, JSON.stringify({ amenities: [...state.amenities], openNow: state.openNow }));
	} catch {
		/* ignore */
	}
	// Keep the address bar a faithful link to what is shown (lat/lng only
	// when they came from a link, so a bookmark does not freeze a GPS fix).
	const q = new URLSearchParams();
	if (state.locFromLink && state.loc) {
		q.set('lat', String(state.loc.lat));
		q.set('lng', String(state.loc.lng));
	}
	if (state.amenities.size) q.set('amenity', [...state.amenities].join(','));
	if (state.openNow) q.set('open_now', '1');
	const s = q.toString();
	history.replaceState(null, '', s ? `?${s}` : location.pathname);
}

/* ---------- filters ---------- */

/** Drops the chosen amenities the catalog does not know (an old link); true if any. */
function pruneAmenities() {
	if (!catalog) return false;
	const before = state.amenities.size;
	for (const c of [...state.amenities]) if (!catalog.amenityByCode[c]) state.amenities.delete(c);
	return state.amenities.size !== before;
}

function renderChips() {
	if (!catalog) return;
	const list = catalog.amenitiesSorted;
	const extra = list.filter((a) => !COMMON.includes(a.code)).length;
	const more = h('button', {
		type: 'button',
		class: 'chip chip-more',
		id: 'more-amenities',
		'aria-expanded': String(showAllChips),
		text: showAllChips ? t('finder.fewer_amenities') : t('finder.more_amenities', { n: extra }),
		onclick: () => {
			showAllChips = !showAllChips;
			renderChips();
		},
	});
	el.chips.classList.toggle('show-all', showAllChips);
	requestAnimationFrame(filtersHint);
	fill(el.chips, 
		...list.map((a) =>
			h(
				'button',
				{
					type: 'button',
					class: ['chip', COMMON.includes(a.code) ? 'chip-common' : 'chip-extra'],
					'aria-pressed': String(state.amenities.has(a.code)),
					dataset: { code: a.code },
					onclick: () => toggleAmenity(a.code),
				},
				icon(a.icon, 'chip-icon'),
				h('span', { class: 'chip-label', text: nameOf(a) }),
			),
		),
		extra ? more : null,
	);
}

/**
 * On a phone the chips are one row that scrolls sideways: an arrow at the
 * right edge says there is more, and scrolls on when tapped, until the row's
 * end is in view.
 */
function filtersHint() {
	const f = el.filters;
	el.filtersMore.hidden = !(f.scrollWidth - f.clientWidth - f.scrollLeft > 4);
}

el.filters.addEventListener('scroll', filtersHint, { passive: true });
addEventListener('resize', filtersHint, { passive: true });
el.filtersMore.addEventListener('click', () => el.filters.scrollBy({ left: el.filters.clientWidth * 0.7, behavior: 'smooth' }));

function renderOpenNow() {
	el.openNow.setAttribute('aria-checked', String(state.openNow));
}

function toggleAmenity(code) {
	if (state.amenities.has(code)) state.amenities.delete(code);
	else state.amenities.add(code);
	for (const b of el.chips.querySelectorAll('.chip')) b.setAttribute('aria-pressed', String(state.amenities.has(b.dataset.code)));
	state.limit = PAGE;
	saveFilters();
	search();
}

el.openNow.addEventListener('click', () => {
	state.openNow = !state.openNow;
	renderOpenNow();
	state.limit = PAGE;
	saveFilters();
	search();
});

/* ---------- where ---------- */

function whereText() {
	const l = state.loc;
	if (!l) return t('finder.where.loading');
	switch (l.source) {
		case 'gps':
			return l.accuracy ? t('finder.where.gps_acc', { m: l.accuracy }) : t('finder.where.gps');
		case 'map':
			return t('finder.where.map');
		case 'region':
			return t('finder.where.region', { name: l.label });
		case 'last':
			return t('finder.where.last');
		case 'city':
			return t('finder.where.city', { name: l.label || '' });
		default:
			return t('finder.where.link');
	}
}

function renderWhere(extra) {
	fill(el.where, 
		icon('map-pin', 'where-pin'),
		h('span', { class: 'where-text', text: whereText() }),
		extra ? h('span', { class: 'where-extra', text: extra }) : null,
	);
	el.where.dataset.source = state.loc?.source || '';
}

function setLocation(loc, { query = true } = {}) {
	state.loc = loc;
	state.limit = PAGE;
	if (loc.source !== 'link' && state.locFromLink) {
		state.locFromLink = false;
		saveFilters();
	}
	if (['gps', 'map', 'region'].includes(loc.source)) rememberLocation(loc);
	renderWhere();
	mapView?.setUser(loc);
	if (query) search();
}

async function cityCentre() {
	try {
		const c = catalog || (await loadCatalog());
		return { ...c.config.city.center, source: 'city', label: c.config.city.name };
	} catch {
		return null;
	}
}

let locating = false;
async function useMyLocation({ quiet = false } = {}) {
	if (locating) return;
	locating = true;
	el.locate.setAttribute('aria-busy', 'true');
	el.locate.disabled = true;
	if (!quiet) renderWhere(t('finder.locating'));
	try {
		const p = await locate();
		setLocation({ ...p, source: 'gps' });
	} catch (e) {
		const key = e.code === 1 ? 'denied' : e.code === 3 ? 'timeout' : e.code === 0 ? 'unsupported' : 'unavailable';
		if (!quiet || e.code !== 1) renderWhere(t(`finder.geo.${key}`));
		if (!state.loc) {
			const c = await cityCentre();
			if (c) setLocation(c);
		}
	} finally {
		locating = false;
		el.locate.disabled = false;
		el.locate.removeAttribute('aria-busy');
	}
}

el.locate.addEventListener('click', () => useMyLocation());

/* ---------- the query ---------- */

function queryFor(radius) {
	return {
		lat: Number(state.loc.lat.toFixed(6)),
		lng: Number(state.loc.lng.toFixed(6)),
		radius_m: radius,
		limit: state.limit,
		amenity: [...state.amenities].sort().join(',') || undefined,
		open_now: state.openNow ? 'true' : undefined,
	};
}

function queryString(q) {
	return Object.entries(q)
		.filter(([, v]) => v !== undefined)
		.map(([k, v]) => `${k}=${v}`)
		.join('&');
}

async function search() {
	if (!state.loc) return;
	inflight?.abort();
	const ctl = new AbortController();
	inflight = ctl;
	el.list.dataset.state = 'loading';
	el.list.setAttribute('aria-busy', 'true');
	if (!el.list.children.length) {
		el.empty.hidden = true;
		el.loading.hidden = false;
	}
	let q = queryFor(RADIUS_M);
	try {
		let res = await api.get('stations/nearby', { query: q, signal: ctl.signal });
		let widened = 0;
		// Nothing within the walk: look further (and, for "open now", further
		// still: at night the nearest open door may be kilometres away).
		for (const radius of state.openNow ? [WIDE_RADIUS_M, OPEN_RADIUS_M] : [WIDE_RADIUS_M]) {
			if (res.items.length) break;
			const wide = queryFor(radius);
			const more = await api.get('stations/nearby', { query: wide, signal: ctl.signal });
			if (more.items.length) {
				res = more;
				q = wide;
				widened = radius;
			}
		}
		const open = await openElsewhere(res.items, q, ctl.signal);
		if (ctl.signal.aborted) return;
		lastQuery = queryString(q);
		await chromeReady;
		if (!catalog) {
			try {
				catalog = await loadCatalog();
			} catch {
				/* icons without names */
			}
		}
		if (ctl.signal.aborted) return;
		render(res.items, { widened, open });
		el.list.dataset.query = lastQuery;
		el.list.dataset.state = 'ready';
	} catch (e) {
		if (ctl.signal.aborted || e?.name === 'AbortError') return;
		el.list.dataset.state = 'error';
		el.loading.hidden = true;
		el.list.replaceChildren();
		el.openBox.hidden = true;
		el.count.textContent = '';
		showEmpty(errorText(e), [{ label: t('action.retry'), run: () => search() }]);
	} finally {
		if (inflight === ctl) {
			inflight = null;
			el.list.removeAttribute('aria-busy');
		}
	}
}

/**
 * When the nearest station found is not open now (at night, mostly), the
 * nearest open ones with the same amenities, as far as OPEN_RADIUS_M: they
 * come first. {items} (maybe none), or null when the nearest is open or the
 * rider asked for open ones only.
 */
async function openElsewhere(items, q, signal) {
	if (state.openNow || !items.length || (items[0].open_now && !items[0].closed)) return null;
	const res = await api.get('stations/nearby', { query: { ...q, radius_m: OPEN_RADIUS_M, limit: OPEN_ELSEWHERE, open_now: 'true' }, signal });
	return { items: res.items, radius: q.radius_m };
}

function showEmpty(text, actions = []) {
	fill(el.empty, 
		h('p', { text }),
		actions.length ? h('div', { class: 'empty-actions' }, actions.map((a) => h('button', { type: 'button', class: 'btn btn-quiet', text: a.label, onclick: a.run }))) : null,
	);
	el.empty.hidden = false;
}

/** What the night note says: why the open stations come first. */
function openNote(open) {
	if (!open.items.length) return t('finder.none_open', { km: OPEN_RADIUS_M / 1000 });
	if (open.items[0].distance_m > open.radius) return t('finder.none_open_near', { km: +(open.radius / 1000).toFixed(1) });
	return t('finder.nearest_shut');
}

function render(found, { widened, open }) {
	// At night the open ones first; the others near by after them, each once.
	const opens = open?.items || [];
	const items = found.filter((s) => !opens.some((o) => o.id === s.id));
	lastItems = [...opens, ...items];
	el.empty.hidden = true;
	el.loading.hidden = true;
	if (open) say(el.note, openNote(open), 'night');
	else say(el.note, widened ? t('finder.widened', { km: widened / 1000 }) : '');
	el.count.textContent = lastItems.length ? t('finder.count', { n: lastItems.length }) : '';
	el.openBox.hidden = !opens.length;
	fill(el.openList, ...opens.map((s, i) => card(s, i)));
	fill(el.list, ...items.map((s, i) => card(s, opens.length + i)));
	el.more.hidden = !(found.length >= state.limit && state.limit < LIMIT_MAX);
	if (!found.length) {
		const actions = [];
		if (state.amenities.size || state.openNow)
			actions.push({
				label: t('finder.clear_filters'),
				run: () => {
					state.amenities.clear();
					state.openNow = false;
					renderOpenNow();
					renderChips();
					saveFilters();
					search();
				},
			});
		showEmpty(t('finder.none', { km: (state.openNow ? OPEN_RADIUS_M : WIDE_RADIUS_M) / 1000 }), actions);
	}
	mapView?.setStations(lastItems, state.loc);
}

function card(s, i) {
	const go = navLinks(s)[0];
	return h(
		'li',
		{ class: ['station-card', `is-${s.closed ? 'shut' : s.open_now ? 'open' : 'off'}`], dataset: { id: String(s.id) } },
		h(
			'a',
			{ class: 'card-link', href: `/station.html?id=${s.id}` },
			h('span', { class: 'card-num', 'aria-hidden': 'true', text: String(i + 1) }),
			h(
				'span',
				{ class: 'card-main' },
				h('span', { class: 'card-name', text: s.name }),
				h('span', { class: 'card-meta' }, statusBadge(s), h('span', { class: 'card-dist', text: formatDistance(s.distance_m, s.walk_minutes) })),
				s.amenities?.length ? amenityIcons(s.amenities, catalog, state.amenities) : null,
				h('span', { class: 'card-addr', text: s.address }),
			),
		),
		h('a', { class: 'card-go', href: go.href, target: '_blank', rel: 'noopener', 'aria-label': t('finder.route_to', { name: s.name }) }, icon('navigation', 'go-arrow'), h('span', { text: t('finder.route') })),
	);
}

el.more.addEventListener('click', () => {
	state.limit = Math.min(LIMIT_MAX, state.limit + PAGE);
	search();
});

/* ---------- search box: communities, streets, stations ---------- */

let regionsApi = true; // false once the server says it has no /regions
let searchTimer = 0;
let searchCtl = null;

async function runSearch(text) {
	searchCtl?.abort();
	const ctl = new AbortController();
	searchCtl = ctl;
	const regions = regionsApi
		? api.get('regions', { query: { q: text, limit: 6 }, signal: ctl.signal, retries: 0 }).catch((e) => {
				if (e.status === 404) regionsApi = false;
				return { items: [] };
			})
		: Promise.resolve({ items: [] });
	const stations = api.get('stations', { query: { q: text, limit: 6 }, signal: ctl.signal, retries: 0 }).catch(() => ({ items: [] }));
	const [r, s] = await Promise.all([regions, stations]);
	if (ctl.signal.aborted) return;
	const options = [
		...(r.items || []).slice(0, 6).map((reg) => ({ kind: 'region', item: reg })),
		...(s.items || []).slice(0, 6).map((st) => ({ kind: 'station', item: st })),
	];
	showSearchResults(options, text);
}

function regionKind(r) {
	const k = `region.kind.${r.kind}`;
	const s = t(k);
	return s === k ? t('finder.search.region') : s;
}

function showSearchResults(options, text) {
	const box = el.searchResults;
	if (!options.length) {
		fill(box, h('li', { class: 'search-none', text: t('finder.search.none', { q: text }) }));
	} else {
		fill(box, 
			...options.map((o, i) =>
				h(
					'li',
					{ role: 'option', id: `opt-${i}` },
					h(
						'button',
						{ type: 'button', class: 'search-option', dataset: { kind: o.kind }, onclick: () => pick(o) },
						h('span', { class: 'opt-kind', text: o.kind === 'region' ? regionKind(o.item) : t('finder.search.station') }),
						h('span', { class: 'opt-name', text: o.kind === 'region' ? o.item.short_name || o.item.name : o.item.name }),
						o.kind === 'station' ? h('span', { class: 'opt-sub', text: o.item.address || '' }) : null,
					),
				),
			),
		);
	}
	box.hidden = false;
	el.search.setAttribute('aria-expanded', 'true');
}

function closeSearch() {
	el.searchResults.hidden = true;
	el.search.setAttribute('aria-expanded', 'false');
}

async function pick(o) {
	closeSearch();
	if (o.kind === 'station') {
		location.href = `/station.html?id=${o.item.id}`;
		return;
	}
	const reg = o.item;
	let loc = reg.location && Number.isFinite(reg.location.lat) ? { ...reg.location } : null;
	let extra = '';
	if (!loc) {
		// A region without a location: its first station, else the city centre.
		try {
			const st = await api.get('stations', { query: { region: reg.code, limit: 1 } });
			if (st.items?.[0]) loc = { ...st.items[0].location };
		} catch {
			/* fall through */
		}
		if (!loc) {
			const c = await cityCentre();
			if (c) loc = { lat: c.lat, lng: c.lng };
			extra = t('finder.region_no_location');
		}
	}
	if (!loc) return;
	el.search.value = reg.short_name || reg.name;
	setLocation({ ...loc, source: 'region', label: reg.short_name || reg.name });
	if (extra) renderWhere(extra);
}

el.search.addEventListener('input', () => {
	clearTimeout(searchTimer);
	const text = el.search.value.trim();
	if (!text) {
		closeSearch();
		return;
	}
	searchTimer = setTimeout(() => runSearch(text), 250);
});
$('#search-form').addEventListener('submit', (e) => {
	e.preventDefault();
	const text = el.search.value.trim();
	if (text) runSearch(text);
});
el.search.addEventListener('keydown', (e) => {
	if (e.key === 'Escape') closeSearch();
	if (e.key === 'ArrowDown') el.searchResults.querySelector('button')?.focus();
});
el.searchResults.addEventListener('keydown', (e) => {
	const opts = [...el.searchResults.querySelectorAll('button')];
	const i = opts.indexOf(document.activeElement);
	if (e.key === 'ArrowDown') opts[Math.min(opts.length - 1, i + 1)]?.focus();
	else if (e.key === 'ArrowUp') (i <= 0 ? el.search : opts[i - 1]).focus();
	else if (e.key === 'Escape') {
		closeSearch();
		el.search.focus();
	} else return;
	e.preventDefault();
});
document.addEventListener('click', (e) => {
	if (!e.target.closest('.search, .search-results')) closeSearch();
});

/* ---------- map ---------- */

async function startMap() {
	if (!catalog?.config?.tiles?.url) return;
	el.mapWrap.hidden = false;
	document.body.classList.add('has-map');
	try {
		const { createMap } = await import('./map.js');
		mapView = await createMap($('#map'), catalog.config, {
			onPick: (p) => setLocation({ ...p, source: 'map' }),
			onNoTiles: () => foldMap(true),
			onSelect: (s) => highlight(s.id),
			popup: (s) =>
				h(
					'div',
					{ class: 'popup' },
					h('a', { class: 'popup-name', href: `/station.html?id=${s.id}`, text: s.name }),
					h('div', { class: 'card-meta' }, statusBadge(s), h('span', { text: formatDistance(s.distance_m, s.walk_minutes) })),
				),
		});
		if (state.loc) mapView.setUser(state.loc);
		if (lastItems.length) mapView.setStations(lastItems, state.loc);
	} catch {
		// No Leaflet (or no network for it): the list is the page.
		el.mapWrap.hidden = true;
		document.body.classList.remove('has-map');
	}
}

/**
 * Without tiles the map is a grey box that pushed the list off a phone's
 * first screen: fold it away (the list is the page) and offer it back.
 */
function foldMap(folded) {
	el.mapFolded.hidden = false;
	el.mapWrap.classList.toggle('is-folded', folded);
	document.body.classList.toggle('has-map', !folded);
	el.mapToggle.textContent = t(folded ? 'map.show' : 'map.hide');
	el.mapToggle.setAttribute('aria-expanded', String(!folded));
	if (!folded) mapView?.invalidate();
}

el.mapToggle.addEventListener('click', () => {
	foldMap(!el.mapWrap.classList.contains('is-folded'));
	if (!el.mapWrap.classList.contains('is-folded') && lastItems.length) mapView?.setStations(lastItems, state.loc);
});

function highlight(id) {
	const cards = [...el.openList.children, ...el.list.children];
	for (const li of cards) li.classList.toggle('is-selected', li.dataset.id === String(id));
	// Side by side (desktop), bring the card into view; on a phone the popup
	// says it and the map stays where the thumb is.
	if (matchMedia('(min-width: 900px)').matches) cards.find((li) => li.dataset.id === String(id))?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
	mapView?.select(id);
}

/* ---------- start ---------- */

async function start() {
	readLink();
	renderOpenNow();
	chromeReady = initChrome();
	const chrome = chromeReady;
	const cat = loadCatalog().then(
		(c) => (catalog = c),
		() => null,
	);

	// A place at once: the link, else the last place (if recent), else the
	// city centre once the config is in; the phone's position refines it.
	if (!state.loc) {
		const last = lastLocation();
		if (last) state.loc = { ...last, source: 'last' };
	}
	if (state.loc) search();

	await chrome;
	renderWhere();
	await cat;
	if (pruneAmenities()) {
		saveFilters();
		if (state.loc) search();
	}
	renderChips();
	// The cards again, now with the catalog's words for their amenities.
	const nOpen = el.openList.children.length;
	if (lastItems.length) {
		fill(el.openList, ...lastItems.slice(0, nOpen).map((s, i) => card(s, i)));
		fill(el.list, ...lastItems.slice(nOpen).map((s, i) => card(s, nOpen + i)));
	}
	startMap();

	if (!state.locFromLink) {
		const perm = await permissionState();
		if (!state.loc) {
			const c = await cityCentre();
			if (c) setLocation(c);
			else showEmpty(t('error.offline'), [{ label: t('action.retry'), run: () => location.reload() }]);
		}
		// Ask for the position right away unless the user said no before:
		// finding the nearest station is the whole point of this page.
		if (perm === 'granted' || perm === 'prompt') useMyLocation({ quiet: true });
		else if (perm === 'denied') renderWhere(t('finder.geo.denied'));
	}
}

start();
