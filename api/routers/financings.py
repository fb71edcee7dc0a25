"""Financings: a bank finances documents it holds; drawdown, repay, close, cancel, share; read,
list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from api.bodycheck import (
    DecimalId,
    IsoDateTime,
    JsonBool,
    JsonInt,
    RequestBody,
    WrittenNumbersRoute,
    json_int,
    refuse_exponent,
)
from api.deps import (
    HistoryReaderDep,
    LedgerDep,
    ParticipantDep,
    WriteKeyDep,
    inactive,
    own_history_only,
    require,
)
from api.openapi_responses import errors
from api.routers.documents import (
    ROTATED_NOTICES,
    AddressRotated,
    NamedStatusPublic,
    NoticePublic,
    RevocationPublic,
    rotated_notices,
)
from ledger.documents.normalise import too_large_rule
from ledger.gatewaydb import Participant
from ledger.jsonliterals import is_whole_number
from ledger.network import Ledger
from ledger.services import documents as docs
from ledger.services import financing as svc
from ledger.services import retired
from ledger.services.audit import parse_address
from ledger.services.roles import (
    CancellationReason,
    FinancingKind,
    FinancingStatus,
    enum_schema,
    reason_help,
)
from ledger.words import UtcSeconds

router = APIRouter(prefix="/v1/financings", tags=["financings"], route_class=WrittenNumbersRoute)

#: the roles that are given fingerprints (the duplicate rule's locks) and their holders
FINGERPRINT_ROLES = ("bank", "regulator")


def _json_amount(value: object) -> int:
    """``value`` (parsed JSON) as an amount in minor units, or PydanticCustomError in the words
    the service and the CLI give (:func:`ledger.services.financing.amount_rule`): a number in
    exponent notation by that one rule whatever its magnitude (``1e2``, ``1e999999999``:
    :func:`api.bodycheck.refuse_exponent`), a number in digits beyond 2^63 - 1 as too large; any
    other that is not a JSON integer in digits alone is refused as
    :data:`api.bodycheck.JsonInt` refuses it (``-0``, ``true``, ``100.0``). A negative whole
    number (``-5``) is not positive, as 0 is not: the amount's rule, the CLI's words for
    ``finance drawdown 1 -5`` (its sign is no fault of how it is written)."""
    refuse_exponent(value)  # 1e400 as 1e2: the notation is the fault, not the magnitude
    if isinstance(value, int | float) and not isinstance(value, bool) and value > svc.MAX_UINT64:
        raise PydanticCustomError("amount_too_large", "{rule}", {"rule": too_large_rule()})
    if is_whole_number(value) and value < 0:
        raise PydanticCustomError("amount", "{rule}", {"rule": svc.POSITIVE_RULE})
    amount = json_int(value)
    rule = svc.amount_rule(amount)
    if rule is not None:
        raise PydanticCustomError("amount", "{rule}", {"rule": rule})
    return amount


#: an amount in minor units: a JSON integer from 1 to 2^63 - 1, refused in the service's words
Amount = Annotated[
    int,
    Field(gt=0, le=svc.MAX_UINT64, description="minor units (cents)"),
    BeforeValidator(_json_amount),
]
FinancingId = Annotated[
    int,
    Path(ge=1, le=svc.MAX_FINANCING_ID, description="the financing's id (numbered from 1)"),
    DecimalId,
]


class PledgeCreate(RequestBody):
    doc_hash: Annotated[str, Field(description="SHA-256 of a file you lodged at this gateway")]
    amount: Amount


class FinancingCreate(RequestBody):
    documents: Annotated[list[PledgeCreate], Field(min_length=1, max_length=16)]
    currency: Annotated[str, Field(min_length=3, max_length=3, examples=["EUR"])]
    kind: Annotated[
        str,
        Field(
            description="invoice_financing, factoring, pre_shipment, warehouse_receipt_pledge, "
            "other",
            json_schema_extra=enum_schema(FinancingKind),
        ),
    ] = "invoice_financing"
    maturity: Annotated[IsoDateTime, Field(description="ISO 8601 date or date-time")]
    reference: Annotated[str, Field(max_length=32, description="your own reference")] = ""
    acknowledge_suspicions: Annotated[
        bool,
        Field(
            description="true: finance the documents even though the check finds them "
            "suspicious (a re-issue or a split of another invoice you lodged); without it such "
            "a financing is refused, 409 suspicions_unacknowledged, and nothing is sent"
        ),
        JsonBool,
    ] = False


#: a pledged document's registration status (``Pledge.document_status``)
PledgedStatus = Literal["active", "revoked", "superseded", "not_registered"]


class PledgePublic(BaseModel):
    doc_hash: str
    amount: int
    face_value: int
    registrant: str | None = None
    fingerprints: list[str] | None = Field(
        default=None, description="banks and regulators only (null for other roles)"
    )
    status: PledgedStatus | None = Field(
        default=None,
        description="the document's registration status as the chain says it now (the words "
        "of GET /v1/documents/{hash}; not_registered: financed without a registration). The "
        "chain does not stop a financing whose document was revoked or superseded: its bank "
        "decides (docs/rules.md)",
    )
    superseded_by: str | None = Field(
        default=None, description="the amended document that replaced it, when superseded"
    )
    revocation: RevocationPublic | None = Field(
        default=None, description="who revoked it, when and why, when revoked (else null)"
    )
    current_version: str | None = Field(
        default=None,
        description="when superseded: the end of its chain of amendments (the current version "
        "of POST /v1/documents/verify), else null",
    )
    current_status: PledgedStatus | None = Field(
        default=None,
        description="when superseded: the current version's status (active, or revoked: no "
        "version of the document is in force; superseded: amended too often to follow)",
    )
    current_revocation: RevocationPublic | None = Field(
        default=None,
        description="when superseded and its current version revoked: who revoked that "
        "version, when and why (reason code and name)",
    )
    no_version_in_force: bool | None = Field(
        default=None,
        description="true when no version of the document is in force: it is revoked, or "
        "superseded and its current version revoked (null before its status is read)",
    )
    revoker_admin: bool | None = Field(
        default=None,
        description="of the revocation that leaves no version in force (revocation, else "
        "current_revocation): whether its revoker is an ADMIN of the consortium (null without "
        "such a revocation)",
    )
    revoker_is_seller: bool | None = Field(
        default=None,
        description="whether that revoker is shown to be the document's seller — its legal id "
        "on chain one of the seller's identifiers in a file of it the financing's bank lodged "
        "—; null: no such file names the seller, or no such revocation",
    )
    revoker_standing: str | None = Field(
        default=None, description="the two above in words (docs/rules.md, who withdraws)"
    )
    withdraws_receivable: bool | None = Field(
        default=None,
        description="whether that revocation withdrew the receivable: its revoker an ADMIN or "
        "shown to be the seller, for a reason other than 1 (issued in error) or 2 (duplicate). "
        "false: its registration is withdrawn, the receivable is not shown to be (ask the "
        "seller); null without such a revocation",
    )


class EntryPublic(BaseModel):
    type: str = Field(description="drawdown or repayment")
    amount: int = Field(description="minor units")
    at: UtcSeconds | None = Field(
        default=None, description="when it was recorded: its block's time (RFC 3339, UTC)"
    )
    block: int
    tx_hash: str


class SuspicionRecorded(BaseModel):
    """A suspicion the financing's bank acknowledged to send it, as its sealed terms record it."""

    document_index: int = Field(description="which of its request's documents")
    doc_hash: str | None = Field(
        description="the pledged document (null when the terms do not say which: recorded "
        "before 2026-12-05 for a financing of several documents)"
    )
    kind: str = Field(description="reissue, split, split_part or split_whole")
    lodged_invoices: int = Field(
        description="how many invoices the bank had lodged that it resembles (their hashes are "
        "not recorded)"
    )
    financings: list[int] = Field(
        description="the other banks' active financings whose marks the document shared (they "
        "may have been closed or cancelled since)"
    )


