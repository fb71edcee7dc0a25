#!/usr/bin/env bash
# Start a tradeledger on the embedded chain: install what it needs, create the ledger on first
# run (printing the admin's API key once), then serve the REST gateway.
#
#   ./scripts/start.sh                 # data in ${TRADELEDGER_DATA_DIR:-~/.local/share/tradeledger}
#   ./scripts/start.sh --demo          # first run also creates one member of each role
#   TRADELEDGER_PORT=9000 ./scripts/start.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# the pyproject.toml of the last successful install: install again only when it changed (the
# install is editable, so code changes need none) or when .venv lacks tradeledger
STAMP=.venv/.installed-pyproject.toml
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv…" >&2
  "$PYTHON" -m venv .venv
fi
if [ ! -x .venv/bin/tradeledger ] || ! cmp -s pyproject.toml "$STAMP"; then
  echo "installing tradeledger into .venv…" >&2
  rm -f "$STAMP"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e . >&2
  cp pyproject.toml "$STAMP"
fi

DATA_DIR=${TRADELEDGER_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/tradeledger}
export TRADELEDGER_DATA_DIR="$DATA_DIR"
if [ ! -f "$DATA_DIR/manifest.json" ]; then
  init_args=()
  if [ "${1:-}" = "--demo" ]; then init_args+=(--demo); fi
  .venv/bin/tradeledger init "${init_args[@]}"
  echo "Keep the API keys above: they are shown once." >&2
else
  echo "using the ledger in $DATA_DIR (API keys were shown when it was created;" \
    "\`tradeledger key rotate ADDRESS\` issues a new one)" >&2
fi
exec .venv/bin/tradeledger serve --host "${TRADELEDGER_HOST:-127.0.0.1}" --port "${TRADELEDGER_PORT:-8000}"
