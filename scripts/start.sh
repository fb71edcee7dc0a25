#!/usr/bin/env bash
# Start a tradeledger on the embedded chain: install what it needs, create the fingerprint
# evaluator's key and the ledger on first run (printing the admin's API key once), then serve the
# REST gateway and the evaluator (docs/fingerprints.md) beside it.
#
#   ./scripts/start.sh                 # data in ${TRADELEDGER_DATA_DIR:-~/.local/share/tradeledger}
#   ./scripts/start.sh --demo          # first run also creates one member of each role
#   TRADELEDGER_PORT=9000 ./scripts/start.sh
#   ./scripts/start.sh --help          # this text; nothing installed or started
# The evaluator keeps its key in its own directory, ${TRADELEDGER_EVALUATOR_DIR:-DATA_DIR-evaluator},
# never in the gateway's, and serves on 127.0.0.1:${TRADELEDGER_EVALUATOR_PORT:-8600}.
set -euo pipefail
case "${1:-}" in
  -h | --help)  # usage: this script's opening comment; nothing installed, nothing started
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 0 ;;
esac
for arg in "$@"; do  # refused before anything is installed or created
  if [ "$arg" != "--demo" ]; then
    echo "start.sh: unknown option '$arg' (options: --demo, --help)" >&2
    exit 2
  fi
done
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
# the editable install must be this checkout's: a .venv copied or linked from another checkout
# would serve that one's code (a tryout's gateway ran an older contract's code so)
HERE=$(pwd -P)
INSTALLED=$(cd / && "$HERE/.venv/bin/python" -c \
  'import os, ledger; print(os.path.dirname(os.path.dirname(os.path.realpath(ledger.__file__))))' \
  2>/dev/null || true)
if [ "$INSTALLED" != "$HERE" ]; then
  echo "installing this checkout's tradeledger into .venv (it served ${INSTALLED:-nothing})…" >&2
  "${PIP[@]}" --no-deps --no-build-isolation -e . >&2
fi

DATA_DIR=${TRADELEDGER_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/tradeledger}
export TRADELEDGER_DATA_DIR="$DATA_DIR"
EVALUATOR_DIR=${TRADELEDGER_EVALUATOR_DIR:-$DATA_DIR-evaluator}
EVALUATOR_PORT=${TRADELEDGER_EVALUATOR_PORT:-8600}
export TRADELEDGER_EVALUATOR_URL=${TRADELEDGER_EVALUATOR_URL:-http://127.0.0.1:$EVALUATOR_PORT}
if [ ! -f "$EVALUATOR_DIR/evaluator.key" ]; then
  .venv/bin/tradeledger evaluator init --data-dir "$EVALUATOR_DIR" >&2
fi
if [ ! -f "$DATA_DIR/manifest.json" ]; then
  init_args=(--evaluator-key "$(.venv/bin/tradeledger evaluator public-key --data-dir "$EVALUATOR_DIR")")
  if [ "${1:-}" = "--demo" ]; then init_args+=(--demo); fi
  .venv/bin/tradeledger init "${init_args[@]}"
  echo "Keep the API keys above: they are shown once." >&2
else
  echo "using the ledger in $DATA_DIR (API keys were shown when it was created;" \
    "\`tradeledger key rotate ADDRESS\` issues a new one)" >&2
  if [ "${1:-}" = "--demo" ]; then
    # a tryout read nothing of its --demo being ignored, and worked on an older ledger
    echo "start.sh: --demo is ignored: $DATA_DIR holds a ledger already (its members stand);" \
      "set TRADELEDGER_DATA_DIR to a new directory for a new demo ledger" >&2
  fi
fi
# the evaluator reads members' standing through the gateway's chain bridge (read only)
.venv/bin/tradeledger evaluator serve --data-dir "$EVALUATOR_DIR" --gateway-data-dir "$DATA_DIR" \
  --port "$EVALUATOR_PORT" &
EVALUATOR_PID=$!
trap 'kill "$EVALUATOR_PID" 2>/dev/null || true' EXIT
# the gateway in the background, a SIGINT or SIGTERM to this script passed on to it as SIGTERM:
# it stops as when signalled itself, removing its DATA_DIR/node.json (a foreground gateway got
# nothing of a SIGTERM sent to this script, which died and left it serving)
.venv/bin/tradeledger serve --host "${TRADELEDGER_HOST:-127.0.0.1}" --port "${TRADELEDGER_PORT:-8000}" &
SERVER_PID=$!
trap 'kill -TERM "$SERVER_PID" 2>/dev/null || true' INT TERM
status=0
wait "$SERVER_PID" || status=$?
# a trapped signal ends the wait at once: wait for the gateway to finish stopping
while kill -0 "$SERVER_PID" 2>/dev/null; do
  status=0
  wait "$SERVER_PID" || status=$?
done
exit "$status"
