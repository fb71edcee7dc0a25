"""Creating a network (``init``) and opening one (:class:`Ledger`), on either backend.

A :class:`Ledger` is everything a gateway process holds open: the settings, the manifest, a
Web3 connection (embedded py-evm or JSON-RPC), the contract, the keystores, the gateway
database, and one :class:`~ledger.tx.Transactor` per participant (keys decrypted once, on first
use, then kept in memory).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from web3 import Web3
from web3.contract import Contract
from web3.exceptions import BlockNotFound

from ledger.artifacts import artifact_sha256, load_artifact
from ledger.chain import bridge, rpc
from ledger.chain.embedded import ChainInUse, EmbeddedNode, LockedTesterProvider, open_embedded
from ledger.chain.lean import (
    EthCall,
    LeanContract,
    rpc_eth_call,
    rpc_eth_call_many,
    tester_eth_call,
)
from ledger.config import Settings, env_name
from ledger.datadir import check_private, make_private, private_sqlite
from ledger.documents.facts import DocumentFacts, ParsedDocument
from ledger.documents.fingerprints import Fingerprint, oblivious_fingerprints
from ledger.encryptionkeys import EncryptionKeyring
from ledger.errors import (
    ChainUnavailable,
    Conflict,
    EvaluatorUnavailable,
    InvalidInput,
    KeyRotatedAway,
    LedgerError,
    LedgerStateError,
    MemberSuspended,
    RateLimited,
)
from ledger.evaluator import MAX_BATCH as EVALUATOR_MAX_BATCH
from ledger.gatewaydb import GatewayDB
from ledger.httppool import without_credentials
from ledger.indexer.logreads import indexed_block_times
from ledger.join import LOOKUP_KEY_FILE, finish_join, joining_address
from ledger.keys import Keystore, LocalSigner, Signer, write_private
from ledger.manifest import Manifest
from ledger.oblivious import EvaluatorClient, naming_member
from ledger.oprf import OprfError, PublicKey
from ledger.tx import FeePolicy, Transactor, TxJournal, translate
from ledger.words import utc_text

if TYPE_CHECKING:
    from ledger.indexer.follower import EventIndex

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
#: how often a running gateway re-reads the fingerprint evaluator's key on chain (seconds)
FINGERPRINT_RECHECK_SECONDS = 5.0
#: how many hashes a gateway remembers having read registered (32 bytes each: ~4 MB)
REGISTERED_SEEN_MAX = 65_536
#: re-encrypts development keystores under the external passphrase (``ledger/cli.py``)
PROTECT_COMMAND = "tradeledger keystore protect"
#: the transaction journal (signed transactions by sender and nonce, idempotency keys)
TX_JOURNAL_FILE = "txjournal.sqlite"


def create_lookup_key(settings: Settings) -> None:
    """Create this gateway's lookup key (``secrets/lookup.key``, 32 random bytes, 0600)."""
    write_private(settings.secrets_dir / LOOKUP_KEY_FILE, secrets.token_bytes(32).hex())


def read_lookup_key(settings: Settings) -> bytes:
    """This gateway's lookup key. LedgerStateError if it is missing or unreadable: a new one
    would silently stop every file kept here from matching (restore it from a backup)."""
    path = settings.secrets_dir / LOOKUP_KEY_FILE
    try:
        key = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        key = b""
    if len(key) != 32:
        raise LedgerStateError(
            f"no usable lookup key at {path}: the files this gateway keeps are found by it. "
            "Restore it from a backup of the data directory",
            path=str(path),
        )
    return key


def read_evaluator_key(contract: Contract) -> bytes:
    """The fingerprint evaluator's 32-byte public key (RFC 9497 ``pkS``) as the consortium put it
    on chain: the contract slot ``fingerprintEvaluatorKey`` (set at deployment, changed only by an
    M-of-N ``SET_FINGERPRINT_EVALUATOR`` proposal) holds it. ChainUnavailable if unreadable."""
    try:
        return bytes(contract.functions.fingerprintEvaluatorKey().call())
    except Exception as exc:
        raise translate(exc) from None


