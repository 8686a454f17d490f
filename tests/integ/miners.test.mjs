// miners.test.mjs - miners, users, models and earnings against the devnet's
// ground truth: the `full` scenario covers the three reward eras (4: V1-V4
// transfers, 5: V5 FeesPaid/RewardsPaid linked to SolutionClaimed, 6: V6
// indexed events) and rejected contestations; every miner's counts,
// earnings per era (to the wei, BigInt) and latency medians are computed
// here from the truth JSON alone.  A reorg that drops a claim drops its
// earnings.  The AIUS paid (24h) figure of the dashboard is checked too.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import puppeteer from 'puppeteer-core';

import { startDevnet } from '../devnet/devnet.mjs';
import { Driver, runScenario } from '../devnet/driver.mjs';
import { aiusShown } from './fmt.mjs';
import { devnetConfig, dumpContent, freshIndex, sql, status } from './chain.mjs';
import { runCliAsync, startDaemon, tmpDir, waitFor } from './harness.mjs';

const quiet = () => {};
const lc = (s) => (s == null ? s : s.toLowerCase());
const B = (x) => BigInt(x ?? 0);
const GATEWAY = 'http://127.0.0.1:9/gw';

let net;
let truth;
let daemon;
let cfg;
let dir;
let unknownModel;
const KAND = '0x98617a8cd4a11db63100ad44bea4e5e296aecfd78b2ef06aee3e364c7307f212';

before(async () => {
  net = await startDevnet({});
  await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: quiet });
  // A model no table knows: it must show its id, never a name.
  const d = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
  unknownModel = await d.registerModel(d.acc.users[0], {
    addr: d.acc.users[0], fee: 0n,
    template: '0x' + Buffer.from(JSON.stringify({ meta: { title: 'Unlisted test model' }, input: [{ variable: 'prompt', type: 'string', required: true, default: '', description: 'the prompt' }], output: [{ filename: 'out-1.png', type: 'image' }] })).toString('hex'),
  });
  truth = await d.truth();
  dir = tmpDir();
  cfg = devnetConfig(dir, net.deploy, net.rpcUrl, {
    ipfs: { gateways: GATEWAY },
    models: { names: `${KAND}=Kandinsky Devnet` },
  });
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(net.deploy.start_block), '--to', String(truth.head.number)], { timeout: 300000 });
  assert.equal(r.code, 0, r.stderr);
  daemon = await startDaemon({ configFile: cfg.file, args: ['--read-only'] });
});

after(async () => {
  if (daemon) assert.equal((await daemon.stop()).code, 0);
  await net?.stop();
});

async function getJson(p, status = 200) {
  const r = await fetch(daemon.url + p);
  const body = await r.json();
  assert.equal(r.status, status, `${p}: ${JSON.stringify(body)}`);
  return body;
}

// ---- expectations from the truth alone ----

function median(xs) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const lo = s[(s.length - 1) >> 1];
  const hi = s[s.length >> 1];
  return (lo + hi) / 2;
}

function expectedMiners(t = truth) {
  const tasks = new Map(t.tasks.map((x) => [lc(x.id), x]));
  const sols = new Map(t.solutions.map((s) => [lc(s.task), s]));
  const m = new Map();
  const get = (a) => {
    a = lc(a);
    if (!m.has(a)) m.set(a, { address: a, solutions: 0, claims: 0, solve: [], lag: [], eras: {}, first: Infinity, last: -Infinity, models: {} });
    return m.get(a);
  };
  for (const s of t.solutions) {
    const e = get(s.validator);
    e.solutions++;
    e.first = Math.min(e.first, s.time);
    e.last = Math.max(e.last, s.time);
    const task = tasks.get(lc(s.task));
    if (task) {
      e.solve.push(s.time - task.time);
      e.models[lc(task.model)] = (e.models[lc(task.model)] ?? 0) + 1;
    }
  }
  for (const c of t.claims) {
    const s = sols.get(lc(c.task));
    const e = get(s.validator);
    e.claims++;
    e.lag.push(c.time - s.time);
  }
  for (const p of t.payouts) {
    const e = get(p.paid.validator.addr);
    const era = (e.eras[p.era] ??= { fees: 0n, rewards: 0n });
    era.fees += B(p.paid.validator.fee);
    era.rewards += B(p.paid.validator.reward);
  }
  for (const e of m.values()) {
    e.fees = Object.values(e.eras).reduce((a, x) => a + x.fees, 0n);
    e.rewards = Object.values(e.eras).reduce((a, x) => a + x.rewards, 0n);
  }
  return m;
}

