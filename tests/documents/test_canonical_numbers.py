"""Two JSON documents whose numbers differ never share a canonical hash.

A JSON file is looked up by its bytes and by its canonical form (sorted keys, no whitespace, its
numbers as a binary float writes them: ``ledger.services.documents.canonical_form``). A float
holds about 17 significant digits, so ``0.1000000000000000055511151231257827`` was written
``0.1``, and ``1e500`` and ``1e400`` both ``Infinity``: a file whose number differs from a
registered document's was verified as that document, and refused registration as "the same
JSON document". Such a file has no canonical form now — it is its bytes, as ``POST
/v1/documents/json`` refuses such a number — while every other JSON document keeps the
canonical bytes, and hash, it always had (a re-upload, a re-indented copy).
"""

from __future__ import annotations

import hashlib
import itertools
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from ledger.services import documents as docs
from tests.api.api_helpers import client_fixture

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

#: (registered, another document): numbers that differ as written, one float apart or none
TWINS = [
    ("0.1", "0.1000000000000000055511151231257827"),
    ("0.1", "0.10000000000000001"),
    ("1.2345678901234567", "1.2345678901234568"),
    ("1.2345678901234567", "1.23456789012345678"),
    ("12345678901234567000", "12345678901234567890.0"),
    ("1e400", "1e500"),
    ("-1e400", "-1e999999999"),
    ("0.0", "1e-400"),
]
_numbers = itertools.count(1)


def _doc(number: str, label: str) -> bytes:
    return f'{{"note": "canonical numbers {label}", "x": {number}}}'.encode()


def _sha(data: bytes) -> str:
    return "0x" + hashlib.sha256(data).hexdigest()


def _file(data: bytes) -> dict[str, Any]:
    return {"file": ("doc.json", data, "application/json")}


@pytest.mark.parametrize(("registered", "other"), TWINS)
def test_numbers_that_differ_never_share_a_canonical_form(registered: str, other: str) -> None:
    first, second = (
        docs.canonical_form(_doc(registered, "a")),
        docs.canonical_form(_doc(other, "a")),
    )
    assert second is None or second != first, (registered, other)


def test_ordinary_numbers_keep_the_canonical_bytes_they_had() -> None:
    """The canonical form of a document whose numbers a float holds is unchanged — the hash
    ``POST /v1/documents/json`` registered for it, and the one a copy of it is looked up by."""
    data = (
        b'{"b": 0.1, "a": 100.50, "c": 1e3, "d": -0, "e": 12345678901234567890, "f": -0.0, '
        b'"g": 1.5e-7, "h": 1.2345678901234567, "i": [1E+2, 2.50], "j": 1e22}'
    )
    assert docs.canonical_form(data) == (
        b'{"a":100.5,"b":0.1,"c":1000.0,"d":0,"e":12345678901234567890,"f":-0.0,'
        b'"g":1.5e-07,"h":1.2345678901234567,"i":[100.0,2.5],"j":1e+22}'
    )
    assert docs.canonical_form(data) == docs.canonical_form(data.replace(b", ", b",\n  "))


@pytest.mark.parametrize(("registered", "other"), TWINS)
def test_a_file_whose_number_differs_is_not_the_registered_document(
    client: TestClient, network: Network, registered: str, other: str
) -> None:
    """Verify, check and registration of the other file answer for that file — not for the
    registered document its float would have made it; the registered document, re-uploaded as
    it is or re-indented, is still found under its own hash."""
    ent, bank = network.enterprise, network.bank
    label = str(next(_numbers))
    first, second = _doc(registered, label), _doc(other, label)
    made = client.post("/v1/documents", files=_file(first), headers=ent.headers)
    assert made.status_code == 201, made.text
    assert made.json()["doc_hash"] == _sha(first)

    verified = client.post("/v1/documents/verify", files=_file(second), headers=bank.headers)
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "not_registered", verified.text
    checked = client.post("/v1/documents/check", files=_file(second), headers=bank.headers)
    assert checked.status_code == 200, checked.text
    assert checked.json()["registered"] is False, checked.text

    again = client.post("/v1/documents", files=_file(second), headers=ent.headers)
    assert again.status_code == 201, again.text  # it was 409: "the same JSON document"
    assert again.json()["doc_hash"] == _sha(second)

    # the registered document is found as it always was: by its bytes, and — its numbers held
    # by a float — another byte form of it by their canonical form (1e400 has none: a copy of
    # it is its own bytes, as the file with 1e500 is)
    copies = [first]
    if docs.canonical_form(first) is not None:
        copies.append(first.replace(b", ", b",\n  "))
    for copy in copies:
        found = client.post("/v1/documents/verify", files=_file(copy), headers=bank.headers)
        assert found.json()["status"] == "active", found.text
        assert found.json()["doc_hash"] == _sha(first), found.text
    repeated = client.post("/v1/documents", files=_file(first), headers=ent.headers)
    assert repeated.status_code == 409, repeated.text
    assert _sha(first) in repeated.text
