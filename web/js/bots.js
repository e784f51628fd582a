// Group bots (群机器人, /bots.html): a station manager or street staff
// connects a WeCom (企业微信) or DingTalk (钉钉) group to the service
// messages of a station or an area. Each bot shows where it belongs, which
// events it takes, whether its messages arrive (last success, last error)
// and its recent deliveries; it can be edited, sent a test message, switched
// off or deleted. The webhook address is a secret: the page only ever shows
// the masked form the server gives, and sends an address only when one is
// typed anew.

import { api, currentAccount } from './api.js';
import { initChrome } from './chrome.js';
import { $, h, fill, icon, say } from './dom.js';
import { t } from './i18n.js';
import { mountSignIn } from './signin.js';
import { cityTime } from './people.js';
import { fieldBox, showErrors } from './form.js';
import { errorText } from './ui.js';

const root = $('#bots');
const MANAGE_ROLES = new Set(['admin', 'staff', 'manager']);
// The server's topics, in its order (domain/bot.c).
const TOPICS = [
	'request.created',
	'request.dispatched',
	'request.accepted',
	'request.started',
	'request.resolved',
	'request.rated',
	'request.rejected',
	'request.cancelled',
	'request.reopened',
	'request.closed',
	'request.escalated',
];
const DEFAULT_TOPICS = ['request.created', 'request.dispatched', 'request.escalated'];
const NAME_MAX = 40;

let places = { stations: [], regions: [] };
const ui = {};

const topicName = (code) => (code === 'bot.test' ? t('bots.topic.test') : t(`bots.topic.${code}`));
const kindName = (kind) => t(`bots.kind.${kind}`);

/* ---------- the places a bot may belong to ---------- */

/** The stations and areas this account may set bots up for. */
async function loadPlaces(roles) {
	const stations = new Map();
	const regions = new Map();
	const jobs = [];
	const addStations = (res) => res.items.forEach((s) => stations.set(s.id, s.name));
	for (const r of roles) {
		if (!MANAGE_ROLES.has(r.role)) continue;
		const scope = String(r.scope || '');
		const m = /^station:(\d+)$/.exec(scope);
		if (m) {
			jobs.push(api.get(`stations/${m[1]}`).then((s) => stations.set(s.id, s.name), () => {}));
			jobs.push(api.get('stations', { query: { parent: m[1], limit: 200 } }).then(addStations, () => {}));
			continue;
		}
		// Staff and administrators: the stations of their area, the area
		// itself (a district, street or community) and the places in it.
		jobs.push(api.get('stations', { query: { region: scope === '*' ? undefined : scope, limit: 500 } }).then(addStations, () => {}));
		if (/^\d{6,12}$/.test(scope)) jobs.push(api.get(`regions/${scope}`).then((g) => regions.set(g.code, g.short_name || g.name), () => {}));
		if (/^\d{4,9}$/.test(scope))
			jobs.push(
				api.get(`regions/${scope}/children`).then(
					(res) => res.items.forEach((g) => g.code.length >= 6 && regions.set(g.code, g.short_name || g.name)),
					() => {},
				),
			);
	}
	await Promise.all(jobs);
	return {
		stations: [...stations].map(([id, name]) => ({ id, name })).sort((a, b) => a.id - b.id),
		regions: [...regions].map(([code, name]) => ({ code, name })).sort((a, b) => a.code.localeCompare(b.code)),
	};
}

/* ---------- one bot ---------- */

function healthBadge(b) {
	if (!b.enabled) return h('span', { class: 'badge badge-off', text: t('bots.disabled') });
	if (b.failures) return h('span', { class: 'badge badge-warn', text: t('bots.failing', { n: b.failures }) });
	return h('span', { class: 'badge badge-open', text: b.last_ok_at ? t('bots.ok') : t('bots.new') });
}

function placeOf(b) {
	return b.station_id ? b.station_name || `#${b.station_id}` : b.region_name || b.region_code;
}

function deliveryRow(d) {
	const when = d.state === 'sent' ? d.sent_at : d.created_at;
	return h(
		'li',
		{ class: 'bot-delivery', dataset: { state: d.state } },
		h('span', { class: ['badge', d.state === 'sent' ? 'badge-open' : d.state === 'dead' ? 'badge-warn' : 'badge-off'], text: t(`bots.state.${d.state}`) }),
		h('span', { class: 'bot-delivery-topic', text: topicName(d.topic) }),
		h('span', { class: 'muted', text: cityTime(when) }),
		d.attempts ? h('span', { class: 'muted', text: t('bots.attempts', { n: d.attempts }) }) : null,
		d.state === 'pending' && d.next_at && d.attempts ? h('span', { class: 'muted', text: t('bots.next', { when: cityTime(d.next_at) }) }) : null,
		d.last_error ? h('span', { class: 'bot-error', text: d.last_error }) : null,
	);
}

