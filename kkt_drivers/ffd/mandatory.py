"""Mandatory requisites (обязательные реквизиты) per document type and FFD version (research §1.6).

The lists are the "M" (mandatory) cells of the FFD tables of Приказ ФНС ЕД-7-20/662@ as
transcribed by a third-party library and cross-checked against the YOFD JSON schemas — confidence
M; the FNS PDF itself was not available. Conditionally mandatory ("±") requisites are not listed.

Each requisite carries its form: printed only (P), electronic only (E) or both. A document decoded
from the ФН or the OFD is the electronic form, so :func:`mandatory_tags` defaults to
``form="electronic"``, which leaves out print-only requisites such as 1000 and 1196. The fiscal
sign of the message (ФПС) is not a TLV and is never listed.

Known gaps: only FFD 1.05 and 1.2 are covered (not 1.0/1.1); the marking documents 81–84 have no
table. The research also notes that 1212/1214 in FFD 1.2 items, and 1055 in receipts with several
tax systems, are treated as required in practice although the tables say optional — they are not
added here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

from .doctypes import DocumentType
from .enums import FfdVersion
from .errors import FfdError
from .model import FiscalDocument

Form = Literal["electronic", "printed"]
_Label = Literal["1.05", "1.2"]

_D = DocumentType

# "1000P" = printed form only, "1209E" = electronic form only, bare number = both forms.
_SPEC: Final[dict[tuple[_D, _Label], str]] = {}


def _put(docs: tuple[_D, ...], label: _Label, spec: str) -> None:
    for doc in docs:
        _SPEC[doc, label] = spec


_REG_105 = "1000P 1209E 1048 1018 1012 1037 1002 1221 1110 1056 1001 1108 1013 1021 1009 1187 1188 1189 1040 1041 1077"
_REG_12 = "1000P 1209E 1048 1018 1012 1037 1002 1056 1001 1290 1013 1021 1009 1187 1188 1189 1190 1213 1040 1041 1077"
_put((_D.REGISTRATION, _D.REREGISTRATION), "1.05", _REG_105)  # Табл.15/16 (1101 is conditional)
_put((_D.REGISTRATION,), "1.2", _REG_12)  # Табл.87
_put((_D.REREGISTRATION,), "1.2", _REG_12 + " 1205")  # Табл.88
_OPEN = "1000P 1209E 1048P 1018 1009P 1187P 1012 1038 1037 1188 1189 1040 1041 1077"
_put((_D.OPEN_SHIFT,), "1.05", _OPEN)  # Табл.18
_put((_D.OPEN_SHIFT,), "1.2", _OPEN)  # Табл.94
_CLOSE = "1000P 1209E 1048P 1018 1012 1038 1037 1118 1111 1040 1041 1077"
_put((_D.CLOSE_SHIFT,), "1.05", _CLOSE)  # Табл.30
_put((_D.CLOSE_SHIFT,), "1.2", _CLOSE + " 1009P 1187P 1194 1157 1213")  # Табл.123
_STATE = "1000P 1209E 1048P 1018 1009P 1187P 1012 1037 1040 1041 1077"
_put((_D.CURRENT_STATE,), "1.05", _STATE)  # Табл.19
_put((_D.CURRENT_STATE,), "1.2", _STATE + " 1213 1157")  # Табл.95
_RECEIPT = "1000P 1209E 1042E 1012 1038E 1054 1037 1059 1020 1040 1041 1077 1196P"
_put((_D.RECEIPT, _D.BSO), "1.05", _RECEIPT)  # Табл.20
_put((_D.RECEIPT, _D.BSO), "1.2", _RECEIPT + " 1009 1187")  # Табл.96
_CORRECTION = "1000P 1209E 1042E 1012 1038E 1054 1037 1174 1020 1040 1041 1077"
_put((_D.CORRECTION_RECEIPT, _D.BSO_CORRECTION), "1.05", _CORRECTION)  # Табл.27
_put((_D.CORRECTION_RECEIPT, _D.BSO_CORRECTION), "1.2", _CORRECTION + " 1009 1187 1059")  # Табл.120
_CLOSE_FN = "1000P 1209E 1048 1018 1012 1038 1037 1040 1041 1077"
_put((_D.CLOSE_FN,), "1.05", _CLOSE_FN)  # Табл.31
_put((_D.CLOSE_FN,), "1.2", _CLOSE_FN + " 1157 1009 1187")  # Табл.124
_put((_D.OPERATOR_CONFIRMATION,), "1.05", "1000P 1017 1041 1040 1012 1078")  # Табл.32
_put((_D.OPERATOR_CONFIRMATION,), "1.2", "1017 1041 1040 1012 1078")  # Табл.125

#: Mandatory children of each 1059 «предмет расчета» (1.05 Табл.21, 1.2 Табл.97).
_ITEM_SPEC: Final[Mapping[_Label, str]] = MappingProxyType({"1.05": "1030 1079 1043", "1.2": "1079 1023 1043"})


def _parse(spec: str, form: Form) -> frozenset[int]:
    skip = "E" if form == "printed" else "P"
    return frozenset(int(word.rstrip("PE")) for word in spec.split() if not word.endswith(skip))


def _label(version: FfdVersion | str) -> _Label:
    text = version.label if isinstance(version, FfdVersion) else version
    if text == "1.05":
        return "1.05"
    if text == "1.2":
        return "1.2"
    raise FfdError(f"mandatory-requisite tables exist for FFD 1.05 and 1.2 only, not {text!r}",
                   message_ru=f"таблицы обязательных реквизитов есть только для ФФД 1.05 и 1.2, не для {text!r}")


def mandatory_tags(
    document_type: DocumentType | int, ffd_version: FfdVersion | str, *, form: Form = "electronic"
) -> frozenset[int]:
    """Top-level tags a document of this type must carry in the given FFD version and form."""
    doc = DocumentType(document_type)
    spec = _SPEC.get((doc, _label(ffd_version)))
    if spec is None:
        raise FfdError(f"no mandatory-requisite table for document type {doc.name}",
                       message_ru=f"нет таблицы обязательных реквизитов для типа документа {doc.name}")
    return _parse(spec, form)


def mandatory_item_tags(ffd_version: FfdVersion | str) -> frozenset[int]:
    """Tags every 1059 «предмет расчета» must carry."""
    return _parse(_ITEM_SPEC[_label(ffd_version)], "electronic")


def _doc_label(doc: FiscalDocument, ffd_version: FfdVersion | str | None) -> _Label:
    if ffd_version is not None:
        return _label(ffd_version)
    version = doc.ffd_version
    # FFD 1.0 documents carry no 1209; judged against 1.05 they report 1209 as missing.
    return "1.05" if version is None else _label(version)


def missing_mandatory(
    doc: FiscalDocument, *, ffd_version: FfdVersion | str | None = None, form: Form = "electronic"
) -> set[int]:
    """Mandatory top-level tags absent from ``doc``.

    The FFD version is taken from the document's tag 1209 unless given; a document without 1209
    is checked against FFD 1.05.
    """
    return set(mandatory_tags(doc.document_type, _doc_label(doc, ffd_version), form=form) - doc.tags)


def missing_mandatory_in_items(doc: FiscalDocument, *, ffd_version: FfdVersion | str | None = None) -> list[set[int]]:
    """For each 1059 item in order, the mandatory item tags it lacks."""
    required = mandatory_item_tags(_doc_label(doc, ffd_version))
    return [set(required - {child.tag for child in item}) for item in doc.items]
