// faults.test.mjs - the fault-proxy matrix: arbiusd indexes the devnet
// through a proxy that injects every failure real providers produce, and
// each run ends equal to a clean index of the same chain.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { Rpc } from '../devnet/lib.mjs';
import { startProxy } from '../devnet/proxy.mjs';
import { devnetConfig, dumpContent, freshIndex, sql, status } from './chain.mjs';
import { runCliAsync, startDaemon, tmpDir, waitFor } from './harness.mjs';

let net;
let px;
let head;
let clean;
const quiet = () => {};

before(async () => {
  net = await startDevnet({});
  await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: quiet });
  px = await startProxy({ target: net.rpcUrl, port: 0 });
  head = Number(BigInt(await new Rpc(net.rpcUrl).call('eth_blockNumber')));
  clean = dumpContent(freshIndex(tmpDir(), net.deploy, net.rpcUrl, head));
});

after(async () => {
  await px?.close();
  await net?.stop();
});

// Small ranges so that a run makes many requests for the faults to hit.
async function scanThrough(mode, { maxRange = 20, expectCode = 0 } = {}) {
  px.setMode(mode);
  px.resetStats();
  const dir = tmpDir();
  const cfg = devnetConfig(dir, net.deploy, px.url, { chain: { max_range: maxRange, rpc_timeout: 2 } });
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(net.deploy.start_block), '--to', String(head)], { timeout: 240000 });
  const stats = px.stats();
  px.setMode({ mode: 'ok' });
  assert.equal(r.code, expectCode, `${JSON.stringify(mode)}:\n${r.stderr}`);
  return { cfg, r, stats };
}

const matrix = [
  ['429 with Retry-After', { mode: '429', retryAfter: 1, every: 4 }],
  ['429 without Retry-After', { mode: '429', probability: 0.3, seed: 3 }],
  ['503', { mode: '503', every: 3 }],
  ['500', { mode: '500', every: 4 }],
  ['timeout', { mode: 'timeout', ms: 3000, methods: ['eth_getLogs'], times: 2 }],
  ['truncated JSON', { mode: 'truncated', style: 'body', every: 5 }],
  ['invalid JSON', { mode: 'invalid-json', every: 5 }],
  ['JSON-RPC throttle -32005 in a 200', { mode: 'rpc-error', code: -32005, message: 'rate limit exceeded', every: 4 }],
  ['range limit with a hint (alchemy)', { mode: 'range-limit', maxRange: 7, text: 'alchemy', hint: true }],
  ['range limit with a hint (infura)', { mode: 'range-limit', maxRange: 5, text: 'infura', hint: true }],
  ['range limit, hint stripped', { mode: 'range-limit', maxRange: 6, text: 'alchemy', hint: false }],
  ['range limit, the rejected range as hint', { mode: 'range-limit', maxRange: 4, text: 'infura', hint: 'same' }],
  ['too many results (arbitrum)', { mode: 'range-limit', maxRange: 3, text: 'arbitrum' }],
  ['max range stated (avalanche)', { mode: 'range-limit', maxRange: 9, text: 'avalanche' }],
  ['no number (chainstack)', { mode: 'range-limit', maxRange: 2, text: 'chainstack' }],
];

for (const [name, mode] of matrix) {
  test(`fault: ${name} -> equal to a clean index`, async () => {
    const { cfg, stats } = await scanThrough(mode);
    assert.ok(JSON.stringify(stats.faults) !== '{}' && stats.faults !== 0, `the proxy injected faults: ${JSON.stringify(stats)}`);
    assert.equal(status(cfg.dbPath).indexed_block, head);
    assert.deepEqual(dumpContent(cfg.dbPath), clean);
  });
}

test('fault: wrong chain id is refused and nothing is written', async () => {
  const { cfg, r } = await scanThrough({ mode: 'wrong-chain', chainId: 42170 }, { expectCode: 1 });
  assert.match(r.stderr, /chain/i);
  const rows = sql(cfg.dbPath, 'SELECT count(*) AS n FROM tasks')[0].n;
  assert.equal(rows, 0);
});

test('fault: a wrong-chain endpoint fails over to the next one', async () => {
  px.setMode({ mode: 'wrong-chain', chainId: 1 });
  const dir = tmpDir();
  const cfg = devnetConfig(dir, net.deploy, `${px.url},${net.rpcUrl}`);
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(net.deploy.start_block), '--to', String(head)], { timeout: 120000 });
  px.setMode({ mode: 'ok' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(dumpContent(cfg.dbPath), clean);
});

test('fault: a lagging head is not a reorg; the index waits and catches up', async () => {
  const dir = tmpDir();
  const cfg = devnetConfig(dir, net.deploy, px.url);
  px.setMode({ mode: 'ok' });
  const d = await startDaemon({ configFile: cfg.file });
  try {
    await waitFor(() => status(cfg.dbPath)?.indexed_block >= head, { what: 'initial sync' });
    px.setMode({ mode: 'lagging-head', lag: 30 });
    await new Promise((r) => setTimeout(r, 3500)); // three polls against a lagging node
    const st = status(cfg.dbPath);
    assert.ok(st.indexed_block >= head, 'nothing rolled back');
    assert.match(st.last_error || '', /behind the index/);
    assert.equal(sql(cfg.dbPath, 'SELECT count(*) AS n FROM reorgs')[0].n, 0, 'no reorg journaled');
    px.setMode({ mode: 'ok' });
    await waitFor(() => status(cfg.dbPath).last_error === null, { what: 'error cleared' });
  } finally {
    px.setMode({ mode: 'ok' });
    assert.equal((await d.stop()).code, 0);
  }
  assert.deepEqual(dumpContent(cfg.dbPath), clean);
});
