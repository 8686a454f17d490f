// The Arbius engine, router and token surface that bench/ponder indexes:
// the event and function signatures of the real contracts (the devnet's
// test contracts have the same selectors and topic0s; tests/devnet/
// check-abi.mjs holds them to it).  Human-readable ABI, parsed by viem.
import { parseAbi } from "viem";

export const EngineAbi = parseAbi([
  "event ModelRegistered(bytes32 indexed id)",
  "event ModelFeeChanged(bytes32 indexed id, uint256 fee)",
  "event ModelAddrChanged(bytes32 indexed id, address addr)",
  "event SolutionMineableRateChange(bytes32 indexed id, uint256 rate)",
  "event TaskSubmitted(bytes32 indexed id, bytes32 indexed model, uint256 fee, address indexed sender)",
  "event TaskRetracted(bytes32 indexed id)",
  "event SignalCommitment(address indexed addr, bytes32 indexed commitment)",
  "event SolutionSubmitted(address indexed addr, bytes32 indexed task)",
  "event SolutionClaimed(address indexed addr, bytes32 indexed task)",
  "event ContestationSubmitted(address indexed addr, bytes32 indexed task)",
  "event ContestationSuggested(address indexed addr, bytes32 indexed task)",
  "event ContestationVote(address indexed addr, bytes32 indexed task, bool yea)",
  "event ContestationVoteFinish(bytes32 indexed id, uint32 indexed start_idx, uint32 end_idx)",
  "event ValidatorDeposit(address indexed addr, address indexed validator, uint256 amount)",
  "event ValidatorWithdrawInitiated(address indexed addr, uint256 indexed count, uint256 unlockTime, uint256 amount)",
  "event ValidatorWithdrawCancelled(address indexed addr, uint256 indexed count)",
  "event ValidatorWithdraw(address indexed addr, address indexed to, uint256 indexed count, uint256 amount)",
  "event TreasuryTransferred(address indexed to)",
  // V5 .. V5_2: nothing indexed
  "event RewardsPaid(uint256 totalRewards, uint256 treasuryReward, uint256 taskOwnerReward, uint256 validatorReward)",
  "event FeesPaid(uint256 modelFee, uint256 treasuryFee, uint256 remainingFee, uint256 validatorFee)",
  // V6
  "event RewardsPaid(bytes32 indexed model, bytes32 indexed task, address indexed validator, uint256 totalRewards, uint256 treasuryReward, uint256 taskOwnerReward, uint256 validatorReward)",
  "event FeesPaid(bytes32 indexed model, bytes32 indexed task, address indexed validator, uint256 modelFee, uint256 treasuryFee, uint256 remainingFee, uint256 validatorFee)",
  "function submitTask(uint8 version_, address owner_, bytes32 model_, uint256 fee_, bytes input_)",
  "function bulkSubmitTask(uint8 version_, address owner_, bytes32 model_, uint256 fee_, bytes input_, uint256 n_)",
  "function submitSolution(bytes32 taskid_, bytes cid_)",
  "function bulkSubmitSolution(bytes32[] taskids_, bytes[] cids_)",
]);

export const RouterAbi = parseAbi([
  "event IncentiveAdded(bytes32 indexed taskid, uint256 amount)",
  "event IncentiveClaimed(bytes32 indexed taskid, address indexed recipient, uint256 amount)",
  "function submitTask(uint8 version_, address owner_, bytes32 model_, uint256 fee_, bytes input_, uint256 incentive_, uint256 gas_)",
]);

export const TokenAbi = parseAbi([
  "event Transfer(address indexed from, address indexed to, uint256 value)",
]);