def fetch_evaluator_key(url: str, timeout: float = 10.0) -> bytes:
    """The public key the evaluator at ``url`` announces (``GET /v1/public-key``): what
    ``init`` puts on chain when no key is given. EvaluatorUnavailable if it cannot be read."""
    if not url.startswith(("http://", "https://")):
        raise InvalidInput(env_name("evaluator_url"), "must be an http:// or https:// URL")
    try:
        with urllib.request.urlopen(  # noqa: S310 (http(s) only, checked above)
            url.rstrip("/") + "/v1/public-key", timeout=timeout
        ) as response:
            key = bytes.fromhex(str(json.loads(response.read())["public_key"]))
    except (OSError, ValueError, KeyError, TypeError, http.client.HTTPException) as exc:
        # neither the URL nor urllib's error (which takes ``user:password@host`` for the host,
        # or for a bad port) shows the credentials the URL carries
        shown = without_credentials(url)
        said = f"{exc}" if shown == url else type(exc).__name__
        raise EvaluatorUnavailable(
            f"the fingerprint evaluator at {shown} cannot be reached ({said})",
            reason="unreachable",
        ) from None
    PublicKey.from_bytes(key)
    return key


#: where the evaluator's public key is set (``init --evaluator-key`` sets it too), for errors
_EVALUATOR_KEY = env_name("evaluator_public_key")


def evaluator_key_from(settings: Settings, key: bytes | None) -> bytes:
    """The evaluator key ``init`` deploys with: ``key``, else ``settings.evaluator_public_key``,
    else the one the evaluator at ``settings.evaluator_url`` announces. InvalidInput if none is
    given or it is not a ristretto255 public key."""
    if key is None and settings.evaluator_public_key:
        try:
            key = bytes.fromhex(settings.evaluator_public_key.removeprefix("0x"))
        except ValueError:
            raise InvalidInput(_EVALUATOR_KEY, "must be 64 hex digits") from None
    if key is None and settings.evaluator_url:
        key = fetch_evaluator_key(settings.evaluator_url, settings.evaluator_timeout)
    if key is None:
        raise InvalidInput(
            _EVALUATOR_KEY,
            "is required: create the consortium's fingerprint evaluator with `tradeledger "
            "evaluator init --data-dir EVALUATOR_DIR` (a directory of its own, never a "
            "gateway's) and give its public key (--evaluator-key) or URL "
            "(TRADELEDGER_EVALUATOR_URL)",
        )
    try:
        PublicKey.from_bytes(key)
    except OprfError:
        raise InvalidInput(_EVALUATOR_KEY, "must be a 32-byte ristretto255 public key") from None
    return key


def legal_id_hash(legal_id: str) -> bytes:
    """The on-chain form of a legal id (e.g. an LEI): SHA-256 of its normalised text."""
    normalised = "".join(legal_id.split()).upper()
    return hashlib.sha256(normalised.encode()).digest() if normalised else b"\0" * 32


