// Strings. Chinese first: the HTML already carries the Chinese text, so a
// page reads right before any JSON arrives; elements marked data-i18n (text),
// data-i18n-placeholder, data-i18n-label (aria-label) and data-i18n-title get
// the chosen language's words from /i18n/<lang>.json. The choice persists in
// localStorage.

const LANG_KEY = 'yz.lang';
export const LANGS = ['zh-CN', 'en'];

let lang = 'zh-CN';
let dict = {};

try {
	const saved = localStorage.getItem(LANG_KEY);
	if (LANGS.includes(saved)) lang = saved;
} catch {
	/* storage off: Chinese */
}

export function getLang() {
	return lang;
}

export const isZh = () => lang === 'zh-CN';

/** Loads the dictionary of the current language and translates the page. */
export async function initI18n() {
	document.documentElement.lang = lang;
	try {
		const res = await fetch(`/i18n/${lang}.json`, { credentials: 'same-origin' });
		if (res.ok) dict = await res.json();
	} catch {
		dict = {};
	}
	apply(document);
}

/** The string for key with {name} placeholders filled; the key itself if unknown. */
export function t(key, vars) {
	let s = dict[key];
	if (s === undefined) return key;
	if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
	return s;
}

/** Translates the marked elements under root. */
export function apply(root) {
	for (const el of root.querySelectorAll('[data-i18n]')) {
		const s = dict[el.dataset.i18n];
		if (s !== undefined) el.textContent = s;
	}
	for (const [attr, target] of [
		['i18nPlaceholder', 'placeholder'],
		['i18nLabel', 'aria-label'],
		['i18nTitle', 'title'],
	]) {
		for (const el of root.querySelectorAll(`[data-${attr.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}]`)) {
			const s = dict[el.dataset[attr]];
			if (s !== undefined) el.setAttribute(target, s);
		}
	}
	if (root === document && dict['page.title.' + document.body.dataset.page])
		document.title = dict['page.title.' + document.body.dataset.page];
}

/** Switches language and reloads (every string, including the API's names, follows). */
export function setLang(next) {
	if (!LANGS.includes(next) || next === lang) return;
	try {
		localStorage.setItem(LANG_KEY, next);
	} catch {
		/* ignore */
	}
	location.reload();
}

/** A name from the catalog ({name_zh, name_en}) in the current language. */
export function nameOf(item) {
	if (!item) return '';
	return lang === 'en' ? item.name_en || item.name_zh : item.name_zh || item.name_en;
}

/** "350 米 · 步行 5 分钟" */
export function formatDistance(m, walkMin) {
	const dist = m < 1000 ? t('dist.m', { n: Math.round(m) }) : t('dist.km', { n: (m / 1000).toFixed(m < 10000 ? 1 : 0) });
	if (walkMin == null) return dist;
	return `${dist} · ${t('dist.walk', { n: Math.max(1, walkMin) })}`;
}
