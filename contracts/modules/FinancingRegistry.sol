// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ITradeLedger} from "../ITradeLedger.sol";
import {DocumentRegistry} from "./DocumentRegistry.sol";

/// @title FinancingRegistry — confidential financings by banks, and the fingerprint locks
/// @notice The duplicate rule is enforced here: at most one active financing holds a
///         fingerprint, and a financing's fingerprints are released together when it is closed
///         or cancelled. Everything else about a financing — amounts, currency, kind, maturity,
///         reference, the documents and their registrants, drawdowns and repayments — is an
///         envelope only its readers can open (issue #14, docs/privacy.md); the contract stores
///         a salted commitment to it in the event and checks nothing it cannot see. A refusal
///         is recorded as FinancingRefused and changes nothing else.
/// @dev Storage: one slot per financing and one "lock" slot per locked fingerprint holding the
///      financing's id, so a release needs no per-financing list: each handed-back fingerprint
///      must be locked by this financing, in strictly ascending order, and their count must
///      equal the financing's.
abstract contract FinancingRegistry is DocumentRegistry {
    /// @notice The most fingerprints one pledged document may carry (checked by the gateway).
    uint256 public constant MAX_FINGERPRINTS = 8;
    /// @notice The most documents one financing may pledge (checked by the gateway).
    uint256 public constant MAX_PLEDGES = 16;
    /// @notice The most fingerprints one financing may lock (16 x 8 fit in uint8).
    uint256 public constant MAX_FINANCING_FINGERPRINTS = MAX_PLEDGES * MAX_FINGERPRINTS;
    /// @notice The longest terms, entry or shared-keys envelope accepted, in bytes.
    uint256 public constant MAX_TERMS = 8192;
    /// @notice The most marks one financing may carry (a few per pledged document).
    uint256 public constant MAX_FINANCING_MARKS = MAX_PLEDGES * 4;

    // financing slot: bankId uint32 (0..31) | status uint8 (32..39) | fingerprintCount uint8
    // (40..47) | registeredAt uint40 (48..87)
    uint256 private constant _F_STATUS_SHIFT = 32;
    uint256 private constant _F_FPS_SHIFT = 40;
    uint256 private constant _F_AT_SHIFT = 48;
    uint256 private constant _F_ACTIVE = 1; // uint8(FinancingStatus.ACTIVE)
    uint256 private constant _F_CLOSED = 2;
    uint256 private constant _F_CANCELLED = 3;

    mapping(uint256 financingId => uint256 packed) private _financings;
    mapping(bytes32 fingerprint => uint256 financingId) private _locks;
    /// @dev The latest financing to carry each mark: the head of the mark's carriers, each
    ///      linked to the one before it in _markPrevious.
    mapping(bytes32 mark => uint256 financingId) private _marks;
    /// @dev For each mark and carrier, the carrier before it that was still active when it
    ///      was linked (0 for the first). Reads skip those closed or cancelled since.
    mapping(bytes32 mark => mapping(uint256 financingId => uint256 previous)) private _markPrevious;

    // ---------------------------------------------------------------- writes

    /// @inheritdoc ITradeLedger
    function registerFinancing(bytes32[] calldata fingerprints, bytes32 termsCommitment, bytes calldata terms)
        external
        returns (uint256 financingId)
    {
        return _registerFinancing(fingerprints, termsCommitment, terms);
    }

    /// @inheritdoc ITradeLedger
    function registerMarkedFinancing(
        bytes32[] calldata fingerprints,
        bytes32[] calldata marks,
        bytes32 termsCommitment,
        bytes calldata terms
    ) external returns (uint256 financingId) {
        uint256 n = marks.length;
        if (n > MAX_FINANCING_MARKS) revert MarkCountOutOfRange(n, MAX_FINANCING_MARKS);
        for (uint256 i = 0; i < n; ++i) {
            if (marks[i] == bytes32(0) || (i > 0 && marks[i] <= marks[i - 1])) revert MarksNotSorted(i);
        }
        financingId = _registerFinancing(fingerprints, termsCommitment, terms);
        if (financingId == 0 || n == 0) return financingId;
        for (uint256 i = 0; i < n; ++i) {
            _carry(marks[i], financingId);
        }
        emit FinancingMarked(financingId, marks);
    }

    /// @dev registerFinancing: the checks, the locks and the event; 0 when refused.
    function _registerFinancing(bytes32[] calldata fingerprints, bytes32 termsCommitment, bytes calldata terms)
        private
        returns (uint256 financingId)
    {
        uint32 bankId = _activeBank();
        _checkEnvelope(termsCommitment, terms);
        uint256 n = fingerprints.length;
        if (n == 0 || n > MAX_FINANCING_FINGERPRINTS) {
            revert FingerprintCountOutOfRange(n, MAX_FINANCING_FINGERPRINTS);
        }
        // the whole list is validated even after a held fingerprint: a malformed request
        // reverts whether or not it would have been refused
        bool held = false;
        for (uint256 i = 0; i < n; ++i) {
            if (i > 0 && fingerprints[i] <= fingerprints[i - 1]) revert FingerprintsNotSorted(i);
            if (!held && _locks[fingerprints[i]] != 0) held = true;
        }
        if (held) {
            emit FinancingRefused(msg.sender, termsCommitment, terms);
            return 0;
        }
        financingId = ++_financingCount;
        _financings[financingId] = uint256(bankId) | (_F_ACTIVE << _F_STATUS_SHIFT)
            | (n << _F_FPS_SHIFT) | (block.timestamp << _F_AT_SHIFT);
        for (uint256 i = 0; i < n; ++i) {
            _locks[fingerprints[i]] = financingId;
        }
        emit FinancingRegistered(financingId, msg.sender, termsCommitment, fingerprints, terms);
    }

    /// @inheritdoc ITradeLedger
    function recordRefusal(bytes32 termsCommitment, bytes calldata terms) external {
        _activeBank();
        _checkEnvelope(termsCommitment, terms);
        emit FinancingRefused(msg.sender, termsCommitment, terms);
    }

    /// @inheritdoc ITradeLedger
    function recordEntry(uint256 financingId, bytes32 entryCommitment, bytes calldata entry) external {
        _ownActiveFinancing(financingId);
        _checkEnvelope(entryCommitment, entry);
        emit FinancingEntryRecorded(financingId, entryCommitment, entry);
    }

    /// @inheritdoc ITradeLedger
    function shareTerms(uint256 financingId, bytes calldata keys) external {
        (uint32 callerId, Role role) = _activeMember(msg.sender);
        uint256 fin = _financings[financingId];
        if (fin == 0) revert FinancingNotFound(financingId);
        if (role != Role.REGULATOR) {
            if (role != Role.BANK) revert RoleNotAllowed(msg.sender, role);
            if (uint32(fin) != callerId) revert NotFinancingBank(financingId, msg.sender);
        }
        if (keys.length == 0 || keys.length > MAX_TERMS) revert InvalidTermsLength(keys.length, MAX_TERMS);
        emit TermsShared(financingId, msg.sender, keys);
    }

    /// @inheritdoc ITradeLedger
    function closeFinancing(uint256 financingId, bytes32[] calldata fingerprints) external {
        uint256 fin = _ownActiveFinancing(financingId);
        _release(financingId, fin, fingerprints);
        _financings[financingId] = _withStatus(fin, _F_CLOSED);
        emit FinancingClosed(financingId);
    }

    /// @inheritdoc ITradeLedger
    function cancelFinancing(uint256 financingId, uint8 reasonCode, bytes32[] calldata fingerprints)
        external
    {
        uint256 fin = _ownActiveFinancing(financingId);
        _release(financingId, fin, fingerprints);
        _financings[financingId] = _withStatus(fin, _F_CANCELLED);
        emit FinancingCancelled(financingId, reasonCode);
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc ITradeLedger
    function getFinancing(uint256 financingId) external view returns (FinancingRecord memory rec) {
        uint256 fin = _financings[financingId];
        if (fin == 0) return rec;
        rec = FinancingRecord({
            bank: _accountOf(uint32(fin)),
            bankId: uint32(fin),
            status: FinancingStatus(uint8(fin >> _F_STATUS_SHIFT)),
            fingerprintCount: uint8(fin >> _F_FPS_SHIFT),
            registeredAt: uint40(fin >> _F_AT_SHIFT)
        });
    }

    /// @inheritdoc ITradeLedger
    function fingerprintHolder(bytes32 fingerprint) external view returns (uint256 financingId) {
        return _locks[fingerprint];
    }

    /// @inheritdoc ITradeLedger
    function fingerprintHolders(bytes32[] calldata fingerprints)
        external
        view
        returns (uint256[] memory financingIds)
    {
        financingIds = new uint256[](fingerprints.length);
        for (uint256 i = 0; i < fingerprints.length; ++i) {
            financingIds[i] = _locks[fingerprints[i]];
        }
    }

    /// @inheritdoc ITradeLedger
    function markedFinancings(bytes32[] calldata marks) external view returns (uint256[] memory financingIds) {
        financingIds = new uint256[](marks.length);
        for (uint256 i = 0; i < marks.length; ++i) {
            for (uint256 id = _marks[marks[i]]; id != 0; id = _markPrevious[marks[i]][id]) {
                if (_isActive(id)) financingIds[i] = id; // the last found is the oldest
            }
        }
    }

    /// @inheritdoc ITradeLedger
    function markCarriers(bytes32[] calldata marks) external view returns (uint256[][] memory financingIds) {
        financingIds = new uint256[][](marks.length);
        for (uint256 i = 0; i < marks.length; ++i) {
            bytes32 mark = marks[i];
            uint256 active = 0;
            for (uint256 id = _marks[mark]; id != 0; id = _markPrevious[mark][id]) {
                if (_isActive(id)) ++active;
            }
            uint256[] memory ids = new uint256[](active);
            for (uint256 id = _marks[mark]; id != 0; id = _markPrevious[mark][id]) {
                if (_isActive(id)) ids[--active] = id; // newest last: the walk goes back in time
            }
            financingIds[i] = ids;
        }
    }

    /// @inheritdoc ITradeLedger
    function financingCount() external view returns (uint256) {
        return _financingCount;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Whether `financingId` is a registered financing still ACTIVE.
    function _isActive(uint256 financingId) private view returns (bool) {
        return uint8(_financings[financingId] >> _F_STATUS_SHIFT) == _F_ACTIVE;
    }

    /// @dev Make `financingId` the latest carrier of `mark`, linked to the latest one still
    ///      active (those closed or cancelled at the head are passed over, never linked again).
    ///      A new mark costs one storage write, as a single carrier did; a shared one two.
    function _carry(bytes32 mark, uint256 financingId) private {
        uint256 previous = _marks[mark];
        while (previous != 0 && !_isActive(previous)) {
            previous = _markPrevious[mark][previous];
        }
        if (previous != 0) _markPrevious[mark][financingId] = previous;
        _marks[mark] = financingId;
    }

    /// @dev The caller's member id; reverts unless it is an active BANK.
    function _activeBank() private view returns (uint32 bankId) {
        Role role;
        (bankId, role) = _activeMember(msg.sender);
        if (role != Role.BANK) revert RoleNotAllowed(msg.sender, role);
    }

    /// @dev A commitment is never zero and an envelope is 1..MAX_TERMS bytes.
    function _checkEnvelope(bytes32 commitment, bytes calldata envelope) private pure {
        if (commitment == bytes32(0)) revert ZeroCommitment();
        if (envelope.length == 0 || envelope.length > MAX_TERMS) {
            revert InvalidTermsLength(envelope.length, MAX_TERMS);
        }
    }

    /// @dev The caller must be the active BANK member that registered the ACTIVE `financingId`.
    function _ownActiveFinancing(uint256 financingId) private view returns (uint256 fin) {
        uint32 callerId = _activeBank();
        fin = _financings[financingId];
        if (fin == 0) revert FinancingNotFound(financingId);
        if (uint32(fin) != callerId) revert NotFinancingBank(financingId, msg.sender);
        uint256 status = uint8(fin >> _F_STATUS_SHIFT);
        if (status != _F_ACTIVE) revert FinancingNotActive(financingId, FinancingStatus(status));
    }

    /// @dev Frees every fingerprint of `financingId`: strictly ascending, each locked by this
    ///      financing, all of them handed back.
    function _release(uint256 financingId, uint256 fin, bytes32[] calldata fingerprints) private {
        uint256 expected = uint8(fin >> _F_FPS_SHIFT);
        uint256 n = fingerprints.length;
        for (uint256 i = 0; i < n; ++i) {
            bytes32 fp = fingerprints[i];
            if (i > 0 && fp <= fingerprints[i - 1]) revert FingerprintsNotSorted(i);
            if (_locks[fp] != financingId) revert ReleaseMismatch(financingId, fp);
            delete _locks[fp];
        }
        if (n != expected) revert IncompleteRelease(financingId, expected, n);
    }

    function _withStatus(uint256 fin, uint256 status) private pure returns (uint256) {
        return (fin & ~(uint256(0xff) << _F_STATUS_SHIFT)) | (status << _F_STATUS_SHIFT);
    }
}
