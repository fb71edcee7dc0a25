"""Which XML roots hold an invoice, and the envelopes around one.

A Peppol access point delivers a document inside a Standard Business Document (UN/CEFACT SBDH,
``StandardBusinessDocument``): a header naming sender, receiver and document type, then the
business document itself as the next element. The reader looks through the envelope and reads
the invoice inside; the document hash stays the hash of the file as received.
"""

from __future__ import annotations

from lxml import etree

from ledger.errors import DocumentFormatError
from ledger.fieldnames import FILE

from .cii import RSM, ZF1_RSM, is_cii
from .ubl import UBL_CREDIT_NOTE_NS, UBL_INVOICE_NS, is_ubl
from .xmlsafe import local_name, namespace

SBDH_NS = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
#: the namespaces whose presence means "this XML claims to be an invoice"
INVOICE_NAMESPACES = (UBL_INVOICE_NS, UBL_CREDIT_NOTE_NS, RSM, ZF1_RSM)
#: what the readers accept, for error messages
ACCEPTED = (
    "a UBL 2.1 Invoice or CreditNote, a CII D16B rsm:CrossIndustryInvoice (Factur-X, ZUGFeRD 2, "
    "XRechnung) or a ZUGFeRD 1.0 rsm:CrossIndustryDocument, bare or in an SBDH envelope"
)


def is_sbdh(root: etree._Element) -> bool:
    """Whether ``root`` is a Standard Business Document envelope."""
    return local_name(root) == "StandardBusinessDocument" and namespace(root) == SBDH_NS


def unwrap(root: etree._Element, field: str = FILE) -> etree._Element:
    """The business document inside an SBDH envelope (the one element after the header), or
    ``root`` itself when it is not an envelope. Raises ``DocumentFormatError`` for an envelope
    with no document, or with more than one (the SBDH schema allows one: a tryout's envelope
    with two invoices was read as the first, and the second, which another reader could take,
    was never looked at)."""
    if not is_sbdh(root):
        return root
    documents = [
        child
        for child in root
        if isinstance(child.tag, str) and local_name(child) != "StandardBusinessDocumentHeader"
    ]
    if len(documents) > 1:
        raise DocumentFormatError(
            field,
            f"the StandardBusinessDocument envelope carries {len(documents)} documents "
            f"({', '.join(describe(d) for d in documents)}): it carries one; which of them "
            "is the document cannot be told",
        )
    if documents:
        return documents[0]
    raise DocumentFormatError(field, "the StandardBusinessDocument envelope carries no document")


def is_invoice_root(root: etree._Element) -> bool:
    """Whether ``root`` (already unwrapped) is an invoice the readers read."""
    return is_ubl(root) or is_cii(root)


def describe(root: etree._Element) -> str:
    """``{namespace}localname`` of a root, for error messages."""
    ns = namespace(root)
    return f"{{{ns}}}{local_name(root)}" if ns else local_name(root)
