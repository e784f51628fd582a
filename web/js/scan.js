// Codes at the counter: reading a QR code from the camera (jsQR, from npm,
// served from /vendor/jsqr/) with typing it as the fallback, showing a QR
// the server drew, and the words of a refusal.

import { h, icon } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './ui.js';

/** The problem's own words for a refusal the person can act on. */
export function problemText(e) {
	return e && e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 403 && e.message ? e.message : errorText(e);
}

/** An <img> of an SVG the server drew (a QR code). */
export function qrImage(svg, label) {
	return h('img', { class: 'shop-qr', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, alt: label, width: 220, height: 220 });
}

/**
 * A scanner: a camera button that reads QR codes (while the camera runs,
 * each new code goes to onCode once), and a field to type one. onCode may
 * return a promise; the next code is read after it settles.
 */
export function scanner({ id, label, placeholder, inputmode = 'numeric', onCode }) {
	const input = h('input', { id: `${id}-input`, type: 'text', inputmode, autocomplete: 'off', placeholder, class: 'input scan-input' });
	const video = h('video', { class: 'scan-video', playsinline: true, muted: true, hidden: true });
	const camera = h('button', { type: 'button', class: 'btn btn-secondary', id: `${id}-camera` }, icon('camera', 'ico'), h('span', { text: t('scan.camera') }));
	const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: `${id}-submit` }, icon('check-check', 'ico'), h('span', { text: t('scan.confirm') }));
	let stream = null;
	let busy = false;
	let last = '';
	const canvas = document.createElement('canvas');
	const ctx = canvas.getContext('2d', { willReadFrequently: true });

	async function give(code) {
		if (busy || !code) return;
		busy = true;
		try {
			await onCode(code.trim());
		} finally {
			busy = false;
		}
	}
	function stop() {
		for (const tr of stream?.getTracks() || []) tr.stop();
		stream = null;
		video.hidden = true;
		camera.querySelector('span').textContent = t('scan.camera');
	}
	function tick() {
		if (!stream) return;
		if (video.readyState >= 2 && window.jsQR) {
			canvas.width = video.videoWidth;
			canvas.height = video.videoHeight;
			ctx.drawImage(video, 0, 0);
			const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
			const found = window.jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
			if (found?.data && found.data !== last) {
				last = found.data;
				input.value = found.data;
				give(found.data);
			}
		}
		requestAnimationFrame(tick);
	}
	camera.addEventListener('click', async () => {
		if (stream) return stop();
		try {
			stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
			video.srcObject = stream;
			video.hidden = false;
			await video.play();
			camera.querySelector('span').textContent = t('scan.stop');
			last = '';
			tick();
		} catch {
			stop();
			input.focus();
			input.placeholder = t('scan.no_camera');
		}
	});
	const form = h('form', { class: 'scan', id }, h('label', { for: input.id, text: label }), video, h('div', { class: 'scan-row' }, input, submit), camera);
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		give(input.value);
	});
	form.stop = stop;
	form.clear = () => {
		input.value = '';
		input.focus();
	};
	return form;
}
