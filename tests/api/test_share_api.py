"""``POST /v1/financings/{id}/share``: a REST-only bank makes a registrant a reader.

The tryout: a bank financed a document whose enterprise registrant is not shown to be its seller;
the 201 answer's ``registrant_not_reader`` notice told it to run ``tradeledger finance share`` —
a CLI command — and the API had no such route, so a REST-only bank could not share the terms at
all. Now the route seals the terms to the reader's published key on chain (``shareTerms``, event
``TermsShared``), once per ``Idempotency-Key``; the notice names it beside the CLI command; who
may share is who the contract lets (the financing's bank, a regulator), every other caller gets
the CLI's refusal; and a body is held to the field and the rule.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture, finance, lodge, own_invoice, xml
from fastapi.testclient import TestClient

from ledger.services import members as member_svc
from ledger.services.roles import Role

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

#: the sample invoices' buyer (ledger/demo_data): an enterprise with this legal id registers an
#: invoice it is not shown to be the seller of, so a bank's terms are not sealed to it
BUYER_VAT = "DE136695976"


@dataclass
class Unsealed:
    """A financing whose terms were not sealed to its document's registrant (the buyer)."""

    buyer: str
    headers: dict[str, str]
    doc_hash: str
    financing_id: int
    created: dict[str, Any]


def _unsealed(client: TestClient, network: Network) -> Unsealed:
    """The scenario of tests/api/test_holders_known_to_readers.py: an enterprise with another
    legal id registers an invoice it is not shown to be the seller of; the bank finances it."""
    added = member_svc.add_member(
        network.ledger, network.admin.address, "Buyer Co", Role.ENTERPRISE, BUYER_VAT
    )
    headers = {"Authorization": f"Bearer {added.api_key}"}
    invoice = own_invoice("SHARE")
    registered = client.post("/v1/documents", files=xml(invoice), headers=headers)
    assert registered.status_code == 201, registered.text
    doc_hash = registered.json()["doc_hash"]
    lodge(client, network.bank, invoice)
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    created: dict[str, Any] = made.json()
    return Unsealed(added.member.address, headers, doc_hash, created["financing_id"], created)


def _shares(network: Network, financing_id: int) -> int:
    """How many ``TermsShared`` events the chain holds for ``financing_id``."""
    logs = network.ledger.contract.events.TermsShared().get_logs(from_block=0)
    return sum(1 for log in logs if int(log["args"]["financingId"]) == financing_id)


def _share(
    client: TestClient, financing_id: int, headers: dict[str, str], body: Any, key: str | None
) -> Any:
    sent = {**headers, **({"Idempotency-Key": key} if key else {})}
    return client.post(f"/v1/financings/{financing_id}/share", json=body, headers=sent)


def test_a_bank_shares_the_terms_with_the_registrant_once_per_key(
    client: TestClient, network: Network
) -> None:
    u = _unsealed(client, network)
    fid = u.financing_id
    [notice] = [n for n in u.created["notices"] if n["kind"] == "registrant_not_reader"]
    # the notice names both surfaces' commands, as invoice_pledged does
    assert f'POST /v1/financings/{fid}/share {{"reader": "{u.buyer}"}}' in notice["message"]
    assert f"tradeledger finance share {u.buyer} --financing {fid} --as " in notice["message"]
    before = client.get(f"/v1/financings/{fid}", headers=u.headers)
    assert before.status_code == 200, before.text
    assert (before.json()["confidential"], before.json()["amount"]) == (True, None)

    shared = _share(client, fid, network.bank.headers, {"reader": u.buyer}, "share-1")
    assert shared.status_code == 200, shared.text
    # the CLI's --json answer (tests/cli/test_cli_registrant_not_reader.py)
    assert shared.json() == {
        "reader": u.buyer,
        "financing_ids": [fid],
        "already_shared": [],
        "notices": [],
    }
    assert _shares(network, fid) == 1
    after = client.get(f"/v1/financings/{fid}", headers=u.headers)
    assert after.status_code == 200, after.text
    assert (after.json()["confidential"], after.json()["amount"]) == (False, 100_000)
    assert [d["doc_hash"] for d in after.json()["documents"]] == [u.doc_hash]

    # a retry answers the first answer and writes nothing new
    again = _share(client, fid, network.bank.headers, {"reader": u.buyer}, "share-1")
    assert again.status_code == 200, again.text
    assert again.json() == shared.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _shares(network, fid) == 1
    # the key names that write: another reader with it is a 409 naming the key, nothing sent
    other = _share(
        client, fid, network.bank.headers, {"reader": network.regulator.address}, "share-1"
    )
    assert other.status_code == 409, other.text
    assert other.json()["details"]["field"] == "Idempotency-Key"
    assert _shares(network, fid) == 1


