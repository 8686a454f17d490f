// security.test.mjs - the attacks of docs/SECURITY.md replayed against the
// real daemon: Sign-In with Ethereum bound to the configured site whatever
// the Host header says, a slowloris that cannot starve other clients, a
// request smuggled behind Content-Length + Transfer-Encoding, a query of
// thousands of parameters, NUL and other control bytes in a prompt, a rate
// limited /metrics, and anonymous nonce requests that write nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';

import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';

import { startDevnet } from '../devnet/devnet.mjs';
import { Driver } from '../devnet/driver.mjs';
import { fakeSolutionCid, utf8Hex } from '../devnet/lib.mjs';
import { devnetConfig, sql } from './chain.mjs';
import { runCliAsync, startDaemon, testConfig, tmpDir, waitFor } from './harness.mjs';

const admin = Wallet.createRandom();
const SITE = 'gallery.example.org';
const daemons = [];

async function daemon(extra, args = []) {
  const dir = tmpDir();
  const cfg = testConfig(dir, extra);
  const d = await startDaemon({ configFile: cfg.file, args });
  daemons.push(d);
  d.cfg = cfg; // (a spread would freeze the stderr getter)
  return d;
}

after(async () => {
  for (const d of daemons) await d.stop();
});

// One HTTP request with full control over the headers (Host included).
function request(port, { method = 'GET', path = '/', headers = {}, body, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, localAddress, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { text += c; });
        res.on('end', () => {
          let json = null;
          try { json = JSON.parse(text); } catch { /* not JSON */ }
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
      });
    req.on('error', reject);
    if (body !== undefined) req.end(typeof body === 'string' ? body : JSON.stringify(body));
    else req.end();
  });
}

// Bytes written on a fresh connection; resolves with everything read until
// the server closes it (or `ms` passes).
function raw(port, bytes, ms = 3000) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let data = '';
    const t = setTimeout(() => { s.destroy(); resolve({ data, closed: false }); }, ms);
    s.on('data', (d) => { data += d; });
    s.on('close', () => { clearTimeout(t); resolve({ data, closed: true }); });
    s.on('error', () => {});
  });
}

async function siwe(wallet, port, fields) {
  const n = await request(port, { path: '/api/v1/auth/nonce', headers: fields.host ? { Host: fields.host } : {} });
  assert.equal(n.status, 200, n.text);
  const now = Date.now();
  const text = new SiweMessage({
    address: wallet.address, statement: 'Sign in.', version: '1', chainId: 42161, nonce: n.json.nonce,
    issuedAt: new Date(now - 1000).toISOString(), expirationTime: new Date(now + 600000).toISOString(),
    domain: fields.domain, uri: fields.uri,
  }).prepareMessage();
  return { nonce: n, text, signature: await wallet.signMessage(text) };
}

function verify(port, m, headers = {}) {
  return request(port, { method: 'POST', path: '/api/v1/auth/verify', headers: { 'Content-Type': 'application/json', ...headers },
                         body: { message: m.text, signature: m.signature } });
}

