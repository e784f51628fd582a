// One request (/request.html?id=): its state on a step indicator, the
// deadline, what was asked and by whom, its photos, its history, and the
// buttons of what this viewer may do now (the API's "actions"): accept,
// start, resolve (a visit's record; a task's count and proof photo; a
// mediation's outcome), rate with 1–5 stars, cancel, reopen, reject, close,
// and for staff dispatch. The page follows the event stream for this
// request, and refetches while seen for those the stream does not tell.

import { api, currentAccount } from './api.js';
import { initChrome, renderAccount } from './chrome.js';
import { $, h, fill, icon, param } from './dom.js';
import { t } from './i18n.js';
import { openDispatch } from './dispatch.js';
import { TOPICS, actionName, categoryName, deadlineBadge, kindName, loadCatalog, refreshWhileSeen, signedOut, stateBadge, uploadPhoto, uploadRow } from './loop.js';
import { cityTime } from './people.js';
import { onEvents } from './stream.js';
import { errorText } from './ui.js';

const root = $('#request');
const id = Number(param('id'));
const STEPS = ['submitted', 'dispatched', 'accepted', 'in_progress', 'resolved', 'rated'];
const SIMPLE = ['accept', 'start', 'cancel', 'reopen', 'reject', 'close'];

let cat = null;
let r = null;
let history = [];
let flash = null;
let busy = false;

function say(text, kind = 'error') {
	flash.textContent = text || '';
	flash.className = `flash flash-${kind}`;
	flash.hidden = !text;
}

function stepper() {
	// A wish skips dispatch (a volunteer takes it from the wall).
	const steps = r.kind === 'wish' ? STEPS.filter((s) => s !== 'dispatched') : STEPS;
	const at = steps.indexOf(r.state === 'reopened' ? 'submitted' : r.state === 'closed' ? 'rated' : r.state);
	return h(
		'ol',
		{ class: 'stepper', id: 'rq-steps', 'aria-label': t('request.progress') },
		steps.map((s, i) => h('li', { class: [i < at && 'done', i === at && 'current'], 'aria-current': i === at ? 'step' : null }, h('span', { class: 'step-dot', 'aria-hidden': 'true' }), h('span', { class: 'step-name', text: t(`loop.state.${s}`) }))),
	);
}

function stars(n) {
	return h('span', { class: 'stars-shown', id: 'rq-stars', 'aria-label': t('request.stars', { n }) }, [1, 2, 3, 4, 5].map((i) => icon('star', i <= n ? 'star-on' : 'star-off')));
}

function fact(label, value, fid) {
	if (value === null || value === undefined || value === '') return null;
	return h('div', { class: 'fact', id: fid }, h('dt', { text: label }), h('dd', null, value));
}

function facts() {
	const settled = r.settled === true ? t('request.settled_yes') : r.settled === false ? t('request.settled_no') : null;
	return h(
		'dl',
		{ class: 'facts' },
		fact(t('request.station'), r.station?.name),
		fact(t('request.requester'), r.requester?.name),
		fact(t('request.assignee'), r.assignee?.name || r.team?.name, 'rq-assignee'),
		fact(t('request.created'), cityTime(r.created_at)),
		fact(t('request.location'), r.location ? `${r.location.lat.toFixed(5)}, ${r.location.lng.toFixed(5)}` : null),
		r.followers ? fact(t('request.followers'), String(r.followers)) : null,
		fact(t('request.parties'), r.parties),
		r.major ? fact(t('request.major'), t('request.major_yes')) : null,
		fact(t('request.household'), r.household),
		fact(t('request.reason'), r.reason),
		fact(t('request.record'), r.record),
		fact(t('request.proof_count'), r.proof_count ?? null),
		fact(t('request.settled'), settled, 'rq-settled'),
		r.rating ? fact(t('request.rating'), h('span', null, stars(r.rating), r.rating_comment ? h('span', { class: 'rq-comment', text: ` ${r.rating_comment}` }) : null), 'rq-rating') : null,
	);
}

function photos() {
	if (!r.photos?.length) return null;
	return h(
		'section',
		{ class: 'card-section' },
		h('h2', { text: t('request.photos') }),
		h(
			'ul',
			{ class: 'photo-strip', id: 'rq-photos' },
			r.photos.map((p) => h('li', { class: 'photo' }, h('a', { href: p.url, target: '_blank', rel: 'noopener' }, h('img', { src: p.thumb_url, alt: t(p.role === 'proof' ? 'request.proof_photo' : 'request.photo'), loading: 'lazy' })), p.role === 'proof' ? h('span', { class: 'photo-caption', text: t('request.proof_photo') }) : null)),
		),
	);
}

