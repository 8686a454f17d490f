// bench/scale.mjs - /api/v1/stats, /api/v1/miners and /miners latency
// against synthetic indexes of growing size: it must not grow with the
// number of tasks (1,120,000 tasks make about 1M solutions).
//
//   cd tests && node ../bench/scale.mjs [--sizes 10000,1120000,10000000]
//       [--requests 2000] [--builder ../build/bench/scale] [--keep DIR]
//       [--hello ../build/bench/hello] [--paths /api/v1/stats,/miners]
//
// For each size, bench/scale.c writes N tasks (and ~0.9 N solutions) through
// the store API into a fresh database (the same rollups the scanner keeps),
// then arbiusd serves it read-only and this script sends --requests
// sequential keep-alive GET /api/v1/stats (after a warm-up) and one wrk run
// at 64 connections.  Prints the build rate, median and p99 latency, and the
// ratio of each size to the smallest (goal: within 1.2x).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { machine, wrk } from './lib.mjs';
import { startDaemon, testConfig, tmpDir } from '../tests/integ/harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opt = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const SIZES = opt('sizes', '10000,1000000').split(',').map(Number);
const REQUESTS = Number(opt('requests', 2000));
const BUILDER = path.resolve(opt('builder', path.join(ROOT, 'build/bench/scale')));
const WRK_SECONDS = Number(opt('wrk-seconds', 5));
const HELLO = path.resolve(opt('hello', path.join(ROOT, 'build/bench/hello')));
const PATHS = opt('paths', '/api/v1/stats,/api/v1/miners?window=all&sort=solutions,' +
  '/api/v1/miners?window=30d&sort=earnings,/api/v1/miners?window=24h&sort=latency,' +
  '/miners?window=7d&sort=earnings').split(',');
// The client's own warm-up (JIT) otherwise shows as a faster later size.
const WARMUP = Number(opt('warmup', 3000));

function get(agent, url) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - t) / 1e6);
      });
    }).on('error', reject);
  });
}

const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];

async function measure(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < WARMUP; i++) await get(agent, url);
  const xs = [];
  for (let i = 0; i < REQUESTS; i++) xs.push(await get(agent, url));
  agent.destroy();
  xs.sort((a, b) => a - b);
  return { p50: q(xs, 0.5), p99: q(xs, 0.99) };
}

const t0 = Date.now();
const rows = [];
for (const n of SIZES) {
  const dir = tmpDir('arbiusd-scale-');
  const cfg = testConfig(dir, { server: { threads: 4 } });
  const b0 = Date.now();
  const out = execFileSync(BUILDER, [cfg.dbPath, String(n)], { encoding: 'utf8' }).trim().split('\n');
  const built = out[0];
  const compute = /hide ([\d.]+) ms, show ([\d.]+) ms/.exec(out[1] ?? '');
  const buildS = (Date.now() - b0) / 1000;
  const size = fs.statSync(cfg.dbPath).size;
  const d = await startDaemon({ configFile: cfg.file, args: ['--read-only'] });
  try {
    const res = {};
    for (const p of PATHS) {
      const url = `${d.url}${p}`;
      const seq = await measure(url);
      const w = wrk(url, { duration: WRK_SECONDS });
      res[p] = { seq, w };
      console.log(`  ${n} ${p}: p50 ${seq.p50.toFixed(3)} ms, p99 ${seq.p99.toFixed(3)} ms, wrk ${w.rps.toFixed(0)} req/s p99 ${w.p99.toFixed(2)} ms${w.non2xx ? ` non-2xx ${w.non2xx}` : ''}`);
    }
    const stats = JSON.parse(execFileSync('curl', ['-s', `${d.url}/api/v1/stats`], { encoding: 'utf8' }));
    const minersCompute = /miners all ([\d.]+) ms, 30d ([\d.]+) ms, 24h ([\d.]+) ms/.exec(out[2] ?? '');
    rows.push({ n, built, buildS, size, res, tasks: stats.tasks, solutions: stats.solutions,
                compute: compute ? [Number(compute[1]), Number(compute[2])] : [NaN, NaN],
                minersCompute: minersCompute ? minersCompute.slice(1).map(Number) : [NaN, NaN, NaN] });
    console.log(`  ${n}: ${built}; ${(size / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await d.stop();
    if (!opt('keep')) fs.rmSync(dir, { recursive: true, force: true });
  }
}

// The bare libmicrohttpd hello-world on this machine, same run.
let hello = null;
if (fs.existsSync(HELLO)) {
  const h = await new Promise((resolve, reject) => {
    const p = spawn(HELLO, ['4'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let o = '';
    p.stdout.on('data', (x) => {
      o += x;
      const m = /port (\d+)/.exec(o);
      if (m) resolve({ proc: p, url: `http://127.0.0.1:${m[1]}/` });
    });
    p.on('exit', (code) => reject(new Error(`hello exited ${code}`)));
  });
  try {
    wrk(h.url, { duration: 1 });
    hello = wrk(h.url, { duration: WRK_SECONDS });
  } finally {
    h.proc.kill('SIGTERM');
  }
}

