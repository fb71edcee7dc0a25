// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title ITradeLedger — the public surface of the tradeledger consortium contract
/// @notice One deployed contract holds membership, the document registry and the financing
///         registry, so that the rules that bind them (a suspended member cannot write; a
///         fingerprint is held by at most one active financing) are checked in one place,
///         atomically, without cross-contract calls.
/// @dev Renaming an error, event or function here is a breaking change: selectors are public API.
///      Financing terms are confidential (issue #14): on chain a financing is its bank, its
///      status, the fingerprints it locks, a commitment to its terms and the terms themselves as
///      an envelope encrypted to the financing bank, every regulator and the documents'
///      registrants (docs/privacy.md). The rules that need clear amounts are checked by the
///      bank's gateway before it signs and re-checked by the regulator's audit; their errors are
///      declared here so that one taxonomy names them everywhere. Amounts are integers in the
///      currency's minor units (cents) and fit in uint64.
interface ITradeLedger {
    // ---------------------------------------------------------------- types

    /// @notice A member's role in the consortium. NONE marks an unknown address.
    enum Role {
        NONE,
        ADMIN,
        BANK,
        ENTERPRISE,
        REGULATOR,
        ATTESTOR
    }

    /// @notice What kind of trade document a hash stands for. NONE is never stored.
    enum DocType {
        NONE,
        INVOICE,
        BILL_OF_LADING,
        WAREHOUSE_RECEIPT,
        CUSTOMS_DECLARATION,
        PURCHASE_ORDER,
        CERTIFICATE_OF_ORIGIN,
        CONTRACT,
        OTHER
    }

    /// @notice Lifecycle of a registered document. NONE means never registered.
    enum DocStatus {
        NONE,
        ACTIVE,
        REVOKED,
        SUPERSEDED
    }

    /// @notice What a bank provides against the pledged documents.
    enum FinancingKind {
        NONE,
        INVOICE_FINANCING,
        FACTORING,
        PRE_SHIPMENT,
        WAREHOUSE_RECEIPT_PLEDGE,
        OTHER
    }

    /// @notice Lifecycle of a financing. NONE means no such financing.
    enum FinancingStatus {
        NONE,
        ACTIVE,
        CLOSED,
        CANCELLED
    }

    /// @notice Why a financing attempt was refused (recorded in FinancingRefused, never silent).
    enum RefusalReason {
        NONE,
        DOCUMENT_NOT_REGISTERED,
        DOCUMENT_REVOKED,
        DOCUMENT_SUPERSEDED,
        CURRENCY_MISMATCH,
        FACE_VALUE_MISMATCH,
        EXCEEDS_FACE_VALUE,
        FINGERPRINT_PLEDGED
    }

    /// @notice What a governance proposal changes (issue #13). NONE is never stored.
    /// @dev ADD_MEMBER onboards `account` (an ADMIN: adds an admin); SUSPEND_MEMBER of an ADMIN
    ///      removes it from the admins who count; ROTATE_KEY moves `account`'s key to
    ///      `newAccount`; SET_THRESHOLD sets M to uint256(`data`); SET_FINGERPRINT_EVALUATOR stores
    ///      `data` as the fingerprint evaluator's public key (docs/fingerprints.md).
    enum ProposalAction {
        NONE,
        ADD_MEMBER,
        SUSPEND_MEMBER,
        REINSTATE_MEMBER,
        ROTATE_KEY,
        SET_THRESHOLD,
        SET_FINGERPRINT_EVALUATOR
    }

    /// @notice Lifecycle of a proposal. NONE means no such proposal.
    enum ProposalStatus {
        NONE,
        PENDING,
        EXECUTED
    }

    /// @notice A document's record as stored (one storage slot). Whether and for how much a
    ///         document is financed is confidential: it is not part of the record.
    struct DocumentRecord {
        address registrant;
        uint32 registrantId;
        uint40 registeredAt;
        DocType docType;
        DocStatus status;
    }

    /// @notice A member's record.
    struct MemberRecord {
        uint32 id;
        address account;
        Role role;
        bool active;
        bytes32 legalIdHash;
    }

