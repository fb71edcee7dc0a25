"""Throughput of the REST gateway beside the transaction layer's, in the same run (issue #16).

Per backend (the embedded default and anvil), in one run:

* **transaction layer** — ``Transactor.send_many`` → ``wait_many`` of single-document
  transactions and of 100-document batches (``scripts/bench.py``'s measurement);
* **REST single** — ``--clients`` concurrent clients, each POSTing small files one per request
  to ``/v1/documents`` of a real ``tradeledger serve`` process, over HTTP;
* **REST batch** — the same clients POSTing ``--batch`` files per request to
  ``/v1/documents/batch``;
* **check** — p50 / p99 latency of ``POST /v1/documents/check`` (one client, sequential, as
  the bank; no ``Idempotency-Key``, a check writes nothing on chain) with ``--lodged`` files
  lodged at the gateway and ``--registered`` documents registered on chain: of invoices new to
  the bank (each a number, order and issue date of its own: their fingerprints go to the
  evaluator), and of the lodged demo invoice again (**recheck**: the gateway holds what the
  evaluator gave it for that invoice, so no evaluator round trip);
* **record** — ``GET /v1/documents/{hash}`` of the first of the ``--registered`` back-filled
  documents, ``--records`` times (the first read, then the median and slowest): every later
  registration is history its record must not read;

and the ratios REST / transaction layer. The transaction layer is measured twice: on a new
chain first, and again on the chain the REST runs used (with ``--registered`` documents and
theirs on it: a block's cost grows with them), with REST's ratios to both — on anvil by a new
member on the same node, on the embedded chain by the served gateway's own bank once the
gateway has stopped. The gateway
process is started with
``tradeledger serve`` (the same code path as ``scripts/start.sh``); the fingerprint-check limit
is switched off for it (``TRADELEDGER_FINGERPRINT_CHECK_LIMIT=0``). Anvil runs with
``--block-base-fee-per-gas 0 --gas-price 0`` and automine (``--anvil-block-time`` to change it);
the ``--registered`` documents are back-filled with a block a second, then automine again.

    .venv/bin/python scripts/bench_api.py                       # both backends, 10k documents
    .venv/bin/python scripts/bench_api.py --backends anvil --lodged 100000 --registered 100000
    .venv/bin/python scripts/bench_api.py --profile /tmp/prof   # py-spy the gateway process
    .venv/bin/python scripts/bench_api.py --profile /tmp/prof --profile-gil  # only the GIL's holder
    .venv/bin/python scripts/bench_api.py --floor 2000          # and the bare web stack's rate
    .venv/bin/python scripts/bench_api.py --backends anvil --single-anvil 400 --registered 0 \
        --lodged 0 --interleave 3 --interleave-single  # single too, on one chain, anvil's CPU

Prints a table (and ``--json`` the results); writes nothing else.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench as txbench  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from web3.types import RPCEndpoint  # noqa: E402

from ledger import evaluator as ev  # noqa: E402
from ledger.config import Settings  # noqa: E402
from ledger.documents.detect import read_document  # noqa: E402
from ledger.documents.fingerprints import compute_fingerprints, lookup_keys  # noqa: E402
from ledger.errors import ChainUnavailable  # noqa: E402
from ledger.gatewaydb import (  # noqa: E402
    ReceivedDocumentRow,
    ReceivedFingerprintRow,
    ReceivedTermRow,
    search_terms,
)
from ledger.keys import LocalSigner  # noqa: E402
from ledger.network import init_network, open_ledger  # noqa: E402
from ledger.services import documents as docs  # noqa: E402
from ledger.services import members as member_svc  # noqa: E402
from ledger.services.roles import Role  # noqa: E402

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
PYTHON = sys.executable
ANVIL_FLAGS = (
    "--block-base-fee-per-gas",
    "0",
    "--gas-price",
    "0",
    "--gas-limit",
    "4000000000",
    "--disable-code-size-limit",
)


#: the bench gateway's metrics token: the bench reads the index lag at ``/metrics``
METRICS_TOKEN = uuid.uuid4().hex


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- a gateway with N documents ----------------------------------------------------------------


@dataclass
class Prepared:
    settings: Settings
    env: dict[str, str]
    api_key: str
    address: str
    #: the document registered first in the back-fill (``0x`` hex), None without one
    first_doc: str | None = None


def settings_for(backend: str, data_dir: Path, url: str) -> tuple[Settings, dict[str, str]]:
    env = {
        "TRADELEDGER_DATA_DIR": str(data_dir),
        "TRADELEDGER_KEYSTORE_SCRYPT_N": str(2**10),
        "TRADELEDGER_FINGERPRINT_CHECK_LIMIT": "0",
        "TRADELEDGER_MAX_CONNECTIONS": "1000",
        "TRADELEDGER_METRICS_TOKEN": METRICS_TOKEN,
    }
    if backend == "anvil":
        key_file = data_dir.parent / f"{data_dir.name}.fundingkey"
        key_file.write_text(txbench.ANVIL_KEY)
        env.update(
            TRADELEDGER_CHAIN_URL=url,
            TRADELEDGER_FUNDING_KEY_FILE=str(key_file),
            TRADELEDGER_RECEIPT_TIMEOUT="600",
        )
    else:
        env["TRADELEDGER_CHAIN_SYNC"] = "normal"
    names = {k.removeprefix("TRADELEDGER_").lower(): v for k, v in env.items()}
    return Settings(**names), env


def prepare(
    backend: str,
    data_dir: Path,
    url: str,
    registered: int,
    lodged: int,
    batch: int,
    scratch: ev.ScratchEvaluator,
) -> Prepared:
    """A new ledger with one bank member; ``registered`` documents registered on chain by it
    (batches through the transaction layer) and ``lodged`` files lodged at its gateway. Its
    fingerprints are evaluated by ``scratch`` (issue #18), in this process and then by the
    served gateway (which reads it at ``TRADELEDGER_EVALUATOR_URL``)."""
    settings, env = settings_for(backend, data_dir, url)
    settings.evaluator_url = env["TRADELEDGER_EVALUATOR_URL"] = scratch.url
    ledger, _ = init_network(settings, "Bench admin", evaluator_key=scratch.public_key)
    scratch.member_of.target = ev.contract_member_of(ledger.contract)
    try:
        new = member_svc.add_member(ledger, ledger.manifest.admin_address, "Bank", Role.BANK)
        address = new.member.address
        if backend == "anvil":  # 100,000 documents need more gas than a member is funded for
            ledger.w3.provider.make_request(RPCEndpoint("anvil_setBalance"), [address, hex(10**24)])
        if backend == "anvil" and registered:
            # anvil rebuilds its state trie every block: one block a second while back-filling
            # (batches share blocks), not one per transaction; automine again for the REST runs
            mining(ledger, interval=1)
        first_doc = None
        if registered:
            sender = ledger.transactor(address)
            source = txbench.DocSource(int.from_bytes(os.urandom(4), "big"))
            first_doc = "0x" + source.prefix.hex() + "00" * 24  # the first hash it hands out
            t0 = time.perf_counter()
            done = 0
            while done < registered:
                n = min(batch * 50, registered - done)
                data = [txbench.encode_many(source.take(batch)) for _ in range(-(-n // batch))]
                bench = txbench.Bench(ledger, sender, source)
                ok, _, _ = txbench.run_txs(bench, data, 30_000 * batch + 200_000)
                if ok != len(data):
                    raise RuntimeError("registering the background documents failed")
                done += n
                if done % 100_000 == 0 and done < registered:  # progress of a long set-up
                    log(f"  {done:,} registered ({time.perf_counter() - t0:.0f} s)")
            log(f"  {done:,} documents registered in {time.perf_counter() - t0:.0f} s")
            if backend == "anvil":
                mining(ledger, interval=0)
        if lodged:
            t0 = time.perf_counter()
            lodge_synthetic(ledger, address, lodged)
            # and the invoice the check asks about: it finds this copy (an identical match)
            docs.receive(ledger, address, "bank", UBL, "invoice.xml")
            log(f"  {lodged:,} files lodged in {time.perf_counter() - t0:.0f} s")
    finally:
        contract = ledger.manifest.contract_address
        ledger.close()
    # the served gateway holds the embedded chain: the evaluator reads memberOf through it
    if backend == "embedded":
        scratch.member_of.target = ev.gateway_member_of(data_dir)
    else:
        scratch.member_of.target = ev.chain_member_of(url, contract)
    return Prepared(settings, env, new.api_key, address, first_doc)


def mining(ledger: Any, interval: int) -> None:
    """anvil mines a block every ``interval`` seconds (0: a block per transaction, automine)."""
    rpc = ledger.w3.provider.make_request
    # each sets anvil's one mining mode (interval 0: none), so the order matters
    if interval:
        rpc(RPCEndpoint("evm_setAutomine"), [False])
        rpc(RPCEndpoint("evm_setIntervalMining"), [interval])
    else:
        rpc(RPCEndpoint("evm_setIntervalMining"), [0])
        rpc(RPCEndpoint("evm_setAutomine"), [True])


def pid_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far (proc(5))."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_seconds(argv_matches: Callable[[list[bytes]], bool]) -> float | None:
    """CPU seconds (user + system) used so far by the first process whose argv matches, from
    ``/proc/<pid>/stat`` (proc(5): utime and stime, fields 14 and 15); None where /proc cannot
    tell."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if not argv_matches(argv):
                continue
            return pid_cpu_seconds(int(entry.name))
    return None


def chain_cpu_seconds(url: str) -> float | None:
    """CPU seconds the anvil process serving ``url`` has used so far; None on the embedded
    chain (py-evm runs inside the gateway or this process) or where /proc cannot tell."""
    if not url:
        return None
    port = url.rsplit(":", 1)[-1].encode()
    return _cpu_seconds(lambda argv: argv[0].endswith(b"anvil") and port in argv)


def gateway_cpu_seconds(port: int | None) -> float | None:
    """CPU seconds the ``tradeledger serve`` process on ``port`` has used so far (not py-spy's
    when it is profiled: the gateway is its child); None where /proc cannot tell."""
    if port is None:
        return None
    wanted = str(port).encode()

    def served(argv: list[bytes]) -> bool:
        return b"serve" in argv and b"--port" in argv and wanted in argv and b"record" not in argv

    return _cpu_seconds(served)


@dataclass
class Phase:
    """One timed run: its rate and the share of its wall time the chain's process (anvil) and
    the gateway's were busy (CPU seconds per wall second: 1.0 is one core; None unknown)."""

    rate: float
    chain_busy: float | None
    gateway_busy: float | None = None


def timed(url: str, run: Callable[[], float], gateway_port: int | None = None) -> Phase:
    """``run()`` (a rate) with the chain process's and the gateway's CPU over its wall time."""
    cpu0, gw0, t0 = chain_cpu_seconds(url), gateway_cpu_seconds(gateway_port), time.perf_counter()
    rate = run()
    cpu1, gw1 = chain_cpu_seconds(url), gateway_cpu_seconds(gateway_port)
    elapsed = time.perf_counter() - t0
    busy = (cpu1 - cpu0) / elapsed if cpu0 is not None and cpu1 is not None else None
    gateway = (gw1 - gw0) / elapsed if gw0 is not None and gw1 is not None else None
    return Phase(rate, busy, gateway)


def costed(url: str, run: Callable[[], float], n: int) -> tuple[float, float, float | None]:
    """``run()`` (a rate over ``n`` items) with the milliseconds of CPU each item cost this
    process and the chain's process (anvil; None on the embedded chain, whose py-evm is in
    this process's figure)."""
    cpu0, chain0 = time.process_time(), chain_cpu_seconds(url)
    rate = run()
    cpu, chain1 = time.process_time() - cpu0, chain_cpu_seconds(url)
    chain = None if chain0 is None or chain1 is None else 1000 * (chain1 - chain0) / n
    return rate, 1000 * cpu / n, chain


def chain_text(ms: float | None, per: str) -> str:
    return "" if ms is None else f", anvil {ms:.3f} ms of its CPU a {per}"


def busy_text(phase: Phase) -> str:
    parts = []
    if phase.gateway_busy is not None:
        parts.append(f"gateway busy {phase.gateway_busy:.0%}")
    if phase.chain_busy is not None:
        parts.append(f"anvil busy {phase.chain_busy:.0%}")
    return "".join(f", {p}" for p in parts)


def lodge_synthetic(ledger: Any, address: str, n: int) -> None:
    """``n`` lodged invoices like the demo UBL invoice (other numbers): the rows
    ``lodge`` writes, inserted in bulk, with fingerprints and lookup keys of their own (random:
    no other file shares them, as for invoices of other sellers and buyers)."""
    parsed = read_document(UBL)
    facts = json.loads(json.dumps(parsed.facts.to_dict())) if parsed.facts else {}
    key = ledger.lookup_key()  # gateway-local fingerprints (on-chain ones: the evaluator's)
    # the template's own fingerprint names, random values (no two files share one)
    names = [f.name for f in compute_fingerprints(parsed, key)]
    names += [name for name, _ in lookup_keys(parsed, key)]
    now = datetime.now(UTC)
    step = 5_000
    for start in range(0, n, step):
        rows, fps, terms = [], [], []
        for i in range(start, min(start + step, n)):
            doc_hash = "0x" + os.urandom(32).hex()
            facts["number"] = f"SYN-{i}"
            facts_json = json.dumps(facts)
            rows.append(
                {
                    "doc_hash": doc_hash,
                    "received_by": address,
                    "format": parsed.format.value,
                    "size": parsed.size,
                    "filename": f"syn-{i}.xml",
                    "doc_type": "invoice",
                    "facts_json": facts_json,
                    "received_at": now,
                }
            )
            for name in names:
                fp = "0x" + os.urandom(32).hex()
                fps.append(
                    {"fingerprint": fp, "doc_hash": doc_hash, "received_by": address, "name": name}
                )
            for term, value in search_terms(facts_json):
                terms.append(
                    {"received_by": address, "doc_hash": doc_hash, "term": term, "value": value}
                )
        with ledger.db.session() as s, s.begin():
            s.execute(insert(ReceivedDocumentRow), rows)
            s.execute(insert(ReceivedFingerprintRow), fps)
            if terms:
                s.execute(insert(ReceivedTermRow), terms)


# -- the gateway process -----------------------------------------------------------------------


def wait_healthy(
    port: int, process: subprocess.Popen[bytes], deadline: float, why: Callable[[], str]
) -> None:
    """Wait until ``GET /health`` on ``port`` answers 200; kill ``process`` and raise with
    ``why()`` (what it wrote) if it exits or ``deadline`` (monotonic) passes first."""
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"did not start: {why()[-2000:]}")
        time.sleep(0.1)


