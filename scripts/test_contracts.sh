#!/usr/bin/env bash
# Run the Foundry suite for contracts/ (unit, role matrix, events, invariants).
#
#   scripts/test_contracts.sh                      # forge test --offline
#   TRADELEDGER_MUTANTS=1 scripts/test_contracts.sh   # also check that every mutant is caught
#   scripts/test_contracts.sh --match-contract Financing   # extra args go to forge test
#
# forge comes from npm (@foundry-rs/forge-linux-amd64, installed by `npm ci`) and compiles with
# the pinned solc-js behind scripts/solc; nothing is downloaded.
set -euo pipefail
case "${1:-}" in
  -h | --help)  # usage: this script's opening comment; nothing installed, nothing started
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 0 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

FORGE="${FORGE:-$ROOT/node_modules/@foundry-rs/forge-linux-amd64/bin/forge}"
if [[ ! -x "$FORGE" ]]; then
    if command -v forge >/dev/null 2>&1; then
        FORGE="$(command -v forge)"
    else
        echo "forge not found: run 'npm ci' (it installs @foundry-rs/forge-linux-amd64)" >&2
        exit 2
    fi
fi
if [[ ! -d "$ROOT/node_modules/solc" || ! -d "$ROOT/node_modules/@openzeppelin/contracts" ]]; then
    echo "node_modules incomplete: run 'npm ci'" >&2
    exit 2
fi

"$FORGE" test --offline "$@"

if [[ "${TRADELEDGER_MUTANTS:-0}" == "1" ]]; then
    PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
    [[ -x "$PYTHON" ]] || PYTHON="$(command -v python3)"
    FORGE="$FORGE" "$PYTHON" "$ROOT/scripts/mutation_check.py"
fi
