// Builds web/vendor/icons.svg, the one sprite of drawn icons the pages use
// (<svg><use href="/vendor/icons.svg#microwave"/></svg>), from the names in
// src/domain/icons.inc and the SVG files of the npm package lucide-static.
// Each icon becomes a <symbol> that strokes in currentColor, so it takes the
// colour of the text around it (the drawing attributes sit on each symbol:
// a <use> inherits from where it is used, not from the sprite's root). Run by
// `make web-vendor`.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LUCIDE = join(ROOT, 'node_modules/lucide-static/icons');
const OUT = join(ROOT, 'web/vendor/icons.svg');

const DRAW = 'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"';

const list = readFileSync(join(ROOT, 'src/domain/icons.inc'), 'utf8');
const names = [...list.matchAll(/^ICON\("([a-z0-9-]+)"\)$/gm)].map((m) => m[1]);
if (!names.length) throw new Error('icons.inc names no icon');

const version = JSON.parse(readFileSync(join(ROOT, 'node_modules/lucide-static/package.json'), 'utf8')).version;
const symbols = names.map((name) => {
	let svg;
	try {
		svg = readFileSync(join(LUCIDE, `${name}.svg`), 'utf8');
	} catch {
		throw new Error(`icons.inc names "${name}", which lucide-static ${version} does not have`);
	}
	const body = /<svg[^>]*>([\s\S]*?)<\/svg>/.exec(svg)?.[1];
	const viewBox = /viewBox="([^"]+)"/.exec(svg)?.[1] || '0 0 24 24';
	if (!body) throw new Error(`${name}.svg: no <svg> element`);
	const shapes = body
		.split('\n')
		.map((l) => l.trim())
		.filter(Boolean)
		.join('');
	return `<symbol id="${name}" viewBox="${viewBox}" ${DRAW}>${shapes}</symbol>`;
});

const sprite = [
	`<!-- Icons from lucide-static ${version} (ISC licence, https://lucide.dev); built by scripts/icons.mjs. -->`,
	'<svg xmlns="http://www.w3.org/2000/svg">',
	...symbols,
	'</svg>',
	'',
].join('\n');
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, sprite);
