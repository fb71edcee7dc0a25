"""Documents: lodge, check, register (file, JSON form, batch), read, revoke, supersede, attest,
verify.

What each answer shows follows ``ledger.services.disclosure`` (docs/privacy.md): fingerprints and
their holders to banks and regulators only (``null`` for the others), a document's financing to
banks, regulators, admins and its own registrant only. Every evaluation of a file's fingerprints
is logged for the regulator; ``/check`` and ``/receive`` are rate-limited per participant (429).
A member not active on chain may only read its own documents and lodged files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from enum import Enum
from hashlib import sha256
from typing import Annotated, Any, Literal, cast

from fastapi import (
    APIRouter,
    Body,
    Depends,
    File,
    Form,
    Header,
    Query,
    Request,
    UploadFile,
    status,
)
from pydantic import BaseModel, Field

from api.bodycheck import JsonInt, RequestBody, WrittenNumbersRoute
from api.deps import (
    HistoryReaderDep,
    LedgerDep,
    ParticipantDep,
    WriteKeyDep,
    own_history_only,
    require,
)
from api.openapi_responses import errors
from api.respond_async import accepted_responses, respond
from api.routers.audit import IndexDep
from ledger.controls import refuse_control_in_filename
from ledger.documents import DocumentFacts
from ledger.errors import InvalidInput
from ledger.fieldnames import FILE
from ledger.gatewaydb import Participant
from ledger.indexer import EventIndex
from ledger.network import Ledger
from ledger.services import documents as docs
from ledger.services import openattestation as oa
from ledger.services import proof as proof_svc
from ledger.services import retired, sellers
from ledger.services import verify as verify_svc
from ledger.services.audit import catch_up_for_read
from ledger.services.disclosure import (
    FINANCING_EVENTS,
    sees_financing,
    sees_fingerprints,
    withhold_event,
)
from ledger.services.fingerprint_checks import Via
from ledger.services.names import LedgerNames
from ledger.services.own_related import OwnReceivable
from ledger.services.roles import (
    DocStatus,
    DocType,
    RevocationReason,
    enum_schema,
    reason_help,
    reason_name,
)
from ledger.words import Names, UtcMicroseconds, UtcSeconds

router = APIRouter(prefix="/v1/documents", tags=["documents"], route_class=WrittenNumbersRoute)

FileField = Annotated[UploadFile, File(description="the document file")]
_DocTypeForm = Annotated[
    str | None,
    Form(
        description="invoice, bill_of_lading, … (lower case); default: the type the file states "
        "(an e-invoice is an invoice, a JSON form its documentType), else other. A type that "
        "contradicts the one the file states is refused (422 naming doc_type)",
        json_schema_extra=enum_schema(DocType),
    ),
]


async def _form_doc_type(request: Request, doc_type: _DocTypeForm = None) -> DocType | None:
    """The ``doc_type`` form field: a type, or None when the field is left out. FastAPI hands
    an optional form field sent empty (``-F doc_type=``, a script's unset variable) to the
    route as absent; here an empty one is refused, as in a query, instead of being detected."""
    if doc_type is None and "doc_type" in (await request.form()):
        return _doc_type("")
    return _doc_type(doc_type)


DocTypeField = Annotated[DocType | None, Depends(_form_doc_type)]


# -- models -----------------------------------------------------------------------------------


class DocumentPublic(BaseModel):
    """A document's on-chain registration, with its face value where the caller may see it."""

    doc_hash: str
    doc_type: str
    status: str
    registered_by: str
    registered_by_name: str | None = Field(
        default=None, description="the registrant's member name, beside its address (null: none)"
    )
    registrant_id: int
    registered_at: UtcSeconds
    currency: str | None = Field(
        description="ISO 4217, from the file the caller lodged; null when the caller lodged "
        "none (whether and for how much a document is financed is confidential: "
        "docs/privacy.md)"
    )
    face_value: int | None = Field(
        description="minor units (EN 16931 BT-115), from the file the caller lodged; null "
        "(never a placeholder 0) when the caller lodged none"
    )
    face_value_source: Literal["facts"] | None = Field(
        description="facts: read from the file the caller lodged; null: not known to the caller"
    )
    is_financed: bool | None = Field(
        default=None,
        description="whether an active financing pledges this exact document, from the "
        "financings whose sealed terms you read: true or false for a regulator and for the "
        "member that registered it; true or null for a bank (it reads its own book only) and "
        "the operator; null for the others (docs/privacy.md). false says nothing about other "
        "copies of the same invoice: read invoice_pledged",
    )
    invoice_pledged: bool | None = Field(
        default=None,
        description="whether the invoice is pledged: an active financing locks its fingerprints, "
        "through this copy or another copy with the same facts (another format, another hash), "
        "so no bank can finance it. true or false for banks and regulators where its "
        "fingerprints are known (the lock is public on chain); true for a member that reads "
        "the financing's sealed terms (it registered the pledged copy); for a file without "
        "facts (no fingerprints: only its own financing pledges it) the same as is_financed; "
        "null otherwise — not "
        "known, or not yours to learn (an enterprise or attestor is never told of a financing "
        "not sealed to it), and for the operator (docs/privacy.md). In this view a document's "
        "fingerprints are known from the copy you lodged here (or a financing you read): with "
        "none, a document hash alone does not say which invoice it is, so it is null here while "
        "POST /v1/documents/check of the file answers it",
    )
    successor: str | None
    registrant_is_seller: bool | None = Field(
        default=None,
        description="whether registered_by is shown to be the document's seller (an invoice's "
        "BG-4 seller; a JSON form's issuer): its legal id on chain is one of the seller's "
        "identifiers in the file (a VAT id with its country prefix, an LEI or <ICD>:<id>). "
        "false: not shown (no legal id, another company's identifiers, none comparable) — the "
        "registration then records who registered the hash and when, not that the document is "
        "theirs; null: cannot be told — the file names no seller (not an invoice or a JSON "
        "form; a file without facts), or no copy of the file is known to you at this gateway "
        "(verify the file itself). Compared from the file you sent or lodged, never from "
        "another member's copy (docs/privacy.md)",
    )
    registrant_seller_reason: str = Field(
        default=sellers.NO_COPY_REASON,
        description="why registrant_is_seller is what it is, in words that follow the "
        "registrant's name (the identifiers compared, or why it cannot be told)",
    )


class FingerprintPublic(BaseModel):
    """A keyed fingerprint of the file (shown to banks and regulators only)."""

    name: str = Field(description="what the fingerprint covers, e.g. seller_number:VAT")
    value: str
    held_by_financing: int | None = Field(
        description="the active financing holding this fingerprint on chain, if any"
    )


class MatchPublic(BaseModel):
    """A document lodged here that matches the file: one per document, however many members
    lodged it."""

    grade: str = Field(
        description="identical, same_document or altered (the strongest of its copies)"
    )
    doc_hash: str
    received_by: str = Field(description="the first member that lodged it (of lodged_by)")
    received_by_name: str | None = Field(
        default=None, description="that member's name, beside its address (null: none)"
    )
    agree: list[str]
    differ: list[str]
    registered: bool
    lodged_by: list[str] = Field(
        description="every member that lodged this document, as you may see them, first "
        "lodged first: yourself only (a member sees matches among its own files), or for a "
        "regulator every member that lodged it here"
    )
    status: Literal["active", "revoked", "superseded"] | None = Field(
        description="the matched document's status as the chain says it now (null: not "
        "registered); a revoked or superseded one cannot be financed"
    )


class NamedStatusPublic(BaseModel):
    """A document a suspicion names, with its status on chain now."""

    doc_hash: str
    status: Literal["active", "revoked", "superseded", "not_registered"] = Field(
        description="revoked or superseded: no longer in force — said in the suspicion's "
        "reasons too; the suspicion stands (a re-issue or a split of an invoice financed and "
        "then revoked may still be the same receivable financed twice)"
    )
    superseded_by: str | None = Field(
        default=None, description="the amendment in force, for a superseded document"
    )


class SuspicionPublic(BaseModel):
    kind: str = Field(
        description="reissue, split_part or split_whole (found among the files lodged here); "
        "reissue or split (an active financing of another bank carries this file's marks: "
        "its documents are that bank's)"
    )
    reasons: list[str]
    documents: list[str] = Field(description="the hashes of the files involved")
    document_statuses: list[NamedStatusPublic] = Field(
        default_factory=list,
        description="each of documents with its status on chain now (active, revoked, "
        "superseded with superseded_by, not_registered)",
    )
    financings: list[int] = Field(
        default_factory=list,
        description="the active financings of other banks whose marks this file shares "
        "(docs/fingerprints.md, marks); for a suspicion found among the files lodged here, the "
        "active financings holding a fingerprint of one of its documents (and your own that "
        "carries the file's marks)",
    )
    matching_facts: list[str] = Field(
        default_factory=list,
        description="the facts the invoices share, e.g. seller, buyer, currency, amount, lines "
        "(a re-issue of an invoice that states no lines, such as a JSON form, shares no lines)",
    )
    own_financings: list[int] = Field(
        default_factory=list,
        description="those of financings that are your own (a bank's check: your active "
        "financings, whose terms you read); [] for every other caller",
    )


class OwnHoldingPublic(BaseModel):
    """A file of the invoice's receivable one of your own active financings pledges."""

    financing_id: int
    doc_hash: str
    role: Literal["original", "reissue", "whole", "part"] = Field(
        description="the file's role in the receivable (original: the first issued of an "
        "invoice re-issued; whole: of a split)"
    )
    amount: int = Field(description="what the financing pledged against it (minor units)")


class OwnReceivablePublic(BaseModel):
    """The receivable a checked invoice is a file of, as your own active financings hold it
    through its re-issues or parts (a bank's check only)."""

    kind: Literal["reissue", "split", "reissue_and_split"]
    currency: str
    role: Literal["original", "reissue", "whole", "part"] = Field(
        description="the checked file's role in the receivable"
    )
    amount_due: int = Field(
        description="the receivable's amount due (minor units): the least of the original's "
        "and its re-issues' (a re-issue with a prepayment stated owes what is left), or the "
        "whole's"
    )
    credited: int = Field(
        description="what the credit notes counted here take off the checked invoice (minor "
        "units: its amount due less its financeable_amount)"
    )
    net_due: int = Field(description="amount_due less credited (minor units)")
    held: int = Field(description="what your financings hold on its other files (minor units)")
    beyond_due: int = Field(
        description="what they hold beyond net_due (minor units; 0: nothing beyond)"
    )
    financing_ids: list[int]
    holdings: list[OwnHoldingPublic]


class AddressRotated(BaseModel):
    """A filter (or a reader) named a member by an address it rotated its key away from: the
    answer is the member's, at its current address (``ledger.services.retired``)."""

    kind: Literal["address_rotated"] = "address_rotated"
    field: str = Field(description="the query parameter or body field that named it")
    address: str = Field(description="the retired address, as given (checksummed)")
    rotated_to: str = Field(description="the address the member signs with now")
    member_id: int
    message: str


def rotated_notices(found: Sequence[retired.Retired]) -> list[AddressRotated]:
    """The ``notices`` of an answer whose filter named retired addresses
    (``ledger.services.retired.Retired``)."""
    return [AddressRotated(**r.notice()) for r in found]


#: the description of an answer's ``notices`` of a retired address
ROTATED_NOTICES = (
    "address_rotated notices: a member named by an address it rotated its key away from is "
    "answered for at its current address (rotated_to); [] otherwise"
)


class NoticePublic(BaseModel):
    kind: str = Field(
        description="credit_note, no_payment_claimed (a pro-forma invoice, type code 325, or "
        "invoice information for accounting purposes, 751: no receivable, cannot be financed), "
        "credit_note_financed_invoice, credited, "
        "credit_note_not_counted (credit notes lodged here name the invoice but its seller or "
        "buyer vouch for none of them, or they are revoked on chain: not counted against its "
        "financeable value), "
        "identifier_rejected, "
        "issued_in_future (the file's issue date, BT-2, is after tomorrow in UTC: nothing is "
        "refused, check the date), due_before_issue (its due date, BT-9, is before its issue "
        "date), "
        "nothing_due (an invoice whose amount due, BT-115, is negative or zero, or whose credit "
        "notes cancel it: financeable_amount 0, it cannot be financed), amount_due_inconsistent "
        "(an invoice whose amount due, BT-115, is not what its totals give, EN 16931 BR-CO-16: "
        "both figures in the message; no more than the lesser can be financed), "
        "document_revoked, document_superseded (the file's document, or a pledged one in the "
        "answer of a write on a financing or of its read, is revoked or superseded: it cannot "
        "be financed), "
        "document_credited (the answer of a write on a financing, or of its read, to its bank: "
        "a pledged invoice's amount due net of the credit notes counted is below what the "
        "financing holds on it), document_copy_withdrawn (the answer of a write on a "
        "financing, or of its read, to its bank: a "
        "pledged invoice is the same document as a file the bank lodged that its seller or an "
        "admin revoked on chain), cancelled_outstanding (the answer of a cancel, and of a read "
        "of the financing cancelled: it was "
        "cancelled with drawn above repaid, the outstanding amount and currency in the message; "
        "closed_outstanding likewise for a close), registrant_not_reader (the answer of a "
        "financing: an enterprise registered a pledged document but is not shown to be its "
        "seller, so the terms were not sealed to it), seller_not_reader (the answer of a "
        "financing: the pledged invoice's seller is an enterprise member, by its legal id, that "
        "did not register the pledged file, so the terms were not sealed to it; the share that "
        "makes it a reader in the message), registrant_not_seller (the answer of a "
        "registration: the registrant is not shown to be the document's seller — its legal id "
        "on chain is none of the seller's identifiers in the file —, so the registration does "
        "not show the document is its own) or seller_unkeyed (every "
        "identity identifier of the seller failed its check: the document has no fingerprint "
        "and cannot be financed), holders_unknown (whether an active financing holds the file "
        "is not known to you, and why), invoice_pledged (an active financing whose terms you "
        "read pledges this document or a copy of it: named in financings, with its bank), "
        "earlier_version_pledged (the file amends an earlier version of its document, named in "
        "documents, which an active financing pledges, named in financings: no bank can finance "
        "it while that financing is in force) or "
        "already_lodged (you lodged this very file here before, at the time it says: it is not "
        "a match of itself), legal_id_not_seller_proof (the answer of onboarding a member: its "
        "legal id is a GLN, which never shows it to be a document's seller)"
    )
    message: str
    documents: list[str]
    financings: list[int]

    @classmethod
    def of(cls, notice: docs.Notice) -> NoticePublic:
        """The notice as an answer shows it."""
        return cls(
            kind=notice.kind,
            message=notice.message,
            documents=list(notice.documents),
            financings=list(notice.financings),
        )


class HashTriedPublic(BaseModel):
    form: Literal["file_bytes", "canonical_json", "other_byte_form"] = Field(
        description="file_bytes: SHA-256 of the file's bytes; canonical_json: of its canonical "
        "JSON form (sorted keys, no whitespace, UTF-8), as POST /v1/documents/json registers it; "
        "other_byte_form: of another byte form of the same JSON document (a file lodged here "
        "with the same content, other whitespace or key order), the registration found "
        "through it"
    )
    doc_hash: str
    registered: bool


class RegistrationFound(BaseModel):
    """One registration of a file, under one of its hashes."""

    form: Literal["file_bytes", "canonical_json", "other_byte_form"] = Field(
        description="which hash of the file is registered: of its bytes, of its canonical "
        "JSON form, or of another byte form of the same JSON document lodged here"
    )
    doc_hash: str
    registered_by: str
    registered_by_name: str | None
    registered_at: str = Field(description="the registration block's time, ISO 8601 UTC")
    status: str = Field(description="active, revoked or superseded")
    earliest: bool = Field(
        description="the first registration of the document: the one the answer is about"
    )


_REGISTRATIONS_DOC = (
    "every registration of the file, earliest first: two when both its bytes and its "
    "canonical JSON form are registered (another gateway, or before this gateway refused the "
    "second); the answer is about the earliest, never the later one alone"
)


class HolderPublic(BaseModel):
    """An active financing holding a fingerprint of the file."""

    financing_id: int
    bank: str = Field(description="the financing's bank, as the chain records it")
    bank_name: str | None = Field(
        description="the bank's member name (null: it has none), as the audit's holders and "
        "every other member field's *_name give it"
    )
    made_here: bool = Field(description="this gateway made the financing (the file is lodged here)")


class DocumentExamined(BaseModel):
    """What the gateway read from a file and what the ledger already holds about it."""

    doc_hash: str = Field(
        description="the document the file is: the SHA-256 of its bytes, or of its canonical "
        "JSON form when that is what is registered (see hashed)"
    )
    hashed: Literal["file_bytes", "canonical_json", "other_byte_form"] = Field(
        description="what doc_hash is of (other_byte_form: another file with the same JSON "
        "document, lodged here; this file's own bytes are not registered)"
    )
    tried: list[HashTriedPublic] = Field(description="every hash looked up on the ledger")
    registrations: list[RegistrationFound] = Field(description=_REGISTRATIONS_DOC)
    format: str
    size: int
    doc_type: str
    facts: dict[str, Any] | None
    fingerprints: list[FingerprintPublic] | None = Field(
        description="its keyed fingerprints, each with the active financing holding it; null: "
        "not shown to your role (banks and regulators only, docs/privacy.md)"
    )
    registered: bool
    registration: DocumentPublic | None
    conflicting_financings: list[int] | None = Field(
        description="the active financings holding one of its fingerprints; null: not shown "
        "to your role"
    )
    held_by: list[HolderPublic] | None = Field(
        description="the active financings holding one of its fingerprints, with their banks; "
        "null: not shown to your role"
    )
    matches: list[MatchPublic] = Field(
        description="files this gateway holds that match: among your own files (a regulator: "
        "among every file here)"
    )
    credit_note: bool = Field(description="the file is a credit note (never financeable)")
    suspicious: bool = Field(
        description="it looks like a re-issue or a split of a file held here (never a block)"
    )
    suspicions: list[SuspicionPublic]
    notices: list[NoticePublic]
    financeable_amount: int | None = Field(
        description="an invoice's amount due net of the credit notes lodged here (minor units): "
        "its value as a receivable, not what is left to finance (a pledged invoice keeps it; "
        "read financing_headroom); never negative: 0 when the amount due is negative or zero "
        "or the credit notes cancel it (notice nothing_due says why); from what the invoice's "
        "totals give when that is less than its stated amount due (notice "
        "amount_due_inconsistent)"
    )
    financing_headroom: int | None = Field(
        description="what is left to finance of the invoice (minor units): 0 when it is pledged "
        "(registration.invoice_pledged / invoice_pledged: an active financing locks its "
        "fingerprints) or its document is revoked or superseded (notice document_revoked / "
        "document_superseded: no bank can finance it) or its financeable_amount is 0 (nothing "
        "due, a seller whose identifiers failed their checks: notice nothing_due or "
        "seller_unkeyed; a pro-forma invoice: no_payment_claimed), else financeable_amount; null "
        "when you cannot know whether it is "
        "pledged"
    )
    financing_headroom_counting_own: int | None = Field(
        default=None,
        description="a bank's check: what is left to finance counting what your own active "
        "financings hold on the invoice's re-issues and parts (own_receivable): at most "
        "financing_headroom, at most own_receivable.net_due less own_receivable.held, never "
        "negative; financing_headroom itself when they hold none of its files (financing_headroom "
        "counts this file's fingerprints only: a re-issue or a part has fingerprints of its own)",
    )
    own_receivable: OwnReceivablePublic | None = Field(
        default=None,
        description="a bank's check: the receivable the invoice is a file of, as your own "
        "active financings hold it through its re-issues or parts; null when they hold none of "
        "its files, and for every other caller",
    )
    invoice_pledged: bool | None = Field(
        description="the same as registration.invoice_pledged, also for a file not registered"
    )


class DocumentRegistered(DocumentPublic):
    block: int
    tx_hash: str
    facts: dict[str, Any] | None
    fingerprints: list[FingerprintPublic] | None = Field(
        description="its keyed fingerprints; null: not shown to your role (banks and "
        "regulators only)"
    )
    matches: list[MatchPublic]
    notices: list[NoticePublic] = Field(
        description="what you should know about the file: rejected identifiers, a seller "
        "without a valid identity (no fingerprint: it cannot be financed), a credit note, …"
    )


class BatchRegistered(BaseModel):
    block: int
    tx_hash: str
    documents: list[DocumentExamined]


class Written(BaseModel):
    """Where a write landed."""

    doc_hash: str
    block: int
    tx_hash: str


class Superseded(Written):
    """The supersession: ``doc_hash`` is the document amended (now ``superseded``), as in the
    path; ``new_doc_hash`` the amendment registered in its place (``active``)."""

    doc_hash: str = Field(description="the document amended, as in the path: now superseded")
    new_doc_hash: str = Field(
        description="the amendment, registered with the amended document's type: now active"
    )
    notices: list[NoticePublic] = Field(description="what you should know about the amendment")


class RevokeRequest(RequestBody):
    reason_code: Annotated[
        int,
        Field(
            ge=0,
            le=255,
            description="required (a revocation is irreversible: no reason is assumed): "
            f"0..255; {reason_help(RevocationReason)}; other codes are kept as numbers",
        ),
        JsonInt,
    ]


class AttestRequest(RequestBody):
    evidence: Annotated[
        str,
        Field(
            min_length=1,
            max_length=500,
            description="required: the attestor's own record the document matches (a customs "
            "declaration number, a manifest or warehouse entry) — 64 hex digits of its hash, or "
            "text (hashed with SHA-256); an attestation without evidence would vouch for nothing",
        ),
    ]


class AttestationPublic(BaseModel):
    attestor: str
    attestor_name: str | None = Field(
        default=None, description="the attestor's member name, beside its address (null: none)"
    )
    evidence_hash: str
    block: int
    tx_hash: str
    attested_at: UtcSeconds | None = Field(
        default=None, description="the attestation block's time, ISO 8601 UTC"
    )


class EventPublic(BaseModel):
    event: str
    block: int
    tx_hash: str
    args: dict[str, Any] = Field(
        description="the event's arguments as the chain gives them (enum numbers, 0x hex, Unix "
        "seconds, minor units)"
    )
    fields: dict[str, Any] = Field(
        description="the same, decoded: enum names, currency codes, amounts in major units "
        "beside their currency, ISO 8601 times, reference text, member names beside addresses"
    )
    summary: str = Field(description="the event in one sentence")


class RevocationPublic(BaseModel):
    """Who revoked a document, when and why, from its ``DocumentRevoked`` event."""

    by: str = Field(description="the member that revoked it (its registrant, or an admin)")
    by_name: str | None = Field(description="its name")
    reason_code: int = Field(description=f"0..255: {reason_help(RevocationReason)}")
    reason_name: str = Field(
        description="the reason code's name (an undocumented code: its number as text)"
    )
    at: UtcSeconds = Field(description="when: the revoking block's time")
    block: int
    tx_hash: str


class DocumentDetail(DocumentPublic):
    attestations: list[AttestationPublic]
    financings: list[int] | None = Field(
        description="the ids of the financings pledging it whose sealed terms your key opens, "
        "ascending — to a bank, a regulator, an admin and the document's registrant; [] when you "
        "read none, which does not say that none pledges it (a bank reads its own financings "
        "only: another bank's is confidential; whether an active financing locks the invoice is "
        "invoice_pledged); null: not shown to your role (an enterprise or attestor learns of "
        "the financings of the documents it registered only)"
    )
    history: list[EventPublic] = Field(
        description="in chain order: the document's registration, attestations, revocation or "
        "supersession, pledges and refusals naming it, and the registration, drawdowns, "
        "repayments, closing or cancelling of every financing that pledges it (the financing "
        "events only to those shown its financing; fingerprints and the financing holding "
        "them null except for banks and regulators)"
    )
    held: DocumentExamined | None = Field(
        description="the copy of this file this gateway holds for you, with its matches"
    )
    revocation: RevocationPublic | None = Field(
        description="who revoked it, when and why, when its status is revoked (else null)"
    )


class VerifyResult(BaseModel):
    """Whether a file is registered *and* active; ``status`` says which, first."""

    doc_hash: str = Field(description="the hash that matched (else that of the file's bytes)")
    status: Literal["active", "revoked", "superseded", "not_registered"]
    active: bool = Field(description="registered and in force: the only status to rely on")
    registered: bool
    valid: bool = Field(description="the same as active (kept for older clients)")
    superseded_by: str | None = Field(description="the amended document that replaced it")
    current_version: str | None = Field(description="the end of the chain of amendments")
    current_status: str | None
    current_revocation: RevocationPublic | None = Field(
        description="who revoked the current version, when it is revoked"
    )
    in_force: str | None = Field(
        description="the version to rely on: this document when active, the current version "
        "of a superseded one when that is active; null when no version is in force"
    )
    hashed: Literal["file_bytes", "canonical_json", "other_byte_form"] = Field(
        description="what doc_hash is of (other_byte_form: another file with the same JSON "
        "document, lodged here; this file's own bytes are not registered)"
    )
    tried: list[HashTriedPublic]
    registrations: list[RegistrationFound] = Field(description=_REGISTRATIONS_DOC)
    revocation: RevocationPublic | None
    registration: DocumentPublic | None


# -- conversions -------------------------------------------------------------------------------


def _public(
    reg: docs.Registration,
    facts: dict[str, Any] | None = None,
    *,
    financing_shown: bool = True,
    is_financed: bool | None = None,
    invoice_pledged: bool | None = None,
    seller: sellers.SellerShown | None = None,
    registrant_name: str | None = None,
) -> DocumentPublic:
    """``reg`` for the wire. ``facts``: of a file the caller lodged or sent (the chain keeps no
    face value: whether a document is financed, and for how much, is confidential).
    ``financing_shown``: False withholds ``is_financed`` (the caller may not learn it,
    :func:`_shows_financing`). ``seller``: whether the registrant is shown to be the
    document's seller, compared from the caller's file (:func:`_seller`); None: no copy of the
    file is known to the caller. ``registrant_name``: the registrant's member name, beside its
    address (None: not named)."""
    seller = seller or sellers.SellerShown(None, sellers.NO_COPY_REASON)
    face_value: int | None = None
    currency: str | None = None
    source: Literal["facts"] | None = None
    if facts is not None and isinstance(facts.get("amountMinor"), int) and facts.get("currency"):
        face_value, currency, source = int(facts["amountMinor"]), str(facts["currency"]), "facts"
    return DocumentPublic(
        doc_hash=reg.doc_hash,
        doc_type=reg.doc_type.name.lower(),
        status=reg.status.name.lower(),
        registered_by=reg.registered_by,
        registered_by_name=registrant_name,
        registrant_id=reg.registrant_id,
        registered_at=reg.registered_at,
        currency=currency,
        face_value=face_value,
        face_value_source=source,
        is_financed=is_financed if financing_shown else None,
        invoice_pledged=invoice_pledged,
        successor=reg.successor,
        registrant_is_seller=seller.is_seller,
        registrant_seller_reason=seller.reason,
    )


def _seller(
    ledger: Ledger, reg: docs.Registration, facts: dict[str, Any] | None
) -> sellers.SellerShown:
    """Whether ``reg``'s registrant is shown to be the seller of the document whose facts
    (``DocumentFacts.to_dict``) are ``facts``: of the file the caller sent or lodged — the one
    rule, :func:`ledger.services.sellers.registrant_seller`."""
    return sellers.registrant_seller(
        ledger, reg.registered_by, DocumentFacts.from_dict(facts) if facts else None
    )


def _shows_financing(who: Participant, reg: docs.Registration | None) -> bool:
    return sees_financing(who.role, who.address, reg.registered_by if reg else None)


def _fingerprints(ex: docs.Examined) -> list[FingerprintPublic] | None:
    if not ex.fingerprints_shown:
        return None
    return [
        FingerprintPublic(name=f.name, value=f.value, held_by_financing=f.held_by_financing or None)
        for f in ex.fingerprints
    ]


def _matches(ex: docs.Examined, names: Names) -> list[MatchPublic]:
    return [
        MatchPublic(
            grade=m.grade,
            doc_hash=m.doc_hash,
            received_by=m.received_by,
            received_by_name=names.member(m.received_by),
            agree=list(m.agree),
            differ=list(m.differ),
            registered=m.registered,
            lodged_by=list(m.lodged_by),
            status=cast(Literal["active", "revoked", "superseded"] | None, m.status),
        )
        for m in ex.matches
    ]


def _tried(ex: docs.Examined) -> list[HashTriedPublic]:
    return [
        HashTriedPublic(form=t.form.value, doc_hash=t.doc_hash, registered=t.registered)
        for t in ex.tried
    ]


def _notices(ex: docs.Examined) -> list[NoticePublic]:
    return [NoticePublic.of(n) for n in ex.notices]


class _Ask(Enum):
    """:func:`examined` reads whether the document is financed itself (none was given)."""

    ASK = 0


def examined(
    ledger: Ledger,
    ex: docs.Examined,
    who: Participant,
    financed: bool | Literal[_Ask.ASK] | None = _Ask.ASK,
    names: LedgerNames | None = None,
) -> DocumentExamined:
    """``ex`` for the wire, as ``who`` may see it (its fingerprints and holders were withheld
    by the service already for a role without them): the answer of ``POST /v1/documents/check``
    and ``/receive`` (and of ``tradeledger doc check`` / ``doc receive --json``). ``names``:
    the members' names a batch's answers share (default: read for this answer)."""
    shown = ex.fingerprints_shown
    names = names or LedgerNames(ledger)  # the banks of held_by, by name beside their address
    registration = None
    if ex.registration is not None:
        reg = ex.registration
        financing_shown = _shows_financing(who, reg)
        is_financed = _financed(ledger, ex, who) if financed is _Ask.ASK else financed
        ex = docs.with_financed(
            ledger, ex, is_financed if financing_shown else None, who.address, who.role
        )
        registration = _public(
            reg,
            ex.facts,
            financing_shown=financing_shown,
            is_financed=is_financed,
            invoice_pledged=ex.pledged,
            seller=ex.registrant_seller or _seller(ledger, reg, ex.facts),
            registrant_name=names.member(reg.registered_by),
        )
    return DocumentExamined(
        doc_hash=ex.doc_hash,
        hashed=ex.hashed.value,
        tried=_tried(ex),
        registrations=[
            RegistrationFound(**f)
            for f in verify_svc.registrations_fields(ledger, ex.registrations)
        ],
        format=ex.format,
        size=ex.size,
        doc_type=ex.doc_type.name.lower(),
        facts=ex.facts,
        fingerprints=_fingerprints(ex),
        registered=ex.registration is not None,
        registration=registration,
        # unknown holders (issue #18: not a bank, or the evaluator is down) are null, never []
        conflicting_financings=ex.conflicting_financings if shown and ex.holders_known else None,
        held_by=[
            HolderPublic(
                financing_id=h.financing_id,
                bank=h.bank,
                bank_name=names.member(h.bank),
                made_here=h.made_here,
            )
            for h in ex.holders
        ]
        if shown and ex.holders_known
        else None,
        matches=_matches(ex, names),
        credit_note=bool((ex.facts or {}).get("creditNote")),
        suspicious=ex.suspicious,
        suspicions=[
            SuspicionPublic(
                kind=x.kind,
                reasons=list(x.reasons),
                documents=list(x.documents),
                document_statuses=[NamedStatusPublic(**n.to_dict()) for n in x.statuses],
                financings=list(x.financings),
                matching_facts=list(x.matching_facts),
                own_financings=list(x.own_financings),
            )
            for x in ex.suspicions
        ],
        notices=_notices(ex),
        financeable_amount=ex.financeable_amount,
        financing_headroom=ex.financing_headroom,
        financing_headroom_counting_own=ex.headroom_counting_own,
        own_receivable=_own_receivable(ex.own_receivable),
        invoice_pledged=ex.pledged,
    )


def _own_receivable(own: OwnReceivable | None) -> OwnReceivablePublic | None:
    if own is None:
        return None
    return OwnReceivablePublic(
        kind=own.kind,
        currency=own.currency,
        role=own.role,
        amount_due=own.amount_due,
        credited=own.credited,
        net_due=own.net_due,
        held=own.held,
        beyond_due=own.beyond_due,
        financing_ids=list(own.financing_ids),
        holdings=[OwnHoldingPublic(**h.to_dict()) for h in own.holdings],
    )


def _financed(ledger: Ledger, ex: docs.Examined, who: Participant) -> bool | None:
    """Whether the examined document is financed, as ``who`` may learn it
    (:func:`ledger.services.documents.is_financed`; computed by the service for an examined
    file, here for a held copy)."""
    return _financed_many(ledger, [ex], who)[0]


def _financed_many(
    ledger: Ledger, exs: Sequence[docs.Examined], who: Participant
) -> list[bool | None]:
    """:func:`_financed` of each of ``exs``, with one read for them all
    (:func:`ledger.services.documents.financed_of`: a batch's answer, issue #16)."""
    answers: list[bool | None] = [ex.financed for ex in exs]
    asked: list[tuple[int, bytes, str | None]] = [
        (i, docs.parse_doc_hash(ex.doc_hash), ex.registration.registered_by)
        for i, ex in enumerate(exs)
        if ex.financed is None
        and ex.registration is not None
        and _shows_financing(who, ex.registration)
    ]
    if asked:
        found = docs.financed_of(
            ledger, [(doc, registrant) for _, doc, registrant in asked], who.address, who.role
        )
        for (i, _, _), answer in zip(asked, found, strict=True):
            answers[i] = answer
    return answers


def _withheld(event: docs.DocumentEvent, names: LedgerNames) -> docs.DocumentEvent:
    """``event`` without fingerprints and the financing holding them (a role without them)."""
    args, fields, summary = withhold_event(
        event.event, event.args, event.fields, event.summary, names
    )
    return replace(event, args=args, fields=fields, summary=summary)


def _doc_type(text: str | None) -> DocType | None:
    """The type named by ``text``; None when it was not given. An empty name is no type: it
    raises InvalidInput naming ``doc_type`` and the allowed names."""
    return None if text is None else DocType.parse(text, "doc_type")


def _read(file: UploadFile) -> bytes:
    return file.file.read(docs.MAX_FILE_BYTES + 1)


def _filename(file: UploadFile, field: str = "file") -> str | None:
    """The name an upload was sent with, to keep beside the file: refused (422 naming the
    upload's ``field``) when it holds a control character (``"\x1b[31mred.xml"``)."""
    refuse_control_in_filename(file.filename, field)
    return file.filename


def _registered(
    ledger: Ledger,
    ex: docs.Examined,
    receipt: docs.Receipt,
    reg: docs.Registration,
    who: Participant,
) -> DocumentRegistered:
    shown = _shows_financing(who, reg)
    financed = (
        ex.financed
        if ex.financed is not None
        else docs.is_financed(
            ledger, docs.parse_doc_hash(reg.doc_hash), who.address, who.role, reg.registered_by
        )
    )
    # the same invoice_pledged whether the registration was answered first or retried
    ex = docs.with_financed(ledger, ex, financed if shown else None, who.address, who.role)
    names = LedgerNames(ledger)
    return DocumentRegistered(
        **_public(
            reg,
            ex.facts,
            financing_shown=shown,
            is_financed=financed,
            invoice_pledged=ex.pledged,
            seller=ex.registrant_seller or _seller(ledger, reg, ex.facts),
            registrant_name=names.member(reg.registered_by),
        ).model_dump(),
        block=receipt.block,
        tx_hash=receipt.tx_hash,
        facts=ex.facts,
        fingerprints=_fingerprints(ex),
        matches=_matches(ex, names),
        notices=_notices(ex),
    )


# -- routes ------------------------------------------------------------------------------------


#: the ``Prefer`` header of a registration (``api/respond_async.py``)
PreferHeader = Annotated[
    str | None,
    Header(
        description="`respond-async` (RFC 7240), with an `Idempotency-Key`: answer 202 as soon "
        "as the registration's transaction is sent; the same request sent again with the same "
        "key answers its outcome (201, or the refusal)"
    ),
]


def _hashes(data: Sequence[bytes]) -> list[str]:
    """What each file is registered as: the SHA-256 of its bytes (0x hex)."""
    return ["0x" + sha256(d).hexdigest() for d in data]


def _at_document(hashes: list[str]) -> str:
    return f"/v1/documents/{hashes[0]}"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DocumentRegistered,
    responses=accepted_responses(),
)
async def register_document(
    request: Request,
    ledger: LedgerDep,
    participant: ParticipantDep,
    file: FileField,
    write_key: WriteKeyDep,
    doc_type: DocTypeField = None,
    prefer: PreferHeader = None,
) -> Any:
    """Register a file by its SHA-256, signed by the caller's key. The gateway reads the file,
    keeps its facts and keyed fingerprints as a file the caller handed it, and returns them
    with the matches against what it already held (201). With `Prefer: respond-async` and an
    `Idempotency-Key`: 202 once the transaction is sent (docs/api.md)."""
    require(participant, "document.register", "register a document")
    read: list[bytes] = []

    def work() -> DocumentRegistered:
        read.append(_read(file))
        ex, receipt, reg = docs.register_file(
            ledger,
            participant.address,
            participant.role,
            read[0],
            _filename(file),
            doc_type,
            idempotency_key=write_key,
            via=Via("register", "POST /v1/documents", limited=True),
        )
        return _registered(ledger, ex, receipt, reg, participant)

    return await respond(
        request, ledger, participant.address, work, lambda: _hashes(read), _at_document
    )


