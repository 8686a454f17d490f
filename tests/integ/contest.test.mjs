// contest.test.mjs - V6 contestations decided as the contract decides them
// (issue #16 point 2), and every participant has a page (point 3).
//
// The devnet's `contest` scenario: a silent initializeV6(50) (only the view
// tells), upheld 51-2 (raw counting says rejected), the adder set to 1 by
// event, rejected 2-3 finished in two calls, a 2-2 tie (rejected), upheld
// 4-1 finished in three calls, upheld 2-1 (raw: a tie), an open one, and a
// 1-1 rejection in era 5 (no adder); master contesters who stake, contest
// and vote but never solve; a stake-only and a commit-only validator.
// Every expectation comes from the truth.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { devnetConfig, sql } from './chain.mjs';
import { runCliAsync, startDaemon, tmpDir } from './harness.mjs';

const lc = (s) => (s == null ? s : s.toLowerCase());
const B = (x) => BigInt(x ?? 0);

let dn;
let truth;
let d;
let cfg;

before(async () => {
  dn = await startDevnet({});
  truth = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'contest', log: () => {} });
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
  assert.equal(stats.images_7d, valid.length);
  assert.equal(stats.images_24h, valid.length);
  const daily = await get('/api/v1/charts/daily?automine=show&days=all');
  assert.equal(daily.points.reduce((a, p) => a + p.images, 0), valid.length);
  const def = await get('/api/v1/images?automine=show&limit=100');
  assert.deepEqual(def.items.map((i) => i.id), [...valid].reverse().map((i) => lc(i.task)));
  assert.equal(def.contested, 'hide');
  const all = await get('/api/v1/images?automine=show&contested=show&limit=100');
  assert.deepEqual(all.items.map((i) => i.id), [...truth.images].reverse().map((i) => lc(i.task)));
  for (const i of all.items) assert.equal(i.invalidated, inv.has(i.id), `invalidated mark of ${i.id}`);
  const html = await get('/gallery?automine=show&contested=show');
  assert.equal((html.match(/badge-invalidated/g) ?? []).length, truth.images.filter((i) => inv.has(lc(i.task))).length);
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
