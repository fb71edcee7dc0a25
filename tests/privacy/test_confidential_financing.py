"""A bank's book is its own (issue #14, docs/privacy.md), shown on a real node and a real gateway.

Bank A finances an invoice with distinctive numbers, draws and repays; bank B tries the same
invoice and is refused. Then:

- the whole chain is read with a plain JSON-RPC client (the standard library, no ABI): every
  log, every transaction's input, and the contract's storage (``anvil_dumpState``) — and bank
  A's amounts (as 32-byte ABI words and as text), reference, maturity and document hash are
  searched for: found 0;
- every read endpoint of the API is called as bank B, an enterprise and an attestor with every
  sample this test has, and the same values are searched for in every answer: found 0;
- as the regulator, everything is found and decrypted, and opens to the commitments on chain;
- an enterprise reads the terms of a financing of a document it registered, and only that.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.network import init_network
from tests.conftest import (
    AnvilNode,
    Network,
    Participant,
    build_network,
    make_settings,
    rpc_call,
    start_anvil,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))
from lifecycle import invoice, served_routes

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
CII = resources.files("ledger.demo_data").joinpath("invoice-cii.xml").read_bytes()
AMOUNT = 374_123
DRAWN = 211_117
REPAID = 100_003
REFERENCE = "SECRET-LOAN-REF-A42"
MATURITY = datetime(2031, 7, 13, tzinfo=UTC)
ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


@pytest.fixture(scope="module")
def node() -> Iterator[AnvilNode]:
    anvil = start_anvil()
    try:
        yield anvil
    finally:
        anvil.stop()


@pytest.fixture(scope="module")
def world(node: AnvilNode, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("privacy")
    key_file = tmp / "funding.key"
    key_file.write_text(ANVIL_KEY)
    settings = make_settings(tmp / "ledger", chain_url=node.url, funding_key_file=key_file)
    ledger, admin_key = init_network(settings, "Operator")
    try:
        net = build_network(ledger, admin_key, "anvil")
        app = create_app(settings, ledger)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield {"net": net, "client": client, "node": node, **_story(client, net)}
    finally:
        ledger.close()


def _lodge(client: TestClient, who: Participant, data: bytes) -> dict[str, Any]:
    answer = client.post(
        "/v1/documents/receive",
        files={"file": ("invoice.xml", data, "application/xml")},
        headers=who.headers,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _finance(
    client: TestClient, bank: Participant, doc_hash: str, amount: int, reference: str = REFERENCE
) -> Any:
    return client.post(
        "/v1/financings",
        json={
            "documents": [{"doc_hash": doc_hash, "amount": amount}],
            "currency": "DKK",
            "kind": "invoice_financing",
            "maturity": MATURITY.isoformat(),
            "reference": reference,
        },
        headers=bank.headers,
    )


def _story(client: TestClient, net: Network) -> dict[str, Any]:
    ubl = _lodge(client, net.bank, UBL)
    created = _finance(client, net.bank, ubl["doc_hash"], AMOUNT)
    assert created.status_code == 201, created.text
    fid = created.json()["financing_id"]
    base = f"/v1/financings/{fid}"
    assert client.post(f"{base}/drawdown", json={"amount": DRAWN}, headers=net.bank.headers)
    assert client.post(f"{base}/repay", json={"amount": REPAID}, headers=net.bank.headers)
    cii = _lodge(client, net.bank_b, CII)
    refused = _finance(client, net.bank_b, cii["doc_hash"], 100_000, "B-OWN-REF-7")
    assert refused.status_code == 409, refused.text
    return {"fid": fid, "doc_hash": ubl["doc_hash"], "cii_hash": cii["doc_hash"]}


def _secrets(world: dict[str, Any]) -> dict[str, list[str]]:
    """Each secret of bank A's financing in the forms it could take (lower-case hex, or text)."""
    maturity = int(MATURITY.timestamp())
    forms: dict[str, list[str]] = {}
    for name, value in (
        ("amount", AMOUNT),
        ("drawn", DRAWN),
        ("repaid", REPAID),
        ("outstanding", DRAWN - REPAID),
        ("maturity", maturity),
    ):
        forms[name] = [f"{value:064x}", str(value).encode().hex()]
    forms["amount"].append(f"{AMOUNT / 100:,.2f}".encode().hex())
    forms["reference"] = [REFERENCE.encode().hex()]
    forms["document"] = [world["doc_hash"][2:].lower()]
    return forms


