"""A number that names one party only within a register, or a region, its file does not state
— a German commercial register number (``HRB 12345`` is numbered by each local court), a German
Steuernummer in a Land's own format (``201/113/40209``), a legal or tax number without its
country — keys its party with the party's name beside it: two sellers that hold it, with other
names and other VAT ids, share no fingerprint, while a copy of one seller's invoice (its VAT id
deleted, its name re-spaced) still meets the original. A number its register names nationwide
(a Dutch KvK number, a federal Steuernummer, a Norwegian organisation number) keys as before.

Tryout 88 financed one German seller's invoice ``1001`` at Bank A and was refused another
German seller's ``1001`` at Bank B as pledged (``seller_number:LEGAL``): both wrote
``HRB 12345``. The same with the Steuernummer ``201/113/40209`` (``seller_number:TAX``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ledger.documents import read_document
from ledger.documents.facts import DocumentFacts
from ledger.documents.fingerprints import (
    FingerprintKind,
    fingerprint_inputs,
    invoice_number_inputs,
    oprf_input,
)
from ledger.documents.matching import party_relation, shared_fingerprints
from ledger.documents.writers import write_cii, write_ubl
from tests.api.api_helpers import client_fixture, finance, lodge

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

VAT_ALPHA, VAT_BETA = "DE136695976", "DE811907980"


def _invoice(
    name: str,
    *ids: tuple[str, str],
    country: str | None = "DE",
    issued: str = "2024-06-30",
    number: str = "1001",
) -> bytes:
    issuer: dict[str, Any] = {
        "ids": [{"id": value, "scheme": scheme} for scheme, value in ids],
        "name": name,
        **({"country": country} if country else {}),
    }
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": number,
            "issueDate": issued,
            "issuer": issuer,
            "consignee": {"id": "NO987654325MVA", "scheme": "VAT", "name": "Buyercompany ASA"},
            "totalAmount": {"value": "802.00", "currency": "EUR"},
        }
    ).encode()


def _facts(data: bytes) -> DocumentFacts:
    facts = read_document(data).facts
    assert facts is not None
    return facts


def _in_every_syntax(data: bytes) -> dict[str, DocumentFacts]:
    """The invoice as its JSON form, and written back as UBL and as CII, read again."""
    facts = _facts(data)
    return {
        "JSON form": facts,
        "UBL": _facts(write_ubl(facts)),
        "CII": _facts(write_cii(facts)),
    }


LOCAL_NUMBERS = {
    "a German commercial register number": ("LEGAL", "HRB 12345"),
    "a German Steuernummer in a Land's format": ("TAX", "201/113/40209"),
}


@pytest.mark.parametrize("what", list(LOCAL_NUMBERS))
def test_two_sellers_holding_one_local_number_share_no_fingerprint(what: str) -> None:
    """Other names, other VAT ids, one local number, one invoice number, one buyer and amount
    (another date): two invoices, in every syntax."""
    local = LOCAL_NUMBERS[what]
    alpha = _invoice("Alpha Maschinen GmbH", ("VAT", VAT_ALPHA), local)
    beta = _invoice("Beta Handel GmbH", ("VAT", VAT_BETA), local, issued="2024-07-04")
    for syntax, a in _in_every_syntax(alpha).items():
        b = _in_every_syntax(beta)[syntax]
        scheme = local[0]
        assert scheme in {p.scheme.value for p in a.seller.key_ids}, (syntax, a.seller)  # type: ignore[union-attr]
        assert shared_fingerprints(a, b) == (), (what, syntax)


@pytest.mark.parametrize("what", list(LOCAL_NUMBERS))
def test_a_copy_without_its_vat_id_still_meets(what: str) -> None:
    """The seller's VAT id deleted and its name re-spaced and re-cased: the original keys its
    seller by its VAT id (a local number beside a nationwide id keys nothing), and the copy
    meets it by the seller's name, the buyer, number, amount and date."""
    local = LOCAL_NUMBERS[what]
    original = _facts(_invoice("Alpha Maschinen GmbH", ("VAT", VAT_ALPHA), local))
    copy = _facts(_invoice("ALPHA  Maschinen-GmbH", local))
    assert "seller_name_buyer_number" in shared_fingerprints(copy, original)
    # two files of the seller naming it by the local number alone meet by that number
    again = _facts(_invoice("Alpha Maschinen GmbH", local, issued="2024-09-09"))
    assert f"seller_number:{local[0]}" in shared_fingerprints(again, copy)


