// bench/http.mjs - every page and JSON route of arbiusd against a bare
// libmicrohttpd hello-world (bench/hello.c, same daemon setup), side by side.
//
//   cd tests && node ../bench/http.mjs [--duration 5] [--rounds 3]
//       [--connections 64] [--threads 4] [--hello ../build/bench/hello]
//       [--routes /,/gallery,...] [--json FILE]
//
// Indexes the devnet's `full` scenario into a fresh database and serves it
// read-only (no scanner, so the head stays put: what is measured is serving,
// the first request after a head move is bench/scale's).  Then, in every
// round, for every route: wrk on the hello-world, wrk on the route, and so
// on (hello, route, hello, route, ..., hello), so each route run has a
// reference run right before and right after it on the same machine in the
// same minute.  A route's ratio in a round is its requests/s over the mean
// of those two hello-world runs, its p99 ratio the same for p99.  Prints,
// per route, the minimum and the median over the rounds, and the goals of
// issue #17: HTML at least 0.35x the hello-world rate, JSON at least 0.5x,
// p99 at most 3x the hello-world's (medians).  wrk, the servers and
// whatever else runs on the machine share the CPUs: the load average is
// printed at the start and the end.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startDevnet } from '../tests/devnet/devnet.mjs';
import { runScenario } from '../tests/devnet/driver.mjs';
import { devnetConfig } from '../tests/integ/chain.mjs';
import { runCliAsync, startDaemon, tmpDir } from '../tests/integ/harness.mjs';
import { machine, wrk } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opt = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const DURATION = Number(opt('duration', 5));
const ROUNDS = Number(opt('rounds', 3));
const CONNS = Number(opt('connections', 64));
const THREADS = Number(opt('threads', 4));
const HELLO = path.resolve(opt('hello', path.join(ROOT, 'build/bench/hello')));
const ONLY = opt('routes', null)?.split(',');

// Goals of issue #17, as ratios to the hello-world in the same round.
const GOAL = { html: 0.35, json: 0.5, p99: 3 };

