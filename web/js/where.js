// Where the user is: the phone's position (asked for gently: low accuracy,
// a cached fix is fine, because the battery may be nearly empty), the last
// place used (so the next visit shows results at once), and distances.

const LAST_KEY = 'yz.loc';
const LAST_MAX_AGE_MS = 30 * 60 * 1000;

/** The last location used, if recent: {lat, lng, source, label, accuracy}. */
export function lastLocation() {
	try {
		const l = JSON.parse(localStorage.getItem(LAST_KEY) || 'null');
		if (l && Date.now() - l.at < LAST_MAX_AGE_MS && Number.isFinite(l.lat) && Number.isFinite(l.lng)) return l;
	} catch {
		/* ignore */
	}
	return null;
}

export function rememberLocation(loc) {
	try {
		localStorage.setItem(LAST_KEY, JSON.stringify({ ...loc, at: Date.now() }));
	} catch {
		/* ignore */
	}
}

/** 'granted' | 'prompt' | 'denied' | 'unsupported' */
export async function permissionState() {
	if (!('geolocation' in navigator) || !window.isSecureContext) return 'unsupported';
	try {
		const p = await navigator.permissions?.query({ name: 'geolocation' });
		return p?.state || 'prompt';
	} catch {
		return 'prompt';
	}
}

/** The phone's position: resolves {lat, lng, accuracy}; rejects {code: 1 denied | 2 unavailable | 3 timeout | 0 unsupported}. */
export function locate({ precise = false } = {}) {
	return new Promise((resolve, reject) => {
		if (!('geolocation' in navigator) || !window.isSecureContext) {
			reject({ code: 0 });
			return;
		}
		navigator.geolocation.getCurrentPosition(
			(p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: Math.round(p.coords.accuracy || 0) }),
			(e) => reject({ code: e.code || 2 }),
			{ enableHighAccuracy: precise, timeout: precise ? 15000 : 8000, maximumAge: 60000 },
		);
	});
}

/** Great-circle distance in metres (the server's haversine). */
export function distanceM(a, b) {
	const R = 6371008.8;
	const rad = Math.PI / 180;
	const dLat = (b.lat - a.lat) * rad;
	const dLng = (b.lng - a.lng) * rad;
	const x = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
	return 2 * R * Math.asin(Math.min(1, Math.sqrt(x)));
}

/** Walking minutes as the server counts them (a 1.25 detour at 80 m/min). */
export function walkMinutes(m) {
	if (!(m > 0)) return 1;
	return Math.max(1, Math.ceil((m * 1.25) / 80 - 1e-9));
}
