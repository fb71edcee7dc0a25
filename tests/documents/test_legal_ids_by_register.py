"""A legal registration number (EN 16931 BT-30) is unique only within its register: two
companies in two countries may hold the same number. It is keyed with its register's country
(``LEGAL:NL:57151520``), so the second is not refused as a duplicate of the first, while every
copy of one seller's invoice — the number under the register's ICD scheme, without a scheme in a
file of a party in that country, in a JSON form with the country or a VAT id of it — still
meets the original.

A tryout's German seller with the same bare number and invoice number as a Dutch one was
refused at the second bank as pledged: both were keyed ``LEGAL:12345678``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.documents import read_document
from ledger.documents.fingerprints import fingerprint_inputs
from ledger.documents.marks import MarkKind, mark_inputs
from ledger.documents.writers import write_cii, write_json_form, write_ubl
from tests.api.api_helpers import client_fixture, finance, lodge
from tests.documents.test_legal_register_ids import _legal_seller_numbers as _legal_numbers

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

EXAMPLE = (Path(__file__).parents[1] / "data/einvoices/ubl/ubl-tc434-example1.xml").read_bytes()


def _form(
    seller: dict[str, Any], *, amount: str, buyer: str, issued: str, number: str = "2024-0042"
) -> bytes:
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": number,
            "issueDate": issued,
            "issuer": seller,
            "consignee": {"id": buyer, "scheme": "PARTY", "name": f"Buyer {buyer}"},
            "totalAmount": {"value": amount, "currency": "EUR"},
        }
    ).encode()


def _german(number: str = "12345678") -> bytes:
    seller = {"id": number, "scheme": "LEGAL", "country": "DE", "name": "Muster Maschinen GmbH"}
    return _form(seller, amount="1200.00", buyer="B-DE-1", issued="2024-03-01")


def _dutch(number: str = "12345678") -> bytes:
    seller = {"id": number, "scheme": "LEGAL", "country": "NL", "name": "Tulpen Handel BV"}
    return _form(seller, amount="870.50", buyer="B-NL-7", issued="2024-05-20")


def _fingerprints(data: bytes) -> set[tuple[str, tuple[Any, ...]]]:
    facts = read_document(data).facts
    assert facts is not None
    return {(i.kind.value, i.fields) for i in fingerprint_inputs(facts)}


def _without_vat(ubl: bytes, country: str | None = None) -> bytes:
    """The example with its seller's VAT registration removed (BT-30 ``57151520`` left without
    a scheme) and, when ``country`` is given, its seller's address in that country."""
    end = ubl.index(b"</cac:AccountingSupplierParty>")
    seller, rest = ubl[:end], ubl[end:]
    seller = re.sub(rb"<cac:PartyTaxScheme>.*?</cac:PartyTaxScheme>", b"", seller, flags=re.S)
    if country is not None:
        seller = re.sub(
            rb"<cbc:IdentificationCode>NL</cbc:IdentificationCode>",
            f"<cbc:IdentificationCode>{country}</cbc:IdentificationCode>".encode(),
            seller,
        )
    return seller + rest


def test_two_sellers_in_two_countries_with_one_number_share_no_fingerprint() -> None:
    german, dutch = _german(), _dutch()
    assert _legal_numbers(german)
    assert _legal_numbers(dutch)
    assert not _fingerprints(german) & _fingerprints(dutch)
    facts = read_document(german).facts
    assert facts is not None
    assert facts.seller is not None
    assert [str(p) for p in facts.seller.key_ids] == ["LEGAL:DE:12345678"]


def test_the_same_file_of_a_seller_in_another_country_keys_apart() -> None:
    """The UBL example's seller by its BT-30 alone, once in NL and once in DE: the same
    number, invoice number and amount, two registers."""
    dutch, german = _without_vat(EXAMPLE), _without_vat(EXAMPLE, "DE")
    assert _legal_numbers(dutch)
    assert _legal_numbers(german)
    assert not _legal_numbers(dutch) & _legal_numbers(german)


def test_every_copy_of_one_sellers_invoice_still_meets() -> None:
    """The Dutch seller's KvK number without a scheme (party in NL), under ICD 0106, in a JSON
    form with its country, in one without a country but with its NL VAT id, and as written
    back in each syntax: one key."""
    plain = _without_vat(EXAMPLE)
    under_0106 = plain.replace(
        b"<cbc:CompanyID>57151520</cbc:CompanyID>",
        b'<cbc:CompanyID schemeID="0106">57151520</cbc:CompanyID>',
    )
    assert under_0106 != plain
    facts = read_document(EXAMPLE).facts
    assert facts is not None
    issuer = {"name": "De Koksmaat"}
    json_with_country = _form(
        {**issuer, "id": "57151520", "scheme": "LEGAL", "country": "NL"},
        amount="1",
        buyer="X",
        issued="2015-01-09",
        number="12115118",
    )
    json_with_vat = _form(
        {
            **issuer,
            "ids": [
                {"id": "57151520", "scheme": "LEGAL"},
                {"id": "NL820098395B01", "scheme": "VAT"},
            ],
        },
        amount="1",
        buyer="X",
        issued="2015-01-09",
        number="12115118",
    )
    want = _legal_numbers(plain)
    assert want
    copies = {
        "BT-30 under 0106": under_0106,
        "written back as UBL": write_ubl(facts),
        "written back as CII": write_cii(facts),
        "written back as a JSON form": write_json_form(facts),
    }
    for what, data in copies.items():
        assert _legal_numbers(data) == want, what
    for what, data in {
        "JSON with country": json_with_country,
        "JSON with VAT": json_with_vat,
    }.items():
        assert _legal_numbers(data) == want, what
        seller = read_document(data).facts
        assert seller is not None
        assert seller.seller is not None
        assert "LEGAL:NL:57151520" in {str(p) for p in seller.seller.key_ids}, what


