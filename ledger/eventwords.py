"""Contract events decoded for people and spreadsheets: named fields and one sentence each.

The index keeps every event's arguments as the chain gives them (``events.args``: enum numbers,
``0x`` hex bytes, Unix seconds, minor units). An auditor checks those on chain; people and
spreadsheets need them decoded. :func:`decode_event` turns one event's raw arguments into

* ``fields`` — snake_case names, one value each: enum names (``regulator``, ``invoice``,
  ``invoice_financing``, ``fingerprint_pledged``), currency codes (``DKK``), amounts in major
  units as plain decimals beside their ``currency`` (``"3740.00"``), ISO 8601 UTC times, reference
  text (``A-42``), hashes as ``0x`` hex, and each address with the member's name beside it
  (``bank`` and ``bank_name``);
* ``summary`` — the event in one sentence (``Bank A (0x…) registered financing 1: invoice
  financing of 3,740.00 DKK, maturity 2027-06-30, reference A-42, against document 0x… for
  3,740.00 DKK of its 4,675.00 DKK face value; 2 fingerprints locked``).

A financing's terms, entries and refusals are envelopes on chain (issue #14): their confidential
fields are decoded only from a clear payload the caller hands in under :data:`CLEAR_KEY` (the
audit service does so for a reader the privacy table allows), else they are None and the
sentence says the terms are confidential.

Every event of the contract's ABI has a decoder in :data:`DECODERS` and its fields listed in
:data:`EVENT_FIELDS`; :data:`FIELD_COLUMNS` is their union, in a fixed order: the CSV export's
columns after the event's place on chain (tests hold all three true for every ABI event).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ledger.services.roles import (
    CancellationReason,
    DocType,
    FinancingKind,
    ProposalAction,
    RevocationReason,
    Role,
    reason_name,
)
from ledger.words import (
    NO_NAMES,
    Names,
    enum_name,
    enum_words,
    hex_of,
    is_zero,
    iso_time,
    major,
    money,
    who,
)

Args = Mapping[str, Any]
Fields = dict[str, Any]


@dataclass(frozen=True)
class DecodedEvent:
    """One event's decoded ``fields`` and its ``summary`` sentence."""

    fields: Fields
    summary: str


def _member(fields: Fields, key: str, address: str, names: Names) -> None:
    fields[key] = address
    fields[f"{key}_name"] = names.member(address)


def _amount(value: Any, currency: str | None) -> str | int:
    """Major units for a known currency, else the raw minor units."""
    return major(int(value), currency) if currency else int(value)


# -- membership -------------------------------------------------------------------------------


def _member_added(a: Args, names: Names) -> DecodedEvent:
    f: Fields = {"member_id": int(a["memberId"]), "account": a["account"]}
    f["account_name"] = a["name"] or names.member(a["account"])
    f["role"] = enum_name(Role, a["role"])
    f["legal_id_hash"] = hex_of(a["legalIdHash"])
    label = f"{f['account_name']} ({a['account']})" if f["account_name"] else a["account"]
    return DecodedEvent(f, f"{label} joined as member {f['member_id']}, role {f['role']}")


def _member_change(verb: str) -> Callable[[Args, Names], DecodedEvent]:
    def decode(a: Args, names: Names) -> DecodedEvent:
        f: Fields = {"member_id": int(a["memberId"])}
        _member(f, "account", a["account"], names)
        _member(f, "by", a["by"], names)
        return DecodedEvent(
            f,
            f"member {f['member_id']} {who(a['account'], names)} was {verb} by "
            f"{who(a['by'], names)}",
        )

    return decode


def _member_key_rotated(a: Args, names: Names) -> DecodedEvent:
    f: Fields = {
        "member_id": int(a["memberId"]),
        "old_account": a["oldAccount"],
        "new_account": a["newAccount"],
        "account_name": names.member(a["newAccount"]) or names.member(a["oldAccount"]),
    }
    _member(f, "by", a["by"], names)
    label = f" ({f['account_name']})" if f["account_name"] else ""
    return DecodedEvent(
        f,
        f"member {f['member_id']}{label} moved its key from {a['oldAccount']} to "
        f"{a['newAccount']}, by {who(a['by'], names)}",
    )


