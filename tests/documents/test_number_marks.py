"""An invoice re-typed with a letter in its number and its buyer changed or left out.

Every mark a financing carried named the buyer, and no fingerprint survives a new number. A
tryout (2026-12-05) financed the EN 16931 example invoice 12115118 (250.33 EUR) at Bank A, then
at Bank B twice more without a word: as ``12115118-B`` with the buyer's customer number
re-typed (``10202`` → ``10203``), and as a JSON form ``INV-12115118`` that names the seller by
its KvK number and no buyer. ``mark_number`` (docs/fingerprints.md, marks) is over the seller
(one per key identifier), the digits of the number, the currency and the amount due — no
buyer, no date — so Bank B's check of either is a ``reissue`` suspicion naming Bank A's
financing, which its financing must acknowledge.

The invoice is the corpus's ``ubl/ubl-tc434-example1.xml`` (EUPL v1.2, tests/data/einvoices),
given a number and a buyer of its own per test so that no other test's financing carries its
marks."""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING, Any

import pytest
from documents_support import corpus_bytes, field_bytes

from ledger.documents import read_document
from ledger.documents.marks import (
    MAX_FINANCING_MARKS,
    MIN_NUMBER_DIGITS,
    MarkKind,
    all_digits,
    item_key,
    mark_inputs,
    number_digits,
    within_limit,
)
from ledger.documents.partynames import base_name, sounds_like
from tests.api.api_helpers import MATURITY, client_fixture, lodge, xml

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Network

__all__ = ["client_fixture"]

EXAMPLE = "ubl/ubl-tc434-example1.xml"
#: the seller's KvK number (BT-30 of the example): a JSON form may name it by ICD 0106
KVK = "57151520"


def _invoice(number: str, buyer: str) -> bytes:
    """The example invoice numbered ``number`` (BT-1), its buyer's identifier (BT-46)
    ``buyer``."""
    data = corpus_bytes(EXAMPLE)
    data = data.replace(b"<cbc:ID>12115118</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1)
    return data.replace(b"<cbc:ID>10202</cbc:ID>", f"<cbc:ID>{buyer}</cbc:ID>".encode(), 1)


#: the seller as a JSON form names it by its KvK number (ICD 0106)
BY_KVK = {"id": KVK, "scheme": "0106", "country": "NL", "name": "De Koksmaat B.V."}


def _json_form(
    number: str,
    amount: str = "250.33",
    issuer: dict[str, str] = BY_KVK,
    issued: str = "2015-01-09",
) -> bytes:
    """The invoice as a JSON form naming the seller by ``issuer`` (its KvK number; its name,
    perhaps beside an identifier that fails its check), no buyer."""
    form = {
        "documentType": "Invoice",
        "documentNumber": number,
        "issueDate": issued,
        "issuer": issuer,
        "totalAmount": {"value": amount, "currency": "EUR"},
    }
    return json.dumps(form).encode()


#: the example's seller as it names itself (BT-27, cac:PartyLegalEntity/cbc:RegistrationName)
SELLER_NAME = "De Koksmaat"
#: forms of the seller a tryout (2026-12-05) financed at a second bank unseen: by name alone,
#: and by an identifier that fails its check (the KvK number with a leading zero, as ICD 0106)
NAMED_ONLY = [
    {"name": SELLER_NAME, "country": "NL"},
    {"id": "057151520", "scheme": "0106", "name": SELLER_NAME, "country": "NL"},
]


def _finance(client: TestClient, bank: Any, doc_hash: str, **extra: Any) -> Any:
    body = {
        "documents": [{"doc_hash": doc_hash, "amount": 20_000}],
        "currency": "EUR",
        "kind": "invoice_financing",
        "maturity": MATURITY,
        **extra,
    }
    return client.post("/v1/financings", json=body, headers=bank.headers)


# -- the mark itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("12115118", "12115118"),
        ("12115118-B", "12115118"),
        ("INV-12115118", "12115118"),
        ("INV12115118B", "12115118"),
        ("FV 01/12/2023", "1-12-2023"),
        ("FV 1/12/2023", "1-12-2023"),
        ("FV 11/2/2023", "11-2-2023"),  # the field cases' other invoice: other digits
        ("00042", "42"),  # five digits written: enough, compared without the zeros
        # a year, a short suffix or a prefix beside a long serial number is passed over (a
        # tryout financed 12115118/2015 beside 12115118 unseen)
        ("12115118/2015", "12115118"),
        ("12115118/15", "12115118"),
        ("12115118-1", "12115118"),
        ("FY24 12115118", "12115118"),
        ("2015-012115118", "12115118"),
        ("4500012345 / 900001234", "4500012345-900001234"),  # two serials: both kept
        ("INV-2023-0042", "2023-42"),  # no long run: every run counts
        ("2024-12345", "2024-12345"),
        ("A-7", None),
        ("INV", None),
    ],
)
def test_number_digits(number: str, digits: str | None) -> None:
    assert number_digits(number) == digits


