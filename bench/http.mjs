// bench/http.mjs - HTTP throughput and tail latency of arbiusd against a
// bare libmicrohttpd hello-world (bench/hello.c, same daemon setup).
//
//   cd tests && node ../bench/http.mjs [--duration 10] [--connections 64]
//       [--threads 4] [--hello ../build/bench/hello]
//
// Indexes the devnet's `full` scenario into a fresh database, serves it
// read-only (no scanner, so the head stays put), and runs wrk with the same
// connection count and duration against: the hello-world, /api/v1/stats,
// / (the dashboard page), /gallery (the gallery page) and /api/v1/images at
// its deepest cursor (the last page, reached by following next_cursor; the
// latency at 1,000,000 images is bench/scale's).  Prints requests/s and p99 for each, side by
// side, with the machine it ran on.  wrk and the servers share the CPUs.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startDevnet } from '../tests/devnet/devnet.mjs';
import { runScenario } from '../tests/devnet/driver.mjs';
import { devnetConfig } from '../tests/integ/chain.mjs';
import { runCliAsync, startDaemon, tmpDir } from '../tests/integ/harness.mjs';
import { machine, wrk } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opt = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const DURATION = Number(opt('duration', 10));
const CONNS = Number(opt('connections', 64));
const THREADS = Number(opt('threads', 4));
const HELLO = path.resolve(opt('hello', path.join(ROOT, 'build/bench/hello')));

function startHello() {
  return new Promise((resolve, reject) => {
    const p = spawn(HELLO, [String(THREADS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) resolve({ proc: p, url: `http://127.0.0.1:${m[1]}` });
    });
    p.on('exit', (code) => reject(new Error(`hello exited ${code}`)));
  });
}

function row(name, r, ref) {
  const ratio = ref ? ` ${(r.rps / ref.rps).toFixed(2).padStart(6)}x` : '        ';
  const bad = r.non2xx ? `  non-2xx ${r.non2xx}` : '';
  const err = r.errors ? `  socket errors: ${r.errors}` : '';
  return `${name.padEnd(22)} ${r.rps.toFixed(0).padStart(9)} ${ratio} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}${bad}${err}`;
}

async function main() {
  if (!fs.existsSync(HELLO)) throw new Error(`${HELLO} missing: run make bench-http (it builds it)`);
  const t0 = Date.now();
  const net = await startDevnet({});
  let daemon;
  let hello;
  try {
    const truth = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: () => {} });
    const dir = tmpDir('arbiusd-bench-http-');
    const cfg = devnetConfig(dir, net.deploy, net.rpcUrl, { server: { threads: THREADS }, log: { level: 'warn' } });
    const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(net.deploy.start_block), '--to', String(truth.head.number)], { timeout: 300000 });
    if (r.code !== 0) throw new Error(`scan failed: ${r.stderr}`);
    // log level info so the harness sees "listening"; no per-request lines at info.
    const cfg2 = devnetConfig(dir, net.deploy, net.rpcUrl, { server: { threads: THREADS } });
    daemon = await startDaemon({ configFile: cfg2.file, args: ['--read-only'] });
    hello = await startHello();
    const tasks = execFileSync('sqlite3', [cfg.dbPath, 'SELECT count(*) FROM tasks'], { encoding: 'utf8' }).trim();

    // The deepest cursor of the default view: follow next_cursor to the end.
    let deep = null;
    for (let c = null, i = 0; i < 1000; i++) {
      const b = await (await fetch(`${daemon.url}/api/v1/images?limit=5${c ? `&cursor=${c}` : ''}`)).json();
      if (!b.next_cursor) break;
      deep = c = b.next_cursor;
    }
    const deepUrl = `${daemon.url}/api/v1/images${deep ? `?cursor=${deep}` : ''}`;
    const warm = (u) => wrk(u, { duration: 1 });
    warm(`${hello.url}/`);
    warm(`${daemon.url}/api/v1/stats`);
    warm(`${daemon.url}/`);
    warm(`${daemon.url}/gallery`);
    warm(deepUrl);
    const h = wrk(`${hello.url}/`, { duration: DURATION, connections: CONNS });
    const s = wrk(`${daemon.url}/api/v1/stats`, { duration: DURATION, connections: CONNS });
    const p = wrk(`${daemon.url}/`, { duration: DURATION, connections: CONNS });
    const g = wrk(`${daemon.url}/gallery`, { duration: DURATION, connections: CONNS });
    const gd = wrk(deepUrl, { duration: DURATION, connections: CONNS });

    console.log('bench/http: wrk, %d connections, 2 wrk threads, %d s per target, server pool %d threads', CONNS, DURATION, THREADS);
    console.log('machine: %s', machine());
    console.log('database: devnet `full` scenario, %s tasks, served --read-only', tasks);
    console.log('');
    console.log(`${'target'.padEnd(22)} ${'req/s'.padStart(9)} ${'vs hello'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
    console.log(row('hello-world (MHD)', h));
    console.log(row('/api/v1/stats', s, h));
    console.log(row('/ (dashboard page)', p, h));
    console.log(row('/gallery (page)', g, h));
    console.log(row('/api/v1/images deep', gd, h));
    console.log('');
    const okRate = s.rps >= h.rps / 2;
    const okP99 = s.p99 < 10;
    console.log('goal: /api/v1/stats >= half the hello-world rate: %s (%s); p99 < 10 ms: %s (%s ms)',
      okRate ? 'met' : 'NOT met', (s.rps / h.rps).toFixed(2), okP99 ? 'met' : 'NOT met', s.p99.toFixed(2));
    console.log('goal: /gallery >= a quarter of the hello-world rate: %s (%s)', g.rps >= h.rps / 4 ? 'met' : 'NOT met', (g.rps / h.rps).toFixed(2));
    console.log('elapsed: %s s', ((Date.now() - t0) / 1000).toFixed(1));
    const jsonOut = opt('json', null);
    const pick = (x) => ({ rps: x.rps, p50: x.p50, p99: x.p99, non2xx: x.non2xx, errors: x.errors });
    if (jsonOut) {
      fs.writeFileSync(jsonOut, JSON.stringify({ connections: CONNS, duration: DURATION, threads: THREADS, tasks: Number(tasks),
        hello: pick(h), stats: pick(s), page: pick(p), gallery: pick(g), images_deep: pick(gd) }, null, 1));
    }
  } finally {
    hello?.proc.kill('SIGTERM');
    if (daemon) await daemon.stop();
    await net.stop();
  }
}

await main();
