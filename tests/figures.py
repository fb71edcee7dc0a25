"""Figures: the numbers a test run measured, printed at its end (docs/security.md, "Figures").

A suite that measures something an attacker tried — cases sent to the API, 5xx answers, hostile
files read, calls in the access matrix, leaks, secrets found on disk — records it here::

    from tests.figures import add, put

    add("api fuzz: cases run", 1)          # counts accumulate over tests and examples
    put("bandit: high", 0)                 # a value measured once

and pytest prints every figure recorded in the run in a ``figures`` section after the test
summary (also with ``-q``). ``TRADELEDGER_FIGURES_FILE=path.json`` also writes them as a JSON
object, for CI artifacts or a table. The tests themselves assert the bound each figure must meet
(``5xx = 0``); this module only reports.

Under pytest-xdist (``-n``, as ``scripts/test.sh`` runs the suite) every worker records its own
figures and hands them to the controller when it ends (``workeroutput``), which prints them
together: ``add`` figures summed over the workers, ``peak`` and ``put`` ones the largest.

Loaded for every run by ``pytest_plugins`` in ``tests/conftest.py``.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

_FIGURES: dict[str, float] = {}
#: how each figure was recorded ("add", "put" or "peak"): how workers' figures combine
_KINDS: dict[str, str] = {}
_LOCK = threading.Lock()


def add(name: str, amount: float = 1) -> None:
    """Add ``amount`` to the figure ``name`` (created at 0)."""
    with _LOCK:
        _KINDS[name] = "add"
        _FIGURES[name] = _FIGURES.get(name, 0) + amount


def put(name: str, value: float) -> None:
    """Set the figure ``name`` to ``value``."""
    with _LOCK:
        _KINDS[name] = "put"
        _FIGURES[name] = value


def peak(name: str, value: float) -> None:
    """Keep the largest ``value`` seen for ``name`` (a slowest time, a deepest input)."""
    with _LOCK:
        _KINDS[name] = "peak"
        _FIGURES[name] = max(_FIGURES.get(name, value), value)


def get(name: str) -> float | None:
    """The figure ``name`` so far, or None when nothing recorded it."""
    with _LOCK:
        return _FIGURES.get(name)


def recorded() -> dict[str, float]:
    """Every figure of this run, by name."""
    with _LOCK:
        return dict(_FIGURES)


def restore(snapshot: dict[str, float]) -> None:
    """Put every figure back as ``snapshot`` (from :func:`recorded`) had it: a test that plants
    a fault to show a check can fail leaves no trace in the figures."""
    with _LOCK:
        _FIGURES.clear()
        _FIGURES.update(snapshot)


def _shown(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}"


def combine(worker_figures: dict[str, tuple[str, float]]) -> None:
    """Fold one worker's figures (name -> (kind, value)) into this process's: ``add`` figures
    summed, ``put`` and ``peak`` ones the largest."""
    with _LOCK:
        for name, (kind, value) in worker_figures.items():
            known = _FIGURES.get(name)
            _KINDS[name] = kind
            if known is None:
                _FIGURES[name] = value
            elif kind == "add":
                _FIGURES[name] = known + value
            else:
                _FIGURES[name] = max(known, value)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands its figures to the controller (after every other plugin's
    session end, the secrets scan's included)."""
    output: dict[str, object] | None = getattr(session.config, "workeroutput", None)
    if output is not None:
        with _LOCK:
            output["figures"] = {
                name: (_KINDS.get(name, "put"), value) for name, value in _FIGURES.items()
            }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """The controller folds in the figures of a worker that ended (pytest-xdist's hook)."""
    output = getattr(node, "workeroutput", None) or {}
    worker_figures = output.get("figures")
    if worker_figures:
        combine({name: (kind, value) for name, (kind, value) in worker_figures.items()})


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    figures = recorded()
    if not figures:
        return
    terminalreporter.write_sep("=", "figures")
    width = max(len(name) for name in figures)
    for name in sorted(figures):
        terminalreporter.write_line(f"{name:<{width}}  {_shown(figures[name]):>12}")
    target = os.environ.get("TRADELEDGER_FIGURES_FILE")
    if target:
        Path(target).write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
