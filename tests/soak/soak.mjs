// soak.mjs - reliability soak: arbiusd loses nothing under kills, reorgs,
// provider faults and HTTP load.  Prints one table row per part and exits
// non-zero if any part failed.
//
//   cd tests && ARBIUSD_BIN=../build/arbiusd node soak/soak.mjs
//
// Parts (SOAK_PARTS=kill,reorg,faults,wrk selects; all by default):
//   kill    SOAK_KILLS (50) SIGKILLs at random moments: the first half during
//           backfill (a backlog of sparse blocks is re-grown whenever the
//           index catches up), the rest during live sync with random
//           traffic.  Every restart must resume (indexed_block never below
//           the one at the kill) and the final database equals a clean index.
//   reorg   SOAK_REORGS (100) random reorgs of depth 1..SOAK_REORG_MAX_DEPTH
//           (64) with random blocks (tasks, router and bulk tasks, solutions,
//           claims, commitments, transfers, empty blocks) under live sync; the
//           daemon indexes a random part of the doomed branch first; after
//           each, the database equals a clean index of the canonical chain.
//   faults  every fault-proxy mode under live sync: the mode is set, random
//           traffic and bursts of blocks run for SOAK_FAULT_SECONDS (8), the
//           proxy is healed, and the database must equal a clean index.
//   wrk     wrk, SOAK_WRK_CONNECTIONS (256) connections for SOAK_WRK_SECONDS
//           (600) over every page and JSON route that answers 200, while the
//           scanner indexes random traffic: zero socket errors, zero non-2xx,
//           RSS flat (max of the last window <= max of the first window *
//           (1 + SOAK_RSS_TOLERANCE (0.10)) + 4 MiB; window = min(60 s, 1/4 of
//           the run)); the database equals a clean index afterwards.
//           The server runs with max_connections SOAK_MAX_CONNECTIONS (2048),
//           see P.maxConns.
//
// SOAK_SEED (default: time) makes the random choices reproducible; a failure
// prints the seed and the iteration.  Every loop is bounded by count and by
// SOAK_PART_MINUTES (90) per part.  Everything talks to 127.0.0.1 only.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { startDevnet } from '../devnet/devnet.mjs';
import { Driver, runScenario } from '../devnet/driver.mjs';
import { fakeSolutionCid, fromHex, sleep, utf8Hex } from '../devnet/lib.mjs';
import { startProxy } from '../devnet/proxy.mjs';
import { devnetConfig, dumpContent, sql, status } from '../integ/chain.mjs';
import { runCliAsync, startDaemon, tmpDir, waitFor } from '../integ/harness.mjs';

const env = (k, d) => (process.env[k] === undefined || process.env[k] === '' ? d : Number(process.env[k]));
const P = {
  parts: (process.env.SOAK_PARTS || 'kill,reorg,faults,wrk').split(',').map((s) => s.trim()).filter(Boolean),
  seed: env('SOAK_SEED', Date.now() % 1000000007),
  kills: env('SOAK_KILLS', 50),
  killMinMs: env('SOAK_KILL_MIN_MS', 150),
  killMaxMs: env('SOAK_KILL_MAX_MS', 2500),
  backlogBlocks: env('SOAK_BACKLOG_BLOCKS', 4000),
  reorgs: env('SOAK_REORGS', 100),
  reorgMaxDepth: env('SOAK_REORG_MAX_DEPTH', 64),
  faultSeconds: env('SOAK_FAULT_SECONDS', 8),
  wrkSeconds: env('SOAK_WRK_SECONDS', 600),
  wrkConns: env('SOAK_WRK_CONNECTIONS', 256),
  wrkThreads: env('SOAK_WRK_THREADS', 2),
  wrkTimeout: env('SOAK_WRK_TIMEOUT', 10),
  // libmicrohttpd splits [server] max_connections evenly over the pool
  // threads (512 / 4 = 128 each) and refuses a connection past a thread's
  // share, so 256 wrk connections at the default 512 see resets when the
  // accepts land unevenly.  The soak raises it and says so in its notes.
  maxConns: env('SOAK_MAX_CONNECTIONS', 2048),
  rssTolerance: env('SOAK_RSS_TOLERANCE', 0.10),
  partMinutes: env('SOAK_PART_MINUTES', 90),
  verbose: !!process.env.SOAK_VERBOSE,
};