async function showDeliveries(b, box, button) {
	if (!box.hidden) {
		box.hidden = true;
		button.setAttribute('aria-expanded', 'false');
		return;
	}
	box.hidden = false;
	button.setAttribute('aria-expanded', 'true');
	fill(box, h('p', { class: 'loading', text: t('common.loading') }));
	try {
		const res = await api.get(`bots/${b.id}/deliveries`, { query: { limit: 20 } });
		fill(box, res.items.length ? h('ul', { class: 'bot-deliveries' }, res.items.map(deliveryRow)) : h('p', { class: 'muted', text: t('bots.no_deliveries') }));
	} catch (e) {
		fill(box, h('p', { class: 'flash flash-error', text: errorText(e) }));
	}
}

function botCard(b) {
	const status = h('p', { class: 'flash', role: 'status', hidden: true });
	const log = h('div', { class: 'bot-log', id: `bot-log-${b.id}`, hidden: true });
	const logBtn = h('button', { class: 'btn btn-quiet btn-small', type: 'button', 'aria-expanded': 'false', 'aria-controls': log.id, onclick: () => showDeliveries(b, log, logBtn) }, icon('list', 'ico'), h('span', { text: t('bots.deliveries') }));
	let armed = 0;
	const del = h('button', { class: 'btn btn-quiet btn-small', type: 'button', dataset: { action: 'delete' } }, icon('trash-2', 'ico'), h('span', { text: t('bots.delete') }));
	del.addEventListener('click', async () => {
		// Two steps, no dialog: the first click asks, the second deletes.
		if (!armed) {
			armed = setTimeout(() => {
				armed = 0;
				del.classList.remove('btn-danger');
				del.lastChild.textContent = t('bots.delete');
			}, 4000);
			del.classList.add('btn-danger');
			del.lastChild.textContent = t('bots.delete_confirm');
			return;
		}
		clearTimeout(armed);
		del.disabled = true;
		try {
			await api.del(`bots/${b.id}`);
			card.remove();
			say(ui.status, t('bots.deleted', { name: b.name }), 'ok');
		} catch (e) {
			del.disabled = false;
			say(status, errorText(e), 'error');
		}
	});
	const test = h('button', { class: 'btn btn-secondary btn-small', type: 'button', disabled: !b.enabled, dataset: { action: 'test' } }, icon('send', 'ico'), h('span', { text: t('bots.test') }));
	test.addEventListener('click', async () => {
		test.disabled = true;
		try {
			await api.post(`bots/${b.id}/test`);
			say(status, t('bots.test_queued'), 'ok');
			setTimeout(() => {
				if (!log.hidden) log.hidden = true;
				showDeliveries(b, log, logBtn);
			}, 2500);
		} catch (e) {
			say(status, errorText(e), 'error');
		} finally {
			test.disabled = !b.enabled;
		}
	});
	const card = h(
		'li',
		{ class: 'bot-card card-section', dataset: { id: String(b.id) } },
		h('div', { class: 'bot-head' }, icon('bot', 'ico bot-icon'), h('h2', { class: 'bot-name', text: b.name }), h('span', { class: 'bot-kind', text: kindName(b.kind) }), healthBadge(b)),
		h(
			'dl',
			{ class: 'bot-facts' },
			h('dt', { text: t('bots.place') }),
			h('dd', { text: placeOf(b) }),
			h('dt', { text: t('bots.url') }),
			h('dd', null, h('code', { class: 'bot-url', text: b.url_masked })),
			h('dt', { text: t('bots.topics') }),
			h('dd', { text: (b.topics || []).map(topicName).join('、') }),
			b.kind === 'dingtalk' ? [h('dt', { text: t('bots.secret') }), h('dd', { text: b.has_secret ? t('bots.secret_set') : t('bots.secret_none') })] : null,
			h('dt', { text: t('bots.last_ok') }),
			h('dd', { text: b.last_ok_at ? cityTime(b.last_ok_at) : t('bots.never') }),
			b.last_error ? [h('dt', { text: t('bots.last_error') }), h('dd', { class: 'bot-error', text: b.last_error })] : null,
		),
		status,
		h(
			'div',
			{ class: 'manage-buttons' },
			h('button', { class: 'btn btn-secondary btn-small', type: 'button', dataset: { action: 'edit' }, onclick: () => card.replaceWith(botForm(b)) }, icon('pencil', 'ico'), h('span', { text: t('bots.edit') })),
			test,
			logBtn,
			del,
		),
		log,
	);
	return card;
}

/* ---------- the form ---------- */

