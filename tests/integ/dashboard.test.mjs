// dashboard.test.mjs - /api/v1/stats, /api/v1/charts/daily and the / page:
// every figure and chart point equals what the devnet's ground truth
// implies, with and without automine; bad parameters are 400s naming the
// parameter; a matching ETag is a 304; headless Chromium renders the page.
//
// The chain: the `full` scenario, then 40 days later a `sparse` run, then 2
// days later another, so windows (7 days, 24 h, ranges) and the cumulative
// line's starting point (the total before the window) are all exercised.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { devnetConfig, sql } from './chain.mjs';
import { aiusShown, dur, num } from './fmt.mjs';
import { ROOT, runCliAsync, startDaemon, tmpDir, waitFor } from './harness.mjs';

const DAY = 86400;
const quiet = () => {};
const lc = (s) => (s == null ? s : s.toLowerCase());

let net;
let truth;
let daemon;
let cfg;

async function advance(seconds) {
  await net.rpc.call('evm_increaseTime', [seconds]);
  await net.rpc.call('evm_mine', []);
}

before(async () => {
  net = await startDevnet({});
  await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: quiet });
  await advance(40 * DAY);
  await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'sparse', opts: { blocks: 40, events: 12 }, log: quiet });
  await advance(2 * DAY + 3600);
  truth = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'sparse', opts: { blocks: 20, events: 6 }, log: quiet });
  const dir = tmpDir();
  cfg = devnetConfig(dir, net.deploy, net.rpcUrl);
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(net.deploy.start_block), '--to', String(truth.head.number)], { timeout: 300000 });
  assert.equal(r.code, 0, r.stderr);
  // Read-only: no scanner, so the head stays exactly the truth's head.
  daemon = await startDaemon({ configFile: cfg.file, args: ['--read-only'] });
});

after(async () => {
  if (daemon) assert.equal((await daemon.stop()).code, 0);
  await net?.stop();
});

// ---- the figures, computed from the truth alone ----

function model() {
  const imageModels = new Set();
  for (const m of truth.models) {
    let type = null;
    try { type = JSON.parse(m.template)?.output?.[0]?.type ?? null; } catch { /* not JSON */ }
    if (type === 'image') imageModels.add(lc(m.id));
  }
  const miners = new Set(truth.solutions.map((s) => lc(s.validator)));
  const tasks = new Map(truth.tasks.map((t) => [lc(t.id), t]));
  const automine = (t) => t.bulk_size > 1 || miners.has(lc(t.owner));
  // A solution whose contestation was upheld is invalid: no image.
  const invalid = new Set(truth.contestations.filter((c) => c.outcome === 'upheld').map((c) => lc(c.task)));
  return { imageModels, miners, tasks, automine, invalid };
}