class FinancingPublic(BaseModel):
    """A financing. Its terms (``kind`` … ``documents``, ``entries``) are confidential: they are
    given only to a reader whose encryption key opens them — the financing bank, the regulators
    and the enterprise registrants of its documents shown to be their seller, and whoever the
    bank shared them with (docs/privacy.md); for everyone else they are null and
    ``confidential`` is true."""

    financing_id: int
    bank: str
    status: str
    registered_at: UtcSeconds
    registered_block: int
    registered_tx: str
    fingerprint_count: int
    terms_commitment: str = Field(description="SHA-256 commitment to the terms, on chain")
    confidential: bool = Field(description="true: the terms are not yours to read")
    fingerprints: list[str] | None = Field(
        default=None, description="the fingerprints it locks; banks and regulators only"
    )
    kind: str | None = None
    currency: str | None = None
    amount: int | None = None
    drawn: int | None = None
    repaid: int | None = None
    outstanding: int | None = None
    maturity: UtcSeconds | None = None
    reference: str | None = None
    commitment_holds: bool | None = Field(
        default=None, description="the terms and entries open to the commitments on chain"
    )
    documents: list[PledgePublic] = []
    entries: list[EntryPublic] = []
    acknowledged_suspicions: list[SuspicionRecorded] | None = Field(
        default=None,
        description="the suspicions its bank acknowledged to finance (a re-issue or a split: "
        "POST /v1/financings with acknowledge_suspicions), as its sealed terms record them; [] "
        "none; null for a caller who does not read the terms",
    )


