"""The race that matters: 20 banks finance the same invoice at the same instant.

Each bank sends through its own gateway — its own ``Ledger`` opened on the data directory
(anvil), or its own thread and transactor in the one process that owns the embedded chain — and
all 20 transactions are released by one barrier (on anvil they are then mined in one block).
Exactly one financing is registered; the 19 others are recorded as ``FinancingRefused`` events
(their terms sealed, as each bank sent them); the invoice's fingerprints are locked once, by the
winner. The bank's gateway checks the fingerprint holders before it sends, but in a race
every gateway sees them free: the contract alone settles it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import pytest
from web3.logs import DISCARD

from ledger import confidential as conf
from ledger.network import Ledger, open_ledger
from ledger.services import members as member_svc
from ledger.services.roles import DocType, Role
from ledger.tx import Sent, Transactor
from tests.conftest import Network, rpc_call

pytestmark = pytest.mark.both_backends

BANKS = 20
FACE_VALUE = 1_000_000  # 10,000.00 EUR in cents


def test_twenty_banks_race_for_one_invoice(network: Network, backend: str) -> None:
    ledger = network.ledger
    contract = ledger.contract
    banks = [network.bank.address, network.bank_b.address]
    for n in range(BANKS - len(banks)):
        added = member_svc.add_member(ledger, network.admin.address, f"Bank {n + 3}", Role.BANK)
        banks.append(added.member.address)

    invoice = hashlib.sha256(b"INV-2026-0042 the one invoice").digest()
    ledger.transactor(network.enterprise.address).transact(
        contract.functions.registerDocument(invoice, int(DocType.INVOICE))
    )
    # every bank's gateway computed the same keyed fingerprints from the file it received
    fingerprints = sorted(hashlib.sha256(f"fp{i}".encode()).digest() for i in range(3))
    maturity = int(time.time()) + 90 * 86_400
    context = conf.Context(ledger.chain_id, bytes.fromhex(contract.address[2:]))
    reader = conf.public_bytes(conf.new_private_key())
    sealed = [
        conf.seal_terms(
            {"amount": FACE_VALUE, "maturity": maturity, "reference": f"ref-{i}"},
            [reader],
            context,
        )
        for i in range(BANKS)
    ]

    # one gateway per bank on anvil; threads sharing the process's chain on embedded
    gateways: list[Ledger] = (
        [open_ledger(ledger.settings) for _ in banks] if backend == "anvil" else []
    )
    try:
        transactors: list[Transactor] = [
            (gateways[i] if gateways else ledger).transactor(address)
            for i, address in enumerate(banks)
        ]
        calls = [
            t.w3.eth.contract(
                address=contract.address, abi=contract.abi
            ).functions.registerFinancing(fingerprints, sealed[i].commitment, sealed[i].envelope)
            for i, t in enumerate(transactors)
        ]
        gas = [t.estimate(c) for t, c in zip(transactors, calls, strict=True)]
        sent: list[Sent | None] = [None] * BANKS
        failures: list[BaseException] = []
        start = threading.Barrier(BANKS)

        def finance(i: int) -> None:
            start.wait(timeout=30)
            try:
                sent[i] = transactors[i].send_call(calls[i], gas[i])
            except BaseException as exc:  # pragma: no cover - reported below
                failures.append(exc)

        if backend == "anvil":
            rpc_call(ledger.settings.chain_url, "evm_setAutomine", [False])
        try:
            threads = [threading.Thread(target=finance, args=(i,)) for i in range(BANKS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            if backend == "anvil":
                rpc_call(ledger.settings.chain_url, "evm_mine")
        finally:
            if backend == "anvil":
                rpc_call(ledger.settings.chain_url, "evm_setAutomine", [True])
        assert not failures
        receipts: list[Any] = []
        for t, s in zip(transactors, sent, strict=True):
            assert s is not None
            receipts.append(t.wait(s))
    finally:
        for gateway in gateways:
            gateway.close()

    if backend == "anvil":
        assert len({r["blockNumber"] for r in receipts}) == 1  # the same instant: one block
    registered = [
        e
        for r in receipts
        for e in contract.events.FinancingRegistered().process_receipt(r, errors=DISCARD)
    ]
    refused = [
        e
        for r in receipts
        for e in contract.events.FinancingRefused().process_receipt(r, errors=DISCARD)
    ]
    assert len(registered) == 1
    winner = registered[0]["args"]
    assert winner["financingId"] == 1
    assert len(refused) == BANKS - 1
    assert {e["args"]["bank"] for e in refused} | {winner["bank"]} == set(banks)
    by_bank = {banks[i]: sealed[i] for i in range(BANKS)}
    for event in refused:  # each refusal records what that bank sent, sealed
        mine = by_bank[event["args"]["bank"]]
        assert event["args"]["termsCommitment"] == mine.commitment
        assert event["args"]["terms"] == mine.envelope
    assert contract.functions.financingCount().call() == 1
    for fingerprint in fingerprints:
        assert contract.functions.fingerprintHolder(fingerprint).call() == 1
