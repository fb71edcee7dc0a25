"""Whether a member is shown to be a document's seller: the one definition.

A registration records who registered a document's hash and when — not who issued the
document. Any member may register a file it holds (a buyer, a bank, anyone with a copy), so the
gateway says, wherever it presents a registrant, whether that registrant is **shown to be the
document's seller**: its legal id on chain (``memberOf(...).legalIdHash``) is the hash of one of
the seller's identifiers (BG-4; a JSON form's ``issuer``) in the file. Only identifiers that
name one legal person wherever they are read are compared (:data:`SELLER_PROOF_SCHEMES`).

The same rule decides to whom a bank's terms are sealed (:mod:`ledger.services.financing`,
docs/privacy.md), what a registration answers (notice ``registrant_not_seller``), what the reads
of a document say (``registrant_is_seller``) and what the refusal of a second registration
tells the member refused (docs/api.md).

A member's legal id never changes once it is on chain, so it is read once per member and
ledger (:func:`legal_id_of`).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from web3 import Web3

from ledger.documents import DocumentFacts, IdScheme, read_document
from ledger.documents.facts import DocumentType, Party
from ledger.errors import LedgerError
from ledger.network import Ledger, legal_id_hash
from ledger.services.roles import Role

#: the schemes of the seller's identifiers a member's legal id is compared with: those whose
#: value names one legal person wherever it is read — a VAT id with its country prefix, an LEI,
#: an identifier under an ISO 6523 ICD code written ``<ICD>:<id>`` — the forms a member's legal
#: id takes (:func:`ledger.documents.identifiers.member_legal_id`). Not a GLN (a location
#: number companies share), nor a legal registration or national tax id (keyed with their
#: country where the file says it, ``LEGAL:NL:57151520``, but not a form a member's legal id
#: takes: the same digits name another company in another country), nor a party id or a name.
SELLER_PROOF_SCHEMES: frozenset[IdScheme] = frozenset({IdScheme.VAT, IdScheme.LEI, IdScheme.ICD})
#: the notice of a registration whose registrant is not shown to be the document's seller
NOT_SELLER_NOTICE = "registrant_not_seller"
#: the words for the file the bank lodged (a financing's notices)
LODGED_FILE = "the file you lodged"


def party_words(facts: DocumentFacts | None) -> tuple[str, str]:
    """How the party compared is called for ``facts``: ``("seller", "the invoice's seller")``
    for an invoice (and a credit note), ``("issuer", "the document's issuer")`` for another
    document whose form names its issuer (a JSON form's ``issuer``, read as its seller)."""
    if facts is None or facts.doc_type is DocumentType.INVOICE:
        return "seller", "the invoice's seller"
    return "issuer", "the document's issuer"


def seller_legal_id_hashes(facts: DocumentFacts | None) -> dict[bytes, str]:
    """The seller's identifiers, as the file ``facts`` were read from states them, that can
    show a member to be the seller (:data:`SELLER_PROOF_SCHEMES`; only those that passed their
    scheme's check, never a rejected one), by the hash a member's legal id has on chain
    (:func:`ledger.network.legal_id_hash` of the canonical value: a VAT id with its country
    prefix, an LEI, ``<ICD>:<id>``) → ``SCHEME:value``."""
    return party_legal_id_hashes(facts.seller if facts is not None else None)


def party_legal_id_hashes(party: Party | None) -> dict[bytes, str]:
    """The identifiers of ``party`` (a document's seller, buyer or issuer) that can show a
    member to be that party (:data:`SELLER_PROOF_SCHEMES`, only those that passed their
    scheme's check), by the hash a member's legal id has on chain → ``SCHEME:value``."""
    return {
        legal_id_hash(p.value): str(p)
        for p in (party.ids if party is not None else ())
        if p.scheme in SELLER_PROOF_SCHEMES
    }


def not_shown_seller(
    legal: bytes, facts: DocumentFacts | None, file: str = LODGED_FILE
) -> str | None:
    """Why a member whose legal id on chain is ``legal`` (``memberOf(...).legalIdHash``, 32
    bytes, zero for none) is not shown to be the seller of the document read as ``facts`` (from
    ``file``, in words: ``the file you lodged``, ``this file``) — or None when it is: ``legal``
    is the hash of one of the seller's identifiers in it (:func:`seller_legal_id_hashes`). A
    member without a legal id, or a document whose seller carries no such identifier, is not
    shown to be the seller."""
    sellers = seller_legal_id_hashes(facts)
    party, whose = party_words(facts)
    if not any(legal):
        return f"it has no legal id on chain to compare with {whose}"
    if not sellers:
        return _no_comparable_seller_id(legal, facts, file)
    if legal in sellers:
        return None
    return (
        f"its legal id on chain matches none of the {party}'s identifiers in {file} "
        f"({', '.join(sorted(sellers.values()))}): it is not shown to be {whose}"
    )


def _no_comparable_seller_id(legal: bytes, facts: DocumentFacts | None, file: str) -> str:
    """Why a file whose seller carries none of :data:`SELLER_PROOF_SCHEMES` that passed its
    check shows no member to be its seller: it names none; the ones it names failed their checks
    (named with the rule each failed, as the ``identifier_rejected`` notices name them); or it
    names only others (a GLN, a national id) — named, and said when the member's legal id is one
    of them."""
    party, _ = party_words(facts)
    seller = facts.seller if facts is not None else None
    others = [
        p
        for p in (seller.ids if seller is not None else ())
        if p.scheme is not IdScheme.NAME  # a name is no identifier
    ]
    rejected = seller.rejected if seller is not None else ()
    failed = "; ".join(f"{r.scheme} {r.value!r} {r.reason}" for r in rejected)
    if not others:
        if rejected:
            return (
                f"the {party}'s identifiers in {file} failed their checks ({failed}), so none "
                "is compared with its legal id"
            )
        return (
            f"{file} names no {party} identifier (VAT id, LEI or <ICD>:<id>) to compare with "
            "its legal id"
        )
    named = ", ".join(sorted(str(p) for p in others))
    why = (
        f"the {party}'s identifiers in {file} ({named}) are none that is compared with a "
        f"member's legal id: only a VAT id with its country prefix, an LEI or <ICD>:<id> shows "
        f"the {party} (a GLN names a location companies share; a legal registration or national "
        "tax id is no form a member's legal id takes: the same digits name another company in "
        "another country)"
    )
    if any(legal_id_hash(p.value) == legal for p in others):
        why += (
            "; the member's legal id is one of them, a form never compared with a seller's: "
            "with its VAT id or LEI as its legal id, it would be shown to be the seller"
        )
    if rejected:
        why += f"; the {party}'s other identifiers in {file} failed their checks ({failed})"
    return why


@dataclass(frozen=True)
class SellerShown:
    """Whether a document's registrant is shown to be its seller (:func:`registrant_seller`).

    ``is_seller``: True (its legal id on chain is one of the seller's identifiers in the file),
    False (not shown: ``reason`` says why — no legal id, another company's identifiers, none
    comparable), None (cannot be told: the file names no seller or issuer — not an invoice or a
    JSON form, or a file without facts —, or no copy of the file is known to the reader).
    ``reason`` is in words that follow the registrant's name."""

    is_seller: bool | None
    reason: str
    #: the seller's identifiers the registrant's legal id was compared with (``SCHEME:value``)
    compared_with: tuple[str, ...] = ()
    #: what the document calls the party compared (:func:`party_words`): ``seller`` of an
    #: invoice, ``issuer`` of another document (a bill of lading's JSON form)
    party: str = "seller"


#: the reason when the file's facts name no seller to compare with
NO_SELLER_REASON = (
    "cannot be told: the file names no seller or issuer (it is not an invoice or a JSON form "
    "with an issuer), so the registration shows who registered it and when, not who issued it"
)
#: the reason when the reader has no copy of the file at this gateway
NO_COPY_REASON = (
    "cannot be told here: no copy of the file is known to you at this gateway (verify the file "
    "itself — POST /v1/documents/verify, tradeledger doc verify — to compare its seller or "
    "issuer with the registrant)"
)


def legal_id_of(ledger: Ledger, member: str) -> bytes:
    """``member``'s legal-id hash on chain (32 bytes, zero for none or no member): read once
    per member and ledger, since a member's record never changes."""
    key = Web3.to_checksum_address(member)
    with _LOCK:
        known = _LEGAL_IDS.setdefault(ledger, {})
        found = known.get(key)
    if found is None:
        found = bytes(ledger.calls.functions.memberOf(key).call()[4])
        if any(found):  # a member not yet approved may be given its record later
            with _LOCK:
                known[key] = found
    return found


_LOCK = threading.Lock()
_LEGAL_IDS: weakref.WeakKeyDictionary[Ledger, dict[str, bytes]] = weakref.WeakKeyDictionary()


def seller_check(legal: bytes, facts: DocumentFacts | None, file: str) -> SellerShown:
    """:class:`SellerShown` of a member whose legal-id hash is ``legal`` for the document read
    as ``facts`` from ``file`` (words): None when the file names no seller."""
    if facts is None or facts.seller is None:
        return SellerShown(None, NO_SELLER_REASON)
    compared = tuple(sorted(seller_legal_id_hashes(facts).values()))
    party, whose = party_words(facts)
    why = not_shown_seller(legal, facts, file)
    if why is not None:
        return SellerShown(False, why, compared, party)
    shown = seller_legal_id_hashes(facts)[legal]
    return SellerShown(
        True, f"its legal id on chain is {whose}'s {shown} in {file}", compared, party
    )


def registrant_seller(
    ledger: Ledger, registrant: str, facts: DocumentFacts | None, file: str = "this file"
) -> SellerShown:
    """Whether ``registrant`` is shown to be the seller of the document read as ``facts``
    (:func:`seller_check`, its legal id read from the chain)."""
    if facts is None or facts.seller is None:
        return SellerShown(None, NO_SELLER_REASON)
    return seller_check(legal_id_of(ledger, registrant), facts, file)


def member_is_admin(ledger: Ledger, member: str) -> bool:
    """Whether ``member`` is an ADMIN of the consortium now (``memberOf(...).role``, read from
    the chain): whose revocation withdraws a document whoever its seller
    (``ledger.services.roles.withdraws_receivable``)."""
    record = ledger.calls.functions.memberOf(Web3.to_checksum_address(member)).call()
    return int(record[2]) == int(Role.ADMIN)


def file_facts(data: bytes) -> DocumentFacts | None:
    """The facts of a registered file, to compare its seller with its registrant: None when it
    has none, or cannot be read as a document (a registered file may be any bytes)."""
    try:
        return read_document(data).facts
    except LedgerError:
        return None


def enterprise_sellers(ledger: Ledger, facts: DocumentFacts | None) -> list[tuple[str, str]]:
    """The active ENTERPRISE members shown to be the seller of the invoice read as ``facts`` —
    their legal id on chain is one of its seller's identifiers (:func:`seller_legal_id_hashes`)
    — whoever registered it: ``(address, the identifier as SCHEME:value)``, by address. Found
    by the event index's members (``ledger.event_index``; every member on chain without one)
    and confirmed on chain (``memberOf``: a member suspended, rotated away or of another role
    since is left out)."""
    hashes = seller_legal_id_hashes(facts)
    if not hashes:
        return []
    index = ledger.event_index
    if index is not None:
        from sqlalchemy import select

        from ledger.indexer.models import MemberRow

        with index.sessions() as session:
            candidates = {
                str(a)
                for a in session.scalars(
                    select(MemberRow.address).where(
                        MemberRow.legal_id_hash.in_(["0x" + h.hex() for h in hashes]),
                        MemberRow.role == int(Role.ENTERPRISE),
                    )
                )
            }
    else:
        count = int(ledger.calls.functions.memberCount().call())
        records = [ledger.calls.functions.memberById(i).call() for i in range(1, count + 1)]
        candidates = {str(r[1]) for r in records if bytes(r[4]) in hashes}
    found: list[tuple[str, str]] = []
    for address in sorted(candidates):
        record = ledger.calls.functions.memberOf(Web3.to_checksum_address(address)).call()
        if int(record[0]) == 0 or int(record[2]) != int(Role.ENTERPRISE) or not bool(record[3]):
            continue
        shown = hashes.get(bytes(record[4]))
        if shown is not None:
            found.append((Web3.to_checksum_address(address), shown))
    return found