test('sign-in is bound to [server] public_url, never to the Host header', async () => {
  const d = await daemon({ server: { public_url: `https://${SITE}` }, admin: { wallets: admin.address } });
  // The phishing site asks for a nonce with its own Host: the message the
  // server prepares still names the real site.
  const n = await request(d.port, { path: `/api/v1/auth/nonce?address=${admin.address}`, headers: { Host: 'evil.example' } });
  assert.equal(n.status, 200, n.text);
  assert.equal(n.json.domain, SITE);
  assert.equal(n.json.uri, `https://${SITE}`);
  assert.equal(new SiweMessage(n.json.message).domain, SITE);
  // The victim signs what the phishing site shows (its own domain); the
  // attacker relays it with the phishing Host: refused, audited.
  const phished = await siwe(admin, d.port, { host: 'evil.example', domain: 'evil.example', uri: 'https://evil.example/' });
  let r = await verify(d.port, phished, { Host: 'evil.example' });
  assert.equal(r.status, 401, r.text);
  assert.equal(r.json.error.reason, 'domain_mismatch');
  assert.match(r.json.error.message, /evil\.example/);
  assert.equal(r.headers['set-cookie'], undefined);
  const audit = sql(d.cfg.dbPath, "SELECT actor, detail FROM social_audit WHERE action = 'signin_failed' ORDER BY id DESC LIMIT 1")[0];
  assert.equal(audit.actor, admin.address.toLowerCase());
  assert.match(audit.detail, /^domain_mismatch: .*evil\.example/);
  // The real site's domain with a URI elsewhere, or over http: refused.
  for (const uri of ['https://evil.example/', `http://${SITE}/`, `https://${SITE}.evil.example/`]) {
    r = await verify(d.port, await siwe(admin, d.port, { domain: SITE, uri }), { Host: SITE });
    assert.equal(r.status, 401, `${uri}: ${r.text}`);
    assert.equal(r.json.error.reason, 'uri_mismatch');
  }
  // A foreign Origin is refused before anything else.
  r = await verify(d.port, await siwe(admin, d.port, { domain: SITE, uri: `https://${SITE}/` }), { Origin: 'https://evil.example' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.reason, 'origin');
  // A message for the configured site works whatever Host the proxy sends.
  r = await verify(d.port, await siwe(admin, d.port, { domain: SITE, uri: `https://${SITE}/gallery` }),
                   { Host: 'anything.example', Origin: `https://${SITE}` });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.admin, true);
  assert.match(r.headers['set-cookie'][0], /; Secure$/);
});

test('without public_url, sign-in works only for the loopback listen address', async () => {
  const d = await daemon({});
  const me = `127.0.0.1:${d.port}`;
  const n = await request(d.port, { path: '/api/v1/auth/nonce', headers: { Host: 'evil.example' } });
  assert.equal(n.json.domain, me, 'a foreign Host gets the listen address');
  assert.equal((await request(d.port, { path: '/api/v1/auth/nonce', headers: { Host: `localhost:${d.port}` } })).json.domain,
               `localhost:${d.port}`);
  let r = await verify(d.port, await siwe(admin, d.port, { domain: 'evil.example', uri: 'http://evil.example/' }),
                       { Host: 'evil.example' });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.reason, 'domain_mismatch');
  for (const host of [me, `localhost:${d.port}`]) {
    r = await verify(d.port, await siwe(Wallet.createRandom(), d.port, { domain: host, uri: `http://${host}/` }));
    assert.equal(r.status, 200, `${host}: ${r.text}`);
  }
});

test('admins on a public address without public_url: serve refuses to start', async () => {
  const dir = tmpDir();
  const cfg = testConfig(dir, { server: { listen: '0.0.0.0:0' }, admin: { wallets: admin.address } });
  const r = await runCliAsync(['--config', cfg.file, 'serve'], { timeout: 20000 });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /public_url/);
  assert.match(r.stderr, /0\.0\.0\.0:0 is not a loopback address/);
  // Without admins it serves, but sign-in says why it is unavailable.
  const d = await daemon({ server: { listen: '0.0.0.0:0' } });
  const n = await request(d.port, { path: '/api/v1/auth/nonce' });
  assert.equal(n.status, 503);
  assert.equal(n.json.error.reason, 'sign_in_unavailable');
  assert.match(n.json.error.message, /public_url/);
});

