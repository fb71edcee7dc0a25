"""An idempotency key binds one financing write to its arguments, on either surface
(``ledger.services.requestkeys``).

``finance repay 1 100 --idempotency-key K`` then ``finance repay 1 200 --idempotency-key K``
exited 0 and reported the first repayment of 100: a financing's writes seal afresh on every
attempt, so the journal replayed by the key alone and the 200 meant was never recorded, nor
was the user told (a helper's tryout); and a key the API had used for a repayment of 50.00,
given to the CLI for 70.00, reported 50.00 as done — and the other way round (a fresh user's
tryout). Now the same key with other arguments is the 409 naming the key (the CLI's
``--idempotency-key``), nothing sent, whichever surface used it first; the same arguments
replay what was sent, once; a write refused as invalid before signing frees its key. Real CLI
and the gateway app over the same data directory, real embedded chain."""

from __future__ import annotations

from pathlib import Path

from tests.api.api_helpers import own_invoice
from tests.cli.cli_helpers import Cli, served_api

FINANCE = ("--currency", "DKK", "--maturity", "2099-12-31", "--kind", "invoice_financing")


def _entries(cli: Cli, financing_id: int, bank: str) -> list[object]:
    shown = cli.json("finance", "show", str(financing_id), "--as", bank)
    return list(shown["entries"])


def _demo(tmp_path: Path) -> tuple[Cli, dict[str, dict[str, str]]]:
    """A new demo ledger and its members by name (address, API key)."""
    cli = Cli(tmp_path / "ledger")
    return cli, {m["name"]: m for m in cli.json("init", "--demo")["members"]}


def _lodged(cli: Cli, tmp_path: Path, bank: str, tag: str) -> str:
    """An invoice of its own (``tag``), lodged by ``bank``: its hash."""
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(own_invoice(tag))
    return str(cli.json("doc", "receive", str(invoice), "--as", bank)["doc_hash"])


def test_a_key_reused_with_other_arguments_is_refused_and_sends_nothing(tmp_path: Path) -> None:
    cli, members = _demo(tmp_path)
    bank = members["Demo Bank A"]["address"]
    doc_hash = _lodged(cli, tmp_path, bank, "KEYS")
    made = cli.json(
        "finance", "create", "--as", bank, "--doc", f"{doc_hash}=100000", *FINANCE,
        "--idempotency-key", "create-1",
    )  # fmt: skip
    financing = str(made["financing_id"])
    # the same create again: the same financing, not a second
    again = cli.json(
        "finance", "create", "--as", bank, "--doc", f"{doc_hash}=100000", *FINANCE,
        "--idempotency-key", "create-1",
    )  # fmt: skip
    assert again["financing_id"] == made["financing_id"]
    # the same key for another amount: refused, naming the option
    other = cli.run(
        "finance", "create", "--as", bank, "--doc", f"{doc_hash}=90000", *FINANCE,
        "--idempotency-key", "create-1", code=1,
    )  # fmt: skip
    assert "--idempotency-key" in other.output, other.output

    cli.run("finance", "drawdown", financing, "50000", "--as", bank, "--idempotency-key", "d-1")
    cli.run("finance", "drawdown", financing, "50000", "--as", bank, "--idempotency-key", "d-1")
    refused = cli.run(
        "finance", "drawdown", financing, "20000", "--as", bank, "--idempotency-key", "d-1",
        code=1,
    )  # fmt: skip
    assert "--idempotency-key" in refused.output, refused.output
    assert "another request" in refused.output or "other" in refused.output, refused.output
    assert len(_entries(cli, int(financing), bank)) == 1  # one drawdown of 50,000, once

    cli.run("finance", "repay", financing, "10000", "--as", bank, "--idempotency-key", "r-1")
    cli.run(
        "finance", "repay", financing, "20000", "--as", bank, "--idempotency-key", "r-1", code=1
    )
    # the same key on another command is another request too
    cli.run("finance", "drawdown", financing, "10000", "--as", bank, "--idempotency-key", "r-1",
            code=1)  # fmt: skip
    assert len(_entries(cli, int(financing), bank)) == 2


