"""Whole fiscal documents: decode a document STLV into a typed :class:`FiscalDocument` and back.

The FNS JSON view (:func:`to_fns_json`) and the mandatory-requisite check
(:func:`mandatory_tags`, :func:`missing_mandatory`) live in their own modules and are re-exported here.
"""

from __future__ import annotations

from .doctypes import document_type
from .enums import FfdVersion
from .errors import FfdDecodeError, UnknownDocumentType
from .fns_json import to_fns_json
from .mandatory import mandatory_item_tags, mandatory_tags, missing_mandatory, missing_mandatory_in_items
from .model import Field, FieldValue, FiscalDocument
from .tlv import MAX_DEPTH, FfdLabel, decode_one, encode_tlv

__all__ = [
    "Field",
    "FieldValue",
    "FiscalDocument",
    "decode_document",
    "encode_document",
    "mandatory_item_tags",
    "mandatory_tags",
    "missing_mandatory",
    "missing_mandatory_in_items",
    "to_fns_json",
]


def decode_document(data: bytes, *, max_depth: int = MAX_DEPTH) -> FiscalDocument:
    """Decode one document STLV (tag = document type code) with nothing after it.

    Bytes that follow the document in an OFD container (the ФН-appended trailer) must be cut off
    by the caller. Raises :class:`~kkt_drivers.ffd.errors.FfdDecodeError` on malformed input and
    :class:`~kkt_drivers.ffd.errors.UnknownDocumentType` when the outer tag is not a document code.
    """
    if len(data) >= 2:
        code = int.from_bytes(bytes(data[:2]), "little")
        if document_type(code) is None:
            raise UnknownDocumentType(f"tag {code} is not a fiscal document type code",
                                      message_ru=f"реквизит {code} не является кодом типа фискального документа")
    tlv = decode_one(data, max_depth=max_depth)
    doc = document_type(tlv.tag)
    if doc is None or not isinstance(tlv.value, tuple):  # pragma: no cover - guarded above
        raise FfdDecodeError(f"tag {tlv.tag} is not a fiscal document",
                             message_ru=f"реквизит {tlv.tag} не является фискальным документом")
    return FiscalDocument(doc, tuple(Field.from_tlv(child) for child in tlv.value))


def _encoding_profile(version: FfdVersion | None) -> tuple[FfdLabel, bool]:
    """Which FFD label to check lengths against, and whether to check tag membership strictly."""
    if version is FfdVersion.V1_2:
        return "1.2", True
    if version is FfdVersion.V1_05:
        return "1.05", True
    if version is FfdVersion.V1_1:
        return "1.2", False
    return "1.05", False  # FFD 1.0, or no 1209


def encode_document(doc: FiscalDocument, ffd: FfdLabel | None = None) -> bytes:
    """Encode a document back to its STLV bytes.

    ``ffd`` defaults to the document's own version (1209). FFD 1.05 and 1.2 documents are checked
    strictly against that version's tag set; 1.0 and 1.1 documents are encoded with the nearest
    version's length limits and without the tag-membership check.
    """
    if ffd is not None:
        label, strict = ffd, True
    else:
        label, strict = _encoding_profile(doc.ffd_version)
    tlv = doc.to_tlv()
    return encode_tlv(tlv.tag, tlv.value, label, check_version=strict)
