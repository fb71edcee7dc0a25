"""The CLI and the API answer one registration with the same ``invoice_pledged``: the CLI's
``doc register --json`` is the API's 201 (docs/api.md), and with one ``Idempotency-Key`` the two
surfaces name one write, so whichever registered the file first, the other's answer to the
same member says the same. Found by a tryout: the API's first answer of a file without facts
read ``null``, the CLI-first one (and the API's repeat after it) ``false``.

Real CLI (Typer's runner) and the real gateway app, one after the other, on one embedded
chain."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.network import open_ledger
from tests.cli.cli_helpers import Cli
from tests.conftest import make_settings

ROLES = ("Demo Exporter", "Demo Bank A", "Demo Customs")
_n = itertools.count()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, Any], Path]:
    tmp = tmp_path_factory.mktemp("registration-pledged")
    cli = Cli(tmp / "ledger")
    members = {m["name"]: m for m in cli.json("init", "--demo")["members"]}
    return cli, members, tmp


def _api(cli: Cli) -> Any:
    ledger = open_ledger(make_settings(cli.data_dir))
    return ledger, TestClient(create_app(ledger.settings, ledger))


def _said(body: dict[str, Any]) -> tuple[Any, Any]:
    return body["invoice_pledged"], body["is_financed"]


def test_the_api_after_the_cli_says_what_the_cli_said(
    world: tuple[Cli, dict[str, Any], Path],
) -> None:
    cli, members, tmp = world
    firsts: dict[str, tuple[Path, dict[str, Any]]] = {}
    for name in ROLES:
        path = tmp / f"cli-first-{next(_n)}.txt"
        path.write_text(f"registered through the CLI first {path.name}")
        key = f"cli-first-{path.name}"
        firsts[name] = path, cli.json(
            "doc", "register", str(path), "--as", members[name]["address"],
            "--idempotency-key", key,
        )  # fmt: skip
    ledger, client = _api(cli)
    try:
        with client:
            for name, (path, by_cli) in firsts.items():
                headers = {
                    "Authorization": f"Bearer {members[name]['api_key']}",
                    "Idempotency-Key": f"cli-first-{path.name}",
                }
                repeat = client.post(
                    "/v1/documents", files={"file": (path.name, path.read_bytes())}, headers=headers
                )
                assert repeat.status_code == 201, repeat.text
                # a file without facts: its registrant learns it is not financed, so not pledged
                assert _said(repeat.json()) == _said(by_cli) == (False, False), name
                fresh = client.post(
                    "/v1/documents",
                    files={"file": ("new.txt", f"through the API {next(_n)}".encode())},
                    headers={**headers, "Idempotency-Key": f"api-first-{next(_n)}"},
                )
                assert fresh.status_code == 201, fresh.text
                assert _said(fresh.json()) == _said(by_cli), name
    finally:
        ledger.close()


def test_the_cli_after_the_api_says_what_the_api_said(
    world: tuple[Cli, dict[str, Any], Path],
) -> None:
    cli, members, tmp = world
    answered: dict[str, tuple[Path, dict[str, Any]]] = {}
    ledger, client = _api(cli)
    try:
        with client:
            for name in ROLES:
                path = tmp / f"api-first-{next(_n)}.txt"
                path.write_text(f"registered through the API first {path.name}")
                sent = client.post(
                    "/v1/documents",
                    files={"file": (path.name, path.read_bytes())},
                    headers={
                        "Authorization": f"Bearer {members[name]['api_key']}",
                        "Idempotency-Key": f"api-first-{path.name}",
                    },
                )
                assert sent.status_code == 201, sent.text
                answered[name] = path, sent.json()
    finally:
        ledger.close()
    for name, (path, by_api) in answered.items():
        again = cli.json(
            "doc", "register", str(path), "--as", members[name]["address"],
            "--idempotency-key", f"api-first-{path.name}",
        )  # fmt: skip
        assert again["doc_hash"] == by_api["doc_hash"]
        assert _said(again) == _said(by_api) == (False, False), name
