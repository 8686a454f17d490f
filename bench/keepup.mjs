// bench/keepup.mjs - what keeping up with a live chain costs arbiusd: how
// fresh the served data is and how many RPC requests it spends.
//
//   cd tests && node ../bench/keepup.mjs [--seconds 60] [--poll-interval N]
//       [--blocks-per-second 4] [--tasks-per-minute 4] [--seed 1] [--json FILE]
//
// Starts the devnet, a counting pass-through JSON-RPC proxy
// (tests/devnet/proxy.mjs) and the IPFS gateway stub, then `arbiusd serve`
// on its defaults except what must point at them: rpc_urls (the proxy),
// engine/token/router, start_block, the database path, listen port 0 and the
// IPFS gateway (the stub: the default is on the internet).  --poll-interval
// overrides [chain] poll_interval to compare.  Once the daemon has caught up
// it mines for --seconds: one `evm_mine` every 1/4 s on a fixed schedule
// (tick k at T0 + k/4 s, whatever the previous tick cost), and 4 tasks a
// minute (submitTask from the devnet's users, at a seeded random tick of each
// 15 s slot so they do not all fall at one phase of the daemon's poll), each
// solved (submitSolution by a miner) one or two blocks later.  Transactions
// are sent with automine off and land in the next tick's block.
//
// Measured:
//   freshness A  block of a solution mined (this script's clock, when its
//                evm_mine returned) -> the SSE `solutions` event on
//                /api/v1/stream that carries the solution's task
//   freshness B  the same block -> the first /api/v1/stats body (polled every
//                50 ms with If-None-Match) whose as_of.block reached it
//   requests     HTTP requests and JSON-RPC calls the daemon sent through the
//                proxy during the mining window, per poll and per day
//                (requests / seconds * 86400).  Polls are counted at the
//                proxy: every poll of a caught-up scanner is one HTTP request
//                that holds its eth_getLogs (src/chain/scanner.c poll_send),
//                an older scanner asked eth_blockNumber once per poll; the
//                larger count of the two is the polls.  The daemon exposes no
//                poll counter in /api/v1/status or /metrics.
// The devnet refuses two blocks with one timestamp, so its block time runs 4 s
// per second here; freshness uses this script's clock, never block times.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startDevnet } from '../tests/devnet/devnet.mjs';
import { Driver } from '../tests/devnet/driver.mjs';
import { startGateway } from '../tests/devnet/gateway.mjs';
import { fakeSolutionCid, toHex, utf8Hex } from '../tests/devnet/lib.mjs';
import { startProxy } from '../tests/devnet/proxy.mjs';
import { iniText, runCli, startDaemon, tmpDir } from '../tests/integ/harness.mjs';
import { machine } from './lib.mjs';

const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank summary of a list of numbers: {n, min, median, p90, max}. */
export function summary(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return { n: 0, min: null, median: null, p90: null, max: null };
  const rank = (q) => s[Math.max(0, Math.ceil(q * s.length) - 1)];
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { n: s.length, min: s[0], median, p90: rank(0.9), max: s[s.length - 1] };
}

// A small seeded PRNG (mulberry32): the task schedule is reproducible.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function getJson(url, headers = {}) {
  const r = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  return { status: r.status, etag: r.headers.get('etag'), body: r.status === 200 ? await r.json() : null };
}

