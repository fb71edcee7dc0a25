"""The regulator's ``audit verify`` names an invoice financed on its original and on its
amendment (a fresh-user tryout: Bank A financed invoice v1; the exporter superseded it by v2,
with a new invoice number and an amount due one cent higher; Bank B lodged and financed v2 — two
active financings on one invoice, above its face value, and the regulator's verify said nothing).

Neither the fingerprint locks (the amendment's number and amount give other fingerprints) nor
the per-document rules (each version is within its own face value) see it, and Bank A's
financing was made before v1 was superseded: no rule is broken. So it is listed beside the rules
(``rules.amendments_financed_twice``, the text's "amended invoices financed on more than one
version"), as the other follow-ups are, with the chain's versions, each financing with the
version it pledges and its amount, and the total; ``audit verify`` exits 0 for it as it does for
them. It goes once a financing is cancelled or closed; a version financed only after the
earlier version's financing was cancelled is no entry. Real chain (embedded and anvil), the
gateway app, the CLI.

A gateway of this release refuses the second financing (it locks the earlier version's
``document_version`` fingerprint: ``tests/api/test_amendment_pledge.py``); the regulator's list
is for financings made before that, or around a gateway. Bank B's second financing is therefore
made by a gateway as released before it (:func:`earlier_release`: it locked no earlier version).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from indexer.activity import finance as finance_raw
from indexer.activity import h, hx
from indexer.fixtures import new_index

from ledger.indexer import check_rules
from ledger.services import documents as docs
from ledger.services import financing as financing_svc
from ledger.services.roles import DocType
from tests.api.api_helpers import (
    audit_rules,
    client_fixture,
    finance,
    lodge,
    own_invoice,
    register,
    xml,
)
from tests.cli.cli_helpers import Cli

if TYPE_CHECKING:  # the fixtures' types; pytest provides the fixtures themselves
    from tests.conftest import Network, Participant

__all__ = ["client_fixture"]

pytestmark = pytest.mark.both_backends

FACE_VALUE = 467_500  # the demo invoice's amount due, 4,675.00 DKK (EN 16931 BT-115)


def amended(invoice: bytes, number: str) -> bytes:
    """``invoice`` (an :func:`own_invoice`) amended: a new invoice number (BT-1) ``number``
    and an amount due one cent higher, 4,675.01 DKK (a rounding amount, BT-114, keeps its
    totals consistent: EN 16931 BR-CO-16)."""
    renumbered = invoice.replace(b"AMD-", number.encode() + b"-")
    assert renumbered != invoice
    return renumbered.replace(
        b'<cbc:PayableAmount currencyID="DKK">4675.00</cbc:PayableAmount>',
        b'<cbc:PayableRoundingAmount currencyID="DKK">0.01</cbc:PayableRoundingAmount>'
        b'<cbc:PayableAmount currencyID="DKK">4675.01</cbc:PayableAmount>',
    )


@contextmanager
def earlier_release() -> Iterator[None]:
    """Financings made in the block as a gateway released before 2026-12-05 made them: it
    locked no ``document_version`` fingerprint of the documents a pledged one amends."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(financing_svc, "_earlier_versions", lambda *_: [])
        yield


def supersede(client: TestClient, network: Network, doc_hash: str, new: bytes) -> str:
    done = client.post(
        f"/v1/documents/{doc_hash}/supersede", files=xml(new), headers=network.enterprise.headers
    )
    assert done.status_code == 201, done.text
    return str(done.json()["new_doc_hash"])


def financed(
    client: TestClient, bank: Participant, invoice: bytes, doc_hash: str, amount: int
) -> int:
    """``invoice`` (``doc_hash``) lodged and financed by ``bank`` for ``amount`` DKK minor
    units, its suspicions acknowledged (an amendment looks like a re-issue of its original):
    the financing's id."""
    assert lodge(client, bank, invoice)["doc_hash"] == doc_hash
    made = finance(client, bank, doc_hash, amount=amount, acknowledge_suspicions=True)
    assert made.status_code == 201, made.text
    return int(made.json()["financing_id"])


def cancel(client: TestClient, bank: Participant, fid: int) -> None:
    done = client.post(
        f"/v1/financings/{fid}/cancel", json={"reason_code": 2}, headers=bank.headers
    )
    assert done.status_code == 200, done.text


