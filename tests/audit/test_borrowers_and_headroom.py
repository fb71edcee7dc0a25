"""What a fresh user saw on the served gateway (issue #11, audit items), on a real embedded chain,
through the CLI and the API over the same ledger.

The story, all ``tradeledger`` commands: Acme (an enterprise) registers the EN 16931 UBL invoice
(4,675.00 DKK). Bank B lodges the same invoice as CII, which the chain does not know: its gateway
registers the CII hash in Bank B's name and finances 4,000.00 DKK of it. Bank A lodges the UBL
file and is refused twice (100.00 DKK, then the 675.00 DKK the old "headroom" promised): the
invoice's fingerprints are held. Bank B also finances two JSON-form invoices its gateway registers
itself: one whose seller's LEI is the legal id of the enterprise "Legal Co", one whose seller is
no member; and a third it cancels at once (its face value stays in its sealed terms).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.audit.audit_world import World as SharedWorld
from tests.cli.cli_helpers import CII, UBL, Cli, Result
from tests.cli.cli_helpers import Story as _Story
from tests.leaks import mentions

LEGAL_CO_LEI = "529900T8BM49AURSDO55"
MATURITY = "2099-12-31"


def _form(number: str, issuer: dict[str, str], value: str) -> bytes:
    return json.dumps(
        {
            "documentType": "Invoice",
            "documentNumber": number,
            "issueDate": "2026-01-10",
            "issuer": issuer,
            "consignee": {"id": "5790000436057", "scheme": "GLN", "name": "Buyercompany ltd"},
            "totalAmount": {"value": value, "currency": "DKK"},
        }
    ).encode()


class World(SharedWorld):
    """The shared world with this story's writes."""

    def finance(self, bank: str, doc: str, amount: int, *, code: int = 0) -> Result:
        return self.cli.run(
            "finance",
            "create",
            "--as",
            self.address(bank),
            "--doc",
            f"{self.docs[doc]}={amount}",
            "--currency",
            "DKK",
            "--maturity",
            MATURITY,
            "--json",
            code=code,
        )

    def api(self) -> Any:
        return _Story(self.cli, self.tmp).api()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("borrowers")
    w = World(Cli(tmp / "ledger"), tmp)
    created = w.cli.json("init")
    w.members["admin"] = created["admin"]
    for name, role, legal_id in (
        ("Acme", "enterprise", ""),
        ("Legal Co", "enterprise", LEGAL_CO_LEI),
        ("Bank A", "bank", ""),
        ("Bank B", "bank", ""),
        ("Regulator", "regulator", ""),
    ):
        w.members[name] = w.cli.json("member", "add", name, "--role", role, "--legal-id", legal_id)
    acme, bank_a, bank_b = w.address("Acme"), w.address("Bank A"), w.address("Bank B")

    w.docs["ubl"] = w.cli.json("doc", "register", w.file("inv.xml", UBL), "--as", acme)["doc_hash"]
    w.docs["cii"] = w.cli.json("doc", "receive", w.file("inv-cii.xml", CII), "--as", bank_b)[
        "doc_hash"
    ]
    w.financings["cii"] = json.loads(w.finance("Bank B", "cii", 400_000).stdout)["financing_id"]
    w.cli.json("doc", "receive", w.file("inv-a.xml", UBL), "--as", bank_a)
    w.refused["small"] = w.finance("Bank A", "ubl", 10_000, code=4)
    w.refused["old_headroom"] = w.finance("Bank A", "ubl", 67_500, code=4)

    legal = {"id": LEGAL_CO_LEI, "scheme": "LEI", "name": "Legal Co"}
    nobody = {"id": "4000001000005", "scheme": "GLN", "name": "Nobody Ltd"}
    for key, number, issuer, value in (
        ("legal", "J-1", legal, "1000.00"),
        ("nobody", "J-2", nobody, "500.00"),
        ("cancelled", "J-3", legal, "800.00"),
    ):
        path = w.file(f"{key}.json", _form(number, issuer, value))
        w.docs[key] = w.cli.json("doc", "receive", path, "--as", bank_b)["doc_hash"]
    w.financings["legal"] = json.loads(w.finance("Bank B", "legal", 50_000).stdout)["financing_id"]
    w.financings["nobody"] = json.loads(w.finance("Bank B", "nobody", 20_000).stdout)[
        "financing_id"
    ]
    w.financings["cancelled"] = json.loads(w.finance("Bank B", "cancelled", 30_000).stdout)[
        "financing_id"
    ]
    w.cli.json(
        "finance", "cancel", str(w.financings["cancelled"]), "--as", bank_b, "--reason-code", "2"
    )
    return w


