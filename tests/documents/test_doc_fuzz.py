"""Fuzzing the document readers with malformed and hostile files (Hypothesis).

Whatever a borrower sends — random bytes, a corpus invoice truncated or with bytes flipped,
deeply nested XML, entity bombs and external entities in any encoding, huge attributes, an
invoice tree with garbage in its fields, a JSON form of any shape, a PDF carrying any of these
or built to hurt a PDF parser (nesting, reference loops, compression bombs, many attachments) —
``read_document`` either reads it or raises an ``InvalidInput`` (``DocumentFormatError`` is
one): never any other exception, which the API would turn into a 500. The facts it reads can
be fingerprinted. Each file is read within ``READ_BUDGET`` CPU seconds.

Every family runs ``QUICK`` examples in the default run (CI) and ``LONG`` ones on demand::

    pytest tests/documents/test_doc_fuzz.py                      # CI: 7 x 200 files
    pytest tests/documents/test_doc_fuzz.py -m slow              # on demand: 7 x 3,000 files
    TRADELEDGER_FUZZ_EXAMPLES=20000 pytest tests/documents/test_doc_fuzz.py -m slow

Figures (printed at the end of the run): files read, read, refused, crashes, slowest read.
The process runs with the recursion limit py-evm sets (100,000), as the gateway does.
"""

from __future__ import annotations

import json
import os
import traceback
import zlib
from importlib import resources
from pathlib import Path

import pytest
from documents_support import CORPUS_FILES, FIELDCASES, KEY, minimal_pdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import ledger.network  # noqa: F401 - raises the recursion limit as in a running gateway
from ledger.documents import detect_format, onchain_fingerprints, read_document
from ledger.documents.writers import write_facturx
from ledger.documents.xmlsafe import MAX_XML_BYTES
from ledger.errors import InvalidInput
from tests import figures
from tests.cpu import cpu_seconds

QUICK = 200
LONG = int(os.environ.get("TRADELEDGER_FUZZ_EXAMPLES", "3000"))
#: CPU seconds of the reading thread one file may take to read: a bound that catches a reader
#: gone super-linear (a quadratic scan of a 10 MB file takes minutes to hours), not the speed
#: of the machine. Read alone, the slowest input here (200,000 elements of a UBL or CII
#: invoice, 2.8-5.6 MB) takes 0.5-0.9 s; read inside a CI run of the whole suite, after 1,600
#: tests in one process, the same file took 10.2 and 10.9 s of the process's CPU — on the
#: reading thread (a probe of every thread's CPU at that point found the others idle), twice
#: failing CI at a bound of 10 s. The slowest read of a run is reported as a figure.
READ_BUDGET = 60.0

