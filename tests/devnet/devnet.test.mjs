// Smoke test of the devnet: start, deploy, run the `full` scenario and check the ground truth
// against eth_getLogs; then reorg, sparse and a small bulk run on the same chain, and the CLI.
//   cd tests && node --test devnet/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { hexlify } from 'ethers';
import { startDevnet, loadArtifacts, freePort } from './devnet.mjs';
import { runScenario } from './driver.mjs';
import { checkAbi, arbiusDataDir } from './check-abi.mjs';
import { getLogsChunked } from './truth.mjs';
import { toHex, fromHex, ipfsCid } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const quiet = () => {};
let dn;
let truth;
let art;

before(async () => {
  dn = await startDevnet({});
  art = await loadArtifacts();
  truth = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'full', log: quiet });
});
after(async () => {
  await dn?.stop();
});

test('compiled contracts expose the real topic0s, selectors and layouts', async () => {
  const { checked } = await checkAbi();
  assert.ok(checked >= 50, `only ${checked} signatures checked`);
});

test('deploy: real Arbitrum One model ids, chain id 42161', () => {
  assert.equal(dn.deploy.chain_id, 42161);
  assert.equal(dn.deploy.models.image.id, '0xa473c70e9d7c872ac948d20546bc79db55fa64ca325a4b229aaffddb7f86aae0');
  assert.equal(dn.deploy.models.text.id, '0x89c39001e3b23d2092bd998b62f07b523d23deb55e1627048b4ed47a4a38d5cc');
  assert.ok(dn.deploy.deploy_block >= 1 && dn.deploy.ready_block > dn.deploy.deploy_block);
});

test('engine getIPFSCID matches the upstream test vectors', async () => {
  const dir = join(arbiusDataDir(), 'ipfs_test_vectors');
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  const E = art.ifaces.TestEngine;
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.bin'))) {
    const content = readFileSync(join(dir, f));
    const r = await dn.rpc.call('eth_call', [{ to: dn.deploy.contracts.engine, data: E.encodeFunctionData('generateIPFSCID', [content]) }, 'latest']);
    const [cid] = E.decodeFunctionResult('generateIPFSCID', r);
    assert.equal(hexlify(cid), expected[f].cid_hex, f);
    assert.equal(hexlify(ipfsCid(content)), expected[f].cid_hex, `${f} (js)`);
  }
});

test('full: truth counts agree with eth_getLogs per topic0', async () => {
  const addrs = Object.values(dn.deploy.contracts);
  const all = await getLogsChunked(dn.rpc, { address: addrs, fromBlock: truth.from_block, toBlock: truth.head.number });
  assert.equal(all.length, truth.log_count);
  const topics = Object.keys(truth.topic_counts);
  const perTopic = await dn.rpc.batch(
    topics.map((t) => ['eth_getLogs', [{ address: addrs, fromBlock: toHex(truth.from_block), toBlock: toHex(truth.head.number), topics: [t] }]]),
  );
  topics.forEach((t, i) => assert.equal(perTopic[i].length, truth.topic_counts[t], `topic ${t}`));
  assert.equal(Object.values(truth.topic_counts).reduce((a, b) => a + b, 0), all.length);

  const E = art.ifaces.TestEngine;
  const n = (sig) => truth.topic_counts[E.getEvent(sig).topicHash] ?? 0;
  assert.equal(truth.tasks.length, n('TaskSubmitted'));
  assert.equal(truth.solutions.length, n('SolutionSubmitted'));
  assert.equal(truth.claims.length, n('SolutionClaimed'));
  assert.ok(truth.claims.every((c) => c.via === 'claim'));
  assert.equal(truth.commitments.length, n('SignalCommitment'));
  assert.equal(truth.votes.length, n('ContestationVote'));
  assert.equal(truth.contestations.length, n('ContestationSubmitted'));
  assert.equal(truth.models.length, n('ModelRegistered'));
  assert.equal(truth.retractions.length, n('TaskRetracted'));
  assert.equal(truth.transfers.length, truth.topic_counts[art.ifaces.TestToken.getEvent('Transfer').topicHash]);
  const v5 = n('FeesPaid(uint256,uint256,uint256,uint256)');
  const v6 = n('FeesPaid(bytes32,bytes32,address,uint256,uint256,uint256,uint256)');
  assert.equal(truth.payouts.filter((c) => c.era === 5).length, v5);
  assert.equal(truth.payouts.filter((c) => c.era === 6).length, v6);
  assert.equal(truth.payouts.filter((c) => c.rewards && c.era >= 5).length,
    n('RewardsPaid(uint256,uint256,uint256,uint256)') + n('RewardsPaid(bytes32,bytes32,address,uint256,uint256,uint256,uint256)'));
  const head = await dn.rpc.call('eth_getBlockByNumber', ['latest', false]);
  assert.equal(truth.head.hash, head.hash);
  // every log position in the truth is a real log
  const pos = new Set(all.map((l) => `${l.transactionHash}:${fromHex(l.logIndex)}:${l.blockHash}`));
  for (const t of truth.tasks) assert.ok(pos.has(`${t.tx}:${t.log_index}:${t.block_hash}`), t.id);
});

