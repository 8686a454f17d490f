// gen-fuzz-corpus.mjs - seeds fuzz/corpus/arbius/ from a real devnet run:
// every log the `full` scenario emits, the calldata of its transactions and
// the engine's view replies, in fuzz_arbius.c's input format.
//   cd tests && node ../tools/gen-fuzz-corpus.mjs
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startDevnet } from '../tests/devnet/devnet.mjs';
import { runScenario } from '../tests/devnet/driver.mjs';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fuzz/corpus/arbius');
fs.mkdirSync(out, { recursive: true });
const hex = (h) => Buffer.from(h.replace(/^0x/, ''), 'hex');
const seen = new Set();
function put(kind, buf) {
  const b = Buffer.concat([Buffer.from([kind]), buf]);
  const name = createHash('sha1').update(b).digest('hex').slice(0, 16);
  if (seen.has(name)) return;
  seen.add(name);
  fs.writeFileSync(path.join(out, `${kind}-${name}`), b);
}

const net = await startDevnet({});
try {
  await runScenario({ rpcUrl: net.rpcUrl, deploy: net.deploy, scenario: 'full', log: () => {} });
  const c = net.deploy.contracts;
  const logs = await net.rpc.call('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest', address: [c.engine, c.token, c.router] }]);
  const kindOf = (a) => (a === c.engine ? 0 : a === c.token ? 1 : a === c.router ? 2 : 3);
  const txs = new Set();
  for (const l of logs) {
    const topics = l.topics.map(hex);
    put(0, Buffer.concat([Buffer.from([kindOf(l.address.toLowerCase()), topics.length]), ...topics, hex(l.data)]));
    txs.add(l.transactionHash);
  }
  for (const h of txs) {
    const tx = await net.rpc.call('eth_getTransactionByHash', [h]);
    const input = hex(tx.input);
    put(1, input);
    put(3, input);
    const sel = tx.input.slice(0, 10);
    if (sel === '0x56914caf') put(2, Buffer.concat([input.subarray(4, 36), input]));
  }
  for (const l of logs.filter((x) => x.topics.length === 3 && x.address.toLowerCase() === c.engine).slice(0, 10)) {
    const data = '0x75c70509' + l.topics[2].slice(2);
    put(5, hex(await net.rpc.call('eth_call', [{ to: c.engine, data }, 'latest'])));
  }
  put(4, Buffer.from('{"prompt":"a fox"}'));
  put(4, Buffer.from([0xff, 0xfe, 0x7b]));
  put(4, Buffer.from('{"prompt":"nul\\u0000"}'));
  console.log(`${seen.size} seeds in ${out}`);
} finally {
  await net.stop();
}
