"""A copy of an invoice whose issuer revoked it (docs/rules.md, "Suspicions must be acknowledged").

A tryout: the seller amended its invoice (``supersede``) and then revoked the amendment for
fraud (reason code 4). Bank B held the invoice's CII copy — another hash, registered and still
active — and its check said only "match SAME_DOCUMENT … that document is REVOKED"; its financing
went through with ``suspicions: []``, and the regulator's verify had nothing to follow up.

A file that is the same document as one revoked on chain (directly, or at the end of its
amendments) for any reason but "issued in error" or "duplicate" is a ``copy_revoked``
suspicion: said at the check, a 409 ``suspicions_unacknowledged`` for a financing that does not
acknowledge it, and, acknowledged, a follow-up in the regulator's verify. Real embedded chain,
the gateway app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from tests.api.api_helpers import (
    CII,
    UBL,
    audit_rules,
    check,
    client_fixture,
    finance,
    lodge,
    own_invoice,
    register,
    reissued,
    xml,
)

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

#: the demo invoice amended: another hash, the same facts (its note only)
AMENDED = UBL.replace(b"</cbc:Note>", b" (amended)</cbc:Note>", 1)


def _revoked_by(client: TestClient, who: Participant, doc_hash: str, code: int) -> None:
    """``who`` revokes ``doc_hash`` with reason ``code`` (asserted 200)."""
    done = client.post(
        f"/v1/documents/{doc_hash}/revoke", json={"reason_code": code}, headers=who.headers
    )
    assert done.status_code == 200, done.text


def _kinds(answer: dict[str, Any]) -> list[str]:
    return [s["kind"] for s in answer["suspicions"]]


def _amended_then_revoked(
    client: TestClient, network: Network, code: int, held: bytes = AMENDED
) -> tuple[str, str]:
    """The enterprise registers the demo UBL invoice, supersedes it by :data:`AMENDED`, and
    revokes the amendment with ``code``; Bank B lodges the CII copy and ``held`` (the
    amendment, or the original it superseded). (the original's hash, the amendment's)."""
    assert AMENDED != UBL
    original = client.post("/v1/documents", files=xml(UBL), headers=network.enterprise.headers)
    assert original.status_code == 201, original.text
    v1 = original.json()["doc_hash"]
    superseded = client.post(
        f"/v1/documents/{v1}/supersede", files=xml(AMENDED), headers=network.enterprise.headers
    )
    assert superseded.status_code == 201, superseded.text
    v2 = superseded.json()["new_doc_hash"]
    lodge(client, network.bank_b, CII)
    lodge(client, network.bank_b, held)
    _revoked_by(client, network.enterprise, v2, code)
    return v1, v2


def test_a_copy_of_an_invoice_revoked_for_fraud_must_be_acknowledged(
    client: TestClient, network: Network
) -> None:
    _, v2 = _amended_then_revoked(client, network, 4)
    answer = check(client, network.bank_b, CII)
    assert "copy_revoked" in _kinds(answer), answer["suspicions"]
    [said] = [s for s in answer["suspicions"] if s["kind"] == "copy_revoked"]
    words = " ".join(said["reasons"])
    assert v2 in words, words
    assert "reason code 4 (fraud suspected)" in words, words
    assert "no version of this invoice is in force" in words
    cii = lodge(client, network.bank_b, CII)["doc_hash"]
    refused = finance(client, network.bank_b, cii, amount=100_000)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged"
    assert "copy of an invoice revoked on chain" in refused.json()["message"]
    made = finance(client, network.bank_b, cii, amount=100_000, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    assert "copy_revoked" in _kinds(made.json())
    [followed] = audit_rules(client, network.regulator)["financed_despite_suspicions"]
    assert followed["financing_id"] == made.json()["financing_id"]
    assert followed["kinds"] == ["copy_revoked"]
    assert "revoked on chain" in followed["message"], followed


@pytest.mark.parametrize("code", [1, 2])
def test_a_registration_withdrawn_as_an_error_or_a_duplicate_leaves_its_copies_alone(
    client: TestClient, network: Network, code: int
) -> None:
    """Issued in error (1) and duplicate (2) withdraw a registration, not the invoice."""
    _amended_then_revoked(client, network, code)
    assert "copy_revoked" not in _kinds(check(client, network.bank_b, CII))


def test_a_copy_of_an_invoice_in_force_is_no_suspicion(
    client: TestClient, network: Network
) -> None:
    """The original superseded by an amendment still in force: its copies are not withdrawn."""
    original = client.post("/v1/documents", files=xml(UBL), headers=network.enterprise.headers)
    assert original.status_code == 201, original.text
    superseded = client.post(
        f"/v1/documents/{original.json()['doc_hash']}/supersede",
        files=xml(AMENDED),
        headers=network.enterprise.headers,
    )
    assert superseded.status_code == 201, superseded.text
    lodge(client, network.bank_b, UBL)
    answer = check(client, network.bank_b, CII)
    assert "copy_revoked" not in _kinds(answer), answer["suspicions"]


def test_a_copy_of_the_superseded_original_is_followed_to_its_revoked_amendment(
    client: TestClient, network: Network
) -> None:
    """Bank B holds the original (superseded, not revoked) beside the CII copy: the chain of
    amendments is followed to its current version, revoked for fraud."""
    v1, v2 = _amended_then_revoked(client, network, 4, held=UBL)
    [said] = [
        s for s in check(client, network.bank_b, CII)["suspicions"] if s["kind"] == "copy_revoked"
    ]
    assert said["documents"] == [v1, v2]
    assert [d["status"] for d in said["document_statuses"]] == ["superseded", "revoked"]
    assert f"amended to {v2}, which is revoked on chain" in said["reasons"][0]


def _copy_financed_then_original_withdrawn(
    client: TestClient, network: Network, code: int
) -> tuple[int, int, str, str]:
    """The tryout's story across banks: the enterprise registers the demo UBL invoice; Bank A
    finances it and closes the financing; Bank B lodges the CII copy (never the UBL) and
    finances it; the enterprise supersedes the UBL by :data:`AMENDED` and revokes the
    amendment with ``code``. (Bank A's financing, Bank B's, the original's hash, the
    amendment's)."""
    v1, fid_a, fid_b = _closed_at_a_then_copy_financed_at_b(client, network, network.enterprise)
    superseded = client.post(
        f"/v1/documents/{v1}/supersede", files=xml(AMENDED), headers=network.enterprise.headers
    )
    assert superseded.status_code == 201, superseded.text
    v2 = superseded.json()["new_doc_hash"]
    _revoked_by(client, network.enterprise, v2, code)
    return fid_a, fid_b, v1, v2


def _closed_at_a_then_copy_financed_at_b(
    client: TestClient, network: Network, registrant: Participant
) -> tuple[str, int, int]:
    """``registrant`` registers the demo UBL invoice; Bank A lodges it, finances it and closes
    the financing; Bank B lodges the CII copy (never the UBL) and finances it. (the UBL's hash,
    Bank A's financing, Bank B's)."""
    v1 = register(client, registrant, xml(UBL))
    assert lodge(client, network.bank, UBL)["doc_hash"] == v1
    first = finance(client, network.bank, v1, amount=100_000)
    assert first.status_code == 201, first.text
    fid_a = int(first.json()["financing_id"])
    closed = client.post(f"/v1/financings/{fid_a}/close", headers=network.bank.headers)
    assert closed.status_code == 200, closed.text
    cii = lodge(client, network.bank_b, CII)["doc_hash"]
    second = finance(client, network.bank_b, cii, amount=100_000)
    assert second.status_code == 201, second.text
    return v1, fid_a, int(second.json()["financing_id"])


def test_the_regulator_follows_up_a_copy_financed_at_another_bank_once_its_seller_withdrew_it(
    client: TestClient, network: Network
) -> None:
    """Bank B never held the UBL and cannot read Bank A's financing: nothing at Bank B links
    its CII copy to the withdrawn invoice. The regulator reads both financings: their
    documents share a locked fingerprint, and no version of the UBL is in force."""
    fid_a, fid_b, v1, v2 = _copy_financed_then_original_withdrawn(client, network, 3)
    rules = audit_rules(client, network.regulator)
    assert rules["not_in_force"] == []  # Bank B's own document, the CII copy, is active
    [copy] = rules["copies_not_in_force"]
    assert (copy["financing_id"], copy["other_financing_id"]) == (fid_b, fid_a)
    assert (copy["withdrawn_doc_hash"], copy["current_version"]) == (v1, v2)
    assert copy["bank"] == network.bank_b.address
    assert copy["revocation"]["reason_code"] == 3
    # Bank B's CII file was lodged and financed, never registered: no registered version of
    # the receivable is in force
    assert "NO VERSION of the same receivable is in force" in copy["message"], copy
    assert (copy["revoker_admin"], copy["revoker_is_seller"]) == (False, True)
    assert "Exporter (" in copy["revoker_standing"], copy
    assert rules["copies_revoked_not_by_seller"] == []


@pytest.mark.parametrize("code", [1, 2])
def test_a_withdrawn_registration_is_no_follow_up_for_the_copy(
    client: TestClient, network: Network, code: int
) -> None:
    _copy_financed_then_original_withdrawn(client, network, code)
    assert audit_rules(client, network.regulator)["copies_not_in_force"] == []


def _both_files_registered_then_ubl_revoked(
    client: TestClient, network: Network, code: int
) -> tuple[str, str, int]:
    """A tryout's story: the enterprise registers the demo invoice's UBL and its CII copy (two
    files, one invoice); Bank B lodges the CII copy and finances it; the enterprise revokes the
    UBL with ``code``. No financing ever pledged the UBL. (the UBL's hash, the CII's, Bank B's
    financing)."""
    ubl_hash = register(client, network.enterprise, xml(UBL))
    cii_hash = register(client, network.enterprise, xml(CII))
    assert lodge(client, network.bank_b, CII)["doc_hash"] == cii_hash
    made = finance(client, network.bank_b, cii_hash, amount=100_000)
    assert made.status_code == 201, made.text
    _revoked_by(client, network.enterprise, ubl_hash, code)
    return ubl_hash, cii_hash, int(made.json()["financing_id"])


def test_the_regulator_follows_up_a_financed_copy_of_an_invoice_withdrawn_in_another_file(
    client: TestClient, network: Network
) -> None:
    """No financing pledged the revoked UBL, so no fingerprint links it to Bank B's financing
    of the CII copy, and the verify listed nothing (tryout 43). The gateway holds both files:
    they are one invoice, and its issuer withdrew it."""
    ubl_hash, cii_hash, fid = _both_files_registered_then_ubl_revoked(client, network, 3)
    [copy] = audit_rules(client, network.regulator)["copies_not_in_force"]
    assert (copy["financing_id"], copy["doc_hash"]) == (fid, cii_hash)
    assert copy["withdrawn_doc_hash"] == ubl_hash
    assert copy["other_financing_id"] is None
    assert copy["fingerprint"] is None
    assert copy["revocation"]["reason_code"] == 3
    assert "another file of the same invoice" in copy["message"], copy
    assert "that revocation WITHDREW THE RECEIVABLE" in copy["message"], copy
    assert "NO VERSION" not in copy["message"], copy


def test_no_version_in_force_once_the_financed_file_is_withdrawn_too(
    client: TestClient, network: Network
) -> None:
    """The seller revokes the CII file Bank B financed as well: now no version is in force."""
    _, cii_hash, fid = _both_files_registered_then_ubl_revoked(client, network, 3)
    _revoked_by(client, network.enterprise, cii_hash, 3)
    rules = audit_rules(client, network.regulator)
    assert [n["financing_id"] for n in rules["not_in_force"]] == [fid]
    [copy] = rules["copies_not_in_force"]
    assert "NO VERSION of the same receivable is in force" in copy["message"], copy


@pytest.mark.parametrize("code", [1, 2])
def test_another_file_withdrawn_as_an_error_or_a_duplicate_is_no_follow_up(
    client: TestClient, network: Network, code: int
) -> None:
    _both_files_registered_then_ubl_revoked(client, network, code)
    assert audit_rules(client, network.regulator)["copies_not_in_force"] == []


def test_a_copy_still_registered_as_active_is_named_not_called_out_of_force(
    client: TestClient, network: Network
) -> None:
    """The check of the CII copy, itself registered and active, beside the revoked UBL: the
    suspicion stands (the issuer withdrew the invoice), but "no version of this invoice is in
    force" would be untrue of the registrations (tryout 43); the active file is named."""
    ubl_hash, cii_hash, _ = _both_files_registered_then_ubl_revoked(client, network, 3)
    lodge(client, network.bank_b, UBL)
    [said] = [
        s for s in check(client, network.bank_b, CII)["suspicions"] if s["kind"] == "copy_revoked"
    ]
    words = " ".join(said["reasons"])
    assert ubl_hash in words, words
    assert "no version of this invoice is in force" not in words, words
    assert f"1 file of it is still registered as active ({cii_hash})" in words, words


# -- who revoked: a registrant may withdraw its registration; only the seller, or an admin,
# withdraws the invoice (ledger.services.roles.withdraws_receivable). Tryout 44: a bank
# registered a near-copy of an invoice another bank financed (a note appended), revoked it
# "cancelled by issuer", and the regulator read "NO VERSION of the same receivable is in force"


def _copy_words(client: TestClient, network: Network) -> str:
    [said] = [
        s for s in check(client, network.bank_b, CII)["suspicions"] if s["kind"] == "copy_revoked"
    ]
    return " ".join(said["reasons"])


def test_a_copy_revoked_by_a_registrant_not_shown_to_be_its_seller_withdraws_no_invoice(
    client: TestClient, network: Network
) -> None:
    """Bank A (no legal id) registers a near-copy of the demo invoice and revokes it, reason 3.
    Bank B, holding that copy beside the CII file, is told who revoked it and that only the
    registration is shown to be withdrawn — the suspicion stands, for the bank to judge."""
    copy = register(client, network.bank, xml(AMENDED))
    _revoked_by(client, network.bank, copy, 3)
    lodge(client, network.bank_b, AMENDED)
    words = _copy_words(client, network)
    assert copy in words, words
    assert "Bank A (" in words, words
    assert "is not shown to be its seller: it has no legal id on chain" in words, words
    assert "its registration is withdrawn; the receivable is not shown to be" in words, words
    assert "withdrew this invoice" not in words, words
    assert "no version of this invoice is in force" not in words, words


def test_a_copy_revoked_by_an_admin_withdraws_the_invoice(
    client: TestClient, network: Network
) -> None:
    copy = register(client, network.bank, xml(AMENDED))
    _revoked_by(client, network.admin, copy, 4)
    lodge(client, network.bank_b, AMENDED)
    words = _copy_words(client, network)
    assert "is an admin of the consortium" in words, words
    assert "no version of this invoice is in force" in words, words


def test_a_copy_revoked_by_its_seller_says_so(client: TestClient, network: Network) -> None:
    _, v2 = _amended_then_revoked(client, network, 4)
    words = _copy_words(client, network)
    assert "Exporter (" in words, words
    assert "is shown to be its seller: its legal id on chain is" in words, words
    assert f"VAT:DK13585628 in the file {v2} lodged here" in words, words


def test_the_regulator_is_not_told_an_invoice_is_withdrawn_by_a_bank_revoking_its_near_copy(
    client: TestClient, network: Network
) -> None:
    """Tryout 44, as it ran: the enterprise registers the CII file and Bank B finances it;
    Bank A registers a near-copy and revokes it, reason 3. Listed apart, in words that say
    who revoked and what is not shown."""
    cii_hash = register(client, network.enterprise, xml(CII))
    assert lodge(client, network.bank_b, CII)["doc_hash"] == cii_hash
    made = finance(client, network.bank_b, cii_hash, amount=100_000)
    assert made.status_code == 201, made.text
    copy = register(client, network.bank, xml(AMENDED))
    _revoked_by(client, network.bank, copy, 3)
    rules = audit_rules(client, network.regulator)
    assert rules["copies_not_in_force"] == []
    [entry] = rules["copies_revoked_not_by_seller"]
    assert (entry["financing_id"], entry["doc_hash"]) == (made.json()["financing_id"], cii_hash)
    assert entry["withdrawn_doc_hash"] == copy
    assert (entry["revoker_admin"], entry["revoker_is_seller"]) == (False, False)
    assert "Bank A (" in entry["revoker_standing"], entry
    assert "NO VERSION" not in entry["message"], entry
    assert "the receivable is not shown to be" in entry["message"], entry
    assert "(the reason it gave: 3, cancelled_by_issuer)" in entry["message"], entry

    # an admin revokes the financed file itself: the financing is out of force (not_in_force),
    # and the near-copy's registration withdrawn adds only a contradiction (tryout 45)
    _revoked_by(client, network.admin, cii_hash, 4)
    rules = audit_rules(client, network.regulator)
    assert [n["financing_id"] for n in rules["not_in_force"]] == [made.json()["financing_id"]]
    assert rules["copies_revoked_not_by_seller"] == []


def test_the_regulator_weighs_the_revoker_of_a_copy_another_financing_pledged(
    client: TestClient, network: Network
) -> None:
    """The fingerprint path: Bank A registers the UBL itself, finances and closes; Bank B
    finances the CII copy; Bank A revokes the UBL for fraud. A bank is not the seller."""
    ubl, fid_a, fid_b = _closed_at_a_then_copy_financed_at_b(client, network, network.bank)
    _revoked_by(client, network.bank, ubl, 4)
    rules = audit_rules(client, network.regulator)
    assert rules["copies_not_in_force"] == []
    [entry] = rules["copies_revoked_not_by_seller"]
    assert (entry["financing_id"], entry["other_financing_id"]) == (fid_b, fid_a)
    assert entry["fingerprint"] is not None
    assert entry["revoker_is_seller"] is False


def test_a_financing_found_by_marks_joins_the_suspicion_of_its_kind_not_copy_revoked(
    client: TestClient, network: Network
) -> None:
    """Tryout 45: Bank B financed an invoice, then checked its re-issue, a near-copy of which it
    had registered and revoked. Its own financing, found by the re-issue's marks, was named
    under the ``copy_revoked`` suspicion (the first listed), and the financing's recorded
    terms said the copy "shared marks with active financing …"."""
    invoice = own_invoice("JOIN")
    original = lodge(client, network.bank_b, invoice)["doc_hash"]
    made = finance(client, network.bank_b, original, amount=100_000)
    assert made.status_code == 201, made.text
    fid = int(made.json()["financing_id"])
    again = reissued(invoice)
    near = again.replace(b"</cbc:Note>", b" (copy)</cbc:Note>", 1)
    assert near != again
    _revoked_by(client, network.bank_b, register(client, network.bank_b, xml(near)), 3)
    lodge(client, network.bank_b, again)
    found = {s["kind"]: s for s in check(client, network.bank_b, again)["suspicions"]}
    assert set(found) >= {"copy_revoked", "reissue"}, found
    assert found["copy_revoked"]["financings"] == [], found["copy_revoked"]
    assert fid in found["reissue"]["financings"], found["reissue"]


def _drawdown_notices(client: TestClient, bank: Participant, fid: int) -> list[dict[str, Any]]:
    done = client.post(
        f"/v1/financings/{fid}/drawdown", json={"amount": 1_000}, headers=bank.headers
    )
    assert done.status_code == 200, done.text
    notices: list[dict[str, Any]] = done.json()["notices"]
    return notices


def test_a_drawdown_on_an_invoice_its_seller_withdrew_in_another_file_is_warned(
    client: TestClient, network: Network
) -> None:
    """Tryout 45: the exporter registered its invoice's UBL and CII, Bank A financed the UBL,
    the exporter revoked the CII (reason 3). Bank A lodged the revoked CII and its check said
    "that revocation withdrew this invoice", yet its drawdown answered ``notices: []``. A copy
    revoked by a member not shown to be the seller warns of nothing (the control)."""
    ubl_hash = register(client, network.enterprise, xml(UBL))
    cii_hash = register(client, network.enterprise, xml(CII))
    assert lodge(client, network.bank, UBL)["doc_hash"] == ubl_hash
    made = finance(client, network.bank, ubl_hash, amount=100_000)
    assert made.status_code == 201, made.text
    fid = int(made.json()["financing_id"])
    near = register(client, network.bank_b, xml(AMENDED))
    _revoked_by(client, network.bank_b, near, 3)
    lodge(client, network.bank, AMENDED)  # Bank A holds Bank B's revoked near-copy: no word
    assert [n["kind"] for n in _drawdown_notices(client, network.bank, fid)] == []

    _revoked_by(client, network.enterprise, cii_hash, 3)
    lodge(client, network.bank, CII)
    [notice] = _drawdown_notices(client, network.bank, fid)
    assert notice["kind"] == "document_copy_withdrawn", notice
    assert cii_hash in notice["documents"], notice
    assert "is shown to be its seller" in notice["message"], notice
    assert "the bank decides whether to go on with it" in notice["message"], notice


def test_a_financed_invoice_whose_seller_revoked_its_own_amendment_is_listed_once(
    client: TestClient, network: Network
) -> None:
    """Tryout 82: Bank B financed the demo UBL invoice and lodged its amendment; the seller
    superseded the invoice and revoked the amendment for fraud. The regulator's verify listed
    the financing in ``not_in_force`` (no version in force) and again in
    ``copies_not_in_force`` — the amendment is a version of the pledged document, not a copy of
    it: one withdrawal, one entry."""
    v1 = register(client, network.enterprise, xml(UBL))
    assert lodge(client, network.bank_b, UBL)["doc_hash"] == v1
    made = finance(client, network.bank_b, v1, amount=100_000)
    assert made.status_code == 201, made.text
    fid = int(made.json()["financing_id"])
    superseded = client.post(
        f"/v1/documents/{v1}/supersede", files=xml(AMENDED), headers=network.enterprise.headers
    )
    assert superseded.status_code == 201, superseded.text
    v2 = superseded.json()["new_doc_hash"]
    lodge(client, network.bank_b, AMENDED)
    _revoked_by(client, network.enterprise, v2, 4)
    rules = audit_rules(client, network.regulator)
    [entry] = rules["not_in_force"]
    assert entry["financing_id"] == fid
    assert (entry["current_version"], entry["no_version_in_force"]) == (v2, True)
    assert (entry["revoker_is_seller"], entry["withdraws_receivable"]) == (True, True)
    assert rules["copies_not_in_force"] == [], rules["copies_not_in_force"]
    assert rules["copies_revoked_not_by_seller"] == []
