// bench/scale.mjs - does serving grow with the index?  The dashboard, an
// image page and /api/v1/stats against synthetic indexes of growing size.
//
//   cd tests && node ../bench/scale.mjs [--sizes 10000,1000000,10000000]
//       [--requests 2000] [--moves 15] [--builder ../build/bench/scale]
//       [--cache-dir DIR] [--hello ../build/bench/hello] [--json FILE]
//
// For each size, bench/scale.c writes N tasks (and ~0.9 N solutions)
// through the store API into a database (the same rows, rollups and
// figures the scanner keeps; with --cache-dir a file built before for that
// size is used again), then arbiusd serves it --read-only and this script
// measures, per route (/, /image/<id> of the newest image, /api/v1/stats):
//   served  --requests sequential keep-alive GETs after a warm-up: the
//           latency of a reply served at an unchanged head;
//   first   --moves times: `scale DB --advance 1` commits one more block as
//           the scanner would (a head move, new tasks and solutions, the
//           figures of the new head), then the first GET of each route:
//           what a reader pays after every head move;
//   wrk     64 connections for --wrk-seconds on each route, the serve
//           process's peak RSS (VmHWM) over all of it.
// Goals of issue #17: served p50 of / and /image/<id> at the largest size
// within 1.2x of the smallest, the first request after a head move within
// 1.5x, RSS at the largest size under 64 MB.  Then the gallery's keyset
// paging: top and deep cursor pages, each request with its own cursor.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { machine, wrk } from './lib.mjs';
import { startDaemon, testConfig, tmpDir } from '../tests/integ/harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opt = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const SIZES = opt('sizes', '10000,1000000,10000000').split(',').map(Number);
const REQUESTS = Number(opt('requests', 2000));
const MOVES = Number(opt('moves', 15));
const BUILDER = path.resolve(opt('builder', path.join(ROOT, 'build/bench/scale')));
const WRK_SECONDS = Number(opt('wrk-seconds', 5));
const HELLO = path.resolve(opt('hello', path.join(ROOT, 'build/bench/hello')));
const CACHE_DIR = opt('cache-dir', null);
// The client's own warm-up (JIT) otherwise shows as a faster later size.
const WARMUP = Number(opt('warmup', 2000));
const DEEP = Number(opt('deep', 1000000));
const GREQ = Number(opt('gallery-requests', 500));
const GOAL = { served: 1.2, first: 1.5, rss_mb: 64 };

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

const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

async function measure(url, requests = REQUESTS, warmup = WARMUP) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < warmup; i++) await get(agent, url);
  const xs = [];
  for (let i = 0; i < requests; i++) xs.push(await get(agent, url));
  agent.destroy();
  return { p50: q(xs, 0.5), p99: q(xs, 0.99) };
}

// Sequential keep-alive GETs of distinct URLs: {p50, p99}.
async function measureUrls(urls) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const xs = [];
  for (const u of urls) xs.push(await get(agent, u));
  agent.destroy();
  return { p50: q(xs, 0.5), p99: q(xs, 0.99) };
}

// The first GET of every route after each of MOVES head moves (a fresh
// connection per move, as a visitor's).  {route: {p50, p99, all}}.
async function firstAfterMoves(dbPath, base, routes) {
  const out = Object.fromEntries(routes.map((r) => [r, []]));
  const commits = [];
  for (let k = 0; k < MOVES; k++) {
    const o = execFileSync(BUILDER, [dbPath, '--advance', '1'], { encoding: 'utf8' });
    commits.push(Number(/([\d.]+) ms a commit/.exec(o)?.[1]));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const r of routes) out[r].push(await get(agent, `${base}${r}`));
    agent.destroy();
  }
  const res = {};
  for (const r of routes) res[r] = { p50: q(out[r], 0.5), p99: q(out[r], 0.99), all: out[r] };
  res.commit_ms = q(commits, 0.5);
  return res;
}