class SuspicionAcknowledged(BaseModel):
    document_index: int = Field(description="which of the request's documents")
    doc_hash: str = Field(description="the pledged document")
    kind: str = Field(description="reissue, split_part or split_whole")
    documents: list[str] = Field(
        description="the other invoices you lodged that it resembles ([] when found on chain)"
    )
    document_statuses: list[NamedStatusPublic] = Field(
        default_factory=list,
        description="each of documents with its status on chain now (active, revoked, "
        "superseded with superseded_by, not_registered): a revoked or superseded one is said in "
        "reasons too",
    )
    matching_facts: list[str] = Field(description="the facts they share, e.g. seller, amount")
    reasons: list[str]
    financings: list[int] = Field(
        default_factory=list,
        description="the active financings of other banks whose marks the document shares "
        "(kind reissue or split; documents is then []), or, for a suspicion found among your "
        "files, the active financings holding one of those documents",
    )


class FinancingCreated(FinancingPublic):
    """The financing registered, and the suspicions its request acknowledged (``[]``: none)."""

    suspicions: list[SuspicionAcknowledged] = []
    notices: list[NoticePublic] = Field(
        default=[],
        description="registrant_not_reader for each pledged document registered by an "
        "enterprise not shown to be its seller (its legal id on chain is none of the seller's "
        "identifiers in the file you lodged): the terms were not sealed to it; POST "
        "/v1/financings/{id}/share (tradeledger finance share MEMBER --financing ID) adds it "
        "deliberately ([]: none)",
    )


