"""The paper tape: what the register's printer would print, as plain text.

A real ККТ prints every fiscal document it forms (отчёт о регистрации, открытии/закрытии смены,
кассовый чек, чек коррекции, отчёт о текущем состоянии расчётов, отчёт о закрытии ФН) and the
non-fiscal reports it is asked for (X-report). The **data** printed is the requisite set of the
document — the printed-form ("П") requisites of the FFD tables: user name, address and place of
settlement, ИНН, document title and operation, items with price × quantity = amount, VAT rate, payment
method and subject, ИТОГ, the payment forms, VAT sums, СНО, cashier, buyer contact, shift and receipt
numbers, date and time, РН ККТ, ФН, ФД, ФП and the QR code (tag 1196). The printed labels are the
usual upper-case Russian abbreviations that receipts carry («ИТОГ», «НАЛИЧНЫМИ», «РН ККТ», «ФП»…).

The **layout** — order of lines, where separators go, centring, how long names wrap, the "=" in front
of sums — is our own, inferred from how receipts of the common registers look; no vendor's exact
print form is reproduced. Two deliberate departures from a real printer:

* the QR code is printed as its data string on a line starting ``"QR: "`` (wrapped at ``&`` when it
  is wider than the tape; joining the wrapped lines gives the string back exactly);
* every requisite the renderer has no place for is still printed — a known tag as its upper-case
  table name and value, a tag outside the table as ``"<tag>: <hex of the value>"`` — so a tape never
  silently drops data. This includes electronic-only requisites that a real printer leaves out
  (1209 «версия ФФД», for one).

Widths: any whole number of characters from :data:`MIN_WIDTH` (24) up. The usual ones are
:data:`STANDARD_WIDTHS`: 32 (57 mm paper), 48 (80 mm paper) and 57 (80 mm paper in a smaller font;
the exact column counts vary by model and were not checked against vendor manuals). No line is ever
wider than the width. A document ends with a cut-marker line of ``"~"``.
"""

from __future__ import annotations

import re
import textwrap
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Final, TextIO

from kkt_drivers.ffd import (
    AgentType,
    DocumentType,
    Field,
    FiscalDocument,
    QrCodeError,
    TaxationSystem,
    UsageConditions,
    ValueType,
    decode_document,
    fiscal_sign_number,
    info_for,
    qr_from_document,
)
from kkt_drivers.ffd.enums import kkt_change_reason_bits

__all__ = [
    "MIN_WIDTH",
    "STANDARD_WIDTHS",
    "Tape",
    "check_width",
    "format_money",
    "format_quantity",
    "render_document",
    "render_report",
]

#: Narrowest tape accepted. Labels such as «ЭЛ. АДР. ПОКУПАТЕЛЯ» still fit on one line.
MIN_WIDTH: Final = 24
#: Widths of the printers the emulator's personalities model.
STANDARD_WIDTHS: Final = (32, 48, 57)

#: Tags whose value is a yes/no flag (признак).
_FLAGS: Final = frozenset({1001, 1002, 1050, 1051, 1052, 1053, 1056, 1108, 1109, 1110, 1126, 1193, 1207, 1221,
                           2112, 2113})
#: VLN tags that are not sums of money.
_NOT_MONEY: Final = frozenset({1293, 1294})
#: Dates printed without the time (the date of the corrected settlement).
_DATE_ONLY: Final = frozenset({1178})
#: Fixed-length INN requisites (a 10-digit INN may come with a "00" prefix, which is not printed).
_INN_TAGS: Final = frozenset({1016, 1017, 1018, 1203, 1226, 1228})

