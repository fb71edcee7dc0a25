"""Every UTC time the gateway outputs has one RFC 3339 form, on both surfaces.

Chain times (a block's timestamp, a maturity) are ``YYYY-MM-DDTHH:MM:SSZ``; the gateway's own
clock keeps its real fraction, still with ``Z``: a lodged file's ``received_at`` to the
microsecond, a fingerprint evaluation's ``at`` to the millisecond (docs/api.md, "Times"). The
story (tests/cli/cli_helpers.py) plus a revoked document, then the JSON of the main API responses
and of the CLI's ``--json`` outputs is walked: every string that reads as a date-time must have
that form, and no text anywhere (a sentence, a refusal's details) holds a ``+00:00`` time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from ledger.cli import app
from tests.cli.cli_helpers import CII, UBL, Story, build_story

WHOLE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
#: the fields of the gateway's own clock, and their digits of a second: a lodged file's receipt
FRACTIONS = {"received_at": 6}
#: and a fingerprint evaluation's log entry (``at`` elsewhere is a block's time: whole seconds)
CHECK_FRACTIONS = {"at": 3}
OFFSET = re.compile(r"\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d")


def times(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every (key, string) in ``value`` that reads as a date and time."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from times(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from times(v, key)
    elif isinstance(value, str) and "T" in value:
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return
        yield key, value


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, str):
        yield value


def assert_one_form(where: str, body: Any, fractions: dict[str, int] | None = None) -> int:
    """Check ``body``; return how many times it holds."""
    allowed = fractions or {}
    found = list(times(body))
    for key, value in found:
        digits = allowed.get(key)
        form = WHOLE if digits is None else re.compile(rf"{WHOLE.pattern[:-1]}\.\d{{{digits}}}Z")
        assert form.fullmatch(value), (where, key, value)
    for text in strings(body):
        assert not OFFSET.search(text), (where, text)
    return len(found)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    built = build_story(tmp_path_factory.mktemp("times"))
    exporter = built.address("Demo Exporter")
    revoked = built.tmp / "revoked.txt"
    revoked.write_text("a document its registrant revokes")
    doc_hash = built.cli.json("doc", "register", str(revoked), "--as", exporter)["doc_hash"]
    built.cli.json("doc", "revoke", doc_hash, "--as", exporter, "--reason-code", "1")
    return built


def test_cli_json_outputs_write_every_time_in_one_form(story: Story) -> None:
    cli = story.cli
    bank_a, regulator = story.address("Demo Bank A"), story.address("Demo Regulator")
    ubl = story.tmp / "invoice.xml"
    revoked = story.tmp / "revoked.txt"
    fid = str(story.financing_id)
    outputs = {
        "doc verify": cli.run("doc", "verify", str(ubl), "--json").stdout,
        "doc verify revoked": cli.run("doc", "verify", str(revoked), "--json", code=4).stdout,
        "doc show": cli.run("doc", "show", story.ubl_hash, "--as", bank_a, "--json").stdout,
        "doc list": cli.run("doc", "list", "--json").stdout,
        "doc search": cli.run("doc", "search", "--as", bank_a, "--json").stdout,
        "doc check": cli.run("doc", "check", str(ubl), "--as", regulator, "--json", code=3).stdout,
        "finance show": cli.run("finance", "show", fid, "--as", bank_a, "--json").stdout,
        "finance list": cli.run("finance", "list", "--as", bank_a, "--json").stdout,
        "audit timeline": cli.run("audit", "timeline", story.ubl_hash, "--json").stdout,
        "audit refusals": cli.run("audit", "refusals", "--json").stdout,
        "audit duplicates": cli.run("audit", "duplicates", "--json").stdout,
        "audit activity": cli.run("audit", "activity", bank_a, "--json").stdout,
        "fingerprint-checks": cli.run("audit", "fingerprint-checks", "--json").stdout,
        "member proposals": cli.run("member", "proposals", "--json").stdout,
        "doc prove": cli.run("doc", "prove", str(ubl)).stdout,
    }
    counted = 0
    for where, text in outputs.items():
        fractions = CHECK_FRACTIONS if where == "fingerprint-checks" else FRACTIONS
        counted += assert_one_form(where, json.loads(text), fractions)
    exported = cli.runner.invoke(
        app, ["audit", "export", "--out", "-", "--data-dir", str(cli.data_dir)]
    )
    for line in exported.stdout.splitlines():
        counted += assert_one_form("export jsonl", json.loads(line))
    # the places that wrote +00:00 before, by name
    shown = json.loads(outputs["doc show"])
    assert WHOLE.fullmatch(shown["registered_at"])
    assert WHOLE.fullmatch(json.loads(outputs["finance show"])["maturity"])
    lodged = json.loads(outputs["doc search"])["items"]
    assert all(re.fullmatch(r".*T.*\.\d{6}Z", i["received_at"]) for i in lodged)
    assert counted > 40


def test_api_responses_write_every_time_in_one_form(story: Story) -> None:
    bank_a, bank_b = story.headers("Demo Bank A"), story.headers("Bank B")
    regulator = story.headers("Demo Regulator")
    revoked = (story.tmp / "revoked.txt").read_bytes()
    with story.api() as client:
        responses = {
            "document": client.get(f"/v1/documents/{story.ubl_hash}", headers=bank_a),
            "documents": client.get("/v1/documents", headers=regulator),
            "lodged": client.get("/v1/documents/lodged", headers=bank_a),
            "check": client.post(
                "/v1/documents/check",
                files={"file": ("invoice.xml", UBL, "application/xml")},
                headers=regulator,
            ),
            "verify revoked": client.post(
                "/v1/documents/verify",
                files={"file": ("revoked.txt", revoked, "text/plain")},
                headers=regulator,
            ),
            "proof": client.get(f"/v1/documents/{story.ubl_hash}/proof", headers=regulator),
            "financing": client.get(f"/v1/financings/{story.financing_id}", headers=bank_a),
            "financings": client.get("/v1/financings", headers=bank_a),
            "timeline": client.get(
                f"/v1/audit/documents/{story.ubl_hash}/timeline", headers=regulator
            ),
            "refusals": client.get("/v1/audit/refusals", headers=regulator),
            "fingerprint-checks": client.get("/v1/audit/fingerprint-checks", headers=regulator),
            "proposals": client.get("/v1/governance/proposals", headers=regulator),
            # a refusal's details name the holding financing's registration time
            "refused": client.post(
                "/v1/financings",
                json={
                    "documents": [{"doc_hash": story.cii_hash, "amount": 100_000}],
                    "currency": "DKK",
                    "kind": "invoice_financing",
                    "maturity": "2099-12-31",
                    "reference": "B-79",
                },
                headers=bank_b,
            ),
        }
        export = client.get("/v1/audit/export", params={"format": "jsonl"}, headers=regulator)
    counted = 0
    for where, response in responses.items():
        assert response.status_code < 500, (where, response.text)
        fractions = CHECK_FRACTIONS if where == "fingerprint-checks" else FRACTIONS
        counted += assert_one_form(where, response.json(), fractions)
    details = responses["refused"].json()["details"]
    assert WHOLE.fullmatch(details["conflicting_registered_at"])
    assert any(key == "at" for key, _ in times(responses["verify revoked"].json()))
    for line in export.text.splitlines():
        counted += assert_one_form("export", json.loads(line))
    assert counted > 40
    assert CII  # the story's CII file is the one refused above


def test_a_double_registrations_registered_at_is_iso_on_both_surfaces(story: Story) -> None:
    """``DocumentAlreadyRegistered``'s ``details.registered_at`` was the chain's Unix seconds
    while every other ``registered_at`` is ISO 8601 UTC text: now one form, in the API's 409
    body, the CLI's ``--json`` error body and its message."""
    cli = story.cli
    exporter = story.address("Demo Exporter")
    twice = story.tmp / "twice.txt"
    twice.write_text("a document registered twice")
    first = cli.json("doc", "register", str(twice), "--as", exporter)
    shown = cli.json("doc", "show", first["doc_hash"])
    at = shown["registered_at"]
    assert WHOLE.fullmatch(at)

    refused = cli.json("doc", "register", str(twice), "--as", exporter, code=1)
    assert refused["error"] == "DocumentAlreadyRegistered"
    assert refused["details"]["registered_at"] == at
    assert refused["details"]["registered_at_iso"] == at
    assert at in refused["message"]
    assert_one_form("cli refusal", refused)
    words = cli.run("doc", "register", str(twice), "--as", exporter, code=1)
    assert at in words.output

    with story.api() as client:
        again = client.post(
            "/v1/documents",
            files={"file": ("twice.txt", twice.read_bytes(), "text/plain")},
            headers=story.headers("Demo Exporter"),
        )
    assert again.status_code == 409, again.text
    details = again.json()["details"]
    assert (details["registered_at"], details["registered_at_iso"]) == (at, at)
    assert_one_form("api refusal", again.json())
