"""The API reference pages in a real browser, with no internet: a served gateway (uvicorn on
127.0.0.1), Debian's chromium driven by Playwright, every request to a host other than the
loopback aborted. ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) must render the operations from
the assets the gateway serves itself, and ask nothing of any other host.

Skipped, with the reason, when playwright or ``/usr/bin/chromium`` is absent (``scripts/test.sh``
installs both; never ``playwright install``: the browser comes from Debian).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from ledger.network import init_network
from tests.conftest import free_port, make_settings, start_gateway

CHROMIUM = Path("/usr/bin/chromium")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.browser
sync_api: Any = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
)
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is absent (apt-get install chromium; scripts/test.sh does it as root)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A gateway process serving a fresh ledger on 127.0.0.1 (a free port)."""
    data_dir = tmp_path_factory.mktemp("browser") / "ledger"
    settings = make_settings(data_dir)
    ledger, _ = init_network(settings)
    ledger.close()
    env = {**os.environ, "TRADELEDGER_KEYSTORE_SCRYPT_N": str(settings.keystore_scrypt_n)}
    port = free_port()
    server = start_gateway(data_dir, port, env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except Exception:
            server.kill()
            server.wait(timeout=30)


@pytest.fixture
def offline_page(gateway: str) -> Iterator[tuple[Any, list[str]]]:
    """A chromium page whose requests to any non-loopback host are aborted (and recorded)."""
    blocked: list[str] = []

    def only_loopback(route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in LOOPBACK:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"], timeout=TIMEOUT_MS
        )
        try:
            context = browser.new_context()
            context.route("**/*", only_loopback)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            yield page, blocked
            context.close()
        finally:
            browser.close()


def _operations(gateway: str) -> list[tuple[str, str]]:
    spec = httpx.get(f"{gateway}/openapi.json", timeout=30).json()
    return [(m, p) for p, ops in spec["paths"].items() for m in ops]


def test_swagger_ui_renders_every_operation_offline(
    gateway: str, offline_page: tuple[Any, list[str]]
) -> None:
    page, blocked = offline_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{gateway}/docs", wait_until="load")
    register = page.locator(".opblock-post .opblock-summary-path[data-path='/v1/documents']")
    register.first.wait_for(state="visible")
    assert page.locator(".opblock-get .opblock-summary-path[data-path='/v1/documents']").count()
    assert page.locator(".opblock").count() == len(_operations(gateway))
    # the operation opens, with its declared error statuses
    register.first.click()
    responses = page.locator("#operations-documents-register_document_v1_documents_post")
    responses.locator("tr.response[data-code='409']").wait_for(state="visible")
    assert blocked == []
    assert errors == []


def test_redoc_renders_the_operations_offline(
    gateway: str, offline_page: tuple[Any, list[str]]
) -> None:
    page, blocked = offline_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{gateway}/redoc", wait_until="load")
    operation = page.locator(
        "[data-section-id='tag/documents/operation/register_document_v1_documents_post']"
    )
    operation.wait_for(state="attached")
    assert "/v1/documents" in operation.inner_text()
    assert page.locator("[data-section-id*='/operation/']").count() == len(_operations(gateway))
    assert blocked == []
    assert errors == []


def test_the_home_page_leads_to_the_references(
    gateway: str, offline_page: tuple[Any, list[str]]
) -> None:
    page, blocked = offline_page
    page.goto(f"{gateway}/", wait_until="load")
    assert "tradeledger" in page.title()
    page.get_by_role("link", name="/docs").click()
    page.locator(".opblock").first.wait_for(state="visible")
    assert page.url == f"{gateway}/docs"
    assert blocked == []