    /// @notice What a governance proposal asks for (the fields an action does not use are zero).
    /// @param action what changes
    /// @param account the member concerned (the new member for ADD_MEMBER)
    /// @param newAccount ROTATE_KEY: the member's new signing key
    /// @param role ADD_MEMBER: the new member's role
    /// @param legalIdHash ADD_MEMBER: SHA-256 of the new member's legal id
    /// @param data ADD_MEMBER: the member's X25519 encryption public key (zero for a custodial
    ///        member); SET_THRESHOLD: the new M; SET_FINGERPRINT_EVALUATOR: the evaluator's new public key
    /// @param name ADD_MEMBER: the new member's name
    struct ProposalInput {
        ProposalAction action;
        address account;
        address newAccount;
        Role role;
        bytes32 legalIdHash;
        bytes32 data;
        string name;
    }

    /// @notice A stored proposal: its input, who proposed it, its status and approvals so far.
    struct ProposalRecord {
        ProposalInput input;
        address proposer;
        ProposalStatus status;
        uint40 proposedAt;
        uint8 approvals;
    }

    /// @notice A financing's public record (one storage slot, plus the bank's address): who
    ///         financed, when, its status and how many fingerprints it locks. Its terms are in
    ///         the encrypted envelopes of FinancingRegistered and FinancingEntryRecorded.
    struct FinancingRecord {
        address bank;
        uint32 bankId;
        FinancingStatus status;
        uint8 fingerprintCount;
        uint40 registeredAt;
    }

    // ---------------------------------------------------------------- errors: membership

    /// @notice Thrown when `account` is not a member of the consortium.
    error NotAMember(address account);
    /// @notice Thrown when `account` is a suspended member and tries to write.
    error MemberNotActive(address account);
    /// @notice Thrown when `account`'s `role` may not call this function.
    error RoleNotAllowed(address account, Role role);
    /// @notice Thrown when onboarding or rotating to an address that is already member `memberId`.
    error MemberAlreadyExists(address account, uint32 memberId);
    /// @notice Thrown when a role value is NONE or out of range.
    error InvalidRole(uint8 role);
    /// @notice Thrown when an address argument is the zero address.
    error ZeroAddress();
    /// @notice Thrown when suspending a member that is already suspended.
    error MemberAlreadySuspended(address account);
    /// @notice Thrown when reinstating a member that is not suspended.
    error MemberNotSuspended(address account);
    /// @notice Thrown when an ADMIN member (not the owner) tries to manage another ADMIN.
    error OnlyOwnerManagesAdmins(address account);
    /// @notice Thrown by renounceOwnership: an ownerless ledger could never manage its ADMINs again.
    /// @dev Added in issue #3 (not in the first interface draft).
    error OwnershipRenounceDisabled();

    // ---------------------------------------------------------------- errors: governance

    /// @notice Thrown when a change is made directly while it needs `threshold` (> 1) approvals:
    ///         propose it instead.
    error ProposalRequired(uint8 threshold);
    /// @notice Thrown when no proposal has id `proposalId`.
    error ProposalNotFound(uint256 proposalId);
    /// @notice Thrown when approving `proposalId`, which is no longer pending (`status`).
    error ProposalNotPending(uint256 proposalId, ProposalStatus status);
    /// @notice Thrown when `admin` approves `proposalId` a second time.
    error ProposalAlreadyApproved(uint256 proposalId, address admin);
    /// @notice Thrown when a proposal's action is NONE or out of range.
    error InvalidProposalAction(uint8 action);
    /// @notice Thrown when a threshold M is 0, above 255, or above the `admins` active ADMINs.
    error InvalidThreshold(uint256 threshold, uint256 admins);
    /// @notice Thrown when suspending an ADMIN would leave fewer active ADMINs (`admins`) than
    ///         the `threshold` M, so that no proposal could ever pass again.
    error AdminsBelowThreshold(uint256 admins, uint8 threshold);
    /// @notice Thrown when the fingerprint evaluator's public key would be zero.
    error ZeroFingerprintEvaluatorKey();
    /// @notice Thrown when an encryption public key would be zero.
    error ZeroEncryptionKey();

