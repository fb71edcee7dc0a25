// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ITradeLedger} from "../ITradeLedger.sol";
import {DocumentRegistry} from "./DocumentRegistry.sol";

/// @title FinancingRegistry — financings by banks against registered documents
/// @notice Enforces, per document, that the amounts of its active financings never exceed its face
///         value, and, per fingerprint, that at most one active financing holds it. A business
///         refusal is recorded as FinancingRefused and changes nothing else.
/// @dev Storage: one slot per financing and one "lock" slot per pledged fingerprint. The lock
///      names the financing, the amount its document was pledged for and a 128-bit tag of the
///      document, so a release needs no per-financing list: each handed-back fingerprint must be
///      locked by this financing for this document, and their count must equal the financing's.
abstract contract FinancingRegistry is DocumentRegistry {
    /// @notice The most fingerprints one pledged document may carry.
    uint256 public constant MAX_FINGERPRINTS = 8;
    /// @notice The most documents one financing may pledge (16 x 8 fingerprints fit in uint8).
    uint256 public constant MAX_PLEDGES = 16;

    // financing slot: bankId uint32 (0..31) | status uint8 (32..39) | kind uint8 (40..47) |
    // docCount uint8 (48..55) | fingerprintCount uint8 (56..63) | amount uint64 (64..127) |
    // drawn uint64 (128..191) | repaid uint64 (192..255)
    uint256 private constant _F_STATUS_SHIFT = 32;
    uint256 private constant _F_KIND_SHIFT = 40;
    uint256 private constant _F_DOCS_SHIFT = 48;
    uint256 private constant _F_FPS_SHIFT = 56;
    uint256 private constant _F_AMOUNT_SHIFT = 64;
    uint256 private constant _F_DRAWN_SHIFT = 128;
    uint256 private constant _F_REPAID_SHIFT = 192;
    uint256 private constant _F_ACTIVE = 1; // uint8(FinancingStatus.ACTIVE)
    uint256 private constant _F_CLOSED = 2;
    uint256 private constant _F_CANCELLED = 3;
    uint256 private constant _U64 = type(uint64).max;

    // lock slot: financingId uint64 (0..63) | pledged amount of its document uint64 (64..127) |
    // document tag uint128 (128..255) = high 128 bits of keccak256(docHash). A keccak tag rather
    // than the docHash prefix: docHashes are caller-chosen, so a prefix could be collided on
    // purpose to release (decrement) the wrong document; a 128-bit keccak tag cannot.
    uint256 private constant _L_AMOUNT_SHIFT = 64;
    uint256 private constant _TAG_MASK = ~uint256(type(uint128).max);

    /// @dev the keep-mask for a doc slot's low 88 bits (id, time, type, status)
    uint256 private constant _DOC_HEAD_MASK = (uint256(1) << 88) - 1;

    /// @dev The outcome of reviewing a financing request (kept in memory: too many values for
    ///      the stack).
    struct Review {
        uint256 total;
        uint256 fingerprintCount;
        RefusalReason reason;
        bytes32 docHash;
        uint256 conflicting;
        bytes32 fingerprint;
    }

    mapping(uint256 financingId => uint256 packed) private _financings;
    mapping(bytes32 fingerprint => uint256 lock) private _locks;

    // ---------------------------------------------------------------- writes

    /// @inheritdoc ITradeLedger
    function registerFinancing(
        DocumentPledge[] calldata pledges,
        bytes3 currency,
        FinancingKind kind,
        uint40 maturity,
        bytes32 bankReference
    ) external returns (uint256 financingId) {
        (uint32 bankId, Role role) = _activeMember(msg.sender);
        if (role != Role.BANK) revert RoleNotAllowed(msg.sender, role);
        if (kind == FinancingKind.NONE) revert InvalidFinancingKind(uint8(kind));
        if (maturity <= block.timestamp) revert InvalidMaturity(maturity);
        Review memory review = _review(pledges, currency);
        if (review.reason != RefusalReason.NONE) {
            emit FinancingRefused(
                msg.sender, review.docHash, review.conflicting, review.reason, review.fingerprint, bankReference
            );
            return 0;
        }

        financingId = ++_financingCount;
        _financings[financingId] = uint256(bankId) | (_F_ACTIVE << _F_STATUS_SHIFT)
            | (uint256(uint8(kind)) << _F_KIND_SHIFT) | (pledges.length << _F_DOCS_SHIFT)
            | (review.fingerprintCount << _F_FPS_SHIFT) | (review.total << _F_AMOUNT_SHIFT);
        emit FinancingRegistered(
            financingId, msg.sender, kind, currency, uint64(review.total), maturity, bankReference
        );
        _pledge(financingId, pledges, currency);
    }

    /// @inheritdoc ITradeLedger
    /// @dev Reverts on malformed input exactly like registerFinancing (kind and maturity aside).
    function checkFinancing(DocumentPledge[] calldata pledges, bytes3 currency)
        external
        view
        returns (RefusalReason reason, bytes32 docHash, uint256 conflictingFinancingId, bytes32 fingerprint)
    {
        Review memory review = _review(pledges, currency);
        return (review.reason, review.docHash, review.conflicting, review.fingerprint);
    }

    /// @inheritdoc ITradeLedger
    function drawdown(uint256 financingId, uint64 amount) external {
        uint256 fin = _ownActiveFinancing(financingId);
        if (amount == 0) revert ZeroAmount();
        uint256 drawn = uint64(fin >> _F_DRAWN_SHIFT);
        uint256 available = uint64(fin >> _F_AMOUNT_SHIFT) - drawn;
        if (amount > available) revert DrawdownExceedsFinancing(financingId, amount, available);
        drawn += amount;
        _financings[financingId] =
            (fin & ~(_U64 << _F_DRAWN_SHIFT)) | (drawn << _F_DRAWN_SHIFT);
        emit DrawdownRecorded(financingId, amount, uint64(drawn));
    }

    /// @inheritdoc ITradeLedger
    function repay(uint256 financingId, uint64 amount) external {
        uint256 fin = _ownActiveFinancing(financingId);
        if (amount == 0) revert ZeroAmount();
        uint256 repaid = uint64(fin >> _F_REPAID_SHIFT);
        uint256 outstanding = uint64(fin >> _F_DRAWN_SHIFT) - repaid;
        if (amount > outstanding) {
            revert RepaymentExceedsOutstanding(financingId, amount, outstanding);
        }
        repaid += amount;
        _financings[financingId] =
            (fin & ~(_U64 << _F_REPAID_SHIFT)) | (repaid << _F_REPAID_SHIFT);
        emit RepaymentRecorded(financingId, amount, uint64(repaid));
    }

    /// @inheritdoc ITradeLedger
    function closeFinancing(uint256 financingId, DocumentRelease[] calldata releases) external {
        uint256 fin = _ownActiveFinancing(financingId);
        uint256 outstanding = uint64(fin >> _F_DRAWN_SHIFT) - uint64(fin >> _F_REPAID_SHIFT);
        if (outstanding != 0) revert FinancingNotRepaid(financingId, outstanding);
        _release(financingId, fin, releases);
        _financings[financingId] = _withStatus(fin, _F_CLOSED);
        emit FinancingClosed(financingId);
    }

    /// @inheritdoc ITradeLedger
    function cancelFinancing(uint256 financingId, uint8 reasonCode, DocumentRelease[] calldata releases)
        external
    {
        uint256 fin = _ownActiveFinancing(financingId);
        _release(financingId, fin, releases);
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
            kind: FinancingKind(uint8(fin >> _F_KIND_SHIFT)),
            docCount: uint8(fin >> _F_DOCS_SHIFT),
            fingerprintCount: uint8(fin >> _F_FPS_SHIFT),
            amount: uint64(fin >> _F_AMOUNT_SHIFT),
            drawn: uint64(fin >> _F_DRAWN_SHIFT),
            repaid: uint64(fin >> _F_REPAID_SHIFT)
        });
    }

    /// @inheritdoc ITradeLedger
    function fingerprintHolder(bytes32 fingerprint) external view returns (uint256 financingId) {
        return uint64(_locks[fingerprint]);
    }

    /// @inheritdoc ITradeLedger
    function financingCount() external view returns (uint256) {
        return _financingCount;
    }

    // ---------------------------------------------------------------- internals

    /// @dev One pass over the pledges. Malformed input reverts (currency, order, counts, amounts,
    ///      a fingerprint pledged for two documents), for every document even after a refusal.
    ///      The business rules are read-only checks, document by document in RefusalReason
    ///      order; the first refusal is kept.
    function _review(DocumentPledge[] calldata pledges, bytes3 currency)
        private
        view
        returns (Review memory review)
    {
        uint256 n = pledges.length;
        if (n == 0) revert EmptyBatch();
        if (n > MAX_PLEDGES) revert BatchTooLarge(n, MAX_PLEDGES);
        uint256 code = uint24(currency);
        if (!_isUpper(code >> 16) || !_isUpper((code >> 8) & 0xff) || !_isUpper(code & 0xff)) {
            revert InvalidCurrency(currency);
        }
        bytes32 previous = 0;
        for (uint256 i = 0; i < n; ++i) {
            DocumentPledge calldata p = pledges[i];
            bytes32 docHash = p.docHash;
            if (i == 0) {
                if (docHash == bytes32(0)) revert ZeroDocumentHash();
            } else if (docHash <= previous) {
                revert DocumentsNotSorted(i);
            }
            previous = docHash;
            uint256 amount = p.amount;
            if (amount == 0) revert ZeroAmount();
            bytes32[] calldata fps = p.fingerprints;
            uint256 m = fps.length;
            if (m == 0 || m > MAX_FINGERPRINTS) revert InvalidFingerprintCount(docHash, m);
            for (uint256 j = 1; j < m; ++j) {
                if (fps[j] <= fps[j - 1]) revert FingerprintsNotSorted(docHash, j);
            }
            for (uint256 k = 0; k < i; ++k) {
                _requireDisjoint(pledges[k].fingerprints, fps);
            }
            review.total += amount;
            review.fingerprintCount += m;
            if (review.reason == RefusalReason.NONE) {
                (review.reason, review.conflicting, review.fingerprint) =
                    _checkDocument(docHash, amount, p.faceValue, fps, code);
                if (review.reason != RefusalReason.NONE) review.docHash = docHash;
            }
        }
        if (review.total > _U64) revert AmountOverflow();
    }

    function _isUpper(uint256 c) private pure returns (bool) {
        return c >= 0x41 && c <= 0x5a; // "A" .. "Z"
    }

    /// @dev Two strictly ascending lists share no fingerprint (linear merge).
    function _requireDisjoint(bytes32[] calldata a, bytes32[] calldata b) private pure {
        uint256 i = 0;
        uint256 j = 0;
        while (i < a.length && j < b.length) {
            bytes32 x = a[i];
            bytes32 y = b[j];
            if (x == y) revert DuplicatePledge(x);
            if (x < y) ++i;
            else ++j;
        }
    }

    /// @dev Writes the pledges of the new `financingId`: document amounts and fingerprint locks.
    function _pledge(uint256 financingId, DocumentPledge[] calldata pledges, bytes3 currency) private {
        uint256 currencyBits = uint256(uint24(currency)) << _CURRENCY_SHIFT;
        for (uint256 i = 0; i < pledges.length; ++i) {
            DocumentPledge calldata p = pledges[i];
            bytes32 docHash = p.docHash;
            uint256 amount = p.amount;
            uint256 doc = _docs[docHash];
            // _check proved financed + amount <= faceValue < 2**64
            uint256 financed = uint64(doc >> _FINANCED_SHIFT) + amount;
            _docs[docHash] = (doc & _DOC_HEAD_MASK) | currencyBits
                | (uint256(p.faceValue) << _FACE_SHIFT) | (financed << _FINANCED_SHIFT);
            uint256 lock = financingId | (amount << _L_AMOUNT_SHIFT) | _docTag(docHash);
            bytes32[] calldata fps = p.fingerprints;
            for (uint256 j = 0; j < fps.length; ++j) {
                _locks[fps[j]] = lock;
            }
            emit DocumentPledged(financingId, docHash, p.amount, p.faceValue, fps);
        }
    }

    /// @dev The business rules for one pledged document, in the order of RefusalReason.
    function _checkDocument(
        bytes32 docHash,
        uint256 amount,
        uint256 pledgedFaceValue,
        bytes32[] calldata fps,
        uint256 currencyCode
    ) private view returns (RefusalReason, uint256 conflicting, bytes32 fingerprint) {
        uint256 doc = _docs[docHash];
        if (doc == 0) return (RefusalReason.DOCUMENT_NOT_REGISTERED, 0, 0);
        uint256 status = uint8(doc >> _STATUS_SHIFT);
        if (status == _S_REVOKED) return (RefusalReason.DOCUMENT_REVOKED, 0, 0);
        if (status == _S_SUPERSEDED) return (RefusalReason.DOCUMENT_SUPERSEDED, 0, 0);
        uint256 recordedCurrency = uint24(doc >> _CURRENCY_SHIFT);
        if (recordedCurrency != 0 && recordedCurrency != currencyCode) {
            return (RefusalReason.CURRENCY_MISMATCH, 0, 0);
        }
        uint256 faceValue = uint64(doc >> _FACE_SHIFT);
        if (faceValue != 0 && faceValue != pledgedFaceValue) {
            return (RefusalReason.FACE_VALUE_MISMATCH, 0, 0);
        }
        if (amount > pledgedFaceValue || uint64(doc >> _FINANCED_SHIFT) > pledgedFaceValue - amount) {
            return (RefusalReason.EXCEEDS_FACE_VALUE, 0, 0);
        }
        for (uint256 j = 0; j < fps.length; ++j) {
            conflicting = uint64(_locks[fps[j]]);
            if (conflicting != 0) return (RefusalReason.FINGERPRINT_PLEDGED, conflicting, fps[j]);
        }
        return (RefusalReason.NONE, 0, 0);
    }

    /// @dev The caller must be the active BANK member that registered the ACTIVE `financingId`.
    function _ownActiveFinancing(uint256 financingId) private view returns (uint256 fin) {
        (uint32 callerId, Role role) = _activeMember(msg.sender);
        if (role != Role.BANK) revert RoleNotAllowed(msg.sender, role);
        fin = _financings[financingId];
        if (fin == 0) revert FinancingNotFound(financingId);
        if (uint32(fin) != callerId) revert NotFinancingBank(financingId, msg.sender);
        uint256 status = uint8(fin >> _F_STATUS_SHIFT);
        if (status != _F_ACTIVE) revert FinancingNotActive(financingId, FinancingStatus(status));
    }

    /// @dev Frees every fingerprint of `financingId` and takes its amounts off its documents.
    ///      Documents strictly ascending, each with at least one fingerprint; every fingerprint
    ///      must be locked by this financing for that document; all of them must be handed back.
    function _release(uint256 financingId, uint256 fin, DocumentRelease[] calldata releases) private {
        uint256 expected = uint8(fin >> _F_FPS_SHIFT);
        uint256 given = 0;
        for (uint256 i = 0; i < releases.length; ++i) {
            DocumentRelease calldata r = releases[i];
            bytes32 docHash = r.docHash;
            if (i > 0 && docHash <= releases[i - 1].docHash) revert DocumentsNotSorted(i);
            bytes32[] calldata fps = r.fingerprints;
            if (fps.length == 0) revert InvalidFingerprintCount(docHash, 0);
            uint256 tag = _docTag(docHash);
            uint256 amount = 0;
            for (uint256 j = 0; j < fps.length; ++j) {
                uint256 lock = _locks[fps[j]];
                if (uint64(lock) != financingId || lock & _TAG_MASK != tag) {
                    revert ReleaseMismatch(financingId, docHash, fps[j]);
                }
                amount = uint64(lock >> _L_AMOUNT_SHIFT);
                delete _locks[fps[j]];
            }
            given += fps.length;
            uint256 doc = _docs[docHash];
            uint256 financed = uint64(doc >> _FINANCED_SHIFT) - amount;
            _docs[docHash] = (doc & ~(_U64 << _FINANCED_SHIFT)) | (financed << _FINANCED_SHIFT);
        }
        if (given != expected) revert IncompleteRelease(financingId, expected, given);
    }

    function _withStatus(uint256 fin, uint256 status) private pure returns (uint256) {
        return (fin & ~(uint256(0xff) << _F_STATUS_SHIFT)) | (status << _F_STATUS_SHIFT);
    }

    /// @dev The high 128 bits of keccak256(docHash), in place (low 128 bits zero).
    function _docTag(bytes32 docHash) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(docHash))) & _TAG_MASK;
    }
}
