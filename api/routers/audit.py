"""Audit: what members read from the event index, and the proof that it equals the chain.

Financing terms are confidential (docs/privacy.md): every answer is built for the caller
(``ledger.services.audit.Viewer``) from what its own encryption key opens. Who may ask what:

* document timeline — any active member: the document's own history for everyone, the events
  of the financings the caller reads (the regulator; the financing bank; the enterprise that
  registered a financed document), the refusals the caller reads;
* member activity — REGULATOR and ADMIN any member; others their own address (403 otherwise);
  a financing's terms decoded only where the caller reads them;
* refusals — REGULATOR all (in full where its key opens them), a BANK its own, ADMIN only that
  they happened; ENTERPRISE and ATTESTOR 403;
* duplicates, financeable — BANK and REGULATOR (fingerprints and their holders are theirs only);
* exposure — REGULATOR (all it reads), BANK and ENTERPRISE their own; ATTESTOR and ADMIN 403
  (they read no terms);
* export — REGULATOR and ADMIN (ADMIN: the public part, without fingerprints);
* verify — REGULATOR and ADMIN: the index equals the chain; for a REGULATOR also the re-check of
  every financing rule that moved off chain, with its own key (``rules``).

* fingerprint-checks — REGULATOR: every evaluation of a file's fingerprints at this gateway.
* fingerprint-evaluations — REGULATOR: the consortium evaluator's log, read with its own key.

A member not active on chain reads only its own activity and its own documents' timelines.

Every read of the index first catches it up to the chain head (``audit.catch_up_for_read``, as
the document list does), so a write answered a moment ago is in the answer; when the chain does
not answer, the index is read as it stands. Every answer says up to which block it is complete
(``indexed_block``; the export in its ``X-Indexed-Block`` header).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.bodycheck import WrittenNumbersRoute
from api.deps import HistoryReaderDep, LedgerDep, ParticipantDep, own_history_only
from api.openapi_responses import errors
from ledger.gatewaydb import Participant
from ledger.indexer import EventIndex, check_rules, verify
from ledger.services import audit, retired
from ledger.services import documents as docs
from ledger.services import fingerprint_checks as checks
from ledger.services.paging import id_cursor
from ledger.services.roles import RefusalReason, enum_schema

router = APIRouter(prefix="/v1/audit", tags=["audit"], route_class=WrittenNumbersRoute)

#: who may read which view: one table with ``tradeledger audit … --as`` (``audit.READERS``)
READERS = audit.READERS


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
    str | None,
    Query(
        description="from this block time on, inclusive (ISO 8601 date or date-time, or Unix "
        "seconds)"
    ),
]
Until = Annotated[
    str | None,
    Query(
        description="up to this block time, inclusive (ISO 8601 or Unix seconds); a date alone is "
        "the whole of that day, UTC"
    ),
]
#: the response header of the export that says up to which block it is complete
INDEXED_BLOCK_HEADER = "X-Indexed-Block"
Cursor = Annotated[str | None, Query(alias="cursor", description="next_cursor of the last page")]
Limit = Annotated[int, Query(ge=1, le=audit.MAX_LIMIT)]


def _viewer(participant: Participant) -> audit.Viewer:
    """The caller as the audit service reads for it (a member not active on chain was kept to
    its own records by ``HistoryReaderDep`` / ``own_history_only`` already)."""
    return audit.Viewer.of(participant.address, participant.role)


def _resolved(index: EventIndex, address: str, field: str) -> tuple[str, list[retired.Retired]]:
    """``address``, or the member's current address when it is one the member rotated its key
    away from (``ledger.services.retired``), with that said."""
    now, rotated = retired.resolve_in(index, address, field)
    return now or address, rotated


def _own_or_oversight(participant: Participant, address: str, view: str) -> None:
    audit.own_or_oversight(participant.role, participant.address, address, view)


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
    """A document's history: its own events, and the events of the financings that pledge it
    and the refusals naming it that the caller may read. A member not active on chain: the
    documents it registered only."""
    if not participant.active:
        registration = docs.find_registration(ledger, docs.parse_doc_hash(doc_hash))
        own_history_only(
            participant, registration.registered_by if registration else None, "its timeline"
        )
    audit.require_reader("timeline", participant.role)
    viewer = _viewer(participant)
    period = audit.Period.parse(since, until)
    audit.catch_up_for_read(index)
    return audit.timeline(index, doc_hash, period, after, limit, viewer).to_dict()


@router.get("/members/{address}/activity")
def member_activity(
    index: IndexDep,
    participant: HistoryReaderDep,
    address: str,
    since: Since = None,
    until: Until = None,
    after: Cursor = None,
    limit: Limit = audit.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Everything a member did or was named in. Others than REGULATOR/ADMIN, and any member
    not active on chain: own address only."""
    audit.parse_address(address)
    audit.catch_up_for_read(index)
    # a member named by an address it rotated its key away from: its own, at its address now
    address, rotated = _resolved(index, address, "address")
    own_history_only(participant, audit.parse_address(address), "its activity")
    audit.require_reader("activity", participant.role)
    viewer = _viewer(participant)
    _own_or_oversight(participant, address, "activity")
    period = audit.Period.parse(since, until)
    page = audit.member_activity(index, address, period, after, limit, viewer).to_dict()
    return {**page, "notices": retired.notices(rotated)}


