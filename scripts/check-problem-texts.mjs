#!/usr/bin/env node
// Keeps the English catalog of problem texts (src/core/problem_en.c) in step
// with the code: every Chinese format string passed to problem_set() or
// problem_field() anywhere in src/ must have an entry, every entry must still
// be used, and no Chinese may reach a problem as an argument (it would show
// up untranslated in the English text). Formats without Chinese characters
// are English already and need no entry. The unit test
// tests/unit/core/test_problem.c checks the catalog itself: byte order, and
// the same printf conversions in both texts of each entry.
//
//   node scripts/check-problem-texts.mjs        exit 1 and a list when not
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const CATALOG = join(SRC, 'core/problem_en.c');
// The functions, and the index of their format argument.
const FORMAT_ARG = { problem_set: 3, problem_field: 2, field_invalid: 2 };
// Field tables (domain/field.h) write their texts as designated initializers
// (.invalid = "…", .denied = "…"); domain/field.c passes them on as formats.
const TABLE_TEXT = new Set(['invalid', 'denied']);
const PASSES_TABLE_TEXTS = new Set(['domain/field.c']);
// Where they are defined and declared, not called.
const SKIP = new Set(['core/problem.c', 'core/problem.h', 'core/problem_en.c']);
const HAN = /[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]/;

/** C source → tokens { kind: 'str'|'punct'|'word', text, bytes?, line }. */
function lex(src) {
	const out = [];
	let i = 0;
	let line = 1;
	const n = src.length;
	while (i < n) {
		const c = src[i];
		if (c === '\n') {
			line++;
			i++;
		} else if (c === '/' && src[i + 1] === '/') {
			while (i < n && src[i] !== '\n') i++;
		} else if (c === '/' && src[i + 1] === '*') {
			const end = src.indexOf('*/', i + 2);
			const stop = end < 0 ? n : end + 2;
			for (; i < stop; i++) if (src[i] === '\n') line++;
		} else if (c === '"' || c === "'") {
			const start = line;
			let j = i + 1;
			while (j < n && src[j] !== c) {
				if (src[j] === '\\') j++;
				if (src[j] === '\n') line++;
				j++;
			}
			const body = src.slice(i + 1, j);
			if (c === '"') out.push({ kind: 'str', text: body, bytes: unescape(body), line: start });
			else out.push({ kind: 'word', text: `'${body}'`, line: start });
			i = j + 1;
		} else if (/[A-Za-z_0-9]/.test(c)) {
			let j = i;
			while (j < n && /[A-Za-z_0-9.]/.test(src[j])) j++;
			out.push({ kind: 'word', text: src.slice(i, j), line });
			i = j;
		} else if (/\s/.test(c)) {
			i++;
		} else {
			out.push({ kind: 'punct', text: c, line });
			i++;
		}
	}
	return out;
}

/** The bytes a C string literal's body stands for, as a UTF-8 decoded string. */
function unescape(body) {
	const bytes = [];
	const simple = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, '"': 34, "'": 39, '?': 63 };
	for (let i = 0; i < body.length; ) {
		if (body[i] !== '\\') {
			const cp = body.codePointAt(i);
			const ch = String.fromCodePoint(cp);
			bytes.push(...Buffer.from(ch, 'utf8'));
			i += ch.length;
			continue;
		}
		const e = body[i + 1];
		if (e in simple) {
			bytes.push(simple[e]);
			i += 2;
		} else if (e === 'x') {
			const m = /^[0-9a-fA-F]+/.exec(body.slice(i + 2));
			bytes.push(parseInt(m[0], 16) & 0xff);
			i += 2 + m[0].length;
		} else if (/[0-7]/.test(e)) {
			const m = /^[0-7]{1,3}/.exec(body.slice(i + 1));
			bytes.push(parseInt(m[0], 8) & 0xff);
			i += 1 + m[0].length;
		} else {
			bytes.push(e.charCodeAt(0));
			i += 2;
		}
	}
	return Buffer.from(bytes).toString('utf8');
}

/** Adjacent string literals among tokens, joined as the compiler joins them. */
function literalRuns(tokens) {
	const runs = [];
	let cur = null;
	for (const t of tokens) {
		if (t.kind === 'str') {
			if (!cur) runs.push((cur = { text: '', line: t.line }));
			cur.text += t.bytes;
		} else {
			cur = null;
		}
	}
	return runs;
}

/** The calls of problem_set/problem_field in tokens: { fn, line, args: [tokens] }. */
function calls(tokens) {
	const found = [];
	for (let i = 0; i < tokens.length; i++) {
		const t = tokens[i];
		if (t.kind !== 'word' || !(t.text in FORMAT_ARG)) continue;
		if (tokens[i + 1]?.text !== '(' || ['struct', 'void'].includes(tokens[i - 1]?.text)) continue;
		const args = [[]];
		let depth = 0;
		let j = i + 2;
		for (; j < tokens.length; j++) {
			const x = tokens[j];
			if (x.kind === 'punct' && '([{'.includes(x.text)) depth++;
			if (x.kind === 'punct' && ')]}'.includes(x.text)) {
				if (depth === 0) break;
				depth--;
			}
			if (depth === 0 && x.kind === 'punct' && x.text === ',') args.push([]);
			else args.at(-1).push(x);
		}
		found.push({ fn: t.text, line: t.line, args });
		i = j;
	}
	return found;
}

