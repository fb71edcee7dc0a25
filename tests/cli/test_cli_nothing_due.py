"""``doc check`` of an invoice with nothing due says it is not financeable, and why: an amount
due (EN 16931 BT-115) that is negative, or credit notes lodged here that cancel it. It printed a
negative "financeable amount" and "left to finance" (a tryout, 2026-12-03); ``finance create``
refuses such an invoice, saying the same."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tests.api.test_nothing_due_api import INVOICE, NEGATIVE_UBL, ZERO_UBL, credit_note
from tests.cli.cli_helpers import Cli


def _demo(tmp_path: Path) -> tuple[Cli, dict[str, str]]:
    cli = Cli(tmp_path / "ledger")
    members = cli.json("init", "--demo")["members"]
    return cli, {m["role"]: m["address"] for m in members}


def _finance(cli: Cli, bank: str, doc_hash: str, currency: str) -> str:
    refused = cli.run(
        "finance",
        "create",
        "--as",
        bank,
        "--doc",
        f"{doc_hash}=100",
        "--currency",
        currency,
        "--maturity",
        "2099-12-31",
        code=2,
    )
    return refused.output


def test_doc_check_says_a_negative_amount_due_is_not_financeable(tmp_path: Path) -> None:
    cli, by_role = _demo(tmp_path)
    bank = by_role["bank"]
    invoice = tmp_path / "negative.xml"
    invoice.write_bytes(NEGATIVE_UBL)
    said = cli.run("doc", "check", str(invoice), "--as", bank, code=5).stdout
    [line] = [ln for ln in said.splitlines() if "financeable amount" in ln]
    assert "financeable amount 0.00 DKK" in line, said
    assert "left to finance: 0.00 DKK" in line, said
    assert "-4,675.00" not in line, said
    assert "NOT FINANCEABLE: its amount due (EN 16931 BT-115) is negative" in said, said
    assert cli.json("doc", "check", str(invoice), "--as", bank, code=5)["financeable_amount"] == 0
    received = cli.json("doc", "receive", str(invoice), "--as", bank)
    assert received["financeable_amount"] == 0
    refused = _finance(cli, bank, received["doc_hash"], "DKK")
    assert "positive amount due" in refused, refused


def test_doc_check_says_credit_notes_cancel_the_amount_due(tmp_path: Path) -> None:
    cli, by_role = _demo(tmp_path)
    bank = by_role["bank"]
    files = {
        "invoice.xml": INVOICE,
        "cn1.xml": credit_note("CN-1", "500.00"),
        "cn2.xml": credit_note("CN-2", "1500.00"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    doc_hash = cli.json("doc", "receive", str(tmp_path / "invoice.xml"), "--as", bank)["doc_hash"]
    cli.json("doc", "receive", str(tmp_path / "cn1.xml"), "--as", bank)
    cli.json("doc", "receive", str(tmp_path / "cn2.xml"), "--as", bank)
    said = cli.run("doc", "check", str(tmp_path / "invoice.xml"), "--as", bank, code=5).stdout
    assert "financeable amount 0.00 EUR" in said, said
    assert "NOT FINANCEABLE: the credit notes counted cancel its amount due" in said, said
    refused = _finance(cli, bank, doc_hash, "EUR")
    assert "cannot be financed" in refused, refused
    assert "credit notes counted cancel" in refused, refused


def test_doc_check_exit_codes_are_in_its_help(tmp_path: Path) -> None:
    """Not financeable is exit 5, documented beside 3 (held) and 4 (not known); a positive
    invoice exits 0."""
    cli, by_role = _demo(tmp_path)
    helped = " ".join(cli.run("doc", "check", "--help").stdout.split())
    assert "5 NOT FINANCEABLE" in helped, helped
    assert "3 an active financing holds" in helped, helped
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(INVOICE)
    cli.run("doc", "check", str(invoice), "--as", by_role["bank"])  # exit 0
    zero = tmp_path / "zero.xml"
    zero.write_bytes(ZERO_UBL)
    said = cli.run("doc", "check", str(zero), "--as", by_role["bank"], code=5).stdout
    assert "NOT FINANCEABLE: its amount due (EN 16931 BT-115) is zero" in said, said
    cli.run("doc", "check", str(zero), code=5)  # as the regulator


def test_doc_check_of_a_credit_note_exits_5(tmp_path: Path) -> None:
    """A tryout checked a credit note: its notice said it "cannot be financed", and the exit
    code was 0, as for an invoice a bank may finance. It exits 5 (NOT FINANCEABLE)."""
    cli, by_role = _demo(tmp_path)
    note = tmp_path / "credit-note.xml"
    note.write_bytes(credit_note("CN-9", "100.00"))
    checked = cli.json("doc", "check", str(note), "--as", by_role["bank"], code=5)
    assert "credit_note" in {n["kind"] for n in checked["notices"]}, checked["notices"]


def test_an_unkeyed_invoice_is_not_said_to_be_cancelled_by_credit_notes(tmp_path: Path) -> None:
    """An invoice whose seller's every identity identifier fails its check shows a financeable
    amount of 0 (no bank can finance it), and ``doc check`` said why as if credit notes
    cancelled it ("NOT FINANCEABLE: the credit notes counted cancel its amount due"): none
    were lodged. It is NOT FINANCEABLE in its seller_unkeyed note's words, and exits 5 (it
    exited 0, the status that says no financing holds it)."""
    cli, by_role = _demo(tmp_path)
    unkeyed = tmp_path / "unkeyed.xml"
    demo = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
    # the seller's VAT id and legal registration both fail their check
    unkeyed.write_bytes(demo.replace(b">DK13585628<", b">DK13585627<"))
    said = cli.run("doc", "check", str(unkeyed), "--as", by_role["bank"], code=5).stdout
    assert "financeable amount 0.00 DKK" in said, said
    assert "credit notes counted cancel" not in said, said
    assert "note (seller_unkeyed)" in said, said
    assert "NOT FINANCEABLE: the seller's identifiers failed their checks" in said, said


def _unkeyed_invoice() -> bytes:
    """The demo invoice whose seller's VAT id and legal registration both fail their check."""
    demo = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
    return demo.replace(b">DK13585628<", b">DK13585627<")


