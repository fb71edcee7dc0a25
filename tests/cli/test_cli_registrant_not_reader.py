"""``tradeledger finance create`` tells the bank when an enterprise registered the financed
invoice without being shown to be its seller (its legal id on chain is not the seller's VAT id
in the file the bank lodged): the terms are not sealed to it — a ``registrant_not_reader``
notice in ``--json`` and a warning for people — and ``finance share MEMBER --financing ID``
makes it a reader of that financing only, deliberately (docs/privacy.md) — as ``POST
/v1/financings/{id}/share`` does, with the same answer and the same ``Idempotency-Key``."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.cli_helpers import UBL, Cli, served_api

#: the sample invoice's buyer registers it under a legal id that is not the seller's
BUYER_VAT = "DE136695976"


def test_a_registrant_not_shown_to_be_the_seller_is_named_and_shared_deliberately(
    tmp_path: Path,
) -> None:
    cli = Cli(tmp_path / "ledger")
    cli.json("init")
    buyer = cli.json(
        "member", "add", "Buyercompany", "--role", "enterprise", "--legal-id", BUYER_VAT
    )
    added = cli.json("member", "add", "Bank A", "--role", "bank")
    bank, bank_key = added["address"], added["api_key"]
    bank_b = cli.json("member", "add", "Bank B", "--role", "bank")
    cli.json("member", "add", "Regulator", "--role", "regulator")
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(UBL)
    doc_hash = cli.json("doc", "register", str(invoice), "--as", buyer["address"])["doc_hash"]
    cli.json("doc", "receive", str(invoice), "--as", bank)
    create = (
        "finance", "create", "--as", bank, "--doc", f"{doc_hash}=374000",
        "--currency", "DKK", "--maturity", "2099-12-31", "--reference", "A-42",
    )  # fmt: skip
    said = cli.run(*create, "--json", "--idempotency-key", "fin-1")
    created = json.loads(said.stdout)
    fid = created["financing_id"]

    def show() -> dict[str, object]:
        shown: dict[str, object] = cli.json("finance", "show", str(fid), "--as", buyer["address"])
        return shown

    assert show()["confidential"] is True  # the buyer does not read the bank's terms
    notices = created["notices"]
    assert [n["kind"] for n in notices] == ["registrant_not_reader"]
    assert (notices[0]["documents"], notices[0]["financings"]) == ([doc_hash], [fid])
    assert buyer["address"] in notices[0]["message"]
    why = "matches none of the seller's identifiers in the file you lodged (VAT:DK13585628)"
    assert why in notices[0]["message"]
    # it names both surfaces' ways to share
    assert (
        f'POST /v1/financings/{fid}/share {{"reader": "{buyer["address"]}"}}'
        in notices[0]["message"]
    )
    # people see it too, as a warning on stderr (the same request again: the same answer)
    again = cli.run(*create, "--idempotency-key", "fin-1")
    assert f"warning (registrant_not_reader): document {doc_hash}" in again.stderr
    assert f"finance share {buyer['address']} --financing {fid} --as {bank}" in again.stderr

    # checked as the contract checks it, as a drawdown is: a financing nobody registered is
    # FinancingNotFound, another bank's NotFinancingBank (it said "must name financings whose
    # terms you read", exit 2, as if the input were at fault)
    unknown = cli.json(
        "finance", "share", buyer["address"], "--financing", "99", "--as", bank, code=1
    )
    assert (unknown["error"], unknown["details"]["field"]) == ("FinancingNotFound", "financing_id")
    theirs = cli.json(
        "finance", "share", buyer["address"], "--financing", str(fid), "--as", bank_b["address"],
        code=1,
    )  # fmt: skip
    assert theirs["error"] == "NotFinancingBank"
    assert f"is not the bank of financing {fid}" in theirs["message"]
    assert show()["confidential"] is True
    share = ("finance", "share", buyer["address"], "--financing", str(fid), "--as", bank)
    shared = cli.json(*share, "--idempotency-key", "share-1")
    assert shared == {
        "reader": buyer["address"],
        "financing_ids": [fid],
        "already_shared": [],
        "notices": [],
    }
    # a retry with the key answers the same, sending nothing (it was refused as another
    # write's: the terms sealed afresh made another call under the key)
    assert cli.json(*share, "--idempotency-key", "share-1") == shared
    assert show()["amount"] == 374_000
    # the API's answer is the CLI's --json; the CLI's key names the same write there: the API
    # answers it without a second shareTerms (POST /v1/financings/{id}/share)
    with served_api(cli) as api:
        sent = {"Authorization": f"Bearer {bank_key}", "Idempotency-Key": "share-1"}
        url, body = f"/v1/financings/{fid}/share", {"reader": buyer["address"]}
        again = api.post(url, json=body, headers=sent)
        assert again.status_code == 200, again.text
        assert again.json() == shared
        ledger = api.app.state.ledger  # type: ignore[attr-defined]
        logs = ledger.contract.events.TermsShared().get_logs(from_block=0)
        assert [int(log["args"]["financingId"]) for log in logs] == [fid]
        # a new share (another key, or none) of terms the reader reads already sends nothing
        nonce = ledger.w3.eth.get_transaction_count(bank)
        fresh = api.post(url, json=body, headers={"Authorization": f"Bearer {bank_key}"})
        assert fresh.status_code == 200, fresh.text
        assert fresh.json() == {**shared, "already_shared": [fid]}
        logs = ledger.contract.events.TermsShared().get_logs(from_block=0)
        assert [int(log["args"]["financingId"]) for log in logs] == [fid]
        assert ledger.w3.eth.get_transaction_count(bank) == nonce
    # the CLI says so, in words and in --json, and sends nothing either
    again = cli.json(*share, "--idempotency-key", "share-2")
    assert again == {**shared, "already_shared": [fid]}
    said = cli.run(*share)
    assert said.stdout.strip() == (
        f"already shared with {buyer['address']}: financing {fid} — it reads the terms "
        "already; nothing sent"
    )
    with served_api(cli) as api:
        ledger = api.app.state.ledger  # type: ignore[attr-defined]
        logs = ledger.contract.events.TermsShared().get_logs(from_block=0)
        assert [int(log["args"]["financingId"]) for log in logs] == [fid]


def test_a_bank_shares_on_none_of_the_financings_another_bank_shared_with_it(
    tmp_path: Path,
) -> None:
    """Bank A may not share its terms with Bank B (a bank's terms go to a regulator or an
    enterprise only); nor may Bank B share Bank A's financing (the contract: the financing's
    bank or a regulator). ``finance share`` without ``--financing`` shares what is Bank B's
    own — none here — where it tried Bank A's and was reverted."""
    cli = Cli(tmp_path / "ledger")
    cli.json("init")
    exporter = cli.json("member", "add", "Exporter", "--role", "enterprise")["address"]
    other = cli.json("member", "add", "Other Co", "--role", "enterprise")["address"]
    bank = cli.json("member", "add", "Bank A", "--role", "bank")["address"]
    bank_b = cli.json("member", "add", "Bank B", "--role", "bank")["address"]
    invoice = tmp_path / "invoice.xml"
    invoice.write_bytes(UBL)
    doc_hash = cli.json("doc", "register", str(invoice), "--as", exporter)["doc_hash"]
    cli.json("doc", "receive", str(invoice), "--as", bank)
    fid = cli.json(
        "finance", "create", "--as", bank, "--doc", f"{doc_hash}=374000",
        "--currency", "DKK", "--maturity", "2099-12-31",
    )["financing_id"]  # fmt: skip
    # a bank's terms go to a regulator or an enterprise only: never to a competitor bank
    refused = cli.json("finance", "share", bank_b, "--financing", str(fid), "--as", bank, code=2)
    assert refused["details"]["field"] == "READER", refused  # the CLI names its argument
    assert cli.json("finance", "show", str(fid), "--as", bank_b)["confidential"] is True

    # a bank's whole book is shared with a regulator only: to an enterprise, --financing names
    # what it may read (a tryout showed a bank's every financing to a company party to none)
    whole = cli.json("finance", "share", other, "--as", bank, code=2)
    assert whole["details"]["field"] == "--financing", whole
    assert "a bank's whole book is shared with a regulator only" in whole["message"]
    assert cli.json("finance", "show", str(fid), "--as", other)["confidential"] is True
    refused = cli.json("finance", "share", other, "--financing", str(fid), "--as", bank_b, code=1)
    assert refused["error"] == "NotFinancingBank"
    assert cli.json("finance", "show", str(fid), "--as", other)["confidential"] is True
