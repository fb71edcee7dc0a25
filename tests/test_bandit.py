"""bandit (PyCQA's static security check) over ledger/ and api/: no High finding, and no Medium
finding but the ones docs/security.md explains ("Figures", bandit).

    bandit -r ledger api            # the same report, in words
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests import figures

ROOT = Path(__file__).resolve().parents[1]
#: (test id, file) of every Medium finding accepted, each explained in docs/security.md
ACCEPTED_MEDIUM = frozenset(
    {
        # `_client_host`: maps a wildcard bind address to the loopback address a local client
        # dials; nothing binds there
        ("B104", "ledger/cli.py"),
        # `urlopen` of the fingerprint evaluator's URL: the scheme is checked to be http(s)
        # first (no file:// or custom scheme reaches urlopen)
        ("B310", "ledger/network.py"),
    }
)


def bandit(*targets: str) -> dict[str, Any]:
    """bandit's JSON report for ``targets`` (paths relative to the repository)."""
    done = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", *targets, "-f", "json", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: findings; anything else: bandit failed
    report: dict[str, Any] = json.loads(done.stdout)
    assert not report["errors"], report["errors"]
    return report


def _by_severity(report: dict[str, Any], severity: str) -> list[dict[str, Any]]:
    return [r for r in report["results"] if r["issue_severity"] == severity]


def test_no_high_and_only_explained_medium_findings() -> None:
    report = bandit("ledger", "api")
    high, medium = _by_severity(report, "HIGH"), _by_severity(report, "MEDIUM")
    figures.put("bandit: lines scanned (ledger/, api/)", report["metrics"]["_totals"]["loc"])
    figures.put("bandit: high", len(high))
    figures.put("bandit: medium", len(medium))
    figures.put("bandit: low", len(_by_severity(report, "LOW")))
    assert [f"{r['filename']}:{r['line_number']} {r['issue_text']}" for r in high] == []
    unexplained = {(r["test_id"], r["filename"]) for r in medium} - ACCEPTED_MEDIUM
    assert unexplained == set(), "explain these in docs/security.md or fix them"


def test_the_check_sees_a_high_finding(tmp_path: Path) -> None:
    """The figure can fail: a shell command built from input is a High finding."""
    planted = tmp_path / "planted.py"
    planted.write_text("import subprocess\n\ndef run(x):\n    subprocess.call(x, shell=True)\n")
    report = bandit(str(planted))
    assert [r["test_id"] for r in _by_severity(report, "HIGH")] == ["B602"]
