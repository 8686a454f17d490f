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
//
// The gallery (keyset paging): for each size it also times GET
// /api/v1/images and /gallery with cursors at the top of the default view
// (newest first, automine hidden: positions 1..R) and deep in it (positions
// D..D+R, D = min(--deep 1000000, images - R - 25)), R = --gallery-requests
// sequential requests, every one with a different cursor so none is served
// from the per-thread reply cache: this is the query and render cost.
// Goal: the deep pages within 1.2x of the top ones.
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
const DEEP = Number(opt('deep', 1000000));
const GREQ = Number(opt('gallery-requests', 500));

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

async function measure(url, requests = REQUESTS, warmup = WARMUP) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < warmup; i++) await get(agent, url);
  const xs = [];
  for (let i = 0; i < requests; i++) xs.push(await get(agent, url));
  agent.destroy();
  xs.sort((a, b) => a - b);
  return { p50: q(xs, 0.5), p99: q(xs, 0.99) };
}

// The gallery's opaque cursor (src/codec/cursor.c): version 1, sort
// newest (0), direction after (0), block and log index big-endian.
function cursorNewest(block, logIndex) {
  const b = Buffer.alloc(15);
  b[0] = 1;
  b.writeBigUInt64BE(BigInt(block), 3);
  b.writeUInt32BE(logIndex, 11);
  return b.toString('base64url');
}

// Cursors of the images at positions from..from+n-1 of the default view.
function cursorsAt(dbPath, from, n) {
  const where = "FROM tasks t CROSS JOIN solutions so ON so.task = t.id CROSS JOIN models m ON m.id = t.model " +
    "WHERE m.output_type = 'image' AND t.automine = 0 AND t.hidden = 0";
  return execFileSync('sqlite3', [dbPath,
    `SELECT t.block, t.log_index ${where} ORDER BY t.block DESC, t.log_index DESC LIMIT ${n} OFFSET ${from}`],
  { encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n').map((l) => { const [b, li] = l.split('|').map(Number); return cursorNewest(b, li); });
}

function imageCount(dbPath) {
  return Number(execFileSync('sqlite3', [dbPath, "SELECT count(*) FROM tasks t CROSS JOIN solutions so ON so.task = t.id " +
    "CROSS JOIN models m ON m.id = t.model WHERE m.output_type = 'image' AND t.automine = 0 AND t.hidden = 0"], { encoding: 'utf8' }).trim());
}

// Sequential keep-alive GETs of distinct URLs: {p50, p99}.
async function measureUrls(urls) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const xs = [];
  for (const u of urls) xs.push(await get(agent, u));
  agent.destroy();
  xs.sort((a, b) => a - b);
  return { p50: q(xs, 0.5), p99: q(xs, 0.99) };
}

const t0 = Date.now();
const rows = [];
const grows = [];
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
    const images = imageCount(cfg.dbPath);
    const pos = Math.max(0, Math.min(DEEP, images - 2 * GREQ - 25));
    const top = cursorsAt(cfg.dbPath, 1, 2 * GREQ);
    const deep = cursorsAt(cfg.dbPath, pos, 2 * GREQ);
    const g = { n, images, pos };
    const urls = (base, cs) => cs.map((c) => `${d.url}${base}?cursor=${c}`);
    // Warm-up on the second half of each list, measure on the first.
    await measureUrls(urls('/api/v1/images', top.slice(GREQ)));
    await measureUrls(urls('/api/v1/images', deep.slice(GREQ)));
    g.apiFirst = await measureUrls(urls('/api/v1/images', top.slice(0, GREQ)));
    g.apiDeep = await measureUrls(urls('/api/v1/images', deep.slice(0, GREQ)));
    g.pageFirst = await measureUrls(urls('/gallery', top.slice(0, GREQ)));
    g.pageDeep = await measureUrls(urls('/gallery', deep.slice(0, GREQ)));
    g.served = await measure(`${d.url}/gallery`, GREQ, 200);
    const check = JSON.parse(execFileSync('curl', ['-s', `${d.url}/api/v1/images?cursor=${deep[0]}`], { encoding: 'utf8' }));
    g.deepItems = check.items.length;
    grows.push(g);
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
console.log('');
console.log('gallery: %d sequential keep-alive requests per row, each with its own cursor (uncached): top = images #1.., deep = images #pos..; served = /gallery repeated (cached)', GREQ);
console.log(`${'tasks'.padStart(10)} ${'images'.padStart(9)} ${'deep pos'.padStart(9)} ${'api top p50'.padStart(14)} ${'api deep p50'.padStart(13)} ${'ratio'.padStart(6)} ${'page top p50'.padStart(15)} ${'page deep p50'.padStart(14)} ${'ratio'.padStart(6)} ${'p99 api/page deep'.padStart(18)} ${'served p50'.padStart(10)}`);
for (const g of grows) {
  console.log(`${String(g.n).padStart(10)} ${String(g.images).padStart(9)} ${String(g.pos).padStart(9)} ${g.apiFirst.p50.toFixed(3).padStart(14)} ${g.apiDeep.p50.toFixed(3).padStart(13)} ` +
    `${(g.apiDeep.p50 / g.apiFirst.p50).toFixed(2).padStart(6)} ${g.pageFirst.p50.toFixed(3).padStart(15)} ${g.pageDeep.p50.toFixed(3).padStart(14)} ` +
    `${(g.pageDeep.p50 / g.pageFirst.p50).toFixed(2).padStart(6)} ${(g.apiDeep.p99.toFixed(2) + ' / ' + g.pageDeep.p99.toFixed(2)).padStart(18)} ${g.served.p50.toFixed(3).padStart(10)}  (${g.deepItems} items)`);
}
const gworst = Math.max(...grows.map((g) => Math.max(g.apiDeep.p50 / g.apiFirst.p50, g.pageDeep.p50 / g.pageFirst.p50)));
console.log('goal: deep cursor pages within 1.2x of the top ones: %s (worst ratio %sx)', gworst <= 1.2 ? 'met' : 'NOT met', gworst.toFixed(2));
console.log('elapsed: %s s', ((Date.now() - t0) / 1000).toFixed(1));
if (opt('json')) {
  fs.writeFileSync(opt('json'), JSON.stringify({ requests: REQUESTS, warmup: WARMUP, wrk_seconds: WRK_SECONDS,
    rows: rows.map((r) => ({ tasks: r.n, build_s: r.buildS, db_bytes: r.size, p50: r.seq.p50, p99: r.seq.p99,
      wrk_rps: r.w.rps, wrk_p99: r.w.p99, wrk_non2xx: r.w.non2xx, wrk_errors: r.w.errors, compute_hide_ms: r.compute[0], compute_show_ms: r.compute[1] })),
    gallery_requests: GREQ,
    gallery: grows.map((g) => ({ tasks: g.n, images: g.images, deep_pos: g.pos, deep_items: g.deepItems,
      api_top: g.apiFirst, api_deep: g.apiDeep, page_top: g.pageFirst, page_deep: g.pageDeep, served: g.served })) }, null, 1));
}
