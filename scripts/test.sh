#!/usr/bin/env bash
# Install everything the tests need and run the whole suite:
#   lint (ruff), types (mypy --strict), contract tests (forge), pytest on the embedded chain,
#   and the ledger suite again on anvil.
#
#   ./scripts/test.sh                  # the default run (what CI runs)
#   TRADELEDGER_SLOW=1 ./scripts/test.sh   # also the slow suites
set -euo pipefail
case "${1:-}" in
  -h | --help)  # usage: this script's opening comment; nothing installed, nothing started
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 0 ;;
esac
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
step() { printf '\n== %s\n' "$*"; }
# what the machine had when a step failed: a run that fails everywhere at once is often short
# of disk or memory, and CI's output is all there is to tell
machine() {
  printf '\n== machine: %s cores, open files %s\n' "$(nproc 2>/dev/null || echo ?)" "$(ulimit -n)"
  df -h . "${TMPDIR:-/tmp}" 2>/dev/null || true
  free -m 2>/dev/null || true
}
trap 'status=$?; [ "$status" = 0 ] || machine; exit "$status"' EXIT

step "python dependencies"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# exactly what was tested: every package pinned with its hashes (requirements/dev.txt, made by
# scripts/lock.sh); pip refuses a file whose hash differs. Then the project itself, editable.
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
"${PIP[@]}" --require-hashes -r requirements/build.txt
"${PIP[@]}" --require-hashes -r requirements/dev.txt
"${PIP[@]}" --no-deps --no-build-isolation -e .

step "node toolchain (solc-js, forge, anvil — pinned in package-lock.json)"
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "npm is required (install Node.js 18+)" >&2; exit 1
  fi
fi
npm ci --no-audit --no-fund --loglevel=error

step "curl (the README's examples use it; tests/test_readme_session.py runs them)"
if ! command -v curl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
  else
    echo "curl not found: the README session test will be skipped" >&2
  fi
fi

step "PostgreSQL server for the index tests"
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL binaries not found: the PostgreSQL index tests will be skipped" >&2
  fi
fi

step "chromium for the browser tests (Debian's; playwright drives it, downloads no browser)"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "/usr/bin/chromium not found: the browser tests (-m browser) will be skipped" >&2
  fi
fi

step "lint and format (ruff)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

step "types (mypy --strict on ledger/ and api/)"
.venv/bin/mypy

step "contracts (forge)"
bash scripts/test_contracts.sh

markers="not slow"
if [ "${TRADELEDGER_SLOW:-0}" = 1 ]; then markers=""; fi
# pytest-xdist worker processes, each test file whole on one worker (its module fixtures once).
# Most tests wait on a chain, a gateway or a database, so 2 cores carry 3 workers;
# TRADELEDGER_TEST_WORKERS=0 runs everything in one process, as before.
workers=${TRADELEDGER_TEST_WORKERS:-3}
parallel=(-n "$workers" --dist loadfile)

machine
step "pytest (embedded chain, $workers workers)"
.venv/bin/python -m pytest -m "$markers" -p no:cacheprovider "${parallel[@]}"

step "pytest (ledger suite on anvil, $workers workers)"
TRADELEDGER_TEST_BACKEND=anvil .venv/bin/python -m pytest -m "${markers:+$markers and }backend" \
  -p no:cacheprovider "${parallel[@]}"
