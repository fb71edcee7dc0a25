"""``tradeledger index …`` and ``tradeledger audit …``: the event index from the command line.

Commands that read the index first catch it up to the chain head, so they work without a
running gateway. ``--json`` prints one JSON object for scripts; errors print one line and exit
non-zero (2 for bad input, 1 otherwise; ``audit verify`` exits 1 when the index differs).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from ledger.cli_common import DataDir, JsonFlag, emit, guard, settings_for
from ledger.indexer import EventIndex, verify
from ledger.network import open_ledger
from ledger.services import audit

index_app = typer.Typer(help="The event index (SQL copy of the chain).", no_args_is_help=True)
audit_app = typer.Typer(help="Audit queries and exports for regulators.", no_args_is_help=True)

SinceOpt = Annotated[str | None, typer.Option(help="from this block time (ISO 8601)")]
UntilOpt = Annotated[str | None, typer.Option(help="up to this block time (ISO 8601)")]


@contextmanager
def _index(data_dir: Path | None, catch_up: bool = True) -> Iterator[EventIndex]:
    """The ledger's index, caught up to the chain head."""
    ledger = guard(lambda: open_ledger(settings_for(data_dir)))
    try:
        index = guard(lambda: EventIndex.for_ledger(ledger))
        try:
            if catch_up:
                guard(index.catch_up)
            yield index
        finally:
            index.close()
    finally:
        ledger.close()


def _status_payload(index: EventIndex) -> dict[str, Any]:
    return dict(guard(index.status).__dict__)


@index_app.command("status")
def index_status(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Where the index stands: last indexed block, head, lag, events (does not catch up)."""
    with _index(data_dir, catch_up=False) as index:
        payload = _status_payload(index)
    emit(
        as_json,
        payload,
        f"indexed to block {payload['last_block']} of {payload['head_block']} "
        f"(lag {payload['lag']}), {payload['events']} events",
    )


@index_app.command("rebuild")
def index_rebuild(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Drop the index and rebuild it from the chain, from the deployment block."""
    with _index(data_dir, catch_up=False) as index:
        written = guard(index.rebuild)
        payload = _status_payload(index)
    payload["written"] = written
    emit(as_json, payload, f"rebuilt: {written} events up to block {payload['last_block']}")


@audit_app.command("verify")
def audit_verify(data_dir: DataDir = None, as_json: JsonFlag = False) -> None:
    """Prove the index equals the chain; exit 1 and name the first divergence if not."""
    with _index(data_dir) as index:
        report = guard(lambda: verify(index))
    if report.equal:
        text = (
            f"EQUAL: {report.index_events} events up to block {report.last_block}, "
            f"running hash {report.index_hash}"
        )
    else:
        d = report.divergence
        where = (
            f"first divergence at block {d.block_number}, tx {d.tx_hash}, log {d.log_index}: "
            f"{', '.join(d.fields)}"
            if d is not None
            else "the last indexed block is not on the chain"
        )
        text = (
            f"DIFFERENT: chain {report.chain_events} events, index {report.index_events}; {where}"
        )
    emit(as_json, report.to_dict(), text)
    if not report.equal:
        raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option("--out", help="file to write ('-' for stdout)")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "jsonl",
    since: SinceOpt = None,
    until: UntilOpt = None,
    data_dir: DataDir = None,
) -> None:
    """Export every indexed event (block, log index, tx hash, event, args), streamed."""
    period = guard(lambda: audit.Period.parse(since, until))
    with _index(data_dir) as index:
        lines = guard(lambda: audit.export_events(index, fmt, period))
        count = 0
        if str(out) == "-":
            for line in lines:
                typer.echo(line, nl=False)
                count += 1
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                for line in lines:
                    handle.write(line)
                    count += 1
            typer.echo(f"wrote {count - (fmt == 'csv')} events to {out}", err=True)


@audit_app.command("timeline")
def audit_timeline(
    doc_hash: Annotated[str, typer.Argument(help="the document hash (64 hex digits)")],
    since: SinceOpt = None,
    until: UntilOpt = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """A document's full history, including the financings that pledge it."""
    period = guard(lambda: audit.Period.parse(since, until))
    with _index(data_dir) as index:
        items: list[audit.EventRecord] = []
        after: str | None = None
        while True:
            page = guard(
                lambda: audit.timeline(index, doc_hash, period, after, audit.MAX_LIMIT)  # noqa: B023
            )
            items += page.items
            after = page.next_cursor
            if after is None:
                break
    lines = [
        f"{e.block_time}  block {e.block_number:>8} log {e.log_index:>3}  {e.event:<20} "
        f"{json.dumps(e.args, sort_keys=True)}  tx {e.tx_hash}"
        for e in items
    ]
    emit(
        as_json,
        {"doc_hash": doc_hash, "events": [e.__dict__ for e in items]},
        "\n".join(lines) or "no events",
    )


@audit_app.command("refusals")
def audit_refusals(
    since: SinceOpt = None,
    until: UntilOpt = None,
    bank: Annotated[str | None, typer.Option(help="only this bank's attempts")] = None,
    reason: Annotated[str | None, typer.Option(help="e.g. fingerprint_pledged")] = None,
    data_dir: DataDir = None,
    as_json: JsonFlag = False,
) -> None:
    """Refused financing attempts over a period: bank, document, reason, conflict."""
    period = guard(lambda: audit.Period.parse(since, until))
    with _index(data_dir) as index:
        items: list[audit.Refusal] = []
        after: str | None = None
        while True:
            page = guard(
                lambda: audit.refusals(index, period, bank, reason, after, audit.MAX_LIMIT)  # noqa: B023
            )
            items += page.items
            after = page.next_cursor
            if after is None:
                break
    lines = [
        f"{r.block_time}  {r.reason:<24} bank {r.bank} doc {r.doc_hash} "
        f"conflict {r.conflicting_financing_id or '-'}  tx {r.tx_hash}"
        for r in items
    ]
    emit(as_json, {"refusals": [r.__dict__ for r in items]}, "\n".join(lines) or "no refusals")
