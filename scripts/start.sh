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
# exactly what was tested: every package pinned with its hashes in requirements/ (pip refuses a
# file whose hash differs), then the gateway itself, editable, built by the pinned setuptools.
# Install again only when the lock files or pyproject.toml changed since the last install (code
# changes need none: the install is editable) or when .venv lacks tradeledger.
LOCKS=(pyproject.toml requirements/build.txt requirements/run.txt)
STAMP=.venv/.installed-lock
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv…" >&2
  "$PYTHON" -m venv .venv
fi
if [ ! -x .venv/bin/tradeledger ] || ! cat "${LOCKS[@]}" | cmp -s - "$STAMP"; then
  echo "installing tradeledger into .venv…" >&2
  rm -f "$STAMP"
  "${PIP[@]}" --require-hashes -r requirements/build.txt >&2
  "${PIP[@]}" --require-hashes -r requirements/run.txt >&2
  "${PIP[@]}" --no-deps --no-build-isolation -e . >&2
  cat "${LOCKS[@]}" > "$STAMP"
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
