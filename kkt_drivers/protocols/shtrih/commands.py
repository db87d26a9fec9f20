"""Shtrih-M commands, declared once and shared by the driver and the emulator.

A message is ``<code> [<password: 4 bytes LE>] <parameters>``; ``code`` is one byte, or ``FF xx`` for the
ФН commands. An answer is ``<code> <error> <data>``; when ``error`` is not zero nothing follows it. Each spec
declares the parameters after the password and the data after the error byte.

Sources, per command (tags of protocol-notes/shtrih/README.md):

* ``P20`` vendor «Протокол работы ККТ» v2.0 (2014) and ``P20R`` its later revision (with 8Eh), both in
  github.com/shtrih-m/javapos_shtrih ``Doc/SHTRIH/``;
* ``PFN`` vendor «Протокол ФР (Команды работы с ФН)» (same folder), for FF01…FF45;
* ``JPOS`` the vendor's JavaPOS driver (same repository, ``Source/Core/src/com/shtrih/fiscalprinter/command``),
  whose ``encode``/``decode`` methods and unit tests fix the current layouts of FF34, FF45, FF46 and FF4D;
* ``PYS`` pyshtrih (oleg-golovanov/pyshtrih @ 6de82f3), ``S13`` the KKTClient package of the research notes.

Where the sources disagree the newer one wins and the notes say so. Modes (``modes=``) are **[inferred]**
from the mode table and the error codes, not published per command.
"""

from __future__ import annotations

import struct
from typing import Any, NamedTuple

import construct as cs
from construct import this

from ...errors import DeviceError, InvalidParameter, ProtocolError
from ..error_table import ErrorTable
from ..spec import CommandRegistry
from .errors import SHTRIH_ERRORS
from .fields import Date, FixedText, FnDate, FnDateTime, Money, Quantity6, Tail, Text, Time
from .framer import MAX_MESSAGE, command_code
from .spec import Password, ShtrihCommandSpec

FAMILY = "shtrih"
REGISTRY: CommandRegistry[ShtrihCommandSpec] = CommandRegistry(FAMILY)

OPERATOR, ADMIN, NO_PASSWORD = Password.OPERATOR, Password.ADMIN, Password.NONE
TAX_INSPECTOR = Password.TAX_INSPECTOR

#: modes (low nibble of the mode byte), vendor protocol appendix 1
MODE_SHIFT_OPEN, MODE_SHIFT_EXPIRED, MODE_SHIFT_CLOSED, MODE_DOCUMENT_OPEN = 2, 3, 4, 8


def _register(spec: ShtrihCommandSpec) -> ShtrihCommandSpec:
    REGISTRY.register(spec)
    return spec


def _spec(code: str, name: str, doc_ru: str, doc_en: str, **extra: Any) -> ShtrihCommandSpec:
    return _register(ShtrihCommandSpec(FAMILY, bytes.fromhex(code), name, doc_ru, doc_en, **extra))


OPERATOR_ONLY = cs.Struct("operator" / cs.Int8ul)
TAXES = ("tax1" / cs.Int8ul, "tax2" / cs.Int8ul, "tax3" / cs.Int8ul, "tax4" / cs.Int8ul)
DOCUMENT = ("document_number" / cs.Int32ul, "fiscal_sign" / cs.Int32ul)

# =============================================================================================
# Status and service
# =============================================================================================

SHORT_STATUS = _spec(
    "10", "short status",
    "Короткий запрос состояния ККТ: оператор, флаги, режим и подрежим, число операций в чеке (младший байт "
    "здесь, старший после кода ошибки ЭКЛЗ), напряжения, коды ошибок ФП/ЭКЛЗ; у части моделей ещё результат "
    "последней печати. P20, PYS.",
    "Short status: operator, flags, mode and submode, operations in the receipt (low byte here, high byte "
    "after the EKLZ error), voltages, FP/EKLZ errors; some models add the result of the last print.",
    response=cs.Struct(
        "operator" / cs.Int8ul,
        "flags" / cs.Int16ul,
        "mode" / cs.Int8ul,
        "submode" / cs.Int8ul,
        "operations_low" / cs.Int8ul,
        "battery_voltage" / cs.Int8ul,
        "power_voltage" / cs.Int8ul,
        "fp_error" / cs.Int8ul,
        "eklz_error" / cs.Int8ul,
        "operations_high" / cs.Int8ul,
        "reserved" / cs.Bytes(3),
        "print_result" / Tail(cs.Int8ul),
    ),
    idempotent=True, timeout=3.0,
)

FULL_STATUS = _spec(
    "11", "full status",
    "Запрос состояния ККТ: версии и даты ПО, сквозной номер документа, флаги, режим, порт, дата и время, "
    "заводской номер, смены, перерегистрации, ИНН; новые модели добавляют поля в конец (extension). P20.",
    "Full status: firmware versions and dates, document number, flags, mode, port, date and time, serial "
    "number, shifts, re-registrations, taxpayer number; newer models append fields (extension).",
    response=cs.Struct(
        "operator" / cs.Int8ul,
        "firmware_version" / FixedText(2),
        "firmware_build" / cs.Int16ul,
        "firmware_date" / Date,
        "hall_number" / cs.Int8ul,
        "document_number" / cs.Int16ul,
        "flags" / cs.Int16ul,
        "mode" / cs.Int8ul,
        "submode" / cs.Int8ul,
        "port" / cs.Int8ul,
        "fp_version" / FixedText(2),
        "fp_build" / cs.Int16ul,
        "fp_date" / Date,
        "date" / Date,
        "time" / Time,
        "fp_flags" / cs.Int8ul,
        "serial_number" / cs.Int32ul,
        "last_closed_shift" / cs.Int16ul,
        "free_fp_records" / cs.Int16ul,
        "registrations" / cs.Int8ul,
        "registrations_left" / cs.Int8ul,
        "inn" / cs.BytesInteger(6, swapped=True),
        "extension" / cs.GreedyBytes,
    ),
    idempotent=True, timeout=3.0,
)

