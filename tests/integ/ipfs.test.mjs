// ipfs.test.mjs - the IPFS monitor against the devnet `full` scenario and two
// gateway stubs: statuses, content types, per-gateway checks, the retry
// schedule, a CID that appears later, and `arbiusd ipfs --recheck`.
//
// Expected values come from what this test tells the stubs to serve and from
// the driver's truth (solutions, model templates), never from the daemon.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { Driver, runScenario } from '../devnet/driver.mjs';
import { startGateway, pngFor } from '../devnet/gateway.mjs';
import { cidQm, fakeSolutionCid, utf8Hex } from '../devnet/lib.mjs';
import { devnetConfig, sql } from './chain.mjs';
import { runCliAsync, startDaemon, tmpDir, waitFor } from './harness.mjs';

const RETRY = [3, 5, 7];           // seconds, short for the test
const SLOW_STUB_MS = 3500;         // what the stub waits for "slow" CIDs (HEAD + GET: 7 s,
                                   // longer than the first retry: retries must not wait for it)
const SLOW_MS = 1200;              // the daemon's slow threshold (far from both)
const TEXT_BODY = (cid) => `devnet output for ${cid}: the capital of the moon is Tranquility Base 🌕\n`;

let net;
let truth;
let gwA;
let gwB;
let dir;
let cfg;
let daemon;
const expect = new Map();          // cid -> { status, okGateways, file, type, body? }
let missingCid;
let errorCid;
let slowCid;
let halfCid;
let lateCid;
let t0;

const q = (s) => `'${String(s).replaceAll("'", "''")}'`;

// Output file and type of every model, from the registration template in
// the truth (the daemon parses the same bytes; this is our own parse).
function modelOutputs() {
  const out = new Map();
  for (const m of truth.models) {
    let file = '';
    let type = null;
    try {
      const o = JSON.parse(m.template)?.output?.[0];
      file = o?.filename ?? '';
      type = o?.type ?? null;
    } catch { /* not JSON: no output file */ }
    out.set(m.id, { file, type });
  }
  return out;
}

before(async () => {
  net = await startDevnet({});
  truth = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: () => {} });
  gwA = await startGateway({ port: 0, default: 'present' });
  gwB = await startGateway({ port: 0, default: 'present' });

  const outputs = modelOutputs();
  const taskModel = new Map(truth.tasks.map((t) => [t.id, t.model]));
  const cids = [];
  for (const s of truth.solutions) {
    if (!s.cid_qm || expect.has(s.cid_qm)) continue;
    const o = outputs.get(taskModel.get(s.task)) ?? { file: '', type: null };
    expect.set(s.cid_qm, { file: o.file, type: o.type, status: 'ok', okGateways: 2 });
    cids.push(s.cid_qm);
  }
  const images = cids.filter((c) => expect.get(c).type === 'image').sort();
  assert.ok(images.length >= 6, `enough image CIDs (${images.length})`);
  assert.ok(cids.some((c) => expect.get(c).type === 'text'), 'a text-output CID');
  [missingCid, errorCid, slowCid, halfCid] = images;
  gwA.configure({ missing: [missingCid, halfCid], error: [errorCid], slow: { [slowCid]: SLOW_STUB_MS } });
  gwB.configure({ missing: [missingCid], error: [errorCid], slow: { [slowCid]: SLOW_STUB_MS } });
  Object.assign(expect.get(missingCid), { status: 'missing', okGateways: 0 });
  Object.assign(expect.get(errorCid), { status: 'error', okGateways: 0 });
  Object.assign(expect.get(slowCid), { status: 'slow', okGateways: 2 });
  Object.assign(expect.get(halfCid), { status: 'ok', okGateways: 1 });

  dir = tmpDir('arbiusd-ipfs-');
  cfg = devnetConfig(dir, net.deploy, net.rpcUrl, {
    ipfs: {
      gateways: `${gwA.url},${gwB.url}/ipfs/`,
      retry: RETRY.join(','),
      slow_ms: SLOW_MS,
      timeout: 5,
      interval: 1,
      concurrency: 4,
      range_bytes: 1024,
      bandwidth: 0,
    },
  });
  t0 = Math.floor(Date.now() / 1000);
  daemon = await startDaemon({ configFile: cfg.file });
});

