// My profile (/me.html): who I am in the ledger — name, my own number
// (whole: it is mine), categories, platform, volunteer roles, community and
// grid, instructor, teams — the fields I may change, my latest check-ins,
// and where to go from here (my messages, my stations, the ledger,
// downloading what is kept about me, signing out).

import { api, currentAccount, signOut } from './api.js';
import { initChrome } from './chrome.js';
import { $, h, fill, icon } from './dom.js';
import { t } from './i18n.js';
import { CONSENT_VERSION, chipGroup, cityTime, consentNotice, loadPeopleCatalog, namesOf, platformSelect } from './people.js';
import { qrImage } from './scan.js';
import { errorText } from './ui.js';

const root = $('#me');
const EDIT_ROLES = new Set(['admin', 'staff', 'manager']);
const LEDGER_ROLES = new Set(['admin', 'staff']);
const NAME_MAX = 40;

let account = null;
let catalog = null;
let person = null; // GET /me/person, or null before the first save

/** "龙腾路社区 · 卧龙寺街道" for a region code (community or street). */
async function placeName(code) {
	if (!code) return '';
	try {
		const r = await api.get(`regions/${code}`);
		const street = r.level === 5 ? r.path?.[3] : null;
		return street ? `${r.short_name} · ${street.short_name}` : r.short_name;
	} catch {
		return code;
	}
}

function fact(label, value, { id, empty } = {}) {
	return h('div', { class: 'fact', id }, h('dt', { text: label }), h('dd', { class: value ? null : 'muted', text: value || empty || t('me.none') }));
}

function signedOut() {
	fill(
		root,
		h(
			'section',
			{ class: 'card-section' },
			h('h1', { class: 'signin-title', text: t('me.signin_title') }),
			h('p', { class: 'muted', text: t('me.signin_intro') }),
			h(
				'div',
				{ class: 'stack' },
				h('a', { class: 'btn btn-primary btn-block', id: 'me-signup', href: '/signup.html?next=%2Fme.html', text: t('me.signin_code') }),
				h('a', { class: 'btn btn-secondary btn-block', href: '/login.html?next=%2Fme.html', text: t('me.signin_password') }),
			),
		),
	);
	root.dataset.state = 'signed-out';
}

function checkinList(items) {
	if (!items?.length) return h('p', { class: 'muted', id: 'me-no-checkins', text: t('me.no_checkins') });
	return h(
		'ol',
		{ class: 'ck-list', id: 'me-checkins-list' },
		items.map((c) =>
			h(
				'li',
				{ class: 'ck-item', dataset: { id: String(c.id) } },
				h('a', { class: 'ck-item-station', href: `/station.html?id=${c.station_id}`, text: c.station_name }),
				h('span', { class: 'ck-item-purpose', text: namesOf(catalog, 'purposes', c.purpose) }),
				h('time', { class: 'ck-item-at', datetime: c.at, text: cityTime(c.at) }),
			),
		),
	);
}

async function profileFacts(p) {
	const place = await placeName(p.region_code);
	const consent = p.consent_version ? t('me.consent_given', { version: p.consent_version, when: cityTime(p.consent_at) }) : '';
	return h(
		'dl',
		{ class: 'facts', id: 'me-facts' },
		fact(t('me.categories'), namesOf(catalog, 'categories', p.categories)),
		fact(t('me.platform'), namesOf(catalog, 'platforms', p.platform)),
		fact(t('me.roles'), namesOf(catalog, 'roles', p.roles)),
		fact(t('me.community'), place, { id: 'me-community', empty: t('me.community_none') }),
		fact(t('me.grid'), p.grid_name),
		fact(t('me.instructor'), p.instructor_name, { empty: t('me.instructor_none') }),
		p.work_site_name ? fact(t('me.work_site'), p.work_site_name) : null,
		fact(t('me.teams'), (p.teams || []).map((x) => x.name).join('、')),
		fact(t('me.consent'), consent, { empty: t('me.consent_none') }),
	);
}

/**
 * My work site: a search over the sites of my street (or the city while I
 * have no community yet) of my platform, and the list it finds; the site I
 * have stays in the list whatever the search.
 */
