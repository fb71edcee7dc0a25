"""A credit note naming a financed invoice re-written — ``RE-471102``, ``471102/2017``,
``471 102`` for invoice ``471102`` issued in 2017 — reaches the financing's bank as one naming
it exactly does. Tryout 90 lodged such notes beside a financed invoice and none was linked to
it. A note naming the seller's invoice of another year, or of another series, is not linked."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.api.api_helpers import check, client_fixture, finance, lodge, xml
from tests.documents.documents_support import field_bytes

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

KIND = "credit_note_not_counted"
_NUMBER = b"<cbc:ID>Snippet1</cbc:ID>"


def _invoice(number: str) -> bytes:
    data = field_bytes("credit-note/base-example.xml")
    assert data.count(_NUMBER) == 1
    return data.replace(_NUMBER, f"<cbc:ID>{number}</cbc:ID>".encode())


def _credit_note(reference: str) -> bytes:
    """The field cases' credit note, numbered CN-1, naming ``reference`` (BT-25)."""
    data = field_bytes("credit-note/base-creditnote-correction.xml")
    assert data.count(_NUMBER) == 2
    own, named = data.split(_NUMBER)[0], data.split(_NUMBER)[1:]
    return (
        own
        + b"<cbc:ID>CN-1</cbc:ID>"
        + named[0]
        + f"<cbc:ID>{reference}</cbc:ID>".encode()
        + named[1]
    )


def _financed(client: TestClient, network: Network, number: str) -> str:
    doc_hash = lodge(client, network.bank, _invoice(number))["doc_hash"]
    made = finance(client, network.bank, doc_hash, amount=100_000, currency="EUR")
    assert made.status_code == 201, made.text
    return str(made.json()["financing_id"])


def _told(client: TestClient, network: Network, fid: str) -> list[dict[str, object]]:
    read = client.get(f"/v1/financings/{fid}", headers=network.bank.headers)
    assert read.status_code == 200, read.text
    return [n for n in read.json()["notices"] if n["kind"] == KIND]


@pytest.mark.parametrize(
    ("number", "reference"),
    [
        ("471102", "RE-471102"),
        ("471102", "471102/2017"),
        ("471102", "471 102"),
        ("RE-471102", "471102"),
    ],
)
def test_the_bank_is_told_of_a_note_naming_its_invoice_re_written(
    client: TestClient, network: Network, number: str, reference: str
) -> None:
    fid = _financed(client, network, number)
    assert _told(client, network, fid) == []
    lodge(client, network.bank_b, _credit_note(reference))
    [notice] = _told(client, network, fid)
    assert "CN-1" in str(notice["message"])


@pytest.mark.parametrize(
    ("number", "reference"),
    [("471102", "471102/2013"), ("A100234", "B100234"), ("471102", "471103")],
)
def test_a_note_naming_another_invoice_is_not_linked(
    client: TestClient, network: Network, number: str, reference: str
) -> None:
    fid = _financed(client, network, number)
    lodge(client, network.bank_b, _credit_note(reference))
    assert _told(client, network, fid) == []


def test_a_note_of_the_sellers_other_invoice_leaves_the_financing_whole(
    client: TestClient, network: Network
) -> None:
    """Tryout 91: the seller's credit note of ``FV 11/2/2023`` (the field cases' two invoices
    of one seller) was counted against the financed ``FV 1/12/2023``, whose financing read
    0.00 net, and the regulator's re-check listed it beyond its amount due."""
    here = Path(__file__).parents[1] / "documents" / "tryouts"
    invoice = (here / "t91-n01-FV-1-12-2023.cii.xml").read_bytes()
    note = (here / "t91-cn-n02-credits-FV-11-2-2023.cii.xml").read_bytes()
    doc_hash = lodge(client, network.bank, invoice)["doc_hash"]
    made = finance(client, network.bank, doc_hash, amount=52_987, currency="EUR")
    assert made.status_code == 201, made.text
    fid = made.json()["financing_id"]
    lodge(client, network.bank, note)  # the bank's own copy: it would count for the bank
    read = client.get(f"/v1/financings/{fid}", headers=network.bank.headers)
    assert read.status_code == 200, read.text
    assert [n for n in read.json()["notices"] if "credit" in n["kind"]] == [], read.json()


@pytest.mark.parametrize("reference", ["471102/2013", "471102-13"])
def test_another_banks_check_of_a_note_of_another_year_names_no_financing(
    client: TestClient, network: Network, reference: str
) -> None:
    """Tryout 91: Bank B's check of a note naming ``471102/2017`` was told the financing of
    the ``471102`` issued in 2018 held it. Here the invoice is issued in 2017."""
    _financed(client, network, "471102")
    checked = check(client, network.bank_b, _credit_note(reference))
    assert [n for n in checked["notices"] if n["kind"] == "credit_note_financed_invoice"] == []


