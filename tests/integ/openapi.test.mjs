// openapi.test.mjs - docs/openapi.json, served at /api/v1/openapi.json,
// describes every JSON route of src/web/routes.c, and the real responses of
// a daemon indexed from the devnet `full` scenario match its schemas.
//
// The schema check is a small validator of the OpenAPI 3.0 schema subset
// the document uses: $ref, type, nullable, properties, required, items,
// enum, pattern, minItems, maxItems, minimum, oneOf, anyOf, allOf,
// additionalProperties.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { devnetConfig } from './chain.mjs';
import { ROOT, runCliAsync, startDaemon, tmpDir } from './harness.mjs';

const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8'));
let net;
let truth;
let daemon;

before(async () => {
  net = await startDevnet({});
  truth = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: () => {} });
  // A writable daemon (sign-in routes answer), no IPFS monitor (no gateway).
  const cfg = devnetConfig(tmpDir(), net.deploy, net.rpcUrl, { ipfs: { monitor: 'off' } });
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(net.deploy.start_block),
    '--to', String(truth.head.number)], { timeout: 300000 });
  assert.equal(r.code, 0, r.stderr);
  daemon = await startDaemon({ configFile: cfg.file });
});

after(async () => {
  if (daemon) assert.equal((await daemon.stop()).code, 0);
  await net?.stop();
});

// ---- the validator ----

function resolve(schema) {
  while (schema && schema.$ref) {
    const parts = schema.$ref.replace(/^#\//, '').split('/');
    schema = parts.reduce((o, k) => o?.[k], doc);
    assert.ok(schema, `unresolved $ref`);
  }
  return schema;
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v;
}

// Returns a list of "path: problem" strings (empty when v matches).
function validate(schema, v, at = '$') {
  schema = resolve(schema);
  const errs = [];
  if (!schema || Object.keys(schema).length === 0) return errs;
  if (v === null) {
    if (schema.nullable || schema.type === undefined && !schema.properties) return errs;
    return [`${at}: null where ${schema.type ?? 'a value'} is required`];
  }
  if (schema.allOf) for (const s of schema.allOf) errs.push(...validate(s, v, at));
  if (schema.oneOf) {
    const ok = schema.oneOf.filter((s) => validate(s, v, at).length === 0).length;
    if (ok !== 1) errs.push(`${at}: matches ${ok} of oneOf`);
  }
  if (schema.anyOf && !schema.anyOf.some((s) => validate(s, v, at).length === 0)) errs.push(`${at}: matches no anyOf`);
  const t = typeOf(v);
  if (schema.type) {
    const okType = schema.type === t || (schema.type === 'number' && t === 'integer');
    if (!okType) return [...errs, `${at}: ${t} where ${schema.type} is required (${JSON.stringify(v).slice(0, 80)})`];
  }
  if (schema.enum && !schema.enum.includes(v)) errs.push(`${at}: ${JSON.stringify(v)} not in ${JSON.stringify(schema.enum)}`);
  if (schema.pattern && t === 'string' && !new RegExp(schema.pattern).test(v)) errs.push(`${at}: "${v.slice(0, 80)}" does not match ${schema.pattern}`);
  if (schema.minimum !== undefined && typeof v === 'number' && v < schema.minimum) errs.push(`${at}: ${v} < ${schema.minimum}`);
  if (t === 'array') {
    if (schema.minItems !== undefined && v.length < schema.minItems) errs.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && v.length > schema.maxItems) errs.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items) v.forEach((x, i) => errs.push(...validate(schema.items, x, `${at}[${i}]`)));
  }
  if (t === 'object') {
    for (const k of schema.required ?? []) if (!(k in v)) errs.push(`${at}: missing required "${k}"`);
    for (const [k, s] of Object.entries(schema.properties ?? {})) if (k in v) errs.push(...validate(s, v[k], `${at}.${k}`));
    const extra = Object.keys(v).filter((k) => !(k in (schema.properties ?? {})));
    if (schema.additionalProperties === false && extra.length) errs.push(`${at}: unexpected ${extra.join(', ')}`);
    else if (typeof schema.additionalProperties === 'object') for (const k of extra) errs.push(...validate(schema.additionalProperties, v[k], `${at}.${k}`));
  }
  return errs;
}

test('the validator rejects what it should', () => {
  const s = { type: 'object', required: ['a'], properties: { a: { type: 'integer' }, b: { type: 'string', nullable: true, pattern: '^x' } } };
  assert.deepEqual(validate(s, { a: 1, b: null }), []);
  assert.equal(validate(s, { b: 'x' }).length, 1);
  assert.equal(validate(s, { a: 1.5 }).length, 1);
  assert.equal(validate(s, { a: 1, b: 'y' }).length, 1);
  assert.equal(validate({ type: 'array', items: { type: 'boolean' } }, [true, 1]).length, 1);
});

// ---- every JSON route of routes.c is described ----

function jsonRoutes() {
  const src = fs.readFileSync(path.join(ROOT, 'src/web/routes.c'), 'utf8');
  const out = [];
  for (const m of src.matchAll(/\{\s*"(GET|POST|PUT|DELETE|PATCH)",\s*"([^"]+)"/g)) {
    const [, method, pattern] = m;
    if (pattern.startsWith('/api/') || ['/health', '/ready', '/metrics'].includes(pattern)) out.push({ method, pattern });
  }
  return out;
}

