"""Every evaluation is in the fingerprint-check log exactly once, complete, however its request
ends (issue #16 writes each entry once — with the lodged files when a registration succeeds,
on its own otherwise): a registration, a batch (one entry for its files), a registration the
chain refuses and a file that cannot be read (each with the code of the error that ended the
request: a refused request is never logged ``ok``), a check."""

from __future__ import annotations

import os

import pytest

from ledger.errors import LedgerError
from ledger.gatewaydb import FingerprintCheck
from ledger.services import documents as docs
from tests.conftest import Network


def entries(network: Network, since: int) -> list[FingerprintCheck]:
    found, _ = network.ledger.db.fingerprint_checks(after_id=since, limit=1000)
    return found


def last_id(network: Network) -> int:
    found, _ = network.ledger.db.fingerprint_checks(limit=100_000)
    return found[-1].check_id if found else 0


def test_a_registration_is_logged_once_complete(network: Network) -> None:
    ledger, me = network.ledger, network.enterprise.address
    before = last_id(network)
    data = os.urandom(40)
    docs.register_file(ledger, me, "enterprise", data, "a.bin")
    (entry,) = entries(network, before)
    assert (entry.participant, entry.action, entry.outcome, entry.files) == (
        me,
        "register",
        "ok",
        1,
    )
    assert ledger.db.received(docs.hex32(docs.file_hash(data)), me)  # and the file lodged


def test_a_batch_is_one_entry_for_its_files(network: Network) -> None:
    ledger, me = network.ledger, network.enterprise.address
    before = last_id(network)
    files = [(os.urandom(40), f"f{i}.bin") for i in range(5)]
    registered, _ = docs.register_files(ledger, me, "enterprise", files)
    assert len(registered) == 5
    (entry,) = entries(network, before)
    assert (entry.action, entry.outcome, entry.files) == ("register", "ok", 5)
    for examined in registered:  # the files were lodged in the same transaction
        assert ledger.db.received(examined.doc_hash, me)


def test_a_refused_registration_is_logged_and_lodges_nothing(network: Network) -> None:
    ledger, me, other = network.ledger, network.enterprise.address, network.bank.address
    data = os.urandom(40)
    docs.register_file(ledger, me, "enterprise", data, "a.bin")
    before = last_id(network)
    with pytest.raises(LedgerError) as refused:
        docs.register_file(ledger, other, "bank", data, "a.bin")
    assert refused.value.code == "DocumentAlreadyRegistered"
    (entry,) = entries(network, before)
    assert (entry.participant, entry.action, entry.outcome) == (
        other,
        "register",
        "DocumentAlreadyRegistered",
    )
    assert not ledger.db.received(docs.hex32(docs.file_hash(data)), other)


def test_an_unreadable_file_is_logged_with_its_error(network: Network) -> None:
    ledger, me = network.ledger, network.enterprise.address
    before = last_id(network)
    with pytest.raises(LedgerError) as refused:
        docs.register_file(ledger, me, "enterprise", b"", "empty.bin")
    (entry,) = entries(network, before)
    assert entry.outcome == refused.value.code
    assert entry.outcome != "ok"


def test_a_check_is_logged_once(network: Network) -> None:
    ledger, me = network.ledger, network.bank.address
    before = last_id(network)
    docs.examine(ledger, os.urandom(40), me, "bank")
    (entry,) = entries(network, before)
    assert (entry.participant, entry.action, entry.outcome) == (me, "check", "ok")


def test_a_batch_the_chain_refuses_is_logged_with_the_refusal(network: Network) -> None:
    ledger, me, other = network.ledger, network.enterprise.address, network.bank.address
    taken = os.urandom(40)
    docs.register_file(ledger, me, "enterprise", taken, "taken.bin")
    before = last_id(network)
    with pytest.raises(LedgerError) as refused:
        docs.register_files(ledger, other, "bank", [(os.urandom(40), "new.bin"), (taken, "t")])
    (entry,) = entries(network, before)
    assert (entry.action, entry.files, entry.outcome) == ("register", 2, refused.value.code)
    assert entry.outcome != "ok"