BEEP = _spec(
    "13", "beep", "Гудок. P20, PYS.", "Beep.",
    response=OPERATOR_ONLY,
)

PRINT_STRING = _spec(
    "17", "print string",
    "Печать строки шрифтом 1: флаги (бит 0 — контрольная лента, бит 1 — чековая), текст (не короче 40 "
    "байт, дополняется нулями). P20, PYS.",
    "Print a line in font 1: flags (bit 0 journal, bit 1 receipt tape), text (NUL-padded to 40 bytes).",
    request=cs.Struct("flags" / cs.Int8ul, "text" / Text(40)),
    response=OPERATOR_ONLY,
)

WRITE_TABLE = _spec(
    "1E", "write table",
    "Запись таблицы: таблица, ряд (2 байта), поле, значение (до 40 или до 246 байт по модели). P20, PYS.",
    "Write a table field: table, row (2 bytes), field, value (up to 40 or 246 bytes by model).",
    request=cs.Struct("table" / cs.Int8ul, "row" / cs.Int16ul, "field" / cs.Int8ul, "value" / cs.GreedyBytes),
    password=ADMIN, idempotent=True,
)

READ_TABLE = _spec(
    "1F", "read table",
    "Чтение таблицы: таблица, ряд, поле → значение. P20, PYS.",
    "Read a table field: table, row, field → value.",
    request=cs.Struct("table" / cs.Int8ul, "row" / cs.Int16ul, "field" / cs.Int8ul),
    response=cs.Struct("value" / cs.GreedyBytes),
    password=ADMIN, idempotent=True,
)

CUT = _spec(
    "25", "cut",
    "Отрезка чека: 0 — полная, 1 — неполная. P20, PYS.",
    "Cut the receipt: 0 full, 1 partial.",
    request=cs.Struct("cut_type" / cs.Int8ul),
    response=OPERATOR_ONLY,
)

FONT_PARAMETERS = _spec(
    "26", "font parameters",
    "Прочитать параметры шрифта: ширина области печати в точках, ширина и высота символа, число шрифтов. P20, JPOS.",
    "Font parameters: print width in dots, character width and height, number of fonts.",
    request=cs.Struct("font" / cs.Int8ul),
    response=cs.Struct("print_width" / cs.Int16ul, "char_width" / cs.Int8ul, "char_height" / cs.Int8ul,
                       "font_count" / cs.Int8ul),
    password=ADMIN, idempotent=True, timeout=5.0,
)

TABLE_STRUCTURE = _spec(
    "2D", "table structure",
    "Запрос структуры таблицы: название (40 байт), число рядов, число полей. P20, PYS.",
    "Table structure: name (40 bytes), number of rows, number of fields.",
    request=cs.Struct("table" / cs.Int8ul),
    response=cs.Struct("name" / FixedText(40), "rows" / cs.Int16ul, "fields" / cs.Int8ul),
    password=ADMIN, idempotent=True,
)

SET_EXCHANGE_PARAMETERS = _spec(
    "14", "set exchange parameters",
    "Установка параметров обмена: номер порта, код скорости (0…9: 2400, 4800, 9600, 19200, 38400, 57600, "
    "115200, 230400, 460800, 921600), тайм-аут приёма байта (код). Подтверждение и ответ идут на старой "
    "скорости. P20, PYS.",
    "Set the exchange parameters: port, baud-rate code (0…9), byte-timeout code. The acknowledgement and the "
    "answer still go at the old rate.",
    request=cs.Struct("port" / cs.Int8ul, "baud_code" / cs.Int8ul, "byte_timeout" / cs.Int8ul),
    password=ADMIN, idempotent=True,
)

READ_EXCHANGE_PARAMETERS = _spec(
    "15", "read exchange parameters",
    "Чтение параметров обмена: номер порта → код скорости, код тайм-аута приёма байта. P20, PYS.",
    "Read the exchange parameters: port → baud-rate code, byte-timeout code.",
    request=cs.Struct("port" / cs.Int8ul),
    response=cs.Struct("baud_code" / cs.Int8ul, "byte_timeout" / cs.Int8ul),
    password=ADMIN, idempotent=True,
)

READ_MONEY_REGISTER = _spec(
    "1A", "read money register",
    "Запрос денежного регистра: номер (1 байт) → оператор, содержимое (6 байт). Регистр 241 — накопление "
    "наличности в кассе (JPOS CashRegister). P20, PYS.",
    "Read a money register: number (1 byte) → operator, value (6 bytes). Register 241 is the cash in the "
    "drawer.",
    request=cs.Struct("register" / cs.Int8ul),
    response=cs.Struct("operator" / cs.Int8ul, "value" / cs.BytesInteger(6, swapped=True)),
    idempotent=True,
)

READ_OPERATION_REGISTER = _spec(
    "1B", "read operation register",
    "Запрос операционного регистра: номер → оператор, содержимое (2 байта). P20, PYS.",
    "Read an operation register: number → operator, value (2 bytes).",
    request=cs.Struct("register" / cs.Int8ul),
    response=cs.Struct("operator" / cs.Int8ul, "value" / cs.Int16ul),
    idempotent=True,
)

SET_TIME = _spec(
    "21", "set time", "Программирование времени ЧЧ ММ СС. P20, PYS.", "Set the time (HH MM SS).",
    request=cs.Struct("time" / Time), password=ADMIN,
)

SET_DATE = _spec(
    "22", "set date",
    "Программирование даты ДД ММ ГГ; вступает в силу после подтверждения (23h). P20, PYS.",
    "Set the date (DD MM YY); it takes effect once confirmed with 23h.",
    request=cs.Struct("date" / Date), password=ADMIN,
)

CONFIRM_DATE = _spec(
    "23", "confirm date", "Подтверждение программирования даты (та же дата, что в 22h). P20, PYS.",
    "Confirm the date set with 22h (the same date again).",
    request=cs.Struct("date" / Date), password=ADMIN,
)