#: Printed labels (our choice of the usual receipt abbreviations); other tags print their table name.
_LABELS: Final[dict[int, str]] = {
    1001: "АВТОМАТИЧЕСКИЙ РЕЖИМ",
    1002: "АВТОНОМНЫЙ РЕЖИМ",
    1005: "АДР. ОПЕРАТОРА ПЕРЕВОДА",
    1009: "АДРЕС РАСЧЕТОВ",
    1012: "ДАТА ВРЕМЯ",
    1013: "ЗН ККТ",
    1016: "ИНН ОПЕРАТОРА ПЕРЕВОДА",
    1017: "ИНН ОФД",
    1018: "ИНН",
    1020: "ИТОГ",
    1021: "КАССИР",
    1022: "КОД ОТВЕТА ОФД",
    1026: "ОПЕРАТОР ПЕРЕВОДА",
    1031: "НАЛИЧНЫМИ",
    1036: "НОМЕР АВТОМАТА",
    1037: "РН ККТ",
    1038: "СМЕНА",
    1040: "ФД",
    1041: "ФН",
    1042: "ЧЕК",
    1044: "ОПЕРАЦИЯ АГЕНТА",
    1046: "ОФД",
    1048: "ПОЛЬЗОВАТЕЛЬ",
    1050: "РЕСУРС ФН ИСЧЕРПАН",
    1051: "СРОЧНАЯ ЗАМЕНА ФН",
    1052: "ПАМЯТЬ ФН ПЕРЕПОЛНЕНА",
    1053: "ПРЕВЫШЕНО ВРЕМЯ ОЖИДАНИЯ ОТВЕТА ОФД",
    1054: "ПРИЗНАК РАСЧЕТА",
    1055: "СНО",
    1056: "ШИФРОВАНИЕ",
    1057: "ПРИЗНАК АГЕНТА",
    1060: "САЙТ ФНС",
    1062: "СНО",
    1073: "ТЕЛ. ПЛАТЕЖНОГО АГЕНТА",
    1074: "ТЕЛ. ОПЕРАТОРА ПО ПРИЕМУ ПЛАТЕЖЕЙ",
    1075: "ТЕЛ. ОПЕРАТОРА ПЕРЕВОДА",
    1077: "ФП",
    1078: "ФПО",
    1081: "БЕЗНАЛИЧНЫМИ",
    1097: "НЕПЕРЕДАННЫХ ФД",
    1098: "ФД НЕ ПЕРЕДАНЫ С",
    1101: "ПРИЧИНА ПЕРЕРЕГИСТРАЦИИ",
    1102: "СУММА НДС 20%",
    1103: "СУММА НДС 10%",
    1104: "СУММА С НДС 0%",
    1105: "СУММА БЕЗ НДС",
    1106: "СУММА НДС 20/120",
    1107: "СУММА НДС 10/110",
    1108: "ККТ ДЛЯ ИНТЕРНЕТ",
    1109: "РАСЧЕТЫ ЗА УСЛУГИ",
    1110: "АС БСО",
    1111: "ФД ЗА СМЕНУ",
    1115: "СУММЫ НДС ЧЕКА",
    1119: "СУММА НДС ЧЕКА",
    1120: "СУММА НДС",
    1116: "ПЕРВЫЙ НЕПЕРЕДАННЫЙ ФД",
    1117: "ЭЛ. АДР. ОТПРАВИТЕЛЯ",
    1118: "ЧЕКОВ ЗА СМЕНУ",
    1126: "ПРОВЕДЕНИЕ ЛОТЕРЕИ",
    1129: "СЧЕТЧИКИ: ПРИХОД",
    1130: "СЧЕТЧИКИ: ВОЗВРАТ ПРИХОДА",
    1131: "СЧЕТЧИКИ: РАСХОД",
    1132: "СЧЕТЧИКИ: ВОЗВРАТ РАСХОДА",
    1133: "СЧЕТЧИКИ: ЧЕКИ КОРРЕКЦИИ",
    1134: "ВСЕГО ЧЕКОВ",
    1135: "ЧЕКОВ",
    1136: "НАЛИЧНЫМИ",
    1138: "БЕЗНАЛИЧНЫМИ",
    1139: "СУММА НДС 20%",
    1140: "СУММА НДС 10%",
    1141: "СУММА НДС 20/120",
    1142: "СУММА НДС 10/110",
    1143: "СУММА С НДС 0%",
    1144: "ЧЕКОВ КОРРЕКЦИИ",
    1145: "КОРРЕКЦИИ: ПРИХОД",
    1146: "КОРРЕКЦИИ: РАСХОД",
    1148: "САМОСТОЯТЕЛЬНЫХ КОРРЕКЦИЙ",
    1149: "КОРРЕКЦИЙ ПО ПРЕДПИСАНИЮ",
    1157: "СЧЕТЧИКИ ИТОГОВ ФН",
    1158: "ИТОГИ НЕПЕРЕДАННЫХ ФД",
    1171: "ТЕЛ. ПОСТАВЩИКА",
    1173: "ТИП КОРРЕКЦИИ",
    1174: "ОСНОВАНИЕ ДЛЯ КОРРЕКЦИИ",
    1177: "НАИМЕНОВАНИЕ ОСНОВАНИЯ",
    1178: "ДАТА ДОК. ОСНОВАНИЯ",
    1179: "НОМЕР ДОК. ОСНОВАНИЯ",
    1183: "СУММА БЕЗ НДС",
    1187: "МЕСТО РАСЧЕТОВ",
    1188: "ВЕРСИЯ ККТ",
    1189: "ФФД ККТ",
    1190: "ФФД ФН",
    1192: "ДОП. РЕКВИЗИТ ЧЕКА",
    1193: "АЗАРТНЫЕ ИГРЫ",
    1194: "СЧЕТЧИКИ ИТОГОВ СМЕНЫ",
    1201: "ИТОГО",
    1203: "ИНН КАССИРА",
    1205: "ПРИЧИНЫ ИЗМЕНЕНИЯ (БИТЫ)",
    1206: "СООБЩЕНИЕ ОПЕРАТОРА",
    1207: "ПОДАКЦИЗНЫЕ ТОВАРЫ",
    1208: "САЙТ ЧЕКОВ",
    1209: "ВЕРСИЯ ФФД",
    1213: "РЕСУРС КЛЮЧЕЙ ФП",
    1215: "ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА (АВАНС)",
    1216: "ПОСЛЕДУЮЩАЯ ОПЛАТА (КРЕДИТ)",
    1217: "ИНОЙ ФОРМОЙ ОПЛАТЫ",
    1218: "ПРЕДОПЛАТАМИ (АВАНСАМИ)",
    1219: "ПОСТОПЛАТАМИ (КРЕДИТАМИ)",
    1220: "ВСТРЕЧНЫМ ПРЕДОСТАВЛЕНИЕМ",
    1221: "ПРИНТЕР В АВТОМАТЕ",
    1222: "ПРИЗНАК АГЕНТА",
    1225: "ПОСТАВЩИК",
    1226: "ИНН ПОСТАВЩИКА",
    1227: "ПОКУПАТЕЛЬ",
    1228: "ИНН ПОКУПАТЕЛЯ",
    1229: "АКЦИЗ",
    1230: "СТРАНА ПРОИСХОЖДЕНИЯ",
    1231: "НОМЕР ДЕКЛАРАЦИИ",
    1232: "КОРРЕКЦИИ: ВОЗВРАТ ПРИХОДА",
    1233: "КОРРЕКЦИИ: ВОЗВРАТ РАСХОДА",
    1290: "УСЛОВИЯ ПРИМЕНЕНИЯ ККТ",
    2104: "НЕПЕРЕДАННЫХ УВЕДОМЛЕНИЙ",
}