#: what the ``notices`` of a financing's read carry, and to whom (``GET /v1/financings/{id}``)
READ_NOTICES = (
    "the warnings standing on the financing, for who may have them. To its bank — the notices of "
    "its next write (POST /v1/financings/{id}/drawdown …), read now: document_revoked or "
    "document_superseded for each pledged document no longer in force, "
    "document_no_version_in_force for one superseded by amendments whose current version is "
    "revoked, document_credited for a pledged invoice credited below what the financing holds "
    "on it (the credit notes counted for the bank), credit_note_not_counted for a pledged "
    "invoice that credit notes lodged here name without being counted (their numbers and "
    "amounts, never who lodged them), document_copy_withdrawn for a pledged "
    "invoice in force whose seller (or an admin) revoked another file of it that the bank "
    "lodged, cancelled_outstanding or closed_outstanding for money still out. To another "
    "reader of the terms (a regulator, an enterprise registrant shown to be the seller, a "
    "member the bank shared them with) only those the terms and the chain give, which this "
    "answer shows already (documents[].status, drawn and repaid): document_revoked, "
    "document_superseded, document_no_version_in_force, cancelled_outstanding, "
    "closed_outstanding — never document_credited or document_copy_withdrawn, read from the "
    "bank's lodged files and its own credit notes (a regulator finds those in GET "
    "/v1/audit/verify: held_above_net_due, copies_not_in_force). [] for a caller who does not "
    "read the terms (another bank, an attestor, the admin), and none of a closed or cancelled "
    "financing but the money still out"
)


class FinancingRead(FinancingPublic):
    """A financing as ``GET /v1/financings/{id}`` (and ``tradeledger finance show --json``)
    answers it: :class:`FinancingPublic` and the notices standing on it for the caller."""

    notices: list[NoticePublic] = Field(default_factory=list, description=READ_NOTICES)


class FinancingPage(BaseModel):
    items: list[FinancingPublic]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null: done")
    notices: list[AddressRotated] = Field(default_factory=list, description=ROTATED_NOTICES)


class AmountRequest(RequestBody):
    amount: Amount


class CancelRequest(RequestBody):
    reason_code: Annotated[
        int,
        Field(
            ge=0,
            le=255,
            description="required (a cancellation is irreversible: no reason is assumed): "
            f"0..255; {reason_help(CancellationReason)}; other codes are kept as numbers",
        ),
        JsonInt,
    ]


class ShareRequest(RequestBody):
    reader: Annotated[
        str,
        Field(
            description="the member to share the terms with, by its address (0x and 40 hex "
            "digits; the CLI's READER): a member with an encryption key published on chain — "
            "an enterprise registrant not shown to be the seller (registrant_not_reader), a "
            "regulator that joined later",
            examples=["0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"],
        ),
    ]


class FinancingShared(BaseModel):
    """The terms shared: sealed to ``reader``'s published key and recorded on chain
    (``shareTerms``, event ``TermsShared``)."""

    reader: str = Field(description="the member the terms were sealed to (its address)")
    financing_ids: list[int] = Field(description="the financings whose terms it now reads")
    already_shared: list[int] = Field(
        description="those of financing_ids whose terms it read already (sealed to its "
        "published key when the financing was registered, or by an earlier share): nothing was "
        "sent for them — a repeat share changes nothing on chain (no transaction, no new "
        "TermsShared). Told only of a reader whose key this gateway holds: the envelopes name no "
        "reader (docs/privacy.md)"
    )
    notices: list[AddressRotated] = Field(
        default_factory=list,
        description="an address_rotated notice when reader named a member by an address it "
        "rotated its key away from: the terms were sealed to that member (its encryption key "
        "belongs to its member id), at its current address, reader; [] otherwise",
    )


def shared_answer(
    reader: str, shared: svc.Shared, rotated: Sequence[retired.Retired] = ()
) -> FinancingShared:
    """The answer of ``POST /v1/financings/{id}/share`` (and ``tradeledger finance share
    --json``): who the terms were shared with, which financings' terms, and which of them it
    read already (nothing sent)."""
    return FinancingShared(
        reader=reader,
        financing_ids=list(shared.financing_ids),
        already_shared=list(shared.already_shared),
        notices=rotated_notices(rotated),
    )


