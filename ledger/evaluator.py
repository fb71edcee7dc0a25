"""The fingerprint evaluator: the one holder of the OPRF key (docs/fingerprints.md).

A separate process with its own data directory (never a gateway's)::

    EVALUATOR_DIR/
      evaluator.key          the 32-byte secret seed, hex (mode 0600)
      evaluations.sqlite     who asked for how many evaluations, when (never the inputs)

It answers, over HTTP (:func:`create_app`):

- ``GET  /v1/public-key`` — ``{"public_key": hex}``, the 32-byte ristretto255 key the consortium
  puts on chain;
- ``POST /v1/evaluate`` — a member's batch of blinded elements, signed by the member's chain
  key (:func:`request_digest`, EIP-191): the serialised batch answer with its DLEQ proof. 401 for
  a bad signature, a stale timestamp or a replayed nonce; 403 ``not_a_bank`` /
  ``member_suspended`` unless ``memberOf`` says active BANK; 429 with Retry-After past the
  member's limit of inputs per window;
- ``POST /v1/evaluations`` — the evaluation log, to a request signed by an active REGULATOR.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import secrets
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ledger.errors import Conflict, InvalidInput, LedgerStateError
from ledger.jsonliterals import WrittenFloat, WrittenInt, as_written, is_whole_number
from ledger.oprf import Evaluator, OprfError

log = logging.getLogger("tradeledger.evaluator")

KEY_FILE = "evaluator.key"
LOG_FILE = "evaluations.sqlite"
#: domain labels of the signed digests
EVALUATE_LABEL = b"tradeledger/evaluate/v1"
READ_LOG_LABEL = b"tradeledger/evaluations/read/v1"
#: a signed request is accepted this many seconds either side of the evaluator's clock
REPLAY_WINDOW_SECONDS = 120
#: the largest log entry id (SQLite's INTEGER)
MAX_LOG_ID = 2**63 - 1
#: the most blinded elements in one request (MAX_PLEDGES 16 x MAX_FINGERPRINTS 8)
MAX_BATCH = 128
#: default limit: inputs one member may have evaluated per window. A dictionary of ~111 guessed
#: invoice numbers (5 fingerprints each, 555) must not fit. A check of the demo invoice costs
#: 34 inputs (5 fingerprints, 29 marks looked for) and its financing 23 more: about 13 checks a
#: window (docs/fingerprints.md; a bank back-filling its books raises it).
DEFAULT_LIMIT = 448
#: default window of the limit (seconds)
DEFAULT_WINDOW = 600
#: seconds a member's standing read from memberOf is trusted (as a gateway trusts one,
#: ``Settings.member_status_cache_seconds``): a suspension applies within this time
STANDING_TTL_SECONDS = 2.0
#: memberOf role numbers (ledger.services.roles.Role)
ROLE_BANK = 2
ROLE_REGULATOR = 4

#: (role number, active) of an address (second argument) in the consortium whose contract
#: address is the first; role 0: not a member. Raises Refused for a consortium not served.
MemberOf = Callable[[str, str], tuple[int, bool]]


def request_digest(
    label: bytes, consortium: str, member: str, timestamp: int, nonce: str, items: Sequence[str]
) -> bytes:
    """SHA-256 over the label, the consortium's contract address and the member's address (lower
    case), the timestamp (seconds), the nonce (hex) and each item (hex), each length-prefixed:
    what the member signs (EIP-191)."""
    h = hashlib.sha256()
    for part in (
        label,
        consortium.lower().encode(),
        member.lower().encode(),
        str(timestamp).encode(),
        nonce.encode(),
        *(i.encode() for i in items),
    ):
        h.update(len(part).to_bytes(4, "big") + part)
    return h.digest()


#: signs a 32-byte digest with a member's chain key (EIP-191), giving 65 bytes
SignDigest = Callable[[bytes], bytes]


def key_signer(private_key: bytes) -> SignDigest:
    """A :data:`SignDigest` over a raw private key (tests, tools)."""
    account = Account.from_key(private_key)
    return lambda digest: bytes(account.sign_message(encode_defunct(primitive=digest)).signature)


def sign_request(
    consortium: str,
    member: str,
    sign: SignDigest,
    label: bytes,
    items: Sequence[str],
    now: float | None = None,
) -> dict[str, Any]:
    """The signed envelope of a request by ``member`` of the consortium whose contract is at
    ``consortium`` (``sign`` holds the member's chain key): ``{"consortium", "member",
    "timestamp", "nonce", "signature"}`` (hex), to which the caller adds its items."""
    timestamp = int(time.time() if now is None else now)
    nonce = secrets.token_hex(16)
    signature = sign(request_digest(label, consortium, member, timestamp, nonce, items))
    return {
        "consortium": consortium,
        "member": member,
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": signature.hex(),
    }


class Refused(Exception):
    """A request the evaluator refuses: its HTTP status, code and message (and Retry-After)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        retry_after: int = 0,
        **details: int | str,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after
        #: figures the caller may act on (a rate limit's ``limit`` and ``window_seconds``)
        self.details = details