test('full: the scenario covers what the indexer must handle', () => {
  const prompts = truth.tasks.map((t) => t.prompt);
  for (const p of ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'w'.repeat(10240)]) assert.ok(prompts.includes(p), p);
  assert.ok(prompts.some((p) => p && /[\u0590-\u06ff]/.test(p)), 'RTL');
  assert.ok(prompts.some((p) => p && /\p{Extended_Pictographic}/u.test(p)), 'emoji');
  assert.ok(truth.tasks.some((t) => t.input_utf8 === null), 'invalid UTF-8 input');
  assert.ok(truth.tasks.some((t) => t.input_utf8 === 'just plain text, not JSON at all' && t.prompt === null), 'non-JSON input');
  const bulk = truth.tasks.filter((t) => t.bulk && t.bulk_size === 5);
  assert.equal(bulk.length, 5);
  assert.equal(new Set(bulk.map((t) => t.tx)).size, 1);
  assert.deepEqual(bulk.map((t) => t.bulk_index), [0, 1, 2, 3, 4]);
  const viaRouter = truth.tasks.filter((t) => t.via === 'router');
  assert.equal(viaRouter.length, 3);
  for (const t of viaRouter) {
    assert.equal(t.sender, dn.deploy.contracts.router);
    assert.notEqual(t.owner, dn.deploy.contracts.router);
  }
  assert.ok(viaRouter.some((t) => t.owner !== t.tx_from), 'router task owned by someone else than the sender');
  assert.ok(truth.solutions.some((s) => s.cid_qm === null && s.cid_len !== 34), 'malformed cid');
  assert.ok(truth.solutions.filter((s) => s.cid_qm).every((s) => s.cid_qm.startsWith('Qm') && s.cid_qm.length === 46));
  assert.ok(truth.solutions.some((s) => s.bulk));
  assert.deepEqual([...new Set(truth.claims.map((c) => c.era))].sort(), [4, 5, 6]);
  assert.ok(truth.claims.some((c) => c.era === 4 && c.transfers.some((x) => x.role === 'validator_fee')));
  assert.ok(truth.claims.some((c) => c.era === 6 && c.rewards === null), 'rate-0 model claim');
  assert.ok(truth.payouts.some((c) => c.via === 'contestation'), 'rejected contestation pays the solver');
  assert.equal(truth.contestations.find((c) => c.outcome === 'rejected').payout.via, 'contestation');
  assert.deepEqual(truth.contestations.map((c) => c.outcome).sort(), [null, 'rejected', 'upheld'].sort());
  const auto = truth.tasks.filter((t) => t.owner === dn.deploy.accounts.automine);
  assert.equal(auto.length, 4);
  assert.ok(truth.claims.filter((c) => auto.some((t) => t.id === c.task)).every((c) => c.validator === c.owner));
  assert.ok(truth.models.some((m) => m.id === '0x98617a8cd4a11db63100ad44bea4e5e296aecfd78b2ef06aee3e364c7307f212'), 'kandinsky2 registered with its Nova id');
  assert.ok(truth.model_changes.some((c) => c.kind === 'fee'));
  assert.deepEqual([...new Set(truth.validator_events.map((v) => v.kind))].sort(), ['deposit', 'withdraw', 'withdraw_cancelled', 'withdraw_initiated']);
  assert.ok(truth.incentives.some((i) => i.kind === 'added') && truth.incentives.some((i) => i.kind === 'claimed'));
  assert.ok(truth.retractions.length === 1 && truth.tasks.find((t) => t.id === truth.retractions[0].task).retracted);
  // amounts are exact decimal strings
  for (const c of truth.claims) for (const x of c.transfers) assert.match(x.amount, /^\d+$/);
});