async def _sent_body(request: Request) -> bytes:
    """The body as the client sent it (read already: the request keeps it)."""
    return await request.body()


@router.post(
    "/json",
    status_code=status.HTTP_201_CREATED,
    response_model=DocumentRegistered,
    responses=accepted_responses(),
)
async def register_json_form(
    request: Request,
    ledger: LedgerDep,
    participant: ParticipantDep,
    write_key: WriteKeyDep,
    sent: Annotated[bytes, Depends(_sent_body)],
    form: Annotated[
        dict[str, Any],
        Body(
            description="a document in the tradeledger JSON form (docs/documents.md); it is "
            "registered as its canonical bytes (sorted keys, no whitespace, UTF-8)",
            examples=[
                {
                    "documentType": "BillOfLading",
                    "documentNumber": "MAEU-123456789",
                    "issueDate": "2024-03-01",
                    "issuer": {"id": "DE136695976", "scheme": "VAT"},
                }
            ],
        ),
    ],
    prefer: PreferHeader = None,
) -> Any:
    """Register a document given as JSON facts (the JSON form of ``ledger.documents``). A body
    that is not a JSON form (no ``documentType``) is refused before anything is written, and so
    is a form not written as the form is: a key it does not have (at any depth), a text field
    given as a JSON number, a currency not in upper case (422 naming its JSON path;
    docs/documents.md, "JSON form")."""
    require(participant, "document.register", "register a document")
    if "documentType" not in form:
        raise InvalidInput("documentType", "the body must be a JSON form with a documentType")
    formed: list[bytes] = []

    def work() -> DocumentRegistered:  # in a worker thread: the reads below parse up to 1 MiB
        try:
            docs.read_sent_form(sent)  # each fault as an upload of the same text is told it
            docs.refuse_rounded_numbers(form)  # registered as its canonical bytes: never rounded
        except InvalidInput as exc:
            if exc.field != FILE:
                raise
            # the form as a whole is this route's body, not an uploaded file
            details = {k: v for k, v in exc.details.items() if k not in ("field", "rule")}
            raise type(exc)("body", exc.rule, **details) from None
        formed.append(docs.canonical_json(form))
        ex, receipt, reg = docs.register_file(
            ledger,
            participant.address,
            participant.role,
            formed[0],
            "form.json",
            idempotency_key=write_key,
            via=Via("register", "POST /v1/documents/json", limited=True),
            sent=sent,  # a refusal quotes the form as written (1e3), not its canonical bytes
        )
        return _registered(ledger, ex, receipt, reg, participant)

    return await respond(
        request, ledger, participant.address, work, lambda: _hashes(formed), _at_document
    )


