"""A refused financing with its numbers: what the refused bank (and the 409 body) sees.

A refusal is recorded on chain as ``FinancingRefused(bank, commitment, terms)``: the terms
(what was asked, and why it was refused) are sealed to the refused bank and the regulators
(``docs/privacy.md``). :func:`refused_error` builds the :class:`~ledger.errors.FinancingRefused`
that :func:`ledger.services.financing.create` raises from the refused bank's *own* terms and
from what anyone can read on chain — never from another bank's terms. Its ``details``, amounts
in minor units of ``currency``:

``reason``, ``doc_hash``, ``doc_type``, ``conflicting_financing_id``, ``fingerprint``,
``fingerprint_kind``, ``bank``, ``bank_name``, ``tx_hash``, ``block``
    what was refused, why, and where the refusal was recorded (``bank`` is the refused bank;
    ``doc_type`` the document's type as registered, ``bill_of_lading``, so the sentence speaks
    of a bill of lading, not an invoice; for a document not registered, the type of the copy the
    refused bank lodged; None when neither says);
``conflicting_bank``, ``conflicting_bank_name``, ``conflicting_registered_at``
    the public part of the financing holding the fingerprint (who and when — its amounts and
    documents are that bank's, and not shown);
``currency``, ``requested_amount``, ``stated_face_value``
    what the refused bank asked, and the face value its gateway read from its file;
``headroom``
    what can be financed on the document now: 0 (a financing holds the invoice, or the
    document is not active).

The message is :func:`ledger.messages.refusal_sentence` of these details.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ledger.documents.fingerprints import FingerprintKind, onchain_rows, version_of
from ledger.errors import FinancingRefused
from ledger.messages import refusal_sentence
from ledger.network import Ledger
from ledger.services.names import LedgerNames
from ledger.services.roles import DocStatus, DocType
from ledger.words import iso_time


def _doc_type(ledger: Ledger, doc: str, bank: str) -> str | None:
    """The registered type of ``doc`` (``bill_of_lading``); when it is not registered, the
    type of the copy the refused ``bank`` lodged here (its own file: a bill of lading is not
    called an invoice for being unregistered); None when neither says."""
    if not doc:
        return None
    record = ledger.calls.functions.getDocument(bytes.fromhex(doc.removeprefix("0x"))).call()
    doc_type, status = int(record[3]), int(record[4])
    if status == DocStatus.NONE or doc_type == DocType.NONE:
        lodged = next((r.doc_type for r in ledger.db.received(doc, bank) if r.doc_type), None)
        return lodged.lower() if lodged else None
    return DocType(doc_type).name.lower()


def _lodged_kind(
    ledger: Ledger, actor: str, payload: Mapping[str, Any], fingerprint: str
) -> str | None:
    """The kind (``full``) of ``fingerprint`` as the refused bank's own lodged files of the
    pledged documents hold it (their on-chain fingerprints, kept when it lodged them): a
    refusal replayed for a retry (the same idempotency key, either surface) names the kind the
    first answer named, without evaluating the files again. None when no such file holds it."""
    hashes = [str(d.get("doc_hash")) for d in payload.get("documents", []) if d.get("doc_hash")]
    for lodged in ledger.db.received_for_files(hashes, [], actor):
        for name, value in onchain_rows(lodged.fingerprints):
            if value.lower() == fingerprint.lower():
                return name
    return None


def refused_error(
    ledger: Ledger,
    actor: str,
    payload: Mapping[str, Any],
    receipt: Mapping[str, Any],
    fingerprint_names: Mapping[bytes, str],
) -> FinancingRefused:
    """The error for the refusal recorded by ``receipt``, from the refused bank's own sealed
    terms ``payload`` (with its ``refusal`` part) and public contract reads."""
    names = LedgerNames(ledger)
    refusal = dict(payload.get("refusal") or {})
    doc = str(refusal.get("doc_hash") or "")
    asked: dict[str, Any] = next(
        (d for d in payload.get("documents", []) if d.get("doc_hash") == doc), {}
    )
    conflicting = int(refusal.get("conflicting_financing_id") or 0)
    conflicting_bank = None
    conflicting_at = None
    if conflicting:
        record = ledger.calls.functions.getFinancing(conflicting).call()
        conflicting_bank = str(record[0])
        conflicting_at = iso_time(int(record[4]))
    fingerprint = refusal.get("fingerprint")
    kind = None
    if fingerprint:
        kind = fingerprint_names.get(bytes.fromhex(str(fingerprint)[2:])) or _lodged_kind(
            ledger, actor, payload, str(fingerprint)
        )
    details: dict[str, Any] = {
        "reason": refusal.get("reason"),
        "doc_hash": doc or None,
        "doc_type": _doc_type(ledger, doc, actor),
        "conflicting_financing_id": conflicting or None,
        "fingerprint": fingerprint,
        "fingerprint_kind": kind,
        "bank": actor,
        "bank_name": names.member(actor),
        "conflicting_bank": conflicting_bank,
        "conflicting_bank_name": names.member(conflicting_bank) if conflicting_bank else None,
        "conflicting_registered_at": conflicting_at,
        "currency": payload.get("currency"),
        "requested_amount": asked.get("amount"),
        "stated_face_value": asked.get("face_value"),
        "headroom": 0,
        "tx_hash": receipt["transactionHash"].to_0x_hex(),
        "block": int(receipt["blockNumber"]),
    }
    # whether the conflicting financing holds the request's seller_number fingerprints alone:
    # then it may hold another document its seller numbered alike, not a copy (the chain names
    # the first held fingerprint that sorts, whichever its kind: the gateway reads them all)
    details["held_by_number_only"] = False
    if conflicting and fingerprint_names:
        values = sorted(fingerprint_names)
        holders = ledger.calls.functions.fingerprintHolders(values).call()
        held = {
            fingerprint_names[v].split(":", 1)[0]
            for v, h in zip(values, holders, strict=True)
            if h == conflicting
        }
        details["held_by_number_only"] = held == {FingerprintKind.SELLER_NUMBER.value}
    version = version_of(str(kind or ""))
    if version and doc and version != doc:  # held through another document's version
        details["held_through"] = _held_through(ledger, doc, version)
    return FinancingRefused(refusal_sentence(details), **details)


def held_through(version: str, earlier: Collection[bytes]) -> str:
    """How a pledged document whose earlier versions are ``earlier`` (the documents it amends)
    met the version fingerprint of ``version`` (0x hash): ``amendment`` when it amends it
    (DocumentSuperseded), else ``copy`` (it is another file of the registered document
    ``version``, or of a version it amends: ``ledger.services.documents.registered_twins``)."""
    return "amendment" if bytes.fromhex(version[2:]) in earlier else "copy"


def _held_through(ledger: Ledger, doc: str, version: str) -> str:
    """:func:`held_through` of the pledged document ``doc`` (0x hash), its earlier versions read
    from the chain."""
    from ledger.services import documents as docs  # it imports this module's callers

    earlier = docs.earlier_versions(ledger, docs.find_registration(ledger, bytes.fromhex(doc[2:])))
    return held_through(version, earlier)
