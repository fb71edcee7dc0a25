"""A member onboarded with a GLN as its legal id is told, at onboarding, what that means: a GLN
(ICD 0088) names a location companies share, so it never shows the member to be a document's
seller (``ledger.services.sellers.SELLER_PROOF_SCHEMES``). Tryouts 83 and 84 onboarded an
enterprise by its GLN without a word and learnt it only from its first registration
(``registrant_is_seller`` false). The GLN is still taken (a seller's identifiers in files take
one, and two members with one GLN are refused: tests/api/test_member_fields.py); the answer of
``POST /v1/members`` and ``tradeledger member add`` carry a ``legal_id_not_seller_proof`` notice,
and the notice says what then happens — which this test also holds the gateway to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from api_helpers import client_fixture
from fastapi.testclient import TestClient

from tests.cli.cli_helpers import Cli, ledger_with_members

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

GLN = "5790000436101"
NOTICE = "legal_id_not_seller_proof"


def _invoice_of(seller_gln: str, number: str) -> bytes:
    """A JSON-form invoice whose seller (issuer) is named by the GLN ``seller_gln`` alone."""
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": number,
            "issueDate": "2026-01-05",
            "issuer": {"id": seller_gln, "scheme": "GLN", "name": "Dutch Seller"},
            "totalAmount": {"value": "100.00", "currency": "EUR"},
        }
    ).encode()


@pytest.mark.parametrize("written", [GLN, f"0088:{GLN}", f" 0088 : {GLN} "])
def test_a_gln_legal_id_is_taken_with_a_notice_that_tells_the_truth(
    client: TestClient, network: Network, written: str
) -> None:
    made = client.post(
        "/v1/members",
        json={"name": "Dutch Seller BV", "role": "enterprise", "legal_id": written},
        headers=network.admin.headers,
    )
    assert made.status_code == 201, made.text
    notices = made.json()["notices"]
    assert [n["kind"] for n in notices] == [NOTICE], notices
    message = notices[0]["message"]
    assert f"legal id {GLN} is a GLN" in message, message
    assert "registrant_is_seller false" in message, message
    # what it says holds: the member's own invoice, its seller named by that GLN, does not
    # show it to be the seller
    key = made.json()["api_key"]
    registered = client.post(
        "/v1/documents",
        files={"file": ("invoice.json", _invoice_of(GLN, f"GLN-{len(written)}"))},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["registrant_is_seller"] is False, registered.json()


def test_another_legal_id_or_none_carries_no_notice(client: TestClient, network: Network) -> None:
    for name, legal_id in (("German Seller GmbH", "DE136695976"), ("No Id Ltd", "")):
        made = client.post(
            "/v1/members",
            json={"name": name, "role": "enterprise", "legal_id": legal_id},
            headers=network.admin.headers,
        )
        assert made.status_code == 201, made.text
        assert made.json()["notices"] == [], made.json()


def test_the_cli_says_it_on_member_add(tmp_path: Path) -> None:
    data_dir = tmp_path / "ledger"
    ledger_with_members(data_dir)
    cli = Cli(data_dir)
    added = cli.run("member", "add", "Dutch Seller BV", "--role", "enterprise", "--legal-id", GLN)
    warning = [line for line in added.stderr.splitlines() if line.startswith("warning")]
    assert warning == [f"warning ({NOTICE}): " + warning[0].split(": ", 1)[1]], added.stderr
    assert GLN in warning[0]
    assert "never shows this member to be a document's seller" in warning[0]
    answer = cli.json("member", "add", "Other BV", "--role", "bank", "--legal-id", "4000001000005")
    assert [n["kind"] for n in answer["notices"]] == [NOTICE], answer
    plain = cli.json("member", "add", "Plain BV", "--role", "enterprise")
    assert plain["notices"] == [], plain