_DEMO = resources.files("ledger.demo_data")
SEEDS: list[bytes] = sorted(
    {p.read_bytes() for p in CORPUS_FILES}
    | {p.read_bytes() for p in FIELDCASES.rglob("*") if p.suffix in (".xml", ".pdf")}
    | {_DEMO.joinpath(n).read_bytes() for n in ("invoice-ubl.xml", "invoice-cii.xml")}
    | {_DEMO.joinpath("bill-of-lading.json").read_bytes()}
)
XML_SEEDS = [s for s in SEEDS if s.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")]
UBL_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
SBDH = (FIELDCASES / "sbdh" / "base-example-in-sbdh.xml").read_bytes()
_SBDH_HEAD = SBDH[: SBDH.index(b"<Invoice")]
_SBDH_TAIL = b"</StandardBusinessDocument>"


# -- the property ---------------------------------------------------------------------------------

_CRASHES: set[str] = set()


def read_or_refuse(data: bytes, family: str) -> None:
    """Read ``data``: facts or an ``InvalidInput``, nothing else, within the budget."""
    figures.add("document fuzz: files read")
    try:
        with cpu_seconds() as spent:
            doc = read_document(data)
            if doc.facts is not None:
                onchain_fingerprints(doc, KEY)
        assert detect_format(data) is doc.format
    except InvalidInput:
        figures.add("document fuzz: refused (InvalidInput)")
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        _CRASHES.add(f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}")
        figures.put("document fuzz: crashes (distinct)", len(_CRASHES))
        raise
    else:
        figures.add("document fuzz: read")
    figures.peak("document fuzz: slowest read (CPU s)", round(spent.seconds, 3))
    figures.put("document fuzz: crashes (distinct)", len(_CRASHES))
    assert spent.seconds < READ_BUDGET, f"{family}: {len(data)} bytes took {spent}"


# -- strategies -----------------------------------------------------------------------------------

HOSTILE_FRAGMENTS = [
    b'<!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    b'<!doctype x [<!entity % p SYSTEM "http://127.0.0.1:1/x"> %p;]>',
    b"<! DOCTYPE x>",
    b"&x;",
    b"&#0;",
    b"&#x110000;",
    b"<![CDATA[" + b"]" * 100 + b"]]>",
    b"<?xml-stylesheet href='http://127.0.0.1:1/x'?>",
    b'<x:y xmlns:x="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
    b"<a>" * 70,
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"%PDF-1.7\n",
    b'{"documentType": "Invoice"}',
    b"9" * 400,
    b"-1e400",
    b"NaN",
    b"</Invoice>",
    b'currencyID="XXX"',
]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes] = SEEDS) -> bytes:
    """A seed file (corpus invoice, field case, PDF, JSON form) with 1-4 byte-level mutations."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        size = len(data)
        at = draw(st.integers(0, size))
        op = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "duplicate", "hostile"]))
        if op == "truncate":
            del data[at:]
        elif op == "flip" and at < size:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 256))]
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 4096))]
        elif op == "hostile":
            data[at:at] = draw(st.sampled_from(HOSTILE_FRAGMENTS))
    return bytes(data)


def _encode(text: str, encoding: str) -> bytes:
    declared = {"utf-8": "UTF-8", "latin-1": "ISO-8859-1"}.get(encoding, "UTF-16")
    return f'<?xml version="1.0" encoding="{declared}"?>\n{text}'.encode(encoding)


@st.composite
def hostile_xml(draw: st.DrawFn) -> bytes:
    """XML built to hurt a parser, claiming to be a UBL or CII invoice, bare or in an SBDH."""
    ns = draw(st.sampled_from([UBL_NS, CII_NS]))
    root = "Invoice" if ns == UBL_NS else "rsm:CrossIndustryInvoice"
    decl = f'xmlns="{ns}"' if ns == UBL_NS else f'xmlns:rsm="{ns}"'
    kind = draw(
        st.sampled_from(
            [
                "deep",
                "entity-bomb",
                "external-entity",
                "external-dtd",
                "huge-attribute",
                "many-attributes",
                "many-namespaces",
                "long-name",
                "wide",
            ]
        )
    )
    body = ""
    prolog = ""
    attrs = ""
    if kind == "deep":
        depth = draw(st.sampled_from([63, 64, 65, 1_000, 100_000]))
        body = "<a>" * depth + "</a>" * depth
    elif kind == "entity-bomb":
        n = draw(st.integers(2, 12))
        ents = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, n))
        prolog = f'<!DOCTYPE {root} [<!ENTITY l0 "lol">{ents}]>'
        body = f"<ID>&l{n - 1};</ID>"
    elif kind == "external-entity":
        target = draw(st.sampled_from(["file:///etc/passwd", "http://127.0.0.1:1/", "expect://id"]))
        prolog = f'<!DOCTYPE {root} [<!ENTITY x SYSTEM "{target}">]>'
        body = "<ID>&x;</ID>"
    elif kind == "external-dtd":
        prolog = f'<!DOCTYPE {root} SYSTEM "http://127.0.0.1:1/evil.dtd">'
        body = "<ID>1</ID>"
    elif kind == "huge-attribute":
        size = draw(st.sampled_from([10_000, 1_000_000, MAX_XML_BYTES - 200, MAX_XML_BYTES + 1]))
        attrs = f' note="{"x" * size}"'
    elif kind == "many-attributes":
        attrs = "".join(f' a{i}="{i}"' for i in range(draw(st.sampled_from([100, 20_000]))))
    elif kind == "many-namespaces":
        count = draw(st.sampled_from([100, 20_000]))
        attrs = "".join(f' xmlns:n{i}="urn:x:{i}"' for i in range(count))
    elif kind == "long-name":
        body = "<" + "n" * draw(st.sampled_from([1_000, 1_000_000])) + "/>"
    elif kind == "wide":
        body = "<Note>x</Note>" * draw(st.sampled_from([1_000, 200_000]))
    text = f"{prolog}<{root} {decl}{attrs}>{body}</{root}>"
    if draw(st.booleans()):  # in an SBDH envelope
        text = _SBDH_HEAD.decode() + text + _SBDH_TAIL.decode()
        text = text.split("?>", 1)[1]
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-16-be", "latin-1"]))
    try:
        return _encode(text, encoding)
    except UnicodeEncodeError:
        return _encode(text, "utf-8")


_GARBAGE_TEXT = st.one_of(
    st.text(max_size=50),
    st.sampled_from(
        [
            "",
            " ",
            "2024-13-45",
            "20240230",
            "-0",
            "1e400",
            "NaN",
            "Infinity",
            "9" * 300,
            "0." + "0" * 300 + "1",
            "1,234.567,89",
            "\u0660\u0661",
            "XXX",
            "ÆØÅ",
            "DE000000000",
            "0088:",
            ":",
        ]
    ),
)


def _xml_text_ok(text: str) -> bool:
    try:
        etree.Element("x").text = text
        return True
    except ValueError:
        return False


_PLAIN = etree.XMLParser(remove_comments=True, remove_pis=True, resolve_entities=False)


@st.composite
def garbage_in_fields(draw: st.DrawFn) -> bytes:
    """A real invoice (UBL, CII, ZUGFeRD 1, in an SBDH or not) with garbage in 1-6 of its
    elements' text or attributes, or elements removed or duplicated: the readers' logic, not
    the parser, gets the bad values."""
    root = etree.fromstring(draw(st.sampled_from(XML_SEEDS)), parser=_PLAIN)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    for _ in range(draw(st.integers(1, 6))):
        element = elements[draw(st.integers(0, len(elements) - 1))]
        op = draw(st.sampled_from(["text", "attribute", "remove", "duplicate"]))
        value = draw(_GARBAGE_TEXT.filter(_xml_text_ok))
        if op == "text":
            element.text = value
        elif op == "attribute":
            name = draw(st.sampled_from(["currencyID", "schemeID", "format", "unitCode", "x"]))
            element.set(name, value)
        elif op == "remove" and element.getparent() is not None:
            element.getparent().remove(element)
        elif op == "duplicate" and element.getparent() is not None:
            element.addnext(etree.fromstring(etree.tostring(element)))
    return etree.tostring(root, xml_declaration=draw(st.booleans()), encoding="UTF-8")


_JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    _GARBAGE_TEXT,
)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
_FORM_KEYS = [
    "documentType",
    "documentNumber",
    "issueDate",
    "dueDate",
    "issuer",
    "consignee",
    "totalAmount",
    "value",
    "currency",
    "id",
    "scheme",
    "country",
    "name",
    "ids",
]


@st.composite
def json_forms(draw: st.DrawFn) -> bytes:
    """A JSON form of any shape: the bill of lading with fields replaced, removed or added,
    random trees that name a documentType, deep nesting, numbers and constants JSON allows
    only by accident."""
    kind = draw(st.sampled_from(["mutated", "random", "deep", "raw-tokens"]))
    if kind == "deep":
        depth = draw(st.sampled_from([63, 64, 65, 100_000]))
        return b'{"documentType": "Invoice", "x": ' + b"[" * depth + b"]" * depth + b"}"
    if kind == "raw-tokens":
        token = draw(st.sampled_from([b"NaN", b"-Infinity", b"1e400", b"1" * 5000, b'"\\ud800"']))
        return b'{"documentType": "Invoice", "documentNumber": "1", "totalAmount": ' + token + b"}"
    if kind == "random":
        form = draw(st.dictionaries(st.sampled_from(_FORM_KEYS), _JSON, max_size=8))
        form["documentType"] = draw(
            st.one_of(st.sampled_from(["Invoice", "BillOfLading", "CreditNote"]), _JSON)
        )
        return json.dumps(form).encode()
    form = json.loads(_DEMO.joinpath("bill-of-lading.json").read_bytes())

    def mutate(node: object) -> object:
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(sorted(node)))
            op = draw(st.sampled_from(["replace", "remove", "recurse", "add"]))
            if op == "replace":
                node[key] = draw(_JSON)
            elif op == "remove":
                del node[key]
            elif op == "add":
                node[draw(st.sampled_from(_FORM_KEYS))] = draw(_JSON)
            else:
                node[key] = mutate(node[key])
        elif isinstance(node, list) and node:
            at = draw(st.integers(0, len(node) - 1))
            node[at] = mutate(node[at])
        else:
            return draw(_JSON)
        return node

    for _ in range(draw(st.integers(1, 4))):
        form = mutate(form)
    return json.dumps(form).encode()


def _attachment(name: bytes, stream: bytes, filters: bytes = b"") -> list[bytes]:
    """Objects 2-3: a file specification and its embedded file stream."""
    return [
        b"<< /Type /Filespec /F (" + name + b") /EF << /F 3 0 R >> >>",
        b"<< /Type /EmbeddedFile /Length %d %s >>\nstream\n" % (len(stream), filters)
        + stream
        + b"\nendstream",
    ]


@st.composite
def hostile_pdfs(draw: st.DrawFn) -> bytes:
    """PDFs that carry hostile or garbled XML, or are built to hurt a PDF parser."""
    kind = draw(
        st.sampled_from(
            [
                "carries-hostile-xml",
                "carries-garbled-invoice",
                "deep-array",
                "deep-dict",
                "reference-loop",
                "compression-bomb",
                "many-attachments",
                "bad-stream",
            ]
        )
    )
    if kind == "carries-hostile-xml":
        return write_facturx(draw(hostile_xml()), name=draw(st.sampled_from(["factur-x.xml", "x"])))
    if kind == "carries-garbled-invoice":
        return write_facturx(draw(garbage_in_fields()))
    if kind in ("deep-array", "deep-dict"):
        depth = draw(st.sampled_from([100, 10_000, 50_000]))
        nest = (
            b"[" * depth + b"]" * depth
            if kind == "deep-array"
            else (b"<< /A " * depth + b"1" + b" >>" * depth)
        )
        return minimal_pdf(
            [b"<< /Type /Catalog /Names << /EmbeddedFiles << /Names " + nest + b" >> >> >>"]
        )
    if kind == "reference-loop":
        return minimal_pdf(
            [
                b"<< /Type /Catalog /Names 2 0 R /AF [3 0 R] /Pages 4 0 R >>",
                b"<< /EmbeddedFiles 2 0 R /Kids [2 0 R] >>",
                b"<< /Type /Filespec /F (a.xml) /EF << /F 3 0 R >> >>",
                b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            ]
        )
    if kind == "compression-bomb":
        size = draw(st.sampled_from([MAX_XML_BYTES + 1, 200 * 1024 * 1024]))
        bomb = zlib.compress(b"<" + b" " * (size - 1), 9)
        names = b"<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(a.xml) 2 0 R] >> >> >>"
        return minimal_pdf([names, *_attachment(b"a.xml", bomb, b"/Filter /FlateDecode")])
    if kind == "many-attachments":
        # attachment i: its file specification is object 2 + 2i, its stream 3 + 2i
        count = draw(st.sampled_from([64, 65, 500]))
        catalog = (
            b"<< /Type /Catalog /Names << /EmbeddedFiles << /Names ["
            + b" ".join(b"(f%d) %d 0 R" % (i, 2 + 2 * i) for i in range(count))
            + b"] >> >> >>"
        )
        objects = [catalog]
        for i in range(count):
            objects += [
                b"<< /Type /Filespec /F (f%d) /EF << /F %d 0 R >> >>" % (i, 3 + 2 * i),
                b"<< /Type /EmbeddedFile /Length 5 >>\nstream\nplain\nendstream",
            ]
        return minimal_pdf(objects)
    filters = draw(
        st.sampled_from(
            [b"/Filter /FlateDecode", b"/Filter /LZWDecode", b"/Filter /Crypt", b"/Filter [/A /B]"]
        )
    )
    names = b"<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(a.xml) 2 0 R] >> >> >>"
    return minimal_pdf([names, *_attachment(b"a.xml", draw(st.binary(max_size=200)), filters)])


_MAGIC = st.sampled_from(
    [b"", b"%PDF-1.7\n", b"<?xml version='1.0'?>", b"{", b"\xef\xbb\xbf<", b"\xff\xfe<\x00", b"<"]
)
random_bytes = st.builds(lambda magic, tail: magic + tail, _MAGIC, st.binary(max_size=2048))

FAMILIES: dict[str, st.SearchStrategy[bytes]] = {
    "random bytes": random_bytes,
    "mutated corpus": mutated(),
    "hostile XML": hostile_xml(),
    "garbage in invoice fields": garbage_in_fields(),
    "JSON forms": json_forms(),
    "hostile PDFs": hostile_pdfs(),
    "mutated PDFs": mutated([s for s in SEEDS if s.startswith(b"%PDF")]),
}


def _run(family: str, examples: int) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(FAMILIES[family])
    def check(data: bytes) -> None:
        read_or_refuse(data, family)

    check()


# hypothesis warns (an error here) when it writes out a generated file of megabytes: the
# hostile-XML family makes such files on purpose; the warning says nothing of the readers
_LARGE_REPR = pytest.mark.filterwarnings(
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
)


@_LARGE_REPR
@pytest.mark.parametrize("family", FAMILIES)
def test_readers_read_or_refuse(family: str) -> None:
    _run(family, QUICK)


@_LARGE_REPR
@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_readers_read_or_refuse_long(family: str) -> None:
    _run(family, LONG)


def test_the_property_fails_on_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a reader that raises anything but InvalidInput is a crash."""
    from ledger.documents import detect

    def broken(data: bytes) -> None:
        raise KeyError("cbc:ID")

    monkeypatch.setattr(detect, "read_ubl", broken)
    ubl = _DEMO.joinpath("invoice-ubl.xml").read_bytes()
    before, counted = set(_CRASHES), figures.recorded()
    with pytest.raises(KeyError):
        read_or_refuse(ubl, "test")
    assert len(_CRASHES) == len(before) + 1
    _CRASHES.intersection_update(before)  # the planted crash is not one of the figures
    figures.restore(counted)
    figures.put("document fuzz: crashes (distinct)", len(_CRASHES))


# -- what the fuzzing found, kept as plain tests -----------------------------------------------


@pytest.mark.parametrize(
    "filters", [b"/Filter /A", b"/Filter [/FlateDecode /B]", b"/Filter /JBIG2"]
)
def test_an_attachment_with_a_filter_pypdf_does_not_know_is_refused(filters: bytes) -> None:
    """Found by this suite: pypdf raises NotImplementedError for an unknown stream filter, which
    reached the API as a 500."""
    names = b"<< /Type /Catalog /Names << /EmbeddedFiles << /Names [(a.xml) 2 0 R] >> >> >>"
    pdf = minimal_pdf([names, *_attachment(b"a.xml", b"<Invoice/>", filters)])
    with pytest.raises(InvalidInput, match="cannot be read"):
        read_document(pdf)