function paidBy(p) {
  return B(p.paid.validator.fee) + B(p.paid.validator.reward) + B(p.paid.task_owner.reward) +
    B(p.paid.treasury.reward) + B(p.paid.model.fee);
}

function aiusText(wei) {
  const w = B(wei);
  const whole = w / 10n ** 18n;
  let frac = (w % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

// ---- tests ----

test('the truth exercises all three reward eras and a rejected contestation', () => {
  const eras = new Set(truth.payouts.map((p) => p.era));
  assert.deepEqual([...eras].sort(), [4, 5, 6]);
  assert.ok(truth.payouts.some((p) => p.via === 'contestation'), 'a contestation settlement');
});

test('/api/v1/miners (all windows): counts, earnings per era to the wei, medians equal the truth', async () => {
  const exp = expectedMiners();
  for (const window of ['all', '24h', '7d', '30d']) {
    const j = await getJson(`/api/v1/miners?window=${window}&sort=solutions`);
    assert.equal(j.window, window);
    assert.equal(j.as_of.block, truth.head.number);
    assert.equal(j.miners.length, exp.size, `${window}: miner count`);
    for (const g of j.miners) {
      const e = exp.get(g.address);
      assert.ok(e, `${g.address} is a truth miner`);
      assert.equal(g.solutions, e.solutions, `${window} ${g.address} solutions`);
      assert.equal(g.claims, e.claims, `${window} ${g.address} claims`);
      assert.equal(B(g.fees), e.fees, `${window} ${g.address} fees`);
      assert.equal(B(g.rewards), e.rewards, `${window} ${g.address} rewards`);
      assert.equal(B(g.earnings), e.fees + e.rewards);
      assert.equal(g.earnings_aius, aiusText(e.fees + e.rewards));
      assert.equal(g.median_solve_seconds, median(e.solve), `${window} ${g.address} solve median`);
      assert.equal(g.median_claim_lag_seconds, median(e.lag), `${window} ${g.address} claim lag median`);
      assert.equal(g.first_seen, e.first);
      assert.equal(g.last_seen, e.last);
      assert.equal(g.active, true);
    }
    const total = [...exp.values()].reduce((a, e) => a + e.fees + e.rewards, 0n);
    assert.equal(B(j.totals.earnings), total);
    if (window === '7d' || window === '30d') {
      // Per-day totals of every miner: the truth's settlements by UTC day.
      const perDay = new Map();
      for (const p of truth.payouts) {
        const d = Math.floor(p.time / 86400);
        perDay.set(d, (perDay.get(d) ?? 0n) + B(p.paid.validator.fee) + B(p.paid.validator.reward));
      }
      const got = new Map(j.daily.filter((d) => B(d.fees) + B(d.rewards) > 0n).map((d) => [d.day, B(d.fees) + B(d.rewards)]));
      assert.deepEqual(got, perDay, `${window}: earnings per day`);
      assert.equal(j.daily.reduce((a, d) => a + d.solutions, 0), truth.solutions.length);
    } else {
      assert.deepEqual(j.daily, []);
    }
  }
  // Orders: solutions and earnings descending, latency ascending.
  const bySol = (await getJson('/api/v1/miners?sort=solutions')).miners;
  for (let i = 1; i < bySol.length; i++) assert.ok(bySol[i - 1].solutions >= bySol[i].solutions);
  const byEarn = (await getJson('/api/v1/miners?window=7d&sort=earnings')).miners;
  for (let i = 1; i < byEarn.length; i++) assert.ok(B(byEarn[i - 1].earnings) >= B(byEarn[i].earnings));
  const byLat = (await getJson('/api/v1/miners?window=30d&sort=latency')).miners;
  for (let i = 1; i < byLat.length; i++) assert.ok((byLat[i - 1].median_solve_seconds ?? Infinity) <= (byLat[i].median_solve_seconds ?? Infinity));
});

test('/api/v1/miner/<addr>: per-era earnings, contestations, votes, commitments, models, stake', async () => {
  const exp = expectedMiners();
  const sols = new Map(truth.solutions.map((s) => [lc(s.task), s]));
  for (const e of exp.values()) {
    const j = await getJson(`/api/v1/miner/${e.address.toUpperCase().replace('0X', '0x')}`);
    assert.equal(j.address, e.address);
    assert.equal(j.solutions, e.solutions);
    assert.equal(j.claims, e.claims);
    assert.equal(j.unclaimed, e.solutions - e.claims);
    for (const era of [4, 5, 6]) {
      const got = j.earnings.eras.find((x) => x.era === era);
      const want = e.eras[era];
      if (!want || (want.fees === 0n && want.rewards === 0n)) {
        assert.ok(!got || (B(got.fees) === 0n && B(got.rewards) === 0n), `${e.address} era ${era} empty`);
      } else {
        assert.equal(B(got.fees), want.fees, `${e.address} era ${era} fees`);
        assert.equal(B(got.rewards), want.rewards, `${e.address} era ${era} rewards`);
      }
    }
    assert.equal(B(j.earnings.total), e.fees + e.rewards);
    assert.equal(j.median_solve_seconds, median(e.solve));
    assert.equal(j.median_claim_lag_seconds, median(e.lag));
    assert.equal(j.contestations_against, truth.contestations.filter((c) => lc(sols.get(lc(c.task))?.validator) === e.address).length);
    assert.equal(j.contestations_by, truth.contestations.filter((c) => lc(c.contester) === e.address).length);
    assert.equal(j.votes, truth.votes.filter((v) => lc(v.voter) === e.address).length);
    assert.equal(j.commitments, truth.commitments.filter((c) => lc(c.addr) === e.address).length);
    assert.deepEqual(Object.fromEntries(j.models.map((m) => [m.id, m.solutions])), e.models);
    assert.equal(j.stake_events.length, truth.validator_events.filter((v) => lc(v.addr) === e.address || lc(v.validator) === e.address).length);
    assert.equal(j.daily.reduce((a, d) => a + d.solutions, 0), e.solutions);
    assert.equal(j.daily.reduce((a, d) => a + B(d.fees) + B(d.rewards), 0n), e.fees + e.rewards);
    assert.equal(j.recent.length, Math.min(24, e.solutions));
  }
});

test('users, models and model names equal the truth; a model without a name shows its template title', async () => {
  const owners = new Map();
  for (const t of truth.tasks) {
    const o = owners.get(lc(t.owner)) ?? { tasks: 0, fees: 0n };
    o.tasks++;
    o.fees += B(t.fee);
    owners.set(lc(t.owner), o);
  }
  const u = await getJson('/api/v1/users?sort=tasks');
  assert.equal(u.total, owners.size);
  for (const g of u.users) {
    const e = owners.get(g.address);
    assert.equal(g.tasks, e.tasks);
    assert.equal(B(g.fees), e.fees);
    assert.equal(g.fees_aius, aiusText(e.fees));
  }
  for (const [addr, e] of owners) {
    const j = await getJson(`/api/v1/user/${addr}`);
    assert.equal(j.tasks, e.tasks);
    assert.equal(B(j.fees), e.fees);
    assert.equal(j.solved, truth.tasks.filter((t) => lc(t.owner) === addr && t.solved).length);
    const imageModels = new Set(truth.models.filter((m) => {
      try { return JSON.parse(m.template)?.output?.[0]?.type === 'image'; } catch { return false; }
    }).map((m) => lc(m.id)));
    // A solution whose contestation was upheld is invalid: no image.
    const invalid = new Set(truth.contestations.filter((c) => c.outcome === 'upheld').map((c) => lc(c.task)));
    assert.equal(j.images, truth.tasks.filter((t) => lc(t.owner) === addr && t.solved && imageModels.has(lc(t.model)) && !invalid.has(lc(t.id))).length);
    const ownerRewards = truth.payouts.filter((p) => lc(p.paid.task_owner.addr) === addr).reduce((a, p) => a + B(p.paid.task_owner.reward), 0n);
    assert.equal(B(j.owner_rewards), ownerRewards, `${addr} owner rewards`);
  }
  const models = await getJson('/api/v1/models');
  assert.equal(models.models.length, truth.models.length);
  for (const m of truth.models) {
    const g = models.models.find((x) => x.id === lc(m.id));
    assert.ok(g, m.id);
    assert.equal(g.tasks, truth.tasks.filter((t) => lc(t.model) === lc(m.id)).length);
    const solved = new Set(truth.tasks.filter((t) => lc(t.model) === lc(m.id)).map((t) => lc(t.id)));
    assert.equal(g.solutions, truth.solutions.filter((s) => solved.has(lc(s.task))).length);
    assert.equal(g.fee, m.fee);
    const detail = await getJson(`/api/v1/model/${m.id}`);
    assert.equal(detail.tasks, g.tasks);
    assert.equal(detail.daily.reduce((a, d) => a + d.tasks, 0), g.tasks);
    if (m.template) {
      const tj = JSON.parse(m.template);
      assert.deepEqual(detail.template.fields.map((f) => f.variable), (tj.input ?? []).map((f) => f.variable));
      assert.equal(detail.output_file, tj.output?.[0]?.filename ?? null);
    }
  }
  // Every party's earnings by role, to the wei (the model owner's fee share,
  // task-owner rewards, treasury rewards where the address is known).
  const want = new Map();
  const add = (addr, role, v) => {
    if (B(v) === 0n) return;
    const k = `${lc(addr)}|${role}`;
    want.set(k, (want.get(k) ?? 0n) + B(v));
  };
  for (const p of truth.payouts) {
    add(p.paid.validator.addr, 'validator', B(p.paid.validator.fee) + B(p.paid.validator.reward));
    add(p.paid.task_owner.addr, 'task_owner', p.paid.task_owner.reward);
    add(p.paid.model.addr, 'model', p.paid.model.fee);
  }
  const got = new Map();
  for (const r of sql(cfg.dbPath, "SELECT address, role, fees, rewards FROM earnings_totals WHERE role != 'treasury'")) {
    const k = `${r.address}|${r.role}`;
    got.set(k, (got.get(k) ?? 0n) + B(r.fees) + B(r.rewards));
  }
  assert.deepEqual(new Map([...got].filter(([, v]) => v !== 0n)), want, 'earnings by address and role');
  const byId = (id) => models.models.find((x) => x.id === id);
  assert.equal(byId(net.deploy.models.image.id).name, 'WAI SDXL (NSFW) / WAI-NSFW-illustrious-SDXL-v120');
  assert.equal(byId(net.deploy.models.text.id).name, 'Qwen QwQ 32b');
  assert.equal(byId(KAND).name, 'Kandinsky Devnet', 'the configured name overrides the built-in one');
  // No name in the table or the configuration: the template's title (issue #16 point 1).
  const unlisted = truth.models.find((m) => lc(m.id) === lc(unknownModel));
  assert.equal(byId(lc(unknownModel)).name, JSON.parse(unlisted.template).meta.title);
  const page = await (await fetch(`${daemon.url}/models`)).text();
  assert.ok(page.includes(`>${JSON.parse(unlisted.template).meta.title}</a>`), 'the unlisted model is shown by its title');
});

test('aius_paid_24h on /api/v1/stats and the dashboard card equal the truth (automine shown and hidden)', async () => {
  const T = truth.head.timestamp;
  const miners = new Set(truth.solutions.map((s) => lc(s.validator)));
  const tasks = new Map(truth.tasks.map((t) => [lc(t.id), t]));
  const automine = (p) => {
    const t = tasks.get(lc(p.task));
    return t ? t.bulk_size > 1 || miners.has(lc(t.owner)) : false;
  };
  for (const show of [true, false]) {
    const want = truth.payouts.filter((p) => p.time > T - 86400 && p.time <= T && (show || !automine(p)))
      .reduce((a, p) => a + paidBy(p), 0n);
    const j = await getJson(`/api/v1/stats?automine=${show ? 'show' : 'hide'}`);
    assert.equal(B(j.aius_paid_24h), want, `automine ${show}`);
    assert.equal(j.aius_paid_24h_aius, aiusText(want));
    const html = await (await fetch(`${daemon.url}/?automine=${show ? 'show' : 'hide'}`)).text();
    const m = /data-stat="aius_paid_24h"><span class="aius" title="([^"]*)">([^<]*)</.exec(html);
    assert.ok(m, 'the card is on the dashboard');
    assert.equal(m[1], `${aiusText(want)} AIUS`, 'the exact amount in the title');
    assert.equal(m[2], aiusShown(want.toString()), '4 significant digits on the card');
  }
  assert.ok(truth.payouts.some(automine), 'some payouts are of automine tasks');
});

