"""The lean contract calls (ledger/chain/lean.py, issue #16) answer exactly what web3.py's
contract calls answer — the same values, the same Python shapes — for every view function
of the contract that takes no argument or the arguments of a live ledger, before and after
writes; they revert with the same typed error; and a transaction sent from a lean call is
mined as one sent from web3's. Both backends."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import pytest
from eth_abi.exceptions import EncodingError

from ledger.errors import LedgerError
from ledger.revert import ContractError
from ledger.services import documents as docs
from ledger.services.roles import DocStatus
from ledger.tx import translate
from tests.conftest import Network

pytestmark = pytest.mark.both_backends


def outcome(call: Any, block: Any) -> Any:
    """A call's answer, or the code of the typed error it raises (a revert)."""
    try:
        return call.call(block_identifier=block)
    except Exception as exc:
        return ("raised", translate(exc).code)


def both(network: Network, name: str, *args: Any, block: Any = "latest") -> tuple[Any, Any]:
    ledger = network.ledger
    web3_answer = outcome(getattr(ledger.contract.functions, name)(*args), block)
    lean_answer = outcome(getattr(ledger.calls.functions, name)(*args), block)
    return web3_answer, lean_answer


def same(network: Network, name: str, *args: Any, block: Any = "latest") -> Any:
    web3_answer, lean_answer = both(network, name, *args, block=block)
    assert lean_answer == web3_answer, name
    assert type(lean_answer) is type(web3_answer), name
    if isinstance(web3_answer, list | tuple):
        for a, b in zip(web3_answer, lean_answer, strict=True):
            assert type(a) is type(b), name
    return lean_answer


def test_every_argumentless_view_answers_as_web3(network: Network) -> None:
    abi = network.ledger.contract.abi
    views = [
        e["name"]
        for e in abi
        if e.get("type") == "function"
        and e.get("stateMutability") in ("view", "pure")
        and not e.get("inputs")
    ]
    assert len(views) >= 5
    for name in views:
        same(network, name)


def test_reads_of_a_live_ledger_answer_as_web3(network: Network) -> None:
    ledger, me = network.ledger, network.enterprise.address
    data = os.urandom(24)
    _, _, registration = docs.register_file(ledger, me, "enterprise", data, "f.bin")
    doc_hash = bytes.fromhex(registration.doc_hash[2:])
    head = ledger.w3.eth.block_number
    record = same(network, "getDocument", doc_hash)
    assert record[1] == registration.registrant_id
    assert record[0] == me  # checksummed
    # the answer read from the receipt (issue #16) is the chain's record, time included
    assert registration.registered_by == record[0]
    assert registration.registered_at == datetime.fromtimestamp(record[2], UTC)
    registered, _ = docs.register_files(
        ledger, me, "enterprise", [(os.urandom(24), "a.bin"), (os.urandom(24), "b.bin")]
    )
    for examined in registered:
        assert examined.registration is not None
        chain = ledger.calls.functions.getDocument(
            bytes.fromhex(examined.registration.doc_hash[2:])
        ).call()
        assert examined.registration.registered_at == datetime.fromtimestamp(chain[2], UTC)
        assert examined.registration.registrant_id == chain[1]
        assert examined.registration.registered_by == chain[0]
    same(network, "getDocument", os.urandom(32))  # never registered: status none
    same(network, "successorOf", doc_hash)
    for participant in network.by_role().values():
        same(network, "memberOf", participant.address)
    same(network, "memberById", 1)
    same(network, "fingerprintHolders", [os.urandom(32) for _ in range(3)])
    same(network, "fingerprintHolders", [])
    same(network, "documentStatuses", [doc_hash, os.urandom(32), doc_hash])
    same(network, "documentStatuses", [])
    same(network, "getDocument", doc_hash, block=head - 1)  # before it was registered
    assert ledger.calls.functions.getDocument(doc_hash).call(block_identifier=head - 1)[4] == 0


def test_a_revert_is_the_contracts_typed_error(network: Network) -> None:
    ledger, me = network.ledger, network.enterprise.address
    _, _, registration = docs.register_file(ledger, me, "enterprise", os.urandom(24), "f.bin")
    doc_hash = bytes.fromhex(registration.doc_hash[2:])
    call = ledger.calls.functions.registerDocument(doc_hash, 1)
    with pytest.raises(ContractError) as raised:
        call.call({"from": me})
    assert raised.value.code == "DocumentAlreadyRegistered"
    with pytest.raises(LedgerError) as estimated:
        ledger.transactor(me).estimate(call)
    assert estimated.value.code == "DocumentAlreadyRegistered"
    # the same call through web3 names the same error
    web3_call = ledger.contract.functions.registerDocument(doc_hash, 1)
    assert call._encode_transaction_data() == web3_call._encode_transaction_data()
    with pytest.raises(LedgerError) as web3_raised:
        ledger.transactor(me).estimate(web3_call)
    assert web3_raised.value.code == raised.value.code


