// The IPFS gateway stub.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGateway, pngFor } from './gateway.mjs';
import { cidQm, fakeSolutionCid } from './lib.mjs';

let gw;
const A = cidQm(fakeSolutionCid('a'));
const B = cidQm(fakeSolutionCid('b'));
const C = cidQm(fakeSolutionCid('c'));

function get(path, { method = 'GET', headers = {}, timeoutMs = 5000 } = {}) {
  const u = new URL(gw.url + path);
  return new Promise((ok, fail) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', fail);
    req.end();
  });
}

before(async () => {
  gw = await startGateway({ port: 0, default: 'present', missing: [B], slow: { [C]: 300 } });
});
after(async () => gw?.close());

test('present CIDs serve a valid PNG with gateway headers', async () => {
  const r = await get(`/ipfs/${A}/out-1.png`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'image/png');
  assert.deepEqual([...r.body.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.deepEqual(r.body, pngFor(`${A}/out-1.png`));
  assert.equal(Number(r.headers['content-length']), r.body.length);
  assert.match(r.headers['cache-control'], /immutable/);
  const h = await get(`/ipfs/${A}/out-1.png`, { method: 'HEAD' });
  assert.equal(h.status, 200);
  assert.equal(h.body.length, 0);
  assert.equal(h.headers['content-length'], r.headers['content-length']);
  const n = await get(`/ipfs/${A}/out-1.png`, { headers: { 'if-none-match': r.headers.etag } });
  assert.equal(n.status, 304);
  const t = await get(`/ipfs/${A}/out-1.txt`);
  assert.match(t.headers['content-type'], /^text\/plain/);
});

test('missing, slow, error and invalid CIDs', async () => {
  assert.equal((await get(`/ipfs/${B}/out-1.png`)).status, 404);
  const t0 = Date.now();
  assert.equal((await get(`/ipfs/${C}/out-1.png`)).status, 200);
  assert.ok(Date.now() - t0 >= 280);
  await assert.rejects(get(`/ipfs/${C}/out-1.png`, { timeoutMs: 100 }), /client timeout/);
  gw.set(A, 'error');
  assert.equal((await get(`/ipfs/${A}/out-1.png`)).status, 504);
  gw.set(A, 'present');
  assert.equal((await get('/ipfs/not-a-cid/out-1.png')).status, 400);
  gw.configure({ default: 'missing' });
  assert.equal((await get(`/ipfs/${cidQm(fakeSolutionCid('z'))}/out-1.png`)).status, 404);
  gw.configure({ default: 'present' });
});

test('range requests', async () => {
  const full = (await get(`/ipfs/${A}/out-1.png`)).body;
  let r = await get(`/ipfs/${A}/out-1.png`, { headers: { range: 'bytes=0-7' } });
  assert.equal(r.status, 206);
  assert.equal(r.headers['content-range'], `bytes 0-7/${full.length}`);
  assert.deepEqual(r.body, full.subarray(0, 8));
  r = await get(`/ipfs/${A}/out-1.png`, { headers: { range: 'bytes=-4' } });
  assert.deepEqual(r.body, full.subarray(full.length - 4));
  r = await get(`/ipfs/${A}/out-1.png`, { headers: { range: 'bytes=10-' } });
  assert.deepEqual(r.body, full.subarray(10));
  r = await get(`/ipfs/${A}/out-1.png`, { headers: { range: `bytes=${full.length + 5}-` } });
  assert.equal(r.status, 416);
  assert.equal(r.headers['content-range'], `bytes */${full.length}`);
});

test('quirks: Range ignored, HEAD refused, large bodies', async () => {
  const D = cidQm(fakeSolutionCid('d'));
  gw.configure({ noRange: [D], noHead: [D], bytes: { [D]: 100000 } });
  const h = await get(`/ipfs/${D}/out-1.png`, { method: 'HEAD' });
  assert.equal(h.status, 405);
  const r = await get(`/ipfs/${D}/out-1.png`, { headers: { range: 'bytes=0-99' } });
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 100000);
  assert.equal(Number(r.headers['content-length']), 100000);
  assert.deepEqual(r.body.subarray(0, 8), pngFor(`${D}/out-1.png`).subarray(0, 8));
  gw.configure({ clear: true });
  assert.equal((await get(`/ipfs/${D}/out-1.png`, { method: 'HEAD' })).status, 200);
  gw.configure({ missing: [B], slow: { [C]: 300 } });
});

test('stats', () => {
  const s = gw.stats();
  assert.ok(s.requests >= 10);
  assert.ok(s.by_status['200'] >= 3 && s.by_status['404'] >= 1);
  assert.ok(s.by_cid[A] >= 3);
});
