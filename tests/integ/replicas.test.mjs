// replicas.test.mjs - the scale-out recipe, run: a writer `serve` on the
// devnet, Litestream replicating its database (contrib/litestream.yml), two
// `serve --read-only` replicas refreshed by contrib/arbiusd-replica-sync.sh
// every SYNC_MS, HAProxy in front (contrib/haproxy.cfg) checking /ready.
//
//   - through HAProxy, pages and JSON equal the writer's as of the copy;
//     new blocks reach the replicas within the sync interval plus a poll;
//   - wrk through HAProxy for 20 s while every replica swaps its file every
//     SYNC_MS: no failed request, and every replica reopened;
//   - a replica killed: no failed request once HAProxy's checks saw it,
//     and it rejoins when restarted;
//   - a replica whose copy stops updating answers 503 past
//     ready_max_poll_age, says its sync stopped, and leaves the rotation;
//   - the writer killed: replicas keep serving their last copy, /ready says
//     the writer stopped, and HAProxy serves the stale copies.
// Every expected value comes from the writer (indexed from the chain) or
// from the chain itself.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { Driver, runScenario } from '../devnet/driver.mjs';
import { fakeSolutionCid, utf8Hex } from '../devnet/lib.mjs';
import { startDaemon, tmpDir, waitFor } from './harness.mjs';
import {
  HAPROXY, LITESTREAM, Replica, freePort, haproxyConfig, indexedOf, litestreamConfig, recipeConfig, run,
  sleep, startProc, waitIndexed,
} from './replicas.lib.mjs';

const SYNC_MS = 2000;          // the replicas' sync timer
const POLL_S = 1;              // the writer's poll_interval
const LS_SYNC_S = 1;           // Litestream's sync-interval (contrib/litestream.yml)
const INTER_MS = 500;          // HAProxy's check interval (fall 2, rise 2)
const MAX_POLL_AGE = 10;       // the replicas' ready_max_poll_age
const MAX_LAG = 5;             // the replicas' ready_max_lag
const quiet = () => {};

let dn;
let drv;
let dir;
let writer;
let writerCfg;
let litestream;
let hap;
let hapUrl;
const replicas = [];

const headOf = async () => Number(BigInt(await dn.rpc.call('eth_blockNumber', [])));

// Everything a client sees that depends only on the indexed data.
const PAGES = ['/', '/gallery', '/miners', '/models', '/api/v1/stats', '/api/v1/stats?automine=show',
  '/api/v1/charts/daily?days=all', '/api/v1/images', '/api/v1/images.csv', '/api/v1/miners',
  '/api/v1/users', '/api/v1/models'];

async function body(url) {
  const r = await fetch(url);
  return { status: r.status, text: await r.text(), server: r.headers.get('x-arbiusd-replica') };
}

// A few submitted and solved tasks: new rows for the copies to carry.
async function newTasks(n, label) {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const id = await drv.submitTask(drv.acc.users[i % 4], {
      model: 'image', input: utf8Hex(JSON.stringify({ prompt: `${label} ${i}` })),
    });
    await drv.submitSolution(drv.acc.miners[0], id, fakeSolutionCid(`${label} ${id}`));
    ids.push(id);
  }
  return ids;
}

// The replica names HAProxy used for n requests of url.
async function servedBy(url, n) {
  const seen = {};
  for (let i = 0; i < n; i++) {
    const r = await fetch(url);
    await r.arrayBuffer();
    const s = `${r.status} ${r.headers.get('x-arbiusd-replica')}`;
    seen[s] = (seen[s] || 0) + 1;
  }
  return seen;
}

