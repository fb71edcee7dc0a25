"""A bank's signing key rotated through governance, and the bank goes on working at the same
gateway (ledger/services/rotation.py): real chains, real signed transactions.

The story: a bank finances an invoice and draws down; its gateway makes it a new key
(``keystore new-key``); the admin rotates its key to it (a ``rotate_key`` proposal); through
the same gateway — its existing API key, the CLI with ``--as`` its old address — the bank
draws down, repays, shares, closes that financing and reads its terms, now signing as the new
address. The old key's own transaction is refused by the contract and the gateway no longer
signs with it; another bank still cannot touch the financing, through the gateway or directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3 import Web3

from api.app import create_app
from ledger.errors import InvalidInput, KeyRotatedAway
from ledger.network import Ledger
from ledger.revert import ERRORS
from ledger.services import rotation
from tests.cli.cli_helpers import UBL, Cli, served_api
from tests.conftest import Network

pytestmark = pytest.mark.both_backends

MATURITY = "2099-12-31"


@pytest.fixture(name="client")
def client_fixture(network: Network) -> Iterator[TestClient]:
    app = create_app(network.ledger.settings, network.ledger)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _finance(client: TestClient, headers: dict[str, str], doc_hash: str) -> int:
    body = {
        "documents": [{"doc_hash": doc_hash, "amount": 374_000}],
        "currency": "DKK",
        "kind": "invoice_financing",
        "maturity": MATURITY,
        "reference": "ROT-1",
    }
    made = client.post("/v1/financings", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return int(made.json()["financing_id"])


def _sender(ledger: Ledger, tx_hash: str) -> str:
    return str(ledger.w3.eth.get_transaction(tx_hash)["from"])


def _entry_from(ledger: Ledger, signer_address: str, financing_id: int) -> None:
    """A drawdown-shaped entry sent straight to the contract, signed by ``signer_address``'s
    key from this gateway's keystore (the gateway's checks bypassed): mined, and reverted."""
    transactor = ledger.make_transactor(ledger.keystore.load(signer_address))
    envelope = b"\x01\x02"
    call = ledger.calls.functions.recordEntry(financing_id, Web3.keccak(envelope), envelope)
    transactor.transact(call, gas=300_000)


def financed_by_bank(client: TestClient, network: Network) -> tuple[str, int]:
    """The demo UBL invoice registered by the enterprise, lodged and financed by the bank
    (:func:`_finance`): (its hash, the financing's id)."""
    registered = client.post(
        "/v1/documents", files={"file": ("i.xml", UBL)}, headers=network.enterprise.headers
    )
    assert registered.status_code == 201, registered.text
    lodged = client.post(
        "/v1/documents/receive", files={"file": ("i.xml", UBL)}, headers=network.bank.headers
    )
    assert lodged.status_code == 200, lodged.text
    doc_hash = str(lodged.json()["doc_hash"])
    return doc_hash, _finance(client, network.bank.headers, doc_hash)


def test_a_rotated_bank_keeps_its_financing_through_the_api(
    client: TestClient, network: Network
) -> None:
    ledger, bank, other = network.ledger, network.bank, network.bank_b
    old = bank.address
    doc_hash, fid = financed_by_bank(client, network)
    base = f"/v1/financings/{fid}"
    drawn = client.post(f"{base}/drawdown", json={"amount": 100_000}, headers=bank.headers)
    assert drawn.status_code == 200, drawn.text

    made = rotation.new_key(ledger, old)
    new = made.new_address
    assert made.made
    assert new != old
    assert ledger.keystore.holds(new)
    assert rotation.new_key(ledger, old).new_address == new  # pending: the same key again
    with pytest.raises(InvalidInput, match="contract's owner"):
        rotation.new_key(ledger, network.admin.address)
    # pending: the bank still signs with its old key
    before = client.post(f"{base}/drawdown", json={"amount": 10_000}, headers=bank.headers)
    assert before.status_code == 200, before.text
    assert _sender(ledger, before.json()["tx_hash"]) == old

    proposed = client.post(
        "/v1/governance/proposals",
        json={"action": "rotate_key", "account": old, "new_account": new},
        headers=network.admin.headers,
    )
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["status"] == "executed"

    # the old key's own transaction: the contract refuses it (it is no member any more)
    with pytest.raises(ERRORS["NotAMember"]):
        _entry_from(ledger, old, fid)

    # the same API key, no restart: the bank reads its terms and writes as its new address
    shown = client.get(base, headers=bank.headers)
    assert shown.status_code == 200, shown.text
    assert shown.json()["bank"] == new
    assert shown.json()["amount"] == 374_000
    assert shown.json()["drawn"] == 110_000
    again = client.post(f"{base}/drawdown", json={"amount": 20_000}, headers=bank.headers)
    assert again.status_code == 200, again.text
    assert _sender(ledger, again.json()["tx_hash"]) == new
    assert again.json()["financing"]["drawn"] == 130_000
    # the gateway never signs with the old key again
    with pytest.raises(KeyRotatedAway):
        ledger.transactor(old)
    assert rotation.pending_keys(ledger, new) == []
    assert [k.adopted_at is not None for k in rotation.pending_keys(ledger, old)] == [True]

    # another bank: refused by the gateway, and by the contract when it goes around it
    theirs = client.post(f"{base}/drawdown", json={"amount": 1}, headers=other.headers)
    assert theirs.status_code == 403, theirs.text
    assert theirs.json()["error"] == "NotFinancingBank"
    with pytest.raises(ERRORS["NotFinancingBank"]):
        _entry_from(ledger, other.address, fid)
    not_theirs = client.post(
        f"{base}/share", json={"reader": network.enterprise.address}, headers=other.headers
    )
    assert not_theirs.status_code == 403, not_theirs.text

    shared = client.post(
        f"{base}/share", json={"reader": network.regulator.address}, headers=bank.headers
    )
    assert shared.status_code == 200, shared.text
    assert shared.json()["financing_ids"] == [fid]
    # audit: the bank's book is its own at its new address; its activity spans both keys
    exposure = client.get("/v1/audit/exposure", headers=bank.headers)
    assert exposure.status_code == 200, exposure.text
    assert [(e["member"], e["member_name"], e["drawn"]) for e in exposure.json()["items"]] == [
        (new, bank.name, 130_000)
    ]
    activity = client.get(f"/v1/audit/members/{new}/activity", headers=network.regulator.headers)
    assert activity.status_code == 200, activity.text
    events = activity.json()["items"]
    registered = [e for e in events if e["event"] == "FinancingRegistered"]
    assert [e["fields"]["bank"] for e in registered] == [old]
    assert [e["fields"]["bank_name"] for e in registered] == [bank.name]
    assert [e["fields"]["new_account"] for e in events if e["event"] == "MemberKeyRotated"] == [new]
    # its three drawdowns, two signed by the old key, one by the new: one bank
    entries = [e for e in events if e["event"] == "FinancingEntryRecorded"]
    assert [e["fields"]["bank_name"] for e in entries] == [bank.name] * 3
    # the regulator's follow-up names the bank where it is now (a tryout was sent to the
    # retired address, "not a member")
    revoked = client.post(
        f"/v1/documents/{doc_hash}/revoke",
        json={"reason_code": 4},
        headers=network.enterprise.headers,
    )
    assert revoked.status_code == 200, revoked.text
    verified = client.get("/v1/audit/verify", headers=network.regulator.headers)
    assert verified.status_code == 200, verified.text
    [follow_up] = verified.json()["rules"]["not_in_force"]
    assert follow_up["bank"] == new, follow_up

    repaid = client.post(f"{base}/repay", json={"amount": 130_000}, headers=bank.headers)
    assert repaid.status_code == 200, repaid.text
    assert _sender(ledger, repaid.json()["tx_hash"]) == new
    closed = client.post(f"{base}/close", headers=bank.headers)
    assert closed.status_code == 200, closed.text
    assert closed.json()["financing"]["status"] == "closed"

    # the member's records moved with it: its lodged file, its name
    listed = client.get("/v1/financings", headers=bank.headers)
    assert listed.status_code == 200, listed.text
    assert [f["financing_id"] for f in listed.json()["items"]] == [fid]
    assert ledger.db.participant(new).name == bank.name


def test_a_rotated_bank_goes_on_with_the_cli(tmp_path: Path, backend: str) -> None:
    if backend != "embedded":
        pytest.skip("the CLI story runs on the embedded chain; the API test covers anvil")
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    members: dict[str, Any] = {m["name"]: m for m in created["members"]}
    members["Bank B"] = cli.json("member", "add", "Bank B", "--role", "bank")
    bank, other = members["Demo Bank A"]["address"], members["Bank B"]["address"]
    regulator = members["Demo Regulator"]["address"]
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(UBL)
    doc_hash = cli.json("doc", "receive", str(invoice), "--as", bank)["doc_hash"]
    fid = cli.json(
        "finance", "create", "--as", bank, "--doc", f"{doc_hash}=374000",
        "--currency", "DKK", "--maturity", MATURITY, "--reference", "ROT-2",
    )["financing_id"]  # fmt: skip
    cli.json("finance", "drawdown", str(fid), "100000", "--as", bank)

    made = cli.json("keystore", "new-key", bank)
    new = made["new_address"]
    assert made["made"]
    assert made["member"] == bank
    assert made["next_step"] == (
        f"tradeledger member propose rotate-key --account {bank} --new-account {new}"
    )
    words = cli.run("keystore", "new-key", bank).stdout
    assert new in words
    assert "pending" in words
    assert cli.json("keystore", "new-keys")["items"][0]["state"] == "pending"
    proposal = cli.json("member", "propose", "rotate-key", "--account", bank, "--new-account", new)
    assert proposal["status"] == "executed"

    # --as the old address acts as the member, signing as its new address
    out = cli.run("finance", "drawdown", str(fid), "50000", "--as", bank, "--json")
    assert f"acting as its member's new address {new}" in out.stderr
    drawn = json.loads(out.stdout)
    assert drawn["drawn"] == 150_000
    # --as the member's name: the same member, at its new address
    by_name = cli.run("finance", "show", str(fid), "--as", "demo bank a", "--json")
    assert json.loads(by_name.stdout)["amount"] == 374_000
    assert f"is {new}" in by_name.stderr
    shown = cli.json("finance", "show", str(fid), "--as", bank)
    assert shown["bank"] == new
    assert shown["amount"] == 374_000
    [adopted] = cli.json("keystore", "new-keys", bank)["items"]
    assert adopted["state"] == "adopted"
    # every output time is RFC 3339 UTC to the second (docs/api.md "Times"; a tryout)
    for when in (adopted["created_at"], adopted["adopted_at"]):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", when), when
    refused = cli.json("finance", "drawdown", str(fid), "1", "--as", other, code=1)
    assert refused["error"] == "NotFinancingBank"
    shared = cli.json("finance", "share", regulator, "--financing", str(fid), "--as", bank)
    assert shared["financing_ids"] == [fid]
    cli.json("finance", "repay", str(fid), "150000", "--as", new)
    closed = cli.json("finance", "close", str(fid), "--as", bank)
    assert closed["status"] == "closed"
    # the audit reads name the member across both addresses; --as its old one reads as it
    activity = cli.json("audit", "activity", new, "--as", bank)
    registered = [e for e in activity["items"] if e["event"] == "FinancingRegistered"]
    assert [(e["fields"]["bank"], e["fields"]["bank_name"]) for e in registered] == [
        (bank, "Demo Bank A")
    ]
    assert [e["fields"].get("amount") for e in registered] == ["3740.00"]  # its terms, read
    with served_api(cli) as client:
        senders = [
            client.app.state.ledger.w3.eth.get_transaction(tx)["from"]  # type: ignore[attr-defined]
            for tx in (drawn["tx_hash"], closed["tx_hash"])
        ]
        assert senders == [new, new]
        # the member's existing API key acts as it at its new address
        key = {"Authorization": f"Bearer {members['Demo Bank A']['api_key']}"}
        read = client.get(f"/v1/financings/{fid}", headers=key)
        assert read.status_code == 200, read.text
        assert read.json()["bank"] == new
        assert read.json()["status"] == "closed"


def test_a_rotated_registrant_keeps_its_documents(client: TestClient, network: Network) -> None:
    """An enterprise's key rotated (through the service the API's governance route calls): its
    API key revokes the document it registered under the old key, signing as the new one;
    another enterprise-side member still may not."""
    from ledger.services import members as member_svc

    ledger, enterprise = network.ledger, network.enterprise
    old = enterprise.address
    registered = client.post(
        "/v1/documents",
        files={"file": ("x.txt", b"rotated registrant")},
        headers=enterprise.headers,
    )
    assert registered.status_code == 201, registered.text
    doc_hash = registered.json()["doc_hash"]
    new = rotation.new_key(ledger, old).new_address
    member_svc.propose(
        ledger,
        network.admin.address,
        member_svc.ProposalAction.ROTATE_KEY,
        account=old,
        new_account=new,
    )
    shown = client.get(f"/v1/documents/{doc_hash}", headers=enterprise.headers)
    assert shown.status_code == 200, shown.text
    assert shown.json()["registered_by"] == new
    theirs = client.post(
        f"/v1/documents/{doc_hash}/revoke", json={"reason_code": 1}, headers=network.bank.headers
    )
    assert theirs.status_code == 403, theirs.text
    assert theirs.json()["error"] == "NotDocumentRegistrant"
    revoked = client.post(
        f"/v1/documents/{doc_hash}/revoke", json={"reason_code": 1}, headers=enterprise.headers
    )
    assert revoked.status_code == 200, revoked.text
    assert _sender(ledger, revoked.json()["tx_hash"]) == new


def test_a_rotated_seller_reads_the_terms_sealed_to_it(
    client: TestClient, network: Network
) -> None:
    """Terms sealed to the invoice's seller-registrant before its key rotated still open for it
    (the X25519 key follows its member id) and stay part of its own history."""
    from ledger.services import financing as fin_svc
    from ledger.services import members as member_svc

    ledger, enterprise = network.ledger, network.enterprise
    old = enterprise.address
    _, fid = financed_by_bank(client, network)
    new = rotation.new_key(ledger, old).new_address
    member_svc.propose(
        ledger,
        network.admin.address,
        member_svc.ProposalAction.ROTATE_KEY,
        account=old,
        new_account=new,
    )
    read = client.get(f"/v1/financings/{fid}", headers=enterprise.headers)
    assert read.status_code == 200, read.text
    assert read.json()["amount"] == 374_000
    assert ledger.db.participant(new).name == enterprise.name
    f = fin_svc.get(ledger, fid, reader=new)
    assert f.terms is not None
    assert [p.registrant for p in f.terms.pledges] == [old]  # as the terms were sealed
    assert fin_svc.in_history_of(ledger, f, new)


def test_a_running_gateway_follows_a_rotation_made_beside_it(tmp_path: Path, backend: str) -> None:
    """``tradeledger serve`` keeps running while the CLI beside it (through its node bridge)
    makes the new key and the admin rotates the bank's key: the server's next request with the
    bank's API key signs as the new address — no restart."""
    import os
    import signal
    import subprocess
    import sys

    import httpx

    from ledger.network import init_network
    from ledger.services import members as member_svc
    from ledger.services.roles import Role
    from tests.conftest import free_port, make_settings, start_gateway

    if backend != "embedded":
        pytest.skip("the served gateway's own chain: the embedded one")
    data_dir = tmp_path / "ledger"
    settings = make_settings(data_dir)
    ledger, _ = init_network(settings)
    bank = member_svc.add_member(ledger, ledger.manifest.admin_address, "Bank A", Role.BANK)
    ledger.close()
    env = {**os.environ, "TRADELEDGER_KEYSTORE_SCRYPT_N": str(settings.keystore_scrypt_n)}
    old = bank.member.address
    headers = {"Authorization": f"Bearer {bank.api_key}"}

    def cli(*args: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "ledger.cli", *args, "--data-dir", str(data_dir), "--json"],
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
        return json.loads(done.stdout)

    port = free_port()
    server = start_gateway(data_dir, port, env)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as api:
            lodged = api.post(
                "/v1/documents/receive", files={"file": ("i.xml", UBL)}, headers=headers
            )
            assert lodged.status_code == 200, lodged.text
            created = api.post(
                "/v1/financings",
                json={
                    "documents": [{"doc_hash": lodged.json()["doc_hash"], "amount": 374_000}],
                    "currency": "DKK",
                    "maturity": MATURITY,
                },
                headers=headers,
            )
            assert created.status_code == 201, created.text
            fid = created.json()["financing_id"]
            new = cli("keystore", "new-key", old)["new_address"]
            cli("member", "propose", "rotate-key", "--account", old, "--new-account", new)
            drawn = api.post(
                f"/v1/financings/{fid}/drawdown", json={"amount": 1000}, headers=headers
            )
            assert drawn.status_code == 200, drawn.text
            assert drawn.json()["financing"]["bank"] == new
            read = api.get(f"/v1/financings/{fid}", headers=headers)
            assert read.json()["drawn"] == 1000
            # the CLI beside it: --as the old address acts as the new one
            more = cli("finance", "drawdown", str(fid), "500", "--as", old)
            assert more["drawn"] == 1500
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_a_rotated_regulator_audits_at_its_gateway_at_once(tmp_path: Path, backend: str) -> None:
    """Tryout 79: the regulator's key rotated on chain, its gateway's `audit verify` read
    "RULES NOT CHECKED: this gateway holds no regulator's encryption key" (and exit 0) until a
    request of its own had adopted the new key; it adopts it first."""
    if backend != "embedded":
        pytest.skip("the CLI story runs on the embedded chain")
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    regulator = next(m for m in created["members"] if m["name"] == "Demo Regulator")["address"]
    new = cli.json("keystore", "new-key", regulator)["new_address"]
    made = cli.json("member", "propose", "rotate-key", "--account", regulator, "--new-account", new)
    assert made["status"] == "executed"
    done = cli.run("audit", "verify")
    assert "RULES NOT CHECKED" not in done.stdout
    assert "RULES HOLD: " in done.stdout
    assert f"opened by regulator Demo Regulator ({new})" in done.stdout
    by_old = cli.run("audit", "verify", "--as", regulator)  # the old address acts as it
    assert f"opened by regulator Demo Regulator ({new})" in by_old.stdout
