// social-browser.test.mjs - headless Chromium signs in with an injected
// EIP-1193 provider (window.ethereum whose personal_sign is an ethers
// Wallet behind page.exposeFunction), then upvotes, reacts and comments
// through the image page's controls; the database and the JSON API agree
// with what the page shows, hostile comment text stays text, and the page
// runs under the strict CSP without a violation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { getBytes, Wallet } from 'ethers';
import puppeteer from 'puppeteer-core';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { devnetConfig, sql } from './chain.mjs';
import { runCliAsync, startDaemon, tmpDir } from './harness.mjs';

const quiet = () => {};
// The gallery's image page, which includes the social partial.
const pagePath = (id) => `/image/${id}`;

let net;
let truth;
let daemon;
let cfg;
let browser;
const wallet = Wallet.createRandom();

before(async () => {
  net = await startDevnet({});
  truth = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'sparse',
                              opts: { blocks: 10, events: 6 }, log: quiet });
  const dir = tmpDir();
  cfg = devnetConfig(dir, net.deploy, net.rpcUrl, {
    admin: { wallets: wallet.address },
  });
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from',
                               String(net.deploy.start_block), '--to', String(truth.head.number)],
                              { timeout: 300000 });
  assert.equal(r.code, 0, r.stderr);
  daemon = await startDaemon({ configFile: cfg.file });
  browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run',
           `--user-data-dir=${fs.mkdtempSync(path.join(dir, 'chromium-'))}`],
  });
});

after(async () => {
  await browser?.close();
  if (daemon) assert.equal((await daemon.stop()).code, 0);
  await net?.stop();
});

// A page with window.ethereum: eth_requestAccounts answers the wallet's
// address in lower case (as MetaMask does), personal_sign signs the hex
// message bytes with the ethers wallet in this process.
async function walletPage() {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Gallery images load from the configured IPFS gateway, which this
    // offline test cannot reach: only this server's own resources count.
    const url = m.location()?.url || '';
    if (/^Failed to load resource/.test(m.text()) && !url.startsWith(daemon.url)) return;
    problems.push(`${m.text()} ${url}`);
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  const signed = [];
  await page.exposeFunction('__arbiusdTestSign', async (hexMessage, account) => {
    if (account.toLowerCase() !== wallet.address.toLowerCase()) throw new Error('unknown account');
    const bytes = getBytes(hexMessage);
    signed.push(Buffer.from(bytes).toString('utf8'));
    return wallet.signMessage(bytes);
  });
  await page.evaluateOnNewDocument((address) => {
    window.ethereum = {
      isArbiusdTest: true,
      async request({ method, params }) {
        if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [address.toLowerCase()];
        if (method === 'personal_sign') return window.__arbiusdTestSign(params[0], params[1]);
        throw Object.assign(new Error(`unsupported method ${method}`), { code: 4200 });
      },
    };
  }, wallet.address);
  return { page, problems, signed };
}

const text = (page, sel) => page.$eval(sel, (e) => e.textContent.trim());
const visible = (page, sel) => page.$eval(sel, (e) => !e.hidden && !e.closest('[hidden]'));

