// Shared helpers for the devnet tools: a small JSON-RPC client (single + batch), CIDv0 and
// base58, and byte/text helpers. No dependency beyond node and ethers.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { getBytes, hexlify, toUtf8Bytes } from 'ethers';

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export class RpcError extends Error {
  constructor(method, error) {
    super(`${method}: ${error?.message ?? JSON.stringify(error)}`);
    this.code = error?.code;
    this.data = error?.data;
    this.rpcMethod = method;
  }
}

// A keep-alive socket that the server closed while idle fails the next
// request on it with ECONNRESET ("socket hang up") before the server read a
// byte of it; that request is sent again once, on a new socket (Node's
// documented req.reusedSocket pattern).  This happens when the event loop
// was blocked past the server's keep-alive timeout (execFileSync in tests).
function postJson(url, body, timeoutMs, retried = false) {
  const u = new URL(url);
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode} from ${url}: ${text.slice(0, 200)}`));
          try {
            resolve(JSON.parse(text));
          } catch (e) {
            reject(new Error(`invalid JSON from ${url}: ${text.slice(0, 200)}`));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${url}`)));
    req.on('error', (e) => {
      if (!retried && req.reusedSocket && e.code === 'ECONNRESET') resolve(postJson(url, body, timeoutMs, true));
      else reject(e);
    });
    req.end(payload);
  });
}

/** Minimal JSON-RPC 2.0 client over HTTP keep-alive. Only for 127.0.0.1 endpoints. */
export class Rpc {
  constructor(url, { timeoutMs = 120000 } = {}) {
    const u = new URL(url);
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') {
      throw new Error(`refusing non-local RPC url ${url}`);
    }
    this.url = url;
    this.timeoutMs = timeoutMs;
    this.nextId = 1;
    this.calls = 0;
  }

  async call(method, params = []) {
    this.calls++;
    const res = await postJson(this.url, { jsonrpc: '2.0', id: this.nextId++, method, params }, this.timeoutMs);
    if (res.error) throw new RpcError(method, res.error);
    return res.result;
  }

  /** calls: [[method, params], ...] -> results in order; throws on the first error
   * unless allowErrors, in which case failed entries are RpcError objects. */
  async batch(calls, { allowErrors = false, chunk = 500 } = {}) {
    const out = [];
    for (let i = 0; i < calls.length; i += chunk) {
      const part = calls.slice(i, i + chunk);
      const base = this.nextId;
      this.nextId += part.length;
      this.calls += part.length;
      const body = part.map(([method, params], j) => ({ jsonrpc: '2.0', id: base + j, method, params: params ?? [] }));
      const res = await postJson(this.url, body, this.timeoutMs);
      if (!Array.isArray(res)) throw new Error(`batch answer is not an array: ${JSON.stringify(res).slice(0, 200)}`);
      const byId = new Map(res.map((r) => [r.id, r]));
      for (let j = 0; j < part.length; j++) {
        const r = byId.get(base + j);
        if (!r) throw new Error(`batch answer lacks id ${base + j}`);
        if (r.error) {
          const e = new RpcError(part[j][0], r.error);
          if (!allowErrors) throw e;
          out.push(e);
        } else out.push(r.result);
      }
    }
    return out;
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const toHex = (n) => '0x' + BigInt(n).toString(16);
export const fromHex = (h) => (h == null ? null : Number(BigInt(h)));

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest();
}

function varint(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

/** The engine's getIPFSCID(content): CIDv0 multihash bytes (34) of a one-leaf UnixFS file. */
export function ipfsCid(content) {
  const c = Buffer.from(typeof content === 'string' ? getBytes(content) : content);
  const n = varint(c.length);
  const meat = Buffer.concat([Buffer.from([0x08, 0x02, 0x12]), n, c, Buffer.from([0x18]), n]);
  const node = Buffer.concat([Buffer.from([0x0a]), varint(meat.length), meat]);
  return Buffer.concat([Buffer.from([0x12, 0x20]), sha256(node)]);
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
export function base58(bytes) {
  const b = Buffer.from(bytes);
  let n = BigInt('0x' + (b.toString('hex') || '0'));
  let s = '';
  while (n > 0n) {
    s = B58[Number(n % 58n)] + s;
    n /= 58n;
  }
  for (const x of b) {
    if (x !== 0) break;
    s = '1' + s;
  }
  return s;
}

/** "Qm..." for a well-formed 34-byte sha2-256 multihash, else null. */
export function cidQm(hexOrBytes) {
  const b = Buffer.from(typeof hexOrBytes === 'string' ? getBytes(hexOrBytes) : hexOrBytes);
  if (b.length !== 34 || b[0] !== 0x12 || b[1] !== 0x20) return null;
  return base58(b);
}

/** A solution CID as a miner would submit: 0x1220 || sha256(made-up content). */
export function fakeSolutionCid(label) {
  return hexlify(Buffer.concat([Buffer.from([0x12, 0x20]), sha256(Buffer.from(String(label)))]));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** UTF-8 text of bytes, or null if not valid UTF-8. */
export function utf8OrNull(hex) {
  try {
    return strictUtf8.decode(getBytes(hex));
  } catch {
    return null;
  }
}

/** The "prompt" string of a JSON object input, else null. */
export function promptOf(hex) {
  const t = utf8OrNull(hex);
  if (t == null) return null;
  try {
    const j = JSON.parse(t);
    return j && typeof j === 'object' && !Array.isArray(j) && typeof j.prompt === 'string' ? j.prompt : null;
  } catch {
    return null;
  }
}

export const utf8Hex = (s) => hexlify(toUtf8Bytes(s));
