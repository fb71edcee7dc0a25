"""Errors in words for people: the one place that turns any :class:`~ledger.errors.LedgerError`
into a sentence, for the API's error body and the CLI's error line alike.

A contract revert arrives as a class named like the Solidity error, carrying its arguments
(:mod:`ledger.revert`); its ``message`` is the raw form (``RoleNotAllowed(account='0x…',
role=4)``), which stays the machine's and the log's. :func:`describe` gives the sentence instead:
role and status names for numbers, amounts in major units with their currency when the
financing's currency is knowable, members by name beside their address::

    repayment of 9,999.99 DKK exceeds the outstanding 520.00 DKK on financing 7

Every custom error of the contract's ABI has a sentence in :data:`SENTENCES` (a test holds this
true for every error the ABI declares). A refused financing (not a revert: an event) is told by
:func:`refusal_sentence` from the numbers the gateway put in its details. Every other gateway
error already carries a sentence as its ``message``.

:func:`error_body` is the one error body, ``{"error", "message", "details"}``: the HTTP API
answers it (``api.errors``) and ``tradeledger … --json`` prints it on failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ledger.artifacts import load_artifact
from ledger.documents.fingerprints import version_of
from ledger.errors import ContractError, FinancingRefused, InvalidInput, LedgerError, NotFound
from ledger.revert import FIELDS, ContractInputError
from ledger.services.roles import (
    ContractEnum,
    DocStatus,
    DocType,
    FinancingKind,
    FinancingStatus,
    ProposalStatus,
    RefusalReason,
    Role,
)
from ledger.surrogates import escape_surrogates
from ledger.words import (
    NO_NAMES,
    Names,
    checksummed,
    currency_code,
    enum_name,
    financing_money,
    hex_of,
    iso_time,
    jsonable,
    money,
    named,
    who,
)

Args = Mapping[str, Any]
Sentence = Callable[[Args, Names], str]


def _allowed(enum: type[ContractEnum]) -> str:
    names = [m.name.lower() for m in enum if m.value != 0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _doc(args: Args, key: str = "docHash") -> str:
    return f"document {hex_of(args[key])}"


def _another_hash(args: Args) -> str:
    """The clause a gateway adds to DocumentAlreadyRegistered when the file is the same JSON
    document as a registration under another hash (``file_hash``, ``hashed``), else ""."""
    if not args.get("file_hash"):
        return ""
    what = (
        "its canonical JSON form (sorted keys, no whitespace, UTF-8)"
        if args.get("hashed") == "canonical_json"
        else "another byte form of it"
    )
    return (
        f": this file ({hex_of(args['file_hash'])}) is the same JSON document, registered as "
        f"{what}; a second registration under the file's own hash would answer verify in "
        "place of the first"
    )


def _seller_clause(args: Args, names: Names) -> str:
    """The clause a gateway adds to DocumentAlreadyRegistered when the refused file names a
    seller (``registrant_is_seller``, ``caller_is_seller``: documents.tell_seller): whether
    the registrant is shown to be the document's seller, and — to the seller refused — what it
    can do. Else ""."""
    if "registrant_is_seller" not in args:
        return ""
    registrant = who(args["registrant"], names)
    theirs = args["registrant_is_seller"]
    reason = args.get("registrant_seller_reason", "")
    if theirs is True:
        return f"; {registrant} is shown to be its seller: {reason}"
    if theirs is not False:
        return ""
    clause = (
        f". {registrant} is not shown to be its seller: {reason}. That registration records "
        "who registered the hash and when, not that the document is theirs, and whoever reads "
        "it with the file (verify, check) is told so (registrant_is_seller: false)"
    )
    if args.get("caller_is_seller") is True:
        doc = hex_of(args["docHash"])
        clause += (
            f". You are shown to be its seller (your legal id on chain is one of the seller's "
            "identifiers in this file). A hash registered once stays registered (revoked or "
            "not), so this file cannot be registered again: ask an admin of the consortium to "
            f"revoke that registration (tradeledger doc revoke {doc} --reason-code 4 --as "
            f"ADMIN, fraud_suspected; or POST /v1/documents/{doc}/revoke with an admin's key); "
            "whoever verifies the file (tradeledger doc verify, POST /v1/documents/verify) "
            "reads that its registrant is not shown to be its seller"
        )
    return clause


#: one sentence per custom error of the contract's ABI (keyed by the Solidity error's name)
SENTENCES: dict[str, Sentence] = {
    # -- membership
    "NotAMember": lambda a, n: f"{checksummed(a['account'])} is not a member of the consortium",
    "MemberNotActive": lambda a, n: (
        f"{who(a['account'], n)} is suspended and may not write until reinstated"
    ),
    "RoleNotAllowed": lambda a, n: (
        f"{who(a['account'], n)} has the role {enum_name(Role, a['role'])}, which may not do this"
    ),
    "MemberAlreadyExists": lambda a, n: (
        f"{who(a['account'], n)} is already member {a['memberId']} of the consortium"
    ),
    "InvalidRole": lambda a, n: f"role {a['role']} is not a role: use {_allowed(Role)}",
    "ZeroAddress": lambda a, n: "an address is the zero address (0x000…000)",
    "MemberAlreadySuspended": lambda a, n: f"{who(a['account'], n)} is already suspended",
    "MemberNotSuspended": lambda a, n: (
        f"{who(a['account'], n)} is not suspended, so there is nothing to reinstate"
    ),
    "OnlyOwnerManagesAdmins": lambda a, n: (
        f"{who(a['account'], n)} is an admin member: only the consortium's owner may manage "
        "admin members"
    ),
    "OwnershipRenounceDisabled": lambda a, n: (
        "the contract's ownership cannot be renounced (an ownerless ledger could never manage "
        "its admins again)"
    ),
    "OwnableUnauthorizedAccount": lambda a, n: (
        f"{who(a['account'], n)} is not the contract's owner: only the owner may do this"
    ),
    "OwnableInvalidOwner": lambda a, n: f"{checksummed(a['owner'])} cannot own the contract",
    # -- documents
    "DocumentAlreadyRegistered": lambda a, n: (
        f"{_doc(a)} is already registered, by {who(a['registrant'], n)} at "
        f"{iso_time(a['registeredAt'])}" + _another_hash(a) + _seller_clause(a, n)
    ),
    "DocumentNotRegistered": lambda a, n: f"{_doc(a)} is not registered",
    "DocumentNotActive": lambda a, n: (
        f"{_doc(a)} is {enum_name(DocStatus, a['status'])}, not active"
    ),
    "NotDocumentRegistrant": lambda a, n: (
        f"{who(a['account'], n)} did not register {_doc(a)}: only its registrant may supersede "
        "it, and only its registrant or an admin revoke it"
    ),
    "InvalidDocumentType": lambda a, n: (
        f"document type {a['docType']} is not a document type: use {_allowed(DocType)}"
    ),
    "ZeroDocumentHash": lambda a, n: "the document hash is zero (0x000…000)",
    "EmptyBatch": lambda a, n: "the batch is empty: give at least one document",
    "BatchTooLarge": lambda a, n: (
        f"a batch of {a['size']} is too large: at most {a['max']} in one transaction"
    ),
    "LengthMismatch": lambda a, n: (
        f"{a['actual']} items were given where {a['expected']} were expected (the lists must "
        "be of the same length)"
    ),
    "AlreadyAttested": lambda a, n: f"{who(a['attestor'], n)} has already attested {_doc(a)}",
    "SelfSupersession": lambda a, n: f"{_doc(a)} cannot supersede itself",
    # -- financing
    "ZeroAmount": lambda a, n: "an amount is zero: amounts must be positive",
    "InvalidCurrency": lambda a, n: (
        f"currency {currency_code(a['currency'])!r} is not an ISO 4217 code of three "
        "upper-case letters"
    ),
    "InvalidFinancingKind": lambda a, n: (
        f"financing kind {a['kind']} is not a kind: use {_allowed(FinancingKind)}"
    ),
    "InvalidMaturity": lambda a, n: (
        f"maturity {iso_time(a['maturity'])} is not in the future (it must be after the "
        "current block's time)"
    ),
    "InvalidFingerprintCount": lambda a, n: (
        f"{_doc(a)} carries {a['count']} fingerprints: at least one and at most the "
        "contract's MAX_FINGERPRINTS are allowed"
    ),
    "MarkCountOutOfRange": lambda a, n: (
        f"a financing carries at most {a['max']} marks ({a['count']} given)"
    ),
    "MarksNotSorted": lambda a, n: (
        f"the marks a financing carries must be strictly ascending and not zero "
        f"(mark {a['index']} is not)"
    ),
    "FingerprintsNotSorted": lambda a, n: (
        f"the fingerprints a financing locks or releases must be strictly ascending "
        f"(fingerprint {a['index']} is out of order)"
    ),
    "FingerprintCountOutOfRange": lambda a, n: (
        f"a financing locking {a['count']} fingerprints is not possible: at least one and at "
        f"most {a['max']} (the contract's MAX_FINANCING_FINGERPRINTS)"
    ),
    "InvalidTermsLength": lambda a, n: (
        f"the sealed terms, entry or shared keys are {a['length']} bytes: at least 1 and at "
        f"most {a['max']} are allowed"
    ),
    "ZeroCommitment": lambda a, n: "the commitment to the sealed terms is zero (0x000…000)",
    "DuplicatePledge": lambda a, n: (
        f"one financing pledges fingerprint {hex_of(a['fingerprint'])} twice: two of its "
        "documents are the same invoice"
    ),
    "AmountOverflow": lambda a, n: (
        "the pledged amounts add up to more than the ledger can hold (2^64 - 1 minor units)"
    ),
    "FinancingNotFound": lambda a, n: f"there is no financing {a['financingId']}",
    "NotFinancingBank": lambda a, n: (
        f"{who(a['account'], n)} is not the bank of financing {a['financingId']}: only that "
        "bank may draw down, repay, close, cancel it or share its terms (a regulator may share "
        "them too)"
    ),
    "FinancingNotActive": lambda a, n: (
        f"financing {a['financingId']} is {enum_name(FinancingStatus, a['status'])}, not active"
    ),
    "DrawdownExceedsFinancing": lambda a, n: (
        f"a drawdown of {financing_money(a['requested'], a['financingId'], n)} exceeds the "
        f"{financing_money(a['available'], a['financingId'], n)} still undrawn on financing "
        f"{a['financingId']}"
    ),
    "RepaymentExceedsOutstanding": lambda a, n: (
        f"repayment of {financing_money(a['requested'], a['financingId'], n)} exceeds the "
        f"outstanding {financing_money(a['outstanding'], a['financingId'], n)} on financing "
        f"{a['financingId']}"
    ),
    "FinancingNotRepaid": lambda a, n: (
        f"financing {a['financingId']} cannot be closed: "
        f"{financing_money(a['outstanding'], a['financingId'], n)} drawn is not yet repaid"
    ),
    "ReleaseMismatch": lambda a, n: (
        f"financing {a['financingId']} does not hold fingerprint {hex_of(a['fingerprint'])}: "
        "a release must hand back exactly the fingerprints the financing locked"
    ),
    "IncompleteRelease": lambda a, n: (
        f"closing or cancelling financing {a['financingId']} must hand back all "
        f"{a['expected']} pledged fingerprints; {a['actual']} were given"
    ),
    # -- governance (M of N admins)
    "ProposalRequired": lambda a, n: (
        f"this change needs {a['threshold']} admins' approval: propose it "
        "(`tradeledger member propose`, POST /v1/governance/proposals) instead of doing it directly"
    ),
    "ProposalNotFound": lambda a, n: f"there is no proposal {a['proposalId']}",
    "ProposalNotPending": lambda a, n: (
        f"proposal {a['proposalId']} is {enum_name(ProposalStatus, a['status'])}, not pending: "
        "it can no longer be approved"
    ),
    "ProposalAlreadyApproved": lambda a, n: (
        f"{who(a['admin'], n)} has already approved proposal {a['proposalId']}"
    ),
    "InvalidProposalAction": lambda a, n: f"proposal action {a['action']} is not an action",
    "InvalidThreshold": lambda a, n: (
        f"a threshold of {a['threshold']} approvals is not possible with {a['admins']} active "
        "admins: it must be between 1 and the number of active admins"
    ),
    "AdminsBelowThreshold": lambda a, n: (
        f"this would leave {a['admins']} active admin{'' if a['admins'] == 1 else 's'}, fewer "
        f"than the {a['threshold']} approval{'' if a['threshold'] == 1 else 's'} a change needs:"
        " lower the threshold first"
    ),
    "ZeroFingerprintEvaluatorKey": lambda a, n: "the fingerprint evaluator's public key is zero",
    "ZeroEncryptionKey": lambda a, n: (
        "the encryption public key is zero (0x000…000): publish the member's X25519 key"
    ),
}


def _unknown_revert(args: Args, names: Names) -> str:
    data = args.get("data") or ""
    return (
        f"the contract refused the transaction ({data or 'no revert data'}): the revert "
        "matches no error the gateway knows"
    )


#: refusals after which the document takes no financing at all, whatever its numbers
_NOT_FINANCEABLE = frozenset(
    {
        RefusalReason.DOCUMENT_NOT_REGISTERED.name,
        RefusalReason.DOCUMENT_REVOKED.name,
        RefusalReason.DOCUMENT_SUPERSEDED.name,
    }
)


def refusal_headroom(
    face_value: int | None, already_financed: int | None, *, held: bool, reason: str = ""
) -> int | None:
    """What can actually be financed on a document (minor units), as a refusal states it: 0
    while an active financing holds one of the invoice's fingerprints (``held``: the chain then
    refuses any amount, whatever the face value leaves) or when the document is not active
    (``reason`` one of the ``DOCUMENT_*`` refusals); else ``face_value - already_financed``,
    never below 0. None when the face value or the financed amount is not known."""
    if face_value is None or already_financed is None:
        return None
    if held or reason in _NOT_FINANCEABLE:
        return 0
    return max(int(face_value) - int(already_financed), 0)


#: what a document of type OTHER (or of a type not known) is called in a sentence
_ANY_TYPE = "document"


def doc_type_word(doc_type: object) -> str:
    """A document type in words for a sentence — ``invoice``, ``bill of lading``, ``warehouse
    receipt`` … — from its name as the API writes it (``bill_of_lading``) or the contract's
    number; ``invoice`` when not given (the refusals that predate it were all of invoices),
    ``document`` for OTHER or a type not known."""
    if doc_type is None or doc_type == "":
        return "invoice"
    text = str(doc_type)
    try:
        found = DocType(int(text)) if text.isdigit() else DocType[text.upper()]
    except (KeyError, ValueError):
        return _ANY_TYPE
    if found in (DocType.NONE, DocType.OTHER):
        return _ANY_TYPE
    return found.name.lower().replace("_", " ")


#: how a pledged document meets the version fingerprint of another document (``held_through``,
#: :func:`ledger.services.refusal.held_through`), as a refusal says it
HELD_THROUGH_WORDS = {"amendment": "amends", "copy": "is another file of (the same invoice as)"}


def _which_copies(details: Mapping[str, Any]) -> str:
    """What a pledged fingerprint of a document stands for, when the refused bank does not know
    which file the holder pledged: a copy of it — or, when the holder holds its ``seller_number``
    fingerprints alone (``held_by_number_only``: the same seller and number, whatever the date
    and amount), possibly another document its seller numbered alike (tryout 78 was told "this
    file or another copy of it" of invoice 471102 of 2013, 235.62 EUR, about invoice 471102 of
    2018, 529.87 EUR). The chain names one held fingerprint, whichever sorts first: which kinds
    are held is the gateway's own read (``ledger.services.refusal``)."""
    if details.get("held_by_number_only"):
        return (
            "this file, another copy of it, or another document its seller numbered alike: the "
            "fingerprint held is of the seller and number only, whatever the date and amount"
        )
    return "this file or another copy of it"


