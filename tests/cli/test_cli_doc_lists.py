"""``tradeledger doc list`` and ``tradeledger doc search`` on a real embedded chain: the same
filters, errors and pagination as the API, and a member's lodged files only for that member."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import CII, UBL, Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    runner = Cli(tmp_path / "ledger")
    runner.json("init", "--demo")
    return runner


def _members(cli: Cli) -> dict[str, str]:
    return {m["role"]: m["address"] for m in cli.json("member", "list")["items"]}


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _invoice(number: str, seller: str, buyer: str) -> bytes:
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": number,
            "issueDate": "2026-01-05",
            "issuer": {"id": "DE123456789", "scheme": "VAT", "name": seller},
            "consignee": {"id": "FR40303265045", "scheme": "VAT", "name": buyer},
            "totalAmount": {"value": "100.00", "currency": "EUR"},
        }
    ).encode()


def test_doc_list_filters_and_pages(cli: Cli, tmp_path: Path) -> None:
    who = _members(cli)
    ent, bank = who["enterprise"], who["bank"]
    invoice = cli.json("doc", "register", _file(tmp_path, "i.xml", UBL), "--as", ent)["doc_hash"]
    notes = [
        cli.json("doc", "register", _file(tmp_path, f"n{i}.txt", b"note %d" % i), "--as", ent)[
            "doc_hash"
        ]
        for i in range(4)
    ]
    cli.json("doc", "revoke", notes[0], "--as", ent, "--reason-code", "3")
    by_bank = cli.json("doc", "register", _file(tmp_path, "b.txt", b"bank"), "--as", bank)

    mine = cli.json("doc", "list", "--registrant", ent)
    assert [i["doc_hash"] for i in mine["items"]] == [invoice, *notes]
    assert mine["next_cursor"] is None
    everyone = [i["doc_hash"] for i in cli.json("doc", "list")["items"]]
    assert everyone == [invoice, *notes, by_bank["doc_hash"]]
    assert [i["doc_hash"] for i in cli.json("doc", "list", "--type", "invoice")["items"]] == [
        invoice
    ]
    revoked = cli.json("doc", "list", "--status", "revoked")["items"]
    assert [(i["doc_hash"], i["revoke_reason"]) for i in revoked] == [(notes[0], 3)]
    assert cli.json("doc", "list", "--from", "2999-01-01")["items"] == []
    assert len(cli.json("doc", "list", "--to", "2999-01-01T00:00:00Z")["items"]) == 6

    pages: list[str] = []
    cursor: list[str] = []
    for _ in range(10):
        page = cli.json("doc", "list", "--limit", "2", *cursor)
        pages += [i["doc_hash"] for i in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = ["--cursor", page["next_cursor"]]
    assert pages == everyone

    table = cli.run("doc", "list", "--limit", "2")
    assert table.splitlines()[0].split()[:4] == ["DOC", "HASH", "TYPE", "STATUS"]
    assert "more: --cursor " in table


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--type", "pdf"], "type"),
        (["--status", "pending"], "status"),
        (["--from", "yesterday"], "from"),
        (["--from", "2026-02-01", "--to", "2026-01-01"], "to"),
        (["--registrant", "0x12"], "registrant"),
        (["--cursor", "nope"], "cursor"),
    ],
)
def test_doc_list_names_the_bad_option(cli: Cli, args: list[str], field: str) -> None:
    output = cli.run("doc", "list", *args, code=2)
    assert f"error: --{field}: " in output  # the option as given, not the API's field


def test_doc_search_finds_a_members_own_lodged_files_only(cli: Cli, tmp_path: Path) -> None:
    who = _members(cli)
    bank = who["bank"]
    bank_b = cli.json("member", "add", "Bank B", "--role", "bank")["address"]
    ubl = cli.json("doc", "receive", _file(tmp_path, "u.xml", UBL), "--as", bank)["doc_hash"]
    cii = cli.json("doc", "receive", _file(tmp_path, "c.xml", CII), "--as", bank)["doc_hash"]
    own = cli.json(
        "doc",
        "receive",
        _file(tmp_path, "o.json", _invoice("INV-0042", "Müller GmbH", "Dupont SARL")),
        "--as",
        bank,
    )["doc_hash"]

    def found(member: str, *args: str) -> list[str]:
        return [i["doc_hash"] for i in cli.json("doc", "search", "--as", member, *args)["items"]]

    assert found(bank) == [ubl, cii, own]
    assert found(bank, "--invoice-number", "TOSL-110") == [ubl, cii]
    assert found(bank, "--seller", "DK13585628") == [ubl, cii]
    assert found(bank, "--seller", "müller") == [own]
    assert found(bank, "--buyer", "dupont", "--invoice-number", "inv42") == [own]
    assert found(bank_b) == []
    assert found(bank_b, "--invoice-number", "TOSL110") == []
    table = cli.run("doc", "search", "--as", bank, "--seller", "müller")
    assert "INV-0042" in table
    assert "Müller GmbH" in table
    assert "Dupont SARL" in table
    output = cli.run("doc", "search", "--as", bank, "--invoice-number", "/./", code=2)
    assert "error: --invoice-number: " in output


def test_doc_list_as_a_member_lists_what_the_api_lists_for_it(cli: Cli, tmp_path: Path) -> None:
    """``doc list`` had no ``--as`` where the other doc commands do (a tryout). As a member it
    lists what ``GET /v1/documents`` lists for that member's key: the enterprise and the bank
    each their own registrations only, another ``--registrant`` refused in the API's words
    (403 forbidden, exit 1); the regulator everyone's."""
    who = _members(cli)
    ent, bank, regulator = who["enterprise"], who["bank"], who["regulator"]
    mine = cli.json("doc", "register", _file(tmp_path, "e.txt", b"exporter's"), "--as", ent)
    theirs = cli.json("doc", "register", _file(tmp_path, "b.txt", b"bank's"), "--as", bank)

    def listed(*args: str) -> list[str]:
        return [i["doc_hash"] for i in cli.json("doc", "list", *args)["items"]]

    assert listed("--as", ent) == [mine["doc_hash"]]
    assert listed("--as", bank) == [theirs["doc_hash"]]
    assert listed("--as", ent, "--registrant", ent) == [mine["doc_hash"]]
    assert listed("--as", regulator) == [mine["doc_hash"], theirs["doc_hash"]]
    assert listed("--as", regulator, "--registrant", bank) == [theirs["doc_hash"]]
    refused = cli.json("doc", "list", "--as", ent, "--registrant", bank, code=1)
    assert refused["error"] == "forbidden", refused
    assert refused["message"].startswith(
        "role enterprise may not list another member's registrations"
    ), refused
    assert refused["details"]["allowed"] == ["regulator", "admin"], refused
    words = cli.run("doc", "list", "--as", bank, "--registrant", ent, code=1)
    assert "role bank may not list another member's registrations" in words
    assert cli.run("doc", "list", "--as", "0x12", code=2).startswith("error: --as: ")
