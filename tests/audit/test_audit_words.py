"""What a regulator reads, decoded: through the real ``tradeledger audit`` commands and the real
API on the embedded chain. Event names and one sentence each, ISO 8601 UTC times, currency codes
(never ``0x444b4b``), amounts in major units with their currency, reference text, enum names,
members' names beside their addresses; the CSV export one column per field; refusals with their
numbers and the holding bank named apart from the refused one. The raw values an auditor checks
on chain (``args``, ``tx_hash``, block, log index; a financing's terms as their envelope) stay
beside the decoded ones. A financing's terms are decoded for the regulator (and the gateway's own
view); read as another bank, they stay confidential.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from ledger.eventwords import EVENT_FIELDS
from ledger.services import audit
from tests.cli.cli_helpers import ISO_UTC, Story, build_story
from tests.leaks import mentions


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build_story(tmp_path_factory.mktemp("audit-words"))


def test_timeline_for_people_is_decoded(story: Story) -> None:
    bank_a = story.address("Demo Bank A")
    regulator = story.address("Demo Regulator")
    text = story.cli.run("audit", "timeline", story.ubl_hash, "--as", regulator).stdout
    assert '{"' not in text  # no JSON blob of raw arguments
    assert ISO_UTC.match(text)
    assert (
        f"Demo Bank A ({bank_a}) registered financing {story.financing_id}: invoice financing "
        f"of 3,740.00 DKK, maturity 2099-12-31, reference A-42, against document "
        f"{story.ubl_hash} for 3,740.00 DKK of its 4,675.00 DKK face value"
    ) in text
    assert f"520.00 DKK drawn from financing {story.financing_id}" in text
    exporter = story.address("Demo Exporter")
    assert f"registered as invoice by Demo Exporter ({exporter})" in text
    # Bank B's refusals: on this document, and on its other form that the financing holds
    assert "fingerprint pledged, held by financing 1, reference B-78" in text
    assert "reference B-77" in text
    # read as Bank B, the timeline keeps bank A's terms to itself
    as_b = story.cli.run("audit", "timeline", story.ubl_hash, "--as", story.address("Bank B"))
    assert "3,740.00" not in as_b.stdout
    assert "A-42" not in as_b.stdout


def test_timeline_json_keeps_raw_args_beside_decoded_fields(story: Story) -> None:
    events = story.cli.json("audit", "timeline", story.ubl_hash)["items"]
    registered = next(e for e in events if e["event"] == "FinancingRegistered")
    # as on chain, to check it there: the commitment and the sealed terms, never in clear
    assert registered["args"]["terms"].startswith("0x04")  # a compressed terms envelope
    assert not mentions(json.dumps(registered["args"]), "374000")
    fields = registered["fields"]
    assert fields["terms_commitment"] == registered["args"]["termsCommitment"]
    assert fields["fingerprints"].split() == registered["args"]["fingerprints"]
    assert {k: v for k, v in fields.items() if k not in ("terms_commitment", "fingerprints")} == {
        "financing_id": story.financing_id,
        "bank": story.address("Demo Bank A"),
        "bank_name": "Demo Bank A",
        "confidential": False,
        "fingerprint_count": len(registered["args"]["fingerprints"]),
        "kind": "invoice_financing",
        "currency": "DKK",
        "amount": "3740.00",
        "maturity": "2099-12-31T00:00:00Z",
        "reference": "A-42",
        "doc_hash": story.ubl_hash,
        "doc_amount": "3740.00",
        "face_value": "4675.00",
        "acknowledged_suspicions": None,
    }
    assert ISO_UTC.fullmatch(registered["block_time"])
    assert registered["tx_hash"].startswith("0x")
    assert isinstance(registered["block_number"], int)
    refused = [e for e in events if e["event"] == "FinancingRefused"]
    # the refusal its financing caused (the CII file), and the one naming it
    assert [e["fields"]["reason"] for e in refused] == [
        "fingerprint_pledged",
        "fingerprint_pledged",
    ]
    assert [e["fields"]["doc_hash"] for e in refused] == [story.cii_hash, story.ubl_hash]
    assert {e["fields"]["bank_name"] for e in refused} == {"Bank B"}


def test_csv_export_has_one_column_per_field(story: Story) -> None:
    target = story.tmp / "audit.csv"
    story.cli.run("audit", "export", "--format", "csv", "--out", str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert rows
    assert list(rows[0]) == list(audit.CSV_COLUMNS)
    assert "args" not in rows[0]
    financing = next(r for r in rows if r["event"] == "FinancingRegistered")
    assert (financing["currency"], financing["amount"], financing["reference"]) == (
        "DKK",
        "3740.00",
        "A-42",
    )
    assert (financing["bank_name"], financing["kind"]) == ("Demo Bank A", "invoice_financing")
    assert ISO_UTC.fullmatch(financing["block_time"])
    assert ISO_UTC.fullmatch(financing["maturity"])
    drawn = next(r for r in rows if r["event"] == "FinancingEntryRecorded")
    assert (drawn["entry_type"], drawn["amount"], drawn["total_drawn"], drawn["currency"]) == (
        "drawdown",
        "520.00",
        "520.00",
        "DKK",
    )
    joined = next(r for r in rows if r["event"] == "MemberAdded" and r["role"] == "regulator")
    assert joined["account_name"] == "Demo Regulator"
    for row in rows:  # a field an event does not have stays empty
        unused = set(audit.CSV_COLUMNS[7:]) - set(EVENT_FIELDS[row["event"]])
        assert all(row[c] == "" for c in unused), row["event"]
        assert row["summary"]


def test_refusals_name_both_banks_with_the_numbers(story: Story) -> None:
    bank_a, bank_b = story.address("Demo Bank A"), story.address("Bank B")
    text = story.cli.run("audit", "refusals").stdout
    assert text.count("FINGERPRINT_PLEDGED") == 2
    assert f"refused:   Bank B ({bank_b}), reference B-77" in text
    assert f"refused:   Bank B ({bank_b}), reference B-78" in text
    assert (
        f"held by:   financing {story.financing_id} of Demo Bank A ({bank_a}), on document "
        f"{story.ubl_hash} (they share a fingerprint: one invoice, or two its seller numbered "
        "alike, or issued to one buyer on one day for one amount)"
    ) in text
    # headroom is what can actually be financed: nothing while financing 1 holds the invoice;
    # the numbers of the CII copy's refusal are the held UBL document's, and say so
    numbers = (
        "face value{} 4,675.00 DKK, already financed 3,740.00 DKK, headroom 0.00 DKK "
        "(nothing can be financed while the invoice's fingerprints are held)"
    )
    assert text.count("numbers:   " + numbers.format("")) == 1
    held = numbers.format(f" of document {story.ubl_hash} (the one held)")
    assert text.count("numbers:   " + held) == 1
    # what the refused bank asked, from its sealed attempt
    assert text.count("asked:     1,000.00 DKK (face value read from its file: 4,675.00 DKK)") == 2
    [cii, ubl] = story.cli.json("audit", "refusals")["items"]
    assert (cii["bank"], cii["bank_name"]) == (bank_b, "Bank B")
    assert (cii["conflicting_bank"], cii["conflicting_bank_name"]) == (bank_a, "Demo Bank A")
    assert (cii["doc_hash"], cii["holding_doc_hash"]) == (story.cii_hash, story.ubl_hash)
    assert (ubl["doc_hash"], ubl["holding_doc_hash"]) == (story.ubl_hash, None)
    for refusal in (cii, ubl):
        assert (refusal["face_value"], refusal["already_financed"], refusal["headroom"]) == (
            467_500,
            374_000,
            0,
        )
        assert refusal["currency"] == "DKK"
        assert (refusal["requested_amount"], refusal["requested_currency"]) == (100_000, "DKK")
        assert refusal["stated_face_value"] == 467_500
        assert refusal["conflicting_financing_id"] == story.financing_id
        assert refusal["holders"] == [
            {
                "financing_id": story.financing_id,
                "bank": bank_a,
                "bank_name": "Demo Bank A",
                "amount": 374_000,
            }
        ]
    assert (cii["reference"], ubl["reference"]) == ("B-77", "B-78")
    # bank B reads its own refusals, without bank A's numbers; bank A none of bank B's
    own = story.cli.json("audit", "refusals", "--as", bank_b)["items"]
    assert [(r["reference"], r["face_value"], r["holders"]) for r in own] == [
        ("B-77", None, []),
        ("B-78", None, []),
    ]
    assert story.cli.json("audit", "refusals", "--as", bank_a)["items"] == []


def test_activity_duplicates_and_exposure_commands(story: Story) -> None:
    bank_a = story.address("Demo Bank A")
    activity = story.cli.run("audit", "activity", bank_a).stdout
    assert f"Demo Bank A ({bank_a}) joined as member" in activity
    assert "520.00 DKK drawn from financing" in activity
    assert story.cli.json("audit", "activity", bank_a)["items"][0]["fields"]["role"] == "bank"

    duplicates = story.cli.run("audit", "duplicates").stdout
    assert "refusals of a document already financed: 2" in duplicates
    assert "FINGERPRINT_PLEDGED" in duplicates
    # an enterprise is refused, as its API key is (it used to read "0": none exist)
    as_exporter = story.cli.run(
        "audit", "duplicates", "--as", story.address("Demo Exporter"), code=1
    )
    assert (
        "role enterprise may not read duplicate financings (allowed: bank, regulator)"
        in as_exporter.stderr
    )
    # a bank reads its own refusals: the count says so
    as_bank = story.cli.run("audit", "duplicates", "--as", bank_a).stdout
    assert "refusals of a document already financed: none you may read (your own)" in as_bank

    exposure = story.cli.run("audit", "exposure").stdout.splitlines()
    assert exposure[0].split() == [
        "MEMBER",
        "CURRENCY",
        "FINANCINGS",
        "FINANCED",
        "DRAWN",
        "REPAID",
        "OUTSTANDING",
    ]
    assert exposure[2].startswith(f"Demo Bank A ({bank_a})")
    assert "3,740.00 DKK" in exposure[2]
    [row] = story.cli.json("audit", "exposure")["items"]
    assert (row["member"], row["member_name"], row["financed"]) == (bank_a, "Demo Bank A", 374_000)
    by_enterprise = story.cli.run("audit", "exposure", "--by", "enterprise").stdout
    assert f"Demo Exporter ({story.address('Demo Exporter')})" in by_enterprise
    wrong = story.cli.run("audit", "exposure", "--by", "country", code=2)
    assert wrong.stderr.strip() == "error: --by: must be one of bank, enterprise"


def test_the_api_answers_the_same_decoded_values(story: Story) -> None:
    regulator = story.headers("Demo Regulator")
    with story.api() as client:
        timeline = client.get(
            f"/v1/audit/documents/{story.ubl_hash}/timeline", headers=regulator
        ).json()
        refusals = client.get("/v1/audit/refusals", headers=regulator).json()
        exported = client.get("/v1/audit/export", params={"format": "csv"}, headers=regulator)
        lines = client.get("/v1/audit/export", params={"format": "jsonl"}, headers=regulator)
    registered = next(e for e in timeline["items"] if e["event"] == "FinancingRegistered")
    assert registered["fields"]["currency"] == "DKK"
    assert registered["fields"]["amount"] == "3740.00"
    assert registered["fields"]["reference"] == "A-42"
    assert "invoice financing of 3,740.00 DKK" in registered["summary"]

    pledged = refusals["items"][0]
    assert pledged["conflicting_bank_name"] == "Demo Bank A"
    assert pledged["bank_name"] == "Bank B"
    assert pledged["headroom"] == 0
    assert "headroom 0.00 DKK" in pledged["summary"]
    assert pledged["requested_amount"] == 100_000

    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert list(table[0]) == list(audit.CSV_COLUMNS)
    assert next(r for r in table if r["event"] == "FinancingRegistered")["currency"] == "DKK"
    events = [json.loads(line) for line in lines.text.splitlines()]
    financed = next(e for e in events if e["event"] == "FinancingRegistered")
    assert financed["fields"]["face_value"] == "4675.00"
    assert financed["fields"]["doc_hash"] == story.ubl_hash
    assert "for 3,740.00 DKK of its 4,675.00 DKK face value" in financed["summary"]


def test_a_maturity_with_a_time_of_day_reads_whole() -> None:
    """A maturity given as a day reads as the day; one given with an offset
    (``2027-06-30T23:00:00-05:00``, stored as 04:00 UTC the next day) read as that UTC day
    alone — the wrong day for its bank (a tryout) — and now reads whole."""
    from datetime import UTC, datetime

    from ledger.eventwords import CLEAR_KEY, decode_event

    def summary(maturity: datetime) -> str:
        args = {
            "bank": "0x" + "11" * 20,
            "financingId": 7,
            "fingerprints": [],
            "termsCommitment": b"\x00" * 32,
            CLEAR_KEY: {
                "kind": "INVOICE_FINANCING",
                "currency": "DKK",
                "amount": 374_000,
                "maturity": int(maturity.timestamp()),
                "reference": "R-1",
            },
        }
        return decode_event("FinancingRegistered", args).summary

    assert ", maturity 2027-06-30, " in summary(datetime(2027, 6, 30, tzinfo=UTC))
    assert ", maturity 2027-07-01T04:00:00Z, " in summary(datetime(2027, 7, 1, 4, tzinfo=UTC))


def test_a_suspicion_found_three_ways_is_said_once_of_its_financing() -> None:
    """Tryout 64 read one follow-up naming "may re-issue an invoice active financing 1 …
    pledges" three times over: the one document was found by three marks."""
    from ledger.indexer.rules import SuspicionNamingFinancings, _despite, _Financing
    from ledger.indexer.terms import Terms

    def financing(i: int, bank: str) -> _Financing:
        return _Financing(i, bank, i, 0, "0x" + "00" * 32, b"", b"", ())

    terms = Terms("financing", None, None, "DKK", 400_000, 0, "", (), None)
    found = [SuspicionNamingFinancings(0, "0x" + "ab" * 32, "reissue", [1]) for _ in range(3)]
    first = financing(1, "0x" + "11" * 20)
    entry = _despite(financing(3, "0x" + "22" * 20), terms, found, {1: first}, {})
    assert entry.message.count("may re-issue an invoice active financing 1") == 1, entry.message


