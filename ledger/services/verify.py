"""Verifying a file: was it registered, is it still in force, and what exactly was hashed.

A verifier must never read "valid" for a document that is not, so the answer leads with the
document's *status*, in one of four words:

``active``
    registered and in force (the only answer a verifier may rely on);
``revoked``
    registered, then revoked by its registrant or an admin (who, when and the reason code are
    given);
``superseded``
    registered, then replaced by an amended document: ``superseded_by`` names the successor,
    ``current_version`` the end of the chain of amendments and ``current_status`` its status
    (who revoked it, when it is revoked: ``current_revocation``); ``in_force`` names the
    version to rely on, or is null when none is;
``not_registered``
    neither hash below is on the ledger.

What is hashed. A document hash is SHA-256 of the bytes that were registered. A file registered
as a file (``tradeledger doc register``, ``POST /v1/documents``) is hashed as its own bytes
(``file_bytes``). A JSON form sent to ``POST /v1/documents/json`` is registered as its
*canonical* JSON — sorted keys, no whitespace, UTF-8 — (``canonical_json``), which is not the
bytes of the pretty-printed file a user holds. :func:`verify_file` tries the file's bytes first
and, when they are unknown and the file is a JSON object, its canonical JSON form; it says which
one matched (``hashed``) and lists every hash it tried.

Both hashes registered. A JSON document can be registered under both (a byte form at one
gateway, its canonical form at another, or before the gateway refused the second:
docs/documents.md). Then the answer *is* the earliest registration — who registered the
document first, and when — and ``registrations`` lists every one, earliest first, each with its
registrant, time and status (``earliest`` marks the first): never the later one alone. The
lookup is
:func:`ledger.services.documents.lookup_file`, which ``doc check`` and ``doc receive`` use too,
so the three always agree on which document a file is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ledger.documents import DocumentFacts
from ledger.errors import LedgerError
from ledger.network import Ledger
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services.documents import HashedForm as HashedForm
from ledger.services.documents import HashTried as HashTried
from ledger.services.documents import canonical_form as canonical_form
from ledger.services.roles import DocStatus
from ledger.services.sellers import SellerShown, file_facts, registrant_seller
from ledger.words import utc_text

#: how far a chain of amendments is followed to its current version
MAX_SUCCESSORS = 64


class VerifyStatus(StrEnum):
    """A verified file's status (see the module docstring)."""

    ACTIVE = "active"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    NOT_REGISTERED = "not_registered"


#: who revoked a document, when and why (the same record ``GET /v1/documents/{hash}`` gives)
Revocation = docs.Revocation


@dataclass(frozen=True)
class Verification:
    """The answer for one file.

    ``doc_hash`` is the hash that matched (``hashed`` says of what), or the file-bytes hash
    when none did; ``tried`` lists every hash looked up, in order.
    """

    doc_hash: str
    hashed: HashedForm
    tried: tuple[HashTried, ...]
    registration: docs.Registration | None
    registrant_name: str | None = None
    revocation: Revocation | None = None
    #: the end of the chain of amendments and its status (superseded documents only), and
    #: who revoked it when it is revoked
    current_version: str | None = None
    current_status: DocStatus | None = None
    current_revocation: Revocation | None = None
    #: every registration of the file (its bytes, its canonical JSON form), earliest first;
    #: ``registration`` is the first
    registrations: tuple[docs.FoundRegistration, ...] = ()
    #: the registrants' names, by address, as this gateway knows them
    names: tuple[tuple[str, str | None], ...] = ()
    #: whether the registrant is shown to be the seller the file names
    #: (:func:`ledger.services.sellers.registrant_seller`); None: the file was not read
    registrant_seller: SellerShown | None = None

    @property
    def status(self) -> VerifyStatus:
        if self.registration is None:
            return VerifyStatus.NOT_REGISTERED
        return {
            DocStatus.ACTIVE: VerifyStatus.ACTIVE,
            DocStatus.REVOKED: VerifyStatus.REVOKED,
            DocStatus.SUPERSEDED: VerifyStatus.SUPERSEDED,
        }[self.registration.status]

    @property
    def active(self) -> bool:
        """Registered and in force: the only status a verifier may rely on."""
        return self.status is VerifyStatus.ACTIVE

    @property
    def superseded_by(self) -> str | None:
        return self.registration.successor if self.registration is not None else None

    @property
    def in_force(self) -> str | None:
        """The version of this document a verifier may rely on: this one when active, the
        current version of a superseded one when that is active; None when no version is."""
        if self.active:
            return self.doc_hash
        if self.status is VerifyStatus.SUPERSEDED and self.current_status is DocStatus.ACTIVE:
            return self.current_version
        return None

    def summary(self) -> dict[str, Any]:
        """The answer as JSON-ready fields (the API's verify body and ``doc verify --json``
        share them): status, active, registered, superseded_by, current_version,
        current_status, current_revocation, in_force, hashed, tried, revocation."""
        return {
            "doc_hash": self.doc_hash,
            "status": self.status.value,
            "active": self.active,
            "registered": self.registration is not None,
            "superseded_by": self.superseded_by,
            "current_version": self.current_version,
            "current_status": (
                self.current_status.name.lower() if self.current_status is not None else None
            ),
            "hashed": self.hashed.value,
            "tried": [
                {"form": t.form.value, "doc_hash": t.doc_hash, "registered": t.registered}
                for t in self.tried
            ],
            "current_revocation": _revocation_fields(self.current_revocation),
            "in_force": self.in_force,
            "revocation": _revocation_fields(self.revocation),
            "registrations": [
                registration_fields(f, i == 0, dict(self.names).get(f.registration.registered_by))
                for i, f in enumerate(self.registrations)
            ],
        }


