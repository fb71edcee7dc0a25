"""Participants' signing keys: encrypted keystores on disk and the ``Signer`` interface.

A keystore is the standard Ethereum JSON keystore (v3) encrypted with scrypt. Its passphrase
comes from ``TRADELEDGER_KEYSTORE_PASSPHRASE`` when set, else from the file named by
``TRADELEDGER_KEYSTORE_PASSPHRASE_FILE`` (a Docker/Kubernetes secret), otherwise from a random
per-key secret file ``secrets/<address>.pass`` (mode 0600) written when the key is created — in
development only: in production the passphrase must come from outside the data directory
(``ledger.config``), and :meth:`Keystore.protect` moves a development keystore to it.
Keys are decrypted once, when a participant's transactor is first needed, then kept in memory;
they are never logged (``repr`` shows the address only) and never returned by any API.

Anything that can sign an Ethereum transaction for one address can stand in for a local key:
an HSM, a cloud KMS or a remote signer implements :class:`Signer` (an ``address`` and
``sign_transaction``) without touching callers. :class:`RemoteSigner` is one: it asks a signing
service over HTTP (the key never enters the gateway's process).

:class:`LocalSigner` signs with eth-account (its RLP and libsecp256k1 through coincurve): the
chain, not signing, limits the write path (docs/benchmarks.md, issue #16).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import requests
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from web3 import Web3

from ledger.datadir import write_private as write_private  # re-exported: callers import it here
from ledger.errors import LedgerStateError

#: scrypt cost for new keystores (n = 2**18 is the geth default)
SCRYPT_N = 2**18


@runtime_checkable
class Signer(Protocol):
    """Signs transactions for one address."""

    @property
    def address(self) -> str:
        """The checksummed address this signer signs for."""
        ...

    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        """Sign a complete transaction dict and return the raw signed bytes."""
        ...


def _as_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    return bytes(value)


class LocalSigner:
    """A signer over a private key held in this process (eth-account)."""

    def __init__(self, account: LocalAccount) -> None:
        self._account = account

    @property
    def address(self) -> str:
        return str(self._account.address)

    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        return bytes(self._account.sign_transaction(transaction).raw_transaction)

    def sign_digest(self, digest: bytes) -> bytes:
        """An EIP-191 signature (65 bytes) of a 32-byte digest (fingerprint evaluator requests)."""
        return bytes(self._account.sign_message(encode_defunct(primitive=digest)).signature)

    def __repr__(self) -> str:  # never show the key
        return f"LocalSigner({self.address})"

    @classmethod
    def generate(cls) -> LocalSigner:
        return cls(Account.create())


class RemoteSigner:
    """A signer whose key lives in a signing service reached over HTTP (HSM / KMS front-end).

    The protocol is two calls, JSON over HTTP(S), with an optional bearer token:

    * ``GET {url}/address`` → ``{"address": "0x…"}``
    * ``POST {url}/sign`` with ``{"address": "0x…", "transaction": {field: value}}`` (integers as
      ``0x`` hex strings, bytes as ``0x`` hex) → ``{"raw": "0x…"}`` (the signed transaction)

    The gateway checks that what came back is signed by the expected address, so a
    misconfigured service cannot make it send another key's transactions.
    """

    def __init__(self, url: str, token: str = "", timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = timeout
        self._session = requests.Session()
        answer = self._request("GET", "/address", None)
        self._address = Web3.to_checksum_address(str(answer["address"]))

    @property
    def address(self) -> str:
        return self._address

    def sign_transaction(self, transaction: dict[str, Any]) -> bytes:
        wire = {
            name: (hex(value) if isinstance(value, int) else "0x" + _as_bytes(value).hex())
            if name != "to"
            else value
            for name, value in transaction.items()
        }
        answer = self._request("POST", "/sign", {"address": self._address, "transaction": wire})
        raw = _as_bytes(answer["raw"])
        signer = Account.recover_transaction(raw)
        if signer != self._address:
            raise LedgerStateError(
                f"the signing service at {self.url} signed as {signer}, not {self._address}"
            )
        return raw

    def _request(self, method: str, path: str, body: Any) -> dict[str, Any]:
        try:
            response = self._session.request(
                method, self.url + path, json=body, headers=self._headers, timeout=self._timeout
            )
        except requests.RequestException as exc:
            raise LedgerStateError(
                f"signing service {self.url} unreachable: {type(exc).__name__}"
            ) from None
        if response.status_code != 200:
            raise LedgerStateError(
                f"signing service {self.url} refused: HTTP {response.status_code}"
            )
        answer = response.json()
        if not isinstance(answer, dict):
            raise LedgerStateError(f"signing service {self.url} answered {answer!r:.100}")
        return answer

    def __repr__(self) -> str:
        return f"RemoteSigner({self._address} via {self.url})"


class Keystore:
    """The encrypted keystores of one gateway, under ``keystore_dir``."""

    def __init__(
        self,
        keystore_dir: Path,
        secrets_dir: Path,
        passphrase: str = "",
        scrypt_n: int = SCRYPT_N,
    ) -> None:
        self.keystore_dir = keystore_dir
        self.secrets_dir = secrets_dir
        self._passphrase = passphrase
        self._scrypt_n = scrypt_n

    def _path(self, address: str) -> Path:
        return self.keystore_dir / f"{address.lower().removeprefix('0x')}.json"

    def holds(self, address: str) -> bool:
        """Whether this keystore has a key file for ``address`` (not whether it opens)."""
        return self._path(address).is_file()

    def _secret_path(self, address: str) -> Path:
        return self.secrets_dir / f"{address.lower().removeprefix('0x')}.pass"

    def create(self) -> LocalSigner:
        """Make a new key, store it encrypted, and return its signer."""
        account = Account.create()
        self.store(account)
        return LocalSigner(account)

    def store(self, account: LocalAccount) -> None:
        passphrase = self._passphrase
        if not passphrase:
            passphrase = secrets.token_urlsafe(32)
            write_private(self._secret_path(account.address), passphrase)
        encrypted = Account.encrypt(
            account.key, passphrase, kdf="scrypt", iterations=self._scrypt_n
        )
        write_private(self._path(account.address), json.dumps(encrypted))

    def load(self, address: str) -> LocalSigner:
        """Decrypt the keystore of ``address``."""
        path = self._path(address)
        if not path.exists():
            raise LedgerStateError(
                f"no keystore for {address} in {self.keystore_dir}: this data directory holds "
                "no key of that member, so it cannot sign for it (--as names a member whose "
                "key this gateway holds; another organisation's member signs at its own)",
                address=address,
            )
        passphrase = self._passphrase
        if not passphrase:
            secret = self._secret_path(address)
            if not secret.exists():
                raise LedgerStateError(
                    f"no passphrase for {address}: set TRADELEDGER_KEYSTORE_PASSPHRASE"
                )
            passphrase = secret.read_text()
        try:
            key = Account.decrypt(json.loads(path.read_text()), passphrase)
        except ValueError:
            raise LedgerStateError(f"wrong passphrase for the keystore of {address}") from None
        return LocalSigner(Account.from_key(key))

    def passphrase_files(self) -> list[Path]:
        """The per-key passphrase files in ``secrets/`` (how development keeps passphrases)."""
        if not self.secrets_dir.exists():
            return []
        return sorted(self.secrets_dir.glob("*.pass"))

    def protect(self) -> list[str]:
        """Re-encrypt every keystore whose passphrase is a per-key file in ``secrets/`` under
        this keystore's passphrase (from outside the data directory), then delete that file.
        Each keystore is replaced atomically, so a crash leaves it under one of the two
        passphrases, with its file still there if it is still needed. Returns the addresses
        re-encrypted. Raises LedgerStateError without a passphrase, or when a keystore does not
        open with its file's passphrase."""
        if not self._passphrase:
            raise LedgerStateError(
                "no keystore passphrase to protect the keys with: set "
                "TRADELEDGER_KEYSTORE_PASSPHRASE_FILE (outside the data directory) or "
                "TRADELEDGER_KEYSTORE_PASSPHRASE"
            )
        done: list[str] = []
        for secret in self.passphrase_files():
            address = Web3.to_checksum_address("0x" + secret.stem)
            path = self._path(address)
            if path.exists():
                try:
                    key = Account.decrypt(json.loads(path.read_text()), secret.read_text())
                except ValueError:
                    raise LedgerStateError(
                        f"the keystore of {address} does not open with {secret}"
                    ) from None
                encrypted = Account.encrypt(
                    key, self._passphrase, kdf="scrypt", iterations=self._scrypt_n
                )
                staged = path.with_suffix(".tmp")
                write_private(staged, json.dumps(encrypted))
                staged.replace(path)
                done.append(address)
            secret.unlink()
        return done

    def discard(self, address: str) -> None:
        """Delete the keystore of ``address`` (and its passphrase file): a key made and never
        used (``keystore new-key`` that lost a race: the member's pending key is another)."""
        for path in (self._path(address), self._secret_path(address)):
            path.unlink(missing_ok=True)

    def addresses(self) -> list[str]:
        if not self.keystore_dir.exists():
            return []
        return sorted(
            "0x" + path.stem for path in self.keystore_dir.glob("*.json") if len(path.stem) == 40
        )
