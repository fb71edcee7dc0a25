"""``scripts/start.sh`` installs only when it must: when ``.venv`` is missing or lacks the
gateway, or when ``pyproject.toml`` or a lock file changed since the last install — not on every
start; and it installs from the hash-pinned lock files (issue #15), never an unpinned resolve.

The script runs for real (bash) in a copy of the repository's layout whose ``.venv`` holds
recording stand-ins for its Python and ``tradeledger``, so the test sees exactly which
installs and commands the script ran without downloading anything.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDER = """#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "$CALLS"
# the gateway runs in the foreground until stopped; the evaluator was started in the background
# just before it: a stand-in that returned at once let the script's exit trap kill the
# evaluator's stand-in before it had recorded itself (a flaky test, not a fault of the script)
if [ "$1" = "serve" ]; then
  for _ in $(seq 100); do grep -q "evaluator serve" "$CALLS" && break; sleep 0.05; done
fi
"""
#: pip's editable install puts the ``tradeledger`` entry point in .venv/bin, as a real one does,
#: and points the package at this checkout; asked where ``ledger`` is imported from (``-c``), it
#: answers the checkout it was installed from (.venv/installed-from, written by the install)
PYTHON = (
    RECORDER
    + """if [ "$*" = "-m pip install --quiet --disable-pip-version-check --no-deps \
--no-build-isolation -e ." ]; then
  cp "$0" "$(dirname "$0")/tradeledger"
  pwd -P > "$(dirname "$0")/../installed-from"