def test_the_field_cases_two_invoices_of_one_seller_share_no_number_mark() -> None:
    """``FV 1/12/2023`` and ``FV 11/2/2023`` (tests/documents/fieldcases/number-collision) are
    two invoices: the same amount due would not make them meet on their digits."""
    marks = []
    for name in ("a-FV-1-12-2023.xml", "b-FV-11-2-2023.xml"):
        data = field_bytes(f"number-collision/{name}")
        facts = read_document(data).facts
        assert facts is not None
        same_amount = facts.__class__.create(
            facts.doc_type,
            facts.number,
            issue_date=facts.issue_date,
            seller=facts.seller,
            buyer=facts.buyer,
            amount_minor=100_000,
            currency=facts.currency,
        )
        numbered = (MarkKind.NUMBER, MarkKind.DIGITS)
        marks.append({m.oprf_input() for m in mark_inputs(same_amount) if m.kind in numbered})
    assert marks[0]
    assert marks[1]
    assert not marks[0] & marks[1]


def test_few_digits_make_no_number_mark() -> None:
    assert number_digits("1" * (MIN_NUMBER_DIGITS - 1)) is None
    assert number_digits("1" * MIN_NUMBER_DIGITS) == "1" * MIN_NUMBER_DIGITS


def _kinds(data: bytes) -> list[MarkKind]:
    return [m.kind for m in mark_inputs(read_document(data).facts)]


def _met(original: bytes, copy: bytes) -> set[MarkKind]:
    """The kinds of the marks ``copy`` looks for that a financing of ``original`` carries."""
    carried = {m.oprf_input() for m in mark_inputs(read_document(original).facts) if m.carried}
    looked = [m for m in mark_inputs(read_document(copy).facts) if m.looked_for]
    return {m.kind for m in looked if m.oprf_input() in carried}


def test_an_invoice_without_a_buyer_carries_only_its_number_and_seller_amount_marks() -> None:
    kinds = _kinds(_json_form("INV-12115118"))
    # mark_number by the KvK number, as the ICD 0106 id the form writes and as the legal
    # registration it is, and by the seller's name; mark_digits by the first and the name;
    # mark_seller_amount by the first and the name, each as an invoice with lines and without
    assert kinds == [MarkKind.NUMBER] * 3 + [MarkKind.DIGITS] * 2 + [MarkKind.SELLER_AMOUNT] * 4


def test_one_number_mark_per_seller_identifier_and_they_meet_across_forms() -> None:
    ubl = list(mark_inputs(read_document(_invoice("12115118", "10202")).facts))
    form = list(mark_inputs(read_document(_json_form("INV-12115118")).facts))
    ubl_numbers = {m.oprf_input() for m in ubl if m.kind is MarkKind.NUMBER}
    form_numbers = {m.oprf_input() for m in form if m.kind is MarkKind.NUMBER}
    assert len(ubl_numbers) == 3  # its VAT id, its KvK number (BT-30) and its name
    assert ubl_numbers & form_numbers  # they meet on the KvK number
    # the same number mark whatever the buyer and the letters of the number
    other = list(mark_inputs(read_document(_invoice("12115118-B", "10203")).facts))
    assert {m.oprf_input() for m in other if m.kind is MarkKind.NUMBER} == ubl_numbers
    # another amount, or other digits: another mark
    dearer = list(mark_inputs(read_document(_json_form("INV-12115118", "250.34")).facts))
    assert not {m.oprf_input() for m in dearer} & ubl_numbers
    renumbered = list(mark_inputs(read_document(_json_form("INV-12115119")).facts))
    assert not {m.oprf_input() for m in renumbered} & ubl_numbers


