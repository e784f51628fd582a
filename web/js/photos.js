// Station photos: the strip of thumbnails on the station page, and the box
// on the edit page where a manager adds a picture from the phone's camera or
// gallery and removes one (a second tap confirms). The server turns every
// picture upright, scales it and strips its location data.
import { api, uuid } from './api.js';
import { h, fill, icon } from './dom.js';
import { t, isZh } from './i18n.js';
import { errorText } from './ui.js';

export const PHOTOS_MAX = 12;
const TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const SIZE_MAX = 12 * 1024 * 1024;

function thumb(p, alt) {
	// The thumbnail's size from the picture's own, so nothing jumps on load.
	const scale = 360 / Math.max(p.width, p.height, 1);
	const w = Math.max(1, Math.round(p.width * Math.min(1, scale)));
	const hgt = Math.max(1, Math.round(p.height * Math.min(1, scale)));
	return h('img', { src: p.thumb_url, alt, width: w, height: hgt, loading: 'lazy', decoding: 'async' });
}

/** The station page's photos, or null when there are none. */
export function photoStrip(station) {
	if (!station.photos?.length) return null;
	return h(
		'section',
		{ class: 'card-section photos', 'aria-labelledby': 'photos-title' },
		h('h2', { id: 'photos-title', text: t('station.photos') }),
		h(
			'ul',
			{ class: 'photo-strip' },
			station.photos.map((p) =>
				h(
					'li',
					{ class: 'photo' },
					h('a', { href: p.url, target: '_blank', rel: 'noopener', 'aria-label': p.caption || t('station.photo_open') }, thumb(p, p.caption || station.name)),
					p.caption ? h('span', { class: 'photo-caption', text: p.caption }) : null,
				),
			),
		),
	);
}

/**
 * The edit page's photo box. onAuthLost() is called when the session is
 * gone (the page asks to sign in again).
 */
export function photosBox(station, { onAuthLost } = {}) {
	let photos = [...(station.photos || [])];
	const list = h('ul', { class: 'photo-strip photo-edit', id: 'photo-list' });
	const msg = h('p', { class: 'flash', id: 'photo-msg', role: 'status', hidden: true });
	const caption = h('input', { class: 'input', id: 'photo-caption', type: 'text', maxlength: 60, autocomplete: 'off', placeholder: t('edit.photo_caption_ph') });
	const file = h('input', { id: 'photo-file', type: 'file', accept: TYPES.join(','), class: 'sr-only' });
	const pick = h('label', { class: 'btn btn-secondary', for: 'photo-file', id: 'photo-pick' }, icon('camera', 'ico'), h('span', { text: t('edit.photo_add') }));
	const count = h('p', { class: 'muted', id: 'photo-count' });

	function say(text, kind) {
		msg.textContent = text;
		msg.className = `flash flash-${kind}`;
		msg.hidden = !text;
	}

	function failed(e) {
		if (e.status === 401 || e.type === 'csrf') {
			onAuthLost?.();
			return;
		}
		say(e.status === 422 || e.status === 415 || e.status === 409 ? (isZh() ? e.message : errorText(e)) : errorText(e), 'error');
	}

	function render() {
		fill(
			list,
			photos.map((p) => {
				const del = h('button', {
					type: 'button',
					class: 'btn btn-secondary btn-small photo-remove',
					text: t('edit.photo_remove'),
					onclick: async () => {
						if (del.dataset.armed !== '1') {
							del.dataset.armed = '1';
							del.textContent = t('edit.photo_remove_confirm');
							return;
						}
						del.disabled = true;
						try {
							await api.del(`stations/${station.id}/photos/${p.id}`);
							photos = photos.filter((x) => x.id !== p.id);
							render();
							say(t('edit.photo_removed'), 'ok');
						} catch (e) {
							del.disabled = false;
							failed(e);
						}
					},
				});
				return h('li', { class: 'photo', dataset: { id: String(p.id) } }, thumb(p, p.caption || station.name), p.caption ? h('span', { class: 'photo-caption', text: p.caption }) : null, del);
			}),
		);
		const full = photos.length >= PHOTOS_MAX;
		count.textContent = t('edit.photo_count', { n: photos.length, max: PHOTOS_MAX });
		file.disabled = full;
		pick.classList.toggle('disabled', full);
		pick.setAttribute('aria-disabled', full ? 'true' : 'false');
	}

	file.addEventListener('change', async () => {
		const f = file.files?.[0];
		file.value = '';
		if (!f) return;
		if (!TYPES.includes(f.type)) {
			say(t('edit.photo_type'), 'error');
			return;
		}
		if (f.size > SIZE_MAX) {
			say(t('edit.photo_big'), 'error');
			return;
		}
		say(t('edit.photo_uploading'), 'info');
		pick.classList.add('busy');
		try {
			// One key for this picture, so a retry over a bad network adds it once.
			const p = await api.upload(`stations/${station.id}/photos`, f, { query: { caption: caption.value.trim() }, key: uuid() });
			photos.push(p);
			caption.value = '';
			render();
			say(t('edit.photo_added'), 'ok');
		} catch (e) {
			failed(e);
		} finally {
			pick.classList.remove('busy');
		}
	});

	render();
	return h(
		'section',
		{ class: 'card-section', id: 'photos-edit', 'aria-labelledby': 'photos-edit-title' },
		h('h2', { id: 'photos-edit-title', text: t('edit.photos') }),
		h('p', { class: 'muted', text: t('edit.photos_hint') }),
		list,
		count,
		h('div', { class: 'field' }, h('label', { for: 'photo-caption', text: t('edit.photo_caption') }), caption),
		h('div', { class: 'photo-actions' }, file, pick),
		msg,
	);
}
