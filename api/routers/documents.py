"""Documents: register a file, read a registration, verify a file."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status
from pydantic import BaseModel

from api.deps import LedgerDep, ParticipantDep, require_role
from ledger.services import documents as docs
from ledger.services.roles import DocType

router = APIRouter(prefix="/v1/documents", tags=["documents"])

WRITER_ROLES = ("bank", "enterprise", "attestor")


class DocumentPublic(BaseModel):
    doc_hash: str
    doc_type: str
    status: str
    registered_by: str
    registrant_id: int
    registered_at: datetime
    currency: str | None
    face_value: int
    financed_amount: int
    successor: str | None


class DocumentRegistered(DocumentPublic):
    block: int
    tx_hash: str


class VerifyResult(BaseModel):
    doc_hash: str
    registered: bool
    valid: bool
    registration: DocumentPublic | None


def _public(reg: docs.Registration) -> DocumentPublic:
    return DocumentPublic(
        doc_hash=reg.doc_hash,
        doc_type=reg.doc_type.name.lower(),
        status=reg.status.name.lower(),
        registered_by=reg.registered_by,
        registrant_id=reg.registrant_id,
        registered_at=reg.registered_at,
        currency=reg.currency,
        face_value=reg.face_value,
        financed_amount=reg.financed_amount,
        successor=reg.successor,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DocumentRegistered)
def register_document(
    ledger: LedgerDep,
    participant: ParticipantDep,
    file: Annotated[UploadFile, File(description="the document file")],
    doc_type: Annotated[str, Form()] = "other",
) -> DocumentRegistered:
    """Register a file by its SHA-256 hash, signed by the caller's key."""
    require_role(participant, *WRITER_ROLES)
    kind = DocType.parse(doc_type)
    data = file.file.read(docs.MAX_FILE_BYTES + 1)
    doc_hash = docs.file_hash(data)
    receipt = docs.register(ledger, participant.address, doc_hash, kind)
    reg = _public(docs.get_registration(ledger, doc_hash))
    return DocumentRegistered(**reg.model_dump(), block=receipt.block, tx_hash=receipt.tx_hash)


@router.post("/verify", response_model=VerifyResult)
def verify_document(
    ledger: LedgerDep,
    participant: ParticipantDep,
    file: Annotated[UploadFile, File(description="the file to verify")],
) -> VerifyResult:
    """Was this exact file registered, by whom, when, and is it still valid? (no write)"""
    data = file.file.read(docs.MAX_FILE_BYTES + 1)
    doc_hash = docs.file_hash(data)
    found = docs.find_registration(ledger, doc_hash)
    public = _public(found) if found else None
    return VerifyResult(
        doc_hash="0x" + doc_hash.hex(),
        registered=found is not None,
        valid=found is not None and found.status.name == "ACTIVE",
        registration=public,
    )


@router.get("/{doc_hash}", response_model=DocumentPublic)
def get_document(ledger: LedgerDep, participant: ParticipantDep, doc_hash: str) -> DocumentPublic:
    """Who registered this document hash, when, and its status."""
    return _public(docs.get_registration(ledger, docs.parse_doc_hash(doc_hash)))
