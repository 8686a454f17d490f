// social.test.mjs - Sign-In with Ethereum, upvotes, reactions, comments,
// moderation and /admin against the real daemon and a devnet index.
//
// Messages are built with npm `siwe` and signed with npm `ethers` wallets:
// a valid sign-in works; a wrong domain, wrong chain, reused nonce, expired
// message, malformed message, a signature by another key, a high-s
// signature and a truncated signature are each refused with a clear error
// (reason code) and an audit entry.  Votes need a session and the CSRF
// token; tasks.upvotes equals the number of wallets upvoting.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Signature, Wallet } from 'ethers';
import { SiweMessage } from 'siwe';

import { startDevnet } from '../devnet/devnet.mjs';
import { runScenario } from '../devnet/driver.mjs';
import { devnetConfig, sql } from './chain.mjs';
import { runCliAsync, startDaemon, tmpDir } from './harness.mjs';

const N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141n;
const quiet = () => {};

let net;
let truth;
let daemon;
let cfg;
let host;
const admin = Wallet.createRandom();
const alice = Wallet.createRandom();
const bob = Wallet.createRandom();
const carol = Wallet.createRandom();

before(async () => {
  net = await startDevnet({});
  truth = await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'sparse',
                              opts: { blocks: 16, events: 12 }, log: quiet });
  const dir = tmpDir();
  cfg = devnetConfig(dir, net.deploy, net.rpcUrl, {
    admin: { wallets: admin.address },
    server: { trusted_proxies: '127.0.0.1' },
    auth: { comment_rate_wallet: 3, comment_rate_ip: 4, comment_edit_window: 2,
            comment_max_length: 50, nonce_lifetime: 120 },
  });
  const r = await runCliAsync(['--config', cfg.file, 'scan', '--quiet', '--from',
                               String(net.deploy.start_block), '--to', String(truth.head.number)],
                              { timeout: 300000 });
  assert.equal(r.code, 0, r.stderr);
  daemon = await startDaemon({ configFile: cfg.file });
  host = `127.0.0.1:${daemon.port}`;
});

after(async () => {
  if (daemon) assert.equal((await daemon.stop()).code, 0);
  await net?.stop();
});

const chainId = () => Number(net.deploy.chain_id);
const taskIds = () => truth.tasks.map((t) => t.id.toLowerCase());

async function call(method, path, { body, cookie, csrf, headers = {} } = {}) {
  const h = { ...headers };
  if (cookie) h.cookie = cookie;
  if (csrf) h['X-CSRF-Token'] = csrf;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const r = await fetch(daemon.url + path, { method, headers: h,
                                             body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)) });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* HTML */ }
  return { status: r.status, json, text, headers: r.headers };
}

async function nonce() {
  const r = await call('GET', '/api/v1/auth/nonce');
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.nonce, /^[0-9a-f]{48}$/);
  return r.json.nonce;
}

// An EIP-4361 message from npm siwe with sensible defaults for this server.
async function message(wallet, over = {}) {
  const now = Date.now();
  const m = new SiweMessage({
    domain: host, address: wallet.address, statement: 'Sign in to arbiusd tests.',
    uri: `http://${host}/`, version: '1', chainId: chainId(), nonce: over.nonce || await nonce(),
    issuedAt: new Date(now - 1000).toISOString(), expirationTime: new Date(now + 600000).toISOString(),
    ...over,
  });
  return m.prepareMessage();
}

async function signIn(wallet, { msg, sig, headers } = {}) {
  const text = msg || await message(wallet);
  const signature = sig || await wallet.signMessage(text);
  const r = await call('POST', '/api/v1/auth/verify', { body: { message: text, signature }, headers });
  const set = r.headers.get('set-cookie');
  return { ...r, setCookie: set, cookie: set ? set.split(';')[0] : null, message: text, signature };
}

function audits(where = '1') {
  return sql(cfg.dbPath, `SELECT actor, action, target, ip, detail FROM social_audit WHERE ${where} ORDER BY id`);
}