async function step(body, btn) {
	if (busy) return;
	busy = true;
	if (btn) btn.disabled = true;
	try {
		r = await api.post(`requests/${id}/steps`, { version: r.version, ...body });
		say(t('request.done', { action: actionName(body.action) }), 'ok');
		await loadHistory();
		render();
	} catch (e) {
		say(e.fields && Object.values(e.fields).flat()[0] ? `${errorText(e)} ${Object.values(e.fields).flat().join(' ')}` : errorText(e));
		if (btn) btn.disabled = false;
	} finally {
		busy = false;
	}
}

function rateForm() {
	let chosen = 0;
	const buttons = [1, 2, 3, 4, 5].map((n) =>
		h('button', { type: 'button', class: 'star-btn', 'aria-pressed': 'false', 'aria-label': t('request.stars', { n }), dataset: { n: String(n) } }, icon('star', 'star-ico')),
	);
	const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'rq-rate', disabled: true, text: t('request.rate_submit') });
	for (const b of buttons)
		b.addEventListener('click', () => {
			chosen = Number(b.dataset.n);
			for (const x of buttons) {
				const on = Number(x.dataset.n) <= chosen;
				x.setAttribute('aria-pressed', String(Number(x.dataset.n) === chosen));
				x.classList.toggle('on', on);
			}
			submit.disabled = false;
		});
	const comment = h('textarea', { class: 'input', id: 'rq-comment', rows: '2', maxlength: '500', placeholder: t('request.comment_ph') });
	return h(
		'form',
		{ class: 'rate-form', id: 'rq-rate-form', onsubmit: (e) => (e.preventDefault(), chosen && step({ action: 'rate', rating: chosen, comment: comment.value.trim() || undefined }, submit)) },
		h('p', { class: 'field-label', text: t('request.rate_ask') }),
		h('div', { class: 'star-row', role: 'group', 'aria-label': t('request.rate_ask') }, buttons),
		h('div', { class: 'field' }, h('label', { for: 'rq-comment', text: t('request.comment') }), comment),
		submit,
	);
}

function resolveForm() {
	const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'rq-resolve', text: t('loop.action.resolve') });
	const note = h('textarea', { class: 'input', id: 'rq-note', rows: '2', maxlength: '500', placeholder: t('request.note_ph') });
	const parts = [];
	let body = () => ({});
	if (r.kind === 'visit') {
		const rec = h('textarea', { class: 'input', id: 'rq-record', rows: '3', maxlength: '2000', required: true });
		parts.push(h('div', { class: 'field' }, h('label', { for: 'rq-record', text: t('request.record') }), rec));
		body = () => ({ record: rec.value.trim() });
	} else if (r.kind === 'mediation') {
		const yes = h('label', { class: 'check' }, h('input', { type: 'radio', name: 'settled', value: 'yes', id: 'rq-settled-yes' }), h('span', { text: t('request.settled_yes') }));
		const no = h('label', { class: 'check' }, h('input', { type: 'radio', name: 'settled', value: 'no', id: 'rq-settled-no' }), h('span', { text: t('request.settled_no') }));
		parts.push(h('fieldset', { class: 'field plain' }, h('legend', { class: 'field-label', text: t('request.settled') }), h('div', { class: 'stack' }, yes, no)));
		body = () => {
			const v = root.querySelector('input[name="settled"]:checked')?.value;
			return v ? { settled: v === 'yes' } : {};
		};
	} else if (r.kind === 'task') {
		const count = h('input', { class: 'input', id: 'rq-count', type: 'number', inputmode: 'numeric', min: '0', max: '1000000' });
		const file = h('input', { class: 'sr-only', id: 'rq-proof', type: 'file', accept: 'image/*', capture: 'environment' });
		const ups = h('ul', { class: 'up-list', id: 'rq-proof-progress' });
		file.addEventListener('change', async () => {
			for (const f of file.files) {
				const row = uploadRow(f);
				ups.append(row.li);
				try {
					await uploadPhoto(id, f, 'proof', row.set);
					row.done(true);
					r = await api.get(`requests/${id}`);
				} catch (e) {
					row.done(false, e.message);
				}
			}
			file.value = '';
		});
		parts.push(
			h('div', { class: 'field' }, h('label', { for: 'rq-count', text: t('request.proof_count') }), count),
			h('div', { class: 'field' }, h('label', { class: 'btn btn-secondary', for: 'rq-proof' }, icon('camera', 'ico'), h('span', { text: t('request.proof_add') })), file, ups),
		);
		body = () => (count.value === '' ? {} : { proof_count: Number(count.value) });
	}
	return h(
		'form',
		{ class: 'resolve-form', id: 'rq-resolve-form', novalidate: true, onsubmit: (e) => (e.preventDefault(), step({ action: 'resolve', ...body(), note: note.value.trim() || undefined }, submit)) },
		parts,
		h('div', { class: 'field' }, h('label', { for: 'rq-note', text: t('request.note') }), note),
		submit,
	);
}