@router.post(
    "/batch",
    status_code=status.HTTP_201_CREATED,
    response_model=BatchRegistered,
    responses=accepted_responses(),
)
async def register_batch(
    request: Request,
    ledger: LedgerDep,
    participant: ParticipantDep,
    files: Annotated[list[UploadFile], File(description="the document files (1..256)")],
    write_key: WriteKeyDep,
    doc_type: DocTypeField = None,
    prefer: PreferHeader = None,
) -> Any:
    """Register many files in one transaction (contract ``registerDocuments``): all or none
    (201). With `Prefer: respond-async` and an `Idempotency-Key`: 202 once the transaction is
    sent (docs/api.md)."""
    require(participant, "document.register", "register documents")
    read: list[bytes] = []

    def work() -> BatchRegistered:
        named = [(_read(f), _filename(f, f"files[{i}]")) for i, f in enumerate(files)]
        read.extend(data for data, _ in named)
        exs, receipt = docs.register_files(
            ledger,
            participant.address,
            participant.role,
            named,
            doc_type,
            idempotency_key=write_key,
            via=Via("register", "POST /v1/documents/batch", limited=True),
        )
        financed = _financed_many(ledger, exs, participant)  # one read for the batch
        names = LedgerNames(ledger)  # every file's registrant named once
        return BatchRegistered(
            block=receipt.block,
            tx_hash=receipt.tx_hash,
            documents=[
                examined(ledger, e, participant, f, names)
                for e, f in zip(exs, financed, strict=True)
            ],
        )

    return await respond(request, ledger, participant.address, work, lambda: _hashes(read))


