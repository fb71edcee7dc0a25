"""Shared fixtures: a real ledger on a real (embedded, persistent) chain in a temporary dir.

Every fixture builds real parts: the embedded py-evm chain on disk, the deployed contract,
encrypted keystores (with a low scrypt cost so tests run fast), the gateway database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.config import Settings
from ledger.network import Ledger, init_network
from ledger.services import members as member_svc
from ledger.services.roles import Role

#: the EN 16931 sample invoices shipped beside the repository (../shared/corpus/einvoices)
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "einvoices"


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

    def by_role(self) -> dict[str, Participant]:
        return {
            "admin": self.admin,
            "bank": self.bank,
            "enterprise": self.enterprise,
            "regulator": self.regulator,
            "attestor": self.attestor,
        }


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "ledger")


@pytest.fixture
def network(settings: Settings) -> Iterator[Network]:
    """A fresh network on the embedded chain with a member of each role (and a second bank)."""
    ledger, admin_key = init_network(settings, "Test admin")
    admin = Participant("Test admin", Role.ADMIN, ledger.manifest.admin_address, admin_key)

    def add(name: str, role: Role) -> Participant:
        new = member_svc.add_member(ledger, admin.address, name, role)
        return Participant(name, role, new.member.address, new.api_key)

    net = Network(
        ledger=ledger,
        admin=admin,
        bank=add("Bank A", Role.BANK),
        bank_b=add("Bank B", Role.BANK),
        enterprise=add("Exporter", Role.ENTERPRISE),
        regulator=add("Regulator", Role.REGULATOR),
        attestor=add("Customs", Role.ATTESTOR),
    )
    try:
        yield net
    finally:
        ledger.close()
