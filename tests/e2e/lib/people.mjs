// What the people journeys need: a station to check in at (and the path its
// QR code prints), the SMS code the server wrote to its log (there is no SMS
// gateway in tests), and the network of a slow phone.
import assert from 'node:assert/strict';
import { api, login } from '../../api/lib/client.mjs';
import { DEMO, DEMO_PASSWORD } from '../../api/lib/server.mjs';

/** 龙腾路社区 in 卧龙寺街道, the demo staff's street. */
export const COMMUNITY = '610303008003';
export const COMMUNITY_NAME = '龙腾路社区';

/** "177****1234" */
export const masked = (phone) => `${phone.slice(0, 3)}****${phone.slice(7)}`;

/**
 * Adds an always-open station in the community as the admin. Returns
 * { id, name, qrPath ('/c/TOKEN'), token }.
 */
export async function checkinStation(url, name) {
	const admin = await login(url, DEMO.admin, DEMO_PASSWORD);
	const r = await api(url, {
		method: 'POST',
		path: '/api/v1/stations',
		session: admin,
		body: { name, level: 'community', region_code: COMMUNITY, address: `龙腾路 ${name}`, location: { lat: 34.3746, lng: 107.1528 }, hours: { always_open: true }, amenities: ['water', 'microwave', 'charger'] },
	});
	assert.equal(r.status, 201, r.text);
	// The QR code's link, as the station's managers see it.
	const own = await api(url, { path: `/api/v1/stations/${r.json.id}`, session: admin });
	const qrPath = new URL(own.json.checkin_url).pathname;
	return { id: r.json.id, name, qrPath, token: qrPath.slice('/c/'.length) };
}

/**
 * The newest sign-up code the server logged for phone (without an SMS
 * gateway it writes "code 123456 for 177****1234" to its log); waits for it.
 */
export async function smsCode(srv, phone, { after = 0 } = {}) {
	for (let i = 0; i < 100; i++) {
		const lines = srv.logs().filter((l) => l.event === 'sms_code' && l.msg.includes(masked(phone)));
		if (lines.length > after) return /code (\d{6}) for/.exec(lines.at(-1).msg)[1];
		await new Promise((res) => setTimeout(res, 50));
	}
	assert.fail(`no SMS code for ${masked(phone)} in the server's log`);
}

/** How many codes the server has logged for phone so far. */
export const smsCount = (srv, phone) => srv.logs().filter((l) => l.event === 'sms_code' && l.msg.includes(masked(phone))).length;

/** A 3G-like link: 300 ms latency, about 400 kbit/s each way. */
export const SLOW_3G = { offline: false, latency: 300, downloadThroughput: (400 * 1000) / 8, uploadThroughput: (400 * 1000) / 8 };

/** Slows the page's network down to conditions (Chromium's DevTools throttling). */
export async function throttle(ctx, page, conditions = SLOW_3G) {
	const cdp = await ctx.newCDPSession(page);
	await cdp.send('Network.enable');
	await cdp.send('Network.emulateNetworkConditions', conditions);
	return cdp;
}