def test_the_regulator_is_shown_an_invoice_financed_on_its_original_and_its_amendment(
    client: TestClient, network: Network
) -> None:
    bank_a, bank_b, regulator = network.bank, network.bank_b, network.regulator
    v1 = own_invoice("AMD")
    v2 = amended(v1, "AMD2")
    old = register(client, network.enterprise, xml(v1))
    first = financed(client, bank_a, v1, old, FACE_VALUE)
    new = supersede(client, network, old, v2)
    assert audit_rules(client, regulator)["amendments_financed_twice"] == []  # one financing

    # this release's gateway refuses it (the earlier version's lock); an earlier one did not
    assert lodge(client, bank_b, v2)["doc_hash"] == new
    refused = finance(client, bank_b, new, amount=FACE_VALUE + 1, acknowledge_suspicions=True)
    assert refused.status_code == 409, refused.text
    with earlier_release():
        second = financed(client, bank_b, v2, new, FACE_VALUE + 1)
    rules = audit_rules(client, regulator)
    assert rules["clean"], rules["breaches"]  # each financing was within the rules when made
    [found] = rules["amendments_financed_twice"]
    assert found["versions"] == [old, new]
    assert found["financing_ids"] == [first, second]
    pledges = [
        (p["financing_id"], p["bank"].lower(), p["doc_hash"], p["version"], p["amount"])
        for p in found["pledges"]
    ]
    assert pledges == [
        (first, bank_a.address.lower(), old, 1, FACE_VALUE),
        (second, bank_b.address.lower(), new, 2, FACE_VALUE + 1),
    ]
    assert {p["currency"] for p in found["pledges"]} == {"DKK"}
    assert (found["held"], found["currency"], found["face_value"]) == (
        2 * FACE_VALUE + 1,
        "DKK",
        FACE_VALUE + 1,
    )
    message = found["message"]
    assert f"invoice {old} was superseded by {new}" in message
    assert f"financing {first} of Bank A (" in message
    assert f"holds 4,675.00 DKK on the original ({old})" in message
    assert f"financing {second} of Bank B (" in message
    assert f"holds 4,675.01 DKK on the amendment ({new})" in message
    assert "9,350.01 DKK on one invoice" in message
    assert "face value of 4,675.01 DKK" in message

    # only the regulator reads it: an admin's verify re-checks no terms, a bank may not verify
    assert audit_rules(client, network.admin) is None
    for who in (bank_a, bank_b, network.enterprise):
        refused = client.get("/v1/audit/verify", headers=who.headers)
        assert refused.status_code == 403, refused.text

    # Bank A cancels its financing of the original: one financing is left, no entry
    cancel(client, bank_a, first)
    assert audit_rules(client, regulator)["amendments_financed_twice"] == []


def test_a_chain_of_three_versions_is_one_entry(client: TestClient, network: Network) -> None:
    v1 = own_invoice("AMD")
    v2, v3 = amended(v1, "AMD2"), amended(v1, "AMD3")
    one = register(client, network.enterprise, xml(v1))
    first = financed(client, network.bank, v1, one, 100_000)
    two = supersede(client, network, one, v2)
    three = supersede(client, network, two, v3)
    with earlier_release():
        second = financed(client, network.bank_b, v3, three, 200_000)

    [found] = audit_rules(client, network.regulator)["amendments_financed_twice"]
    assert found["versions"] == [one, two, three]
    assert [(p["financing_id"], p["version"]) for p in found["pledges"]] == [
        (first, 1),
        (second, 3),
    ]
    assert found["held"] == 300_000
    assert f"invoice {one} was superseded by {two}, then by {three}" in found["message"]
    assert f"on amendment 2 ({three})" in found["message"]


def test_an_amendment_financed_after_the_original_was_released_is_no_entry(
    client: TestClient, network: Network
) -> None:
    v1 = own_invoice("AMD")
    v2 = amended(v1, "AMD2")
    old = register(client, network.enterprise, xml(v1))
    first = financed(client, network.bank, v1, old, FACE_VALUE)
    new = supersede(client, network, old, v2)
    cancel(client, network.bank, first)  # before the amendment is financed
    financed(client, network.bank_b, v2, new, FACE_VALUE + 1)

    rules = audit_rules(client, network.regulator)
    assert rules["amendments_financed_twice"] == []
    assert rules["clean"], rules["breaches"]