@router.get("/refusals")
def refusals(
    index: IndexDep,
    participant: ParticipantDep,
    since: Since = None,
    until: Until = None,
    bank: Annotated[str | None, Query(description="only this bank's attempts")] = None,
    reason: Annotated[
        str | None,
        Query(
            description="e.g. fingerprint_pledged (lower case: FINGERPRINT_PLEDGED, as answers "
            "write a reason, is refused naming the spelling to use)",
            json_schema_extra=enum_schema(RefusalReason),
        ),
    ] = None,
    after: Cursor = None,
    limit: Limit = audit.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Refused financing attempts: the regulator all (bank, document, reason, conflicting
    financing, what was asked), a bank its own, an admin only that they happened."""
    audit.require_reader("refusals", participant.role)
    viewer = _viewer(participant)
    period = audit.Period.parse(since, until)
    audit.catch_up_for_read(index)
    bank, rotated = retired.resolve_in(index, bank, "bank")
    page = audit.refusals(index, period, bank, reason, after, limit, viewer).to_dict()
    return {**page, "notices": retired.notices(rotated)}


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
    """Suspected duplicates: the duplicate-pledge refusals the caller reads, and fingerprints
    locked by more than one financing over time."""
    audit.require_reader("duplicates", participant.role)
    viewer = _viewer(participant)
    period = audit.Period.parse(since, until)
    audit.catch_up_for_read(index)
    return audit.duplicates(index, period, after, fingerprints_after, limit, viewer).to_dict()


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
    is an enterprise no lodged file shows not to be the seller, else the enterprise named by the
    lodged file's seller, else the one that registered the same invoice; ``attributed_by`` says
    which, ``seller_shown`` whether it is shown to be the seller) — over the financings the caller
    reads in full. BANK and ENTERPRISE read their own book only: grouped by their own kind
    (a bank ``by=bank``, an enterprise ``by=enterprise``) ``member`` defaults to the caller and
    names no other member (403); grouped by the other kind — a bank's borrowers, an
    enterprise's banks — ``member`` picks one of them within the caller's own book."""
    audit.require_reader("exposure", participant.role)
    viewer = _viewer(participant)
    audit.catch_up_for_read(index)
    # a member named by an address it rotated its key away from: its book, at its address now
    # (checked as that address is: a bank still reads its own book only)
    member, rotated = retired.resolve_in(index, member, "member")
    if participant.role == by:
        member = participant.address if member is None else member
        _own_or_oversight(participant, member, "exposure")
    period = audit.Period.parse(since, until)
    rows = audit.exposure(index, by, member, period, ledger.db, viewer)
    last = index.cursor()[0]
    return {
        "by": by,
        "items": [asdict(r) for r in rows],
        "indexed_block": last,
        "notices": retired.notices(rotated),
    }


@router.get("/financeable")
def financeable(
    index: IndexDep,
    ledger: LedgerDep,
    participant: ParticipantDep,
    doc_hash: Annotated[str | None, Query()] = None,
    fingerprint: Annotated[list[str] | None, Query(description="repeat for each")] = None,
) -> dict[str, Any]:
    """Is this document financeable, and which active financings pledge it (those the caller reads)
    or lock its fingerprints (any: the locks are public to banks)? With ``doc_hash`` the document's
    own fingerprints are checked too: those the caller's financings pledged for it and those of the
    file of that hash the caller lodged here (a regulator, which oversees every file lodged here: of
    any copy lodged here, whoever lodged it). ``face_value`` is the one the caller's financings
    recorded, else the caller's lodged file's (``face_value_source``); ``financed_amount`` (minor
    units) is what the active financings the caller reads hold on it — null when not known to the
    caller: a lock by a financing it does not read (its amount is confidential), the document's
    own fingerprints not known to it (``financeable`` null, or a revoked or superseded document
    known by its hash alone), or fingerprints alone asked about; ``net_amount_due`` is the lodged
    file's amount due net of the credit notes lodged here (``NOTHING_DUE`` when nothing is left,
    ``nothing_due`` saying why); ``headroom`` is what can actually be financed now (0 while a
    financing locks one of its fingerprints); null ``financeable`` when nothing but the hash could
    be checked (``unknown_reason``)."""
    audit.require_reader("financeable", participant.role)
    viewer = _viewer(participant)
    audit.catch_up_for_read(index)
    return audit.financeable(
        index,
        doc_hash,
        fingerprint or (),
        ledger.db,
        participant.address,
        viewer,
        net_due=lambda lodged: docs.net_due_of_lodged(ledger, lodged, participant.address),
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
        Query(
            description="only these events (repeat for each), as the ABI spells them: "
            "FinancingRefused",
            json_schema_extra={"items": {"type": "string", "enum": list(audit.EVENT_NAMES)}},
        ),
    ] = None,
) -> StreamingResponse:
    """Every indexed event in chain order, streamed as CSV or JSON lines; each line names its
    block, transaction and log index. A financing's terms are decoded only where the caller
    reads them. The ``X-Indexed-Block`` header says up to which block the export is complete."""
    audit.require_reader("export", participant.role)
    viewer = _viewer(participant)
    period = audit.Period.parse(since, until)
    audit.catch_up_for_read(index)
    indexed = index.cursor()[0]
    lines = audit.export_events(index, format, period, event or (), viewer=viewer)
    media = "text/csv" if format == "csv" else "application/x-ndjson"
    name = f"tradeledger-events.{format}"
    return StreamingResponse(
        lines,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            INDEXED_BLOCK_HEADER: str(indexed),
        },
    )


