"""A block on the embedded chain is dated when it is sealed: never when its parent was, never
ahead of the clock.

py-evm stamps the next block's header the moment a block is sealed; a gateway that sat idle for
80 s then dated a registration 80 s before the document existed. These tests idle the chain
(with an injected clock, and once with the real one) and check that what a user reads — the
registration time on chain, through the service, the API and after a restart — is not earlier
than the wall time just before the request, and that each block is no earlier than its parent.

The other way: Ethereum's ``parent + 1`` rule ran a chain sealing several blocks a second ahead
of the clock (a tryout saw registrations dated 17 s after they were acknowledged). Blocks sealed
within one second share it; a burst of registrations, in sequence and in parallel, is never
dated after its answers.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.chain.embedded import open_embedded
from ledger.network import Ledger, init_network, open_ledger
from ledger.services import documents as docs
from ledger.services.roles import DocType
from ledger.tx import Transactor
from tests.conftest import Network, build_network, make_settings

#: how long the gateway sits idle before the write, on the injected clock (seconds)
IDLE = 80


class StepClock:
    """A wall clock the test moves by hand (Unix seconds)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _block_time(ledger: Ledger, number: int) -> int:
    return int(ledger.w3.eth.get_block(number)["timestamp"])


def _idle(ledger: Ledger) -> StepClock:
    """Put an injected clock on the ledger's chain, ``IDLE`` seconds after its head's time."""
    assert ledger.node is not None
    clock = StepClock(_block_time(ledger, ledger.head_block()) + IDLE)
    ledger.node.backend.clock = clock
    return clock


def _assert_dated_at_or_after(ledger: Ledger, doc_hash: bytes, block: int, before: float) -> None:
    registered = docs.get_registration(ledger, doc_hash).registered_at.timestamp()
    assert registered >= int(before), (
        f"registered at {registered:.0f}, {before - registered:.0f} s before the request"
    )
    assert _block_time(ledger, block) == registered
    assert _block_time(ledger, block) >= _block_time(ledger, block - 1)


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Network]:
    ledger, admin_key = init_network(make_settings(tmp_path / "ledger"), "Test admin")
    try:
        yield build_network(ledger, admin_key)
    finally:
        ledger.close()


def test_a_registration_after_idle_time_is_dated_when_it_was_made(net: Network) -> None:
    """The gateway's own path (a batch sealed with ``mine_all``)."""
    clock = _idle(net.ledger)
    before = clock()
    doc_hash = hashlib.sha256(b"registered after idling").digest()
    receipt = docs.register(net.ledger, net.enterprise.address, doc_hash, DocType.INVOICE)
    _assert_dated_at_or_after(net.ledger, doc_hash, receipt.block, before)


def test_a_transaction_mined_on_arrival_is_dated_when_it_was_made(net: Network) -> None:
    """eth-tester's automine path (what the JSON-RPC bridge and the CLI beside a server use)."""
    ledger = net.ledger
    signer = ledger.keystore.load(net.enterprise.address)
    plain = Transactor(ledger.w3, signer, ledger.chain_id, ledger.fees)  # no shared-block sender
    clock = _idle(ledger)
    before = clock()
    doc_hash = hashlib.sha256(b"sent through eth_sendRawTransaction").digest()
    receipt = plain.transact(
        ledger.contract.functions.registerDocument(doc_hash, int(DocType.BILL_OF_LADING))
    )
    _assert_dated_at_or_after(ledger, doc_hash, int(receipt["blockNumber"]), before)


def test_blocks_sealed_in_one_batch_each_follow_their_parent(net: Network) -> None:
    """A batch too large for one block is sealed in several; none is dated before its parent
    nor before the request."""
    ledger = net.ledger
    clock = _idle(ledger)
    before = clock()
    transactor = ledger.transactor(net.enterprise.address)
    hashes = [hashlib.sha256(f"batch {i}".encode()).digest() for i in range(12)]
    # a declared gas of a quarter of the limit puts two transactions in each block
    gas = int(ledger.w3.eth.get_block("latest")["gasLimit"]) // 4
    calls = [
        {
            "to": ledger.contract.address,
            "data": ledger.contract.functions.registerDocument(
                h, int(DocType.OTHER)
            )._encode_transaction_data(),
            "gas": gas,
            "value": 0,
        }
        for h in hashes
    ]
    receipts = [transactor.wait(sent) for sent in transactor.send_many(calls)]
    blocks = sorted({int(r["blockNumber"]) for r in receipts})
    assert len(blocks) > 1
    for doc_hash, receipt in zip(hashes, receipts, strict=True):
        _assert_dated_at_or_after(ledger, doc_hash, int(receipt["blockNumber"]), before)