def test_what_a_bank_signing_around_its_gateway_pledges_is_read_per_version(
    network: Network, tmp_path: Path
) -> None:
    """Shapes a gateway does not make, signed as raw contract calls (tests/indexer/activity.py):
    a financing that pledges the original beside another invoice, and two financings of the
    amendment — one entry, each financing with only its pledge on the chain; one version of a
    chain financed twice is the per-document rules' business (EXCEEDS_FACE_VALUE), not an
    entry; and one financing pledging both versions is no entry either."""
    ledger, ent = network.ledger, network.enterprise.address
    bank_a, bank_b = network.bank.address, network.bank_b.address
    c = ledger.contract.functions

    def supersede_raw(old: bytes, new: bytes) -> None:
        ledger.transactor(ent).transact(c.supersedeDocument(old, new))

    for name in ("a1", "other", "b1", "c1"):
        docs.register(ledger, ent, h(name), DocType.INVOICE)
    # bank A: the original a1 (600) beside another invoice (400); then a1 → a2, which
    # bank A (300) and bank B (200) finance
    several = finance_raw(
        ledger, bank_a, [(h("a1"), 600, 1000, [h("fp-a1")]), (h("other"), 400, 500, [h("fp-o")])]
    )
    supersede_raw(h("a1"), h("a2"))
    on_a2 = finance_raw(ledger, bank_a, [(h("a2"), 300, 1000, [h("fp-a2")])])
    on_a2_b = finance_raw(ledger, bank_b, [(h("a2"), 200, 1000, [h("fp-a2-b")])])
    # b1 → b2; b2 financed twice by bank B, nothing on b1
    supersede_raw(h("b1"), h("b2"))
    finance_raw(ledger, bank_b, [(h("b2"), 700, 1000, [h("fp-b2")])])
    finance_raw(ledger, bank_b, [(h("b2"), 700, 1000, [h("fp-b2-x")])])
    # one financing of c1 and of c2, financed before anyone registered it; then c1 → c2
    finance_raw(
        ledger, bank_a, [(h("c1"), 500, 1000, [h("fp-c1")]), (h("c2"), 500, 1000, [h("fp-c2")])]
    )
    supersede_raw(h("c1"), h("c2"))

    index = new_index(ledger, f"sqlite:///{tmp_path / 'i.sqlite'}", block_range=100)
    try:
        index.catch_up()
        regulator = network.regulator.address
        report = check_rules(index, [(regulator, ledger.encryption_keys.key_for(regulator))])
    finally:
        index.close()
    assert {b.rule for b in report.breaches} == {"EXCEEDS_FACE_VALUE"}  # b2: 1,400 of 1,000
    [found] = report.amendments_financed_twice
    assert found.versions == [hx(h("a1")), hx(h("a2"))]
    assert [(p.financing_id, p.version, p.amount) for p in found.pledges] == [
        (several, 1, 600),
        (on_a2, 2, 300),
        (on_a2_b, 2, 200),
    ]
    assert (found.financing_ids, found.held, found.currency, found.face_value) == (
        [several, on_a2, on_a2_b],
        1100,
        "EUR",
        1000,
    )
    assert found.message.endswith(
        "11.00 EUR on one invoice, whose latest version pledged has a face value of 10.00 EUR"
    )


def _demo_members(cli: Cli) -> dict[str, Any]:
    created = cli.json("init", "--demo")
    members = {m["role"]: m["address"] for m in created["members"]}
    members["bank_b"] = cli.json("member", "add", "Bank B", "--role", "bank")["address"]
    return members


def _finance(cli: Cli, bank: str, path: Path, amount: int) -> int:
    doc_hash = cli.json("doc", "receive", str(path), "--as", bank)["doc_hash"]
    made = cli.json(
        "finance",
        "create",
        "--as",
        bank,
        "--doc",
        f"{doc_hash}={amount}",
        "--currency",
        "DKK",
        "--maturity",
        "2099-12-31",
        "--reference",
        f"AMD-{amount}",
        "--acknowledge-suspicions",
    )
    return int(made["financing_id"])


