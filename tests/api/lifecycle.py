"""A gateway on the real embedded chain holding a resource in every lifecycle state, built through
the API as users build it, and the routes the app serves — shared by the read matrix and the
hostile-input suite.

States of documents: registered, attested, financed, drawn, repaid, closed, cancelled, refused (a
refused financing attempt), revoked, superseded. Financings: financed (active), drawn, repaid
(partly), closed, cancelled. The enterprise registers every invoice before a bank lodges the same
file and finances it, as in the README, so the enterprise is the registrant of every pledged
document; Bank B's attempt on the CII twin of Bank A's financed invoice is refused.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api_helpers import CII, UBL, finance, lodge, unique_file, xml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.network import init_network
from tests.conftest import Network, Participant, build_network, make_settings

#: every role, and a second bank (the one that did not finance anything)
ROLES = ("admin", "bank", "bank_b", "enterprise", "attestor", "regulator")
DOC_STATES = (
    "registered",
    "attested",
    "financed",
    "drawn",
    "repaid",
    "closed",
    "cancelled",
    "refused",
    "revoked",
    "superseded",
)
FIN_STATES = ("financed", "drawn", "repaid", "closed", "cancelled")
#: the sample invoices' amount due (EN 16931 BT-115): 4,675.00 DKK
SAMPLE_FACE = 467_500


def invoice(number: str, amount: str) -> bytes:
    """The sample UBL invoice with another number (BT-1), amount due (BT-115) and order
    reference (BT-13) — its total with VAT (BT-112) the same, as EN 16931 BR-CO-16 requires: a
    different invoice, with fingerprints of its own, and for another order
    (the same lines for less on the same day would be suspected a split of it: docs/rules.md)."""
    data = UBL.replace(b"<cbc:ID>TOSL110</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1)
    data = data.replace(b"<cbc:ID>123</cbc:ID>", f"<cbc:ID>ORDER-{number}</cbc:ID>".encode(), 1)
    for total in ("TaxInclusiveAmount", "PayableAmount"):  # BT-112 = BT-115 (BR-CO-16)
        data = data.replace(
            f'<cbc:{total} currencyID="DKK">4675.00</cbc:{total}>'.encode(),
            f'<cbc:{total} currencyID="DKK">{amount}</cbc:{total}>'.encode(),
        )
    return data


@dataclass
class Expected:
    """What a document or a financing in one state must read as (amounts in minor units)."""

    status: str
    face_value: int | None = None
    financed_amount: int = 0
    drawn: int = 0
    repaid: int = 0
    amount: int = 0
    #: roles that lodged this file (they, and the regulator, see its facts)
    lodged_by: tuple[str, ...] = ()
    events: tuple[str, ...] = ()


@dataclass
class World:
    net: Network
    app: FastAPI
    client: TestClient
    docs: dict[str, str] = field(default_factory=dict)
    financings: dict[str, int] = field(default_factory=dict)
    proposals: dict[str, int] = field(default_factory=dict)
    expect_doc: dict[str, Expected] = field(default_factory=dict)
    expect_fin: dict[str, Expected] = field(default_factory=dict)
    #: the keyed fingerprints of each financed document, as its bank's gateway computed them
    fingerprints: dict[str, list[str]] = field(default_factory=dict)

    def who(self, role: str) -> Participant:
        return self.net.bank_b if role == "bank_b" else self.net.by_role()[role]

    def ok(self, method: str, path: str, who: Participant, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers=who.headers, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        return response.json()

    def catch_up(self) -> None:
        """Bring the event index to the chain's head (the follower thread would within 0.5 s)."""
        self.app.state.audit_index.catch_up()


@contextmanager
def open_world(tmp: Path | None = None) -> Iterator[World]:
    """A new network on the embedded chain and its app, with nothing in it yet."""
    with tempfile.TemporaryDirectory(prefix="tradeledger-world-") as scratch:
        settings = make_settings((tmp or Path(scratch)) / "ledger")
        ledger, admin_key = init_network(settings, "Test admin")
        try:
            net = build_network(ledger, admin_key)
            app = create_app(ledger.settings, ledger)
            with TestClient(app, raise_server_exceptions=False) as client:
                yield World(net, app, client)
        finally:
            ledger.close()