function workSitePicker(p, platform) {
	const select = h('select', { class: 'input', id: 'me-work-site', name: 'work_site_id' });
	const search = h('input', { class: 'input', type: 'search', id: 'me-work-site-q', placeholder: t('me.work_site_search'), 'aria-label': t('me.work_site_search'), maxlength: '40' });
	let asked = 0;
	const load = async () => {
		const mine = ++asked;
		const q = new URLSearchParams({ limit: '30' });
		if (p?.region_code) q.set('region', p.region_code.slice(0, 9));
		if (platform.value) q.set('platform', platform.value);
		if (search.value.trim()) q.set('q', search.value.trim());
		let items = [];
		try {
			items = (await api.get(`work_sites/choices?${q}`)).items;
		} catch {
			items = [];
		}
		if (mine !== asked) return; // a newer search is on its way
		const keep = select.value || (p?.work_site_id ? String(p.work_site_id) : '');
		const options = [h('option', { value: '', text: t('me.work_site_none') })];
		if (p?.work_site_id && !items.some((s) => s.id === p.work_site_id)) options.push(h('option', { value: String(p.work_site_id), text: p.work_site_name || `#${p.work_site_id}` }));
		for (const s of items) options.push(h('option', { value: String(s.id), text: `${s.name} · ${s.address}` }));
		select.replaceChildren(...options);
		select.value = keep;
		if (select.value !== keep) select.value = '';
	};
	let timer = 0;
	search.addEventListener('input', () => {
		clearTimeout(timer);
		timer = setTimeout(load, 250);
	});
	platform.addEventListener('change', load);
	load();
	return { select, search };
}

/** The form for what I may change; a profile not made yet starts here. */
function editForm(p, { onCancel } = {}) {
	const err = (f) => h('p', { class: 'field-error', hidden: true, dataset: { errorFor: f } });
	const errs = { name: err('name'), categories: err('categories'), platform: err('platform'), roles: err('roles'), consent_version: err('consent_version') };
	const name = h('input', { id: 'me-name-input', name: 'name', class: 'input', type: 'text', autocomplete: 'name', maxlength: String(NAME_MAX), value: p?.name || account.name || '' });
	const cats = chipGroup(catalog?.categories || [], p?.categories, { labelId: 'me-cats-label', name: 'categories' });
	const platform = platformSelect(catalog, p?.platform || '', { id: 'me-platform', name: 'platform' });
	const roles = chipGroup(catalog?.roles || [], p?.roles, { labelId: 'me-roles-label', name: 'roles' });
	const site = workSitePicker(p, platform);
	errs.work_site_id = err('work_site_id');
	const needConsent = !p || p.consent_version !== CONSENT_VERSION;
	const agree = h('input', { type: 'checkbox', id: 'me-consent', name: 'consent' });
	const formErr = h('p', { class: 'form-error', role: 'alert', hidden: true });
	const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'me-save', text: t('me.save') });
	const form = h(
		'form',
		{ class: 'me-edit', id: 'me-edit', novalidate: true },
		h('div', { class: 'field' }, h('label', { for: name.id, text: t('people.name') }), name, errs.name),
		h('div', { class: 'field' }, h('p', { class: 'field-label', id: 'me-cats-label', text: t('people.categories') }), cats, errs.categories),
		h('div', { class: 'field' }, h('label', { for: platform.id, text: t('people.platform') }), platform, errs.platform),
		h('div', { class: 'field' }, h('label', { for: site.select.id, text: t('me.work_site') }), site.search, site.select, errs.work_site_id),
		h('div', { class: 'field' }, h('p', { class: 'field-label', id: 'me-roles-label', text: t('people.roles') }), h('p', { class: 'hint hint-above', text: t('people.roles_hint') }), roles, errs.roles),
		needConsent ? [consentNotice(), h('label', { class: 'check check-wide', for: agree.id }, agree, h('span', { text: t('consent.agree') })), errs.consent_version] : null,
		formErr,
		h('div', { class: 'manage-buttons' }, save, onCancel ? h('button', { type: 'button', class: 'btn btn-secondary', text: t('action.cancel'), onclick: onCancel }) : null),
	);
	form.addEventListener('submit', async (e) => {
		e.preventDefault();
		for (const p of Object.values(errs)) p.hidden = true;
		formErr.hidden = true;
		const body = { name: name.value.trim(), categories: cats.values(), platform: platform.value || '', roles: roles.values(), work_site_id: site.select.value ? Number(site.select.value) : null };
		if (!body.name) {
			errs.name.textContent = t('people.name_required');
			errs.name.hidden = false;
			return name.focus();
		}
		if (needConsent) {
			if (!agree.checked) {
				errs.consent_version.textContent = t('consent.required');
				errs.consent_version.hidden = false;
				return agree.focus();
			}
			body.consent_version = CONSENT_VERSION;
		}
		// An empty platform is no platform: the API takes it away when null.
		if (!body.platform) body.platform = null;
		save.disabled = true;
		try {
			await api.patch('me/person', body);
			await show(t('me.saved'));
		} catch (err) {
			let shown = false;
			for (const [f, msgs] of Object.entries(err.fields || {})) {
				const el = errs[f];
				if (el) {
					el.textContent = msgs.join('；');
					el.hidden = false;
					shown = true;
				}
			}
			if (!shown) {
				formErr.textContent = errorText(err);
				formErr.hidden = false;
			}
		} finally {
			save.disabled = false;
		}
	});
	return form;
}