def test_only_the_bank_and_a_regulator_may_share(client: TestClient, network: Network) -> None:
    u = _unsealed(client, network)
    fid, body = u.financing_id, {"reader": u.buyer}
    # another bank: the contract's refusal, as its drawdown of the financing is refused
    other_bank = _share(client, fid, network.bank_b.headers, body, "other-bank")
    assert other_bank.status_code == 403, other_bank.text
    assert other_bank.json()["error"] == "NotFinancingBank"
    assert f"is not the bank of financing {fid}" in other_bank.json()["message"]
    drawdown = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 1}, headers=network.bank_b.headers
    )
    assert (drawdown.status_code, drawdown.json()["error"]) == (403, "NotFinancingBank")
    # the roles that may not share at all: the 403 names the action and who may
    for who in (network.enterprise, network.attestor, network.admin):
        refused = _share(client, fid, who.headers, body, None)
        assert refused.status_code == 403, (who.role, refused.text)
        details = refused.json()["details"]
        assert refused.json()["error"] == "forbidden"
        assert (details["action"], details["allowed"]) == (
            "share a financing's terms",
            ["bank", "regulator"],
        )
    # the registrant itself may not open the terms to itself
    itself = _share(client, fid, u.headers, body, None)
    assert (itself.status_code, itself.json()["error"]) == (403, "forbidden")
    # a financing nobody registered: 404 naming it, as every financing route answers
    unknown = _share(client, 999, network.bank.headers, body, None)
    assert unknown.status_code == 404, unknown.text
    assert unknown.json()["details"]["field"] == "financing_id"
    assert _shares(network, fid) == 0
    still = client.get(f"/v1/financings/{fid}", headers=u.headers).json()
    assert still["confidential"] is True
    # a regulator reads every financing, and shares it with another regulator only (one that
    # joined later): whom a bank's book is shown to beyond the regulators is the bank's call
    by_regulator = _share(client, fid, network.regulator.headers, body, None)
    assert by_regulator.status_code == 422, by_regulator.text
    assert by_regulator.json()["details"]["field"] == "reader"
    assert by_regulator.json()["details"]["rule"].startswith("must be a regulator")
    assert _shares(network, fid) == 0
    later = member_svc.add_member(
        network.ledger, network.admin.address, "Later regulator", Role.REGULATOR
    )
    address = later.member.address
    to_regulator = _share(client, fid, network.regulator.headers, {"reader": address}, None)
    assert to_regulator.status_code == 200, to_regulator.text
    assert to_regulator.json() == {
        "reader": address,
        "financing_ids": [fid],
        "already_shared": [],
        "notices": [],
    }
    assert _shares(network, fid) == 1


def _sent_by(network: Network, address: str) -> int:
    """How many transactions ``address`` has sent (its nonce)."""
    return int(network.ledger.w3.eth.get_transaction_count(address))


def test_a_repeat_share_changes_nothing_on_chain(client: TestClient, network: Network) -> None:
    """A newcomer shared the terms with the registrant twice (no key, then another key): each
    sent a ``shareTerms`` and wrote a new ``TermsShared``. A reader whose key opens the terms
    already — by an earlier share, or sealed to it when the financing was registered (the
    regulator) — is answered success saying so (``already_shared``), and nothing is sent."""
    u = _unsealed(client, network)
    fid, body = u.financing_id, {"reader": u.buyer}
    first = _share(client, fid, network.bank.headers, body, None)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "reader": u.buyer,
        "financing_ids": [fid],
        "already_shared": [],
        "notices": [],
    }
    assert _shares(network, fid) == 1
    sent = _sent_by(network, network.bank.address)
    for key in (None, "share-again"):
        again = _share(client, fid, network.bank.headers, body, key)
        assert again.status_code == 200, again.text
        assert again.json() == {
            "reader": u.buyer,
            "financing_ids": [fid],
            "already_shared": [fid],
            "notices": [],
        }
        assert _shares(network, fid) == 1
        assert _sent_by(network, network.bank.address) == sent
    # a regulator's key was sealed to when the financing was registered: nothing to share
    regulator = network.regulator.address
    to_regulator = _share(client, fid, network.bank.headers, {"reader": regulator}, None)
    assert to_regulator.status_code == 200, to_regulator.text
    assert to_regulator.json()["already_shared"] == [fid]
    assert _shares(network, fid) == 1
    assert _sent_by(network, network.bank.address) == sent
    # the reader still reads the terms
    read = client.get(f"/v1/financings/{fid}", headers=u.headers).json()
    assert (read["confidential"], read["amount"]) == (False, 100_000)


