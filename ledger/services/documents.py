"""Documents: receive a file, check it against what the ledger holds, register, revoke,
supersede, attest, and read a document with its provenance, attestations, financings and matches.

"A file this gateway received" is kept as its facts and keyed fingerprints (never the bytes) in
the gateway database, per participant. Graded matches (identical / same_document / altered) are
computed against those stored facts: a participant sees matches against the files *it* lodged;
a regulator sees matches against every file this gateway holds. On-chain evidence (the hash is
registered, an active financing holds one of the fingerprints) is consortium-wide.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from hexbytes import HexBytes
from web3 import Web3

from ledger.documents import (
    DocumentFacts,
    Match,
    ParsedDocument,
    compute_fingerprints,
    find_matches,
    grade_facts,
    read_document,
)
from ledger.documents.facts import DocumentFormat
from ledger.errors import InvalidInput, NotFound
from ledger.gatewaydb import ReceivedDocument
from ledger.jsonsafe import jsonable
from ledger.network import Ledger
from ledger.services.roles import DocStatus, DocType

MAX_FILE_BYTES = 20 * 1024 * 1024
#: the largest face value the contract can record: uint64 minor units
MAX_FACE_VALUE = 2**64 - 1
ZERO32 = b"\0" * 32
#: roles whose graded matches cover every file this gateway holds (supervision)
SEE_ALL_ROLES = frozenset({"regulator"})


@dataclass(frozen=True)
class Registration:
    """A document's on-chain record."""

    doc_hash: str
    doc_type: DocType
    status: DocStatus
    registered_by: str
    registrant_id: int
    registered_at: datetime
    currency: str | None
    face_value: int
    financed_amount: int
    successor: str | None


@dataclass(frozen=True)
class Receipt:
    """Where a write landed."""

    tx_hash: str
    block: int


@dataclass(frozen=True)
class FingerprintInfo:
    """One keyed fingerprint of a file and the active financing holding it on chain (0: none)."""

    name: str
    value: str
    held_by_financing: int = 0


@dataclass(frozen=True)
class GradedMatch:
    """A file this gateway holds that matches the candidate, graded and explained."""

    grade: str
    doc_hash: str
    received_by: str
    agree: tuple[str, ...]
    differ: tuple[str, ...]
    registered: bool


@dataclass(frozen=True)
class Examined:
    """A file read by the gateway: facts, fingerprints and what the ledger already knows."""

    doc_hash: str
    format: str
    size: int
    doc_type: DocType
    facts: dict[str, Any] | None
    fingerprints: tuple[FingerprintInfo, ...]
    registration: Registration | None
    matches: tuple[GradedMatch, ...]

    @property
    def conflicting_financings(self) -> list[int]:
        return sorted({f.held_by_financing for f in self.fingerprints if f.held_by_financing})


@dataclass(frozen=True)
class Attestation:
    attestor: str
    evidence_hash: str
    block: int
    tx_hash: str


@dataclass(frozen=True)
class DocumentEvent:
    event: str
    block: int
    tx_hash: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentDetail:
    registration: Registration
    attestations: tuple[Attestation, ...]
    financings: tuple[int, ...]
    history: tuple[DocumentEvent, ...]
    held: Examined | None


# -- small helpers ------------------------------------------------------------------------


def file_hash(data: bytes) -> bytes:
    """The document hash: SHA-256 of the file's bytes."""
    check_size(data)
    return hashlib.sha256(data).digest()


def check_size(data: bytes) -> None:
    if not data:
        raise InvalidInput("file", "must not be empty")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput("file", f"must be at most {MAX_FILE_BYTES} bytes")


def check_face_value(facts: DocumentFacts) -> None:
    """Refuse (:class:`InvalidInput`, field ``amount``) a face value the ledger cannot hold.

    The contract records a face value as uint64 minor units; a file with a larger amount due
    (EN 16931 BT-115, or BT-112 when BT-115 is absent) could be lodged and registered but
    never financed, so it is refused when it is read.
    """
    amount = facts.amount_minor
    if amount is not None and amount > MAX_FACE_VALUE:
        raise InvalidInput(
            "amount",
            "the face value (EN 16931 BT-115, amount due for payment) must be at most "
            f"{MAX_FACE_VALUE} minor units (64 bits)",
            term="BT-115",
            value=str(amount),
            currency=facts.currency,
        )


