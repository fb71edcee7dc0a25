"""A validator's error location read as the path the client wrote (``ledger.fieldnames``)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ledger.fieldnames import path_text, sent_path


class _Term(BaseModel):
    at: int | str
    amount: int


class _Body(BaseModel):
    terms: list[_Term]


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"terms": [{"at": 1.5, "amount": 1}]}, "terms[0].at"),  # union members: at.int, at.str
        ({"terms": [{"at": 1, "amount": "x"}]}, "terms[0].amount"),
        ({"terms": [{"at": 1}]}, "terms[0].amount"),  # left out: named
        ({}, "terms"),
    ],
)
def test_a_field_is_named_as_sent(sent: Any, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _Body.model_validate(sent)
    names = {path_text(sent_path(e["loc"], sent)) for e in caught.value.errors()}
    assert names == {field}, caught.value.errors()
