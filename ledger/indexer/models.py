"""The index's tables (SQLAlchemy 2.0): one generic ``events`` table, the follower's cursor,
and the projections the audit queries read.

Everything here is derived from the chain and can be dropped and rebuilt. Hashes, addresses and
fingerprints are stored as lower-case ``0x`` hex text so SQLite and PostgreSQL compare them the
same way; block times are Unix seconds (the block's own timestamp, never the gateway's clock).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: the index's table layout; an index of another version is dropped and rebuilt on open
#: (2: confidential financings, issue #14; 3: a document's registrant id, issue #16;
#: 5: every carrier of a mark, not the last)
SCHEMA_VERSION = 5

HASH = String(66)
ADDRESS = String(42)
#: financing ids and amounts: signed 64-bit columns (both engines sum and compare them natively);
#: a value above ``INT64_MAX`` saturates in the projections (``events.args`` keeps it exactly)
BIGNUM = BigInteger
INT64_MAX = 2**63 - 1


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    """One contract log, as the chain has it (raw topics and data) and decoded."""

    __tablename__ = "events"

    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_hash: Mapped[str] = mapped_column(HASH)
    block_time: Mapped[int] = mapped_column(BigInteger, index=True)
    tx_hash: Mapped[str] = mapped_column(HASH, index=True)
    tx_index: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(40), index=True)
    #: the decoded arguments as canonical JSON (sorted keys, bytes as 0x hex)
    args: Mapped[str] = mapped_column(Text)
    #: the raw log: topics joined by "," and data, as 0x hex
    topics: Mapped[str] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text)


class EventRefRow(Base):
    """What an event concerns: a document, a financing, a member (address)."""

    __tablename__ = "event_refs"

    kind: Mapped[str] = mapped_column(String(3), primary_key=True)  # doc | fin | mem
    ref: Mapped[str] = mapped_column(String(80), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)

    __table_args__ = (Index("ix_event_refs_block", "block_number"),)


class CursorRow(Base):
    """Where the follower stands: the last indexed block and its hash (one row, id 1)."""

    __tablename__ = "index_cursor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    contract: Mapped[str] = mapped_column(ADDRESS)
    deployment_block: Mapped[int] = mapped_column(BigInteger)
    last_block: Mapped[int] = mapped_column(BigInteger)
    last_block_hash: Mapped[str] = mapped_column(HASH)


class BlockRow(Base):
    """Hashes of indexed blocks (every block with events, and every range's last block):
    the checkpoints a reorg walks back through to find the common ancestor."""

    __tablename__ = "index_blocks"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(HASH)


class DocumentRow(Base):
    __tablename__ = "documents"

    doc_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    doc_type: Mapped[int] = mapped_column(Integer)
    registrant: Mapped[str] = mapped_column(ADDRESS, index=True)
    #: the registrant's member id (``getDocument``'s ``registrantId``); None: not a member
    #: the index knew at its registration (the chain is read instead)
    registrant_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status: Mapped[int] = mapped_column(Integer)  # DocStatus
    successor: Mapped[str | None] = mapped_column(HASH, nullable=True)
    revoke_reason: Mapped[int | None] = mapped_column(Integer, nullable=True)
    registered_block: Mapped[int] = mapped_column(BigInteger)
    registered_time: Mapped[int] = mapped_column(BigInteger)


class FinancingRow(Base):
    """A financing: its public part from the chain (always), and its terms when an encryption
    key this gateway holds opened them (``opened``; else the terms columns are NULL)."""

    __tablename__ = "financings"

    financing_id: Mapped[int] = mapped_column(BIGNUM, primary_key=True)
    bank: Mapped[str] = mapped_column(ADDRESS, index=True)
    status: Mapped[int] = mapped_column(Integer, index=True)  # FinancingStatus
    fingerprint_count: Mapped[int] = mapped_column(Integer)
    registered_block: Mapped[int] = mapped_column(BigInteger)
    registered_log: Mapped[int] = mapped_column(Integer)
    registered_time: Mapped[int] = mapped_column(BigInteger, index=True)
    tx_hash: Mapped[str] = mapped_column(HASH)
    terms_commitment: Mapped[str] = mapped_column(HASH)
    #: the terms were opened by a key this gateway holds (see ``readers``)
    opened: Mapped[bool] = mapped_column(Boolean)
    #: the opened terms hash to ``terms_commitment`` (NULL: not opened)
    commitment_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    kind: Mapped[int | None] = mapped_column(Integer, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    amount: Mapped[int | None] = mapped_column(BIGNUM, nullable=True)
    maturity: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reference: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the suspicions its bank acknowledged when it sent it (JSON, from the terms; None: none)
    acknowledged_suspicions: Mapped[str | None] = mapped_column(Text, nullable=True)
    drawn: Mapped[int | None] = mapped_column(BIGNUM, nullable=True)
    repaid: Mapped[int | None] = mapped_column(BIGNUM, nullable=True)


class PledgeRow(Base):
    """A document a financing pledges — known only from opened terms."""

    __tablename__ = "pledges"

    financing_id: Mapped[int] = mapped_column(BIGNUM, primary_key=True)
    doc_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    amount: Mapped[int] = mapped_column(BIGNUM)
    face_value: Mapped[int] = mapped_column(BIGNUM)
    #: the registrant the bank's gateway named in the terms (None when it named none)
    registrant: Mapped[str | None] = mapped_column(ADDRESS, nullable=True)
    #: true while the financing is ACTIVE (a closed or cancelled financing releases it)
    active: Mapped[bool] = mapped_column(Boolean)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_time: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_pledges_doc", "doc_hash", "active"),)


class PledgeFingerprintRow(Base):
    """A fingerprint a financing locks: public, from the event (``doc_hash`` only when the
    terms were opened)."""

    __tablename__ = "pledge_fingerprints"

    fingerprint: Mapped[str] = mapped_column(HASH, primary_key=True)
    financing_id: Mapped[int] = mapped_column(BIGNUM, primary_key=True)
    doc_hash: Mapped[str | None] = mapped_column(HASH, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_time: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_pledge_fp_fin", "financing_id"),
        Index("ix_pledge_fp_doc", "doc_hash"),
    )


class EntryRow(Base):
    """A drawdown or repayment (``FinancingEntryRecorded``): public position and commitment;
    type and amounts when the financing's data key opened it."""

    __tablename__ = "financing_entries"

    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    financing_id: Mapped[int] = mapped_column(BIGNUM, index=True)
    tx_hash: Mapped[str] = mapped_column(HASH)
    block_time: Mapped[int] = mapped_column(BigInteger)
    entry_commitment: Mapped[str] = mapped_column(HASH)
    opened: Mapped[bool] = mapped_column(Boolean)
    commitment_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    entry_type: Mapped[str | None] = mapped_column(String(10), nullable=True)
    amount: Mapped[int | None] = mapped_column(BIGNUM, nullable=True)
    #: the running totals the entry states (checked by the regulator's verify)
    total_drawn: Mapped[int | None] = mapped_column(BIGNUM, nullable=True)
    total_repaid: Mapped[int | None] = mapped_column(BIGNUM, nullable=True)


class RefusalRow(Base):
    """A refused attempt: the bank and where (public); what was asked and why when its
    envelope was opened."""

    __tablename__ = "refusals"

    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = mapped_column(HASH)
    block_time: Mapped[int] = mapped_column(BigInteger, index=True)
    bank: Mapped[str] = mapped_column(ADDRESS, index=True)
    #: how ``readers`` names it: "block-log"
    ref: Mapped[str] = mapped_column(String(80), index=True)
    terms_commitment: Mapped[str] = mapped_column(HASH)
    opened: Mapped[bool] = mapped_column(Boolean)
    commitment_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    doc_hash: Mapped[str | None] = mapped_column(HASH, nullable=True, index=True)
    conflicting_financing_id: Mapped[int | None] = mapped_column(BIGNUM, nullable=True)
    reason: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    fingerprint: Mapped[str | None] = mapped_column(HASH, nullable=True)
    reference: Mapped[str | None] = mapped_column(Text, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    #: what the refused bank asked for ``doc_hash`` and the face value its gateway read
    requested_amount: Mapped[int | None] = mapped_column(BIGNUM, nullable=True)
    stated_face_value: Mapped[int | None] = mapped_column(BIGNUM, nullable=True)


class MarkRow(Base):
    """A mark a financing carries (``FinancingMarked``): one row per carrier, as the contract's
    ``markCarriers`` keeps them (read with each financing's status)."""

    __tablename__ = "financing_marks"

    mark: Mapped[str] = mapped_column(HASH, primary_key=True)
    financing_id: Mapped[int] = mapped_column(BIGNUM, primary_key=True)


class ReaderRow(Base):
    """Whose key opened a financing's terms (``kind`` ``fin``, ``ref`` its id) or a refusal
    (``ref``, ``ref`` "block-log"): member addresses, lower case. Sealed readers and those a
    ``TermsShared`` added."""

    __tablename__ = "readers"

    kind: Mapped[str] = mapped_column(String(3), primary_key=True)  # fin | ref
    ref: Mapped[str] = mapped_column(String(80), primary_key=True)
    reader: Mapped[str] = mapped_column(ADDRESS, primary_key=True)

    __table_args__ = (Index("ix_readers_reader", "reader", "kind"),)


class IndexMetaRow(Base):
    """The index's schema version and the encryption keys its projections were opened with
    (one row, id 1): another schema rebuilds the index, other keys replay the projections."""

    __tablename__ = "index_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schema_version: Mapped[int] = mapped_column(Integer)
    #: the public keys (hex, sorted, comma-joined) of the keys the projections were opened with
    reader_keys: Mapped[str] = mapped_column(Text)


class MemberRow(Base):
    __tablename__ = "members"

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(ADDRESS, index=True)
    role: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    legal_id_hash: Mapped[str] = mapped_column(HASH)
    active: Mapped[bool] = mapped_column(Boolean)
    joined_block: Mapped[int] = mapped_column(BigInteger)
    #: the X25519 public key it published (``EncryptionKeySet``), and when
    encryption_key: Mapped[str | None] = mapped_column(HASH, nullable=True)
    encryption_key_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AttestationRow(Base):
    __tablename__ = "attestations"

    doc_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    attestor: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    evidence_hash: Mapped[str] = mapped_column(HASH)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_time: Mapped[int] = mapped_column(BigInteger)


#: projection tables, emptied and replayed from ``events`` after a reorg
PROJECTIONS = (
    DocumentRow,
    FinancingRow,
    PledgeRow,
    PledgeFingerprintRow,
    MarkRow,
    EntryRow,
    RefusalRow,
    ReaderRow,
    MemberRow,
    AttestationRow,
)
