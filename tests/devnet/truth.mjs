// Build the ground-truth JSON of a devnet chain from what actually landed: eth_getLogs of the
// engine, router and token, the calldata of every task/solution transaction, block headers and
// (optionally) the tasks()/solutions() views. The format is a contract with the C tests; it is
// documented in README.md ("Ground truth format"). Everything hex is lowercase, amounts are
// decimal strings, block numbers and log indexes are JSON integers.
//
//   import { buildTruth } from './truth.mjs'
//   const truth = await buildTruth({ rpc, deploy, ifaces, intents, verifyViews: true })
import { getBytes, hexlify, AbiCoder } from 'ethers';
import { fromHex, toHex, ipfsCid, cidQm, promptOf, utf8OrNull } from './lib.mjs';

const lc = (s) => (s == null ? s : String(s).toLowerCase());
const addrOfTopic = (t) => '0x' + t.slice(26).toLowerCase();
const big = (x) => BigInt(x).toString();

/** eth_getLogs over [from, to] in chunks, in chain order. */
export async function getLogsChunked(rpc, { address, topics, fromBlock, toBlock, chunk = 2000 }) {
  const out = [];
  for (let a = fromBlock; a <= toBlock; a += chunk) {
    const b = Math.min(toBlock, a + chunk - 1);
    const filter = { address, fromBlock: toHex(a), toBlock: toHex(b) };
    if (topics) filter.topics = topics;
    out.push(...(await rpc.call('eth_getLogs', [filter])));
  }
  return out;
}

