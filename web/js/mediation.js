// The mediation studio (/mediation.html, staff): the cases of their place
// (kind mediation) with their state and outcome, and a card of the counts
// the reports quote — cases, major ones, decided, settled and the success
// rate — from /requests/stats. It follows the event stream like the queue.
// Each case shows its parties whole (the studio is staff's); 登记调解案件
// opens the filing form at mediation (/new.html?kind=mediation).

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon, param } from './dom.js';
import { t } from './i18n.js';
import { TOPICS, debounce, isStaff, loadCatalog, requestCard, signedOut, staffRegion } from './loop.js';
import { onEvents } from './stream.js';
import { errorText } from './ui.js';

const root = $('#mediation');
let cat = null;
let region = '';
const ui = {};

function stat(id, label, value) {
	return h('div', { class: 'stat', id }, h('span', { class: 'stat-n', text: value }), h('span', { class: 'stat-label', text: label }));
}

/** Below a case: its parties, and the badges of its outcome. */
function extra(r) {
	const parties = r.parties ? h('p', { class: 'med-parties' }, h('span', { class: 'med-parties-label', text: t('request.parties') }), h('span', { class: 'med-parties-text', text: r.parties })) : null;
	const badges = outcome(r);
	return parties || badges ? [parties, badges] : null;
}

function outcome(r) {
	const parts = [];
	if (r.major) parts.push(h('span', { class: 'badge due-over', text: t('mediation.major') }));
	if (r.settled === true) parts.push(h('span', { class: 'badge badge-open', text: t('request.settled_yes') }));
	if (r.settled === false) parts.push(h('span', { class: 'badge badge-off', text: t('request.settled_no') }));
	return parts.length ? h('div', { class: 'rq-actions med-outcome' }, parts) : null;
}

async function load() {
	const [stats, page] = await Promise.all([api.get('requests/stats', { query: { region: region || undefined } }), api.get('requests', { query: { kind: 'mediation', region: region || undefined, limit: 100 } })]);
	const m = stats.mediation;
	fill(
		ui.card,
		h('h2', { text: t('mediation.stats') }),
		h(
			'div',
			{ class: 'stats' },
			stat('med-rate', t('mediation.success_rate'), m.decided ? `${Math.round(m.success_rate * 100)}%` : '—'),
			stat('med-cases', t('mediation.cases'), String(m.cases)),
			stat('med-major', t('mediation.major_cases'), String(m.major)),
			stat('med-settled', t('mediation.settled_of', { decided: m.decided }), String(m.settled)),
		),
	);
	fill(ui.list, page.items.map((r) => requestCard(r, cat, extra(r))));
	ui.empty.hidden = page.items.length > 0;
}

async function start() {
	await initChrome();
	try {
		const account = await currentAccount();
		if (!account) return signedOut(root, t('mediation.title'), t('queue.signin_intro'));
		renderAccount();
		if (!isStaff(account)) {
			fill(root, h('p', { class: 'flash flash-error', role: 'alert', id: 'mediation-forbidden', text: t('queue.staff_only') }));
			root.dataset.state = 'forbidden';
			return;
		}
		region = staffRegion(account);
		cat = await loadCatalog();
		ui.card = h('section', { class: 'card-section med-card', id: 'med-card' });
		ui.list = h('ol', { class: 'rq-list', id: 'med-list' });
		ui.empty = h('p', { class: 'empty muted', id: 'med-empty', text: t('mediation.empty'), hidden: true });
		const station = Number(param('station')) || 0;
		const file = h('a', { class: 'btn btn-primary', id: 'med-file', href: `/new.html?kind=mediation${station ? `&station=${station}` : ''}` }, icon('file-plus', 'ico'), h('span', { text: t('mediation.file') }));
		fill(root, h('div', { class: 'section-head med-head' }, h('h1', { text: t('mediation.title') }), file), ui.card, h('h2', { class: 'list-head', text: t('mediation.list') }), ui.list, ui.empty);
		await load();
		onEvents(TOPICS, debounce(() => load().catch(() => {}), 300));
		root.dataset.state = 'ready';
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: errorText(e) }), h('button', { class: 'btn btn-secondary', type: 'button', onclick: () => location.reload(), text: t('action.retry') }));
		root.dataset.state = 'error';
	}
}

start();
