// contest.test.mjs - V6 contestations decided as the contract decides them
// (issue #16 point 2), and every participant has a page (point 3).
//
// The devnet's `contest` scenario, then `full` on the same chain: a silent initializeV6(50) (only the view
// tells), upheld 51-2 (raw counting says rejected), the adder set to 1 by
// event, rejected 2-3 finished in two calls, a 2-2 tie (rejected), upheld
// 4-1 finished in three calls, upheld 2-1 (raw: a tie), an open one, and a
// 1-1 rejection in era 5 (no adder); master contesters who stake, contest
// and vote but never solve; a stake-only and a commit-only validator.
// Every expectation comes from the truth.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { Driver, runScenario } from '../devnet/driver.mjs';
import { devnetConfig, dumpContent, freshIndex, sql, status } from './chain.mjs';
import { runCliAsync, startDaemon, tmpDir, waitFor } from './harness.mjs';

const lc = (s) => (s == null ? s : s.toLowerCase());
const B = (x) => BigInt(x ?? 0);

let dn;
let truth;
let notes; // the contest scenario's
let d;
let cfg;

before(async () => {
  dn = await startDevnet({});
  notes = (await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'contest', log: () => {} })).notes.contest;
  // Then `full` on the same chain (withdrawals, era-6 stake credits, eras 4 and 5); its truth
  // covers the whole chain.
  truth = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'full', log: () => {} });
  cfg = devnetConfig(tmpDir(), dn.deploy, dn.rpcUrl, { ipfs: { monitor: 'off', gateways: 'http://127.0.0.1:9/gw' } });
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(dn.deploy.start_block),
    '--to', String(truth.head.number)], { timeout: 300000 });
  assert.equal(r.code, 0, r.stderr);
  d = await startDaemon({ configFile: cfg.file, args: ['--read-only'] });
});

after(async () => {
  if (d) assert.equal((await d.stop()).code, 0);
  await dn?.stop();
});

async function get(p, status = 200) {
  const r = await fetch(d.url + p);
  const body = p.startsWith('/api/') ? await r.json() : await r.text();
  assert.equal(r.status, status, `${p}: ${typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body)}`);
  return body;
}

const upheld = () => new Set(truth.contestations.filter((c) => c.outcome === 'upheld').map((c) => lc(c.task)));

test('every contestation shows the contract\'s outcome, the counted voters and the V6 bonus apart, and the refund', async () => {
  assert.ok(truth.contestations.some((c) => c.outcome === 'upheld' && c.yea_voters.length <= c.nay_voters.length),
    'the scenario has an upheld contestation that raw counting gets wrong');
  for (const c of truth.contestations) {
    const img = await get(`/api/v1/image/${c.task}`);
    const got = img.contestation;
    const what = `contestation of ${c.task}`;
    assert.equal(got.status, c.outcome ?? 'open', what);
    assert.equal(got.contester, lc(c.contester), what);
    assert.equal(got.yeas, c.yea_voters.length, `${what}: yea voters`);
    assert.equal(got.nays, c.nay_voters.length, `${what}: nay voters`);
    if (c.outcome) {
      assert.equal(got.yea_bonus, c.adder, `${what}: the master-contester bonus counted`);
      assert.equal(got.yeas + got.yea_bonus, c.yeas, `${what}: yeas as the contract counted them`);
      assert.equal(got.decided_by, c.outcome === 'upheld' ? 'refund' : 'payout', what);
    } else {
      assert.equal(got.yea_bonus, null);
    }
    if (c.refund) {
      assert.deepEqual({ to: got.refund.to, amount: got.refund.amount }, { to: lc(c.refund.to), amount: c.refund.amount }, what);
      assert.equal(got.refund.tx, lc(c.finish[0].tx));
    } else {
      assert.equal(got.refund, null, what);
    }
    assert.equal(img.invalidated, c.outcome === 'upheld', `${what}: invalidated`);
  }
  // The page says it in words.
  const c = truth.contestations.find((x) => x.outcome === 'upheld' && x.adder > 1);
  const page = await get(`/image/${c.task}`);
  assert.match(page, new RegExp(`data-contestation="upheld"`));
  assert.match(page, new RegExp(`${c.yea_voters.length} yea \\+ ${c.adder} master-contester bonus / ${c.nay_voters.length} nay`));
  assert.match(page, /The solution is invalid/);
});

