"""The regulator's ``audit verify`` names a financing made after its bank acknowledged that the
invoice may re-issue one another bank's active financing pledges (a fresh-user tryout: Bank A
financed an invoice; the exporter re-issued it — the same lines and amount, a new number and
issue date —; Bank B lodged the re-issue, was refused 409 ``suspicions_unacknowledged`` naming
Bank A's financing, repeated with ``acknowledge_suspicions`` and got a second financing. Both
stayed active, and the regulator's verify said "RULES HOLD" with nothing to follow up).

A suspicion is not a block and the bank judged it, so no rule is broken; the financing is listed
beside the rules (``rules.financed_despite_suspicions``, the text's "financings made despite
acknowledged suspicions of another bank's active financing"), as the other follow-ups are, with
the suspicions' kinds, the other bank's financing and what each holds; ``audit verify`` exits 0
for it. It goes once the other bank's financing is cancelled or closed. (What a reader of the
terms reads of the suspicions: tests/api/test_acknowledged_suspicions_read.py.) Real chain
(embedded and anvil), the gateway app, the CLI; the shapes a gateway does not make signed as
raw contract calls (tests/indexer/activity.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from indexer.activity import close as close_raw
from indexer.activity import finance as finance_raw
from indexer.activity import h, hx
from indexer.fixtures import new_index

from ledger.indexer import check_rules
from tests.api.api_helpers import (
    audit_rules,
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

AMOUNT = 374_000  # 3,740.00 DKK of the demo invoice's 4,675.00 DKK


def cancel(client: TestClient, bank: Participant, fid: int) -> None:
    done = client.post(
        f"/v1/financings/{fid}/cancel", json={"reason_code": 2}, headers=bank.headers
    )
    assert done.status_code == 200, done.text


def test_the_regulator_is_shown_a_financing_made_despite_another_banks_active_financing(
    client: TestClient, network: Network
) -> None:
    bank_a, bank_b, regulator = network.bank, network.bank_b, network.regulator
    invoice = own_invoice("SUS")
    original = lodge(client, bank_a, invoice)["doc_hash"]
    made = finance(client, bank_a, original, amount=AMOUNT)
    assert made.status_code == 201, made.text
    first = int(made.json()["financing_id"])
    # a financing without suspicions is no entry
    assert audit_rules(client, regulator)["financed_despite_suspicions"] == []

    reissue = lodge(client, bank_b, reissued(invoice))["doc_hash"]
    refused = finance(client, bank_b, reissue, amount=AMOUNT)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "suspicions_unacknowledged"
    assert [s["financings"] for s in refused.json()["details"]["suspicions"]] == [[first]]
    made = finance(client, bank_b, reissue, amount=AMOUNT, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    second = int(made.json()["financing_id"])

    rules = audit_rules(client, regulator)
    assert rules["clean"], rules["breaches"]  # a suspicion is not a block: no rule is broken
    [found] = rules["financed_despite_suspicions"]
    assert (found["financing_id"], found["bank"].lower()) == (second, bank_b.address.lower())
    assert (found["amount"], found["currency"], found["kinds"]) == (AMOUNT, "DKK", ["reissue"])
    assert found["suspicions"] == [
        {"document_index": 0, "doc_hash": reissue, "kind": "reissue", "financings": [first]}
    ]
    [other] = found["other_financings"]
    assert (other["financing_id"], other["bank"].lower()) == (first, bank_a.address.lower())
    assert (other["amount"], other["currency"]) == (AMOUNT, "DKK")
    message = found["message"]
    assert message.startswith(
        f"financing {second} of Bank B ({bank_b.address}) was made after acknowledging that "
        f"document {reissue} may re-issue an invoice active financing {first} of Bank A "
        f"({bank_a.address}) pledges: "
    ), message
    assert f"financing {second} holds 3,740.00 DKK, financing {first} holds 3,740.00 DKK" in (
        message
    )
    # by the terms alone, as a regulator whose gateway holds neither file reads it (tryout 64)
    assert (found["held_together"], found["face_value"]) == (2 * AMOUNT, 467_500)
    assert found["held_beyond_face_value"] == 2 * AMOUNT - 467_500
    assert (
        "together 7,480.00 DKK on one invoice of 4,675.00 DKK face value (the least of the "
        "documents'): 2,805.00 DKK BEYOND it"
    ) in message, message
    # Bank A's financing names no suspicion of its own: it is not listed
    assert [d["financing_id"] for d in rules["financed_despite_suspicions"]] == [second]

    # only the regulator reads the list: an admin's verify re-checks no terms, others may not
    assert audit_rules(client, network.admin) is None
    for who in (bank_a, bank_b, network.enterprise):
        denied = client.get("/v1/audit/verify", headers=who.headers)
        assert denied.status_code == 403, denied.text

    # Bank A cancels its financing: the invoice is financed at one bank only, no entry
    cancel(client, bank_a, first)
    rules = audit_rules(client, regulator)
    assert rules["financed_despite_suspicions"] == []
    assert rules["clean"], rules["breaches"]


def test_suspicions_naming_only_released_financings_or_lodged_files_are_no_entry(
    network: Network, tmp_path: Path
) -> None:
    """Shapes a gateway does not make, signed as raw contract calls: suspicions naming a
    financing since closed, one never made, and a suspicion found among the bank's own lodged
    files (``financings: []``) are no entry; one naming the bank's own active financing is (a
    tryout's bank financed one receivable twice itself); of a financing of several documents
    whose terms do not say which one a suspicion is about (recorded before the hash was), the
    entry names the request's document index."""
    ledger = network.ledger
    bank_a, bank_b = network.bank.address, network.bank_b.address

    def suspicions(*recorded: dict[str, Any]) -> Any:
        return lambda payload: payload.__setitem__("suspicions", list(recorded))

    def reissue_of(*ids: int, index: int = 0) -> dict[str, Any]:
        return {"document_index": index, "kind": "reissue", "documents": 0, "financings": [*ids]}

    own = finance_raw(ledger, bank_b, [(h("own"), 100, 1000, [h("fp-own")])])
    closed = finance_raw(ledger, bank_a, [(h("closed"), 200, 1000, [h("fp-closed")])])
    close_raw(ledger, bank_a, closed)
    active = finance_raw(ledger, bank_a, [(h("active"), 300, 1000, [h("fp-active")])])
    pledges = [(h("b1"), 400, 1000, [h("fp-b1")])]
    twice = finance_raw(ledger, bank_b, pledges, edit=suspicions(reissue_of(own)))
    finance_raw(
        ledger, bank_b, [(h("b2"), 400, 1000, [h("fp-b2")])], edit=suspicions(reissue_of(closed))
    )
    finance_raw(
        ledger, bank_b, [(h("b3"), 400, 1000, [h("fp-b3")])], edit=suspicions(reissue_of(999))
    )
    lodged_only = {"document_index": 0, "kind": "split_part", "documents": 2, "financings": []}
    finance_raw(ledger, bank_b, [(h("b4"), 400, 1000, [h("fp-b4")])], edit=suspicions(lodged_only))
    several = finance_raw(
        ledger,
        bank_b,
        [(h("c1"), 500, 1000, [h("fp-c1")]), (h("c2"), 600, 1000, [h("fp-c2")])],
        edit=suspicions(lodged_only, reissue_of(own, closed, active, index=1)),
    )

    index = new_index(ledger, f"sqlite:///{tmp_path / 'i.sqlite'}", block_range=100)
    try:
        index.catch_up()
        regulator = network.regulator.address
        report = check_rules(index, [(regulator, ledger.encryption_keys.key_for(regulator))])
    finally:
        index.close()
    assert report.clean, report.breaches
    by_id = {f.financing_id: f for f in report.financed_despite_suspicions}
    assert sorted(by_id) == [twice, several]
    [own_said] = by_id[twice].suspicions
    assert own_said.financings == [own]
    # Bank B's own two financings: not "two banks" (a tryout)
    assert by_id[twice].message.endswith("(one invoice may be financed twice at the same bank)")
    found = by_id[several]
    assert (found.financing_id, found.amount, found.currency) == (several, 1100, "EUR")
    assert found.kinds == ["reissue"]
    [said] = found.suspicions
    assert (said.document_index, said.doc_hash, said.financings) == (1, None, [own, active])
    assert [(o.financing_id, o.amount) for o in found.other_financings] == [
        (own, 100),
        (active, 300),
    ]
    assert "documents[1] of its request may re-issue an invoice active financing" in found.message
    assert f"financing {active} holds 3.00 EUR" in found.message
    assert found.message.endswith("(one invoice may be financed at two banks)")
    assert hx(h("c1")) not in found.message


