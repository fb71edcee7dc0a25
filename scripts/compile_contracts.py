#!/usr/bin/env python3
"""Compile the Solidity contracts and write their ABI and bytecode into the Python package.

    python scripts/compile_contracts.py           # write ledger/artifacts/*.json
    python scripts/compile_contracts.py --check   # exit 1 if the committed artifacts are stale

The compiler is solc-js (npm ``solc``, exact version pinned in package.json) run by py-solc-x
through ``scripts/solc``. A user who only runs the ledger needs neither: the artifacts are
committed. Only top-level ``contracts/*.sol`` files are compiled into artifacts; ``contracts/test``
and ``contracts/mutants`` belong to the Foundry suite.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS_DIR = ROOT / "contracts"
ARTIFACTS_DIR = ROOT / "ledger" / "artifacts"
SOLC = ROOT / "scripts" / "solc"

#: One EVM version that runs on eth-tester (py-evm), anvil, Hyperledger Besu and GoQuorum:
#: "paris" has no PUSH0 (Shanghai), MCOPY or transient storage (Cancun), which GoQuorum and
#: older Besu networks do not execute.
EVM_VERSION = "paris"
OPTIMIZER_RUNS = 200
#: the contracts written as artifacts (deployable ones, plus the interface ABI)
ARTIFACT_NAMES = ("TradeLedger", "ITradeLedger")


def standard_input() -> dict[str, Any]:
    sources = {
        str(path.relative_to(ROOT)): {"content": path.read_text()}
        for path in sorted(CONTRACTS_DIR.glob("*.sol"))
    }
    return {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "evmVersion": EVM_VERSION,
            "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
            "viaIR": False,
            "remappings": ["@openzeppelin/=node_modules/@openzeppelin/"],
            "metadata": {"bytecodeHash": "none", "appendCBOR": False},
            "outputSelection": {
                "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}
            },
        },
    }


def compile_artifacts() -> dict[str, dict[str, Any]]:
    """Compile and return {contract name: artifact}, raising on any compiler error."""
    import solcx  # dev dependency: only needed to compile

    compiler_input = standard_input()
    version = str(solcx.wrapper.get_solc_version(SOLC))
    output = solcx.compile_standard(
        compiler_input, solc_binary=SOLC, allow_paths=[str(ROOT)], base_path=str(ROOT)
    )
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise SystemExit("\n".join(e["formattedMessage"] for e in errors))
    source_digest = hashlib.sha256(
        json.dumps(compiler_input["sources"], sort_keys=True).encode()
    ).hexdigest()
    artifacts: dict[str, dict[str, Any]] = {}
    for source_name, contracts in output["contracts"].items():
        if not source_name.startswith("contracts/"):
            continue
        for name, compiled in contracts.items():
            if name not in ARTIFACT_NAMES:
                continue
            artifacts[name] = {
                "contractName": name,
                "sourceName": source_name,
                "abi": compiled["abi"],
                "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
                "compiler": {
                    "solc": version,
                    "evmVersion": EVM_VERSION,
                    "optimizerRuns": OPTIMIZER_RUNS,
                },
                "sourcesSha256": source_digest,
            }
    missing = set(ARTIFACT_NAMES) - set(artifacts)
    if missing:
        raise SystemExit(f"contracts not found in contracts/*.sol: {sorted(missing)}")
    return artifacts


def render(artifact: dict[str, Any]) -> str:
    return json.dumps(artifact, indent=1, sort_keys=True) + "\n"


def stale_artifacts(artifacts: dict[str, dict[str, Any]]) -> list[str]:
    """Names of the artifacts whose committed file differs from a fresh compile."""
    stale = []
    for name, artifact in artifacts.items():
        path = ARTIFACTS_DIR / f"{name}.json"
        if not path.exists() or path.read_text() != render(artifact):
            stale.append(name)
    return stale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if artifacts are stale")
    args = parser.parse_args()
    artifacts = compile_artifacts()
    if args.check:
        stale = stale_artifacts(artifacts)
        if stale:
            print(f"stale artifacts (run scripts/compile_contracts.py): {stale}", file=sys.stderr)
            return 1
        print("artifacts match the sources")
        return 0
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    for name, artifact in artifacts.items():
        (ARTIFACTS_DIR / f"{name}.json").write_text(render(artifact))
        size = (len(artifact["deployedBytecode"]) - 2) // 2
        print(f"wrote {name}: {size} bytes deployed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
