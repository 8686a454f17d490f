// bench/backfill.mjs - index devnet workloads with `arbiusd scan` and compare with the node's
// floor for the same data, in interleaved rounds.
//
//   cd tests && node ../bench/backfill.mjs [--workload bulk,wrapper] [--events 100000]
//       [--rounds 3] [--max-range 10000] [--json out.json]
//
// Workloads (each on a fresh devnet, `--events` engine events: half tasks, half solutions):
//   bulk     bulkSubmitTask + bulkSubmitSolution straight to the engine (driver `bulk`)
//   wrapper  the same tasks and solutions through the bulk helper contract's own selectors
//            (submitBatch / submitEach / solveBatch, driver `bulk --via helper`): the engine
//            only sees one submitTask / submitSolution per item, the prompt is only in the
//            helper's calldata, the helper is the solver
// For each workload, rounds alternate floor, arbiusd, floor, arbiusd, ...:
//   floor    the node answering, to our own JS client, what an indexer minimally needs for the
//            same data: eth_getLogs over the same ranges, the block headers and the calldata of
//            the log transactions, batched 50 per request; for `wrapper` also "floor + views",
//            the floor then the tasks(id) / solutions(task) views 100 a request, which alone
//            prove the owner and the CIDs of items a contract submitted
//   arbiusd  `scan --from <start_block> --to <head>` into a fresh database
//   ponder   Ponder 1.0 (bench/ponder.mjs: `ponder start` on a fresh PGlite until /ready, its
//            rows checked against the chain) over the same blocks, the reference of "at least
//            3x faster than Ponder" (--ponder 0 leaves it out)
// All go through tests/devnet/proxy.mjs (pass-through), which counts HTTP requests and
// JSON-RPC calls. Printed: min and median of each, their ratio, requests and calls per 1,000
// events, and whether every prompt, owner and solution CID in arbiusd's database equals the
// ground truth (truth.mjs, read with the sqlite3 CLI), with the load average before and after.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startDevnet } from '../tests/devnet/devnet.mjs';
import { runScenario } from '../tests/devnet/driver.mjs';
import { startProxy } from '../tests/devnet/proxy.mjs';
import { Rpc } from '../tests/devnet/lib.mjs';
import { expectedRows, ponderBackfill } from './ponder.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.ARBIUSD_BIN || path.join(ROOT, 'build/arbiusd');
const argStr = (k, d = null) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const arg = (k, d) => { const v = argStr(k); return v === null ? d : Number(v); };
const JSON_OUT = argStr('json'); // write the figures here too (bench/report.mjs)
const EVENTS = arg('events', 100000);
const ROUNDS = Math.max(1, arg('rounds', 3));
const MAX_RANGE = arg('max-range', 10000);
const PONDER = arg('ponder', 1) !== 0;
const WORKLOADS = argStr('workload', 'bulk,wrapper').split(',').map((s) => s.trim()).filter(Boolean);
const BATCH = 50;
const hex = (n) => '0x' + n.toString(16);
const lc = (s) => String(s).toLowerCase();
const TRANSFER = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const f0 = (x) => Math.round(x).toLocaleString('en-US');
const f2 = (x) => Number(x).toFixed(2);

for (const w of WORKLOADS) if (!['bulk', 'wrapper'].includes(w)) throw new Error(`unknown workload ${w} (bulk, wrapper)`);

function run(args) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => resolve({ code, err }));
  });
}

