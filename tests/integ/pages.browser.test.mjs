// pages.browser.test.mjs - every page as people see it, in real Chromium,
// on `make demo`'s data (tests/demo/demo.mjs: the devnet's `full` scenario
// and a month of pictures, the gateway stub, comments), signed out and
// signed in as an admin, at 1280x800 and 390x844:
//   - no horizontal overflow, no broken image (a failed one is the
//     "Image unavailable" placeholder), no raw unix time or wei in the
//     text, no console error, sentences that read ("1 task", no " ." or
//     "( to )"), a screenshot of each in tests/artifacts/pages/;
//   - WCAG AA contrast of every text, computed from the rendered colors,
//     in the light and the dark theme;
//   - the phone layout: one row of navigation, two gallery columns,
//     tables within the screen, a 10 kB prompt clamped and printed once;
//   - the image page's previous/next in the gallery's order, its original
//     file and copy-link; the theme toggle remembered; a search that only
//     finds hidden automine tasks says so; /admin as tables with pages.
// Expected values come from the daemon's JSON and the devnet's truth.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { Wallet } from 'ethers';
import puppeteer from 'puppeteer-core';

import { DEMO_PROMPTS, post, signIn, startDemo } from '../demo/demo.mjs';
import { BIN, ROOT, startDaemon, testConfig, tmpDir } from './harness.mjs';

const ART = path.join(ROOT, 'tests/artifacts/pages');
const SIZES = [[1280, 800], [390, 844]];
const lc = (s) => String(s).toLowerCase();

let demo;
let browser;
let admin;            // the admin's session {cookie, csrf}
let missing;          // {task, cid} whose image the gateway no longer serves
let pages;            // [{name, path, status}]
const adminWallet = Wallet.createRandom();

async function getJson(p) {
  const r = await fetch(demo.url + p, admin && p.startsWith('/api/v1/admin') ? { headers: { cookie: admin.cookie } } : {});
  assert.equal(r.status, 200, p);
  return r.json();
}

before(async () => {
  fs.mkdirSync(ART, { recursive: true });
  demo = await startDemo({ bin: BIN, port: 0, admin: adminWallet.address, log: () => {} });
  admin = await signIn(demo.url, adminWallet);
  const t = demo.truth;
  const tasks = new Map(t.tasks.map((x) => [lc(x.id), x]));
  // Moderation, so that /admin has more than a page of each list: hide
  // 27 of the month's images (the oldest), and two comments.
  const month = (await getJson('/api/v1/images?sort=oldest&limit=100')).items
    .filter((x) => DEMO_PROMPTS.includes(x.prompt));
  for (const it of month.slice(0, 27)) await post(demo.url, admin, '/api/v1/admin/hide', { kind: 'image', id: it.id, hidden: true, reason: 'test: pagination' });
  const newest = (await getJson('/api/v1/images?limit=8')).items;
  const withComments = [];
  for (const it of newest) {
    const c = (await getJson(`/api/v1/image/${it.id}/comments`)).comments;
    if (c.length) withComments.push(c[0].id);
  }
  for (const id of withComments.slice(0, 2)) await post(demo.url, admin, '/api/v1/admin/hide', { kind: 'comment', id, hidden: true, reason: 'test' });
  // One image that fails to load in the browser: the newest one's CID.
  missing = { task: newest[0].id, cid: newest[0].cid };
  demo.gateway.set(newest[0].cid, 'missing');

  const word = t.tasks.find((x) => x.prompt === 'w'.repeat(10240));
  const text = t.tasks.find((x) => lc(x.model) === lc(demo.deploy.models.text.id) && x.solved);
  const unsolved = t.tasks.find((x) => !x.solved && !x.retracted);
  const top = (await getJson('/api/v1/miners')).miners[0].address;
  const user = lc(newest[1].creator);
  assert.ok(word && text && unsolved && tasks.size > 50);
  pages = [
    { name: 'dashboard', path: '/' },
    { name: 'dashboard-all', path: '/?automine=show&days=all' },
    { name: 'dashboard-model', path: `/?model=${demo.deploy.models.image.id}` },
    { name: 'gallery', path: '/gallery' },
    { name: 'gallery-oldest', path: '/gallery?sort=oldest&automine=show' },
    { name: 'gallery-search', path: '/gallery?q=lighthouse' },
    { name: 'image', path: `/image/${newest[1].id}` },
    { name: 'image-missing', path: `/image/${missing.task}` },
    { name: 'image-10kb-prompt', path: `/image/${word.id}` },
    { name: 'image-text', path: `/image/${text.id}` },
    { name: 'image-unsolved', path: `/image/${unsolved.id}` },
    { name: 'miners', path: '/miners' },
    { name: 'miners-24h', path: '/miners?window=24h&sort=earnings' },
    { name: 'miner', path: `/miner/${top}` },
    { name: 'users', path: '/users' },
    { name: 'user', path: `/user/${user}` },
    { name: 'models', path: '/models' },
    { name: 'model', path: `/model/${demo.deploy.models.image.id}` },
    { name: 'status', path: '/status' },
    { name: 'admin', path: '/admin', status: { out: 401 } },
    { name: 'not-found', path: `/image/0x${'0'.repeat(64)}`, status: { out: 404, admin: 404 } },
  ];
  browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  if (demo) {
    const { serve } = await demo.stop();
    assert.equal(serve.code, 0, `arbiusd serve exits cleanly (sanitizers included):\n${serve.log}`);
  }
});

