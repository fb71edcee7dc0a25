"""Projections: the tables the audit queries read, derived from events in chain order.

``apply`` is the one function that folds an event into the projections; the follower calls it
for each new event and a reorg replays it over the surviving events, so both paths agree.
``refs`` says which documents, financings and members an event concerns (for timelines and
member activity).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from ledger.indexer.models import (
    INT64_MAX,
    AttestationRow,
    DocumentRow,
    FinancingRow,
    MemberRow,
    PledgeFingerprintRow,
    PledgeRow,
    RefusalRow,
)

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


def _int(value: Any) -> int:
    """An amount or id for a signed 64-bit column (saturating; events.args keeps it exact)."""
    return min(int(value), INT64_MAX)


def _currency(value: str) -> str:
    raw = bytes.fromhex(value.removeprefix("0x"))
    return raw.decode("ascii", errors="replace").rstrip("\0")


def apply(
    session: Session,
    name: str,
    args: dict[str, Any],
    block_number: int,
    log_index: int,
    block_time: int,
    tx_hash: str,
) -> None:
    """Fold one event into the projections."""
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
    elif name == "DocumentRegistered":
        session.add(
            DocumentRow(
                doc_hash=args["docHash"],
                doc_type=int(args["docType"]),
                registrant=args["registrant"],
                status=DOC_ACTIVE,
                successor=None,
                revoke_reason=None,
                registered_block=block_number,
                registered_time=block_time,
            )
        )
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
    elif name == "FinancingRegistered":
        session.add(
            FinancingRow(
                financing_id=_int(args["financingId"]),
                bank=args["bank"],
                kind=int(args["kind"]),
                currency=_currency(args["currency"]),
                amount=_int(args["amount"]),
                maturity=int(args["maturity"]),
                bank_reference=args["bankReference"],
                status=FIN_ACTIVE,
                drawn=0,
                repaid=0,
                registered_block=block_number,
                registered_time=block_time,
                tx_hash=tx_hash,
            )
        )
    elif name == "DocumentPledged":
        financing_id = _int(args["financingId"])
        session.add(
            PledgeRow(
                financing_id=financing_id,
                doc_hash=args["docHash"],
                amount=_int(args["amount"]),
                face_value=_int(args["faceValue"]),
                active=True,
                block_number=block_number,
                block_time=block_time,
            )
        )
        for fingerprint in args["fingerprints"]:
            session.add(
                PledgeFingerprintRow(
                    fingerprint=fingerprint,
                    financing_id=financing_id,
                    doc_hash=args["docHash"],
                    active=True,
                    block_number=block_number,
                    block_time=block_time,
                )
            )
    elif name == "FinancingRefused":
        session.add(
            RefusalRow(
                block_number=block_number,
                log_index=log_index,
                tx_hash=tx_hash,
                block_time=block_time,
                bank=args["bank"],
                doc_hash=args["docHash"],
                conflicting_financing_id=_int(args["conflictingFinancingId"]),
                reason=int(args["reason"]),
                fingerprint=args["fingerprint"],
                bank_reference=args["bankReference"],
            )
        )
    elif name in ("DrawdownRecorded", "RepaymentRecorded"):
        financing = session.get(FinancingRow, _int(args["financingId"]))
        if financing is not None:
            if name == "DrawdownRecorded":
                financing.drawn = _int(args["totalDrawn"])
            else:
                financing.repaid = _int(args["totalRepaid"])
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


def refs(session: Session, name: str, args: dict[str, Any]) -> set[tuple[str, str]]:
    """(kind, ref) pairs an event concerns: ``doc`` hash, ``fin`` id, ``mem`` address (lower)."""
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
    if name == "FinancingRefused" and int(args["conflictingFinancingId"]) != 0:
        found.add(("fin", str(_int(args["conflictingFinancingId"]))))
    return found
