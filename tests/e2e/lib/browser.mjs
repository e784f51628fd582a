// Debian's chromium driven by playwright-core, one browser per test file and
// a fresh context (cookies, storage) per journey. Page errors and failed
// same-origin requests are collected so a journey can assert there were none.
import { chromium } from 'playwright-core';
import { DEMO_PASSWORD } from '../../api/lib/server.mjs';

export const CHROMIUM = process.env.YZ_CHROMIUM || '/usr/bin/chromium';

export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 800 };

export async function launch() {
	return chromium.launch({
		executablePath: CHROMIUM,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
	});
}

/**
 * A new context and page at baseURL. Returns { ctx, page, problems } where
 * problems lists uncaught page errors, CSP violations and same-origin
 * requests that failed or answered 5xx.
 */
export async function openPage(browser, baseURL, { viewport = PHONE, lang } = {}) {
	const ctx = await browser.newContext({ baseURL, viewport, locale: 'zh-CN', timezoneId: 'UTC', deviceScaleFactor: 1 });
	if (lang) await ctx.addInitScript((l) => localStorage.setItem('yz.lang', l), lang);
	const page = await ctx.newPage();
	const problems = [];
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(`csp: ${m.text()}`);
	});
	page.on('requestfailed', (r) => {
		if (r.url().startsWith(baseURL) && r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
	});
	page.on('response', (r) => {
		if (r.url().startsWith(baseURL) && r.status() >= 500) problems.push(`server error: ${r.status()} ${r.url()}`);
	});
	page.setDefaultTimeout(10000);
	return { ctx, page, problems };
}

/** Signs in through the login page and waits to land on next. */
export async function signIn(page, phone, next, password = DEMO_PASSWORD) {
	await page.goto(`/login.html?next=${encodeURIComponent(next)}`);
	await page.fill('form.signin input[name="phone"]', phone);
	await page.fill('form.signin input[name="password"]', password);
	await page.click('form.signin button[type="submit"]');
	await page.waitForURL((u) => u.pathname + u.search === next);
}
