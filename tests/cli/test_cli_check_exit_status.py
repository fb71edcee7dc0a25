"""``doc check``'s exit status follows the table in docs/user-tasks.md over the EN 16931 corpus,
for every kind of file and every reader: 3 an active financing holds it, 5 NOT FINANCEABLE, 4
whether a financing holds it is not known, 0 none of these; an enterprise's exit status says
nothing about financings (never 3 or 4).

A newcomer's check of ``issue116.xml`` as a bank printed "no fingerprint: this document cannot
be financed" and "left to finance: unknown" and exited 0 — the status that says no financing
holds it and a bank may go ahead. An invoice whose seller's every identifier failed its check
has no fingerprint, and ``finance create`` refuses it: it now says ``NOT FINANCEABLE`` in its
``seller_unkeyed`` note's words, nothing left to finance, and exits 5. Real CLI over a real
embedded chain and evaluator.
"""

from __future__ import annotations

import pytest

from tests.cli.cli_helpers import Cli
from tests.conftest import CORPUS

#: invoices whose seller's every identifier fails its check digits: no fingerprint
UNKEYED = (
    "cii/CII_example2.xml",
    "ubl/ubl-tc434-example2.xml",
    "ubl/guide-example2.xml",
    "ubl/issue116.xml",
    "cii/XRechnung-O.xml",
    "ubl/ubl-tc434-example6.xml",
)
#: files no bank can finance for their own facts: a credit note, an amount due of zero
NOT_FINANCEABLE = ("ubl/ubl-tc434-creditnote1.xml", "cii/CII-BR-CO-10-RoundingIssue.xml")
#: keyed invoices nothing holds (the same invoice, 250.33 EUR, as UBL and as CII)
KEYED_UBL, KEYED_CII = "ubl/ubl-tc434-example1.xml", "cii/CII_example1.xml"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, str]]:
    cli = Cli(tmp_path_factory.mktemp("exit") / "ledger")
    members = cli.json("init", "--demo")["members"]
    return cli, {m["role"]: m["address"] for m in members}


def _check(cli: Cli, name: str, who: str | None, code: int) -> str:
    as_member = ("--as", who) if who else ()
    return cli.run("doc", "check", str(CORPUS / name), *as_member, code=code).stdout


@pytest.mark.parametrize("name", UNKEYED)
def test_an_invoice_without_a_fingerprint_exits_5_for_every_reader(
    demo: tuple[Cli, dict[str, str]], name: str
) -> None:
    cli, by_role = demo
    for who in (by_role["bank"], by_role["regulator"], by_role["enterprise"], None):
        said = _check(cli, name, who, 5)
        assert "note (seller_unkeyed)" in said, said
        assert "NOT FINANCEABLE: the seller's identifiers failed their checks" in said, said
        [left] = [ln for ln in said.splitlines() if "left to finance" in ln]
        assert "left to finance: 0.00 " in left, left  # never "unknown" beside "cannot be financed"
    as_json = cli.json("doc", "check", str(CORPUS / name), "--as", by_role["bank"], code=5)
    assert as_json["financeable_amount"] == 0
    assert as_json["financing_headroom"] == 0
    assert "seller_unkeyed" in {n["kind"] for n in as_json["notices"]}


@pytest.mark.parametrize("name", NOT_FINANCEABLE)
def test_a_credit_note_or_nothing_due_exits_5_for_every_reader(
    demo: tuple[Cli, dict[str, str]], name: str
) -> None:
    cli, by_role = demo
    for who in (by_role["bank"], by_role["regulator"], by_role["enterprise"], None):
        assert "NOT FINANCEABLE: " in _check(cli, name, who, 5)


def test_keyed_invoices_exit_0_4_and_3_as_the_table_says(
    demo: tuple[Cli, dict[str, str]],
) -> None:
    cli, by_role = demo
    bank, regulator, exporter = by_role["bank"], by_role["regulator"], by_role["enterprise"]
    for name in (KEYED_UBL, KEYED_CII):
        _check(cli, name, bank, 0)  # nothing holds it
        _check(cli, name, regulator, 4)  # no bank lodged a copy: not known to a regulator
        _check(cli, name, exporter, 0)  # says nothing about financings
    doc_hash = cli.json("doc", "receive", str(CORPUS / KEYED_UBL), "--as", bank)["doc_hash"]
    cli.json(
        "finance", "create", "--as", bank, "--doc", f"{doc_hash}=20000", "--currency", "EUR",
        "--maturity", "2099-12-31", "--kind", "invoice_financing", "--reference", "EXIT-1",
    )  # fmt: skip
    for name in (KEYED_UBL, KEYED_CII):  # the CII copy: the same fingerprints
        assert "PLEDGED" in _check(cli, name, bank, 3)
        _check(cli, name, regulator, 3)
        _check(cli, name, exporter, 0)  # never 3: a forged copy must not learn it is financed
