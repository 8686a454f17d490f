// bench/replicas.mjs - the scale-out recipe's cost: requests/s through
// HAProxy (contrib/haproxy.cfg) with one and with two read-only replicas,
// as ratios to the same replica served directly (no HAProxy) in the same
// run, and the replicas' lag behind the writer.
//
//   cd tests && node ../bench/replicas.mjs [--duration 5] [--rounds 3]
//       [--connections 32] [--lag-samples 20] [--sync-ms 2000] [--write FILE]
//
// The parts are the test's (tests/integ/replicas.lib.mjs): the devnet
// `full` scenario indexed by a writer `serve`, Litestream replicating it,
// two replicas refreshed by contrib/arbiusd-replica-sync.sh every
// --sync-ms (swaps keep happening during the load, as in production).
// Throughput: rounds of (direct, HAProxy with replica2 disabled, HAProxy
// with both) interleaved, wrk for --duration s each on /api/v1/stats and
// /gallery; min and median over the rounds.  Lag: a task is submitted and
// solved every ~1.5 s; for each, the time from the writer's /ready showing
// its block to each replica's /ready showing it.  On a 2-core machine wrk,
// HAProxy, the replicas, the writer, Litestream and the node share the
// CPUs: read the overhead and the lag, not the scaling.  With --write, the
// "## Read replicas" section of FILE (docs/BENCHMARKS.md) is replaced or
// added before "## Reproduce"; the rest of the file is left as it is.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { startDevnet } from '../tests/devnet/devnet.mjs';
import { Driver, runScenario } from '../tests/devnet/driver.mjs';
import { fakeSolutionCid, utf8Hex } from '../tests/devnet/lib.mjs';
import { startDaemon, tmpDir, waitFor } from '../tests/integ/harness.mjs';
import {
  HAPROXY, LITESTREAM, Replica, freePort, haproxyConfig, indexedOf, litestreamConfig, recipeConfig,
  sleep, startProc, waitIndexed,
} from '../tests/integ/replicas.lib.mjs';
import { machine, wrk } from './lib.mjs';

const opt = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const DURATION = Number(opt('duration', 5));
const ROUNDS = Number(opt('rounds', 3));
const CONNS = Number(opt('connections', 32));
const LAG_SAMPLES = Number(opt('lag-samples', 20));
const SYNC_MS = Number(opt('sync-ms', 2000));
const WRITE = opt('write', '');
const URLS = ['/api/v1/stats', '/gallery'];

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');
const median = (a) => { const s = [...a].sort((x, y) => x - y); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.ceil(p / 100 * s.length) - 1)]; };

