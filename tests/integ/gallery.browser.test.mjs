// gallery.browser.test.mjs - the gallery in headless Chromium with hostile
// prompts on chain: the `full` scenario's (<script>, "><img onerror=…>, RTL,
// emoji, zalgo, a 10 kB word, NUL/U+2028) plus three submitted here whose
// payloads would set window.__pwned.  Checked through the DOM: no injected
// script runs and no injected element exists, prompts are text; the grid
// holds (no horizontal overflow, square frames, equal columns); a missing
// image is shown as "unavailable"; infinite scroll appends the next pages;
// the Atom feed is well-formed XML.  Screenshots go to tests/artifacts/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import puppeteer from 'puppeteer-core';

import { startDevnet } from '../devnet/devnet.mjs';
import { Driver, runScenario } from '../devnet/driver.mjs';
import { startGateway } from '../devnet/gateway.mjs';
import { fakeSolutionCid, utf8Hex } from '../devnet/lib.mjs';
import { devnetConfig } from './chain.mjs';
import { ROOT, runCliAsync, startDaemon, tmpDir } from './harness.mjs';

const ART = path.join(ROOT, 'tests/artifacts');
const HOSTILE = [
  '<script>window.__pwned = 1</script> browser hostile one',
  '"><img src=x onerror="window.__pwned = 2"> browser hostile two',
  '<svg onload="window.__pwned = 3"></svg><iframe src="javascript:window.__pwned=4"></iframe> ' + 'ש'.repeat(40) + ' 🦊🦊🦊',
];

let net, truth, daemon, gw, browser, missingCid, hostileIds;

before(async () => {
  fs.mkdirSync(ART, { recursive: true });
  net = await startDevnet({});
  await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: () => {} });
  const d = await Driver.create({ rpcUrl: net.rpcUrl, deploy: net.deploy });
  hostileIds = [];
  for (const p of HOSTILE) hostileIds.push(await d.submitTask(d.acc.users[0], { model: 'image', input: utf8Hex(JSON.stringify({ prompt: p })) }));
  for (const id of hostileIds) await d.submitSolution(d.acc.miners[1], id, fakeSolutionCid(`browser ${id}`));
  truth = await d.truth();
  // The gateway stub: one hostile task's image is missing, another slow.
  const sol = (id) => truth.solutions.find((s) => s.task.toLowerCase() === id.toLowerCase());
  missingCid = sol(hostileIds[0]).cid_qm;
  gw = await startGateway({ port: 0, missing: [missingCid], slow: { [sol(hostileIds[1]).cid_qm]: 800 } });
  const dir = tmpDir();
  const cfg = devnetConfig(dir, net.deploy, net.rpcUrl, { ipfs: { gateways: gw.url } });
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(net.deploy.start_block), '--to', String(truth.head.number)], { timeout: 300000 });
  assert.equal(r.code, 0, r.stderr);
  daemon = await startDaemon({ configFile: cfg.file, args: ['--read-only'] });
  browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

after(async () => {
  await browser?.close();
  if (daemon) assert.equal((await daemon.stop()).code, 0);
  await gw?.close();
  await net?.stop();
});

// A page that records any script the attacker could run.
async function open(url, width = 1280) {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  const events = { dialogs: [], errors: [], csp: [] };
  page.on('dialog', async (dl) => { events.dialogs.push(dl.message()); await dl.dismiss(); });
  page.on('pageerror', (e) => events.errors.push(String(e)));
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) events.csp.push(m.text()); });
  await page.evaluateOnNewDocument(() => {
    window.__alerts = 0;
    const orig = window.alert;
    window.alert = function () { window.__alerts++; return orig && undefined; };
  });
  await page.goto(url, { waitUntil: 'networkidle0' });
  return { page, events };
}

