// models.test.mjs - a model is known even when its registration was never
// indexed (issue #16 point 1): a devnet chain indexed from the `late-models`
// scenario's start_block, after every model registration, shows exactly the
// images the ground truth holds.  The WAI and Qwen models are in the built-in
// table (kind and output file); the late model (anythingv3, registered by a
// user) is known only through the engine's models(id) view and its template
// on the gateway, checked against the template's cid.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { startGateway } from '../devnet/gateway.mjs';
import { devnetConfig, sql, status } from './chain.mjs';
import { runCliAsync, startDaemon, tmpDir, waitFor } from './harness.mjs';

const lc = (s) => (s == null ? s : s.toLowerCase());

let dn;
let gw;
let truth;
let late; // the truth's model that only the view and the gateway can tell

before(async () => {
  dn = await startDevnet({});
  truth = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'late-models', opts: { gap: 50, fromBlock: 'scenario' }, log: () => {} });
  late = truth.models.find((m) => m.id === truth.late_models.model);
  assert.ok(late && late.registered_in_range === false, 'the late model was registered before start_block');
  assert.ok(truth.models.every((m) => m.registered_in_range === false), 'no registration in the indexed range');
  gw = await startGateway({ port: 0 });
});

after(async () => {
  await gw?.close();
  await dn?.stop();
});

const templateHex = (m) => '0x' + Buffer.from(m.template, 'utf8').toString('hex');

function config(dir, extra = {}) {
  return devnetConfig(dir, dn.deploy, dn.rpcUrl, {
    ...extra,
    chain: { start_block: truth.late_models.start_block, ...(extra.chain || {}) },
    ipfs: { gateways: gw.url, monitor: 'off', retry: '1', ...(extra.ipfs || {}) },
  });
}

async function getJson(d, p) {
  const r = await fetch(d.url + p);
  const body = await r.json();
  assert.equal(r.status, 200, `${p}: ${JSON.stringify(body)}`);
  return body;
}

// The gallery (automine shown: the truth's images[] include automine tasks), newest first.
async function gallery(d) {
  const page = await getJson(d, '/api/v1/images?automine=show&limit=100');
  return page.items;
}

function expectGallery(items) {
  const want = [...truth.images].reverse();
  assert.deepEqual(items.map((i) => i.id), want.map((i) => lc(i.task)), 'the gallery holds exactly the truth\'s images, in chain order');
  const byId = new Map(items.map((i) => [i.id, i]));
  for (const w of want) {
    const got = byId.get(lc(w.task));
    assert.equal(got.model, lc(w.model));
    assert.equal(got.creator, lc(w.owner));
    // Tasks made through a helper contract get their input with issue #16 point 4.
    const task = truth.tasks.find((t) => t.id === w.task);
    if (task.call_path.length === 0 || task.call_path[0] === 'router') assert.equal(got.prompt, w.prompt);
    assert.equal(got.miner, lc(w.validator));
    assert.equal(got.cid, w.cid_qm);
    assert.equal(got.output_file, w.file);
    assert.ok(got.image_url.endsWith(w.path), `${got.image_url} ends with ${w.path}`);
  }
}

function expectImagesByOwner(dbPath) {
  const want = new Map();
  for (const i of truth.images) want.set(lc(i.owner), (want.get(lc(i.owner)) ?? 0) + 1);
  const owners = new Set(truth.tasks.map((t) => lc(t.owner)));
  for (const o of owners) {
    const row = sql(dbPath, `SELECT images FROM users WHERE address = '${o}'`)[0];
    assert.equal(row?.images ?? 0, want.get(o) ?? 0, `images of owner ${o}`);
  }
}