@router.post("/receive", response_model=DocumentExamined, responses=errors(429))
def receive_document(
    ledger: LedgerDep,
    participant: ParticipantDep,
    file: FileField,
    doc_type: DocTypeField = None,
) -> DocumentExamined:
    """Lodge a file the caller received (e.g. the invoice a bank is asked to finance) without
    registering it: the gateway keeps its facts and fingerprints so a financing can pledge it,
    under the document the file is (a JSON file registered through ``/v1/documents/json`` is
    lodged under that registration's hash: ``doc_hash``, ``hashed``). Its fingerprints are
    evaluated like ``/check``'s: logged, rate-limited per participant (429), and shown with
    their holders to banks and regulators only."""
    return examined(
        ledger,
        docs.receive(
            ledger,
            participant.address,
            participant.role,
            _read(file),
            _filename(file),
            doc_type,
            via=Via("receive", "POST /v1/documents/receive", limited=True),
        ),
        participant,
    )


@router.post("/check", response_model=DocumentExamined, responses=errors(429))
def check_document(
    ledger: LedgerDep, participant: ParticipantDep, file: FileField
) -> DocumentExamined:
    """Read a file and say what the ledger already holds about it (no write): its facts,
    whether it is registered (by its bytes, or — a JSON file — by its canonical JSON form, as
    verify finds it: ``hashed``), graded matches against your files at this gateway (a
    regulator's: every file here), and notices. To banks and regulators also its fingerprints,
    which active financings hold one of them and whose they are; to the member that registered
    the document, whether it is financed (``registration.is_financed``); to the others nothing
    about its financing (docs/privacy.md). Every check is logged for the regulator
    (``GET /v1/audit/fingerprint-checks``) and counts towards the caller's limit, whatever its
    role (``TRADELEDGER_FINGERPRINT_CHECK_LIMIT`` per ``…_WINDOW`` seconds: 429 past it); only
    a bank's evaluates the fingerprints of a file with facts."""
    _, ex = docs.examine(
        ledger,
        _read(file),
        participant.address,
        participant.role,
        via=Via("check", "POST /v1/documents/check", limited=True),
    )
    return examined(ledger, ex, participant)


