"""The committed contract artifacts are exactly what the pinned compiler makes of the sources."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.artifacts import artifact_sha256, load_artifact

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(
    not (ROOT / "node_modules" / "solc").exists() or shutil.which("node") is None,
    reason="needs node and `npm ci` (solc-js); scripts/test.sh installs them",
)
def test_committed_artifacts_match_the_sources() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compile_contracts.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_artifact_records_the_pinned_toolchain() -> None:
    artifact = load_artifact("TradeLedger")
    assert artifact["compiler"]["evmVersion"] == "paris"
    assert artifact["compiler"]["solc"].startswith("0.8.30")
    code = bytes.fromhex(artifact["deployedBytecode"].removeprefix("0x"))
    assert 0 < len(code) <= 24_576  # EIP-170 contract size limit
    assert len(artifact_sha256("TradeLedger")) == 64