test('anonymous nonce requests write nothing to the database', async () => {
  const d = await daemon({ ratelimit: { api: 'off' }, chain: { poll_interval: 3600 } });
  const wal = () => { try { return fs.statSync(`${d.cfg.dbPath}-wal`).size; } catch { return 0; } };
  await request(d.port, { path: '/api/v1/auth/nonce' });
  await new Promise((res) => setTimeout(res, 500));
  const before = wal();
  for (let i = 0; i < 2000; i += 20) {
    await Promise.all(Array.from({ length: 20 }, () => request(d.port, { path: '/api/v1/auth/nonce' })));
  }
  assert.equal(sql(d.cfg.dbPath, 'SELECT count(*) AS n FROM social_nonces')[0].n, 0);
  // (The scanner's own counters may be saved meanwhile: a few pages, not
  // the megabytes 2,000 nonce rows took.)
  assert.ok(wal() - before < 64 * 1024, `WAL grew by ${wal() - before} bytes`);
});

test('slowloris: one address cannot take every connection, headers have a deadline', async () => {
  const d = await daemon({ server: { max_connections: 200, header_timeout: 2 }, log: { summary_interval: 2 } });
  // 260 connections from 127.0.0.1 that send a header line every second
  // and never finish their request.
  const socks = [];
  let closedByServer = 0;
  for (let i = 0; i < 260; i++) {
    const s = net.connect({ port: d.port, host: '127.0.0.1' });
    s.on('error', () => {});
    s.on('close', () => { closedByServer++; });
    s.on('connect', () => s.write('GET /health HTTP/1.1\r\nHost: x\r\n'));
    socks.push(s);
  }
  const trickle = setInterval(() => {
    for (const s of socks) if (!s.destroyed) s.write(`X-Slow-${Math.random().toString(36).slice(2, 6)}: 1\r\n`);
  }, 1000);
  try {
    // Another client (another address) keeps being answered promptly.
    const end = Date.now() + 6000;
    let n = 0;
    while (Date.now() < end) {
      const t0 = Date.now();
      const r = await Promise.race([
        request(d.port, { path: '/health', localAddress: '127.0.0.2' }),
        new Promise((res) => setTimeout(() => res({ status: 'timeout' }), 1000)),
      ]);
      assert.equal(r.status, 200, `request ${n} after ${Date.now() - t0} ms`);
      assert.ok(Date.now() - t0 < 1000);
      n++;
      await new Promise((res) => setTimeout(res, 200));
    }
    // Over the per-address limit: refused at once; the rest: closed at the
    // header deadline although they kept sending.
    await waitFor(() => closedByServer === socks.length, { timeoutMs: 10000, what: 'every slow connection closed' });
  } finally {
    clearInterval(trickle);
    for (const s of socks) s.destroy();
  }
  // One summary line per kind, not a line per connection.
  await waitFor(() => /closed \d+ connections for header timeout \(2 s\) in the last 2 s/.test(d.stderr),
                { timeoutMs: 8000, what: `the header-timeout summary line in\n${d.stderr}` });
  assert.match(d.stderr, /refused \d+ connections over the limit of 64 per client address/);
  const httpWarn = d.stderr.split('\n').filter((l) => / warn +http:/.test(l));
  assert.ok(httpWarn.length < 20, `${httpWarn.length} http warnings:\n${httpWarn.slice(0, 5).join('\n')}`);
});

test('a request smuggled behind Content-Length + Transfer-Encoding is not processed', async () => {
  const d = await daemon({});
  const smuggle = 'POST /api/v1/auth/logout HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n' +
    'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n';
  let r = await raw(d.port, smuggle);
  assert.equal((r.data.match(/^HTTP\/1\.1 /gm) || []).length, 1, r.data);
  assert.match(r.data, /^HTTP\/1\.1 400 /);
  assert.match(r.data, /Content-Length and Transfer-Encoding/);
  assert.ok(r.closed, 'the connection is closed after the refusal');
  // Two Content-Lengths, or a coding we do not speak: refused the same way.
  r = await raw(d.port, 'POST /api/v1/auth/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}');
  assert.match(r.data, /^HTTP\/1\.1 400 /);
  r = await raw(d.port, 'POST /api/v1/auth/verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n');
  assert.match(r.data, /^HTTP\/1\.1 501 /);
});

