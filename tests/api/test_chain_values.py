"""The one conversion of chain values to JSON (``ledger.jsonsafe``) and the share of a
financing's drawn and repaid amounts per pledged document (exposure by enterprise)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hexbytes import HexBytes
from hypothesis import given
from hypothesis import strategies as st
from web3.datastructures import AttributeDict

from ledger.indexer.decode import canonical_json
from ledger.jsonsafe import jsonable
from ledger.services.audit import _shares
from ledger.services.roles import DocStatus


def test_a_pledge_event_with_fingerprints_serialises() -> None:
    """The arguments of DocumentPledged as web3 decodes them: a bytes32, a bytes32[] of
    non-UTF-8 bytes, uint64 and uint256 values."""
    fingerprints = [b"\xff" * 32, HexBytes(b"\x00\x9c" * 16)]
    args = AttributeDict(
        {
            "financingId": 2**256 - 1,
            "docHash": HexBytes(b"\xfe" * 32),
            "amount": 2**64 - 1,
            "faceValue": 467_500,
            "fingerprints": fingerprints,
            "nested": (b"\x01", [b"\x02"], AttributeDict({"c": b"DKK"})),
        }
    )
    safe = jsonable(args)
    assert json.loads(json.dumps(safe)) == safe
    assert safe["fingerprints"] == ["0x" + "ff" * 32, "0x" + "009c" * 16]
    assert safe["financingId"] == 2**256 - 1  # exact, as a JSON number
    assert safe["nested"] == ["0x01", ["0x02"], {"c": "0x444b4b"}]
    # the index stores exactly this form
    assert json.loads(canonical_json(args)) == safe


def test_other_python_values_become_json_too() -> None:
    value = {
        1: DocStatus.REVOKED,
        "when": datetime(2026, 1, 31, tzinfo=UTC),
        "amount": Decimal("46.75"),
        "set": {b"\x02", b"\x01"},
        "nan": float("nan"),
        "raw": bytearray(b"\x0a"),
        "other": object,
    }
    safe = jsonable(value)
    json.dumps(safe, allow_nan=False)
    assert safe["1"] == "revoked"
    assert safe["when"] == "2026-01-31T00:00:00Z"
    assert safe["amount"] == "46.75"
    assert safe["set"] == ["0x01", "0x02"]
    assert safe["raw"] == "0x0a"


@given(
    total=st.integers(min_value=0, max_value=2**64 - 1),
    weights=st.lists(st.integers(min_value=1, max_value=2**64 - 1), min_size=1, max_size=16),
)
def test_shares_add_up_and_follow_the_weights(total: int, weights: list[int]) -> None:
    shares = _shares(total, weights)
    assert sum(shares) == total
    assert all(s >= 0 for s in shares)
    whole = sum(weights)
    for share, weight in zip(shares[:-1], weights[:-1], strict=True):
        assert share == total * weight // whole


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [(150_000, [200_000], [150_000]), (100, [1, 1, 1], [33, 33, 34]), (7, [3, 1], [5, 2])],
)
def test_shares_examples(total: int, weights: list[int], expected: list[int]) -> None:
    assert _shares(total, weights) == expected