@router.post("/verify", response_model=VerifyResult)
def verify_document(
    ledger: LedgerDep,
    participant: ParticipantDep,
    file: Annotated[UploadFile, File(description="the file to verify")],
) -> VerifyResult:
    """Is this file registered *and* active (``status``: active, revoked, superseded — with
    ``superseded_by`` — or not_registered), by whom and when? The file's bytes are hashed; when
    unknown and the file is a JSON object, its canonical JSON form too (``hashed`` says which
    matched). No write."""
    return verify_result(verify_svc.verify_file(ledger, _read(file)), participant)


def verify_result(v: verify_svc.Verification, who: Participant) -> VerifyResult:
    """The answer of ``POST /v1/documents/verify`` (and ``tradeledger doc verify --json``):
    the status first, then the registration as ``who`` may see it."""
    reg = v.registration
    return VerifyResult(
        **v.summary(),
        valid=v.active,
        registration=(
            _public(
                reg,
                financing_shown=_shows_financing(who, reg),
                seller=v.registrant_seller,
                registrant_name=dict(v.names).get(reg.registered_by),
            )
            if reg
            else None
        ),
    )


@router.get("/{doc_hash}", response_model=DocumentDetail)
def get_document(ledger: LedgerDep, participant: HistoryReaderDep, doc_hash: str) -> DocumentDetail:
    """Provenance (who registered it, when), status, attestations, financings, history, and the
    copy this gateway holds for the caller with its matches. The financings and their events
    only to those who may learn of the document's financing (banks, regulators, admins, its
    registrant); fingerprints and their holders to banks and regulators only. A member not
    active on chain reads only the documents it registered (403 ``member_suspended``)."""
    parsed = docs.parse_doc_hash(doc_hash)
    if not participant.active:
        own_history_only(participant, docs.get_registration(ledger, parsed).registered_by, "it")
    if participant.role == "enterprise" and ledger.event_index is not None:
        # which financings an enterprise reads changes with a share (TermsShared), not with a
        # new financing: the index is caught up (bounded) so a share answered a moment ago is
        # in the record (a tryout's seller read the shared financing elsewhere, not here)
        catch_up_for_read(ledger.event_index)
    return document_detail(ledger, parsed, participant)


