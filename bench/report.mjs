// bench/report.mjs - run every benchmark once and write docs/BENCHMARKS.md:
// each figure next to its reference measured in the same run, with the
// machine and the workload sizes.
//
//   cd tests && node ../bench/report.mjs --bin ../build/arbiusd \
//       --hello ../build/bench/hello --builder ../build/bench/scale \
//       [--events 100000] [--seconds 10] [--connections 64] \
//       [--sizes 10000,1000000] [--keepup-seconds 60] [--out ../docs/BENCHMARKS.md]
//
// The benchmarks themselves are bench/backfill.mjs (reference: the node's
// own time for the same requests), bench/ponder.mjs (Ponder on the same
// scenario and size: the reference for backfill's "3x faster than Ponder";
// skipped when backfill's JSON already carries a `ponder` object),
// bench/http.mjs (reference: a bare libmicrohttpd hello-world,
// bench/hello.c), bench/scale.mjs (reference: the smallest index) and
// bench/keepup.mjs (a live devnet: freshness and RPC requests per poll and
// per day).  Each prints its own table too; this script runs them with
// --json and assembles the document.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const opt = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const BIN = path.resolve(opt('bin', path.join(ROOT, 'build/arbiusd')));
const HELLO = path.resolve(opt('hello', path.join(ROOT, 'build/bench/hello')));
const BUILDER = path.resolve(opt('builder', path.join(ROOT, 'build/bench/scale')));
const EVENTS = Number(opt('events', 100000));
const SECONDS = Number(opt('seconds', 10));
const CONNS = Number(opt('connections', 64));
const SIZES = opt('sizes', '10000,1000000');
const KEEPUP_SECONDS = Number(opt('keepup-seconds', 60));
const OUT = path.resolve(opt('out', path.join(ROOT, 'docs/BENCHMARKS.md')));