export function startHello(threads = THREADS) {
  return new Promise((resolve, reject) => {
    const p = spawn(HELLO, [String(threads)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) resolve({ proc: p, url: `http://127.0.0.1:${m[1]}` });
    });
    p.on('exit', (code) => reject(new Error(`hello exited ${code}`)));
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// Every route of the issue, with ids of the indexed chain (an image task,
// its miner, its creator, its model).
function routeList(ids) {
  const { task, miner, user, model } = ids;
  return [
    ['html', '/'], ['html', '/gallery'], ['html', `/image/${task}`, '/image/<id>'],
    ['html', '/miners'], ['html', `/miner/${miner}`, '/miner/<addr>'], ['html', '/users'],
    ['html', `/user/${user}`, '/user/<addr>'], ['html', '/models'], ['html', `/model/${model}`, '/model/<id>'],
    ['html', '/status'],
    ['json', '/api/v1/stats'], ['json', '/api/v1/charts/daily'], ['json', '/api/v1/images'],
    ['json', `/api/v1/image/${task}`, '/api/v1/image/<id>'], ['json', '/api/v1/miners'],
    ['json', `/api/v1/miner/${miner}`, '/api/v1/miner/<addr>'], ['json', '/api/v1/users'],
    ['json', `/api/v1/user/${user}`, '/api/v1/user/<addr>'], ['json', '/api/v1/models'],
    ['json', `/api/v1/model/${model}`, '/api/v1/model/<id>'], ['json', '/api/v1/status'],
  ].map(([kind, p, label]) => ({ kind, path: p, label: label ?? p }));
}

const pick = (x) => ({ rps: x.rps, p50: x.p50, p99: x.p99, non2xx: x.non2xx, errors: x.errors });

// hello, route, hello, route, ..., hello for every round: per route the runs
// and their two neighbouring hello runs.
export async function interleaved(helloUrl, baseUrl, routes, { rounds = ROUNDS, duration = DURATION, connections = CONNS, log = console.log } = {}) {
  const hellos = [];
  const res = routes.map((r) => ({ ...r, runs: [] }));
  for (let k = 0; k < rounds; k++) {
    let prev = pick(wrk(`${helloUrl}/`, { duration, connections }));
    hellos.push(prev);
    for (const r of res) {
      const x = pick(wrk(`${baseUrl}${r.path}`, { duration, connections }));
      const next = pick(wrk(`${helloUrl}/`, { duration, connections }));
      hellos.push(next);
      const ref = { rps: (prev.rps + next.rps) / 2, p99: (prev.p99 + next.p99) / 2 };
      r.runs.push({ ...x, hello_rps: ref.rps, hello_p99: ref.p99, ratio: x.rps / ref.rps, p99_ratio: x.p99 / ref.p99 });
      log(`  round ${k + 1} ${r.label.padEnd(22)} ${x.rps.toFixed(0).padStart(7)} req/s (${(x.rps / ref.rps).toFixed(2)}x hello ${ref.rps.toFixed(0)}), p99 ${x.p99.toFixed(2)} ms (${(x.p99 / ref.p99).toFixed(2)}x)${x.non2xx ? ` non-2xx ${x.non2xx}` : ''}${x.errors ? ` errors ${x.errors}` : ''}`);
      prev = next;
    }
  }
  for (const r of res) {
    const q = (k) => r.runs.map((x) => x[k]);
    r.ratio_min = Math.min(...q('ratio'));
    r.ratio_median = median(q('ratio'));
    r.rps_median = median(q('rps'));
    r.p50_median = median(q('p50'));
    r.p99_median = median(q('p99'));
    r.p99_ratio_median = median(q('p99_ratio'));
    r.p99_ratio_max = Math.max(...q('p99_ratio'));
    r.non2xx = q('non2xx').reduce((a, b) => a + b, 0);
    r.errors = q('errors').filter(Boolean).join('; ');
    r.goal = r.kind === 'html' ? GOAL.html : GOAL.json;
    r.met = r.ratio_median >= r.goal && r.p99_ratio_median <= GOAL.p99 && !r.non2xx;
  }
  return { hellos, routes: res };
}

export function table(res, hellos, log = console.log) {
  log(`${'route'.padEnd(22)} ${'kind'.padEnd(4)} ${'req/s med'.padStart(9)} ${'ratio min'.padStart(9)} ${'ratio med'.padStart(9)} ${'goal'.padStart(5)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'p99 x'.padStart(6)}  verdict`);
  log(`${'hello-world (MHD)'.padEnd(22)} ${''.padEnd(4)} ${median(hellos.map((h) => h.rps)).toFixed(0).padStart(9)} ${'-'.padStart(9)} ${'-'.padStart(9)} ${''.padStart(5)} ${median(hellos.map((h) => h.p50)).toFixed(2).padStart(7)} ${median(hellos.map((h) => h.p99)).toFixed(2).padStart(7)}`);
  for (const r of res) {
    log(`${r.label.padEnd(22)} ${r.kind.padEnd(4)} ${r.rps_median.toFixed(0).padStart(9)} ${r.ratio_min.toFixed(2).padStart(9)} ${r.ratio_median.toFixed(2).padStart(9)} ${r.goal.toFixed(2).padStart(5)} ${r.p50_median.toFixed(2).padStart(7)} ${r.p99_median.toFixed(2).padStart(7)} ${r.p99_ratio_median.toFixed(2).padStart(6)}  ${r.met ? 'met' : 'NOT met'}${r.non2xx ? ` (non-2xx ${r.non2xx})` : ''}`);
  }
}

async function main() {
  if (!fs.existsSync(HELLO)) throw new Error(`${HELLO} missing: run make bench-http (it builds it)`);
  const t0 = Date.now();
  const load0 = os.loadavg();
  const net = await startDevnet({});
  let netUp = true;
  let daemon;
  let hello;
  try {
    const truth = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: () => {} });
    const dir = tmpDir('arbiusd-bench-http-');
    const cfg = devnetConfig(dir, net.deploy, net.rpcUrl, { server: { threads: THREADS }, log: { level: 'warn' } });
    const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(net.deploy.start_block), '--to', String(truth.head.number)], { timeout: 300000 });
    if (r.code !== 0) throw new Error(`scan failed: ${r.stderr}`);
    // wrk from 127.0.0.1 is one client: the per-IP limits are off here.
    const cfg2 = devnetConfig(dir, net.deploy, net.rpcUrl, {
      server: { threads: THREADS, max_connections_per_ip: 0 },
      ratelimit: { page: 'off', api: 'off', static: 'off', stream: 'off' },
    });
    daemon = await startDaemon({ configFile: cfg2.file, args: ['--read-only'] });
    hello = await startHello();
    // The node is not needed to serve: it leaves the CPUs to the servers.
    await net.stop();
    netUp = false;
    const first = (await (await fetch(`${daemon.url}/api/v1/images?limit=1`)).json()).items[0];
    const ids = { task: first.id, miner: first.miner, user: first.creator, model: first.model };
    let routes = routeList(ids);
    if (ONLY) routes = routes.filter((x) => ONLY.includes(x.label) || ONLY.includes(x.path));
    for (const x of routes) {
      const res = await fetch(`${daemon.url}${x.path}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${x.path}: ${res.status}`);
      wrk(`${daemon.url}${x.path}`, { duration: 1, connections: CONNS });
    }
    wrk(`${hello.url}/`, { duration: 1, connections: CONNS });
    console.log('bench/http: wrk -t2 -c%d, %d s per run, %d rounds of (hello, route) for %d routes; server pool %d threads',
      CONNS, DURATION, ROUNDS, routes.length, THREADS);
    const { hellos, routes: res } = await interleaved(hello.url, daemon.url, routes);
    const load1 = os.loadavg();
    console.log('');
    console.log('machine: %s', machine());
    console.log('load average (1/5/15 min): %s at start, %s at end', load0.map((x) => x.toFixed(2)).join(' / '), load1.map((x) => x.toFixed(2)).join(' / '));
    console.log('database: devnet `full` scenario, %d tasks, served --read-only', truth.tasks.length);
    console.log('ratio: route req/s over the mean of the hello-world runs just before and after it; min and median of %d rounds', ROUNDS);
    console.log('');
    table(res, hellos);
    const html = res.filter((x) => x.kind === 'html');
    const json = res.filter((x) => x.kind === 'json');
    console.log('');
    console.log('goal: every HTML route >= %sx hello-world (median): %s; every JSON route >= %sx: %s; p99 <= %sx hello-world\'s: %s',
      GOAL.html, html.every((x) => x.ratio_median >= GOAL.html) ? 'met' : 'NOT met',
      GOAL.json, json.every((x) => x.ratio_median >= GOAL.json) ? 'met' : 'NOT met',
      GOAL.p99, res.every((x) => x.p99_ratio_median <= GOAL.p99) ? 'met' : 'NOT met');
    console.log('elapsed: %s s', ((Date.now() - t0) / 1000).toFixed(1));
    const jsonOut = opt('json', null);
    if (jsonOut) {
      fs.writeFileSync(jsonOut, JSON.stringify({ connections: CONNS, duration: DURATION, rounds: ROUNDS, threads: THREADS,
        tasks: truth.tasks.length, load_start: load0, load_end: load1, goal: GOAL, hellos, routes: res }, null, 1));
    }
  } finally {
    hello?.proc.kill('SIGTERM');
    if (daemon) await daemon.stop();
    if (netUp) await net.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
