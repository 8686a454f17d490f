// Build the ground-truth JSON of a devnet chain from what actually landed: eth_getLogs of the
// engine, router and token, the calldata of every task/solution transaction, block headers and
// (optionally) the tasks()/solutions() views. The format is a contract with the C tests; it is
// documented in README.md ("Ground truth format"). Everything hex is lowercase, amounts are
// decimal strings, block numbers and log indexes are JSON integers.
//
//   import { buildTruth } from './truth.mjs'
//   const truth = await buildTruth({ rpc, deploy, ifaces, intents, verifyViews: true })
//   const late = await buildTruth({ rpc, deploy, ifaces, fromBlock: 1234 })   // what an index
//                                                          starting at block 1234 must show
//
// Tasks and solutions may come from any caller the devnet has: the engine itself, the router, the
// bulk helper (its own selectors), the Multicall3 (aggregate, aggregate3) and the Safe
// (execTransaction), nested in any order. The calldata of the transaction is unwrapped down to the
// engine calls (expandCalls) and matched with the logs in order.
import { getBytes, hexlify, AbiCoder } from 'ethers';
import { fromHex, toHex, ipfsCid, cidQm, promptOf, utf8OrNull } from './lib.mjs';

const lc = (s) => (s == null ? s : String(s).toLowerCase());
const addrOfTopic = (t) => '0x' + t.slice(26).toLowerCase();
const big = (x) => BigInt(x).toString();

/** address (lowercase) -> kind, for every devnet contract a task or solution can come through */
export function KIND_OF(deploy) {
  const c = deploy.contracts;
  const m = { [lc(c.engine)]: 'engine', [lc(c.router)]: 'router' };
  if (c.helper) m[lc(c.helper)] = 'helper';
  if (c.multicall) m[lc(c.multicall)] = 'multicall';
  if (c.safe) m[lc(c.safe)] = 'safe';
  return m;
}

const IFACE_OF = { engine: 'TestEngine', router: 'TestRouter', helper: 'TestBulkHelper', multicall: 'TestMulticall3', safe: 'TestSafe' };

/** Unwrap the calldata of a transaction down to the engine calls it makes (if every call succeeds),
 * in execution order: { tasks: [unit], solutions: [{task, cid, validator, call, path}] }, one task
 * unit per TaskSubmitted it would emit: { sender, owner, model, fee, input, version, incentive,
 * call ('submitTask'|'bulkSubmitTask'), path (wrapper kinds between the EOA and the engine,
 * outermost first: [] direct, ['router'], ['multicall','router'], ['helper'], ['safe'] …),
 * call_index (index of the top-level wrapped call, null when direct), may_fail (inside an
 * aggregate3 allowFailure call) }. Calls to unknown contracts are ignored. */
