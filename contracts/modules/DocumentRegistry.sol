// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {ITradeLedger} from "../ITradeLedger.sol";
import {Membership} from "./Membership.sol";

/// @title DocumentRegistry — document hashes with type, registrant, time, status and attestations
/// @notice A document is anchored once. Its registrant (by member id, so a rotated key keeps its
///         documents) may revoke or supersede it; ADMIN members and the owner may revoke it;
///         ATTESTOR members attest it.
/// @dev One storage slot per document (see `_docs`), written at registration and on a status
///      change. Whether a document is financed is confidential and not stored here (issue #14).
abstract contract DocumentRegistry is Membership {
    /// @notice The most documents registerDocuments accepts in one call.
    uint256 public constant MAX_BATCH = 256;

    // doc slot: registrantId uint32 (0..31) | registeredAt uint40 (32..71) | docType uint8
    // (72..79) | status uint8 (80..87). A registered document's slot is never zero.
    uint256 internal constant _AT_SHIFT = 32;
    uint256 internal constant _TYPE_SHIFT = 72;
    uint256 internal constant _STATUS_SHIFT = 80;
    uint256 internal constant _STATUS_MASK = uint256(0xff) << _STATUS_SHIFT;
    uint256 internal constant _S_ACTIVE = 1; // uint8(DocStatus.ACTIVE)
    uint256 internal constant _S_REVOKED = 2;
    uint256 internal constant _S_SUPERSEDED = 3;

    mapping(bytes32 docHash => uint256 packed) private _docs;
    mapping(bytes32 docHash => bytes32 successor) private _successors;
    mapping(bytes32 docHash => mapping(uint32 attestorId => uint40 at)) private _attestations;

    // ---------------------------------------------------------------- writes

    /// @inheritdoc ITradeLedger
    function registerDocument(bytes32 docHash, DocType docType) external {
        _register(docHash, docType, _newDocHead(_activeWriter(msg.sender)));
    }

    /// @inheritdoc ITradeLedger
    function registerDocuments(bytes32[] calldata docHashes, DocType[] calldata docTypes) external {
        uint256 head = _newDocHead(_activeWriter(msg.sender));
        uint256 n = docHashes.length;
        if (n == 0) revert EmptyBatch();
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        if (docTypes.length != n) revert LengthMismatch(n, docTypes.length);
        for (uint256 i = 0; i < n; ++i) {
            _register(docHashes[i], docTypes[i], head);
        }
    }

    /// @inheritdoc ITradeLedger
    function revokeDocument(bytes32 docHash, uint8 reasonCode) external {
        bool byOwner = msg.sender == owner();
        uint32 callerId = 0; // read only when !byOwner
        Role role = Role.NONE;
        if (!byOwner) {
            (callerId, role) = _activeMember(msg.sender);
            if (role == Role.REGULATOR) revert RoleNotAllowed(msg.sender, role);
        }
        uint256 doc = _activeDoc(docHash);
        if (!byOwner && role != Role.ADMIN && uint32(doc) != callerId) {
            revert NotDocumentRegistrant(docHash, msg.sender);
        }
        _docs[docHash] = (doc & ~_STATUS_MASK) | (_S_REVOKED << _STATUS_SHIFT);
        emit DocumentRevoked(docHash, msg.sender, reasonCode);
    }

    /// @inheritdoc ITradeLedger
    function supersedeDocument(bytes32 oldDocHash, bytes32 newDocHash) external {
        uint32 callerId = _activeWriter(msg.sender);
        uint256 doc = _activeDoc(oldDocHash);
        if (uint32(doc) != callerId) revert NotDocumentRegistrant(oldDocHash, msg.sender);
        if (newDocHash == oldDocHash) revert SelfSupersession(oldDocHash);
        _docs[oldDocHash] = (doc & ~_STATUS_MASK) | (_S_SUPERSEDED << _STATUS_SHIFT);
        _successors[oldDocHash] = newDocHash;
        _register(newDocHash, DocType(uint8(doc >> _TYPE_SHIFT)), _newDocHead(callerId));
        emit DocumentSuperseded(oldDocHash, newDocHash, msg.sender);
    }

    /// @inheritdoc ITradeLedger
    /// @dev The document must be ACTIVE. Attestations are kept per attestor member id, so an
    ///      attestor cannot attest twice by rotating its key.
    function attestDocument(bytes32 docHash, bytes32 evidenceHash) external {
        (uint32 attestorId, Role role) = _activeMember(msg.sender);
        if (role != Role.ATTESTOR) revert RoleNotAllowed(msg.sender, role);
        _activeDoc(docHash);
        if (_attestations[docHash][attestorId] != 0) revert AlreadyAttested(docHash, msg.sender);
        _attestations[docHash][attestorId] = uint40(block.timestamp);
        emit DocumentAttested(docHash, msg.sender, evidenceHash);
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc ITradeLedger
    function getDocument(bytes32 docHash) external view returns (DocumentRecord memory rec) {
        uint256 doc = _docs[docHash];
        if (doc == 0) return rec;
        rec = DocumentRecord({
            registrant: _accountOf(uint32(doc)),
            registrantId: uint32(doc),
            registeredAt: uint40(doc >> _AT_SHIFT),
            docType: DocType(uint8(doc >> _TYPE_SHIFT)),
            status: DocStatus(uint8(doc >> _STATUS_SHIFT))
        });
    }

    /// @inheritdoc ITradeLedger
    function successorOf(bytes32 docHash) external view returns (bytes32) {
        return _successors[docHash];
    }

    /// @inheritdoc ITradeLedger
    function documentStatuses(bytes32[] calldata docHashes)
        external
        view
        returns (DocStatus[] memory statuses)
    {
        statuses = new DocStatus[](docHashes.length);
        for (uint256 i = 0; i < docHashes.length; ++i) {
            statuses[i] = DocStatus(uint8(_docs[docHashes[i]] >> _STATUS_SHIFT));
        }
    }

    /// @inheritdoc ITradeLedger
    /// @dev Resolved through the attestor's member id: after a key rotation the new address
    ///      answers for the attestations made with the old one.
    function attestedAt(bytes32 docHash, address attestor) external view returns (uint40) {
        uint32 attestorId = _idOf(attestor);
        if (attestorId == 0) return 0;
        return _attestations[docHash][attestorId];
    }

    /// @inheritdoc ITradeLedger
    function isIssued(bytes32 docHash) external view returns (bool) {
        return _docs[docHash] != 0;
    }

    /// @inheritdoc ITradeLedger
    function isRevoked(bytes32 docHash) external view returns (bool) {
        uint256 status = uint8(_docs[docHash] >> _STATUS_SHIFT);
        return status == _S_REVOKED || status == _S_SUPERSEDED;
    }

    // ---------------------------------------------------------------- internals

    /// @dev The slot of a document registered now by `registrantId`, without its type.
    function _newDocHead(uint32 registrantId) private view returns (uint256) {
        return uint256(registrantId) | (uint256(uint40(block.timestamp)) << _AT_SHIFT)
            | (_S_ACTIVE << _STATUS_SHIFT);
    }

    /// @dev Registers `docHash` as `docType` with the slot head from `_newDocHead`.
    function _register(bytes32 docHash, DocType docType, uint256 head) private {
        if (docHash == bytes32(0)) revert ZeroDocumentHash();
        if (docType == DocType.NONE) revert InvalidDocumentType(uint8(docType));
        uint256 existing = _docs[docHash];
        if (existing != 0) {
            revert DocumentAlreadyRegistered(
                docHash, _accountOf(uint32(existing)), uint40(existing >> _AT_SHIFT)
            );
        }
        _docs[docHash] = head | (uint256(uint8(docType)) << _TYPE_SHIFT);
        emit DocumentRegistered(docHash, msg.sender, docType);
    }

    /// @dev The slot of `docHash`; reverts unless it is registered and ACTIVE.
    function _activeDoc(bytes32 docHash) private view returns (uint256 doc) {
        doc = _docs[docHash];
        if (doc == 0) revert DocumentNotRegistered(docHash);
        uint256 status = uint8(doc >> _STATUS_SHIFT);
        if (status != _S_ACTIVE) revert DocumentNotActive(docHash, DocStatus(status));
    }
}