_OPERATIONS: Final = {1: "ПРИХОД", 2: "ВОЗВРАТ ПРИХОДА", 3: "РАСХОД", 4: "ВОЗВРАТ РАСХОДА"}
_TAXATION: Final[dict[int, str]] = {
    TaxationSystem.OSN: "ОСН",
    TaxationSystem.USN_INCOME: "УСН доход",
    TaxationSystem.USN_INCOME_MINUS_EXPENSE: "УСН доход - расход",
    TaxationSystem.ENVD: "ЕНВД",
    TaxationSystem.ESHN: "ЕСХН",
    TaxationSystem.PSN: "ПСН",
    TaxationSystem.AUSN: "АУСН",
}
_VAT: Final = {
    1: "НДС 20%", 2: "НДС 10%", 3: "НДС 20/120", 4: "НДС 10/110", 5: "НДС 0%", 6: "БЕЗ НДС",
    7: "НДС 5%", 8: "НДС 7%", 9: "НДС 5/105", 10: "НДС 7/107", 11: "НДС 22%", 12: "НДС 22/122",
}
#: Before 2019-01-01 VAT codes 1 and 3 meant 18 % and 18/118.
_VAT_BEFORE_2019: Final = {1: "НДС 18%", 3: "НДС 18/118"}
_VAT_2019: Final = datetime(2019, 1, 1)
_PAYMENT_METHODS: Final = {
    1: "ПРЕДОПЛАТА 100%", 2: "ПРЕДОПЛАТА", 3: "АВАНС", 4: "ПОЛНЫЙ РАСЧЕТ", 5: "ЧАСТИЧНЫЙ РАСЧЕТ И КРЕДИТ",
    6: "ПЕРЕДАЧА В КРЕДИТ", 7: "ОПЛАТА КРЕДИТА",
}
_SUBJECTS: Final = {
    1: "ТОВАР", 2: "ПОДАКЦИЗНЫЙ ТОВАР", 3: "РАБОТА", 4: "УСЛУГА", 5: "СТАВКА АЗАРТНОЙ ИГРЫ",
    6: "ВЫИГРЫШ АЗАРТНОЙ ИГРЫ", 7: "ЛОТЕРЕЙНЫЙ БИЛЕТ", 8: "ВЫИГРЫШ ЛОТЕРЕИ", 9: "ПРЕДОСТАВЛЕНИЕ РИД",
    10: "ПЛАТЕЖ", 11: "АГЕНТСКОЕ ВОЗНАГРАЖДЕНИЕ", 12: "СОСТАВНОЙ ПРЕДМЕТ РАСЧЕТА", 13: "ИНОЙ ПРЕДМЕТ РАСЧЕТА",
    14: "ИМУЩЕСТВЕННОЕ ПРАВО", 15: "ВНЕРЕАЛИЗАЦИОННЫЙ ДОХОД", 16: "ИНЫЕ ПЛАТЕЖИ И ВЗНОСЫ", 17: "ТОРГОВЫЙ СБОР",
    18: "КУРОРТНЫЙ СБОР", 19: "ЗАЛОГ", 20: "РАСХОД", 21: "ВЗНОСЫ НА ОПС ИП", 22: "ВЗНОСЫ НА ОПС",
    23: "ВЗНОСЫ НА ОМС ИП", 24: "ВЗНОСЫ НА ОМС", 25: "ВЗНОСЫ НА ОСС", 26: "ПЛАТЕЖ КАЗИНО",
    27: "ВЫДАЧА ДЕНЕЖНЫХ СРЕДСТВ", 30: "АТНМ", 31: "АТМ", 32: "ТНМ", 33: "ТМ",
}
_CORRECTION_TYPES: Final = {0: "САМОСТОЯТЕЛЬНО", 1: "ПО ПРЕДПИСАНИЮ"}
_REREGISTRATION_REASONS: Final = {
    1: "ЗАМЕНА ФН", 2: "СМЕНА ОФД", 3: "СМЕНА РЕКВИЗИТОВ ПОЛЬЗОВАТЕЛЯ", 4: "СМЕНА НАСТРОЕК ККТ",
}
_FFD_VERSIONS: Final = {1: "1.0", 2: "1.05", 3: "1.1", 4: "1.2"}
_AGENTS: Final[dict[int, str]] = {
    AgentType.BANK_PAYMENT_AGENT: "БАНК. ПЛ. АГЕНТ",
    AgentType.BANK_PAYMENT_SUBAGENT: "БАНК. ПЛ. СУБАГЕНТ",
    AgentType.PAYMENT_AGENT: "ПЛ. АГЕНТ",
    AgentType.PAYMENT_SUBAGENT: "ПЛ. СУБАГЕНТ",
    AgentType.ATTORNEY: "ПОВЕРЕННЫЙ",
    AgentType.COMMISSION_AGENT: "КОМИССИОНЕР",
    AgentType.OTHER_AGENT: "АГЕНТ",
}
_USAGE: Final[dict[int, str]] = {
    UsageConditions.PRINTER_IN_MACHINE: "ПРИНТЕР В АВТОМАТЕ",
    UsageConditions.BSO_AUTOMATED_SYSTEM: "АС БСО",
    UsageConditions.INTERNET: "ИНТЕРНЕТ",
    UsageConditions.EXCISE_GOODS: "ПОДАКЦИЗНЫЕ ТОВАРЫ",
    UsageConditions.MARKED_GOODS: "МАРКИРОВАННЫЕ ТОВАРЫ",
    UsageConditions.SERVICES: "УСЛУГИ",
    UsageConditions.GAMBLING: "АЗАРТНЫЕ ИГРЫ",
    UsageConditions.LOTTERY: "ЛОТЕРЕИ",
    UsageConditions.PAWNSHOP: "ЛОМБАРД",
    UsageConditions.INSURANCE: "СТРАХОВАНИЕ",
    UsageConditions.AUTOMATIC_DEVICE: "АВТОМАТ",
    UsageConditions.CATERING: "ОБЩЕПИТ",
    UsageConditions.WHOLESALE: "ОПТОВАЯ ТОРГОВЛЯ",
}
#: 2108 «мера количества» (FFD 1.2) as printed after the quantity.
_MEASURES: Final = {
    0: "шт", 10: "г", 11: "кг", 12: "т", 20: "см", 21: "дм", 22: "м", 30: "кв.см", 31: "кв.дм", 32: "кв.м",
    40: "мл", 41: "л", 42: "куб.м", 50: "кВт*ч", 51: "Гкал", 70: "сут", 71: "ч", 72: "мин", 73: "с",
    80: "Кбайт", 81: "Мбайт", 82: "Гбайт", 83: "Тбайт",
}

