// bench/scale.mjs - /api/v1/stats latency against synthetic indexes of
// growing size: it must not grow with the number of tasks.
//
//   cd tests && node ../bench/scale.mjs [--sizes 10000,1000000,10000000]
//       [--requests 2000] [--builder ../build/bench/scale] [--keep DIR]
//
// For each size, bench/scale.c writes N tasks (and ~0.9 N solutions) through
// the store API into a fresh database (the same rollups the scanner keeps),
// then arbiusd serves it read-only and this script sends --requests
// sequential keep-alive GET /api/v1/stats (after a warm-up) and one wrk run
// at 64 connections.  Prints the build rate, median and p99 latency, and the
// ratio of each size to the smallest (goal: within 1.2x).
import { execFileSync } from 'node:child_process';
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
    const url = `${d.url}/api/v1/stats`;
    const seq = await measure(url);
    const w = wrk(url, { duration: WRK_SECONDS });
    const stats = JSON.parse(execFileSync('curl', ['-s', url], { encoding: 'utf8' }));
    rows.push({ n, built, buildS, size, seq, w, tasks: stats.tasks, compute: compute ? [Number(compute[1]), Number(compute[2])] : [NaN, NaN] });
    console.log(`  ${n}: ${built}; ${(size / 2 ** 20).toFixed(0)} MiB; stats p50 ${seq.p50.toFixed(3)} ms`);
  } finally {
    await d.stop();
    if (!opt('keep')) fs.rmSync(dir, { recursive: true, force: true });
  }
}

console.log('');
console.log('bench/scale: GET /api/v1/stats, %d sequential keep-alive requests per size (after %d warm-up), then wrk %d s at 64 connections', REQUESTS, WARMUP, WRK_SECONDS);
console.log('machine: %s', machine());
console.log('');
console.log(`${'tasks'.padStart(10)} ${'build s'.padStart(8)} ${'tasks/s'.padStart(8)} ${'DB MiB'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'p50 x'.padStart(6)} ${'wrk req/s'.padStart(10)} ${'wrk p99'.padStart(8)} ${'compute ms (hide/show)'.padStart(23)}`);
const base = rows[0];
for (const r of rows) {
  console.log(`${String(r.n).padStart(10)} ${r.buildS.toFixed(1).padStart(8)} ${(r.n / r.buildS).toFixed(0).padStart(8)} ${(r.size / 2 ** 20).toFixed(0).padStart(7)} ` +
    `${r.seq.p50.toFixed(3).padStart(8)} ${r.seq.p99.toFixed(3).padStart(8)} ${(r.seq.p50 / base.seq.p50).toFixed(2).padStart(6)} ` +
    `${r.w.rps.toFixed(0).padStart(10)} ${r.w.p99.toFixed(2).padStart(8)} ${(r.compute[0].toFixed(2) + ' / ' + r.compute[1].toFixed(2)).padStart(23)}`);
}
const worst = Math.max(...rows.map((r) => r.seq.p50 / base.seq.p50));
const worstRps = Math.max(...rows.map((r) => base.w.rps / r.w.rps));
console.log('');
console.log('goal: latency within 1.2x across sizes: %s (worst median ratio %sx, worst wrk throughput ratio %sx)',
  worst <= 1.2 && worstRps <= 1.2 ? 'met' : 'NOT met', worst.toFixed(2), worstRps.toFixed(2));
console.log('p50/p99/wrk: served requests (the body is cached per indexed head); compute: stats_summary itself,');
console.log('median of 21 direct calls = the cost of the first request after each head move.');
console.log('elapsed: %s s', ((Date.now() - t0) / 1000).toFixed(1));
if (opt('json')) {
  fs.writeFileSync(opt('json'), JSON.stringify({ requests: REQUESTS, warmup: WARMUP, wrk_seconds: WRK_SECONDS,
    rows: rows.map((r) => ({ tasks: r.n, build_s: r.buildS, db_bytes: r.size, p50: r.seq.p50, p99: r.seq.p99,
      wrk_rps: r.w.rps, wrk_p99: r.w.p99, wrk_non2xx: r.w.non2xx, wrk_errors: r.w.errors, compute_hide_ms: r.compute[0], compute_show_ms: r.compute[1] })) }, null, 1));
}
