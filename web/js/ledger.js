// The ledger (台账, /ledger.html) for street and community staff: the
// people of their scope, filtered by place (street, community), category,
// platform, volunteer role, check-ins and a name or whole number; the counts
// the reports quote (总数、已注册、30 天内签到, by category, platform, role
// and the next level of places); the list a page at a time (显示更多); one
// person's details, with the whole number shown only on request (and that
// request recorded); and today's check-ins per station.
//
// The filters live in the address (?region=&category=…), so a reload or a
// shared link shows the same list.

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon } from './dom.js';
import { nameOf, t } from './i18n.js';
import { mountSignIn } from './signin.js';
import { cityTime, loadPeopleCatalog, namesOf } from './people.js';
import { errorText, telHref } from './ui.js';
import { ledgerFiles } from './ledgerfiles.js';

const root = $('#ledger');
const LEDGER_ROLES = new Set(['admin', 'staff']);
const PAGE = 50;
const CHECKED = { '': null, in30: 30, out30: -30 };

let catalog = null;
let scopes = []; // region codes ('' for everywhere) the account may read
const regionCache = new Map(); // code → {code, name, short_name, level}
const childrenCache = new Map(); // code ('' for the top) → [regions]

/* ---------- places ---------- */

async function children(code) {
	if (!childrenCache.has(code)) {
		const p = (code ? api.get(`regions/${code}/children`) : api.get('regions')).then((r) => {
			for (const x of r.items) regionCache.set(x.code, x);
			return r.items;
		});
		childrenCache.set(code, p);
		p.catch(() => childrenCache.delete(code));
	}
	return childrenCache.get(code);
}

async function region(code) {
	if (!code) return null;
	if (!regionCache.has(code)) {
		try {
			regionCache.set(code, await api.get(`regions/${code}`));
		} catch {
			return { code, short_name: code, name: code };
		}
	}
	return regionCache.get(code);
}

/** Makes sure the names of these region codes are known (a list of their parents' children). */
async function knowNames(codes) {
	const parents = new Set();
	for (const c of codes) if (c && !regionCache.has(c)) parents.add(c.length === 12 ? c.slice(0, 9) : c.length === 9 ? c.slice(0, 6) : c.slice(0, c.length - 2));
	await Promise.all([...parents].map((p) => children(p).catch(() => [])));
}

const placeName = (code) => regionCache.get(code)?.short_name || code || '';

/* ---------- the filter form ---------- */

const ui = {};

function readQuery() {
	const q = new URLSearchParams(location.search);
	return { region: q.get('region') || '', category: q.get('category') || '', platform: q.get('platform') || '', role: q.get('role') || '', checked: q.get('checked') || '', contact: q.get('contact') || '', q: q.get('q') || '' };
}

function writeQuery(f) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
	const s = q.toString();
	history.replaceState(null, '', s ? `?${s}` : location.pathname);
}

function select(id, label, options, value) {
	const sel = h(
		'select',
		{ class: 'input', id, name: id.replace(/^f-/, '') },
		options.map(([v, text]) => h('option', { value: v, text, selected: v === value })),
	);
	return { field: h('div', { class: 'field' }, h('label', { for: id, text: label }), sel), sel };
}

/**
 * The place selects: the scope (when there are several), then one select per
 * level below it, each "全部" or a place; choosing a place opens the next.
 */
