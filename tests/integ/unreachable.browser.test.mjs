// unreachable.browser.test.mjs - issue #18's "failure visible" contract,
// seen as an operator and a visitor would: an index of the devnet served
// by a daemon whose only RPC endpoint cannot be resolved
// (http://arbiusd-unreachable.invalid:8545; .invalid never resolves).
//   - /api/v1/status lists the endpoint with its last error and its time;
//   - /metrics says arbiusd_scanner_error 1;
//   - /ready is 503 and says why;
//   - /status names the endpoint and the error;
//   - every HTML page, at 1280 and 390 px, shows the banner "Can't reach
//     the RPC endpoint http://…: could not resolve host. Retrying every N s.
//     Figures are as of block N." with a link to /status, on one screen;
//   - the log says it once per state change, not once per attempt.
// The block is the devnet's head as the scan indexed it (the truth).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import puppeteer from 'puppeteer-core';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { devnetConfig } from './chain.mjs';
import { ROOT, runCliAsync, startDaemon, tmpDir, waitFor } from './harness.mjs';

const DEAD = 'http://arbiusd-unreachable.invalid:8545';
const ART = path.join(ROOT, 'tests/artifacts/pages');

let net, truth, daemon, browser, startedAt;

before(async () => {
  fs.mkdirSync(ART, { recursive: true });
  net = await startDevnet({});
  truth = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'sparse',
                              opts: { blocks: 10, events: 6 }, log: () => {} });
  const dir = tmpDir();
  const scan = devnetConfig(dir, net.deploy, net.rpcUrl);
  const r = await runCliAsync(['--config', scan.file, 'scan', '--quiet', '--from', String(net.deploy.start_block),
                               '--to', String(truth.head.number)], { timeout: 300000 });
  assert.equal(r.code, 0, r.stderr);
  // The same database, served with an endpoint that never resolves; the
  // scan's last good poll is seconds old, so /ready may wait 2 s for one.
  const cfg = devnetConfig(dir, net.deploy, DEAD, { chain: { poll_interval: 1, rpc_timeout: 2 },
                                                    server: { ready_max_poll_age: 2 } });
  startedAt = Math.floor(Date.now() / 1000);
  daemon = await startDaemon({ configFile: cfg.file });
  await net.stop();
  net = null;
  browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true,
                                     args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
});

after(async () => {
  await browser?.close();
  if (daemon) assert.equal((await daemon.stop()).code, 0);
  await net?.stop();
});

test('the JSON status, /metrics and /ready say the endpoint cannot be reached', async () => {
  const st = await waitFor(async () => {
    const s = await (await fetch(`${daemon.url}/api/v1/status`)).json();
    return s.rpc?.endpoints?.find((e) => e.url.startsWith(DEAD) && e.last_error) ? s : null;
  }, { timeoutMs: 30000, what: 'the endpoint in /api/v1/status with its error' });
  const ep = st.rpc.endpoints.find((e) => e.url.startsWith(DEAD));
  assert.match(ep.last_error, /resolve/i);
  assert.ok(ep.last_error_at >= startedAt, 'with the time of the error');
  assert.equal(st.indexed_block, truth.head.number, 'the index is as the scan left it');
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /^arbiusd_scanner_error 1$/m);
  const ready = await waitFor(async () => {
    const r = await fetch(`${daemon.url}/ready`);
    return r.status === 503 ? r : null;
  }, { timeoutMs: 15000, what: '/ready 503' });
  const why = (await ready.json()).reasons;
  assert.ok(why.some((w) => /reach|resolve|rpc/i.test(w)), `the reason names the cause: ${JSON.stringify(why)}`);
  const page = await (await fetch(`${daemon.url}/status`)).text();
  assert.ok(page.includes(DEAD.replaceAll('/', '&#47;')) || page.includes(DEAD), '/status names the endpoint');
  assert.match(page, /resolve/i);
});

test('every page shows the banner with a link to /status, at 1280 and 390 px', async () => {
  const id = truth.tasks[0].id.toLowerCase();
  for (const [w, h] of [[1280, 800], [390, 844]]) {
    for (const p of ['/', '/gallery', `/image/${id}`, '/miners', '/users', '/models', '/status']) {
      const page = await browser.newPage();
      await page.setViewport({ width: w, height: h });
      await page.goto(daemon.url + p, { waitUntil: 'load' });
      const b = await page.evaluate(() => {
        // The innermost element holding the whole banner sentence (/status
        // may say "Can't reach" once more in its own words).
        const all = [...document.body.querySelectorAll('*')]
          .filter((e) => /Can[’']t reach the RPC endpoint[\s\S]*Retrying every/.test(e.textContent));
        const el = all[all.length - 1]?.closest('[role], p, div, section, aside') ?? all[all.length - 1];
        if (!el) return null;
        const r = el.getBoundingClientRect();
        return { text: el.textContent.replace(/\s+/g, ' '), status: !!el.querySelector('a[href="/status"]') || !!el.closest('a[href="/status"]'),
                 top: r.top + window.scrollY, overflow: document.documentElement.scrollWidth - window.innerWidth };
      });
      assert.ok(b, `${p} at ${w}: a banner`);
      assert.match(b.text, new RegExp(`Can[’']t reach the RPC endpoint ${DEAD.replace(/[.]/g, '\\.')}[^:]*: could not resolve host`, 'i'));
      assert.match(b.text, /Retrying every \d+ s/);
      assert.match(b.text, new RegExp(`Figures are as of block ${truth.head.number}\\b`));
      assert.ok(b.status, `${p}: the banner links to /status`);
      assert.ok(b.top < h, `${p} at ${w}: on the first screen`);
      assert.ok(b.overflow <= 0, `${p} at ${w}: no horizontal overflow`);
      if (p === '/') await page.screenshot({ path: path.join(ART, `unreachable-${w}.png`) });
      await page.close();
    }
  }
});

test('the log says it once, not per attempt', async () => {
  const attempts = await (async () => {
    await new Promise((r) => setTimeout(r, 8000));
    return daemon.stderr.split('\n').filter((l) => /arbiusd-unreachable\.invalid|resolve host/i.test(l));
  })();
  assert.ok(attempts.length >= 1, 'the failure is logged');
  assert.ok(attempts.length <= 2, `once per state change, not per attempt:\n${attempts.join('\n')}`);
});
