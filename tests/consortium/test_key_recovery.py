"""A member that lost, broke or missed the consortium's fingerprint key gets it back from the
chain (the copy sealed to it), or asks an admin to deliver it again; a gateway waiting for a
rotated key answers 503 ``fingerprint_key_pending``, not 500 (on anvil)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from ledger.cli import app as cli_app
from ledger.errors import LedgerStateError
from ledger.join import (
    FINGERPRINT_KEY_FILE,
    FINGERPRINT_NEXT_FILE,
    fingerprint_key_digest,
    read_request,
)
from ledger.network import Ledger, check_fingerprint_key, open_ledger
from ledger.services import members as svc
from tests.conftest import AnvilNode, make_settings
from tests.consortium.test_join import FAST, UBL, join, operator  # noqa: F401 (fixture)

pytestmark = pytest.mark.anvil


def cli(node: AnvilNode, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(
        cli_app, list(args), env={**FAST, "TRADELEDGER_CHAIN_URL": node.url}
    )
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def rotate_without_delivery(ledger: Ledger) -> bytes:
    """A rotation that took effect before any admin delivered the new key (as above M = 1,
    when the M-th approval came from another gateway)."""
    new = secrets.token_bytes(32)
    (ledger.settings.secrets_dir / FINGERPRINT_NEXT_FILE).write_text(new.hex())
    made = svc.propose(
        ledger,
        ledger.manifest.admin_address,
        svc.ProposalAction.SET_FINGERPRINT_KEY_ID,
        data=fingerprint_key_digest(new),
    )
    assert made.executed
    ledger.chain_fingerprint_key_id = check_fingerprint_key(
        ledger.settings, ledger.contract, ledger.manifest.admin_address
    )
    return new


def test_a_member_recovers_a_lost_or_wrong_key_and_an_admin_redelivers_it(
    tmp_path: Path,
    anvil_node: AnvilNode,
    operator: tuple[Ledger, str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger, _ = operator
    admin = ledger.manifest.admin_address
    contract = ledger.manifest.contract_address
    joined, bank_dir = join(tmp_path, anvil_node, contract, "Bank K", "bank")
    svc.approve_join(ledger, admin, read_request(Path(joined["request"])))
    open_ledger(make_settings(bank_dir, chain_url=anvil_node.url)).close()  # joined
    key_file = bank_dir / "secrets" / FINGERPRINT_KEY_FILE
    good = key_file.read_text()

    for broken in ("deleted", "wrong"):
        if broken == "deleted":
            key_file.unlink()
        else:
            key_file.write_text(os.urandom(32).hex())
        # the refusal names the command that works ...
        with pytest.raises(LedgerStateError, match="tradeledger key fetch-fingerprint-key"):
            open_ledger(make_settings(bank_dir, chain_url=anvil_node.url))
        # ... and it (and `join finish`) re-imports the copy sealed to this member on chain
        command = ["key", "fetch-fingerprint-key"] if broken == "deleted" else ["join", "finish"]
        cli(anvil_node, *command, "--data-dir", str(bank_dir))
        assert key_file.read_text() == good
    open_ledger(make_settings(bank_dir, chain_url=anvil_node.url)).close()

    # a rotation nobody delivered yet: the bank's running gateway says so with 503
    bank = open_ledger(make_settings(bank_dir, chain_url=anvil_node.url))
    try:
        new = rotate_without_delivery(ledger)
        monkeypatch.setattr("ledger.network.FINGERPRINT_RECHECK_SECONDS", 0.0)
        headers = {"Authorization": f"Bearer {joined['api_key']}"}
        with TestClient(create_app(bank.settings, bank)) as client:
            files = {"file": ("invoice.xml", UBL, "application/xml")}
            pending = client.post("/v1/documents/check", files=files, headers=headers)
            assert pending.status_code == 503, pending.text
            body = pending.json()
            assert body["error"] == "fingerprint_key_pending"
            assert "member deliver-fingerprint-key" in pending.text
            # fetching says nothing was delivered to it, and names the admin's command
            out = cli(anvil_node, "key", "fetch-fingerprint-key", "--data-dir", str(bank_dir),
                      code=1)  # fmt: skip
            assert "no copy" in out
            assert f"tradeledger member deliver-fingerprint-key {joined['address']}" in out

            op_dir = ledger.settings.data_dir
            ledger.close()  # the CLI opens the operator's data directory itself
            out = cli(anvil_node, "member", "deliver-fingerprint-key", joined["address"],
                      "--data-dir", str(op_dir), "--json")  # fmt: skip
            assert json.loads(out)["delivery_tx"].startswith("0x")
            # the running gateway takes the new key at its next request
            taken = client.post("/v1/documents/check", files=files, headers=headers)
            assert taken.status_code == 200, taken.text
        assert key_file.read_text().strip() == new.hex()
    finally:
        bank.close()
