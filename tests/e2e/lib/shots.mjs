// What the layout tests look for, and screenshots for people to look at, in
// $YZ_SHOTS_DIR (default /tmp/shots).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const SHOTS = process.env.YZ_SHOTS_DIR || '/tmp/shots';
mkdirSync(SHOTS, { recursive: true });

/** Elements wider than the viewport, and tap targets smaller than 44 px. */
export async function layoutProblems(page) {
	return page.evaluate(() => {
		const out = [];
		const vw = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth > vw + 1) {
			for (const el of document.querySelectorAll('body *')) {
				const r = el.getBoundingClientRect();
				if (r.width && r.right > vw + 1 && !el.closest('.leaflet-container, .filters, .sr-only')) out.push(`too wide: ${el.tagName}.${el.className} right=${Math.round(r.right)}`);
			}
			if (!out.length) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
		}
		for (const el of document.querySelectorAll('.btn, .chip, .bar-btn, .card-link, .card-go, .search-option, .check, select.input, input.input, .leaflet-control-zoom a')) {
			const r = el.getBoundingClientRect();
			const zoom = el.matches('.leaflet-control-zoom a');
			if (r.width && (r.height < 43.5 || (zoom && r.width < 43.5)))
				out.push(`small target: ${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 20)}" ${Math.round(r.width)}×${Math.round(r.height)}px`);
		}
		return out.slice(0, 12);
	});
}

/**
 * Text a machine without an emoji font draws as empty boxes: emoji
 * (Extended_Pictographic) in the page's text, labels and titles.
 */
export async function emojiOnPage(page) {
	return page.evaluate(() => {
		const re = /[\p{Extended_Pictographic}\u{FE0F}]/u;
		const out = [];
		const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = walker.nextNode(); n; n = walker.nextNode()) if (re.test(n.data)) out.push(`text "${n.data.trim().slice(0, 30)}" in ${n.parentElement.className}`);
		for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]'))
			for (const a of ['aria-label', 'title', 'placeholder']) if (re.test(el.getAttribute(a) || '')) out.push(`${a} "${el.getAttribute(a)}"`);
		return out.slice(0, 12);
	});
}

/** Waits until every drawn icon on the page has drawn (its sprite symbol found). */
export async function iconsDrawn(page) {
	await page.waitForFunction(() => [...document.querySelectorAll('svg.icon use')].every((u) => u.getBBox().width > 0), null, { timeout: 5000 }).catch(() => {});
	return page.evaluate(() =>
		[...document.querySelectorAll('svg.icon use')]
			.filter((u) => !(u.getBBox().width > 0) && u.closest('svg').getBoundingClientRect().width > 0)
			.map((u) => u.getAttribute('href')),
	);
}

export async function shoot(page, name, { full = false } = {}) {
	await page.evaluate(() => document.fonts.ready);
	await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: full });
}

/** A page as its users see it: nothing overflows or is too small to tap, no emoji, every icon drawn; then its screenshot. */
export async function looksRight(page, name, what) {
	assert.deepEqual(await layoutProblems(page), [], `${what}: layout`);
	assert.deepEqual(await emojiOnPage(page), [], `${what}: no emoji`);
	assert.deepEqual(await iconsDrawn(page), [], `${what}: icons drawn`);
	await shoot(page, name, { full: true });
}