after(async () => {
  await daemon?.stop();
  await gwA?.close();
  await gwB?.close();
  await net?.stop();
});

function rows() {
  return new Map(sql(cfg.dbPath, 'SELECT * FROM ipfs_cids').map((r) => [r.cid, r]));
}

test('every solution CID gets a row with the status the stubs dictate', async () => {
  await waitFor(() => {
    const r = rows();
    return [...expect.keys()].every((c) => r.get(c)?.last_check != null);
  }, { timeoutMs: 60000, what: 'a first round for every CID' });
  const r = rows();
  // Exactly the solution CIDs (malformed cids have no Qm text, no row).
  assert.deepEqual([...r.keys()].sort(), [...expect.keys()].sort());
  for (const [cid, e] of expect) {
    const row = r.get(cid);
    assert.equal(row.status, e.status, `${cid} status`);
    assert.equal(row.ok_gateways, e.okGateways, `${cid} ok_gateways`);
    assert.equal(row.path, e.file, `${cid} path is the template's output file`);
    assert.ok(row.first_seen >= t0 - 1 && row.last_check >= row.first_seen, `${cid} times`);
    if (e.status === 'ok' || e.status === 'slow') {
      const want = e.type === 'text' ? Buffer.from(TEXT_BODY(cid)) : pngFor(`${cid}/${e.file}`);
      assert.equal(row.size, want.length, `${cid} size from Content-Range`);
      assert.equal(row.next_check, null, `${cid} served: not rechecked`);
      assert.equal(row.attempts, 1);
      if (e.type === 'text') {
        assert.match(row.content_type, /^text\/plain/);
        assert.equal(row.text, TEXT_BODY(cid), `${cid} text output stored`);
      } else {
        assert.equal(row.content_type, 'image/png');
        assert.equal(row.text, null);
      }
      if (e.status === 'slow') assert.ok(row.latency_ms >= SLOW_MS, `${cid} slow latency ${row.latency_ms}`);
      else assert.ok(row.latency_ms < SLOW_MS, `${cid} latency ${row.latency_ms}`);
    } else {
      assert.equal(row.text, null);
      // The slow CID's round takes 7 s, so retries may already be done.
      assert.ok(row.attempts >= 1 && row.attempts <= RETRY.length + 1, `${cid} attempts ${row.attempts}`);
      const want = row.attempts <= RETRY.length ? row.last_check + RETRY[row.attempts - 1] : null;
      assert.equal(row.next_check, want, `${cid} retry due after RETRY[attempts-1]`);
    }
  }
});

test('checks are recorded per gateway: HEAD, then a ranged GET when found', async () => {
  const checks = sql(cfg.dbPath, 'SELECT * FROM ipfs_checks ORDER BY id');
  const gws = [gwA.url, `${gwB.url}/ipfs`];
  const okCid = [...expect].find(([, e]) => e.status === 'ok' && e.okGateways === 2 && e.type === 'image')[0];
  // A round's checks all come before the next round's (>= RETRY[0] s later):
  // the first n by id are the first round.
  const firstRound = (cid, n) => checks.filter((x) => x.cid === cid).slice(0, n);
  // A present CID: HEAD 200 + GET 206 on each gateway.
  let c = firstRound(okCid, 4);
  for (const g of gws) {
    const mine = c.filter((x) => x.gateway === g);
    assert.deepEqual(mine.map((x) => [x.method, x.http_status, x.result]), [['HEAD', 200, 'ok'], ['GET', 206, 'ok']], `${g} ${okCid}`);
    assert.equal(mine[1].content_type, 'image/png');
    assert.equal(mine[1].bytes, pngFor(`${okCid}/${expect.get(okCid).file}`).length);
  }
  // Missing on A only: A answers HEAD 404 and gets no GET; B serves it.
  c = firstRound(halfCid, 3);
  assert.deepEqual(c.filter((x) => x.gateway === gws[0]).map((x) => [x.method, x.http_status, x.result]), [['HEAD', 404, 'missing']]);
  assert.deepEqual(c.filter((x) => x.gateway === gws[1]).map((x) => [x.method, x.http_status]), [['HEAD', 200], ['GET', 206]]);
  // Error (504) and slow.
  c = firstRound(errorCid, 2);
  assert.deepEqual(c.map((x) => [x.method, x.http_status, x.result]).sort(), [['HEAD', 504, 'error'], ['HEAD', 504, 'error']]);
  assert.ok(c.every((x) => x.error === 'HTTP 504'));
  c = firstRound(slowCid, 4);
  assert.equal(c.filter((x) => x.method === 'GET' && x.result === 'slow').length, 2);
  assert.ok(c.every((x) => x.latency_ms >= SLOW_STUB_MS - 50), 'slow latencies measured');
  // Every check names one of the configured gateways.
  assert.ok(checks.every((x) => gws.includes(x.gateway)));
  // Gateway stubs saw the requests the DB says were made.
  const hits = (gw, cid) => gw.stats().by_cid[cid] ?? 0;
  assert.ok(hits(gwA, okCid) >= 2 && hits(gwB, okCid) >= 2);
});

