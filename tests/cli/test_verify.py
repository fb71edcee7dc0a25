"""``tradeledger doc verify`` (and ``POST /v1/documents/verify``) never read "valid" for a
document that is not: the status leads, a successor is named, the exit status is 0 only for a
registered *and* active document, and a JSON form registered through ``/v1/documents/json`` is
found from the file a user holds, saying what was hashed. Real CLI, real embedded chain."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from ledger.cli import app
from ledger.network import open_ledger
from ledger.services import documents as docs
from ledger.services.roles import DocType
from tests.conftest import make_settings

BILL = resources.files("ledger.demo_data").joinpath("bill-of-lading.json").read_bytes()
FAST = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}
ACTIVE, NOT_REGISTERED, REVOKED, SUPERSEDED = 0, 3, 4, 5


class Cli:
    """The real ``tradeledger`` command on one data directory (Typer's CliRunner)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.runner = CliRunner()

    def run(self, *args: str, code: int = 0) -> str:
        result = self.runner.invoke(app, [*args, "--data-dir", str(self.data_dir)], env=FAST)
        assert result.exit_code == code, (args, result.output, result.exception)
        assert "Traceback" not in result.output
        return result.stdout

    def json(self, *args: str, code: int = 0) -> Any:
        return json.loads(self.run(*args, "--json", code=code))


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    runner = Cli(tmp_path / "ledger")
    runner.created = runner.json("init", "--demo")  # type: ignore[attr-defined]
    return runner


def _exporter(cli: Cli) -> dict[str, Any]:
    members: list[dict[str, Any]] = cli.created["members"]  # type: ignore[attr-defined]
    return next(m for m in members if m["role"] == "enterprise")


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _sha(path: Path) -> str:
    return "0x" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_active_document_verifies_and_exits_0(cli: Cli, tmp_path: Path) -> None:
    me = _exporter(cli)["address"]
    contract = _file(tmp_path, "contract.txt", "sales contract 42")
    cli.json("doc", "register", str(contract), "--as", me)

    text = cli.run("doc", "verify", str(contract), code=ACTIVE)
    assert text.splitlines()[0] == f"REGISTERED and active: {_sha(contract)}"
    assert f"registered by Demo Exporter ({me})" in text
    assert "hashed: SHA-256 of the file's bytes" in text
    answer = cli.json("doc", "verify", str(contract), code=ACTIVE)
    assert answer["status"] == "active"
    assert answer["active"] is True
    assert answer["superseded_by"] is None
    assert answer["hashed"] == "file_bytes"
    assert answer["registration"]["registered_by"] == me  # the API's registration object


def test_a_file_never_registered_says_so_first_and_exits_3(cli: Cli, tmp_path: Path) -> None:
    unknown = _file(tmp_path, "unknown.txt", "nobody registered this")
    text = cli.run("doc", "verify", str(unknown), code=NOT_REGISTERED)
    assert text.splitlines()[0].startswith("NOT REGISTERED")
    assert _sha(unknown) in text
    answer = cli.json("doc", "verify", str(unknown), code=NOT_REGISTERED)
    assert (answer["status"], answer["active"], answer["registered"]) == (
        "not_registered",
        False,
        False,
    )


def test_a_revoked_document_leads_with_revoked_and_exits_4(cli: Cli, tmp_path: Path) -> None:
    me = _exporter(cli)["address"]
    receipt = _file(tmp_path, "receipt.txt", "warehouse receipt W-7")
    doc_hash = cli.json("doc", "register", str(receipt), "--as", me)["doc_hash"]
    cli.json("doc", "revoke", doc_hash, "--as", me, "--reason-code", "3")

    text = cli.run("doc", "verify", str(receipt), code=REVOKED)
    first = text.splitlines()[0]
    assert first.startswith(f"REVOKED: {doc_hash}")
    assert "REGISTERED" not in first
    assert f"revoked by Demo Exporter ({me})" in text
    assert "reason code 3" in text
    answer = cli.json("doc", "verify", str(receipt), code=REVOKED)
    assert (answer["status"], answer["active"]) == ("revoked", False)
    assert answer["revocation"]["reason_code"] == 3
    assert answer["revocation"]["by"] == me


def test_a_superseded_document_names_its_successor_and_exits_5(cli: Cli, tmp_path: Path) -> None:
    me = _exporter(cli)["address"]
    first_file = _file(tmp_path, "po-v1.txt", "purchase order 9, 100 units")
    second_file = _file(tmp_path, "po-v2.txt", "purchase order 9, 120 units")
    third_file = _file(tmp_path, "po-v3.txt", "purchase order 9, 125 units")
    v1 = cli.json("doc", "register", str(first_file), "--as", me)["doc_hash"]
    v2 = cli.json("doc", "supersede", v1, str(second_file), "--as", me)["new_doc_hash"]

    text = cli.run("doc", "verify", str(first_file), code=SUPERSEDED)
    assert text.splitlines()[0].startswith(f"SUPERSEDED by {v2}: {v1}")
    assert f"current version: {v2} (active) (the successor): rely on it" in text
    answer = cli.json("doc", "verify", str(first_file), code=SUPERSEDED)
    assert (answer["status"], answer["active"], answer["superseded_by"]) == (
        "superseded",
        False,
        v2,
    )
    cli.run("doc", "verify", str(second_file), code=ACTIVE)

    # amended again: the first version names its successor and the current version
    v3 = cli.json("doc", "supersede", v2, str(third_file), "--as", me)["new_doc_hash"]
    text = cli.run("doc", "verify", str(first_file), code=SUPERSEDED)
    assert text.splitlines()[0].startswith(f"SUPERSEDED by {v2}")
    assert f"current version: {v3} (active)" in text
    assert cli.json("doc", "verify", str(first_file), code=SUPERSEDED)["current_version"] == v3


def test_the_help_documents_the_exit_status() -> None:
    result = CliRunner().invoke(app, ["doc", "verify", "--help"])
    assert result.exit_code == 0
    shown = " ".join(result.output.split())
    for words in ("0 registered and active", "3 not registered", "4 revoked", "5 superseded"):
        assert words in shown


def test_a_json_form_registered_through_the_api_verifies_from_the_file(
    cli: Cli, tmp_path: Path
) -> None:
    """The API registers a JSON form as its canonical JSON; the pretty-printed file a carrier
    hands over has other bytes. Verify finds it, says what was hashed, and tracks its status."""
    exporter = _exporter(cli)
    headers = {"Authorization": f"Bearer {exporter['api_key']}"}
    bill = tmp_path / "bill-of-lading.json"
    bill.write_bytes(BILL)
    settings = make_settings(cli.data_dir)

    ledger = open_ledger(settings)
    try:
        with TestClient(create_app(settings, ledger), raise_server_exceptions=False) as client:
            registered = client.post("/v1/documents/json", json=json.loads(BILL), headers=headers)
            assert registered.status_code == 201, registered.text
            doc_hash = registered.json()["doc_hash"]
            assert doc_hash != _sha(bill)  # the canonical form, not the file's bytes

            verified = client.post(
                "/v1/documents/verify",
                files={"file": ("bill-of-lading.json", BILL, "application/json")},
                headers=headers,
            )
            assert verified.status_code == 200, verified.text
            body = verified.json()
            assert (body["status"], body["active"], body["doc_hash"]) == ("active", True, doc_hash)
            assert body["hashed"] == "canonical_json"
            assert body["tried"] == [
                {"form": "file_bytes", "doc_hash": _sha(bill), "registered": False},
                {"form": "canonical_json", "doc_hash": doc_hash, "registered": True},
            ]
    finally:
        ledger.close()

    text = cli.run("doc", "verify", str(bill), code=ACTIVE)
    assert text.splitlines()[0] == f"REGISTERED and active: {doc_hash}"
    assert "hashed: SHA-256 of the file's canonical JSON form" in text
    assert f"{_sha(bill)} is not registered" in text
    answer = cli.json("doc", "verify", str(bill), code=ACTIVE)
    assert (answer["hashed"], answer["doc_hash"]) == ("canonical_json", doc_hash)

    # revoked: the CLI and the API both lead with it
    cli.json("doc", "revoke", doc_hash, "--as", exporter["address"], "--reason-code", "1")
    assert cli.run("doc", "verify", str(bill), code=REVOKED).startswith(f"REVOKED: {doc_hash}")
    ledger = open_ledger(settings)
    try:
        with TestClient(create_app(settings, ledger), raise_server_exceptions=False) as client:
            body = client.post(
                "/v1/documents/verify",
                files={"file": ("bill-of-lading.json", BILL, "application/json")},
                headers=headers,
            ).json()
    finally:
        ledger.close()
    assert (body["status"], body["active"], body["valid"]) == ("revoked", False, False)
    assert body["revocation"]["reason_code"] == 1


def test_the_api_names_the_successor_of_a_superseded_file(cli: Cli, tmp_path: Path) -> None:
    exporter = _exporter(cli)
    old = _file(tmp_path, "old.txt", "certificate of origin CO-1")
    new = _file(tmp_path, "new.txt", "certificate of origin CO-1, corrected")
    v1 = cli.json("doc", "register", str(old), "--as", exporter["address"])["doc_hash"]
    v2 = cli.json("doc", "supersede", v1, str(new), "--as", exporter["address"])["new_doc_hash"]
    settings = make_settings(cli.data_dir)
    ledger = open_ledger(settings)
    try:
        with TestClient(create_app(settings, ledger), raise_server_exceptions=False) as client:
            answer = client.post(
                "/v1/documents/verify",
                files={"file": ("old.txt", old.read_bytes(), "text/plain")},
                headers={"Authorization": f"Bearer {exporter['api_key']}"},
            )
            unknown = client.post(
                "/v1/documents/verify",
                files={"file": ("x.txt", b"never registered", "text/plain")},
                headers={"Authorization": f"Bearer {exporter['api_key']}"},
            )
    finally:
        ledger.close()
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["active"], body["valid"]) == ("superseded", False, False)
    assert (body["superseded_by"], body["current_version"]) == (v2, v2)
    assert body["registration"]["doc_hash"] == v1
    assert unknown.json()["status"] == "not_registered"
    assert unknown.json()["active"] is False


