// Building DOM without innerHTML: station names and addresses are user data,
// so text always goes in as text.

const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'indeterminate']);

/** h('a', {href, class, text, onclick, dataset}, ...children) */
export function h(tag, props, ...children) {
	const el = document.createElement(tag);
	if (props) {
		for (const [k, v] of Object.entries(props)) {
			if (v === undefined || v === null) continue;
			if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
			else if (k === 'text') el.textContent = v;
			else if (k === 'dataset') Object.assign(el.dataset, v);
			else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
			else if (PROPS.has(k)) el[k] = v;
			else if (v === false) continue;
			else el.setAttribute(k, v === true ? '' : String(v));
		}
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === undefined || c === null || c === false) continue;
		if (Array.isArray(c)) append(el, c);
		else el.append(c.nodeType ? c : String(c));
	}
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** Shows a message in a live region (role=status/alert is on the element). */
export function say(el, text, kind = 'info') {
	if (!el) return;
	el.textContent = text || '';
	el.dataset.kind = kind;
	el.hidden = !text;
}

/** Reads a query parameter of the page's URL. */
export function param(name) {
	return new URLSearchParams(location.search).get(name);
}

/** A same-origin path from ?next=, or the fallback (no open redirects). */
export function safeNext(fallback = '/') {
	const n = param('next');
	if (!n || !n.startsWith('/') || n.startsWith('//') || n.includes('\\')) return fallback;
	return n;
}

/** el.replaceChildren without the "null" text nodes: skips null, undefined, false. */
export function fill(el, ...children) {
	el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
	return el;
}

const SPRITE = '/vendor/icons.svg';
const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * A drawn icon from the sprite (src/domain/icons.inc, built into
 * /vendor/icons.svg): an inline <svg> that takes the text's colour. It is
 * decorative (aria-hidden): the words next to it, or its parent's label, say
 * what it means. A name that is not an icon name (an old emoji) draws a dot.
 */
export function icon(name, cls) {
	const svg = document.createElementNS(SVG_NS, 'svg');
	svg.setAttribute('class', cls ? `icon ${cls}` : 'icon');
	svg.setAttribute('aria-hidden', 'true');
	svg.setAttribute('focusable', 'false');
	const use = document.createElementNS(SVG_NS, 'use');
	use.setAttribute('href', `${SPRITE}#${/^[a-z0-9-]+$/.test(name || '') ? name : 'circle-dot'}`);
	svg.append(use);
	return svg;
}
