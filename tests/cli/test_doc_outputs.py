"""What ``tradeledger doc …`` (and the same API calls) tell a person is true and complete:

* ``doc check`` leads with the status, as ``doc verify`` does (REGISTERED and active, REVOKED,
  SUPERSEDED by 0x…, NOT REGISTERED), names members beside addresses and the current version of
  a superseded document, and says each thing once;
* a financing holding a fingerprint is named with its bank, and "no matching file" says that a
  member sees matches only among its own files (never "lodged elsewhere" when it was not);
* register, receive and check print the notices (rejected identifiers, a seller without a valid
  identity, a credit note) in their text, and a financing of such a document says why it
  cannot be, writing nothing;
* check and receive find a JSON form registered through ``/v1/documents/json`` as verify does,
  and a bank that lodged the file can finance the registered document;
* ``doc show`` / ``GET /v1/documents/{hash}`` list the financings' drawdowns and repayments,
  each event decoded beside its raw arguments;
* an attestation without evidence is refused (422 naming ``evidence``; CLI exit 2).

Real CLI (Typer's runner) and the real app over one embedded chain.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.network import open_ledger
from tests.cli.cli_helpers import Cli
from tests.conftest import make_settings

DEMO = resources.files("ledger.demo_data")
UBL = DEMO.joinpath("invoice-ubl.xml").read_bytes()
CII = DEMO.joinpath("invoice-cii.xml").read_bytes()
BILL = DEMO.joinpath("bill-of-lading.json").read_bytes()
MATURITY = "2099-12-31"
NOT_REGISTERED, REVOKED, SUPERSEDED, HELD = 3, 4, 5, 3
#: doc check of a file no bank can finance (its document revoked or superseded, nothing due, …)
NOT_FINANCEABLE = 5


@dataclass
class World:
    cli: Cli
    tmp: Path
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    ubl_hash: str = ""
    financing_id: int = 0

    def address(self, who: str) -> str:
        return str(self.members[who]["address"])

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.members[who]['api_key']}"}

    def file(self, name: str, data: bytes) -> Path:
        path = self.tmp / name
        path.write_bytes(data)
        return path

    @contextmanager
    def api(self) -> Iterator[TestClient]:
        """The gateway app over the world's ledger (the CLI must not run meanwhile)."""
        ledger = open_ledger(make_settings(self.cli.data_dir))
        try:
            with TestClient(create_app(ledger.settings, ledger)) as client:
                yield client
        finally:
            ledger.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The demo members and Bank B; the exporter's UBL invoice (4,675.00 DKK) financed by Demo
    Bank A for 3,740.00 DKK (financing 1), 520.00 DKK drawn and 200.00 DKK repaid."""
    tmp = tmp_path_factory.mktemp("outputs")
    cli = Cli(tmp / "ledger")
    w = World(cli, tmp)
    created = cli.json("init", "--demo")
    for member in created["members"]:
        w.members[member["name"]] = member
    w.members["Bank B"] = cli.json("member", "add", "Bank B", "--role", "bank")
    bank_a = w.address("Demo Bank A")
    ubl = w.file("invoice.xml", UBL)
    w.ubl_hash = cli.json("doc", "register", str(ubl), "--as", w.address("Demo Exporter"))[
        "doc_hash"
    ]
    cli.json("doc", "receive", str(ubl), "--as", bank_a)
    w.financing_id = cli.json(
        "finance", "create", "--as", bank_a, "--doc", f"{w.ubl_hash}=374000",
        "--currency", "DKK", "--maturity", MATURITY, "--reference", "A-42",
    )["financing_id"]  # fmt: skip
    cli.json("finance", "drawdown", str(w.financing_id), "52000", "--as", bank_a)
    cli.json("finance", "repay", str(w.financing_id), "20000", "--as", bank_a)
    return w


def invoice_form(number: str, seller_vat: str, amount: str = "500.00") -> bytes:
    form = {
        "documentType": "Invoice",
        "documentNumber": number,
        "issueDate": "2026-02-01",
        "issuer": {"id": seller_vat, "scheme": "VAT", "name": "Seller ApS"},
        "consignee": {"id": "DE136695976", "scheme": "VAT", "name": "Buyer GmbH"},
        "totalAmount": {"value": amount, "currency": "DKK"},
    }
    return json.dumps(form, indent=2).encode()


# -- 7: who holds it, and what a member sees ---------------------------------------------------


def test_check_names_the_holding_bank_and_says_matches_are_among_your_own_files(
    world: World,
) -> None:
    """Bank B checks the CII twin of the invoice Demo Bank A financed (and lodged at this same
    gateway): the financing is named with its bank, and the text says Bank B sees matches only
    among its own files — not that the file was lodged elsewhere."""
    cii = world.file("invoice-cii.xml", CII)
    bank_a = world.address("Demo Bank A")
    out = world.cli.run("doc", "check", str(cii), "--as", world.address("Bank B"), code=HELD)
    text = out.stdout
    assert "elsewhere" not in text
    assert f"HELD by active financing {world.financing_id}" in text
    # what the financed document shares, said where its file is not Bank B's to see (tryout 43:
    # a seller's number used again five years on read as a double financing, with no reason)
    assert (
        "the financed document has the same seller (by its VAT identifier) and the same number, "
        "whatever its date and amount" in text
    ), text
    assert "no matching file among your own files at this gateway" in text
    assert "you see matches only among the files you lodged" in text
    assert (
        f"a fingerprint is held by active financing {world.financing_id} of "
        f"Demo Bank A ({bank_a})\n" in text
    )
    body = world.cli.json("doc", "check", str(cii), "--as", world.address("Bank B"), code=HELD)
    assert body["held_by"] == [
        {
            "financing_id": world.financing_id,
            "bank": bank_a,
            "bank_name": "Demo Bank A",
            "made_here": True,
        }
    ]


# -- 5 and 6: the status leads, the current version is named once ------------------------------


def test_check_and_verify_lead_with_the_status_and_name_the_current_version_once(
    world: World,
) -> None:
    me = world.address("Demo Exporter")
    v1_file = world.file("inv-v1b.txt", b"invoice 1b, first version")
    v2_file = world.file("inv-v2b.txt", b"invoice 1b, amended")
    v1 = world.cli.json("doc", "register", str(v1_file), "--as", me)["doc_hash"]
    v2 = world.cli.json("doc", "supersede", v1, str(v2_file), "--as", me)["new_doc_hash"]
    world.cli.json("doc", "revoke", v2, "--as", me, "--reason-code", "3")

    verified = world.cli.run("doc", "verify", str(v1_file), code=SUPERSEDED).stdout.splitlines()
    assert verified[0] == f"SUPERSEDED by {v2}: {v1} (replaced by an amended document)"
    assert verified[1] == (
        f"  current version: {v2} (revoked) (the successor): no version of this document is "
        "in force"
    )
    assert verified[2].startswith(f"    revoked by Demo Exporter ({me}) at ")
    assert verified[2].endswith("reason code 3 (cancelled_by_issuer)")
    text = "\n".join(verified)
    assert "rely on the successor" not in text
    assert "the successor is" not in text
    assert f"registered by Demo Exporter ({me})" in text
    answer = world.cli.json("doc", "verify", str(v1_file), code=SUPERSEDED)
    assert (answer["current_version"], answer["current_status"]) == (v2, "revoked")
    assert answer["in_force"] is None
    assert answer["current_revocation"]["by"] == me

    checked = world.cli.run(  # a superseded document: NOT FINANCEABLE
        "doc", "check", str(v1_file), "--as", world.address("Bank B"), code=NOT_FINANCEABLE
    ).stdout.splitlines()
    assert checked[:3] == verified[:3]  # the same rule as verify
    text = "\n".join(checked)
    assert "REGISTERED by" not in text
    assert f"registered by Demo Exporter ({me})" in text

    revoked = world.cli.run("doc", "check", str(v2_file), code=NOT_FINANCEABLE).stdout.splitlines()
    assert revoked[0] == f"REVOKED: {v2} (registered, then revoked: do not rely on it)"
    active = world.cli.run("doc", "check", str(world.tmp / "invoice.xml"), code=HELD)
    assert active.stdout.splitlines()[0] == f"REGISTERED and active: {world.ubl_hash}"
    unknown = world.file("never.txt", b"never registered anywhere")
    assert world.cli.run("doc", "check", str(unknown)).stdout.startswith("NOT REGISTERED: ")


def test_a_current_version_in_force_is_the_one_to_rely_on(world: World) -> None:
    me = world.address("Demo Exporter")
    v1_file = world.file("po-1.txt", b"purchase order 1, v1")
    v2_file = world.file("po-2.txt", b"purchase order 1, v2")
    v1 = world.cli.json("doc", "register", str(v1_file), "--as", me)["doc_hash"]
    v2 = world.cli.json("doc", "supersede", v1, str(v2_file), "--as", me)["new_doc_hash"]
    lines = world.cli.run("doc", "verify", str(v1_file), code=SUPERSEDED).stdout.splitlines()
    assert (
        lines[1]
        == f"  current version: {v2} (active) (the successor): rely on it, not on this file"
    )
    assert world.cli.json("doc", "verify", str(v1_file), code=SUPERSEDED)["in_force"] == v2


# -- 2 and 1: notices in the text, and a financing that cannot be ------------------------------


def test_notices_are_printed_and_a_financing_without_fingerprints_says_why(world: World) -> None:
    """A seller VAT number that fails its check digits: register, receive and check say so in
    their text; a bank's financing is refused in words and writes nothing."""
    exporter, bank_b = world.address("Demo Exporter"), world.address("Bank B")
    bv11 = world.file("bv11.json", invoice_form("BV-11", "DK11111111"))
    registered = world.cli.run("doc", "register", str(bv11), "--as", exporter).stdout
    assert registered.startswith("registered 0x")
    assert "note (identifier_rejected): seller identifier VAT 'DK11111111'" in registered
    assert "note (seller_unkeyed): The seller's identifiers failed their checks" in registered
    assert "no bank can finance it" in registered

    for command, code in (("receive", 0), ("check", 5)):  # check: NOT FINANCEABLE, exit 5
        text = world.cli.run("doc", command, str(bv11), "--as", bank_b, code=code).stdout
        assert "no fingerprint: this document cannot be financed" in text
        assert "note (seller_unkeyed)" in text
        assert "DK11111111" in text

    # not registered by anyone: the bank's refused financing must not register it
    bv12 = world.file("bv12.json", invoice_form("BV-12", "DK11111111"))
    lodged = world.cli.json("doc", "receive", str(bv12), "--as", bank_b)
    refused = world.cli.run(
        "finance", "create", "--as", bank_b, "--doc", f"{lodged['doc_hash']}=50000",
        "--currency", "DKK", "--maturity", MATURITY, code=2,
    )  # fmt: skip
    assert "DK11111111" in refused.stderr
    assert "failed their checks" in refused.stderr
    assert "carries 0 fingerprints" not in refused.output
    world.cli.run("doc", "verify", str(bv12), code=NOT_REGISTERED)


