// gallery.test.mjs - /gallery, /image/<taskid>, /gallery.atom, /api/v1/images
// (+ .csv) and /api/v1/image/<taskid> against the devnet's ground truth.
//
// The chain: the `full` scenario (hostile prompts included) plus three
// image tasks submitted here with a Driver (a script tag, an attribute
// breaker, a spreadsheet formula) and solved by a miner.  Expected lists
// are computed from the truth JSON alone: image models from the templates,
// automine = bulk submission or owner that solved anything, chain order.
//
// TEST-ONLY ROWS, clearly not from the daemon: the IPFS monitor is built
// elsewhere, so this test writes ipfs_cids / ipfs_checks rows itself (to
// give CIDs a status and a history); the social features are too, so it
// sets tasks.upvotes and tasks.hidden directly (the documented contract).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { Driver, runScenario } from '../devnet/driver.mjs';
import { startGateway } from '../devnet/gateway.mjs';
import { fakeSolutionCid, utf8Hex } from '../devnet/lib.mjs';
import { devnetConfig, sql } from './chain.mjs';
import { runCliAsync, startDaemon, tmpDir } from './harness.mjs';

const quiet = () => {};
const lc = (s) => (s == null ? s : String(s).toLowerCase());
const DAY = 86400;

export const HOSTILE = [
  '<script>window.__pwned = 1</script> gallery hostile one',
  '"><img src=x onerror="window.__pwned = 2"> gallery hostile two',
  '=HYPERLINK("http://evil.example/","click") gallery hostile three',
];

let net, truth, daemon, cfg, gw;
let missingCid, slowCid, okCid, textTask, hiddenTask, upvoted;

async function get(path, opts = {}) {
  return fetch(daemon.url + path, { redirect: 'manual', ...opts });
}
async function json(path) {
  const r = await get(path);
  assert.equal(r.status, 200, `${path}: ${r.status} ${await r.clone().text()}`);
  return r.json();
}

before(async () => {
  net = await startDevnet({});
  await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: quiet });
  const d = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
  const [alice, , carol] = d.acc.users;
  const ids = [];
  for (const [i, p] of HOSTILE.entries()) {
    ids.push(await d.submitTask(i === 1 ? carol : alice, { model: 'image', input: utf8Hex(JSON.stringify({ prompt: p, negative_prompt: '</textarea><b>neg</b>', seed: 7 + i })) }));
  }
  for (const id of ids) await d.submitSolution(d.acc.miners[0], id, fakeSolutionCid(`gallery ${id}`));
  truth = await d.truth();
  const dir = tmpDir();
  gw = await startGateway({ port: 0 });
  cfg = devnetConfig(dir, net.deploy, net.rpcUrl, { ipfs: { gateways: `${gw.url}/` } });
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(net.deploy.start_block), '--to', String(truth.head.number)], { timeout: 300000 });
  assert.equal(r.code, 0, r.stderr);

  // Statuses and history (TEST-ONLY rows, see the header).
  const sols = imageSolutions(false);
  missingCid = sols[0].cid_qm;
  slowCid = sols[1].cid_qm;
  okCid = sols[2].cid_qm;
  gw.set(missingCid, 'missing');
  gw.set(slowCid, { slowMs: 1500 });
  const now = Math.floor(Date.now() / 1000);
  const txt = truth.solutions.find((s) => s.cid_qm && modelType(task(s.task).model) === 'text');
  textTask = txt.task;
  sql(cfg.dbPath, `
    INSERT INTO ipfs_cids (cid, path, status, first_seen, last_check, attempts, ok_gateways, latency_ms)
      VALUES ('${missingCid}', 'out-1.png', 'missing', ${now - 600}, ${now - 60}, 3, 0, NULL),
             ('${slowCid}', 'out-1.png', 'slow', ${now - 600}, ${now - 60}, 1, 1, 1500),
             ('${okCid}', 'out-1.png', 'ok', ${now - 600}, ${now - 60}, 1, 1, 12);
    INSERT INTO ipfs_cids (cid, path, status, first_seen, attempts, text)
      VALUES ('${txt.cid_qm}', 'out-1.txt', 'ok', ${now}, 1, 'answer <b>bold</b> & "quoted"');
    INSERT INTO ipfs_checks (cid, gateway, time, method, http_status, result, latency_ms, error)
      VALUES ('${missingCid}', '${gw.url}', ${now - 300}, 'HEAD', 404, 'missing', 5, NULL),
             ('${missingCid}', '${gw.url}', ${now - 60}, 'HEAD', NULL, 'timeout', 10000, 'timed out <x>');`);
  // Social contract (TEST-ONLY): two upvoted tasks, one hidden task.
  const def = expected({});
  upvoted = [[def[3], 5], [def[5], 2], [def[1], 2]];
  hiddenTask = def[4];
  for (const [id, n] of upvoted) sql(cfg.dbPath, `UPDATE tasks SET upvotes = ${n} WHERE id = '${id}'`);
  sql(cfg.dbPath, `UPDATE tasks SET hidden = 1 WHERE id = '${hiddenTask}'`);
  daemon = await startDaemon({ configFile: cfg.file, args: ['--read-only'] });
});

