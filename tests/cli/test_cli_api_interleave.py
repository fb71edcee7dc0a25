"""One member, two surfaces: the CLI writes beside a running gateway (through its node bridge)
while the API writes for the same member. Every write succeeds — a nonce the other process
took is resolved inside the gateway, never returned as a 422 — and is applied once; the same
idempotency key given to the CLI and then to the API names one write."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

from ledger.network import init_network
from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import free_port, make_settings, start_gateway

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()


def cli(data_dir: Path, env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "ledger.cli", *args, "--data-dir", str(data_dir), "--json"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_cli_and_api_writes_of_one_member_interleave(tmp_path: Path) -> None:
    data_dir = tmp_path / "ledger"
    settings = make_settings(data_dir)
    ledger, _ = init_network(settings)
    bank = member_svc.add_member(ledger, ledger.manifest.admin_address, "Bank A", Role.BANK)
    ledger.close()
    env = {**os.environ, "TRADELEDGER_KEYSTORE_SCRYPT_N": str(settings.keystore_scrypt_n)}
    address = bank.member.address
    headers = {"Authorization": f"Bearer {bank.api_key}"}
    port = free_port()
    server = start_gateway(data_dir, port, env)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as api:
            lodged = api.post(
                "/v1/documents/receive", files={"file": ("i.xml", UBL)}, headers=headers
            )
            assert lodged.status_code == 200, lodged.text
            maturity = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
            created = api.post(
                "/v1/financings",
                json={
                    "documents": [{"doc_hash": lodged.json()["doc_hash"], "amount": 374_000}],
                    "currency": "DKK",
                    "maturity": maturity,
                },
                headers=headers,
            )
            assert created.status_code == 201, created.text
            fid = str(created.json()["financing_id"])
            for i in range(3):
                # the CLI signs with the member's key in another process: the server's
                # next nonce is stale after it, and the server must resolve that itself
                cli(data_dir, env, "finance", "drawdown", fid, "1000", "--as", address)
                drawn = api.post(
                    f"/v1/financings/{fid}/drawdown",
                    json={"amount": 1000},
                    headers={**headers, "Idempotency-Key": f"api-{i}"},
                )
                assert drawn.status_code == 200, drawn.text
                cli(data_dir, env, "doc", "register", _write(tmp_path, i), "--as", address)
                registered = api.post(
                    "/v1/documents", files={"file": (f"a{i}.txt", f"api {i}")}, headers=headers
                )
                assert registered.status_code == 201, registered.text
            # one key, two surfaces, one write
            cli(
                data_dir,
                env,
                "finance",
                "drawdown",
                fid,
                "500",
                "--as",
                address,
                "--idempotency-key",
                "shared-1",
            )
            same = api.post(
                f"/v1/financings/{fid}/drawdown",
                json={"amount": 500},
                headers={**headers, "Idempotency-Key": "shared-1"},
            )
            assert same.status_code == 200, same.text
            final = api.get(f"/v1/financings/{fid}", headers=headers).json()
            assert final["drawn"] == 3 * 1000 + 3 * 1000 + 500
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _write(tmp_path: Path, i: int) -> str:
    path = tmp_path / f"cli-{i}.txt"
    path.write_text(f"registered through the CLI {i}")
    return str(path)
