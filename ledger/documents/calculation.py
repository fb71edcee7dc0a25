"""EN 16931's calculation rules on an invoice's totals: what amount due its own lines, allowances,
charges and VAT support.

BR-CO-16 (``totals.py``) checks the amount due (BT-115) against the totals above it. A file
whose totals were raised with it — the total with VAT (BT-112), or the line and net totals too,
or the VAT — kept BR-CO-16 and was financed in full (tryout 53: a 2,503.30 EUR CII invoice whose
lines and VAT give 250.33). This module works the totals out again from the bottom, as the
EN 16931 validation artefacts check them:

- BR-CO-10: sum of invoice line net amounts (BT-106) = Σ invoice line net amount (BT-131);
- BR-CO-11 / BR-CO-12: sum of allowances (BT-107) / charges (BT-108) on document level =
  Σ document level allowance (BT-92) / charge (BT-99) amounts;
- BR-CO-13: invoice total without VAT (BT-109) = BT-106 - BT-107 + BT-108;
- BR-S-08 and its siblings (BR-Z-08, BR-E-08, BR-AE-08, BR-IC-08 for K, BR-G-08, BR-O-08, BR-AF-08
  for L, BR-AG-08 for M): a VAT category taxable amount (BT-116) = the line net amounts, charges and
  allowances of that category and rate — strictly: a category no line states supports nothing, a
  line without a category gives none its amount (BR-CO-4; ZUGFeRD 1.0 BASIC, whose lines state none,
  shares its net out over its rates), an allowance beyond its category's lines is taken off the
  highest rate (BR-32), a charge without a category is not counted (BR-37);
- BR-CO-17: VAT category tax amount (BT-117) = BT-116 × VAT category rate (BT-119) / 100,
  within what rounding may add (:func:`_tolerance`, at most the validators' 1); no VAT in a
  zero-rated or exempt category (BR-Z-05 and siblings), nor at a rate above :data:`MAX_VAT_RATE`;
- BR-CO-14: invoice total VAT amount (BT-110) = Σ BT-117; none without a breakdown (BR-CO-18);
- BR-CO-15: invoice total amount with VAT (BT-112) = BT-109 + BT-110;
- PEPPOL-EN16931-R120 and BR-26, for UBL lines: a line net amount no more than its quantity at
  its net price (:func:`priced`), nothing without a price (CII examples do not keep R120);
- the rounding amount (BT-114) rounds the amount due to a payable figure: less than
  :data:`ROUNDING_BOUND_MINOR` minor units of the currency (1.00 EUR, 100 JPY). EN 16931 sets no
  bound; a rounding amount of 1,000.00 on a 4,675.00 invoice raised the amount due by as much
  and kept BR-CO-16 (tryout 53).

Tryouts 54 to 57 found every rule that skipped what it could not match, or allowed a flat
slack, a way to be financed ten times what was owed; each is a test in
``tests/documents/test_totals_add_up.py``. An invoice without lines is not checked (nothing
works its totals out; the gateway's own writers make such files).

Only what raises the amount due matters here: a file stating *less* than its figures give (a
part of an invoice, field case ``split/``) is the suspicions' business, not this module's. When
the file's own figures support less than it states as due, :func:`supported_amount_due` gives
that figure and the rules broken (:class:`TotalsFault`); the readers keep the lesser
(``DocumentFacts.amount_due_by_totals``) and the gateway finances no more than it, with the
notice ``amount_due_inconsistent`` naming the rules, as for BR-CO-16.

Source: EN 16931-1:2017, 6.4 (BR-CO-10..17, BR-S-08 ..), and the CEN/TC 434 validation
artefacts 1.3.16 (``ConnectingEurope/eInvoicing-EN16931``, ``EN16931-UBL-model.sch``,
``EN16931-CII-model.sch``), whose sums are rounded to 2 decimals (here to the currency's minor
unit when it has more); Peppol BIS Billing 3.0 (PEPPOL-EN16931-R120, R121).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from ledger.errors import InvalidInput

from .currencies import minor_unit_exponent
from .normalise import MAX_AMOUNT_DIGITS, parse_xml_decimal, to_minor_units
from .totals import paid_below_zero

#: a rounding amount (BT-114) is less than this many minor units of the invoice's currency
ROUNDING_BOUND_MINOR = 100
#: BR-CO-17's tolerance on a VAT category tax amount (BT-117), in the currency's major unit
TAX_TOLERANCE = Decimal(1)
#: the decimals the sums are rounded to while one invoice is worked out (:func:`_round`)
_PLACES: ContextVar[int] = ContextVar("calculation_places", default=2)
#: the rule a rounding amount over the bound breaks (EN 16931 sets none; docs/documents.md)
ROUNDING_RULE = f"tradeledger: BT-114 less than {ROUNDING_BOUND_MINOR} minor units"
#: no VAT rate in force is higher than this (percent; the EU's highest is Hungary's 27%): a
#: category's tax at a higher rate supports no amount due (tryout 54: 250% on the lines and the
#: breakdown alike was financed)
MAX_VAT_RATE = Decimal(30)
#: the rule a VAT rate above :data:`MAX_VAT_RATE` breaks (EN 16931 sets none)
RATE_RULE = f"tradeledger: BT-119 at most {MAX_VAT_RATE}%"
#: the rule an allowance beyond its category's lines and charges breaks (EN 16931 sets none:
#: BR-32 is an allowance without a category)
ALLOWANCE_RULE = "tradeledger: BT-92 within its VAT category's lines and charges"
#: the rule a paid amount below zero on a positive invoice breaks (EN 16931 sets none)
PAID_RULE = "tradeledger: BT-113 not below zero"
#: the VAT categories whose rate is 0 (UNCL5305: Z zero rated, E exempt, AE reverse charge, K
#: intra-community supply, G export outside the EU, O not subject to VAT; EN 16931 BR-Z-05,
#: BR-E-05, BR-AE-05, BR-IC-05, BR-G-05, BR-O-05): no VAT is supported in them
ZERO_RATE_CATEGORIES = frozenset({"Z", "E", "AE", "K", "G", "O"})

#: each VAT category code's (UNCL5305, BT-118) prefix of its EN 16931 business rules: K is the
#: intra-community supply (BR-IC-nn), L the Canary Islands' IGIC (BR-AF-nn), M Ceuta and
#: Melilla's IPSI (BR-AG-nn); the others are named by their code
CATEGORY_RULE_PREFIX = {
    "S": "S",
    "Z": "Z",
    "E": "E",
    "AE": "AE",
    "K": "IC",
    "G": "G",
    "O": "O",
    "L": "AF",
    "M": "AG",
}


def category_rule(category: str | None, number: str) -> str:
    """The EN 16931 rule ``number`` (``"05"``, ``"08"``) of VAT ``category``: ``BR-IC-08`` for
    K; ``BR-CO-18`` (a breakdown per category) for a category none of whose rules exist."""
    prefix = CATEGORY_RULE_PREFIX.get(category or "")
    return f"BR-{prefix}-{number}" if prefix else "BR-CO-18"


#: PEPPOL-EN16931-R120's slack on a line net amount against its quantity at its price
PRICE_SLACK = Decimal("0.02")
#: the rule a line stating more than its quantity at its price breaks (Peppol BIS Billing 3.0)
PRICE_RULE = "PEPPOL-EN16931-R120"
#: the rule an allowance below zero breaks (it would raise the amount due)
NEGATIVE_ALLOWANCE_RULE = "tradeledger: BT-92 not below zero"


@dataclass(frozen=True, order=True)
class VatKey:
    """A VAT category (BT-118 / BT-151 / BT-95 / BT-102 code, upper case) and its rate (BT-119,
    percent; 0 when the file states none, as for categories E, O, Z)."""

    category: str
    rate: Decimal


#: the key of a VAT breakdown that states no category: no line is of it, so it supports no VAT
NO_CATEGORY = VatKey("", Decimal(0))


@dataclass(frozen=True)
class Taxed:
    """An amount and its VAT category: a line net amount (BT-131), a document level allowance
    (BT-92) or charge (BT-99). ``key`` is None when the file states no category. For a line,
    ``priced``: what its quantity at its net price gives (:func:`priced`; None: not stated),
    and its ``position`` (1-based)."""

    amount: Decimal
    key: VatKey | None
    priced: Decimal | None = None
    position: int = 0
    #: a line: whether it states its net price (BT-146, EN 16931 BR-26); without one it
    #: supports no amount where prices are checked (UBL)
    price_stated: bool = True


@dataclass(frozen=True)
class Breakdown:
    """One VAT breakdown (BG-23): taxable amount (BT-116), tax amount (BT-117), its category."""

    taxable: Decimal
    tax: Decimal
    key: VatKey


@dataclass(frozen=True)
class StatedFigures:
    """An invoice's figures as its file states them (``None``: not stated), and the element of
    each total as its format names it (``fields``: term id such as ``BT-106`` → element)."""

    currency: str
    due: Decimal
    lines: tuple[Taxed, ...] = ()
    allowances: tuple[Taxed, ...] = ()
    charges: tuple[Taxed, ...] = ()
    breakdown: tuple[Breakdown, ...] = ()
    line_total: Decimal | None = None  # BT-106
    allowance_total: Decimal | None = None  # BT-107
    charge_total: Decimal | None = None  # BT-108
    tax_exclusive: Decimal | None = None  # BT-109
    tax_total: Decimal | None = None  # BT-110
    total_with_vat: Decimal | None = None  # BT-112
    paid: Decimal | None = None  # BT-113
    rounding: Decimal | None = None  # BT-114
    fields: Mapping[str, str] | None = None
    #: whether lines without a VAT category share the net out over the breakdown's rates
    #: (ZUGFeRD 1.0 BASIC states none on its lines); elsewhere such a line gives no category
    #: its amount (EN 16931 BR-CO-4: every line states one; tryout 56 removed them)
    pooled: bool = False

    def field(self, term: str) -> str:
        return (self.fields or {}).get(term, term)

    @classmethod
    def of(
        cls,
        currency: str,
        due: Decimal,
        items: tuple[tuple[Taxed, ...], tuple[Taxed, ...], tuple[Taxed, ...]],
        breakdown: tuple[Breakdown, ...],
        stated: Callable[[str], Decimal | None],
        fields: Mapping[str, str],
        *,
        pooled: bool = False,
    ) -> StatedFigures:
        """The figures of a file: ``items`` its (lines, allowances, charges), ``stated(term)``
        each total it states by EN 16931 term (BT-106 .. BT-114; None: not stated)."""
        lines, allowances, charges = items
        return cls(
            currency=currency,
            due=due,
            lines=lines,
            allowances=allowances,
            charges=charges,
            breakdown=breakdown,
            line_total=stated("BT-106"),
            allowance_total=stated("BT-107"),
            charge_total=stated("BT-108"),
            tax_exclusive=stated("BT-109"),
            tax_total=stated("BT-110"),
            total_with_vat=stated("BT-112"),
            paid=stated("BT-113"),
            rounding=stated("BT-114"),
            fields=fields,
            pooled=pooled,
        )


@dataclass(frozen=True)
class TotalsFault:
    """One calculation rule an invoice breaks so that it states more than its figures give.

    ``stated`` and ``expected`` are minor units of the invoice's currency: what ``field`` (the
    element of ``term``) states, and what ``basis`` (words) gives under ``rule``."""

    rule: str
    term: str
    field: str
    stated: int
    expected: int
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "term": self.term,
            "field": self.field,
            "stated": self.stated,
            "expected": self.expected,
            "basis": self.basis,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TotalsFault:
        return cls(
            str(data["rule"]),
            str(data["term"]),
            str(data["field"]),
            int(data["stated"]),
            int(data["expected"]),
            str(data["basis"]),
        )


def figure(text: str | None, field: str, term: str) -> Decimal | None:
    """A stated amount (``xs:decimal``), or None when not stated. Raises InvalidInput naming
    ``field`` and ``term`` when it is not a decimal, or too large to be an amount."""
    if text is None:
        return None
    try:
        value = parse_xml_decimal(text, field)
    except InvalidInput as exc:
        raise InvalidInput(field, f"{exc.rule} ({term})", value=text.strip()) from None
    if not value.is_zero() and value.adjusted() >= MAX_AMOUNT_DIGITS:
        raise InvalidInput(
            field, f"must be less than 10^{MAX_AMOUNT_DIGITS} ({term})", value=text.strip()
        )
    return value


def vat_key(category: str | None, rate: str | None) -> VatKey | None:
    """A VAT category key from the texts as written (a category not stated: ``""``, as a
    ZUGFeRD 1.0 BASIC breakdown may leave it out), or None when the rate is not a decimal (the
    category then supports no VAT)."""
    try:
        percent = parse_xml_decimal(rate, "rate") if rate is not None else Decimal(0)
    except InvalidInput:
        return None
    if not percent.is_zero() and percent.adjusted() >= MAX_AMOUNT_DIGITS:
        return None
    code = (category or "").strip().upper()
    return VatKey(code, percent.normalize() if percent else Decimal(0))


def priced(
    quantity: Decimal,
    price: Decimal,
    base_quantity: Decimal,
    charges: Iterable[Decimal] = (),
    allowances: Iterable[Decimal] = (),
) -> Decimal | None:
    """What a line's quantity (BT-129) at its net price (BT-146) per base quantity (BT-149, above
    zero) gives, plus its line charges (BT-141) less its line allowances (BT-136; one below zero
    taken as 0: it would raise the line), rounded to 2 decimals (PEPPOL-EN16931-R120); None when
    that is beyond any amount (nothing to bound the line by)."""
    try:
        with localcontext() as context:
            context.prec = 4 * MAX_AMOUNT_DIGITS
            value = (
                quantity * price / base_quantity
                + sum(charges, Decimal(0))
                - sum((max(a, Decimal(0)) for a in allowances), Decimal(0))
            )
            if not value.is_zero() and value.adjusted() >= MAX_AMOUNT_DIGITS:
                return None
            return _round(value)
    except ArithmeticError:  # decimal's InvalidOperation and Overflow: beyond any amount
        return None


def figures_due(
    by_totals: int | None,
    figures: StatedFigures | None,
    paid: TotalsFault | None = None,
) -> tuple[int | None, tuple[TotalsFault, ...]]:
    """What a reader keeps as ``DocumentFacts.amount_due_by_totals`` and ``totals_faults``:
    BR-CO-16's amount due (``by_totals``, ``totals.amount_due_by_totals``) or, when the file's
    own figures support less than it states (:func:`supported_amount_due`), the lesser of the
    two, with the rules broken. ``figures`` None (a credit note): ``by_totals`` as it is.
    ``paid``: the fault of a paid amount below zero (:func:`paid_fault`), first of the faults."""
    found = supported_amount_due(figures) if figures is not None else None
    given = (paid,) if paid is not None else ()
    if found is None:
        return by_totals, given
    supported, faults = found
    return (supported if by_totals is None else min(by_totals, supported)), (*given, *faults)


def paid_fault(
    due: Decimal,
    texts: tuple[str | None, str | None, str | None],
    currency: str,
    fields: tuple[str, str, str],
) -> TotalsFault | None:
    """The fault of a paid amount (BT-113) below zero that would raise a positive invoice's
    amount due above its total with VAT (``ledger.documents.totals.paid_below_zero``): counted
    as nothing, the amount due held to the total with VAT plus rounding. ``texts``: the total
    with VAT, paid and rounding amounts as the file writes them (``fields`` their elements),
    each an ``xs:decimal`` already checked by ``totals.amount_due_by_totals``; None when the
    paid amount is not below zero, or no total with VAT is stated (then the reader refuses)."""
    total, paid, _ = (
        parse_xml_decimal(t, f) if t is not None else None
        for t, f in zip(texts, fields, strict=True)
    )
    if total is None or paid is None or not paid_below_zero(total, paid, due):
        return None
    return TotalsFault(
        PAID_RULE,
        "BT-113 Paid amount",
        fields[1],
        _minor(paid, currency),
        0,
        "what was paid in advance is never less than nothing to a bank: a paid amount below "
        "zero raises the amount due (BT-115) above the invoice total with VAT (BT-112), as "
        "EN 16931 allows (BR-CO-16 adds up), so it is counted as",
    )


def supported_amount_due(figures: StatedFigures) -> tuple[int, tuple[TotalsFault, ...]] | None:
    """The amount due an invoice's own figures support (minor units, rounded half-up) and the
    rules it breaks, when that is less than the amount due it states (BT-115); None when it is
    not, or for a negative invoice (nothing is financed of it). A file without lines is checked
    for its rounding amount only: nothing else works its totals out (EN 16931 BR-16 requires a
    line; Factur-X MINIMUM and BASIC WL, and ZUGFeRD 1.0 free-text lines, state none)."""
    places = _PLACES.set(max(2, minor_unit_exponent(figures.currency)))
    try:
        with localcontext() as context:
            context.prec = 3 * MAX_AMOUNT_DIGITS  # exact: every figure is below 10^30
            return _supported(figures)
    except InvalidInput:
        return None  # an amount too large: the reader refuses it, naming its element
    finally:
        _PLACES.reset(places)


#: records a rule broken: (rule, term, stated, expected, basis)
Fault = Callable[[str, str, Decimal, Decimal, str], None]


def _collector(f: StatedFigures, faults: list[TotalsFault]) -> Fault:
    """A :data:`Fault` appending to ``faults`` (an EN 16931 rule id gets its standard's name)."""

    def fault(rule: str, term: str, stated: Decimal, expected: Decimal, basis: str) -> None:
        faults.append(
            TotalsFault(
                f"EN 16931 {rule}" if rule.startswith("BR-") else rule,
                term,
                f.field(term.split()[0]),
                _minor(stated, f.currency),
                _minor(expected, f.currency),
                basis,
            )
        )

    return fault


def _supported(f: StatedFigures) -> tuple[int, tuple[TotalsFault, ...]] | None:
    if f.due <= 0:  # a negative invoice (every total negative): nothing is financed of it
        return None
    faults: list[TotalsFault] = []
    fault = _collector(f, faults)

    if not f.lines:
        # nothing to work the totals out from (Factur-X MINIMUM and BASIC WL, a ZUGFeRD 1.0
        # file of free-text lines): its rounding amount bounded, its totals as stated
        return _unchecked(f)
    f = _priced_lines(f, fault)
    # BR-CO-10: the lines' net amounts
    lines_sum = _round(sum((line.amount for line in f.lines), Decimal(0)))
    if f.line_total is not None and f.line_total > lines_sum:
        fault(
            "BR-CO-10",
            "BT-106 Sum of Invoice line net amount",
            f.line_total,
            lines_sum,
            "the invoice lines' net amounts (BT-131) add up to",
        )
    allowances, charges = _allowances_and_charges(f, fault)
    # BR-CO-13: the total without VAT, from the stated totals (as the validators check it)
    if f.tax_exclusive is not None and f.line_total is not None:
        expected = _round(
            f.line_total - (f.allowance_total or Decimal(0)) + (f.charge_total or Decimal(0))
        )
        if f.tax_exclusive > expected:
            fault(
                "BR-CO-13",
                "BT-109 Invoice total amount without VAT",
                f.tax_exclusive,
                expected,
                "the line total (BT-106) less allowances (BT-107) plus charges (BT-108) gives",
            )
    net = _round(lines_sum - allowances + charges)
    vat = _vat(f, net, fault)
    # BR-CO-15, as the validators check it: from the stated totals
    if f.total_with_vat is not None and f.tax_exclusive is not None:
        expected = _round(f.tax_exclusive + (f.tax_total or Decimal(0)))
        if f.total_with_vat > expected:
            fault(
                "BR-CO-15",
                "BT-112 Invoice total amount with VAT",
                f.total_with_vat,
                expected,
                "the total without VAT (BT-109) plus the total VAT (BT-110) gives",
            )
    return _due_from(f, net + vat, faults, fault)


def _priced_lines(f: StatedFigures, fault: Fault) -> StatedFigures:
    """The figures with each line's net amount no more than its quantity at its price gives
    (:func:`priced`, within :data:`PRICE_SLACK`; tryout 54 raised a line ten times, its quantity
    and price kept, and its totals with it), and a line without its net price (BR-26) giving
    nothing (tryout 56 deleted the price to escape the rule)."""
    over: list[Taxed] = []
    unpriced: list[Taxed] = []
    lines: list[Taxed] = []
    for line in f.lines:  # a line without its price has no priced figure: one or the other
        if line.priced is not None and line.amount > line.priced + PRICE_SLACK:
            over.append(line)
            lines.append(replace(line, amount=line.priced))
        elif not line.price_stated and line.amount > 0:
            unpriced.append(line)
            lines.append(replace(line, amount=Decimal(0)))
        else:
            lines.append(line)
    if over:
        fault(
            PRICE_RULE,
            "BT-131 Invoice line net amount",
            _round(sum((line.amount for line in over), Decimal(0))),
            _round(sum((line.priced or Decimal(0) for line in over), Decimal(0))),
            f"{len(over)} line(s) (the first: line {over[0].position}) state more than their "
            "quantity (BT-129) at their net price (BT-146) per base quantity (BT-149), plus "
            "line charges less line allowances, which gives",
        )
    if unpriced:
        fault(
            "BR-26",
            "BT-131 Invoice line net amount",
            _round(sum((line.amount for line in unpriced), Decimal(0))),
            Decimal(0),
            f"{len(unpriced)} line(s) (the first: line {unpriced[0].position}) state no net "
            "price (BT-146), which every invoice line states, so their amounts are supported "
            "by nothing:",
        )
    return replace(f, lines=tuple(lines)) if over or unpriced else f


def _unchecked(f: StatedFigures) -> tuple[int, tuple[TotalsFault, ...]] | None:
    """A file without lines: its rounding amount bounded, nothing else checked."""
    if f.total_with_vat is None:
        return None
    faults: list[TotalsFault] = []
    return _due_from(f, f.total_with_vat, faults, _collector(f, faults))


def _due_from(
    f: StatedFigures,
    total_with_vat: Decimal,
    faults: list[TotalsFault],
    fault: Fault,
) -> tuple[int, tuple[TotalsFault, ...]] | None:
    """The amount due from a total with VAT worked out: less the paid amount, plus a rounding
    amount under the bound (a larger one is taken as 0); None when it is not less than what
    the file states."""
    rounding = f.rounding or Decimal(0)
    bound = Decimal(ROUNDING_BOUND_MINOR).scaleb(-minor_unit_exponent(f.currency))
    if rounding >= bound:
        fault(
            ROUNDING_RULE,
            "BT-114 Rounding amount",
            rounding,
            Decimal(0),
            f"a rounding amount rounds the amount due to a payable figure (less than {bound} "
            f"{f.currency}), so it is taken as",
        )
        rounding = Decimal(0)
    supported_minor = _minor(total_with_vat - (f.paid or Decimal(0)) + rounding, f.currency)
    if supported_minor >= _minor(f.due, f.currency):
        return None
    return supported_minor, tuple(faults)


def _allowances_and_charges(f: StatedFigures, fault: Fault) -> tuple[Decimal, Decimal]:
    """The document level allowances and charges the figures support (BR-CO-11, BR-CO-12): a
    charge without a VAT category (BR-37) is not counted, nor an allowance below zero (it
    would raise the amount due)."""
    allowances = _round(sum((max(a.amount, Decimal(0)) for a in f.allowances), Decimal(0)))
    charges = _round(sum((c.amount for c in f.charges if c.key is not None), Decimal(0)))
    if any(a.amount < 0 for a in f.allowances):
        fault(
            NEGATIVE_ALLOWANCE_RULE,
            "BT-92 Document level allowance amount",
            _round(sum((a.amount for a in f.allowances), Decimal(0))),
            allowances,
            "an allowance takes off the invoice; one below zero would raise it, so it is taken "
            "as 0 and the allowances add up to",
        )
    if any(c.key is None for c in f.charges):
        fault(
            "BR-37",
            "BT-99 Document level charge amount",
            _round(sum((c.amount for c in f.charges), Decimal(0))),
            charges,
            "a document level charge states its VAT category (BT-102); without one it is not "
            "counted, and the charges add up to",
        )
    if f.allowance_total is not None and f.allowance_total < allowances:
        fault(
            "BR-CO-11",
            "BT-107 Sum of allowances on document level",
            f.allowance_total,
            allowances,
            "the document level allowances (BT-92) add up to",
        )
    if f.charge_total is not None and f.charge_total > charges:
        fault(
            "BR-CO-12",
            "BT-108 Sum of charges on document level",
            f.charge_total,
            charges,
            "the document level charges (BT-99) add up to",
        )
    return allowances, charges


def _vat(f: StatedFigures, net: Decimal, fault: Fault) -> Decimal:
    """The VAT the figures support (BT-110 worked out), recording the rules broken: each VAT
    category's taxable amount no more than its lines, charges and allowances give (BR-S-08 and
    its siblings; a category no line states gives none), its tax no more than its rate gives
    within 1 (BR-CO-17), a rate above :data:`MAX_VAT_RATE` giving none; no VAT without a
    breakdown (BR-CO-18)."""
    if not f.breakdown:
        if f.tax_total is not None and f.tax_total > 0:
            fault(
                "BR-CO-18",
                "BT-110 Invoice total VAT amount",
                f.tax_total,
                Decimal(0),
                "an invoice states its VAT breakdown (BG-23); without one no VAT is supported: "
                "it gives",
            )
        return Decimal(0)
    stated_tax = _round(sum((b.tax for b in f.breakdown), Decimal(0)))
    if f.tax_total is not None and f.tax_total > stated_tax:
        fault(
            "BR-CO-14",
            "BT-110 Invoice total VAT amount",
            f.tax_total,
            stated_tax,
            "the VAT category tax amounts (BT-117) add up to",
        )
    unmoved: dict[VatKey, Decimal] = {}  # each base before allowances are moved
    if f.pooled and all(line.key is None for line in f.lines):
        # no line states a category (ZUGFeRD 1.0 BASIC): the net, the highest rate first
        bases = _pooled(f.breakdown, net)
    else:
        given, allowed = _lines_and_allowances(f)
        unmoved = {
            key: given.get(key, Decimal(0)) - allowed.get(key, Decimal(0))
            for key in given.keys() | allowed.keys()
        }
        bases = _place_allowances(given, allowed, {b.key for b in f.breakdown}, fault)
    counts = Counter(item.key for item in (*f.lines, *f.charges, *f.allowances))
    supported = Decimal(0)
    for key, group in _by_key(f.breakdown).items():
        taxable = _round(sum((b.taxable for b in group), Decimal(0)))
        tax = _round(sum((b.tax for b in group), Decimal(0)))
        where = f"VAT category {key.category or '(none)'} at {key.rate:f}%"
        expected_base = _round(bases.get(key, Decimal(0)))
        # a base lowered by an allowance moved into it (:func:`_place_allowances`) that the
        # file states as EN 16931 gives it: what follows is this gateway's rule, not the
        # standard's (a valid XRechnung was said to break BR-S-08 and BR-CO-17)
        ours = taxable <= _round(unmoved.get(key, expected_base))
        if taxable > expected_base:
            fault(
                ALLOWANCE_RULE if ours else category_rule(key.category, "08"),
                "BT-116 VAT category taxable amount",
                taxable,
                expected_base,
                f"the line net amounts, charges and allowances of {where}"
                + (", less the allowances taken off it," if ours else "")
                + " add up to",
            )
            taxable = expected_base
        else:
            ours = False
        if key.category in ZERO_RATE_CATEGORIES and tax > 0:
            fault(
                category_rule(key.category, "05"),
                "BT-117 VAT category tax amount",
                tax,
                Decimal(0),
                f"{where}: category {key.category} carries no VAT (its rate is 0), so none of it "
                "is supported: it gives",
            )
            continue
        if key.rate > MAX_VAT_RATE and tax > 0:
            fault(
                RATE_RULE,
                "BT-117 VAT category tax amount",
                tax,
                Decimal(0),
                f"{where} is above {MAX_VAT_RATE}%, more than any VAT rate in force (the "
                "EU's highest is 27%), so none of it is supported: it gives",
            )
            continue
        cap = _round(taxable * key.rate / 100)
        if tax > cap + _tolerance(taxable, counts.get(key, len(f.lines))):
            fault(
                ALLOWANCE_RULE if ours else "BR-CO-17",
                "BT-117 VAT category tax amount",
                tax,
                cap,
                f"its taxable amount (BT-116) at its rate (BT-119) gives, for {where},",
            )
            tax = cap
        supported += tax
    return supported


def _tolerance(taxable: Decimal, items: int) -> Decimal:
    """How much a VAT category's tax (BT-117) may differ from its taxable amount at its rate:
    what rounding may add, at most the validators' 1 (BR-CO-17). A category taxing a unit or
    more (either sign: a category of returns is below zero) may have each of its ``items``
    (lines, allowances, charges) rounded to a whole unit apart — half a unit each: JPY, KRW,
    and HUF invoices round each line's tax to whole units (tryout 58: two lines of 199 and 299
    JPY against 497.2) —; a smaller one a minor unit an item; one with nothing to tax, nothing.
    A flat 1 per category let 400 made-up categories of nothing, then 1,000 of 0.01 each, add
    1.00 each (tryouts 56, 57)."""
    if taxable == 0:
        return Decimal(0)
    if abs(taxable) >= 1:
        return min(TAX_TOLERANCE, Decimal("0.5") * max(items, 1))
    return min(TAX_TOLERANCE, Decimal(1).scaleb(-_PLACES.get()) * max(items, 1))


def _lines_and_allowances(
    f: StatedFigures,
) -> tuple[dict[VatKey, Decimal], dict[VatKey, Decimal]]:
    """By VAT category (BR-S-08 and its siblings): what its lines and charges give (one without
    a category gives none), and what its allowances take (an allowance below zero taken as 0;
    one without a category under :data:`NO_CATEGORY`, placed by :func:`_place_allowances`)."""
    given: dict[VatKey, Decimal] = defaultdict(Decimal)
    allowed: dict[VatKey, Decimal] = defaultdict(Decimal)
    for item in (*f.lines, *f.charges):
        if item.key is not None:
            given[item.key] += item.amount
    for allowance in f.allowances:
        allowed[allowance.key or NO_CATEGORY] += max(allowance.amount, Decimal(0))
    return dict(given), dict(allowed)


def _pooled(breakdown: Iterable[Breakdown], net: Decimal) -> dict[VatKey, Decimal]:
    """The net amount (lines less allowances plus charges) shared out over the breakdown's
    categories, the highest rate first, each up to the taxable amount it states: together they
    tax no more than the invoice's net (tryout 55 raised a ZUGFeRD 1.0 breakdown's base ten
    times over its lines)."""
    left = max(net, Decimal(0))
    shares: dict[VatKey, Decimal] = {}
    for key, group in sorted(_by_key(breakdown).items(), key=lambda kv: kv[0].rate, reverse=True):
        stated = _round(sum((b.taxable for b in group), Decimal(0)))
        shares[key] = min(max(stated, Decimal(0)), left)
        left -= shares[key]
    return shares


def _place_allowances(
    given: dict[VatKey, Decimal],
    allowed: dict[VatKey, Decimal],
    stated: set[VatKey],
    fault: Fault,
) -> dict[VatKey, Decimal]:
    """Each category's taxable amount by its lines, charges and allowances (``given`` less
    ``allowed``, :func:`_lines_and_allowances`), with what allowances take beyond their own
    category's lines (an allowance without a category, BR-32, or more allowances than lines in
    a category: a base below zero) taken off the breakdown's (``stated``) categories, the
    highest rate first: an allowance moved out of its category raised that category's VAT
    (tryouts 55 and 56)."""
    bases = {
        key: given.get(key, Decimal(0)) - allowed.get(key, Decimal(0))
        for key in given.keys() | allowed.keys()
    }
    # outside the breakdown's categories, and within them what allowances take beyond the
    # category's own lines and charges (an allowance moved into a 0% category no line is of,
    # with a breakdown of its own: tryout 56) — a category's lines may be below zero (returns)
    beyond = {
        key: max(taken - max(given.get(key, Decimal(0)), Decimal(0)), Decimal(0))
        for key, taken in allowed.items()
    }
    outside = {key: -base for key, base in bases.items() if key not in stated and base < 0}
    uncategorised = sum(outside.values(), Decimal(0))
    beyond_lines = sum((v for k, v in beyond.items() if k in stated), Decimal(0))
    unplaced = uncategorised + beyond_lines
    if unplaced <= 0:
        return bases
    placed = {
        key: (base + beyond.get(key, Decimal(0)) if key in stated else max(base, Decimal(0)))
        for key, base in bases.items()
    }
    left = unplaced
    for key in sorted(stated, key=lambda k: (k.rate, k), reverse=True):  # one order, ties too
        take = min(left, max(placed.get(key, Decimal(0)), Decimal(0)))
        placed[key] = placed.get(key, Decimal(0)) - take
        left -= take
    if uncategorised > 0:
        fault(
            "BR-32",
            "BT-92 Document level allowance amount",
            uncategorised,
            Decimal(0),
            "an allowance states a VAT category of the invoice's VAT breakdown (BT-95); outside "
            "them it is taken off the highest rate's taxable amount, and what is left outside is",
        )
    if beyond_lines > 0:
        fault(
            ALLOWANCE_RULE,
            "BT-92 Document level allowance amount",
            beyond_lines,
            Decimal(0),
            "an allowance of a VAT category beyond what the invoice's lines and charges of that "
            "category give (one of a category no line is of: EN 16931 allows it, as an exempt "
            "retention is stated) would leave the VAT of a higher rate untouched, so it is "
            "taken off the highest rate's taxable amount (tryout 56 raised a 19% category's "
            "VAT so); what is left beyond them is",
        )
    return placed


def _by_key(breakdown: Iterable[Breakdown]) -> dict[VatKey, list[Breakdown]]:
    grouped: dict[VatKey, list[Breakdown]] = defaultdict(list)
    for b in breakdown:
        grouped[b.key].append(b)
    return dict(sorted(grouped.items()))


def _round(value: Decimal) -> Decimal:
    """Rounded half up to 2 decimals — the validators' ``round(x * 100) div 100`` — or to the
    invoice currency's minor unit when it has more (:data:`_PLACES`: 3 for BHD, KWD, OMR, JOD,
    TND; rounded to 2, an honest 10.124 BHD line read as 10.120, tryout 57)."""
    return value.quantize(Decimal(1).scaleb(-_PLACES.get()), rounding=ROUND_HALF_UP)


def _minor(value: Decimal, currency: str) -> int:
    return to_minor_units(value, currency, "amount")
