// Filing a request (/new.html?station=&kind=): what kind (点单、微心愿、随手拍、
// 建议), its category, a title and what is needed, at which station (the one
// the page was opened from, one near by, or the person's community), and
// for a photo report where it is (the phone's position, WGS-84) and photos
// from the camera. Before a report is filed the open reports near by of the
// same category are offered to join ("我也遇到了") instead. Photos go up
// after the request exists, each with its progress.
//
// The staff of a station, community or street also file the kinds that are
// theirs alone — 调解案件 (the parties, masked to others, and whether it is a
// major case), 任务 (such as riders handing out 反诈宣传册 along their routes)
// and 走访 (六必访: the household and why) — at a place they work for, and
// may dispatch it to someone at once. ?kind=mediation opens that form for
// staff; anyone else gets 点单 and a word on why. The server stays the judge.

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon, param } from './dom.js';
import { formatDistance, t } from './i18n.js';
import { KIND_ICONS, RESIDENT_KINDS, STAFF_KINDS, categoryName, kindName, loadCatalog, signedOut, staffCovers, staffGrants, uploadPhoto, uploadRow } from './loop.js';
import { errorText } from './ui.js';
import { lastLocation, locate, rememberLocation } from './where.js';

const root = $('#new');
const TITLE_MAX = 60;
const TEXT_MAX = 2000;
const HOUSEHOLD_MAX = 120;
const REASON_MAX = 500;
const PHOTOS_MAX = 6;
/** The usual reasons of a home visit (六必访), one tap each. */
const VISIT_REASONS = ['alone', 'hardship', 'illness', 'jobless', 'dispute', 'newcomer'];

let cat = null;
let account = null;
let staff = false; // the account is staff somewhere: it sees the staff kinds
let kind = 'order';
let category = '';
let here = null; // {lat, lng, accuracy} from the phone
let files = [];
let skipDuplicates = false; // the duplicates were shown and the person files anyway
let chosen = null; // the place last chosen (an option's value), kept across kinds
const places = { resident: null, staff: null }; // the place lists, fetched once
const people = new Map(); // region → Promise of the people one may dispatch to there
let peopleAsked = 0;
// What was typed, kept when the kind changes.
const kept = { title: '', desc: '', parties: '', major: false, household: '', reason: '', assignee: '' };
const ui = {};

const isStaffKind = (k) => STAFF_KINDS.includes(k);

function say(text, kindOf = 'error') {
	ui.flash.textContent = text || '';
	ui.flash.className = `flash flash-${kindOf}`;
	ui.flash.hidden = !text;
	if (text) ui.flash.scrollIntoView({ block: 'nearest' });
}

function kindButton(k) {
	return h(
		'button',
		{
			type: 'button',
			class: 'kind-btn',
			id: `kind-${k}`,
			'aria-pressed': String(k === kind),
			onclick: () => {
				if (k === kind) return;
				keep();
				kind = k;
				category = '';
				skipDuplicates = false;
				say('');
				draw();
			},
		},
		icon(KIND_ICONS[k], 'kind-ico'),
		h('span', { class: 'kind-name', text: kindName(cat, k) }),
		h('span', { class: 'kind-hint', text: t(`new.hint.${k}`) }),
	);
}

function kindChips() {
	const residents = h('div', { class: 'kind-grid', id: 'new-kinds', role: 'group', 'aria-label': t('new.kind') }, RESIDENT_KINDS.map(kindButton));
	if (!staff) return residents;
	return [
		residents,
		h('h2', { class: 'kind-group-head', id: 'new-staff-head' }, icon('clipboard-list', 'ico'), h('span', { text: t('new.staff_kinds') })),
		h('div', { class: 'kind-grid kind-grid-staff', id: 'new-staff-kinds', role: 'group', 'aria-labelledby': 'new-staff-head' }, STAFF_KINDS.map(kindButton)),
	];
}

function categoryChips() {
	const cats = (cat.byKind[kind]?.categories || []).filter((c) => !c.retired); // a retired one takes no new request
	return h(
		'div',
		{ class: 'chips chips-wrap', role: 'group', id: 'new-categories', 'aria-label': t('new.category') },
		cats.map((c) =>
			h('button', {
				type: 'button',
				class: 'chip',
				dataset: { code: c.code },
				'aria-pressed': String(c.code === category),
				text: categoryName(cat, kind, c.code),
				onclick: (e) => {
					category = c.code;
					skipDuplicates = false;
					for (const b of e.currentTarget.parentElement.children) b.setAttribute('aria-pressed', String(b.dataset.code === category));
					checkDuplicates();
				},
			}),
		),
	);
}

