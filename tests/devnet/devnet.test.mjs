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
import { runScenario, Driver } from './driver.mjs';
import { expandCalls } from './truth.mjs';
import { checkAbi, arbiusDataDir } from './check-abi.mjs';
import { getLogsChunked } from './truth.mjs';
import { toHex, fromHex, ipfsCid, promptOf } from './lib.mjs';

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
  const addrs = Object.values(truth.contracts); // the three the truth covers
  assert.deepEqual(Object.keys(truth.contracts).sort(), ['engine', 'router', 'token']);
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

// ---- tasks from any caller, V6 contestations, late model registrations ---------------------

const KNOWN_TASK_SELECTORS = ['0x08745dd1', '0x08afe0eb', '0x56914caf', '0x65d445fb', '0xfb53f5b1'];

test('wrapper: helper, Multicall3 and Safe tasks keep input, owner and bulk_size; the truth matches the chain', async () => {
  const t = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'wrapper', log: quiet });
  const w = t.notes.wrapper;
  const c = dn.deploy.contracts;
  const E = art.ifaces.TestEngine;
  const mine = t.tasks.filter((x) => x.block >= t.tasks.find((y) => y.id === w.helper.batch3[0]).block);
  // every task of the scenario: input CID from calldata = what the engine stores; owner too
  const views = await dn.rpc.batch(mine.map((x) => ['eth_call', [{ to: c.engine, data: E.encodeFunctionData('tasks', [x.id]) }, 'latest']]));
  mine.forEach((x, i) => {
    const v = E.decodeFunctionResult('tasks', views[i]);
    assert.equal(hexlify(v.cid), hexlify(ipfsCid(x.input)), `cid of ${x.id}`);
    assert.equal(v.owner.toLowerCase(), x.owner, `owner of ${x.id}`);
    assert.equal(x.prompt, promptOf(x.input));
  });
  assert.deepEqual([...new Set(mine.map((x) => x.via))].sort(), ['engine', 'helper', 'multicall', 'router', 'safe']);
  const paths = new Set(mine.map((x) => x.call_path.join('>')));
  for (const p of ['', 'router', 'helper', 'multicall', 'multicall>router', 'safe', 'safe>router']) assert.ok(paths.has(p), `call path "${p}"`);
  // the helper's transactions: its own selectors, prompt only in its calldata, helper = sender
  const helperTxs = [...new Set(mine.filter((x) => x.via === 'helper').map((x) => x.tx))];
  for (const h of helperTxs) {
    const tx = await dn.rpc.call('eth_getTransactionByHash', [h]);
    assert.equal(tx.to.toLowerCase(), c.helper);
    assert.ok(!KNOWN_TASK_SELECTORS.includes(tx.input.slice(0, 10)), `helper selector ${tx.input.slice(0, 10)}`);
  }
  for (const x of mine.filter((y) => y.via === 'helper')) assert.equal(x.sender, c.helper);
  const b3 = w.helper.batch3.map((id) => t.tasks.find((x) => x.id === id));
  assert.deepEqual(b3.map((x) => [x.bulk, x.bulk_size, x.bulk_index]), [[true, 3, 0], [true, 3, 1], [true, 3, 2]]);
  assert.equal(t.tasks.find((x) => x.id === w.helper.batch1[0]).bulk_size, 1);
  const each = w.helper.each.map((id) => t.tasks.find((x) => x.id === id));
  assert.deepEqual(each.map((x) => x.bulk_size), [2, 1, 2, 1], 'submitEach with one input twice');
  assert.ok(each.every((x) => x.owner === dn.deploy.accounts.users[3] && x.tx_from === dn.deploy.accounts.bot));
  // aggregate3 with a failing allowFailure call: its prompt belongs to no task
  assert.equal(w.multicall.aggregate3.length, 5);
  assert.ok(!t.tasks.some((x) => x.prompt === w.multicall.failed_prompt));
  const agg = w.multicall.aggregate3.map((id) => t.tasks.find((x) => x.id === id));
  assert.deepEqual(agg.map((x) => x.call_index), [0, 1, 2, 2, 4]);
  assert.equal(agg[1].sender, c.router);
  assert.equal(agg[1].incentive, (10n ** 18n / 20n).toString());
  assert.deepEqual(agg.slice(2, 4).map((x) => [x.call, x.bulk_size]), [['bulkSubmitTask', 2], ['bulkSubmitTask', 2]]);
  const own = t.tasks.find((x) => x.id === w.safe.own[0]);
  assert.equal(own.owner, c.safe);
  assert.equal(own.sender, c.safe);
  // expandCalls unwraps the same transactions the same way from their raw calldata
  const tx = await dn.rpc.call('eth_getTransactionByHash', [agg[0].tx]);
  const ex = expandCalls({ to: tx.to, data: tx.input, from: tx.from, deploy: dn.deploy, ifaces: art.ifaces });
  assert.equal(ex.tasks.length, 6);
  assert.deepEqual(ex.tasks.map((u) => u.may_fail), [false, false, false, false, true, false], 'the allowFailure call');
  // solutions: the helper, the multicall and the safe are the solvers on chain
  for (const [who, ids] of Object.entries(w.solved_by)) {
    for (const id of ids) assert.equal(t.solutions.find((s) => s.task === id).validator, c[who], `${who} solved ${id}`);
  }
  const helperClaims = t.claims.filter((x) => x.validator === c.helper);
  assert.deepEqual([...new Set(helperClaims.map((x) => x.era))].sort(), [5, 6]);
  // era 5 pays the helper contract by transfer, era 6 into its stake
  assert.ok(helperClaims.filter((x) => x.era === 5).every((x) => x.transfers.some((p) => p.role.startsWith('validator_') && p.to === c.helper)));
  assert.ok(helperClaims.filter((x) => x.era === 6).every((x) => x.paid.validator.how === 'stake' && !x.transfers.some((p) => p.to === c.helper)));
  const hp = t.participants.find((p) => p.address === c.helper);
  assert.deepEqual(hp.roles, ['staker', 'committer', 'solver']);
  assert.equal(hp.stake.staked, hp.stake.expected);
  // the packed block holds a helper, a multicall and a direct task
  assert.deepEqual(w.packed.map((id) => t.tasks.find((x) => x.id === id)).map((x) => [x.block, x.via]),
    [[w.packed_block, 'helper'], [w.packed_block, 'multicall'], [w.packed_block, 'engine']]);
});

