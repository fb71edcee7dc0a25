"""Creating a network (``init``) and opening one (:class:`Ledger`), on either backend.

A :class:`Ledger` is everything a gateway process holds open: the settings, the manifest, a
Web3 connection (embedded py-evm or JSON-RPC), the contract, the keystores, the gateway
database, and one :class:`~ledger.tx.Transactor` per participant (keys decrypted once, on first
use, then kept in memory).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from web3 import Web3
from web3.contract import Contract

from ledger.artifacts import artifact_sha256, load_artifact
from ledger.chain import bridge, rpc
from ledger.chain.embedded import ChainInUse, EmbeddedNode, open_embedded
from ledger.config import Settings
from ledger.datadir import check_private, make_private, private_sqlite
from ledger.encryptionkeys import EncryptionKeyring
from ledger.errors import Conflict, FingerprintKeyPending, InvalidInput, LedgerStateError
from ledger.gatewaydb import GatewayDB
from ledger.join import (
    DELIVER_COMMAND,
    FETCH_COMMAND,
    FINGERPRINT_KEY_FILE,
    FINGERPRINT_NEXT_FILE,
    JOIN_STATE_FILE,
    fingerprint_key_digest,
    finish_join,
    import_fingerprint_key,
    install_fingerprint_key,
    joining_address,
    rotated_from,
    show_key_id,
)
from ledger.keys import Keystore, LocalSigner, Signer, write_private
from ledger.manifest import Manifest
from ledger.tx import FeePolicy, Transactor, TxJournal, translate

#: gas a new member is funded for on a JSON-RPC network where gas costs something (about
#: 20,000 single or 40,000 batched document registrations, or 7,000 financings: docs/gas.md)
MEMBER_GAS_BUDGET = 1_000_000_000
#: wei sent to a new member on the embedded chain, whose ether the admin mints at genesis
EMBEDDED_MEMBER_FUNDING = 10**21
#: an upper bound of the gas of one ``addMember`` (a 200-character name, with margin)
ADD_MEMBER_GAS = 300_000
#: the members the admin can onboard (fund and add) on what ``init`` asks the funder for
ADMIN_RESERVE_MEMBERS = 50
#: headroom on the admin's own gas: the base fee may rise before it is spent
FEE_HEADROOM = 2
#: how often a running gateway re-reads the fingerprint key id on chain (seconds)
FINGERPRINT_RECHECK_SECONDS = 5.0
#: re-encrypts development keystores under the external passphrase (``ledger/cli.py``)
PROTECT_COMMAND = "tradeledger keystore protect"
#: the transaction journal (signed transactions by sender and nonce, idempotency keys)
TX_JOURNAL_FILE = "txjournal.sqlite"


def fingerprint_key_id(key: bytes) -> str:
    """A public identifier of the consortium fingerprint key (never the key itself): the first
    16 hex digits of :func:`fingerprint_key_digest`, as the manifest records it."""
    return fingerprint_key_digest(key).hex()[:16]


def check_fingerprint_key(
    settings: Settings, contract: Contract, member: str | None = None
) -> bytes:
    """Refuse a gateway whose fingerprint key is not the consortium's (issue #13).

    Reads the key id the contract stores (set at deployment, changed only by an M-of-N
    proposal) and compares it with the id of ``DATA_DIR/secrets/fingerprint.key``. Returns the
    on-chain id (32 bytes). Raises LedgerStateError, with a message naming both ids, when the
    key differs: such a gateway would compute fingerprints no other bank can match, and the
    same invoice could be financed twice. A gateway still joining (``DATA_DIR/join.json``
    present, no key yet) passes: its key is delivered encrypted when the admins approve it.
    Without a key and not joining, it also refuses to start.

    Rotation (all gateways move together): when the local key is the one the consortium
    rotated away from, the gateway installs the new key — its own proposed one
    (``fingerprint.key.next``), or the one delivered sealed to ``member`` on chain — and
    starts; until the new key reaches it, it refuses to start, saying so.
    """
    try:
        on_chain = bytes(contract.functions.fingerprintKeyId().call())
    except Exception as exc:
        raise translate(exc) from None
    path = settings.secrets_dir / FINGERPRINT_KEY_FILE
    if not path.exists():
        if (settings.data_dir / JOIN_STATE_FILE).exists():
            return on_chain
        raise LedgerStateError(
            f"no fingerprint key at {path}: this gateway cannot fingerprint invoices. A member "
            f"re-imports the copy sealed to it on chain with `{FETCH_COMMAND}` (if none was "
            f"delivered to it, a consortium admin runs `{DELIVER_COMMAND} ADDRESS`)",
            path=str(path),
        )
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError:
        raise LedgerStateError(
            f"{path} holds no hex fingerprint key: re-import the consortium's key sealed to this "
            f"member on chain with `{FETCH_COMMAND}`",
            path=str(path),
        ) from None
    local = fingerprint_key_digest(key)
    if local != on_chain and _take_rotated_key(settings, contract, local, on_chain, member):
        return on_chain
    if local != on_chain:
        raise LedgerStateError(
            f"the fingerprint key in {path} (id {show_key_id(local)}) is not the consortium's "
            f"(the contract holds id {show_key_id(on_chain)}): refusing to start, because this "
            "gateway's fingerprints would never match another bank's and the same invoice could "
            "be financed twice. Re-import the consortium's key sealed to this member on chain "
            f"with `{FETCH_COMMAND}` (if none was delivered to it, a consortium admin runs "
            f"`{DELIVER_COMMAND} ADDRESS`).",
            path=str(path),
            local_key_id=show_key_id(local),
            chain_key_id=show_key_id(on_chain),
        )
    return on_chain


def _take_rotated_key(
    settings: Settings, contract: Contract, local: bytes, on_chain: bytes, member: str | None
) -> bool:
    """Install the consortium's new fingerprint key after a rotation away from ``local``."""
    proposed = settings.secrets_dir / FINGERPRINT_NEXT_FILE
    if proposed.exists():
        key = bytes.fromhex(proposed.read_text().strip())
        if fingerprint_key_digest(key) == on_chain:
            install_fingerprint_key(settings, key)
            proposed.unlink()
            return True
    if rotated_from(contract, local) is None:
        return False
    if member is not None and import_fingerprint_key(settings, contract, member):
        return True
    raise FingerprintKeyPending(
        f"the consortium rotated its fingerprint key (id {show_key_id(local)} -> "
        f"{show_key_id(on_chain)}) and the new key has not reached this gateway yet: a "
        f"consortium admin delivers it sealed to this member (`{DELIVER_COMMAND} "
        f"{member or 'ADDRESS'}`, or `tradeledger member rotate-fingerprint-key --deliver-only` "
        f"for every member), then this gateway takes it at its next request or `{FETCH_COMMAND}`",
        local_key_id=show_key_id(local),
        chain_key_id=show_key_id(on_chain),
    )


