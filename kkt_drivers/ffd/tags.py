"""The FFD 1.05 / 1.2 tag table (реквизиты ФФД) as data.

Sources (see protocol-notes/ffd/README.md): research §1.4 for type, maximum length, ФН-formed flag
and FNS JSON name; §1.2 for the fixed-length list and extra counter tags; §1.7 for the tags the ФН
forms itself. Where the research gives no JSON name, a camelCase English name was made up and
``json_name_inferred`` is true. Where it gives no type, the Shtrih-M driver's table was used and
the row's ``note`` says "type inferred".

Only one entry exists per tag number. The research notes that a few tags (1005, 1016, 1026, 1044,
1074, 1075, 1191, 1201, 1215–1219) are named differently depending on the enclosing STLV; their
value types do not change, so decoding is unaffected.

``DocumentType`` and the §1.5 enumerations are re-exported here for convenience.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from .doctypes import DocumentInfo, DocumentType, document_type
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
    kkt_change_reason_bits,
)
from .values import ValueType

__all__ = [
    "FFD_VERSIONS",
    "FN_FORMED_FFD11",
    "FN_FORMED_FFD12",
    "TAGS",
    "AgentType",
    "CorrectionType",
    "DocumentInfo",
    "DocumentType",
    "FfdVersion",
    "OfdResponseCode",
    "OperationType",
    "PaymentMethod",
    "PaymentSubject",
    "QuantityMeasure",
    "ReregistrationReason",
    "TagInfo",
    "TaxationSystem",
    "UsageConditions",
    "VatRate",
    "document_type",
    "info_for",
    "kkt_change_reason_bits",
    "tag_info",
    "unknown_tag_info",
]

#: FFD versions this table describes.
FFD_VERSIONS: Final = frozenset({"1.05", "1.2"})
_BOTH: Final = FFD_VERSIONS
_V105: Final = frozenset({"1.05"})
_V12: Final = frozenset({"1.2"})


@dataclass(frozen=True, slots=True)
class TagInfo:
    """One requisite of the FFD tag table.

    ``max_len`` is the maximum value length in bytes (``None``: no limit but the 65535 of the TLV
    length field); with ``fixed_len`` it is the exact length. ``formed_by_fn`` means the ФН builds
    the tag itself in FFD 1.1 and/or 1.2 mode (``formed_by_fn_in`` says which), so a KKT must not
    send it. ``multi`` marks requisites that may repeat at one level (items, phones…).
    """

    tag: int
    name_ru: str
    json_name: str
    type: ValueType
    max_len: int | None
    fixed_len: bool
    formed_by_fn: bool
    ffd_versions: frozenset[str]
    json_name_inferred: bool = False
    multi: bool = False
    formed_by_fn_in: frozenset[str] = frozenset()
    note: str = ""
    known: bool = True
    #: FNS JSON names that differ by FFD version, as ``(("1.05", name), ...)``; ``json_name`` otherwise
    json_names: tuple[tuple[str, str], ...] = ()

    def json_name_in(self, ffd: str | None) -> str:
        """The FNS JSON name in FFD ``ffd`` (``"1.05"``/``"1.2"``; ``None``: the default ``json_name``)."""
        for label, name in self.json_names:
            if label == ffd:
                return name
        return self.json_name


# --- ФН-formed requisites (§1.7, FN protocol 1.2.06 §5.3/§5.4) -------------------------------------


def _spread(*parts: int | tuple[int, int]) -> frozenset[int]:
    out: set[int] = set()
    for part in parts:
        if isinstance(part, tuple):
            out.update(range(part[0], part[1] + 1))
        else:
            out.add(part)
    return frozenset(out)


#: Tags the ФН forms itself in FFD 1.1 mode (the KKT gets answer 0Bh if it sends one).
FN_FORMED_FFD11: Final = _spread(
    1001, 1002, 1012, 1017, 1018, 1020, 1037, 1038, 1040, 1041, 1042, (1050, 1054), 1056, 1062, 1077,
    1097, 1098, 1109, 1110, 1111, 1116, 1118, 1126, (1129, 1146), 1157, 1158, 1183, 1190, 1193, 1194,
    1201, 1205, 1206, 1207, 1209, 1213, (1218, 1221), 1232, 1233,
)
#: Tags the ФН forms itself in FFD 1.2 mode.
FN_FORMED_FFD12: Final = _spread(
    1001, 1002, 1012, 1017, 1018, 1020, 1037, 1038, 1040, 1041, 1042, (1050, 1054), 1056, 1062, 1077,
    1097, 1098, 1111, 1116, 1118, (1129, 1146), 1157, 1158, 1183, 1190, 1194, 1201, 1205, 1206, 1209,
    1213, (1218, 1220), 1232, 1233, 2106, 1290, 2116, 2104,
)

# --- the table ---------------------------------------------------------------------------------

B, U16, U32 = ValueType.BYTE, ValueType.UINT16, ValueType.UINT32
VLN, FVLN, TIME = ValueType.VLN, ValueType.FVLN, ValueType.UNIXTIME
S, RAW, STLV = ValueType.STRING, ValueType.BYTES, ValueType.STLV
_INHERENTLY_FIXED = {B: 1, U16: 2, U32: 4, TIME: 4}


def _t(
    tag: int,
    name_ru: str,
    vtype: ValueType,
    max_len: int | None,
    json_name: str,
    *,
    fixed: bool = False,
    v: frozenset[str] = _BOTH,
    multi: bool = False,
    note: str = "",
    names: dict[str, str] | None = None,
) -> TagInfo:
    """Build a row. A ``json_name`` starting with ``~`` is an inferred name; ``names`` gives FFD-version names
    that differ from it."""
    inferred = json_name.startswith("~")
    fn_in = frozenset(
        label for label, formed in (("1.1", FN_FORMED_FFD11), ("1.2", FN_FORMED_FFD12)) if tag in formed
    )
    if vtype in _INHERENTLY_FIXED:
        fixed, max_len = True, _INHERENTLY_FIXED[vtype]
    return TagInfo(
        tag=tag,
        name_ru=name_ru,
        json_name=json_name.lstrip("~"),
        type=vtype,
        max_len=max_len,
        fixed_len=fixed,
        formed_by_fn=bool(fn_in),
        ffd_versions=v,
        json_name_inferred=inferred,
        multi=multi,
        formed_by_fn_in=fn_in,
        note=note,
        json_names=tuple(sorted((names or {}).items())),
    )


_TYPE_INFERRED = "type inferred from the Shtrih-M tag table; not in the research"
_RUSTT_TYPE = "type and length from the RUSTT field table (FFD 1.2 marking); JSON name inferred"
_COUNTER = "counter inside 1129–1133/1157/1158/1194"
_V105_NAME = "FNS JSON name of FFD 1.05 (YOFD schema) differs from FFD 1.2 (RUSTT, FR_OPERATOR)"
_VAT_2025 = ("receipt VAT sums by rate (ЕД-7-20/662@ as amended 26.03.2025); FFD 1.2 confirmed by real "
             "documents, FFD 1.05 inferred; in FFD 1.0 this number meant something else")

_ROWS: tuple[TagInfo, ...] = (
    _t(1000, "наименование документа", S, 256, "~documentName", note="printed form only; YOFD drops it"),
    _t(1001, "признак автоматического режима", B, 1, "autoMode"),
    _t(1002, "признак автономного режима", B, 1, "offlineMode"),
    _t(1005, "адрес оператора перевода", S, 256, "transferOperatorAddress"),
    _t(1008, "телефон или электронный адрес покупателя", S, 64, "buyerPhoneOrAddress"),
    _t(1009, "адрес расчетов", S, 256, "retailPlaceAddress"),
    _t(1012, "дата, время", TIME, 4, "dateTime"),
    _t(1013, "заводской номер ККТ", S, 20, "kktNumber"),
    _t(1016, "ИНН оператора перевода", S, 12, "transferOperatorInn", fixed=True),
    _t(1017, "ИНН ОФД", S, 12, "ofdInn", fixed=True),
    _t(1018, "ИНН пользователя", S, 12, "userInn", fixed=True),
    _t(1020, "сумма расчета, указанного в чеке (БСО)", VLN, 6, "totalSum"),
    _t(1021, "кассир", S, 64, "operator"),
    _t(1022, "код ответа ОФД", B, 1, "ofdResponseCode"),
    _t(1023, "количество предмета расчета", FVLN, 8, "quantity"),
    _t(1026, "наименование оператора перевода", S, 64, "transferOperatorName"),
    _t(1030, "наименование предмета расчета", S, 128, "name"),
    _t(1031, "сумма по чеку (БСО) наличными", VLN, 6, "cashTotalSum"),
    _t(1036, "номер автомата", S, 20, "machineNumber"),
    _t(1037, "регистрационный номер ККТ", S, 20, "kktRegId", fixed=True),
    _t(1038, "номер смены", U32, 4, "shiftNumber"),
    _t(1040, "номер ФД", U32, 4, "fiscalDocumentNumber"),
    _t(1041, "номер ФН", S, 16, "fiscalDriveNumber", fixed=True),
    _t(1042, "номер чека за смену", U32, 4, "requestNumber"),
    _t(1043, "стоимость предмета расчета с учетом скидок и наценок", VLN, 6, "sum"),
    _t(1044, "операция платежного агента", S, 24, "paymentAgentOperation"),
    _t(1046, "наименование ОФД", S, 256, "ofdName"),
    _t(1048, "наименование пользователя", S, 256, "user"),
    _t(1050, "признак исчерпания ресурса ФН", B, 1, "fiscalDriveExhaustionSign"),
    _t(1051, "признак необходимости срочной замены ФН", B, 1, "fiscalDriveReplaceRequiredSign"),
    _t(1052, "признак переполнения памяти ФН", B, 1, "fiscalDriveMemoryExceededSign"),
    _t(1053, "признак превышения времени ожидания ответа ОФД", B, 1, "ofdResponseTimeoutSign"),
    _t(1054, "признак расчета", B, 1, "operationType"),
    _t(1055, "применяемая система налогообложения", B, 1, "taxationType"),
    _t(1056, "признак шифрования", B, 1, "encryptionSign"),
    _t(1057, "признак агента", B, 1, "paymentAgentType"),
    _t(1059, "предмет расчета", STLV, 1024, "items", multi=True, note="YOFD limits it to 328 in FFD 1.05"),
    _t(1060, "адрес сайта ФНС", S, 256, "fnsUrl"),
    _t(1062, "системы налогообложения", B, 1, "taxationType"),
    _t(1068, "сообщение оператора для ФН", STLV, 169, "messageToFn", note="max from YOFD; Shtrih says 9"),
    _t(1073, "телефон платежного агента", S, 19, "paymentAgentPhone", multi=True),
    _t(1074, "телефон оператора по приему платежей", S, 19, "~paymentOperatorPhone", multi=True),
    _t(1075, "телефон оператора перевода", S, 19, "~transferOperatorPhone", multi=True),
    _t(1077, "фискальный признак документа (ФПД)", RAW, 6, "fiscalSign", fixed=True),
    _t(1078, "фискальный признак оператора (ФПО)", RAW, 18, "~operatorFiscalSign", note="16 (Shtrih) or 18"),
    _t(1079, "цена за единицу предмета расчета с учетом скидок и наценок", VLN, 6, "price"),
    _t(1081, "сумма по чеку (БСО) безналичными", VLN, 6, "ecashTotalSum"),
    _t(1084, "дополнительный реквизит пользователя", STLV, 320, "properties", note="YOFD: 328"),
    _t(1085, "наименование дополнительного реквизита пользователя", S, 64, "~propertyName"),
    _t(1086, "значение дополнительного реквизита пользователя", S, 256, "~propertyValue"),
    _t(1097, "количество непереданных ФД", U32, 4, "notTransmittedDocumentsQuantity"),
    _t(1098, "дата и время первого из непереданных ФД", TIME, 4, "notTransmittedDocumentsDateTime"),
    _t(1101, "код причины перерегистрации", B, 1, "correctionReasonCode", v=_V105, multi=True),
    _t(1102, "сумма НДС чека по ставке 20% (18% до 2019)", VLN, 6, "nds18"),
    _t(1103, "сумма НДС чека по ставке 10%", VLN, 6, "nds10"),
    _t(1104, "сумма расчета по чеку с НДС по ставке 0%", VLN, 6, "nds0"),
    _t(1105, "сумма расчета по чеку без НДС", VLN, 6, "ndsNo"),
    _t(1106, "сумма НДС чека по расч. ставке 20/120 (18/118 до 2019)", VLN, 6, "nds18118",
       names={"1.05": "ndsCalculated18"}, note=_V105_NAME),
    _t(1107, "сумма НДС чека по расч. ставке 10/110", VLN, 6, "nds10110", names={"1.05": "ndsCalculated10"},
       note=_V105_NAME),
    _t(1108, "признак ККТ для расчетов только в Интернет", B, 1, "internetSign"),
    _t(1109, "признак расчетов за услуги", B, 1, "serviceSign", v=_V105, note="FFD 1.2: bit of 1290 (inferred)"),
    _t(1110, "признак АС БСО", B, 1, "bsoSign", v=_V105, note="FFD 1.2: bit of 1290 (inferred)"),
    _t(1111, "общее количество ФД за смену", U32, 4, "documentsQuantity"),
    _t(1115, "суммы НДС чека", STLV, 228, "amountsReceiptNds", note=_VAT_2025 + "; max inferred (12 × 1119)"),
    _t(1116, "номер первого непереданного документа", U32, 4, "notTransmittedDocumentNumber"),
    _t(1117, "адрес электронной почты отправителя чека", S, 64, "sellerAddress"),
    _t(1118, "количество кассовых чеков (БСО) за смену", U32, 4, "receiptsQuantity"),
    _t(1119, "сумма НДС чека", STLV, 15, "amountsNds", multi=True,
       note=_VAT_2025 + "; one per rate inside 1115 (1199 + 1120); max inferred"),
    _t(1120, "сумма НДС", VLN, 6, "ndsSum", note=_VAT_2025 + "; inside 1119; max inferred (as 1102–1107)"),
    _t(1126, "признак проведения лотереи", B, 1, "~lotterySign", v=_V105, note="FFD 1.2: bit of 1290 (inferred)"),
    _t(1129, "счетчики операций «приход»", STLV, 116, "sellOper"),
    _t(1130, "счетчики операций «возврат прихода»", STLV, 116, "sellReturnOper"),
    _t(1131, "счетчики операций «расход»", STLV, 116, "buyOper"),
    _t(1132, "счетчики операций «возврат расхода»", STLV, 116, "buyReturnOper"),
    _t(1133, "счетчики операций по чекам коррекции", STLV, 216, "receiptCorrection"),
    _t(1134, "количество чеков (БСО) и чеков коррекции со всеми признаками расчетов", U32, 4,
       "totalReceiptBsoCount", names={"1.05": "receiptCount"}, note=_COUNTER + "; " + _V105_NAME),
    _t(1135, "количество чеков (БСО) по признаку расчетов", U32, 4, "receiptBsoCount",
       names={"1.05": "receiptCount"}, note=_COUNTER + "; " + _V105_NAME),
    _t(1136, "итоговая сумма в чеках (БСО) наличными", VLN, 8, "cashSum", note=_COUNTER),
    _t(1138, "итоговая сумма в чеках (БСО) безналичными", VLN, 8, "ecashSum", note=_COUNTER),
    _t(1139, "сумма НДС по ставке 20%", VLN, 8, "tax18Sum", note=_COUNTER),
    _t(1140, "сумма НДС по ставке 10%", VLN, 8, "tax10Sum", note=_COUNTER),
    _t(1141, "сумма НДС по расч. ставке 20/120", VLN, 8, "tax18118Sum", note=_COUNTER),
    _t(1142, "сумма НДС по расч. ставке 10/110", VLN, 8, "tax10110Sum", note=_COUNTER),
    _t(1143, "сумма расчетов с НДС по ставке 0%", VLN, 8, "tax0Sum", note=_COUNTER),
    _t(1144, "количество чеков коррекции", U32, 4, "receiptCorrectionCount", note=_COUNTER),
    _t(1145, "счетчики коррекций «приход»", STLV, 100, "sellCorrection"),
    _t(1146, "счетчики коррекций «расход»", STLV, 100, "buyCorrection"),
    _t(1148, "количество самостоятельных корректировок", U32, 4, "selfCorrectionCount", note=_COUNTER),
    _t(1149, "количество корректировок по предписанию", U32, 4, "orderCorrectionCount", note=_COUNTER),
    _t(1151, "сумма коррекций НДС по ставке 20%", VLN, 8, "tax18CorrectionSum", note=_COUNTER),
    _t(1152, "сумма коррекций НДС по ставке 10%", VLN, 8, "tax10CorrectionSum", note=_COUNTER),
    _t(1153, "сумма коррекций НДС по расч. ставке 20/120", VLN, 8, "tax18118CorrectionSum"),
    _t(1154, "сумма коррекций НДС по расч. ставке 10/110", VLN, 8, "tax10110CorrectionSum"),
    _t(1155, "сумма коррекций с НДС по ставке 0%", VLN, 8, "tax08CorrectionSum",
       note=_COUNTER + "; YOFD's table says tax08CorrectionSum, its schema also tax0CorrectionSum (L)"),
    _t(1157, "счетчики итогов ФН", STLV, 708, "fiscalDriveSumReports"),
    _t(1158, "счетчики итогов непереданных ФД", STLV, 708, "notTransmittedDocumentsSumReports"),
    _t(1162, "код товарной номенклатуры", RAW, 32, "productCode", v=_V105, note="replaced by 1163 in FFD 1.2"),
    _t(1163, "код товара", STLV, 64, "productCodeNew", v=_V12),
    _t(1171, "телефон поставщика", S, 19, "providerPhone", multi=True),
    _t(1173, "тип коррекции", B, 1, "correctionType"),
    _t(1174, "основание для коррекции", STLV, 292, "correctionBase"),
    _t(1177, "наименование основания для коррекции", S, 256, "correctionName", v=_V105,
       note="FFD 1.0 / early 1.05 only (YOFD); absent from the ЕД-7-20/662@ 1.05 table"),
    _t(1178, "дата совершения корректируемого расчета", TIME, 4, "correctionDocumentDate"),
    _t(1179, "номер предписания налогового органа", S, 32, "correctionDocumentNumber"),
    _t(1183, "сумма расчетов без НДС", VLN, 8, "taxFreeSum", note=_COUNTER),
    _t(1184, "сумма коррекций без НДС", VLN, 8, "taxFreeCorrectionSum", note=_COUNTER),
    _t(1187, "место расчетов", S, 256, "retailPlace"),
    _t(1188, "версия ККТ", S, 8, "kktVersion"),
    _t(1189, "версия ФФД ККТ", B, 1, "documentKktVersion"),
    _t(1190, "версия ФФД ФН", B, 1, "documentFdVersion"),
    _t(1191, "дополнительный реквизит предмета расчета", S, 64, "propertiesItem", note="YOFD: 256"),
    _t(1192, "дополнительный реквизит чека (БСО)", S, 16, "propertiesData"),
    _t(1193, "признак проведения азартных игр", B, 1, "~gamblingSign", v=_V105, note="FFD 1.2: bit of 1290 (inferred)"),
    _t(1194, "счетчики итогов смены", STLV, 708, "shiftSumReports"),
    _t(1196, "QR-код", S, None, "~qrCode", note="printed form only"),
    _t(1197, "единица измерения предмета расчета", S, 16, "unit", v=_V105, note="replaced by 2108 in FFD 1.2"),
    _t(1198, "размер НДС за единицу предмета расчета", VLN, 6, "unitNds"),
    _t(1199, "ставка НДС", B, 1, "nds"),
    _t(1200, "сумма НДС за предмет расчета", VLN, 6, "ndsSum"),
    _t(1201, "общая итоговая сумма в чеках (БСО)", VLN, 8, "totalSum", note=_COUNTER + "; named as 1020"),
    _t(1203, "ИНН кассира", S, 12, "operatorInn", fixed=True),
    _t(1205, "коды причин изменения сведений о ККТ", U32, 4, "correctionKktReasonCode", v=_V12,
       note="bit mask (FFD 1.1/1.2); bit meanings not found"),
    _t(1206, "сообщение оператора", B, 1, "operatorMessage", note="bit mask"),
    _t(1207, "признак торговли подакцизными товарами", B, 1, "exciseDutyProductSign", v=_V105,
       note="FFD 1.2: bit of 1290 (inferred)"),
    _t(1208, "сайт чеков", S, 256, "~receiptsSiteUrl"),
    _t(1209, "номер версии ФФД", B, 1, "fiscalDocumentFormatVer"),
    _t(1212, "признак предмета расчета", B, 1, "productType"),
    _t(1213, "ресурс ключей ФП", U16, 2, "fnKeyResource"),
    _t(1214, "признак способа расчета", B, 1, "paymentType"),
    _t(1215, "сумма по чеку (БСО) предоплатой (зачетом аванса)", VLN, 6, "prepaidSum"),
    _t(1216, "сумма по чеку (БСО) постоплатой (в кредит)", VLN, 6, "creditSum"),
    _t(1217, "сумма по чеку (БСО) встречным предоставлением", VLN, 6, "provisionSum"),
    _t(1218, "итоговая сумма в чеках (БСО) предоплатами (авансами)", VLN, 8, "prepaidSum",
       note=_COUNTER + "; named as 1215"),
    _t(1219, "итоговая сумма в чеках (БСО) постоплатами (кредитами)", VLN, 8, "creditSum",
       note=_COUNTER + "; named as 1216"),
    _t(1220, "итоговая сумма в чеках (БСО) встречными предоставлениями", VLN, 8, "provisionSum",
       note=_COUNTER + "; named as 1217"),
    _t(1221, "признак установки принтера в автомате", B, 1, "printInMachineSign", v=_V105,
       note="FFD 1.2: bit of 1290 (inferred)"),
    _t(1222, "признак агента по предмету расчета", B, 1, "~itemAgentType", note="bit mask; goes with 1226"),
    _t(1223, "данные агента", STLV, 512, "~paymentAgentData"),
    _t(1224, "данные поставщика", STLV, 512, "~providerData"),
    _t(1225, "наименование поставщика", S, 256, "providerName"),
    _t(1226, "ИНН поставщика", S, 12, "providerInn", fixed=True),
    _t(1227, "покупатель (клиент)", S, 128, "~buyer", note="FFD 1.2: inside 1256"),
    _t(1228, "ИНН покупателя (клиента)", S, 12, "~buyerInn", fixed=True),
    _t(1229, "акциз", VLN, 6, "~exciseDuty"),
    _t(1230, "код страны происхождения", S, 3, "~originCountryCode", fixed=True),
    _t(1231, "номер декларации на товар", S, 32, "~customsDeclarationNumber"),
    _t(1232, "счетчики по признаку «возврат прихода»", STLV, 116, "sellReturnCorrection",
       note="max inferred (Shtrih says 32)"),
    _t(1233, "счетчики по признаку «возврат расхода»", STLV, 116, "buyReturnCorrection",
       note="max inferred (Shtrih says 32)"),
    _t(1243, "дата рождения покупателя (клиента)", S, 10, "~buyerBirthday", fixed=True, v=_V12),
    _t(1244, "гражданство", S, 3, "~buyerCitizenship", fixed=True, v=_V12),
    _t(1245, "код вида документа, удостоверяющего личность", S, 32, "~buyerDocumentCode", v=_V12,
       note="Shtrih says fixed 32; the FFD likely means 2 digits — length unverified"),
    _t(1246, "данные документа, удостоверяющего личность", S, 64, "~buyerDocumentData", v=_V12,
       note=_TYPE_INFERRED),
    _t(1254, "адрес покупателя (клиента)", S, 256, "~buyerAddress", v=_V12, note=_TYPE_INFERRED),
    _t(1256, "сведения о покупателе (клиенте)", STLV, 1024, "~buyerInformation", v=_V12),
    _t(1260, "отраслевой реквизит предмета расчета", STLV, 302, "~itemIndustryProperty", v=_V12, multi=True),
    _t(1261, "отраслевой реквизит чека", STLV, 302, "industryReceiptDetails", v=_V12, multi=True),
    _t(1262, "идентификатор ФОИВ", S, 3, "idFoiv", v=_V12),
    _t(1263, "дата документа основания", S, 10, "foundationDocDateTime", fixed=True, v=_V12),
    _t(1264, "номер документа основания", S, 32, "foundationDocNumber", v=_V12),
    _t(1265, "значение отраслевого реквизита", S, 256, "industryPropValue", v=_V12),
    _t(1270, "операционный реквизит чека", STLV, 144, "operationalDetails", v=_V12),
    _t(1271, "идентификатор операции", B, 1, "operationId", v=_V12),
    _t(1272, "данные операции", S, 64, "operationData", v=_V12),
    _t(1273, "дата, время операции", TIME, 4, "dateTime", v=_V12),
    _t(1274, "дополнительный реквизит ОР", S, 32, "~registrationAdditionalProperty", v=_V12, note=_TYPE_INFERRED),
    _t(1275, "дополнительные данные ОР", RAW, 32, "~registrationAdditionalData", v=_V12),
    _t(1276, "дополнительный реквизит ООС", S, 32, "~openShiftAdditionalProperty", v=_V12, note=_TYPE_INFERRED),
    _t(1277, "дополнительные данные ООС", RAW, 32, "~openShiftAdditionalData", v=_V12),
    _t(1278, "дополнительный реквизит ОЗС", S, 32, "~closeShiftAdditionalProperty", v=_V12, note=_TYPE_INFERRED),
    _t(1279, "дополнительные данные ОЗС", RAW, 32, "~closeShiftAdditionalData", v=_V12),
    _t(1280, "дополнительный реквизит ОТР", S, 32, "~currentStateAdditionalProperty", v=_V12,
       note=_TYPE_INFERRED),
    _t(1281, "дополнительные данные ОТР", RAW, 32, "~currentStateAdditionalData", v=_V12),
    _t(1282, "дополнительный реквизит ОЗФН", S, 32, "~closeArchiveAdditionalProperty", v=_V12,
       note=_TYPE_INFERRED),
    _t(1283, "дополнительные данные ОЗФН", RAW, 32, "~closeArchiveAdditionalData", v=_V12),
    _t(1290, "признаки условий применения ККТ", U32, 4, "usageConditionSigns", v=_V12, note="bit mask"),
    _t(1291, "дробное количество маркированного товара", STLV, 52, "labeledProdFractionalQuantity", v=_V12),
    _t(1292, "дробная часть", S, 24, "fractionalPart", v=_V12),
    _t(1293, "числитель", VLN, 8, "numerator", v=_V12),
    _t(1294, "знаменатель", VLN, 8, "denominator", v=_V12),
    _t(1300, "нераспознанный код товара", S, 32, "undefined", v=_V12, note=_TYPE_INFERRED),
    _t(1301, "КТ EAN-8", S, 8, "ean8", fixed=True, v=_V12),
    _t(1302, "КТ EAN-13", S, 13, "ean13", fixed=True, v=_V12),
    _t(1303, "КТ ITF-14", S, 14, "itf14", fixed=True, v=_V12),
    _t(1304, "КТ GS1.0", S, 38, "gs1", v=_V12, note=_TYPE_INFERRED),
    _t(1305, "КТ GS1.М", S, 38, "gs1m", v=_V12, note=_TYPE_INFERRED),
    _t(1306, "КТ КМК", S, 38, "kmk", v=_V12, note=_TYPE_INFERRED),
    _t(1307, "КТ МИ", S, 20, "mi", fixed=True, v=_V12),
    _t(1308, "КТ ЕГАИС-2.0", S, 33, "egais2", fixed=True, v=_V12),
    _t(1309, "КТ ЕГАИС-3.0", S, 14, "egais3", fixed=True, v=_V12),
    *(
        _t(tag, f"КТ Ф.{tag - 1319}", S, 32, f"f{tag - 1319}", v=_V12, note=_TYPE_INFERRED)
        for tag in range(1320, 1326)
    ),
    _t(2000, "код маркировки", S, 256, "~markingCode", v=_V12),
    _t(2001, "номер запроса", U32, 4, "~markingRequestNumber", v=_V12),
    _t(2002, "номер уведомления", U32, 4, "~notificationNumber", v=_V12),
    _t(2003, "планируемый статус товара", B, 1, "~plannedProductStatus", v=_V12, note=_RUSTT_TYPE),
    _t(2004, "результат проверки КМ", B, 1, "~markingCheckResult", v=_V12, note=_TYPE_INFERRED),
    _t(2005, "результаты обработки запроса", B, 1, "~requestProcessingResults", v=_V12, note=_RUSTT_TYPE),
    _t(2007, "данные о маркированном товаре", STLV, 512, "~markedProductData", v=_V12),
    _t(2100, "тип кода маркировки", B, 1, "~markingCodeType", v=_V12, note=_TYPE_INFERRED),
    _t(2101, "идентификатор товара", S, 38, "~productId", v=_V12, note=_RUSTT_TYPE),
    _t(2102, "режим обработки кода маркировки", B, 1, "labelCodeProcesMode", v=_V12, note=_TYPE_INFERRED),
    _t(2104, "количество непереданных уведомлений", U32, 4, "undeliveredNotificationsNumber", v=_V12),
    _t(2105, "коды обработки запроса", B, 1, "~requestProcessingCodes", v=_V12, note=_RUSTT_TYPE),
    _t(2106, "результат проверки сведений о товаре", B, 1, "checkingProdInformationResult", v=_V12),
    _t(2107, "результаты проверки маркированных товаров", B, 1, "checkingLabeledProdResult", v=_V12,
       multi=True, note="formed by the KKT"),
    _t(2108, "мера количества предмета расчета", B, 1, "itemsQuantityMeasure", v=_V12),
    _t(2109, "ответ ОИСМ о статусе товара", B, 1, "~oismProductStatus", v=_V12, note=_RUSTT_TYPE),
    _t(2110, "присвоенный статус товара", B, 1, "~assignedProductStatus", v=_V12, note=_RUSTT_TYPE),
    _t(2111, "коды обработки уведомления", B, 1, "~notificationProcessingCodes", v=_V12, note=_RUSTT_TYPE),
    _t(2112, "признак некорректных кодов маркировки", B, 1, "~invalidMarkingCodesSign", v=_V12,
       note=_TYPE_INFERRED),
    _t(2113, "признак некорректных запросов и уведомлений", B, 1, "~invalidRequestsSign", v=_V12,
       note=_TYPE_INFERRED),
    _t(2114, "дата и время запроса", TIME, 4, "~requestDateTime", v=_V12),
    _t(2115, "контрольный код КМ", S, 4, "controlCode", fixed=True, v=_V12),
    _t(2116, "вид операции", B, 1, "~operationKind", v=_V12),
)

#: Every requisite tag, by number.
TAGS: Final[Mapping[int, TagInfo]] = MappingProxyType({row.tag: row for row in _ROWS})
assert len(TAGS) == len(_ROWS), "duplicate tag in the table"


def _document_row(doc: DocumentType) -> TagInfo:
    info = doc.info
    return TagInfo(
        tag=int(doc),
        name_ru=info.name_ru,
        json_name=info.json_name,
        type=ValueType.STLV,
        max_len=info.max_size_ffd12,
        fixed_len=False,
        formed_by_fn=False,
        ffd_versions=_BOTH,
        json_name_inferred=info.json_name_inferred,
        note="document STLV; the limit depends on the FFD version (DocumentType.max_size)",
    )


_DOCUMENT_TAGS: Final[Mapping[int, TagInfo]] = MappingProxyType({int(d): _document_row(d) for d in DocumentType})


def tag_info(tag: int) -> TagInfo | None:
    """The table entry for a requisite or document tag, or ``None`` if the tag is unknown."""
    return TAGS.get(tag) or _DOCUMENT_TAGS.get(tag)


def unknown_tag_info(tag: int) -> TagInfo:
    """A stand-in entry for a tag outside the table: its value stays raw bytes."""
    return TagInfo(
        tag=tag,
        name_ru="",
        json_name=str(tag),
        type=ValueType.BYTES,
        max_len=None,
        fixed_len=False,
        formed_by_fn=False,
        ffd_versions=_BOTH,
        json_name_inferred=True,
        note="unknown tag",
        known=False,
    )


def info_for(tag: int) -> TagInfo:
    """:func:`tag_info`, falling back to :func:`unknown_tag_info`."""
    return tag_info(tag) or unknown_tag_info(tag)
