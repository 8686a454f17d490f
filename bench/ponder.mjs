// bench/ponder.mjs - Ponder 1.x indexing the same engine events as arbiusd,
// over one fixed block range of a devnet: the reference of bench/backfill.
//
//   cd tests && node ../bench/ponder.mjs [--scenario bulk] [--events 20000] [--runs 1] [--json FILE]
//
// Starts a devnet (tests/devnet), plays the scenario, counts from the chain
// what every Ponder table must hold, runs `ponder start` on bench/ponder
// (its own package.json; `npm ci` there once if node_modules is missing)
// and prints the time from spawning Ponder until its /ready answers 200,
// with the rows checked.
//
// As a module (bench/backfill.mjs interleaves it with arbiusd):
//
//   import { ponderBackfill, expectedRows } from './ponder.mjs';
//   const expect = await expectedRows({ rpcUrl, contracts, startBlock, endBlock });
//   const r = await ponderBackfill({ rpcUrl, chainId: 42161, contracts, startBlock, endBlock, expect, log });
//   // r: { ms, startup_ms, index_ms, ok, rows, expect, mismatches, rpc, events, mined_for_finality, ... }
//
// Honesty notes.  Ponder indexes a fixed range fastest with `ponder start`
// (no dev UI, no file watcher) and a fresh PGlite directory (nothing cached
// from an earlier run).  Ponder syncs historically only up to its finalized
// block, head - 240 on chain 42161; blocks above it go through its realtime
// sync, block by block, and /ready answers 200 before they are indexed.
// So ponderBackfill first mines empty blocks until endBlock is 240 deep
// (`finality: 'mine'`, the default; the range itself does not change and
// arbiusd scans the same range; say `finality: 'error'` to refuse instead)
// and then checks the rows, so a 200 that came too early shows as a failure.
// Ponder's own request limit (50/s by default) is raised to 10,000/s: the
// node is local.  Telemetry is off, and bench/ponder/offline.cjs makes any
// connection beyond 127.0.0.1 fail (reported as `refused`).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort, loadArtifacts, startDevnet } from '../tests/devnet/devnet.mjs';
import { runScenario } from '../tests/devnet/driver.mjs';
import { Rpc } from '../tests/devnet/lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const PONDER_DIR = path.join(HERE, 'ponder');
const PONDER_BIN = path.join(PONDER_DIR, 'node_modules/ponder/dist/esm/bin/ponder.js');
const hex = (n) => '0x' + n.toString(16);
const TRANSFER = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

/** Blocks Ponder 1.0 waits before it calls a block final (src/config/networks.ts there). */
export function ponderFinalityBlocks(chainId) {
  if ([1, 3, 4, 5, 42, 11155111].includes(chainId)) return 65;
  if ([137, 80001].includes(chainId)) return 200;
  if ([42161, 42170, 421611, 421613].includes(chainId)) return 240;
  return 30;
}

/** The Ponder table (export name in ponder.schema.ts) each event lands in. */
export const EVENT_TABLE = {
  TaskSubmitted: 'task', SolutionSubmitted: 'solution', SolutionClaimed: 'claim',
  ContestationSubmitted: 'contestation', ContestationSuggested: 'suggestion',
  ContestationVote: 'contestationVote', ContestationVoteFinish: 'contestationFinish',
  FeesPaid: 'feesPaid', RewardsPaid: 'rewardsPaid', SignalCommitment: 'commitment',
  ModelRegistered: 'model', IncentiveAdded: 'incentive', IncentiveClaimed: 'incentive',
  Transfer: 'transfer',
};
const OTHER = 'otherEvent';

