"""The ``tradeledger`` CLI on a real embedded chain (Typer's CliRunner, one process)."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledger.cli import app

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
CII = resources.files("ledger.demo_data").joinpath("invoice-cii.xml").read_bytes()
FAST = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}


class Cli:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.runner = CliRunner()

    def run(self, *args: str, code: int = 0, stdout_only: bool = False) -> str:
        result = self.runner.invoke(app, [*args, "--data-dir", str(self.data_dir)], env=FAST)
        assert result.exit_code == code, (args, result.output, result.exception)
        assert "Traceback" not in result.output
        return result.stdout if stdout_only else result.output

    def json(self, *args: str, code: int = 0) -> Any:
        return json.loads(self.run(*args, "--json", code=code, stdout_only=True))


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    runner = Cli(tmp_path / "ledger")
    runner.json("init", "--demo")
    return runner


def test_people_and_scripts_finance_an_invoice_once(cli: Cli, tmp_path: Path) -> None:
    members = cli.json("member", "list")["items"]
    by_role = {m["role"]: m["address"] for m in members}
    bank = by_role["bank"]
    exporter = by_role["enterprise"]
    table = cli.run("member", "list")
    assert table.splitlines()[0].split() == ["ID", "ROLE", "STATUS", "ADDRESS", "NAME"]
    bank_b = cli.json("member", "add", "Bank B", "--role", "bank")["address"]

    ubl, cii = tmp_path / "invoice.xml", tmp_path / "invoice-cii.xml"
    ubl.write_bytes(UBL)
    cii.write_bytes(CII)
    registered = cli.json("doc", "register", str(ubl), "--as", exporter)
    assert registered["doc_type"] == "invoice"
    assert registered["status"] == "active"  # the document this command just registered
    assert registered["registered_by"] == exporter
    assert "REGISTERED" in cli.run("doc", "verify", str(ubl))

    cli.json("doc", "receive", str(ubl), "--as", bank)
    created = cli.json(
        "finance",
        "create",
        "--as",
        bank,
        "--doc",
        f"{registered['doc_hash']}=374000",
        "--currency",
        "DKK",
        "--maturity",
        "2099-12-31",
        "--reference",
        "A-1",
    )
    fid = created["financing_id"]
    assert created["documents"][0]["face_value"] == 467_500

    checked = cli.json("doc", "check", str(cii), code=3)
    assert checked["conflicting_financings"] == [fid]
    assert checked["matches"][0]["grade"] == "same_document"
    assert "HELD by active financing" in cli.run("doc", "check", str(cii), code=3)
    cli.json("doc", "receive", str(cii), "--as", bank_b)
    refused = cli.json(
        "finance",
        "create",
        "--as",
        bank_b,
        "--doc",
        f"{checked['doc_hash']}=1000",
        "--currency",
        "DKK",
        "--maturity",
        "2099-12-31",
        code=4,
    )
    assert refused["error"] == "financing_refused"  # the API's 409 body
    assert refused["details"]["reason"] == "FINGERPRINT_PLEDGED"
    assert refused["details"]["conflicting_financing_id"] == fid

    assert cli.json("finance", "drawdown", str(fid), "374000", "--as", bank)["drawn"] == 374_000
    assert cli.json("finance", "repay", str(fid), "374000", "--as", bank)["outstanding"] == 0
    assert cli.json("finance", "close", str(fid), "--as", bank)["status"] == "closed"
    # people read the bank by name, as the audit lines name members; scripts get its address
    bank_named = f"{next(m['name'] for m in members if m['address'] == bank)} ({bank})"
    shown = cli.run("finance", "show", str(fid), stdout_only=True)
    assert "closed" in shown
    assert f"by bank {bank_named}, registered " in shown
    assert cli.json("finance", "show", str(fid))["bank"] == bank
    listed = cli.json("finance", "list", "--status", "closed")
    assert [f["financing_id"] for f in listed["items"]] == [fid]
    assert listed["items"][0]["bank"] == bank
    lines = cli.run("finance", "list", stdout_only=True).splitlines()
    assert lines[0].startswith("ID")
    assert lines[2].split(None, 2)[2].startswith(f"{bank_named}  ")
    other_bank = cli.run("finance", "drawdown", str(fid), "1", "--as", bank_b, code=1)
    assert f"is not the bank of financing {fid}" in other_bank


def test_import_a_folder_with_progress(cli: Cli, tmp_path: Path) -> None:
    exporter = next(
        m["address"] for m in cli.json("member", "list")["items"] if m["role"] == "enterprise"
    )
    folder = tmp_path / "inbox"
    folder.mkdir()
    for i in range(5):
        (folder / f"doc{i}.txt").write_text(f"document {i}")
    (folder / "invoice.xml").write_bytes(UBL)
    first = cli.runner.invoke(
        app,
        [
            "doc",
            "import",
            str(folder),
            "--as",
            exporter,
            "--batch-size",
            "4",
            "--data-dir",
            str(cli.data_dir),
        ],
        env=FAST,
    )
    assert first.exit_code == 0, first.output
    # progress is shown on a terminal only (tests/cli/test_import_progress.py): the runner's
    # stderr is none, so nothing of it here
    assert "registering" not in first.output
    assert "registered 6 document(s)" in first.output
    again = cli.json("doc", "import", str(folder), "--as", exporter)
    assert again["registered"] == []
    assert len(again["skipped"]) == 6
    detail = cli.json("doc", "show", again["skipped"][0]["doc_hash"])
    assert detail["registered_by"] == exporter


def test_an_import_names_the_file_it_refuses_and_follows_no_link(cli: Cli, tmp_path: Path) -> None:
    """A tryout: ``doc import`` of a folder said ``error: file: must not be empty`` without
    naming the file, registered a symbolic link's target (``/etc/hostname``), and passed over a
    hidden file without saying so."""
    exporter = next(
        m["address"] for m in cli.json("member", "list")["items"] if m["role"] == "enterprise"
    )
    outside = tmp_path / "outside.txt"
    outside.write_text("a file outside the folder")
    folder = tmp_path / "outbox"
    folder.mkdir()
    (folder / "kept.txt").write_text("a document of the folder")
    (folder / ".hidden.txt").write_text("hidden")
    (folder / "link.txt").symlink_to(outside)
    (folder / "linked-dir").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(folder / "pipe.xml")  # tryout 82: skipped without a word (and never opened)
    done = cli.json("doc", "import", str(folder), "--as", exporter)
    assert [Path(r["file"]).name for r in done["registered"]] == ["kept.txt"]
    why = {Path(p["file"]).relative_to(folder).parts[0]: p["why"] for p in done["passed_over"]}
    assert why["link.txt"] == why["linked-dir"] == "a symbolic link (not followed)"
    assert why[".hidden.txt"] == "a hidden file"
    assert why["pipe.xml"].startswith("not a regular file"), why
    (folder / "empty.txt").write_text("")
    refused = cli.json("doc", "import", str(folder), "--as", exporter, code=2)
    assert refused["details"]["file"] == str(folder / "empty.txt")
    assert refused["message"].startswith(f"{folder / 'empty.txt'}: ")
    said = cli.run("doc", "import", str(folder), "--as", exporter, code=2)
    assert f"error: {folder / 'empty.txt'}: " in said


def test_an_import_registers_every_good_file_and_lists_each_refused_one(
    cli: Cli, tmp_path: Path
) -> None:
    """A folder from the field holds a bad file or two among good ones: ``doc import`` used to
    stop at the first bad file, leaving the files after it unregistered (and those of the
    batch under way, before it). Every good file is registered; each bad one is listed with
    the error naming the file, the field and the rule; the command exits 2, its error the
    first refusal's."""
    exporter = next(
        m["address"] for m in cli.json("member", "list")["items"] if m["role"] == "enterprise"
    )
    folder = tmp_path / "outbox"
    folder.mkdir()
    (folder / "a-good.txt").write_text(f"a good file {tmp_path}")
    (folder / "b-empty.txt").write_text("")
    (folder / "c-good.xml").write_bytes(UBL.replace(b"TOSL110", b"TOSL-IMPORT-C"))
    (folder / "d-broken.json").write_text('{"documentType": "Invoice", "documentNumber": ')
    (folder / "e-good.txt").write_text(f"another good file {tmp_path}")
    answer = cli.json("doc", "import", str(folder), "--as", exporter, code=2)
    assert answer["details"]["file"] == str(folder / "b-empty.txt"), answer
    assert answer["message"].startswith(f"{folder / 'b-empty.txt'}: "), answer
    assert answer["message"].endswith("(and 1 more file(s) refused)"), answer
    outcome = answer["details"]["import"]
    registered = [Path(r["file"]).name for r in outcome["registered"]]
    assert registered == ["a-good.txt", "c-good.xml", "e-good.txt"], outcome
    refused = {Path(r["file"]).name: r for r in outcome["refused"]}
    assert sorted(refused) == ["b-empty.txt", "d-broken.json"], outcome
    assert refused["d-broken.json"]["index"] == 3
    assert refused["d-broken.json"]["message"].startswith(f"{folder / 'd-broken.json'}: ")
    assert refused["d-broken.json"]["error"] in {"invalid_input", "document_format_error"}
    for entry in outcome["registered"]:  # each registered indeed, active on chain
        assert cli.json("doc", "verify", entry["file"])["status"] == "active", entry

    said = cli.run("doc", "import", str(folder), "--as", exporter, code=2)  # in words
    assert "registered 0 document(s)" in said, said
    assert "3 skipped; 2 REFUSED" in said, said
    assert f"  files[3] REFUSED: {folder / 'd-broken.json'}: " in said, said
    assert f"error: {folder / 'b-empty.txt'}: " in said, said

    (folder / "b-empty.txt").write_text(f"now a good file {tmp_path}")
    (folder / "d-broken.json").unlink()
    done = cli.json("doc", "import", str(folder), "--as", exporter)  # the rest, exit 0
    assert [Path(r["file"]).name for r in done["registered"]] == ["b-empty.txt"], done
    assert len(done["skipped"]) == 3, done


