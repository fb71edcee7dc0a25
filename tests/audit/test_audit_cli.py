"""``tradeledger index …`` and ``tradeledger audit …`` on a fresh ledger, without a server:
each command catches the index up first."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ledger.cli import app
from ledger.services import audit

ENV = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=ENV)
    return result.exit_code, result.output


def test_index_and_audit_commands(tmp_path: Path) -> None:
    data = str(tmp_path / "ledger")
    code, out = run("init", "--demo", "--data-dir", data, "--json")
    assert code == 0, out
    members = json.loads(out)["members"]
    exporter = next(m for m in members if m["role"] == "enterprise")["address"]
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(b"%PDF-1.7 an invoice for the audit")
    code, out = run(
        "doc",
        "register",
        str(invoice),
        "--as",
        exporter,
        "--type",
        "invoice",
        "--data-dir",
        data,
        "--json",
    )
    assert code == 0, out
    registered = json.loads(out)

    code, out = run("audit", "timeline", registered["doc_hash"], "--data-dir", data, "--json")
    assert code == 0, out
    [event] = json.loads(out)["items"]  # the API's page shape
    assert event["event"] == "DocumentRegistered"
    assert event["tx_hash"] == registered["tx_hash"]
    assert event["block_number"] == registered["block"]

    code, out = run("index", "status", "--data-dir", data, "--json")
    status = json.loads(out)
    assert status["lag"] == 0
    assert status["events"] >= 5

    code, out = run("audit", "verify", "--data-dir", data, "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["equal"] is True
    assert report["index_counts"]["DocumentRegistered"] == 1

    target = tmp_path / "events.csv"
    code, out = run(
        "audit",
        "export",
        "--format",
        "csv",
        "--out",
        str(target),
        "--since",
        "2000-01-01T00:00:00Z",
        "--data-dir",
        data,
    )
    assert code == 0, out
    lines = target.read_text().splitlines()
    assert lines[0] == ",".join(audit.CSV_COLUMNS)  # one column per decoded field
    assert len(lines) == status["events"] + 1

    code, out = run("audit", "refusals", "--data-dir", data, "--json")
    assert code == 0
    assert json.loads(out)["items"] == []

    code, out = run("index", "rebuild", "--data-dir", data, "--json")
    assert code == 0, out
    assert json.loads(out)["written"] == status["events"]

    code, out = run("audit", "export", "--format", "xml", "--out", str(target), "--data-dir", data)
    assert code == 2
    assert "format" in out
