"""EN 16931 business rule BR-CO-16 on an invoice's document totals (BG-22).

    Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112)
                                      - Paid amount (BT-113) + Rounding amount (BT-114)

An invoice's face value is the amount due it states (BT-115). One that states more than its own
totals give is not a receivable of that size: a bank financing it on the stated figure finances
money nobody owes (the field case ``identifiers-placeholder/b-seller2-TOSL108.xml``: 1,200.00
due of a 1,801.78 total with 1,000.00 paid and 0.22 rounding, i.e. 802.00). The readers keep
what the rule gives when it differs (``DocumentFacts.amount_due_by_totals``);
the gateway says so (notice ``amount_due_inconsistent``) and finances no more than the lesser
of the two.

Source: EN 16931-1:2017, 6.4 (BR-CO-16), and the UBL and CII syntax bindings (EN 16931-3-2,
-3-3): ``cac:LegalMonetaryTotal`` ``cbc:TaxInclusiveAmount``, ``cbc:PrepaidAmount``,
``cbc:PayableRoundingAmount``, ``cbc:PayableAmount``; ``ram:SpecifiedTradeSettlementHeader
MonetarySummation`` ``ram:GrandTotalAmount``, ``ram:TotalPrepaidAmount``,
``ram:RoundingAmount``, ``ram:DuePayableAmount``.
"""

from __future__ import annotations

from decimal import Decimal

from ledger.documents.normalise import parse_xml_decimal, to_minor_units
from ledger.errors import InvalidInput

RULE = "EN 16931 BR-CO-16"


#: the EN 16931 terms of the three totals BR-CO-16 adds up, in its order
TOTAL_TERMS = (
    "BT-112 Invoice total amount with VAT",
    "BT-113 Paid amount",
    "BT-114 Rounding amount",
)


def amount_due_by_totals(
    due: Decimal,
    total_with_vat: str | None,
    paid: str | None,
    rounding: str | None,
    currency: str,
    fields: tuple[str, str, str] = ("total_with_vat", "paid", "rounding"),
) -> int | None:
    """What BR-CO-16 gives as the amount due (BT-112 - BT-113 + BT-114, minor units of
    ``currency``, rounded half-up as every amount read), when it differs from ``due`` (BT-115 as
    read); ``None`` when they agree, or when no total with VAT is stated. An absent paid or
    rounding amount is zero (EN 16931: both are optional).

    Raises InvalidInput naming the element (``fields``: the three as the file's format names
    them) and the term when one that is stated is not an ``xs:decimal``: it used to leave the
    rule unapplied without a word, so an amount due inflated above its totals went unsaid when
    its paid amount was written ``1E3`` (the lines' fault of tryout 51, in the totals).

    A paid amount below zero of an invoice whose total with VAT or amount due is positive
    (:func:`paid_below_zero`) counts as nothing: the amount due it gives is then the total with
    VAT plus rounding, and the reader names the fault (``ledger.documents.calculation``). Such
    an invoice without a total with VAT is refused, naming the paid amount."""
    figures = [
        _decimal(text, field, term)
        for text, field, term in zip(
            (total_with_vat, paid, rounding), fields, TOTAL_TERMS, strict=True
        )
    ]
    if paid_below_zero(figures[0], figures[1], due):
        if total_with_vat is None:  # nothing to hold the amount due to
            raise InvalidInput(
                fields[1],
                "must not be negative when the invoice's amount due is positive and it states "
                f"no total with VAT ({TOTAL_TERMS[1]}: what was paid in advance; a negative "
                "one would raise the amount due, BT-115, above the total, BT-112)",
                value=(paid or "").strip(),
            )
        figures[1] = Decimal(0)
    if total_with_vat is None:
        # nothing to check the amount due against: only when nothing was paid or rounded
        # (an amount due inflated above a total left out, with 1,000.00 paid, went unsaid)
        refuse_unstated(paid, rounding, fields[0], TOTAL_TERMS[0], "BR-14", fields)
        return None
    given = figures[0] - figures[1] + figures[2]
    if given == due:
        return None
    try:
        by_totals = to_minor_units(given, currency)
        # an amount due too large is the reader's to refuse, naming its field (it was refused
        # here as "amount")
        as_due = to_minor_units(due, currency)
    except InvalidInput:
        return None
    return None if by_totals == as_due else by_totals


