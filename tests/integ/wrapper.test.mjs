// wrapper.test.mjs - tasks and solutions from any caller (issues #15, #16.4):
// a bulk helper with selectors of its own, Multicall3 and a Safe submit and
// solve through the engine; arbiusd keeps every prompt, owner, input CID and
// bulk size exactly as for a direct call, reads only the views calldata
// cannot replace (in one batch), uses a call tracer where the endpoint has
// one, records what no source holds as unrecoverable, and learns a
// provider's batch limit.  Expected values come from the driver's truth.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { startProxy } from '../devnet/proxy.mjs';
import { devnetConfig, dumpContent, freshIndex, sql } from './chain.mjs';
import { runCliAsync, startDaemon, tmpDir, waitFor } from './harness.mjs';

let net;
let truth;
let px;
let clean;
const quiet = () => {};
const lc = (s) => (s == null ? s : s.toLowerCase());
const hexOf = (blobHex) => (blobHex == null ? null : '0x' + blobHex.toLowerCase());
// a contract other than the router called the engine: the helper, the multicall, the safe
const viaContract = (t) => t.call_path.length > 0 && !(t.call_path.length === 1 && t.call_path[0] === 'router');

before(async () => {
  net = await startDevnet({});
  truth = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'wrapper', log: quiet });
  px = await startProxy({ target: net.rpcUrl, port: 0 });
  clean = dumpContent(freshIndex(tmpDir(), net.deploy, net.rpcUrl, truth.head.number));
});

after(async () => {
  await px?.close();
  await net?.stop();
});

// `arbiusd scan` of the whole chain through the proxy in mode; stats of the run.
async function scan(mode, chain = {}) {
  px.setMode(mode);
  px.resetStats();
  const cfg = devnetConfig(tmpDir(), net.deploy, px.url, { chain });
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--from', String(net.deploy.start_block), '--to', String(truth.head.number)], { timeout: 240000 });
  const stats = px.stats();
  px.setMode({ mode: 'ok' });
  assert.equal(r.code, 0, r.stderr);
  return { cfg, r, stats };
}

// The via arbiusd gives a task: how the engine was called.
function wantVia(t) {
  if (t.bulk) return 'bulk';
  if (!viaContract(t)) return t.via;
  return lc(t.sender) === lc(net.deploy.contracts.router) ? 'router' : 'contract';
}

function tasksOf(dbPath) {
  const rows = sql(dbPath, 'SELECT id, owner, version, via, bulk_size, input_flags, cid, hex(input) AS input, CASE WHEN prompt IS NULL THEN NULL ELSE hex(CAST(prompt AS BLOB)) END AS prompt_hex FROM tasks');
  return new Map(rows.map((t) => [t.id, t]));
}

// Every task exactly as the truth has it (inputs included unless lost).
function assertTasks(dbPath) {
  const by = tasksOf(dbPath);
  assert.equal(by.size, truth.tasks.length, 'task count');
  for (const t of truth.tasks) {
    const got = by.get(lc(t.id));
    const what = `${t.id} (${[...t.call_path, t.call].join(' > ')})`;
    assert.ok(got, `task ${what} missing`);
    assert.equal(got.owner, lc(t.owner), `owner of ${what}`);
    assert.equal(got.version, t.version, `version of ${what}`);
    assert.equal(hexOf(got.input), lc(t.input), `input of ${what}`);
    assert.equal(got.prompt_hex, t.prompt == null ? null : Buffer.from(t.prompt, 'utf8').toString('hex').toUpperCase(), `prompt of ${what}`);
    assert.equal(got.cid, lc(t.cid), `input cid of ${what}`);
    assert.equal(got.bulk_size, t.bulk_size, `bulk size of ${what}`);
    assert.equal(got.via, wantVia(t), `via of ${what}`);
    assert.equal(got.input_flags & 0x200, 0, `not unrecoverable: ${what}`);
  }
}

