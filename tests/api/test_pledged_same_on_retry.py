"""One registration, one ``invoice_pledged``: the 201 answered to the first request and the
answer to its retry with the same ``Idempotency-Key`` after the stored answer was lost (a
gateway killed between the chain's commit and storing the answer) say the same, and so does the
document's view, for every role that registers and every registration route. Found by a
tryout: a file without facts read ``null`` in the first answer and ``false`` in the retry (the
first was built before the hash was registered, when whether it is financed was not read yet).

Real gateway app on a real embedded chain; the crash is emulated as in
tests/api/test_idempotency_crash.py."""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import BILL, client_fixture, own_invoice
from fastapi.testclient import TestClient
from test_idempotency_crash import lose_stored_answers

if TYPE_CHECKING:
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

_n = itertools.count()


def _raw() -> bytes:
    return f"a file without facts {next(_n)}".encode()


def _bill() -> bytes:
    form = json.loads(BILL)
    form["documentNumber"] = f"BL-RETRY-{next(_n)}"
    return json.dumps(form).encode()


FILES = {"raw": _raw, "bill": _bill, "invoice": own_invoice}


def _post(
    client: TestClient, who: Participant, route: str, data: bytes, key: str
) -> dict[str, Any]:
    headers = {**who.headers, "Idempotency-Key": key}
    if route == "/v1/documents/json":
        sent = client.post(
            route, content=data, headers={**headers, "Content-Type": "application/json"}
        )
    elif route == "/v1/documents/batch":
        sent = client.post(route, files=[("files", ("f.bin", data))], headers=headers)
    else:
        sent = client.post(route, files={"file": ("f.bin", data)}, headers=headers)
    assert sent.status_code == 201, sent.text
    body: dict[str, Any] = sent.json()
    if route == "/v1/documents/batch":
        one: dict[str, Any] = body["documents"][0]
        # a batch's item is the check's answer: its registration's and its own alike
        assert one["invoice_pledged"] == one["registration"]["invoice_pledged"]
        return {**one["registration"], "notices": one["notices"]}
    return body


ROUTES = [
    *((route, kind) for route in ("/v1/documents", "/v1/documents/batch") for kind in FILES),
    ("/v1/documents/json", "bill"),  # the JSON route takes JSON forms
]


@pytest.mark.parametrize(("route", "kind"), ROUTES)
def test_the_first_answer_its_retry_and_the_view_agree(
    client: TestClient, network: Network, route: str, kind: str
) -> None:
    for who in (network.enterprise, network.bank, network.attestor):
        data = FILES[kind]()
        key = f"pledged-{kind}-{who.role.name}-{route}"
        first = _post(client, who, route, data, key)
        lose_stored_answers(network)
        retried = _post(client, who, route, data, key)
        assert retried["doc_hash"] == first["doc_hash"], who.name
        said = (first["invoice_pledged"], first["is_financed"])
        assert (retried["invoice_pledged"], retried["is_financed"]) == said, (who.name, kind)
        assert retried["notices"] == first["notices"], (who.name, kind)
        view = client.get(f"/v1/documents/{first['doc_hash']}", headers=who.headers).json()
        assert view["invoice_pledged"] == first["invoice_pledged"], (who.name, kind)
        if kind == "raw":
            # a file without facts is pledged only through its own financing: its registrant
            # learns that it is not, so null ("not shown to your role") would be untrue
            assert said == (False, False), who.name
