// Opening hours in the browser, with the server's rules (src/domain/hours.c):
// the city's local time is UTC+8 whatever the phone's time zone; days are
// 1 = Monday … 7 = Sunday; a close time not after the open time runs past
// midnight; a dated exception replaces that date's weekly ranges; a range of
// 00:00–24:00 is all day. Pure functions.

export const OFFSET_MIN = 8 * 60;
export const RANGES_MAX = 28;
export const EXCEPTIONS_MAX = 32;

/** {dayNum, weekday, minute} of the city's local time at ms (default now). */
export function cityClock(ms = Date.now()) {
	const local = Math.floor(ms / 60000) + OFFSET_MIN;
	const dayNum = Math.floor(local / 1440);
	return { dayNum, weekday: weekdayOf(dayNum), minute: local - dayNum * 1440 };
}

/** ISO weekday (1–7) of a day number (days since 1970-01-01, a Thursday). */
export function weekdayOf(dayNum) {
	return ((((dayNum + 3) % 7) + 7) % 7) + 1;
}

/** "HH:MM" (00:00–24:00) → minutes, or -1. */
export function parseHHMM(s) {
	const m = /^(\d\d):(\d\d)$/.exec(s || '');
	if (!m) return -1;
	const hh = Number(m[1]);
	const mm = Number(m[2]);
	if (mm > 59 || hh > 24 || (hh === 24 && mm)) return -1;
	return hh * 60 + mm;
}

export function formatHHMM(min) {
	return `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
}

/** "YYYY-MM-DD" → day number, or null if not a real date. */
export function dayNumOf(s) {
	const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(s || '');
	if (!m) return null;
	const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const ms = Date.UTC(y, mo - 1, d);
	const back = new Date(ms);
	if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
	return Math.round(ms / 86400000);
}

/** day number → "YYYY-MM-DD" */
export function dateOf(dayNum) {
	return new Date(dayNum * 86400000).toISOString().slice(0, 10);
}

function crosses(r) {
	return r.close <= r.open;
}

/** The weekly ranges of a weekday, as [{open, close}] in minutes, sorted. */
export function weeklyRanges(hours, weekday) {
	if (!hours) return [];
	if (hours.always_open) return [{ open: 0, close: 1440 }];
	const out = [];
	for (const r of hours.weekly || []) {
		if (!(r.days || []).includes(weekday)) continue;
		const open = parseHHMM(r.open);
		const close = parseHHMM(r.close);
		if (open >= 0 && close > 0) out.push({ open, close });
	}
	return out.sort((a, b) => a.open - b.open);
}

/** The exception on a day number, or null. */
export function exceptionOn(hours, dayNum) {
	for (const e of hours?.exceptions || []) if (dayNumOf(e.date) === dayNum) return e;
	return null;
}

/** {ranges, exception} of one date: the exception's, else the week's. */
export function dayRanges(hours, dayNum) {
	const ex = exceptionOn(hours, dayNum);
	if (ex) {
		if (ex.closed !== false) return { ranges: [], exception: ex };
		const open = parseHHMM(ex.open);
		const close = parseHHMM(ex.close);
		return { ranges: open >= 0 && close > 0 ? [{ open, close }] : [], exception: ex };
	}
	return { ranges: weeklyRanges(hours, weekdayOf(dayNum)), exception: null };
}

/** Open at minute m of dayNum, by the hours alone (no closure)? */
export function openAt(hours, dayNum, m) {
	for (const r of dayRanges(hours, dayNum).ranges)
		if (crosses(r) ? m >= r.open : m >= r.open && m < r.close) return true;
	for (const r of dayRanges(hours, dayNum - 1).ranges) if (crosses(r) && m < r.close) return true;
	return false;
}

/** The seven days Monday … Sunday of the week around now: [{dayNum, weekday, date, ranges, exception, today}]. */
export function weekView(hours, now = cityClock()) {
	const monday = now.dayNum - (now.weekday - 1);
	const out = [];
	for (let i = 0; i < 7; i++) {
		const dayNum = monday + i;
		const { ranges, exception } = dayRanges(hours, dayNum);
		out.push({ dayNum, weekday: i + 1, date: dateOf(dayNum), ranges, exception, today: dayNum === now.dayNum });
	}
	return out;
}

/** Exceptions from today on, sorted by date. */
export function upcomingExceptions(hours, now = cityClock()) {
	return (hours?.exceptions || [])
		.filter((e) => (dayNumOf(e.date) ?? -1) >= now.dayNum)
		.sort((a, b) => (a.date < b.date ? -1 : 1));
}

/**
 * When the hours next change state after now (up to 8 days ahead):
 * {open, at: {dayNum, minute} | null}. Ignores temporary closure.
 */
export function nextChange(hours, now = cityClock()) {
	const open = openAt(hours, now.dayNum, now.minute);
	const points = [];
	for (let d = now.dayNum - 1; d <= now.dayNum + 8; d++) {
		for (const r of dayRanges(hours, d).ranges) {
			points.push({ dayNum: d, minute: r.open });
			if (r.close === 1440) points.push({ dayNum: d + 1, minute: 0 });
			else if (crosses(r)) points.push({ dayNum: d + 1, minute: r.close });
			else points.push({ dayNum: d, minute: r.close });
		}
		points.push({ dayNum: d, minute: 0 }); // exceptions switch at midnight
	}
	const key = (p) => p.dayNum * 1440 + p.minute;
	const nowKey = key(now);
	points.sort((a, b) => key(a) - key(b));
	for (const p of points) {
		if (key(p) <= nowKey) continue;
		if (openAt(hours, p.dayNum, p.minute) !== open) return { open, at: p };
	}
	return { open, at: null };
}

/** Counts the ranges a weekly schedule expands to (the server allows RANGES_MAX). */
export function countRanges(weekly) {
	return (weekly || []).reduce((n, r) => n + (r.days || []).length, 0);
}