console.log('');
console.log('bench/scale: GET /api/v1/stats, %d sequential keep-alive requests per size (after %d warm-up), then wrk %d s at 64 connections', REQUESTS, WARMUP, WRK_SECONDS);
console.log('machine: %s', machine());
console.log('');
if (hello) console.log('hello-world (bare libmicrohttpd, 4 threads): wrk %s req/s, p99 %s ms', hello.rps.toFixed(0), hello.p99.toFixed(2));
console.log('');
console.log(`${'tasks'.padStart(9)} ${'solutions'.padStart(9)} ${'build s'.padStart(7)} ${'DB MiB'.padStart(6)}  path`);
for (const r of rows) console.log(`${String(r.n).padStart(9)} ${String(r.solutions).padStart(9)} ${r.buildS.toFixed(1).padStart(7)} ${(r.size / 2 ** 20).toFixed(0).padStart(6)}  compute ms: stats ${r.compute[0].toFixed(2)}/${r.compute[1].toFixed(2)}, miners all ${r.minersCompute[0].toFixed(2)}, 30d ${r.minersCompute[1].toFixed(2)}, 24h ${r.minersCompute[2].toFixed(2)}`);
console.log('');
console.log(`${'path'.padEnd(42)} ${'tasks'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'p50 x'.padStart(6)} ${'wrk req/s'.padStart(10)} ${'vs hello'.padStart(8)} ${'wrk p99'.padStart(8)}`);
const base = rows[0];
let worst = 0;
let worstRps = 0;
let minHello = Infinity;
let maxP99 = 0;
for (const p of PATHS) {
  for (const r of rows) {
    const x = r.res[p];
    const b = base.res[p];
    worst = Math.max(worst, x.seq.p50 / b.seq.p50);
    worstRps = Math.max(worstRps, b.w.rps / x.w.rps);
    maxP99 = Math.max(maxP99, x.w.p99);
    if (hello) minHello = Math.min(minHello, x.w.rps / hello.rps);
    console.log(`${p.padEnd(42)} ${String(r.n).padStart(9)} ${x.seq.p50.toFixed(3).padStart(8)} ${x.seq.p99.toFixed(3).padStart(8)} ` +
      `${(x.seq.p50 / b.seq.p50).toFixed(2).padStart(6)} ${x.w.rps.toFixed(0).padStart(10)} ` +
      `${(hello ? (x.w.rps / hello.rps).toFixed(2) + 'x' : '-').padStart(8)} ${x.w.p99.toFixed(2).padStart(8)}`);
  }
}
console.log('');
console.log('goal: latency within 1.2x across sizes: %s (worst median ratio %sx, worst wrk throughput ratio %sx)',
  worst <= 1.2 && worstRps <= 1.2 ? 'met' : 'NOT met', worst.toFixed(2), worstRps.toFixed(2));
console.log('goal: wrk p99 under 10 ms: %s (worst %s ms)', maxP99 < 10 ? 'met' : 'NOT met', maxP99.toFixed(2));
if (hello) console.log('goal: JSON at least half the hello-world rate (HTML pages a quarter): worst ratio %sx', minHello.toFixed(2));
console.log('p50/p99/wrk: served requests (leaderboard and stats bodies are cached per indexed head); compute: the');
console.log('store/analytics call itself = the cost of the first request after each head move.');
console.log('elapsed: %s s', ((Date.now() - t0) / 1000).toFixed(1));