/** A place to file at: a station, or a region without one ("region:CODE"), or none. */
function stationPlace(s, label) {
	return { value: String(s.id), label: label || s.name, region: s.region_code || '', stationId: s.id };
}

async function wantedStation() {
	const wanted = Number(param('station')) || 0;
	if (!wanted) return null;
	try {
		return await api.get(`stations/${wanted}`);
	} catch {
		return null; // gone: the others
	}
}

/** Where a resident kind goes: the station asked for, those near by, the community's; or none. */
async function residentPlaces() {
	if (places.resident) return places.resident;
	const list = [];
	const seen = new Set();
	const add = (p) => {
		if (seen.has(p.value)) return;
		seen.add(p.value);
		list.push(p);
	};
	const wanted = await wantedStation();
	if (wanted) add(stationPlace(wanted));
	const loc = here || lastLocation();
	try {
		if (loc) {
			const near = await api.get('stations/nearby', { query: { lat: loc.lat, lng: loc.lng, radius_m: 3000, limit: 8 } });
			for (const s of near.items) add(stationPlace(s, `${s.name} · ${formatDistance(s.distance_m)}`));
		}
		const community = (account.roles || []).map((r) => r.scope).find((s) => /^\d{12}$/.test(s || ''));
		if (community) for (const s of (await api.get('stations', { query: { region: community, limit: 20 } })).items) add(stationPlace(s));
	} catch {
		/* the choice of none still works */
	}
	list.push({ value: '', label: t('new.station_none'), region: '', stationId: 0 });
	places.resident = { list, refused: null };
	return places.resident;
}

/**
 * Where a staff kind goes: only places the account works for — the station
 * asked for when it is one of them, the streets and communities it holds
 * (filed there without a station), then the stations it holds or that lie
 * within them. refused is the station asked for when it is not one of them.
 */
async function staffPlaces() {
	if (places.staff) return places.staff;
	const grants = staffGrants(account);
	const covered = (p) => staffCovers(account, p);
	const [wanted, regions, stations] = await Promise.all([
		wantedStation(),
		Promise.all(grants.filter((g) => /^(\d{9}|\d{12})$/.test(g.scope)).map((g) => api.get(`regions/${g.scope}`).catch(() => null))),
		Promise.all(
			grants.map((g) =>
				g.scope.startsWith('station:')
					? api.get(`stations/${g.scope.slice(8)}`).then((s) => [s], () => [])
					: api.get('stations', { query: { region: g.scope === '*' ? undefined : g.scope, limit: 50 } }).then((p) => p.items, () => []),
			),
		),
	]);
	const list = [];
	const seen = new Set();
	const add = (p) => {
		if (seen.has(p.value) || !covered(p)) return;
		seen.add(p.value);
		list.push(p);
	};
	if (wanted) add(stationPlace(wanted));
	for (const r of regions) if (r) add({ value: `region:${r.code}`, label: t('new.place_region', { name: r.name }), region: r.code, stationId: 0 });
	for (const s of stations.flat()) add(stationPlace(s));
	places.staff = { list, refused: wanted && !covered(stationPlace(wanted)) ? wanted : null };
	return places.staff;
}

function currentPlace() {
	return ui.places?.list.find((p) => p.value === ui.station?.value) || null;
}

function placeField() {
	const { list, refused } = ui.places;
	ui.station = h('select', { class: 'input', id: 'new-station', name: 'station_id' }, list.map((p) => h('option', { value: p.value, text: p.label })));
	if (chosen !== null && list.some((p) => p.value === chosen)) ui.station.value = chosen;
	ui.station.addEventListener('change', () => {
		chosen = ui.station.value;
		loadAssignees();
	});
	const staffKind = isStaffKind(kind);
	return h(
		'div',
		{ class: 'field' },
		h('label', { for: 'new-station', text: t(staffKind ? 'new.place' : 'new.station') }),
		ui.station,
		staffKind && refused ? h('p', { class: 'muted field-note', id: 'new-place-note', text: t('new.place_refused', { name: refused.name }) }) : null,
	);
}