class FinancingWritten(BaseModel):
    financing: FinancingPublic
    block: int
    tx_hash: str
    notices: list[NoticePublic] = Field(
        description="what the bank should know: document_revoked or document_superseded for "
        "each pledged document no longer in force, document_no_version_in_force for one "
        "superseded by amendments whose current version is revoked, document_credited for a "
        "pledged invoice credited below what the financing holds on it, "
        "document_copy_withdrawn for a pledged invoice in force whose seller (or an admin) "
        "revoked another file of it that the bank lodged, cancelled_outstanding or "
        "closed_outstanding for money still out (the write went through: the chain does not "
        "stop it, the bank decides)"
    )


def _kind(text: str) -> FinancingKind:
    return FinancingKind.parse(text, "kind")


def _status(text: str) -> FinancingStatus:
    return FinancingStatus.parse(text, "status")


def public(f: svc.Financing, role: str) -> FinancingPublic:
    """``f`` as ``role`` may see it: fingerprints for banks and regulators only; terms as the
    service opened them with the reader's key. Each item of ``GET /v1/financings``, the
    ``financing`` of a write's answer, and — with its notices — the answer of
    ``GET /v1/financings/{id}`` (:func:`read_answer`)."""
    sees_fingerprints = role in FINGERPRINT_ROLES
    t = f.terms
    return FinancingPublic(
        financing_id=f.financing_id,
        bank=f.bank,
        status=f.status.name.lower(),
        registered_at=f.registered_at,
        registered_block=f.registered_block,
        registered_tx=f.registered_tx,
        fingerprint_count=f.fingerprint_count,
        terms_commitment=f.terms_commitment,
        confidential=t is None,
        fingerprints=list(f.fingerprints) if sees_fingerprints else None,
        kind=t.kind.name.lower() if t else None,
        currency=t.currency if t else None,
        amount=t.amount if t else None,
        drawn=t.drawn if t else None,
        repaid=t.repaid if t else None,
        outstanding=t.outstanding if t else None,
        maturity=t.maturity if t else None,
        reference=t.reference if t else None,
        commitment_holds=t.commitment_holds if t else None,
        documents=[
            PledgePublic(
                doc_hash=p.doc_hash,
                amount=p.amount,
                face_value=p.face_value,
                registrant=p.registrant,
                fingerprints=list(p.fingerprints) if sees_fingerprints else None,
                status=cast("PledgedStatus | None", p.document_status),
                superseded_by=p.superseded_by,
                revocation=RevocationPublic(**p.revocation.fields()) if p.revocation else None,
                current_version=p.current_version,
                current_status=cast("PledgedStatus | None", p.current_status),
                current_revocation=(
                    RevocationPublic(**p.current_revocation.fields())
                    if p.current_revocation
                    else None
                ),
                no_version_in_force=(
                    p.no_version_in_force if p.document_status is not None else None
                ),
                revoker_admin=p.revoker_admin,
                revoker_is_seller=p.revoker_is_seller,
                revoker_standing=p.revoker_standing,
                withdraws_receivable=p.withdraws_receivable,
            )
            for p in (t.pledges if t else ())
        ],
        entries=[
            EntryPublic(type=e.type, amount=e.amount, at=e.at, block=e.block, tx_hash=e.tx_hash)
            for e in (t.entries if t else ())
        ],
        acknowledged_suspicions=[
            SuspicionRecorded(
                document_index=x.document_index,
                doc_hash=x.doc_hash,
                kind=x.kind,
                lodged_invoices=x.lodged_invoices,
                financings=list(x.financings),
            )
            for x in t.suspicions
        ]
        if t
        else None,
    )


