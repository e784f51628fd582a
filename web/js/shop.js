// The love supermarket (/shop.html?station=ID): a station's goods with
// their price in points and what is left, redeeming one with a tap (the
// pick-up code and its QR shown at once), and my redemptions with their
// codes (/shop.html without a station: only mine). Managers get a link to
// the hand-over scanner and the stock.

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon, param } from './dom.js';
import { t } from './i18n.js';
import { signedOut } from './loop.js';
import { cityTime } from './people.js';
import { problemText, qrImage } from './scan.js';
import { errorText } from './ui.js';

const root = $('#shop');
const station = Number(param('station')) || 0;
const ui = {};
let account = null;

function say(e, kind = 'error') {
	ui.flash.textContent = e ? (typeof e === 'string' ? e : problemText(e)) : '';
	ui.flash.className = `flash flash-${kind}`;
	ui.flash.hidden = !e;
}

function itemCard(it) {
	const redeem = h('button', { type: 'button', class: 'btn btn-primary btn-small shop-redeem', disabled: !account || it.stock < 1, dataset: { item: String(it.id) } }, icon('shopping-basket', 'ico'), h('span', { text: t('shop.redeem') }));
	redeem.addEventListener('click', async () => {
		redeem.disabled = true;
		say(null);
		try {
			const r = await api.post(`shop/items/${it.id}/redeem`, { qty: 1 });
			say(t('shop.redeemed', { name: it.name }), 'ok');
			showCode(r);
			await load();
		} catch (e) {
			say(e);
			redeem.disabled = false;
		}
	});
	return h(
		'li',
		{ class: 'rq-card shop-item', dataset: { id: String(it.id) } },
		h('div', { class: 'shop-item-main' }, h('h3', { class: 'shop-item-name', text: it.name }), it.description ? h('p', { class: 'muted shop-item-desc', text: it.description }) : null, h('p', { class: 'shop-item-meta' }, h('strong', { class: 'shop-price', text: t('shop.price', { points: it.price_points }) }), h('span', { class: it.stock ? 'muted' : 'badge badge-warn', text: it.stock ? t('shop.stock', { n: it.stock }) : t('shop.sold_out') }), it.monthly_limit ? h('span', { class: 'muted', text: t('shop.limit', { n: it.monthly_limit }) }) : null)),
		h('div', { class: 'rq-actions' }, redeem),
	);
}

function showCode(r) {
	fill(ui.code, h('h2', { text: t('shop.code_title') }), h('p', { class: 'muted', text: t('shop.code_hint', { station: r.station.name, date: cityTime(r.collect_by) }) }), r.qr_svg ? qrImage(r.qr_svg, t('shop.code_title')) : null, h('p', { class: 'shop-code', id: 'shop-code', text: r.code }));
	ui.code.hidden = false;
	ui.code.scrollIntoView({ block: 'nearest' });
}

function redemptionRow(r) {
	const state = h('span', { class: r.state === 'reserved' ? 'badge' : 'muted', text: t(`shop.state.${r.state}`) });
	const row = h(
		'li',
		{ class: 'rq-card shop-red', dataset: { id: String(r.id), state: r.state } },
		h('div', { class: 'shop-item-main' }, h('h3', { class: 'shop-item-name', text: `${r.item.name} × ${r.qty}` }), h('p', { class: 'shop-item-meta' }, state, h('span', { class: 'muted', text: r.station.name }), h('span', { class: 'muted', text: t('shop.points_spent', { points: r.points }) })), r.code ? h('p', { class: 'muted', text: t('shop.collect_by', { date: cityTime(r.collect_by) }) }) : null),
	);
	if (r.code) {
		const show = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, icon('qr-code', 'ico'), h('span', { class: 'shop-code-inline', text: r.code }));
		show.addEventListener('click', () => showCode(r));
		row.append(h('div', { class: 'rq-actions' }, show));
	}
	return row;
}

async function load() {
	const mine = account ? await api.get('me/redemptions', { query: { limit: 50 } }) : { items: [] };
	if (account) {
		// What the rider has to spend, beside what it buys.
		const points = await api.get('me/points', { query: { limit: 1 } });
		fill(ui.balance, t('shop.balance'), h('strong', { id: 'shop-balance', text: String(points.balance) }), t('shop.balance_unit'));
		ui.balance.hidden = false;
	}
	fill(ui.mine, mine.items.map(redemptionRow));
	ui.mineEmpty.hidden = mine.items.length > 0;
	if (station) {
		const list = await api.get(`stations/${station}/shop/items`);
		fill(ui.items, list.items.map(itemCard));
		ui.empty.hidden = list.items.length > 0;
		ui.manage.hidden = !list.may_manage;
	}
	root.dataset.loads = String(Number(root.dataset.loads || 0) + 1);
}

async function start() {
	await initChrome();
	try {
		account = await currentAccount();
		if (!account && !station) return signedOut(root, t('shop.title'), t('shop.signin_intro'));
		if (account) renderAccount();
		let name = '';
		if (station) name = (await api.get(`stations/${station}`)).name;
		ui.flash = h('p', { class: 'flash', role: 'status', hidden: true });
		ui.balance = h('p', { class: 'shop-balance', hidden: true });
		ui.code = h('section', { class: 'card-section shop-code-box', id: 'shop-code-box', hidden: true, 'aria-live': 'polite' });
		ui.items = h('ol', { class: 'rq-list', id: 'shop-items' });
		ui.empty = h('p', { class: 'empty muted', hidden: true, text: t('shop.empty') });
		ui.mine = h('ol', { class: 'rq-list', id: 'shop-mine' });
		ui.mineEmpty = h('p', { class: 'empty muted', hidden: true, text: t('shop.mine_empty') });
		ui.manage = h('a', { class: 'btn btn-secondary btn-small', id: 'shop-manage', href: `/shop-admin.html?station=${station}`, hidden: true }, icon('scan-line', 'ico'), h('span', { text: t('shopadmin.title') }));
		fill(
			root,
			h('div', { class: 'section-head' }, h('h1', { text: station ? t('shop.title_of', { name }) : t('shop.mine') }), ui.manage),
			station ? h('p', { class: 'muted', text: t('shop.intro') }) : null,
			ui.balance,
			ui.flash,
			ui.code,
			station ? [ui.items, ui.empty] : null,
			account ? [h('h2', { text: t('shop.mine') }), ui.mine, ui.mineEmpty] : h('p', { class: 'muted', text: t('shop.signin_intro') }),
		);
		await load();
		root.dataset.state = 'ready';
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }));
		root.dataset.state = 'error';
	}
}

start();
