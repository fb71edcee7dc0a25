"""While the chain node is down (restarting under a running gateway), every request that needs
the chain answers 503 ``chain_unavailable`` — the status a client retries — never a 500: reads
of contract state as much as writes (found by the crash suite's node restarts on anvil)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.network import init_network
from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import make_settings, start_anvil

pytestmark = pytest.mark.anvil


def test_requests_while_the_node_is_down_answer_503(tmp_path: Path) -> None:
    node = start_anvil("--block-base-fee-per-gas", "0", "--gas-price", "0")
    try:
        settings = make_settings(tmp_path / "l", chain_url=node.url, gas_pricing="zero")
        ledger, _ = init_network(settings)
        try:
            admin = ledger.manifest.admin_address
            exporter = member_svc.add_member(ledger, admin, "Exporter", Role.ENTERPRISE)
            bank = member_svc.add_member(ledger, admin, "Bank", Role.BANK)
            app = create_app(settings, ledger)
            with TestClient(app, raise_server_exceptions=False) as client:
                node.stop()
                doc = "0x" + hashlib.sha256(b"node down").hexdigest()
                invoice = {"file": ("i.txt", b"an invoice while the node is down", "text/plain")}
                as_exporter = {"Authorization": f"Bearer {exporter.api_key}"}
                as_bank = {"Authorization": f"Bearer {bank.api_key}"}
                requests = [
                    ("GET", f"/v1/documents/{doc}", as_exporter, {}),
                    ("POST", "/v1/documents/check", as_exporter, {"files": invoice}),
                    ("POST", "/v1/documents/receive", as_bank, {"files": invoice}),
                    ("POST", "/v1/documents/verify", as_exporter, {"files": invoice}),
                    ("POST", "/v1/documents", as_exporter, {"files": invoice}),
                    ("GET", "/v1/financings/1", as_bank, {}),
                    ("GET", "/v1/financings", as_bank, {}),
                    ("POST", "/v1/financings/1/drawdown", as_bank, {"json": {"amount": 5}}),
                ]
                for method, path, headers, kwargs in requests:
                    response = client.request(method, path, headers=headers, **kwargs)
                    assert response.status_code == 503, (method, path, response.text)
                    assert response.json()["error"] == "chain_unavailable", (method, path)
        finally:
            ledger.close()
    finally:
        node.stop()
