// SPDX-License-Identifier: MIT
// arbiusd test devnet: a master contester registry with the view the V6 engine asks
// (isMasterContester) and the owner's emergency add/remove of upstream's MasterContesterRegistry
// (same event declarations). Written for the tests: no veAIUS elections, no epochs.
pragma solidity 0.8.24;

contract TestMasterContesterRegistry {
    address public owner;
    address[] internal _contesters;
    mapping(address => bool) internal _is;

    event EmergencyMasterContesterAdded(address indexed contester);
    event EmergencyMasterContesterRemoved(address indexed contester);

    error NotOwner();
    error AlreadyMasterContester();
    error NotMasterContester();

    constructor() {
        owner = msg.sender;
    }

    function isMasterContester(address addr_) external view returns (bool) {
        return _is[addr_];
    }

    function getMasterContesters() external view returns (address[] memory) {
        return _contesters;
    }

    function masterContesterCount() external view returns (uint256) {
        return _contesters.length;
    }

    function emergencyAddMasterContester(address contester_) external {
        if (msg.sender != owner) revert NotOwner();
        if (_is[contester_]) revert AlreadyMasterContester();
        _is[contester_] = true;
        _contesters.push(contester_);
        emit EmergencyMasterContesterAdded(contester_);
    }

    function emergencyRemoveMasterContester(address contester_) external {
        if (msg.sender != owner) revert NotOwner();
        if (!_is[contester_]) revert NotMasterContester();
        _is[contester_] = false;
        uint256 n = _contesters.length;
        for (uint256 i = 0; i < n; i++) {
            if (_contesters[i] == contester_) {
                _contesters[i] = _contesters[n - 1];
                _contesters.pop();
                break;
            }
        }
        emit EmergencyMasterContesterRemoved(contester_);
    }
}