test('a CID that appears later is found, then becomes ok when served', async () => {
  const d = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
  const [alice] = d.acc.users;
  const [m1] = d.acc.miners;
  const cidHex = fakeSolutionCid(`ipfs late ${Date.now()}`);
  lateCid = cidQm(cidHex);
  gwA.set(lateCid, 'missing');
  gwB.set(lateCid, 'missing');
  const task = await d.submitTask(alice, { model: 'image', input: utf8Hex(JSON.stringify({ prompt: 'late solution' })) });
  await d.submitSolution(m1, task, cidHex);
  // Confirmations: mine a few empty blocks so the scanner indexes it.
  for (let i = 0; i < 3; i++) await d.mineEmpty();
  const first = await waitFor(() => {
    const r = sql(cfg.dbPath, `SELECT * FROM ipfs_cids WHERE cid = ${q(lateCid)}`)[0];
    return r?.attempts >= 1 ? r : null;
  }, { timeoutMs: 30000, what: 'the late CID checked' });
  assert.equal(first.status, 'missing');
  assert.equal(first.path, net.deploy.models.image.output_file);
  gwB.set(lateCid, 'present');
  const done = await waitFor(() => {
    const r = sql(cfg.dbPath, `SELECT * FROM ipfs_cids WHERE cid = ${q(lateCid)}`)[0];
    return r?.status === 'ok' ? r : null;
  }, { timeoutMs: 20000, what: 'the late CID ok' });
  assert.equal(done.attempts, 2);
  assert.equal(done.ok_gateways, 1);
  assert.equal(done.next_check, null);
  const times = sql(cfg.dbPath, `SELECT time FROM ipfs_checks WHERE cid = ${q(lateCid)} AND method = 'HEAD' AND gateway = ${q(gwA.url)} ORDER BY id`).map((x) => x.time);
  assert.equal(times.length, 2);
  const gap = times[1] - times[0];
  assert.ok(gap >= RETRY[0] - 1 && gap <= RETRY[0] + 2, `retry after ${RETRY[0]} s: ${times}`);
});