let installing = null;
/** `npm ci` in bench/ponder unless its node_modules is there (once per process). */
export function ensurePonderInstalled({ log = () => {} } = {}) {
  if (fs.existsSync(PONDER_BIN)) return Promise.resolve(false);
  installing ??= new Promise((resolve, reject) => {
    log('bench/ponder: npm ci (first run only)');
    const p = spawn('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PONDER_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('exit', (code) => (code === 0 && fs.existsSync(PONDER_BIN) ? resolve(true) : reject(new Error(`npm ci in ${PONDER_DIR} exited ${code}`))));
  });
  return installing;
}

async function getLogsAll(rpc, filter, from, to, step = 5000) {
  const out = [];
  for (let a = from; a <= to; a += step) {
    const b = Math.min(to, a + step - 1);
    out.push(...(await rpc.call('eth_getLogs', [{ ...filter, fromBlock: hex(a), toBlock: hex(b) }])));
  }
  return out;
}

// arbiusd's prompt rule (src/chain/arbius.c): UTF-8 JSON object, "prompt" a string.
const utf8 = new TextDecoder('utf-8', { fatal: true });
function hasPrompt(inputHex) {
  try {
    const o = JSON.parse(utf8.decode(Buffer.from(inputHex.slice(2), 'hex')));
    return o !== null && typeof o === 'object' && !Array.isArray(o) && typeof o.prompt === 'string';
  } catch {
    return false;
  }
}

/**
 * What Ponder's tables must hold for [startBlock, endBlock], from the chain:
 * the logs of the engine and router and the token's Transfers from the
 * engine, by table; `taskWithPrompt` and `solutionWithCid` from the calldata
 * of every task and solution transaction (eth_getTransactionByHash, batched).
 */
export async function expectedRows({ rpcUrl, contracts, startBlock, endBlock }) {
  const rpc = new Rpc(rpcUrl);
  const { ifaces } = await loadArtifacts();
  const E = ifaces.TestEngine;
  const R = ifaces.TestRouter;
  const byTopic = new Map();
  for (const iface of [E, R]) iface.forEachEvent((ev) => byTopic.set(ev.topicHash, EVENT_TABLE[ev.name] ?? OTHER));
  const engine = contracts.engine.toLowerCase();
  const router = (contracts.router ?? '').toLowerCase();
  const logs = await getLogsAll(rpc, { address: [contracts.engine, contracts.router].filter(Boolean) }, startBlock, endBlock);
  const transfers = await getLogsAll(rpc, { address: contracts.token, topics: [TRANSFER, '0x' + engine.slice(2).padStart(64, '0')] }, startBlock, endBlock);
  const rows = Object.fromEntries([...new Set([...Object.values(EVENT_TABLE), OTHER])].map((t) => [t, 0]));
  const taskLogs = [];
  const solLogs = [];
  for (const l of logs) {
    const t = byTopic.get(l.topics[0]) ?? OTHER;
    rows[t]++;
    if (t === 'task') taskLogs.push(l);
    if (t === 'solution') solLogs.push(l);
  }
  rows.transfer = transfers.length;
  const txHashes = [...new Set([...taskLogs, ...solLogs].map((l) => l.transactionHash))];
  const txs = new Map();
  for (let i = 0; i < txHashes.length; i += 100) {
    const got = await rpc.batch(txHashes.slice(i, i + 100).map((h) => ['eth_getTransactionByHash', [h]]));
    got.forEach((t) => txs.set(t.hash, t));
  }
  // Each transaction decoded once: a bulk one carries hundreds of logs.
  const taskPrompt = new Map(); // tx hash -> the input has a prompt
  const solTasks = new Map(); // tx hash -> Set of task ids given a CID
  const decode = (iface, data) => { try { return iface.parseTransaction({ data }); } catch { return null; } };
  rows.taskWithPrompt = 0;
  for (const l of taskLogs) {
    if (!taskPrompt.has(l.transactionHash)) {
      const tx = txs.get(l.transactionHash);
      const to = (tx.to ?? '').toLowerCase();
      const d = to === engine ? decode(E, tx.input) : to === router && router ? decode(R, tx.input) : null;
      const direct = d && (to === router || d.name === 'submitTask' || d.name === 'bulkSubmitTask');
      taskPrompt.set(l.transactionHash, Boolean(direct && hasPrompt(d.args[4])));
    }
    if (taskPrompt.get(l.transactionHash)) rows.taskWithPrompt++;
  }
  rows.solutionWithCid = 0;
  for (const l of solLogs) {
    if (!solTasks.has(l.transactionHash)) {
      const tx = txs.get(l.transactionHash);
      const d = (tx.to ?? '').toLowerCase() === engine ? decode(E, tx.input) : null;
      const ids = d?.name === 'submitSolution' ? [d.args[0]] : d?.name === 'bulkSubmitSolution' ? [...d.args[0]] : [];
      solTasks.set(l.transactionHash, new Set(ids.map((x) => x.toLowerCase())));
    }
    if (solTasks.get(l.transactionHash).has(l.topics[2].toLowerCase())) rows.solutionWithCid++;
  }
  rows.events = logs.length + transfers.length;
  return rows;
}

function parseMetrics(text) {
  const rpc = {};
  let events = null;
  for (const line of text.split('\n')) {
    let m = /^ponder_rpc_request_duration_count\{([^}]*)\}\s+(\d+)/.exec(line);
    if (m) {
      const method = /method="([^"]+)"/.exec(m[1])?.[1] ?? '?';
      rpc[method] = (rpc[method] ?? 0) + Number(m[2]);
      continue;
    }
    m = /^ponder_indexing_completed_events\{[^}]*\}\s+(\d+)/.exec(line);
    if (m) events = (events ?? 0) + Number(m[1]);
  }
  return { rpc, events };
}