# -- the key ---------------------------------------------------------------------------------


def init_key(data_dir: Path) -> bytes:
    """Create ``data_dir`` (0700) and its secret key (0600). Returns the 32-byte public key.
    Conflict if a key is there already."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(data_dir, 0o700)
    path = data_dir / KEY_FILE
    if path.exists():
        raise Conflict(f"an evaluator key exists already in {data_dir}", path=str(path))
    seed = Evaluator.new_seed()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(seed.hex() + "\n")
    return Evaluator.from_seed(seed).public_key.to_bytes()


def load_key(data_dir: Path) -> Evaluator:
    """The evaluator of ``data_dir``; LedgerStateError if its key is missing or not 0600."""
    path = data_dir / KEY_FILE
    if not path.exists():
        raise LedgerStateError(
            f"no evaluator key at {path}: create one with `tradeledger evaluator init`",
            path=str(path),
        )
    if path.stat().st_mode & 0o077:
        raise LedgerStateError(f"{path} must be readable by its owner only (chmod 600)")
    try:
        return Evaluator.from_seed(bytes.fromhex(path.read_text().strip()))
    except (ValueError, OprfError):
        raise LedgerStateError(f"{path} holds no 32-byte hex seed", path=str(path)) from None


# -- the service -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """One logged evaluation: who, when (unix seconds), how many inputs, and the outcome."""

    id: int
    member: str
    at: int
    count: int
    outcome: str


class EvaluationLog:
    """The persisted evaluation log (SQLite; member, time, count, outcome — never inputs)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        os.chmod(path, 0o600)
        # as the gateway's own databases (ledger.gatewaydb._wal): each entry is on disk when
        # add() returns, with one fsync instead of the rollback journal's three (issue #16: the
        # entry is written before every answer, and was most of a check's round trip here —
        # 1–5 ms at p50, 20 ms at p99, against 0.25 and 1.2–8 ms)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS evaluations (id INTEGER PRIMARY KEY, member TEXT NOT NULL,"
            " at INTEGER NOT NULL, count INTEGER NOT NULL, outcome TEXT NOT NULL)"
        )
        self._lock = threading.Lock()

    def add(self, member: str, count: int, outcome: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO evaluations (member, at, count, outcome) VALUES (?, ?, ?, ?)",
                (member, int(time.time()), count, outcome),
            )

    def read(self, member: str | None = None, after: int = 0, limit: int = 500) -> list[Evaluation]:
        sql = "SELECT id, member, at, count, outcome FROM evaluations WHERE id > ?"
        args: list[Any] = [after]
        if member:
            sql += " AND lower(member) = lower(?)"
            args.append(member)
        sql += " ORDER BY id LIMIT ?"
        args.append(limit)
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [Evaluation(*row) for row in rows]

    def spent_since(self, since: int) -> list[tuple[str, int, int]]:
        """(member, at, count) of the evaluations made at or after ``since`` (Unix seconds),
        oldest first: what the rate limit counts."""
        with self._lock:
            rows = self._db.execute(
                "SELECT member, at, count FROM evaluations WHERE outcome = 'evaluated' AND at >= ?"
                " ORDER BY id",
                (since,),
            ).fetchall()
        return [(str(m), int(a), int(c)) for m, a, c in rows]

    def close(self) -> None:
        self._db.close()


