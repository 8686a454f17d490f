#!/usr/bin/env node
// Play scenarios against a running devnet and write the ground truth of what landed.
//
//   node devnet/driver.mjs --rpc URL --deploy deploy.json --scenario NAME --out truth.json [opts]
//     full                      every event kind, hostile prompts, all three reward eras
//     reorg  [--depth N] [--extra K]   snapshot, N blocks with events, revert, N+K other blocks
//     bulk   [--events N] [--per-tx B] [--task-txs T] [--full-truth]
//                               N engine events fast (bulkSubmitTask + bulkSubmitSolution)
//     sparse [--blocks B] [--events E]   E events spread over B mostly empty blocks
//     wrapper                   tasks, solutions, claims through the bulk helper (own selectors),
//                               Multicall3 and the Safe, mixed with direct calls
//     contest                   V6 contestations: upheld by the vote adder, rejected, a tie,
//                               multi-call finishes, master contesters, stake-only/commit-only validators
//     late-models [--gap G]     models registered (and tasks), G empty blocks, then more tasks and
//                               solutions: index from the truth's late_models.start_block
//   bulk --via helper           the bulk workload through the helper (submitBatch/submitEach + solveBatch)
//   --from-block N|scenario     build the truth from block N (or the scenario's start_block)
//   --deploy may be omitted when --state-dir D holds deploy.json; --rpc defaults to deploy's rpc_url.
//
//   import { runScenario, Driver } from './driver.mjs'
//   const truth = await runScenario({ rpcUrl, deploy, scenario: 'full' })
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBytes, hexlify, AbiCoder, keccak256 } from 'ethers';
import { Rpc, toHex, fromHex, utf8Hex, fakeSolutionCid, ipfsCid } from './lib.mjs';
import { loadArtifacts, parseArgs, safeExecData, MODEL_REGISTRAR, AIUS } from './devnet.mjs';
import { buildTruth, getLogsChunked } from './truth.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const lc = (s) => String(s).toLowerCase();
const abi = AbiCoder.defaultAbiCoder();
const E18 = 10n ** 18n;

/** Hostile and ordinary task inputs used by the `full` scenario (hex of the raw input bytes). */
export const FULL_INPUTS = [
  ['image', JSON.stringify({ prompt: 'a watercolor fox in a snowy forest, soft morning light' })],
  ['image', JSON.stringify({ prompt: 'キツネ 🦊 in Tokyo at night, neon 🌃✨ — café crème, naïve façade' })],
  ['image', JSON.stringify({ prompt: 'مرحبا بالعالم — שלום עולם (right-to-left text) 123' })],
  ['image', JSON.stringify({ prompt: '<script>alert(1)</script>' })],
  ['image', JSON.stringify({ prompt: '"><img src=x onerror=alert(1)>' })],
  ['text', JSON.stringify({ prompt: 'He said "hello" and \'goodbye\' \\ back\\slash\nnew line\ttab' })],
  ['image', JSON.stringify({ prompt: 'w'.repeat(10240) })], // a 10 kB word
  ['text', 'just plain text, not JSON at all'],
  ['image', '0xff fe 80 7b 22 70 72 6f 6d 70 74 22 3a 22 c3 28 22 7d'], // invalid UTF-8 (hex)
  ['image', JSON.stringify({ negative_prompt: 'blurry, lowres', seed: 42 })], // JSON without prompt
  ['image', JSON.stringify({ prompt: 42 })], // prompt is not a string
  ['text', '{"prompt": "unterminated JSON'],
  ['image', JSON.stringify({ prompt: 'nul\u0000byte and \u2028line\u2029separators\r\n' })],
  ['image', JSON.stringify({ prompt: "%s %n {{7*7}} ${7*7} '; DROP TABLE tasks; --" })],
  ['image', JSON.stringify({ prompt: 'Z̷̢͈a̶l̴g̷o̸ 👩‍👩‍👧‍👦 🏳️‍🌈 \ud83d\ude00' })],
  ['image', ''], // empty input
  ['image', JSON.stringify({ prompt: 'anime girl, cherry blossoms', seed: 1234567, width: 1024, height: 1024 })],
];

function inputHex(s) {
  if (s.startsWith('0x')) return hexlify(Uint8Array.from(s.slice(2).trim().split(/\s+/).map((b) => parseInt(b, 16))));
  return utf8Hex(s);
}

/** Mirror of TestEngine._claimSolutionFeesAndReward: what a claim should pay. */
export function expectedPayout({ era, taskFee, modelFee, modelAddr, rate, reward, pct, validator, owner, treasury }) {
  let mf = modelFee > taskFee ? 0n : modelFee;
  let treasuryFee = 0n;
  const transfers = [];
  if (mf > 0n) {
    if (era >= 5) treasuryFee = mf - (mf * (E18 - pct.solutionModelFee)) / E18;
    if (mf - treasuryFee > 0n) transfers.push({ role: 'model_fee', to: modelAddr, amount: (mf - treasuryFee).toString() });
  }
  const remainingFee = taskFee - mf;
  const remTreasury = remainingFee - (remainingFee * (E18 - pct.solutionFee)) / E18;
  const validatorFee = remainingFee - remTreasury;
  if (validatorFee > 0n && era !== 6) transfers.push({ role: 'validator_fee', to: validator, amount: validatorFee.toString() });
  let rewards = null;
  if (rate > 0n) {
    const total = (reward * rate) / (2n * E18);
    if (total > 0n) {
      const tr = total - (total * (E18 - pct.treasuryReward)) / E18;
      const or = total - (total * (E18 - pct.taskOwnerReward)) / E18;
      const vr = total - tr - or;
      rewards = { total: total.toString(), treasury_reward: tr.toString(), task_owner_reward: or.toString(), validator_reward: vr.toString() };
      transfers.push({ role: 'treasury_reward', to: treasury, amount: tr.toString() });
      transfers.push({ role: 'task_owner_reward', to: owner, amount: or.toString() });
      if (era !== 6) transfers.push({ role: 'validator_reward', to: validator, amount: vr.toString() });
    }
  }
  return {
    era,
    fees: { model_fee: mf.toString(), treasury_fee: treasuryFee.toString(), remaining_fee: remainingFee.toString(), validator_fee: validatorFee.toString() },
    fee_accrued: (treasuryFee + remTreasury).toString(),
    rewards,
    transfers,
  };
}

export class Driver {
  constructor({ rpcUrl, deploy, artifacts }) {
    this.rpc = new Rpc(rpcUrl);
    this.deploy = deploy;
    this.artifacts = artifacts;
    this.E = artifacts.ifaces.TestEngine;
    this.R = artifacts.ifaces.TestRouter;
    this.T = artifacts.ifaces.TestToken;
    this.H = artifacts.ifaces.TestBulkHelper;
    this.M = artifacts.ifaces.TestMulticall3;
    this.S = artifacts.ifaces.TestSafe;
    this.G = artifacts.ifaces.TestMasterContesterRegistry;
    this.engine = deploy.contracts.engine;
    this.router = deploy.contracts.router;
    this.token = deploy.contracts.token;
    this.helper = deploy.contracts.helper;
    this.multicall = deploy.contracts.multicall;
    this.safe = deploy.contracts.safe;
    this.registry = deploy.contracts.registry;
    this.acc = deploy.accounts;
    this.intents = new Map(); // tx hash -> what we meant
    this.txCount = 0;
    this.topic = {
      TaskSubmitted: this.E.getEvent('TaskSubmitted').topicHash,
      SolutionSubmitted: this.E.getEvent('SolutionSubmitted').topicHash,
      ModelRegistered: this.E.getEvent('ModelRegistered').topicHash,
      ValidatorWithdrawInitiated: this.E.getEvent('ValidatorWithdrawInitiated').topicHash,
    };
  }

  static async create({ rpcUrl, deploy }) {
    return new Driver({ rpcUrl: rpcUrl ?? deploy.rpc_url, deploy, artifacts: await loadArtifacts() });
  }