after(async () => {
  if (daemon) assert.equal((await daemon.stop()).code, 0);
  await gw?.close();
  await net?.stop();
});

// ---- expectations from the truth alone ----

function modelType(id) {
  const m = truth.models.find((x) => lc(x.id) === lc(id));
  try { return JSON.parse(m.template)?.output?.[0]?.type ?? null; } catch { return null; }
}
function task(id) { return truth.tasks.find((t) => lc(t.id) === lc(id)); }
function solutionOf(id) { return truth.solutions.find((s) => lc(s.task) === lc(id)); }
const minersSet = () => new Set(truth.solutions.map((s) => lc(s.validator)));
function automine(t) { return t.bulk_size > 1 || minersSet().has(lc(t.owner)); }
function upvotesOf(id) { return (upvoted || []).find(([x]) => x === id)?.[1] ?? 0; }
// Solutions whose contestation was upheld are invalid: out of the gallery unless contested=show.
function invalid(id) { return truth.contestations.some((c) => c.outcome === 'upheld' && lc(c.task) === lc(id)); }

// Image solutions in gallery order (newest task first), before hiding.
function imageSolutions(show) {
  return truth.tasks
    .filter((t) => !t.retracted && solutionOf(t.id) && modelType(t.model) === 'image' && (show || !automine(t)))
    .sort((a, b) => b.block - a.block || b.log_index - a.log_index)
    .map((t) => solutionOf(t.id));
}

function expected({ show = false, model, creator, miner, sort = 'newest', from, to, ids, contested = false } = {}) {
  let ts = truth.tasks.filter((t) => !t.retracted && solutionOf(t.id) && modelType(t.model) === 'image');
  ts = ts.filter((t) => lc(t.id) !== hiddenTask);
  if (!contested) ts = ts.filter((t) => !invalid(t.id));
  if (!show) ts = ts.filter((t) => !automine(t));
  if (model) ts = ts.filter((t) => lc(t.model) === lc(model));
  if (creator) ts = ts.filter((t) => lc(t.owner) === lc(creator));
  if (miner) ts = ts.filter((t) => lc(solutionOf(t.id).validator) === lc(miner));
  if (from != null) ts = ts.filter((t) => t.time >= from);
  if (to != null) ts = ts.filter((t) => t.time < to);
  if (ids) ts = ts.filter((t) => ids.has(lc(t.id)));
  const chain = (a, b) => b.block - a.block || b.log_index - a.log_index;
  if (sort === 'newest') ts.sort(chain);
  if (sort === 'oldest') ts.sort((a, b) => -chain(a, b));
  if (sort === 'upvoted') ts.sort((a, b) => upvotesOf(lc(b.id)) - upvotesOf(lc(a.id)) || chain(a, b));
  return ts.map((t) => lc(t.id));
}

