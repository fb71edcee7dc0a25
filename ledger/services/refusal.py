"""A refused financing with its numbers: what a bank (and the 409 body) needs to see why.

The contract records a refusal as a ``FinancingRefused`` event (reason, document, the financing
in the way, the conflicting fingerprint). :func:`refused_error` reads the rest right after the
refusal (a refusal changes nothing, so the state is the one that refused it) — from contract
reads and this gateway's own records only, never a scan of the chain's logs — and returns the
:class:`~ledger.errors.FinancingRefused` that :func:`ledger.services.financing.create` raises.
Its ``details``, amounts in minor units of ``currency``:

``reason``, ``doc_hash``, ``conflicting_financing_id``, ``fingerprint``, ``fingerprint_kind``,
``bank``, ``tx_hash``, ``block``
    as the event and receipt say (``bank`` is the refused bank);
``bank_name``, ``conflicting_bank``, ``conflicting_bank_name``
    the refused bank's name, and the bank holding the conflicting financing — named apart;
``holding_doc_hash``
    for ``FINGERPRINT_PLEDGED``: the document that holds the fingerprint — the same invoice under
    another hash, e.g. its UBL form when CII was refused — when this gateway knows it (it made
    that financing, or holds that file); else None;
``currency``, ``requested_amount``, ``stated_face_value``
    what the refused bank asked, and the face value its gateway read from its file;
``face_value``, ``already_financed``, ``headroom``
    the invoice's face value (on record, else as read from the file), the amount active
    financings hold against it, and what can actually be financed
    (:func:`ledger.messages.refusal_headroom`): 0 while an active financing holds one of the
    invoice's fingerprints — the chain refuses any amount then, whatever the face value leaves —
    or when the document is not active, else ``face_value - already_financed``; None when not
    known here;
``holders``
    the active financings holding the invoice — the one the chain named and every holder of one
    of its fingerprints (``financing_id``, ``bank``, ``bank_name``, ``amount`` pledged on it, None
    when not known here): for ``EXCEEDS_FACE_VALUE`` the chain names no conflicting financing,
    these are the ones in the way;
``document_currency``
    the currency the document was first financed in (``CURRENCY_MISMATCH``).

The message is :func:`ledger.messages.refusal_sentence` of these details.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ledger.errors import FinancingRefused
from ledger.messages import refusal_headroom, refusal_sentence
from ledger.network import Ledger
from ledger.services import documents as docs
from ledger.services.names import LedgerNames
from ledger.services.roles import FinancingStatus, RefusalReason


def _holding_doc(
    ledger: Ledger, financing_id: int, fingerprint: bytes, refused: bytes
) -> bytes | None:
    """The document ``financing_id`` pledged with ``fingerprint``, when this gateway can tell
    without scanning the chain's logs: from the pledges it recorded when it made that financing,
    else a file lodged here carrying that fingerprint whose hash that financing's fingerprint
    holds on chain (None: not known here)."""
    wanted = docs.hex32(fingerprint)
    for pledge in ledger.db.pledges(financing_id):
        if wanted in pledge.fingerprints:
            return bytes.fromhex(pledge.doc_hash[2:])
    candidates = {row.doc_hash for row in ledger.db.received_with_fingerprints([wanted])} - {
        docs.hex32(refused)
    }
    financed = [
        h
        for h in sorted(candidates)
        if (found := docs.find_registration(ledger, bytes.fromhex(h[2:]))) is not None
        and found.financed_amount > 0
    ]
    return bytes.fromhex(financed[0][2:]) if len(financed) == 1 else None


def _holders(
    ledger: Ledger,
    financing_ids: list[int],
    doc_hash: bytes,
    names: LedgerNames,
) -> list[dict[str, Any]]:
    """The active financings among ``financing_ids``: id, bank, its name, and the amount it
    pledged on ``doc_hash`` (from this gateway's records, else the financing's amount when it
    pledges one document; None when not known without scanning logs)."""
    found = []
    for financing_id in financing_ids:
        bank, _, status, _, doc_count, _, amount, _, _ = ledger.contract.functions.getFinancing(
            financing_id
        ).call()
        if FinancingStatus(status) is not FinancingStatus.ACTIVE:
            continue
        stored = [
            p.amount for p in ledger.db.pledges(financing_id) if p.doc_hash == docs.hex32(doc_hash)
        ]
        pledged = stored[0] if stored else int(amount) if int(doc_count) == 1 else None
        found.append(
            {
                "financing_id": financing_id,
                "bank": str(bank),
                "bank_name": names.member(str(bank)),
                "amount": pledged,
            }
        )
    return found


def refused_error(
    ledger: Ledger,
    actor: str,
    event_args: Mapping[str, Any],
    receipt: Mapping[str, Any],
    currency: str,
    requested: Mapping[bytes, tuple[int, int, Sequence[bytes]]],
    fingerprint_names: Mapping[bytes, str],
) -> FinancingRefused:
    """The error for a ``FinancingRefused`` event with ``event_args`` in ``receipt``.
    ``requested`` maps each pledged document hash to (amount, face value the gateway read, the
    fingerprints it computed); ``fingerprint_names`` names those fingerprints (see the module
    docstring for the details). Contract reads and this gateway's records only: no log scan."""
    names = LedgerNames(ledger)
    reason = RefusalReason(int(event_args["reason"]))
    doc_hash = bytes(event_args["docHash"])
    fingerprint = bytes(event_args["fingerprint"])
    conflicting = int(event_args["conflictingFinancingId"])
    amount, stated_face, fingerprints = requested.get(doc_hash, (None, None, ()))

    conflicting_bank = None
    holding: bytes | None = doc_hash
    if conflicting:
        conflicting_bank = str(ledger.contract.functions.getFinancing(conflicting).call()[0])
        if any(fingerprint):
            holding = _holding_doc(ledger, conflicting, fingerprint, doc_hash)
    # the active financings holding this invoice: the one the chain named, and whoever holds
    # any of its fingerprints (for EXCEEDS_FACE_VALUE the chain names none)
    ids = [conflicting] if conflicting else []
    for value in fingerprints:
        holder = docs.fingerprint_holder(ledger, value)
        if holder and holder not in ids:
            ids.append(holder)
    holders = _holders(ledger, ids, holding or doc_hash, names)
    record = docs.find_registration(ledger, holding or doc_hash)
    face = record.face_value if record is not None and record.face_value else stated_face
    if holding is not None and record is not None:
        financed: int | None = record.financed_amount
    else:  # the same invoice under a hash this gateway does not know: what its holders hold
        amounts = [h["amount"] for h in holders]
        financed = sum(amounts) if amounts and None not in amounts else None
    numbers = face is not None and financed is not None
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
        "holding_doc_hash": docs.hex32(holding) if holding and holding != doc_hash else None,
        "currency": currency,
        "requested_amount": amount,
        "stated_face_value": stated_face,
        "face_value": face if numbers else None,
        "already_financed": financed if numbers else None,
        # what can actually be financed: nothing while a financing holds the invoice's
        # fingerprints (the chain then refuses any amount, whatever the face value leaves)
        "headroom": refusal_headroom(face, financed, held=bool(holders), reason=reason.name),
        "document_currency": record.currency if record is not None else None,
        "holders": holders,
        "tx_hash": receipt["transactionHash"].to_0x_hex(),
        "block": int(receipt["blockNumber"]),
    }
    return FinancingRefused(refusal_sentence(details), **details)
