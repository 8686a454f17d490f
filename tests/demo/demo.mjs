#!/usr/bin/env node
// demo.mjs - `make demo`: arbiusd on a local chain with a month of pictures,
// for someone who has neither a wallet nor an RPC key.
//
//   node demo/demo.mjs [--port 8080] [--bin ../build/arbiusd] [--no-live]
//
// Starts the devnet (hardhat, our test contracts) with its clock a month
// back, plays the `full` scenario (hostile prompts, bulk and automine tasks,
// claims in three reward eras, contestations), then a month of ordinary
// image tasks solved and mostly claimed, one to a few a day; starts the IPFS
// gateway stub serving a 256x256 PNG for every solution CID; writes a config
// into a temporary directory and runs `arbiusd serve` on it; once the index
// has caught up, signs in three throwaway wallets and leaves comments,
// upvotes and reactions.  Prints the URL.  With live mode (the default) a
// new task is submitted and solved every 20 s, so the dashboard moves.
// Ctrl-C (SIGINT) or SIGTERM stops everything it started and removes the
// temporary directory.
//
// Library: startDemo({ bin, port, admin, live, log }) resolves to
// { url, truth, deploy, config, dbPath, dir, wallets, gateway, stop() } -
// the browser tests run on the same data; stop() resolves to
// { serve: {code, signal, log} }, how arbiusd serve ended.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { Wallet } from 'ethers';

import { startDevnet } from '../devnet/devnet.mjs';
import { Driver, runScenario } from '../devnet/driver.mjs';
import { startGateway } from '../devnet/gateway.mjs';
import { fakeSolutionCid, utf8Hex } from '../devnet/lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
const DAY = 86400;

// The month of ordinary pictures: one prompt per task, cycled.
export const DEMO_PROMPTS = [
  'a lighthouse on a cliff at golden hour, oil painting',
  'a cat astronaut floating above the moon, watercolor',
  'isometric cozy coffee shop interior, soft light',
  'a misty pine forest at dawn, cinematic',
  'retro-futuristic tram in a neon city, rain',
  'a hummingbird made of stained glass',
  'studio portrait of a wise old tortoise wearing glasses',
  'a tiny dragon sleeping in a teacup',
  'aurora over a frozen lake, long exposure',
  'a paper boat sailing on a puddle, macro',
  'a futuristic greenhouse on Mars',
  'a koi fish swimming through clouds, ukiyo-e',
  'an ancient library inside a giant tree',
  'a robot gardener watering sunflowers',
  'minimalist poster of a mountain range at night',
  'a cozy cabin in a snowstorm, warm windows',
];

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

// A port that is free now: the wanted one if it is, else any.
async function freePort(want) {
  const tryPort = (p) => new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(null));
    s.listen(p, '127.0.0.1', () => { const got = s.address().port; s.close(() => resolve(got)); });
  });
  return (want && (await tryPort(want))) || tryPort(0);
}

function iniText(sections) {
  return Object.entries(sections).map(([sec, kv]) =>
    `[${sec}]\n${Object.entries(kv).map(([k, v]) => `${k} = ${v}\n`).join('')}`).join('\n');
}

// A month of image tasks, a few a day, ending now: tasks from the four
// users, solved by the three miners a few minutes later, most claimed; on
// two days an automine miner submits a bulk batch and solves it itself.
async function playMonth(d, { days = 30, log }) {
  const { users, miners, automine } = d.acc;
  const img = d.model('image');
  const now = Math.floor(Date.now() / 1000);
  let n = 0;
  for (let day = days - 1; day >= 0; day--) {
    const head = Number((await d.rpc.call('eth_getBlockByNumber', ['latest', false])).timestamp);
    const at = now - day * DAY - 3 * 3600;
    if (at > head) await d.rpc.call('evm_setNextBlockTimestamp', [at]);
    const count = 1 + ((day * 7) % 4);
    for (let i = 0; i < count; i++) {
      const prompt = DEMO_PROMPTS[n % DEMO_PROMPTS.length];
      const owner = users[n % users.length];
      const miner = miners[n % miners.length];
      const id = await d.submitTask(owner, { model: img, input: utf8Hex(JSON.stringify({ prompt, seed: 1000 + n })) });
      await d.rpc.call('evm_increaseTime', [60 + ((n * 37) % 600)]);
      await d.submitSolution(miner, id, fakeSolutionCid(`demo ${n}`));
      if (n % 4 !== 3) await d.claim(miner, id);
      n++;
    }
    if (day === 20 || day === 5) {
      const bulk = await d.bulkSubmitTask(automine, { model: img, n: 4, input: utf8Hex(JSON.stringify({ prompt: 'automine filler: grey square' })) });
      await d.bulkSubmitSolution(automine, bulk, bulk.map((t) => fakeSolutionCid(`demo automine ${t}`)));
    }
  }
  log(`demo: ${n} more images over ${days} days`);
}

