// Filing a request (/new.html?station=&kind=): what kind (点单、微心愿、随手拍、
// 建议), its category, a title and what is needed, at which station (the one
// the page was opened from, one near by, or the person's community), and
// for a photo report where it is (the phone's position, WGS-84) and photos
// from the camera. Before a report is filed the open reports near by of the
// same category are offered to join ("我也遇到了") instead. Photos go up
// after the request exists, each with its progress.

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon, param } from './dom.js';
import { formatDistance, t } from './i18n.js';
import { RESIDENT_KINDS, categoryName, kindName, loadCatalog, signedOut, uploadPhoto, uploadRow } from './loop.js';
import { errorText } from './ui.js';
import { lastLocation, locate, rememberLocation } from './where.js';

const root = $('#new');
const KIND_ICONS = { order: 'clipboard-list', wish: 'hand-heart', report: 'camera', suggestion: 'lightbulb' };
const TITLE_MAX = 60;
const PHOTOS_MAX = 6;

let cat = null;
let account = null;
let kind = RESIDENT_KINDS.includes(param('kind')) ? param('kind') : 'order';
let category = '';
let here = null; // {lat, lng, accuracy} from the phone
let files = [];
let skipDuplicates = false; // the duplicates were shown and the person files anyway
const ui = {};

function say(text, kindOf = 'error') {
	ui.flash.textContent = text || '';
	ui.flash.className = `flash flash-${kindOf}`;
	ui.flash.hidden = !text;
	if (text) ui.flash.scrollIntoView({ block: 'nearest' });
}

function kindChips() {
	return h(
		'div',
		{ class: 'kind-grid', role: 'group', 'aria-label': t('new.kind') },
		RESIDENT_KINDS.map((k) =>
			h(
				'button',
				{
					type: 'button',
					class: 'kind-btn',
					id: `kind-${k}`,
					'aria-pressed': String(k === kind),
					onclick: () => {
						kind = k;
						category = '';
						skipDuplicates = false;
						draw();
					},
				},
				icon(KIND_ICONS[k], 'kind-ico'),
				h('span', { class: 'kind-name', text: kindName(cat, k) }),
				h('span', { class: 'kind-hint', text: t(`new.hint.${k}`) }),
			),
		),
	);
}

function categoryChips() {
	const cats = cat.byKind[kind]?.categories || [];
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

async function stationOptions() {
	const sel = h('select', { class: 'input', id: 'new-station', name: 'station_id' });
	const options = [];
	const seen = new Set();
	const add = (s, label) => {
		if (seen.has(s.id)) return;
		seen.add(s.id);
		options.push(h('option', { value: String(s.id), text: label || s.name }));
	};
	const wanted = Number(param('station')) || 0;
	if (wanted) {
		try {
			add(await api.get(`stations/${wanted}`));
		} catch {
			/* gone: the others */
		}
	}
	const loc = here || lastLocation();
	try {
		if (loc) {
			const near = await api.get('stations/nearby', { query: { lat: loc.lat, lng: loc.lng, radius_m: 3000, limit: 8 } });
			for (const s of near.items) add(s, `${s.name} · ${formatDistance(s.distance_m)}`);
		}
		const community = (account.roles || []).map((r) => r.scope).find((s) => /^\d{12}$/.test(s || ''));
		if (community) for (const s of (await api.get('stations', { query: { region: community, limit: 20 } })).items) add(s);
	} catch {
		/* the choice of none still works */
	}
	options.push(h('option', { value: '', text: t('new.station_none') }));
	sel.replaceChildren(...options);
	return sel;
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

async function submit(e) {
	e.preventDefault();
	say('');
	for (const el of root.querySelectorAll('.field-error')) el.remove();
	const title = ui.title.value.trim();
	if (!category) return say(t('new.need_category'));
	if (!title) return say(t('new.need_title'));
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
	if (ui.station.value) body.station_id = Number(ui.station.value);
	if (here && kind === 'report') body.location = { lat: here.lat, lng: here.lng };
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
		say(fields.length ? fields.map(([f, m]) => `${t(`new.field.${f}`)}：${m.join(' ')}`).join('；') : errorText(err));
		ui.submit.disabled = false;
	}
}

async function draw() {
	ui.title = h('input', { class: 'input', id: 'new-title', name: 'title', maxlength: String(TITLE_MAX), autocomplete: 'off', placeholder: t(`new.title_ph.${kind}`) });
	ui.desc = h('textarea', { class: 'input', id: 'new-desc', name: 'description', rows: '4', maxlength: '2000', placeholder: t('new.desc_ph') });
	ui.submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'new-submit' }, icon('send', 'ico'), h('span', { text: t('new.submit', { kind: kindName(cat, kind) }) }));
	ui.progress = h('ul', { class: 'up-list', id: 'new-progress' });
	ui.dups = h('section', { class: 'card-section dups', id: 'new-dups', hidden: true, 'aria-live': 'polite' });
	ui.station = await stationOptions();
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
			h('div', { class: 'field' }, h('label', { for: 'new-desc', text: t('new.desc') }), ui.desc),
			kind === 'report' ? locationBox() : null,
			h('div', { class: 'field' }, h('label', { for: 'new-station', text: t('new.station') }), ui.station),
			photoBox(),
			ui.dups,
			ui.progress,
			ui.submit,
		),
	);
	root.dataset.kind = kind;
	checkDuplicates();
}

async function start() {
	await initChrome();
	ui.flash = h('p', { class: 'flash', role: 'alert', id: 'new-flash', hidden: true });
	try {
		account = await currentAccount();
		if (!account) return signedOut(root, t('new.title'), t('new.signin_intro'));
		renderAccount();
		cat = await loadCatalog();
		await draw();
		root.dataset.state = 'ready';
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }));
		root.dataset.state = 'error';
	}
}

start();
