// Running a station's love supermarket (/shop-admin.html?station=ID), for
// its manager and the staff of its area: the hand-over counter (scan or
// type a pick-up code), the stock (goods, receiving, writing off, the
// ledger of every move) and distributions (a gift pack for a street's new
// riders: made from the ledger's filter, handed over by scanning each
// person's code, closed with the leftovers back on the shelf).

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon, param } from './dom.js';
import { t } from './i18n.js';
import { signedOut } from './loop.js';
import { cityTime } from './people.js';
import { problemText, scanner } from './scan.js';
import { errorText } from './ui.js';

const root = $('#shop-admin');
const station = Number(param('station')) || 0;
const TABS = ['handover', 'stock', 'distributions'];
let tab = TABS.includes(param('tab')) ? param('tab') : 'handover';
let info = null; // the station
const ui = {};

function say(e, kind = 'error') {
	ui.flash.textContent = e ? (typeof e === 'string' ? e : problemText(e)) : '';
	ui.flash.className = `flash flash-${kind}`;
	ui.flash.hidden = !e;
	if (e) ui.flash.scrollIntoView({ block: 'nearest' });
}

function field(id, label, input) {
	input.id = id;
	return h('div', { class: 'field' }, h('label', { for: id, text: label }), input);
}

/* The counter */

async function handoverTab() {
	const reserved = await api.get(`stations/${station}/shop/redemptions`, { query: { state: 'reserved', limit: 100 } });
	const scan = scanner({
		id: 'handover',
		label: t('shopadmin.code_label'),
		placeholder: t('shopadmin.code_placeholder'),
		onCode: async (code) => {
			try {
				const r = await api.post(`stations/${station}/shop/handover`, { code });
				say(t('shopadmin.handed', { name: r.account.name, item: r.item.name, qty: r.qty }), 'ok');
				scan.clear();
				await show();
			} catch (e) {
				say(e);
			}
		},
	});
	return [
		h('section', { class: 'card-section' }, h('h2', { text: t('shopadmin.handover') }), h('p', { class: 'muted', text: t('shopadmin.handover_hint') }), scan),
		h('h2', { text: t('shopadmin.waiting', { n: reserved.items.length }) }),
		h(
			'ol',
			{ class: 'rq-list', id: 'handover-waiting' },
			reserved.items.map((r) => h('li', { class: 'rq-card shop-red' }, h('div', { class: 'shop-item-main' }, h('h3', { class: 'shop-item-name', text: `${r.item.name} × ${r.qty}` }), h('p', { class: 'shop-item-meta' }, h('span', { text: r.account.name }), h('span', { class: 'muted', text: t('shop.collect_by', { date: cityTime(r.collect_by) }) }))))),
		),
	];
}

/* The stock */

function moveRow(m) {
	return h('li', { class: 'shop-move' }, h('span', { class: 'shop-move-kind', text: t(`shopadmin.kind.${m.kind}`) }), h('strong', { class: m.qty > 0 ? 'shop-in' : 'shop-out', text: m.qty > 0 ? `+${m.qty}` : String(m.qty) }), h('span', { class: 'muted', text: t('shopadmin.after', { n: m.stock_after }) }), h('span', { class: 'muted', text: cityTime(m.at) }), m.note ? h('span', { class: 'muted', text: m.note }) : null);
}