test('a chain indexed after every registration shows exactly the truth\'s images; models from the view, the table and the gateway', async () => {
  gw.configure({ clear: true, files: { [late.cid_qm]: templateHex(late) } });
  const dir = tmpDir();
  const cfg = config(dir);
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(truth.late_models.start_block),
    '--to', String(truth.head.number)], { timeout: 300000 });
  assert.equal(r.code, 0, r.stderr);
  const d = await startDaemon({ configFile: cfg.file, args: ['--read-only'] });
  try {
    expectGallery(await gallery(d));
    const stats = await getJson(d, '/api/v1/stats?automine=show');
    assert.equal(stats.images_total, truth.images.length, 'dashboard images');
    expectImagesByOwner(cfg.dbPath);
    // Every model the range uses is known with the view's current fee, address and rate.
    for (const m of truth.models) {
      const got = await getJson(d, `/api/v1/model/${m.id}`);
      assert.equal(got.fee, m.fee, `fee of ${m.id}`);
      assert.equal(got.addr, lc(m.addr));
      assert.equal(got.rate, m.rate);
      assert.equal(got.cid, lc(m.cid));
      assert.equal(got.output_file, m.output_file);
      assert.equal(got.output_type, m.key === 'text' ? 'text' : 'image');
      assert.equal(got.source, 'view');
    }
    // No name in the table or the configuration: the template's title.
    const models = await getJson(d, '/api/v1/models');
    const lm = models.models.find((m) => m.id === late.id);
    assert.equal(lm.name, late.title);
    assert.equal(lm.title, late.title);
    const got = await getJson(d, `/api/v1/model/${late.id}`);
    assert.equal(got.template_error, null);
    assert.ok(got.template.fields.length > 1, 'the template was parsed like registration calldata');
    // The template was fetched from the gateway, by the template's own cid.
    assert.ok(gw.stats().by_cid[late.cid_qm] >= 1, JSON.stringify(gw.stats()));
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
});

test('until its template is known the model is "unknown model" with its id; a later range learns it and every figure follows', async () => {
  // The gateway first serves other bytes under the template's cid: refused by the hash check.
  gw.configure({ clear: true, files: { [late.cid_qm]: '0x' + Buffer.from('{"meta":{"title":"not the template"}}').toString('hex') } });
  const dir = tmpDir();
  const cfg = config(dir);
  const d = await startDaemon({ configFile: cfg.file });
  try {
    await waitFor(() => status(cfg.dbPath)?.indexed_block >= truth.head.number, { timeoutMs: 60000, what: 'sync' });
    const m = await getJson(d, `/api/v1/model/${late.id}`);
    assert.equal(m.output_type, null);
    assert.equal(m.name, null);
    assert.match(m.template_error, new RegExp(`not ${late.cid_qm}`));
    const page = await (await fetch(`${d.url}/model/${late.id}`)).text();
    assert.match(page, new RegExp(`Unknown model <code[^>]*>${late.id}</code>`));
    // The model's tasks are indexed, never dropped; only its images wait for the template.
    for (const t of truth.tasks.filter((x) => x.model === late.id)) {
      const img = await getJson(d, `/api/v1/image/${t.id}`);
      assert.equal(img.model, late.id);
      assert.equal(img.model_info.output_type, null);
    }
    const others = truth.images.filter((i) => i.model !== late.id);
    assert.deepEqual((await gallery(d)).map((i) => i.id), [...others].reverse().map((i) => lc(i.task)), 'built-in models are images already');

    // The gateway serves the real template; the next range learns it (retry = 1 s).
    gw.configure({ files: { [late.cid_qm]: templateHex(late) } });
    await new Promise((r) => setTimeout(r, 1100));
    await dn.rpc.call('evm_mine', []);
    await waitFor(async () => (await getJson(d, `/api/v1/model/${late.id}`)).output_type === 'image', { timeoutMs: 30000, what: 'the template learnt' });
    expectGallery(await gallery(d));
    const stats = await getJson(d, '/api/v1/stats?automine=show');
    assert.equal(stats.images_total, truth.images.length);
    const daily = await getJson(d, `/api/v1/charts/daily?automine=show&days=all&model=${late.id}`);
    const sum = daily.points.reduce((a, x) => a + x.images, 0);
    assert.equal(sum, truth.images.filter((i) => i.model === late.id).length, `daily images of the late model: ${JSON.stringify(daily).slice(0, 400)}`);
    expectImagesByOwner(cfg.dbPath);
    assert.equal((await getJson(d, `/api/v1/model/${late.id}`)).name, late.title);
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
});
