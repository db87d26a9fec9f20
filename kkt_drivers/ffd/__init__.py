"""ФФД data: TLV value types, tag tables (FFD 1.05 / 1.2) and fiscal documents.

Layers, each in its own module:

* :mod:`~kkt_drivers.ffd.values` — codecs of the value types (BYTE, UINT16, UINT32, VLN, FVLN,
  UNIXTIME, STRING in CP866, BYTE[]);
* :mod:`~kkt_drivers.ffd.tags` — the tag table (:class:`TagInfo`), document types and enumerations;
* :mod:`~kkt_drivers.ffd.tlv` — TLV/STLV framing (:func:`encode_tlv`, :func:`decode_tlv`);
* :mod:`~kkt_drivers.ffd.documents` — typed documents (:func:`decode_document`), the FNS JSON view
  (:func:`to_fns_json`) and the mandatory-requisite check (:func:`missing_mandatory`);
* :mod:`~kkt_drivers.ffd.qr` — the receipt QR string;
* :mod:`~kkt_drivers.ffd.vat` — VAT in a sum and the receipt-level VAT requisites by FFD version and
  document date (22 % from 2026, 1115/1119/1120);
* :mod:`~kkt_drivers.ffd.marking` — reading a scanned marking code (2100 type, GS1 91/92 offsets, 1163).

Errors derive from :class:`FfdError` (itself a :class:`kkt_drivers.errors.KktError`).
"""

from __future__ import annotations

from .doctypes import DocumentType
from .documents import (
    Field,
    FiscalDocument,
    decode_document,
    encode_document,
    mandatory_item_tags,
    mandatory_tags,
    missing_mandatory,
    missing_mandatory_in_items,
    to_fns_json,
)
from .enums import (
    AgentType,
    CorrectionType,
    FfdVersion,
    OfdResponseCode,
    OperationType,
    PaymentMethod,
    PaymentSubject,
    QuantityMeasure,
    ReregistrationReason,
    TaxationSystem,
    UsageConditions,
    VatRate,
)
from .errors import (
    FfdDecodeError,
    FfdEncodeError,
    FfdError,
    LengthLimitError,
    MalformedValueError,
    NestingTooDeep,
    QrCodeError,
    TagVersionError,
    TextEncodingError,
    TruncatedError,
    UnknownDocumentType,
    ValueRangeError,
    ValueTypeMismatch,
)
from .qr import ReceiptQr, build_qr, parse_qr, qr_from_document
from .tags import TAGS, TagInfo, info_for, tag_info
from .tlv import Tlv, decode_one, decode_tlv, encode_tlv, encode_tlvs
from .values import ValueType, fiscal_sign_bytes, fiscal_sign_number

__all__ = [
    "TAGS",
    "AgentType",
    "CorrectionType",
    "DocumentType",
    "FfdDecodeError",
    "FfdEncodeError",
    "FfdError",
    "FfdVersion",
    "Field",
    "FiscalDocument",
    "LengthLimitError",
    "MalformedValueError",
    "NestingTooDeep",
    "OfdResponseCode",
    "OperationType",
    "PaymentMethod",
    "PaymentSubject",
    "QrCodeError",
    "QuantityMeasure",
    "ReceiptQr",
    "ReregistrationReason",
    "TagInfo",
    "TagVersionError",
    "TaxationSystem",
    "TextEncodingError",
    "Tlv",
    "TruncatedError",
    "UnknownDocumentType",
    "UsageConditions",
    "ValueRangeError",
    "ValueType",
    "ValueTypeMismatch",
    "VatRate",
    "build_qr",
    "decode_document",
    "decode_one",
    "decode_tlv",
    "encode_document",
    "encode_tlv",
    "encode_tlvs",
    "fiscal_sign_bytes",
    "fiscal_sign_number",
    "info_for",
    "mandatory_item_tags",
    "mandatory_tags",
    "missing_mandatory",
    "missing_mandatory_in_items",
    "parse_qr",
    "qr_from_document",
    "tag_info",
    "to_fns_json",
]
