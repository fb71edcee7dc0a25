"""The words of the check limit (``POST /v1/documents/check`` and ``/receive``), true for the
role asking: every member's checks count towards it, and only a bank's files are evaluated
against the fingerprints financings lock — so a member whose files are never evaluated is told
about the checks it made, never about evaluations it did not make."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import check_limited, own_invoice, unique_file, xml
from fastapi.testclient import TestClient

from tests.conftest import Network, Participant

LIMIT = 2
WINDOW = 600


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[tuple[Network, TestClient]]:
    with check_limited(tmp_path, LIMIT, WINDOW) as limited_gateway:
        yield limited_gateway


def _refused(client: TestClient, who: Participant) -> str:
    response = client.post(
        "/v1/documents/check", files=unique_file("past-the-limit"), headers=who.headers
    )
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["error"] == "rate_limited"
    assert (body["details"]["limit"], body["details"]["window_seconds"]) == (LIMIT, WINDOW)
    assert f"the limit is {LIMIT} per {WINDOW} s" in body["message"]
    return str(body["message"])


@pytest.mark.parametrize("role", ["attestor", "enterprise", "regulator"])
def test_a_member_whose_files_are_never_evaluated_is_told_of_its_checks(
    limited: tuple[Network, TestClient], role: str
) -> None:
    net, client = limited
    who = net.by_role()[role]
    for path in ("/v1/documents/check", "/v1/documents/receive"):
        made = client.post(path, files=unique_file(f"{role}-raw"), headers=who.headers)
        assert made.status_code in (200, 201), made.text
    message = _refused(client, who)
    assert f"made {LIMIT} file checks (check, receive)" in message, message
    assert "evaluat" not in message, message


def test_a_bank_is_told_its_checks_evaluate_fingerprints(
    limited: tuple[Network, TestClient],
) -> None:
    net, client = limited
    # one invoice (its fingerprints evaluated) and one raw file (nothing to evaluate)
    checked = client.post(
        "/v1/documents/check", files=xml(own_invoice("LIMIT")), headers=net.bank.headers
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["fingerprints"]
    raw = client.post(
        "/v1/documents/check", files=unique_file("bank-raw"), headers=net.bank.headers
    )
    assert raw.status_code == 200, raw.text
    message = _refused(client, net.bank)
    assert f"made {LIMIT} file checks (check, receive)" in message, message
    assert "(each a file's fingerprints evaluated, or a file without facts)" in message, message
    assert "known here already (checked or lodged before) does not count" in message, message
    assert f"made {LIMIT} fingerprint evaluations" not in message, message
    # the log says what each check evaluated: the raw file nothing
    log = client.get(
        "/v1/audit/fingerprint-checks",
        params={"participant": net.bank.address},
        headers=net.regulator.headers,
    ).json()["items"]
    assert [(i["outcome"], i["evaluated"] > 0) for i in log] == [
        ("ok", True),
        ("ok", False),
        ("rate_limited", False),
    ]
