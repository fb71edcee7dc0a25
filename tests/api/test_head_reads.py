"""A served gateway answers "is it registered?", "which financing holds this fingerprint?", "how
many financings are there?" and "where does this document's history start?" from its event index
when the index vouches for the chain's head (issue #16: ``ledger.indexer.headreads``), and its
answers are the chain's at every distance the index may be behind: a document revoked, superseded or
registered, a financing registered, refused or cancelled in a block the index has not folded in yet
is read from the chain, never answered from an older state. Before, every check, registration and
document record ran ``getDocument`` and ``fingerprintHolders`` through the EVM (~10 ms each on
py-evm), and every record read its history's logs from the deployment block."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import (
    client_fixture,
    finance,
    financed_invoice,
    lodge,
    own_invoice,
    register,
    unique_file,
    xml,
)
from fastapi.testclient import TestClient
from web3 import Web3

from ledger.indexer import EventIndex, headreads
from ledger.services import documents as docs
from ledger.services.marked import mark_carriers

if TYPE_CHECKING:
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _head(network: Network) -> int:
    return int(network.ledger.w3.eth.block_number)


def _contract_reads(network: Network, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The contract functions called through the EVM from now on (by selector's name)."""
    calls = network.ledger.calls
    names = {
        Web3.keccak(text=signature)[:4].to_0x_hex(): signature.split("(")[0]
        for signature in (
            "getDocument(bytes32)",
            "successorOf(bytes32)",
            "fingerprintHolders(bytes32[])",
            "financingCount()",
            "markCarriers(bytes32[])",
        )
    }
    seen: list[str] = []
    real = calls.eth_call

    def counted(tx: dict[str, Any], block: Any) -> Any:
        seen.append(names.get(str(tx["data"])[:10], str(tx["data"])[:10]))
        return real(tx, block)

    monkeypatch.setattr(calls, "eth_call", counted)
    return seen


def _answers(
    network: Network, hashes: list[str], fingerprints: list[bytes], marks: list[bytes]
) -> Any:
    """Each document's registration, each fingerprint's holder, each registered document's
    record (history included) as every member reads it, and the active financings carrying each
    mark."""
    ledger = network.ledger
    records = [docs.find_registration(ledger, docs.parse_doc_hash(h)) for h in hashes]
    # a batch's read of them all at once (``headreads.documents``) answers the same
    together = docs.registrations_of(ledger, [docs.parse_doc_hash(h) for h in hashes])
    assert [together[docs.parse_doc_hash(h)] for h in hashes] == records
    readers = (network.enterprise, network.bank, network.bank_b, network.regulator)
    details = [
        docs.detail(ledger, docs.parse_doc_hash(r.doc_hash), who.address, who.role)
        for r in records
        if r is not None
        for who in readers
    ]
    count = docs.financing_count(ledger)
    holders = docs._Lookups(ledger).holders(fingerprints)
    return records, holders, details, count, mark_carriers(ledger, marks)


