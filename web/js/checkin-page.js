// The check-in page's work (/checkin.html?id=N&t=TOKEN), loaded by its
// first script (checkin.js), which makes the purpose buttons tappable before
// this arrives: the station's name, whether it is open and how many checked
// in today; one tap, one small POST, and the answer. A rider who is not
// signed in gets the SMS-code form right here (loaded only then) and is
// checked in for the purpose chosen as soon as the code is accepted.

import { api, currentAccount, knownAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, $$, h, fill, param } from './dom.js';
import { isZh, t } from './i18n.js';

const root = $('#checkin');
const id = Number(param('id'));
const token = param('t') || '';
/** Whether the address has what a check-in needs (checkin.js asks the same). */
export const linkOk = Number.isInteger(id) && id > 0 && /^[A-Za-z0-9_-]{8,}$/.test(token);
const buttons = $$('#purposes .purpose');
const flash = $('#ck-flash');
const result = $('#ck-result');
const signinBox = $('#ck-signin');
const who = $('#ck-who');

let chosen = null;
let busy = false;
let station = null;
let account; // undefined: not known yet; null: signed out
const session = currentAccount().then(
	(a) => (account = a),
	() => (account = knownAccount.get()),
);

const say = (text, kind = 'error') => {
	flash.textContent = text || '';
	flash.dataset.kind = kind;
	flash.hidden = !text;
};

/** "15:31" of an instant the server wrote in city time. */
const clock = (iso) => /T(\d{2}:\d{2})/.exec(iso || '')?.[1] || '';

function setButtons(enabled) {
	for (const b of buttons) {
		b.disabled = !enabled;
		b.setAttribute('aria-pressed', String(b.dataset.purpose === chosen));
	}
}

function purposeName(code) {
	const b = buttons.find((x) => x.dataset.purpose === code);
	return b ? b.querySelector('.purpose-name').textContent : code;
}

/** The station's state and today's count, under its name. */
function renderStatus(count) {
	const status = $('#ck-status');
	if (!station) return;
	const st = station.closed ? 'shut' : station.open_now ? 'open' : 'off';
	fill(
		status,
		h('span', { class: `badge badge-${st}`, text: t(`status.${st}`) }),
		h('span', { class: 'ck-count', id: 'ck-count', text: count == null ? '' : t('checkin.today_count', { n: count }) }),
	);
	if (st !== 'open') {
		say(st === 'shut' ? t('checkin.station_shut') : t('checkin.station_off'));
		setButtons(false);
	}
}

function renderWho() {
	if (account) who.textContent = t('checkin.as', { name: account.name });
	else if (account === null) who.textContent = t('checkin.need_phone');
}

/** The answer: done (or done already), the time, today's count, and where next. */
function renderDone(c) {
	$('#ck-choose').hidden = true;
	signinBox.hidden = true;
	say('');
	fill(
		result,
		h(
			'div',
			{ class: ['ck-done', c.duplicate && 'is-duplicate'], role: 'status' },
			h('p', { class: 'ck-done-title', id: 'ck-done-title', text: c.duplicate ? t('checkin.duplicate') : t('checkin.done') }),
			h('p', { class: 'ck-done-line' }, h('span', { class: 'ck-done-purpose', text: purposeName(c.purpose) }), ' · ', h('span', { text: t('checkin.at', { time: clock(c.at) }) })),
			h('p', { class: 'ck-done-line', id: 'ck-today', text: t('checkin.today_count', { n: c.today_count }) }),
			c.placed ? h('p', { class: 'ck-done-note', text: t('checkin.placed') }) : null,
		),
		h(
			'div',
			{ class: 'ck-next' },
			h('a', { class: 'btn btn-primary btn-block', id: 'ck-me', href: '/me.html', text: t('checkin.my_profile') }),
			h('a', { class: 'btn btn-secondary btn-block', href: `/station.html?id=${c.station_id || id}`, text: t('checkin.station_page') }),
		),
	);
	result.hidden = false;
	const count = $('#ck-count');
	if (count) count.textContent = t('checkin.today_count', { n: c.today_count });
	result.focus({ preventScroll: true });
	result.scrollIntoView({ block: 'start', behavior: 'smooth' });
	root.dataset.state = 'done';
}