@router.get("/verify")
async def verify_index(
    index: IndexDep, ledger: LedgerDep, participant: ParticipantDep
) -> dict[str, Any]:
    """Prove the index equals the chain (counts per event and a running keccak hash), or name
    the first record where they differ. ``equal`` covers the blocks indexed so far
    (``last_block``); ``head_block`` and ``behind_blocks`` say how much of the chain that is.
    For a REGULATOR also ``rules``: every financing opened with its own key and every rule that
    moved off chain re-checked, each breach named, and the follow-ups that break no rule
    (``not_in_force``, ``copies_not_in_force``, ``copies_revoked_not_by_seller``,
    ``cancelled_outstanding``, ``held_above_net_due``,
    ``amendments_financed_twice``, ``financed_despite_suspicions``,
    ``reissues_and_splits_financed``), and ``financed_beyond_due`` — what the active
    financings hold beyond what their invoices are due, ``[{"currency", "amount"}]`` in minor
    units, empty for none (the CLI exits 3 while it is not), and ``verdict``: ``rules_broken``,
    ``financed_beyond_due`` or ``rules_hold``, as the CLI exits 1, 3 or 0 (``clean`` says only
    that no rule is broken); null for an admin, who reads no terms."""
    audit.require_reader("verify", participant.role)
    _viewer(participant)
    await run_in_threadpool(audit.catch_up_for_read, index)
    report = await run_in_threadpool(verify, index)
    body = report.to_dict()
    body["rules"] = None
    if participant.role == "regulator":
        keys = audit.regulator_keys(index, ledger.encryption_keys, participant.address, "caller")
        rules = await run_in_threadpool(
            check_rules,
            index,
            keys,
            docs.net_due_here(ledger),
            docs.twins_here(ledger),
            docs.seller_here(ledger),
            docs.related_here(ledger),
        )
        body["rules"] = rules.to_dict()
    return body


