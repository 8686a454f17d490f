#!/usr/bin/env node
// A fault-injecting JSON-RPC HTTP proxy for the arbiusd tests. Listens on 127.0.0.1, forwards to
// the devnet node and misbehaves on demand like real providers do (texts from rpc-errors.md).
//
// CLI
//   node devnet/proxy.mjs --target http://127.0.0.1:8545 [--port P] [--mode M] [--<knob> V ...]
//   prints "proxy ready <url>"; the mode can then be changed with HTTP:
//     POST /__proxy/mode   {"mode":"429","retryAfter":2,"every":3}      one rule
//     POST /__proxy/mode   {"rules":[{...},{...}]}                        several (first that fires wins)
//     GET  /__proxy/mode   current rules        GET /__proxy/stats   counters
//     POST /__proxy/reset  zero the counters (rules stay)
//
// Library
//   import { startProxy, RANGE_TEXTS } from './proxy.mjs'
//   const px = await startProxy({ target: rpcUrl, port: 0 })
//   stats: http_requests, batches, calls, by_method (calls), requests_by_method (HTTP requests
//   holding at least one call of the method), max_batch (most calls in one request), faults,
//   forwarded
//   px.url; px.setMode({ mode: 'range-limit', maxRange: 1000, text: 'infura' }); px.stats(); await px.close()
//
// Modes (a rule is { mode, ...knobs }):
//   ok                       forward unchanged
//   429                      HTTP 429; retryAfter: seconds (omit for no Retry-After header)
//   503 | 500 | 502          HTTP status with a provider-like body (body: override text)
//   timeout                  hold the request ms (default 30000) then forward (then: "drop" closes
//                            the socket instead of answering)
//   truncated                forward, then cut the JSON body in half (style "body": consistent
//                            Content-Length; "connection": full Content-Length, socket closed early)
//   invalid-json             HTTP 200 with a non-JSON body (body: override)
//   rpc-error                HTTP 200 with a JSON-RPC error per call (code, message; default
//                            -32005 "rate limit exceeded")
//   range-limit              eth_getLogs with toBlock-fromBlock+1 > maxRange (default 1000) gets a
//                            provider error; text: a key of RANGE_TEXTS or a literal string;
//                            hint: true adds/keeps "[0x.., 0x..]" suggestions, "same" suggests the
//                            rejected range itself (a real trap), false strips them
//   lagging-head             eth_blockNumber and "latest"/"pending" report head - lag (default 5);
//                            blocks above that are unknown (null block, no logs, clamped toBlock)
//   wrong-chain              eth_chainId/net_version answer chainId (default 42170)
//   call-tracer              answer debug_traceTransaction / debug_traceBlockByNumber /
//                            debug_traceBlockByHash with {tracer: "callTracer"} (tracerConfig
//                            onlyTopCall, withLog) as geth does, built from the node's own
//                            struct-log trace (hardhat offers only that one): call frames from the
//                            CALL/STATICCALL/DELEGATECALL/CREATE steps, inputs and outputs from
//                            memory. Costly (memory at every step): for small transactions.
//                            Without this mode the node's own answer goes back: an error.
//   no-debug                 debug_* methods answer -32601 "the method … does not exist/is not
//                            available", as most public endpoints do
//   batch-limit              a batch of more than max (default 10) calls is refused as providers
//                            do: style "geth" (default; nitro too) answers [{id: <first id>,
//                            error: {-32600, "batch too large"}}], "jsonrpsee" (reth) {id: null,
//                            error: {-32010, "The batch request was too large", data: "Exceeded
//                            max limit of <max>"}}, "413" HTTP 413
// Knobs on every rule: methods: [..] (only these JSON-RPC methods), every: N (every Nth matching
// request), probability: p (with seed for a reproducible PRNG), times: N (only N times, then the
// rule is spent).
import http from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Provider texts for eth_getLogs limits (rpc-errors.md). {max},{from},{to},{hfrom},{hto} are
 * filled in: max = the limit, from/to = the rejected range, hfrom/hto = a suggested range. */
