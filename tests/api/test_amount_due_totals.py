"""An invoice that states more due than its own totals give is financed no further than its
totals (EN 16931 BR-CO-16: BT-115 = BT-112 - BT-113 + BT-114; ``ledger/documents/totals.py``).

A tryout lodged a UBL invoice whose amount due was inflated above its total with VAT less the
amount paid: it became the face value without a word, and a bank could finance money nobody
owes. The check now says so (notice ``amount_due_inconsistent``, in the API and the CLI), its
financeable amount is what the totals give, and a financing above that is refused naming the
rule. Real embedded chain, real evaluator, the gateway app and the CLI.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from ledger.documents.detect import read_document
from ledger.errors import DocumentFormatError
from tests.api.api_helpers import CII, check, client_fixture, finance, lodge, own_invoice, xml
from tests.cli.cli_helpers import Cli
from tests.conftest import CORPUS
from tests.documents.documents_support import field_bytes

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

#: the demo invoice's totals (DKK): 4,675.00 with VAT; 1,000.00 paid makes 3,675.00 due
PAID = b'<cbc:PrepaidAmount currencyID="DKK">1000.00</cbc:PrepaidAmount>'
PAYABLE = b'<cbc:PayableAmount currencyID="DKK">4675.00</cbc:PayableAmount>'
MESSAGE = (
    "Its amount due of 4,675.00 DKK (BT-115) is not what its totals give: 3,675.00 DKK, the total "
    "with VAT (BT-112) less the amount paid (BT-113) plus rounding (BT-114), as EN 16931 BR-CO-16 "
    "requires: no more than 3,675.00 DKK can be financed of it"
)


def inflated_ubl() -> bytes:
    """A fresh demo UBL invoice with 1,000.00 paid (BT-113) that still states 4,675.00 due."""
    data = own_invoice("BRCO16").replace(PAYABLE, PAID + PAYABLE)
    assert PAID in data
    return data


def inflated_cii() -> bytes:
    """The demo CII invoice with 1,000 paid (BT-113) that still states 4,675 due (BT-115)."""
    data = CII.replace(
        b"<ram:DuePayableAmount>4675</ram:DuePayableAmount>",
        b"<ram:TotalPrepaidAmount>1000</ram:TotalPrepaidAmount>"
        b"<ram:DuePayableAmount>4675</ram:DuePayableAmount>",
    )
    assert data != CII
    return data


def test_every_corpus_invoice_keeps_the_rule() -> None:
    """No false alarm on real invoices: the EN 16931 samples all keep BR-CO-16."""
    files = sorted(CORPUS.rglob("*.xml"))
    assert len(files) > 20
    for path in files:
        facts = read_document(path.read_bytes()).facts
        assert facts is not None, path
        assert facts.amount_due_by_totals is None, path
        assert facts.amount_due_minor == facts.amount_minor, path


@pytest.mark.parametrize(
    ("data", "by_totals"),
    [
        (inflated_ubl(), 367_500),
        (inflated_cii(), 367_500),
        # the field case: 1,200.00 due of 1,801.78 with VAT, 1,000.00 paid, 0.22 rounding
        (field_bytes("identifiers-placeholder/b-seller2-TOSL108.xml"), 80_200),
    ],
    ids=["ubl", "cii", "field-case"],
)
def test_the_readers_keep_what_the_totals_give(data: bytes, by_totals: int) -> None:
    facts = read_document(data).facts
    assert facts is not None
    assert facts.amount_due_by_totals == by_totals
    assert facts.amount_due_minor == by_totals  # the lesser
    assert facts.amount_minor is not None
    assert facts.amount_minor > by_totals  # the face value is what the file states


def _ubl_total(tag: bytes, text: bytes, currency: bytes = b"DKK") -> bytes:
    """The inflated UBL invoice with its total ``tag`` (added when absent) reading ``text``."""
    data = inflated_ubl()
    element = re.compile(rb"<cbc:" + tag + rb' currencyID="DKK">[^<]*</cbc:' + tag + rb">")
    written = b"<cbc:" + tag + b' currencyID="' + currency + b'">' + text + b"</cbc:" + tag + b">"
    if element.search(data):
        return element.sub(written, data, count=1)
    return data.replace(PAYABLE, written + PAYABLE, 1)


@pytest.mark.parametrize(
    ("tag", "term"),
    [
        (b"TaxInclusiveAmount", "BT-112 Invoice total amount with VAT"),
        (b"PrepaidAmount", "BT-113 Paid amount"),
        (b"PayableRoundingAmount", "BT-114 Rounding amount"),
    ],
)
@pytest.mark.parametrize("text", [b"n/a", b"1E3", b"1,000.00", b"NaN"])
def test_a_ubl_total_that_is_not_a_number_refuses_the_file(
    tag: bytes, term: str, text: bytes
) -> None:
    """It used to leave BR-CO-16 unapplied without a word: an amount due inflated above its
    totals was financed in full when its paid amount read ``n/a`` (the lines' fault of tryout
    51, in the totals)."""
    with pytest.raises(DocumentFormatError) as refused:
        read_document(_ubl_total(tag, text))
    assert refused.value.field == f"cbc:{tag.decode()}"
    assert f"must be a decimal number such as 1234.56 ({term})" in refused.value.rule
    assert refused.value.details["value"] == text.decode()


@pytest.mark.parametrize(
    ("tag", "term"),
    [
        (b"GrandTotalAmount", "BT-112"),
        (b"TotalPrepaidAmount", "BT-113"),
        (b"RoundingAmount", "BT-114"),
    ],
)
def test_a_cii_total_that_is_not_a_number_refuses_the_file(tag: bytes, term: str) -> None:
    data = inflated_cii()
    if b"<ram:" + tag + b">" not in data:
        data = data.replace(
            b"<ram:DuePayableAmount>",
            b"<ram:" + tag + b">0</ram:" + tag + b"><ram:DuePayableAmount>",
            1,
        )
    bad = re.sub(rb"<ram:" + tag + rb">[^<]*<", b"<ram:" + tag + b">1E3<", data, count=1)
    assert bad != data
    with pytest.raises(DocumentFormatError) as refused:
        read_document(bad)
    assert refused.value.field == f"ram:{tag.decode()}"
    assert term in refused.value.rule


@pytest.mark.parametrize("paid", [b"-1000.00", b"-0.01"])
def test_a_negative_paid_amount_is_counted_as_nothing(paid: bytes) -> None:
    """Tryout 50: a paid amount of -1,000.00 with 5,675.00 due added up (BR-CO-16) and raised
    the amount due above the invoice's 4,675.00 total with VAT without a word. It was then
    refused — and with it FeRD's valid motor insurance sample (type 575: 220.00 with VAT,
    -220.00 paid, 440.00 due), in every syntax. Now the file is read, and its amount due held
    to its total with VAT, the paid amount named as the fault."""
    stated = 467_500 - int(Decimal(paid.decode()) * 100)
    payable = f'<cbc:PayableAmount currencyID="DKK">{Decimal(stated) / 100:.2f}</cbc:PayableAmount>'
    data = _ubl_total(b"PrepaidAmount", paid).replace(PAYABLE, payable.encode(), 1)
    facts = read_document(data).facts
    assert facts is not None
    assert facts.amount_minor == stated
    assert facts.amount_due_minor == 467_500  # the total with VAT: nothing paid counted
    first = facts.totals_faults[0]
    assert (first.rule, first.field) == ("tradeledger: BT-113 not below zero", "cbc:PrepaidAmount")
    assert first.stated == int(Decimal(paid.decode()) * 100)
    assert first.expected == 0
    cii = re.sub(
        rb"<ram:TotalPrepaidAmount>[^<]*<", b"<ram:TotalPrepaidAmount>-1000<", inflated_cii()
    )
    cii_facts = read_document(cii).facts
    assert cii_facts is not None
    assert cii_facts.totals_faults[0].field == "ram:TotalPrepaidAmount"


def test_a_negative_paid_amount_without_a_total_with_vat_is_refused() -> None:
    """Without a total with VAT nothing holds the amount due: such a file is refused, naming
    the paid amount."""
    data = re.sub(
        rb"<cbc:TaxInclusiveAmount[^>]*>[^<]*</cbc:TaxInclusiveAmount>",
        b"",
        _ubl_total(b"PrepaidAmount", b"-1000.00"),
    ).replace(PAYABLE, b'<cbc:PayableAmount currencyID="DKK">5675.00</cbc:PayableAmount>', 1)
    with pytest.raises(DocumentFormatError) as refused:
        read_document(data)
    assert refused.value.field == "cbc:PrepaidAmount"
    assert "must not be negative when the invoice's amount due is positive" in refused.value.rule


def test_a_negative_invoice_reverses_its_prepayment_and_is_read() -> None:
    """Peppol BIS Billing 3.0 credits by a negative invoice: every total negative, its paid
    amount too (the CEN/TC 434 test file BIS_Billing_30-Kreditering_med_negativ_faktura)."""
    data = inflated_ubl()
    for tag, value in (
        (b"TaxInclusiveAmount", b"-4675.00"),
        (b"PrepaidAmount", b"-1000.00"),
        (b"PayableAmount", b"-3675.00"),
    ):
        data = re.sub(
            rb"(<cbc:" + tag + rb' currencyID="DKK">)[^<]*<',
            rb"\g<1>" + value + b"<",
            data,
            count=1,
        )
    facts = read_document(data).facts
    assert facts is not None
    assert facts.amount_minor == -367_500
    assert facts.amount_due_by_totals is None


@pytest.mark.parametrize("tag", [b"PrepaidAmount", b"PayableRoundingAmount", b"TaxInclusiveAmount"])
def test_a_ubl_total_in_another_currency_refuses_the_file(tag: bytes) -> None:
    """A paid amount in USD on a DKK invoice was left out of BR-CO-16 without a word."""
    with pytest.raises(DocumentFormatError) as refused:
        read_document(_ubl_total(tag, b"1000.00", b"USD"))
    assert refused.value.field == f"cbc:{tag.decode()}/@currencyID"
    assert "must be the document currency DKK" in refused.value.rule
    assert "PEPPOL-EN16931-R051" in refused.value.rule


def test_an_inflated_invoice_with_an_unreadable_paid_amount_is_refused_at_every_route(
    client: TestClient, network: Network
) -> None:
    data = _ubl_total(b"PrepaidAmount", b"n/a")
    for route, who in (
        ("/v1/documents/check", network.bank),
        ("/v1/documents/receive", network.bank),
        ("/v1/documents", network.enterprise),
    ):
        answer = client.post(route, files=xml(data), headers=who.headers)
        assert answer.status_code == 422, (route, answer.text)
        assert answer.json()["details"]["field"] == "cbc:PrepaidAmount", answer.text
    lodged = client.get("/v1/documents/lodged", headers=network.bank.headers).json()
    assert "0x" + hashlib.sha256(data).hexdigest() not in [i["doc_hash"] for i in lodged["items"]]


def test_the_bank_is_told_and_finances_no_more_than_the_totals(
    client: TestClient, network: Network
) -> None:
    bank = network.bank
    data = inflated_ubl()
    checked = check(client, bank, data)
    assert checked["facts"]["amountMinor"] == 467_500  # the face value is what the file says
    assert checked["facts"]["amountDueByTotals"] == 367_500
    assert checked["financeable_amount"] == 367_500
    [notice] = [n for n in checked["notices"] if n["kind"] == "amount_due_inconsistent"]
    assert notice["message"] == MESSAGE

    doc_hash = lodge(client, bank, data)["doc_hash"]
    too_much = finance(client, bank, doc_hash, amount=367_501)
    assert too_much.status_code == 422, too_much.text
    details = too_much.json()["details"]
    assert details["field"] == "documents[0].amount"
    assert "BR-CO-16" in details["rule"]
    assert (details["amount_due_by_totals"], details["face_value"]) == (367_500, 467_500)
    assert check(client, bank, data)["financing_headroom"] == 367_500  # nothing was financed

    made = finance(client, bank, doc_hash, amount=367_500)
    assert made.status_code == 201, made.text
    assert check(client, bank, data)["financing_headroom"] == 0


def test_a_consistent_invoice_has_no_notice(client: TestClient, network: Network) -> None:
    checked = check(client, network.bank, own_invoice("BRCO16-OK"))
    assert checked["facts"]["amountDueByTotals"] is None
    assert checked["financeable_amount"] == 467_500
    assert all(n["kind"] != "amount_due_inconsistent" for n in checked["notices"])


def test_the_cli_check_says_it(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    bank = next(m["address"] for m in created["members"] if m["role"] == "bank")
    path = tmp_path / "inflated.xml"
    path.write_bytes(inflated_cii())
    out = cli.run("doc", "check", str(path), "--as", bank).stdout
    assert f"note (amount_due_inconsistent): {MESSAGE}" in out
    answer = cli.json("doc", "check", str(path), "--as", bank)
    assert answer["financeable_amount"] == 367_500


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            own_invoice("DEC").replace(
                b">4675.00</cbc:PayableAmount>", b">4675.005</cbc:PayableAmount>"
            ),
            "cbc:PayableAmount",
        ),
        (
            CII.replace(b"<ram:DuePayableAmount>4675<", b"<ram:DuePayableAmount>4675.999<"),
            "ram:DuePayableAmount",
        ),
    ],
    ids=["ubl", "cii"],
)
def test_an_amount_due_is_read_as_written_never_rounded(
    client: TestClient, network: Network, data: bytes, field: str
) -> None:
    """A tryout's ``1515.75 JPY`` was read as 1,516 and financeable for it: a face value rounded
    up is money nobody owes. More decimals than the currency has is refused, naming where the
    file states it; trailing zeros are not more decimals."""
    answer = client.post("/v1/documents/check", files=xml(data), headers=network.bank.headers)
    assert answer.status_code == 422, answer.text
    details = answer.json()["details"]
    assert details["field"] == field
    assert "more decimals than DKK has" in details["rule"]
    zeros = own_invoice("DEC0").replace(
        b">4675.00</cbc:PayableAmount>", b">4675.000</cbc:PayableAmount>"
    )
    assert check(client, network.bank, zeros)["facts"]["amountMinor"] == 467_500


def test_an_invoice_no_bank_can_finance_has_nothing_financeable(
    client: TestClient, network: Network
) -> None:
    """A tryout's batch answer gave ``financeable_amount: 80178`` beside the notice that no bank
    can finance the invoice (its seller's every identifier failed its check: no fingerprint).
    What can be financed of it is 0, as the notice says."""
    data = (CORPUS / "ubl" / "ubl-tc434-example2.xml").read_bytes()
    checked = check(client, network.bank, data)
    assert checked["facts"]["amountMinor"] == 80_178  # its amount due, as the file states it
    assert [n["kind"] for n in checked["notices"] if n["kind"] == "seller_unkeyed"]
    assert checked["financeable_amount"] == 0


@pytest.mark.parametrize(
    ("tag", "value", "refused"),
    [
        (b"PrepaidAmount", b"1000.00", True),
        (b"PayableRoundingAmount", b"0.25", True),
        (b"PrepaidAmount", b"0.00", False),
    ],
)
def test_an_invoice_without_its_amount_due_but_with_a_payment_is_refused(
    tag: bytes, value: bytes, refused: bool
) -> None:
    """Tryout 52: the demo invoice with 1,000.00 paid and no amount due (BT-115) was read as
    owing its 4,675.00 total with VAT and financed in full. Without a payment or rounding
    stated, the total with VAT is what is due, and is read as before."""
    data = _ubl_total(tag, value)
    data = re.sub(rb"\s*<cbc:PayableAmount [^>]*>[^<]*</cbc:PayableAmount>", b"", data, count=1)
    assert b"PayableAmount" not in data
    if not refused:
        facts = read_document(data).facts
        assert facts is not None
        assert facts.amount_minor == 467_500
        return
    with pytest.raises(DocumentFormatError) as caught:
        read_document(data)
    assert caught.value.field == "cbc:PayableAmount"
    assert "required (BT-115 Amount due for payment, EN 16931 BR-15)" in caught.value.rule
    assert f"(cbc:{tag.decode()})" in caught.value.rule


def test_a_cii_invoice_without_its_amount_due_but_with_a_payment_is_refused() -> None:
    data = inflated_cii().replace(b"<ram:DuePayableAmount>4675</ram:DuePayableAmount>", b"")
    assert b"DuePayableAmount" not in data
    with pytest.raises(DocumentFormatError) as caught:
        read_document(data)
    assert caught.value.field == "ram:DuePayableAmount"
    assert "BT-113 Paid amount (ram:TotalPrepaidAmount)" in caught.value.rule


def test_an_inflated_invoice_leaving_out_its_total_with_vat_is_refused() -> None:
    """4,675.00 due with 1,000.00 paid and no total with VAT (BT-112): the amount due could not
    be checked (BR-CO-16) and was financed in full. Refused naming BT-112 and BR-14."""
    data = re.sub(
        rb"\s*<cbc:TaxInclusiveAmount [^>]*>[^<]*</cbc:TaxInclusiveAmount>", b"", inflated_ubl()
    )
    assert b"TaxInclusiveAmount" not in data
    with pytest.raises(DocumentFormatError) as caught:
        read_document(data)
    assert caught.value.field == "cbc:TaxInclusiveAmount"
    assert "(BT-112 Invoice total amount with VAT, EN 16931 BR-14)" in caught.value.rule
    plain = re.sub(
        rb"\s*<cbc:TaxInclusiveAmount [^>]*>[^<]*</cbc:TaxInclusiveAmount>", b"", own_invoice()
    )
    facts = read_document(plain).facts  # nothing paid: read as before
    assert facts is not None
    assert facts.amount_minor == 467_500


@pytest.mark.parametrize(
    "tag",
    [
        b"LineTotalAmount",
        b"TaxBasisTotalAmount",
        b"GrandTotalAmount",
        b"TotalPrepaidAmount",
        b"RoundingAmount",
        b"DuePayableAmount",
    ],
)
def test_a_cii_total_only_in_another_currency_refuses_the_file(tag: bytes) -> None:
    """Tryout 53: a CII total stated in USD on a DKK invoice was read as not stated (a paid
    amount in USD left out of BR-CO-16); UBL refused it already (PEPPOL-EN16931-R051). The VAT
    total alone may be stated in the VAT accounting currency too (BT-111)."""
    data = inflated_cii()
    if b"<ram:" + tag + b">" not in data:
        data = data.replace(
            b"<ram:DuePayableAmount>",
            b"<ram:" + tag + b">1</ram:" + tag + b"><ram:DuePayableAmount>",
            1,
        )
    header = data.rindex(b"<ram:" + tag + b">")  # the header total, not a line's
    bad = data[:header] + data[header:].replace(
        b"<ram:" + tag + b">", b"<ram:" + tag + b' currencyID="USD">', 1
    )
    assert bad != data
    with pytest.raises(DocumentFormatError) as refused:
        read_document(bad)
    assert refused.value.field == f"ram:{tag.decode()}/@currencyID"
    assert "must be the document currency DKK (BT-5, ram:InvoiceCurrencyCode), not USD" in (
        refused.value.rule
    )
    # in the invoice currency, written out, it is read
    same = data[:header] + data[header:].replace(
        b"<ram:" + tag + b">", b"<ram:" + tag + b' currencyID="DKK">', 1
    )
    assert read_document(same).facts is not None


def test_a_cii_line_amount_in_another_currency_refuses_the_file() -> None:
    """As a UBL line's (PEPPOL-EN16931-R051): a line in USD on a DKK invoice is not read as DKK."""
    bad = CII.replace(b"<ram:LineTotalAmount>500<", b'<ram:LineTotalAmount currencyID="USD">500<')
    assert bad != CII
    with pytest.raises(DocumentFormatError) as refused:
        read_document(bad)
    assert refused.value.field == (
        "ram:IncludedSupplyChainTradeLineItem[2]/ram:LineTotalAmount/@currencyID"
    )
    assert refused.value.details["line"] == 2


def test_a_paid_amount_above_the_total_says_nothing_can_be_financed(
    client: TestClient, network: Network
) -> None:
    """Tryout 53: 7,000.00 paid of a 4,675.00 invoice still stating 4,675.00 due read "no more
    than -2,325.00 DKK can be financed of it"."""
    data = _ubl_total(b"PrepaidAmount", b"7000.00")
    checked = check(client, network.bank, data)
    assert checked["financeable_amount"] == 0
    [notice] = [n for n in checked["notices"] if n["kind"] == "amount_due_inconsistent"]
    assert notice["message"].endswith(": nothing can be financed of it"), notice["message"]
    assert "-2,325.00" in notice["message"]  # what the totals give, said as such
    assert "no more than -" not in notice["message"]
    assert any(n["kind"] == "nothing_due" for n in checked["notices"])
