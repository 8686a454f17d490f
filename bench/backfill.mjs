// bench/backfill.mjs - index N devnet events and compare with the floor.
//
//   cd tests && node ../bench/backfill.mjs [--events 100000] [--max-range 10000]
//
// Prints, from one run on this machine: arbiusd's wall time for
// `scan --from deploy --to head`, events/s, RPC requests per 1,000 events
// (counted by a pass-through proxy), and the floor: the time the node itself
// takes to answer the same kind of requests (eth_getLogs over the same
// ranges, the block headers and the calldata, batched as arbiusd batches
// them), issued back to back by this script.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startDevnet } from '../tests/devnet/devnet.mjs';
import { runScenario } from '../tests/devnet/driver.mjs';
import { Rpc } from '../tests/devnet/lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = process.env.ARBIUSD_BIN || path.join(ROOT, 'build/arbiusd');
const arg = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? Number(process.argv[i + 1]) : d; };
const argStr = (k) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : null; };
const JSON_OUT = argStr('json'); // write the figures here too (bench/report.mjs)
const EVENTS = arg('events', 100000);
const MAX_RANGE = arg('max-range', 10000);
const BATCH = 50;
const hex = (n) => '0x' + n.toString(16);

function run(args) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => resolve({ code, err }));
  });
}

const net = await startDevnet({});
try {
  const t0 = Date.now();
  await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'bulk', opts: { events: EVENTS }, log: () => {} });
  const genMs = Date.now() - t0;
  const rpc = new Rpc(net.rpcUrl);
  const head = Number(BigInt(await rpc.call('eth_blockNumber')));
  const from = net.deploy.start_block;
  const c = net.deploy.contracts;

  // arbiusd straight against the node; it counts its own requests.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arbiusd-bench-'));
  const ini = path.join(dir, 'a.ini');
  fs.writeFileSync(ini, `[database]\npath = ${dir}/a.db\n[chain]\nrpc_urls = ${net.rpcUrl}\nchain_id = ${net.deploy.chain_id}\n` +
    `engine = ${c.engine}\ntoken = ${c.token}\nrouter = ${c.router}\nstart_block = ${from}\nmax_range = ${MAX_RANGE}\nrpc_timeout = 300\n`);
  const t1 = process.hrtime.bigint();
  const r = await run(['--config', ini, 'scan', '--quiet', '--from', String(from), '--to', String(head)]);
  const arbMs = Number(process.hrtime.bigint() - t1) / 1e6;
  if (r.code !== 0) throw new Error(`scan failed: ${r.err}`);
  const counters = JSON.parse(execFileSync('sqlite3', [`${dir}/a.db`, 'SELECT json FROM rpc_stats'], { encoding: 'utf8' }));
  const requests = counters.reduce((a, e) => a + e.requests, 0);
  const events = Number(execFileSync('sqlite3', [`${dir}/a.db`, 'SELECT events FROM totals'], { encoding: 'utf8' }).trim());

  // The floor: the same requests straight to the node, back to back.
  const t2 = process.hrtime.bigint();
  const topicEngine = '0x000000000000000000000000' + c.engine.slice(2);
  const txs = new Set();
  const blocks = new Set();
  for (let a = from; a <= head; a += MAX_RANGE) {
    const b = Math.min(head, a + MAX_RANGE - 1);
    const [logs, transfers] = await rpc.batch([
      ['eth_getLogs', [{ fromBlock: hex(a), toBlock: hex(b), address: [c.engine, c.router] }]],
      ['eth_getLogs', [{ fromBlock: hex(a), toBlock: hex(b), address: c.token,
        topics: ['0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef', topicEngine] }]],
    ]);
    for (const l of logs.concat(transfers)) { blocks.add(l.blockNumber); txs.add(l.transactionHash); }
    blocks.add(hex(b));
  }
  const bl = [...blocks];
  for (let i = 0; i < bl.length; i += BATCH) await rpc.batch(bl.slice(i, i + BATCH).map((n) => ['eth_getBlockByNumber', [n, false]]));
  const tl = [...txs];
  for (let i = 0; i < tl.length; i += BATCH) await rpc.batch(tl.slice(i, i + BATCH).map((h) => ['eth_getTransactionByHash', [h]]));
  const floorMs = Number(process.hrtime.bigint() - t2) / 1e6;

  const cpu = os.cpus()[0]?.model || 'unknown cpu';
  const row = (k, v) => console.log(`${k.padEnd(34)} ${v}`);
  console.log(`bench/backfill: ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
  row('workload', `${events} events in blocks ${from}-${head} (generated in ${(genMs / 1000).toFixed(1)} s)`);
  row('arbiusd wall time', `${(arbMs / 1000).toFixed(2)} s`);
  row('arbiusd events/s', `${Math.round(events / (arbMs / 1000))}`);
  row('RPC HTTP requests / 1,000 events', `${(requests * 1000 / events).toFixed(2)} (${requests} requests)`);
  row('node floor (same requests)', `${(floorMs / 1000).toFixed(2)} s`);
  row('arbiusd / floor', `${(arbMs / floorMs).toFixed(2)}x (goal <= 1.5x)`);
  if (JSON_OUT) {
    fs.writeFileSync(JSON_OUT, JSON.stringify({
      events, from_block: from, to_block: head, blocks: head - from + 1, generate_ms: genMs, max_range: MAX_RANGE,
      arbiusd_ms: arbMs, events_per_s: events / (arbMs / 1000), requests, requests_per_1000: (requests * 1000) / events,
      floor_ms: floorMs, ratio: arbMs / floorMs,
    }, null, 1));
  }
  fs.rmSync(dir, { recursive: true, force: true });
} finally {
  await net.stop();
}
