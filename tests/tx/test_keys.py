"""Keys: the local signer signs byte-for-byte like eth-account; passphrases from a file;
keys never shown; a remote signing service stands in for a local key without touching callers."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from ledger.config import Settings
from ledger.errors import LedgerStateError
from ledger.keys import Keystore, LocalSigner, RemoteSigner
from ledger.network import member_funding
from ledger.services.roles import DocType, Role
from tests.conftest import Network, make_settings

TOKEN = "s3cr3t-signing-token"


@pytest.mark.parametrize(
    "tx",
    [
        {"maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9, "data": "0x1234", "value": 5},
        {"maxFeePerGas": 0, "maxPriorityFeePerGas": 0, "data": b"\x01" * 68, "type": 2},
        {"gasPrice": 0, "data": b"\x01" * 68},
        {"gasPrice": 7 * 10**9, "data": b"", "value": 10**18},
        {"gasPrice": 1, "data": "0x", "to": None},  # a deployment
        {"gasPrice": 1, "data": "0x", "accessList": []},  # another shape: eth-account's path
    ],
)
def test_the_local_signer_signs_like_eth_account(tx: dict[str, Any]) -> None:
    account = Account.create()
    full = {"to": account.address, "value": 0, "gas": 60_000, "nonce": 7, "chainId": 1515200}
    full.update(tx)
    if full["to"] is None:
        del full["to"]
    assert LocalSigner(account).sign_transaction(full) == bytes(
        account.sign_transaction(full).raw_transaction
    )


def test_the_keystore_passphrase_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "passphrase"
    secret.write_text("correct horse battery staple\n")
    settings = make_settings(tmp_path / "l", keystore_passphrase_file=secret)
    assert settings.keystore_passphrase == "correct horse battery staple"
    assert "correct horse" not in repr(settings)
    store = Keystore(
        settings.keystore_dir, settings.secrets_dir, settings.keystore_passphrase, 2**10
    )
    signer = store.create()
    assert not settings.secrets_dir.exists()  # no per-key secret files with a passphrase
    assert store.load(signer.address).address == signer.address
    wrong = Keystore(settings.keystore_dir, settings.secrets_dir, "another one", 2**10)
    with pytest.raises(LedgerStateError, match="wrong passphrase"):
        wrong.load(signer.address)


def test_a_placeholder_or_empty_passphrase_file_is_refused(tmp_path: Path) -> None:
    placeholder = tmp_path / "p"
    placeholder.write_text("changeme\n")
    with pytest.raises(ValueError, match="placeholder"):
        Settings(data_dir=tmp_path, keystore_passphrase_file=placeholder)
    empty = tmp_path / "e"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty"):
        Settings(data_dir=tmp_path, keystore_passphrase_file=empty)


def test_a_signer_never_shows_its_key() -> None:
    account = Account.create()
    signer = LocalSigner(account)
    assert account.key.hex().removeprefix("0x") not in repr(signer)
    assert repr(signer) == f"LocalSigner({account.address})"


# -- a remote signing service (the key lives in another component, reached over HTTP) --------


class SigningService:
    """A minimal HSM front-end: holds one key, signs for callers presenting the token."""

    def __init__(self) -> None:
        self.account = Account.create()
        self.signed = 0
        service = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._reply(401, {"error": "unauthorized"})
                    return False
                return True

            def do_GET(self) -> None:
                if self._authorised() and self.path == "/address":
                    self._reply(200, {"address": service.account.address})

            def do_POST(self) -> None:
                if not self._authorised():
                    return
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                tx = {
                    k: (v if k == "to" else (bytes.fromhex(v[2:]) if k == "data" else int(v, 16)))
                    for k, v in body["transaction"].items()
                }
                raw = service.account.sign_transaction(tx).raw_transaction
                service.signed += 1
                self._reply(200, {"raw": "0x" + bytes(raw).hex()})

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def signing_service() -> Iterator[SigningService]:
    service = SigningService()
    try:
        yield service
    finally:
        service.stop()


@pytest.mark.both_backends
def test_a_remote_signer_sends_for_a_member(
    network: Network, signing_service: SigningService
) -> None:
    ledger = network.ledger
    remote = RemoteSigner(signing_service.url, token=TOKEN)
    assert remote.address == signing_service.account.address
    admin = ledger.transactor(network.admin.address)
    if ledger.settings.gas_pricing != "zero":
        funding = member_funding(ledger)
        admin.wait(admin.send({"to": remote.address, "value": funding, "gas": 21_000}))
    admin.transact(
        ledger.contract.functions.addMember(remote.address, int(Role.BANK), b"\0" * 32, "HSM bank")
    )
    doc = hashlib.sha256(b"signed by the HSM").digest()
    bank = ledger.use_signer(remote)  # callers are unchanged: a Transactor like any other
    receipt = bank.transact(ledger.contract.functions.registerDocument(doc, int(DocType.INVOICE)))
    assert receipt["status"] == 1
    record = ledger.contract.functions.getDocument(doc).call()
    assert Web3.to_checksum_address(record[0]) == remote.address
    assert signing_service.signed == 1
    assert ledger.transactor(remote.address) is bank


def test_a_remote_signer_refuses_a_wrong_token(signing_service: SigningService) -> None:
    with pytest.raises(LedgerStateError, match="HTTP 401"):
        RemoteSigner(signing_service.url, token="wrong")