export function expandCalls({ to, data, from, deploy, ifaces }) {
  const kindOf = KIND_OF(deploy);
  const out = { tasks: [], solutions: [] };
  const walk = (to, data, caller, path, callIndex, mayFail, depth) => {
    const kind = kindOf[lc(to)];
    if (!kind || depth > 8) return;
    let p;
    try {
      p = ifaces[IFACE_OF[kind]].parseTransaction({ data });
    } catch {
      p = null;
    }
    if (!p) return;
    const a = p.args;
    const self = lc(to);
    const task = (o) => out.tasks.push({ call_index: callIndex, may_fail: mayFail, path, ...o });
    const sol = (task, cid, call) => out.solutions.push({ task: lc(task), cid: hexlify(cid), validator: caller, call, path });
    switch (kind) {
      case 'engine':
        if (p.name === 'submitTask' || p.name === 'bulkSubmitTask') {
          const n = p.name === 'bulkSubmitTask' ? Number(a.n_) : 1;
          for (let i = 0; i < n; i++) {
            task({ sender: caller, owner: lc(a.owner_), model: lc(a.model_), fee: big(a.fee_), input: hexlify(a.input_), version: Number(a.version_), incentive: '0', call: p.name });
          }
        } else if (p.name === 'submitSolution') sol(a.taskid_, a.cid_, p.name);
        else if (p.name === 'bulkSubmitSolution') a.taskids_.forEach((t, i) => sol(t, a.cids_[i], p.name));
        break;
      case 'router':
        if (p.name === 'submitTask') {
          task({ sender: self, owner: lc(a.owner_), model: lc(a.model_), fee: big(a.fee_), input: hexlify(a.input_), version: Number(a.version_), incentive: big(a.incentive_), call: 'submitTask', path: [...path, 'router'] });
        }
        break;
      case 'helper': {
        const hp = [...path, 'helper'];
        const one = (input) => task({ sender: self, owner: lc(a.owner_), model: lc(a.model_), fee: big(a.fee_), input: hexlify(input), version: 0, incentive: '0', call: 'submitTask', path: hp });
        if (p.name === 'submitBatch') for (let i = 0n; i < a.count_; i++) one(a.input_);
        else if (p.name === 'submitEach') for (const x of a.inputs_) one(x);
        else if (p.name === 'solveBatch') a.taskids_.forEach((t, i) => out.solutions.push({ task: lc(t), cid: hexlify(a.cids_[i]), validator: self, call: 'submitSolution', path: hp }));
        break;
      }
      case 'multicall':
        if (p.name === 'aggregate') a.calls.forEach((c, i) => walk(c.target, c.callData, self, [...path, 'multicall'], callIndex ?? i, mayFail, depth + 1));
        else if (p.name === 'aggregate3') a.calls.forEach((c, i) => walk(c.target, c.callData, self, [...path, 'multicall'], callIndex ?? i, mayFail || c.allowFailure, depth + 1));
        break;
      case 'safe':
        if (p.name === 'execTransaction') walk(a.to, a.data, self, [...path, 'safe'], callIndex ?? 0, mayFail || a.safeTxGas > 0n || a.gasPrice > 0n, depth + 1);
        break;
      default:
        break;
    }
  };
  walk(to, data, lc(from), [], null, false, 0);
  return out;
}

/** Match a transaction's TaskSubmitted logs (in order) with the task units its calldata makes.
 * A unit that matches no log is a call that failed (aggregate3 allowFailure); when some did,
 * owner and input CID are matched too, from the tasks(id) view. Returns Map logIndex -> unit with
 * group_size/group_index (tasks of this tx with the same input, as bulkSubmitTask). */
async function assignTaskUnits({ rpc, E, engine, toBlock, hash, taskLogs, units }) {
  let views = null;
  if (units.length !== taskLogs.length) {
    const r = await rpc.batch(taskLogs.map((l) => ['eth_call', [{ to: engine, data: E.encodeFunctionData('tasks', [l.topics[1]]) }, toHex(toBlock)]]));
    views = r.map((x) => E.decodeFunctionResult('tasks', x));
  }
  const out = new Map();
  let k = 0;
  taskLogs.forEach((l, i) => {
    const sender = addrOfTopic(l.topics[3]);
    const model = lc(l.topics[2]);
    const fee = big(l.data);
    const v = views?.[i];
    const live = v && v.model !== '0x' + '0'.repeat(64);
    while (k < units.length) {
      const u = units[k++];
      if (u.sender !== sender || u.model !== model || u.fee !== fee) continue;
      if (live && (lc(v.owner) !== u.owner || hexlify(v.cid) !== hexlify(ipfsCid(getBytes(u.input))))) continue;
      out.set(fromHex(l.logIndex), { ...u });
      return;
    }
    throw new Error(`tx ${hash}: TaskSubmitted ${l.topics[1]} matches no task call of its calldata`);
  });
  const groups = new Map();
  for (const u of out.values()) {
    const g = groups.get(u.input) ?? [];
    u.group_index = g.length;
    g.push(u);
    groups.set(u.input, g);
  }
  for (const u of out.values()) u.group_size = groups.get(u.input).length;
  return out;
}

/** Stake moves of V6 contestationVoteFinish (era 6) or of the raw rules (eras 4, 5) for one
 * finish call f of contestation c: [{addr, amount}] for the winning voters in [start, end). */
