"""A whole number written in exponent notation is refused by one rule, whatever its magnitude.

A newcomer's tryout sent ``"amount": 1e400`` and was told it "is too large", then ``"amount":
1e2`` and was told it "must be a whole number written as a JSON integer": two rules for one
fault, and the first not even the fault (``1e2`` is not too large either; neither is written
in digits). Every whole-number field — amounts in minor units, reason codes, a proposal's
threshold, the ``limit`` of a list, a path's id, a time bound given as Unix seconds — now
refuses a number in exponent notation in the same words (:func:`exponent_rule`), naming the
field and quoting the number as written; a number written in digits keeps its own rule (too
large, not positive).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import MATURITY, client_fixture
from fastapi.testclient import TestClient

from ledger.jsonliterals import exponent_rule

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

#: numbers in exponent notation, small and huge, as a client may write them
EXPONENTS = ["1e2", "1e400", "1E+3", "2.5e3", "1e-7", "1e20", "-1e400"]
DOC = "0x" + "ab" * 32
JSON = {"Content-Type": "application/json"}


def _refused(answer: Any, field: str, literal: str) -> None:
    assert answer.status_code == 422, answer.text
    body: dict[str, Any] = answer.json()
    assert body["details"]["field"] == field, body
    assert body["details"]["rule"] == exponent_rule(literal), body
    assert body["message"] == f"{field}: {exponent_rule(literal)}", body


def _post(client: TestClient, who: Participant, url: str, body: str) -> Any:
    return client.post(url, content=body.encode(), headers={**who.headers, **JSON})


@pytest.mark.parametrize("literal", EXPONENTS)
def test_every_integer_of_a_body_refuses_exponent_notation_in_one_rule(
    client: TestClient, network: Network, literal: str
) -> None:
    financing = (
        f'{{"documents": [{{"doc_hash": "{DOC}", "amount": {literal}}}], "currency": "DKK", '
        f'"kind": "invoice_financing", "maturity": "{MATURITY}", "reference": "R-1"}}'
    )
    sent: list[tuple[Participant, str, str, str]] = [
        (network.bank, "/v1/financings", financing, "documents[0].amount"),
        (network.bank, "/v1/financings/1/drawdown", f'{{"amount": {literal}}}', "amount"),
        (network.bank, "/v1/financings/1/repay", f'{{"amount": {literal}}}', "amount"),
        (network.bank, "/v1/financings/1/cancel", f'{{"reason_code": {literal}}}', "reason_code"),
        (
            network.enterprise,
            f"/v1/documents/{DOC}/revoke",
            f'{{"reason_code": {literal}}}',
            "reason_code",
        ),
        (
            network.admin,
            "/v1/governance/proposals",
            f'{{"action": "set_threshold", "threshold": {literal}}}',
            "threshold",
        ),
    ]
    for who, url, body, field in sent:
        _refused(_post(client, who, url, body), field, literal)


@pytest.mark.parametrize("literal", ["1e2", "1e400", "1E+3", "1e-7"])
def test_every_integer_of_a_query_or_path_refuses_exponent_notation_in_one_rule(
    client: TestClient, network: Network, literal: str
) -> None:
    literal_in_url = literal.replace("+", "%2B")
    reads: list[tuple[Participant, str, str]] = [
        (network.regulator, f"/v1/documents?limit={literal_in_url}", "limit"),
        (network.regulator, f"/v1/financings?limit={literal_in_url}", "limit"),
        (network.regulator, f"/v1/audit/refusals?limit={literal_in_url}", "limit"),
        (network.regulator, f"/v1/audit/refusals?since={literal_in_url}", "since"),
        (network.regulator, f"/v1/audit/refusals?until={literal_in_url}", "until"),
        (network.regulator, f"/v1/documents?from={literal_in_url}", "from"),
        (network.regulator, f"/v1/documents?to={literal_in_url}", "to"),
        (network.bank, f"/v1/financings/{literal_in_url}", "financing_id"),
    ]
    for who, url, field in reads:
        _refused(client.get(url, headers=who.headers), field, literal)


def test_digits_keep_their_own_rules(client: TestClient, network: Network) -> None:
    """A number written in digits is said what is wrong with it, as before."""
    answer = _post(
        client, network.bank, "/v1/financings/1/drawdown", '{"amount": 1' + "0" * 20 + "}"
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["details"]["rule"].startswith("is too large"), answer.text
    answer = _post(client, network.bank, "/v1/financings/1/drawdown", '{"amount": 0}')
    assert answer.status_code == 422, answer.text
    assert "exponent" not in answer.json()["details"]["rule"], answer.text
