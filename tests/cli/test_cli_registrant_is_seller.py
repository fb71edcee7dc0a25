"""``tradeledger doc register``, ``doc import``, ``doc verify`` and ``doc show`` say whether a
document's registrant is shown to be its seller (its legal id on chain is one of the seller's
identifiers in the file: ledger/services/sellers.py): a registration by another company records
who registered the hash and when, never that the document is theirs. A tryout's enterprise
registered another company's invoice and every output read as proof of authorship; the real
seller, refused "already registered, by" it, could not tell it was not the seller."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.cli_helpers import UBL, Cli

#: a valid German VAT id: not the sample invoice's seller (DK13585628)
BUYER_VAT = "DE136695976"
SELLER_VAT = "DK13585628"


def _invoice(tmp: Path, number: str) -> Path:
    path = tmp / f"{number}.xml"
    path.write_bytes(UBL.replace(b"TOSL110", number.encode()))
    return path


def test_the_cli_says_whether_the_registrant_is_the_seller(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    cli.json("init")
    seller = cli.json(
        "member", "add", "SellerCompany", "--role", "enterprise", "--legal-id", SELLER_VAT
    )["address"]
    buyer = cli.json(
        "member", "add", "Buyercompany", "--role", "enterprise", "--legal-id", BUYER_VAT
    )["address"]

    # the seller registers its own invoice: no notice, shown to be its seller
    own = _invoice(tmp_path, "OWN-1")
    said = cli.run("doc", "register", str(own), "--as", seller)
    assert "registrant_not_seller" not in said.output
    own_hash = cli.json("doc", "verify", str(own))["doc_hash"]
    shown = cli.run("doc", "show", own_hash, "--as", seller).stdout
    assert (
        f"shown to be its seller: its legal id on chain is the invoice's seller's VAT:{SELLER_VAT}"
        in shown
    )
    assert cli.json("doc", "show", own_hash, "--as", seller)["registrant_is_seller"] is True

    # the buyer registers another invoice of the seller's: registered, and told plainly
    theirs = _invoice(tmp_path, "THEIRS-1")
    registered = cli.json("doc", "register", str(theirs), "--as", buyer)
    doc_hash = registered["doc_hash"]
    assert registered["registrant_is_seller"] is False
    assert "registrant_not_seller" in [n["kind"] for n in registered["notices"]]
    again = _invoice(tmp_path, "THEIRS-2")
    text = cli.run("doc", "register", str(again), "--as", buyer).stdout
    assert "note (registrant_not_seller): document 0x" in text
    assert f"matches none of the seller's identifiers in this file (VAT:{SELLER_VAT})" in text

    # a verifier of the file, and the registrant's doc show, read it
    verified = cli.run("doc", "verify", str(theirs)).stdout
    assert verified.startswith("REGISTERED and active")
    assert "NOT SHOWN TO BE ITS SELLER" in verified
    assert "not that the document is theirs" in verified
    as_json = cli.json("doc", "verify", str(theirs))
    assert as_json["registration"]["registrant_is_seller"] is False
    assert "NOT SHOWN TO BE ITS SELLER" in cli.run("doc", "show", doc_hash, "--as", buyer).stdout
    # without a copy of the file here, the seller's doc show cannot tell (and says why)
    unknown = cli.json("doc", "show", doc_hash, "--as", seller)
    assert unknown["registrant_is_seller"] is None
    assert (
        "seller not compared: cannot be told here"
        in cli.run("doc", "show", doc_hash, "--as", seller).stdout
    )

    # the real seller is refused, told the registrant is not the seller and what it can do
    refused = cli.run("doc", "register", str(theirs), "--as", seller, code=1)
    assert f"is already registered, by Buyercompany ({buyer})" in refused.stderr
    assert f"Buyercompany ({buyer}) is not shown to be its seller" in refused.stderr
    assert f"tradeledger doc revoke {doc_hash} --reason-code 4 --as ADMIN" in refused.stderr
    body = json.loads(
        cli.run("doc", "register", str(theirs), "--as", seller, "--json", code=1).stdout
    )
    assert (body["details"]["registrant_is_seller"], body["details"]["caller_is_seller"]) == (
        False,
        True,
    )

    # doc import: the seller's folder skips the buyer's registration and says whose it is;
    # the buyer's import notes each registration it is not the seller of
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    (outbox / "theirs.xml").write_bytes(theirs.read_bytes())
    (outbox / "mine.xml").write_bytes(_invoice(tmp_path, "OWN-2").read_bytes())
    imported = cli.json("doc", "import", str(outbox), "--as", seller)
    (skipped,) = imported["skipped"]
    assert (skipped["registered_by"], skipped["registrant_is_seller"]) == (buyer, False)
    assert "NOT SHOWN TO BE ITS SELLER" in skipped["why"]
    buyer_box = tmp_path / "buyer-outbox"
    buyer_box.mkdir()
    (buyer_box / "b.xml").write_bytes(_invoice(tmp_path, "THEIRS-3").read_bytes())
    notes = cli.run("doc", "import", str(buyer_box), "--as", buyer).stdout
    assert "note (registrant_not_seller)" in notes

    # a file that names no seller: not compared, and said so
    raw = tmp_path / "scan.txt"
    raw.write_bytes(b"a scanned delivery note")
    plain = cli.json("doc", "register", str(raw), "--as", buyer)
    assert plain["registrant_is_seller"] is None
    assert "registrant_not_seller" not in [n["kind"] for n in plain["notices"]]
    assert (
        "seller not compared: cannot be told: the file names no seller"
        in cli.run("doc", "verify", str(raw)).stdout
    )


def test_a_document_other_than_an_invoice_names_its_issuer(tmp_path: Path) -> None:
    """Tryout 86 verified the sample bill of lading and read "shown to be its seller: its legal
    id on chain is the document's issuer's VAT:DK13585628": a bill of lading has an issuer. The
    lines of ``doc verify`` and ``doc show`` call the party what the document calls it."""
    from importlib import resources

    cli = Cli(tmp_path / "ledger")
    cli.json("init")
    issuer = cli.json("member", "add", "Carrier", "--role", "enterprise", "--legal-id", SELLER_VAT)[
        "address"
    ]
    lading = tmp_path / "bill-of-lading.json"
    lading.write_bytes(
        resources.files("ledger.demo_data").joinpath("bill-of-lading.json").read_bytes()
    )
    doc_hash = cli.json("doc", "register", str(lading), "--as", issuer)["doc_hash"]
    verified = cli.run("doc", "verify", str(lading)).stdout
    assert (
        f"shown to be its issuer: its legal id on chain is the document's issuer's VAT:{SELLER_VAT}"
        in verified
    ), verified
    assert "its seller" not in verified, verified
    other = cli.json("member", "add", "Forwarder", "--role", "enterprise", "--legal-id", BUYER_VAT)
    shown = cli.run("doc", "show", doc_hash, "--as", other["address"]).stdout
    assert "    issuer not compared: cannot be told here" in shown, shown
    assert "seller not compared" not in shown, shown
