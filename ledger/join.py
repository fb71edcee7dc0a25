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
   block, fingerprint evaluator key). It then writes a :class:`JoinRequest` — address, encryption
   public key, name, role asked for, legal id, chain id and contract — signed by the new key
   (EIP-191 ``personal_sign`` over the request's canonical JSON), and issues the first API key
   of its own gateway. ``DATA_DIR/join.json`` marks the directory as *joining*.
2. **Approval** (``tradeledger member approve FILE`` or ``POST /v1/members/approve``, at an
   admin's gateway). The admin's gateway verifies the signature (the request was made by the
   key of the address it names), funds the address where gas costs something, and proposes
   ADD_MEMBER for that address, carrying the member's encryption key in the proposal. No part
   of the member's signing key ever leaves its data directory.
3. **Finishing** (:func:`finish_join`). The member's gateway, when it opens (``tradeledger
   serve``) or the first time it needs its membership, checks that its membership is on chain
   and removes ``join.json``. From then on it is an ordinary gateway that signs only with its
   own key. No fingerprint key is delivered: there is none to deliver. The fingerprints a
   financing locks come from the consortium's evaluator (issue #18, docs/fingerprints.md),
   whose public key is on chain.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3
from web3.contract import Contract

from ledger.artifacts import artifact_sha256, load_artifact
from ledger.chain import rpc
from ledger.config import Settings
from ledger.datadir import make_private
from ledger.documents.identifiers import check_member_legal_id
from ledger.errors import Conflict, InvalidInput, JoinPending, LedgerStateError
from ledger.gatewaydb import GatewayDB
from ledger.jsonliterals import is_whole_number
from ledger.keys import Keystore, write_private
from ledger.manifest import Manifest
from ledger.membernames import check_name
from ledger.userfiles import read_regular_file
from ledger.words import utc_text

#: the consortium-wide fingerprint key file of releases before issue #18 (none is made now)
FINGERPRINT_KEY_FILE = "fingerprint.key"
#: a gateway's own key for the fingerprints it keeps off chain (ledger.network.read_lookup_key)
LOOKUP_KEY_FILE = "lookup.key"
#: present while a member that joined with its own key waits for the consortium's approval
JOIN_STATE_FILE = "join.json"
#: the member's X25519 private key (raw, hex), for data addressed to it
ENCRYPTION_KEY_FILE = "encryption.key"
#: one X25519 key per member served here, by address (see ledger/encryptionkeys.py)
ENCRYPTION_KEYS_DIR = "encryption"
JOIN_REQUEST_KIND = "tradeledger-join-request"
#: the largest join request file read (one is about 1 KB: its JSON, a signature, a public key)
JOIN_REQUEST_MAX_BYTES = 64 * 1024
_JOIN_ROLES = ("admin", "bank", "enterprise", "regulator", "attestor")
_HEX32 = re.compile(r"^0x[0-9a-fA-F]{64}$")


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
        # a field no join request has is named first, as every other route names it (tryout 65
        # sent {"x": 1} and was told only what kind must be)
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "is not a join request field")
        if data.get("kind") != JOIN_REQUEST_KIND:
            raise InvalidInput("kind", f"must be {JOIN_REQUEST_KIND!r}")
        version = data.get("version")
        if not is_whole_number(version) or version != 1:  # true == 1 and 1.0 == 1 to Python
            raise InvalidInput("version", "must be 1")
        text_fields = ("contract", "address", "encryption_key", "name", "role", "legal_id")
        for name in (*text_fields, "created_at", "signature"):
            if not isinstance(data.get(name), str):
                raise InvalidInput(name, "is required (a string)")
        if not is_whole_number(data.get("chain_id")):
            raise InvalidInput("chain_id", "is required (an integer)")
        for name in ("contract", "address"):
            if not Web3.is_address(data[name]):
                raise InvalidInput(name, "must be a 20-byte hex address")
        if not _HEX32.match(data["encryption_key"]):
            raise InvalidInput("encryption_key", "must be 0x and 64 hex digits (X25519)")
        if data["role"] not in _JOIN_ROLES:
            raise InvalidInput("role", f"must be one of {', '.join(_JOIN_ROLES)}")
        check_name(data["name"])  # as adding a member checks it (kept as signed)
        if len(data["legal_id"]) > 100:
            raise InvalidInput("legal_id", "must be at most 100 characters")
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
    """A join request file (a regular file of at most ``JOIN_REQUEST_MAX_BYTES``), parsed and
    its signature verified; :class:`~ledger.errors.InvalidInput` naming ``file`` otherwise."""
    raw = read_regular_file(path, "file", JOIN_REQUEST_MAX_BYTES)
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidInput("file", f"{path} is not JSON") from None
    request = JoinRequest.parse(data)
    request.verify()
    return request


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
    name = check_name(name)  # as adding a member checks it: refused now, not at approval
    if len(legal_id) > 100:
        raise InvalidInput("legal_id", "must be at most 100 characters")
    legal_id = check_member_legal_id(legal_id)  # an LEI, a VAT id, a GLN or <ICD>:<id>
    if settings.embedded:
        raise InvalidInput(
            "--chain-url",
            "is required (or TRADELEDGER_CHAIN_URL): a member joins a network over JSON-RPC",
        )
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
    key_id = bytes(contract.functions.fingerprintEvaluatorKey().call())
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
    write_private(settings.secrets_dir / LOOKUP_KEY_FILE, secrets.token_bytes(32).hex())
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
        created_at=utc_text(datetime.now(UTC)),
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
        fingerprint_evaluator_key=key_id.hex()[:16],
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


def finish_join(settings: Settings, contract: Contract) -> bool:
    """Finish joining once the membership is on chain: drop the joining mark. True when done
    (or not joining); False while the membership is not on chain yet."""
    address = joining_address(settings)
    if address is None:
        return True
    if int(contract.functions.memberOf(address).call()[0]) == 0:
        return False
    (settings.data_dir / JOIN_STATE_FILE).unlink(missing_ok=True)  # another thread's, maybe
    return True


def finish_join_now(settings: Settings) -> str:
    """``tradeledger join finish``: finish joining without opening the ledger. Returns the
    member's address. JoinPending while the membership is not on chain; LedgerStateError on
    the embedded chain (no one joins it)."""
    manifest = Manifest.read(settings.manifest_path)
    address = Web3.to_checksum_address(manifest.admin_address)
    if settings.embedded:
        raise LedgerStateError("this ledger runs on the embedded chain: no one joins it")
    w3, _client = rpc.connect(settings)
    contract = w3.eth.contract(
        address=Web3.to_checksum_address(manifest.contract_address),
        abi=load_artifact("TradeLedger")["abi"],
    )
    if not finish_join(settings, contract):
        raise JoinPending(
            f"{address} is not a member yet: an admin approves its join request first "
            "(`tradeledger member approve FILE`)",
            address=address,
        )
    return address