test('contest: V6 outcomes with the vote adder, a tie, multi-call finishes, every participant', async () => {
  const t = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'contest', log: quiet });
  const n = t.notes.contest;
  const byTask = (id) => t.contestations.find((c) => c.task === id);
  const E = art.ifaces.TestEngine;
  const T = art.ifaces.TestToken;
  // what each first finish transaction did, read from its receipt (not from the truth)
  const did = async (c) => {
    const r = await dn.rpc.call('eth_getTransactionReceipt', [c.finish[0].tx]);
    const fee = r.logs.some((l) => l.topics[0] === E.getEvent('FeesPaid(bytes32,bytes32,address,uint256,uint256,uint256,uint256)').topicHash ||
      l.topics[0] === E.getEvent('FeesPaid(uint256,uint256,uint256,uint256)').topicHash);
    const refund = r.logs.some((l) => l.topics[0] === T.getEvent('Transfer').topicHash && '0x' + l.topics[2].slice(26) === t.tasks.find((x) => x.id === c.task).owner && !fee);
    return fee ? 'rejected' : refund ? 'upheld' : '?';
  };
  const raw = (c) => (c.yea_voters.length > c.nay_voters.length ? 'upheld' : 'rejected');
  const a50 = byTask(n.tasks.adder50);
  assert.deepEqual([a50.outcome, a50.adder, a50.yeas, a50.nays, raw(a50)], ['upheld', 50, 51, 2, 'rejected']);
  assert.equal(await did(a50), 'upheld');
  assert.equal(a50.refund.amount, t.tasks.find((x) => x.id === a50.task).fee);
  const rej = byTask(n.tasks.rejected);
  assert.deepEqual([rej.outcome, rej.adder, rej.yeas, rej.nays], ['rejected', 1, 2, 3]);
  assert.deepEqual(rej.finish.map((f) => [f.start_idx, f.end_idx]), [[0, 1], [1, 3]]);
  assert.equal(await did(rej), 'rejected');
  assert.equal(rej.payout.via, 'contestation');
  const tie = byTask(n.tasks.tie);
  assert.deepEqual([tie.outcome, tie.yeas, tie.nays], ['rejected', 2, 2]);
  assert.equal(await did(tie), 'rejected');
  const mu = byTask(n.tasks.multi_upheld);
  assert.deepEqual(mu.finish.map((f) => f.start_idx), [0, 1, 2]);
  assert.equal(mu.outcome, 'upheld');
  const a1 = byTask(n.tasks.adder1);
  assert.deepEqual([a1.outcome, raw(a1)], ['upheld', 'rejected']);
  assert.equal(byTask(n.tasks.open).outcome, null);
  const e5 = byTask(n.tasks.raw_era5);
  assert.deepEqual([e5.outcome, e5.era, e5.adder, e5.payout.era], ['rejected', 5, 0, 5]);
  // the adder history: set silently (no event), then by MasterContesterVoteAdderSet
  const ch = t.vote_adder_changes.filter((x) => x.block >= n.from_block);
  assert.deepEqual(ch.map((x) => [x.adder, x.event]), [[50, false], [1, true]]);
  assert.equal(t.vote_adder_changes.filter((x) => x.event).length, t.counts.engine['MasterContesterVoteAdderSet(uint32)']);
  const adderAt = async (b) => Number(E.decodeFunctionResult('masterContesterVoteAdder', await dn.rpc.call('eth_call', [{ to: dn.deploy.contracts.engine, data: E.encodeFunctionData('masterContesterVoteAdder') }, toHex(b)]))[0]);
  assert.equal(await adderAt(ch[0].block), 50);
  assert.equal(await adderAt(ch[0].block - 1), 0);
  assert.equal(t.master_contester_registry_changes.at(-1).registry, dn.deploy.contracts.registry);
  // participants: the master contester staked, contested and voted, never solved
  const P = (a) => t.participants.find((p) => p.address === a);
  const [mc1, mc2] = n.master_contesters;
  assert.deepEqual(P(mc1).roles, ['staker', 'contester', 'voter']);
  assert.equal(P(mc1).master_contester, true);
  assert.equal(P(mc1).solutions, 0);
  assert.ok(P(mc1).contestations.won >= 2 && P(mc1).contestations.lost >= 1);
  assert.ok(P(mc1).votes.cast >= 2);
  assert.deepEqual(P(mc2).roles, ['staker', 'contester']);
  assert.deepEqual(P(n.staker_only).roles, ['staker']);
  assert.deepEqual(P(n.committer_only).roles, ['committer']);
  assert.ok(P(mc1).stake.history.some((h) => h.kind === 'slash_return'));
  for (const p of t.participants) assert.equal(p.stake.staked, p.stake.expected, `stake of ${p.address}`);
});

