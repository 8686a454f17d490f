// stream.test.mjs - /api/v1/stream (Server-Sent Events) against a live
// scanner on the devnet: a new solution reaches a connected client within
// one poll interval; a client that never reads holds nobody up; the
// connection limit answers 503; Last-Event-ID replays what happened after
// that block; the page in Chromium follows new images live; SIGTERM with
// clients connected exits 0.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { Driver } from '../devnet/driver.mjs';
import { fakeSolutionCid, utf8Hex } from '../devnet/lib.mjs';
import { devnetConfig, status } from './chain.mjs';
import { startDaemon, tmpDir, waitFor } from './harness.mjs';

const POLL = 1;             // [chain] poll_interval, seconds
const SLACK_MS = 2500;      // stream polling, RPC round trips, a loaded CI box
const MAX_CLIENTS = 4;
const lc = (s) => String(s).toLowerCase();

let devnet;
let daemon;
let cfg;
let driver;

// An SSE client: collects parsed events; waitEvent() resolves on a match.
function sse(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const c = { res, status: res.statusCode, headers: res.headers, events: [], body: '', ended: false, waiters: [] };
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        c.body += chunk;
        pending += chunk;
        let i;
        while ((i = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, i);
          pending = pending.slice(i + 2);
          const ev = { event: 'message', data: '', id: null, comment: false, at: Date.now() };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) ev.comment = true;
            else if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('data: ')) ev.data += line.slice(6);
            else if (line.startsWith('id: ')) ev.id = line.slice(4);
            else if (line.startsWith('retry: ')) ev.retry = Number(line.slice(7));
          }
          if (ev.data) ev.json = JSON.parse(ev.data);
          c.events.push(ev);
          c.waiters = c.waiters.filter((w) => !(w.pred(ev) && (w.resolve(ev), true)));
        }
      });
      res.on('end', () => { c.ended = true; });
      res.on('error', () => { c.ended = true; });
      c.waitEvent = (pred, timeoutMs = 30000, what = 'event') => {
        const hit = c.events.find(pred);
        if (hit) return Promise.resolve(hit);
        return new Promise((res2, rej2) => {
          const t = setTimeout(() => rej2(new Error(`no ${what} within ${timeoutMs} ms; got ${c.events.map((e) => e.event).join(',')}`)), timeoutMs);
          c.waiters.push({ pred, resolve: (ev) => { clearTimeout(t); res2(ev); } });
        });
      };
      c.close = () => { req.destroy(); };
      resolve(c);
    });
    req.on('error', reject);
  });
}

// A client that sends the request and then never reads a byte.
function stalled(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write('GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
      s.pause();
      resolve(s);
    });
    s.on('error', reject);
  });
}

// A stream once a slot is free: clients that left while their connection
// was suspended are noticed at the next write, which a 503 hurries along.
function openStream(headers = {}, what = 'a stream slot') {
  return waitFor(async () => {
    const x = await sse(`${daemon.url}/api/v1/stream`, headers);
    if (x.status === 200) return x;
    assert.equal(x.status, 503);
    x.close();
    return null;
  }, { timeoutMs: 10000, intervalMs: 200, what });
}

async function newTask(who) {
  const [alice] = driver.acc.users;
  return driver.submitTask(alice, { model: 'image', input: utf8Hex(JSON.stringify({ prompt: `stream ${who}` })) });
}

before(async () => {
  devnet = await startDevnet({});
  driver = await Driver.create({ rpcUrl: devnet.rpcUrl, deploy: devnet.deploy });
  cfg = devnetConfig(tmpDir(), devnet.deploy, devnet.rpcUrl, {
    server: { sse_max_clients: MAX_CLIENTS },
    chain: { poll_interval: POLL },
  });
  daemon = await startDaemon({ configFile: cfg.file });
  const head = Number(await devnet.rpc.call('eth_blockNumber'));
  await waitFor(() => (status(cfg.dbPath)?.indexed_block ?? 0) >= head, { timeoutMs: 60000, what: 'initial sync' });
});

after(async () => {
  if (daemon) await daemon.stop();
  await devnet?.stop();
});

