// The GCJ-02 and BD-09 forward transforms (the published formulas, as in
// gcoord and coordtransform) so tests can state a place the way a phone's
// Chinese map SDK reports it. Points are { lat, lng }.
const A = 6378245.0;
const EE = 0.00669342162296594323;
const X_PI = (Math.PI * 3000.0) / 180.0;

function tLat(x, y) {
	let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
	r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
	r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
	r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
	return r;
}

function tLng(x, y) {
	let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
	r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
	r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
	r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
	return r;
}

export function wgs84ToGcj02({ lat, lng }) {
	const x = lng - 105;
	const y = lat - 35;
	const radLat = (lat / 180) * Math.PI;
	const magic = 1 - EE * Math.sin(radLat) ** 2;
	const sq = Math.sqrt(magic);
	const dLat = (tLat(x, y) * 180) / (((A * (1 - EE)) / (magic * sq)) * Math.PI);
	const dLng = (tLng(x, y) * 180) / ((A / sq) * Math.cos(radLat) * Math.PI);
	return { lat: lat + dLat, lng: lng + dLng };
}

export function gcj02ToBd09({ lat, lng }) {
	const z = Math.sqrt(lng * lng + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
	const t = Math.atan2(lat, lng) + 0.000003 * Math.cos(lng * X_PI);
	return { lat: z * Math.sin(t) + 0.006, lng: z * Math.cos(t) + 0.0065 };
}