def test_doc_show_words_not_financeable_from_the_held_copys_notices(tmp_path: Path) -> None:
    """``doc show`` recomputed why a held copy's financeable amount is 0 from the amount shown:
    an unkeyed seller's invoice (0: no bank can finance it) read "NOT FINANCEABLE: the credit
    notes counted cancel its amount due" — none were lodged. It words the reason from the
    service's notices: the seller_unkeyed note for that one, the nothing_due notice's own
    reason for an invoice with nothing due."""
    cli, by_role = _demo(tmp_path)
    ent = by_role["enterprise"]
    unkeyed = tmp_path / "unkeyed.xml"
    unkeyed.write_bytes(_unkeyed_invoice())
    doc_hash = cli.json("doc", "register", str(unkeyed), "--as", ent)["doc_hash"]
    shown = cli.run("doc", "show", doc_hash, "--as", ent).stdout
    assert "financeable amount 0.00 DKK" in shown, shown
    assert "credit notes counted cancel" not in shown, shown
    # as doc check: in its seller_unkeyed note's words
    assert "NOT FINANCEABLE: the seller's identifiers failed their checks" in shown, shown
    assert "note (seller_unkeyed)" in shown, shown
    held = cli.json("doc", "show", doc_hash, "--as", ent)["held"]
    assert "seller_unkeyed" in {n["kind"] for n in held["notices"]}, held["notices"]

    negative = tmp_path / "negative.xml"
    negative.write_bytes(NEGATIVE_UBL)
    doc_hash = cli.json("doc", "register", str(negative), "--as", ent)["doc_hash"]
    shown = cli.run("doc", "show", doc_hash, "--as", ent).stdout
    assert "NOT FINANCEABLE: its amount due (EN 16931 BT-115) is negative" in shown, shown


def test_a_credit_note_is_said_to_be_not_financeable(tmp_path: Path) -> None:
    """A credit note exits 5 (NOT FINANCEABLE), and the text now says so in those words, from
    its credit-note facts — ``doc check`` and ``doc show`` alike (they said nothing of it)."""
    cli, by_role = _demo(tmp_path)
    ent = by_role["enterprise"]
    note = tmp_path / "credit-note.xml"
    note.write_bytes(credit_note("CN-9", "100.00"))
    said = cli.run("doc", "check", str(note), "--as", by_role["bank"], code=5).stdout
    assert "NOT FINANCEABLE: this is a credit note" in said, said
    doc_hash = cli.json("doc", "register", str(note), "--as", ent)["doc_hash"]
    shown = cli.run("doc", "show", doc_hash, "--as", ent).stdout
    assert "NOT FINANCEABLE: this is a credit note" in shown, shown
    held = cli.json("doc", "show", doc_hash, "--as", ent)["held"]
    assert "credit_note" in {n["kind"] for n in held["notices"]}, held["notices"]
