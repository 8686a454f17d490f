// poll.test.mjs - keeping up with the head (issue #15): once caught up, a
// poll with nothing new costs one HTTP request (empty blocks too: headers
// only for blocks with logs), a block with a task one request more, a
// reorg below the checkpoint is still seen, and the event stream hears of
// a commit at once rather than at its next look at the database.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { Driver, runScenario } from '../devnet/driver.mjs';
import { utf8Hex } from '../devnet/lib.mjs';
import { startProxy } from '../devnet/proxy.mjs';
import { devnetConfig, dumpContent, freshIndex } from './chain.mjs';
import { startDaemon, tmpDir, waitFor } from './harness.mjs';

let net;
let px;
let d;
let daemon;
let drv;
const quiet = () => {};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const head = async () => Number(BigInt(await net.rpc.call('eth_blockNumber')));
const indexed = async () => Number((await (await fetch(`${daemon.url}/api/v1/status`)).json()).indexed_block);

before(async () => {
  net = await startDevnet({});
  await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: quiet });
  px = await startProxy({ target: net.rpcUrl, port: 0 });
  drv = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
  d = devnetConfig(tmpDir(), net.deploy, px.url, { chain: { poll_interval: 1 } });
  daemon = await startDaemon({ configFile: d.file });
  const h = await head();
  await waitFor(async () => (await indexed()) >= h, { timeoutMs: 60000, what: 'caught up' });
});

after(async () => {
  await daemon?.stop();
  await px?.close();
  await net?.stop();
});

// Every poll sends one batch holding both eth_getLogs (engine/router and
// transfers): the requests that hold eth_getLogs are the polls.
async function window(ms, during = async () => {}) {
  px.resetStats();
  await Promise.all([sleep(ms), during()]);
  const s = px.stats();
  return { ...s, polls: s.requests_by_method.eth_getLogs ?? 0 };
}

test('caught up and nothing new: one request per poll', async () => {
  const s = await window(4500);
  assert.ok(s.polls >= 3, JSON.stringify(s));
  assert.equal(s.http_requests, s.polls, JSON.stringify(s));
});

test('empty blocks: still one request per poll, no headers', async () => {
  const s = await window(4500, async () => {
    for (let i = 0; i < 12; i++) {
      await net.rpc.call('evm_mine', []);
      await sleep(300);
    }
  });
  assert.ok(s.polls >= 3, JSON.stringify(s));
  assert.equal(s.http_requests, s.polls, JSON.stringify(s));
  assert.equal(await indexed(), await head());
});

test('a block with a task: one request more (its header and calldata), and the stream hears of it at once', async () => {
  const seen = [];
  const stats = [];
  const req = http.get(`${daemon.url}/api/v1/stream?automine=show`, { headers: { accept: 'text/event-stream' } }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (c) => {
      const at = now();
      buf += c;
      for (let i; (i = buf.indexOf('\n\n')) >= 0; buf = buf.slice(i + 2)) {
        const ev = /event: (\w+)/.exec(buf.slice(0, i))?.[1];
        const id = /^id: (\d+)/m.exec(buf.slice(0, i))?.[1];
        if (ev === 'tasks') seen.push({ at, block: Number(id) });
      }
    });
  });
  let stop = false;
  // /api/v1/stats reads the database on every request: when it moves, the
  // range is committed.  Polled every 5 ms.
  const poller = (async () => {
    let etag = null;
    while (!stop) {
      const r = await fetch(`${daemon.url}/api/v1/stats?automine=show`, { headers: etag ? { 'if-none-match': etag } : {} });
      if (r.status === 200) {
        etag = r.headers.get('etag');
        stats.push({ at: now(), block: Number((await r.json()).as_of.block) });
      } else {
        await r.arrayBuffer();
      }
      await sleep(5);
    }
  })();
  const [alice] = drv.acc.users;
  const img = drv.model('image');
  const blocks = [];
  const s = await window(9000, async () => {
    for (let i = 0; i < 5; i++) {
      await drv.submitTask(alice, { model: img, input: utf8Hex(JSON.stringify({ prompt: `poll test ${i}` })) });
      blocks.push(await head());
      await sleep(1500);
    }
  });
  await waitFor(() => seen.length && seen.at(-1).block >= blocks.at(-1), { what: 'the last task on the stream' });
  stop = true;
  await poller;
  req.destroy();
  // Polls that found a task's block spent one request more, no other did.
  assert.ok(s.http_requests <= s.polls + blocks.length, JSON.stringify(s));
  assert.ok(s.http_requests > s.polls, JSON.stringify(s));
  // The stream's event follows the commit (stats moving) within a few ms,
  // not at the watcher's next look (300 ms before).
  const lags = blocks.map((b) => {
    const c = stats.find((x) => x.block >= b);
    const e = seen.find((x) => x.block >= b);
    return e.at - c.at;
  }).sort((a, b) => a - b);
  assert.ok(lags[Math.floor(lags.length / 2)] < 60, `stream after the commit (ms): ${lags.map((x) => x.toFixed(0))}`);
});