// Every page of /api/v1/images for qs, following next cursors.
async function walk(qs, limit = 4) {
  const pages = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const body = await json(`/api/v1/images?${qs}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    pages.push(body);
    assert.ok(body.items.length <= limit);
    if (!body.next_cursor) break;
    cursor = body.next_cursor;
  }
  return pages;
}
const idsOf = (pages) => pages.flatMap((p) => p.items.map((x) => x.id));

test('cursor paging returns exactly the ground truth, forwards and backwards', async () => {
  for (const [qs, exp] of [['automine=hide', expected({})], ['automine=show', expected({ show: true })],
    ['sort=oldest', expected({ sort: 'oldest' })], ['automine=show&sort=upvoted', expected({ show: true, sort: 'upvoted' })]]) {
    const pages = await walk(qs);
    assert.deepEqual(idsOf(pages), exp, qs);
    assert.ok(exp.length > 8, 'several pages');
    assert.equal(pages[0].prev_cursor, null);
    // Back from the last page with prev cursors: the same pages in reverse.
    let back = [pages.at(-1).items.map((x) => x.id)];
    let prev = pages.at(-1).prev_cursor;
    while (prev) {
      const b = await json(`/api/v1/images?${qs}&limit=4&cursor=${prev}`);
      back.unshift(b.items.map((x) => x.id));
      prev = b.prev_cursor;
    }
    assert.deepEqual(back.flat(), exp, `${qs} backwards`);
  }
});

test('filters: model, creator, miner, date range, automine', async () => {
  const imgModel = truth.models.find((m) => modelType(m.id) === 'image' && m.key === 'image').id;
  const someTask = task(expected({ show: true })[2]);
  const creator = someTask.owner;
  const miner = solutionOf(someTask.id).validator;
  const cases = [
    [`model=${imgModel}&automine=show`, expected({ show: true, model: imgModel })],
    [`creator=${creator.toUpperCase().replace('0X', '0x')}&automine=show`, expected({ show: true, creator })],
    [`miner=${miner}`, expected({ miner })],
    [`miner=${miner}&automine=show`, expected({ show: true, miner })],
  ];
  const day0 = Math.floor(truth.tasks[0].time / DAY);
  const iso = (d) => new Date(d * DAY * 1000).toISOString().slice(0, 10);
  cases.push([`from=${iso(day0)}&automine=show`, expected({ show: true, from: day0 * DAY })]);
  cases.push([`to=${iso(day0)}&automine=show`, expected({ show: true, to: (day0 + 1) * DAY })]);
  cases.push([`from=${iso(day0 + 1)}`, expected({ from: (day0 + 1) * DAY })]);
  cases.push([`to=${iso(day0 - 1)}`, []]);
  for (const [qs, exp] of cases) assert.deepEqual(idsOf(await walk(qs, 5)), exp, qs);
  assert.ok(cases[0][1].length > 0 && cases[1][1].length > 0 && cases[2][1].length > 0);
  // Automine rows exist and are hidden by default.
  assert.ok(expected({ show: true }).length > expected({}).length);
});

test('items carry the truth: creator, miner, CID, gateway URL with the model output file, statuses, upvotes', async () => {
  const items = idsOf(await walk('automine=show', 50));
  const all = (await json('/api/v1/images?automine=show&limit=100')).items;
  assert.equal(all.length, items.length);
  for (const it of all) {
    const t = task(it.id);
    const s = solutionOf(it.id);
    const m = truth.models.find((x) => lc(x.id) === lc(t.model));
    assert.equal(it.creator, lc(t.owner));
    assert.equal(it.miner, lc(s.validator));
    assert.equal(it.prompt, t.prompt);
    assert.equal(it.fee, t.fee);
    assert.equal(it.time, t.time);
    assert.equal(it.cid, s.cid_qm);
    assert.equal(it.image_url, s.cid_qm ? `${gw.url}/ipfs/${s.cid_qm}/${m.output_file}` : null);
    assert.equal(it.upvotes, upvotesOf(it.id));
    const st = !s.cid_qm ? 'invalid_cid' : s.cid_qm === missingCid ? 'missing' : s.cid_qm === slowCid ? 'slow' : s.cid_qm === okCid ? 'ok' : 'unchecked';
    assert.equal(it.ipfs_status, st, it.id);
  }
});

test('hidden tasks never appear: pages, search, lookup, detail, feeds, CSV', async () => {
  assert.ok(!idsOf(await walk('automine=show', 50)).includes(hiddenTask));
  assert.equal((await get(`/api/v1/image/${hiddenTask}`)).status, 404);
  assert.equal((await get(`/image/${hiddenTask}`)).status, 404);
  const r = await get(`/gallery?q=${hiddenTask}`);
  assert.equal(r.status, 200, 'a hidden id is not a lookup hit');
  assert.ok(!(await r.text()).includes(`data-task="${hiddenTask}"`));
  assert.ok(!(await (await get('/gallery.atom?automine=show')).text()).includes(hiddenTask));
  assert.ok(!(await (await get('/api/v1/images.csv?automine=show')).text()).includes(hiddenTask));
  const p = task(hiddenTask).prompt;
  if (p) {
    const word = p.split(/\s+/).find((w) => /^[a-z]{4,}$/i.test(w));
    if (word) assert.ok(!idsOf(await walk(`automine=show&q=${encodeURIComponent(word)}`)).includes(hiddenTask));
  }
});

test('full-text search: ranked matches, paging, filters; hostile queries are data', async () => {
  const visible = new Set(expected({ show: true }));
  const has = (word) => new Set(truth.tasks.filter((t) => typeof t.prompt === 'string' &&
    t.prompt.toLowerCase().split(/[^\p{L}\p{N}]+/u).includes(word)).map((t) => lc(t.id)));
  for (const word of ['gallery', 'hostile', 'fox', 'kandinsky']) {
    const exp = [...visible].filter((id) => has(word).has(id));
    const got = idsOf(await walk(`automine=show&q=${word}`, 2));
    assert.deepEqual([...got].sort(), [...exp].sort(), word);
    assert.equal(new Set(got).size, got.length, 'no duplicates across pages');
    const newest = idsOf(await walk(`automine=show&q=${word}&sort=newest`, 2));
    assert.deepEqual(newest, expected({ show: true, ids: has(word) }), `${word} newest`);
  }
  // Two words AND, quotes and FTS operators are plain text.
  const both = idsOf(await walk('automine=show&q=gallery%20three'));
  assert.deepEqual(both, expected({ show: true, ids: new Set([...has('gallery')].filter((x) => has('three').has(x))) }));
  for (const q of ['"', '"><img', 'NEAR(a b)', 'a OR b*', '(((', '-x', '^y:z']) {
    const r = await get(`/api/v1/images?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200, q);
  }
});

