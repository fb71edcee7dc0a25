"""Reads and refusals naming a member by an address it rotated its key away from (a retired
address, ``ledger/services/retired.py``): answered for the member at its address now, saying
so; who may read what unchanged. Setup as tests/consortium/test_key_rotation.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.network import Ledger
from ledger.services import members as member_svc
from ledger.services import rotation
from tests.cli.cli_helpers import UBL, Cli
from tests.conftest import Network
from tests.consortium.test_key_rotation import (
    MATURITY,
    _finance,
    client_fixture,
    financed_by_bank,
)

pytestmark = pytest.mark.both_backends

__all__ = ["client_fixture"]  # the fixture ``client``, shared with test_key_rotation


def _rotate(ledger: Ledger, admin: str, old: str) -> str:
    """Rotate the key of the member at ``old`` to a new key made here; the new address."""
    new = rotation.new_key(ledger, old).new_address
    member_svc.propose(
        ledger, admin, member_svc.ProposalAction.ROTATE_KEY, account=old, new_account=new
    )
    return new


def _notice(answer: dict[str, Any], field: str, old: str, new: str) -> None:
    [notice] = answer["notices"]
    assert notice["kind"] == "address_rotated"
    assert (notice["field"], notice["address"], notice["rotated_to"]) == (field, old, new)
    assert f"{old} was rotated to {new} on chain" in notice["message"]


def test_a_bank_named_by_its_retired_address(client: TestClient, network: Network) -> None:
    """``?bank=OLD`` and ``/v1/audit/exposure?member=OLD`` (twice rotated) answer the bank's
    financings and book, not nothing; another bank is still refused the bank's book."""
    ledger, bank = network.ledger, network.bank
    regulator, other = network.regulator.headers, network.bank_b.headers
    _, fid = financed_by_bank(client, network)
    drawn = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 100_000}, headers=bank.headers
    )
    assert drawn.status_code == 200, drawn.text
    first = bank.address
    middle = _rotate(ledger, network.admin.address, first)
    assert client.get(f"/v1/financings/{fid}", headers=bank.headers).status_code == 200  # adopt
    new = _rotate(ledger, network.admin.address, middle)

    for old in (first, middle):  # every retired address, along the chain of rotations
        listed = client.get("/v1/financings", params={"bank": old}, headers=regulator)
        assert listed.status_code == 200, listed.text
        assert [f["financing_id"] for f in listed.json()["items"]] == [fid]
        _notice(listed.json(), "bank", old, new)
        exposure = client.get("/v1/audit/exposure", params={"member": old}, headers=regulator)
        assert exposure.status_code == 200, exposure.text
        assert [(e["member"], e["drawn"]) for e in exposure.json()["items"]] == [(new, 100_000)]
        _notice(exposure.json(), "member", old, new)
    # the current address: no notice
    current = client.get("/v1/financings", params={"bank": new}, headers=regulator)
    assert current.json()["notices"] == []
    # who may read what is unchanged: the bank reads its own book by its old address, another
    # bank is refused it by that address as by the new one
    own = client.get("/v1/audit/exposure", params={"member": first}, headers=bank.headers)
    assert own.status_code == 200, own.text
    assert [e["drawn"] for e in own.json()["items"]] == [100_000]
    for named in (first, new):
        theirs = client.get("/v1/audit/exposure", params={"member": named}, headers=other)
        assert theirs.status_code == 403, theirs.text
    # the bank's activity by its old address: said so, its events under every key
    activity = client.get(f"/v1/audit/members/{first}/activity", headers=regulator)
    assert activity.status_code == 200, activity.text
    _notice(activity.json(), "address", first, new)
    refusals = client.get("/v1/audit/refusals", params={"bank": first}, headers=regulator)
    assert refusals.status_code == 200, refusals.text
    _notice(refusals.json(), "bank", first, new)
    # the fingerprint-check log moved with the member: its lodging is there by the old address
    logged = client.get(
        "/v1/audit/fingerprint-checks", params={"participant": first}, headers=regulator
    )
    assert logged.status_code == 200, logged.text
    assert [c["action"] for c in logged.json()["items"]] == ["receive"], logged.json()
    _notice(logged.json(), "participant", first, new)