def notices(f: svc.Financing, ledger: Ledger | None = None) -> list[NoticePublic]:
    """The notices of a write on ``f`` by its bank (read with its documents' status): a pledged
    document revoked or superseded (:func:`ledger.services.financing.document_notices`) and,
    given the ``ledger``, a pledged invoice credited below what ``f`` holds on it
    (:func:`ledger.services.financing.credit_notices`) or withdrawn by its seller in another
    file (:func:`ledger.services.financing.copy_withdrawn_notices`); a financing cancelled (or
    closed) with money still out — drawn above repaid
    (:func:`ledger.services.financing.outstanding_notices`). Its bank's read of ``f`` carries
    the same (:func:`read_notices`). The files the bank lodged are read once for the credited
    and the withdrawn (:func:`ledger.services.financing.lodged_facts`), and not at all for a
    financing no longer active, of which both say nothing."""
    found = svc.document_notices(f)
    if ledger is not None and f.status is FinancingStatus.ACTIVE:
        lodged = svc.lodged_facts(ledger, f)  # the bank's files, read once for both
        found += svc.credit_notices(ledger, f, lodged)
        found += svc.copy_withdrawn_notices(ledger, f, lodged)
    found += svc.outstanding_notices(f)
    return [NoticePublic.of(n) for n in found]


def read_notices(ledger: Ledger, f: svc.Financing, reader: str | None) -> list[NoticePublic]:
    """The notices standing on ``f`` (read with its documents' status) for ``reader``
    (:data:`READ_NOTICES`): to its bank (by member id: :func:`ledger.services.financing.is_bank_of`)
    those of a write on it (:func:`notices`, the one rule); to another reader of its terms those
    its terms and the chain give, which its answer shows already (:func:`notices` without the
    ledger: not the credit notes nor the files the bank lodged, which are the bank's); to a
    caller who does not read the terms (``reader`` None: the CLI without ``--as``), none."""
    if f.terms is None or reader is None:
        return []
    return notices(f, ledger if svc.is_bank_of(ledger, f, reader) else None)


def read_answer(ledger: Ledger, f: svc.Financing, role: str, reader: str | None) -> FinancingRead:
    """The answer of ``GET /v1/financings/{id}`` (and ``tradeledger finance show --json``):
    ``f`` as ``role`` may see it (:func:`public`) and the notices standing on it for ``reader``
    (:func:`read_notices`)."""
    return FinancingRead(**dict(public(f, role)), notices=read_notices(ledger, f, reader))


def written(
    f: svc.Financing, role: str, receipt: docs.Receipt, ledger: Ledger | None = None
) -> FinancingWritten:
    """The answer of a write on ``f`` (and of ``tradeledger finance drawdown`` … ``--json``):
    the financing as ``role`` sees it, where the write landed, and its notices."""
    return FinancingWritten(
        financing=public(f, role),
        block=receipt.block,
        tx_hash=receipt.tx_hash,
        notices=notices(f, ledger),
    )


def _written(
    ledger: LedgerDep, participant: Participant, financing_id: int, receipt: docs.Receipt
) -> FinancingWritten:
    found = svc.get(ledger, financing_id, reader=participant.address)
    return written(svc.with_document_status(ledger, found), participant.role, receipt, ledger)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=FinancingCreated,
    responses=errors(429),
)
def create_financing(
    ledger: LedgerDep, participant: ParticipantDep, body: FinancingCreate, write_key: WriteKeyDep
) -> FinancingCreated:
    """Finance documents you lodged at this gateway. The gateway computes their fingerprints and
    face values from the files it holds, registers a hash the chain does not know yet, checks the
    amount rules, and seals the terms to you, the regulators and the documents' enterprise
    registrants shown to be their seller (``notices`` names any other, ``registrant_not_reader``). A
    refusal (409 ``financing_refused``) names the reason, the document, the conflicting
    financing (its bank and date only) and the fingerprint — and is recorded on chain, sealed,
    for the regulator. A document the check finds suspicious (a re-issue or a split of another
    invoice you lodged) is refused with 409 ``suspicions_unacknowledged`` listing each suspicion,
    nothing sent, unless ``acknowledge_suspicions`` is true; the answer then lists them. When one
    of the documents is also pledged to another bank's active financing, the refusal is 409
    ``document_pledged``: no acknowledgement would help."""
    require(participant, "financing.write", "finance documents")
    requests = [
        svc.PledgeRequest(docs.parse_doc_hash(d.doc_hash, f"documents[{i}].doc_hash"), d.amount)
        for i, d in enumerate(body.documents)
    ]
    created = svc.create(
        ledger,
        participant.address,
        requests,
        body.currency,
        _kind(body.kind),
        body.maturity,
        body.reference,
        idempotency_key=write_key,
        acknowledge_suspicions=body.acknowledge_suspicions,
    )
    return created_answer(svc.with_document_status(ledger, created), participant.role)