// Sign in with EIP-4361 through the daemon's own nonce message.
export async function signIn(url, wallet) {
  const nonce = await (await fetch(`${url}/api/v1/auth/nonce?address=${wallet.address}`)).json();
  const signature = await wallet.signMessage(nonce.message);
  const r = await fetch(`${url}/api/v1/auth/verify`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ message: nonce.message, signature }),
  });
  if (r.status !== 200) throw new Error(`sign-in failed: ${r.status} ${await r.text()}`);
  const body = await r.json();
  return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: body.csrf, address: body.address };
}

export async function post(url, session, route, body) {
  const r = await fetch(url + route, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', cookie: session.cookie, 'X-CSRF-Token': session.csrf },
    body: JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`POST ${route}: ${r.status} ${await r.text()}`);
  return r.json();
}

// Comments, upvotes and reactions on the newest images, from three wallets.
async function socialise(url, wallets) {
  const items = (await (await fetch(`${url}/api/v1/images?limit=8`)).json()).items;
  const sessions = [];
  for (const w of wallets) sessions.push(await signIn(url, w));
  const words = ['Love the colours on this one.', 'How many steps was this?', 'The composition is great 👏',
                 'Reminds me of an old postcard.', 'This should be a wallpaper.'];
  for (let i = 0; i < items.length; i++) {
    const id = items[i].id;
    for (let k = 0; k < sessions.length; k++) {
      if ((i + k) % 2 === 0) await post(url, sessions[k], `/api/v1/image/${id}/vote`, { up: true });
      if ((i + k) % 3 === 0) await post(url, sessions[k], `/api/v1/image/${id}/react`, { reaction: ['like', 'love', 'fire', 'art'][(i + k) % 4], on: true });
    }
    if (i < 5) await post(url, sessions[i % sessions.length], `/api/v1/image/${id}/comments`, { body: words[i] });
  }
  return sessions;
}

// `arbiusd serve`, its log appended to logFile; resolves once it listens.
function startServe(bin, config, logFile) {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, ['--config', config, 'serve'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const sink = fs.createWriteStream(logFile, { flags: 'a' });
    let err = '';
    let done = false;
    proc.stderr.on('data', (d) => {
      sink.write(d);
      err = (err + d).slice(-8000);
      if (!done && /http: listening on /.test(err)) { done = true; resolve({ proc, get stderr() { return err; } }); }
    });
    proc.on('exit', (code) => { if (!done) { done = true; reject(new Error(`arbiusd serve exited ${code}:\n${err}`)); } });
  });
}

async function waitIndexed(url, head, ms = 120000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const s = await (await fetch(`${url}/api/v1/status`)).json();
      if (s.indexed_block >= head) return s;
    } catch { /* not up yet */ }
    await wait(250);
  }
  throw new Error(`the index did not reach block ${head} in ${ms / 1000} s`);
}

// One task submitted and solved every `every` ms until stopped.
function liveTrickle(d, every, log) {
  let n = 0;
  let stopped = false;
  let busy = Promise.resolve();
  const timer = setInterval(() => {
    if (stopped) return;
    busy = (async () => {
      const { users, miners } = d.acc;
      const id = await d.submitTask(users[n % users.length], { model: d.model('image'), input: utf8Hex(JSON.stringify({ prompt: `live: ${DEMO_PROMPTS[(n * 5) % DEMO_PROMPTS.length]}` })) });
      await d.submitSolution(miners[n % miners.length], id, fakeSolutionCid(`demo live ${n}`));
      n++;
    })().catch((e) => log(`demo: live task failed: ${e.message}`));
  }, every);
  return async () => { stopped = true; clearInterval(timer); await busy; };
}