test('reorg: same heights, different hashes, orphaned transactions gone', async () => {
  const before = truth.tasks.length;
  const t = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'reorg', opts: { depth: 3 }, log: quiet });
  assert.equal(t.reorg.depth, 3);
  for (let i = 0; i < 3; i++) {
    assert.equal(t.reorg.orphaned[i].number, t.reorg.replaced[i].number);
    assert.notEqual(t.reorg.orphaned[i].hash, t.reorg.replaced[i].hash);
    const b = await dn.rpc.call('eth_getBlockByNumber', [toHex(t.reorg.orphaned[i].number), false]);
    assert.equal(b.hash, t.reorg.replaced[i].hash);
    for (const h of t.reorg.orphaned[i].txs) assert.equal(await dn.rpc.call('eth_getTransactionReceipt', [h]), null);
  }
  assert.ok(!t.tasks.some((x) => x.prompt?.startsWith('reorg: orphaned')));
  assert.equal(t.tasks.length, before + 1 + 3); // common ancestor + canonical tasks
  assert.equal(t.head.number, t.reorg.fork_block.number + 4);
});

test('sparse and bulk (small) on the same chain', async () => {
  const s = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'sparse', opts: { blocks: 300, events: 9 }, log: quiet });
  assert.ok(s.head.number >= s.sparse.from_block + 290);
  assert.equal(s.claims.filter((c) => c.block >= s.sparse.from_block).length, 3);
  const b = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'bulk', opts: { events: 2000 }, log: quiet });
  assert.equal(b.bulk.events, 2000);
  const E = art.ifaces.TestEngine;
  const inRange = await getLogsChunked(dn.rpc, { address: dn.deploy.contracts.engine, fromBlock: b.bulk.from_block, toBlock: b.bulk.to_block });
  assert.equal(inRange.filter((l) => l.topics[0] === E.getEvent('TaskSubmitted').topicHash).length, 1000);
  assert.equal(inRange.filter((l) => l.topics[0] === E.getEvent('SolutionSubmitted').topicHash).length, 1000);
});

test('reset returns to the just-deployed chain', async () => {
  await dn.reset();
  const h = fromHex(await dn.rpc.call('eth_blockNumber'));
  assert.equal(h, dn.deploy.ready_block);
});

test('CLI: start, drive, stop', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'devnet-cli-'));
  const port = await freePort();
  const proc = spawn(process.execPath, [join(here, 'devnet.mjs'), 'start', '--port', String(port), '--state-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise((ok, fail) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) ok(out.trim());
      });
      proc.once('exit', (c) => fail(new Error(`devnet exited ${c}`)));
      setTimeout(() => fail(new Error('no "devnet ready" in 30 s')), 30000).unref();
    });
    assert.match(line, new RegExp(`^devnet ready http://127\\.0\\.0\\.1:${port} `));
    const out = join(dir, 'truth.json');
    const drv = spawn(process.execPath, [join(here, 'driver.mjs'), '--state-dir', dir, '--scenario', 'sparse', '--blocks', '40', '--events', '4', '--out', out], { stdio: 'ignore' });
    assert.equal(await new Promise((ok) => drv.once('exit', ok)), 0);
    const t = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(t.format, 'arbiusd-devnet-truth/1');
    assert.equal(t.tasks.length, 2);
    const stop = spawn(process.execPath, [join(here, 'devnet.mjs'), 'stop', '--state-dir', dir], { stdio: 'ignore' });
    assert.equal(await new Promise((ok) => stop.once('exit', ok)), 0);
    assert.equal(await new Promise((ok) => (proc.exitCode !== null ? ok(proc.exitCode) : proc.once('exit', ok))), 0);
    assert.ok(!existsSync(join(dir, 'devnet.pid')));
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
