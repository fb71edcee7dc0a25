"""What the documentation shows works as shown.

* Every JSON form the docs show (in ``docs/*.md`` and the README), the OpenAPI example of
  ``POST /v1/documents/json`` and the sample bill of lading is read with no rejected identifier
  and gets fingerprints: an example whose seller's VAT number fails its check digits would teach
  users to register documents no bank can finance.
* The limits table in ``docs/documents.md`` states the limits the code applies (file size,
  XML, PDF, JSON form and request body size and depth, batch, pledges, fingerprints).
"""

from __future__ import annotations

import json
import re
import typing
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from api.routers import documents as documents_router
from ledger import config, jsondepth
from ledger.documents import (
    compute_fingerprints,
    facturx,
    jsonform,
    read_document,
    textlimits,
    xmlsafe,
)
from ledger.services import documents as docs

ROOT = Path(__file__).resolve().parents[1]
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
KEY = b"a test fingerprint key of 32 bytes!"
JSON_BLOCK = re.compile(r"```json\n(.*?)```", re.DOTALL)


def _doc_forms() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in DOCS:
        for i, block in enumerate(JSON_BLOCK.findall(path.read_text(encoding="utf-8"))):
            try:
                value = json.loads(block)
            except ValueError:
                continue  # a JSON-like sketch with placeholders, not a form
            if isinstance(value, dict) and "documentType" in value:
                found.append((f"{path.name}#{i}", value))
    return found


def _openapi_examples() -> list[tuple[str, dict[str, Any]]]:
    hints = typing.get_type_hints(documents_router.register_json_form, include_extras=True)
    examples: list[dict[str, Any]] = []
    for meta in getattr(hints["form"], "__metadata__", ()):
        examples += list(getattr(meta, "examples", None) or [])
    return [(f"openapi#{i}", example) for i, example in enumerate(examples)]


def _sample() -> list[tuple[str, dict[str, Any]]]:
    data = resources.files("ledger.demo_data").joinpath("bill-of-lading.json").read_bytes()
    return [("demo_data/bill-of-lading.json", json.loads(data))]


FORMS = _doc_forms() + _openapi_examples() + _sample()


def test_the_docs_show_json_forms() -> None:
    names = [name for name, _ in FORMS]
    assert any(name.startswith("documents.md") for name in names), names
    assert any(name.startswith("openapi") for name in names), names


@pytest.mark.parametrize(("name", "form"), FORMS, ids=[name for name, _ in FORMS])
def test_every_json_form_example_is_keyed(name: str, form: dict[str, Any]) -> None:
    parsed = read_document(docs.canonical_json(form))
    facts = parsed.facts
    assert facts is not None, name
    for role, party in (("seller", facts.seller), ("buyer", facts.buyer)):
        rejected = party.rejected if party is not None else ()
        assert not rejected, f"{name}: {role} identifiers fail their check: {rejected}"
    assert compute_fingerprints(facts, KEY), f"{name}: no fingerprint"


def _rows(text: str) -> list[str]:
    section = text.split("### Limits", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ") and "`" in line]


def _number(value: int) -> str:
    return f"{value:,}"


def test_the_limits_table_states_the_limits_the_code_applies() -> None:
    rows = _rows((ROOT / "docs" / "documents.md").read_text(encoding="utf-8"))
    contract = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "contracts" / "modules").glob("*.sol")
    )

    def constant(name: str) -> int:
        found = re.search(rf"\b{name}\s*=\s*(\d+)\s*;", contract)
        assert found is not None, name
        return int(found.group(1))

    expected = {
        "MAX_FILE_BYTES": [docs.MAX_FILE_BYTES],
        "MAX_XML_BYTES": [xmlsafe.MAX_XML_BYTES, xmlsafe.MAX_XML_DEPTH],
        "MAX_PDF_BYTES": [facturx.MAX_PDF_BYTES, facturx.MAX_ATTACHMENTS, facturx.MAX_PAGES],
        "jsonform.MAX_JSON_BYTES": [jsonform.MAX_JSON_BYTES, jsonform.MAX_JSON_DEPTH],
        "textlimits.MAX_NAME_LENGTH": [textlimits.MAX_NAME_LENGTH],
        "textlimits.MAX_TEXT_LENGTH": [textlimits.MAX_TEXT_LENGTH],
        "DEFAULT_MAX_BODY_BYTES": [config.DEFAULT_MAX_BODY_BYTES, jsondepth.MAX_JSON_DEPTH],
        "contract `MAX_BATCH`": [constant("MAX_BATCH")],
        "contract `MAX_PLEDGES`": [constant("MAX_PLEDGES")],
        "contract `MAX_FINGERPRINTS`": [constant("MAX_FINGERPRINTS")],
    }
    for marker, values in expected.items():
        row = next((r for r in rows if marker in r), None)
        assert row is not None, f"no row for {marker} in the limits table"
        stated = row.split("|")[2]
        for value in values:
            assert re.search(rf"(?<![\d,]){re.escape(_number(value))}(?![\d,])", stated), (
                f"{marker}: the table says {stated.strip()!r}, the code {value}"
            )


#: a financing's maturity as an example writes it: JSON (``"maturity": "2030-06-30"``) or the
#: CLI's option (``--maturity 2030-06-30``)
MATURITY_EXAMPLE = re.compile(r"""(?:"maturity":\s*"|--maturity\s+)(\d{4}-\d{2}-\d{2})""")


def test_every_maturity_an_example_gives_is_in_the_future() -> None:
    """A financing must mature in the future (422 otherwise): tryout 86 sent docs/api.md's
    example as written — ``"maturity": "2025-03-31"`` — and was refused. Every maturity the docs
    and the README show is after the day the suite runs, with a year to spare (2030-06-30 as
    they write it now), so an example fails here a year before it fails a reader."""
    from datetime import date, timedelta

    soon = date.today() + timedelta(days=366)
    found = [
        (doc.name, given)
        for doc in DOCS
        for given in MATURITY_EXAMPLE.findall(doc.read_text(encoding="utf-8"))
    ]
    assert len(found) >= 3, found
    stale = [(name, given) for name, given in found if date.fromisoformat(given) < soon]
    assert stale == [], stale
