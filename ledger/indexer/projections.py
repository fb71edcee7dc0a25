"""Projections: the tables the audit queries read, derived from events in chain order.

``apply`` is the one function that folds an event into the projections; the follower calls it
for each new event and a reorg (or a change of the gateway's keys) replays it over the stored
events, so both paths agree. ``refs`` says which documents, financings and members an event
concerns publicly (for timelines and member activity): which document a financing pledges is
confidential and lives only in the projections of opened terms (``pledges``).

Financing envelopes are opened with every key the gateway holds (:mod:`ledger.indexer.opener`):
when one opens, the financing (its pledges, entries) or refusal gets its clear terms and a
``readers`` row per member whose key opened it; when none does, only the public part is written
(id, bank, status, time, fingerprint count and the fingerprints it locks).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session

from ledger import confidential as conf
from ledger.indexer.models import (
    INT64_MAX,
    AttestationRow,
    DocumentRow,
    EntryRow,
    EventRefRow,
    EventRow,
    FinancingRow,
    MarkRow,
    MemberRow,
    PledgeFingerprintRow,
    PledgeRow,
    ReaderRow,
    RefusalRow,
)
from ledger.indexer.opener import OpenedEnvelope, Opener
from ledger.indexer.terms import Terms, parse_entry, parse_terms
from ledger.services.roles import RefusalReason

# enum values (contracts/ITradeLedger.sol)
DOC_ACTIVE, DOC_REVOKED, DOC_SUPERSEDED = 1, 2, 3
FIN_ACTIVE, FIN_CLOSED, FIN_CANCELLED = 1, 2, 3

#: argument names that hold a member's address, per event
#: (``proposer`` and ``admin``: an admin's proposals and approvals are part of its activity)
ADDRESS_ARGS = (
    "account",
    "oldAccount",
    "newAccount",
    "by",
    "registrant",
    "attestor",
    "bank",
    "proposer",
    "admin",
)


#: an opener without keys: the public part of every financing only
NO_KEYS = Opener(conf.Context(0, b"\0" * 20))


def _int(value: Any) -> int:
    """An amount or id for a signed 64-bit column (saturating; events.args keeps it exact)."""
    return min(int(value), INT64_MAX)


def _bytes(value: str) -> bytes:
    return bytes.fromhex(str(value).removeprefix("0x"))


def refusal_ref(block_number: int, log_index: int) -> str:
    """How ``readers`` names a refusal: its place on chain."""
    return f"{block_number}-{log_index}"


def _add_readers(session: Session, kind: str, ref: str, readers: tuple[str, ...]) -> None:
    for reader in readers:
        if session.get(ReaderRow, (kind, ref, reader)) is None:
            session.add(ReaderRow(kind=kind, ref=ref, reader=reader))


def _event_args(session: Session, financing_id: int, events: tuple[str, ...]) -> list[Any]:
    """The stored events ``events`` of ``financing_id`` (EventRow), in chain order."""
    return list(
        session.scalars(
            select(EventRow)
            .join(
                EventRefRow,
                and_(
                    EventRefRow.block_number == EventRow.block_number,
                    EventRefRow.log_index == EventRow.log_index,
                ),
            )
            .where(
                EventRefRow.kind == "fin",
                EventRefRow.ref == str(financing_id),
                EventRow.event.in_(events),
            )
            .order_by(EventRow.block_number, EventRow.log_index)
        )
    )


def data_key(session: Session, opener: Opener, financing_id: int) -> bytes | None:
    """The data key of ``financing_id`` if a key here opens it: from memory, else by opening
    its stored envelope again (directly, or through a ``TermsShared``)."""
    if financing_id in opener.data_keys:
        return opener.data_keys[financing_id]
    found = _event_args(session, financing_id, ("FinancingRegistered", "TermsShared"))
    for row in found:
        args = json.loads(row.args)
        if row.event == "FinancingRegistered":
            opened = opener.terms(_bytes(args["terms"]), _bytes(args["termsCommitment"]))
            key = opened.data_key if opened is not None else None
        else:
            shared = opener.shared(_bytes(args["keys"]))
            key = shared[0] if shared is not None else None
        if key is not None:
            opener.data_keys[financing_id] = key
            return key
    return None


def _fill_terms(
    session: Session,
    financing: FinancingRow,
    opened: OpenedEnvelope,
    terms: Terms,
    opener: Opener,
) -> None:
    """Write opened ``terms`` into ``financing``, its pledges and its locks' documents; open
    the entries recorded before (when the terms were opened late, through ``TermsShared``)."""
    financing_id = financing.financing_id
    financing.opened = True
    financing.commitment_ok = opened.commitment_ok
    financing.kind = int(terms.kind) if terms.kind is not None else None
    financing.currency = terms.currency[:3]
    financing.amount = _int(terms.amount)
    financing.maturity = _int(terms.maturity)
    financing.reference = terms.reference
    financing.acknowledged_suspicions = (
        json.dumps(list(terms.suspicions), sort_keys=True) if terms.suspicions else None
    )
    financing.drawn = 0
    financing.repaid = 0
    opener.data_keys[financing_id] = opened.data_key
    _add_readers(session, "fin", str(financing_id), opened.readers)
    active = financing.status == FIN_ACTIVE
    doc_of: dict[str, str] = {}
    for document in terms.documents:
        if session.get(PledgeRow, (financing_id, document.doc_hash)) is not None:
            continue  # pledged twice in one financing: the first counts (the audit names it)
        session.add(
            PledgeRow(
                financing_id=financing_id,
                doc_hash=document.doc_hash,
                amount=_int(document.amount),
                face_value=_int(document.face_value),
                registrant=document.registrant,
                active=active,
                block_number=financing.registered_block,
                block_time=financing.registered_time,
            )
        )
        for fingerprint in document.fingerprints:
            doc_of.setdefault(fingerprint, document.doc_hash)
    session.flush()
    for lock in session.scalars(
        select(PledgeFingerprintRow).where(PledgeFingerprintRow.financing_id == financing_id)
    ):
        lock.doc_hash = doc_of.get(lock.fingerprint)
    for entry in session.scalars(
        select(EntryRow)
        .where(EntryRow.financing_id == financing_id, EntryRow.opened.is_(False))
        .order_by(EntryRow.block_number, EntryRow.log_index)
    ):
        row = session.get(EventRow, (entry.block_number, entry.log_index))
        if row is not None:
            args = json.loads(row.args)
            _open_entry(session, financing, entry, _bytes(args["entry"]), opener)


def _open_entry(
    session: Session, financing: FinancingRow, entry: EntryRow, envelope: bytes, opener: Opener
) -> None:
    key = opener.data_keys.get(financing.financing_id)
    if key is None:
        return
    found = opener.entry(envelope, key, financing.financing_id, _bytes(entry.entry_commitment))
    if found is None:
        return
    payload, ok = found
    parsed = parse_entry(payload)
    entry.opened = True
    entry.commitment_ok = ok
    if parsed is None:
        return
    entry.entry_type = parsed.type
    entry.amount = _int(parsed.amount)
    entry.total_drawn = None if parsed.total_drawn is None else _int(parsed.total_drawn)
    entry.total_repaid = None if parsed.total_repaid is None else _int(parsed.total_repaid)
    if parsed.type == "drawdown":
        financing.drawn = _int((financing.drawn or 0) + parsed.amount)
    else:
        financing.repaid = _int((financing.repaid or 0) + parsed.amount)


def _refusal(
    session: Session,
    args: dict[str, Any],
    block_number: int,
    log_index: int,
    block_time: int,
    tx_hash: str,
    opener: Opener,
) -> None:
    row = RefusalRow(
        block_number=block_number,
        log_index=log_index,
        tx_hash=tx_hash,
        block_time=block_time,
        bank=args["bank"],
        ref=refusal_ref(block_number, log_index),
        terms_commitment=args["termsCommitment"],
        opened=False,
    )
    session.add(row)
    opened = opener.terms(_bytes(args["terms"]), _bytes(args["termsCommitment"]))
    terms = parse_terms(opened.payload) if opened is not None else None
    if opened is None or terms is None:
        return
    row.opened = True
    row.commitment_ok = opened.commitment_ok
    row.reference = terms.reference
    row.currency = terms.currency[:3]
    _add_readers(session, "ref", refusal_ref(block_number, log_index), opened.readers)
    refusal = terms.refusal
    if refusal is None:
        # refused by the contract itself (another bank locked a fingerprint in between): the
        # lock in the way, as the index stands at this event
        for document in terms.documents:
            held = session.scalars(
                select(PledgeFingerprintRow)
                .where(
                    PledgeFingerprintRow.fingerprint.in_(document.fingerprints),
                    PledgeFingerprintRow.active.is_(True),
                )
                .order_by(PledgeFingerprintRow.fingerprint)
            ).first()
            if held is not None:
                row.reason = int(RefusalReason.FINGERPRINT_PLEDGED)
                row.doc_hash = document.doc_hash
                row.conflicting_financing_id = held.financing_id
                row.fingerprint = held.fingerprint
                break
        else:
            row.reason = int(RefusalReason.FINGERPRINT_PLEDGED)
    else:
        row.reason = int(refusal.reason) if refusal.reason is not None else None
        row.doc_hash = refusal.doc_hash
        row.conflicting_financing_id = (
            _int(refusal.conflicting_financing_id) if refusal.conflicting_financing_id else None
        )
        row.fingerprint = refusal.fingerprint
    asked = terms.document(row.doc_hash)
    if asked is not None:
        row.requested_amount = _int(asked.amount)
        row.stated_face_value = _int(asked.face_value)


def apply(
    session: Session,
    name: str,
    args: dict[str, Any],
    block_number: int,
    log_index: int,
    block_time: int,
    tx_hash: str,
    opener: Opener | None = None,
) -> None:
    """Fold one event into the projections, opening financing envelopes with ``opener``'s
    keys (None: none, the public part only)."""
    if opener is None:
        opener = NO_KEYS
    if name == "DocumentRegistered":
        _hold_document(session, args, block_number, block_time)
        return
    release(session)  # every other projection reads the index as it stands at its event
    if name == "MemberAdded":
        session.add(
            MemberRow(
                member_id=int(args["memberId"]),
                address=args["account"],
                role=int(args["role"]),
                name=args["name"],
                legal_id_hash=args["legalIdHash"],
                active=True,
                joined_block=block_number,
            )
        )
    elif name in ("MemberSuspended", "MemberReinstated"):
        member = session.get(MemberRow, int(args["memberId"]))
        if member is not None:
            member.active = name == "MemberReinstated"
    elif name == "MemberKeyRotated":
        member = session.get(MemberRow, int(args["memberId"]))
        if member is not None:
            member.address = args["newAccount"]
        _follow_rotation(session, args["oldAccount"], args["newAccount"])
    elif name == "DocumentRevoked":
        doc = session.get(DocumentRow, args["docHash"])
        if doc is not None:
            doc.status = DOC_REVOKED
            doc.revoke_reason = int(args["reasonCode"])
    elif name == "DocumentSuperseded":
        doc = session.get(DocumentRow, args["oldDocHash"])
        if doc is not None:
            doc.status = DOC_SUPERSEDED
            doc.successor = args["newDocHash"]
    elif name == "DocumentAttested":
        session.add(
            AttestationRow(
                doc_hash=args["docHash"],
                attestor=args["attestor"],
                evidence_hash=args["evidenceHash"],
                block_number=block_number,
                block_time=block_time,
            )
        )
    elif name == "EncryptionKeySet":
        member = session.get(MemberRow, int(args["memberId"]))
        if member is not None:
            member.encryption_key = args["publicKey"]
            member.encryption_key_block = block_number
    elif name == "FinancingRegistered":
        financing_id = _int(args["financingId"])
        created = FinancingRow(
            financing_id=financing_id,
            bank=args["bank"],
            status=FIN_ACTIVE,
            fingerprint_count=len(args["fingerprints"]),
            registered_block=block_number,
            registered_log=log_index,
            registered_time=block_time,
            tx_hash=tx_hash,
            terms_commitment=args["termsCommitment"],
            opened=False,
        )
        session.add(created)
        for fingerprint in dict.fromkeys(args["fingerprints"]):
            session.add(
                PledgeFingerprintRow(
                    fingerprint=fingerprint,
                    financing_id=financing_id,
                    doc_hash=None,
                    active=True,
                    block_number=block_number,
                    block_time=block_time,
                )
            )
        session.flush()
        opener.data_keys.pop(financing_id, None)  # a reorg may have reused the id
        opened = opener.terms(_bytes(args["terms"]), _bytes(args["termsCommitment"]))
        terms = parse_terms(opened.payload) if opened is not None else None
        if opened is not None and terms is not None:
            _fill_terms(session, created, opened, terms, opener)
    elif name == "FinancingRefused":
        _refusal(session, args, block_number, log_index, block_time, tx_hash, opener)
    elif name == "FinancingEntryRecorded":
        financing_id = _int(args["financingId"])
        entry = EntryRow(
            block_number=block_number,
            log_index=log_index,
            financing_id=financing_id,
            tx_hash=tx_hash,
            block_time=block_time,
            entry_commitment=args["entryCommitment"],
            opened=False,
        )
        session.add(entry)
        financing = session.get(FinancingRow, financing_id)
        if financing is not None and financing.opened:
            data_key(session, opener, financing_id)
            _open_entry(session, financing, entry, _bytes(args["entry"]), opener)
    elif name == "TermsShared":
        financing_id = _int(args["financingId"])
        financing = session.get(FinancingRow, financing_id)
        shared = opener.shared(_bytes(args["keys"]))
        if financing is not None and shared is not None:
            key, readers = shared
            _add_readers(session, "fin", str(financing_id), readers)
            if not financing.opened:
                registered = _event_args(session, financing_id, ("FinancingRegistered",))
                if registered:
                    stored = json.loads(registered[0].args)
                    opened = opener.terms_with_key(
                        _bytes(stored["terms"]), key, _bytes(stored["termsCommitment"]), readers
                    )
                    terms = parse_terms(opened.payload) if opened is not None else None
                    if opened is not None and terms is not None:
                        _fill_terms(session, financing, opened, terms, opener)
    elif name == "FinancingMarked":
        financing_id = _int(args["financingId"])
        for mark in args["marks"]:
            session.merge(MarkRow(mark=str(mark).lower(), financing_id=financing_id))
    elif name in ("FinancingClosed", "FinancingCancelled"):
        financing_id = _int(args["financingId"])
        financing = session.get(FinancingRow, financing_id)
        if financing is not None:
            financing.status = FIN_CLOSED if name == "FinancingClosed" else FIN_CANCELLED
        session.flush()
        session.execute(
            update(PledgeRow).where(PledgeRow.financing_id == financing_id).values(active=False)
        )
        session.execute(
            update(PledgeFingerprintRow)
            .where(PledgeFingerprintRow.financing_id == financing_id)
            .values(active=False)
        )


#: events whose projection reads no stored event (``events``, ``event_refs``): the follower
#: may hold their rows back and insert many at once
READS_NO_EVENTS = frozenset(
    {
        "DocumentRegistered",
        "DocumentRevoked",
        "DocumentSuperseded",
        "DocumentAttested",
        "MemberAdded",
        "MemberSuspended",
        "MemberReinstated",
        "MemberKeyRotated",
    }
)


_MEMBER_IDS = "member_ids"
_HELD_DOCUMENTS = "held_documents"


def forget(session: Session) -> None:
    """Drop what the projections remembered in ``session`` (before a replay), and the
    registrations held back and not yet written."""
    session.info.pop(_MEMBER_IDS, None)
    session.info.pop(_HELD_DOCUMENTS, None)


def _follow_rotation(session: Session, old: str, new: str) -> None:
    """A member's key moved from ``old`` to ``new``: its financings, refused attempts and
    documents are its own under the new address, as the contract's ``getFinancing`` and
    ``getDocument`` answer them (what was recorded under ``old`` stays in the events: the index
    is verified against those). Registrations held back for this range move too."""
    session.execute(update(FinancingRow).where(FinancingRow.bank == old).values(bank=new))
    session.execute(update(RefusalRow).where(RefusalRow.bank == old).values(bank=new))
    session.execute(update(DocumentRow).where(DocumentRow.registrant == old).values(registrant=new))
    for held in session.info.get(_HELD_DOCUMENTS, []):
        if held["registrant"] == old:
            held["registrant"] = new
    session.info.get(_MEMBER_IDS, {}).pop(old, None)


def _hold_document(
    session: Session, args: dict[str, Any], block_number: int, block_time: int
) -> None:
    """A registration's ``documents`` row, held back to be written with the others of its
    range in one INSERT (:func:`release`): a range of registrations is one statement, not an
    ORM object per document (issue #16: that was a third of the follower's time)."""
    held: list[dict[str, Any]] = session.info.setdefault(_HELD_DOCUMENTS, [])
    held.append(
        {
            "doc_hash": args["docHash"],
            "doc_type": int(args["docType"]),
            "registrant": args["registrant"],
            "registrant_id": _member_id(session, args["registrant"]),
            "status": DOC_ACTIVE,
            "successor": None,
            "revoke_reason": None,
            "registered_block": block_number,
            "registered_time": block_time,
        }
    )


def release(session: Session) -> None:
    """Write the registrations :func:`apply` held back, in one INSERT. Called before any
    other event's projection (a revocation, a supersession, an attestation reads the row) and
    by whoever folds a range of events, before its session's last flush or commit."""
    held: list[dict[str, Any]] | None = session.info.get(_HELD_DOCUMENTS)
    if held:
        session.execute(insert(DocumentRow.__table__), held)  # type: ignore[arg-type]
        held.clear()


def _member_id(session: Session, address: str) -> int | None:
    """The member id of ``address`` as the index stands (None: no member has it), remembered
    for the session: a range of registrations by one member reads it once."""
    known: dict[str, int] = session.info.setdefault(_MEMBER_IDS, {})
    if address not in known:
        with session.no_autoflush:
            found = session.scalar(select(MemberRow.member_id).where(MemberRow.address == address))
        if found is None:
            return None
        known[address] = int(found)
    return known[address]


def refs(session: Session, name: str, args: dict[str, Any]) -> set[tuple[str, str]]:
    """(kind, ref) pairs an event concerns publicly: ``doc`` hash, ``fin`` id, ``mem`` address
    (lower). A financing's events count for its bank; which documents it pledges is not
    public and is not a ref (see ``pledges``)."""
    found: set[tuple[str, str]] = set()
    for key in ("docHash", "oldDocHash", "newDocHash"):
        if key in args:
            found.add(("doc", str(args[key])))
    for key in ADDRESS_ARGS:
        if key in args:
            found.add(("mem", str(args[key]).lower()))
    if "financingId" in args:
        financing_id = _int(args["financingId"])
        found.add(("fin", str(financing_id)))
        financing = session.get(FinancingRow, financing_id)
        if financing is not None:
            found.add(("mem", financing.bank.lower()))
    return found