fi
if [ "$1" = "-c" ]; then cat "$(dirname "$0")/../installed-from" 2>/dev/null; fi
"""
)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """scripts/start.sh and pyproject.toml, with a .venv of recording executables."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "start.sh", root / "scripts" / "start.sh")
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")
    shutil.copytree(ROOT / "requirements", root / "requirements")
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, text in (("python", PYTHON), ("tradeledger", RECORDER)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return root


def _start(root: Path, tmp_path: Path) -> list[str]:
    """Run start.sh on an existing ledger; the commands it ran, one line each."""
    calls = tmp_path / "calls.log"
    calls.unlink(missing_ok=True)
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    (data_dir / "manifest.json").write_text("{}")  # a ledger exists: no init
    env = {**os.environ, "CALLS": str(calls), "TRADELEDGER_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        ["bash", str(root / "scripts" / "start.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return calls.read_text().splitlines()


def _served(calls: list[str]) -> list[str]:
    """The gateway's and the evaluator's serve commands (the evaluator runs in the background:
    its line may come first or second)."""
    return sorted(c for c in calls if " serve " in f"{c} ")


def _installs(calls: list[str]) -> list[str]:
    return [c for c in calls if c.startswith("python -m pip install")]


def test_start_installs_from_the_hash_pinned_locks(checkout: Path, tmp_path: Path) -> None:
    flags = "python -m pip install --quiet --disable-pip-version-check"
    assert _installs(_start(checkout, tmp_path)) == [
        f"{flags} --require-hashes -r requirements/build.txt",
        f"{flags} --require-hashes -r requirements/run.txt",
        f"{flags} --no-deps --no-build-isolation -e .",
    ]


def test_start_installs_once_then_only_when_pyproject_changes(
    checkout: Path, tmp_path: Path
) -> None:
    first = _start(checkout, tmp_path)
    assert any(c.endswith("-e .") for c in _installs(first))
    assert "tradeledger serve --host 127.0.0.1 --port 8000" in first

    again = _start(checkout, tmp_path)
    assert _installs(again) == []  # nothing changed: no reinstall
    evaluator = tmp_path / "data-evaluator"
    assert _served(again) == [
        f"tradeledger evaluator serve --data-dir {evaluator} --gateway-data-dir "
        f"{tmp_path / 'data'} --port 8600",
        "tradeledger serve --host 127.0.0.1 --port 8000",
    ]
    # the evaluator's key is made in its own directory, never the gateway's
    assert f"tradeledger evaluator init --data-dir {evaluator}" in first

    pyproject = checkout / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n# a new dependency\n")
    assert _installs(_start(checkout, tmp_path))  # changed: installed again
    assert _installs(_start(checkout, tmp_path)) == []

    lock = checkout / "requirements" / "run.txt"
    lock.write_text(lock.read_text() + "\n# a new pin\n")
    assert _installs(_start(checkout, tmp_path))  # the lock changed: installed again
    assert _installs(_start(checkout, tmp_path)) == []


def test_start_installs_when_the_venv_lacks_the_gateway(checkout: Path, tmp_path: Path) -> None:
    _start(checkout, tmp_path)
    (checkout / ".venv" / "bin" / "tradeledger").unlink()
    calls = _start(checkout, tmp_path)
    assert _installs(calls)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_start_help_prints_usage_and_does_nothing(
    checkout: Path, tmp_path: Path, flag: str
) -> None:
    """``start.sh --help`` prints its usage and exits 0: nothing installed, created or served."""
    calls = tmp_path / "calls.log"
    data_dir = tmp_path / "fresh-data"
    env = {**os.environ, "CALLS": str(calls), "TRADELEDGER_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        ["bash", str(checkout / "scripts" / "start.sh"), flag],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "./scripts/start.sh --demo" in done.stdout
    assert not calls.exists(), calls.read_text()  # no pip, no init, no serve
    assert not data_dir.exists()
    assert not (checkout / ".venv" / ".installed-lock").exists()


def test_start_refuses_an_unknown_option_before_installing(checkout: Path, tmp_path: Path) -> None:
    calls = tmp_path / "calls.log"
    env = {**os.environ, "CALLS": str(calls), "TRADELEDGER_DATA_DIR": str(tmp_path / "d")}
    done = subprocess.run(
        ["bash", str(checkout / "scripts" / "start.sh"), "--dmeo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--dmeo" in done.stderr
    assert not calls.exists()


@pytest.mark.parametrize("script", ["test.sh", "lock.sh", "slither.sh", "test_contracts.sh"])
def test_other_scripts_help_has_no_side_effects(tmp_path: Path, script: str) -> None:
    """Every script in scripts/ answers ``--help`` with its usage, before installing anything."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / script, root / "scripts" / script)
    before = sorted(p.name for p in root.rglob("*"))
    done = subprocess.run(
        ["bash", str(root / "scripts" / script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert sorted(p.name for p in root.rglob("*")) == before


def test_start_installs_this_checkout_when_the_venv_serves_another(
    checkout: Path, tmp_path: Path
) -> None:
    """A .venv copied or linked from another checkout imports that one's code: a tryout's
    gateway served an older contract's code so. The script installs this checkout (the
    editable install only) when the installed package is not this checkout's, then not again."""
    assert _installs(_start(checkout, tmp_path))
    (checkout / ".venv" / "installed-from").write_text("/elsewhere/tradeledger\n")
    flags = "python -m pip install --quiet --disable-pip-version-check"
    assert _installs(_start(checkout, tmp_path)) == [f"{flags} --no-deps --no-build-isolation -e ."]
    assert _installs(_start(checkout, tmp_path)) == []


def test_start_says_demo_is_ignored_on_an_existing_ledger(checkout: Path, tmp_path: Path) -> None:
    """A tryout started ``start.sh --demo`` with a data directory that held a ledger already,
    read nothing of its ``--demo`` being ignored, and worked on the older ledger."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "manifest.json").write_text("{}")  # a ledger exists: no init
    (checkout / ".venv" / "installed-from").write_text(str(checkout.resolve()))
    env = {
        **os.environ,
        "CALLS": str(tmp_path / "calls.log"),
        "TRADELEDGER_DATA_DIR": str(data_dir),
    }
    done = subprocess.run(
        ["bash", str(checkout / "scripts" / "start.sh"), "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "start.sh: --demo is ignored" in done.stderr, done.stderr
    assert str(data_dir) in done.stderr
    assert not any(
        c.startswith("tradeledger init") for c in (tmp_path / "calls.log").read_text().splitlines()
    )


#: a gateway stand-in that serves until signalled: it writes node.json with its pid, and on
#: SIGTERM removes it (as ``tradeledger serve`` does) and records how it stopped
SERVING = """#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "$CALLS"
if [ "$1" = "serve" ]; then
  trap 'rm -f "$TRADELEDGER_DATA_DIR/node.json"; echo "serve stopped by TERM" >> "$CALLS"
    exit 143' TERM
  echo "{\\"pid\\": $$}" > "$TRADELEDGER_DATA_DIR/node.json"
  while true; do sleep 0.05; done
fi
if [ "$1" = "evaluator" ] && [ "$2" = "serve" ]; then
  while true; do sleep 0.05; done
fi
"""


def _signals_as_from_a_terminal() -> None:
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_start_stops_the_gateway_which_removes_its_node_file(
    checkout: Path, tmp_path: Path, stop: signal.Signals
) -> None:
    """A SIGTERM (or SIGINT) sent to start.sh reached nothing: the gateway ran in the
    foreground of a script that died, and kept serving with its node.json. The script passes it
    on to the gateway as SIGTERM and waits for it to stop."""
    _start(checkout, tmp_path)  # installed once: the next start runs the stand-in below
    (checkout / ".venv" / "bin" / "tradeledger").write_text(SERVING)
    calls = tmp_path / "calls.log"
    data_dir = tmp_path / "data"
    env = {**os.environ, "CALLS": str(calls), "TRADELEDGER_DATA_DIR": str(data_dir)}
    script = subprocess.Popen(
        ["bash", str(checkout / "scripts" / "start.sh")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # as from a terminal: a test run started in the background (``nohup … &``) ignores
        # SIGINT, the child inherits that, and bash cannot trap a signal ignored on entry
        preexec_fn=_signals_as_from_a_terminal,
        start_new_session=True,  # its own process group: a failed run leaves no stand-in
    )
    try:
        deadline = time.monotonic() + 30
        while not (data_dir / "node.json").exists():
            assert script.poll() is None, "start.sh ended before serving"
            assert time.monotonic() < deadline, "the gateway stand-in never served"
            time.sleep(0.05)
        script.send_signal(stop)
        code = script.wait(timeout=30)
    finally:
        if script.poll() is None:
            script.kill()
            script.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # the stand-ins it started, if any is left
            os.killpg(script.pid, signal.SIGKILL)
    assert not (data_dir / "node.json").exists()
    assert "serve stopped by TERM" in calls.read_text().splitlines()
    assert code == 143  # the gateway's own exit status
