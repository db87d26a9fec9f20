"""ATOL protocol 3.1: shift, receipt, requisite, cash and fiscal-drive commands.

Layouts marked *inferred* are not in any source we found (protocol-notes/atol/commands.md lists
them); driver and emulator share these declarations, so they agree by construction, and a user with
real hardware should verify those first.
"""

from __future__ import annotations

import construct as cs

from ..common.bcd import Bcd
from .commands import FAMILY, MODE_FN_ACCESS, MODE_PROGRAMMING, MODE_REGISTRATION, MODE_X_REPORTS, MODE_Z_REPORTS
from .commands import REGISTRY as _REGISTRY
from .spec import AnswerFormat, AtolCommandSpec, TimeoutClass

REG = frozenset({MODE_REGISTRATION})

# ФН date-time as it travels in A4 answers: YY MM DD hh mm, binary
FN_DATETIME = cs.Struct("year" / cs.Int8ub, "month" / cs.Int8ub, "day" / cs.Int8ub,
                        "hour" / cs.Int8ub, "minute" / cs.Int8ub)


def _spec(code: bytes, name: str, ru: str, en: str, **kwargs: object) -> AtolCommandSpec:
    return _REGISTRY.register(AtolCommandSpec(FAMILY, code, name, ru, en, **kwargs))  # type: ignore[arg-type]


# -- shift -----------------------------------------------------------------------------------
OPEN_SHIFT = _spec(b"\x9a", "open shift", "Открыть смену (режим регистрации); текст печатается в отчёте.",
                   "Open the shift (registration mode); optional text for the report.",
                   request=cs.Struct("flags" / cs.Int8ub, "text" / cs.GreedyBytes), modes=REG,
                   timeout=TimeoutClass.CLOSE_DOCUMENT)
Z_REPORT = _spec(b"\x5a", "Z-report", "Суточный отчёт с гашением (закрытие смены), режим 3.",
                 "Z-report: close the shift (mode 3).", modes=frozenset({MODE_Z_REPORTS}), timeout=TimeoutClass.REPORT)
REPORT = _spec(b"\x67", "report without reset", "Снятие отчёта без гашения (1 = X-отчёт), режим 2.",
               "Report without reset (type 1 = X-report), mode 2.", request=cs.Struct("type" / cs.Int8ub),
               modes=frozenset({MODE_X_REPORTS}), timeout=TimeoutClass.REPORT)

# -- receipt ---------------------------------------------------------------------------------
OPEN_RECEIPT = _spec(b"\x92", "open receipt",
                     "Открыть чек: флаги, тип (1 приход, 2 возврат прихода, 4 расход, 5 возврат расхода, "
                     "7/9 коррекция прихода/расхода).",
                     "Open a receipt: flags, type (1 sell, 2 sell return, 4 buy, 5 buy return, 7/9 correction).",
                     request=cs.Struct("flags" / cs.Int8ub, "type" / cs.Int8ub), modes=REG)
BEGIN_POSITION = _spec(b"\xea", "begin position", "Начать формирование позиции (ФФД ≥ 1.05).",
                       "Begin a position (FFD 1.05+).",
                       request=cs.Struct("flags" / cs.Int8ub, "param" / cs.Int8ub, "reserved" / cs.Int8ub),
                       modes=REG)
END_POSITION = _spec(b"\xeb", "end position",
                     "Завершить формирование позиции: цена, количество, стоимость, ставка НДС, сумма НДС, секция, "
                     "предмет расчёта (1212), способ расчёта (1214), скидка, наименование.",
                     "End a position: price, quantity, amount, VAT rate, VAT sum, section, payment subject (1212), "
                     "payment method (1214), discount, name.",
                     request=cs.Struct(
                         "flags" / cs.Int8ub, "price" / Bcd(7), "quantity" / Bcd(5), "amount" / Bcd(7),
                         "vat" / cs.Int8ub, "vat_sum" / Bcd(7), "section" / Bcd(1), "subject" / Bcd(1),
                         "method" / Bcd(1), "discount_sign" / cs.Int8ub, "discount" / Bcd(7),
                         "reserved" / cs.Bytes(2), "name" / cs.GreedyBytes),
                     modes=REG, timeout=TimeoutClass.POSITION)