def _member(cli: Cli, role: str) -> dict[str, Any]:
    members: list[dict[str, Any]] = cli.created["members"]  # type: ignore[attr-defined]
    return next(m for m in members if m["role"] == role)


def test_a_json_document_keeps_its_first_registration_on_every_command(
    cli: Cli, tmp_path: Path
) -> None:
    """The tryout: the exporter registered a JSON form through the API; the bank then
    registered the same JSON file's bytes, and verify answered with the bank's later
    registration. Now ``doc register``, ``doc import`` and ``doc supersede`` refuse (or skip)
    the file, and when both hashes are registered all the same (another gateway), ``doc
    verify`` and ``doc check`` answer with the earliest and list both."""
    exporter, bank = _exporter(cli), _member(cli, "bank")
    bill = tmp_path / "bill-of-lading.json"
    bill.write_bytes(BILL)
    settings = make_settings(cli.data_dir)
    ledger = open_ledger(settings)
    try:
        with TestClient(create_app(settings, ledger), raise_server_exceptions=False) as client:
            headers = {"Authorization": f"Bearer {exporter['api_key']}"}
            registered = client.post("/v1/documents/json", json=json.loads(BILL), headers=headers)
            assert registered.status_code == 201, registered.text
    finally:
        ledger.close()
    canonical = registered.json()["doc_hash"]

    refused = cli.runner.invoke(
        app,
        ["doc", "register", str(bill), "--as", bank["address"], "--data-dir", str(cli.data_dir)],
        env=FAST,
    )
    assert refused.exit_code == 1, refused.output
    assert f"document {canonical} is already registered, by Demo Exporter" in refused.output
    assert "same JSON document" in refused.output

    folder = tmp_path / "import"
    folder.mkdir()
    (folder / "bill.json").write_bytes(BILL)
    imported = cli.json("doc", "import", str(folder), "--as", bank["address"])
    assert imported["registered"] == []
    (skipped,) = imported["skipped"]
    assert skipped["why"].startswith("registered already, by Demo Exporter")
    # the exporter is the bill of lading's issuer (its legal id is the form's issuer VAT id)
    assert {k: v for k, v in skipped.items() if k != "why"} == {
        "file": str(folder / "bill.json"),
        "doc_hash": canonical,
        "index": 0,
        "hashed": "canonical_json",
        "registered_by": exporter["address"],
        "registrant_is_seller": True,
    }

    # two byte forms of one new JSON document in one folder: registered once
    twins = tmp_path / "twins"
    twins.mkdir()
    form = {**json.loads(BILL), "documentNumber": "MAEU-TWIN-1"}
    (twins / "a.json").write_text(json.dumps(form, indent=2))
    (twins / "b.json").write_text(json.dumps(form))
    both = cli.json("doc", "import", str(twins), "--as", bank["address"])
    assert [r["file"] for r in both["registered"]] == [str(twins / "a.json")]
    assert both["skipped"] == [
        {
            "file": str(twins / "b.json"),
            "doc_hash": both["registered"][0]["doc_hash"],
            "index": 1,
            "hashed": "file_bytes",
            "duplicates": str(twins / "a.json"),
            "duplicates_index": 0,
            "why": f"the same document as files[0] ({twins / 'a.json'})",
        }
    ]

    old = _file(tmp_path, "po.txt", "purchase order 77")
    v1 = cli.json("doc", "register", str(old), "--as", bank["address"])["doc_hash"]
    amended = cli.runner.invoke(
        app,
        [
            "doc",
            "supersede",
            v1,
            str(bill),
            "--as",
            bank["address"],
            "--data-dir",
            str(cli.data_dir),
        ],
        env=FAST,
    )
    assert amended.exit_code == 1, amended.output
    assert canonical in amended.output
    cli.run("doc", "verify", str(old), code=ACTIVE)
    cli.run("doc", "verify", str(bill), code=ACTIVE)

    # another gateway registered the bytes all the same: both are shown, the earliest first
    ledger = open_ledger(settings)
    try:
        docs.register(
            ledger, bank["address"], bytes.fromhex(_sha(bill)[2:]), DocType.BILL_OF_LADING
        )
    finally:
        ledger.close()
    text = cli.run("doc", "verify", str(bill), code=ACTIVE)
    assert text.splitlines()[0] == f"REGISTERED and active: {canonical}"
    assert f"registered by Demo Exporter ({exporter['address']})" in text
    assert "REGISTERED 2 TIMES" in text
    assert f"earliest: {canonical}" in text
    assert f"later: {_sha(bill)}" in text
    for command in ("verify", "check"):
        answer = cli.json("doc", command, str(bill), code=ACTIVE)
        assert answer["doc_hash"] == canonical
        assert [
            (r["doc_hash"], r["registered_by"], r["earliest"]) for r in answer["registrations"]
        ] == [
            (canonical, exporter["address"], True),
            (_sha(bill), bank["address"], False),
        ]