def created_answer(f: svc.Financing, role: str) -> FinancingCreated:
    """The answer of ``POST /v1/financings`` (and ``tradeledger finance create --json``):
    :func:`public` and the suspicions the request acknowledged."""
    return FinancingCreated(
        **dict(public(f, role)),
        suspicions=[SuspicionAcknowledged(**s.to_dict()) for s in f.suspicions],
        notices=[NoticePublic.of(n) for n in f.notices],
    )


@router.get("", response_model=FinancingPage)
def list_financings(
    ledger: LedgerDep,
    participant: HistoryReaderDep,
    bank: Annotated[str | None, Query(description="the bank's address")] = None,
    status: Annotated[
        str | None,
        Query(
            description="active, closed or cancelled",
            json_schema_extra=enum_schema(FinancingStatus),
        ),
    ] = None,
    doc: Annotated[str | None, Query(description="a pledged document hash")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=svc.MAX_LIMIT)] = svc.DEFAULT_LIMIT,
) -> FinancingPage:
    """Financings by id, filtered by bank, status or pledged document (among those whose terms
    you read); paginated by cursor. Terms only for their readers (see FinancingPublic). A
    member the admins suspended lists the financings of its own history only, as
    ``GET /v1/financings/{id}`` answers it: a bank its own, an enterprise those pledging a
    document it registered (``bank`` naming another bank: 403)."""
    # a bank named by an address it rotated its key away from: that bank's, at its address now
    bank, rotated = retired.resolve(ledger, bank, "bank")
    if not participant.active:
        what = svc.not_in_history(participant.role, many=True)
        own_history_only(participant, bank or participant.address, what)
    page = svc.list_financings(
        ledger,
        bank=bank,
        status=_status(status) if status else None,
        doc_hash=docs.parse_doc_hash(doc, "doc") if doc else None,
        cursor=cursor,
        limit=limit,
        reader=participant.address,
        history_only=not participant.active,
    )
    return financing_page(svc.page_with_document_status(ledger, page), participant.role, rotated)


def financing_page(
    page: svc.Page, role: str, rotated: Sequence[retired.Retired] = ()
) -> FinancingPage:
    """The answer of ``GET /v1/financings`` (and ``tradeledger finance list --json``): each
    financing as ``role`` may see it (:func:`public`; read with its documents' status:
    :func:`ledger.services.financing.page_with_document_status`), and an ``address_rotated``
    notice when ``bank`` named a retired address (``rotated``)."""
    return FinancingPage(
        items=[public(f, role) for f in page.items],
        next_cursor=page.next_cursor,
        notices=rotated_notices(rotated),
    )


@router.get("/{financing_id}", response_model=FinancingRead)
def get_financing(
    ledger: LedgerDep, participant: HistoryReaderDep, financing_id: FinancingId
) -> FinancingRead:
    """A financing: its public part for everyone, its terms for its readers only, and the
    warnings standing on it for who may have them (``notices``: its bank is told what its next
    write would tell it — a pledged invoice credited or withdrawn in another file it lodged —
    without writing). A member the admins suspended reads only the financings of its own
    history: a bank its own, an enterprise those pledging a document it registered — as that
    document's timeline shows them (403 ``member_suspended`` otherwise)."""
    found = svc.get(ledger, financing_id, reader=participant.address)
    if not participant.active and not svc.in_history_of(ledger, found, participant.address):
        raise inactive(participant, f"read {svc.not_in_history(participant.role)}")
    read = svc.with_document_status(ledger, found)
    return read_answer(ledger, read, participant.role, participant.address)