async function checkIn(retried = false) {
	busy = true;
	setButtons(false);
	const b = buttons.find((x) => x.dataset.purpose === chosen);
	b?.classList.add('is-busy');
	say(t('checkin.busy'), 'info');
	try {
		const c = await api.post('checkins', { token, purpose: chosen });
		renderDone(c);
	} catch (e) {
		if (e.status === 401 || (e.type === 'csrf' && retried)) {
			account = null;
			knownAccount.set(null);
			renderAccount();
			say('');
			await offerSignIn();
		} else if (e.type === 'csrf' && !retried) {
			// A tab without this session's token: fetch it, try once more.
			account = await currentAccount().catch(() => null);
			if (account) return checkIn(true);
			say('');
			await offerSignIn();
		} else if (e.status === 404) say(isZh() ? e.message : t('checkin.unknown_code'));
		else if (e.status === 409) say(isZh() ? e.message : t('checkin.station_off'));
		else if (e.status === 0) say(t('error.offline'));
		else say(e.message);
		if (root.dataset.state !== 'done') setButtons(!station || (!station.closed && station.open_now));
	} finally {
		busy = false;
		b?.classList.remove('is-busy');
	}
}

/** The SMS-code form below the buttons; checks in once it signs the rider in. */
async function offerSignIn() {
	root.dataset.state = 'signin';
	signinBox.hidden = false;
	fill(signinBox, h('p', { class: 'loading', text: t('common.loading') }));
	const { mountCodeForm } = await import('./codeform.js');
	await mountCodeForm(signinBox, {
		mode: 'quick',
		title: t('checkin.signin_title', { purpose: purposeName(chosen) }),
		intro: t('checkin.signin_intro'),
		submitLabel: t('checkin.signin_submit'),
		newSubmitLabel: t('checkin.signup_submit'),
		onDone: async (s) => {
			account = s.account;
			renderAccount();
			renderWho();
			signinBox.hidden = true;
			await checkIn();
		},
	});
	signinBox.scrollIntoView({ block: 'start', behavior: 'smooth' });
	signinBox.querySelector('input[name="phone"]')?.focus({ preventScroll: true });
}

let choosing = null;

/** A tap on a purpose (taps while one is under way are dropped). */
export function choose(purpose) {
	if (busy || choosing) return choosing;
	choosing = chooseNow(purpose).finally(() => {
		choosing = null;
	});
	return choosing;
}

async function chooseNow(purpose) {
	chosen = purpose;
	setButtons(true);
	// The choice survives a reload (the phone may drop the tab while the SMS app is open).
	const u = new URL(location.href);
	u.searchParams.set('p', purpose);
	history.replaceState(null, '', u);
	if (account === undefined) {
		say(t('common.loading'), 'info');
		await session;
		say('');
	}
	if (account) return checkIn();
	if (signinBox.hidden || !signinBox.querySelector('form')) return offerSignIn();
	// The form is open already: the new purpose is taken when it is done.
	$('.signin-title', signinBox).textContent = t('checkin.signin_title', { purpose: purposeName(chosen) });
	signinBox.querySelector('input:not([hidden])')?.focus();
}

/** Fills in the station, the account and the words; checkin.js has wired the buttons. */
export function start() {
	if (!linkOk) {
		root.dataset.state = 'error';
		initChrome().then(() => {
			$('#ck-choose').hidden = true;
			say(t('checkin.bad_link'));
		});
		return;
	}
	const p = param('p');
	if (buttons.some((b) => b.dataset.purpose === p)) chosen ||= p;
	setButtons(true);

	const chrome = initChrome();
	const count = api.get(`stations/${id}/checkins/today`).then(
		(r) => r.count,
		() => null,
	);
	const detail = api.get(`stations/${id}`);
	// The name needs no words of ours: shown as soon as it is here.
	detail.then(
		(s) => {
			const name = $('#ck-name');
			delete name.dataset.i18n; // the words arriving later must not put "驿站" back
			name.textContent = s.name;
		},
		() => {},
	);
	Promise.all([detail, count, chrome]).then(
		([s, n]) => {
			station = s;
			document.title = `${s.name} · ${t('checkin.kicker')}`;
			renderStatus(n);
		},
		async (e) => {
			await chrome;
			say(e.status === 404 ? t('checkin.unknown_station') : e.status === 0 ? t('error.offline') : e.message);
		},
	);
	Promise.all([session, chrome]).then(() => {
		renderAccount();
		renderWho();
		// Came back with a purpose chosen and still signed out: the form again.
		if (chosen && !account && root.dataset.state === 'ready' && !choosing) offerSignIn();
	});
}
