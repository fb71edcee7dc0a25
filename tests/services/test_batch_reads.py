"""A batch's files are examined as each would be alone, with what each examination reads of
the chain and of the gateway database read for all of them at once (issue #16: a 100-file
batch read each file's registration with its own ``eth_call`` and its stored copies with
their own queries): the same matches, suspicions and registrations as a check of each file
just before, on both backends; on a JSON-RPC node, the registrations in one round trip."""

from __future__ import annotations

import os
import uuid
from importlib import resources
from typing import Any

import pytest
from eth_abi import decode as abi_decode

from ledger.errors import InvalidInput
from ledger.services import documents as docs
from tests.conftest import Network

pytestmark = pytest.mark.both_backends

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()


def _invoice(number: str, tail: bytes = b"") -> bytes:
    return UBL.replace(b"TOSL110", number.encode()) + tail


def _seen(examined: docs.Examined) -> tuple[Any, ...]:
    """What a check of the file gives: a registration's answer adds the notice that its
    registrant is not shown to be the seller (``registrant_not_seller``), which a check has not
    (no registrant yet)."""
    notices = tuple(n for n in examined.notices if n.kind != "registrant_not_seller")
    return (examined.doc_hash, examined.matches, examined.suspicions, notices)


def test_a_batch_examines_each_file_as_a_check_of_it_alone(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, bank = network.ledger, network.bank.address
    stem = f"BR-{uuid.uuid4().hex[:8]}"
    # stored at this gateway before the batch: a copy of invoice 1 (other bytes) lodged by the
    # bank, a copy of invoice 2 registered by it; invoice 3 is new
    docs.receive(ledger, bank, "bank", _invoice(f"{stem}-1", b"\n"), "lodged.xml")
    docs.register_file(ledger, bank, "bank", _invoice(f"{stem}-2", b"\n"), "registered.xml")
    files = [
        (_invoice(f"{stem}-1"), "one.xml"),
        (_invoice(f"{stem}-2"), "two.xml"),
        (_invoice(f"{stem}-3"), "three.xml"),
        (os.urandom(64), "blob.bin"),
    ]
    alone = [docs.examine(ledger, data, bank, "bank", as_registered=False)[1] for data, _ in files]
    assert any(a.matches for a in alone)  # the stored copies are found (else nothing is shown)

    posts: list[Any] = []
    if ledger.rpc is not None:
        real_post = ledger.rpc._post

        def counted(payload: Any) -> Any:
            posts.append(payload)
            return real_post(payload)

        monkeypatch.setattr(ledger.rpc, "_post", counted)
    registered, _ = docs.register_files(ledger, bank, "bank", files)

    assert [_seen(r) for r in registered] == [_seen(a) for a in alone]
    for examined in registered:
        assert examined.registration is not None
        assert examined.registration.registered_by == bank
    # the bank is not the invoices' seller, and is told so of each (not of the blob: no seller)
    told = [[n.kind for n in r.notices].count("registrant_not_seller") for r in registered]
    assert told == [1, 1, 1, 0]
    if ledger.rpc is not None:  # anvil: the statuses of every file of the batch in one call
        by_selector = {"0x" + v.selector.hex(): k for k, v in ledger.calls.signatures.items()}
        alone = [
            p["params"][0]["data"]
            for p in posts
            if isinstance(p, dict) and p["method"] == "eth_call"
        ]
        asked = [
            abi_decode(["bytes32[]"], bytes.fromhex(data[10:]))[0]
            for data in alone
            if by_selector[data[:10]] == "documentStatuses"
        ]
        assert any(len(hashes) >= len(files) for hashes in asked), [len(h) for h in asked]
        # and no record one by one: those of the registered ones (the files' and their stored
        # copies', the copy lodged unregistered too) were read ahead, in one JSON-RPC batch
        alone_calls = [by_selector[data[:10]] for data in alone]
        assert "getDocument" not in alone_calls, alone_calls
        assert "successorOf" not in alone_calls, alone_calls


def test_a_batch_over_the_contracts_limit_names_the_files_field(network: Network) -> None:
    """A tryout sent 257 files to ``POST /v1/documents/batch`` and read an error about the
    field ``documents``: the batch's field is ``files``."""
    ledger, me = network.ledger, network.enterprise.address
    limit = docs.max_batch(ledger)
    files = [(f"over the limit {i} {uuid.uuid4()}".encode(), f"{i}.txt") for i in range(limit + 1)]
    with pytest.raises(InvalidInput) as refused:
        docs.register_files(ledger, me, "enterprise", files)
    assert refused.value.field == "files"
    assert f"at most {limit}" in refused.value.rule


def test_the_contracts_batch_limit_is_read_once(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``MAX_BATCH`` is a constant of the deployed bytecode: every batch read it from the
    chain. It is the chain's, and read once."""
    ledger = network.ledger
    first = docs.max_batch(ledger)
    assert first == int(ledger.calls.functions.MAX_BATCH().call())
    calls: list[Any] = []
    real = ledger.calls.eth_call
    monkeypatch.setattr(ledger.calls, "eth_call", lambda *a: calls.append(a) or real(*a))
    assert docs.max_batch(ledger) == first
    assert calls == []
