"""Hostile input on every route, as authenticated members, on the real embedded chain: no input
gets a 5xx, and every 422 names the field.

The routes and their parameters and bodies are read from the app's OpenAPI (plus the routes left
out of it), so a new endpoint is fuzzed without anyone adding it. The fuzz is deterministic and
bounded: for each route, every path parameter, query parameter and body property in turn gets
each value of fixed hostile lists (out-of-range integers, wrong types, huge strings, malformed
hex, control characters), the others keeping plausible values so the request goes as deep as it
can; then whole-body attacks (none, empty, not JSON, deeply nested, wrong content types) and
hostile files (a face value beyond uint64, garbage, malformed XML, an entity declaration). Each
request is sent as the role that may call the route (the deepest path), unknown routes as every
role. Then the specific faults this suite was written for, one test each.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from api_helpers import BILL, MATURITY, lodge, unique_file, xml
from fastapi.testclient import TestClient
from hexbytes import HexBytes
from lifecycle import Route, World, invoice, open_world, populate, served_routes

from api.bridge import BridgeApp
from ledger.chain.bridge import node_token
from ledger.documents.normalise import too_large_rule
from ledger.errors import InvalidInput, LedgerStateError
from ledger.join import LOOKUP_KEY_FILE
from ledger.network import init_network, open_ledger
from ledger.services.documents import MAX_FACE_VALUE
from ledger.services.financing import MAX_FINANCING_ID
from tests.conftest import make_settings
from tests.evaluator_harness import SessionEvaluator

HOSTILE_PATH = (
    "0",
    "-1",
    str(MAX_FINANCING_ID + 1),
    str(2**64),
    str(2**256),
    "9" * 400,
    "abc",
    "1.5",
    "1e3",
    "0x",
    "0x" + "zz" * 32,
    "0x" + "0" * 63,
    "0x" + "0" * 64,
    "0x" + "f" * 64,
    "0x" + "ab" * 20,
    "0x" + "ab" * 21,
    "x" * 4000,
    " ",
    "\x00",
    "null",
    "é🙂",
)
HOSTILE_QUERY = (*HOSTILE_PATH, "", "2000-13-45", "99999999999999999999-1", "1-" + "9" * 30)
HOSTILE_JSON: tuple[Any, ...] = (
    2**64,
    2**256,
    -(2**63) - 1,
    -1,
    0,
    1.5,
    1e308,
    "abc",
    "",
    "x" * 100_000,
    "0x" + "zz" * 32,
    "0x" + "f" * 64,
    "\x00",
    True,
    None,
    [],
    {},
    [[[[[]]]]],
)
HOSTILE_FORM = ("", "none", "NONE", "0", "x" * 10_000, "\x00", "invoice\n", "é🙂")
#: whole bodies: (label, content-type, bytes)
HOSTILE_BODIES = (
    ("empty JSON", "application/json", b""),
    ("null", "application/json", b"null"),
    ("array", "application/json", b"[]"),
    ("string", "application/json", b'"s"'),
    ("truncated JSON", "application/json", b'{"a":'),
    ("not UTF-8", "application/json", b'{"a":"\xff\xfe"}'),
    ("huge number", "application/json", b'{"amount": 1e400}'),
    ("deeply nested", "application/json", b"[" * 5000 + b"]" * 5000),
    ("text", "text/plain", b"hello"),
    ("form-encoded", "application/x-www-form-urlencoded", b"a=1&b=2"),
    ("multipart without boundary", "multipart/form-data", b"--x\r\n"),
    ("no content type", "", b"{}"),
)


def _ubl_amount(amount: str) -> bytes:
    return invoice("FUZZ-" + amount[:12], amount)


HOSTILE_FILES = (
    ("empty", b""),
    ("garbage", bytes(range(256)) * 4),
    ("face value beyond uint64", _ubl_amount("184467440737095516.16")),
    ("face value of 10^23", _ubl_amount("99999999999999999999999.99")),
    ("negative face value", _ubl_amount("-5.00")),
    ("malformed XML", b"<?xml version='1.0'?><Invoice xmlns='urn:x'"),
    ("entity declaration", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'),
    (
        "JSON form with a huge total",
        json.dumps(
            {
                **json.loads(BILL),
                "documentType": "Invoice",
                "totalAmount": {"value": "184467440737095516.16", "currency": "DKK"},
            }
        ).encode(),
    ),
    ("deep JSON", b"[" * 5000 + b"]" * 5000),
)

#: the role that may call each write (the deepest path through it); GETs go as a bank and as a
#: regulator; a route not listed here is sent as every role
DEEP_ROLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/v1/members"): ("admin",),
    ("POST", "/v1/members/{address}/suspend"): ("admin",),
    ("POST", "/v1/members/{address}/reinstate"): ("admin",),
    ("POST", "/v1/keys/{address}/rotate"): ("admin",),
    ("POST", "/v1/keys/{address}/revoke"): ("admin",),
    ("POST", "/v1/documents/{doc_hash}/attest"): ("attestor",),
    ("POST", "/v1/documents/{doc_hash}/revoke"): ("enterprise",),
    ("POST", "/v1/documents/{doc_hash}/supersede"): ("enterprise",),
    ("POST", "/v1/documents"): ("enterprise",),
    ("POST", "/v1/documents/json"): ("enterprise",),
    ("POST", "/v1/documents/batch"): ("enterprise",),
    ("POST", "/v1/documents/receive"): ("bank",),
    ("POST", "/v1/documents/check"): ("bank",),
    ("POST", "/v1/documents/verify"): ("attestor",),
    ("POST", "/v1/financings"): ("bank",),
    ("POST", "/v1/financings/{financing_id}/drawdown"): ("bank",),
    ("POST", "/v1/financings/{financing_id}/repay"): ("bank",),
    ("POST", "/v1/financings/{financing_id}/close"): ("bank",),
    ("POST", "/v1/financings/{financing_id}/cancel"): ("bank",),
    ("POST", "/v1/financings/{financing_id}/share"): ("bank",),
}
ALL_ROLES = ("admin", "bank", "enterprise", "attestor", "regulator")
#: writes that change the caller's own credentials: fuzzing them would lock the fuzzer out
SKIPPED = frozenset({("POST", "/v1/keys/rotate")})


@dataclass
class Case:
    label: str
    method: str
    url: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(session_evaluator: SessionEvaluator) -> Iterator[World]:
    # one bank's every hostile check and lodging of the module, within one evaluator window:
    # not what this suite tests (the allowance's own tests: tests/oprf/test_evaluator.py)
    evaluator = session_evaluator
    with pytest.MonkeyPatch.context() as patch, open_world() as w:
        patch.setattr(evaluator.service, "limit", 4 * evaluator.service.limit)
        populate(w)
        # an invoice the bank lodged and did not finance: a financing's plausible pledge
        w.docs["lodged"] = lodge(w.client, w.net.bank, invoice("FUZZ-BASE", "6000.00"))["doc_hash"]
        yield w


# -- plausible values, so that one hostile value at a time goes deep ----------------------------


def plausible_path(w: World, name: str) -> str:
    values = {
        "doc_hash": w.docs["registered"],
        "financing_id": str(w.financings["drawn"]),
        "address": w.net.bank_b.address,
    }
    return values.get(name, "1")


def plausible_by_name(w: World, name: str) -> Any:
    return {
        "doc_hash": w.docs["lodged"],
        "amount": 1,
        "currency": "DKK",
        "maturity": MATURITY,
        "kind": "invoice_financing",
        "reference": "fuzz",
        "reason_code": 1,
        "evidence": "MRN 1",
        "name": "Fuzzed member",
        "role": "bank",
        "legal_id": "",
    }.get(name)


def resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$ref`` followed, and an ``anyOf`` with null reduced to the other."""
    while True:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema:
            options = [s for s in schema["anyOf"] if s.get("type") != "null"]
            schema = options[0] if options else {}
        else:
            return schema