@pytest.mark.parametrize("issuer", NAMED_ONLY)
def test_a_copy_naming_the_seller_by_name_meets_on_the_name_mark(issuer: dict[str, str]) -> None:
    ubl = list(mark_inputs(read_document(_invoice("12115118", "10202")).facts))
    form = list(mark_inputs(read_document(_json_form("12115118", issuer=issuer)).facts))
    assert {m.kind for m in form} == {MarkKind.NUMBER, MarkKind.DIGITS, MarkKind.SELLER_AMOUNT}
    assert {m.oprf_input() for m in ubl} & {m.oprf_input() for m in form}


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("De Koksmaat", "DE KOKSMAAT"),
        ("de koksmaat b.v.", "DE KOKSMAAT"),
        ("De Koksmaat BV", "DE KOKSMAAT"),
        ("De Koksmaat B. V.", "DE KOKSMAAT"),
        ("Dé Koksmaat", "DE KOKSMAAT"),
        ("DE KOKSMAAT, B.V.", "DE KOKSMAAT"),
        ("Müller GmbH & Co. KG", "MULLER"),
        ("NV Bekaert", "BEKAERT"),
        ("Nordic Foods AS", "FOODS NORDIC"),  # words in alphabetical order
        ("Ltd", "LTD"),  # a legal form alone is kept
        ("Koksmaat, De", "DE KOKSMAAT"),  # its words in another order (tryout 39)
        ("Daddy & Sons, Ltd.", "DADDY SONS"),
    ],
)
def test_a_sellers_base_name(name: str, base: str) -> None:
    assert base_name(name) == base


def test_a_name_misspelt_as_it_sounds_is_the_same_name_and_another_is_not() -> None:
    koksmaat = sounds_like("De Koksmaat")
    assert koksmaat == "KKSMT T"
    for spelling in ("De Kooksmaat", "DE KOKSMAT B.V.", "Koksmaat, De", "De Koksmaatt"):
        assert sounds_like(spelling) == koksmaat, spelling
    for other in ("Tulpen Handel", "De Kok", "Koksmaat Zuid", "Kaasmaat"):
        assert sounds_like(other) != koksmaat, other
    assert sounds_like("Firma 24 GmbH") == "24 FRM"  # a word with a digit is kept
    assert sounds_like("株式会社 東京") == base_name("株式会社 東京")  # another script: kept


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("12115118", "12115118"),
        ("12 115 118", "12115118"),
        ("1211-5118", "12115118"),
        ("INV 0012.115.118", "12115118"),
        ("1234 012 118", "1234012118"),  # a group's leading zero is a digit of the number
        ("١٢١١٥١١٨", "12115118"),  # Arabic-Indic digits
        ("FV 1/12/2023", "1122023"),  # as FV 11/2/2023: their issue dates tell them apart
        ("A-7", None),
        ("OWN-0a0b12cdef", "12"),  # four digits written, as number_digits counts them
    ],
)
def test_all_digits(number: str, digits: str | None) -> None:
    assert all_digits(number) == digits


#: a tryout (2026-12-05) financed the example invoice again at a second bank unseen: its
#: number regrouped (the buyer re-typed), or the seller named otherwise (no buyer)
REGROUPED = ["12 115 118", "1211-5118", "121 151 18"]
SPELLINGS = [
    "de koksmaat b.v.",
    "De Koksmaat BV",
    "Dé Koksmaat",
    "DE KOKSMAAT B. V.",
    "Koksmaat, De",
    "De Kooksmaat",  # misspelt as it sounds (tryout 39)
    "de koksmat bv",
]


@pytest.mark.parametrize(
    ("serial", "number"),
    [
        *[("12115118", n) for n in REGROUPED],
        ("120105118", "1201 05118"),  # a group led by a zero (the normalised number drops it)
        ("120105118", "1201-0-5118"),
    ],
)
def test_a_regrouped_number_meets_on_mark_digits(serial: str, number: str) -> None:
    shared = _met(_invoice(serial, "10202"), _invoice(number, "10203"))
    # the lines too (mark_reissue names no buyer); of the number marks, mark_digits alone;
    # not mark_seller_amount: two invoices that state their lines are compared by them
    assert shared == {MarkKind.DIGITS, MarkKind.REISSUE}


