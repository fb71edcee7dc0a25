"""The crash suite's driver: clients that behave like real API clients, a killer, a chain audit.

Scenario (issue #10, "Show it"). A ledger with two banks and an enterprise is created with the
services, then served by ``tradeledger serve`` as a separate process in its own process group,
on 127.0.0.1. Client threads write through the REST API at the same time:

* the enterprise registers invoices (a file upload, or a JSON form) and offers each registered
  invoice to the banks;
* each bank lodges invoices (the enterprise's, or its own that its gateway registers as part of
  the financing: a write of two transactions), creates financings, draws down, repays, closes,
  and registers documents of its own; now and then it deliberately tries to finance an invoice
  the other bank holds in an active financing (a provoked, expected ``409 financing_refused``).

Every write carries its own ``Idempotency-Key``. A request whose answer is lost (connection
error, timeout, 5xx, 408/425/429) is sent again with the same key and the same body until it is
answered — nothing else. Meanwhile a killer sends SIGKILL to the gateway's whole process group
at random moments and restarts it (bounded waits on ``/health``); on anvil it also stops the
node gracefully (``--dump-state``) under the running gateway and restarts it with
``--load-state`` on the same port.

Afterwards the gateway is stopped and the chain is read directly (contract state, events,
receipts, nonces) and compared with what the clients were told:

``lost``
    an acknowledged write whose effect is not on chain (its transaction, event or state);
``applied twice``
    an effect on chain beyond the acknowledged writes: a financing's drawdowns or repayments
    beyond the acknowledged ones, more ``DocumentRegistered`` / ``FinancingRegistered`` /
    ``FinancingClosed`` / ``FinancingRefused`` events than acknowledged writes, a member's
    contract transaction that is not the one transaction of an acknowledged write;
``own retry refused``
    a write of the member's own answered ``409`` (``DocumentAlreadyRegistered`` for its own
    document, ``financing_refused`` against its own financing, ...), or a ``FinancingRefused``
    event the scenario did not provoke.

Anything else out of the ordinary (a 500 — retried all the same —, a 422, an answer that does
not fit, a request never answered within its deadline) is ``unexpected``. All four must be 0.
Findings are keyed by transaction, so one extra transaction seen by several checks counts once.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from eth_typing import HexStr
from web3 import Web3

from ledger import evaluator as ev
from ledger.chain.embedded import open_embedded
from ledger.config import Settings
from ledger.network import Ledger, init_network, open_ledger
from ledger.services import financing as fin_svc
from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import ANVIL, ANVIL_GAS_LIMIT, free_port, make_settings, rpc_call

__all__ = ["CrashConfig", "CrashReport", "run_crash_suite"]

#: statuses that are not an answer to a write: the client sends the same request again
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
#: a financing's maturity (far enough in the future for any run)
MATURITY = "2031-12-31"
#: the scrypt cost of the keystores (low: the suite measures writes, not key derivation)
SCRYPT_N = 2**10


@dataclass(frozen=True)
class CrashConfig:
    """One run of the crash suite."""

    #: "embedded" (py-evm in the gateway process) or "anvil" (a JSON-RPC node beside it)
    backend: str = "embedded"
    #: how many times the gateway's process group is killed with SIGKILL
    kills: int = 3
    #: anvil only: how many times the node is stopped (dumping its state) and restarted
    #: (loading it) under the running gateway
    node_restarts: int = 0
    #: client threads per bank, and for the enterprise
    bank_workers: int = 2
    enterprise_workers: int = 1
    seed: int = 1
    #: how long the gateway serves between a restart and the next kill (seconds, uniform)
    up_seconds: tuple[float, float] = (1.0, 6.0)
    #: how long the gateway stays dead before it is restarted (seconds, uniform)
    down_seconds: tuple[float, float] = (0.0, 0.5)
    #: a write still unanswered after this long is reported (seconds)
    request_deadline: float = 300.0
    #: one HTTP attempt's timeout (seconds); a timeout is a lost answer: retried
    http_timeout: float = 30.0
    #: the whole run is cut short (and reported) after this long (seconds)
    max_duration: float = 1800.0
    #: the embedded chain's sync mode (the gateway's default is "full")
    chain_sync: str = "full"


@dataclass
class CrashReport:
    """What a run did and what the chain says about it."""

    backend: str
    seed: int
    kills: int = 0
    node_restarts: int = 0
    #: acknowledged writes by operation (``lodge`` stores a file at the gateway, no chain write)
    writes: Counter[str] = field(default_factory=Counter)
    #: writes whose first answer was lost and that were sent again with the same key
    retried: Counter[str] = field(default_factory=Counter)
    #: retried writes whose transaction was already in a block when the gateway died (or the
    #: node stopped): the retry had to return that transaction's outcome, not apply it again
    retried_committed: Counter[str] = field(default_factory=Counter)
    #: answers marked ``Idempotent-Replayed: true`` (a stored final outcome)
    replayed: int = 0
    #: answers that were not answers (connection errors, timeouts, statuses) by kind
    lost_answers: Counter[str] = field(default_factory=Counter)
    #: requests in flight at each kill
    in_flight_at_kill: list[int] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    applied_twice: list[str] = field(default_factory=list)
    own_retry_refused: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    #: observations that are not counted (the chain audit counts their cause)
    notes: list[str] = field(default_factory=list)
    #: per kind of finding, the keys found already (a transaction hash, mostly): one cause
    #: seen by several checks counts once
    seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set), repr=False)
    seconds: float = 0.0
    blocks: int = 0

    def add(self, kind: str, text: str, key: str | None = None) -> None:
        """Record a finding of ``kind`` (``lost``, ``applied_twice``, ...) once per ``key``."""
        if key is not None:
            if key in self.seen[kind]:
                return
            self.seen[kind].add(key)
        getattr(self, kind).append(text)

    @property
    def chain_writes(self) -> int:
        return sum(n for op, n in self.writes.items() if op != "lodge")

    @property
    def ok(self) -> bool:
        return not (self.lost or self.applied_twice or self.own_retry_refused or self.unexpected)

    def figures(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "seed": self.seed,
            "kills": self.kills,
            "node_restarts": self.node_restarts,
            "chain_writes": self.chain_writes,
            "writes": dict(sorted(self.writes.items())),
            "retried": dict(sorted(self.retried.items())),
            "retried_total": sum(n for op, n in self.retried.items() if op != "lodge"),
            "retried_committed": dict(sorted(self.retried_committed.items())),
            "retried_committed_total": sum(self.retried_committed.values()),
            "replayed": self.replayed,
            "lost_answers": dict(sorted(self.lost_answers.items())),
            "in_flight_at_kill": self.in_flight_at_kill,
            "lost": len(self.lost),
            "applied_twice": len(self.applied_twice),
            "own_retry_refused": len(self.own_retry_refused),
            "unexpected": len(self.unexpected),
            "seconds": round(self.seconds, 1),
            "blocks": self.blocks,
        }

    def summary(self) -> str:
        """The figures as a few lines, with the first findings of each kind."""
        f = self.figures()
        lines = [
            f"backend {self.backend} (seed {self.seed}): {self.kills} kills, "
            f"{self.node_restarts} node restarts, {self.chain_writes} acknowledged chain writes "
            f"({f['retried_total']} retried after a lost answer, {self.replayed} replayed), "
            f"{self.blocks} blocks, {self.seconds:.0f} s",
            f"  requests in flight at the kills: {_spread(self.in_flight_at_kill)}",
            "  writes: " + ", ".join(f"{k} {v}" for k, v in f["writes"].items()),
            "  retried: " + ", ".join(f"{k} {v}" for k, v in f["retried"].items()),
            "  retried, already in a block when the gateway died: "
            + ", ".join(f"{k} {v}" for k, v in f["retried_committed"].items()),
            "  lost answers: " + ", ".join(f"{k} {v}" for k, v in f["lost_answers"].items()),
            f"  lost {f['lost']}  applied twice {f['applied_twice']}  own retry refused "
            f"{f['own_retry_refused']}  unexpected {f['unexpected']}",
        ]
        for name in ("lost", "applied_twice", "own_retry_refused", "unexpected", "notes"):
            for item in getattr(self, name)[:10]:
                lines.append(f"  {name}: {item}")
        return "\n".join(lines)


def _spread(values: list[int]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"min {ordered[0]}, median {ordered[len(ordered) // 2]}, max {ordered[-1]}"


# -- processes ----------------------------------------------------------------------------


class AnvilProcess:
    """anvil on a fixed loopback port that dumps its state when stopped gracefully and loads
    it when restarted, so a restart keeps every block and receipt."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state = root / "anvil-state.json"
        self.log = root / "anvil.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        if not ANVIL.exists():
            raise RuntimeError(
                "anvil not installed (npm ci installs @foundry-rs/anvil-linux-amd64)"
            )
        load = ["--load-state", str(self.state)] if self.state.exists() else []
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(ANVIL),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--gas-limit",
                    ANVIL_GAS_LIMIT,
                    "--block-base-fee-per-gas",
                    "0",
                    "--gas-price",
                    "0",
                    "--dump-state",
                    str(self.state),
                    *load,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                rpc_call(self.url, "eth_chainId")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError("anvil did not start") from None
                time.sleep(0.05)

    def block_number(self) -> int:
        return int(str(rpc_call(self.url, "eth_blockNumber")), 16)

    def stop(self, timeout: float = 60.0) -> None:
        """Stop gracefully: anvil writes its state to ``--dump-state`` on SIGTERM."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError("anvil did not stop within its timeout") from None

    def restart(self) -> int:
        """Stop (dumping the state) and start again on the same port (loading it); returns
        the head before the stop."""
        before = self.block_number()
        self.stop()
        self.start()
        after = self.block_number()
        if after < before:
            raise RuntimeError(f"anvil lost blocks across dump/load: {before} -> {after}")
        return before

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


class GatewayProcess:
    """``tradeledger serve`` as a separate process in its own process group."""

    def __init__(self, data_dir: Path, env: dict[str, str], log: Path) -> None:
        self.data_dir = data_dir
        self.env = env
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 120.0) -> None:
        """Start and wait (bounded) until ``/health`` answers 200."""
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"\n=== start {self.starts} at {time.time():.3f} ===\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "ledger.cli",
                    "serve",
                    "--data-dir",
                    str(self.data_dir),
                    "--port",
                    str(self.port),
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the killer kills all of it
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the gateway exited with {self.process.returncode} (see {self.log})"
                )
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"the gateway did not become healthy within {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown, no flush — a crash."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop gracefully (SIGTERM), else kill."""
        if self.process is None or self.process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


