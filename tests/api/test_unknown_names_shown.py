"""A body's unknown field names are the client's text, shown escaped and cut short (a tryout
sent a file without a Content-Type: curl sent it as a form, its bytes one long field name, and
the error carried them back with their control characters)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.api_helpers import client_fixture  # noqa: F401 (the fixture)
from tests.conftest import Network


def test_a_file_sent_as_a_urlencoded_form_is_named_escaped(
    client: TestClient, network: Network
) -> None:
    content = b"x\x1b[2Jy" + b"z" * 500
    response = client.post(
        "/v1/documents",
        content=content,
        headers={**network.enterprise.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    shown = body["details"]["field"]
    assert "\x1b" not in response.text  # not even JSON-escaped: \\u001b
    assert "\\u001b" not in response.text
    assert shown.startswith("x\\x1b[2Jy")
    assert len(shown) <= 80
    assert "is not a form field" in body["message"]
