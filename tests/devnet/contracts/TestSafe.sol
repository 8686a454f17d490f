// SPDX-License-Identifier: MIT
// arbiusd test devnet: a smart-contract wallet with Safe's execTransaction signature
//   execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)
//   selector 0x6a761202, and Safe's ExecutionSuccess / ExecutionFailure events.
// The wallet itself calls the target (the engine sees msg.sender = this wallet), so it holds its
// own AIUS. Signatures are not checked: the caller must be one of the owners instead. Only
// operation 0 (CALL). Written for the tests from the public interface; not upstream code.
pragma solidity 0.8.24;

contract TestSafe {
    mapping(address => bool) public isOwner;
    address[] internal _owners;
    uint256 public nonce;

    event ExecutionSuccess(bytes32 indexed txHash, uint256 payment);
    event ExecutionFailure(bytes32 indexed txHash, uint256 payment);

    error NotOwner();
    error OnlyCall();
    error ExecFailed(bytes returnData); // Safe says "GS013"

    constructor(address[] memory owners_) {
        for (uint256 i = 0; i < owners_.length; ++i) {
            isOwner[owners_[i]] = true;
            _owners.push(owners_[i]);
        }
    }

    function getOwners() external view returns (address[] memory) {
        return _owners;
    }

    function execTransaction(
        address to,
        uint256 value,
        bytes calldata data,
        uint8 operation,
        uint256 safeTxGas,
        uint256 baseGas,
        uint256 gasPrice,
        address gasToken,
        address payable refundReceiver,
        bytes memory signatures
    ) external payable returns (bool success) {
        if (!isOwner[msg.sender]) revert NotOwner();
        if (operation != 0) revert OnlyCall();
        bytes32 txHash = keccak256(
            abi.encode(to, value, keccak256(data), operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, nonce)
        );
        nonce++;
        signatures; // not checked on the devnet
        bytes memory ret;
        (success, ret) = to.call{value: value, gas: safeTxGas == 0 ? gasleft() : safeTxGas}(data);
        if (!success && safeTxGas == 0 && gasPrice == 0) revert ExecFailed(ret);
        if (success) emit ExecutionSuccess(txHash, 0);
        else emit ExecutionFailure(txHash, 0);
    }

    receive() external payable {}
}
