"""The contract's enums as Python enums (values must match ``contracts/ITradeLedger.sol``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import IntEnum
from typing import Any, Self

from ledger.errors import InvalidInput, role_not_allowed


class ContractEnum(IntEnum):
    """An enum of the contract; value 0 (``NONE``) is never a valid input."""

    @classmethod
    def parse(cls, text: str, field: str) -> Self:
        """The member named ``text`` as written, in lower case (``invoice``, ``bill_of_lading``),
        or InvalidInput naming ``field`` and the allowed names. Other case (``INVOICE``) and
        spaces are refused, as a currency in lower case is: input is taken as written."""
        for member in cls:
            if member.value != 0 and member.name.lower() == text:
                return member
        raise InvalidInput(field, one_of_rule(input_names(cls), text), value=text)


def one_of_rule(names: Sequence[str], given: object = None) -> str:
    """The rule an enumerated value (a query filter, a form or JSON field, a CLI option) that
    is none of ``names`` broke: ``must be one of active, revoked, superseded``. When ``given``
    is one of them but for its case or the spaces around it (``ACTIVE``, `` active``,
    ``FINGERPRINT_PLEDGED`` as answers write a refusal's reason), the rule also says which to
    write: values are taken as written, never folded, and the client learns the spelling."""
    rule = f"must be one of {', '.join(names)}"
    if isinstance(given, str):
        wanted = given.strip().casefold()
        for name in names:
            if name.casefold() == wanted and name != given:
                shown = json.dumps(given if len(given) <= 80 else f"{given[:79]}…")
                return f"{rule}: write {name}, as listed (a value is taken as written: not {shown})"
    return rule


def input_names(table: type[IntEnum], sep: str = "_") -> list[str]:
    """The names an enum takes as input, as written (lower case): the OpenAPI's ``enum``."""
    return [m.name.lower().replace("_", sep) for m in table if m.value != 0]


def enum_schema(table: type[IntEnum]) -> dict[str, Any]:
    """``{"enum": [...]}`` for the OpenAPI of a field that takes one of ``table``'s names."""
    return {"enum": input_names(table)}


def allowed_names(table: type[IntEnum], sep: str = "_") -> str:
    """The names an enum takes as input, in lower case: ``bank, enterprise, …``."""
    return ", ".join(m.name.lower().replace("_", sep) for m in table if m.value != 0)


class Role(ContractEnum):
    NONE = 0
    ADMIN = 1
    BANK = 2
    ENTERPRISE = 3
    REGULATOR = 4
    ATTESTOR = 5

    @classmethod
    def parse(cls, text: str, field: str = "role") -> Role:
        return super().parse(text, field)


class DocType(ContractEnum):
    NONE = 0
    INVOICE = 1
    BILL_OF_LADING = 2
    WAREHOUSE_RECEIPT = 3
    CUSTOMS_DECLARATION = 4
    PURCHASE_ORDER = 5
    CERTIFICATE_OF_ORIGIN = 6
    CONTRACT = 7
    OTHER = 8

    @classmethod
    def parse(cls, text: str, field: str = "doc_type") -> DocType:
        return super().parse(text, field)


class DocStatus(ContractEnum):
    NONE = 0
    ACTIVE = 1
    REVOKED = 2
    SUPERSEDED = 3


class FinancingKind(ContractEnum):
    NONE = 0
    INVOICE_FINANCING = 1
    FACTORING = 2
    PRE_SHIPMENT = 3
    WAREHOUSE_RECEIPT_PLEDGE = 4
    OTHER = 5


class FinancingStatus(ContractEnum):
    NONE = 0
    ACTIVE = 1
    CLOSED = 2
    CANCELLED = 3


class RefusalReason(ContractEnum):
    NONE = 0
    DOCUMENT_NOT_REGISTERED = 1
    DOCUMENT_REVOKED = 2
    DOCUMENT_SUPERSEDED = 3
    CURRENCY_MISMATCH = 4
    FACE_VALUE_MISMATCH = 5
    EXCEEDS_FACE_VALUE = 6
    FINGERPRINT_PLEDGED = 7

    @classmethod
    def parse(cls, text: str, field: str) -> RefusalReason:
        """As every enum: lower case, as listed (``fingerprint_pledged``). Answers write a
        refusal's reason as the contract names it (``FINGERPRINT_PLEDGED``, in a 409's
        ``details.reason`` and the refusal lists); copied into the filter it is refused with
        the spelling to use (:func:`one_of_rule`), as docs/api.md lists the values."""
        return super().parse(text, field)


class RevocationReason(IntEnum):
    """What a document revocation's ``reasonCode`` (uint8) means. The contract stores any
    0..255; the gateway documents and decodes these, named after the ISO 20022 cancellation
    reason codes where one fits (DUPL, FRAD, CUST, TECH). Other values are shown as numbers."""

    UNSPECIFIED = 0
    ISSUED_IN_ERROR = 1  # TECH: registered by mistake (wrong file, wrong type)
    DUPLICATE = 2  # DUPL: the same document registered twice
    CANCELLED_BY_ISSUER = 3  # CUST: the trade or the document was cancelled
    FRAUD_SUSPECTED = 4  # FRAD
    REPLACED_ELSEWHERE = 5  # replaced by a document not registered here (else: supersede)


#: revocation reasons that withdraw a registration, not the document: a copy of it (another
#: format, another hash) stays in force (``copy_revoked`` suspicions, the regulator's
#: ``copies_not_in_force``)
REGISTRATION_ONLY_REASONS = frozenset(
    {RevocationReason.ISSUED_IN_ERROR, RevocationReason.DUPLICATE}
)


def withdraws_receivable(admin: bool, is_seller: bool | None) -> bool:
    """Whether a revocation for a reason outside :data:`REGISTRATION_ONLY_REASONS` withdraws the
    receivable — every copy of the document, in any file — and not only the revoked
    registration: its revoker is an ADMIN of the consortium (``admin``), or shown to be the
    document's seller (``is_seller``: ``ledger.services.sellers.SellerShown.is_seller``). A
    tryout: a bank registered a near-copy of an invoice another bank financed (a comment
    appended) and revoked it, "cancelled by issuer"; the regulator was told no version of the
    receivable was in force. A registrant may withdraw its registration; only the seller, or the
    consortium's admin, withdraws the invoice."""
    return admin or is_seller is True


def revocation_withdraws(admin: bool, is_seller: bool | None, reason_code: int) -> bool:
    """Whether a revocation withdrew the receivable: by its revoker
    (:func:`withdraws_receivable`) and for a reason outside :data:`REGISTRATION_ONLY_REASONS`."""
    return withdraws_receivable(admin, is_seller) and reason_code not in REGISTRATION_ONLY_REASONS


def revoker_words(name: str, admin: bool, is_seller: bool | None, reason: str) -> str:
    """Who revoked, as :func:`withdraws_receivable` weighs it, in words: ``name`` (the member
    named), ``reason`` (``SellerShown.reason``: words that follow the member's name)."""
    if admin:
        return f"{name} is an admin of the consortium"
    if is_seller is True:
        return f"{name} is shown to be its seller: {reason}"
    if is_seller is None:
        return f"whether {name} is its seller {reason}"
    return f"{name} is not shown to be its seller: {reason}"


#: what a revocation by a member not shown to be the seller (nor an admin) withdraws, in words
REGISTRATION_WITHDRAWN_ONLY = (
    "its registration is withdrawn; the receivable is not shown to be (only its seller, or the "
    "consortium's admin, withdraws an invoice: ask the seller)"
)


def registration_only_words(reason_code: int) -> str:
    """What a revocation that does not withdraw the receivable withdraws, in words: for reason 1
    or 2 (:data:`REGISTRATION_ONLY_REASONS`) whoever revoked, else (a revoker neither an admin
    nor shown to be the seller) :data:`REGISTRATION_WITHDRAWN_ONLY`."""
    if reason_code in REGISTRATION_ONLY_REASONS:
        return (
            "its reason withdraws this registration, not the invoice (1 issued in error, 2 "
            "duplicate: another file of the invoice stays in force)"
        )
    return REGISTRATION_WITHDRAWN_ONLY


class CancellationReason(IntEnum):
    """What a financing cancellation's ``reasonCode`` (uint8) means (ISO 20022 names where one
    fits). Other values are shown as numbers."""

    UNSPECIFIED = 0
    BOOKED_IN_ERROR = 1  # TECH
    DUPLICATE = 2  # DUPL: the same financing booked twice
    REQUESTED_BY_CUSTOMER = 3  # CUST
    FRAUD_SUSPECTED = 4  # FRAD
    DOCUMENT_REVOKED = 5  # a pledged document was revoked or found altered


def reason_name(table: type[IntEnum], code: int) -> str:
    """The documented name of ``code`` in ``table`` (lower case), else the number as text."""
    try:
        return table(code).name.lower()
    except ValueError:
        return str(code)


def reason_help(table: type[IntEnum]) -> str:
    """``0 unspecified, 1 issued_in_error, …`` for help texts."""
    return ", ".join(f"{m.value} {m.name.lower()}" for m in table)


class ProposalAction(IntEnum):
    """What a governance proposal changes (``ITradeLedger.ProposalAction``)."""

    ADD_MEMBER = 1
    SUSPEND_MEMBER = 2
    REINSTATE_MEMBER = 3
    ROTATE_KEY = 4
    SET_THRESHOLD = 5
    SET_FINGERPRINT_EVALUATOR = 6

    @classmethod
    def parse(cls, text: str, field: str = "action", sep: str = "_") -> ProposalAction:
        """The action named ``text`` as written: lower case, words joined by ``sep`` (``_`` in
        the API's ``add_member``, ``-`` in the CLI's ``add-member``)."""
        for action in cls:
            if action.name.lower().replace("_", sep) == text:
                return action
        names = [a.name.lower().replace("_", sep) for a in cls]
        raise InvalidInput(field, one_of_rule(names, text), value=text)


class ProposalStatus(ContractEnum):
    """A governance proposal's state (``ITradeLedger.ProposalStatus``)."""

    NONE = 0
    PENDING = 1
    EXECUTED = 2


#: who may call each write, exactly as the contract decides (``contracts/modules/*.sol``): the
#: one table the API's routes (``api.deps.require``) and the CLI's write commands
#: (``ledger.cli_common.require_writer``) refuse by, in the same words
WRITE_ROLES: dict[str, tuple[str, ...]] = {
    "member.manage": ("admin",),
    "document.register": ("bank", "enterprise", "attestor"),
    "document.supersede": ("bank", "enterprise", "attestor"),
    "document.revoke": ("bank", "enterprise", "attestor", "admin"),
    "document.attest": ("attestor",),
    "financing.write": ("bank",),
    # shareTerms: a bank its own financings' terms, a regulator every financing's it reads
    "financing.share": ("bank", "regulator"),
    "key.manage_others": ("admin",),
}


def require_writer(role: str, write: str, action: str) -> None:
    """Refuse (403 ``forbidden``) a member of ``role`` that may not perform ``write`` (a key of
    :data:`WRITE_ROLES`), said as ``action`` (``draw down a financing``): ``role enterprise may
    not draw down a financing (allowed: bank)`` — the API's and the CLI's words alike."""
    allowed = WRITE_ROLES[write]
    if role not in allowed:
        raise role_not_allowed(role, allowed, action)