def test_the_index_answers_as_the_chain_at_every_distance_behind(
    client: TestClient, network: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(headreads, "MAX_TAIL", 3)  # the walk below passes every regime
    ledger = network.ledger
    served = ledger.event_index
    start = _head(network)
    hashes: list[str] = []
    revoked = register(client, network.enterprise)
    old = register(client, network.enterprise)
    hashes += [revoked, old]
    answer = client.post(
        f"/v1/documents/{revoked}/revoke",
        json={"reason_code": 1},
        headers=network.enterprise.headers,
    )
    assert answer.status_code == 200, answer.text
    amended = client.post(
        f"/v1/documents/{old}/supersede",
        files=unique_file("amended"),
        headers=network.enterprise.headers,
    )
    assert amended.status_code == 201, amended.text
    hashes.append(amended.json()["new_doc_hash"])
    cancelled_doc, cancelled = financed_invoice(client, network)
    kept_invoice = own_invoice()
    kept_doc, kept = financed_invoice(client, network, kept_invoice)
    hashes += [cancelled_doc, kept_doc]
    answer = client.post(
        f"/v1/financings/{cancelled}/cancel", json={"reason_code": 1}, headers=network.bank.headers
    )
    assert answer.status_code == 200, answer.text
    lodge(client, network.bank_b, kept_invoice)
    refused = finance(client, network.bank_b, kept_doc, amount=1_000)  # held by ``kept``
    assert refused.status_code == 409, refused.text
    attested = register(client, network.enterprise)
    answer = client.post(
        f"/v1/documents/{attested}/attest",
        json={"evidence": "customs entry 42"},
        headers=network.attestor.headers,
    )
    assert answer.status_code == 201, answer.text
    hashes += [attested, "0x" + uuid.uuid4().hex * 2]
    locked = [
        bytes(fp)
        for log in docs.logs(ledger, "FinancingRegistered")
        for fp in log["args"]["fingerprints"]
    ]
    fingerprints = [*locked, b"\x07" * 32]
    carried = {  # the marks this walk's two financings carry
        bytes(mark): int(log["args"]["financingId"])
        for log in docs.logs(ledger, "FinancingMarked")
        for mark in log["args"]["marks"]
        if int(log["args"]["financingId"]) in (cancelled, kept)
    }
    marks = [*carried, b"\x08" * 32]
    end = _head(network)
    assert end - start > headreads.MAX_TAIL  # the walk below passes the farthest distance

    ledger.event_index = None
    with monkeypatch.context() as whole:  # the truth: every log read from the deployment
        whole.setattr(ledger, "logs_since", lambda _time: ledger.manifest.deployment_block)
        chain = _answers(network, hashes, fingerprints, marks)
    assert _answers(network, hashes, fingerprints, marks) == chain  # no index: logs_since's bounds
    held = chain[1]
    # the two financings' marks: the cancelled one's name none, the kept one's name it
    assert {carried[m]: found for m, found in zip(marks[:-1], chain[4], strict=False)} == {
        cancelled: [],
        kept: [kept],
    }
    assert chain[4][-1] == []
    assert chain[3] == int(ledger.calls.functions.financingCount().call())  # the chain's own
    assert kept in held
    assert cancelled not in held
    assert held[-1] == 0
    records = {r.doc_hash: r for r in chain[0] if r is not None}
    assert records[revoked].status is docs.DocStatus.REVOKED
    assert records[old].successor == hashes[2]
    histories = [[e.event for e in d.history] for d in chain[2]]
    for event in ("FinancingRefused", "DocumentAttested", "FinancingCancelled"):
        assert any(event in h for h in histories), event  # the walk below covers each kind

    behind: list[int] = []
    try:
        for block in range(start - 1, end + 1):  # the index behind by every distance, then none
            # a new index each time: a document's record reads its history, which catches the
            # index up to the head, and the next distance would not be walked
            index = EventIndex.for_ledger(ledger, url=f"sqlite:///{tmp_path / f'{block}.sqlite'}")
            try:
                ledger.event_index = index
                index.catch_up(to_block=block)
                with index.engine.connect() as connection:
                    indexed = index.indexed(connection)
                assert indexed is not None
                behind.append(end - indexed[0])
                assert _answers(network, hashes, fingerprints, marks) == chain, (
                    f"indexed to {block}"
                )
            finally:
                ledger.event_index = served
                index.close()
    finally:
        ledger.event_index = served
    assert behind == list(range(end - start + 1, -1, -1))  # every distance was walked


def test_a_check_at_the_head_runs_no_contract_read_through_the_evm(
    client: TestClient, network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = own_invoice()
    if network.backend != "embedded":
        pytest.skip("a node runs eth_call natively: the gateway reads the chain there")
    doc_hash, financing_id = financed_invoice(client, network, invoice)
    assert network.ledger.event_index is not None
    network.ledger.event_index.catch_up()
    reads = _contract_reads(network, monkeypatch)
    record = client.get(f"/v1/documents/{doc_hash}", headers=network.bank.headers)
    assert record.status_code == 200, record.text
    checked = client.post(
        "/v1/documents/check",
        files=xml(invoice),
        headers=network.bank.headers,
    )
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["registered"] is True
    assert body["registration"]["doc_hash"] == doc_hash
    assert [h["financing_id"] for h in body["held_by"]] == [financing_id]
    evm = {"getDocument", "successorOf", "fingerprintHolders", "financingCount"}
    assert not (evm | {"markCarriers"}) & set(reads), reads


def test_logs_since_is_never_after_the_first_block_of_that_time(
    client: TestClient, network: Network
) -> None:
    ledger = network.ledger
    for _ in range(3):
        register(client, network.enterprise)
    head = _head(network)
    times = {n: ledger.block_time(n) for n in range(ledger.manifest.deployment_block, head + 1)}
    for number, time in times.items():
        since = ledger.logs_since(time)
        assert since <= number
        if network.backend == "embedded":  # a node's log index needs no bound
            assert since == min(n for n, t in times.items() if t >= time)


def test_the_unfolded_tail_is_read_once_and_follows_the_chain_and_the_index(
    client: TestClient, network: Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read keeps the events of the tail it read last and reads only the blocks mined since;
    once the index folds some of them in, those are dropped. Its answers stay the chain's."""
    if network.backend != "embedded":
        pytest.skip("a node runs eth_call natively: the gateway reads the chain there")
    ledger = network.ledger
    served = ledger.event_index
    first, second = register(client, network.enterprise), register(client, network.enterprise)
    hashes = [docs.parse_doc_hash(first), docs.parse_doc_hash(second)]
    index = EventIndex.for_ledger(ledger, url=f"sqlite:///{tmp_path / 'index.sqlite'}")
    read: list[tuple[int, int]] = []
    chain_events = index.chain_events

    def counted(start: int, end: int) -> Any:
        read.append((start, end))
        return chain_events(start, end)

    monkeypatch.setattr(index, "chain_events", counted)

    def revoke(doc_hash: str) -> int:
        answer = client.post(
            f"/v1/documents/{doc_hash}/revoke",
            json={"reason_code": 1},
            headers=network.enterprise.headers,
        )
        assert answer.status_code == 200, answer.text
        return _head(network)

    def answers() -> list[docs.DocStatus | None]:
        ledger.event_index = index
        try:
            together = docs.registrations_of(ledger, hashes)
        finally:
            ledger.event_index = served
        truth = [docs.find_registration(ledger, h) for h in hashes]  # the served index's
        assert [together[h] for h in hashes] == truth
        return [None if r is None else r.status for r in truth]

    try:
        indexed = _head(network)
        index.catch_up(to_block=indexed)
        read.clear()  # folding reads the chain's events too
        first_revoked = revoke(first)
        assert answers() == [docs.DocStatus.REVOKED, docs.DocStatus.ACTIVE]
        assert read == [(indexed + 1, first_revoked)]
        second_revoked = revoke(second)
        assert answers() == [docs.DocStatus.REVOKED, docs.DocStatus.REVOKED]
        assert read[1:] == [(first_revoked + 1, second_revoked)]  # only the new blocks
        index.catch_up(to_block=first_revoked)  # the index folds the first revocation in
        read.clear()
        assert answers() == [docs.DocStatus.REVOKED, docs.DocStatus.REVOKED]
        assert read == []  # the rest of the tail kept, nothing read
        assert headreads.documents(index, [first, second]) == {
            first.lower(): headreads.documents(index, [first])[first.lower()],
            second.lower(): headreads.UNKNOWN,  # its revocation is still in the tail
        }
        assert isinstance(
            headreads.documents(index, [first])[first.lower()], headreads.IndexedDocument
        )
    finally:
        ledger.event_index = served
        index.close()
