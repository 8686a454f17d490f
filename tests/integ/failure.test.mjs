// failure.test.mjs - failure is visible, not only in the log (issue #18
// point 1), and a stop records nothing about the chain (issue #16 point 5).
//
// Unreachable endpoints are real ones: a name that does not resolve and a
// local port where nothing listens (then a proxy to the devnet starts on it,
// so the same endpoint comes back).  Expected values come from the daemon's
// configuration and the devnet's truth.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { Rpc } from '../devnet/lib.mjs';
import { startProxy } from '../devnet/proxy.mjs';
import { devnetConfig, sql, status } from './chain.mjs';
import { startDaemon, testConfig, tmpDir, waitFor } from './harness.mjs';

const PAGES = ['/', '/gallery', '/miners', '/users', '/models', '/status'];
const UNRESOLVABLE = 'http://arbiusd-test-endpoint.invalid:8545/rpc';

let dn;
let truth;

before(async () => {
  dn = await startDevnet({});
  truth = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'full', log: () => {} });
});

after(async () => {
  await dn?.stop();
});

async function freePort() {
  const s = net.createServer();
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

async function getJson(d, p) {
  const r = await fetch(d.url + p);
  return { status: r.status, body: await r.json() };
}

async function getText(d, p) {
  const r = await fetch(d.url + p);
  return { status: r.status, text: await r.text() };
}

const banner = (html) => {
  const m = /<div class="banner[^"]*"[^>]*data-banner="(\w+)"[^>]*><p>([\s\S]*?)<\/p><\/div>/.exec(html);
  return m ? { kind: m[1], text: m[2].replace(/&#47;/g, '/').replace(/&#39;/g, "'").replace(/<[^>]+>/g, '') } : null;
};

const rpcWarnings = (log) => log.split('\n').filter((l) => / warn {2}rpc: /.test(l));

test('unreachable endpoints: /status, /api/v1/status, /metrics, /ready and the banner say so; the log once per state', async () => {
  const port = await freePort();
  const local = `http://127.0.0.1:${port}`;
  const dir = tmpDir();
  const cfg = testConfig(dir, {
    chain: { rpc_urls: `${UNRESOLVABLE},${local}`, poll_interval: 2, rpc_timeout: 2, chain_id: dn.deploy.chain_id,
             engine: dn.deploy.contracts.engine, token: dn.deploy.contracts.token, router: dn.deploy.contracts.router,
             start_block: dn.deploy.start_block, confirmations: 2 },
    log: { level: 'info', summary_interval: 4 },
  });
  const d = await startDaemon({ configFile: cfg.file });
  let px;
  try {
    const t0 = Date.now();
    // Every endpoint appears with its last error and time from the first failed attempt,
    // long before the poll gives up (6 attempts with backoff).
    const st = await waitFor(async () => {
      const { body } = await getJson(d, '/api/v1/status');
      return body.rpc.endpoints.length === 2 && body.rpc.endpoints.every((e) => e.last_error && e.last_error_at) ? body : null;
    }, { timeoutMs: 20000, what: 'both endpoints with their errors' });
    const urls = st.rpc.endpoints.map((e) => e.url);
    assert.deepEqual(urls, [UNRESOLVABLE, local]);
    assert.match(st.rpc.endpoints[0].last_error, /resolve/i);
    assert.match(st.rpc.endpoints[1].last_error, /connect|refused/i);
    assert.equal(st.scanner.failing, true);
    assert.equal(st.scanner.kind, 'transport');
    assert.ok(urls.includes(st.scanner.endpoint), st.scanner.endpoint);
    assert.equal(st.scanner.retry_seconds, 2);
    assert.ok(st.last_error, 'last_error before any checkpoint exists');
    assert.equal(st.initialized, false);

    const metrics = (await getText(d, '/metrics')).text;
    assert.match(metrics, /^arbiusd_scanner_error 1$/m);
    for (const u of urls) assert.match(metrics, new RegExp(`^arbiusd_rpc_errors_total\\{endpoint="${u.replace(/[.?*+/]/g, '\\$&')}"\\} [1-9]`, 'm'));

    const ready = await getJson(d, '/ready');
    assert.equal(ready.status, 503);
    assert.match(ready.body.reasons[0], /^Can't reach the RPC endpoint http/);
    assert.ok(ready.body.reasons.some((r) => /not initialised/.test(r)));

    for (const p of PAGES) {
      const { text } = await getText(d, p);
      const b = banner(text);
      assert.ok(b, `banner on ${p}`);
      assert.equal(b.kind, 'failing');
      assert.match(b.text, /^Can't reach the RPC endpoint http\S+: .+\. Retrying every 2 s\. Nothing is indexed yet\. Index status$/, `${p}: ${b.text}`);
      assert.match(text, /<div class="banner[^>]*>.*<a href="\/status">/);
    }
    const page = (await getText(d, '/status')).text;
    for (const u of urls) assert.ok(page.includes(u.replace(/\//g, '&#47;')), `/status lists ${u}`);
    assert.match(page, /data-status="last_error"/);

    // The log: one line per endpoint and state, then one summary per [log] summary_interval (4 s)
    // with a count, never one line per attempt.
    await waitFor(() => Date.now() - t0 > 13000, { timeoutMs: 20000, what: 'time' });
    const warns = rpcWarnings(d.stderr);
    const full = warns.filter((l) => !/ times in the last /.test(l));
    const summaries = warns.filter((l) => / times in the last 4 s/.test(l));
    assert.equal(full.filter((l) => l.includes(UNRESOLVABLE)).length, 1, warns.join('\n'));
    assert.equal(full.filter((l) => l.includes(local)).length, 1, warns.join('\n'));
    assert.ok(summaries.length >= 2 && summaries.length <= 8, `summaries:\n${warns.join('\n')}`);
    const errors = (await getJson(d, '/api/v1/status')).body.rpc.endpoints.reduce((a, e) => a + e.errors, 0);
    assert.ok(warns.length < errors / 2, `${warns.length} warn lines for ${errors} failed requests`);

    // The second endpoint comes back: the scanner indexes, the banner goes, the log says it once.
    px = await startProxy({ target: dn.rpcUrl, port });
    await waitFor(() => status(cfg.dbPath)?.indexed_block >= truth.head.number, { timeoutMs: 60000, what: 'sync after recovery' });
    await waitFor(async () => !(await getJson(d, '/api/v1/status')).body.scanner.failing, { what: 'health cleared' });
    assert.match((await getText(d, '/metrics')).text, /^arbiusd_scanner_error 0$/m);
    for (const p of PAGES) assert.equal(banner((await getText(d, p)).text), null, `no banner on ${p}`);
    assert.match(d.stderr, new RegExp(`rpc: ${local.replace(/[.?*+/]/g, '\\$&')} answers again, after \\d+ failures`));
  } finally {
    assert.equal((await d.stop()).code, 0);
    await px?.close();
  }
});

test('an index whose endpoint goes away says so on every page, with the block its figures are as of', async () => {
  const px = await startProxy({ target: dn.rpcUrl, port: 0 });
  const port = Number(new URL(px.url).port);
  const dir = tmpDir();
  const cfg = devnetConfig(dir, dn.deploy, px.url, { chain: { rpc_timeout: 1 }, server: { ready_max_poll_age: 1 } });
  const d = await startDaemon({ configFile: cfg.file });
  let back;
  try {
    await waitFor(() => status(cfg.dbPath)?.indexed_block >= truth.head.number, { what: 'sync' });
    // Pages kept per indexed head (leaderboard, miner, models) are in their caches now.
    const miner = truth.solutions[0].validator;
    const pages = [...PAGES, `/miner/${miner}`, '/users'];
    for (const p of pages) assert.equal(banner((await getText(d, p)).text), null, `no banner on ${p} yet`);
    await px.close();
    const indexed = status(cfg.dbPath).indexed_block;
    await waitFor(async () => banner((await getText(d, '/gallery')).text), { timeoutMs: 20000, what: 'banner' });
    for (const p of pages) {
      const b = banner((await getText(d, p)).text);
      assert.ok(b, `banner on ${p} (the head did not move)`);
      assert.equal(b.kind, 'failing');
      assert.ok(b.text.includes(`127.0.0.1:${port}`), b.text);
      assert.ok(b.text.includes(`Figures are as of block ${indexed}.`), b.text);
    }
    const ready = await waitFor(async () => {
      const r = await getJson(d, '/ready');
      return r.status === 503 ? r.body : null;
    }, { what: '/ready 503' });
    assert.match(ready.reasons[0], /^Can't reach the RPC endpoint/);
    back = await startProxy({ target: dn.rpcUrl, port });
    await waitFor(async () => !banner((await getText(d, '/gallery')).text), { timeoutMs: 30000, what: 'banner gone' });
    for (const p of pages) assert.equal(banner((await getText(d, p)).text), null, `no banner on ${p} again`);
  } finally {
    assert.equal((await d.stop()).code, 0);
    await back?.close();
  }
});

test('finality survives a stop while the endpoint is unreachable (and a restart that cannot reach it)', async () => {
  const px = await startProxy({ target: dn.rpcUrl, port: 0 });
  const port = Number(new URL(px.url).port);
  const dir = tmpDir();
  const cfg = devnetConfig(dir, dn.deploy, px.url, { chain: { rpc_timeout: 1 } });
  let d = await startDaemon({ configFile: cfg.file });
  const head = Number(BigInt(await new Rpc(dn.rpcUrl).call('eth_blockNumber')));
  let safe;
  try {
    await waitFor(() => status(cfg.dbPath)?.indexed_block >= head && status(cfg.dbPath).safe_block > 0, { what: 'sync with finality' });
    safe = status(cfg.dbPath).safe_block;
    await px.close();
    // A poll that reaches no endpoint, then the stop in the middle of the next one.
    await waitFor(() => status(cfg.dbPath).last_error, { timeoutMs: 30000, what: 'a failed poll' });
    await waitFor(() => / rpc: .*transport/.test(d.stderr.split('\n').slice(-3).join('\n')) || true, { what: 'retrying' });
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
  let st = status(cfg.dbPath);
  assert.equal(st.safe_block, safe, 'the stop left finality where the node put it');
  assert.doesNotMatch(st.last_error ?? '', /stopped/);
  // A task at or below the safe block, as the truth has it.
  const task = truth.tasks.filter((t) => t.block <= safe).at(-1);
  assert.ok(task, `a task at or below ${safe}`);
  d = await startDaemon({ configFile: cfg.file });
  try {
    // The restarted scanner's first poll fails (6 attempts with backoff, < 10 s), and the next.
    await waitFor(() => /rpc: .*transport/.test(d.stderr), { timeoutMs: 20000, what: 'a failed attempt after the restart' });
    await new Promise((r) => setTimeout(r, 12000));
    st = status(cfg.dbPath);
    assert.equal(st.safe_block, safe, 'a failed poll moves finality nowhere');
    const img = await getJson(d, `/api/v1/image/${task.id}`);
    assert.equal(img.status, 200);
    assert.equal(img.body.finality.task, 'final');
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
  st = status(cfg.dbPath);
  assert.equal(st.safe_block, safe);
  assert.equal(sql(cfg.dbPath, 'SELECT count(*) AS n FROM scan_state WHERE last_error LIKE \'%stopped%\'')[0].n, 0);
  void port;
});