    // ---------------------------------------------------------------- errors: documents

    /// @notice Thrown when `docHash` is already registered, naming that registration.
    error DocumentAlreadyRegistered(bytes32 docHash, address registrant, uint40 registeredAt);
    /// @notice Thrown when `docHash` has never been registered.
    error DocumentNotRegistered(bytes32 docHash);
    /// @notice Thrown when `docHash` is revoked or superseded and the call needs it ACTIVE.
    error DocumentNotActive(bytes32 docHash, DocStatus status);
    /// @notice Thrown when `account` may not revoke or supersede `docHash` (not its registrant).
    error NotDocumentRegistrant(bytes32 docHash, address account);
    /// @notice Thrown when a document type is NONE or out of range.
    error InvalidDocumentType(uint8 docType);
    /// @notice Thrown when a document hash is zero.
    error ZeroDocumentHash();
    /// @notice Thrown when a batch is empty.
    error EmptyBatch();
    /// @notice Thrown when a batch holds more than `max` items.
    error BatchTooLarge(uint256 size, uint256 max);
    /// @notice Thrown when two arrays that must match in length do not.
    error LengthMismatch(uint256 expected, uint256 actual);
    /// @notice Thrown when `attestor` has already attested `docHash`.
    error AlreadyAttested(bytes32 docHash, address attestor);
    /// @notice Thrown when a document is superseded by itself.
    error SelfSupersession(bytes32 docHash);

    // ---------------------------------------------------------------- errors: financing
    // Checked by the bank's gateway before it signs (terms are confidential, see the contract
    // notice): ZeroAmount, InvalidCurrency, InvalidFinancingKind, InvalidMaturity,
    // InvalidFingerprintCount, DuplicatePledge, AmountOverflow, DrawdownExceedsFinancing,
    // RepaymentExceedsOutstanding, FinancingNotRepaid. The contract reverts with the others.

    /// @notice Thrown when an amount is zero.
    error ZeroAmount();
    /// @notice Thrown when the currency is not three upper-case ASCII letters (ISO 4217).
    error InvalidCurrency(bytes3 currency);
    /// @notice Thrown when the financing kind is NONE or out of range.
    error InvalidFinancingKind(uint8 kind);
    /// @notice Thrown when the maturity is not after the current block's time.
    error InvalidMaturity(uint40 maturity);
    /// @notice Thrown when a pledge for `docHash` carries no fingerprint or more than allowed.
    error InvalidFingerprintCount(bytes32 docHash, uint256 count);
    /// @notice Thrown when a financing locks no fingerprint or more than `max`.
    error FingerprintCountOutOfRange(uint256 count, uint256 max);
    /// @notice Thrown when a financing's fingerprints are not strictly ascending (at `index`).
    error FingerprintsNotSorted(uint256 index);
    /// @notice Thrown when a terms envelope is empty or longer than `max` bytes.
    error InvalidTermsLength(uint256 length, uint256 max);
    /// @notice Thrown when a commitment to terms is zero.
    error ZeroCommitment();
    /// @notice Thrown when one financing pledges the same fingerprint for two documents.
    error DuplicatePledge(bytes32 fingerprint);
    /// @notice Thrown when the sum of the pledged amounts overflows uint64.
    error AmountOverflow();
    /// @notice Thrown when no financing has id `financingId`.
    error FinancingNotFound(uint256 financingId);
    /// @notice Thrown when `account` is not the bank that registered `financingId`.
    error NotFinancingBank(uint256 financingId, address account);
    /// @notice Thrown when `financingId` is closed or cancelled.
    error FinancingNotActive(uint256 financingId, FinancingStatus status);
    /// @notice Thrown when a drawdown of `requested` exceeds the undrawn `available` amount.
    error DrawdownExceedsFinancing(uint256 financingId, uint256 requested, uint256 available);
    /// @notice Thrown when a repayment of `requested` exceeds the `outstanding` amount.
    error RepaymentExceedsOutstanding(uint256 financingId, uint256 requested, uint256 outstanding);
    /// @notice Thrown when closing a financing that still has `outstanding` drawn and unrepaid.
    error FinancingNotRepaid(uint256 financingId, uint256 outstanding);
    /// @notice Thrown when a release names a fingerprint that `financingId` does not hold.
    error ReleaseMismatch(uint256 financingId, bytes32 fingerprint);
    /// @notice Thrown when a release does not hand back every fingerprint of the financing
    ///         (`expected` fingerprints, `actual` given, strictly ascending).
    error IncompleteRelease(uint256 financingId, uint256 expected, uint256 actual);
    /// @notice Thrown when a financing carries more than `max` marks.
    error MarkCountOutOfRange(uint256 count, uint256 max);
    /// @notice Thrown when a financing's marks are not strictly ascending (at `index`) or one is
    ///         zero.
    error MarksNotSorted(uint256 index);

