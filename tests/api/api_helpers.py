"""Helpers the API tests share: an app over the real embedded chain, files, common writes."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.oblivious import EvaluatorClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
#: the demo invoice's amount due (BT-115), minor units of DKK
DEMO_DUE = 467_500
CII = resources.files("ledger.demo_data").joinpath("invoice-cii.xml").read_bytes()
BILL = resources.files("ledger.demo_data").joinpath("bill-of-lading.json").read_bytes()
MATURITY = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
_counter = itertools.count()


def unique_file(label: str = "doc") -> dict[str, Any]:
    """A raw file nobody registered yet."""
    return {"file": (f"{label}.txt", f"{label} {next(_counter)}".encode(), "text/plain")}


def xml(data: bytes, name: str = "invoice.xml") -> dict[str, Any]:
    return {"file": (name, data, "application/xml")}


def register(client: TestClient, who: Participant, files: dict[str, Any] | None = None) -> str:
    response = client.post("/v1/documents", files=files or unique_file(), headers=who.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["doc_hash"])


def lodge(client: TestClient, who: Participant, data: bytes) -> dict[str, Any]:
    response = client.post("/v1/documents/receive", files=xml(data), headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def check(client: TestClient, who: Participant, data: bytes) -> dict[str, Any]:
    """``POST /v1/documents/check`` of ``data`` as ``who``: its answer (asserted 200)."""
    response = client.post("/v1/documents/check", files=xml(data), headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def finance(
    client: TestClient, bank: Participant, doc_hash: str, amount: int = 374_000, **extra: Any
) -> Any:

    body = {
        "documents": [{"doc_hash": doc_hash, "amount": amount}],
        "currency": "DKK",
        "kind": "invoice_financing",
        "maturity": MATURITY,
        "reference": "REF-1",
        **extra,
    }
    return client.post("/v1/financings", json=body, headers=bank.headers)


_OWN_INVOICES = itertools.count()


def own_invoice(prefix: str = "OWN") -> bytes:
    """The demo UBL invoice with a number (BT-1), an issue date (BT-2) and an order reference
    (BT-13) of its own, a new one per call: its own fingerprints (448 dates before its due
    date, then they repeat), and another order than every other, so it is not suspected of
    re-issuing one (a new number and date alone would be: docs/rules.md)."""
    n = next(_OWN_INVOICES) % 448
    month_index = n // 28
    issued = f"{2012 + month_index // 12}-{1 + month_index % 12:02d}-{1 + n % 28:02d}"
    tag = uuid.uuid4().hex[:10]
    number = UBL.replace(b"TOSL110", f"{prefix}-{tag}".encode())
    order = number.replace(b"<cbc:ID>123</cbc:ID>", f"<cbc:ID>ORDER-{tag}</cbc:ID>".encode(), 1)
    return order.replace(b"<cbc:IssueDate>2013-04-10<", f"<cbc:IssueDate>{issued}<".encode())


def reissued(invoice: bytes) -> bytes:
    """``invoice`` (an :func:`own_invoice`) re-issued: the same seller, buyer, lines, amount
    and order, under a new number (BT-1) and issue date (BT-2) — what a bank's check suspects
    of re-issuing it (``reissue``), here and, through the marks a financing of it carries, at
    another bank."""
    number = re.search(rb"<cbc:ID>([A-Z]+-[0-9a-f]+)</cbc:ID>", invoice)
    assert number is not None
    renumbered = invoice.replace(number.group(1), number.group(1) + b"R", 1)
    redated, count = re.subn(
        rb"<cbc:IssueDate>[0-9-]+</cbc:IssueDate>",
        b"<cbc:IssueDate>2013-05-02</cbc:IssueDate>",
        renumbered,
        count=1,
    )
    assert count == 1
    assert redated != renumbered
    return redated


_LINE = re.compile(rb"\s*<cac:InvoiceLine>.*?</cac:InvoiceLine>", re.S)


def split_part(invoice: bytes, number: str, keep: set[int], total: str) -> bytes:
    """``invoice`` (an :func:`own_invoice`) with only its lines ``keep`` (0-based), numbered
    ``number`` (BT-1), its totals ``total`` DKK (BT-106, BT-109, BT-112, BT-115): a part of it
    split by its lines (the same seller, buyer, order and issue date)."""
    lines = _LINE.findall(invoice)
    assert len(lines) == 3
    start = invoice.index(b"<cbc:ID>") + len(b"<cbc:ID>")
    part = invoice[:start] + number.encode() + invoice[invoice.index(b"</cbc:ID>", start) :]
    for i, line in enumerate(lines):
        if i not in keep:
            part = part.replace(line, b"", 1)
    for amount in (b"LineExtensionAmount", b"TaxExclusiveAmount"):
        part = part.replace(
            b"<cbc:" + amount + b' currencyID="DKK">4000.00<',
            b"<cbc:" + amount + b' currencyID="DKK">' + total.encode() + b"<",
            1,
        )
    for amount in (b"TaxInclusiveAmount", b"PayableAmount"):
        part = re.sub(
            rb"(<cbc:" + amount + rb' currencyID="DKK">)[^<]*<',
            rb"\g<1>" + total.encode() + b"<",
            part,
            count=1,
        )
    return part


def number_of(invoice: bytes) -> str:
    """The invoice number (BT-1) of a UBL invoice (its first ``cbc:ID``)."""
    found = re.search(rb"<cbc:ID>([^<]*)</cbc:ID>", invoice)
    assert found is not None
    return found.group(1).decode()


def issued_later(invoice: bytes, days: int = 1) -> bytes:
    """``invoice`` (UBL) with its issue date (BT-2) ``days`` later."""
    issued = re.search(rb"<cbc:IssueDate>([^<]*)<", invoice)
    assert issued is not None
    day = datetime.strptime(issued.group(1).decode(), "%Y-%m-%d").date() + timedelta(days=days)
    later = invoice.replace(issued.group(0), f"<cbc:IssueDate>{day.isoformat()}<".encode(), 1)
    assert later != invoice
    return later


def financed_invoice(
    client: TestClient, network: Network, invoice: bytes | None = None
) -> tuple[str, int]:
    """``invoice`` (default: :func:`own_invoice`) registered by the enterprise, lodged and
    financed (100,000 minor units) by the bank: (its hash, the financing's id)."""
    invoice = invoice or own_invoice()
    doc_hash = register(client, network.enterprise, xml(invoice))
    assert lodge(client, network.bank, invoice)["doc_hash"] == doc_hash
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    return doc_hash, int(made.json()["financing_id"])


@pytest.fixture(name="governed")
def governed_fixture(network: Network) -> Network:
    """The test network with a second ADMIN and M = 2: an add_member proposal stays pending."""
    from ledger.services import members as member_svc
    from ledger.services.roles import Role

    member_svc.add_member(network.ledger, network.admin.address, "Second admin", Role.ADMIN)
    raised = member_svc.propose(
        network.ledger, network.admin.address, member_svc.ProposalAction.SET_THRESHOLD, data=2
    )
    assert raised.executed
    return network


@pytest.fixture(name="client")
def client_fixture(network: Network) -> Iterator[TestClient]:
    """The gateway app over the network fixture's ledger (server errors become 500s)."""
    app = create_app(network.ledger.settings, network.ledger)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def audit_rules(client: TestClient, who: Participant) -> Any:
    """``rules`` of ``GET /v1/audit/verify`` as ``who`` (asserted 200): the regulator's re-check
    of every off-chain rule and its follow-ups, or None for an admin (who reads no terms)."""
    verified = client.get("/v1/audit/verify", headers=who.headers)
    assert verified.status_code == 200, verified.text
    return verified.json()["rules"]


def evaluator_requests(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of inputs of each request to the fingerprint evaluator from now on."""
    sent: list[int] = []
    real = EvaluatorClient.outputs

    def counted(
        self: EvaluatorClient, member: str, sign: Any, inputs: Any, *key: Any
    ) -> list[bytes]:
        sent.append(len(inputs))
        return real(self, member, sign, inputs, *key)

    monkeypatch.setattr(EvaluatorClient, "outputs", counted)
    return sent


@contextmanager
def check_limited(
    tmp_path: Path, limit: int, window: int = 600
) -> Iterator[tuple[Network, TestClient]]:
    """A network of its own whose gateway allows ``limit`` file checks per ``window`` seconds
    (the session's real evaluator), and its app (server errors become 500s)."""
    from ledger.network import init_network
    from tests.conftest import build_network, make_settings

    settings = make_settings(
        tmp_path / "ledger", fingerprint_check_limit=limit, fingerprint_check_window=window
    )
    ledger, admin_key = init_network(settings, "Test admin")
    try:
        net = build_network(ledger, admin_key)
        with TestClient(create_app(settings, ledger), raise_server_exceptions=False) as client:
            yield net, client
    finally:
        ledger.close()