_TITLES: Final = {
    DocumentType.REGISTRATION: "ОТЧЕТ О РЕГИСТРАЦИИ",
    DocumentType.REREGISTRATION: "ОТЧЕТ ОБ ИЗМЕНЕНИИ ПАРАМЕТРОВ РЕГИСТРАЦИИ",
    DocumentType.OPEN_SHIFT: "ОТЧЕТ ОБ ОТКРЫТИИ СМЕНЫ",
    DocumentType.CURRENT_STATE: "ОТЧЕТ О ТЕКУЩЕМ СОСТОЯНИИ РАСЧЕТОВ",
    DocumentType.RECEIPT: "КАССОВЫЙ ЧЕК",
    DocumentType.CORRECTION_RECEIPT: "КАССОВЫЙ ЧЕК КОРРЕКЦИИ",
    DocumentType.BSO: "БЛАНК СТРОГОЙ ОТЧЕТНОСТИ",
    DocumentType.BSO_CORRECTION: "БСО КОРРЕКЦИИ",
    DocumentType.CLOSE_SHIFT: "ОТЧЕТ О ЗАКРЫТИИ СМЕНЫ",
    DocumentType.CLOSE_FN: "ОТЧЕТ О ЗАКРЫТИИ ФН",
}
_RECEIPTS: Final = frozenset({DocumentType.RECEIPT, DocumentType.BSO})
_CORRECTIONS: Final = frozenset({DocumentType.CORRECTION_RECEIPT, DocumentType.BSO_CORRECTION})

#: Body requisites of the reports, in the order they are printed (anything else follows in wire order).
_REPORT_BODY: Final[dict[DocumentType, tuple[int, ...]]] = {
    DocumentType.REGISTRATION: (
        1021, 1203, 1013, 1188, 1062, 1002, 1001, 1036, 1056, 1108, 1109, 1110, 1126, 1193, 1207, 1221, 1290,
        1057, 1017, 1046, 1060, 1117, 1189, 1190, 1209, 1213,
    ),
    DocumentType.OPEN_SHIFT: (1021, 1203, 1188, 1189, 1209, 1050, 1051, 1052, 1053, 1206),
    DocumentType.CURRENT_STATE: (1002, 1097, 1116, 1098, 2104, 1213, 1158, 1157),
    DocumentType.CLOSE_SHIFT: (
        1021, 1203, 1118, 1111, 1097, 1098, 2104, 1050, 1051, 1052, 1053, 1206, 2112, 2113, 1213, 1194, 1157,
    ),
    DocumentType.CLOSE_FN: (1021, 1203, 1157),
}
_REPORT_BODY[DocumentType.REREGISTRATION] = (1101, 1205, *_REPORT_BODY[DocumentType.REGISTRATION], 1157)

_HEADER_TAGS: Final = (1048, 1009, 1187, 1018)
_PAYMENTS: Final = (1031, 1081, 1215, 1216, 1217)
_VAT_SUMS: Final = (1102, 1103, 1104, 1105, 1106, 1107)
_RECEIPT_INFO: Final = (1055, 1021, 1203, 1008, 1117, 1060, 1036, 1057)
_ITEM_TAGS: Final = (1030, 1079, 1023, 1197, 2108, 1043, 1199, 1200, 1214, 1212)
_CONTROL: Final = re.compile(r"[^\S ]|[\x00-\x1f\x7f]")