// One command on HAProxy's admin socket.
function hapCmd(sock, cmd) {
  return new Promise((resolve, reject) => {
    const c = net.connect(sock, () => c.end(`${cmd}\n`));
    let out = '';
    c.on('data', (d) => { out += d; });
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

async function main() {
  const t0 = Date.now();
  const load0 = loadavg();
  const dir = tmpDir('arbiusd-bench-replicas-');
  const procs = [];
  const replicas = [];
  let writer;
  const dn = await startDevnet({});
  try {
    await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'full', log: () => {} });
    const drv = await Driver.create({ rpcUrl: dn.rpcUrl, deploy: dn.deploy });
    const head = async () => Number(BigInt(await dn.rpc.call('eth_blockNumber', [])));
    const hapPort = await freePort();
    const hapUrl = `http://127.0.0.1:${hapPort}`;
    const wdir = path.join(dir, 'writer');
    fs.mkdirSync(wdir);
    const writerPort = await freePort();
    const wcfg = recipeConfig(wdir, dn.deploy, dn.rpcUrl, { port: writerPort, dbPath: path.join(wdir, 'arbiusd.db'),
      server: { public_url: hapUrl } });
    writer = await startDaemon({ configFile: wcfg.file });
    await waitIndexed(writer.url, await head(), 120000);
    const replicaDir = path.join(dir, 'litestream');
    procs.push(startProc(LITESTREAM, ['replicate', '-config', litestreamConfig(dir, wcfg.dbPath, replicaDir)]));
    await waitFor(() => fs.existsSync(path.join(replicaDir, 'generations')), { what: 'a Litestream generation' });
    for (const i of [1, 2]) {
      const rep = new Replica({ name: `replica${i}`, dir: path.join(dir, `replica${i}`), port: await freePort(),
        replicaUrl: `file://${replicaDir}`, deploy: dn.deploy, rpcUrl: dn.rpcUrl, syncMs: SYNC_MS,
        server: { public_url: hapUrl } });
      await waitFor(async () => (await rep.syncOnce()).code === 0, { what: 'first copy', intervalMs: 500 });
      await rep.start();
      rep.startSync();
      replicas.push(rep);
    }
    const sock = path.join(dir, 'haproxy.sock');
    const cfgFile = haproxyConfig(dir, { port: hapPort, replicaPorts: replicas.map((r) => r.port), writerPort, interMs: 500 });
    // The admin socket, to take replica2 out for the one-replica rounds.
    fs.writeFileSync(cfgFile, fs.readFileSync(cfgFile, 'utf8').replace(/^global\n/m,
      `global\n    stats socket ${sock} mode 600 level admin\n`));
    procs.push(startProc(HAPROXY, ['-db', '-f', cfgFile]));
    await waitFor(() => fs.existsSync(sock), { what: 'HAProxy' });
    await waitFor(async () => {
      const seen = new Set();
      for (let i = 0; i < 4; i++) seen.add((await fetch(`${hapUrl}/api/v1/stats`)).headers.get('x-arbiusd-replica'));
      return seen.has('replica1') && seen.has('replica2');
    }, { what: 'both replicas in rotation', intervalMs: 250 });

    // ---- throughput, interleaved rounds ----
    const setups = {
      direct: { url: replicas[0].url, before: async () => {} },
      'haproxy, 1 replica': { url: hapUrl, before: async () => { await hapCmd(sock, 'disable server replicas/replica2'); } },
      'haproxy, 2 replicas': { url: hapUrl, before: async () => { await hapCmd(sock, 'enable server replicas/replica2'); } },
    };
    const res = {};
    const swaps0 = await Promise.all(replicas.map((r) => r.ready()));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, s] of Object.entries(setups)) {
        await s.before();
        for (const u of URLS) {
          const r = wrk(`${s.url}${u}`, { duration: DURATION, connections: CONNS, threads: 2 });
          const key = `${u}\t${name}`;
          (res[key] ||= []).push(r);
          process.stderr.write(`round ${round + 1} ${name} ${u}: ${r.rps.toFixed(0)} req/s p99 ${r.p99.toFixed(2)} ms` +
            `${r.non2xx ? ` non-2xx ${r.non2xx}` : ''}${r.errors ? ` errors ${r.errors}` : ''}\n`);
        }
      }
    }
    await hapCmd(sock, 'enable server replicas/replica2');
    const swaps1 = await Promise.all(replicas.map((r) => r.ready()));

    // ---- lag ----
    const lags = replicas.map(() => []);
    for (let k = 0; k < LAG_SAMPLES; k++) {
      const id = await drv.submitTask(drv.acc.users[k % 4], { model: 'image', input: utf8Hex(JSON.stringify({ prompt: `lag ${k}` })) });
      await drv.submitSolution(drv.acc.miners[0], id, fakeSolutionCid(`lag ${id}`));
      const b = await head();
      await waitFor(async () => (await indexedOf(writer.url)) >= b, { intervalMs: 20, what: 'writer' });
      const tw = Date.now();
      await Promise.all(replicas.map(async (r, i) => {
        await waitFor(async () => (await r.ready()).indexed_block >= b, { intervalMs: 20, timeoutMs: 60000, what: r.name });
        lags[i].push((Date.now() - tw) / 1000);
      }));
      await sleep(500 + Math.random() * 1000);
    }

    // ---- report ----
    const load1 = loadavg();
    const L = [];
    L.push('## Read replicas', '');
    L.push(`Generated by \`make bench-replicas\` (bench/replicas.mjs) on ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}.`);
    L.push(`Machine: ${machine()}; load average (1/5/15 min) ${load0} at start, ${load1} at end.`);
    L.push('The recipe of README.md "Scaling out" on one machine: the devnet `full` scenario indexed by a writer,');
    L.push(`Litestream v0.3.13 replicating it (sync-interval 1 s), two \`serve --read-only\` replicas whose copies`);
    L.push(`contrib/arbiusd-replica-sync.sh restores and swaps every ${SYNC_MS / 1000} s (during the load too: ` +
      `${swaps1.map((s, i) => s.copy_reopens - swaps0[i].copy_reopens).join(' and ')} swaps), HAProxy ${execFileSync(HAPROXY, ['-v'], { encoding: 'utf8' }).split(' ')[2]}`);
    L.push(`with contrib/haproxy.cfg. wrk -t2 -c${CONNS}, ${DURATION} s per run, ${ROUNDS} interleaved rounds of`);
    L.push('(direct, HAProxy with one replica, HAProxy with two); the reference is replica1 served directly in the');
    L.push('same round. Two cores are shared by wrk, HAProxy, both replicas, the writer, Litestream and the node:');
    L.push('the figures show the overhead of the proxy, not scaling.', '');
    L.push('| URL | setup | req/s min | req/s median | vs direct (median) | p99 ms median | non-2xx | socket errors |');
    L.push('|---|---|---:|---:|---:|---:|---:|---|');
    for (const u of URLS) {
      const ref = median(res[`${u}\tdirect`].map((r) => r.rps));
      for (const name of Object.keys(setups)) {
        const rs = res[`${u}\t${name}`];
        const rps = rs.map((r) => r.rps);
        L.push(`| \`${u}\` | ${name} | ${Math.min(...rps).toFixed(0)} | ${median(rps).toFixed(0)} | ` +
          `${(median(rps) / ref).toFixed(2)}x | ${median(rs.map((r) => r.p99)).toFixed(2)} | ` +
          `${rs.reduce((a, r) => a + r.non2xx, 0)} | ${rs.map((r) => r.errors).filter(Boolean).join('; ') || 'none'} |`);
      }
    }
    L.push('', `Replica lag: ${LAG_SAMPLES} blocks, each with a new solved task, one every 1.5 s on average; the time from`);
    L.push('the writer\'s /ready showing the block to the replica\'s /ready showing it (Litestream sync-interval 1 s +');
    L.push(`the sync period ${SYNC_MS / 1000} s + one restore + the replica noticing the new file within 0.2 s; polled every 20 ms).`, '');
    L.push('| replica | min s | median s | p90 s | max s |');
    L.push('|---|---:|---:|---:|---:|');
    replicas.forEach((r, i) => {
      const a = lags[i];
      L.push(`| ${r.name} | ${Math.min(...a).toFixed(2)} | ${median(a).toFixed(2)} | ${pct(a, 90).toFixed(2)} | ${Math.max(...a).toFixed(2)} |`);
    });
    L.push('', `Reproduce: \`make bench-replicas\` (BENCH_REPLICAS_SECONDS=${DURATION}, BENCH_REPLICAS_ROUNDS=${ROUNDS}); ` +
      `run time ${((Date.now() - t0) / 1000).toFixed(0)} s.`, '');
    const text = L.join('\n');
    console.log(text);
    if (WRITE) {
      let doc = fs.readFileSync(WRITE, 'utf8');
      const a = doc.indexOf('## Read replicas');
      if (a >= 0) {
        const b = doc.indexOf('\n## ', a + 1);
        doc = doc.slice(0, a) + text + (b >= 0 ? doc.slice(b + 1) : '');
      } else {
        const r = doc.indexOf('## Reproduce');
        doc = r >= 0 ? doc.slice(0, r) + text + '\n' + doc.slice(r) : `${doc}\n${text}`;
      }
      fs.writeFileSync(WRITE, doc);
    }
  } finally {
    for (const r of replicas) { await r.stopSync(); await r.daemon?.stop(); }
    for (const p of procs.reverse()) await p.stop();
    await writer?.stop();
    await dn.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
