"""A JSON form that is not JSON is refused saying what and where (a tryout uploaded a bill of
lading with ``"amount": NaN``, and a truncated one, and read only "not a well-formed UTF-8
JSON document"): NaN and Infinity name the field they were written in, a syntax error its
line and column, as an XML error does."""

from __future__ import annotations

import pytest

from ledger.documents.jsonform import read_json_form
from ledger.errors import DocumentFormatError


@pytest.mark.parametrize(
    ("form", "field", "said"),
    [
        (b'{"documentType": "BillOfLading", "amount": NaN}', "amount", "NaN is not a JSON number"),
        (
            b'{"documentType": "Invoice", "totalAmount": {"value": -Infinity}}',
            "totalAmount.value",
            "-Infinity is not a JSON number",
        ),
        (
            b'{"documentType": "Invoice", "lines": [{}, {"quantity": Infinity}]}',
            "lines[1].quantity",
            "Infinity",
        ),
        (
            b'{"documentType": "Invoice",\n  "documentNumber": ',
            "file",  # the form as a whole: the file the client sent
            "at line 2, column 21: Expecting value",
        ),
        (b'{"documentType": "Invoice", "x": 1,}', "file", "at line 1, column 36"),
        (b'\xff{"documentType": "Invoice"}', "file", "byte 0 is not UTF-8"),
    ],
)
@pytest.mark.parametrize("strict", [True, False])
def test_a_form_that_is_not_json_says_what_and_where(
    form: bytes, field: str, said: str, strict: bool
) -> None:
    with pytest.raises(DocumentFormatError) as refused:
        read_json_form(form, strict=strict)
    assert refused.value.field == field
    assert said in refused.value.rule