@pytest.mark.parametrize("reference", ["RE-471102", "471 102"])
def test_another_banks_check_of_the_note_names_the_financing(
    client: TestClient, network: Network, reference: str
) -> None:
    """Bank B holds no file of the invoice: its check of the note finds the financing by the
    invoice number the reference writes (its digits), on chain."""
    fid = _financed(client, network, "471102")
    checked = check(client, network.bank_b, _credit_note(reference))
    named = [n for n in checked["notices"] if n["kind"] == "credit_note_financed_invoice"]
    assert [n["financings"] for n in named] == [[int(fid)]], checked["notices"]


def _tryout(name: str) -> bytes:
    """A tester's file (``tests/documents/tryouts``), by its name there."""
    return (Path(__file__).parents[1] / "documents" / "tryouts" / name).read_bytes()


def _t92(name: str) -> bytes:
    return _tryout(f"t92-{name}")


def _t93(name: str) -> bytes:
    return _tryout(f"t93-{name}")


def _financed_file(
    client: TestClient, network: Network, data: bytes, due: int, currency: str
) -> str:
    """``data`` lodged by the bank and financed for ``due`` (minor units): the financing id."""
    doc_hash = lodge(client, network.bank, data)["doc_hash"]
    made = finance(
        client, network.bank, doc_hash, amount=due, currency=currency, acknowledge_suspicions=True
    )
    assert made.status_code == 201, made.text
    return str(made.json()["financing_id"])


def _lodged_and_financed(client: TestClient, network: Network, name: str, due: int) -> str:
    return _financed_file(client, network, _t92(name), due, "DKK")


def _credited(client: TestClient, network: Network, fid: str) -> list[str]:
    read = client.get(f"/v1/financings/{fid}", headers=network.bank.headers)
    assert read.status_code == 200, read.text
    return [
        n["message"] for n in read.json()["notices"] if n["kind"] in ("document_credited", KIND)
    ]


def test_a_note_names_the_invoice_numbered_as_it_not_another_series(
    client: TestClient, network: Network
) -> None:
    """Tryout 92: the seller's invoices ``A100234``, ``B100234`` and ``100234``; a note naming
    ``100234`` was counted against all three, one naming ``B100234`` against ``100234`` too.
    The bank lodges the notes (its own books: each counts for it)."""
    series_a = _lodged_and_financed(client, network, "c-I5-A100234.xml", 281_250)
    series_b = _lodged_and_financed(client, network, "c-I6-B100234.xml", 300_000)
    plain = _lodged_and_financed(client, network, "c-I7-100234-plain.xml", 212_500)
    lodge(client, network.bank, _t92("cn3-cites-100234.xml"))
    lodge(client, network.bank, _t92("cn12-seller-cites-B100234.xml"))
    assert _credited(client, network, series_a) == []
    [on_b] = _credited(client, network, series_b)
    assert "CN-512" in on_b
    assert "CN-503" not in on_b
    [on_plain] = _credited(client, network, plain)
    assert "CN-503" in on_plain
    assert "CN-512" not in on_plain


def test_a_note_naming_two_series_alike_lowers_neither(
    client: TestClient, network: Network
) -> None:
    """Without a ``100234`` of its own, a note naming ``100234`` could be ``A100234`` or
    ``B100234``: it is counted against neither, and the bank is told so on each."""
    series_a = _lodged_and_financed(client, network, "c-I5-A100234.xml", 281_250)
    series_b = _lodged_and_financed(client, network, "c-I6-B100234.xml", 300_000)
    lodge(client, network.bank, _t92("cn3-cites-100234.xml"))
    for fid, other in ((series_a, "B100234"), (series_b, "A100234")):
        [told] = _credited(client, network, fid)
        assert "CN-503" in told
        assert "not counted" in told
        assert f"could be this invoice or the seller's {other} of 2024-02-01 lodged here" in told


def test_the_same_runs_of_digits_name_the_invoice(client: TestClient, network: Network) -> None:
    """Tryout 92: a note naming ``INV 2024-001`` was linked to nothing beside the financed
    ``2024-001``."""
    fid = _lodged_and_financed(client, network, "c-I3-2024-001.xml", 243_750)
    lodge(client, network.bank, _t92("cn5-cites-INV-2024-001.xml"))
    [told] = _credited(client, network, fid)
    assert "CN-505" in told


def test_a_note_in_another_currency_is_told_not_counted(
    client: TestClient, network: Network
) -> None:
    """Tryout 92: the seller's note in EUR of its DKK invoice ``2024-0010`` reached the
    financing bank as nothing at all."""
    fid = _lodged_and_financed(client, network, "c-I4-2024-0010.xml", 262_500)
    lodge(client, network.bank, _t92("cn10-eur-cites-2024-0010.xml"))
    read = client.get(f"/v1/financings/{fid}", headers=network.bank.headers)
    [told] = [n for n in read.json()["notices"] if n["kind"] == KIND]
    assert "CN-510" in told["message"]
    assert "in EUR, not the invoice's DKK" in told["message"]
    assert not [n for n in read.json()["notices"] if n["kind"] == "document_credited"]


