// The deployment's configuration (map tiles, city) and the amenity catalog.
// Both change rarely, so a phone on a slow network starts from the copy it
// kept last time and refreshes it in the background for the next visit.

import { api } from './api.js';

// v2: icons are names of drawn icons (they were emoji in v1).
const KEY = 'yz.catalog.v2';
const MAX_AGE_MS = 24 * 3600 * 1000;

/** The amenities riders ask for most, shown first. */
export const COMMON = ['microwave', 'water', 'charger', 'toilet', 'rest', 'heating', 'cooling', 'medicine_kit'];

function index(c) {
	c.amenityByCode = Object.fromEntries((c.amenities || []).map((a) => [a.code, a]));
	c.levelByCode = Object.fromEntries((c.levels || []).map((a) => [a.code, a]));
	c.themeByCode = Object.fromEntries((c.themes || []).map((a) => [a.code, a]));
	const rank = (code) => {
		const i = COMMON.indexOf(code);
		return i < 0 ? COMMON.length : i;
	};
	c.amenitiesSorted = [...(c.amenities || [])].sort((a, b) => rank(a.code) - rank(b.code));
	return c;
}

async function fetchFresh() {
	const [config, am] = await Promise.all([api.get('config'), api.get('amenities')]);
	const c = { config, amenities: am.amenities || [], levels: am.levels || [], themes: am.themes || [], at: Date.now() };
	try {
		localStorage.setItem(KEY, JSON.stringify(c));
	} catch {
		/* full or off */
	}
	return c;
}

let pending = null;

/** {config, amenities, levels, themes, amenityByCode, amenitiesSorted, …} */
export function loadCatalog() {
	if (pending) return pending;
	let cached = null;
	try {
		cached = JSON.parse(localStorage.getItem(KEY) || 'null');
	} catch {
		cached = null;
	}
	const fresh = fetchFresh();
	if (cached && cached.config && Date.now() - cached.at < MAX_AGE_MS) {
		fresh.catch(() => {});
		pending = Promise.resolve(index(cached));
	} else {
		pending = fresh.then(index).catch((e) => {
			pending = null;
			if (cached && cached.config) return index(cached);
			throw e;
		});
	}
	return pending;
}