async function placeSelects(wanted) {
	const box = h('div', { class: 'place-selects' });
	const levels = []; // [{sel, parent}]
	const top = scopes.find((s) => wanted && wanted.startsWith(s)) ?? scopes[0];

	const scopeSel =
		scopes.length > 1
			? select(
					'f-scope',
					t('ledger.scope'),
					await Promise.all(scopes.map(async (s) => [s, s ? (await region(s)).name : t('ledger.everywhere')])),
					top,
				)
			: null;

	async function addLevel(parent, value) {
		const items = (await children(parent).catch(() => [])).filter((r) => r.level <= 5);
		if (!items.length) return;
		const i = levels.length;
		const parentName = parent ? (await region(parent)).short_name : t('ledger.everywhere');
		const { field, sel } = select(`f-place-${i}`, i === 0 ? t('ledger.place') : t('ledger.place_in', { name: parentName }), [['', t('ledger.all_in', { name: parentName })], ...items.map((r) => [r.code, r.short_name])], value || '');
		field.dataset.level = String(i);
		sel.dataset.parent = parent;
		levels.push({ sel, field });
		box.append(field);
		sel.addEventListener('change', async () => {
			// Drop the levels below this one; open the next for a chosen place.
			for (const l of levels.splice(i + 1)) l.field.remove();
			if (sel.value && sel.value.length < 12) await addLevel(sel.value, '');
			apply();
		});
	}

	const build = async (scope, want) => {
		for (const l of levels.splice(0)) l.field.remove();
		let parent = scope;
		await addLevel(parent, want && want !== scope ? prefixAt(want, scope) : '');
		// Open the levels down to the place asked for (from the address).
		while (want && levels.length) {
			const v = levels[levels.length - 1].sel.value;
			if (!v || v === want || v.length >= 12) break;
			parent = v;
			const before = levels.length;
			await addLevel(parent, prefixAt(want, parent));
			if (levels.length === before) break;
		}
	};
	if (scopeSel) {
		box.append(scopeSel.field);
		scopeSel.sel.addEventListener('change', async () => {
			await build(scopeSel.sel.value, '');
			apply();
		});
	}
	await build(top, wanted);

	box.value = () => {
		for (let i = levels.length - 1; i >= 0; i--) if (levels[i].sel.value) return levels[i].sel.value;
		return scopeSel ? scopeSel.sel.value : top;
	};
	return box;
}

/** The code of want one level below parent (want must lie under parent). */
function prefixAt(want, parent) {
	if (!want.startsWith(parent) || want === parent) return '';
	const len = parent.length < 6 ? parent.length + 2 : parent.length === 6 ? 9 : 12;
	return want.slice(0, len);
}

function filters() {
	return {
		region: ui.places.value() || '',
		category: ui.category.value,
		platform: ui.platform.value,
		role: ui.role.value,
		checked: ui.checked.value,
		contact: ui.contact.value,
		q: ui.q.value.trim(),
	};
}

function apiQuery(f) {
	return { region: f.region || undefined, category: f.category || undefined, platform: f.platform || undefined, role: f.role || undefined, checked_in_days: CHECKED[f.checked] ?? undefined, not_contacted_days: f.contact === 'stale30' ? 30 : undefined, q: f.q || undefined };
}

/* ---------- counts, tally, list ---------- */

function stat(id, label, n) {
	return h('div', { class: 'stat', id }, h('span', { class: 'stat-n', text: String(n) }), h('span', { class: 'stat-label', text: label }));
}

function breakdown(id, title, rows) {
	const shown = rows.filter((r) => r.n > 0);
	return h(
		'div',
		{ class: 'breakdown', id },
		h('h3', { text: title }),
		shown.length
			? h(
					'ul',
					{ class: 'breakdown-list' },
					shown.map((r) => h('li', { dataset: { code: r.code } }, h('span', { class: 'bd-name', text: r.name }), h('span', { class: 'bd-n', text: String(r.n) }))),
				)
			: h('p', { class: 'muted', text: '—' }),
	);
}

async function renderCounts(c, f) {
	await knowNames(c.by_region.map((r) => r.code));
	const byCode = (list, obj) => (catalog?.[list] || []).map((x) => ({ code: x.code, name: nameOf(x), n: obj[x.code] || 0 }));
	const known = new Set((catalog?.platforms || []).map((p) => p.code));
	const platforms = [...byCode('platforms', c.by_platform), ...Object.entries(c.by_platform).filter(([k]) => !known.has(k)).map(([k, n]) => ({ code: k, name: k, n }))];
	const here = f.region ? placeName(f.region) : '';
	fill(
		ui.counts,
		h('h2', { text: here ? t('ledger.counts_in', { name: here }) : t('ledger.counts') }),
		h('div', { class: 'stats' }, stat('count-total', t('ledger.total'), c.total), stat('count-registered', t('ledger.registered'), c.registered), stat('count-checked', t('ledger.checked_30d'), c.checked_in_30d)),
		h(
			'div',
			{ class: 'breakdowns' },
			breakdown('by-category', t('ledger.by_category'), byCode('categories', c.by_category)),
			breakdown('by-platform', t('ledger.by_platform'), platforms),
			breakdown('by-role', t('ledger.by_role'), byCode('roles', c.by_role)),
			// A community has no places below it: the one line would only repeat it.
			c.by_region.some((r) => r.code !== f.region) ? breakdown('by-region', t('ledger.by_region'), c.by_region.map((r) => ({ code: r.code, name: placeName(r.code), n: r.count }))) : null,
		),
	);
}