def test_two_firms_of_one_name_at_two_courts_are_two() -> None:
    """Two German firms named "Müller GmbH" (a name is unique within one court's district) with
    ``HRB 12345`` each and their own VAT ids: two sellers (tryout 90 was refused the second's
    ``1001`` as pledged by the number and their name)."""
    first = _facts(_invoice("Müller GmbH", ("VAT", VAT_ALPHA), ("LEGAL", "HRB 12345")))
    second = _facts(
        _invoice("Müller GmbH", ("VAT", VAT_BETA), ("LEGAL", "HRB 12345"), issued="2024-08-08")
    )
    assert shared_fingerprints(first, second) == ()


def test_two_us_companies_with_one_state_tax_number_are_two() -> None:
    """A US state's tax number (no national module: any country's tax number python-stdnum
    cannot check is keyed with the seller's name): two companies holding ``1234567`` and one
    invoice number share no fingerprint (tryout 90)."""
    acme = _facts(_invoice("Acme Supply Inc.", ("TAX", "1234567"), country="US"))
    zenith = _facts(
        _invoice("Zenith Tools LLC", ("TAX", "1234567"), country="US", issued="2024-08-08")
    )
    assert shared_fingerprints(acme, zenith) == ()


def test_two_sellers_holding_one_local_number_and_no_vat_id_are_two() -> None:
    """Neither names itself by a VAT id: the court's number with two names is two sellers."""
    alpha = _facts(_invoice("Alpha Maschinen GmbH", ("LEGAL", "HRB 12345")))
    beta = _facts(_invoice("Beta Handel GmbH", ("LEGAL", "HRB 12345")))
    assert shared_fingerprints(alpha, beta) == ()


def test_a_number_without_its_country_keys_with_the_name() -> None:
    """A bare legal number, no country: any country's register may have issued it."""
    alpha = _facts(_invoice("Alpha Trading", ("LEGAL", "4711-22"), country=None))
    beta = _facts(_invoice("Beta Logistics", ("LEGAL", "4711-22"), country=None))
    assert shared_fingerprints(alpha, beta) == ()
    again = _facts(_invoice("alpha trading", ("LEGAL", "4711 22"), country=None))
    assert "seller_number:LEGAL" in shared_fingerprints(again, alpha)


@pytest.mark.parametrize(
    ("country", "scheme", "number"),
    [
        ("NL", "LEGAL", "57151520"),  # KvK: one register for the Netherlands
        ("DE", "TAX", "9181081508155"),  # a Steuernummer in its federal, 13-digit form
        ("NO", "LEGAL", "987654325"),  # an organisation number (python-stdnum checks it)
    ],
)
def test_a_number_its_register_names_nationwide_keys_without_the_name(
    country: str, scheme: str, number: str
) -> None:
    """A copy that renames the seller and deletes its VAT id still meets by the number."""
    original = _facts(_invoice("Seller One", (scheme, number), country=country))
    renamed = _facts(_invoice("Someone Else Entirely", (scheme, number), country=country))
    assert f"seller_number:{scheme}" in shared_fingerprints(renamed, original)
    [pid] = [p for p in original.seller.key_ids if p.scheme.value == scheme]  # type: ignore[union-attr]
    assert "/" not in pid.value


@pytest.mark.parametrize(
    "ids",
    [
        (("VAT", VAT_ALPHA), ("LEGAL", "HRB 12345")),
        (("TAX", "201/113/40209"),),
        (("PARTY", "SUP-0042"),),  # keyed with the seller's country
    ],
    ids=["court number", "Land Steuernummer", "party id"],
)
def test_a_credit_note_looks_its_invoice_up_as_the_invoice_is_keyed(
    ids: tuple[tuple[str, str], ...],
) -> None:
    """``invoice_number_inputs`` (what a credit note of the invoice looks it up by, on chain and
    among lodged files) are the invoice's own ``seller_number`` inputs, however its seller is
    keyed: a seller keyed by its party id looked up without the country its invoice had."""
    invoice = _facts(_invoice("Alpha Maschinen GmbH", *ids))
    own = {
        oprf_input(i.kind.value, i.fields)
        for i in fingerprint_inputs(invoice)
        if i.kind is FingerprintKind.SELLER_NUMBER
    }
    looked_up = set(invoice_number_inputs(invoice, invoice.number))
    assert looked_up
    assert looked_up == own


