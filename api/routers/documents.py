"""Documents: lodge, check, register (file, JSON form, batch), read, revoke, supersede, attest,
verify."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Form, UploadFile, status
from pydantic import BaseModel, Field

from api.deps import LedgerDep, ParticipantDep, require
from ledger.errors import InvalidInput
from ledger.services import documents as docs
from ledger.services.roles import DocType

router = APIRouter(prefix="/v1/documents", tags=["documents"])

FileField = Annotated[UploadFile, File(description="the document file")]
DocTypeField = Annotated[
    str | None,
    Form(description="invoice, bill_of_lading, …; default: detected from the file, else other"),
]


# -- models -----------------------------------------------------------------------------------


class FinancedPublic(BaseModel):
    """What the chain fixed when the document was first financed."""

    currency: str = Field(description="ISO 4217 code of every financing of this document")
    face_value: int = Field(description="the face value the first financing recorded, minor units")
    financed_amount: int = Field(
        description="the amount active financings hold now, minor units (0 once released)"
    )


class DocumentPublic(BaseModel):
    """A document's on-chain registration, with its face value where the caller may see it."""

    doc_hash: str
    doc_type: str
    status: str
    registered_by: str
    registrant_id: int
    registered_at: datetime
    currency: str | None = Field(
        description="ISO 4217; see face_value_source. Null when neither the chain nor a file "
        "the caller lodged says it"
    )
    face_value: int | None = Field(
        description="minor units; see face_value_source. Null (never a placeholder 0) when "
        "neither the chain nor a file the caller lodged says it"
    )
    face_value_source: Literal["chain", "facts"] | None = Field(
        description="chain: fixed on chain by the first financing; facts: read from the file "
        "the caller lodged (EN 16931 BT-115), the document not yet financed"
    )
    financed: FinancedPublic | None = Field(
        description="the chain's financing record of the document; null: not yet financed"
    )
    financed_amount: int = Field(description="held by active financings, minor units")
    successor: str | None


class FingerprintPublic(BaseModel):
    name: str = Field(description="what the fingerprint covers, e.g. seller_number:VAT")
    value: str
    held_by_financing: int | None = Field(
        description="the active financing holding this fingerprint on chain, if any"
    )


class MatchPublic(BaseModel):
    grade: str = Field(description="identical, same_document or altered")
    doc_hash: str
    received_by: str
    agree: list[str]
    differ: list[str]
    registered: bool


class DocumentExamined(BaseModel):
    """What the gateway read from a file and what the ledger already holds about it."""

    doc_hash: str
    format: str
    size: int
    doc_type: str
    facts: dict[str, Any] | None
    fingerprints: list[FingerprintPublic]
    registered: bool
    registration: DocumentPublic | None
    conflicting_financings: list[int]
    matches: list[MatchPublic]


class DocumentRegistered(DocumentPublic):
    block: int
    tx_hash: str
    facts: dict[str, Any] | None
    fingerprints: list[FingerprintPublic]
    matches: list[MatchPublic]


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
    new_doc_hash: str


class RevokeRequest(BaseModel):
    reason_code: Annotated[int, Field(ge=0, le=255)] = 0


class AttestRequest(BaseModel):
    evidence: Annotated[
        str | None,
        Field(
            max_length=500,
            description="the attestor's own record: 64 hex digits, or text (hashed with SHA-256)",
        ),
    ] = None


class AttestationPublic(BaseModel):
    attestor: str
    evidence_hash: str
    block: int
    tx_hash: str


class EventPublic(BaseModel):
    event: str
    block: int
    tx_hash: str
    args: dict[str, Any]


class DocumentDetail(DocumentPublic):
    attestations: list[AttestationPublic]
    financings: list[int]
    history: list[EventPublic]
    held: DocumentExamined | None = Field(
        description="the copy of this file this gateway holds for you, with its matches"
    )


class VerifyResult(BaseModel):
    doc_hash: str
    registered: bool
    valid: bool
    registration: DocumentPublic | None


# -- conversions -------------------------------------------------------------------------------