async function renderTally(region) {
	if (!region) {
		ui.tally.hidden = true;
		return;
	}
	try {
		const r = await api.get('checkins/tally', { query: { region } });
		await knowNames(r.streets.map((s) => s.code));
		ui.tally.hidden = false;
		fill(
			ui.tally,
			h('h2', { text: t('ledger.tally_title', { n: r.total }) }),
			r.stations.length
				? h(
						'ol',
						{ class: 'tally-list', id: 'tally-list' },
						r.stations.map((s) => h('li', { dataset: { id: String(s.station_id) } }, h('a', { href: `/station.html?id=${s.station_id}`, class: 'tally-name', text: s.name }), h('span', { class: 'bd-n', text: t('ledger.tally_n', { n: s.count }) }))),
					)
				: h('p', { class: 'muted', text: t('ledger.tally_none') }),
			r.streets.length > 1 ? h('p', { class: 'hint', text: r.streets.map((s) => `${placeName(s.code)} ${s.count}`).join('，') }) : null,
		);
	} catch (e) {
		ui.tally.hidden = false;
		fill(ui.tally, h('p', { class: 'muted', text: errorText(e) }));
	}
}

function row(p) {
	const cats = namesOf(catalog, 'categories', p.categories);
	const plat = namesOf(catalog, 'platforms', p.platform);
	return h(
		'li',
		{ dataset: { id: String(p.id) } },
		h(
			'button',
			{ type: 'button', class: 'ledger-row', 'aria-haspopup': 'dialog', onclick: () => openPerson(p.id) },
			h('span', { class: 'lr-top' }, h('span', { class: 'lr-name', text: p.name }), h('span', { class: 'lr-phone', text: p.phone })),
			h('span', { class: 'lr-meta', text: [cats, plat].filter(Boolean).join(' · ') || t('ledger.no_category') }),
			h(
				'span',
				{ class: 'lr-meta' },
				h('span', { class: 'lr-place', text: placeName(p.region_code) || t('ledger.no_place') }),
				' · ',
				h('span', { class: ['lr-last', !p.last_checkin_at && 'is-never'], text: p.last_checkin_at ? t('ledger.last_checkin', { when: cityTime(p.last_checkin_at) }) : t('ledger.never') }),
			),
			icon('chevron-right', 'lr-go'),
		),
	);
}

let listSeq = 0;
let nextAfter = null;

async function loadList(f, after) {
	const seq = after ? listSeq : ++listSeq;
	ui.more.disabled = true;
	if (!after) ui.list.setAttribute('aria-busy', 'true');
	try {
		const r = await api.get('people', { query: { ...apiQuery(f), after: after || undefined, limit: PAGE } });
		await knowNames(r.items.map((p) => p.region_code));
		if (seq !== listSeq) return;
		if (!after) fill(ui.list);
		ui.list.append(...r.items.map(row));
		nextAfter = r.next_after;
		ui.listTitle.textContent = t('ledger.list_title', { n: r.total });
		ui.more.hidden = !nextAfter;
		ui.empty.hidden = r.total > 0;
	} catch (e) {
		if (seq !== listSeq) return;
		fill(ui.list, h('li', { class: 'flash flash-error', text: errorText(e) }));
	} finally {
		if (seq === listSeq) {
			ui.more.disabled = false;
			ui.list.removeAttribute('aria-busy');
		}
	}
}

let applyTimer = 0;
let countSeq = 0;

