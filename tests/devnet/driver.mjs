#!/usr/bin/env node
// Play scenarios against a running devnet and write the ground truth of what landed.
//
//   node devnet/driver.mjs --rpc URL --deploy deploy.json --scenario NAME --out truth.json [opts]
//     full                      every event kind, hostile prompts, all three reward eras
//     reorg  [--depth N] [--extra K]   snapshot, N blocks with events, revert, N+K other blocks
//     bulk   [--events N] [--per-tx B] [--task-txs T] [--full-truth]
//                               N engine events fast (bulkSubmitTask + bulkSubmitSolution)
//     sparse [--blocks B] [--events E]   E events spread over B mostly empty blocks
//   --deploy may be omitted when --state-dir D holds deploy.json; --rpc defaults to deploy's rpc_url.
//
//   import { runScenario, Driver } from './driver.mjs'
//   const truth = await runScenario({ rpcUrl, deploy, scenario: 'full' })
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBytes, hexlify, AbiCoder, keccak256 } from 'ethers';
import { Rpc, toHex, fromHex, utf8Hex, fakeSolutionCid, ipfsCid } from './lib.mjs';
import { loadArtifacts, parseArgs, MODEL_REGISTRAR, AIUS } from './devnet.mjs';
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
    this.engine = deploy.contracts.engine;
    this.router = deploy.contracts.router;
    this.token = deploy.contracts.token;
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
      for (const iface of [this.E, this.R, this.T]) {
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

  async voteFinish(from, taskid, amnt = 10, expect = null) {
    await this.tx(from, this.engine, this.E.encodeFunctionData('contestationVoteFinish', [taskid, amnt]), { kind: 'contestationVoteFinish', expect });
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

  // -- contestations: one upheld (refund), one rejected (solver paid at finish), one open
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
 * bulkSubmitSolution txs solving the previous block's tasks (ids read back with eth_getLogs). */
export async function scenarioBulk(d, { events = 100000, perTx = 200, taskTxs = 2, log = () => {} } = {}) {
  const senders = d.acc.bulk.length ? d.acc.bulk : d.acc.users;
  const solvers = d.acc.miners;
  const models = [d.model('image'), d.model('text')];
  const fees = await Promise.all(models.map((m) => d.modelFee(m)));
  const t0 = Date.now();
  let made = 0;
  let pending = []; // task ids waiting for a solution
  let k = 0;
  let blocks = 0;
  let txs = 0;
  const E = d.E;
  const want = events;
  const firstBlock = fromHex(await d.rpc.call('eth_blockNumber')) + 1;
  await d.rpc.call('evm_setAutomine', [false]);
  try {
    while (made < want || pending.length) {
      const calls = [];
      let expTasks = 0;
      let expSols = 0;
      // solutions for the previous block's tasks
      const solChunk = Math.min(perTx, 400); // ~32k gas each: stay under the 16,777,216 tx cap
      for (let i = 0; i < pending.length; i += solChunk) {
        const ids = pending.slice(i, i + solChunk);
        const cids = ids.map((id) => fakeSolutionCid(`bulk ${id}`));
        calls.push({ from: solvers[(k + i / solChunk) % solvers.length], data: E.encodeFunctionData('bulkSubmitSolution', [ids, cids]), gas: 36_000 * ids.length + 300_000 });
        expSols += ids.length;
      }
      made += expSols;
      pending = [];
      for (let j = 0; j < taskTxs && made + expTasks * 2 < want; j++) {
        const n = Math.min(perTx, 500, Math.ceil((want - made - expTasks * 2) / 2));
        const mi = k % 2;
        const input = utf8Hex(JSON.stringify({ prompt: `bulk benchmark prompt #${k} — ${'🦊'.repeat(k % 4)}`, seed: k }));
        calls.push({ from: senders[k % senders.length], data: E.encodeFunctionData('bulkSubmitTask', [0, senders[k % senders.length], models[mi], fees[mi], input, n]), gas: 32_000 * n + 300_000 });
        expTasks += n;
        k++;
      }
      if (!calls.length) break;
      const hashes = await d.rpc.batch(calls.map((c) => ['eth_sendTransaction', [{ from: c.from, to: d.engine, data: c.data, gas: toHex(Math.min(c.gas, 16_000_000)) }]]));
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
        throw new Error(`block ${b}: ${tl.length}/${expTasks} tasks, ${sl}/${expSols} solutions; statuses ${rs.map((r) => r && r.status)} (block gas limit too low?)`);
      }
      pending = tl.map((l) => l.topics[1]);
      made += expTasks;
      if (blocks % 25 === 0) log(`bulk: ${made} events, ${blocks} blocks, ${((made * 1000) / (Date.now() - t0)).toFixed(0)} events/s`);
    }
  } finally {
    await d.rpc.call('evm_setAutomine', [true]);
  }
  const ms = Date.now() - t0;
  return { bulk: { events: made, blocks, txs, ms, events_per_s: Math.round((made * 1000) / ms), from_block: firstBlock, to_block: fromHex(await d.rpc.call('eth_blockNumber')) } };
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

export const SCENARIOS = { full: scenarioFull, reorg: scenarioReorg, bulk: scenarioBulk, sparse: scenarioSparse };

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
    beforeRevert: opts.beforeRevert,
    log,
  });
  const tScenario = Date.now() - t0;
  const summary = scenario === 'bulk' && !opts.fullTruth;
  const truth = await d.truth({ scenario, summary, verifyViews: !summary, extra: { ...extra, driver: { txs: d.txCount, scenario_ms: tScenario } } });
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
    console.error('usage: driver.mjs --deploy deploy.json [--rpc URL] --scenario full|reorg|bulk|sparse [--out truth.json]\n' +
      '  reorg: --depth N --extra K   bulk: --events N --per-tx B --task-txs T --full-truth   sparse: --blocks B --events E');
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