async function noInjection(page, events, gallery = true) {
  const r = await page.evaluate(() => ({
    pwned: window.__pwned ?? null,
    alerts: window.__alerts,
    scripts: [...document.scripts].map((s) => s.getAttribute('src')),
    handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length,
    iframes: document.querySelectorAll('iframe, svg[onload], object, embed').length,
    stray: [...document.querySelectorAll('img')].filter((i) => !i.closest('.g-frame')).length,
  }));
  assert.equal(r.pwned, null, 'no injected script ran');
  assert.equal(r.alerts, 0);
  assert.deepEqual(events.dialogs, []);
  // The layout's theme.js and site.js (content-hashed names), gallery.js
  // on the gallery, and the layout's social.js (sign-in, votes, comments).
  const plain = r.scripts.map((s) => s.replace(/^\/static\/(\w+)\.[0-9a-f]{10}\.js$/, '/static/$1.js'));
  const own = ['/static/theme.js', '/static/site.js', ...(gallery ? ['/static/gallery.js'] : []), '/static/social.js'];
  assert.deepEqual(plain, own);
  assert.equal(r.handlers, 0, 'no element carries an inline event handler');
  assert.equal(r.iframes, 0);
  assert.equal(r.stray, 0, 'every <img> is a gallery image in its frame');
}

async function layoutHolds(page) {
  const r = await page.evaluate(() => {
    const cards = [...document.querySelectorAll('.g-card')].map((c) => c.getBoundingClientRect());
    const frames = [...document.querySelectorAll('.g-frame')].map((f) => f.getBoundingClientRect());
    const prompts = [...document.querySelectorAll('.g-prompt')].map((p) => ({ sw: p.scrollWidth, cw: p.clientWidth }));
    return {
      docOverflow: document.documentElement.scrollWidth - window.innerWidth,
      widths: [...new Set(cards.map((c) => Math.round(c.width)))],
      square: frames.every((f) => Math.abs(f.width - f.height) <= 1),
      promptOverflow: prompts.filter((p) => p.sw > p.cw + 1).length,
      maxCardHeight: Math.max(...cards.map((c) => c.height)),
      n: cards.length,
    };
  });
  assert.ok(r.docOverflow <= 0, `no horizontal overflow (${r.docOverflow}px)`);
  assert.equal(r.widths.length, 1, `equal columns: ${r.widths}`);
  assert.ok(r.square, 'every frame keeps its 1:1 box');
  assert.equal(r.promptOverflow, 0, 'long words wrap inside the card');
  assert.ok(r.maxCardHeight < r.widths[0] * 2.2, `no card blown up by its prompt (${r.maxCardHeight}px)`);
  return r;
}

test('hostile prompts render as text in the grid; nothing runs; layout holds', async () => {
  const { page, events } = await open(`${daemon.url}/gallery?automine=show`);
  await noInjection(page, events);
  const texts = await page.$$eval('.g-card', (cs) => cs.map((c) => [c.dataset.task, c.querySelector('.g-prompt').textContent]));
  const byId = new Map(texts);
  assert.equal(byId.get(hostileIds[0].toLowerCase()), HOSTILE[0]);
  assert.equal(byId.get(hostileIds[1].toLowerCase()), HOSTILE[1]);
  const script = truth.tasks.find((t) => t.prompt === '<script>alert(1)</script>');
  if (byId.has(script.id.toLowerCase())) assert.equal(byId.get(script.id.toLowerCase()), '<script>alert(1)</script>');
  await layoutHolds(page);
  // The missing image is shown as unavailable (gallery.js on the load error), never an empty box.
  const broken = await page.$eval(`.g-card[data-task="${hostileIds[0].toLowerCase()}"] .g-frame`,
    (f) => ({ cls: f.className, text: f.textContent.trim(), imgs: f.querySelectorAll('img').length }));
  assert.match(broken.cls, /g-broken/);
  assert.match(broken.text, /Image unavailable/);
  assert.equal(broken.imgs, 0);
  const loaded = await page.$$eval('.g-frame img', (is) => is.filter((i) => i.complete && i.naturalWidth > 0).length);
  assert.ok(loaded > 0, 'present images load from the gateway (CSP admits it)');
  assert.deepEqual(events.csp, []);
  await page.screenshot({ path: path.join(ART, 'gallery.png'), fullPage: true });
  // Narrow screens too.
  const narrow = await open(`${daemon.url}/gallery?automine=show`, 380);
  await layoutHolds(narrow.page);
  await narrow.page.screenshot({ path: path.join(ART, 'gallery-narrow.png'), fullPage: true });
  await narrow.page.close();
  await page.close();
});