/** Reads the filters and shows what they select: counts, list and today's tally. */
function apply() {
	clearTimeout(applyTimer);
	applyTimer = setTimeout(async () => {
		const f = filters();
		writeQuery(f);
		const seq = ++countSeq;
		const region = f.region || scopes[0] || '';
		loadList(f);
		renderTally(region);
		try {
			const c = await api.get('people/counts', { query: apiQuery(f) });
			if (seq === countSeq) await renderCounts(c, f);
		} catch (e) {
			if (seq === countSeq) fill(ui.counts, h('p', { class: 'flash flash-error', text: errorText(e) }));
		}
		root.dataset.state = 'ready';
	}, 150);
}

/* ---------- one person ---------- */

function detailRow(label, value, id) {
	return h('div', { class: 'fact', id }, h('dt', { text: label }), h('dd', { class: value ? null : 'muted', text: value || t('me.none') }));
}

async function openPerson(id) {
	const dlg = ui.dialog;
	const body = h('div', { class: 'dlg-body' }, h('p', { class: 'loading', text: t('common.loading') }));
	fill(
		dlg,
		h('div', { class: 'dlg-head' }, h('h2', { id: 'person-title', text: t('ledger.person') }), h('button', { type: 'button', class: 'btn btn-quiet btn-small', id: 'person-close', text: t('ledger.close'), onclick: () => dlg.close() })),
		body,
	);
	if (!dlg.open) dlg.showModal();
	try {
		const p = await api.get(`people/${id}`);
		await knowNames([p.region_code]);
		const phone = h('span', { id: 'person-phone', class: 'lr-phone', text: p.phone });
		const note = h('p', { class: 'hint', id: 'person-phone-note', role: 'status', text: t('ledger.phone_audited') });
		const reveal = h('button', {
			type: 'button',
			class: 'btn btn-secondary btn-small',
			id: 'person-reveal',
			text: t('ledger.reveal'),
			onclick: async () => {
				reveal.disabled = true;
				try {
					const r = await api.post(`people/${id}/phone`);
					fill(phone, h('a', { href: telHref(r.phone), text: r.phone }));
					reveal.hidden = true;
					note.textContent = t('ledger.phone_recorded');
				} catch (e) {
					note.textContent = errorText(e);
					reveal.disabled = false;
				}
			},
		});
		$('#person-title', dlg).textContent = p.name;
		fill(
			body,
			h('div', { class: 'person-phone' }, icon('phone', 'ico'), phone, reveal),
			note,
			h(
				'dl',
				{ class: 'facts' },
				detailRow(t('me.categories'), namesOf(catalog, 'categories', p.categories)),
				detailRow(t('me.platform'), namesOf(catalog, 'platforms', p.platform)),
				detailRow(t('me.roles'), namesOf(catalog, 'roles', p.roles)),
				detailRow(t('me.community'), placeName(p.region_code), 'person-place'),
				detailRow(t('me.teams'), (p.teams || []).map((x) => x.name).join('、')),
				detailRow(t('ledger.account'), p.account_id ? t('ledger.registered_yes') : t('ledger.registered_no')),
				detailRow(t('ledger.last'), p.last_checkin_at ? cityTime(p.last_checkin_at) : t('ledger.never'), 'person-last'),
				detailRow(t('ledger.contact'), p.last_contact_at ? cityTime(p.last_contact_at) : ''),
				detailRow(t('me.consent'), p.consent_version ? t('me.consent_given', { version: p.consent_version, when: cityTime(p.consent_at) }) : ''),
				detailRow(t('ledger.entered'), cityTime(p.created_at)),
			),
		);
	} catch (e) {
		fill(body, h('p', { class: 'flash flash-error', text: errorText(e) }));
	}
}

/* ---------- the page ---------- */