def test_the_field_cases_two_invoices_run_together_alike_but_share_no_digits_mark() -> None:
    """``FV 1/12/2023`` and ``FV 11/2/2023`` both run together as ``1122023``; their issue
    dates (1 December, 11 February) keep them apart."""
    marks = []
    for name in ("a-FV-1-12-2023.xml", "b-FV-11-2-2023.xml"):
        facts = read_document(field_bytes(f"number-collision/{name}")).facts
        assert facts is not None
        marks.append({m.oprf_input() for m in mark_inputs(facts) if m.kind is MarkKind.DIGITS})
    assert marks[0]
    assert marks[1]
    assert not marks[0] & marks[1]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_another_spelling_of_the_sellers_name_meets(spelling: str) -> None:
    form = _json_form("12115118", issuer={"name": spelling})
    met = _met(_invoice("12115118", "10202"), form)
    assert met == {MarkKind.NUMBER, MarkKind.DIGITS, MarkKind.SELLER_AMOUNT}


def test_a_financing_of_many_documents_keeps_each_ones_first_marks_within_the_limit() -> None:
    ranked = [
        MarkKind.REISSUE,
        MarkKind.SPLIT,
        MarkKind.ORDER,
        MarkKind.AMOUNT,
        MarkKind.NUMBER,
        MarkKind.NUMBER,
    ]
    documents = [[(d, k, i) for i, k in enumerate(ranked)] for d in range(16)]
    kept = within_limit(documents, lambda m: m[1])
    assert len(kept) == MAX_FINANCING_MARKS
    for d in range(16):  # 4 each: re-issue, amount, the first number mark, split
        mine = [m for m in kept if m[0] == d]
        assert [m[1] for m in mine] == [
            MarkKind.REISSUE,
            MarkKind.SPLIT,
            MarkKind.AMOUNT,
            MarkKind.NUMBER,
        ]
        assert [m[2] for m in mine] == [0, 1, 3, 4]  # the first number mark, not the second
    few = documents[:3]
    assert within_limit(few, lambda m: m[1]) == [m for d in few for m in d]  # all fit


def test_the_mark_limit_is_the_contracts(network: Network) -> None:
    assert int(network.ledger.calls.functions.MAX_FINANCING_MARKS().call()) == MAX_FINANCING_MARKS


# -- across banks, through the API ---------------------------------------------------------------


def _financed_at_a(client: TestClient, network: Network) -> tuple[str, str, int]:
    """A new number and buyer, the invoice lodged and financed at Bank A: (number, buyer,
    financing id)."""
    tag = random.randrange(10**6, 10**7)
    number, buyer = f"{tag}118", f"B{tag}"
    original = lodge(client, network.bank, _invoice(number, buyer))
    made = _finance(client, network.bank, original["doc_hash"])
    assert made.status_code == 201, made.text
    assert made.json()["suspicions"] == []
    return number, buyer, int(made.json()["financing_id"])