FIELD_STRUCTURE = _spec(
    "2E", "field structure",
    "Запрос структуры поля: таблица, поле → название (40 байт), тип (0 — BIN, 1 — CHAR), размер X, для BIN "
    "минимум и максимум по X байт. P20, PYS.",
    "Field structure: table, field → name (40 bytes), type (0 BIN, 1 CHAR), size X, and for BIN fields the "
    "minimum and maximum (X bytes each).",
    request=cs.Struct("table" / cs.Int8ul, "field" / cs.Int8ul),
    response=cs.Struct("name" / FixedText(40), "field_type" / cs.Int8ul, "size" / cs.Int8ul,
                       "limits" / cs.GreedyBytes),
    password=ADMIN, idempotent=True,
)

CONTINUE_PRINT = _spec(
    "B0", "continue print",
    "Продолжение печати (после заправки бумаги, подрежим 3). P20, PYS.",
    "Continue printing (after the paper was refilled, submode 3).",
    response=OPERATOR_ONLY,
)

ERROR_TEXT = _spec(
    "6B", "error text",
    "Возврат названия ошибки по её коду (без пароля). JPOS (тест ReadErrorDescriptionTests).",
    "Name of an error code (no password).",
    request=cs.Struct("error_code" / cs.Int8ul),
    response=cs.Struct("text" / Text()),
    password=NO_PASSWORD, idempotent=True,
)

DEVICE_TYPE = _spec(
    "FC", "device type",
    "Получить тип устройства (без пароля): тип, подтип, версия и подверсия протокола, модель, язык, "
    "название (WIN1251). P20, PYS; захват fr_drv_ng #236.",
    "Device type (no password): type, subtype, protocol version and subversion, model, language, name.",
    response=cs.Struct(
        "device_type" / cs.Int8ul,
        "device_subtype" / cs.Int8ul,
        "protocol_version" / cs.Int8ul,
        "protocol_subversion" / cs.Int8ul,
        "model" / cs.Int8ul,
        "language" / cs.Int8ul,
        "name" / Text(),
    ),
    password=NO_PASSWORD, idempotent=True,
)

# =============================================================================================
# Reports and shift
# =============================================================================================

X_REPORT = _spec(
    "40", "X-report",
    "Суточный отчёт без гашения (X-отчёт); пароль администратора. P20, PYS.",
    "Daily report without reset (X-report); administrator password.",
    response=OPERATOR_ONLY, password=ADMIN, timeout=30.0,
)

Z_REPORT = _spec(
    "41", "Z-report",
    "Суточный отчёт с гашением (Z-отчёт, закрытие смены); пароль администратора. P20, PYS.",
    "Daily report with reset (Z-report, closes the shift); administrator password.",
    response=OPERATOR_ONLY, password=ADMIN, timeout=65.0,
    modes=frozenset({MODE_SHIFT_OPEN, MODE_SHIFT_EXPIRED}),
)

OPEN_SHIFT = _spec(
    "E0", "open shift",
    "Открыть смену. Ответ: номер оператора (JPOS читает его; pyshtrih ждёт только код ошибки). P20, JPOS.",
    "Open the shift. Answer: operator number (JPOS reads it; pyshtrih expects only the error byte).",
    response=cs.Struct("operator" / Tail(cs.Int8ul)),
    timeout=120.0, modes=frozenset({MODE_SHIFT_CLOSED}),
)

CASH_IN = _spec(
    "50", "cash in",
    "Внесение: сумма (5 байт). Ответ: оператор, сквозной номер документа. P20, PYS.",
    "Cash in: amount (5 bytes). Answer: operator, document number.",
    request=cs.Struct("amount" / Money),
    response=cs.Struct("operator" / cs.Int8ul, "document_number" / cs.Int16ul),
)

CASH_OUT = _spec(
    "51", "cash out",
    "Выплата: сумма (5 байт). Ответ: оператор, сквозной номер документа. P20, PYS.",
    "Cash out: amount (5 bytes). Answer: operator, document number.",
    request=cs.Struct("amount" / Money),
    response=cs.Struct("operator" / cs.Int8ul, "document_number" / cs.Int16ul),
)

DATE_RANGE = _spec(
    "64", "date and shift range",
    "Запрос диапазона дат и смен (пароль налогового инспектора): даты и номера первой и последней смен. P20.",
    "Date and shift range (tax inspector's password): dates and numbers of the first and last shifts.",
    response=cs.Struct("first_date" / Date, "last_date" / Date, "first_shift" / cs.Int16ul,
                       "last_shift" / cs.Int16ul),
    password=TAX_INSPECTOR, idempotent=True,
)

FISCAL_REPORT_BY_SHIFTS = _spec(
    "67", "fiscal report by shifts",
    "Фискальный отчёт по диапазону смен (пароль налогового инспектора): тип (0 — короткий, 1 — полный), "
    "первая и последняя смены → даты и номера. P20.",
    "Fiscal report by shift range (tax inspector's password): type (0 short, 1 full), first and last shift → "
    "dates and numbers.",
    request=cs.Struct("report_type" / cs.Int8ul, "first_shift" / cs.Int16ul, "last_shift" / cs.Int16ul),
    response=cs.Struct("first_date" / Date, "last_date" / Date, "first_shift" / cs.Int16ul,
                       "last_shift" / cs.Int16ul),
    password=TAX_INSPECTOR,
)

# =============================================================================================
# Receipt (classic commands)
# =============================================================================================

_ITEM = cs.Struct(
    "quantity" / Money,  # ×1000
    "price" / Money,
    "department" / cs.Int8ul,
    *TAXES,
    "text" / Text(40),
)