// Refused with status and reason, and the audit log gained exactly that entry.
async function refused(promise, status, reason, actor) {
  const before = audits("action = 'signin_failed'").length;
  const r = await promise;
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.error.reason, reason, r.text);
  assert.ok(r.json.error.message.length > 10, r.text);
  assert.equal(r.setCookie, null, 'no cookie on a refusal');
  const rows = audits("action = 'signin_failed'");
  assert.equal(rows.length, before + 1, 'one audit entry per refusal');
  const last = rows.at(-1);
  assert.ok(last.detail.startsWith(`${reason}:`), last.detail);
  if (actor !== undefined) assert.equal(last.actor, actor);
  return r;
}

test('a valid sign-in opens a session with a hardened cookie and a CSRF token', async () => {
  const r = await signIn(alice);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.address, alice.address, 'checksummed display address');
  assert.equal(r.json.address_lower, alice.address.toLowerCase());
  assert.match(r.json.csrf, /^[0-9a-f]{64}$/);
  assert.equal(r.json.admin, false);
  assert.match(r.setCookie, /^arbiusd_session=[0-9a-f]{64}\.[0-9a-f]{64}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);
  const s = await call('GET', '/api/v1/auth/session', { cookie: r.cookie });
  assert.equal(s.json.signed_in, true);
  assert.equal(s.json.address, alice.address);
  assert.equal(s.json.csrf, r.json.csrf);
  // A forged MAC is no session.
  const forged = r.cookie.slice(0, -1) + (r.cookie.endsWith('0') ? '1' : '0');
  assert.equal((await call('GET', '/api/v1/auth/session', { cookie: forged })).json.signed_in, false);
  const rows = audits("action = 'signin'");
  assert.equal(rows.at(-1).actor, alice.address.toLowerCase());
  // The database keeps the hash of the session id, never the id itself.
  const id = r.cookie.split('=')[1].split('.')[0];
  assert.equal(sql(cfg.dbPath, `SELECT count(*) AS n FROM social_sessions WHERE id_hash = '${id}'`)[0].n, 0);
  assert.equal(sql(cfg.dbPath, `SELECT count(*) AS n FROM social_sessions WHERE address = '${alice.address.toLowerCase()}'`)[0].n, 1);
});

