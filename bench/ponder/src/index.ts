// Indexing functions: every engine and router event, and the token's
// Transfers out of the engine, into ponder.schema.ts.  Like arbiusd, a task's
// prompt and a solution's CID come from the calldata of the transaction when
// it is a direct submitTask / bulkSubmitTask / router submitTask (or
// submitSolution / bulkSubmitSolution); Ponder hands each log its
// transaction, so this costs no extra request.  The decoded calldata of the
// last transaction is kept: a bulk transaction's hundreds of logs decode it
// once.
import { ponder } from "ponder:registry";
import * as s from "ponder:schema";
import { type Hex, decodeFunctionData, hexToBytes } from "viem";

import { EngineAbi, RouterAbi } from "../abis";

const engine = process.env.ARBIUS_ENGINE!.toLowerCase();
const router = (process.env.ARBIUS_ROUTER ?? "").toLowerCase();
const utf8 = new TextDecoder("utf-8", { fatal: true });

type TaskCall = { via: string; owner: Hex | null; input: Hex | null; prompt: string | null; n: number | null };
type SolCall = Map<string, Hex>;

// The prompt as arbiusd defines it: the input is UTF-8 JSON, an object,
// whose "prompt" is a string; else null.  PostgreSQL text cannot hold NUL,
// so a NUL in a prompt becomes U+FFFD here (arbiusd keeps it).
function promptOf(input: Hex): string | null {
  let o: unknown;
  try {
    o = JSON.parse(utf8.decode(hexToBytes(input)));
  } catch {
    return null;
  }
  if (o === null || typeof o !== "object" || Array.isArray(o)) return null;
  const p = (o as Record<string, unknown>).prompt;
  return typeof p === "string" ? p.replaceAll("\u0000", "\uFFFD") : null;
}

let taskTx: Hex | null = null;
let taskCall: TaskCall | null = null;

function decodeTaskCall(to: string | null, data: Hex): TaskCall {
  const none: TaskCall = { via: "other", owner: null, input: null, prompt: null, n: null };
  try {
    if (to === engine) {
      const d = decodeFunctionData({ abi: EngineAbi, data });
      if (d.functionName === "submitTask" || d.functionName === "bulkSubmitTask") {
        const [, owner, , , input] = d.args;
        const n = d.functionName === "bulkSubmitTask" ? Number(d.args[5]) : 1;
        return { via: d.functionName, owner, input, prompt: promptOf(input), n };
      }
    } else if (to === router) {
      const d = decodeFunctionData({ abi: RouterAbi, data });
      const [, owner, , , input] = d.args;
      return { via: "router", owner, input, prompt: promptOf(input), n: 1 };
    }
  } catch {
    /* not a call we know: no prompt */
  }
  return none;
}

let solTx: Hex | null = null;
let solCall: SolCall = new Map();

function decodeSolCall(to: string | null, data: Hex): SolCall {
  const m: SolCall = new Map();
  if (to !== engine) return m;
  try {
    const d = decodeFunctionData({ abi: EngineAbi, data });
    if (d.functionName === "submitSolution") m.set(d.args[0], d.args[1]);
    else if (d.functionName === "bulkSubmitSolution") d.args[0].forEach((t, i) => m.set(t, d.args[1][i]!));
  } catch {
    /* not a call we know: no CID */
  }
  return m;
}

ponder.on("Engine:TaskSubmitted", async ({ event, context }) => {
  const tx = event.transaction;
  if (tx.hash !== taskTx) {
    taskTx = tx.hash;
    taskCall = decodeTaskCall(tx.to?.toLowerCase() ?? null, tx.input);
  }
  const c = taskCall!;
  await context.db.insert(s.task).values({
    id: event.args.id,
    model: event.args.model,
    fee: event.args.fee,
    sender: event.args.sender,
    owner: c.owner,
    via: c.via,
    bulkSize: c.n,
    input: c.input,
    prompt: c.prompt,
    block: event.block.number,
    time: event.block.timestamp,
    tx: tx.hash,
    logIndex: event.log.logIndex,
  });
});

ponder.on("Engine:SolutionSubmitted", async ({ event, context }) => {
  const tx = event.transaction;
  if (tx.hash !== solTx) {
    solTx = tx.hash;
    solCall = decodeSolCall(tx.to?.toLowerCase() ?? null, tx.input);
  }
  await context.db.insert(s.solution).values({
    task: event.args.task,
    validator: event.args.addr,
    cid: solCall.get(event.args.task) ?? null,
    block: event.block.number,
    time: event.block.timestamp,
    tx: tx.hash,
    logIndex: event.log.logIndex,
  });
});

