"""Every role's common tasks from the README, walked as a user would: a served gateway (a real
process on the embedded chain), its API over HTTP and the ``tradeledger`` CLI beside it (through
the server's node bridge), side by side. Each task is done on both surfaces, and what one
surface wrote, the other reads."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.network import init_network
from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import free_port, make_settings, start_gateway

DEMO = resources.files("ledger.demo_data")
UBL = DEMO.joinpath("invoice-ubl.xml").read_bytes()
CII = DEMO.joinpath("invoice-cii.xml").read_bytes()
BILL = DEMO.joinpath("bill-of-lading.json").read_bytes()
MATURITY = (datetime.now(UTC) + timedelta(days=120)).date().isoformat()


@dataclass
class Member:
    name: str
    address: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@dataclass
class Gateway:
    data_dir: Path
    env: dict[str, str]
    http: httpx.Client
    tmp: Path
    members: dict[str, Member] = field(default_factory=dict)

    def cli(self, *args: str, ok: bool = True) -> tuple[int, Any]:
        """Run ``tradeledger ARGS --json``; the exit code and the parsed output."""
        done = subprocess.run(
            [sys.executable, "-m", "ledger.cli", *args, "--data-dir", str(self.data_dir), "--json"],
            env=self.env,
            capture_output=True,
            timeout=180,
            check=False,
        )
        text = done.stdout.decode()
        if ok:
            assert done.returncode == 0, f"{args}: {text}{done.stderr.decode()}"
        try:
            return done.returncode, json.loads(text) if text.strip() else None
        except ValueError:
            return done.returncode, text

    def cli_text(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "ledger.cli", *args, "--data-dir", str(self.data_dir)],
            env=self.env,
            capture_output=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, f"{args}: {done.stdout.decode()}{done.stderr.decode()}"
        return done.stdout.decode()

    def file(self, name: str, data: bytes) -> str:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return str(path)

    def api(self, method: str, path: str, who: Member, status: int = 200, **kwargs: Any) -> Any:
        response = self.http.request(method, path, headers=who.headers, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.text}"
        return response.json()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    tmp = tmp_path_factory.mktemp("journey")
    data_dir = tmp / "ledger"
    settings = make_settings(data_dir)
    ledger, admin_key = init_network(settings)
    members = {"admin": Member("admin", ledger.manifest.admin_address, admin_key)}
    for name, role in [
        ("bank", Role.BANK),
        ("bank_b", Role.BANK),
        ("enterprise", Role.ENTERPRISE),
        ("regulator", Role.REGULATOR),
        ("attestor", Role.ATTESTOR),
    ]:
        new = member_svc.add_member(ledger, ledger.manifest.admin_address, name, role)
        members[name] = Member(name, new.member.address, new.api_key)
    ledger.close()
    env = {
        **os.environ,
        "TRADELEDGER_DATA_DIR": str(data_dir),
        "TRADELEDGER_KEYSTORE_SCRYPT_N": str(settings.keystore_scrypt_n),
    }
    port = free_port()
    server = start_gateway(data_dir, port, env)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            yield Gateway(data_dir, env, http, tmp, members)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_enterprise_tasks(gateway: Gateway) -> None:
    g, me = gateway, gateway.members["enterprise"]
    # register an invoice: CLI, then the API reads it (and the other way round)
    _, cli_reg = g.cli("doc", "register", g.file("e/inv.xml", UBL), "--as", me.address)
    doc_hash = cli_reg["doc_hash"]
    shown = g.api("GET", f"/v1/documents/{doc_hash}", me)
    assert shown["registered_by"] == me.address
    assert shown["status"] == "active"
    api_reg = g.api(
        "POST", "/v1/documents", me, 201, files={"file": ("n.txt", b"enterprise note 1")}
    )
    _, cli_show = g.cli("doc", "show", api_reg["doc_hash"])
    assert cli_show["registered_by"] == me.address
    # a bill of lading as JSON facts, on both surfaces
    _, bill = g.cli("doc", "register", g.file("e/bill.json", BILL), "--as", me.address)
    assert bill["doc_hash"].startswith("0x")
    form = json.loads(BILL)
    form["documentNumber"] = "MAEU-JOURNEY-2"
    g.api("POST", "/v1/documents/json", me, 201, json=form)
    # a folder of documents, and a batch through the API
    for i in range(3):
        g.file(f"e/outbox/f{i}.txt", f"outbox file {i}".encode())
    _, imported = g.cli("doc", "import", str(g.tmp / "e" / "outbox"), "--as", me.address)
    assert len(imported["registered"]) == 3
    batch = g.api(
        "POST",
        "/v1/documents/batch",
        me,
        201,
        files=[("files", (f"b{i}.txt", f"batch file {i}".encode())) for i in range(2)],
    )
    assert len(batch["documents"]) == 2
    # amend (supersede) and revoke, each on one surface, seen on the other
    _, sup = g.cli(
        "doc",
        "supersede",
        api_reg["doc_hash"],
        g.file("e/amended.txt", b"enterprise note 1, amended"),
        "--as",
        me.address,
    )
    old = g.api("GET", f"/v1/documents/{api_reg['doc_hash']}", me)
    assert old["status"] == "superseded"
    g.api(
        "POST",
        f"/v1/documents/{sup['new_doc_hash']}/revoke",
        me,
        json={"reason_code": 3},
    )
    _, revoked = g.cli("doc", "show", sup["new_doc_hash"])
    assert revoked["status"] == "revoked"


def test_bank_tasks(gateway: Gateway) -> None:
    g, me, other = gateway, gateway.members["bank"], gateway.members["bank_b"]
    inv = g.file("b/invoice.xml", UBL)
    _, checked = g.cli("doc", "check", inv, "--as", me.address)
    assert checked["doc_hash"].startswith("0x")
    api_check = g.api("POST", "/v1/documents/check", me, files={"file": ("i.xml", UBL)})
    assert api_check["doc_hash"] == checked["doc_hash"]
    _, lodged = g.cli("doc", "receive", inv, "--as", me.address)
    doc_hash = lodged["doc_hash"]
    _, created = g.cli(
        "finance",
        "create",
        "--as",
        me.address,
        "--doc",
        f"{doc_hash}=374000",
        "--currency",
        "DKK",
        "--maturity",
        MATURITY,
        "--kind",
        "invoice_financing",
        "--reference",
        "A-42",
    )
    fid = created["financing_id"]
    seen = g.api("GET", f"/v1/financings/{fid}", me)
    assert seen["amount"] == 374_000
    # the other bank lodges the CII twin through the API and is refused, with evidence
    twin = g.api("POST", "/v1/documents/receive", other, files={"file": ("c.xml", CII)})
    refused = g.http.post(
        "/v1/financings",
        headers=other.headers,
        json={
            "documents": [{"doc_hash": twin["doc_hash"], "amount": 100_000}],
            "currency": "DKK",
            "maturity": MATURITY,
        },
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "financing_refused"
    # draw down and repay on both surfaces; close
    g.cli("finance", "drawdown", str(fid), "200000", "--as", me.address)
    g.api("POST", f"/v1/financings/{fid}/drawdown", me, json={"amount": 100_000})
    g.api("POST", f"/v1/financings/{fid}/repay", me, json={"amount": 250_000})
    _, repaid = g.cli("finance", "repay", str(fid), "50000", "--as", me.address)
    assert (repaid["drawn"], repaid["repaid"]) == (300_000, 300_000)
    g.cli("finance", "close", str(fid), "--as", me.address)
    assert g.api("GET", f"/v1/financings/{fid}", me)["status"] == "closed"
    # cancel one through the API, seen by the CLI
    again = g.api("POST", "/v1/documents/receive", me, files={"file": ("i2.xml", UBL)})
    second = g.api(
        "POST",
        "/v1/financings",
        me,
        201,
        json={
            "documents": [{"doc_hash": again["doc_hash"], "amount": 1000}],
            "currency": "DKK",
            "maturity": MATURITY,
        },
    )
    g.api("POST", f"/v1/financings/{second['financing_id']}/cancel", me, json={"reason_code": 2})
    _, cancelled = g.cli("finance", "show", str(second["financing_id"]))
    assert cancelled["status"] == "cancelled"


def test_regulator_tasks(gateway: Gateway) -> None:
    g, me = gateway, gateway.members["regulator"]
    bank = gateway.members["bank"]
    test_bank_tasks_done = g.api("GET", "/v1/financings", me, params={"bank": bank.address})
    if not test_bank_tasks_done["items"]:
        pytest.skip("runs after the bank's tasks (module order)")
    _, refusals = g.cli("audit", "refusals")
    api_refusals = g.api("GET", "/v1/audit/refusals", me)
    assert refusals
    assert api_refusals
    doc_hash = test_bank_tasks_done["items"][0]["documents"][0]["doc_hash"]
    _, timeline = g.cli("audit", "timeline", doc_hash)
    assert timeline
    assert g.api("GET", f"/v1/audit/documents/{doc_hash}/timeline", me)
    _, listed = g.cli("finance", "list", "--bank", bank.address, "--status", "closed")
    assert listed
    out = g.tmp / "audit.csv"
    g.cli_text("audit", "export", "--format", "csv", "--out", str(out))
    assert out.read_text().count("\n") > 5
    exported = g.http.get("/v1/audit/export", headers=me.headers, params={"format": "csv"})
    assert exported.status_code == 200
    _, verified = g.cli("audit", "verify")
    assert verified
    assert g.api("GET", "/v1/audit/verify", me)


def test_attestor_tasks(gateway: Gateway) -> None:
    g, me = gateway, gateway.members["attestor"]
    bill = g.file("a/receipt.json", BILL.replace(b"MAEU", b"WHSE"))
    _, reg = g.cli("doc", "register", bill, "--as", me.address)
    doc_hash = reg["doc_hash"]
    code, _ = g.cli("doc", "verify", bill)
    assert code == 0
    api_verified = g.api("POST", "/v1/documents/verify", me, files={"file": ("r.json", b"x")})
    assert api_verified["registered"] is False
    g.cli("doc", "attest", doc_hash, "--as", me.address, "--evidence", "MRN 24DK000123")
    shown = g.api("GET", f"/v1/documents/{doc_hash}", me)
    assert [a["attestor"] for a in shown["attestations"]] == [me.address]
    text = g.cli_text("doc", "show", doc_hash)
    assert "attestation" in text.lower()
    g.api("POST", f"/v1/documents/{doc_hash}/revoke", me, json={"reason_code": 1})
    assert g.cli("doc", "verify", bill, ok=False)[0] != 0  # revoked: never "valid"


def test_admin_tasks(gateway: Gateway) -> None:
    g, me = gateway, gateway.members["admin"]
    _, added = g.cli(
        "member", "add", "Bank C", "--role", "bank", "--legal-id", "5493001KJTIIGC8Y1R12"
    )
    new = Member("Bank C", added["address"], added["api_key"])
    assert g.api("GET", f"/v1/members/{new.address}", new)["role"] == "bank"
    api_added = g.api(
        "POST", "/v1/members", me, 201, json={"name": "Exporter 2", "role": "enterprise"}
    )
    _, rotated = g.cli("key", "rotate", new.address)
    assert g.http.get("/v1/members", headers=new.headers).status_code == 401
    new.api_key = rotated["api_key"]
    assert g.http.get("/v1/members", headers=new.headers).status_code == 200
    g.api("POST", f"/v1/keys/{api_added['address']}/revoke", me)
    g.cli("member", "suspend", new.address)
    assert g.api("GET", f"/v1/members/{new.address}", me)["active"] is False
    g.api("POST", f"/v1/members/{new.address}/reinstate", me)
    _, members = g.cli("member", "list")
    assert any(m["address"] == new.address and m["active"] for m in members["items"])
    assert g.http.get("/health").status_code == 200