# --- width and value formatting ------------------------------------------------------------------


def check_width(width: int) -> int:
    """Return ``width`` if it is a usable tape width (a whole number ≥ :data:`MIN_WIDTH`), else raise."""
    if isinstance(width, bool) or not isinstance(width, int):
        raise ValueError(f"tape width must be an int, got {type(width).__name__}")
    if width < MIN_WIDTH:
        raise ValueError(f"tape width must be at least {MIN_WIDTH} characters, got {width}")
    return width


def format_money(kopecks: int) -> str:
    """Kopecks → roubles with two decimals: ``12345`` → ``"123.45"``."""
    sign = "-" if kopecks < 0 else ""
    rubles, kop = divmod(abs(kopecks), 100)
    return f"{sign}{rubles}.{kop:02d}"


def format_quantity(quantity: Decimal | int) -> str:
    """A quantity as the register printed it: the FVLN keeps its decimals (``1.000``, ``0.25``, ``2``)."""
    return format(Decimal(quantity), "f")


def _date_time(value: datetime) -> str:
    return value.strftime("%d.%m.%y %H:%M")


def _clean(text: str) -> str:
    """One printable line: tabs and line breaks become spaces, other control characters '?'."""
    return _CONTROL.sub(lambda m: " " if m.group().isspace() else "?", text).strip()


def _names(mask: int, names: Mapping[int, str]) -> str:
    """Names of the bits set in ``mask``; bits without a name print as «БИТ n»."""
    parts = [text for flag, text in names.items() if mask & flag]
    known = 0
    for flag in names:
        known |= flag
    parts += [f"БИТ {bit}" for bit in range(32) if mask >> bit & 1 and not known >> bit & 1]
    return ", ".join(parts) if parts else "0"


class _Context:
    """What value formatting needs to know about the whole document."""

    def __init__(self, doc: FiscalDocument) -> None:
        when = doc.get(1012)
        self.date = when if isinstance(when, datetime) else None
        self.ffd = doc.get(1209)

    def vat(self, code: int) -> str:
        if self.date is not None and self.date < _VAT_2019 and code in _VAT_BEFORE_2019:
            return _VAT_BEFORE_2019[code]
        return _VAT.get(code, f"СТАВКА НДС {code}")

    def subject(self, code: int) -> str:
        if code == 12 and self.ffd == 4:
            return "ВЫПЛАТА"
        return _SUBJECTS.get(code, str(code))


def _enum_text(tag: int, value: int, ctx: _Context) -> str | None:
    """Printed form of an enumerated or bit-mask requisite, or ``None`` for a plain number."""
    simple: dict[int, dict[int, str]] = {
        1054: _OPERATIONS, 1173: _CORRECTION_TYPES, 1101: _REREGISTRATION_REASONS, 1214: _PAYMENT_METHODS,
        1189: _FFD_VERSIONS, 1190: _FFD_VERSIONS, 1209: _FFD_VERSIONS, 2108: _MEASURES,
    }
    if tag in simple:
        return simple[tag].get(value, str(value))
    if tag == 1199:
        return ctx.vat(value)
    if tag == 1212:
        return ctx.subject(value)
    if tag in (1055, 1062):
        return _names(value, _TAXATION)
    if tag in (1057, 1222):
        return _names(value, _AGENTS)
    if tag == 1290:
        return _names(value, _USAGE)
    if tag == 1205:
        return ", ".join(map(str, kkt_change_reason_bits(value))) or "0"
    if tag in _FLAGS and value in (0, 1):
        return "ДА" if value else "НЕТ"
    return None


def _value_text(field: Field, ctx: _Context) -> str:
    """The printed value of a scalar requisite."""
    info, value = field.info, field.value
    if isinstance(value, tuple):  # pragma: no cover - STLVs are laid out by the caller
        raise TypeError("STLV has no single value")
    if isinstance(value, bytes):
        if info.tag == 1077 and len(value) == 6:
            return str(fiscal_sign_number(value))
        return value.hex().upper()
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%y") if info.tag in _DATE_ONLY else _date_time(value)
    if isinstance(value, Decimal):
        return format_quantity(value)
    if isinstance(value, str):
        text = _clean(value)
        if info.tag in _INN_TAGS and len(text) == 12 and text.startswith("00") and text[2:].strip("0"):
            text = text[2:]
        return text
    if info.type is ValueType.VLN and info.tag not in _NOT_MONEY:
        return "=" + format_money(value)
    named = _enum_text(info.tag, value, ctx)
    return named if named is not None else str(value)


def _label(field: Field) -> str:
    return _LABELS.get(field.tag) or field.info.name_ru.upper()


# --- line layout --------------------------------------------------------------------------------


