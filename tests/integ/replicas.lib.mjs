// replicas.lib.mjs - the scale-out recipe of README.md ("Scaling out with
// read-only replicas") assembled from its real parts, for
// integ/replicas.test.mjs and bench/replicas.mjs: a writer `serve`,
// Litestream replicating its database (contrib/litestream.yml), read-only
// replicas refreshed by contrib/arbiusd-replica-sync.sh, and HAProxy
// (contrib/haproxy.cfg) health-checking /ready.  The contrib files are used
// as they are, with only their host paths, ports and check interval
// rewritten (each rewrite must match, so a changed file fails loudly).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { devnetConfig } from './chain.mjs';
import { BIN, ROOT, startDaemon, waitFor } from './harness.mjs';

export const LITESTREAM = path.join(ROOT, 'tests/node_modules/@flydotio/litestream-linux-x64/litestream');
export const SYNC_SCRIPT = path.join(ROOT, 'contrib/arbiusd-replica-sync.sh');
export const HAPROXY = process.env.HAPROXY || '/usr/sbin/haproxy';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A port free on 127.0.0.1 now (the replicas need fixed ports: HAProxy's
// configuration names them, and a restarted replica must come back there).
export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// Runs a command to completion without blocking the event loop.
export function run(cmd, args, { env = {}, timeoutMs = 60000 } = {}) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (code, signal) => { clearTimeout(t); resolve({ code, signal, stdout, stderr }); });
  });
}

// A long-running child with its output kept; stop() ends it by its pid.
export function startProc(cmd, args, { env = {} } = {}) {
  const proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((res) => proc.on('exit', (code, sig) => res({ code, sig })));
  return {
    proc,
    get output() { return out; },
    exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

function rewrite(text, from, to, what) {
  if (!text.includes(from)) throw new Error(`${what}: "${from}" not found: the contrib file changed`);
  return text.split(from).join(to);
}

// contrib/litestream.yml with the writer's database and replica directory.
export function litestreamConfig(dir, dbPath, replicaDir) {
  let t = fs.readFileSync(path.join(ROOT, 'contrib/litestream.yml'), 'utf8');
  t = rewrite(t, 'path: /var/lib/arbiusd/arbiusd.db', `path: ${dbPath}`, 'litestream.yml');
  t = rewrite(t, 'path: /var/lib/arbiusd/litestream', `path: ${replicaDir}`, 'litestream.yml');
  const file = path.join(dir, 'litestream.yml');
  fs.writeFileSync(file, t);
  return file;
}

// contrib/haproxy.cfg listening on port, with the replicas and the writer
// on 127.0.0.1 and a check interval of interMs.
export function haproxyConfig(dir, { port, replicaPorts, writerPort, interMs }) {
  let t = fs.readFileSync(path.join(ROOT, 'contrib/haproxy.cfg'), 'utf8');
  t = rewrite(t, 'bind 127.0.0.1:8080', `bind 127.0.0.1:${port}`, 'haproxy.cfg');
  replicaPorts.forEach((p, i) => {
    t = rewrite(t, `replica${i + 1}.internal:8080`, `127.0.0.1:${p}`, 'haproxy.cfg');
  });
  t = rewrite(t, 'writer.internal:8080', `127.0.0.1:${writerPort}`, 'haproxy.cfg');
  t = rewrite(t, 'inter 2s', `inter ${interMs}ms`, 'haproxy.cfg');
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, t);
  return file;
}

// Config of a daemon of the recipe: the devnet chain (pages name the same
// contracts as the writer's), no IPFS monitor, no per-IP rate limits (every
// request of the load generator comes from one address).
export function recipeConfig(dir, deploy, rpcUrl, { port, dbPath, server = {} }) {
  return devnetConfig(dir, deploy, rpcUrl, {
    server: { listen: `127.0.0.1:${port}`, trusted_proxies: '127.0.0.1', ...server },
    database: { path: dbPath },
    ipfs: { monitor: 'off' },
    ratelimit: { page: 'off', api: 'off', static: 'off', stream: 'off' },
  });
}

// A replica: its own directory and database file, a fixed port, the sync
// job run every syncMs by this process (the systemd timer's part), and
// `serve --read-only`.
export class Replica {
  constructor({ name, dir, port, replicaUrl, deploy, rpcUrl, server, syncMs }) {
    Object.assign(this, { name, dir, port, replicaUrl, syncMs });
    fs.mkdirSync(dir, { recursive: true });
    this.dbPath = path.join(dir, 'arbiusd.db');
    this.cfg = recipeConfig(dir, deploy, rpcUrl, { port, dbPath: this.dbPath, server });
    this.url = `http://127.0.0.1:${port}`;
    this.syncs = 0;
    this.syncErrors = [];
    this.restoreMs = [];
    this.daemon = null;
    this.loop = null;
  }

  // One run of contrib/arbiusd-replica-sync.sh.
  async syncOnce() {
    const r = await run(SYNC_SCRIPT, [], {
      env: { ARBIUSD_REPLICA_URL: this.replicaUrl, ARBIUSD_DB: this.dbPath, LITESTREAM },
    });
    if (r.code === 0) {
      this.syncs++;
      // "... replaced (N bytes, M ms)": how long the restore and swap took.
      const m = / (\d+) ms\)$/m.exec(r.stdout);
      if (m) this.restoreMs.push(Number(m[1]));
    } else {
      this.syncErrors.push(`${r.code}: ${r.stderr}`);
    }
    return r;
  }

  startSync() {
    if (this.loop) return;
    this.syncing = true;
    this.loop = (async () => {
      while (this.syncing) {
        const t0 = Date.now();
        await this.syncOnce();
        await sleep(Math.max(0, this.syncMs - (Date.now() - t0)));
      }
    })();
  }

  async stopSync() {
    this.syncing = false;
    await this.loop;
    this.loop = null;
  }

  async start(env = {}) {
    this.daemon = await startDaemon({ configFile: this.cfg.file, args: ['--read-only'], env });
    return this.daemon;
  }

  // /ready's JSON, with the HTTP status as `http`.
  async ready() {
    const r = await fetch(`${this.url}/ready`);
    return { ...(await r.json()), http: r.status };
  }
}

// The writer's indexed block, as its /ready says.
export async function indexedOf(url) {
  const r = await fetch(`${url}/ready`);
  return (await r.json()).indexed_block;
}

// Waits until the daemon at url has indexed at least block.
export function waitIndexed(url, block, timeoutMs = 60000) {
  return waitFor(async () => (await indexedOf(url)) >= block, { timeoutMs, what: `${url} indexed ${block}` });
}

export { BIN };