export const RANGE_TEXTS = {
  arbitrum: { code: -32000, text: 'logs matched by query exceeds limit of 10000' },
  infura: { code: -32005, text: 'query returned more than 10000 results. Try with this block range [{hfrom}, {hto}].' },
  alchemy: {
    code: -32602,
    text: 'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response. Based on your parameters, this block range should work: [{hfrom}, {hto}]',
  },
  avalanche: { code: -32000, text: 'requested too many blocks from {from_dec} to {to_dec}, maximum is set to {max}' },
  cloudflare: { code: -32000, text: 'Max range: {max}' },
  thirdweb: { code: -32000, text: 'Maximum allowed number of requested blocks is {max}' },
  quicknode: { code: -32000, text: 'eth_getLogs is limited to a {max_commas} range' },
  blockpi: { code: -32000, text: 'eth_getLogs is limited to {max_commas} block range' },
  blast: { code: -32000, text: 'block range exceeds the range allowed for your plan ({span} > {max})' },
  chainstack: { code: -32000, text: 'Block range limit exceeded.' },
  coinbase: { code: -32000, text: 'please limit the query to at most {max} blocks' },
  publicnode: { code: -32000, text: 'maximum block range: {max}' },
  hyperliquid: { code: -32000, text: 'query exceeds max block range {max}' },
  swell: { code: -32000, text: 'block range greater than {max} max' },
  somnia: { code: -32000, text: 'block range exceeds {max}' },
  merkle: { code: -32000, text: 'eth_getLogs range is too large, max is {max_k} blocks' },
  harmony: { code: -32000, text: 'query must be smaller than size {max}' },
  moonriver: { code: -32000, text: 'block range is too wide (maximum {max})' },
  ankr: { code: -32000, text: 'block range is too wide' },
  ankr2: { code: -32000, text: 'maximum [from, to] blocks distance: {max}' },
  aurora: { code: -32000, text: 'up to a {max} block range' },
  tron: { code: -32000, text: 'exceed max block range: {max}' },
  zkevm: { code: -32000, text: 'query returned more than 10000 results' },
  base: { code: -32000, text: 'block range too large' },
  base_unhealthy: { code: -32000, text: 'no backend is currently healthy to serve traffic' },
  optimism: { code: -32000, text: 'Block range is too large' },
  optimism_size: { code: -32000, text: 'backend response too large' },
  llamarpc: { code: -32000, text: 'query exceeds max results' },
  onerpc_size: { code: -32000, text: 'response size should not greater than 10000000 bytes' },
  drpc: { code: -32000, text: 'ranges over {max} blocks are not supported on freetier' },
  erpc: { code: -32000, text: 'exceeded max allowed' },
  erpc2: { code: -32000, text: 'range threshold exceeded' },
  erpc3: { code: -32000, text: 'allowed block range threshold exceeded' },
};

const HTTP_MODES = new Set(['429', '500', '502', '503', 'timeout', 'truncated', 'invalid-json', 'batch-limit']);
const CALL_MODES = new Set(['ok', 'rpc-error', 'range-limit', 'lagging-head', 'wrong-chain', 'call-tracer', 'no-debug']);

const TRACE_METHODS = new Set(['debug_traceTransaction', 'debug_traceBlockByNumber', 'debug_traceBlockByHash']);
const CALL_OPS = new Set(['CALL', 'CALLCODE', 'DELEGATECALL', 'STATICCALL', 'CREATE', 'CREATE2']);
const END_OPS = new Set(['RETURN', 'REVERT', 'STOP', 'SELFDESTRUCT', 'INVALID']);

/** bytes [off, off+len) of a struct-log memory (array of 32-byte hex words), as 0x hex */
function memSlice(memory, off, len) {
  if (len === 0) return '0x';
  const hexAll = (memory ?? []).join('');
  const a = off * 2;
  const b = (off + len) * 2;
  const part = hexAll.slice(a, b);
  return '0x' + part + '0'.repeat(Math.max(0, b - a - part.length));
}