async function get(url, timeoutMs = 2000) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: r.status, text: await r.text() };
  } catch {
    return { status: 0, text: '' };
  }
}

/**
 * Run Ponder over [startBlock, endBlock] and time it.
 *   rpcUrl, chainId (42161), contracts {engine, router, token}, startBlock, endBlock
 *   expect     rows per table (expectedRows()); null: no check (ok = /ready only)
 *   finality   'mine' (default): mine empty blocks until endBlock is final for
 *              Ponder; 'error': throw instead
 *   log        progress lines
 *   logFile    append Ponder's own output (JSON lines) here (env BENCH_PONDER_LOG)
 * Resolves { ms (spawn to /ready 200), startup_ms (spawn to /health 200),
 * index_ms (the difference), ok, rows, expect, mismatches, rpc (requests by
 * method, from Ponder's /metrics), rpc_requests, events (Ponder's count),
 * mined_for_finality, refused (connections offline.cjs stopped), version,
 * log_tail }.  Ponder is stopped and its database removed before it resolves.
 */
export async function ponderBackfill({
  rpcUrl, chainId = 42161, contracts, startBlock, endBlock, expect = null,
  finality = 'mine', timeoutMs = 30 * 60 * 1000, log = () => {}, logFile = process.env.BENCH_PONDER_LOG || null,
}) {
  await ensurePonderInstalled({ log });
  const rpc = new Rpc(rpcUrl);
  const depth = ponderFinalityBlocks(chainId);
  const head = Number(BigInt(await rpc.call('eth_blockNumber')));
  let mined = 0;
  if (head < endBlock + depth) {
    if (finality !== 'mine') throw new Error(`block ${endBlock} is not final for Ponder: head ${head} < ${endBlock} + ${depth}`);
    mined = endBlock + depth - head;
    log(`bench/ponder: mining ${mined} empty blocks so that block ${endBlock} is ${depth} deep (Ponder's finality on chain ${chainId})`);
    for (let i = 0; i < mined; i += 500) await rpc.batch(Array.from({ length: Math.min(500, mined - i) }, () => ['evm_mine', []]));
  }

  const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arbiusd-bench-ponder-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    PONDER_TELEMETRY_DISABLED: 'true',
    ARBIUS_RPC_URL: rpcUrl,
    ARBIUS_CHAIN_ID: String(chainId),
    ARBIUS_ENGINE: contracts.engine,
    ARBIUS_ROUTER: contracts.router,
    ARBIUS_TOKEN: contracts.token,
    ARBIUS_START_BLOCK: String(startBlock),
    ARBIUS_END_BLOCK: String(endBlock),
    PONDER_PGLITE_DIR: dbDir,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(PONDER_DIR, 'offline.cjs')}`.trim(),
  };
  for (const k of ['PORT', 'DATABASE_URL', 'DATABASE_PRIVATE_URL', 'DATABASE_SCHEMA', 'PONDER_LOG_LEVEL']) delete env[k];
  const args = [PONDER_BIN, 'start', '--port', String(port), '--hostname', '127.0.0.1', '--schema', 'public', '--log-format', 'json'];
  let tail = '';
  let refused = 0;
  const t0 = process.hrtime.bigint();
  const proc = spawn(process.execPath, args, { cwd: PONDER_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const sink = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
  const keep = (d) => {
    sink?.write(d);
    const s = d.toString();
    refused += (s.match(/offline\.cjs: refused/g) ?? []).length;
    tail = (tail + s).slice(-8000);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise((resolve) => proc.on('exit', (code, sig) => resolve({ code, sig })));
  let exit = null;
  exited.then((e) => { exit = e; });
  const since = () => Number(process.hrtime.bigint() - t0) / 1e6;
  let startupMs = null;
  let ms = null;
  try {
    const deadline = Date.now() + timeoutMs;
    while (ms === null) {
      if (exit) throw new Error(`ponder exited (${exit.code ?? exit.sig}) before /ready:\n${tail}`);
      if (Date.now() > deadline) throw new Error(`ponder not ready after ${timeoutMs} ms:\n${tail}`);
      if (startupMs === null) {
        if ((await get(`${base}/health`, 500)).status === 200) startupMs = since();
      } else if ((await get(`${base}/ready`, 1000)).status === 200) {
        ms = since();
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const countsText = (await get(`${base}/counts`, 60000)).text;
    let counts;
    try {
      counts = JSON.parse(countsText);
    } catch {
      throw new Error(`ponder /counts: ${countsText.slice(0, 500)}`);
    }
    const status = JSON.parse((await get(`${base}/status`)).text || 'null');
    const metrics = parseMetrics((await get(`${base}/metrics`, 10000)).text);
    const mismatches = [];
    if (expect) {
      for (const [k, v] of Object.entries(expect)) {
        if (k === 'events') continue;
        if (counts[k] !== v) mismatches.push(`${k}: ponder ${counts[k]}, chain ${v}`);
      }
    }
    const statusBlock = status ? Object.values(status)[0]?.block?.number : null;
    if (statusBlock !== endBlock) mismatches.push(`status block ${statusBlock}, want ${endBlock}`);
    if (refused) mismatches.push(`${refused} connection(s) beyond loopback refused`);
    const version = JSON.parse(fs.readFileSync(path.join(PONDER_DIR, 'node_modules/ponder/package.json'), 'utf8')).version;
    return {
      ms, startup_ms: startupMs, index_ms: ms - startupMs, ok: mismatches.length === 0,
      rows: counts, expect, mismatches, rpc: metrics.rpc,
      rpc_requests: Object.values(metrics.rpc).reduce((a, b) => a + b, 0), events: metrics.events,
      mined_for_finality: mined, refused, version, from_block: startBlock, to_block: endBlock, log_tail: tail.slice(-2000),
    };
  } finally {
    if (!exit) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(t);
    }
    sink?.end();
    fs.rmSync(dbDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// CLI

function loadavg() {
  return os.loadavg().map((x) => x.toFixed(2)).join(' / ');
}

function machineLine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const r = spawnSync('lscpu', { encoding: 'utf8' });
  cpu = /Model name:\s*(.+)/.exec(r.stdout ?? '')?.[1] ?? cpu;
  return `${cpu}, ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}, node ${process.version}`;
}

async function main() {
  const opt = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
  const scenario = opt('scenario', 'bulk');
  const events = Number(opt('events', 20000));
  const runs = Number(opt('runs', 1));
  const jsonOut = opt('json', null);
  const log = (m) => process.stderr.write(m + '\n');
  const load0 = loadavg();
  await ensurePonderInstalled({ log });
  const net = await startDevnet({});
  try {
    const t0 = Date.now();
    const truth = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario, opts: { events }, log });
    const genMs = Date.now() - t0;
    const startBlock = net.deploy.start_block;
    const endBlock = truth.head.number;
    const contracts = net.deploy.contracts;
    const expect = await expectedRows({ rpcUrl: net.rpcUrl, contracts, startBlock, endBlock });
    const results = [];
    for (let i = 0; i < runs; i++) {
      const r = await ponderBackfill({ rpcUrl: net.rpcUrl, chainId: net.deploy.chain_id, contracts, startBlock, endBlock, expect, log });
      results.push(r);
      log(`run ${i + 1}/${runs}: ${(r.ms / 1000).toFixed(2)} s, ${r.ok ? 'rows ok' : 'MISMATCH: ' + r.mismatches.join('; ')}`);
      if (!r.ok) log(r.log_tail);
    }
    const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const med = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    const mined = results[0].mined_for_finality;
    const best = results.find((r) => r.ms === sorted[0]);
    const row = (k, v) => console.log(`${k.padEnd(34)} ${v}`);
    console.log(`bench/ponder: Ponder ${best.version} (ponder start, PGlite) on the devnet`);
    row('machine', machineLine());
    row('load average (1/5/15 min)', `${load0} at start, ${loadavg()} at end`);
    row('workload', `scenario ${scenario}: ${expect.events} logs in blocks ${startBlock}-${endBlock} (generated in ${(genMs / 1000).toFixed(1)} s)`);
    row('rows', Object.entries(expect).filter(([k, v]) => v && k !== 'events').map(([k, v]) => `${k} ${v}`).join(', '));
    row('runs', `${runs}, each on a fresh database${mined ? `; ${mined} empty blocks mined before the first so the range is final for Ponder` : ''}`);
    row('Ponder wall time (min / median)', `${(sorted[0] / 1000).toFixed(2)} s / ${(med / 1000).toFixed(2)} s (spawn to /ready 200)`);
    row('  of which startup (build, DB)', `${(best.startup_ms / 1000).toFixed(2)} s (spawn to /health 200)`);
    row('  of which sync + indexing', `${(best.index_ms / 1000).toFixed(2)} s`);
    row('Ponder events/s', `${Math.round(expect.events / (sorted[0] / 1000))} (whole run), ${Math.round(expect.events / (best.index_ms / 1000))} (after startup)`);
    row('Ponder RPC requests', `${best.rpc_requests} (${Object.entries(best.rpc).map(([m, n]) => `${m} ${n}`).join(', ')})`);
    row('rows check', results.every((r) => r.ok) ? 'every table matches the chain' : `FAILED: ${results.flatMap((r) => r.mismatches).join('; ')}`);
    row('network beyond 127.0.0.1', results.some((r) => r.refused) ? 'attempted and refused' : 'none attempted');
    if (jsonOut) {
      fs.writeFileSync(jsonOut, JSON.stringify({
        scenario, events: expect.events, from_block: startBlock, to_block: endBlock, generate_ms: genMs, version: best.version,
        runs: results.map(({ log_tail: _t, ...r }) => r), min_ms: sorted[0], median_ms: med, ok: results.every((r) => r.ok),
        load_start: load0, load_end: loadavg(),
      }, null, 1));
    }
    if (!results.every((r) => r.ok)) process.exitCode = 1;
  } finally {
    await net.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e.stack || e.message);
    process.exit(1);
  });
}