def test_the_heading_counts_financings_made_despite_a_re_issue_once_per_set() -> None:
    """Tryout 64: four financings at three gateways held 6,740.00 DKK on copies of one
    4,675.00 DKK invoice; the regulator's gateway held none of the files, and its heading
    counted nothing beyond what invoices are due. Each set of financings tied by such
    suspicions counts once, at the most one of its entries holds beyond the face value."""
    from ledger.cli_audit import _beyond_due
    from ledger.indexer.rules import (
        FinancedDespiteSuspicions,
        RulesReport,
        SuspectedFinancing,
    )

    def entry(fid: int, others: list[int], held: int) -> FinancedDespiteSuspicions:
        return FinancedDespiteSuspicions(
            financing_id=fid,
            bank="0x" + "22" * 20,
            currency="DKK",
            amount=100_000,
            kinds=["reissue"],
            suspicions=[],
            other_financings=[
                SuspectedFinancing(i, "0x" + "11" * 20, 100_000, "DKK") for i in others
            ],
            message="",
            held_together=held,
            face_value=467_500,
            held_beyond_face_value=max(0, held - 467_500),
        )

    rules = RulesReport(regulators=[])
    rules.financed_despite_suspicions = [
        entry(2, [1], 474_000),
        entry(3, [1, 2], 574_000),
        entry(4, [1, 2, 3], 674_000),
    ]
    assert _beyond_due(rules) == "2,065.00 DKK"
    rules.financed_despite_suspicions.append(entry(9, [8], 400_000))  # within its face value
    assert _beyond_due(rules) == "2,065.00 DKK"