def refusal_sentence(details: Args) -> str:
    """A refused financing in words, from the details the gateway gives it
    (``ledger.services.refusal``): the reason, the holding financing and bank, the numbers."""
    reason = str(details.get("reason", ""))
    doc = details.get("doc_hash", "")
    currency = details.get("currency")
    bank = _named(details, "bank")
    holder = _named(details, "conflicting_bank")
    holding = details.get("conflicting_financing_id")
    word = doc_type_word(details.get("doc_type"))

    def m(key: str) -> str:
        return money(int(details[key]), currency)

    asked = ""
    if details.get("requested_amount") is not None:
        asked = money(
            int(details["requested_amount"]), details.get("requested_currency") or currency
        )
    held = [f"financing {holding} of {holder}"] if holding and holder else []
    held += [
        f"financing {h['financing_id']} of {_named(h, 'bank')}"
        + (f" for {money(int(h['amount']), currency)}" if h.get("amount") is not None else "")
        for h in details.get("holders") or ()
        if h.get("financing_id") != holding
    ]
    numbers = ""
    if details.get("face_value") is not None and details.get("already_financed") is not None:
        numbers = (
            f"; face value {m('face_value')}, already financed {m('already_financed')}, "
            f"headroom {m('headroom')}"
        )
        holder_ids = [holding] if holding else []
        holder_ids += [
            h["financing_id"]
            for h in details.get("holders") or ()
            if h.get("financing_id") not in holder_ids
        ]
        if details.get("headroom") == 0 and holder_ids:
            ids = ", ".join(str(i) for i in holder_ids)
            plural = "s" if len(holder_ids) > 1 else ""
            numbers += (
                f" (no amount can be financed while financing{plural} {ids} hold"
                f"{'' if plural else 's'} the {word}'s fingerprints)"
            )
    held_by = f" (held by {', '.join(held)})" if held else ""
    if reason == RefusalReason.FINGERPRINT_PLEDGED.name:
        kind = f" ({details['fingerprint_kind']})" if details.get("fingerprint_kind") else ""
        other = details.get("holding_doc_hash")
        version = version_of(str(details.get("fingerprint_kind") or ""))
        if version and version != doc:  # held through an earlier version's financing
            pledged = ""
        elif other and other != doc and details.get("held_by_number_only"):
            # the seller and number alone: maybe the seller's number used again (tryout 89's
            # regulator read "is the same invoice as" of two sellers' invoices 2024-0017)
            pledged = (
                f"document {doc} shares a fingerprint with document {other} (another file of "
                f"the same {word}, or another {word} its seller numbered alike), which is"
            )
        elif other and other != doc and "held_by_number_only" not in details:
            # what the refusal event says, no more (the audit's record): a shared fingerprint
            pledged = (
                f"document {doc} shares a fingerprint with document {other} (one {word}, or two "
                f"its seller numbered alike, or issued to one buyer on one day for one amount), "
                "which is"
            )
        elif other and other != doc:
            pledged = f"document {doc} is the same {word} as document {other}, which is"
        elif other == doc:
            pledged = f"document {doc} is"
        elif word == _ANY_TYPE:  # not "the document of document …"
            pledged = f"document {doc} ({_which_copies(details)}) is"
        else:  # the holder's pledges are its own: which copy it pledged is not known here
            pledged = f"the {word} of document {doc} ({_which_copies(details)}) is"
        text = (
            f"{pledged} already pledged to active financing {holding} of "
            f"{holder}: a fingerprint{kind} of the {word} is held there{numbers}"
            if pledged
            else f"document {doc} {HELD_THROUGH_WORDS['copy']} document {version}, "
            f"or of a version it amends, which is already pledged to active financing "
            f"{holding} of {holder}: a pledge holds for every copy of the document it "
            f"pledges{numbers}"
            if details.get("held_through") == "copy"
            else f"document {doc} {HELD_THROUGH_WORDS['amendment']} document {version} "
            "(DocumentSuperseded), which is "
            f"already pledged to active financing {holding} of {holder}: a pledge holds for "
            f"every later version of the document it pledges{numbers}"
        )
    elif reason == RefusalReason.EXCEEDS_FACE_VALUE.name:
        if asked:
            text = f"{asked} more on document {doc} would exceed its face value"
        else:
            text = f"document {doc} would be financed beyond its face value"
        text += f"{held_by}{numbers}"
    elif reason == RefusalReason.FACE_VALUE_MISMATCH.name:
        text = f"document {doc} was first financed at another face value"
        stated = details.get("stated_face_value")
        if details.get("face_value") is not None:
            text = f"document {doc} was first financed at face value {m('face_value')}"
            if stated is not None:
                text += f", not {money(int(stated), currency)}"
    elif reason == RefusalReason.CURRENCY_MISMATCH.name:
        first = details.get("document_currency")
        text = f"document {doc} was first financed in {first or 'another currency'}"
        if first and currency and first != currency:
            text += f", not {currency}"
    elif reason == RefusalReason.DOCUMENT_REVOKED.name:
        text = f"document {doc} is revoked"
    elif reason == RefusalReason.DOCUMENT_SUPERSEDED.name:
        text = f"document {doc} is superseded by an amendment"
    elif reason == RefusalReason.DOCUMENT_NOT_REGISTERED.name:
        text = f"document {doc} is not registered"
    else:
        text = f"document {doc}: {reason.lower() or 'no reason given'}"
    if asked and reason != RefusalReason.EXCEEDS_FACE_VALUE.name:
        text += f"; asked for {asked}"
    return f"financing refused for {bank}: {text}"


