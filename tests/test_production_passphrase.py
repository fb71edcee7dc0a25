"""In production the keystore passphrase comes from outside the data directory (issue #15: by
default each key's passphrase sits beside it, so a copy of the directory is a copy of every key).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from ledger.errors import LedgerStateError
from ledger.network import init_network, open_ledger
from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests.conftest import make_settings

PASSPHRASE = "a long passphrase a KMS agent rendered"


def _secret(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PASSPHRASE + "\n")
    path.chmod(0o600)
    return path


def test_production_refuses_to_start_without_an_external_passphrase(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        make_settings(tmp_path / "ledger", environment="production")
    text = str(refused.value)
    assert "environment is production" in text
    assert "TRADELEDGER_KEYSTORE_PASSPHRASE_FILE" in text
    assert str(tmp_path / "ledger" / "secrets") in text


def test_production_refuses_a_passphrase_file_inside_the_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "ledger"
    inside = _secret(data_dir / "secrets" / "keystore.pass")
    with pytest.raises(ValidationError, match="lies inside the data directory"):
        make_settings(data_dir, environment="production", keystore_passphrase_file=inside)
    # a link from outside to a file inside is inside
    link = tmp_path / "elsewhere.pass"
    link.symlink_to(inside)
    with pytest.raises(ValidationError, match="lies inside the data directory"):
        make_settings(data_dir, environment="production", keystore_passphrase_file=link)
    # development keeps working as before
    assert make_settings(data_dir, keystore_passphrase_file=inside).keystore_passphrase


def test_production_accepts_an_environment_variable_or_a_file_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = _secret(tmp_path / "run" / "credentials" / "keystore")
    settings = make_settings(
        tmp_path / "ledger", environment="production", keystore_passphrase_file=outside
    )
    assert settings.keystore_passphrase == PASSPHRASE
    monkeypatch.setenv("TRADELEDGER_KEYSTORE_PASSPHRASE", PASSPHRASE)
    assert make_settings(tmp_path / "ledger", environment="production").keystore_passphrase


def test_a_production_ledger_keeps_no_passphrase_in_its_directory(tmp_path: Path) -> None:
    outside = _secret(tmp_path / "run" / "keystore")
    settings = make_settings(
        tmp_path / "ledger", environment="production", keystore_passphrase_file=outside
    )
    ledger, _ = init_network(settings)
    try:
        member_svc.add_member(ledger, ledger.manifest.admin_address, "Bank", Role.BANK)
    finally:
        ledger.close()
    assert list(settings.secrets_dir.glob("*.pass")) == []
    assert len(list(settings.keystore_dir.glob("*.json"))) == 2
    reopened = open_ledger(settings)  # and it signs with the keys it decrypts
    try:
        member_svc.add_member(reopened, reopened.manifest.admin_address, "Bank 2", Role.BANK)
    finally:
        reopened.close()


def test_a_development_ledger_is_protected_before_it_runs_in_production(tmp_path: Path) -> None:
    data_dir = tmp_path / "ledger"
    development = make_settings(data_dir)
    ledger, _ = init_network(development)
    bank = member_svc.add_member(ledger, ledger.manifest.admin_address, "Bank", Role.BANK)
    ledger.close()
    assert len(list(development.secrets_dir.glob("*.pass"))) == 2

    outside = _secret(tmp_path / "run" / "keystore")
    production = make_settings(data_dir, environment="production", keystore_passphrase_file=outside)
    with pytest.raises(LedgerStateError) as refused:
        open_ledger(production)
    assert "tradeledger keystore protect" in refused.value.message
    assert len(refused.value.details["files"]) == 2

    env = {
        **os.environ,
        "TRADELEDGER_ENVIRONMENT": "production",
        "TRADELEDGER_KEYSTORE_PASSPHRASE_FILE": str(outside),
        "TRADELEDGER_KEYSTORE_SCRYPT_N": "1024",
    }
    done = subprocess.run(
        [sys.executable, "-m", "ledger.cli", "keystore", "protect", "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "2 key(s) re-encrypted" in done.stdout
    assert list(production.secrets_dir.glob("*.pass")) == []

    reopened = open_ledger(production)
    try:  # both keys open under the external passphrase and sign
        member_svc.add_member(reopened, reopened.manifest.admin_address, "Bank 2", Role.BANK)
        reopened.transactor(bank.member.address)
    finally:
        reopened.close()


def test_serve_in_production_without_a_passphrase_says_what_to_set(tmp_path: Path) -> None:
    env = {**os.environ, "TRADELEDGER_ENVIRONMENT": "production"}
    env.pop("TRADELEDGER_KEYSTORE_PASSPHRASE", None)
    env.pop("TRADELEDGER_KEYSTORE_PASSPHRASE_FILE", None)
    done = subprocess.run(
        [sys.executable, "-m", "ledger.cli", "serve", "--data-dir", str(tmp_path / "ledger")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "TRADELEDGER_KEYSTORE_PASSPHRASE_FILE" in done.stderr
    assert "Traceback" not in done.stderr
    # one line naming the setting and the rule, not pydantic's dump of every setting given
    # the variable the operator sets, not the Python field
    assert done.stderr.startswith(
        "error: TRADELEDGER_KEYSTORE_PASSPHRASE: environment is production"
    )
    for dump in ("validation error", "input_value", "errors.pydantic.dev", "type=value_error"):
        assert dump not in done.stderr