  async view(iface, to, fn, args = [], block = 'latest') {
    const r = await this.rpc.call('eth_call', [{ to, data: iface.encodeFunctionData(fn, args) }, block]);
    return iface.decodeFunctionResult(fn, r);
  }

  /** One transaction (automine on): send, wait, record the intent. Returns the receipt. */
  /** Name a revert: "LowerFeeThanModelFee()" instead of 0x57235133. */
  explain(e) {
    const data = e?.data?.data;
    if (typeof data === 'string' && data.length >= 10) {
      for (const iface of [this.E, this.R, this.T, this.H, this.M, this.S, this.G].filter(Boolean)) {
        try {
          const pe = iface.parseError(data);
          if (pe) return new Error(`${e.message} [${pe.signature}]`);
        } catch {
          /* not this contract's */
        }
      }
    }
    return e;
  }

  async tx(from, to, data, intent = {}, gas = 16_000_000) {
    let hash;
    try {
      hash = await this.rpc.call('eth_sendTransaction', [{ from, to, data, gas: toHex(gas) }]);
    } catch (e) {
      throw this.explain(e);
    }
    const r = await this.rpc.call('eth_getTransactionReceipt', [hash]);
    if (!r) throw new Error(`no receipt for ${hash}: is automine off?`);
    if (r.status !== '0x1') throw new Error(`tx ${hash} (${intent.kind}) reverted`);
    this.intents.set(hash, { ...intent, from: lc(from) });
    this.txCount++;
    return r;
  }

  /** Several transactions in one block (automine off, send in order, evm_mine). */
  async packed(list) {
    await this.rpc.call('evm_setAutomine', [false]);
    const hashes = [];
    try {
      for (const t of list) {
        hashes.push(await this.rpc.call('eth_sendTransaction', [{ from: t.from, to: t.to, data: t.data, gas: toHex(t.gas ?? 3_000_000) }]));
      }
      await this.rpc.call('evm_mine');
    } finally {
      await this.rpc.call('evm_setAutomine', [true]);
    }
    const rs = await this.rpc.batch(hashes.map((h) => ['eth_getTransactionReceipt', [h]]));
    rs.forEach((r, i) => {
      if (!r || r.status !== '0x1') throw new Error(`packed tx ${hashes[i]} (${list[i].intent?.kind}) failed`);
      this.intents.set(hashes[i], { ...(list[i].intent ?? {}), from: lc(list[i].from) });
    });
    this.txCount += list.length;
    return rs;
  }

  taskIds(r) {
    return r.logs.filter((l) => lc(l.address) === this.engine && l.topics[0] === this.topic.TaskSubmitted).map((l) => l.topics[1]);
  }

  model(key) {
    return this.deploy.models[key]?.id ?? key;
  }

  async modelFee(model) {
    return (await this.view(this.E, this.engine, 'models', [model])).fee;
  }

  // ---- engine operations -------------------------------------------------------------
  submitTaskData({ model, fee, input, owner, version = 0 }) {
    return this.E.encodeFunctionData('submitTask', [version, owner, model, fee, input]);
  }

  async submitTask(from, { model, fee, input, owner = from, version = 0 }) {
    model = this.model(model);
    fee ??= await this.modelFee(model);
    const r = await this.tx(from, this.engine, this.submitTaskData({ model, fee, input, owner, version }), { kind: 'submitTask', input, owner });
    return this.taskIds(r)[0];
  }

  async bulkSubmitTask(from, { model, fee, input, owner = from, n, version = 0 }) {
    model = this.model(model);
    fee ??= await this.modelFee(model);
    const data = this.E.encodeFunctionData('bulkSubmitTask', [version, owner, model, fee, input, n]);
    const r = await this.tx(from, this.engine, data, { kind: 'bulkSubmitTask', input, owner, n });
    return this.taskIds(r);
  }

  async routerSubmitTask(from, { model, fee, input, owner = from, incentive = 0n, gas = 0n, version = 0 }) {
    model = this.model(model);
    fee ??= await this.modelFee(model);
    const data = this.R.encodeFunctionData('submitTask', [version, owner, model, fee, input, incentive, gas]);
    const r = await this.tx(from, this.router, data, { kind: 'routerSubmitTask', input, owner, incentive: incentive.toString() });
    return this.taskIds(r)[0];
  }

  commitment(validator, taskid, cid) {
    return keccak256(abi.encode(['address', 'bytes32', 'bytes'], [validator, taskid, cid]));
  }

  async signalCommitment(from, validator, taskid, cid) {
    await this.tx(from, this.engine, this.E.encodeFunctionData('signalCommitment', [this.commitment(validator, taskid, cid)]), { kind: 'signalCommitment' });
  }

  async submitSolution(from, taskid, cid) {
    await this.tx(from, this.engine, this.E.encodeFunctionData('submitSolution', [taskid, cid]), { kind: 'submitSolution', cids: { [taskid]: cid } });
  }

  async bulkSubmitSolution(from, taskids, cids) {
    const data = this.E.encodeFunctionData('bulkSubmitSolution', [taskids, cids]);
    await this.tx(from, this.engine, data, { kind: 'bulkSubmitSolution', cids: Object.fromEntries(taskids.map((t, i) => [t, cids[i]])) });
  }

  /** Expected payout of claiming taskid now (reads the engine state). */
  async expectClaim(taskid) {
    const E = this.E;
    const calls = [['tasks', [taskid]], ['solutions', [taskid]], ['getReward', []], ['era', []], ['solutionFeePercentage', []],
      ['solutionModelFeePercentage', []], ['treasuryRewardPercentage', []], ['taskOwnerRewardPercentage', []], ['treasury', []]];
    const res = await this.rpc.batch(calls.map(([fn, a]) => ['eth_call', [{ to: this.engine, data: E.encodeFunctionData(fn, a) }, 'latest']]));
    const d = calls.map(([fn], i) => E.decodeFunctionResult(fn, res[i]));
    const [task, sol, [reward], [era], [sfp], [smfp], [trp], [torp], [treasury]] = d;
    const m = await this.view(E, this.engine, 'models', [task.model]);
    return expectedPayout({
      era: Number(era),
      taskFee: task.fee,
      modelFee: m.fee,
      modelAddr: lc(m.addr),
      rate: m.rate,
      reward,
      pct: { solutionFee: sfp, solutionModelFee: smfp, treasuryReward: trp, taskOwnerReward: torp },
      validator: lc(sol.validator),
      owner: lc(task.owner),
      treasury: lc(treasury),
    });
  }

  async claim(from, taskid) {
    const expect = await this.expectClaim(taskid);
    await this.tx(from, this.engine, this.E.encodeFunctionData('claimSolution', [taskid]), { kind: 'claimSolution', task: taskid, expect });
  }

  async setEra(era) {
    await this.tx(this.acc.deployer, this.engine, this.E.encodeFunctionData('setEra', [era]), { kind: 'setEra', era });
  }

  async admin(fn, args) {
    await this.tx(this.acc.deployer, this.engine, this.E.encodeFunctionData(fn, args), { kind: fn });
  }

  async registerModel(from, { addr, fee, template }) {
    const r = await this.tx(from, this.engine, this.E.encodeFunctionData('registerModel', [addr, fee, template]), { kind: 'registerModel' });
    return r.logs.find((l) => l.topics[0] === this.topic.ModelRegistered).topics[1];
  }

  async contest(from, taskid) {
    await this.tx(from, this.engine, this.E.encodeFunctionData('submitContestation', [taskid]), { kind: 'submitContestation' });
  }

  async vote(from, taskid, yea) {
    await this.tx(from, this.engine, this.E.encodeFunctionData('voteOnContestation', [taskid, yea]), { kind: 'voteOnContestation' });
  }

  async voteFinish(from, taskid, amnt = 10, expect = null, outcome = undefined) {
    await this.tx(from, this.engine, this.E.encodeFunctionData('contestationVoteFinish', [taskid, amnt]), { kind: 'contestationVoteFinish', expect, outcome });
  }