async function showLedger(account) {
	scopes = [...new Set((account.roles || []).filter((r) => LEDGER_ROLES.has(r.role)).map((r) => (r.scope === '*' ? '' : String(r.scope))))].filter((s) => s === '' || /^\d{2,12}$/.test(s));
	if (!scopes.length) {
		fill(root, h('h1', { text: t('ledger.title') }), h('p', { class: 'flash', text: t('ledger.no_rights') }), h('a', { class: 'btn btn-secondary', href: '/me.html', text: t('ledger.to_me') }));
		root.dataset.state = 'no-rights';
		return;
	}
	catalog = await loadPeopleCatalog().catch(() => null);
	const want = readQuery();
	ui.places = await placeSelects(want.region);
	const opts = (list, none) => [['', none], ...(catalog?.[list] || []).map((x) => [x.code, nameOf(x)])];
	const cat = select('f-category', t('ledger.f_category'), opts('categories', t('ledger.any')), want.category);
	const plat = select('f-platform', t('ledger.f_platform'), opts('platforms', t('ledger.any')), want.platform);
	const role = select('f-role', t('ledger.f_role'), opts('roles', t('ledger.any')), want.role);
	const checked = select(
		'f-checked',
		t('ledger.checkins'),
		[
			['', t('ledger.any')],
			['in30', t('ledger.in30')],
			['out30', t('ledger.out30')],
		],
		want.checked,
	);
	const contact = select(
		'f-contact',
		t('ledger.contact'),
		[
			['', t('ledger.any')],
			['stale30', t('ledger.stale30')],
		],
		want.contact,
	);
	Object.assign(ui, { category: cat.sel, platform: plat.sel, role: role.sel, checked: checked.sel, contact: contact.sel });
	ui.q = h('input', { class: 'input', id: 'f-q', name: 'q', type: 'search', maxlength: '40', value: want.q, placeholder: t('ledger.search_ph'), autocomplete: 'off' });
	const form = h(
		'form',
		{ class: 'card-section ledger-filters', id: 'ledger-filters', role: 'search' },
		h('h2', { class: 'sr-only', text: t('ledger.filters') }),
		ui.places,
		h('div', { class: 'filter-grid' }, cat.field, plat.field, role.field, checked.field, contact.field),
		h('div', { class: 'field' }, h('label', { for: 'f-q', text: t('ledger.search') }), h('div', { class: 'input-row' }, ui.q, h('button', { type: 'submit', class: 'btn btn-primary', id: 'f-go', text: t('ledger.search_go') }))),
	);
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		apply();
	});
	for (const s of [cat.sel, plat.sel, role.sel, checked.sel, contact.sel]) s.addEventListener('change', apply);
	let qTimer = 0;
	ui.q.addEventListener('input', () => {
		clearTimeout(qTimer);
		qTimer = setTimeout(apply, 500);
	});

	ui.counts = h('section', { class: 'card-section ledger-counts', id: 'ledger-counts', 'aria-live': 'polite' }, h('p', { class: 'loading', text: t('common.loading') }));
	ui.tally = h('section', { class: 'card-section ledger-tally', id: 'ledger-tally', hidden: true });
	ui.list = h('ul', { class: 'ledger-list', id: 'ledger-list' });
	ui.listTitle = h('h2', { id: 'ledger-list-title', text: t('ledger.list') });
	ui.empty = h('p', { class: 'empty', id: 'ledger-empty', hidden: true, text: t('ledger.empty') });
	ui.more = h('button', { type: 'button', class: 'btn btn-secondary btn-block', id: 'ledger-more', hidden: true, text: t('finder.more'), onclick: () => loadList(filters(), nextAfter) });
	ui.dialog = h('dialog', { class: 'person-dialog', id: 'person-dialog', 'aria-labelledby': 'person-title' });
	ui.dialog.addEventListener('click', (e) => {
		if (e.target === ui.dialog) ui.dialog.close();
	});

	const scopeName = scopes[0] ? (await region(scopes[0])).name : t('ledger.everywhere');
	fill(
		root,
		h('section', { class: 'st-head ledger-head' }, h('h1', { text: t('ledger.title') }), h('p', { class: 'muted', text: t('ledger.subtitle', { name: scopeName }) })),
		h('div', { class: 'ledger-cols' }, h('div', { class: 'ledger-side' }, form, ui.counts, ui.tally, ledgerFiles({ query: () => apiQuery(filters()), onImported: () => apply() })), h('section', { class: 'ledger-main', 'aria-labelledby': 'ledger-list-title' }, ui.listTitle, ui.list, ui.empty, ui.more)),
		ui.dialog,
	);
	apply();
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
		mountSignIn(box, {
			intro: t('ledger.signin_intro'),
			onDone: (a) => {
				renderAccount();
				showLedger(a);
			},
		});
		return;
	}
	showLedger(account);
}

start();
