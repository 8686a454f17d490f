// bench/ipfs.mjs - figures of the IPFS monitor.
//
//   cd tests && node ../bench/ipfs.mjs [--cids 5000] [--scale 1000000]
//
// 1. Throughput: a synthetic index of --cids solutions, one local gateway
//    stub serving every CID, `arbiusd ipfs` (HEAD + ranged GET per CID) at
//    [ipfs] concurrency 4 and 16: checks/s and CIDs/s.
// 2. Scale: --scale solutions and as many ipfs_cids rows, 4 checks each;
//    wall time (sqlite3 CLI, process start included) of the monitor's own
//    queries: first-start discovery (all rows), the per-poll incremental
//    discovery (lookback window, nothing new), the due query and the
//    /api/v1/status counts (ipfs_counts_json's queries).
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { machine } from './lib.mjs';
import { startGateway } from '../tests/devnet/gateway.mjs';
import { BIN, runCliAsync, testConfig, tmpDir } from '../tests/integ/harness.mjs';

const opt = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const CIDS = Number(opt('cids', 5000));
const SCALE = Number(opt('scale', 1000000));

const sqlite = (db, sql) => execFileSync('sqlite3', [db], { input: sql, encoding: 'utf8', maxBuffer: 1 << 26 });
const timed = (db, sql) => { const t = process.hrtime.bigint(); const out = sqlite(db, sql); return [Number(process.hrtime.bigint() - t) / 1e6, out.trim()]; };

// N tasks + solutions with distinct valid-looking CIDv0 texts (base58 has
// no '0': zero digits become 'z').
function fill(db, n) {
  sqlite(db, `PRAGMA journal_mode=WAL;
BEGIN;
INSERT INTO models (id, output_file, output_type) VALUES ('m', 'out-1.png', 'image');
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${n})
INSERT INTO tasks (id, model, fee, fee_aius, owner, sender, block, log_index, tx, time)
  SELECT printf('0x%064x', i), 'm', '0', 0, 'o', 'o', i, 0, 'x', i FROM k;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${n})
INSERT INTO solutions (task, validator, cid_text, block, log_index, tx, time)
  SELECT printf('0x%064x', i), 'v', 'Qm' || replace(printf('%044d', i), '0', 'z'), i, 1, 'y', i FROM k;
COMMIT;`);
}

function freshDb(n) {
  const dir = tmpDir('arbiusd-bench-ipfs-');
  const cfg = testConfig(dir);
  execFileSync(BIN, ['--config', cfg.file, 'migrate'], { stdio: 'ignore' });
  const t = Date.now();
  fill(cfg.dbPath, n);
  return { dir, cfg, buildMs: Date.now() - t };
}

console.log(`machine: ${machine()}`);