/** Everything the server holds about me (GET /api/v1/me/data), saved as a file. */
async function download() {
	const data = await api.get('me/data');
	const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
	const a = h('a', { href: URL.createObjectURL(blob), download: 'yizhan-my-profile.json' });
	document.body.append(a);
	a.click();
	setTimeout(() => {
		URL.revokeObjectURL(a.href);
		a.remove();
	}, 1000);
}

/** My own code, shown as a QR at a station to collect a handout. */
function myCode() {
	const box = h('div', { class: 'me-code-box', id: 'me-code-box' });
	const show = h('button', { type: 'button', class: 'btn btn-secondary btn-block', id: 'me-code-show' }, icon('qr-code', 'ico'), h('span', { text: t('me.code_show') }));
	show.addEventListener('click', async () => {
		show.disabled = true;
		try {
			const c = await api.post('me/code', {});
			fill(box, qrImage(c.qr_svg, t('me.code')));
			show.hidden = true;
		} catch (err) {
			fill(box, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(err) }));
			show.disabled = false;
		}
	});
	return h('section', { class: 'card-section', id: 'me-code' }, h('h2', { text: t('me.code') }), h('p', { class: 'muted', text: t('me.code_hint') }), show, box);
}

function links() {
	const roles = account.roles || [];
	return h(
		'section',
		{ class: 'card-section me-links' },
		h('h2', { text: t('me.more') }),
		h(
			'div',
			{ class: 'stack' },
			h('a', { class: 'btn btn-secondary btn-block', id: 'me-inbox', href: '/inbox.html' }, icon('bell', 'ico'), h('span', { text: t('me.inbox') })),
			h('a', { class: 'btn btn-secondary btn-block', id: 'me-points', href: '/points.html' }, icon('star', 'ico'), h('span', { text: t('me.points') })),
			h('a', { class: 'btn btn-secondary btn-block', id: 'me-tasks', href: '/tasks.html' }, icon('clipboard-list', 'ico'), h('span', { text: t('tasks.title') })),
			h('a', { class: 'btn btn-secondary btn-block', id: 'me-rooms', href: '/rooms.html' }, icon('clock', 'ico'), h('span', { text: t('rooms.mine') })),
			h('a', { class: 'btn btn-secondary btn-block', id: 'me-activities', href: '/activities.html?tab=mine' }, icon('calendar-days', 'ico'), h('span', { text: t('me.activities') })),
			h('a', { class: 'btn btn-secondary btn-block', id: 'me-new', href: '/new.html' }, icon('file-plus', 'ico'), h('span', { text: t('new.title') })),
			h('a', { class: 'btn btn-secondary btn-block', id: 'me-shop', href: '/shop.html' }, icon('shopping-basket', 'ico'), h('span', { text: t('me.shop') })),
			roles.some((r) => EDIT_ROLES.has(r.role)) ? h('a', { class: 'btn btn-secondary btn-block', id: 'me-queue', href: '/queue.html' }, icon('list', 'ico'), h('span', { text: t('queue.title') })) : null,
			roles.some((r) => LEDGER_ROLES.has(r.role)) ? h('a', { class: 'btn btn-secondary btn-block', id: 'me-mediation', href: '/mediation.html' }, icon('handshake', 'ico'), h('span', { text: t('mediation.title') })) : null,
			roles.some((r) => EDIT_ROLES.has(r.role)) ? h('a', { class: 'btn btn-secondary btn-block', id: 'me-manage', href: '/manage.html', text: t('me.manage') }) : null,
			roles.some((r) => LEDGER_ROLES.has(r.role)) ? h('a', { class: 'btn btn-secondary btn-block', id: 'me-ledger', href: '/ledger.html', text: t('me.ledger') }) : null,
			h('button', {
				type: 'button',
				class: 'btn btn-secondary btn-block',
				id: 'me-download',
				text: t('me.download'),
				onclick: () => download().catch((err) => alert(errorText(err))),
			}),
			h('button', {
				type: 'button',
				class: 'btn btn-quiet btn-block',
				id: 'signout',
				text: t('nav.signout'),
				onclick: async () => {
					await signOut().catch(() => {});
					location.assign('/');
				},
			}),
		),
		h('p', { class: 'hint', text: t('me.delete_hint') }),
		h('button', {
			type: 'button',
			class: 'btn btn-quiet btn-block btn-danger',
			id: 'me-erase',
			text: t('me.erase'),
			onclick: async (e) => {
				if (!confirm(t('me.erase_confirm'))) return;
				e.target.disabled = true;
				try {
					await api.post('me/erase', { confirm: true });
					location.assign('/');
				} catch (err) {
					e.target.disabled = false;
					alert(errorText(err));
				}
			},
		}),
	);
}

