"""``tradeledger doc prove`` and ``doc verify-proof`` (issue #17), as a counterparty uses them:
against a served gateway's ``/rpc`` bridge (the embedded chain, held by a real ``tradeledger
serve`` process) and against anvil, from a directory that holds no ledger at all. The answer
leads with one word, every check is listed, and the exit status says what failed — 0 only for
a file that is the proof's document, registered as the proof says, and still active."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ledger import cli
from ledger.chain import bridge
from ledger.cli import app
from ledger.cli_proof import PROOF_EXIT
from ledger.network import init_network
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services import proof as proof_svc
from ledger.services.documents import HashedForm
from ledger.services.proof import Outcome
from ledger.services.roles import Role
from ledger.services.verify import VerifyStatus
from tests.conftest import AnvilNode, Network, free_port, make_settings, start_gateway

FAST = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}
LEI = "5493001KJTIIGC8Y1R12"
INVOICE = b"commercial invoice INV-42, 4,675.00 DKK, due 2027-01-31"


def run(*args: str, code: int, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(app, list(args), env={**FAST, **(env or {})})
    assert result.exit_code == code, (args, result.output, result.exception)
    assert "Traceback" not in result.output
    return result


def edit(proof: Path, out: Path, path: str, value: Any) -> Path:
    data = json.loads(proof.read_text())
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[last] = value
    out.write_text(json.dumps(data))
    return out


def test_verify_proof_exit_codes_agree_with_doc_verify() -> None:
    assert PROOF_EXIT[Outcome.ACTIVE] == cli.VERIFY_EXIT[VerifyStatus.ACTIVE] == 0
    assert PROOF_EXIT[Outcome.NOT_REGISTERED] == cli.VERIFY_EXIT[VerifyStatus.NOT_REGISTERED]
    assert PROOF_EXIT[Outcome.REVOKED] == cli.VERIFY_EXIT[VerifyStatus.REVOKED]
    assert PROOF_EXIT[Outcome.SUPERSEDED] == cli.VERIFY_EXIT[VerifyStatus.SUPERSEDED]
    assert set(PROOF_EXIT) == set(Outcome)
    assert len(set(PROOF_EXIT.values())) == len(PROOF_EXIT)  # each answer its own code
    assert not {1, 2} & set(PROOF_EXIT.values())  # those say the check itself failed


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A gateway serving an embedded ledger where Acme (with an LEI) registered INVOICE."""
    data_dir = tmp_path / "gateway"
    ledger, _ = init_network(make_settings(data_dir))
    try:
        acme = member_svc.add_member(
            ledger, ledger.manifest.admin_address, "Acme Exporters", Role.ENTERPRISE, LEI
        )
        docs.register_file(ledger, acme.member.address, "enterprise", INVOICE, "inv.txt")
    finally:
        ledger.close()
    port = free_port()
    server = start_gateway(data_dir, port, {**os.environ, **FAST})
    try:
        yield {
            "data_dir": str(data_dir),
            "url": f"http://127.0.0.1:{port}",
            "acme": acme,
            "headers": {"Authorization": f"Bearer {acme.api_key}"},
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_a_counterparty_checks_a_proof_through_the_served_gateway(
    served: dict[str, Any], tmp_path: Path
) -> None:
    data_dir = served["data_dir"]
    # the bridge the gateway advertises, on its own loopback listener (issue #15)
    advertised = bridge.advertised_node(Path(data_dir), Path(data_dir) / "secrets")
    assert advertised is not None
    rpc = advertised[0]
    invoice = tmp_path / "invoice.txt"
    invoice.write_bytes(INVOICE)
    proof = tmp_path / "invoice.proof.json"
    made = run("doc", "prove", str(invoice), "--out", str(proof), "--data-dir", data_dir, code=0)
    assert f"written to {proof}" in made.stdout
    assert "registered by Acme Exporters" in made.stdout
    body = json.loads(proof.read_text())
    assert body["format"] == "tradeledger.proof"
    assert body["document"]["hash"]["of"] == "file_bytes"
    assert body["document"]["file_name"] == "invoice.txt"

    # through the gateway's /rpc bridge (its node token is sent: the URL is the one it
    # advertises), and through the data directory's own chain
    for where in (["--rpc", rpc], []):
        ok = run(
            "doc", "verify-proof", str(proof), str(invoice), *where, "--data-dir", data_dir, code=0
        )
        lines = ok.stdout.splitlines()
        assert lines[0] == "VALID: registered, unaltered and active"
        assert sum(line.lstrip().startswith("holds") for line in lines) == 10
    ok = run(
        "doc",
        "verify-proof",
        str(proof),
        str(invoice),
        "--rpc",
        rpc,
        "--legal-id",
        LEI,
        "--data-dir",
        data_dir,
        "--json",
        code=0,
    )
    answer = json.loads(ok.stdout)
    assert (answer["outcome"], answer["valid"], answer["hashed"]) == ("active", True, "file_bytes")
    assert all(c["holds"] for c in answer["checks"])

    # the proof the API gives for the hash alone checks the same way
    with httpx.Client(base_url=served["url"], headers=served["headers"], timeout=30) as client:
        got = client.get(f"/v1/documents/{body['document']['doc_hash']}/proof")
        assert got.status_code == 200, got.text
        assert got.json()["document"]["hash"]["of"] is None
        assert got.json()["registration"] == body["registration"]
        from_api = tmp_path / "api.proof.json"
        from_api.write_text(got.text)
        run(
            "doc",
            "verify-proof",
            str(from_api),
            str(invoice),
            "--rpc",
            rpc,
            "--data-dir",
            data_dir,
            code=0,
        )

        def fails(proof_file: Path, code: int, *extra: str, file: Path = invoice) -> str:
            out = run(
                "doc",
                "verify-proof",
                str(proof_file),
                str(file),
                "--rpc",
                rpc,
                *extra,
                "--data-dir",
                data_dir,
                code=code,
            )
            return str(out.stdout)

        altered = tmp_path / "altered.txt"
        altered.write_bytes(INVOICE.replace(b"4,675.00", b"5,675.00"))
        assert fails(proof, 6, file=altered).startswith("WRONG FILE")
        bad = tmp_path / "bad.json"
        assert fails(edit(proof, bad, "network.chain_id", 1), 7).startswith("WRONG CHAIN")
        assert fails(proof, 8, "--contract", "0x" + "22" * 20).startswith("WRONG CONTRACT")
        assert fails(edit(proof, bad, "registration.tx_hash", "0x" + "ab" * 32), 9).startswith(
            "UNKNOWN TRANSACTION"
        )
        assert fails(edit(proof, bad, "registration.block_hash", "0x" + "cd" * 32), 10)
        said = fails(edit(proof, bad, "registration.registrant.name", "Other A/S"), 11)
        assert said.startswith("FALSE PROOF")
        assert "'Acme Exporters', the proof says 'Other A/S'" in said
        assert fails(proof, 12, "--legal-id", "529900T8BM49AURSDO55").startswith("WRONG REGISTRANT")

        # revoked since the proof was made: exit 4, saying who and when
        doc_hash = body["document"]["doc_hash"]
        revoked = client.post(f"/v1/documents/{doc_hash}/revoke", json={"reason_code": 3})
        assert revoked.status_code == 200, revoked.text
        said = fails(proof, 4)
        assert said.startswith("REVOKED")
        assert "revoked since the proof was made: by Acme Exporters" in said

    # what the check itself cannot do: exit 2 (unreadable proof), 1 (no node), 3 (prove a
    # file that is not registered)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    err = run("doc", "verify-proof", str(broken), str(invoice), "--rpc", rpc, code=2)
    assert "error: PROOF: " in err.output
    err = run(
        "doc", "verify-proof", str(proof), str(invoice), "--rpc", "http://127.0.0.1:1", code=1
    )
    assert "cannot reach" in err.output
    stranger = tmp_path / "stranger.txt"
    stranger.write_bytes(b"never registered")
    err = run("doc", "prove", str(stranger), "--data-dir", data_dir, code=3)
    assert "not registered" in err.output


@pytest.mark.anvil
def test_a_proof_checked_against_anvil_from_a_machine_without_a_ledger(
    anvil_node: AnvilNode, anvil_funding_key_file: Path, tmp_path: Path
) -> None:
    """The registrant proves on its own gateway; the counterparty has only the proof, the file
    and a node URL."""
    settings = make_settings(
        tmp_path / "exporter", chain_url=anvil_node.url, funding_key_file=anvil_funding_key_file
    )
    ledger, _ = init_network(settings, "Consortium operator")
    try:
        acme = member_svc.add_member(
            ledger, ledger.manifest.admin_address, "Acme Exporters", Role.ENTERPRISE, LEI
        ).member.address
        docs.register_file(ledger, acme, "enterprise", INVOICE, "inv.txt")
    finally:
        ledger.close()
    invoice = tmp_path / "invoice.txt"
    invoice.write_bytes(INVOICE)
    proof = tmp_path / "proof.json"
    on_anvil = {"TRADELEDGER_CHAIN_URL": anvil_node.url}
    run(
        "doc",
        "prove",
        str(invoice),
        "--out",
        str(proof),
        "--data-dir",
        str(settings.data_dir),
        code=0,
        env=on_anvil,
    )

    nowhere = str(tmp_path / "counterparty")  # no ledger here: the node is named
    run("doc", "verify-proof", str(proof), str(invoice), "--data-dir", nowhere, code=1)
    ok = run(
        "doc",
        "verify-proof",
        str(proof),
        str(invoice),
        "--rpc",
        anvil_node.url,
        "--legal-id",
        LEI,
        "--contract",
        json.loads(proof.read_text())["network"]["contract"],
        "--data-dir",
        nowhere,
        "--json",
        code=0,
    )
    assert json.loads(ok.stdout)["outcome"] == "active"
    bad = edit(proof, tmp_path / "bad.json", "registration.block_number", 1)
    said = run(
        "doc",
        "verify-proof",
        str(bad),
        str(invoice),
        "--rpc",
        anvil_node.url,
        "--data-dir",
        nowhere,
        code=10,
    )
    assert said.stdout.startswith("BLOCK MISMATCH")


def test_verify_proof_of_a_bundle_with_an_unknown_field_names_it(
    network: Network, tmp_path: Path
) -> None:
    """A newcomer's bundle with an extra key was told pydantic's "Extra inputs are not
    permitted": the CLI names the field by its path in the bundle and the fields allowed there,
    exit 2 as for any unreadable proof, in text and in ``--json``."""
    ledger = network.ledger
    _, _, reg = docs.register_file(
        ledger, network.enterprise.address, "enterprise", INVOICE, "inv.txt"
    )
    doc_hash = docs.parse_doc_hash(reg.doc_hash)
    made = proof_svc.make_proof(ledger, doc_hash, HashedForm.FILE_BYTES, "inv.txt", len(INVOICE))
    bundle = json.loads(made.model_dump_json())
    bundle["network"]["rpc_url"] = "http://node.example"
    proof, invoice = tmp_path / "proof.json", tmp_path / "inv.txt"
    proof.write_text(json.dumps(bundle))
    invoice.write_bytes(INVOICE)
    said = run("doc", "verify-proof", str(proof), str(invoice), code=2).output
    assert "Extra inputs" not in said
    assert "PROOF.network.rpc_url: " in said  # the argument, as the CLI names its inputs
    assert "is not a field of a proof bundle's network (format tradeledger.proof version 1)" in (
        said
    )
    assert "allowed fields are chain_id, contract, deployment_block" in said
    body = json.loads(run("doc", "verify-proof", str(proof), str(invoice), "--json", code=2).output)
    assert body["details"]["field"] == "PROOF.network.rpc_url"
    assert [p["field"] for p in body["details"]["problems"]] == ["PROOF.network.rpc_url"]
    assert "Extra inputs" not in json.dumps(body)
