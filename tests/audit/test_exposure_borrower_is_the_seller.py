"""A registrant is not the borrower when a lodged file shows it is not the seller (a tryout's
fault, on a real embedded chain, through the service, the API and the CLI as a regulator).

Any member may register a file it holds. The tryout had a buyer enterprise register the seller's
invoice and a bank finance it: the regulator's exposure by enterprise named the BUYER as the
borrower (rule ``registrant``), and the buyer's own exposure showed the seller's financing as
its own once the bank shared it. The rule now (docs/audit.md, "Exposure by enterprise"): the
registrant — and the registrant of the same invoice in another form — is named only when no file
of the hash lodged here shows it not to be the seller (ledger/services/sellers.py: its legal id
is none of the seller's VAT id, LEI or ``<ICD>:<id>`` in the file).

The story, all ``tradeledger`` commands: "Seller Co" (legal id: the sample invoices' seller VAT)
and "Buyer Co" (another company's VAT id) are enterprises. Buyer Co registers a UBL invoice of
Seller Co's, a JSON-form invoice of "Far Away Ltd" (an LEI no member has), and the UBL form of
an invoice of a seller no member is (another VAT id); the bank lodges the first two as
registered and the third in its CII form (another hash, the same invoice), which its gateway
registers in the bank's name. Seller Co registers an invoice of its own. The bank finances each,
and shares the first financing with Buyer Co.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger.services import audit
from tests.api.api_helpers import own_invoice
from tests.audit.audit_world import World as SharedWorld
from tests.cli.cli_helpers import CII, UBL, Cli, served_api
from tests.conftest import SAMPLE_SELLER_VAT

BUYER_VAT = "DE136695976"  # a valid German VAT id: not the sample invoices' seller
FAR_AWAY_LEI = "5299001234ABCDEF0020"  # a valid LEI no member has as its legal id
OTHER_VAT = "DK20000007"  # a valid Danish VAT id no member has as its legal id
MATURITY = "2099-12-31"


def _form(number: str) -> bytes:
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": number,
            "issueDate": "2026-01-10",
            "issuer": {"id": FAR_AWAY_LEI, "scheme": "LEI", "name": "Far Away Ltd"},
            "consignee": {"id": "5790000436057", "scheme": "GLN", "name": "Buyercompany ltd"},
            "totalAmount": {"value": "900.00", "currency": "DKK"},
        }
    ).encode()


class World(SharedWorld):
    """The shared world with this story's writes."""

    def finance(self, key: str, amount: int) -> int:
        found = self.cli.json(
            "finance",
            "create",
            "--as",
            self.address("Bank"),
            "--doc",
            f"{self.docs[key]}={amount}",
            "--currency",
            "DKK",
            "--maturity",
            MATURITY,
            "--acknowledge-suspicions",
        )
        return int(found["financing_id"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("seller-borrows")
    w = World(Cli(tmp / "ledger"), tmp)
    w.members["admin"] = w.cli.json("init")["admin"]
    for name, role, legal_id in (
        ("Seller Co", "enterprise", SAMPLE_SELLER_VAT),
        ("Buyer Co", "enterprise", BUYER_VAT),
        ("Bank", "bank", ""),
        ("Regulator", "regulator", ""),
    ):
        w.members[name] = w.cli.json("member", "add", name, "--role", role, "--legal-id", legal_id)
    buyer, seller, bank = w.address("Buyer Co"), w.address("Seller Co"), w.address("Bank")

    def register(key: str, data: bytes, who: str) -> None:
        w.docs[key] = w.cli.json("doc", "register", w.file(f"{key}", data), "--as", who)["doc_hash"]

    # the buyer registers the seller's invoice; the bank lodges the same file
    bought = own_invoice("BOUGHT")
    register("bought", bought, buyer)
    w.cli.json("doc", "receive", w.file("bought-bank.xml", bought), "--as", bank)
    # the seller registers its own
    own = own_invoice("OWN")
    register("own", own, seller)
    w.cli.json("doc", "receive", w.file("own-bank.xml", own), "--as", bank)
    # the buyer registers a non-member's invoice; the bank lodges the same file
    register("far", _form("FA-1"), buyer)
    w.cli.json("doc", "receive", w.file("far-bank.json", _form("FA-1")), "--as", bank)
    # the buyer registers the UBL form of a non-member's invoice; the bank lodges its CII form
    # (another hash, the same invoice), which the bank's gateway registers in the bank's name
    register("far_ubl", UBL.replace(SAMPLE_SELLER_VAT.encode(), OTHER_VAT.encode()), buyer)
    w.docs["far_cii"] = w.cli.json(
        "doc",
        "receive",
        w.file("far-cii.xml", CII.replace(SAMPLE_SELLER_VAT.encode(), OTHER_VAT.encode())),
        "--as",
        bank,
    )["doc_hash"]

    w.financings["bought"] = w.finance("bought", 300_000)
    w.financings["own"] = w.finance("own", 200_000)
    w.financings["far"] = w.finance("far", 50_000)
    w.financings["far_cii"] = w.finance("far_cii", 400_000)
    # the bank makes the buyer (the registrant) a reader of the bought invoice's financing
    w.cli.json("finance", "share", buyer, "--as", bank, "--financing", str(w.financings["bought"]))
    return w


def _expected(w: World) -> dict[str | None, tuple[int, list[str], bool | None]]:
    """Borrower (member address, or the seller's name) → (financed, attributed_by, shown)."""
    return {
        w.address("Seller Co"): (500_000, ["registrant", "seller_legal_id"], True),
        "Far Away Ltd": (50_000, ["seller_facts"], None),
        "SellerCompany": (400_000, ["seller_facts"], None),
    }


def _rows(items: list[dict[str, Any]]) -> dict[str | None, tuple[int, list[str], bool | None]]:
    return {
        (r["member"] or r["seller_name"]): (r["financed"], r["attributed_by"], r["seller_shown"])
        for r in items
    }


def test_the_service_names_the_seller_never_the_buyer_that_registered(world: World) -> None:
    w = world
    regulator = audit.Viewer.of(w.address("Regulator"), "regulator")
    with served_api(w.cli) as client:
        state = client.app.state  # type: ignore[attr-defined]
        index, ledger = state.audit_index, state.ledger
        index.catch_up()
        with index.sessions() as session:
            found = audit.borrowers(
                session, list(w.docs.values()), ledger.db, audit.Access(session, regulator)
            )
        rows = audit.exposure(index, "enterprise", None, audit.Period(), ledger.db, regulator)
    seller = w.address("Seller Co")
    bought = found[w.docs["bought"]]
    assert (bought.member, bought.attributed_by, bought.seller_shown) == (
        seller,
        "seller_legal_id",
        True,
    )
    own = found[w.docs["own"]]
    assert (own.member, own.attributed_by, own.seller_shown) == (seller, "registrant", True)
    far = found[w.docs["far"]]
    assert (far.member, far.attributed_by) == (None, "seller_facts")
    assert (far.seller_name, far.seller_id) == ("Far Away Ltd", f"LEI:{FAR_AWAY_LEI}")
    # the buyer registered the same invoice in another form: it is no borrower either
    other = found[w.docs["far_cii"]]
    assert (other.member, other.attributed_by) == (None, "seller_facts")
    assert (other.seller_name, other.seller_id) == ("SellerCompany", f"VAT:{OTHER_VAT}")
    assert w.address("Buyer Co") not in {b.member for b in found.values()}
    assert {
        (r.member or r.seller_name): (r.financed, r.attributed_by, r.seller_shown) for r in rows
    } == _expected(w)


def test_the_api_names_the_seller_to_the_regulator_and_nothing_to_the_buyer(
    world: World,
) -> None:
    w = world
    with served_api(w.cli) as client:
        client.app.state.audit_index.catch_up()  # type: ignore[attr-defined]
        regulator = client.get(
            "/v1/audit/exposure", params={"by": "enterprise"}, headers=w.headers("Regulator")
        )
        buyer = client.get(
            "/v1/audit/exposure", params={"by": "enterprise"}, headers=w.headers("Buyer Co")
        )
        seller = client.get(
            "/v1/audit/exposure", params={"by": "enterprise"}, headers=w.headers("Seller Co")
        )
        shared = client.get(
            f"/v1/financings/{w.financings['bought']}", headers=w.headers("Buyer Co")
        )
    assert regulator.status_code == 200, regulator.text
    items = regulator.json()["items"]
    assert _rows(items) == _expected(w)
    assert w.address("Buyer Co") not in {r["member"] for r in items}
    # the buyer reads the shared financing's terms, yet it is not the buyer's exposure
    assert shared.status_code == 200, shared.text
    assert buyer.status_code == 200, buyer.text
    assert buyer.json()["items"] == []
    # the seller's own answer counts what is sealed to it: the invoice it registered itself
    assert seller.status_code == 200, seller.text
    assert _rows(seller.json()["items"]) == {
        w.address("Seller Co"): (200_000, ["registrant"], True)
    }


def test_the_cli_names_the_seller_to_the_regulator(world: World) -> None:
    w = world
    as_regulator = ("--as", w.address("Regulator"))
    body = w.cli.json("audit", "exposure", "--by", "enterprise", *as_regulator)
    assert _rows(body["items"]) == _expected(w)
    text = w.cli.run("audit", "exposure", "--by", "enterprise", *as_regulator).stdout
    assert f"Seller Co ({w.address('Seller Co')})" in text
    assert f"seller Far Away Ltd, LEI:{FAR_AWAY_LEI} (not a member)" in text
    assert "Buyer Co" not in text
    assert w.address("Buyer Co") not in text
    own = w.cli.json("audit", "exposure", "--by", "enterprise", "--as", w.address("Buyer Co"))
    assert own["items"] == []