/** The fields a staff kind has: the parties of a mediation, the household of a visit. */
function staffFields() {
	if (kind === 'mediation') {
		ui.parties = h('textarea', { class: 'input', id: 'new-parties', name: 'parties', rows: '3', maxlength: String(TEXT_MAX), required: true, 'aria-describedby': 'new-parties-hint', placeholder: t('new.parties_ph') });
		ui.parties.value = kept.parties;
		ui.major = h('input', { type: 'checkbox', id: 'new-major', name: 'major', checked: kept.major });
		return [
			h('div', { class: 'field' }, h('label', { for: 'new-parties', text: t('new.parties') }), h('p', { class: 'muted hint-above', id: 'new-parties-hint', text: t('new.parties_hint') }), ui.parties),
			h('div', { class: 'field' }, h('label', { class: 'check', for: 'new-major' }, ui.major, h('span', { text: t('new.major') })), h('p', { class: 'muted field-note', text: t('new.major_hint') })),
		];
	}
	if (kind === 'visit') {
		ui.household = h('input', { class: 'input', id: 'new-household', name: 'household', maxlength: String(HOUSEHOLD_MAX), required: true, autocomplete: 'off', placeholder: t('new.household_ph') });
		ui.household.value = kept.household;
		ui.reason = h('input', { class: 'input', id: 'new-reason', name: 'reason', maxlength: String(REASON_MAX), autocomplete: 'off', placeholder: t('new.reason_ph') });
		ui.reason.value = kept.reason;
		const quick = VISIT_REASONS.map((code) =>
			h('button', {
				type: 'button',
				class: 'chip',
				dataset: { reason: code },
				text: t(`new.visit_reason.${code}`),
				onclick: () => {
					ui.reason.value = t(`new.visit_reason.${code}`);
					ui.reason.focus();
				},
			}),
		);
		return [
			h('div', { class: 'field' }, h('label', { for: 'new-household', text: t('new.household') }), ui.household),
			h('div', { class: 'field' }, h('label', { for: 'new-reason', text: t('new.reason') }), ui.reason, h('div', { class: 'chips chips-wrap field-chips', id: 'new-reasons', role: 'group', 'aria-label': t('new.reason_quick') }, quick)),
		];
	}
	return [];
}

/** Dispatch at filing (staff): the people with an account at the place, volunteers first. */
function assigneeField() {
	ui.assignee = h('select', { class: 'input', id: 'new-assignee', name: 'assignee_id' }, h('option', { value: '', text: t('new.assignee_none') }));
	ui.assigneeField = h('div', { class: 'field', id: 'new-assignee-field', hidden: true }, h('label', { for: 'new-assignee', text: t('new.assignee') }), ui.assignee);
	return ui.assigneeField;
}

const volunteerFirst = (a, b) => Number(b.categories?.includes('volunteer')) - Number(a.categories?.includes('volunteer'));

async function loadAssignees() {
	if (!isStaffKind(kind) || !ui.assignee) return;
	const region = currentPlace()?.region || '';
	const mine = ++peopleAsked;
	if (!people.has(region))
		people.set(
			region,
			api.get('people', { query: { region: region || undefined, limit: 200 } }).then(
				(p) => p.items.filter((x) => x.account_id).sort(volunteerFirst),
				() => [], // not allowed to read the ledger (a station's manager): dispatch from the queue
			),
		);
	const list = await people.get(region);
	if (mine !== peopleAsked || !ui.assignee.isConnected) return;
	fill(ui.assignee, h('option', { value: '', text: t('new.assignee_none') }), list.map((x) => h('option', { value: String(x.account_id), text: x.phone ? `${x.name} · ${x.phone}` : x.name })));
	if (list.some((x) => String(x.account_id) === kept.assignee)) ui.assignee.value = kept.assignee;
	ui.assigneeField.hidden = !list.length;
}

/** Keeps what was typed before the form is drawn again for another kind. */
function keep() {
	if (ui.title) kept.title = ui.title.value;
	if (ui.desc) kept.desc = ui.desc.value;
	if (ui.station) chosen = ui.station.value;
	if (ui.assignee?.isConnected) kept.assignee = ui.assignee.value;
	if (ui.parties?.isConnected) {
		kept.parties = ui.parties.value;
		kept.major = ui.major.checked;
	}
	if (ui.household?.isConnected) {
		kept.household = ui.household.value;
		kept.reason = ui.reason.value;
	}
}