def document_detail(ledger: Ledger, parsed: bytes, participant: Participant) -> DocumentDetail:
    """The answer of ``GET /v1/documents/{doc_hash}`` (and ``tradeledger doc show --json``) for
    ``participant``: what :func:`ledger.services.documents.detail` gives, with the financings
    and their events only when it may learn of the document's financing, fingerprints only for
    banks and regulators. A participant of no role (``tradeledger doc show`` without ``--as``)
    is given the public part, and the copy held here as a regulator reads it (its fingerprints
    and holders when a bank lodged it, as ``doc check`` without ``--as``). Raises NotFound for
    an unregistered hash."""
    names = LedgerNames(ledger)
    d = docs.detail(ledger, parsed, participant.address, participant.role or "regulator", names)
    # a member whose key opens a financing's terms (sealed or shared to it) is shown that
    # financing — ``d.financings`` and its events are only those it reads (a tryout: an
    # enterprise the bank shared a financing with found nothing of it on the document)
    shows_financing = _shows_financing(participant, d.registration) or bool(d.financings)
    financed = (
        docs.is_financed(
            ledger, parsed, participant.address, participant.role, d.registration.registered_by
        )
        if shows_financing
        else None
    )
    history = [e for e in d.history if shows_financing or e.event not in FINANCING_EVENTS]
    if not sees_fingerprints(participant.role):
        history = [_withheld(e, names) for e in history]
    return DocumentDetail(
        **_public(
            d.registration,
            d.held.facts if d.held else None,
            financing_shown=shows_financing,
            is_financed=financed,
            invoice_pledged=docs.pledged_in_view(d, financed, participant.role),
            # from the copy of the file the caller lodged here (none: it cannot be told)
            seller=_seller(ledger, d.registration, d.held.facts) if d.held else None,
            registrant_name=names.member(d.registration.registered_by),
        ).model_dump(),
        attestations=[
            AttestationPublic(
                attestor=a.attestor,
                attestor_name=names.member(a.attestor),
                evidence_hash=a.evidence_hash,
                block=a.block,
                tx_hash=a.tx_hash,
                attested_at=a.attested_at,
            )
            for a in d.attestations
        ],
        financings=list(d.financings) if shows_financing else None,
        history=[
            EventPublic(
                event=e.event,
                block=e.block,
                tx_hash=e.tx_hash,
                args=e.args,
                fields=e.fields,
                summary=e.summary,
            )
            for e in history
        ],
        held=examined(ledger, d.held, participant) if d.held else None,
        revocation=RevocationPublic(**d.revocation.fields()) if d.revocation else None,
    )