test('missing and error CIDs are retried exactly on the schedule, then given up', async () => {
  const total = RETRY.reduce((a, b) => a + b, 0);
  for (const cid of [missingCid, errorCid]) {
    const r = await waitFor(() => {
      const x = sql(cfg.dbPath, `SELECT * FROM ipfs_cids WHERE cid = ${q(cid)}`)[0];
      return x.attempts === RETRY.length + 1 ? x : null;
    }, { timeoutMs: (total + 15) * 1000, what: `${cid} to use every retry` });
    assert.equal(r.next_check, null, 'given up after the last delay');
    assert.equal(r.status, cid === missingCid ? 'missing' : 'error');
    // One HEAD per gateway per round, at the scheduled offsets.
    for (const g of [gwA.url, `${gwB.url}/ipfs`]) {
      const times = sql(cfg.dbPath, `SELECT time FROM ipfs_checks WHERE cid = ${q(cid)} AND gateway = ${q(g)} ORDER BY id`).map((x) => x.time);
      assert.equal(times.length, RETRY.length + 1, `${cid} on ${g}: ${times}`);
      for (let i = 0; i < RETRY.length; i++) {
        const gap = times[i + 1] - times[i];
        // Never early (1 s of slack: whole-second times of two gateways'
        // requests); late by at most 2 s on a loaded machine.
        assert.ok(gap >= RETRY[i] - 1 && gap <= RETRY[i] + 2, `gap ${i} of ${cid}: ${gap} s, want ${RETRY[i]} (${times})`);
      }
    }
  }
  // Nothing served is ever re-checked: one round each.
  const okRounds = sql(cfg.dbPath, "SELECT max(attempts) AS a FROM ipfs_cids WHERE status IN ('ok', 'slow')")[0].a;
  assert.equal(okRounds <= 2, true);
  const served = [...expect].filter(([, e]) => e.status === 'ok' || e.status === 'slow').map(([c]) => c);
  const n = sql(cfg.dbPath, `SELECT count(*) AS n FROM ipfs_checks WHERE cid IN (${served.map(q).join(',')})`)[0].n;
  const want = served.reduce((a, c) => a + (c === halfCid ? 3 : 4), 0);
  assert.equal(n, want, 'served CIDs: one round of checks, no rechecks');
});

test('/api/v1/status reports the monitor counts', async () => {
  const st = await (await fetch(`${daemon.url}/api/v1/status`)).json();
  const db = sql(cfg.dbPath, 'SELECT status, count(*) AS n FROM ipfs_cids GROUP BY status');
  for (const { status, n } of db) assert.equal(st.ipfs.cids[status], n, status);
  const checks = sql(cfg.dbPath, 'SELECT count(*) AS n FROM ipfs_checks')[0].n;
  assert.equal(st.ipfs.checks.total, checks);
  assert.ok(checks < st.ipfs.checks.window);
  const byResult = sql(cfg.dbPath, 'SELECT result, count(*) AS n FROM ipfs_checks GROUP BY result');
  for (const { result, n } of byResult) assert.equal(st.ipfs.checks.recent[result], n, result);
  assert.equal(st.ipfs.checks.recent.total, checks);
  const byGw = sql(cfg.dbPath, 'SELECT gateway, result, count(*) AS n FROM ipfs_checks GROUP BY gateway, result');
  assert.deepEqual(Object.keys(st.ipfs.checks.gateways).sort(), [gwA.url, `${gwB.url}/ipfs`].sort());
  for (const { gateway, result, n } of byGw) assert.equal(st.ipfs.checks.gateways[gateway][result], n, `${gateway} ${result}`);
  assert.equal(st.ipfs.given_up, 2);
  assert.equal(st.ipfs.due, sql(cfg.dbPath, `SELECT count(*) AS n FROM ipfs_cids WHERE next_check <= ${Math.floor(Date.now() / 1000)}`)[0].n);
});

test('the gallery API shows the monitor\'s status, text and history per task', async () => {
  const taskOf = new Map();
  for (const s of truth.solutions) if (s.cid_qm && !taskOf.has(s.cid_qm)) taskOf.set(s.cid_qm, s.task);
  const db = rows();
  for (const [cid, e] of expect) {
    const r = await fetch(`${daemon.url}/api/v1/image/${taskOf.get(cid)}`);
    if (r.status === 404) continue; // a hidden task: not the monitor's business
    const d = await r.json();
    assert.equal(d.ipfs.status, e.status, cid);
    assert.equal(d.ipfs.attempts, db.get(cid).attempts, cid);
    const n = sql(cfg.dbPath, `SELECT count(*) AS n FROM ipfs_checks WHERE cid = ${q(cid)}`)[0].n;
    assert.equal(d.ipfs.history.length, Math.min(n, 50), cid);
    if (e.type === 'text' && e.status === 'ok') assert.equal(d.ipfs.text, TEXT_BODY(cid));
    if (e.status === 'missing') assert.ok(d.ipfs.history.every((h) => h.result === 'missing'), cid);
  }
});