test('an upheld contestation\'s solution is no image: figures, default gallery, contested=show', async () => {
  const inv = upheld();
  const valid = truth.images.filter((i) => !inv.has(lc(i.task)));
  assert.ok(valid.length < truth.images.length, 'some image is invalidated');
  const stats = await get('/api/v1/stats?automine=show');
  assert.equal(stats.images_total, valid.length);
  const daily = await get('/api/v1/charts/daily?automine=show&days=all');
  assert.equal(daily.points.reduce((a, p) => a + p.images, 0), valid.length);
  const def = await get('/api/v1/images?automine=show&limit=100');
  assert.deepEqual(def.items.map((i) => i.id), [...valid].reverse().map((i) => lc(i.task)));
  assert.equal(def.contested, 'hide');
  const all = await get('/api/v1/images?automine=show&contested=show&limit=100');
  assert.deepEqual(all.items.map((i) => i.id), [...truth.images].reverse().map((i) => lc(i.task)));
  for (const i of all.items) assert.equal(i.invalidated, inv.has(i.id), `invalidated mark of ${i.id}`);
  const html = await get('/gallery?automine=show&contested=show');
  const firstPage = [...truth.images].reverse().slice(0, 24);
  assert.equal((html.match(/badge badge-invalidated/g) ?? []).length, firstPage.filter((i) => inv.has(lc(i.task))).length);
  await get('/api/v1/images?contested=maybe', 400);
});

test('an invalid solution earns nothing: each solver\'s earnings are the truth\'s payouts', async () => {
  const inv = upheld();
  const want = new Map();
  for (const p of truth.payouts) {
    const a = lc(p.paid.validator.addr);
    want.set(a, (want.get(a) ?? 0n) + B(p.paid.validator.fee) + B(p.paid.validator.reward));
  }
  const solvers = new Set(truth.solutions.map((s) => lc(s.validator)));
  for (const a of solvers) {
    const m = await get(`/api/v1/miner/${a}`);
    assert.equal(B(m.earnings.total), want.get(a) ?? 0n, `earnings of ${a}`);
  }
  for (const s of truth.solutions.filter((x) => inv.has(lc(x.task)))) {
    assert.ok(!truth.payouts.some((p) => lc(p.task) === lc(s.task)), 'the truth pays no invalid solution');
    // The fee refunded to the task's owner is no one's earnings either.
    assert.deepEqual(sql(cfg.dbPath, `SELECT role, addr, amount FROM earnings WHERE task = '${lc(s.task)}'`), [], `earnings of ${s.task}`);
  }
});

// ---- issue #16 point 3: every participant has a page ----

const FROM_LOGS = new Set(['deposit', 'withdraw_initiated', 'withdraw_cancelled', 'withdraw', 'fee', 'reward']);

test('every address that staked, committed, solved, contested or voted has a page with its roles, stake history and record', async () => {
  const master = notes.master_contesters;
  assert.ok(master.every((a) => !truth.solutions.some((s) => lc(s.validator) === lc(a))), 'the master contesters never solve');
  assert.ok(truth.participants.length >= 5, 'stakers, committers, solvers, contesters and voters');
  for (const p of truth.participants) {
    const what = `participant ${p.address} (${p.roles.join(', ')})`;
    const m = await get(`/api/v1/miner/${p.address}`);
    assert.deepEqual(m.roles, p.roles, what);
    assert.equal(m.solver, p.roles.includes('solver'), what);
    assert.equal(m.first_block, p.first_block, `${what}: first block`);
    assert.equal(m.last_block, p.last_block, `${what}: last block`);
    assert.equal(m.solutions, p.solutions, what);
    assert.equal(m.solutions_claimed, p.solutions_claimed, what);
    assert.equal(m.commitments, p.commitments, what);
    assert.deepEqual(m.contestation_record, p.contestations, `${what}: contestation record`);
    assert.deepEqual(m.vote_record, p.votes, `${what}: votes`);
    assert.equal(m.stake.deposited, p.stake.deposited, `${what}: deposited`);
    assert.equal(m.stake.withdrawn, p.stake.withdrawn, `${what}: withdrawn`);
    assert.equal(m.stake.credited, p.stake.credited, `${what}: credited`);
    const key = (h) => `${h.block}|${h.kind}|${h.amount ?? ''}|${lc(h.tx)}|${lc(h.by ?? '')}|${lc(h.task ?? '')}`;
    const want = p.stake.history.filter((h) => FROM_LOGS.has(h.kind)).map(key).sort();
    assert.deepEqual(m.stake.history.map(key).sort(), want, `${what}: stake history`);
    const page = await get(`/miner/${p.address}`);
    assert.match(page, new RegExp(`data-stat="roles">${p.roles.join(' ')} <`), what);
  }
  // A master contester who staked, contested and voted: a participant, not a solver.
  const mc = await get(`/api/v1/miner/${lc(master[0])}`);
  assert.equal(mc.solver, false);
  assert.ok(mc.roles.includes('contester'));
  // Someone who never took part: still a 404.
  await get(`/api/v1/miner/0x${'5'.repeat(40)}`, 404);
});