test('sign in, upvote, react and comment through the image page', async () => {
  const id = truth.tasks[0].id.toLowerCase();
  const { page, problems, signed } = await walletPage();
  const res = await page.goto(daemon.url + pagePath(id), { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  await page.waitForSelector('html[data-social-ready="1"]');
  assert.equal(await page.$eval('#social', (e) => e.dataset.task), id);
  assert.equal(await visible(page, '#auth-signin'), true);
  assert.equal(await visible(page, '#s-form'), false, 'no comment form before sign-in');
  assert.equal(await page.$eval('#s-vote', (e) => e.disabled), true);

  // Sign in: the wallet is asked to sign the server's EIP-4361 message.
  await page.click('#auth-signin');
  await page.waitForFunction(() => !document.getElementById('auth-who').hidden);
  assert.equal(signed.length, 1);
  assert.match(signed[0], new RegExp(`^127\\.0\\.0\\.1:${daemon.port} wants you to sign in with your Ethereum account:\\n${wallet.address}\\n`));
  assert.match(signed[0], new RegExp(`\\nChain ID: ${Number(net.deploy.chain_id)}\\n`));
  assert.equal(await page.$eval('#auth-who', (e) => e.title), wallet.address);
  assert.equal(await visible(page, '#auth-signin'), false);
  assert.equal(await visible(page, '#nav-admin'), true, 'admin wallet sees the Admin link');
  const cookies = await page.cookies();
  const sess = cookies.find((c) => c.name === 'arbiusd_session');
  assert.ok(sess && sess.httpOnly && sess.sameSite === 'Lax');
  assert.equal(await page.evaluate(() => document.cookie.includes('arbiusd_session')), false, 'HttpOnly');

  // Upvote.
  await page.waitForFunction(() => !document.getElementById('s-vote').disabled);
  await page.click('#s-vote');
  await page.waitForFunction(() => document.getElementById('s-vote').getAttribute('aria-pressed') === 'true');
  assert.equal(await text(page, '#s-upvotes'), '1');
  assert.equal(sql(cfg.dbPath, `SELECT upvotes FROM tasks WHERE id = '${id}'`)[0].upvotes, 1);
  assert.deepEqual(sql(cfg.dbPath, `SELECT address FROM social_votes WHERE task = '${id}'`),
                   [{ address: wallet.address.toLowerCase() }]);

  // React.
  await page.click('.s-react[data-reaction="fire"]');
  await page.waitForFunction(() => document.querySelector('.s-react[data-reaction="fire"]').getAttribute('aria-pressed') === 'true');
  assert.equal(await text(page, '.s-react[data-reaction="fire"] .s-n'), '1');

  // Comment with hostile text: shown as text, never as markup.
  const hostile = '<img src=x id=pwned> & "quotes"';
  assert.equal(await visible(page, '#s-form'), true);
  await page.type('#s-body', hostile);
  await page.click('#s-post');
  await page.waitForSelector('#s-comments li.s-comment');
  assert.equal(await text(page, '#s-comments li.s-comment .s-text'), hostile);
  assert.equal(await page.$('#pwned'), null, 'no element injected');
  // The author shortened, the whole address in the title.
  assert.equal(await page.$eval('#s-comments li.s-comment .s-meta code', (e) => e.title), wallet.address);
  assert.equal(await text(page, '#s-comments li.s-comment .s-meta code'), `${wallet.address.slice(0, 6)}…${wallet.address.slice(-4)}`);
  const rows = sql(cfg.dbPath, `SELECT body, address FROM social_comments WHERE task = '${id}'`);
  assert.deepEqual(rows, [{ body: hostile, address: wallet.address.toLowerCase() }]);

  // A reload keeps the session and shows the same state from the server.
  await page.reload({ waitUntil: 'load' });
  await page.waitForSelector('html[data-social-ready="1"]');
  await page.waitForSelector('#s-comments li.s-comment');
  assert.equal(await text(page, '#s-upvotes'), '1');
  assert.equal(await page.$eval('#s-vote', (e) => e.getAttribute('aria-pressed')), 'true');

  // Withdraw the upvote, then sign out.
  await page.click('#s-vote');
  await page.waitForFunction(() => document.getElementById('s-upvotes').textContent === '0');
  assert.equal(sql(cfg.dbPath, `SELECT upvotes FROM tasks WHERE id = '${id}'`)[0].upvotes, 0);
  await page.click('#auth-signout');
  await page.waitForFunction(() => !document.getElementById('auth-signin').hidden);
  await page.waitForFunction(() => document.getElementById('s-form').hidden);
  assert.equal(await page.$eval('#s-vote', (e) => e.disabled), true);
  assert.deepEqual(problems, [], 'no console errors, no CSP violations');
  await page.close();
});

test('an admin signs in on /admin and hides, then unhides, an image', async () => {
  const id = truth.tasks[1].id.toLowerCase();
  const { page, problems } = await walletPage();
  let res = await page.goto(`${daemon.url}/admin`, { waitUntil: 'load' });
  assert.equal(res.status(), 401, 'the sign-in prompt, from the layout header');
  await page.waitForSelector('html[data-social-ready="1"]');
  await page.click('#auth-signin');
  await page.waitForFunction(() => !document.getElementById('nav-admin').hidden);
  res = await page.goto(`${daemon.url}/admin`, { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  await page.waitForSelector('html[data-social-ready="1"]');
  await page.select('#ah-kind', 'image');
  await page.type('#ah-id', id);
  await page.select('#ah-hidden', 'true');
  await page.click('#admin-hide button[type="submit"]');
  await page.waitForFunction(() => /hidden/.test(document.getElementById('ah-status').textContent));
  assert.equal(sql(cfg.dbPath, `SELECT hidden FROM tasks WHERE id = '${id}'`)[0].hidden, 1);
  assert.equal((await fetch(`${daemon.url}/api/v1/image/${id}/social`)).status, 404);
  // The page lists it with an Unhide button; the audit table shows the action.
  await page.reload({ waitUntil: 'load' });
  await page.waitForSelector('html[data-social-ready="1"]');
  assert.match(await text(page, '#audit'), /hide_image/);
  await page.click(`.admin-unhide[data-id="${id}"]`);
  await page.waitForFunction((t) => !document.querySelector(`.admin-unhide[data-id="${t}"]`), {}, id);
  assert.equal(sql(cfg.dbPath, `SELECT hidden FROM tasks WHERE id = '${id}'`)[0].hidden, 0);
  assert.deepEqual(problems.filter((p) => !/401/.test(p)), [], 'no console errors but the 401 of the first load');
  await page.close();
});

test('without a wallet the page says so instead of failing', async () => {
  const ctx = await browser.createBrowserContext();   // no cookies: signed out
  const page = await ctx.newPage();
  await page.goto(daemon.url + pagePath(truth.tasks[0].id.toLowerCase()), { waitUntil: 'load' });
  await page.waitForSelector('html[data-social-ready="1"]');
  await page.click('#auth-signin');
  await page.waitForFunction(() => document.getElementById('auth-msg').textContent.length > 0);
  assert.match(await text(page, '#auth-msg'), /No Ethereum wallet/);
  await ctx.close();
});
