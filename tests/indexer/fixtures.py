"""Fixtures shared by tests/indexer and tests/audit (imported by their conftest files)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from indexer.activity import Story, run_story
from pg import INSTALL_HINT, PgServer, find_bin

from ledger.config import Settings
from ledger.indexer import EventIndex
from ledger.network import Ledger, init_network, signer_from_key
from ledger.services import members as member_svc
from ledger.services.roles import Role

ROOT = Path(__file__).resolve().parents[2]
ANVIL = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
#: anvil's first dev account (public, well-known test key)
ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test ledger (embedded chain, fast keystores), like tests/conftest.py."""
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
    """One member of each role (and a second bank), as in tests/conftest.py."""

    ledger: Ledger
    admin: Participant
    bank: Participant
    bank_b: Participant
    enterprise: Participant
    regulator: Participant
    attestor: Participant


def build_network(ledger: Ledger, admin_key: str) -> Network:
    admin = Participant("Test admin", Role.ADMIN, ledger.manifest.admin_address, admin_key)

    def add(name: str, role: Role) -> Participant:
        new = member_svc.add_member(ledger, admin.address, name, role)
        return Participant(name, role, new.member.address, new.api_key)

    return Network(
        ledger=ledger,
        admin=admin,
        bank=add("Bank A", Role.BANK),
        bank_b=add("Bank B", Role.BANK),
        enterprise=add("Exporter", Role.ENTERPRISE),
        regulator=add("Regulator", Role.REGULATOR),
        attestor=add("Customs", Role.ATTESTOR),
    )


@dataclass
class Storied:
    """A network on the embedded chain where one of every event happened."""

    net: Network
    story: Story

    @property
    def ledger(self) -> Ledger:
        return self.net.ledger


@pytest.fixture(scope="session")
def storied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Storied]:
    """Built once per session: tests that only read the chain share it."""
    settings = make_settings(tmp_path_factory.mktemp("storied") / "ledger")
    ledger, admin_key = init_network(settings, "Test admin")
    try:
        net = build_network(ledger, admin_key)
        yield Storied(net, run_story(ledger, net))
    finally:
        ledger.close()


# -- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bin_dir = find_bin()
    if bin_dir is None:
        pytest.skip(f"PostgreSQL binaries not found (install: {INSTALL_HINT})")
    server = PgServer(bin_dir).start()
    try:
        yield server
    finally:
        server.stop()


# -- anvil ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rpc(url: str, method: str, params: list[object]) -> object:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


@pytest.fixture
def anvil_url() -> Iterator[str]:
    """A fresh anvil on 127.0.0.1 (a free port), killed at teardown."""
    if not ANVIL.exists():
        pytest.skip("anvil not installed (npm ci installs @foundry-rs/anvil-linux-amd64)")
    port = _free_port()
    process = subprocess.Popen(
        [
            str(ANVIL),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--balance",
            "10000000",
            "--silent",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                rpc(url, "eth_chainId", [])
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("anvil did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def anvil_network(anvil_url: str, tmp_path: Path) -> Iterator[Network]:
    """A network deployed on anvil, with a member of each role."""
    settings = make_settings(tmp_path / "ledger", chain_url=anvil_url)
    ledger, admin_key = init_network(settings, "Test admin", funding=signer_from_key(ANVIL_KEY))
    try:
        yield build_network(ledger, admin_key)
    finally:
        ledger.close()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def new_index(ledger: Ledger, url: str, block_range: int = 4) -> EventIndex:
    return EventIndex.for_ledger(ledger, url, block_range)
