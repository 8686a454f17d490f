#!/usr/bin/env node
// A local IPFS HTTP gateway stub for the arbiusd tests: GET/HEAD /ipfs/<cid>[/<file>] with
// per-CID behaviour (present / missing / slow / error), a small valid PNG (or text for .txt)
// as content, Range requests, ETag and immutable caching headers like real gateways.
//
// CLI
//   node devnet/gateway.mjs [--port P] [--default present|missing] [--slow-ms N] [--art]
//   prints "gateway ready <url>"; reconfigure at runtime with
//     POST /__gateway/config {"default":"missing","present":["Qm.."],"missing":[..],
//                             "slow":{"Qm..":3000},"error":["Qm.."],"slowMs":2000,
//                             "noRange":["Qm.."],"noHead":["Qm.."],"bytes":{"Qm..":1048576}}
//     noRange: Range is ignored (200 with the whole body); noHead: HEAD answers 405;
//     bytes: the content is that many bytes (a PNG header, then filler);
//     files: {"Qm..": "<hex>"} the content of /ipfs/<cid> itself (a file, e.g. a model
//     template), served as it is (no check that the bytes hash to the cid)
//     GET  /__gateway/stats  {requests, by_status, by_cid}
//
// Library
//   import { startGateway, pngFor } from './gateway.mjs'
//   const gw = await startGateway({ port: 0, default: 'present' })
//   gw.url; gw.set('Qm...', 'missing' | 'present' | 'error' | { slowMs: 3000 }); gw.stats(); await gw.close()
//   gw.configure({ noRange: [cid], noHead: [cid], bytes: { [cid]: n } })   gateway quirks
//   gw.configure({ files: { [cid]: '0x…' } })   what /ipfs/<cid> serves (a template, …)
//   startGateway({ art: true }): 256x256 pictures (artPngFor) instead of 8x8 squares (make demo)
import http from 'node:http';
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A valid w x h RGB PNG whose colour is derived from seed (so each CID gets its own image). */
export function pngFor(seed = '', w = 8, h = 8) {
  const rgb = createHash('sha256').update(String(seed)).digest().subarray(0, 3);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const raw = Buffer.alloc(h * (1 + w * 3));
  for (let y = 0; y < h; y++) {
    const o = y * (1 + w * 3);
    raw[o] = 0; // filter: none
    for (let x = 0; x < w; x++) rgb.copy(raw, o + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A 256 x 256 RGB PNG for people to look at (make demo): a diagonal blend of two colours
 * with a disc of a third, all derived from seed.  Still a few kB, still deterministic.
 */
export function artPngFor(seed = '', size = 256) {
  const h = createHash('sha256').update(String(seed)).digest();
  const [a, b, c] = [h.subarray(0, 3), h.subarray(3, 6), h.subarray(6, 9)];
  const cx = size * (0.25 + (h[9] / 255) * 0.5);
  const cy = size * (0.25 + (h[10] / 255) * 0.5);
  const r2 = (size * (0.12 + (h[11] / 255) * 0.18)) ** 2;
  const raw = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const o = y * (1 + size * 3);
    for (let x = 0; x < size; x++) {
      const t = (x + y) / (2 * size - 2);
      const inDisc = (x - cx) ** 2 + (y - cy) ** 2 < r2;
      for (let k = 0; k < 3; k++) raw[o + 1 + x * 3 + k] = inDisc ? c[k] : Math.round(a[k] * (1 - t) + b[k] * t);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const TYPES = { png: 'image/png', txt: 'text/plain; charset=utf-8', json: 'application/json', webp: 'image/webp', mp4: 'video/mp4' };

export async function startGateway({ port = 0, default: dflt = 'present', slowMs = 2000, present = [], missing = [], error = [], slow = {}, art = false } = {}) {
  const arts = new Map(); // cid/file -> artPngFor bytes, drawn once
  const state = new Map(); // cid -> 'present' | 'missing' | 'error' | { slowMs }
  const quirks = new Map(); // cid -> { noRange, noHead, bytes }
  const files = new Map(); // cid -> Buffer served at /ipfs/<cid>
  const quirk = (cid, k, v) => quirks.set(cid, { ...(quirks.get(cid) ?? {}), [k]: v });
  let defaultState = dflt;
  let defaultSlowMs = Number(slowMs);
  const stats = { requests: 0, by_status: {}, by_cid: {} };
  const set = (cid, s) => state.set(cid, s);
  const configure = (c) => {
    // clear first: a call may clear and set at once
    if (c.clear) {
      state.clear();
      quirks.clear();
      files.clear();
    }
    if (c.default) defaultState = c.default;
    if (c.slowMs !== undefined) defaultSlowMs = Number(c.slowMs);
    for (const x of c.present ?? []) set(x, 'present');
    for (const x of c.missing ?? []) set(x, 'missing');
    for (const x of c.error ?? []) set(x, 'error');
    for (const [x, ms] of Object.entries(c.slow ?? {})) set(x, { slowMs: Number(ms) });
    for (const x of c.noRange ?? []) quirk(x, 'noRange', true);
    for (const x of c.noHead ?? []) quirk(x, 'noHead', true);
    for (const [x, n] of Object.entries(c.bytes ?? {})) quirk(x, 'bytes', Number(n));
    for (const [x, hex] of Object.entries(c.files ?? {})) files.set(x, Buffer.from(String(hex).replace(/^0x/, ''), 'hex'));
  };
  configure({ present, missing, error, slow });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (status, headers, body) => {
      stats.by_status[status] = (stats.by_status[status] ?? 0) + 1;
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (url.pathname.startsWith('/__gateway/')) {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      if (url.pathname === '/__gateway/stats') return send(200, { 'content-type': 'application/json' }, JSON.stringify(stats));
      if (url.pathname === '/__gateway/config' && req.method === 'POST') {
        try {
          configure(JSON.parse(Buffer.concat(chunks).toString() || '{}'));
        } catch (e) {
          return send(400, { 'content-type': 'application/json' }, JSON.stringify({ error: e.message }));
        }
        return send(200, { 'content-type': 'application/json' }, JSON.stringify({ default: defaultState, cids: Object.fromEntries(state) }));
      }
      return send(404, { 'content-type': 'text/plain' }, 'not found\n');
    }
    stats.requests++;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { allow: 'GET, HEAD' }, 'method not allowed\n');
    const m = url.pathname.match(/^\/ipfs\/([A-Za-z0-9]+)(?:\/(.*))?$/);
    if (!m) return send(400, { 'content-type': 'text/plain' }, 'invalid path\n');
    const [, cid, file = ''] = m;
    stats.by_cid[cid] = (stats.by_cid[cid] ?? 0) + 1;
    if (!/^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{20,})$/.test(cid)) {
      return send(400, { 'content-type': 'text/plain' }, `invalid path "/ipfs/${cid}": invalid cid\n`);
    }
    let st = state.get(cid) ?? defaultState;
    if (st === 'slow') st = { slowMs: defaultSlowMs };
    if (typeof st === 'object' && st.slowMs) {
      await new Promise((ok) => {
        const t = setTimeout(ok, st.slowMs);
        res.on('close', () => {
          clearTimeout(t);
          ok();
        });
      });
      if (res.destroyed) return;
      st = 'present';
    }
    if (st === 'missing') return send(404, { 'content-type': 'text/plain' }, `ipfs resolve -r /ipfs/${cid}/${file}: no link named "${file}" under ${cid}\n`);
    if (st === 'error') return send(504, { 'content-type': 'text/plain' }, 'Gateway Timeout\n');
    const qk = quirks.get(cid) ?? {};
    if (qk.noHead && req.method === 'HEAD') return send(405, { allow: 'GET' }, '');
    const ext = (file.split('.').pop() || '').toLowerCase();
    let body;
    if (file === '' && files.has(cid)) body = files.get(cid);
    else if (ext === 'txt') body = Buffer.from(`devnet output for ${cid}: the capital of the moon is Tranquility Base 🌕\n`);
    else if (file === '' ) body = Buffer.from(`<html><body>Index of /ipfs/${cid}<br><a href="/ipfs/${cid}/out-1.png">out-1.png</a></body></html>`);
    else if (art) {
      if (!arts.has(cid + '/' + file)) arts.set(cid + '/' + file, artPngFor(cid + '/' + file));
      body = arts.get(cid + '/' + file);
    } else body = pngFor(cid + '/' + file);
    if (qk.bytes !== undefined) body = Buffer.concat([body, Buffer.alloc(Math.max(0, qk.bytes - body.length), 0x20)]).subarray(0, qk.bytes);
    const type = file === '' ? (files.has(cid) ? 'application/octet-stream' : 'text/html') : TYPES[ext] ?? 'application/octet-stream';
    const etag = `"${cid}${file ? '/' + file : ''}"`;
    const headers = {
      'content-type': type,
      etag,
      'cache-control': 'public, max-age=29030400, immutable',
      'accept-ranges': 'bytes',
      'x-ipfs-path': `/ipfs/${cid}${file ? '/' + file : ''}`,
    };
    if (req.headers['if-none-match'] === etag) return send(304, headers, '');
    const range = qk.noRange ? undefined : req.headers.range;
    if (range) {
      const r = range.match(/^bytes=(\d*)-(\d*)$/);
      let a;
      let b;
      if (r && (r[1] !== '' || r[2] !== '')) {
        if (r[1] === '') {
          a = Math.max(0, body.length - Number(r[2]));
          b = body.length - 1;
        } else {
          a = Number(r[1]);
          b = r[2] === '' ? body.length - 1 : Math.min(Number(r[2]), body.length - 1);
        }
      }
      if (a === undefined || a > b || a >= body.length) {
        return send(416, { ...headers, 'content-range': `bytes */${body.length}`, 'content-length': 0 }, '');
      }
      const part = body.subarray(a, b + 1);
      return send(206, { ...headers, 'content-range': `bytes ${a}-${b}/${body.length}`, 'content-length': part.length }, part);
    }
    return send(200, { ...headers, 'content-length': body.length }, body);
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    port: server.address().port,
    set,
    configure,
    stats: () => structuredClone(stats),
    async close() {
      server.closeAllConnections?.();
      await new Promise((ok) => server.close(ok));
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const a = process.argv.slice(2);
  const opt = (k, d) => (a.includes(k) ? a[a.indexOf(k) + 1] : d);
  const gw = await startGateway({ port: Number(opt('--port', 0)), default: opt('--default', 'present'), slowMs: Number(opt('--slow-ms', 2000)), art: a.includes('--art') });
  console.log(`gateway ready ${gw.url}`);
  const stop = async () => {
    await gw.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
