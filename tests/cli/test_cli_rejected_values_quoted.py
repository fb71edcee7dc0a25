"""A refused maturity or ``--doc`` quotes the value refused, and names ``--doc`` as its amount
errors do (``--doc[0]``); a maturity not in the future says today's date in UTC.

A newcomer's ``finance create --maturity 30/06/2027`` was told "--maturity: must be a calendar
date written YYYY-MM-DD" (which value?); the API's ``"maturity": "2001-06-30"`` "maturity: must
be in the future" (than what?); ``--doc 0xZZ=5`` named ``--doc`` where ``--doc 0xHASH=x``
names ``--doc[0]``. Real CLI and gateway app over a real embedded chain.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.cli.cli_helpers import Cli, served_api

DOC = "0x" + "ab" * 32


def _refused(cli: Cli, bank: str, *extra: str) -> dict[str, Any]:
    args = ["finance", "create", "--as", bank, "--currency", "DKK", *extra]
    body: dict[str, Any] = cli.json(*args, code=2)["details"]
    plain = cli.run(*args, code=2).stderr.strip()
    assert plain == f"error: {body['field']}: {body['rule']}", plain
    return body


def test_refused_maturities_and_hashes_quote_the_value(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    members = cli.json("init", "--demo")["members"]
    bank = next(m for m in members if m["role"] == "bank")
    today = datetime.now(UTC).date().isoformat()

    slashed = _refused(cli, bank["address"], "--doc", f"{DOC}=5", "--maturity", "30/06/2027")
    assert slashed["field"] == "--maturity"
    assert slashed["rule"].endswith("YYYY-MM-DD (ISO 8601), not '30/06/2027'"), slashed

    past = _refused(cli, bank["address"], "--doc", f"{DOC}=5", "--maturity", "2001-06-30")
    assert past["field"] in ("maturity", "--maturity"), past
    assert "must be in the future, not 2001-06-30" in past["rule"], past
    assert f"today is {today} (UTC)" in past["rule"], past

    hashed = _refused(cli, bank["address"], "--doc", "0xZZ=5", "--maturity", "2099-12-31")
    amount = _refused(cli, bank["address"], "--doc", f"{DOC}=x", "--maturity", "2099-12-31")
    assert hashed["field"] == amount["field"] == "--doc[0]", (hashed, amount)
    assert hashed["rule"].endswith("64 hex digits (0x optional), not '0xZZ'"), hashed

    with served_api(cli) as client:
        headers = {"Authorization": f"Bearer {bank['api_key']}"}
        for maturity, said in (
            ("2001-06-30", f"must be in the future, not 2001-06-30: today is {today} (UTC)"),
            ("30/06/2027", 'YYYY-MM-DD (ISO 8601), not "30/06/2027"'),
        ):
            answer = client.post(
                "/v1/financings",
                json={
                    "documents": [{"doc_hash": DOC, "amount": 5}],
                    "currency": "DKK",
                    "kind": "invoice_financing",
                    "maturity": maturity,
                },
                headers=headers,
            )
            assert answer.status_code == 422, answer.text
            details = answer.json()["details"]
            assert details["field"] == "maturity", details
            assert said in details["rule"], details