test('thousands of query parameters get a prompt 414, not a hang', async () => {
  const d = await daemon({ ratelimit: { api: 'off', page: 'off' } });
  const q = (n) => Array.from({ length: n }, (_, i) => `a${i}=1`).join('&');
  for (const [path, json] of [[`/api/v1/stats?${q(2000)}`, true], [`/gallery?${q(2000)}`, false],
                              [`/api/v1/stats?${q(257)}`, true], [`/${'a'.repeat(20000)}`, false]]) {
    const t0 = Date.now();
    const r = await request(d.port, { path });
    assert.equal(r.status, 414, path.slice(0, 40));
    assert.ok(Date.now() - t0 < 2000, `${Date.now() - t0} ms`);
    if (json) assert.match(r.json.error.message, /256 query parameters/);
    else assert.match(r.headers['content-type'], /text\/html/);
  }
  assert.equal((await request(d.port, { path: `/api/v1/stats?${q(256)}` })).status, 200);
  // Thousands of headers: libmicrohttpd's own prompt 431.
  const hdrs = Array.from({ length: 5000 }, (_, i) => `X-H${i}: v\r\n`).join('');
  const r = await raw(d.port, `GET /health HTTP/1.1\r\nHost: x\r\n${hdrs}\r\n`);
  assert.match(r.data, /^HTTP\/1\.1 431 /);
});

test('a rate-limited /metrics answers text/plain', async () => {
  const d = await daemon({ ratelimit: { api: '1,1' } });
  const a = await request(d.port, { path: '/metrics' });
  assert.equal(a.status, 200);
  const b = await request(d.port, { path: '/metrics' });
  assert.equal(b.status, 429);
  assert.match(b.headers['content-type'], /^text\/plain/);
  assert.match(b.text, /^429 Too many requests: /);
  assert.ok(b.headers['retry-after']);
});

test('NUL and control bytes in a prompt reach pages, meta tags and Atom as U+FFFD', async () => {
  const dn = await startDevnet({});
  try {
    const drv = await Driver.create({ rpcUrl: dn.rpcUrl, deploy: dn.deploy });
    const [user, miner] = [dn.deploy.accounts.users[0], dn.deploy.accounts.miners[0]];
    const input = utf8Hex(JSON.stringify({ prompt: 'before\u0000after \u0007bell\r\nend' }));
    const id = await drv.submitTask(user, { model: 'image', input });
    await drv.submitSolution(miner, id, fakeSolutionCid(`nul solution ${id}`));
    const head = Number(BigInt(await dn.rpc.call('eth_blockNumber', [])));
    const dir = tmpDir();
    const cfg = devnetConfig(dir, dn.deploy, dn.rpcUrl, { ipfs: { gateways: 'http://127.0.0.1:9', monitor: 'off' } });
    const s = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from', String(dn.deploy.start_block), '--to', String(head)],
                                { timeout: 120000 });
    assert.equal(s.code, 0, s.stderr);
    const d = await startDaemon({ configFile: cfg.file });
    daemons.push(d);
    const page = await request(d.port, { path: `/image/${id}` });
    assert.equal(page.status, 200);
    assert.ok(!/[\u0000-\u0008\u000b-\u001f]/.test(page.text), 'no raw control byte on the page');
    const shown = 'before\uFFFDafter \uFFFDbell\uFFFD\nend';
    assert.ok(page.text.includes(`<title>${'before\uFFFDafter \uFFFDbell\uFFFD\nend'.slice(0, 20)}`), page.text.slice(0, 300));
    assert.match(page.text, /<meta property="og:title" content="before\uFFFDafter \uFFFDbell\uFFFD\nend">/);
    assert.ok(page.text.includes(shown));
    const atom = await request(d.port, { path: '/gallery.atom?automine=show' });
    assert.equal(atom.status, 200);
    assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(atom.text));
    assert.ok(atom.text.includes('<title>before\uFFFDafter \uFFFDbell'), atom.text.slice(0, 800));
  } finally {
    await dn.stop();
  }
});