function sqlJson(db, q) {
  const out = execFileSync('sqlite3', ['-json', db, q], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return out.trim() ? JSON.parse(out) : [];
}

/** The floor: what an indexer minimally asks the node for this range, back to back. */
async function floor(rpc, c, from, head) {
  const topicEngine = '0x000000000000000000000000' + c.engine.slice(2);
  const txs = new Set();
  const blocks = new Set();
  for (let a = from; a <= head; a += MAX_RANGE) {
    const b = Math.min(head, a + MAX_RANGE - 1);
    const [logs, transfers] = await rpc.batch([
      ['eth_getLogs', [{ fromBlock: hex(a), toBlock: hex(b), address: [c.engine, c.router] }]],
      ['eth_getLogs', [{ fromBlock: hex(a), toBlock: hex(b), address: c.token, topics: [TRANSFER, topicEngine] }]],
    ]);
    for (const l of logs.concat(transfers)) { blocks.add(l.blockNumber); txs.add(l.transactionHash); }
    blocks.add(hex(b));
  }
  const bl = [...blocks];
  for (let i = 0; i < bl.length; i += BATCH) await rpc.batch(bl.slice(i, i + BATCH).map((n) => ['eth_getBlockByNumber', [n, false]]));
  const tl = [...txs];
  for (let i = 0; i < tl.length; i += BATCH) await rpc.batch(tl.slice(i, i + BATCH).map((h) => ['eth_getTransactionByHash', [h]]));
  return { blocks: bl.length, txs: tl.length };
}

/**
 * The views a wrapper's items need beyond the floor (the owner and the input
 * CID of a task a contract submitted, the CID of a solution it submitted:
 * nothing else on chain proves them): tasks(id) and solutions(task), 100 a
 * request, back to back.
 */
async function floorViews(rpc, c, truth) {
  const sel = async (sig) => (await rpc.call('web3_sha3', ['0x' + Buffer.from(sig).toString('hex')])).slice(0, 10);
  const ts = await sel('tasks(bytes32)');
  const ss = await sel('solutions(bytes32)');
  const calls = truth.tasks.map((t) => ts + t.id.slice(2)).concat(truth.solutions.map((x) => ss + x.task.slice(2)));
  for (let i = 0; i < calls.length; i += 100) {
    await rpc.batch(calls.slice(i, i + 100).map((data) => ['eth_call', [{ to: c.engine, data }, 'latest']]));
  }
  return calls.length;
}

/** Every task's prompt and owner and every solution's CID in the database against the truth. */
function checkDb(db, truth) {
  const tasks = sqlJson(db, 'SELECT id, owner, CASE WHEN prompt IS NULL THEN NULL ELSE hex(CAST(prompt AS BLOB)) END AS prompt_hex FROM tasks');
  const sols = sqlJson(db, 'SELECT task, cid FROM solutions');
  const tBy = new Map(tasks.map((t) => [t.id, t]));
  const sBy = new Map(sols.map((s) => [s.task, s]));
  const r = { tasks: truth.tasks.length, tasks_in_db: tasks.length, prompts_equal: 0, prompts_lost: 0, prompts_wrong: 0, owners_equal: 0,
    solutions: truth.solutions.length, solutions_in_db: sols.length, cids_equal: 0, cids_lost: 0, cids_wrong: 0 };
  for (const t of truth.tasks) {
    const got = tBy.get(lc(t.id));
    const want = t.prompt == null ? null : Buffer.from(t.prompt, 'utf8').toString('hex').toUpperCase();
    if (got && (got.prompt_hex ?? null) === want) r.prompts_equal++;
    else if (!got || got.prompt_hex == null) r.prompts_lost++;
    else r.prompts_wrong++;
    if (got && got.owner === lc(t.owner)) r.owners_equal++;
  }
  for (const s of truth.solutions) {
    const got = sBy.get(lc(s.task));
    if (got && got.cid === lc(s.cid)) r.cids_equal++;
    else if (!got || got.cid == null) r.cids_lost++;
    else r.cids_wrong++;
  }
  return r;
}

async function workload(name) {
  const net = await startDevnet({});
  let px;
  try {
    const t0 = Date.now();
    const truth = await runScenario({
      rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'bulk',
      opts: { events: EVENTS, via: name === 'wrapper' ? 'helper' : 'engine', fullTruth: true, verifyViews: false }, log: () => {},
    });
    const genMs = truth.driver.scenario_ms;
    const truthMs = truth.driver.truth_ms;
    const genTotal = Date.now() - t0;
    const from = net.deploy.start_block;
    const head = truth.head.number;
    const c = net.deploy.contracts;
    // engine + router events of the range: what "per 1,000 events" divides by
    const events = Object.values(truth.counts.engine).reduce((a, b) => a + b, 0) + Object.values(truth.counts.router).reduce((a, b) => a + b, 0);
    px = await startProxy({ target: net.rpcUrl, port: 0 });
    const rpc = new Rpc(px.url, { timeoutMs: 600000 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `arbiusd-bench-${name}-`));
    const rounds = [];
    let check = null;
    let fl = null;
    const expect = PONDER ? await expectedRows({ rpcUrl: net.rpcUrl, contracts: c, startBlock: from, endBlock: head }) : null;
    const ponder = [];
    for (let i = 0; i < ROUNDS; i++) {
      px.resetStats();
      let t = process.hrtime.bigint();
      fl = await floor(rpc, c, from, head);
      const floorMs = Number(process.hrtime.bigint() - t) / 1e6;
      const floorStats = px.stats();
      let viewsMs = null;
      if (name === 'wrapper') {
        t = process.hrtime.bigint();
        await floorViews(rpc, c, truth);
        viewsMs = floorMs + Number(process.hrtime.bigint() - t) / 1e6;
      }

      const db = path.join(dir, `r${i}.db`);
      const ini = path.join(dir, `r${i}.ini`);
      fs.writeFileSync(ini, `[database]\npath = ${db}\n[chain]\nrpc_urls = ${px.url}\nchain_id = ${net.deploy.chain_id}\n` +
        `engine = ${c.engine}\ntoken = ${c.token}\nrouter = ${c.router}\nstart_block = ${from}\nmax_range = ${MAX_RANGE}\nrpc_timeout = 300\n`);
      px.resetStats();
      t = process.hrtime.bigint();
      const r = await run(['--config', ini, 'scan', '--quiet', '--from', String(from), '--to', String(head)]);
      const arbMs = Number(process.hrtime.bigint() - t) / 1e6;
      const arbStats = px.stats();
      if (r.code !== 0) throw new Error(`${name}: arbiusd scan exited ${r.code}: ${r.err.slice(-2000)}`);
      const dbEvents = Number(execFileSync('sqlite3', [db, 'SELECT events FROM totals'], { encoding: 'utf8' }).trim());
      if (i === ROUNDS - 1) check = checkDb(db, truth);
      rounds.push({ floor_ms: floorMs, floor_views_ms: viewsMs, arbiusd_ms: arbMs, ratio: arbMs / floorMs, floor: floorStats, arbiusd: arbStats, db_events: dbEvents });
      for (const f of fs.readdirSync(dir)) if (f.startsWith(`r${i}.db`)) fs.rmSync(path.join(dir, f), { force: true });
      if (PONDER) {
        const p = await ponderBackfill({ rpcUrl: px.url, chainId: net.deploy.chain_id, contracts: c, startBlock: from, endBlock: head, expect });
        if (!p.ok) throw new Error(`${name}: ponder's rows differ from the chain: ${p.mismatches.join('; ')}`);
        ponder.push(p);
        rounds[i].ponder_ms = p.ms;
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    const med = (k) => median(rounds.map((x) => x[k]));
    const min = (k) => Math.min(...rounds.map((x) => x[k]));
    const last = rounds[rounds.length - 1];
    return {
      workload: name,
      via: name === 'wrapper' ? 'helper' : 'engine',
      events,
      tasks: truth.tasks.length,
      solutions: truth.solutions.length,
      from_block: from,
      to_block: head,
      blocks: head - from + 1,
      generate_ms: genMs,
      truth_ms: truthMs,
      setup_ms: genTotal,
      max_range: MAX_RANGE,
      rounds,
      floor_ms: med('floor_ms'),
      floor_min_ms: min('floor_ms'),
      arbiusd_ms: med('arbiusd_ms'),
      arbiusd_min_ms: min('arbiusd_ms'),
      ratio: med('arbiusd_ms') / med('floor_ms'),
      ratio_min: min('arbiusd_ms') / min('floor_ms'),
      floor_views_ms: name === 'wrapper' ? med('floor_views_ms') : null,
      floor_views_min_ms: name === 'wrapper' ? min('floor_views_ms') : null,
      events_per_s: events / (med('arbiusd_ms') / 1000),
      requests: last.arbiusd.http_requests,
      calls: last.arbiusd.calls,
      requests_per_1000: (last.arbiusd.http_requests * 1000) / events,
      calls_per_1000: (last.arbiusd.calls * 1000) / events,
      by_method: last.arbiusd.by_method,
      floor_requests: last.floor.http_requests,
      floor_calls: last.floor.calls,
      floor_requests_per_1000: (last.floor.http_requests * 1000) / events,
      floor_blocks: fl.blocks,
      floor_txs: fl.txs,
      db_events: last.db_events,
      check,
      ponder: PONDER ? {
        version: ponder[0].version, ok: ponder.every((p) => p.ok), ms: median(ponder.map((p) => p.ms)),
        min_ms: Math.min(...ponder.map((p) => p.ms)), mined_for_finality: ponder[0].mined_for_finality,
        runs: ponder.map(({ log_tail, ...rest }) => rest),
      } : null,
    };
  } finally {
    await px?.close();
    await net.stop();
  }
}

function print(r) {
  const row = (k, v) => console.log(`  ${k.padEnd(36)} ${v}`);
  const what = r.workload === 'wrapper'
    ? 'helper submitBatch/submitEach + solveBatch (own selectors; the helper calls the engine per item)'
    : 'bulkSubmitTask + bulkSubmitSolution straight to the engine';
  console.log(`\nworkload ${r.workload}: ${f0(r.events)} engine events (${f0(r.tasks)} tasks, ${f0(r.solutions)} solutions) by ${what}`);
  console.log(`  blocks ${r.from_block}-${r.to_block}, generated in ${f2(r.generate_ms / 1000)} s, truth ${f2(r.truth_ms / 1000)} s; max_range ${r.max_range}`);
  const pd = r.ponder;
  const ps = (ms) => (pd ? f2(ms / 1000).padStart(10) : '');
  console.log(`  ${'round'.padEnd(7)}${'floor s'.padStart(10)}${'arbiusd s'.padStart(11)}${'ratio'.padStart(8)}${'arbiusd HTTP req'.padStart(18)}${'JSON-RPC calls'.padStart(16)}${'floor HTTP req'.padStart(16)}` +
    `${pd ? 'ponder s'.padStart(10) : ''}`);
  r.rounds.forEach((x, i) => {
    console.log(`  ${String(i + 1).padEnd(7)}${f2(x.floor_ms / 1000).padStart(10)}${f2(x.arbiusd_ms / 1000).padStart(11)}${(f2(x.ratio) + 'x').padStart(8)}` +
      `${f0(x.arbiusd.http_requests).padStart(18)}${f0(x.arbiusd.calls).padStart(16)}${f0(x.floor.http_requests).padStart(16)}${ps(x.ponder_ms)}`);
  });
  console.log(`  ${'min'.padEnd(7)}${f2(r.floor_min_ms / 1000).padStart(10)}${f2(r.arbiusd_min_ms / 1000).padStart(11)}${(f2(r.ratio_min) + 'x').padStart(8)}${''.padStart(50)}${ps(pd?.min_ms)}`);
  console.log(`  ${'median'.padEnd(7)}${f2(r.floor_ms / 1000).padStart(10)}${f2(r.arbiusd_ms / 1000).padStart(11)}${(f2(r.ratio) + 'x').padStart(8)}${''.padStart(50)}${ps(pd?.ms)}`);
  const ok = (b) => (b ? 'met' : 'NOT met');
  const ck = r.check;
  row('arbiusd / floor (median)', `${f2(r.ratio)}x (goal <= 1.5x: ${ok(r.ratio <= 1.5)})`);
  if (r.floor_views_ms !== null && r.floor_views_ms !== undefined) {
    row('floor + the views, s (min / median)', `${f2(r.floor_views_min_ms / 1000)} / ${f2(r.floor_views_ms / 1000)}`);
    row('arbiusd / (floor + views) (median)', `${f2(r.arbiusd_ms / r.floor_views_ms)}x (min ${f2(r.arbiusd_min_ms / r.floor_views_min_ms)}x)`);
  }
  row('arbiusd events/s (median)', f0(r.events_per_s));
  if (pd) {
    row(`Ponder ${pd.version} / arbiusd (median)`, `${f2(pd.ms / r.arbiusd_ms)}x (min ${f2(pd.min_ms / r.arbiusd_min_ms)}x) (goal >= 3x: ${ok(pd.ms / r.arbiusd_ms >= 3)}); rows checked: ${pd.ok ? 'ok' : 'FAILED'}`);
  }
  row('RPC HTTP requests / 1,000 events', `${f2(r.requests_per_1000)} (${f0(r.requests)}; floor ${f2(r.floor_requests_per_1000)}) (goal <= 15: ${ok(r.requests_per_1000 <= 15)})`);
  row('JSON-RPC calls / 1,000 events', `${f2(r.calls_per_1000)} (${f0(r.calls)}; floor ${f0(r.floor_calls)})`);
  row('arbiusd calls by method', Object.entries(r.by_method).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${f0(n)}`).join(', '));
  row('prompts equal to the truth', `${f0(ck.prompts_equal)} / ${f0(ck.tasks)} (lost ${f0(ck.prompts_lost)}, wrong ${f0(ck.prompts_wrong)}) (goal every prompt: ${ok(ck.prompts_equal === ck.tasks)})`);
  row('owners equal to the truth', `${f0(ck.owners_equal)} / ${f0(ck.tasks)}`);
  row('solution CIDs equal to the truth', `${f0(ck.cids_equal)} / ${f0(ck.solutions)} (lost ${f0(ck.cids_lost)}, wrong ${f0(ck.cids_wrong)})`);
  row('events arbiusd counted (totals)', f0(r.db_events));
}

const cpu = os.cpus()[0]?.model || 'unknown cpu';
const load0 = loadavg();
console.log(`bench/backfill: ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB; ` +
  `${ROUNDS} interleaved rounds per workload (floor, arbiusd, ...); load average ${load0}`);
const results = {};
for (const w of WORKLOADS) {
  results[w] = await workload(w);
  print(results[w]);
}
const load1 = loadavg();
console.log(`\nload average (1/5/15 min): ${load0} at start, ${load1} at end`);
if (JSON_OUT) {
  // top level: the first workload (bulk when run), as bench/report.mjs has always read it
  const first = results[WORKLOADS[0]];
  fs.writeFileSync(JSON_OUT, JSON.stringify({
    events: first.events, from_block: first.from_block, to_block: first.to_block, blocks: first.blocks, generate_ms: first.generate_ms,
    max_range: MAX_RANGE, arbiusd_ms: first.arbiusd_ms, events_per_s: first.events_per_s, requests: first.requests,
    requests_per_1000: first.requests_per_1000, floor_ms: first.floor_ms, ratio: first.ratio, ponder: first.ponder ?? undefined,
    rounds: ROUNDS, load_start: load0, load_end: load1, workloads: results,
  }, null, 1));
}
