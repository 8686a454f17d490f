// bench/report.mjs - run every benchmark once and write docs/BENCHMARKS.md:
// each figure next to its reference measured in the same run, with the
// machine and the workload sizes.
//
//   cd tests && node ../bench/report.mjs --bin ../build/arbiusd \
//       --hello ../build/bench/hello --builder ../build/bench/scale \
//       [--events 100000] [--seconds 5] [--rounds 3] [--connections 64] \
//       [--sizes 10000,1000000,10000000] [--scale-cache DIR] \
//       [--keepup-seconds 60] [--only backfill,http,scale,keepup] \
//       [--out ../docs/BENCHMARKS.md]
//
// --only runs the named parts and keeps the document's other sections as
// they are (each says which run wrote it); --scale-cache keeps bench/scale's
// synthetic databases between runs (the 10M one takes most of an hour).
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
const SECONDS = Number(opt('seconds', 5));
const CONNS = Number(opt('connections', 64));
const SIZES = opt('sizes', '10000,1000000,10000000');
const KEEPUP_SECONDS = Number(opt('keepup-seconds', 60));
const OUT = path.resolve(opt('out', path.join(ROOT, 'docs/BENCHMARKS.md')));
const ROUNDS = Number(opt('rounds', 3));
const SCALE_CACHE = opt('scale-cache', null);
// --only http,scale: run those, keep the other sections of OUT as they are.
const ONLY = opt('only', null)?.split(',') ?? null;
const wanted = (k) => !ONLY || ONLY.includes(k);

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
const readJ = (n) => JSON.parse(fs.readFileSync(J(n), 'utf8'));
let bf = null;
let pd = null;
let ht = null;
let sc = null;
let ku = null;
if (wanted('backfill')) {
  secs.backfill = await run('backfill.mjs', ['--events', String(EVENTS), '--json', J('backfill')]);
  bf = readJ('backfill');
  if (!bf.ponder) secs.ponder = await run('ponder.mjs', ['--scenario', 'bulk', '--events', String(EVENTS), '--json', J('ponder')]);
  pd = bf.ponder ?? readJ('ponder');
}
if (wanted('http')) {
  secs.http = await run('http.mjs', ['--duration', String(SECONDS), '--rounds', String(ROUNDS), '--connections', String(CONNS), '--hello', HELLO, '--json', J('http')]);
  ht = readJ('http');
}
if (wanted('scale')) {
  secs.scale = await run('scale.mjs', ['--sizes', SIZES, '--builder', BUILDER, '--hello', HELLO, '--json', J('scale'),
    ...(SCALE_CACHE ? ['--cache-dir', SCALE_CACHE] : [])]);
  sc = readJ('scale');
}
if (wanted('keepup')) {
  secs.keepup = await run('keepup.mjs', ['--seconds', String(KEEPUP_SECONDS), '--json', J('keepup')]);
  ku = readJ('keepup');
}
const load1 = loadavg();
fs.rmSync(tmp, { recursive: true, force: true });
// The sections of the previous document, by their "## " title.
const prevSections = {};
if (fs.existsSync(OUT)) {
  const prev = fs.readFileSync(OUT, 'utf8');
  for (const part of prev.split(/\n(?=## )/).slice(1)) prevSections[part.split('\n')[0].slice(3).trim()] = part.replace(/\n+$/, '\n');
}
const keep = (title) => {
  if (prevSections[title]) lines.push(...prevSections[title].split('\n'));
};

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
if (bf) {
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
} else {
  keep('Backfill');
}
if (ht) {
  L('## HTTP');
  L();
  L(`Workload: the devnet \`full\` scenario indexed (${ht.tasks} tasks), served \`--read-only\` (the head stays put) with a`);
  L(`${ht.threads}-thread pool; wrk -t2 -c${ht.connections}, ${ht.duration} s per run. ${ht.rounds} rounds, each running, for every route,`);
  L('the hello-world and then the route (hello, route, hello, route, ..., hello): a route\'s ratio in a round is its');
  L('requests/s over the mean of the hello-world runs just before and just after it, its p99 ratio the same for p99.');
  L('Reference: bench/hello.c, a bare libmicrohttpd hello-world with the same daemon flags, 4 threads.');
  L(`Load average during this part: ${ht.load_start.map((x) => x.toFixed(2)).join(' / ')} at its start, ${ht.load_end.map((x) => x.toFixed(2)).join(' / ')} at its end.`);
  L();
  L('| route | kind | req/s (median) | vs hello-world, min | median | goal | p50 ms | p99 ms | p99 vs hello-world (median) | verdict |');
  L('|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
  const med = (xs) => { const q = [...xs].sort((x, y) => x - y); return q.length % 2 ? q[(q.length - 1) / 2] : (q[q.length / 2 - 1] + q[q.length / 2]) / 2; };
  L(`| hello-world (libmicrohttpd) | | ${f0(med(ht.hellos.map((h) => h.rps)))} | (reference) | | | ${f2(med(ht.hellos.map((h) => h.p50)))} | ${f2(med(ht.hellos.map((h) => h.p99)))} | | |`);
  for (const r of ht.routes) {
    L(`| \`${r.label}\` | ${r.kind.toUpperCase()} | ${f0(r.rps_median)} | ${f2(r.ratio_min)}x | ${f2(r.ratio_median)}x | ${f2(r.goal)}x | ${f2(r.p50_median)} | ${f2(r.p99_median)} | ${f2(r.p99_ratio_median)}x | ${r.met ? 'met' : '**not met**'}${r.non2xx ? ` (non-2xx ${r.non2xx})` : ''} |`);
  }
  const html = ht.routes.filter((x) => x.kind === 'html');
  const json = ht.routes.filter((x) => x.kind === 'json');
  L();
  L(`Goals (issue #17, medians of the rounds): every HTML route at least ${ht.goal.html}x the hello-world rate: ${verdict(html.every((x) => x.ratio_median >= ht.goal.html))}` +
    ` (lowest ${f2(Math.min(...html.map((x) => x.ratio_median)))}x); every JSON route at least ${ht.goal.json}x: ${verdict(json.every((x) => x.ratio_median >= ht.goal.json))}` +
    ` (lowest ${f2(Math.min(...json.map((x) => x.ratio_median)))}x); p99 at most ${ht.goal.p99}x the hello-world's: ${verdict(ht.routes.every((x) => x.p99_ratio_median <= ht.goal.p99))}` +
    ` (highest ${f2(Math.max(...ht.routes.map((x) => x.p99_ratio_median)))}x). Every reply is served by the response cache here (the head does not move);`);
  L('the first request after a head move is in the Scale section.');
  L();
} else {
  keep('HTTP');
}
if (sc) {
  L('## Scale');
  L();
  L('Workload: synthetic indexes written by bench/scale.c through the store API (N tasks, ~0.9 N solutions, the same');
  L('rows, rollups and figures as the scanner writes), served `--read-only` with a 4-thread pool. Per size and route:');
  L(`"served": ${f0(sc.requests)} sequential keep-alive GETs after ${f0(sc.warmup)} warm-up requests (the head does not move);`);
  L(`"first": the first GET after each of ${sc.moves} head moves (\`scale DB --advance 1\` commits one more block with new`);
  L('tasks and solutions from another process, as the scanner would; the image page depends on every commit);');
  L(`wrk -t2 -c64 ${sc.wrk_seconds} s per route; RSS is the serve process's peak (VmHWM) after all of it.`);
  L('Reference: the smallest index (nothing may grow with the number of tasks).');
  L(`Load average during this part: ${sc.load_start.map((x) => x.toFixed(2)).join(' / ')} at its start, ${sc.load_end.map((x) => x.toFixed(2)).join(' / ')} at its end` +
    (sc.hello ? `; hello-world in the same run: ${f0(sc.hello.rps)} req/s, p99 ${f2(sc.hello.p99)} ms.` : '.'));
  L();
  L('| tasks | solutions | DB MiB | build s | serve peak RSS MB | commit of one block ms |');
  L('|---:|---:|---:|---:|---:|---:|');
  for (const r of sc.rows) L(`| ${f0(r.tasks)} | ${f0(r.solutions)} | ${f0(r.db_bytes / 2 ** 20)} | ${Number.isFinite(r.build_s) ? f2(r.build_s) : 'built before'} | ${f2(r.rss_mb)} | ${f2(r.commit_ms)} |`);
  L();
  L('| route | tasks | served p50 ms | vs smallest | served p99 ms | first p50 ms | vs smallest | first p99 ms | wrk req/s | wrk p99 ms |');
  L('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const sbase = sc.rows[0];
  for (const route of sc.routes) {
    for (const r of sc.rows) {
      const x = r.routes[route];
      const b = sbase.routes[route];
      L(`| \`${route}\` | ${f0(r.tasks)} | ${f3(x.served.p50)} | ${r === sbase ? '(reference)' : f2(x.served.p50 / b.served.p50) + 'x'} | ${f3(x.served.p99)} | ` +
        `${f3(x.first.p50)} | ${r === sbase ? '(reference)' : f2(x.first.p50 / b.first.p50) + 'x'} | ${f3(x.first.p99)} | ${f0(x.wrk.rps)} | ${f2(x.wrk.p99)} |`);
    }
  }
  const slast = sc.rows[sc.rows.length - 1];
  const gr = ['/', '/image/<id>'];
  const servedW = Math.max(...gr.map((r) => slast.routes[r].served.p50 / sbase.routes[r].served.p50));
  const firstW = Math.max(...gr.map((r) => slast.routes[r].first.p50 / sbase.routes[r].first.p50));
  L();
  L(`Goals (issue #17) at ${f0(slast.tasks)} tasks against ${f0(sbase.tasks)}: dashboard and \`/image/<id>\` served p50 within ${sc.goal.served}x: ${verdict(servedW <= sc.goal.served)} (worst ${f2(servedW)}x);` +
    ` the first request after a head move within ${sc.goal.first}x: ${verdict(firstW <= sc.goal.first)} (worst ${f2(firstW)}x); RSS of serve under wrk under ${sc.goal.rss_mb} MB: ${verdict(slast.rss_mb < sc.goal.rss_mb)} (${f2(slast.rss_mb)} MB).`);
  L();
  if (sc.gallery?.length) {
    L(`Gallery keyset paging: ${sc.gallery_requests} sequential keep-alive requests per cell, each with its own cursor (so`);
    L('none is served from the response cache: query plus render), at the top of the default view (images #1..) and deep in');
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
} else {
  keep('Scale');
}
if (ku) {
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
} else {
  keep('Keeping up with a live chain');
}
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
L(`make bench BENCH_EVENTS=${EVENTS} BENCH_SECONDS=${SECONDS} BENCH_ROUNDS=${ROUNDS} BENCH_SCALE=${SIZES} KEEPUP_SECONDS=${KEEPUP_SECONDS}` +
  (ONLY ? ` BENCH_ONLY=${ONLY.join(',')}` : ''));
L('```');
L();
L(`Run time: ${Object.entries(secs).map(([k, v]) => `${k} ${f0(v)} s`).join(', ')}.` +
  (ONLY ? ` This run regenerated ${ONLY.join(', ')} (\`--only\`); the other sections are from the runs that wrote them.` : ''));
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, lines.join('\n') + '\n');
console.log(`\nwrote ${OUT}`);