def _item(code: str, name: str, ru: str, en: str) -> ShtrihCommandSpec:
    return _spec(code, name,
                 f"{ru}: количество (5 байт, ×1000), цена (5 байт, копейки), отдел (0…16; 255 — по коду товара), "
                 "налоги 1…4, текст (не короче 40 байт). P20, PYS, JPOS.",
                 f"{en}: quantity (5 bytes, ×1000), price (5 bytes, kopecks), department (0…16; 255 by item code), "
                 "taxes 1…4, text (NUL-padded to 40 bytes).",
                 request=_ITEM, response=OPERATOR_ONLY,
                 modes=frozenset({MODE_SHIFT_OPEN, MODE_DOCUMENT_OPEN}))


SALE = _item("80", "sale", "Продажа", "Sale")
PURCHASE = _item("81", "purchase", "Покупка", "Purchase")
SALE_RETURN = _item("82", "sale return", "Возврат продажи", "Sale return")
PURCHASE_RETURN = _item("83", "purchase return", "Возврат покупки", "Purchase return")

CLOSE_RECEIPT = _spec(
    "85", "close receipt",
    "Закрытие чека: наличные и оплаты типов 2…4 (по 5 байт), скидка/надбавка в % на чек (2 байта со знаком, "
    "×100), налоги 1…4, текст (40 байт). Ответ: оператор, сдача. P20, PYS, JPOS.",
    "Close the receipt: cash and payment types 2…4 (5 bytes each), receipt discount (negative: surcharge) in "
    "% ×100 (2 bytes signed), taxes 1…4, text (40 bytes). Answer: operator, change.",
    request=cs.Struct("cash" / Money, "payment2" / Money, "payment3" / Money, "payment4" / Money,
                      "discount" / cs.Int16sl, *TAXES, "text" / Text(40)),
    response=cs.Struct("operator" / cs.Int8ul, "change" / Money),
    modes=frozenset({MODE_DOCUMENT_OPEN}),
)

CANCEL_RECEIPT = _spec(
    "88", "cancel receipt",
    "Аннулирование чека. P20, PYS.",
    "Cancel (annul) the open receipt.",
    response=OPERATOR_ONLY, modes=frozenset({MODE_DOCUMENT_OPEN}),
)

OPEN_RECEIPT = _spec(
    "8D", "open receipt",
    "Открыть чек: 0 — продажа, 1 — покупка, 2 — возврат продажи, 3 — возврат покупки (P20, PYS); 80h…83h — "
    "чек коррекции тех же типов (JPOS PrinterConst.SMFP_RECTYPE_CORRECTION_*).",
    "Open a receipt: 0 sale, 1 purchase, 2 sale return, 3 purchase return; 80h…83h a correction receipt of "
    "the same kinds.",
    request=cs.Struct("receipt_type" / cs.Int8ul),
    response=OPERATOR_ONLY, modes=frozenset({MODE_SHIFT_OPEN}),
)

CLOSE_RECEIPT_EXTENDED = _spec(
    "8E", "close receipt extended",
    "Закрытие чека расширенное: 16 сумм оплат (по 5 байт), скидка/надбавка в % (2 байта со знаком), налоги "
    "1…4, текст (40 байт). Ответ: оператор, сдача. P20R.",
    "Close the receipt, extended: 16 payment sums (5 bytes each), discount in % ×100 (2 bytes signed), taxes "
    "1…4, text (40 bytes). Answer: operator, change.",
    request=cs.Struct("payments" / cs.Array(16, Money), "discount" / cs.Int16sl, *TAXES, "text" / Text(40)),
    response=cs.Struct("operator" / cs.Int8ul, "change" / Money),
    modes=frozenset({MODE_DOCUMENT_OPEN}),
)

# =============================================================================================
# ФН commands (FF xx); the vendor ФН protocol asks for the system administrator's password
# =============================================================================================

FN_STATUS = _spec(
    "FF01", "FN status",
    "Запрос статуса ФН: фаза жизни, текущий документ, данные документа, смена, флаги предупреждения, "
    "дата и время (ГГ ММ ДД ЧЧ ММ), номер ФН (16 байт ASCII), номер последнего ФД. PFN, PYS, JPOS.",
    "FN status: life phase, current document, document data, shift, warnings, date and time, FN number "
    "(16 ASCII bytes), number of the last fiscal document.",
    response=cs.Struct(
        "life_phase" / cs.Int8ul,
        "current_document" / cs.Int8ul,
        "document_data" / cs.Int8ul,
        "shift_open" / cs.Int8ul,
        "warnings" / cs.Int8ul,
        "datetime" / FnDateTime,
        "fn_number" / FixedText(16),
        "last_document" / cs.Int32ul,
    ),
    password=ADMIN, idempotent=True,
)

FN_NUMBER = _spec(
    "FF02", "FN number", "Запрос номера ФН (16 байт ASCII). PFN, JPOS.", "FN serial number (16 ASCII bytes).",
    response=cs.Struct("fn_number" / FixedText(16)), password=ADMIN, idempotent=True,
)

FN_VALIDITY = _spec(
    "FF03", "FN validity",
    "Запрос срока действия ФН: дата (ГГ ММ ДД), осталось и сделано перерегистраций. PFN, PYS, JPOS.",
    "FN validity: date (YY MM DD), re-registrations left and done.",
    response=cs.Struct("valid_until" / FnDate, "registrations_left" / cs.Int8ul,
                       "registrations_done" / cs.Int8ul),
    password=ADMIN, idempotent=True,
)

FN_VERSION = _spec(
    "FF04", "FN version",
    "Запрос версии ФН: строка версии (16 байт), тип ПО (0 — отладочное, 1 — серийное). PFN, JPOS.",
    "FN firmware version (16 bytes) and kind (0 debug, 1 serial).",
    response=cs.Struct("version" / FixedText(16), "release" / cs.Int8ul), password=ADMIN, idempotent=True,
)

