// The fault-injecting RPC proxy in front of a real devnet node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startDevnet } from './devnet.mjs';
import { startProxy, rangeText, RANGE_TEXTS } from './proxy.mjs';

let dn;
let px;

// raw HTTP so that status, headers and broken bodies are visible
function post(url, body, { timeoutMs = 5000 } = {}) {
  const u = new URL(url);
  const data = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((ok, fail) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': data.length }, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on('error', (e) => ok({ status: res.statusCode, headers: res.headers, error: e, text: Buffer.concat(chunks).toString() }));
      res.on('aborted', () => ok({ status: res.statusCode, aborted: true, text: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', fail);
    req.end(data);
  });
}
const rpc = (method, params = [], id = 1) => ({ jsonrpc: '2.0', id, method, params });
const json = (r) => JSON.parse(r.text);

before(async () => {
  dn = await startDevnet({});
  px = await startProxy({ target: dn.rpcUrl });
});
after(async () => {
  await px?.close();
  await dn?.stop();
});

test('ok forwards single calls and batches, counts methods', async () => {
  px.setMode({ mode: 'ok' });
  px.resetStats();
  const r = json(await post(px.url, rpc('eth_chainId')));
  assert.equal(r.result, '0xa4b1');
  const b = json(await post(px.url, [rpc('eth_blockNumber', [], 1), rpc('eth_chainId', [], 2), rpc('net_version', [], 'x')]));
  assert.equal(b.length, 3);
  assert.deepEqual(b.map((x) => x.id), [1, 2, 'x']);
  const s = px.stats();
  assert.equal(s.http_requests, 2);
  assert.equal(s.batches, 1);
  assert.equal(s.by_method.eth_chainId, 2);
  assert.equal(s.by_method.eth_blockNumber, 1);
});

test('429 with and without Retry-After, every=N', async () => {
  px.setMode({ mode: '429', retryAfter: 2 });
  let r = await post(px.url, rpc('eth_blockNumber'));
  assert.equal(r.status, 429);
  assert.equal(r.headers['retry-after'], '2');
  px.setMode({ mode: '429' });
  r = await post(px.url, rpc('eth_blockNumber'));
  assert.equal(r.status, 429);
  assert.equal(r.headers['retry-after'], undefined);
  px.setMode({ mode: '429', every: 3 });
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await post(px.url, rpc('eth_blockNumber'))).status);
  assert.deepEqual(statuses, [200, 200, 429, 200, 200, 429]);
});

test('5xx, invalid JSON, truncated bodies, times=N', async () => {
  for (const code of ['500', '502', '503']) {
    px.setMode({ mode: code });
    assert.equal((await post(px.url, rpc('eth_blockNumber'))).status, Number(code));
  }
  px.setMode({ mode: 'invalid-json' });
  let r = await post(px.url, rpc('eth_blockNumber'));
  assert.equal(r.status, 200);
  assert.throws(() => JSON.parse(r.text));
  px.setMode({ mode: 'truncated' });
  r = await post(px.url, rpc('eth_getBlockByNumber', ['latest', false]));
  assert.equal(r.status, 200);
  assert.throws(() => JSON.parse(r.text));
  assert.ok(r.text.startsWith('{"jsonrpc"'));
  px.setMode({ mode: 'truncated', style: 'connection' });
  r = await post(px.url, rpc('eth_getBlockByNumber', ['latest', false])).catch((e) => ({ error: e }));
  assert.ok(r.error || r.aborted || r.text.length < 200, 'connection cut mid-body');
  px.setMode({ mode: '503', times: 2 });
  const st = [];
  for (let i = 0; i < 4; i++) st.push((await post(px.url, rpc('eth_blockNumber'))).status);
  assert.deepEqual(st, [503, 503, 200, 200]);
});

test('timeout holds the request', async () => {
  px.setMode({ mode: 'timeout', ms: 400 });
  const t0 = Date.now();
  const r = await post(px.url, rpc('eth_blockNumber'));
  assert.ok(Date.now() - t0 >= 380);
  assert.equal(r.status, 200);
  px.setMode({ mode: 'timeout', ms: 5000 });
  await assert.rejects(post(px.url, rpc('eth_blockNumber'), { timeoutMs: 200 }), /client timeout|socket hang up/);
});

test('rpc-error is HTTP 200 with a JSON-RPC error, per call in a batch, methods filter', async () => {
  px.setMode({ mode: 'rpc-error', code: -32005, message: 'daily request count exceeded, request rate limited', methods: ['eth_getLogs'] });
  const b = json(await post(px.url, [rpc('eth_blockNumber', [], 1), rpc('eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x2' }], 2)]));
  assert.ok(b[0].result);
  assert.equal(b[1].error.code, -32005);
  assert.match(b[1].error.message, /rate limited/);
});

