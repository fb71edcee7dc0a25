"""A bank's check of a part of an invoice counts the bank's own financing of the invoice's
re-issue (``ledger.services.documents._own_holdings``).

Tryout 81: a bank lodged the field cases' invoice 471102 and its re-issue 471102-R1 (new number
and date), financed the re-issue in full (529.87 EUR, the suspicion acknowledged), then checked
the part 471102-1 (300.00 of it, split by its lines): "left to finance: 300.00", exit 0,
``own_receivable`` null — its one suspicion (``split_part``) names the original, which no
financing holds, and the financing of the re-issue was never looked at. The bank then
financed the part; the regulator's audit read 300.00 EUR financed twice at one bank. The check
now counts every financing holding a file of the receivable the bank lodged: nothing is left.
Real HTTP app, real chain, both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from documents_support import field_bytes
from fastapi.testclient import TestClient

from tests.api.api_helpers import client_fixture, finance, lodge, xml

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

ORIGINAL = "reissue/a-original-471102.cii.xml"
REISSUE = "reissue/c-reissued-471102-R1-new-date.cii.xml"
PARTS = {"split/b1-part-471102-1.cii.xml": 30_000, "split/b2-part-471102-2.cii.xml": 22_987}
DUE = 52_987


def _check(client: TestClient, who: Participant, name: str) -> Any:
    answer = client.post("/v1/documents/check", files=xml(field_bytes(name)), headers=who.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _lodge_and_finance_reissue(
    client: TestClient, bank: Participant, amount: int
) -> tuple[str, int]:
    lodge(client, bank, field_bytes(ORIGINAL))
    reissue = str(lodge(client, bank, field_bytes(REISSUE))["doc_hash"])
    made = finance(client, bank, reissue, amount, currency="EUR", acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    return reissue, int(made.json()["financing_id"])


def test_a_part_checked_counts_the_banks_financing_of_the_reissue(
    client: TestClient, network: Network
) -> None:
    reissue, financing_id = _lodge_and_finance_reissue(client, network.bank, DUE)
    for name, part_due in PARTS.items():
        answer = _check(client, network.bank, name)
        assert answer["financing_headroom"] == part_due, name  # by its own fingerprints
        own = answer["own_receivable"]
        assert own is not None, (name, answer["suspicions"])
        assert (own["role"], own["amount_due"], own["held"]) == ("part", DUE, DUE), name
        assert [(h["financing_id"], h["doc_hash"], h["role"]) for h in own["holdings"]] == [
            (financing_id, reissue, "reissue")
        ], name
        assert answer["financing_headroom_counting_own"] == 0, name


def test_what_the_reissue_leaves_is_left_of_the_part(client: TestClient, network: Network) -> None:
    """The re-issue financed for 400.00 of its 529.87: of the part's 300.00, 129.87 is left."""
    _lodge_and_finance_reissue(client, network.bank, 40_000)
    answer = _check(client, network.bank, "split/b1-part-471102-1.cii.xml")
    assert answer["own_receivable"]["held"] == 40_000
    assert answer["financing_headroom_counting_own"] == DUE - 40_000


def test_another_bank_is_not_told_of_the_financing(client: TestClient, network: Network) -> None:
    """Bank B lodged the same two files: Bank A's financing is not its own, and its terms are
    sealed from it."""
    _lodge_and_finance_reissue(client, network.bank, DUE)
    lodge(client, network.bank_b, field_bytes(ORIGINAL))
    lodge(client, network.bank_b, field_bytes(REISSUE))
    answer = _check(client, network.bank_b, "split/b1-part-471102-1.cii.xml")
    assert answer["own_receivable"] is None
    assert answer["financing_headroom_counting_own"] == answer["financing_headroom"] == 30_000
    assert all(s["own_financings"] == [] for s in answer["suspicions"])