def test_a_registrant_and_a_reader_named_by_a_retired_address(
    client: TestClient, network: Network
) -> None:
    """``GET /v1/documents?registrant=OLD`` lists the enterprise's registrations; sharing
    terms with ``reader: OLD`` seals them to the member (its encryption key is its member
    id's), saying so; a proposal naming OLD is refused naming where it was rotated to."""
    ledger, enterprise, bank = network.ledger, network.enterprise, network.bank
    registered = client.post(
        "/v1/documents", files={"file": ("i.xml", UBL)}, headers=enterprise.headers
    )
    assert registered.status_code == 201, registered.text
    doc_hash = registered.json()["doc_hash"]
    lodged = client.post(
        "/v1/documents/receive", files={"file": ("i.xml", UBL)}, headers=bank.headers
    )
    assert lodged.status_code == 200, lodged.text
    fid = _finance(client, bank.headers, lodged.json()["doc_hash"])
    old = enterprise.address
    new = _rotate(ledger, network.admin.address, old)

    listed = client.get(
        "/v1/documents", params={"registrant": old}, headers=network.regulator.headers
    )
    assert listed.status_code == 200, listed.text
    assert [d["doc_hash"] for d in listed.json()["items"]] == [doc_hash]
    _notice(listed.json(), "registrant", old, new)
    # another enterprise-side member (the bank lists its own only) is refused it, as before
    theirs = client.get("/v1/documents", params={"registrant": old}, headers=bank.headers)
    assert theirs.status_code == 403, theirs.text

    shared = client.post(f"/v1/financings/{fid}/share", json={"reader": old}, headers=bank.headers)
    assert shared.status_code == 200, shared.text
    assert shared.json()["reader"] == new
    assert shared.json()["financing_ids"] == [fid]
    _notice(shared.json(), "reader", old, new)

    suspend = client.post(
        "/v1/governance/proposals",
        json={"action": "suspend_member", "account": old},
        headers=network.admin.headers,
    )
    assert suspend.status_code == 404, suspend.text
    assert suspend.json()["details"]["field"] == "account"
    assert f"{old} was rotated to {new} on chain" in suspend.json()["message"]
    shown = client.get(f"/v1/members/{old}", headers=network.regulator.headers)
    assert shown.status_code == 404, shown.text
    assert f"was rotated to {new} on chain" in shown.json()["message"]


def test_the_cli_names_a_bank_by_its_retired_address(tmp_path: Path, backend: str) -> None:
    """``finance list --bank OLD``, ``audit exposure --member OLD`` and ``finance share OLD``:
    the member's answer, a note on stderr naming the rotation, ``notices`` with --json."""
    if backend != "embedded":
        pytest.skip("the CLI story runs on the embedded chain; the API tests cover anvil")
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    members: dict[str, Any] = {m["name"]: m for m in created["members"]}
    bank = members["Demo Bank A"]["address"]
    regulator = members["Demo Regulator"]["address"]
    enterprise = next(m["address"] for m in created["members"] if m["role"] == "enterprise")
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(UBL)
    doc_hash = cli.json("doc", "receive", str(invoice), "--as", bank)["doc_hash"]
    fid = cli.json(
        "finance", "create", "--as", bank, "--doc", f"{doc_hash}=374000",
        "--currency", "DKK", "--maturity", MATURITY, "--reference", "ROT-3",
    )["financing_id"]  # fmt: skip
    cli.json("finance", "drawdown", str(fid), "100000", "--as", bank)
    new = cli.json("keystore", "new-key", bank)["new_address"]
    cli.json("member", "propose", "rotate-key", "--account", bank, "--new-account", new)

    listed = cli.run("finance", "list", "--bank", bank, "--as", regulator, "--json")
    assert [f["financing_id"] for f in json.loads(listed.stdout)["items"]] == [fid]
    assert f"the key of {bank} was rotated on chain" in listed.stderr
    assert f"new address {new}" in listed.stderr
    words = cli.run("audit", "exposure", "--member", bank, "--as", regulator)
    assert f"the key of {bank} was rotated on chain" in words.stderr
    assert "1,000.00" in words.stdout  # drawn 100000 minor units
    exposure = cli.json("audit", "exposure", "--member", bank, "--as", regulator)
    assert [(e["member"], e["drawn"]) for e in exposure["items"]] == [(new, 100_000)]
    assert exposure["notices"][0]["rotated_to"] == new

    old_enterprise = enterprise
    new_enterprise = cli.json("keystore", "new-key", old_enterprise)["new_address"]
    cli.json(
        "member", "propose", "rotate-key",
        "--account", old_enterprise, "--new-account", new_enterprise,
    )  # fmt: skip
    shared = cli.run(
        "finance", "share", old_enterprise, "--financing", str(fid), "--as", bank, "--json"
    )
    answer = json.loads(shared.stdout)
    assert answer["reader"] == new_enterprise, answer
    assert answer["financing_ids"] == [fid]
    assert f"the key of {old_enterprise} was rotated on chain" in shared.stderr