// wrk through HAProxy over the pages, n connections for secs seconds.
async function wrk(url, secs, conns = 8) {
  const script = path.join(dir, 'pages.lua');
  fs.writeFileSync(script, `local paths = {${PAGES.map((p) => JSON.stringify(p)).join(', ')}}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
`);
  const r = await run('wrk', ['-t1', `-c${conns}`, `-d${secs}s`, '--timeout', '10s', '-s', script, url],
    { timeoutMs: (secs + 30) * 1000 });
  assert.equal(r.code, 0, r.stderr);
  const num = (re) => Number(re.exec(r.stdout)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
  return {
    requests: num(/(\d+) requests in/),
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    out: r.stdout,
  };
}

function failed(w) {
  return w.non2xx + w.socketErrors;
}

before(async () => {
  dir = tmpDir('arbiusd-replicas-');
  dn = await startDevnet({});
  await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'full', log: quiet });
  drv = await Driver.create({ rpcUrl: dn.rpcUrl, deploy: dn.deploy });

  // The writer: indexes the chain, serves, and is Litestream's source.
  const wdir = path.join(dir, 'writer');
  fs.mkdirSync(wdir);
  const writerPort = await freePort();
  const hapPort = await freePort();
  hapUrl = `http://127.0.0.1:${hapPort}`;
  // Every daemon is reached through HAProxy's address: pages with absolute
  // URLs (og:url) name it, whichever daemon answered.
  writerCfg = recipeConfig(wdir, dn.deploy, dn.rpcUrl, {
    port: writerPort, dbPath: path.join(wdir, 'arbiusd.db'), server: { ready_max_lag: MAX_LAG, public_url: hapUrl } });
  writer = await startDaemon({ configFile: writerCfg.file });
  await waitIndexed(writer.url, await headOf(), 120000);

  const replicaDir = path.join(dir, 'litestream');
  litestream = startProc(LITESTREAM, ['replicate', '-config', litestreamConfig(dir, writerCfg.dbPath, replicaDir)]);
  await waitFor(() => fs.existsSync(path.join(replicaDir, 'generations')), { what: 'a Litestream generation' });

  for (const i of [1, 2]) {
    const rep = new Replica({
      name: `replica${i}`, dir: path.join(dir, `replica${i}`), port: await freePort(),
      replicaUrl: `file://${replicaDir}`, deploy: dn.deploy, rpcUrl: dn.rpcUrl, syncMs: SYNC_MS,
      server: { ready_max_lag: MAX_LAG, ready_max_poll_age: MAX_POLL_AGE, public_url: hapUrl },
    });
    // The first copy exists before serve --read-only starts (as the
    // systemd drop-in orders it).
    await waitFor(async () => (await rep.syncOnce()).code === 0, { what: `${rep.name}'s first copy`, timeoutMs: 30000, intervalMs: 500 });
    await rep.start();
    rep.startSync();
    replicas.push(rep);
  }

  const cfg = haproxyConfig(dir, { port: hapPort, replicaPorts: replicas.map((r) => r.port), writerPort, interMs: INTER_MS });
  const chk = await run(HAPROXY, ['-c', '-f', cfg]);
  assert.equal(chk.code, 0, chk.stdout + chk.stderr);
  hap = startProc(HAPROXY, ['-db', '-f', cfg]);
  await waitFor(async () => {
    const s = await servedBy(`${hapUrl}/api/v1/stats`, 4);
    return s['200 replica1'] && s['200 replica2'];
  }, { what: 'HAProxy routing to both replicas', timeoutMs: 30000, intervalMs: 250 }).catch((e) => {
    throw new Error(`${e.message}\nHAProxy:\n${hap.output}`);
  });
});

after(async () => {
  const codes = [];
  for (const r of replicas) {
    await r.stopSync();
    // SIGTERM: a clean exit (and, under ASan, no leak) after all the swaps.
    if (r.daemon) codes.push((await r.daemon.stop()).code);
  }
  await hap?.stop();
  await litestream?.stop();
  await writer?.stop('SIGKILL');
  await dn?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(codes, replicas.map(() => 0));
});

// Waits until both replicas' copies are of the writer's current checkpoint.
async function converged(timeoutMs = 30000) {
  const want = await indexedOf(writer.url);
  await waitFor(async () => {
    for (const r of replicas) if ((await r.ready()).indexed_block < want) return false;
    return true;
  }, { what: `replicas at block ${want}`, timeoutMs, intervalMs: 100 });
  return want;
}

test('through HAProxy, pages and JSON equal the writer\'s as of the copy; sign-in goes to the writer', async () => {
  const block = await converged();
  assert.equal(block, await headOf());
  for (const p of PAGES) {
    const w = await body(`${writer.url}${p}`);
    assert.equal(w.status, 200, `${p} on the writer`);
    const seen = new Set();
    // Round robin: two requests reach both replicas.
    for (let i = 0; i < 2; i++) {
      const h = await body(`${hapUrl}${p}`);
      assert.equal(h.status, 200, `${p} via HAProxy`);
      assert.equal(h.text, w.text, `${p} via ${h.server} differs from the writer's`);
      seen.add(h.server);
    }
    assert.deepEqual([...seen].sort(), ['replica1', 'replica2'], p);
  }
  // One task's page and JSON, chosen from the chain.
  const truth = await drv.truth();
  const task = truth.tasks.at(-1).id;
  for (const p of [`/api/v1/image/${task}`, `/image/${task}`]) {
    assert.equal((await body(`${hapUrl}${p}`)).text, (await body(`${writer.url}${p}`)).text, p);
  }
  // The replicas report their copies on /ready.
  for (const r of replicas) {
    const j = await r.ready();
    assert.equal(j.status, 'ready', JSON.stringify(j));
    assert.equal(j.read_only, true);
    assert.ok(j.copy_age_seconds >= 0 && j.copy_age_seconds <= MAX_POLL_AGE, JSON.stringify(j));
    assert.ok(j.copy_reopens >= 1, `${r.name} never reopened: ${JSON.stringify(j)}`);
  }
  const wj = await (await fetch(`${writer.url}/ready`)).json();
  assert.equal(wj.read_only, false);
  assert.equal(wj.copy_age_seconds, null);
  // Sign-in writes a nonce: HAProxy sends it to the writer.
  const n = await fetch(`${hapUrl}/api/v1/auth/nonce`);
  assert.equal(n.status, 200);
  assert.equal(n.headers.get('x-arbiusd-replica'), 'writer');
});