test('SIGTERM stops the daemon promptly while a check is in flight', async () => {
  // A new solution whose output the stubs answer only after 30 s: the
  // monitor's HEAD is in flight when the signal comes.
  const d = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
  const cidHex = fakeSolutionCid(`ipfs hang ${Date.now()}`);
  const hang = cidQm(cidHex);
  gwA.set(hang, { slowMs: 30000 });
  gwB.set(hang, { slowMs: 30000 });
  const task = await d.submitTask(d.acc.users[1], { model: 'image', input: utf8Hex(JSON.stringify({ prompt: 'hang' })) });
  await d.submitSolution(d.acc.miners[0], task, cidHex);
  await d.mineEmpty(3);
  await waitFor(() => (gwA.stats().by_cid[hang] ?? 0) + (gwB.stats().by_cid[hang] ?? 0) > 0,
                { timeoutMs: 30000, what: 'a request for the hanging CID' });
  const t = Date.now();
  const r = await daemon.stop('SIGTERM');
  const ms = Date.now() - t;
  assert.equal(r.code, 0);
  assert.ok(ms < 3000, `stopped in ${ms} ms`);
  daemon = null;
  // The interrupted round wrote nothing: the CID is still pending.
  const row = sql(cfg.dbPath, `SELECT status, attempts FROM ipfs_cids WHERE cid = ${q(hang)}`)[0];
  assert.deepEqual(row, { status: 'pending', attempts: 0 });
  gwA.set(hang, 'present');
  gwB.set(hang, 'present');
});

test('arbiusd ipfs --recheck works on the stopped daemon\'s database', async () => {
  // The missing CID is now served by B, the error one still fails.
  gwB.set(missingCid, 'present');
  // Without --recheck only what is due: the CID the SIGTERM interrupted.
  const pending = sql(cfg.dbPath, "SELECT cid FROM ipfs_cids WHERE status = 'pending'").map((x) => x.cid);
  assert.equal(pending.length, 1);
  let r = await runCliAsync(['--config', cfg.file, 'ipfs']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /checked 1 CIDs/);
  assert.equal(rows().get(pending[0]).status, 'ok');
  r = await runCliAsync(['--config', cfg.file, 'ipfs']);
  assert.match(r.stdout, /checked 0 CIDs/, 'nothing due now');
  const before = rows();
  const nChecks = sql(cfg.dbPath, 'SELECT count(*) AS n FROM ipfs_checks')[0].n;
  r = await runCliAsync(['--config', cfg.file, 'ipfs', '--recheck']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`ipfs: ${before.size}/${before.size} CIDs`), 'progress line');
  assert.match(r.stdout, new RegExp(`checked ${before.size} CIDs on 2 gateway`));
  const after = rows();
  for (const [cid, row] of after) assert.equal(row.attempts, before.get(cid).attempts + 1, cid);
  assert.equal(after.get(missingCid).status, 'ok');
  assert.equal(after.get(missingCid).ok_gateways, 1);
  assert.equal(after.get(errorCid).status, 'error');
  assert.equal(after.get(slowCid).status, 'slow');
  const added = sql(cfg.dbPath, 'SELECT count(*) AS n FROM ipfs_checks')[0].n - nChecks;
  assert.ok(added >= 2 * before.size, `${added} checks for ${before.size} CIDs`);
  // --quiet prints nothing; bad options exit 2.
  r = await runCliAsync(['--config', cfg.file, 'ipfs', '--quiet']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout + r.stderr, '');
  r = await runCliAsync(['--config', cfg.file, 'ipfs', '--bogus']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option '--bogus'/);
  r = await runCliAsync(['--config', cfg.file, 'ipfs', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--recheck/);
});