function locationBox() {
	const status = h('p', { class: 'muted', id: 'new-where', role: 'status', text: here ? t('new.located', { m: here.accuracy }) : t('new.not_located') });
	const btn = h('button', { type: 'button', class: 'btn btn-secondary btn-block', id: 'new-locate' }, icon('crosshair', 'ico'), h('span', { text: t('new.use_location') }));
	btn.addEventListener('click', async () => {
		btn.disabled = true;
		status.textContent = t('new.locating');
		try {
			here = await locate({ precise: true });
			rememberLocation({ ...here, source: 'gps' });
			places.resident = null; // the stations near by, asked again at the next kind
			status.textContent = t('new.located', { m: here.accuracy });
			status.dataset.located = 'yes';
			checkDuplicates();
		} catch (e) {
			status.textContent = t(e.code === 1 ? 'new.locate_denied' : 'new.locate_failed');
		} finally {
			btn.disabled = false;
		}
	});
	return h('div', { class: 'field' }, h('span', { class: 'field-label', text: t('new.where') }), btn, status);
}

function photoBox() {
	const input = h('input', { type: 'file', id: 'new-photo', class: 'sr-only', accept: 'image/*', multiple: true });
	if (kind === 'report') input.setAttribute('capture', 'environment');
	const list = h('ul', { class: 'up-list', id: 'new-photos' });
	const show = () => fill(list, files.map((f, i) => h('li', { class: 'up-row' }, h('span', { class: 'up-note', text: f.name }), h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'aria-label': t('new.photo_remove', { name: f.name }), onclick: () => (files.splice(i, 1), show()) }, icon('x', 'ico')))));
	input.addEventListener('change', () => {
		files = [...files, ...input.files].slice(0, PHOTOS_MAX);
		input.value = '';
		show();
	});
	show();
	return h(
		'div',
		{ class: 'field' },
		h('span', { class: 'field-label', text: t('new.photos', { n: PHOTOS_MAX }) }),
		h('label', { class: 'btn btn-secondary btn-block', for: 'new-photo', id: 'new-photo-pick' }, icon(kind === 'report' ? 'camera' : 'image-plus', 'ico'), h('span', { text: t(kind === 'report' ? 'new.photo_camera' : 'new.photo_add') })),
		input,
		list,
	);
}

/** Asks for open reports near by of the same category; shows them to join. */
async function checkDuplicates() {
	if (kind !== 'report' || !here || !category || !ui.dups) return [];
	let items = [];
	try {
		items = (await api.get('requests/duplicates', { query: { kind: 'report', category, lat: here.lat, lng: here.lng, crs: 'wgs84' } })).items;
	} catch {
		items = [];
	}
	fill(
		ui.dups,
		items.length
			? [
					h('h2', { text: t('new.dups_title') }),
					h('p', { class: 'muted', text: t('new.dups_intro') }),
					h(
						'ul',
						{ class: 'rq-list' },
						items.map((d) =>
							h(
								'li',
								{ class: 'rq-card dup', dataset: { id: String(d.id) } },
								h('span', { class: 'rq-title', text: d.title }),
								h('span', { class: 'rq-meta muted', text: t('new.dup_meta', { m: d.distance_m, n: d.followers }) }),
								h('div', { class: 'rq-actions' }, h('button', { type: 'button', class: 'btn btn-primary btn-small dup-follow', onclick: (e) => follow(d, e.currentTarget) }, h('span', { text: t('new.me_too') }))),
							),
						),
					),
				]
			: [],
	);
	ui.dups.hidden = !items.length;
	return items;
}

async function follow(d, btn) {
	btn.disabled = true;
	try {
		await api.post(`requests/${d.id}/follow`);
		location.href = `/request.html?id=${d.id}&new=followed`;
	} catch (e) {
		say(errorText(e));
		btn.disabled = false;
	}
}

/** The server's words for a refusal (403): it knows why; other errors as usual. */
function refusalText(err) {
	if (err.status === 403 && err.type !== 'csrf' && err.problem?.detail) return err.problem.detail;
	return errorText(err);
}

