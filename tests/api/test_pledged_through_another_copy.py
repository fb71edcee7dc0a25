"""Nobody entitled to know it reads "not financed" for an invoice a financing locks.

The tryout: the same invoice exists as UBL and as CII (different bytes, the same facts, so the
same fingerprints). A bank financed the CII copy. For the UBL copy the registrant and the
regulator read ``is_financed: false`` ("this exact document", by design) and
``financeable_amount`` = the full amount, which reads as headroom. Now the document view, the
check and the registration answer say ``invoice_pledged: true`` and ``financing_headroom: 0`` to
those who may learn it — the registrant that reads the financing (it registered the pledged
copy), the regulator, a bank (the lock is public) — and ``null`` to those who may not: another
enterprise (a forged copy must not learn that the original is financed), an attestor, the
operator (docs/privacy.md).

Real HTTP app, real chain, on both backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import CII, UBL, check, client_fixture, finance, lodge, xml
from fastapi.testclient import TestClient

from ledger.services import members as member_svc
from ledger.services.roles import Role

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

FACE = 467_500  # DKK 4,675.00, the demo invoice's amount due (BT-115)
#: the UBL copy with other bytes (a comment): another hash, the same facts
FORGED = UBL.replace(b"?>", b"?><!-- a copy -->", 1)


def _register(client: TestClient, who: Any, data: bytes) -> dict[str, Any]:
    answer = client.post("/v1/documents", files=xml(data), headers=who.headers)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _view(client: TestClient, who: Any, doc_hash: str) -> dict[str, Any]:
    answer = client.get(f"/v1/documents/{doc_hash}", headers=who.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_an_invoice_financed_as_cii_reads_pledged_as_ubl_to_those_who_may_know(
    client: TestClient, network: Network
) -> None:
    other = member_svc.add_member(
        network.ledger, network.admin.address, "Other Exporter", Role.ENTERPRISE
    )
    stranger = _Key(other.member.address, other.api_key)
    ubl = _register(client, network.enterprise, UBL)
    cii = _register(client, network.enterprise, CII)
    forged = _register(client, stranger, FORGED)
    # before any financing: nobody reads "pledged", the headroom is the whole amount for
    # those who may know
    before = _view(client, network.enterprise, ubl["doc_hash"])
    assert (before["is_financed"], before["invoice_pledged"]) == (False, None)
    assert _view(client, network.regulator, ubl["doc_hash"])["invoice_pledged"] in (False, None)
    assert check(client, network.bank_b, UBL)["financing_headroom"] == FACE

    lodged = lodge(client, network.bank, CII)
    assert lodged["doc_hash"] == cii["doc_hash"]
    financed = finance(client, network.bank, cii["doc_hash"])
    assert financed.status_code == 201, financed.text

    # the document view of the UBL copy
    for who in (network.enterprise, network.regulator):
        view = _view(client, who, ubl["doc_hash"])
        assert view["is_financed"] is False, who.name  # this exact document: by design
        assert view["invoice_pledged"] is True, who.name
        assert view["held"]["financeable_amount"] == FACE
        assert view["held"]["financing_headroom"] == 0, who.name
        assert view["held"]["invoice_pledged"] is True
    # the check of the UBL file, and its registration answer as seen through verify's copy
    for who in (network.enterprise, network.regulator, network.bank_b):
        checked = check(client, who, UBL)
        assert checked["registration"]["invoice_pledged"] is True, who.name
        assert (checked["invoice_pledged"], checked["financing_headroom"]) == (True, 0), who.name
        assert checked["financeable_amount"] == FACE
    # a registration of yet another copy by the registrant says so at once
    again = _register(client, network.enterprise, UBL.replace(b"?>", b"?><!-- mine -->", 1))
    assert again["invoice_pledged"] is True

    # those who may not learn it read null, never true and never false
    for who in (stranger, network.attestor):
        checked = check(client, who, UBL)
        assert checked["invoice_pledged"] is None, who
        assert checked["financing_headroom"] is None, who
        assert checked["financeable_amount"] == FACE  # the invoice's value: its own facts
    own = _view(client, stranger, forged["doc_hash"])
    # an active financing it cannot open exists (the CII one): it could pledge anything, so
    # the forger's registrant cannot be told "not financed"
    assert (own["is_financed"], own["invoice_pledged"]) == (None, None)
    assert own["held"]["financing_headroom"] is None
    assert check(client, stranger, FORGED)["registration"]["invoice_pledged"] is None
    assert _view(client, network.admin, ubl["doc_hash"])["invoice_pledged"] is None


def test_a_copy_financed_at_another_bank_reads_pledged_once_its_terms_are_shared(
    client: TestClient, network: Network
) -> None:
    """Tryout 85: one bank financed the UBL (sealed to the enterprise, its seller) and closed;
    another financed the CII copy — registered by nobody, so sealed to nobody — and shared its
    terms with the enterprise. The enterprise read ``invoice_pledged: null`` of its UBL while
    the exposure, from the same index, named it that financing's borrower: the two financings
    it reads lock one fingerprint. It now reads ``true``, with the financing and the copy
    named; before the share, and for those who read neither, it stays ``null``."""
    ubl = _register(client, network.enterprise, UBL)["doc_hash"]
    assert lodge(client, network.bank, UBL)["doc_hash"] == ubl
    first = finance(client, network.bank, ubl)
    assert first.status_code == 201, first.text
    closed = client.post(
        f"/v1/financings/{first.json()['financing_id']}/close", headers=network.bank.headers
    )
    assert closed.status_code == 200, closed.text
    cii = lodge(client, network.bank_b, CII)["doc_hash"]
    second = finance(client, network.bank_b, cii)
    assert second.status_code == 201, second.text
    fid = second.json()["financing_id"]
    # not sealed to it (the CII has no registrant), not shared yet: not the enterprise's to know
    assert _view(client, network.enterprise, ubl)["invoice_pledged"] is None
    shared = client.post(
        f"/v1/financings/{fid}/share",
        json={"reader": network.enterprise.address},
        headers=network.bank_b.headers,
    )
    assert shared.status_code == 200, shared.text
    view = _view(client, network.enterprise, ubl)
    assert view["is_financed"] is False  # this exact document: by design
    assert view["invoice_pledged"] is True, view
    assert view["held"]["financing_headroom"] == 0, view["held"]
    pledged = [n for n in view["held"]["notices"] if n["kind"] == "invoice_pledged"]
    assert [(n["financings"], n["documents"]) for n in pledged] == [([fid], [cii])], view
    assert f"through document {cii}, a copy" in pledged[0]["message"], pledged
    checked = check(client, network.enterprise, UBL)
    assert (checked["invoice_pledged"], checked["financing_headroom"]) == (True, 0), checked
    # who reads neither financing learns nothing
    assert check(client, network.attestor, UBL)["invoice_pledged"] is None
    assert _view(client, network.admin, ubl)["invoice_pledged"] is None


class _Key:
    """A member added in the test, with its API key (as the fixture's participants)."""

    def __init__(self, address: str, api_key: str) -> None:
        self.address = address
        self.name = "Other Exporter"
        self.headers = {"Authorization": f"Bearer {api_key}"}

    def __repr__(self) -> str:
        return self.name
