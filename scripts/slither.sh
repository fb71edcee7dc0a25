#!/usr/bin/env bash
# Static analysis of the contracts with Slither (Trail of Bits).
#
#   scripts/slither.sh                 # report on stderr; exit non-zero on a High finding or a crash
#   scripts/slither.sh --json out.json # extra args go to slither
#
# Every High/Medium finding is explained (fixed or justified) in docs/security.md.
#
# Slither runs in its own virtualenv under .tmp/ (gitignored), installed from PyPI on first use.
# It compiles through crytic-compile's Foundry platform: `forge build --build-info` with the
# pinned solc-js behind scripts/solc (foundry.toml), so no native solc is downloaded.
# The test helpers under contracts/test are excluded from the report.
set -euo pipefail
case "${1:-}" in
  -h | --help)  # usage: this script's opening comment; nothing installed, nothing started
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 0 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.tmp/slither-venv"
SLITHER_VERSION="${SLITHER_VERSION:-0.11.6}"

if [[ ! -x "$VENV/bin/slither" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet "slither-analyzer==$SLITHER_VERSION"
fi

# crytic-compile calls `forge` from PATH
export PATH="$ROOT/node_modules/@foundry-rs/forge-linux-amd64/bin:$PATH"

"$VENV/bin/slither" . \
    --compile-force-framework foundry \
    --foundry-out-directory out \
    --filter-paths "contracts/test|node_modules" \
    --exclude-dependencies \
    --fail-high \
    "$@"
