"""ATOL protocol 3.1: shift, receipt, requisite, cash and fiscal-drive commands.

Layouts marked *inferred* are not in any source we found (protocol-notes/atol/commands.md lists
them); driver and emulator share these declarations, so they agree by construction, and a user with
real hardware should verify those first.
"""

from __future__ import annotations

from typing import Any

import construct as cs

from ..common.bcd import Bcd
from .commands import FAMILY, MODE_FN_ACCESS, MODE_PROGRAMMING, MODE_REGISTRATION, MODE_X_REPORTS, MODE_Z_REPORTS
from .commands import REGISTRY as _REGISTRY
from .spec import AnswerFormat, AtolCommandSpec, TimeoutClass

REG = frozenset({MODE_REGISTRATION})

# ФН date-time as it travels in A4 answers: YY MM DD hh mm, binary
FN_DATETIME = cs.Struct("year" / cs.Int8ub, "month" / cs.Int8ub, "day" / cs.Int8ub,
                        "hour" / cs.Int8ub, "minute" / cs.Int8ub)


class _ByType(cs.IfThenElse):  # type: ignore[misc]
    """A field whose width depends on an earlier one: it has no size of its own (so the minimum length of a
    request counts it as zero and the field itself refuses short input)."""

    def _sizeof(self, context: Any, path: str) -> int:
        raise cs.SizeofError("the width depends on an earlier field", path=path)


def _spec(code: bytes, name: str, ru: str, en: str, **kwargs: object) -> AtolCommandSpec:
    return _REGISTRY.register(AtolCommandSpec(FAMILY, code, name, ru, en, **kwargs))  # type: ignore[arg-type]


# -- shift -----------------------------------------------------------------------------------
OPEN_SHIFT = _spec(b"\x9a", "open shift", "Открыть смену (режим регистрации); текст печатается в отчёте.",
                   "Open the shift (registration mode); optional text for the report.",
                   request=cs.Struct("flags" / cs.Int8ub, "text" / cs.GreedyBytes), modes=REG,
                   timeout=TimeoutClass.CLOSE_DOCUMENT)
Z_REPORT = _spec(b"\x5a", "Z-report", "Суточный отчёт с гашением (закрытие смены), режим 3.",
                 "Z-report: close the shift (mode 3).", modes=frozenset({MODE_Z_REPORTS}), timeout=TimeoutClass.REPORT)
REPORT = _spec(b"\x67", "report without reset",
               "Снятие отчёта без гашения, режим 2: тип 1 — X-отчёт, 9 — отчёт о текущем состоянии расчётов "
               "(ФД 21, делает ФН).",
               "Report without reset, mode 2: type 1 = X-report, 9 = report on the current state of settlements "
               "(ФД 21, made in the ФН).", request=cs.Struct("type" / cs.Int8ub),
               modes=frozenset({MODE_X_REPORTS}), timeout=TimeoutClass.REPORT)
#: ``67`` report types: the X-report, and the ФН's отчёт о текущем состоянии расчётов (document 21) — type 9
#: is named by one outside client only (atol4j ``PrintReportCommand.FISCAL``) [single source]
REPORT_X, REPORT_SETTLEMENTS = 1, 9

# -- receipt ---------------------------------------------------------------------------------
OPEN_RECEIPT = _spec(b"\x92", "open receipt",
                     "Открыть чек: флаги, тип (1 приход, 2 возврат прихода, 4 расход, 5 возврат расхода, "
                     "7/9 коррекция прихода/расхода).",
                     "Open a receipt: flags, type (1 sell, 2 sell return, 4 buy, 5 buy return, 7/9 correction).",
                     request=cs.Struct("flags" / cs.Int8ub, "type" / cs.Int8ub), modes=REG)
BEGIN_POSITION = _spec(b"\xea", "begin position",
                       "Начать формирование позиции (ФФД ≥ 1.05): флаги, параметр (всегда 1), резерв.",
                       "Begin a position (FFD 1.05+): flags, parameter (always 1), reserved.",
                       request=cs.Struct("flags" / cs.Int8ub, "param" / cs.Int8ub, "reserved" / cs.Int8ub),
                       modes=REG)