function expectedStats(show) {
  const { imageModels, tasks, automine, invalid } = model();
  const T = truth.head.timestamp;
  const D = Math.floor(T / DAY);
  const from7 = (D - 6) * DAY;
  const keepTask = (t) => show || !automine(t);
  const sols = truth.solutions.filter((s) => keepTask(tasks.get(lc(s.task))));
  const images = sols.filter((s) => imageModels.has(lc(tasks.get(lc(s.task)).model)) && !invalid.has(lc(s.task)));
  const liveTasks = truth.tasks.filter(keepTask);
  const lastSolution = new Map();
  for (const s of truth.solutions) lastSolution.set(lc(s.validator), Math.max(lastSolution.get(lc(s.validator)) ?? 0, s.time));
  const sample = sols.slice(-1000).map((s) => s.time - tasks.get(lc(s.task)).time).sort((a, b) => a - b);
  const n = sample.length;
  const median = n === 0 ? null : (sample[Math.floor((n - 1) / 2)] + sample[Math.floor(n / 2)]) / 2;
  // AIUS paid (24h): every party's fee and reward credited by the engine in
  // the settlements (claims, rejected contestations) of the window.
  const paid = truth.payouts.filter((p) => p.time > T - DAY && p.time <= T)
    .filter((p) => show || !tasks.has(lc(p.task)) || !automine(tasks.get(lc(p.task))))
    .reduce((a, p) => a + BigInt(p.paid.validator.fee) + BigInt(p.paid.validator.reward) +
      BigInt(p.paid.task_owner.reward) + BigInt(p.paid.treasury.reward) + BigInt(p.paid.model.fee), 0n);
  const whole = paid / 10n ** 18n;
  const frac = (paid % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return {
    as_of: { block: truth.head.number, hash: truth.head.hash, time: T },
    automine: show ? 'show' : 'hide',
    images_total: images.length,
    images_7d: images.filter((s) => Math.floor(s.time / DAY) >= D - 6 && Math.floor(s.time / DAY) <= D).length,
    images_24h: images.filter((s) => s.time > T - DAY && s.time <= T).length,
    aius_paid_24h: paid.toString(),
    aius_paid_24h_aius: frac ? `${whole}.${frac}` : `${whole}`,
    users_total: new Set(liveTasks.map((t) => lc(t.owner))).size,
    users_7d: new Set(liveTasks.filter((t) => t.time >= from7 && t.time <= T).map((t) => lc(t.owner))).size,
    models: truth.models.length,
    tasks: liveTasks.length,
    solutions: sols.length,
    miners_active_7d: [...lastSolution.values()].filter((t) => t >= from7).length,
    median_solve_seconds: median,
    solve_sample: n,
    windows: { recent_days: 7, new_seconds: 86400, solve_sample_max: 1000 },
  };
}

const dayText = (d) => new Date(d * DAY * 1000).toISOString().slice(0, 10);

function expectedDaily(days, show, modelId) {
  const { imageModels, tasks, automine, invalid } = model();
  const D = Math.floor(truth.head.timestamp / DAY);
  const perDay = new Map();
  for (const s of truth.solutions) {
    const t = tasks.get(lc(s.task));
    if (!imageModels.has(lc(t.model)) || (!show && automine(t)) || invalid.has(lc(s.task))) continue;
    if (modelId && lc(t.model) !== modelId) continue;
    const d = Math.floor(s.time / DAY);
    perDay.set(d, (perDay.get(d) ?? 0) + 1);
  }
  let first;
  if (days === 'all') first = perDay.size ? Math.min(D, ...perDay.keys()) : D;
  else first = D - Number(days) + 1;
  let before = 0;
  for (const [d, n] of perDay) if (d < first) before += n;
  const points = [];
  let cum = before;
  for (let d = first; d <= D; d++) {
    const n = perDay.get(d) ?? 0;
    cum += n;
    points.push({ day: dayText(d), images: n, cumulative: cum });
  }
  const out = {
    as_of: { block: truth.head.number, hash: truth.head.hash, time: truth.head.timestamp },
    automine: show ? 'show' : 'hide', days: String(days), model: modelId ?? null,
    from: dayText(first), to: dayText(D), before, points,
  };
  if (!modelId) out.by_model = expectedByModel(first, D, show);
  return out;
}

// Images per image model in days [first, last] and all time, as the
// dashboard's per-model breakdown orders them.
function expectedByModel(first, last, show) {
  const { imageModels, tasks, automine, invalid } = model();
  const per = new Map();
  for (const s of truth.solutions) {
    const t = tasks.get(lc(s.task));
    if (!imageModels.has(lc(t.model)) || (!show && automine(t)) || invalid.has(lc(s.task))) continue;
    const d = Math.floor(s.time / DAY);
    if (d > last) continue;
    const e = per.get(lc(t.model)) ?? { images: 0, total: 0 };
    e.total += 1;
    if (d >= first) e.images += 1;
    per.set(lc(t.model), e);
  }
  const title = (id) => {
    const m = truth.models.find((x) => lc(x.id) === id);
    try { return JSON.parse(m.template)?.meta?.title ?? null; } catch { return null; }
  };
  return [...per.entries()].map(([id, e]) => ({ model: id, title: title(id), images: e.images, total: e.total }))
    .sort((a, b) => b.images - a.images || b.total - a.total || (a.model < b.model ? -1 : 1));
}

async function getJson(p, headers = {}) {
  const r = await fetch(`${daemon.url}${p}`, { headers });
  const body = r.status === 304 ? null : await r.json();
  return { r, body };
}

// ---- tests ----

test('the chain under test exercises automine, windows and both model kinds', () => {
  const { imageModels, tasks, automine } = model();
  assert.ok(imageModels.size >= 1, 'an image model');
  assert.ok(truth.models.length > imageModels.size, 'a non-image model');
  assert.ok(truth.tasks.some(automine) && truth.tasks.some((t) => !automine(t)), 'automine and human tasks');
  const D = Math.floor(truth.head.timestamp / DAY);
  const days = new Set(truth.solutions.map((s) => Math.floor(s.time / DAY)));
  assert.ok([...days].some((d) => d < D - 30), 'images older than 30 days');
  assert.ok([...days].some((d) => d >= D - 6), 'images in the last 7 days');
  assert.ok(truth.solutions.some((s) => !imageModels.has(lc(tasks.get(lc(s.task)).model))), 'a text solution');
});

test('/api/v1/stats equals the truth, automine hidden (default) and shown', async () => {
  for (const [q, show] of [['', false], ['?automine=hide', false], ['?automine=show', true]]) {
    const { r, body } = await getJson(`/api/v1/stats${q}`);
    assert.equal(r.status, 200, q);
    assert.match(r.headers.get('content-type'), /application\/json/);
    assert.deepEqual(body, expectedStats(show), `stats${q}`);
  }
  const hide = expectedStats(false);
  const show = expectedStats(true);
  assert.ok(show.tasks > hide.tasks && show.images_total > hide.images_total, 'the toggle changes figures');
});

test('/api/v1/stats: ETag and Last-Modified from the indexed head; 304 on a match', async () => {
  const { r } = await getJson('/api/v1/stats');
  const etag = r.headers.get('etag');
  assert.match(etag, new RegExp(`^"b${truth.head.number}-${truth.head.hash.slice(2, 18)}"$`));
  assert.equal(r.headers.get('last-modified'), new Date(truth.head.timestamp * 1000).toUTCString());
  const again = await fetch(`${daemon.url}/api/v1/stats`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get('etag'), etag);
  assert.equal((await again.text()).length, 0);
  const list = await fetch(`${daemon.url}/api/v1/stats?automine=show`, { headers: { 'If-None-Match': `"x", W/${etag}` } });
  assert.equal(list.status, 304, 'a list with a weak match');
  const stale = await fetch(`${daemon.url}/api/v1/stats`, { headers: { 'If-None-Match': '"b1-0000000000000000"' } });
  assert.equal(stale.status, 200);
  const charts = await fetch(`${daemon.url}/api/v1/charts/daily?days=7`, { headers: { 'If-None-Match': etag } });
  assert.equal(charts.status, 304, 'charts share the head validator');
});

test('/api/v1/charts/daily equals the truth for every range, automine mode and model', async () => {
  const { imageModels } = model();
  const image = [...imageModels][0];
  const text = lc(truth.models.find((m) => !imageModels.has(lc(m.id))).id);
  for (const days of ['7', '30', '90', '365', 'all']) {
    for (const show of [false, true]) {
      for (const m of [null, image, text]) {
        const q = `?days=${days}&automine=${show ? 'show' : 'hide'}${m ? `&model=${m}` : ''}`;
        const { r, body } = await getJson(`/api/v1/charts/daily${q}`);
        assert.equal(r.status, 200, q);
        assert.deepEqual(body, expectedDaily(days, show, m), q);
      }
    }
  }
  // Default: 30 days, automine hidden; an upper-case model id is the same model.
  assert.deepEqual((await getJson('/api/v1/charts/daily')).body, expectedDaily('30', false, null));
  const up = '0x' + image.slice(2).toUpperCase();
  assert.deepEqual((await getJson(`/api/v1/charts/daily?model=${up}`)).body, expectedDaily('30', false, image));
  // The 30-day window starts after the `full` run: the line starts from the total before it.
  const w = expectedDaily('30', true, null);
  assert.ok(w.before > 0 && w.points[0].cumulative >= w.before, 'cumulative starts from the earlier total');
});

test('bad parameters are 400 JSON errors naming the parameter', async () => {
  const cases = [
    ['/api/v1/stats?automine=maybe', /automine/],
    ['/api/v1/stats?automine=', /automine/],
    ['/api/v1/charts/daily?days=8', /days/],
    ['/api/v1/charts/daily?days=all;', /days/],
    ['/api/v1/charts/daily?days=-1', /days/],
    ['/api/v1/charts/daily?automine=SHOW', /automine/],
    ['/api/v1/charts/daily?model=0x1234', /model/],
    ['/api/v1/charts/daily?model=' + '0x' + 'g'.repeat(64), /model/],
    ['/api/v1/charts/daily?model=%3Cscript%3E', /model/],
  ];
  for (const [p, re] of cases) {
    const r = await fetch(`${daemon.url}${p}`);
    assert.equal(r.status, 400, p);
    assert.match(r.headers.get('content-type'), /application\/json/);
    const j = await r.json();
    assert.equal(j.error.code, 400, p);
    assert.match(j.error.message, re, p);
  }
  // Parameters a route does not take are ignored, like unknown ones.
  assert.equal((await fetch(`${daemon.url}/api/v1/stats?days=13&x=1`)).status, 200);
  const page = await fetch(`${daemon.url}/?days=13`);
  assert.equal(page.status, 400);
  assert.match(page.headers.get('content-type'), /text\/html/);
  assert.match(await page.text(), /days: expected/);
});

test('/ is the dashboard: figures with definitions, toggle links, range links, SVG charts', async () => {
  const r = await fetch(`${daemon.url}/`);
  assert.equal(r.status, 200);
  // Attribute values are escaped by the templates ('/' and '=' too): decode.
  const html = decodeAttrs(await r.text());
  assert.match(html, /<title>Arbius index · arbiusd<\/title>/);
  const hide = expectedStats(false);
  // Counts with thousands separators, durations and AIUS as the page's
  // filters print them (fmt.c), the exact amount in the title.
  for (const k of ['images_total', 'images_7d', 'images_24h', 'users_total', 'users_7d', 'models', 'tasks', 'solutions', 'miners_active_7d']) {
    assert.match(html, new RegExp(`data-stat="${k}">${num(hide[k])}<`), k);
  }
  assert.match(html, new RegExp(`data-stat="median_solve_seconds">${dur(hide.median_solve_seconds)}<`));
  const paid = html.match(/data-stat="aius_paid_24h"><span class="aius" title="([^"]+) AIUS">([^<]+)</);
  assert.ok(paid, 'AIUS paid, 24 h is an amount');
  assert.equal(paid[1], hide.aius_paid_24h_aius, 'the exact amount in the title');
  assert.equal(paid[2], aiusShown(hide.aius_paid_24h), '4 significant digits');
  assert.equal((html.match(/<div class="card" title="[^"]{10,}">/g) || []).length, 11, 'every card has its definition');
  assert.equal((html.match(/<details class="def"><summary[^>]*>\?<\/summary><p>[^<]{10,}<\/p><\/details>/g) || []).length, 11,
               'every definition in a disclosure');
  assert.match(html, /<a class="toggle" href="\/\?automine=show"/);
  for (const d of ['7', '30', '90', '365', 'all']) assert.match(html, new RegExp(`href="/\\?automine=hide&days=${d}"`));
  assert.match(html, /aria-current="page" class="current">30</);
  assert.match(html, /<script src="\/static\/dashboard.js" defer><\/script>/);
  assert.doesNotMatch(html, /<script>/, 'no inline script');
  assert.doesNotMatch(html, /style="/, 'no inline style (CSP)');
  // Charts: a cumulative line and daily bars over the same 30 days, named alike.
  assert.match(html, /Cumulative images, 30 days \(/);
  assert.match(html, /Images per day, 30 days</);
  assert.match(html, /Images by model, 30 days</);
  const svgs = html.match(/<svg class="chart"[\s\S]*?<\/svg>/g) || [];
  assert.equal(svgs.length, 2);
  const daily = expectedDaily('30', false, null);
  assert.match(svgs[0], /role="img" aria-labelledby="chart-cum-t chart-cum-d"/);
  assert.equal((svgs[0].match(/<circle /g) || []).length, 30);
  const lastPt = daily.points[daily.points.length - 1];
  assert.match(svgs[0], new RegExp(`<title>${lastPt.day}: ${lastPt.cumulative} images</title>`));
  assert.equal((svgs[1].match(/class="chart-bar"/g) || []).length, 30);
  assert.match(svgs[1], new RegExp(`<title>${lastPt.day}: ${lastPt.images} images</title>`));

  const shown = decodeAttrs(await (await fetch(`${daemon.url}/?automine=show&days=all`)).text());
  assert.match(shown, new RegExp(`data-stat="tasks">${expectedStats(true).tasks}<`));
  assert.match(shown, /<a class="toggle" href="\/\?automine=hide&days=all"/);
  const all = expectedDaily('all', true, null);
  const s2 = shown.match(/<svg class="chart"[\s\S]*?<\/svg>/g);
  assert.equal((s2[1].match(/class="chart-bar"/g) || []).length, all.points.length, 'days=all: both charts show the range');
  // The per-model breakdown: one row per image model, figures from the truth,
  // each a link that narrows the charts to that model.
  const byModel = expectedByModel(Math.floor(truth.head.timestamp / DAY) - 29, Math.floor(truth.head.timestamp / DAY), false);
  assert.ok(byModel.length >= 1, 'the scenario has images');
  const rows = html.match(/<section class="by-model"[\s\S]*?<\/section>/)[0].match(/<tr><td>[\s\S]*?<\/tr>/g);
  assert.equal(rows.length, byModel.length);
  byModel.forEach((e, i) => {
    assert.match(rows[i], new RegExp(`href="/\\?automine=hide&model=${e.model}"`), `row ${i} links its model`);
    assert.match(rows[i], new RegExp(`data-model-images="${e.model}">${num(e.images)}<`));
    assert.match(rows[i], new RegExp(`data-model-total="${e.model}">${num(e.total)}<`));
  });
  const one = decodeAttrs(await (await fetch(`${daemon.url}/?automine=hide&model=${byModel[0].model}`)).text());
  assert.match(one, /class="model-filter"[\s\S]*href="\/\?automine=hide">All models</);
  assert.doesNotMatch(one, /class="by-model"/);
  const oneDaily = expectedDaily('30', false, byModel[0].model);
  const lastOne = oneDaily.points[oneDaily.points.length - 1];
  assert.match(one.match(/<svg class="chart"[\s\S]*?<\/svg>/g)[0], new RegExp(`<title>${lastOne.day}: ${lastOne.cumulative} images</title>`), 'the charts follow the model');
  assert.equal((await fetch(`${daemon.url}/?model=0x12`)).status, 400);

  const js = await fetch(`${daemon.url}/static/dashboard.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /javascript/);
});

function decodeAttrs(html) {
  return html.replace(/&#47;/g, '/').replace(/&#61;/g, '=').replace(/&amp;/g, '&');
}

test('migration 0002 daily_users, built from tasks, gives the same users_7d as the bounded query', async () => {
  // The scanner does not maintain daily_users yet (store.c); this checks the
  // table's definition and the query the dashboard will switch to.
  const copy = path.join(tmpDir(), 'copy.db');
  fs.copyFileSync(cfg.dbPath, copy);
  const mig = fs.readFileSync(path.join(ROOT, 'migrations/0002_dashboard.sql'), 'utf8');
  const backfill = mig.slice(mig.indexOf('INSERT INTO daily_users'));
  execFileSync('sqlite3', [copy, `DELETE FROM daily_users; ${backfill}`]);
  const D = Math.floor(truth.head.timestamp / DAY);
  for (const show of [0, 1]) {
    const got = sql(copy, `SELECT count(DISTINCT address) AS n FROM daily_users WHERE day BETWEEN ${D - 6} AND ${D} AND (${show} OR tasks_human > 0)`)[0].n;
    assert.equal(got, expectedStats(!!show).users_7d, `users_7d show=${show}`);
  }
  const rows = sql(copy, 'SELECT sum(tasks) AS t, sum(tasks_human) AS h FROM daily_users')[0];
  assert.equal(rows.t, expectedStats(true).tasks);
  assert.equal(rows.h, expectedStats(false).tasks);
});

function runChromium(args) {
  return new Promise((resolve) => {
    const p = spawn('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${tmpDir('chromium-')}`, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const t = setTimeout(() => p.kill('SIGKILL'), 90000);
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
  });
}

test('headless Chromium renders / at 1280 and 390 px wide', async () => {
  const out = path.join(ROOT, 'tests/artifacts');
  fs.mkdirSync(out, { recursive: true });
  for (const [w, h] of [[1280, 1000], [390, 1600]]) {
    const file = path.join(out, `dashboard-${w}.png`);
    fs.rmSync(file, { force: true });
    const r = await runChromium([`--screenshot=${file}`, `--window-size=${w},${h}`, '--hide-scrollbars', `${daemon.url}/`]);
    assert.ok(fs.existsSync(file), `screenshot ${w}: ${r.stderr.slice(-2000)}`);
    const png = fs.readFileSync(file);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.equal(png.readUInt32BE(16), w, 'PNG width');
    assert.equal(png.readUInt32BE(20), h, 'PNG height');
    assert.ok(png.length > 20000, `a non-trivial picture (${png.length} bytes)`);
  }
});

test('headless Chromium: the DOM, no CSP refusal or script error, the live stream', async () => {
  // A second read-only daemon on the same index, logging every request.
  const d = await startDaemon({ configFile: cfg.file, args: ['--read-only'], env: { ARBIUSD_LOG_LEVEL: 'debug' } });
  try {
    // Real time, not --virtual-time-budget: the open event stream would hold
    // virtual time still.
    const dom = await runChromium(['--enable-logging=stderr', '--v=0', '--timeout=6000', '--dump-dom',
      '--window-size=390,1600', `${d.url}/?automine=show`]);
    assert.equal(dom.code, 0, dom.stderr.slice(-2000));
    // Every card and both charts are in the DOM the browser built, and the
    // figures are still right after dashboard.js refreshed them.
    const s = expectedStats(true);
    for (const k of ['images_total', 'users_total', 'tasks', 'solutions']) {
      assert.match(dom.stdout, new RegExp(`data-stat="${k}">${s[k]}<`), k);
    }
    assert.equal((dom.stdout.match(/<svg class="chart"/g) || []).length, 2);
    assert.doesNotMatch(dom.stderr, /Refused to|Uncaught|Content Security Policy/, 'no CSP refusal or script error');
    // The daemon's log lines may still be in its pipe: wait for them.
    await waitFor(() => /GET \/static\/dashboard\.js -> 200/.test(d.stderr), { timeoutMs: 5000, what: 'dashboard.js fetched' });
    await waitFor(() => /GET \/api\/v1\/stream -> 200/.test(d.stderr), { timeoutMs: 5000, what: 'dashboard.js opened the event stream' });
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
});