BEGIN_REGISTRATION = _spec(
    "FF05", "begin registration report",
    "Начать отчёт о регистрации ККТ: тип (0 — регистрация, 1 — замена ФН, 2 — изменение параметров без "
    "замены ФН). PFN, JPOS (тест FSStartFiscalizationTests).",
    "Begin the registration report: type (0 registration, 1 FN replacement, 2 parameter change).",
    request=cs.Struct("report_type" / cs.Int8ul), password=ADMIN,
)

REGISTRATION_REPORT = _spec(
    "FF06", "registration report",
    "Сформировать отчёт о регистрации ККТ: ИНН (12 байт), РНМ (20 байт), коды налогообложения, режим работы. "
    "Ответ: номер ФД, фискальный признак. PFN, JPOS.",
    "Registration report: taxpayer number (12 bytes), registration number (20 bytes), tax systems, work mode. "
    "Answer: document number, fiscal sign.",
    request=cs.Struct("inn" / FixedText(12), "rnm" / FixedText(20), "tax_systems" / cs.Int8ul,
                      "work_mode" / cs.Int8ul),
    response=cs.Struct(*DOCUMENT), password=ADMIN,
)

RESET_FN = _spec(
    "FF07", "reset FN state",
    "Сброс состояния ФН: код запроса. PFN, JPOS.", "Reset the FN state: request code.",
    request=cs.Struct("request_code" / cs.Int8ul), password=ADMIN,
)

CANCEL_FN_DOCUMENT = _spec(
    "FF08", "cancel FN document", "Отменить документ в ФН. PFN, PYS.", "Cancel the open document in the FN.",
    password=ADMIN,
)

REGISTRATION_TOTALS = _spec(
    "FF09", "registration totals",
    "Запрос итогов фискализации: дата и время, ИНН, РНМ, налогообложение, режим, номер ФД, ФП (48 байт). "
    "Длинный ответ (от 64 байт) новых прошивок устроен иначе — см. заметки. PFN, JPOS.",
    "Registration totals: date and time, taxpayer number, registration number, tax systems, work mode, "
    "document number, fiscal sign. The long answer (64+ bytes) of newer firmware has another layout.",
    response=cs.Struct("datetime" / FnDateTime, "inn" / FixedText(12), "rnm" / FixedText(20),
                       "tax_systems" / cs.Int8ul, "work_mode" / cs.Int8ul, *DOCUMENT,
                       "extension" / cs.GreedyBytes),
    password=ADMIN, idempotent=True,
)

FIND_DOCUMENT = _spec(
    "FF0A", "find document",
    "Найти фискальный документ по номеру: тип документа, получена ли квитанция ОФД, данные документа "
    "(по типу; см. FN_DOCUMENT_HEAD). PFN, PYS, JPOS (тест FSFindDocumentTests).",
    "Find a fiscal document by number: type, OFD ticket received, document data (by type).",
    request=cs.Struct("document_number" / cs.Int32ul),
    response=cs.Struct("document_type" / cs.Int8ul, "ofd_ticket" / cs.Int8ul, "document" / cs.GreedyBytes),
    password=ADMIN, idempotent=True,
)

FN_OPEN_SHIFT = _spec(
    "FF0B", "FN open shift",
    "Открыть смену в ФН: номер смены, номер ФД, фискальный признак. PFN, PYS, JPOS.",
    "Open the shift in the FN: shift number, document number, fiscal sign.",
    response=cs.Struct("shift_number" / cs.Int16ul, *DOCUMENT), password=ADMIN,
)

SEND_TLV = _spec(
    "FF0C", "send TLV",
    "Передать произвольную TLV-структуру (тег и длина по 2 байта LE; не более 250 байт). PFN, PYS, JPOS.",
    "Send a TLV structure (tag and length 2 bytes LE each; at most 250 bytes).",
    request=cs.Struct("tlv" / cs.GreedyBytes, cs.Check(cs.len_(this.tlv) <= 250)), password=ADMIN,
)

FN_BUFFER_STATUS = _spec(
    "FF30", "FN buffer status",
    "Запросить наличие данных в буфере: число байт, максимальный размер блока. PFN, JPOS (тест).",
    "Data waiting in the buffer: byte count, maximum block size.",
    response=cs.Struct("size" / cs.Int16ul, "block_size" / cs.Int8ul), password=ADMIN, idempotent=True,
)

FN_READ_BLOCK = _spec(
    "FF31", "FN read block",
    "Прочитать блок данных из буфера: смещение (2 байта), количество (1 байт). PFN, JPOS (тест).",
    "Read a block from the buffer: offset (2 bytes), count (1 byte).",
    request=cs.Struct("offset" / cs.Int16ul, "count" / cs.Int8ul),
    response=cs.Struct("data" / cs.GreedyBytes), password=ADMIN, idempotent=True,
)

REREGISTRATION_REPORT = _spec(
    "FF34", "re-registration report",
    "Сформировать отчёт о перерегистрации ККТ: ИНН, РНМ, налогообложение, режим, код причины. Старый "
    "протокол ФН передаёт только код причины. JPOS; PFN (короткая форма).",
    "Re-registration report: taxpayer number, registration number, tax systems, work mode, reason code. The "
    "older ФН protocol sends the reason code alone.",
    request=cs.Struct("inn" / FixedText(12), "rnm" / FixedText(20), "tax_systems" / cs.Int8ul,
                      "work_mode" / cs.Int8ul, "reason" / cs.Int8ul),
    response=cs.Struct(*DOCUMENT), password=ADMIN,
)

BEGIN_CORRECTION = _spec(
    "FF35", "begin correction receipt", "Начать формирование чека коррекции. PFN, PYS.",
    "Begin a correction receipt.", password=ADMIN,
)

CORRECTION_RECEIPT = _spec(
    "FF36", "correction receipt",
    "Сформировать чек коррекции: итог (5 байт), тип операции. Ответ: номер чека, номер ФД, ФП. PFN, PYS, JPOS.",
    "Correction receipt: total (5 bytes), operation type. Answer: receipt number, document number, fiscal sign.",
    request=cs.Struct("total" / Money, "operation" / cs.Int8ul),
    response=cs.Struct("receipt_number" / cs.Int16ul, *DOCUMENT), password=ADMIN,
)