const sh = (cmd, args) => { try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim(); } catch { return null; } };
const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const meminfo = fs.readFileSync('/proc/meminfo', 'utf8');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? '?';
  const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(cpuinfo)?.[1];
  const memKiB = Number(/MemTotal:\s*(\d+)/.exec(meminfo)?.[1] ?? 0);
  const first = (s) => (s ? s.split('\n')[0] : '?');
  return {
    cpu: model + (mhz ? ` (${Number(mhz).toFixed(0)} MHz)` : ''),
    nproc: sh('nproc', []) ?? String(os.cpus().length),
    memory: `${(memKiB / 2 ** 20).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    os: /PRETTY_NAME="([^"]+)"/.exec(fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : '')?.[1] ?? '?',
    arbiusd: first(sh(BIN, ['version'])),
    gcc: first(sh('gcc', ['--version'])),
    node: process.version,
    libmicrohttpd: sh('pkg-config', ['--modversion', 'libmicrohttpd']) ?? '?',
    sqlite: sh('pkg-config', ['--modversion', 'sqlite3']) ?? '?',
    wrk: first(sh('sh', ['-c', 'wrk -v 2>&1; true'])).replace(/^wrk\s+/, '').replace(/\s*Copyright.*$/, ''),
    hardhat: JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/node_modules/hardhat/package.json'), 'utf8')).version,
  };
}

function run(script, args) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [path.join(HERE, script), ...args], {
      cwd: path.join(ROOT, 'tests'), env: { ...process.env, ARBIUSD_BIN: BIN }, stdio: ['ignore', 'inherit', 'inherit'],
    });
    p.on('exit', (code) => (code === 0 ? resolve((Date.now() - t0) / 1000) : reject(new Error(`${script} exited ${code}`))));
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arbiusd-bench-report-'));
const J = (n) => path.join(tmp, `${n}.json`);
const m = machine();
const startedAt = new Date();
const load0 = loadavg();
const secs = {};
secs.backfill = await run('backfill.mjs', ['--events', String(EVENTS), '--json', J('backfill')]);
const bf = JSON.parse(fs.readFileSync(J('backfill'), 'utf8'));
if (!bf.ponder) secs.ponder = await run('ponder.mjs', ['--scenario', 'bulk', '--events', String(EVENTS), '--json', J('ponder')]);
secs.http = await run('http.mjs', ['--duration', String(SECONDS), '--connections', String(CONNS), '--hello', HELLO, '--json', J('http')]);
secs.scale = await run('scale.mjs', ['--sizes', SIZES, '--builder', BUILDER, '--json', J('scale')]);
secs.keepup = await run('keepup.mjs', ['--seconds', String(KEEPUP_SECONDS), '--json', J('keepup')]);
const load1 = loadavg();
const ht = JSON.parse(fs.readFileSync(J('http'), 'utf8'));
const sc = JSON.parse(fs.readFileSync(J('scale'), 'utf8'));
const pd = bf.ponder ?? JSON.parse(fs.readFileSync(J('ponder'), 'utf8'));
const ku = JSON.parse(fs.readFileSync(J('keepup'), 'utf8'));
fs.rmSync(tmp, { recursive: true, force: true });

const f0 = (x) => Math.round(x).toLocaleString('en-US');
const f2 = (x) => Number(x).toFixed(2);
const f3 = (x) => Number(x).toFixed(3);
const verdict = (ok) => (ok ? 'met' : '**not met**');
const lines = [];
const L = (s = '') => lines.push(s);
L('# arbiusd benchmarks');
L();
L(`Generated by \`make bench\` (bench/report.mjs) on ${startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}; do not edit by hand.`);
L('Every figure stands next to its reference, measured in the same run on the same machine.');
L();
L('## Machine');
L();
L('| | |');
L('|---|---|');
L(`| CPU | ${m.cpu} |`);
L(`| nproc | ${m.nproc} |`);
L(`| memory | ${m.memory} |`);
L(`| OS / kernel | ${m.os}; ${m.kernel} |`);
L(`| arbiusd | ${m.arbiusd} |`);
L(`| compiler | ${m.gcc} |`);
L(`| libmicrohttpd / SQLite | ${m.libmicrohttpd} / ${m.sqlite} |`);
L(`| node / hardhat / wrk | ${m.node} / ${m.hardhat} / ${m.wrk} |`);
L(`| load average (1/5/15 min) | ${load0} at start, ${load1} at end |`);
L();
L('The machine may be shared: the load average above says how busy it was. wrk, the');
L('devnet node and the servers share the same CPUs.');
L();
L('## Backfill');
L();
L('Reference: the node answering the same kinds of requests an indexer minimally needs for the same');
L('data (eth_getLogs over the same ranges, the block headers and the calldata of the log transactions,');
L('batched 50 per request), from our own JS client. Both sides go through the pass-through proxy');
L('(tests/devnet/proxy.mjs) that counts requests; rounds alternate reference and arbiusd; medians shown.');
L(`\`arbiusd scan\` from the deployment to the head, max_range ${bf.max_range}, into a fresh database each round.`);
L();
const wls = bf.workloads ?? { bulk: { ...bf, workload: 'bulk', rounds: [] } };
const wdesc = {
  bulk: 'bulkSubmitTask + bulkSubmitSolution straight to the engine (devnet `bulk`)',
  wrapper: 'the same through a helper contract with its own selectors, which calls the engine per item (devnet `bulk --via helper`); prompts only in the helper calldata',
};
for (const w of Object.values(wls)) {
  L(`Workload \`${w.workload}\`: ${f0(w.events)} engine events, ${wdesc[w.workload] ?? ''}; blocks ${w.from_block}-${w.to_block} (${f0(w.blocks)} blocks), generated in ${f2(w.generate_ms / 1000)} s.`);
  L();
}
L('| workload | arbiusd wall time | reference (node alone) | ratio (goal <= 1.5x) | HTTP requests / 1,000 events (goal <= 15) | JSON-RPC calls / 1,000 events | prompts equal to the truth | solution CIDs equal |');
L('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const w of Object.values(wls)) {
  const ck = w.check;
  const cpr = w.calls_per_1000 === undefined ? '' : f2(w.calls_per_1000);
  L(`| ${w.workload} | ${f2(w.arbiusd_ms / 1000)} s | ${f2(w.floor_ms / 1000)} s | ${f2(w.ratio)}x: ${verdict(w.ratio <= 1.5)} | ${f2(w.requests_per_1000)} (${f0(w.requests)}): ${verdict(w.requests_per_1000 <= 15)} | ${cpr} | ` +
    (ck ? `${f0(ck.prompts_equal)} / ${f0(ck.tasks)}: ${verdict(ck.prompts_equal === ck.tasks)} | ${f0(ck.cids_equal)} / ${f0(ck.solutions)} |` : ' | |'));
}
L();
if (pd) {
  const ponderMs = pd.min_ms ?? pd.ms;
  const interleaved = Boolean(bf.ponder);
  L('### Against Ponder');
  L();
  L(`Ponder ${pd.version ?? '1.x'} (\`ponder start\`, embedded PGlite, bench/ponder: the same engine, router and token events,`);
  L('prompts and CIDs from calldata) over the same scenario and size, timed from its start to its /ready answering 200,');
  L(interleaved ? 'interleaved with arbiusd by bench/backfill.' : `on its own devnet run of the same scenario (bench/ponder.mjs, not interleaved with arbiusd); rows checked against the chain: ${pd.ok ? 'ok' : '**failed**'}.`);
  L();
  L('| figure | arbiusd | Ponder | Ponder / arbiusd | goal |');
  L('|---|---:|---:|---:|---|');
  L(`| wall time | ${f2(bf.arbiusd_ms / 1000)} s | ${f2(ponderMs / 1000)} s | ${f2(ponderMs / bf.arbiusd_ms)}x | >= 3x: ${verdict(ponderMs / bf.arbiusd_ms >= 3)} |`);
  if (pd.runs?.[0]?.startup_ms !== undefined) {
    const best = pd.runs.find((r) => r.ms === ponderMs) ?? pd.runs[0];
    L(`| of which Ponder startup (spawn to /health) | | ${f2(best.startup_ms / 1000)} s | | |`);
    L(`| Ponder RPC requests | | ${f0(best.rpc_requests)} | | |`);
  }
  L();
}
L('## HTTP');
L();
L(`Workload: the devnet \`full\` scenario indexed (${ht.tasks} tasks), served \`--read-only\` with a`);
L(`${ht.threads}-thread pool; wrk, 2 threads, ${ht.connections} connections, ${ht.duration} s per target after a 1 s warm-up.`);
L('Reference: bench/hello.c, a bare libmicrohttpd hello-world with the same daemon flags.');
L();
L('| target | req/s | vs hello-world | p50 ms | p99 ms | non-2xx | socket errors |');
L('|---|---:|---:|---:|---:|---:|---|');
const hrow = (name, x) => `| ${name} | ${f0(x.rps)} | ${x === ht.hello ? '(reference)' : f2(x.rps / ht.hello.rps) + 'x'} | ${f2(x.p50)} | ${f2(x.p99)} | ${x.non2xx} | ${x.errors || '0'} |`;
L(hrow('hello-world (libmicrohttpd)', ht.hello));
L(hrow('/api/v1/stats', ht.stats));
L(hrow('/ (dashboard page)', ht.page));
if (ht.gallery) L(hrow('/gallery (page)', ht.gallery));
if (ht.images_deep) L(hrow('/api/v1/images, deepest cursor', ht.images_deep));
L();
L(`Goals: /api/v1/stats at least half the hello-world rate: ${verdict(ht.stats.rps >= ht.hello.rps / 2)} (${f2(ht.stats.rps / ht.hello.rps)}x); p99 < 10 ms: ${verdict(ht.stats.p99 < 10)} (${f2(ht.stats.p99)} ms)` +
  (ht.gallery ? `; /gallery at least a quarter of the hello-world rate: ${verdict(ht.gallery.rps >= ht.hello.rps / 4)} (${f2(ht.gallery.rps / ht.hello.rps)}x).` : '.'));