export function finishCredits(c, f) {
  const slash = BigInt(c.slash_amount ?? 0);
  const voters = f.branch === 'upheld' ? f._voters.yea : f._voters.nay;
  let toFirst = slash;
  let toOthers = slash;
  if (f.era === 6) {
    const yeas = BigInt(f.yeas);
    const nays = BigInt(f.nays);
    const nWin = BigInt(voters.length);
    if (f.branch === 'upheld') {
      const total = nays * slash;
      const first = yeas === 1n ? total : total - total / 2n;
      toFirst = slash + first;
      toOthers = slash + (nWin > 1n ? (total - first) / (nWin - 1n) : 0n);
    } else {
      const total = yeas * slash;
      const first = nays === 1n ? total : total / 2n;
      toFirst = slash + first;
      toOthers = slash + (nWin > 1n ? (total - first) / (nWin - 1n) : 0n);
    }
  }
  const out = [];
  for (let i = f.start_idx; i < f.end_idx && i < voters.length; i++) out.push({ addr: voters[i], amount: i === 0 ? toFirst : toOthers });
  return out;
}

/** participants[] of the truth (README.md): roles, stake history, contestation record. */
function buildParticipants({ validatorEvents, commitments, solutions, contestations, votes, payouts, complete }) {
  const by = new Map();
  const P = (addr) => {
    if (!by.has(addr)) {
      by.set(addr, {
        address: addr,
        roles: new Set(),
        master_contester: false,
        first_block: null,
        last_block: null,
        solutions: 0,
        solutions_claimed: 0,
        commitments: 0,
        stake: { history: [], deposited: '0', withdrawn: '0', credited: '0', slashed: '0', returned: '0', expected: null, staked: null, complete },
        contestations: { contested: 0, won: 0, lost: 0, open: 0, against: 0, against_upheld: 0, against_rejected: 0, against_open: 0 },
        votes: { cast: 0, yea: 0, nay: 0, won: 0, lost: 0, pending: 0, auto: 0 },
        _sum: { deposited: 0n, withdrawn: 0n, credited: 0n, slashed: 0n, returned: 0n },
      });
    }
    return by.get(addr);
  };
  const seen = (p, w) => {
    if (p.first_block === null || w.block < p.first_block) p.first_block = w.block;
    if (p.last_block === null || w.block > p.last_block) p.last_block = w.block;
  };
  const pos = (w) => ({ block: w.block, tx: w.tx, log_index: w.log_index });
  const hist = (p, kind, amount, w, extra = {}) => p.stake.history.push({ kind, amount: amount === null ? null : amount.toString(), ...extra, ...pos(w) });

  for (const v of validatorEvents) {
    if (v.kind === 'deposit') {
      const p = P(v.validator);
      p.roles.add('staker');
      seen(p, v);
      p._sum.deposited += BigInt(v.amount);
      hist(p, 'deposit', BigInt(v.amount), v, { by: v.addr });
    } else {
      const p = P(v.addr);
      seen(p, v);
      if (v.kind === 'withdraw') {
        p._sum.withdrawn += BigInt(v.amount);
        hist(p, 'withdraw', BigInt(v.amount), v, { to: v.to, count: v.count });
      } else if (v.kind === 'withdraw_initiated') hist(p, 'withdraw_initiated', BigInt(v.amount), v, { count: v.count, unlock_time: v.unlock_time });
      else hist(p, 'withdraw_cancelled', null, v, { count: v.count });
    }
  }
  for (const c of commitments) {
    const p = P(c.addr);
    p.roles.add('committer');
    p.commitments++;
    seen(p, c);
  }
  for (const s of solutions) {
    const p = P(s.validator);
    p.roles.add('solver');
    p.solutions++;
    if (s.claimed) p.solutions_claimed++;
    seen(p, s);
  }
  // era 6 pays the validator into its stake (fee and reward), eras 4-5 by transfer
  for (const c of payouts) {
    if (c.era !== 6 || !c.validator) continue;
    const p = P(c.validator);
    for (const [kind, amt] of [['fee', c.fees?.validator_fee], ['reward', c.rewards?.validator_reward]]) {
      if (amt && BigInt(amt) > 0n) {
        p._sum.credited += BigInt(amt);
        hist(p, kind, BigInt(amt), c, { task: c.task, via: c.via });
      }
    }
  }
  const outcomeOf = new Map(contestations.map((c) => [c.task, c.outcome]));
  for (const v of votes) {
    const p = P(v.voter);
    seen(p, v);
    const c = contestations.find((x) => x.task === v.task);
    const slash = BigInt(c?.slash_amount ?? 0);
    if (slash > 0n) {
      p._sum.slashed += slash;
      hist(p, 'slash', slash, v, { task: v.task, from_logs: false });
    }
    if (v.auto) {
      p.votes.auto++;
      continue;
    }
    p.roles.add('voter');
    p.votes.cast++;
    if (v.yea) p.votes.yea++;
    else p.votes.nay++;
    const o = outcomeOf.get(v.task);
    if (!o) p.votes.pending++;
    else if ((o === 'upheld') === v.yea) p.votes.won++;
    else p.votes.lost++;
  }
  const solverOf = new Map(solutions.map((s) => [s.task, s.validator]));
  for (const c of contestations) {
    const p = P(c.contester);
    p.roles.add('contester');
    seen(p, c);
    p.contestations.contested++;
    if (c.outcome === 'upheld') p.contestations.won++;
    else if (c.outcome === 'rejected') p.contestations.lost++;
    else p.contestations.open++;
    const accused = solverOf.get(c.task);
    if (accused) {
      const a = P(accused);
      a.contestations.against++;
      a.contestations['against_' + (c.outcome ?? 'open')]++;
    }
    for (const f of c.finish) {
      for (const x of finishCredits(c, f)) {
        if (x.amount === 0n) continue;
        const q = P(x.addr);
        q._sum.returned += x.amount;
        hist(q, 'slash_return', x.amount, f, { task: c.task, from_logs: false });
      }
    }
  }
  const out = [];
  for (const p of by.values()) {
    if (!p.roles.size) continue; // only paid or slashed, never took part itself
    p.roles = ['staker', 'committer', 'solver', 'contester', 'voter'].filter((r) => p.roles.has(r));
    p.stake.history.sort((a, b) => a.block - b.block || (a.log_index ?? 0) - (b.log_index ?? 0));
    const x = p._sum;
    delete p._sum;
    p.stake.deposited = x.deposited.toString();
    p.stake.withdrawn = x.withdrawn.toString();
    p.stake.credited = x.credited.toString();
    p.stake.slashed = x.slashed.toString();
    p.stake.returned = x.returned.toString();
    p.stake.expected = (x.deposited - x.withdrawn + x.credited - x.slashed + x.returned).toString();
    out.push(p);
  }
  out.sort((a, b) => a.first_block - b.first_block || (a.address < b.address ? -1 : 1));
  return out;
}

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
    contracts: { token, engine, router },
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
  const expanded = new Map();
  const expand = (hash) => {
    if (!expanded.has(hash)) {
      const t = txByHash.get(hash);
      expanded.set(hash, expandCalls({ to: t.to, data: t.input, from: t.from, deploy, ifaces }));
    }
    return expanded.get(hash);
  };
  const viaOf = (to) => KIND_OF(deploy)[lc(to)] ?? 'contract';

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
    MasterContesterRegistrySet: ev('MasterContesterRegistrySet'),
    MasterContesterVoteAdderSet: ev('MasterContesterVoteAdderSet'),
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
  const voteAdderChanges = []; // MasterContesterVoteAdderSet, plus silent changes found below
  const registryChanges = [];
  const PAY_TOPICS = new Set([TOP.FeesPaidV5, TOP.RewardsPaidV5, TOP.FeesPaidV6, TOP.RewardsPaidV6]);
  const viewAt = async (fn, args, block) =>
    E.decodeFunctionResult(fn, await rpc.call('eth_call', [{ to: engine, data: E.encodeFunctionData(fn, args) }, toHex(block)]));
  const taskAt = async (id, block) => viewAt('tasks', [id], block);
  /** era and vote adder in force just before log l: the views at the previous block, then the
   * adder events of l's block before it (setEra has no event; the driver never sets the era in
   * the block of a finish) */
  const stateBefore = async (l) => {
    const b = fromHex(l.blockNumber);
    const [[era], [adder]] = await Promise.all([viewAt('era', [], b - 1), viewAt('masterContesterVoteAdder', [], b - 1)]);
    let a = Number(adder);
    for (const x of voteAdderChanges) if (x.block === b && x.log_index < fromHex(l.logIndex)) a = x.adder;
    adderSeen.push({ block: b - 1, adder: Number(adder) });
    return { era: Number(era), adder: a };
  };
  const adderSeen = []; // {block, adder} the view answered: checkpoints for silent changes

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
    const taskLogs = tl.filter((l) => whoOf(l.address) === 'engine' && l.topics[0] === TOP.TaskSubmitted);
    const solutionsInTx = tl.filter((l) => whoOf(l.address) === 'engine' && l.topics[0] === TOP.SolutionSubmitted).length;
    const taskUnits = taskLogs.length ? await assignTaskUnits({ rpc, E, engine, toBlock, hash, taskLogs, units: expand(hash).tasks }) : new Map();
    const contestedInTx = new Set(); // tasks contested by this tx (their first votes are automatic)
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
          const u = taskUnits.get(fromHex(l.logIndex));
          if (!u) throw new Error(`TaskSubmitted in tx ${hash} whose calldata holds no matching task call (to ${tx.to})`);
          const input = u.input;
          const direct = u.path.length === 0 && u.call === 'bulkSubmitTask';
          const task = {
            id: l.topics[1],
            model: l.topics[2],
            fee: big(l.data),
            owner: u.owner,
            sender: addrOfTopic(l.topics[3]),
            tx_from: from,
            via: viaOf(tx.to),
            version: u.version,
            input,
            input_len: getBytes(input).length,
            input_utf8: utf8OrNull(input),
            prompt: promptOf(input),
            cid: hexlify(ipfsCid(getBytes(input))),
            cid_qm: null,
            ...where(l),
            bulk: direct || u.group_size > 1,
            bulk_index: u.group_index,
            bulk_size: u.group_size,
            incentive: u.incentive,
            call: u.call,
            call_path: u.path,
            call_index: u.call_index,
            retracted: false,
            solved: false,
            claimed: false,
          };
          task.cid_qm = cidQm(task.cid);
          if (task.sender !== u.sender) throw new Error(`task ${task.id}: log sender ${task.sender}, calldata says ${u.sender}`);
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
          const task = l.topics[2];
          const validator = addrOfTopic(l.topics[1]);
          const x = expand(hash).solutions.find((e) => e.task === task && e.validator === validator && !e._used);
          if (!x) throw new Error(`SolutionSubmitted for ${task} in tx ${hash} whose calldata holds no matching solution call (to ${tx.to})`);
          x._used = true;
          const cid = x.cid;
          const bulk = x.call === 'bulkSubmitSolution' || (x.path.length > 0 && solutionsInTx > 1);
          const s = { task, validator, cid, cid_qm: cidQm(cid), cid_len: getBytes(cid).length, bulk, ...where(l), claimed: false };
          s.tx_from = from;
          s.via = viaOf(tx.to);
          s.call = x.call;
          s.call_path = x.path;
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
          contestedInTx.add(c.task);
          break;
        }
        case TOP.ContestationSuggested:
          suggestions.push({ task: l.topics[2], addr: addrOfTopic(l.topics[1]), ...where(l) });
          break;
        case TOP.ContestationVote: {
          // the contester's yea and the accused's nay are cast by submitContestation itself
          const v = { task: l.topics[2], voter: addrOfTopic(l.topics[1]), yea: BigInt(l.data) !== 0n, ...where(l), auto: contestedInTx.has(l.topics[2]) };
          votes.push(v);
          contestationByTask.get(v.task)?.votes.push({ voter: v.voter, yea: v.yea, auto: v.auto });
          break;
        }
        case TOP.ContestationVoteFinish: {
          const [endIdx] = AbiCoder.defaultAbiCoder().decode(['uint32'], l.data);
          const f = { task: l.topics[1], start_idx: Number(BigInt(l.topics[2])), end_idx: Number(endIdx), from, ...where(l) };
          const c = contestationByTask.get(f.task);
          const paying = pendingPay;
          pendingPay = [];
          if (c) {
            // the rules the contract applied in this call: era and vote adder in force just before it
            const st = await stateBefore(l);
            const yeaVoters = c.votes.filter((v) => v.yea).length;
            const nayVoters = c.votes.length - yeaVoters;
            f.era = st.era;
            f.adder = st.era === 6 ? st.adder : 0;
            f.yeas = f.adder + yeaVoters;
            f.nays = nayVoters;
            f.branch = f.yeas > f.nays ? 'upheld' : 'rejected';
            // the voters as the contract saw them in this call (for the slash sharing model)
            Object.defineProperty(f, '_voters', { enumerable: false, value: { yea: c.votes.filter((v) => v.yea).map((v) => v.voter), nay: c.votes.filter((v) => !v.yea).map((v) => v.voter) } });
            c.finish.push(f);
            if (f.start_idx === 0) {
              // what the transaction did: fee events or payouts (rejected) or the refund (upheld)
              const feeEv = paying.some((x) => PAY_TOPICS.has(x.topics[0]));
              const trs = paying.filter((x) => x.topics[0] === TOP.Transfer);
              let did = null;
              if (feeEv) did = 'rejected';
              else {
                const tv = await taskAt(f.task, f.block);
                if (trs.length === 1 && addrOfTopic(trs[0].topics[2]) === lc(tv.owner) && big(trs[0].data) === big(tv.fee)) did = 'upheld';
                else if (trs.length) did = 'rejected';
                // nothing moved: a zero-fee task in era 4 or 5, either way; the rules decide
              }
              if (did && did !== f.branch) {
                throw new Error(`contestation ${f.task}: the finish did "${did}", the era-${f.era} rules say "${f.branch}" (yeas ${f.yeas} incl. adder ${f.adder}, nays ${f.nays})`);
              }
              c.outcome = f.branch;
              c.era = f.era;
              c.adder = f.adder;
              c.yeas = f.yeas;
              c.nays = f.nays;
              if (c.outcome === 'upheld') {
                // the fee goes back to the task owner
                const r = trs[0];
                c.refund = r ? { to: addrOfTopic(r.topics[2]), amount: big(r.data), log_index: fromHex(r.logIndex) } : null;
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
        case TOP.MasterContesterVoteAdderSet: {
          const [adder] = AbiCoder.defaultAbiCoder().decode(['uint32'], l.data);
          voteAdderChanges.push({ adder: Number(adder), event: true, from, ...where(l) });
          break;
        }
        case TOP.MasterContesterRegistrySet:
          registryChanges.push({ registry: addrOfTopic(l.topics[1]), from, ...where(l) });
          break;
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

  // ---- models used in range but registered before it (an index starting at fromBlock never sees
  // their ModelRegistered): the registration is looked up, the rest comes from the views
  for (const m of models) m.registered_in_range = true;
  const used = [...new Set([...tasks.map((t) => t.model), ...modelChanges.map((c) => c.model)])].filter((id) => !modelById.has(id));
  if (used.length) {
    const regs = await rpc.batch(used.map((id) => ['eth_getLogs', [{ address: engine, fromBlock: toHex(0), toBlock: toHex(Math.max(0, fromBlock - 1)), topics: [TOP.ModelRegistered, id] }]]));
    const found = regs.map((r) => r[0] ?? null);
    const hdr = await rpc.batch(found.filter(Boolean).map((l) => ['eth_getBlockByNumber', [l.blockNumber, false]]));
    const rtx = await rpc.batch(found.filter(Boolean).map((l) => ['eth_getTransactionByHash', [l.transactionHash]]));
    let k = 0;
    used.forEach((id, i) => {
      const l = found[i];
      let m = { id, registrar: null, block: null, block_hash: null, time: null, tx: null, log_index: null };
      if (l) {
        m = { id, registrar: lc(rtx[k].from), block: fromHex(l.blockNumber), block_hash: l.blockHash, time: fromHex(hdr[k].timestamp), tx: l.transactionHash, log_index: fromHex(l.logIndex) };
        k++;
      }
      m.registered_in_range = false;
      models.push(m);
      modelById.set(id, m);
    });
    models.sort((a, b) => (a.block ?? -1) - (b.block ?? -1) || (a.log_index ?? -1) - (b.log_index ?? -1));
  }

  // ---- model details: registration calldata (template), current views
  if (models.length) {
    const views = await rpc.batch(models.map((m) => ['eth_call', [{ to: engine, data: E.encodeFunctionData('models', [m.id]) }, toHex(toBlock)]]));
    const regTxs = await rpc.batch(models.map((m) => ['eth_getTransactionByHash', [m.tx ?? '0x' + '0'.repeat(64)]]));
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
        const d = E.parseTransaction({ data: regTxs[i]?.input ?? '0x' });
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

  // ---- contestations: the slash each vote cost, who voted which way
  if (contestations.length) {
    const r = await rpc.batch(contestations.map((c) => ['eth_call', [{ to: engine, data: E.encodeFunctionData('contestations', [c.task]) }, toHex(toBlock)]]));
    contestations.forEach((c, i) => {
      c.slash_amount = big(E.decodeFunctionResult('contestations', r[i]).slashAmount);
      c.yea_voters = c.votes.filter((v) => v.yea).map((v) => v.voter);
      c.nay_voters = c.votes.filter((v) => !v.yea).map((v) => v.voter);
      for (const k of ['era', 'adder', 'yeas', 'nays']) c[k] ??= null;
    });
  }

  // ---- V6 vote adder history: events, plus changes made without one (upstream's initialize),
  // found where the view disagrees with the events (bisected to their block)
  const adderView = async (b) => {
    try {
      return Number((await viewAt('masterContesterVoteAdder', [], b))[0]);
    } catch {
      return 0; // before the engine existed
    }
  };
  const voteAdderInitial = { block: Math.max(0, fromBlock - 1), adder: await adderView(Math.max(0, fromBlock - 1)) };
  const adderHead = await adderView(toBlock);
  adderSeen.push({ block: toBlock, adder: adderHead });
  adderSeen.sort((a, b) => a.block - b.block);
  const trackedAt = (b) => {
    let a = voteAdderInitial.adder;
    for (const x of voteAdderChanges) if (x.block <= b) a = x.adder;
    return a;
  };
  let confirmed = voteAdderInitial.block;
  for (const cp of adderSeen) {
    if (cp.block <= confirmed) continue;
    if (trackedAt(cp.block) !== cp.adder) {
      let lo = confirmed;
      let hi = cp.block;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if ((await adderView(mid)) === trackedAt(mid)) lo = mid;
        else hi = mid;
      }
      const blk = await rpc.call('eth_getBlockByNumber', [toHex(hi), true]);
      const txs = blk.transactions.filter((t) => lc(t.to) === engine);
      voteAdderChanges.push({ adder: await adderView(hi), event: false, from: txs.length === 1 ? lc(txs[0].from) : null, block: hi, block_hash: blk.hash, time: fromHex(blk.timestamp), tx: txs.length === 1 ? txs[0].hash : null, log_index: null });
      voteAdderChanges.sort((a, b) => a.block - b.block || (a.log_index ?? -1) - (b.log_index ?? -1));
    }
    confirmed = cp.block;
  }

  // ---- participants: every address that staked, committed, solved, contested or voted
  const participants = buildParticipants({ validatorEvents, commitments, solutions, contestations, votes, payouts, complete: fromBlock <= deploy.deploy_block });
  if (participants.length) {
    const reg = lc(registryChanges.length ? registryChanges[registryChanges.length - 1].registry : (await viewAt('masterContesterRegistry', [], toBlock))[0]);
    const hasReg = reg !== '0x0000000000000000000000000000000000000000';
    const calls = participants.map((p) => ['eth_call', [{ to: engine, data: E.encodeFunctionData('validators', [p.address]) }, toHex(toBlock)]]);
    const G = ifaces.TestMasterContesterRegistry;
    if (hasReg && G) for (const p of participants) calls.push(['eth_call', [{ to: reg, data: G.encodeFunctionData('isMasterContester', [p.address]) }, toHex(toBlock)]]);
    const r = await rpc.batch(calls);
    participants.forEach((p, i) => {
      p.stake.staked = big(E.decodeFunctionResult('validators', r[i]).staked);
      p.master_contester = hasReg && G ? G.decodeFunctionResult('isMasterContester', r[participants.length + i])[0] : false;
      // the whole history is in range: what the views hold must be what the events and the
      // V6/raw slash rules say
      if (p.stake.complete && p.stake.staked !== p.stake.expected) {
        throw new Error(`participant ${p.address}: validators().staked ${p.stake.staked} != ${p.stake.expected} from deposits, withdrawals, era-6 credits and slashes`);
      }
    });
  }

  // ---- images: what a gallery of this range shows (image model, solved, not retracted)
  const typeCache = new Map();
  const modelType = (id) => {
    if (!typeCache.has(id)) {
      let t = null;
      try {
        t = JSON.parse(modelById.get(id)?.template ?? 'null')?.output?.[0]?.type ?? null;
      } catch {
        t = null;
      }
      typeCache.set(id, t);
    }
    return typeCache.get(id);
  };
  const solByTask = new Map(solutions.map((s) => [s.task, s]));
  const images = tasks
    .filter((t) => !t.retracted && solByTask.has(t.id) && modelType(t.model) === 'image')
    .map((t) => {
      const s = solByTask.get(t.id);
      const file = modelById.get(t.model)?.output_file ?? null;
      return { task: t.id, model: t.model, owner: t.owner, prompt: t.prompt, validator: s.validator, cid: s.cid, cid_qm: s.cid_qm, file, path: s.cid_qm && file ? `/ipfs/${s.cid_qm}/${file}` : null, block: t.block, log_index: t.log_index };
    });

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
  const seenInTx = new Map();
  for (const t of tasks) {
    const it = intents.get(t.tx);
    if (!it) continue;
    if (it.tasks) {
      // several tasks in one tx (wrappers): the driver listed what should land, in order
      const i = seenInTx.get(t.tx) ?? 0;
      seenInTx.set(t.tx, i + 1);
      const w = it.tasks[i];
      if (!w) throw new Error(`task ${t.id}: tx ${t.tx} made more tasks than the driver meant`);
      if (lc(w.input) !== t.input || lc(w.owner) !== t.owner) throw new Error(`task ${t.id}: input/owner differ from task #${i} the driver sent in ${t.tx}`);
      continue;
    }
    if (it.input !== undefined && lc(it.input) !== t.input) throw new Error(`task ${t.id}: input differs from what the driver sent`);
    if (it.owner !== undefined && lc(it.owner) !== t.owner) throw new Error(`task ${t.id}: owner differs from what the driver sent`);
  }
  for (const [tx, n] of seenInTx) {
    if (n !== intents.get(tx).tasks.length) throw new Error(`tx ${tx}: ${n} tasks landed, the driver meant ${intents.get(tx).tasks.length}`);
  }
  for (const c of contestations) {
    const it = intents.get(c.finish[0]?.tx);
    if (it?.outcome && it.outcome !== c.outcome) throw new Error(`contestation ${c.task}: ${c.outcome}, the driver meant ${it.outcome}`);
  }
  for (const s of solutions) {
    const it = intents.get(s.tx);
    if (!it?.cids) continue;
    if (lc(it.cids[s.task]) !== s.cid) throw new Error(`solution ${s.task}: cid differs from what the driver sent`);
  }
  for (const c of payouts) {
    const it = intents.get(c.tx);
    const x = it?.expectByTask?.[c.task] ?? it?.expect;
    if (!x) continue;
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
    other_contracts: Object.fromEntries(Object.entries(deploy.contracts).filter(([k]) => !['token', 'engine', 'router'].includes(k))),
    vote_adder_initial: voteAdderInitial,
    vote_adder_changes: voteAdderChanges,
    vote_adder_head: adderHead,
    master_contester_registry_changes: registryChanges,
    participants,
    images,
  };
}