class _Lines:
    """Accumulates printed lines of one document, none wider than ``width``."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.lines: list[str] = []

    def wrap(self, text: str, indent: int = 0) -> list[str]:
        avail = self.width - indent
        return textwrap.wrap(_clean(text), avail, break_long_words=True, break_on_hyphens=False) or [""]

    def text(self, text: str, indent: int = 0) -> None:
        """Left-aligned, wrapped."""
        self.lines += [" " * indent + line for line in self.wrap(text, indent)]

    def center(self, text: str) -> None:
        """Centred, wrapped."""
        self.lines += [line.center(self.width).rstrip() for line in self.wrap(text)]

    def pair(self, label: str, value: str, indent: int = 0) -> None:
        """Label on the left, value on the right; both wrap when they do not fit on one line."""
        avail = self.width - indent
        pad = " " * indent
        label, value = _clean(label), _clean(value)
        if not value:
            self.text(label, indent)
            return
        label_lines = self.wrap(label, indent) if label else []
        last = label_lines.pop() if label_lines else ""
        self.lines += [pad + line for line in label_lines]
        if len(last) + (1 if last else 0) + len(value) <= avail:
            self.lines.append(pad + last + " " * (avail - len(last) - len(value)) + value)
            return
        if last:
            self.lines.append(pad + last)
        value_lines = self.wrap(value, indent)
        if len(value_lines) == 1:
            self.lines.append(pad + value_lines[0].rjust(avail))
        else:  # a long value (an e-mail, say) reads better wrapped from the left edge
            self.lines += [pad + line for line in value_lines]

    def separator(self, char: str = "-") -> None:
        self.lines.append(char * self.width)

    def result(self) -> str:
        return "\n".join(self.lines) + "\n"


class _Fields:
    """A document's fields with a record of which ones are already printed."""

    def __init__(self, fields: Sequence[Field]) -> None:
        self.fields = tuple(fields)
        self.used = [False] * len(self.fields)

    def take(self, tag: int) -> Field | None:
        """The first unprinted field with ``tag``, now marked printed."""
        for index, field in enumerate(self.fields):
            if field.tag == tag and not self.used[index]:
                self.used[index] = True
                return field
        return None

    def take_all(self, tag: int) -> list[Field]:
        out = []
        while (field := self.take(tag)) is not None:
            out.append(field)
        return out

    def rest(self) -> list[Field]:
        """Every field not printed yet, in wire order; marks them printed."""
        out = [field for index, field in enumerate(self.fields) if not self.used[index]]
        self.used = [True] * len(self.fields)
        return out


def _indent_for(out: _Lines, depth: int) -> int:
    return min(2 * depth, out.width - MIN_WIDTH + 8)


def _generic(out: _Lines, field: Field, ctx: _Context, depth: int = 0) -> None:
    """Any requisite: label and value; an STLV as a heading with its children indented below it."""
    indent = _indent_for(out, depth)
    if not field.info.known:
        value = field.value
        shown = value.hex().upper() if isinstance(value, bytes) else str(value)
        out.text(f"{field.tag}: {shown}", indent)
        return
    if isinstance(field.value, tuple):
        out.text(_label(field) + ":", indent)
        for child in field.value:
            _generic(out, child, ctx, depth + 1)
        return
    out.pair(_label(field), _value_text(field, ctx), indent)


def _take_pair(out: _Lines, fields: _Fields, tag: int, ctx: _Context, label: str | None = None) -> None:
    for field in fields.take_all(tag):
        if isinstance(field.value, tuple):
            _generic(out, field, ctx)
        else:
            out.pair(label or _label(field), _value_text(field, ctx))


def _take_many(out: _Lines, fields: _Fields, tags: Iterable[int], ctx: _Context) -> None:
    for tag in tags:
        _take_pair(out, fields, tag, ctx)


def _string(field: Field | None) -> str:
    return _clean(field.value) if field is not None and isinstance(field.value, str) else ""


# --- document sections -------------------------------------------------------------------------------


def _header(out: _Lines, fields: _Fields, ctx: _Context) -> None:
    """User name, address and place of settlement centred; ИНН."""
    for tag in (1048, 1009, 1187):
        for field in fields.take_all(tag):
            if isinstance(field.value, str):
                out.center(field.value)
            else:
                _generic(out, field, ctx)
    _take_pair(out, fields, 1018, ctx, "ИНН")


def _title(out: _Lines, fields: _Fields, title: str, ctx: _Context) -> None:
    out.separator()
    out.center(title)
    name = fields.take(1000)
    if name is not None:
        text = _string(name)
        if text.casefold() != title.casefold():
            out.center(text)
    operation = fields.take(1054)
    if operation is not None:
        out.center(_value_text(operation, ctx))


def _item(out: _Lines, number: int, item: Field, ctx: _Context) -> None:
    children = _Fields(item.children)
    name = _string(children.take(1030))
    out.text(f"{number}. {name}" if name else f"{number}.")
    price, quantity, amount = children.take(1079), children.take(1023), children.take(1043)
    unit = children.take(1197) or children.take(2108)
    left = ""
    if price is not None or quantity is not None:
        qty = _value_text(quantity, ctx) if quantity is not None else "1"
        if unit is not None:
            qty += " " + _value_text(unit, ctx)
        left = f"{qty} x {_value_text(price, ctx).lstrip('=')}" if price is not None else qty
    elif unit is not None:
        left = _value_text(unit, ctx)
    out.pair(left, _value_text(amount, ctx) if amount is not None else "")
    vat, vat_sum = children.take(1199), children.take(1200)
    if vat is not None or vat_sum is not None:
        label = _value_text(vat, ctx) if vat is not None else "НДС"
        out.pair(label, _value_text(vat_sum, ctx) if vat_sum is not None else "")
    method, subject = children.take(1214), children.take(1212)
    method_text = _value_text(method, ctx) if method is not None else ""
    subject_text = _value_text(subject, ctx) if subject is not None else ""
    if method_text and subject_text and len(method_text) + 1 + len(subject_text) <= out.width:
        out.pair(method_text, subject_text)
    else:
        for text in (method_text, subject_text):
            if text:
                out.text(text)
    for field in children.rest():
        _generic(out, field, ctx, 1)


