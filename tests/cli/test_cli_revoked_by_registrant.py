"""``doc verify`` and ``doc check`` of a file whose registrant, not shown to be its seller,
revoked it say that only its registration was withdrawn.

Tryout 81: an enterprise that is not an invoice's seller registered it and revoked it "cancelled
by issuer"; a bank's check printed ``REVOKED … reason code 3 (cancelled_by_issuer)`` and NOT
FINANCEABLE, nothing saying the revoker was not the seller (docs/rules.md: only the seller or an
admin withdraws an invoice). The file itself stays refused on chain; the words now say what
the revocation withdrew. Real CLI (Typer's runner) over a real embedded chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import FAST, ledger_with_members
from typer.testing import CliRunner

from ledger.cli import app
from ledger.services.roles import REGISTRATION_WITHDRAWN_ONLY
from tests.api.api_helpers import own_invoice

SAID = f"its revoker is not shown to be its seller: {REGISTRATION_WITHDRAWN_ONLY}"


@pytest.fixture(scope="module")
def ledger_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    found = tmp_path_factory.mktemp("revoked-by") / "ledger"
    members = ledger_with_members(found)
    # Bank B has no legal id: not shown to be the seller; the enterprise is the seller
    return found, {
        "bank": members["bank"],
        "bank_b": members["bank_b"],
        "seller": members["enterprise"],
    }


def _run(data_dir: Path, *words: str, code: int) -> str:
    done = CliRunner().invoke(app, [*words, "--data-dir", str(data_dir)], env=FAST)
    assert done.exit_code == code, (words, done.output)
    return done.stdout


def _registered_and_revoked(data_dir: Path, tmp_path: Path, registrant: str) -> Path:
    path = tmp_path / "invoice.xml"
    path.write_bytes(own_invoice("REVBY"))
    _run(data_dir, "doc", "register", str(path), "--as", registrant, code=0)
    doc_hash = _run(data_dir, "doc", "verify", str(path), code=0).split()[3]
    _run(data_dir, "doc", "revoke", doc_hash, "--as", registrant, "--reason-code", "3", code=0)
    return path


def test_a_registrant_not_the_seller_withdrew_its_registration_only(
    ledger_dir: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    data_dir, who = ledger_dir
    path = _registered_and_revoked(data_dir, tmp_path, who["bank_b"])
    verified = _run(data_dir, "doc", "verify", str(path), code=4)
    assert "REVOKED" in verified
    assert SAID in verified
    checked = _run(data_dir, "doc", "check", str(path), code=5)  # the file stays refused
    assert SAID in checked


def test_the_seller_withdrew_the_invoice(
    ledger_dir: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    data_dir, who = ledger_dir
    path = _registered_and_revoked(data_dir, tmp_path, who["seller"])
    verified = _run(data_dir, "doc", "verify", str(path), code=4)
    assert "REVOKED" in verified
    assert "its revoker is not shown" not in verified


def test_finance_show_weighs_the_revoker_of_a_pledged_invoice(
    ledger_dir: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """Tryout 82: a bank's ``finance show`` of a financing whose invoice a registrant not its
    seller revoked read "document REVOKED by Bank B … (reason 3)", nothing saying only the
    registration was withdrawn (the audit and ``doc verify`` said so)."""
    data_dir, who = ledger_dir
    path = tmp_path / "invoice.xml"
    path.write_bytes(own_invoice("REVSHOW"))
    _run(data_dir, "doc", "register", str(path), "--as", who["bank_b"], code=0)
    doc_hash = _run(data_dir, "doc", "verify", str(path), code=0).split()[3]
    _run(data_dir, "doc", "receive", str(path), "--as", who["bank"], code=0)
    made = _run(
        data_dir,
        "finance",
        "create",
        "--as",
        who["bank"],
        "--doc",
        f"{doc_hash}=100000",
        "--currency",
        "DKK",
        "--maturity",
        "2099-12-31",
        "--kind",
        "other",
        "--json",
        code=0,
    )
    fid = str(json.loads(made)["financing_id"])
    _run(data_dir, "doc", "revoke", doc_hash, "--as", who["bank_b"], "--reason-code", "3", code=0)
    shown = _run(data_dir, "finance", "show", fid, "--as", who["bank"], code=0)
    assert "document REVOKED by" in shown, shown
    assert "is not shown to be its seller" in shown, shown
    assert REGISTRATION_WITHDRAWN_ONLY in " ".join(shown.split()), shown
