"""Audit: what regulators read from the event index, and the proof that it equals the chain.

Who may read what: a REGULATOR reads everything; an ADMIN everything but fingerprints and the
views made of them. Any member may read a document's timeline (an ENTERPRISE or ATTESTOR
without the financing events of a document it did not register); a BANK, ENTERPRISE or ATTESTOR
reads its own activity and exposure only (403 otherwise). Fingerprints and the financing holding
them are given to banks and regulators only (``null`` for the others); the views made of them —
whether a document is financeable (banks must ask before financing), repeated fingerprints,
refusals — to banks or regulators only, and the fingerprint-check log to regulators
(``ledger.services.disclosure``, docs/privacy.md). A member not active on chain reads its own
activity and its own documents' timelines only. Every index answer says up to which block it is
complete (``indexed_block``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.deps import HistoryReaderDep, LedgerDep, ParticipantDep, own_history_only, require_role
from ledger.errors import Forbidden
from ledger.gatewaydb import Participant
from ledger.indexer import EventIndex, verify
from ledger.network import Ledger
from ledger.services import audit
from ledger.services import documents as docs
from ledger.services import fingerprint_checks as checks
from ledger.services.disclosure import (
    FINANCING_EVENTS,
    event_dict_for,
    sees_financing,
    sees_fingerprints,
    withhold_event,
)
from ledger.services.names import LedgerNames

router = APIRouter(prefix="/v1/audit", tags=["audit"])

OVERSIGHT = ("regulator", "admin")


async def get_index(request: Request, ledger: LedgerDep) -> EventIndex:
    """The app's event index (opened by the lifespan's follower, else on first use). Async: it
    does no I/O once opened, so it costs no worker-thread hop on the hot path."""
    index: EventIndex | None = getattr(request.app.state, "audit_index", None)
    if index is None:
        index = EventIndex.for_ledger(ledger)
        request.app.state.audit_index = index
    return index


IndexDep = Annotated[EventIndex, Depends(get_index)]
Since = Annotated[
    str | None, Query(description="from this block time on (ISO 8601 or Unix seconds)")
]
Until = Annotated[str | None, Query(description="up to this block time (inclusive)")]
Cursor = Annotated[str | None, Query(alias="cursor", description="next_cursor of the last page")]
Limit = Annotated[int, Query(ge=1, le=audit.MAX_LIMIT)]


def _own_or_oversight(participant: Participant, address: str) -> None:
    if participant.role in OVERSIGHT:
        return
    if audit.parse_address(address).lower() != participant.address.lower():
        raise Forbidden(
            f"role {participant.role} may read its own records only",
            role=participant.role,
            address=address,
        )


def _events_for(ledger: Ledger, participant: Participant, page: dict[str, Any]) -> dict[str, Any]:
    """An event page as ``participant`` may see it: fingerprints and their holders withheld
    from a role without them."""
    if sees_fingerprints(participant.role):
        return page
    names = LedgerNames(ledger)
    return {**page, "items": [event_dict_for(participant.role, e, names) for e in page["items"]]}


@router.get("/documents/{doc_hash}/timeline")
def document_timeline(
    index: IndexDep,
    ledger: LedgerDep,
    participant: HistoryReaderDep,
    doc_hash: str,
    since: Since = None,
    until: Until = None,
    after: Cursor = None,
    limit: Limit = audit.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """A document's full history, including the events of the financings that pledge it —
    those only to a reader who may learn of its financing (banks, regulators, admins, its
    registrant; docs/privacy.md). A member not active on chain: its own documents only."""
    registration = docs.find_registration(ledger, docs.parse_doc_hash(doc_hash))
    registrant = registration.registered_by if registration else None
    own_history_only(participant, registrant, "its timeline")
    period = audit.Period.parse(since, until)
    hidden = (
        ()
        if sees_financing(participant.role, participant.address, registrant)
        else sorted(FINANCING_EVENTS)
    )
    page = audit.timeline(index, doc_hash, period, after, limit, exclude=hidden).to_dict()
    return _events_for(ledger, participant, page)


@router.get("/members/{address}/activity")
def member_activity(
    index: IndexDep,
    ledger: LedgerDep,
    participant: HistoryReaderDep,
    address: str,
    since: Since = None,
    until: Until = None,
    after: Cursor = None,
    limit: Limit = audit.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Everything a member did or was named in. Others than REGULATOR/ADMIN, and any member
    not active on chain: own address only."""
    own_history_only(participant, audit.parse_address(address), "its activity")
    _own_or_oversight(participant, address)
    period = audit.Period.parse(since, until)
    page = audit.member_activity(index, address, period, after, limit).to_dict()
    return _events_for(ledger, participant, page)


