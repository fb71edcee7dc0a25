"""Governance and member fields a tryout found misread.

A proposal to suspend or reinstate a member sent without ``account`` was read as the zero
address and refused by the contract with 403 ``NotAMember``: it is a 422 naming ``account``,
like every other missing field of a proposal, and nothing is written. A member's name holding
an invisible character (a zero-width space, a bidi override, an escape) read like another
member's in every message and export: it is a 422 naming ``name``.
"""

from __future__ import annotations

import pytest
from api_helpers import client_fixture
from fastapi.testclient import TestClient

from tests.conftest import Network

client = client_fixture


@pytest.mark.parametrize("action", ["suspend_member", "reinstate_member", "rotate_key"])
def test_a_proposal_without_its_account_names_it(
    client: TestClient, network: Network, action: str
) -> None:
    head = network.ledger.head_block()
    answer = client.post(
        "/v1/governance/proposals", json={"action": action}, headers=network.admin.headers
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["details"]["field"] == "account"
    assert network.ledger.head_block() == head


@pytest.mark.parametrize("hidden", ["\u200b", "\u202e", "\u2066", "\x1b", "\x7f", "\u00ad"])
def test_a_name_with_an_invisible_character_is_refused(
    client: TestClient, network: Network, hidden: str
) -> None:
    head = network.ledger.head_block()
    answer = client.post(
        "/v1/members",
        json={"name": f"Test{hidden} admin", "role": "attestor"},
        headers=network.admin.headers,
    )
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["details"]["field"] == "name"
    assert f"U+{ord(hidden):04X}" in body["message"]
    assert network.ledger.head_block() == head


def test_a_plain_name_with_spaces_and_accents_is_taken(
    client: TestClient, network: Network
) -> None:
    answer = client.post(
        "/v1/members",
        json={"name": "  Société\tGénérale  Côte d'Ivoire ", "role": "attestor"},
        headers=network.admin.headers,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == "Société Générale Côte d'Ivoire"