END_POSITION = _spec(b"\xeb", "end position",
                     "Завершить формирование позиции: цена, количество, стоимость, ставка НДС (код 1199), сумма НДС, "
                     "секция, предмет расчёта (1212), способ расчёта (1214), скидка, наименование. Стоимость, "
                     "отличная от цены × количество, — неявная скидка (надбавка), которую ККТ печатает.",
                     "End a position: price, quantity, amount, VAT rate (1199 code), VAT sum, section, payment subject "
                     "(1212), payment method (1214), discount, name. An amount other than price × quantity is an "
                     "implicit discount (surcharge) the register prints.",
                     request=cs.Struct(
                         "flags" / cs.Int8ub, "price" / Bcd(7), "quantity" / Bcd(5), "amount" / Bcd(7),
                         "vat" / cs.Int8ub, "vat_sum" / Bcd(7), "section" / Bcd(1), "subject" / Bcd(1),
                         "method" / Bcd(1), "discount_sign" / cs.Int8ub, "discount" / Bcd(7),
                         "reserved" / cs.Bytes(2), "name" / cs.GreedyBytes),
                     modes=REG, timeout=TimeoutClass.POSITION)
DISCOUNT = _spec(b"\x43", "discount or surcharge",
                 "Скидка/надбавка: область (0 — на чек, 1 — на последнюю позицию), тип (0 — процент, 1 — сумма), "
                 "знак (0 — скидка, 1 — надбавка), размер: сумма BCD 5 в копейках, процент BCD 3 в сотых долях. "
                 "На чек в ККТ с ФН — только округление копеек (0 — округлить итог до рубля вниз).",
                 "Discount or surcharge: area (0 whole receipt, 1 last position), type (0 percent, 1 sum), sign "
                 "(0 discount, 1 surcharge), size: a sum in BCD 5 kopecks, a percentage in BCD 3 hundredths. On the "
                 "whole receipt ФН-era registers only round off kopecks (0 = round the total down to roubles).",
                 request=cs.Struct("flags" / cs.Int8ub, "area" / cs.Int8ub, "type" / cs.Int8ub, "sign" / cs.Int8ub,
                                   "size" / _ByType(cs.this.type == 0, Bcd(3), Bcd(5))), modes=REG)
REGISTER_ITEM = _spec(b"\xe6", "register item",
                      "Регистрация позиции (до ФФД 1.05): флаги, наименование (64, CP866 с нулями), цена BCD 6, "
                      "количество BCD 5 (тысячные), тип скидки (0 процент, 1 сумма), знак, размер BCD 6, налог, "
                      "секция BCD 1, строка (16), резерв.",
                      "Register a position (the pre-FFD-1.05 form): flags, name (64, CP866 NUL-padded), price BCD 6, "
                      "quantity BCD 5 (thousandths), discount type (0 percent, 1 sum), sign, size BCD 6, tax number, "
                      "section BCD 1, text (16), reserved.",
                      request=cs.Struct(
                          "flags" / cs.Int8ub, "name" / cs.Bytes(64), "price" / Bcd(6), "quantity" / Bcd(5),
                          "discount_type" / cs.Int8ub, "discount_sign" / cs.Int8ub, "discount" / Bcd(6),
                          "tax" / cs.Int8ub, "section" / Bcd(1), "text" / cs.Bytes(16), "reserved" / cs.Int8ub),
                      modes=REG, timeout=TimeoutClass.POSITION)
WRITE_REQUISITE = _spec(b"\xe8", "write requisite",
                        "Запись реквизита: флаги, число блоков, номер блока, TLV (тег и длина LE).",
                        "Write a requisite: flags, block count, block number, TLV (tag and length little-endian).",
                        request=cs.Struct("flags" / cs.Int8ub, "blocks" / cs.Int8ub, "block" / cs.Int8ub,
                                          "data" / cs.GreedyBytes),
                        modes=frozenset({MODE_REGISTRATION, MODE_FN_ACCESS}))
PAYMENT = _spec(b"\x99", "payment", "Расчёт по чеку: тип оплаты (1–5), сумма; ответ: остаток и сдача.",
                "Payment: type (1-5) and sum; answers the remainder and the change.",
                request=cs.Struct("flags" / cs.Int8ub, "type" / cs.Int8ub, "sum" / Bcd(5)),
                response=cs.Struct("remainder" / Bcd(5), "change" / Bcd(5)), modes=REG)