/** The texts of field tables: the literals after `.invalid =` or `.denied =`. */
function tableTexts(tokens) {
	const found = [];
	for (let i = 0; i + 3 < tokens.length; i++) {
		if (tokens[i].text !== '.' || !TABLE_TEXT.has(tokens[i + 1].text) || tokens[i + 2].text !== '=') continue;
		const run = [];
		for (let j = i + 3; tokens[j]?.kind === 'str'; j++) run.push(tokens[j]);
		if (run.length) found.push({ text: run.map((x) => x.bytes).join(''), line: run[0].line });
	}
	return found;
}

function cFiles(dir) {
	const files = [];
	for (const name of readdirSync(dir).sort()) {
		const p = join(dir, name);
		if (statSync(p).isDirectory()) files.push(...cFiles(p));
		else if (/\.[ch]$/.test(name)) files.push(p);
	}
	return files;
}

const show = (s) => JSON.stringify(s);

// The catalog: every { "zh", "en" } pair of string literals.
const catalog = new Map();
{
	const t = lex(readFileSync(CATALOG, 'utf8'));
	for (let i = 0; i < t.length; i++) {
		if (t[i].text !== '{') continue;
		let j = i + 1;
		const zh = [];
		while (t[j]?.kind === 'str') zh.push(t[j++]);
		if (!zh.length || t[j]?.text !== ',') continue;
		j++;
		const en = [];
		while (t[j]?.kind === 'str') en.push(t[j++]);
		if (!en.length || t[j]?.text !== '}') continue;
		const key = zh.map((x) => x.bytes).join('');
		catalog.set(key, { line: zh[0].line, used: false });
		i = j;
	}
}

const problems = [];
let nformats = 0;
for (const file of cFiles(SRC)) {
	const rel = relative(SRC, file);
	if (SKIP.has(rel)) continue;
	const where = (line) => `src/${rel}:${line}`;
	const tokens = lex(readFileSync(file, 'utf8'));
	for (const run of tableTexts(tokens)) {
		nformats++;
		if (!HAN.test(run.text)) continue;
		const entry = catalog.get(run.text);
		if (entry) entry.used = true;
		else problems.push(`${where(run.line)}: no English for ${show(run.text)}`);
	}
	for (const call of calls(tokens)) {
		const at = FORMAT_ARG[call.fn];
		const fmtArg = call.args[at];
		if (!fmtArg) {
			problems.push(`${where(call.line)}: ${call.fn} without a format argument`);
			continue;
		}
		const runs = literalRuns(fmtArg);
		if (!runs.length && PASSES_TABLE_TEXTS.has(rel) && fmtArg.length === 1 && fmtArg[0].kind === 'word') continue;
		if (!runs.length)
			problems.push(`${where(call.line)}: ${call.fn}'s format is not a string literal, so it has no English`);
		for (const run of runs) {
			nformats++;
			if (!/[A-Za-z\u0080-\uffff]/.test(run.text.replace(/%[-+ #0]*[0-9*]*(\.[0-9*]*)?(hh|h|ll|l|L|z|j|t)?[a-zA-Z%]/g, '')))
				problems.push(`${where(run.line)}: the text ${show(run.text)} comes from an argument, so it cannot be translated; write it as the format, or copy the problem that holds it`);
			if (!HAN.test(run.text)) continue;
			const entry = catalog.get(run.text);
			if (entry) entry.used = true;
			else problems.push(`${where(run.line)}: no English for ${show(run.text)}`);
		}
		for (const arg of call.args.slice(at + 1))
			for (const run of literalRuns(arg))
				if (HAN.test(run.text))
					problems.push(`${where(run.line)}: Chinese ${show(run.text)} is an argument of ${call.fn}, so English answers would show it untranslated; choose between whole formats instead`);
	}
}
for (const [zh, entry] of catalog)
	if (!entry.used)
		problems.push(`src/core/problem_en.c:${entry.line}: no problem_set or problem_field in src/ uses ${show(zh)}; remove the entry or correct it`);

if (problems.length) {
	console.log(problems.join('\n'));
	console.log(`\n${problems.length} problem text(s) out of step with src/core/problem_en.c.`);
	console.log('Add each missing text to the catalog as { "中文 format", "English format" } in byte order of the');
	console.log('Chinese (the unit test unit/core/test_problem says where one is out of order), with the same');
	console.log('printf conversions in the same order.');
	process.exit(1);
}
console.log(`problem texts: ${nformats} formats in src/, ${catalog.size} catalog entries, all in step`);
