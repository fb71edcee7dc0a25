"""A refused financing with its numbers: what a bank (and the 409 body) needs to see why.

The contract records a refusal as a ``FinancingRefused`` event (reason, document, the financing
in the way, the conflicting fingerprint). :func:`refused_error` reads the rest from the chain
right after the refusal (a refusal changes nothing, so the state is the one that refused it) and
returns the :class:`~ledger.errors.FinancingRefused` that :func:`ledger.services.financing.create`
raises. Its ``details``, in minor units of ``currency``:

``reason``, ``doc_hash``, ``conflicting_financing_id``, ``fingerprint``, ``fingerprint_kind``,
``bank``, ``tx_hash``, ``block``
    as the event and receipt say (``bank`` is the refused bank);
``bank_name``, ``conflicting_bank``, ``conflicting_bank_name``
    the refused bank's name, and the bank holding the conflicting financing — named apart;
``holding_doc_hash``
    the document the conflicting financing pledged (for ``FINGERPRINT_PLEDGED``: the same
    invoice under another hash, e.g. its UBL form when CII was refused);
``currency``, ``requested_amount``, ``stated_face_value``
    what the refused bank asked, and the face value its gateway read from its file;
``face_value``, ``already_financed``, ``headroom``
    the document's face value on record, the amount active financings hold against it, and
    what is left (``face_value - already_financed``, never below 0) — of the holding document
    for a fingerprint conflict; None when the ledger holds no face value yet;
``holders``
    the active financings holding that document (``financing_id``, ``bank``, ``bank_name``,
    ``amount``): for ``EXCEEDS_FACE_VALUE`` the chain names no conflicting financing, these are
    the ones in the way;
``document_currency``
    the currency the document was first financed in (``CURRENCY_MISMATCH``).

The message is :func:`ledger.messages.refusal_sentence` of these details.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.errors import FinancingRefused
from ledger.messages import refusal_sentence
from ledger.network import Ledger
from ledger.services import documents as docs
from ledger.services.names import LedgerNames
from ledger.services.roles import FinancingStatus, RefusalReason


def _holding_doc(ledger: Ledger, financing_id: int, fingerprint: bytes) -> bytes | None:
    """The document ``financing_id`` pledged with ``fingerprint`` (None: not found)."""
    for log in docs.logs(ledger, "DocumentPledged", financingId=financing_id):
        if fingerprint in [bytes(f) for f in log["args"]["fingerprints"]]:
            return bytes(log["args"]["docHash"])
    return None


def _holders(ledger: Ledger, doc_hash: bytes, names: LedgerNames) -> list[dict[str, Any]]:
    """The active financings pledging ``doc_hash``: id, bank, its name, amount."""
    found = []
    for log in docs.logs(ledger, "DocumentPledged", docHash=doc_hash):
        financing_id = int(log["args"]["financingId"])
        record = ledger.contract.functions.getFinancing(financing_id).call()
        if FinancingStatus(record[2]) is not FinancingStatus.ACTIVE:
            continue
        bank = str(record[0])
        found.append(
            {
                "financing_id": financing_id,
                "bank": bank,
                "bank_name": names.member(bank),
                "amount": int(log["args"]["amount"]),
            }
        )
    return found


def refused_error(
    ledger: Ledger,
    actor: str,
    event_args: Mapping[str, Any],
    receipt: Mapping[str, Any],
    currency: str,
    requested: Mapping[bytes, tuple[int, int]],
    fingerprint_names: Mapping[bytes, str],
) -> FinancingRefused:
    """The error for a ``FinancingRefused`` event with ``event_args`` in ``receipt``.
    ``requested`` maps each pledged document hash to (amount, face value the gateway read);
    ``fingerprint_names`` names the fingerprints the gateway computed (see the module
    docstring for the details)."""
    names = LedgerNames(ledger)
    reason = RefusalReason(int(event_args["reason"]))
    doc_hash = bytes(event_args["docHash"])
    fingerprint = bytes(event_args["fingerprint"])
    conflicting = int(event_args["conflictingFinancingId"])
    amount, stated_face = requested.get(doc_hash, (None, None))

    conflicting_bank = None
    holding = doc_hash
    if conflicting:
        conflicting_bank = str(ledger.contract.functions.getFinancing(conflicting).call()[0])
        if any(fingerprint):
            holding = _holding_doc(ledger, conflicting, fingerprint) or doc_hash
    record = docs.find_registration(ledger, holding)
    holders = _holders(ledger, holding, names)
    face: int | None = record.face_value if record is not None and record.face_value else None
    if face is None and holding == doc_hash:
        face = stated_face
    financed = record.financed_amount if record is not None else 0
    details: dict[str, Any] = {
        "reason": reason.name,
        "doc_hash": docs.hex32(doc_hash),
        "conflicting_financing_id": conflicting or None,
        "fingerprint": docs.hex32(fingerprint) if any(fingerprint) else None,
        "fingerprint_kind": fingerprint_names.get(fingerprint),
        "bank": actor,
        "bank_name": names.member(actor),
        "conflicting_bank": conflicting_bank,
        "conflicting_bank_name": names.member(conflicting_bank) if conflicting_bank else None,
        "holding_doc_hash": docs.hex32(holding) if holding != doc_hash else None,
        "currency": currency,
        "requested_amount": amount,
        "stated_face_value": stated_face,
        "face_value": face,
        "already_financed": financed if face is not None else None,
        "headroom": max(face - financed, 0) if face is not None else None,
        "document_currency": record.currency if record is not None else None,
        "holders": holders,
        "tx_hash": receipt["transactionHash"].to_0x_hex(),
        "block": int(receipt["blockNumber"]),
    }
    return FinancingRefused(refusal_sentence(details), **details)
