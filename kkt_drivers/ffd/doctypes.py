"""Fiscal document types (research §1.3).

A whole fiscal document is itself an STLV whose tag equals the document type code, so
``DocumentType.RECEIPT`` (3) is also the STLV tag 3 that wraps a receipt.

Maximum sizes: FFD 1.2 figures come from a transcription of the FNS tables (RUSTT), FFD 1.05
figures from the YOFD JSON schemas — both confidence M. The JSON names of the marking documents
(81–84) are not in the sources and are **inferred**.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """Facts about one document type."""

    name_ru: str
    json_name: str
    max_size_ffd105: int | None
    max_size_ffd12: int
    json_name_inferred: bool = False


class DocumentType(enum.IntEnum):
    """Fiscal document type code = tag of the document's STLV."""

    REGISTRATION = 1  #: отчёт о регистрации
    REREGISTRATION = 11  #: отчёт об изменении параметров регистрации
    OPEN_SHIFT = 2  #: отчёт об открытии смены
    CURRENT_STATE = 21  #: отчёт о текущем состоянии расчётов
    RECEIPT = 3  #: кассовый чек
    CORRECTION_RECEIPT = 31  #: кассовый чек коррекции
    BSO = 4  #: бланк строгой отчётности
    BSO_CORRECTION = 41  #: БСО коррекции
    CLOSE_SHIFT = 5  #: отчёт о закрытии смены
    CLOSE_FN = 6  #: отчёт о закрытии фискального накопителя
    OPERATOR_CONFIRMATION = 7  #: подтверждение оператора (квитанция ОФД)
    MARKING_REQUEST = 81  #: запрос о коде маркировки (FFD 1.2)
    MARKING_NOTIFICATION = 82  #: уведомление о реализации маркированного товара (FFD 1.2)
    MARKING_RESPONSE = 83  #: ответ на запрос (from ОИСМ)
    MARKING_RECEIPT = 84  #: квитанция на уведомление

    @property
    def info(self) -> DocumentInfo:
        """Name, FNS JSON name and size limits."""
        return _INFO[self]

    @property
    def stlv_tag(self) -> int:
        """The STLV tag that wraps a document of this type (the code itself)."""
        return int(self)

    @property
    def json_name(self) -> str:
        """Key of the document in FNS JSON (``"receipt"``, ``"fiscalReport"``…)."""
        return _INFO[self].json_name

    def max_size(self, ffd: str) -> int:
        """Largest allowed STLV value length for ``ffd`` (``"1.05"`` or ``"1.2"``)."""
        info = _INFO[self]
        if ffd == "1.05" and info.max_size_ffd105 is not None:
            return info.max_size_ffd105
        return info.max_size_ffd12


_INFO: dict[DocumentType, DocumentInfo] = {
    DocumentType.REGISTRATION: DocumentInfo("отчёт о регистрации", "fiscalReport", 658, 6144),
    DocumentType.REREGISTRATION: DocumentInfo(
        "отчёт об изменении параметров регистрации", "fiscalReportCorrection", 658, 6144
    ),
    DocumentType.OPEN_SHIFT: DocumentInfo("отчёт об открытии смены", "openShift", 440, 4096),
    DocumentType.CURRENT_STATE: DocumentInfo("отчёт о текущем состоянии расчётов", "currentStateReport", 32768, 32768),
    DocumentType.RECEIPT: DocumentInfo("кассовый чек", "receipt", 32768, 32768),
    DocumentType.CORRECTION_RECEIPT: DocumentInfo("кассовый чек коррекции", "receiptCorrection", 32768, 32768),
    DocumentType.BSO: DocumentInfo("бланк строгой отчётности", "bso", 32768, 32768),
    DocumentType.BSO_CORRECTION: DocumentInfo("БСО коррекции", "bsoCorrection", 32768, 32768),
    DocumentType.CLOSE_SHIFT: DocumentInfo("отчёт о закрытии смены", "closeShift", 441, 4096),
    DocumentType.CLOSE_FN: DocumentInfo("отчёт о закрытии ФН", "closeArchive", 432, 4096),
    DocumentType.OPERATOR_CONFIRMATION: DocumentInfo("подтверждение оператора", "operatorAck", 512, 512),
    DocumentType.MARKING_REQUEST: DocumentInfo(
        "запрос о коде маркировки", "markingCodeRequest", None, 4096, json_name_inferred=True
    ),
    DocumentType.MARKING_NOTIFICATION: DocumentInfo(
        "уведомление о реализации маркированного товара",
        "markingNotification",
        None,
        32768,
        json_name_inferred=True,
    ),
    DocumentType.MARKING_RESPONSE: DocumentInfo(
        "ответ на запрос о коде маркировки", "markingCodeResponse", None, 512, json_name_inferred=True
    ),
    DocumentType.MARKING_RECEIPT: DocumentInfo(
        "квитанция на уведомление", "markingNotificationReceipt", None, 512, json_name_inferred=True
    ),
}


#: document types by code: a dictionary look-up instead of the enum's failing constructor (every requisite
#: encoded or decoded asks whether its tag is a document)
_BY_CODE: dict[int, DocumentType] = {int(d): d for d in DocumentType}


def document_type(code: int) -> DocumentType | None:
    """The document type for an STLV tag, or ``None`` when ``code`` is not a document code."""
    return _BY_CODE.get(code)
