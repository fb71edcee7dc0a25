"""A reader of a financing's terms reads the suspicions its bank acknowledged to make it.

A fresh-user tryout: Bank B financed the re-issue of an invoice Bank A finances, after
acknowledging the suspicion naming Bank A's financing; the regulator's ``GET
/v1/financings/{id}`` showed none of it (only the timeline and the export did). The sealed terms
record each acknowledged suspicion (``ledger.services.financing.create``); the read now gives a
reader of the terms — the bank, a regulator — ``acknowledged_suspicions`` (``finance show``: an
``acknowledged SUSPICIOUS`` line each), with the pledged document it is about: the terms record
its hash, since their documents are kept in the order of their hashes, not the request's. Anyone
else reads ``null`` there, as for the other terms. Real chain (embedded and anvil), the gateway
app, the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from tests.api.api_helpers import (
    MATURITY,
    client_fixture,
    finance,
    lodge,
    own_invoice,
    reissued,
)
from tests.cli.cli_helpers import Cli

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends


def read(client: TestClient, who: Participant, fid: int) -> dict[str, Any]:
    found = client.get(f"/v1/financings/{fid}", headers=who.headers)
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


def test_a_reader_of_the_terms_reads_the_acknowledged_suspicions(
    client: TestClient, network: Network
) -> None:
    bank_a, bank_b, regulator = network.bank, network.bank_b, network.regulator
    invoice = own_invoice("SUS")
    original = lodge(client, bank_a, invoice)["doc_hash"]
    made = finance(client, bank_a, original)
    assert made.status_code == 201, made.text
    first = int(made.json()["financing_id"])
    assert read(client, regulator, first)["acknowledged_suspicions"] == []  # none acknowledged

    # Bank B finances an invoice of its own and, second in its request, the re-issue
    other = lodge(client, bank_b, own_invoice("OTHER"))["doc_hash"]
    reissue = lodge(client, bank_b, reissued(invoice))["doc_hash"]
    body = {
        "documents": [{"doc_hash": other, "amount": 100_000}, {"doc_hash": reissue, "amount": 1}],
        "currency": "DKK",
        "kind": "invoice_financing",
        "maturity": MATURITY,
        "acknowledge_suspicions": True,
    }
    made = client.post("/v1/financings", json=body, headers=bank_b.headers)
    assert made.status_code == 201, made.text
    second = int(made.json()["financing_id"])
    recorded = [
        {
            "document_index": 1,
            "doc_hash": reissue,
            "kind": "reissue",
            "lodged_invoices": 0,
            "financings": [first],
        }
    ]
    assert made.json()["acknowledged_suspicions"] == recorded
    assert read(client, regulator, second)["acknowledged_suspicions"] == recorded
    assert read(client, bank_b, second)["acknowledged_suspicions"] == recorded
    listed = client.get(
        "/v1/financings", params={"bank": bank_b.address}, headers=regulator.headers
    )
    assert listed.status_code == 200, listed.text
    assert [f["acknowledged_suspicions"] for f in listed.json()["items"]] == [recorded]

    # who does not read the terms reads nothing more than before
    for who in (bank_a, network.enterprise, network.admin, network.attestor):
        seen = read(client, who, second)
        assert seen["confidential"] is True
        assert (seen["acknowledged_suspicions"], seen["amount"], seen["documents"]) == (
            None,
            None,
            [],
        )


def test_finance_show_says_what_was_acknowledged(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    members = {m["role"]: m["address"] for m in created["members"]}
    bank_b = cli.json("member", "add", "Bank B", "--role", "bank")["address"]
    original, reissue = tmp_path / "original.xml", tmp_path / "reissue.xml"
    original.write_bytes(own_invoice("SUS"))
    reissue.write_bytes(reissued(original.read_bytes()))
    ids = []
    for bank, path, extra in (
        (members["bank"], original, ()),
        (bank_b, reissue, ("--acknowledge-suspicions",)),
    ):
        doc_hash = cli.json("doc", "receive", str(path), "--as", bank)["doc_hash"]
        made = cli.json(
            "finance",
            "create",
            "--as",
            bank,
            "--doc",
            f"{doc_hash}=374000",
            "--currency",
            "DKK",
            "--maturity",
            "2099-12-31",
            *extra,
        )
        ids.append(int(made["financing_id"]))
    first, second = ids

    shown = cli.run("finance", "show", str(second), "--as", members["regulator"])
    assert (
        f"  acknowledged SUSPICIOUS (reissue) {doc_hash}: it may be the same invoice as another: "
        in (shown.stdout)
    )
    assert f"it shared marks with active financing {first}" in shown.stdout
    as_json = cli.json("finance", "show", str(second), "--as", members["regulator"])
    assert [s["financings"] for s in as_json["acknowledged_suspicions"]] == [[first]]
    # Bank A reads none of Bank B's terms
    hidden = cli.json("finance", "show", str(second), "--as", members["bank"])
    assert hidden["acknowledged_suspicions"] is None
    assert (
        "SUSPICIOUS" not in cli.run("finance", "show", str(second), "--as", members["bank"]).stdout
    )
