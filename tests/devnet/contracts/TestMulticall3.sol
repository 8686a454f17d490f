// SPDX-License-Identifier: MIT
// arbiusd test devnet: a Multicall3-style batcher with the real entry points and selectors
//   aggregate((address,bytes)[])           0x252dba42  every call must succeed
//   aggregate3((address,bool,bytes)[])     0x82ad56cb  per-call allowFailure
// Calls are made from this contract (the engine sees msg.sender = this contract), so it holds
// its own AIUS and approves the engine and the router through aggregate itself. Written for the
// tests from the public interface; not upstream code.
pragma solidity 0.8.24;

contract TestMulticall3 {
    struct Call {
        address target;
        bytes callData;
    }

    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    error CallFailed(uint256 index, bytes returnData);

    function aggregate(Call[] calldata calls) external payable returns (uint256 blockNumber, bytes[] memory returnData) {
        blockNumber = block.number;
        returnData = new bytes[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool ok, bytes memory ret) = calls[i].target.call(calls[i].callData);
            if (!ok) revert CallFailed(i, ret);
            returnData[i] = ret;
        }
    }

    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool ok, bytes memory ret) = calls[i].target.call(calls[i].callData);
            if (!ok && !calls[i].allowFailure) revert CallFailed(i, ret);
            returnData[i] = Result(ok, ret);
        }
    }

    function getBlockNumber() external view returns (uint256) {
        return block.number;
    }
}
