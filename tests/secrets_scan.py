"""Secrets scan: after a test run, look for every secret the run made outside its one allowed place.

A test run leaves files behind — pytest's base temporary directory keeps every test's data
directories (keystores, ``secrets/``, the chain, ``gateway.sqlite``, ``index.sqlite``, the
journal, SQLite WAL and journal files, logs, files the CLI wrote) — and logs (what each test
captured from ``logging`` and stderr). This module reads the secrets the run made from the data
directories themselves, then searches every byte left behind for them.

What counts as a secret, and its one allowed place
    ========================  ====================================  ============================
    secret                    where it is read from                 allowed only in
    ========================  ====================================  ============================
    keystore private key      decrypting ``keystore/*.json`` with   nowhere in clear (only
                              its ``secrets/<address>.pass``        encrypted, in its keystore)
    keystore passphrase       ``secrets/<address>.pass``            a data directory's
                                                                    ``secrets/`` (mode 0700)
    lookup key                ``secrets/lookup.key``                a ``secrets/`` directory
    fingerprint key (old)     ``secrets/fingerprint.key*``          a ``secrets/`` directory
    encryption key (X25519)   ``secrets/encryption.key``            a ``secrets/`` directory (or its
                                                                    ``encryption/`` keyring)
    node token                ``secrets/node.token``                a ``secrets/`` directory
    any other secrets file    ``secrets/*``                         a ``secrets/`` directory
    API key                   the ``tl_<16 hex>_<43 chars>`` format nowhere (only its SHA-256 is
                                                                    stored; it is shown once)
    ========================  ====================================  ============================

A **found** key is one of these values (or an API key of that format) anywhere else: in any
other file of the run — SQLite databases and their WAL/journal files included — or in a captured
log. Values are searched as text (hex in either case, with or without ``0x``; base64 and
base64url; the passphrase or token itself) in every file, and as raw bytes in the files of the
same test directory. A secret in a ``secrets/`` directory of *another* data directory is not
found (a copy restored from a backup is in its place). Publicly known test keys (anvil's dev
account) are not secrets.

Run by pytest after every session (``pytest_plugins`` in ``tests/conftest.py``; turn it off
with ``TRADELEDGER_SECRETS_SCAN=0``): it records the figures (files, bytes, secrets known, keys
found) and fails the run when a key is found. On any directory::

    python -m tests.secrets_scan DIR [DIR ...]      # exit 1 when a key is found
"""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests import figures

