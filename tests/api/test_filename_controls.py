"""A filename with a control character (``"\\x1b[31mred.xml"``: a terminal colour code) was
stored and echoed as sent. It is refused, 422 naming the upload's field and the rule, before
anything is read, lodged or registered — on every route that keeps a filename, and in the
CLI (which names the file it was given)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.api_helpers import (
    client_fixture,  # noqa: F401 (the fixture)
    register,
)
from tests.conftest import Network

#: names as a client sends them (a multipart filename keeps these; CR, LF and NUL do not
#: survive an HTTP client's encoding of one)
NAMES = ["\x1b[31mred.xml", "del\x7f.txt", "c1\x9b31m.txt", "bidi\u202egnp.exe"]


def _lodged(client: TestClient, network: Network) -> object:
    return client.get("/v1/documents/lodged", headers=network.enterprise.headers).json()


@pytest.mark.parametrize("name", NAMES)
def test_register_and_receive_refuse_a_control_character_in_the_filename(
    client: TestClient, network: Network, name: str
) -> None:
    before = _lodged(client, network)
    content = f"file {name!r}".encode()
    for route in ("/v1/documents", "/v1/documents/receive"):
        got = client.post(
            route,
            files={"file": (name, content, "text/plain")},
            headers=network.enterprise.headers,
        )
        assert got.status_code == 422, (route, got.text)
        details = got.json()["details"]
        assert details["field"] == "file"
        assert "filename must not contain a control character" in details["rule"]
        assert details["character"].startswith("U+")
    assert _lodged(client, network) == before
    hashed = client.post(
        "/v1/documents/verify",
        files={"file": ("clean.txt", content, "text/plain")},
        headers=network.enterprise.headers,
    )
    assert hashed.json().get("registered") in (False, None), hashed.text


def test_a_batch_names_the_file_with_the_control_character(
    client: TestClient, network: Network
) -> None:
    before = _lodged(client, network)
    files = [
        ("files", ("fine.txt", b"batch fine one", "text/plain")),
        ("files", ("\x1b[2Kbad.txt", b"batch bad one", "text/plain")),
    ]
    got = client.post("/v1/documents/batch", files=files, headers=network.enterprise.headers)
    assert got.status_code == 422, got.text
    assert got.json()["details"]["field"] == "files[1]"
    assert _lodged(client, network) == before


def test_supersede_refuses_it_too(client: TestClient, network: Network) -> None:
    old = register(client, network.enterprise)
    got = client.post(
        f"/v1/documents/{old}/supersede",
        files={"file": ("\x1b]0;title\x07.txt", b"amended", "text/plain")},
        headers=network.enterprise.headers,
    )
    assert got.status_code == 422, got.text
    assert got.json()["details"]["field"] == "file"
    shown = client.get(f"/v1/documents/{old}", headers=network.enterprise.headers).json()
    assert shown["status"] == "active"