test('bad parameters are 400s naming the parameter, unknown ids 404s', async () => {
  const cases = [
    ['/api/v1/miners?window=1y', 400, 'window'],
    ['/api/v1/miners?sort=fees', 400, 'sort'],
    ['/api/v1/miner/0x12', 400, 'address'],
    ['/api/v1/miner/0xzz00000000000000000000000000000000000000', 400, 'address'],
    ['/api/v1/miner/0x0000000000000000000000000000000000000001', 404, 'miner'],
    ['/api/v1/user/0x12', 400, 'address'],
    ['/api/v1/user/0x0000000000000000000000000000000000000001', 404, 'user'],
    ['/api/v1/users?sort=x', 400, 'sort'],
    ['/api/v1/model/0x12', 400, 'id'],
    [`/api/v1/model/0x${'0'.repeat(64)}`, 404, 'model'],
  ];
  for (const [p, code, word] of cases) {
    const j = await getJson(p, code);
    assert.equal(j.error.code, code);
    assert.ok(j.error.message.includes(word), `${p}: ${j.error.message}`);
  }
  assert.equal((await fetch(`${daemon.url}/miners?window=x`)).status, 400);
  assert.equal((await fetch(`${daemon.url}/miner/0x0000000000000000000000000000000000000001`)).status, 404);
});