L();
L('## Scale');
L();
L(`Workload: synthetic indexes written by bench/scale.c through the store API (N tasks, ~0.9 N solutions,`);
L(`the same rollups as the scanner), served \`--read-only\`; ${f0(sc.requests)} sequential keep-alive GET /api/v1/stats`);
L(`after ${f0(sc.warmup)} warm-up requests, then wrk ${sc.wrk_seconds} s at 64 connections.`);
L('Reference: the smallest index (the latency must not grow with the number of tasks).');
L();
L('| tasks | DB MiB | build s | p50 ms | p99 ms | p50 vs smallest | wrk req/s | wrk vs smallest | stats compute ms (hide / show) |');
L('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
const base = sc.rows[0];
for (const r of sc.rows) {
  L(`| ${f0(r.tasks)} | ${f0(r.db_bytes / 2 ** 20)} | ${f2(r.build_s)} | ${f3(r.p50)} | ${f3(r.p99)} | ${r === base ? '(reference)' : f2(r.p50 / base.p50) + 'x'} | ` +
    `${f0(r.wrk_rps)} | ${r === base ? '(reference)' : f2(r.wrk_rps / base.wrk_rps) + 'x'} | ${f2(r.compute_hide_ms)} / ${f2(r.compute_show_ms)} |`);
}
const worst = Math.max(...sc.rows.map((r) => r.p50 / base.p50));
L();
L(`Goal: latency within 1.2x across sizes: ${verdict(worst <= 1.2)} (worst median ratio ${f2(worst)}x). The body of`);
L('/api/v1/stats is cached per indexed head; "stats compute" is stats_summary itself (median of 21 direct');
L('calls), the cost of the first request after each head move.');
L();
if (sc.gallery?.length) {
  L(`Gallery keyset paging: ${sc.gallery_requests} sequential keep-alive requests per cell, each with its own cursor (so`);
  L('none is served from the reply cache: query plus render), at the top of the default view (images #1..) and deep in');
  L('it (images #deep..). Reference: the top pages of the same index. "served" is /gallery repeated (cached).');
  L();
  L('| tasks | images | deep position | API top p50 ms | API deep p50 ms | deep vs top | page top p50 ms | page deep p50 ms | deep vs top | deep p99 ms (API / page) | served p50 ms |');
  L('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const g of sc.gallery) {
    L(`| ${f0(g.tasks)} | ${f0(g.images)} | ${f0(g.deep_pos)} | ${f3(g.api_top.p50)} | ${f3(g.api_deep.p50)} | ${f2(g.api_deep.p50 / g.api_top.p50)}x | ` +
      `${f3(g.page_top.p50)} | ${f3(g.page_deep.p50)} | ${f2(g.page_deep.p50 / g.page_top.p50)}x | ${f2(g.api_deep.p99)} / ${f2(g.page_deep.p99)} | ${f3(g.served.p50)} |`);
  }
  const gw = Math.max(...sc.gallery.map((g) => Math.max(g.api_deep.p50 / g.api_top.p50, g.page_deep.p50 / g.page_top.p50)));
  L();
  L(`Goal: deep cursor pages within 1.2x of the top ones: ${verdict(gw <= 1.2)} (worst ratio ${f2(gw)}x).`);
  L();
}
L('## Keeping up with a live chain');
L();
const kms = (x) => (x === null || x === undefined ? '-' : f2(x / 1000) + ' s');
const kd = (s) => `${kms(s.min)} | ${kms(s.median)} | ${kms(s.p90)} | ${kms(s.max)} | ${s.n}`;
L(`Workload: bench/keepup, \`arbiusd serve\` on its defaults (poll_interval ${ku.poll_interval} s${ku.poll_interval_overridden ? ', overridden' : ''}) behind a counting JSON-RPC proxy;`);
L(`the devnet mines ${ku.blocks_per_second} blocks/s on a fixed timer for ${f0(ku.seconds)} s with ${ku.tasks_per_minute} tasks a minute, each solved a block or two later`);
L(`(${ku.blocks} blocks, ${ku.solutions} solutions). Freshness: from the solution's block being mined (the bench's clock) to the SSE`);
L('`solutions` event carrying it (A) and to the first /api/v1/stats whose as_of block reached it (B, polled every 50 ms).');
L('Polls: the eth_blockNumber calls the proxy saw (one per scanner poll). Per day: requests / seconds * 86,400.');
L();
L('| freshness | min | median | p90 | max | n |');
L('|---|---:|---:|---:|---:|---:|');
L(`| A: block -> SSE \`solutions\` | ${kd(ku.freshness_sse_ms)} |`);
L(`| B: block -> /api/v1/stats | ${kd(ku.freshness_stats_ms)} |`);
L();
L('| figure | value | goal |');
L('|---|---:|---|');
L(`| median freshness A / B | ${kms(ku.freshness_sse_ms.median)} / ${kms(ku.freshness_stats_ms.median)} | <= 2.5 s: ${verdict(ku.freshness_sse_ms.median <= 2500 && ku.freshness_stats_ms.median <= 2500)} |`);
L(`| polls | ${f0(ku.polls)} | |`);
L(`| HTTP requests per poll | ${f2(ku.requests_per_poll)} | <= 1.2: ${verdict(ku.requests_per_poll <= 1.2)} |`);
L(`| HTTP requests per day | ${f0(ku.requests_per_day)} | <= 52,000: ${verdict(ku.requests_per_day <= 52000)} |`);
L(`| JSON-RPC calls per poll / per day | ${f2(ku.calls_per_poll)} / ${f0(ku.calls_per_day)} | |`);
L(`| calls by method | ${Object.entries(ku.by_method).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')} | |`);
L();
// The read-replica section is make bench-replicas' (bench/replicas.mjs):
// keep what the file holds of it.
if (fs.existsSync(OUT)) {
  const prev = fs.readFileSync(OUT, 'utf8');
  const a = prev.indexOf('## Read replicas');
  if (a >= 0) {
    const b = prev.indexOf('\n## ', a + 1);
    lines.push(...prev.slice(a, b >= 0 ? b + 1 : undefined).replace(/\n+$/, '\n').split('\n'));
  }
}
L('## Reproduce');
L();
L('```');
L(`make bench BENCH_EVENTS=${EVENTS} BENCH_SECONDS=${SECONDS} BENCH_SCALE=${SIZES} KEEPUP_SECONDS=${KEEPUP_SECONDS}`);
L('```');
L();
L(`Run time: backfill ${f0(secs.backfill)} s, ${secs.ponder ? `Ponder ${f0(secs.ponder)} s, ` : ''}HTTP ${f0(secs.http)} s, scale ${f0(secs.scale)} s, keep-up ${f0(secs.keepup)} s.`);
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, lines.join('\n') + '\n');
console.log(`\nwrote ${OUT}`);