test('exact lookup: task id, transaction, CID, address jump straight to the item or person', async () => {
  const t = task(expected({})[0]);
  const s = solutionOf(t.id);
  const loc = async (q) => { const r = await get(`/gallery?q=${encodeURIComponent(q)}`); return [r.status, r.headers.get('location')]; };
  assert.deepEqual(await loc(t.id), [302, `/image/${lc(t.id)}`]);
  assert.deepEqual(await loc(t.id.toUpperCase().replace('0X', '0x')), [302, `/image/${lc(t.id)}`]);
  assert.deepEqual(await loc(s.tx), [302, `/image/${lc(t.id)}`]);
  assert.deepEqual(await loc(` ${s.cid_qm} `), [302, `/image/${lc(t.id)}`]);
  const firstOfTx = truth.tasks.filter((x) => x.tx === t.tx && lc(x.id) !== hiddenTask).sort((a, b) => a.log_index - b.log_index)[0];
  assert.deepEqual(await loc(t.tx), [302, `/image/${lc(firstOfTx.id)}`]);
  assert.deepEqual(await loc(s.validator), [302, `/miner/${lc(s.validator)}`]);
  const user = truth.tasks.find((x) => !minersSet().has(lc(x.owner))).owner;
  assert.deepEqual(await loc(user), [302, `/user/${lc(user)}`]);
  const api = await json(`/api/v1/images?q=${s.cid_qm}`);
  assert.equal(api.lookup, `/image/${lc(t.id)}`);
});