DISCOUNT = _spec(b"\x43", "discount or surcharge",
                 "Скидка/надбавка: область (0 — на чек, 1 — на последнюю позицию), тип (0 — процент, 1 — сумма), "
                 "знак (0 — скидка, 1 — надбавка), размер BCD 5 (сумма в копейках; процент в сотых долях — inferred).",
                 "Discount or surcharge: area (0 whole receipt, 1 last position), type (0 percent, 1 sum), sign "
                 "(0 discount, 1 surcharge), size BCD 5 (kopecks; a percentage in hundredths — inferred).",
                 request=cs.Struct("flags" / cs.Int8ub, "area" / cs.Int8ub, "type" / cs.Int8ub, "sign" / cs.Int8ub,
                                   "size" / Bcd(5)), modes=REG)
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
FN_VALIDITY = _spec(b"\xa4\x32", "FN validity", "Срок действия ФН, оставшиеся и сделанные перерегистрации.",
                    "ФН validity date, registrations left and done.",
                    response=cs.Struct("year" / cs.Int8ub, "month" / cs.Int8ub, "day" / cs.Int8ub,
                                       "left" / cs.Int8ub, "done" / cs.Int8ub), idempotent=True)
FN_DOCUMENT = _spec(b"\xa4\x40", "find document", "Найти фискальный документ по номеру (layout inferred).",
                    "Find a fiscal document by number: type, date-time, number, fiscal sign (layout inferred).",
                    request=cs.Struct("number" / cs.Int32ul),
                    response=cs.Struct("type" / cs.Int8ub, "datetime" / FN_DATETIME, "number" / cs.Int32ul,
                                       "fiscal_sign" / cs.Int32ul, "rest" / cs.GreedyBytes), idempotent=True)
FN_DOCUMENT_TLV = _spec(b"\xa4\x45", "request document TLV", "Запросить ФД в виде TLV: тип и размер.",
                        "Request a document as TLV: its type and size.",
                        request=cs.Struct("number" / cs.Int32ul),
                        response=cs.Struct("type" / cs.Int16ul, "size" / cs.Int16ul), idempotent=True)
FN_DOCUMENT_CHUNK = _spec(b"\xa4\x46", "read document TLV", "Прочитать очередной TLV запрошенного ФД.",
                          "Read the next TLV of the requested document (error 0xDA when none is left).",
                          response=cs.Struct("tlv" / cs.GreedyBytes))

# -- registration and closing the ФН (inferred layouts, see protocol-notes) ------------------
REGISTER = _spec(b"\xa6", "FN registration",
                 "Регистрация / перерегистрация ККТ по реквизитам, записанным командой E8 (режим 6). "
                 "Операция: 0 регистрация, 1 замена ФН, 2 изменение параметров; причины — битовая маска.",
                 "Registration or its change from requisites written with E8 (mode 6). Operation: 0 register, "
                 "1 replace ФН, 2 change parameters; reasons as a bit mask.",
                 request=cs.Struct("operation" / cs.Int8ub, "reasons" / cs.Int32ul),
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
READ_REGISTER = _spec(b"\x91", "read register", "Считать регистр: номер, два параметра. Регистр 18 — состояние смены.",
                      "Read a register: number and two parameters. Register 18 is the shift state.",
                      request=cs.Struct("register" / cs.Int8ub, "p1" / cs.Int8ub, "p2" / cs.Int8ub),
                      response=cs.Struct("value" / cs.GreedyBytes), idempotent=True,
                      timeout=TimeoutClass.REGISTER_READ)
REGISTER_SHIFT_STATE = 18
#: register 18: open flag (1, binary), last minute of the shift DD MM YY hh mm ss (BCD)
SHIFT_STATE_VALUE = cs.Struct("open" / cs.Int8ub, "day" / Bcd(1), "month" / Bcd(1), "year" / Bcd(1),
                              "hour" / Bcd(1), "minute" / Bcd(1), "second" / Bcd(1))