export async function buildTruth({
  rpc,
  deploy,
  ifaces,
  intents = new Map(), // txHash -> intent recorded by the driver (for cross-checks)
  fromBlock = deploy.start_block,
  toBlock, // default: latest
  verifyViews = true, // eth_call tasks()/solutions() for every task/solution and compare
  summary = false, // counts only (for the bulk benchmark)
  scenario = null,
  extra = {},
}) {
  const E = ifaces.TestEngine;
  const R = ifaces.TestRouter;
  const T = ifaces.TestToken;
  const engine = lc(deploy.contracts.engine);
  const router = lc(deploy.contracts.router);
  const token = lc(deploy.contracts.token);
  const head = await rpc.call('eth_getBlockByNumber', [toBlock == null ? 'latest' : toHex(toBlock), false]);
  toBlock = fromHex(head.number);

  const logs = await getLogsChunked(rpc, { address: [engine, router, token], fromBlock, toBlock });
  const topicName = new Map();
  for (const [who, iface] of [['engine', E], ['router', R], ['token', T]]) {
    iface.forEachEvent((ev) => topicName.set(`${who}:${ev.topicHash}`, ev.format('sighash')));
  }
  const whoOf = (a) => (lc(a) === engine ? 'engine' : lc(a) === router ? 'router' : 'token');
  const counts = { engine: {}, router: {}, token: {} };
  const topicCounts = {};
  for (const l of logs) {
    const who = whoOf(l.address);
    const name = topicName.get(`${who}:${l.topics[0]}`) ?? l.topics[0];
    counts[who][name] = (counts[who][name] ?? 0) + 1;
    topicCounts[l.topics[0]] = (topicCounts[l.topics[0]] ?? 0) + 1;
  }
  const base = {
    format: 'arbiusd-devnet-truth/1',
    scenario,
    chain_id: deploy.chain_id,
    contracts: deploy.contracts,
    from_block: fromBlock,
    head: { number: toBlock, hash: head.hash, timestamp: fromHex(head.timestamp) },
    log_count: logs.length,
    counts,
    topic_counts: topicCounts,
    ...extra,
  };
  if (summary) {
    const ts = E.getEvent('TaskSubmitted').topicHash;
    const tl = logs.filter((l) => l.topics[0] === ts);
    return {
      ...base,
      summary: true,
      blocks_with_logs: new Set(logs.map((l) => l.blockNumber)).size,
      first_task: tl[0]?.topics[1] ?? null,
      last_task: tl[tl.length - 1]?.topics[1] ?? null,
    };
  }

  // block headers (timestamps, and a hash consistency check against the logs)
  const blockNums = [...new Set(logs.map((l) => fromHex(l.blockNumber)))];
  const headers = await rpc.batch(blockNums.map((n) => ['eth_getBlockByNumber', [toHex(n), false]]));
  const blockTime = new Map();
  headers.forEach((h, i) => {
    blockTime.set(blockNums[i], fromHex(h.timestamp));
  });
  for (const l of logs) {
    const h = headers[blockNums.indexOf(fromHex(l.blockNumber))];
    if (h.hash !== l.blockHash) throw new Error(`log block hash ${l.blockHash} != header ${h.hash} at ${fromHex(l.blockNumber)}`);
  }

  // transactions: calldata for tasks/solutions, sender for everything
  const txHashes = [...new Set(logs.map((l) => l.transactionHash))];
  const txs = await rpc.batch(txHashes.map((h) => ['eth_getTransactionByHash', [h]]));
  const txByHash = new Map(txs.map((t) => [t.hash, t]));
  const decoded = new Map();
  const decode = (hash) => {
    if (decoded.has(hash)) return decoded.get(hash);
    const t = txByHash.get(hash);
    let d = null;
    try {
      if (lc(t.to) === engine) d = E.parseTransaction({ data: t.input });
      else if (lc(t.to) === router) d = R.parseTransaction({ data: t.input });
    } catch {
      d = null;
    }
    decoded.set(hash, d);
    return d;
  };

  const ev = (name) => E.getEvent(name).topicHash;
  const TOP = {
    TaskSubmitted: ev('TaskSubmitted'),
    TaskRetracted: ev('TaskRetracted'),
    SignalCommitment: ev('SignalCommitment'),
    SolutionSubmitted: ev('SolutionSubmitted'),
    SolutionClaimed: ev('SolutionClaimed'),
    ContestationSubmitted: ev('ContestationSubmitted'),
    ContestationSuggested: ev('ContestationSuggested'),
    ContestationVote: ev('ContestationVote'),
    ContestationVoteFinish: ev('ContestationVoteFinish'),
    ModelRegistered: ev('ModelRegistered'),
    ModelFeeChanged: ev('ModelFeeChanged'),
    ModelAddrChanged: ev('ModelAddrChanged'),
    SolutionMineableRateChange: ev('SolutionMineableRateChange'),
    ValidatorDeposit: ev('ValidatorDeposit'),
    ValidatorWithdrawInitiated: ev('ValidatorWithdrawInitiated'),
    ValidatorWithdrawCancelled: ev('ValidatorWithdrawCancelled'),
    ValidatorWithdraw: ev('ValidatorWithdraw'),
    FeesPaidV5: E.getEvent('FeesPaid(uint256,uint256,uint256,uint256)').topicHash,
    RewardsPaidV5: E.getEvent('RewardsPaid(uint256,uint256,uint256,uint256)').topicHash,
    FeesPaidV6: E.getEvent('FeesPaid(bytes32,bytes32,address,uint256,uint256,uint256,uint256)').topicHash,
    RewardsPaidV6: E.getEvent('RewardsPaid(bytes32,bytes32,address,uint256,uint256,uint256,uint256)').topicHash,
    IncentiveAdded: R.getEvent('IncentiveAdded').topicHash,
    IncentiveClaimed: R.getEvent('IncentiveClaimed').topicHash,
    Transfer: T.getEvent('Transfer').topicHash,
  };
  const where = (l) => ({
    block: fromHex(l.blockNumber),
    block_hash: l.blockHash,
    time: blockTime.get(fromHex(l.blockNumber)),
    tx: l.transactionHash,
    log_index: fromHex(l.logIndex),
  });
  const words = (l) => AbiCoder.defaultAbiCoder().decode(['uint256', 'uint256', 'uint256', 'uint256'], l.data).map(big);

  const tasks = [];
  const taskById = new Map();
  const solutions = [];
  const payouts = []; // every fee/reward settlement: claims and rejected contestations
  const commitments = [];
  const contestations = [];
  const contestationByTask = new Map();
  const votes = [];
  const models = [];
  const modelById = new Map();
  const modelChanges = [];
  const validatorEvents = [];
  const retractions = [];
  const incentives = [];
  const transfers = [];
  const suggestions = [];

  // group logs by transaction (logs are in chain order already)
  const byTx = [];
  for (const l of logs) {
    const last = byTx[byTx.length - 1];
    if (last && last.hash === l.transactionHash) last.logs.push(l);
    else byTx.push({ hash: l.transactionHash, logs: [l] });
  }

  for (const { hash, logs: tl } of byTx) {
    const tx = txByHash.get(hash);
    const from = lc(tx.from);
    let taskIdx = 0;
    let anchor = null; // current claim being paid (SolutionClaimed) in this tx
    let pendingPay = []; // payout logs not yet attached (for ContestationVoteFinish)
    const payLogs = (l) => (anchor ? anchor._logs.push(l) : pendingPay.push(l));

    for (const l of tl) {
      const who = whoOf(l.address);
      const t0 = l.topics[0];
      if (who === 'token') {
        if (t0 !== TOP.Transfer) continue;
        const tr = { from: addrOfTopic(l.topics[1]), to: addrOfTopic(l.topics[2]), value: big(l.data), ...where(l) };
        transfers.push(tr);
        if (tr.from === engine) payLogs(l);
        continue;
      }
      if (who === 'router') {
        if (t0 === TOP.IncentiveAdded) incentives.push({ kind: 'added', task: l.topics[1], amount: big(l.data), from, ...where(l) });
        else if (t0 === TOP.IncentiveClaimed) {
          incentives.push({ kind: 'claimed', task: l.topics[1], recipient: addrOfTopic(l.topics[2]), amount: big(l.data), from, ...where(l) });
        }
        continue;
      }
      switch (t0) {
        case TOP.TaskSubmitted: {
          const d = decode(hash);
          if (!d) throw new Error(`TaskSubmitted in tx ${hash} whose calldata is not a known submitTask`);
          const a = d.args;
          const input = hexlify(a.input_);
          const bulk = d.name === 'bulkSubmitTask';
          const task = {
            id: l.topics[1],
            model: l.topics[2],
            fee: big(l.data),
            owner: lc(a.owner_),
            sender: addrOfTopic(l.topics[3]),
            tx_from: from,
            via: lc(tx.to) === router ? 'router' : 'engine',
            version: Number(a.version_),
            input,
            input_len: getBytes(input).length,
            input_utf8: utf8OrNull(input),
            prompt: promptOf(input),
            cid: hexlify(ipfsCid(getBytes(input))),
            cid_qm: null,
            ...where(l),
            bulk,
            bulk_index: bulk ? taskIdx : 0,
            bulk_size: bulk ? Number(a.n_) : 1,
            incentive: lc(tx.to) === router ? big(a.incentive_) : '0',
            retracted: false,
            solved: false,
            claimed: false,
          };
          task.cid_qm = cidQm(task.cid);
          if (big(a.fee_) !== task.fee || lc(a.model_) !== task.model) throw new Error(`task ${task.id}: calldata disagrees with log`);
          taskIdx++;
          tasks.push(task);
          taskById.set(task.id, task);
          break;
        }
        case TOP.TaskRetracted: {
          retractions.push({ task: l.topics[1], from, ...where(l) });
          const t = taskById.get(l.topics[1]);
          if (t) t.retracted = true;
          break;
        }
        case TOP.SignalCommitment:
          commitments.push({ addr: addrOfTopic(l.topics[1]), commitment: l.topics[2], from, ...where(l) });
          break;
        case TOP.SolutionSubmitted: {
          const d = decode(hash);
          const task = l.topics[2];
          let cid = null;
          let bulk = false;
          if (d?.name === 'submitSolution') cid = hexlify(d.args.cid_);
          else if (d?.name === 'bulkSubmitSolution') {
            bulk = true;
            const i = d.args.taskids_.findIndex((x) => lc(x) === task);
            if (i < 0) throw new Error(`solution for ${task} not in bulk calldata of ${hash}`);
            cid = hexlify(d.args.cids_[i]);
          } else throw new Error(`SolutionSubmitted in tx ${hash} whose calldata is not a known submitSolution`);
          const s = { task, validator: addrOfTopic(l.topics[1]), cid, cid_qm: cidQm(cid), cid_len: getBytes(cid).length, bulk, ...where(l), claimed: false };
          solutions.push(s);
          const t = taskById.get(task);
          if (t) t.solved = true;
          break;
        }
        case TOP.SolutionClaimed: {
          anchor = { via: 'claim', task: l.topics[2], validator: addrOfTopic(l.topics[1]), claimer: from, ...where(l), _logs: [] };
          payouts.push(anchor);
          const s = solutions.find((x) => x.task === anchor.task);
          if (s) s.claimed = true;
          const t = taskById.get(anchor.task);
          if (t) t.claimed = true;
          break;
        }
        case TOP.FeesPaidV5:
        case TOP.RewardsPaidV5:
        case TOP.FeesPaidV6:
        case TOP.RewardsPaidV6:
          payLogs(l);
          break;
        case TOP.ContestationSubmitted: {
          const c = { task: l.topics[2], contester: addrOfTopic(l.topics[1]), ...where(l), votes: [], finish: [], outcome: null, refund: null, payout: null };
          contestations.push(c);
          contestationByTask.set(c.task, c);
          break;
        }
        case TOP.ContestationSuggested:
          suggestions.push({ task: l.topics[2], addr: addrOfTopic(l.topics[1]), ...where(l) });
          break;
        case TOP.ContestationVote: {
          const v = { task: l.topics[2], voter: addrOfTopic(l.topics[1]), yea: BigInt(l.data) !== 0n, ...where(l) };
          votes.push(v);
          contestationByTask.get(v.task)?.votes.push({ voter: v.voter, yea: v.yea });
          break;
        }
        case TOP.ContestationVoteFinish: {
          const [endIdx] = AbiCoder.defaultAbiCoder().decode(['uint32'], l.data);
          const f = { task: l.topics[1], start_idx: Number(BigInt(l.topics[2])), end_idx: Number(endIdx), from, ...where(l) };
          const c = contestationByTask.get(f.task);
          const paying = pendingPay;
          pendingPay = [];
          if (c) {
            c.finish.push(f);
            if (f.start_idx === 0) {
              const yeas = c.votes.filter((v) => v.yea).length;
              const nays = c.votes.length - yeas;
              c.outcome = yeas > nays ? 'upheld' : 'rejected';
              if (c.outcome === 'upheld') {
                // the fee goes back to the task owner
                const r = paying.find((x) => x.topics[0] === TOP.Transfer);
                c.refund = r ? { to: addrOfTopic(r.topics[2]), amount: big(r.data) } : null;
              } else {
                // solver paid as on a claim, without SolutionClaimed
                const s = solutions.find((x) => x.task === f.task);
                const a = { via: 'contestation', task: f.task, validator: s?.validator ?? null, claimer: from, ...where(l), _logs: paying };
                payouts.push(a);
                c.payout = a;
              }
            }
          }
          break;
        }
        case TOP.ModelRegistered: {
          const m = { id: l.topics[1], registrar: from, ...where(l) };
          models.push(m);
          modelById.set(m.id, m);
          break;
        }
        case TOP.ModelFeeChanged:
          modelChanges.push({ model: l.topics[1], kind: 'fee', value: big(l.data), ...where(l) });
          break;
        case TOP.ModelAddrChanged:
          modelChanges.push({ model: l.topics[1], kind: 'addr', value: '0x' + l.data.slice(26).toLowerCase(), ...where(l) });
          break;
        case TOP.SolutionMineableRateChange:
          modelChanges.push({ model: l.topics[1], kind: 'rate', value: big(l.data), ...where(l) });
          break;
        case TOP.ValidatorDeposit:
          validatorEvents.push({ kind: 'deposit', addr: addrOfTopic(l.topics[1]), validator: addrOfTopic(l.topics[2]), amount: big(l.data), ...where(l) });
          break;
        case TOP.ValidatorWithdrawInitiated: {
          const [unlock, amount] = AbiCoder.defaultAbiCoder().decode(['uint256', 'uint256'], l.data);
          validatorEvents.push({ kind: 'withdraw_initiated', addr: addrOfTopic(l.topics[1]), count: big(l.topics[2]), unlock_time: big(unlock), amount: big(amount), ...where(l) });
          break;
        }
        case TOP.ValidatorWithdrawCancelled:
          validatorEvents.push({ kind: 'withdraw_cancelled', addr: addrOfTopic(l.topics[1]), count: big(l.topics[2]), ...where(l) });
          break;
        case TOP.ValidatorWithdraw:
          validatorEvents.push({ kind: 'withdraw', addr: addrOfTopic(l.topics[1]), to: addrOfTopic(l.topics[2]), count: big(l.topics[3]), amount: big(l.data), ...where(l) });
          break;
        default:
          break;
      }
    }
  }

  // ---- model details: registration calldata (template), current views
  if (models.length) {
    const views = await rpc.batch(models.map((m) => ['eth_call', [{ to: engine, data: E.encodeFunctionData('models', [m.id]) }, toHex(toBlock)]]));
    const regTxs = await rpc.batch(models.map((m) => ['eth_getTransactionByHash', [m.tx]]));
    models.forEach((m, i) => {
      const v = E.decodeFunctionResult('models', views[i]);
      m.fee = big(v.fee);
      m.addr = lc(v.addr);
      m.rate = big(v.rate);
      m.cid = hexlify(v.cid);
      m.cid_qm = cidQm(m.cid);
      const known = Object.entries(deploy.models).find(([, dm]) => dm.id === m.id);
      m.key = known ? known[0] : null;
      m.name = known ? known[1].name : null;
      m.output_file = known ? known[1].output_file : null;
      try {
        const d = E.parseTransaction({ data: regTxs[i].input });
        m.template = utf8OrNull(hexlify(d.args.template_));
        m.registered_fee = big(d.args.fee_);
        m.registered_addr = lc(d.args.addr_);
        if (m.template) {
          try {
            const j = JSON.parse(m.template);
            m.title = j?.meta?.title ?? null;
            m.name ??= m.title;
            m.output_file ??= j?.output?.[0]?.filename ?? null;
          } catch {
            /* not JSON */
          }
        }
      } catch {
        m.template = null;
      }
    });
  }

  // ---- claims: attach fee/reward events and payout transfers
  const treasury = lc(
    E.decodeFunctionResult('treasury', await rpc.call('eth_call', [{ to: engine, data: E.encodeFunctionData('treasury') }, toHex(toBlock)]))[0],
  );
  const needTasks = [...new Set(payouts.map((c) => c.task))];
  const taskViews = new Map();
  if (needTasks.length) {
    // owner/model of claimed tasks from the chain (a task may predate fromBlock)
    const r = await rpc.batch(needTasks.map((id) => ['eth_call', [{ to: engine, data: E.encodeFunctionData('tasks', [id]) }, toHex(toBlock)]]));
    needTasks.forEach((id, i) => taskViews.set(id, E.decodeFunctionResult('tasks', r[i])));
  }
  for (const c of payouts) {
    const tv = taskViews.get(c.task);
    const owner = lc(tv.owner);
    const model = lc(tv.model);
    const modelAddr = lc(
      E.decodeFunctionResult('models', await rpc.call('eth_call', [{ to: engine, data: E.encodeFunctionData('models', [model]) }, toHex(c.block)]))
        .addr,
    );
    const L = c._logs;
    delete c._logs;
    const find = (t) => L.findIndex((x) => x.topics[0] === t);
    const iF5 = find(TOP.FeesPaidV5);
    const iR5 = find(TOP.RewardsPaidV5);
    const iF6 = find(TOP.FeesPaidV6);
    const iR6 = find(TOP.RewardsPaidV6);
    const pays = L.filter((x) => x.topics[0] === TOP.Transfer).map((x) => ({
      to: addrOfTopic(x.topics[2]),
      amount: big(x.data),
      log_index: fromHex(x.logIndex),
      _i: L.indexOf(x),
    }));
    c.model = model;
    c.owner = owner;
    c.treasury = treasury;
    c.model_addr = modelAddr;
    c.fees = null;
    c.rewards = null;
    let feePays;
    let rewardPays;
    if (iF6 >= 0 || iF5 >= 0) {
      c.era = iF6 >= 0 ? 6 : 5;
      const fl = L[iF6 >= 0 ? iF6 : iF5];
      const [modelFee, treasuryFee, remainingFee, validatorFee] = words(fl);
      c.fees = { model_fee: modelFee, treasury_fee: treasuryFee, remaining_fee: remainingFee, validator_fee: validatorFee, log_index: fromHex(fl.logIndex) };
      const iR = iR6 >= 0 ? iR6 : iR5;
      if (iR >= 0) {
        const [total, tr, or, vr] = words(L[iR]);
        c.rewards = { total, treasury_reward: tr, task_owner_reward: or, validator_reward: vr, log_index: fromHex(L[iR].logIndex) };
      }
      if (c.era === 6) {
        if (L[iF6].topics[2] !== c.task || addrOfTopic(L[iF6].topics[3]) !== c.validator || lc(L[iF6].topics[1]) !== model) {
          throw new Error(`V6 FeesPaid topics disagree with claim of ${c.task}`);
        }
      }
      const fIdx = iF6 >= 0 ? iF6 : iF5;
      feePays = pays.filter((p) => p._i < fIdx);
      rewardPays = pays.filter((p) => p._i > fIdx);
    } else {
      // era 4: only transfers. rewards are the last three (treasury, owner, validator) if present
      c.era = 4;
      let rest = pays;
      rewardPays = [];
      const n = pays.length;
      if (n >= 3 && pays[n - 3].to === treasury && pays[n - 2].to === owner && pays[n - 1].to === c.validator) {
        rewardPays = pays.slice(n - 3);
        rest = pays.slice(0, n - 3);
      }
      feePays = rest;
      if (rewardPays.length) {
        const [tr, or, vr] = rewardPays.map((p) => BigInt(p.amount));
        c.rewards = { total: (tr + or + vr).toString(), treasury_reward: tr.toString(), task_owner_reward: or.toString(), validator_reward: vr.toString(), log_index: null };
      }
    }
    // roles of the payout transfers
    const roles = [];
    if (c.era === 4) {
      if (feePays.length === 2) roles.push('model_fee', 'validator_fee');
      else if (feePays.length === 1) {
        const p = feePays[0];
        let isModel = p.to === modelAddr && p.to !== c.validator;
        if (p.to === modelAddr && p.to === c.validator) {
          const mv = E.decodeFunctionResult('models', await rpc.call('eth_call', [{ to: engine, data: E.encodeFunctionData('models', [model]) }, toHex(c.block)]));
          isModel = mv.fee > 0n && mv.fee <= tv.fee;
        }
        roles.push(isModel ? 'model_fee' : 'validator_fee');
      } else if (feePays.length > 2) throw new Error(`claim of ${c.task}: ${feePays.length} fee transfers`);
      const mf = feePays[roles.indexOf('model_fee')]?.amount ?? '0';
      const vf = feePays[roles.indexOf('validator_fee')]?.amount ?? '0';
      c.fees = { model_fee: mf, treasury_fee: null, remaining_fee: null, validator_fee: vf, log_index: null };
      if (rewardPays.length) roles.push('treasury_reward', 'task_owner_reward', 'validator_reward');
    } else {
      // fee transfers: model part (model_fee - treasury_fee) if > 0, then (era 5) the validator fee
      const modelPart = BigInt(c.fees.model_fee) - BigInt(c.fees.treasury_fee);
      if (modelPart > 0n) roles.push('model_fee');
      if (c.era === 5 && BigInt(c.fees.validator_fee) > 0n) roles.push('validator_fee');
      if (roles.length !== feePays.length) throw new Error(`claim of ${c.task}: ${feePays.length} fee transfers, expected ${roles.length}`);
      if (c.rewards) roles.push('treasury_reward', 'task_owner_reward', ...(c.era === 5 ? ['validator_reward'] : []));
    }
    const all = [...feePays, ...rewardPays];
    if (roles.length !== all.length) throw new Error(`claim of ${c.task} (era ${c.era}): ${all.length} transfers for roles ${roles}`);
    c.transfers = all.map((p, i) => ({ role: roles[i], to: p.to, amount: p.amount, log_index: p.log_index }));
    // what each party got, and how (validator: transfer in eras 4-5, stake credit in era 6)
    const modelPaid = c.transfers.find((x) => x.role === 'model_fee')?.amount ?? '0';
    c.paid = {
      validator: {
        addr: c.validator,
        fee: c.fees.validator_fee,
        reward: c.rewards?.validator_reward ?? '0',
        how: c.era === 6 ? 'stake' : 'transfer',
      },
      task_owner: { addr: owner, reward: c.rewards?.task_owner_reward ?? '0' },
      treasury: {
        addr: treasury,
        reward: c.rewards?.treasury_reward ?? '0',
        fee_accrued:
          c.era === 4 ? null : (BigInt(c.fees.treasury_fee) + BigInt(c.fees.remaining_fee) - BigInt(c.fees.validator_fee)).toString(),
      },
      model: { addr: modelAddr, fee: modelPaid },
    };
  }

  // ---- cross-check against what the chain stores (tasks()/solutions() views)
  if (verifyViews && tasks.length) {
    const live = tasks.filter((t) => !t.retracted);
    const tv = await rpc.batch(live.map((t) => ['eth_call', [{ to: engine, data: E.encodeFunctionData('tasks', [t.id]) }, toHex(toBlock)]]));
    live.forEach((t, i) => {
      const v = E.decodeFunctionResult('tasks', tv[i]);
      if (lc(v.owner) !== t.owner || hexlify(v.cid) !== t.cid || lc(v.model) !== t.model || big(v.fee) !== t.fee || Number(v.version) !== t.version) {
        throw new Error(`tasks(${t.id}) view disagrees with truth: ${JSON.stringify({ owner: v.owner, cid: hexlify(v.cid) })} vs ${t.owner} ${t.cid}`);
      }
    });
    const sv = await rpc.batch(solutions.map((s) => ['eth_call', [{ to: engine, data: E.encodeFunctionData('solutions', [s.task]) }, toHex(toBlock)]]));
    solutions.forEach((s, i) => {
      const v = E.decodeFunctionResult('solutions', sv[i]);
      if (lc(v.validator) !== s.validator || hexlify(v.cid) !== s.cid || v.claimed !== s.claimed) {
        throw new Error(`solutions(${s.task}) view disagrees with truth`);
      }
    });
  }

  // ---- cross-check against the driver's intents (what it meant to send)
  for (const t of tasks) {
    const it = intents.get(t.tx);
    if (!it) continue;
    if (it.input !== undefined && lc(it.input) !== t.input) throw new Error(`task ${t.id}: input differs from what the driver sent`);
    if (it.owner !== undefined && lc(it.owner) !== t.owner) throw new Error(`task ${t.id}: owner differs from what the driver sent`);
  }
  for (const s of solutions) {
    const it = intents.get(s.tx);
    if (!it?.cids) continue;
    if (lc(it.cids[s.task]) !== s.cid) throw new Error(`solution ${s.task}: cid differs from what the driver sent`);
  }
  for (const c of payouts) {
    const it = intents.get(c.tx);
    if (!it?.expect) continue;
    const x = it.expect;
    if (x.era !== c.era) throw new Error(`claim ${c.task}: era ${c.era}, driver set ${x.era}`);
    const got = JSON.stringify(c.transfers.map((p) => [p.role, p.to, p.amount]));
    const want = JSON.stringify(x.transfers.map((p) => [p.role, p.to, p.amount]));
    if (got !== want) throw new Error(`claim ${c.task}: transfers ${got} != expected ${want}`);
    for (const k of ['model_fee', 'validator_fee'].concat(c.era === 4 ? [] : ['treasury_fee', 'remaining_fee'])) {
      if (x.fees[k] !== c.fees[k]) throw new Error(`claim ${c.task}: fees.${k} ${c.fees[k]} != expected ${x.fees[k]}`);
    }
    if (JSON.stringify(x.rewards && [x.rewards.total, x.rewards.treasury_reward, x.rewards.task_owner_reward, x.rewards.validator_reward]) !==
      JSON.stringify(c.rewards && [c.rewards.total, c.rewards.treasury_reward, c.rewards.task_owner_reward, c.rewards.validator_reward])) {
      throw new Error(`claim ${c.task}: rewards ${JSON.stringify(c.rewards)} != expected ${JSON.stringify(x.rewards)}`);
    }
    if (x.fee_accrued !== undefined && c.paid.treasury.fee_accrued !== null && x.fee_accrued !== c.paid.treasury.fee_accrued) {
      throw new Error(`claim ${c.task}: fee accrued ${c.paid.treasury.fee_accrued} != expected ${x.fee_accrued}`);
    }
  }

  const blocks = [...new Set(logs.map((l) => fromHex(l.blockNumber)))].map((n) => ({ number: n, hash: logs.find((l) => fromHex(l.blockNumber) === n).blockHash, time: blockTime.get(n) }));

  return {
    ...base,
    tasks,
    solutions,
    commitments,
    claims: payouts.filter((c) => c.via === 'claim'),
    payouts,
    contestations,
    votes,
    suggestions,
    models,
    model_changes: modelChanges,
    validator_events: validatorEvents,
    retractions,
    incentives,
    transfers,
    blocks,
  };
}