BEGIN_SETTLEMENT_REPORT = _spec(
    "FF37", "begin settlement report", "Начать формирование отчёта о состоянии расчётов. PFN, JPOS.",
    "Begin the settlement state report.", password=ADMIN,
)

SETTLEMENT_REPORT = _spec(
    "FF38", "settlement report",
    "Сформировать отчёт о состоянии расчётов: номер ФД, ФП, число неподтверждённых документов, дата первого "
    "(ГГ ММ ДД). PFN, PYS, JPOS (тест FSPrintCalcReportTests).",
    "Settlement state report: document number, fiscal sign, unconfirmed documents, date of the first one.",
    response=cs.Struct(*DOCUMENT, "unconfirmed" / cs.Int32ul, "first_unconfirmed" / FnDate), password=ADMIN,
)

OFD_EXCHANGE_STATUS = _spec(
    "FF39", "OFD exchange status",
    "Статус информационного обмена с ОФД: биты статуса, состояние чтения, число сообщений, номер и дата "
    "первого документа в очереди. PFN, PYS, JPOS; захват fr_drv_ng #236.",
    "OFD exchange status: status bits, reading state, queued messages, number and date of the first.",
    response=cs.Struct("status" / cs.Int8ul, "reading" / cs.Int8ul, "queue" / cs.Int16ul,
                       "first_document" / cs.Int32ul, "first_datetime" / FnDateTime),
    password=ADMIN, idempotent=True,
)

REQUEST_DOCUMENT_TLV = _spec(
    "FF3A", "request document TLV",
    "Запросить фискальный документ в TLV: номер ФД → тип (2 байта STLV) и длина документа. PFN, JPOS.",
    "Request a fiscal document as TLV: number → type (2-byte STLV tag) and length.",
    request=cs.Struct("document_number" / cs.Int32ul),
    response=cs.Struct("document_type" / cs.Int16ul, "length" / cs.Int16ul), password=ADMIN, idempotent=True,
)

READ_DOCUMENT_TLV = _spec(
    "FF3B", "read document TLV",
    "Чтение TLV фискального документа: следующая порция (повтор пропускает порцию). PFN, JPOS.",
    "Read the next TLV of the requested document (a repeat skips a part).",
    response=cs.Struct("tlv" / cs.GreedyBytes), password=ADMIN,
)

OFD_TICKET = _spec(
    "FF3C", "OFD ticket",
    "Запрос квитанции ОФД по номеру документа. PFN, JPOS.", "OFD ticket for a document number.",
    request=cs.Struct("document_number" / cs.Int32ul),
    response=cs.Struct("ticket" / cs.GreedyBytes), password=ADMIN, idempotent=True,
)

BEGIN_CLOSE_FISCAL_MODE = _spec(
    "FF3D", "begin close fiscal mode", "Начать закрытие фискального режима. PFN, JPOS.",
    "Begin closing the fiscal mode.", password=ADMIN,
)

CLOSE_FISCAL_MODE = _spec(
    "FF3E", "close fiscal mode",
    "Закрыть фискальный режим: номер ФД, ФП. PFN, JPOS.", "Close the fiscal mode: document number, fiscal sign.",
    response=cs.Struct(*DOCUMENT), password=ADMIN,
)

UNCONFIRMED_COUNT = _spec(
    "FF3F", "unconfirmed count",
    "Количество ФД без квитанции (2 байта по PFN и PYS; JPOS читает 4 — лишнее попадает в extension).",
    "Fiscal documents without an OFD ticket (2 bytes per PFN and PYS; JPOS reads 4: the rest is extension).",
    response=cs.Struct("count" / cs.Int16ul, "extension" / cs.GreedyBytes), password=ADMIN, idempotent=True,
)

SHIFT_PARAMETERS = _spec(
    "FF40", "shift parameters",
    "Параметры текущей смены: смена открыта, номер смены, номер чека. PFN, PYS, JPOS.",
    "Current shift: open flag, shift number, receipt number.",
    response=cs.Struct("shift_open" / cs.Int8ul, "shift_number" / cs.Int16ul, "receipt_number" / cs.Int16ul),
    password=ADMIN, idempotent=True,
)

BEGIN_OPEN_SHIFT = _spec(
    "FF41", "begin open shift", "Начать открытие смены. PFN, PYS.", "Begin opening the shift.", password=ADMIN,
)

BEGIN_CLOSE_SHIFT = _spec(
    "FF42", "begin close shift", "Начать закрытие смены. PFN, PYS.", "Begin closing the shift.", password=ADMIN,
)

FN_CLOSE_SHIFT = _spec(
    "FF43", "FN close shift",
    "Закрыть смену в ФН: номер закрытой смены, номер ФД, ФП. PFN, PYS, JPOS.",
    "Close the shift in the FN: shift number, document number, fiscal sign.",
    response=cs.Struct("shift_number" / cs.Int16ul, *DOCUMENT), password=ADMIN,
)

OPERATION_WITH_TAX = _spec(
    "FF44", "operation with discounts and tax",
    "Операция со скидками, надбавками и налогом (ФФД 1.0): тип операции, количество, цена, скидка, надбавка, "
    "налог (по 5 байт), отдел, биты налогов, штрих-код (5 байт), название. PFN, JPOS.",
    "Operation with discount, surcharge and tax (FFD 1.0): type, quantity, price, discount, surcharge, tax "
    "(5 bytes each), department, tax bits, barcode (5 bytes), name.",
    request=cs.Struct("operation" / cs.Int8ul, "quantity" / Money, "price" / Money, "discount" / Money,
                      "surcharge" / Money, "tax_amount" / Money, "department" / cs.Int8ul, "tax_bits" / cs.Int8ul,
                      "barcode" / Money, "text" / Text()),
    password=ADMIN,
)

