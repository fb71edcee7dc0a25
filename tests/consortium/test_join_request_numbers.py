"""A join request's numbers are JSON integers (ledger/join.py): ``"version": true`` and
``"version": 1.0`` passed the check ``!= 1`` (``True == 1`` and ``1.0 == 1`` to Python), and a
``chain_id`` written ``-0`` was read as 0. Each is refused naming its field, as the request
file's other fields are."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import pytest
from eth_account import Account

from ledger.errors import InvalidInput
from ledger.join import JoinRequest
from ledger.jsonliterals import WrittenFloat, WrittenInt


def _request(**changes: Any) -> dict[str, Any]:
    account = Account.create()
    request = JoinRequest(
        chain_id=1515200,
        contract="0x" + "11" * 20,
        address=account.address,
        encryption_key="0x" + secrets.token_hex(32),
        name="Joining Bank",
        role="bank",
        legal_id="",
        created_at=datetime.now(UTC).isoformat(),
        signature="0x" + "00" * 65,
    )
    return {**request.__dict__, **changes}


def test_a_join_request_with_whole_numbers_is_read() -> None:
    assert JoinRequest.parse(_request()).version == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("version", True),
        ("version", 1.0),
        ("version", WrittenFloat("1e0")),
        ("chain_id", True),
        ("chain_id", WrittenInt("-0")),
        ("chain_id", 1515200.0),
    ],
)
def test_a_join_request_number_that_is_not_a_json_integer_is_refused(
    field: str, value: Any
) -> None:
    with pytest.raises(InvalidInput) as refused:
        JoinRequest.parse(_request(**{field: value}))
    assert refused.value.field == field
