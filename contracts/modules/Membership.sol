// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ITradeLedger} from "../ITradeLedger.sol";

/// @title Membership — the consortium's members, their roles and signing keys
/// @notice The owner (Ownable2Step: two-step transfer) manages every member, ADMIN members manage
///         every non-ADMIN member. A member's id never changes; its key may be rotated.
/// @dev Storage: one packed slot per address for the hot "may this caller write?" check, and one
///      record per id (account, legal-id hash) to resolve ids back to addresses.
abstract contract Membership is ITradeLedger, Ownable2Step {
    /// @dev The per-id part of a member (the per-address part is packed in `_memberSlots`).
    struct MemberInfo {
        address account;
        bytes32 legalIdHash;
    }

    /// @dev packed member slot: id uint32 (bits 0..31) | role uint8 (32..39) | active (bit 40)
    uint256 internal constant _ROLE_SHIFT = 32;
    uint256 internal constant _ACTIVE_BIT = 1 << 40;

    mapping(address account => uint256 packed) private _memberSlots;
    mapping(uint32 memberId => MemberInfo) private _memberInfo;

    /// @dev The two counters share one slot. Because `_memberCount` is non-zero from the
    ///      constructor on, bumping `_financingCount` is always a non-zero to non-zero write
    ///      (2,900 gas) instead of a zero to non-zero one (20,000) for the first financing.
    uint32 private _memberCount;
    uint64 internal _financingCount;

    // ---------------------------------------------------------------- writes

    /// @inheritdoc ITradeLedger
    function addMember(address account, Role role, bytes32 legalIdHash, string calldata name)
        external
        returns (uint32 memberId)
    {
        bool byOwner = _requireManager();
        if (account == address(0)) revert ZeroAddress();
        if (role == Role.NONE) revert InvalidRole(uint8(role));
        if (!byOwner && role == Role.ADMIN) revert OnlyOwnerManagesAdmins(account);
        uint32 existing = uint32(_memberSlots[account]);
        if (existing != 0) revert MemberAlreadyExists(account, existing);
        memberId = _storeMember(account, role, legalIdHash);
        emit MemberAdded(memberId, account, role, legalIdHash, name);
    }

    /// @inheritdoc ITradeLedger
    function suspendMember(address account) external {
        bool byOwner = _requireManager();
        uint256 packed = _managedTarget(account, byOwner);
        if (packed & _ACTIVE_BIT == 0) revert MemberAlreadySuspended(account);
        _memberSlots[account] = packed & ~_ACTIVE_BIT;
        emit MemberSuspended(uint32(packed), account, msg.sender);
    }

    /// @inheritdoc ITradeLedger
    function reinstateMember(address account) external {
        bool byOwner = _requireManager();
        uint256 packed = _managedTarget(account, byOwner);
        if (packed & _ACTIVE_BIT != 0) revert MemberNotSuspended(account);
        _memberSlots[account] = packed | _ACTIVE_BIT;
        emit MemberReinstated(uint32(packed), account, msg.sender);
    }

    /// @inheritdoc ITradeLedger
    /// @dev A member rotating its own key must be active and may not be a REGULATOR (a regulator
    ///      writes nothing; the owner or an ADMIN rotates its key). A suspended member stays
    ///      suspended under its new key.
    function rotateMemberKey(address oldAccount, address newAccount) external {
        bool byOwner = msg.sender == owner();
        bool bySelf = false;
        if (!byOwner) {
            (, Role callerRole) = _activeMember(msg.sender);
            bySelf = msg.sender == oldAccount;
            if (bySelf ? callerRole == Role.REGULATOR : callerRole != Role.ADMIN) {
                revert RoleNotAllowed(msg.sender, callerRole);
            }
        }
        uint256 packed = _managedTarget(oldAccount, byOwner || bySelf);
        if (newAccount == address(0)) revert ZeroAddress();
        uint32 existing = uint32(_memberSlots[newAccount]);
        if (existing != 0) revert MemberAlreadyExists(newAccount, existing);
        uint32 memberId = uint32(packed);
        delete _memberSlots[oldAccount];
        _memberSlots[newAccount] = packed;
        _memberInfo[memberId].account = newAccount;
        emit MemberKeyRotated(memberId, oldAccount, newAccount, msg.sender);
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc ITradeLedger
    function memberOf(address account) external view returns (MemberRecord memory) {
        return _record(_memberSlots[account]);
    }

    /// @inheritdoc ITradeLedger
    function memberById(uint32 memberId) external view returns (MemberRecord memory) {
        if (memberId == 0) return _record(0);
        return _record(_memberSlots[_memberInfo[memberId].account]);
    }

    /// @inheritdoc ITradeLedger
    function memberCount() external view returns (uint32) {
        return _memberCount;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Stores a new active member and returns its id (ids start at 1).
    function _storeMember(address account, Role role, bytes32 legalIdHash)
        internal
        returns (uint32 memberId)
    {
        memberId = ++_memberCount;
        _memberSlots[account] = uint256(memberId) | (uint256(uint8(role)) << _ROLE_SHIFT) | _ACTIVE_BIT;
        _memberInfo[memberId] = MemberInfo({account: account, legalIdHash: legalIdHash});
    }

    /// @dev The id and role of `account`; reverts unless it is an active member.
    function _activeMember(address account) internal view returns (uint32 memberId, Role role) {
        uint256 packed = _memberSlots[account];
        memberId = uint32(packed);
        if (memberId == 0) revert NotAMember(account);
        if (packed & _ACTIVE_BIT == 0) revert MemberNotActive(account);
        role = Role(uint8(packed >> _ROLE_SHIFT));
    }

    /// @dev The id of `account`, an active member whose role may hold documents and financings
    ///      (BANK, ENTERPRISE, ATTESTOR).
    function _activeWriter(address account) internal view returns (uint32 memberId) {
        Role role;
        (memberId, role) = _activeMember(account);
        if (role != Role.BANK && role != Role.ENTERPRISE && role != Role.ATTESTOR) {
            revert RoleNotAllowed(account, role);
        }
    }

    /// @dev The member id of `account` (0 when unknown).
    function _idOf(address account) internal view returns (uint32) {
        return uint32(_memberSlots[account]);
    }

    /// @dev The current address of member `memberId` (zero for id 0).
    function _accountOf(uint32 memberId) internal view returns (address) {
        return _memberInfo[memberId].account;
    }

    /// @dev Reverts unless the caller is the owner or an active ADMIN; true when the owner.
    function _requireManager() private view returns (bool byOwner) {
        if (msg.sender == owner()) return true;
        (, Role role) = _activeMember(msg.sender);
        if (role != Role.ADMIN) revert RoleNotAllowed(msg.sender, role);
        return false;
    }

    /// @dev The packed slot of `account`, which must be a member; only the owner (or, for key
    ///      rotation, the member itself) may touch an ADMIN.
    function _managedTarget(address account, bool mayTouchAdmin) private view returns (uint256 packed) {
        packed = _memberSlots[account];
        if (uint32(packed) == 0) revert NotAMember(account);
        if (!mayTouchAdmin && Role(uint8(packed >> _ROLE_SHIFT)) == Role.ADMIN) {
            revert OnlyOwnerManagesAdmins(account);
        }
    }

    function _record(uint256 packed) private view returns (MemberRecord memory rec) {
        uint32 memberId = uint32(packed);
        if (memberId == 0) return rec;
        MemberInfo storage info = _memberInfo[memberId];
        rec = MemberRecord({
            id: memberId,
            account: info.account,
            role: Role(uint8(packed >> _ROLE_SHIFT)),
            active: packed & _ACTIVE_BIT != 0,
            legalIdHash: info.legalIdHash
        });
    }
}
