"""``tradeledger --version`` prints the installed version, and ``tradeledger demo`` leaves no
temporary directory behind (the real command, in its own process, on the embedded chain)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ledger.demo
from ledger.cli import app
from ledger.network import Ledger

FAST = {"TRADELEDGER_KEYSTORE_SCRYPT_N": "1024", "TRADELEDGER_CHAIN_SYNC": "normal"}


def test_version_prints_the_package_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"tradeledger {version('tradeledger')}"


def test_the_demo_removes_its_temporary_ledger(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, **FAST, "TMPDIR": str(scratch)}
    env.pop("TRADELEDGER_DATA_DIR", None)
    done = subprocess.run(
        [sys.executable, "-m", "ledger.cli", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "REFUSES" in done.stdout
    assert "was removed" in done.stdout
    # what the gateway keeps of the exporter's invoice: its keyed fingerprints, counted (the
    # story said "0": it counted the enterprise's answer, which shows none)
    kept = re.search(r"facts and (\d+) keyed fingerprints", done.stdout)
    assert kept is not None, done.stdout
    assert int(kept.group(1)) > 0, done.stdout
    assert list(scratch.iterdir()) == []


def test_a_failed_demo_removes_its_temporary_ledger_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    created: list[Path] = []

    def story_that_fails(opened: Ledger, say: object) -> None:
        created.append(opened.settings.data_dir)
        raise RuntimeError("the story broke half-way")

    monkeypatch.setattr(ledger.demo, "_story", story_that_fails)
    monkeypatch.setenv("TRADELEDGER_KEYSTORE_SCRYPT_N", "1024")
    with pytest.raises(RuntimeError, match="half-way"):
        ledger.demo.run_demo(None, lambda _: None)
    assert [path.parent for path in created] == [scratch]  # the ledger was created there
    assert list(scratch.iterdir()) == []
