// ops.test.mjs - operations: /metrics passes `promtool check metrics`,
// /ready flips to 503 while the devnet head runs ahead and back to 200,
// per-IP rate limits answer 429 with Retry-After (X-Forwarded-For only from
// trusted proxies), gzip and content-hashed static files, a backup taken
// while the scanner writes restores to a database that passes
// integrity_check and equals a clean index up to its checkpoint, restore's
// refusals, scheduled backups with retention, READY=1/WATCHDOG=1/STOPPING=1
// on NOTIFY_SOCKET, and the unit's systemd-analyze exposure score.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { startProxy } from '../devnet/proxy.mjs';
import { devnetConfig, dumpContent, freshIndex, sql } from './chain.mjs';
import { BIN, ROOT, runCliAsync, startDaemon, testConfig, tmpDir, waitFor } from './harness.mjs';

const quiet = () => {};
let net;
let px;
let indexedCfg; // a database indexed to the devnet head by the first test

before(async () => {
  net = await startDevnet({});
  await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: quiet });
  px = await startProxy({ target: net.rpcUrl, port: 0 });
});

after(async () => {
  await px?.close();
  await net?.stop();
});

const headOf = async () => Number(BigInt(await net.rpc.call('eth_blockNumber', [])));

async function mine(n) {
  for (let i = 0; i < n; i += 100) {
    await net.rpc.batch(Array.from({ length: Math.min(100, n - i) }, () => ['evm_mine', []]));
  }
}

// A raw GET that keeps the body compressed and every header visible.
function rawGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

