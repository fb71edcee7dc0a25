"""One invoice line (EN 16931 BG-25) read from UBL or CII: the item, quantity and net amount.

Lines are not key facts: they feed only the re-issue and split suspicions (``suspicion.py``).
They used to be dropped, every line of the invoice, when one could not be read, and the file
registered without a word: a tryout of 2026-12-06 wrote one quantity as ``1E3`` (or ``abc``)
and its re-issue, under a prepayment and a new number and date, escaped a bank's check and the
regulator's comparison. A line the file states is now read whole or the file is refused, naming
the line, the element, the business term and the rule (EN 16931 BR-21..BR-26: every line has an
item name, an invoiced quantity and a net amount; UBL and CII write numbers as ``xs:decimal``),
as is a quantity longer than 200 characters once normalised (it used to drop the lines too).

A line that states none of the three (a ZUGFeRD 1.0 free-text line, a note between lines)
carries no money and is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import DocumentFormatError, InvalidInput

from .facts import Line
from .normalise import (
    MAX_IDENTIFIER_LENGTH,
    cite,
    clean_text,
    parse_xml_decimal,
    plain_decimal,
    term_id,
    to_minor_units,
)

#: the invoiced quantity's EN 16931 term
QUANTITY_TERM = "BT-129 Invoiced quantity"
#: the line net amount's EN 16931 term
AMOUNT_TERM = "BT-131 Invoice line net amount"


@dataclass(frozen=True)
class LineFields:
    """How a format names a line and its three parts, for the error that refuses one."""

    #: the line element, e.g. ``cac:InvoiceLine``
    line: str
    #: the invoiced quantity's element, e.g. ``cbc:InvoicedQuantity``
    quantity: str
    #: the line net amount's element, e.g. ``cbc:LineExtensionAmount``
    amount: str
    #: the item name's element, e.g. ``cac:Item/cbc:Name``
    item: str
    #: the format, for the rule's words, e.g. ``UBL 2.1 Invoice``
    format_name: str


def read_line(
    position: int,
    item: str | None,
    quantity: str | None,
    amount: str | None,
    currency: str,
    fields: LineFields,
) -> Line | None:
    """The ``position``-th line (1-based) from its texts as written, or ``None`` for a line that
    states none of them (nothing to compare).

    Raises DocumentFormatError naming ``<line>[<position>]/<element>``, the business term and
    the rule when the item name (BT-153, BR-25), the quantity (BT-129, BR-22) or the net amount
    (BT-131, BR-24) is missing, or a number is not an ``xs:decimal`` (or, the amount, beyond what
    can be stated in ``currency``)."""
    if item is None and quantity is None and amount is None:
        return None
    where = f"line {position} of the {fields.format_name}"

    def required(text: str | None, element: str, term: str, rule: str) -> str:
        if text is None:
            raise DocumentFormatError(
                f"{fields.line}[{position}]/{element}",
                f"required in every invoice line ({term}, EN 16931 {rule}; {where})",
                line=position,
            )
        return text

    item = required(item, fields.item, "BT-153 Item name", "BR-25")
    quantity = required(quantity, fields.quantity, QUANTITY_TERM, "BR-22")
    amount = required(amount, fields.amount, AMOUNT_TERM, "BR-24")

    def refused(element: str, term: str, rule: str, written: str) -> DocumentFormatError:
        return DocumentFormatError(
            f"{fields.line}[{position}]/{element}",
            f"{rule} ({term}; {where})",
            line=position,
            value=written.strip(),
        )

    try:
        read_quantity = plain_decimal(parse_xml_decimal(quantity, "quantity"))
    except InvalidInput as exc:
        raise refused(fields.quantity, QUANTITY_TERM, exc.rule, quantity) from None
    try:
        amount_minor = to_minor_units(
            parse_xml_decimal(amount, "amount"), currency, "amount", written=amount.strip()
        )
    except InvalidInput as exc:
        raise refused(fields.amount, AMOUNT_TERM, exc.rule, amount) from None
    if len(read_quantity) > MAX_IDENTIFIER_LENGTH:  # no real quantity is that long
        raise DocumentFormatError(
            f"{fields.line}[{position}]/{fields.quantity}",
            f"longer than {MAX_IDENTIFIER_LENGTH} characters once normalised "
            f"({cite(QUANTITY_TERM)}; {where})",
            line=position,
            term=term_id(QUANTITY_TERM),
            limit=MAX_IDENTIFIER_LENGTH,
            length=len(read_quantity),
        )
    return Line(clean_text(item).upper(), read_quantity, amount_minor)


def read_lines(lines: list[Line | None]) -> tuple[Line, ...] | None:
    """The lines read, free-text lines left out, or ``None`` when the file states none."""
    return tuple(line for line in lines if line is not None) or None