// A route pattern's '*' stands for one path parameter: "/api/v1/image/*"
// is described by "/api/v1/image/{taskid}", "/api/v1/image/*/vote" by
// "/api/v1/image/{taskid}/vote".
const canonical = (docPath) => docPath.replace(/\{[^}]+\}/g, '*');

test('every /api/ route in src/web/routes.c is in docs/openapi.json', () => {
  const routes = jsonRoutes();
  assert.ok(routes.length >= 6, JSON.stringify(routes));
  const described = new Set();
  for (const [p, ops] of Object.entries(doc.paths)) for (const m of Object.keys(ops)) described.add(`${m.toUpperCase()} ${canonical(p)}`);
  const missing = routes.map((r) => `${r.method} ${r.pattern}`).filter((k) => !described.has(k));
  assert.deepEqual(missing, [], `not described in docs/openapi.json: ${missing.join(', ')}`);
  // and nothing is described that the server does not route
  const routed = new Set(routes.map((r) => `${r.method} ${r.pattern}`));
  const extra = [...described].filter((k) => !routed.has(k));
  assert.deepEqual(extra, [], `described but not routed: ${extra.join(', ')}`);
});

test('/api/v1/openapi.json serves the document', async () => {
  const r = await fetch(`${daemon.url}/api/v1/openapi.json`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /application\/json/);
  assert.deepEqual(await r.json(), doc);
  assert.equal(doc.openapi.slice(0, 2), '3.');
});

// ---- real responses against the schemas ----

// Values for path parameters, from the devnet's ground truth.
function paramValue(name) {
  const solved = truth.tasks.find((t) => t.solved) ?? truth.tasks[0];
  const values = {
    taskid: solved.id, id: solved.id, task: solved.id,
    address: truth.solutions[0].validator, addr: truth.solutions[0].validator, miner: truth.solutions[0].validator,
    user: truth.tasks[0].owner, owner: truth.tasks[0].owner,
    model: truth.models[0].id, modelid: truth.models[0].id, cid: truth.solutions[0].cid_qm,
  };
  assert.ok(name in values, `no devnet value for path parameter {${name}}: add one to paramValue()`);
  return values[name];
}

function concrete(p) {
  return p.replace(/\{([^}]+)\}/g, (_, n) => paramValue(n));
}

async function check(url, op, { expectStatus } = {}) {
  const r = await fetch(daemon.url + url);
  const resp = op.responses[String(r.status)] ?? op.responses.default;
  assert.ok(resp, `${url}: status ${r.status} is not documented`);
  if (expectStatus) assert.equal(r.status, expectStatus, url);
  const ct = r.headers.get('content-type') ?? '';
  const content = resolve(resp).content;
  if (!content) return r.status;
  const type = Object.keys(content)[0];
  assert.ok(ct.startsWith(type), `${url}: content-type ${ct}, documented ${type}`);
  if (type === 'application/json') {
    const body = await r.json();
    const errs = validate(content[type].schema, body);
    assert.deepEqual(errs, [], `${url} (${r.status}) does not match its schema:\n${errs.join('\n')}`);
  } else {
    await r.body?.cancel();
  }
  return r.status;
}

test('real responses match the documented schemas', async () => {
  let checked = 0;
  for (const [p, ops] of Object.entries(doc.paths)) {
    const op = ops.get;
    if (!op || p === '/api/v1/stream') continue;
    const st = await check(concrete(p), op);
    // Routes that need a signed-in wallet answer their documented 401/403.
    if (op.security?.length) assert.ok(st < 400 || st === 401 || st === 403, `${p}: ${st}`);
    else assert.ok(st < 400, `${p}: ${st}`);
    checked++;
  }
  assert.ok(checked >= 7);
  // Variants: an unsolved task (solution null), automine shown, a window,
  // and the documented errors.
  const unsolved = truth.tasks.find((t) => !t.solved && !t.retracted);
  if (unsolved) await check(`/api/v1/image/${unsolved.id}`, doc.paths['/api/v1/image/{taskid}'].get, { expectStatus: 200 });
  await check('/api/v1/stats?automine=show', doc.paths['/api/v1/stats'].get, { expectStatus: 200 });
  await check('/api/v1/charts/daily?days=all&automine=show', doc.paths['/api/v1/charts/daily'].get, { expectStatus: 200 });
  await check(`/api/v1/charts/daily?days=7&model=${truth.models[0].id}`, doc.paths['/api/v1/charts/daily'].get, { expectStatus: 200 });
  await check('/api/v1/image/0x12', doc.paths['/api/v1/image/{taskid}'].get, { expectStatus: 400 });
  await check(`/api/v1/image/0x${'ab'.repeat(32)}`, doc.paths['/api/v1/image/{taskid}'].get, { expectStatus: 404 });
  await check('/api/v1/stats?automine=maybe', doc.paths['/api/v1/stats'].get, { expectStatus: 400 });
  // Every task of the truth: hostile inputs included.
  for (const t of truth.tasks.filter((x) => !x.retracted)) {
    await check(`/api/v1/image/${t.id}`, doc.paths['/api/v1/image/{taskid}'].get, { expectStatus: 200 });
  }
});

test('the event stream answers with its documented content type', async () => {
  const ac = new AbortController();
  const r = await fetch(`${daemon.url}/api/v1/stream`, { signal: ac.signal });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/event-stream/);
  assert.ok(doc.paths['/api/v1/stream'].get.responses['200'].content['text/event-stream']);
  ac.abort();
});
