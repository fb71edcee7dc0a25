"""The CLI reads a document's financings from its data directory's event index, as a served
gateway does (``ledger.cli_common.reading_index``).

A tryout: beside a served ledger with a handful of financings, ``tradeledger doc check`` and
``doc show`` took 10–18 s where the API answered in 0.1 s — the CLI had no index, so every read of
"which financings pledge this document to me" opened every financing on chain and read each one's
logs over the node's JSON-RPC (30 such reads for one check of 6 financings). Speed is measured by
benchmarks, not asserted here; what is asserted is the work: once the index has folded the chain
in (a served gateway's follower does; here ``audit refusals`` catches it up), a bank's check of
its own financed invoice opens none of another bank's financings — and answers as before.

The story of ``tests/cli/cli_helpers.py``, then Bank B finances three invoices of its own. Real
CLI (Typer's runner) over a real embedded chain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ledger.services import financing as fin
from tests.api.api_helpers import own_invoice
from tests.cli.cli_helpers import UBL, Story, build_story


def _finance_own(story: Story, tmp: Path, bank: str, n: int) -> list[int]:
    made = []
    for i in range(n):
        path = tmp / f"own-{i}.xml"
        path.write_bytes(own_invoice("IDX"))
        doc_hash = story.cli.json("doc", "receive", str(path), "--as", bank)["doc_hash"]
        created = story.cli.json(
            "finance",
            "create",
            "--as",
            bank,
            "--doc",
            f"{doc_hash}=100000",
            "--currency",
            "DKK",
            "--maturity",
            "2099-12-31",
            "--reference",
            f"IDX-{i}",
        )
        made.append(int(created["financing_id"]))
    return made


def _opened(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The financing ids the services open from the chain from now on (``financing._read``)."""
    opened: list[int] = []
    real = fin._read

    def counted(ledger: Any, financing_id: int, reader: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(int(financing_id))
        return real(ledger, financing_id, reader, *args, **kwargs)

    monkeypatch.setattr(fin, "_read", counted)
    return opened


def test_a_check_opens_only_the_financings_the_index_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = build_story(tmp_path / "story")
    cli, bank_a, bank_b = story.cli, story.address("Demo Bank A"), story.address("Bank B")
    theirs = _finance_own(story, tmp_path, bank_b, 3)
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(UBL)
    before = cli.json("doc", "check", str(invoice), "--as", bank_a, code=3)  # pledged
    shown_before = cli.json("doc", "show", story.ubl_hash, "--as", bank_a)

    cli.json("audit", "refusals", "--as", bank_a)  # catches the index up, as a follower does
    opened = _opened(monkeypatch)
    after = cli.json("doc", "check", str(invoice), "--as", bank_a, code=3)
    shown_after = cli.json("doc", "show", story.ubl_hash, "--as", bank_a)
    monkeypatch.undo()

    assert opened, "the check read its own financing"
    assert not set(opened) & set(theirs), opened  # Bank B's financings pledge nothing of A's
    assert set(opened) <= {story.financing_id}, opened
    assert after == before
    assert shown_after == shown_before
    assert shown_after["financings"] == [story.financing_id]


def test_an_index_that_does_not_answer_leaves_the_chain_to_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index database that does not answer (a PostgreSQL URL nothing listens on) is no
    index: the CLI reads the chain as before, and answers the same."""
    story = build_story(tmp_path / "story")
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(UBL)
    bank_a = story.address("Demo Bank A")
    before = story.cli.json("doc", "check", str(invoice), "--as", bank_a, code=3)
    monkeypatch.setenv("TRADELEDGER_INDEX_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    after = story.cli.json("doc", "check", str(invoice), "--as", bank_a, code=3)
    assert after == before