export async function startDemo({ bin = path.join(ROOT, 'build/arbiusd'), port = 8080, admin = null, live = false,
                                  log = (m) => process.stderr.write(m + '\n') } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arbiusd-demo-'));
  const stops = [];
  const result = { serve: null }; // arbiusd serve's exit {code, signal, log}
  // Stops everything started, newest first; resolves with result.
  const stop = async () => {
    for (const s of stops.reverse()) { try { await s(); } catch { /* keep stopping */ } }
    stops.length = 0;
    fs.rmSync(dir, { recursive: true, force: true });
    return result;
  };
  try {
    const t0 = Date.now();
    const dn = await startDevnet({ port: 0, stateDir: path.join(dir, 'devnet'), initialDate: new Date(Date.now() - 31 * DAY * 1000) });
    stops.push(() => dn.stop());
    log(`demo: devnet on ${dn.rpcUrl}`);
    await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: 'full', log: () => {} });
    const d = await Driver.create({ rpcUrl: dn.rpcUrl, deploy: dn.deploy });
    await playMonth(d, { log });
    const truth = await d.truth();
    const gw = await startGateway({ port: 0, art: true });
    stops.push(() => gw.close());
    log(`demo: IPFS gateway stub on ${gw.url}; files in ${dir}`);
    const listenPort = await freePort(port);
    const cfg = {
      server: { listen: `127.0.0.1:${listenPort}`, templates: path.join(ROOT, 'templates'), static: path.join(ROOT, 'static') },
      database: { path: path.join(dir, 'arbiusd.db') },
      chain: {
        rpc_urls: dn.rpcUrl, chain_id: dn.deploy.chain_id, engine: dn.deploy.contracts.engine,
        token: dn.deploy.contracts.token, router: dn.deploy.contracts.router,
        start_block: dn.deploy.start_block, confirmations: 2, poll_interval: 2,
      },
      ipfs: { gateways: gw.url },
      log: { level: 'info' },
    };
    if (admin) cfg.admin = { wallets: admin };
    const config = path.join(dir, 'arbiusd.ini');
    fs.writeFileSync(config, iniText(cfg));
    const serve = await startServe(bin, config, path.join(dir, 'arbiusd.log'));
    stops.push(async () => {
      if (serve.proc.exitCode === null && serve.proc.signalCode === null) {
        const gone = new Promise((r) => serve.proc.once('exit', r));
        serve.proc.kill('SIGTERM');
        await gone;
      }
      result.serve = { code: serve.proc.exitCode, signal: serve.proc.signalCode, log: serve.stderr };
    });
    const url = `http://127.0.0.1:${listenPort}`;
    await waitIndexed(url, truth.head.number);
    const wallets = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()];
    await socialise(url, wallets);
    if (live) stops.push(liveTrickle(d, 20000, log));
    log(`demo: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { url, truth, deploy: dn.deploy, rpcUrl: dn.rpcUrl, gateway: gw, config, dbPath: cfg.database.path, dir, wallets, driver: d, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const a = process.argv.slice(2);
  const opt = (k, dflt) => (a.includes(k) ? a[a.indexOf(k) + 1] : dflt);
  const startup = startDemo({ bin: path.resolve(opt('--bin', path.join(ROOT, 'build/arbiusd'))),
                              port: Number(opt('--port', 8080)), live: !a.includes('--no-live') });
  let stopping = false;
  // A signal during start-up waits for it to end (or fail: Ctrl-C reaches
  // the node and the daemon too), then stops whatever it started.
  const finish = async (sig) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\ndemo: ${sig}: stopping arbiusd, the gateway and the devnet\n`);
    const demo = await startup.catch(() => null);
    if (demo) await demo.stop();
    process.stderr.write('demo: stopped\n');
    process.exit(0);
  };
  process.on('SIGINT', () => finish('SIGINT'));
  process.on('SIGTERM', () => finish('SIGTERM'));
  try {
    const demo = await startup;
    if (!stopping) console.log(`\narbiusd demo: open ${demo.url}/  (Ctrl-C stops everything)\n`);
  } catch (e) {
    if (!stopping) {
      process.stderr.write(`demo: failed: ${e.stack || e}\n`);
      process.exit(1);
    }
  }
}
