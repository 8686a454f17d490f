// chain.mjs - helpers for tests that run arbiusd against the devnet.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { runCli, testConfig } from './harness.mjs';

// A config pointing arbiusd at the devnet (or at a proxy in front of it).
export function devnetConfig(dir, deploy, rpcUrl, extra = {}) {
  return testConfig(dir, {
    ...extra,
    chain: {
      rpc_urls: rpcUrl,
      chain_id: deploy.chain_id,
      engine: deploy.contracts.engine,
      token: deploy.contracts.token,
      router: deploy.contracts.router,
      start_block: deploy.start_block,
      confirmations: 2,
      poll_interval: 1,
      rpc_timeout: 5,
      max_range: 500,
      ...(extra.chain || {}),
    },
  });
}

// Rows of a query as objects (sqlite3 -json prints nothing for no rows).
export function sql(dbPath, query) {
  const out = execFileSync('sqlite3', ['-json', dbPath, query], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return out.trim() ? JSON.parse(out) : [];
}

// Every table that must equal a clean index of the same chain.
export const CONTENT_TABLES = {
  tasks: 'id', solutions: 'task', commitments: 'block, log_index', contestations: 'task',
  votes: 'block, log_index', stake_events: 'block, log_index', payouts: 'block, log_index',
  transfers: 'block, log_index', incentives: 'block, log_index', other_events: 'block, log_index',
  models: 'id', model_changes: 'block, log_index', daily: 'day, model', users: 'address',
  miners: 'address', totals: 'id', daily_users: 'day, address',
  earnings: 'block, log_index, part', earnings_totals: 'address, role, era',
  miner_daily: 'address, day, model', miner_latency: 'address, kind, day, secs',
};

export function dumpContent(dbPath) {
  const out = {};
  for (const [t, order] of Object.entries(CONTENT_TABLES)) {
    const cols = t === 'tasks' ? "id, model, fee, fee_aius, owner, sender, version, hex(input) AS input, input_json, prompt, input_flags, cid, via, bulk_size, automine, retracted, hidden, block, log_index, tx, time"
      : t === 'models' ? "id, addr, fee, rate, hex(template) AS template, template_json, output_file, output_type, title, cid, block, log_index, tx, time" : '*';
    out[t] = sql(dbPath, `SELECT ${cols} FROM ${t} ORDER BY ${order}`);
  }
  return out;
}

// Indexes [from, to] into a fresh database with `arbiusd scan` and returns its path.
export function freshIndex(dir, deploy, rpcUrl, to, name = 'fresh') {
  const sub = path.join(dir, name);
  execFileSync('mkdir', ['-p', sub]);
  const cfg = devnetConfig(sub, deploy, rpcUrl);
  const r = runCli(['--config', cfg.file, 'scan', '--quiet', '--from', String(deploy.start_block), '--to', String(to)], { timeout: 300000 });
  if (r.code !== 0) throw new Error(`fresh scan failed (${r.code}):\n${r.stderr}`);
  return cfg.dbPath;
}

export function status(dbPath) {
  return sql(dbPath, 'SELECT * FROM scan_state')[0];
}
