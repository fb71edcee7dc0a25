#!/usr/bin/env python3
"""Measure the gas of each TradeLedger operation on an in-memory chain.

    python scripts/gas_report.py           # a table
    python scripts/gas_report.py --json    # {"register_one": 47123, ...}

Deploys the committed artifact ``ledger/artifacts/TradeLedger.json`` on eth-tester (py-evm),
onboards a bank, an enterprise and an attestor, and performs every operation with real signed
transactions from those members' own keys. Each number is the receipt's ``gasUsed`` (so it
includes the 21,000 base cost and calldata); ``register_batch_100_per_doc`` is the gasUsed of one
100-document batch divided by 100. Every operation is measured in the state a gateway meets in
production: the member, the counters and the documents already exist, the storage written is new.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import EthereumTesterProvider, Web3

ROOT = Path(__file__).resolve().parent.parent
ARTIFACT = ROOT / "ledger" / "artifacts" / "TradeLedger.json"

ROLE_BANK, ROLE_ENTERPRISE, ROLE_ATTESTOR = 2, 3, 5
DOC_INVOICE = 1
KIND_INVOICE_FINANCING = 1
FUNDING_WEI = 10**20


def h(label: str) -> bytes:
    """A deterministic 32-byte hash standing for a document or a fingerprint."""
    return hashlib.sha256(label.encode()).digest()


class Chain:
    """A TradeLedger deployed on eth-tester, driven by signed transactions."""

    def __init__(self) -> None:
        self.w3 = Web3(EthereumTesterProvider())
        artifact = json.loads(ARTIFACT.read_text())
        self.abi = artifact["abi"]
        self.admin = self._funded_account("admin")
        factory = self.w3.eth.contract(abi=self.abi, bytecode=artifact["bytecode"])
        deploy = factory.constructor("Consortium admin", h("admin-legal-id"), [], 1, h("fp-key"))
        receipt = self._send(self.admin, deploy)
        self.ledger = self.w3.eth.contract(address=receipt["contractAddress"], abi=self.abi)
        self.deploy_gas = int(receipt["gasUsed"])

    def _funded_account(self, label: str) -> LocalAccount:
        account: LocalAccount = Account.from_key(h(f"gas-report-key-{label}"))
        funder = self.w3.eth.accounts[0]
        tx_hash = self.w3.eth.send_transaction(
            {"from": funder, "to": account.address, "value": FUNDING_WEI}
        )
        self.w3.eth.wait_for_transaction_receipt(tx_hash)
        return account

    def _send(self, account: LocalAccount, call: Any) -> Any:
        tx = call.build_transaction(
            {
                "from": account.address,
                "nonce": self.w3.eth.get_transaction_count(account.address),
                "gas": 29_000_000,
            }
        )
        signed = account.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        if receipt["status"] != 1:
            raise SystemExit(f"transaction reverted: {call.fn_name}")
        return receipt

    def send(self, account: LocalAccount, fn_name: str, *args: Any) -> int:
        """Send `fn_name(*args)` signed by `account` and return its gasUsed."""
        receipt = self._send(account, self.ledger.get_function_by_name(fn_name)(*args))
        return int(receipt["gasUsed"])

    def member(self, label: str, role: int) -> LocalAccount:
        account = self._funded_account(label)
        self.send(self.admin, "addMember", account.address, role, h(f"legal-{label}"), label)
        return account

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])


def measure() -> dict[str, int]:
    chain = Chain()
    bank = chain.member("bank", ROLE_BANK)
    enterprise = chain.member("enterprise", ROLE_ENTERPRISE)
    attestor = chain.member("attestor", ROLE_ATTESTOR)
    maturity = chain.now() + 365 * 86400

    # warm-up so that no measurement pays a one-off first write (none of ours does, but the
    # first transaction of a fresh account is not what a gateway sees in production)
    chain.send(enterprise, "registerDocument", h("warm-up"), DOC_INVOICE)

    gas: dict[str, int] = {}
    gas["register_one"] = chain.send(enterprise, "registerDocument", h("invoice-1"), DOC_INVOICE)

    batch = [h(f"batch-{i}") for i in range(100)]
    batch_gas = chain.send(enterprise, "registerDocuments", batch, [DOC_INVOICE] * 100)
    gas["register_batch_100_per_doc"] = batch_gas // 100

    fingerprints = sorted(h(f"invoice-1-fp-{i}") for i in range(3))
    pledge = (h("invoice-1"), 800_000, 1_000_000, fingerprints)
    gas["finance_one_doc"] = chain.send(
        bank, "registerFinancing", [pledge], b"EUR", KIND_INVOICE_FINANCING, maturity, h("ref-1")
    )
    financing_id = int(chain.ledger.functions.financingCount().call())
    gas["drawdown"] = chain.send(bank, "drawdown", financing_id, 500_000)
    gas["repay"] = chain.send(bank, "repay", financing_id, 500_000)
    release = [(h("invoice-1"), fingerprints)]
    gas["close"] = chain.send(bank, "closeFinancing", financing_id, release)
    gas["revoke"] = chain.send(enterprise, "revokeDocument", h("batch-0"), 1)
    gas["attest"] = chain.send(attestor, "attestDocument", h("batch-1"), h("evidence-1"))
    return gas


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    args = parser.parse_args()
    gas = measure()
    if args.json:
        print(json.dumps(gas, indent=1))
        return 0
    print(f"{'operation':<28} {'gasUsed':>9}")
    for name, used in gas.items():
        print(f"{name:<28} {used:>9,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
