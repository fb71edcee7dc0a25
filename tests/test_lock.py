"""The lock files in ``requirements/`` pin every dependency of ``pyproject.toml`` with hashes, so
``scripts/start.sh``, ``scripts/test.sh`` and CI install exactly what was tested (issue #15).

A dependency added to or changed in ``pyproject.toml`` without re-running ``scripts/lock.sh``
fails here, before a fresh machine would install something nobody tested.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _pins(name: str) -> dict[str, tuple[str, int]]:
    """``requirements/<name>``: package → (pinned version, number of hashes)."""
    pins: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        found = PIN.match(line)
        if found:
            current = canonicalize_name(found.group(1))
            pins[current] = (found.group(2), 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        elif line.strip() and not line.lstrip().startswith("#"):
            pytest.fail(f"requirements/{name}: unexpected line {line!r}")
    return pins


def _declared() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    run = [Requirement(r) for r in project["dependencies"]]
    dev = [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    return run, dev


@pytest.mark.parametrize(("lock", "extra"), [("run.txt", False), ("dev.txt", True)])
def test_every_declared_dependency_is_pinned_within_its_range(lock: str, extra: bool) -> None:
    run, dev = _declared()
    pins = _pins(lock)
    for requirement in [*run, *(dev if extra else [])]:
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in requirements/{lock}: run scripts/lock.sh"
        version = pins[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements/{lock} pins {name}=={version}, outside {requirement}: "
            "run scripts/lock.sh"
        )


@pytest.mark.parametrize("lock", ["build.txt", "run.txt", "dev.txt"])
def test_every_pin_carries_a_hash(lock: str) -> None:
    pins = _pins(lock)
    assert pins
    unhashed = [name for name, (_, hashes) in pins.items() if hashes == 0]
    assert unhashed == []


def test_the_runtime_lock_is_the_dev_lock_less_the_dev_tools() -> None:
    """start.sh and test.sh install the same version of every package the gateway runs on."""
    run, dev = _pins("run.txt"), _pins("dev.txt")
    assert {n: v for n, (v, _) in run.items()} == {n: dev[n][0] for n in run}


def test_the_build_tools_are_pinned() -> None:
    """The editable install builds with the pinned setuptools (--no-build-isolation), not with
    whatever the index serves that day."""
    assert {"pip", "setuptools", "wheel"} <= set(_pins("build.txt"))