def test_the_api_reports_the_time_the_document_was_registered(net: Network) -> None:
    clock = _idle(net.ledger)
    before = clock()
    app = create_app(net.ledger.settings, net.ledger)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(
            "/v1/documents",
            files={"file": ("note.txt", b"dated when registered", "text/plain")},
            headers=net.enterprise.headers,
        )
        assert response.status_code == 201, response.text
        doc_hash = response.json()["doc_hash"]
        shown = client.get(f"/v1/documents/{doc_hash}", headers=net.enterprise.headers)
    assert shown.status_code == 200, shown.text
    registered_at = datetime.fromisoformat(shown.json()["registered_at"]).timestamp()
    assert registered_at >= int(before)


def test_after_a_restart_the_first_block_is_dated_when_it_is_sealed(tmp_path: Path) -> None:
    """Reopening a persisted chain builds a pending header at open time; a write long after
    the restart is dated when it is made, not when the chain was opened."""
    settings = make_settings(tmp_path / "ledger", chain_sync="full")
    ledger, admin_key = init_network(settings, "Test admin")
    enterprise = build_network(ledger, admin_key).enterprise
    ledger.close()

    reopened = open_ledger(settings)
    try:
        clock = _idle(reopened)
        before = clock()
        doc_hash = hashlib.sha256(b"registered long after the restart").digest()
        receipt = docs.register(reopened, enterprise.address, doc_hash, DocType.INVOICE)
        _assert_dated_at_or_after(reopened, doc_hash, receipt.block, before)
        # and the next block, sealed at once, is not dated before it
        clock.now -= IDLE  # even with a wall clock that stepped back
        other = hashlib.sha256(b"right after").digest()
        later = docs.register(reopened, enterprise.address, other, DocType.INVOICE)
        assert later.block > receipt.block
        assert _block_time(reopened, later.block) == _block_time(reopened, receipt.block)
    finally:
        reopened.close()


def test_the_real_clock_dates_a_block_after_the_chain_sat_idle(tmp_path: Path) -> None:
    """No injected clock: a new chain idles ~2 s, then a transfer is dated after the idling."""
    account = Account.create()
    node = open_embedded(tmp_path / "chain", 1337, "normal", create_funding=account.address)
    try:
        w3 = node.w3
        genesis_time = int(w3.eth.get_block(0)["timestamp"])
        deadline = time.monotonic() + 5
        while time.time() < genesis_time + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        before = time.time()
        base_fee = int(w3.eth.get_block("latest")["baseFeePerGas"])
        signed = account.sign_transaction(
            {
                "to": Account.create().address,
                "value": 1,
                "gas": 21_000,
                "maxFeePerGas": 2 * base_fee + 10**9,
                "maxPriorityFeePerGas": 10**9,
                "nonce": 0,
                "chainId": 1337,
                "type": 2,
            }
        )
        receipt = w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(signed.raw_transaction)
        )
        number = int(receipt["blockNumber"])
        stamped = int(w3.eth.get_block(number)["timestamp"])
        assert stamped >= int(before)
        assert stamped > int(w3.eth.get_block(number - 1)["timestamp"])  # it idled 2 s
    finally:
        node.close()


def test_blocks_sealed_in_one_second_share_it(net: Network) -> None:
    """A stopped clock: five blocks in a row, each its own, all dated that second; the chain
    reopens on them (the header rule accepts a block in its parent's second)."""
    ledger = net.ledger
    clock = _idle(ledger)
    receipts = [
        docs.register(
            ledger,
            net.enterprise.address,
            hashlib.sha256(f"same second {i}".encode()).digest(),
            DocType.OTHER,
        )
        for i in range(5)
    ]
    blocks = [r.block for r in receipts]
    assert len(set(blocks)) == 5
    assert {_block_time(ledger, b) for b in blocks} == {int(clock())}


def test_a_burst_of_registrations_is_never_dated_after_its_answers(net: Network) -> None:
    """The real clock: registrations one after another, then eight at once, each through the
    API; each is dated no earlier than its request and no later than its answer."""
    app = create_app(net.ledger.settings, net.ledger)

    def register(client: TestClient, n: int) -> tuple[float, float, float]:
        sent = time.time()
        response = client.post(
            "/v1/documents",
            files={"file": (f"burst-{n}.txt", f"burst {n} {sent}".encode(), "text/plain")},
            headers=net.enterprise.headers,
        )
        answered = time.time()
        assert response.status_code == 201, response.text
        dated = datetime.fromisoformat(response.json()["registered_at"]).timestamp()
        return sent, dated, answered

    with TestClient(app, raise_server_exceptions=False) as client:
        timed = [register(client, n) for n in range(30)]
        with ThreadPoolExecutor(8) as pool:
            timed += list(pool.map(lambda n: register(client, n), range(100, 124)))
    for sent, dated, answered in timed:
        assert int(sent) <= dated <= int(answered), (sent, dated, answered)
