"""A check reads the stored files it compares a file with at once (issue #16): its matches, the
credit notes that correct it (or the invoices a credit note corrects) and the other invoices
of its seller and buyer (re-issue, split) came from three query sets of their own; now one
per scope they are read in. Each part
of the answer stays what its own read of the gateway database says, for every role and its
scope: a bank's matches are its own files while its credit notes are everyone's; an
enterprise's are its own throughout; a regulator's everyone's."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest

from ledger.services import documents as docs
from tests.conftest import SAMPLE_SELLER_VAT, Network
from tests.documents.documents_support import field_bytes, with_party_vats

UBL = resources.files("ledger.demo_data").joinpath("invoice-ubl.xml").read_bytes()
#: the demo invoice sent again under another number and date: a re-issue of it
REISSUE = UBL.replace(b"TOSL110", b"TOSL999").replace(b">2013-04-10<", b">2013-05-02<")
#: the field case with its seller's VAT id the enterprise's legal id: the enterprise's credit
#: note is the seller's, counted by every bank and regulator
INVOICE = with_party_vats(field_bytes("credit-note/base-example.xml"), SAMPLE_SELLER_VAT)
CREDIT_NOTE = with_party_vats(
    field_bytes("credit-note/base-creditnote-correction.xml"), SAMPLE_SELLER_VAT
)


def _counted(ledger: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """The stored-file reads made, as (method, scope asked)."""
    calls: list[tuple[str, Any]] = []
    for name in ("received_for_files", "received_with_fingerprints"):
        real = getattr(ledger.db, name)

        def counted(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            calls.append((_name, args[-1] if len(args) > 1 else kwargs.get("received_by")))
            return _real(*args, **kwargs)

        monkeypatch.setattr(ledger.db, name, counted)
    return calls


def test_a_check_reads_the_stored_files_once_and_answers_as_each_read_would(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = network.ledger
    bank, other_bank, ent = network.bank.address, network.bank_b.address, network.enterprise.address
    # lodged here: the invoice by the enterprise and by the other bank, the credit note that
    # corrects it by the enterprise; the demo invoice by the bank and the enterprise
    docs.receive(ledger, ent, "enterprise", INVOICE, "invoice.xml")
    docs.receive(ledger, other_bank, "bank", INVOICE, "invoice.xml")
    docs.receive(ledger, ent, "enterprise", CREDIT_NOTE, "credit-note.xml")
    docs.receive(ledger, bank, "bank", UBL, "demo.xml")
    docs.receive(ledger, ent, "enterprise", UBL, "demo.xml")

    said: dict[str, set[str]] = {
        "suspicions": set(),
        "credited": set(),
        "matches": set(),
        "lodged": set(),
    }
    for who, role in (
        (bank, "bank"),
        (ent, "enterprise"),
        (network.regulator.address, "regulator"),
    ):
        for name, data in (("reissue", REISSUE), ("invoice", INVOICE), ("note", CREDIT_NOTE)):
            calls = _counted(ledger, monkeypatch)
            parsed, examined = docs.examine(ledger, data, who, role)
            monkeypatch.undo()
            # one query set per scope the reads use: a bank's matches and suspicions are its
            # own files (read in its scope, never everyone's), its credit notes everyone's
            expected = [("received_for_files", who if role != "regulator" else None)]
            if role == "bank" and name != "note":
                expected.append(("received_for_files", None))
            if name != "note":
                assert calls == expected, (role, name, calls)
            else:  # (a credit note then reads the copies of the invoices it corrects that
                # others lodged, found by the first read: their on-chain values)
                assert calls[: len(expected)] == expected, (role, name, calls)

            # each part as its own read of the database answers it
            facts = parsed.facts
            assert facts is not None
            suspicions = docs.suspicions_of(ledger, facts, examined.doc_hash, who, role)
            assert examined.suspicions == suspicions, (role, name)
            notes = docs.credit_notes_for(ledger, facts, docs._notes_scope(who, role), reader=who)
            credited = [n for n in examined.notices if n.kind == "credited"]
            assert [n.documents for n in credited] == (
                [tuple(h for h, _ in notes)] if notes else []
            ), (role, name)
            scope = docs.match_scope(who, role)
            copies = {
                (r.doc_hash, r.received_by)
                for r in ledger.db.received_for_files(
                    [examined.doc_hash], docs._own_fingerprints(ledger, parsed), scope
                )
            }
            shown = {(m.doc_hash, m.received_by) for m in examined.matches}
            assert shown <= copies, (role, name)
            assert all(m.received_by == who for m in examined.matches) or scope is None
            if suspicions:
                said["suspicions"].add(f"{role}:{name}")
            if credited:
                said["credited"].add(f"{role}:{name}")
            if examined.matches:
                said["matches"].add(f"{role}:{name}")
            if any(n.kind == "already_lodged" for n in examined.notices):
                said["lodged"].add(f"{role}:{name}")

    # the answers had something to say, for the roles whose scope holds it
    assert {"bank:reissue", "enterprise:reissue", "regulator:reissue"} <= said["suspicions"]
    # the bank counts the enterprise's credit note; the enterprise its own
    assert {"bank:invoice", "enterprise:invoice", "regulator:invoice"} <= said["credited"]
    assert {"regulator:invoice", "regulator:note"} <= said["matches"]
    # the caller's own copy of the very file is no match of it: it is said to be lodged here
    assert {"enterprise:invoice", "enterprise:note"} <= said["lodged"]
    assert not {"enterprise:invoice", "enterprise:note"} & said["matches"]
    # a bank's matches are its own files: it lodged no copy of the invoice
    assert "bank:invoice" not in said["matches"]