async function show(flash) {
	try {
		person = await api.get('me/person');
	} catch (e) {
		if (e.status !== 404) throw e;
		person = null;
	}
	const head = h(
		'section',
		{ class: 'me-head' },
		h('h1', { class: 'me-name', id: 'me-title', text: person?.name || account.name }),
		h('p', { class: 'me-phone' }, icon('phone', 'ico'), h('span', { id: 'me-phone', text: person?.phone || account.phone })),
	);
	if (!person) {
		const start = h('section', { class: 'card-section', id: 'me-profile' }, h('h2', { text: t('me.start_title') }), h('p', { class: 'muted', text: t('me.start_intro') }));
		// Staff come here for their stations and the ledger: the form waits to be asked for.
		if ((account.roles || []).length) {
			const open = h('button', {
				type: 'button',
				class: 'btn btn-secondary',
				id: 'me-start',
				text: t('me.start'),
				onclick: () => {
					open.replaceWith(editForm(null));
					start.querySelector('input')?.focus();
				},
			});
			start.append(open);
			fill(root, head, links(), start);
		} else {
			start.append(editForm(null));
			fill(root, head, start, links());
		}
		root.dataset.state = 'new';
		return;
	}
	const profile = h('section', { class: 'card-section', id: 'me-profile' });
	const showFacts = async () => {
		fill(
			profile,
			h('div', { class: 'section-head' }, h('h2', { text: t('me.profile') }), h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'me-edit-btn', text: t('me.edit'), onclick: showEdit })),
			await profileFacts(person),
		);
	};
	const showEdit = () => {
		fill(profile, h('h2', { text: t('me.edit_title') }), editForm(person, { onCancel: showFacts }));
		profile.querySelector('input')?.focus();
	};
	await showFacts();
	fill(
		root,
		flash ? h('p', { class: 'flash flash-ok', role: 'status', text: flash }) : null,
		head,
		profile,
		h('section', { class: 'card-section', id: 'me-checkins' }, h('h2', { text: t('me.checkins') }), checkinList(person.checkins)),
		myCode(),
		links(),
	);
	root.dataset.state = 'ready';
	if (flash) window.scrollTo({ top: 0 });
}

async function start() {
	await initChrome();
	try {
		[account, catalog] = await Promise.all([currentAccount(), loadPeopleCatalog().catch(() => null)]);
		if (!account) return signedOut();
		await show();
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }));
		root.dataset.state = 'error';
	}
}

start();