test('detail JSON (/api/v1/image/<id>) and page (/image/<id>)', async () => {
  const id = expected({})[0];
  const t = task(id);
  const s = solutionOf(id);
  const d = await json(`/api/v1/image/${id}`);
  assert.equal(d.id, id);
  assert.equal(d.owner, lc(t.owner));
  assert.equal(d.solution.validator, lc(s.validator));
  assert.equal(d.solution.cid, s.cid_qm);
  assert.equal(d.output_url, `${gw.url}/ipfs/${s.cid_qm}/out-1.png`);
  assert.equal(d.model_info.output_type, 'image');
  assert.equal(d.solve_seconds, s.time - t.time);
  assert.ok(d.gateways.length >= 3 && d.gateways[0].url === d.output_url);
  assert.equal(d.upvotes, upvotesOf(id));
  // Contestations: status equals the truth's outcome.
  for (const c of truth.contestations) {
    if (lc(c.task) === hiddenTask) continue;
    const x = await json(`/api/v1/image/${c.task}`);
    assert.equal(x.contestation.status, c.outcome ?? 'open', c.task);
    assert.equal(x.contestation.contester, lc(c.contester));
  }
  // IPFS history, newest first.
  const mt = truth.solutions.find((x) => x.cid_qm === missingCid).task;
  const dm = await json(`/api/v1/image/${mt}`);
  assert.equal(dm.ipfs.status, 'missing');
  assert.deepEqual(dm.ipfs.history.map((h) => h.result), ['timeout', 'missing']);
  assert.equal((await get('/api/v1/image/0x12')).status, 400);
  assert.equal((await get(`/api/v1/image/0x${'0'.repeat(64)}`)).status, 404);

  // The page: prompt, links, OpenGraph/Twitter, social container, history.
  const hostile = truth.tasks.find((x) => x.prompt === HOSTILE[1]);
  const r = await get(`/image/${hostile.id}`);
  assert.equal(r.status, 200);
  const html = await r.text();
  assert.ok(!html.includes(HOSTILE[1]), 'prompt escaped');
  assert.ok(html.includes('&quot;&gt;&lt;img src&#61;x onerror&#61;&quot;window.__pwned &#61; 2&quot;&gt;'));
  const hs = solutionOf(hostile.id);
  assert.match(html, new RegExp(`<meta property="og:image" content="${gw.url.replace(/\//g, '&#47;')}&#47;ipfs&#47;${hs.cid_qm}&#47;out-1.png">`));
  assert.match(html, /<meta name="twitter:card" content="summary_large_image">/);
  // The social partial (templates/social.html) opens with this container.
  assert.ok(html.includes(`<section class="social" id="social" data-task="${lc(hostile.id)}" data-upvotes="${upvotesOf(lc(hostile.id))}"`));
  assert.ok(html.includes(`href="&#47;miner&#47;${lc(hs.validator)}"`) || html.includes(`href="/miner/${lc(hs.validator)}"`));
  assert.ok(html.includes(`/user/${lc(hostile.owner)}`));
  assert.ok(html.includes('&lt;&#47;textarea&gt;&lt;b&gt;neg&lt;&#47;b&gt;'), 'negative prompt shown, escaped');
  assert.ok(html.includes('<dt>Seed</dt><dd>8</dd>'));
  const hm = await (await get(`/image/${mt}`)).text();
  assert.ok(hm.includes('g-broken'), 'missing image marked as broken');
  assert.ok(hm.includes('timed out &lt;x&gt;'));
  // A text model shows its text output, escaped, in a <pre>.
  const ht = await (await get(`/image/${textTask}`)).text();
  assert.ok(ht.includes('<pre class="d-text">answer &lt;b&gt;bold&lt;&#47;b&gt; &amp; &quot;quoted&quot;</pre>'));
});

