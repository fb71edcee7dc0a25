"""Error rendering never fails on a string: a lone surrogate is written escaped."""

from __future__ import annotations

import json

from api.errors import ErrorResponse
from ledger.errors import InvalidInput
from ledger.messages import error_body
from ledger.surrogates import escape_surrogates, first_lone_surrogate


def test_an_error_naming_a_lone_surrogate_renders_as_utf_8() -> None:
    error = InvalidInput("\udfff", "is not a field: \ud800x", key="\udc80")
    body = error_body(error)
    text = json.dumps(body, ensure_ascii=False).encode()  # raised UnicodeEncodeError
    assert json.loads(text)["details"]["field"] == "\\udfff"
    rendered = ErrorResponse({"\ud800": ["\udc80"]}).body
    assert json.loads(rendered) == {"\\ud800": ["\\udc80"]}


def test_a_valid_pair_is_a_character_and_lone_halves_are_found_where_they_sit() -> None:
    assert first_lone_surrogate(json.loads('{"a":"\\ud83d\\ude00"}')) is None
    assert first_lone_surrogate({"a": [{"b": "x\ud800"}]}) == ("a[0].b", "\\ud800")
    assert first_lone_surrogate({"a": {"\udfffk": 1}}) == ("a.\\udfffk", "\\udfff")
    assert first_lone_surrogate("\udc80") == ("body", "\\udc80")
    assert escape_surrogates("ok \U0001f600") == "ok \U0001f600"
