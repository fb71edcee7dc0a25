"""Who may learn what about a document's fingerprints and financing: the one rule the API and
the CLI apply (docs/privacy.md, "Fingerprints and the check endpoint").

- **Keyed fingerprints and their holders** (the active financing holding each fingerprint, its
  bank, a refusal's conflicting financing) are given to BANK and REGULATOR participants only:
  a bank needs them to refuse a duplicate before it finances, a regulator to supervise.
- An **ENTERPRISE or ATTESTOR** learns, of a document *it registered*, whether active
  financings hold it (``is_financed``, a boolean, with the chain's record of that document);
  of a document it did not register, nothing about its financing — no record, no financing
  ids, no financing events. It never sees a fingerprint or a holder, of any document.
- An **ADMIN** is the operator, not a bank: no fingerprints and no holders (it keeps the
  financing records it reads today; the financing table of docs/privacy.md says which).
- The **CLI run without ``--as``** acts as the operator of the data directory (no gateway
  holds a fingerprint key): ``doc check`` reads as a regulator does (fingerprints and holders of
  a document a bank lodged here, nothing evaluated), the audit commands with every key the
  directory holds, ``finance show``/``list`` and ``doc show`` the public part
  (docs/privacy.md). With ``--as`` it shows what that member's API key would.

Everything withheld is ``null`` (never an empty list, which would mean "none").
"""

from __future__ import annotations

from typing import Any

from ledger.eventwords import decode_event
from ledger.words import Names

#: roles given fingerprints and their holders
FINGERPRINT_ROLES = frozenset({"bank", "regulator"})
#: roles that read the financing of any document (the others: of their own documents only)
FINANCING_ROLES = frozenset({"bank", "regulator", "admin"})
#: the chain events that say something about a document's financing
FINANCING_EVENTS = frozenset(
    {
        "FinancingRegistered",
        "FinancingRefused",
        "FinancingEntryRecorded",
        "TermsShared",
        "FinancingClosed",
        "FinancingCancelled",
    }
)
#: event arguments (raw, as the chain names them) that are fingerprints or their holders
WITHHELD_ARGS = ("fingerprint", "fingerprints", "conflictingFinancingId")
#: … and the same among the decoded fields
WITHHELD_FIELDS = ("fingerprint", "fingerprints", "conflicting_financing_id")


def sees_fingerprints(role: str) -> bool:
    """Whether ``role`` is given keyed fingerprints and their holders."""
    return role in FINGERPRINT_ROLES


def sees_financing(role: str, actor: str, registered_by: str | None) -> bool:
    """Whether ``actor`` (of ``role``) may learn anything about the financing of a document
    registered by ``registered_by`` (None: not registered)."""
    if role in FINANCING_ROLES:
        return True
    return bool(actor) and registered_by is not None and registered_by.lower() == actor.lower()


def withhold_event(
    event: str, args: dict[str, Any], fields: dict[str, Any], summary: str, names: Names
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """An event as a role without fingerprints sees it: its fingerprints and the financing
    holding them (a refusal's ``conflictingFinancingId``) ``null``, and a summary that does
    not name them."""
    if not any(k in args for k in WITHHELD_ARGS):
        return args, fields, summary
    if "conflictingFinancingId" in args:
        # told again without the holder: "refused: a fingerprint is already pledged"
        quiet = {**args, "conflictingFinancingId": 0, "fingerprint": "0x" + "00" * 32}
        summary = decode_event(event, quiet, names).summary
    args = {k: (None if k in WITHHELD_ARGS else v) for k, v in args.items()}
    fields = {k: (None if k in WITHHELD_FIELDS else v) for k, v in fields.items()}
    return args, fields, summary


def event_dict_for(role: str, event: dict[str, Any], names: Names) -> dict[str, Any]:
    """An event as the API serialises it (``event``, ``args``, ``fields``, ``summary``, …)
    as ``role`` may see it."""
    if sees_fingerprints(role):
        return event
    args, fields, summary = withhold_event(
        str(event.get("event")),
        dict(event.get("args") or {}),
        dict(event.get("fields") or {}),
        str(event.get("summary") or ""),
        names,
    )
    return {**event, "args": args, "fields": fields, "summary": summary}