test('/gallery HTML: cards of the first page, broken images marked, plain next/prev links', async () => {
  const r = await get('/gallery');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
  const html = await r.text();
  const cards = [...html.matchAll(/<article class="g-card" data-task="(0x[0-9a-f]{64})" data-status="([a-z_]+)">/g)];
  assert.deepEqual(cards.map((m) => m[1]), expected({}).slice(0, 24));
  assert.ok(!/<script>(?!<)/.test(html.replace(/<script src="\/static\/gallery.js" defer><\/script>/g, '')));
  // Without JS: follow "Older" links to the end; same ids as the API.
  const all = cards.map((m) => m[1]);
  let page = await (await get('/gallery?automine=show')).text();
  const seen = [...page.matchAll(/data-task="(0x[0-9a-f]{64})"/g)].map((m) => m[1]);
  let next;
  while ((next = /<a rel="next" id="g-next" href="([^"]+)"/.exec(page))) {
    page = await (await get(next[1].replace(/&#47;/g, '/').replace(/&amp;/g, '&').replace(/&#61;/g, '='))).text();
    seen.push(...[...page.matchAll(/data-task="(0x[0-9a-f]{64})"/g)].map((m) => m[1]));
  }
  assert.deepEqual(seen, expected({ show: true }));
  assert.ok(all.length > 0);
  const missingTask = lc(truth.solutions.find((x) => x.cid_qm === missingCid).task);
  const full = await (await get('/gallery?automine=show&sort=oldest')).text();
  const card = full.split('<article').find((c) => c.includes(missingTask));
  if (card) assert.ok(card.includes('g-broken') && card.includes('missing on IPFS'));
  // Bad parameters are 400s naming the parameter.
  for (const [qs, name] of [['cursor=!!', 'cursor'], ['model=0x1', 'model'], ['creator=bob', 'creator'], ['miner=0x', 'miner'],
    ['automine=maybe', 'automine'], ['from=2024-02-30', 'from'], ['to=yesterday', 'to'], ['sort=best', 'sort'],
    ['sort=relevance', 'sort'], [`q=${'x'.repeat(300)}`, 'q'], [`q=${'x'.repeat(3000)}`, 'q'],
    [`cursor=${'A'.repeat(3000)}`, 'cursor'], [`model=0x${'a'.repeat(3000)}`, 'model'], [`limit=${'1'.repeat(3000)}`, 'limit']]) {
    const a = await get(`/api/v1/images?${qs}`);
    assert.equal(a.status, 400, qs);
    assert.match((await a.json()).error.message, new RegExp(`^${name}:`), qs);
    assert.equal((await get(`/gallery?${qs}`)).status, 400, qs);
  }
  const c = (await json('/api/v1/images?limit=2')).next_cursor;
  const bad = await get(`/api/v1/images?sort=oldest&cursor=${c}`);
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /^cursor:/);
  assert.equal((await get('/api/v1/images?limit=101')).status, 400);
});

test('Atom feed and CSV export: filters apply, everything escaped', async () => {
  const atom = await (await get('/gallery.atom?automine=show')).text();
  const exp = expected({ show: true });
  const ids = [...atom.matchAll(/<entry>\n<id>[^<]*\/image\/(0x[0-9a-f]{64})<\/id>/g)].map((m) => m[1]);
  assert.deepEqual(ids, exp.slice(0, 50));
  assert.ok(!atom.includes('<script>') && !atom.includes('<img'));
  assert.ok(atom.includes('&amp;lt;script&amp;gt;window.__pwned = 1&amp;lt;&amp;#47;script&amp;gt;') || atom.includes('&lt;script&gt;window.__pwned'));
  assert.ok(!/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(atom), 'no control characters XML forbids');
  const creator = task(exp[0]).owner;
  const fa = await (await get(`/gallery.atom?automine=show&creator=${creator}`)).text();
  assert.deepEqual([...fa.matchAll(/\/image\/(0x[0-9a-f]{64})<\/id>/g)].map((m) => m[1]), expected({ show: true, creator }).slice(0, 50));

  const r = await get('/api/v1/images.csv?automine=show');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  const rows = parseCsv(await r.text());
  assert.deepEqual(rows[0], ['id', 'time', 'block', 'model', 'model_title', 'creator', 'miner', 'fee', 'upvotes', 'cid', 'image_url', 'ipfs_status', 'prompt']);
  assert.deepEqual(rows.slice(1).map((x) => x[0]), exp);
  for (const row of rows.slice(1)) {
    const p = task(row[0]).prompt ?? '';
    const want = /^[=+\-@\t\r]/.test(p) ? `'${p}` : p;
    assert.equal(row[12], want, row[0]);
  }
  assert.ok(rows.some((x) => x[12].startsWith("'=HYPERLINK")));
});

// RFC 4180 parser (CRLF records, quoted fields with "" escapes).
function parseCsv(text) {
  const rows = [];
  let row = [], f = '', i = 0, q = false;
  while (i < text.length) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { f += '"'; i += 2; continue; }
      if (c === '"') { q = false; i++; continue; }
      f += c; i++; continue;
    }
    if (c === '"') { q = true; i++; continue; }
    if (c === ',') { row.push(f); f = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { row.push(f); rows.push(row); row = []; f = ''; i += 2; continue; }
    f += c; i++;
  }
  if (f || row.length) { row.push(f); rows.push(row); }
  return rows;
}

