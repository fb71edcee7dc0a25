"""A refused financing retried with the same ``Idempotency-Key`` answers the first refusal with
the same details, on either surface and in either order (docs/api.md, "Idempotency"). Found by a
tryout: Bank B's ``POST /v1/financings`` got 409 ``financing_refused`` naming
``fingerprint_kind: "full"`` ("a fingerprint (full) of the invoice is held there"); its
``finance create --idempotency-key`` retry said ``fingerprint_kind: null`` and dropped the
kind from the sentence — the replay rebuilt the refusal without the names of the fingerprints
the first attempt had evaluated.

Real CLI (Typer's runner) and the real gateway app, one after the other, on one embedded
chain."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.cli_helpers import Story, build_story


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build_story(tmp_path_factory.mktemp("refusal-replay"))


def _cli(story: Story, key: str) -> Any:
    return story.cli.json(
        "finance", "create", "--as", story.address("Bank B"),
        "--doc", f"{story.cii_hash}=100000", "--currency", "DKK",
        "--maturity", "2099-12-31", "--reference", "B-90", "--idempotency-key", key,
        code=4,
    )  # fmt: skip


def _api(story: Story, key: str) -> Any:
    with story.api() as client:
        refused = client.post(
            "/v1/financings",
            json={
                "documents": [{"doc_hash": story.cii_hash, "amount": 100_000}],
                "currency": "DKK",
                "maturity": "2099-12-31",
                "reference": "B-90",
            },
            headers={**story.headers("Bank B"), "Idempotency-Key": key},
        )
    assert refused.status_code == 409, refused.text
    return refused.json()


def _said(body: dict[str, Any]) -> None:
    assert body["error"] == "financing_refused"
    kind = body["details"]["fingerprint_kind"]
    assert kind  # the CII copy shares the UBL invoice's seller_number:LEGAL, among others
    assert f"a fingerprint ({kind}) of the invoice is held there" in body["message"]


def test_the_cli_retry_after_the_api_says_the_first_refusal(story: Story) -> None:
    first = _api(story, "fb-1")
    _said(first)
    again = _cli(story, "fb-1")
    assert again == first
    assert _api(story, "fb-1") == first  # the stored answer, replayed


def test_the_api_retry_after_the_cli_says_the_first_refusal(story: Story) -> None:
    first = _cli(story, "fb-2")
    _said(first)
    assert _cli(story, "fb-2") == first
    assert _api(story, "fb-2") == first
