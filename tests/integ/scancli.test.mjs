// scancli.test.mjs - `arbiusd scan` modes, exit codes, progress, and the
// flags hostile chain data leaves in the index.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { Rpc } from '../devnet/lib.mjs';
import { devnetConfig, sql, status } from './chain.mjs';
import { BIN, runCliAsync, tmpDir } from './harness.mjs';

let net;
let truth;
let head;

before(async () => {
  net = await startDevnet({});
  truth = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: () => {} });
  head = Number(BigInt(await new Rpc(net.rpcUrl).call('eth_blockNumber')));
});

after(async () => {
  await net?.stop();
});

test('scan: usage errors exit 2', async () => {
  const cfg = devnetConfig(tmpDir(), net.deploy, net.rpcUrl);
  for (const [args, re] of [
    [[], /give exactly one of/],
    [['--blocks', '5', '--minutes', '3'], /give exactly one of/],
    [['--from', '5'], /give exactly one of/],
    [['--blocks', 'many'], /--blocks needs a whole number, got 'many'/],
    [['--blocks', '0'], /empty range/],
    [['--from', '9', '--to', '3'], /empty range/],
    [['--bogus'], /unknown option '--bogus'/],
  ]) {
    const r = await runCliAsync(['--config', cfg.file, 'scan', ...args]);
    assert.equal(r.code, 2, `${args}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test('scan --blocks N indexes exactly the last N blocks', async () => {
  const cfg = devnetConfig(tmpDir(), net.deploy, net.rpcUrl);
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--blocks', '10']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`scanned blocks ${head - 9}-${head}`));
  const want = truth.tasks.filter((t) => t.block > head - 10).length;
  assert.equal(sql(cfg.dbPath, 'SELECT count(*) AS n FROM tasks')[0].n, want);
  const cov = sql(cfg.dbPath, 'SELECT from_block, to_block FROM coverage');
  assert.deepEqual(cov, [{ from_block: head - 9, to_block: head }]);
});

test('scan --minutes N uses block timestamps', async () => {
  const cfg = devnetConfig(tmpDir(), net.deploy, net.rpcUrl);
  // Every devnet block was mined within the last few minutes of wall time,
  // so the first block at or after now-N minutes is found by timestamp.
  const rpc = new Rpc(net.rpcUrl);
  const now = Math.floor(Date.now() / 1000);
  const minutes = 60 * 24 * 365 * 30; // longer than the chain: from block 0
  let r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--minutes', String(minutes)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(status(cfg.dbPath).indexed_block, head);
  // And a window that ends before the chain starts scans from the first
  // block whose timestamp is inside it.
  const last = await rpc.call('eth_getBlockByNumber', ['latest', false]);
  const lastTime = Number(BigInt(last.timestamp));
  const cfg2 = devnetConfig(tmpDir(), net.deploy, net.rpcUrl);
  const m = Math.max(1, Math.ceil((now - lastTime) / 60) + 1);
  r = await runCliAsync(['--config', cfg2.file, 'scan', '--minutes', String(m)]);
  assert.equal(r.code, 0, r.stderr);
  const from = Number(/scanned blocks (\d+)-/.exec(r.stdout)[1]);
  const fb = await rpc.call('eth_getBlockByNumber', ['0x' + from.toString(16), false]);
  assert.ok(Number(BigInt(fb.timestamp)) >= now - m * 60 - 5, 'first block is inside the window');
  if (from > 0) {
    const pb = await rpc.call('eth_getBlockByNumber', ['0x' + (from - 1).toString(16), false]);
    assert.ok(Number(BigInt(pb.timestamp)) < now - m * 60 + 60, 'the block before is older');
  }
});

test('scan --deep-scan recovers rows lost from the index', async () => {
  const cfg = devnetConfig(tmpDir(), net.deploy, net.rpcUrl);
  let r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(net.deploy.start_block), '--to', String(head)]);
  assert.equal(r.code, 0, r.stderr);
  const before = sql(cfg.dbPath, 'SELECT count(*) AS n FROM votes')[0].n;
  assert.ok(before > 0);
  execFileSync('sqlite3', [cfg.dbPath, 'DELETE FROM votes; UPDATE totals SET events = events - changes()']);
  r = await runCliAsync(['--config', cfg.file, 'scan', '--deep-scan']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /every indexed range re-read/);
  assert.equal(sql(cfg.dbPath, 'SELECT count(*) AS n FROM votes')[0].n, before);
});

test('scan on a terminal prints a progress line', async () => {
  const cfg = devnetConfig(tmpDir(), net.deploy, net.rpcUrl, { chain: { max_range: 10 } });
  const cmd = `${BIN} --config ${cfg.file} scan --from ${net.deploy.start_block} --to ${head}`;
  const out = await new Promise((resolve) => {
    import('node:child_process').then(({ execFile }) => {
      execFile('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' }, (err, stdout) => resolve({ err, stdout }));
    });
  });
  assert.equal(out.err, null);
  assert.match(out.stdout, /scan: block \d+ of \d+ \([\d.]+%\)\s+\d+ blocks\/s\s+\d+ events\/s\s+\d+ events\s+ETA \d+s/);
});

test('hostile chain data is stored and flagged, never dropped', async () => {
  const cfg = devnetConfig(tmpDir(), net.deploy, net.rpcUrl);
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(net.deploy.start_block), '--to', String(head)]);
  assert.equal(r.code, 0, r.stderr);
  const rows = sql(cfg.dbPath, 'SELECT id, input_flags, prompt IS NOT NULL AS has_prompt, length(input) AS len FROM tasks');
  const byId = new Map(rows.map((x) => [x.id, x]));
  for (const t of truth.tasks) {
    const got = byId.get(t.id.toLowerCase());
    assert.ok(got, `task ${t.id} kept`);
    assert.equal(got.len, t.input_len, 'raw input kept byte for byte');
    if (t.input_utf8 === null) assert.ok(got.input_flags & 0x04, `invalid UTF-8 flagged for ${t.id}`);
    else {
      let json = null;
      try { json = JSON.parse(t.input_utf8); } catch { /* not JSON */ }
      if (json === null) assert.ok(got.input_flags & 0x02, `not-JSON flagged for ${t.id}`);
      else if (typeof json !== 'object' || Array.isArray(json)) assert.ok(got.input_flags & 0x08);
      else if (typeof json.prompt !== 'string') assert.ok(got.input_flags & 0x10, `no prompt flagged for ${t.id}`);
      else assert.equal(got.has_prompt, 1);
    }
  }
  const bad = truth.solutions.filter((s) => s.cid_qm === null);
  assert.ok(bad.length > 0, 'the scenario has a malformed cid');
  for (const s of bad) {
    const got = sql(cfg.dbPath, `SELECT cid, cid_text, cid_flags FROM solutions WHERE task = '${s.task.toLowerCase()}'`)[0];
    assert.equal(got.cid, s.cid.toLowerCase(), 'raw cid bytes kept');
    assert.equal(got.cid_text, null);
    assert.ok(got.cid_flags & 0x02, 'flagged invalid');
  }
});