def _correction_basis(out: _Lines, fields: _Fields, ctx: _Context) -> None:
    _take_pair(out, fields, 1173, ctx)
    for basis in fields.take_all(1174):
        if not isinstance(basis.value, tuple):
            _generic(out, basis, ctx)
            continue
        out.text(_label(basis) + ":")
        children = _Fields(basis.value)
        description = children.take(1177)
        if description is not None:
            out.text(_string(description))
        _take_many(out, children, (1178, 1179), ctx)
        for child in children.rest():
            _generic(out, child, ctx, 1)


def _qr_text(doc: FiscalDocument, fields: _Fields) -> str | None:
    stored = fields.take(1196)
    if stored is not None and isinstance(stored.value, str) and stored.value.strip():
        return stored.value.strip()
    try:
        return qr_from_document(doc).to_string()
    except QrCodeError:
        return None


def _qr_lines(out: _Lines, qr: str) -> None:
    """``QR: `` and the string, broken before ``&`` (or anywhere, for a too-long piece)."""
    prefix = "QR: "
    line = prefix
    for token in re.split(r"(?=&)", qr):
        while token:
            room = out.width - len(line)
            if len(token) <= room:
                line += token
                token = ""
            elif line not in ("", prefix):
                out.lines.append(line)
                line = ""
            else:
                line += token[:room]
                token = token[room:]
                out.lines.append(line)
                line = ""
    if line:
        out.lines.append(line)


def _fiscal_block(out: _Lines, doc: FiscalDocument, fields: _Fields, ctx: _Context, *, qr: bool) -> None:
    """Shift, receipt number, date and time, РН ККТ, ЗН ККТ, ФН, ФД, ФП, and the QR string."""
    _take_many(out, fields, (1038, 1042), ctx)
    _take_many(out, fields, (1012, 1037, 1013, 1041, 1040, 1077), ctx)
    text = _qr_text(doc, fields) if qr else None
    if text:
        _qr_lines(out, text)


def _rest(out: _Lines, fields: _Fields, ctx: _Context) -> None:
    for field in fields.rest():
        if field.tag == 1196 and isinstance(field.value, str):
            _qr_lines(out, _clean(field.value))
        else:
            _generic(out, field, ctx)


def _render_receipt(out: _Lines, doc: FiscalDocument, fields: _Fields, ctx: _Context) -> None:
    correction = doc.document_type in _CORRECTIONS
    if correction:
        _correction_basis(out, fields, ctx)
    items = fields.take_all(1059)
    if items:
        out.separator()
        for number, item in enumerate(items, 1):
            if isinstance(item.value, tuple):
                _item(out, number, item, ctx)
            else:
                _generic(out, item, ctx)
    out.separator()
    _take_many(out, fields, (1020, *_PAYMENTS), ctx)
    _vat_sums(out, fields, ctx)
    out.separator()
    for field in fields.take_all(1008):
        contact = _string(field)
        label = "ЭЛ. АДР. ПОКУПАТЕЛЯ" if "@" in contact else "ТЕЛ. ПОКУПАТЕЛЯ"
        out.pair(label, contact)
    _take_many(out, fields, _RECEIPT_INFO, ctx)
    _rest_before_fiscal(out, fields, ctx)
    out.separator()
    _fiscal_block(out, doc, fields, ctx, qr=True)


def _vat_sums(out: _Lines, fields: _Fields, ctx: _Context) -> None:
    """1102–1107, then one «СУММА НДС <rate>» line per 1119 of 1115 (the 2025 VAT sums by rate). The 1104 = 0
    that stands beside 1115 is not printed (it is electronic-only, табл. 11.2 as one source quotes it)."""
    container = fields.take_all(1115)
    zero_beside = [field for field in fields.fields if field.tag == 1104 and field.value == 0]
    if container and zero_beside and not any(f.tag in (1102, 1103, 1105, 1106, 1107) for f in fields.fields):
        fields.take(1104)
    _take_many(out, fields, _VAT_SUMS, ctx)
    for field in container:
        entries = field.value if isinstance(field.value, tuple) else ()
        for entry in entries:
            rate, total = entry.get(1199), entry.get(1120)
            if entry.tag == 1119 and isinstance(rate, int) and isinstance(total, int):
                out.pair(f"СУММА {ctx.vat(rate)}", _value_text(_money_field(total), ctx))
            else:
                _generic(out, entry, ctx, 1)
        if not isinstance(field.value, tuple):
            _generic(out, field, ctx)


def _money_field(kopecks: int) -> Field:
    return Field(info_for(1120), kopecks)