def instance(w: World, schema: dict[str, Any], components: dict[str, Any], name: str = "") -> Any:
    """A plausible value for ``schema`` (required properties only)."""
    schema = resolve(schema, components)
    known = plausible_by_name(w, name)
    if known is not None:
        return known
    kind = schema.get("type")
    if kind == "object":
        if not schema.get("properties") and schema.get("additionalProperties"):
            return json.loads(BILL)  # the JSON form
        return {
            prop: instance(w, sub, components, prop)
            for prop, sub in schema.get("properties", {}).items()
            if prop in schema.get("required", ())
        }
    if kind == "array":
        return [instance(w, schema.get("items", {}), components, name)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if "examples" in schema:
        return schema["examples"][0]
    return "fuzz"


def property_paths(
    schema: dict[str, Any], components: dict[str, Any], base: Any, prefix: tuple[Any, ...] = ()
) -> Iterator[tuple[Any, ...]]:
    """Every property of ``schema`` (required or not, nested, first array item), as key paths;
    for a free-form object, the keys of ``base``."""
    schema = resolve(schema, components)
    if schema.get("type") == "object":
        props = schema.get("properties") or {k: {} for k in (base or {})}
        for prop, sub in props.items():
            yield (*prefix, prop)
            inner = base.get(prop) if isinstance(base, dict) else None
            yield from property_paths(sub, components, inner, (*prefix, prop))
    elif schema.get("type") == "array":
        inner = base[0] if isinstance(base, list) and base else None
        yield from property_paths(schema.get("items", {}), components, inner, (*prefix, 0))


def with_value(base: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``base`` with ``value`` at ``path`` (containers made on the way)."""
    body = copy.deepcopy(base) if base is not None else {}
    node = body
    for key, after in itertools.pairwise(path):
        empty: Any = [] if isinstance(after, int) else {}
        if isinstance(node, list):
            while len(node) <= key:
                node.append(empty)
        if not isinstance(node[key] if isinstance(node, list) else node.get(key), dict | list):
            node[key] = empty
        node = node[key]
    if isinstance(node, list):
        while len(node) <= path[-1]:
            node.append(None)
    node[path[-1]] = value
    return body


# -- the cases --------------------------------------------------------------------------------


def cases(w: World, route: Route) -> Iterator[Case]:
    openapi = w.app.openapi()
    components = openapi.get("components", {}).get("schemas", {})
    path_values = {name: plausible_path(w, name) for name in route.path_params}

    def url(values: dict[str, str]) -> str:
        text = route.path
        for name, value in values.items():
            text = text.replace("{" + name + "}", quote(value, safe=""))
        return text

    plain = url(path_values)
    body_kwargs, body_cases = body_attacks(w, route, components)
    for name in route.path_params:
        for value in HOSTILE_PATH:
            yield Case(
                f"path {name}={value[:20]!r}",
                route.method,
                url({**path_values, name: value}),
                body_kwargs,
            )
    for name, _required, _schema in route.query:
        for value in HOSTILE_QUERY:
            yield Case(
                f"query {name}={value[:20]!r}", route.method, plain, {"params": {name: value}}
            )
    for label, kwargs in body_cases:
        yield Case(label, route.method, plain, kwargs)


def body_attacks(
    w: World, route: Route, components: dict[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """A plausible body for the route, and the hostile ones."""
    content = route.operation.get("requestBody", {}).get("content", {})
    attacks: list[tuple[str, dict[str, Any]]] = []
    if "application/json" in content:
        schema = content["application/json"]["schema"]
        base = instance(w, schema, components)
        for path in property_paths(schema, components, base):
            for value in HOSTILE_JSON:
                attacks.append(
                    (f"json {path}={str(value)[:20]!r}", {"json": with_value(base, path, value)})
                )
        for label, ctype, raw in HOSTILE_BODIES:
            headers = {"Content-Type": ctype} if ctype else {}
            attacks.append((f"body {label}", {"content": raw, "headers": headers}))
        return {"json": base}, attacks
    if "multipart/form-data" in content:
        schema = resolve(content["multipart/form-data"]["schema"], components)
        files_field = next(
            (
                p
                for p, s in schema.get("properties", {}).items()
                if "contentMediaType" in json.dumps(s) or "binary" in json.dumps(s)
            ),
            "file",
        )
        many = resolve(schema["properties"].get(files_field, {}), components).get("type") == "array"
        forms = [p for p in schema.get("properties", {}) if p != files_field]

        def files(data: bytes, name: str = "f.xml") -> dict[str, Any]:
            item = (name, data, "application/octet-stream")
            return {"files": [(files_field, item)] if many else {files_field: item}}

        for label, data in HOSTILE_FILES:
            attacks.append((f"file {label}", files(data)))
        for form in forms:
            for value in HOSTILE_FORM:
                kwargs = files(unique_file("fuzz")["file"][1])
                attacks.append((f"form {form}={value[:20]!r}", {**kwargs, "data": {form: value}}))
        attacks.append(("no file", {"data": {"x": "1"}}))
        attacks.append(("JSON instead of multipart", {"json": {files_field: "x"}}))
        for label, ctype, raw in HOSTILE_BODIES:
            headers = {"Content-Type": ctype} if ctype else {}
            attacks.append((f"body {label}", {"content": raw, "headers": headers}))
        if many:
            swarm = [
                (files_field, (f"{i}.txt", f"swarm {i}".encode(), "text/plain")) for i in range(257)
            ]
            attacks.append(("257 files", {"files": swarm}))
        return files(unique_file("base")["file"][1]), attacks
    return {}, attacks


def roles_for(route: Route) -> tuple[str, ...]:
    if route.method == "GET":
        return ("bank", "regulator")
    return DEEP_ROLES.get((route.method, route.path), ALL_ROLES)


def test_no_hostile_input_gets_a_5xx_and_every_422_names_the_field(world: World) -> None:
    w = world
    failures: list[str] = []
    sent = 0
    for route in served_routes(w.app):
        if (route.method, route.path) in SKIPPED:
            continue
        for case in cases(w, route):
            for role in roles_for(route):
                who = w.who(role)
                kwargs = dict(case.kwargs)
                headers = {**kwargs.pop("headers", {}), **who.headers}
                sent += 1
                response = w.client.request(case.method, case.url, headers=headers, **kwargs)
                where = f"{case.method} {route.path} [{case.label}] as {role}"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code} {response.text[:160]}")
                elif response.status_code == 422:
                    details = response.json().get("details", {})
                    if not details.get("field"):
                        failures.append(f"{where}: 422 naming no field: {response.text[:160]}")
    # every member's key still works: nothing above was allowed to lock anyone out
    for role in ALL_ROLES:
        assert w.client.get("/v1/members", headers=w.who(role).headers).status_code == 200
    assert sent > 2000, sent
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures[:80])


# -- the faults this suite was written for ----------------------------------------------------


@pytest.mark.parametrize("financing_id", [0, -1, MAX_FINANCING_ID + 1, 2**64, 2**256])
def test_a_financing_id_out_of_range_is_422_naming_it(world: World, financing_id: int) -> None:
    bank = world.net.bank.headers
    for method, suffix, body in (
        ("GET", "", None),
        ("POST", "/close", None),
        ("POST", "/cancel", {"reason_code": 1}),
        ("POST", "/drawdown", {"amount": 1}),
        ("POST", "/repay", {"amount": 1}),
    ):
        response = world.client.request(
            method, f"/v1/financings/{financing_id}{suffix}", json=body, headers=bank
        )
        assert response.status_code == 422, (suffix, response.text)
        assert response.json()["details"]["field"].endswith("financing_id"), response.text


CII = resources.files("ledger.demo_data").joinpath("invoice-cii.xml").read_bytes()


def test_a_face_value_beyond_uint64_is_refused_when_the_file_is_read(world: World) -> None:
    """Refused naming the field where the file states its amount due (``cbc:PayableAmount``,
    ``ram:DuePayableAmount``, ``totalAmount.value``): it named ``amount``, a field no file has."""
    w = world
    amount = "184467440737095516.16"  # 18,446,744,073,709,551,616 minor units = 2**64
    data = invoice("FUZZ-BIG", amount)
    for path, who in (
        ("/v1/documents/check", w.net.bank),
        ("/v1/documents/receive", w.net.bank),
        ("/v1/documents", w.net.enterprise),
    ):
        response = w.client.post(path, files=xml(data), headers=who.headers)
        assert response.status_code == 422, (path, response.text)
        details = response.json()["details"]
        assert details["field"] == "cbc:PayableAmount"  # where the file states it (a tryout)
        # the one wording of an amount too large on every route (test_amount_words), the
        # amount as the file writes it, as every refusal of an amount quotes it
        assert details["rule"].startswith(too_large_rule()), details
        assert details["value"] == amount
    cii = CII.replace(
        b"<ram:DuePayableAmount>4675</ram:DuePayableAmount>",
        f"<ram:DuePayableAmount>{amount}</ram:DuePayableAmount>".encode(),
    )
    assert cii != CII
    response = w.client.post("/v1/documents/check", files=xml(cii), headers=w.net.bank.headers)
    assert response.status_code == 422, response.text
    assert response.json()["details"]["field"] == "ram:DuePayableAmount"
    # nothing was lodged or registered: financing it is refused as not lodged, not as a 500
    doc = "0x" + hashlib.sha256(data).hexdigest()
    assert w.client.get(f"/v1/documents/{doc}", headers=w.net.bank.headers).status_code == 404
    form = {
        **json.loads(BILL),
        "documentType": "Invoice",
        "documentNumber": "FUZZ-BIG-JSON",
        "totalAmount": {"value": amount, "currency": "DKK"},
    }
    response = w.client.post("/v1/documents/json", json=form, headers=w.net.enterprise.headers)
    assert response.status_code == 422, response.text
    assert response.json()["details"]["field"] == "totalAmount.value"
    # the largest face value the ledger records exactly (2^63 - 1: the audit index's signed
    # 64-bit columns) is accepted, and the chain's uint64 bound above it refused (tryout 69)
    largest = invoice("FUZZ-MAX", "92233720368547758.07")
    assert lodge(w.client, w.net.bank, largest)["facts"]["amountMinor"] == MAX_FACE_VALUE
    assert MAX_FACE_VALUE == 2**63 - 1
    uint64 = w.client.post(
        "/v1/documents/receive",
        files=xml(invoice("FUZZ-U64", "184467440737095516.15")),
        headers=w.net.bank.headers,
    )
    assert uint64.status_code == 422, uint64.text
    assert uint64.json()["details"]["field"] == "cbc:PayableAmount"


def test_a_replayed_raw_transaction_on_rpc_is_a_json_rpc_error(world: World) -> None:
    w = world
    ledger = w.net.ledger
    token = node_token(ledger.settings.secrets_dir)
    local = TestClient(BridgeApp(ledger), raise_server_exceptions=False, client=("127.0.0.1", 1))
    signer = ledger.keystore.load(ledger.manifest.admin_address)
    used = {
        "chainId": ledger.chain_id,
        "nonce": 0,  # the admin's first transaction (the deployment) used it
        "gasPrice": 10**9,
        "gas": 21_000,
        "to": ledger.manifest.admin_address,
        "value": 0,
        "data": b"",
    }
    raw = HexBytes(signer.sign_transaction(used)).to_0x_hex()

    def rpc(payload: Any) -> Any:
        response = local.post("/rpc", json=payload, headers={"X-Node-Token": token})
        assert response.status_code == 200, response.text
        return response.json()

    def call(method: str, params: Any) -> dict[str, Any]:
        answer: dict[str, Any] = rpc(
            {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
        )
        return answer

    replay = call("eth_sendRawTransaction", [raw])
    assert replay["id"] == 7
    assert replay["error"]["code"] == -32000
    assert "nonce too low" in replay["error"]["message"]
    # other hostile JSON-RPC requests answer JSON-RPC errors too, never an HTTP 500
    for method, params in (
        ("eth_sendRawTransaction", ["0x1234"]),
        ("eth_sendRawTransaction", ["0x"]),
        ("eth_sendRawTransaction", [None]),
        ("eth_sendRawTransaction", []),
        ("eth_getBalance", ["0xzz"]),
        ("eth_call", [{"to": "0x12"}]),
        ("eth_getLogs", ["x"]),
        ("eth_getLogs", [{"fromBlock": "0x" + "f" * 70}]),
        ("eth_getBlockByNumber", [{"a": 1}, False]),
        ("eth_getStorageAt", [ledger.contract.address, "0x" + "f" * 70, "latest"]),
        ("eth_getTransactionCount", [ledger.manifest.admin_address, "0x" + "f" * 80]),
        ("eth_chainId", {"by": "name"}),
    ):
        answer = call(method, params)
        assert "error" in answer or "result" in answer, (method, answer)
    batch = rpc(
        [{"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [raw]}, 5]
    )
    assert batch[0]["error"]["code"] == -32000
    assert batch[1]["error"]["code"] == -32600


def test_a_network_needs_an_evaluator_key_and_a_gateway_its_lookup_key(tmp_path: Path) -> None:
    """No fingerprint key exists any more (issue #18): ``init`` refuses without the evaluator's
    public key, naming what to do, and a gateway whose lookup key is lost says so instead of
    silently making a new one (the files it keeps would never match again)."""
    bare = make_settings(tmp_path / "bare", evaluator_url="", evaluator_public_key="")
    with pytest.raises(InvalidInput) as refused:
        init_network(bare)
    assert refused.value.field == "TRADELEDGER_EVALUATOR_PUBLIC_KEY"  # what the operator sets
    assert "tradeledger evaluator init" in refused.value.rule
    not_a_key = make_settings(tmp_path / "bad", evaluator_url="", evaluator_public_key="00" * 32)
    with pytest.raises(InvalidInput, match="ristretto255"):
        init_network(not_a_key)

    settings = make_settings(tmp_path / "ledger")
    ledger, _ = init_network(settings)
    ledger.close()
    assert not (settings.secrets_dir / "fingerprint.key").exists()
    key_file = settings.secrets_dir / LOOKUP_KEY_FILE
    good = key_file.read_text()
    key_file.unlink()
    opened = open_ledger(settings)
    try:
        with pytest.raises(LedgerStateError) as missing:
            opened.lookup_key()
    finally:
        opened.close()
    assert str(key_file) in missing.value.message
    assert "backup" in missing.value.message
    key_file.write_text(good)
    key_file.chmod(0o600)
    opened = open_ledger(settings)
    try:
        assert opened.lookup_key() == bytes.fromhex(good.strip())
    finally:
        opened.close()