# -- 3: check and receive find a JSON form registered as canonical JSON -----------------------


def test_check_and_receive_find_a_json_form_registered_through_the_api(world: World) -> None:
    exporter, bank_a = world.address("Demo Exporter"), world.address("Demo Bank A")
    receipt_form = {
        "documentType": "WarehouseReceipt",
        "documentNumber": "WR-2026-0042",
        "issueDate": "2026-02-03",
        "issuer": {"id": "DK13585628", "scheme": "VAT", "name": "Warehouse A/S"},
        "consignee": {"id": "DE136695976", "scheme": "VAT", "name": "Depositor GmbH"},
        "totalAmount": {"value": "12500.00", "currency": "DKK"},
    }
    pretty = json.dumps(receipt_form, indent=4).encode()
    bill = world.file("bill-of-lading.json", BILL)
    receipt = world.file("warehouse-receipt.json", pretty)
    with world.api() as client:
        hashes = {}
        for name, form in (("bill", json.loads(BILL)), ("receipt", receipt_form)):
            answer = client.post(
                "/v1/documents/json", json=form, headers=world.headers("Demo Exporter")
            )
            assert answer.status_code == 201, answer.text
            hashes[name] = answer.json()["doc_hash"]
        checked = client.post(
            "/v1/documents/check",
            files={"file": ("bill-of-lading.json", BILL, "application/json")},
            headers=world.headers("Demo Bank A"),
        ).json()
        assert (checked["doc_hash"], checked["hashed"], checked["registered"]) == (
            hashes["bill"],
            "canonical_json",
            True,
        )
        assert [t["form"] for t in checked["tried"]] == ["file_bytes", "canonical_json"]

    text = world.cli.run("doc", "check", str(bill), "--as", bank_a).stdout
    lines = text.splitlines()
    assert lines[0] == f"REGISTERED and active: {hashes['bill']}"
    assert f"registered by Demo Exporter ({exporter})" in text
    assert "hashed: SHA-256 of the file's canonical JSON form" in text
    assert "not registered on chain" not in text

    lodged = world.cli.json("doc", "receive", str(receipt), "--as", bank_a)
    assert (lodged["doc_hash"], lodged["hashed"], lodged["registration"]["status"]) == (
        hashes["receipt"],
        "canonical_json",
        "active",
    )
    financed = world.cli.json(
        "finance", "create", "--as", bank_a, "--doc", f"{hashes['receipt']}=1000000",
        "--currency", "DKK", "--maturity", MATURITY, "--kind", "warehouse_receipt_pledge",
    )  # fmt: skip
    assert financed["documents"][0]["doc_hash"] == hashes["receipt"]