function vm(pid, key) {
  const m = new RegExp(`${key}:\\s*(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
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

const IMAGES = "FROM tasks t CROSS JOIN solutions so ON so.task = t.id CROSS JOIN models m ON m.id = t.model " +
  "WHERE m.output_type = 'image' AND t.automine = 0 AND t.hidden = 0";

// Cursors of the images at positions from..from+n-1 of the default view.
function cursorsAt(dbPath, from, n) {
  return execFileSync('sqlite3', [dbPath, `SELECT t.block, t.log_index ${IMAGES} ORDER BY t.block DESC, t.log_index DESC LIMIT ${n} OFFSET ${from}`],
    { encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n').map((l) => { const [b, li] = l.split('|').map(Number); return cursorNewest(b, li); });
}

function imageCount(dbPath) {
  return Number(execFileSync('sqlite3', [dbPath, `SELECT count(*) ${IMAGES}`], { encoding: 'utf8' }).trim());
}

// The database of n tasks: built into dir, or taken from --cache-dir (built
// there on first use).  {dbPath, built, buildS}.
function database(n, dir) {
  const file = CACHE_DIR ? path.join(CACHE_DIR, `scale-${n}.db`) : path.join(dir, 'arbiusd.db');
  if (CACHE_DIR && fs.existsSync(file) && !fs.existsSync(`${file}.building`)) {
    execFileSync(process.env.ARBIUSD_BIN || path.join(ROOT, 'build/arbiusd'), ['migrate'],
      { env: { ...process.env, ARBIUSD_DATABASE_PATH: file }, stdio: 'ignore' });
    return { dbPath: file, built: `${n} tasks (built before, ${CACHE_DIR})`, buildS: NaN, compute: [] };
  }
  if (CACHE_DIR) fs.mkdirSync(CACHE_DIR, { recursive: true });
  fs.writeFileSync(`${file}.building`, '');
  const b0 = Date.now();
  const out = execFileSync(BUILDER, [file, String(n)], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split('\n');
  fs.rmSync(`${file}.building`);
  return { dbPath: file, built: out[0], buildS: (Date.now() - b0) / 1000, compute: out.slice(1) };
}

const t0 = Date.now();
const load0 = os.loadavg();
const ROUTES = ['/', '/image/<id>', '/api/v1/stats'];
const rows = [];
const grows = [];
for (const n of SIZES) {
  const dir = tmpDir('arbiusd-scale-');
  const db = database(n, dir);
  const cfg = testConfig(dir, { server: { threads: 4, max_connections_per_ip: 0 },
                                database: { path: db.dbPath },
                                ratelimit: { page: 'off', api: 'off', static: 'off', stream: 'off' } });
  const size = fs.statSync(db.dbPath).size;
  const d = await startDaemon({ configFile: cfg.file, args: ['--read-only'] });
  try {
    const newest = JSON.parse(execFileSync('curl', ['-s', `${d.url}/api/v1/images?limit=1`], { encoding: 'utf8' })).items[0];
    const paths = { '/': '/', '/image/<id>': `/image/${newest.id}`, '/api/v1/stats': '/api/v1/stats' };
    const row = { n, built: db.built, buildS: db.buildS, size, served: {}, wrk: {} };
    for (const r of ROUTES) {
      row.served[r] = await measure(`${d.url}${paths[r]}`);
      console.log(`  ${n} ${r}: served p50 ${row.served[r].p50.toFixed(3)} ms, p99 ${row.served[r].p99.toFixed(3)} ms`);
    }
    row.first = await firstAfterMoves(db.dbPath, d.url, ROUTES.map((r) => paths[r]));
    for (const r of ROUTES) {
      row.first[r] = row.first[paths[r]];
      console.log(`  ${n} ${r}: first after a head move p50 ${row.first[r].p50.toFixed(3)} ms, p99 ${row.first[r].p99.toFixed(3)} ms (${MOVES} moves)`);
    }
    for (const r of ROUTES) {
      row.wrk[r] = wrk(`${d.url}${paths[r]}`, { duration: WRK_SECONDS });
      console.log(`  ${n} ${r}: wrk ${row.wrk[r].rps.toFixed(0)} req/s, p99 ${row.wrk[r].p99.toFixed(2)} ms${row.wrk[r].non2xx ? ` non-2xx ${row.wrk[r].non2xx}` : ''}`);
    }
    row.rss_mb = vm(d.proc.pid, 'VmHWM');
    row.rss_now_mb = vm(d.proc.pid, 'VmRSS');
    const stats = JSON.parse(execFileSync('curl', ['-s', `${d.url}/api/v1/stats?automine=show`], { encoding: 'utf8' }));
    row.tasks = stats.tasks;
    row.solutions = stats.solutions;
    rows.push(row);
    console.log(`  ${n}: ${db.built}; ${(size / 2 ** 20).toFixed(0)} MiB; serve peak RSS ${row.rss_mb.toFixed(1)} MB`);
    if (GREQ > 0) {
      const images = imageCount(db.dbPath);
      const pos = Math.max(0, Math.min(DEEP, images - 2 * GREQ - 25));
      const top = cursorsAt(db.dbPath, 1, 2 * GREQ);
      const deep = cursorsAt(db.dbPath, pos, 2 * GREQ);
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
      grows.push(g);
    }
  } finally {
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
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
const load1 = os.loadavg();

console.log('');
console.log('bench/scale: per size, %d sequential keep-alive GETs per route (after %d warm-up), the first GET after each of %d head moves, wrk %d s at 64 connections',
  REQUESTS, WARMUP, MOVES, WRK_SECONDS);
console.log('machine: %s', machine());
console.log('load average (1/5/15 min): %s at start, %s at end', load0.map((x) => x.toFixed(2)).join(' / '), load1.map((x) => x.toFixed(2)).join(' / '));
if (hello) console.log('hello-world (bare libmicrohttpd, 4 threads): wrk %s req/s, p99 %s ms', hello.rps.toFixed(0), hello.p99.toFixed(2));
console.log('');
console.log(`${'tasks'.padStart(9)} ${'solutions'.padStart(9)} ${'build s'.padStart(7)} ${'DB MiB'.padStart(7)} ${'RSS MB'.padStart(7)} ${'commit ms'.padStart(9)}`);
for (const r of rows) console.log(`${String(r.n).padStart(9)} ${String(r.solutions).padStart(9)} ${(Number.isNaN(r.buildS) ? '-' : r.buildS.toFixed(1)).padStart(7)} ${(r.size / 2 ** 20).toFixed(0).padStart(7)} ${r.rss_mb.toFixed(1).padStart(7)} ${r.first.commit_ms.toFixed(1).padStart(9)}`);
console.log('');
console.log(`${'route'.padEnd(16)} ${'tasks'.padStart(9)} ${'served p50'.padStart(10)} ${'x'.padStart(5)} ${'p99'.padStart(7)} ${'first p50'.padStart(9)} ${'x'.padStart(5)} ${'p99'.padStart(7)} ${'wrk req/s'.padStart(9)} ${'wrk p99'.padStart(8)}`);
const base = rows[0];
const last = rows[rows.length - 1];
for (const r of ROUTES) {
  for (const x of rows) {
    console.log(`${r.padEnd(16)} ${String(x.n).padStart(9)} ${x.served[r].p50.toFixed(3).padStart(10)} ${(x.served[r].p50 / base.served[r].p50).toFixed(2).padStart(5)} ${x.served[r].p99.toFixed(3).padStart(7)} ` +
      `${x.first[r].p50.toFixed(3).padStart(9)} ${(x.first[r].p50 / base.first[r].p50).toFixed(2).padStart(5)} ${x.first[r].p99.toFixed(3).padStart(7)} ${x.wrk[r].rps.toFixed(0).padStart(9)} ${x.wrk[r].p99.toFixed(2).padStart(8)}`);
  }
}
const goals = ['/', '/image/<id>'];
const servedWorst = Math.max(...goals.map((r) => last.served[r].p50 / base.served[r].p50));
const firstWorst = Math.max(...goals.map((r) => last.first[r].p50 / base.first[r].p50));
console.log('');
console.log('goal: / and /image/<id> served p50 at %d within %sx of %d: %s (worst %sx)', last.n, GOAL.served, base.n, servedWorst <= GOAL.served ? 'met' : 'NOT met', servedWorst.toFixed(2));
console.log('goal: first request after a head move at %d within %sx of %d: %s (worst %sx)', last.n, GOAL.first, base.n, firstWorst <= GOAL.first ? 'met' : 'NOT met', firstWorst.toFixed(2));
console.log('goal: RSS of serve under wrk at %d under %d MB: %s (%s MB)', last.n, GOAL.rss_mb, last.rss_mb < GOAL.rss_mb ? 'met' : 'NOT met', last.rss_mb.toFixed(1));
if (grows.length) {
  console.log('');
  console.log('gallery: %d sequential keep-alive requests per row, each with its own cursor (uncached): top = images #1.., deep = images #pos..; served = /gallery repeated (cached)', GREQ);
  console.log(`${'tasks'.padStart(10)} ${'images'.padStart(9)} ${'deep pos'.padStart(9)} ${'api top p50'.padStart(12)} ${'api deep p50'.padStart(13)} ${'ratio'.padStart(6)} ${'page top p50'.padStart(13)} ${'page deep p50'.padStart(14)} ${'ratio'.padStart(6)} ${'served p50'.padStart(10)}`);
  for (const g of grows) {
    console.log(`${String(g.n).padStart(10)} ${String(g.images).padStart(9)} ${String(g.pos).padStart(9)} ${g.apiFirst.p50.toFixed(3).padStart(12)} ${g.apiDeep.p50.toFixed(3).padStart(13)} ` +
      `${(g.apiDeep.p50 / g.apiFirst.p50).toFixed(2).padStart(6)} ${g.pageFirst.p50.toFixed(3).padStart(13)} ${g.pageDeep.p50.toFixed(3).padStart(14)} ` +
      `${(g.pageDeep.p50 / g.pageFirst.p50).toFixed(2).padStart(6)} ${g.served.p50.toFixed(3).padStart(10)}`);
  }
}
console.log('elapsed: %s s', ((Date.now() - t0) / 1000).toFixed(1));
if (opt('json')) {
  fs.writeFileSync(opt('json'), JSON.stringify({
    requests: REQUESTS, warmup: WARMUP, moves: MOVES, wrk_seconds: WRK_SECONDS, routes: ROUTES, goal: GOAL,
    load_start: load0, load_end: load1, hello: hello && { rps: hello.rps, p99: hello.p99 },
    rows: rows.map((r) => ({ tasks: r.n, solutions: r.solutions, built: r.built, build_s: r.buildS, db_bytes: r.size, rss_mb: r.rss_mb,
      commit_ms: r.first.commit_ms,
      routes: Object.fromEntries(ROUTES.map((x) => [x, { served: r.served[x], first: { p50: r.first[x].p50, p99: r.first[x].p99 },
        wrk: { rps: r.wrk[x].rps, p99: r.wrk[x].p99, non2xx: r.wrk[x].non2xx } }])) })),
    gallery_requests: GREQ,
    gallery: grows.map((g) => ({ tasks: g.n, images: g.images, deep_pos: g.pos,
      api_top: g.apiFirst, api_deep: g.apiDeep, page_top: g.pageFirst, page_deep: g.pageDeep, served: g.served })) }, null, 1));
}