function assertSolutions(dbPath) {
  const rows = sql(dbPath, 'SELECT task, validator, cid, cid_text FROM solutions');
  const by = new Map(rows.map((s) => [s.task, s]));
  assert.equal(by.size, truth.solutions.length, 'solution count');
  for (const s of truth.solutions) {
    const got = by.get(lc(s.task));
    assert.ok(got, `solution of ${s.task} missing`);
    assert.equal(got.validator, lc(s.validator));
    assert.equal(got.cid, lc(s.cid), `cid of the solution of ${s.task} (${s.call_path.join(' > ')})`);
    assert.equal(got.cid_text ?? null, s.cid_qm ?? null);
  }
}

test('tasks and solutions through a helper, a multicall and a Safe keep input, owner, CID and bulk size', async () => {
  const { cfg, r, stats } = await scan({ mode: 'ok' });
  assertTasks(cfg.dbPath);
  assertSolutions(cfg.dbPath);
  assert.deepEqual(dumpContent(cfg.dbPath), clean, 'equal to an index made without the proxy');
  // Calldata proves every input (embedded calls; byte strings by task id):
  // views only for what no calldata can prove, the owners of the helper's
  // tasks and the CIDs of the helper's solutions, in one batch.
  const helperTasks = truth.tasks.filter((t) => t.call_path[0] === 'helper').length;
  const helperSols = truth.solutions.filter((s) => s.call_path[0] === 'helper').length;
  assert.ok(helperTasks > 0 && helperSols > 0);
  assert.equal(stats.by_method.eth_call, helperTasks + helperSols, 'views asked');
  assert.equal(stats.requests_by_method.eth_call, 1, 'views in one request');
  // One summary line, no warning per task.
  assert.equal((r.stderr.match(/tasks from contracts/g) || []).length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, / warn /, r.stderr);
  const mixed = sql(cfg.dbPath, `SELECT input_flags FROM tasks WHERE id = '${lc(truth.notes.wrapper.multicall.aggregate3[0])}'`)[0];
  assert.equal(mixed.input_flags & 0x80, 0x80, 'marked as found inside a contract call');
});

test('no views but a call tracer: owners, inputs and CIDs from traces; the refused views asked once', async () => {
  const { cfg, stats } = await scan({
    rules: [
      { mode: 'rpc-error', methods: ['eth_call'], code: -32601, message: 'the method eth_call does not exist/is not available' },
      { mode: 'call-tracer' },
    ],
  }, { max_range: 3 });
  assertTasks(cfg.dbPath);
  assertSolutions(cfg.dbPath);
  assert.equal(stats.requests_by_method.eth_call, 1, 'refused views are not asked again');
  assert.ok(stats.by_method.debug_traceTransaction > 0);
  const traced = sql(cfg.dbPath, "SELECT count(*) AS n FROM tasks WHERE input_flags & 256").at(0).n;
  assert.equal(traced, truth.tasks.filter((t) => t.call_path[0] === 'helper').length, 'the helper tasks by trace');
});

