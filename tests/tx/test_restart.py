"""A gateway killed (SIGKILL) with transactions in flight: after a restart, retries with the
same idempotency keys resend the same signed bytes, journaled transactions the node lost are
rebroadcast, and every write is applied exactly once with no nonce left empty."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ledger.network import open_ledger
from ledger.services.roles import DocType
from tests.conftest import Network, rpc_call

ROOT = Path(__file__).resolve().parents[2]
N = 6

GATEWAY = textwrap.dedent(
    """
    import hashlib, json, sys, time
    from ledger.config import Settings
    from ledger.network import open_ledger

    settings = Settings(**json.loads(sys.argv[1]))
    ledger = open_ledger(settings)
    bank = ledger.transactor(sys.argv[2])
    out = []
    for i in range(int(sys.argv[3])):
        doc = hashlib.sha256(f"restart {i}".encode()).digest()
        call = ledger.contract.functions.registerDocument(doc, 1)
        sent = bank.send_call(call, 120_000, idempotency_key=f"req-{i}")
        out.append([sent.tx_hash.to_0x_hex(), sent.nonce])
    print(json.dumps(out), flush=True)
    time.sleep(600)  # "serving" with transactions in flight, until killed
    """
)


def doc(i: int) -> bytes:
    return hashlib.sha256(f"restart {i}".encode()).digest()


@pytest.mark.both_backends
@pytest.mark.parametrize("node_lost_them", [False, True], ids=["node-kept", "node-lost"])
def test_kill_9_with_pending_transactions(
    network: Network, backend: str, node_lost_them: bool
) -> None:
    if backend != "anvil":
        pytest.skip("the embedded chain mines on send: nothing is pending at a kill")
    settings = network.ledger.settings
    url = settings.chain_url
    bank = network.bank.address
    start = int(network.ledger.w3.eth.get_transaction_count(bank))
    network.ledger.close()  # this process's gateway stops; a separate one takes over
    config = {
        "data_dir": str(settings.data_dir),
        "chain_url": url,
        "keystore_scrypt_n": settings.keystore_scrypt_n,
    }
    rpc_call(url, "evm_setAutomine", [False])
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", GATEWAY, json.dumps(config), bank, str(N)],
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()  # bounded by the wait below
            sent = json.loads(line)
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
        assert [nonce for _, nonce in sent] == list(range(start, start + N))
        if node_lost_them:
            rpc_call(url, "anvil_dropAllTransactions")

        # the restarted gateway: recovery rebroadcasts what the chain has not used yet
        ledger = open_ledger(settings)
        try:
            restarted = ledger.transactor(bank)
            # the client retries every request with its key: the same transactions come back
            for i, (tx_hash, nonce) in enumerate(sent):
                call = ledger.contract.functions.registerDocument(doc(i), int(DocType.INVOICE))
                again = restarted.send_call(call, 120_000, idempotency_key=f"req-{i}")
                assert again.tx_hash.to_0x_hex() == tx_hash
                assert again.nonce == nonce
                assert again.replayed
            rpc_call(url, "evm_mine")
            deadline = time.monotonic() + 10
            while int(ledger.w3.eth.get_transaction_count(bank)) < start + N:
                assert time.monotonic() < deadline
                rpc_call(url, "evm_mine")
            for tx_hash, _ in sent:
                assert ledger.w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
            for i in range(N):
                assert ledger.contract.functions.isIssued(doc(i)).call()
            # exactly once: the nonce moved by N, and the next write follows without a gap
            assert int(ledger.w3.eth.get_transaction_count(bank)) == start + N
        finally:
            ledger.close()
    finally:
        rpc_call(url, "evm_setAutomine", [True])
    reopened = open_ledger(settings)
    try:
        receipt = reopened.transactor(bank).transact(
            reopened.contract.functions.registerDocument(doc(99), int(DocType.INVOICE))
        )
        assert receipt["status"] == 1
    finally:
        reopened.close()
