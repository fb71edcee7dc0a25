"""``ledger.rawtx.signed_call`` reads back what a journaled transaction calls, whatever its fee
form: EIP-1559 (the default), legacy ``gasPrice`` (a free-gas network), a contract creation."""

from __future__ import annotations

import pytest
from eth_account import Account

from ledger.rawtx import signed_call

ACCOUNT = Account.create()
CALL = bytes.fromhex("a9059cbb") + (7).to_bytes(32, "big") + (9).to_bytes(32, "big")


@pytest.mark.parametrize(
    "fees",
    [{"maxFeePerGas": 10, "maxPriorityFeePerGas": 1}, {"gasPrice": 0}],
    ids=["eip1559", "legacy"],
)
def test_a_signed_call_reads_back(fees: dict[str, int]) -> None:
    raw = ACCOUNT.sign_transaction(
        {"to": ACCOUNT.address, "value": 0, "gas": 90_000, "nonce": 4, "chainId": 1337, **fees}
        | {"data": CALL}
    ).raw_transaction
    call = signed_call(bytes(raw))
    assert call.to == ACCOUNT.address
    assert call.data == CALL
    assert (call.uint_argument(0), call.uint_argument(1), call.uint_argument(2)) == (7, 9, None)


def test_a_contract_creation_has_no_recipient() -> None:
    raw = ACCOUNT.sign_transaction(
        {"value": 0, "gas": 90_000, "gasPrice": 0, "nonce": 0, "chainId": 1337, "data": b"\x60"}
    ).raw_transaction
    assert signed_call(bytes(raw)).to is None


@pytest.mark.parametrize("raw", [b"", b"\x02\x01", b"\xc3\x01\x02\x03"])
def test_what_is_not_a_transaction_is_a_value_error(raw: bytes) -> None:
    with pytest.raises(ValueError, match="transaction"):
        signed_call(raw)