test('cached pages follow the database at once (another connection commits: new data_version)', async () => {
  const path = '/api/v1/images?automine=show&limit=3';
  const a = await json(path);
  const id = a.items[0].id;
  assert.deepEqual((await json(path)).items, a.items, 'same reply while nothing changes');
  const html0 = await (await get('/gallery?automine=show')).text();
  sql(cfg.dbPath, `UPDATE tasks SET upvotes = 77 WHERE id = '${id}'`); // TEST-ONLY: as a vote would
  try {
    for (let i = 0; i < 4; i++) { // every pool thread has its own cache
      assert.equal((await json(path)).items[0].upvotes, 77);
      const html = await (await get('/gallery?automine=show')).text();
      assert.ok(html !== html0 && html.includes('▲ 77'));
    }
  } finally {
    sql(cfg.dbPath, `UPDATE tasks SET upvotes = ${upvotesOf(id)} WHERE id = '${id}'`);
  }
  assert.equal((await json(path)).items[0].upvotes, upvotesOf(id));
});

test('a "newer" cursor at the very top shows the first page; a page past the end offers the way back', async () => {
  const exp = expected({});
  const top = task(exp[0]);
  const b = Buffer.alloc(15);
  b[0] = 1; b[1] = 0; b[2] = 1; // version 1, newest, before
  b.writeBigUInt64BE(BigInt(top.block), 3);
  b.writeUInt32BE(top.log_index, 11);
  const page = await json(`/api/v1/images?limit=4&cursor=${b.toString('base64url')}`);
  assert.deepEqual(page.items.map((x) => x.id), exp.slice(0, 4));
  assert.equal(page.prev_cursor, null);
  const last = task(exp.at(-1));
  b[2] = 0;
  b.writeBigUInt64BE(BigInt(last.block), 3);
  b.writeUInt32BE(last.log_index, 11);
  const end = await json(`/api/v1/images?limit=4&cursor=${b.toString('base64url')}`);
  assert.deepEqual(end.items, []);
  assert.equal(end.next_cursor, null);
  const back = await json(`/api/v1/images?limit=4&cursor=${end.prev_cursor}`);
  assert.deepEqual(back.items.map((x) => x.id), exp.slice(-5, -1));
});

test('gallery replies carry an ETag; If-None-Match answers 304 until the reply changes', async () => {
  for (const path of ['/gallery?automine=show', '/api/v1/images?automine=show&limit=3', '/gallery.atom?automine=show']) {
    const a = await get(path);
    assert.equal(a.status, 200);
    await a.text();
    let etag = a.headers.get('etag');
    for (let i = 0; i < 4 && !etag; i++) { const x = await get(path); await x.text(); etag = x.headers.get('etag'); }
    assert.match(etag, /^"g-[0-9a-f]{16}"$/, path);
    let hits = 0;
    for (let i = 0; i < 8; i++) { // every pool thread: a 200 filling its cache or a 304
      const r = await get(path, { headers: { 'If-None-Match': etag } });
      assert.ok(r.status === 304 || r.status === 200, path);
      if (r.status === 200) assert.equal(r.headers.get('etag'), etag, 'same bytes, same ETag on every thread');
      hits += r.status === 304;
      await r.text();
    }
    assert.ok(hits > 0, path);
  }
  // A change: the old ETag no longer matches.
  const path = '/api/v1/images?automine=show&limit=3';
  const a = await get(path);
  const body = await a.json();
  const etag = a.headers.get('etag');
  const id = body.items[0].id;
  sql(cfg.dbPath, `UPDATE tasks SET upvotes = 55 WHERE id = '${id}'`); // TEST-ONLY: as a vote would
  try {
    const r = await get(path, { headers: { 'If-None-Match': etag } });
    assert.equal(r.status, 200);
    assert.notEqual(r.headers.get('etag'), etag);
    assert.equal((await r.json()).items[0].upvotes, 55);
  } finally {
    sql(cfg.dbPath, `UPDATE tasks SET upvotes = ${upvotesOf(id)} WHERE id = '${id}'`);
  }
});