test('gateway quirks: Range ignored, HEAD refused, timeouts (CLI)', async () => {
  const oks = [...expect].filter(([c, e]) => e.status === 'ok' && e.okGateways === 2 && e.type === 'image').map(([c]) => c);
  const [noRange, noHead, slowOne] = oks;
  const BIG = 200000;
  for (const gw of [gwA, gwB]) {
    gw.configure({ noRange: [noRange], bytes: { [noRange]: BIG }, noHead: [noHead], slow: { [slowOne]: 4000 } });
  }
  const before = rows();
  const r = await runCliAsync(['--config', cfg.file, 'ipfs', '--recheck', '--quiet'],
                              { env: { ARBIUSD_IPFS_TIMEOUT: '1', ARBIUSD_IPFS_RANGE_BYTES: '1024' } });
  assert.equal(r.code, 0, r.stderr);
  const after = rows();
  const checksOf = (cid) => sql(cfg.dbPath, `SELECT * FROM ipfs_checks WHERE cid = ${q(cid)} ORDER BY id`)
    .slice(-4);
  // A gateway ignoring Range: 200, the transfer is cut near the cap, the
  // size comes from Content-Length.
  assert.equal(after.get(noRange).status, 'ok');
  assert.equal(after.get(noRange).size, BIG);
  const gets = checksOf(noRange).filter((x) => x.method === 'GET');
  assert.equal(gets.length, 2);
  for (const g of gets) {
    assert.equal(g.http_status, 200);
    assert.equal(g.result, 'ok');
    assert.ok(g.bytes >= 1024 && g.bytes <= 65536, `cut at the cap: ${g.bytes} bytes`);
  }
  // HEAD refused (405): the GET decides.
  assert.equal(after.get(noHead).status, 'ok');
  const nh = checksOf(noHead);
  assert.equal(nh.filter((x) => x.method === 'HEAD' && x.http_status === 405).length, 2);
  assert.equal(nh.filter((x) => x.method === 'GET' && x.http_status === 206 && x.result === 'ok').length, 2);
  // Slower than [ipfs] timeout on every gateway: timeouts, so missing,
  // and scheduled for a retry (the attempts continue from before).
  const so = after.get(slowOne);
  assert.equal(so.status, 'missing');
  assert.equal(so.attempts, before.get(slowOne).attempts + 1);
  const t = checksOf(slowOne).filter((x) => x.time >= so.last_check);
  assert.equal(t.length, 2);
  for (const x of t) {
    assert.equal(x.result, 'timeout');
    assert.equal(x.http_status, null);
    assert.ok(x.latency_ms >= 900 && x.latency_ms < 4000, `timeout after ${x.latency_ms} ms`);
    assert.ok(x.error);
  }
  for (const gw of [gwA, gwB]) gw.set(slowOne, 'present');
});

test('bandwidth cap holds the received bytes per second (CLI)', async (t) => {
  const run = async (bw) => {
    const t0 = Date.now();
    const r = await runCliAsync(['--config', cfg.file, 'ipfs', '--recheck'],
                                { env: { ARBIUSD_IPFS_BANDWIDTH: String(bw), ARBIUSD_IPFS_RANGE_BYTES: '1024' } });
    assert.equal(r.code, 0, r.stderr);
    const m = /\((\d+) requests, ([\d.]+) checks\/s, (\d+) bytes received\)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    return { ms: Date.now() - t0, requests: Number(m[1]), cps: Number(m[2]), bytes: Number(m[3]) };
  };
  const free = await run(0);
  const BW = 8000;
  const capped = await run(BW);
  t.diagnostic(`uncapped: ${free.requests} requests, ${free.bytes} bytes in ${free.ms} ms (${free.cps} checks/s); ` +
               `capped at ${BW} B/s: ${capped.bytes} bytes in ${capped.ms} ms`);
  // One second of burst is allowed; the rest must take bytes/BW seconds.
  const minMs = ((capped.bytes - BW) / BW) * 1000;
  assert.ok(capped.bytes > 2 * BW, `enough traffic to measure (${capped.bytes} bytes)`);
  assert.ok(capped.ms >= minMs * 0.9, `${capped.bytes} bytes took ${capped.ms} ms, cap needs >= ${minMs}`);
  assert.ok(capped.ms > free.ms, 'the cap slows the pass down');
});

