"""docs/api.md names only keys the API answers: in each row of its route tables, every key it
writes in backticks (`key`, `key: value`, `"key"`, `a.b`) is a property of that route's request
or answer in the OpenAPI the app serves, one of its query parameters or one of its enum values,
and a `key: value` names a value the key's schema allows. A key described but never sent (a
reader scripts against it and gets nothing) fails here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from api.app import create_app
from ledger.config import Settings

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \|[^|]*\|(.*)\|\s*$")
#: words the rows write in backticks that are values, notice codes or error details, not keys
NOT_KEYS = {
    "amount_due_inconsistent",  # a notice's kind
    "executed",  # a proposal's status
    "pending",
    "add_member",  # a proposal's action
    "legal_id",  # a 409's detail
    "identical",  # a match's grade
    "same_document",
    "altered",
    "holders_unknown",  # a notice's code
    "already_lodged",
    "control_characters",  # a notice's kind (a control character a registration refuses)
    "invoice_pledged",
    "identifier_rejected",
    "seller_unkeyed",
    "credit_note",
    "nothing_due",
    "document_revoked",
    "document_superseded",
    "document_credited",
    "document_copy_withdrawn",
    "document_no_version_in_force",  # a notice's kind
    "cancelled_outstanding",
    "closed_outstanding",
    "registrant_not_reader",
    "seller_not_reader",  # a notice's kind (a financing of a file nobody registered)
    "issued_in_future",
    "no_payment_claimed",  # a notice's kind (a pro-forma invoice)
    "due_before_issue",
    "suspicions_unacknowledged",  # an error's code
    "earlier_version_pledged",  # a notice's code
    "credit_note_not_counted",
    "document_version",  # a fingerprint's kind (its name's prefix)
}


def _collect(
    node: Any, schemas: dict[str, Any], keys: set[str], values: set[str], seen: set[str]
) -> None:
    if isinstance(node, list):
        for item in node:
            _collect(item, schemas, keys, values, seen)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.rsplit("/", 1)[1] not in seen:
        seen.add(ref.rsplit("/", 1)[1])
        _collect(schemas[ref.rsplit("/", 1)[1]], schemas, keys, values, seen)
    values.update(str(v) for v in node.get("enum", []))
    if "const" in node:
        values.add(str(node["const"]))
    for name, value in node.items():
        if name == "properties" and isinstance(value, dict):
            keys.update(value)
            _collect(list(value.values()), schemas, keys, values, seen)
        else:
            _collect(value, schemas, keys, values, seen)


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.split("?")[0])


def documented_keys_missing(text: str, spec: dict[str, Any]) -> list[str]:
    """Every key a route row of ``text`` names that the route's schema does not have."""
    schemas = spec["components"]["schemas"]
    operations = {
        (method.upper(), _shape(path)): op
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    }
    missing = []
    for number, line in enumerate(text.splitlines(), 1):
        row = ROW.match(line)
        if row is None:
            continue
        method, path, what = row.groups()
        op = operations.get((method, _shape(path)))
        assert op is not None, f"docs/api.md:{number}: {method} {path} is not a route"
        keys: set[str] = {p["name"] for p in op.get("parameters", [])}
        values: set[str] = set()
        answers = [r for status, r in op["responses"].items() if status.startswith("2")]
        _collect([answers, op.get("requestBody", {})], schemas, keys, values, set())
        for quoted in re.findall(r"`([^`]+)`", what):
            words = re.findall(r'"([a-z][a-z0-9_]*)"', quoted)
            words += re.findall(r"^([a-z][a-z0-9_]*)(?::|$)", quoted)
            dotted = re.fullmatch(r"[a-z_]+(?:\.[a-z_]+)+", quoted)
            if dotted and not quoted.startswith("details."):  # error details: not a schema
                words += quoted.split(".")
            for word in words:
                if word not in keys | values | NOT_KEYS:
                    missing.append(f"docs/api.md:{number}: {method} {path}: {word}")
            pair = re.fullmatch(r"([a-z_]+): ([a-z_]+)", quoted)
            if pair and pair[1] in keys and pair[2] not in values:
                missing.append(f"docs/api.md:{number}: {method} {path}: {quoted}")
    return missing


def _spec(tmp_path: Path) -> dict[str, Any]:
    return create_app(Settings(data_dir=tmp_path)).openapi()


def test_every_key_docs_api_names_is_in_the_routes_schema(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert documented_keys_missing(text, _spec(tmp_path)) == []


def test_a_documented_key_the_api_never_sends_fails(tmp_path: Path) -> None:
    row = (
        "| GET | `/v1/documents/{hash}` | any | `face_value` (`face_value_source: chain`); "
        "`financed` is null; `held.financing_headroom` |"
    )
    assert documented_keys_missing(row, _spec(tmp_path)) == [
        "docs/api.md:1: GET /v1/documents/{hash}: face_value_source: chain",
        "docs/api.md:1: GET /v1/documents/{hash}: financed",
    ]