function botForm(bot) {
	const editing = !!bot;
	const name = h('input', { class: 'input', type: 'text', maxlength: String(NAME_MAX * 2), autocomplete: 'off', required: true, value: bot?.name || '', placeholder: t('bots.name_placeholder') });
	const kind = h(
		'select',
		{ class: 'input' },
		['wecom', 'dingtalk'].map((k) => h('option', { value: k, text: kindName(k), selected: (bot?.kind || 'wecom') === k })),
	);
	const url = h('input', {
		class: 'input input-url',
		type: 'url',
		inputmode: 'url',
		autocomplete: 'off',
		spellcheck: 'false',
		maxlength: '2048',
		required: !editing,
		placeholder: editing ? bot.url_masked : 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…',
	});
	const secret = h('input', { class: 'input', type: 'password', autocomplete: 'new-password', maxlength: '128', placeholder: bot?.has_secret ? t('bots.secret_set') : 'SEC…' });
	const clearSecret = h('input', { type: 'checkbox' });
	const secretBox = h(
		'div',
		{ class: 'bot-secret' },
		fieldBox('secret', t('bots.secret'), secret, bot?.has_secret ? t('bots.secret_keep') : t('bots.secret_hint')),
		bot?.has_secret ? h('label', { class: 'check' }, clearSecret, h('span', { text: t('bots.secret_clear') })) : null,
	);
	const syncKind = () => {
		secretBox.hidden = kind.value !== 'dingtalk';
		url.placeholder = editing ? bot.url_masked : kind.value === 'dingtalk' ? 'https://oapi.dingtalk.com/robot/send?access_token=…' : 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…';
	};
	kind.addEventListener('change', syncKind);

	// Where: a station, or an area (staff and administrators).
	const stationSel = h('select', { class: 'input' });
	const stations = [...places.stations];
	if (bot?.station_id && !stations.some((s) => s.id === bot.station_id)) stations.unshift({ id: bot.station_id, name: bot.station_name || `#${bot.station_id}` });
	fill(stationSel, stations.map((s) => h('option', { value: String(s.id), text: s.name, selected: s.id === bot?.station_id })));
	const regionSel = h('select', { class: 'input' });
	const regions = [...places.regions];
	if (bot?.region_code && !regions.some((r) => r.code === bot.region_code)) regions.unshift({ code: bot.region_code, name: bot.region_name || bot.region_code });
	fill(regionSel, regions.map((r) => h('option', { value: r.code, text: r.name, selected: r.code === bot?.region_code })));
	const byRegion = regions.length > 0 && (bot ? !bot.station_id : !stations.length);
	const group = `where-${Math.random().toString(36).slice(2, 8)}`;
	const whereStation = h('input', { type: 'radio', name: group, value: 'station', checked: !byRegion, disabled: !stations.length });
	const whereRegion = h('input', { type: 'radio', name: group, value: 'region', checked: byRegion, disabled: !regions.length });
	const stationBox = fieldBox('station_id', t('bots.station'), stationSel);
	const regionBox = fieldBox('region_code', t('bots.region'), regionSel, t('bots.region_hint'));
	const syncWhere = () => {
		stationBox.hidden = !whereStation.checked;
		regionBox.hidden = !whereRegion.checked;
	};
	whereStation.addEventListener('change', syncWhere);
	whereRegion.addEventListener('change', syncWhere);

	const chosen = new Set(bot?.topics || DEFAULT_TOPICS);
	const topics = h(
		'div',
		{ class: 'check-grid', dataset: { field: 'topics' } },
		TOPICS.map((code) =>
			h(
				'label',
				{ class: 'check' },
				h('input', { type: 'checkbox', value: code, checked: chosen.has(code), onchange: (e) => (e.target.checked ? chosen.add(code) : chosen.delete(code)) }),
				h('span', { text: topicName(code) }),
			),
		),
	);
	const enabled = h('input', { type: 'checkbox', checked: bot ? bot.enabled : true, dataset: { field: 'enabled' } });
	const summary = h('p', { class: 'flash', role: 'alert', hidden: true });
	const save = h('button', { class: 'btn btn-primary', type: 'submit', text: editing ? t('bots.save') : t('bots.create') });
	const cancel = h('button', { class: 'btn btn-quiet', type: 'button', text: t('action.cancel') });

	const form = h(
		'form',
		{ class: 'bot-form card-section', novalidate: true, dataset: { id: bot ? String(bot.id) : '' } },
		h('h2', { text: editing ? t('bots.edit_title', { name: bot.name }) : t('bots.new_title') }),
		fieldBox('name', t('bots.name'), name),
		fieldBox('kind', t('bots.kind'), kind),
		fieldBox('url', t('bots.url'), url, editing ? t('bots.url_keep') : t('bots.url_hint')),
		secretBox,
		h(
			'fieldset',
			{ class: 'field bot-where' },
			h('legend', { text: t('bots.place') }),
			h('div', { class: 'chips chips-wrap' }, h('label', { class: 'check' }, whereStation, h('span', { text: t('bots.by_station') })), h('label', { class: 'check' }, whereRegion, h('span', { text: t('bots.by_region') }))),
		),
		stationBox,
		regionBox,
		h('fieldset', { class: 'field' }, h('legend', { text: t('bots.topics') }), topics, h('p', { class: 'field-error', dataset: { errorFor: 'topics' }, hidden: true })),
		h('label', { class: 'check' }, enabled, h('span', { text: t('bots.enabled') })),
		summary,
		h('div', { class: 'manage-buttons' }, save, cancel),
	);
	syncKind();
	syncWhere();

	const close = (saved) => {
		if (editing) form.replaceWith(botCard(saved || bot));
		else form.remove();
		if (!editing) ui.add.hidden = false;
	};
	cancel.addEventListener('click', () => close(null));
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		const body = { name: name.value.trim(), kind: kind.value, topics: TOPICS.filter((c) => chosen.has(c)), enabled: enabled.checked };
		// The address only when typed: what the page shows is masked.
		if (url.value.trim()) body.url = url.value.trim();
		if (whereStation.checked) body.station_id = Number(stationSel.value) || null;
		else body.region_code = regionSel.value || null;
		if (kind.value === 'dingtalk') {
			if (secret.value.trim()) body.secret = secret.value.trim();
			else if (clearSecret.checked) body.secret = null;
		}
		const local = {};
		if (!body.name) local.name = [t('bots.v.name')];
		if (!editing && !body.url) local.url = [t('bots.v.url')];
		if (!body.topics.length) local.topics = [t('bots.v.topics')];
		if (Object.keys(local).length) return showErrors(form, local, summary, t('bots.fix'));
		save.disabled = true;
		try {
			const saved = editing ? await api.patch(`bots/${bot.id}`, body) : await api.post('bots', body);
			if (editing) close(saved);
			else {
				form.remove();
				ui.add.hidden = false;
				ui.list.prepend(botCard(saved));
				ui.empty.hidden = true;
			}
			say(ui.status, t('bots.saved', { name: saved.name }), 'ok');
		} catch (err) {
			showErrors(form, err.fields || {}, summary, errorText(err));
		} finally {
			save.disabled = false;
		}
	});
	setTimeout(() => name.focus(), 0);
	return form;
}

