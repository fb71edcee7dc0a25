"""Contract reverts → typed Python errors named exactly like the Solidity errors.

Every custom error in the contract's ABI becomes a subclass of :class:`ledger.errors.ContractError`
*and* of the category that says what it means for a client (``Forbidden``, ``Conflict``,
``NotFound``, ``InvalidInput``), so the API maps it to a status without knowing each error.
The classes are built from the ABI once, at import; ``ERRORS["DocumentAlreadyRegistered"]`` is
the class, and ``decode_revert(data)`` turns revert bytes (selector + ABI-encoded arguments) into
an instance carrying the decoded arguments.

One decoder serves both backends: eth-tester puts the revert data in the message of
``TransactionFailed``; a JSON-RPC node returns it as the ``data`` of ``ContractCustomError``.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.abi import function_signature_to_4byte_selector

from ledger.artifacts import load_artifact
from ledger.errors import (
    Conflict,
    ContractError,
    Forbidden,
    InvalidInput,
    LedgerError,
    NotFound,
)

#: which category each contract error belongs to; unlisted errors are plain ContractError
CATEGORY: dict[str, type[LedgerError]] = {
    # the caller may not do this
    "NotAMember": Forbidden,
    "MemberNotActive": Forbidden,
    "RoleNotAllowed": Forbidden,
    "OnlyOwnerManagesAdmins": Forbidden,
    "NotDocumentRegistrant": Forbidden,
    "NotFinancingBank": Forbidden,
    "OwnableUnauthorizedAccount": Forbidden,
    "ProposalNotFound": NotFound,
    # unknown record
    "DocumentNotRegistered": NotFound,
    "FinancingNotFound": NotFound,
    # a duplicate, or the record's state does not allow it
    "MemberAlreadyExists": Conflict,
    "MemberAlreadySuspended": Conflict,
    "MemberNotSuspended": Conflict,
    "DocumentAlreadyRegistered": Conflict,
    "DocumentNotActive": Conflict,
    "AlreadyAttested": Conflict,
    "DuplicatePledge": Conflict,
    "FinancingNotActive": Conflict,
    "DrawdownExceedsFinancing": Conflict,
    "RepaymentExceedsOutstanding": Conflict,
    "FinancingNotRepaid": Conflict,
    "ProposalRequired": Conflict,
    "ProposalNotPending": Conflict,
    "ProposalAlreadyApproved": Conflict,
    "AdminsBelowThreshold": Conflict,
    # malformed input
    "InvalidRole": InvalidInput,
    "ZeroAddress": InvalidInput,
    "InvalidDocumentType": InvalidInput,
    "ZeroDocumentHash": InvalidInput,
    "EmptyBatch": InvalidInput,
    "BatchTooLarge": InvalidInput,
    "LengthMismatch": InvalidInput,
    "SelfSupersession": InvalidInput,
    "ZeroAmount": InvalidInput,
    "InvalidCurrency": InvalidInput,
    "InvalidFinancingKind": InvalidInput,
    "InvalidMaturity": InvalidInput,
    "InvalidFingerprintCount": InvalidInput,
    "DocumentsNotSorted": InvalidInput,
    "FingerprintsNotSorted": InvalidInput,
    "MarkCountOutOfRange": InvalidInput,
    "MarksNotSorted": InvalidInput,
    "AmountOverflow": InvalidInput,
    "ReleaseMismatch": InvalidInput,
    "IncompleteRelease": InvalidInput,
    "OwnableInvalidOwner": InvalidInput,
    "InvalidProposalAction": InvalidInput,
    "InvalidThreshold": InvalidInput,
    "ZeroFingerprintEvaluatorKey": InvalidInput,
    "ZeroEncryptionKey": InvalidInput,
    "FingerprintCountOutOfRange": InvalidInput,
    "InvalidTermsLength": InvalidInput,
    "ZeroCommitment": InvalidInput,
}


#: the field of the API's request each contract error concerns, as the request names it (the
#: body's ``amount``, the path's ``financing_id``): a client's error body gives it as
#: ``details.field`` beside ``details.rule`` (the error's sentence, ``ledger.messages``), for a
#: 409 or a 404 as for a 422. None: the error concerns no field of a request — the caller itself
#: (its role, its standing, its right to the record), a state no request field changes, or a
#: value the gateway builds itself (sorted fingerprints, marks, envelopes: a gateway fault, not
#: the client's); a malformed-input error of these names its first argument. Every custom error
#: of the ABI is here (a test holds it).
FIELDS: dict[str, str | None] = {
    # membership: the member a request names (the path's address, a proposal's account)
    "NotAMember": None,  # the caller
    "MemberNotActive": None,  # the caller
    "RoleNotAllowed": None,  # the caller
    "OnlyOwnerManagesAdmins": None,  # the caller
    "OwnableUnauthorizedAccount": None,  # the caller
    "OwnershipRenounceDisabled": None,
    "OwnableInvalidOwner": None,  # no API request transfers ownership
    "MemberAlreadyExists": "account",
    "MemberAlreadySuspended": "address",
    "MemberNotSuspended": "address",
    "InvalidRole": "role",
    "ZeroAddress": "account",
    "ZeroEncryptionKey": "data",  # a proposal's data: the member's X25519 key
    "ZeroFingerprintEvaluatorKey": "data",  # a proposal's data: the evaluator's key
    # governance
    "ProposalRequired": None,  # the consortium's threshold, not the request
    "ProposalNotFound": "proposal_id",
    "ProposalNotPending": "proposal_id",
    "ProposalAlreadyApproved": "proposal_id",
    "InvalidProposalAction": "action",
    "InvalidThreshold": "threshold",
    "AdminsBelowThreshold": None,  # the admins' number against M
    # documents: the document a request names (the path's doc_hash, the uploaded file)
    "DocumentAlreadyRegistered": "file",
    "DocumentNotRegistered": "doc_hash",
    "DocumentNotActive": "doc_hash",
    "NotDocumentRegistrant": "doc_hash",  # the document the caller did not register
    "InvalidDocumentType": "doc_type",
    "ZeroDocumentHash": "doc_hash",
    "EmptyBatch": "files",
    "BatchTooLarge": "files",
    "LengthMismatch": None,  # lists the gateway builds
    "AlreadyAttested": "doc_hash",
    "SelfSupersession": "doc_hash",
    # financings: the body's amounts and terms, the path's financing_id
    "ZeroAmount": "amount",
    "InvalidCurrency": "currency",
    "InvalidFinancingKind": "kind",
    "InvalidMaturity": "maturity",
    "InvalidFingerprintCount": "documents",
    "FingerprintCountOutOfRange": "documents",
    "DuplicatePledge": "documents",
    "AmountOverflow": "documents",
    "FingerprintsNotSorted": None,  # the gateway sorts them
    "InvalidTermsLength": None,  # the envelope the gateway seals
    "ZeroCommitment": None,  # the commitment the gateway computes
    "MarkCountOutOfRange": None,  # the marks the gateway computes
    "MarksNotSorted": None,
    "ReleaseMismatch": None,  # the fingerprints the gateway hands back
    "IncompleteRelease": None,
    "FinancingNotFound": "financing_id",
    "NotFinancingBank": "financing_id",  # the financing that is not the caller's
    "FinancingNotActive": "financing_id",
    "DrawdownExceedsFinancing": "amount",
    "RepaymentExceedsOutstanding": "amount",
    "FinancingNotRepaid": "financing_id",
}


class ContractInputError(ContractError, InvalidInput):
    """Base of contract errors that mean malformed input (field: the request field it concerns,
    :data:`FIELDS`, else the error's first argument)."""

    def __init__(self, *args: Any) -> None:
        ContractError.__init__(self, *args)
        name = type(self).__name__
        self.field = FIELDS.get(name) or (self.arg_names[0] if self.arg_names else name)
        self.rule = name


class UnknownRevert(ContractError):
    """A revert whose data matches no error in the ABI (or carries no data)."""

    arg_names = ("data",)


def _canonical_type(entry: dict[str, Any]) -> str:
    kind = str(entry["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in entry["components"])
        return f"({inner}){kind[5:]}"
    return kind


def _build_errors(
    abi: list[dict[str, Any]],
) -> tuple[dict[str, type[ContractError]], dict[bytes, tuple[type[ContractError], list[str]]]]:
    classes: dict[str, type[ContractError]] = {}
    by_selector: dict[bytes, tuple[type[ContractError], list[str]]] = {}
    for entry in abi:
        if entry.get("type") != "error":
            continue
        name = entry["name"]
        types = [_canonical_type(i) for i in entry["inputs"]]
        category = CATEGORY.get(name)
        if category is InvalidInput:
            bases: tuple[type, ...] = (ContractInputError,)
        elif category is not None:
            bases = (ContractError, category)
        else:
            bases = (ContractError,)
        cls = type(
            name,
            bases,
            {
                "arg_names": tuple(i["name"] for i in entry["inputs"]),
                "code": name,
                "__module__": __name__,
                "__doc__": f"Solidity error {name}({', '.join(types)}).",
            },
        )
        classes[name] = cls
        selector = function_signature_to_4byte_selector(f"{name}({','.join(types)})")
        by_selector[selector] = (cls, types)
    return classes, by_selector


ERRORS, _BY_SELECTOR = _build_errors(load_artifact("TradeLedger")["abi"])


def decode_revert(data: bytes) -> ContractError:
    """The typed error for revert ``data`` (4-byte selector + ABI-encoded arguments)."""
    found = _BY_SELECTOR.get(bytes(data[:4]))
    if found is None:
        return UnknownRevert("0x" + bytes(data).hex())
    cls, types = found
    values = abi_decode(types, bytes(data[4:])) if types else ()
    error: ContractError = cls(*values)
    return error


_HEX_DATA = re.compile(r"0x[0-9a-fA-F]{8,}")
#: eth-tester renders revert bytes as a Python bytes literal in the message
_BYTES_LITERAL = re.compile(r"""b(['"]).*\1""", re.DOTALL)


def _bytes_literal(text: str) -> bytes | None:
    match = _BYTES_LITERAL.search(text)
    if match is None:
        return None
    try:
        value = ast.literal_eval(match.group(0))
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, bytes) else None


def revert_data_from_exception(exc: BaseException) -> bytes | None:
    """Extract revert bytes from a web3 / eth-tester exception, if it carries any."""
    data = getattr(exc, "data", None)
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    if isinstance(data, dict):
        inner = data.get("data")
        if isinstance(inner, str) and inner.startswith("0x"):
            return bytes.fromhex(inner[2:])
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, bytes | bytearray) and len(arg) >= 4:
            return bytes(arg)
        if isinstance(arg, str):
            literal = _bytes_literal(arg)
            if literal is not None:
                return literal
            match = _HEX_DATA.search(arg)
            if match:
                return bytes.fromhex(match.group(0)[2:])
    return None
