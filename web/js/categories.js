// The request catalog (/categories.html): each kind's categories with their
// hours to accept and to resolve. The city's admins change them here — a
// name, the deadlines (for what is filed from then on), the order, retiring
// one that is no longer offered — and add new ones; everyone else who works
// for a place sees the catalog and who may change it.

import { api, currentAccount } from './api.js';
import { initChrome } from './chrome.js';
import { $, h, fill, icon, say } from './dom.js';
import { fieldBox, showErrors } from './form.js';
import { t } from './i18n.js';
import { KIND_ICONS, categoryName, kindName, loadCatalog, signedOut } from './loop.js';
import { errorText } from './ui.js';

const root = $('#categories');
let cat = null; // {kinds, byKind}
let editor = null; // the one open form

/** As the server decides it: an admin whose scope is the whole city (or more). */
function cityAdmin(account) {
	return (account?.roles || []).some((r) => r.role === 'admin' && (r.scope === '*' || (/^\d{1,4}$/.test(String(r.scope)))));
}

async function load() {
	cat = await loadCatalog({ fresh: true });
}

const number = (value, min, max) => h('input', { class: 'input', type: 'number', inputmode: 'numeric', min: String(min), max: String(max), step: '1', value: value === undefined ? '' : String(value), required: true });

/** The form for a category of kind: c to change it, null to add one. */
function form(kind, c, onDone) {
	const code = h('input', { class: 'input', name: 'code', autocomplete: 'off', maxlength: '32', pattern: '[a-z][a-z0-9_]*', spellcheck: 'false', required: true });
	const name = h('input', { class: 'input', name: 'name', maxlength: '20', value: c?.name || '', required: true });
	const nameEn = h('input', { class: 'input', name: 'name_en', maxlength: '60', lang: 'en', value: c && c.name_en !== c.name ? c.name_en : '' });
	const respond = number(c?.respond_hours, 1, 720);
	const resolve = number(c?.resolve_hours, 1, 8760);
	const sort = number(c?.sort ?? 0, 0, 9999);
	sort.required = false;
	const retired = h('input', { type: 'checkbox', name: 'retired', checked: !!c?.retired });
	const summary = h('p', { class: 'flash', role: 'alert', hidden: true });
	const save = h('button', { class: 'btn btn-primary', type: 'submit', text: t(c ? 'categories.save' : 'categories.add') });
	const f = h(
		'form',
		{ class: 'cat-form card-section', novalidate: true, dataset: { kind, code: c?.code || '' } },
		c ? null : fieldBox('code', t('categories.code'), code, t('categories.code_hint')),
		fieldBox('name', t('categories.name'), name),
		fieldBox('name_en', t('categories.name_en'), nameEn, t('categories.name_en_hint')),
		h('div', { class: 'cat-hours' }, fieldBox('respond_hours', t('categories.respond'), respond), fieldBox('resolve_hours', t('categories.resolve'), resolve)),
		h('p', { class: 'hint', text: t('categories.hours_hint') }),
		fieldBox('sort', t('categories.sort'), sort, t('categories.sort_hint')),
		c ? h('label', { class: 'check' }, retired, h('span', { text: t('categories.retire') })) : null,
		c ? h('p', { class: 'hint', text: t('categories.retire_hint') }) : null,
		summary,
		h('div', { class: 'manage-buttons' }, save, h('button', { class: 'btn btn-quiet', type: 'button', text: t('action.cancel'), onclick: () => onDone(false) })),
	);
	f.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const codeValue = c ? c.code : code.value.trim();
		const local = {};
		if (!c && !/^[a-z][a-z0-9_]{0,31}$/.test(codeValue)) local.code = [t('categories.code_hint')];
		for (const [key, input] of [['respond_hours', respond], ['resolve_hours', resolve]]) if (!/^\d+$/.test(input.value)) local[key] = [t('categories.whole_hours')];
		if (!name.value.trim()) local.name = [t('categories.name_needed')];
		if (Object.keys(local).length) return showErrors(f, local, summary, t('categories.fix'));
		const body = { name: name.value.trim(), respond_hours: Number(respond.value), resolve_hours: Number(resolve.value) };
		if (nameEn.value.trim()) body.name_en = nameEn.value.trim();
		if (sort.value !== '') body.sort = Number(sort.value);
		if (c) body.retired = retired.checked;
		save.disabled = true;
		try {
			await api.put(`requests/categories/${kind}/${encodeURIComponent(codeValue)}`, body);
			onDone(true, t(c ? 'categories.saved' : 'categories.added', { name: body.name }));
		} catch (e) {
			showErrors(f, e.fields || {}, summary, errorText(e));
		} finally {
			save.disabled = false;
		}
	});
	return f;
}

function hours(c) {
	return t('categories.hours', { respond: c.respond_hours, resolve: c.resolve_hours });
}

function categoryRow(kind, c, may, status) {
	const row = h(
		'li',
		{ class: ['manage-row', 'cat-row', c.retired && 'cat-retired'], dataset: { code: c.code } },
		h(
			'div',
			{ class: 'manage-main' },
			h('span', { class: 'cat-name', text: categoryName(cat, kind, c.code) }),
			c.retired ? h('span', { class: 'badge badge-muted', text: t('categories.retired') }) : null,
			h('span', { class: 'muted cat-meta', text: `${c.code} · ${hours(c)}` }),
		),
		may ? h('button', { class: 'btn btn-secondary btn-small', type: 'button', dataset: { action: 'edit' }, text: t('categories.edit'), onclick: () => open(row, form(kind, c, (changed, msg) => done(changed, msg, status))) }) : null,
	);
	return row;
}

/** Opens f after anchor (closing any other form). */
function open(anchor, f) {
	editor?.remove();
	editor = f;
	anchor.after(f);
	f.querySelector('input:not([type="checkbox"])')?.focus();
}

async function done(changed, msg, status) {
	editor?.remove();
	editor = null;
	if (!changed) return;
	try {
		await load();
		render(status.dataset.may === '1', msg);
	} catch (e) {
		say(status, errorText(e), 'error');
	}
}

function render(may, msg) {
	const status = h('p', { class: 'flash', role: 'status', id: 'categories-status', hidden: true, dataset: { may: may ? '1' : '0' } });
	const sections = cat.kinds.map((k) => {
		const list = h('ul', { class: 'manage-list' }, k.categories.map((c) => categoryRow(k.code, c, may, status)));
		const add = may
			? h('button', { class: 'btn btn-quiet btn-inline', type: 'button', dataset: { action: 'add' }, onclick: (ev) => open(ev.currentTarget, form(k.code, null, (changed, m) => done(changed, m, status))) }, icon('plus', 'ico'), h('span', { text: t('categories.add_to', { kind: kindName(cat, k.code) }) }))
			: null;
		return h('section', { class: 'cat-kind', dataset: { kind: k.code } }, h('h2', null, icon(KIND_ICONS[k.code] || 'circle-dot', 'ico'), h('span', { text: kindName(cat, k.code) })), list, add);
	});
	fill(root, h('section', { class: 'st-head' }, h('h1', { text: t('categories.title') }), h('p', { class: 'muted', text: t(may ? 'categories.intro' : 'categories.read_only') })), status, sections);
	if (msg) say(status, msg, 'ok');
	root.dataset.state = 'ready';
}

async function start() {
	await initChrome();
	let account = null;
	try {
		account = await currentAccount();
		if (!account) return signedOut(root, t('categories.title'), t('categories.signin'));
		await load();
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', text: errorText(e) }));
		return;
	}
	render(cityAdmin(account));
}

start();