@router.get("/{doc_hash}/proof", response_model=proof_svc.Proof)
def document_proof(
    ledger: LedgerDep, participant: HistoryReaderDep, doc_hash: str
) -> proof_svc.Proof:
    """A proof bundle of the document (docs/proofs.md): its hash, the chain and contract, the
    registration transaction, block and time, the registrant's member record, its status as of
    the head block and its attestations — everything a third party needs to check it against
    any node of the chain without trusting this gateway (``tradeledger doc verify-proof PROOF
    FILE --rpc URL``). Made from the hash alone, so ``document.hash.of`` is null: a verifier
    hashes the file's bytes and, for a JSON file, its canonical JSON form. Any active member may
    ask: every fact in it is on chain. A member not active on chain (suspended) may ask for the
    proofs of the documents it registered, its own history, and no other (403
    ``member_suspended``), as for ``GET /v1/documents/{hash}``."""
    parsed = docs.parse_doc_hash(doc_hash)
    if not participant.active:
        owner = docs.get_registration(ledger, parsed).registered_by
        own_history_only(participant, owner, "the proof of another member's document")
    return proof_svc.make_proof(ledger, parsed)


class OpenAttestationRegistered(BaseModel):
    """Where a wrapped OpenAttestation document's Merkle root was registered."""

    doc_hash: str = Field(description="the Merkle root, as registered (revoke it by this hash)")
    merkle_root: str = Field(description="signature.merkleRoot of the wrapped document")
    target_hash: str = Field(description="signature.targetHash of the wrapped document")
    document_store: str = Field(description="this ledger's contract, as the document names it")
    doc_type: str
    block: int
    tx_hash: str
    registration: DocumentPublic


@router.post(
    "/openattestation",
    status_code=status.HTTP_201_CREATED,
    response_model=OpenAttestationRegistered,
)
def register_openattestation(
    ledger: LedgerDep,
    participant: ParticipantDep,
    write_key: WriteKeyDep,
    document: Annotated[
        dict[str, Any],
        Body(
            description="a wrapped OpenAttestation v2 (TradeTrust) document whose issuers name "
            "this ledger's contract (GET /health: contract) as their documentStore"
        ),
    ],
    doc_type: Annotated[
        str | None,
        Query(
            description="invoice, bill_of_lading, … (lower case); default: $template.name, "
            "else other",
            json_schema_extra=enum_schema(DocType),
        ),
    ] = None,
) -> OpenAttestationRegistered:
    """Register a wrapped OpenAttestation v2 document by its Merkle root, signed by the
    caller's key, so that the TradeTrust verifiers (tt-verify, oa-verify) pointed at this
    chain report it issued — and revoked after ``POST /v1/documents/{merkle_root}/revoke``.
    The gateway checks the document's shape and its documentStore, not its Merkle tree (the
    verifier does) and keeps no copy of it. Issuer identity (DNS-TXT) is not covered."""
    require(participant, "document.register", "register a document")
    done = oa.register_wrapped(
        ledger, participant.address, document, _doc_type(doc_type), idempotency_key=write_key
    )
    return OpenAttestationRegistered(
        doc_hash=done.registration.doc_hash,
        merkle_root=done.registration.doc_hash,
        target_hash=done.document.target_hash,
        document_store=done.document.document_stores[0],
        doc_type=done.doc_type.name.lower(),
        block=done.receipt.block,
        tx_hash=done.receipt.tx_hash,
        registration=_public(
            done.registration,
            registrant_name=LedgerNames(ledger).member(done.registration.registered_by),
            seller=sellers.SellerShown(
                None,
                "cannot be told: an OpenAttestation document is registered by its Merkle root "
                "and the gateway reads no seller from it",
            ),
        ),
    )


@router.post("/{doc_hash}/revoke", response_model=Written)
def revoke_document(
    ledger: LedgerDep,
    participant: ParticipantDep,
    doc_hash: str,
    write_key: WriteKeyDep,
    body: RevokeRequest,
) -> Written:
    """Revoke a document: its registrant, or an admin. The reason code is required (422 naming
    ``reason_code`` without one)."""
    require(participant, "document.revoke", "revoke a document")
    parsed = docs.parse_doc_hash(doc_hash)
    receipt = docs.revoke(
        ledger, participant.address, parsed, body.reason_code, idempotency_key=write_key
    )
    return Written(doc_hash=docs.hex32(parsed), block=receipt.block, tx_hash=receipt.tx_hash)


@router.post(
    "/{doc_hash}/supersede", status_code=status.HTTP_201_CREATED, response_model=Superseded
)
def supersede_document(
    ledger: LedgerDep,
    participant: ParticipantDep,
    doc_hash: str,
    file: FileField,
    write_key: WriteKeyDep,
) -> Superseded:
    """Replace a document by an amended file (registered with the same type): its registrant."""
    require(participant, "document.supersede", "supersede a document")
    parsed = docs.parse_doc_hash(doc_hash)
    ex, receipt = docs.supersede_with_file(
        ledger,
        participant.address,
        participant.role,
        parsed,
        _read(file),
        _filename(file),
        idempotency_key=write_key,
        via=Via("supersede", "POST /v1/documents/{doc_hash}/supersede", limited=True),
    )
    return Superseded(
        doc_hash=docs.hex32(parsed),
        new_doc_hash=ex.doc_hash,
        block=receipt.block,
        tx_hash=receipt.tx_hash,
        notices=_notices(ex),
    )