class EvaluatorService:
    """Authentication, standing, rate limit and log around one :class:`Evaluator`."""

    def __init__(
        self,
        evaluator: Evaluator,
        log: EvaluationLog,
        member_of: MemberOf,
        limit: int = DEFAULT_LIMIT,
        window: int = DEFAULT_WINDOW,
        standing_ttl: float = STANDING_TTL_SECONDS,
    ) -> None:
        self._evaluator = evaluator
        self.log = log
        self._member_of = member_of
        self.limit = limit
        self.window = window
        #: when this service started (a whole Unix second: it waits for the next one), so
        #: that a request's timestamp (whole seconds) tells whether it was signed before: such
        #: a request may have been answered by the process before, whose nonces are not kept
        self.started = math.ceil(time.time())
        time.sleep(max(0.0, self.started - time.time()))
        #: inputs evaluated per member within the window, (Unix seconds, count), counted from
        #: the persisted log at start: a restart does not give every member a fresh budget
        self._spent: dict[str, deque[tuple[float, int]]] = {}
        for who, at, count in log.spent_since(self.started - window):
            self._spent.setdefault(who.lower(), deque()).append((float(at), count))
        self._nonces: dict[str, float] = {}
        self._lock = threading.Lock()
        self._standing_ttl = standing_ttl
        self._standings: dict[tuple[str, str], tuple[tuple[int, bool], float]] = {}

    @property
    def public_key(self) -> bytes:
        return self._evaluator.public_key.to_bytes()

    def _authenticate(
        self, body: dict[str, Any], label: bytes, items: Sequence[str]
    ) -> tuple[str, str]:
        """(consortium, member) of a request whose signature, time and nonce are good."""
        try:
            consortium = str(body["consortium"])
            member = str(body["member"])
            timestamp = body["timestamp"]
            nonce = str(body["nonce"])
            signature = bytes.fromhex(str(body["signature"]))
        except (KeyError, TypeError, ValueError):
            raise Refused(
                422, "invalid_input", "consortium, member, timestamp, nonce and signature"
            ) from None
        if not is_whole_number(timestamp):  # int() took true (1), 1.7e9 and "1700000000"
            raise _not_whole("timestamp", timestamp, "Unix seconds")
        if not 16 <= len(nonce) <= 64:
            raise Refused(422, "invalid_input", "nonce: 16 to 64 hex digits")
        now = time.time()
        if abs(now - timestamp) > REPLAY_WINDOW_SECONDS:
            raise Refused(
                401, "stale_request", f"timestamp is not within {REPLAY_WINDOW_SECONDS} s"
            )
        if timestamp < self.started:
            # the nonces seen before a restart are not kept: a request signed before it could
            # be a replay of one already answered
            raise Refused(
                401, "stale_request", "signed before the evaluator started: sign it again"
            )
        digest = request_digest(label, consortium, member, timestamp, nonce, items)
        try:
            signer = Account.recover_message(encode_defunct(primitive=digest), signature=signature)
        except Exception:
            raise Refused(401, "bad_signature", "the signature does not verify") from None
        if signer.lower() != member.lower():
            raise Refused(401, "bad_signature", "the signature is not the member's")
        with self._lock:
            for key, seen in list(self._nonces.items()):
                if seen < now - 2 * REPLAY_WINDOW_SECONDS:
                    del self._nonces[key]
            key = f"{signer.lower()}:{nonce}"
            if key in self._nonces:
                raise Refused(401, "replayed_request", "this nonce was used already")
            self._nonces[key] = now
        return consortium, str(signer)

    def _admit(self, member: str, count: int) -> None:
        now = time.time()  # wall clock: the window spans restarts (the log's times)
        with self._lock:
            spent = self._spent.setdefault(member.lower(), deque())
            while spent and spent[0][0] <= now - self.window:
                spent.popleft()
            used = sum(n for _, n in spent)
            if self.limit and used + count > self.limit:
                raise Refused(
                    429,
                    "rate_limited",
                    f"{member} may have {self.limit} inputs evaluated per {self.window} s: "
                    f"{used} used, and this request needs {count}"
                    + (
                        " — more than the limit itself: send fewer files at a time"
                        if count > self.limit
                        else ""
                    ),
                    retry_after=self._retry_after(spent, used + count - self.limit, now),
                    limit=self.limit,
                    window_seconds=self.window,
                    used=used,
                    needed=count,
                )
            spent.append((now, count))

    def _retry_after(self, spent: deque[tuple[float, int]], over: int, now: float) -> int:
        """Whole seconds until the oldest evaluations in ``spent`` leave the window and free
        ``over`` inputs (the window itself when they cannot: a request above the limit)."""
        freed = 0
        for at, n in spent:
            freed += n
            if freed >= over:
                return max(1, int(at + self.window - now) + 1)
        return self.window

    def _standing(self, consortium: str, member: str) -> tuple[int, bool]:
        """(role, active) of ``member`` from ``memberOf``, trusted for ``standing_ttl`` seconds
        (as a gateway trusts a standing: a suspension applies within that time)."""
        key = (consortium.lower(), member.lower())
        now = time.monotonic()
        with self._lock:
            found = self._standings.get(key)
        if found is not None and found[1] > now:
            return found[0]
        standing = self._member_of(consortium, member)
        with self._lock:
            if len(self._standings) > 10_000:
                self._standings.clear()
            self._standings[key] = (standing, now + self._standing_ttl)
        return standing

    def evaluate(self, body: dict[str, Any]) -> bytes:
        """Evaluate a signed batch (see the module doc). Raises Refused."""
        blinded = body.get("blinded")
        if not isinstance(blinded, list) or not 1 <= len(blinded) <= MAX_BATCH:
            raise Refused(422, "invalid_input", f"blinded: 1 to {MAX_BATCH} hex elements")
        items = [str(b) for b in blinded]
        consortium, member = self._authenticate(body, EVALUATE_LABEL, items)
        try:
            role, active = self._standing(consortium, member)
        except Refused:
            raise
        except Exception as exc:
            log.warning("memberOf of %s could not be read: %s", member, exc)
            raise Refused(503, "chain_unavailable", "the chain cannot be read") from None
        if role != ROLE_BANK:
            self.log.add(member, len(items), "not_a_bank")
            raise Refused(
                403, "not_a_bank", "only a bank's gateway may have fingerprints evaluated"
            )
        if not active:
            self.log.add(member, len(items), "member_suspended")
            raise Refused(403, "member_suspended", f"member {member} is suspended")
        try:
            self._admit(member, len(items))
        except Refused:
            self.log.add(member, len(items), "rate_limited")
            raise
        try:
            answer = self._evaluator.evaluate_batch([bytes.fromhex(b) for b in items])
        except (ValueError, OprfError):
            raise Refused(422, "invalid_input", "blinded: not ristretto255 elements") from None
        self.log.add(member, len(items), "evaluated")
        return answer

    def read_log(self, body: dict[str, Any]) -> list[Evaluation]:
        """The log, to a request signed by an active regulator (filters: member, after, limit)."""
        who = str(body.get("filter_member") or "")
        # a bool is an int to Python: `"after": true` read the log after entry 1
        after = _whole(body, "after", 0, 0, MAX_LOG_ID)
        limit = _whole(body, "limit", 500, 1, 5000)
        consortium, reader = self._authenticate(body, READ_LOG_LABEL, [who, str(after), str(limit)])
        try:
            role, active = self._member_of(consortium, reader)
        except Refused:
            raise
        except Exception:
            raise Refused(503, "chain_unavailable", "the chain cannot be read") from None
        if role != ROLE_REGULATOR or not active:
            raise Refused(403, "not_a_regulator", "only an active regulator reads the log")
        return self.log.read(who or None, after, limit)


