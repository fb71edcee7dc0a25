"""The contract's enums as Python enums (values must match ``contracts/ITradeLedger.sol``)."""

from __future__ import annotations

from enum import IntEnum

from ledger.errors import InvalidInput


class Role(IntEnum):
    NONE = 0
    ADMIN = 1
    BANK = 2
    ENTERPRISE = 3
    REGULATOR = 4
    ATTESTOR = 5

    @classmethod
    def parse(cls, text: str, field: str = "role") -> Role:
        try:
            role = cls[text.strip().upper()]
        except KeyError:
            role = cls.NONE
        if role is cls.NONE:
            allowed = ", ".join(r.name.lower() for r in cls if r is not cls.NONE)
            raise InvalidInput(field, f"must be one of {allowed}", value=text)
        return role


class DocType(IntEnum):
    NONE = 0
    INVOICE = 1
    BILL_OF_LADING = 2
    WAREHOUSE_RECEIPT = 3
    CUSTOMS_DECLARATION = 4
    PURCHASE_ORDER = 5
    CERTIFICATE_OF_ORIGIN = 6
    CONTRACT = 7
    OTHER = 8

    @classmethod
    def parse(cls, text: str, field: str = "doc_type") -> DocType:
        try:
            value = cls[text.strip().upper()]
        except KeyError:
            value = cls.NONE
        if value is cls.NONE:
            allowed = ", ".join(r.name.lower() for r in cls if r is not cls.NONE)
            raise InvalidInput(field, f"must be one of {allowed}", value=text)
        return value


class DocStatus(IntEnum):
    NONE = 0
    ACTIVE = 1
    REVOKED = 2
    SUPERSEDED = 3


class FinancingKind(IntEnum):
    NONE = 0
    INVOICE_FINANCING = 1
    FACTORING = 2
    PRE_SHIPMENT = 3
    WAREHOUSE_RECEIPT_PLEDGE = 4
    OTHER = 5


class FinancingStatus(IntEnum):
    NONE = 0
    ACTIVE = 1
    CLOSED = 2
    CANCELLED = 3


class RefusalReason(IntEnum):
    NONE = 0
    DOCUMENT_NOT_REGISTERED = 1
    DOCUMENT_REVOKED = 2
    DOCUMENT_SUPERSEDED = 3
    CURRENCY_MISMATCH = 4
    FACE_VALUE_MISMATCH = 5
    EXCEEDS_FACE_VALUE = 6
    FINGERPRINT_PLEDGED = 7
