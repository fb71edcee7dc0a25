"""Through ``tradeledger``, what a document or a member says is checked against its standard:
exit 2 naming the field and the rule for a currency that is not ISO 4217 (a JSON form, a
financing), a JSON form's negative total or due date before its issue date, a legal id that is
no LEI (ISO 17442) nor another scheme docs/audit.md names; exit 1 naming the member that already
has a name. Nothing is written when refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import UBL, Cli


def _form(**overrides: Any) -> dict[str, Any]:
    return {
        "documentType": "Invoice",
        "documentNumber": "CLI-STD-1",
        "issueDate": "2026-02-01",
        "dueDate": "2026-03-01",
        "issuer": {"id": "DK13585628", "scheme": "VAT", "name": "SellerCompany"},
        "totalAmount": {"value": "100.00", "currency": "DKK"},
    } | overrides


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, Any], Path]:
    tmp = tmp_path_factory.mktemp("standard-fields")
    cli = Cli(tmp / "ledger")
    created = cli.json("init", "--demo")
    members = {m["name"]: m for m in created["members"]}
    return cli, members, tmp


def _members(cli: Cli) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = cli.json("member", "list")["items"]
    return listed


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"totalAmount": {"value": "100.00", "currency": "ZZZ"}}, "totalAmount.currency"),
        ({"totalAmount": {"value": "-10", "currency": "DKK"}}, "must not be negative"),
        ({"dueDate": "2026-01-31"}, "must not be before the issue date 2026-02-01 (BT-2)"),
    ],
)
def test_doc_register_refuses_a_json_form_against_its_standard(
    demo: tuple[Cli, dict[str, Any], Path], overrides: dict[str, Any], words: str
) -> None:
    cli, members, tmp = demo
    path = tmp / "form.json"
    path.write_text(json.dumps(_form(**overrides)))
    exporter = members["Demo Exporter"]["address"]
    refused = cli.run("doc", "register", str(path), "--as", exporter, code=2)
    assert words in refused.output
    if "ZZZ" in path.read_text():
        assert "ZZZ is not an active ISO 4217 currency code" in refused.output


def test_finance_create_refuses_a_currency_that_is_not_iso_4217(
    demo: tuple[Cli, dict[str, Any], Path],
) -> None:
    cli, members, tmp = demo
    bank = members["Demo Bank A"]["address"]
    ubl = tmp / "invoice.xml"
    ubl.write_bytes(UBL)
    doc = cli.json("doc", "receive", str(ubl), "--as", bank)["doc_hash"]
    args = ["finance", "create", "--as", bank, "--doc", f"{doc}=100000", "--maturity"]
    refused = cli.run(*args, "2099-12-31", "--currency", "ZZZ", code=2)
    assert "currency" in refused.output
    assert "ZZZ is not an active ISO 4217 currency code" in refused.output
    assert cli.json("finance", "list", "--as", bank)["items"] == []


@pytest.mark.parametrize(
    ("legal_id", "words"),
    [
        ("not-an-lei", "must be an LEI (ISO 17442"),
        ("5493001KJTIIGC8Y1R13", "is not a valid LEI, ISO 17442"),
    ],
)
def test_member_add_and_propose_refuse_a_legal_id_that_fails_its_scheme(
    demo: tuple[Cli, dict[str, Any], Path], legal_id: str, words: str
) -> None:
    cli, _, _ = demo
    before = len(_members(cli))
    refused = cli.run("member", "add", "Bank C", "--role", "bank", "--legal-id", legal_id, code=2)
    assert "error: --legal-id: " in refused.output  # the option, as the user gave it
    assert words in refused.output
    account = "0x" + "44" * 20
    proposed = cli.run(
        "member", "propose", "add-member", "--account", account, "--role", "bank",
        "--name", "Bank C", "--legal-id", legal_id, code=2,
    )  # fmt: skip
    assert words in proposed.output
    assert len(_members(cli)) == before


def test_member_add_refuses_a_name_another_member_has(
    demo: tuple[Cli, dict[str, Any], Path],
) -> None:
    cli, members, _ = demo
    first = next(m for m in _members(cli) if m["name"] == "Demo Bank A")
    assert first["address"] == members["Demo Bank A"]["address"]
    before = len(_members(cli))
    refused = cli.run("member", "add", "demo  BANK a", "--role", "bank", code=1)
    assert f"member {first['member_id']} at {first['address']}" in refused.output
    assert "Demo Bank A" in refused.output
    proposed = cli.run(
        "member", "propose", "add-member", "--account", "0x" + "55" * 20, "--role", "bank",
        "--name", "Demo Bank A", code=1,
    )  # fmt: skip
    assert first["address"] in proposed.output
    assert len(_members(cli)) == before
    added = cli.json(
        "member", "add", "Bank C", "--role", "bank", "--legal-id", "5493001KJTIIGC8Y1R12"
    )
    assert added["name"] == "Bank C"


def test_member_add_refuses_a_name_that_reads_like_another_members(
    demo: tuple[Cli, dict[str, Any], Path],
) -> None:
    """``Demo Bank A`` with a Cyrillic ``е``, in fullwidth capitals, or with a Cyrillic ``А``
    alone: exit 1 naming the member it imitates and the look-alike letter; a Latin word with a
    Cyrillic letter that imitates no one: exit 2 naming ``NAME``. Nothing is written."""
    cli, _, _ = demo
    first = next(m for m in _members(cli) if m["name"] == "Demo Bank A")
    before = len(_members(cli))
    refused = cli.run("member", "add", "D\u0435mo Bank A", "--role", "bank", code=1)
    assert f"member {first['member_id']} at {first['address']}" in refused.stderr
    assert "U+0435 CYRILLIC SMALL LETTER IE" in refused.stderr
    body = cli.json("member", "add", "\uff24\uff25\uff2d\uff2f BANK A", "--role", "bank", code=1)
    assert body["error"] == "conflict"
    assert (body["details"]["field"], body["details"]["address"]) == ("NAME", first["address"])
    proposed = cli.run(
        "member", "propose", "add-member", "--account", "0x" + "88" * 20, "--role", "bank",
        "--name", "Demo Bank \u0410", code=1,
    )  # fmt: skip
    assert first["address"] in proposed.stderr
    for separated in ("Demo-Bank-A", "Demo_Bank_A", "demo.bank.a"):  # separators: one name
        body = cli.json("member", "add", separated, "--role", "bank", code=1)
        assert (body["details"]["field"], body["details"]["address"]) == ("NAME", first["address"])
        assert "only in separators" in body["message"], body
    same = cli.run("member", "add", "Demo Bank A", "--role", "bank", code=1)
    assert "'Demo Bank A' is the same name" in same.stderr
    mixed = cli.run("member", "add", "Nordb\u0430nk", "--role", "bank", code=2)
    assert "name" in mixed.stderr
    assert "Cyrillic and Latin" in mixed.stderr
    assert len(_members(cli)) == before


def test_member_add_refuses_a_legal_id_another_member_has(
    demo: tuple[Cli, dict[str, Any], Path],
) -> None:
    """One legal entity, one member: the same LEI again — in lower case, or under its ISO 6523
    ICD 0199 — is exit 1 naming ``--legal-id`` and the member that has it."""
    cli, _, _ = demo
    lei = "7LTWFZYICNSX8D621K86"
    holder = cli.json("member", "add", "Fynbank", "--role", "bank", "--legal-id", lei)
    before = len(_members(cli))
    refused = cli.run(
        "member", "add", "Vestbank", "--role", "bank", "--legal-id", lei.lower(), code=1
    )
    assert f"member {holder['member_id']} at {holder['address']} (Fynbank)" in refused.stderr
    assert f"legal id {lei}" in refused.stderr
    body = cli.json("member", "add", "Vestbank", "--role", "bank", "--legal-id", lei, code=1)
    assert body["details"]["field"] == "--legal-id"
    assert body["details"]["member_id"] == holder["member_id"]
    proposed = cli.run(
        "member", "propose", "add-member", "--account", "0x" + "99" * 20, "--role", "bank",
        "--name", "Vestbank", "--legal-id", f"0199:{lei}", code=1,
    )  # fmt: skip
    assert holder["address"] in proposed.stderr
    assert len(_members(cli)) == before
    other = cli.json(
        "member", "add", "Vestbank", "--role", "bank", "--legal-id", "529900T8BM49AURSDO55"
    )
    assert other["name"] == "Vestbank"
