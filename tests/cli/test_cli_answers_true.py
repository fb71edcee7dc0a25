"""What ``tradeledger`` tells a reader is true and does not contradict itself: the CLI twins of
the API tests of the same faults (each test names its twin). On the embedded chain (the CLI's
own ledger)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.cli_helpers import UBL, Cli

FINANCE = ("--currency", "DKK", "--maturity", "2099-12-31", "--reference", "T-1")


def _lodged(tmp_path: Path) -> tuple[Cli, dict[str, str], Path, str]:
    """The demo ledger with the sample invoice registered by the exporter and lodged by bank A:
    (the CLI, the members by name, the file, its hash)."""
    cli = Cli(tmp_path / "ledger")
    names = {m["name"]: m["address"] for m in cli.json("init", "--demo")["members"]}
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(UBL)
    doc_hash = cli.json("doc", "register", str(invoice), "--as", names["Demo Exporter"])["doc_hash"]
    cli.json("doc", "receive", str(invoice), "--as", names["Demo Bank A"])
    return cli, names, invoice, doc_hash


def test_doc_show_lists_the_registration_its_held_copy_says_it_has(tmp_path: Path) -> None:
    """A tryout read ``registered: true`` beside ``tried: []`` and ``registrations: []``
    (tests/api/test_registered_with_its_registration.py)."""
    cli, names, _, doc_hash = _lodged(tmp_path)
    for who in (names["Demo Exporter"], names["Demo Bank A"]):
        held = cli.json("doc", "show", doc_hash, "--as", who)["held"]
        assert held["registered"] is True
        assert [(r["doc_hash"], r["earliest"]) for r in held["registrations"]] == [
            (doc_hash, True)
        ], held["registrations"]
        assert held["tried"] == [{"form": "file_bytes", "doc_hash": doc_hash, "registered": True}]