def populate(w: World) -> World:
    """Create one resource in every lifecycle state (see the module docstring)."""
    net = w.net
    ent, bank, bank_b = net.enterprise, net.bank, net.bank_b

    def register(data: bytes) -> str:
        return str(w.ok("POST", "/v1/documents", ent, files=xml(data))["doc_hash"])

    def register_raw(label: str) -> str:
        return str(w.ok("POST", "/v1/documents", ent, files=unique_file(label))["doc_hash"])

    def financed(state: str, data: bytes, amount: int, face: int) -> int:
        doc = register(data)
        lodged = lodge(w.client, bank, data)
        assert lodged["doc_hash"] == doc
        w.fingerprints[state] = [f["value"] for f in lodged["fingerprints"]]
        response = finance(w.client, bank, doc, amount=amount, reference=state)
        assert response.status_code == 201, response.text
        w.docs[state] = doc
        return int(response.json()["financing_id"])

    # registered: the enterprise's invoice of 4,675.00 DKK, not financed
    w.docs["registered"] = register(invoice("LC-REGISTERED", "4675.00"))
    w.expect_doc["registered"] = Expected(
        "active", face_value=SAMPLE_FACE, lodged_by=("enterprise",), events=("DocumentRegistered",)
    )
    # attested: a raw file (no facts) an attestor vouched for
    w.docs["attested"] = register_raw("attested")
    w.ok(
        "POST",
        f"/v1/documents/{w.docs['attested']}/attest",
        net.attestor,
        json={"evidence": "MRN 1"},
    )
    w.expect_doc["attested"] = Expected("active", events=("DocumentRegistered", "DocumentAttested"))
    # financed: the sample invoice itself, so that its CII twin is refused below
    fid = financed("financed", UBL, 100_000, SAMPLE_FACE)
    w.financings["financed"] = fid
    w.expect_fin["financed"] = Expected("active", amount=100_000)
    w.expect_doc["financed"] = Expected(
        "active",
        face_value=SAMPLE_FACE,
        financed_amount=100_000,
        lodged_by=("enterprise", "bank"),
        events=("DocumentRegistered", "FinancingRegistered"),
    )
    # drawn
    fid = financed("drawn", invoice("LC-DRAWN", "5002.00"), 200_000, 500_200)
    w.ok("POST", f"/v1/financings/{fid}/drawdown", bank, json={"amount": 150_000})
    w.financings["drawn"] = fid
    w.expect_fin["drawn"] = Expected("active", amount=200_000, drawn=150_000)
    w.expect_doc["drawn"] = Expected(
        "active",
        face_value=500_200,
        financed_amount=200_000,
        lodged_by=("enterprise", "bank"),
        events=("DocumentRegistered", "FinancingRegistered"),
    )
    # repaid: drawn in full, repaid in part (still active, outstanding 180,000)
    fid = financed("repaid", invoice("LC-REPAID", "5003.00"), 300_000, 500_300)
    w.ok("POST", f"/v1/financings/{fid}/drawdown", bank, json={"amount": 300_000})
    w.ok("POST", f"/v1/financings/{fid}/repay", bank, json={"amount": 120_000})
    w.financings["repaid"] = fid
    w.expect_fin["repaid"] = Expected("active", amount=300_000, drawn=300_000, repaid=120_000)
    w.expect_doc["repaid"] = Expected(
        "active",
        face_value=500_300,
        financed_amount=300_000,
        lodged_by=("enterprise", "bank"),
        events=("DocumentRegistered", "FinancingRegistered"),
    )
    # closed: drawn, repaid in full, closed (the document is released)
    fid = financed("closed", invoice("LC-CLOSED", "5004.00"), 400_000, 500_400)
    w.ok("POST", f"/v1/financings/{fid}/drawdown", bank, json={"amount": 400_000})
    w.ok("POST", f"/v1/financings/{fid}/repay", bank, json={"amount": 400_000})
    w.ok("POST", f"/v1/financings/{fid}/close", bank)
    w.financings["closed"] = fid
    w.expect_fin["closed"] = Expected("closed", amount=400_000, drawn=400_000, repaid=400_000)
    w.expect_doc["closed"] = Expected(
        "active",
        face_value=500_400,
        lodged_by=("enterprise", "bank"),
        events=("DocumentRegistered", "FinancingRegistered"),
    )
    # cancelled
    fid = financed("cancelled", invoice("LC-CANCELLED", "5005.00"), 50_000, 500_500)
    w.ok("POST", f"/v1/financings/{fid}/cancel", bank, json={"reason_code": 2})
    w.financings["cancelled"] = fid
    w.expect_fin["cancelled"] = Expected("cancelled", amount=50_000)
    w.expect_doc["cancelled"] = Expected(
        "active",
        face_value=500_500,
        lodged_by=("enterprise", "bank"),
        events=("DocumentRegistered", "FinancingRegistered"),
    )
    # refused: Bank B registers and lodges the CII twin of Bank A's financed invoice; its
    # attempt is refused (a financing registers no document: registering it here makes the
    # refused document one the matrix can read)
    w.ok("POST", "/v1/documents", bank_b, files=xml(CII, "twin.xml"))
    twin = lodge(w.client, bank_b, CII)["doc_hash"]
    refused = finance(w.client, bank_b, twin, amount=1_000, reference="refused")
    assert refused.status_code == 409, refused.text
    assert refused.json()["details"]["reason"] == "FINGERPRINT_PLEDGED"
    w.docs["refused"] = twin
    w.expect_doc["refused"] = Expected(
        "active",
        face_value=SAMPLE_FACE,
        lodged_by=("bank_b",),
        events=("DocumentRegistered", "FinancingRefused"),
    )
    # revoked
    w.docs["revoked"] = register_raw("revoked")
    w.ok("POST", f"/v1/documents/{w.docs['revoked']}/revoke", ent, json={"reason_code": 3})
    w.expect_doc["revoked"] = Expected("revoked", events=("DocumentRegistered", "DocumentRevoked"))
    # superseded by an amendment
    w.docs["superseded"] = register_raw("superseded")
    w.ok(
        "POST", f"/v1/documents/{w.docs['superseded']}/supersede", ent, files=unique_file("amended")
    )
    w.expect_doc["superseded"] = Expected(
        "superseded", events=("DocumentRegistered", "DocumentSuperseded")
    )
    assert set(w.docs) == set(DOC_STATES)
    assert set(w.financings) == set(FIN_STATES)
    # a governance proposal (M = 1: it takes effect at once)
    proposal = w.ok(
        "POST",
        "/v1/governance/proposals",
        net.admin,
        json={"action": "set_threshold", "threshold": 1},
    )
    w.proposals["executed"] = int(proposal["proposal_id"])
    w.catch_up()
    return w


