// The ledger's files on the ledger page: export what the filters show to
// Excel (one sheet, or one per category) or CSV, and import a CSV or Excel
// file, all rows or the good ones — each with a progress bar, since a
// street's ledger runs to thousands of rows on a slow connection.

import { csrf, uuid } from './api.js';
import { h } from './dom.js';
import { getLang, t } from './i18n.js';

function bar(id) {
	const meter = h('progress', { class: 'files-progress', id, max: '100', hidden: true });
	const note = h('p', { class: 'hint', id: `${id}-note`, role: 'status', 'aria-live': 'polite' });
	return { meter, note };
}

/** Downloads url with a progress bar, then saves it under name. */
async function download(url, name, ui) {
	ui.meter.hidden = false;
	ui.meter.removeAttribute('value');
	ui.note.textContent = t('files.exporting');
	const res = await fetch(url, { headers: { 'Accept-Language': getLang() }, credentials: 'same-origin' });
	if (!res.ok) {
		let msg = res.statusText;
		try {
			msg = (await res.json()).detail || msg;
		} catch {
			/* not JSON */
		}
		throw new Error(msg);
	}
	const total = Number(res.headers.get('Content-Length')) || 0;
	const rows = res.headers.get('X-Row-Count');
	const reader = res.body.getReader();
	const parts = [];
	let got = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		parts.push(value);
		got += value.length;
		if (total) ui.meter.value = Math.round((got / total) * 100);
	}
	const blob = new Blob(parts, { type: res.headers.get('Content-Type') || 'application/octet-stream' });
	const a = h('a', { href: URL.createObjectURL(blob), download: name });
	document.body.append(a);
	a.click();
	setTimeout(() => {
		URL.revokeObjectURL(a.href);
		a.remove();
	}, 1000);
	ui.meter.value = 100;
	ui.note.textContent = t('files.exported', { rows: rows ?? '?' });
}

/** Uploads file to the import route with upload progress; resolves to {status, body}. */
function upload(file, mode, ui) {
	return new Promise((resolve, reject) => {
		const x = new XMLHttpRequest();
		x.open('POST', `/api/v1/people/import?mode=${mode}`);
		x.setRequestHeader('Content-Type', file.type || (file.name.endsWith('.csv') ? 'text/csv' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'));
		x.setRequestHeader('X-CSRF-Token', csrf.get() || '');
		x.setRequestHeader('Idempotency-Key', uuid());
		x.setRequestHeader('Accept-Language', getLang());
		x.upload.onprogress = (e) => {
			if (e.lengthComputable) ui.meter.value = Math.round((e.loaded / e.total) * 90);
		};
		x.upload.onload = () => {
			ui.meter.removeAttribute('value');
			ui.note.textContent = t('files.checking');
		};
		x.onload = () => {
			let body = null;
			try {
				body = JSON.parse(x.responseText);
			} catch {
				body = null;
			}
			resolve({ status: x.status, body });
		};
		x.onerror = () => reject(new Error(t('error.offline')));
		x.send(file);
	});
}

function report(r, status) {
	const lines = [];
	if (status === 201 || status === 200) lines.push(h('p', { class: 'files-ok', id: 'import-result', text: t('files.imported', { created: r.created, skipped: r.skipped }) }));
	else if (r && 'row_errors' in r) lines.push(h('p', { class: 'form-error', id: 'import-result', text: r.detail || t('files.rejected', { n: r.errors_total }) }));
	else lines.push(h('p', { class: 'form-error', id: 'import-result', text: r?.detail || String(status) }));
	if (r?.row_errors?.length) {
		const shown = r.row_errors.slice(0, 50);
		lines.push(
			h(
				'ul',
				{ class: 'files-errors', id: 'import-errors' },
				shown.map((e) => h('li', { text: t('files.row_error', { row: e.row, column: e.column || e.field, message: e.message }) })),
			),
		);
		if (r.errors_total > shown.length) lines.push(h('p', { class: 'hint', text: t('files.more_errors', { n: r.errors_total - shown.length }) }));
	}
	return lines;
}

/**
 * The files section for the ledger page; query() gives the list's current
 * API query (an object), onImported() refreshes the list and counts.
 */
export function ledgerFiles({ query, onImported }) {
	const ex = bar('export-progress');
	const im = bar('import-progress');
	const out = h('div', { class: 'files-report', id: 'import-report' });
	const exportAs = (format, byCategory) => async (e) => {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(query())) if (v !== undefined && v !== null && v !== '') q.set(k, v);
		q.set('format', format);
		if (byCategory) q.set('by_category', 'true');
		const day = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
		e.target.disabled = true;
		try {
			await download(`/api/v1/people/export?${q}`, `台账-${day}.${format}`, ex);
		} catch (err) {
			ex.note.textContent = err.message;
		} finally {
			e.target.disabled = false;
		}
	};
	const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', class: 'input' });
	const skip = h('input', { type: 'checkbox', id: 'import-skip' });
	const go = h('button', {
		type: 'button',
		class: 'btn btn-primary btn-block',
		id: 'import-go',
		text: t('files.import'),
		onclick: async () => {
			const f = file.files[0];
			if (!f) {
				im.note.textContent = t('files.choose');
				return;
			}
			go.disabled = true;
			im.meter.hidden = false;
			im.meter.value = 0;
			im.note.textContent = t('files.uploading');
			out.replaceChildren();
			try {
				const { status, body } = await upload(f, skip.checked ? 'skip_bad' : 'all', im);
				im.meter.value = 100;
				im.note.textContent = '';
				out.replaceChildren(...report(body, status));
				if (status === 201) onImported?.();
			} catch (err) {
				im.note.textContent = err.message;
			} finally {
				go.disabled = false;
			}
		},
	});
	return h(
		'section',
		{ class: 'card-section ledger-files', id: 'ledger-files' },
		h('h2', { text: t('files.title') }),
		h('p', { class: 'hint', text: t('files.export_hint') }),
		h(
			'div',
			{ class: 'manage-buttons' },
			h('button', { type: 'button', class: 'btn btn-secondary', id: 'export-xlsx', text: t('files.export_xlsx'), onclick: exportAs('xlsx', false) }),
			h('button', { type: 'button', class: 'btn btn-secondary', id: 'export-by-category', text: t('files.export_by_category'), onclick: exportAs('xlsx', true) }),
			h('button', { type: 'button', class: 'btn btn-secondary', id: 'export-csv', text: t('files.export_csv'), onclick: exportAs('csv', false) }),
		),
		ex.meter,
		ex.note,
		h('h3', { text: t('files.import_title') }),
		h('p', { class: 'hint', text: t('files.import_hint') }),
		h('div', { class: 'field' }, h('label', { for: 'import-file', text: t('files.file') }), file),
		h('label', { class: 'check check-wide', for: 'import-skip' }, skip, h('span', { text: t('files.skip_bad') })),
		go,
		im.meter,
		im.note,
		out,
	);
}