// A page in a fresh context (signed in when admin), with its problems
// recorded: console errors, page errors, failed requests.
async function open(p, { width = 1280, height = 800, signedIn = false, theme = null } = {}) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  await page.setViewport({ width, height });
  const problems = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    problems.push({ text: m.text(), url: m.location()?.url ?? '' });
  });
  page.on('pageerror', (e) => problems.push({ text: String(e), url: '' }));
  if (signedIn) {
    const [name, value] = admin.cookie.split('=');
    await page.setCookie({ name, value, url: demo.url });
  }
  if (theme) await page.evaluateOnNewDocument((t) => localStorage.setItem('arbiusd-theme', t), theme);
  const res = await page.goto(demo.url + p, { waitUntil: 'load' });
  await page.waitForSelector('html[data-social-ready="1"]', { timeout: 10000 });
  return { ctx, page, res, problems };
}

// Scrolls through the page so lazy images load (and infinite scroll
// appends what it will, until the page stops growing), then waits for
// every image.
async function settle(page) {
  await page.evaluate(async () => {
    const pause = (ms) => new Promise((r) => setTimeout(r, ms));
    let h = -1;
    for (let pass = 0; pass < 12 && h !== document.documentElement.scrollHeight; pass++) {
      h = document.documentElement.scrollHeight;
      for (let y = 0; y <= h; y += window.innerHeight / 2) {
        window.scrollTo(0, y);
        await pause(30);
      }
      await pause(400);
    }
    window.scrollTo(0, 0);
  });
  await page.waitForFunction(() => [...document.images].every((i) => i.complete), { timeout: 15000 })
    .catch(async (e) => {
      const left = await page.evaluate(() => [...document.images].filter((i) => !i.complete).map((i) => i.src));
      throw new Error(`${page.url()}: images still loading: ${left.join(' ')} (${e.message})`);
    });
  await new Promise((r) => setTimeout(r, 100));
}

// The visible text of the page outside what users wrote (prompts, inputs,
// comments, text outputs): what the site itself says.
function siteText(page) {
  return page.evaluate(() => {
    const skip = '.g-prompt, .d-prompt, .d-input, .d-raw, .s-text, .d-text, .d-title, .thumb-text, .g-filters, .by-model a';
    const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest(skip) || el.closest('script, style, [hidden], details:not([open]) > p')) continue;
      if (!el.getClientRects().length) continue;
      out.push(n.textContent);
    }
    return out.join('').replace(/\s+/g, ' ');
  });
}