test('the leaderboard filters by role', async () => {
  const count = {
    staker: (p) => p.stake.history.filter((h) => h.kind === 'deposit').length,
    committer: (p) => p.commitments,
    contester: (p) => p.contestations.contested,
    voter: (p) => p.votes.cast,
  };
  for (const role of Object.keys(count)) {
    const j = await get(`/api/v1/miners?role=${role}`);
    assert.equal(j.role, role);
    const want = truth.participants.filter((p) => p.roles.includes(role));
    assert.ok(want.length > 0, `the scenario has ${role}s`);
    assert.deepEqual(j.participants.map((x) => x.address).sort(), want.map((p) => p.address).sort(), `${role}s`);
    for (const x of j.participants) {
      const p = want.find((y) => y.address === x.address);
      assert.equal(x.count, count[role](p), `${role} ${x.address}`);
      assert.deepEqual(x.roles, p.roles);
    }
    const counts = j.participants.map((x) => x.count);
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a), 'most active first');
    const page = await get(`/miners?role=${role}`);
    for (const p of want) assert.ok(page.includes(`data-address="${p.address}"`), `${role} page lists ${p.address}`);
  }
  const solvers = await get('/api/v1/miners?role=solver');
  assert.deepEqual(solvers.miners.map((m) => m.address).sort(), [...new Set(truth.solutions.map((s) => lc(s.validator)))].sort());
  await get('/api/v1/miners?role=treasurer', 400);
});

// ---- last: it rewrites the chain's tip ----

test('a reorg that removes an upheld finish gives the solution back its image, equal to a clean index', async () => {
  const dv = await Driver.create({ rpcUrl: dn.rpcUrl, deploy: dn.deploy });
  const [alice] = dv.acc.users;
  const [m1] = dv.acc.miners;
  const [mc1, mc2] = notes.master_contesters;
  const P = (x) => '0x' + Buffer.from(JSON.stringify({ prompt: x })).toString('hex');
  const task = await dv.submitTask(alice, { model: dv.model('image'), input: P('contested, then reorged away') });
  await dv.submitSolution(m1, task, '0x1220' + Buffer.alloc(32, 7).toString('hex'));
  const dir = tmpDir();
  const live = devnetConfig(dir, dn.deploy, dn.rpcUrl, { ipfs: { monitor: 'off' } });
  const dd = await startDaemon({ configFile: live.file });
  try {
    const headNow = async () => Number(BigInt(await dn.rpc.call('eth_blockNumber')));
    let h = await headNow();
    await waitFor(() => status(live.dbPath)?.indexed_block >= h, { timeoutMs: 120000, what: 'sync' });
    const images0 = (await (await fetch(`${dd.url}/api/v1/stats?automine=show`)).json()).images_total;
    const snap = await dn.rpc.call('evm_snapshot', []);
    await dv.contest(mc1, task); // yea mc1, nay m1 (auto)
    await dv.vote(mc2, task, true);
    await dv.voteFinish(alice, task, 10);
    h = await headNow();
    await waitFor(() => status(live.dbPath)?.indexed_block >= h, { timeoutMs: 60000, what: 'index the doomed finish' });
    const doomed = await (await fetch(`${dd.url}/api/v1/image/${task}`)).json();
    assert.equal(doomed.contestation.status, 'upheld');
    assert.equal(doomed.invalidated, true);
    assert.equal((await (await fetch(`${dd.url}/api/v1/stats?automine=show`)).json()).images_total, images0 - 1);
    await dn.rpc.call('evm_revert', [snap]);
    await dv.mineEmpty(h - (await headNow()) + 2);
    h = await headNow();
    await waitFor(() => status(live.dbPath)?.indexed_block >= h && sql(live.dbPath, 'SELECT count(*) AS n FROM reorgs')[0].n > 0,
      { timeoutMs: 60000, what: 'the reorg' });
    const back = await (await fetch(`${dd.url}/api/v1/image/${task}`)).json();
    assert.equal(back.contestation, null);
    assert.equal(back.invalidated, false);
    assert.equal((await (await fetch(`${dd.url}/api/v1/stats?automine=show`)).json()).images_total, images0);
    assert.deepEqual(dumpContent(live.dbPath), dumpContent(freshIndex(dir, dn.deploy, dn.rpcUrl, h)));
  } finally {
    assert.equal((await dd.stop()).code, 0);
  }
});
