"""``read_document(registering=True)`` refuses a control character in an XML invoice's
identifiers (``ledger.controls``), naming the element or the EN 16931 term; reading the same
file to verify, check or receive it is unchanged. Pure: no chain."""

from __future__ import annotations

from importlib import resources

import pytest

from ledger.documents import read_document
from ledger.errors import DocumentFormatError

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
CII = resources.files("ledger.demo_data").joinpath("invoice-cii.xml").read_bytes()


@pytest.mark.parametrize(
    ("data", "old", "new", "field"),
    [
        (CII, b"<ram:ID>TOSL110</ram:ID>", b"<ram:ID>TOSL\x7f110</ram:ID>", "ram:ID"),
        (UBL, b"<cbc:ID>TOSL110</cbc:ID>", b"<cbc:ID>TOSL&#x9b;110</cbc:ID>", "cbc:ID"),
        (UBL, b"<cbc:ID>123</cbc:ID>", b"<cbc:ID>12\x7f3</cbc:ID>", "references.order"),
    ],
)
def test_a_control_character_in_an_xml_identifier_is_refused_when_registering(
    data: bytes, old: bytes, new: bytes, field: str
) -> None:
    assert old in data
    bad = data.replace(old, new, 1)
    with pytest.raises(DocumentFormatError) as refused:
        read_document(bad, registering=True)
    assert refused.value.field == field
    assert "control character" in refused.value.rule
    assert read_document(bad).facts is not None  # read as before


def test_xml_layout_whitespace_in_an_identifier_is_not_a_control_character() -> None:
    laid_out = UBL.replace(b"<cbc:ID>TOSL110</cbc:ID>", b"<cbc:ID>\n  TOSL\t110\r\n</cbc:ID>", 1)
    facts = read_document(laid_out, registering=True).facts
    assert facts is not None
    assert facts.number == "TOSL110"
