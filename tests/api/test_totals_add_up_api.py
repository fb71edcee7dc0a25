"""A bank is told, and finances no more than, what an invoice's own lines and VAT give when its
totals were raised together with its amount due (tryout 53: a CII invoice whose lines and VAT
give 250.33 was financed at 2,503.30; a rounding amount of 1,000.00 raised the amount due by as
much). ``ledger/documents/calculation.py``; the reader-level variants are in
``tests/documents/test_totals_add_up.py``. Real embedded chain, the gateway app and the CLI.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from tests.api.api_helpers import (
    CII,
    DEMO_DUE,
    UBL,
    check,
    client_fixture,
    finance,
    lodge,
    own_invoice,
    xml,
)
from tests.cli.cli_helpers import Cli

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

#: the demo UBL invoice and its first line
DEMO_UBL = UBL
UBL_LINE = re.compile(rb"<cac:InvoiceLine>.*?</cac:InvoiceLine>", re.S)


def raised_ubl(prefix: str) -> bytes:
    """The demo UBL invoice (4,675.00 DKK: 4,000.00 of lines, 675.00 of VAT) whose total with
    VAT (BT-112) and amount due (BT-115) both read 46,750.00: BR-CO-16 holds, BR-CO-15 does
    not."""
    data = own_invoice(prefix)
    for tag in (b"TaxInclusiveAmount", b"PayableAmount"):
        data, n = re.subn(
            rb"(<cbc:" + tag + rb' currencyID="DKK">)4675.00<', rb"\g<1>46750.00<", data
        )
        assert n == 1, tag
    return data


def rounded_cii() -> bytes:
    """The demo CII invoice with a rounding amount (BT-114) of 1,000 and its amount due raised
    by as much: BR-CO-16 holds."""
    data = CII.replace(
        b"<ram:DuePayableAmount>4675</ram:DuePayableAmount>",
        b"<ram:RoundingAmount>1000</ram:RoundingAmount>"
        b"<ram:DuePayableAmount>5675</ram:DuePayableAmount>",
    )
    assert data != CII
    return data


def test_the_bank_is_told_and_finances_no_more_than_the_lines_and_vat(
    client: TestClient, network: Network
) -> None:
    bank = network.bank
    data = raised_ubl("RAISED")
    checked = check(client, bank, data)
    assert checked["facts"]["amountMinor"] == 4_675_000  # the face value is what it states
    assert checked["financeable_amount"] == DEMO_DUE
    [notice] = [n for n in checked["notices"] if n["kind"] == "amount_due_inconsistent"]
    message = notice["message"]
    assert message.startswith(
        "Its amount due of 46,750.00 DKK (BT-115) is more than its own lines, allowances, "
        "charges and VAT support: 4,675.00 DKK"
    ), message
    assert "BT-112 Invoice total amount with VAT" in message
    assert "states 46,750.00 DKK" in message
    assert "(EN 16931 BR-CO-15)" in message
    assert message.endswith("no more than 4,675.00 DKK can be financed of it")

    doc_hash = lodge(client, bank, data)["doc_hash"]
    too_much = finance(client, bank, doc_hash, amount=DEMO_DUE + 1)
    assert too_much.status_code == 422, too_much.text
    details = too_much.json()["details"]
    assert details["field"] == "documents[0].amount"
    assert details["business_rule"] == "EN 16931 BR-CO-15"
    assert (details["amount_due_by_totals"], details["face_value"]) == (DEMO_DUE, 4_675_000)
    [fault] = details["totals_faults"]
    assert (fault["field"], fault["stated"], fault["expected"]) == (
        "cbc:TaxInclusiveAmount",
        4_675_000,
        DEMO_DUE,
    )
    assert check(client, bank, data)["financing_headroom"] == DEMO_DUE  # nothing financed

    made = finance(client, bank, doc_hash, amount=DEMO_DUE)
    assert made.status_code == 201, made.text
    assert check(client, bank, data)["financing_headroom"] == 0


@pytest.mark.parametrize("role", ["regulator", "enterprise", "bank_b"])
def test_every_role_reads_the_same_notice(client: TestClient, network: Network, role: str) -> None:
    """The notice is about the file, not anyone's book: every role checking it reads it."""
    who = getattr(network, role)
    checked = check(client, who, raised_ubl(f"RAISED-{role}"))
    kinds = [n["kind"] for n in checked["notices"]]
    assert "amount_due_inconsistent" in kinds
    assert checked["financeable_amount"] in (DEMO_DUE, None)


def test_a_rounding_amount_of_1000_is_not_financed(client: TestClient, network: Network) -> None:
    checked = check(client, network.bank, rounded_cii())
    assert checked["facts"]["amountMinor"] == 567_500
    assert checked["financeable_amount"] == DEMO_DUE
    [notice] = [n for n in checked["notices"] if n["kind"] == "amount_due_inconsistent"]
    assert "BT-114 Rounding amount (ram:RoundingAmount) states 1,000.00 DKK" in notice["message"]


def test_the_cli_check_says_it(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    bank = next(m["address"] for m in created["members"] if m["role"] == "bank")
    path = tmp_path / "raised.xml"
    path.write_bytes(raised_ubl("RAISED-CLI"))
    out = cli.run("doc", "check", str(path), "--as", bank).stdout
    assert "note (amount_due_inconsistent): Its amount due of 46,750.00 DKK (BT-115)" in out
    assert "EN 16931 BR-CO-15" in out
    answer = cli.json("doc", "check", str(path), "--as", bank)
    assert answer["financeable_amount"] == DEMO_DUE


def test_an_invoice_of_1500_lines_is_checked_and_lodged(
    client: TestClient, network: Network
) -> None:
    """Tryout 57: an honest invoice of 1,500 lines was a 500 at check and receive (its
    re-issue mark's input, the lines' JSON, passed the 65,535 bytes an OPRF input may be), so no
    bank could lodge it. Such a mark's long fields stand as their SHA-256."""
    start = UBL_LINE.search(DEMO_UBL)
    assert start is not None
    lines = b"".join(
        start.group(0)
        .replace(b"<cbc:ID>1</cbc:ID>", f"<cbc:ID>{i}</cbc:ID>".encode(), 1)
        .replace(b"<cbc:Name>", f"<cbc:Name>Item number {i:05d} of a long invoice, ".encode(), 1)
        for i in range(1, 1501)
    )
    data = own_invoice("LONG").replace(start.group(0), lines, 1)
    checked = check(client, network.bank, data)
    assert len(checked["facts"]["lines"]) == 1502  # the other two lines kept
    lodged = client.post("/v1/documents/receive", files=xml(data), headers=network.bank.headers)
    assert lodged.status_code == 200, lodged.text