test('late-models: a truth from start_block knows the models registered before it', async () => {
  const t = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'late-models', opts: { gap: 60, fromBlock: 'scenario' }, log: quiet });
  const L = t.late_models;
  assert.equal(t.from_block, L.start_block);
  assert.equal(L.gap.to - L.gap.from + 1, 60);
  const E = art.ifaces.TestEngine;
  const regs = await getLogsChunked(dn.rpc, { address: dn.deploy.contracts.engine, topics: [E.getEvent('ModelRegistered').topicHash], fromBlock: L.start_block, toBlock: t.head.number });
  assert.equal(regs.length, 0, 'no registration in range');
  const m = t.models.find((x) => x.id === L.model);
  assert.equal(m.registered_in_range, false);
  assert.equal(m.block, L.registered_block);
  assert.equal(m.registered_fee, L.registered_fee);
  assert.equal(m.fee, (BigInt(L.registered_fee) + 2n).toString(), 'fee from the view, not the registration');
  assert.equal(m.output_file, 'out-1.png');
  assert.equal(JSON.parse(m.template).output[0].type, 'image');
  for (const key of ['image', 'text']) assert.equal(t.models.find((x) => x.id === dn.deploy.models[key].id)?.registered_in_range, false);
  assert.ok(t.tasks.every((x) => x.block >= L.start_block));
  assert.ok(!t.tasks.some((x) => L.tasks_before.includes(x.id)));
  assert.ok(t.solutions.some((s) => s.task === L.tasks_before[1]), 'the solution of a task from before start_block');
  // images: image-model tasks of the range with a solution
  const imgModels = new Set(t.models.filter((x) => x.output_file === 'out-1.png').map((x) => x.id));
  const want = t.tasks.filter((x) => imgModels.has(x.model) && t.solutions.some((s) => s.task === x.id)).map((x) => x.id);
  assert.deepEqual(t.images.map((i) => i.task), want);
  assert.ok(t.images.every((i) => i.path === `/ipfs/${i.cid_qm}/out-1.png`));
  assert.equal(t.images.length, 5);
});

test('bulk --via helper: prompts only in the helper calldata, the helper solves', async () => {
  const b = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'bulk', opts: { events: 1200, via: 'helper', perTx: 150, fullTruth: true }, log: quiet });
  assert.equal(b.bulk.via, 'helper');
  const mine = b.tasks.filter((x) => x.block >= b.bulk.from_block);
  assert.equal(mine.length, 600);
  assert.ok(mine.every((x) => x.via === 'helper' && x.sender === dn.deploy.contracts.helper && x.prompt?.startsWith('bulk benchmark prompt #')));
  assert.ok(mine.some((x) => x.bulk_size > 1) && mine.some((x) => x.bulk_size === 1), 'submitBatch and submitEach');
  const sols = b.solutions.filter((s) => s.block >= b.bulk.from_block);
  assert.equal(sols.length, 600);
  assert.ok(sols.every((s) => s.validator === dn.deploy.contracts.helper));
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
