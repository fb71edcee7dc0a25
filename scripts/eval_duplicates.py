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
import random
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import combinations
from pathlib import Path

from lxml import etree
from stdnum.iso7064 import mod_11_10

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger.documents import (
    DocumentFacts,
    DocumentFormat,
    DocumentType,
    MatchGrade,
    ParsedDocument,
    Party,
    compute_fingerprints,
    grade,
    grade_facts,
    make_party_id,
    onchain_fingerprints,
    read_document,
)
from ledger.documents.cii import NS as CII_NS
from ledger.documents.currencies import minor_unit_exponent
from ledger.documents.facts import Line
from ledger.documents.normalise import normalise_identifier, normalise_number
from ledger.documents.suspicion import find_suspicions
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
    """Number in lower case with a leading-zero pad on its first digit group and a hyphen where
    letters meet digits; VAT ids lower case, spaced."""
    root = _tree(data)
    number = _number_el(root)
    text = (number.text or "").strip()
    first_digit = next((i for i, c in enumerate(text) if c.isdigit()), len(text))
    sep = "-" if 0 < first_digit < len(text) and text[first_digit - 1].isalpha() else ""
    padded = text[:first_digit] + sep + ("00" if first_digit < len(text) else "")
    padded += text[first_digit:]
    number.text = f" {padded.lower()} "
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


def valid_de_vat(n: int) -> str:
    """A German VAT number whose ISO 7064 mod 11,10 check digit passes (``n`` < 10**8)."""
    body = f"{10_000_000 + n:08d}"
    return f"DE{body}{mod_11_10.calc_check_digit(body)}"


def other_seller(facts: DocumentFacts, n: int) -> DocumentFacts:
    vat = make_party_id("VAT", valid_de_vat(n), country="DE")
    return replace(facts, seller=Party.of([vat], name=f"Other seller {n}", country="DE"))


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
        if facts.due_date and facts.issue_date and facts.due_date < facts.issue_date:
            # EN 16931 lets BT-9 precede BT-2 (CII_business_example_02, XRechnung-O); the JSON
            # form refuses it (docs/documents.md), so such an invoice has no JSON-form copy
            made = [m for m in made if not m[0].startswith("json_")]
        for how, grp, version, blob in made:
            pool.append(Item(f"{rel}:{how}", grp, version, read_document(blob)))
    return pool


def _pairs(pool: list[Item]) -> Iterator[tuple[Item, Item]]:
    yield from combinations(pool, 2)


def _unkeyed(item: Item) -> bool:
    facts = item.doc.facts
    return facts is not None and facts.seller is not None and facts.seller.unkeyed


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
    unkeyed: Counter[str] = Counter()
    unkeyed_graded = 0
    for a, b in _pairs(pool):
        want = truth(a, b)
        got_match = grade(a.doc, b.doc)
        got = got_match.grade if got_match else None
        want_s, got_s = (want.value if want else "none"), (got.value if got else "none")
        if want is not MatchGrade.IDENTICAL and (_unkeyed(a) or _unkeyed(b)):
            unkeyed[want_s] += 1
            unkeyed_graded += got is not None
            continue
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
        "unkeyed_pairs": dict(unkeyed),
        "unkeyed_pairs_graded": unkeyed_graded,
        "first_errors": errors,
    }


# --- document numbers: collisions among distinct numbers, re-typed copies ---------------------

#: numbering schemes seen on real invoices; each yields distinct numbers (one issuer's series)
NUMBER_FORMATS: tuple[tuple[str, str], ...] = (
    ("day/month/year", "FV {d}/{m}/{y}"),
    ("month/day/year", "RE {m}-{d}-{y}"),
    ("seq/month/year", "{n}/{m}/{y}"),
    ("year/seq", "{y}/{n}"),
    ("year-seq padded", "INV-{y}-{n:05d}"),
    ("prefix padded", "F{n:07d}"),
    ("date-seq", "{y}{m:02d}{d:02d}-{n}"),
    ("seq.year", "{n}.{y}"),
    ("branch/seq/year", "{b}/{n}/{y}"),
    ("year month seq", "{y} {m} {n}"),
)