@router.get("/fingerprint-checks")
def fingerprint_checks(
    ledger: LedgerDep,
    participant: ParticipantDep,
    member: Annotated[
        str | None, Query(alias="participant", description="only this participant's (address)")
    ] = None,
    since: Annotated[
        str | None,
        Query(
            description="from this time on, inclusive (ISO 8601 date or date-time, or Unix seconds)"
        ),
    ] = None,
    until: Annotated[
        str | None,
        Query(
            description="up to this time, inclusive (ISO 8601 or Unix seconds); a date alone is "
            "the whole of that day, UTC"
        ),
    ] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=checks.MAX_LIMIT)] = checks.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Every evaluation of a file's fingerprints against the chain made at this gateway, oldest
    first: who (``participant``, its name and role), when (``at``), through which endpoint
    (``action``: check, receive, register, supersede), how many fingerprints were looked up
    (``evaluated``) and how many an active financing held (``matched``), how many inputs the
    consortium's evaluator evaluated for it (``sent``: 0 when every fingerprint was known here
    already, a file checked or lodged before — such a check does not count towards the check
    limit; null for an entry of an earlier release), and the ``outcome`` (``ok``,
    ``rate_limited``, or the error that ended it) — never the file or its facts.
    Paginated by cursor. REGULATOR only."""
    audit.require_reader("fingerprint-checks", participant.role)
    # a participant named by an address it rotated its key away from: its log moved with it
    member, rotated = retired.resolve(ledger, member, "participant")
    page = checks.checks_page(ledger, member, since, until, cursor, limit).to_dict()
    return {**page, "notices": retired.notices(rotated)}


@router.get("/fingerprint-evaluations", responses=errors(429, 503))
async def fingerprint_evaluations(
    ledger: LedgerDep,
    participant: ParticipantDep,
    member: Annotated[
        str | None, Query(description="only this member's evaluations (0x address)")
    ] = None,
    cursor: Annotated[
        str | None, Query(description="next_cursor of the previous page (an entry id)")
    ] = None,
    after: Annotated[
        int, Query(ge=0, le=2**63 - 1, description="entries after this id (as cursor)")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> dict[str, Any]:
    """The consortium evaluator's log (issue #18, docs/fingerprints.md), read with a request
    signed by the calling regulator's own key: every evaluation of on-chain fingerprints any
    bank's gateway asked for — ``member``, ``at`` (RFC 3339 UTC), ``count`` of inputs and
    ``outcome`` (evaluated, rate_limited, not_a_bank, member_suspended) — never an input; a
    page ``{"items", "next_cursor"}`` like every list. REGULATOR only; 503
    ``evaluator_unavailable`` when the evaluator cannot be reached."""
    audit.require_reader("fingerprint-evaluations", participant.role)
    wanted = audit.parse_filter(member, "member", audit.parse_address) or ""
    start = after if cursor is None else id_cursor(cursor)
    return await run_in_threadpool(
        checks.evaluations_page, ledger, participant.address, wanted, start, limit
    )