# -- the clients --------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    name: str
    address: str
    api_key: str


@dataclass(frozen=True)
class Doc:
    """A trade document file: its bytes, SHA-256 and face value (minor units, EUR)."""

    data: bytes
    doc_hash: str
    face: int
    name: str


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    attempts: int
    replayed: bool


def _block_of(body: Any) -> int | None:
    """The block of the transaction an answer names (a write, a financing, a refusal)."""
    if not isinstance(body, dict):
        return None
    for found in (body.get("block"), body.get("registered_block")):
        if isinstance(found, int):
            return found
    details = body.get("details")
    if isinstance(details, dict) and isinstance(details.get("block"), int):
        return int(details["block"])
    return None


@dataclass
class Fin:
    """A financing as its bank knows it from the acknowledged writes."""

    fid: int
    amount: int
    doc: Doc
    kept: bool
    drawn: int = 0
    repaid: int = 0


@dataclass
class Ledgerbook:
    """Everything the clients were told, to compare with the chain."""

    #: (registrant, doc hash, tx hash) of acknowledged registrations (explicit ones)
    registrations: list[tuple[str, str, str]] = field(default_factory=list)
    #: doc hash -> bank, documents a financing registered for its bank (a second transaction)
    registered_by_financing: dict[str, str] = field(default_factory=dict)
    #: (bank, reference, financing id, tx hash)
    creates: list[tuple[str, str, int, str]] = field(default_factory=list)
    #: (bank, financing id, amount, tx hash)
    drawdowns: list[tuple[str, int, int, str]] = field(default_factory=list)
    repayments: list[tuple[str, int, int, str]] = field(default_factory=list)
    #: (bank, financing id, tx hash)
    closes: list[tuple[str, int, str]] = field(default_factory=list)
    #: (bank, reference, doc hash, conflicting financing id, tx hash)
    provoked: list[tuple[str, str, str, int, str]] = field(default_factory=list)


