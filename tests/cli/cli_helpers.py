"""A CLI runner and a small double-financing story on a real embedded chain, for the tests that
read what people see (tests/cli/test_cli_error_words.py, tests/audit/test_audit_words.py).

The story, all through ``tradeledger`` commands: the demo members and a second bank; the exporter
registers the EN 16931 UBL invoice (4,675.00 DKK); Demo Bank A finances 3,740.00 DKK of it
(reference A-42) and draws 520.00 DKK; Bank B is refused twice — the same invoice as CII
(``FINGERPRINT_PLEDGED``), and 1,000.00 DKK more on the UBL file (``EXCEEDS_FACE_VALUE``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from ledger.cli import app
from ledger.network import init_network, open_ledger
from tests.conftest import build_network, make_settings

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
CII = resources.files("ledger.demo_data").joinpath("invoice-cii.xml").read_bytes()
FAST = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}
#: a raw revert as Python prints it: ``RoleNotAllowed(account=…`` (never shown to people)
RAW_REPR = re.compile(r"\b[A-Z][A-Za-z]+\([a-zA-Z_]+=")
ISO_UTC = re.compile(r"\b20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ\b")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Cli:
    """``tradeledger … --data-dir DIR`` in this process (Typer's runner), stdout and stderr
    apart."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.runner = CliRunner()

    def run(self, *args: str, code: int = 0) -> Result:
        result = self.runner.invoke(app, [*args, "--data-dir", str(self.data_dir)], env=FAST)
        got = Result(result.exit_code, result.stdout, result.stderr)
        assert got.code == code, (args, got.output, result.exception)
        assert "Traceback" not in got.output
        return got

    def json(self, *args: str, code: int = 0) -> Any:
        return json.loads(self.run(*args, "--json", code=code).stdout)

    def finance(self, bank: str, doc_hash: str, amount: int = 100_000, *extra: str) -> int:
        """``finance create --as BANK --doc HASH=AMOUNT`` in DKK, maturing 2099-12-31 (and
        ``extra`` options): the new financing's id."""
        made = self.json(
            "finance",
            "create",
            "--as",
            bank,
            "--doc",
            f"{doc_hash}={amount}",
            "--currency",
            "DKK",
            "--maturity",
            "2099-12-31",
            *extra,
        )
        return int(made["financing_id"])


@dataclass
class Story:
    cli: Cli
    tmp: Path
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    ubl_hash: str = ""
    cii_hash: str = ""
    financing_id: int = 0
    #: the CLI's --json body of Bank B's refusal for the CII file
    refused_cii: dict[str, Any] = field(default_factory=dict)

    def address(self, who: str) -> str:
        return str(self.members[who]["address"])

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.members[who]['api_key']}"}

    def api(self) -> AbstractContextManager[TestClient]:
        """The gateway app over the story's ledger (the CLI must not run meanwhile)."""
        return served_api(self.cli)


@contextmanager
def served_api(cli: Cli) -> Iterator[TestClient]:
    """The gateway app over ``cli``'s ledger, for the ``with`` block (the CLI must not run
    meanwhile: the app holds the embedded chain)."""
    ledger = open_ledger(make_settings(cli.data_dir))
    try:
        with TestClient(create_app(ledger.settings, ledger)) as client:
            yield client
    finally:
        ledger.close()


def build_story(tmp: Path) -> Story:
    cli = Cli(tmp / "ledger")
    story = Story(cli, tmp)
    created = cli.json("init", "--demo")
    for member in created["members"]:
        story.members[member["name"]] = member
    story.members["admin"] = created["admin"]
    story.members["Bank B"] = cli.json("member", "add", "Bank B", "--role", "bank")
    bank_a, bank_b = story.address("Demo Bank A"), story.address("Bank B")
    ubl, cii = tmp / "invoice.xml", tmp / "invoice-cii.xml"
    ubl.write_bytes(UBL)
    cii.write_bytes(CII)

    registered = cli.json("doc", "register", str(ubl), "--as", story.address("Demo Exporter"))
    story.ubl_hash = registered["doc_hash"]
    cli.json("doc", "receive", str(ubl), "--as", bank_a)
    financing = cli.json(
        "finance",
        "create",
        "--as",
        bank_a,
        "--doc",
        f"{story.ubl_hash}=374000",
        "--currency",
        "DKK",
        "--maturity",
        "2099-12-31",
        "--reference",
        "A-42",
    )
    story.financing_id = financing["financing_id"]
    cli.json("finance", "drawdown", str(story.financing_id), "52000", "--as", bank_a)

    story.cii_hash = cli.json("doc", "receive", str(cii), "--as", bank_b)["doc_hash"]
    story.refused_cii = cli.json(
        "finance",
        "create",
        "--as",
        bank_b,
        "--doc",
        f"{story.cii_hash}=100000",
        "--currency",
        "DKK",
        "--maturity",
        "2099-12-31",
        "--reference",
        "B-77",
        code=4,
    )
    cli.json("doc", "receive", str(ubl), "--as", bank_b)
    cli.json(
        "finance",
        "create",
        "--as",
        bank_b,
        "--doc",
        f"{story.ubl_hash}=100000",
        "--currency",
        "DKK",
        "--maturity",
        "2099-12-31",
        "--reference",
        "B-78",
        code=4,
    )
    return story


def ledger_with_members(data_dir: Path) -> dict[str, str]:
    """A ledger made at ``data_dir`` on the embedded chain with one member of each role and a
    second bank (``tests.conftest.build_network``), closed again for the CLI to open: the
    members' addresses by role (``bank``, ``bank_b``, ``enterprise`` — the sample invoices'
    seller —, ``regulator``, ``attestor``)."""
    ledger, admin_key = init_network(make_settings(data_dir), "Test admin")
    try:
        net = build_network(ledger, admin_key, "embedded")
        return {
            "bank": net.bank.address,
            "bank_b": net.bank_b.address,
            "enterprise": net.enterprise.address,
            "regulator": net.regulator.address,
            "attestor": net.attestor.address,
        }
    finally:
        ledger.close()
