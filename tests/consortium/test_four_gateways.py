"""One consortium, four organisations, four gateway processes on anvil (issue #13).

The operator (admin), bank A, bank B and a regulator each have their own data directory and run
their own `tradeledger serve`. Nothing is copied between the directories: bank A, bank B and the
regulator join with keys they make themselves (`tradeledger join`), the operator approves the
join requests (`tradeledger member approve FILE`). The consortium's fingerprint evaluator runs as
its own process with its own directory (`tradeledger evaluator serve`, issue #18); its public key
is on chain. Then the double-financing story runs across the gateways, and the test checks who
holds which key (no gateway holds the evaluator's), that the regulator reads the evaluator's log
through its own gateway, that with M = 2 one admin's proposal alone changes nothing, and that
with the evaluator stopped a bank cannot finance and says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ledger.cli import app as cli_app
from ledger.evaluator import KEY_FILE as EVALUATOR_KEY_FILE
from ledger.join import FINGERPRINT_KEY_FILE
from ledger.keys import Keystore
from tests.conftest import AnvilNode, free_port, start_gateway

pytestmark = pytest.mark.anvil

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
CII = resources.files("ledger.demo_data").joinpath("invoice-cii.xml").read_bytes()
FAST = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}
MATURITY = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()


class Org:
    """One organisation: its data directory, its API key, and (once served) its gateway."""

    def __init__(self, name: str, data_dir: Path) -> None:
        self.name = name
        self.data_dir = data_dir
        self.address = ""
        self.api_key = ""
        self.url = ""
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def own_keys(self) -> set[str]:
        keystore = Keystore(self.data_dir / "keystore", self.data_dir / "secrets")
        return set(keystore.addresses())


def cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli_app, [*args, "--json"], env={**FAST, **env})
    assert result.exit_code == 0, (args, result.output)
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def wait_for(check: Any, what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def evaluator_dir(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The evaluator's own directory; its process (started by the test) is stopped here."""
    state: dict[str, Any] = {"dir": tmp_path / "evaluator", "process": None}
    try:
        yield state
    finally:
        process = state["process"]
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=15)


def start_evaluator(state: dict[str, Any], node: AnvilNode, contract: str) -> str:
    """`tradeledger evaluator serve` on 127.0.0.1 (bounded wait until it answers)."""
    port = free_port()
    state["process"] = subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", "evaluator", "serve", "--data-dir",
         str(state["dir"]), "--chain-url", node.url, "--contract", contract,
         "--port", str(port)],
        env={**os.environ, **FAST}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/v1/public-key", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(up, "the evaluator to answer")
    return url


@pytest.fixture
def orgs(tmp_path: Path) -> Iterator[dict[str, Org]]:
    made = {
        name: Org(name, tmp_path / name) for name in ("operator", "bank_a", "bank_b", "regulator")
    }
    try:
        yield made
    finally:
        for org in made.values():
            if org.process is not None:
                org.process.terminate()
                try:
                    org.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    org.process.kill()
                    org.process.wait(timeout=5)


def serve(org: Org, node: AnvilNode, evaluator: str) -> None:
    port = free_port()
    env = {
        **os.environ,
        **FAST,
        "TRADELEDGER_CHAIN_URL": node.url,
        "TRADELEDGER_EVALUATOR_URL": evaluator,
    }
    org.process = start_gateway(org.data_dir, port, env)
    org.url = f"http://127.0.0.1:{port}"


