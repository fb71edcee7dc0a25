"""Helpers for the document tests: where the e-invoice corpus is and how to read from it.

A module with a unique name (not ``conftest``) so that test files can import it whatever other
test directories exist.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from ledger.documents import ParsedDocument, read_document
from ledger.documents.facts import DocumentFacts
from ledger.documents.normalise import normalise_number

HERE = Path(__file__).resolve().parent
#: the EN 16931 examples kept in the repository (tests/data/einvoices, EUPL v1.2; see its README)
CORPUS = HERE.parent / "data" / "einvoices"
#: a copy of ../shared/fieldcases (Peppol BIS 3 examples, ZUGFeRD corpus; see its README)
FIELDCASES = HERE / "fieldcases"
CORPUS_FILES = sorted(p for p in CORPUS.rglob("*.xml") if p.parent.name in ("ubl", "cii"))
#: a consortium fingerprint key for tests (32 bytes)
KEY = bytes(range(32))


def corpus_bytes(rel: str) -> bytes:
    """A corpus file's bytes by its path relative to the corpus (``ubl/guide-example1.xml``)."""
    return (CORPUS / rel).read_bytes()


def field_bytes(rel: str) -> bytes:
    """A field case's bytes by its path under ``fieldcases/`` (``sbdh/….xml``)."""
    return (FIELDCASES / rel).read_bytes()


def field_doc(rel: str) -> ParsedDocument:
    return read_document(field_bytes(rel))


#: the corpus's example identifiers whose check digits fail, and valid ones of the same country
#: (the gateway never keys a party on a failing identifier, so tests that need a keyed seller
#: use ``valid_corpus_doc``)
VALID_IDS = (
    (b"NO123456789MVA", b"NO123456785MVA"),
    (b"NO987654321MVA", b"NO987654325MVA"),
    (b">123456789<", b">123456785<"),
    (b">987654321<", b">987654325<"),
    (b"DK16356706", b"DK13585628"),
)


def valid_corpus_bytes(rel: str) -> bytes:
    """A corpus file with its failing example identifiers replaced by valid ones."""
    data = corpus_bytes(rel)
    for bad, good in VALID_IDS:
        data = data.replace(bad, good)
    return data


def valid_corpus_doc(rel: str) -> ParsedDocument:
    return read_document(valid_corpus_bytes(rel))


def corpus_doc(rel: str) -> ParsedDocument:
    return read_document(corpus_bytes(rel))


#: the credit-note field case's seller VAT id and buyer VAT id, which fail their checks (GB
#: takes 9 or 12 digits; SE 12): no member can be shown to be either party of them
FIELD_SELLER_VAT = b"<cbc:CompanyID>GB1232434</cbc:CompanyID>"
FIELD_BUYER_VAT = b"<cbc:CompanyID>SE4598375937</cbc:CompanyID>"


def with_party_vats(data: bytes, seller: str | None = None, buyer: str | None = None) -> bytes:
    """The credit-note field case (``credit-note/…``: the invoice or its credit note) with its
    seller's (BT-31) and buyer's (BT-48) VAT ids replaced by ``seller`` and ``buyer`` (valid
    ones: a member whose legal id is one is shown to be that party)."""
    if seller is not None:
        data = data.replace(FIELD_SELLER_VAT, f"<cbc:CompanyID>{seller}</cbc:CompanyID>".encode())
    if buyer is not None:
        data = data.replace(FIELD_BUYER_VAT, f"<cbc:CompanyID>{buyer}</cbc:CompanyID>".encode())
    return data


def minimal_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A minimal PDF from numbered objects (1 0 obj ...; the first is the catalog), with an
    empty page tree unless the catalog names one, and a correct xref table."""
    if b"/Pages" not in objects[0]:
        pages = len(objects) + 1
        objects = [
            objects[0].replace(b"/Type /Catalog", b"/Type /Catalog /Pages %d 0 R" % pages, 1),
            *objects[1:],
            b"<< /Type /Pages /Kids [] /Count 0 >>",
        ]
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )
    return out


def renumbered(facts: DocumentFacts, number: str, amount: int) -> DocumentFacts:
    """``facts`` under another number (BT-1) for ``amount`` due (BT-115, minor units; its totals
    not stated, so the amount is compared as given): the same seller, buyer, lines and date."""
    return replace(
        facts,
        number=normalise_number(number, "number"),
        number_as_written=number,
        amount_minor=amount,
        amount_due_by_totals=None,
    )


#: one UBL invoice line (BG-25)
INVOICE_LINE = re.compile(rb"<cac:InvoiceLine>.*?</cac:InvoiceLine>", re.S)
TAX_TOTAL = re.compile(rb"<cac:TaxTotal>.*?</cac:TaxTotal>", re.S)


def lines_merged(
    data: bytes, item: bytes = b"Levering horeca-artikelen", *, totals: bool = True
) -> bytes:
    """``data`` (the example) with its 20 lines merged into one of ``item``: 206.88 EUR net at
    21% VAT (43.45), its totals made to add up (as tryout 68 wrote it) — the same seller,
    buyer and amount due (250.33 EUR). ``totals=False``: its VAT breakdown and totals left as
    they were (as tryout 71 left them): it still states 250.33 EUR due, which its totals no
    longer give."""
    lines = INVOICE_LINE.findall(data)
    assert len(lines) > 1
    single = data
    for other in lines[1:]:
        single = single.replace(other, b"", 1)
    line = INVOICE_LINE.search(single)
    assert line is not None
    merged = re.sub(
        rb"<cbc:InvoicedQuantity([^>]*)>[^<]*<", rb"<cbc:InvoicedQuantity\1>1<", line.group(0)
    )
    merged = re.sub(rb'("EUR">)19\.90<', rb"\g<1>206.88<", merged)
    merged = re.sub(rb'("EUR">)9\.95<', rb"\g<1>206.88<", merged)
    merged = re.sub(rb"<cbc:Percent>6<", b"<cbc:Percent>21<", merged)
    merged = re.sub(rb"<cbc:Name>[^<]*<", b"<cbc:Name>" + item + b"<", merged, count=1)
    tax = (
        b'<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">43.45</cbc:TaxAmount><cac:TaxSubtotal>'
        b'<cbc:TaxableAmount currencyID="EUR">206.88</cbc:TaxableAmount>'
        b'<cbc:TaxAmount currencyID="EUR">43.45</cbc:TaxAmount><cac:TaxCategory><cbc:ID>S</cbc:ID>'
        b"<cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
        b"</cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>"
    )
    out = single.replace(line.group(0), merged, 1)
    if not totals:
        return out
    out = TAX_TOTAL.sub(tax, out, count=1)
    return out.replace(b'"EUR">229.60<', b'"EUR">206.88<')
