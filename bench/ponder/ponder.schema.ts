// The tables bench/ponder fills: one row per event, as arbiusd stores them
// (tasks with the prompt from calldata, solutions with the CID from
// calldata, claims, contestations, votes, fee and reward payouts of both
// engine eras, the engine's AIUS transfers, router incentives, commitments,
// models; the rest in other_event).  The API's /counts reads every table.
import { onchainTable } from "ponder";

export const task = onchainTable("task", (t) => ({
  id: t.hex().primaryKey(),
  model: t.hex().notNull(),
  fee: t.bigint().notNull(),
  sender: t.hex().notNull(),
  owner: t.hex(),
  via: t.text().notNull(), // submitTask | bulkSubmitTask | router | other
  bulkSize: t.integer(),
  input: t.hex(),
  prompt: t.text(),
  block: t.bigint().notNull(),
  time: t.bigint().notNull(),
  tx: t.hex().notNull(),
  logIndex: t.integer().notNull(),
}));

export const solution = onchainTable("solution", (t) => ({
  task: t.hex().primaryKey(),
  validator: t.hex().notNull(),
  cid: t.hex(),
  block: t.bigint().notNull(),
  time: t.bigint().notNull(),
  tx: t.hex().notNull(),
  logIndex: t.integer().notNull(),
}));

const byTask = (name: string) =>
  onchainTable(name, (t) => ({
    id: t.text().primaryKey(),
    task: t.hex().notNull(),
    addr: t.hex().notNull(),
    block: t.bigint().notNull(),
    tx: t.hex().notNull(),
  }));

export const claim = byTask("claim");
export const contestation = byTask("contestation");
export const suggestion = byTask("suggestion");

export const contestationVote = onchainTable("contestation_vote", (t) => ({
  id: t.text().primaryKey(),
  task: t.hex().notNull(),
  voter: t.hex().notNull(),
  yea: t.boolean().notNull(),
  block: t.bigint().notNull(),
}));

export const contestationFinish = onchainTable("contestation_finish", (t) => ({
  id: t.text().primaryKey(),
  task: t.hex().notNull(),
  startIdx: t.integer().notNull(),
  endIdx: t.integer().notNull(),
  block: t.bigint().notNull(),
  tx: t.hex().notNull(),
}));

export const feesPaid = onchainTable("fees_paid", (t) => ({
  id: t.text().primaryKey(),
  era: t.integer().notNull(), // 5: no indexed fields, 6: model/task/validator
  model: t.hex(),
  task: t.hex(),
  validator: t.hex(),
  modelFee: t.bigint().notNull(),
  treasuryFee: t.bigint().notNull(),
  remainingFee: t.bigint().notNull(),
  validatorFee: t.bigint().notNull(),
  block: t.bigint().notNull(),
  tx: t.hex().notNull(),
}));

export const rewardsPaid = onchainTable("rewards_paid", (t) => ({
  id: t.text().primaryKey(),
  era: t.integer().notNull(),
  model: t.hex(),
  task: t.hex(),
  validator: t.hex(),
  totalRewards: t.bigint().notNull(),
  treasuryReward: t.bigint().notNull(),
  taskOwnerReward: t.bigint().notNull(),
  validatorReward: t.bigint().notNull(),
  block: t.bigint().notNull(),
  tx: t.hex().notNull(),
}));

export const transfer = onchainTable("transfer", (t) => ({
  id: t.text().primaryKey(),
  from: t.hex().notNull(),
  to: t.hex().notNull(),
  value: t.bigint().notNull(),
  block: t.bigint().notNull(),
  tx: t.hex().notNull(),
}));

export const incentive = onchainTable("incentive", (t) => ({
  id: t.text().primaryKey(),
  kind: t.text().notNull(), // added | claimed
  task: t.hex().notNull(),
  recipient: t.hex(),
  amount: t.bigint().notNull(),
  block: t.bigint().notNull(),
}));

export const commitment = onchainTable("commitment", (t) => ({
  id: t.text().primaryKey(),
  addr: t.hex().notNull(),
  commitment: t.hex().notNull(),
  block: t.bigint().notNull(),
}));

export const model = onchainTable("model", (t) => ({
  id: t.hex().primaryKey(),
  block: t.bigint().notNull(),
  tx: t.hex().notNull(),
}));

export const otherEvent = onchainTable("other_event", (t) => ({
  id: t.text().primaryKey(),
  name: t.text().notNull(),
  args: t.text().notNull(), // JSON, amounts as decimal strings
  block: t.bigint().notNull(),
}));