    // ---------------------------------------------------------------- events: membership

    /// @notice Emitted when `account` joined as member `memberId` with `role`.
    event MemberAdded(
        uint32 indexed memberId, address indexed account, Role role, bytes32 legalIdHash, string name
    );
    /// @notice Emitted when member `memberId` was suspended by `by`; its writes now revert.
    event MemberSuspended(uint32 indexed memberId, address indexed account, address indexed by);
    /// @notice Emitted when member `memberId` published `publicKey`, its X25519 key for the
    ///         envelopes other members encrypt to it.
    event EncryptionKeySet(uint32 indexed memberId, address indexed account, bytes32 publicKey);
    /// @notice Emitted when member `memberId` was reinstated by `by`.
    event MemberReinstated(uint32 indexed memberId, address indexed account, address indexed by);
    /// @notice Emitted when member `memberId`'s signing key moved from `oldAccount` to `newAccount`.
    event MemberKeyRotated(
        uint32 indexed memberId, address indexed oldAccount, address indexed newAccount, address by
    );

    // ---------------------------------------------------------------- events: governance

    /// @notice Emitted when ADMIN `proposer` proposed `proposalId`; see getProposal for its input.
    event ProposalCreated(
        uint256 indexed proposalId,
        ProposalAction indexed action,
        address indexed proposer,
        address account,
        address newAccount,
        Role role,
        bytes32 data
    );
    /// @notice Emitted when `admin` approved `proposalId`; `approvals` so far, `threshold` needed.
    event ProposalApproved(uint256 indexed proposalId, address indexed admin, uint8 approvals, uint8 threshold);
    /// @notice Emitted when `proposalId` reached its threshold and took effect.
    event ProposalExecuted(uint256 indexed proposalId, ProposalAction indexed action);
    /// @notice Emitted when the approvals threshold M changed (at deployment from 0).
    event ThresholdChanged(uint8 oldThreshold, uint8 newThreshold);
    /// @notice Emitted when the fingerprint evaluator's public key changed (at deployment from 0).
    event FingerprintEvaluatorKeyChanged(bytes32 oldKey, bytes32 newKey);

    // ---------------------------------------------------------------- events: documents

    /// @notice Emitted when `docHash` was registered by `registrant` as `docType`.
    event DocumentRegistered(bytes32 indexed docHash, address indexed registrant, DocType docType);
    /// @notice Emitted when `docHash` was revoked by `by` with `reasonCode`.
    event DocumentRevoked(bytes32 indexed docHash, address indexed by, uint8 reasonCode);
    /// @notice Emitted when `oldDocHash` was superseded by the amended `newDocHash`.
    event DocumentSuperseded(bytes32 indexed oldDocHash, bytes32 indexed newDocHash, address indexed by);
    /// @notice Emitted when `attestor` attested that `docHash` matches its record `evidenceHash`.
    event DocumentAttested(bytes32 indexed docHash, address indexed attestor, bytes32 evidenceHash);

    // ---------------------------------------------------------------- events: financing