  async transferToken(from, to, amount) {
    await this.tx(from, this.token, this.T.encodeFunctionData('transfer', [to, amount]), { kind: 'transfer' }, 100_000);
  }

  async mineEmpty(n) {
    for (let i = 0; i < n; i += 500) {
      const k = Math.min(500, n - i);
      await this.rpc.batch(Array.from({ length: k }, () => ['evm_mine', []]));
    }
  }

  // ---- wrappers: the bulk helper (own selectors), Multicall3, the Safe ------------------
  /** helper.submitBatch: count engine submitTask calls with one input. Returns the task ids. */
  async helperSubmitBatch(from, { model, fee, owner = from, count, input }) {
    model = this.model(model);
    fee ??= await this.modelFee(model);
    const data = this.H.encodeFunctionData('submitBatch', [model, fee, owner, count, input]);
    const r = await this.tx(from, this.helper, data, { kind: 'helper.submitBatch', tasks: Array.from({ length: count }, () => ({ input, owner })) });
    return this.taskIds(r);
  }

  /** helper.submitEach: one engine submitTask per input. Returns the task ids. */
  async helperSubmitEach(from, { model, fee, owner = from, inputs }) {
    model = this.model(model);
    fee ??= await this.modelFee(model);
    const data = this.H.encodeFunctionData('submitEach', [model, fee, owner, inputs]);
    const r = await this.tx(from, this.helper, data, { kind: 'helper.submitEach', tasks: inputs.map((input) => ({ input, owner })) });
    return this.taskIds(r);
  }

  /** helper.solveBatch: the helper contract is the solver. */
  async helperSolve(from, taskids, cids) {
    const data = this.H.encodeFunctionData('solveBatch', [taskids, cids]);
    await this.tx(from, this.helper, data, { kind: 'helper.solveBatch', cids: Object.fromEntries(taskids.map((t, i) => [t, cids[i]])) });
  }

  async helperCommit(from, commitments) {
    await this.tx(from, this.helper, this.H.encodeFunctionData('commitBatch', [commitments]), { kind: 'helper.commitBatch' });
  }

  /** helper.claimBatch, with the expected payout of every claim. */
  async helperClaim(from, taskids) {
    const expectByTask = {};
    for (const t of taskids) expectByTask[t] = await this.expectClaim(t);
    await this.tx(from, this.helper, this.H.encodeFunctionData('claimBatch', [taskids]), { kind: 'helper.claimBatch', expectByTask });
  }

  async helperStake(from, amount) {
    await this.tx(from, this.helper, this.H.encodeFunctionData('stake', [amount]), { kind: 'helper.stake' });
  }

  /** Multicall3: calls [{ target, data, allowFailure, task?: {input, owner} | tasks: [...], cids?, expect? }];
   * v3 (aggregate3) unless plain. intent lists the tasks meant to land (failing calls excluded). */
  async multicallTx(from, calls, { plain = false } = {}) {
    const data = plain
      ? this.M.encodeFunctionData('aggregate', [calls.map((c) => [c.target, c.data])])
      : this.M.encodeFunctionData('aggregate3', [calls.map((c) => [c.target, !!c.allowFailure, c.data])]);
    const ok = calls.filter((c) => !c.fails);
    const tasks = ok.flatMap((c) => c.tasks ?? (c.task ? [c.task] : []));
    const cids = Object.assign({}, ...ok.map((c) => c.cids ?? {}));
    const expectByTask = Object.assign({}, ...ok.map((c) => c.expectByTask ?? {}));
    const r = await this.tx(from, this.multicall, data, { kind: plain ? 'multicall.aggregate' : 'multicall.aggregate3', tasks: tasks.length ? tasks : undefined, cids, expectByTask });
    return this.taskIds(r);
  }

  /** Safe execTransaction(to, 0, data, CALL): the wallet is msg.sender of the inner call. */
  async safeExec(from, to, data, intent = {}) {
    const r = await this.tx(from, this.safe, safeExecData(this.S, to, data), { kind: 'safe.execTransaction', ...intent });
    return this.taskIds(r);
  }

  // ---- V6 contestation knobs ---------------------------------------------------------------
  async engineView(fn, args = []) {
    return (await this.view(this.E, this.engine, fn, args))[0];
  }

  /** Set the registry on the engine (once) and make addrs master contesters. */
  async ensureMasterContesters(addrs) {
    if ((await this.engineView('masterContesterRegistry')) === '0x0000000000000000000000000000000000000000') {
      await this.admin('setMasterContesterRegistry', [this.registry]);
    }
    const reg = lc(await this.engineView('masterContesterRegistry'));
    for (const a of addrs) {
      if (!(await this.view(this.G, reg, 'isMasterContester', [a]))[0]) {
        await this.tx(this.acc.deployer, reg, this.G.encodeFunctionData('emergencyAddMasterContester', [a]), { kind: 'emergencyAddMasterContester' });
      }
    }
  }

  async truth(opts = {}) {
    return buildTruth({ rpc: this.rpc, deploy: this.deploy, ifaces: this.artifacts.ifaces, intents: this.intents, ...opts });
  }
}

// ---------------------------------------------------------------------------------------
// scenarios

