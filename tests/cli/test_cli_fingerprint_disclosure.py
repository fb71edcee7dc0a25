"""The CLI follows the API's rule on fingerprints (docs/privacy.md): ``doc check --as`` and
``doc receive --as`` show a member what its API key would see, each evaluation is logged and
counted towards its limit, ``tradeledger audit fingerprint-checks`` reads the log, and a member
not active on chain evaluates nothing.

Real CLI (Typer's runner) on a real embedded chain: the exporter registers the EN 16931 UBL
invoice and Demo Bank A finances it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from ledger.cli import app
from tests.cli.cli_helpers import FAST, Cli, Result

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
HELD = 3
UNKNOWN = 4


@dataclass
class World:
    cli: Cli
    invoice: Path
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    financing_id: int = 0
    fingerprints: list[str] = field(default_factory=list)

    def address(self, who: str) -> str:
        return str(self.members[who]["address"])

    def check(self, *args: str, code: int = 0, **env: str) -> Result:
        """``doc check`` with extra settings in the environment."""
        result = self.cli.runner.invoke(
            app,
            ["doc", "check", str(self.invoice), *args, "--data-dir", str(self.cli.data_dir)],
            env={**FAST, **env},
        )
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return Result(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("disclosure")
    cli = Cli(tmp / "ledger")
    invoice = tmp / "invoice.xml"
    invoice.write_bytes(UBL)
    w = World(cli, invoice)
    for member in cli.json("init", "--demo")["members"]:
        w.members[member["name"]] = member
    w.members["Prober"] = cli.json("member", "add", "Prober", "--role", "enterprise")
    w.members["Other"] = cli.json("member", "add", "Other", "--role", "enterprise")
    doc = cli.json("doc", "register", str(invoice), "--as", w.address("Demo Exporter"))
    assert doc["fingerprints"] is None  # an enterprise's registration withholds them
    bank = w.address("Demo Bank A")
    lodged = cli.json("doc", "receive", str(invoice), "--as", bank)
    w.fingerprints = [f["value"] for f in lodged["fingerprints"]]
    w.financing_id = cli.json(
        "finance", "create", "--as", bank, "--doc", f"{doc['doc_hash']}=374000",
        "--currency", "DKK", "--maturity", "2099-12-31", "--reference", "A-42",
    )["financing_id"]  # fmt: skip
    return w


def test_check_as_a_member_shows_what_its_key_would(world: World) -> None:
    w = world
    # a bank: fingerprints and the financing holding them (exit 3: held)
    bank = w.cli.json("doc", "check", str(w.invoice), "--as", w.address("Demo Bank A"), code=HELD)
    assert {f["value"] for f in bank["fingerprints"]} == set(w.fingerprints)
    assert bank["held_by"][0]["financing_id"] == w.financing_id
    # the exporter registered it: financed, yes; fingerprints, no (and no exit 3)
    exporter = w.address("Demo Exporter")
    own = w.cli.json("doc", "check", str(w.invoice), "--as", exporter)
    assert (own["fingerprints"], own["held_by"], own["conflicting_financings"]) == (
        None,
        None,
        None,
    )
    assert own["registration"]["is_financed"] is True
    text = w.cli.run("doc", "check", str(w.invoice), "--as", exporter).stdout
    assert "fingerprints: not shown to role enterprise (banks and regulators only)" in text
    assert "financed: yes" in text
    assert "HELD" not in text
    # an attestor, another enterprise: nothing about the financing, no fingerprint
    for who in ("Demo Customs", "Other"):
        out = w.cli.run("doc", "check", str(w.invoice), "--as", w.address(who))
        assert not any(f[2:] in out.stdout.lower() for f in w.fingerprints), who
        assert "financed" not in out.stdout, who
        assert (
            w.cli.json("doc", "check", str(w.invoice), "--as", w.address(who))["registration"][
                "is_financed"
            ]
            is None
        )
    # without --as: the operator of the data directory, as a regulator: it has no fingerprints
    # evaluated (issue #18) but is given the ones bank A's gateway stored with its copy
    operator = w.cli.json("doc", "check", str(w.invoice), code=HELD)
    assert operator["held_by"][0]["financing_id"] == w.financing_id


def test_the_log_of_evaluations_and_the_limit(world: World) -> None:
    w = world
    prober = w.address("Prober")
    limit = {"TRADELEDGER_FINGERPRINT_CHECK_LIMIT": "2"}
    w.check("--as", prober, **limit)
    w.check("--as", prober, **limit)
    refused = w.check("--as", prober, code=1, **limit)
    assert "the limit is 2 per 60 s" in refused.stderr
    # the operator (no --as) is not a participant: never limited
    w.check(code=HELD, **limit)

    log = w.cli.json("audit", "fingerprint-checks", "--participant", prober)
    outcomes = [(i["action"], i["endpoint"], i["outcome"]) for i in log["items"]]
    assert outcomes[-3:] == [
        ("check", "tradeledger doc check", "ok"),
        ("check", "tradeledger doc check", "ok"),
        ("check", "tradeledger doc check", "rate_limited"),
    ]
    assert all(i["participant_name"] == "Prober" for i in log["items"])
    # an enterprise has no fingerprints evaluated (issue #18): its check looks up no lock
    assert log["items"][-2]["matched"] == 0
    everyone = w.cli.json("audit", "fingerprint-checks")["items"]
    assert {"register", "receive", "check"} <= {i["action"] for i in everyone}
    text = w.cli.run("audit", "fingerprint-checks", "--participant", prober).stdout
    assert "rate_limited" in text
    assert "Prober (" in text
    bad = w.cli.run("audit", "fingerprint-checks", "--since", "yesterday", code=2)
    assert "since" in bad.stderr


def test_a_suspended_member_evaluates_nothing(world: World) -> None:
    w = world
    attestor = w.address("Demo Customs")
    w.cli.run("member", "suspend", attestor)
    refused = w.cli.run("doc", "check", str(w.invoice), "--as", attestor, code=1)
    assert "may only read its own history" in refused.stderr
    receive = w.cli.run("doc", "receive", str(w.invoice), "--as", attestor, code=1)
    assert "suspended" in receive.stderr
    # said of what it asked, not of evaluations an attestor never makes
    assert "may not lodge files:" in receive.stderr, receive.stderr
    assert "evaluat" not in receive.stderr
    w.cli.run("member", "reinstate", attestor)
    w.cli.run("doc", "check", str(w.invoice), "--as", attestor)


def test_the_holders_unknown_note_says_what_the_role_can_do(world: World) -> None:
    """A file no bank lodged here: the operator (a regulator's view) is told no bank lodged a
    copy and how to find the financings by the document's hash; an attestor what is true for
    it — never "evaluated for banks only", as if it were a fault or a bank's to answer."""
    w = world
    unlodged = w.invoice.with_name("unlodged.xml")
    unlodged.write_bytes(UBL.replace(b"TOSL110", b"TOSL-UNLODGED"))
    # exit 4: whether a financing holds it is not known to this regulator
    doc_hash = w.cli.json("doc", "check", str(unlodged), code=UNKNOWN)["doc_hash"]
    operator = w.cli.run("doc", "check", str(unlodged), code=UNKNOWN).stdout
    [note] = [line for line in operator.splitlines() if "note (holders_unknown)" in line]
    assert "no bank lodged a copy of this document at this gateway" in note, operator
    assert f"tradeledger audit timeline {doc_hash}" in note
    assert f"GET /v1/audit/financeable?doc_hash={doc_hash}" in note
    attestor = w.cli.run("doc", "check", str(unlodged), "--as", w.address("Demo Customs")).stdout
    [note] = [line for line in attestor.splitlines() if "note (holders_unknown)" in line]
    assert "shown to banks and regulators only" in note, attestor
    for text in (operator, attestor):
        assert "evaluated for banks only" not in text
    w.cli.run("audit", "timeline", doc_hash)