async function submit(e) {
	e.preventDefault();
	say('');
	const title = ui.title.value.trim();
	if (!category) return say(t('new.need_category'));
	if (!title) return say(t('new.need_title'));
	if (kind === 'mediation' && !ui.parties.value.trim()) {
		ui.parties.focus();
		return say(t('new.need_parties'));
	}
	if (kind === 'visit' && !ui.household.value.trim()) {
		ui.household.focus();
		return say(t('new.need_household'));
	}
	if (kind === 'report' && !here) return say(t('new.need_location'));
	if (kind === 'report' && !skipDuplicates) {
		const dups = await checkDuplicates();
		if (dups.length) {
			skipDuplicates = true;
			say(t('new.dups_first'), 'info');
			return;
		}
	}
	const body = { kind, category, title, description: ui.desc.value.trim() || undefined };
	const place = currentPlace();
	if (place?.stationId) body.station_id = place.stationId;
	else if (place?.value.startsWith('region:')) body.region_code = place.region;
	if (here && kind === 'report') body.location = { lat: here.lat, lng: here.lng };
	if (kind === 'mediation') {
		body.parties = ui.parties.value.trim();
		body.major = ui.major.checked;
	}
	if (kind === 'visit') {
		body.household = ui.household.value.trim();
		if (ui.reason.value.trim()) body.reason = ui.reason.value.trim();
	}
	if (isStaffKind(kind) && ui.assignee?.value) body.assignee_id = Number(ui.assignee.value);
	ui.submit.disabled = true;
	try {
		const made = await api.post('requests', body, { query: { crs: 'wgs84' } });
		for (const f of files) {
			const row = uploadRow(f);
			ui.progress.append(row.li);
			try {
				await uploadPhoto(made.id, f, 'request', row.set);
				row.done(true);
			} catch (err) {
				row.done(false, err.message);
			}
		}
		location.href = `/request.html?id=${made.id}&new=1`;
	} catch (err) {
		const fields = Object.entries(err.fields || {});
		say(fields.length ? fields.map(([f, m]) => `${t(`new.field.${f}`)}：${m.join(' ')}`).join('；') : refusalText(err));
		ui.submit.disabled = false;
	}
}

async function draw() {
	const staffKind = isStaffKind(kind);
	ui.title = h('input', { class: 'input', id: 'new-title', name: 'title', maxlength: String(TITLE_MAX), autocomplete: 'off', placeholder: t(`new.title_ph.${kind}`) });
	ui.title.value = kept.title;
	ui.desc = h('textarea', { class: 'input', id: 'new-desc', name: 'description', rows: '4', maxlength: String(TEXT_MAX), placeholder: t(staffKind ? `new.desc_ph.${kind}` : 'new.desc_ph') });
	ui.desc.value = kept.desc;
	ui.submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'new-submit' }, icon(staffKind ? KIND_ICONS[kind] : 'send', 'ico'), h('span', { text: t(staffKind ? 'new.submit_staff' : 'new.submit', { kind: kindName(cat, kind) }) }));
	ui.progress = h('ul', { class: 'up-list', id: 'new-progress' });
	ui.dups = h('section', { class: 'card-section dups', id: 'new-dups', hidden: true, 'aria-live': 'polite' });
	ui.places = staffKind ? await staffPlaces() : await residentPlaces();
	fill(
		root,
		h('h1', { class: 'signin-title', text: t('new.title') }),
		kindChips(),
		ui.flash,
		h(
			'form',
			{ class: 'card-section new-form', id: 'new-form', novalidate: true, onsubmit: submit },
			h('div', { class: 'field' }, h('span', { class: 'field-label', text: t('new.category') }), categoryChips()),
			h('div', { class: 'field' }, h('label', { for: 'new-title', text: t('new.title_label') }), ui.title),
			staffFields(),
			h('div', { class: 'field' }, h('label', { for: 'new-desc', text: t('new.desc') }), ui.desc),
			kind === 'report' ? locationBox() : null,
			placeField(),
			staffKind ? assigneeField() : null,
			photoBox(),
			ui.dups,
			ui.progress,
			ui.submit,
		),
	);
	root.dataset.kind = kind;
	checkDuplicates();
	loadAssignees();
}

/** The kind the link asks for: a staff kind only for staff; anyone else gets 点单 and why. */
function askedKind() {
	const asked = param('kind');
	if (RESIDENT_KINDS.includes(asked)) return asked;
	if (!isStaffKind(asked)) return 'order';
	if (staff) return asked;
	say(t('new.staff_only', { kind: kindName(cat, asked) }), 'info');
	root.dataset.fallback = asked;
	return 'order';
}

async function start() {
	await initChrome();
	ui.flash = h('p', { class: 'flash', role: 'alert', id: 'new-flash', hidden: true });
	try {
		account = await currentAccount();
		if (!account) return signedOut(root, t('new.title'), t('new.signin_intro'));
		renderAccount();
		staff = staffGrants(account).length > 0;
		cat = await loadCatalog();
		kind = askedKind();
		await draw();
		root.dataset.state = 'ready';
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }));
		root.dataset.state = 'error';
	}
}

start();
