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

Two kinds of format character (``Cf``) fall under the same rule:

* the bidirectional embeddings, overrides and isolates (``U+202A``–``U+202E``,
  ``U+2066``–``U+2069``) show a text in another order than it is stored and compared
  (`Trojan Source`, CVE-2021-42574): ``INV-\u202e123`` reads ``INV-321``. Refused wherever a
  control character is. (The marks ``U+200E``/``U+200F`` change no order and stay.)
* a value made only of characters that show nothing (a zero-width space, a byte-order mark,
  a word joiner, a soft hyphen…) is empty to every reader: an attestation's evidence ``\u200b``
  vouched for nothing and was accepted. Refused as such. Inside a value they are kept as
  written, and removed before a fingerprint is made (``ledger.documents.normalise``).
"""

from __future__ import annotations

import unicodedata

from ledger.errors import InvalidInput

__all__ = [
    "BIDI_CONTROLS",
    "BIDI_RULE",
    "CONTROL_RULE",
    "FILENAME_LENGTH_RULE",
    "FILENAME_LIMIT",
    "FILENAME_RULE",
    "INVISIBLE_RULE",
    "LAYOUT",
    "filename_too_long",
    "first_control",
    "refuse_control",
    "refuse_control_in_filename",
    "shows_nothing",
]

#: whitespace XML uses for layout (the only C0 characters XML 1.0 allows)
LAYOUT = frozenset("\t\n\r")

CONTROL_RULE = (
    "must not contain a control character (U+{point:04X}): an identifier is compared and shown "
    "as written, and a control character is invisible in every message and list"
)


#: embeddings, overrides and isolates: they reorder what a reader sees (the Bidi_Control
#: characters other than the marks LRM, RLM and ALM, which reorder nothing)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

BIDI_RULE = (
    "must not contain a bidirectional control (U+{point:04X}): it shows the text in another "
    "order than it is stored and compared"
)

INVISIBLE_RULE = (
    "must not be made only of characters that show nothing (U+{point:04X}): to every reader it "
    "is empty"
)


def shows_nothing(text: str) -> bool:
    """Whether ``text`` holds something, all of it invisible: format characters (``Cf``) and
    control characters, with or without white space (white space alone is an empty value,
    which each field's own rule decides on)."""
    if not text.strip():
        return False
    return all(c.isspace() or unicodedata.category(c) in ("Cf", "Cc") for c in text)


def first_control(text: str, *, allow_layout: bool = False) -> str | None:
    """The first control character (category ``Cc``) in ``text``, else ``None``;
    ``allow_layout``: tab, line feed and carriage return are not counted."""
    for c in text:
        if unicodedata.category(c) == "Cc" and not (allow_layout and c in LAYOUT):
            return c
    return None


def refuse_control(text: str | None, field: str, *, allow_layout: bool = False) -> None:
    """InvalidInput naming ``field`` (and the ``character``, ``U+XXXX``) when ``text`` holds a
    control character or a bidirectional control, or is made only of invisible characters."""
    if text is None:
        return
    found = first_control(text, allow_layout=allow_layout)
    if found is not None:
        point = ord(found)
        raise InvalidInput(field, CONTROL_RULE.format(point=point), character=f"U+{point:04X}")
    bidi = next((c for c in text if c in BIDI_CONTROLS), None)
    if bidi is not None:
        point = ord(bidi)
        raise InvalidInput(field, BIDI_RULE.format(point=point), character=f"U+{point:04X}")
    if shows_nothing(text):
        point = ord(next(c for c in text if not c.isspace()))
        raise InvalidInput(field, INVISIBLE_RULE.format(point=point), character=f"U+{point:04X}")


FILENAME_RULE = (
    "its filename must not contain a control character (U+{point:04X}): a filename is kept and "
    "shown in lists and messages, where a control character is invisible or acts on the "
    "reader's terminal; rename the file"
)


#: the longest filename an upload may carry, in characters (a file system's NAME_MAX, 255)
FILENAME_LIMIT = 255
FILENAME_LENGTH_RULE = (
    "its filename must be at most {limit} characters (it has {length}): a filename is kept and "
    "shown in lists and messages; rename the file"
)


def filename_too_long(field: str, length: int | None = None) -> InvalidInput:
    """The 422 of an upload ``field`` whose filename is longer than :data:`FILENAME_LIMIT`
    (``length`` characters; None: too long for the form parser to read at all, past the 4,224
    bytes it reads of a part's header), naming the field, the ``limit`` and the ``length`` —
    never the name itself."""
    if length is None:
        rule = (
            f"its filename must be at most {FILENAME_LIMIT} characters (its part's header was "
            "longer than the 4,224 bytes a part's header may have): rename the file"
        )
        return InvalidInput(field, rule, limit=FILENAME_LIMIT)
    rule = FILENAME_LENGTH_RULE.format(limit=FILENAME_LIMIT, length=length)
    return InvalidInput(field, rule, limit=FILENAME_LIMIT, length=length)


def refuse_control_in_filename(filename: str | None, field: str) -> None:
    """InvalidInput naming ``field`` (the upload: ``file``, ``files[2]``) with the ``filename``
    and the ``character`` when the file's name holds a control character (``Cc``, tab and line
    breaks included: a filename is one line) or a bidirectional control, or — naming the
    ``limit`` and the ``length`` — when it is longer than :data:`FILENAME_LIMIT` characters.
    Checked before the file is read, so nothing is lodged or registered."""
    if filename is None:
        return
    if len(filename) > FILENAME_LIMIT:
        raise filename_too_long(field, len(filename))
    found = first_control(filename) or next((c for c in filename if c in BIDI_CONTROLS), None)
    if found is not None:
        point = ord(found)
        raise InvalidInput(
            field,
            FILENAME_RULE.format(point=point),
            character=f"U+{point:04X}",
            filename=filename.encode("unicode_escape").decode("ascii"),
        )