function stockItem(it) {
	const qty = h('input', { class: 'input shop-qty', type: 'number', min: 1, max: 100000, step: 1, value: 1, inputmode: 'numeric' });
	const note = h('input', { class: 'input', type: 'text', maxlength: 500, placeholder: t('shopadmin.note_placeholder') });
	const ledger = h('ol', { class: 'shop-moves', hidden: true });
	const act = (kind) => async (e) => {
		e.target.closest('button').disabled = true;
		try {
			const r = await api.post(`shop/items/${it.id}/stock`, { kind, qty: Number(qty.value), note: note.value.trim() || undefined });
			say(t(kind === 'received' ? 'shopadmin.received' : 'shopadmin.written_off', { name: r.name, n: r.stock }), 'ok');
			await show();
		} catch (err) {
			say(err);
			e.target.closest('button').disabled = false;
		}
	};
	const showLedger = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, icon('list', 'ico'), h('span', { text: t('shopadmin.ledger') }));
	showLedger.addEventListener('click', async () => {
		if (!ledger.hidden) return (ledger.hidden = true);
		try {
			const moves = await api.get(`shop/items/${it.id}/moves`, { query: { limit: 50 } });
			fill(ledger, moves.items.map(moveRow));
			ledger.hidden = false;
		} catch (err) {
			say(err);
		}
	});
	const toggle = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, h('span', { text: it.active ? t('shopadmin.take_off') : t('shopadmin.put_on') }));
	toggle.addEventListener('click', async () => {
		try {
			await api.patch(`shop/items/${it.id}`, { active: !it.active });
			await show();
		} catch (err) {
			say(err);
		}
	});
	return h(
		'li',
		{ class: 'rq-card shop-item', dataset: { id: String(it.id) } },
		h('div', { class: 'shop-item-main' }, h('h3', { class: 'shop-item-name', text: it.name }), h('p', { class: 'shop-item-meta' }, h('strong', { class: 'shop-stock', text: t('shop.stock', { n: it.stock }) }), h('span', { class: 'muted', text: t('shop.price', { points: it.price_points }) }), it.active ? null : h('span', { class: 'badge badge-warn', text: t('shopadmin.inactive') }))),
		h('div', { class: 'shop-stock-form' }, qty, note, h('button', { type: 'button', class: 'btn btn-primary btn-small shop-receive', onclick: act('received') }, icon('package', 'ico'), h('span', { text: t('shopadmin.receive') })), h('button', { type: 'button', class: 'btn btn-secondary btn-small shop-writeoff', onclick: act('written_off') }, icon('trash-2', 'ico'), h('span', { text: t('shopadmin.write_off') }))),
		h('div', { class: 'rq-actions' }, showLedger, toggle),
		ledger,
	);
}

async function stockTab() {
	const list = await api.get(`stations/${station}/shop/items`, { query: { all: 1 } });
	const name = h('input', { class: 'input', type: 'text', maxlength: 40, required: true });
	const price = h('input', { class: 'input', type: 'number', min: 1, step: 1, inputmode: 'numeric', required: true });
	const limit = h('input', { class: 'input', type: 'number', min: 0, max: 1000, step: 1, value: 0, inputmode: 'numeric' });
	const desc = h('input', { class: 'input', type: 'text', maxlength: 500 });
	const form = h('form', { class: 'card-section', id: 'item-new' }, h('h2', { text: t('shopadmin.new_item') }), field('item-name', t('shopadmin.item_name'), name), field('item-price', t('shopadmin.item_price'), price), field('item-limit', t('shopadmin.item_limit'), limit), field('item-desc', t('shopadmin.item_desc'), desc), h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, icon('plus', 'ico'), h('span', { text: t('shopadmin.add') })));
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		try {
			await api.post(`stations/${station}/shop/items`, { name: name.value.trim(), price_points: Number(price.value), monthly_limit: Number(limit.value || 0), description: desc.value.trim() });
			say(t('shopadmin.added', { name: name.value.trim() }), 'ok');
			await show();
		} catch (err) {
			say(err);
		}
	});
	return [h('ol', { class: 'rq-list', id: 'stock-items' }, list.items.map(stockItem)), list.items.length ? null : h('p', { class: 'empty muted', text: t('shop.empty') }), form];
}

/* Distributions */

function distributionCard(d) {
	const pct = d.people ? Math.round((100 * d.handed) / d.people) : 0;
	const card = h(
		'li',
		{ class: 'rq-card shop-dist', dataset: { id: String(d.id) } },
		h('div', { class: 'shop-item-main' }, h('h3', { class: 'shop-item-name', text: d.title }), h('p', { class: 'shop-item-meta' }, h('span', { text: `${d.item.name} × ${d.qty_each}` }), h('span', { class: d.state === 'open' ? 'badge' : 'muted', text: t(`shopadmin.dist_state.${d.state}`) })), h('p', { class: 'shop-progress-text', text: t('shopadmin.progress', { handed: d.handed, people: d.people, due: d.due }) }), h('progress', { class: 'shop-progress', max: d.people || 1, value: d.handed, 'aria-label': t('shopadmin.progress', { handed: d.handed, people: d.people, due: d.due }) }, `${pct}%`)),
	);
	if (d.state !== 'open') return card;
	const scan = scanner({
		id: `dist-${d.id}`,
		label: t('shopadmin.person_code'),
		placeholder: t('shopadmin.person_placeholder'),
		inputmode: 'text',
		onCode: async (code) => {
			try {
				const r = await api.post(`distributions/${d.id}/handover`, { code });
				say(t('shopadmin.dist_handed', { name: r.person.name, title: d.title }), 'ok');
				await show();
			} catch (e) {
				say(e);
			}
		},
	});
	const close = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, h('span', { text: t('shopadmin.close') }));
	close.addEventListener('click', async () => {
		if (close.dataset.armed !== '1') {
			close.dataset.armed = '1';
			close.querySelector('span').textContent = t('shopadmin.close_confirm', { n: d.due * d.qty_each });
			return;
		}
		try {
			await api.post(`distributions/${d.id}/close`, {});
			await show();
		} catch (e) {
			say(e);
		}
	});
	card.append(scan, h('div', { class: 'rq-actions' }, close));
	return card;
}

