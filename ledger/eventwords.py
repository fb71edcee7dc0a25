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
  financing of 3,740.00 DKK, maturity 2027-06-30, reference A-42``).

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
    RefusalReason,
    RevocationReason,
    Role,
    reason_name,
)
from ledger.words import (
    NO_NAMES,
    Names,
    currency_code,
    enum_name,
    enum_words,
    hex_of,
    is_zero,
    iso_time,
    major,
    money,
    reference_text,
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


def _financing_registered(a: Args, names: Names) -> DecodedEvent:
    currency = currency_code(a["currency"])
    f: Fields = {"financing_id": int(a["financingId"])}
    _member(f, "bank", a["bank"], names)
    f["kind"] = enum_name(FinancingKind, a["kind"])
    f["currency"] = currency
    f["amount"] = _amount(a["amount"], currency)
    f["maturity"] = iso_time(a["maturity"])
    f["bank_reference"] = reference_text(a["bankReference"])
    ref = f", reference {f['bank_reference']}" if f["bank_reference"] else ""
    return DecodedEvent(
        f,
        f"{who(a['bank'], names)} registered financing {f['financing_id']}: "
        f"{enum_words(FinancingKind, a['kind'])} of {money(int(a['amount']), currency)}, "
        f"maturity {f['maturity'][:10]}{ref}",
    )


def _document_pledged(a: Args, names: Names) -> DecodedEvent:
    fid = int(a["financingId"])
    currency = names.financing_currency(fid)
    fingerprints = [hex_of(x) for x in a["fingerprints"]]
    f: Fields = {
        "financing_id": fid,
        "doc_hash": hex_of(a["docHash"]),
        "currency": currency,
        "amount": _amount(a["amount"], currency),
        "face_value": _amount(a["faceValue"], currency),
        "fingerprints": " ".join(fingerprints),
    }
    return DecodedEvent(
        f,
        f"financing {fid} pledged document {f['doc_hash']} for "
        f"{money(int(a['amount']), currency)} of its {money(int(a['faceValue']), currency)} "
        f"face value ({len(fingerprints)} fingerprints)",
    )


def _financing_refused(a: Args, names: Names) -> DecodedEvent:
    conflicting = int(a["conflictingFinancingId"])
    f: Fields = {}
    _member(f, "bank", a["bank"], names)
    f["doc_hash"] = hex_of(a["docHash"])
    f["reason"] = enum_name(RefusalReason, a["reason"])
    f["conflicting_financing_id"] = conflicting or None
    f["fingerprint"] = None if is_zero(a["fingerprint"]) else hex_of(a["fingerprint"])
    f["bank_reference"] = reference_text(a["bankReference"])
    held = f", held by financing {conflicting}" if conflicting else ""
    ref = f", reference {f['bank_reference']}" if f["bank_reference"] else ""
    return DecodedEvent(
        f,
        f"financing of document {f['doc_hash']} by {who(a['bank'], names)} refused: "
        f"{enum_words(RefusalReason, a['reason'])}{held}{ref}",
    )


def _movement(kind: str, total_key: str, total_field: str) -> Callable[[Args, Names], DecodedEvent]:
    def decode(a: Args, names: Names) -> DecodedEvent:
        fid = int(a["financingId"])
        currency = names.financing_currency(fid)
        f: Fields = {
            "financing_id": fid,
            "currency": currency,
            "amount": _amount(a["amount"], currency),
            total_field: _amount(a[total_key], currency),
        }
        return DecodedEvent(
            f,
            f"{money(int(a['amount']), currency)} {kind} financing {fid} "
            f"({money(int(a[total_key]), currency)} in total)",
        )

    return decode


def _financing_closed(a: Args, names: Names) -> DecodedEvent:
    fid = int(a["financingId"])
    return DecodedEvent(
        {"financing_id": fid}, f"financing {fid} closed, fully repaid; its documents released"
    )


def _financing_cancelled(a: Args, names: Names) -> DecodedEvent:
    fid = int(a["financingId"])
    code = int(a["reasonCode"])
    f: Fields = {
        "financing_id": fid,
        "reason_code": code,
        "reason_name": reason_name(CancellationReason, code),
    }
    return DecodedEvent(
        f,
        f"financing {fid} cancelled, reason {code} ({f['reason_name']}); its documents released",
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


def _fingerprint_key_id_changed(a: Args, names: Names) -> DecodedEvent:
    f: Fields = {"old_key_id": hex_of(a["oldKeyId"]), "new_key_id": hex_of(a["newKeyId"])}
    return DecodedEvent(
        f, f"the consortium's fingerprint key was rotated (new key id {f['new_key_id'][:18]}…)"
    )


def _fingerprint_key_delivered(a: Args, names: Names) -> DecodedEvent:
    f: Fields = {}
    _member(f, "account", a["account"], names)
    f["key_id"] = hex_of(a["keyId"])
    _member(f, "by", a["by"], names)
    return DecodedEvent(
        f,
        f"the fingerprint key was delivered, sealed, to {who(a['account'], names)} by "
        f"{who(a['by'], names)}",
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
    "FinancingRegistered": _financing_registered,
    "DocumentPledged": _document_pledged,
    "FinancingRefused": _financing_refused,
    "DrawdownRecorded": _movement("drawn from", "totalDrawn", "total_drawn"),
    "RepaymentRecorded": _movement("repaid on", "totalRepaid", "total_repaid"),
    "FinancingClosed": _financing_closed,
    "FinancingCancelled": _financing_cancelled,
    "ProposalCreated": _proposal_created,
    "ProposalApproved": _proposal_approved,
    "ProposalExecuted": _proposal_executed,
    "ThresholdChanged": _threshold_changed,
    "FingerprintKeyIdChanged": _fingerprint_key_id_changed,
    "FingerprintKeyDelivered": _fingerprint_key_delivered,
}

_MEMBER = ("member_id",)
_CHANGE = (*_MEMBER, "account", "account_name", "by", "by_name")
_OWNERS = ("previous_owner", "previous_owner_name", "new_owner", "new_owner_name")
_MOVE = ("financing_id", "currency", "amount")

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
    "FinancingRegistered": (
        "financing_id",
        "bank",
        "bank_name",
        "kind",
        "currency",
        "amount",
        "maturity",
        "bank_reference",
    ),
    "DocumentPledged": (
        "financing_id",
        "doc_hash",
        "currency",
        "amount",
        "face_value",
        "fingerprints",
    ),
    "FinancingRefused": (
        "bank",
        "bank_name",
        "doc_hash",
        "reason",
        "conflicting_financing_id",
        "fingerprint",
        "bank_reference",
    ),
    "DrawdownRecorded": (*_MOVE, "total_drawn"),
    "RepaymentRecorded": (*_MOVE, "total_repaid"),
    "FinancingClosed": ("financing_id",),
    "FinancingCancelled": ("financing_id", "reason_code", "reason_name"),
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
    "FingerprintKeyIdChanged": ("old_key_id", "new_key_id"),
    "FingerprintKeyDelivered": ("account", "account_name", "key_id", "by", "by_name"),
}

#: the union of every event's fields, in a fixed order (the CSV export's decoded columns)
FIELD_COLUMNS: tuple[str, ...] = (
    "doc_hash",
    "new_doc_hash",
    "doc_type",
    "financing_id",
    "kind",
    "currency",
    "amount",
    "face_value",
    "total_drawn",
    "total_repaid",
    "maturity",
    "bank_reference",
    "reason",
    "reason_code",
    "reason_name",
    "conflicting_financing_id",
    "fingerprint",
    "fingerprints",
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
    "old_key_id",
    "new_key_id",
    "key_id",
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