def _named(details: Args, key: str) -> str:
    address = details.get(key)
    name = details.get(f"{key}_name")
    if not address:
        return "another bank"
    return named(str(address), name if isinstance(name, str) else None)


def describe(error: LedgerError, names: Names = NO_NAMES) -> str:
    """``error`` in one sentence for people (see the module docstring). ``names`` tells
    members' names and financings' currencies; without it, addresses and minor units."""
    if isinstance(error, FinancingRefused):
        return refusal_sentence(error.details)
    if isinstance(error, ContractError):
        name = type(error).__name__
        sentence = SENTENCES.get(name, _unknown_revert)
        try:
            return sentence(error.details, names)
        except (KeyError, ValueError, TypeError):
            # arguments that do not fit the sentence (another contract version): say what we have
            shown = ", ".join(f"{k} {jsonable(v)}" for k, v in error.details.items())
            return f"the contract refused the transaction with {name}" + (
                f" ({shown})" if shown else ""
            )
    return error.message


#: the contract's enums by their ABI name (``enum ITradeLedger.DocStatus``)
_ABI_ENUMS: dict[str, type[ContractEnum]] = {
    "Role": Role,
    "DocStatus": DocStatus,
    "DocType": DocType,
    "FinancingKind": FinancingKind,
    "FinancingStatus": FinancingStatus,
    "ProposalStatus": ProposalStatus,
    "RefusalReason": RefusalReason,
}
#: the Solidity type the contract keeps times in (Unix seconds)
_TIME_TYPE = "uint40"
#: arguments that are amounts of the error's ``financingId``
_AMOUNT_ARGS = frozenset({"requested", "available", "outstanding"})