def test_a_command_refused_as_invalid_frees_its_key(tmp_path: Path) -> None:
    cli, members = _demo(tmp_path)
    bank = members["Demo Bank A"]["address"]
    # a document this bank never lodged: refused as invalid before anything is signed
    unknown = "0x" + "ab" * 32
    refused = cli.run(
        "finance", "create", "--as", bank, "--doc", f"{unknown}=100000", *FINANCE,
        "--idempotency-key", "k", code=2,
    )  # fmt: skip
    assert "--idempotency-key" not in refused.output, refused.output
    doc_hash = _lodged(cli, tmp_path, bank, "KEYS2")
    made = cli.json(
        "finance", "create", "--as", bank, "--doc", f"{doc_hash}=100000", *FINANCE,
        "--idempotency-key", "k",
    )  # fmt: skip
    financing = str(made["financing_id"])
    # more than is undrawn is a conflict (409), as in the API: the key stays bound to it
    cli.run(
        "finance", "drawdown", financing, "100001", "--as", bank, "--idempotency-key", "k2",
        code=1,
    )  # fmt: skip
    bound = cli.run(
        "finance", "drawdown", financing, "1000", "--as", bank, "--idempotency-key", "k2", code=1
    )
    assert "--idempotency-key" in bound.output, bound.output


def test_a_key_the_other_surface_used_for_other_arguments_is_refused(tmp_path: Path) -> None:
    cli, members = _demo(tmp_path)
    bank = members["Demo Bank A"]["address"]
    headers = {"Authorization": f"Bearer {members['Demo Bank A']['api_key']}"}
    doc_hash = _lodged(cli, tmp_path, bank, "KEYS3")
    financing = str(
        cli.json("finance", "create", "--as", bank, "--doc", f"{doc_hash}=100000", *FINANCE)[
            "financing_id"
        ]
    )
    cli.run("finance", "drawdown", financing, "20000", "--as", bank)

    def repay(amount: int, key: str) -> tuple[int, dict[str, object]]:
        with served_api(cli) as api:
            done = api.post(
                f"/v1/financings/{financing}/repay",
                json={"amount": amount},
                headers={**headers, "Idempotency-Key": key},
            )
        return done.status_code, done.json()

    # the API first, then the CLI with another amount: refused, nothing sent
    assert repay(5000, "rp-1")[0] == 200
    said = cli.run("finance", "repay", financing, "7000", "--as", bank,
                   "--idempotency-key", "rp-1", code=1)  # fmt: skip
    assert "--idempotency-key" in said.output, said.output
    # the same amount on the CLI replays the API's repayment
    cli.run("finance", "repay", financing, "5000", "--as", bank, "--idempotency-key", "rp-1")
    # the CLI first, then the API with another amount: 409 naming the key
    cli.run("finance", "repay", financing, "1000", "--as", bank, "--idempotency-key", "rp-2")
    status, body = repay(2000, "rp-2")
    assert status == 409, body
    assert body["details"]["field"] == "Idempotency-Key", body  # type: ignore[index]
    assert repay(1000, "rp-2")[0] == 200  # the same repayment: replayed
    shown = cli.json("finance", "show", financing, "--as", bank)
    assert [e["amount"] for e in shown["entries"]] == [20000, 5000, 1000]


def test_a_batch_size_above_the_contracts_is_refused_not_cut(tmp_path: Path) -> None:
    """``doc import --batch-size 300`` registered 300 files in two transactions (256 + 44)
    and said nothing, though a batch is all or nothing (a tryout): refused, naming the bound."""
    cli, members = _demo(tmp_path)
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(3):
        (folder / f"f{i}.txt").write_text(f"file {i} of {tmp_path}")
    before = len(cli.json("doc", "list")["items"])
    exporter = members["Demo Exporter"]["address"]
    refused = cli.run(
        "doc", "import", str(folder), "--as", exporter, "--batch-size", "300", code=2
    )  # fmt: skip
    assert "--batch-size: must be at most 256" in refused.output, refused.output
    assert len(cli.json("doc", "list")["items"]) == before  # nothing registered


def test_the_cli_takes_a_maturity_with_a_time_as_the_api_does(tmp_path: Path) -> None:
    """``finance create --maturity 2027-06-30T12:00:00Z`` was refused "must be a calendar date"
    while the API takes date-times (a tryout): the CLI takes them too, in UTC."""
    cli, members = _demo(tmp_path)
    bank = members["Demo Bank A"]["address"]
    doc_hash = _lodged(cli, tmp_path, bank, "MATTIME")
    base = ("finance", "create", "--as", bank, "--doc", f"{doc_hash}=1000", "--currency", "DKK")
    bad = cli.run(*base, "--maturity", "2099-06-30T25:00:00Z", code=2)
    assert "--maturity: must be an ISO 8601 date-time" in bad.output, bad.output
    assert "hour must be in 0..23" in bad.output, bad.output
    made = cli.json(*base, "--maturity", "2099-06-30T23:30:00-05:00")
    assert made["maturity"] == "2099-07-01T04:30:00Z", made