async function checkPage(pg, { name, width, state }) {
  const { page, res, problems } = pg;
  await settle(page);
  const r = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    broken: [...document.images].filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.src),
    loose: [...document.images].filter((i) => !i.closest('.g-frame')).length,
    text: document.body.innerText,
    placeholders: document.querySelectorAll('.g-broken .g-broken-label').length,
  }));
  const where = `${name} at ${width} ${state}`;
  assert.ok(r.overflow <= 0, `${where}: horizontal overflow ${r.overflow}px`);
  assert.deepEqual(r.broken, [], `${where}: no broken image`);
  assert.equal(r.loose, 0, `${where}: every image in a frame that can show the placeholder`);
  // No raw unix time (10 digits from 2001 on) and no wei anywhere in the text.
  assert.doesNotMatch(r.text, /(^|[^0-9A-Za-z])1[0-9]{9}([^0-9A-Za-z]|$)/, `${where}: a raw unix time`);
  assert.doesNotMatch(r.text, /\bwei\b/i, `${where}: wei`);
  assert.doesNotMatch(r.text, /(^|[^0-9A-Za-z.])[0-9]{13,}([^0-9A-Za-z]|$)/, `${where}: a raw amount`);
  const said = await siteText(page);
  assert.doesNotMatch(said, /\b1 (tasks|solutions|miners|claims|images|users|days|comments|upvotes|rows|blocks|pages|entries|reorganisations|hours)\b/, `${where}: "1 tasks"`);
  assert.doesNotMatch(said, / [.,;](?: |$)|\(\s*to\s*\)|\(\s*\)/, `${where}: a sentence with a hole`);
  // Console errors: only the image this test made fail, and the status of
  // a page that is an error on purpose.
  const expected = (p) => (missing && p.url.includes(missing.cid)) || (res.status() !== 200 && p.url === res.url());
  assert.deepEqual(problems.filter((p) => !expected(p)), [], `${where}: console errors`);
  const shot = path.join(ART, `${name}-${width}-${state}.png`);
  await page.screenshot({ path: shot, fullPage: true });
  return r;
}

for (const [width, height] of SIZES) {
  for (const state of ['out', 'admin']) {
    test(`every page at ${width}x${height}, ${state === 'out' ? 'signed out' : 'signed in as admin'}`, async () => {
      for (const p of pages) {
        const pg = await open(p.path, { width, height, signedIn: state === 'admin' });
        try {
          assert.equal(pg.res.status(), p.status?.[state] ?? 200, `${p.name} ${state}`);
          if (state === 'admin') assert.equal(await pg.page.$eval('#nav-admin', (e) => e.hidden), false, 'the Admin link');
          const r = await checkPage(pg, { name: p.name, width, state });
          if (p.name === 'image-missing') assert.ok(r.placeholders >= 1, 'the failed image is the placeholder');
        } finally {
          await pg.ctx.close();
        }
      }
    });
  }
}

// ---- contrast ----

// Every visible text's contrast against what is behind it, from the
// computed colors (alpha and opacity blended down to an opaque ancestor);
// returns the failures below WCAG AA (4.5:1, 3:1 for large text).
function contrastFailures(page) {
  return page.evaluate(() => {
    const parse = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const v = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1 };
    };
    const over = (top, under) => ({
      r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
      b: top.b * top.a + under.b * (1 - top.a), a: 1,
    });
    const lum = (c) => {
      const f = (x) => { const s = x / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    // The background an element paints over: its own and its ancestors'
    // backgrounds, composed from the first opaque one up.
    const background = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) {
        const cs = getComputedStyle(e);
        if (cs.backgroundImage !== 'none' && !e.classList.contains('g-broken')) return null; // images: not measurable
        const c = parse(cs.backgroundColor);
        if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
      }
      let bg = { r: 255, g: 255, b: 255, a: 1 };
      for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
      return bg;
    };
    const opacity = (el) => { let o = 1; for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity); return o; };
    const fails = [];
    const seen = new Set();
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    let checked = 0;
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const el = n.parentElement;
      if (!el || !n.textContent.trim() || seen.has(el)) continue;
      seen.add(el);
      if (!el.getClientRects().length || el.closest('[hidden], script, style, :disabled, [aria-hidden="true"]')) continue;
      const cs = getComputedStyle(el);
      if (cs.visibility === 'hidden') continue;
      const bg = background(el);
      if (!bg) continue;
      let fg = parse(cs.color);
      if (el.closest('svg')) fg = parse(cs.fill) || fg;
      if (!fg) continue;
      fg = over({ ...fg, a: fg.a * opacity(el) }, bg);
      const l1 = lum(fg), l2 = lum(bg);
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      const size = parseFloat(cs.fontSize);
      const bold = Number(cs.fontWeight) >= 700;
      // SVG text is scaled with its chart: measure the rendered size.
      const px = el.closest('svg') ? el.getBoundingClientRect().height : size;
      const large = px >= 24 || (px >= 18.66 && bold);
      checked++;
      if (ratio < (large ? 3 : 4.5) - 0.01) {
        fails.push(`${el.tagName.toLowerCase()}.${el.className} "${n.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)} (${cs.color} on rgb(${Math.round(bg.r)},${Math.round(bg.g)},${Math.round(bg.b)}))`);
      }
    }
    return { fails, checked };
  });
}

