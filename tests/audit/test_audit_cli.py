"""``tradeledger index …`` and ``tradeledger audit …`` on a fresh ledger, without a server:
each command catches the index up first. ``audit verify`` proves the index equals the chain and,
with the regulator's key at this gateway, that every financing rule holds — or names the
breach, exiting 1."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.activity import finance, h
from typer.testing import CliRunner

from ledger.cli import app
from ledger.config import Settings
from ledger.network import open_ledger
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
    regulator = next(m for m in members if m["role"] == "regulator")["address"]
    assert report["rules"]["clean"] is True
    assert report["rules"]["regulators"] == [regulator.lower()]
    code, out = run("audit", "verify", "--data-dir", data)
    assert code == 0, out
    assert "RULES HOLD: 0 financings" in out
    # the regulator as every other answer names a member: its name, its checksummed address
    named = next(m for m in members if m["role"] == "regulator")["name"]
    assert f"(0 opened by regulator {named} ({regulator})), 0 entries" in out
    assert regulator.lower() not in out
    assert "to follow up below" not in out  # nothing listed: nothing named

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

    # a bank signs around its gateway: the document financed beyond its face value
    bank = next(m for m in members if m["role"] == "bank")["address"]
    ledger = open_ledger(Settings(data_dir=data, keystore_scrypt_n=1024, chain_sync="normal"))
    try:
        doc = bytes.fromhex(registered["doc_hash"][2:])
        assert finance(ledger, bank, [(doc, 90_000, 50_000, [h("fp-cli")])], "DKK")
    finally:
        ledger.close()
    code, out = run("audit", "verify", "--data-dir", data)
    assert code == 1, out
    assert "EQUAL" in out  # the index is the chain's copy: the chain holds the breach
    assert "RULES BROKEN: 1 breaches" in out
    assert "EXCEEDS_FACE_VALUE" in out
    assert "for 900.00 DKK, beyond its face value 500.00 DKK" in out
    # a bank's API key is refused the proof (403): so is --as a bank
    code, out = run("audit", "verify", "--as", bank, "--data-dir", data)
    assert code == 1
    assert (
        "role bank may not verify the audit index against the chain (allowed: regulator, admin)"
        in out
    )

    # the registrant reads the financing of its document; the customs attestor does not
    def timeline(reader: str) -> str:
        code, out = run(
            "audit", "timeline", registered["doc_hash"], "--as", reader, "--data-dir", data
        )
        assert code == 0, out
        return out

    assert "for 900.00 DKK of its 500.00 DKK face value" in timeline(exporter)
    customs = next(m for m in members if m["role"] == "attestor")["address"]
    assert "900.00" not in timeline(customs)
    assert "registered financing 1" not in timeline(customs)