def legal_id_hash(legal_id: str) -> bytes:
    """The on-chain form of a legal id (e.g. an LEI): SHA-256 of its normalised text."""
    normalised = "".join(legal_id.split()).upper()
    return hashlib.sha256(normalised.encode()).digest() if normalised else b"\0" * 32


class Ledger:
    """An open network, as one gateway sees it."""

    def __init__(
        self,
        settings: Settings,
        w3: Web3,
        manifest: Manifest,
        node: EmbeddedNode | None,
        rpc_client: rpc.RpcClient | None = None,
    ) -> None:
        self.settings = settings
        self.w3 = w3
        self.manifest = manifest
        self.node = node
        #: the batch JSON-RPC client (None on the embedded chain)
        self.rpc = rpc_client
        self.journal = TxJournal(settings.data_dir / TX_JOURNAL_FILE)
        private_sqlite(settings.index_db_url())  # the index opens it later (ledger/indexer)
        abi = load_artifact("TradeLedger")["abi"]
        self.contract: Contract = w3.eth.contract(
            address=Web3.to_checksum_address(manifest.contract_address), abi=abi
        )
        self.keystore = Keystore(
            settings.keystore_dir,
            settings.secrets_dir,
            settings.keystore_passphrase,
            settings.keystore_scrypt_n,
        )
        self.db = GatewayDB(settings.gateway_db())
        #: the X25519 keys that open financing envelopes, one per member served here
        self.encryption_keys = EncryptionKeyring(settings.secrets_dir)
        self.fees = FeePolicy(w3, settings.gas_pricing)
        #: the consortium's fingerprint key id as the contract stores it (32 bytes)
        self.chain_fingerprint_key_id = b""
        self._key_checked_at = time.monotonic()
        self._transactors: dict[str, Transactor] = {}
        self._lock = threading.Lock()

    @property
    def chain_id(self) -> int:
        return self.manifest.chain_id

    def fingerprint_key(self) -> bytes:
        """The consortium's fingerprint key (checked against the id on chain). A gateway still
        joining fetches it first (see ``ledger/join.py``)."""
        path = self.settings.secrets_dir / FINGERPRINT_KEY_FILE
        joining = not path.exists() and joining_address(self.settings) is not None
        if joining and not finish_join(self.settings, self.contract):
            raise FingerprintKeyPending(
                "this gateway is still joining: its membership or the consortium's "
                "fingerprint key is not on chain yet (an admin approves the join request; "
                f"then `{FETCH_COMMAND}`, or the next request, imports the key)"
            )
        if not path.exists():
            raise LedgerStateError(
                f"no fingerprint key at {path}: re-import the copy sealed to this member on "
                f"chain with `{FETCH_COMMAND}`",
                path=str(path),
            )
        self._follow_rotation()
        key = bytes.fromhex(path.read_text().strip())
        if fingerprint_key_digest(key) != self.chain_fingerprint_key_id:
            raise LedgerStateError("the fingerprint key does not match the consortium's key id")
        return key

    def _follow_rotation(self) -> None:
        """A running gateway follows a fingerprint key rotation (re-reading the id on chain at
        most every FINGERPRINT_RECHECK_SECONDS): it never fingerprints under a retired key."""
        now = time.monotonic()
        if now - self._key_checked_at < FINGERPRINT_RECHECK_SECONDS:
            return
        try:
            on_chain = bytes(self.contract.functions.fingerprintKeyId().call())
        except Exception as exc:
            raise translate(exc) from None
        if on_chain != self.chain_fingerprint_key_id:
            self.chain_fingerprint_key_id = check_fingerprint_key(
                self.settings, self.contract, self.manifest.admin_address
            )
        self._key_checked_at = now

    def transactor(self, address: str) -> Transactor:
        """The transactor of a participant whose keystore this gateway holds."""
        address = Web3.to_checksum_address(address)
        with self._lock:
            found = self._transactors.get(address)
            if found is None:
                signer = self.keystore.load(address)
                found = self.make_transactor(signer)
                self._transactors[address] = found
            return found

    def use_signer(self, signer: Signer) -> Transactor:
        """Send for ``signer`` (an HSM, KMS or remote signer) instead of a local keystore."""
        address = Web3.to_checksum_address(signer.address)
        with self._lock:
            found = self.make_transactor(signer)
            self._transactors[address] = found
            return found

    def make_transactor(self, signer: Signer) -> Transactor:
        """A transactor for ``signer`` on this ledger (journaled; in-flight ones recovered)."""
        transactor = Transactor(
            self.w3,
            signer,
            self.chain_id,
            self.fees,
            self.settings.receipt_timeout,
            rpc=self.rpc,
            journal=self.journal,
            raw_sender=self.node.send_raw_batch if self.node is not None else None,
        )
        transactor.recover()
        return transactor

    def head_block(self) -> int:
        try:
            return int(self.w3.eth.block_number)
        except Exception as exc:
            raise translate(exc) from None

    def close(self) -> None:
        self.db.close()
        self.journal.close()
        if self.node is not None:
            self.node.close()


