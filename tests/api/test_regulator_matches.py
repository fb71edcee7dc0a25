"""A regulator's check lists one match per distinct document, naming every member that lodged it.

A tryout: three members lodged the same invoice, and the regulator's ``POST /v1/documents/check``
listed the same IDENTICAL document three times, once per lodging member. A match is a
document: it is listed once, with the strongest grade, ``received_by`` (kept: the first member
that lodged it) and ``lodged_by`` (every member that did, as the caller may see them). A bank
or an enterprise still sees only the files it lodged itself — never who else holds one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_helpers import CII, UBL, check, client_fixture, lodge
from fastapi.testclient import TestClient

from ledger.services import documents as docs

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]


def _by_hash(matches: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    hashes = [m["doc_hash"] for m in matches]
    assert len(hashes) == len(set(hashes)), matches  # one entry per distinct document
    return {m["doc_hash"]: m for m in matches}


def test_a_regulator_sees_one_match_per_document_with_every_holder(
    client: TestClient, network: Network
) -> None:
    bank, bank_b, ent = network.bank, network.bank_b, network.enterprise
    ubl_hash = lodge(client, bank, UBL)["doc_hash"]
    lodge(client, bank_b, UBL)
    lodge(client, ent, UBL)
    cii_hash = lodge(client, bank_b, CII)["doc_hash"]  # the same invoice in another format

    answer = check(client, network.regulator, UBL)
    matches = _by_hash(answer["matches"])
    assert set(matches) == {ubl_hash, cii_hash}, answer["matches"]
    identical = matches[ubl_hash]
    assert identical["grade"] == "identical"
    assert set(identical["lodged_by"]) == {bank.address, bank_b.address, ent.address}
    assert len(identical["lodged_by"]) == 3
    assert identical["received_by"] == identical["lodged_by"][0]  # kept: the first that lodged it
    assert identical["lodged_by"][0] == bank.address  # lodged first
    same = matches[cii_hash]
    assert (same["grade"], same["lodged_by"], same["received_by"]) == (
        "same_document",
        [bank_b.address],
        bank_b.address,
    )
    # the service answers the same: one GradedMatch per document
    _, examined = docs.examine(network.ledger, UBL, network.regulator.address, "regulator")
    assert [m.doc_hash for m in examined.matches] == [ubl_hash, cii_hash]
    assert examined.matches[0].lodged_by == tuple(identical["lodged_by"])


def test_a_bank_still_sees_only_its_own_lodged_files(client: TestClient, network: Network) -> None:
    """The privacy rule, both ways: a bank that lodged the invoice is told its own copy is
    lodged here (not a match of itself) and no other holder; a bank that lodged none sees no
    match at all, though two members did."""
    bank, bank_b, ent = network.bank, network.bank_b, network.enterprise
    lodge(client, bank_b, UBL)
    lodge(client, ent, UBL)
    assert check(client, bank, UBL)["matches"] == []  # lodged by others only: none of its own
    lodge(client, bank, UBL)
    for who in (bank, bank_b, ent):
        checked = check(client, who, UBL)
        assert checked["matches"] == []  # its own copy of this very file is no match of it
        [lodged] = [n for n in checked["notices"] if n["kind"] == "already_lodged"]
        assert lodged["documents"] == [checked["doc_hash"]]
    # the regulator sees who holds it
    [supervised] = check(client, network.regulator, UBL)["matches"]
    assert supervised["lodged_by"] == [bank_b.address, ent.address, bank.address]


def test_a_held_copy_lists_each_other_document_once(client: TestClient, network: Network) -> None:
    """``GET /v1/documents/{hash}``'s held copy lists its matches (other documents of the same
    invoice) the same way: one per document, for the regulator with every holder; for a bank,
    its own copies only."""
    bank, bank_b = network.bank, network.bank_b
    created = client.post(
        "/v1/documents", files={"file": ("invoice.xml", UBL)}, headers=network.enterprise.headers
    )
    assert created.status_code == 201, created.text
    ubl_hash = created.json()["doc_hash"]
    lodge(client, bank, UBL)
    cii_hash = lodge(client, bank, CII)["doc_hash"]
    lodge(client, bank_b, CII)

    def held_matches(who: Any) -> list[dict[str, Any]]:
        answer = client.get(f"/v1/documents/{ubl_hash}", headers=who.headers)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["held"]["matches"])

    [other] = held_matches(network.regulator)
    assert other["doc_hash"] == cii_hash
    assert other["lodged_by"] == [bank.address, bank_b.address]
    [own] = held_matches(bank)
    assert (own["doc_hash"], own["lodged_by"]) == (cii_hash, [bank.address])