def _error_inputs() -> dict[str, list[tuple[str, str, str]]]:
    """Each custom error of the ABI → its inputs as (name, type, internalType)."""
    abi = load_artifact("TradeLedger")["abi"]
    return {
        e["name"]: [(i["name"], i["type"], i.get("internalType", "")) for i in e["inputs"]]
        for e in abi
        if e["type"] == "error"
    }


_ERROR_INPUTS = _error_inputs()


def _checksummed_args(error: ContractError) -> list[str]:
    """The address arguments of ``error``, which ``details`` gives checksummed (EIP-55), as the
    rest of the API gives every address: the revert data decodes to lower case (tryouts read
    ``registrant: 0xefa5…`` in the 409 of a second registration, ``admin`` in lower case in
    ``ProposalAlreadyApproved``, ``account`` in ``RoleNotAllowed``). Every error of the ABI."""
    return [
        arg
        for arg, abi_type, _internal in _ERROR_INPUTS.get(type(error).__name__, ())
        if abi_type == "address"
    ]


def _time_args(error: ContractError) -> list[str]:
    """The arguments of a contract error that are times (Unix seconds on chain)."""
    return [
        arg
        for arg, abi_type, _internal in _ERROR_INPUTS.get(type(error).__name__, ())
        if abi_type == _TIME_TYPE
    ]


