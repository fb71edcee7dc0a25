"""Fixtures shared by tests/indexer and tests/audit (imported by their conftest files)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from indexer.activity import Story, run_story
from pg import INSTALL_HINT, PgServer, find_bin

from ledger.indexer import EventIndex
from ledger.network import Ledger, init_network, signer_from_key
from tests.conftest import (
    ANVIL_KEY,
    Network,
    build_network,
    make_settings,
    rpc_call,
    start_anvil,
)

__all__ = ["Network", "Storied", "new_index", "rpc", "sqlite_url"]


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


rpc = rpc_call


@pytest.fixture
def anvil_url() -> Iterator[str]:
    """A fresh anvil of its own (reorg tests rewrite its history), killed at teardown."""
    node = start_anvil()
    try:
        yield node.url
    finally:
        node.stop()


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
