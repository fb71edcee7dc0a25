"""Joining a consortium with keys an organisation made itself (issue #13).

A shared ledger is worth something only if no participant can act for another, so a bank, a
regulator or a second operator runs its **own** gateway with its **own** keys. The mechanism,
in the order it happens:

1. **Join request** (``tradeledger join``, on the new member's machine). In its own data
   directory the gateway creates the member's signing key (an encrypted keystore; an HSM or
   remote signer can stand behind :class:`~ledger.keys.Signer` later) and an X25519 key pair for
   data addressed to it (``secrets/encryption.key``). It reads the deployed contract, refuses it
   unless its code is byte for byte the artifact this gateway ships (SHA-256 of the runtime
   code), and writes the manifest from what the chain says (chain id, contract, deployment
   block, fingerprint key id). It then writes a :class:`JoinRequest` — address, encryption
   public key, name, role asked for, legal id, chain id and contract — signed by the new key
   (EIP-191 ``personal_sign`` over the request's canonical JSON), and issues the first API key
   of its own gateway. ``DATA_DIR/join.json`` marks the directory as *joining*.
2. **Approval** (``tradeledger member approve FILE`` or ``POST /v1/members/approve``, at an
   admin's gateway). The admin's gateway verifies the signature (the request was made by the
   key of the address it names), funds the address where gas costs something, and proposes
   ADD_MEMBER for that address, carrying the member's encryption key in the proposal. No part
   of the member's signing key ever leaves its data directory.
3. **Key delivery.** When the proposal takes effect (at once with M = 1, at the M-th approval
   otherwise) the approving admin's gateway seals the consortium's fingerprint key to the
   member's encryption key with HPKE (RFC 9180, base mode: DHKEM(X25519, HKDF-SHA256),
   HKDF-SHA256, AES-256-GCM, via ``cryptography``), the info string binding it to the member's
   address and the key id, and publishes the sealed envelope on chain
   (``deliverFingerprintKey`` → ``FingerprintKeyDelivered``). The envelope can also travel as a
   file (:func:`write_envelope_file`, imported with ``tradeledger join finish FILE``).
4. **Finishing** (:func:`finish_join`). The member's gateway, when it opens (``tradeledger
   serve``) or the first time it needs the key, checks that its membership is on chain, opens
   the newest envelope addressed to it, checks that the key's id is the one the contract holds,
   stores it in ``secrets/fingerprint.key`` and removes ``join.json``. From then on it is an
   ordinary gateway that signs only with its own key.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3
from web3.contract import Contract

from ledger.artifacts import artifact_sha256, load_artifact
from ledger.chain import rpc
from ledger.config import Settings
from ledger.datadir import make_private
from ledger.errors import Conflict, FingerprintKeyPending, InvalidInput, LedgerStateError
from ledger.gatewaydb import GatewayDB
from ledger.keys import Keystore, write_private
from ledger.manifest import Manifest

FINGERPRINT_KEY_FILE = "fingerprint.key"
#: a new fingerprint key an admin proposed, installed once the proposal is in effect
FINGERPRINT_NEXT_FILE = "fingerprint.key.next"
#: present while a member that joined with its own key waits for the consortium's approval
JOIN_STATE_FILE = "join.json"
#: the member's X25519 private key (raw, hex), for data addressed to it
ENCRYPTION_KEY_FILE = "encryption.key"
#: one X25519 key per member served here, by address (see ledger/encryptionkeys.py)
ENCRYPTION_KEYS_DIR = "encryption"
JOIN_REQUEST_KIND = "tradeledger-join-request"
ENVELOPE_KIND = "tradeledger-fingerprint-key"
#: HPKE suite of the fingerprint key envelope (RFC 9180)
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_INFO = b"tradeledger/fingerprint-key/v1\0"
_JOIN_ROLES = ("admin", "bank", "enterprise", "regulator", "attestor")
_HEX32 = re.compile(r"^0x[0-9a-fA-F]{64}$")


def fingerprint_key_digest(key: bytes) -> bytes:
    """The 32-byte id of the consortium fingerprint key the contract stores (never the key)."""
    return hashlib.sha256(b"tradeledger/fingerprint-key-id\0" + key).digest()


# -- the join request ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JoinRequest:
    """What a new member asks for, signed by its own key (``signature``: 65 bytes, 0x hex)."""

    chain_id: int
    contract: str
    address: str
    encryption_key: str  # 0x + 64 hex: X25519 public key
    name: str
    role: str
    legal_id: str
    created_at: str
    signature: str = ""
    kind: str = JOIN_REQUEST_KIND
    version: int = 1

    def signed_text(self) -> str:
        """The canonical JSON the signature covers (every field but the signature)."""
        fields = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def parse(cls, data: Any) -> JoinRequest:
        """A request from its JSON object; InvalidInput names the first bad field. The
        signature is checked by :meth:`verify`."""
        if not isinstance(data, dict):
            raise InvalidInput("request", "must be a JSON object (a join request file)")
        if data.get("kind") != JOIN_REQUEST_KIND:
            raise InvalidInput("kind", f"must be {JOIN_REQUEST_KIND!r}")
        if data.get("version") != 1:
            raise InvalidInput("version", "must be 1")
        text_fields = ("contract", "address", "encryption_key", "name", "role", "legal_id")
        for name in (*text_fields, "created_at", "signature"):
            if not isinstance(data.get(name), str):
                raise InvalidInput(name, "is required (a string)")
        if not isinstance(data.get("chain_id"), int) or isinstance(data.get("chain_id"), bool):
            raise InvalidInput("chain_id", "is required (an integer)")
        for name in ("contract", "address"):
            if not Web3.is_address(data[name]):
                raise InvalidInput(name, "must be a 20-byte hex address")
        if not _HEX32.match(data["encryption_key"]):
            raise InvalidInput("encryption_key", "must be 0x and 64 hex digits (X25519)")
        if data["role"] not in _JOIN_ROLES:
            raise InvalidInput("role", f"must be one of {', '.join(_JOIN_ROLES)}")
        if not " ".join(data["name"].split()) or len(data["name"]) > 200:
            raise InvalidInput("name", "must be 1..200 characters")
        if len(data["legal_id"]) > 100:
            raise InvalidInput("legal_id", "must be at most 100 characters")
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "is not a join request field")
        return cls(
            chain_id=int(data["chain_id"]),
            contract=Web3.to_checksum_address(data["contract"]),
            address=Web3.to_checksum_address(data["address"]),
            encryption_key=data["encryption_key"].lower(),
            name=data["name"],
            role=data["role"],
            legal_id=data["legal_id"],
            created_at=data["created_at"],
            signature=data["signature"],
        )

    def verify(self) -> None:
        """Raise InvalidInput unless ``signature`` was made by the key of ``address``."""
        try:
            signer = Account.recover_message(
                encode_defunct(text=self.signed_text()), signature=self.signature
            )
        except Exception:
            raise InvalidInput("signature", "is not a valid signature") from None
        if signer != self.address:
            raise InvalidInput(
                "signature", f"was made by {signer}, not by the key of {self.address}"
            )

    @property
    def encryption_public_key(self) -> bytes:
        return bytes.fromhex(self.encryption_key.removeprefix("0x"))


def read_request(path: Path) -> JoinRequest:
    """A join request file, parsed and its signature verified."""
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise InvalidInput("file", f"cannot read {path}: {exc.strerror}") from None
    except ValueError:
        raise InvalidInput("file", f"{path} is not JSON") from None
    request = JoinRequest.parse(data)
    request.verify()
    return request


# -- the fingerprint key envelope -------------------------------------------------------------


def _info(address: str, key_id: bytes) -> bytes:
    return _INFO + bytes.fromhex(Web3.to_checksum_address(address)[2:]) + key_id


def seal_fingerprint_key(key: bytes, recipient: bytes, address: str) -> bytes:
    """HPKE-seal the fingerprint ``key`` to the X25519 public key ``recipient`` (32 bytes) of
    member ``address``: the encapsulated key (32 bytes) then the ciphertext and tag (48)."""
    public = X25519PublicKey.from_public_bytes(recipient)
    return _SUITE.encrypt(key, public, info=_info(address, fingerprint_key_digest(key)))


def open_fingerprint_key(
    envelope: bytes, private: X25519PrivateKey, address: str, key_id: bytes
) -> bytes:
    """Open an envelope sealed by :func:`seal_fingerprint_key` for ``address`` and the key
    whose id is ``key_id``; LedgerStateError when it does not open or is another key."""
    try:
        key = _SUITE.decrypt(envelope, private, info=_info(address, key_id))
    except Exception:
        raise LedgerStateError(
            f"the fingerprint key envelope for {address} does not open with this gateway's "
            "encryption key"
        ) from None
    if fingerprint_key_digest(key) != key_id:
        raise LedgerStateError("the delivered fingerprint key is not the consortium's")
    return key


def write_envelope_file(path: Path, address: str, key_id: bytes, envelope: bytes) -> None:
    """The envelope as a file for ``tradeledger join finish FILE`` (sealed: safe to mail)."""
    payload = {
        "kind": ENVELOPE_KIND,
        "address": Web3.to_checksum_address(address),
        "key_id": "0x" + key_id.hex(),
        "envelope": "0x" + envelope.hex(),
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")


# -- the member's side --------------------------------------------------------------------------


@dataclass(frozen=True)
class Joined:
    """The outcome of ``tradeledger join``: the member's address, its gateway's first API key
    (shown once) and where the request was written."""

    address: str
    api_key: str
    request_path: Path
    request: JoinRequest
    data_dir: Path


def _encryption_key(settings: Settings) -> X25519PrivateKey:
    path = settings.secrets_dir / ENCRYPTION_KEY_FILE
    try:
        return X25519PrivateKey.from_private_bytes(bytes.fromhex(path.read_text().strip()))
    except (OSError, ValueError):
        raise LedgerStateError(f"no usable encryption key at {path}", path=str(path)) from None


def create_join(
    settings: Settings,
    contract_address: str,
    name: str,
    role: str,
    legal_id: str,
    out: Path,
) -> Joined:
    """Make this data directory a joining member of the consortium at ``contract_address`` on
    ``settings.chain_url`` (see the module docstring). Raises InvalidInput (bad name, role,
    address, no chain URL), Conflict (a ledger already lives in the directory),
    LedgerStateError (the contract is not this gateway's artifact), ChainUnavailable."""
    role = role.strip().lower()
    if role not in _JOIN_ROLES:
        raise InvalidInput("role", f"must be one of {', '.join(_JOIN_ROLES)}")
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise InvalidInput("name", "must be 1..200 characters")
    if len(legal_id) > 100:
        raise InvalidInput("legal_id", "must be at most 100 characters")
    if settings.embedded:
        raise InvalidInput("chain_url", "is required: a member joins a network over JSON-RPC")
    if not Web3.is_address(contract_address):
        raise InvalidInput("contract", "must be a 20-byte hex address")
    contract_address = Web3.to_checksum_address(contract_address)
    if settings.manifest_path.exists():
        raise Conflict(
            f"a ledger already exists in {settings.data_dir}", data_dir=str(settings.data_dir)
        )
    w3, _client = rpc.connect(settings)
    chain_id = int(w3.eth.chain_id)
    code = bytes(w3.eth.get_code(contract_address))
    if hashlib.sha256(code).hexdigest() != artifact_sha256("TradeLedger"):
        raise LedgerStateError(
            f"the contract at {contract_address} on chain {chain_id} is not the TradeLedger "
            "artifact this gateway ships (its code differs): refusing to join it",
            address=contract_address,
        )
    artifact = load_artifact("TradeLedger")
    contract = w3.eth.contract(address=contract_address, abi=artifact["abi"])
    key_id = bytes(contract.functions.fingerprintKeyId().call())
    deployment_block = int(contract.functions.deploymentBlock().call())

    make_private(settings.data_dir)
    keystore = Keystore(
        settings.keystore_dir,
        settings.secrets_dir,
        settings.keystore_passphrase,
        settings.keystore_scrypt_n,
    )
    account = Account.create()
    keystore.store(account)
    encryption = X25519PrivateKey.generate()
    raw_private = encryption.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    write_private(settings.secrets_dir / ENCRYPTION_KEY_FILE, raw_private.hex())
    # the same key opens the financing envelopes sealed to this member (ledger/encryptionkeys.py)
    write_private(
        settings.secrets_dir
        / ENCRYPTION_KEYS_DIR
        / f"{str(account.address).lower().removeprefix('0x')}.key",
        raw_private.hex(),
    )
    public = encryption.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    request = JoinRequest(
        chain_id=chain_id,
        contract=contract_address,
        address=str(account.address),
        encryption_key="0x" + public.hex(),
        name=name,
        role=role,
        legal_id=legal_id,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    signature = account.sign_message(encode_defunct(text=request.signed_text())).signature
    request = JoinRequest(**{**asdict(request), "signature": "0x" + bytes(signature).hex()})

    Manifest(
        chain_id=chain_id,
        contract_address=contract_address,
        deployment_block=deployment_block,
        deployment_tx="",
        artifact_sha256=artifact_sha256("TradeLedger"),
        solc_version=artifact["compiler"]["solc"],
        evm_version=artifact["compiler"]["evmVersion"],
        # the member this gateway acts for (its own key), not the consortium's operator
        admin_address=str(account.address),
        backend=settings.chain_url,
        fingerprint_key_id=key_id.hex()[:16],
        created_at=request.created_at,
    ).write(settings.manifest_path)
    write_private(
        settings.data_dir / JOIN_STATE_FILE,
        json.dumps({"address": request.address, "role": role, "name": name}, indent=2) + "\n",
    )
    db = GatewayDB(settings.gateway_db())
    try:
        db.add_participant(request.address, name, role)
        api_key = db.create_api_key(request.address)
    finally:
        db.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(request.to_json())
    return Joined(request.address, api_key, out, request, settings.data_dir)


def joining_address(settings: Settings) -> str | None:
    """The address this data directory is joining as, or None when it is not joining."""
    path = settings.data_dir / JOIN_STATE_FILE
    if not path.exists():
        return None
    try:
        return Web3.to_checksum_address(json.loads(path.read_text())["address"])
    except (ValueError, KeyError, TypeError):
        raise LedgerStateError(f"unreadable join state {path}", path=str(path)) from None


def finish_join(settings: Settings, contract: Contract, envelope_file: Path | None = None) -> bool:
    """Finish joining once the membership is on chain: import the delivered fingerprint key
    (from ``envelope_file``, else the newest ``FingerprintKeyDelivered`` for this member on
    chain) and drop the joining mark. True when done (or not joining); False while the
    membership or the key is not there yet. LedgerStateError when a delivered envelope does
    not open or holds another key."""
    address = joining_address(settings)
    if address is None:
        return True
    if not import_fingerprint_key(settings, contract, address, envelope_file):
        return False
    (settings.data_dir / JOIN_STATE_FILE).unlink()
    return True


def import_fingerprint_key(
    settings: Settings, contract: Contract, address: str, envelope_file: Path | None = None
) -> bool:
    """Import the consortium's *current* fingerprint key sealed to member ``address`` (this
    gateway's member): from ``envelope_file``, else from the newest ``FingerprintKeyDelivered``
    for it under the key id the contract holds. A key it replaces is kept beside it
    (``fingerprint.key.<id>``). False when ``address`` is not a member or nothing was
    delivered under the current id."""
    record = contract.functions.memberOf(address).call()
    if int(record[0]) == 0:
        return False
    key_id = bytes(contract.functions.fingerprintKeyId().call())
    envelope: bytes | None = None
    if envelope_file is not None:
        envelope = _read_envelope_file(envelope_file, address, key_id)
    else:
        start = int(contract.functions.deploymentBlock().call())
        logs = contract.events.FingerprintKeyDelivered().get_logs(
            argument_filters={"account": address, "keyId": key_id}, from_block=start
        )
        if logs:
            envelope = bytes(logs[-1]["args"]["envelope"])
    if envelope is None:
        return False
    install_fingerprint_key(
        settings, open_fingerprint_key(envelope, _encryption_key(settings), address, key_id)
    )
    return True


#: the command a member runs to (re-)import the key sealed to it on chain
FETCH_COMMAND = "tradeledger key fetch-fingerprint-key"
#: the command an admin runs to seal the current key to one member again
DELIVER_COMMAND = "tradeledger member deliver-fingerprint-key"


def show_key_id(key_id: bytes) -> str:
    """The one form of a fingerprint key id shown to people and clients: 0x + 64 hex."""
    return "0x" + key_id.hex()


def not_delivered(address: str, key_id: bytes) -> FingerprintKeyPending:
    """The error for a member to which no copy of the current key was delivered on chain."""
    return FingerprintKeyPending(
        f"no copy of the consortium's fingerprint key (id {show_key_id(key_id)}) was delivered "
        f"sealed to {address} on chain: ask a consortium admin to run `{DELIVER_COMMAND} "
        f"{address}`, then run `{FETCH_COMMAND}` here",
        address=address,
        chain_key_id=show_key_id(key_id),
    )


def fetch_fingerprint_key(settings: Settings, envelope_file: Path | None = None) -> str:
    """Re-import the consortium's current fingerprint key into ``settings.data_dir``: open
    the newest copy sealed to this gateway's member (``FingerprintKeyDelivered`` under the
    key id the contract holds) with the member's own encryption key, or ``envelope_file``.

    Works whatever the local key is — missing, unreadable or wrong (a lost or broken
    ``secrets/fingerprint.key``), or still joining — because it does not open the ledger
    (opening refuses a wrong key). A replaced key is kept as ``fingerprint.key.<id>``.
    Returns the member's address. Raises FingerprintKeyPending when the member is not on
    chain yet or nothing was delivered to it under the current id (naming the admin
    command that re-delivers it), LedgerStateError when the envelope does not open or this
    is an embedded (single-gateway) ledger, ChainUnavailable."""
    manifest = Manifest.read(settings.manifest_path)
    address = Web3.to_checksum_address(manifest.admin_address)
    if settings.embedded:
        raise LedgerStateError(
            "this ledger runs on the embedded chain: its fingerprint key exists only in "
            f"{settings.secrets_dir} (restore it from a backup of the data directory)",
            path=str(settings.secrets_dir / FINGERPRINT_KEY_FILE),
        )
    w3, _client = rpc.connect(settings)
    contract = w3.eth.contract(
        address=Web3.to_checksum_address(manifest.contract_address),
        abi=load_artifact("TradeLedger")["abi"],
    )
    key_id = bytes(contract.functions.fingerprintKeyId().call())
    if int(contract.functions.memberOf(address).call()[0]) == 0:
        raise FingerprintKeyPending(
            f"{address} is not a member yet: an admin approves its join request first "
            "(`tradeledger member approve FILE`)",
            address=address,
        )
    if not import_fingerprint_key(settings, contract, address, envelope_file):
        raise not_delivered(address, key_id)
    state = settings.data_dir / JOIN_STATE_FILE
    if state.exists():
        state.unlink()
    return address


def install_fingerprint_key(settings: Settings, key: bytes) -> None:
    """Make ``key`` this gateway's fingerprint key, keeping the one it replaces as
    ``secrets/fingerprint.key.<id>`` (mode 0600)."""
    path = settings.secrets_dir / FINGERPRINT_KEY_FILE
    if path.exists():
        old = path.read_text().strip()
        try:
            old_id = fingerprint_key_digest(bytes.fromhex(old)).hex()[:16]
        except ValueError:
            old_id = "unreadable"
        write_private(settings.secrets_dir / f"{FINGERPRINT_KEY_FILE}.{old_id}", old)
    write_private(path, key.hex())


def rotated_from(contract: Contract, key_id: bytes) -> bytes | None:
    """The id the consortium's fingerprint key moved to from ``key_id`` (an M-of-N
    ``SET_FINGERPRINT_KEY_ID`` proposal), or None when ``key_id`` was never the current one."""
    start = int(contract.functions.deploymentBlock().call())
    for log in contract.events.FingerprintKeyIdChanged().get_logs(from_block=start):
        if bytes(log["args"]["oldKeyId"]) == key_id:
            return bytes(log["args"]["newKeyId"])
    return None


def _read_envelope_file(path: Path, address: str, key_id: bytes) -> bytes:
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise InvalidInput("file", f"cannot read {path}: {exc.strerror}") from None
    except ValueError:
        raise InvalidInput("file", f"{path} is not JSON") from None
    if not isinstance(data, dict) or data.get("kind") != ENVELOPE_KIND:
        raise InvalidInput("kind", f"must be {ENVELOPE_KIND!r}")
    if str(data.get("address", "")).lower() != address.lower():
        raise InvalidInput("address", f"the envelope is for {data.get('address')}, not {address}")
    if str(data.get("key_id", "")).lower() != "0x" + key_id.hex():
        raise InvalidInput("key_id", "is not the consortium's current fingerprint key id")
    try:
        return bytes.fromhex(str(data["envelope"]).removeprefix("0x"))
    except (KeyError, ValueError):
        raise InvalidInput("envelope", "must be 0x and hex digits") from None