// ---- 1. throughput ----
const gw = await startGateway({ port: 0, default: 'present' });
const { dir, cfg } = freshDb(CIDS);
for (const conc of (opt("conc", "4,16")).split(",").map(Number)) {
  sqlite(cfg.dbPath, 'DELETE FROM ipfs_checks; DELETE FROM ipfs_cids;');
  const c = testConfig(dir, { database: { path: cfg.dbPath }, ipfs: { gateways: gw.url, concurrency: conc, bandwidth: 0 } });
  const t = Date.now();
  const r = await runCliAsync(['--config', c.file, 'ipfs'], { timeout: 600000 });
  const ms = Date.now() - t;
  if (r.code !== 0) throw new Error(r.stderr);
  const m = /checked (\d+) CIDs .* \((\d+) requests, ([\d.]+) checks\/s, (\d+) bytes/.exec(r.stdout);
  console.log(`throughput: ${m[1]} CIDs, 1 gateway (stub on 127.0.0.1), concurrency ${conc}: ${m[2]} requests in ` +
              `${(ms / 1000).toFixed(1)} s wall: ${m[3]} checks/s, ${(Number(m[1]) / (ms / 1000)).toFixed(0)} CIDs/s, ${m[4]} bytes`);
}
await gw.close();

// ---- 2. scale ----
const big = freshDb(SCALE);
const db = big.cfg.dbPath;
console.log(`scale: ${SCALE} solutions built in ${(big.buildMs / 1000).toFixed(1)} s`);
const discover = (after, upto) => `SELECT count(*) FROM solutions s LEFT JOIN tasks t ON t.id = s.task
  LEFT JOIN models m ON m.id = t.model WHERE s.rowid > ${after} AND s.rowid <= ${upto}
  AND s.cid_text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ipfs_cids c WHERE c.cid = s.cid_text);`;
let [ms, out] = timed(db, `INSERT OR IGNORE INTO ipfs_cids (cid, path, status, first_seen, next_check)
  SELECT s.cid_text, coalesce(m.output_file, ''), 'pending', 0, 0 FROM solutions s
  LEFT JOIN tasks t ON t.id = s.task LEFT JOIN models m ON m.id = t.model WHERE s.cid_text IS NOT NULL;
  SELECT count(*) FROM ipfs_cids;`);
console.log(`scale: first-start discovery of ${out} CIDs (read + insert): ${ms.toFixed(0)} ms`);
[ms, out] = timed(db, discover(0, SCALE));
console.log(`scale: full anti-join re-read, nothing new (${out} found): ${ms.toFixed(0)} ms`);
[ms, out] = timed(db, discover(SCALE - 4096, SCALE));
console.log(`scale: per-poll incremental discovery (4096-row lookback, ${out} found): ${ms.toFixed(1)} ms`);
sqlite(db, `UPDATE ipfs_cids SET status = CASE WHEN rowid % 10 = 0 THEN 'missing' ELSE 'ok' END,
  next_check = CASE WHEN rowid % 10 = 0 THEN rowid ELSE NULL END, attempts = 1;
  WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 3)
  INSERT INTO ipfs_checks (cid, gateway, time, method, http_status, result, latency_ms)
  SELECT c.cid, 'http://g', c.rowid, CASE WHEN k.i % 2 THEN 'GET' ELSE 'HEAD' END, 200,
         CASE WHEN c.rowid % 10 = 0 THEN 'missing' ELSE 'ok' END, 5 FROM ipfs_cids c, k;`);
[ms, out] = timed(db, `SELECT rowid FROM ipfs_cids c WHERE c.next_check <= ${SCALE} AND (c.next_check, c.rowid) > (${SCALE / 2}, 0)
  ORDER BY c.next_check, c.rowid LIMIT 64;`);
console.log(`scale: due query (64 of ${SCALE / 10} missing, keyset mid-way): ${ms.toFixed(1)} ms`);
[ms] = timed(db, "SELECT status, count(*) FROM ipfs_cids GROUP BY status;");
console.log(`scale: naive GROUP BY status over ${SCALE} CIDs: ${ms.toFixed(0)} ms`);
[ms] = timed(db, `SELECT max(rowid) FROM ipfs_cids; ${['pending', 'slow', 'missing', 'error'].map((x) => `SELECT count(*) FROM ipfs_cids WHERE status = '${x}';`).join(' ')}`);
console.log(`scale: ipfs_counts_json's status counts (max(rowid) + non-ok index ranges, ${SCALE / 10} missing): ${ms.toFixed(0)} ms`);
[ms, out] = timed(db, "SELECT result, count(*) FROM ipfs_checks GROUP BY result; SELECT count(*) FROM ipfs_checks;");
console.log(`scale: naive GROUP BY result over ${out.split('\n').pop()} checks: ${ms.toFixed(0)} ms`);
[ms] = timed(db, `SELECT max(id) FROM ipfs_checks; SELECT gateway, result, count(*) FROM (SELECT gateway, result FROM ipfs_checks ORDER BY id DESC LIMIT 10000) GROUP BY gateway, result;`);
console.log(`scale: ipfs_counts_json's check counts (max(id) + newest 10000 by gateway/result): ${ms.toFixed(0)} ms`);
[ms] = timed(db, "SELECT 1;");
console.log(`scale: (sqlite3 process start alone: ${ms.toFixed(1)} ms)`);
void path;