test('/metrics passes promtool and carries every family', async () => {
  const dir = tmpDir();
  const cfg = devnetConfig(dir, net.deploy, net.rpcUrl);
  indexedCfg = cfg;
  const d = await startDaemon({ configFile: cfg.file });
  try {
    const head = await headOf();
    await waitFor(async () => (await (await fetch(`${d.url}/api/v1/status`)).json()).indexed_block >= head,
                  { what: 'caught up', timeoutMs: 60000 });
    for (const p of ['/', '/api/v1/stats', '/nope', '/status', '/ready', '/health']) await fetch(d.url + p);
    const text = await (await fetch(`${d.url}/metrics`)).text();
    assert.ok(which('promtool'), 'promtool is missing: run tools/deps.sh test');
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `promtool:\n${r.stdout}${r.stderr}`);
    for (const fam of ['arbiusd_http_requests_total{route="/",status="200"}',
      'arbiusd_http_requests_total{route="unmatched",status="404"}',
      'arbiusd_http_request_duration_seconds_bucket{route="/api/v1/stats",le="+Inf"}',
      'arbiusd_scanner_head_block', 'arbiusd_indexed_block', 'arbiusd_index_lag_blocks',
      'arbiusd_index_lag_seconds', 'arbiusd_indexed_events{type="task"}', 'arbiusd_reorgs_total',
      'arbiusd_rpc_requests_total{endpoint=', 'arbiusd_rpc_errors_total{endpoint=',
      'arbiusd_rpc_latency_avg_seconds{endpoint=', 'arbiusd_ipfs_cids{status="ok"}',
      'arbiusd_ipfs_checks_total', 'arbiusd_ipfs_recent_checks{result="timeout"}', 'arbiusd_sse_clients', 'arbiusd_database_size_bytes',
      'arbiusd_http_rate_limited_total{class="api"}']) {
      assert.ok(text.includes(fam), `missing ${fam}`);
    }
    // Values agree with the database.
    const st = sql(cfg.dbPath, 'SELECT indexed_block, head_block FROM scan_state')[0];
    const tasks = sql(cfg.dbPath, 'SELECT count(*) AS n FROM tasks')[0].n;
    const metric = (name) => Number(new RegExp(`^${name.replace(/[{}"=]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(metric('arbiusd_indexed_block'), st.indexed_block);
    assert.equal(metric('arbiusd_indexed_events{type="task"}'), tasks);
    assert.equal(metric('arbiusd_database_size_bytes'), fs.statSync(cfg.dbPath).size);
    // The RPC latency histogram counts every request of the endpoint.
    const ep = /arbiusd_rpc_requests_total\{endpoint="([^"]+)"\} (\d+)/.exec(text);
    assert.ok(ep, 'rpc requests');
    const cnt = new RegExp(`^arbiusd_rpc_request_duration_seconds_count\\{endpoint="${ep[1].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"\\} (\\d+)$`, 'm').exec(text);
    assert.ok(cnt, 'rpc latency histogram');
    assert.equal(Number(cnt[1]), Number(ep[2]));
    assert.match(text, /^arbiusd_rpc_request_duration_seconds_bucket\{endpoint="[^"]+",le="\+Inf"\} \d+$/m);
    // The status page shows the same head, coverage without gaps.
    const page = await (await fetch(`${d.url}/status`)).text();
    assert.match(page, new RegExp(`data-status="indexed_block">${st.indexed_block}<`));
    assert.match(page, /No gaps/);
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
});

function runChromium(args) {
  return new Promise((resolve) => {
    const p = spawn('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${tmpDir('chromium-')}`, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const t = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.stdout.on('data', (c) => { stdout += c; });
    p.stderr.on('data', (c) => { stderr += c; });
    p.on('exit', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
  });
}

test('headless Chromium renders /status: hashed stylesheet under the CSP, the figures', async (t) => {
  if (!which('chromium')) {
    t.skip('chromium is not installed');
    return;
  }
  const d = await startDaemon({ configFile: indexedCfg.file, args: ['--read-only'], env: { ARBIUSD_LOG_LEVEL: 'debug' } });
  try {
    const dom = await runChromium(['--enable-logging=stderr', '--v=0', '--timeout=4000', '--dump-dom',
      '--window-size=390,1600', `${d.url}/status`]);
    assert.equal(dom.code, 0, dom.stderr.slice(-2000));
    const st = sql(indexedCfg.dbPath, 'SELECT indexed_block FROM scan_state')[0];
    assert.match(dom.stdout, new RegExp(`data-status="indexed_block">${st.indexed_block}<`));
    assert.match(dom.stdout, /RPC endpoints/);
    assert.match(dom.stdout, /Coverage/);
    assert.doesNotMatch(dom.stderr, /Refused to|Uncaught|Content Security Policy/);
    await waitFor(() => /GET \/static\/style\.[0-9a-f]{10}\.css -> 200/.test(d.stderr),
                  { timeoutMs: 5000, what: 'hashed stylesheet fetched' });
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
});

test('/status, /api/v1/status and /metrics show the reorg journal, the IPFS monitor and coverage gaps', async () => {
  // A copy of the indexed database with rows the scanner (reorgs, coverage)
  // and the IPFS monitor (ipfs_cids, ipfs_checks) write, served read-only.
  const dir = tmpDir();
  const db = path.join(dir, 'copy.db');
  const b = await runCliAsync(['--config', indexedCfg.file, 'backup', db]);
  assert.equal(b.code, 0, b.stderr);
  const cids = sql(db, 'SELECT cid_text FROM solutions WHERE cid_text IS NOT NULL ORDER BY task LIMIT 4').map((r) => r.cid_text);
  assert.equal(cids.length, 4);
  const st = sql(db, 'SELECT indexed_block, start_block FROM scan_state')[0];
  execFileSync('sqlite3', [db, `
    INSERT INTO reorgs (detected_at, ancestor_block, old_head, old_hash, new_hash, depth, removed_rows)
      VALUES (1700000000, ${st.indexed_block - 5}, ${st.indexed_block - 2}, '0xold', '0xnew', 3, 11);
    INSERT INTO ipfs_cids (cid, status, first_seen, next_check) VALUES
      ('${cids[0]}', 'ok', 1, NULL), ('${cids[1]}', 'ok', 1, NULL), ('${cids[2]}', 'missing', 1, 1), ('${cids[3]}', 'pending', 1, 1);
    INSERT INTO ipfs_checks (cid, gateway, time, method, http_status, result) VALUES
      ('${cids[0]}', 'http://g', 1700000100, 'HEAD', 200, 'ok'),
      ('${cids[2]}', 'http://g', 1700000200, 'HEAD', NULL, 'timeout'),
      ('${cids[2]}', 'http://g', 1700000300, 'GET', 404, 'missing');
    UPDATE coverage SET from_block = from_block + 3 WHERE from_block = (SELECT min(from_block) FROM coverage);
    INSERT INTO coverage VALUES (${st.start_block}, ${st.start_block + 1}, 0, '0x', 'test', 0);`]);
  const cfg = testConfig(dir, { database: { path: db } });
  const d = await startDaemon({ configFile: cfg.file, args: ['--read-only'] });
  try {
    const j = await (await fetch(`${d.url}/api/v1/status`)).json();
    assert.equal(j.reorgs.count, 1);
    assert.equal(j.reorgs.recent[0].depth, 3);
    assert.equal(j.reorgs.recent[0].removed_rows, 11);
    assert.deepEqual(j.ipfs.cids, { pending: 1, ok: 2, slow: 0, missing: 1, error: 0, total: 4 });
    assert.equal(j.ipfs.checks.total, 3);
    assert.deepEqual(j.ipfs.checks.recent, { ok: 1, slow: 0, missing: 1, timeout: 1, error: 0, total: 3 });
    assert.equal(j.ipfs.due, 2);
    assert.equal(j.ipfs.last_check, 1700000300);
    assert.deepEqual(j.gaps, [[st.start_block + 2, st.start_block + 2]]);
    assert.equal(j.coverage.length, 2);
    const m = await (await fetch(`${d.url}/metrics`)).text();
    assert.match(m, /^arbiusd_reorgs_total 1$/m);
    assert.match(m, /^arbiusd_reorg_removed_rows_total 11$/m);
    assert.match(m, /^arbiusd_ipfs_cids\{status="ok"\} 2$/m);
    assert.match(m, /^arbiusd_ipfs_checks_total 3$/m);
    assert.match(m, /^arbiusd_ipfs_recent_checks\{result="timeout"\} 1$/m);
    const r = spawnSync('promtool', ['check', 'metrics'], { input: m, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const page = await (await fetch(`${d.url}/status`)).text();
    assert.match(page, /The index has gaps/);
    assert.match(page, new RegExp(`<td>${st.start_block + 2}</td><td>${st.start_block + 2}</td>`));
    assert.match(page, /1 reorganisation rolled back, 11 rows removed/);
    assert.match(page, /data-ipfs="ok">2</);
    assert.match(page, /data-ipfs="missing">1</);
    assert.match(page, /read-only replica/i);
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
});

test('/ready: 503 while the head runs ahead beyond the bound, 200 once caught up; stale polls', async () => {
  const dir = tmpDir();
  const cfg = devnetConfig(dir, net.deploy, px.url, {
    server: { ready_max_lag: 20, ready_max_poll_age: 3600 },
    chain: { max_range: 40 },
  });
  px.setMode({ mode: 'ok' });
  const d = await startDaemon({ configFile: cfg.file });
  try {
    await waitFor(async () => (await fetch(`${d.url}/ready`)).status === 200, { what: 'ready', timeoutMs: 60000 });
    const body = await (await fetch(`${d.url}/ready`)).json();
    assert.equal(body.status, 'ready');
    assert.equal(body.max_lag_blocks, 20);
    // Slow every eth_getLogs down, then make the chain 300 blocks longer:
    // each range of 40 takes 1.2 s, so the index trails the head for seconds.
    px.setMode({ mode: 'timeout', ms: 1200, methods: ['eth_getLogs'] });
    await mine(300);
    const head = await headOf();
    const behind = await waitFor(async () => {
      const r = await fetch(`${d.url}/ready`);
      const j = await r.json();
      return r.status === 503 && j.lag_blocks > 20 && j.head_block >= head ? j : null;
    }, { what: '503 while lagging', timeoutMs: 30000, intervalMs: 50 });
    assert.equal(behind.status, 'not ready');
    assert.ok(behind.reasons.some((x) => /ready_max_lag/.test(x)), JSON.stringify(behind));
    const m = await (await fetch(`${d.url}/metrics`)).text();
    assert.match(m, /^arbiusd_ready 0$/m);
    // While backfilling, the status says how fast and how long.
    const prog = await waitFor(async () => {
      const j = await (await fetch(`${d.url}/api/v1/status`)).json();
      return j.blocks_per_second > 0 && j.eta_seconds > 0 && j.backfilling ? j : null;
    }, { what: 'blocks/s and ETA while backfilling', timeoutMs: 15000, intervalMs: 100 });
    assert.equal(prog.ready, false);
    assert.ok(prog.lag_blocks > 20);
    px.setMode({ mode: 'ok' });
    // (200 may also show briefly between polls while the scanner has not
    // seen the newest head yet: wait for the one about the final head.)
    const ok = await waitFor(async () => {
      const r = await fetch(`${d.url}/ready`);
      const j = await r.json();
      return r.status === 200 && j.head_block >= head ? j : null;
    }, { what: '200 after catching up', timeoutMs: 60000 });
    assert.ok(ok.indexed_block >= head - 20);
    const st = await (await fetch(`${d.url}/api/v1/status`)).json();
    assert.equal(st.ready, true);
    assert.ok(st.indexed_block >= head - 20);
  } finally {
    px.setMode({ mode: 'ok' });
    assert.equal((await d.stop()).code, 0);
  }
  // A read-only replica whose writer stopped: the last good poll ages out.
  const cfg2 = testConfig(dir, { database: { path: cfg.dbPath }, server: { ready_max_poll_age: 1 } });
  const r = await startDaemon({ configFile: cfg2.file, args: ['--read-only'] });
  try {
    const j = await waitFor(async () => {
      const res = await fetch(`${r.url}/ready`);
      return res.status === 503 ? res.json() : null;
    }, { what: 'stale poll 503', timeoutMs: 10000 });
    assert.ok(j.reasons.some((x) => /ready_max_poll_age/.test(x)), JSON.stringify(j));
    assert.equal((await (await fetch(`${r.url}/api/v1/status`)).json()).read_only, true);
  } finally {
    assert.equal((await r.stop()).code, 0);
  }
});

test('rate limits: 429 with Retry-After; X-Forwarded-For only from trusted proxies', async () => {
  const dir = tmpDir();
  const cfg = testConfig(dir, { ratelimit: { api: '1,3', page: '1,2', static: 'off', stream: 'off' },
                                server: { trusted_proxies: '127.0.0.1' } });
  const d = await startDaemon({ configFile: cfg.file });
  try {
    const xff = (ip) => ({ headers: { 'X-Forwarded-For': ip } });
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await fetch(`${d.url}/health`, xff('10.0.0.1'))).status);
    assert.deepEqual(codes.slice(0, 3), [200, 200, 200]);
    assert.equal(codes[4], 429);
    const r = await fetch(`${d.url}/api/v1/status`, xff('10.0.0.1'));
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) >= 1, r.headers.get('retry-after'));
    const j = await r.json();
    assert.equal(j.error.code, 429);
    // Another client behind the same proxy has its own bucket; the spoofed
    // left part of the header is ignored (the rightmost untrusted hop counts).
    assert.equal((await fetch(`${d.url}/health`, xff('10.0.0.2'))).status, 200);
    assert.equal((await fetch(`${d.url}/health`, xff('10.0.0.9, 10.0.0.1'))).status, 429);
    // HTML routes get the error page, static files are not limited here.
    let page;
    for (let i = 0; i < 4; i++) page = await fetch(`${d.url}/robots.txt`, xff('10.0.0.3'));
    assert.equal(page.status, 429);
    assert.match(page.headers.get('content-type'), /text\/html/);
    assert.ok(Number(page.headers.get('retry-after')) >= 1);
    for (let i = 0; i < 20; i++) assert.equal((await fetch(`${d.url}/static/style.css`, xff('10.0.0.3'))).status, 200);
    // After Retry-After the bucket has a token again.
    await new Promise((res) => setTimeout(res, 1100 * Number(r.headers.get('retry-after'))));
    assert.equal((await fetch(`${d.url}/health`, xff('10.0.0.1'))).status, 200);
    const m = await (await fetch(`${d.url}/metrics`, xff('10.0.0.50'))).text();
    assert.ok(Number(/^arbiusd_http_rate_limited_total\{class="api"\} (\d+)$/m.exec(m)[1]) >= 3);
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
  // Without trusted proxies the header is ignored: every request is 127.0.0.1.
  const cfg2 = testConfig(tmpDir(), { ratelimit: { api: '1,2' } });
  const d2 = await startDaemon({ configFile: cfg2.file });
  try {
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await fetch(`${d2.url}/health`, { headers: { 'X-Forwarded-For': `10.1.0.${i}` } })).status);
    assert.equal(codes[3], 429, codes.join());
  } finally {
    assert.equal((await d2.stop()).code, 0);
  }
});

test('gzip when accepted, content-hashed static files cached for a year', async () => {
  const cfg = testConfig(tmpDir());
  const d = await startDaemon({ configFile: cfg.file });
  try {
    const page = await rawGet(`${d.url}/status`, { 'Accept-Encoding': 'gzip' });
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-encoding'], 'gzip');
    assert.match(page.headers.vary, /Accept-Encoding/);
    const html = zlib.gunzipSync(page.body).toString('utf8');
    assert.match(html, /Index status/);
    const plain = await rawGet(`${d.url}/status`);
    assert.equal(plain.headers['content-encoding'], undefined);
    const refused = await rawGet(`${d.url}/status`, { 'Accept-Encoding': 'gzip;q=0, identity' });
    assert.equal(refused.headers['content-encoding'], undefined);
    // The layout links the hashed name; it is immutable and equals the file.
    const href = /href="([^"]*style[^"]*\.css)"/.exec(html)[1].replaceAll('&#47;', '/');
    const css = fs.readFileSync(path.join(ROOT, 'static/style.css'));
    const { createHash } = await import('node:crypto');
    const h = createHash('sha256').update(css).digest('hex').slice(0, 10);
    assert.equal(href, `/static/style.${h}.css`);
    const a = await rawGet(d.url + href, { 'Accept-Encoding': 'gzip' });
    assert.equal(a.status, 200);
    assert.match(a.headers['cache-control'], /max-age=31536000/);
    assert.match(a.headers['cache-control'], /immutable/);
    assert.equal(a.headers['content-encoding'], 'gzip');
    assert.deepEqual(zlib.gunzipSync(a.body), css);
    const b = await rawGet(`${d.url}/static/style.css`);
    assert.deepEqual(b.body, css);
    assert.match(b.headers['cache-control'], /max-age=3600/);
    const nm = await rawGet(d.url + href, { 'If-None-Match': a.headers.etag });
    assert.equal(nm.status, 304);
    // JSON too, when large enough; never the event stream.
    const api = await rawGet(`${d.url}/api/v1/openapi.json`, { 'Accept-Encoding': 'gzip' });
    assert.equal(api.headers['content-encoding'], 'gzip');
    JSON.parse(zlib.gunzipSync(api.body).toString('utf8'));
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
});

test('backup while the scanner writes restores to a checked database equal to a clean index up to its checkpoint', async () => {
  const dir = tmpDir();
  const cfg = devnetConfig(dir, net.deploy, px.url, { chain: { max_range: 15 } });
  const head = await headOf();
  // Slow ranges so that the backfill is in progress while we back up.
  px.setMode({ mode: 'timeout', ms: 150, methods: ['eth_getLogs'] });
  const d = await startDaemon({ configFile: cfg.file });
  const backups = [];
  try {
    await waitFor(() => fs.existsSync(cfg.dbPath) &&
                        sql(cfg.dbPath, 'SELECT indexed_block FROM scan_state')[0]?.indexed_block >= net.deploy.start_block + 10,
                  { what: 'first ranges', timeoutMs: 30000, intervalMs: 20 });
    for (let i = 0; i < 4; i++) {
      const file = path.join(dir, `backup-${i}.db`);
      const r = await runCliAsync(['--config', cfg.file, 'backup', file]);
      assert.equal(r.code, 0, r.stderr);
      const m = /checkpoint block (\d+)/.exec(r.stdout);
      assert.ok(m, r.stdout);
      backups.push({ file, checkpoint: Number(m[1]) });
      await new Promise((res) => setTimeout(res, 700));
    }
  } finally {
    px.setMode({ mode: 'ok' });
    assert.equal((await d.stop()).code, 0);
  }
  // At least one was taken mid-backfill.
  assert.ok(backups.some((b) => b.checkpoint < head), JSON.stringify(backups));
  for (const b of backups) {
    // The backup file itself is one self-contained, checked file.
    assert.equal(sql(b.file, 'PRAGMA integrity_check')[0].integrity_check, 'ok');
    assert.equal(fs.existsSync(`${b.file}-wal`), false);
    const rdir = tmpDir();
    const rcfg = devnetConfig(rdir, net.deploy, net.rpcUrl);
    const r = await runCliAsync(['--config', rcfg.file, 'restore', b.file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sql(rcfg.dbPath, 'PRAGMA integrity_check')[0].integrity_check, 'ok');
    const cp = sql(rcfg.dbPath, 'SELECT indexed_block FROM scan_state')[0].indexed_block;
    assert.equal(cp, b.checkpoint);
    const clean = freshIndex(tmpDir(), net.deploy, net.rpcUrl, cp);
    assert.deepEqual(dumpContent(rcfg.dbPath), dumpContent(clean), `backup at ${cp}`);
  }
});

test('restore refuses a database in use, a foreign file and a corrupt one', async () => {
  const dir = tmpDir();
  const cfg = testConfig(dir);
  const d = await startDaemon({ configFile: cfg.file });
  const good = path.join(dir, 'good.db');
  try {
    const b = await runCliAsync(['--config', cfg.file, 'backup', good]);
    assert.equal(b.code, 0, b.stderr);
    const r = await runCliAsync(['--config', cfg.file, 'restore', good]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /in use by a running arbiusd/);
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
  const foreign = path.join(dir, 'foreign.db');
  execFileSync('sqlite3', [foreign, 'CREATE TABLE t(x); INSERT INTO t VALUES (1);']);
  let r = await runCliAsync(['--config', cfg.file, 'restore', foreign]);
  assert.equal(r.code, 4);
  assert.match(r.stderr, /not an arbiusd database/);
  const junk = path.join(dir, 'junk.db');
  fs.writeFileSync(junk, 'this is not a database at all'.repeat(200));
  r = await runCliAsync(['--config', cfg.file, 'restore', junk]);
  assert.equal(r.code, 4);
  assert.match(r.stderr, /not a SQLite database/);
  // A corrupted page: integrity_check fails, the target stays as it was.
  const bad = path.join(dir, 'bad.db');
  const bytes = fs.readFileSync(good);
  const pageSize = bytes.readUInt16BE(16);
  // Break the b-tree headers of pages 2-6 (type byte, cell count).
  for (let p = 1; p < 6; p++) { bytes[p * pageSize] = 0x0d; bytes.writeUInt16BE(0xffff, p * pageSize + 3); }
  fs.writeFileSync(bad, bytes);
  const before = fs.statSync(cfg.dbPath).mtimeMs;
  r = await runCliAsync(['--config', cfg.file, 'restore', bad]);
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /refused|not a SQLite database/);
  assert.equal(fs.statSync(cfg.dbPath).mtimeMs, before);
  r = await runCliAsync(['--config', cfg.file, 'restore', good]);
  assert.equal(r.code, 0, r.stderr);
});

test('scheduled backups: timestamped files, retention', async () => {
  const dir = tmpDir();
  const bdir = path.join(dir, 'backups');
  fs.mkdirSync(bdir);
  const cfg = testConfig(dir, { backup: { dir: bdir, interval: 1, keep: 2 } });
  const d = await startDaemon({ configFile: cfg.file });
  try {
    await waitFor(() => fs.readdirSync(bdir).filter((f) => /^arbiusd-\d{8}T\d{6}Z\.db$/.test(f)).length >= 2,
                  { what: 'two backups', timeoutMs: 15000 });
    await new Promise((res) => setTimeout(res, 3500));
    const files = fs.readdirSync(bdir).filter((f) => f.endsWith('.db'));
    assert.equal(files.length, 2, files.join());
    for (const f of files) assert.equal(sql(path.join(bdir, f), 'PRAGMA integrity_check')[0].integrity_check, 'ok');
    assert.match(d.stderr, /backup: deleted/);
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
});

test('sd_notify: READY=1, WATCHDOG=1 and STOPPING=1 reach NOTIFY_SOCKET', async () => {
  const helper = path.join(path.dirname(BIN), 'tests/notify_listen');
  assert.ok(fs.existsSync(helper), `${helper} missing: make builds it`);
  const dir = tmpDir();
  const sock = path.join(dir, 'notify.sock');
  const lis = spawn(helper, [sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  let lines = '';
  lis.stdout.on('data', (c) => { lines += c; });
  try {
    await waitFor(() => lines.includes('listening'), { what: 'listener' });
    const cfg = testConfig(dir);
    const d = await startDaemon({ configFile: cfg.file, env: { NOTIFY_SOCKET: sock, WATCHDOG_USEC: '400000' } });
    try {
      await waitFor(() => /READY=1/.test(lines), { what: 'READY=1', timeoutMs: 10000 });
      assert.match(lines, new RegExp(`MAINPID=${d.proc.pid}`));
      await waitFor(() => /WATCHDOG=1/.test(lines), { what: 'WATCHDOG=1', timeoutMs: 5000 });
      // READY comes once the server answers.
      assert.equal((await fetch(`${d.url}/health`)).status, 200);
    } finally {
      assert.equal((await d.stop()).code, 0);
    }
    await waitFor(() => /STOPPING=1/.test(lines), { what: 'STOPPING=1', timeoutMs: 5000 });
  } finally {
    lis.kill('SIGTERM');
  }
});

test('contrib/arbiusd.service: systemd-analyze security exposure <= 2.0', (t) => {
  if (!which('systemd-analyze')) {
    t.skip('systemd-analyze is not installed');
    return;
  }
  const unit = path.join(ROOT, 'contrib/arbiusd.service');
  const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unit], { encoding: 'utf8' });
  const m = /Overall exposure level for arbiusd\.service: (\d+\.\d+)/.exec(r.stdout + r.stderr);
  assert.ok(m, r.stdout + r.stderr);
  t.diagnostic(`exposure ${m[1]}`);
  assert.ok(Number(m[1]) <= 2.0, `exposure ${m[1]}`);
  const text = fs.readFileSync(unit, 'utf8');
  for (const k of ['Type=notify', 'WatchdogSec=', 'Restart=on-failure', 'User=arbiusd', 'ProtectSystem=strict',
    'PrivateTmp=yes', 'NoNewPrivileges=yes', 'RestrictAddressFamilies=', 'SystemCallFilter=', 'ReadWritePaths=/var/lib/arbiusd']) {
    assert.ok(text.includes(k), `unit lacks ${k}`);
  }
});