@pytest.fixture(scope="module")
def answers(world: World) -> dict[str, Any]:
    """What the API answers, read once over the story's ledger (the CLI and an open ledger in
    this process must take turns)."""
    reads = {
        "exposure_regulator": ("Regulator", "/v1/audit/exposure", {"by": "enterprise"}),
        "exposure_acme": ("Acme", "/v1/audit/exposure", {"by": "enterprise"}),
        "exposure_bank_b": ("Bank B", "/v1/audit/exposure", {"by": "enterprise"}),
        "exposure_per_bank": ("Regulator", "/v1/audit/exposure", {}),
        "financeable_ubl_bank_a": (
            "Bank A",
            "/v1/audit/financeable",
            {"doc_hash": world.docs["ubl"]},
        ),
        "financeable_ubl_bank_b": (
            "Bank B",
            "/v1/audit/financeable",
            {"doc_hash": world.docs["ubl"]},
        ),
        "financeable_ubl_bank_b_made_up": (
            "Bank B",
            "/v1/audit/financeable",
            {"doc_hash": world.docs["ubl"], "fingerprint": "0x" + "00" * 31 + "01"},
        ),
        "financeable_ubl_regulator": (
            "Regulator",
            "/v1/audit/financeable",
            {"doc_hash": world.docs["ubl"]},
        ),
        "financeable_cii": ("Regulator", "/v1/audit/financeable", {"doc_hash": world.docs["cii"]}),
        "financeable_cancelled": (
            "Regulator",
            "/v1/audit/financeable",
            {"doc_hash": world.docs["cancelled"]},
        ),
        "refusals": ("Regulator", "/v1/audit/refusals", {}),
    }
    found: dict[str, Any] = {}
    with world.api() as client:
        client.app.state.audit_index.catch_up()  # type: ignore[attr-defined]
        for key, (who, path, params) in reads.items():
            response = client.get(path, params=params, headers=world.headers(who))
            assert response.status_code == 200, (key, response.text)
            found[key] = response.json()
    return found


# -- 1. exposure by enterprise names the borrower, never the bank -------------------------------


def test_exposure_by_enterprise_names_the_borrower_never_the_bank(
    world: World, answers: dict[str, Any]
) -> None:
    body = answers["exposure_regulator"]
    rows = {(r["member"], r["seller_name"]): r for r in body["items"]}
    banks = {world.address("Bank A"), world.address("Bank B")}
    assert not banks & {r["member"] for r in body["items"]}  # a bank is never "the enterprise"
    acme = rows[(world.address("Acme"), None)]
    assert (acme["member_name"], acme["currency"], acme["financed"]) == ("Acme", "DKK", 400_000)
    assert acme["attributed_by"] == ["same_invoice"]  # Acme registered the UBL form
    legal = rows[(world.address("Legal Co"), None)]
    assert (legal["financed"], legal["attributed_by"]) == (50_000, ["seller_legal_id"])
    nobody = rows[(None, "Nobody Ltd")]
    assert (nobody["seller_id"], nobody["financed"]) == ("GLN:4000001000005", 20_000)
    assert nobody["attributed_by"] == ["seller_facts"]
    assert len(body["items"]) == 3  # the cancelled financing is no exposure

    # the enterprise's own call answers only from terms sealed to it: Bank B financed the CII
    # form, which Bank B's gateway registered, so the terms are sealed to Bank B, the regulator
    # and that registrant — Acme's key opens nothing, and its own answer shows nothing
    own = answers["exposure_acme"]
    assert own["items"] == []
    # ... and the bank's own call by enterprise reads its own book by borrower (it came back
    # empty): every financing here is Bank B's, so the same amounts as the regulator's, never
    # the bank itself. The rules read only what Bank B may read: Acme's UBL file was lodged
    # by Acme, so the CII financing falls to the seller its own file names
    bank_b = {
        (r["member_name"] or r["seller_name"]): r for r in answers["exposure_bank_b"]["items"]
    }
    assert not banks & {r["member"] for r in bank_b.values()}
    assert {k: (r["financed"], r["attributed_by"]) for k, r in bank_b.items()} == {
        "Legal Co": (50_000, ["seller_legal_id"]),
        "Nobody Ltd": (20_000, ["seller_facts"]),
        "SellerCompany": (400_000, ["seller_facts"]),
    }
    # per bank, the bank's exposure is still there
    per_bank = answers["exposure_per_bank"]
    [row] = per_bank["items"]
    assert (row["member"], row["member_name"], row["financed"]) == (
        world.address("Bank B"),
        "Bank B",
        470_000,
    )