test('range-limit: provider texts with and without hints', async () => {
  const head = Number(BigInt(json(await post(px.url, rpc('eth_blockNumber'))).result));
  assert.ok(head > 5);
  px.setMode({ mode: 'range-limit', maxRange: 2, text: 'infura' });
  let r = json(await post(px.url, rpc('eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x5' }])));
  assert.equal(r.error.code, -32005);
  assert.equal(r.error.message, 'query returned more than 10000 results. Try with this block range [0x1, 0x2].');
  r = json(await post(px.url, rpc('eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x2' }])));
  assert.ok(Array.isArray(r.result), 'within the limit passes');
  px.setMode({ mode: 'range-limit', maxRange: 2, text: 'infura', hint: false });
  r = json(await post(px.url, rpc('eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x5' }])));
  assert.equal(r.error.message, 'query returned more than 10000 results.');
  px.setMode({ mode: 'range-limit', maxRange: 2, text: 'alchemy', hint: 'same' });
  r = json(await post(px.url, rpc('eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x5' }])));
  assert.match(r.error.message, /this block range should work: \[0x1, 0x5\]$/);
  px.setMode({ mode: 'range-limit', maxRange: 10000, text: 'quicknode' });
  r = json(await post(px.url, rpc('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }])));
  assert.ok(Array.isArray(r.result), 'range below 10000 passes');
  assert.equal(rangeText('quicknode', { max: 10000, from: 0, to: 20000 }).message, 'eth_getLogs is limited to a 10,000 range');
  assert.equal(rangeText('merkle', { max: 10000, from: 0, to: 20000 }).message, 'eth_getLogs range is too large, max is 10k blocks');
  assert.equal(rangeText('blast', { max: 1000, from: 1, to: 5000 }).message, 'block range exceeds the range allowed for your plan (5000 > 1000)');
  px.setMode({ mode: 'range-limit', maxRange: 1, text: 'a literal text from some provider' });
  r = json(await post(px.url, rpc('eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x5' }])));
  assert.equal(r.error.message, 'a literal text from some provider');
  assert.ok(Object.keys(RANGE_TEXTS).length >= 25);
});

test('lagging-head and wrong-chain', async () => {
  px.setMode({ mode: 'ok' });
  const head = Number(BigInt(json(await post(px.url, rpc('eth_blockNumber'))).result));
  px.setMode({ mode: 'lagging-head', lag: 3 });
  assert.equal(Number(BigInt(json(await post(px.url, rpc('eth_blockNumber'))).result)), head - 3);
  const blk = json(await post(px.url, rpc('eth_getBlockByNumber', ['latest', false]))).result;
  assert.equal(Number(BigInt(blk.number)), head - 3);
  assert.equal(json(await post(px.url, rpc('eth_getBlockByNumber', ['0x' + head.toString(16), false]))).result, null);
  assert.deepEqual(json(await post(px.url, rpc('eth_getLogs', [{ fromBlock: '0x' + (head - 1).toString(16), toBlock: 'latest' }]))).result, []);
  px.setMode({ rules: [{ mode: 'wrong-chain', chainId: 42170 }] });
  assert.equal(json(await post(px.url, rpc('eth_chainId'))).result, '0xa4ba');
  assert.equal(json(await post(px.url, rpc('net_version'))).result, '42170');
});

test('control endpoints over HTTP', async () => {
  const ctl = (path, method, body) =>
    new Promise((ok, fail) => {
      const u = new URL(px.url + path);
      const data = body ? Buffer.from(JSON.stringify(body)) : null;
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => ok({ status: res.statusCode, body: JSON.parse(t) }));
      });
      req.on('error', fail);
      req.end(data ?? undefined);
    });
  let r = await ctl('/__proxy/mode', 'POST', { mode: '503', probability: 1, methods: 'eth_getLogs' });
  assert.equal(r.status, 200);
  assert.equal(r.body.rules[0].mode, '503');
  assert.equal((await post(px.url, rpc('eth_getLogs', [{ fromBlock: '0x1', toBlock: '0x1' }]))).status, 503);
  assert.equal((await post(px.url, rpc('eth_blockNumber'))).status, 200);
  r = await ctl('/__proxy/mode', 'POST', { mode: 'nonsense' });
  assert.equal(r.status, 400);
  r = await ctl('/__proxy/stats', 'GET');
  assert.ok(r.body.faults['503'] >= 1);
  r = await ctl('/__proxy/reset', 'POST');
  assert.equal(r.body.calls, 0);
  px.setMode({ mode: 'ok' });
});