def _financing(cli: Cli, bank: str, path: Path, *extra: str) -> int:
    doc_hash = cli.json("doc", "receive", str(path), "--as", bank)["doc_hash"]
    made = cli.json(
        "finance",
        "create",
        "--as",
        bank,
        "--doc",
        f"{doc_hash}={AMOUNT}",
        "--currency",
        "DKK",
        "--maturity",
        "2099-12-31",
        "--reference",
        "SUS-1",
        *extra,
    )
    return int(made["financing_id"])


def test_the_cli_verify_lists_it_and_exits_three_while_money_is_beyond_due(
    tmp_path: Path,
) -> None:
    """Not a breach (exit 1), but not nothing either: a tryout's regulator read ``RULES
    HOLD`` and exit 0 above one receivable financed to 7,480.00 DKK at two banks. The money
    beyond what is due leads the heading and the command exits 3 while it is out; once a
    financing is closed, exit 0."""
    cli = Cli(tmp_path / "ledger")
    created = cli.json("init", "--demo")
    members = {m["role"]: m["address"] for m in created["members"]}
    bank_b = cli.json("member", "add", "Bank B", "--role", "bank")["address"]
    original, reissue = tmp_path / "original.xml", tmp_path / "reissue.xml"
    original.write_bytes(own_invoice("SUS"))
    reissue.write_bytes(reissued(original.read_bytes()))
    first = _financing(cli, members["bank"], original)
    second = _financing(cli, bank_b, reissue, "--acknowledge-suspicions")

    done = cli.run("audit", "verify", "--as", members["regulator"], code=3)  # not a breach
    heading = next(line for line in done.stdout.splitlines() if line.startswith("RULES"))
    assert heading.startswith(
        "RULES HOLD, BUT 2,805.00 DKK IS FINANCED BEYOND WHAT THE INVOICES ARE DUE: "
    ), heading
    listed = cli.json("audit", "verify", "--as", members["regulator"], code=3)
    assert listed["rules"]["clean"] is True
    assert listed["rules"]["financed_beyond_due"] == [{"currency": "DKK", "amount": 280_500}]
    # this entry, and the regulator's own comparison of the two financed files (the invoice and
    # its re-issue: reissues_and_splits_financed), which does not depend on an acknowledgement
    assert "; 2 to follow up below (not rule breaches)" in done.stdout
    assert (
        "invoices financed across their re-issues or split parts: "
        f"1 (financings {first}, {second}); BEYOND their amount due: 1"
    ) in done.stdout
    assert (
        "financings made despite acknowledged suspicions (another active financing, or a "
        "copy of a revoked invoice): "
        f"1 (financing {second})"
    ) in done.stdout
    assert f"  financing {second} of Bank B (" in done.stdout
    assert f"may re-issue an invoice active financing {first} of " in done.stdout
    assert f"financing {second} holds 3,740.00 DKK, financing {first} holds 3,740.00 DKK" in (
        done.stdout
    )

    # Bank A closes its financing (nothing was drawn): the entry is gone
    cli.json("finance", "close", str(first), "--as", members["bank"])
    done = cli.run("audit", "verify", "--as", members["regulator"])
    assert (
        "financings made despite acknowledged suspicions (another active financing, or a "
        "copy of a revoked invoice): 0"
    ) in done.stdout
