"""Compiled contract artifacts (ABI and bytecode), committed and checked against the sources.

Regenerate with ``python scripts/compile_contracts.py``; a test fails when they are stale.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_artifact(name: str) -> dict[str, Any]:
    """The artifact ``name`` (e.g. ``"TradeLedger"``): abi, bytecode, compiler settings."""
    text = resources.files(__name__).joinpath(f"{name}.json").read_text()
    artifact: dict[str, Any] = json.loads(text)
    return artifact


def artifact_sha256(name: str) -> str:
    """SHA-256 of the artifact's deployed bytecode, as recorded in a deployment manifest."""
    code = load_artifact(name)["deployedBytecode"]
    return hashlib.sha256(bytes.fromhex(code.removeprefix("0x"))).hexdigest()