# -- the routes the app serves ---------------------------------------------------------------

_PARAM = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?}")


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    path_params: tuple[str, ...]
    #: (name, required, schema)
    query: tuple[tuple[str, bool, dict[str, Any]], ...] = ()
    operation: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def served_routes(app: FastAPI) -> list[Route]:
    """Every operation in the OpenAPI, and the routes left out of it (``/metrics``, ``/rpc``,
    the docs pages): what a client can call, whatever FastAPI's internal route tree looks like."""
    found: dict[tuple[str, str], Route] = {}
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = operation.get("parameters", [])
            found[(method.upper(), path)] = Route(
                method.upper(),
                path,
                tuple(p["name"] for p in params if p["in"] == "path"),
                tuple(
                    (p["name"], bool(p.get("required")), p.get("schema", {}))
                    for p in params
                    if p["in"] == "query"
                ),
                operation,
            )
    for path, methods in _unlisted(app):
        for method in methods:
            if method in ("HEAD", "OPTIONS") or (method, path) in found:
                continue
            found[(method, path)] = Route(method, path, tuple(_PARAM.findall(path)))
    return sorted(found.values(), key=lambda r: (r.path, r.method))


def _unlisted(app: FastAPI) -> list[tuple[str, set[str]]]:
    try:  # FastAPI >= 0.16x keeps included routers as a tree; this walks it
        from fastapi.routing import iter_route_contexts

        contexts: list[Any] = list(iter_route_contexts(app.routes))
    except ImportError:
        contexts = list(app.routes)
    return [
        (str(c.path), set(c.methods or ()))
        for c in contexts
        if getattr(c, "path", None) and getattr(c, "methods", None)
    ]