def parse_doc_hash(text: str, field_name: str = "doc_hash") -> bytes:
    """A document hash from 64 hex digits (0x optional)."""
    cleaned = text.strip().lower().removeprefix("0x")
    if len(cleaned) != 64:
        raise InvalidInput(field_name, "must be 32 bytes as 64 hex digits")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise InvalidInput(field_name, "must be 32 bytes as 64 hex digits") from None


def hex32(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def canonical_json(form: dict[str, Any]) -> bytes:
    """The bytes a JSON form is registered as: sorted keys, no spaces, UTF-8."""
    return json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def logs(ledger: Ledger, event: str, **filters: Any) -> list[Any]:
    """The contract's ``event`` logs since deployment, filtered on indexed arguments."""
    from ledger.tx import translate

    try:
        return list(
            getattr(ledger.contract.events, event).get_logs(
                argument_filters=filters or None,
                from_block=ledger.manifest.deployment_block,
            )
        )
    except Exception as exc:
        raise translate(exc) from None


def logs_naming(
    ledger: Ledger, events: Sequence[str], position: int, value: bytes | Sequence[bytes]
) -> list[Any]:
    """The logs of any of ``events`` whose indexed argument in topic ``position`` (1..3) is
    ``value`` (32 bytes, or any of several), decoded like :func:`logs`, in chain order: one
    ``eth_getLogs`` (a topic filter ORs the values in a position) instead of one per event."""
    from ledger.tx import translate

    by_topic = {bytes(HexBytes(ledger.contract.events[name]().topic)): name for name in events}
    values = [value] if isinstance(value, bytes) else list(value)
    wanted: list[Any] = [hex32(v) for v in values]
    topics: list[Any] = [[hex32(t) for t in by_topic], *([None] * (position - 1)), wanted]
    try:
        found = ledger.w3.eth.get_logs(
            {
                "address": ledger.contract.address,
                "fromBlock": ledger.manifest.deployment_block,
                "toBlock": "latest",
                "topics": topics,
            }
        )
        decoded = [
            ledger.contract.events[by_topic[bytes(HexBytes(log["topics"][0]))]]().process_log(log)
            for log in found
            if log["topics"] and bytes(HexBytes(log["topics"][0])) in by_topic
        ]
    except Exception as exc:
        raise translate(exc) from None
    return sorted(decoded, key=lambda log: (int(log["blockNumber"]), int(log["logIndex"])))


def _receipt(raw: Any) -> Receipt:
    return Receipt(raw["transactionHash"].to_0x_hex(), int(raw["blockNumber"]))


def _doc_type_of(parsed: ParsedDocument, requested: DocType | None) -> DocType:
    if requested is not None:
        return requested
    if parsed.facts is not None:
        return DocType[parsed.facts.doc_type.value]
    return DocType.OTHER


# -- reading the chain --------------------------------------------------------------------


def get_registration(ledger: Ledger, doc_hash: bytes) -> Registration:
    """The on-chain record of ``doc_hash``, or NotFound."""
    record = ledger.contract.functions.getDocument(doc_hash).call()
    (registrant, registrant_id, registered_at, doc_type, status, currency, face, financed) = record
    if DocStatus(status) is DocStatus.NONE:
        raise NotFound(f"document 0x{doc_hash.hex()} is not registered", doc_hash=hex32(doc_hash))
    successor = bytes(ledger.contract.functions.successorOf(doc_hash).call())
    return Registration(
        doc_hash=hex32(doc_hash),
        doc_type=DocType(doc_type),
        status=DocStatus(status),
        registered_by=Web3.to_checksum_address(registrant),
        registrant_id=int(registrant_id),
        registered_at=datetime.fromtimestamp(int(registered_at), UTC),
        currency=bytes(currency).decode("ascii") if any(bytes(currency)) else None,
        face_value=int(face),
        financed_amount=int(financed),
        successor=hex32(successor) if any(successor) else None,
    )


def find_registration(ledger: Ledger, doc_hash: bytes) -> Registration | None:
    """The record of ``doc_hash``, or None when it was never registered."""
    try:
        return get_registration(ledger, doc_hash)
    except NotFound:
        return None


def fingerprint_holder(ledger: Ledger, fingerprint: bytes) -> int:
    """The active financing holding ``fingerprint`` on chain, or 0."""
    return int(ledger.contract.functions.fingerprintHolder(fingerprint).call())


# -- examining a file ---------------------------------------------------------------------


def _facts_of(row: ReceivedDocument) -> DocumentFacts | None:
    return DocumentFacts.from_dict(json.loads(row.facts_json)) if row.facts_json else None


def _grade_against(
    ledger: Ledger, parsed: ParsedDocument, fp_values: list[str], scope: str | None
) -> list[GradedMatch]:
    """Graded matches of ``parsed`` against the stored files in ``scope`` (None: all)."""
    candidates = {
        (r.doc_hash, r.received_by): r
        for r in ledger.db.received(hex32(parsed.doc_hash), scope)
        + ledger.db.received_with_fingerprints(fp_values, scope)
    }
    found: list[tuple[Match, ReceivedDocument]] = []
    for row in candidates.values():
        known_hash = bytes.fromhex(row.doc_hash[2:])
        if known_hash == parsed.doc_hash:
            found.append((find_matches(parsed, [parsed])[0], row))
            continue
        facts = _facts_of(row)
        if parsed.facts is None or facts is None:
            continue
        match = grade_facts(parsed.facts, facts, known_hash)
        if match is not None:
            found.append((match, row))
    order = {"identical": 0, "same_document": 1, "altered": 2}
    found.sort(key=lambda m: (order[m[0].grade.value], m[1].doc_hash, m[1].received_by))
    registered: dict[str, bool] = {}
    result = []
    for match, row in found:
        if row.doc_hash not in registered:
            registered[row.doc_hash] = (
                find_registration(ledger, bytes.fromhex(row.doc_hash[2:])) is not None
            )
        result.append(
            GradedMatch(
                grade=match.grade.value,
                doc_hash=row.doc_hash,
                received_by=row.received_by,
                agree=match.agree,
                differ=match.differ,
                registered=registered[row.doc_hash],
            )
        )
    return result


def match_scope(actor: str, role: str) -> str | None:
    """Whose stored files ``actor`` may be matched against (None: every file)."""
    return None if role in SEE_ALL_ROLES else actor


def examine(
    ledger: Ledger,
    data: bytes,
    actor: str,
    role: str,
    doc_type: DocType | None = None,
    exclude_self: bool = False,
) -> tuple[ParsedDocument, Examined]:
    """Read ``data`` and say what the ledger and this gateway know about it. No write."""
    check_size(data)
    parsed = read_document(data)
    if parsed.facts is not None:
        check_face_value(parsed.facts)
    key = ledger.fingerprint_key()
    fps = compute_fingerprints(parsed, key)
    values = [hex32(f.value) for f in fps]
    infos = tuple(
        FingerprintInfo(f.name, hex32(f.value), fingerprint_holder(ledger, f.value)) for f in fps
    )
    matches = _grade_against(ledger, parsed, values, match_scope(actor, role))
    if exclude_self:
        matches = [
            m
            for m in matches
            if not (m.doc_hash == hex32(parsed.doc_hash) and m.received_by == actor)
        ]
    examined = Examined(
        doc_hash=hex32(parsed.doc_hash),
        format=parsed.format.value,
        size=parsed.size,
        doc_type=_doc_type_of(parsed, doc_type),
        facts=parsed.facts.to_dict() if parsed.facts else None,
        fingerprints=infos,
        registration=find_registration(ledger, parsed.doc_hash),
        matches=tuple(matches),
    )
    return parsed, examined


def _store(
    ledger: Ledger,
    parsed: ParsedDocument,
    actor: str,
    doc_type: DocType,
    filename: str | None,
) -> None:
    fps = compute_fingerprints(parsed, ledger.fingerprint_key())
    ledger.db.store_received(
        doc_hash=hex32(parsed.doc_hash),
        received_by=actor,
        fmt=parsed.format.value,
        size=parsed.size,
        filename=filename,
        doc_type=doc_type.name.lower(),
        facts_json=json.dumps(parsed.facts.to_dict()) if parsed.facts else None,
        fingerprints=[(f.name, hex32(f.value)) for f in fps],
    )


def receive(
    ledger: Ledger,
    actor: str,
    role: str,
    data: bytes,
    filename: str | None = None,
    doc_type: DocType | None = None,
) -> Examined:
    """Lodge a file ``actor`` received (facts + fingerprints) at this gateway; no chain write.

    The matches are computed before the file is stored, so they show what was there already.
    """
    parsed, examined = examine(ledger, data, actor, role, doc_type, exclude_self=True)
    _store(ledger, parsed, actor, examined.doc_type, filename)
    return examined


def register_file(
    ledger: Ledger,
    actor: str,
    role: str,
    data: bytes,
    filename: str | None = None,
    doc_type: DocType | None = None,
) -> tuple[Examined, Receipt, Registration]:
    """Lodge a file and register its hash on chain, signed by ``actor``.

    The file is kept as received even when the chain refuses the registration (for instance
    because the hash is registered already): the participant did hand it to this gateway.
    """
    examined = receive(ledger, actor, role, data, filename, doc_type)
    receipt = register(ledger, actor, parse_doc_hash(examined.doc_hash), examined.doc_type)
    registration = get_registration(ledger, parse_doc_hash(examined.doc_hash))
    return _registered_now(examined, registration), receipt, registration


def _registered_now(examined: Examined, registration: Registration) -> Examined:
    """``examined`` (read before the write) as it stands once its hash is registered: its
    registration, and the matches that are copies of the same file marked registered."""
    matches = tuple(
        replace(m, registered=True) if m.doc_hash == examined.doc_hash else m
        for m in examined.matches
    )
    return replace(examined, registration=registration, matches=matches)


def register(ledger: Ledger, actor: str, doc_hash: bytes, doc_type: DocType) -> Receipt:
    """Register ``doc_hash`` as ``doc_type``, signed by ``actor``."""
    if doc_type is DocType.NONE:
        raise InvalidInput("doc_type", "must not be none")
    return _receipt(
        ledger.transactor(actor).transact(
            ledger.contract.functions.registerDocument(doc_hash, int(doc_type))
        )
    )


def max_batch(ledger: Ledger) -> int:
    return int(ledger.contract.functions.MAX_BATCH().call())


def register_batch(ledger: Ledger, actor: str, items: Sequence[tuple[bytes, DocType]]) -> Receipt:
    """Register many hashes in one transaction (all or nothing)."""
    if not items:
        raise InvalidInput("documents", "must not be empty")
    limit = max_batch(ledger)
    if len(items) > limit:
        raise InvalidInput("documents", f"at most {limit} documents per batch")
    hashes = [h for h, _ in items]
    if len(set(hashes)) != len(hashes):
        raise InvalidInput("documents", "the same document appears twice in the batch")
    return _receipt(
        ledger.transactor(actor).transact(
            ledger.contract.functions.registerDocuments(hashes, [int(t) for _, t in items])
        )
    )


def register_files(
    ledger: Ledger,
    actor: str,
    role: str,
    files: Sequence[tuple[bytes, str | None]],
    doc_type: DocType | None = None,
) -> tuple[list[Examined], Receipt]:
    """Lodge several files and register them in one transaction. Each returned
    :class:`Examined` carries its registration as the chain holds it after that transaction."""
    examined = [receive(ledger, actor, role, data, name, doc_type) for data, name in files]
    receipt = register_batch(
        ledger, actor, [(parse_doc_hash(e.doc_hash), e.doc_type) for e in examined]
    )
    registered = [
        _registered_now(e, get_registration(ledger, parse_doc_hash(e.doc_hash))) for e in examined
    ]
    return registered, receipt


def revoke(ledger: Ledger, actor: str, doc_hash: bytes, reason_code: int = 0) -> Receipt:
    if not 0 <= reason_code <= 255:
        raise InvalidInput("reason_code", "must be 0..255")
    return _receipt(
        ledger.transactor(actor).transact(
            ledger.contract.functions.revokeDocument(doc_hash, reason_code)
        )
    )


def supersede(ledger: Ledger, actor: str, old_hash: bytes, new_hash: bytes) -> Receipt:
    return _receipt(
        ledger.transactor(actor).transact(
            ledger.contract.functions.supersedeDocument(old_hash, new_hash)
        )
    )


def supersede_with_file(
    ledger: Ledger,
    actor: str,
    role: str,
    old_hash: bytes,
    data: bytes,
    filename: str | None = None,
) -> tuple[Examined, Receipt]:
    """Lodge the amendment ``data`` and mark ``old_hash`` superseded by it."""
    old = get_registration(ledger, old_hash)
    examined = receive(ledger, actor, role, data, filename, old.doc_type)
    return examined, supersede(ledger, actor, old_hash, parse_doc_hash(examined.doc_hash))


def evidence_hash(evidence: str | None) -> bytes:
    """The attestor's evidence reference: 64 hex digits as given, else SHA-256 of the text."""
    if not evidence:
        return ZERO32
    try:
        return parse_doc_hash(evidence, "evidence")
    except InvalidInput:
        return hashlib.sha256(evidence.encode()).digest()


def attest(ledger: Ledger, actor: str, doc_hash: bytes, evidence: str | None = None) -> Receipt:
    return _receipt(
        ledger.transactor(actor).transact(
            ledger.contract.functions.attestDocument(doc_hash, evidence_hash(evidence))
        )
    )


# -- a document with everything around it -----------------------------------------------


def _event(log: Any) -> DocumentEvent:
    """A decoded log as a history entry; its arguments JSON-safe (``bytes32[]`` fingerprints,
    ``bytes3`` currencies and every other chain value as :func:`ledger.jsonsafe.jsonable`
    makes them)."""
    return DocumentEvent(
        event=str(log["event"]),
        block=int(log["blockNumber"]),
        tx_hash=log["transactionHash"].to_0x_hex(),
        args=jsonable(dict(log["args"])),
    )


def held_copy(ledger: Ledger, doc_hash: bytes, actor: str, role: str) -> Examined | None:
    """What this gateway holds of ``doc_hash`` for ``actor``, with its matches."""
    rows = ledger.db.received(hex32(doc_hash), match_scope(actor, role))
    if not rows:
        return None
    row = next((r for r in rows if r.received_by == actor), rows[0])
    facts = _facts_of(row)
    parsed = ParsedDocument(
        format=DocumentFormat(row.format), doc_hash=doc_hash, size=row.size, facts=facts
    )
    values = [v for _, v in row.fingerprints]
    matches = [
        m
        for m in _grade_against(ledger, parsed, values, match_scope(actor, role))
        if m.doc_hash != hex32(doc_hash)
    ]
    infos = tuple(
        FingerprintInfo(name, value, fingerprint_holder(ledger, bytes.fromhex(value[2:])))
        for name, value in row.fingerprints
    )
    return Examined(
        doc_hash=row.doc_hash,
        format=row.format,
        size=row.size,
        doc_type=DocType[(row.doc_type or "other").upper()],
        facts=facts.to_dict() if facts else None,
        fingerprints=infos,
        registration=find_registration(ledger, doc_hash),
        matches=tuple(matches),
    )


#: a document's history: events whose first indexed argument is the document (for
#: DocumentSuperseded, the old document: the amendment's own history starts at its registration)
_DOC_FIRST_EVENTS = (
    "DocumentRegistered",
    "DocumentRevoked",
    "DocumentSuperseded",
    "DocumentAttested",
)
#: … and those whose second one is (DocumentPledged: financingId first; FinancingRefused: bank)
_DOC_SECOND_EVENTS = ("DocumentPledged", "FinancingRefused")


def detail(ledger: Ledger, doc_hash: bytes, actor: str, role: str) -> DocumentDetail:
    """A document's registration, attestations, financings, history and held copy."""
    registration = get_registration(ledger, doc_hash)
    # two log queries: the events naming the document in their first topic, then in their
    # second (a financing's pledge or refusal names the financing or the bank first)
    history = logs_naming(ledger, _DOC_FIRST_EVENTS, 1, doc_hash) + logs_naming(
        ledger, _DOC_SECOND_EVENTS, 2, doc_hash
    )
    history.sort(key=lambda log: (int(log["blockNumber"]), int(log["logIndex"])))
    attestations = tuple(
        Attestation(
            attestor=str(log["args"]["attestor"]),
            evidence_hash=hex32(log["args"]["evidenceHash"]),
            block=int(log["blockNumber"]),
            tx_hash=log["transactionHash"].to_0x_hex(),
        )
        for log in history
        if log["event"] == "DocumentAttested"
    )
    financings = tuple(
        sorted(
            {
                int(log["args"]["financingId"])
                for log in history
                if log["event"] == "DocumentPledged"
            }
        )
    )
    return DocumentDetail(
        registration=registration,
        attestations=attestations,
        financings=financings,
        history=tuple(_event(log) for log in history),
        held=held_copy(ledger, doc_hash, actor, role),
    )
