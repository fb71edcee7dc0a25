"""The evaluator's numbers are JSON integers, never booleans (ledger/evaluator.py).

A bool is an ``int`` to Python: the log's ``after`` and ``limit`` took ``true`` for 1 (a
regulator's ``"limit": true`` read one entry, ``"after": true`` skipped the first), and the
request's ``timestamp`` took ``true``, ``1.7e9`` and ``"1700000000"`` through ``int()``. Each is
refused now (422 ``invalid_input``), naming the field and quoting the value as sent — ``-0``
too, which a JSON parser reads as 0 — before any signature is checked.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from ledger.evaluator import (
    READ_LOG_LABEL,
    ROLE_REGULATOR,
    EvaluationLog,
    EvaluatorService,
    create_app,
    key_signer,
    sign_request,
)
from ledger.oprf import Evaluator

CONSORTIUM = "0x" + "11" * 20


@pytest.fixture
def regulator() -> Any:
    return Account.create()


@pytest.fixture
def client() -> TestClient:
    service = EvaluatorService(
        Evaluator.from_seed(Evaluator.new_seed()),
        EvaluationLog(Path(tempfile.mkdtemp()) / "log.sqlite"),
        lambda consortium, address: (ROLE_REGULATOR, True),
        standing_ttl=0,
    )
    service.log.add("0x" + "22" * 20, 3, "evaluated")
    service.log.add("0x" + "22" * 20, 4, "evaluated")
    return TestClient(create_app(service))


def _read(client: TestClient, regulator: Any, after: str, limit: str, **extra: Any) -> Any:
    """``POST /v1/evaluations`` with ``after`` and ``limit`` written as the given JSON literals,
    signed over the text the old evaluator signed them as (``str()`` of the parsed value)."""
    signed_as = [str(json.loads(after)), str(json.loads(limit))]
    body = sign_request(
        CONSORTIUM, regulator.address, key_signer(regulator.key), READ_LOG_LABEL, ["", *signed_as]
    )
    body.update(filter_member="", **extra)
    text = json.dumps(body)[:-1] + f', "after": {after}, "limit": {limit}}}'
    return client.post(
        "/v1/evaluations", content=text, headers={"Content-Type": "application/json"}
    )


def test_the_log_is_read_with_whole_numbers(client: TestClient, regulator: Any) -> None:
    answer = _read(client, regulator, "0", "500")
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["evaluations"]) == 2


@pytest.mark.parametrize(
    ("after", "limit", "field", "quoted"),
    [
        ("true", "500", "after", "true"),
        ("false", "500", "after", "false"),
        ("0", "true", "limit", "true"),
        ("-0", "500", "after", "-0"),
        ("1.0", "500", "after", "1.0"),
        ("0", "1e1", "limit", "1e1"),
        ('"1"', "500", "after", '"1"'),
    ],
)
def test_after_and_limit_refuse_what_is_not_a_json_integer(
    client: TestClient, regulator: Any, after: str, limit: str, field: str, quoted: str
) -> None:
    answer = _read(client, regulator, after, limit)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "invalid_input"
    assert body["field"] == field, body
    assert body["message"].startswith(f"{field}: must be a whole number from "), body
    assert body["message"].endswith(f"not {quoted}"), body


@pytest.mark.parametrize("timestamp", ["true", "1.7e9", '"1700000000"', "-0"])
def test_a_timestamp_is_a_json_integer(client: TestClient, regulator: Any, timestamp: str) -> None:
    """``int()`` read ``true`` as 1 (a 401 "stale" for a malformed field), ``1.7e9`` and a
    string of digits as seconds: each is a 422 naming ``timestamp``."""
    body = sign_request(
        CONSORTIUM, regulator.address, key_signer(regulator.key), READ_LOG_LABEL, ["", "0", "5"]
    )
    body.update(filter_member="", after=0, limit=5, timestamp="@")
    text = json.dumps(body).replace('"@"', timestamp)
    answer = client.post(
        "/v1/evaluations", content=text, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "timestamp", answer.text
    assert answer.json()["message"].endswith(f"not {timestamp}"), answer.text