def _public(reg: docs.Registration, facts: dict[str, Any] | None = None) -> DocumentPublic:
    """``reg`` for the wire. ``facts``: of a file the caller lodged or sent (their face value
    and currency stand in until the chain fixes them at the first financing)."""
    financed = None
    face_value: int | None = None
    currency: str | None = None
    source: Literal["chain", "facts"] | None = None
    if reg.face_value and reg.currency:
        financed = FinancedPublic(
            currency=reg.currency,
            face_value=reg.face_value,
            financed_amount=reg.financed_amount,
        )
        face_value, currency, source = reg.face_value, reg.currency, "chain"
    elif facts is not None and isinstance(facts.get("amountMinor"), int) and facts.get("currency"):
        face_value, currency, source = int(facts["amountMinor"]), str(facts["currency"]), "facts"
    return DocumentPublic(
        doc_hash=reg.doc_hash,
        doc_type=reg.doc_type.name.lower(),
        status=reg.status.name.lower(),
        registered_by=reg.registered_by,
        registrant_id=reg.registrant_id,
        registered_at=reg.registered_at,
        currency=currency,
        face_value=face_value,
        face_value_source=source,
        financed=financed,
        financed_amount=reg.financed_amount,
        successor=reg.successor,
    )


def _fingerprints(ex: docs.Examined) -> list[FingerprintPublic]:
    return [
        FingerprintPublic(name=f.name, value=f.value, held_by_financing=f.held_by_financing or None)
        for f in ex.fingerprints
    ]


def _matches(ex: docs.Examined) -> list[MatchPublic]:
    return [
        MatchPublic(
            grade=m.grade,
            doc_hash=m.doc_hash,
            received_by=m.received_by,
            agree=list(m.agree),
            differ=list(m.differ),
            registered=m.registered,
        )
        for m in ex.matches
    ]


def _examined(ex: docs.Examined) -> DocumentExamined:
    return DocumentExamined(
        doc_hash=ex.doc_hash,
        format=ex.format,
        size=ex.size,
        doc_type=ex.doc_type.name.lower(),
        facts=ex.facts,
        fingerprints=_fingerprints(ex),
        registered=ex.registration is not None,
        registration=_public(ex.registration, ex.facts) if ex.registration else None,
        conflicting_financings=ex.conflicting_financings,
        matches=_matches(ex),
    )


def _doc_type(text: str | None) -> DocType | None:
    return DocType.parse(text) if text else None


def _read(file: UploadFile) -> bytes:
    return file.file.read(docs.MAX_FILE_BYTES + 1)


def _registered(
    ex: docs.Examined, receipt: docs.Receipt, reg: docs.Registration
) -> DocumentRegistered:
    return DocumentRegistered(
        **_public(reg, ex.facts).model_dump(),
        block=receipt.block,
        tx_hash=receipt.tx_hash,
        facts=ex.facts,
        fingerprints=_fingerprints(ex),
        matches=_matches(ex),
    )


# -- routes ------------------------------------------------------------------------------------


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DocumentRegistered)
def register_document(
    ledger: LedgerDep,
    participant: ParticipantDep,
    file: FileField,
    doc_type: DocTypeField = None,
) -> DocumentRegistered:
    """Register a file by its SHA-256, signed by the caller's key. The gateway reads the file,
    keeps its facts and keyed fingerprints as a file the caller handed it, and returns them
    with the matches against what it already held."""
    require(participant, "document.register")
    ex, receipt, reg = docs.register_file(
        ledger,
        participant.address,
        participant.role,
        _read(file),
        file.filename,
        _doc_type(doc_type),
    )
    return _registered(ex, receipt, reg)


@router.post("/json", status_code=status.HTTP_201_CREATED, response_model=DocumentRegistered)
def register_json_form(
    ledger: LedgerDep,
    participant: ParticipantDep,
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
                    "issuer": {"id": "DE123456789", "scheme": "VAT"},
                }
            ],
        ),
    ],
) -> DocumentRegistered:
    """Register a document given as JSON facts (the JSON form of ``ledger.documents``)."""
    require(participant, "document.register")
    data = docs.canonical_json(form)
    ex, receipt, reg = docs.register_file(
        ledger, participant.address, participant.role, data, "form.json"
    )
    if ex.format != "json":
        raise InvalidInput("documentType", "the body must be a JSON form with a documentType")
    return _registered(ex, receipt, reg)


@router.post("/batch", status_code=status.HTTP_201_CREATED, response_model=BatchRegistered)
def register_batch(
    ledger: LedgerDep,
    participant: ParticipantDep,
    files: Annotated[list[UploadFile], File(description="the document files (1..256)")],
    doc_type: DocTypeField = None,
) -> BatchRegistered:
    """Register many files in one transaction (contract ``registerDocuments``): all or none."""
    require(participant, "document.register")
    exs, receipt = docs.register_files(
        ledger,
        participant.address,
        participant.role,
        [(_read(f), f.filename) for f in files],
        _doc_type(doc_type),
    )
    return BatchRegistered(
        block=receipt.block, tx_hash=receipt.tx_hash, documents=[_examined(e) for e in exs]
    )


