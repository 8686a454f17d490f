#!/usr/bin/env node
// arbiusd test devnet: a hardhat node on 127.0.0.1 with the test token, engine and router
// deployed, two models registered (with their real Arbitrum One model ids) and every account
// funded with AIUS and approved; beside them a master contester registry (not yet set on the
// engine) and the contracts tasks come through in the wild: a bulk helper with its own
// selectors, a Multicall3 and a Safe-style wallet (both funded and approved). See README.md.
//
// CLI
//   node devnet/devnet.mjs start [--port P] [--state-dir D] [--chain-id N] [--block-gas-limit G]
//                                [--accounts N] [--scenario NAME --out truth.json [driver opts]]
//       Foreground. Writes D/deploy.json (atomically, once deployed), D/devnet.pid, D/node.log,
//       prints one line "devnet ready <rpcUrl> <deploy.json>" and runs until SIGINT/SIGTERM.
//   node devnet/devnet.mjs stop --state-dir D        kill the devnet whose pid is in D/devnet.pid
//   node devnet/devnet.mjs deploy --rpc URL [--out deploy.json]   deploy onto a running node
//
// Library
//   import { startDevnet } from './devnet.mjs'
//   const dn = await startDevnet({ port: 0 /* any free */, stateDir })
//   dn.rpcUrl, dn.deploy, dn.rpc (lib.mjs Rpc), await dn.reset() (back to just-deployed), await dn.stop()
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, renameSync, existsSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Interface, AbiCoder, keccak256, hexlify, toUtf8Bytes, getAddress } from 'ethers';
import { compileContracts } from './compile.mjs';
import { Rpc, sleep, toHex, fromHex, ipfsCid, base58 } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const DEFAULT_CHAIN_ID = 42161;
/** 20 historical roles (deployer … bulk senders) + 4 for the contest scenario. */
export const DEFAULT_ACCOUNTS = 24;
/** Registers WAI and Qwen on Arbitrum One; registering from it reproduces the real model ids. */
export const MODEL_REGISTRAR = '0x1298F8A91B046d7fCBd5454cd3331Ba6f4feA168';
export const AIUS = 10n ** 18n;

/** Models registered at deploy time: real names, templates, fees and ids from Arbitrum One. */
export const DEPLOY_MODELS = {
  image: {
    name: 'WAI-NSFW-illustrious-SDXL-v120',
    template: 'wai_v120.json',
    fee: 3500000000000000n,
    rate: 1000000000000000000n,
    outputFile: 'out-1.png',
    expectId: '0xa473c70e9d7c872ac948d20546bc79db55fa64ca325a4b229aaffddb7f86aae0',
  },
  text: {
    name: 'Qwen QwQ 32b',
    template: 'qwen_qwq_32b.json',
    fee: 7000000000000000n,
    rate: 750000000000000000n,
    outputFile: 'out-1.txt',
    expectId: '0x89c39001e3b23d2092bd998b62f07b523d23deb55e1627048b4ed47a4a38d5cc',
  },
};
/** getReward() of the test engine: odd on purpose so that splits are not round numbers. */
export const DEPLOY_REWARD = 1234567890123456789n;

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Send one transaction from an unlocked account and wait for its receipt (automine on).
 * Throws if it reverted. Returns the receipt. */
export async function sendTx(rpc, tx) {
  const t = { ...tx };
  if (t.gas === undefined) t.gas = toHex(16_000_000);
  else if (typeof t.gas !== 'string') t.gas = toHex(t.gas);
  if (t.value !== undefined && typeof t.value !== 'string') t.value = toHex(t.value);
  const hash = await rpc.call('eth_sendTransaction', [t]);
  const rcpt = await rpc.call('eth_getTransactionReceipt', [hash]);
  if (!rcpt) throw new Error(`no receipt for ${hash} (is automine off?)`);
  if (rcpt.status !== '0x1') throw new Error(`tx ${hash} reverted`);
  return rcpt;
}

/** Send many transactions into as few blocks as possible: automine off, send in order, mine
 * until the pool is empty, automine on. Returns receipts in order; throws if any reverted. */
