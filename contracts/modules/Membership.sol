// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ITradeLedger} from "../ITradeLedger.sol";

/// @title Membership — the consortium's members, their roles and signing keys, and governance
/// @notice While the threshold M is 1 (the single-machine default) the owner (Ownable2Step:
///         two-step transfer) manages every member and ADMIN members manage every non-ADMIN
///         member, each change at once. Every change is also a proposal (`propose`): data with an
///         id that takes effect when M active ADMINs have approved it. Above M = 1 the direct
///         calls revert ProposalRequired and no single key changes the consortium: adding,
///         suspending or reinstating a member, rotating another member's key, adding or removing
///         (suspending) an ADMIN, changing M or the fingerprint key id all need M approvals.
///         A member's id never changes; its key may be rotated.
/// @dev Storage: one packed slot per address for the hot "may this caller write?" check, and one
///      record per id (account, legal-id hash) to resolve ids back to addresses. Approvals are
///      counted in one place (`_approve`): only approvers that are still active ADMINs count.
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
    /// @dev each member's X25519 public key for envelope encryption (zero: none published)
    mapping(uint32 memberId => bytes32 publicKey) private _encryptionKeys;

    /// @dev The counters share one slot. Because `_memberCount` is non-zero from the
    ///      constructor on, bumping `_financingCount` is always a non-zero to non-zero write
    ///      (2,900 gas) instead of a zero to non-zero one (20,000) for the first financing.
    ///      `_threshold` (M) and `_adminCount` (N, active ADMINs) ride in the same slot, so the
    ///      "is M 1?" check of a direct change costs no extra storage read.
    uint32 private _memberCount;
    uint64 internal _financingCount;
    uint8 private _threshold;
    uint32 private _adminCount;
    uint64 private _deploymentBlock;

    bytes32 private _fingerprintEvaluatorKey;
    uint256 private _proposalCount;
    mapping(uint256 proposalId => ProposalRecord) private _proposals;
    mapping(uint256 proposalId => address[]) private _approvers;
    mapping(uint256 proposalId => mapping(address admin => bool)) private _approved;

    // ---------------------------------------------------------------- writes

    /// @inheritdoc ITradeLedger
    function addMember(address account, Role role, bytes32 legalIdHash, string calldata name)
        external
        returns (uint32 memberId)
    {
        bool byOwner = _requireManager();
        _requireSingleApproval();
        memberId = _addMember(account, role, legalIdHash, name, byOwner);
    }

    /// @inheritdoc ITradeLedger
    function suspendMember(address account) external {
        bool byOwner = _requireManager();
        _requireSingleApproval();
        _suspend(account, byOwner);
    }

    /// @inheritdoc ITradeLedger
    function reinstateMember(address account) external {
        bool byOwner = _requireManager();
        _requireSingleApproval();
        _reinstate(account, byOwner);
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
        if (msg.sender != oldAccount) _requireSingleApproval();
        _rotate(oldAccount, newAccount, byOwner || bySelf);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ITradeLedger
    function propose(ProposalInput calldata input) external returns (uint256 proposalId) {
        bool byOwner = _requireApprover();
        if (input.action == ProposalAction.NONE) revert InvalidProposalAction(uint8(input.action));
        _precheck(input);
        proposalId = ++_proposalCount;
        ProposalRecord storage p = _proposals[proposalId];
        p.input = input;
        p.proposer = msg.sender;
        p.status = ProposalStatus.PENDING;
        p.proposedAt = uint40(block.timestamp);
        emit ProposalCreated(
            proposalId, input.action, msg.sender, input.account, input.newAccount, input.role, input.data
        );
        _approve(proposalId, p, byOwner);
    }

    /// @inheritdoc ITradeLedger
    function approveProposal(uint256 proposalId) external {
        bool byOwner = _requireApprover();
        ProposalRecord storage p = _proposals[proposalId];
        if (p.status == ProposalStatus.NONE) revert ProposalNotFound(proposalId);
        if (p.status != ProposalStatus.PENDING) revert ProposalNotPending(proposalId, p.status);
        _approve(proposalId, p, byOwner);
    }

    /// @inheritdoc ITradeLedger
    function setEncryptionKey(bytes32 publicKey) external {
        (uint32 memberId,) = _activeMember(msg.sender);
        _setEncryptionKey(memberId, msg.sender, publicKey);
    }

    /// @inheritdoc ITradeLedger
    function encryptionKeyOf(address account) external view returns (bytes32) {
        return _encryptionKeys[_idOf(account)];
    }

    /// @inheritdoc ITradeLedger
    function encryptionRecipients(Role role)
        external
        view
        returns (address[] memory accounts, bytes32[] memory publicKeys)
    {
        uint32 n = _memberCount;
        accounts = new address[](n);
        publicKeys = new bytes32[](n);
        uint256 found = 0;
        for (uint32 id = 1; id <= n; ++id) {
            bytes32 publicKey = _encryptionKeys[id];
            if (publicKey == bytes32(0)) continue;
            address account = _memberInfo[id].account;
            uint256 packed = _memberSlots[account];
            if (packed & _ACTIVE_BIT == 0 || Role(uint8(packed >> _ROLE_SHIFT)) != role) continue;
            accounts[found] = account;
            publicKeys[found] = publicKey;
            ++found;
        }
        assembly ("memory-safe") {
            mstore(accounts, found)
            mstore(publicKeys, found)
        }
    }

    /// @inheritdoc ITradeLedger
    function getProposal(uint256 proposalId) external view returns (ProposalRecord memory) {
        return _proposals[proposalId];
    }

    /// @inheritdoc ITradeLedger
    function hasApproved(uint256 proposalId, address admin) external view returns (bool) {
        return _approved[proposalId][admin];
    }

    /// @inheritdoc ITradeLedger
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @inheritdoc ITradeLedger
    function threshold() external view returns (uint8) {
        return _threshold;
    }

    /// @inheritdoc ITradeLedger
    function adminCount() external view returns (uint32) {
        return _adminCount;
    }

    /// @inheritdoc ITradeLedger
    function fingerprintEvaluatorKey() external view returns (bytes32) {
        return _fingerprintEvaluatorKey;
    }

    /// @inheritdoc ITradeLedger
    function deploymentBlock() external view returns (uint64) {
        return _deploymentBlock;
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
        if (role == Role.ADMIN) ++_adminCount;
        _memberSlots[account] = uint256(memberId) | (uint256(uint8(role)) << _ROLE_SHIFT) | _ACTIVE_BIT;
        _memberInfo[memberId] = MemberInfo({account: account, legalIdHash: legalIdHash});
    }

    /// @dev Deployment: the co-ADMINs beside the deployer, M and the fingerprint key id.
    function _initGovernance(address[] memory coAdmins, uint8 initialThreshold, bytes32 evaluatorKey)
        internal
    {
        for (uint256 i = 0; i < coAdmins.length; ++i) {
            _addMember(coAdmins[i], Role.ADMIN, bytes32(0), "", true);
        }
        _setThreshold(initialThreshold, true);
        _setFingerprintEvaluatorKey(evaluatorKey, true);
        _deploymentBlock = uint64(block.number);
    }

    /// @dev Onboard `account` (checks, write, event); only the owner, or M > 1 ADMINs, add ADMINs.
    function _addMember(
        address account,
        Role role,
        bytes32 legalIdHash,
        string memory name,
        bool mayTouchAdmin
    ) private returns (uint32 memberId) {
        if (account == address(0)) revert ZeroAddress();
        if (role == Role.NONE) revert InvalidRole(uint8(role));
        if (!mayTouchAdmin && role == Role.ADMIN) revert OnlyOwnerManagesAdmins(account);
        uint32 existing = uint32(_memberSlots[account]);
        if (existing != 0) revert MemberAlreadyExists(account, existing);
        memberId = _storeMember(account, role, legalIdHash);
        emit MemberAdded(memberId, account, role, legalIdHash, name);
    }

    function _setEncryptionKey(uint32 memberId, address account, bytes32 publicKey) private {
        if (publicKey == bytes32(0)) revert ZeroEncryptionKey();
        _encryptionKeys[memberId] = publicKey;
        emit EncryptionKeySet(memberId, account, publicKey);
    }

    function _suspend(address account, bool mayTouchAdmin) private {
        uint256 packed = _managedTarget(account, mayTouchAdmin);
        if (packed & _ACTIVE_BIT == 0) revert MemberAlreadySuspended(account);
        if (Role(uint8(packed >> _ROLE_SHIFT)) == Role.ADMIN) {
            uint32 admins = _adminCount - 1;
            if (_threshold > 1 && admins < _threshold) revert AdminsBelowThreshold(admins, _threshold);
            _adminCount = admins;
        }
        _memberSlots[account] = packed & ~_ACTIVE_BIT;
        emit MemberSuspended(uint32(packed), account, msg.sender);
    }

    function _reinstate(address account, bool mayTouchAdmin) private {
        uint256 packed = _managedTarget(account, mayTouchAdmin);
        if (packed & _ACTIVE_BIT != 0) revert MemberNotSuspended(account);
        if (Role(uint8(packed >> _ROLE_SHIFT)) == Role.ADMIN) ++_adminCount;
        _memberSlots[account] = packed | _ACTIVE_BIT;
        emit MemberReinstated(uint32(packed), account, msg.sender);
    }

    function _rotate(address oldAccount, address newAccount, bool mayTouchAdmin) private {
        uint256 packed = _managedTarget(oldAccount, mayTouchAdmin);
        if (newAccount == address(0)) revert ZeroAddress();
        uint32 existing = uint32(_memberSlots[newAccount]);
        if (existing != 0) revert MemberAlreadyExists(newAccount, existing);
        uint32 memberId = uint32(packed);
        delete _memberSlots[oldAccount];
        _memberSlots[newAccount] = packed;
        _memberInfo[memberId].account = newAccount;
        emit MemberKeyRotated(memberId, oldAccount, newAccount, msg.sender);
    }

    /// @dev M must lie in 1..N (N = active ADMINs) and fit uint8.
    function _setThreshold(uint256 newThreshold, bool mayTouchAdmin) private {
        if (!mayTouchAdmin) revert OnlyOwnerManagesAdmins(msg.sender);
        if (newThreshold == 0 || newThreshold > type(uint8).max || newThreshold > _adminCount) {
            revert InvalidThreshold(newThreshold, _adminCount);
        }
        uint8 old = _threshold;
        _threshold = uint8(newThreshold);
        emit ThresholdChanged(old, uint8(newThreshold));
    }

    function _setFingerprintEvaluatorKey(bytes32 key, bool mayTouchAdmin) private {
        if (!mayTouchAdmin) revert OnlyOwnerManagesAdmins(msg.sender);
        if (key == bytes32(0)) revert ZeroFingerprintEvaluatorKey();
        bytes32 old = _fingerprintEvaluatorKey;
        _fingerprintEvaluatorKey = key;
        emit FingerprintEvaluatorKeyChanged(old, key);
    }

    /// @dev Reverts ProposalRequired unless M is 1 (a direct change is a one-approval proposal).
    function _requireSingleApproval() private view {
        uint8 m = _threshold;
        if (m > 1) revert ProposalRequired(m);
    }

    /// @dev Who may propose and approve: with M = 1 the owner or an active ADMIN (true when the
    ///      owner); above 1 only active ADMINs (the owner has no say of its own).
    function _requireApprover() private view returns (bool byOwner) {
        if (_threshold == 1) return _requireManager();
        (, Role role) = _activeMember(msg.sender);
        if (role != Role.ADMIN) revert RoleNotAllowed(msg.sender, role);
        return false;
    }

    /// @dev The cheap checks of a proposal's input, so a proposal that could never take effect
    ///      is refused when made (execution checks everything again).
    function _precheck(ProposalInput calldata input) private view {
        ProposalAction action = input.action;
        if (action == ProposalAction.ADD_MEMBER) {
            if (input.account == address(0)) revert ZeroAddress();
            if (input.role == Role.NONE) revert InvalidRole(uint8(input.role));
            uint32 existing = uint32(_memberSlots[input.account]);
            if (existing != 0) revert MemberAlreadyExists(input.account, existing);
        } else if (action == ProposalAction.SET_THRESHOLD) {
            uint256 m = uint256(input.data);
            if (m == 0 || m > type(uint8).max || m > _adminCount) revert InvalidThreshold(m, _adminCount);
        } else if (action == ProposalAction.SET_FINGERPRINT_EVALUATOR) {
            if (input.data == bytes32(0)) revert ZeroFingerprintEvaluatorKey();
        } else {
            if (uint32(_memberSlots[input.account]) == 0) revert NotAMember(input.account);
            if (action == ProposalAction.ROTATE_KEY && input.newAccount == address(0)) revert ZeroAddress();
        }
    }

    /// @dev Records the caller's approval and executes the proposal once M active ADMINs approve
    ///      (with M = 1 the caller, owner or ADMIN, suffices). The one place the threshold is
    ///      checked: approvals of ADMINs since suspended or rotated away do not count.
    function _approve(uint256 proposalId, ProposalRecord storage p, bool byOwner) private {
        if (_approved[proposalId][msg.sender]) revert ProposalAlreadyApproved(proposalId, msg.sender);
        _approved[proposalId][msg.sender] = true;
        _approvers[proposalId].push(msg.sender);
        uint8 approvals = ++p.approvals;
        uint8 m = _threshold;
        emit ProposalApproved(proposalId, msg.sender, approvals, m);
        if (m == 1 || _validApprovals(proposalId) >= m) {
            _execute(proposalId, p, byOwner || m > 1);
        }
    }

    function _validApprovals(uint256 proposalId) private view returns (uint256 valid) {
        address[] storage approvers = _approvers[proposalId];
        for (uint256 i = 0; i < approvers.length; ++i) {
            uint256 packed = _memberSlots[approvers[i]];
            if (packed & _ACTIVE_BIT != 0 && Role(uint8(packed >> _ROLE_SHIFT)) == Role.ADMIN) ++valid;
        }
    }

    function _execute(uint256 proposalId, ProposalRecord storage p, bool mayTouchAdmin) private {
        p.status = ProposalStatus.EXECUTED;
        ProposalInput storage input = p.input;
        ProposalAction action = input.action;
        if (action == ProposalAction.ADD_MEMBER) {
            uint32 memberId =
                _addMember(input.account, input.role, input.legalIdHash, input.name, mayTouchAdmin);
            if (input.data != bytes32(0)) _setEncryptionKey(memberId, input.account, input.data);
        } else if (action == ProposalAction.SUSPEND_MEMBER) {
            _suspend(input.account, mayTouchAdmin);
        } else if (action == ProposalAction.REINSTATE_MEMBER) {
            _reinstate(input.account, mayTouchAdmin);
        } else if (action == ProposalAction.ROTATE_KEY) {
            _rotate(input.account, input.newAccount, mayTouchAdmin);
        } else if (action == ProposalAction.SET_THRESHOLD) {
            _setThreshold(uint256(input.data), mayTouchAdmin);
        } else {
            _setFingerprintEvaluatorKey(input.data, mayTouchAdmin);
        }
        emit ProposalExecuted(proposalId, action);
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