def total_before_settled(
    total_with_vat: str | None, paid: str | None, rounding: str | None, currency: str
) -> int | None:
    """The invoice total with VAT (BT-112, minor units of ``currency``) when the file also
    states a paid amount above zero (BT-113) or a rounding amount (BT-114), which move its
    amount due (BT-115) off it; None otherwise, or when a figure does not read (the reader
    refuses such a file, naming it, through :func:`amount_due_by_totals`).

    What an invoice is due were nothing settled in advance: a re-issue stating 0.01 paid (its
    totals adding up, 4,674.99 due of 4,675.00) was due another figure than the invoice it
    re-issued, met none of the marks of that invoice's financing (``marks.mark_inputs``) and
    was financed at a second bank unseen (tryout 77)."""
    try:
        total, settled, rounded = (
            parse_xml_decimal(text, "total") if text is not None else None
            for text in (total_with_vat, paid, rounding)
        )
        if total is None or not ((settled or 0) > 0 or (rounded or 0) != 0):
            return None
        return to_minor_units(total, currency)
    except InvalidInput:
        return None


def paid_below_zero(total_with_vat: Decimal, paid: Decimal, due: Decimal) -> bool:
    """Whether a paid amount (BT-113) below zero would raise the amount due of an invoice whose
    total with VAT (BT-112) or amount due (BT-115) is positive above that total: EN 16931 allows
    it (BR-CO-16 adds up; FeRD's motor insurance sample, type 575, states 220.00 with VAT,
    -220.00 paid, 440.00 due), but what was paid in advance is never less than nothing to a
    bank — tryout 50 raised an amount due so, tryout 55 a total of 0.00 to 46,750.00 due. A
    negative invoice (every total negative: Peppol BIS crediting) reverses its prepayment:
    not this."""
    return paid < 0 and (total_with_vat > 0 or due > 0)


def _decimal(text: str | None, field: str, term: str) -> Decimal:
    if text is None:
        return Decimal(0)
    try:
        return parse_xml_decimal(text, field)
    except InvalidInput as exc:
        raise InvalidInput(field, f"{exc.rule} ({term})", value=text.strip()) from None


def refuse_total_as_due(
    paid: str | None,
    rounding: str | None,
    due_field: str,
    fields: tuple[str, str, str],
) -> None:
    """Refuse an invoice that states no amount due (BT-115, ``due_field``) when its total with
    VAT (BT-112), read in its place, is not what is due: it states a paid amount (BT-113) or a
    rounding amount (BT-114) other than zero. InvalidInput naming ``due_field`` and EN 16931
    BR-15 (the amount due is required). Tryout 52 left out the amount due of an invoice stating
    1,000.00 paid: its 4,675.00 total with VAT was read as due and financed in full."""
    refuse_unstated(paid, rounding, due_field, "BT-115 Amount due for payment", "BR-15", fields)


def refuse_unstated(
    paid: str | None,
    rounding: str | None,
    field: str,
    term: str,
    rule: str,
    fields: tuple[str, str, str],
) -> None:
    """Refuse a total (``field``, ``term``, required by EN 16931 ``rule``) that an invoice
    leaves out while it states a paid amount (BT-113) or a rounding amount (BT-114) other than
    zero: without it, BR-CO-16 cannot be applied, or the total with VAT is read as due."""
    stated = [
        (named, named_term)
        for text, named, named_term in zip(
            (paid, rounding), fields[1:], TOTAL_TERMS[1:], strict=True
        )
        if text is not None and _decimal(text, named, named_term) != 0
    ]
    if stated:
        said = " and ".join(f"{named_term} ({named})" for named, named_term in stated)
        raise InvalidInput(
            field,
            f"required ({term}, EN 16931 {rule}) when the invoice states {said}: without it "
            "the amount due cannot be checked against its totals (BR-CO-16)",
        )