def _ownership(verb: str) -> Callable[[Args, Names], DecodedEvent]:
    def decode(a: Args, names: Names) -> DecodedEvent:
        f: Fields = {}
        _member(f, "previous_owner", a["previousOwner"], names)
        _member(f, "new_owner", a["newOwner"], names)
        return DecodedEvent(
            f,
            f"ownership of the contract {verb} from {who(a['previousOwner'], names)} to "
            f"{who(a['newOwner'], names)}",
        )

    return decode


# -- documents --------------------------------------------------------------------------------


def _document_registered(a: Args, names: Names) -> DecodedEvent:
    f: Fields = {"doc_hash": hex_of(a["docHash"])}
    _member(f, "registrant", a["registrant"], names)
    f["doc_type"] = enum_name(DocType, a["docType"])
    return DecodedEvent(
        f,
        f"document {f['doc_hash']} registered as {enum_words(DocType, a['docType'])} by "
        f"{who(a['registrant'], names)}",
    )


def _document_revoked(a: Args, names: Names) -> DecodedEvent:
    f: Fields = {"doc_hash": hex_of(a["docHash"])}
    _member(f, "by", a["by"], names)
    f["reason_code"] = int(a["reasonCode"])
    f["reason_name"] = reason_name(RevocationReason, f["reason_code"])
    return DecodedEvent(
        f,
        f"document {f['doc_hash']} revoked by {who(a['by'], names)}, reason "
        f"{f['reason_code']} ({f['reason_name']})",
    )


def _document_superseded(a: Args, names: Names) -> DecodedEvent:
    f: Fields = {"doc_hash": hex_of(a["oldDocHash"]), "new_doc_hash": hex_of(a["newDocHash"])}
    _member(f, "by", a["by"], names)
    return DecodedEvent(
        f,
        f"document {f['doc_hash']} superseded by the amended {f['new_doc_hash']}, by "
        f"{who(a['by'], names)}",
    )


def _document_attested(a: Args, names: Names) -> DecodedEvent:
    f: Fields = {"doc_hash": hex_of(a["docHash"])}
    _member(f, "attestor", a["attestor"], names)
    f["evidence_hash"] = hex_of(a["evidenceHash"])
    return DecodedEvent(
        f,
        f"document {f['doc_hash']} attested by {who(a['attestor'], names)} (evidence "
        f"{f['evidence_hash']})",
    )


# -- financing --------------------------------------------------------------------------------
#
# A financing's terms are confidential (issue #14): on chain its events carry a commitment and an
# envelope. The layer that opened the envelope for a reader allowed to see it (the audit service,
# over the index) passes the clear payload under CLEAR_KEY in the arguments; without it the
# confidential fields are None and the sentence says the terms are confidential. HIDE_FINGERPRINTS
# set true withholds the fingerprints a financing locks (given to banks and regulators only).

#: the arguments key under which a reader's clear payload is handed to a decoder
CLEAR_KEY = "_clear"
#: the arguments key that, set true, withholds the fingerprints from the decoded fields
HIDE_FINGERPRINTS = "_hide_fingerprints"


def _clear(a: Args) -> Mapping[str, Any] | None:
    found = a.get(CLEAR_KEY)
    return found if isinstance(found, Mapping) else None