function actionsBox() {
	const acts = r.actions || [];
	if (!acts.length) return null;
	const simple = acts
		.filter((a) => SIMPLE.includes(a))
		.map((a) => {
			// Ending a request takes a second tap: it cannot be undone.
			const final = a === 'cancel' || a === 'reject' || a === 'close';
			const b = h('button', { type: 'button', class: ['btn', 'btn-block', final ? 'btn-secondary' : 'btn-primary'], id: `rq-${a}`, text: actionName(a) });
			b.addEventListener('click', () => {
				if (final && b.dataset.armed !== 'yes') {
					b.dataset.armed = 'yes';
					b.textContent = t('request.confirm', { action: actionName(a) });
					return;
				}
				step({ action: a }, b);
			});
			return b;
		});
	const dispatch = acts.includes('dispatch')
		? h('button', { type: 'button', class: 'btn btn-primary btn-block', id: 'rq-dispatch', onclick: () => openDispatch(r, async (done) => ((r = done), await loadHistory(), render())) }, icon('send', 'ico'), h('span', { text: actionName('dispatch') }))
		: null;
	return h(
		'section',
		{ class: 'card-section rq-do', id: 'rq-actions' },
		h('h2', { text: t('request.what_now') }),
		acts.includes('rate') ? rateForm() : null,
		acts.includes('resolve') ? resolveForm() : null,
		h('div', { class: 'stack' }, dispatch, simple),
	);
}

function historyList() {
	return h(
		'section',
		{ class: 'card-section' },
		h('h2', { text: t('request.history') }),
		h(
			'ol',
			{ class: 'rq-history', id: 'rq-history' },
			history.map((e) =>
				h('li', { dataset: { action: e.action } }, h('span', { class: 'hx-line' }, h('strong', { text: actionName(e.action) }), h('span', { class: 'muted', text: ` · ${e.actor}` }), h('time', { class: 'muted', datetime: e.at, text: cityTime(e.at) })), e.note ? h('span', { class: 'hx-note', text: e.note }) : null),
			),
		),
	);
}

function render() {
	document.title = `${r.title} · ${t('app.name')}`;
	const side = ['rejected', 'cancelled', 'reopened', 'closed'].includes(r.state) ? h('p', { class: 'note', id: 'rq-side-state', text: t('request.now', { state: t(`loop.state.${r.state}`) }) }) : null;
	fill(
		root,
		flash,
		h(
			'section',
			{ class: 'card-section rq-head' },
			h('p', { class: 'rq-kind', text: `${kindName(cat, r.kind)} · ${categoryName(cat, r.kind, r.category)} · ${r.number || `#${r.id}`}` }),
			h('h1', { class: 'rq-h1', id: 'rq-title', text: r.title }),
			h('div', { class: 'rq-badges' }, stateBadge(r.state), deadlineBadge(r)),
			stepper(),
			side,
			r.description ? h('p', { class: 'rq-desc', text: r.description }) : null,
			facts(),
		),
		actionsBox(),
		photos(),
		historyList(),
	);
	root.dataset.state = 'ready';
	root.dataset.rqState = r.state;
}

async function loadHistory() {
	history = (await api.get(`requests/${id}/history`)).items;
}

async function refresh() {
	if (busy) return;
	try {
		const next = await api.get(`requests/${id}`);
		if (r && next.version === r.version) return;
		r = next;
		await loadHistory();
		render();
	} catch {
		/* the next event or tick tries again */
	}
}

async function start() {
	await initChrome();
	flash = h('p', { class: 'flash', role: 'status', id: 'rq-flash', hidden: true });
	try {
		const account = await currentAccount();
		if (!account) return signedOut(root, t('request.title'), t('request.signin_intro'));
		renderAccount();
		if (!id) throw Object.assign(new Error(t('request.not_found')), { status: 404 });
		[cat, r] = await Promise.all([loadCatalog(), api.get(`requests/${id}`)]);
		await loadHistory();
		if (param('new')) say(t('request.filed'), 'ok');
		render();
		onEvents(TOPICS, (msg) => String(msg.object_id) === String(id) && refresh());
		// The requester and the assignee hear of it through their inbox.
		onEvents('inbox.added', (msg) => msg.data?.ref?.noun === 'request' && String(msg.data.ref.id) === String(id) && refresh());
		refreshWhileSeen(refresh, 15000);
	} catch (e) {
		fill(root, h('p', { class: 'flash flash-error', role: 'alert', text: e.status === 404 ? t('request.not_found') : errorText(e) }), h('a', { class: 'btn btn-secondary', href: '/tasks.html', text: t('tasks.title') }));
		root.dataset.state = 'error';
	}
}

start();