CLOSE_RECEIPT_V2 = _spec(
    "FF45", "close receipt V2",
    "Закрытие чека расширенное, вариант 2: 16 сумм оплат (по 5 байт), округление (1 байт), 6 сумм налогов "
    "(5 байт: 20%, 10%, 0%, без НДС, 20/120, 10/110), система налогообложения (битовая маска), текст. Ответ: "
    "сдача, номер ФД, ФП, дата и время (ГГ ММ ДД ЧЧ ММ) — у старых прошивок только сдача. JPOS, S13; старый "
    "PFN описывает другую раскладку.",
    "Close the receipt, variant 2: 16 payment sums (5 bytes each), rounding (1 byte), 6 tax sums (5 bytes: "
    "20%, 10%, 0%, exempt, 20/120, 10/110), tax system (bit mask), text. Answer: change, document number, fiscal "
    "sign, date and time — older firmware returns the change only.",
    request=cs.Struct("payments" / cs.Array(16, Money), "rounding" / cs.Int8ul, "taxes" / cs.Array(6, Money),
                      "tax_system" / cs.Int8ul, "text" / Text()),
    response=cs.Struct("change" / Money, "document_number" / Tail(cs.Int32ul),
                       "fiscal_sign" / Tail(cs.Int32ul), "datetime" / Tail(FnDateTime)),
    password=ADMIN, modes=frozenset({MODE_DOCUMENT_OPEN}),
)

OPERATION_V2 = _spec(
    "FF46", "operation V2",
    "Операция V2 (ФФД 1.05/1.2): тип (1 приход, 2 возврат прихода, 3 расход, 4 возврат расхода), количество "
    "(6 байт, ×10⁶), цена, сумма (FF×5 — рассчитать), налог (FF×5 — не задан), ставка налога, отдел, признак "
    "способа расчёта, признак предмета расчёта, наименование (до 128 байт). JPOS, S13.",
    "Operation V2 (FFD 1.05/1.2): type (1 income, 2 income return, 3 expense, 4 expense return), quantity "
    "(6 bytes, ×10⁶), price, sum (FF×5: computed), tax (FF×5: not given), tax rate, department, payment method, "
    "payment object, name (up to 128 bytes).",
    request=cs.Struct("operation" / cs.Int8ul, "quantity" / Quantity6, "price" / Money, "amount" / Money,
                      "tax_amount" / Money, "tax_rate" / cs.Int8ul, "department" / cs.Int8ul,
                      "payment_method" / cs.Int8ul, "payment_object" / cs.Int8ul, "name" / Text(0, 128)),
    modes=frozenset({MODE_SHIFT_OPEN, MODE_DOCUMENT_OPEN}),
)

SEND_OPERATION_TLV = _spec(
    "FF4D", "send operation TLV",
    "Передать TLV, привязанные к последней операции (реквизиты предмета расчёта). JPOS.",
    "Send TLV data bound to the last operation (item requisites).",
    request=cs.Struct("tlv" / cs.GreedyBytes), password=ADMIN,
)

CORRECTION_RECEIPT_V2 = _spec(
    "FF4A", "correction receipt V2",
    "Сформировать чек коррекции V2: тип коррекции (0 — самостоятельно, 1 — по предписанию), признак расчёта "
    "(1 — приход, 3 — расход), сумма, суммы наличными, электронными, предоплатой, постоплатой, встречным "
    "предоставлением, НДС 20 %, НДС 10 %, расчёт по 0 %, без НДС, 20/120, 10/110 (по 5 байт), система "
    "налогообложения. Ответ: номер чека, номер ФД, ФП. JPOS FSPrintCorrectionReceipt2.",
    "Correction receipt V2: correction type (0 self, 1 by order), operation (1 income, 3 expense), total, cash, "
    "electronic, prepaid, credit and other payments, VAT 20 %, VAT 10 %, turnover at 0 %, without VAT, 20/120, "
    "10/110 (5 bytes each), tax system. Answer: receipt number, document number, fiscal sign.",
    request=cs.Struct("correction_type" / cs.Int8ul, "operation" / cs.Int8ul, "total" / Money,
                      "payments" / cs.Array(5, Money), "taxes" / cs.Array(6, Money), "tax_system" / cs.Int8ul),
    response=cs.Struct("receipt_number" / cs.Int16ul, *DOCUMENT), password=ADMIN,
)

#: head of the document data of FF0A for receipts and reports: date and time, number, fiscal sign, the rest
FN_DOCUMENT_HEAD = cs.Struct("datetime" / FnDateTime, *DOCUMENT, "rest" / cs.GreedyBytes)


# =============================================================================================
# Message and answer codecs
# =============================================================================================

def lookup(message: bytes) -> ShtrihCommandSpec | None:
    """The spec whose code starts ``message`` (or answer), if declared."""
    return REGISTRY.lookup(message)


def _field_names(schema: Any) -> set[str]:
    return {sub.name for sub in getattr(schema, "subcons", ()) if getattr(sub, "name", None)}


def encode_message(spec: ShtrihCommandSpec, params: dict[str, Any] | None = None, *,
                   password: int | None = None) -> bytes:
    """``<code> [<password LE 4>] <params>`` for ``spec``; raises :class:`InvalidParameter`.

    Without ``password`` the factory default of the spec's kind is used (cashier 1, administrator 30).
    Unknown parameter names are refused (construct would ignore them silently).
    """
    params = params or {}
    unknown = set(params) - _field_names(spec.request)
    if unknown:
        raise InvalidParameter(f"{spec.label}: unknown parameters {sorted(unknown)}",
                               message_ru=f"{spec.label}: неизвестные параметры {sorted(unknown)}")
    head = spec.code
    if spec.takes_password:
        value = spec.password.default if password is None else password
        try:
            head += struct.pack("<I", value)
        except (struct.error, TypeError) as exc:
            raise InvalidParameter(f"{spec.label}: password must be 0…4294967295, got {value!r}",
                                   message_ru=f"{spec.label}: пароль должен быть 0…4294967295, получено "
                                              f"{value!r}") from exc
    elif password is not None:
        raise InvalidParameter(f"{spec.label}: this command takes no password",
                               message_ru=f"{spec.label}: эта команда не принимает пароль")
    try:
        message = head + spec.build_params(params)
    except (cs.ConstructError, ValueError) as exc:
        raise InvalidParameter(f"{spec.label}: cannot encode {params!r}: {exc}",
                               message_ru=f"{spec.label}: не удаётся закодировать {params!r}: {exc}") from exc
    if len(message) > MAX_MESSAGE:
        raise InvalidParameter(f"{spec.label}: message of {len(message)} bytes exceeds {MAX_MESSAGE}",
                               message_ru=f"{spec.label}: сообщение из {len(message)} байт больше {MAX_MESSAGE}")
    return message


