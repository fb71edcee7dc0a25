"""Every 403 names exactly the roles that may: a table over the routes and the roles, through
the real API (both backends).

A fresh user's tryout: a bank asking ``GET /v1/audit/exposure`` of another bank was told
``(every member's: regulator, admin)``, and the admin was then refused the view outright
(``role admin may not read financing exposure``). A refusal's ``details.allowed`` is a promise:
each role it names, sending the same request, is not refused for its role (a 403 without a
``condition``: a bank that may read exposure, its own only, is named rightly); and where the
refusal is of the role alone, the roles it names are exactly those not refused for their role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import client_fixture
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

ROLES = ("admin", "bank", "enterprise", "regulator", "attestor")
UNKNOWN_DOC = "0x" + "11" * 32
UNKNOWN_FINANCING = 999_999


def _requests(network: Network) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, request options): reads of every member's or another member's records, and
    writes on records that do not exist (a role that may is refused for the record, 404, not
    for its role)."""
    other_bank = network.bank_b.address
    reads = [
        "/v1/audit/refusals",
        "/v1/audit/duplicates",
        f"/v1/audit/financeable?doc_hash={UNKNOWN_DOC}",
        "/v1/audit/exposure",
        f"/v1/audit/exposure?member={other_bank}",
        f"/v1/audit/exposure?by=enterprise&member={other_bank}",
        "/v1/audit/export",
        "/v1/audit/verify",
        "/v1/audit/fingerprint-checks",
        "/v1/audit/fingerprint-evaluations",
        f"/v1/audit/members/{other_bank}/activity",
        f"/v1/documents?registrant={other_bank}",
        f"/v1/financings?bank={other_bank}",
        "/metrics",
    ]
    found: list[tuple[str, str, dict[str, Any]]] = [("GET", url, {}) for url in reads]
    for action, body in (
        ("drawdown", {"amount": 1}),
        ("repay", {"amount": 1}),
        ("close", None),
        ("cancel", {"reason_code": 1}),
    ):
        found.append(("POST", f"/v1/financings/{UNKNOWN_FINANCING}/{action}", {"json": body}))
    found += [
        ("POST", f"/v1/documents/{UNKNOWN_DOC}/attest", {"json": {"evidence": "MRN 1"}}),
        ("POST", f"/v1/documents/{UNKNOWN_DOC}/revoke", {"json": {"reason_code": 1}}),
        ("POST", f"/v1/governance/proposals/{UNKNOWN_FINANCING}/approve", {}),
    ]
    return found


def test_every_403_names_exactly_the_roles_that_may(client: TestClient, network: Network) -> None:
    wrong: list[str] = []
    refusals = 0
    for method, url, options in _requests(network):
        answers = {
            role: client.request(method, url, headers=network.by_role()[role].headers, **options)
            for role in ROLES
        }
        for role, answer in answers.items():
            assert answer.status_code < 500, (method, url, role, answer.text)
        refused = {role for role, answer in answers.items() if answer.status_code == 403}
        # refused for the role itself, not for whose records it asked (``condition``)
        outright = {r for r in refused if "condition" not in answers[r].json()["details"]}
        for role in sorted(refused):
            body = answers[role].json()
            assert body["error"] == "forbidden", (method, url, role, body)
            allowed = body["details"]["allowed"]
            refusals += 1
            said_wrong = sorted(set(allowed) & outright)
            if said_wrong:
                wrong.append(
                    f"{method} {url} as {role} names {said_wrong} among those who may, and "
                    f"they are refused: {body['message']}"
                )
            if "condition" not in body["details"] and set(allowed) != set(ROLES) - outright:
                wrong.append(
                    f"{method} {url} as {role} names {sorted(allowed)}, but "
                    f"{sorted(set(ROLES) - outright)} may: {body['message']}"
                )
    assert refusals >= 40
    assert not wrong, "\n".join(wrong)


def test_another_members_exposure_names_the_regulator_alone(
    client: TestClient, network: Network
) -> None:
    """The tryout's own case, in the words a user reads."""
    refused = client.get(
        "/v1/audit/exposure",
        params={"member": network.bank_b.address},
        headers=network.bank.headers,
    )
    assert refused.status_code == 403, refused.text
    body = refused.json()
    assert body["details"]["allowed"] == ["regulator"]
    assert body["message"].endswith("(every member's: regulator)"), body["message"]
    admin = client.get(
        "/v1/audit/exposure",
        params={"member": network.bank_b.address},
        headers=network.admin.headers,
    )
    assert admin.status_code == 403  # the admin reads no exposure at all: never named above
    regulator = client.get(
        "/v1/audit/exposure",
        params={"member": network.bank_b.address},
        headers=network.regulator.headers,
    )
    assert regulator.status_code == 200, regulator.text
