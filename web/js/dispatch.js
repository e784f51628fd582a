// The dispatch sheet (派单) of the queue and the request page: the teams of
// the request's street and the people of its community who have an account
// (the ledger's people: volunteers first), with a search by name; one tap on
// one of them dispatches. Two taps in all: 派单, then the person or team.

import { api } from './api.js';
import { h, fill, icon } from './dom.js';
import { t } from './i18n.js';
import { debounce } from './loop.js';
import { errorText } from './ui.js';

let dialog = null;

function sheet() {
	if (dialog) return dialog;
	dialog = h('dialog', { class: 'person-dialog dispatch-sheet', id: 'dispatch-sheet', 'aria-labelledby': 'dispatch-title' });
	dialog.addEventListener('click', (e) => {
		if (e.target === dialog) dialog.close();
	});
	document.body.append(dialog);
	return dialog;
}

const registered = (items) => items.filter((p) => p.account_id);
const volunteerFirst = (a, b) => Number(b.categories?.includes('volunteer') || b.roles?.length > 0) - Number(a.categories?.includes('volunteer') || a.roles?.length > 0);

/**
 * Opens the sheet for request r; onDone(updated request) after a dispatch.
 * Resolves when the sheet is shown.
 */
export async function openDispatch(r, onDone) {
	const dlg = sheet();
	const msg = h('p', { class: 'flash flash-error', role: 'alert', hidden: true });
	const teamsList = h('ul', { class: 'pick-list', id: 'dispatch-teams' });
	const peopleList = h('ul', { class: 'pick-list', id: 'dispatch-people' });
	const search = h('input', { class: 'input', type: 'search', id: 'dispatch-q', maxlength: '40', placeholder: t('dispatch.search'), 'aria-label': t('dispatch.search') });
	const close = h('button', { type: 'button', class: 'btn btn-quiet btn-icon', 'aria-label': t('action.close'), onclick: () => dlg.close() }, icon('x', 'ico'));
	fill(
		dlg,
		h('div', { class: 'dlg-head' }, h('h2', { id: 'dispatch-title', text: t('dispatch.title', { title: r.title }) }), close),
		h('div', { class: 'dlg-body' }, msg, h('h3', { class: 'pick-head', text: t('dispatch.teams') }), teamsList, h('h3', { class: 'pick-head', text: t('dispatch.people') }), search, peopleList),
	);

	let busy = false;
	async function pick(body, btn) {
		if (busy) return;
		busy = true;
		btn.disabled = true;
		try {
			const done = await api.post(`requests/${r.id}/steps`, { action: 'dispatch', version: r.version, ...body });
			dlg.close();
			onDone?.(done);
		} catch (e) {
			msg.textContent = errorText(e);
			msg.hidden = false;
			btn.disabled = false;
		} finally {
			busy = false;
		}
	}
	const option = (label, sub, body, data) => {
		const btn = h('button', { type: 'button', class: 'pick', dataset: data }, h('span', { class: 'pick-name', text: label }), sub ? h('span', { class: 'pick-sub muted', text: sub }) : null);
		btn.addEventListener('click', () => pick(body, btn));
		return h('li', null, btn);
	};
	const none = (text) => h('li', { class: 'muted pick-none', text });

	const street = (r.region_code || '').slice(0, 9);
	const teamsP = api.get('teams', { query: { region: street || undefined, limit: 100 } }).then(
		(p) => fill(teamsList, p.items.length ? p.items.map((x) => option(x.name, t('dispatch.team_hint'), { team_id: x.id }, { team: String(x.id) })) : none(t('dispatch.no_teams'))),
		(e) => fill(teamsList, none(errorText(e))),
	);
	let asked = 0;
	async function people() {
		const mine = ++asked;
		const q = search.value.trim();
		let items = [];
		try {
			items = registered((await api.get('people', { query: { region: q ? undefined : r.region_code || undefined, q: q || undefined, limit: 200 } })).items);
		} catch (e) {
			if (mine === asked) fill(peopleList, none(errorText(e)));
			return;
		}
		if (mine !== asked) return;
		items.sort(volunteerFirst);
		fill(peopleList, items.length ? items.map((p) => option(p.name, p.phone, { assignee_id: p.account_id }, { account: String(p.account_id) })) : none(q ? t('dispatch.none_found') : t('dispatch.no_people')));
	}
	search.addEventListener('input', debounce(people, 300));
	if (!dlg.open) dlg.showModal();
	await Promise.all([teamsP, people()]);
}