test('pages in Chromium: leaderboard, miner thumbnails linking /image/<task>, nav links', async () => {
  const exp = expectedMiners();
  const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'], userDataDir: tmpDir('chromium-') });
  try {
    const page = await browser.newPage();
    await page.setRequestInterception(true);
    page.on('request', (r) => (r.url().startsWith(daemon.url) ? r.continue() : r.abort()));
    await page.goto(`${daemon.url}/miners?window=all&sort=earnings`);
    const rows = await page.$$eval('#miners tbody tr', (trs) => trs.map((tr) => ({
      addr: tr.dataset.address, wei: tr.querySelector('[data-k=earnings]').dataset.wei })));
    assert.equal(rows.length, exp.size);
    for (let i = 0; i < rows.length; i++) {
      const e = exp.get(rows[i].addr);
      assert.equal(B(rows[i].wei), e.fees + e.rewards);
      if (i) assert.ok(B(rows[i - 1].wei) >= B(rows[i].wei));
    }
    const nav = await page.$$eval('header nav a', (as) => as.map((a) => a.getAttribute('href')));
    for (const h of ['/miners', '/users', '/models']) assert.ok(nav.includes(h), `nav has ${h}`);
    // The miner with the most solutions: its page, thumbnails and chart.
    const top = [...exp.values()].sort((a, b) => b.solutions - a.solutions)[0];
    await page.goto(`${daemon.url}/miner/${top.address}`);
    // The gateway is unreachable here: every thumbnail becomes the gallery's
    // placeholder (site.js), which keeps the URL it tried.
    await page.evaluate(() => document.getElementById('recent').scrollIntoView());
    await page.waitForFunction(() => !document.querySelector('#recent img'), { timeout: 10000 });
    const thumbs = await page.$$eval('#recent a.thumb', (as) => as.map((a) => ({
      href: a.getAttribute('href'), img: a.querySelector('.g-frame')?.dataset.src ?? null,
      placeholder: a.querySelector('.g-broken .g-broken-label')?.textContent ?? null })));
    assert.equal(thumbs.length, Math.min(24, top.solutions));
    const sols = new Map(truth.solutions.map((s) => [lc(s.task), s]));
    const tasks = new Map(truth.tasks.map((t) => [lc(t.id), t]));
    const outFile = new Map(truth.models.map((m) => [lc(m.id), m.output_file]));
    for (const th of thumbs) {
      const task = th.href.replace('/image/', '');
      assert.ok(sols.has(task), th.href);
      if (th.img) {
        assert.equal(th.img, `${GATEWAY}/ipfs/${sols.get(task).cid_qm}/${outFile.get(lc(tasks.get(task).model))}`);
      }
    }
    assert.ok(thumbs.some((t) => t.img), 'image models show thumbnails');
    for (const th of thumbs.filter((t) => t.img)) assert.match(th.placeholder, /Image unavailable/);
    assert.equal(await page.$$eval('svg', (s) => s.length) >= 2, true, 'history charts');
    // Amounts as people read them, the exact value in each title.
    const eraRows = await page.$$eval('#eras tbody tr', (trs) => trs.map((tr) => [tr.dataset.era,
      ...[...tr.querySelectorAll('.aius')].flatMap((s) => [s.textContent, s.title])]));
    for (const [era, feesShown, feesExact, rewShown, rewExact] of eraRows) {
      const want = top.eras[era];
      assert.equal(feesExact, `${aiusText(want.fees)} AIUS`, `era ${era} fees`);
      assert.equal(rewExact, `${aiusText(want.rewards)} AIUS`, `era ${era} rewards`);
      assert.equal(feesShown, aiusShown(want.fees.toString()));
      assert.equal(rewShown, aiusShown(want.rewards.toString()));
    }
    assert.equal(eraRows.length, Object.keys(top.eras).length);
    const text = await page.$eval('[data-stat=earnings]', (e) => e.dataset.wei);
    assert.equal(B(text), top.fees + top.rewards);
    for (const p of ['/users', '/models', `/model/${net.deploy.models.image.id}`, `/user/${lc(truth.tasks[0].owner)}`]) {
      const r = await page.goto(`${daemon.url}${p}`);
      assert.equal(r.status(), 200, p);
    }
  } finally {
    await browser.close();
  }
});

