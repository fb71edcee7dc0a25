"""Every contract error that concerns a field of the request names it, with the rule in words,
in the error body — a 409 or a 404 as a 422 does. Found by a fresh user's tryout: ``POST
/v1/financings/{id}/repay`` beyond what is outstanding answered 409 ``RepaymentExceedsOutstanding``
with no ``field`` and no ``rule`` in ``details``, while every input 422 names both. The table
(``ledger.revert.FIELDS``) covers every custom error of the ABI; the errors about the caller
itself, or about values the gateway builds, name none."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture, financed_invoice
from fastapi.testclient import TestClient

from ledger.artifacts import load_artifact
from ledger.messages import describe, error_body
from ledger.revert import ERRORS, FIELDS, ContractInputError

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

ABI_ERRORS = {e["name"]: e for e in load_artifact("TradeLedger")["abi"] if e["type"] == "error"}

#: what a client would send for each field (as the API's requests name them)
REQUEST_FIELDS = {
    "account", "address", "role", "data", "proposal_id", "action", "threshold", "file",
    "doc_hash", "doc_type", "files", "amount", "currency", "kind", "maturity", "documents",
    "financing_id",
}  # fmt: skip


def _sample(kind: str) -> Any:
    if kind == "address":
        return "0x" + "ab" * 20
    if kind == "bytes3":
        return b"dk1"
    if kind.startswith("bytes"):
        return b"\xab" * 32
    return 7


def test_the_table_covers_every_custom_error_of_the_abi() -> None:
    assert set(FIELDS) == set(ABI_ERRORS)
    assert {f for f in FIELDS.values() if f is not None} <= REQUEST_FIELDS


@pytest.mark.parametrize("name", sorted(ABI_ERRORS))
def test_each_contract_error_names_its_field_and_rule(name: str) -> None:
    error = ERRORS[name](*[_sample(i["type"]) for i in ABI_ERRORS[name]["inputs"]])
    details = error_body(error)["details"]
    field = FIELDS[name]
    if field is not None:
        assert details["field"] == field, details
        assert details["rule"] == describe(error)
        assert details["rule"]
    elif isinstance(error, ContractInputError):  # a 422 always names a field
        assert details["field"]
        assert details["rule"] == describe(error)
    else:
        assert "field" not in details, details
        assert "rule" not in details, details


def test_a_repayment_beyond_the_outstanding_amount_names_amount_and_the_rule(
    client: TestClient, network: Network
) -> None:
    _, financing_id = financed_invoice(client, network)
    path = f"/v1/financings/{financing_id}"
    drawn = client.post(f"{path}/drawdown", json={"amount": 500}, headers=network.bank.headers)
    assert drawn.status_code == 200, drawn.text
    refused = client.post(f"{path}/repay", json={"amount": 501}, headers=network.bank.headers)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "RepaymentExceedsOutstanding"
    assert body["details"]["field"] == "amount"
    assert body["details"]["rule"] == body["message"]
    assert body["message"] == (
        f"repayment of 5.01 DKK exceeds the outstanding 5.00 DKK on financing {financing_id}"
    )
    again = client.post(f"{path}/drawdown", json={"amount": 99_501}, headers=network.bank.headers)
    assert again.status_code == 409, again.text
    assert again.json()["details"]["field"] == "amount"
    unknown = client.post(
        "/v1/financings/999/repay", json={"amount": 1}, headers=network.bank.headers
    )
    assert unknown.status_code == 404, unknown.text
    assert unknown.json()["details"]["field"] == "financing_id"


#: every contract error argument that is an enum of the contract (its ABI's internal type)
ENUM_ARGS = [
    (name, i["name"])
    for name, abi in sorted(ABI_ERRORS.items())
    for i in abi["inputs"]
    if i.get("internalType", "").startswith("enum ")
]


@pytest.mark.parametrize(("name", "arg"), ENUM_ARGS)
def test_an_enum_argument_is_given_by_its_name_not_its_number(name: str, arg: str) -> None:
    """``DocumentNotActive`` gave ``details.status: 2`` beside ``status_name: "revoked"`` (a
    tryout): a number no API user can read. Every enum argument of every contract error is its
    name in ``details`` (``<arg>_name`` stays, the same), as a time is its ISO text; a number
    the contract's enum does not know stays a number (it is all there is)."""
    error = ERRORS[name](
        *[1 if i["name"] == arg else _sample(i["type"]) for i in ABI_ERRORS[name]["inputs"]]
    )
    details = error_body(error)["details"]
    assert isinstance(details[arg], str), details
    assert details[arg] == details[f"{arg}_name"], details
    assert not details[arg].isdigit()
    unknown = ERRORS[name](
        *[250 if i["name"] == arg else _sample(i["type"]) for i in ABI_ERRORS[name]["inputs"]]
    )
    assert error_body(unknown)["details"][arg] == 250


def test_a_revoked_documents_409_says_revoked(client: TestClient, network: Network) -> None:
    """The attestor attests a revoked document: 409 DocumentNotActive, ``status: "revoked"``."""
    doc, _ = financed_invoice(client, network)
    ent = network.enterprise
    revoked = client.post(
        f"/v1/documents/{doc}/revoke", json={"reason_code": 3}, headers=ent.headers
    )
    assert revoked.status_code == 200, revoked.text
    attested = client.post(
        f"/v1/documents/{doc}/attest", json={"evidence": "x"}, headers=network.attestor.headers
    )
    assert attested.status_code == 409, attested.text
    details = attested.json()["details"]
    assert (details["status"], details["status_name"]) == ("revoked", "revoked"), details