    /// @notice Emitted when `bank` registered financing `financingId`, locking `fingerprints`.
    /// @param termsCommitment SHA-256 commitment to the terms (salted; opened by the envelope)
    /// @param terms the terms (amounts, currency, kind, maturity, reference, documents) as an
    ///        envelope only the bank, the regulators and the documents' registrants can open
    event FinancingRegistered(
        uint256 indexed financingId, address indexed bank, bytes32 termsCommitment, bytes32[] fingerprints, bytes terms
    );
    /// @notice Emitted when `bank`'s attempt to finance was refused; nothing changed. Who tried
    ///         and against what is inside `terms` (for the bank and the regulators).
    event FinancingRefused(address indexed bank, bytes32 termsCommitment, bytes terms);
    /// @notice Emitted when the bank recorded an entry (a drawdown or a repayment, confidential
    ///         which) on `financingId`, sealed under the financing's data key.
    event FinancingEntryRecorded(uint256 indexed financingId, bytes32 entryCommitment, bytes entry);
    /// @notice Emitted when `by` shared the data key of `financingId` with more readers (a
    ///         regulator that joined later), sealed to each.
    event TermsShared(uint256 indexed financingId, address indexed by, bytes keys);
    /// @notice Emitted with FinancingRegistered when the bank marked `financingId` with `marks`:
    ///         values a re-issue or a split of a pledged invoice shares with it (the same seller,
    ///         buyer, currency and lines under another number or date), computed as fingerprints
    ///         are (docs/fingerprints.md). They lock nothing: another bank's gateway reads them
    ///         (markedFinancings) to call such an invoice suspicious.
    event FinancingMarked(uint256 indexed financingId, bytes32[] marks);
    /// @notice Emitted when `financingId` was closed; its fingerprints are released.
    event FinancingClosed(uint256 indexed financingId);
    /// @notice Emitted when `financingId` was cancelled with `reasonCode`; its fingerprints are
    ///         released.
    event FinancingCancelled(uint256 indexed financingId, uint8 reasonCode);

    // ---------------------------------------------------------------- limits
    // Added in issue #3: the limits the gateway must respect, readable from the chain.

    /// @notice The most documents registerDocuments accepts in one call (256).
    function MAX_BATCH() external view returns (uint256);

    /// @notice The most fingerprints one pledged document may carry (8; checked by the gateway).
    function MAX_FINGERPRINTS() external view returns (uint256);

    /// @notice The most documents one financing may pledge (16; checked by the gateway).
    function MAX_PLEDGES() external view returns (uint256);

    /// @notice The longest terms, entry or shared-keys envelope accepted, in bytes.
    function MAX_TERMS() external view returns (uint256);

    /// @notice The most fingerprints one financing may lock (MAX_PLEDGES x MAX_FINGERPRINTS).
    function MAX_FINANCING_FINGERPRINTS() external view returns (uint256);

    /// @notice The most marks one financing may carry (MAX_PLEDGES x 4).
    function MAX_FINANCING_MARKS() external view returns (uint256);

    // ---------------------------------------------------------------- membership

    /// @notice Onboard `account` with `role`. Owner: any role; ADMIN members: any but ADMIN.
    ///         Only while the threshold is 1 (else ProposalRequired: use propose).
    /// @return memberId the new member's id (ids start at 1 and never change)
    function addMember(address account, Role role, bytes32 legalIdHash, string calldata name)
        external
        returns (uint32 memberId);

    /// @notice Suspend `account`: its writes revert until reinstated. Owner or ADMIN, only while
    ///         the threshold is 1 (else ProposalRequired: use propose).
    function suspendMember(address account) external;

    /// @notice Reinstate a suspended `account`. Owner or ADMIN, only while the threshold is 1.
    function reinstateMember(address account) external;

    /// @notice Move a member's signing key from `oldAccount` to `newAccount`. Owner, ADMIN
    ///         (non-admin members only), or the member itself (`msg.sender == oldAccount`). Above
    ///         threshold 1 only the member itself; another's key is rotated by a proposal.
    /// @dev Added in issue #3: the member itself must be active and not a REGULATOR (a regulator
    ///      writes nothing; the owner or an ADMIN rotates its key).
    function rotateMemberKey(address oldAccount, address newAccount) external;

    /// @notice The member record of `account` (role NONE and id 0 when unknown).
    function memberOf(address account) external view returns (MemberRecord memory);

    /// @notice The member record of member `memberId` (id 0 when unknown).
    function memberById(uint32 memberId) external view returns (MemberRecord memory);

