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
