"""A control character in an identifier is refused, a 422 naming the field; free text keeps it.

A tryout registered a JSON form whose ``documentNumber`` held a NUL (U+0000) without a word.
The rule (``ledger.controls``): a document number, a party's name or identifier, a reference, a
financing's reference, a member's legal id and a search criterion hold no control character
(category Cc); in XML a tab, line feed or carriage return is layout and stays allowed. An
invoice's notes are free text: never refused. Reading (verify) is unchanged.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import MATURITY, lodge, unique_file, xml
from lifecycle import World, invoice
from test_strict_forms import _set, form, registering_sends
from test_strict_input import head, refused, send, world

__all__ = ["world"]

FORM_FIELDS = (
    "documentNumber",
    "issuer.id",
    "issuer.name",
    "consignee.ids[0].id",
)
CONTROLS = ("\x00", "\x1f", "\t", "\n", "\x7f", "\x85")


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_control_character_in_a_json_form_number_is_refused_on_every_registering_route(
    world: World, control: str
) -> None:
    body = form(documentNumber=f"CC{control}1")
    for prefix, url, kwargs in registering_sends(world, body):
        before = head(world)
        details = refused(send(world, "enterprise", url, **kwargs), prefix + "documentNumber")
        assert f"control character (U+{ord(control):04X})" in details["rule"], (url, details)
        assert head(world) == before, url


@pytest.mark.parametrize("path", FORM_FIELDS)
def test_a_nul_in_any_identifier_of_a_json_form_is_refused_naming_it(
    world: World, path: str
) -> None:
    body = form()
    written: Any = body
    for part in path.replace("[", ".").replace("]", "").split("."):
        written = written[int(part)] if part.isdigit() else written[part]
    bad = _set(body, path, f"{written[:4]}\x00{written[4:]}")
    before = head(world)
    details = refused(send(world, "enterprise", "/v1/documents/json", json=bad), path)
    assert "U+0000" in details["rule"], details
    assert head(world) == before


@pytest.mark.parametrize(
    ("written", "field"),
    [
        (b"<cbc:ID>CC\x7fUBL-1</cbc:ID>", "cbc:ID"),
        (b"<cbc:ID>CC&#x85;UBL-2</cbc:ID>", "cbc:ID"),
        (b"<cbc:RegistrationName>Seller\x7fCompany</cbc:RegistrationName>", "seller.name"),
    ],
)
def test_a_control_character_in_an_xml_invoice_identifier_is_refused(
    world: World, written: bytes, field: str
) -> None:
    number = f"CC-XML-{abs(hash(written)) % 10_000}"
    data = invoice(number, "4321.00")
    if field == "cbc:ID":
        data = data.replace(f"<cbc:ID>{number}</cbc:ID>".encode(), written, 1)
    else:
        data = data.replace(b"<cbc:RegistrationName>SellerCompany</cbc:RegistrationName>", written)
    before = head(world)
    answer = send(world, "enterprise", "/v1/documents", files=xml(data))
    details = refused(answer, field)
    assert "control character" in details["rule"], details
    assert head(world) == before
    # reading is unchanged: the same file is verified (not registered), not refused
    read = send(world, "bank", "/v1/documents/verify", files=xml(data))
    assert read.status_code == 200, read.text


def test_an_invoice_with_control_characters_in_its_notes_registers(world: World) -> None:
    data = invoice("CC-NOTE-1", "4322.00").replace(
        b"<cbc:Note>Ordered through our website</cbc:Note>",
        b"<cbc:Note>Ordered\x7f through &#x85;our\tweb&#x9f;site</cbc:Note>",
        1,
    )
    answer = send(world, "enterprise", "/v1/documents", files=xml(data))
    assert answer.status_code == 201, answer.text


def test_layout_whitespace_in_an_xml_number_is_not_refused(world: World) -> None:
    data = invoice("CC-LAYOUT-1", "4323.00").replace(
        b"<cbc:ID>CC-LAYOUT-1</cbc:ID>", b"<cbc:ID>\n   CC-LAYOUT\t2\n  </cbc:ID>", 1
    )
    answer = send(world, "enterprise", "/v1/documents", files=xml(data))
    assert answer.status_code == 201, answer.text


def test_a_control_character_in_a_financing_reference_is_refused(world: World) -> None:
    doc = lodge(world.client, world.net.bank, invoice("CC-FIN-1", "4324.00"))["doc_hash"]
    for reference in ("ref\x00", "re\x1bf", "ref\n"):
        body = {
            "documents": [{"doc_hash": doc, "amount": 100_000}],
            "currency": "DKK",
            "kind": "invoice_financing",
            "maturity": MATURITY,
            "reference": reference,
        }
        before = head(world)
        details = refused(send(world, "bank", "/v1/financings", json=body), "reference")
        assert "control character" in details["rule"], details
        assert head(world) == before


def test_a_control_character_in_a_member_legal_id_is_refused(world: World) -> None:
    body = {"name": "Control Bank", "role": "bank", "legal_id": "5299\x0000T8BM49AURSDO55"}
    before = head(world)
    details = refused(send(world, "admin", "/v1/members", json=body), "legal_id")
    assert "U+0000" in details["rule"], details
    assert head(world) == before


@pytest.mark.parametrize("param", ["invoice_number", "seller", "buyer"])
def test_a_control_character_in_a_search_criterion_is_refused(world: World, param: str) -> None:
    who = world.who("bank").headers
    answer = world.client.get(f"/v1/documents/lodged?{param}=INV%001", headers=who)
    details = refused(answer, param)
    assert "U+0000" in details["rule"], details


def test_a_control_character_in_attestation_evidence_is_refused(world: World) -> None:
    """The evidence text is hashed as sent: a reference nobody could hash again from the record
    as people read it."""
    doc = world.ok("POST", "/v1/documents", world.who("enterprise"), files=unique_file("att"))
    url = f"/v1/documents/{doc['doc_hash']}/attest"
    before = head(world)
    details = refused(send(world, "attestor", url, json={"evidence": "MRN\x0024DK1"}), "evidence")
    assert "U+0000" in details["rule"], details
    assert head(world) == before
    ok = send(world, "attestor", url, json={"evidence": "MRN 24DK000123"})
    assert ok.status_code in (200, 201), ok.text


#: what shows nothing: zero-width space, word joiner, byte-order mark, soft hyphen, ZWJ
INVISIBLES = ("\u200b", "\u2060", "\ufeff", "\u00ad", "\u200d")
#: what reorders what a reader sees (Trojan Source): RLO, LRE, PDF, RLI, PDI
BIDI = ("\u202e", "\u202a", "\u202c", "\u2067", "\u2069")


@pytest.mark.parametrize("mark", BIDI, ids=lambda c: f"U+{ord(c):04X}")
def test_a_bidirectional_control_in_an_identifier_is_refused(world: World, mark: str) -> None:
    """``INV-\u202e123`` shows as ``INV-321``: a number that reads as another."""
    body = form(documentNumber=f"BIDI-{mark}123")
    for prefix, url, kwargs in registering_sends(world, body):
        before = head(world)
        details = refused(send(world, "enterprise", url, **kwargs), prefix + "documentNumber")
        assert f"bidirectional control (U+{ord(mark):04X})" in details["rule"], (url, details)
        assert head(world) == before, url
    data = invoice("BIDI-XML-1", "4325.00").replace(
        b"<cbc:ID>BIDI-XML-1</cbc:ID>", f"<cbc:ID>BIDI-{mark}XML-1</cbc:ID>".encode(), 1
    )
    refused(send(world, "enterprise", "/v1/documents", files=xml(data)), "cbc:ID")


@pytest.mark.parametrize("blank", INVISIBLES, ids=lambda c: f"U+{ord(c):04X}")
def test_a_value_made_only_of_invisible_characters_is_refused(world: World, blank: str) -> None:
    """An attestation whose evidence is a zero-width space vouched for nothing and was
    accepted (a tryout); so was such a financing reference and such a document number."""
    doc = world.ok("POST", "/v1/documents", world.who("enterprise"), files=unique_file("inv"))
    url = f"/v1/documents/{doc['doc_hash']}/attest"
    before = head(world)
    details = refused(send(world, "attestor", url, json={"evidence": blank}), "evidence")
    assert "show nothing" in details["rule"], details
    details = refused(
        send(world, "attestor", url, json={"evidence": f" {blank}{blank} "}), "evidence"
    )
    assert head(world) == before
    lodged = lodge(world.client, world.net.bank, invoice(f"INVIS-{ord(blank)}", "4326.00"))
    body = {
        "documents": [{"doc_hash": lodged["doc_hash"], "amount": 100_000}],
        "currency": "DKK",
        "kind": "invoice_financing",
        "maturity": MATURITY,
        "reference": blank,
    }
    details = refused(send(world, "bank", "/v1/financings", json=body), "reference")
    assert "show nothing" in details["rule"], details
    number = form(documentNumber=blank)
    refused(send(world, "enterprise", "/v1/documents/json", json=number), "documentNumber")
    assert head(world) == before


def test_invisible_characters_inside_a_value_are_kept(world: World) -> None:
    """Inside a value they are not refused: a number with a zero-width space registers (its
    fingerprints are those of the number without it: docs/documents.md)."""
    answer = send(world, "enterprise", "/v1/documents/json", json=form(documentNumber="ZW\u200b1"))
    assert answer.status_code == 201, answer.text
    ok = send(
        world,
        "attestor",
        f"/v1/documents/{answer.json()['doc_hash']}/attest",
        json={"evidence": "MRN\u200b 24DK000124"},
    )
    assert ok.status_code in (200, 201), ok.text