const addrOf = (word) => '0x' + word.slice(-40).toLowerCase();
const big = (word) => BigInt('0x' + (word || '0'));

/** Error(string) reason of revert output, or undefined */
function revertReason(out) {
  if (!out || !out.startsWith('0x08c379a0') || out.length < 10 + 128) return undefined;
  try {
    const len = Number(BigInt('0x' + out.slice(10 + 64, 10 + 128)));
    return Buffer.from(out.slice(10 + 128, 10 + 128 + len * 2), 'hex').toString('utf8');
  } catch {
    return undefined;
  }
}

/** geth's callTracer frame of a transaction from a default (struct-log) trace with memory and
 * stack. tx: eth_getTransactionByHash; rcpt: its receipt. */
export function callFramesFromStructLogs(tx, rcpt, trace, { onlyTopCall = false, withLog = false } = {}) {
  const hx = (n) => '0x' + BigInt(n).toString(16);
  const root = {
    type: tx.to ? 'CALL' : 'CREATE',
    from: tx.from.toLowerCase(),
    to: (tx.to ?? rcpt.contractAddress).toLowerCase(),
    value: hx(tx.value ?? 0),
    gas: hx(tx.gas),
    gasUsed: hx(rcpt.gasUsed),
    input: tx.input,
    output: trace.returnValue ? '0x' + trace.returnValue.replace(/^0x/, '') : '0x',
  };
  if (trace.failed || rcpt.status === '0x0') {
    root.error = 'execution reverted';
    const r = revertReason(root.output);
    if (r !== undefined) root.revertReason = r;
  }
  if (onlyTopCall) return root;
  const logs = trace.structLogs ?? [];
  const stack = [{ frame: root, depth: 1, startGas: null }];
  const top = () => stack[stack.length - 1];
  for (let i = 0; i < logs.length; i++) {
    const st = logs[i];
    const next = logs[i + 1];
    const cur = top();
    if (st.depth !== cur.depth) continue; // defensive: steps of a frame we did not open
    const s = st.stack ?? [];
    const arg = (k) => s[s.length - 1 - k];
    if (withLog && /^LOG[0-4]$/.test(st.op)) {
      const n = Number(st.op[3]);
      const off = Number(big(arg(0)));
      const len = Number(big(arg(1)));
      const topics = Array.from({ length: n }, (_, k) => '0x' + arg(2 + k).padStart(64, '0'));
      (cur.frame.logs ??= []).push({ address: cur.frame.to, topics, data: memSlice(st.memory, off, len), position: hx((cur.frame.calls ?? []).length) });
    }
    if (CALL_OPS.has(st.op)) {
      const op = st.op;
      const f = { type: op, from: cur.frame.type === 'DELEGATECALL' ? cur.frame.from : cur.frame.to };
      let inOff;
      let inLen;
      if (op === 'CALL' || op === 'CALLCODE') {
        f.to = addrOf(arg(1));
        f.value = hx(big(arg(2)));
        f.gas = hx(big(arg(0)));
        [inOff, inLen] = [Number(big(arg(3))), Number(big(arg(4)))];
      } else if (op === 'DELEGATECALL' || op === 'STATICCALL') {
        f.to = addrOf(arg(1));
        f.gas = hx(big(arg(0)));
        if (op === 'DELEGATECALL') f.value = cur.frame.value;
        [inOff, inLen] = [Number(big(arg(2))), Number(big(arg(3)))];
      } else {
        f.value = hx(big(arg(0)));
        [inOff, inLen] = [Number(big(arg(1))), Number(big(arg(2)))];
        f.gas = hx(st.gas - st.gasCost);
      }
      f.input = memSlice(st.memory, inOff, inLen);
      (cur.frame.calls ??= []).push(f);
      if (next && next.depth === st.depth + 1) {
        stack.push({ frame: f, depth: st.depth + 1, startGas: next.gas });
      } else {
        // no code ran (an EOA, a precompile, or a call that failed at once): success is the
        // word the call pushed, the output what landed in the caller's return buffer
        f.gasUsed = '0x0';
        f.output = '0x';
        if (next && (op === 'CALL' || op === 'CALLCODE')) f.output = memSlice(next.memory, Number(big(arg(5))), Number(big(arg(6))));
        else if (next && (op === 'STATICCALL' || op === 'DELEGATECALL')) f.output = memSlice(next.memory, Number(big(arg(4))), Number(big(arg(5))));
        if (next && next.stack && big(next.stack[next.stack.length - 1]) === 0n && op !== 'CREATE' && op !== 'CREATE2') f.error = 'execution reverted';
      }
      continue;
    }
    const leaving = !next || next.depth < st.depth;
    if (leaving && stack.length > 1 && (END_OPS.has(st.op) || st.error)) {
      const f = cur.frame;
      if (st.op === 'RETURN' || st.op === 'REVERT') f.output = memSlice(st.memory, Number(big(arg(0))), Number(big(arg(1))));
      else f.output = '0x';
      f.gasUsed = hx(Math.max(0, cur.startGas - (st.gas - st.gasCost)));
      if (st.op === 'REVERT') {
        f.error = 'execution reverted';
        const r = revertReason(f.output);
        if (r !== undefined) f.revertReason = r;
      } else if (st.error || st.op === 'INVALID') f.error = typeof st.error === 'string' ? st.error : st.error?.message ?? 'invalid opcode';
      if ((f.type === 'CREATE' || f.type === 'CREATE2') && next) f.to = addrOf(next.stack[next.stack.length - 1]);
      stack.pop();
    }
  }
  return root;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normRule(r) {
  const mode = String(r.mode ?? 'ok');
  if (!HTTP_MODES.has(mode) && !CALL_MODES.has(mode)) throw new Error(`unknown proxy mode ${mode}`);
  const rule = { ...r, mode, _seen: 0, _fired: 0 };
  if (rule.methods && !Array.isArray(rule.methods)) rule.methods = String(rule.methods).split(',');
  for (const k of ['every', 'times', 'ms', 'lag', 'maxRange', 'chainId', 'code', 'retryAfter', 'status', 'max']) {
    if (rule[k] !== undefined && rule[k] !== null && rule[k] !== '') rule[k] = Number(rule[k]);
  }
  if (rule.probability !== undefined) rule.probability = Number(rule.probability);
  rule._rand = mulberry32(Number(rule.seed ?? 1));
  return rule;
}

const hex = (n) => '0x' + BigInt(n).toString(16);
const commas = (n) => Number(n).toLocaleString('en-US');

/** Fill a range-limit text. */
export function rangeText(key, { max, from, to, hint = true }) {
  const t = RANGE_TEXTS[key] ?? { code: -32000, text: String(key) };
  let hfrom = from;
  let hto = from + max - 1;
  if (hint === 'same') hto = to;
  const v = {
    max: String(max),
    max_commas: commas(max),
    max_k: max % 1000 === 0 ? `${max / 1000}k` : String(max),
    from: hex(from),
    to: hex(to),
    from_dec: String(from),
    to_dec: String(to),
    span: String(to - from + 1),
    hfrom: hex(hfrom),
    hto: hex(hto),
  };
  let text = t.text.replace(/\{(\w+)\}/g, (_, k) => v[k] ?? `{${k}}`);
  if (hint === false) text = text.replace(/\s*(Try with this block range|Based on your parameters, this block range should work:)\s*\[[^\]]*\]\.?/, '').trim();
  return { code: t.code, message: text };
}

