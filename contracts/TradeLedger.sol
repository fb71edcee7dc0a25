// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ITradeLedger} from "./ITradeLedger.sol";
import {FinancingRegistry} from "./modules/FinancingRegistry.sol";

/// @title TradeLedger — the tradeledger consortium contract
/// @notice Membership, the document registry and the financing registry in one deployed contract,
///         so the rules that bind them are checked atomically without cross-contract calls.
///         See docs/rules.md for the rules in plain words and docs/gas.md for the storage layout.
/// @dev Linearization: ITradeLedger, Ownable2Step -> Membership -> DocumentRegistry ->
///      FinancingRegistry -> TradeLedger.
contract TradeLedger is ITradeLedger, Ownable2Step, FinancingRegistry {
    /// @notice The deployer becomes the owner and ADMIN member 1; `coAdmins` become ADMIN members
    ///         2.. (unnamed); `initialThreshold` is M, the ADMIN approvals a change needs (1 for a
    ///         single operator, at most 1 + coAdmins.length); `initialFingerprintEvaluatorKey`
    ///         is the public key of the consortium's fingerprint evaluator (RFC 9497).
    constructor(
        string memory adminName,
        bytes32 adminLegalIdHash,
        address[] memory coAdmins,
        uint8 initialThreshold,
        bytes32 initialFingerprintEvaluatorKey
    ) Ownable(msg.sender) {
        uint32 memberId = _storeMember(msg.sender, Role.ADMIN, adminLegalIdHash);
        emit MemberAdded(memberId, msg.sender, Role.ADMIN, adminLegalIdHash, adminName);
        _initGovernance(coAdmins, initialThreshold, initialFingerprintEvaluatorKey);
    }

    /// @notice Disabled (reverts OwnershipRenounceDisabled): an ownerless ledger could never
    ///         onboard, suspend or rotate an ADMIN again. Use the two-step transferOwnership.
    function renounceOwnership() public pure override {
        revert OwnershipRenounceDisabled();
    }
}
