// foundation.test.mjs - the real binary: serve, pages, static files, errors,
// graceful stop; CLI, configuration and database failures.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';

import { ROOT, rawGet, runCli, startDaemon, testConfig, tmpDir, waitFor } from './harness.mjs';

test('serve: health, a page, static, 404s, traversal, SIGTERM exit 0', async () => {
  const dir = tmpDir();
  const cfg = testConfig(dir);
  const d = await startDaemon({ configFile: cfg.file });
  try {
    const h = await fetch(`${d.url}/health`);
    assert.equal(h.status, 200);
    assert.match(h.headers.get('content-type'), /application\/json/);
    const hj = await h.json();
    assert.equal(hj.status, 'ok');
    assert.equal(hj.database, 'ok');

    const home = await fetch(`${d.url}/`);
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type'), /text\/html/);
    assert.match(home.headers.get('content-security-policy'), /default-src 'self'/);
    assert.equal(home.headers.get('x-content-type-options'), 'nosniff');
    const html = await home.text();
    assert.match(html, /<title>Arbius index · arbiusd<\/title>/);
    // The layout links the content-hashed name (immutable; see ops.test.mjs).
    assert.match(html, /<link rel="stylesheet" href="\/static\/style\.[0-9a-f]{10}\.css">/);

    const css = await fetch(`${d.url}/static/style.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type'), /^text\/css/);
    assert.match(css.headers.get('cache-control'), /max-age=/);
    const etag = css.headers.get('etag');
    assert.ok(etag, 'static files carry an ETag');
    const body = await css.text();
    assert.equal(body, fs.readFileSync(path.join(ROOT, 'static/style.css'), 'utf8'));
    const again = await fetch(`${d.url}/static/style.css`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    const svg = await fetch(`${d.url}/static/favicon.svg`);
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');

    const missing = await fetch(`${d.url}/no/such/page`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type'), /text\/html/);
    assert.match(await missing.text(), /Not found/);
    const apiMissing = await fetch(`${d.url}/api/v1/nothing-here`);
    assert.equal(apiMissing.status, 404);
    const aj = await apiMissing.json();
    assert.equal(aj.error.code, 404);
    assert.equal(typeof aj.error.message, 'string');

    const wrongMethod = await fetch(`${d.url}/health`, { method: 'POST', body: 'x' });
    assert.equal(wrongMethod.status, 405);

    // Traversal attempts, sent byte for byte: none may escape static/.
    for (const p of ['/static/../config.example.ini', '/static/%2e%2e/Makefile',
                     '/static/..%2fMakefile', '/static/./style.css', '/static//etc/passwd',
                     '/static/.hidden', '/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd']) {
      const r = await rawGet(d.host, d.port, p);
      assert.ok(r.status === 404 || r.status === 400, `${p} answered ${r.status}`);
      assert.doesNotMatch(r.text, /root:|\[server\]|PKGS/, `${p} leaked a file`);
    }
  } finally {
    const { code } = await d.stop('SIGTERM');
    assert.equal(code, 0, `exit code after SIGTERM; log:\n${d.stderr}`);
  }
  assert.match(d.stderr, /received SIGTERM, shutting down/);
  // The port is released: we can bind it again at once.
  await new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(d.port, '127.0.0.1', () => s.close(resolve));
  });
  // WAL checkpointed at exit: the -wal file is empty or gone.
  const wal = `${cfg.dbPath}-wal`;
  assert.ok(!fs.existsSync(wal) || fs.statSync(wal).size === 0, 'WAL not checkpointed');
});

test('SIGINT also stops with exit 0', async () => {
  const dir = tmpDir();
  const cfg = testConfig(dir);
  const d = await startDaemon({ configFile: cfg.file });
  const { code } = await d.stop('SIGINT');
  assert.equal(code, 0);
});

test('serve --read-only serves an existing database without a scanner', async () => {
  const dir = tmpDir();
  const cfg = testConfig(dir);
  const m = runCli(['--config', cfg.file, 'migrate']);
  assert.equal(m.code, 0, m.stderr);
  const d = await startDaemon({ configFile: cfg.file, args: ['--read-only'] });
  try {
    // The line after "listening on" may arrive in a later chunk.
    await waitFor(() => /read-only, no scanner/.test(d.stderr), { timeoutMs: 5000, what: 'the read-only line' });
    const h = await fetch(`${d.url}/health`);
    assert.equal(h.status, 200);
  } finally {
    assert.equal((await d.stop()).code, 0);
  }
});

test('cli: usage errors exit 2 with usage text', () => {
  let r = runCli([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing COMMAND/);
  assert.match(r.stderr, /usage: arbiusd/);
  r = runCli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  r = runCli(['--bogus', 'serve']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option '--bogus'/);
  r = runCli(['serve', '--bogus']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /arbiusd serve: unknown option '--bogus'/);
  r = runCli(['version', 'extra']);
  assert.equal(r.code, 2);
  r = runCli(['--config']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--config needs a FILE/);
});

test('cli: --help for the program and for each command', () => {
  let r = runCli(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['serve', 'scan', 'migrate', 'version', 'task', 'status']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
  for (const c of ['serve', 'migrate', 'version', 'scan', 'task', 'status']) {
    r = runCli([c, '--help']);
    assert.equal(r.code, 0, c);
    assert.match(r.stdout, new RegExp(`usage: arbiusd \\[--config FILE\\] ${c}`));
  }
  r = runCli(['version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^arbiusd \S+ \(schema \d+, sqlite 3\./);
});

test('config errors stop startup with file:line: key: reason, exit 3', () => {
  const dir = tmpDir();
  const bad = path.join(dir, 'bad.ini');
  fs.writeFileSync(bad, '[server]\nlisten = 127.0.0.1:8080\n\n[chain]\nengine = 0xnope\n');
  let r = runCli(['--config', bad, 'serve']);
  assert.equal(r.code, 3);
  assert.equal(r.stderr.trim(), `arbiusd: ${bad}:5: engine: "0xnope" is not an address (0x and 40 hex digits)`);

  fs.writeFileSync(bad, '[server]\nlisten = 127.0.0.1:8080\nlisen = 1\n');
  r = runCli(['--config', bad, 'serve']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, new RegExp(`${bad}:3: lisen: unknown key in \\[server\\]`));

  r = runCli(['--config', path.join(dir, 'missing.ini'), 'serve']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /missing\.ini:0: config: cannot open: No such file or directory/);

  r = runCli(['serve'], { env: { ARBIUSD_SERVER_LISTEN: 'localhost' } });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /env:ARBIUSD_SERVER_LISTEN: listen: expected host:port/);
});

test('environment overrides reach the daemon', async () => {
  const dir = tmpDir();
  const cfg = testConfig(dir);
  const r = runCli(['--config', cfg.file, 'config'], { env: { ARBIUSD_CHAIN_CONFIRMATIONS: '77' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\nconfirmations = 77\n/);
  assert.match(r.stdout, /\nlisten = 127\.0\.0\.1:0\n/);
});

test('migrate applies and reports; a newer database is refused', () => {
  const dir = tmpDir();
  const cfg = testConfig(dir);
  let r = runCli(['--config', cfg.file, 'migrate']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /migrated schema from version 0 to \d+/);
  const latest = Number(/to (\d+)/.exec(r.stdout)[1]);
  r = runCli(['--config', cfg.file, 'migrate']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, new RegExp(`schema at version ${latest}, up to date`));
  const tables = execFileSync('sqlite3', [cfg.dbPath, "SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name"], { encoding: 'utf8' });
  for (const t of ['tasks', 'solutions', 'scan_state', 'coverage', 'blocks']) assert.match(tables, new RegExp(`^${t}$`, 'm'));
  assert.equal(execFileSync('sqlite3', [cfg.dbPath, 'PRAGMA journal_mode'], { encoding: 'utf8' }).trim(), 'wal');

  execFileSync('sqlite3', [cfg.dbPath, `PRAGMA user_version = ${latest + 5}`]);
  for (const cmd of [['migrate'], ['serve'], ['status']]) {
    r = runCli(['--config', cfg.file, ...cmd]);
    assert.equal(r.code, 4, `${cmd}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`schema version ${latest + 5} is newer than this binary \\(knows up to ${latest}\\)`));
  }
});

test('a corrupt database file is refused with exit 4', () => {
  const dir = tmpDir();
  const cfg = testConfig(dir);
  fs.writeFileSync(cfg.dbPath, 'this is not a database, just some text that is long enough '.repeat(100));
  for (const cmd of [['migrate'], ['serve']]) {
    const r = runCli(['--config', cfg.file, ...cmd]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /not a usable SQLite database: file is not a database/);
  }
});