def test_the_cli_shows_the_same_borrowers_by_name(world: World) -> None:
    text = world.cli.run("audit", "exposure", "--by", "enterprise").stdout
    assert f"Acme ({world.address('Acme')})" in text
    assert "4,000.00 DKK" in text
    assert "seller Nobody Ltd, GLN:4000001000005 (not a member)" in text
    assert "Bank B" not in text
    assert "same_invoice" in text  # how each was found


# -- 2. financeable checks the document's own fingerprints and the chain's face value -----------


def test_financeable_by_hash_sees_the_invoice_held_under_another_hash(
    world: World, answers: dict[str, Any]
) -> None:
    # Bank A asks about the UBL hash it lodged: the chain refused it because Bank B's financing
    # holds the CII form's fingerprints, so "financeable" must say so without a fingerprint
    answer = answers["financeable_ubl_bank_a"]
    assert answer["financeable"] is False
    assert answer["reasons"] == ["FINGERPRINT_PLEDGED"]
    assert {m["financing_id"] for m in answer["matches"]} == {world.financings["cii"]}
    assert {m["bank"] for m in answer["matches"]} == {world.address("Bank B")}
    # which document Bank B financed, and for how much, is Bank B's
    assert {(m["doc_hash"], m["amount"]) for m in answer["matches"]} == {(None, None)}
    # the UBL hash was never financed: its face value is the one Bank A's file states
    assert (answer["face_value"], answer["currency"], answer["face_value_source"]) == (
        467_500,
        "DKK",
        "facts",
    )
    assert answer["headroom"] == 0
    # the fingerprints checked are the on-chain ones its lodged file was evaluated to — each of
    # them held by Bank B's financing — never the gateway-local lookup values stored beside them
    assert answer["fingerprints"]
    assert set(answer["fingerprints"]) == {m["fingerprint"] for m in answer["matches"]}


def test_financeable_by_hash_alone_is_unknown_not_true(
    world: World, answers: dict[str, Any]
) -> None:
    # the UBL hash was never financed, and Bank B neither lodged it here nor reads a financing
    # of it: nothing but the hash could be checked (Bank A's lodged copy is not Bank B's to
    # learn from). Its invoice is held (Bank B's financing of the CII form), so "financeable:
    # true" would have been false assurance
    answer = answers["financeable_ubl_bank_b"]
    assert answer["registered"] is True
    assert answer["fingerprints"] == []
    assert answer["reasons"] == []
    assert answer["financeable"] is None
    assert answer["headroom"] is None
    assert "no fingerprint of this document is known here" in answer["unknown_reason"]
    assert "POST /v1/documents/receive" in answer["unknown_reason"]
    # a fingerprint given beside the hash is checked, but nothing ties it to the document: a
    # made-up one does not make the answer true
    made_up = answers["financeable_ubl_bank_b_made_up"]
    assert made_up["fingerprints"] == ["0x" + "00" * 31 + "01"]
    assert (made_up["financeable"], made_up["reasons"]) == (None, [])
    assert made_up["unknown_reason"] == answer["unknown_reason"]
    # a fingerprint answers it: the financing bank's lodged copy names them
    named = answers["financeable_ubl_bank_a"]
    assert named["financeable"] is False
    assert named["unknown_reason"] is None
    # so does it for the regulator, which oversees every file lodged here: Bank A's copy names
    # them (it read null, "lodge the file", although its check of the file used that copy)
    overseen = answers["financeable_ubl_regulator"]
    assert (overseen["financeable"], overseen["reasons"]) == (False, ["FINGERPRINT_PLEDGED"])
    assert overseen["fingerprints"] == named["fingerprints"]
    assert (overseen["unknown_reason"], overseen["headroom"]) == (None, 0)


def test_financeable_by_hash_uses_the_fingerprints_pledged_in_the_terms(
    world: World, answers: dict[str, Any]
) -> None:
    # the regulator lodged nothing: the CII hash's own pledged fingerprints (from the terms its
    # key opens) are held
    answer = answers["financeable_cii"]
    assert answer["financeable"] is False
    assert answer["reasons"] == ["FINGERPRINT_PLEDGED"]
    assert (answer["face_value"], answer["face_value_source"]) == (467_500, "financings")
    assert (answer["financed_amount"], answer["headroom"]) == (400_000, 0)
    # a released document keeps the face value its first financing recorded
    free = answers["financeable_cancelled"]
    assert free["financeable"] is True
    assert (free["face_value"], free["currency"], free["face_value_source"]) == (
        80_000,
        "DKK",
        "financings",
    )
    assert (free["financed_amount"], free["headroom"]) == (0, 80_000)