def test_every_financing_the_re_issue_suspicions_name_is_counted_together_once() -> None:
    """Tryout 67: financing 12 acknowledged two re-issue suspicions of its one document, one
    naming financing 9 and one naming 9 and 11; its line said 794.80 EUR together, leaving
    financing 11's 529.87 EUR out."""
    from ledger.indexer.rules import SuspicionNamingFinancings, _despite, _Financing
    from ledger.indexer.terms import DocumentTerms, Terms

    doc = "0x" + "ab" * 32

    def terms(amount: int, face: int, of: str) -> Terms:
        pledged = (DocumentTerms(of, amount, face, None, ()),)
        return Terms("financing", None, None, "EUR", amount, 0, "", pledged, None)

    def financing(i: int, t: Terms) -> _Financing:
        return _Financing(i, "0x" + f"{i:02d}" * 20, i, 0, "0x" + "00" * 32, b"", b"", (), terms=t)

    nine = financing(9, terms(26_493, 52_987, "0x" + "09" * 32))
    eleven = financing(11, terms(52_987, 52_987, "0x" + "11" * 32))
    mine = terms(52_987, 52_987, doc)
    found = [
        SuspicionNamingFinancings(0, doc, "reissue", [9]),
        SuspicionNamingFinancings(0, doc, "reissue", [9, 11]),
    ]
    entry = _despite(financing(12, mine), mine, found, {9: nine, 11: eleven}, {})
    assert (entry.held_together, entry.face_value) == (132_467, 52_987)
    assert entry.held_beyond_face_value == 132_467 - 52_987