def test_keys_members_and_clear_errors(cli: Cli, tmp_path: Path) -> None:
    bank = next(m for m in cli.json("member", "list")["items"] if m["role"] == "bank")
    rotated = cli.json("key", "rotate", bank["address"])
    assert rotated["api_key"].startswith("tl_")
    assert cli.json("key", "revoke", bank["address"])["revoked"] == 1
    assert cli.json("member", "suspend", bank["address"])["active"] is False
    assert cli.json("member", "reinstate", bank["address"])["active"] is True
    bad = cli.run("doc", "register", str(tmp_path / "missing.pdf"), "--as", bank["address"], code=2)
    assert bad.startswith("error: FILE: cannot read")
    assert "must be 32 bytes" in cli.run("doc", "show", "nope", code=2)
    assert "is not a member" in cli.run("member", "suspend", "0x" + "12" * 20, code=1)


def test_demo_tells_the_story(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--data-dir", str(tmp_path / "demo")], env=FAST)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "REFUSES" in out
    assert "FINGERPRINT_PLEDGED" in out
    assert "conflicting financing: 1 (by Bank A)" in out
    assert "refused: Bank B" in out
    # the drawdown and the repayment, sealed on chain, read by the regulator
    assert out.count("FinancingEntryRecorded") >= 2


def test_no_ledger_names_init_and_how_to_point_at_one(tmp_path: Path) -> None:
    """Without a ledger at the data directory, the error says how to make one and how to point
    at one that exists elsewhere (README.md: --data-dir DIR or TRADELEDGER_DATA_DIR)."""
    nowhere = tmp_path / "nowhere"
    env = {**FAST, "TRADELEDGER_DATA_DIR": str(nowhere)}
    for args in (["member", "list"], ["member", "list", "--data-dir", str(nowhere)]):
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code != 0, result.output
        said = " ".join(result.output.split())
        assert f"no ledger at {nowhere}: run `tradeledger init` first" in said, said
        assert "--data-dir DIR or the TRADELEDGER_DATA_DIR environment variable" in said, said
        assert "Traceback" not in result.output
