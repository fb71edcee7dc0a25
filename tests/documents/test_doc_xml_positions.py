"""A file that is not well-formed XML is refused saying where once: "at line 65, column 38: …"
(a tryout read "… Identificati line 65, line 65, column 38": libxml2 and lxml each appended the
line). The same on every path that reads XML: a UBL invoice, a CII invoice, the CII inside a
Factur-X PDF, and through the API."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from test_doc_facturx import pdf_with

from ledger.documents import read_document
from ledger.errors import DocumentFormatError

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
CII = resources.files("ledger.demo_data").joinpath("invoice-cii.xml").read_bytes()


def _refusal(data: bytes) -> str:
    with pytest.raises(DocumentFormatError) as caught:
        read_document(data)
    return str(caught.value)


def _says_the_position_once(text: str) -> None:
    assert len(re.findall(r"\bline \d+", text)) == 1, text
    assert re.search(r"at line \d+, column \d+: \S", text), text


@pytest.mark.parametrize(
    "data",
    [
        UBL[:3000],  # cut in a start tag: "Couldn't find end of Start Tag … line 65"
        UBL[: len(UBL) // 2],  # premature end of data
        UBL.replace(b"</cbc:IssueDate>", b"</cbc:IssueDat>", 1),  # tag mismatch, same line
        CII.replace(b"</ram:ID>", b"</ram:IDx>", 1),
        CII[:2000],
        pdf_with({"factur-x.xml": CII[:2000]}),
    ],
    ids=["ubl-cut-in-tag", "ubl-cut", "ubl-mismatch", "cii-mismatch", "cii-cut", "facturx-cut"],
)
def test_a_syntax_error_says_its_position_once(data: bytes) -> None:
    _says_the_position_once(_refusal(data))


def test_a_tag_closed_on_another_line_says_where_it_opened() -> None:
    text = _refusal(UBL.replace(b"</cbc:IssueDate>", b"\n</cbc:IssueDat>", 1))
    assert "the start tag <IssueDate> (opened on line 17) is closed by </IssueDat>" in text
    assert "at line 18, column" in text