def distinct_numbers(per_format: int, seed: int = 7) -> list[tuple[str, str]]:
    """(format name, number) — distinct numbers of each format (no two equal strings)."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for name, pattern in NUMBER_FORMATS:
        seen: set[str] = set()
        for _ in range(per_format * 20):  # date-only formats have one number per day
            if len(seen) >= per_format:
                break
            day = date(1980, 1, 1) + timedelta(days=rng.randrange(60 * 365))
            text = pattern.format(
                d=day.day,
                m=day.month,
                y=day.year,
                n=rng.randrange(1, 30000),
                b=rng.randrange(1, 40),
            )
            seen.add(text)
        out += [(name, t) for t in sorted(seen)]
    return out


def _retype(number: str, rng: random.Random) -> str:
    """A re-typed copy that keeps every digit group: case, separator kinds and spaces, zeros
    added to or dropped from a group, a separator dropped or added where letters meet digits,
    full-width characters."""
    pieces = re.findall(r"\d+|[A-Za-z]+|[^A-Za-z\d]+", number)
    out: list[str] = []
    for i, piece in enumerate(pieces):
        if piece.isdigit():
            choice = rng.random()
            if choice < 0.3:
                piece = "0" + piece
            elif choice < 0.5:
                piece = piece.lstrip("0") or "0"
        elif piece.isalpha():
            piece = piece.lower() if rng.random() < 0.5 else piece
        else:
            between_digits = 0 < i < len(pieces) - 1 and pieces[i - 1][-1:].isdigit()
            between_digits = between_digits and pieces[i + 1][:1].isdigit()
            if between_digits:
                piece = rng.choice(["/", "-", ".", " / ", "_", " "])
            else:
                piece = rng.choice(["", " ", "-", piece])
        out.append(piece)
    text = "".join(out)
    if rng.random() < 0.1:
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    return f" {text} " if rng.random() < 0.2 else text


def _squash(number: str) -> str:
    """A re-typed copy that drops the separators between digit groups (information lost)."""
    return re.sub(r"(?<=\d)[\s./\-_]+(?=\d)", "", number)


def evaluate_numbers(per_format: int, key: bytes, seed: int = 7) -> dict[str, object]:
    """Collisions among distinct numbers under today's rule and under the v1 rule (separators
    removed), and how re-typed copies meet."""
    numbers = distinct_numbers(per_format, seed)
    rng = random.Random(seed + 1)

    def collisions(rule: Callable[[str], str]) -> tuple[int, list[str]]:
        by: dict[str, str] = {}
        count, examples = 0, []
        for _, text in numbers:
            canon = rule(text)
            if canon in by and by[canon] != text:
                count += 1
                if len(examples) < 3:
                    examples.append(f"{by[canon]!r} and {text!r} -> {canon!r}")
            by.setdefault(canon, text)
        return count, examples

    new, new_examples = collisions(normalise_number)
    old, old_examples = collisions(normalise_identifier)
    sample = rng.sample(numbers, min(20_000, len(numbers)))
    met = sum(normalise_number(_retype(t, rng)) == normalise_number(t) for _, t in sample)
    squashable = [t for _, t in sample if _squash(t) != t][:300]
    squash_met = sum(normalise_number(_squash(t)) == normalise_number(t) for t in squashable)
    caught = 0
    seller = Party.of([make_party_id("VAT", valid_de_vat(1))], name="Seller")
    buyer = Party.of([make_party_id("VAT", valid_de_vat(2))], name="Buyer")
    for text in squashable:
        facts = [
            DocumentFacts.create(
                DocumentType.INVOICE,
                t,
                issue_date=date(2024, 3, 1),
                seller=seller,
                buyer=buyer,
                amount_minor=123_456,
                currency="EUR",
            )
            for t in (text, _squash(text))
        ]
        match = grade_facts(facts[1], facts[0])
        shared = set(onchain_fingerprints(facts[0], key)) & set(onchain_fingerprints(facts[1], key))
        caught += bool(match is not None and shared)
    return {
        "distinct_numbers": len(numbers),
        "formats": len(NUMBER_FORMATS),
        "collisions": new,
        "collision_examples": new_examples,
        "collisions_v1_rule": old,
        "collision_examples_v1_rule": old_examples,
        "retyped_copies": len(sample),
        "retyped_copies_meeting": met,
        "squashed_copies": len(squashable),
        "squashed_copies_meeting": squash_met,
        "squashed_copies_caught_by_another_fingerprint": caught,
    }


# --- the field cases -----------------------------------------------------------------------

DEFAULT_FIELDCASES = Path(__file__).resolve().parents[1] / "tests/documents/fieldcases"


def evaluate_fieldcases(folder: Path, key: bytes) -> dict[str, object]:
    """What the readers, fingerprints, grades and suspicions say on each field case."""

    def doc(rel: str) -> ParsedDocument:
        return read_document((folder / rel).read_bytes())

    def shared(a: ParsedDocument, b: ParsedDocument) -> int:
        return len(set(onchain_fingerprints(a, key)) & set(onchain_fingerprints(b, key)))

    out: dict[str, object] = {}
    a, b = (
        doc("identifiers-placeholder/a-seller1-TOSL108.xml"),
        doc("identifiers-placeholder/b-seller2-TOSL108.xml"),
    )
    out["identifiers-placeholder"] = {
        "shared_fingerprints": shared(a, b),
        "graded": bool(grade(a, b)),
    }
    a, b = doc("number-collision/a-FV-1-12-2023.xml"), doc("number-collision/b-FV-11-2-2023.xml")
    out["number-collision"] = {"shared_fingerprints": shared(a, b), "graded": bool(grade(a, b))}
    for rel in (
        "zugferd1/ZUGFeRD_1p0_BASIC_Einfach.pdf",
        "facturx-attachment/b-attachment-named-invoice.xml.pdf",
        "sbdh/base-example-in-sbdh.xml",
    ):
        d = doc(rel)
        f = d.facts
        out[rel.split("/")[0]] = {
            "format": d.format.value,
            "number": f.number_as_written if f else None,
            "amount": amount_text(f) if f else None,
        }
    note = doc("credit-note/base-creditnote-correction.xml").facts
    out["credit-note"] = {
        "credit_note": bool(note and note.credit_note),
        "references": list(note.invoice_refs) if note else [],
        "shares_a_fingerprint_with_its_invoice": shared(
            doc("credit-note/base-creditnote-correction.xml"), doc("credit-note/base-example.xml")
        ),
    }
    orig = doc("reissue/a-original-471102.cii.xml").facts
    re_ = doc("reissue/c-reissued-471102-R1-new-date.cii.xml").facts
    p1 = doc("split/b1-part-471102-1.cii.xml").facts
    p2 = doc("split/b2-part-471102-2.cii.xml").facts
    assert orig
    assert re_
    assert p1
    assert p2
    out["reissue"] = [s.kind.value for s in find_suspicions(re_, [("a", orig)])]
    out["split"] = [s.kind.value for s in find_suspicions(p2, [("a", orig), ("b1", p1)])]
    return out


# --- suspicion: planted re-issues and splits, distinct invoices of the same parties ---------

ITEMS = (
    "Trennblätter A4",
    "Copy paper 80 g",
    "Steel bolts M8",
    "Pallet EUR 1200x800",
    "Consulting hours",
    "Freight Hamburg-Oslo",
    "Software licence",
    "Toner cartridge",
    "Safety gloves",
    "Cable 3x1.5 mm2",
    "Office chair",
    "Laptop stand",
)


def _synthetic_lines(rng: random.Random, count: int) -> list[Line]:
    items = rng.sample(ITEMS, count)
    return [
        Line(i.upper(), str(q), q * rng.randrange(100, 50_000))
        for i, q in ((item, rng.randrange(1, 40)) for item in items)
    ]


#: distinct invoices that look exactly like a re-issue (the known limit, docs/documents.md):
#: a recurring invoice that names no period, delivery or order, and one typed as a JSON form
#: (no lines, no references to tell the months apart)
LOOK_ALIKE_DISTINCT = ("recurring_without_references", "recurring_as_json_form")


def _invoice(
    seller: Party,
    buyer: Party,
    number: str,
    issued: date,
    lines: list[Line] | None,
    amount: int | None = None,
    refs: dict[str, str] | None = None,
) -> DocumentFacts:
    """Synthetic facts; ``lines=None``: a JSON form's (it states none; ``amount`` required)."""
    if amount is None:
        assert lines is not None
    total = (
        amount
        if amount is not None
        else sum(line.amount_minor for line in lines or ()) * 119 // 100
    )
    return DocumentFacts.create(
        DocumentType.INVOICE,
        number,
        issue_date=issued,
        due_date=issued + timedelta(days=30),
        seller=seller,
        buyer=buyer,
        amount_minor=total,
        currency="EUR",
        lines=lines,
        references=refs or {},
    )


