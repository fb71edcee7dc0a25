"""No control character in an identifier.

A document number, a party's name or identifier, an invoice or order reference, a financing's
reference, a member's legal id or a search criterion is read, compared and shown as text. A
control character (Unicode category ``Cc``: C0 ``U+0000``–``U+001F``, DEL ``U+007F``, C1
``U+0080``–``U+009F``) in one is invisible in every message, list and export, cuts C strings
(NUL) and makes two numbers that read the same different. The gateway's rule:

* an identifier the gateway *registers* or is *sent* holds none: refused with a 422
  (:class:`ledger.errors.InvalidInput`) naming the field and the character
  (:func:`refuse_control`);
* in XML (UBL, CII, Factur-X) a tab, line feed or carriage return is layout, not content
  (XML 1.0 allows no other C0 character at all): there they are kept and read as a separator
  (``allow_layout=True``); a JSON form's fields and a request's fields are one line each and
  take none;
* free text the gateway does not key on (an invoice's notes, a line's description) is not an
  identifier: never refused;
* reading a file to verify, check or receive it is unchanged, so a document registered before
  this rule stays verifiable.
"""

from __future__ import annotations

import unicodedata

from ledger.errors import InvalidInput

__all__ = ["CONTROL_RULE", "LAYOUT", "first_control", "refuse_control"]

#: whitespace XML uses for layout (the only C0 characters XML 1.0 allows)
LAYOUT = frozenset("\t\n\r")

CONTROL_RULE = (
    "must not contain a control character (U+{point:04X}): an identifier is compared and shown "
    "as written, and a control character is invisible in every message and list"
)


def first_control(text: str, *, allow_layout: bool = False) -> str | None:
    """The first control character (category ``Cc``) in ``text``, else ``None``;
    ``allow_layout``: tab, line feed and carriage return are not counted."""
    for c in text:
        if unicodedata.category(c) == "Cc" and not (allow_layout and c in LAYOUT):
            return c
    return None


def refuse_control(text: str | None, field: str, *, allow_layout: bool = False) -> None:
    """InvalidInput naming ``field`` when ``text`` holds a control character."""
    if text is None:
        return
    found = first_control(text, allow_layout=allow_layout)
    if found is not None:
        point = ord(found)
        raise InvalidInput(field, CONTROL_RULE.format(point=point), character=f"U+{point:04X}")