@router.post("/{financing_id}/drawdown", response_model=FinancingWritten)
def drawdown(
    ledger: LedgerDep,
    participant: ParticipantDep,
    financing_id: FinancingId,
    body: AmountRequest,
    write_key: WriteKeyDep,
) -> FinancingWritten:
    """Draw ``amount`` (never beyond the financed amount). The financing's bank only."""
    require(participant, "financing.write", "draw down a financing")
    receipt = svc.drawdown(
        ledger, participant.address, financing_id, body.amount, idempotency_key=write_key
    )
    return _written(ledger, participant, financing_id, receipt)


@router.post("/{financing_id}/repay", response_model=FinancingWritten)
def repay(
    ledger: LedgerDep,
    participant: ParticipantDep,
    financing_id: FinancingId,
    body: AmountRequest,
    write_key: WriteKeyDep,
) -> FinancingWritten:
    """Record a repayment (never beyond what was drawn). The financing's bank only."""
    require(participant, "financing.write", "repay a financing")
    receipt = svc.repay(
        ledger, participant.address, financing_id, body.amount, idempotency_key=write_key
    )
    return _written(ledger, participant, financing_id, receipt)


@router.post("/{financing_id}/close", response_model=FinancingWritten)
def close(
    ledger: LedgerDep,
    participant: ParticipantDep,
    financing_id: FinancingId,
    write_key: WriteKeyDep,
) -> FinancingWritten:
    """Close a fully repaid financing and release its documents and fingerprints."""
    require(participant, "financing.write", "close a financing")
    receipt = svc.close(ledger, participant.address, financing_id, idempotency_key=write_key)
    return _written(ledger, participant, financing_id, receipt)


@router.post("/{financing_id}/cancel", response_model=FinancingWritten)
def cancel(
    ledger: LedgerDep,
    participant: ParticipantDep,
    financing_id: FinancingId,
    write_key: WriteKeyDep,
    body: CancelRequest,
) -> FinancingWritten:
    """Cancel an active financing with a reason code (required: 422 naming ``reason_code``
    without one) and release its documents."""
    require(participant, "financing.write", "cancel a financing")
    receipt = svc.cancel(
        ledger, participant.address, financing_id, body.reason_code, idempotency_key=write_key
    )
    return _written(ledger, participant, financing_id, receipt)


@router.post("/{financing_id}/share", response_model=FinancingShared)
def share(
    ledger: LedgerDep,
    participant: ParticipantDep,
    financing_id: FinancingId,
    body: ShareRequest,
    write_key: WriteKeyDep,
) -> FinancingShared:
    """Seal the financing's terms to ``reader``'s published encryption key and record it on chain
    (``shareTerms``): the reader then reads ``GET /v1/financings/{id}``. How a bank makes an
    enterprise registrant not shown to be the seller a reader deliberately
    (``registrant_not_reader``), and how a regulator that joined later reads older financings.
    The financing's bank, or a regulator (who reads every financing); another bank's financing
    is 403 ``NotFinancingBank``, as its drawdown is. ``reader`` must be a member with a
    published key (422 naming ``reader``). Sharing with a reader that reads the terms already
    sends nothing (no transaction, no new ``TermsShared``): the answer lists the financing in
    ``already_shared``; a retry with the same ``Idempotency-Key`` answers the first answer."""
    require(participant, "financing.share", "share a financing's terms")
    reader = parse_address(body.reader, "reader")
    # a reader named by an address it rotated its key away from: sealed to that member (its
    # encryption key belongs to its member id), at its address now, and said so
    now, rotated = retired.resolve(ledger, reader, "reader")
    reader = now or reader
    shared = svc.share_with(
        ledger,
        participant.address,
        reader,
        idempotency_key=write_key,
        financing_ids=[financing_id],
        ids_field="financing_id",
    )
    return shared_answer(reader, shared, rotated)