@router.post("/receive", response_model=DocumentExamined)
def receive_document(
    ledger: LedgerDep,
    participant: ParticipantDep,
    file: FileField,
    doc_type: DocTypeField = None,
) -> DocumentExamined:
    """Lodge a file the caller received (e.g. the invoice a bank is asked to finance) without
    registering it: the gateway keeps its facts and fingerprints so a financing can pledge it."""
    return _examined(
        docs.receive(
            ledger,
            participant.address,
            participant.role,
            _read(file),
            file.filename,
            _doc_type(doc_type),
        )
    )


@router.post("/check", response_model=DocumentExamined)
def check_document(
    ledger: LedgerDep, participant: ParticipantDep, file: FileField
) -> DocumentExamined:
    """Read a file and say what the ledger already holds about it (no write): its facts and
    fingerprints, whether its hash is registered, which active financings hold one of its
    fingerprints, and graded matches against files this gateway holds."""
    _, ex = docs.examine(ledger, _read(file), participant.address, participant.role)
    return _examined(ex)


@router.post("/verify", response_model=VerifyResult)
def verify_document(
    ledger: LedgerDep,
    participant: ParticipantDep,
    file: Annotated[UploadFile, File(description="the file to verify")],
) -> VerifyResult:
    """Was this exact file registered, by whom, when, and is it still valid? (no write)"""
    doc_hash = docs.file_hash(_read(file))
    found = docs.find_registration(ledger, doc_hash)
    return VerifyResult(
        doc_hash=docs.hex32(doc_hash),
        registered=found is not None,
        valid=found is not None and found.status.name == "ACTIVE",
        registration=_public(found) if found else None,
    )


@router.get("/{doc_hash}", response_model=DocumentDetail)
def get_document(ledger: LedgerDep, participant: ParticipantDep, doc_hash: str) -> DocumentDetail:
    """Provenance (who registered it, when), status, attestations, financings, history, and the
    copy this gateway holds for the caller with its matches."""
    d = docs.detail(ledger, docs.parse_doc_hash(doc_hash), participant.address, participant.role)
    return DocumentDetail(
        **_public(d.registration, d.held.facts if d.held else None).model_dump(),
        attestations=[
            AttestationPublic(
                attestor=a.attestor, evidence_hash=a.evidence_hash, block=a.block, tx_hash=a.tx_hash
            )
            for a in d.attestations
        ],
        financings=list(d.financings),
        history=[
            EventPublic(event=e.event, block=e.block, tx_hash=e.tx_hash, args=e.args)
            for e in d.history
        ],
        held=_examined(d.held) if d.held else None,
    )


@router.post("/{doc_hash}/revoke", response_model=Written)
def revoke_document(
    ledger: LedgerDep,
    participant: ParticipantDep,
    doc_hash: str,
    body: RevokeRequest | None = None,
) -> Written:
    """Revoke a document: its registrant, or an admin."""
    require(participant, "document.revoke")
    parsed = docs.parse_doc_hash(doc_hash)
    receipt = docs.revoke(
        ledger, participant.address, parsed, (body or RevokeRequest()).reason_code
    )
    return Written(doc_hash=docs.hex32(parsed), block=receipt.block, tx_hash=receipt.tx_hash)


@router.post(
    "/{doc_hash}/supersede", status_code=status.HTTP_201_CREATED, response_model=Superseded
)
def supersede_document(
    ledger: LedgerDep, participant: ParticipantDep, doc_hash: str, file: FileField
) -> Superseded:
    """Replace a document by an amended file (registered with the same type): its registrant."""
    require(participant, "document.supersede")
    parsed = docs.parse_doc_hash(doc_hash)
    ex, receipt = docs.supersede_with_file(
        ledger, participant.address, participant.role, parsed, _read(file), file.filename
    )
    return Superseded(
        doc_hash=docs.hex32(parsed),
        new_doc_hash=ex.doc_hash,
        block=receipt.block,
        tx_hash=receipt.tx_hash,
    )


@router.post("/{doc_hash}/attest", status_code=status.HTTP_201_CREATED, response_model=Written)
def attest_document(
    ledger: LedgerDep,
    participant: ParticipantDep,
    doc_hash: str,
    body: AttestRequest | None = None,
) -> Written:
    """Attest that the document matches the attestor's own record (customs, carrier, warehouse)."""
    require(participant, "document.attest")
    parsed = docs.parse_doc_hash(doc_hash)
    receipt = docs.attest(ledger, participant.address, parsed, (body or AttestRequest()).evidence)
    return Written(doc_hash=docs.hex32(parsed), block=receipt.block, tx_hash=receipt.tx_hash)
