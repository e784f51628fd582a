// The map, when the deployment has tiles. The page keeps every coordinate in
// WGS-84 (what the API, the phone's GPS and the navigation links speak); only
// here, at the map's edge, are points shifted to GCJ-02 when the tiles are
// drawn in it (AMap), and taps shifted back. Leaflet is loaded on demand, so
// a list-only deployment never downloads it and the list never waits for it.

import { h } from './dom.js';
import { t } from './i18n.js';

let leafletLoading = null;

/** Loads /vendor/leaflet (CSS and the UMD script); resolves to window.L. */
export function loadLeaflet() {
	if (window.L) return Promise.resolve(window.L);
	if (leafletLoading) return leafletLoading;
	leafletLoading = new Promise((resolve, reject) => {
		document.head.append(h('link', { rel: 'stylesheet', href: '/vendor/leaflet/leaflet.css' }));
		const s = h('script', { src: '/vendor/leaflet/leaflet.js' });
		s.addEventListener('load', () => resolve(window.L));
		s.addEventListener('error', () => {
			leafletLoading = null;
			reject(new Error('leaflet did not load'));
		});
		document.head.append(s);
	});
	return leafletLoading;
}

// GCJ-02 ("Mars coordinates"), the same arithmetic as src/geo/coord.c.
const KRASOVSKY_A = 6378245.0;
const KRASOVSKY_EE = 0.00669342162296594323;
const PI = Math.PI;

export function inChina(lat, lng) {
	return lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
}

function transformLat(x, y) {
	let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
	r += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0;
	r += ((20.0 * Math.sin(y * PI) + 40.0 * Math.sin((y / 3.0) * PI)) * 2.0) / 3.0;
	r += ((160.0 * Math.sin((y / 12.0) * PI) + 320.0 * Math.sin((y * PI) / 30.0)) * 2.0) / 3.0;
	return r;
}

function transformLng(x, y) {
	let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
	r += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0;
	r += ((20.0 * Math.sin(x * PI) + 40.0 * Math.sin((x / 3.0) * PI)) * 2.0) / 3.0;
	r += ((150.0 * Math.sin((x / 12.0) * PI) + 300.0 * Math.sin((x / 30.0) * PI)) * 2.0) / 3.0;
	return r;
}

/** WGS-84 → GCJ-02 ({lat, lng}); outside China unchanged. */
export function wgsToGcj({ lat, lng }) {
	if (!inChina(lat, lng)) return { lat, lng };
	let dLat = transformLat(lng - 105.0, lat - 35.0);
	let dLng = transformLng(lng - 105.0, lat - 35.0);
	const radLat = (lat / 180.0) * PI;
	let magic = Math.sin(radLat);
	magic = 1 - KRASOVSKY_EE * magic * magic;
	const sqrtMagic = Math.sqrt(magic);
	dLat = (dLat * 180.0) / (((KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrtMagic)) * PI);
	dLng = (dLng * 180.0) / ((KRASOVSKY_A / sqrtMagic) * Math.cos(radLat) * PI);
	return { lat: lat + dLat, lng: lng + dLng };
}

/** GCJ-02 → WGS-84 by fixed-point iteration of the forward transform. */
export function gcjToWgs(g) {
	if (!inChina(g.lat, g.lng)) return { lat: g.lat, lng: g.lng };
	let w = { lat: g.lat, lng: g.lng };
	for (let i = 0; i < 32; i++) {
		const f = wgsToGcj(w);
		const dLat = f.lat - g.lat;
		const dLng = f.lng - g.lng;
		w = { lat: w.lat - dLat, lng: w.lng - dLng };
		if (Math.abs(dLat) < 1e-11 && Math.abs(dLng) < 1e-11) break;
	}
	return w;
}

/**
 * A Leaflet map in el for config.tiles. onPick({lat, lng}) gets a tapped
 * point (WGS-84); onNoTiles() is called once if the first tiles all fail to
 * load (no network to the tile server, a wrong URL): a grey map is then only
 * in the way. Returns {setUser, setStations, select, invalidate}.
 */
export async function createMap(el, config, { onPick, onSelect, popup, onNoTiles } = {}) {
	const L = await loadLeaflet();
	const tiles = config.tiles;
	const gcj = tiles.crs === 'gcj02';
	const toMap = (p) => (gcj ? wgsToGcj(p) : p);
	const fromMap = (p) => (gcj ? gcjToWgs(p) : p);
	const c = toMap(config.city.center);
	const map = L.map(el, { zoomControl: true, attributionControl: true, tap: true }).setView(
		[c.lat, c.lng],
		config.city.zoom || 13,
	);
	map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
	const layer = L.tileLayer(tiles.url, {
		subdomains: tiles.subdomains || 'abc',
		attribution: tiles.attribution || '',
		maxZoom: 19,
		crossOrigin: false,
	});
	// Leaflet fires "load" when the visible tiles are done, loaded or failed.
	let tilesLoaded = 0;
	let tilesFailed = 0;
	layer.on('tileload', () => tilesLoaded++);
	layer.on('tileerror', () => tilesFailed++);
	layer.once('load', () => {
		if (!tilesLoaded && tilesFailed) onNoTiles?.();
	});
	layer.addTo(map);

	const stationLayer = L.layerGroup().addTo(map);
	let userMarker = null;
	let userCircle = null;
	const markers = new Map();

	map.on('click', (e) => onPick?.(fromMap({ lat: e.latlng.lat, lng: e.latlng.lng })));

	function setUser(loc) {
		const p = toMap(loc);
		if (!userMarker) {
			userMarker = L.marker([p.lat, p.lng], {
				icon: L.divIcon({ className: 'pin-me', iconSize: [22, 22], html: '' }),
				keyboard: false,
				title: t('map.you'),
				zIndexOffset: 1000,
			}).addTo(map);
		} else userMarker.setLatLng([p.lat, p.lng]);
		if (userCircle) userCircle.remove();
		userCircle = null;
		if (loc.accuracy && loc.accuracy < 2000) {
			userCircle = L.circle([p.lat, p.lng], { radius: loc.accuracy, className: 'pin-accuracy', interactive: false }).addTo(map);
		}
	}

	function setStations(items, loc) {
		stationLayer.clearLayers();
		markers.clear();
		const bounds = [];
		if (loc) {
			const p = toMap(loc);
			bounds.push([p.lat, p.lng]);
		}
		items.forEach((s, i) => {
			const p = toMap(s.location);
			const state = s.closed ? 'shut' : s.open_now ? 'open' : 'off';
			const m = L.marker([p.lat, p.lng], {
				icon: L.divIcon({ className: `pin pin-${state}`, iconSize: [30, 30], iconAnchor: [15, 15], html: String(i + 1) }),
				title: s.name,
				alt: s.name,
				riseOnHover: true,
			});
			if (popup) m.bindPopup(() => popup(s, i), { closeButton: true, autoPanPadding: [16, 16] });
			m.on('click', () => onSelect?.(s));
			m.addTo(stationLayer);
			markers.set(s.id, m);
			if (i < 5) bounds.push([p.lat, p.lng]);
		});
		if (bounds.length > 1) map.fitBounds(bounds, { padding: [28, 28], maxZoom: 17 });
		else if (bounds.length === 1) map.setView(bounds[0], Math.max(map.getZoom(), 15));
	}

	function select(id) {
		for (const [k, m] of markers) m.getElement()?.classList.toggle('pin-selected', k === id);
		const m = markers.get(id);
		if (m) map.panTo(m.getLatLng());
	}

	return { setUser, setStations, select, invalidate: () => map.invalidateSize(), map };
}