def test_a_second_bank_finances_the_other_sellers_invoice(
    client: TestClient, network: Network
) -> None:
    """Through the API: Bank A finances Alpha's invoice 1001; Bank B lodges Beta's 1001 (the
    same court number, another VAT id and name), sees no conflict and finances it; Alpha's
    invoice itself is still refused at Bank B."""
    local = LOCAL_NUMBERS["a German commercial register number"]
    alpha = _invoice("Alpha Maschinen GmbH", ("VAT", VAT_ALPHA), local)
    beta = _invoice("Beta Handel GmbH", ("VAT", VAT_BETA), local, issued="2024-07-04")
    first = lodge(client, network.bank, alpha)
    made = finance(client, network.bank, first["doc_hash"], amount=80_200, currency="EUR")
    assert made.status_code == 201, made.text

    other = lodge(client, network.bank_b, beta)
    assert other["conflicting_financings"] == [], other
    second = finance(client, network.bank_b, other["doc_hash"], amount=80_200, currency="EUR")
    assert second.status_code == 201, second.text

    again = lodge(client, network.bank_b, alpha)
    assert again["conflicting_financings"] == [made.json()["financing_id"]], again


def test_two_us_companies_with_one_state_file_number_are_two() -> None:
    """Each US state numbers its own companies: two sellers (no VAT id) with the file number
    ``4012345`` and invoice ``1001`` share no fingerprint (tryout 89 was refused the second as
    pledged); a copy of one, re-cased, still meets it."""
    alpha = _facts(_invoice("Alpha Tools Inc.", ("LEGAL", "4012345"), country="US"))
    beta = _facts(
        _invoice("Beta Freight LLC", ("LEGAL", "4012345"), country="US", issued="2024-08-01")
    )
    assert shared_fingerprints(alpha, beta) == ()
    again = _facts(_invoice("ALPHA TOOLS, INC", ("LEGAL", "4012345"), country="US"))
    assert "seller_number:LEGAL" in shared_fingerprints(again, alpha)


@pytest.mark.parametrize("zeros", ["00000000", "0", "000-000"])
def test_a_register_number_of_zeros_is_a_placeholder(zeros: str) -> None:
    """``00000000`` (its leading zeros dropped: ``0``) keys no one: two Dutch sellers with other
    VAT ids that both wrote it as their KvK number share no fingerprint (tryout 89), and it is
    shown as rejected."""
    alpha = _facts(_invoice("Alpha BV", ("VAT", "NL820098401B01"), ("LEGAL", zeros), country="NL"))
    beta = _facts(_invoice("Beta BV", ("VAT", "NL820098413B01"), ("LEGAL", zeros), country="NL"))
    assert shared_fingerprints(alpha, beta) == ()
    assert alpha.seller is not None
    assert [p.scheme.value for p in alpha.seller.key_ids] == ["VAT"]
    assert [r.reason for r in alpha.seller.rejected] == ["is a placeholder (zeros only)"]


def test_the_two_firms_are_two_parties_to_every_comparison() -> None:
    """The files' comparisons (suspicions, the regulator's rules, credit notes) agree with the
    fingerprints: a shared court-local number beside two VAT ids is two sellers (tryout 90's
    regulator read the two "Müller GmbH" as one); a number a national register gives keeps
    naming one party, its VAT ids' conflict noted."""
    here = Path(__file__).parent / "tryouts"
    munich = _facts((here / "mueller-muenchen-1001.ubl.xml").read_bytes())
    hamburg = _facts((here / "mueller-hamburg-1001.ubl.xml").read_bytes())
    assert munich.seller is not None
    assert hamburg.seller is not None
    assert party_relation(munich.seller, hamburg.seller) == (False, True)
    first = _facts(_invoice("Müller GmbH", ("VAT", VAT_ALPHA), ("LEGAL", "HRB 12345")))
    second = _facts(_invoice("Müller GmbH", ("VAT", VAT_BETA), ("LEGAL", "HRB 12345")))
    assert first.seller is not None
    assert second.seller is not None
    assert party_relation(first.seller, second.seller) == (False, True)
    # a Danish CVR number (one national register) shared beside two VAT ids: one party
    danes = [
        _facts(_invoice("Dansk A/S", ("VAT", vat), ("LEGAL", "13585628"), country="DK"))
        for vat in ("DK13585628", "DK18296799")
    ]
    assert danes[0].seller is not None
    assert danes[1].seller is not None
    assert party_relation(danes[0].seller, danes[1].seller) == (True, True)