@router.post("/{doc_hash}/attest", status_code=status.HTTP_201_CREATED, response_model=Written)
def attest_document(
    ledger: LedgerDep,
    participant: ParticipantDep,
    doc_hash: str,
    write_key: WriteKeyDep,
    body: AttestRequest,
) -> Written:
    """Attest that the document matches the attestor's own record (customs, carrier, warehouse):
    ``evidence`` is required (422 naming it when missing or blank)."""
    require(participant, "document.attest", "attest a document")
    parsed = docs.parse_doc_hash(doc_hash)
    receipt = docs.attest(
        ledger, participant.address, parsed, body.evidence, idempotency_key=write_key
    )
    return Written(doc_hash=docs.hex32(parsed), block=receipt.block, tx_hash=receipt.tx_hash)


# -- lists and searches -------------------------------------------------------------------------
# A router of their own, included before ``router``: ``/v1/documents/lodged`` must be matched
# before ``/v1/documents/{doc_hash}``.

listing = APIRouter(prefix="/v1/documents", tags=["documents"], route_class=WrittenNumbersRoute)

#: roles that may list every member's registrations; the others list their own
LIST_ALL_ROLES = docs.LIST_ALL_ROLES


class DocumentListed(BaseModel):
    """A registration, as the event index holds it (``GET /v1/documents/{doc_hash}`` has
    everything around it)."""

    doc_hash: str
    doc_type: str
    status: str = Field(description="active, revoked or superseded")
    registered_by: str
    registered_at: UtcSeconds = Field(description="the registration block's time")
    registered_block: int
    successor: str | None = Field(description="the document that superseded this one")
    revoke_reason: int | None = Field(description="the reason code of a revocation")
    revoke_reason_name: str | None = Field(
        default=None,
        description="what the reason code means: "
        f"{reason_help(RevocationReason)}; an undocumented code is its number",
    )


class DocumentListPage(BaseModel):
    items: list[DocumentListed]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null: done")
    indexed_block: int = Field(description="the list is complete up to this block")
    notices: list[AddressRotated] = Field(default_factory=list, description=ROTATED_NOTICES)


class LodgedPublic(BaseModel):
    """A file you handed this gateway (received or registered): what it was read as."""

    doc_hash: str
    format: str = Field(description="raw, ubl, cii, facturx or json")
    doc_type: str
    credit_note: bool = Field(
        description="the file is a credit note (EN 16931 BT-3 381 and the like: its doc_type "
        "is invoice, as every credit note's; never financeable)"
    )
    size: int = Field(description="bytes")
    filename: str | None
    received_at: UtcMicroseconds = Field(
        description="when this gateway received the file (its own clock, to the microsecond)"
    )
    facts: dict[str, Any] | None = Field(
        description="the key facts read from the file (number BT-1, seller, buyer, amount)"
    )


class LodgedPage(BaseModel):
    items: list[LodgedPublic]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null: done")


ListCursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
ListLimit = Annotated[int, Query(ge=1, le=docs.MAX_LIST_LIMIT)]


@listing.get("", response_model=DocumentListPage)
def list_documents(
    index: IndexDep,
    participant: HistoryReaderDep,
    registrant: Annotated[
        str | None,
        Query(
            description="the registrant's address; default for banks, enterprises and "
            "attestors: the caller (they list their own registrations only)"
        ),
    ] = None,
    doc_type: Annotated[
        str | None,
        Query(
            alias="type",
            description="invoice, bill_of_lading, warehouse_receipt, … (lower case)",
            json_schema_extra=enum_schema(DocType),
        ),
    ] = None,
    status: Annotated[
        str | None,
        Query(
            description="active, revoked or superseded",
            json_schema_extra=enum_schema(DocStatus),
        ),
    ] = None,
    registered_from: Annotated[
        str | None,
        Query(alias="from", description="registered at or after (ISO 8601 or Unix seconds)"),
    ] = None,
    registered_to: Annotated[
        str | None,
        Query(alias="to", description="registered at or before (ISO 8601 or Unix seconds)"),
    ] = None,
    cursor: ListCursor = None,
    limit: ListLimit = docs.DEFAULT_LIST_LIMIT,
) -> DocumentListPage:
    """Registrations, oldest first, filtered by registrant, type, status and registration
    time; paginated by cursor. REGULATOR and ADMIN list everyone's; the other roles — and any
    member not active on chain — their own (another ``registrant`` is a 403)."""
    where = docs.DocumentFilter.parse(registrant, doc_type, status, registered_from, registered_to)
    # a registrant named by an address it rotated away from: the member's, at its address now
    rotated = retired_registrant(index, where, "registrant")
    if rotated:
        where = replace(where, registrant=rotated[0].rotated_to)
    if not participant.active:
        own_history_only(participant, where.registrant or participant.address, "them")
        where = replace(where, registrant=participant.address)
    else:  # the rule tradeledger doc list --as keeps too
        where = docs.registrations_for(where, participant.role, participant.address)
    return document_list_page(docs.list_documents(index, where, cursor, limit), rotated)


def retired_registrant(
    index: EventIndex, where: docs.DocumentFilter, field: str
) -> list[retired.Retired]:
    """The ``Retired`` of ``where.registrant`` when it is an address a member rotated its key
    away from (the index caught up first, as the list reads it): [] otherwise."""
    if where.registrant is None:
        return []
    catch_up_for_read(index, docs.LIST_CATCH_UP_RANGES)
    return retired.resolve_in(index, where.registrant, field)[1]


def document_list_page(
    page: docs.DocumentPage, rotated: Sequence[retired.Retired] = ()
) -> DocumentListPage:
    """The answer of ``GET /v1/documents`` (and ``tradeledger doc list --json``)."""
    return DocumentListPage(
        notices=rotated_notices(rotated),
        items=[
            DocumentListed(
                doc_hash=d.doc_hash,
                doc_type=d.doc_type.name.lower(),
                status=d.status.name.lower(),
                registered_by=d.registered_by,
                registered_at=d.registered_at,
                registered_block=d.registered_block,
                successor=d.successor,
                revoke_reason=d.revoke_reason,
                revoke_reason_name=(
                    reason_name(RevocationReason, d.revoke_reason)
                    if d.revoke_reason is not None
                    else None
                ),
            )
            for d in page.items
        ],
        next_cursor=page.next_cursor,
        indexed_block=page.indexed_block,
    )


@listing.get("/lodged", response_model=LodgedPage)
def search_lodged(
    ledger: LedgerDep,
    participant: HistoryReaderDep,
    invoice_number: Annotated[
        str | None,
        Query(
            max_length=docs.MAX_SEARCH_TEXT,
            description="the document number (BT-1), compared normalised: INV-0042 finds INV42",
        ),
    ] = None,
    seller: Annotated[
        str | None,
        Query(
            max_length=docs.MAX_SEARCH_TEXT,
            description="the seller's VAT id (BT-31) or another identifier, or part of its "
            "name (BT-27)",
        ),
    ] = None,
    buyer: Annotated[
        str | None,
        Query(
            max_length=docs.MAX_SEARCH_TEXT,
            description="the buyer's VAT id (BT-48) or another identifier, or part of its "
            "name (BT-44)",
        ),
    ] = None,
    cursor: ListCursor = None,
    limit: ListLimit = docs.DEFAULT_LIST_LIMIT,
) -> LodgedPage:
    """The files you handed this gateway (received or registered), oldest first, matching
    every given criterion; paginated by cursor. Only ever your own files, whatever your role."""
    return lodged_page(
        docs.search_lodged(
            ledger, participant.address, invoice_number, seller, buyer, cursor, limit
        )
    )


def lodged_page(page: docs.LodgedPage) -> LodgedPage:
    """The answer of ``GET /v1/documents/lodged`` (and ``tradeledger doc search --json``)."""
    return LodgedPage(
        items=[
            LodgedPublic(
                doc_hash=d.doc_hash,
                format=d.format,
                doc_type=d.doc_type,
                credit_note=bool(d.facts and d.facts.get("creditNote")),
                size=d.size,
                filename=d.filename,
                received_at=d.received_at,
                facts=d.facts,
            )
            for d in page.items
        ],
        next_cursor=page.next_cursor,
    )