export async function scenarioFull(d) {
  const { users, miners, automine, bot } = d.acc;
  const [alice, bob, carol, dave] = users;
  const [m1, m2, m3] = miners;
  const img = d.model('image');
  const txt = d.model('text');
  const imgFee = await d.modelFee(img); // current fees: a chain may already have run `full`
  const sol = (label) => fakeSolutionCid(`devnet solution ${label}`);

  // -- tasks from several users, one per block; most pay a tip above the model fee (odd wei)
  const single = [];
  for (let i = 0; i < FULL_INPUTS.length; i++) {
    const [model, s] = FULL_INPUTS[i];
    const base = await d.modelFee(d.model(model));
    const fee = i % 3 === 2 ? base : base + BigInt(i) * 10n ** 14n + 7n;
    single.push(await d.submitTask(users[i % users.length], { model, input: inputHex(s), fee }));
  }
  // -- three tasks from three users in one block
  const inOneBlock = ['a red bicycle leaning on a wall', 'macro photo of a dew drop', 'isometric pixel-art castle'].map((p, i) => ({
    from: users[i],
    to: d.engine,
    data: d.submitTaskData({ model: img, fee: imgFee, input: utf8Hex(JSON.stringify({ prompt: p })), owner: users[i] }),
    intent: { kind: 'submitTask', input: utf8Hex(JSON.stringify({ prompt: p })), owner: users[i] },
  }));
  const rsBlock = await d.packed(inOneBlock);
  const blockTasks = rsBlock.flatMap((r) => d.taskIds(r));
  // -- bulk (n=5) by bob
  const bulk = await d.bulkSubmitTask(bob, { model: img, input: utf8Hex(JSON.stringify({ prompt: 'bulk: a lighthouse at dusk 🌅' })), n: 5 });
  // -- through the router: a bot for alice, the bot for carol with an incentive, carol herself
  const r1 = await d.routerSubmitTask(bot, { model: img, owner: alice, input: utf8Hex(JSON.stringify({ prompt: 'telegram: a corgi astronaut' })) });
  const r2 = await d.routerSubmitTask(bot, { model: txt, owner: carol, incentive: AIUS / 10n, input: utf8Hex(JSON.stringify({ prompt: 'explain zk-proofs like I am five' })) });
  const r3 = await d.routerSubmitTask(carol, { model: img, input: utf8Hex(JSON.stringify({ prompt: 'router: koi pond, ukiyo-e' })) });

  // -- validators stake (one for itself, one deposit by a user for a miner)
  await d.tx(m1, d.engine, d.E.encodeFunctionData('validatorDeposit', [m1, 10n * AIUS]), { kind: 'validatorDeposit' });
  await d.tx(alice, d.engine, d.E.encodeFunctionData('validatorDeposit', [m2, 5n * AIUS + 1n]), { kind: 'validatorDeposit' });
  await d.tx(m3, d.engine, d.E.encodeFunctionData('validatorDeposit', [m3, 7n * AIUS]), { kind: 'validatorDeposit' });

  // -- commitments then solutions: m1 single, m2 bulk, m3 a couple incl. malformed cids
  const m1Tasks = single.slice(0, 10);
  for (const t of m1Tasks.slice(0, 4)) await d.signalCommitment(m1, m1, t, sol(t));
  await d.packed(m1Tasks.slice(4).map((t) => ({ from: m1, to: d.engine, data: d.E.encodeFunctionData('signalCommitment', [d.commitment(m1, t, sol(t))]), intent: { kind: 'signalCommitment' } })));
  for (const t of m1Tasks) await d.submitSolution(m1, t, sol(t));
  const m2Tasks = [...bulk, r1, r2, r3, ...blockTasks];
  await d.signalCommitment(bot, m2, m2Tasks[0], sol(m2Tasks[0])); // commitment sent by a helper for m2
  await d.bulkSubmitSolution(m2, m2Tasks, m2Tasks.map(sol));
  await d.submitSolution(m3, single[10], '0xdeadbeef'); // malformed: 4 bytes
  await d.submitSolution(m3, single[11], hexlify(Uint8Array.from([0x12, 0x20, ...new Uint8Array(33).fill(7)]))); // 35 bytes
  await d.submitSolution(m3, single[12], sol(single[12]));
  await d.submitSolution(m3, single[13], sol(single[13]));

  // -- claims in era 4 (V1..V4: transfers only)
  await d.setEra(4);
  await d.claim(m1, m1Tasks[0]);
  await d.claim(m3, m1Tasks[1]); // anyone may claim; pays the validator
  await d.claim(m2, bulk[0]);
  await d.claim(m2, r2); // text model
  // -- claims in era 5 (non-indexed FeesPaid/RewardsPaid)
  await d.setEra(5);
  await d.claim(m1, m1Tasks[2]);
  await d.claim(m2, bulk[1]);
  await d.claim(m2, bulk[2]);
  await d.claim(m3, single[10]); // the malformed-cid solution is claimable too

  // -- model registration + parameter changes (kandinsky2 from the real registrar => Nova's id)
  await d.rpc.call('hardhat_impersonateAccount', [MODEL_REGISTRAR]);
  const kTemplate = readFileSync(join(here, 'templates', 'kandinsky2.json'));
  // on a chain that already ran `full`, the same registration would revert: bump the fee by 1 wei
  let kFee = 0n;
  for (;;) {
    const id = keccak256(abi.encode(['address', 'address', 'uint256', 'bytes'], [MODEL_REGISTRAR, '0x0000000000000000000000000000000000000001', kFee, ipfsCid(kTemplate)]));
    if ((await d.view(d.E, d.engine, 'models', [id])).addr === '0x0000000000000000000000000000000000000000') break;
    kFee++;
  }
  const kand = await d.registerModel(MODEL_REGISTRAR, { addr: '0x0000000000000000000000000000000000000001', fee: kFee, template: kTemplate });
  const kTasks = [];
  kTasks.push(await d.submitTask(dave, { model: kand, fee: kFee, input: utf8Hex(JSON.stringify({ prompt: 'kandinsky: abstract circles', width: 768, height: 768 })) }));
  kTasks.push(await d.submitTask(alice, { model: kand, fee: kFee + 5n * 10n ** 15n, input: utf8Hex(JSON.stringify({ prompt: 'kandinsky with a tip' })) }));
  await d.submitSolution(m1, kTasks[0], sol(kTasks[0]));
  await d.submitSolution(m1, kTasks[1], sol(kTasks[1]));
  await d.admin('setModelFee', [img, 4_000_000_000_000_000n]); // older image tasks now pay less than the model fee
  await d.admin('setSolutionMineableRate', [txt, 800_000_000_000_000_000n]);

  // -- claims in era 6 (indexed FeesPaid/RewardsPaid, validator paid into stake)
  await d.setEra(6);
  await d.claim(m1, m1Tasks[3]); // image task at 3.5e15 < model fee 4e15: model fee zeroed
  await d.claim(m1, kTasks[0]); // rate 0, fee 0: FeesPaid of zeros, no RewardsPaid
  await d.claim(m1, kTasks[1]); // rate 0, tip
  await d.claim(m2, r3);
  await d.claim(m3, single[12]); // text? no: image with fee 3.5e15

  // -- contestations: one upheld (refund), one rejected (solver paid at finish), one open.
  // On a fresh chain the adder is 0 and no registry is set; a chain that ran `contest` first
  // needs the contesters registered and an adder that does not turn the rejection around.
  if ((await d.engineView('masterContesterRegistry')) !== '0x0000000000000000000000000000000000000000') await d.ensureMasterContesters([m3, m1]);
  if (Number(await d.engineView('masterContesterVoteAdder')) > 1) await d.admin('setMasterContesterVoteAdder', [0]);
  await d.contest(m3, m1Tasks[4]); // yea m3, nay m1 (auto)
  await d.vote(m2, m1Tasks[4], true);
  await d.voteFinish(dave, m1Tasks[4], 10);
  await d.contest(m3, bulk[3]); // yea m3, nay m2 (auto)
  await d.vote(m1, bulk[3], false);
  const expRejected = await d.expectClaim(bulk[3]);
  await d.voteFinish(m3, bulk[3], 10, expRejected);
  await d.contest(m1, single[13]); // left open
  await d.tx(alice, d.engine, d.E.encodeFunctionData('suggestContestation', [m1Tasks[5]]), { kind: 'suggestContestation' });

  // -- validator withdrawals (era 6 stake includes fees/rewards)
  const ri = await d.tx(m1, d.engine, d.E.encodeFunctionData('initiateValidatorWithdraw', [3n * AIUS]), { kind: 'initiateValidatorWithdraw' });
  const count = BigInt(ri.logs.find((l) => l.topics[0] === d.topic.ValidatorWithdrawInitiated).topics[2]);
  await d.tx(m1, d.engine, d.E.encodeFunctionData('validatorWithdraw', [count, m1]), { kind: 'validatorWithdraw' });
  const ri2 = await d.tx(m2, d.engine, d.E.encodeFunctionData('initiateValidatorWithdraw', [1n * AIUS]), { kind: 'initiateValidatorWithdraw' });
  const count2 = BigInt(ri2.logs.find((l) => l.topics[0] === d.topic.ValidatorWithdrawInitiated).topics[2]);
  await d.tx(m2, d.engine, d.E.encodeFunctionData('cancelValidatorWithdraw', [count2]), { kind: 'cancelValidatorWithdraw' });

  // -- a retracted task
  const retracted = await d.submitTask(dave, { model: img, input: utf8Hex(JSON.stringify({ prompt: 'never mind' })) });
  await d.tx(dave, d.engine, d.E.encodeFunctionData('retractTask', [retracted]), { kind: 'retractTask' });

  // -- plain token transfers
  await d.transferToken(alice, bob, 12_345_678_901_234_567_890n);
  await d.transferToken(carol, dave, 1n);

  // -- automine pattern: a miner submits tasks for itself, solves and claims them
  const autoTasks = await d.bulkSubmitTask(automine, { model: txt, input: utf8Hex(JSON.stringify({ prompt: 'What is the capital of the moon?' })), n: 4 });
  await d.packed(autoTasks.map((t) => ({ from: automine, to: d.engine, data: d.E.encodeFunctionData('signalCommitment', [d.commitment(automine, t, sol(t))]), intent: { kind: 'signalCommitment' } })));
  await d.bulkSubmitSolution(automine, autoTasks, autoTasks.map(sol));
  for (const t of autoTasks) await d.claim(automine, t);

  // -- router incentive paid to the solver of r2
  await d.tx(carol, d.router, d.R.encodeFunctionData('claimIncentive', [r2, []]), { kind: 'claimIncentive' });

  // -- one more era switch: a last claim in era 5, then back to 6
  await d.setEra(5);
  await d.claim(m2, bulk[4]);
  await d.setEra(6);

  return {
    notes: {
      unsolved_tasks: single.slice(14),
      open_contestation: single[13],
      retracted_task: retracted,
      automine: { miner: automine, tasks: autoTasks },
      kandinsky_model: kand,
    },
  };
}

