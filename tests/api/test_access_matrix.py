"""The access matrix, alongside the read matrix and the roles matrix: every write on a record ×
every role × the caller's own record or another member's, over HTTP on the real embedded chain.

``test_read_matrix.py`` calls every read of every record state as every role (a second bank
included: the other bank's records); ``test_roles_matrix.py`` calls every write endpoint as
every role. Neither asks whether a member may act on *another member's* record of a kind it may
act on: a bank on another bank's financing, an enterprise on another enterprise's document, a
member on another member's API key. This file does, and calls the writes neither matrix covers
(governance, join approvals, OpenAttestation) as every role. A **leak** is a 2xx where the rules
refuse; every refusal must be 403 and leave the record as it was (read back after the refusals).

Each of the three files records its figures (calls made, leaks) for ``docs/security.md``::

    pytest tests/api/test_read_matrix.py tests/api/test_roles_matrix.py \
        tests/api/test_access_matrix.py
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from api_helpers import client_fixture, finance, lodge, unique_file
from fastapi.testclient import TestClient
from httpx import Response
from lifecycle import invoice
from test_roles_matrix import MATRIX

from api.deps import WRITE_ROLES
from ledger.services import members as member_svc
from ledger.services.roles import Role
from tests import figures
from tests.conftest import Participant

if TYPE_CHECKING:  # the fixture's type; pytest provides the fixture itself
    from tests.conftest import Network

__all__ = ["client_fixture"]

#: every role, a second bank and a second enterprise (the "other" members of a kind)
CALLERS = ("admin", "bank", "bank_b", "enterprise", "enterprise_b", "attestor", "regulator")
#: writes open to every member by design (they read or examine, they own nothing)
ANY_MEMBER = frozenset(
    {
        "POST /v1/documents/receive",
        "POST /v1/documents/check",
        "POST /v1/documents/verify",
        "POST /v1/keys/rotate",
    }
)
#: the writes this file calls, by record (own/other) or by role only
OWN_OTHER = frozenset(
    {
        "POST /v1/documents/{}/revoke",
        "POST /v1/documents/{}/supersede",
        "POST /v1/financings/{}/drawdown",
        "POST /v1/financings/{}/repay",
        "POST /v1/financings/{}/close",
        "POST /v1/financings/{}/cancel",
        "POST /v1/financings/{}/share",
        "POST /v1/keys/{}/rotate",
        "POST /v1/keys/{}/revoke",
    }
)
ROLE_ONLY = frozenset(
    {
        "POST /v1/governance/proposals",
        "POST /v1/governance/proposals/{}/approve",
        "POST /v1/members/approve",
        "POST /v1/documents/openattestation",
    }
)


def _shape(endpoint: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", endpoint)


@dataclass
class Matrix:
    client: TestClient
    net: Network
    enterprise_b: Participant
    keys: dict[str, str] = field(default_factory=dict)
    calls: int = 0
    leaks: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def who(self, caller: str) -> Participant:
        if caller == "enterprise_b":
            return self.enterprise_b
        if caller == "bank_b":
            return self.net.bank_b
        return self.net.by_role()[caller]

    def role(self, caller: str) -> str:
        return caller.removesuffix("_b")

    def headers(self, caller: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys.get(caller, self.who(caller).api_key)}"}

    def call(
        self, caller: str, method: str, url: str, allowed: bool | None, what: str, **kwargs: Any
    ) -> Response:
        """One cell. ``allowed``: True, the rules let ``caller`` do it (it must succeed);
        False, they do not (403; a 2xx is a leak); None, the role may but this input is
        refused for what it is (anything below 500 but 403)."""
        self.calls += 1
        response = self.client.request(method, url, headers=self.headers(caller), **kwargs)
        status = response.status_code
        where = f"{method} {url} as {caller} ({what})"
        if status >= 500:
            self.wrong.append(f"{where}: {status} {response.text[:200]}")
        elif allowed is False and response.is_success:
            self.leaks.append(f"{where}: {status} {response.text[:200]}")
        elif allowed is False and status != 403:
            self.wrong.append(f"{where}: {status}, expected 403")
        elif allowed is True and not response.is_success:
            self.wrong.append(f"{where}: refused {status} {response.text[:200]}")
        elif allowed is None and status == 403:
            self.wrong.append(f"{where}: 403, but the role may: {response.text[:200]}")
        return response

    def read(self, url: str) -> Any:
        response = self.client.get(url, headers=self.net.regulator.headers)
        assert response.status_code == 200, response.text
        return response.json()


def _register(m: Matrix, caller: str) -> str:
    response = m.client.post("/v1/documents", files=unique_file(caller), headers=m.headers(caller))
    assert response.status_code == 201, response.text
    return str(response.json()["doc_hash"])


_numbers = iter(range(1, 1000))


def _financing(m: Matrix, caller: str) -> int:
    """A fresh active financing of ``caller`` (a bank) on an invoice of its own."""
    n = next(_numbers)  # another number and amount: an invoice with fingerprints of its own
    data = invoice(f"AM-{n}", f"{9000 + n}.00")
    doc = lodge(m.client, m.who(caller), data)["doc_hash"]
    response = finance(m.client, m.who(caller), doc, amount=100_000)
    assert response.status_code == 201, response.text
    return int(response.json()["financing_id"])


def _documents(m: Matrix) -> None:
    may_revoke, may_supersede = WRITE_ROLES["document.revoke"], WRITE_ROLES["document.supersede"]
    # another enterprise's document; Exporter B's "other" is the first exporter's
    theirs = {"enterprise_b": _register(m, "enterprise"), "*": _register(m, "enterprise_b")}
    before = {k: m.read(f"/v1/documents/{d}") for k, d in theirs.items()}
    for caller in CALLERS:
        doc = theirs.get(caller, theirs["*"])
        if caller != "admin":  # an ADMIN revokes anyone's document: below, on a spare one
            m.call(
                caller,
                "POST",
                f"/v1/documents/{doc}/revoke",
                False,
                "other's document",
                json={"reason_code": 1},
            )
        m.call(
            caller,
            "POST",
            f"/v1/documents/{doc}/supersede",
            False,
            "other's document",
            files=unique_file("amended"),
        )
    for key, doc in theirs.items():
        after, was = m.read(f"/v1/documents/{doc}"), before[key]
        if (after["status"], after["successor"]) != (was["status"], was["successor"]):
            m.leaks.append(f"document {doc} changed by a refused write: {after['status']}")
    spare = _register(m, "enterprise_b")
    m.call(
        "admin",
        "POST",
        f"/v1/documents/{spare}/revoke",
        "admin" in may_revoke,
        "other's document",
        json={"reason_code": 1},
    )
    for caller in CALLERS:
        if m.role(caller) not in WRITE_ROLES["document.register"]:
            continue
        own = _register(m, caller)
        m.call(
            caller,
            "POST",
            f"/v1/documents/{own}/revoke",
            m.role(caller) in may_revoke,
            "own document",
            json={"reason_code": 1},
        )
        own = _register(m, caller)
        m.call(
            caller,
            "POST",
            f"/v1/documents/{own}/supersede",
            m.role(caller) in may_supersede,
            "own document",
            files=unique_file("amended"),
        )


_ACTIONS = (
    ("drawdown", {"amount": 1}),
    ("repay", {"amount": 1}),
    ("close", None),
    ("cancel", {"reason_code": 2}),
)


def _financings(m: Matrix) -> None:
    mine = {bank: _financing(m, bank) for bank in ("bank", "bank_b")}
    before = {bank: m.read(f"/v1/financings/{fid}") for bank, fid in mine.items()}
    for caller in CALLERS:
        for owner, fid in mine.items():
            if caller == owner:
                continue
            for action, body in _ACTIONS:
                m.call(
                    caller,
                    "POST",
                    f"/v1/financings/{fid}/{action}",
                    False,
                    f"{owner}'s financing",
                    json=body,
                )
    reader = {"reader": m.who("enterprise").address}
    for caller in CALLERS:  # sharing: the financing's bank, or a regulator (it reads them all)
        for owner, fid in mine.items():
            if caller != owner:
                # a bank shares its own only (NotFinancingBank): a regulator another's
                may = m.role(caller) in WRITE_ROLES["financing.share"] and m.role(caller) != "bank"
                what = f"{owner}'s financing"
                # a regulator shares with a regulator only (the bank decides who else reads)
                body = (
                    {"reader": m.who("regulator").address}
                    if m.role(caller) == "regulator"
                    else reader
                )
                m.call(caller, "POST", f"/v1/financings/{fid}/share", may, what, json=body)
    for bank, fid in mine.items():
        m.call(bank, "POST", f"/v1/financings/{fid}/share", True, "own financing", json=reader)
    for bank, fid in mine.items():
        after = m.read(f"/v1/financings/{fid}")
        fields = ("status", "drawn", "repaid")
        if [after[f] for f in fields] != [before[bank][f] for f in fields]:
            m.leaks.append(f"financing {fid} changed by refused writes: {after}")
    for bank, fid in mine.items():  # the owner: draw, repay, close; cancel another
        for action, body in _ACTIONS[:3]:
            m.call(bank, "POST", f"/v1/financings/{fid}/{action}", True, "own financing", json=body)
        m.call(
            bank,
            "POST",
            f"/v1/financings/{_financing(m, bank)}/cancel",
            True,
            "own financing",
            json={"reason_code": 2},
        )


def _role_only(m: Matrix) -> None:
    """Writes the roles matrix does not call: the role decides; a caller the role allows may
    still be refused for its input (an executed proposal, an empty join request)."""
    body = {"action": "set_threshold", "threshold": 1}
    proposal = m.call("admin", "POST", "/v1/governance/proposals", True, "role", json=body)
    pid = proposal.json()["proposal_id"]
    for caller in CALLERS:
        manage = None if m.role(caller) in WRITE_ROLES["member.manage"] else False
        register = None if m.role(caller) in WRITE_ROLES["document.register"] else False
        if caller != "admin":
            m.call(caller, "POST", "/v1/governance/proposals", manage, "role", json=body)
        m.call(caller, "POST", f"/v1/governance/proposals/{pid}/approve", manage, "role")
        m.call(caller, "POST", "/v1/members/approve", manage, "role", json={})
        m.call(caller, "POST", "/v1/documents/openattestation", register, "role", json={})


def _keys(m: Matrix) -> None:
    others = {c: "enterprise" if c == "enterprise_b" else "enterprise_b" for c in CALLERS}
    for caller in CALLERS:
        if caller == "admin":
            continue
        target = m.who(others[caller]).address
        for action in ("rotate", "revoke"):
            m.call(caller, "POST", f"/v1/keys/{target}/{action}", False, "other's key")
    for caller in ("enterprise", "enterprise_b"):  # their keys survived every refusal
        probe = m.client.get("/v1/documents", headers=m.headers(caller))
        if probe.status_code != 200:
            m.leaks.append(f"{caller}'s key stopped working after refused writes")
    spare = member_svc.add_member(m.net.ledger, m.net.admin.address, "Spare", Role.ENTERPRISE)
    for action in ("rotate", "revoke"):
        m.call(
            "admin",
            "POST",
            f"/v1/keys/{spare.member.address}/{action}",
            "admin" in WRITE_ROLES["key.manage_others"],
            "other's key",
        )
    for caller in CALLERS:  # own keys last: revoking locks the caller out
        me = m.who(caller).address
        old = m.headers(caller)
        rotated = m.call(caller, "POST", f"/v1/keys/{me}/rotate", True, "own key")
        if rotated.is_success:
            m.keys[caller] = rotated.json()["api_key"]
            if m.client.get("/v1/members", headers=old).status_code != 401:
                m.wrong.append(f"{caller}'s old key still works after rotation")
        # the only admin may not revoke its own keys: it would lock the administration out
        # (409, tests/api/test_last_admin_key.py); the role may, so not a 403
        last_admin = caller == "admin"
        revoked = m.call(
            caller, "POST", f"/v1/keys/{me}/revoke", None if last_admin else True, "own key"
        )
        if last_admin and revoked.status_code != 409:
            m.wrong.append(f"the last admin revoked its own keys: {revoked.status_code}")
        works = m.client.get("/v1/members", headers=m.headers(caller)).status_code != 401
        if works != last_admin:
            m.wrong.append(f"{caller}'s key works after revocation: {works}")


def test_writes_on_own_and_others_records_as_every_role(
    client: TestClient, network: Network
) -> None:
    added = member_svc.add_member(
        network.ledger, network.admin.address, "Exporter B", Role.ENTERPRISE
    )
    other = Participant("Exporter B", Role.ENTERPRISE, added.member.address, added.api_key)
    m = Matrix(client, network, other)
    _documents(m)
    _financings(m)
    _role_only(m)
    _keys(m)
    figures.add("access matrix: own/other writes, calls", m.calls)
    figures.add("access matrix: leaks", len(m.leaks))
    assert m.calls > 120
    assert not m.leaks, "leaks:\n" + "\n".join(m.leaks)
    assert not m.wrong, f"{len(m.wrong)} wrong answers:\n" + "\n".join(m.wrong[:40])


def test_every_write_operation_has_a_row_in_a_matrix(client: TestClient) -> None:
    """A new write endpoint fails here until a matrix calls it as every role."""
    spec = client.get("/openapi.json").json()
    writes = {
        _shape(f"{method.upper()} {path}")
        for path, item in spec["paths"].items()
        for method in item
        if method in ("post", "put", "patch", "delete")
    }
    covered = {_shape(e) for e in MATRIX} | OWN_OTHER | ROLE_ONLY | ANY_MEMBER
    assert writes - covered == set()
    assert covered - writes == set(), "a matrix row names an endpoint the API does not serve"
