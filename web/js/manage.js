// "My stations": after sign-in, the stations this account may edit (a
// manager's own station; a street's or district's stations for staff and
// administrators), each with its state and an edit button; the tools of
// the account's roles (coverage, the ledger, group bots, the request
// categories); and sign-out.

import { api, currentAccount, signOut } from './api.js';
import { initChrome } from './chrome.js';
import { $, h, fill, icon } from './dom.js';
import { t } from './i18n.js';
import { mountSignIn } from './signin.js';
import { errorText, statusBadge } from './ui.js';

const root = $('#manage');
const EDIT_ROLES = new Set(['admin', 'staff', 'manager']);
// Who answers for a region's network, and so plans where stations go.
const PLAN_ROLES = new Set(['admin', 'staff']);

const LIST_MAX = 200;

/** {items, more}: the stations the roles may edit (more: the list was cut at LIST_MAX). */
async function stationsFor(roles, q) {
	const out = new Map();
	let more = false;
	const jobs = [];
	for (const r of roles) {
		if (!EDIT_ROLES.has(r.role)) continue;
		const scope = String(r.scope || '');
		const m = /^station:(\d+)$/.exec(scope);
		if (m) {
			jobs.push(
				api.get(`stations/${m[1]}`).then(
					(s) => {
						if (!q || s.name.includes(q) || s.address.includes(q)) out.set(s.id, s);
					},
					() => {},
				),
			);
		} else {
			const query = { limit: LIST_MAX, q: q || undefined, region: scope === '*' ? undefined : scope };
			jobs.push(
				api.get('stations', { query }).then((res) => {
					res.items.forEach((s) => out.set(s.id, s));
					if (res.total > res.items.length) more = true;
				}),
			);
		}
	}
	await Promise.all(jobs);
	return { items: [...out.values()].sort((a, b) => a.id - b.id), more };
}

function row(s) {
	return h(
		'li',
		{ class: 'manage-row', dataset: { id: String(s.id) } },
		h('div', { class: 'manage-main' }, h('a', { class: 'manage-name', href: `/station.html?id=${s.id}`, text: s.name }), statusBadge(s), h('span', { class: 'muted manage-addr', text: s.address })),
		h('a', { class: 'btn btn-secondary btn-small', href: `/edit.html?id=${s.id}`, text: t('station.edit') }),
	);
}

async function showList(account) {
	const roles = account.roles || [];
	const may = roles.some((r) => EDIT_ROLES.has(r.role));
	const plan = roles.find((r) => PLAN_ROLES.has(r.role) && (r.scope === '*' || /^\d{2,12}$/.test(String(r.scope))));
	const list = h('ul', { class: 'manage-list', id: 'manage-list' });
	const status = h('p', { class: 'muted', role: 'status' });
	const filter = h('input', { class: 'input', type: 'search', placeholder: t('manage.filter'), 'aria-label': t('manage.filter'), maxlength: '40' });
	let timer = 0;
	const load = async () => {
		status.textContent = t('common.loading');
		try {
			const { items, more } = await stationsFor(roles, filter.value.trim());
			fill(list, ...items.map(row));
			status.textContent = !items.length ? t('manage.none') : more ? t('manage.count_more', { n: items.length }) : t('manage.count', { n: items.length });
		} catch (e) {
			status.textContent = errorText(e);
		}
	};
	filter.addEventListener('input', () => {
		clearTimeout(timer);
		timer = setTimeout(load, 300);
	});
	fill(root, 
		h(
			'section',
			{ class: 'st-head' },
			h('h1', { text: t('manage.title') }),
			h(
				'p',
				{ class: 'muted' },
				t('manage.signed_in_as', { name: account.name }),
				' ',
				h('button', {
					class: 'btn btn-quiet btn-inline',
					type: 'button',
					id: 'signout',
					text: t('nav.signout'),
					onclick: async () => {
						await signOut().catch(() => {});
						location.assign('/');
					},
				}),
			),
		),
		may
			? h(
					'p',
					{ class: 'manage-tools' },
					plan ? h('a', { class: 'btn btn-secondary', id: 'coverage-link', href: plan.scope === '*' ? '/coverage.html' : `/coverage.html?region=${plan.scope}` }, icon('map', 'ico'), h('span', { text: t('manage.coverage') })) : null,
					plan ? h('a', { class: 'btn btn-secondary', id: 'ledger-link', href: '/ledger.html' }, icon('users', 'ico'), h('span', { text: t('manage.ledger') })) : null,
					h('a', { class: 'btn btn-secondary', id: 'bots-link', href: '/bots.html' }, icon('bot', 'ico'), h('span', { text: t('manage.bots') })),
					plan ? h('a', { class: 'btn btn-secondary', id: 'categories-link', href: '/categories.html' }, icon('list', 'ico'), h('span', { text: t('manage.categories') })) : null,
				)
			: null,
		may ? h('div', { class: 'field' }, filter) : h('p', { class: 'flash', text: t('manage.no_rights') }),
		may ? status : null,
		may ? list : null,
	);
	root.dataset.state = 'ready';
	if (may) load();
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
		mountSignIn(box, { onDone: (a) => showList(a) });
		return;
	}
	showList(account);
}

start();