export async function scenarioReorg(d, { depth = 3, extra = 1, beforeRevert } = {}) {
  const [alice, bob, carol] = d.acc.users;
  const m1 = d.acc.miners[0];
  const img = d.model('image');
  const imgFee = await d.modelFee(img);
  // something on the common ancestor first
  const base = await d.submitTask(carol, { model: img, input: utf8Hex(JSON.stringify({ prompt: 'reorg: common ancestor' })) });
  const fork = await d.rpc.call('eth_getBlockByNumber', ['latest', false]);
  const snap = await d.rpc.call('evm_snapshot');
  const orphaned = [];
  // each orphaned block: a task and a solution or a token transfer, packed in one block
  for (let i = 0; i < depth; i++) {
    const input = utf8Hex(JSON.stringify({ prompt: `reorg: orphaned ${i}` }));
    const second = i === 0
      ? { from: m1, to: d.engine, data: d.E.encodeFunctionData('submitSolution', [base, fakeSolutionCid(`orphan solution ${base}`)]), intent: { kind: 'submitSolution' } }
      : { from: alice, to: d.token, data: d.T.encodeFunctionData('transfer', [bob, BigInt(i)]), intent: { kind: 'transfer' } };
    await d.packed([
      { from: alice, to: d.engine, data: d.submitTaskData({ model: img, fee: imgFee, input, owner: alice }), intent: { kind: 'submitTask', input, owner: alice } },
      second,
    ]);
  }
  const tip = fromHex((await d.rpc.call('eth_getBlockByNumber', ['latest', false])).number);
  const orphanBlocks = await d.rpc.batch(
    Array.from({ length: tip - fromHex(fork.number) }, (_, i) => ['eth_getBlockByNumber', [toHex(fromHex(fork.number) + 1 + i), false]]),
  );
  for (const b of orphanBlocks) orphaned.push({ number: fromHex(b.number), hash: b.hash, txs: b.transactions });
  // Lets a test watch an indexer take in the branch that is about to vanish.
  if (beforeRevert) await beforeRevert({ tip, fork: fromHex(fork.number) });
  if (!(await d.rpc.call('evm_revert', [snap]))) throw new Error('evm_revert failed');
  for (const o of orphaned) for (const h of o.txs) d.intents.delete(h);
  // the new branch: different transactions at the same heights, and `extra` blocks more
  const n = orphaned.length + extra;
  for (let i = 0; i < n; i++) {
    if (i === 0) await d.submitSolution(m1, base, fakeSolutionCid(`canonical solution ${base}`));
    else await d.submitTask(bob, { model: img, input: utf8Hex(JSON.stringify({ prompt: `reorg: canonical ${i}` })) });
  }
  const newBlocks = await d.rpc.batch(orphaned.map((o) => ['eth_getBlockByNumber', [toHex(o.number), false]]));
  const replaced = newBlocks.map((b) => ({ number: fromHex(b.number), hash: b.hash, txs: b.transactions }));
  replaced.forEach((b, i) => {
    if (b.hash === orphaned[i].hash) throw new Error(`block ${b.number} did not change in the reorg`);
  });
  return { reorg: { depth: orphaned.length, fork_block: { number: fromHex(fork.number), hash: fork.hash }, orphaned, replaced } };
}

/** N engine events quickly: each block holds `taskTxs` bulkSubmitTask txs of `perTx` tasks and
 * bulkSubmitSolution txs solving the previous block's tasks (ids read back with eth_getLogs).
 * via "helper": the same through the bulk helper's own selectors, alternating submitBatch (one
 * input for the tx's tasks) and submitEach (one input per task), solved by helper.solveBatch
 * (the helper is the solver): the prompts are only in the helper's calldata. */
export async function scenarioBulk(d, { events = 100000, perTx = 200, taskTxs = 2, via = 'engine', log = () => {} } = {}) {
  const senders = d.acc.bulk.length ? d.acc.bulk : d.acc.users;
  const solvers = d.acc.miners;
  const models = [d.model('image'), d.model('text')];
  const fees = await Promise.all(models.map((m) => d.modelFee(m)));
  const helper = via === 'helper';
  if (helper && !d.helper) throw new Error('deploy.json has no helper: redeploy the devnet');
  if (via !== 'engine' && !helper) throw new Error(`bulk --via ${via}: engine or helper`);
  const to = helper ? d.helper : d.engine;
  // gas per item (measured on this engine, with headroom): a tx stays under the 16,777,216 cap
  const GAS = helper ? { batch: 45_000, each: 70_000, sol: 40_000 } : { batch: 32_000, each: 32_000, sol: 36_000 };
  const capOf = (g) => Math.floor((16_000_000 - 300_000) / g);
  const t0 = Date.now();
  let made = 0;
  let pending = []; // task ids waiting for a solution
  let k = 0;
  let blocks = 0;
  let txs = 0;
  const E = d.E;
  const H = d.H;
  const want = events;
  const firstBlock = fromHex(await d.rpc.call('eth_blockNumber')) + 1;
  const promptOfK = (k, i) => `bulk benchmark prompt #${k}${i === undefined ? '' : `.${i}`} — ${'🦊'.repeat(k % 4)}`;
  await d.rpc.call('evm_setAutomine', [false]);
  try {
    while (made < want || pending.length) {
      const calls = [];
      let expTasks = 0;
      let expSols = 0;
      // solutions for the previous block's tasks
      const solChunk = Math.min(perTx * 2, 400, capOf(GAS.sol));
      for (let i = 0; i < pending.length; i += solChunk) {
        const ids = pending.slice(i, i + solChunk);
        const cids = ids.map((id) => fakeSolutionCid(`bulk ${id}`));
        const data = helper ? H.encodeFunctionData('solveBatch', [ids, cids]) : E.encodeFunctionData('bulkSubmitSolution', [ids, cids]);
        calls.push({ from: solvers[(k + i / solChunk) % solvers.length], data, gas: GAS.sol * ids.length + 300_000 });
        expSols += ids.length;
      }
      made += expSols;
      pending = [];
      for (let j = 0; j < taskTxs && made + expTasks * 2 < want; j++) {
        const each = helper && k % 2 === 1;
        const n = Math.min(perTx, 500, capOf(each ? GAS.each : GAS.batch), Math.ceil((want - made - expTasks * 2) / 2));
        const mi = k % 2;
        const from = senders[k % senders.length];
        let data;
        if (!helper) {
          const input = utf8Hex(JSON.stringify({ prompt: promptOfK(k), seed: k }));
          data = E.encodeFunctionData('bulkSubmitTask', [0, from, models[mi], fees[mi], input, n]);
        } else if (!each) {
          const input = utf8Hex(JSON.stringify({ prompt: promptOfK(k), seed: k }));
          data = H.encodeFunctionData('submitBatch', [models[mi], fees[mi], from, n, input]);
        } else {
          const inputs = Array.from({ length: n }, (_, i) => utf8Hex(JSON.stringify({ prompt: promptOfK(k, i), seed: k * 1000 + i })));
          data = H.encodeFunctionData('submitEach', [models[mi], fees[mi], from, inputs]);
        }
        calls.push({ from, data, gas: (each ? GAS.each : GAS.batch) * n + 300_000 });
        expTasks += n;
        k++;
      }
      if (!calls.length) break;
      const hashes = await d.rpc.batch(calls.map((c) => ['eth_sendTransaction', [{ from: c.from, to, data: c.data, gas: toHex(Math.min(c.gas, 16_000_000)) }]]));
      txs += hashes.length;
      d.txCount += hashes.length;
      await d.rpc.call('evm_mine');
      blocks++;
      const b = fromHex(await d.rpc.call('eth_blockNumber'));
      const logs = await d.rpc.call('eth_getLogs', [{ address: d.engine, fromBlock: toHex(b), toBlock: toHex(b), topics: [[d.topic.TaskSubmitted, d.topic.SolutionSubmitted]] }]);
      const tl = logs.filter((l) => l.topics[0] === d.topic.TaskSubmitted);
      const sl = logs.length - tl.length;
      if (tl.length !== expTasks || sl !== expSols) {
        const rs = await d.rpc.batch(hashes.map((h) => ['eth_getTransactionReceipt', [h]]));
        throw new Error(`block ${b}: ${tl.length}/${expTasks} tasks, ${sl}/${expSols} solutions; statuses ${rs.map((r) => r && r.status)} gas ${rs.map((r) => r && fromHex(r.gasUsed))} (block gas limit too low?)`);
      }
      pending = tl.map((l) => l.topics[1]);
      made += expTasks;
      if (blocks % 25 === 0) log(`bulk: ${made} events, ${blocks} blocks, ${((made * 1000) / (Date.now() - t0)).toFixed(0)} events/s`);
    }
  } finally {
    await d.rpc.call('evm_setAutomine', [true]);
  }
  const ms = Date.now() - t0;
  return { bulk: { events: made, via, blocks, txs, ms, events_per_s: Math.round((made * 1000) / ms), from_block: firstBlock, to_block: fromHex(await d.rpc.call('eth_blockNumber')) } };
}