def test_a_number_without_a_known_register_is_keyed_bare() -> None:
    """Neither a country nor a VAT id: the register is not known, and the number is keyed as
    written (it cannot be checked by a register either)."""
    data = _form(
        {"id": "HRB 4711", "scheme": "LEGAL", "name": "Ohne Land"},
        amount="5",
        buyer="Y",
        issued="2024-01-01",
    )
    facts = read_document(data).facts
    assert facts is not None
    assert facts.seller is not None
    assert [str(p) for p in facts.seller.key_ids] == ["LEGAL:HRB4711"]


def test_a_second_bank_finances_the_other_countrys_seller(
    client: TestClient, network: Network
) -> None:
    """Through the API: Bank A finances the German seller's invoice; Bank B lodges the Dutch
    seller's invoice with the same number and registration number, sees no conflict and
    finances it. The German invoice itself is still refused at Bank B."""
    first = lodge(client, network.bank, _german())  # the format is read from the content
    made = finance(client, network.bank, first["doc_hash"], amount=120_000, currency="EUR")
    assert made.status_code == 201, made.text

    other = lodge(client, network.bank_b, _dutch())
    assert other["conflicting_financings"] == [], other
    second = finance(client, network.bank_b, other["doc_hash"], amount=87_050, currency="EUR")
    assert second.status_code == 201, second.text

    again = lodge(client, network.bank_b, _german())
    assert again["conflicting_financings"] == [made.json()["financing_id"]], again


def test_a_tax_number_is_keyed_with_its_country_too() -> None:
    """A national tax number (BT-32, other than VAT) is as national as a register's: a Belgian
    and a Dutch seller known by the same tax number share no fingerprint; the Dutch seller's
    copies (the country given, or its VAT id's) still meet."""

    def seller(country: str | None, *more: dict[str, str]) -> dict[str, Any]:
        ids = [{"id": "123456789", "scheme": "TAX"}, *more]
        return {"ids": ids, "name": "Seller", **({"country": country} if country else {})}

    def invoice(party: dict[str, Any]) -> bytes:
        return _form(party, amount="99.00", buyer="B-1", issued="2024-02-02")

    belgian, dutch = invoice(seller("BE")), invoice(seller("NL"))
    assert not _fingerprints(belgian) & _fingerprints(dutch)
    by_vat = invoice(seller(None, {"id": "NL820098395B01", "scheme": "VAT"}))
    facts = read_document(by_vat).facts
    assert facts is not None
    assert facts.seller is not None
    assert "TAX:NL:123456789" in {str(p) for p in facts.seller.key_ids}
    dutch_facts = read_document(dutch).facts
    assert dutch_facts is not None
    for written in (write_ubl(dutch_facts), write_cii(dutch_facts), write_json_form(dutch_facts)):
        again = read_document(written).facts
        assert again is not None
        assert again.seller is not None
        assert [str(p) for p in again.seller.key_ids] == ["TAX:NL:123456789"]


def test_a_seller_known_by_its_name_alone_is_keyed_with_its_country() -> None:
    """A seller with no identifier at all is keyed by its name (EN 16931 asks for one, BR-CO-26;
    files without do come): ``Nordic Trading`` of Denmark and of Sweden are two sellers (a
    tryout's second was refused as the first's duplicate). The same seller's copies still
    meet; one that leaves the country out meets on its name mark (a suspicion)."""

    def invoice(country: str | None, amount: str = "4675.00") -> bytes:
        seller = {"name": "Nordic Trading", **({"country": country} if country else {})}
        return _form(seller, amount=amount, buyer="B-9", issued="2024-06-01", number="1001")

    danish, swedish = invoice("DK"), invoice("SE", amount="4800.00")
    assert not _fingerprints(danish) & _fingerprints(swedish)
    sellers = {f[1] for f in _fingerprints(danish) if f[0] == "seller_number"}
    assert sellers == {("INVOICE", "NAME", "DK:NORDIC TRADING", "1001")}
    assert _fingerprints(danish) == _fingerprints(invoice("DK"))
    marks = [mark_inputs(read_document(d).facts) for d in (danish, invoice(None))]
    shared = {m.kind for m in marks[0]} & {
        m.kind for m in marks[1] if m.oprf_input() in {o.oprf_input() for o in marks[0]}
    }
    assert MarkKind.NUMBER in shared


def test_a_seller_known_by_a_party_id_alone_is_keyed_with_its_country() -> None:
    """Tryout 42: a Danish and a Swedish seller, each known only by the party id ``12345``
    (BT-29, no scheme), with one invoice number: the second was refused as the first's
    duplicate. ``seller_number`` keys such a seller with its country."""

    def invoice(country: str, amount: str) -> bytes:
        seller = {"id": "12345", "scheme": "PARTY", "name": f"Handel {country}", "country": country}
        return _form(seller, amount=amount, buyer="B-1", issued="2024-06-01", number="1001")

    danish, swedish = invoice("DK", "1000.00"), invoice("SE", "2000.00")
    assert not _fingerprints(danish) & _fingerprints(swedish)
    assert _fingerprints(danish) == _fingerprints(invoice("DK", "1000.00"))