test('new blocks reach the replicas within the sync interval plus one poll', async (t) => {
  const ids = await newTasks(3, 'converge');
  const head = await headOf();
  await waitIndexed(writer.url, head);
  const t0 = Date.now();
  const n0 = replicas.map((r) => r.restoreMs.length);
  await converged(30000);
  const secs = (Date.now() - t0) / 1000;
  // Litestream sees the new frames within its monitor-interval and ships
  // them within its sync-interval; the sync running then may have missed
  // them, so the next one (a period after it started, or when it ends if
  // a restore takes longer) restores them; the replica notices the new file
  // within 0.2 s.  Plus one poll and a second of slack.  The restore times
  // are the sync script's own, measured now: a loaded machine restores
  // slower, and that is not what this test is about.
  const restore = Math.max(0.2, ...replicas.flatMap((r, i) => r.restoreMs.slice(Math.max(0, n0[i] - 1)))
    .map((ms) => ms / 1000));
  const bound = 2 * LS_SYNC_S + Math.max(SYNC_MS / 1000, restore) + restore + POLL_S + 1;
  t.diagnostic(`replicas converged ${secs.toFixed(2)} s after the writer indexed block ${head} ` +
    `(bound ${bound.toFixed(2)} s with restores of up to ${restore.toFixed(2)} s)`);
  assert.ok(secs <= bound, `converged after ${secs} s > ${bound} s`);
  for (const id of ids) {
    const w = await body(`${writer.url}/api/v1/image/${id}`);
    assert.equal(w.status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await body(`${hapUrl}/api/v1/image/${id}`)).text, w.text);
  }
});

test('replica swaps under load: wrk through HAProxy for 20 s, swaps every 2 s, no failed request', async (t) => {
  const before0 = await Promise.all(replicas.map((r) => r.ready()));
  const syncs0 = replicas.map((r) => r.syncs);
  // New rows keep arriving while the load runs: the copies really change.
  let mining = true;
  const miner = (async () => {
    let k = 0;
    while (mining) { await newTasks(1, `load ${k++}`); await sleep(1500); }
  })();
  const w = await wrk(hapUrl, 20);
  mining = false;
  await miner;
  const after0 = await Promise.all(replicas.map((r) => r.ready()));
  const swaps = after0.map((a, i) => a.copy_reopens - before0[i].copy_reopens);
  t.diagnostic(`${w.requests} requests, ${w.rps} req/s, non-2xx ${w.non2xx}, socket errors ${w.socketErrors}; ` +
    `reopens per replica ${swaps.join(', ')}; syncs ${replicas.map((r, i) => r.syncs - syncs0[i]).join(', ')}`);
  assert.ok(w.requests > 100, w.out);
  assert.equal(failed(w), 0, w.out);
  // A swap every SYNC_MS for 20 s is 10; a loaded machine restores slower
  // (wrk takes the CPUs), so ask for 3 at least.
  for (const s of swaps) assert.ok(s >= 3, `only ${s} swaps`);
  for (const r of replicas) assert.deepEqual(r.syncErrors, []);
});