test('no calldata and no tracer: unrecoverable, with owner and input CID from the view, on the page and in the JSON', async (t) => {
  px.setMode({
    rules: [
      { mode: 'rpc-error', methods: ['eth_getTransactionByHash'], code: -32601, message: 'the method eth_getTransactionByHash does not exist/is not available' },
      { mode: 'no-debug' },
    ],
  });
  px.resetStats();
  const cfg = devnetConfig(tmpDir(), net.deploy, px.url, { chain: { max_range: 2 } });
  const d = await startDaemon({ configFile: cfg.file });
  t.after(async () => {
    await d.stop();
    px.setMode({ mode: 'ok' });
  });
  await waitFor(async () => (await (await fetch(`${d.url}/api/v1/status`)).json()).indexed_block >= truth.head.number, { timeoutMs: 120000, what: 'the head indexed' });
  const stats = px.stats();
  assert.equal(stats.requests_by_method.debug_traceTransaction, 1, 'the missing tracer is asked once');
  const by = tasksOf(cfg.dbPath);
  for (const tk of truth.tasks) {
    const got = by.get(lc(tk.id));
    assert.equal(got.prompt_hex, null);
    assert.equal(got.input_flags & 0x201, 0x201, `unrecoverable: ${tk.id}`);
    assert.equal(got.owner, lc(tk.owner), `owner from the view: ${tk.id}`);
    assert.equal(got.cid, lc(tk.cid), `input cid from the view: ${tk.id}`);
  }
  assertSolutions(cfg.dbPath);
  const some = truth.tasks.find((x) => x.call_path[0] === 'helper' && x.solved);
  const j = await (await fetch(`${d.url}/api/v1/image/${lc(some.id)}`)).json();
  assert.equal(j.input_source, 'unrecoverable');
  assert.equal(j.input_cid, lc(some.cid));
  assert.equal(j.owner, lc(some.owner));
  assert.equal(j.prompt, null);
  const html = await (await fetch(`${d.url}/image/${lc(some.id)}`)).text();
  assert.match(html, /Prompt unrecoverable/);
  assert.ok(html.includes(lc(some.cid)), 'the input CID on the page');
});

for (const style of ['geth', 'jsonrpsee', '413']) {
  test(`a provider that caps batches (${style}): the limit is learnt, the index ends equal`, async () => {
    const { cfg, r, stats } = await scan({ mode: 'batch-limit', max: 7, style }, { rpc_batch: 100 });
    assert.deepEqual(dumpContent(cfg.dbPath), clean);
    const lowered = [...r.stderr.matchAll(/at most (\d+) per request from now on/g)].map((m) => Number(m[1]));
    assert.ok(lowered.length > 0, r.stderr);
    assert.ok(lowered.at(-1) <= 7, `limit ${lowered.at(-1)}`);
    assert.ok(stats.faults['batch-limit'] >= 1);
  });
}

test('20 tasks a transaction through the helper: every prompt exact, views 100 a request', async () => {
  const bulk = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'bulk', opts: { events: 1200, perTx: 20, via: 'helper', fullTruth: true }, log: quiet });
  const from = truth.head.number + 1;
  px.setMode({ mode: 'ok' });
  px.resetStats();
  const cfg = devnetConfig(tmpDir(), net.deploy, px.url, { chain: { start_block: from } });
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(from), '--to', String(bulk.head.number)], { timeout: 240000 });
  assert.equal(r.code, 0, r.stderr);
  const stats = px.stats();
  const tasks = tasksOf(cfg.dbPath);
  const mine = bulk.tasks.filter((t) => t.block >= from);
  assert.ok(mine.length >= 500);
  for (const t of mine) {
    const got = tasks.get(lc(t.id));
    assert.equal(got.prompt_hex, Buffer.from(t.prompt, 'utf8').toString('hex').toUpperCase(), `prompt of ${t.id}`);
    assert.equal(got.owner, lc(t.owner));
    assert.equal(got.bulk_size, t.bulk_size);
  }
  // The owners and solution CIDs only views prove, 100 a request; a few
  // requests more whatever the size (head, logs, headers, calldata).  The
  // models the tasks name were registered before `from`: each is read once
  // with models(id) (#16), in the batch of its range's lookups.
  const views = mine.length + bulk.solutions.filter((s) => s.block >= from).length;
  const models = new Set(mine.map((t) => lc(t.model))).size;
  assert.equal(stats.by_method.eth_call, views + models);
  assert.ok(stats.requests_by_method.eth_call <= Math.ceil(views / 100) + models, JSON.stringify(stats.requests_by_method));
  assert.ok(stats.http_requests - stats.requests_by_method.eth_call <= 10, JSON.stringify(stats.requests_by_method));
});
