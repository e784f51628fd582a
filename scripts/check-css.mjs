#!/usr/bin/env node
// Parses the stylesheets of web/css/ with a real CSS parser (css-tree) and
// fails on what the browser would silently swallow: a syntax error, or a
// rule inside another rule. The pages use no CSS nesting, so a rule in a
// rule means a brace went missing, and every rule after it stops applying.
//
//   node scripts/check-css.mjs [file.css …]     exit 1 and a list when not
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as csstree from 'css-tree';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const files = process.argv.length > 2 ? process.argv.slice(2) : readdirSync(join(ROOT, 'web/css')).filter((f) => f.endsWith('.css')).map((f) => join(ROOT, 'web/css', f));
const problems = [];
let rules = 0;
for (const file of files) {
	const name = relative(ROOT, resolve(file));
	const text = readFileSync(file, 'utf8');
	const ast = csstree.parse(text, {
		positions: true,
		onParseError: (e) => problems.push(`${name}:${e.line}: ${e.message}`),
	});
	csstree.walk(ast, {
		visit: 'Rule',
		enter(node) {
			rules++;
			if (this.rule) problems.push(`${name}:${node.loc.start.line}: a rule inside the rule of line ${this.rule.loc.start.line} (a closing brace missing?)`);
		},
	});
}
if (problems.length) {
	console.error(`stylesheets: ${problems.length} problem(s)\n${problems.join('\n')}`);
	process.exit(1);
}
console.log(`stylesheets: ${files.length} file(s), ${rules} rules, well-formed`);