def evaluate_suspicion(pairs: int, seed: int = 11) -> dict[str, object]:
    """Recall on planted re-issues and splits, false suspicion among distinct invoices of the
    same seller and buyer (by kind of distinct invoice)."""
    rng = random.Random(seed)
    planted: Counter[str] = Counter()
    found: Counter[str] = Counter()
    negatives: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    for n in range(pairs):
        seller = Party.of([make_party_id("VAT", valid_de_vat(2 * n))], name=f"Seller {n}")
        buyer = Party.of([make_party_id("VAT", valid_de_vat(2 * n + 1))], name=f"Buyer {n}")
        issued = date(2024, 1, 1) + timedelta(days=rng.randrange(300))
        lines = _synthetic_lines(rng, rng.randrange(1, 6))
        refs = {"order": f"PO-{n}", "delivery_date": issued.isoformat()}
        if rng.random() < 0.5:
            refs = {}
        base = _invoice(seller, buyer, f"{2024}-{n:05d}", issued, lines, refs=refs)
        known = [("base", base)]
        total = base.amount_minor or 0

        def hit(candidate: DocumentFacts, pool: list[tuple[str, DocumentFacts]]) -> bool:
            return any("base" in s.documents for s in find_suspicions(candidate, pool))

        # planted: re-issue under a new number and date
        reissue = _invoice(
            seller,
            buyer,
            f"{2024}-{n:05d}-R",
            issued + timedelta(days=rng.randrange(1, 46)),
            lines,
            total,
            refs,
        )
        planted["reissue"] += 1
        found["reissue"] += hit(reissue, known)
        # planted: re-issued with a prepayment stated (BT-113): the amount due lowered by
        # 1-10 %, under a new number and date, no reference (tryout 46's fourth bank)
        prepaid = _invoice(
            seller,
            buyer,
            f"{2024}-{n:05d}-P",
            issued + timedelta(days=rng.randrange(1, 46)),
            lines,
            total - max(1, total * rng.randrange(1, 11) // 100),
        )
        planted["reissue_with_prepayment"] += 1
        found["reissue_with_prepayment"] += hit(prepaid, [("base", replace(base, references=()))])
        # planted: the re-issue re-typed as a JSON form (no lines, no references)
        retyped = _invoice(
            seller, buyer, f"{2024}-{n:05d}-J", issued + timedelta(days=1), None, total
        )
        planted["reissue_as_json_form"] += 1
        found["reissue_as_json_form"] += hit(retyped, known)
        # planted: split by amount (the same lines), 2 or 3 parts, the same issue date
        cuts = sorted(rng.sample(range(1, total), rng.choice([1, 2])))
        amounts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        parts = [
            _invoice(seller, buyer, f"{2024}-{n:05d}-{i + 1}", issued, lines, amt, refs)
            for i, amt in enumerate(amounts)
        ]
        planted["split_by_amount"] += 1
        found["split_by_amount"] += hit(
            parts[-1], known + [(f"p{i}", p) for i, p in enumerate(parts[:-1])]
        )
        # planted: split by lines (each part bills some of the lines), the same issue date
        if len(lines) >= 2:
            cut = rng.randrange(1, len(lines))
            first = _invoice(seller, buyer, f"{2024}-{n:05d}-A", issued, lines[:cut], refs=refs)
            second = _invoice(seller, buyer, f"{2024}-{n:05d}-B", issued, lines[cut:], refs=refs)
            planted["split_by_lines"] += 1
            found["split_by_lines"] += hit(second, [*known, ("p0", first)])
        # distinct: another order (other lines, amounts, date, order reference)
        other = _invoice(
            seller,
            buyer,
            f"{2024}-{n + 50000:05d}",
            issued + timedelta(days=rng.randrange(1, 90)),
            _synthetic_lines(rng, rng.randrange(1, 6)),
            refs={"order": f"PO-{n}-2"} if refs else {},
        )
        negatives["another_order"] += 1
        flagged["another_order"] += hit(other, known)
        # distinct: the next month of a recurring invoice, with its invoicing period
        month = issued + timedelta(days=31)
        with_period = dict(
            refs, period=f"{month.isoformat()}/{(month + timedelta(days=30)).isoformat()}"
        )
        base_period = dict(refs, period=f"{issued.isoformat()}/{month.isoformat()}")
        recurring = _invoice(
            seller, buyer, f"{2024}-{n + 60000:05d}", month, lines, total, with_period
        )
        negatives["recurring_with_period"] += 1
        flagged["recurring_with_period"] += hit(
            recurring, [("base", replace(base, references=tuple(sorted(base_period.items()))))]
        )
        # distinct: the next month of a recurring invoice that names no period or delivery
        bare = _invoice(seller, buyer, f"{2024}-{n + 70000:05d}", month, lines, total)
        negatives["recurring_without_references"] += 1
        flagged["recurring_without_references"] += hit(
            bare, [("base", replace(base, references=()))]
        )
        # distinct, as JSON forms (no lines): another amount; the next month for the same amount
        form_base = replace(base, lines=None, references=())
        other_form = _invoice(
            seller, buyer, f"{2024}-{n + 90000:05d}", month, None, total + rng.randrange(1, 9999)
        )
        negatives["another_amount_as_json_form"] += 1
        flagged["another_amount_as_json_form"] += hit(other_form, [("base", form_base)])
        next_form = _invoice(seller, buyer, f"{2024}-{n + 95000:05d}", month, None, total)
        negatives["recurring_as_json_form"] += 1
        flagged["recurring_as_json_form"] += hit(next_form, [("base", form_base)])
        # distinct: a smaller follow-up order of some of the same items, another day and order
        if len(lines) >= 2:
            follow = _invoice(
                seller,
                buyer,
                f"{2024}-{n + 80000:05d}",
                issued + timedelta(days=rng.randrange(7, 60)),
                lines[:1],
                refs={"order": f"PO-{n}-3"},
            )
            negatives["follow_up_order"] += 1
            flagged["follow_up_order"] += hit(
                follow,
                [("base", replace(base, references=tuple(sorted({"order": f"PO-{n}"}.items()))))],
            )
    recall = {k: found[k] / planted[k] for k in planted}
    false_rate = {k: flagged[k] / negatives[k] for k in negatives}
    return {
        "planted": dict(planted),
        "found": dict(found),
        "recall": recall,
        "recall_all": sum(found.values()) / sum(planted.values()),
        "distinct": dict(negatives),
        "falsely_suspected": dict(flagged),
        "false_suspicion_rate": false_rate,
        "false_suspicion_rate_all": sum(flagged.values()) / sum(negatives.values()),
        "false_suspicion_rate_with_references": (
            sum(flagged[k] for k in negatives if k not in LOOK_ALIKE_DISTINCT)
            / sum(negatives[k] for k in negatives if k not in LOOK_ALIKE_DISTINCT)
        ),
    }


def _show(value: float | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--fieldcases", type=Path, default=DEFAULT_FIELDCASES)
    parser.add_argument(
        "--numbers-per-format", type=int, default=12_000, help="distinct numbers per format"
    )
    parser.add_argument("--suspicion-pairs", type=int, default=2_000, help="seller/buyer pairs")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    key = os.urandom(32)
    pool = build_pool(args.corpus)
    result = evaluate(pool, key=key)
    result["numbers"] = evaluate_numbers(args.numbers_per_format, key)
    result["fieldcases"] = evaluate_fieldcases(args.fieldcases, key)
    result["suspicion"] = evaluate_suspicion(args.suspicion_pairs)
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
    print(
        f"pairs not keyed (a seller whose identity identifiers all fail their check): "
        f"{sum(result['unkeyed_pairs'].values())} {result['unkeyed_pairs']}, graded as a match: "
        f"{result['unkeyed_pairs_graded']}"
    )
    errors = result["first_errors"]
    assert isinstance(errors, list)
    for line in errors:
        print("  ", line)
    numbers = result["numbers"]
    print(
        f"numbers: {numbers['distinct_numbers']} distinct in {numbers['formats']} formats, "
        f"collisions {numbers['collisions']} (v1 rule: {numbers['collisions_v1_rule']}, e.g. "
        f"{'; '.join(numbers['collision_examples_v1_rule'][:1])}); re-typed copies meeting "
        f"{numbers['retyped_copies_meeting']}/{numbers['retyped_copies']}; copies with digit "
        f"groups run together meeting {numbers['squashed_copies_meeting']}/"
        f"{numbers['squashed_copies']}, caught by another fingerprint and graded "
        f"{numbers['squashed_copies_caught_by_another_fingerprint']}/{numbers['squashed_copies']}"
    )
    print("field cases:", json.dumps(result["fieldcases"]))
    sus = result["suspicion"]
    print(
        f"suspicion: recall {sus['recall_all']:.3f} {json.dumps(sus['recall'])}; false suspicion "
        f"{sus['false_suspicion_rate_all']:.3f} "
        f"(with references {sus['false_suspicion_rate_with_references']:.3f}) "
        f"{json.dumps(sus['false_suspicion_rate'])}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