@pytest.mark.slow  # real processes that may not meet in the race (the thread test forces it)
def test_two_new_key_runs_at_once_make_one_pending_key(tmp_path: Path, backend: str) -> None:
    """Two ``tradeledger keystore new-key MEMBER`` processes at once (beside a running gateway,
    through its node bridge, as an operator's two shells would): one pending new key for the
    member, both answer it, and the loser's key is not left in the keystore (the runs may not
    meet in the race: test_two_new_keys_at_once_in_one_gateway forces it)."""
    import signal

    from ledger.network import init_network
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
    before = set(settings.keystore_dir.glob("*.json"))
    command = [
        sys.executable, "-m", "ledger.cli", "keystore", "new-key", old,
        "--data-dir", str(data_dir), "--json",
    ]  # fmt: skip
    server = start_gateway(data_dir, free_port(), env)
    try:
        for _ in range(3):  # a race a run may not hit: never two pending keys in any
            runs = [
                subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)
            ]
            answers = []
            for run in runs:
                out, err = run.communicate(timeout=180)
                assert run.returncode == 0, out.decode() + err.decode()
                answers.append(json.loads(out))
            assert answers[0]["new_address"] == answers[1]["new_address"], answers
        listed = subprocess.run(
            [*command[:4], "new-keys", *command[5:]],
            env=env,
            capture_output=True,
            timeout=120,
            check=True,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    items = json.loads(listed.stdout)["items"]
    assert [k["new_address"] for k in items] == [answers[0]["new_address"]], items
    made = {p.stem.lower() for p in set(settings.keystore_dir.glob("*.json")) - before}
    assert made == {answers[0]["new_address"].lower().removeprefix("0x")}


def test_two_new_keys_at_once_in_one_gateway(network: Network) -> None:
    """Two ``new_key`` for one member in two threads, both past "none pending" before either
    records its key (the race two ``keystore new-key`` runs have): one pending key, both
    answer it, the other key is removed from the keystore."""
    import threading

    ledger, old = network.ledger, network.bank.address
    both_made = threading.Barrier(2, timeout=60)
    create = ledger.keystore.create

    def racing_create() -> Any:
        signer = create()
        both_made.wait()  # each thread read "none pending" and made a key
        return signer

    ledger.keystore.create = racing_create  # type: ignore[method-assign]
    answers: list[rotation.NewKeyMade] = []
    threads = [
        threading.Thread(target=lambda: answers.append(rotation.new_key(ledger, old)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    ledger.keystore.create = create  # type: ignore[method-assign]
    assert len(answers) == 2
    assert answers[0].new_address == answers[1].new_address, answers
    assert sorted(a.made for a in answers) == [False, True]
    pending = [k.new_address for k in rotation.pending_keys(ledger, old) if k.adopted_at is None]
    assert pending == [answers[0].new_address]
    kept = {a.lower() for a in ledger.keystore.addresses()}
    assert answers[0].new_address.lower() in kept


def test_api_keys_named_by_a_retired_address(client: TestClient, network: Network) -> None:
    """``POST /v1/keys/OLD/rotate`` and ``/revoke`` name the member at its address now (said in
    ``notices``), as every read naming OLD does; the old key stops working, the new one works;
    another bank is still refused the member's keys by its old address."""
    ledger, bank = network.ledger, network.bank
    old = bank.address
    new = _rotate(ledger, network.admin.address, old)
    assert client.get("/v1/financings", headers=bank.headers).status_code == 200  # adopt

    refused = client.post(f"/v1/keys/{old}/rotate", headers=network.bank_b.headers)
    assert refused.status_code == 403, refused.text

    rotated = client.post(f"/v1/keys/{old}/rotate", headers=network.admin.headers)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["address"] == new
    _notice(rotated.json(), "address", old, new)
    fresh = {"Authorization": f"Bearer {rotated.json()['api_key']}"}
    assert client.get("/v1/financings", headers=bank.headers).status_code == 401
    assert client.get("/v1/financings", headers=fresh).status_code == 200

    own = client.post(f"/v1/keys/{old}/rotate", headers=fresh)  # its own keys, by OLD
    assert own.status_code == 200, own.text
    assert own.json()["address"] == new
    revoked = client.post(f"/v1/keys/{old}/revoke", headers=network.admin.headers)
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["address"], revoked.json()["revoked"]) == (new, 1)
    _notice(revoked.json(), "address", old, new)
    unchanged = client.post(f"/v1/keys/{new}/revoke", headers=network.admin.headers)
    assert unchanged.json()["notices"] == []


def test_the_cli_rotates_api_keys_by_a_retired_address(tmp_path: Path, backend: str) -> None:
    """``tradeledger key rotate OLD`` / ``key revoke OLD``: the member's keys at its address
    now, a note on stderr, ``notices`` with --json (was: not a member)."""
    if backend != "embedded":
        pytest.skip("the CLI story runs on the embedded chain; the API test covers anvil")
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    bank = next(m["address"] for m in created["members"] if m["name"] == "Demo Bank A")
    new = cli.json("keystore", "new-key", bank)["new_address"]
    cli.json("member", "propose", "rotate-key", "--account", bank, "--new-account", new)

    rotated = cli.run("key", "rotate", bank, "--json")
    answer = json.loads(rotated.stdout)
    assert answer["address"] == new
    assert answer["notices"][0]["rotated_to"] == new
    assert f"the key of {bank} was rotated on chain" in rotated.stderr
    words = cli.run("key", "revoke", bank)
    assert f"revoked 1 key(s) of {new}" in words.stdout
    assert f"the key of {bank} was rotated on chain" in words.stderr