export async function scenarioSparse(d, { blocks = 2000, events = 40 } = {}) {
  const [alice, bob] = d.acc.users;
  const m1 = d.acc.miners[0];
  const gap = Math.max(1, Math.floor(blocks / events));
  let open = null; // task waiting for a solution
  let solved = null; // solution waiting for a claim
  const first = fromHex(await d.rpc.call('eth_blockNumber')) + 1;
  for (let i = 0; i < events; i++) {
    await d.mineEmpty(gap - 1);
    if (solved) {
      await d.claim(bob, solved);
      solved = null;
    } else if (open) {
      await d.submitSolution(m1, open, fakeSolutionCid(`sparse ${open}`));
      solved = open;
      open = null;
    } else {
      open = await d.submitTask(i % 2 ? alice : bob, { model: 'image', input: utf8Hex(JSON.stringify({ prompt: `sparse #${i}` })) });
    }
  }
  return { sparse: { blocks, events, gap, from_block: first, to_block: fromHex(await d.rpc.call('eth_blockNumber')) } };
}

/** Tasks, solutions and claims from contracts: the bulk helper with its own selectors, the
 * Multicall3 (aggregate and aggregate3, engine and router calls, a failing allowFailure call) and
 * the Safe (execTransaction), mixed with direct engine and router calls. */
export async function scenarioWrapper(d) {
  const { users, miners, bot } = d.acc;
  const [alice, bob, carol, dave] = users;
  const [m1, m2, m3] = miners;
  const { helper, multicall, safe } = d;
  if (!helper || !multicall || !safe) throw new Error('deploy.json has no helper/multicall/safe: redeploy the devnet');
  const img = d.model('image');
  const txt = d.model('text');
  const imgFee = await d.modelFee(img);
  const txtFee = await d.modelFee(txt);
  const P = (prompt, extra = {}) => utf8Hex(JSON.stringify({ prompt, ...extra }));
  const sol = (t) => fakeSolutionCid(`wrapper solution ${t}`);
  const E = d.E;
  const R = d.R;
  const notes = { helper: {}, multicall: {}, safe: {}, direct: {} };

  // ---- tasks through the helper (its own selectors; the input passes through to the engine)
  notes.helper.batch3 = await d.helperSubmitBatch(alice, { model: img, count: 3, input: P('helper: three foxes under the aurora', { width: 1024 }) });
  notes.helper.batch1 = await d.helperSubmitBatch(bob, { model: txt, count: 1, input: P('helper: a haiku about rain on a tin roof') });
  // a bot submits for dave, distinct inputs, one of them twice (bulk_size counts per input)
  const same = P('helper: same prompt twice in one transaction');
  notes.helper.each = await d.helperSubmitEach(bot, { model: img, owner: dave, inputs: [same, P('<script>alert("helper")</script> & "quotes"'), same, P('ヘルパー経由 🦊 — emoji and CJK')] });
  notes.helper.tip = await d.helperSubmitBatch(carol, { model: img, fee: imgFee + 123_456_789n, count: 2, input: P('helper: with a tip above the model fee') });

  // ---- Multicall3 aggregate3: engine and router calls, a bulk inside, one failing call
  const m3Calls = [
    { target: d.engine, data: d.submitTaskData({ model: img, fee: imgFee, input: P('multicall: engine submitTask'), owner: alice }), task: { input: P('multicall: engine submitTask'), owner: alice } },
    {
      target: d.router,
      data: R.encodeFunctionData('submitTask', [0, bob, txt, txtFee, P('multicall: through the router'), AIUS / 20n, 0]),
      task: { input: P('multicall: through the router'), owner: bob },
    },
    {
      target: d.engine,
      data: E.encodeFunctionData('bulkSubmitTask', [0, carol, img, imgFee, P('multicall: bulkSubmitTask n=2 inside'), 2]),
      tasks: [0, 1].map(() => ({ input: P('multicall: bulkSubmitTask n=2 inside'), owner: carol })),
    },
    // reverts (fee below the model fee) and is allowed to: its prompt must not be attributed
    { target: d.engine, data: d.submitTaskData({ model: img, fee: imgFee - 1n, input: P('multicall: this call fails'), owner: dave }), allowFailure: true, fails: true },
    { target: d.engine, data: d.submitTaskData({ model: img, fee: imgFee, input: P('multicall: after the failed call'), owner: dave }), task: { input: P('multicall: after the failed call'), owner: dave } },
  ];
  notes.multicall.aggregate3 = await d.multicallTx(alice, m3Calls);
  notes.multicall.failed_prompt = 'multicall: this call fails';
  // plain aggregate: two engine calls for two owners
  notes.multicall.aggregate = await d.multicallTx(bob, [
    { target: d.engine, data: d.submitTaskData({ model: txt, fee: txtFee, input: P('aggregate: one'), owner: bob }), task: { input: P('aggregate: one'), owner: bob } },
    { target: d.engine, data: d.submitTaskData({ model: img, fee: imgFee, input: P('aggregate: two'), owner: alice }), task: { input: P('aggregate: two'), owner: alice } },
  ], { plain: true });

  // ---- the Safe: a task owned by the wallet itself, and one for carol through the router
  const sIn1 = P('safe: a task owned by the smart wallet');
  notes.safe.own = await d.safeExec(carol, d.engine, d.submitTaskData({ model: img, fee: imgFee, input: sIn1, owner: safe }), { tasks: [{ input: sIn1, owner: safe }] });
  const sIn2 = P('safe: through the router for carol');
  notes.safe.router = await d.safeExec(dave, d.router, R.encodeFunctionData('submitTask', [0, carol, img, imgFee, sIn2, 0, 0]), { tasks: [{ input: sIn2, owner: carol }] });

  // ---- direct calls mixed in, and one block holding a helper, a multicall and a direct tx
  notes.direct.single = await d.submitTask(alice, { model: img, input: P('direct: mixed in with the wrappers') });
  notes.direct.bulk = await d.bulkSubmitTask(bob, { model: txt, input: P('direct: bulkSubmitTask n=2'), n: 2 });
  notes.direct.router = await d.routerSubmitTask(bot, { model: img, owner: alice, input: P('direct: router for alice') });
  const pIn = [P('packed: helper'), P('packed: multicall'), P('packed: direct')];
  const rs = await d.packed([
    { from: carol, to: helper, data: d.H.encodeFunctionData('submitBatch', [img, imgFee, carol, 1, pIn[0]]), intent: { kind: 'helper.submitBatch', tasks: [{ input: pIn[0], owner: carol }] }, gas: 1_000_000 },
    { from: dave, to: multicall, data: d.M.encodeFunctionData('aggregate3', [[[d.engine, false, d.submitTaskData({ model: img, fee: imgFee, input: pIn[1], owner: dave })]]]), intent: { kind: 'multicall.aggregate3', tasks: [{ input: pIn[1], owner: dave }] }, gas: 1_000_000 },
    { from: alice, to: d.engine, data: d.submitTaskData({ model: img, fee: imgFee, input: pIn[2], owner: alice }), intent: { kind: 'submitTask', input: pIn[2], owner: alice } },
  ]);
  notes.packed = rs.map((r) => d.taskIds(r)[0]);
  notes.packed_block = fromHex(rs[0].blockNumber);

  // ---- solutions: the helper is the solver (with its own stake and commitments), the
  // multicall and the safe solve too, and miners directly
  await d.helperStake(m1, 2n * AIUS);
  const byHelper = [...notes.helper.batch3, ...notes.helper.each, ...notes.multicall.aggregate3.slice(0, 2), notes.packed[0]];
  await d.helperCommit(m1, byHelper.slice(0, 3).map((t) => d.commitment(helper, t, sol(t))));
  await d.helperSolve(m1, byHelper, byHelper.map(sol));
  const byMulticall = [notes.helper.batch1[0], ...notes.multicall.aggregate3.slice(2, 4)];
  await d.multicallTx(m2, [
    { target: d.engine, data: E.encodeFunctionData('submitSolution', [byMulticall[0], sol(byMulticall[0])]), cids: { [byMulticall[0]]: sol(byMulticall[0]) } },
    { target: d.engine, data: E.encodeFunctionData('bulkSubmitSolution', [byMulticall.slice(1), byMulticall.slice(1).map(sol)]), cids: Object.fromEntries(byMulticall.slice(1).map((t) => [t, sol(t)])) },
  ]);
  const bySafe = notes.safe.own[0];
  await d.safeExec(carol, d.engine, E.encodeFunctionData('submitSolution', [bySafe, sol(bySafe)]), { cids: { [bySafe]: sol(bySafe) } });
  const direct = [notes.direct.single, ...notes.direct.bulk, notes.direct.router, ...notes.multicall.aggregate];
  await d.bulkSubmitSolution(m3, direct, direct.map(sol));
  await d.submitSolution(m2, notes.safe.router[0], sol(notes.safe.router[0]));

  // ---- claims: the helper claims its own (era 6: stake credit to the helper contract), one
  // in era 5 (fee and reward transferred to the helper), a multicall of claims, direct claims
  await d.helperClaim(m1, byHelper.slice(0, 4));
  await d.setEra(5);
  await d.claim(dave, byHelper[4]);
  await d.setEra(6);
  const mcClaims = [...byMulticall, bySafe];
  const expectByTask = {};
  for (const t of mcClaims) expectByTask[t] = await d.expectClaim(t);
  await d.multicallTx(bob, mcClaims.map((t) => ({ target: d.engine, data: E.encodeFunctionData('claimSolution', [t]), expectByTask: { [t]: expectByTask[t] } })), { plain: true });
  await d.claim(alice, direct[0]);
  await d.claim(m3, direct[1]);

  return {
    notes: {
      wrapper: {
        ...notes,
        contracts: { helper, multicall, safe },
        solved_by: { helper: byHelper, multicall: byMulticall, safe: [bySafe] },
        unsolved: [...notes.helper.tip, ...notes.multicall.aggregate3.slice(4), notes.packed[1], notes.packed[2]],
      },
    },
  };
}

