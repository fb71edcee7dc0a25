"""A financing with money still out is not cancelled by its gateway, and one cancelled by other
means is not forgotten.

A fresh-user tryout: a bank drew 3,740.00 DKK on a financing and cancelled it. The cancel released
the invoice, another bank financed the same invoice for 4,000.00 DKK (7,740.00 against a face
value of 4,675.00), and the borrower's repayment could never be recorded (the contract takes
entries of active financings only: 409 ``FinancingNotActive``). The gateway now refuses such a
cancel before anything is sent — 409 ``money_still_out`` naming the financing, what is
outstanding and the rule — and the bank records the repayments first. A cancel sent to the
contract by other means (a bank's own tooling: the contract does not read sealed amounts) is
still told to the regulator: the exposure keeps the money apart from the active ``outstanding``
(``outstanding_after_cancel``), and ``audit verify`` lists the financing
(``rules.cancelled_outstanding``). Only to readers of the financing's amounts: another bank sees
none of it. Real app, real chain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api_helpers import audit_rules, client_fixture, financed_invoice
from fastapi.testclient import TestClient

from ledger.services import financing

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


def _cancel_by_other_means(network: Network, fid: int, reason: int) -> Any:
    """The bank cancels ``fid`` straight through the contract, as its own tooling could (the
    gateway refuses a cancel with money out; the contract cannot see sealed amounts)."""
    ledger = network.ledger
    fingerprints = [bytes.fromhex(f[2:]) for f in financing.get(ledger, fid).fingerprints]
    receipt = ledger.transactor(network.bank.address).transact(
        ledger.contract.functions.cancelFinancing(fid, reason, fingerprints)
    )
    assert receipt["status"] == 1
    return receipt


def test_the_gateway_refuses_a_cancel_with_money_out_and_sends_nothing(
    client: TestClient, network: Network
) -> None:
    bank = network.bank
    _, fid = financed_invoice(client, network)
    _write(client, bank, f"/v1/financings/{fid}/drawdown", {"amount": 60_000})
    _write(client, bank, f"/v1/financings/{fid}/repay", {"amount": 20_000})
    head = network.ledger.head_number()
    refused = client.post(
        f"/v1/financings/{fid}/cancel", json={"reason_code": 2}, headers=bank.headers
    )
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "money_still_out"
    assert body["details"]["field"] == "financing_id"
    assert body["details"]["rule"] == financing.MONEY_OUT_RULE
    assert body["details"]["outstanding"] == 40_000
    assert body["details"]["currency"] == "DKK"
    assert "400.00 DKK drawn on it is not repaid" in body["message"]
    assert network.ledger.head_number() == head  # nothing sent
    shown = client.get(f"/v1/financings/{fid}", headers=bank.headers).json()
    assert shown["status"] == "active"
    # the repayments recorded, the cancel goes through, with nothing to tell
    _write(client, bank, f"/v1/financings/{fid}/repay", {"amount": 40_000})
    done = _write(client, bank, f"/v1/financings/{fid}/cancel", {"reason_code": 2})
    assert done["financing"]["status"] == "cancelled"
    assert done["notices"] == []


def test_a_cancel_with_money_out_by_other_means_is_counted_and_listed(
    client: TestClient, network: Network
) -> None:
    bank = network.bank
    _, fid = financed_invoice(client, network)
    _write(client, bank, f"/v1/financings/{fid}/drawdown", {"amount": 60_000})
    _write(client, bank, f"/v1/financings/{fid}/repay", {"amount": 20_000})
    receipt = _cancel_by_other_means(network, fid, 2)
    shown = client.get(f"/v1/financings/{fid}", headers=bank.headers).json()
    assert shown["status"] == "cancelled"

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
        "block_number": int(receipt["blockNumber"]),
        "log_index": found["log_index"],
        "tx_hash": receipt["transactionHash"].to_0x_hex(),
    }
    assert f"financing {fid} of {bank.address} was cancelled" in found["message"]
    assert "400.00 DKK outstanding" in found["message"]


def test_another_bank_reads_none_of_it(client: TestClient, network: Network) -> None:
    bank = network.bank
    _, fid = financed_invoice(client, network)
    _write(client, bank, f"/v1/financings/{fid}/drawdown", {"amount": 50_000})
    _cancel_by_other_means(network, fid, 2)
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