def open_ledger(settings: Settings) -> Ledger:
    """Open the network in ``settings.data_dir``. Refuses (LedgerStateError) a data directory
    that is open to other users of the machine (:func:`ledger.datadir.check_private`)."""
    manifest = Manifest.read(settings.manifest_path)
    check_private(settings.data_dir)
    check_passphrase_files(settings)
    node: EmbeddedNode | None = None
    client: rpc.RpcClient | None = None
    if settings.embedded:
        if manifest.backend != "embedded":
            raise LedgerStateError(
                f"this network runs on {manifest.backend}: set TRADELEDGER_CHAIN_URL"
            )
        try:
            node = open_embedded(settings.chain_dir, manifest.chain_id, settings.chain_sync)
            w3 = node.w3
        except ChainInUse:
            # a running gateway holds the chain: use it through its JSON-RPC bridge
            served = bridge.advertised_node(settings.data_dir, settings.secrets_dir)
            if served is None:
                raise
            w3, client = rpc.connect(settings, served[0], served[1])
    else:
        w3, client = rpc.connect(settings)
        if int(w3.eth.chain_id) != manifest.chain_id:
            raise LedgerStateError(
                f"{settings.chain_url} is chain {w3.eth.chain_id}, the manifest says "
                f"{manifest.chain_id}"
            )
    code = w3.eth.get_code(Web3.to_checksum_address(manifest.contract_address))
    deployed = hashlib.sha256(bytes(code)).hexdigest()
    if deployed != manifest.artifact_sha256:
        if node is not None:
            node.close()
        raise LedgerStateError(
            "the contract at the manifest's address is not the deployed artifact",
            address=manifest.contract_address,
        )
    ledger = Ledger(settings, w3, manifest, node, client)
    try:
        ledger.chain_fingerprint_key_id = check_fingerprint_key(
            settings, ledger.contract, manifest.admin_address
        )
        if joining_address(settings) is not None:
            finish_join(settings, ledger.contract)  # a member approved meanwhile finishes here
    except BaseException:
        ledger.close()
        raise
    return ledger


