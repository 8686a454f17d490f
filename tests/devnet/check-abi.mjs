// Check that the compiled test contracts expose the real Arbius surface: every event topic0 and
// function selector they claim is the one in data/arbius/topics_and_selectors.computed.txt, and
// each event/function has the same types (and indexed flags / return layout) as in the upstream
// ABIs (V2_EngineV6, V2_EngineV5, V2_EngineV4, EngineV1, ArbiusRouterV1, BaseTokenV1).
// Throws (CLI: exits 1) with the list of every mismatch.
//
//   node devnet/check-abi.mjs
//   import { checkAbi } from './check-abi.mjs'; await checkAbi()  // -> { checked, report }
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Interface, id as keccakId } from 'ethers';
import { compileContracts } from './compile.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** Directory holding the Arbius research data (abi/, topics_and_selectors.computed.txt). */
export function arbiusDataDir() {
  const candidates = [
    process.env.ARBIUS_DATA_DIR,
    join(here, '..', 'data', 'arbius'),
    join(here, '..', '..', '..', 'shared', 'arbius', 'data'),
  ].filter(Boolean);
  for (const c of candidates) if (existsSync(join(c, 'topics_and_selectors.computed.txt'))) return c;
  throw new Error('arbius data dir not found; tried ' + candidates.join(', '));
}

// What each test contract must implement: [contract, kind, canonical signature, reference ABI]
export const REQUIRED = [
  ...[
    'TaskSubmitted(bytes32,bytes32,uint256,address)',
    'TaskRetracted(bytes32)',
    'SignalCommitment(address,bytes32)',
    'SolutionSubmitted(address,bytes32)',
    'SolutionClaimed(address,bytes32)',
    'ContestationSubmitted(address,bytes32)',
    'ContestationSuggested(address,bytes32)',
    'ContestationVote(address,bytes32,bool)',
    'ContestationVoteFinish(bytes32,uint32,uint32)',
    'ModelRegistered(bytes32)',
    'ModelFeeChanged(bytes32,uint256)',
    'ModelAddrChanged(bytes32,address)',
    'SolutionMineableRateChange(bytes32,uint256)',
    'ValidatorDeposit(address,address,uint256)',
    'ValidatorWithdrawInitiated(address,uint256,uint256,uint256)',
    'ValidatorWithdrawCancelled(address,uint256)',
    'ValidatorWithdraw(address,address,uint256,uint256)',
    'TreasuryTransferred(address)',
    'RewardsPaid(uint256,uint256,uint256,uint256)',
    'FeesPaid(uint256,uint256,uint256,uint256)',
    'RewardsPaid(bytes32,bytes32,address,uint256,uint256,uint256,uint256)',
    'FeesPaid(bytes32,bytes32,address,uint256,uint256,uint256,uint256)',
    'MasterContesterRegistrySet(address)',
    'MasterContesterVoteAdderSet(uint32)',
  ].map((s) => ['TestEngine', 'event', s]),
  ...[
    'submitTask(uint8,address,bytes32,uint256,bytes)',
    'bulkSubmitTask(uint8,address,bytes32,uint256,bytes,uint256)',
    'submitSolution(bytes32,bytes)',
    'bulkSubmitSolution(bytes32[],bytes[])',
    'claimSolution(bytes32)',
    'signalCommitment(bytes32)',
    'retractTask(bytes32)',
    'registerModel(address,uint256,bytes)',
    'submitContestation(bytes32)',
    'suggestContestation(bytes32)',
    'voteOnContestation(bytes32,bool)',
    'contestationVoteFinish(bytes32,uint32)',
    'validatorDeposit(address,uint256)',
    'initiateValidatorWithdraw(uint256)',
    'validatorWithdraw(uint256,address)',
    'cancelValidatorWithdraw(uint256)',
    'withdrawAccruedFees()',
    'tasks(bytes32)',
    'solutions(bytes32)',
    'models(bytes32)',
    'validators(address)',
    'contestations(bytes32)',
    'getReward()',
    'generateIPFSCID(bytes)',
    'generateCommitment(address,bytes32,bytes)',
    'masterContesterRegistry()',
    'masterContesterVoteAdder()',
    'setMasterContesterRegistry(address)',
    'setMasterContesterVoteAdder(uint32)',
  ].map((s) => ['TestEngine', 'function', s]),
  ['TestRouter', 'function', 'submitTask(uint8,address,bytes32,uint256,bytes,uint256,uint256)'],
  ['TestRouter', 'function', 'addIncentive(bytes32,uint256)'],
  ['TestRouter', 'function', 'claimIncentive(bytes32,(address,bytes)[])'],
  ['TestRouter', 'event', 'IncentiveAdded(bytes32,uint256)'],
  ['TestRouter', 'event', 'IncentiveClaimed(bytes32,address,uint256)'],
  ['TestToken', 'event', 'Transfer(address,address,uint256)'],
  // the V6 master contester registry the engine asks, and the wrappers tasks come through
  ['TestMasterContesterRegistry', 'function', 'isMasterContester(address)'],
  ['TestMasterContesterRegistry', 'event', 'EmergencyMasterContesterAdded(address)'],
  ['TestMulticall3', 'function', 'aggregate((address,bytes)[])'],
  ['TestMulticall3', 'function', 'aggregate3((address,bool,bytes)[])'],
  ['TestSafe', 'function', 'execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)'],
  ['TestSafe', 'event', 'ExecutionSuccess(bytes32,uint256)'],
];