for (const theme of ['light', 'dark']) {
  test(`WCAG AA contrast of every text, ${theme} theme`, async () => {
    for (const p of pages) {
      const pg = await open(p.path, { theme, signedIn: p.name === 'admin' });
      try {
        await settle(pg.page);
        assert.equal(await pg.page.evaluate(() => document.documentElement.dataset.theme), theme);
        // Open every definition too: they are text people read.
        await pg.page.$$eval('details.def', (ds) => ds.slice(0, 1).forEach((d) => { d.open = true; }));
        if (p.name === 'dashboard') {
          // The measure itself can fail: grey on grey is caught.
          await pg.page.evaluate(() => {
            const s = document.createElement('p');
            s.id = 'low-contrast';
            s.textContent = 'grey on grey';
            s.style.cssText = 'color:#777;background:#888';
            document.querySelector('main').append(s);
          });
          const probe = await contrastFailures(pg.page);
          assert.equal(probe.fails.filter((f) => f.includes('grey on grey')).length, 1, 'the probe fails');
          await pg.page.evaluate(() => document.getElementById('low-contrast').remove());
        }
        const { fails, checked } = await contrastFailures(pg.page);
        assert.ok(checked > 10, `${p.name}: texts measured (${checked})`);
        assert.deepEqual(fails, [], `${p.name} in the ${theme} theme`);
        if (['dashboard', 'gallery', 'image', 'miner', 'admin'].includes(p.name)) {
          await pg.page.screenshot({ path: path.join(ART, `${p.name}-1280-${theme}.png`) });
        }
      } finally {
        await pg.ctx.close();
      }
    }
  });
}

// ---- the phone ----

test('390 px: navigation on one row, two gallery columns, tables within the screen, definitions inside', async () => {
  const { ctx, page } = await open('/gallery', { width: 390, height: 844 });
  try {
    const nav = await page.$$eval('.nav a:not([hidden])', (as) => as.map((a) => Math.round(a.getBoundingClientRect().top)));
    assert.equal(new Set(nav).size, 1, `one row: ${nav}`);
    const cols = await page.$$eval('.g-card', (cs) => new Set(cs.map((c) => Math.round(c.getBoundingClientRect().left))).size);
    assert.equal(cols, 2, 'two gallery columns');
  } finally {
    await ctx.close();
  }
  for (const [p, sel, signedIn] of [['/miners', '#miners', false], ['/users', '#users', false], ['/models', '#models', false],
                                    ['/admin', '#audit', true], ['/admin', '#hidden-images', true]]) {
    const o = await open(p, { width: 390, height: 844, signedIn });
    try {
      const t = await o.page.$eval(sel, (e) => ({ w: e.getBoundingClientRect().width, sw: e.scrollWidth, right: e.getBoundingClientRect().right }));
      assert.ok(t.right <= 390 && t.sw <= t.w + 1, `${p} ${sel} fits the screen: ${JSON.stringify(t)}`);
    } finally {
      await o.ctx.close();
    }
  }
  // A card's definition opens within the screen.
  const d = await open('/', { width: 390, height: 844 });
  try {
    const defs = await d.page.$$('details.def summary');
    await defs[3].click();
    const r = await d.page.evaluate(() => ({
      shown: document.querySelector('details.def[open] p').getBoundingClientRect().width > 100,
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      cards: new Set([...document.querySelectorAll('.dash .card')].map((c) => Math.round(c.getBoundingClientRect().height))).size,
    }));
    assert.ok(r.shown, 'the definition shows');
    assert.ok(r.overflow <= 0, 'and stays on the screen');
    assert.equal(r.cards, 1, 'every card has the same height');
  } finally {
    await d.ctx.close();
  }
});

test('a 10 kB prompt is clamped with Show more and printed once', async () => {
  const word = 'w'.repeat(10240);
  const id = demo.truth.tasks.find((x) => x.prompt === word).id;
  const { ctx, page } = await open(`/image/${id}`, { width: 390, height: 844 });
  try {
    const r = await page.evaluate((w) => ({
      height: document.documentElement.scrollHeight,
      times: document.body.textContent.split(w).length - 1,
      more: !document.querySelector('button[data-more-for="d-prompt"]').hidden,
      box: document.getElementById('d-prompt').getBoundingClientRect().height,
    }), word);
    assert.equal(r.times, 1, 'the prompt is in the page once');
    assert.ok(r.more, 'Show more is offered');
    assert.ok(r.height < 5000, `the page stays short (${r.height}px)`);
    await page.click('button[data-more-for="d-prompt"]');
    const open2 = await page.evaluate(() => ({
      box: document.getElementById('d-prompt').getBoundingClientRect().height,
      label: document.querySelector('button[data-more-for="d-prompt"]').textContent,
    }));
    assert.ok(open2.box > r.box * 5, 'Show more opens the whole prompt');
    assert.equal(open2.label, 'Show less');
    // A short prompt has no button.
    const short = await open(`/image/${demo.truth.tasks.find((x) => x.prompt === 'a watercolor fox in a snowy forest, soft morning light').id}`);
    assert.equal(await short.page.$eval('button[data-more-for="d-prompt"]', (b) => b.hidden), true);
    await short.ctx.close();
  } finally {
    await ctx.close();
  }
});

