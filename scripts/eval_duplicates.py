"""Measure the duplicate detector (ledger.documents) on the e-invoice corpus plus disguises.

Every corpus file is read, then disguised the ways a borrower (or an honest re-keying) would:
re-indented and minified XML, reversed attribute order, the other syntax (UBL ↔ CII, written from
the facts), a Factur-X PDF, JSON forms with European and US number and date styles, identifiers
in other case and spacing with leading zeros, amounts written with a sign and trailing zeros.
Altered copies change the amount, the issue date or the due date; distinct invoices keep the
number under another seller, or keep the seller with another number, amount and date.

Every pair of documents in that pool is graded and compared with the truth, which comes from how
each document was made plus a hand-checked table of which corpus files are one invoice
(``CORPUS_GROUPS``, read from the files: seller VAT id, number, issue date, amount due).
Prints precision and recall per grade, and how often the keyed fingerprints collide.

    .venv/bin/python scripts/eval_duplicates.py [--corpus DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from itertools import combinations
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger.documents import (
    DocumentFacts,
    DocumentFormat,
    MatchGrade,
    ParsedDocument,
    Party,
    compute_fingerprints,
    grade,
    make_party_id,
    read_document,
)
from ledger.documents.cii import NS as CII_NS
from ledger.documents.currencies import minor_unit_exponent
from ledger.documents.ubl import NS as UBL_NS
from ledger.documents.writers import (
    amount_text,
    form_dict,
    write_cii,
    write_facturx,
    write_ubl,
)
from ledger.documents.xmlsafe import parse_untrusted_xml

DEFAULT_CORPUS = Path(__file__).parents[1] / "tests" / "data" / "einvoices"

#: which corpus files carry the same business invoice (checked by hand against the files:
#: seller VAT id, invoice number, issue date, amount due). Files not listed stand alone.
CORPUS_GROUPS = {
    # 12115118, seller NL8200.98.395.B.01, 2015-01-09, EUR 250.33
    "ubl/guide-example1.xml": "12115118",
    "ubl/ubl-tc434-example1.xml": "12115118",
    "ubl/ubl-tc434-example10.xml": "12115118",
    "cii/CII_example1.xml": "12115118",
    # TOSL108, seller NO123456789MVA, 2013-06-30, NOK 801.78 due
    "ubl/guide-example2.xml": "TOSL108-NO",
    "ubl/ubl-tc434-example2.xml": "TOSL108-NO",
    "cii/CII_example2.xml": "TOSL108-NO",
    "cii/CII_business_example_01.xml": "TOSL108-NO",
    # TOSL108, seller DK16356706, 2013-04-10, DKK 1125.00
    "ubl/guide-example3.xml": "TOSL108-DK",
    "cii/CII_example3.xml": "TOSL108-DK",
    # TOSL108, seller DK16356706, 2013-04-10, DKK 2005.00 (other amount and buyer: altered)
    "ubl/ubl-tc434-example3.xml": "TOSL108-DK-2005",
    # TOSL110, seller DK16356706, DKK 4675.00
    "ubl/ubl-tc434-example4.xml": "TOSL110-DK",
    "cii/CII_example4.xml": "TOSL110-DK",
    # TOSL110, seller NL16356706, DKK 2337.50 (another seller than TOSL110-DK)
    "ubl/ubl-tc434-example5.xml": "TOSL110-NL",
    "cii/CII_example5.xml": "TOSL110-NL",
    # TOSL110, seller DK123456789MVA, DKK 4675.00 (another seller than TOSL110-DK)
    "ubl/ubl-tc434-example6.xml": "TOSL110-DKMVA",
    "cii/CII_example6.xml": "TOSL110-DKMVA",
}
#: groups that are the same seller and number with a different amount or date
ALTERED_GROUPS = {frozenset({"TOSL108-DK", "TOSL108-DK-2005"})}

BASE = "base"


@dataclass(frozen=True)
class Item:
    """One document of the pool and how it was made."""

    name: str
    group: str
    version: str  # BASE for a faithful copy, else the alteration
    doc: ParsedDocument


def truth(a: Item, b: Item) -> MatchGrade | None:
    if a.doc.doc_hash == b.doc.doc_hash:
        return MatchGrade.IDENTICAL
    if a.group == b.group:
        return MatchGrade.SAME_DOCUMENT if a.version == b.version else MatchGrade.ALTERED
    base_a, _, made_a = a.group.partition("#")
    base_b, _, made_b = b.group.partition("#")
    if made_a == made_b and frozenset({base_a, base_b}) in ALTERED_GROUPS:
        return MatchGrade.ALTERED
    return None


# --- XML disguises of the original bytes ---------------------------------------------------


def _tree(data: bytes) -> etree._Element:
    return parse_untrusted_xml(data)


def _bytes(root: etree._Element, pretty: bool = False) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=pretty))


def _strip_blank(root: etree._Element) -> None:
    for element in root.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None


def reindent(data: bytes) -> bytes:
    root = _tree(data)
    _strip_blank(root)
    etree.indent(root, space="\t")
    return _bytes(root)


def minify(data: bytes) -> bytes:
    root = _tree(data)
    _strip_blank(root)
    return _bytes(root)


def reverse_attributes(data: bytes) -> bytes:
    root = _tree(data)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        items = list(element.attrib.items())
        element.attrib.clear()
        for key, value in reversed(items):
            element.set(key, value)
    return _bytes(root, pretty=True)


def _is_ubl(root: etree._Element) -> bool:
    return etree.QName(root).localname in ("Invoice", "CreditNote")


def _number_el(root: etree._Element) -> etree._Element:
    path = "cbc:ID" if _is_ubl(root) else "rsm:ExchangedDocument/ram:ID"
    found = root.find(path, UBL_NS if _is_ubl(root) else CII_NS)
    assert found is not None
    return found


def _vat_els(root: etree._Element) -> list[etree._Element]:
    if _is_ubl(root):
        found = (
            tax.find("cbc:CompanyID", UBL_NS)
            for tax in root.iterfind(".//cac:PartyTaxScheme", UBL_NS)
        )
        return [e for e in found if e is not None]
    return list(root.iterfind(".//ram:SpecifiedTaxRegistration/ram:ID", CII_NS))


def _amount_els(root: etree._Element) -> list[etree._Element]:
    if _is_ubl(root):
        tags = ("PayableAmount", "TaxInclusiveAmount")
        return [e for t in tags for e in root.iterfind(f"cac:LegalMonetaryTotal/cbc:{t}", UBL_NS)]
    tags = ("DuePayableAmount", "GrandTotalAmount")
    return [e for t in tags for e in root.iterfind(f".//ram:{t}", CII_NS)]


def _issue_el(root: etree._Element) -> etree._Element:
    if _is_ubl(root):
        found = root.find("cbc:IssueDate", UBL_NS)
    else:
        found = root.find("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", CII_NS)
    assert found is not None
    return found


def respell_identifiers(data: bytes) -> bytes:
    """Number in lower case with a leading-zero pad and a hyphen; VAT ids lower case, spaced."""
    root = _tree(data)
    number = _number_el(root)
    text = (number.text or "").strip()
    first_digit = next((i for i, c in enumerate(text) if c.isdigit()), len(text))
    padded = text[:first_digit] + ("00" if first_digit < len(text) else "") + text[first_digit:]
    number.text = f" {padded.lower()[:2]}-{padded.lower()[2:]} "
    for vat in _vat_els(root):
        value = (vat.text or "").strip().lower()
        vat.text = " ".join(value[i : i + 3] for i in range(0, len(value), 3))
    return _bytes(root, pretty=True)


def respell_amounts(data: bytes) -> bytes:
    """Amounts with a plus sign and a trailing zero (both valid xs:decimal)."""
    root = _tree(data)
    for amount in _amount_els(root):
        text = (amount.text or "").strip()
        amount.text = "+" + text + ("0" if "." in text else ".000")
    return _bytes(root, pretty=True)


def alter_amount(data: bytes) -> bytes:
    root = _tree(data)
    for amount in _amount_els(root):
        amount.text = str(Decimal((amount.text or "0").strip()) + 1)
    return _bytes(root, pretty=True)


def alter_issue_date(data: bytes) -> bytes:
    root = _tree(data)
    issue = _issue_el(root)
    text = (issue.text or "").strip()
    issue.text = text[:-2] + ("28" if text[-2:] != "28" else "27")  # YYYY-MM-DD or YYYYMMDD
    return _bytes(root, pretty=True)


# --- disguises written from the facts -------------------------------------------------------


def _german_amount(facts: DocumentFacts) -> str:
    text = amount_text(facts)
    if facts.currency and minor_unit_exponent(facts.currency) == 0:
        return text
    integer, _, fraction = text.partition(".")
    sign = "-" if integer.startswith("-") else ""
    digits = integer.lstrip("-")
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return sign + ".".join(groups) + "," + fraction


def _us_amount(facts: DocumentFacts) -> str:
    text = amount_text(facts)
    if facts.currency and minor_unit_exponent(facts.currency) == 0:
        return text
    integer, _, fraction = text.partition(".")
    return f"{int(integer):,}" + "." + fraction


def json_form_european(facts: DocumentFacts) -> bytes:
    """JSON form: number lower case, DD.MM.YYYY dates, 1.234,56 amounts, VAT without prefix."""
    form = form_dict(facts)
    form["documentNumber"] = str(form["documentNumber"]).lower()
    if facts.issue_date:
        form["issueDate"] = facts.issue_date.strftime("%d.%m.%Y")
    if facts.due_date:
        form["dueDate"] = facts.due_date.strftime("%d.%m.%Y")
    form["totalAmount"] = {"value": _german_amount(facts), "currency": facts.currency}
    for key in ("issuer", "consignee"):
        party = form.get(key)
        if isinstance(party, dict) and party.get("country"):
            for ident in party["ids"]:
                if ident["scheme"] == "VAT" and ident["id"].startswith(party["country"]):
                    ident["id"] = ident["id"][2:]
    return json.dumps(form, indent=1).encode()


def json_form_us(facts: DocumentFacts) -> bytes:
    """JSON form: 1,234.56 amounts, YYYYMMDD dates, scheme names in lower case."""
    form = form_dict(facts)
    form["totalAmount"] = {"value": _us_amount(facts), "currency": (facts.currency or "").lower()}
    if facts.issue_date:
        form["issueDate"] = facts.issue_date.strftime("%Y%m%d")
    return json.dumps(form).encode()


def other_syntax(doc: ParsedDocument) -> bytes:
    assert doc.facts is not None
    return write_cii(doc.facts) if doc.format is DocumentFormat.UBL else write_ubl(doc.facts)


def facturx(doc: ParsedDocument, data: bytes) -> bytes:
    assert doc.facts is not None
    return write_facturx(data if doc.format is DocumentFormat.CII else write_cii(doc.facts))


def other_seller(facts: DocumentFacts, n: int) -> DocumentFacts:
    vat = make_party_id("VAT", f"99{n:07d}", country="FR")
    return replace(facts, seller=Party.of([vat], name=f"Other seller {n}", country="FR"))


def other_invoice(facts: DocumentFacts) -> DocumentFacts:
    assert facts.issue_date is not None
    assert facts.amount_minor is not None
    return DocumentFacts.create(
        facts.doc_type,
        facts.number + "X7",
        issue_date=facts.issue_date + timedelta(days=3),
        due_date=facts.due_date,
        seller=facts.seller,
        buyer=facts.buyer,
        amount_minor=facts.amount_minor + 1234,
        currency=facts.currency,
        credit_note=facts.credit_note,
    )


def alter_dates(facts: DocumentFacts) -> tuple[str, DocumentFacts]:
    """The due date 30 days later, or (no due date) the issue date 30 days earlier."""
    assert facts.issue_date is not None
    if facts.due_date is not None:
        return "due+30", replace(facts, due_date=facts.due_date + timedelta(days=30))
    return "issue-30", replace(facts, issue_date=facts.issue_date - timedelta(days=30))


# --- the pool -------------------------------------------------------------------------------


def build_pool(corpus: Path) -> list[Item]:
    files = sorted(p for p in corpus.rglob("*.xml") if p.parent.name in ("ubl", "cii"))
    if not files:
        raise SystemExit(f"no corpus files under {corpus}")
    pool: list[Item] = []
    for n, path in enumerate(files):
        rel = f"{path.parent.name}/{path.name}"
        data = path.read_bytes()
        doc = read_document(data)
        assert doc.facts is not None, rel
        facts = doc.facts
        group = CORPUS_GROUPS.get(rel, rel)
        altered_how, altered_facts = alter_dates(facts)
        made: list[tuple[str, str, str, bytes]] = [
            ("original", group, BASE, data),
            ("copy", group, BASE, bytes(data)),
            ("reindent", group, BASE, reindent(data)),
            ("minify", group, BASE, minify(data)),
            ("reverse_attributes", group, BASE, reverse_attributes(data)),
            ("respell_identifiers", group, BASE, respell_identifiers(data)),
            ("respell_amounts", group, BASE, respell_amounts(data)),
            ("other_syntax", group, BASE, other_syntax(doc)),
            ("facturx", group, BASE, facturx(doc, data)),
            ("json_european", group, BASE, json_form_european(facts)),
            ("json_us", group, BASE, json_form_us(facts)),
            ("alter_amount", group, "amount+1", alter_amount(data)),
            ("alter_issue_date", group, "issue_date", alter_issue_date(data)),
            ("alter_dates_other_syntax", group, altered_how, write_cii(altered_facts)),
            ("other_seller", f"{rel}#other_seller", BASE, write_ubl(other_seller(facts, n))),
            ("other_invoice", f"{group}#other_invoice", BASE, write_cii(other_invoice(facts))),
        ]
        for how, grp, version, blob in made:
            pool.append(Item(f"{rel}:{how}", grp, version, read_document(blob)))
    return pool


def _pairs(pool: list[Item]) -> Iterator[tuple[Item, Item]]:
    yield from combinations(pool, 2)


def evaluate(pool: list[Item], key: bytes) -> dict[str, object]:
    predicted: Counter[str] = Counter()
    actual: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    fp_shared: Counter[str] = Counter()
    fp_full: Counter[str] = Counter()
    errors: list[str] = []
    fingerprints = {
        id(item): {f.name: f.value for f in compute_fingerprints(item.doc, key)} for item in pool
    }
    for a, b in _pairs(pool):
        want = truth(a, b)
        got_match = grade(a.doc, b.doc)
        got = got_match.grade if got_match else None
        want_s, got_s = (want.value if want else "none"), (got.value if got else "none")
        actual[want_s] += 1
        predicted[got_s] += 1
        confusion[(want_s, got_s)] += 1
        if want == got:
            correct[want_s] += 1
        elif len(errors) < 20:
            errors.append(f"{a.name} vs {b.name}: truth {want_s}, graded {got_s}")
        fa, fb = fingerprints[id(a)], fingerprints[id(b)]
        if set(fa.values()) & set(fb.values()):
            fp_shared[want_s] += 1
        if fa.get("full") is not None and fa.get("full") == fb.get("full"):
            fp_full[want_s] += 1
    grades: dict[str, dict[str, float | int | None]] = {}
    for name in [g.value for g in MatchGrade]:
        grades[name] = {
            "truth_pairs": actual[name],
            "graded_pairs": predicted[name],
            "correct": correct[name],
            "precision": correct[name] / predicted[name] if predicted[name] else None,
            "recall": correct[name] / actual[name] if actual[name] else None,
            "share_a_fingerprint": fp_shared[name],
            "share_full_fingerprint": fp_full[name],
        }
    distinct = actual["none"]
    return {
        "documents": len(pool),
        "pairs": sum(actual.values()),
        "grades": grades,
        "distinct_pairs": distinct,
        "distinct_pairs_graded_same_document": confusion[("none", "same_document")],
        "distinct_pairs_graded_any_match": distinct - correct["none"],
        "distinct_pairs_sharing_a_fingerprint": fp_shared["none"],
        "confusion": {f"{w}->{g}": n for (w, g), n in sorted(confusion.items())},
        "first_errors": errors,
    }


def _show(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    pool = build_pool(args.corpus)
    result = evaluate(pool, key=os.urandom(32))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['documents']} documents, {result['pairs']} pairs")
    header = ("grade", "truth", "graded", "correct", "precision", "recall", "share fp", "full fp")
    print("{:<14} {:>7} {:>7} {:>8} {:>10} {:>7} {:>9} {:>8}".format(*header))
    grades = result["grades"]
    assert isinstance(grades, dict)
    for name, row in grades.items():
        print(
            f"{name:<14} {row['truth_pairs']:>7} {row['graded_pairs']:>7} {row['correct']:>8} "
            f"{_show(row['precision']):>10} {_show(row['recall']):>7} "
            f"{row['share_a_fingerprint']:>9} {row['share_full_fingerprint']:>8}"
        )
    print(
        f"distinct pairs: {result['distinct_pairs']}, graded as a match: "
        f"{result['distinct_pairs_graded_any_match']} (same_document: "
        f"{result['distinct_pairs_graded_same_document']}), sharing a fingerprint: "
        f"{result['distinct_pairs_sharing_a_fingerprint']}"
    )
    errors = result["first_errors"]
    assert isinstance(errors, list)
    for line in errors:
        print("  ", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