/** Selectors of the bulk helper: its own, none of them a task or solution call the indexer knows. */
export const HELPER_MUST_NOT_USE = [
  'submitTask(uint8,address,bytes32,uint256,bytes)',
  'bulkSubmitTask(uint8,address,bytes32,uint256,bytes,uint256)',
  'submitSolution(bytes32,bytes)',
  'bulkSubmitSolution(bytes32[],bytes[])',
  'submitTask(uint8,address,bytes32,uint256,bytes,uint256,uint256)',
  'submitTaskWithToken(uint8,address,bytes32,uint256,bytes,uint256,address,uint256,uint256)',
  'submitTaskWithETH(uint8,address,bytes32,uint256,bytes,uint256,uint256)',
  'claimSolution(bytes32)',
  'signalCommitment(bytes32)',
];

const REFERENCE_ABIS = {
  TestEngine: ['V2_EngineV6', 'V2_EngineV5', 'V2_EngineV4', 'EngineV1'],
  TestRouter: ['ArbiusRouterV1'],
  TestToken: ['BaseTokenV1'],
};

function parseComputed(text) {
  const map = new Map(); // signature -> hash
  for (const line of text.split('\n')) {
    const m = line.match(/^(0x[0-9a-f]+)\s+(\S+)/);
    if (m) map.set(m[2], m[1]);
  }
  return map;
}

// type string that keeps tuple structure, e.g. "(address,bytes)[]"
function typeOf(p) {
  if (p.type.startsWith('tuple')) return '(' + p.components.map(typeOf).join(',') + ')' + p.type.slice(5);
  return p.type;
}
function shape(frag) {
  const ins = frag.inputs.map((p) => typeOf(p) + (p.indexed ? ' indexed' : '')).join(',');
  const outs = frag.type === 'function' ? ' -> ' + (frag.outputs || []).map(typeOf).join(',') : '';
  return `${frag.name}(${ins})${outs}`;
}

export async function checkAbi({ dataDir = arbiusDataDir(), compiled } = {}) {
  compiled ??= await compileContracts();
  const computed = parseComputed(readFileSync(join(dataDir, 'topics_and_selectors.computed.txt'), 'utf8'));
  const errors = [];
  const report = [];
  let checked = 0;

  // upstream fragments by canonical signature, per contract
  const refs = {};
  for (const [cname, names] of Object.entries(REFERENCE_ABIS)) {
    refs[cname] = new Map();
    for (const n of names) {
      const abi = JSON.parse(readFileSync(join(dataDir, 'abi', `${n}.abi.json`), 'utf8'));
      for (const f of Array.isArray(abi) ? abi : abi.abi) {
        if (f.type !== 'event' && f.type !== 'function') continue;
        const sig = `${f.name}(${f.inputs.map(typeOf).join(',')})`;
        if (!refs[cname].has(sig)) refs[cname].set(sig, { frag: f, from: n });
      }
    }
  }

  for (const [cname, c] of Object.entries(compiled.contracts)) {
    const iface = new Interface(c.abi);
    for (const f of c.abi) {
      if (f.type !== 'event' && f.type !== 'function') continue;
      const sig = `${f.name}(${f.inputs.map(typeOf).join(',')})`;
      const ours = f.type === 'event' ? iface.getEvent(sig).topicHash : iface.getFunction(sig).selector;
      if (ours !== (f.type === 'event' ? keccakId(sig) : keccakId(sig).slice(0, 10))) {
        errors.push(`${cname} ${sig}: ethers hash ${ours} disagrees with keccak of signature`);
      }
      if (f.type === 'function' && c.methodIdentifiers && '0x' + c.methodIdentifiers[sig] !== ours) {
        errors.push(`${cname} ${sig}: solc selector 0x${c.methodIdentifiers[sig]} != ${ours}`);
      }
      const want = computed.get(sig);
      const ref = refs[cname]?.get(sig);
      if (want !== undefined) {
        checked++;
        if (want !== ours) errors.push(`${cname} ${f.type} ${sig}: ${ours} != computed ${want}`);
      }
      if (ref) {
        if (shape(ref.frag) !== shape(f)) {
          errors.push(`${cname} ${sig}: layout ${shape(f)} != ${ref.from} ${shape(ref.frag)}`);
        }
      }
      report.push(`${cname.padEnd(10)} ${f.type.padEnd(8)} ${ours.padEnd(66)} ${sig}${want ? '' : ' (devnet-only)'}${ref ? ' =' + ref.from : ''}`);
    }
  }

  for (const [cname, kind, sig] of REQUIRED) {
    const c = compiled.contracts[cname];
    const has = c && c.abi.some((f) => f.type === kind && `${f.name}(${f.inputs.map(typeOf).join(',')})` === sig);
    if (!has) errors.push(`${cname} is missing required ${kind} ${sig}`);
    if (!computed.has(sig)) errors.push(`required ${sig} is not in topics_and_selectors.computed.txt`);
  }

  const helper = compiled.contracts.TestBulkHelper;
  if (helper) {
    const banned = new Set(HELPER_MUST_NOT_USE.map((sig) => keccakId(sig).slice(2, 10)));
    for (const [sig, sel] of Object.entries(helper.methodIdentifiers ?? {})) {
      if (banned.has(sel)) errors.push(`TestBulkHelper ${sig}: selector 0x${sel} is an engine/router selector; the helper must have its own`);
    }
  }

  if (errors.length) {
    const e = new Error(`ABI check failed (${errors.length}):\n  ` + errors.join('\n  '));
    e.errors = errors;
    throw e;
  }
  return { checked, report };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const { checked, report } = await checkAbi();
    if (process.argv.includes('-v')) console.log(report.join('\n'));
    console.log(`ABI check OK: ${checked} topic0s/selectors match topics_and_selectors.computed.txt; layouts match upstream ABIs`);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