for (const [name, table] of [
  ["SolutionClaimed", s.claim],
  ["ContestationSubmitted", s.contestation],
  ["ContestationSuggested", s.suggestion],
] as const) {
  ponder.on(`Engine:${name}`, async ({ event, context }) => {
    await context.db.insert(table).values({
      id: event.id,
      task: event.args.task,
      addr: event.args.addr,
      block: event.block.number,
      tx: event.transaction.hash,
    });
  });
}

ponder.on("Engine:ContestationVote", async ({ event, context }) => {
  await context.db.insert(s.contestationVote).values({
    id: event.id,
    task: event.args.task,
    voter: event.args.addr,
    yea: event.args.yea,
    block: event.block.number,
  });
});

ponder.on("Engine:ContestationVoteFinish", async ({ event, context }) => {
  await context.db.insert(s.contestationFinish).values({
    id: event.id,
    task: event.args.id,
    startIdx: event.args.start_idx,
    endIdx: event.args.end_idx,
    block: event.block.number,
    tx: event.transaction.hash,
  });
});

ponder.on(
  "Engine:FeesPaid(uint256 modelFee, uint256 treasuryFee, uint256 remainingFee, uint256 validatorFee)",
  async ({ event, context }) => {
    await context.db.insert(s.feesPaid).values({
      id: event.id,
      era: 5,
      ...event.args,
      block: event.block.number,
      tx: event.transaction.hash,
    });
  },
);

ponder.on(
  "Engine:FeesPaid(bytes32 indexed model, bytes32 indexed task, address indexed validator, uint256 modelFee, uint256 treasuryFee, uint256 remainingFee, uint256 validatorFee)",
  async ({ event, context }) => {
    await context.db.insert(s.feesPaid).values({
      id: event.id,
      era: 6,
      ...event.args,
      block: event.block.number,
      tx: event.transaction.hash,
    });
  },
);

ponder.on(
  "Engine:RewardsPaid(uint256 totalRewards, uint256 treasuryReward, uint256 taskOwnerReward, uint256 validatorReward)",
  async ({ event, context }) => {
    await context.db.insert(s.rewardsPaid).values({
      id: event.id,
      era: 5,
      ...event.args,
      block: event.block.number,
      tx: event.transaction.hash,
    });
  },
);

ponder.on(
  "Engine:RewardsPaid(bytes32 indexed model, bytes32 indexed task, address indexed validator, uint256 totalRewards, uint256 treasuryReward, uint256 taskOwnerReward, uint256 validatorReward)",
  async ({ event, context }) => {
    await context.db.insert(s.rewardsPaid).values({
      id: event.id,
      era: 6,
      ...event.args,
      block: event.block.number,
      tx: event.transaction.hash,
    });
  },
);

ponder.on("Engine:SignalCommitment", async ({ event, context }) => {
  await context.db.insert(s.commitment).values({
    id: event.id,
    addr: event.args.addr,
    commitment: event.args.commitment,
    block: event.block.number,
  });
});

ponder.on("Engine:ModelRegistered", async ({ event, context }) => {
  await context.db.insert(s.model).values({ id: event.args.id, block: event.block.number, tx: event.transaction.hash });
});

const json = (o: unknown) => JSON.stringify(o, (_k, v) => (typeof v === "bigint" ? v.toString() : v));

for (const name of [
  "ModelFeeChanged",
  "ModelAddrChanged",
  "SolutionMineableRateChange",
  "TaskRetracted",
  "ValidatorDeposit",
  "ValidatorWithdrawInitiated",
  "ValidatorWithdrawCancelled",
  "ValidatorWithdraw",
  "TreasuryTransferred",
] as const) {
  ponder.on(`Engine:${name}`, async ({ event, context }) => {
    await context.db.insert(s.otherEvent).values({ id: event.id, name, args: json(event.args), block: event.block.number });
  });
}

ponder.on("Router:IncentiveAdded", async ({ event, context }) => {
  await context.db.insert(s.incentive).values({
    id: event.id,
    kind: "added",
    task: event.args.taskid,
    recipient: null,
    amount: event.args.amount,
    block: event.block.number,
  });
});

ponder.on("Router:IncentiveClaimed", async ({ event, context }) => {
  await context.db.insert(s.incentive).values({
    id: event.id,
    kind: "claimed",
    task: event.args.taskid,
    recipient: event.args.recipient,
    amount: event.args.amount,
    block: event.block.number,
  });
});

ponder.on("Token:Transfer", async ({ event, context }) => {
  await context.db.insert(s.transfer).values({
    id: event.id,
    from: event.args.from,
    to: event.args.to,
    value: event.args.value,
    block: event.block.number,
    tx: event.transaction.hash,
  });
});