class SplitMessage(NamedTuple):
    """A received command message taken apart (emulator side)."""

    code: bytes
    spec: ShtrihCommandSpec | None
    #: None when the command takes no password or the message is too short to hold one
    password: int | None
    params: bytes


def split_message(message: bytes) -> SplitMessage:
    """Emulator side: code, spec (None if undeclared), password and parameter bytes of ``message``."""
    code = command_code(message)
    spec = lookup(message)
    rest = message[len(code):]
    if spec is None or not spec.takes_password or len(rest) < 4:
        return SplitMessage(code, spec, None, rest)
    return SplitMessage(code, spec, int.from_bytes(rest[:4], "little"), rest[4:])


def decode_params(spec: ShtrihCommandSpec, params: bytes) -> Any:
    """Emulator side: parse the parameter bytes of a message; raises :class:`ProtocolError`."""
    try:
        return spec.parse_params(params)
    except cs.ConstructError as exc:
        raise ProtocolError(f"{spec.label}: cannot parse parameters {params.hex(' ')}: {exc}",
                            message_ru=f"{spec.label}: не удаётся разобрать параметры {params.hex(' ')}: "
                                       f"{exc}") from exc


def encode_error(code: bytes, error: int) -> bytes:
    """The answer to command ``code`` refused with ``error`` (also for undeclared commands)."""
    if not 1 <= error <= 0xFF:
        raise InvalidParameter(f"error code must be 1…255, got {error}",
                               message_ru=f"код ошибки должен быть 1…255, получено {error}")
    return code + bytes((error,))


def encode_answer(spec: ShtrihCommandSpec, fields: dict[str, Any] | None = None, *, error: int = 0) -> bytes:
    """Emulator side: the answer for ``spec`` (``error`` ≠ 0 gives the two-part error form)."""
    if error:
        return encode_error(spec.code, error)
    fields = fields or {}
    unknown = set(fields) - _field_names(spec.response)
    if unknown:
        raise InvalidParameter(f"{spec.label}: unknown answer fields {sorted(unknown)}",
                               message_ru=f"{spec.label}: неизвестные поля ответа {sorted(unknown)}")
    try:
        answer = spec.code + b"\x00" + spec.build_data(fields)
    except (cs.ConstructError, ValueError) as exc:
        raise InvalidParameter(f"{spec.label}: cannot encode answer {fields!r}: {exc}",
                               message_ru=f"{spec.label}: не удаётся закодировать ответ {fields!r}: {exc}") from exc
    if len(answer) > MAX_MESSAGE:
        raise InvalidParameter(f"{spec.label}: answer of {len(answer)} bytes exceeds {MAX_MESSAGE}",
                               message_ru=f"{spec.label}: ответ из {len(answer)} байт больше {MAX_MESSAGE}")
    return answer


def answer_error(spec: ShtrihCommandSpec, answer: bytes) -> int:
    """The device error code in ``answer`` (0 when the command succeeded); :class:`ProtocolError` if malformed.

    A two-byte command also accepts the short form ``FF <error>`` (read so by the vendor JavaPOS driver),
    except when those two bytes are the command code itself (then the error byte is missing).
    """
    code = spec.code
    if answer[:len(code)] == code and len(answer) > len(code):
        return answer[len(code)]
    if len(code) == 2 and len(answer) == 2 and answer[0] == code[0] and answer[1] and answer != code:
        return answer[1]
    raise ProtocolError(f"{spec.label}: malformed answer {answer.hex(' ')!r}",
                        message_ru=f"{spec.label}: искажённый ответ {answer.hex(' ')!r}")


def decode_answer(spec: ShtrihCommandSpec, answer: bytes, errors: ErrorTable = SHTRIH_ERRORS) -> Any:
    """Driver side: check the error byte and parse the data; raises :class:`DeviceError`/:class:`ProtocolError`."""
    code = answer_error(spec, answer)
    if code:
        raise device_error(code, spec, errors)
    data = answer[len(spec.code) + 1:]
    try:
        return spec.parse_data(data)
    except cs.ConstructError as exc:
        raise ProtocolError(f"{spec.label}: cannot parse answer {answer.hex(' ')}: {exc}",
                            message_ru=f"{spec.label}: не удаётся разобрать ответ {answer.hex(' ')}: {exc}") from exc


def device_error(code: int, spec: ShtrihCommandSpec, errors: ErrorTable = SHTRIH_ERRORS) -> DeviceError:
    return errors.error(code, spec.label)


# =============================================================================================
# Helpers over parsed answers
# =============================================================================================

def receipt_operations(status: Any) -> int:
    """Operations in the open receipt from a parsed 10h answer: low byte, then the high byte after the EKLZ
    error (as the vendor protocol and the JavaPOS driver read it; pyshtrih swaps the two)."""
    return int(status.operations_low) | int(status.operations_high) << 8


def mode_of(status: Any) -> tuple[int, int]:
    """(mode, mode status) of a parsed 10h/11h answer: low and high nibble of the mode byte."""
    return int(status.mode) & 0x0F, int(status.mode) >> 4
