"""Listing registrations (``GET /v1/documents``) and searching one's own lodged files
(``GET /v1/documents/lodged``), over HTTP on the embedded chain: who sees what, every filter,
bad filter values (422 naming the field) and complete pagination."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import BILL, CII, UBL, client_fixture, lodge, register, unique_file, xml
from fastapi.testclient import TestClient

from ledger.gatewaydb import GatewayDB, ReceivedTermRow

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

_numbers = itertools.count(1)


def invoice_form(
    number: str,
    seller: tuple[str, str] = ("DE123456789", "Müller Maschinenbau GmbH"),
    buyer: tuple[str, str] = ("FR40303265045", "Atelier Dupont SARL"),
) -> bytes:
    """An invoice in the JSON form (seller BT-27/BT-31, buyer BT-44/BT-48, number BT-1)."""
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": number,
            "issueDate": "2026-01-05",
            "issuer": {"id": seller[0], "scheme": "VAT", "name": seller[1]},
            "consignee": {"id": buyer[0], "scheme": "VAT", "name": buyer[1]},
            "totalAmount": {"value": f"{next(_numbers)}00.00", "currency": "EUR"},
        }
    ).encode()


def _json_file(data: bytes) -> dict[str, Any]:
    return {"file": ("invoice.json", data, "application/json")}


def _all_pages(
    client: TestClient, path: str, who: Participant, limit: int, **params: str
) -> list[dict[str, Any]]:
    """Every item of a paginated list, following next_cursor (bounded)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):
        query: dict[str, Any] = {**params, "limit": limit}
        if cursor:
            query["cursor"] = cursor
        response = client.get(path, params=query, headers=who.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


def _list(client: TestClient, who: Participant, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/documents", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _hashes(body: dict[str, Any]) -> list[str]:
    return [item["doc_hash"] for item in body["items"]]


# -- GET /v1/documents ----------------------------------------------------------------------


def test_an_enterprise_lists_its_own_registrations(client: TestClient, network: Network) -> None:
    mine = [register(client, network.enterprise) for _ in range(3)]
    theirs = register(client, network.bank)
    listed = _list(client, network.enterprise)
    assert _hashes(listed) == mine  # oldest first, only the caller's
    item = listed["items"][0]
    assert item["registered_by"] == network.enterprise.address
    assert item["status"] == "active"
    assert item["doc_type"] == "other"
    assert listed["indexed_block"] >= item["registered_block"]
    # the same, named explicitly; another member's registrations are refused
    assert _hashes(_list(client, network.enterprise, registrant=network.enterprise.address)) == mine
    refused = client.get(
        "/v1/documents",
        params={"registrant": network.bank.address},
        headers=network.enterprise.headers,
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "forbidden"
    # oversight lists everyone's, or one member's
    assert {*mine, theirs} <= set(_hashes(_list(client, network.regulator)))
    assert _hashes(_list(client, network.admin, registrant=network.bank.address)) == [theirs]


def test_filters_by_type_status_and_period(client: TestClient, network: Network) -> None:
    ent = network.enterprise
    invoice = register(client, ent, xml(UBL))
    bill = register(client, ent, {"file": ("bl.json", BILL, "application/json")})
    revoked = register(client, ent)
    old = register(client, ent)
    response = client.post(
        f"/v1/documents/{revoked}/revoke", json={"reason_code": 0}, headers=ent.headers
    )
    assert response.status_code == 200, response.text
    response = client.post(
        f"/v1/documents/{old}/supersede", files=unique_file("amended"), headers=ent.headers
    )
    assert response.status_code == 201, response.text
    successor = response.json()["new_doc_hash"]

    assert _hashes(_list(client, ent, type="invoice")) == [invoice]
    assert _hashes(_list(client, ent, type="bill_of_lading")) == [bill]
    assert _hashes(_list(client, ent, status="revoked")) == [revoked]
    superseded = _list(client, ent, status="superseded")["items"]
    assert [i["doc_hash"] for i in superseded] == [old]
    assert superseded[0]["successor"] == successor
    assert set(_hashes(_list(client, ent, status="active"))) == {invoice, bill, successor}
    assert _hashes(_list(client, ent, type="other", status="active")) == [successor]

    items = _list(client, ent)["items"]
    times = sorted({int(datetime.fromisoformat(i["registered_at"]).timestamp()) for i in items})
    first, last = times[0], times[-1]
    everything = {i["doc_hash"] for i in items}
    # both bounds inclusive; Unix seconds and ISO 8601 alike
    assert set(_hashes(_list(client, ent, **{"from": first, "to": last}))) == everything
    iso_last = datetime.fromtimestamp(last).astimezone().isoformat()
    assert set(_hashes(_list(client, ent, **{"from": iso_last}))) == {
        i["doc_hash"]
        for i in items
        if int(datetime.fromisoformat(i["registered_at"]).timestamp()) >= last
    }
    assert _hashes(_list(client, ent, to=first - 1)) == []
    assert _hashes(_list(client, ent, **{"from": "2999-01-01"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "pdf"}, "type"),
        ({"type": "none"}, "type"),
        ({"status": "pending"}, "status"),
        ({"status": "none"}, "status"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-45"}, "to"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"registrant": "0x1234"}, "registrant"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "12-0xabc"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
    ],
)
def test_bad_filters_are_422_naming_the_field(
    client: TestClient, network: Network, params: dict[str, str], field: str
) -> None:
    response = client.get("/v1/documents", params=params, headers=network.regulator.headers)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_input"
    assert body["details"]["field"].split(".")[-1] == field
    assert body["details"]["rule"]


def test_pagination_loses_and_repeats_nothing(client: TestClient, network: Network) -> None:
    # one batch: seven registrations in one block, ordered by hash within it
    files = [("files", unique_file("page")["file"]) for _ in range(7)]
    response = client.post("/v1/documents/batch", files=files, headers=network.enterprise.headers)
    assert response.status_code == 201, response.text
    batch = {d["doc_hash"] for d in response.json()["documents"]}
    singles = [register(client, network.enterprise) for _ in range(4)]
    expected = _hashes(_list(client, network.enterprise, limit=500))
    assert set(expected) == batch | set(singles)
    for limit in (1, 2, 3, 5):
        paged = _all_pages(client, "/v1/documents", network.enterprise, limit)
        assert [i["doc_hash"] for i in paged] == expected, limit
    # a filtered list pages the same way
    paged = _all_pages(client, "/v1/documents", network.regulator, 2, status="active")
    assert set(expected) <= {i["doc_hash"] for i in paged}
    assert len(paged) == len({i["doc_hash"] for i in paged})


def test_a_list_right_after_a_write_includes_it(client: TestClient, network: Network) -> None:
    """The list catches the index up: what was just registered is listed at once."""
    for _ in range(3):
        doc = register(client, network.attestor)
        assert _hashes(_list(client, network.attestor))[-1] == doc


# -- GET /v1/documents/lodged ------------------------------------------------------------------


def _search(client: TestClient, who: Participant, **params: str) -> list[dict[str, Any]]:
    response = client.get("/v1/documents/lodged", params=params, headers=who.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_lodged_files_are_searched_by_number_seller_and_buyer(
    client: TestClient, network: Network
) -> None:
    bank = network.bank
    ubl = lodge(client, bank, UBL)["doc_hash"]  # TOSL110, seller DK13585628 SellerCompany
    cii = lodge(client, bank, CII)["doc_hash"]  # the same invoice in CII
    own = lodge(client, bank, invoice_form("INV-0042"))["doc_hash"]
    other = lodge(
        client,
        bank,
        invoice_form("INV-0043", seller=("NL859048165B01", "Van Dijk Logistiek B.V.")),
    )["doc_hash"]

    def found(**params: str) -> list[str]:
        return [i["doc_hash"] for i in _search(client, bank, **params)]

    assert found() == [ubl, cii, own, other]  # every own file, oldest first
    assert found(invoice_number="TOSL110") == [ubl, cii]
    assert found(invoice_number="inv 42") == [own]  # compared normalised (BT-1)
    assert found(invoice_number="INV-0044") == []
    assert found(seller="DK 13585628") == [ubl, cii]  # VAT id, BT-31
    assert found(seller="van dijk") == [other]  # part of the name, BT-27
    assert found(seller="Müller") == [own]
    assert found(buyer="FR40303265045") == [own, other]  # BT-48
    assert found(buyer="buyercompany") == [ubl, cii]  # BT-44
    assert found(buyer="5790000436057") == [ubl, cii]  # a GLN is an identifier too
    assert found(invoice_number="INV-0043", seller="Müller") == []  # every criterion holds
    assert found(seller="100%") == []  # LIKE wildcards are plain text

    item = next(i for i in _search(client, bank, invoice_number="INV-0042"))
    assert item["format"] == "json"
    assert item["doc_type"] == "invoice"
    assert item["facts"]["number"] == "INV42"
    assert item["facts"]["seller"]["name"] == "Müller Maschinenbau GmbH"
    assert item["received_at"]
    # the database's search hands back each file whole, fingerprints included
    rows, more = network.ledger.db.search_received(bank.address, number="TOSL110")
    assert not more
    assert rows == network.ledger.db.received(ubl, bank.address) + network.ledger.db.received(
        cii, bank.address
    )
    assert all(r.fingerprints for r in rows)


def test_a_member_never_sees_another_members_lodged_files(
    client: TestClient, network: Network
) -> None:
    lodge(client, network.bank, UBL)
    registered = register(client, network.enterprise, xml(UBL))  # the same file, registered
    assert [i["doc_hash"] for i in _search(client, network.enterprise)] == [registered]
    assert _search(client, network.bank_b) == []
    assert _search(client, network.bank_b, invoice_number="TOSL110") == []
    assert _search(client, network.bank_b, seller="DK13585628") == []
    # no role reads another member's lodged files, not even oversight
    assert _search(client, network.regulator, invoice_number="TOSL110") == []
    assert _search(client, network.admin, seller="SellerCompany") == []
    bank_b_own = lodge(client, network.bank_b, invoice_form("B-1"))["doc_hash"]
    assert [i["doc_hash"] for i in _search(client, network.bank_b)] == [bank_b_own]
    assert [i["doc_hash"] for i in _search(client, network.bank)] != [bank_b_own]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"invoice_number": "---"}, "invoice_number"),
        ({"invoice_number": ""}, "invoice_number"),
        ({"seller": "   "}, "seller"),
        ({"buyer": ""}, "buyer"),
        ({"seller": "x" * 201}, "seller"),
        # no letter or digit, whatever the parameter (NUL and punctuation passed as text)
        ({"invoice_number": "\x00"}, "invoice_number"),
        ({"invoice_number": "--\x00--"}, "invoice_number"),
        ({"seller": "---"}, "seller"),
        ({"buyer": "\x00"}, "buyer"),
        ({"buyer": "(./)"}, "buyer"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "2026-01-01T00:00:00|0x12"}, "cursor"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_bad_search_values_are_422_naming_the_field(
    client: TestClient, network: Network, params: dict[str, str], field: str
) -> None:
    response = client.get("/v1/documents/lodged", params=params, headers=network.bank.headers)
    assert response.status_code == 422, response.text
    assert response.json()["details"]["field"].split(".")[-1] == field


def test_a_searched_number_too_long_once_normalised_names_its_term(
    client: TestClient, network: Network
) -> None:
    """20 characters NFKC makes 300 letters: refused as a document's number is (BT-1), the
    limit and the length named, the text not echoed."""
    response = client.get(
        "/v1/documents/lodged",
        params={"invoice_number": "\ufdfa" * 20},
        headers=network.bank.headers,
    )
    assert response.status_code == 422, response.text
    details = response.json()["details"]
    assert details["field"] == "invoice_number", details
    assert (details["term"], details["limit"], details["length"]) == ("BT-1", 200, 300), details
    assert "\ufdfa" not in response.text


def test_lodged_pagination_loses_and_repeats_nothing(client: TestClient, network: Network) -> None:
    lodged = [lodge(client, network.bank, invoice_form(f"P-{n}"))["doc_hash"] for n in range(7)] + [
        lodge(client, network.bank, unique_file()["file"][1])["doc_hash"]
    ]
    for limit in (1, 2, 3):
        paged = _all_pages(client, "/v1/documents/lodged", network.bank, limit)
        assert [i["doc_hash"] for i in paged] == lodged, limit
    filtered = _all_pages(client, "/v1/documents/lodged", network.bank, 2, seller="müller")
    assert [i["doc_hash"] for i in filtered] == lodged[:7]


def test_files_lodged_before_the_search_existed_are_found(network: Network) -> None:
    """A gateway database written before ``received_terms`` gets its terms when opened."""
    db = network.ledger.db
    db.store_received(
        doc_hash="0x" + "ab" * 32,
        received_by=network.bank.address,
        fmt="json",
        size=10,
        filename="old.json",
        doc_type="invoice",
        facts_json=json.dumps(
            {
                "version": 1,
                "docType": "INVOICE",
                "number": "OLD7",
                "seller": {"ids": [{"scheme": "VAT", "value": "DK16356706"}], "name": "Old Co"},
                "buyer": None,
            }
        ),
        fingerprints=[],
    )
    with db.session() as s, s.begin():
        s.query(ReceivedTermRow).delete()
    assert db.search_received(network.bank.address, number="OLD7") == ([], False)
    reopened = GatewayDB(str(db.engine.url))
    try:
        rows, more = reopened.search_received(network.bank.address, number="OLD7")
        assert [r.doc_hash for r in rows] == ["0x" + "ab" * 32]
        assert not more
    finally:
        reopened.close()


def _with_seller(number: str, party: dict[str, Any]) -> bytes:
    form = json.loads(invoice_form(number))
    form["issuer"] = {**party, "name": f"Seller of {number}"}
    return json.dumps(form).encode()


def test_lodged_files_are_found_by_identifiers_as_they_are_stored(
    client: TestClient, network: Network
) -> None:
    """A tryout searched its lodged files by the seller's Dutch VAT id ``NL820098395B01`` and
    found nothing: the search dropped the zero (``…B1``) that the stored VAT id keeps, as
    python-stdnum compacts it. The same held for every identifier stored with its zeros — a
    Belgian VAT id (``BE0…``), a GLN or an ICD value starting with 0 — and for invoice numbers
    whose digit runs are apart (``FV 1/12/2023`` is stored ``FV1-12-2023``)."""
    bank = network.bank
    nl = lodge(client, bank, invoice_form("NL-1", seller=("NL820098395B01", "Koksmaat")))
    be = lodge(client, bank, invoice_form("BE-1", seller=("BE0403019261", "Belgische NV")))
    gln = lodge(client, bank, _with_seller("GLN-1", {"id": "0614141000012", "scheme": "GLN"}))
    icd = lodge(client, bank, _with_seller("ICD-1", {"id": "012345678", "scheme": "0060"}))
    first = lodge(client, bank, invoice_form("FV 1/12/2023"))
    second = lodge(client, bank, invoice_form("FV 11/2/2023"))
    for lodged in (nl, be, gln, icd):
        assert lodged["notices"] == [] or all(
            n["code"] != "identifier_rejected" for n in lodged["notices"]
        ), lodged["notices"]

    def found(**params: str) -> list[str]:
        return [i["doc_hash"] for i in _search(client, bank, **params)]

    for written in ("NL820098395B01", "nl 8200.98395 b01", "NL820098395B01 "):
        assert found(seller=written) == [nl["doc_hash"]], written
    for written in ("BE0403019261", "be 0403.019.261"):
        assert found(seller=written) == [be["doc_hash"]], written
    assert found(seller="0614141000012") == [gln["doc_hash"]]
    assert found(seller="0060:012345678") == [icd["doc_hash"]]
    assert found(invoice_number="fv 01.12.2023") == [first["doc_hash"]]
    assert found(invoice_number="FV-11-2-2023") == [second["doc_hash"]]
    assert found(invoice_number="FV 1/1/22023") == []  # other numbers stay apart