/** V6 contestations as V2_EngineV6 decides them: the vote adder (set silently first, as the
 * upstream initializer does, then by MasterContesterVoteAdderSet), master contesters who stake,
 * contest and vote but never solve, a tie, multi-call finishes, a slash amount so that every
 * finish moves stake, and validators who only stake or only commit. */
export async function scenarioContest(d) {
  const [alice, bob, carol, dave] = d.acc.users;
  const [m1, m2, m3] = d.acc.miners;
  const [mc1, mc2] = d.acc.master_contesters ?? [];
  const stakerOnly = d.acc.staker_only;
  const committerOnly = d.acc.committer_only;
  if (!mc1 || !d.registry) throw new Error('deploy.json has no master contesters/registry: redeploy the devnet');
  const img = d.model('image');
  const txt = d.model('text');
  const P = (s) => utf8Hex(JSON.stringify({ prompt: s }));
  const sol = (t) => fakeSolutionCid(`contest solution ${t}`);
  const oldSlash = await d.engineView('slashAmount');
  const oldEra = Number(await d.engineView('era'));
  const first = fromHex(await d.rpc.call('eth_blockNumber')) + 1;
  if (oldEra !== 6) await d.setEra(6);

  // V6 goes live: the adder is set by the initializer, without an event (upstream sets it in
  // initialize()); the registry and its master contesters
  await d.admin('initializeV6', [50]);
  await d.ensureMasterContesters([mc1, mc2]);
  const slash = AIUS / 10n + 3n; // odd: the V6 halves and shares round
  await d.admin('setSlashAmount', [slash]);

  // stakes: master contesters and miners (a vote costs the slash amount), a stake-only validator
  for (const [who, amt] of [[mc1, 20n], [mc2, 20n], [m1, 5n], [m2, 5n], [m3, 5n]]) {
    await d.tx(who, d.engine, d.E.encodeFunctionData('validatorDeposit', [who, amt * AIUS]), { kind: 'validatorDeposit' });
  }
  await d.tx(alice, d.engine, d.E.encodeFunctionData('validatorDeposit', [stakerOnly, 3n * AIUS + 1n]), { kind: 'validatorDeposit' });

  // the contested tasks, each solved by a miner
  const spec = [
    ['adder50', alice, img, m1],
    ['rejected', bob, txt, m2],
    ['tie', carol, img, m3],
    ['multi_upheld', dave, img, m1],
    ['adder1', alice, txt, m2],
    ['open', bob, img, m3],
    ['raw_era5', carol, img, m1],
  ];
  const T = {};
  for (const [k, owner, model, solver] of spec) {
    T[k] = await d.submitTask(owner, { model, input: P(`contest: ${k}`) });
    await d.submitSolution(solver, T[k], sol(T[k]));
  }
  // a validator who only commits (a commitment it never reveals)
  await d.signalCommitment(committerOnly, committerOnly, T.open, sol(`${T.open} never revealed`));

  const expect = (t) => d.expectClaim(t);
  // 1. upheld by the silent adder: yeas 50 + 1 vs nays 2 (raw counting says rejected)
  await d.contest(mc1, T.adder50); // yea mc1, nay m1 (auto)
  await d.vote(m2, T.adder50, false);
  await d.voteFinish(dave, T.adder50, 5, null, 'upheld');

  // 2. the adder lowered by MasterContesterVoteAdderSet(1); rejected: yeas 1 + 1 vs nays 3,
  //    finished in two calls (start_idx 0 pays the solver, start_idx 1 only returns slashes)
  await d.admin('setMasterContesterVoteAdder', [1]);
  await d.contest(mc2, T.rejected); // yea mc2, nay m2 (auto)
  await d.vote(m3, T.rejected, false);
  await d.vote(m1, T.rejected, false);
  await d.voteFinish(m2, T.rejected, 1, await expect(T.rejected), 'rejected');
  await d.voteFinish(mc1, T.rejected, 2, null, 'rejected');

  // 3. a tie: yeas 1 + 1 vs nays 2 goes to the nays (the solver is paid)
  await d.contest(mc1, T.tie); // yea mc1, nay m3 (auto)
  await d.vote(m1, T.tie, false);
  await d.voteFinish(carol, T.tie, 10, await expect(T.tie), 'rejected');

  // 4. upheld with a master contester voting on another's contestation; finished in three calls
  await d.contest(mc2, T.multi_upheld); // yea mc2, nay m1 (auto)
  await d.vote(mc1, T.multi_upheld, true);
  await d.vote(m2, T.multi_upheld, true);
  await d.voteFinish(alice, T.multi_upheld, 1, null, 'upheld');
  await d.voteFinish(bob, T.multi_upheld, 1, null, 'upheld');
  await d.voteFinish(mc2, T.multi_upheld, 5, null, 'upheld');

  // 5. the adder alone decides: yeas 1 + 1 vs nays 1 (raw counting says a tie, rejected)
  await d.contest(mc1, T.adder1); // yea mc1, nay m2 (auto)
  await d.voteFinish(dave, T.adder1, 3, null, 'upheld');

  // 6. left open
  await d.contest(mc2, T.open); // yea mc2, nay m3 (auto)
  await d.vote(mc1, T.open, true);

  // 7. in era 5 the adder does not count: yeas 1 vs nays 1 is rejected
  await d.setEra(5);
  await d.contest(mc1, T.raw_era5); // anyone may contest before V6; mc1 anyway
  await d.voteFinish(bob, T.raw_era5, 2, await expect(T.raw_era5), 'rejected');
  await d.setEra(6);

  await d.admin('setSlashAmount', [oldSlash]);
  if (oldEra !== 6) await d.setEra(oldEra);
  return {
    notes: {
      contest: {
        tasks: T,
        master_contesters: [mc1, mc2],
        staker_only: stakerOnly,
        committer_only: committerOnly,
        slash_amount: slash.toString(),
        silent_adder: 50,
        from_block: first,
      },
    },
  };
}