export async function sendPacked(rpc, txs) {
  if (!txs.length) return [];
  await rpc.call('evm_setAutomine', [false]);
  const hashes = [];
  try {
    for (const tx of txs) {
      const t = { ...tx, gas: toHex(tx.gas ?? 1_000_000) };
      hashes.push(await rpc.call('eth_sendTransaction', [t]));
    }
    for (let i = 0; i < 10000; i++) {
      await rpc.call('evm_mine', []);
      const pending = await rpc.call('eth_getBlockByNumber', ['pending', false]);
      if (!pending || pending.transactions.length === 0) break;
    }
  } finally {
    await rpc.call('evm_setAutomine', [true]);
  }
  const rcpts = await rpc.batch(hashes.map((h) => ['eth_getTransactionReceipt', [h]]));
  rcpts.forEach((r, i) => {
    if (!r || r.status !== '0x1') throw new Error(`packed tx ${hashes[i]} failed`);
  });
  return rcpts;
}

/** Calldata of a Safe execTransaction (operation CALL, no gas refund, empty signatures). */
export function safeExecData(S, to, data, value = 0n) {
  const zero = '0x0000000000000000000000000000000000000000';
  return S.encodeFunctionData('execTransaction', [to, value, data, 0, 0, 0, 0, zero, zero, '0x']);
}

export async function loadArtifacts() {
  const { contracts, cacheFile } = await compileContracts();
  const ifaces = Object.fromEntries(Object.entries(contracts).map(([n, c]) => [n, new Interface(c.abi)]));
  return { contracts, ifaces, cacheFile };
}