# -- 3. headroom is what can actually be financed -----------------------------------------------


def test_a_refusals_headroom_can_be_used(world: World, answers: dict[str, Any]) -> None:
    body = json.loads(world.refused["small"].stdout)  # the API's 409 body, --json
    details = body["details"]
    assert details["reason"] == "FINGERPRINT_PLEDGED"
    assert details["headroom"] == 0
    # what Bank B financed is Bank B's: the refused bank is not told
    assert not mentions(json.dumps(details), "400000")
    assert "4,000.00" not in body["message"]
    # the old answer (face value - financed = 675.00 DKK) was refused just the same
    again = json.loads(world.refused["old_headroom"].stdout)["details"]
    assert again["reason"] == "FINGERPRINT_PLEDGED"
    assert again["headroom"] == 0
    rows = answers["refusals"]["items"]
    assert [r["headroom"] for r in rows] == [0, 0]
    text = world.cli.run("audit", "refusals").stdout
    assert "headroom 0.00 DKK (nothing can be financed" in text
    assert "headroom 675.00 DKK" not in text


# -- 5. the regulator sees what the refused bank asked -------------------------------------------


def test_refusals_say_what_was_asked_from_the_sealed_attempt(
    world: World, answers: dict[str, Any]
) -> None:
    rows = answers["refusals"]["items"]
    assert [(r["bank"], r["requested_amount"], r["requested_currency"]) for r in rows] == [
        (world.address("Bank A"), 10_000, "DKK"),
        (world.address("Bank A"), 67_500, "DKK"),
    ]
    assert {r["stated_face_value"] for r in rows} == {467_500}
    assert "asked for 100.00 DKK" in rows[0]["summary"]
    # the bank's own 409 said the same
    assert json.loads(world.refused["small"].stdout)["details"]["requested_amount"] == 10_000
    text = world.cli.run("audit", "refusals").stdout
    assert "asked:     100.00 DKK (face value read from its file: 4,675.00 DKK)" in text
    assert "asked:     675.00 DKK" in text


# -- 8. the CLI's --json is the API's shape ------------------------------------------------------


def _shape(value: Any) -> Any:
    """A JSON value's shape: keys and value types, recursively (lists by their first item)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__ if value is not None else "null"


def test_cli_json_outputs_have_the_api_shapes(world: World, tmp_path: Path) -> None:
    admin = world.members["admin"]
    added = world.cli.json("member", "add", "Exporter CLI", "--role", "enterprise")
    note = tmp_path / "note.txt"
    note.write_text("an enterprise note registered through the CLI")
    registered = world.cli.json("doc", "register", str(note), "--as", added["address"])
    with world.api() as api:
        admin_headers = {"Authorization": f"Bearer {admin['api_key']}"}
        created = api.post(
            "/v1/members",
            json={"name": "Exporter API", "role": "enterprise"},
            headers=admin_headers,
        )
        assert created.status_code == 201, created.text
        api_member = created.json()
        new_headers = {"Authorization": f"Bearer {api_member['api_key']}"}
        posted = api.post(
            "/v1/documents",
            files={"file": ("n.txt", b"an enterprise note registered through the API")},
            headers=new_headers,
        )
        assert posted.status_code == 201, posted.text
        api.app.state.audit_index.catch_up()  # type: ignore[attr-defined]
        regulator = world.headers("Regulator")
        api_refusals = api.get("/v1/audit/refusals", headers=regulator).json()
        api_exposure = api.get(
            "/v1/audit/exposure", params={"by": "enterprise"}, headers=regulator
        ).json()
        api_timeline = api.get(
            f"/v1/audit/documents/{world.docs['ubl']}/timeline", headers=regulator
        ).json()
    # member add: role and name too, the same fields as POST /v1/members
    assert _shape(added) == _shape(api_member)
    assert (added["role"], added["name"], added["active"]) == ("enterprise", "Exporter CLI", True)
    # doc register: registered_at and status too, the same fields as POST /v1/documents
    assert _shape(registered) == _shape(posted.json())
    assert registered["status"] == "active"
    assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ?", registered["registered_at"][:20])
    # audit reads: the very same answers
    assert world.cli.json("audit", "refusals") == api_refusals
    assert world.cli.json("audit", "exposure", "--by", "enterprise") == api_exposure
    assert world.cli.json("audit", "timeline", world.docs["ubl"]) == api_timeline
