// Compile tests/devnet/contracts/*.sol with solc-js 0.8.24 (soljson from npm, no download),
// evmVersion "paris", optimizer on. Output is cached in tests/devnet/build/<hash>.json where
// hash = sha256(solc version + settings + every source file name and content).
//
//   import { compileContracts } from './compile.mjs'
//   const { contracts } = await compileContracts()   // { TestEngine: { abi, bytecode }, ... }
//   node devnet/compile.mjs            # compile (or reuse cache) and print the cache file
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync, readdirSync, existsSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const CONTRACTS_DIR = join(here, 'contracts');
export const BUILD_DIR = join(here, 'build');
const SOLC_VERSION = '0.8.24';

const SETTINGS = {
  evmVersion: 'paris',
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.methodIdentifiers'] } },
};

function readSources() {
  const sources = {};
  for (const f of readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith('.sol')).sort()) {
    sources[f] = { content: readFileSync(join(CONTRACTS_DIR, f), 'utf8') };
  }
  return sources;
}

export function sourceHash(sources = readSources()) {
  const h = createHash('sha256');
  h.update(SOLC_VERSION + '\0' + JSON.stringify(SETTINGS) + '\0');
  for (const [name, { content }] of Object.entries(sources)) h.update(name + '\0' + content + '\0');
  return h.digest('hex').slice(0, 16);
}

export async function compileContracts({ force = false } = {}) {
  const sources = readSources();
  const hash = sourceHash(sources);
  const file = join(BUILD_DIR, `${hash}.json`);
  if (!force && existsSync(file)) {
    return { ...JSON.parse(readFileSync(file, 'utf8')), cacheFile: file, cached: true };
  }
  const require = createRequire(import.meta.url);
  const solc = require('solc');
  if (!solc.version().startsWith(SOLC_VERSION)) {
    throw new Error(`solc ${solc.version()} installed, ${SOLC_VERSION} wanted (cd tests && npm ci)`);
  }
  const input = { language: 'Solidity', sources, settings: SETTINGS };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  if (process.env.DEVNET_SOLC_WARNINGS === '1') {
    for (const e of out.errors || []) if (e.severity !== 'error') process.stderr.write(`solc: ${e.formattedMessage}`);
  }
  if (errors.length) throw new Error('solc failed:\n' + errors.map((e) => e.formattedMessage).join('\n'));
  const contracts = {};
  for (const [fname, byName] of Object.entries(out.contracts)) {
    for (const [name, c] of Object.entries(byName)) {
      if (!fname.startsWith(name + '.')) continue; // only the contract named like its file
      contracts[name] = {
        abi: c.abi,
        bytecode: '0x' + c.evm.bytecode.object,
        methodIdentifiers: c.evm.methodIdentifiers,
      };
    }
  }
  const result = { solc: solc.version(), hash, settings: SETTINGS, contracts };
  mkdirSync(BUILD_DIR, { recursive: true });
  // A name of this process's own: test files started side by side may
  // compile at once on a clean clone; each rename is whole.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(result, null, 1));
  renameSync(tmp, file);
  return { ...result, cacheFile: file, cached: false };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  const r = await compileContracts({ force: process.argv.includes('--force') });
  console.log(`${r.cached ? 'cached' : 'compiled'} ${Object.keys(r.contracts).join(', ')} -> ${r.cacheFile} (${Date.now() - t0} ms)`);
}