let solved; // {task, block} of the solution streamed by the first test

test('a new solution reaches a connected client within one poll interval, a stalled client notwithstanding', async (t0) => {
  const slow = await stalled(daemon.port);
  const a = await sse(`${daemon.url}/api/v1/stream`);
  try {
    assert.equal(a.status, 200);
    assert.match(a.headers['content-type'], /^text\/event-stream/);
    assert.equal(a.headers['cache-control'], 'no-store');
    // The retry hint first, then the current figures (as of the indexed head).
    await a.waitEvent((e) => e.retry > 0, 5000, 'retry hint');
    // The watcher polls the head: right after the initial sync (and under
    // TSan's slowdown) the first figures may predate it; the next poll's
    // follow within a few seconds.
    const st = await a.waitEvent((e) => e.event === 'stats' && e.json?.as_of?.block > 0, 15000, 'stats as of the indexed head');
    assert.ok(st.json.as_of.block > 0);
    assert.equal(st.id, String(st.json.as_of.block));

    // Primes /api/v1/stats' per-head cache: it must not outlive the head.
    const before = await (await fetch(`${daemon.url}/api/v1/stats?automine=show`)).json();
    const task = await newTask('a');
    const tev = await a.waitEvent((e) => e.event === 'tasks' && e.json.items.some((t) => lc(t.id) === lc(task)),
      POLL * 1000 + SLACK_MS, 'tasks event');
    const t = tev.json.items.find((x) => lc(x.id) === lc(task));
    assert.equal(lc(t.owner), lc(driver.acc.users[0]));
    assert.equal(tev.json.more, false);
    assert.ok(tev.json.from <= t.block && t.block <= tev.json.to);

    const m1 = driver.acc.miners[0];
    await driver.submitSolution(m1, task, fakeSolutionCid(`stream ${task}`));
    const sentAt = Date.now();
    const sev = await a.waitEvent((e) => e.event === 'solutions' && e.json.items.some((s) => lc(s.task) === lc(task)),
      POLL * 1000 + SLACK_MS, 'solutions event');
    const s = sev.json.items.find((x) => lc(x.task) === lc(task));
    assert.equal(lc(s.validator), lc(m1));
    assert.match(s.cid, /^Qm/);
    assert.ok(sev.at - sentAt <= POLL * 1000 + SLACK_MS, `took ${sev.at - sentAt} ms`);
    t0.diagnostic(`solution event ${sev.at - sentAt} ms after the transaction was mined (poll_interval ${POLL} s)`);
    // Updated figures follow in the same push.
    await a.waitEvent((e) => e.event === 'stats' && e.json.as_of.block >= s.block, 3000, 'updated stats');
    const now = await (await fetch(`${daemon.url}/api/v1/stats?automine=show`)).json();
    assert.ok(now.as_of.block >= s.block);
    assert.equal(now.tasks, before.tasks + 1);
    assert.equal(now.solutions, before.solutions + 1);
    solved = { task, block: s.block, taskBlock: t.block };
    assert.ok(!slow.destroyed, 'the stalled client is still connected');
  } finally {
    a.close();
    slow.destroy();
  }
});

test('the connection limit answers 503 and frees up when a client leaves', async () => {
  // Wait until the previous test's connections are gone.
  const clients = [];
  try {
    for (let i = 0; i < MAX_CLIENTS; i++) {
      const c = await openStream({}, `stream client ${i}`);
      clients.push(c);
    }
    const over = await fetch(`${daemon.url}/api/v1/stream`);
    assert.equal(over.status, 503);
    assert.ok(over.headers.get('retry-after'));
    const body = await over.json();
    assert.equal(body.error.code, 503);
    assert.match(body.error.message, /too many stream clients/);
    // Other routes are unaffected.
    assert.equal((await fetch(`${daemon.url}/api/v1/stats`)).status, 200);
    clients.pop().close();
    const again = await openStream({}, 'a free slot');
    clients.push(again);
  } finally {
    for (const c of clients) c.close();
  }
});