def test_a_part_tied_to_the_banks_reissue_through_another_banks_financing(
    client: TestClient, network: Network
) -> None:
    """Tryout 82: the original 471102 lodged and financed at Bank B only; the bank lodged the
    re-issue, acknowledged its suspicion (the marks of Bank B's financing) and financed it in
    full, then checked the part: its one suspicion names Bank B's financing — the file it
    resembles most is one the bank never saw — and "left to finance: 300.00" did not count the
    bank's own financing of the re-issue, tied to the part only through that financing."""
    original = str(lodge(client, network.bank_b, field_bytes(ORIGINAL))["doc_hash"])
    other = finance(client, network.bank_b, original, DUE, currency="EUR")
    assert other.status_code == 201, other.text
    other_id = int(other.json()["financing_id"])
    reissue = str(lodge(client, network.bank, field_bytes(REISSUE))["doc_hash"])
    said = _check(client, network.bank, REISSUE)
    assert [s["financings"] for s in said["suspicions"]] == [[other_id]], said["suspicions"]
    made = finance(client, network.bank, reissue, DUE, currency="EUR", acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    own_id = int(made.json()["financing_id"])
    for name, part_due in PARTS.items():
        answer = _check(client, network.bank, name)
        assert answer["financing_headroom"] == part_due, name
        own = answer["own_receivable"]
        assert own is not None, (name, answer["suspicions"])
        assert [(h["financing_id"], h["doc_hash"]) for h in own["holdings"]] == [
            (own_id, reissue)
        ], name
        assert own["held"] == DUE, name
        assert answer["financing_headroom_counting_own"] == 0, name


def test_a_financing_beyond_what_the_banks_own_financings_leave_is_told(
    client: TestClient, network: Network
) -> None:
    """Tryout 83: the bank's check of part 471102-2 said "left to finance counting them:
    129.87" beside its own financing of the re-issue for 400.00; its financing of the part for
    229.87 was refused only for the suspicion, nothing said of its own holding, and went through
    acknowledged without a word — 629.87 held of 529.87. The refusal now says what the bank's
    own financings hold and what the pledge would hold beyond; acknowledged, the financing's
    answer carries an ``own_receivable_beyond_due`` notice."""
    _, reissue_financing = _lodge_and_finance_reissue(client, network.bank, 40_000)
    second = "split/b2-part-471102-2.cii.xml"
    part = str(lodge(client, network.bank, field_bytes(second))["doc_hash"])
    refused = finance(client, network.bank, part, PARTS[second], currency="EUR")
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "suspicions_unacknowledged"
    (own,) = body["details"]["own_receivable"]
    assert own == {
        "document_index": 0,
        "doc_hash": part,
        "financing_ids": [reissue_financing],
        "currency": "EUR",
        "net_due": DUE,
        "held": 40_000,
        "left": DUE - 40_000,
        "amount": PARTS[second],
        "beyond_due": 40_000 + PARTS[second] - DUE,
    }, own
    assert (
        f"YOUR OWN active financing {reissue_financing} already holds 400.00" in (body["message"])
    ), body["message"]
    assert "100.00 BEYOND its amount due" in body["message"].replace("EUR ", ""), body["message"]

    made = finance(
        client,
        network.bank,
        part,
        PARTS[second],
        currency="EUR",
        acknowledge_suspicions=True,
    )
    assert made.status_code == 201, made.text
    [notice] = [n for n in made.json()["notices"] if n["kind"] == "own_receivable_beyond_due"]
    fid = int(made.json()["financing_id"])
    assert notice["financings"] == [reissue_financing, fid]
    assert notice["documents"] == [part]


def test_a_financing_within_what_is_left_is_not_told_beyond(
    client: TestClient, network: Network
) -> None:
    """The same part financed for 129.87, what the re-issue's 400.00 leave: the refusal says
    what the bank's own financings hold, and nothing beyond; acknowledged, no such notice."""
    _lodge_and_finance_reissue(client, network.bank, 40_000)
    second = "split/b2-part-471102-2.cii.xml"
    part = str(lodge(client, network.bank, field_bytes(second))["doc_hash"])
    refused = finance(client, network.bank, part, DUE - 40_000, currency="EUR")
    assert refused.status_code == 409, refused.text
    (own,) = refused.json()["details"]["own_receivable"]
    assert (own["left"], own["beyond_due"]) == (DUE - 40_000, 0)
    assert "BEYOND" not in refused.json()["message"]
    made = finance(
        client, network.bank, part, DUE - 40_000, currency="EUR", acknowledge_suspicions=True
    )
    assert made.status_code == 201, made.text
    assert "own_receivable_beyond_due" not in [n["kind"] for n in made.json()["notices"]]
