#!/usr/bin/env python3
"""Measure the gas of each TradeLedger operation on an in-memory chain.

    python scripts/gas_report.py           # a table
    python scripts/gas_report.py --json    # {"register_one": 47123, ...}

Deploys the committed artifact ``ledger/artifacts/TradeLedger.json`` on eth-tester (py-evm),
onboards two banks, an enterprise and an attestor, and performs every operation with real signed
transactions from those members' own keys. Each number is the receipt's ``gasUsed`` (so it
includes the 21,000 base cost and calldata); ``register_batch_100_per_doc`` is the gasUsed of one
100-document batch divided by 100. Every operation is measured in the state a gateway meets in
production: the member, the counters and the documents already exist, the storage written is new.

Financing terms are encrypted envelopes (issue #14). Their size is modelled as
``TERMS_HEADER + TERMS_PER_RECIPIENT x recipients + TERMS_PER_DOCUMENT x documents`` bytes
(740 bytes for one document read by the bank, a regulator and the registrant); an entry (a
drawdown or a repayment, sealed under the financing's data key) is ``ENTRY_BYTES``. The bytes are
pseudo-random, as ciphertext is, so calldata is priced as non-zero bytes. ``NxM`` is N documents
of M fingerprints each.
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
FUNDING_WEI = 10**20
BASE_TX_GAS = 21_000

TERMS_HEADER = 200  # version, ephemeral key, nonce, tag, commitment salt, framing
TERMS_PER_RECIPIENT = 80  # the data key sealed to one reader's X25519 key
TERMS_PER_DOCUMENT = 300  # the clear terms that grow with each pledged document
ENTRY_BYTES = 120  # nonce, tag and one sealed drawdown or repayment


def h(label: str) -> bytes:
    """A deterministic 32-byte hash standing for a document or a fingerprint."""
    return hashlib.sha256(label.encode()).digest()


def ciphertext(label: str, size: int) -> bytes:
    """`size` deterministic pseudo-random bytes standing for an envelope."""
    out = b"".join(h(f"{label}-{i}") for i in range(size // 32 + 1))
    return out[:size]


def terms_size(documents: int, recipients: int) -> int:
    """Bytes of a terms envelope for `documents` documents read by `recipients` parties."""
    return TERMS_HEADER + TERMS_PER_RECIPIENT * recipients + TERMS_PER_DOCUMENT * documents


def fingerprints(label: str, documents: int, per_document: int) -> list[bytes]:
    """The ascending fingerprints of `documents` documents with `per_document` each."""
    return sorted(h(f"{label}-doc{d}-fp{i}") for d in range(documents) for i in range(per_document))


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
        #: base cost plus calldata of the last transaction sent, and its EIP-7623 floor
        self.last_intrinsic = 0
        self.last_floor = 0

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
        data = bytes.fromhex(str(tx.get("data", "0x"))[2:])
        zeros = data.count(0)
        self.last_intrinsic = BASE_TX_GAS + 4 * zeros + 16 * (len(data) - zeros)
        # EIP-7623 (Prague, which eth-tester runs): gasUsed is at least 10 gas per calldata
        # token (a zero byte is one token, a non-zero byte four)
        self.last_floor = BASE_TX_GAS + 10 * (zeros + 4 * (len(data) - zeros))
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


def measure() -> tuple[dict[str, int], dict[str, int], set[str]]:
    """Return ({operation: gasUsed}, {operation: base cost + calldata}, the operations whose
    gasUsed is the EIP-7623 calldata floor)."""
    chain = Chain()
    bank = chain.member("bank", ROLE_BANK)
    bank2 = chain.member("bank2", ROLE_BANK)
    enterprise = chain.member("enterprise", ROLE_ENTERPRISE)
    attestor = chain.member("attestor", ROLE_ATTESTOR)

    # warm-up so that no measurement pays a one-off first write (none of ours does, but the
    # first transaction of a fresh account is not what a gateway sees in production)
    chain.send(enterprise, "registerDocument", h("warm-up"), DOC_INVOICE)

    gas: dict[str, int] = {}
    intrinsic: dict[str, int] = {}
    floored: set[str] = set()

    def measured(name: str, account: LocalAccount, fn_name: str, *args: Any) -> None:
        gas[name] = chain.send(account, fn_name, *args)
        intrinsic[name] = chain.last_intrinsic
        if gas[name] == chain.last_floor:
            floored.add(name)

    measured("register_one", enterprise, "registerDocument", h("invoice-1"), DOC_INVOICE)
    batch = [h(f"batch-{i}") for i in range(100)]
    measured("register_batch_100_per_doc", enterprise, "registerDocuments", batch, [1] * 100)
    gas["register_batch_100_per_doc"] //= 100
    intrinsic["register_batch_100_per_doc"] //= 100

    def finance(name: str, documents: int, per_document: int, recipients: int) -> int:
        fps = fingerprints(name, documents, per_document)
        terms = ciphertext(f"terms-{name}", terms_size(documents, recipients))
        measured(f"finance_{name}", bank, "registerFinancing", fps, h(f"c-{name}"), terms)
        return int(chain.ledger.functions.financingCount().call())

    id_1x3 = finance("1x3", 1, 3, 3)
    # the gateway's call: the same financing with the three marks an invoice with lines carries
    # (a re-issue's, a split's, its amount's; ledger/documents/marks.py)
    marked_fps = fingerprints("marked_1x3", 1, 3)
    marks = sorted(h(f"mark-{i}") for i in range(3))
    marked_terms = ciphertext("terms-marked_1x3", terms_size(1, 3))
    measured(
        "finance_marked_1x3",
        bank,
        "registerMarkedFinancing",
        marked_fps,
        marks,
        h("c-marked_1x3"),
        marked_terms,
    )
    id_1x8 = finance("1x8", 1, 8, 3)
    id_16x8 = finance("16x8", 16, 8, 3)
    # the same, when the 16 documents come from 16 registrants (18 readers)
    id_wide = finance("16x8_18_recipients", 16, 8, 18)
    id_cancel = finance("cancel", 1, 8, 3)
    for name in ("finance_cancel",):
        gas.pop(name)
        intrinsic.pop(name)

    # refused on chain: another bank, 8 fingerprints of which one is held
    refused = sorted([*fingerprints("refused", 1, 7), fingerprints("1x8", 1, 8)[3]])
    terms = ciphertext("terms-refused", terms_size(1, 3))
    measured("finance_refused_1x8", bank2, "registerFinancing", refused, h("c-refused"), terms)
    if int(chain.ledger.functions.financingCount().call()) != id_cancel:
        raise SystemExit("the refused attempt registered a financing")
    # refused by the gateway before sending, recorded
    measured("record_refusal", bank2, "recordRefusal", h("c-gateway-refusal"), terms)

    entry = ciphertext("entry-1", ENTRY_BYTES)
    measured("record_entry", bank, "recordEntry", id_1x8, h("entry-commitment-1"), entry)

    measured("close_1x3", bank, "closeFinancing", id_1x3, fingerprints("1x3", 1, 3))
    measured("close_1x8", bank, "closeFinancing", id_1x8, fingerprints("1x8", 1, 8))
    measured("close_16x8", bank, "closeFinancing", id_16x8, fingerprints("16x8", 16, 8))
    measured("cancel_1x8", bank, "cancelFinancing", id_cancel, 4, fingerprints("cancel", 1, 8))
    fps_wide = fingerprints("16x8_18_recipients", 16, 8)
    measured("cancel_16x8", bank, "cancelFinancing", id_wide, 4, fps_wide)

    measured("revoke", enterprise, "revokeDocument", h("batch-0"), 1)
    measured("attest", attestor, "attestDocument", h("batch-1"), h("evidence-1"))
    return gas, intrinsic, floored


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    args = parser.parse_args()
    gas, intrinsic, floored = measure()
    if args.json:
        print(json.dumps(gas, indent=1))
        return 0
    # execution = gasUsed - base - calldata, after the storage refund (capped at gasUsed / 5);
    # "floor": gasUsed is the EIP-7623 calldata floor, which hides the execution gas
    print(f"{'operation':<28} {'gasUsed':>10} {'base+calldata':>14} {'execution':>10}")
    for name, used in gas.items():
        fixed = intrinsic[name]
        execution = "floor" if name in floored else f"{used - fixed:,}"
        print(f"{name:<28} {used:>10,} {fixed:>14,} {execution:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