def _eth_call(w3: Web3, client: rpc.RpcClient | None) -> EthCall:
    """How a :class:`LeanContract` call reaches the chain: the batch client of a JSON-RPC node
    (the CLI beside a running gateway too: its bridge), else eth-tester under the embedded
    provider's request lock — a ledger is opened on one or the other."""
    if client is not None:
        return rpc_eth_call(client)
    provider = w3.provider
    if not isinstance(provider, LockedTesterProvider):
        raise LedgerStateError("a ledger runs on the embedded chain or a JSON-RPC node")
    return tester_eth_call(
        provider.ethereum_tester, provider.request_lock, str(w3.eth.default_account)
    )


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
        #: the same contract's functions without web3's per-call work (the hot reads and
        #: writes of the REST path, issue #16; ledger/chain/lean.py)
        self.calls = LeanContract(
            w3,
            manifest.contract_address,
            abi,
            _eth_call(w3, rpc_client),
            rpc_eth_call_many(rpc_client) if rpc_client is not None else None,
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
        #: the fingerprint evaluator's public key as the contract stores it (32 bytes)
        self.chain_evaluator_key = b""
        self._key_checked_at = time.monotonic()
        self._lookup_key: bytes | None = None
        self._transactors: dict[str, Transactor] = {}
        self._block_times: dict[int, int] = {}
        self._registered_seen: dict[bytes, None] = {}
        self._evaluator_clients = threading.local()
        #: the served gateway's event index (set by the API app while it follows the chain):
        #: reads narrow their chain searches with it (``ledger.indexer.pledges``); None: every
        #: read searches the chain itself (the CLI, tools)
        self.event_index: EventIndex | None = None
        self._lock = threading.Lock()

    @property
    def chain_id(self) -> int:
        return self.manifest.chain_id

    def evaluator_key(self) -> bytes:
        """The evaluator's public key on chain, re-read at most every
        FINGERPRINT_RECHECK_SECONDS (a rotation on chain applies within that time)."""
        now = time.monotonic()
        if not self.chain_evaluator_key or (
            now - self._key_checked_at >= FINGERPRINT_RECHECK_SECONDS
        ):
            self.chain_evaluator_key = read_evaluator_key(self.contract)
            self._key_checked_at = now
        return self.chain_evaluator_key

    def block_time(self, number: int) -> int:
        """The timestamp (Unix seconds) of block ``number``, as its header has it: read once per
        block (a block's header never changes once the block is read as mined; the 64 last
        asked are kept). Raises ChainUnavailable for a node that cannot be reached or does not
        have the block yet."""
        with self._lock:
            found = self._block_times.get(number)
        if found is not None:
            return found
        try:
            if self.rpc is not None:
                block = self.rpc.call("eth_getBlockByNumber", [hex(number), False])
            else:
                block = self.w3.eth.get_block(number)
        except BlockNotFound:
            block = None
        except LedgerError:
            raise
        except Exception as exc:
            raise translate(exc) from None
        if not block or "timestamp" not in block:
            # a node behind the one that mined it (several nodes behind one address)
            raise ChainUnavailable(
                f"the chain node has no block {number} yet: retry (the write is done)",
                block=number,
            )
        stamp = block["timestamp"]
        found = int(stamp, 16) if isinstance(stamp, str) else int(stamp)
        with self._lock:
            if len(self._block_times) >= 64:
                self._block_times.pop(next(iter(self._block_times)))
            self._block_times[number] = found
        return found

    def block_times(self, numbers: Iterable[int]) -> dict[int, int]:
        """The timestamps (Unix seconds) of blocks ``numbers``, by number, as
        :meth:`block_time` reads each — but the blocks a served gateway's event index has folded
        in are read from it in one query (a block holding an event the index keeps has its time
        there, :func:`ledger.indexer.logreads.indexed_block_times`), not one header read per
        block: a page of financings read one header per entry's block (issue #16). Raises as
        :meth:`block_time`."""
        wanted = set(numbers)
        with self._lock:
            found = {n: self._block_times[n] for n in wanted if n in self._block_times}
        missing = wanted - set(found)
        if missing and self.event_index is not None:
            found.update(indexed_block_times(self.event_index, missing))
        for number in wanted - set(found):
            found[number] = self.block_time(number)
        return found

    def head_number(self) -> int:
        """The chain's head block number: on the embedded chain as last committed (no wait for
        a block being sealed), on a node ``eth_blockNumber``."""
        if self.node is not None:
            return self.node.head()[0]
        try:
            return int(self.w3.eth.block_number)
        except LedgerError:
            raise
        except Exception as exc:
            raise translate(exc) from None

    def logs_since(self, timestamp: int) -> int:
        """The block to read the logs of something the chain dated ``timestamp`` (Unix
        seconds) from: none of its events is older. On the embedded chain, whose ``eth_getLogs``
        walks every block of its range, the first block whose time is ``timestamp`` or later
        (a binary search over the stored headers: block times never decrease); on a node, whose
        log index answers a topic query without walking blocks, the contract's deployment."""
        low = self.manifest.deployment_block
        if self.node is None:
            return low
        node = self.node
        high = self.head_number()
        while low < high:  # the first block in low..high whose time is >= timestamp
            middle = (low + high) // 2
            header = node.header(middle)
            if header is not None and header[1] >= timestamp:
                high = middle
            else:
                low = middle + 1
        return low

    def seen_registered(self, doc_hash: bytes) -> bool:
        """Whether this process has read ``doc_hash`` as registered on chain. A registration
        is never undone (revoked and superseded documents stay registered), so a hash once read
        registered need not be read again to know it *was* registered; its standing (revoked,
        superseded) still must be. The last ``REGISTERED_SEEN_MAX`` hashes are kept."""
        with self._lock:
            return doc_hash in self._registered_seen

    def saw_registered(self, doc_hash: bytes) -> None:
        """Remember that ``doc_hash`` was read registered (see :meth:`seen_registered`)."""
        with self._lock:
            if len(self._registered_seen) >= REGISTERED_SEEN_MAX:
                self._registered_seen.pop(next(iter(self._registered_seen)))
            self._registered_seen[doc_hash] = None

    def lookup_key(self) -> bytes:
        """This gateway's own random key for the fingerprints and lookup keys it keeps with
        received files and never puts on chain (``secrets/lookup.key``, 0600, made on first
        use). It computes no on-chain fingerprint: those come from the evaluator."""
        with self._lock:
            if self._lookup_key is None:
                self._lookup_key = read_lookup_key(self.settings)
            return self._lookup_key

    def evaluator_client(self) -> EvaluatorClient:
        """A client of the consortium's evaluator (``settings.evaluator_url``): one per thread,
        kept while the URL and timeout stay the same, so its pooled connection is kept alive
        between requests (a new client per evaluation opened a TCP connection per check)."""
        url, timeout = self.settings.evaluator_url, self.settings.evaluator_timeout
        client: EvaluatorClient | None = getattr(self._evaluator_clients, "client", None)
        if client is None or (client.url, client.timeout) != (url.rstrip("/"), timeout):
            contract = self.manifest.contract_address
            client = EvaluatorClient(url, contract, self.evaluator_key, timeout)
            self._evaluator_clients.client = client
        return client

    def oblivious_fingerprints(
        self, actor: str, document: ParsedDocument | DocumentFacts
    ) -> list[Fingerprint]:
        """The on-chain fingerprints of ``document``, evaluated for member ``actor`` (a bank
        whose key this gateway holds) by the consortium's evaluator, its proof checked against
        the key on chain. EvaluatorUnavailable, RateLimited, MemberSuspended: see
        :mod:`ledger.oblivious`."""
        return oblivious_fingerprints(document, lambda inputs: self.evaluate(actor, inputs))

    def evaluate(self, actor: str, inputs: Sequence[bytes]) -> list[bytes]:
        """The 64-byte OPRF outputs of ``inputs`` for member ``actor``, from the evaluator,
        each proof checked against the key on chain (raises as :mod:`ledger.oblivious`); in an
        :meth:`evaluated_together` block, from its one request when it evaluated them all.
        More inputs than one request holds (the evaluator's ``MAX_BATCH``, 128: a batch of 40
        invoices has more) are sent in requests of that many — sent as one, the evaluator
        refused them (and a batch's files were then evaluated one by one).

        An input this member had evaluated before under the same evaluator key is answered from
        the gateway database (``evaluated_inputs``, :meth:`GatewayDB.evaluated_outputs`), not
        sent again: the output of a key and an input never changes, and the member learns
        nothing it did not have, so a check made again, and the financing of a file checked or
        lodged before, spend its evaluation allowance once. A rotated evaluator key is a new
        key: every input is evaluated again under it."""
        together: dict[tuple[str, bytes], bytes] | None = getattr(
            self._evaluator_clients, "together", None
        )
        if together is not None and all((actor, i) in together for i in inputs):
            return [together[(actor, i)] for i in inputs]
        if not inputs:
            return []
        address, sign = self._evaluator_signer(actor)
        chain_key = self.evaluator_key()
        lookup = self.lookup_key()
        tag_of = {i: hmac.new(lookup, i, hashlib.sha256).digest() for i in inputs}
        tags = [tag_of[i] for i in inputs]
        kept = self.db.evaluated_outputs(address, chain_key.hex(), tags)
        missing = [i for i, t in tag_of.items() if t not in kept]  # each distinct input once
        if missing:
            client = self.evaluator_client()
            fresh: list[bytes] = []
            for start in range(0, len(missing), EVALUATOR_MAX_BATCH):
                try:
                    fresh += client.outputs(
                        address, sign, missing[start : start + EVALUATOR_MAX_BATCH], chain_key
                    )
                except (RateLimited, MemberSuspended) as refused:  # the evaluator knows no names
                    raise naming_member(refused, address, self._participant_name(address)) from None
            new = {tag_of[i]: o for i, o in zip(missing, fresh, strict=True)}
            self.db.keep_evaluated(address, chain_key.hex(), new)
            kept.update(new)
            self._evaluator_clients.sent = self.inputs_sent() + len(missing)
        return [kept[t] for t in tags]

    def inputs_sent(self) -> int:
        """How many inputs :meth:`evaluate` has had the evaluator evaluate in this thread so
        far (a running count: the fingerprint-check log takes the difference over one
        evaluation, whose calls run in its thread)."""
        return int(getattr(self._evaluator_clients, "sent", 0))

    def _participant_name(self, address: str) -> str | None:
        """The name this gateway gave the member at ``address`` it holds a key of (None: none
        known)."""
        try:
            return self.db.participant(address).name or None
        except LedgerError:
            return None

    @contextmanager
    def evaluated_together(self, actor: str, inputs: Sequence[bytes]) -> Iterator[None]:
        """Evaluate ``inputs`` for ``actor`` in one request (one round trip, one proof), and
        answer :meth:`evaluate` of any of them from it in this thread for the ``with`` block:
        the files of a batch are read one by one, their fingerprints evaluated at once (issue
        #16: a 100-file batch made 100 evaluator round trips; more inputs than one request
        holds are sent as :meth:`evaluate` sends them). Raises as :meth:`evaluate`."""
        outputs = self.evaluate(actor, inputs)
        self._evaluator_clients.together = {
            (actor, i): o for i, o in zip(inputs, outputs, strict=True)
        }
        try:
            yield
        finally:
            self._evaluator_clients.together = None

    def _evaluator_signer(self, member: str) -> tuple[str, Callable[[bytes], bytes]]:
        """(address, digest signer) of ``member`` for evaluator requests; EvaluatorUnavailable
        when its key is held by a remote signer that signs transactions only."""
        signer = self.transactor(member).signer
        sign = getattr(signer, "sign_digest", None)
        if sign is None:
            raise EvaluatorUnavailable(
                "this member's key is held by a remote signer that cannot sign evaluator requests",
                reason="remote_signer",
            )
        return signer.address, sign

    def evaluation_log(
        self, reader: str, filter_member: str = "", after: int = 0, limit: int = 500
    ) -> list[dict[str, object]]:
        """The evaluator's log (``id``, ``member``, ``at`` unix seconds, ``count`` of inputs,
        ``outcome``; never an input), read with a request signed by ``reader``, a regulator whose
        key this gateway holds (the evaluator refuses anyone else: Forbidden). EvaluatorUnavailable
        when it cannot be reached or the key is held by a remote signer."""
        address, sign = self._evaluator_signer(reader)
        return self.evaluator_client().read_log(
            address, sign, filter_member=filter_member, after=after, limit=limit
        )

    def transactor(self, address: str) -> Transactor:
        """The transactor of a participant whose keystore this gateway holds."""
        address = Web3.to_checksum_address(address)
        with self._lock:
            found = self._transactors.get(address)
            if found is None:
                moved = self.db.moved_to(address)
                if moved is not None:
                    # the member's key was rotated on chain and its new key adopted here
                    # (ledger.services.rotation): the old key, which may have leaked, signs
                    # nothing more
                    raise KeyRotatedAway(
                        f"the key of {address} was rotated away on chain: its member signs "
                        f"as {moved} now",
                        address=address,
                        new_account=moved,
                    )
                try:
                    signer = self.keystore.load(address)
                except LedgerStateError:
                    # an address that is no member is told so, as the contract would tell it,
                    # not that this gateway lacks its keystore (a tryout's `--as` typo)
                    if int(self.calls.functions.memberOf(address).call()[0]) == 0:
                        from ledger.revert import ERRORS

                        raise ERRORS["NotAMember"](address) from None
                    raise
                found = self.make_transactor(signer)
                self._transactors[address] = found
            return found

    def forget_transactor(self, address: str) -> None:
        """Drop the cached transactor of ``address`` (its key was rotated away on chain)."""
        with self._lock:
            self._transactors.pop(Web3.to_checksum_address(address), None)

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
                f"{without_credentials(settings.chain_url)} is chain {w3.eth.chain_id}, "
                f"the manifest says {manifest.chain_id}"
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
    shipped = artifact_sha256("TradeLedger")
    if deployed != shipped:
        # a ledger an earlier release deployed: this gateway's reads and writes are the
        # contract it ships (a function added since would fail on the first check)
        if node is not None:
            node.close()
        raise LedgerStateError(
            f"the ledger in {settings.data_dir} runs a contract an earlier release deployed "
            "(its code differs from the one this release ships): this release cannot serve it. "
            "Start a new ledger in a data directory of its own (TRADELEDGER_DATA_DIR), or serve "
            "this one with the release that made it",
            address=manifest.contract_address,
            deployed_sha256=deployed,
            shipped_sha256=shipped,
        )
    ledger = Ledger(settings, w3, manifest, node, client)
    try:
        ledger.chain_evaluator_key = read_evaluator_key(ledger.contract)
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
    evaluator_key: bytes | None = None,
) -> tuple[Ledger, str]:
    """Create a network: admin key, chain (embedded) or connection, contract, manifest.

    Returns the open ledger and the admin's first API key. On a JSON-RPC network where gas
    costs something, ``funding`` (or the key in ``settings.funding_key_file``) pays for the
    admin's transactions and the funding of members. ``threshold`` is M, the ADMIN approvals
    a membership change needs (1: the single operator acts alone, as before), at most
    1 + len(``co_admins``) (addresses of further ADMINs, who hold their own keys). The
    fingerprint evaluator's public key (:func:`evaluator_key_from`) is stored in the contract;
    no fingerprint key is created or kept.
    """
    if settings.manifest_path.exists():
        raise Conflict(
            f"a ledger already exists in {settings.data_dir}", data_dir=str(settings.data_dir)
        )
    evaluator_key = evaluator_key_from(settings, evaluator_key)
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
                f"gas costs something on {without_credentials(settings.chain_url)}: set "
                "TRADELEDGER_FUNDING_KEY_FILE "
                "(a funded account that pays for the admin), or TRADELEDGER_GAS_PRICING=zero on "
                "a free-gas network"
            )
    fees = FeePolicy(w3, settings.gas_pricing)
    artifact = load_artifact("TradeLedger")
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    constructor = factory.constructor(
        admin_name,
        legal_id_hash(admin_legal_id),
        [Web3.to_checksum_address(a) for a in co_admins],
        threshold,
        evaluator_key,
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
    create_lookup_key(settings)
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
        fingerprint_evaluator_key=evaluator_key.hex()[:16],
        created_at=utc_text(datetime.now(UTC)),
    )
    manifest.write(settings.manifest_path)
    ledger = Ledger(settings, w3, manifest, node, client)
    ledger.chain_evaluator_key = evaluator_key
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
