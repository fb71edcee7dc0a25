"""TradeTrust / OpenAttestation v2 (issue #17): documents wrapped by the real
``@tradetrust-tt/tradetrust`` library with this ledger's contract as their ``documentStore``,
registered by Merkle root through the API (one document) and the CLI (a batch of two), are
reported valid by the real verifier library ``@tradetrust-tt/tt-verify`` run under node against
anvil — integrity and document status — and revoked once revoked through the API. Issuer
identity (DNS-TXT) needs the internet and is not checked (docs/proofs.md).

The node side is ``tests/interop/openattestation.js``; the libraries are pinned in
``package-lock.json`` and installed by ``npm ci`` (scripts/test.sh)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from ledger.cli import app as cli_app
from ledger.network import init_network
from tests.conftest import ROOT, AnvilNode, Network, build_network, make_settings

pytestmark = pytest.mark.anvil

SCRIPT = Path(__file__).resolve().parent / "openattestation.js"
LIBRARIES = ("@tradetrust-tt/tradetrust", "@tradetrust-tt/tt-verify", "ethers")
#: bounded: the verifier makes a handful of eth_calls to a local node
NODE_TIMEOUT = 120


def _node(*args: str, stdin: Any) -> Any:
    done = subprocess.run(
        ["node", str(SCRIPT), *args],
        input=json.dumps(stdin).encode(),
        capture_output=True,
        timeout=NODE_TIMEOUT,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def _raw(store: str, number: str, kind: str = "BILL_OF_LADING") -> dict[str, Any]:
    """An OpenAttestation v2 document issued from our registry (DNS-TXT identity named, as
    TradeTrust documents do; the verifier here does not look it up)."""
    return {
        "$template": {"name": kind, "type": "EMBEDDED_RENDERER", "url": "https://example.com"},
        "issuers": [
            {
                "name": "Acme Exporters",
                "documentStore": store,
                "identityProof": {"type": "DNS-TXT", "location": "acme.example.com"},
            }
        ],
        "blNumber": number,
        "shipper": {"name": "Acme Exporters", "address": {"street": "Havnegade 1"}},
    }


def _fragment(result: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [f for f in result["fragments"] if f["name"] == name]
    return found


def _statuses(result: dict[str, Any]) -> tuple[str, str]:
    return (
        _fragment(result, "OpenAttestationHash")["status"],
        _fragment(result, "OpenAttestationEthereumDocumentStoreStatus")["status"],
    )


@pytest.fixture
def anvil_network(
    anvil_node: AnvilNode, anvil_funding_key_file: Path, tmp_path: Path
) -> Iterator[Network]:
    if shutil.which("node") is None or not all(
        (ROOT / "node_modules" / lib).is_dir() for lib in LIBRARIES
    ):
        pytest.skip("node and the TradeTrust libraries are needed (npm ci installs them)")
    settings = make_settings(
        tmp_path / "ledger", chain_url=anvil_node.url, funding_key_file=anvil_funding_key_file
    )
    ledger, admin_key = init_network(settings, "Test admin")
    try:
        yield build_network(ledger, admin_key, "anvil")
    finally:
        ledger.close()


def test_the_tradetrust_verifier_reads_our_registry(
    anvil_network: Network, anvil_node: AnvilNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = anvil_network
    ledger = net.ledger
    store = ledger.manifest.contract_address
    # one document wrapped alone, and two wrapped together (one Merkle root for both)
    (single,), (batch_a, batch_b) = _node(
        "wrap", stdin=[[_raw(store, "MAEU-1")], [_raw(store, "MAEU-2"), _raw(store, "MAEU-3")]]
    )
    root = "0x" + single["signature"]["merkleRoot"]
    assert batch_a["signature"]["merkleRoot"] == batch_b["signature"]["merkleRoot"]

    # not registered yet: intact, but not issued
    (before,) = _node("verify", anvil_node.url, stdin=[single])
    assert _statuses(before) == ("VALID", "INVALID")
    reason = _fragment(before, "OpenAttestationEthereumDocumentStoreStatus")["reason"]
    assert reason["codeString"] == "DOCUMENT_NOT_ISSUED"

    app = create_app(ledger.settings, ledger)
    with TestClient(app, raise_server_exceptions=False) as client:
        ent = net.enterprise.headers
        made = client.post("/v1/documents/openattestation", json=single, headers=ent)
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["doc_hash"] == body["merkle_root"] == root
        assert body["document_store"] == store
        assert body["doc_type"] == "bill_of_lading"  # from $template.name
        assert body["registration"]["registered_by"] == net.enterprise.address

        # the batch, registered from the command line: its root covers both documents
        monkeypatch.setenv("TRADELEDGER_CHAIN_URL", anvil_node.url)
        wrapped = ledger.settings.data_dir.parent / "batch-a.json"
        wrapped.write_text(json.dumps(batch_a))
        cli = CliRunner().invoke(
            cli_app,
            [
                "doc",
                "register-oa",
                str(wrapped),
                "--as",
                net.attestor.address,
                "--type",
                "warehouse_receipt",
                "--data-dir",
                str(ledger.settings.data_dir),
                "--json",
            ],
        )
        assert cli.exit_code == 0, cli.output
        assert json.loads(cli.stdout)["merkle_root"] == "0x" + batch_a["signature"]["merkleRoot"]
        # a proof bundle is for files registered by their SHA-256: the CLI says what to use
        prove = CliRunner().invoke(
            cli_app, ["doc", "prove", str(wrapped), "--data-dir", str(ledger.settings.data_dir)]
        )
        assert prove.exit_code == 3, prove.output
        assert "OpenAttestation document" in prove.output
        # the same root again (the batch's other document) is refused, naming who has it
        again = client.post("/v1/documents/openattestation", json=batch_b, headers=ent)
        assert again.status_code == 409, again.text
        assert again.json()["error"] == "DocumentAlreadyRegistered"

        # the verifier checks integrity itself: an edited copy is caught, whatever the store
        edited = json.loads(json.dumps(single))
        edited["data"]["blNumber"] = edited["data"]["blNumber"].rsplit(":", 1)[0] + ":MAEU-9"
        after, tampered, in_batch_a, in_batch_b = _node(
            "verify", anvil_node.url, stdin=[single, edited, batch_a, batch_b]
        )
        assert _statuses(after) == ("VALID", "VALID")
        assert after["valid"] == {"integrity": True, "status": True}
        assert _statuses(tampered)[0] == "INVALID"
        assert _statuses(in_batch_a) == _statuses(in_batch_b) == ("VALID", "VALID")

        revoked = client.post(f"/v1/documents/{root}/revoke", json={"reason_code": 3}, headers=ent)
        assert revoked.status_code == 200, revoked.text
        gone, other = _node("verify", anvil_node.url, stdin=[single, batch_b])
        assert _statuses(gone) == ("VALID", "INVALID")
        reason = _fragment(gone, "OpenAttestationEthereumDocumentStoreStatus")["reason"]
        assert reason["codeString"] == "DOCUMENT_REVOKED"
        assert gone["valid"] == {"integrity": True, "status": False}
        # revoking one root leaves the documents under another valid
        assert _statuses(other) == ("VALID", "VALID")


def test_a_document_naming_another_store_is_refused_before_anything_is_written(
    anvil_network: Network,
) -> None:
    net = anvil_network
    ledger = net.ledger
    other = "0x" + "42" * 20
    ((wrapped,), (ours,)) = _node(
        "wrap",
        stdin=[[_raw(other, "MAEU-7")], [_raw(ledger.manifest.contract_address, "MAEU-8")]],
    )
    app = create_app(ledger.settings, ledger)
    with TestClient(app, raise_server_exceptions=False) as client:
        refused = client.post(
            "/v1/documents/openattestation", json=wrapped, headers=net.enterprise.headers
        )
        assert refused.status_code == 422, refused.text
        details = refused.json()["details"]
        assert details["field"] == "data.issuers[0].documentStore"
        assert ledger.manifest.contract_address in details["rule"]
        root = bytes.fromhex(wrapped["signature"]["merkleRoot"])
        assert not ledger.contract.functions.isIssued(root).call()
        # a regulator may not register at all
        forbidden = client.post(
            "/v1/documents/openattestation", json=ours, headers=net.regulator.headers
        )
        assert forbidden.status_code == 403, forbidden.text
