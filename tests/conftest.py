"""Shared fixtures: a real ledger on a real chain — embedded py-evm or anvil — in a temp dir.

Every fixture builds real parts: the chain (the embedded py-evm chain on disk, or an anvil
process), the deployed contract, encrypted keystores (with a low scrypt cost so tests run fast),
the gateway database.

Backends
    ``settings`` and ``network`` (and everything built on them) run on the backend chosen with
    ``--backend`` (or ``TRADELEDGER_TEST_BACKEND``): ``embedded`` (default), ``anvil``, or
    ``all`` (each such test once per backend, ids ``[embedded]`` / ``[anvil]``). Every test that
    depends on the backend carries the ``backend`` mark, so CI runs the ledger suite again on
    anvil with ``TRADELEDGER_TEST_BACKEND=anvil pytest -m "not slow and backend"``. Tests marked
    ``@pytest.mark.both_backends`` run on both in the default run; anvil-backed params carry
    ``@pytest.mark.anvil`` (deselect with ``-m 'not anvil'``) and are skipped when the anvil
    binary is not installed. ``@pytest.mark.embedded_only("why")`` skips a test's anvil param
    (for features of the embedded chain itself). One anvil process serves the session
    (127.0.0.1, a free port, killed at teardown); every test deploys its own contract on it,
    funded from anvil's first dev account (``funding_key_file``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ledger.config import Settings
from ledger.network import Ledger, init_network
from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.anvil_strands import StrandWatch
from tests.evaluator_harness import SessionEvaluator

#: the EN 16931 sample invoices kept in the repository (tests/data/einvoices, EUPL v1.2)
CORPUS = Path(__file__).resolve().parent / "data" / "einvoices"
ROOT = Path(__file__).resolve().parents[1]
ANVIL = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
#: anvil's first dev account (public, well-known test key)
ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
BACKENDS = ("embedded", "anvil")
#: the figures a run measured, and the scan for secrets it left behind (docs/security.md)
pytest_plugins = ("tests.figures", "tests.secrets_scan")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("embedded", "anvil", "all"),
        default=os.environ.get("TRADELEDGER_TEST_BACKEND", "embedded"),
        help="chain backend of the settings/network fixtures (env TRADELEDGER_TEST_BACKEND)",
    )


#: the session's fingerprint evaluator (tests/evaluator_harness.py), started at configure time
EVALUATOR: SessionEvaluator | None = None
_ledger_init = Ledger.__init__


def _registering_init(self: Ledger, *args: object, **kwargs: object) -> None:
    """Ledger.__init__, then the session evaluator may read this consortium's ``memberOf``
    (the ledger holds no evaluator key: it only lends its contract handle for reads)."""
    _ledger_init(self, *args, **kwargs)  # type: ignore[arg-type]
    if EVALUATOR is not None:
        EVALUATOR.register(self.contract, self.settings.data_dir)


def pytest_configure(config: pytest.Config) -> None:
    global EVALUATOR
    # one evaluator per process that runs tests: each pytest-xdist worker its own (its ledgers
    # register their contracts with it), none in the controller, which only hands out tests
    distributing = not hasattr(config, "workerinput") and bool(
        getattr(config.option, "numprocesses", None)
    )
    if EVALUATOR is None and not distributing:
        EVALUATOR = SessionEvaluator()
        os.environ["TRADELEDGER_EVALUATOR_URL"] = EVALUATOR.url
        Ledger.__init__ = _registering_init  # type: ignore[method-assign]
    config.addinivalue_line(
        "markers",
        "both_backends: run on the embedded chain and on anvil in the default run "
        "(on the chosen backend only with --backend anvil)",
    )
    config.addinivalue_line(
        "markers", "backend: set on every test that runs on a chain backend (select with -m)"
    )
    config.addinivalue_line(
        "markers",
        "embedded_only(reason): a backend test that only makes sense on the embedded chain",
    )


@pytest.fixture(scope="session")
def session_evaluator() -> SessionEvaluator:
    """The session's fingerprint evaluator (the one every test network's key on chain is)."""
    assert EVALUATOR is not None
    return EVALUATOR


def pytest_unconfigure(config: pytest.Config) -> None:
    if EVALUATOR is not None:
        EVALUATOR.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "backend" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.backend)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    chosen = metafunc.config.getoption("--backend")
    both = metafunc.definition.get_closest_marker("both_backends") is not None
    if chosen == "all" or (both and chosen == "embedded"):
        names: tuple[str, ...] = BACKENDS
    else:
        names = (chosen,)
    only = metafunc.definition.get_closest_marker("embedded_only")

    def marks(name: str) -> list[pytest.MarkDecorator]:
        if name != "anvil":
            return []
        if only is not None:
            reason = only.args[0] if only.args else "embedded chain only"
            return [pytest.mark.anvil, pytest.mark.skip(reason=reason)]
        return [pytest.mark.anvil]

    metafunc.parametrize(
        "backend",
        [pytest.param(name, marks=marks(name), id=name) for name in names],
        scope="function",
    )


# -- anvil --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gateway(data_dir: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Run `tradeledger serve` on 127.0.0.1:``port`` in a subprocess; wait (bounded) until
    /health answers."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ledger.cli",
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not become healthy within 60 s")


def rpc_call(url: str, method: str, params: list[object] | None = None) -> object:
    """One JSON-RPC call with the standard library (fixtures and test helpers)."""
    body = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}
    ).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


@dataclass
class AnvilNode:
    """A running anvil process on 127.0.0.1."""

    url: str
    process: subprocess.Popen[bytes]
    #: the HOME anvil runs with: the states it writes to disk (``.foundry/anvil/tmp``, about a
    #: gigabyte per run of the suite) go there, and are removed with it
    home: Path | None = None
    #: mines what automine left in the pool (:mod:`tests.anvil_strands`)
    watch: StrandWatch | None = None

    def rpc(self, method: str, params: list[object] | None = None) -> object:
        return rpc_call(self.url, method, params)

    def stop(self) -> None:
        """Stop anvil and remove the states it wrote to disk (anvil leaves them behind, stopped
        or killed: 77 GB of them filled this machine's disk over a few sessions)."""
        self.process.kill()  # first: a watch that fails to stop leaves no anvil behind
        if self.watch is not None:
            self.watch.stop()
        self.process.wait(timeout=10)
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)