class Run:
    """Shared state of one run: the gateway's address, what was acknowledged, the counters."""

    def __init__(
        self,
        config: CrashConfig,
        settings: Settings,
        chain_id: int,
        gateway: GatewayProcess,
        members: dict[str, Member],
    ) -> None:
        self.config = config
        self.settings = settings
        self.chain_id = chain_id
        self.gateway = gateway
        self.members = members
        self.report = CrashReport(config.backend, config.seed)
        self.book = Ledgerbook()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.in_flight = 0
        #: writes answered so far (any final status)
        self.answers = 0
        self.counter = 0
        self.tag = f"r{config.seed}"
        #: invoices the enterprise registered, waiting for a bank to finance them
        self.offered: list[Doc] = []
        #: bank name -> active financings it keeps open (targets of provoked refusals)
        self.kept: dict[str, list[Fin]] = defaultdict(list)
        #: (time, chain head) of each kill and node stop
        self.disruptions: list[tuple[float, int]] = []
        #: (operation, time of the first attempt, time answered, block of its transaction)
        self.retried_writes: list[tuple[str, float, float, int | None]] = []

    def classify_retries(self) -> None:
        """Count the retried writes whose transaction was in a block already when the
        disruption that lost their answer happened."""
        for op, first, answered, block in self.retried_writes:
            heads = [head for at, head in self.disruptions if first < at < answered]
            if heads and block is not None and block <= heads[0]:
                self.report.retried_committed[op] += 1

    def wait_for_answers(self, since: int, timeout: float) -> None:
        """Wait (bounded) until a write was answered after ``since`` answers: the restarted
        gateway is doing work again."""
        deadline = time.monotonic() + timeout
        while self.answers <= since and time.monotonic() < deadline and not self.stop.is_set():
            time.sleep(0.05)

    def embedded_head(self) -> int:
        """The head of the embedded chain as the killed gateway left it on disk."""
        node = open_embedded(self.settings.chain_dir, self.chain_id, self.settings.chain_sync)
        try:
            return int(node.w3.eth.block_number)
        finally:
            node.close()

    def next_number(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def key(self, op: str) -> str:
        return f"{self.tag}-{op}-{self.next_number()}"

    def note(self, kind: str, text: str, key: str | None = None) -> None:
        with self.lock:
            self.report.add(kind, text, key)


class Api:
    """One client thread's HTTP client: a write is sent again, with the same key and body,
    until it is answered."""

    def __init__(self, run: Run, member: Member) -> None:
        self.run = run
        self.member = member
        self.http = httpx.Client(timeout=run.config.http_timeout)

    def close(self) -> None:
        self.http.close()

    @contextmanager
    def _in_flight(self) -> Iterator[None]:
        with self.run.lock:
            self.run.in_flight += 1
        try:
            yield
        finally:
            with self.run.lock:
                self.run.in_flight -= 1

    def write(
        self,
        op: str,
        path: str,
        key: str,
        *,
        expect: int,
        json_body: Any = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Answer | None:
        """POST until answered. Returns the answer when its status is ``expect``; otherwise
        records it (a 409: own retry refused; anything else: unexpected) and returns None."""
        run = self.run
        headers = {"Authorization": f"Bearer {self.member.api_key}", "Idempotency-Key": key}
        first = time.monotonic()
        deadline = first + run.config.request_deadline
        attempts = 0
        delay = 0.05
        while True:
            attempts += 1
            try:
                with self._in_flight():
                    response = self.http.post(
                        run.gateway.url + path, headers=headers, json=json_body, files=files
                    )
            except httpx.TransportError as exc:
                lost = type(exc).__name__
            else:
                if response.status_code not in RETRY_STATUSES:
                    break
                lost = f"HTTP {response.status_code}"
                if response.status_code == 500:  # never expected: note it, then retry
                    run.note("unexpected", f"{op} {key}: 500 {response.text[:200]}")
            with run.lock:
                run.report.lost_answers[lost] += 1
            if time.monotonic() > deadline:
                run.note("unexpected", f"{op} {key}: unanswered after {attempts} attempts")
                return None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        replayed = response.headers.get("idempotent-replayed") == "true"
        answer = Answer(response.status_code, body, attempts, replayed)
        with run.lock:
            run.answers += 1
            if replayed:
                run.report.replayed += 1
            if attempts > 1:
                run.report.retried[op] += 1
                run.retried_writes.append((op, first, time.monotonic(), _block_of(body)))
        if answer.status == expect:
            with run.lock:
                run.report.writes[op] += 1
            return answer
        text = (
            f"{op} by {self.member.name} key {key}: {answer.status} after {attempts} "
            f"attempt(s){' (replayed)' if replayed else ''}: {json.dumps(body)[:300]}"
        )
        # a refusal recorded on chain is keyed by its transaction (the audit finds it too)
        details = body.get("details") if isinstance(body, dict) else None
        tx = details.get("tx_hash") if isinstance(details, dict) else None
        run.note("own_retry_refused" if answer.status == 409 else "unexpected", text, tx or key)
        return None


def invoice(run: Run, seller: str, vat: str) -> Doc:
    """A new invoice as a JSON form file: unique number and amount (so no two invoices share
    a fingerprint), EUR."""
    n = run.next_number()
    face = 500_000 + n * 13
    form = {
        "documentType": "Invoice",
        "documentNumber": f"CR-{run.tag}-{n}",
        "issueDate": "2026-11-02",
        "dueDate": "2027-03-31",
        "issuer": {"id": vat, "scheme": "VAT", "country": vat[:2], "name": seller},
        "consignee": {"id": "DE811569869", "scheme": "VAT", "country": "DE", "name": "Käufer GmbH"},
        "totalAmount": {"value": f"{face / 100:.2f}", "currency": "EUR"},
    }
    data = json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return Doc(data, "0x" + hashlib.sha256(data).hexdigest(), face, f"invoice-{n}.json")


def _file(doc: Doc) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (doc.name, doc.data, "application/json")}


def enterprise_worker(run: Run, index: int) -> None:
    """Register invoices (file or JSON form) and offer them to the banks."""
    member = run.members["enterprise"]
    api = Api(run, member)
    rng = random.Random(run.config.seed * 1000 + 100 + index)
    try:
        _enterprise_loop(run, member, api, rng)
    except Exception as exc:  # a client bug must show in the figures, not vanish
        run.note("unexpected", f"enterprise client {index} stopped: {exc!r}")
    finally:
        api.close()


def _enterprise_loop(run: Run, member: Member, api: Api, rng: random.Random) -> None:
    while not run.stop.is_set():
        doc = invoice(run, "Nordic Exporters A/S", "DK13585628")  # a valid CVR (python-stdnum)
        key = run.key("register")
        if rng.random() < 0.3:
            answer = api.write(
                "register", "/v1/documents/json", key, expect=201, json_body=json.loads(doc.data)
            )
        else:
            answer = api.write("register", "/v1/documents", key, expect=201, files=_file(doc))
        if answer is None:
            continue
        if answer.body["doc_hash"] != doc.doc_hash:
            run.note("unexpected", f"register {key}: hash {answer.body['doc_hash']}")
            continue
        with run.lock:
            run.book.registrations.append((member.address, doc.doc_hash, answer.body["tx_hash"]))
            if len(run.offered) < 40:
                run.offered.append(doc)
        time.sleep(rng.uniform(0.1, 0.6))  # leave the gateway to the banks too


class BankWorker:
    """One client thread of a bank: lodges, finances, draws, repays, closes, registers, and
    now and then provokes a refusal against the other bank's kept financing."""

    def __init__(self, run: Run, bank: str, other: str, index: int) -> None:
        self.run = run
        self.bank = bank
        self.other = other
        self.member = run.members[bank]
        self.api = Api(run, self.member)
        self.rng = random.Random(
            run.config.seed * 1000 + (1 if bank == "bank_a" else 2) * 10 + index
        )
        self.prefix = f"{'A' if bank == 'bank_a' else 'B'}{index}"
        self.active: list[Fin] = []
        self.kept = 0

    def loop(self) -> None:
        try:
            while not self.run.stop.is_set():
                self.step()
        except Exception as exc:  # a client bug must show in the figures, not vanish
            self.run.note("unexpected", f"{self.bank} client {self.prefix} stopped: {exc!r}")
        finally:
            self.api.close()

    def step(self) -> None:
        rng = self.rng
        open_ = [f for f in self.active if not f.kept]
        drawable = [f for f in self.active if f.drawn < f.amount]
        repayable = [f for f in self.active if f.drawn > f.repaid]
        closable = [f for f in open_ if f.drawn > 0 and f.drawn == f.repaid]
        roll = rng.random()
        if not open_ or roll < 0.15:
            self.create()
        elif roll < 0.23:
            self.provoke()
        elif roll < 0.30:
            self.register_own()
        elif closable and roll < 0.45:
            self.close(rng.choice(closable))
        elif repayable and roll < 0.70:
            self.repay(rng.choice(repayable))
        elif drawable:
            self.drawdown(rng.choice(drawable))
        else:
            self.create()

    def lodge(self, doc: Doc) -> bool:
        answer = self.api.write(
            "lodge", "/v1/documents/receive", self.run.key("lodge"), expect=200, files=_file(doc)
        )
        return answer is not None

    def create(self) -> None:
        run = self.run
        with run.lock:
            offered = run.offered.pop(0) if run.offered and self.rng.random() < 0.6 else None
        own = offered is None
        doc = offered or invoice(run, f"Supplier {self.prefix} Oy", "FI01120389")
        if not self.lodge(doc):
            return
        amount = self.rng.randint(doc.face // 2, doc.face)
        reference = f"{self.prefix}-{run.next_number()}"
        answer = self.api.write(
            "finance",
            "/v1/financings",
            run.key("finance"),
            expect=201,
            json_body={
                "documents": [{"doc_hash": doc.doc_hash, "amount": amount}],
                "currency": "EUR",
                "kind": "invoice_financing",
                "maturity": MATURITY,
                "reference": reference,
            },
        )
        if answer is None:
            return
        body = answer.body
        fin = Fin(int(body["financing_id"]), amount, doc, kept=False)
        if body["amount"] != amount or body["reference"] != reference:
            run.note("unexpected", f"finance {reference}: answered {json.dumps(body)[:200]}")
        with run.lock:
            run.book.creates.append(
                (self.member.address, reference, fin.fid, str(body["registered_tx"]))
            )
            if own:
                run.book.registered_by_financing[doc.doc_hash] = self.member.address
            if self.kept < 2 and self.rng.random() < 0.25:
                fin.kept = True
                self.kept += 1
                run.kept[self.bank].append(fin)
        self.active.append(fin)

    def provoke(self) -> None:
        """Finance an invoice the other bank holds in an active financing: the chain must
        refuse (and record) it, naming that financing."""
        run = self.run
        with run.lock:
            targets = list(run.kept[self.other])
        if not targets:
            self.create()
            return
        target = self.rng.choice(targets)
        if not self.lodge(target.doc):
            return
        reference = f"{self.prefix}-dup-{run.next_number()}"
        answer = self.api.write(
            "provoked refusal",
            "/v1/financings",
            run.key("dup"),
            expect=409,
            json_body={
                "documents": [{"doc_hash": target.doc.doc_hash, "amount": target.doc.face // 2}],
                "currency": "EUR",
                "kind": "invoice_financing",
                "maturity": MATURITY,
                "reference": reference,
            },
        )
        if answer is None:
            return
        # refused as already pledged (naming the target) or as beyond the face value (naming
        # the target, or no financing when the sum of the pledges is what exceeds it)
        details = answer.body.get("details", {})
        if (
            answer.body.get("error") != "financing_refused"
            or details.get("doc_hash") != target.doc.doc_hash
            or details.get("conflicting_financing_id") not in (target.fid, None)
        ):
            run.note("unexpected", f"provoked {reference}: {json.dumps(answer.body)[:300]}")
            return
        with run.lock:
            run.book.provoked.append(
                (
                    self.member.address,
                    reference,
                    target.doc.doc_hash,
                    target.fid,
                    str(details.get("tx_hash")),
                )
            )

    def register_own(self) -> None:
        """The bank registers a document of its own (e.g. a signed facility letter)."""
        run = self.run
        doc = invoice(run, f"Own paper {self.prefix}", "SE556703748501")
        answer = self.api.write(
            "register", "/v1/documents", run.key("register"), expect=201, files=_file(doc)
        )
        if answer is None:
            return
        with run.lock:
            run.book.registrations.append(
                (self.member.address, doc.doc_hash, answer.body["tx_hash"])
            )

    def _written(self, op: str, fin: Fin, path: str, body: Any) -> Answer | None:
        answer = self.api.write(
            op, f"/v1/financings/{fin.fid}/{path}", self.run.key(path), expect=200, json_body=body
        )
        if answer is None:
            self.active.remove(fin)  # its state is no longer known to this client
        return answer

    def drawdown(self, fin: Fin) -> None:
        amount = (
            self.rng.randint(1, max(1, (fin.amount - fin.drawn) // 2))
            if self.rng.random() < 0.7
            else fin.amount - fin.drawn
        )
        answer = self._written("drawdown", fin, "drawdown", {"amount": amount})
        if answer is None:
            return
        fin.drawn += amount
        self._check(answer, fin)
        with self.run.lock:
            self.run.book.drawdowns.append(
                (self.member.address, fin.fid, amount, answer.body["tx_hash"])
            )

    def repay(self, fin: Fin) -> None:
        outstanding = fin.drawn - fin.repaid
        amount = outstanding if self.rng.random() < 0.5 else self.rng.randint(1, outstanding)
        answer = self._written("repay", fin, "repay", {"amount": amount})
        if answer is None:
            return
        fin.repaid += amount
        self._check(answer, fin)
        with self.run.lock:
            self.run.book.repayments.append(
                (self.member.address, fin.fid, amount, answer.body["tx_hash"])
            )

    def close(self, fin: Fin) -> None:
        answer = self._written("close", fin, "close", None)
        if answer is None:
            return
        self.active.remove(fin)
        if answer.body["financing"]["status"] != "closed":
            self.run.note("unexpected", f"close {fin.fid}: {json.dumps(answer.body)[:200]}")
        with self.run.lock:
            self.run.book.closes.append((self.member.address, fin.fid, answer.body["tx_hash"]))

    def _check(self, answer: Answer, fin: Fin) -> None:
        """The answer shows the financing after this write: drawn and repaid as acknowledged
        (a replayed answer shows it as it was then, which is the same for this client)."""
        got = answer.body["financing"]
        if (got["drawn"], got["repaid"]) != (fin.drawn, fin.repaid):
            # the chain audit counts it; this client stops touching the financing
            self.run.note(
                "notes",
                f"financing {fin.fid} answered drawn/repaid {got['drawn']}/{got['repaid']}, "
                f"acknowledged {fin.drawn}/{fin.repaid}",
            )
            self.active.remove(fin)


# -- the killer ---------------------------------------------------------------------------


def killer(run: Run, anvil: AnvilProcess | None, started: float) -> None:
    """Kill the gateway's process group (and, on anvil, restart the node under the running
    gateway) until the configured numbers are reached; the gateway is up when it returns."""
    config = run.config
    rng = random.Random(config.seed * 1000 + 999)
    node_restarts = config.node_restarts if anvil is not None else 0
    events = ["kill"] * config.kills + ["node"] * node_restarts
    rng.shuffle(events)
    mark = 0  # answers when the gateway (or node) last came back
    for event in events:
        if time.monotonic() - started > config.max_duration:
            run.note("unexpected", f"run cut short after {config.max_duration:.0f} s")
            return
        # a random moment once the gateway does work again (so kills do not only ever hit
        # the retries of the previous one)
        run.wait_for_answers(since=mark, timeout=60.0)
        time.sleep(rng.uniform(*config.up_seconds))
        with run.lock:
            in_flight = run.in_flight
        if event == "node":
            assert anvil is not None
            at, head = time.monotonic(), anvil.restart()
            with run.lock:
                run.report.node_restarts += 1
                run.disruptions.append((at, head))
                mark = run.answers
            continue
        at = time.monotonic()
        run.gateway.kill()
        head = anvil.block_number() if anvil is not None else run.embedded_head()
        with run.lock:
            run.report.kills += 1
            run.report.in_flight_at_kill.append(in_flight)
            run.disruptions.append((at, head))
        time.sleep(rng.uniform(*config.down_seconds))
        run.gateway.start()
        with run.lock:
            mark = run.answers


# -- setting up, running, auditing -----------------------------------------------------------


def _setup(
    config: CrashConfig,
    root: Path,
    anvil: AnvilProcess | None,
    scratch: ev.ScratchEvaluator | None = None,
) -> tuple[Settings, dict[str, str], dict[str, Member], int]:
    """Create the ledger (admin, two banks, an enterprise) with the services; its settings,
    the gateway's environment, the members with their API keys, the chain id. Fingerprints
    are evaluated by the session's evaluator (TRADELEDGER_EVALUATOR_URL, under pytest) or by
    ``scratch`` (the standalone script), and the gateway process is told where it is."""
    data_dir = root / "ledger"
    overrides: dict[str, object] = {"keystore_scrypt_n": SCRYPT_N, "chain_sync": config.chain_sync}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TRADELEDGER_")},
        "TRADELEDGER_KEYSTORE_SCRYPT_N": str(SCRYPT_N),
        "TRADELEDGER_CHAIN_SYNC": config.chain_sync,
    }
    if anvil is not None:
        overrides.update(chain_url=anvil.url, gas_pricing="zero")
        env.update(TRADELEDGER_CHAIN_URL=anvil.url, TRADELEDGER_GAS_PRICING="zero")
    if scratch is not None:
        overrides["evaluator_url"] = scratch.url
    settings = make_settings(data_dir, **overrides)
    env["TRADELEDGER_EVALUATOR_URL"] = settings.evaluator_url
    ledger, _ = init_network(
        settings,
        "Crash suite admin",
        evaluator_key=scratch.public_key if scratch is not None else None,
    )
    if scratch is not None:  # the gateway process holds an embedded chain: read through it
        scratch.member_of.target = (
            ev.gateway_member_of(data_dir)
            if anvil is None
            else ev.chain_member_of(anvil.url, ledger.manifest.contract_address)
        )
    try:
        admin = ledger.manifest.admin_address
        chain_id = ledger.chain_id
        members = {}
        for name, label, role in (
            ("bank_a", "Bank A", Role.BANK),
            ("bank_b", "Bank B", Role.BANK),
            ("enterprise", "Nordic Exporters", Role.ENTERPRISE),
        ):
            new = member_svc.add_member(ledger, admin, label, role)
            members[name] = Member(label, new.member.address, new.api_key)
    finally:
        ledger.close()
    return settings, env, members, chain_id


def run_crash_suite(config: CrashConfig, root: Path) -> CrashReport:
    """Run the scenario of the module docstring in ``root`` (a fresh directory) and audit the
    chain. Every process it starts is stopped before it returns, also on failure."""
    if config.backend not in ("embedded", "anvil"):
        raise ValueError("backend must be embedded or anvil")
    root.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    anvil = AnvilProcess(root) if config.backend == "anvil" else None
    gateway: GatewayProcess | None = None
    threads: list[threading.Thread] = []
    run: Run | None = None
    stack = ExitStack()
    try:
        if anvil is not None:
            anvil.start()
        scratch = None
        if not os.environ.get("TRADELEDGER_EVALUATOR_URL"):  # the script, outside pytest
            scratch = stack.enter_context(ev.scratch_evaluator(root / "evaluator"))
        settings, env, members, chain_id = _setup(config, root, anvil, scratch)
        gateway = GatewayProcess(settings.data_dir, env, root / "gateway.log")
        gateway.start()
        run = Run(config, settings, chain_id, gateway, members)
        for i in range(config.enterprise_workers):
            threads.append(threading.Thread(target=enterprise_worker, args=(run, i), daemon=True))
        for bank, other in (("bank_a", "bank_b"), ("bank_b", "bank_a")):
            for i in range(config.bank_workers):
                worker = BankWorker(run, bank, other, i)
                threads.append(threading.Thread(target=worker.loop, daemon=True))
        for thread in threads:
            thread.start()
        try:
            killer(run, anvil, started)
        finally:
            run.stop.set()  # each client finishes the write it is on (retrying until answered)
            deadline = time.monotonic() + config.request_deadline + 60
            for thread in threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
            if any(thread.is_alive() for thread in threads):
                run.note("unexpected", "a client thread did not finish its last write")
        gateway.stop()
        run.classify_retries()
        ledger = open_ledger(settings)  # the chain as a restarted gateway finds it
        try:
            audit(ledger, run)
        finally:
            ledger.close()
        run.report.seconds = time.monotonic() - started
        return run.report
    finally:
        if run is not None:
            run.stop.set()
        if gateway is not None:
            gateway.kill()
        if anvil is not None:
            anvil.kill()
        stack.close()


def audit(ledger: Ledger, run: Run) -> None:
    """Compare what the clients were told (``run.book``) with the chain; fill the report.

    Findings are keyed by transaction hash, so one extra transaction seen by several checks
    (its event, the financing's totals, the member's nonce) counts once."""
    book, report = run.book, run.report
    contract = ledger.contract
    w3 = ledger.w3
    start = ledger.manifest.deployment_block
    head = int(w3.eth.block_number)
    report.blocks = head - start
    members = {m.address for m in run.members.values()}

    def h32(value: bytes) -> str:
        return "0x" + bytes(value).hex()

    def ref(value: bytes) -> str:
        return bytes(value).rstrip(b"\0").decode()

    # every event of the contract, by transaction
    events: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    names = (
        "DocumentRegistered",
        "FinancingRegistered",
        "FinancingEntryRecorded",
        "FinancingClosed",
        "FinancingRefused",
        "EncryptionKeySet",
    )
    for name in names:
        for low in range(start, head + 1, 2000):
            for log in getattr(contract.events, name).get_logs(
                from_block=low, to_block=min(low + 1999, head)
            ):
                events[log["transactionHash"].to_0x_hex()].append((name, log["args"]))

    def emitted(tx: str, name: str, **expected: Any) -> bool:
        return any(
            n == name and all(args[k] == v for k, v in expected.items()) for n, args in events[tx]
        )

    # lost: each acknowledged write's own transaction is on chain, succeeded, and did it
    acked: dict[str, list[str]] = defaultdict(list)
    checks: list[tuple[str, str, bool]] = []
    for who, doc, tx in book.registrations:
        acked[tx].append(f"register {doc} by {who}")
        ok = emitted(tx, "DocumentRegistered", registrant=who, docHash=bytes.fromhex(doc[2:]))
        checks.append((tx, acked[tx][-1], ok))
    # the terms are sealed: each financing read with its bank's key (this data directory
    # holds every member's), its entries by transaction
    terms: dict[int, Any] = {}
    entries: dict[str, tuple[int, str, int]] = {}
    for bank, _, fid, _ in book.creates:
        opened = fin_svc.get(ledger, fid, reader=bank).terms
        terms[fid] = opened
        for entry in opened.entries if opened else ():
            entries[entry.tx_hash] = (fid, entry.type, entry.amount)
    for bank, reference, fid, tx in book.creates:
        acked[tx].append(f"financing {fid} ({reference}) of {bank}")
        ok = emitted(tx, "FinancingRegistered", financingId=fid, bank=bank)
        ok = ok and terms[fid] is not None and terms[fid].reference == reference
        checks.append((tx, acked[tx][-1], ok))
    for kind, amounts, verb in (
        ("drawdown", book.drawdowns, "drawdown"),
        ("repayment", book.repayments, "repayment"),
    ):
        for _, fid, amount, tx in amounts:
            acked[tx].append(f"{verb} of {amount} on financing {fid}")
            ok = emitted(tx, "FinancingEntryRecorded", financingId=fid)
            ok = ok and entries.get(tx) == (fid, kind, amount)
            checks.append((tx, acked[tx][-1], ok))
    for _, fid, tx in book.closes:
        acked[tx].append(f"close of financing {fid}")
        checks.append((tx, acked[tx][-1], emitted(tx, "FinancingClosed", financingId=fid)))
    for bank, reference, _doc, _, tx in book.provoked:
        acked[tx].append(f"provoked refusal {reference} of {bank}")
        ok = emitted(tx, "FinancingRefused", bank=bank)
        checks.append((tx, acked[tx][-1], ok))
    for tx, what, ok in checks:
        if not ok:
            try:
                status = w3.eth.get_transaction_receipt(HexStr(tx))["status"]
                why = f"its transaction {tx} (status {status}) does not record it"
            except Exception:  # no receipt: not on chain
                why = f"its transaction {tx} is not on chain"
            report.add("lost", f"{what}: {why}", tx)
    for tx, answered in acked.items():
        if len(answered) > 1:
            report.add("applied_twice", f"one transaction {tx} answered {answered}", "shared:" + tx)

    # the second transaction of a financing on a document the chain did not know yet
    expected_txs = set(acked)
    # each member published its encryption key when it was added (before the workload)
    expected_txs.update(
        tx for tx, found in events.items() if any(n == "EncryptionKeySet" for n, _ in found)
    )
    registered_by: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for tx, found in events.items():
        for name, args in found:
            if name == "DocumentRegistered":
                registered_by[h32(args["docHash"])].append((args["registrant"], tx))
    for doc, bank in book.registered_by_financing.items():
        # a financing registers no document (it would name it: docs/privacy.md)
        mine = [tx for who, tx in registered_by[doc] if who == bank]
        if mine:
            report.add("applied_twice", f"{doc} registered by {bank}'s financing", doc)

    # applied twice: any member write on chain that is not the one transaction of an
    # acknowledged write (by its event; and by the member's nonce, else by scanning blocks)
    provoked = {tx for *_, tx in book.provoked}
    for tx, found in events.items():
        if tx in expected_txs:
            continue
        for name, args in found:
            actor = args.get("registrant", args.get("bank"))
            if name == "FinancingRefused" and actor in members and tx not in provoked:
                report.add(
                    "own_retry_refused",
                    f"FinancingRefused on chain for {actor}'s own write in {tx}",
                    tx,
                )
            if actor in members or name in ("FinancingEntryRecorded", "FinancingClosed"):
                report.add(
                    "applied_twice", f"{name} {dict(args)} in {tx}: no acknowledged write", tx
                )
    sent = {m: int(w3.eth.get_transaction_count(Web3.to_checksum_address(m))) for m in members}
    expected_count: Counter[str] = Counter()
    for tx in expected_txs:
        with suppress(Exception):
            expected_count[w3.eth.get_transaction(HexStr(tx))["from"]] += 1
    if any(sent[m] != expected_count[m] for m in members):
        _scan_member_txs(ledger, report, members, expected_txs, start, head)

    # and the state agrees: each financing's totals are the acknowledged sums
    for bank, _, fid, _ in book.creates:
        opened = fin_svc.get(ledger, fid, reader=bank).terms
        drawn = sum(a for _, f, a, _ in book.drawdowns if f == fid)
        repaid = sum(a for _, f, a, _ in book.repayments if f == fid)
        on_chain = (opened.drawn, opened.repaid) if opened else (0, 0)
        if on_chain != (drawn, repaid):
            kind = "applied_twice" if on_chain[0] > drawn or on_chain[1] > repaid else "lost"
            report.add(
                kind,
                f"financing {fid}: drawn/repaid on chain {on_chain[0]}/{on_chain[1]}, "
                f"acknowledged {drawn}/{repaid}",
                f"financing:{fid}",
            )


def _scan_member_txs(
    ledger: Ledger,
    report: CrashReport,
    members: set[str],
    expected: set[str],
    start: int,
    head: int,
) -> None:
    """Find the member transactions that answer no acknowledged write (every block)."""
    w3 = ledger.w3
    contract = ledger.contract.address
    for number in range(start, head + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        transactions: list[Any] = list(block["transactions"])
        for tx in transactions:
            sender = tx["from"]
            tx_hash = tx["hash"].to_0x_hex()
            if sender not in members or tx_hash in expected:
                continue
            if tx["to"] == sender and tx["value"] == 0 and not bytes(tx["input"]):
                continue  # a filler: a zero-value self-transfer that closed a nonce hole
            status = w3.eth.get_transaction_receipt(tx["hash"])["status"]
            to = "the contract" if tx["to"] == contract else tx["to"]
            report.add(
                "applied_twice",
                f"transaction {tx_hash} of {sender} (to {to}, status {status}) answers no "
                "acknowledged write",
                tx_hash,
            )
