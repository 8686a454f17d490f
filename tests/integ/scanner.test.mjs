// scanner.test.mjs - arbiusd indexes the devnet: the tables equal the
// driver's ground truth; reorgs, kill -9 and faults end equal to a clean
// index of the canonical chain.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { Rpc } from '../devnet/lib.mjs';
import { startProxy } from '../devnet/proxy.mjs';
import { devnetConfig, dumpContent, freshIndex, sql, status } from './chain.mjs';
import { runCli, startDaemon, tmpDir, waitFor } from './harness.mjs';

let net;
let truth;
const quiet = () => {};

before(async () => {
  net = await startDevnet({});
  truth = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: quiet });
});

after(async () => {
  await net?.stop();
});

const lc = (s) => (s == null ? s : s.toLowerCase());
const hexOf = (blobHex) => (blobHex == null ? null : '0x' + blobHex.toLowerCase());

test('scan indexes every task, solution and claim exactly as the driver sent them', async () => {
  const dir = tmpDir();
  const cfg = devnetConfig(dir, net.deploy, net.rpcUrl);
  const head = truth.head.number;
  const r = runCli(['--config', cfg.file, 'scan', '--from', String(net.deploy.start_block), '--to', String(head)], { timeout: 300000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`scanned blocks ${net.deploy.start_block}-${head}`));

  const st = status(cfg.dbPath);
  assert.equal(st.indexed_block, head);
  assert.equal(st.indexed_hash, truth.head.hash);

  const tasks = sql(cfg.dbPath, 'SELECT id, model, fee, owner, sender, via, bulk_size, hex(input) AS input, CASE WHEN prompt IS NULL THEN NULL ELSE hex(CAST(prompt AS BLOB)) END AS prompt_hex, block, log_index, tx, time, version, cid FROM tasks ORDER BY block, log_index');
  assert.equal(tasks.length, truth.tasks.length, 'task count');
  const byId = new Map(tasks.map((t) => [t.id, t]));
  for (const t of truth.tasks) {
    const got = byId.get(lc(t.id));
    assert.ok(got, `task ${t.id} missing`);
    assert.equal(got.model, lc(t.model));
    assert.equal(got.fee, t.fee);
    assert.equal(got.owner, lc(t.owner), `owner of ${t.id} (via ${t.via})`);
    assert.equal(got.sender, lc(t.sender));
    assert.equal(got.via, t.bulk ? 'bulk' : t.via);
    assert.equal(got.bulk_size, t.bulk_size);
    assert.equal(hexOf(got.input), lc(t.input), `input of ${t.id}`);
    const wantPrompt = t.prompt == null ? null : Buffer.from(t.prompt, 'utf8').toString('hex').toUpperCase();
    assert.equal(got.prompt_hex ?? null, wantPrompt, `prompt of ${t.id}`);
    assert.equal(got.block, t.block);
    assert.equal(got.log_index, t.log_index);
    assert.equal(got.tx, lc(t.tx));
    assert.equal(got.time, t.time);
    assert.equal(got.version, t.version);
    assert.equal(got.cid, lc(t.cid), `engine cid of ${t.id}`);
  }

  const sols = sql(cfg.dbPath, 'SELECT task, validator, cid, cid_text, block, tx, claimed FROM solutions');
  assert.equal(sols.length, truth.solutions.length, 'solution count');
  const solBy = new Map(sols.map((s) => [s.task, s]));
  for (const s of truth.solutions) {
    const got = solBy.get(lc(s.task));
    assert.ok(got, `solution for ${s.task} missing`);
    assert.equal(got.validator, lc(s.validator));
    assert.equal(got.cid, lc(s.cid));
    assert.equal(got.cid_text ?? null, s.cid_qm ?? null, `Qm text of ${s.task}`);
    assert.equal(got.block, s.block);
    assert.equal(got.claimed, s.claimed ? 1 : 0, `claimed flag of ${s.task}`);
  }

  // Counts of the other event kinds.
  const count = (t) => sql(cfg.dbPath, `SELECT count(*) AS n FROM ${t}`)[0].n;
  assert.equal(count('commitments'), truth.commitments.length);
  assert.equal(count('contestations'), truth.contestations.length);
  assert.equal(count('votes'), truth.votes.length);
  assert.equal(count('models'), truth.models.length);
  assert.equal(count('incentives'), truth.incentives.length);
  assert.equal(sql(cfg.dbPath, 'SELECT count(*) AS n FROM solutions WHERE claimed = 1')[0].n, truth.claims.length);

  // Derived figures equal what the truth implies.
  const totals = sql(cfg.dbPath, 'SELECT * FROM totals')[0];
  assert.equal(totals.tasks, truth.tasks.length);
  assert.equal(totals.solutions, truth.solutions.length);
  assert.equal(totals.claims, truth.claims.length);
  const miners = new Set(truth.solutions.map((s) => lc(s.validator)));
  const human = truth.tasks.filter((t) => !(t.bulk_size > 1) && !miners.has(lc(t.owner)));
  assert.equal(totals.tasks_human, human.length, 'non-automine tasks');
  assert.equal(sql(cfg.dbPath, 'SELECT count(*) AS n FROM users')[0].n, new Set(truth.tasks.map((t) => lc(t.owner))).size);
  assert.equal(sql(cfg.dbPath, 'SELECT count(*) AS n FROM miners')[0].n, miners.size);
  const feeSum = truth.tasks.reduce((a, t) => a + BigInt(t.fee), 0n);
  const daily = sql(cfg.dbPath, 'SELECT fees FROM daily');
  assert.equal(daily.reduce((a, d) => a + BigInt(d.fees), 0n), feeSum, 'fee sum, exact');

  // `arbiusd task` prints the same object the API will serve.
  const some = truth.tasks.find((t) => t.prompt && t.solved) || truth.tasks[0];
  const tr = runCli(['--config', cfg.file, 'task', some.id]);
  assert.equal(tr.code, 0, tr.stderr);
  const tj = JSON.parse(tr.stdout);
  assert.equal(tj.id, lc(some.id));
  assert.equal(tj.owner, lc(some.owner));
  assert.equal(tj.fee, some.fee);
  assert.equal(tj.prompt, some.prompt);
  assert.equal(tj.block, some.block);
  const sol = truth.solutions.find((s) => lc(s.task) === lc(some.id));
  if (sol) {
    assert.equal(tj.solution.validator, lc(sol.validator));
    assert.equal(tj.solution.cid, sol.cid_qm);
  } else {
    assert.equal(tj.solution, null);
  }
  const missing = runCli(['--config', cfg.file, 'task', '0x' + '12'.repeat(32)]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such task in the index/);

  // A second scan of the same range changes nothing (idempotent).
  const before = dumpContent(cfg.dbPath);
  const again = runCli(['--config', cfg.file, 'scan', '--quiet', '--from', String(net.deploy.start_block), '--to', String(head)], { timeout: 300000 });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(dumpContent(cfg.dbPath), before);

  // status prints the scanner state as JSON.
  const s = runCli(['--config', cfg.file, 'status']);
  assert.equal(s.code, 0);
  const sj = JSON.parse(s.stdout);
  assert.equal(sj.indexed_block, head);
  assert.deepEqual(sj.gaps, []);
});

