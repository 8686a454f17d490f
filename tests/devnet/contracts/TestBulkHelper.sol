// SPDX-License-Identifier: MIT
// arbiusd test devnet: a bulk helper contract of the kind bots and miners deploy on Arbitrum One
// (upstream ships examples: contract/contracts/Example/BulkSubmitTask.sol, BulkSubmitter.sol).
// It has its OWN function selectors, none of them the engine's or the router's, and passes the
// task input bytes through to the engine unchanged: the prompt is in this contract's calldata,
// the engine only sees one submitTask / submitSolution / claimSolution call per item.
//
//   submitBatch(model, fee, owner, count, input)   count engine submitTask calls, one input
//   submitEach(model, fee, owner, inputs[])        one engine submitTask per input
//   solveBatch(taskids[], cids[])                  engine submitSolution per task: THIS contract
//                                                  is the solver (SolutionSubmitted.addr)
//   commitBatch(commitments[])                     engine signalCommitment per commitment
//   claimBatch(taskids[])                          engine claimSolution per task
//   stake(amount)                                  engine validatorDeposit for this contract
// Task fees are pulled from the caller first (one transferFrom), then the engine pulls them
// from this contract call by call. Written for the tests; not upstream code.
pragma solidity 0.8.24;

interface IHelperEngine {
    function submitTask(uint8 version_, address owner_, bytes32 model_, uint256 fee_, bytes calldata input_) external;
    function submitSolution(bytes32 taskid_, bytes calldata cid_) external;
    function signalCommitment(bytes32 commitment_) external;
    function claimSolution(bytes32 taskid_) external;
    function validatorDeposit(address validator_, uint256 amount_) external;
}

interface IHelperToken {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function approve(address spender, uint256 amount) external returns (bool);
}

contract TestBulkHelper {
    IHelperEngine public immutable engine;
    IHelperToken public immutable token;
    address public owner;

    event BatchSubmitted(address indexed caller, uint256 count);

    error NotOwner();
    error LengthMismatch();
    error TransferFailed();

    constructor(address engine_, address token_) {
        engine = IHelperEngine(engine_);
        token = IHelperToken(token_);
        owner = msg.sender;
        IHelperToken(token_).approve(engine_, type(uint256).max);
    }

    function _collect(uint256 amount_) internal {
        if (amount_ > 0 && !token.transferFrom(msg.sender, address(this), amount_)) revert TransferFailed();
    }

    function submitBatch(bytes32 model_, uint256 fee_, address owner_, uint256 count_, bytes calldata input_) external {
        _collect(fee_ * count_);
        for (uint256 i = 0; i < count_; ++i) engine.submitTask(0, owner_, model_, fee_, input_);
        emit BatchSubmitted(msg.sender, count_);
    }

    function submitEach(bytes32 model_, uint256 fee_, address owner_, bytes[] calldata inputs_) external {
        _collect(fee_ * inputs_.length);
        for (uint256 i = 0; i < inputs_.length; ++i) engine.submitTask(0, owner_, model_, fee_, inputs_[i]);
        emit BatchSubmitted(msg.sender, inputs_.length);
    }

    function solveBatch(bytes32[] calldata taskids_, bytes[] calldata cids_) external {
        if (taskids_.length != cids_.length) revert LengthMismatch();
        for (uint256 i = 0; i < taskids_.length; ++i) engine.submitSolution(taskids_[i], cids_[i]);
    }

    function commitBatch(bytes32[] calldata commitments_) external {
        for (uint256 i = 0; i < commitments_.length; ++i) engine.signalCommitment(commitments_[i]);
    }

    function claimBatch(bytes32[] calldata taskids_) external {
        for (uint256 i = 0; i < taskids_.length; ++i) engine.claimSolution(taskids_[i]);
    }

    function stake(uint256 amount_) external {
        _collect(amount_);
        engine.validatorDeposit(address(this), amount_);
    }

    function withdrawToken(address to_, uint256 amount_) external {
        if (msg.sender != owner) revert NotOwner();
        if (!token.transfer(to_, amount_)) revert TransferFailed();
    }
}