NOBODY = "0x" + "12" * 20


#: bodies refused, with the field each refusal names and its rule (None: the schema's words)
BAD_BODIES: list[tuple[Any, str, str | None]] = [
    ({"reader": "0x1234"}, "reader", "must be a 20-byte hex address"),
    ({"reader": ""}, "reader", "must be a 20-byte hex address"),
    ({"reader": NOBODY}, "reader", "is not a member of the consortium"),
    ({"reader": []}, "reader", None),
    ({"reader": [NOBODY]}, "reader", None),
    ({}, "reader", None),
    ({"readers": [NOBODY]}, "readers", None),
    ({"reader": NOBODY, "financing_id": 1}, "financing_id", None),
]


def test_a_bad_body_is_refused_naming_the_field(client: TestClient, network: Network) -> None:
    u = _unsealed(client, network)
    for i, (body, field, rule) in enumerate(BAD_BODIES):
        refused = _share(client, u.financing_id, network.bank.headers, body, f"bad-{i}")
        assert refused.status_code == 422, (body, refused.text)
        answer = refused.json()
        assert answer["error"] == "invalid_input", (body, answer)
        assert answer["details"]["field"] == field, (body, answer)
        assert answer["message"].startswith(f"{field}: "), (body, answer)
        if rule is not None:
            assert answer["details"]["rule"] == rule, (body, answer)
    assert _shares(network, u.financing_id) == 0
    # nothing was signed: a refused request's key is free for the corrected request
    fixed = _share(client, u.financing_id, network.bank.headers, {"reader": u.buyer}, "bad-0")
    assert fixed.status_code == 200, fixed.text
    assert _shares(network, u.financing_id) == 1


def test_a_bank_shares_with_a_regulator_or_an_enterprise_only(
    client: TestClient, network: Network
) -> None:
    """A tryout shared a bank's terms with a competitor bank and with an attestor: both went
    through (the contract lets the financing's bank name anyone). The gateway refuses any reader
    but a regulator or an enterprise, naming ``reader``; nothing is written."""
    u = _unsealed(client, network)
    fid = u.financing_id
    for who in (network.bank_b, network.attestor, network.admin):
        refused = _share(client, fid, network.bank.headers, {"reader": who.address}, None)
        assert refused.status_code == 422, (who.role, refused.text)
        details = refused.json()["details"]
        assert details["field"] == "reader"
        assert details["rule"].startswith("must be a regulator or an enterprise"), details
    # its own address: a tryout read "not shared with a member of role bank"
    itself = _share(client, fid, network.bank.headers, {"reader": network.bank.address}, None)
    assert itself.status_code == 422, itself.text
    assert itself.json()["details"]["field"] == "reader"
    assert itself.json()["details"]["rule"].startswith("is you, the financing's bank"), itself.text
    assert _shares(network, fid) == 0
    other = client.get(f"/v1/financings/{fid}", headers=network.bank_b.headers).json()
    assert other["confidential"] is True


def test_a_reader_shared_with_sees_the_financing_on_the_document(
    client: TestClient, network: Network
) -> None:
    """A tryout: the bank shared a financing with an enterprise that did not register the
    document (here its seller, when the buyer registered it); the enterprise read the terms at
    ``GET /v1/financings/{id}``, but the document's record said nothing of the financing
    (``financings`` null, no financing event). A member whose key opens a financing's terms is
    shown that financing on the document's record — and only the financings it reads."""
    u = _unsealed(client, network)
    seller = network.enterprise  # the sample invoices' seller: not the registrant here

    def record() -> dict[str, Any]:
        read = client.get(f"/v1/documents/{u.doc_hash}", headers=seller.headers)
        assert read.status_code == 200, read.text
        body: dict[str, Any] = read.json()
        return body

    before = record()
    assert before["financings"] is None
    assert "FinancingRegistered" not in [e["event"] for e in before["history"]]
    shared = _share(client, u.financing_id, network.bank.headers, {"reader": seller.address}, None)
    assert shared.status_code == 200, shared.text
    # the index folds the TermsShared in a moment after (pledges.pledged_to): a bounded wait
    deadline = time.monotonic() + 15
    after = record()
    while after["financings"] is None and time.monotonic() < deadline:
        time.sleep(0.2)
        after = record()
    assert after["financings"] == [u.financing_id]
    assert "FinancingRegistered" in [e["event"] for e in after["history"]]
    # an attestor, shown nothing of it, still reads no financing
    other = client.get(f"/v1/documents/{u.doc_hash}", headers=network.attestor.headers)
    assert other.status_code == 200, other.text
    assert other.json()["financings"] is None
