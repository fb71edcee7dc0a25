"""Every error body's ``details`` keys are snake_case, like every other key of the JSON API: a
contract error keeps its Solidity name as ``error`` and in ``message``, but its arguments
(``docHash``, ``registeredAt``) and their decoded meanings (``registeredAt_iso``) were sent
camelCase beside the gateway's own ``file_hash`` or ``idempotency_key``. Walked over every
custom error of the ABI and over representative refusals through the API."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture, finance, financed_invoice, register, unique_file
from eth_utils import to_checksum_address
from fastapi.testclient import TestClient

from ledger import messages
from ledger.artifacts import load_artifact
from ledger.errors import ContractError
from ledger.revert import ERRORS

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]

SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


def _camel_keys(details: dict[str, Any]) -> list[str]:
    return [key for key in details if not SNAKE.fullmatch(key)]


def _sample(abi_type: str) -> Any:
    if abi_type == "address":
        return "0x" + "12" * 20
    if abi_type.startswith("bytes"):
        return b"DKK" if abi_type == "bytes3" else b"\x01" * 32
    if abi_type.endswith("[]"):
        return []
    return 2


def test_every_contract_errors_details_keys_are_snake_case() -> None:
    walked = 0
    for entry in load_artifact("TradeLedger")["abi"]:
        if entry["type"] != "error":
            continue
        error = ERRORS[entry["name"]](*[_sample(i["type"]) for i in entry["inputs"]])
        assert isinstance(error, ContractError)
        body = messages.error_body(error)
        assert body["error"] == entry["name"]  # the Solidity name stays the code
        assert _camel_keys(body["details"]) == [], entry["name"]
        for arg in entry["inputs"]:  # every argument is still there, renamed
            assert messages.snake_case(arg["name"]) in body["details"], entry["name"]
        walked += bool(entry["inputs"])
    assert walked > 10


@pytest.mark.parametrize(
    ("error", "key"), [("DocumentAlreadyRegistered", "registrant"), ("AlreadyAttested", "attestor")]
)
def test_a_duplicates_member_is_checksummed(error: str, key: str) -> None:
    """The revert data decodes to lower case; every other answer gives an address checksummed
    (EIP-55): so do these 409s, under the same key."""
    lower = "0x" + "ab" * 20
    entry = next(e for e in load_artifact("TradeLedger")["abi"] if e.get("name") == error)
    args = [lower if i["type"] == "address" else _sample(i["type"]) for i in entry["inputs"]]
    details = messages.error_body(ERRORS[error](*args))["details"]
    assert details[key] == to_checksum_address(lower)


def test_a_double_registration_names_its_arguments_in_snake_case(
    client: TestClient, network: Network
) -> None:
    files = unique_file("twice")
    doc = register(client, network.enterprise, files)
    again = client.post("/v1/documents", files=files, headers=network.enterprise.headers)
    assert again.status_code == 409, again.text
    body = again.json()
    assert body["error"] == "DocumentAlreadyRegistered"
    assert body["details"]["doc_hash"] == doc
    # checksummed (EIP-55), as every other answer gives an address; the chain's revert data
    # decodes to lower case
    assert body["details"]["registrant"] == network.enterprise.address
    assert "registered_at" in body["details"]
    assert "registered_at_iso" in body["details"]
    assert _camel_keys(body["details"]) == []


def test_a_reused_idempotency_key_and_a_pledge_conflict_are_snake_case(
    client: TestClient, network: Network
) -> None:
    headers = {**network.enterprise.headers, "Idempotency-Key": "error-keys-1"}
    first = client.post("/v1/documents", files=unique_file("a"), headers=headers)
    assert first.status_code == 201, first.text
    reused = client.post("/v1/documents", files=unique_file("b"), headers=headers)
    assert reused.status_code == 409, reused.text
    assert _camel_keys(reused.json()["details"]) == []

    doc, _ = financed_invoice(client, network)
    twice = finance(client, network.bank, doc, amount=100_000)
    assert twice.status_code == 409, twice.text
    assert twice.json()["details"], twice.text
    assert _camel_keys(twice.json()["details"]) == []