test('call-tracer: geth callTracer frames from the node\'s struct-log trace (helper, multicall with a failing call)', async () => {
  const { Driver } = await import('./driver.mjs');
  const { utf8Hex } = await import('./lib.mjs');
  const d = await Driver.create({ rpcUrl: dn.rpcUrl, deploy: dn.deploy });
  const c = dn.deploy.contracts;
  const [alice, bob] = dn.deploy.accounts.users;
  const input = utf8Hex(JSON.stringify({ prompt: 'traced through the helper' }));
  const ids = await d.helperSubmitBatch(alice, { model: 'image', count: 2, input });
  const hHelper = (await dn.rpc.call('eth_getBlockByNumber', ['latest', false])).transactions[0];
  const fee = await d.modelFee(d.model('image'));
  await d.multicallTx(bob, [
    { target: c.engine, data: d.submitTaskData({ model: d.model('image'), fee: fee - 1n, input: utf8Hex('{"prompt":"fails"}'), owner: bob }), allowFailure: true, fails: true },
    { target: c.engine, data: d.submitTaskData({ model: d.model('image'), fee, input: utf8Hex('{"prompt":"lands"}'), owner: bob }), task: { input: utf8Hex('{"prompt":"lands"}'), owner: bob } },
  ]);
  const hMulti = (await dn.rpc.call('eth_getBlockByNumber', ['latest', false])).transactions[0];
  const trace = (h, cfg) => rpc('debug_traceTransaction', [h, { tracer: 'callTracer', ...(cfg ? { tracerConfig: cfg } : {}) }]);

  // the node itself has no callTracer: its error goes back unchanged
  px.setMode({ mode: 'ok' });
  assert.match(json(await post(px.url, trace(hHelper))).error.message, /tracer/);
  px.setMode({ mode: 'no-debug' });
  assert.equal(json(await post(px.url, trace(hHelper))).error.code, -32601);

  px.setMode({ mode: 'call-tracer' });
  const E = (await import('./devnet.mjs')).loadArtifacts;
  const art2 = await E();
  const EI = art2.ifaces.TestEngine;
  const tx = await dn.rpc.call('eth_getTransactionByHash', [hHelper]);
  const root = json(await post(px.url, trace(hHelper), { timeoutMs: 60000 })).result;
  assert.equal(root.type, 'CALL');
  assert.equal(root.to, c.helper);
  assert.equal(root.input, tx.input);
  const engineCalls = root.calls.filter((f) => f.to === c.engine);
  assert.equal(engineCalls.length, 2);
  for (const f of engineCalls) {
    const p = EI.parseTransaction({ data: f.input });
    assert.equal(p.name, 'submitTask');
    assert.equal(p.args.input_, input);
    assert.equal(p.args.owner_.toLowerCase(), alice);
    assert.ok(f.calls.some((g) => g.to === c.token), 'the engine pulls the fee');
    assert.ok(!f.error);
  }
  assert.equal(root.calls[0].to, c.token, 'the helper collects the fees first');
  // withLog: the engine frames carry their TaskSubmitted logs
  const withLog = json(await post(px.url, trace(hHelper, { withLog: true }), { timeoutMs: 60000 })).result;
  const tlogs = withLog.calls.filter((f) => f.to === c.engine).map((f) => f.logs.find((l) => l.topics[0] === EI.getEvent('TaskSubmitted').topicHash).topics[1]);
  assert.deepEqual(tlogs, ids);
  assert.equal(json(await post(px.url, trace(hHelper, { onlyTopCall: true }))).result.calls, undefined);
  // batched, and a failed inner call in a successful transaction
  const both = json(await post(px.url, [trace(hHelper), { ...trace(hMulti), id: 2 }], { timeoutMs: 60000 }));
  const m = both.find((x) => x.id === 2).result;
  assert.equal(m.to, c.multicall);
  assert.ok(!m.error);
  assert.deepEqual(m.calls.map((f) => [f.to, !!f.error]), [[c.engine, true], [c.engine, false]]);
  assert.equal(EI.parseTransaction({ data: m.calls[1].input }).args.input_, utf8Hex('{"prompt":"lands"}'));
  // a block at once
  const blk = json(await post(px.url, rpc('debug_traceBlockByNumber', ['latest', { tracer: 'callTracer' }]), { timeoutMs: 60000 })).result;
  assert.equal(blk[0].txHash, hMulti);
  assert.ok(px.stats().faults['call-tracer'] >= 4);
  px.setMode({ mode: 'ok' });
});