def _kind_name(value: Any) -> str:
    """A kind as the terms spell it (``INVOICE_FINANCING``) or as a number, lower case."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        return value.lower()
    return enum_name(FinancingKind, value)


def _documents(clear: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [d for d in clear.get("documents") or () if isinstance(d, Mapping)]


def _terms_fields(f: Fields, clear: Mapping[str, Any] | None) -> str | None:
    currency = str(clear["currency"]) if clear and clear.get("currency") else None
    f["currency"] = currency
    f["amount"] = _amount(clear["amount"], currency) if clear and "amount" in clear else None
    f["maturity"] = iso_time(int(clear["maturity"])) if clear and clear.get("maturity") else None
    f["reference"] = str(clear.get("reference") or "") if clear else None
    return currency


def _financing_registered(a: Args, names: Names) -> DecodedEvent:
    clear = _clear(a)
    fingerprints = [hex_of(x) for x in a.get("fingerprints") or ()]
    hidden = bool(a.get(HIDE_FINGERPRINTS))
    f: Fields = {"financing_id": int(a["financingId"])}
    _member(f, "bank", a["bank"], names)
    f["confidential"] = clear is None
    f["terms_commitment"] = hex_of(a["termsCommitment"])
    f["fingerprint_count"] = len(fingerprints)
    f["fingerprints"] = None if hidden else " ".join(fingerprints)
    f["kind"] = _kind_name(clear["kind"]) if clear and clear.get("kind") else None
    currency = _terms_fields(f, clear)
    documents = _documents(clear) if clear else []
    f["doc_hash"] = " ".join(str(d["doc_hash"]) for d in documents) if clear else None
    f["doc_amount"] = (
        " ".join(str(_amount(d["amount"], currency)) for d in documents) if clear else None
    )
    f["face_value"] = (
        " ".join(str(_amount(d["face_value"], currency)) for d in documents) if clear else None
    )
    acknowledged = _acknowledged(clear)
    f["acknowledged_suspicions"] = acknowledged or None  # None: none, or not a reader
    locks = f"{f['fingerprint_count']} fingerprint" + ("s" if f["fingerprint_count"] != 1 else "")
    who_ = who(a["bank"], names)
    if clear is None:
        return DecodedEvent(
            f,
            f"{who_} registered financing {f['financing_id']}, locking {locks} (its terms are "
            "confidential)",
        )
    ref = f", reference {f['reference']}" if f["reference"] else ""
    against = "; ".join(
        f"document {d['doc_hash']} for {money(int(d['amount']), currency)} of its "
        f"{money(int(d['face_value']), currency)} face value"
        for d in documents
    )
    # a maturity given as a day is midnight UTC and reads as the day; one with a time of day
    # (given with an offset) reads whole, as ``finance show`` prints it: its day alone was
    # the wrong day for a maturity in another zone (a tryout)
    maturity = (
        f", maturity {str(f['maturity']).removesuffix('T00:00:00Z')}" if f["maturity"] else ""
    )
    return DecodedEvent(
        f,
        f"{who_} registered financing {f['financing_id']}: "
        f"{str(f['kind'] or 'financing').replace('_', ' ')} of "
        f"{money(int(clear.get('amount') or 0), currency)}{maturity}{ref}"
        + (f", against {against}" if against else "")
        + f"; {locks} locked"
        + (f"; acknowledged suspicions: {acknowledged}" if acknowledged else ""),
    )


def _acknowledged(clear: Mapping[str, Any] | None) -> str:
    """The suspicions a financing's bank acknowledged when it sent it, from its sealed terms
    (``ledger.services.financing.create``), in words: ``documents[0] 0xab… reissue (active
    financing 3)`` (the hash where the terms record it; another bank's, or since 2026-12-05
    the bank's own); "" when none."""
    said = []
    for s in (clear or {}).get("suspicions") or ():
        if not isinstance(s, Mapping):
            continue
        financings = [str(i) for i in s.get("financings") or ()]
        if financings:
            whose = f"active financing {', '.join(financings)}"
        else:
            whose = f"{s.get('documents', 0)} invoice(s) the bank lodged"
        # the document itself where the terms record it (the request's index alone does not
        # say which: the terms list their documents by hash)
        which = f" {s['doc_hash']}" if isinstance(s.get("doc_hash"), str) else ""
        said.append(f"documents[{s.get('document_index')}]{which} {s.get('kind')} ({whose})")
    return "; ".join(said)


def _financing_refused(a: Args, names: Names) -> DecodedEvent:
    clear = _clear(a)
    refusal: Mapping[str, Any] = (clear.get("refusal") or {}) if clear else {}
    conflicting = int(refusal.get("conflicting_financing_id") or 0)
    f: Fields = {}
    _member(f, "bank", a["bank"], names)
    f["confidential"] = clear is None
    f["terms_commitment"] = hex_of(a["termsCommitment"])
    f["doc_hash"] = str(refusal["doc_hash"]) if refusal.get("doc_hash") else None
    reason = str(refusal.get("reason") or "")
    f["reason"] = reason.lower() or None
    f["conflicting_financing_id"] = conflicting or None
    fingerprint = refusal.get("fingerprint")
    f["fingerprint"] = (
        hex_of(fingerprint)
        if fingerprint is not None and not is_zero(fingerprint) and not a.get(HIDE_FINGERPRINTS)
        else None
    )
    _terms_fields(f, clear)
    del f["maturity"]
    if clear is None:
        return DecodedEvent(
            f, f"a financing by {who(a['bank'], names)} was refused (what it asked is confidential)"
        )
    held = f", held by financing {conflicting}" if conflicting else ""
    ref = f", reference {f['reference']}" if f["reference"] else ""
    return DecodedEvent(
        f,
        f"financing of document {f['doc_hash'] or '(unnamed)'} by {who(a['bank'], names)} "
        f"refused: {(reason or 'no reason given').lower().replace('_', ' ')}{held}{ref}",
    )


def _its_bank(f: Fields, clear: Mapping[str, Any] | None, names: Names) -> str:
    """``bank`` and ``bank_name`` of a financing's act whose event names no member (an entry,
    a close, a cancel): the financing's bank, given in the clear payload to a reader of its
    terms (None for others: who acted is theirs to learn only from a financing they read);
    and `` of Bank A (0x…)`` to say after "financing N" in the sentence, or nothing."""
    bank = clear.get("bank") if clear else None
    f["bank"] = str(bank) if bank else None
    f["bank_name"] = names.member(str(bank)) if bank else None
    return f" of {who(str(bank), names)}" if bank else ""


def _financing_entry(a: Args, names: Names) -> DecodedEvent:
    fid = int(a["financingId"])
    clear = _clear(a)
    currency = str(clear["currency"]) if clear and clear.get("currency") else None
    f: Fields = {
        "financing_id": fid,
        "confidential": clear is None,
        "entry_commitment": hex_of(a["entryCommitment"]),
        "entry_type": str(clear["type"]) if clear and clear.get("type") else None,
        "currency": currency,
        "amount": _amount(clear["amount"], currency) if clear and "amount" in clear else None,
        "total_drawn": _amount(clear["total_drawn"], currency)
        if clear and "total_drawn" in clear
        else None,
        "total_repaid": _amount(clear["total_repaid"], currency)
        if clear and "total_repaid" in clear
        else None,
    }
    of_bank = _its_bank(f, clear, names)
    if clear is None or f["amount"] is None:
        return DecodedEvent(
            f,
            f"an entry (a drawdown or a repayment) was recorded on financing {fid}{of_bank} "
            "(confidential)",
        )
    drawdown = f["entry_type"] == "drawdown"
    total_key = "total_drawn" if drawdown else "total_repaid"
    total = int(clear.get(total_key) or 0)
    verb = "drawn from" if drawdown else "repaid on"
    return DecodedEvent(
        f,
        f"{money(int(clear['amount']), currency)} {verb} financing {fid}{of_bank} "
        f"({money(total, currency)} in total)",
    )


def _terms_shared(a: Args, names: Names) -> DecodedEvent:
    fid = int(a["financingId"])
    f: Fields = {"financing_id": fid}
    _member(f, "by", a["by"], names)
    return DecodedEvent(
        f,
        f"the terms of financing {fid} were shared, sealed, with more readers by "
        f"{who(a['by'], names)}",
    )


def _encryption_key_set(a: Args, names: Names) -> DecodedEvent:
    f: Fields = {"member_id": int(a["memberId"])}
    _member(f, "account", a["account"], names)
    f["public_key"] = hex_of(a["publicKey"])
    return DecodedEvent(
        f,
        f"member {f['member_id']} {who(a['account'], names)} published its encryption key "
        f"{f['public_key'][:18]}…",
    )


def _financing_closed(a: Args, names: Names) -> DecodedEvent:
    fid = int(a["financingId"])
    f: Fields = {"financing_id": fid}
    of_bank = _its_bank(f, _clear(a), names)
    return DecodedEvent(f, f"financing {fid}{of_bank} closed; its fingerprints released")


def _financing_marked(a: Args, names: Names) -> DecodedEvent:
    fid = int(a["financingId"])
    marks = [hex_of(m) for m in a["marks"]]
    f: Fields = {"financing_id": fid}
    of_bank = _its_bank(f, _clear(a), names)
    f["mark_count"] = len(marks)
    # withheld with the fingerprints, from those not given them
    f["marks"] = None if a.get(HIDE_FINGERPRINTS) else " ".join(marks)
    return DecodedEvent(
        f,
        f"financing {fid}{of_bank} marked with {len(marks)} mark(s): what a re-issue or a split "
        "of a pledged invoice would share with it (they lock nothing)",
    )


def _financing_cancelled(a: Args, names: Names) -> DecodedEvent:
    fid = int(a["financingId"])
    code = int(a["reasonCode"])
    f: Fields = {"financing_id": fid}
    of_bank = _its_bank(f, _clear(a), names)
    f["reason_code"] = code
    f["reason_name"] = reason_name(CancellationReason, code)
    return DecodedEvent(
        f,
        f"financing {fid}{of_bank} cancelled, reason {code} ({f['reason_name']}); its "
        "fingerprints released",
    )


def _action_name(value: Any) -> str:
    try:
        return ProposalAction(int(value)).name.lower()
    except ValueError:
        return str(int(value))


def _proposal_created(a: Args, names: Names) -> DecodedEvent:
    pid = int(a["proposalId"])
    action = _action_name(a["action"])
    f: Fields = {"proposal_id": pid, "action": action}
    _member(f, "proposer", a["proposer"], names)
    _member(f, "account", a["account"], names)
    f["new_account"] = a["newAccount"]
    f["role"] = enum_name(Role, a["role"]) if int(a["role"]) else None
    f["data"] = hex_of(a["data"])
    return DecodedEvent(
        f,
        f"proposal {pid}: {action.replace('_', ' ')} {who(a['account'], names)}, proposed by "
        f"{who(a['proposer'], names)}",
    )


def _proposal_approved(a: Args, names: Names) -> DecodedEvent:
    pid = int(a["proposalId"])
    f: Fields = {"proposal_id": pid}
    _member(f, "admin", a["admin"], names)
    f["approvals"] = int(a["approvals"])
    f["threshold"] = int(a["threshold"])
    return DecodedEvent(
        f,
        f"proposal {pid} approved by {who(a['admin'], names)} "
        f"({f['approvals']} of {f['threshold']})",
    )


def _proposal_executed(a: Args, names: Names) -> DecodedEvent:
    pid = int(a["proposalId"])
    action = _action_name(a["action"])
    return DecodedEvent(
        {"proposal_id": pid, "action": action},
        f"proposal {pid} took effect ({action.replace('_', ' ')})",
    )


def _threshold_changed(a: Args, names: Names) -> DecodedEvent:
    old, new = int(a["oldThreshold"]), int(a["newThreshold"])
    return DecodedEvent(
        {"old_threshold": old, "new_threshold": new},
        f"the approvals a change needs went from {old} to {new}",
    )


def _fingerprint_evaluator_key_changed(a: Args, names: Names) -> DecodedEvent:
    f: Fields = {"old_key": hex_of(a["oldKey"]), "new_key": hex_of(a["newKey"])}
    return DecodedEvent(
        f,
        "the fingerprint evaluator's public key was "
        + ("set" if int(f["old_key"], 16) == 0 else "rotated")
        + f" (new key {f['new_key'][:18]}…)",
    )


#: one decoder per event of the contract's ABI
DECODERS: dict[str, Callable[[Args, Names], DecodedEvent]] = {
    "MemberAdded": _member_added,
    "MemberSuspended": _member_change("suspended"),
    "MemberReinstated": _member_change("reinstated"),
    "MemberKeyRotated": _member_key_rotated,
    "OwnershipTransferStarted": _ownership("offered"),
    "OwnershipTransferred": _ownership("transferred"),
    "DocumentRegistered": _document_registered,
    "DocumentRevoked": _document_revoked,
    "DocumentSuperseded": _document_superseded,
    "DocumentAttested": _document_attested,
    "EncryptionKeySet": _encryption_key_set,
    "FinancingRegistered": _financing_registered,
    "FinancingRefused": _financing_refused,
    "FinancingEntryRecorded": _financing_entry,
    "TermsShared": _terms_shared,
    "FinancingMarked": _financing_marked,
    "FinancingClosed": _financing_closed,
    "FinancingCancelled": _financing_cancelled,
    "ProposalCreated": _proposal_created,
    "ProposalApproved": _proposal_approved,
    "ProposalExecuted": _proposal_executed,
    "ThresholdChanged": _threshold_changed,
    "FingerprintEvaluatorKeyChanged": _fingerprint_evaluator_key_changed,
}

_MEMBER = ("member_id",)
_CHANGE = (*_MEMBER, "account", "account_name", "by", "by_name")
_OWNERS = ("previous_owner", "previous_owner_name", "new_owner", "new_owner_name")

#: the decoded fields of each event, in order
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "MemberAdded": (*_MEMBER, "account", "account_name", "role", "legal_id_hash"),
    "MemberSuspended": _CHANGE,
    "MemberReinstated": _CHANGE,
    "MemberKeyRotated": (
        *_MEMBER,
        "old_account",
        "new_account",
        "account_name",
        "by",
        "by_name",
    ),
    "OwnershipTransferStarted": _OWNERS,
    "OwnershipTransferred": _OWNERS,
    "DocumentRegistered": ("doc_hash", "registrant", "registrant_name", "doc_type"),
    "DocumentRevoked": ("doc_hash", "by", "by_name", "reason_code", "reason_name"),
    "DocumentSuperseded": ("doc_hash", "new_doc_hash", "by", "by_name"),
    "DocumentAttested": ("doc_hash", "attestor", "attestor_name", "evidence_hash"),
    "EncryptionKeySet": (*_MEMBER, "account", "account_name", "public_key"),
    "FinancingRegistered": (
        "financing_id",
        "bank",
        "bank_name",
        "confidential",
        "terms_commitment",
        "fingerprint_count",
        "fingerprints",
        "kind",
        "currency",
        "amount",
        "maturity",
        "reference",
        "doc_hash",
        "doc_amount",
        "face_value",
        "acknowledged_suspicions",
    ),
    "FinancingRefused": (
        "bank",
        "bank_name",
        "confidential",
        "terms_commitment",
        "doc_hash",
        "reason",
        "conflicting_financing_id",
        "fingerprint",
        "currency",
        "amount",
        "reference",
    ),
    "FinancingEntryRecorded": (
        "financing_id",
        "confidential",
        "entry_commitment",
        "entry_type",
        "currency",
        "amount",
        "total_drawn",
        "total_repaid",
        "bank",
        "bank_name",
    ),
    "TermsShared": ("financing_id", "by", "by_name"),
    "FinancingMarked": ("financing_id", "bank", "bank_name", "mark_count", "marks"),
    "FinancingClosed": ("financing_id", "bank", "bank_name"),
    "FinancingCancelled": ("financing_id", "bank", "bank_name", "reason_code", "reason_name"),
    "ProposalCreated": (
        "proposal_id",
        "action",
        "proposer",
        "proposer_name",
        "account",
        "account_name",
        "new_account",
        "role",
        "data",
    ),
    "ProposalApproved": ("proposal_id", "admin", "admin_name", "approvals", "threshold"),
    "ProposalExecuted": ("proposal_id", "action"),
    "ThresholdChanged": ("old_threshold", "new_threshold"),
    "FingerprintEvaluatorKeyChanged": ("old_key", "new_key"),
}

