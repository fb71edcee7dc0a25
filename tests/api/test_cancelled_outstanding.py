"""A financing cancelled with money still out is not forgotten (a fresh-user tryout: a bank drew
200,000 minor units on a financing and cancelled it; the financing's read said ``drawn 200000
repaid 0`` but the exposure said ``outstanding: 0`` and ``audit verify`` said nothing).

A cancel is allowed at any time (docs/rules.md) and frees the documents; what changes is that it
is said: the cancel's answer carries a ``cancelled_outstanding`` notice (amount and currency),
the exposure keeps the money apart from the active ``outstanding``
(``outstanding_after_cancel``), and the regulator's ``audit verify`` lists the financing
(``rules.cancelled_outstanding``) — the rules still hold. Only to readers of the financing's
amounts: another bank sees none of it. Real app, real embedded chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_helpers import audit_rules, client_fixture, financed_invoice
from fastapi.testclient import TestClient

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]


def _write(client: TestClient, who: Participant, path: str, body: Any = None) -> dict[str, Any]:
    done = client.post(path, json=body, headers=who.headers)
    assert done.status_code == 200, done.text
    answer: dict[str, Any] = done.json()
    return answer


def _exposure(client: TestClient, who: Participant, **params: str) -> list[dict[str, Any]]:
    got = client.get("/v1/audit/exposure", params=params, headers=who.headers)
    assert got.status_code == 200, got.text
    items: list[dict[str, Any]] = got.json()["items"]
    return items


def test_a_cancel_with_money_out_is_told_counted_and_listed(
    client: TestClient, network: Network
) -> None:
    bank = network.bank
    _, fid = financed_invoice(client, network)
    _write(client, bank, f"/v1/financings/{fid}/drawdown", {"amount": 60_000})
    _write(client, bank, f"/v1/financings/{fid}/repay", {"amount": 20_000})
    cancelled = _write(client, bank, f"/v1/financings/{fid}/cancel", {"reason_code": 2})
    assert cancelled["financing"]["status"] == "cancelled"
    (notice,) = cancelled["notices"]
    assert notice["kind"] == "cancelled_outstanding"
    assert notice["financings"] == [fid]
    assert "400.00 DKK outstanding" in notice["message"]
    assert "600.00 DKK drawn, 200.00 DKK repaid" in notice["message"]

    # the exposure: the active outstanding is 0, the money after the cancel apart
    for who, params in (
        (network.regulator, {}),
        (bank, {}),
        (network.regulator, {"by": "enterprise"}),
        (network.enterprise, {"by": "enterprise"}),
    ):
        (row,) = _exposure(client, who, **params)
        assert (row["financings"], row["outstanding"]) == (0, 0), who.name
        assert row["outstanding_after_cancel"] == 40_000, who.name
        assert row["outstanding_after_close"] == 0
        assert row["released_with_outstanding"] == [fid]
        assert row["currency"] == "DKK"

    # the regulator's verify: the rules hold, the cancel with money out is listed
    rules = audit_rules(client, network.regulator)
    assert rules["clean"] is True
    (found,) = rules["cancelled_outstanding"]
    assert found == {
        "financing_id": fid,
        "bank": bank.address,
        "currency": "DKK",
        "drawn": 60_000,
        "repaid": 20_000,
        "outstanding": 40_000,
        "reason_code": 2,
        "message": found["message"],
        "block_number": cancelled["block"],
        "log_index": found["log_index"],
        "tx_hash": cancelled["tx_hash"],
    }
    assert f"financing {fid} of {bank.address} was cancelled" in found["message"]
    assert "400.00 DKK outstanding" in found["message"]


def test_another_bank_reads_none_of_it(client: TestClient, network: Network) -> None:
    bank = network.bank
    _, fid = financed_invoice(client, network)
    _write(client, bank, f"/v1/financings/{fid}/drawdown", {"amount": 50_000})
    _write(client, bank, f"/v1/financings/{fid}/cancel", {"reason_code": 2})
    assert _exposure(client, network.bank_b) == []
    assert _exposure(client, network.bank_b, by="enterprise") == []
    assert (
        client.get(
            "/v1/audit/exposure", params={"member": bank.address}, headers=network.bank_b.headers
        ).status_code
        == 403
    )


def test_a_cancel_with_nothing_out_has_no_notice_and_no_finding(
    client: TestClient, network: Network
) -> None:
    bank = network.bank
    _, fid = financed_invoice(client, network)
    _write(client, bank, f"/v1/financings/{fid}/drawdown", {"amount": 30_000})
    _write(client, bank, f"/v1/financings/{fid}/repay", {"amount": 30_000})
    cancelled = _write(client, bank, f"/v1/financings/{fid}/cancel", {"reason_code": 0})
    assert cancelled["notices"] == []
    assert _exposure(client, network.regulator) == []
    assert audit_rules(client, network.regulator)["cancelled_outstanding"] == []