export async function startProxy({ target, port = 0, rules, mode, ...knobs } = {}) {
  const tu = new URL(target);
  if (tu.hostname !== '127.0.0.1' && tu.hostname !== 'localhost') throw new Error(`refusing non-local target ${target}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let current = [];
  const stats = { http_requests: 0, batches: 0, calls: 0, by_method: {}, requests_by_method: {}, max_batch: 0, faults: {}, forwarded: 0 };

  const setMode = (spec) => {
    if (spec.rules) current = spec.rules.map(normRule);
    else current = [normRule(spec)];
    return getMode();
  };
  const getMode = () => current.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('_'))));
  if (rules) setMode({ rules });
  else setMode({ mode: mode ?? 'ok', ...knobs });

  const fault = (name) => {
    stats.faults[name] = (stats.faults[name] ?? 0) + 1;
  };

  // does the rule fire for a request that matches it? (every/probability/times)
  const fires = (r) => {
    if (r.mode === 'ok') return false;
    if (r.times !== undefined && r._fired >= r.times) return false;
    r._seen++;
    if (r.every && r._seen % r.every !== 0) return false;
    if (r.probability !== undefined && r._rand() >= r.probability) return false;
    r._fired++;
    return true;
  };
  const matches = (r, method) => !r.methods || r.methods.includes(method);

  // A keep-alive socket the node closed while idle fails the next request on it before the
  // node read a byte: send that request once more on a new socket (as lib.mjs does).
  const upstream = (bodyBuf, retried = false) =>
    new Promise((res, rej) => {
      const req = http.request(
        { host: tu.hostname, port: tu.port, path: tu.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': bodyBuf.length } },
        (r) => {
          const chunks = [];
          r.on('data', (c) => chunks.push(c));
          r.on('end', () => res({ status: r.statusCode, body: Buffer.concat(chunks) }));
          r.on('error', rej);
        },
      );
      req.on('error', (e) => {
        if (!retried && req.reusedSocket && e.code === 'ECONNRESET') res(upstream(bodyBuf, true));
        else rej(e);
      });
      req.end(bodyBuf);
    });
  const callUp = async (method, params) => {
    const r = await upstream(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })));
    const j = JSON.parse(r.body.toString());
    if (j.error) throw new Error(j.error.message);
    return j.result;
  };

  // per-call processing for call-level modes; returns a response object or null (forward)
  async function processCall(call, ctx) {
    const method = call?.method;
    for (const r of current) {
      if (!CALL_MODES.has(r.mode) || !matches(r, method)) continue;
      if (r.mode === 'rpc-error') {
        if (!fires(r)) continue;
        fault('rpc-error');
        return { jsonrpc: '2.0', id: call.id ?? null, error: { code: r.code ?? -32005, message: r.message ?? 'rate limit exceeded' } };
      }
      if (r.mode === 'range-limit' && method === 'eth_getLogs') {
        const f = call.params?.[0] ?? {};
        if (f.blockHash) continue;
        const head = await ctx.head();
        const toNum = (b, dflt) => (b === undefined || b === 'latest' || b === 'pending' || b === 'safe' || b === 'finalized' ? dflt : b === 'earliest' ? 0 : Number(BigInt(b)));
        const from = toNum(f.fromBlock, head);
        const to = toNum(f.toBlock, head);
        const max = r.maxRange ?? 1000;
        if (to - from + 1 <= max) continue;
        if (!fires(r)) continue;
        fault('range-limit');
        const e = rangeText(r.text ?? 'infura', { max, from, to, hint: r.hint ?? true });
        return { jsonrpc: '2.0', id: call.id ?? null, error: { code: r.code ?? e.code, message: e.message } };
      }
      if (r.mode === 'no-debug' && typeof method === 'string' && method.startsWith('debug_')) {
        if (!fires(r)) continue;
        fault('no-debug');
        return { jsonrpc: '2.0', id: call.id ?? null, error: { code: -32601, message: `the method ${method} does not exist/is not available` } };
      }
      if (r.mode === 'call-tracer' && TRACE_METHODS.has(method) && call.params?.[1]?.tracer === 'callTracer') {
        if (!fires(r)) continue;
        fault('call-tracer');
        const cfg = call.params[1].tracerConfig ?? {};
        const one = async (hash) => {
          const [tx, rcpt] = await Promise.all([callUp('eth_getTransactionByHash', [hash]), callUp('eth_getTransactionReceipt', [hash])]);
          if (!tx || !rcpt) throw new Error(`transaction ${hash} not found`);
          const trace = await callUp('debug_traceTransaction', [hash, { disableStorage: true, disableMemory: !!cfg.onlyTopCall && !cfg.withLog, disableStack: !!cfg.onlyTopCall && !cfg.withLog }]);
          return callFramesFromStructLogs(tx, rcpt, trace, cfg);
        };
        try {
          if (method === 'debug_traceTransaction') return { jsonrpc: '2.0', id: call.id ?? null, result: await one(call.params[0]) };
          const blk = await callUp(method === 'debug_traceBlockByHash' ? 'eth_getBlockByHash' : 'eth_getBlockByNumber', [call.params[0], false]);
          if (!blk) throw new Error(`block ${call.params[0]} not found`);
          const out = [];
          for (const h of blk.transactions) out.push({ txHash: h, result: await one(h) });
          return { jsonrpc: '2.0', id: call.id ?? null, result: out };
        } catch (e) {
          return { jsonrpc: '2.0', id: call.id ?? null, error: { code: -32000, message: e.message } };
        }
      }
      if (r.mode === 'wrong-chain' && (method === 'eth_chainId' || method === 'net_version')) {
        if (!fires(r)) continue;
        fault('wrong-chain');
        const id = r.chainId ?? 42170;
        return { jsonrpc: '2.0', id: call.id ?? null, result: method === 'eth_chainId' ? hex(id) : String(id) };
      }
      if (r.mode === 'lagging-head') {
        const lagTags = (b) => b === 'latest' || b === 'pending';
        if (method === 'eth_blockNumber') {
          if (!fires(r)) continue;
          fault('lagging-head');
          const head = await ctx.head();
          return { jsonrpc: '2.0', id: call.id ?? null, result: hex(Math.max(0, head - (r.lag ?? 5))) };
        }
        if ((method === 'eth_getBlockByNumber' || method === 'eth_getLogs' || method === 'eth_call' || method === 'eth_getBalance') && call.params) {
          const head = await ctx.head();
          const lagged = hex(Math.max(0, head - (r.lag ?? 5)));
          const p = structuredClone(call.params);
          let touched = false;
          const lagNum = Math.max(0, head - (r.lag ?? 5));
          const above = (b) => typeof b === 'string' && b.startsWith('0x') && Number(BigInt(b)) > lagNum;
          // a lagging node does not know the newer blocks: null / no logs / clamped ranges
          if (method === 'eth_getBlockByNumber' && above(p[0])) {
            if (!fires(r)) continue;
            fault('lagging-head');
            return { jsonrpc: '2.0', id: call.id ?? null, result: null };
          }
          if (method === 'eth_getLogs' && p[0] && !p[0].blockHash && above(p[0].fromBlock)) {
            if (!fires(r)) continue;
            fault('lagging-head');
            return { jsonrpc: '2.0', id: call.id ?? null, result: [] };
          }
          if (method === 'eth_getLogs' && p[0] && above(p[0].toBlock)) [p[0].toBlock, touched] = [lagged, true];
          if (method === 'eth_getBlockByNumber' && lagTags(p[0])) [p[0], touched] = [lagged, true];
          if ((method === 'eth_call' || method === 'eth_getBalance') && lagTags(p[1])) [p[1], touched] = [lagged, true];
          if (method === 'eth_getLogs' && p[0] && !p[0].blockHash) {
            if (p[0].toBlock === undefined || lagTags(p[0].toBlock)) [p[0].toBlock, touched] = [lagged, true];
            if (lagTags(p[0].fromBlock)) [p[0].fromBlock, touched] = [lagged, true];
          }
          if (!touched || !fires(r)) continue;
          fault('lagging-head');
          return { rewrite: { ...call, params: p } };
        }
      }
    }
    return null;
  }

  function send(res, status, headers, body) {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  async function handleRpc(req, res, bodyBuf) {
    stats.http_requests++;
    let parsed;
    try {
      parsed = JSON.parse(bodyBuf.toString('utf8'));
    } catch {
      return send(res, 400, { 'content-type': 'application/json' }, JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
    }
    const isBatch = Array.isArray(parsed);
    const calls = isBatch ? parsed : [parsed];
    if (isBatch) stats.batches++;
    for (const c of calls) {
      stats.calls++;
      const m = c?.method ?? '(none)';
      stats.by_method[m] = (stats.by_method[m] ?? 0) + 1;
    }
    for (const m of new Set(calls.map((c) => c?.method ?? '(none)'))) stats.requests_by_method[m] = (stats.requests_by_method[m] ?? 0) + 1;
    stats.max_batch = Math.max(stats.max_batch, calls.length);
    const methods = calls.map((c) => c?.method);

    // HTTP-level faults: the first matching rule that fires
    let httpRule = null;
    for (const r of current) {
      if (!HTTP_MODES.has(r.mode)) continue;
      if (r.methods && !methods.some((m) => r.methods.includes(m))) continue;
      if (r.mode === 'batch-limit' && !(isBatch && calls.length > (r.max ?? 10))) continue;
      if (fires(r)) {
        httpRule = r;
        break;
      }
    }
    if (httpRule) {
      fault(httpRule.mode);
      const r = httpRule;
      switch (r.mode) {
        case '429': {
          const h = { 'content-type': 'application/json' };
          if (r.retryAfter !== undefined && r.retryAfter !== null && !Number.isNaN(r.retryAfter)) h['retry-after'] = String(r.retryAfter);
          return send(res, 429, h, r.body ?? JSON.stringify({ jsonrpc: '2.0', id: isBatch ? null : parsed?.id ?? null, error: { code: 429, message: 'Too Many Requests' } }));
        }
        case '500':
          return send(res, 500, { 'content-type': 'text/plain' }, r.body ?? 'Internal Server Error');
        case '502':
          return send(res, 502, { 'content-type': 'text/html' }, r.body ?? '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n');
        case '503':
          return send(res, 503, { 'content-type': 'text/html' }, r.body ?? '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n');
        case 'batch-limit': {
          const max = r.max ?? 10;
          if (r.style === '413') return send(res, 413, { 'content-type': 'text/html' }, '<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center></body></html>\n');
          if (r.style === 'jsonrpsee') return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32010, message: 'The batch request was too large', data: `Exceeded max limit of ${max}` } }));
          return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify([{ jsonrpc: '2.0', id: calls[0]?.id ?? null, error: { code: -32600, message: 'batch too large' } }]));
        }
        case 'invalid-json':
          return send(res, 200, { 'content-type': 'application/json' }, r.body ?? '<!DOCTYPE html><html><body>upstream connect error or disconnect/reset before headers</body></html>');
        case 'timeout': {
          await new Promise((ok) => {
            const t = setTimeout(ok, r.ms ?? 30000);
            res.on('close', () => {
              clearTimeout(t);
              ok();
            });
          });
          if (res.destroyed) return;
          if (r.then === 'drop') return req.socket.destroy();
          break; // then forward normally
        }
        default:
          break; // truncated: forward, cut below
      }
    }

    // call-level processing
    let headP = null;
    const ctx = { head: () => (headP ??= callUp('eth_blockNumber', []).then((h) => Number(BigInt(h)))) };
    const answers = new Array(calls.length).fill(null);
    const fwd = [];
    for (let i = 0; i < calls.length; i++) {
      let a = null;
      try {
        a = await processCall(calls[i], ctx);
      } catch (e) {
        a = { jsonrpc: '2.0', id: calls[i]?.id ?? null, error: { code: -32603, message: `proxy: ${e.message}` } };
      }
      if (a && a.rewrite) fwd.push([i, a.rewrite]);
      else if (a) answers[i] = a;
      else fwd.push([i, calls[i]]);
    }
    let status = 200;
    // nothing answered or rewritten here: pass the request and the answer through as bytes
    // (no re-serialisation of large eth_getLogs answers; what the benchmarks time)
    if (fwd.length === calls.length && fwd.every(([i, c]) => c === calls[i])) {
      let up;
      try {
        up = await upstream(bodyBuf);
      } catch (e) {
        return send(res, 502, { 'content-type': 'text/plain' }, `proxy: upstream failed: ${e.message}`);
      }
      stats.forwarded += fwd.length;
      return finish(res, up.status, up.body, httpRule);
    }
    if (fwd.length) {
      const upBody = Buffer.from(JSON.stringify(isBatch ? fwd.map(([, c]) => c) : fwd[0][1]));
      let up;
      try {
        up = await upstream(upBody);
      } catch (e) {
        return send(res, 502, { 'content-type': 'text/plain' }, `proxy: upstream failed: ${e.message}`);
      }
      stats.forwarded += fwd.length;
      status = up.status;
      if (!isBatch && answers.every((x) => x === null)) {
        return finish(res, status, up.body, httpRule);
      }
      let uj;
      try {
        uj = JSON.parse(up.body.toString());
      } catch {
        return finish(res, status, up.body, httpRule);
      }
      const list = Array.isArray(uj) ? uj : [uj];
      const byId = new Map(list.map((x) => [JSON.stringify(x.id), x]));
      for (const [i, c] of fwd) answers[i] = byId.get(JSON.stringify(c.id)) ?? { jsonrpc: '2.0', id: c.id ?? null, error: { code: -32603, message: 'proxy: no upstream answer' } };
    }
    const out = Buffer.from(JSON.stringify(isBatch ? answers : answers[0]));
    return finish(res, status, out, httpRule);
  }

  function finish(res, status, body, httpRule) {
    if (httpRule?.mode === 'truncated') {
      const cut = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
      if (httpRule.style === 'connection') {
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
        res.write(cut);
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      }
      return send(res, status, { 'content-type': 'application/json' }, cut);
    }
    return send(res, status, { 'content-type': 'application/json' }, body);
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const path = req.url.split('?')[0];
      try {
        if (path.startsWith('/__proxy/')) {
          const j = (o, s = 200) => send(res, s, { 'content-type': 'application/json' }, JSON.stringify(o, null, 1));
          if (path === '/__proxy/stats') return j(stats);
          if (path === '/__proxy/mode' && req.method === 'GET') return j({ rules: getMode() });
          if (path === '/__proxy/mode' && req.method === 'POST') {
            try {
              return j({ rules: setMode(JSON.parse(body.toString() || '{}')) });
            } catch (e) {
              return j({ error: e.message }, 400);
            }
          }
          if (path === '/__proxy/reset' && req.method === 'POST') {
            resetStats();
            return j(stats);
          }
          return j({ error: 'not found' }, 404);
        }
        if (req.method !== 'POST') return send(res, 405, { 'content-type': 'text/plain' }, 'POST JSON-RPC only\n');
        await handleRpc(req, res, body);
      } catch (e) {
        send(res, 500, { 'content-type': 'text/plain' }, `proxy error: ${e.message}`);
      }
    });
  });
  server.keepAliveTimeout = 5000;
  const resetStats = () => {
    Object.assign(stats, { http_requests: 0, batches: 0, calls: 0, by_method: {}, requests_by_method: {}, max_batch: 0, faults: {}, forwarded: 0 });
  };
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    port: server.address().port,
    setMode,
    getMode,
    stats: () => structuredClone(stats),
    resetStats,
    async close() {
      server.closeAllConnections?.();
      await new Promise((ok) => server.close(ok));
      agent.destroy();
    },
  };
}

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) continue;
    const k = argv[i].slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const n = argv[i + 1];
    if (n === undefined || n.startsWith('--')) o[k] = true;
    else o[k] = argv[++i];
  }
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { target, port, ...rest } = parseArgs(process.argv.slice(2));
  if (!target) {
    console.error('usage: proxy.mjs --target http://127.0.0.1:8545 [--port P] [--mode M] [--retry-after S] [--every N] ...');
    process.exit(2);
  }
  if (rest.hint === 'false') rest.hint = false;
  if (rest.hint === 'true') rest.hint = true;
  const px = await startProxy({ target, port: Number(port || 0), ...rest });
  console.log(`proxy ready ${px.url}`);
  const stop = async () => {
    await px.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
