// cache.test.mjs - the response cache (src/web/cache.c) on a live scanner:
// a kept reply is served again byte for byte (and its gzip form is the
// same bytes compressed), If-None-Match answers 304, a reply is replaced
// within one poll after the head moves and at once after any commit for
// the replies that show votes, pages are shared only among requests
// without a cookie, the memory stays within [server] cache_size, and
// /metrics counts hits and misses per route.
import assert from 'node:assert/strict';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { Driver, runScenario } from '../devnet/driver.mjs';
import { fakeSolutionCid, utf8Hex } from '../devnet/lib.mjs';
import { devnetConfig, sql, status } from './chain.mjs';
import { startDaemon, tmpDir, waitFor } from './harness.mjs';

const POLL = 1;             // [chain] poll_interval, seconds
const SLACK_MS = 2500;      // RPC round trips, the commit, a loaded CI box
const lc = (s) => String(s).toLowerCase();

let devnet;
let daemon;
let cfg;
let driver;
let truth;
let ids;                    // an image task of the truth, its miner, owner, model

// Every cached route of routes.c with ids of the chain.
function routes() {
  return [
    '/', '/?automine=show&days=7', '/gallery', `/image/${ids.task}`, '/miners', `/miner/${ids.miner}`,
    '/users', `/user/${ids.user}`, '/models', `/model/${ids.model}`, '/status', '/gallery.atom',
    '/api/v1/stats', '/api/v1/charts/daily?days=30', '/api/v1/images?limit=3', `/api/v1/image/${ids.task}`,
    '/api/v1/miners', `/api/v1/miner/${ids.miner}`, '/api/v1/users', `/api/v1/user/${ids.user}`,
    '/api/v1/models', `/api/v1/model/${ids.model}`, '/api/v1/status',
  ];
}