async function distributionsTab() {
	const [list, items] = await Promise.all([api.get(`stations/${station}/distributions`), api.get(`stations/${station}/shop/items`, { query: { all: 1 } })]);
	const title = h('input', { class: 'input', type: 'text', maxlength: 40, value: '暖新大礼包' });
	const item = h('select', { class: 'input' }, items.items.map((it) => h('option', { value: String(it.id), text: t('shopadmin.item_option', { name: it.name, n: it.stock }) })));
	const each = h('input', { class: 'input', type: 'number', min: 1, max: 100, value: 1, inputmode: 'numeric' });
	const region = h('input', { class: 'input', type: 'text', inputmode: 'numeric', maxlength: 12, value: info.region_code?.slice(0, 9) || '' });
	const category = h('select', { class: 'input' }, h('option', { value: '', text: t('shopadmin.any') }), ['rider', 'courier', 'driver', 'trucker', 'resident', 'volunteer'].map((c) => h('option', { value: c, text: t(`shopadmin.cat.${c}`) })));
	const since = h('input', { class: 'input', type: 'date' });
	const form = h('form', { class: 'card-section', id: 'dist-new' }, h('h2', { text: t('shopadmin.new_dist') }), field('dist-title', t('shopadmin.dist_title'), title), field('dist-item', t('shopadmin.dist_item'), item), field('dist-each', t('shopadmin.dist_each'), each), field('dist-region', t('shopadmin.dist_region'), region), field('dist-category', t('shopadmin.dist_category'), category), field('dist-since', t('shopadmin.dist_since'), since), h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, icon('gift', 'ico'), h('span', { text: t('shopadmin.dist_create') })));
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		const filter = { region: region.value.trim() };
		if (category.value) filter.category = category.value;
		if (since.value) filter.registered_since = since.value;
		try {
			const d = await api.post('distributions', { title: title.value.trim(), station_id: station, item_id: Number(item.value), qty_each: Number(each.value), filter });
			say(t('shopadmin.dist_created', { title: d.title, people: d.people }), 'ok');
			await show();
		} catch (err) {
			say(err);
		}
	});
	return [h('ol', { class: 'rq-list', id: 'dist-list' }, list.items.map(distributionCard)), list.items.length ? null : h('p', { class: 'empty muted', text: t('shopadmin.no_dist') }), form];
}

async function show() {
	for (const x of TABS) ui.tabs[x].setAttribute('aria-selected', String(x === tab));
	for (const f of ui.body.querySelectorAll('form.scan')) f.stop?.();
	const parts = tab === 'stock' ? await stockTab() : tab === 'distributions' ? await distributionsTab() : await handoverTab();
	fill(ui.body, parts);
	root.dataset.loads = String(Number(root.dataset.loads || 0) + 1);
}

async function start() {
	await initChrome();
	try {
		const account = await currentAccount();
		if (!account) return signedOut(root, t('shopadmin.title'), t('shop.signin_intro'));
		renderAccount();
		info = await api.get(`stations/${station}`);
		ui.flash = h('p', { class: 'flash', role: 'status', hidden: true });
		ui.body = h('div', { id: 'shop-admin-body', role: 'tabpanel' });
		ui.tabs = {};
		const tabs = h(
			'div',
			{ class: 'tabs', role: 'tablist', 'aria-label': t('shopadmin.title') },
			TABS.map((x) => {
				const b = h('button', { type: 'button', role: 'tab', class: 'tab', id: `tab-${x}`, text: t(`shopadmin.tab.${x}`) });
				b.addEventListener('click', () => {
					tab = x;
					history.replaceState(null, '', `?station=${station}&tab=${x}`);
					say(null);
					show().catch(say);
				});
				ui.tabs[x] = b;
				return b;
			}),
		);
		fill(root, h('div', { class: 'section-head' }, h('h1', { text: t('shopadmin.title_of', { name: info.name }) }), h('a', { class: 'btn btn-secondary btn-small', href: `/shop.html?station=${station}` }, icon('shopping-basket', 'ico'), h('span', { text: t('shop.title') }))), tabs, ui.flash, ui.body);
		await show();
		root.dataset.state = 'ready';
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }));
		root.dataset.state = 'error';
	}
}

start();
