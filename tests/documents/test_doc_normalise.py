"""Each normalisation rule in docs/documents.md, with its example."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.documents import IdScheme, Party, PartyId, make_party_id
from ledger.documents.normalise import (
    clean_text,
    normalise_currency,
    normalise_identifier,
    normalise_vat_id,
    parse_amount_text,
    parse_cii_date,
    parse_form_date,
    parse_iso_date,
    parse_xml_decimal,
    to_minor_units,
)
from ledger.errors import InvalidInput


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("inv-42a", "INV42A"),  # case
        ("  INV 42 A\t", "INV42A"),  # whitespace
        ("DE 123.456/789", "DE123456789"),  # separators . / - _ : , ; | \ ( ) and spaces
        ("2024_07:15,3;1|2\\(9)", "202407153129"),  # separators go first, then zeros
        ("INV-0042", "INV42"),  # leading zeros in each run of digits
        ("000123", "123"),
        ("0", "0"),
        ("00", "0"),
        ("A0B007", "A0B7"),
        ("ＩＮＶ１", "INV1"),  # Unicode compatibility forms (full-width)
    ],
)
def test_identifiers(written: str, canonical: str) -> None:
    assert normalise_identifier(written) == canonical


def test_an_identifier_of_separators_only_is_refused() -> None:
    with pytest.raises(InvalidInput, match="letter or digit"):
        normalise_identifier(" - / ", "number")


def test_an_overlong_identifier_is_refused() -> None:
    with pytest.raises(InvalidInput, match="longer than"):
        normalise_identifier("A" * 201)


@pytest.mark.parametrize(
    ("written", "country", "canonical"),
    [
        ("DE123456789", None, "DE123456789"),
        ("de 123 456 789", None, "DE123456789"),
        ("123456789", "DE", "DE123456789"),  # the country prefix comes from the party's country
        ("123456789", None, "123456789"),
        ("GR 094259216", None, "EL94259216"),  # Greece is EL in VAT ids
        ("094259216", "GR", "EL94259216"),
        ("NL8200.98.395.B.01", "NL", "NL820098395B1"),
    ],
)
def test_vat_ids(written: str, country: str | None, canonical: str) -> None:
    assert normalise_vat_id(written, country) == canonical


def test_a_vat_id_with_and_without_prefix_is_one_party() -> None:
    a = Party.of([make_party_id(IdScheme.VAT, "DE136695976")])
    b = Party.of([make_party_id(IdScheme.VAT, "136 695 976", country="DE")])
    assert a == b
    assert a.same_as(b)


@pytest.mark.parametrize(
    ("icd", "scheme"),
    [("0088", IdScheme.GLN), ("0199", IdScheme.LEI), ("0060", IdScheme.ICD), ("", IdScheme.PARTY)],
)
def test_iso_6523_schemes(icd: str, scheme: IdScheme) -> None:
    assert make_party_id(IdScheme.ICD, "0012345", icd=icd).scheme is scheme


def test_names_are_cleaned_and_not_compared() -> None:
    assert clean_text("  ACME\u00a0 Trading\nGmbH ") == "ACME Trading GmbH"
    vat = make_party_id(IdScheme.VAT, "DE136695976")
    assert Party.of([vat], name="ACME GmbH") == Party.of([vat], name="Acme Gesellschaft")


def test_a_party_without_any_identifier_is_known_by_its_name() -> None:
    party = Party.of([], name=" Buyercompany  ltd ")
    assert party.ids == (PartyId(IdScheme.NAME, "BUYERCOMPANY LTD"),)


@pytest.mark.parametrize(("written", "canonical"), [(" eur ", "EUR"), ("Jpy", "JPY")])
def test_currencies(written: str, canonical: str) -> None:
    assert normalise_currency(written) == canonical


@pytest.mark.parametrize("written", ["EURO", "€", "E1R", ""])
def test_a_bad_currency_is_refused(written: str) -> None:
    with pytest.raises(InvalidInput, match="ISO 4217"):
        normalise_currency(written)


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("250.33", "EUR", 25033),
        ("12.5", "EUR", 1250),
        ("1250", "JPY", 1250),  # exponent 0
        ("1.250", "BHD", 1250),  # exponent 3
        ("0.125", "EUR", 13),  # rounded half up to the minor unit
        ("-10.00", "EUR", -1000),
        ("99.99", "XYZ", 9999),  # unknown codes default to 2 decimals
    ],
)
def test_minor_units(amount: str, currency: str, minor: int) -> None:
    assert to_minor_units(Decimal(amount), currency) == minor


@pytest.mark.parametrize(
    ("written", "value"),
    [("250.33", "250.33"), ("+250.330", "250.33"), ("-.5", "-0.5"), (" 1234 ", "1234")],
)
def test_xml_amounts(written: str, value: str) -> None:
    assert parse_xml_decimal(written, "amount") == Decimal(value)


@pytest.mark.parametrize("written", ["250,33", "1,234.56", "1e3", "", "NaN"])
def test_xml_amounts_are_strict(written: str) -> None:
    with pytest.raises(InvalidInput):
        parse_xml_decimal(written, "amount")


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1234.5", "1234.5"),
        ("1,234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1'234.56", "1234.56"),
        ("1234,5", "1234.5"),
        ("1.234.567", "1234567"),
        ("1,234,567.8", "1234567.8"),
        ("0,125", "0.125"),
        ("-1.234,50", "-1234.50"),
    ],
)
def test_form_amounts(written: str, value: str) -> None:
    assert parse_amount_text(written, "totalAmount.value") == Decimal(value)


def test_a_single_separator_before_three_digits_is_read_by_the_currency() -> None:
    with pytest.raises(InvalidInput, match="ambiguous"):
        parse_amount_text("1,234", "totalAmount.value", exponent=2)
    assert parse_amount_text("1.250", "v", exponent=0) == Decimal(1250)
    assert parse_amount_text("1.250", "v", exponent=3) == Decimal("1.250")


@pytest.mark.parametrize("written", ["1.234,5,6", "12,34.567.8", "1,23,456.00", "abc", "1.2.3"])
def test_malformed_form_amounts_are_refused(written: str) -> None:
    with pytest.raises(InvalidInput):
        parse_amount_text(written, "totalAmount.value")


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("2024-03-01Z", date(2024, 3, 1)),
        ("2024-03-01+02:00", date(2024, 3, 1)),
    ],
)
def test_iso_dates(written: str, day: date) -> None:
    assert parse_iso_date(written, "issueDate") == day


def test_cii_dates_are_format_102() -> None:
    assert parse_cii_date("20240301", "102", "d") == date(2024, 3, 1)
    with pytest.raises(InvalidInput, match="102"):
        parse_cii_date("202403", "610", "d")
    with pytest.raises(InvalidInput, match="calendar"):
        parse_cii_date("20240230", "102", "d")


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("20240301", date(2024, 3, 1)),
        ("01.03.2024", date(2024, 3, 1)),
        ("1.3.2024", date(2024, 3, 1)),
        ("13/03/2024", date(2024, 3, 13)),  # 13 cannot be a month: DD/MM/YYYY
        ("04/04/2024", date(2024, 4, 4)),  # day and month equal: no ambiguity
    ],
)
def test_form_dates(written: str, day: date) -> None:
    assert parse_form_date(written, "issueDate") == day


@pytest.mark.parametrize("written", ["03/04/2024", "2024/03/01", "1 March 2024", "31.02.2024"])
def test_ambiguous_or_unknown_form_dates_are_refused(written: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_form_date(written, "issueDate")
    assert info.value.field == "issueDate"


@pytest.mark.parametrize(
    "written",
    ["2024-03-01T23:00:00-05:00", "2024-03-01T10:00", "2024-03-01t10:00Z", "2024-03-01 10:00"],
)
def test_a_time_is_not_part_of_a_date(written: str) -> None:
    """``xs:date`` (UBL) and a form registered now refuse a time part, naming the term; read
    leniently (a form registered before), a form's date is the day written."""
    with pytest.raises(InvalidInput, match="a time is not part of BT-2") as info:
        parse_iso_date(written, "cbc:IssueDate", "BT-2 Invoice issue date")
    assert info.value.field == "cbc:IssueDate"
    with pytest.raises(InvalidInput, match="a time is not part of BT-2"):
        parse_form_date(written, "issueDate", strict=True, term="BT-2 Invoice issue date")
    if "T" in written:
        assert parse_form_date(written, "issueDate") == date(2024, 3, 1)


@pytest.mark.parametrize("written", ["2024-03-01Z", "2024-03-01+02:00"])
def test_a_registered_form_date_takes_no_offset(written: str) -> None:
    with pytest.raises(InvalidInput, match="write no offset"):
        parse_form_date(written, "issueDate", strict=True, term="BT-2 Invoice issue date")
    assert parse_form_date(written, "issueDate") == date(2024, 3, 1)


def test_an_ambiguous_amount_says_both_readings_and_what_to_write() -> None:
    """``"10.123"`` EUR was told to be written "with a '.' decimal point and no grouping" —
    as it was (a tryout): the refusal now says both readings and what to write for each."""
    from ledger.documents.normalise import parse_amount_text
    from ledger.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        parse_amount_text("10.123", "totalAmount.value", 2)
    rule = refused.value.rule
    assert "could be 10123 (the '.' grouping thousands) or 10.123 (a decimal point" in rule
    assert "write 10123, or the amount with at most 2 decimals" in rule
