"""An enterprise's own exposure counts the financings shared with it (docs/audit.md, "Exposure
by enterprise": "those of documents it registered when it is shown to be the invoice's seller,
or the bank shared them"). A tryout: the seller registered the UBL invoice, Bank B financed the
same invoice as CII (a hash nobody registered) and shared the terms with the seller; the seller
read the financing at ``GET /v1/financings`` but its own exposure was empty, while the
regulator's attributed the financing to it. Real embedded chain, the gateway app."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from tests.api.api_helpers import CII, UBL, client_fixture, finance, lodge, register, xml

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]


def _exposure(client: TestClient, who: Participant) -> list[dict[str, Any]]:
    read = client.get("/v1/audit/exposure?by=enterprise", headers=who.headers)
    assert read.status_code == 200, read.text
    items: list[dict[str, Any]] = read.json()["items"]
    return items


def test_the_seller_counts_a_financing_shared_with_it(client: TestClient, network: Network) -> None:
    seller = network.enterprise  # its legal id is the sample invoices' seller VAT id
    register(client, seller, xml(UBL))
    cii = lodge(client, network.bank_b, CII)["doc_hash"]
    made = finance(client, network.bank_b, cii, amount=467_500)
    assert made.status_code == 201, made.text
    fid = made.json()["financing_id"]
    assert _exposure(client, seller) == []  # not shared: confidential to the seller
    shared = client.post(
        f"/v1/financings/{fid}/share",
        json={"reader": seller.address},
        headers=network.bank_b.headers,
    )
    assert shared.status_code == 200, shared.text
    regulator = _exposure(client, network.regulator)
    [theirs] = [r for r in regulator if r["member"] == seller.address]
    deadline = time.monotonic() + 15  # the index folds the share in a moment (bounded)
    own = _exposure(client, seller)
    while not own and time.monotonic() < deadline:
        time.sleep(0.2)
        own = _exposure(client, seller)
    [mine] = own
    assert mine["member"] == seller.address
    assert (mine["financings"], mine["financed"]) == (theirs["financings"], theirs["financed"])