def test_a_note_naming_no_invoice_says_it_lowers_none(client: TestClient, network: Network) -> None:
    """Tryout 92: the seller registered a JSON-form credit note (the form has no BT-25) and
    was not told it corrects nothing; a note naming its invoice is not told so."""
    unnamed = client.post(
        "/v1/documents/check",
        files=xml(_t92("cn11-json-creditnote.json")),
        headers=network.bank.headers,
    )
    assert unnamed.status_code == 200, unnamed.text
    [note] = [n for n in unnamed.json()["notices"] if n["kind"] == "credit_note"]
    assert "names no invoice it corrects (BT-25" in note["message"]
    named = check(client, network.bank, _t92("cn3-cites-100234.xml"))
    [note] = [n for n in named["notices"] if n["kind"] == "credit_note"]
    assert "names no invoice" not in note["message"]


def _financed_93(client: TestClient, network: Network, name: str, due: int) -> str:
    return _financed_file(client, network, _t93(name), due, "EUR")


def _notices(client: TestClient, network: Network, fid: str) -> dict[str, list[str]]:
    read = client.get(f"/v1/financings/{fid}", headers=network.bank.headers)
    assert read.status_code == 200, read.text
    found: dict[str, list[str]] = {}
    for n in read.json()["notices"]:
        found.setdefault(n["kind"], []).append(n["message"])
    return found


def test_a_word_before_the_series_letter_names_the_invoice(
    client: TestClient, network: Network
) -> None:
    """Tryout 93: ``Rechnung Nr. A100234`` reached no invoice, and nobody was told."""
    fid = _financed_93(client, network, "inv-A100234.xml", 1_000_000)
    _financed_93(client, network, "inv-B100234.xml", 1_200_000)
    lodge(client, network.bank, _t93("cn01-RechnungNr-A100234.xml"))
    [credited] = _notices(client, network, fid)["document_credited"]
    assert "9,000.00 EUR" in credited


def test_a_number_the_seller_used_in_two_years_lowers_neither(
    client: TestClient, network: Network
) -> None:
    """Tryout 93: a note naming the bare ``471102`` lowered the seller's ``471102`` of 2023
    and of 2024 alike; it is counted against neither, and the bank told why."""
    fid = _financed_93(client, network, "inv-471102-2024.xml", 400_000)
    lodge(client, network.bank, _t93("inv-471102-2023.xml"))
    lodge(client, network.bank, _t93("cn06-471102-ambiguous.xml"))
    told = _notices(client, network, fid)
    assert "document_credited" not in told
    [not_counted] = told[KIND]
    assert "could be this invoice or the seller's 471102 of 2023-03-05" in not_counted
    # the note's own check says so too
    checked = check(client, network.bank, _t93("cn06-471102-ambiguous.xml"))
    kinds = [n["kind"] for n in checked["notices"]]
    assert "credit_note_reference_unclear" in kinds
    assert "credit_note_financed_invoice" not in kinds


def test_a_note_naming_two_invoices_lowers_neither(client: TestClient, network: Network) -> None:
    """Tryout 93: a note of 300.00 naming ``2024-0100`` and ``FV 11/2/2023`` lowered each by
    300.00; its amount is not split by its references: counted against neither, told."""
    first = _financed_93(client, network, "inv-2024-0100.xml", 700_000)
    second = _financed_93(client, network, "inv-FV-11-2-2023.xml", 200_000)
    lodge(client, network.bank, _t93("cn07-two-invoices.xml"))
    for fid in (first, second):
        told = _notices(client, network, fid)
        assert "document_credited" not in told
        [not_counted] = told[KIND]
        assert "names 2 invoices (2024-100, FV11-2-2023), this one among them" in not_counted
    checked = check(client, network.bank, _t93("cn07-two-invoices.xml"))
    assert "credit_note_names_several" in [n["kind"] for n in checked["notices"]]


@pytest.mark.parametrize("second", ["A100234", "RE-B100234"])
def test_a_note_whose_references_look_up_alike_is_stored(
    client: TestClient, network: Network, second: str
) -> None:
    """Tryout 94: a note naming ``A100234`` and ``B100234`` (one lookup form, their digits), or
    one invoice written two ways, was a 500 after its registration was on chain: the same
    lookup row stored twice. Registered, lodged, and told as naming several or one."""
    block = b"<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>B100234</cbc:ID>"
    note = _t92("cn12-seller-cites-B100234.xml")
    assert note.count(block) == 1
    note = note.replace(
        block,
        block.replace(b"B100234", second.encode())
        + b"<cbc:IssueDate>2024-02-01</cbc:IssueDate></cac:InvoiceDocumentReference>"
        + b"</cac:BillingReference>\n  "
        + block,
    )
    registered = client.post("/v1/documents", files=xml(note), headers=network.enterprise.headers)
    assert registered.status_code == 201, registered.text
    lodge(client, network.bank, note)