def registration_fields(
    found: docs.FoundRegistration, earliest: bool, name: str | None
) -> dict[str, Any]:
    """One registration of a file as JSON-ready fields (``registrations`` in the verify, check
    and receive answers): which hash (``form``: file_bytes or canonical_json), who registered
    it (address and name), when (block time, ISO 8601 UTC), its status, and whether it is the
    earliest."""
    reg = found.registration
    return {
        "form": found.form.value,
        "doc_hash": reg.doc_hash,
        "registered_by": reg.registered_by,
        "registered_by_name": name,
        "registered_at": utc_text(reg.registered_at),
        "status": reg.status.name.lower(),
        "earliest": earliest,
    }


def _revocation_fields(revocation: Revocation | None) -> dict[str, Any] | None:
    return revocation.fields() if revocation is not None else None


def registrations_fields(
    ledger: Ledger, registrations: tuple[docs.FoundRegistration, ...]
) -> list[dict[str, Any]]:
    """:func:`registration_fields` of each of ``registrations`` (earliest first), with the
    registrants' names as this gateway knows them."""
    return [
        registration_fields(f, i == 0, member_name(ledger, f.registration.registered_by))
        for i, f in enumerate(registrations)
    ]


def verify_file(ledger: Ledger, data: bytes) -> Verification:
    """Look ``data`` up on the ledger: by its bytes, then (when those are unknown and it is a
    JSON object) by its canonical JSON form — :func:`ledger.services.documents.lookup_file`,
    the rule ``doc check`` and ``doc receive`` share.

    Raises InvalidInput for an empty or too large file; chain errors as ``ledger.errors``.
    """
    # the chain's record, never the index's: a verifier's answer is the chain's (tryout 67
    # edited a registration time in the index file, and verify answered "valid" with it)
    found = docs.lookup_file(ledger, data, from_chain=True)
    return describe(
        ledger,
        found.registration,
        found.hashed,
        found.tried,
        found.doc_hash,
        found.registrations,
        file=(file_facts(data) if found.registration is not None else None,),
    )


def describe(
    ledger: Ledger,
    found: docs.Registration | None,
    form: HashedForm,
    tried: tuple[HashTried, ...],
    doc_hash: bytes | None = None,
    registrations: tuple[docs.FoundRegistration, ...] = (),
    *,
    file: tuple[DocumentFacts | None] | None = None,
) -> Verification:
    """The status of a registration ``found`` for a file (None: not registered; ``doc_hash``
    then names the file's hash): who registered it, who revoked it, and the current version of
    a superseded document with its status. ``form`` and ``tried``: what was hashed;
    ``registrations``: every registration of the file, earliest (``found``) first. ``file``:
    the file's facts (one), when it was read: whether the registrant is shown to be the seller
    it names (``registrant_seller``)."""
    if found is None:
        shown = docs.hex32(doc_hash) if doc_hash is not None else tried[0].doc_hash
        return Verification(doc_hash=shown, hashed=form, tried=tried, registration=None)
    registrations = registrations or (docs.FoundRegistration(form, found),)
    revocation = _revocation(ledger, found) if found.status is DocStatus.REVOKED else None
    current: docs.Registration | None = None
    if found.status is DocStatus.SUPERSEDED:
        current = current_version(ledger, found)
    current_revocation = (
        _revocation(ledger, current)
        if current is not None and current.status is DocStatus.REVOKED
        else None
    )
    return Verification(
        doc_hash=found.doc_hash,
        hashed=form,
        tried=tried,
        registration=found,
        registrant_name=member_name(ledger, found.registered_by),
        revocation=revocation,
        current_version=current.doc_hash if current is not None else None,
        current_status=current.status if current is not None else None,
        current_revocation=current_revocation,
        registrations=registrations,
        names=tuple(
            (r.registration.registered_by, member_name(ledger, r.registration.registered_by))
            for r in registrations
        ),
        registrant_seller=(
            registrant_seller(ledger, found.registered_by, file[0]) if file is not None else None
        ),
    )


def member_name(ledger: Ledger, address: str) -> str | None:
    """The member's name as this gateway knows it, or None (from the names read once from the
    chain: :func:`ledger.services.members.name_of`)."""
    try:
        return member_svc.name_of(ledger, address)
    except LedgerError:
        return None


def current_version(ledger: Ledger, found: docs.Registration) -> docs.Registration:
    """Follow ``successor`` links to the document that replaced all the others (``found``
    itself when nothing superseded it; a registration still ``superseded`` after
    :data:`MAX_SUCCESSORS` steps: not followed further). The one walk of the amendment chain:
    ``doc verify`` and a financing's pledged documents (``financing.with_document_status``)
    share it."""
    current = found
    for _ in range(MAX_SUCCESSORS):
        if current.successor is None:
            break
        nxt = docs.find_registration(
            ledger, docs.parse_doc_hash(current.successor), from_chain=True
        )
        if nxt is None:
            break
        current = nxt
    return current


def _revocation(ledger: Ledger, found: docs.Registration) -> Revocation | None:
    from ledger.services.names import LedgerNames  # it reads documents: imported when used

    return docs.find_revocation(ledger, docs.parse_doc_hash(found.doc_hash), LedgerNames(ledger))