CLOSE_RECEIPT = _spec(b"\x4a", "close receipt",
                      "Закрыть чек (со сдачей): тип оплаты и сумма (0 — ровно остаток). Номер ФД и ФП "
                      "читаются затем из ФН (A4 30, A4 40).",
                      "Close the receipt with change: payment type and sum (0 = exactly the remainder). The "
                      "document number and fiscal sign are read from the ФН afterwards (A4 30, A4 40).",
                      request=cs.Struct("flags" / cs.Int8ub, "type" / cs.Int8ub, "sum" / Bcd(5)),
                      modes=REG, timeout=TimeoutClass.CLOSE_DOCUMENT)
CANCEL_RECEIPT = _spec(b"\x59", "cancel receipt", "Аннулирование (отмена) всего чека.", "Cancel the open receipt.",
                       modes=REG)
CASH_IN = _spec(b"\x49", "cash in", "Внесение денег.", "Cash in.",
                request=cs.Struct("flags" / cs.Int8ub, "sum" / Bcd(5)), modes=REG)
CASH_OUT = _spec(b"\x4f", "cash out", "Выплата денег.", "Cash out.",
                 request=cs.Struct("flags" / cs.Int8ub, "sum" / Bcd(5)), modes=REG)
CASH_IN_DRAWER = _spec(b"\x4d", "cash in drawer", "Запрос наличных в денежном ящике.", "Cash in the drawer.",
                       response=cs.Struct("sum" / Bcd(7)), answer_code=0x4D, idempotent=True,
                       answer=AnswerFormat.CODE_OR_ERROR)

# -- fiscal drive queries (A4 xx; integers little-endian) ------------------------------------
FN_SHIFT = _spec(b"\xa4\x10", "FN shift parameters", "Параметры текущей смены ФН.", "Shift parameters from the ФН.",
                 response=cs.Struct("open" / cs.Int8ub, "shift" / cs.Int16ul, "receipt" / cs.Int16ul),
                 idempotent=True)
FN_OFD_STATUS = _spec(b"\xa4\x20", "OFD exchange status", "Статус информационного обмена с ОФД.",
                      "OFD exchange status: flags, unsent count, first unsent document number and date.",
                      response=cs.Struct("flags" / cs.Int8ub, "reading" / cs.Int8ub, "unsent" / cs.Int16ul,
                                         "first_number" / cs.Int32ul, "first_datetime" / FN_DATETIME),
                      idempotent=True)
FN_STATUS = _spec(b"\xa4\x30", "FN status", "Статус ФН: фаза, документ, смена, предупреждения, номер ФН, последний ФД.",
                  "ФН status: phase, current document, shift, warnings, date-time, ФН number, last document.",
                  response=cs.Struct("phase" / cs.Int8ub, "document" / cs.Int8ub, "data" / cs.Int8ub,
                                     "shift_open" / cs.Int8ub, "warnings" / cs.Int8ub, "datetime" / FN_DATETIME,
                                     "fn_number" / cs.PaddedString(16, "ascii"), "last_document" / cs.Int32ul),
                  idempotent=True)
FN_NUMBER = _spec(b"\xa4\x31", "FN number", "Запрос номера ФН (16 символов).", "The ФН's number (16 characters).",
                  response=cs.Struct("number" / cs.PaddedString(16, "ascii")), idempotent=True)
FN_VALIDITY = _spec(b"\xa4\x32", "FN validity", "Срок действия ФН, оставшиеся и сделанные перерегистрации.",
                    "ФН validity date, registrations left and done.",
                    response=cs.Struct("year" / cs.Int8ub, "month" / cs.Int8ub, "day" / cs.Int8ub,
                                       "left" / cs.Int8ub, "done" / cs.Int8ub), idempotent=True)
FN_DOCUMENT = _spec(b"\xa4\x40", "find document",
                    "Найти фискальный документ по номеру: ответ ФН 40h — тип, получена ли квитанция ОФД, дата-время, "
                    "номер ФД, ФПД, данные документа.",
                    "Find a fiscal document by number, answered as the ФН's 40h: type, OFD ticket received, "
                    "date-time, number, fiscal sign, the document's data.",
                    request=cs.Struct("number" / cs.Int32ul),
                    response=cs.Struct("type" / cs.Int8ub, "ticket_received" / cs.Int8ub, "datetime" / FN_DATETIME,
                                       "number" / cs.Int32ul, "fiscal_sign" / cs.Int32ul, "rest" / cs.GreedyBytes),
                    idempotent=True)
