"""The gateway's own state in SQL: participants and their API keys, idempotency records, the
files this gateway received (their facts and keyed fingerprints, never the bytes), and the
pledges of the financings its banks registered (what close and cancel must hand back).

This is participant-private and not on chain (an API key's hash, a keystore's location), so
unlike the event index it cannot be rebuilt from the chain: back it up with the keystores.

API keys look like ``tl_<key id>_<secret>``. Only SHA-256 of the secret is stored (the secret is
32 random bytes, so a fast hash is enough); lookups go by key id and compare digests in constant
time. A key is shown once, when created or rotated.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    and_,
    bindparam,
    create_engine,
    delete,
    event,
    exists,
    insert,
    inspect,
    or_,
    select,
    text,
    tuple_,
    union,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql.selectable import Join, Select

from ledger.datadir import private_sqlite
from ledger.errors import Conflict, NotFound, Unauthorized, key_reused
from ledger.groupcommit import GroupCommit

API_KEY_PREFIX = "tl"
#: how long this process trusts a key it has checked (revocations elsewhere apply after it)
AUTH_CACHE_SECONDS = 2.0
AUTH_CACHE_SIZE = 10_000

T = TypeVar("T")


class Base(DeclarativeBase):
    pass


class ParticipantRow(Base):
    __tablename__ = "participants"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    address: Mapped[str] = mapped_column(String(42), index=True)
    secret_sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


def _table(row: type[Base]) -> Table:
    """The table of the mapped class ``row``, for SQLAlchemy Core statements."""
    return cast(Table, row.__table__)


class NewKeyRow(Base):
    """A new signing key this gateway made for a member it serves (``tradeledger keystore
    new-key``): pending until the member's key is rotated to it on chain, then *adopted* — the
    member's records here move to the new address (:meth:`GatewayDB.adopt_key`)."""

    __tablename__ = "new_keys"

    new_address: Mapped[str] = mapped_column(String(42), primary_key=True)
    #: the address the member signed with when the key was made (the one it replaces)
    member_address: Mapped[str] = mapped_column(String(42), index=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    adopted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    #: one pending new key per member: two ``keystore new-key`` run at once (two processes)
    #: both read "none pending"; the second's row is refused here and it answers the first's
    #: (:meth:`GatewayDB.add_new_key`)
    __table_args__ = (
        Index(
            "ux_new_keys_one_pending",
            "member_address",
            unique=True,
            sqlite_where=text("adopted_at IS NULL"),
            postgresql_where=text("adopted_at IS NULL"),
        ),
    )


class IdempotencyRow(Base):
    __tablename__ = "idempotency"

    # (participant, key) identifies a write; the request digest guards against key reuse
    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EvaluatedInputRow(Base):
    """An OPRF output the consortium's evaluator gave one member of this gateway, kept so the
    same input is evaluated once per member and evaluator key (``Ledger.evaluate``): a check
    and the financing of the same invoice, or a check made again, spend the member's
    evaluation allowance once. The input is kept only as its HMAC-SHA256 under the gateway's
    lookup key (``secrets/lookup.key``), never as the invoice facts it is made of."""

    __tablename__ = "evaluated_inputs"

    member: Mapped[str] = mapped_column(String(42), primary_key=True)
    #: the evaluator's 32-byte public key the output was proved under, hex
    evaluator_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: HMAC-SHA256 of the input under the gateway's lookup key
    input_tag: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    #: the 64-byte OPRF output (RFC 9497), proof checked when it was evaluated
    output: Mapped[bytes] = mapped_column(LargeBinary(64))
    #: Unix time in milliseconds
    at_ms: Mapped[int] = mapped_column(BigInteger)


def _evaluated_query(*columns: str) -> Select[Any]:
    """The kept outputs of one member under one evaluator key whose tags are among
    ``input_tags`` (bound, expanding): ``columns`` of :class:`EvaluatedInputRow`. Built once, as
    the index's head reads are (issue #16: building a statement cost a check more than
    running it)."""
    table = _table(EvaluatedInputRow)
    return select(*(table.c[name] for name in columns)).where(
        table.c.member == bindparam("member"),
        table.c.evaluator_key == bindparam("evaluator_key"),
        table.c.input_tag.in_(bindparam("input_tags", expanding=True)),
    )


_EVALUATED_OUTPUTS = _evaluated_query("input_tag", "output")
_EVALUATED_TAGS = _evaluated_query("input_tag")


class PendingMemberRow(Base):
    """The key created for a member onboarding under an idempotency key (so a retry after a
    crash onboards the same address, never a second one)."""

    __tablename__ = "pending_member"

    admin: Mapped[str] = mapped_column(String(42), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    address: Mapped[str] = mapped_column(String(42))
    #: the gas money sent to it (wei, as decimal text: it can exceed 64 bits)
    funding: Mapped[str] = mapped_column(String(80), default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReceivedDocumentRow(Base):
    """A file a participant handed to this gateway: its facts, never its bytes."""

    __tablename__ = "received_documents"

    doc_hash: Mapped[str] = mapped_column(String(66), primary_key=True)
    received_by: Mapped[str] = mapped_column(String(42), primary_key=True)
    format: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    doc_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    facts_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReceivedFingerprintRow(Base):
    """One keyed fingerprint of a received file (to find candidate matches by fingerprint)."""

    __tablename__ = "received_fingerprints"

    fingerprint: Mapped[str] = mapped_column(String(66), primary_key=True)
    doc_hash: Mapped[str] = mapped_column(String(66), primary_key=True)
    received_by: Mapped[str] = mapped_column(String(42), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))

    #: a file's own fingerprints (``_received``), without a scan of every file's (issue #16)
    __table_args__ = (Index("ix_received_fingerprints_file", "doc_hash", "received_by"),)


class ReceivedTermRow(Base):
    """A searchable fact of a received file: its number (BT-1), a seller or buyer identifier
    (BT-31 / BT-48 VAT id, LEI, …) as normalised, a seller or buyer name (BT-27 / BT-44)
    case-folded. Derived from ``facts_json``; rebuilt for files stored before it existed."""

    __tablename__ = "received_terms"

    received_by: Mapped[str] = mapped_column(String(42), primary_key=True)
    doc_hash: Mapped[str] = mapped_column(String(66), primary_key=True)
    term: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(500), primary_key=True)

    __table_args__ = (Index("ix_received_terms_value", "received_by", "term", "value"),)


class PledgeRow(Base):
    """A document a financing pledged, with the fingerprints it pledged (for close/cancel)."""

    __tablename__ = "financing_pledges"

    financing_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    doc_hash: Mapped[str] = mapped_column(String(66), primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    face_value: Mapped[int] = mapped_column(BigInteger)
    fingerprints_json: Mapped[str] = mapped_column(Text)


class FingerprintCheckRow(Base):
    """One evaluation of a file's keyed fingerprints against the chain (which active financing
    holds each), logged for the regulator: who, when, through which endpoint, how many
    fingerprints were looked up and how many were held — never the file, its facts or the
    fingerprints themselves (``ledger.services.fingerprint_checks``)."""

    __tablename__ = "fingerprint_checks"

    check_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: Unix time in milliseconds
    at_ms: Mapped[int] = mapped_column(BigInteger)
    participant: Mapped[str] = mapped_column(String(42))
    role: Mapped[str] = mapped_column(String(20))
    #: check, receive, register or supersede
    action: Mapped[str] = mapped_column(String(20))
    endpoint: Mapped[str] = mapped_column(String(80))
    files: Mapped[int] = mapped_column(Integer, default=1)
    evaluated: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    #: None while the evaluation runs; "ok", "rate_limited", or the error code that ended it
    outcome: Mapped[str | None] = mapped_column(String(60), nullable=True)
    #: inputs the consortium's evaluator evaluated for it (0: every fingerprint it looked up
    #: was known here already — a file checked before; None: a row of an earlier release)
    sent: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (Index("ix_fingerprint_checks_participant", "participant", "at_ms"),)


@dataclass(frozen=True)
class FingerprintCheck:
    """A logged fingerprint evaluation (see :class:`FingerprintCheckRow`)."""

    check_id: int
    at_ms: int
    participant: str
    role: str
    action: str
    endpoint: str
    files: int
    evaluated: int
    matched: int
    outcome: str | None
    sent: int | None = None


@dataclass(frozen=True)
class NewKey:
    """A new signing key made for a member (:class:`NewKeyRow`); ``adopted_at`` None: pending."""

    new_address: str
    member_address: str
    member_id: int
    created_at: datetime
    adopted_at: datetime | None


@dataclass(frozen=True)
class ReceivedFile:
    """A file to keep (:meth:`GatewayDB.store_received_many`): its facts as JSON, its
    fingerprints and lookup keys as (name, 0x-hex value)."""

    doc_hash: str
    received_by: str
    fmt: str
    size: int
    filename: str | None
    doc_type: str | None
    facts_json: str | None
    fingerprints: list[tuple[str, str]]


@dataclass(frozen=True)
class CheckEntry:
    """One evaluation for the fingerprint-check log (``fingerprint_checks``): when it started
    (Unix ms), who and through which ``action`` / ``endpoint``, its ``outcome`` (``ok``,
    ``rate_limited`` or an error's code), how many ``files``, how many fingerprints it
    ``evaluated`` and ``matched``, and how many inputs it had the evaluator evaluate
    (``sent``). (Rows of an earlier release may have no outcome: an evaluation logged when it
    started and cut short; nor ``sent``.)"""

    at_ms: int
    participant: str
    role: str
    action: str
    endpoint: str
    outcome: str
    files: int = 1
    evaluated: int = 0
    matched: int = 0
    sent: int = 0

    def values(self) -> dict[str, Any]:
        """The entry's ``fingerprint_checks`` columns (endpoint and outcome cut to fit)."""
        return {
            "at_ms": self.at_ms,
            "participant": self.participant,
            "role": self.role,
            "action": self.action,
            "endpoint": self.endpoint[:80],
            "files": self.files,
            "evaluated": self.evaluated,
            "matched": self.matched,
            "outcome": self.outcome[:60],
            "sent": self.sent,
        }


@dataclass(frozen=True)
class ReceivedDocument:
    """A file this gateway received, as stored."""

    doc_hash: str
    received_by: str
    format: str
    size: int
    filename: str | None
    doc_type: str | None
    facts_json: str | None
    received_at: datetime
    fingerprints: tuple[tuple[str, str], ...]  # (name, 0x value)


@dataclass(frozen=True)
class PartyQuery:
    """A seller or buyer searched for: any of ``ids`` (normalised identifiers) equal to one of
    the party's, or ``name`` (case-folded) within its name."""

    ids: frozenset[str]
    name: str


@dataclass(frozen=True)
class StoredPledge:
    financing_id: int
    doc_hash: str
    amount: int
    face_value: int
    fingerprints: tuple[str, ...]


@dataclass(frozen=True)
class Participant:
    address: str
    name: str
    role: str
    #: whether its membership is active on chain, as the API read it for this request
    #: (``ledger.services.standing``); False: suspended or not yet approved
    active: bool = True
    #: why it is not active, in words (``Standing.reason``: suspended, or not a member yet);
    #: None while active
    inactive_reason: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def search_terms(facts_json: str | None) -> list[tuple[str, str]]:
    """The (term, value) pairs a received file is searched by, from its stored facts: its
    number, each seller / buyer identifier (already normalised) and name (case-folded)."""
    if not facts_json:
        return []
    facts = json.loads(facts_json)
    found: set[tuple[str, str]] = set()
    if facts.get("number"):
        found.add(("number", str(facts["number"])))
    for role in ("seller", "buyer"):
        party = facts.get(role) or {}
        for party_id in party.get("ids") or ():
            found.add((f"{role}_id", str(party_id["value"])[:500]))
        if party.get("name"):
            found.add((f"{role}_name", str(party["name"]).casefold()[:500]))
    return sorted(found)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _wal(dbapi_connection: Any, _record: Any) -> None:
    """SQLite in write-ahead-log mode, synchronous FULL: as durable as the rollback journal
    (a commit is on disk when it returns), with one fsync per commit instead of the journal's
    three, and readers that do not wait for a writer (issue #16: a registration commits three
    times here)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


@functools.cache
def _stored_files_queries(
    by_hash: bool, by_fingerprint: bool, scoped: bool
) -> tuple[Select[Any], Select[Any]]:
    """The two statements of :meth:`GatewayDB.received_for_files`, built once per shape (the
    values are bound: ``doc_hashes`` and ``fingerprints`` expanding, ``received_by``) so a
    check does not build and compile them again (issue #16): the stored files that are copies
    of one of the hashes or hold one of the fingerprints (of ``received_by`` when
    ``scoped``), then all the fingerprints of those files."""
    docs, fps = _table(ReceivedDocumentRow), _table(ReceivedFingerprintRow)
    found_by = []
    for table, column, wanted, name in (
        (docs, docs.c.doc_hash, by_hash, "doc_hashes"),
        (fps, fps.c.fingerprint, by_fingerprint, "fingerprints"),
    ):
        if not wanted:
            continue
        query = select(table.c.doc_hash, table.c.received_by).where(
            column.in_(bindparam(name, expanding=True))
        )
        if scoped:
            query = query.where(table.c.received_by == bindparam("received_by"))
        found_by.append(query)
    # the (doc_hash, received_by) of the files found, each once (a file holding two of the
    # fingerprints is found twice), a subquery of both statements
    keys = (union(*found_by) if len(found_by) > 1 else found_by[0].distinct()).subquery("found")

    def joined(table: Table) -> Join:
        return table.join(
            keys,
            and_(table.c.doc_hash == keys.c.doc_hash, table.c.received_by == keys.c.received_by),
        )

    files = select(docs).select_from(joined(docs))
    fingerprints = select(
        fps.c.doc_hash, fps.c.received_by, fps.c.name, fps.c.fingerprint
    ).select_from(joined(fps))
    return files, fingerprints


def _add_missing_columns(engine: Engine, row: type[Base]) -> None:
    """Add the nullable columns of ``row``'s table that a database made by an earlier release
    lacks (SQLite and PostgreSQL both take ``ALTER TABLE … ADD COLUMN``); their old rows read
    NULL."""
    table = _table(row)
    present = {c["name"] for c in inspect(engine).get_columns(table.name)}
    with engine.begin() as connection:
        for column in table.columns:
            if column.name not in present and column.nullable:
                kind = column.type.compile(dialect=engine.dialect)
                connection.execute(
                    text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')
                )


def _new_key(row: NewKeyRow) -> NewKey:
    return NewKey(
        row.new_address, row.member_address, row.member_id, row.created_at, row.adopted_at
    )


class GatewayDB:
    """Participants, API keys and idempotency records of one gateway."""

    def __init__(self, url: str) -> None:
        self._auth_cache: dict[str, tuple[bytes, Participant, float]] = {}
        #: participant names by address, with when they stop being trusted (``participant_name``)
        self._names: dict[str, tuple[str | None, float]] = {}
        connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
        private_sqlite(url)
        self.engine: Engine = create_engine(url, connect_args=connect_args)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _wal)
        Base.metadata.create_all(self.engine)
        for index in ReceivedFingerprintRow.__table_args__:  # added to an existing table
            index.create(self.engine, checkfirst=True)
        with suppress(IntegrityError):  # a database holding two already keeps them
            NewKeyRow.__table_args__[0].create(self.engine, checkfirst=True)
        _add_missing_columns(self.engine, FingerprintCheckRow)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: SQLite lets one writer in at a time: the writes of requests that arrive together
        #: share one commit (``ledger/groupcommit.py``); PostgreSQL lets them in together
        self.writes = GroupCommit(self._sessions, grouped=url.startswith("sqlite"))
        self._index_unsearchable_files()

    def session(self) -> Session:
        return self._sessions()

    def _write(self, write: Callable[[Session], T]) -> T:
        """Run ``write`` in a committed transaction; its result, or its error. SQLite lets one
        writer in at a time, and a writer that finds the database locked waits in its busy
        handler by sleeping (1, 2, 5 … 100 ms), not woken when the lock frees: the writers of
        this process take turns instead, those that arrive together in one transaction
        (:class:`GroupCommit`), and meet SQLite's lock only against other processes (the CLI
        beside the gateway). ``write`` touches only its session: it may run twice."""
        return self.writes.run(write)

    # -- participants ---------------------------------------------------------------------

    def add_participant(self, address: str, name: str, role: str) -> Participant:
        def write(s: Session) -> None:
            if s.get(ParticipantRow, address) is not None:
                raise Conflict(f"participant {address} exists", address=address)
            s.add(ParticipantRow(address=address, name=name, role=role, created_at=_now()))

        self._write(write)
        self._names.pop(address, None)
        return Participant(address, name, role)

    def participant(self, address: str) -> Participant:
        with self.session() as s:
            row = s.get(ParticipantRow, address)
            if row is None:
                raise NotFound(f"no participant {address} at this gateway", address=address)
            return Participant(row.address, row.name, row.role)

    def participant_name(self, address: str) -> str | None:
        """The name of the participant at ``address`` (None: no such participant, or no name),
        as this process read it in the last ``AUTH_CACHE_SECONDS`` (as a key it checked): an
        answer names the registrant of every file it holds, and a 100-file batch read the
        participant 100 times — three quarters of its interpreter time on anvil (issue #16)."""
        now = time.monotonic()
        cached = self._names.get(address)
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            name: str | None = self.participant(address).name or None
        except NotFound:
            name = None
        if len(self._names) > AUTH_CACHE_SIZE:
            self._names.clear()
        self._names[address] = (name, now + AUTH_CACHE_SECONDS)
        return name

    def participants(self) -> list[Participant]:
        with self.session() as s:
            rows = s.scalars(select(ParticipantRow).order_by(ParticipantRow.created_at)).all()
            return [Participant(r.address, r.name, r.role) for r in rows]

    def set_role(self, address: str, role: str) -> None:
        def write(s: Session) -> None:
            row = s.get(ParticipantRow, address)
            if row is not None:
                row.role = role

        self._write(write)

    # -- API keys ---------------------------------------------------------------------------

    def create_api_key(self, address: str) -> str:
        """A new API key for ``address``; the only time the secret exists in clear."""
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        self._write(
            lambda s: s.add(
                ApiKeyRow(
                    key_id=key_id,
                    address=address,
                    secret_sha256=_digest(secret),
                    created_at=_now(),
                    revoked=False,
                )
            )
        )
        return f"{API_KEY_PREFIX}_{key_id}_{secret}"

    def authenticate_cached(self, api_key: str) -> Participant | None:
        """The participant of a key this process checked in the last ``AUTH_CACHE_SECONDS``,
        without touching the database; None when it must be checked (``authenticate``).

        A revocation made by this process takes effect at once; one made by another process
        sharing the database (the CLI) within ``AUTH_CACHE_SECONDS``."""
        parts = api_key.split("_", 2)
        if len(parts) != 3:
            return None
        cached = self._auth_cache.get(parts[1])
        if cached is None:
            return None
        digest, participant, expires = cached
        if time.monotonic() > expires or not hmac.compare_digest(digest, _digest(parts[2])):
            return None
        return participant

    def authenticate(self, api_key: str) -> Participant:
        """The participant an API key acts as, or Unauthorized."""
        parts = api_key.split("_", 2)
        if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
            raise Unauthorized("malformed API key")
        _, key_id, secret = parts
        digest = _digest(secret)
        participant = self._authenticate(key_id, digest)
        if len(self._auth_cache) > AUTH_CACHE_SIZE:
            self._auth_cache.clear()
        expires = time.monotonic() + AUTH_CACHE_SECONDS
        self._auth_cache[key_id] = (digest, participant, expires)
        return participant

    def _authenticate(self, key_id: str, digest: bytes) -> Participant:
        with self.session() as s:
            row = s.get(ApiKeyRow, key_id)
            expected = row.secret_sha256 if row is not None else b"\0" * 32
            matches = hmac.compare_digest(expected, digest)
            if row is None or not matches or row.revoked:
                raise Unauthorized("unknown or revoked API key")
            address = row.address
        return self.participant(address)

    def revoke_api_keys(self, address: str) -> int:
        """Revoke every key of ``address``; returns how many were active."""
        for key_id, (_, participant, _) in list(self._auth_cache.items()):
            if participant.address == address:
                self._auth_cache.pop(key_id, None)

        def write(s: Session) -> int:
            rows = s.scalars(
                select(ApiKeyRow).where(ApiKeyRow.address == address, ~ApiKeyRow.revoked)
            ).all()
            for row in rows:
                row.revoked = True
            return len(rows)

        return self._write(write)

    def rotate_api_key(self, address: str) -> str:
        """Revoke the keys of ``address`` and return a new one."""
        self.participant(address)
        self.revoke_api_keys(address)
        return self.create_api_key(address)

    def api_keys(self, address: str) -> list[tuple[str, datetime, bool]]:
        """(key id, created, revoked) of every key of ``address`` — never the secret."""
        with self.session() as s:
            rows = s.scalars(
                select(ApiKeyRow).where(ApiKeyRow.address == address).order_by(ApiKeyRow.created_at)
            ).all()
            return [(r.key_id, r.created_at, r.revoked) for r in rows]

    # -- received documents ------------------------------------------------------------------

    def store_received(
        self,
        doc_hash: str,
        received_by: str,
        fmt: str,
        size: int,
        filename: str | None,
        doc_type: str | None,
        facts_json: str | None,
        fingerprints: list[tuple[str, str]],
    ) -> None:
        """Record that ``received_by`` handed this gateway the file ``doc_hash`` (idempotent)."""
        self.store_received_many(
            [
                ReceivedFile(
                    doc_hash, received_by, fmt, size, filename, doc_type, facts_json, fingerprints
                )
            ]
        )

    def store_received_many(
        self, files: Sequence[ReceivedFile], checks: Sequence[CheckEntry] = ()
    ) -> None:
        """Record ``files`` in one transaction (each idempotent: one already kept for its
        ``received_by`` is left as it is), with the fingerprint-check log's ``checks`` of the
        evaluations that read them (one commit for both: issue #16)."""

        # plain batched INSERTs, not ORM objects (issue #16: the unit of work and an identity
        # lookup per file were a quarter of a registration's interpreter time)
        wanted: dict[tuple[str, str], ReceivedFile] = {}
        for f in files:
            wanted.setdefault((f.doc_hash, f.received_by), f)

        def write(s: Session) -> None:
            # SQLAlchemy Core on the session's connection: no unit of work, no autoflush
            # (issue #16: the ORM's were most of a registration's database time)
            conn = s.connection()
            if checks:
                conn.execute(insert(_table(FingerprintCheckRow)), [e.values() for e in checks])
            if not wanted:
                return
            docs = _table(ReceivedDocumentRow)
            kept = {
                (doc_hash, owner)
                for doc_hash, owner in conn.execute(
                    select(docs.c.doc_hash, docs.c.received_by).where(
                        tuple_(docs.c.doc_hash, docs.c.received_by).in_(list(wanted))
                    )
                )
            }
            new = [f for key, f in wanted.items() if key not in kept]
            if not new:
                return
            now = _now()
            conn.execute(
                insert(docs),
                [
                    {
                        "doc_hash": f.doc_hash,
                        "received_by": f.received_by,
                        "format": f.fmt,
                        "size": f.size,
                        "filename": f.filename,
                        "doc_type": f.doc_type,
                        "facts_json": f.facts_json,
                        "received_at": now,
                    }
                    for f in new
                ],
            )
            fingerprints = [
                {
                    "fingerprint": value,
                    "doc_hash": f.doc_hash,
                    "received_by": f.received_by,
                    "name": name,
                }
                for f in new
                for name, value in f.fingerprints
            ]
            if fingerprints:
                conn.execute(insert(_table(ReceivedFingerprintRow)), fingerprints)
            terms = [
                {"received_by": f.received_by, "doc_hash": f.doc_hash, "term": term, "value": value}
                for f in new
                for term, value in search_terms(f.facts_json)
            ]
            if terms:
                conn.execute(insert(_table(ReceivedTermRow)), terms)

        self._write(write)

    @staticmethod
    def _received_row(row: Any, fingerprints: Sequence[tuple[str, str]]) -> ReceivedDocument:
        """``row`` (of ``received_documents``: a mapped row or a Core row) with its
        ``fingerprints`` (name, value) as a :class:`ReceivedDocument`."""
        return ReceivedDocument(
            doc_hash=row.doc_hash,
            received_by=row.received_by,
            format=row.format,
            size=row.size,
            filename=row.filename,
            doc_type=row.doc_type,
            facts_json=row.facts_json,
            received_at=row.received_at,
            fingerprints=tuple(sorted(fingerprints)),
        )

    # The reads of stored files below are SQLAlchemy Core on the session's connection, not ORM
    # entities: a check runs several of them, and the ORM's statement compilation and row
    # loading were a third of a check's interpreter time (issue #16, docs/benchmarks.md).

    def received(self, doc_hash: str, received_by: str | None = None) -> list[ReceivedDocument]:
        """The stored copies of ``doc_hash`` (of one participant, or of all)."""
        return self.received_for_files([doc_hash], [], received_by)

    def received_with_fingerprints(
        self, fingerprints: list[str], received_by: str | None = None
    ) -> list[ReceivedDocument]:
        """Files holding any of ``fingerprints`` (of one participant, or of all)."""
        return self.received_for_files([], fingerprints, received_by)

    def received_for_files(
        self, doc_hashes: Sequence[str], fingerprints: Sequence[str], received_by: str | None = None
    ) -> list[ReceivedDocument]:
        """The stored copies of any of ``doc_hashes`` and the files holding any of
        ``fingerprints`` (of one participant, or of all), each once with its fingerprints, by
        (doc_hash, received_by): what :meth:`received` and :meth:`received_with_fingerprints`
        answer for every file of a batch, in two queries whatever the number of files."""
        if not doc_hashes and not fingerprints:
            return []
        files_query, fingerprints_query = _stored_files_queries(
            bool(doc_hashes), bool(fingerprints), received_by is not None
        )
        params: dict[str, Any] = {"received_by": received_by}
        if doc_hashes:
            params["doc_hashes"] = sorted(set(doc_hashes))
        if fingerprints:
            params["fingerprints"] = sorted(set(fingerprints))
        with self.session() as s:
            conn = s.connection()
            rows = conn.execute(files_query, params).all()
            if not rows:
                return []
            theirs: dict[tuple[str, str], list[tuple[str, str]]] = {}
            for doc_hash, owner, name, value in conn.execute(fingerprints_query, params):
                theirs.setdefault((doc_hash, owner), []).append((name, value))
        found = [self._received_row(r, theirs.get((r.doc_hash, r.received_by), [])) for r in rows]
        return sorted(found, key=lambda r: (r.doc_hash, r.received_by))

    def _index_unsearchable_files(self) -> None:
        """Give the files stored before ``received_terms`` existed their search terms (every
        file with facts has at least its number; a file without terms was never indexed)."""

        def write(s: Session) -> None:
            rows = s.execute(
                select(
                    ReceivedDocumentRow.received_by,
                    ReceivedDocumentRow.doc_hash,
                    ReceivedDocumentRow.facts_json,
                ).where(
                    ReceivedDocumentRow.facts_json.is_not(None),
                    ~exists().where(
                        ReceivedTermRow.received_by == ReceivedDocumentRow.received_by,
                        ReceivedTermRow.doc_hash == ReceivedDocumentRow.doc_hash,
                    ),
                )
            ).all()
            for received_by, doc_hash, facts_json in rows:
                for term, value in search_terms(facts_json):
                    s.add(
                        ReceivedTermRow(
                            received_by=received_by, doc_hash=doc_hash, term=term, value=value
                        )
                    )

        self._write(write)

    def search_received(
        self,
        received_by: str,
        number: str | None = None,
        seller: PartyQuery | None = None,
        buyer: PartyQuery | None = None,
        after: tuple[datetime, str] | None = None,
        limit: int = 100,
    ) -> tuple[list[ReceivedDocument], bool]:
        """The files ``received_by`` handed this gateway that match every given criterion,
        by (received_at, doc_hash); ``after`` is the last (received_at, doc_hash) of the
        previous page. Returns at most ``limit`` files and whether more follow.

        ``number`` is compared with the document number as normalised (BT-1); a party matches
        when one of its identifiers equals one of ``ids`` or ``name`` occurs in its name."""

        def has(term: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
            return exists().where(
                ReceivedTermRow.received_by == ReceivedDocumentRow.received_by,
                ReceivedTermRow.doc_hash == ReceivedDocumentRow.doc_hash,
                ReceivedTermRow.term == term,
                condition,
            )

        def party(role: str, wanted: PartyQuery) -> ColumnElement[bool]:
            found = [
                has(f"{role}_name", ReceivedTermRow.value.contains(wanted.name, autoescape=True))
            ]
            if wanted.ids:
                found.append(has(f"{role}_id", ReceivedTermRow.value.in_(sorted(wanted.ids))))
            return or_(*found)

        query = select(ReceivedDocumentRow).where(ReceivedDocumentRow.received_by == received_by)
        if number is not None:
            query = query.where(has("number", ReceivedTermRow.value == number))
        if seller is not None:
            query = query.where(party("seller", seller))
        if buyer is not None:
            query = query.where(party("buyer", buyer))
        if after is not None:
            stamp, doc_hash = after
            query = query.where(
                or_(
                    ReceivedDocumentRow.received_at > stamp,
                    and_(
                        ReceivedDocumentRow.received_at == stamp,
                        ReceivedDocumentRow.doc_hash > doc_hash,
                    ),
                )
            )
        query = query.order_by(ReceivedDocumentRow.received_at, ReceivedDocumentRow.doc_hash)
        with self.session() as s:
            rows = s.scalars(query.limit(limit + 1)).all()
            page = rows[:limit]
            prints: dict[str, list[tuple[str, str]]] = {r.doc_hash: [] for r in page}
            for fp in s.scalars(
                select(ReceivedFingerprintRow).where(
                    ReceivedFingerprintRow.received_by == received_by,
                    ReceivedFingerprintRow.doc_hash.in_(list(prints)),
                )
            ):
                prints[fp.doc_hash].append((fp.name, fp.fingerprint))
            found = [
                ReceivedDocument(
                    doc_hash=r.doc_hash,
                    received_by=r.received_by,
                    format=r.format,
                    size=r.size,
                    filename=r.filename,
                    doc_type=r.doc_type,
                    facts_json=r.facts_json,
                    received_at=r.received_at,
                    fingerprints=tuple(sorted(prints[r.doc_hash])),
                )
                for r in page
            ]
            return found, len(rows) > limit

    # -- financing pledges -------------------------------------------------------------------

    def store_pledges(self, financing_id: int, pledges: list[StoredPledge]) -> None:
        def write(s: Session) -> None:
            for p in pledges:
                if s.get(PledgeRow, (financing_id, p.doc_hash)) is None:
                    s.add(
                        PledgeRow(
                            financing_id=financing_id,
                            doc_hash=p.doc_hash,
                            amount=p.amount,
                            face_value=p.face_value,
                            fingerprints_json=",".join(p.fingerprints),
                        )
                    )

        self._write(write)

    def pledges(self, financing_id: int) -> list[StoredPledge]:
        with self.session() as s:
            rows = s.scalars(
                select(PledgeRow)
                .where(PledgeRow.financing_id == financing_id)
                .order_by(PledgeRow.doc_hash)
            ).all()
            return [
                StoredPledge(
                    r.financing_id,
                    r.doc_hash,
                    r.amount,
                    r.face_value,
                    tuple(f for f in r.fingerprints_json.split(",") if f),
                )
                for r in rows
            ]

    # -- idempotency -------------------------------------------------------------------------

    def idempotent_result(
        self, address: str, key: str, request_sha256: str
    ) -> tuple[int, str] | None:
        """The stored response of an earlier write with this key, if any."""
        with self.session() as s:
            row = s.get(IdempotencyRow, (address, key))
            if row is None:
                return None
            if row.request_sha256 != request_sha256:
                raise key_reused(key)
            if row.status_code == 0:
                return None  # bound, no final response yet: the write runs (again)
            return row.status_code, row.response_json

    def claim_idempotent(
        self, address: str, key: str, request_sha256: str
    ) -> tuple[int, str] | None:
        """The stored response of an earlier write with this key, if any; else bind
        ``(address, key)`` to the request digest before the write runs (status 0: in progress),
        so the key can never be reused for another request, even after a crash — one
        transaction. Raises Conflict when the key is bound to a different request."""

        def write(s: Session) -> bool:
            conn, table = s.connection(), _table(IdempotencyRow)  # Core: see store_received_many
            bound = select(table.c.key).where(table.c.address == address, table.c.key == key)
            if conn.execute(bound).first() is not None:
                return False
            conn.execute(
                insert(table).values(
                    address=address,
                    key=key,
                    request_sha256=request_sha256,
                    status_code=0,
                    response_json="",
                    created_at=_now(),
                )
            )
            return True

        try:
            if self._write(write):
                return None
        except IntegrityError:
            pass  # a concurrent request bound it first: compare below
        return self.idempotent_result(address, key, request_sha256)

    def release_idempotent(self, address: str, key: str, request_sha256: str) -> None:
        """Unbind ``(address, key)`` from a request that ended changing nothing (refused as
        invalid): the key binds nothing until a request runs a write under it. Only a binding
        still in progress for this very request is released."""

        def write(s: Session) -> None:
            table = _table(IdempotencyRow)  # Core, as the claim: see store_received_many
            s.connection().execute(
                delete(table).where(
                    table.c.address == address,
                    table.c.key == key,
                    table.c.status_code == 0,
                    table.c.request_sha256 == request_sha256,
                )
            )

        self._write(write)

    def store_idempotent_result(
        self, address: str, key: str, request_sha256: str, status_code: int, body: str
    ) -> None:
        """Store the final response of a write (the first final response stands)."""

        def write(s: Session) -> None:
            conn, table = s.connection(), _table(IdempotencyRow)  # Core: see store_received_many
            this = (table.c.address == address, table.c.key == key)
            finished = conn.execute(
                update(table)
                .where(*this, table.c.status_code == 0, table.c.request_sha256 == request_sha256)
                .values(status_code=status_code, response_json=body)
            )
            if finished.rowcount or conn.execute(select(table.c.key).where(*this)).first():
                return  # this request's binding finished, or another's final answer stands
            conn.execute(
                insert(table).values(
                    address=address,
                    key=key,
                    request_sha256=request_sha256,
                    status_code=status_code,
                    response_json=body,
                    created_at=_now(),
                )
            )

        with suppress(IntegrityError):  # a concurrent request stored it first: the first stands
            self._write(write)

    def pending_member(self, admin: str, key: str) -> tuple[str, int] | None:
        """The address created for an onboarding under ``key`` by ``admin`` and the funding
        (wei) decided for it, if any."""
        with self.session() as s:
            row = s.get(PendingMemberRow, (admin, key))
            return (row.address, int(row.funding)) if row is not None else None

    def bind_pending_member(self, admin: str, key: str, address: str, funding: int) -> None:
        self._write(
            lambda s: s.add(
                PendingMemberRow(
                    admin=admin, key=key, address=address, funding=str(funding), created_at=_now()
                )
            )
        )

    # -- evaluated inputs -------------------------------------------------------------------

    def evaluated_outputs(
        self, member: str, evaluator_key: str, tags: Sequence[bytes]
    ) -> dict[bytes, bytes]:
        """The outputs kept for ``member`` under ``evaluator_key`` (hex) of the inputs whose
        tags are ``tags`` (:class:`EvaluatedInputRow`), by tag; those not kept are absent."""
        if not tags:
            return {}
        bound = {"member": member, "evaluator_key": evaluator_key, "input_tags": list(set(tags))}
        with self.session() as s:
            rows = s.connection().execute(_EVALUATED_OUTPUTS, bound)
            return {bytes(tag): bytes(output) for tag, output in rows}

    def keep_evaluated(self, member: str, evaluator_key: str, outputs: dict[bytes, bytes]) -> None:
        """Keep ``outputs`` (tag → output) for ``member`` under ``evaluator_key``; those kept
        already stay as they are (another process may have kept the same: an OPRF output is
        the same for the same key and input). Committed with the caller's next write (the
        fingerprint-check log's entry of the same check: one commit, not two) or when the
        database is closed — a kept output lost to a crash is only evaluated again."""
        if not outputs:
            return
        table = _table(EvaluatedInputRow)

        def write(s: Session) -> None:
            conn = s.connection()
            bound = {"member": member, "evaluator_key": evaluator_key, "input_tags": list(outputs)}
            kept = set(conn.execute(_EVALUATED_TAGS, bound).scalars())
            at_ms = int(time.time() * 1000)
            new = [
                {
                    "member": member,
                    "evaluator_key": evaluator_key,
                    "input_tag": tag,
                    "output": output,
                    "at_ms": at_ms,
                }
                for tag, output in outputs.items()
                if tag not in kept
            ]
            if new:
                conn.execute(insert(table), new)

        self.writes.defer(write)  # an error (kept meanwhile by another process) is dropped

    # -- the fingerprint-check log ----------------------------------------------------------

    def add_fingerprint_check(self, entry: CheckEntry) -> int:
        """Log an evaluation that was refused or has ended; returns its id."""

        def write(s: Session) -> int:
            # Core, as the hot writes above: every check writes one
            added = s.connection().execute(
                insert(_table(FingerprintCheckRow)).values(**entry.values())
            )
            key = added.inserted_primary_key
            if key is None:
                raise RuntimeError("the fingerprint-check log gave the new entry no id")
            return int(key[0])

        return self._write(write)

    def counted_fingerprint_checks(
        self, participant: str, actions: frozenset[str], since_ms: int
    ) -> list[int]:
        """The times (Unix ms, oldest first) of ``participant``'s evaluations of ``actions``
        since ``since_ms`` that count towards its limit: those running or done, not those
        refused or failed."""
        with self.session() as s:
            return list(
                s.scalars(
                    select(FingerprintCheckRow.at_ms)
                    .where(
                        FingerprintCheckRow.participant == participant,
                        FingerprintCheckRow.at_ms >= since_ms,
                        FingerprintCheckRow.action.in_(sorted(actions)),
                        or_(
                            FingerprintCheckRow.outcome.is_(None),
                            FingerprintCheckRow.outcome == "ok",
                        ),
                        # not a check whose every fingerprint was known here already
                        # (``sent`` 0 of ``evaluated`` > 0: a file checked before)
                        or_(
                            FingerprintCheckRow.sent.is_(None),
                            FingerprintCheckRow.sent > 0,
                            FingerprintCheckRow.evaluated == 0,
                        ),
                    )
                    .order_by(FingerprintCheckRow.at_ms)
                )
            )

    def fingerprint_checks(
        self,
        participant: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> tuple[list[FingerprintCheck], bool]:
        """Logged evaluations by id (oldest first) after ``after_id``, filtered; at most
        ``limit`` of them, and whether more follow."""
        query = select(FingerprintCheckRow).where(FingerprintCheckRow.check_id > after_id)
        if participant is not None:
            query = query.where(FingerprintCheckRow.participant == participant)
        if since_ms is not None:
            query = query.where(FingerprintCheckRow.at_ms >= since_ms)
        if until_ms is not None:
            query = query.where(FingerprintCheckRow.at_ms <= until_ms)
        query = query.order_by(FingerprintCheckRow.check_id).limit(limit + 1)
        with self.session() as s:
            rows = s.scalars(query).all()
            found = [
                FingerprintCheck(
                    r.check_id,
                    r.at_ms,
                    r.participant,
                    r.role,
                    r.action,
                    r.endpoint,
                    r.files,
                    r.evaluated,
                    r.matched,
                    r.outcome,
                    r.sent,
                )
                for r in rows[:limit]
            ]
            return found, len(rows) > limit

    # -- new signing keys (key rotation) ------------------------------------------------------

    def add_new_key(
        self, member_address: str, new_address: str, member_id: int
    ) -> tuple[NewKey, bool]:
        """Record ``new_address`` as the pending new key of the member at ``member_address``:
        (it, True) — or (the member's pending new key, False) when it has one already, also one
        another process recorded a moment before (never two pending keys for one member: the
        ``ux_new_keys_one_pending`` index refuses the second row)."""
        created_at = _now()

        def write(s: Session) -> tuple[NewKey, bool]:
            pending = s.scalars(
                select(NewKeyRow)
                .where(NewKeyRow.member_address == member_address, NewKeyRow.adopted_at.is_(None))
                .order_by(NewKeyRow.created_at)
            ).first()
            if pending is not None:
                return _new_key(pending), False
            s.add(
                NewKeyRow(
                    new_address=new_address,
                    member_address=member_address,
                    member_id=member_id,
                    created_at=created_at,
                    adopted_at=None,
                )
            )
            return NewKey(new_address, member_address, member_id, created_at, None), True

        try:
            return self._write(write)
        except IntegrityError:  # another process recorded one between our read and our write
            pending = [k for k in self.new_keys(member_address) if k.adopted_at is None]
            if not pending:
                raise
            return pending[0], False

    def new_keys(self, member_address: str | None = None) -> list[NewKey]:
        """The new keys made here (of the member at ``member_address`` when given), oldest
        first."""
        with self.session() as s:
            query = select(NewKeyRow).order_by(NewKeyRow.created_at)
            if member_address is not None:
                query = query.where(NewKeyRow.member_address == member_address)
            return [_new_key(r) for r in s.scalars(query).all()]

    def moved_to(self, address: str) -> str | None:
        """The address the member once at ``address`` moved to (an adopted new key), else
        None."""
        with self.session() as s:
            return s.scalar(
                select(NewKeyRow.new_address).where(
                    NewKeyRow.member_address == address, NewKeyRow.adopted_at.is_not(None)
                )
            )

    def adopt_key(self, old: str, new: str) -> bool:
        """Move the member at ``old`` to ``new`` (its key was rotated on chain): its participant
        row, API keys (they keep working, now acting as ``new``), idempotency records, received
        files, evaluations, pending onboardings and fingerprint-check log — in one transaction,
        and mark the new key adopted. False when there was nothing to move (done already, by
        this or another process)."""

        def write(s: Session) -> bool:
            row = s.get(NewKeyRow, new)
            if row is None or row.adopted_at is not None or row.member_address != old:
                return False
            moves = (
                (ParticipantRow, "address"),
                (ApiKeyRow, "address"),
                (IdempotencyRow, "address"),
                (EvaluatedInputRow, "member"),
                (PendingMemberRow, "admin"),
                (ReceivedDocumentRow, "received_by"),
                (ReceivedFingerprintRow, "received_by"),
                (ReceivedTermRow, "received_by"),
                (FingerprintCheckRow, "participant"),
            )
            for table, column in moves:
                t = _table(table)
                s.execute(update(t).where(t.c[column] == old).values({column: new}))
            row.adopted_at = _now()
            return True

        moved = self._write(write)
        for key_id, (_, participant, _) in list(self._auth_cache.items()):
            if participant.address == old:
                self._auth_cache.pop(key_id, None)
        self._names.pop(old, None)
        self._names.pop(new, None)
        return moved

    def has_participant(self, address: str) -> bool:
        with self.session() as s:
            return s.get(ParticipantRow, address) is not None

    def close(self) -> None:
        self.writes.flush()
        self.engine.dispose()
