"""Result codes of the driver-service JSON protocol as our emulator gives them. [inferred]

The service's own table is not published: public clients only test ``result == 0`` and show the
``description`` ([S1][S2][S3]). The emulator answers with the codes below (Russian ``description``);
the driver shows the service's description as the Russian text and, for a code listed here, our English
translation. A code not listed keeps the service's description and a generic English text, so a real
service's own codes still read well.

ФН refusals pass through as ``FN_BASE + <ФН answer code>`` with the ФН table's text
(:mod:`kkt_drivers.protocols.fn.answer_codes`).
"""

from __future__ import annotations

import enum

from ..fn.answer_codes import ANSWER_CODES


class Result(enum.IntEnum):
    OK = 0
    MALFORMED = 1
    UNKNOWN_COMMAND = 2
    BAD_SESSION = 3
    BAD_VALUE = 4
    MISSING_VALUE = 5
    SHIFT_CLOSED = 10
    SHIFT_OPEN = 11
    SHIFT_EXPIRED = 12
    CHECK_OPEN = 13
    CHECK_CLOSED = 14
    UNDERPAID = 15
    NO_CASH = 16
    NOT_REGISTERED = 17
    CHECK_OF_ANOTHER_SESSION = 18
    BUSY = 19
    NO_OPERATION = 20
    GOODS_BASE = 21
    SERVER_EXCHANGE = 22
    NO_SERVER_ID = 23
    NONCASH_EXCEEDS = 24
    NO_DATA = 30
    INTERNAL = 99


#: ФН answer codes travel as FN_BASE + code
FN_BASE = 256

TEXTS: dict[int, tuple[str, str]] = {
    Result.MALFORMED: ("Ошибка формата запроса", "Malformed request"),
    Result.UNKNOWN_COMMAND: ("Неизвестная команда", "Unknown command"),
    Result.BAD_SESSION: ("Сессия не открыта или ключ сессии неверен", "No session with this key"),
    Result.BAD_VALUE: ("Недопустимое значение параметра", "A parameter has an invalid value"),
    Result.MISSING_VALUE: ("Не задан обязательный параметр", "A mandatory parameter is missing"),
    Result.SHIFT_CLOSED: ("Смена не открыта", "The shift is not open"),
    Result.SHIFT_OPEN: ("Смена уже открыта", "The shift is already open"),
    Result.SHIFT_EXPIRED: ("Продолжительность смены более 24 часов", "The shift is longer than 24 hours"),
    Result.CHECK_OPEN: ("Чек уже открыт", "A receipt is already open"),
    Result.CHECK_CLOSED: ("Чек не открыт", "No receipt is open"),
    Result.UNDERPAID: ("Сумма оплаты меньше суммы чека", "Payment is less than the receipt total"),
    Result.NO_CASH: ("Недостаточно наличных в денежном ящике", "Not enough cash in the drawer"),
    Result.NOT_REGISTERED: ("ККТ не зарегистрирована", "The register is not registered"),
    Result.CHECK_OF_ANOTHER_SESSION: ("Чек открыт в другой сессии", "A receipt is open in another session"),
    Result.BUSY: ("Выполняется длительная операция", "A long operation is running"),
    Result.NO_OPERATION: ("Нет длительной операции", "No long operation is running"),
    Result.GOODS_BASE: ("Ошибка в базе товаров", "Error in the goods base"),
    Result.SERVER_EXCHANGE: ("Ошибка обмена с Сервером ККТ", "Exchange with the «Сервер ККТ» failed"),
    Result.NO_SERVER_ID: ("ID кассы не задан", "No register ID for the «Сервер ККТ» is set"),
    Result.NONCASH_EXCEEDS: ("Безналичная оплата больше суммы чека", "Non-cash payment exceeds the receipt total"),
    Result.NO_DATA: ("Нет запрошенных данных", "Requested data not found"),
    Result.INTERNAL: ("Внутренняя ошибка ККТ", "Internal register error"),
}
for _code in ANSWER_CODES:
    if _code.code:
        TEXTS[FN_BASE + _code.code] = (f"ФН: {_code.ru}", f"Fiscal drive: {_code.en}")


def english(code: int) -> str:
    """Our English text of a result code (a generic one for a code we do not know)."""
    text = TEXTS.get(code)
    return text[1] if text is not None else f"driver service result {code}"


def russian(code: int) -> str:
    text = TEXTS.get(code)
    return text[0] if text is not None else f"Ошибка {code}"
