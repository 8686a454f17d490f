// harness.mjs - start the real arbiusd binary for integration tests.
//
// startDaemon() writes a config file into a fresh temporary directory, runs
// `arbiusd --config FILE serve` listening on port 0, and resolves once the
// daemon logs the port it bound.  stop() sends a signal and resolves with the
// exit code.  runCli() runs one command and captures everything.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.ARBIUSD_BIN || path.join(ROOT, 'build/arbiusd');

export function tmpDir(prefix = 'arbiusd-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// INI text from {section: {key: value}}.
export function iniText(sections) {
  let out = '';
  for (const [sec, kv] of Object.entries(sections)) {
    out += `[${sec}]\n`;
    for (const [k, v] of Object.entries(kv)) out += `${k} = ${v}\n`;
  }
  return out;
}

// A config for tests: port 0, database in dir, templates/static of the repo.
export function testConfig(dir, extra = {}) {
  const base = {
    server: { listen: '127.0.0.1:0', templates: path.join(ROOT, 'templates'),
              static: path.join(ROOT, 'static'), threads: 2 },
    database: { path: path.join(dir, 'arbiusd.db') },
    chain: { rpc_urls: 'http://127.0.0.1:9', poll_interval: 1 },
    log: { level: 'info' },
  };
  for (const [sec, kv] of Object.entries(extra)) base[sec] = { ...(base[sec] || {}), ...kv };
  const file = path.join(dir, 'arbiusd.ini');
  fs.writeFileSync(file, iniText(base));
  return { file, dbPath: base.database.path, sections: base };
}

export function runCli(args, opts = {}) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: opts.timeout || 60000,
                                    env: { ...process.env, ...(opts.env || {}) },
                                    cwd: opts.cwd || ROOT });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export function startDaemon({ configFile, args = [], env = {}, cwd = ROOT, timeoutMs = 20000 }) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, ['--config', configFile, 'serve', ...args],
                       { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let done = false;
    const exited = new Promise((res) => proc.on('exit', (code, sig) => res({ code, sig })));
    const timer = setTimeout(() => {
      if (!done) { done = true; proc.kill('SIGKILL'); reject(new Error(`daemon did not start:\n${stderr}`)); }
    }, timeoutMs);
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => {
      stderr += d;
      const m = /http: listening on (\S+):(\d+)/.exec(stderr);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        const host = m[1].replace(/^\[|\]$/g, '');
        const port = Number(m[2]);
        const d0 = {
          proc, port, host,
          url: `http://${m[1]}:${port}`,
          get stderr() { return stderr; },
          get stdout() { return stdout; },
          exited,
          async stop(signal = 'SIGTERM', waitMs = 20000) {
            if (proc.exitCode !== null || proc.signalCode !== null) return exited;
            proc.kill(signal);
            const t = setTimeout(() => proc.kill('SIGKILL'), waitMs);
            const r = await exited;
            clearTimeout(t);
            return r;
          },
        };
        resolve(d0);
      }
    });
    proc.on('exit', (code) => {
      if (!done) { done = true; clearTimeout(timer); reject(new Error(`daemon exited ${code}:\n${stderr}`)); }
    });
  });
}

// Polls fn until it returns a truthy value or the deadline passes.
export async function waitFor(fn, { timeoutMs = 30000, intervalMs = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

// A raw HTTP/1.1 request with the path sent exactly as given (fetch would
// normalise "/static/../x" before sending it).
export async function rawGet(host, port, rawPath) {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host, () => {
      s.write(`GET ${rawPath} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    s.on('data', (d) => { data += d; });
    s.on('end', () => {
      const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(data)?.[1]);
      resolve({ status, text: data });
    });
    s.on('error', reject);
  });
}

// runCli without blocking the event loop: needed when the test process
// itself serves the daemon's peers (the fault proxy, the gateway stub).
export function runCliAsync(args, opts = {}) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { env: { ...process.env, ...(opts.env || {}) }, cwd: opts.cwd || ROOT,
                                 stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const t = setTimeout(() => p.kill('SIGKILL'), opts.timeout || 60000);
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    // 'close', not 'exit': exit can come before the last stdout/stderr data.
    p.on('close', (code, signal) => { clearTimeout(t); resolve({ code, signal, stdout, stderr }); });
  });
}