/** Follow /api/v1/stream; calls onEvent(name, data, atMs) for every event. */
function followStream(url, onEvent) {
  let req;
  const opened = new Promise((resolve, reject) => {
    req = http.get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream: HTTP ${res.statusCode}`));
      resolve();
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const at = now();
        buf += chunk;
        for (let i; (i = buf.indexOf('\n\n')) >= 0;) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let name = 'message';
          const data = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) name = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (data.length) onEvent(name, data.join('\n'), at);
        }
      });
    });
    req.on('error', reject);
  });
  return { opened, close: () => req.destroy() };
}

/**
 * One keep-up run.  opts: seconds (60), pollInterval (null: the default),
 * blocksPerSecond (4), tasksPerMinute (4), seed (1), log.
 * Resolves with the figures (see the JSON written by --json).
 */
export async function runKeepup({ seconds = 60, pollInterval = null, blocksPerSecond = 4, tasksPerMinute = 4, seed = 1, log = () => {} } = {}) {
  const load0 = os.loadavg();
  const net = await startDevnet({});
  let gw;
  let px;
  let daemon;
  let stream;
  let statsTimer = null;
  let statsStop = false;
  let dir = null;
  try {
    gw = await startGateway({ port: 0 });
    px = await startProxy({ target: net.rpcUrl, port: 0 });
    const d = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
    const rpc = d.rpc;
    const dep = net.deploy;
    dir = tmpDir('arbiusd-bench-keepup-');
    const chain = {
      rpc_urls: px.url, chain_id: dep.chain_id, engine: dep.contracts.engine, token: dep.contracts.token,
      router: dep.contracts.router, start_block: dep.start_block,
    };
    if (pollInterval !== null) chain.poll_interval = pollInterval;
    const cfgFile = path.join(dir, 'keepup.ini');
    fs.writeFileSync(cfgFile, iniText({
      server: { listen: '127.0.0.1:0' },
      database: { path: path.join(dir, 'keepup.db') },
      chain,
      ipfs: { gateways: gw.url },
    }));
    const eff = runCli(['--config', cfgFile, 'config']);
    const effPoll = Number(/^\s*poll_interval\s*=\s*(\S+)/m.exec(eff.stdout)?.[1]);
    daemon = await startDaemon({ configFile: cfgFile, timeoutMs: 30000 });

    // Caught up: the index reached the head (nothing is mined until then).
    const head0 = Number(BigInt(await rpc.call('eth_blockNumber')));
    const tCatch = now();
    for (;;) {
      const st = (await getJson(`${daemon.url}/api/v1/status`)).body;
      if (st && Number(st.indexed_block) >= head0) break;
      if (now() - tCatch > 120000) throw new Error(`daemon did not catch up to ${head0}: ${JSON.stringify(st)}`);
      await sleep(50);
    }
    const catchupMs = now() - tCatch;
    log(`keepup: daemon caught up to block ${head0} in ${(catchupMs / 1000).toFixed(1)} s; poll_interval ${effPoll} s`);

    // Observers: the event stream and the stats poller.
    const solutionSeen = new Map(); // task id -> when its SSE event arrived
    let sseEvents = 0;
    stream = followStream(`${daemon.url}/api/v1/stream?automine=show`, (name, data, at) => {
      sseEvents++;
      if (name !== 'solutions') return;
      for (const it of JSON.parse(data).items ?? []) {
        const id = String(it.task).toLowerCase();
        if (!solutionSeen.has(id)) solutionSeen.set(id, at);
      }
    });
    await stream.opened;
    const statsChanges = []; // {at, block}
    let etag = null;
    let statsPolls = 0;
    const pollStats = async () => {
      const t = now();
      try {
        const r = await getJson(`${daemon.url}/api/v1/stats?automine=show`, etag ? { 'if-none-match': etag } : {});
        statsPolls++;
        if (r.status === 200) {
          etag = r.etag;
          statsChanges.push({ at: now(), block: Number(r.body.as_of?.block) });
        }
      } catch { /* a slow answer: the next poll */ }
      if (!statsStop) statsTimer = setTimeout(pollStats, Math.max(0, 50 - (now() - t)));
    };
    await pollStats();

    // The mining schedule: ticks of 1/bps s; task k at a random tick of slot k.
    const tickMs = 1000 / blocksPerSecond;
    const ticks = Math.round(seconds * blocksPerSecond);
    const slotTicks = Math.round((60 / tasksPerMinute) * blocksPerSecond);
    const rnd = prng(seed);
    const taskAt = new Map(); // tick -> k
    for (let k = 0; k * slotTicks < ticks; k++) {
      const t = k * slotTicks + Math.floor(rnd() * Math.max(1, slotTicks - 3));
      if (t + 2 < ticks) taskAt.set(t, k);
    }
    const { users, miners } = d.acc;
    const model = d.model('image');
    const fee = await d.modelFee(model);
    const pending = new Map(); // tick -> [{tx, task?}] to send before that tick's evm_mine
    const queue = (tick, tx) => pending.set(tick, [...(pending.get(tick) ?? []), tx]);
    for (const [t, k] of taskAt) {
      const owner = users[k % users.length];
      const input = utf8Hex(JSON.stringify({ prompt: `keepup task #${k}: a lighthouse in a storm, seed ${seed}` }));
      queue(t, { from: owner, to: d.engine, data: d.submitTaskData({ model, fee, input, owner }), kind: 'task', k });
    }
    const solutions = []; // {task, block, minedAt}
    const mined = []; // {tick, block, late}
    await rpc.call('evm_setAutomine', [false]);
    px.resetStats();
    const t0 = now();
    let stopped = false;
    const runTick = async (tick) => {
      const txs = pending.get(tick) ?? [];
      pending.delete(tick);
      const hashes = [];
      for (const tx of txs) hashes.push(await rpc.call('eth_sendTransaction', [{ from: tx.from, to: tx.to, data: tx.data, gas: toHex(1_000_000) }]));
      await rpc.call('evm_mine', []);
      const minedAt = now();
      const late = minedAt - (t0 + tick * tickMs);
      if (!txs.length) return { minedAt, late, block: null };
      const rs = await rpc.batch(hashes.map((h) => ['eth_getTransactionReceipt', [h]]));
      const block = Number(BigInt(rs[0].blockNumber));
      txs.forEach((tx, i) => {
        if (!rs[i] || rs[i].status !== '0x1' || Number(BigInt(rs[i].blockNumber)) !== block) throw new Error(`tick ${tick}: ${tx.kind} tx not mined in the tick's block`);
        if (tx.kind === 'task') {
          const taskId = d.taskIds(rs[i])[0];
          const solver = miners[tx.k % miners.length];
          queue(tick + 1 + (tx.k % 2), { from: solver, to: d.engine, data: d.E.encodeFunctionData('submitSolution', [taskId, fakeSolutionCid(`keepup ${taskId}`)]), kind: 'solution', task: taskId });
        } else {
          solutions.push({ task: tx.task.toLowerCase(), block, minedAt });
        }
      });
      return { minedAt, late, block };
    };
    // The timer: tick k fires at t0 + k * tickMs; a tick that overran pushes
    // only itself, never the schedule.
    await new Promise((resolve, reject) => {
      let tick = 0;
      const step = async () => {
        if (stopped) return;
        try {
          const r = await runTick(tick);
          mined.push({ tick, late: r.late });
        } catch (e) {
          stopped = true;
          reject(e);
          return;
        }
        tick++;
        if (tick >= ticks) { resolve(); return; }
        setTimeout(step, Math.max(0, t0 + tick * tickMs - now()));
      };
      setTimeout(step, 0);
    });
    const windowMs = now() - t0;
    const px1 = px.stats();
    await rpc.call('evm_setAutomine', [true]);

    // Let the last solutions arrive (not counted in the request figures).
    const grace = Math.max(10000, 3 * effPoll * 1000);
    const tEnd = now();
    while (now() - tEnd < grace) {
      const last = statsChanges.at(-1)?.block ?? 0;
      if (solutions.every((s) => solutionSeen.has(s.task) && last >= s.block)) break;
      await sleep(100);
    }
    statsStop = true;
    clearTimeout(statsTimer);

    const fA = [];
    const fB = [];
    const missing = [];
    for (const s of solutions) {
      if (solutionSeen.has(s.task)) fA.push(solutionSeen.get(s.task) - s.minedAt);
      else missing.push(`SSE ${s.task}`);
      const c = statsChanges.find((x) => x.block >= s.block && x.at >= s.minedAt);
      if (c) fB.push(c.at - s.minedAt);
      else missing.push(`stats block ${s.block}`);
    }
    const secs = windowMs / 1000;
    const polls = Math.max(px1.by_method.eth_blockNumber ?? 0, px1.requests_by_method?.eth_getLogs ?? 0);
    const lates = mined.map((m) => m.late);
    const res = {
      seconds: secs, blocks_per_second: blocksPerSecond, tasks_per_minute: tasksPerMinute, seed,
      blocks: mined.length, tasks: taskAt.size, solutions: solutions.length,
      tick_late_ms: summary(lates),
      poll_interval: effPoll, poll_interval_overridden: pollInterval !== null,
      catchup_ms: catchupMs, start_block: dep.start_block, head_before: head0,
      freshness_sse_ms: summary(fA), freshness_stats_ms: summary(fB), missing,
      stats_polls: statsPolls, stats_changes: statsChanges.length, sse_events: sseEvents,
      polls, http_requests: px1.http_requests, batches: px1.batches, calls: px1.calls, by_method: px1.by_method,
      requests_per_poll: polls ? px1.http_requests / polls : null,
      calls_per_poll: polls ? px1.calls / polls : null,
      requests_per_day: (px1.http_requests / secs) * 86400,
      calls_per_day: (px1.calls / secs) * 86400,
      polls_per_day: (polls / secs) * 86400,
      load_start: load0, load_end: os.loadavg(), machine: machine(),
    };
    return res;
  } finally {
    statsStop = true;
    if (statsTimer) clearTimeout(statsTimer);
    stream?.close();
    if (daemon) await daemon.stop();
    await px?.close();
    await gw?.close();
    await net.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function print(r) {
  const ms = (x) => (x === null ? '-' : `${(x / 1000).toFixed(2)} s`);
  const row = (k, v) => console.log(`${k.padEnd(36)} ${v}`);
  const dist = (s) => `n=${s.n}  min ${ms(s.min)}  median ${ms(s.median)}  p90 ${ms(s.p90)}  max ${ms(s.max)}`;
  const f0 = (x) => Math.round(x).toLocaleString('en-US');
  const la = (l) => l.map((x) => x.toFixed(2)).join(' / ');
  console.log(`bench/keepup: arbiusd serve keeping up with a devnet at ${r.blocks_per_second} blocks/s, ${r.tasks_per_minute} tasks/min`);
  row('machine', r.machine);
  row('load average (1/5/15 min)', `${la(r.load_start)} at start, ${la(r.load_end)} at end`);
  row('daemon poll_interval', `${r.poll_interval} s${r.poll_interval_overridden ? ' (--poll-interval)' : ' (default)'}`);
  row('window', `${r.seconds.toFixed(1)} s: ${r.blocks} blocks, ${r.tasks} tasks, ${r.solutions} solutions (seed ${r.seed})`);
  row('mining schedule lateness', `median ${r.tick_late_ms.median.toFixed(1)} ms, max ${r.tick_late_ms.max.toFixed(1)} ms`);
  row('freshness A: block -> SSE solutions', dist(r.freshness_sse_ms));
  row('freshness B: block -> /api/v1/stats', dist(r.freshness_stats_ms));
  if (r.missing.length) row('NOT SEEN', r.missing.join(', '));
  row('polls (requests with eth_getLogs, or eth_blockNumber calls)', `${r.polls} (${(r.seconds / Math.max(1, r.polls)).toFixed(2)} s apart)`);
  row('HTTP requests', `${r.http_requests} (${r.batches} of them batches)`);
  row('HTTP requests per poll', `${r.requests_per_poll?.toFixed(2) ?? '-'} (goal <= 1.2)`);
  row('JSON-RPC calls per poll', `${r.calls_per_poll?.toFixed(2) ?? '-'}`);
  row('HTTP requests per day', `${f0(r.requests_per_day)} (goal <= 52,000)`);
  row('JSON-RPC calls per day', f0(r.calls_per_day));
  row('calls by method', Object.entries(r.by_method).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${n}`).join(', '));
  row('goals (median freshness <= 2.5 s)', `A ${r.freshness_sse_ms.median !== null && r.freshness_sse_ms.median <= 2500 ? 'met' : 'NOT met'}, ` +
    `B ${r.freshness_stats_ms.median !== null && r.freshness_stats_ms.median <= 2500 ? 'met' : 'NOT met'}, ` +
    `requests/poll ${r.requests_per_poll !== null && r.requests_per_poll <= 1.2 ? 'met' : 'NOT met'}`);
}

async function main() {
  const opt = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
  const pi = opt('poll-interval', null);
  const r = await runKeepup({
    seconds: Number(opt('seconds', 60)),
    pollInterval: pi === null ? null : Number(pi),
    blocksPerSecond: Number(opt('blocks-per-second', 4)),
    tasksPerMinute: Number(opt('tasks-per-minute', 4)),
    seed: Number(opt('seed', 1)),
    log: (m) => process.stderr.write(m + '\n'),
  });
  print(r);
  const out = opt('json', null);
  if (out) fs.writeFileSync(out, JSON.stringify(r, null, 1));
  if (r.missing.length) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e.stack || e.message);
    process.exit(1);
  });
}