FN_DOCUMENT_TLV = _spec(b"\xa4\x45", "request document TLV", "Запросить ФД в виде TLV: тип и размер.",
                        "Request a document as TLV: its type and size.",
                        request=cs.Struct("number" / cs.Int32ul),
                        response=cs.Struct("type" / cs.Int16ul, "size" / cs.Int16ul), idempotent=True)
FN_DOCUMENT_CHUNK = _spec(b"\xa4\x46", "read document TLV", "Прочитать очередной TLV запрошенного ФД.",
                          "Read the next TLV of the requested document (error 0xDA when none is left).",
                          response=cs.Struct("tlv" / cs.GreedyBytes))

# -- registration and closing the ФН (inferred layouts, see protocol-notes) ------------------
REGISTER = _spec(b"\xa6", "FN activation",
                 "Активизация ФН (без параметров): регистрация, её изменение или замена ФН по реквизитам, записанным "
                 "командой E8 в режиме 6 (1041 — новый ФН, 1101/1205 — причины; выбор операции — inferred).",
                 "FN activation (no parameters): registration, a change of it or a new ФН, from the requisites "
                 "written with E8 in mode 6 (1041 a new ФН, 1101/1205 the reasons; how the operation is chosen "
                 "is inferred).",
                 modes=frozenset({MODE_FN_ACCESS}), timeout=TimeoutClass.POSITION)
CLOSE_FN = _spec(b"\xa7", "close FN", "Закрытие фискального режима (архива ФН), режим 6.",
                 "Close the fiscal mode of the ФН (mode 6).",
                 modes=frozenset({MODE_FN_ACCESS}), timeout=TimeoutClass.CLOSE_DOCUMENT)

# -- settings tables -------------------------------------------------------------------------
WRITE_TABLE = _spec(b"\x50", "write table", "Программирование таблицы: таблица, ряд (2 BE), поле, значение.",
                    "Write a settings field: table, row (2 bytes BE), field, value.",
                    request=cs.Struct("table" / cs.Int8ub, "row" / cs.Int16ub, "field" / cs.Int8ub,
                                      "value" / cs.GreedyBytes), modes=frozenset({MODE_PROGRAMMING}))
READ_TABLE = _spec(b"\x46", "read table", "Чтение таблицы: таблица, ряд (2 BE), поле.",
                   "Read a settings field: table, row (2 bytes BE), field.",
                   request=cs.Struct("table" / cs.Int8ub, "row" / cs.Int16ub, "field" / cs.Int8ub),
                   response=cs.Struct("value" / cs.GreedyBytes), modes=frozenset({MODE_PROGRAMMING}),
                   idempotent=True)

#: ATOL receipt types on the wire (92) by FFD operation (1054)
RECEIPT_TYPE_BY_OPERATION = {1: 1, 2: 2, 3: 4, 4: 5}
#: payment form (the FFD tag of its sum: 1031 cash, 1081 electronic, 1215 prepaid, 1216 credit, 1217 other)
#: -> ATOL's payment type in 99 and 4A
PAYMENT_TYPE_BY_FORM = {1031: 1, 1081: 2, 1215: 3, 1216: 4, 1217: 5}
OPERATION_BY_RECEIPT_TYPE = {v: k for k, v in RECEIPT_TYPE_BY_OPERATION.items()}
CORRECTION_TYPE_BY_OPERATION = {1: 7, 2: 8, 3: 9, 4: 10}
OPERATION_BY_CORRECTION_TYPE = {v: k for k, v in CORRECTION_TYPE_BY_OPERATION.items()}

# -- registers -------------------------------------------------------------------------------
READ_REGISTER = _spec(b"\x91", "read register", "Считать регистр: номер, два параметра; значение — по номеру регистра.",
                      "Read a register: number and two parameters; the value's layout depends on the register.",
                      request=cs.Struct("register" / cs.Int8ub, "p1" / cs.Int8ub, "p2" / cs.Int8ub),
                      response=cs.Struct("value" / cs.GreedyBytes), idempotent=True,
                      timeout=TimeoutClass.REGISTER_READ)

_DATETIME6 = ("day" / Bcd(1), "month" / Bcd(1), "year" / Bcd(1), "hour" / Bcd(1), "minute" / Bcd(1),
              "second" / Bcd(1))

