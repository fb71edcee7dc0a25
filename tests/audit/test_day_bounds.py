"""A one-day query answers that day, on every route and every command that takes a time bound.

A user's report: with D a day on which documents and refusals were recorded, ``?from=D&to=D``,
``?to=D``, ``/v1/audit/refusals?since=D&until=D`` and the export answered nothing, and so did the
CLI: a date alone as an upper bound was read as that day's first second. Here the double-financing
story (tests/cli/cli_helpers.py) is recorded today (D), then every GET route whose query takes a
pair of bounds — read from the app's OpenAPI, so a new one is checked without anyone adding it —
and every reading command with such options is asked for D: ``since=D``/``from=D``,
``until=D``/``to=D`` and both keep everything; ``until=D-1`` and ``since=D+1`` keep nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.main import get_command

from ledger.cli import app
from ledger.cli_filters import ReadCommand
from tests.cli.cli_helpers import Story, build_story

#: the pairs of time bounds the API and the CLI take (lower, upper)
BOUNDS = (("since", "until"), ("from", "to"))


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build_story(tmp_path_factory.mktemp("day-bounds"))


@pytest.fixture(scope="module")
def day(story: Story) -> date:
    """D: the day the story was recorded (UTC); skipped if it ran across midnight."""
    listed = story.cli.json("doc", "list")["items"]
    first = datetime.fromisoformat(listed[0]["registered_at"]).astimezone(UTC).date()
    if datetime.now(UTC).date() != first:
        pytest.skip("the story was recorded across midnight UTC")
    return first


def _count_body(body: Any) -> int:
    """How many records an answer holds: its items (both lists of the duplicates)."""
    if "items" in body:
        return len(body["items"])
    return sum(len(v["items"]) for v in body.values() if isinstance(v, dict) and "items" in v)


def _bounded_routes(client: TestClient) -> list[tuple[str, tuple[str, str]]]:
    """(path, (lower, upper)) for every GET route whose query takes a pair of time bounds."""
    found = []
    for path, methods in client.get("/openapi.json").json()["paths"].items():
        names = {p["name"] for p in methods.get("get", {}).get("parameters", [])}
        found += [(path, pair) for pair in BOUNDS if set(pair) <= names]
    return found


def test_every_route_with_time_bounds_answers_a_whole_day(story: Story, day: date) -> None:
    before, after = (day - timedelta(days=1)).isoformat(), (day + timedelta(days=1)).isoformat()
    samples = {"{doc_hash}": story.ubl_hash, "{address}": story.address("Demo Bank A")}
    regulator = story.headers("Demo Regulator")
    failures: list[str] = []
    with story.api() as client:
        routes = _bounded_routes(client)
        assert {"/v1/documents", "/v1/audit/refusals", "/v1/audit/export"} <= {p for p, _ in routes}
        for path, (lower, upper) in routes:
            url = path
            for name, value in samples.items():
                url = url.replace(name, value)

            def count(params: dict[str, str], url: str = url) -> int:
                answer = client.get(url, params=params, headers=regulator)
                assert answer.status_code == 200, (url, params, answer.text)
                if answer.headers["content-type"].startswith("application/json"):
                    return _count_body(answer.json())
                return len(answer.text.splitlines())  # the export: one event a line

            everything = count({})
            if everything == 0:
                failures.append(f"{path}: nothing recorded to look for")
                continue
            d = day.isoformat()
            for params, expected in (
                ({lower: d, upper: d}, everything),
                ({upper: d}, everything),
                ({lower: d}, everything),
                ({upper: before}, 0),
                ({lower: after}, 0),
            ):
                got = count(params)
                if got != expected:
                    failures.append(f"GET {path} {params}: {got} records, expected {expected}")
    assert not failures, "\n".join(failures)


def _bounded_commands() -> list[tuple[tuple[str, ...], tuple[str, str]]]:
    """(command words, (lower, upper) options) for every reading command with time bounds."""
    found = []
    for group_name, group in get_command(app).commands.items():  # type: ignore[attr-defined]
        for name, command in getattr(group, "commands", {}).items():
            if not isinstance(command, ReadCommand):
                continue
            options = {o for p in command.params for o in getattr(p, "opts", ())}
            found += [
                ((group_name, name), (f"--{lo}", f"--{up}"))
                for lo, up in BOUNDS
                if {f"--{lo}", f"--{up}"} <= options
            ]
    return found


def test_every_command_with_time_bounds_answers_a_whole_day(story: Story, day: date) -> None:
    before, after = (day - timedelta(days=1)).isoformat(), (day + timedelta(days=1)).isoformat()
    required = {
        ("audit", "timeline"): (story.ubl_hash,),
        ("audit", "activity"): (story.address("Demo Bank A"),),
        ("audit", "export"): ("--out", "-"),
    }
    commands = _bounded_commands()
    assert {("doc", "list"), ("audit", "refusals"), ("audit", "export")} <= {c for c, _ in commands}
    failures: list[str] = []
    for words, (lower, upper) in commands:
        base = (*words, *required.get(words, ()))

        def count(*options: str, base: tuple[str, ...] = base) -> int:
            if base[:2] == ("audit", "export"):  # streams lines, no --json
                return len(story.cli.run(*base, *options).stdout.splitlines())
            return _count_body(story.cli.json(*base, *options))

        everything = count()
        if everything == 0:
            failures.append(f"{' '.join(words)}: nothing recorded to look for")
            continue
        d = day.isoformat()
        for options, expected in (
            ((lower, d, upper, d), everything),
            ((upper, d), everything),
            ((lower, d), everything),
            ((upper, before), 0),
            ((lower, after), 0),
        ):
            got = count(*options)
            if got != expected:
                failures.append(f"{' '.join(words)} {' '.join(options)}: {got}, not {expected}")
    assert not failures, "\n".join(failures)


def test_the_cli_and_the_api_answer_the_same_day_alike(story: Story, day: date) -> None:
    d = day.isoformat()
    cli = story.cli.json("audit", "refusals", "--since", d, "--until", d)
    with story.api() as client:
        api = client.get(
            "/v1/audit/refusals",
            params={"since": d, "until": d},
            headers=story.headers("Demo Regulator"),
        ).json()
    assert len(cli["items"]) == len(api["items"]) == 2
    assert json.dumps([r["tx_hash"] for r in cli["items"]]) == json.dumps(
        [r["tx_hash"] for r in api["items"]]
    )
