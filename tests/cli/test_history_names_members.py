"""Every entry of a document's history that is a member's act names that member, as the
registration and the financing's registration do — through the API and ``doc show`` alike: a
refused financing names the bank refused (a new user read "financing refused for 0x48DF…" with
no name), a drawdown, repayment, close or cancel names the bank of its financing. Only for a
reader who may see who: a financing the reader does not open stays unnamed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.cli_helpers import Story, build_story


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build_story(tmp_path_factory.mktemp("history-names"))


def _history(story: Story, who: str) -> list[dict[str, Any]]:
    with story.api() as client:
        got = client.get(f"/v1/documents/{story.ubl_hash}", headers=story.headers(who))
    assert got.status_code == 200, got.text
    history: list[dict[str, Any]] = got.json()["history"]
    return history


@pytest.mark.parametrize("reader", ["Bank B", "Demo Regulator"])
def test_a_refusal_in_the_history_names_the_bank_refused(story: Story, reader: str) -> None:
    refusals = [e for e in _history(story, reader) if e["event"] == "FinancingRefused"]
    assert refusals, "the reader opens Bank B's refusal"
    bank_b = story.address("Bank B")
    for entry in refusals:
        assert entry["fields"]["bank"] == bank_b
        assert entry["fields"]["bank_name"] == "Bank B"
        assert f"Bank B ({bank_b})" in entry["summary"]


@pytest.mark.parametrize("reader", ["Demo Bank A", "Demo Regulator"])
def test_a_drawdown_in_the_history_names_the_bank_of_its_financing(
    story: Story, reader: str
) -> None:
    bank_a = story.address("Demo Bank A")
    entries = [e for e in _history(story, reader) if e["event"] == "FinancingEntryRecorded"]
    assert entries
    for entry in entries:
        assert entry["fields"]["bank_name"] == "Demo Bank A"
        assert f"Demo Bank A ({bank_a})" in entry["summary"]


def test_doc_show_names_the_refused_bank(story: Story) -> None:
    bank_b = story.address("Bank B")
    shown = story.cli.run("doc", "show", story.ubl_hash, "--as", bank_b).stdout
    refused = [line for line in shown.splitlines() if "refused" in line]
    assert refused
    assert all(f"Bank B ({bank_b})" in line for line in refused), refused


def test_a_reader_who_does_not_open_a_financing_is_not_told_whose(story: Story) -> None:
    """The exporter reads its document's history; Bank B's refusal is not opened for it, and
    nothing names Bank B to it that the chain's events did not already."""
    history = _history(story, "Demo Exporter")
    assert not any(e["fields"].get("bank_name") == "Bank B" for e in history)


def test_the_audit_timeline_names_the_bank_of_a_drawdown(story: Story) -> None:
    """The regulator's timeline (API and ``audit timeline``) names the bank of each entry of a
    financing it reads, as the document's history does."""
    bank_a = f"Demo Bank A ({story.address('Demo Bank A')})"
    with story.api() as client:
        got = client.get(
            f"/v1/audit/documents/{story.ubl_hash}/timeline",
            headers=story.headers("Demo Regulator"),
        )
    assert got.status_code == 200, got.text
    entries = [e for e in got.json()["items"] if e["event"] == "FinancingEntryRecorded"]
    assert entries
    for entry in entries:
        assert entry["fields"]["bank_name"] == "Demo Bank A"
        assert f"financing {story.financing_id} of {bank_a}" in entry["summary"]
    shown = story.cli.run(
        "audit", "timeline", story.ubl_hash, "--as", story.address("Demo Regulator")
    ).stdout
    assert f"drawn from financing {story.financing_id} of {bank_a}" in shown
