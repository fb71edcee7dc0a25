"""``--as`` a member the admins suspended reads through the CLI what the API serves it: its own
history only (docs/privacy.md, "A suspended member"). It used to read every financing its key
opened, while the same member's API key was refused (403 ``member_suspended``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.cli_helpers import Story, build_story

REFUSED = "may not read"


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    built = build_story(tmp_path_factory.mktemp("suspended"))
    built.cli.json("member", "suspend", built.address("Demo Bank A"))
    built.cli.json("member", "suspend", built.address("Demo Exporter"))
    return built


def test_a_suspended_bank_reads_no_other_book_through_the_cli(story: Story) -> None:
    cli, bank_a, bank_b = story.cli, story.address("Demo Bank A"), story.address("Bank B")
    for args in (
        ("finance", "list", "--bank", bank_b, "--as", bank_a),
        ("audit", "exposure", "--as", bank_a),
        ("audit", "refusals", "--as", bank_a),
        ("audit", "duplicates", "--as", bank_a),
        ("audit", "activity", story.address("Bank B"), "--as", bank_a),
        ("audit", "timeline", story.ubl_hash, "--as", bank_a),
        ("doc", "show", story.ubl_hash, "--as", bank_a),
    ):
        out = cli.run(*args, code=1).stderr
        assert REFUSED in out, (args, out)
        assert "suspended" in out, (args, out)
    # the API answers those members the same way
    with story.api() as client:
        others = client.get(
            "/v1/financings", params={"bank": bank_b}, headers=story.headers("Demo Bank A")
        )
        assert others.status_code == 403


def test_a_suspended_bank_reads_its_own_financings(story: Story) -> None:
    """Its financings are its own history: read through the CLI and the API alike."""
    cli, bank_a = story.cli, story.address("Demo Bank A")
    fid = story.financing_id
    shown = cli.json("finance", "show", str(fid), "--as", bank_a)
    assert (shown["financing_id"], shown["bank"]) == (fid, bank_a)
    listed = cli.json("finance", "list", "--as", bank_a)["items"]
    assert {f["bank"] for f in listed} == {bank_a}
    with story.api() as client:
        answer = client.get(f"/v1/financings/{fid}", headers=story.headers("Demo Bank A"))
        assert answer.status_code == 200, answer.text
        assert answer.json()["bank"] == bank_a


def test_a_suspended_member_still_reads_its_own_history(story: Story, tmp_path: Path) -> None:
    cli = story.cli
    exporter, bank_a = story.address("Demo Exporter"), story.address("Demo Bank A")
    # the exporter registered the invoice: its record and timeline are its own history
    shown = cli.json("doc", "show", story.ubl_hash, "--as", exporter)
    assert shown["registered_by"] == exporter
    timeline = cli.json("audit", "timeline", story.ubl_hash, "--as", exporter)
    assert timeline["items"][0]["event"] == "DocumentRegistered"
    assert cli.json("audit", "activity", bank_a, "--as", bank_a)["items"]
    # and the gateway itself (no --as) reads everything, suspended members' books included
    assert cli.json("finance", "show", str(story.financing_id))["bank"] == bank_a


def test_a_suspended_enterprise_gets_the_proof_of_its_own_document_only(story: Story) -> None:
    """A proof bundle of a document is part of its registrant's history: the suspended exporter
    gets that of the invoice it registered, through the API and the CLI alike, and still not
    that of a document another member registered (nothing else became readable)."""
    cli, exporter = story.cli, story.address("Demo Exporter")
    other = story.tmp / "bank-b-receipt.txt"
    other.write_bytes(b"warehouse receipt WR-7, registered by Bank B")
    other_hash = cli.json("doc", "register", str(other), "--as", story.address("Bank B"))[
        "doc_hash"
    ]
    own_file = story.tmp / "invoice.xml"
    # the CLI: its own document's proof, written and naming it; another's refused, nothing written
    out = story.tmp / "own.proof.json"
    made = cli.json("doc", "prove", str(own_file), "--as", exporter, "--out", str(out))
    assert made["doc_hash"] == story.ubl_hash
    assert json.loads(out.read_text())["registration"]["signed_by"] == exporter
    refused_out = story.tmp / "other.proof.json"
    refused = cli.run(
        "doc", "prove", str(other), "--as", exporter, "--out", str(refused_out), code=1
    )
    assert REFUSED in refused.stderr
    assert "suspended" in refused.stderr
    assert not refused_out.exists()
    body = cli.json("doc", "prove", str(other), "--as", exporter, code=1)
    assert body["error"] == "member_suspended"
    # an active member, and the operator (no --as), still get any document's proof
    assert cli.json("doc", "prove", str(other), "--as", story.address("Bank B"), "--out",
                    str(story.tmp / "b.proof.json"))["doc_hash"] == other_hash  # fmt: skip
    with story.api() as client:
        own = client.get(
            f"/v1/documents/{story.ubl_hash}/proof", headers=story.headers("Demo Exporter")
        )
        assert own.status_code == 200, own.text
        assert own.json()["document"]["doc_hash"] == story.ubl_hash
        assert own.json()["registration"]["signed_by"] == exporter
        theirs = client.get(
            f"/v1/documents/{other_hash}/proof", headers=story.headers("Demo Exporter")
        )
        assert theirs.status_code == 403, theirs.text
        assert theirs.json()["error"] == "member_suspended"
        # the suspended bank registered neither: both refused to it
        for doc_hash in (story.ubl_hash, other_hash):
            answer = client.get(
                f"/v1/documents/{doc_hash}/proof", headers=story.headers("Demo Bank A")
            )
            assert answer.status_code == 403, answer.text
        active = client.get(f"/v1/documents/{other_hash}/proof", headers=story.headers("Bank B"))
        assert active.status_code == 200, active.text


def test_a_suspended_enterprise_reads_the_financings_of_its_documents_only(story: Story) -> None:
    """The suspended exporter read the terms of bank A's financing in its invoice's timeline
    (``doc show``, ``GET /v1/documents/{hash}``) yet was refused the financing itself, in words
    written for banks ("a financing of another bank"). A financing pledging a document it
    registered is its history (docs/privacy.md §3): both reads answer it, through the CLI and
    the API; a financing pledging none of its documents is refused to it in words for its
    role, and the suspended bank is still refused another bank's."""
    cli, exporter = story.cli, story.address("Demo Exporter")
    bank_b, fid = story.address("Bank B"), story.financing_id
    # another financing, pledging a document the exporter did not register
    form = story.tmp / "bank-b-invoice.json"
    form.write_text(
        json.dumps(
            {
                "documentType": "Invoice",
                "documentNumber": "SUSP-B-1",
                "issueDate": "2026-03-01",
                "issuer": {"id": "DE136695976", "scheme": "VAT"},
                "totalAmount": {"value": "900.00", "currency": "DKK"},
            }
        )
    )
    other_doc = cli.json("doc", "receive", str(form), "--as", bank_b)["doc_hash"]
    other = cli.json(
        *("finance", "create", "--as", bank_b, "--doc", f"{other_doc}=50000"),
        *("--currency", "DKK", "--maturity", "2099-12-31"),
    )["financing_id"]
    # the CLI: its invoice's financing, with the terms its timeline shows
    shown = cli.json("finance", "show", str(fid), "--as", exporter)
    assert (shown["financing_id"], shown["amount"], shown["reference"]) == (fid, 374000, "A-42")
    assert [d["doc_hash"] for d in shown["documents"]] == [story.ubl_hash]
    detail = cli.json("doc", "show", story.ubl_hash, "--as", exporter)
    assert detail["financings"] == [fid]
    refused = cli.run("finance", "show", str(other), "--as", exporter, code=1).stderr
    assert "may not read a financing that pledges none of the documents it registered" in refused
    assert "another bank" not in refused
    bank_refused = cli.run("finance", "show", str(other), "--as", story.address("Demo Bank A"),
                           code=1).stderr  # fmt: skip
    assert "may not read a financing of another bank" in bank_refused
    # a list answers as the single read: the financings of its documents, filtered or not
    for args in ((), ("--doc", story.ubl_hash)):
        listed = cli.json("finance", "list", *args, "--as", exporter)["items"]
        assert [f["financing_id"] for f in listed] == [fid], args
    assert cli.json("finance", "list", "--doc", other_doc, "--as", exporter)["items"] == []
    banks_list = cli.json("finance", "list", "--as", story.address("Demo Bank A"))["items"]
    assert {f["financing_id"] for f in banks_list} == {fid}
    # the API answers the same
    exporter_headers = story.headers("Demo Exporter")
    with story.api() as client:
        mine = client.get(f"/v1/financings/{fid}", headers=story.headers("Demo Exporter"))
        assert mine.status_code == 200, mine.text
        assert (mine.json()["amount"], mine.json()["reference"]) == (374000, "A-42")
        doc = client.get(f"/v1/documents/{story.ubl_hash}", headers=story.headers("Demo Exporter"))
        assert doc.status_code == 200, doc.text
        assert doc.json()["financings"] == [fid]
        theirs = client.get(f"/v1/financings/{other}", headers=story.headers("Demo Exporter"))
        assert theirs.status_code == 403, theirs.text
        assert theirs.json()["error"] == "member_suspended"
        assert (
            "a financing that pledges none of the documents it registered"
            in (theirs.json()["message"])
        )
        assert "another bank" not in theirs.json()["message"]
        for params in ({}, {"doc": story.ubl_hash}):
            listed = client.get("/v1/financings", params=params, headers=exporter_headers)
            assert listed.status_code == 200, listed.text
            assert [f["financing_id"] for f in listed.json()["items"]] == [fid], params
        foreign = client.get("/v1/financings", params={"bank": bank_b}, headers=exporter_headers)
        assert foreign.status_code == 403, foreign.text
        assert "another bank" not in foreign.json()["message"]
        banks = client.get(f"/v1/financings/{other}", headers=story.headers("Demo Bank A"))
        assert banks.status_code == 403, banks.text
        assert "a financing of another bank" in banks.json()["message"]
        # its bank, active, reads it
        active = client.get(f"/v1/financings/{other}", headers=story.headers("Bank B"))
        assert active.status_code == 200, active.text
        assert active.json()["amount"] == 50000