/** Start `hardhat node` on 127.0.0.1:port and wait until it answers. */
export async function startNode({
  port,
  chainId = DEFAULT_CHAIN_ID,
  blockGasLimit,
  accounts = DEFAULT_ACCOUNTS,
  logFile,
  logging = false,
  readyTimeoutMs = 60000,
  initialDate,
} = {}) {
  port = port || (await freePort());
  const cli = require.resolve('hardhat/internal/cli/cli.js');
  const env = {
    ...process.env,
    HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true',
    HARDHAT_HIDE_SOLIDITY_SURVEY_MESSAGE: 'true',
    DEVNET_CHAIN_ID: String(chainId),
    DEVNET_ACCOUNTS: String(accounts),
    DEVNET_LOGGING: logging ? '1' : '0',
    DEVNET_PARENT_PID: String(process.pid),
  };
  if (blockGasLimit) env.DEVNET_BLOCK_GAS_LIMIT = String(blockGasLimit);
  if (initialDate) env.DEVNET_INITIAL_DATE = new Date(initialDate).toISOString();
  const args = ['-r', join(here, 'watchdog.cjs'), cli, 'node', '--hostname', '127.0.0.1', '--port', String(port), '--config', join(here, 'hardhat.config.cjs')];
  const proc = spawn(process.execPath, args, { cwd: resolve(here, '..'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let listening = false; // our child said so: never mistake another node on the port for ours
  const sink = logFile ? createWriteStream(logFile, { flags: 'a' }) : null;
  const onData = (d) => {
    tail = (tail + d.toString()).slice(-4000);
    if (!listening && tail.includes('Started HTTP and WebSocket JSON-RPC server at')) listening = true;
    if (sink) sink.write(d);
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  let exited = null;
  const exitPromise = new Promise((res) => proc.once('exit', (code, sig) => res((exited = { code, sig }))));
  const killOnExit = () => {
    if (!exited) proc.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const rpcUrl = `http://127.0.0.1:${port}`;
  const rpc = new Rpc(rpcUrl, { timeoutMs: 10000 });
  const t0 = Date.now();
  for (;;) {
    if (exited) throw new Error(`hardhat node exited (${JSON.stringify(exited)}):\n${tail}`);
    if (Date.now() - t0 > readyTimeoutMs) {
      proc.kill('SIGKILL');
      throw new Error(`hardhat node not ready after ${readyTimeoutMs} ms:\n${tail}`);
    }
    if (!listening) {
      await sleep(50);
      continue;
    }
    try {
      const id = await rpc.call('eth_chainId');
      if (fromHex(id) !== chainId) throw new Error(`node on port ${port} answers chain ${id}, not ${chainId} (port taken?)`);
      break;
    } catch (e) {
      if (/answers chain/.test(e.message)) {
        proc.kill('SIGKILL');
        throw e;
      }
      await sleep(100);
    }
  }
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (!exited) {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exitPromise;
      clearTimeout(t);
    }
    if (sink) sink.end();
  };
  return { rpcUrl, port, proc, pid: proc.pid, stop, exitPromise };
}

/** Deploy token, engine and router, register the models, fund and approve every account.
 * Returns the deploy description (what deploy.json holds). */
export async function deployAll(rpc, { rpcUrl, artifacts } = {}) {
  artifacts ??= await loadArtifacts();
  const { contracts, ifaces } = artifacts;
  const abi = AbiCoder.defaultAbiCoder();
  const chainId = fromHex(await rpc.call('eth_chainId'));
  const accts = (await rpc.call('eth_accounts')).map((a) => getAddress(a));
  if (accts.length < 16) throw new Error(`need at least 16 unlocked accounts, node has ${accts.length}`);
  const roles = {
    deployer: accts[0],
    treasury: accts[1],
    users: accts.slice(2, 6), // alice, bob, carol, dave
    miners: accts.slice(6, 9), // m1, m2, m3 (validators)
    automine: accts[9],
    bot: accts[10], // submits through the router on behalf of users (like kasumi-3)
    bulk: accts.slice(11, 20), // senders for the bulk benchmark
  };
  // the contest scenario's own people; on a node with fewer accounts, the last bulk senders
  const extra = accts.length >= 24 ? accts.slice(20, 24) : accts.slice(accts.length - 4);
  roles.masterContesters = extra.slice(0, 2); // contest, vote, stake; never solve
  roles.stakerOnly = extra[2]; // validatorDeposit and nothing else
  roles.committerOnly = extra[3]; // signalCommitment and nothing else
  roles.safeOwners = [roles.users[2], roles.users[3]]; // carol, dave
  const from = roles.deployer;

  const deployContract = async (name, types, args) => {
    const data = contracts[name].bytecode + abi.encode(types, args).slice(2);
    const r = await sendTx(rpc, { from, data, gas: 8_000_000 });
    return { address: getAddress(r.contractAddress), block: fromHex(r.blockNumber), blockHash: r.blockHash, tx: r.transactionHash };
  };
  const token = await deployContract('TestToken', [], []);
  const engine = await deployContract('TestEngine', ['address', 'address'], [token.address, roles.treasury]);
  const router = await deployContract('TestRouter', ['address', 'address'], [engine.address, token.address]);
  const E = ifaces.TestEngine;
  const T = ifaces.TestToken;

  // register the models from the real registrar address so their ids equal Arbitrum One's
  await rpc.call('hardhat_impersonateAccount', [MODEL_REGISTRAR]);
  await rpc.call('hardhat_setBalance', [MODEL_REGISTRAR, toHex(10n ** 24n)]);
  const models = {};
  for (const [key, m] of Object.entries(DEPLOY_MODELS)) {
    const template = readFileSync(join(here, 'templates', m.template));
    const r = await sendTx(rpc, {
      from: MODEL_REGISTRAR,
      to: engine.address,
      data: E.encodeFunctionData('registerModel', [MODEL_REGISTRAR, m.fee, template]),
      gas: 2_000_000,
    });
    const log = r.logs.find((l) => l.topics[0] === E.getEvent('ModelRegistered').topicHash);
    const id = log.topics[1];
    const cid = ipfsCid(template);
    const expectId = keccak256(abi.encode(['address', 'address', 'uint256', 'bytes'], [MODEL_REGISTRAR, MODEL_REGISTRAR, m.fee, cid]));
    if (id !== expectId) throw new Error(`model ${key}: engine id ${id} != computed ${expectId}`);
    if (id !== m.expectId) throw new Error(`model ${key}: id ${id} != Arbitrum One id ${m.expectId}`);
    await sendTx(rpc, { from, to: engine.address, data: E.encodeFunctionData('setSolutionMineableRate', [id, m.rate]), gas: 200_000 });
    models[key] = {
      id,
      name: m.name,
      addr: MODEL_REGISTRAR.toLowerCase(),
      fee: m.fee.toString(),
      rate: m.rate.toString(),
      template: m.template,
      template_cid: hexlify(cid),
      template_cid_qm: base58(cid),
      output_file: m.outputFile,
      block: fromHex(r.blockNumber),
      tx: r.transactionHash,
    };
  }
  await sendTx(rpc, { from, to: engine.address, data: E.encodeFunctionData('setReward', [DEPLOY_REWARD]), gas: 200_000 });

  // V6 master contester registry (the contest scenario sets it on the engine) and the wrappers
  const registry = await deployContract('TestMasterContesterRegistry', [], []);
  const helper = await deployContract('TestBulkHelper', ['address', 'address'], [engine.address, token.address]);
  const multicall = await deployContract('TestMulticall3', [], []);
  const safe = await deployContract('TestSafe', ['address[]'], [roles.safeOwners]);

  // fund: engine gets 600k AIUS for rewards, every account 1M AIUS; approve engine + router +
  // helper. The multicall and the safe hold AIUS themselves and approve through their own
  // entry points (aggregate, execTransaction), as such contracts do on chain.
  const MAX = 2n ** 256n - 1n;
  const txs = [{ from, to: token.address, data: T.encodeFunctionData('mint', [engine.address, 600_000n * AIUS]), gas: 100_000 }];
  for (const a of accts) {
    txs.push({ from, to: token.address, data: T.encodeFunctionData('mint', [a, 1_000_000n * AIUS]), gas: 100_000 });
    txs.push({ from: a, to: token.address, data: T.encodeFunctionData('approve', [engine.address, MAX]), gas: 100_000 });
    txs.push({ from: a, to: token.address, data: T.encodeFunctionData('approve', [router.address, MAX]), gas: 100_000 });
    txs.push({ from: a, to: token.address, data: T.encodeFunctionData('approve', [helper.address, MAX]), gas: 100_000 });
  }
  const M = ifaces.TestMulticall3;
  const S = ifaces.TestSafe;
  for (const w of [multicall.address, safe.address]) {
    txs.push({ from, to: token.address, data: T.encodeFunctionData('mint', [w, 1_000_000n * AIUS]), gas: 100_000 });
  }
  txs.push({
    from,
    to: multicall.address,
    data: M.encodeFunctionData('aggregate', [[engine.address, router.address].map((sp) => [token.address, T.encodeFunctionData('approve', [sp, MAX])])]),
    gas: 300_000,
  });
  for (const sp of [engine.address, router.address]) {
    const call = T.encodeFunctionData('approve', [sp, MAX]);
    txs.push({ from: roles.safeOwners[0], to: safe.address, data: safeExecData(S, token.address, call), gas: 300_000 });
  }
  const rcpts = await sendPacked(rpc, txs);
  const head = await rpc.call('eth_getBlockByNumber', ['latest', false]);

  const lc = (a) => a.toLowerCase();
  return {
    version: 1,
    rpc_url: rpcUrl,
    chain_id: chainId,
    start_block: token.block,
    deploy_block: engine.block,
    deploy_block_hash: engine.blockHash,
    ready_block: fromHex(head.number),
    ready_block_hash: head.hash,
    contracts: {
      token: lc(token.address),
      engine: lc(engine.address),
      router: lc(router.address),
      registry: lc(registry.address),
      helper: lc(helper.address),
      multicall: lc(multicall.address),
      safe: lc(safe.address),
    },
    deploy_txs: {
      token: token.tx,
      engine: engine.tx,
      router: router.tx,
      registry: registry.tx,
      helper: helper.tx,
      multicall: multicall.tx,
      safe: safe.tx,
    },
    models,
    reward: DEPLOY_REWARD.toString(),
    era: 6,
    accounts: {
      deployer: lc(roles.deployer),
      treasury: lc(roles.treasury),
      users: roles.users.map(lc),
      miners: roles.miners.map(lc),
      automine: lc(roles.automine),
      bot: lc(roles.bot),
      bulk: roles.bulk.map(lc),
      master_contesters: roles.masterContesters.map(lc),
      staker_only: lc(roles.stakerOnly),
      committer_only: lc(roles.committerOnly),
      safe_owners: roles.safeOwners.map(lc),
      model_registrar: lc(MODEL_REGISTRAR),
      all: accts.map(lc),
    },
    funded_block: fromHex(rcpts[rcpts.length - 1].blockNumber),
    build: artifacts.cacheFile,
  };
}

function writeJsonAtomic(file, obj) {
  writeFileSync(file + '.tmp', JSON.stringify(obj, null, 2) + '\n');
  renameSync(file + '.tmp', file);
}

/** Start a node, deploy, write stateDir/deploy.json. Returns
 * { rpcUrl, rpc, deploy, deployFile, stateDir, pid, stop(), reset() }. */
export async function startDevnet({ port = 0, stateDir, chainId, blockGasLimit, accounts, logging = false, initialDate } = {}) {
  const ownDir = !stateDir;
  stateDir = stateDir ? resolve(stateDir) : mkdtempSync(join(tmpdir(), 'arbiusd-devnet-'));
  mkdirSync(stateDir, { recursive: true });
  const artifactsP = loadArtifacts(); // compile while the node boots
  artifactsP.catch(() => {});
  const node = await startNode({ port, chainId, blockGasLimit, accounts, logging, initialDate, logFile: join(stateDir, 'node.log') });
  let deploy;
  const rpc = new Rpc(node.rpcUrl);
  try {
    deploy = await deployAll(rpc, { rpcUrl: node.rpcUrl, artifacts: await artifactsP });
  } catch (e) {
    await node.stop();
    throw e;
  }
  let snap = await rpc.call('evm_snapshot');
  const deployFile = join(stateDir, 'deploy.json');
  writeJsonAtomic(deployFile, deploy);
  return {
    rpcUrl: node.rpcUrl,
    port: node.port,
    rpc,
    deploy,
    deployFile,
    stateDir,
    pid: node.pid,
    exited: node.exitPromise,
    /** Revert the chain to the state right after deploy (all later blocks are dropped). */
    async reset() {
      if (!(await rpc.call('evm_revert', [snap]))) throw new Error('evm_revert failed');
      snap = await rpc.call('evm_snapshot');
      await rpc.call('evm_setAutomine', [true]);
    },
    async stop() {
      await node.stop();
      if (ownDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

function parseArgs(argv) {
  const o = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const k = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) o[k] = true;
      else o[k] = argv[++i];
    } else o._.push(a);
  }
  return o;
}
export { parseArgs };

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const cmd = args._[0];
  if (cmd === 'start') {
    const t0 = Date.now();
    const stateDir = args.stateDir ? resolve(args.stateDir) : resolve('devnet-state');
    mkdirSync(stateDir, { recursive: true });
    const pidFile = join(stateDir, 'devnet.pid');
    if (existsSync(join(stateDir, 'deploy.json'))) rmSync(join(stateDir, 'deploy.json'));
    const dn = await startDevnet({
      port: args.port === undefined || args.port === true ? 8545 : Number(args.port), // 0: any free port
      stateDir,
      chainId: args.chainId ? Number(args.chainId) : undefined,
      blockGasLimit: args.blockGasLimit ? Number(args.blockGasLimit) : undefined,
      accounts: args.accounts ? Number(args.accounts) : undefined,
      logging: !!args.logging,
    });
    writeFileSync(pidFile, `${process.pid}\n`);
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await dn.stop();
      rmSync(pidFile, { force: true });
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    dn.exited.then((x) => {
      if (!stopping) {
        console.error(`hardhat node died: ${JSON.stringify(x)}`);
        process.exit(1);
      }
    });
    console.error(`deployed in ${Date.now() - t0} ms`);
    if (args.scenario) {
      const { runScenario } = await import('./driver.mjs');
      const truth = await runScenario({ rpcUrl: dn.rpcUrl, deploy: dn.deploy, scenario: args.scenario, opts: args });
      if (args.out) writeJsonAtomic(resolve(args.out), truth);
      console.error(`scenario ${args.scenario} done in ${Date.now() - t0} ms total`);
    }
    console.log(`devnet ready ${dn.rpcUrl} ${dn.deployFile}`);
  } else if (cmd === 'stop') {
    const pidFile = join(resolve(args.stateDir || 'devnet-state'), 'devnet.pid');
    if (!existsSync(pidFile)) {
      console.error(`no ${pidFile}`);
      process.exit(1);
    }
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await sleep(50);
    }
    console.error(`pid ${pid} still alive after 5 s`);
    process.exit(1);
  } else if (cmd === 'deploy') {
    if (!args.rpc) throw new Error('deploy needs --rpc URL');
    const deploy = await deployAll(new Rpc(args.rpc), { rpcUrl: args.rpc });
    if (args.out) writeJsonAtomic(resolve(args.out), deploy);
    else console.log(JSON.stringify(deploy, null, 2));
  } else {
    console.error('usage: devnet.mjs start [--port P] [--state-dir D] [--chain-id N] [--block-gas-limit G] [--accounts N] [--scenario NAME --out F]\n' +
      '       devnet.mjs stop [--state-dir D]\n       devnet.mjs deploy --rpc URL [--out F]');
    process.exit(2);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e.stack || e.message);
    process.exit(1);
  });
}
