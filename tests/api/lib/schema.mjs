// Checks answers against the server's own OpenAPI document: the document is
// fetched once per process, its components are registered with Ajv (JSON
// Schema 2020-12, as OpenAPI 3.1 uses), and a body is validated against
// #/components/schemas/NAME. Also the assertions every test makes of an
// answer: the common security headers, and the shape of a problem.
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

let loaded = null;

/** Fetches /api/v1/openapi.json from url (once) and compiles its components. */
export async function loadOpenapi(url) {
	if (!loaded) {
		loaded = (async () => {
			const res = await fetch(`${url}/api/v1/openapi.json`);
			assert.equal(res.status, 200, 'GET /api/v1/openapi.json');
			const doc = await res.json();
			const ajv = new Ajv2020({ strict: false, allErrors: true });
			addFormats(ajv);
			ajv.addSchema({ $id: 'yizhan-openapi.json', components: doc.components });
			return { doc, ajv };
		})();
	}
	return loaded;
}

/** The OpenAPI document (after loadOpenapi). */
export async function openapiDocument(url) {
	return (await loadOpenapi(url)).doc;
}

/** Asserts body is valid against #/components/schemas/NAME. */
export async function assertSchema(url, name, body) {
	const { ajv } = await loadOpenapi(url);
	const validate = ajv.getSchema(`yizhan-openapi.json#/components/schemas/${name}`);
	assert.ok(validate, `the OpenAPI document has a schema named ${name}`);
	if (!validate(body))
		assert.fail(`body does not match schema ${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
}

/** Asserts the headers every answer carries. res.headers is a fetch Headers or a plain lower-case object. */
export function assertCommonHeaders(res) {
	const get = (n) => (typeof res.headers.get === 'function' ? res.headers.get(n) : res.headers[n.toLowerCase()]);
	assert.match(get('x-request-id') ?? '', /^[A-Za-z0-9._-]{1,64}$/, 'X-Request-Id');
	assert.match(get('content-security-policy') ?? '', /frame-ancestors 'none'/, 'Content-Security-Policy');
	assert.equal(get('x-content-type-options'), 'nosniff', 'X-Content-Type-Options');
	assert.ok(get('referrer-policy'), 'Referrer-Policy');
}

/**
 * Asserts res is the problem `type` (/problems/TYPE) with `status`, valid
 * against the Problem schema, carrying this answer's request id. When
 * fields are given, errors[] names each of them.
 */
export async function assertProblem(url, res, status, type, { fields, requestIdOptional = false } = {}) {
	const get = (n) => (typeof res.headers.get === 'function' ? res.headers.get(n) : res.headers[n.toLowerCase()]);
	const body = res.json;
	assert.equal(res.status, status, `status ${res.status} (want ${status}): ${res.text ?? res.body}`);
	assert.match(get('content-type') ?? '', /^application\/problem\+json/, 'problem Content-Type');
	assertCommonHeaders(res);
	await assertSchema(url, 'Problem', body);
	assert.equal(body.status, status, 'problem.status');
	if (type) assert.equal(body.type, `/problems/${type}`, 'problem.type');
	assert.equal(typeof body.title, 'string');
	assert.equal(typeof body.detail, 'string', 'problem.detail');
	if (!requestIdOptional || body.request_id !== undefined)
		assert.equal(body.request_id, get('x-request-id'), 'problem.request_id is the X-Request-Id');
	if (fields) {
		assert.ok(Array.isArray(body.errors), `errors[] present: ${JSON.stringify(body)}`);
		const named = body.errors.map((e) => e.field);
		for (const f of fields) assert.ok(named.includes(f), `errors names ${f}: ${JSON.stringify(body.errors)}`);
	}
	return body;
}

/** Asserts a JSON answer: status, JSON content type, common headers, schema. */
export async function assertJson(url, res, status, schema) {
	assert.equal(res.status, status, `status ${res.status} (want ${status}): ${res.text}`);
	assert.match(res.headers.get('content-type') ?? '', /^application\/json/, 'Content-Type');
	assertCommonHeaders(res);
	if (schema) await assertSchema(url, schema, res.json);
	return res.json;
}

/** Asserts a 204 answer: no body, common headers. */
export function assertNoContent(res) {
	assert.equal(res.status, 204, `status ${res.status} (want 204): ${res.text}`);
	assert.equal(res.text, '');
	assertCommonHeaders(res);
}