def test_the_cli_verify_lists_it_and_exits_three(tmp_path: Path) -> None:
    """Not a breach, but money lent beyond what is due: the heading leads with what the two
    versions' financings hold beyond the latest one's face value, and the command exits 3 (it
    read RULES HOLD and exit 0 until the amended invoice's marks met: tryout 77)."""
    cli = Cli(tmp_path / "ledger")
    members = _demo_members(cli)
    v1 = tmp_path / "v1.xml"
    v2 = tmp_path / "v2.xml"
    v1.write_bytes(own_invoice("AMD"))
    v2.write_bytes(amended(v1.read_bytes(), "AMD2"))
    old = cli.json("doc", "register", str(v1), "--as", members["enterprise"])["doc_hash"]
    first = _finance(cli, members["bank"], v1, FACE_VALUE)
    new = cli.json("doc", "supersede", old, str(v2), "--as", members["enterprise"])["new_doc_hash"]
    with earlier_release():
        second = _finance(cli, members["bank_b"], v2, FACE_VALUE + 1)

    done = cli.run("audit", "verify", "--as", members["regulator"], code=3)  # not a breach
    # 9,350.01 DKK held on one invoice whose latest version is due 4,675.01 (counted once,
    # though two entries below name the same two financings)
    assert "RULES HOLD, BUT 4,675.00 DKK IS FINANCED BEYOND WHAT THE INVOICES ARE DUE" in (
        done.stdout
    )
    # the entry, financing 1 on a superseded document (not_in_force), and financing 2, made
    # after Bank B acknowledged the suspicion naming financing 1 (financed_despite_suspicions)
    assert "; 3 to follow up below (not rule breaches)" in done.stdout
    assert f"amended invoices financed on more than one version: 1 ({old})" in done.stdout
    assert f"invoice {old} was superseded by {new}; financing {first} of " in done.stdout
    assert f"and financing {second} of Bank B (" in done.stdout
    assert "9,350.01 DKK on one invoice" in done.stdout
    [found] = cli.json("audit", "verify", "--as", members["regulator"], code=3)["rules"][
        "amendments_financed_twice"
    ]
    assert (found["versions"], found["financing_ids"], found["held"]) == (
        [old, new],
        [first, second],
        2 * FACE_VALUE + 1,
    )

    # a bank may not verify
    refused = cli.run("audit", "verify", "--as", members["bank"], code=1)
    assert "role bank may not verify the audit index" in refused.output

    # Bank B closes its financing of the amendment (nothing was drawn): the entry is gone
    cli.json("finance", "close", str(second), "--as", members["bank_b"])
    done = cli.run("audit", "verify", "--as", members["regulator"])  # exit 0: nothing beyond
    assert "amended invoices financed on more than one version: 0" in done.stdout
    assert "RULES HOLD: " in done.stdout


def test_an_amendment_cutting_the_amount_due_below_a_financing_is_counted(
    client: TestClient, network: Network
) -> None:
    """Tryout 79: an amendment stating most of the invoice paid cut what it is due below what a
    financing of the original holds; the regulator, holding the amendment's file, was told
    nothing. What the financing holds beyond the current version's amount due is counted."""
    bank, regulator = network.bank, network.regulator
    v1 = own_invoice("CUT")
    old = register(client, network.enterprise, xml(v1))
    fid = financed(client, bank, v1, old, 400_000)
    v2 = v1.replace(b"CUT-", b"CUT2-").replace(
        b'<cbc:PayableAmount currencyID="DKK">4675.00</cbc:PayableAmount>',
        b'<cbc:PrepaidAmount currencyID="DKK">3675.00</cbc:PrepaidAmount>'
        b'<cbc:PayableAmount currencyID="DKK">1000.00</cbc:PayableAmount>',
    )
    new = supersede(client, network, old, v2)  # its file kept at this gateway, the regulator's
    rules = audit_rules(client, regulator)
    [held] = rules["held_above_net_due"]
    assert (held["doc_hash"], held["financing_ids"], held["net_due"]) == (old, [fid], 100_000)
    assert f"whose current version {new} is due" in held["message"]
    assert rules["financed_beyond_due"] == [{"currency": "DKK", "amount": 300_000}]
    assert rules["verdict"] == "financed_beyond_due"