#: py-spy's samples per second for ``--profile`` (``--profile-rate``)
PROFILE_RATE = 100


@contextmanager
def serving(prepared: Prepared, profile: Path | None, gil: bool = False):
    port = txbench_free_port()
    # ``tradeledger serve`` of the tree this script is in (PYTHONPATH first: a copy of an older
    # tree measures that tree's gateway with the same script)
    env = {**os.environ, **prepared.env, "PYTHONPATH": str(ROOT)}
    command = [PYTHON, "-m", "ledger.cli", "serve", "--port", str(port)]
    if profile is not None:  # py-spy samples every thread (the endpoints run in a threadpool)
        spy = [str(Path(PYTHON).parent / "py-spy"), "record", "-r", str(PROFILE_RATE), "-f", "raw"]
        if gil:  # the interpreter's time: only the thread holding the GIL is sampled
            spy.append("--gil")
        else:  # wall time: threads waiting (on the node, the database, a lock) too
            spy.append("--idle")
        command = [*spy, "-o", str(profile), "--", *command]
    server_log = Path(tempfile.mkstemp(prefix="bench-api-gateway-", suffix=".log")[1])
    log(f"  gateway log (removed when the run ends well, kept if it fails): {server_log}")
    process = subprocess.Popen(  # in ROOT: ``-m`` puts the working directory before PYTHONPATH
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=server_log.open("wb")
    )
    deadline = time.monotonic() + 120
    wait_healthy(
        port, process, deadline, lambda: "the gateway: " + server_log.read_text(errors="replace")
    )
    try:
        wait_for_index(port, deadline=time.monotonic() + 1800)
        yield port
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    # a run that ended well leaves no log behind (one that failed keeps it: its path is above)
    server_log.unlink(missing_ok=True)


