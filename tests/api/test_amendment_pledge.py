"""An amendment of a financed invoice cannot be financed again while the earlier version's
financing is in force: the pledge of a document carries to every later version of it.

The tryout (2026-12-05): an exporter superseded its invoice, financed at Bank A, by an
amendment with a new number and an amount due one cent higher. Bank B's check of the amendment
said "pledged: no", its suspicions called it a "split" of the financing, and Bank B financed it
after acknowledging them: two financings on one invoice. The amendment shares no fingerprint
with the earlier version (its number and amount changed), and which document a financing
pledges is sealed.

Now a financing also locks a *version fingerprint* of each document it pledges and of every
earlier version of it (the public ``DocumentSuperseded`` chain), evaluated like every other
fingerprint: a financing of a later version locks the earlier version's, which the earlier
financing holds, so the chain refuses the second financing — as it refuses a second financing
of the same facts. A check of the amendment reads those holders too, and says it is pledged.

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import (
    BILL,
    check,
    client_fixture,
    finance,
    financed_invoice,
    lodge,
    own_invoice,
    xml,
)
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def _amendment(invoice: bytes, number: bytes, amount: bytes) -> bytes:
    """``invoice`` (an :func:`own_invoice`) under another number (BT-1) with its amount due
    (BT-112 and BT-115, 4675.00 in the sample) stated as ``amount``."""
    start = invoice.index(b"<cbc:ID>") + len(b"<cbc:ID>")
    end = invoice.index(b"</cbc:ID>", start)
    renumbered = invoice[:start] + number + invoice[end:]
    amended = renumbered
    for total in (b"TaxInclusiveAmount", b"PayableAmount"):  # BT-112 and BT-115 agree
        opening = b"<cbc:" + total + b' currencyID="DKK">'
        at = amended.index(opening) + len(opening)
        close = amended.index(b"</cbc:" + total + b">", at)
        amended = amended[:at] + amount + amended[close:]
    assert amended != invoice
    return amended


def _supersede(client: TestClient, network: Network, doc_hash: str, data: bytes) -> None:
    """The exporter supersedes ``doc_hash`` by the amendment ``data`` (asserted 201)."""
    done = client.post(
        f"/v1/documents/{doc_hash}/supersede", files=xml(data), headers=network.enterprise.headers
    )
    assert done.status_code == 201, done.text


def _pledged_versions(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in answer["fingerprints"] if f["name"].startswith("document_version")]


def test_an_amendment_of_a_financed_invoice_is_refused_to_another_bank(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("AMEND")
    v1, financing_a = financed_invoice(client, network, invoice)
    amended = _amendment(invoice, b"AMEND-2-OF-ONE", b"4675.01")
    _supersede(client, network, v1, amended)

    # Bank B's check of the amendment: pledged, through the earlier version's financing
    checked = check(client, network.bank_b, amended)
    versions = _pledged_versions(checked)
    assert any(f["held_by_financing"] == financing_a for f in versions), checked["fingerprints"]
    assert checked["invoice_pledged"] is True, checked
    assert [h["financing_id"] for h in checked["held_by"]] == [financing_a]
    assert checked["financing_headroom"] == 0
    [notice] = [n for n in checked["notices"] if n["kind"] == "earlier_version_pledged"]
    assert notice["documents"] == [v1]
    assert notice["financings"] == [financing_a]
    assert f"{v1} is pledged by active financing {financing_a} of Bank A" in notice["message"]

    # and its financing is refused, whatever it acknowledges
    v2 = lodge(client, network.bank_b, amended)["doc_hash"]
    held = client.get(f"/v1/documents/{v2}", headers=network.bank_b.headers).json()["held"]
    assert held["invoice_pledged"] is True, held  # its lodged copy says the same
    assert held["financing_headroom"] == 0
    assert [n["documents"] for n in held["notices"] if n["kind"] == "earlier_version_pledged"] == [
        [v1]
    ]
    refused = finance(client, network.bank_b, v2, amount=100_000, acknowledge_suspicions=True)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "financing_refused", body
    assert body["details"]["conflicting_financing_id"] == financing_a, body
    assert f"document {v2} amends document {v1} (DocumentSuperseded)" in body["message"]
    assert f"pledged to active financing {financing_a} of Bank A" in body["message"]
    # recorded as a refusal, for the regulator (nothing else was written)
    assert body["details"]["reason"] == "FINGERPRINT_PLEDGED", body


def test_an_earlier_version_is_free_again_once_its_financing_is_closed(
    client: TestClient, network: Network
) -> None:
    invoice = own_invoice("AMEND-FREE")
    v1, financing_a = financed_invoice(client, network, invoice)
    cancelled = client.post(
        f"/v1/financings/{financing_a}/cancel",
        json={"reason_code": 1},
        headers=network.bank.headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    amended = _amendment(invoice, b"AMEND-FREE-2", b"4675.01")
    _supersede(client, network, v1, amended)
    checked = check(client, network.bank_b, amended)
    assert not any(f["held_by_financing"] for f in _pledged_versions(checked)), checked
    v2 = lodge(client, network.bank_b, amended)["doc_hash"]
    made = finance(client, network.bank_b, v2, amount=100_000, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    # the new financing locks both versions: the amendment's and the earlier one's
    shown = client.get(
        f"/v1/financings/{made.json()['financing_id']}", headers=network.bank_b.headers
    )
    assert shown.status_code == 200, shown.text
    locked = shown.json()["fingerprints"]
    # the check's (its facts' and the earlier version's), and the amendment's own version
    assert {f["value"] for f in checked["fingerprints"]} < set(locked)
    assert len(locked) == len(checked["fingerprints"]) + 1
    assert any(f["name"] == f"document_version:{v1}" for f in checked["fingerprints"])


def test_a_later_version_financed_first_blocks_no_one_but_its_chain(
    client: TestClient, network: Network
) -> None:
    """Bank A finances the amendment v2; the earlier version v1 is superseded, so no bank can
    finance it (DOCUMENT_SUPERSEDED); a third version v3 is refused through v2's and v1's
    locks; an unrelated invoice is financed as ever."""
    invoice = own_invoice("AMEND-3")
    v1 = client.post("/v1/documents", files=xml(invoice), headers=network.enterprise.headers)
    assert v1.status_code == 201, v1.text
    v1_hash = v1.json()["doc_hash"]
    v2_bytes = _amendment(invoice, b"AMEND-3-B", b"4675.01")
    _supersede(client, network, v1_hash, v2_bytes)
    v2 = lodge(client, network.bank, v2_bytes)["doc_hash"]
    made = finance(client, network.bank, v2, amount=100_000, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    financing_a = made.json()["financing_id"]
    v3_bytes = _amendment(invoice, b"AMEND-3-C", b"4675.02")
    _supersede(client, network, v2, v3_bytes)
    v3 = lodge(client, network.bank_b, v3_bytes)["doc_hash"]
    refused = finance(client, network.bank_b, v3, amount=100_000, acknowledge_suspicions=True)
    assert refused.status_code == 409, refused.text
    assert refused.json()["details"]["conflicting_financing_id"] == financing_a
    other = own_invoice("AMEND-OTHER")
    _, fid = financed_invoice(client, network, other)
    assert fid > financing_a


def _json_invoice(number: str, value: str) -> bytes:
    """The demo bill of lading as an invoice JSON form numbered ``number`` (BT-1) whose total
    is ``value`` DKK."""
    form = {
        **json.loads(BILL),
        "documentType": "Invoice",
        "documentNumber": number,
        "totalAmount": {"value": value, "currency": "DKK"},
    }
    return json.dumps(form).encode()


def test_an_amended_json_form_is_refused_to_another_bank(
    client: TestClient, network: Network
) -> None:
    """The same with JSON forms, registered by their canonical form's hash (docs/documents.md):
    the amendment's registration and the file a bank lodges are the same document."""
    tag = uuid.uuid4().hex[:8]
    original = _json_invoice(f"JSON-{tag}", "1500.00")
    json_file = {"file": ("invoice.json", original, "application/json")}
    registered = client.post("/v1/documents", files=json_file, headers=network.enterprise.headers)
    assert registered.status_code == 201, registered.text
    v1 = registered.json()["doc_hash"]
    lodged = client.post("/v1/documents/receive", files=json_file, headers=network.bank.headers)
    assert lodged.status_code == 200, lodged.text
    made = finance(client, network.bank, lodged.json()["doc_hash"], amount=100_000, currency="DKK")
    assert made.status_code == 201, made.text
    financing_a = made.json()["financing_id"]

    amended = _json_invoice(f"JSON-{tag}-A", "1500.01")
    amended_file = {"file": ("amended.json", amended, "application/json")}
    superseded = client.post(
        f"/v1/documents/{v1}/supersede", files=amended_file, headers=network.enterprise.headers
    )
    assert superseded.status_code == 201, superseded.text
    checked = client.post(
        "/v1/documents/check", files=amended_file, headers=network.bank_b.headers
    ).json()
    assert checked["invoice_pledged"] is True, checked
    assert [h["financing_id"] for h in checked["held_by"]] == [financing_a]
    lodged_b = client.post(
        "/v1/documents/receive", files=amended_file, headers=network.bank_b.headers
    )
    assert lodged_b.status_code == 200, lodged_b.text
    refused = finance(
        client,
        network.bank_b,
        lodged_b.json()["doc_hash"],
        amount=100_000,
        acknowledge_suspicions=True,
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["details"]["conflicting_financing_id"] == financing_a


def test_the_financing_bank_is_told_its_own_financing_holds_the_earlier_version(
    client: TestClient, network: Network
) -> None:
    """Bank A financed v1; its financing of the amendment v2 would be refused on chain (and
    recorded against it), so its gateway answers it, naming the version and the financing."""
    invoice = own_invoice("AMEND-OWN")
    v1, financing_a = financed_invoice(client, network, invoice)
    amended = _amendment(invoice, b"AMEND-OWN-2", b"4675.01")
    _supersede(client, network, v1, amended)
    v2 = lodge(client, network.bank, amended)["doc_hash"]
    refused = finance(client, network.bank, v2, amount=100_000, acknowledge_suspicions=True)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "already_financed_by_you", body
    assert (
        f"documents[0] {v2} amends document {v1}, which is already pledged to your active "
        f"financing {financing_a}" in body["message"]
    )
    assert "nothing was sent" in body["message"]


def test_an_amendment_is_no_split_of_its_own_earlier_version(
    client: TestClient, network: Network
) -> None:
    """The tryout: Bank B had lodged the original; the amendment (same lines, a lower amount)
    read as a ``split_part`` of it, and the 409 asked Bank B to acknowledge that — never saying
    the invoice was pledged. An amendment is no suspicion of the version it replaces; a re-issue
    of the amendment lodged beside it still is, and then the 409 says the pledge first."""
    invoice = own_invoice("AMEND-SPLIT")
    lodge(client, network.bank_b, invoice)  # Bank B holds the original too
    v1, financing_a = financed_invoice(client, network, invoice)
    amended = _amendment(invoice, b"AMEND-SPLIT-2", b"4600.00")
    _supersede(client, network, v1, amended)
    checked = check(client, network.bank_b, amended)
    assert checked["suspicions"] == [], checked["suspicions"]
    assert checked["invoice_pledged"] is True
    v2 = lodge(client, network.bank_b, amended)["doc_hash"]

    # a re-issue of the amendment (another number, not on its chain) is still suspected
    reissue = re.sub(
        rb"<cbc:IssueDate>[^<]*<",
        b"<cbc:IssueDate>2011-01-03<",
        _amendment(invoice, b"AMEND-SPLIT-R", b"4600.00"),
        count=1,
    )
    lodge(client, network.bank_b, reissue)
    refused = finance(client, network.bank_b, v2, amount=100_000)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    # its own code: a client that asks its officer to acknowledge on suspicions_unacknowledged
    # is not led to an attempt the chain refuses and records (a tryout's M3)
    assert body["error"] == "document_pledged", body
    assert "acknowledge_with" not in body["details"], body
    assert [s["kind"] for s in body["details"]["suspicions"]] == ["reissue"]
    assert body["message"].startswith(
        f"not financed, nothing was sent: documents[0] {v2} is already pledged: it amends "
        f"document {v1}, which is held by another bank's active financing {financing_a}"
    ), body["message"]
    assert body["details"]["conflicting_financing_id"] == financing_a
    # no invitation to acknowledge what the chain would refuse all the same (a tryout did)
    assert "send the request again" not in body["message"]
    assert "Acknowledging the suspicions would not make it financeable" in body["message"]


def test_the_supersession_answer_calls_the_earlier_version_no_copy(
    client: TestClient, network: Network
) -> None:
    """A tryout: the exporter's supersession of its financed invoice answered "active financing
    3 … (through document 0x…, a copy) holds it" — that document is the version it replaced,
    not a copy: the answer says how the file matches it."""
    invoice = own_invoice("AMEND")
    v1, financing_a = financed_invoice(client, network, invoice)
    amended = _amendment(invoice, b"AMEND-COPY-WORD", b"4675.00")  # a new number alone
    done = client.post(
        f"/v1/documents/{v1}/supersede", files=xml(amended), headers=network.enterprise.headers
    )
    assert done.status_code == 201, done.text
    said = [n["message"] for n in done.json()["notices"] if n["kind"] == "invoice_pledged"]
    assert said, done.json()["notices"]
    assert not any(f"(through document {v1}, a copy)" in m for m in said), said
    assert any(
        f"active financing {financing_a} of Bank A" in m and f"(through document {v1}, " in m
        for m in said
    ), said
