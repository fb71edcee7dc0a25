#!/usr/bin/env bash
# Re-make the hash-pinned lock files in requirements/ after a change to pyproject.toml's
# dependencies (tests/test_lock.py fails until they agree). pip-tools runs in its own virtualenv
# (.tmp/pip-tools, gitignored), so it never enters the project's environment.
#
#   scripts/lock.sh            # keep the pinned versions that still satisfy pyproject.toml
#   scripts/lock.sh --upgrade  # move every pin to the newest allowed release
#
# build.txt: pip, setuptools and wheel (what installs the project). run.txt: what the gateway
# runs on (scripts/start.sh). dev.txt: that plus the test and lint tools (scripts/test.sh, CI).
set -euo pipefail
case "${1:-}" in
  -h | --help)  # usage: this script's opening comment; nothing installed, nothing started
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 0 ;;
esac
cd "$(dirname "$0")/.."

TOOLS=.tmp/pip-tools
if [ ! -x "$TOOLS/bin/pip-compile" ]; then
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check "pip-tools>=7.4,<8"
fi
compile() {
  "$TOOLS/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras \
    --no-emit-index-url --no-emit-find-links --no-header "$@"
}
compile "$@" --output-file requirements/build.txt requirements/build.in
compile "$@" --output-file requirements/run.txt pyproject.toml
compile "$@" --extra dev --output-file requirements/dev.txt pyproject.toml
echo "requirements/*.txt updated: review the diff, run scripts/test.sh, commit them together" >&2