#: anvil's automine seals one block per arriving request with whatever fits its gas limit and
#: leaves the rest pending until the next request; a limit well above one batch of our writes
#: (30 x 3.2M gas) keeps a burst from being stranded in the pool (and a :class:`StrandWatch`
#: mines what its miner leaves there anyway)
ANVIL_GAS_LIMIT = "300000000"


def start_anvil(
    *extra: str, startup_timeout: float = 20.0, gas_limit: str = ANVIL_GAS_LIMIT
) -> AnvilNode:
    """Start anvil on a free loopback port and wait (bounded) until it answers; a
    :class:`~tests.anvil_strands.StrandWatch` looks at its pool until :meth:`AnvilNode.stop`."""
    if not ANVIL.exists():
        pytest.skip("anvil not installed (npm ci installs @foundry-rs/anvil-linux-amd64)")
    port = free_port()
    home = Path(tempfile.mkdtemp(prefix="tl-anvil-home-"))
    process = subprocess.Popen(
        [
            str(ANVIL),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--gas-limit",
            gas_limit,
            "--balance",
            "100000000000",
            "--silent",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(home)},
    )
    node = AnvilNode(f"http://127.0.0.1:{port}", process, home)
    deadline = time.monotonic() + startup_timeout
    while True:
        try:
            node.rpc("eth_chainId")
            node.watch = StrandWatch(node.rpc).start()
            return node
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                node.stop()
                raise RuntimeError("anvil did not start") from None
            time.sleep(0.05)


@pytest.fixture(scope="session")
def anvil_node() -> Iterator[AnvilNode]:
    """One anvil for the session (each test deploys its own contract on it)."""
    node = start_anvil()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def anvil_funding_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("funding") / "anvil0.key"
    path.write_text(ANVIL_KEY)
    return path


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test ledger in ``data_dir`` (embedded chain, fast keystores)."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "keystore_scrypt_n": 2**10,
        "chain_sync": "normal",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class Participant:
    name: str
    role: Role
    address: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@dataclass
class Network:
    """A ledger with one participant of each role, as the tests use it."""

    ledger: Ledger
    admin: Participant
    bank: Participant
    bank_b: Participant
    enterprise: Participant
    regulator: Participant
    attestor: Participant
    #: "embedded" or "anvil"
    backend: str = "embedded"

    def by_role(self) -> dict[str, Participant]:
        return {
            "admin": self.admin,
            "bank": self.bank,
            "enterprise": self.enterprise,
            "regulator": self.regulator,
            "attestor": self.attestor,
        }


@pytest.fixture
def settings(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Settings:
    """Settings of a new ledger on the chosen backend (see the module docstring)."""
    if backend == "anvil":
        node: AnvilNode = request.getfixturevalue("anvil_node")
        key_file: Path = request.getfixturevalue("anvil_funding_key_file")
        return make_settings(tmp_path / "ledger", chain_url=node.url, funding_key_file=key_file)
    return make_settings(tmp_path / "ledger")


#: the seller's VAT id in the sample invoices (ledger/demo_data/invoice-ubl.xml, -cii.xml):
#: the legal id of the network's enterprise, which registers them as their seller
SAMPLE_SELLER_VAT = "DK13585628"


def build_network(ledger: Ledger, admin_key: str, backend: str = "embedded") -> Network:
    """One participant of each role (and a second bank) on a freshly initialised ledger."""
    admin = Participant("Test admin", Role.ADMIN, ledger.manifest.admin_address, admin_key)

    def add(name: str, role: Role, legal_id: str = "") -> Participant:
        new = member_svc.add_member(ledger, admin.address, name, role, legal_id)
        return Participant(name, role, new.member.address, new.api_key)

    return Network(
        ledger=ledger,
        admin=admin,
        bank=add("Bank A", Role.BANK),
        bank_b=add("Bank B", Role.BANK),
        # the seller of the sample invoices (ledger/demo_data: VAT DK13585628): a bank's terms
        # on an invoice it registered are sealed to it (docs/privacy.md)
        enterprise=add("Exporter", Role.ENTERPRISE, SAMPLE_SELLER_VAT),
        regulator=add("Regulator", Role.REGULATOR),
        attestor=add("Customs", Role.ATTESTOR),
        backend=backend,
    )


@pytest.fixture
def network(settings: Settings, backend: str) -> Iterator[Network]:
    """A fresh network on the chosen backend with a member of each role (and a second bank)."""
    ledger, admin_key = init_network(settings, "Test admin")
    try:
        net = build_network(ledger, admin_key, backend)
    except BaseException:
        ledger.close()
        raise
    try:
        yield net
    finally:
        ledger.close()