@router.get("/refusals")
def refusals(
    index: IndexDep,
    participant: ParticipantDep,
    since: Since = None,
    until: Until = None,
    bank: Annotated[str | None, Query(description="only this bank's attempts")] = None,
    reason: Annotated[str | None, Query(description="e.g. fingerprint_pledged")] = None,
    after: Cursor = None,
    limit: Limit = audit.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Refused financing attempts: bank, document, reason, conflicting financing and the
    fingerprint it holds. REGULATOR only (an admin is the operator, not a supervisor of
    fingerprints: docs/privacy.md)."""
    require_role(participant, "regulator")
    period = audit.Period.parse(since, until)
    return audit.refusals(index, period, bank, reason, after, limit).to_dict()


@router.get("/duplicates")
def duplicates(
    index: IndexDep,
    participant: ParticipantDep,
    since: Since = None,
    until: Until = None,
    after: Cursor = None,
    fingerprints_after: Annotated[str | None, Query()] = None,
    limit: Limit = audit.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Suspected duplicates: duplicate-pledge refusals, and fingerprints pledged repeatedly.
    REGULATOR only (they are fingerprints and their holders)."""
    require_role(participant, "regulator")
    period = audit.Period.parse(since, until)
    return audit.duplicates(index, period, after, fingerprints_after, limit).to_dict()


@router.get("/exposure")
def exposure(
    index: IndexDep,
    ledger: LedgerDep,
    participant: ParticipantDep,
    by: Annotated[Literal["bank", "enterprise"], Query()] = "bank",
    member: Annotated[str | None, Query(description="one bank or enterprise")] = None,
    since: Since = None,
    until: Until = None,
) -> dict[str, Any]:
    """Active financed amounts by currency, per bank or per enterprise — the borrower of the
    pledged documents, never the bank that financed them (docs/audit.md: the registrant when it
    is an enterprise, else the enterprise named by the lodged file's seller, else the one that
    registered the same invoice; ``attributed_by`` says which). Others than REGULATOR/ADMIN:
    their own only (``member`` defaults to the caller)."""
    if participant.role not in OVERSIGHT:
        member = member or participant.address
        _own_or_oversight(participant, member)
    period = audit.Period.parse(since, until)
    rows = audit.exposure(index, by, member, period, ledger.db)
    last = index.cursor()[0]
    return {"by": by, "items": [asdict(r) for r in rows], "indexed_block": last}


@router.get("/financeable")
def financeable(
    index: IndexDep,
    ledger: LedgerDep,
    participant: ParticipantDep,
    doc_hash: Annotated[str | None, Query()] = None,
    fingerprint: Annotated[list[str] | None, Query(description="repeat for each")] = None,
) -> dict[str, Any]:
    """Is this document financeable, and which active pledges hold it or its fingerprints?
    With ``doc_hash`` the document's own fingerprints are checked too: those pledged on chain
    for it and those of the file of that hash the caller lodged here. ``face_value`` is the
    chain's, else the caller's lodged file's (``face_value_source``); ``headroom`` is what can
    actually be financed now (0 while another financing holds one of its fingerprints).
    BANK and REGULATOR only: it names fingerprints and their holders."""
    require_role(participant, "regulator", "bank")
    return audit.financeable(
        index, doc_hash, fingerprint or (), ledger.db, participant.address
    ).to_dict()


@router.get("/export")
def export(
    index: IndexDep,
    participant: ParticipantDep,
    format: Annotated[Literal["csv", "jsonl"], Query()] = "jsonl",
    since: Since = None,
    until: Until = None,
    event: Annotated[
        list[str] | None,
        Query(description="only these events (repeat for each), e.g. FinancingRefused"),
    ] = None,
) -> StreamingResponse:
    """Every indexed event in chain order, streamed as CSV or JSON lines; each line names its
    block, transaction and log index. An admin's export has fingerprints and the financing
    holding them ``null`` (empty in CSV)."""
    require_role(participant, *OVERSIGHT)
    period = audit.Period.parse(since, until)
    withhold = None if sees_fingerprints(participant.role) else withhold_event
    lines = audit.export_events(index, format, period, event or (), withhold=withhold)
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    name = f"tradeledger-events.{format}"
    return StreamingResponse(
        lines, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/fingerprint-checks")
def fingerprint_checks(
    ledger: LedgerDep,
    participant: ParticipantDep,
    member: Annotated[
        str | None, Query(alias="participant", description="only this participant's (address)")
    ] = None,
    since: Annotated[
        str | None, Query(description="from this time on (ISO 8601 or Unix seconds)")
    ] = None,
    until: Until = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=checks.MAX_LIMIT)] = checks.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Every evaluation of a file's fingerprints against the chain made at this gateway, oldest
    first: who (``participant``, its name and role), when (``at``), through which endpoint
    (``action``: check, receive, register, supersede), how many fingerprints were looked up
    (``evaluated``) and how many an active financing held (``matched``), and the ``outcome``
    (``ok``, ``rate_limited``, or the error that ended it) — never the file or its facts.
    Paginated by cursor. REGULATOR only."""
    require_role(participant, "regulator")
    return checks.checks_page(ledger, member, since, until, cursor, limit).to_dict()


@router.get("/verify")
async def verify_index(index: IndexDep, participant: ParticipantDep) -> dict[str, Any]:
    """Prove the index equals the chain (counts per event and a running keccak hash), or name
    the first record where they differ."""
    require_role(participant, *OVERSIGHT)
    report = await run_in_threadpool(verify, index)
    return report.to_dict()