# -- 4: the document's history includes its financings, decoded --------------------------------


def test_doc_show_lists_drawdowns_and_repayments_decoded(world: World) -> None:
    """Read with a key that opens the sealed terms (the regulator's), a document's history
    shows its financing, drawdowns and repayments in words; without one, that the financing
    exists is not even told (which document a financing is against is confidential)."""
    regulator = world.address("Demo Regulator")
    shown = world.cli.json("doc", "show", world.ubl_hash, "--as", regulator)
    events = [e["event"] for e in shown["history"]]
    assert events == [
        "DocumentRegistered",
        "FinancingRegistered",
        "FinancingEntryRecorded",
        "FinancingEntryRecorded",
    ], events
    registered = shown["history"][0]
    assert registered["args"]["docType"] == 1
    assert registered["fields"]["doc_type"] == "invoice"
    assert registered["fields"]["registrant_name"] == "Demo Exporter"
    financed = shown["history"][1]
    assert financed["fields"]["amount"] == "3740.00"
    assert financed["fields"]["reference"] == "A-42"
    assert "terms" not in financed["args"]
    drawn = shown["history"][2]
    assert drawn["fields"]["type"] == "drawdown"
    assert drawn["fields"]["amount"] == "520.00"
    assert drawn["fields"]["currency"] == "DKK"
    text = world.cli.run("doc", "show", world.ubl_hash, "--as", regulator).stdout
    bank_a = f"Demo Bank A ({world.address('Demo Bank A')})"
    assert f"520.00 DKK drawn from financing {world.financing_id} of {bank_a}" in text
    assert f"200.00 DKK repaid on financing {world.financing_id} of {bank_a}" in text
    public = world.cli.json("doc", "show", world.ubl_hash)
    assert [e["event"] for e in public["history"]] == ["DocumentRegistered"]

    with world.api() as client:
        body = client.get(
            f"/v1/documents/{world.ubl_hash}", headers=world.headers("Demo Regulator")
        ).json()
        other = client.get(
            f"/v1/documents/{world.ubl_hash}", headers=world.headers("Bank B")
        ).json()
    api_events = [e["event"] for e in body["history"]]
    assert api_events == events
    assert body["history"][0]["fields"]["doc_type"] == "invoice"
    repaid = body["history"][3]
    assert repaid["summary"] == (
        f"200.00 DKK repaid on financing {world.financing_id} of {bank_a} (200.00 DKK in total)"
    )
    assert [e["event"] for e in other["history"]] == ["DocumentRegistered"]