test('one replica killed: HAProxy routes around it without failures after its checks; restarted, it rejoins', async (t) => {
  const [, r2] = replicas;
  // Load during the kill: GETs on a dead replica's connections are retried.
  const during = wrk(hapUrl, 6);
  await sleep(2000);
  await r2.daemon.stop('SIGKILL');
  const w1 = await during;
  t.diagnostic(`during the kill: ${w1.requests} requests, ${failed(w1)} failed`);
  // Past fall × inter HAProxy has marked it down.
  await sleep(INTER_MS * 2 + 500);
  const w2 = await wrk(hapUrl, 5);
  t.diagnostic(`after ${INTER_MS * 2} ms of checks: ${w2.requests} requests, ${failed(w2)} failed`);
  assert.ok(w2.requests > 20, w2.out);
  assert.equal(failed(w2), 0, w2.out);
  assert.deepEqual(await servedBy(`${hapUrl}/api/v1/stats`, 10), { '200 replica1': 10 });
  // Restarted on its port, with its copy: back in the rotation.
  await r2.start();
  await waitFor(async () => (await servedBy(`${hapUrl}/api/v1/stats`, 4))['200 replica2'],
    { what: 'replica2 back in the rotation', timeoutMs: 20000, intervalMs: 250 });
});

test('a replica whose copy stops updating answers 503 past ready_max_poll_age and leaves the rotation', async () => {
  const [r1, r2] = replicas;
  await r2.stopSync();
  const stopped = Date.now();
  let last2;
  const j = await waitFor(async () => {
    const x = await r2.ready();
    return x.http === 503 ? x : (last2 = x, null);
  }, { what: 'replica2 not ready', timeoutMs: (MAX_POLL_AGE + 15) * 1000, intervalMs: 250 })
    .catch((e) => { throw new Error(`${e.message}; last /ready: ${JSON.stringify(last2)}`); });
  assert.equal(j.status, 'not ready');
  assert.ok(j.poll_age_seconds > MAX_POLL_AGE, JSON.stringify(j));
  assert.ok(j.reasons.some((x) => /ready_max_poll_age/.test(x) && /sync job/.test(x)), JSON.stringify(j));
  assert.ok((Date.now() - stopped) / 1000 <= MAX_POLL_AGE + 8 + SYNC_MS / 1000, 'took too long');
  // Its content is still there: only the readiness changed.
  assert.equal((await body(`${r2.url}/api/v1/stats`)).status, 200);
  // The other replica is fine; HAProxy sends everything there.
  assert.equal((await r1.ready()).status, 'ready');
  await sleep(INTER_MS * 2 + 500);
  assert.deepEqual(await servedBy(`${hapUrl}/api/v1/stats`, 10), { '200 replica1': 10 });
  // Syncing again, it is ready and back.
  r2.startSync();
  await waitFor(async () => (await r2.ready()).status === 'ready', { what: 'replica2 ready again', timeoutMs: 20000 });
  await waitFor(async () => (await servedBy(`${hapUrl}/api/v1/stats`, 4))['200 replica2'],
    { what: 'replica2 back in the rotation', timeoutMs: 20000, intervalMs: 250 });
});

test('the writer killed: replicas keep serving their last copy; /ready says the writer stopped', async () => {
  await converged();
  const last = {};
  // (JSON only: pages say how long ago things happened, which moves.)
  for (const p of ['/api/v1/stats', '/api/v1/images', '/api/v1/miners']) last[p] = (await body(`${writer.url}${p}`)).text;
  await writer.stop('SIGKILL');
  const killed = Date.now();
  // The copies keep coming (Litestream still has the replica), but the
  // poll they hold ages.
  for (const r of replicas) {
    const j = await waitFor(async () => {
      const x = await r.ready();
      return x.http === 503 ? x : null;
    }, { what: `${r.name} not ready`, timeoutMs: (MAX_POLL_AGE + 15) * 1000, intervalMs: 250 });
    assert.ok(j.reasons.some((x) => /ready_max_poll_age/.test(x) && /writer/.test(x)), JSON.stringify(j));
    assert.ok(j.copy_age_seconds * 2 <= j.poll_age_seconds, `the copy itself should stay fresh: ${JSON.stringify(j)}`);
    for (const [p, text] of Object.entries(last)) {
      const b = await body(`${r.url}${p}`);
      assert.equal(b.status, 200, p);
      assert.equal(b.text, text, `${r.name} ${p}`);
    }
    assert.equal((await body(`${r.url}/gallery`)).status, 200);
  }
  assert.ok((Date.now() - killed) / 1000 <= MAX_POLL_AGE + 10 + SYNC_MS / 1000);
  // No replica is ready: HAProxy serves the stale copies rather than none.
  await sleep(INTER_MS * 2 + 500);
  for (const [p, text] of Object.entries(last)) {
    const b = await body(`${hapUrl}${p}`);
    assert.equal(b.status, 200, `${p} via HAProxy with no replica ready`);
    assert.equal(b.text, text, p);
  }
  for (const r of replicas) assert.deepEqual(r.syncErrors, []);
});
