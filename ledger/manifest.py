"""The deployment manifest: which chain, which contract, deployed where and from what.

Written once by ``tradeledger init`` to ``DATA_DIR/manifest.json``; every gateway of the network
reads it to find the contract and to check that it runs the artifact it was deployed with.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ledger.datadir import write_private
from ledger.errors import LedgerStateError

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    """Where the network's contract lives and how it was built."""

    chain_id: int
    contract_address: str
    deployment_block: int
    deployment_tx: str
    #: SHA-256 of the deployed bytecode in the artifact (``ledger.artifacts.artifact_sha256``)
    artifact_sha256: str
    solc_version: str
    evm_version: str
    admin_address: str
    #: "embedded" or the JSON-RPC URL used at deployment
    backend: str
    #: identifies the consortium's fingerprint key (a hash of it, never the key)
    fingerprint_evaluator_key: str
    created_at: str
    version: int = MANIFEST_VERSION

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        write_private(tmp, json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        if not path.exists():
            raise LedgerStateError(
                f"no ledger at {path.parent}: run `tradeledger init` first, or point at an "
                "existing ledger with --data-dir DIR or the TRADELEDGER_DATA_DIR environment "
                "variable",
                path=str(path),
            )
        try:
            data = json.loads(path.read_text())
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise LedgerStateError(f"unreadable manifest {path}: {exc}", path=str(path)) from None