test('a reorg below the checkpoint under one-request polls ends equal to a clean index', async () => {
  const at = await head();
  const snap = await net.rpc.call('evm_snapshot', []);
  const [alice, bob] = drv.acc.users;
  const img = drv.model('image');
  await drv.submitTask(alice, { model: img, input: utf8Hex(JSON.stringify({ prompt: 'orphaned' })) });
  await net.rpc.call('evm_mine', []);
  await waitFor(async () => (await indexed()) >= at + 2, { what: 'the orphaned blocks indexed' });
  await net.rpc.call('evm_revert', [snap]);
  await drv.submitTask(bob, { model: img, input: utf8Hex(JSON.stringify({ prompt: 'canonical' })) });
  for (let i = 0; i < 3; i++) await net.rpc.call('evm_mine', []);
  const h = await head();
  await waitFor(async () => (await indexed()) >= h && (await (await fetch(`${daemon.url}/api/v1/status`)).json()).indexed_hash === (await net.rpc.call('eth_getBlockByNumber', ['latest', false])).hash, { timeoutMs: 30000, what: 'the new chain indexed' });
  const clean = dumpContent(freshIndex(tmpDir(), net.deploy, net.rpcUrl, h));
  assert.deepEqual(dumpContent(d.dbPath), clean);
});

test('a poll whose logs came from a node behind the head is read again by number: nothing is missed', async () => {
  // The header of the poll's batch comes from a node at the head, its
  // eth_getLogs up to "latest" from one 5 blocks behind (a provider that
  // spreads a batch over its nodes): that poll reads none of the new
  // task's logs. The next polls read the span again by number.
  px.resetStats();
  px.setMode({ mode: 'lagging-head', lag: 5, methods: ['eth_getLogs'], times: 2 });
  try {
    const [alice] = drv.acc.users;
    await drv.submitTask(alice, { model: drv.model('image'), input: utf8Hex(JSON.stringify({ prompt: 'read by a node behind' })) });
    await net.rpc.call('evm_mine', []);
    await waitFor(() => (px.stats().faults['lagging-head'] ?? 0) >= 2, { timeoutMs: 20000, what: 'a lagged poll' });
  } finally {
    px.setMode({ mode: 'ok' });
  }
  for (let i = 0; i < 3; i++) await net.rpc.call('evm_mine', []);
  const h = await head();
  await waitFor(async () => (await indexed()) >= h, { timeoutMs: 30000, what: 'caught up' });
  const clean = dumpContent(freshIndex(tmpDir(), net.deploy, net.rpcUrl, h));
  await waitFor(async () => JSON.stringify(dumpContent(d.dbPath)) === JSON.stringify(clean), { timeoutMs: 20000, what: 'the missed task indexed' }).catch(() => {});
  assert.deepEqual(dumpContent(d.dbPath), clean);
});