def _rest_before_fiscal(out: _Lines, fields: _Fields, ctx: _Context) -> None:
    fiscal = {1038, 1042, 1012, 1037, 1013, 1041, 1040, 1077, 1196}
    for index, field in enumerate(fields.fields):
        if not fields.used[index] and field.tag not in fiscal:
            fields.used[index] = True
            _generic(out, field, ctx)


def _render_report_document(out: _Lines, doc: FiscalDocument, fields: _Fields, ctx: _Context) -> None:
    if doc.get(1097) == 0:  # nothing waits for the OFD: the 1116 = 0 / 1098 = 0 placeholders are not printed
        for tag, empty in ((1116, 0), (1098, datetime(1970, 1, 1))):
            if doc.get(tag) == empty:
                fields.take(tag)
    out.separator()
    _take_many(out, fields, _REPORT_BODY.get(doc.document_type, ()), ctx)
    _rest_before_fiscal(out, fields, ctx)
    out.separator()
    _fiscal_block(out, doc, fields, ctx, qr=False)


def render_document(tlv: bytes, width: int) -> str:
    """Print one fiscal document given as its STLV bytes (outer tag = document type code).

    Returns the text, one line per printed line, each at most ``width`` characters, ending with the
    cut-marker line ``"~" * width`` and a newline. Receipts (3), correction receipts (31) and BSO
    (4/41) get the receipt layout; registration (1), re-registration (11), shift open (2), state (21),
    shift close (5) and FN close (6) reports get the report layout; other document types are printed
    with their title and every requisite generically. Malformed bytes raise
    :class:`kkt_drivers.ffd.FfdDecodeError`.
    """
    check_width(width)
    doc = decode_document(tlv)
    ctx = _Context(doc)
    fields = _Fields(doc.fields)
    out = _Lines(width)
    title = _TITLES.get(doc.document_type, doc.document_type.info.name_ru.upper())
    _header(out, fields, ctx)
    _title(out, fields, title, ctx)
    if doc.document_type in _RECEIPTS or doc.document_type in _CORRECTIONS:
        _render_receipt(out, doc, fields, ctx)
    else:
        _render_report_document(out, doc, fields, ctx)
    _rest(out, fields, ctx)
    out.separator("~")
    return out.result()


def render_report(title: str, rows: Sequence[tuple[str, str]], width: int) -> str:
    """Print a non-fiscal report (X-report and the like): centred title, label/value rows, cut marker.

    A row with an empty value prints its label alone (a sub-heading); a row ``("-", "")`` prints a
    separator line.
    """
    check_width(width)
    out = _Lines(width)
    out.center(title)
    out.separator()
    for label, value in rows:
        if label == "-" and not value:
            out.separator()
        else:
            out.pair(label, value)
    out.separator("~")
    return out.result()


# --- the sink ---------------------------------------------------------------------------------------


#: documents a stream or file tape keeps in memory besides printing them
KEEP_PRINTED = 100


class Tape:
    """Where the emulated printer's output goes: a text stream, a file, or memory.

    Build one with :meth:`to_stream`, :meth:`to_file` or :meth:`memory`. :meth:`write` takes one
    printed document (any text; a missing final newline is added) and flushes it at once. A file tape
    opens the file in append mode for each document, so nothing stays buffered or open between
    documents. A memory tape keeps every document it printed in :attr:`documents`; a stream or file tape
    keeps only the last :data:`KEEP_PRINTED` (the paper is the record, memory stays bounded however long the
    emulator runs). :attr:`text` is those joined. Writes are serialised by a lock, so a device thread and a
    test can share a tape.
    """

    def __init__(
        self,
        width: int = 48,
        *,
        stream: TextIO | None = None,
        path: str | Path | None = None,
    ) -> None:
        if stream is not None and path is not None:
            raise ValueError("a tape goes to a stream or to a file, not both")
        self.width = check_width(width)
        self._stream = stream
        self._path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self.documents: deque[str] = deque(maxlen=None if stream is None and path is None else KEEP_PRINTED)

    @classmethod
    def to_stream(cls, stream: TextIO, width: int = 48) -> Tape:
        """A tape printing to an open text stream (``sys.stdout``, say); flushed after each document."""
        return cls(width, stream=stream)

    @classmethod
    def to_file(cls, path: str | Path, width: int = 48) -> Tape:
        """A tape appended to a UTF-8 text file, one flush per document."""
        return cls(width, path=path)

    @classmethod
    def memory(cls, width: int = 48) -> Tape:
        """A tape kept only in memory (:attr:`text`, :attr:`documents`) — for tests."""
        return cls(width)

    @property
    def text(self) -> str:
        """Everything printed so far."""
        with self._lock:
            return "".join(self.documents)

    def write(self, text: str) -> None:
        """Print ``text`` (one document) and flush it."""
        if not text.endswith("\n"):
            text += "\n"
        with self._lock:
            self.documents.append(text)
            if self._stream is not None:
                self._stream.write(text)
                self._stream.flush()
            elif self._path is not None:
                with self._path.open("a", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()

    def print_document(self, tlv: bytes) -> str:
        """Render a fiscal document at this tape's width, print it and return the text."""
        text = render_document(tlv, self.width)
        self.write(text)
        return text

    def print_report(self, title: str, rows: Sequence[tuple[str, str]]) -> str:
        """Render a non-fiscal report at this tape's width, print it and return the text."""
        text = render_report(title, rows, self.width)
        self.write(text)
        return text