const log = (...a) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${a.join(' ')}\n`);
const vlog = (...a) => { if (P.verbose) log(...a); };
const quiet = () => {};

// ---- reproducible randomness (mulberry32) ----
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

// ---- helpers ----
class Deadline {
  constructor(minutes, what) { this.end = Date.now() + minutes * 60000; this.what = what; }
  left() { return this.end - Date.now(); }
  check() { if (Date.now() > this.end) throw new Error(`${this.what}: time bound of ${P.partMinutes} min reached`); }
}

async function headOf(rpc) {
  const b = await rpc.call('eth_getBlockByNumber', ['latest', false]);
  return { number: fromHex(b.number), hash: b.hash };
}

async function waitSynced(dbPath, rpc, timeoutMs = 120000) {
  const head = await headOf(rpc);
  await waitFor(() => {
    const st = status(dbPath);
    return st && st.indexed_block === head.number && st.indexed_hash === head.hash;
  }, { timeoutMs, intervalMs: 200, what: `index synced to ${head.number}` });
  return head;
}

// `arbiusd scan` of [start, to] into a fresh database, without blocking the
// event loop (the fault proxy lives in this process).
async function freshIndex(dir, deploy, rpcUrl, to, name) {
  const sub = path.join(dir, name);
  fs.mkdirSync(sub, { recursive: true });
  const cfg = devnetConfig(sub, deploy, rpcUrl);
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(deploy.start_block), '--to', String(to)], { timeout: 600000 });
  if (r.code !== 0) throw new Error(`clean scan failed (${r.code}): ${r.stderr.slice(-2000)}`);
  return cfg.dbPath;
}

// First difference between two dumps, as a short text (or null if equal).
function diffDumps(a, b) {
  for (const t of Object.keys(a)) {
    const x = a[t];
    const y = b[t];
    if (x.length !== y.length) return `${t}: ${x.length} rows vs ${y.length} in the clean index`;
    for (let i = 0; i < x.length; i++) {
      const sx = JSON.stringify(x[i]);
      const sy = JSON.stringify(y[i]);
      if (sx !== sy) return `${t} row ${i}: ${sx.slice(0, 300)} vs clean ${sy.slice(0, 300)}`;
    }
  }
  return null;
}

async function compareClean(dir, net, dbPath, to, name) {
  const clean = await freshIndex(dir, net.deploy, net.rpcUrl, to, name);
  const d = diffDumps(dumpContent(dbPath), dumpContent(clean));
  fs.rmSync(path.dirname(clean), { recursive: true, force: true });
  return d;
}

function coverageGaps(dbPath, start) {
  const cov = sql(dbPath, 'SELECT from_block, to_block FROM coverage ORDER BY from_block');
  const bad = [];
  if (cov.length && cov[0].from_block !== start) bad.push(`coverage starts at ${cov[0].from_block}, not ${start}`);
  for (let i = 1; i < cov.length; i++) {
    if (cov[i].from_block > cov[i - 1].to_block + 1) bad.push(`gap ${cov[i - 1].to_block + 1}-${cov[i].from_block - 1}`);
  }
  return bad;
}

// ---- random chain contents ----
// Tracks open (unsolved) and solved-unclaimed tasks so that every random
// transaction is valid; snapshot()/restore() follow evm_snapshot/evm_revert.
export class Chaos {
  constructor(d, r) {
    this.d = d;
    this.r = r;
    this.open = [];
    this.solved = [];
    this.serial = 0;
    this.fees = null;
  }

  static async create(d, r) {
    const c = new Chaos(d, r);
    c.models = [d.model('image'), d.model('text')];
    await c.refresh();
    return c;
  }

  // Model fees change in the `full` scenario: read them after any scenario.
  async refresh() {
    this.fees = await Promise.all(this.models.map((m) => this.d.modelFee(m)));
  }

  snapshot() { return { open: [...this.open], solved: [...this.solved] }; }
  restore(s) { this.open = [...s.open]; this.solved = [...s.solved]; }

  input() {
    const r = this.r;
    const n = this.serial++;
    const k = r.int(0, 9);
    if (k === 0) return utf8Hex(`not json ${n} <b>&amp;</b>`);
    if (k === 1) return '0x' + Buffer.from([0xff, 0xfe, n & 255, 0x00, 0x22]).toString('hex');
    if (k === 2) return utf8Hex(JSON.stringify({ prompt: `soak ${n} ${'🦊'.repeat(r.int(1, 3))} \u202e rtl` }));
    if (k === 3) return utf8Hex(JSON.stringify({ prompt: 'x'.repeat(r.int(100, 3000)) + n }));
    return utf8Hex(JSON.stringify({ prompt: `soak task ${n}`, seed: r.int(0, 1e9) }));
  }

  // One random valid transaction for Driver.packed(), updating the state
  // through the returned `after(receipt)`.
  tx() {
    const { d, r } = this;
    const users = d.acc.users;
    const miners = d.acc.miners;
    const mi = r.int(0, 1);
    const model = this.models[mi];
    const fee = this.fees[mi] + BigInt(r.int(0, 3)) * 1000n;
    const who = r.pick(users);
    const kind = r.int(0, 10);
    const addTasks = (rc) => { for (const id of d.taskIds(rc)) this.open.push(id); };
    if (kind <= 2 || (kind >= 5 && kind <= 7 && !this.open.length && !this.solved.length)) {
      const input = this.input();
      return { from: who, to: d.engine, data: d.submitTaskData({ model, fee, input, owner: who }), intent: { kind: 'submitTask', input, owner: who }, after: addTasks };
    }
    if (kind === 3) {
      const input = this.input();
      const owner = r.pick(users);
      const data = d.R.encodeFunctionData('submitTask', [0, owner, model, fee, input, 0n, 0n]);
      return { from: r.chance(0.5) ? d.acc.bot : owner, to: d.router, data, intent: { kind: 'routerSubmitTask', input, owner }, after: addTasks };
    }
    if (kind === 4) {
      const input = this.input();
      const n = r.int(2, 5);
      const data = d.E.encodeFunctionData('bulkSubmitTask', [0, who, model, fee, input, n]);
      return { from: who, to: d.engine, data, gas: 32_000 * n + 400_000, intent: { kind: 'bulkSubmitTask', input, owner: who, n }, after: addTasks };
    }
    if ((kind === 5 || kind === 6) && this.open.length) {
      const id = this.open.splice(r.int(0, this.open.length - 1), 1)[0];
      const cid = r.chance(0.1) ? '0x12200000' : fakeSolutionCid(`soak ${id}`);
      return { from: r.pick(miners), to: d.engine, data: d.E.encodeFunctionData('submitSolution', [id, cid]), intent: { kind: 'submitSolution', cids: { [id]: cid } }, after: () => this.solved.push(id) };
    }
    if (kind === 7 && this.solved.length) {
      const id = this.solved.splice(r.int(0, this.solved.length - 1), 1)[0];
      return { from: r.pick(users), to: d.engine, data: d.E.encodeFunctionData('claimSolution', [id]), intent: { kind: 'claimSolution', task: id }, after: () => {} };
    }
    if (kind === 8) {
      const m = r.pick(miners);
      const c = d.commitment(m, '0x' + r.int(1, 1e9).toString(16).padStart(64, '0'), fakeSolutionCid(`c ${this.serial++}`));
      return { from: m, to: d.engine, data: d.E.encodeFunctionData('signalCommitment', [c]), intent: { kind: 'signalCommitment' }, after: () => {} };
    }
    const to = r.pick(users.filter((u) => u !== who));
    return { from: who, to: d.token, data: d.T.encodeFunctionData('transfer', [to, BigInt(r.int(1, 1e6))]), gas: 100_000, intent: { kind: 'transfer' }, after: () => {} };
  }

  // One block of 0..maxTx random transactions (0: an empty block).
  async block(maxTx = 4) {
    const n = this.r.int(0, maxTx);
    if (n === 0) {
      await this.d.rpc.call('evm_mine');
      return;
    }
    const list = Array.from({ length: n }, () => this.tx());
    const rs = await this.d.packed(list);
    rs.forEach((rc, i) => list[i].after(rc));
  }
}

// Random traffic until stop(): blocks with transactions, now and then a
// burst of empty blocks.
function traffic(chaos, r, { pauseMs = [100, 700], burst = [5, 40], burstChance = 0.1 } = {}) {
  let running = true;
  let blocks = 0;
  const errors = [];
  const done = (async () => {
    while (running) {
      try {
        if (r.chance(burstChance)) {
          const n = r.int(burst[0], burst[1]);
          await chaos.d.mineEmpty(n);
          blocks += n;
        } else {
          await chaos.block(4);
          blocks++;
        }
      } catch (e) {
        // A driver-side hiccup (the node closing a keep-alive socket under
        // load) is not the daemon's failure: whatever landed on chain is
        // what the clean index compares against.  Resynchronise and go on.
        errors.push(e.message);
        if (errors.length > 20) throw new Error(`traffic: too many driver errors: ${errors.slice(-3).join(' | ')}`);
        chaos.open = [];
        chaos.solved = [];
        await chaos.d.rpc.call('evm_setAutomine', [true]).catch(() => {});
      }
      await sleep(r.int(pauseMs[0], pauseMs[1]));
    }
  })();
  return {
    get blocks() { return blocks; },
    get errors() { return errors; },
    async stop() {
      running = false;
      await done;
    },
  };
}

// ---- part 1: kill -9 during backfill and live sync ----
async function partKill(r, dl) {
  const net = await startDevnet({});
  const notes = [];
  const failures = [];
  let kills = 0;
  let killsBackfill = 0;
  let killsLive = 0;
  let tr = null;
  try {
    await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: quiet });
    const d = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
    const chaos = await Chaos.create(d, r);
    const grow = async () => {
      await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'sparse', opts: { blocks: P.backlogBlocks, events: Math.max(10, P.backlogBlocks / 50) }, log: quiet });
      await chaos.refresh();
      for (let i = 0; i < 5; i++) await chaos.block(4);
    };
    await grow();
    const dir = tmpDir('arbiusd-soak-kill-');
    // Small ranges: many commits for a kill to land between or inside.
    const cfg = devnetConfig(dir, net.deploy, net.rpcUrl, { chain: { max_range: 5 } });
    const startQuiet = () => startDaemon({ configFile: cfg.file });
    const indexed = () => (fs.existsSync(cfg.dbPath) ? status(cfg.dbPath)?.indexed_block ?? 0 : 0);
    let killedAt = 0;
    let maxSeen = 0;
    for (let i = 0; i < P.kills; i++) {
      dl.check();
      const live = i >= Math.ceil(P.kills / 2);
      if (!live) {
        // Keep a backlog: the kill must land in a backfill.
        const head = fromHex(await d.rpc.call('eth_blockNumber'));
        if (head - indexed() < P.backlogBlocks / 3) await grow();
      } else if (!tr) {
        tr = traffic(chaos, r);
      }
      const dm = await startQuiet();
      const resumedAt = indexed();
      if (resumedAt < killedAt) failures.push(`kill ${i}: restarted at block ${resumedAt} < ${killedAt} indexed before the kill`);
      let wait;
      if (!live) {
        // A random point of the backfill: the index passes a random block
        // of the backlog, then a random few milliseconds more.
        const h = fromHex(await d.rpc.call('eth_blockNumber'));
        const target = r.int(resumedAt + 1, h - 1);
        const t0 = Date.now();
        await waitFor(() => indexed() >= target, { timeoutMs: 60000, intervalMs: 10, what: `kill ${i}: backfill past ${target}` });
        await sleep(r.int(0, 40));
        wait = Date.now() - t0;
      } else {
        wait = r.int(P.killMinMs, P.killMaxMs);
        await sleep(wait);
      }
      const head = fromHex(await d.rpc.call('eth_blockNumber'));
      const before = indexed();
      dm.proc.kill('SIGKILL');
      await dm.exited;
      kills++;
      killedAt = indexed();
      if (killedAt < before) failures.push(`kill ${i}: index went back from ${before} to ${killedAt} across the kill`);
      if (killedAt < maxSeen) failures.push(`kill ${i}: indexed_block ${killedAt} below the ${maxSeen} seen earlier`);
      maxSeen = Math.max(maxSeen, killedAt);
      if (killedAt < head - 5) killsBackfill++;
      else killsLive++;
      vlog(`kill ${i} after ${wait} ms: indexed ${killedAt} / head ${head}${live ? ' (live traffic)' : ''}`);
    }
    if (tr) {
      await tr.stop();
      notes.push(`${tr.blocks} live blocks${tr.errors.length ? `, ${tr.errors.length} driver errors (${tr.errors[0]})` : ''}`);
      tr = null;
    }
    const dm = await startQuiet();
    let head;
    try {
      head = await waitSynced(cfg.dbPath, d.rpc, 300000);
    } finally {
      const ex = await dm.stop();
      if (ex.code !== 0) failures.push(`final SIGTERM exit code ${ex.code}`);
    }
    for (const g of coverageGaps(cfg.dbPath, net.deploy.start_block)) failures.push(g);
    const diff = await compareClean(dir, net, cfg.dbPath, head.number, 'clean');
    if (diff) failures.push(`final database differs from a clean index: ${diff}`);
    const n = sql(cfg.dbPath, 'SELECT count(*) AS n FROM tasks')[0].n;
    notes.unshift(`${killsBackfill} kills in backfill, ${killsLive} near the head; ${head.number - net.deploy.start_block + 1} blocks, ${n} tasks`);
    if (!failures.length) fs.rmSync(dir, { recursive: true, force: true });
    else notes.push(`kept ${dir}`);
  } finally {
    if (tr) await tr.stop().catch(() => {});
    await net.stop();
  }
  return { runs: kills, failures, notes };
}

// ---- part 2: random reorgs under live sync ----
async function partReorg(r, dl) {
  const net = await startDevnet({});
  const failures = [];
  const notes = [];
  let runs = 0;
  let dm = null;
  let maxDepth = 0;
  let journaled = 0;
  const dir = tmpDir('arbiusd-soak-reorg-');
  try {
    await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: quiet });
    const d = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
    const chaos = await Chaos.create(d, r);
    const cfg = devnetConfig(dir, net.deploy, net.rpcUrl);
    dm = await startDaemon({ configFile: cfg.file });
    await waitSynced(cfg.dbPath, d.rpc);
    for (let i = 0; i < P.reorgs; i++) {
      dl.check();
      const depth = r.int(1, P.reorgMaxDepth);
      const extra = r.int(1, 3);
      const pre = r.int(0, 3);
      const tag = `reorg ${i} (seed ${P.seed}, depth ${depth})`;
      try {
        for (let k = 0; k < pre; k++) await chaos.block(3);
        const fork = await headOf(d.rpc);
        const snap = await d.rpc.call('evm_snapshot');
        const saved = chaos.snapshot();
        for (let k = 0; k < depth; k++) await chaos.block(4);
        const tip = await headOf(d.rpc);
        // The daemon takes in a random part of the doomed branch (or none).
        const target = r.chance(0.15) ? fork.number : r.int(fork.number + 1, tip.number);
        await waitFor(() => (status(cfg.dbPath)?.indexed_block ?? 0) >= target, { timeoutMs: 60000, intervalMs: 100, what: `${tag}: index the doomed branch to ${target}` });
        const jBefore = sql(cfg.dbPath, 'SELECT count(*) AS n FROM reorgs')[0].n;
        if (!(await d.rpc.call('evm_revert', [snap]))) throw new Error('evm_revert failed');
        chaos.restore(saved);
        for (let k = 0; k < depth + extra; k++) await chaos.block(4);
        const head = await waitSynced(cfg.dbPath, d.rpc);
        const jAfter = sql(cfg.dbPath, 'SELECT count(*) AS n FROM reorgs')[0].n;
        if (jAfter > jBefore) journaled++;
        const diff = await compareClean(dir, net, cfg.dbPath, head.number, `clean-${i}`);
        if (diff) failures.push(`${tag}: differs from a clean index: ${diff}`);
        maxDepth = Math.max(maxDepth, depth);
        vlog(`${tag}: fork ${fork.number}, doomed tip ${tip.number}, indexed to >= ${target}, new head ${head.number}${diff ? ' DIFF' : ''}`);
      } catch (e) {
        failures.push(`${tag}: ${e.message}`);
        if (failures.length >= 5) break;
        // Resynchronise the bookkeeping with the chain after an error.
        chaos.open = [];
        chaos.solved = [];
      }
      runs++;
    }
    notes.push(`max depth ${maxDepth}; ${journaled} journaled as reorgs (the rest were reverted before the daemon saw a doomed block)`);
  } finally {
    if (dm) {
      const ex = await dm.stop();
      if (ex.code !== 0) failures.push(`SIGTERM exit code ${ex.code}`);
    }
    await net.stop();
  }
  if (!failures.length) fs.rmSync(dir, { recursive: true, force: true });
  else notes.push(`kept ${dir}`);
  return { runs, failures, notes };
}

// ---- part 3: the fault-proxy matrix under live sync ----
// Not here: `wrong-chain`.  The chain id is checked when an endpoint is
// (re)connected and a mismatch disables the endpoint until the daemon
// restarts (src/chain/rpc.c, by design); integ/faults.test.mjs covers it.
const FAULTS = [
  ['429 + Retry-After', { mode: '429', retryAfter: 1, every: 4 }],
  ['429', { mode: '429', probability: 0.3, seed: 3 }],
  ['503', { mode: '503', every: 3 }],
  ['500', { mode: '500', every: 4 }],
  ['502', { mode: '502', every: 4 }],
  ['timeout', { mode: 'timeout', ms: 3000, times: 2 }],
  ['timeout, dropped', { mode: 'timeout', ms: 2500, then: 'drop', times: 2 }],
  ['truncated body', { mode: 'truncated', style: 'body', every: 5 }],
  ['truncated connection', { mode: 'truncated', style: 'connection', every: 5 }],
  ['invalid JSON', { mode: 'invalid-json', every: 5 }],
  ['rpc-error -32005', { mode: 'rpc-error', code: -32005, message: 'rate limit exceeded', every: 4 }],
  ['range limit (alchemy, hint)', { mode: 'range-limit', maxRange: 7, text: 'alchemy', hint: true }],
  ['range limit (infura, hint)', { mode: 'range-limit', maxRange: 5, text: 'infura', hint: true }],
  ['range limit (no hint)', { mode: 'range-limit', maxRange: 6, text: 'alchemy', hint: false }],
  ['range limit (same range hint)', { mode: 'range-limit', maxRange: 4, text: 'infura', hint: 'same' }],
  ['too many results (arbitrum)', { mode: 'range-limit', maxRange: 3, text: 'arbitrum' }],
  ['max range (avalanche)', { mode: 'range-limit', maxRange: 9, text: 'avalanche' }],
  ['no number (chainstack)', { mode: 'range-limit', maxRange: 2, text: 'chainstack' }],
  ['lagging head', { mode: 'lagging-head', lag: 30 }],
  ['mixed', { rules: [{ mode: 'lagging-head', lag: 5, probability: 0.3, seed: 11 }, { mode: '429', probability: 0.2, seed: 7 }, { mode: 'truncated', style: 'body', probability: 0.1, seed: 5 }] }],
];

function faultCount(stats) {
  const f = stats.faults;
  if (typeof f === 'number') return f;
  if (f && typeof f === 'object') return Object.values(f).reduce((a, b) => a + Number(b || 0), 0);
  return 0;
}

async function partFaults(r, dl) {
  const net = await startDevnet({});
  const failures = [];
  const notes = [];
  const unhit = [];
  let driverErrors = 0;
  let runs = 0;
  let dm = null;
  let px = null;
  let tr = null;
  const dir = tmpDir('arbiusd-soak-faults-');
  try {
    await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: quiet });
    const d = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
    const chaos = await Chaos.create(d, r);
    px = await startProxy({ target: net.rpcUrl, port: 0 });
    const cfg = devnetConfig(dir, net.deploy, px.url, { chain: { max_range: 20, rpc_timeout: 2 } });
    dm = await startDaemon({ configFile: cfg.file });
    await waitSynced(cfg.dbPath, d.rpc);
    for (const [name, mode] of FAULTS) {
      dl.check();
      px.resetStats();
      px.setMode(mode);
      // A burst larger than every range limit first, so that each mode meets
      // a catch-up range; then traffic.
      await chaos.d.mineEmpty(r.int(25, 45));
      await chaos.block(4);
      // Bursts of blocks between polls so that catch-up ranges exceed the
      // range limits; transactions so that there is something to index.
      tr = traffic(chaos, r, { pauseMs: [200, 900], burst: [15, 45], burstChance: 0.35 });
      await sleep(P.faultSeconds * 1000);
      await tr.stop();
      driverErrors += tr.errors.length;
      tr = null;
      const hit = faultCount(px.stats());
      px.setMode({ mode: 'ok' });
      try {
        const head = await waitSynced(cfg.dbPath, d.rpc, 180000);
        const diff = await compareClean(dir, net, cfg.dbPath, head.number, `clean-${runs}`);
        if (diff) failures.push(`${name}: differs from a clean index: ${diff}`);
      } catch (e) {
        failures.push(`${name}: ${e.message}`);
      }
      if (!hit) unhit.push(name);
      vlog(`fault ${name}: ${hit} faults injected`);
      runs++;
    }
    if (driverErrors) notes.push(`${driverErrors} driver errors`);
    if (unhit.length) notes.push(`no fault injected for: ${unhit.join(', ')}`);
    else notes.push(`${FAULTS.length} modes, every one injected faults`);
  } finally {
    if (tr) await tr.stop().catch(() => {});
    if (dm) {
      const ex = await dm.stop();
      if (ex.code !== 0) failures.push(`SIGTERM exit code ${ex.code}`);
    }
    await px?.close();
    await net.stop();
  }
  if (!failures.length) fs.rmSync(dir, { recursive: true, force: true });
  else notes.push(`kept ${dir}`);
  return { runs, failures, notes };
}

// ---- part 4: wrk against every page and JSON route while the scanner writes ----
const CANDIDATES = [
  '/', '/?automine=show', '/?days=7', '/?days=all&automine=show', '/health', '/api/v1/status',
  '/api/v1/stats', '/api/v1/stats?automine=show', '/api/v1/charts/daily', '/api/v1/charts/daily?days=90',
  '/api/v1/charts/daily?days=all&automine=show', '/robots.txt', '/static/style.css',
  '/gallery', '/api/v1/images', '/api/v1/gallery', '/miners', '/api/v1/miners', '/models', '/api/v1/models',
  '/ipfs', '/api/v1/ipfs', '/metrics', '/feed.xml', '/gallery.rss',
];

async function probe(url, p) {
  try {
    const res = await fetch(url + p, { redirect: 'manual' });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function runWrk(args) {
  return new Promise((resolve) => {
    const p = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (x) => { out += x; });
    p.stderr.on('data', (x) => { err += x; });
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

async function partWrk(r, dl) {
  const net = await startDevnet({});
  const failures = [];
  const notes = [];
  let dm = null;
  let tr = null;
  const dir = tmpDir('arbiusd-soak-wrk-');
  let runs = 0;
  try {
    await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: quiet });
    const d = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
    const chaos = await Chaos.create(d, r);
    // wrk from 127.0.0.1 is one client: the per-IP rate limits and the
    // per-IP connection limit (#13: 64 by default) are off here.
    const cfg = devnetConfig(dir, net.deploy, net.rpcUrl, {
      server: { threads: 4, max_connections: P.maxConns, max_connections_per_ip: 0 },
      ratelimit: { page: 'off', api: 'off', static: 'off', stream: 'off' },
    });
    dm = await startDaemon({ configFile: cfg.file });
    await waitSynced(cfg.dbPath, d.rpc);
    // A real task id for the per-task route.
    const some = sql(cfg.dbPath, 'SELECT id FROM tasks ORDER BY block DESC LIMIT 1')[0]?.id;
    const cands = [...CANDIDATES, ...(some ? [`/api/v1/image/${some}`] : [])];
    const routes = [];
    for (const p of cands) if ((await probe(dm.url, p)) === 200) routes.push(p);
    notes.push(`server threads 4, max_connections ${P.maxConns}; ${routes.length} routes: ${routes.join(' ')}`);
    const lua = path.join(dir, 'rotate.lua');
    fs.writeFileSync(lua, wrkLua(routes));
    tr = traffic(chaos, r, { pauseMs: [300, 1500], burst: [2, 10], burstChance: 0.05 });
    const samples = [];
    const t0 = Date.now();
    const sampler = setInterval(() => samples.push({ t: (Date.now() - t0) / 1000, kib: rssKiB(dm.proc.pid) }), 5000);
    samples.push({ t: 0, kib: rssKiB(dm.proc.pid) });
    const secs = Math.max(5, Math.min(P.wrkSeconds, Math.floor(dl.left() / 1000) - 120));
    const w = await runWrk([`-t${P.wrkThreads}`, `-c${P.wrkConns}`, `-d${secs}s`, `--timeout`, `${P.wrkTimeout}s`, '--latency', '-s', lua, dm.url]);
    clearInterval(sampler);
    samples.push({ t: (Date.now() - t0) / 1000, kib: rssKiB(dm.proc.pid) });
    await tr.stop();
    if (tr.errors.length) notes.push(`${tr.errors.length} driver errors`);
    tr = null;
    runs = 1;
    if (w.code !== 0) failures.push(`wrk exited ${w.code}: ${w.err.slice(-500)}`);
    const num = (re) => Number(re.exec(w.out)?.[1] ?? 0);
    const requests = num(/(\d+) requests in/);
    const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(w.out)?.[1] ?? 0);
    const p99 = /^\s*99%\s+(\S+)/m.exec(w.out)?.[1] ?? '?';
    const non2xx = num(/Non-2xx or 3xx responses:\s*(\d+)/);
    const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(w.out);
    const sockTotal = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
    const s5 = num(/SOAK status_5xx=(\d+)/);
    const s4 = num(/SOAK status_4xx=(\d+)/);
    if (non2xx) failures.push(`${non2xx} non-2xx/3xx responses (5xx ${s5}, 4xx ${s4})`);
    if (sockTotal) failures.push(`socket errors: ${sock[0]}`);
    if (!requests) failures.push('wrk made no requests');
    // RSS: max of the last window vs max of the first window.
    const win = Math.min(60, secs / 4);
    const first = samples.filter((s) => s.t <= win && s.kib).map((s) => s.kib);
    const last = samples.filter((s) => s.t >= secs - win && s.kib).map((s) => s.kib);
    const f = Math.max(...first);
    const l = Math.max(...last);
    const limit = f * (1 + P.rssTolerance) + 4096;
    const flat = l <= limit;
    if (!flat) failures.push(`RSS grew: last-window max ${(l / 1024).toFixed(1)} MiB > first-window max ${(f / 1024).toFixed(1)} MiB * ${1 + P.rssTolerance} + 4 MiB`);
    notes.push(`${secs} s, ${P.wrkConns} conns: ${requests} requests, ${rps.toFixed(0)} req/s, p99 ${p99}, non-2xx ${non2xx}, 5xx ${s5}, socket errors ${sockTotal}; ` +
      `RSS ${(f / 1024).toFixed(1)} MiB (first ${win.toFixed(0)} s max) -> ${(l / 1024).toFixed(1)} MiB (last ${win.toFixed(0)} s max), ` +
      `overall ${(Math.min(...samples.filter((s) => s.kib).map((s) => s.kib)) / 1024).toFixed(1)}-${(Math.max(...samples.filter((s) => s.kib).map((s) => s.kib)) / 1024).toFixed(1)} MiB, ${flat ? 'flat' : 'NOT flat'} (${samples.length} samples)`);
    const head = await waitSynced(cfg.dbPath, d.rpc);
    const diff = await compareClean(dir, net, cfg.dbPath, head.number, 'clean');
    if (diff) failures.push(`after the load the database differs from a clean index: ${diff}`);
    fs.writeFileSync(path.join(dir, 'wrk.txt'), w.out + w.err);
    fs.writeFileSync(path.join(dir, 'daemon.log'), dm.stderr);
    fs.writeFileSync(path.join(dir, 'rss.json'), JSON.stringify(samples));
  } finally {
    if (tr) await tr.stop().catch(() => {});
    if (dm) {
      const ex = await dm.stop();
      if (ex.code !== 0) failures.push(`SIGTERM exit code ${ex.code}`);
    }
    await net.stop();
  }
  if (!failures.length) fs.rmSync(dir, { recursive: true, force: true });
  else notes.push(`kept ${dir}`);
  return { runs, failures, notes };
}

// wrk script: each connection walks the route list from a random start;
// responses are counted by class in every thread and summed in done().
function wrkLua(routes) {
  return `-- generated by tests/soak/soak.mjs