// ---- the image page ----

test('image page: previous and next in the gallery\'s order, original file, copy link', async () => {
  for (const q of ['', '?sort=oldest&automine=show']) {
    const order = (await getJson(`/api/v1/images${q}${q ? '&' : '?'}limit=4`)).items;
    const g = await open(`/gallery${q}`);
    const hrefs = await g.page.$$eval('.g-card .g-frame', (as) => as.slice(0, 3).map((a) => a.getAttribute('href')));
    await g.ctx.close();
    const { ctx, page } = await open(hrefs[1]);
    try {
      const r = await page.evaluate(() => ({
        prev: document.getElementById('d-prev')?.getAttribute('href'),
        next: document.getElementById('d-next')?.getAttribute('href'),
        original: document.getElementById('d-original')?.getAttribute('href'),
      }));
      assert.equal(r.prev.split('?')[0], `/image/${order[0].id}`, `previous of the second card ${q}`);
      assert.equal(r.next.split('?')[0], `/image/${order[2].id}`, `next of the second card ${q}`);
      assert.equal(r.prev, hrefs[0], 'the same link as the gallery\'s card, filters kept');
      assert.equal(r.original, order[1].image_url);
      await page.click('#d-next');
      await page.waitForSelector('html[data-social-ready="1"]');
      assert.equal(await page.$eval('.detail', (e) => e.dataset.task), order[2].id);
    } finally {
      await ctx.close();
    }
  }
  // The newest image has no previous one.
  const first = (await getJson('/api/v1/images?limit=1')).items[0];
  const f = await open(`/image/${first.id}`);
  assert.equal(await f.page.$('#d-prev'), null);
  // Copy link puts the page's address on the clipboard.
  await f.ctx.overridePermissions(demo.url, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
  await f.page.click('#d-copy');
  await f.page.waitForFunction(() => document.getElementById('d-copy').textContent === 'Link copied');
  const clip = await f.page.evaluate(() => navigator.clipboard.readText());
  assert.equal(clip, `${demo.url}/image/${first.id}`);
  await f.ctx.close();
});

// ---- themes, words ----

test('the theme toggle switches and is remembered; without a choice the system\'s preference wins', async () => {
  const { ctx, page } = await open('/');
  try {
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await page.reload({ waitUntil: 'load' });
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const dark = await bg();
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    const light = await bg();
    assert.notEqual(dark, light, 'the page follows prefers-color-scheme');
    await page.click('#theme-toggle');   // light -> dark
    assert.equal(await page.evaluate(() => localStorage.getItem('arbiusd-theme')), 'dark');
    assert.equal(await bg(), dark);
    await page.reload({ waitUntil: 'load' });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark', 'remembered');
    assert.equal(await bg(), dark, 'even though the system prefers light');
  } finally {
    await ctx.close();
  }
});

test('gallery: the subtitle follows the sort; a search that finds only hidden automine says so', async () => {
  const orders = { newest: 'newest task first', oldest: 'oldest task first', upvoted: 'most upvoted first' };
  for (const [sort, words] of Object.entries(orders)) {
    const html = await (await fetch(`${demo.url}/gallery?sort=${sort}`)).text();
    assert.match(html, new RegExp(`Solved tasks of image models, ${words}\\.`));
  }
  assert.match(await (await fetch(`${demo.url}/gallery?q=lighthouse`)).text(), /Solved tasks of image models, best match first\./);
  const q = 'automine filler';
  assert.equal((await getJson(`/api/v1/images?q=${encodeURIComponent(q)}`)).items.length, 0, 'hidden by default');
  const shown = (await getJson(`/api/v1/images?q=${encodeURIComponent(q)}&automine=show`)).items.length;
  assert.ok(shown > 0, 'but they match');
  const { ctx, page } = await open(`/gallery?q=${encodeURIComponent(q)}`);
  try {
    assert.match(await page.$eval('#g-empty', (e) => e.textContent), /Every image that matches is an automine task, and those are hidden/);
    await page.click('#g-empty a');
    await page.waitForSelector('.g-card');
    assert.equal(await page.$$eval('.g-card', (c) => c.length), shown);
    assert.match(page.url(), /automine=show/);
  } finally {
    await ctx.close();
  }
  // Nothing at all: the plain sentence.
  assert.match(await (await fetch(`${demo.url}/gallery?q=zzzqqqnothing`)).text(), /No image matches these filters\./);
});

// ---- /admin ----

test('/admin: sections as tables, hidden items and the audit log in pages, the JSON behind links', async () => {
  const { ctx, page } = await open('/admin', { signedIn: true });
  try {
    const r = await page.evaluate(() => ({
      sections: [...document.querySelectorAll('.admin-section h2')].map((h) => h.textContent),
      tables: ['#adm-system-t', '#adm-db-t', '#adm-scanner-t', '#adm-rpc-t', '#adm-ipfs-t'].map((s) => !!document.querySelector(s)),
      pre: document.querySelectorAll('pre').length,
      json: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')).filter((h) => h && h.startsWith('/api/v1/admin/')),
      images: document.querySelectorAll('#hidden-images tbody tr').length,
      audit: document.querySelectorAll('#audit tbody tr').length,
      olderImages: document.getElementById('images-older')?.getAttribute('href'),
      olderAudit: document.getElementById('audit-older')?.getAttribute('href'),
      up: document.querySelector('#adm-system-t td').textContent,
    }));
    assert.deepEqual(r.sections, ['System', 'Database', 'Scanner', 'RPC endpoints', 'IPFS monitor', 'Moderation', 'Audit log']);
    assert.deepEqual(r.tables, [true, true, true, true, true]);
    assert.equal(r.pre, 0, 'no JSON dump on the page');
    assert.deepEqual(r.json.sort(), ['/api/v1/admin/audit', '/api/v1/admin/hidden', '/api/v1/admin/system']);
    assert.match(r.up, /^\d+ (s|min|h|d)/, 'uptime as a duration');
    // Pages of 25, in the order of the JSON, the next page from the link.
    const hidden = (await getJson('/api/v1/admin/hidden')).images;
    assert.equal(hidden.length, 27);
    assert.equal(r.images, 25);
    assert.ok(r.olderImages, 'a link to the older hidden images');
    const audit = (await getJson('/api/v1/admin/audit?limit=1000')).entries;
    assert.ok(audit.length > 25);
    assert.equal(r.audit, 25);
    await page.goto(demo.url + r.olderImages, { waitUntil: 'load' });
    const rest = await page.$$eval('#hidden-images tbody tr', (trs) => trs.map((tr) => tr.querySelector('.admin-unhide').dataset.id));
    assert.deepEqual(rest, hidden.slice(25).map((x) => x.task));
    assert.ok(await page.$('a[href="/admin"]'), 'back to the newest');
    await page.goto(demo.url + r.olderAudit, { waitUntil: 'load' });
    const ids = await page.$$eval('#audit tbody tr td:first-child', (tds) => tds.map((td) => Number(td.textContent)));
    assert.deepEqual(ids, audit.slice(25, 50).map((e) => e.id));
    assert.equal((await fetch(`${demo.url}/admin?audit=x`, { headers: { cookie: admin.cookie } })).status, 400);
  } finally {
    await ctx.close();
  }
});

// ---- before the first block ----

test('an empty index reads as sentences: no "( to )", no " .", no zero-day charts', async () => {
  const dir = tmpDir();
  const cfg = testConfig(dir);   // RPC at 127.0.0.1:9: nothing is ever indexed
  const d = await startDaemon({ configFile: cfg.file });
  try {
    for (const p of ['/', '/gallery', '/miners', '/users', '/models', '/status']) {
      const html = await (await fetch(d.url + p)).text();
      const body = html.slice(html.indexOf('<main'));
      const text = body.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
      assert.doesNotMatch(text, / [.,](?: |$)|\(\s*to\s*\)|\(\s*\)|\b0 days\b/, `${p}: ${text.slice(0, 400)}`);
    }
    const dash = await (await fetch(d.url + '/')).text();
    assert.match(dash, /No block is indexed yet/);
    assert.match(dash, /No day is indexed yet, so there is nothing to chart\./);
    assert.doesNotMatch(dash, /<svg class="chart"/);
  } finally {
    await d.stop();
  }
});
