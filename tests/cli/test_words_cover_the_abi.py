"""Every custom error and every event the contract's ABI declares has words for people: a
sentence for each error (ledger.messages), a decoder and CSV columns for each event
(ledger.eventwords). A new error or event in the contract fails here until it has them."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.artifacts import load_artifact
from ledger.errors import FinancingRefused
from ledger.eventwords import DECODERS, EVENT_FIELDS, FIELD_COLUMNS, decode_event
from ledger.messages import SENTENCES, describe, error_body, snake_case
from ledger.revert import ERRORS, UnknownRevert
from ledger.services.audit import CSV_COLUMNS
from ledger.services.roles import RefusalReason
from tests.cli.cli_helpers import RAW_REPR

ABI = load_artifact("TradeLedger")["abi"]
ABI_ERRORS = {e["name"]: e for e in ABI if e["type"] == "error"}
ABI_EVENTS = {e["name"]: e for e in ABI if e["type"] == "event"}
ADDRESS = "0x5b31c1d54f652aed537d4cba45283eb84f36a589"  # as eth-abi decodes it: lower case
#: as people read it: checksummed (EIP-55), as every address the gateway shows
SHOWN = "0x5B31C1D54f652AED537D4cBA45283eB84f36A589"


class KnownNames:
    """Names as a gateway knows them (the real ones come from the chain or the index)."""

    def member(self, address: str) -> str | None:
        return "Demo Regulator" if address.lower() == ADDRESS else None

    def financing_currency(self, financing_id: int) -> str | None:
        return "DKK" if financing_id == 7 else None


def _sample(kind: str, name: str) -> Any:
    """A value of ABI type ``kind`` as the revert decoder gives it."""
    if kind == "address":
        return ADDRESS
    if kind == "bytes3":
        return b"dk1"
    if kind.startswith("bytes32[]"):
        return [b"\x11" * 32]
    if kind == "bytes":  # dynamic bytes (e.g. a sealed key envelope)
        return b"\xab" * 40
    if kind.startswith("bytes"):
        return b"\xab" * int(kind[5:])
    if kind == "string":
        return "Demo Regulator"
    if name in ("registeredAt", "maturity"):
        return 1_796_133_987
    if name == "financingId":
        return 7
    return 4


def test_every_abi_error_has_a_sentence() -> None:
    assert set(ABI_ERRORS) == set(SENTENCES)
    assert set(ABI_ERRORS) == set(ERRORS)


@pytest.mark.parametrize("name", sorted(ABI_ERRORS))
def test_each_error_reads_as_words(name: str) -> None:
    inputs = ABI_ERRORS[name]["inputs"]
    error = ERRORS[name](*[_sample(i["type"], i["name"]) for i in inputs])
    assert error.message.startswith(f"{name}(")  # the raw form stays the machine's
    text = describe(error, KnownNames())
    assert text
    assert name not in text
    assert not RAW_REPR.search(text), text
    assert "the contract refused the transaction with" not in text  # not the fallback
    kinds = {i["name"]: i["type"] for i in inputs}
    if "address" in kinds.values():
        assert "0x5B31C1D54f652AED537D4cBA45283eB84f36A589" in text  # checksummed
        if name not in ("NotAMember", "OwnableInvalidOwner"):  # a stranger has no name
            assert "Demo Regulator (0x5B31C1D54f652AED537D4cBA45283eB84f36A589)" in text
    if "financingId" in kinds and {"requested", "available", "outstanding"} & set(kinds):
        assert "DKK" in text
        assert "minor units" not in text
    body = error_body(error)
    assert (body["error"], body["message"]) == (name, describe(error))
    assert {snake_case(k) for k in kinds} <= set(body["details"])  # each argument, snake_case


def test_enum_arguments_become_names_and_amounts_get_their_currency() -> None:
    names = KnownNames()
    assert describe(ERRORS["RoleNotAllowed"](ADDRESS, 4), names).endswith(
        "has the role regulator, which may not do this"
    )
    assert describe(ERRORS["DocumentNotActive"](b"\x01" * 32, 2)).endswith("is revoked, not active")
    assert describe(ERRORS["FinancingNotActive"](3, 3)) == "financing 3 is cancelled, not active"
    assert (
        describe(ERRORS["RepaymentExceedsOutstanding"](7, 999_999, 52_000), names)
        == "repayment of 9,999.99 DKK exceeds the outstanding 520.00 DKK on financing 7"
    )
    # without a known currency: minor units, said so, never a bare number posing as money
    assert describe(ERRORS["RepaymentExceedsOutstanding"](8, 999_999, 52_000), names) == (
        "repayment of 999,999 minor units exceeds the outstanding 52,000 minor units on financing 8"
    )
    assert "'DKK'" in describe(ERRORS["InvalidCurrency"](b"DKK"))
    assert "2026-12-01T" in describe(ERRORS["InvalidMaturity"](1_796_133_987))
    assert "no revert data" in describe(UnknownRevert(""))
    refused = FinancingRefused("raw", reason="DOCUMENT_REVOKED", doc_hash="0xab", bank=ADDRESS)
    assert describe(refused) == f"financing refused for {SHOWN}: document 0xab is revoked"


def test_every_abi_event_has_a_decoder_and_its_columns() -> None:
    assert set(ABI_EVENTS) == set(DECODERS) == set(EVENT_FIELDS)
    union = {f for fields in EVENT_FIELDS.values() for f in fields}
    assert union == set(FIELD_COLUMNS)
    assert len(FIELD_COLUMNS) == len(set(FIELD_COLUMNS))
    assert set(FIELD_COLUMNS) <= set(CSV_COLUMNS)
    assert "args" not in CSV_COLUMNS  # no JSON cell


@pytest.mark.parametrize("name", sorted(ABI_EVENTS))
def test_each_event_decodes_to_its_fields(name: str) -> None:
    args: dict[str, Any] = {}
    for i in ABI_EVENTS[name]["inputs"]:
        value = _sample(i["type"], i["name"])
        args[i["name"]] = (
            "0x" + value.hex()
            if isinstance(value, bytes)
            else ["0x" + v.hex() for v in value]
            if isinstance(value, list)
            else value
        )
    decoded = decode_event(name, args, KnownNames())
    assert list(decoded.fields) == list(EVENT_FIELDS[name])
    assert decoded.summary != name
    assert "{" not in decoded.summary
    for key in ("kind", "role", "doc_type", "reason"):
        if key in decoded.fields:
            assert not str(decoded.fields[key]).isdigit()  # enum names, never numbers


@pytest.mark.parametrize("reason", [r for r in RefusalReason if r is not RefusalReason.NONE])
def test_every_refusal_reason_reads_as_words(reason: RefusalReason) -> None:
    details: dict[str, Any] = {
        "reason": reason.name,
        "doc_hash": "0x" + "ab" * 32,
        "bank": ADDRESS,
        "bank_name": "Bank B",
        "currency": "DKK",
        "document_currency": "EUR",
        "requested_amount": 100_000,
        "stated_face_value": 467_000,
        "face_value": 467_500,
        "already_financed": 374_000,
        "headroom": 93_500,
        "holders": [{"financing_id": 1, "bank": "0x37b6", "bank_name": "Bank A", "amount": None}],
    }
    if reason is RefusalReason.FINGERPRINT_PLEDGED:
        details |= {"conflicting_financing_id": 1, "conflicting_bank": "0x37b6"}
    text = describe(FinancingRefused("raw", **details))
    assert (
        text.startswith(f"financing refused for Bank B ({SHOWN}): document 0xabab")
        or (
            text.startswith(f"financing refused for Bank B ({SHOWN}): the invoice of document 0xab")
        )
        or (text.startswith(f"financing refused for Bank B ({SHOWN}): 1,000.00 DKK more on"))
    )
    assert "None" not in text
    assert reason.name not in text  # said in words, not the enum's name