def _not_whole(name: str, value: object, what: str) -> Refused:
    """The refusal of ``value`` of field ``name`` that is not a whole number (``what`` it is)."""
    rule = f"must be {what}, a JSON integer in digits alone, not {as_written(value)}"
    return Refused(422, "invalid_input", f"{name}: {rule}", field=name, rule=rule)


def _whole(body: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    """The whole number ``body`` gives ``name`` (``default`` when it gives none): a JSON
    integer from ``low`` to ``high`` — never ``true`` (a ``bool`` is an ``int`` to Python),
    ``1.0`` or ``-0`` (:func:`ledger.jsonliterals.is_whole_number`) — else Refused (422) naming
    ``name`` and the rule."""
    value = body.get(name, default)
    if not is_whole_number(value) or not low <= value <= high:
        raise _not_whole(name, value, f"a whole number from {low} to {high}")
    return int(value)


def create_app(service: EvaluatorService) -> FastAPI:
    """The evaluator's FastAPI app around ``service``."""
    app = FastAPI(title="tradeledger fingerprint evaluator", docs_url=None, redoc_url=None)

    def refused(exc: Refused) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return JSONResponse(
            {"error": exc.code, "message": str(exc), **exc.details},
            status_code=exc.status,
            headers=headers,
        )

    async def body_of(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > 64 * 1024:
            raise Refused(413, "payload_too_large", "at most 64 KiB")
        try:
            # each number's literal kept: a refusal quotes it, and -0 is not 0 (_whole)
            body = json.loads(raw, parse_float=WrittenFloat, parse_int=WrittenInt)
        except ValueError:
            raise Refused(422, "invalid_input", "the body is not JSON") from None
        if not isinstance(body, dict):
            raise Refused(422, "invalid_input", "the body is a JSON object")
        return body

    @app.get("/v1/public-key")
    def public_key() -> dict[str, str]:
        return {"public_key": service.public_key.hex(), "suite": "ristretto255-SHA512"}

    @app.post("/v1/evaluate")
    async def evaluate(request: Request) -> Response:
        try:
            # off the event loop: a slow chain read (memberOf) of one gateway's request must not
            # hold every other gateway's answer (the chain read waits up to 10 s)
            answer = await run_in_threadpool(service.evaluate, await body_of(request))
        except Refused as exc:
            return refused(exc)
        return JSONResponse({"output": answer.hex()})

    @app.post("/v1/evaluations")
    async def evaluations(request: Request) -> Response:
        try:
            found = await run_in_threadpool(service.read_log, await body_of(request))
        except Refused as exc:
            return refused(exc)
        return JSONResponse({"evaluations": [e.__dict__ for e in found]})

    return app


def chain_member_of(
    chain_url: str, contract_address: str, headers: dict[str, str] | None = None
) -> MemberOf:
    """``memberOf`` read over JSON-RPC from the consortium's contract (``headers``: e.g. the
    embedded chain bridge's node token)."""
    from web3 import Web3

    from ledger.artifacts import load_artifact

    w3 = Web3(
        Web3.HTTPProvider(
            chain_url,
            request_kwargs={
                "timeout": 10,
                "headers": {"Content-Type": "application/json", **(headers or {})},
            },
        )
    )
    contract = w3.eth.contract(
        address=Web3.to_checksum_address(contract_address), abi=load_artifact("TradeLedger")["abi"]
    )
    return contract_member_of(contract)


def gateway_member_of(gateway_dir: Path) -> MemberOf:
    """``memberOf`` read through the JSON-RPC bridge of the gateway serving the embedded chain in
    ``gateway_dir`` (its manifest names the contract; its node.json and node token the bridge).
    Only read: nothing of the evaluator goes there. Refused 503 until that gateway serves.

    Where the bridge is is read again at each call (``node.json``, a small file): a gateway
    restarted serves its bridge on another port unless ``TRADELEDGER_BRIDGE_PORT`` fixes one,
    and an evaluator that kept the first address refused every check and financing with
    ``chain_unavailable`` until it was restarted too (tryout 68)."""
    from ledger.chain.bridge import advertised_node
    from ledger.manifest import Manifest

    known: dict[tuple[object, ...], MemberOf] = {}

    def member_of(consortium: str, address: str) -> tuple[int, bool]:
        try:
            manifest = Manifest.read(gateway_dir / "manifest.json")
        except Exception:
            raise Refused(503, "chain_unavailable", "the gateway has no ledger yet") from None
        served = advertised_node(gateway_dir, gateway_dir / "secrets")
        if served is None:
            raise Refused(503, "chain_unavailable", "the gateway does not serve its chain")
        url, headers = served
        key = (url, manifest.contract_address, *sorted(headers.items()))
        if key not in known:
            known.clear()  # the gateway moved (or its ledger was made anew): the old is gone
            known[key] = chain_member_of(url, manifest.contract_address, headers)
        return known[key](consortium, address)

    return member_of


def contract_member_of(contract: Any) -> MemberOf:
    """``memberOf`` through a web3 contract handle (the demo's embedded chain, or a JSON-RPC
    node's: :func:`chain_member_of`); Refused 403 ``wrong_consortium`` for another contract."""

    from web3 import Web3

    def member_of(consortium: str, address: str) -> tuple[int, bool]:
        if consortium.lower() != str(contract.address).lower():
            raise Refused(403, "wrong_consortium", f"this evaluator serves {contract.address}")
        record = contract.functions.memberOf(Web3.to_checksum_address(address)).call()
        return int(record[2]), int(record[0]) != 0 and bool(record[3])  # (id, account, role, …)

    return member_of


@contextlib.contextmanager
def served_in_thread(service: EvaluatorService) -> Iterator[str]:
    """Serve ``service`` with uvicorn on 127.0.0.1 (a free port) in a thread of this process
    for the ``with`` block (``tradeledger demo``); yields its URL. Bounded start and stop."""
    import socket

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise LedgerStateError("the fingerprint evaluator did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def check_limit(limit: int, window: int) -> None:
    """InvalidInput unless the limit is >= 0 (0: none) and the window >= 1 second."""
    if limit < 0:
        raise InvalidInput("limit", "must be 0 (no limit) or more")
    if window < 1:
        raise InvalidInput("window", "must be at least 1 second")


class LateMemberOf:
    """A :data:`MemberOf` answered by a function set once the consortium exists (``target``):
    an evaluator must run before ``init`` puts its public key on chain, and only then can it
    read ``memberOf``. Refused 503 until then."""

    def __init__(self) -> None:
        self.target: MemberOf | None = None

    def __call__(self, consortium: str, address: str) -> tuple[int, bool]:
        if self.target is None:
            raise Refused(503, "chain_unavailable", "the consortium's chain is not known yet")
        return self.target(consortium, address)


@dataclass(frozen=True)
class ScratchEvaluator:
    """A throwaway evaluator served in this process (benchmarks): its ``url``, ``public_key``
    (32 bytes, for ``init``), ``service`` and ``member_of`` (set its ``target`` after init)."""

    url: str
    public_key: bytes
    service: EvaluatorService
    member_of: LateMemberOf


@contextlib.contextmanager
def scratch_evaluator(work_dir: Path, limit: int = 0) -> Iterator[ScratchEvaluator]:
    """A fresh evaluator key (never written to disk), its log in ``work_dir``, no rate limit
    unless ``limit``, served on 127.0.0.1 for the ``with`` block (bounded start and stop). For
    benchmarks and probes; a consortium runs ``tradeledger evaluator serve``."""
    work_dir.mkdir(parents=True, exist_ok=True)
    member_of = LateMemberOf()
    service = EvaluatorService(
        Evaluator.from_seed(Evaluator.new_seed()),
        EvaluationLog(work_dir / LOG_FILE),
        member_of,
        limit,
        DEFAULT_WINDOW,
    )
    try:
        with served_in_thread(service) as url:
            yield ScratchEvaluator(url, service.public_key, service, member_of)
    finally:
        service.log.close()