def check_passphrase_files(settings: Settings) -> None:
    """In production, refuse (LedgerStateError) keystores whose passphrase is a file beside
    them in ``secrets/`` (made in development), naming the files and the command that
    re-encrypts the keys under the external passphrase (``tradeledger keystore protect``)."""
    if settings.environment != "production":
        return
    keystore = Keystore(settings.keystore_dir, settings.secrets_dir)
    found = keystore.passphrase_files()
    if found:
        raise LedgerStateError(
            f"environment is production but {len(found)} keystore passphrase(s) lie in the data "
            f"directory ({', '.join(str(p) for p in found[:5])}): a copy of the directory is a "
            f"copy of those keys. Re-encrypt them under the external passphrase with "
            f"`{PROTECT_COMMAND} --data-dir {settings.data_dir}`",
            files=[str(p) for p in found],
        )


def init_network(
    settings: Settings,
    admin_name: str = "Consortium admin",
    admin_legal_id: str = "",
    funding: Signer | None = None,
    *,
    threshold: int = 1,
    co_admins: tuple[str, ...] = (),
) -> tuple[Ledger, str]:
    """Create a network: admin key, chain (embedded) or connection, contract, manifest.

    Returns the open ledger and the admin's first API key. On a JSON-RPC network where gas
    costs something, ``funding`` (or the key in ``settings.funding_key_file``) pays for the
    admin's transactions and the funding of members. ``threshold`` is M, the ADMIN approvals
    a membership change needs (1: the single operator acts alone, as before), at most
    1 + len(``co_admins``) (addresses of further ADMINs, who hold their own keys). The id of
    the new fingerprint key is stored in the contract.
    """
    if settings.manifest_path.exists():
        raise Conflict(
            f"a ledger already exists in {settings.data_dir}", data_dir=str(settings.data_dir)
        )
    admins = 1 + len(set(co_admins))
    if not 1 <= threshold <= admins:  # refused before anything is created
        raise InvalidInput(
            "threshold",
            f"must be between 1 and the number of admins ({admins}: you and {admins - 1} "
            "co-admin(s))",
        )
    make_private(settings.data_dir)
    keystore = Keystore(
        settings.keystore_dir,
        settings.secrets_dir,
        settings.keystore_passphrase,
        settings.keystore_scrypt_n,
    )
    node: EmbeddedNode | None = None
    client: rpc.RpcClient | None = None
    admin: LocalSigner | None = None
    if funding is None and settings.funding_key_file is not None and not settings.embedded:
        funding = signer_from_key(_read_key_file(settings))
    if settings.embedded:
        admin = keystore.create()
        node = open_embedded(
            settings.chain_dir, settings.chain_id, settings.chain_sync, create_funding=admin.address
        )
        w3 = node.w3
        chain_id = settings.chain_id
        backend = "embedded"
    else:
        w3, client = rpc.connect(settings)
        chain_id = int(w3.eth.chain_id)
        backend = settings.chain_url
        if funding is None and settings.gas_pricing != "zero":
            raise LedgerStateError(
                f"gas costs something on {settings.chain_url}: set TRADELEDGER_FUNDING_KEY_FILE "
                "(a funded account that pays for the admin), or TRADELEDGER_GAS_PRICING=zero on "
                "a free-gas network"
            )
    fees = FeePolicy(w3, settings.gas_pricing)
    artifact = load_artifact("TradeLedger")
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    key = secrets.token_bytes(32)
    constructor = factory.constructor(
        admin_name,
        legal_id_hash(admin_legal_id),
        [Web3.to_checksum_address(a) for a in co_admins],
        threshold,
        fingerprint_key_digest(key),
    )
    data = constructor.data_in_transaction
    # the deployment's gas does not depend on its sender: with a funder, estimated before the
    # admin key exists, so a funder that cannot pay is refused before anything is written
    if admin is None and funding is None:
        admin = keystore.create()
    estimator = admin or funding
    assert estimator is not None
    try:
        sender = Web3.to_checksum_address(estimator.address)
        gas = int(w3.eth.estimate_gas({"from": sender, "data": data}) * 1.2)
    except Exception as exc:
        raise translate(exc) from None
    need = 0
    funder: Transactor | None = None
    if funding is not None and settings.gas_pricing != "zero":
        need = admin_funding(fees, gas)
        if need:
            funder = Transactor(w3, funding, chain_id, fees, settings.receipt_timeout, rpc=client)
            _check_funder(w3, funder.address, need, fees)
    if admin is None:
        admin = keystore.create()
    if funder is not None:
        funder.wait(funder.send({"to": admin.address, "value": need, "gas": 21000}))
    deployer = Transactor(w3, admin, chain_id, fees, settings.receipt_timeout, rpc=client)
    receipt = deployer.wait(deployer.send({"data": data, "gas": gas, "value": 0}))
    _write_secret(settings, FINGERPRINT_KEY_FILE, key.hex())
    manifest = Manifest(
        chain_id=chain_id,
        contract_address=str(receipt["contractAddress"]),
        deployment_block=int(receipt["blockNumber"]),
        deployment_tx=receipt["transactionHash"].to_0x_hex(),
        artifact_sha256=artifact_sha256("TradeLedger"),
        solc_version=artifact["compiler"]["solc"],
        evm_version=artifact["compiler"]["evmVersion"],
        admin_address=admin.address,
        backend=backend,
        fingerprint_key_id=fingerprint_key_id(key),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    manifest.write(settings.manifest_path)
    ledger = Ledger(settings, w3, manifest, node, client)
    ledger.chain_fingerprint_key_id = fingerprint_key_digest(key)
    ledger.db.add_participant(admin.address, admin_name, "admin")
    api_key = ledger.db.create_api_key(admin.address)
    return ledger, api_key


def fee_cap(fees: FeePolicy) -> int:
    """The most a unit of gas may cost now (wei): the EIP-1559 fee cap or the legacy gas price;
    0 on a free-gas network."""
    fields = fees.fields()
    return int(fields.get("maxFeePerGas", fields.get("gasPrice", 0)))


def member_funding(ledger: Ledger) -> int:
    """Wei sent to a new member so it can pay for its own writes: none on a free-gas network
    (``gas_pricing`` zero), ``MEMBER_GAS_BUDGET`` gas at the node's current fee cap on a
    JSON-RPC network, ``EMBEDDED_MEMBER_FUNDING`` on the embedded chain."""
    if ledger.settings.gas_pricing == "zero":
        return 0
    if ledger.node is not None:
        return EMBEDDED_MEMBER_FUNDING
    return _member_funding(ledger.fees)


def _member_funding(fees: FeePolicy) -> int:
    return MEMBER_GAS_BUDGET * fee_cap(fees)


def admin_funding(fees: FeePolicy, deployment_gas: int) -> int:
    """Wei the funding account gives the new admin (0 on a free-gas network): the deployment
    and the onboarding of up to ``ADMIN_RESERVE_MEMBERS`` members (a transfer and an
    ``addMember`` each, with ``FEE_HEADROOM``), plus each such member's funding."""
    price = fee_cap(fees)
    admin_gas = deployment_gas + ADMIN_RESERVE_MEMBERS * (21_000 + ADD_MEMBER_GAS)
    return admin_gas * price * FEE_HEADROOM + ADMIN_RESERVE_MEMBERS * _member_funding(fees)


def _ether(wei: int, rounding: str = ROUND_FLOOR) -> str:
    """``wei`` in ether to 6 decimals (rounded up for an amount needed, down for one held)."""
    amount = (Decimal(wei) / Decimal(10**18)).quantize(Decimal("0.000001"), rounding=rounding)
    return f"{amount:f}".rstrip("0").rstrip(".") + " ETH"


def require_funds(
    w3: Web3, payer: str, needed: int, fees: FeePolicy, who: str, purpose: str
) -> None:
    """Raise LedgerStateError naming ``payer`` (``who``: "the admin"), what it holds, the
    ``needed`` wei and what for (``purpose``) when it holds less; chain errors as usual."""
    try:
        held = int(w3.eth.get_balance(Web3.to_checksum_address(payer)))
    except Exception as exc:
        raise translate(exc) from None
    if held >= needed:
        return
    gwei = f"{fee_cap(fees) / 10**9:g}"
    need, missing = _ether(needed, ROUND_CEILING), _ether(needed - held, ROUND_CEILING)
    raise LedgerStateError(
        f"{who} {payer} holds {_ether(held)}; {purpose} needs {need} from it "
        f"(at {gwei} gwei per gas): send it {missing} more, or set "
        "TRADELEDGER_GAS_PRICING=zero on a free-gas network",
        payer=payer,
        needed_wei=needed,
        balance_wei=held,
    )


def _check_funder(w3: Web3, funder: str, need: int, fees: FeePolicy) -> None:
    """Refuse, saying how much is needed and from which address, when the funder lacks it."""
    require_funds(
        w3,
        funder,
        need + 21_000 * fee_cap(fees),  # and the transfer's own gas
        fees,
        "the funding account",
        f"creating the network (the contract's deployment and onboarding "
        f"up to {ADMIN_RESERVE_MEMBERS} members, each funded for {MEMBER_GAS_BUDGET:,} gas)",
    )


def require_member_funding(ledger: Ledger, admin: str) -> int:
    """The wei a new member gets (:func:`member_funding`), after checking that ``admin`` can
    pay it and the transfer: LedgerStateError naming the admin and the amounts if not."""
    funding = member_funding(ledger)
    if funding:
        require_funds(
            ledger.w3,
            admin,
            funding + 21_000 * fee_cap(ledger.fees),
            ledger.fees,
            "the admin",
            f"onboarding a member ({_ether(funding, ROUND_CEILING)} for its gas, and the transfer)",
        )
    return funding


def _write_secret(settings: Settings, name: str, text: str) -> None:
    write_private(settings.secrets_dir / name, text)


def _read_key_file(settings: Settings) -> str:
    path = settings.funding_key_file
    assert path is not None
    try:
        text = path.read_text().strip()
    except OSError as exc:
        raise LedgerStateError(f"cannot read the funding key file {path}: {exc.strerror}") from None
    if len(text.removeprefix("0x")) != 64:
        raise LedgerStateError(f"the funding key file {path} holds no 32-byte hex key")
    return text


def signer_from_key(private_key_hex: str) -> LocalSigner:
    """A signer over a raw private key (e.g. a dev chain's funded account)."""
    from eth_account import Account

    return LocalSigner(Account.from_key(private_key_hex))
