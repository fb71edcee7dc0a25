"""A check's matches say whether each matching copy is registered; a registration is never
undone, so the gateway reads a copy's registration from the chain once and remembers it
(``documents.was_registered``; issue #16: a regulator's check of an invoice whose copies were
lodged at many gateways' members read every copy's registration from the chain, every time)."""

from __future__ import annotations

import uuid
from importlib import resources

import pytest

from ledger.services import documents as docs
from tests.conftest import Network

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()


def _copies(n: int) -> list[bytes]:
    """``n`` files of one invoice (a number of its own): the same facts, different bytes."""
    number = f"RD-{uuid.uuid4().hex[:10]}".encode()
    invoice = UBL.replace(b"TOSL110", number)
    return [invoice + b"\n" * i for i in range(n)]


def test_each_registered_copy_is_read_from_the_chain_at_most_once(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger, me, regulator = network.ledger, network.enterprise.address, network.regulator.address
    first, *others, unregistered = _copies(5)
    for copy in (first, *others):
        docs.register_file(ledger, me, "enterprise", copy, "copy.xml")
    docs.receive(ledger, me, "enterprise", unregistered, "unregistered.xml")
    reads: list[bytes] = []
    real = docs.find_registration

    def counted(
        ledger_: object, doc_hash: bytes, *, from_chain: bool = False
    ) -> docs.Registration | None:
        reads.append(doc_hash)
        return real(ledger, doc_hash, from_chain=from_chain)

    monkeypatch.setattr(docs, "find_registration", counted)

    for _ in range(3):
        _, examined = docs.examine(ledger, first, regulator, "regulator")
        flags = {m.doc_hash: m.registered for m in examined.matches}
        assert len(flags) == 5, examined.matches
        assert sum(flags.values()) == 4  # the four registered copies, never the lodged one
        assert flags[docs.hex32(docs.file_hash(unregistered))] is False
    # the checked file itself once per check; of the copies, only the unregistered one is read
    # again (it may be registered since): the registered ones were known from their receipts
    unregistered_hash = docs.file_hash(unregistered)
    copies_read = [h for h in reads if h not in (docs.file_hash(first), unregistered_hash)]
    assert copies_read == []
    assert reads.count(unregistered_hash) == 3


def test_a_revoked_copy_still_reads_registered(network: Network) -> None:
    ledger, me, regulator = network.ledger, network.enterprise.address, network.regulator.address
    first, second = _copies(2)
    docs.register_file(ledger, me, "enterprise", first, "a.xml")
    docs.register_file(ledger, me, "enterprise", second, "b.xml")
    docs.revoke(ledger, me, docs.file_hash(second), 1)
    _, examined = docs.examine(ledger, first, regulator, "regulator")
    (match,) = [m for m in examined.matches if m.doc_hash == docs.hex32(docs.file_hash(second))]
    assert match.registered is True