test('the nonce endpoint can prepare the exact message for a wallet', async () => {
  const r = await call('GET', `/api/v1/auth/nonce?address=${carol.address.toLowerCase()}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.address, carol.address);
  const parsed = new SiweMessage(r.json.message);
  assert.equal(parsed.domain, host);
  assert.equal(parsed.nonce, r.json.nonce);
  assert.equal(parsed.chainId, chainId());
  const ok = await signIn(carol, { msg: r.json.message });
  assert.equal(ok.status, 200, ok.text);
  const bad = await call('GET', '/api/v1/auth/nonce?address=0x123');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.reason, 'address');
});

test('behind a trusted TLS proxy the cookie is Secure', async () => {
  const r = await signIn(alice, { headers: { 'X-Forwarded-Proto': 'https' } });
  assert.equal(r.status, 200, r.text);
  assert.match(r.setCookie, /; Secure$/);
});

test('a wrong domain is refused', async () => {
  const msg = await message(alice, { domain: 'evil.example' });
  await refused(signIn(alice, { msg }), 401, 'domain_mismatch', alice.address.toLowerCase());
  const msg2 = await message(alice, { uri: 'http://evil.example/' });
  await refused(signIn(alice, { msg: msg2 }), 401, 'uri_mismatch');
});

test('a wrong chain is refused', async () => {
  const msg = await message(alice, { chainId: chainId() + 1 });
  const r = await refused(signIn(alice, { msg }), 401, 'chain_mismatch');
  assert.match(r.json.error.message, new RegExp(`${chainId() + 1}.*${chainId()}`));
});

test('a reused nonce is refused', async () => {
  const msg = await message(alice);
  const sig = await alice.signMessage(msg);
  assert.equal((await signIn(alice, { msg, sig })).status, 200);
  await refused(signIn(alice, { msg, sig }), 401, 'nonce_used');
  const unknown = await message(alice, { nonce: 'abcdefgh12345678' });
  await refused(signIn(alice, { msg: unknown }), 401, 'nonce_unknown');
});

test('an expired message is refused', async () => {
  const now = Date.now();
  const msg = await message(alice, { issuedAt: new Date(now - 20000).toISOString(),
                                     expirationTime: new Date(now - 10000).toISOString() });
  await refused(signIn(alice, { msg }), 401, 'expired');
  const stale = await message(alice, { issuedAt: new Date(now - 3600000).toISOString(), expirationTime: undefined });
  await refused(signIn(alice, { msg: stale }), 401, 'stale');
  const future = await message(alice, { notBefore: new Date(now + 3600000).toISOString() });
  await refused(signIn(alice, { msg: future }), 401, 'not_yet_valid');
});

test('a malformed message is refused', async () => {
  const good = await message(alice);
  const cases = [
    good + '\n',                                           // trailing newline
    good.replace('Version: 1', 'Version: 2'),
    good.replace(alice.address, alice.address.toLowerCase()), // not EIP-55
    good.split('\n').slice(0, 5).join('\n'),               // truncated
    'hello',
  ];
  for (const msg of cases) {
    const r = await refused(signIn(alice, { msg, sig: await alice.signMessage(msg) }), 400, 'message_malformed');
    assert.match(r.json.error.message, /^message: not an EIP-4361 message: /);
  }
  await refused(call('POST', '/api/v1/auth/verify', { body: 'not json' }).then((r) => ({ ...r, setCookie: r.headers.get('set-cookie') })), 400, 'body');
});

test('a signature by another key is refused', async () => {
  const msg = await message(alice);
  const r = await refused(signIn(alice, { msg, sig: await bob.signMessage(msg) }), 401, 'signature_mismatch');
  assert.ok(r.json.error.message.includes(bob.address) && r.json.error.message.includes(alice.address), r.text);
});

test('a high-s signature is refused', async () => {
  const msg = await message(alice);
  const s = Signature.from(await alice.signMessage(msg));
  // (r, n - s) with the other recovery id is the same key's valid ECDSA
  // signature: only EIP-2's low-s rule refuses it.
  const highS = (N - BigInt(s.s)).toString(16).padStart(64, '0');
  const sig = s.r + highS + (s.v === 27 ? '1c' : '1b');
  await refused(signIn(alice, { msg, sig }), 401, 'signature_high_s');
  const badV = s.serialized.slice(0, -2) + '1d';
  await refused(signIn(alice, { msg: await message(alice), sig: badV }), 400, 'signature_bad_v');
});

test('a truncated signature is refused', async () => {
  const msg = await message(alice);
  const sig = await alice.signMessage(msg);
  await refused(signIn(alice, { msg, sig: sig.slice(0, -2) }), 400, 'signature_malformed');
  await refused(signIn(alice, { msg, sig: sig.slice(0, 66) }), 400, 'signature_malformed');
});

test('a vote needs a session and the CSRF token; upvotes count wallets', async () => {
  const t = truth.solutions[0].task.toLowerCase();   // solved: in the gallery
  const a = await signIn(alice);
  const b = await signIn(bob);
  let r = await call('POST', `/api/v1/image/${t}/vote`, {});
  assert.equal(r.status, 401);
  assert.equal(r.json.error.reason, 'no_session');
  r = await call('POST', `/api/v1/image/${t}/vote`, { cookie: a.cookie });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.reason, 'csrf');
  r = await call('POST', `/api/v1/image/${t}/vote`, { cookie: a.cookie, csrf: b.json.csrf });
  assert.equal(r.status, 403, "another session's token is refused");
  r = await call('POST', `/api/v1/image/${t}/vote`, { cookie: a.cookie, csrf: a.json.csrf });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.upvotes, 1);
  r = await call('POST', `/api/v1/image/${t}/vote`, { cookie: a.cookie, csrf: a.json.csrf, body: { up: true } });
  assert.equal(r.json.upvotes, 1, 'one vote per wallet');
  r = await call('POST', `/api/v1/image/${t}/vote`, { cookie: b.cookie, csrf: b.json.csrf, body: { up: true } });
  assert.equal(r.json.upvotes, 2);
  const count = () => sql(cfg.dbPath, `SELECT upvotes FROM tasks WHERE id = '${t}'`)[0].upvotes;
  const voters = () => sql(cfg.dbPath, `SELECT count(*) AS n FROM social_votes WHERE task = '${t}'`)[0].n;
  assert.equal(count(), 2);
  assert.equal(voters(), 2);
  r = await call('POST', `/api/v1/image/${t}/vote`, { cookie: a.cookie, csrf: a.json.csrf, body: { up: false } });
  assert.equal(r.json.upvotes, 1);
  assert.equal(count(), voters());
  // Bad task ids and unknown tasks.
  r = await call('POST', '/api/v1/image/0x12/vote', { cookie: a.cookie, csrf: a.json.csrf });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /taskid/);
  r = await call('POST', `/api/v1/image/0x${'ab'.repeat(32)}/vote`, { cookie: a.cookie, csrf: a.json.csrf });
  assert.equal(r.status, 404);
  r = await call('POST', `/api/v1/image/${t}/vote`, { cookie: a.cookie, csrf: a.json.csrf, body: { up: 'yes' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.reason, 'up');
  // The gallery's JSON and its "most upvoted" sort read the same count.
  r = await call('GET', `/api/v1/image/${t}`);
  assert.equal(r.json.upvotes, 1);
  r = await call('GET', '/api/v1/images?sort=upvoted&automine=show');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items[0].id, t);
  assert.equal(r.json.items[0].upvotes, 1);
  // The social JSON shows it per viewer.
  r = await call('GET', `/api/v1/image/${t}/social`, { cookie: b.cookie });
  assert.equal(r.json.upvotes, 1);
  assert.equal(r.json.viewer.upvoted, true);
  r = await call('GET', `/api/v1/image/${t}/social`);
  assert.equal(r.json.viewer, null);
});

test('reactions come from a fixed set', async () => {
  const [, t] = taskIds();
  const a = await signIn(alice);
  const b = await signIn(bob);
  let r = await call('POST', `/api/v1/image/${t}/react`, { cookie: a.cookie, csrf: a.json.csrf, body: { reaction: 'fire' } });
  assert.equal(r.status, 200, r.text);
  await call('POST', `/api/v1/image/${t}/react`, { cookie: b.cookie, csrf: b.json.csrf, body: { reaction: 'fire' } });
  r = await call('POST', `/api/v1/image/${t}/react`, { cookie: b.cookie, csrf: b.json.csrf, body: { reaction: 'art', on: true } });
  const by = (o, n) => o.reactions.find((x) => x.name === n);
  assert.equal(by(r.json, 'fire').count, 2);
  assert.equal(by(r.json, 'art').count, 1);
  assert.equal(by(r.json, 'art').mine, true);
  r = await call('POST', `/api/v1/image/${t}/react`, { cookie: b.cookie, csrf: b.json.csrf, body: { reaction: 'fire', on: false } });
  assert.equal(by(r.json, 'fire').count, 1);
  assert.equal(by(r.json, 'fire').mine, false);
  r = await call('POST', `/api/v1/image/${t}/react`, { cookie: b.cookie, csrf: b.json.csrf, body: { reaction: 'poop' } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.reason, 'reaction');
  r = await call('POST', `/api/v1/image/${t}/react`, { cookie: b.cookie, body: { reaction: 'fire' } });
  assert.equal(r.status, 403);
});

test('comments: length and rate limits, hostile text kept verbatim, edits by the author in the window', async () => {
  const [, , t] = taskIds();
  const a = await signIn(alice);
  const b = await signIn(bob);
  const post = (s, body, ip) => call('POST', `/api/v1/image/${t}/comments`, { cookie: s.cookie, csrf: s.json.csrf, body: { body },
                                                                                headers: ip ? { 'X-Forwarded-For': ip } : {} });
  let r = await post(a, 'x'.repeat(51), '10.0.0.1');
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /too long/);
  r = await post(a, '   \n ', '10.0.0.1');
  assert.equal(r.status, 400);
  const hostile = '<script>alert(1)</script> & "é"';
  r = await post(a, hostile, '10.0.0.1');
  assert.equal(r.status, 201, r.text);
  const first = r.json.id;
  assert.equal((await post(a, 'two', '10.0.0.2')).status, 201);
  assert.equal((await post(a, 'three', '10.0.0.3')).status, 201);
  r = await post(a, 'four', '10.0.0.4');
  assert.equal(r.status, 429, 'per-wallet limit');
  assert.equal(r.json.error.reason, 'rate_wallet');
  assert.ok(r.headers.get('retry-after'));
  // Per IP: 10.0.0.9 gets 4 comments in the window, whatever the wallet.
  const c = await signIn(carol);
  assert.equal((await post(b, 'b1', '10.0.0.9')).status, 201);
  assert.equal((await post(b, 'b2', '10.0.0.9')).status, 201);
  assert.equal((await post(c, 'c1', '10.0.0.9')).status, 201);
  assert.equal((await post(c, 'c2', '10.0.0.9')).status, 201);
  r = await post(c, 'c3', '10.0.0.9');
  assert.equal(r.status, 429, 'per-IP limit');
  assert.equal(r.json.error.reason, 'rate_ip');
  r = await call('GET', `/api/v1/image/${t}/comments`, { cookie: a.cookie });
  assert.equal(r.json.comments.length, 7);
  assert.equal(r.json.comments[0].body, hostile, 'JSON carries the text; pages escape it');
  assert.equal(r.json.comments[0].address_display, alice.address);
  assert.equal(r.json.comments[0].editable, true);
  // Edits.
  r = await call('POST', `/api/v1/comment/${first}/edit`, { cookie: b.cookie, csrf: b.json.csrf, body: { body: 'hijack' } });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.reason, 'not_author');
  r = await call('POST', `/api/v1/comment/${first}/edit`, { cookie: a.cookie, csrf: a.json.csrf, body: { body: 'fixed' } });
  assert.equal(r.status, 200, r.text);
  await new Promise((res) => setTimeout(res, 3200));   // edit window is 2 s
  r = await call('POST', `/api/v1/comment/${first}/edit`, { cookie: a.cookie, csrf: a.json.csrf, body: { body: 'too late' } });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.reason, 'edit_window');
  r = await call('GET', `/api/v1/image/${t}/comments`);
  assert.equal(r.json.comments[0].body, 'fixed');
  assert.ok(r.json.comments[0].edited_at > 0);
  r = await call('POST', '/api/v1/comment/abc/edit', { cookie: a.cookie, csrf: a.json.csrf, body: { body: 'x' } });
  assert.equal(r.status, 400);
});

test('admins hide and unhide images and comments; /admin shows system info and the audit log', async () => {
  const ids = taskIds();
  assert.ok(ids.length >= 4, 'the scenario has enough tasks');
  const t = ids[3];
  const a = await signIn(alice);
  const ad = await signIn(admin);
  assert.equal(ad.json.admin, true);
  // /admin: 401 without a session, 403 for a wallet that is not an admin.
  assert.equal((await call('GET', '/admin')).status, 401);
  assert.equal((await call('GET', '/admin', { cookie: a.cookie })).status, 403);
  assert.equal((await call('GET', '/api/v1/admin/system', { cookie: a.cookie })).status, 403);
  let r = await call('POST', '/api/v1/admin/hide', { cookie: a.cookie, csrf: a.json.csrf, body: { kind: 'image', id: t } });
  assert.equal(r.status, 403);
  await call('POST', `/api/v1/image/${t}/vote`, { cookie: a.cookie, csrf: a.json.csrf });
  const d = await signIn(Wallet.createRandom());   // alice used her comment quota
  r = await call('POST', `/api/v1/image/${t}/comments`, { cookie: d.cookie, csrf: d.json.csrf, body: { body: 'spam' },
                                                          headers: { 'X-Forwarded-For': '10.1.0.1' } });
  assert.equal(r.status, 201, r.text);
  const cid = r.json.id;
  // Hide the comment.
  r = await call('POST', '/api/v1/admin/hide', { cookie: ad.cookie, csrf: ad.json.csrf, body: { kind: 'comment', id: cid, hidden: true } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.changed, true);
  r = await call('GET', `/api/v1/image/${t}/comments`, { cookie: a.cookie });
  assert.equal(r.json.comments.length, 0, 'hidden for everyone else');
  r = await call('GET', `/api/v1/image/${t}/comments`, { cookie: ad.cookie });
  assert.equal(r.json.comments[0].hidden, true, 'admins still see it');
  assert.equal(sql(cfg.dbPath, `SELECT hidden FROM social_comments WHERE id = ${cid}`)[0].hidden, 1, 'kept in the database');
  // Hide the image.
  r = await call('POST', '/api/v1/admin/hide', { cookie: ad.cookie, csrf: ad.json.csrf, body: { kind: 'image', id: t.toUpperCase().replace('0X', '0x'), reason: 'test' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(sql(cfg.dbPath, `SELECT hidden FROM tasks WHERE id = '${t}'`)[0].hidden, 1);
  assert.equal((await call('GET', `/api/v1/image/${t}/social`, { cookie: a.cookie })).status, 404);
  assert.equal((await call('POST', `/api/v1/image/${t}/vote`, { cookie: a.cookie, csrf: a.json.csrf })).status, 404);
  assert.equal((await call('GET', `/api/v1/image/${t}/social`, { cookie: ad.cookie })).json.hidden, true);
  assert.equal((await call('GET', `/api/v1/image/${t}`)).status, 404, 'the gallery JSON hides it too');
  assert.equal((await call('GET', `/image/${t}`)).status, 404, 'and the page');
  r = await call('POST', '/api/v1/admin/hide', { cookie: ad.cookie, csrf: ad.json.csrf, body: { kind: 'image', id: t, hidden: false } });
  assert.equal(r.status, 200);
  assert.equal(sql(cfg.dbPath, `SELECT hidden, upvotes FROM tasks WHERE id = '${t}'`)[0].hidden, 0);
  assert.equal((await call('GET', `/api/v1/image/${t}`)).status, 200);
  r = await call('POST', '/api/v1/admin/hide', { cookie: ad.cookie, csrf: ad.json.csrf, body: { kind: 'video', id: t } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.reason, 'kind');
  r = await call('POST', '/api/v1/admin/hide', { cookie: ad.cookie, csrf: ad.json.csrf, body: { kind: 'comment', id: 99999999 } });
  assert.equal(r.status, 404);
  // Audit: every admin action.
  const acts = audits(`actor = '${admin.address.toLowerCase()}' AND action != 'signin'`).map((x) => `${x.action} ${x.target}`);
  assert.deepEqual(acts, [`hide_comment ${cid}`, `hide_image ${t}`, `unhide_image ${t}`]);
  // System info.
  r = await call('GET', '/api/v1/admin/system', { cookie: ad.cookie });
  assert.equal(r.status, 200, r.text);
  const sys = r.json;
  const rows = sql(cfg.dbPath, 'SELECT (SELECT count(*) FROM tasks) AS tasks, (SELECT count(*) FROM social_comments) AS comments, (SELECT count(*) FROM social_audit) AS audit');
  assert.equal(sys.database.rows.tasks, rows[0].tasks);
  assert.equal(sys.database.rows.tasks, truth.tasks.length);
  assert.equal(sys.database.rows.social_comments, rows[0].comments);
  assert.ok(sys.database.size_bytes > 0 && sys.database.page_size > 0);
  assert.ok(sys.database.wal_bytes >= 0);
  assert.ok(sys.memory.rss_kb > 0);
  assert.ok(sys.uptime_seconds >= 0);
  assert.equal(sys.sse_clients, 0);
  assert.equal(sys.scanner.indexed_block >= truth.head.number, true);
  // The scanner saved its RPC counters (the scan command and the serving
  // scanner both did requests): the same endpoints as the table holds.
  const saved = JSON.parse(sql(cfg.dbPath, 'SELECT json FROM rpc_stats')[0].json);
  assert.deepEqual(sys.rpc.endpoints.map((e) => e.url), saved.map((e) => e.url));
  assert.ok(sys.rpc.endpoints[0].requests > 0);
  assert.ok('budget' in sys.rpc.endpoints[0] && 'errors' in sys.rpc.endpoints[0]);
  assert.ok(typeof sys.ipfs.checks === 'number');
  // The page renders, with the failed sign-ins in its audit table.
  r = await call('GET', '/admin', { cookie: ad.cookie });
  assert.equal(r.status, 200);
  assert.match(r.text, /<h1>Admin<\/h1>/);
  assert.match(r.text, /signin_failed/);
  assert.match(r.text, /hide_image/);
  assert.ok(!r.text.includes('<script>alert'), 'escaped');
  r = await call('GET', '/api/v1/admin/hidden', { cookie: ad.cookie });
  assert.deepEqual(r.json.images, [], 'the image was unhidden');
  assert.equal(r.json.comments.length, 1);
  assert.equal(r.json.comments[0].id, cid);
  assert.equal(r.json.comments[0].body, 'spam');
  assert.equal((await call('GET', '/api/v1/admin/hidden', { cookie: a.cookie })).status, 403);
  r = await call('GET', '/api/v1/admin/audit?limit=2', { cookie: ad.cookie });
  assert.equal(r.json.entries.length, 2);
  assert.equal(r.json.entries[0].action, 'unhide_image');
  assert.equal((await call('GET', '/api/v1/admin/audit?limit=0', { cookie: ad.cookie })).status, 400);
});

test('sign-out revokes the session on the server', async () => {
  const a = await signIn(alice);
  let r = await call('POST', '/api/v1/auth/logout', { cookie: a.cookie });
  assert.equal(r.status, 403, 'sign-out needs the CSRF token too');
  r = await call('POST', '/api/v1/auth/logout', { cookie: a.cookie, csrf: a.json.csrf });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('set-cookie'), /Max-Age=0/);
  // The old cookie, replayed, is dead.
  r = await call('POST', `/api/v1/image/${taskIds()[0]}/vote`, { cookie: a.cookie, csrf: a.json.csrf });
  assert.equal(r.status, 401);
  assert.equal((await call('GET', '/api/v1/auth/session', { cookie: a.cookie })).json.signed_in, false);
  assert.equal(audits("action = 'signout'").at(-1).actor, alice.address.toLowerCase());
});

test('a cross-origin sign-in POST is refused', async () => {
  const msg = await message(alice);
  await refused(signIn(alice, { msg, headers: { Origin: 'http://evil.example' } }), 403, 'origin');
});

test('serve --read-only refuses writes with 503 and a clear error', async () => {
  const ro = await startDaemon({ configFile: cfg.file, args: ['--read-only'] });
  try {
    let r = await fetch(`${ro.url}/api/v1/auth/nonce`);
    assert.equal(r.status, 503);
    assert.equal((await r.json()).error.reason, 'read_only');
    r = await fetch(`${ro.url}/api/v1/image/${taskIds()[0]}/vote`, { method: 'POST' });
    assert.equal(r.status, 503);
    const j = await r.json();
    assert.match(j.error.message, /read-only/);
    r = await fetch(`${ro.url}/api/v1/image/${taskIds()[0]}/social`);
    assert.equal(r.status, 200, 'reads still work');
  } finally {
    assert.equal((await ro.stop()).code, 0);
  }
});

test('nonces write nothing; failed sign-ins are bounded per client address', async () => {
  // Nonces are stateless (HMAC-signed): anonymous traffic writes no row.
  const before = sql(cfg.dbPath, 'SELECT count(*) AS n FROM social_nonces')[0].n;
  for (let i = 0; i < 30; i++) {
    const r = await call('GET', '/api/v1/auth/nonce', { headers: { 'X-Forwarded-For': `10.9.9.${i}` } });
    assert.equal(r.status, 200, r.text);
  }
  assert.equal(sql(cfg.dbPath, 'SELECT count(*) AS n FROM social_nonces')[0].n, before);
  // Failed sign-ins are audited, at most 30 a minute per address.
  const bad = { 'X-Forwarded-For': '10.8.8.8' };
  for (let i = 0; i < 30; i++) assert.equal((await call('POST', '/api/v1/auth/verify', { body: '{}', headers: bad })).status, 400);
  let r = await call('POST', '/api/v1/auth/verify', { body: '{}', headers: bad });
  assert.equal(r.status, 429);
  assert.equal(r.json.error.reason, 'too_many_failures');
  await call('POST', '/api/v1/auth/verify', { body: '{}', headers: bad });
  const rows = audits("ip = '10.8.8.8'");
  assert.equal(rows.filter((x) => x.action === 'signin_failed').length, 30);
  assert.equal(rows.filter((x) => x.action === 'signin_throttled').length, 1, 'one entry for the throttled attempts');
});