def test_four_organisations_four_gateways(
    tmp_path: Path,
    anvil_node: AnvilNode,
    anvil_funding_key_file: Path,
    orgs: dict[str, Org],
    evaluator_dir: dict[str, Any],
) -> None:
    chain = {"TRADELEDGER_CHAIN_URL": anvil_node.url}
    operator, bank_a, bank_b, regulator = (
        orgs["operator"],
        orgs["bank_a"],
        orgs["bank_b"],
        orgs["regulator"],
    )
    op_env = {**chain, "TRADELEDGER_FUNDING_KEY_FILE": str(anvil_funding_key_file)}
    op_dir = ["--data-dir", str(operator.data_dir)]

    # the evaluator's key is made in its own directory; the operator deploys with its public
    # key; an enterprise is custodial at the operator's gateway
    made = cli({}, "evaluator", "init", "--data-dir", str(evaluator_dir["dir"]))
    created = cli(
        op_env, "init", "--admin-name", "Operator", "--evaluator-key", made["public_key"], *op_dir
    )
    operator.address, operator.api_key = created["admin"]["address"], created["admin"]["api_key"]
    contract = created["contract"]
    evaluator = start_evaluator(evaluator_dir, anvil_node, contract)
    chain = {**chain, "TRADELEDGER_EVALUATOR_URL": evaluator}
    op_env = {**op_env, "TRADELEDGER_EVALUATOR_URL": evaluator}
    exporter = cli(op_env, "member", "add", "Exporter", "--role", "enterprise", *op_dir)

    # three organisations join with keys they make in their own directories
    requests: dict[str, Path] = {}
    for org, role in ((bank_a, "bank"), (bank_b, "bank"), (regulator, "regulator")):
        requests[org.name] = tmp_path / f"{org.name}.join.json"
        joined = cli(
            chain,
            "join",
            "--chain-url", anvil_node.url,
            "--contract", contract,
            "--name", org.name,
            "--role", role,
            "--out", str(requests[org.name]),
            "--data-dir", str(org.data_dir),
        )  # fmt: skip
        org.address, org.api_key = joined["address"], joined["api_key"]

    # the operator approves bank A and the regulator; bank B's gateway starts before its own
    # approval and finishes joining by itself
    for org in (bank_a, regulator):
        approved = cli(op_env, "member", "approve", str(requests[org.name]), *op_dir)
        assert approved["status"] == "executed"
    serve(bank_b, anvil_node, evaluator)
    approved = cli(op_env, "member", "approve", str(requests["bank_b"]), *op_dir)
    assert approved["status"] == "executed"
    for org in (operator, bank_a, regulator):
        serve(org, anvil_node, evaluator)

    # no data directory holds another organisation's signing key
    ex = exporter["address"].lower()
    assert operator.own_keys() == {operator.address.lower(), ex}
    for org in (bank_a, bank_b, regulator):
        assert org.own_keys() == {org.address.lower()}, org.name
    # and none holds a fingerprint key: the evaluator's key is in its own directory only
    seed = (evaluator_dir["dir"] / EVALUATOR_KEY_FILE).read_text().strip()
    for org in (operator, bank_a, bank_b, regulator):
        for path in org.data_dir.rglob("*"):
            assert path.name not in (FINGERPRINT_KEY_FILE, EVALUATOR_KEY_FILE), path
            assert not path.is_file() or seed.encode() not in path.read_bytes(), path

    with httpx.Client(timeout=60) as http:
        # the enterprise registers the invoice at the operator's gateway
        exporter_headers = {"Authorization": f"Bearer {exporter['api_key']}"}
        files = {"file": ("invoice.xml", UBL, "application/xml")}
        registered = http.post(
            f"{operator.url}/v1/documents", files=files, headers=exporter_headers
        )
        assert registered.status_code == 201, registered.text
        doc_hash = registered.json()["doc_hash"]

        # bank A lodges and finances it at its own gateway, signing with its own key
        lodged = http.post(
            f"{bank_a.url}/v1/documents/receive", files=files, headers=bank_a.headers
        )
        assert lodged.status_code == 200, lodged.text
        assert lodged.json()["doc_hash"] == doc_hash
        body = {
            "documents": [{"doc_hash": doc_hash, "amount": 374_000}],
            "currency": "DKK",
            "kind": "invoice_financing",
            "maturity": MATURITY,
            "reference": "A-42",
        }
        financed = http.post(f"{bank_a.url}/v1/financings", json=body, headers=bank_a.headers)
        assert financed.status_code == 201, financed.text
        first = financed.json()
        assert first["bank"] == bank_a.address

        # bank B lodges the CII twin at its own gateway and is refused, with evidence
        twin = {"file": ("invoice-cii.xml", CII, "application/xml")}
        seen = http.post(f"{bank_b.url}/v1/documents/receive", files=twin, headers=bank_b.headers)
        assert seen.status_code == 200, seen.text
        assert seen.json()["conflicting_financings"] == [first["financing_id"]]
        body = {**body, "documents": [{"doc_hash": seen.json()["doc_hash"], "amount": 100_000}]}
        refused = http.post(f"{bank_b.url}/v1/financings", json=body, headers=bank_b.headers)
        assert refused.status_code == 409, refused.text
        details = refused.json()["details"]
        assert details["reason"] == "FINGERPRINT_PLEDGED"
        assert details["conflicting_financing_id"] == first["financing_id"]

        # bank B checks a re-issue of the invoice (new number and issue date) at its own
        # gateway: no fingerprint is shared, and bank A's file is not there, but the marks bank
        # A's financing carries on chain name it — never bank A's document
        reissue = UBL.replace(b"TOSL110", b"TOSL999").replace(b">2013-04-10<", b">2013-05-02<")
        copy = {"file": ("reissue.xml", reissue, "application/xml")}
        told = http.post(f"{bank_b.url}/v1/documents/check", files=copy, headers=bank_b.headers)
        assert told.status_code == 200, told.text
        assert told.json()["held_by"] == []  # not pledged
        # its own lodged CII copy of the original is a local suspicion, which names bank A's
        # financing holding that copy's fingerprints and carries the marks' reasons: one
        # suspicion, naming bank B's own file only — never bank A's document
        (suspicion,) = [s for s in told.json()["suspicions"] if s["financings"]]
        assert (suspicion["kind"], suspicion["financings"]) == ("reissue", [first["financing_id"]])
        assert suspicion["documents"] == [seen.json()["doc_hash"]]
        assert any(bank_a.address in r for r in suspicion["reasons"])

        # the regulator reads the evaluator's log through its own gateway's CLI, signed with its
        # own key: both banks' evaluations, counted, never an input
        log = cli(chain, "evaluator", "log", "--data-dir", str(regulator.data_dir))
        members = {e["member"] for e in log["items"] if e["outcome"] == "evaluated"}
        assert members == {bank_a.address, bank_b.address}
        assert all(set(e) == {"id", "member", "at", "count", "outcome"} for e in log["items"])

        # the regulator's own gateway shows the refusal
        def refusal_seen() -> list[dict[str, Any]]:
            answer = http.get(f"{regulator.url}/v1/audit/refusals", headers=regulator.headers)
            assert answer.status_code == 200, answer.text
            items: list[dict[str, Any]] = answer.json()["items"]
            return items

        items = wait_for(refusal_seen, "the refusal in the regulator's index")
        assert items[0]["bank"] == bank_b.address
        assert items[0]["conflicting_financing_id"] == first["financing_id"]

        # governance: a second organisation joins as ADMIN with its own key, M becomes 2, and
        # one admin's proposal alone changes nothing
        co_dir = tmp_path / "co_admin"
        co_request = tmp_path / "co_admin.join.json"
        co = cli(
            chain,
            "join", "--chain-url", anvil_node.url, "--contract", contract,
            "--name", "Co-operator", "--role", "admin", "--out", str(co_request),
            "--data-dir", str(co_dir),
        )  # fmt: skip
        cli(op_env, "member", "approve", str(co_request), *op_dir)
        assert Org("co_admin", co_dir).own_keys() == {co["address"].lower()}
        raised = cli(op_env, "member", "propose", "set-threshold", "--threshold", "2", *op_dir)
        assert raised["status"] == "executed"
        proposal = http.post(
            f"{operator.url}/v1/governance/proposals",
            json={"action": "suspend_member", "account": bank_b.address},
            headers=operator.headers,
        )
        assert proposal.status_code == 201, proposal.text
        assert proposal.json()["status"] == "pending"
        member = http.get(f"{regulator.url}/v1/members/{bank_b.address}", headers=regulator.headers)
        assert member.json()["active"] is True
        pending = http.get(
            f"{regulator.url}/v1/governance/proposals?pending=true", headers=regulator.headers
        )
        assert [p["action"] for p in pending.json()["items"]] == ["suspend_member"]
        # the operator alone cannot act directly either, nor make a second identical proposal
        pid = proposal.json()["proposal_id"]
        direct = http.post(
            f"{operator.url}/v1/members/{bank_b.address}/suspend", headers=operator.headers
        )
        assert direct.status_code == 409, direct.text
        assert f"proposal {pid}" in direct.json()["message"]
        done = cli(
            chain, "member", "approve-proposal", str(pid), "--data-dir", str(co_dir)
        )  # the co-operator approves at its own gateway, with its own key
        assert done["status"] == "executed"
        member = http.get(f"{regulator.url}/v1/members/{bank_b.address}", headers=regulator.headers)
        assert member.json()["active"] is False

    # the evaluator stopped: bank A cannot finance an invoice it never had evaluated and says
    # so; a check of one says holders are unknown. What the evaluator gave it before it keeps
    # (an input is evaluated once per bank and key): a check of its financed invoice still
    # names the financing, read on chain.
    evaluator_dir["process"].terminate()
    evaluator_dir["process"].wait(timeout=15)
    with httpx.Client(timeout=60) as http:
        again = http.post(f"{bank_a.url}/v1/documents/check", files=files, headers=bank_a.headers)
        assert again.status_code == 200, again.text
        assert [h["financing_id"] for h in again.json()["held_by"]] == [first["financing_id"]]
        new = UBL.replace(b"TOSL110", b"TOSL-DOWN").replace(b">2013-04-10<", b">2013-06-03<")
        fresh = {"file": ("new.xml", new, "application/xml")}
        seen = http.post(f"{bank_a.url}/v1/documents/check", files=fresh, headers=bank_a.headers)
        assert seen.status_code == 200, seen.text
        assert seen.json()["held_by"] is None  # unknown, not "not financed"
        assert seen.json()["conflicting_financings"] is None
        assert "holders_unknown" in {n["kind"] for n in seen.json()["notices"]}
        kept = http.post(f"{bank_a.url}/v1/documents/receive", files=fresh, headers=bank_a.headers)
        assert kept.status_code == 200, kept.text
        new_hash = kept.json()["doc_hash"]
        body = {**body, "documents": [{"doc_hash": new_hash, "amount": 1_000}], "reference": "A-43"}
        down = http.post(f"{bank_a.url}/v1/financings", json=body, headers=bank_a.headers)
        assert down.status_code == 503, down.text
        assert down.json()["error"] == "evaluator_unavailable"
