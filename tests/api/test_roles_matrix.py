"""Every write endpoint × every role, over HTTP: the API allows exactly the roles the contract
allows, and the contract itself refuses the others (the API mirrors it, it does not replace it)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import UBL, client_fixture, finance, lodge, register, unique_file
from fastapi.testclient import TestClient
from httpx import Response

from api.deps import WRITE_ROLES
from ledger.errors import Forbidden
from ledger.services import documents as docs
from ledger.services import members as member_svc
from ledger.services.roles import DocType, Role
from tests import figures

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

ROLES = ("admin", "bank", "enterprise", "regulator", "attestor")
Call = Callable[[TestClient, "Network", "Participant"], Response]


def _doc_of(client: TestClient, net: Network, who: Participant) -> str:
    """A document registered by ``who`` when it may register, else by the exporter."""
    writer = who if who.role.name.lower() in WRITE_ROLES["document.register"] else net.enterprise
    return register(client, writer)


def _financing_of(client: TestClient, net: Network) -> int:
    for active in list(_FINANCING.values()):  # release the invoice for the next row
        # what the drawdown row drew (1) repaid first: a cancel with money out is refused
        client.post(f"/v1/financings/{active}/repay", json={"amount": 1}, headers=net.bank.headers)
        client.post(
            f"/v1/financings/{active}/cancel", json={"reason_code": 0}, headers=net.bank.headers
        )
    ubl = lodge(client, net.bank, UBL)
    response = finance(client, net.bank, ubl["doc_hash"], amount=1000)
    assert response.status_code == 201, response.text
    return int(response.json()["financing_id"])


def _register(c: TestClient, n: Network, p: Participant) -> Response:
    return c.post("/v1/documents", files=unique_file(), headers=p.headers)


def _register_json(c: TestClient, n: Network, p: Participant) -> Response:
    form = {
        "documentType": "BillOfLading",
        "documentNumber": f"BL-{p.role.name}",
        "issueDate": "2024-03-01",
        "issuer": {"id": "DK16356706", "scheme": "VAT"},
    }
    return c.post("/v1/documents/json", json=form, headers=p.headers)


def _batch(c: TestClient, n: Network, p: Participant) -> Response:
    files = [("files", unique_file()["file"]), ("files", unique_file()["file"])]
    return c.post("/v1/documents/batch", files=files, headers=p.headers)


def _attest(c: TestClient, n: Network, p: Participant) -> Response:
    doc = register(c, n.enterprise)
    return c.post(f"/v1/documents/{doc}/attest", json={"evidence": "MRN 1"}, headers=p.headers)


def _revoke(c: TestClient, n: Network, p: Participant) -> Response:
    doc = _doc_of(c, n, p)
    return c.post(f"/v1/documents/{doc}/revoke", json={"reason_code": 1}, headers=p.headers)


def _supersede(c: TestClient, n: Network, p: Participant) -> Response:
    doc = _doc_of(c, n, p)
    return c.post(f"/v1/documents/{doc}/supersede", files=unique_file(), headers=p.headers)


def _finance(c: TestClient, n: Network, p: Participant) -> Response:
    if p.role is Role.BANK:
        response = finance(c, p, lodge(c, p, UBL)["doc_hash"], amount=1000)
        if response.status_code == 201:
            _FINANCING["created"] = response.json()["financing_id"]
        return response
    return finance(c, p, "0x" + "ab" * 32)


def _financing_write(action: str, body: dict[str, Any] | None) -> Call:
    def call(c: TestClient, n: Network, p: Participant) -> Response:
        fid = _FINANCING.get("id")
        if fid is None or p.role is Role.BANK:
            fid = _FINANCING["id"] = _financing_of(c, n)
        if action == "close" and p.role is Role.BANK:
            c.post(f"/v1/financings/{fid}/drawdown", json={"amount": 1}, headers=n.bank.headers)
            c.post(f"/v1/financings/{fid}/repay", json={"amount": 1}, headers=n.bank.headers)
        return c.post(f"/v1/financings/{fid}/{action}", json=body, headers=p.headers)

    return call


def _share(c: TestClient, n: Network, p: Participant) -> Response:
    """The bank's financing shared, by its bank with the exporter, by a regulator with a
    regulator (whom each may share with: docs/privacy.md): its bank and the regulators may."""
    fid = _FINANCING.get("id")
    if fid is None:
        fid = _FINANCING["id"] = _financing_of(c, n)
    body = {"reader": (n.regulator if p.role == Role.REGULATOR else n.enterprise).address}
    return c.post(f"/v1/financings/{fid}/share", json=body, headers=p.headers)


#: the financing the financing-write rows act on (a fresh one for the bank's turn)
_FINANCING: dict[str, int] = {}


def _member_add(c: TestClient, n: Network, p: Participant) -> Response:
    return c.post("/v1/members", json={"name": "New Co", "role": "enterprise"}, headers=p.headers)


_SPARES = itertools.count(1)


def _spare(n: Network) -> str:
    """A member nobody else in the matrix uses (so suspending it or its key harms no row)."""
    name = f"Spare {next(_SPARES)}"  # one name, one member
    return member_svc.add_member(n.ledger, n.admin.address, name, Role.ENTERPRISE).member.address


def _suspend(c: TestClient, n: Network, p: Participant) -> Response:
    return c.post(f"/v1/members/{_spare(n)}/suspend", headers=p.headers)


def _reinstate(c: TestClient, n: Network, p: Participant) -> Response:
    spare = _spare(n)
    member_svc.suspend_member(n.ledger, n.admin.address, spare)
    return c.post(f"/v1/members/{spare}/reinstate", headers=p.headers)


def _rotate_other(c: TestClient, n: Network, p: Participant) -> Response:
    return c.post(f"/v1/keys/{_spare(n)}/rotate", headers=p.headers)


MATRIX: dict[str, tuple[Call, tuple[str, ...]]] = {
    "POST /v1/documents": (_register, WRITE_ROLES["document.register"]),
    "POST /v1/documents/json": (_register_json, WRITE_ROLES["document.register"]),
    "POST /v1/documents/batch": (_batch, WRITE_ROLES["document.register"]),
    "POST /v1/documents/{h}/attest": (_attest, WRITE_ROLES["document.attest"]),
    "POST /v1/documents/{h}/revoke": (_revoke, WRITE_ROLES["document.revoke"]),
    "POST /v1/documents/{h}/supersede": (_supersede, WRITE_ROLES["document.supersede"]),
    "POST /v1/financings": (_finance, WRITE_ROLES["financing.write"]),
    "POST /v1/financings/{id}/drawdown": (
        _financing_write("drawdown", {"amount": 1}),
        ("bank",),
    ),
    "POST /v1/financings/{id}/repay": (_financing_write("repay", {"amount": 1}), ("bank",)),
    "POST /v1/financings/{id}/close": (_financing_write("close", None), ("bank",)),
    "POST /v1/financings/{id}/cancel": (_financing_write("cancel", {"reason_code": 2}), ("bank",)),
    "POST /v1/financings/{id}/share": (_share, WRITE_ROLES["financing.share"]),
    "POST /v1/members": (_member_add, WRITE_ROLES["member.manage"]),
    "POST /v1/members/{a}/suspend": (_suspend, WRITE_ROLES["member.manage"]),
    "POST /v1/members/{a}/reinstate": (_reinstate, WRITE_ROLES["member.manage"]),
    "POST /v1/keys/{a}/rotate": (_rotate_other, WRITE_ROLES["key.manage_others"]),
}


#: what each write is called in its 403 (``role enterprise may not draw down a financing``)
ACTIONS = {
    "POST /v1/documents": "register a document",
    "POST /v1/documents/json": "register a document",
    "POST /v1/documents/batch": "register documents",
    "POST /v1/documents/{h}/attest": "attest a document",
    "POST /v1/documents/{h}/revoke": "revoke a document",
    "POST /v1/documents/{h}/supersede": "supersede a document",
    "POST /v1/financings": "finance documents",
    "POST /v1/financings/{id}/drawdown": "draw down a financing",
    "POST /v1/financings/{id}/repay": "repay a financing",
    "POST /v1/financings/{id}/close": "close a financing",
    "POST /v1/financings/{id}/cancel": "cancel a financing",
    "POST /v1/financings/{id}/share": "share a financing's terms",
    "POST /v1/members": "add a member",
    "POST /v1/members/{a}/suspend": "suspend a member",
    "POST /v1/members/{a}/reinstate": "reinstate a member",
    "POST /v1/keys/{a}/rotate": "rotate or revoke another participant's API key",
}


def test_each_write_endpoint_by_each_role(client: TestClient, network: Network) -> None:
    _FINANCING.clear()
    seen: dict[tuple[str, str], int] = {}
    for endpoint, (call, allowed) in MATRIX.items():
        for role in ROLES:
            who = network.by_role()[role]
            response = call(client, network, who)
            seen[endpoint, role] = response.status_code
            figures.add("access matrix: writes (endpoint x role), calls")
            figures.add("access matrix: leaks", role not in allowed and response.is_success)
            if role in allowed:
                # repaying what was never drawn: the chain refuses it for its own reason
                expected = (409,) if endpoint.endswith("/repay") else (200, 201)
                assert response.status_code in expected, (endpoint, role, response.text)
            else:
                assert response.status_code == 403, (endpoint, role, response.text)
                assert response.json()["error"] == "forbidden"
                assert response.json()["details"]["role"] == role
                # the refusal names what was refused and who may do it (a tryout's 403 said
                # "role enterprise may not do this")
                details, action = response.json()["details"], ACTIONS[endpoint]
                assert (details["action"], details["allowed"]) == (action, list(allowed))
                assert response.json()["message"] == (
                    f"role {role} may not {action} (allowed: {', '.join(allowed)})"
                )
    assert len(seen) == len(MATRIX) * len(ROLES)


def test_the_contract_refuses_what_the_api_refuses(network: Network) -> None:
    """Bypassing the API's check, the chain refuses the same roles (RoleNotAllowed)."""
    ledger = network.ledger
    for role, who in network.by_role().items():
        call = ledger.contract.functions.registerDocument(b"\x01" * 32, int(DocType.OTHER))
        refused_by_api = role not in WRITE_ROLES["document.register"]
        if refused_by_api:
            with pytest.raises(Forbidden):
                ledger.transactor(who.address).estimate(call)
        else:
            ledger.transactor(who.address).estimate(call)
        attest = ledger.contract.functions.attestDocument(b"\x02" * 32, b"\0" * 32)
        if role not in WRITE_ROLES["document.attest"]:
            with pytest.raises(Forbidden):
                ledger.transactor(who.address).estimate(attest)
        add = ledger.contract.functions.addMember(who.address, int(Role.BANK), b"\0" * 32, "x")
        if role not in WRITE_ROLES["member.manage"]:
            with pytest.raises(Forbidden):
                ledger.transactor(who.address).estimate(add)
        finance = ledger.contract.functions.registerFinancing([b"\x01" * 32], b"\x02" * 32, b"\x03")
        if role not in WRITE_ROLES["financing.write"]:
            with pytest.raises(Forbidden):
                ledger.transactor(who.address).estimate(finance)
    assert docs.find_registration(ledger, b"\x01" * 32) is None