def _checked(client: TestClient, bank: Any, form: bytes) -> dict[str, Any]:
    """``POST /v1/documents/check`` of the JSON form ``form`` as ``bank``: its answer."""
    answer = client.post(
        "/v1/documents/check",
        files={"file": ("invoice.json", form, "application/json")},
        headers=bank.headers,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _named_by(body: dict[str, Any], financing: int) -> dict[str, Any]:
    """The check's ``reissue`` suspicion naming ``financing`` (by whichever mark)."""
    assert body["suspicious"] is True, body
    (suspicion,) = [s for s in body["suspicions"] if financing in s["financings"]]
    assert suspicion["kind"] == "reissue"
    assert suspicion["documents"] == []
    return suspicion


def _suspected_by(body: dict[str, Any], financing: int) -> dict[str, Any]:
    assert body["suspicious"] is True, body
    (suspicion,) = [s for s in body["suspicions"] if financing in s["financings"]]
    assert suspicion["kind"] == "reissue"
    assert suspicion["documents"] == []
    assert "number_digits" in suspicion["matching_facts"]
    assert any("same digits in its number" in r for r in suspicion["reasons"])
    return suspicion


@pytest.mark.backend
def test_a_suffixed_number_with_the_buyer_retyped_is_suspicious_at_another_bank(
    client: TestClient, network: Network
) -> None:
    number, buyer, financing_a = _financed_at_a(client, network)
    copy = _invoice(f"{number}-B", buyer.replace("B", "C"))

    checked = client.post("/v1/documents/check", files=xml(copy), headers=network.bank_b.headers)
    assert checked.status_code == 200, checked.text
    # found first by its lines (mark_reissue names no buyer), which it kept; its number
    # marks alone: tests above and test_a_json_form_with_a_prefixed_number_...
    _named_by(checked.json(), financing_a)

    lodged = lodge(client, network.bank_b, copy)
    before = int(network.ledger.calls.functions.financingCount().call())
    refused = _finance(client, network.bank_b, lodged["doc_hash"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged"
    assert int(network.ledger.calls.functions.financingCount().call()) == before
    made = _finance(client, network.bank_b, lodged["doc_hash"], acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    assert [s["financings"] for s in made.json()["suspicions"]] == [[financing_a]]


@pytest.mark.backend
def test_a_json_form_with_a_prefixed_number_and_no_buyer_is_suspicious_at_another_bank(
    client: TestClient, network: Network
) -> None:
    number, _, financing_a = _financed_at_a(client, network)
    form = _json_form(f"INV-{number}")

    _suspected_by(_checked(client, network.bank_b, form), financing_a)
    # Bank A's own files do not find the form (no buyer): its own financing is named, or
    # Bank A would finance the invoice twice itself (tryout 37: one bank held three), and
    # named as its own (tryout 39 read "the invoice itself is that bank's to see")
    own = _suspected_by(_checked(client, network.bank, form), financing_a)
    assert any("your own financing" in r for r in own["reasons"])
    assert not any("that bank's to see" in r for r in own["reasons"])


@pytest.mark.backend
@pytest.mark.parametrize("added", ["/2015", "/15", "-1"])
def test_a_year_or_a_suffix_appended_to_the_number_is_suspicious_at_another_bank(
    client: TestClient, network: Network, added: str
) -> None:
    """A tryout (2026-12-05) financed ``12115118/2015`` beside ``12115118`` unseen."""
    number, _, financing_a = _financed_at_a(client, network)
    _suspected_by(_checked(client, network.bank_b, _json_form(f"{number}{added}")), financing_a)


#: how a test's serial number is regrouped, as the tryout regrouped 12115118
REGROUPINGS = {
    "spaced": lambda n: f"{n[:4]} {n[4:7]} {n[7:]}",
    "dashed": lambda n: f"{n[:5]}-{n[5:]}",
}


@pytest.mark.backend
@pytest.mark.parametrize("regrouping", sorted(REGROUPINGS))
def test_a_regrouped_number_with_the_buyer_retyped_is_suspicious_at_another_bank(
    client: TestClient, network: Network, regrouping: str
) -> None:
    """Tryout 37: ``12 115 118`` and ``1211-5118``, buyer ``10203``, financed unseen."""
    serial, buyer, financing_a = _financed_at_a(client, network)
    regrouped = REGROUPINGS[regrouping](serial)
    copy = _invoice(regrouped, buyer.replace("B", "C"))
    checked = client.post("/v1/documents/check", files=xml(copy), headers=network.bank_b.headers)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["suspicious"] is True, body
    # found first by its lines (mark_reissue names no buyer); mark_digits alone, for a copy
    # without lines: test_a_regrouped_number_meets_on_mark_digits
    _named_by(body, financing_a)
    lodged = lodge(client, network.bank_b, copy)
    refused = _finance(client, network.bank_b, lodged["doc_hash"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged"


@pytest.mark.backend
@pytest.mark.parametrize("spelling", SPELLINGS[:2])
def test_a_json_form_spelling_the_sellers_name_otherwise_is_suspicious_at_another_bank(
    client: TestClient, network: Network, spelling: str
) -> None:
    """Tryout 37: the seller named ``de koksmaat b.v.`` alone, financed unseen."""
    number, _, financing_a = _financed_at_a(client, network)
    form = _json_form(number, issuer={"name": spelling})
    _suspected_by(_checked(client, network.bank_b, form), financing_a)


@pytest.mark.backend
def test_a_reissue_with_the_buyer_retyped_is_suspicious_at_another_bank(
    client: TestClient, network: Network
) -> None:
    """Tryout 38: a new number, a new issue date and the buyer's customer number re-typed,
    every line and the amount kept, financed at a second bank unseen: ``mark_reissue`` named
    the buyer. It names none now."""
    number, buyer, financing_a = _financed_at_a(client, network)
    copy = _invoice(str(int(number) + 82), buyer.replace("B", "C")).replace(
        b"<cbc:IssueDate>2015-01-09</cbc:IssueDate>", b"<cbc:IssueDate>2015-01-20</cbc:IssueDate>"
    )
    assert b"2015-01-20" in copy
    checked = client.post("/v1/documents/check", files=xml(copy), headers=network.bank_b.headers)
    assert checked.status_code == 200, checked.text
    (suspicion,) = [s for s in checked.json()["suspicions"] if financing_a in s["financings"]]
    assert suspicion["kind"] == "reissue"
    assert suspicion["matching_facts"] == ["seller", "currency", "amount", "lines"]
    assert any("whatever its buyer" in r for r in suspicion["reasons"])


def test_an_item_respaced_keeps_the_reissue_mark() -> None:
    """Tryout 39: a re-issue whose item ``PATAT FRITES 10MM 10KG`` was re-typed ``PATAT
    FRITES 10 MM 10 KG`` met nothing."""
    original = _invoice("12115118", "10202")
    assert b"PATAT FRITES 10MM 10KG" in original
    respaced = _invoice("12115500", "10202").replace(
        b"PATAT FRITES 10MM 10KG", b"Patat-frites 10 mm 10 kg"
    )
    kept = {m.oprf_input() for m in mark_inputs(read_document(original).facts)}
    shared = {m.kind for m in mark_inputs(read_document(respaced).facts) if m.oprf_input() in kept}
    assert MarkKind.REISSUE in shared
    assert item_key("PATAT FRITES 10MM 10KG") == item_key("Patat-frites 10 mm 10 kg")


@pytest.mark.backend
def test_another_amount_or_other_digits_of_the_same_seller_are_not_suspected(
    client: TestClient, network: Network
) -> None:
    """Another amount, under its number or other digits. (Other digits for the same amount
    are suspected since tryouts 59 and 61, whatever the day: a JSON form names no buyer and
    states no lines, so the seller and the amount are what is left to compare:
    ``mark_seller_amount``.)"""
    number, _, financing_a = _financed_at_a(client, network)
    other = _json_form(f"INV-{int(number) + 1}", "250.35", issued="2015-01-10")
    for form in (_json_form(f"INV-{number}", "250.34"), other):
        checked = _checked(client, network.bank_b, form)
        found = [f for s in checked["suspicions"] for f in s["financings"]]
        assert financing_a not in found, checked["suspicions"]


@pytest.mark.backend
@pytest.mark.parametrize("issuer", NAMED_ONLY)
def test_a_json_form_naming_the_seller_by_name_alone_is_suspicious_at_another_bank(
    client: TestClient, network: Network, issuer: dict[str, str]
) -> None:
    number, _, financing_a = _financed_at_a(client, network)
    form = _json_form(number, issuer=issuer)
    _suspected_by(_checked(client, network.bank_b, form), financing_a)


@pytest.mark.backend
def test_a_later_carrier_cancelled_leaves_the_first_financing_named(
    client: TestClient, network: Network
) -> None:
    """A tryout (2026-12-05): Bank B financed a copy acknowledging the suspicion, then cancelled
    it, and the next copy met nothing: the chain kept only a mark's last carrier. Every carrier
    counts now, and the oldest active one is named."""
    number, buyer, financing_a = _financed_at_a(client, network)
    copy = _invoice(f"{number}-B", buyer.replace("B", "C"))
    lodged = lodge(client, network.bank_b, copy)
    made = _finance(client, network.bank_b, lodged["doc_hash"], acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    financing_b = int(made.json()["financing_id"])
    form = _json_form(f"INV-{number}")
    both = _checked(client, network.bank_b, form)
    assert financing_a in [f for s in both["suspicions"] for f in s["financings"]], both

    cancelled = client.post(
        f"/v1/financings/{financing_b}/cancel",
        json={"reason_code": 1},
        headers=network.bank_b.headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    _suspected_by(_checked(client, network.bank_b, form), financing_a)