/** Models registered (with tasks) long before the rest: an index started at
 * late_models.start_block never sees their ModelRegistered, yet must know them. */
export async function scenarioLateModels(d, { gap = 200 } = {}) {
  const [alice, bob, carol, dave] = d.acc.users;
  const [m1, m2] = d.acc.miners;
  const img = d.model('image');
  const txt = d.model('text');
  const P = (s) => utf8Hex(JSON.stringify({ prompt: s }));
  const sol = (t) => fakeSolutionCid(`late solution ${t}`);
  const template = readFileSync(join(here, 'templates', 'anythingv3.json'));
  // a model registered by a user (bump the fee by 1 wei when a chain already has it)
  let fee = 1_000_000_000_000_000n;
  for (;;) {
    const id = keccak256(abi.encode(['address', 'address', 'uint256', 'bytes'], [bob, bob, fee, ipfsCid(template)]));
    if ((await d.view(d.E, d.engine, 'models', [id])).addr === '0x0000000000000000000000000000000000000000') break;
    fee++;
  }
  const registeredBlock = fromHex(await d.rpc.call('eth_blockNumber')) + 1;
  const late = await d.registerModel(bob, { addr: bob, fee, template });
  await d.admin('setSolutionMineableRate', [late, 500_000_000_000_000_000n]);
  await d.admin('setModelFee', [late, fee + 2n]); // the view differs from the registration
  const before = [];
  before.push(await d.submitTask(alice, { model: late, input: P('late: before the gap, solved before') }));
  before.push(await d.submitTask(carol, { model: late, input: P('late: before the gap, solved after') }));
  before.push(await d.submitTask(dave, { model: img, input: P('late: WAI before the gap') }));
  await d.submitSolution(m1, before[0], sol(before[0]));
  const gapFrom = fromHex(await d.rpc.call('eth_blockNumber')) + 1;
  await d.mineEmpty(gap);
  const startBlock = fromHex(await d.rpc.call('eth_blockNumber')) + 1;

  const after = [];
  after.push(await d.submitTask(alice, { model: late, input: P('late: anythingv3 after the gap') }));
  after.push(await d.submitTask(bob, { model: img, input: P('late: WAI after the gap') }));
  after.push(await d.submitTask(carol, { model: txt, input: P('late: Qwen after the gap') }));
  after.push(...(await d.helperSubmitBatch(dave, { model: late, count: 2, input: P('late: through the helper') })));
  after.push(await d.routerSubmitTask(d.acc.bot, { model: late, owner: alice, input: P('late: through the router') }));
  const unsolved = await d.submitTask(bob, { model: late, input: P('late: never solved') });
  await d.bulkSubmitSolution(m2, after, after.map(sol));
  await d.submitSolution(m1, before[1], sol(before[1])); // a task submitted before start_block
  await d.claim(alice, after[0]);
  await d.claim(bob, before[0]); // a claim of a solution submitted before start_block
  return {
    late_models: {
      model: late,
      template: 'anythingv3.json',
      registered_block: registeredBlock,
      registered_fee: fee.toString(),
      gap: { from: gapFrom, to: startBlock - 1 },
      start_block: startBlock,
      tasks_before: before,
      tasks_after: [...after, unsolved],
    },
  };
}

export const SCENARIOS = {
  full: scenarioFull,
  reorg: scenarioReorg,
  bulk: scenarioBulk,
  sparse: scenarioSparse,
  wrapper: scenarioWrapper,
  contest: scenarioContest,
  'late-models': scenarioLateModels,
};

/** Run a scenario and return the truth object (see README.md). opts: CLI-style options. */
export async function runScenario({ rpcUrl, deploy, scenario, opts = {}, log = (m) => process.stderr.write(m + '\n') }) {
  const fn = SCENARIOS[scenario];
  if (!fn) throw new Error(`unknown scenario ${scenario}; have ${Object.keys(SCENARIOS).join(', ')}`);
  const d = await Driver.create({ rpcUrl, deploy });
  const num = (v, dflt) => (v === undefined || v === true ? dflt : Number(v));
  const t0 = Date.now();
  const extra = await fn(d, {
    depth: num(opts.depth, 3),
    extra: num(opts.extra, 1),
    events: num(opts.events, scenario === 'bulk' ? 100000 : 40),
    perTx: num(opts.perTx, 200),
    taskTxs: num(opts.taskTxs, 2),
    blocks: num(opts.blocks, 2000),
    gap: num(opts.gap, 200),
    via: opts.via === true || opts.via === undefined ? 'engine' : opts.via,
    beforeRevert: opts.beforeRevert,
    log,
  });
  const tScenario = Date.now() - t0;
  const summary = scenario === 'bulk' && !opts.fullTruth;
  let fromBlock;
  if (opts.fromBlock === 'scenario') fromBlock = extra.late_models?.start_block ?? extra.start_block;
  else if (opts.fromBlock !== undefined && opts.fromBlock !== true) fromBlock = Number(opts.fromBlock);
  const truth = await d.truth({
    scenario,
    summary,
    fromBlock,
    verifyViews: !summary && opts.verifyViews !== false,
    extra: { ...extra, driver: { txs: d.txCount, scenario_ms: tScenario } },
  });
  truth.driver.truth_ms = Date.now() - t0 - tScenario;
  log(`scenario ${scenario}: ${d.txCount} driver txs in ${tScenario} ms, truth in ${truth.driver.truth_ms} ms, head ${truth.head.number}, ${truth.log_count} logs`);
  return truth;
}

function writeJsonAtomic(file, obj) {
  writeFileSync(file + '.tmp', JSON.stringify(obj, null, 1) + '\n');
  renameSync(file + '.tmp', file);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const deployFile = args.deploy ?? (args.stateDir ? join(args.stateDir, 'deploy.json') : null);
  if (!deployFile || !args.scenario) {
    console.error('usage: driver.mjs --deploy deploy.json [--rpc URL] --scenario NAME [--out truth.json] [--from-block N|scenario]\n' +
      `  NAME: ${Object.keys(SCENARIOS).join(', ')}\n` +
      '  reorg: --depth N --extra K   bulk: --events N --per-tx B --task-txs T --via engine|helper --full-truth\n' +
      '  sparse: --blocks B --events E   late-models: --gap G');
    process.exit(2);
  }
  const deploy = JSON.parse(readFileSync(deployFile, 'utf8'));
  const truth = await runScenario({ rpcUrl: args.rpc ?? deploy.rpc_url, deploy, scenario: args.scenario, opts: args });
  if (args.out) writeJsonAtomic(resolve(args.out), truth);
  else process.stdout.write(JSON.stringify(truth, null, 1) + '\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e.stack || e.message);
    process.exit(1);
  });
}