/* ---------- the page ---------- */

async function showPage(account) {
	const roles = account.roles || [];
	if (!roles.some((r) => MANAGE_ROLES.has(r.role))) {
		fill(root, h('h1', { text: t('bots.title') }), h('p', { class: 'flash', text: t('bots.no_rights') }));
		root.dataset.state = 'ready';
		return;
	}
	ui.status = h('p', { class: 'flash', role: 'status', hidden: true });
	ui.list = h('ul', { class: 'bot-list', id: 'bot-list' });
	ui.empty = h('p', { class: 'empty', text: t('bots.none'), hidden: true });
	ui.add = h('button', { class: 'btn btn-primary', type: 'button', id: 'bot-add' }, icon('plus', 'ico'), h('span', { text: t('bots.add') }));
	const formSlot = h('div', { id: 'bot-form-slot' });
	ui.add.addEventListener('click', () => {
		ui.add.hidden = true;
		fill(formSlot, botForm(null));
	});
	fill(
		root,
		h('section', { class: 'st-head' }, h('h1', { text: t('bots.title') }), h('p', { class: 'muted', text: t('bots.intro') })),
		h('p', { class: 'manage-tools' }, ui.add),
		formSlot,
		ui.status,
		ui.empty,
		ui.list,
	);
	root.dataset.state = 'loading';
	try {
		const [res, where] = await Promise.all([api.get('bots', { query: { limit: 200 } }), loadPlaces(roles)]);
		places = where;
		fill(ui.list, res.items.map(botCard));
		ui.empty.hidden = res.items.length > 0;
		root.dataset.state = 'ready';
	} catch (e) {
		say(ui.status, errorText(e), 'error');
		root.dataset.state = 'error';
	}
}

async function start() {
	await initChrome();
	let account = null;
	try {
		account = await currentAccount();
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', text: errorText(e) }));
		return;
	}
	if (!account) {
		const box = h('section', { class: 'card-section narrow' });
		fill(root, box);
		root.dataset.state = 'signin';
		mountSignIn(box, { onDone: (a) => showPage(a) });
		return;
	}
	showPage(account);
}

start();