test('restart-safe: a restarted daemon resumes the schedule and rechecks nothing served', async () => {
  const d = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
  const cidHex = fakeSolutionCid(`ipfs restart ${Date.now()}`);
  const cid = cidQm(cidHex);
  gwA.set(cid, 'missing');
  gwB.set(cid, 'missing');
  const task = await d.submitTask(d.acc.users[2], { model: 'text', input: utf8Hex(JSON.stringify({ prompt: 'restart' })) });
  await d.submitSolution(d.acc.miners[1], task, cidHex);
  await d.mineEmpty(3);
  const servedBefore = sql(cfg.dbPath, "SELECT count(*) AS n FROM ipfs_checks c JOIN ipfs_cids i ON i.cid = c.cid WHERE i.status IN ('ok', 'slow')")[0].n;
  let dm = await startDaemon({ configFile: cfg.file });
  const first = await waitFor(() => {
    const r = sql(cfg.dbPath, `SELECT * FROM ipfs_cids WHERE cid = ${q(cid)}`)[0];
    return r?.attempts === 1 ? r : null;
  }, { timeoutMs: 30000, what: 'the first round of the new CID' });
  assert.equal((await dm.stop()).code, 0);
  assert.equal(first.status, 'missing');
  assert.equal(first.next_check, first.last_check + RETRY[0]);
  gwA.set(cid, 'present');
  dm = await startDaemon({ configFile: cfg.file });
  const done = await waitFor(() => {
    const r = sql(cfg.dbPath, `SELECT * FROM ipfs_cids WHERE cid = ${q(cid)}`)[0];
    return r?.status === 'ok' ? r : null;
  }, { timeoutMs: 20000, what: 'the CID ok after the restart' });
  assert.equal((await dm.stop()).code, 0);
  assert.equal(done.attempts, 2);
  assert.ok(done.last_check >= first.next_check, 'not checked before its retry was due');
  assert.match(done.content_type, /^text\/plain/);
  assert.equal(done.text, TEXT_BODY(cid));
  const servedAfter = sql(cfg.dbPath, `SELECT count(*) AS n FROM ipfs_checks c JOIN ipfs_cids i ON i.cid = c.cid WHERE i.status IN ('ok', 'slow') AND c.cid <> ${q(cid)}`)[0].n;
  assert.equal(servedAfter, servedBefore, 'the restarted daemon rechecked no served CID');
});

test('config: the monitor can be turned off, bad values stop startup', async () => {
  const d2 = tmpDir('arbiusd-ipfs-off-');
  const c2 = devnetConfig(d2, net.deploy, net.rpcUrl, { ipfs: { gateways: gwA.url, monitor: 'off' } });
  const dm = await startDaemon({ configFile: c2.file });
  await waitFor(() => sql(c2.dbPath, 'SELECT count(*) AS n FROM solutions')[0]?.n > 0, { what: 'indexing' });
  await new Promise((ok) => setTimeout(ok, 1500));
  assert.equal(sql(c2.dbPath, 'SELECT count(*) AS n FROM ipfs_cids')[0].n, 0);
  assert.equal((await dm.stop()).code, 0);
  for (const [k, v, re] of [['retry', '60,30', /must not decrease/], ['retry', '5,x', /not a whole number/],
    ['monitor', 'maybe', /not on or off/], ['range_bytes', '0', /from 1 to/]]) {
    const c3 = devnetConfig(tmpDir('arbiusd-ipfs-bad-'), net.deploy, net.rpcUrl, { ipfs: { [k]: v } });
    const r = await runCliAsync(['--config', c3.file, 'ipfs']);
    assert.equal(r.code, 3, `${k}=${v}`);
    assert.match(r.stderr, new RegExp(`${k}: .*`));
    assert.match(r.stderr, re);
  }
  fs.rmSync(d2, { recursive: true, force: true });
  void path;
});
