"""``/``, ``/docs`` and ``/redoc`` without the internet: the pages name only assets this gateway
serves, the assets are there, and ``/`` tells a person or a client where to go."""

from __future__ import annotations

import re

import pytest
from api_helpers import client_fixture
from fastapi.testclient import TestClient

from api.pages import wants_html

__all__ = ["client_fixture"]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_reference_pages_load_only_this_gateways_assets(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html)
    assert urls, html
    for url in urls:
        assert url.startswith("/"), f"{page} loads {url} from another host"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000 or url.endswith(".json"), url
    assert "https://" not in html
    assert response.headers["content-security-policy"] == "img-src 'self' data:"


def test_the_home_page_answers_a_browser_in_html(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/", headers={"Accept": browser})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for link in ("/docs", "/redoc", "/openapi.json", "/health"):
        assert f'href="{link}"' in response.text
    assert "Authorization: Bearer" in response.text
    assert "curl -H &quot;$H&quot; -F file=@invoice.xml $GW/v1/documents" in response.text


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/html;q=0.5, */*"])
def test_the_home_page_answers_a_client_in_json(client: TestClient, accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "tradeledger"
    assert body["links"] == {
        "docs": "/docs",
        "redoc": "/redoc",
        "openapi": "/openapi.json",
        "health": "/health",
    }
    assert body["first_steps"][0]["example"].startswith("export GW=")
    for link in body["links"].values():
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_the_first_steps_name_the_address_the_request_reached(
    client: TestClient, accept: str
) -> None:
    """Served on another port (``tradeledger serve --port 8716``), ``/`` says that port."""
    response = client.get("http://127.0.0.1:8716/", headers={"Accept": accept})
    assert response.status_code == 200
    assert "export GW=http://127.0.0.1:8716 H=" in response.text
    assert "8000" not in response.text


def test_a_host_header_that_is_not_plainly_an_address_is_not_echoed(client: TestClient) -> None:
    response = client.get("/", headers={"Host": "x$(id)"})
    assert response.status_code == 200
    example = response.json()["first_steps"][0]["example"]
    assert example.startswith("export GW=http://<gateway host>:<port> H=")
    assert "$(id)" not in response.text


def test_content_negotiation() -> None:
    assert wants_html("text/html")
    assert wants_html("text/*")
    assert not wants_html("*/*")
    assert not wants_html("")
    assert not wants_html("application/json, text/html;q=0.9")
    assert not wants_html("text/html;q=0")
    assert wants_html("application/json;q=0.5, text/html")
    assert not wants_html("text/html;q=bogus, application/json")