#: the union of every event's fields, in a fixed order (the CSV export's decoded columns)
FIELD_COLUMNS: tuple[str, ...] = (
    "doc_hash",
    "new_doc_hash",
    "doc_type",
    "financing_id",
    "confidential",
    "terms_commitment",
    "entry_commitment",
    "entry_type",
    "kind",
    "currency",
    "amount",
    "doc_amount",
    "face_value",
    "total_drawn",
    "total_repaid",
    "maturity",
    "reference",
    "reason",
    "reason_code",
    "reason_name",
    "conflicting_financing_id",
    "fingerprint",
    "fingerprint_count",
    "fingerprints",
    "mark_count",
    "marks",
    "acknowledged_suspicions",
    "evidence_hash",
    "bank",
    "bank_name",
    "registrant",
    "registrant_name",
    "attestor",
    "attestor_name",
    "member_id",
    "account",
    "account_name",
    "role",
    "legal_id_hash",
    "public_key",
    "old_account",
    "new_account",
    "by",
    "by_name",
    "previous_owner",
    "previous_owner_name",
    "new_owner",
    "new_owner_name",
    "proposal_id",
    "action",
    "proposer",
    "proposer_name",
    "admin",
    "admin_name",
    "approvals",
    "threshold",
    "data",
    "old_threshold",
    "new_threshold",
    "old_key",
    "new_key",
)


def decode_event(event: str, args: Args, names: Names = NO_NAMES) -> DecodedEvent:
    """``event``'s raw ``args`` (as the index stores them) decoded; see the module docstring.
    An event this gateway does not know keeps its arguments as they are."""
    decoder = DECODERS.get(event)
    if decoder is None:
        return DecodedEvent(dict(args), event)
    try:
        return decoder(args, names)
    except (KeyError, ValueError, TypeError):
        return DecodedEvent(dict(args), event)
