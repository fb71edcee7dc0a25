"""The CLI refuses an amount in the API's words (tests/api/test_amount_words.py).

``finance drawdown 1 99999999999999999999`` said ``amount: must fit in 64 bits`` (naming the
service's field, not the CLI's ``AMOUNT``), ``--doc HASH=18446744073709551616``
``documents[0].amount: must fit in 64 bits`` and a JSON form registered with ``"value":
1e999999999`` "is too large: an amount must be less than 10^30", where the API said three other
things. Each is the one
rule now (:func:`ledger.documents.normalise.too_large_rule`), naming the CLI's own parameter
(``AMOUNT``, ``--doc[0]``) or the form's field. An amount in minor units written in exponent
notation (``1e999999999``) is refused by the API's one rule for that notation, whatever its
magnitude (tests/cli/test_cli_exponent_words.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Cli

from ledger.documents.normalise import too_large_rule
from ledger.jsonliterals import exponent_rule
from tests.api.api_helpers import BILL

POSITIVE = "must be a positive amount in minor units"
DOC = "0x" + "ab" * 32


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, str], Path]:
    tmp = tmp_path_factory.mktemp("cli-amounts")
    cli = Cli(tmp / "ledger")
    created = cli.json("init", "--demo")
    members = {m["name"]: m["address"] for m in created["members"]}
    return cli, members, tmp


def _refused(cli: Cli, *args: str) -> dict[str, Any]:
    body: dict[str, Any] = cli.json(*args, code=2)
    assert body["error"] in ("invalid_input", "document_format_error"), body
    details: dict[str, Any] = body["details"]
    return details


@pytest.mark.parametrize(
    ("amount", "rule"),
    [
        ("1e999999999", exponent_rule("1e999999999")),  # the notation, whatever the magnitude
        ("18446744073709551616", too_large_rule()),
        ("99999999999999999999999", too_large_rule()),
        ("9" * 5000, too_large_rule()),  # int() of it raised: past Python's digit limit
        ("0", POSITIVE),
        # a negative amount read as an option: Click said "No such option: -5" (a tryout)
        ("-5", POSITIVE),
        ("-18446744073709551616", POSITIVE),
    ],
)
def test_an_amount_is_refused_in_the_apis_words(
    ledger: tuple[Cli, dict[str, str], Path], amount: str, rule: str
) -> None:
    cli, members, _ = ledger
    bank = members["Demo Bank A"]
    drawn = _refused(cli, "finance", "drawdown", "1", amount, "--as", bank)
    assert (drawn["field"], drawn["rule"]) == ("AMOUNT", rule), drawn
    repaid = _refused(cli, "finance", "repay", "1", amount, "--as", bank)
    assert (repaid["field"], repaid["rule"]) == ("AMOUNT", rule), repaid
    made = _refused(
        cli,
        "finance",
        "create",
        "--as",
        bank,
        "--doc",
        f"{DOC}={amount}",
        "--currency",
        "DKK",
        "--maturity",
        "2099-12-31",
    )
    assert (made["field"], made["rule"]) == ("--doc[0]", rule), made


def test_a_json_form_total_too_large_is_refused_as_the_api_refuses_it(
    ledger: tuple[Cli, dict[str, str], Path],
) -> None:
    cli, members, tmp = ledger
    form = {**json.loads(BILL), "documentType": "Invoice", "totalAmount": "@"}
    path = tmp / "big.json"
    path.write_text(json.dumps(form).replace('"@"', '{"value": 1e999999999, "currency": "DKK"}'))
    for args in (
        ("doc", "register", str(path), "--as", members["Demo Exporter"]),
        ("doc", "check", str(path)),
    ):
        details = _refused(cli, *args)
        assert details["field"] == "totalAmount.value", (args, details)
        assert details["rule"] == too_large_rule(), (args, details)
        assert details["value"] == "1e999999999", (args, details)


def test_a_negative_number_is_an_arguments_value_not_an_option(
    ledger: tuple[Cli, dict[str, str], Path],
) -> None:
    """``finance drawdown 1 -5`` got Click's ``No such option: -5`` (a tryout): the CLI's own
    ``error: AMOUNT: RULE`` line now, exit 2 as any bad input, the rule the API's 422 gives
    ``"amount": -5``. A negative id is refused by the rule for ids (decimal digits), an option
    takes such a value as before, and an unknown option is still one."""
    cli, members, _ = ledger
    bank = members["Demo Bank A"]
    for command in ("drawdown", "repay"):
        said = cli.run("finance", command, "1", "-5", "--as", bank, code=2)
        assert said.stderr.strip() == f"error: AMOUNT: {POSITIVE}", said.output
        assert "No such option" not in said.output
    fractional = _refused(cli, "finance", "drawdown", "1", "-5.5", "--as", bank)
    assert fractional["field"] == "AMOUNT", fractional
    negative_id = _refused(cli, "finance", "drawdown", "-1", "5", "--as", bank)
    assert negative_id["field"] == "FINANCING_ID", negative_id
    assert "decimal digits" in negative_id["rule"], negative_id
    limit = _refused(cli, "finance", "list", "--limit", "-5")
    assert limit["field"] == "--limit", limit
    unknown = cli.run("finance", "drawdown", "1", "5", "--nope", "--as", bank, code=2)
    assert "No such option: --nope" in unknown.output