local paths = { ${routes.map((p) => JSON.stringify(p)).join(', ')} }
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  s5 = 0; s4 = 0; s3 = 0
  i = math.random(#paths)
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1 elseif status >= 400 then s4 = s4 + 1 elseif status >= 300 then s3 = s3 + 1 end
end
function done(summary, latency, requests)
  local t5, t4, t3 = 0, 0, 0
  for _, t in ipairs(threads) do t5 = t5 + t:get("s5"); t4 = t4 + t:get("s4"); t3 = t3 + t:get("s3") end
  io.write(string.format("SOAK status_5xx=%d status_4xx=%d status_3xx=%d\\n", t5, t4, t3))
end
`;
}

// ---- main ----
const PARTS = {
  kill: ['kill -9 during backfill + live sync', partKill],
  reorg: ['random reorgs, depth 1-' + P.reorgMaxDepth, partReorg],
  faults: ['fault-proxy matrix, live sync', partFaults],
  wrk: ['wrk load while the scanner writes', partWrk],
};

export async function main() {
  log(`seed ${P.seed}; parts ${P.parts.join(',')}; kills ${P.kills}, reorgs ${P.reorgs}, wrk ${P.wrkSeconds} s x ${P.wrkConns} conns`);
  const rows = [];
  for (const key of P.parts) {
    const part = PARTS[key];
    if (!part) throw new Error(`unknown part ${key}`);
    const r = rng(P.seed ^ key.length * 2654435761);
    const dl = new Deadline(key === 'wrk' ? Math.max(P.partMinutes, P.wrkSeconds / 60 + 10) : P.partMinutes, key);
    const t0 = Date.now();
    log(`part ${key}: ${part[0]}`);
    let res;
    try {
      res = await part[1](r, dl);
    } catch (e) {
      res = { runs: 0, failures: [`aborted: ${e.stack || e.message}`], notes: [] };
    }
    res.secs = (Date.now() - t0) / 1000;
    rows.push({ key, name: part[0], ...res });
    log(`part ${key}: ${res.runs} runs, ${res.failures.length} failures, ${res.secs.toFixed(0)} s`);
    for (const f of res.failures) log(`  FAIL ${f}`);
  }
  const out = [];
  out.push(`arbiusd soak (seed ${P.seed})`);
  out.push('');
  out.push('| part | runs | failures | time | notes |');
  out.push('|---|---:|---:|---:|---|');
  for (const row of rows) {
    const notes = [...row.notes, ...row.failures.slice(0, 3).map((f) => `FAIL: ${f}`)].join('; ').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    out.push(`| ${row.name} | ${row.runs} | ${row.failures.length} | ${(row.secs / 60).toFixed(1)} min | ${notes} |`);
  }
  console.log(out.join('\n'));
  if (process.env.SOAK_OUT) fs.writeFileSync(process.env.SOAK_OUT, out.join('\n') + '\n');
  process.exit(rows.some((x) => x.failures.length) ? 1 : 0);
}

if (!process.env.SOAK_NO_MAIN) main().catch((e) => {
  console.error(e.stack || e.message);
  process.exit(2);
});
