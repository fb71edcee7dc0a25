"""The regulator's CSV export cannot carry a spreadsheet formula (OWASP "CSV Injection").

Members name themselves and write their references; a text that starts with ``=``, ``+``, ``-``,
``@``, TAB or CR is a formula to Excel and LibreOffice. Through the real ``tradeledger`` commands
on the embedded chain: members named ``=HYPERLINK(…)``, ``+…``, ``-…``, ``@…`` and financings
(registered and refused) with a reference starting with each of the six characters. Every such
cell comes out with a leading ``'``; amounts and block numbers stay numbers; the API's CSV and
the CLI's file are the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.cli import app
from ledger.words import spreadsheet_cell
from tests.cli.cli_helpers import FAST, UBL, Cli, Story

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
NAMES = {
    "=": '=HYPERLINK("http://x","Bank")',
    "+": "+Bank 1",
    "-": "-2+3 Bank",
    "@": "@SUM(A1) Bank",
}
#: a reference starting with a tab or a carriage return is refused when written (a control
#: character in an identifier, tests/api/test_control_characters.py); ``spreadsheet_cell``
#: still quotes one (the cases below)
REFERENCES = {c: f"{c}2+3" for c in DANGEROUS if c.isprintable()}
#: the columns a member writes (its name under every role it appears in, a reference) and the
#: sentence built from them
MEMBER_TEXT = ("summary", "reference", "account_name", "bank_name", "registrant_name")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """The CLI's CSV file, the API's CSV body and the CLI's ``--out -`` output, all read as the
    regulator."""
    tmp = tmp_path_factory.mktemp("formulas")
    cli = Cli(tmp / "ledger")
    created = cli.json("init", "--demo")
    regulator = next(m for m in created["members"] if m["role"] == "regulator")
    exporter = next(m for m in created["members"] if m["role"] == "enterprise")
    banks = [_add_bank(cli, name) for name in NAMES.values()]
    invoice = tmp / "invoice.xml"
    invoice.write_bytes(UBL)
    doc_hash = cli.json("doc", "register", str(invoice), "--as", exporter["address"])["doc_hash"]
    first = banks[0]["address"]
    cli.json("doc", "receive", str(invoice), "--as", first)
    for n, reference in enumerate(REFERENCES.values()):
        # the first bank's financing holds the invoice: the other banks' are refused, each
        # refusal on chain with its reference (a bank's own second attempt is not sent at all)
        bank = banks[n % len(banks)]["address"]
        if n:
            cli.json("doc", "receive", str(invoice), "--as", bank)
        cli.run(
            *("finance", "create", "--as", bank, "--doc", f"{doc_hash}=100000"),
            *("--currency", "DKK", "--maturity", "2099-12-31", "--reference", reference),
            "--json",
            code=0 if n == 0 else 4,
        )
    target = tmp / "events.csv"
    as_regulator = ("--format", "csv", "--as", regulator["address"])
    cli.run("audit", "export", "--out", str(target), *as_regulator)
    # Click's runner turns CRLF into LF in .stdout: read the bytes written
    result = cli.runner.invoke(
        app, ["audit", "export", "--out", "-", *as_regulator, "--data-dir", str(cli.data_dir)]
    )
    assert result.exit_code == 0, result.output
    piped = result.stdout_bytes.decode("utf-8")
    story = Story(cli, tmp, members={"Demo Regulator": regulator})
    with story.api() as client:
        response = client.get(
            "/v1/audit/export", params={"format": "csv"}, headers=story.headers("Demo Regulator")
        )
    assert response.status_code == 200, response.text
    return target.read_bytes().decode("utf-8"), response.text, piped


def _add_bank(cli: Cli, name: str) -> dict[str, Any]:
    """``tradeledger member add --role bank -- NAME`` (a name may start with ``-``)."""
    args = ["member", "add", "--role", "bank", "--json", "--data-dir", str(cli.data_dir)]
    result = cli.runner.invoke(app, [*args, "--", name], env=FAST)
    assert result.exit_code == 0, result.output
    added: dict[str, Any] = json.loads(result.stdout)
    return added


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_api_and_cli_export_the_same_bytes(exported: tuple[str, str, str]) -> None:
    from_cli, from_api, piped = exported
    assert from_cli == from_api == piped
    assert from_cli.endswith("\r\n")  # RFC 4180


def test_member_names_start_with_a_quote(exported: tuple[str, str, str]) -> None:
    rows = _rows(exported[0])
    added = {r["account_name"] for r in rows if r["event"] == "MemberAdded"}
    assert {"'" + name for name in NAMES.values()} <= added
    assert not set(NAMES.values()) & added
    financed = next(r for r in rows if r["event"] == "FinancingRegistered")
    assert financed["bank_name"] == "'" + NAMES["="]
    assert financed["summary"].startswith("'" + NAMES["="])


def test_references_with_each_dangerous_start_are_quoted(exported: tuple[str, str, str]) -> None:
    rows = _rows(exported[0])
    references = {r["reference"] for r in rows if r["reference"]}
    assert references == {"'" + reference for reference in REFERENCES.values()}


def test_no_member_text_cell_starts_a_formula(exported: tuple[str, str, str]) -> None:
    for row in _rows(exported[0]):
        for column, cell in row.items():
            if cell.startswith(DANGEROUS):
                assert column not in MEMBER_TEXT, (column, cell)
                assert cell.lstrip("+-").replace(".", "", 1).isdigit(), (column, cell)


def test_numbers_stay_numbers(exported: tuple[str, str, str]) -> None:
    rows = _rows(exported[0])
    financed = next(r for r in rows if r["event"] == "FinancingRegistered")
    assert (financed["amount"], financed["currency"]) == ("1000.00", "DKK")
    assert all(r["block_number"].isdigit() and r["log_index"].isdigit() for r in rows)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=2+3", "'=2+3"),
        ("+2+3", "'+2+3"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.50", "-12.50"),
        ("+7", "+7"),
        ("-", "'-"),
        ("A-42", "A-42"),
        ("", ""),
        (-1250, -1250),
        (12, 12),
        (None, None),
    ],
)
def test_spreadsheet_cell_rule(value: object, cell: object) -> None:
    assert spreadsheet_cell(value) == cell


def test_the_export_path_is_the_only_csv_writer() -> None:
    """Every CSV the project writes goes through the one neutralised writer (a new one must
    route its cells through ``spreadsheet_cell`` and be listed here)."""
    root = Path(__file__).resolve().parents[2]
    writers = [
        str(path.relative_to(root))
        for folder in ("ledger", "api")
        for path in sorted((root / folder).rglob("*.py"))
        if "csv.writer(" in path.read_text() or "csv.DictWriter(" in path.read_text()
    ]
    assert writers == ["ledger/services/audit.py"]


def test_truth_values_are_spelt_as_json_spells_them(exported: tuple[str, str, str]) -> None:
    """A tryout read ``True`` and ``False`` in the CSV beside ``true`` and ``false`` in the
    JSON-lines export of the same events."""
    cells = {cell for row in _rows(exported[0]) for cell in row.values()}
    assert not cells & {"True", "False"}
    assert cells & {"true", "false"}, "some event has a truth value"
