"""Governance and member fields a tryout found misread.

A proposal to suspend or reinstate a member sent without ``account`` was read as the zero
address and refused by the contract with 403 ``NotAMember``: it is a 422 naming ``account``,
like every other missing field of a proposal, and nothing is written. A member's name holding
an invisible character (a zero-width space, a bidi override, an escape) read like another
member's in every message and export: it is a 422 naming ``name``.

A name that reads like another member's — "Bank A" with a Cyrillic ``А``, in capitals, in
fullwidth letters — was taken and then read exactly like that member everywhere: it is a 409
naming ``name`` and the member it imitates (Unicode TS 39 skeletons, ``ledger.lookalikes``),
and a word mixing Latin with Cyrillic or Greek letters is a 422 naming ``name``. A second member
with the legal id (LEI, VAT id, GLN) of another was taken: it is a 409 naming ``legal_id`` and
the member that has it, compared in canonical form. Nothing is written when refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import client_fixture, governed_fixture
from fastapi.testclient import TestClient

from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import Network

client = client_fixture
governed = governed_fixture


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


@pytest.mark.parametrize("action", ["suspend_member", "reinstate_member", "rotate_key"])
def test_a_proposal_about_a_non_member_names_its_account(
    client: TestClient, network: Network, action: str
) -> None:
    """A proposal to suspend an address that is no member answered 403 ``NotAMember`` (read
    as the admin's own refusal) where ``POST /v1/members/{address}/suspend`` answers 404 (a
    tryout): both are 404 naming the account now, nothing sent."""
    head = network.ledger.head_block()
    stranger = "0x" + "01" * 20
    body = {"action": action, "account": stranger}
    if action == "rotate_key":
        body["new_account"] = "0x" + "02" * 20
    answer = client.post("/v1/governance/proposals", json=body, headers=network.admin.headers)
    assert answer.status_code == 404, answer.text
    details = answer.json()["details"]
    assert (details["field"], details["rule"]) == ("account", "must be the address of a member")
    path = client.post(f"/v1/members/{stranger}/suspend", headers=network.admin.headers)
    assert path.status_code == 404, path.text
    assert network.ledger.head_block() == head


@pytest.mark.parametrize(
    "hidden",
    # the C0 separators, vertical tab, form feed and NEL are whitespace to Python, yet control
    # characters: refused, not collapsed to a space (tab, LF and CR are layout, collapsed)
    [
        *("\u200b", "\u202e", "\u2066", "\x1b", "\x7f", "\u00ad", "\ufe0f", "\u3164", "\ue000"),
        *("\x1c", "\x1f", "\x0b", "\x0c", "\x85"),
    ],
)
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


def _nonce(network: Network) -> int:
    return int(network.ledger.w3.eth.get_transaction_count(network.admin.address))


def _members(client: TestClient, network: Network) -> list[dict[str, Any]]:
    answer = client.get("/v1/members?limit=500", headers=network.admin.headers)
    return list(answer.json()["items"])


@pytest.mark.parametrize(
    ("look_alike", "differs_in"),
    [
        ("Bank \u0410", "U+0410 CYRILLIC CAPITAL LETTER A"),  # a Cyrillic capital A, a word alone
        ("B\u0430nk A", "U+0430 CYRILLIC SMALL LETTER A"),  # a Cyrillic a inside a Latin word
        ("\u0392ank A", "U+0392 GREEK CAPITAL LETTER BETA"),  # a Greek capital beta
        ("BANK A", None),
        ("\uff22\uff41\uff4e\uff4b \uff21", None),  # fullwidth letters
        ("Bank  a", None),
        ("Bank-A", "only in separators"),  # separators: a hyphen, an underscore, a dot
        ("Bank_A", "only in separators"),
        ("bank.a", "only in separators"),
        ("Bank - A", "only in separators"),
        ("BankA", "only in separators"),  # a space left out (tryout 69)
        ("Bank.A.", "only in separators"),
        ("Bank A", "'Bank A' is the same name"),  # the very name: said so, plainly
    ],
)
def test_a_name_that_reads_like_another_members_is_refused_naming_it(
    client: TestClient, network: Network, look_alike: str, differs_in: str | None
) -> None:
    bank = network.bank  # "Bank A"
    first = next(m for m in _members(client, network) if m["address"] == bank.address)
    before = (len(_members(client, network)), _nonce(network))
    routes = {
        "/v1/members": {"name": look_alike, "role": "bank"},
        "/v1/governance/proposals": {
            "action": "add_member",
            "account": "0x" + "66" * 20,
            "role": "bank",
            "name": look_alike,
        },
    }
    for route, body in routes.items():
        refused = client.post(route, json=body, headers=network.admin.headers)
        assert refused.status_code == 409, (route, refused.text)
        answer = refused.json()
        assert answer["details"]["field"] == "name"
        assert answer["details"]["member_id"] == first["member_id"]
        assert answer["details"]["address"] == bank.address
        assert answer["details"]["name"] == "Bank A"
        assert f"member {first['member_id']} at {bank.address}" in answer["message"]
        if differs_in is not None:
            assert differs_in in answer["message"]
    assert (len(_members(client, network)), _nonce(network)) == before


def test_a_word_mixing_latin_with_cyrillic_is_refused_when_it_imitates_no_one(
    client: TestClient, network: Network
) -> None:
    before = (len(_members(client, network)), _nonce(network))
    refused = client.post(
        "/v1/members",
        json={"name": "Nordb\u0430nk", "role": "bank"},
        headers=network.admin.headers,
    )
    assert refused.status_code == 422, refused.text
    details = refused.json()["details"]
    assert details["field"] == "name"
    assert details["scripts"] == ["CYRILLIC", "LATIN"]
    assert "Cyrillic and Latin" in details["rule"]
    assert (len(_members(client, network)), _nonce(network)) == before
    # one script per word is a name: a Russian bank with its Latin name beside it
    for name in (
        "\u0421\u0431\u0435\u0440\u0431\u0430\u043d\u043a (Sberbank)",
        "Tokyo \u6771\u4eac Bank",
    ):
        added = client.post(
            "/v1/members", json={"name": name, "role": "bank"}, headers=network.admin.headers
        )
        assert added.status_code == 201, added.text


LEI = "5493001KJTIIGC8Y1R12"


def _add_member_requests(
    name: str, role: str, legal_id: str, account_byte: str
) -> dict[str, dict[str, str]]:
    """The two ways an admin adds a member, by route: directly, and as an ``add_member``
    proposal for account ``0x`` + ``account_byte`` x 20."""
    return {
        "/v1/members": {"name": name, "role": role, "legal_id": legal_id},
        "/v1/governance/proposals": {
            "action": "add_member",
            "account": "0x" + account_byte * 20,
            "role": role,
            "name": name,
            "legal_id": legal_id,
        },
    }


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (LEI, LEI.lower()),
        (LEI, f"0199:{LEI}"),  # the LEI under its ISO 6523 ICD
        ("DE136695976", "de 136 695 976"),
        ("4000001000005", "0088:4000001000005"),  # a GLN, bare and under its ICD
    ],
)
def test_a_second_member_with_the_same_legal_id_is_refused_naming_the_first(
    client: TestClient, network: Network, first: str, second: str
) -> None:
    made = client.post(
        "/v1/members",
        json={"name": "Nordbank", "role": "bank", "legal_id": first},
        headers=network.admin.headers,
    )
    assert made.status_code == 201, made.text
    holder = made.json()
    before = (len(_members(client, network)), _nonce(network))
    for route, body in _add_member_requests("Sydbank", "enterprise", second, "77").items():
        refused = client.post(route, json=body, headers=network.admin.headers)
        assert refused.status_code == 409, (route, refused.text)
        answer = refused.json()
        assert answer["details"]["field"] == "legal_id"
        assert answer["details"]["member_id"] == holder["member_id"]
        assert answer["details"]["address"] == holder["address"]
        assert answer["details"]["legal_id_hash"] == holder["legal_id_hash"]
        assert (
            f"member {holder['member_id']} at {holder['address']} (Nordbank)" in (answer["message"])
        )
    assert (len(_members(client, network)), _nonce(network)) == before
    other = client.post(
        "/v1/members",
        json={"name": "Sydbank", "role": "enterprise", "legal_id": "529900T8BM49AURSDO55"},
        headers=network.admin.headers,
    )
    assert other.status_code == 201, other.text
    # members without a legal id share "none", which identifies nobody
    for name in ("Fynbank", "Vestbank"):
        added = client.post(
            "/v1/members", json={"name": name, "role": "bank"}, headers=network.admin.headers
        )
        assert added.status_code == 201, added.text


def test_a_pending_proposal_holds_its_name_and_legal_id(
    client: TestClient, governed: Network
) -> None:
    """Until M admins approved it, a pending add_member proposal already names its member: a
    look-alike of its name or its legal id is refused naming the proposal."""
    network = governed
    pending = client.post(
        "/v1/members",
        json={"name": "Nordbank", "role": "bank", "legal_id": LEI},
        headers=network.admin.headers,
    )
    assert pending.status_code == 202, pending.text  # accepted: pending until M approvals
    proposal_id = pending.json()["proposal_id"]
    before = _nonce(network)
    for body, field in (
        ({"name": "N\u041eRDBANK", "role": "bank"}, "name"),
        ({"name": "Sydbank", "role": "bank", "legal_id": LEI.lower()}, "legal_id"),
    ):
        refused = client.post("/v1/members", json=body, headers=network.admin.headers)
        assert refused.status_code == 409, refused.text
        details = refused.json()["details"]
        assert (details["field"], details["proposal_id"]) == (field, proposal_id)
        assert f"proposal {proposal_id} (pending)" in refused.json()["message"]
    assert _nonce(network) == before


def test_an_unchecked_proposal_is_not_approved_when_it_clashes(
    client: TestClient, network: Network
) -> None:
    """A proposal made where nothing checked it (the contract called directly, another or an
    older gateway) is not approved into a look-alike of a member or a second member of one
    legal id: 409 naming the field and the member, and the proposal stays pending."""
    ledger, admin = network.ledger, network.admin.address
    holder = member_svc.add_member(ledger, admin, "Nordbank", Role.BANK, LEI).member
    second = member_svc.add_member(ledger, admin, "Second admin", Role.ADMIN)
    member_svc.propose(ledger, admin, member_svc.ProposalAction.SET_THRESHOLD, data=2)
    approver = {"Authorization": f"Bearer {second.api_key}"}

    def unchecked(name: str, legal_id: str, account: str) -> int:
        call = ledger.calls.functions.propose(
            member_svc._input(
                member_svc.ProposalAction.ADD_MEMBER, account, None, Role.BANK, legal_id, b"", name
            )
        )
        receipt = ledger.transactor(admin).transact(call)
        made = member_svc._proposal_of_receipt(ledger, receipt)
        assert made is not None
        return made.proposal_id

    cases = (
        (unchecked("B\u0430nk A", "", "0x" + "ab" * 20), "name", network.bank.address),
        (unchecked("Bank_A", "", "0x" + "ac" * 20), "name", network.bank.address),
        (unchecked("Sydbank", LEI, "0x" + "cd" * 20), "legal_id", holder.address),
    )
    nonce = ledger.w3.eth.get_transaction_count(second.member.address)
    for proposal_id, field, address in cases:
        refused = client.post(f"/v1/governance/proposals/{proposal_id}/approve", headers=approver)
        assert refused.status_code == 409, refused.text
        details = refused.json()["details"]
        assert (details["field"], details["address"]) == (field, address)
        shown = client.get(f"/v1/governance/proposals/{proposal_id}", headers=approver).json()
        assert (shown["status"], shown["approvals"]) == ("pending", 1)
    assert ledger.w3.eth.get_transaction_count(second.member.address) == nonce
    fine = unchecked("Fynbank", "529900T8BM49AURSDO55", "0x" + "ef" * 20)
    approved = client.post(f"/v1/governance/proposals/{fine}/approve", headers=approver)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "executed"


@pytest.mark.parametrize("written", ["VAT:DE136695976", "vat: de136695976", f"LEI:{LEI}"])
def test_a_legal_id_with_a_scheme_name_before_it_is_refused(
    client: TestClient, network: Network, written: str
) -> None:
    """A tryout added ``VAT:DK13585628`` beside a member holding ``DK13585628``: read as a VAT
    id of ``VA`` it was another company's, so one company held two memberships, and it never
    matched the seller. No form of a legal id has a scheme name: 422 naming ``legal_id`` and
    what to write, nothing added, nothing sent."""
    before = (len(_members(client, network)), _nonce(network))
    for route, body in _add_member_requests("Schemebank", "bank", written, "78").items():
        refused = client.post(route, json=body, headers=network.admin.headers)
        assert refused.status_code == 422, (route, refused.text)
        details = refused.json()["details"]
        assert details["field"] == "legal_id"
        assert "without a scheme name before it" in details["rule"]
        assert repr(written.split(":", 1)[1].strip()) in details["rule"]
    assert (len(_members(client, network)), _nonce(network)) == before