def _text_forms(forms: dict[str, list[str]]) -> dict[str, list[str]]:
    """The same secrets as they would appear in a JSON or text answer."""
    out: dict[str, list[str]] = {}
    for name, values in forms.items():
        found = []
        for v in values:
            if len(v) == 64 and name != "document":
                continue  # an ABI word is a chain form
            try:
                found.append(bytes.fromhex(v).decode())
            except (ValueError, UnicodeDecodeError):
                found.append(v)
        out[name] = found or values
    return out


def _chain_dump(url: str) -> str:
    """Every log, every transaction input and all contract storage, as one lower-case text."""
    head = int(str(rpc_call(url, "eth_blockNumber")), 16)
    parts: list[str] = []
    logs = rpc_call(url, "eth_getLogs", [{"fromBlock": "0x0", "toBlock": hex(head)}])
    assert isinstance(logs, list)
    assert logs, "the chain has logs"
    for log in logs:
        parts.append(str(log["data"]))
        parts += [str(t) for t in log["topics"]]
    inputs = 0
    for number in range(head + 1):
        block = rpc_call(url, "eth_getBlockByNumber", [hex(number), True])
        assert isinstance(block, dict)
        for tx in block["transactions"]:
            parts.append(str(tx["input"]))
            inputs += 1
    assert inputs > 10
    state = str(rpc_call(url, "anvil_dumpState"))
    dumped = json.loads(gzip.decompress(bytes.fromhex(state.removeprefix("0x"))))
    storage = [acct.get("storage", {}) for acct in dumped["accounts"].values()]
    assert any(storage), "the contract has storage"
    parts.append(json.dumps(storage))
    return "\n".join(parts).lower()


def test_reading_the_whole_chain_finds_none_of_bank_a_s_terms(world: dict[str, Any]) -> None:
    dump = _chain_dump(world["node"].url)
    found = {name: [v for v in values if v in dump] for name, values in _secrets(world).items()}
    assert {k: v for k, v in found.items() if v} == {}
    # what remains visible: that bank A sent transactions, and the fingerprints it locked
    assert world["net"].bank.address[2:].lower() in dump


def _calls(world: dict[str, Any], app_routes: list[Any]) -> Iterator[tuple[str, dict[str, str]]]:
    net: Network = world["net"]
    samples = {
        "doc_hash": [world["doc_hash"], world["cii_hash"]],
        "financing_id": [str(world["fid"])],
        "address": [net.bank.address, net.bank_b.address, net.enterprise.address],
        "proposal_id": ["1"],
    }
    for route in app_routes:
        if route.method != "GET" or route.path in ("/rpc",):
            continue
        missing = [p for p in route.path_params if p not in samples]
        assert not missing, f"{route.path}: no sample for {missing}"
        paths = [route.path]
        for param in route.path_params:
            paths = [p.replace("{" + param + "}", v) for p in paths for v in samples[param]]
        for path in paths:
            yield path, {}
            for name, _required, _schema in route.query:
                if name in ("doc", "doc_hash"):
                    yield path, {name: world["doc_hash"]}
                elif name in ("bank", "member", "by"):
                    yield path, {name: net.bank.address}
                elif name == "format":
                    for fmt in ("json", "csv"):
                        yield path, {name: fmt}