test('CLI: tokens --all --force rederives the same earnings; miners --hours lists; bad usage exits 2', async () => {
  const copyDir = tmpDir();
  const c2 = devnetConfig(copyDir, net.deploy, net.rpcUrl);
  fs.copyFileSync(cfg.dbPath, c2.dbPath);
  const tables = () => Object.fromEntries(['earnings', 'earnings_totals', 'miner_daily', 'miner_latency', 'miners'].map((t) => [t, sql(c2.dbPath, `SELECT * FROM ${t} ORDER BY 1, 2, 3`)]));
  const before = tables();
  let r = await runCliAsync(['--config', c2.file, 'tokens', '--all', '--force', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const total = [...expectedMiners().values()].reduce((a, e) => a + e.fees + e.rewards, 0n);
  assert.match(r.stdout, new RegExp(`validator earnings ${total} wei`));
  assert.deepEqual(tables(), before);
  const top = [...expectedMiners().values()][0];
  r = await runCliAsync(['--config', c2.file, 'tokens', '--miner', top.address, '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`validator earnings ${top.fees + top.rewards} wei`));
  assert.deepEqual(tables(), before);
  r = await runCliAsync(['--config', c2.file, 'miners', '--initial-scan', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(tables(), before);
  r = await runCliAsync(['--config', c2.file, 'miners', '--hours', '48']);
  assert.equal(r.code, 0, r.stderr);
  for (const m of expectedMiners().keys()) assert.ok(r.stdout.includes(m), `${m} listed`);
  // Identification from commitments: addresses that committed, never solved.
  const solvers = new Set(truth.solutions.map((x) => lc(x.validator)));
  const committers = [...new Set(truth.commitments.map((c) => lc(c.addr)))].filter((a) => !solvers.has(a));
  assert.ok(committers.length > 0, 'the scenario has a commitment helper');
  for (const a of committers) assert.match(r.stdout, new RegExp(`committer without solutions: ${a}`));
  r = await runCliAsync(['--config', c2.file, 'miners', '--mark-inactive']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`${expectedMiners().size} miners, ${expectedMiners().size} active`));
  for (const bad of [['tokens'], ['tokens', '--miner', '0x12'], ['miners'], ['miners', '--hours', '0'], ['miners', '--bogus']]) {
    r = await runCliAsync(['--config', c2.file, ...bad]);
    assert.equal(r.code, 2, bad.join(' '));
  }
});

test('a reorg that removes a claim removes its earnings (live sync), and ends equal to a clean index', async () => {
  const d = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
  const [alice] = d.acc.users;
  const miner = lc(d.acc.miners[1]);
  const liveDir = tmpDir();
  const live = devnetConfig(liveDir, net.deploy, net.rpcUrl);
  const ld = await startDaemon({ configFile: live.file });
  const url = (p) => `${ld.url}${p}`;
  const synced = async () => {
    const head = await net.rpc.call('eth_getBlockByNumber', ['latest', false]);
    await waitFor(() => {
      const st = status(live.dbPath);
      return st && st.indexed_block === Number(BigInt(head.number)) && st.indexed_hash === head.hash;
    }, { timeoutMs: 60000, what: `sync to ${Number(BigInt(head.number))}` });
  };
  try {
    const task = await d.submitTask(alice, { model: net.deploy.models.image.id, input: '0x' + Buffer.from(JSON.stringify({ prompt: 'reorg claim' })).toString('hex') });
    const cid = '0x1220' + 'ab'.repeat(32);
    await d.submitSolution(miner, task, cid);
    await synced();
    const earningsOf = async () => {
      const r = await fetch(url(`/api/v1/miner/${miner}`));
      const j = await r.json();
      return { total: B(j.earnings.total), claims: j.claims };
    };
    const base = await earningsOf();
    const snap = await net.rpc.call('evm_snapshot', []);
    await d.claim(miner, task);
    await synced();
    const claimed = await earningsOf();
    const t1 = await d.truth();
    const claim = t1.payouts.find((p) => lc(p.task) === lc(task));
    assert.ok(claim, 'the claim landed');
    assert.equal(claimed.claims, base.claims + 1);
    assert.equal(claimed.total - base.total, B(claim.paid.validator.fee) + B(claim.paid.validator.reward), 'claim earnings indexed');
    assert.ok(claimed.total > base.total);
    // Revert the claim's block and build a longer chain without it.
    await net.rpc.call('evm_revert', [snap]);
    await d.transferToken(alice, d.acc.users[1], 1n);
    await d.mineEmpty(2);
    await synced();
    const t2 = await d.truth();
    assert.ok(!t2.payouts.some((p) => lc(p.task) === lc(task)), 'the claim is gone from the chain');
    const after2 = await earningsOf();
    assert.equal(after2.total, base.total, 'its earnings are gone');
    assert.equal(after2.claims, base.claims);
    const exp = expectedMiners(t2).get(miner);
    assert.equal(after2.total, exp.fees + exp.rewards);
    assert.equal(sql(live.dbPath, `SELECT count(*) AS n FROM earnings WHERE task = '${lc(task)}'`)[0].n, 0);
    assert.ok(sql(live.dbPath, 'SELECT count(*) AS n FROM reorgs')[0].n >= 1);
    const fresh = freshIndex(liveDir, net.deploy, net.rpcUrl, status(live.dbPath).indexed_block);
    assert.deepEqual(dumpContent(live.dbPath), dumpContent(fresh));
  } catch (e) {
    // The daemon's own account of the reorg, for whoever reads the failure.
    e.message += `\n--- daemon log (tail) ---\n${ld.stderr.slice(-4000)}`;
    throw e;
  } finally {
    assert.equal((await ld.stop()).code, 0);
  }
});
