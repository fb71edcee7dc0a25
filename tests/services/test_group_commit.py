"""Registrations that arrive together share blocks (the transactor's group commit) and are sent
without a simulation when the file is new (issue #16): each request is still applied exactly
once and answered with its own registration, and one the chain refuses in a shared block fails
alone — with the contract's error, nothing lodged — while the others of its group succeed.
Both backends."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from ledger.errors import LedgerError
from ledger.services import documents as docs
from tests.conftest import Network

pytestmark = pytest.mark.both_backends


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in threads released at once; each one's result or exception."""
    results: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait(timeout=30)
        try:
            results[i] = calls[i]()
        except Exception as exc:  # the test looks at each outcome
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_concurrent_registrations_each_get_their_own_result_once(network: Network) -> None:
    ledger, me = network.ledger, network.enterprise.address
    files = [f"group commit {i}".encode() for i in range(8)]
    keys = [f"group-{i}" for i in range(8)]
    results = together(
        [
            lambda i=i: docs.register_file(
                ledger, me, "enterprise", files[i], f"f{i}.txt", idempotency_key=keys[i]
            )
            for i in range(8)
        ]
    )
    for i, result in enumerate(results):
        assert not isinstance(result, BaseException), result
        examined, _, registration = result
        wanted = docs.hex32(docs.file_hash(files[i]))
        assert examined.doc_hash == registration.doc_hash == wanted  # its own answer
        assert registration.registered_by == me
        assert examined.financed is not True  # read for the caller (None: not decided here)
        assert ledger.db.received(wanted, me) != []  # lodged once registered
        assert docs.get_registration(ledger, docs.file_hash(files[i])) == registration
    # exactly once: retried with the same keys, the same transactions answer, nothing new
    before = len(docs.logs(ledger, "DocumentRegistered"))
    again = together(
        [
            lambda i=i: docs.register_file(
                ledger, me, "enterprise", files[i], f"f{i}.txt", idempotency_key=keys[i]
            )
            for i in range(8)
        ]
    )
    for first, second in zip(results, again, strict=True):
        assert not isinstance(second, BaseException), second
        assert second[1] == first[1]  # the same transaction and block
        assert second[2].doc_hash == first[2].doc_hash
    assert len(docs.logs(ledger, "DocumentRegistered")) == before


def test_a_refused_registration_in_a_shared_block_fails_alone(network: Network) -> None:
    """Two members register the same new file at once (both read it unregistered, so neither
    is simulated): the chain takes the first and refuses the second with the contract's error;
    the other files of the group are registered all the same."""
    ledger = network.ledger
    same = b"one file, two registrants at once"
    others = [f"group commit other {i}".encode() for i in range(4)]
    who = [network.enterprise.address, network.bank.address]
    roles = ["enterprise", "bank"]
    calls: list[Callable[[], Any]] = [
        lambda i=i: docs.register_file(ledger, who[i], roles[i], same, "same.txt") for i in range(2)
    ]
    calls += [
        lambda i=i: docs.register_file(ledger, who[0], roles[0], others[i], f"o{i}.txt")
        for i in range(4)
    ]
    results = together(calls)
    duplicates = results[:2]
    won = [r for r in duplicates if not isinstance(r, BaseException)]
    lost = [r for r in duplicates if isinstance(r, BaseException)]
    assert len(won) == 1
    assert len(lost) == 1
    assert isinstance(lost[0], LedgerError)
    assert type(lost[0]).__name__ == "DocumentAlreadyRegistered"
    winner = won[0][2].registered_by
    loser = next(a for a in who if a != winner)
    same_hash = docs.hex32(docs.file_hash(same))
    assert ledger.db.received(same_hash, loser) == []  # the refused one lodged nothing
    assert ledger.db.received(same_hash, winner) != []
    for i, result in enumerate(results[2:]):
        assert not isinstance(result, BaseException), result
        assert result[2].doc_hash == docs.hex32(docs.file_hash(others[i]))
