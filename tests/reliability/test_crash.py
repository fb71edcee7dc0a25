"""Exactly-once under crashes (issue #10): two banks and an enterprise write through a served
gateway that is killed with SIGKILL at random moments (and, on anvil, whose node is restarted
under it); every unanswered write is retried with the same key. The chain must show no
acknowledged write lost, none applied twice, and no retry refused as a duplicate of the
member's own write. The scenario and the audit are in ``crashdriver``; the long variant is
``scripts/crash_suite.py`` (figures in docs/reliability.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ANVIL
from tests.reliability.crashdriver import CrashConfig, CrashReport, run_crash_suite

needs_anvil = pytest.mark.skipif(not ANVIL.exists(), reason="anvil not installed (npm ci)")
#: the short variant's serving time between kills (seconds, after the first answer)
SHORT = (0.5, 2.0)


def _assert_exactly_once(report: CrashReport, kills: int, node_restarts: int = 0) -> None:
    print(report.summary())  # shown with -s, and in the failure report
    assert report.kills == kills
    assert report.node_restarts == node_restarts
    assert report.lost == []
    assert report.applied_twice == []
    assert report.own_retry_refused == []
    assert report.unexpected == []
    # the kills hit writes in flight, and those were answered by retries
    assert sum(report.retried.values()) > 0
    for op in ("register", "finance"):
        assert report.writes[op] > 0, op


def test_kills_on_the_embedded_chain_lose_and_double_nothing(tmp_path: Path) -> None:
    config = CrashConfig(backend="embedded", kills=3, seed=11, up_seconds=SHORT)
    report = run_crash_suite(config, tmp_path)
    _assert_exactly_once(report, kills=3)


@pytest.mark.anvil
@needs_anvil
def test_kills_and_a_node_restart_on_anvil_lose_and_double_nothing(tmp_path: Path) -> None:
    config = CrashConfig(backend="anvil", kills=2, node_restarts=1, seed=12, up_seconds=SHORT)
    report = run_crash_suite(config, tmp_path)
    _assert_exactly_once(report, kills=2, node_restarts=1)


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_twenty_kills_on_the_embedded_chain(tmp_path: Path) -> None:
    report = run_crash_suite(CrashConfig(backend="embedded", kills=20, seed=21), tmp_path)
    _assert_exactly_once(report, kills=20)


@pytest.mark.slow
@pytest.mark.anvil
@needs_anvil
@pytest.mark.timeout(3600)
def test_twenty_kills_and_four_node_restarts_on_anvil(tmp_path: Path) -> None:
    config = CrashConfig(backend="anvil", kills=20, node_restarts=4, seed=22)
    report = run_crash_suite(config, tmp_path)
    _assert_exactly_once(report, kills=20, node_restarts=4)