def test_no_endpoint_shows_bank_a_s_terms_to_others(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    net: Network = world["net"]
    texts = _text_forms(_secrets(world))
    routes = served_routes(client.app)  # type: ignore[arg-type]
    leaks: list[str] = []
    calls = 0
    for who in (net.bank_b, net.enterprise, net.attestor):
        for path, query in _calls(world, routes):
            answer = client.get(path, params=query, headers=who.headers)
            assert answer.status_code < 500, (path, query, answer.text)
            calls += 1
            body = answer.text
            asked = path + json.dumps(query)  # an answer may echo the hash it was asked about
            for name, values in texts.items():
                leaks += [
                    f"{who.name} {path} {query}: {name}"
                    for v in values
                    if v in body and v not in asked
                ]
        for data in (UBL, CII):
            answer = client.post(
                "/v1/documents/check",
                files={"file": ("invoice.xml", data, "application/xml")},
                headers=who.headers,
            )
            assert answer.status_code < 500
            own = hashlib.sha256(data).hexdigest()  # the hash of the file it sent is its own
            for name, values in texts.items():
                leaks += [
                    f"{who.name} /check: {name}" for v in values if v in answer.text and v != own
                ]
    assert calls > 50
    assert leaks == []


def test_the_regulator_reads_and_proves_everything(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    net: Network = world["net"]
    answer = client.get(f"/v1/financings/{world['fid']}", headers=net.regulator.headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["confidential"] is False
    assert (body["amount"], body["drawn"], body["repaid"]) == (AMOUNT, DRAWN, REPAID)
    assert body["reference"] == REFERENCE
    assert body["maturity"].startswith("2031-07-13")
    assert [d["doc_hash"] for d in body["documents"]] == [world["doc_hash"]]
    assert body["commitment_holds"] is True
    assert [e["type"] for e in body["entries"]] == ["drawdown", "repayment"]
    # the bank reads its own book in full; bank B sees that the financing exists, no more
    own = client.get(f"/v1/financings/{world['fid']}", headers=net.bank.headers).json()
    assert own["amount"] == AMOUNT
    other = client.get(f"/v1/financings/{world['fid']}", headers=net.bank_b.headers).json()
    assert other["confidential"] is True
    assert other["amount"] is None
    assert other["documents"] == []


def test_an_enterprise_reads_financings_of_its_own_documents_only(world: dict[str, Any]) -> None:
    client: TestClient = world["client"]
    net: Network = world["net"]
    own = invoice("PRIV-ENT-1", "1000.00")
    registered = client.post(
        "/v1/documents",
        files={"file": ("own.xml", own, "application/xml")},
        headers=net.enterprise.headers,
    )
    assert registered.status_code in (200, 201), registered.text
    lodged = _lodge(client, net.bank, own)
    created = _finance(client, net.bank, lodged["doc_hash"], 50_000, "A-ENT-REF-1")
    assert created.status_code == 201, created.text
    fid = created.json()["financing_id"]
    mine = client.get(f"/v1/financings/{fid}", headers=net.enterprise.headers).json()
    assert mine["confidential"] is False
    assert mine["amount"] == 50_000
    assert mine["fingerprints"] is None  # an enterprise is never given fingerprints
    assert all(d["fingerprints"] is None for d in mine["documents"])
    theirs = client.get(f"/v1/financings/{world['fid']}", headers=net.enterprise.headers).json()
    assert theirs["confidential"] is True


def test_envelopes_are_bound_to_this_deployment(tmp_path: Path) -> None:
    from ledger import confidential as conf

    reader = conf.new_private_key()
    here = conf.Context(31337, b"\x11" * 20)
    there = conf.Context(31337, b"\x22" * 20)
    sealed = conf.seal_terms({"amount": 1}, [conf.public_bytes(reader)], here)
    opened = conf.open_terms(sealed.envelope, [reader], here)
    assert opened is not None
    assert opened[0].payload["amount"] == 1
    assert conf.commitment(opened[0].plaintext) == sealed.commitment
    assert conf.open_terms(sealed.envelope, [reader], there) is None
    assert conf.open_terms(sealed.envelope, [conf.new_private_key()], here) is None
    tampered = bytearray(sealed.envelope)
    tampered[-1] ^= 1
    assert conf.open_terms(bytes(tampered), [reader], here) is None
    # lengths do not tell amounts: one digit or nineteen, the same envelope size
    short = conf.seal_terms({"amount": 1}, [conf.public_bytes(reader)], here)
    long = conf.seal_terms({"amount": 10**18}, [conf.public_bytes(reader)], here)
    assert len(short.envelope) == len(long.envelope)
