"""A revoked invoice does not stop its financing — the bank decides (docs/rules.md) — but the
bank is told, everywhere it looks (a fresh-user tryout: after the registrant revoked the invoice
financing 1 pledges, the financing's read said nothing and a drawdown went through in silence).

Each pledged document of a financing read carries its registration status now, in the words of
``GET /v1/documents/{hash}`` (and its revocation, when revoked) — only where the documents are
shown at all: to a reader whose key opens the terms. A write on the financing goes through and
its answer carries a ``document_revoked`` notice. Real app, real embedded chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_helpers import (
    audit_rules,
    client_fixture,
    finance,
    financed_invoice,
    lodge,
    own_invoice,
    register,
    xml,
)
from fastapi.testclient import TestClient

from ledger.services.roles import REGISTRATION_WITHDRAWN_ONLY

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _revoke(client: TestClient, network: Network, doc_hash: str, code: int = 3) -> dict[str, Any]:
    done = client.post(
        f"/v1/documents/{doc_hash}/revoke",
        json={"reason_code": code},
        headers=network.enterprise.headers,
    )
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    return body


def test_the_bank_reads_revoked_and_its_drawdown_says_so(
    client: TestClient, network: Network
) -> None:
    doc_hash, fid = financed_invoice(client, network)
    before = client.get(f"/v1/financings/{fid}", headers=network.bank.headers).json()
    assert before["documents"][0]["status"] == "active"
    assert before["documents"][0]["revocation"] is None

    revoked = _revoke(client, network, doc_hash)
    document = client.get(f"/v1/documents/{doc_hash}", headers=network.bank.headers).json()
    assert document["status"] == "revoked"

    for who in (network.bank, network.regulator, network.enterprise):
        read = client.get(f"/v1/financings/{fid}", headers=who.headers)
        assert read.status_code == 200, read.text
        pledged = read.json()["documents"][0]
        assert pledged["doc_hash"] == doc_hash
        assert pledged["status"] == "revoked", who.name
        assert pledged["revocation"] == document["revocation"]
        assert pledged["revocation"]["reason_code"] == 3
        assert pledged["revocation"]["tx_hash"] == revoked["tx_hash"]
        listed = client.get("/v1/financings", headers=who.headers).json()["items"]
        (mine,) = [f for f in listed if f["financing_id"] == fid]
        assert mine["documents"][0]["status"] == "revoked"

    # the chain does not stop the bank: the drawdown goes through, and says which document
    drawn = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 50_000}, headers=network.bank.headers
    )
    assert drawn.status_code == 200, drawn.text
    body = drawn.json()
    assert body["financing"]["drawn"] == 50_000
    assert body["financing"]["documents"][0]["status"] == "revoked"
    (notice,) = body["notices"]
    assert notice["kind"] == "document_revoked"
    assert notice["documents"] == [doc_hash]
    assert notice["financings"] == [fid]
    assert doc_hash in notice["message"]
    assert "revoked" in notice["message"]

    # the regulator: the rules hold (the chain does not stop the bank), and it is shown the
    # active financing on a revoked document, apart from the rules
    rules = audit_rules(client, network.regulator)
    assert rules["clean"] is True
    assert rules["not_in_force"] == [
        {
            "financing_id": fid,
            "bank": network.bank.address,
            "doc_hash": doc_hash,
            "status": "revoked",
            "block_number": revoked["block"],
            "log_index": rules["not_in_force"][0]["log_index"],
            "tx_hash": revoked["tx_hash"],
            # revoked directly: no version of it is in force, and who revoked it, when, why
            "superseded_by": None,
            "current_version": None,
            "current_status": None,
            "no_version_in_force": True,
            "revocation": {
                **{k: document["revocation"][k] for k in ("by", "by_name", "reason_code")},
                "reason_name": document["revocation"]["reason_name"],
                "at": document["revocation"]["at"],
                "block_number": revoked["block"],
                "tx_hash": revoked["tx_hash"],
            },
            "message": rules["not_in_force"][0]["message"],
            # the enterprise is the invoice's seller (its VAT id on chain): the invoice is
            # withdrawn, not only its registration
            "revoker_admin": False,
            "revoker_is_seller": True,
            "revoker_standing": rules["not_in_force"][0]["revoker_standing"],
            "withdraws_receivable": True,
            # revoked, not superseded: no superseder to weigh
            "superseder_is_seller": None,
            "superseder_standing": None,
        }
    ]
    assert "reason 3: cancelled_by_issuer" in rules["not_in_force"][0]["message"]
    assert rules["not_in_force"][0]["revoker_standing"].startswith(
        f"Exporter ({network.enterprise.address}) is shown to be its seller"
    )
    # the bank's own read weighs the revoker as the audit does, by the bank's own file
    (pledged,) = client.get(f"/v1/financings/{fid}", headers=network.bank.headers).json()[
        "documents"
    ]
    assert (pledged["revoker_admin"], pledged["revoker_is_seller"]) == (False, True)
    assert pledged["withdraws_receivable"] is True
    assert pledged["revoker_standing"].startswith(
        f"Exporter ({network.enterprise.address}) is shown to be its seller"
    )
    assert REGISTRATION_WITHDRAWN_ONLY not in notice["message"]

    repaid = client.post(
        f"/v1/financings/{fid}/repay", json={"amount": 50_000}, headers=network.bank.headers
    )
    assert [n["kind"] for n in repaid.json()["notices"]] == ["document_revoked"]
    closed = client.post(f"/v1/financings/{fid}/close", headers=network.bank.headers)
    assert closed.status_code == 200, closed.text
    # closed, nothing is left for the bank to decide: no "go on with it" (a tryout)
    assert [n["kind"] for n in closed.json()["notices"]] == []
    assert (
        audit_rules(client, network.regulator)["not_in_force"] == []
    )  # closed: nothing to follow up


def test_a_write_on_a_financing_in_force_has_no_notice(
    client: TestClient, network: Network
) -> None:
    _, fid = financed_invoice(client, network)
    drawn = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 1_000}, headers=network.bank.headers
    )
    assert drawn.status_code == 200, drawn.text
    assert drawn.json()["notices"] == []
    assert drawn.json()["financing"]["documents"][0]["status"] == "active"
    assert audit_rules(client, network.regulator)["not_in_force"] == []


def test_another_bank_still_sees_no_pledged_documents(client: TestClient, network: Network) -> None:
    doc_hash, fid = financed_invoice(client, network)
    _revoke(client, network, doc_hash)
    theirs = client.get(f"/v1/financings/{fid}", headers=network.bank_b.headers).json()
    assert theirs["confidential"] is True
    assert theirs["documents"] == []
    assert doc_hash not in str(theirs)
    listed = client.get("/v1/financings", headers=network.bank_b.headers).json()["items"]
    assert all(f["documents"] == [] for f in listed)
    assert doc_hash not in str(listed)


def test_a_document_financed_before_registration_reads_not_registered(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice()
    doc_hash = lodge(client, network.bank, invoice)["doc_hash"]
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    assert made.json()["documents"][0]["status"] == "not_registered"
    assert register(client, network.enterprise, xml(invoice)) == doc_hash
    fid = made.json()["financing_id"]
    read = client.get(f"/v1/financings/{fid}", headers=network.bank.headers).json()
    assert read["documents"][0]["status"] == "active"


def test_a_new_financing_on_a_revoked_document_is_refused(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice()
    doc_hash = register(client, network.enterprise, xml(invoice))
    lodge(client, network.bank, invoice)
    _revoke(client, network, doc_hash)
    refused = finance(client, network.bank, doc_hash, amount=100_000)
    assert refused.status_code == 409, refused.text
    assert refused.json()["details"]["reason"] == "DOCUMENT_REVOKED"


def test_a_revocation_by_a_registrant_not_its_seller_withdraws_its_registration_only(
    client: TestClient, network: Network
) -> None:
    """Tryout 81: an enterprise that is not the invoice's seller registered it, and revoked it
    "cancelled by issuer" once a bank had financed it; the regulator's audit read the financing
    "with NO VERSION of a document in force … revoked by Acme (reason 3)", nothing saying the
    revoker was not the seller (the copies' entries said so). Here Bank B (no legal id, not
    the seller) registers the invoice Bank A finances, and revokes it."""
    invoice = own_invoice()
    doc_hash = register(client, network.bank_b, xml(invoice))
    assert lodge(client, network.bank, invoice)["doc_hash"] == doc_hash
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    revoked = client.post(
        f"/v1/documents/{doc_hash}/revoke", json={"reason_code": 3}, headers=network.bank_b.headers
    )
    assert revoked.status_code == 200, revoked.text

    (entry,) = audit_rules(client, network.regulator)["not_in_force"]
    assert entry["financing_id"] == int(made.json()["financing_id"])
    assert (entry["revoker_admin"], entry["revoker_is_seller"]) == (False, False)
    assert entry["withdraws_receivable"] is False
    assert entry["revoker_standing"].startswith(
        f"Bank B ({network.bank_b.address}) is not shown to be its seller"
    )
    assert entry["message"].endswith(
        f"{entry['revoker_standing']}: {REGISTRATION_WITHDRAWN_ONLY}"
    ), entry["message"]

    # tryout 82: the bank's own read and its drawdown weigh the revoker as the audit does
    fid = int(made.json()["financing_id"])
    (pledged,) = client.get(f"/v1/financings/{fid}", headers=network.bank.headers).json()[
        "documents"
    ]
    assert pledged["status"] == "revoked"
    assert (pledged["revoker_admin"], pledged["revoker_is_seller"]) == (False, False)
    assert pledged["withdraws_receivable"] is False
    assert pledged["revoker_standing"].startswith(
        f"Bank B ({network.bank_b.address}) is not shown to be its seller"
    )
    drawn = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 10_000}, headers=network.bank.headers
    )
    assert drawn.status_code == 200, drawn.text
    (notice,) = drawn.json()["notices"]
    assert notice["kind"] == "document_revoked"  # what the chain says stays first
    assert f"{pledged['revoker_standing']}: {REGISTRATION_WITHDRAWN_ONLY}" in notice["message"]


def test_a_supersession_by_a_registrant_not_its_seller_is_weighed(
    client: TestClient, network: Network
) -> None:
    """Tryout 81: a member not the seller registered the invoice a bank had financed and
    superseded it with an "amendment"; the audit read the financing's document superseded,
    nothing saying who amended it. Bank B (not the seller) does so here."""
    invoice = own_invoice()
    doc_hash = register(client, network.bank_b, xml(invoice))
    assert lodge(client, network.bank, invoice)["doc_hash"] == doc_hash
    made = finance(client, network.bank, doc_hash, amount=100_000)
    assert made.status_code == 201, made.text
    amended = invoice.replace(b"</cbc:Note>", b" (amended)</cbc:Note>", 1)
    assert amended != invoice
    superseded = client.post(
        f"/v1/documents/{doc_hash}/supersede",
        files=xml(amended),
        headers=network.bank_b.headers,
    )
    assert superseded.status_code in (200, 201), superseded.text

    (entry,) = audit_rules(client, network.regulator)["not_in_force"]
    assert entry["status"] == "superseded"
    assert entry["superseder_is_seller"] is False
    assert entry["superseder_standing"].startswith(
        f"Bank B ({network.bank_b.address}) is not shown to be its seller"
    )
    assert "its amendment is not shown to be the seller's" in entry["message"]