#: register numbers (protocol-notes/atol/fiscal-commands.md: which layouts are sourced and which inferred)
REGISTER_PAYMENTS = 3  # p1 receipt type, p2 payment type: the shift's sum, BCD 7 [inferred size]
REGISTER_CASH_INS = 4  # the shift's cash-ins: sum BCD 6 [single source, AURA]
REGISTER_CASH_OUTS = 5  # the shift's cash-outs: sum BCD 6 [single source, AURA]
REGISTER_REVENUE = 11  # the shift's revenue (выручка): sign 1 [inferred meaning], sum BCD 6
REGISTER_DATETIME = 17  # current date and time
REGISTER_SHIFT_STATE = 18  # shift open flag and its last minute
REGISTER_RECEIPT_STATE = 19  # the current receipt: state, type, number BCD 2, FD number BCD 4
REGISTER_SHIFT_NUMBER = 21  # the current (or last) shift number, BCD 2 [inferred size]
REGISTER_SERIAL = 22  # factory serial number, BCD 4
REGISTER_LINE_WIDTH = 24  # characters and pixels per line for three fonts
REGISTER_FN_NUMBER = 47  # the ФН number, 16 ASCII [inferred layout]
REGISTER_LAST_RECEIPT = 51  # the last receipt: FD number, type, total, date-time, fiscal sign
REGISTER_LAST_DOCUMENT = 52  # the last fiscal document, laid out as register 51 [inferred beyond the FD number]
REGISTER_LAST_RECEIPT_NUMBERS = 53  # the last receipt's shift and receipt number, BCD 2 each [inferred sizes]
REGISTER_EXTENDED_ERROR = 55  # the extended code of the last error, 2 bytes big-endian [inferred size]

#: register 17: DD MM YY hh mm ss (BCD) [sizes 3 + 3: RED; order as register 18 and ED — inferred]
DATETIME_VALUE = cs.Struct(*_DATETIME6)
#: register 18: open flag (1, binary), last minute of the shift DD MM YY hh mm ss (BCD)
SHIFT_STATE_VALUE = cs.Struct("open" / cs.Int8ub, *_DATETIME6)
#: register 19 [sizes 1, 1, 2, 4: RED, which reads the receipt number from the third field; the rest inferred]
RECEIPT_STATE_VALUE = cs.Struct("state" / cs.Int8ub, "type" / cs.Int8ub, "receipt_number" / Bcd(2),
                                "document_number" / Bcd(4))
#: register 24 [sizes 1, 2, 1, 2, 1, 2: RED, which reads characters and pixels of the first font]
LINE_WIDTH_VALUE = cs.Struct("chars_1" / cs.Int8ub, "pixels_1" / cs.Int16ub, "chars_2" / cs.Int8ub,
                             "pixels_2" / cs.Int16ub, "chars_3" / cs.Int8ub, "pixels_3" / cs.Int16ub)
#: registers 51 and 52 (KAZ RegisterReadResponse: FD number BCD 5, type 1, total BCD 7, DD MM YY hh mm BCD 5, fiscal
#: sign BCD 5, reserved 3; CRY reads the FD number of register 52 from its first 5 bytes)
LAST_DOCUMENT_VALUE = cs.Struct(
    "number" / Bcd(5), "type" / cs.Int8ub, "total" / Bcd(7),
    "day" / Bcd(1), "month" / Bcd(1), "year" / Bcd(1), "hour" / Bcd(1), "minute" / Bcd(1),
    "fiscal_sign" / Bcd(5), "reserved" / cs.Bytes(3))
CASH_MOVES_VALUE = cs.Struct("sum" / Bcd(6))
PAYMENTS_VALUE = cs.Struct("sum" / Bcd(7))
SHIFT_NUMBER_VALUE = cs.Struct("shift" / Bcd(2))
SERIAL_VALUE = cs.Struct("serial" / Bcd(4))
FN_NUMBER_VALUE = cs.Struct("number" / cs.PaddedString(16, "ascii"))
EXTENDED_ERROR_VALUE = cs.Struct("code" / cs.Int16ub)
REVENUE_VALUE = cs.Struct("sign" / cs.Int8ub, "sum" / Bcd(6))
RECEIPT_NUMBERS_VALUE = cs.Struct("shift" / Bcd(2), "receipt" / Bcd(2))