for (const depth of [1, 3, 20]) {
  test(`reorg of depth ${depth} under live sync ends equal to a clean index`, async () => {
    const dir = tmpDir();
    const cfg = devnetConfig(dir, net.deploy, net.rpcUrl);
    const d = await startDaemon({ configFile: cfg.file });
    try {
      const rpc = new Rpc(net.rpcUrl);
      const waitSynced = async () => {
        const head = await rpc.call('eth_getBlockByNumber', ['latest', false]);
        await waitFor(() => {
          const st = status(cfg.dbPath);
          return st && st.indexed_block === Number(BigInt(head.number)) && st.indexed_hash === head.hash;
        }, { timeoutMs: 60000, what: `sync to ${Number(BigInt(head.number))}` });
        return head;
      };
      await waitSynced();
      // The daemon must index the branch that is about to vanish.
      const beforeRevert = async ({ tip }) => {
        await waitFor(() => (status(cfg.dbPath)?.indexed_block ?? 0) >= tip, { timeoutMs: 60000, what: `index the doomed branch to ${tip}` });
      };
      const rt = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'reorg',
                                     opts: { depth, extra: 1, beforeRevert }, log: quiet });
      const head = await waitSynced();
      const reorgs = sql(cfg.dbPath, 'SELECT * FROM reorgs');
      assert.ok(reorgs.length >= 1, `a reorg was journaled (scenario head ${rt.head.number})`);
      const fresh = freshIndex(dir, net.deploy, net.rpcUrl, Number(BigInt(head.number)));
      assert.deepEqual(dumpContent(cfg.dbPath), dumpContent(fresh));
    } finally {
      assert.equal((await d.stop()).code, 0);
    }
  });
}

test('kill -9 in the middle of a backfill: restart ends equal, no gap, no duplicate', async () => {
  await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'sparse', opts: { blocks: 1500, events: 60 }, log: quiet });
  const rpc = new Rpc(net.rpcUrl);
  const head = Number(BigInt(await rpc.call('eth_blockNumber')));
  const dir = tmpDir();
  // Each eth_getLogs request held 150 ms: the backfill (38 ranges, read
  // ahead) lasts seconds, so that the kill lands in its middle.
  const px = await startProxy({ target: net.rpcUrl, port: 0 });
  px.setMode({ mode: 'timeout', ms: 150, methods: ['eth_getLogs'] });
  const cfg = devnetConfig(dir, net.deploy, px.url, { chain: { max_range: 40 } });
  let d = await startDaemon({ configFile: cfg.file });
  try {
    await waitFor(() => (status(cfg.dbPath)?.indexed_block ?? 0) > net.deploy.start_block + 200, { intervalMs: 20, what: 'some progress' });
    d.proc.kill('SIGKILL');
    await d.exited;
  } finally {
    px.setMode({ mode: 'ok' });
  }
  const mid = status(cfg.dbPath).indexed_block;
  assert.ok(mid < head, `killed before the end (${mid} < ${head})`);
  d = await startDaemon({ configFile: cfg.file });
  try {
    await waitFor(() => status(cfg.dbPath).indexed_block >= head, { timeoutMs: 120000, what: 'catch up' });
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
  const cov = sql(cfg.dbPath, 'SELECT from_block, to_block FROM coverage ORDER BY from_block');
  for (let i = 1; i < cov.length; i++) assert.ok(cov[i].from_block <= cov[i - 1].to_block + 1, 'no gap in coverage');
  assert.equal(cov[0].from_block, net.deploy.start_block);
  const fresh = freshIndex(dir, net.deploy, net.rpcUrl, status(cfg.dbPath).indexed_block);
  assert.deepEqual(dumpContent(cfg.dbPath), dumpContent(fresh));
  await px.close();
});
