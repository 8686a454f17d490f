// SPDX-License-Identifier: MIT
// arbiusd test devnet: a router with ArbiusRouterV1's submitTask (selector 0xfb53f5b1),
// written for the tests. It pulls fee + incentive from the caller and forwards the task to the
// engine, so the engine's TaskSubmitted.sender is this router and the task owner is owner_.
// No Uniswap, no validator signatures: claimIncentive pays the solution's validator.
pragma solidity 0.8.24;

interface IEngineMin {
    function submitTask(uint8 version_, address owner_, bytes32 model_, uint256 fee_, bytes calldata input_) external;
    function prevhash() external view returns (bytes32);
    function solutions(bytes32) external view returns (address validator, uint64 blocktime, bool claimed, bytes memory cid);
}

interface ITokenMin {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function approve(address spender, uint256 amount) external returns (bool);
}

struct Signature {
    address signer;
    bytes signature;
}

contract TestRouter {
    IEngineMin public engine;
    ITokenMin public arbius;
    address public owner;
    mapping(bytes32 => uint256) public incentives;

    event IncentiveAdded(bytes32 indexed taskid, uint256 amount);
    event IncentiveClaimed(bytes32 indexed taskid, address indexed recipient, uint256 amount);

    error SubmitTaskFailed();
    error NoIncentive();
    error NoSolution();
    error TransferFailed();

    constructor(address engine_, address arbius_) {
        engine = IEngineMin(engine_);
        arbius = ITokenMin(arbius_);
        owner = msg.sender;
        arbius.approve(engine_, type(uint256).max);
    }

    function submitTask(
        uint8 version_,
        address owner_,
        bytes32 model_,
        uint256 fee_,
        bytes calldata input_,
        uint256 incentive_,
        uint256 gas_
    ) external returns (bytes32) {
        if (!arbius.transferFrom(msg.sender, address(this), fee_ + incentive_)) revert TransferFailed();
        uint256 g = gas_ == 0 || gas_ > gasleft() ? gasleft() : gas_;
        try engine.submitTask{gas: g}(version_, owner_, model_, fee_, input_) {} catch {
            revert SubmitTaskFailed();
        }
        bytes32 taskid = engine.prevhash();
        if (incentive_ > 0) {
            incentives[taskid] += incentive_;
            emit IncentiveAdded(taskid, incentive_);
        }
        return taskid;
    }

    function addIncentive(bytes32 taskid_, uint256 amount_) external {
        if (!arbius.transferFrom(msg.sender, address(this), amount_)) revert TransferFailed();
        incentives[taskid_] += amount_;
        emit IncentiveAdded(taskid_, amount_);
    }

    function claimIncentive(bytes32 taskid_, Signature[] calldata) external {
        uint256 amount = incentives[taskid_];
        if (amount == 0) revert NoIncentive();
        (address validator,,,) = engine.solutions(taskid_);
        if (validator == address(0)) revert NoSolution();
        incentives[taskid_] = 0;
        if (!arbius.transfer(validator, amount)) revert TransferFailed();
        emit IncentiveClaimed(taskid_, validator, amount);
    }
}