#: an API key as the gateway issues it (``ledger.gatewaydb``): tl_<key id>_<secret>
API_KEY = re.compile(rb"tl_[0-9a-f]{16}_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
#: publicly known test keys: not secrets (anvil's first dev account, tests/conftest.py)
PUBLIC_KEYS = frozenset({"ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"})
_HEX_RUN = re.compile(rb"[0-9a-fA-F]{64,}")
_WORD_RUN = re.compile(rb"[A-Za-z0-9_\-+/]{16,}")
#: files larger than this are read in pieces of this size (overlapping by a needle's length)
_CHUNK = 64 * 1024 * 1024


@dataclass(frozen=True)
class Secret:
    kind: str
    #: the file it was read from (a keystore for a private key)
    source: Path
    value: bytes
    #: the test directory it belongs to (raw bytes are searched there)
    scope: Path


@dataclass(frozen=True)
class Finding:
    kind: str
    where: str
    offset: int
    #: the file the secret came from (None for an API key)
    source: Path | None = None

    def __str__(self) -> str:
        origin = f" (from {self.source})" if self.source is not None else ""
        return f"{self.kind} in {self.where} at byte {self.offset}{origin}"


@dataclass
class Report:
    files: int = 0
    bytes: int = 0
    secrets: int = 0
    keystores_unchecked: int = 0
    logs: int = 0
    findings: list[Finding] = field(default_factory=list)


def _secrets_dirs(root: Path) -> Iterator[Path]:
    """Every data directory's ``secrets/`` under ``root`` (a sibling keystore or manifest)."""
    for path in root.rglob("secrets"):
        parent = path.parent
        if path.is_dir() and (
            (parent / "keystore").is_dir() or (parent / "manifest.json").exists()
        ):
            yield path


def _scope(path: Path, root: Path) -> Path:
    """The test directory ``path`` belongs to: the first directory below ``root``."""
    relative = path.relative_to(root)
    return root / relative.parts[0] if len(relative.parts) > 1 else root


def _read_text(path: Path) -> str:
    return path.read_text(errors="replace").strip()


def _hex_value(text: str) -> bytes | None:
    text = text.removeprefix("0x")
    if re.fullmatch(r"[0-9a-fA-F]{32,}", text) and len(text) % 2 == 0:
        return bytes.fromhex(text)
    return None


def collect_secrets(root: Path) -> tuple[list[Secret], int]:
    """The secrets of every data directory under ``root``, and how many keystores could not be
    decrypted (their passphrase is not in the data directory: nothing to search for)."""
    from eth_account import Account

    found: list[Secret] = []
    unchecked = 0
    for secrets_dir in _secrets_dirs(root):
        scope = _scope(secrets_dir, root)
        for path in sorted(p for p in secrets_dir.iterdir() if p.is_file()):
            text = _read_text(path)
            if not text:
                continue
            name = path.name
            if name.endswith(".pass"):
                kind = "keystore passphrase"
            elif name == "lookup.key":
                kind = "lookup key"
            elif name.startswith("fingerprint.key"):
                kind = "fingerprint key"
            elif name.startswith("encryption.key"):
                kind = "encryption key"
            elif name == "node.token":
                kind = "node token"
            else:
                kind = f"secrets file {name}"
            raw = _hex_value(text) if "key" in kind else None
            found.append(Secret(kind, path, raw if raw is not None else text.encode(), scope))
        keystore = secrets_dir.parent / "keystore"
        for path in sorted(keystore.glob("*.json")) if keystore.is_dir() else ():
            passfile = secrets_dir / f"{path.stem.lower().removeprefix('0x')}.pass"
            try:
                encrypted = json.loads(path.read_text())
                key = bytes(Account.decrypt(encrypted, _read_text(passfile)))
            except (OSError, ValueError, KeyError, TypeError):
                unchecked += 1
                continue
            found.append(Secret("keystore private key", path, key, scope))
    return [s for s in found if s.value.hex() not in PUBLIC_KEYS], unchecked


def _text_forms(secret: Secret) -> list[bytes]:
    """How ``secret`` can appear as text (hex forms are matched lower-cased)."""
    value = secret.value
    if secret.kind in ("keystore passphrase", "node token") or secret.kind.startswith("secrets"):
        return [value]
    forms = [value.hex().encode()]
    for encoded in (base64.b64encode(value), base64.urlsafe_b64encode(value)):
        forms += [encoded, encoded.rstrip(b"=")]
    return forms


class Needles:
    """Every secret's text forms, looked up by length in sets (fast for thousands of them)."""

    def __init__(self, secrets: Iterable[Secret]) -> None:
        self.hex: dict[bytes, Secret] = {}
        self.words: dict[int, dict[bytes, Secret]] = {}
        self.raw: dict[Path, list[Secret]] = {}
        for secret in secrets:
            for form in _text_forms(secret):
                if re.fullmatch(rb"[0-9a-f]+", form) and len(form) >= 64:
                    self.hex[form] = secret
                else:
                    self.words.setdefault(len(form), {})[form] = secret
            if "key" in secret.kind:
                self.raw.setdefault(secret.scope, []).append(secret)
        self.hex_lengths = sorted({len(h) for h in self.hex})

    def search(self, data: bytes, where: str, scope: Path | None) -> Iterator[tuple[int, Secret]]:
        for run in _HEX_RUN.finditer(data):
            text = run.group().lower()
            for length in self.hex_lengths:
                for start in range(len(text) - length + 1):
                    secret = self.hex.get(text[start : start + length])
                    if secret is not None:
                        yield run.start() + start, secret
        for run in _WORD_RUN.finditer(data):
            text = run.group()
            for length, table in self.words.items():
                for start in range(len(text) - length + 1):
                    secret = table.get(text[start : start + length])
                    if secret is not None:
                        yield run.start() + start, secret
        for secret in self.raw.get(scope, []) if scope is not None else ():
            at = data.find(secret.value)
            if at >= 0:
                yield at, secret


def _allowed(path: Path, secret: Secret) -> bool:
    """Key material may sit in a data directory's ``secrets/``; a private key nowhere in
    clear (its keystore holds it encrypted, which the text search cannot match)."""
    if secret.kind == "keystore private key":
        return False
    # the secrets directory itself, or its encryption/ keyring (one X25519 key per member
    # served: ledger/encryptionkeys.py)
    return path.parent.name == "secrets" or (
        path.parent.name == "encryption" and path.parent.parent.name == "secrets"
    )


def _chunks(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        offset = 0
        while True:
            handle.seek(offset)
            data = handle.read(_CHUNK)
            if not data:
                return
            yield offset, data
            if len(data) < _CHUNK:
                return
            offset += _CHUNK - 256  # overlap: a needle across the boundary is still seen


def _files(root: Path) -> Iterator[Path]:
    for dirpath, _dirnames, filenames in os.walk(root, followlinks=False):
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                yield path


def scan_bytes(data: bytes, where: str, needles: Needles, scope: Path | None) -> list[Finding]:
    """Findings in one blob (a file's piece or a log)."""
    findings = [Finding("API key", where, m.start()) for m in API_KEY.finditer(data)]
    for offset, secret in needles.search(data, where, scope):
        if not _allowed(Path(where), secret):
            findings.append(Finding(secret.kind, where, offset, secret.source))
    return findings


def scan(roots: Iterable[Path], logs: Iterable[tuple[str, str]] = ()) -> Report:
    """Scan every file under ``roots`` and every ``(name, text)`` log for secrets."""
    report = Report()
    roots = [r.resolve() for r in roots if r.exists()]
    secrets: list[Secret] = []
    for root in roots:
        found, unchecked = collect_secrets(root)
        secrets += found
        report.keystores_unchecked += unchecked
    report.secrets = len(secrets)
    needles = Needles(secrets)
    seen: set[tuple[str, int, str]] = set()
    for root in roots:
        for path in _files(root):
            report.files += 1
            scope = _scope(path, root)
            try:
                for offset, data in _chunks(path):
                    report.bytes += len(data)
                    for finding in scan_bytes(data, str(path), needles, scope):
                        key = (finding.where, offset + finding.offset, finding.kind)
                        if key not in seen:
                            seen.add(key)
                            report.findings.append(
                                Finding(
                                    finding.kind,
                                    finding.where,
                                    offset + finding.offset,
                                    finding.source,
                                )
                            )
            except OSError:
                continue
    for name, text in logs:
        report.logs += 1
        report.findings += scan_bytes(text.encode(errors="replace"), name, needles, None)
    return report


# -- the pytest plugin ----------------------------------------------------------------------------

_LOGS: list[tuple[str, str]] = []
#: what each scan found, as printed (this process's, or every pytest-xdist worker's)
_FINDINGS: list[str] = []


def _enabled() -> bool:
    return os.environ.get("TRADELEDGER_SECRETS_SCAN", "1") != "0"


def _distributing(config: pytest.Config) -> bool:
    """The pytest-xdist controller: its workers scan their own directories and logs (a passing
    worker's directory is gone before the controller's session ends)."""
    return config.pluginmanager.has_plugin("dsession")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keep what each test captured from logging and stderr (its logs)."""
    if not _enabled():
        return
    for title, text in report.sections:
        if text and ("log" in title or "stderr" in title):
            _LOGS.append((f"<{title} of {report.nodeid}>", text))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _enabled():
        return
    if _distributing(session.config):
        if _FINDINGS and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return
    factory: Any = getattr(session.config, "_tmp_path_factory", None)
    basetemp = getattr(factory, "_basetemp", None)
    roots = [Path(basetemp)] if basetemp is not None else []
    if not roots and not _LOGS:
        return
    started = time.monotonic()
    report = scan(roots, _LOGS)
    # added, not put: a pytest-xdist run sums its workers' scans (tests/figures.py)
    figures.peak("secrets scan: seconds", round(time.monotonic() - started, 1))
    figures.add("secrets scan: files scanned", report.files)
    figures.add("secrets scan: MB scanned", round(report.bytes / 1e6, 1))
    figures.add("secrets scan: logs scanned", report.logs)
    figures.add("secrets scan: secrets known", report.secrets)
    figures.add("secrets scan: keystores not decryptable", report.keystores_unchecked)
    figures.add("secrets scan: keys found", len(report.findings))
    _FINDINGS.extend(str(finding) for finding in report.findings)
    output: dict[str, object] | None = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["secrets_findings"] = list(_FINDINGS)
    if report.findings and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """The controller keeps what a worker's scan found (pytest-xdist's hook)."""
    output = getattr(node, "workeroutput", None) or {}
    _FINDINGS.extend(str(finding) for finding in output.get("secrets_findings", ()))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FINDINGS:
        terminalreporter.write_sep("=", "secrets found outside their place", red=True)
        for finding in _FINDINGS[:50]:
            terminalreporter.write_line(finding)
        if len(_FINDINGS) > 50:
            terminalreporter.write_line(f"... and {len(_FINDINGS) - 50} more")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.split("\n\n")[-1].strip(), file=sys.stderr)
        return 2
    report = scan([Path(a) for a in argv])
    for finding in report.findings:
        print(finding)
    print(
        f"files {report.files}, bytes {report.bytes}, secrets known {report.secrets}, "
        f"keystores not decryptable {report.keystores_unchecked}, "
        f"keys found {len(report.findings)}"
    )
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