# -- 9: an attestation without evidence --------------------------------------------------------


def test_an_attestation_without_evidence_is_refused(world: World) -> None:
    customs = world.address("Demo Customs")
    doc = world.file("bl-9.txt", b"bill of lading 9")
    doc_hash = world.cli.json("doc", "register", str(doc), "--as", world.address("Demo Exporter"))[
        "doc_hash"
    ]
    for evidence in ([], ["--evidence", ""], ["--evidence", "   "]):
        out = world.cli.run("doc", "attest", doc_hash, "--as", customs, *evidence, code=2)
        assert "evidence" in out.stderr
        assert "required" in out.stderr
    with world.api() as client:
        url = f"/v1/documents/{doc_hash}/attest"
        for body in ({"evidence": ""}, {}, {"evidence": "   "}, None):
            answer = client.post(url, json=body, headers=world.headers("Demo Customs"))
            assert answer.status_code == 422, (body, answer.text)
            assert answer.json()["details"]["field"] in ("evidence", "body"), answer.text
        detail = client.get(f"/v1/documents/{doc_hash}", headers=world.headers("Demo Customs"))
        assert detail.json()["attestations"] == []
        ok = client.post(
            url, json={"evidence": "MRN 24DK000123"}, headers=world.headers("Demo Customs")
        )
        assert ok.status_code == 201, ok.text


def test_import_prints_the_notices_of_the_files_it_registers(world: World) -> None:
    folder = world.tmp / "outbox"
    folder.mkdir()
    (folder / "bv21.json").write_bytes(invoice_form("BV-21", "DK11111111"))
    (folder / "contract.txt").write_bytes(b"sales contract 21")
    out = world.cli.run("doc", "import", str(folder), "--as", world.address("Demo Exporter"))
    lines = out.stdout.splitlines()
    assert lines[0] == f"registered 2 document(s) from {folder}"
    assert any(
        line.startswith(f"  {folder / 'bv21.json'}: note (seller_unkeyed)") for line in lines
    ), lines
    world.cli.run("doc", "verify", str(folder / "contract.txt"))