def _enum_args(error: ContractError) -> list[str]:
    """The arguments of a contract error that are enums of the contract (``status``,
    ``role``): numbers on chain, names in ``details``."""
    return [
        arg
        for arg, _abi_type, internal in _ERROR_INPUTS.get(type(error).__name__, ())
        if internal.startswith("enum ")
    ]


def decoded_details(error: ContractError, names: Names = NO_NAMES) -> dict[str, Any]:
    """What a contract error's raw arguments mean, to put beside them in ``details``: for an
    enum argument ``<arg>_name`` (``status: 2`` → ``status_name: "revoked"``; :func:`error_body`
    then gives the argument itself by that name), for a time
    ``<arg>_iso`` (``registeredAt`` → ``registeredAt_iso``, ISO 8601 UTC), for a ``bytes3``
    currency ``<arg>_code`` (``DKK``), for a member's address ``<arg>_name`` (its name, when
    ``names`` knows it), and for amounts of a financing its ``currency`` when ``names`` knows it.
    Read from the ABI's types, so every error is covered."""
    details = error.details
    decoded: dict[str, Any] = {}
    for arg, abi_type, internal in _ERROR_INPUTS.get(type(error).__name__, ()):
        if arg not in details:
            continue
        value = details[arg]
        enum = _ABI_ENUMS.get(internal.rsplit(".", 1)[-1]) if internal.startswith("enum ") else None
        try:
            if enum is not None:
                decoded[f"{arg}_name"] = enum_name(enum, value)
            elif abi_type == _TIME_TYPE:
                decoded[f"{arg}_iso"] = iso_time(int(value))
            elif abi_type == "bytes3":
                decoded[f"{arg}_code"] = currency_code(value)
            elif abi_type == "address" and (name := names.member(checksummed(value))):
                decoded[f"{arg}_name"] = name
        except (ValueError, TypeError, OverflowError, OSError):
            continue
    if "financingId" in details and _AMOUNT_ARGS & set(details):
        try:
            currency = names.financing_currency(int(details["financingId"]))
        except (ValueError, TypeError):
            currency = None
        if currency:
            decoded["currency"] = currency
    return decoded