// The route pattern of a path, as /metrics labels it.
function pattern(p) {
  const path = p.split('?')[0];
  for (const [re, pat] of [[/^\/image\//, '/image/*'], [/^\/miner\//, '/miner/*'], [/^\/user\//, '/user/*'],
    [/^\/model\//, '/model/*'], [/^\/api\/v1\/image\//, '/api/v1/image/*'], [/^\/api\/v1\/miner\//, '/api/v1/miner/*'],
    [/^\/api\/v1\/user\//, '/api/v1/user/*'], [/^\/api\/v1\/model\//, '/api/v1/model/*']]) if (re.test(path)) return pat;
  return path;
}

// {route: {hit, miss}} from /metrics, and the cache's gauges.
async function cacheMetrics(url = daemon.url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const lookups = {};
  for (const m of text.matchAll(/^arbiusd_http_cache_lookups_total\{route="([^"]+)",result="(hit|miss)"\} (\d+)$/gm)) {
    lookups[m[1]] ??= { hit: 0, miss: 0 };
    lookups[m[1]][m[2]] = Number(m[3]);
  }
  const g = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
  return { lookups, bytes: g('arbiusd_http_cache_bytes'), entries: g('arbiusd_http_cache_entries'),
    max: g('arbiusd_http_cache_max_bytes'), evictions: g('arbiusd_http_cache_evictions_total'),
    stores: g('arbiusd_http_cache_stores_total'), notModified: g('arbiusd_http_cache_not_modified_total') };
}

async function get(p, headers = {}, url = daemon.url) {
  const r = await fetch(`${url}${p}`, { headers });
  const body = Buffer.from(await r.arrayBuffer());
  return { status: r.status, headers: r.headers, body };
}

// A GET whose body node does not decode: the bytes as sent.
async function rawGzip(p) {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    http.get(`${daemon.url}${p}`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
    }).on('error', reject);
  });
}

before(async () => {
  devnet = await startDevnet({});
  truth = await runScenario({ rpcUrl: devnet.rpcUrl, deploy: devnet.deploy, scenario: 'full', log: () => {} });
  driver = await Driver.create({ rpcUrl: devnet.rpcUrl, deploy: devnet.deploy });
  // No IPFS monitor: its checks would commit between two requests that
  // must see the same data version.
  cfg = devnetConfig(tmpDir('arbiusd-cache-'), devnet.deploy, devnet.rpcUrl, {
    chain: { poll_interval: POLL },
    ipfs: { monitor: 'off' },
    ratelimit: { page: 'off', api: 'off', static: 'off', stream: 'off' },
  });
  daemon = await startDaemon({ configFile: cfg.file });
  const head = Number(await devnet.rpc.call('eth_blockNumber'));
  await waitFor(() => (status(cfg.dbPath)?.indexed_block ?? 0) >= head, { timeoutMs: 60000, what: 'initial sync' });
  const img = truth.images[0];
  ids = { task: lc(img.task), miner: lc(img.validator), user: lc(img.owner), model: lc(img.model) };
});

after(async () => {
  if (daemon) await daemon.stop();
  await devnet?.stop();
});

test('a kept reply is served again byte for byte, with its gzip form and its validator; hits and misses per route on /metrics', async () => {
  const m0 = await cacheMetrics();
  for (const p of routes()) {
    const a = await get(p);
    assert.equal(a.status, 200, p);
    const b = await get(p);
    assert.equal(b.status, 200, p);
    // /status and /api/v1/status print the uptime: the same bytes only
    // within one second; /gallery the cards' ages (kept 30 s).
    if (!/status$/.test(p)) assert.ok(a.body.equals(b.body), `${p}: the same bytes`);
    const etag = b.headers.get('etag');
    assert.ok(etag, `${p}: an ETag`);
    if (p.startsWith('/api/v1/stats') || p.startsWith('/api/v1/charts')) {
      // JSON "as of" the head: the head's validator, Last-Modified its time.
      const head = status(cfg.dbPath);
      assert.equal(etag, `"b${head.indexed_block}-${head.indexed_hash.slice(2, 18)}"`, p);
      assert.equal(b.headers.get('last-modified'), new Date(head.indexed_time * 1000).toUTCString(), p);
    }
    const nm = await get(p, { 'If-None-Match': `"nope", W/${etag}` });
    if (!/status$/.test(p)) {
      assert.equal(nm.status, 304, `${p}: If-None-Match`);
      assert.equal(nm.body.length, 0);
      assert.equal(nm.headers.get('etag'), etag);
    }
    const z = await rawGzip(p);
    if (z.headers['content-encoding'] === 'gzip') {
      const plain = await get(p);
      if (!/status$/.test(p)) assert.ok(gunzipSync(z.body).equals(plain.body), `${p}: the gzip form is the reply`);
      assert.match(z.headers.vary ?? '', /Accept-Encoding/, p);
    } else {
      assert.ok(z.body.length < 512, `${p}: a body worth compressing is sent compressed`);
    }
  }
  const m1 = await cacheMetrics();
  for (const p of routes()) {
    const k = pattern(p);
    const hits = (m1.lookups[k]?.hit ?? 0) - (m0.lookups[k]?.hit ?? 0);
    assert.ok(hits >= 1, `${k}: hits counted (${hits})`);
    assert.ok(m1.lookups[k].miss >= 1, `${k}: misses counted`);
  }
  assert.ok(m1.stores > m0.stores && m1.entries > 0 && m1.bytes > 0 && m1.bytes <= m1.max);
  assert.ok(m1.notModified > m0.notModified);
  assert.equal(m1.max, 16777216, 'the default [server] cache_size');
  // A route that is not cached has no counters.
  assert.equal(m1.lookups['/health'], undefined);
});

test('a cached reply is replaced within one poll after the head moves', async (t) => {
  const watched = ['/api/v1/stats?automine=show', '/', '/miners', '/api/v1/miners', `/api/v1/user/${ids.user}`, '/users'];
  const kept = {};
  for (const p of watched) { await get(p); kept[p] = (await get(p)).body; }
  const before = JSON.parse((await get('/api/v1/stats?automine=show')).body);
  const [alice] = driver.acc.users;
  const task = await driver.submitTask(alice, { model: 'image', input: utf8Hex(JSON.stringify({ prompt: 'cache test' })) });
  await driver.submitSolution(driver.acc.miners[0], task, fakeSolutionCid(`cache ${task}`));
  const minedAt = Date.now();
  const head = Number(await devnet.rpc.call('eth_blockNumber'));
  // What the chain says changed: the new blocks' tasks and solutions.
  const added = await driver.truth({ fromBlock: before.as_of.block + 1 });
  assert.equal(added.tasks.length, 1);
  assert.equal(added.solutions.length, 1);
  const asOf = (b) => Number(/as of block <a[^>]*>(\d+)</i.exec(b.toString())?.[1] ?? /As of block <a[^>]*>(\d+)</.exec(b.toString())?.[1]);
  for (const p of watched) {
    const r = await waitFor(async () => {
      const x = await get(p);
      // /users prints no block: alice's one more task changes it.
      if (p === '/users') return x.body.equals(kept[p]) ? null : x;
      const block = p.startsWith('/api/') ? JSON.parse(x.body).as_of?.block : asOf(x.body);
      return block >= head ? x : null;
    }, { timeoutMs: POLL * 1000 + SLACK_MS + 5000, intervalMs: 50, what: `${p} as of block ${head}` });
    const took = Date.now() - minedAt;
    t.diagnostic(`${p}: replaced ${took} ms after the block was mined (poll_interval ${POLL} s)`);
    assert.ok(took <= POLL * 1000 + SLACK_MS, `${p}: replaced after ${took} ms`);
    assert.equal(r.status, 200);
  }
  const now = JSON.parse((await get('/api/v1/stats?automine=show')).body);
  assert.equal(now.tasks, before.tasks + added.tasks.length);
  assert.equal(now.solutions, before.solutions + added.solutions.length);
  const user = JSON.parse((await get(`/api/v1/user/${lc(alice)}`)).body);
  assert.ok(user.as_of.block >= head);
});

test('the replies that show votes follow any commit at once (data version), not only the head', async () => {
  const p = `/api/v1/image/${ids.task}`;
  const a = await get(p);
  await get(p);
  const was = JSON.parse(a.body).upvotes;
  sql(cfg.dbPath, `UPDATE tasks SET upvotes = ${was + 41} WHERE id = '${ids.task}'`); // TEST-ONLY: as a vote would
  try {
    const b = await get(p, { 'If-None-Match': a.headers.get('etag') });
    assert.equal(b.status, 200);
    assert.notEqual(b.headers.get('etag'), a.headers.get('etag'));
    assert.equal(JSON.parse(b.body).upvotes, was + 41);
    const page = await get(`/image/${ids.task}`);
    assert.match(page.body.toString(), new RegExp(`\\b${was + 41}\\b`));
  } finally {
    sql(cfg.dbPath, `UPDATE tasks SET upvotes = ${was} WHERE id = '${ids.task}'`);
  }
  assert.equal(JSON.parse((await get(p)).body).upvotes, was);
});

test('pages are shared only among requests without a cookie; JSON is shared with everyone', async () => {
  const plain = await get('/miners');
  const m0 = await cacheMetrics();
  for (let i = 0; i < 3; i++) {
    const c = await get('/miners', { Cookie: 'arbiusd_session=not-a-session' });
    assert.equal(c.status, 200);
    assert.ok(c.body.equals(plain.body), 'the same page');
    assert.equal(c.headers.get('etag'), plain.headers.get('etag'));
    const j = await get('/api/v1/miners', { Cookie: 'arbiusd_session=not-a-session' });
    assert.equal(j.status, 200);
  }
  const m1 = await cacheMetrics();
  assert.equal(m1.lookups['/miners'].hit, m0.lookups['/miners'].hit, 'no page hit for a request with a cookie');
  assert.equal(m1.lookups['/miners'].miss, m0.lookups['/miners'].miss, 'nor a lookup');
  assert.ok(m1.lookups['/api/v1/miners'].hit >= m0.lookups['/api/v1/miners'].hit + 3, 'JSON hits');
});

test('[server] cache_size bounds the bytes kept (least recently used out); 0 keeps nothing, validators stay', async () => {
  // A copy nobody writes: the live daemon's polls would move the data
  // version between two requests.
  const dir = tmpDir('arbiusd-cache-small-');
  const copy = path.join(dir, 'copy.db');
  sql(cfg.dbPath, `VACUUM INTO '${copy}'`);
  for (const size of [120000, 0]) {
    const c2 = devnetConfig(dir, devnet.deploy, devnet.rpcUrl, {
      server: { cache_size: size }, database: { path: copy },
      ratelimit: { page: 'off', api: 'off', static: 'off', stream: 'off' },
    });
    const d = await startDaemon({ configFile: c2.file, args: ['--read-only'] });
    try {
      const tasks = truth.images.map((x) => lc(x.task));
      for (const id of tasks) assert.equal((await get(`/image/${id}`, {}, d.url)).status, 200);
      for (let n = 20; n >= 3; n--) assert.equal((await get(`/api/v1/images?limit=${n}`, {}, d.url)).status, 200);
      const m = await cacheMetrics(d.url);
      assert.equal(m.max, size);
      assert.ok(m.bytes <= size, `${m.bytes} bytes kept of ${size}`);
      if (size) {
        assert.ok(m.evictions > 0 && m.entries > 0, 'evicted to make room');
        // The most recent reply is still there.
        const k = await cacheMetrics(d.url);
        await get('/api/v1/images?limit=3', {}, d.url);
        assert.equal((await cacheMetrics(d.url)).lookups['/api/v1/images'].hit, k.lookups['/api/v1/images'].hit + 1);
      } else {
        assert.equal(m.stores, 0);
        assert.equal(m.entries, 0);
        const a = await get('/api/v1/stats', {}, d.url);
        const b = await get('/api/v1/stats', { 'If-None-Match': a.headers.get('etag') }, d.url);
        assert.equal(b.status, 304, 'validators without a cache');
        const g = await get('/gallery', {}, d.url);
        assert.equal((await get('/gallery', { 'If-None-Match': g.headers.get('etag') }, d.url)).status, 304);
      }
    } finally {
      await d.stop();
    }
  }
});