def test_an_unknown_function_is_an_attribute_error(network: Network) -> None:
    with pytest.raises(AttributeError, match="noSuchFunction"):
        network.ledger.calls.functions.noSuchFunction()


def test_a_replayed_registration_answers_the_record_as_it_stands(network: Network) -> None:
    """A retry of a registration whose first answer was lost replays the transaction it sent;
    when the document was revoked since, the answer says so (it is read from the chain, not
    built from the old receipt)."""
    ledger, me = network.ledger, network.enterprise.address
    data = os.urandom(24)
    _, _, first = docs.register_file(
        ledger, me, "enterprise", data, "f.bin", idempotency_key="replayed-registration"
    )
    assert first.status is DocStatus.ACTIVE
    docs.revoke(ledger, me, bytes.fromhex(first.doc_hash[2:]), 1)
    _, _, again = docs.register_file(
        ledger, me, "enterprise", data, "f.bin", idempotency_key="replayed-registration"
    )
    assert again.status is DocStatus.REVOKED
    assert again.registered_at == first.registered_at
    assert again.registrant_id == first.registrant_id


def test_short_bytes32_arguments_are_refused_not_padded(network: Network) -> None:
    with pytest.raises(EncodingError):
        network.ledger.calls.functions.getDocument(b"\x01" * 31).call()


def test_many_calls_answer_as_each_call_does(network: Network) -> None:
    """``call_many`` (one JSON-RPC batch on anvil, one call after another on the embedded
    chain) answers each call as it answers alone, in order; the registrations of a batch's
    files read together are those read one by one (registered, revoked with a successor,
    never registered)."""
    ledger, me = network.ledger, network.enterprise.address
    _, _, kept = docs.register_file(ledger, me, "enterprise", os.urandom(24), "kept.bin")
    _, _, old = docs.register_file(ledger, me, "enterprise", os.urandom(24), "old.bin")
    old_hash, new_hash = bytes.fromhex(old.doc_hash[2:]), os.urandom(32)
    docs.supersede(ledger, me, old_hash, new_hash)
    _, _, gone = docs.register_file(ledger, me, "enterprise", os.urandom(24), "gone.bin")
    gone_hash = bytes.fromhex(gone.doc_hash[2:])
    docs.revoke(ledger, me, gone_hash, 1)
    hashes = [
        bytes.fromhex(kept.doc_hash[2:]),
        old_hash,
        os.urandom(32),
        new_hash,
        old_hash,
        gone_hash,
    ]
    functions = ledger.calls.functions
    calls = [functions.getDocument(h) for h in hashes] + [functions.successorOf(old_hash)]
    assert ledger.calls.call_many(calls) == [c.call() for c in calls]
    assert ledger.calls.call_many([]) == []
    read_together = docs.registrations_of(ledger, hashes)
    assert read_together == {h: docs.find_registration(ledger, h) for h in hashes}
    assert read_together[hashes[2]] is None
    revoked = read_together[gone_hash]
    assert revoked is not None
    assert revoked.status is DocStatus.REVOKED
    assert docs.registrations_of(ledger, []) == {}
    unregistered = [os.urandom(32) for _ in range(3)]  # none registered: no record read
    assert docs.registrations_of(ledger, unregistered) == dict.fromkeys(unregistered)
    superseded = read_together[old_hash]
    assert superseded is not None
    assert superseded.successor == "0x" + new_hash.hex()


def test_a_failing_call_among_many_raises_its_typed_error(network: Network) -> None:
    ledger, me = network.ledger, network.enterprise.address
    _, _, registration = docs.register_file(ledger, me, "enterprise", os.urandom(24), "f.bin")
    doc_hash = bytes.fromhex(registration.doc_hash[2:])
    functions = ledger.calls.functions
    refused = functions.registerDocument(doc_hash, 1)  # registered already, and no caller
    with pytest.raises(ContractError) as raised:
        ledger.calls.call_many([functions.getDocument(doc_hash), refused])
    assert outcome(refused, "latest") == ("raised", raised.value.code)