_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_case(key: str) -> str:
    """A details key as the JSON API writes every key: a contract error's argument keeps its
    Solidity name in ``message`` and the error's code, but is ``doc_hash`` for ``docHash`` (and
    ``registered_at_iso`` for the decoded ``registeredAt_iso``) in ``details``."""
    return _HUMP.sub("_", key).lower()


def error_body(error: LedgerError, names: Names = NO_NAMES) -> dict[str, Any]:
    """The one error body: ``error`` (a stable name — for contract reverts the Solidity error's
    name, for the gateway's own errors snake_case; never renamed, clients depend on it),
    ``message`` (:func:`describe`) and ``details`` (the arguments, raw — but a time in ISO
    8601 UTC, as every other time the gateway outputs, with ``<arg>_iso`` the same, an enum
    (``status``, ``role``) by its name, with ``<arg>_name`` the same, and the
    registrant and attestor of a 409 checksummed (EIP-55) as every other address —; for bad
    input, and for every contract error that concerns a field of the request
    (:data:`ledger.revert.FIELDS`: ``RepaymentExceedsOutstanding`` → ``amount``), also the
    ``field`` and the ``rule`` it broke, in words —,
    and for contract errors their decoded values beside the raw ones, :func:`decoded_details`),
    every key of ``details`` in snake_case (:func:`snake_case`) as in the rest of the API."""
    details = dict(error.details)
    field = FIELDS.get(type(error).__name__) if isinstance(error, ContractError) else None
    if isinstance(error, ContractInputError) or field is not None:
        # the request field it concerns (ledger.revert.FIELDS: a 409's ``amount`` as a 422's),
        # as the API names keys, and the rule in words, not the Solidity names (a tryout read
        # ``field: docHash, rule: SelfSupersession``, and a 409 no field at all)
        shown = field or snake_case(getattr(error, "field", ""))
        details.setdefault("field", shown)
        details.setdefault("rule", describe(error, names))
    if isinstance(error, InvalidInput):
        details.setdefault("field", error.field)
        details.setdefault("rule", error.rule)
    if isinstance(error, NotFound) and error.field is not None:
        # the input that named the unknown record, as a 422 names its input (a tryout read a
        # supersede's 404 with neither, beside the 404 of a drawdown naming financing_id)
        details.setdefault("field", error.field)
        details.setdefault("rule", describe(error, names).removeprefix(f"{error.field}: "))
    if isinstance(error, ContractError):
        decoded = decoded_details(error, names)
        for key, value in decoded.items():
            details.setdefault(key, value)
        for arg in _checksummed_args(error):
            if isinstance(details.get(arg), str):
                details[arg] = checksummed(details[arg])
        for arg in _time_args(error):
            # a time as every other time of the API and the CLI, ISO 8601 UTC (a tryout read
            # ``registered_at: 1767225600`` here beside ``registered_at`` text everywhere else)
            if f"{arg}_iso" in decoded:
                details[arg] = decoded[f"{arg}_iso"]
        for arg in _enum_args(error):
            # an enum by its name, as ``<arg>_name`` and every other output names it (a tryout
            # read ``status: 2`` beside ``status_name: "revoked"``: a number with no meaning to
            # an API user); a number the enum does not know stays the number, all there is
            name = decoded.get(f"{arg}_name")
            if isinstance(name, str) and not name.startswith("unknown "):
                details[arg] = name
    wire: dict[str, Any] = {}
    for key, value in details.items():
        wire.setdefault(snake_case(key), value)
    body = {
        "error": error.code,
        "message": describe(error, names),
        "details": jsonable(wire),
    }
    escaped: dict[str, Any] = escape_surrogates(body)
    return escaped  # client text with a lone surrogate: escaped, never a crash