    /// @notice How many members were ever onboarded (the highest id).
    function memberCount() external view returns (uint32);

    /// @notice Publish the caller's X25519 public key for the envelopes encrypted to it (an
    ///         ADD_MEMBER proposal's `data` publishes it at onboarding). Any active member.
    function setEncryptionKey(bytes32 publicKey) external;

    /// @notice The X25519 public key `account` published (zero when none).
    function encryptionKeyOf(address account) external view returns (bytes32);

    /// @notice The active members of `role` with a published encryption key, and their keys:
    ///         whom a financing's terms are encrypted to (the regulators).
    function encryptionRecipients(Role role)
        external
        view
        returns (address[] memory accounts, bytes32[] memory publicKeys);

    // ---------------------------------------------------------------- governance (issue #13)

    /// @notice Propose a membership or consortium change; the proposer's approval is counted at
    ///         once, so with threshold 1 it takes effect in this call. Active ADMINs (and, with
    ///         threshold 1, the owner). With threshold 1 only the owner may touch ADMINs or the
    ///         consortium settings; above 1 every change needs M ADMIN approvals instead.
    /// @return proposalId the new proposal's id (ids start at 1)
    function propose(ProposalInput calldata input) external returns (uint256 proposalId);

    /// @notice Approve `proposalId`; it takes effect when M active ADMINs have approved it.
    function approveProposal(uint256 proposalId) external;

    /// @notice The stored proposal `proposalId` (status NONE when unknown).
    function getProposal(uint256 proposalId) external view returns (ProposalRecord memory);

    /// @notice Whether `admin` approved `proposalId`.
    function hasApproved(uint256 proposalId, address admin) external view returns (bool);

    /// @notice How many proposals were ever made (the highest id).
    function proposalCount() external view returns (uint256);

    /// @notice M: how many ADMIN approvals a change needs.
    function threshold() external view returns (uint8);

    /// @notice N: how many active ADMIN members there are.
    function adminCount() external view returns (uint32);

    /// @notice The public key (ristretto255, 32 bytes compressed) of the evaluator the consortium
    ///         designates to compute fingerprints (RFC 9497 VOPRF). Its private key is at the
    ///         evaluator only; every bank's gateway checks the evaluator's proofs against this.
    function fingerprintEvaluatorKey() external view returns (bytes32);

    /// @notice The block the contract was deployed in: where a new member's gateway starts
    ///         following the chain.
    function deploymentBlock() external view returns (uint64);

    // ---------------------------------------------------------------- documents

    /// @notice Register `docHash` as `docType`. BANK, ENTERPRISE or ATTESTOR.
    function registerDocument(bytes32 docHash, DocType docType) external;

    /// @notice Register many documents in one transaction (1..MAX_BATCH). All or nothing.
    function registerDocuments(bytes32[] calldata docHashes, DocType[] calldata docTypes) external;

    /// @notice Revoke `docHash` with `reasonCode`. Its registrant, or ADMIN/owner.
    function revokeDocument(bytes32 docHash, uint8 reasonCode) external;

    /// @notice Mark `oldDocHash` superseded by the amendment `newDocHash`, registering the latter
    ///         with the same type. Only the registrant of `oldDocHash`.
    function supersedeDocument(bytes32 oldDocHash, bytes32 newDocHash) external;

    /// @notice Attest that `docHash` matches the attestor's own record `evidenceHash`. ATTESTOR.
    function attestDocument(bytes32 docHash, bytes32 evidenceHash) external;

    /// @notice The stored record of `docHash` (status NONE when unknown).
    function getDocument(bytes32 docHash) external view returns (DocumentRecord memory);

    /// @notice The amendment that superseded `docHash`, or zero.
    function successorOf(bytes32 docHash) external view returns (bytes32);

    /// @notice The status of each of `docHashes`, in order (NONE when never registered): what a
    ///         gateway reads before registering a batch of files, in one call. Read the
    ///         registered ones' records with `getDocument`.
    /// @dev A view: not limited to MAX_BATCH; a node's call gas limit bounds it.
    function documentStatuses(bytes32[] calldata docHashes)
        external
        view
        returns (DocStatus[] memory statuses);