test('Last-Event-ID replays what happened after that block', async () => {
  assert.ok(solved, 'needs the first test');
  const c = await openStream({ 'Last-Event-ID': String(solved.taskBlock - 1) });
  try {
    const t = await c.waitEvent((e) => e.event === 'tasks' && e.json.items.some((x) => lc(x.id) === lc(solved.task)), 5000, 'replayed task');
    assert.equal(t.json.from, solved.taskBlock);
    const s = await c.waitEvent((e) => e.event === 'solutions' && e.json.items.some((x) => lc(x.task) === lc(solved.task)), 5000, 'replayed solution');
    assert.ok(Number(s.id) >= solved.block);
    // Nothing from before the given block.
    for (const e of c.events.filter((x) => x.event === 'tasks' || x.event === 'solutions')) {
      for (const it of e.json.items) assert.ok(it.block > solved.taskBlock - 1);
    }
  } finally {
    c.close();
  }
  // A Last-Event-ID at the head replays nothing.
  const st = await (await fetch(`${daemon.url}/api/v1/stats`)).json();
  const d = await openStream({ 'Last-Event-ID': String(st.as_of.block) });
  try {
    await d.waitEvent((e) => e.event === 'stats', 5000, 'stats');
    await new Promise((r) => setTimeout(r, 800));
    assert.ok(!d.events.some((e) => e.event === 'tasks' || e.event === 'solutions'), 'no replay');
  } finally {
    d.close();
  }
});

test('a bad automine value is a 400 naming it', async () => {
  const r = await fetch(`${daemon.url}/api/v1/stream?automine=maybe`);
  assert.equal(r.status, 400);
  assert.match((await r.json()).error.message, /^automine/);
});

test('the page in Chromium: cards, charts and the per-model table follow a new image without reload', async () => {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${daemon.url}/?automine=show`, { waitUntil: 'domcontentloaded' });
    const figures = () => page.evaluate(() => {
      const cell = document.querySelector('#by-model [data-model-total]');
      return {
        images: Number(document.querySelector('[data-stat="images_total"]').textContent),
        model: cell && cell.getAttribute('data-model-total'),
        modelTotal: cell ? Number(cell.textContent) : null,
      };
    });
    const b = await figures();
    assert.ok(b.model, 'the per-model table is on the page');
    const cumBefore = await page.evaluate(() => document.querySelector('#charts svg').outerHTML);
    const task = await newTask('page');
    await driver.submitSolution(driver.acc.miners[1], task, fakeSolutionCid(`page ${task}`));
    // The image count the server computes after the solution, per model.
    const now = await waitFor(async () => {
      const d = await (await fetch(`${daemon.url}/api/v1/charts/daily?automine=show`)).json();
      const e = d.by_model.find((x) => x.model === b.model);
      return e && e.total > b.modelTotal ? { d, e } : null;
    }, { timeoutMs: 15000, what: 'the solution indexed' });
    await waitFor(async () => {
      const f = await figures();
      return f.images === b.images + 1 && f.modelTotal === now.e.total ? f : null;
    }, { timeoutMs: 20000, intervalMs: 250, what: 'the page to show the new image (cards and table)' });
    const last = now.d.points[now.d.points.length - 1];
    const cumAfter = await page.evaluate(() => document.querySelector('#charts svg').outerHTML);
    assert.notEqual(cumAfter, cumBefore, 'the cumulative chart was redrawn');
    assert.match(cumAfter, new RegExp(`<title>${last.day}: ${last.cumulative} images</title>`));
    assert.deepEqual(problems, [], 'no script error or CSP refusal');
  } finally {
    await browser.close();
  }
});

test('SIGTERM with stream clients connected exits 0', async () => {
  const a = await openStream();
  const slow = await stalled(daemon.port);
  await a.waitEvent((e) => e.event === 'stats', 5000, 'stats');
  const t0 = Date.now();
  const r = await daemon.stop('SIGTERM');
  daemon = null;
  assert.equal(r.code, 0);
  assert.ok(Date.now() - t0 < 10000, 'stopped promptly');
  await waitFor(() => a.ended, { timeoutMs: 5000, what: 'the stream to end' });
  slow.destroy();
});