@contextmanager
def serving_floor():
    """``scripts/http_floor.py`` served in its own process: the web stack with nothing behind
    its route (the ceiling of any REST figure on this machine). Yields (port, pid)."""
    port = txbench_free_port()
    process = subprocess.Popen(
        [PYTHON, str(ROOT / "scripts" / "http_floor.py"), str(port)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_healthy(
        port,
        process,
        time.monotonic() + 60,
        lambda: (
            "the HTTP floor: "
            + (process.stderr.read().decode(errors="replace") if process.stderr else "")
        ),
    )
    try:
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Floor:
    """The bare web stack driven like REST: documents per second, and the CPU milliseconds
    its server process spent per request (what any gateway pays before its own work)."""

    rate: float
    cpu_ms_per_request: float


def floor_rate(clients: int, requests: int, per_request: int = 1) -> Floor:
    """The bare web stack (``scripts/http_floor.py``) driven exactly as REST single
    (``per_request`` 1) or REST batch is: ``clients`` clients, each request ``per_request``
    small files."""
    with serving_floor() as (port, pid):
        # warm-up: 20 uploads a client for single files (as before), 2 batches a client
        drive(port, "floor", clients, clients * (20 if per_request == 1 else 2), per_request)
        cpu0 = pid_cpu_seconds(pid)
        rate = drive(port, "floor", clients, requests, per_request)
        cpu = pid_cpu_seconds(pid) - cpu0
    return Floor(rate, 1000 * cpu / requests)


def signing_ms(n: int = 300) -> float:
    """CPU milliseconds of one eth-account signature of a registration transaction (EIP-1559,
    as the gateway's transactor signs each one: ``ledger.keys.LocalSigner``), median of 3."""
    signer = LocalSigner.generate()
    tx = {
        "type": 2,
        "chainId": 1337,
        "nonce": 0,
        "to": "0x" + "11" * 20,
        "value": 0,
        "gas": 120_000,
        "maxFeePerGas": 0,
        "maxPriorityFeePerGas": 0,
        "data": "0x" + txbench.encode_single(os.urandom(32)).hex(),
    }
    runs = []
    for _ in range(3):
        t0 = time.process_time()
        for i in range(n):
            signer.sign_transaction({**tx, "nonce": i})
        runs.append(1000 * (time.process_time() - t0) / n)
    return statistics.median(runs)


def index_lag(port: int) -> int | None:
    """The gateway's index lag in blocks (``tradeledger_index_lag_blocks``), None unknown."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        text = conn.getresponse().read().decode()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()
    for line in text.splitlines():
        if line.startswith("tradeledger_index_lag_blocks"):
            return int(float(line.split()[-1]))
    return None


def wait_for_index(port: int, deadline: float) -> None:
    """Measure a gateway in its steady state: once its event index has caught up with the
    documents registered before it started (a gateway that has run a while), not while its
    background follower reads thousands of blocks (under the embedded chain's one lock)."""
    t0 = time.perf_counter()
    while time.monotonic() < deadline:
        lag = index_lag(port)
        if lag is not None and lag <= 1:
            log(f"  index caught up in {time.perf_counter() - t0:.0f} s")
            return
        time.sleep(0.5)
    log("  the index did not catch up before the deadline: measuring anyway")


def txbench_free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def multipart(files: list[tuple[str, bytes]], field: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{name}"\r\nContent-Type: text/plain\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class NoDelayConnection(http.client.HTTPConnection):
    """``http.client`` as curl, requests and urllib3 connect: with ``TCP_NODELAY``. Without it
    the body of a request on a kept-alive connection (written after its headers) waited for
    the server's delayed ACK — about 40 ms on some requests — a wait of this client's, not of
    the gateway's, and no REST client a bank uses pays it."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Client:
    def __init__(self, port: int, api_key: str) -> None:
        self.port = port
        self.api_key = api_key
        self.conn: http.client.HTTPConnection = NoDelayConnection("127.0.0.1", port, timeout=600)

    def get(self, path: str) -> tuple[int, bytes]:
        """GET ``path`` as the bank (a read: no key)."""
        headers = {"Authorization": f"Bearer {self.api_key}"}
        self.conn.request("GET", path, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def post(
        self,
        path: str,
        files: list[tuple[str, bytes]],
        field: str,
        *,
        write: bool = True,
        key: str | None = None,
        prefer_async: bool = False,
    ) -> tuple[int, bytes]:
        """POST ``files``; a write (``write``) with an ``Idempotency-Key`` (``key``, else a new
        one), as a client that retries safely sends it; a check (a read) without one.
        ``prefer_async``: with ``Prefer: respond-async`` (202 once sent)."""
        body, ctype = multipart(files, field)
        headers = {"Authorization": f"Bearer {self.api_key}", "Content-Type": ctype}
        if write:
            headers["Idempotency-Key"] = key or uuid.uuid4().hex
        if prefer_async:
            headers["Prefer"] = "respond-async"
        for attempt in range(2):
            try:
                self.conn.request("POST", path, body, headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = NoDelayConnection("127.0.0.1", self.port, timeout=600)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def in_threads(clients: int, work: Callable[[], None]) -> float:
    """Seconds for ``clients`` threads each running ``work`` to finish."""
    threads = [threading.Thread(target=work) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def drive(
    port: int,
    api_key: str,
    clients: int,
    requests: int,
    per_request: int,
    prefer_async: bool = False,
) -> float:
    """Documents registered per second by ``clients`` concurrent clients sending
    ``requests`` requests in all, ``per_request`` files each (1: ``/v1/documents``).

    ``prefer_async``: each request with ``Prefer: respond-async``; a client answered 202 sends
    its next request at once and, when it has sent all of its share, sends each request answered
    202 again with the same key for its outcome (201): the clock stops when every client holds
    every outcome — registrations confirmed, as without the preference."""
    path, field = (
        ("/v1/documents", "file") if per_request == 1 else ("/v1/documents/batch", "files")
    )
    tag = uuid.uuid4().hex
    failures: list[str] = []
    counter = iter(range(requests))
    lock = threading.Lock()

    def work() -> None:
        client = Client(port, api_key)
        pending: list[tuple[list[tuple[str, bytes]], str]] = []
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            files = [(f"f{i}-{j}.txt", f"{tag} {i} {j}".encode()) for j in range(per_request)]
            key = uuid.uuid4().hex
            status, body = client.post(path, files, field, key=key, prefer_async=prefer_async)
            if status == 202 and prefer_async:
                pending.append((files, key))
            elif status != 201:
                failures.append(f"{status} {body[:300]!r}")
        for files, key in pending:  # the outcomes, as a client that was answered 202 reads them
            status, body = client.post(path, files, field, key=key, prefer_async=True)
            if status != 201:
                failures.append(f"outcome {status} {body[:300]!r}")

    elapsed = in_threads(clients, work)
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return requests * per_request / elapsed


def new_invoice(i: int) -> bytes:
    """The demo UBL invoice under a number (BT-1), an order reference (BT-13) and an issue date
    (BT-2) of its own: an invoice the bank has never checked, so its fingerprints and all but
    one of its marks (the amount mark: the same seller, buyer and amount) are new to the
    evaluator — the gateway evaluates each input once per bank and key."""
    tag = f"{uuid.uuid4().hex[:8]}-{i}"
    issued = f"{2000 + i % 20}-{1 + i // 20 % 12:02d}-{1 + i // 240 % 28:02d}"
    invoice = UBL.replace(b"TOSL110", f"BENCH-{tag}".encode())
    invoice = invoice.replace(b"<cbc:ID>123</cbc:ID>", f"<cbc:ID>O-{tag}</cbc:ID>".encode(), 1)
    return invoice.replace(b"<cbc:IssueDate>2013-04-10<", f"<cbc:IssueDate>{issued}<".encode())


def check_latency(port: int, api_key: str, n: int, *, fresh: bool) -> dict[str, float]:
    """p50 / p99 (ms) of ``n`` checks after 10 warm-up ones, one client: ``fresh``, each of an
    invoice new to the bank (:func:`new_invoice`: its inputs go to the evaluator); else of the
    lodged demo invoice again (its inputs' outputs are the gateway's already)."""
    client = Client(port, api_key)
    times = []
    for i in range(n + 10):
        invoice = new_invoice(i) if fresh else UBL
        t0 = time.perf_counter()
        status, body = client.post(
            "/v1/documents/check", [("invoice.xml", invoice)], "file", write=False
        )
        elapsed = time.perf_counter() - t0
        if status != 200:
            raise RuntimeError(f"check: {status} {body[:300]!r}")
        if i >= 10:  # warm-up
            times.append(elapsed * 1000)
    times.sort()
    return {
        "p50_ms": statistics.median(times),
        "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))],
        "n": len(times),
    }


def record_latency(port: int, api_key: str, doc_hash: str, n: int) -> dict[str, float]:
    """``GET /v1/documents/{doc_hash}`` ``n`` times in a row (one client): the first read, and
    the median and slowest of the others, in ms. With ``doc_hash`` the first document of the
    back-fill, every later registration is history its record must not read (the sixteenth
    pass: 5-8.7 s among 100,000 before the index answered log reads)."""
    client = Client(port, api_key)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        status, body = client.get(f"/v1/documents/{doc_hash}")
        times.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise RuntimeError(f"record: {status} {body[:300]!r}")
    later = sorted(times[1:]) or times
    return {"first_ms": times[0], "p50_ms": statistics.median(later), "max_ms": later[-1], "n": n}


# -- one backend -------------------------------------------------------------------------------


def clients_run(
    bench: Any, n: int, clients: int, read_first: bool = True, per_tx: int = 1
) -> float:
    """The transaction layer driven as REST clients drive the gateway: ``clients`` threads,
    each reading the chain once (``read_first``: ``getDocument`` of its document — is it
    registered?) and then sending one single-document transaction and waiting for its
    receipt before the next — no
    HTTP, no database, no file. Concurrent sends share blocks (the transactor's group commit),
    so a block holds at most ``clients`` transactions. ``per_tx`` > 1: each transaction
    registers that many documents (``registerDocuments``, as the batch endpoint sends them; the
    read is of its first). Documents confirmed per second: what the chain itself allows a
    gateway serving ``clients`` concurrent clients."""
    contract = bench.ledger.contract.address
    docs = [bench.docs.take(per_tx) for _ in range(n)]
    counter = iter(range(n))
    lock = threading.Lock()
    failures: list[str] = []

    def work() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            if read_first:
                with suppress(Exception):  # not registered: the read reverts, as a new file's
                    bench.ledger.calls.functions.getDocument(docs[i][0]).call()
            if per_tx == 1:
                tx = {"to": contract, "data": txbench.encode_single(docs[i][0]), "gas": 120_000}
            else:
                data = txbench.encode_many(docs[i])
                tx = {"to": contract, "data": data, "gas": 30_000 * per_tx + 200_000}
            (receipt,) = bench.sender.wait_many(bench.sender.send_many([{**tx, "value": 0}]))
            if isinstance(receipt, Exception) or receipt["status"] != 1:
                failures.append(repr(receipt)[:300])

    elapsed = in_threads(clients, work)
    if failures:
        raise RuntimeError(f"{len(failures)} transactions failed, e.g. {failures[0]}")
    return n * per_tx / elapsed


def bench_backend(backend: str, url: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    single_n = args.single_embedded if backend == "embedded" else args.single_anvil
    log(f"{backend}: transaction layer")
    bench = txbench.open_bench(backend, work / f"{backend}-tx", url)
    try:
        # this process's CPU per transaction / document: what the gateway's transaction layer
        # does for each too (signing, journal, JSON-RPC; on the embedded chain py-evm as well)
        # and anvil's CPU per transaction / document in the same runs (None on the embedded
        # chain: py-evm is in this process's figure)
        out["tx_single"], out["tx_single_cpu_ms"], out["tx_single_chain_cpu_ms"] = costed(
            url, lambda: txbench.single_run(bench, single_n)[0], single_n
        )
        log(
            f"  send_many single: {out['tx_single']:,.0f} tx/s, "
            f"{out['tx_single_cpu_ms']:.2f} ms of this process's CPU a transaction"
            + chain_text(out["tx_single_chain_cpu_ms"], "transaction")
        )
        n_batched = args.batch * args.batches
        (
            out["tx_batched"],
            out["tx_batched_cpu_ms_per_doc"],
            out["tx_batched_chain_cpu_ms_per_doc"],
        ) = costed(url, lambda: txbench.batched_run(bench, n_batched, args.batch)[0], n_batched)
        log(
            f"  send_many batched: {out['tx_batched']:,.0f} docs/s, "
            f"{out['tx_batched_cpu_ms_per_doc']:.3f} ms of this process's CPU a document"
            + chain_text(out["tx_batched_chain_cpu_ms_per_doc"], "document")
        )
        out["tx_clients"] = clients_run(bench, single_n, args.clients)
        log(
            f"  {args.clients} clients, read then write, one tx each: "
            f"{out['tx_clients']:,.0f} tx/s (the chain's ceiling for REST single)"
        )
        out["tx_clients_write_only"] = clients_run(bench, single_n, args.clients, False)
        log(
            f"  {args.clients} clients, write only, one tx each: "
            f"{out['tx_clients_write_only']:,.0f} tx/s"
        )
        out["tx_clients_batch"] = clients_run(
            bench, max(args.batches, args.clients), args.clients, True, args.batch
        )
        log(
            f"  {args.clients} clients, read then write, one {args.batch}-document tx each: "
            f"{out['tx_clients_batch']:,.0f} docs/s (the chain's ceiling for REST batch)"
        )
    finally:
        bench.ledger.close()
    log(f"{backend}: gateway with {args.registered:,} registered, {args.lodged:,} lodged")
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(ev.scratch_evaluator(work / f"{backend}-evaluator"))
        prepared = prepare(
            backend, work / f"{backend}-api", url, args.registered, args.lodged, args.batch, scratch
        )
        profile = args.profile / f"{backend}.txt" if args.profile else None
        port = stack.enter_context(serving(prepared, profile, args.profile_gil))
        drive(port, prepared.api_key, args.clients, args.clients * 2, 1)  # warm-up
        single = timed(url, lambda: drive(port, prepared.api_key, args.clients, single_n, 1), port)
        out["rest_single"] = single.rate
        out["rest_single_busy"] = {"gateway": single.gateway_busy, "chain": single.chain_busy}
        log(
            f"  REST single ({args.clients} clients): {out['rest_single']:,.0f} docs/s"
            f"{busy_text(single)}"
        )
        batch = timed(
            url,
            lambda: drive(
                port, prepared.api_key, args.clients, max(args.batches, args.clients), args.batch
            ),
            port,
        )
        out["rest_batch"] = batch.rate
        out["rest_batch_busy"] = {"gateway": batch.gateway_busy, "chain": batch.chain_busy}
        log(
            f"  REST batch ({args.batch} files/request): {out['rest_batch']:,.0f} docs/s"
            f"{busy_text(batch)}"
        )
        if args.prefer_async:
            out["rest_single_async"] = drive(
                port, prepared.api_key, args.clients, single_n, 1, prefer_async=True
            )
            log(
                f"  REST single, Prefer: respond-async ({args.clients} clients, outcomes read "
                f"after): {out['rest_single_async']:,.0f} docs/s"
            )
            out["rest_batch_async"] = drive(
                port,
                prepared.api_key,
                args.clients,
                max(args.batches, args.clients),
                args.batch,
                prefer_async=True,
            )
            log(f"  REST batch, Prefer: respond-async: {out['rest_batch_async']:,.0f} docs/s")
        if args.records and prepared.first_doc is not None:
            out["record"] = record_latency(port, prepared.api_key, prepared.first_doc, args.records)
            log(
                f"  record of the first of {args.registered:,} registered: first read "
                f"{out['record']['first_ms']:.0f} ms, then p50 {out['record']['p50_ms']:.0f} ms,"
                f" max {out['record']['max_ms']:.0f} ms"
            )
        out["check"] = check_latency(port, prepared.api_key, args.checks, fresh=True)
        out["recheck"] = check_latency(port, prepared.api_key, args.checks, fresh=False)
        log(
            f"  check of a new invoice p50 {out['check']['p50_ms']:.1f} ms, p99 "
            f"{out['check']['p99_ms']:.1f} ms; of the lodged invoice again p50 "
            f"{out['recheck']['p50_ms']:.1f} ms, p99 {out['recheck']['p99_ms']:.1f} ms"
            f" ({args.lodged:,} lodged, {args.registered:,} registered)"
        )
    # the transaction layer again on the chain as the REST runs left it: anvil rebuilds its
    # whole state trie every block, and py-evm's state grows too, so the per-block cost grows
    # with every document on it (the figures above were measured on a new, nearly empty chain).
    # On anvil a new member on the same node; on the embedded chain the served gateway's own
    # chain and bank, opened here once the gateway has stopped (it owns the chain's files)
    log(f"{backend}: transaction layer again, on the REST runs' chain")
    if backend == "anvil":
        bench = txbench.open_bench(backend, work / f"{backend}-tx-after", url)
    else:
        bench = gateway_bench(prepared)
    try:
        after = {
            "tx_single": txbench.single_run(bench, single_n)[0],
            "tx_batched": txbench.batched_run(bench, args.batch * args.batches, args.batch)[0],
            "tx_clients": clients_run(bench, single_n, args.clients),
        }
    finally:
        bench.ledger.close()
    log(
        f"  send_many single: {after['tx_single']:,.0f} tx/s; batched: "
        f"{after['tx_batched']:,.0f} docs/s; {args.clients} clients, read then write: "
        f"{after['tx_clients']:,.0f} tx/s"
    )
    out["same_chain"] = after
    if args.interleave:
        out["interleaved"] = interleaved(backend, url, prepared, args, work)
    out["same_chain"]["ratio_single"] = out["rest_single"] / after["tx_single"]
    out["same_chain"]["ratio_batch"] = out["rest_batch"] / after["tx_batched"]
    out["ratio_single"] = out["rest_single"] / out["tx_single"]
    out["ratio_batch"] = out["rest_batch"] / out["tx_batched"]
    return out


def interleaved(
    backend: str, url: str, prepared: Prepared, args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    """``args.interleave`` rounds, each the transaction layer's batched figure and then REST
    batch's, the same number of documents each, on the chain as the round before left it: the
    two compared on the same chain, as it grows (anvil's and py-evm's cost per block grows
    with the chain; the figures above were on a new chain, and after the REST runs). The
    transaction layer runs while the gateway is stopped: on anvil through a new member on the
    same node, on the embedded chain through the gateway's own bank (it owns the chain's files
    while it runs), and the gateway, started anew each round, is warmed up as for the REST runs
    above. Each round's ratio, and their median."""
    log(f"{backend}: interleaved, {args.interleave} rounds on the REST runs' chain")
    n_docs = args.batch * max(args.batches, args.clients)
    n_single = (
        (args.single_embedded if backend == "embedded" else args.single_anvil)
        if args.interleave_single
        else 0
    )
    anvil_bench = (
        txbench.open_bench(backend, work / f"{backend}-tx-rounds", url)
        if backend == "anvil"
        else None
    )
    rounds: list[dict[str, float]] = []
    try:
        for i in range(args.interleave):
            if anvil_bench is not None:
                tx = transaction_layer_round(anvil_bench, url, n_docs, n_single, args)
            else:
                bench = gateway_bench(prepared)
                try:
                    tx = transaction_layer_round(bench, url, n_docs, n_single, args)
                finally:
                    bench.ledger.close()
            profile = args.profile / f"{backend}-round{i + 1}.txt" if args.profile else None
            with serving(prepared, profile, args.profile_gil) as port:
                drive(port, prepared.api_key, args.clients, args.clients * 2, 1)  # warm-up
                rest_batch = drive(
                    port, prepared.api_key, args.clients, n_docs // args.batch, args.batch
                )
                rest_single = (
                    timed(
                        url,
                        lambda: drive(port, prepared.api_key, args.clients, n_single, 1),
                        port,
                    )
                    if n_single
                    else None
                )
            ratio = rest_batch / tx.batched
            log(
                f"  round {i + 1}: send_many batched {tx.batched:,.0f} docs/s, "
                f"REST batch {rest_batch:,.0f} docs/s ({ratio:.0%})"
            )
            result: dict[str, Any] = {
                "tx_batched": tx.batched,
                "rest_batch": rest_batch,
                "ratio": ratio,
            }
            single, clients = tx.single, tx.clients
            if rest_single is not None and single is not None and clients is not None:
                log(
                    f"    send_many single {single.rate:,.0f} tx/s{busy_text(single)}; "
                    f"{args.clients} clients read then write {clients.rate:,.0f} tx/s"
                    f"{busy_text(clients)}; REST single {rest_single.rate:,.0f}/s"
                    f"{busy_text(rest_single)} ({rest_single.rate / single.rate:.0%} of send_many"
                    f" single, {rest_single.rate / clients.rate:.0%} of the {args.clients} clients)"
                )
                result.update(
                    tx_single=single.rate,
                    tx_single_chain_busy=single.chain_busy,
                    tx_clients=clients.rate,
                    tx_clients_chain_busy=clients.chain_busy,
                    rest_single=rest_single.rate,
                    rest_single_chain_busy=rest_single.chain_busy,
                    ratio_single=rest_single.rate / single.rate,
                    ratio_single_clients=rest_single.rate / clients.rate,
                )
            rounds.append(result)
    finally:
        if anvil_bench is not None:
            anvil_bench.ledger.close()
    out: dict[str, Any] = {
        "rounds": rounds,
        "ratio_median": statistics.median(r["ratio"] for r in rounds),
    }
    if n_single:
        out["ratio_single_median"] = statistics.median(r["ratio_single"] for r in rounds)
        out["ratio_single_clients_median"] = statistics.median(
            r["ratio_single_clients"] for r in rounds
        )
    return out


@dataclass
class TxRound:
    """An interleaved round's transaction-layer side (docs/s; single and the clients' ceiling
    only with ``--interleave-single``)."""

    batched: float
    single: Phase | None = None
    clients: Phase | None = None


def transaction_layer_round(
    bench: Any, url: str, n_docs: int, n_single: int, args: argparse.Namespace
) -> TxRound:
    """An interleaved round's transaction-layer side: ``send_many`` batched, and with
    ``n_single`` also ``send_many`` single and the clients' ceiling, with anvil's CPU share."""
    out = TxRound(txbench.batched_run(bench, n_docs, args.batch)[0])
    if n_single:
        out.single = timed(url, lambda: txbench.single_run(bench, n_single)[0])
        out.clients = timed(url, lambda: clients_run(bench, n_single, args.clients))
    return out


def gateway_bench(prepared: Prepared) -> Any:
    """The transaction layer on the served gateway's own embedded chain, through its bank, once
    the stopped gateway has let the chain go (it owns the chain's files while it runs)."""
    ledger = _open_when_released(prepared.settings)
    return txbench.Bench(
        ledger,
        ledger.transactor(prepared.address),
        txbench.DocSource(int.from_bytes(os.urandom(4), "big")),
    )


def _open_when_released(settings: Settings, timeout: float = 60.0) -> Any:
    """The embedded ledger, opened once the stopped gateway has let its chain go: a gateway
    started under py-spy may still be exiting when py-spy has (the ledger then finds the chain
    held and the gateway's bridge gone: ChainUnavailable). Bounded."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return open_ledger(settings)
        except ChainUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="embedded,anvil")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--single-embedded", type=int, default=400, help="requests / txs")
    parser.add_argument("--single-anvil", type=int, default=2_000, help="requests / txs")
    parser.add_argument("--batch", type=int, default=100, help="documents per batch")
    parser.add_argument("--batches", type=int, default=16, help="batches per measurement")
    parser.add_argument("--registered", type=int, default=10_000)
    parser.add_argument("--lodged", type=int, default=10_000)
    parser.add_argument("--checks", type=int, default=300, help="check requests (p50/p99)")
    parser.add_argument(
        "--records",
        type=int,
        default=5,
        help="reads of the first back-filled document's record (GET /v1/documents/{hash}); 0: none",
    )
    parser.add_argument("--anvil-block-time", type=int, default=0, help="0: automine")
    parser.add_argument(
        "--anvil-prune-history",
        type=int,
        default=0,
        metavar="N",
        help="anvil keeps the state of the last N blocks only (its memory grows with every "
        "block's state otherwise: about 6 GB at 250,000 registered); 0: all",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="directory for py-spy profiles (collapsed stacks) of the gateway",
    )
    parser.add_argument(
        "--profile-rate",
        type=int,
        default=100,
        metavar="HZ",
        help="with --profile: py-spy's samples per second (more for a short run)",
    )
    parser.add_argument(
        "--profile-gil",
        action="store_true",
        help="with --profile: sample only the thread holding the GIL (where the CPU goes)",
    )
    parser.add_argument(
        "--floor",
        type=int,
        default=0,
        metavar="N",
        help="also drive N requests at the bare web stack (scripts/http_floor.py): the HTTP floor",
    )
    parser.add_argument(
        "--interleave",
        type=int,
        default=3,
        metavar="N",
        help="then N rounds of send_many batched and REST batch, alternated on the same chain "
        "(0: none)",
    )
    parser.add_argument(
        "--interleave-single",
        action="store_true",
        help="the interleaved rounds also run send_many single, the clients' ceiling and REST "
        "single (the requests / txs of --single-*), with the share of each run's wall time "
        "anvil's process was busy (its CPU, from /proc)",
    )
    parser.add_argument(
        "--prefer-async",
        action="store_true",
        help="also drive REST single and batch with Prefer: respond-async (202 once sent, "
        "the outcomes read after; docs/api.md)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    global PROFILE_RATE
    PROFILE_RATE = args.profile_rate
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_before": load(),
        "args": {k: str(v) for k, v in vars(args).items()},
    }
    work = Path(tempfile.mkdtemp(prefix="tradeledger-bench-api-"))
    try:
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            if backend == "anvil":
                extra = list(ANVIL_FLAGS)
                if args.anvil_block_time:
                    extra += ["--block-time", str(args.anvil_block_time)]
                if args.anvil_prune_history:
                    extra += ["--prune-history", str(args.anvil_prune_history)]
                with txbench.anvil(*extra) as url:
                    results[backend] = bench_backend(backend, url, args, work)
            else:
                results[backend] = bench_backend(backend, "", args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.floor:
        log("HTTP floor: the web stack alone (scripts/http_floor.py)")
        single_floor = floor_rate(args.clients, args.floor)
        results["floor"] = single_floor.rate
        results["floor_cpu_ms"] = single_floor.cpu_ms_per_request
        log(
            f"  bare FastAPI upload route ({args.clients} clients): {results['floor']:,.0f} req/s,"
            f" {single_floor.cpu_ms_per_request:.2f} ms of its CPU a request"
        )
        batches = max(args.batches, args.clients)
        batch_floor = floor_rate(args.clients, batches, args.batch)
        results["floor_batch"] = batch_floor.rate
        results["floor_batch_cpu_ms_per_doc"] = batch_floor.cpu_ms_per_request / args.batch
        log(
            f"  bare FastAPI batch route ({args.clients} clients, {args.batch} files a request):"
            f" {results['floor_batch']:,.0f} docs/s,"
            f" {results['floor_batch_cpu_ms_per_doc']:.3f} ms of its CPU a document"
        )
        results["signing_ms"] = signing_ms()
        log(f"  one eth-account signature: {results['signing_ms']:.2f} ms of CPU")
    results["load_after"] = load()
    print(f"\n{results['date']}; {results['load_before']} before, {results['load_after']} after")
    print(
        "| backend | send_many 1 doc/tx | REST single | ratio | send_many batched | REST batch |"
        " ratio | check p50 / p99 | recheck p50 / p99 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for backend in ("embedded", "anvil"):
        r = results.get(backend)
        if not r:
            continue
        print(
            f"| {backend} | {r['tx_single']:,.0f} | {r['rest_single']:,.0f} | "
            f"{r['ratio_single']:.0%} | {r['tx_batched']:,.0f} | {r['rest_batch']:,.0f} | "
            f"{r['ratio_batch']:.0%} | {r['check']['p50_ms']:.1f} / {r['check']['p99_ms']:.1f} ms |"
            f" {r['recheck']['p50_ms']:.1f} / {r['recheck']['p99_ms']:.1f} ms |"
        )
    for backend in ("embedded", "anvil"):
        r = results.get(backend)
        if r and "record" in r:
            rec = r["record"]
            print(
                f"\n{backend}: GET /v1/documents/{{hash}} of the first of {args.registered:,} "
                f"back-filled documents, {rec['n']} reads: first {rec['first_ms']:.0f} ms, then "
                f"p50 {rec['p50_ms']:.0f} ms, max {rec['max_ms']:.0f} ms"
            )
    print(
        "\nThe chain's ceiling for REST single: the transaction layer driven by "
        f"{args.clients} clients, each reading once and sending one transaction at a time"
    )
    for backend in ("embedded", "anvil"):
        r = results.get(backend)
        if r:
            print(
                f"  {backend}: {r['tx_clients']:,.0f} tx/s = "
                f"{r['tx_clients'] / r['tx_single']:.0%} of send_many single; "
                f"REST single is {r['rest_single'] / r['tx_clients']:.0%} of it; "
                f"without the read {r['tx_clients_write_only']:,.0f} tx/s = "
                f"{r['tx_clients_write_only'] / r['tx_single']:.0%} of send_many single"
            )
            print(
                f"  {backend} batch: {r['tx_clients_batch']:,.0f} docs/s = "
                f"{r['tx_clients_batch'] / r['tx_batched']:.0%} of send_many batched; "
                f"REST batch is {r['rest_batch'] / r['tx_clients_batch']:.0%} of it"
            )
    for backend in ("embedded", "anvil"):
        r = results.get(backend)
        if r and "same_chain" in r:
            a = r["same_chain"]
            print(
                f"\nThe transaction layer on the chain the REST runs used ({backend}, "
                f"{args.registered:,} registered and the REST runs' documents): send_many single "
                f"{a['tx_single']:,.0f} tx/s (REST single {a['ratio_single']:.0%} of it), batched "
                f"{a['tx_batched']:,.0f} docs/s (REST batch {a['ratio_batch']:.0%} of it), "
                f"{args.clients} clients read then write {a['tx_clients']:,.0f} tx/s (REST single "
                f"{r['rest_single'] / a['tx_clients']:.0%} of it)"
            )
    for backend in ("embedded", "anvil"):
        r = results.get(backend)
        if r and "interleaved" in r:
            rounds = r["interleaved"]["rounds"]
            print(
                f"\nInterleaved on the same chain ({backend}, {len(rounds)} rounds, send_many "
                "batched then REST batch, the same documents each): "
                + "; ".join(
                    f"{x['tx_batched']:,.0f} / {x['rest_batch']:,.0f} docs/s ({x['ratio']:.0%})"
                    for x in rounds
                )
                + f"; median ratio {r['interleaved']['ratio_median']:.0%}"
            )
            if "ratio_single_median" in r["interleaved"]:
                print(
                    f"  single, the same rounds: send_many single / {args.clients} clients' "
                    "ceiling / REST single: "
                    + "; ".join(
                        f"{x['tx_single']:,.0f} / {x['tx_clients']:,.0f} / "
                        f"{x['rest_single']:,.0f} ({x['ratio_single']:.0%}, "
                        f"{x['ratio_single_clients']:.0%})"
                        + (
                            f", anvil busy {x['tx_single_chain_busy']:.0%} / "
                            f"{x['tx_clients_chain_busy']:.0%} / {x['rest_single_chain_busy']:.0%}"
                            if x["rest_single_chain_busy"] is not None
                            else ""
                        )
                        for x in rounds
                    )
                    + f"; median REST single / send_many single "
                    f"{r['interleaved']['ratio_single_median']:.0%}, / the clients' ceiling "
                    f"{r['interleaved']['ratio_single_clients_median']:.0%}"
                )
    if args.floor:
        print(
            f"\nHTTP floor (the bare web stack, {args.clients} clients): "
            f"{results['floor']:,.0f} requests/s single, {results['floor_batch']:,.0f} docs/s "
            f"in {args.batch}-file batches"
        )
        for backend in ("embedded", "anvil"):
            r = results.get(backend)
            if r:
                print(
                    f"  {backend}: floor / send_many single "
                    f"{results['floor'] / r['tx_single']:.0%}, "
                    f"REST single / floor {r['rest_single'] / results['floor']:.0%}; "
                    f"batch floor / send_many batched "
                    f"{results['floor_batch'] / r['tx_batched']:.0%}, "
                    f"REST batch / batch floor {r['rest_batch'] / results['floor_batch']:.0%}"
                )
        print_budget(results)
    if args.json:
        print(json.dumps(results, indent=2))
    with suppress(Exception):
        sys.stdout.flush()


def print_budget(results: dict[str, Any]) -> None:
    """Issue #16's goal as a CPU budget: what 80% of the transaction layer's figure leaves one
    registration, beside what a gateway cannot avoid spending on it — the transaction layer's
    own work for it (this process's CPU per transaction in the ``send_many`` runs: signing, the
    journal, JSON-RPC, and py-evm on the embedded chain) and the bare web stack's (its server's
    CPU per request, ``scripts/http_floor.py``) — and what the gateway spent (its process's CPU
    per registration in the REST runs). Two views: on one core (this gateway is one Python
    process; C code outside the interpreter lock lets it pass 100% a little), and on the
    machine's two cores shared with anvil (its CPU per transaction in the same ``send_many``
    runs), the clients' own CPU left out. The ``send_many`` figures are of a new chain: on anvil
    they fall as its chain grows (see the runs on the REST runs' chain)."""
    floor_ms = results["floor_cpu_ms"]
    per_doc = results["floor_batch_cpu_ms_per_doc"]
    cores = os.cpu_count() or 1
    print(
        "\nThe goal as a CPU budget (80% of the transaction layer's figure; milliseconds of CPU "
        "per registration)"
    )
    for backend in ("embedded", "anvil"):
        r = results.get(backend)
        if not r:
            continue
        for kind, rate, tx_ms, web_ms, node_ms, rest, busy in (
            (
                "single",
                r["tx_single"],
                r["tx_single_cpu_ms"],
                floor_ms,
                r.get("tx_single_chain_cpu_ms"),
                r["rest_single"],
                r.get("rest_single_busy", {}).get("gateway"),
            ),
            (
                "batch (a document)",
                r["tx_batched"],
                r["tx_batched_cpu_ms_per_doc"],
                per_doc,
                r.get("tx_batched_chain_cpu_ms_per_doc"),
                r["rest_batch"],
                r.get("rest_batch_busy", {}).get("gateway"),
            ),
        ):
            budget = 1000 / (0.8 * rate)
            unavoidable = tx_ms + web_ms
            spent = ""
            if busy:
                gateway_ms = 1000 * busy / rest
                spent = (
                    f"; the gateway spent {gateway_ms:.3f}, "
                    f"{gateway_ms - unavoidable:.3f} of it its own"
                )
            print(
                f"  {backend} {kind}: one core: budget {budget:.3f}; the transaction layer's "
                f"own {tx_ms:.3f} + the bare web stack's {web_ms:.3f} = {unavoidable:.3f} "
                f"({unavoidable / budget:.0%} of it), leaving {budget - unavoidable:.3f} for "
                f"reading the file, its fingerprints, its rows and its answer{spent}"
            )
            with_node = unavoidable + (node_ms or 0.0)
            print(
                f"    {cores} cores: budget {cores * budget:.3f}; with "
                + (f"anvil's {node_ms:.3f}, " if node_ms is not None else "")
                + f"{with_node:.3f} ({with_node / (cores * budget):.0%} of it), leaving "
                f"{cores * budget - with_node:.3f} (the clients' CPU not counted)"
            )


if __name__ == "__main__":
    main()