test('infinite scroll appends the following pages in order', async () => {
  const { page, events } = await open(`${daemon.url}/gallery?automine=show`);
  const first = await page.$$eval('.g-card', (cs) => cs.length);
  const api = [];
  let cursor = null;
  do {
    const b = await (await fetch(`${daemon.url}/api/v1/images?automine=show&limit=100${cursor ? `&cursor=${cursor}` : ''}`)).json();
    api.push(...b.items.map((x) => x.id));
    cursor = b.next_cursor;
  } while (cursor);
  assert.ok(api.length > first, 'more than one page exists');
  for (let i = 0; i < 20; i++) {
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await new Promise((r) => setTimeout(r, 300));
    if ((await page.$$eval('.g-card', (cs) => cs.length)) >= api.length) break;
  }
  const ids = await page.$$eval('.g-card', (cs) => cs.map((c) => c.dataset.task));
  assert.deepEqual(ids, api);
  assert.equal(await page.$('#g-next'), null, 'the next link is gone at the end');
  await noInjection(page, events);
  await layoutHolds(page);
  await page.close();
});

test('detail pages of hostile prompts: text only, layout holds; the Atom feed is well-formed XML', async () => {
  const word = truth.tasks.find((t) => t.prompt === 'w'.repeat(10240));
  const rtl = truth.tasks.find((t) => typeof t.prompt === 'string' && t.prompt.startsWith('مرحبا'));
  for (const [id, shot] of [[hostileIds[1], 'image-hostile.png'], [hostileIds[2], null], [word.id, 'image-10kb-word.png'], [rtl.id, null]]) {
    const { page, events } = await open(`${daemon.url}/image/${id}`);
    await noInjection(page, events, false);
    const t = truth.tasks.find((x) => x.id.toLowerCase() === id.toLowerCase());
    assert.equal(await page.$eval('.d-prompt', (p) => p.textContent), t.prompt);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 0, `no horizontal overflow on /image/${id} (${over}px)`);
    const og = await page.$eval('meta[property="og:title"]', (m) => m.content);
    assert.ok(t.prompt.startsWith(og.replace(/…$/, '')));
    if (shot) await page.screenshot({ path: path.join(ART, shot), fullPage: false });
    await page.close();
  }
  const page = await browser.newPage();
  await page.goto(`${daemon.url}/robots.txt`);
  const xml = await (await fetch(`${daemon.url}/gallery.atom?automine=show`)).text();
  const r = await page.evaluate((src) => {
    const doc = new DOMParser().parseFromString(src, 'application/xml');
    return {
      err: doc.getElementsByTagName('parsererror').length,
      entries: doc.getElementsByTagName('entry').length,
      titles: [...doc.getElementsByTagName('entry')].map((e) => e.getElementsByTagName('title')[0].textContent),
      html: [...doc.getElementsByTagName('content')].map((c) => c.textContent),
    };
  }, xml);
  assert.equal(r.err, 0, 'well-formed XML');
  assert.ok(r.entries > 0);
  assert.ok(r.titles.includes(HOSTILE[0]), 'titles carry the prompt as text');
  // The HTML content, once unescaped, still has the prompt only as text.
  const h = r.html.find((x) => x.includes('browser hostile one'));
  assert.ok(h.includes('&lt;script&gt;') && !h.includes('<script>'));
  await page.close();
});