    /// @notice When `attestor` attested `docHash` (0 if never).
    function attestedAt(bytes32 docHash, address attestor) external view returns (uint40);

    /// @notice TradeTrust/OpenAttestation document-store read: was `docHash` ever registered.
    function isIssued(bytes32 docHash) external view returns (bool);

    /// @notice TradeTrust/OpenAttestation document-store read: is `docHash` no longer valid
    ///         (revoked or superseded). False for unknown hashes.
    function isRevoked(bytes32 docHash) external view returns (bool);

    // ---------------------------------------------------------------- financing

    /// @notice Register a financing that locks `fingerprints` (strictly ascending,
    ///         1..MAX_FINANCING_FINGERPRINTS), with `termsCommitment` and the encrypted `terms`.
    ///         Active BANK only. When any fingerprint is held by an active financing the attempt
    ///         is refused: it emits FinancingRefused, changes nothing and returns 0. The bank's
    ///         gateway checks every rule that needs the clear terms before it signs.
    /// @return financingId the new financing's id (ids start at 1), or 0 when refused
    function registerFinancing(bytes32[] calldata fingerprints, bytes32 termsCommitment, bytes calldata terms)
        external
        returns (uint256 financingId);

    /// @notice registerFinancing, and when the financing is registered, mark it with `marks`
    ///         (strictly ascending, none zero, at most MAX_FINANCING_MARKS; may be empty): each
    ///         mark then counts this financing among its carriers (markCarriers,
    ///         markedFinancings) while it is active, and FinancingMarked is emitted. A refused
    ///         attempt marks nothing. Marks lock nothing.
    /// @return financingId the new financing's id, or 0 when refused
    function registerMarkedFinancing(
        bytes32[] calldata fingerprints,
        bytes32[] calldata marks,
        bytes32 termsCommitment,
        bytes calldata terms
    ) external returns (uint256 financingId);

    /// @notice Record a financing attempt the bank's gateway refused before sending it (the
    ///         reason and the documents are inside the encrypted `terms`). Active BANK only.
    function recordRefusal(bytes32 termsCommitment, bytes calldata terms) external;

    /// @notice Record an entry (a drawdown or a repayment) on the caller's active financing,
    ///         encrypted under the financing's data key. Its bank only.
    function recordEntry(uint256 financingId, bytes32 entryCommitment, bytes calldata entry) external;

    /// @notice Share the data key of `financingId` with more readers (`keys`: the key sealed to
    ///         each). The financing's bank (active) or an active REGULATOR.
    function shareTerms(uint256 financingId, bytes calldata keys) external;

    /// @notice Close an active financing and release its fingerprints (all of them, strictly
    ///         ascending). Its bank only; the gateway checks it is fully repaid.
    function closeFinancing(uint256 financingId, bytes32[] calldata fingerprints) external;

    /// @notice Cancel an active financing with `reasonCode` and release its fingerprints. Its
    ///         bank only.
    function cancelFinancing(uint256 financingId, uint8 reasonCode, bytes32[] calldata fingerprints)
        external;

    /// @notice The public record of `financingId` (status NONE when unknown).
    function getFinancing(uint256 financingId) external view returns (FinancingRecord memory);

    /// @notice The active financings holding each of `fingerprints` (0 where none).
    function fingerprintHolders(bytes32[] calldata fingerprints)
        external
        view
        returns (uint256[] memory financingIds);

    /// @notice For each of `marks`, the oldest financing carrying it that is still active, else
    ///         0: closing or cancelling one carrier leaves the mark naming the others.
    function markedFinancings(bytes32[] calldata marks) external view returns (uint256[] memory financingIds);

    /// @notice For each of `marks`, every financing carrying it that is still active, oldest
    ///         first (empty where none): a bank's check names each other bank's carrier.
    function markCarriers(bytes32[] calldata marks) external view returns (uint256[][] memory financingIds);

    /// @notice The active financing holding `fingerprint`, or 0.
    function fingerprintHolder(bytes32 fingerprint) external view returns (uint256 financingId);

    /// @notice How many financings were ever registered (the highest id).
    function financingCount() external view returns (uint256);
}
