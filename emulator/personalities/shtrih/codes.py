"""The Shtrih-M error codes the emulated register answers with (texts in kkt_drivers' Shtrih error tables), and
how a refusal of the virtual ФН becomes one.

A register with a ФН passes the ФН's own answer codes 01h–20h through (vendor «Протокол ФР (Команды работы с ФН)»,
table «Коды ошибок ФН»); from 21h up its own codes apply (vendor protocol v2.0). Which code a situation gets is
taken from the code's name; where two could fit, the choice is marked **[inferred]** in protocol-notes/shtrih.
"""

from __future__ import annotations

E_FN_UNKNOWN = 0x01  # Неизвестная команда, неверный формат посылки или неизвестные параметры (ФН)
E_FN_STATE = 0x02  # Неверное состояние ФН
E_FN_EXPIRED = 0x05  # Закончен срок эксплуатации ФН
E_FN_NO_DATA = 0x08  # Нет запрошенных данных
E_FN_PARAMETER = 0x09  # Некорректное значение параметров команды
E_FN_STORAGE = 0x14  # Исчерпан ресурс хранения
E_FN_WAITING = 0x15  # Исчерпан ресурс Ожидания передачи сообщения
E_PARAMETERS = 0x33  # Некорректные параметры в команде
E_UNSUPPORTED = 0x37  # Команда не поддерживается в данной реализации ККТ
E_INTERNAL = 0x39  # Внутренняя ошибка ПО ККТ (the answer when a handler fails [inferred])
E_SHIFT_OPEN = 0x3C  # Смена открыта – операция невозможна
E_SHIFT_CLOSED = 0x3D  # Смена не открыта – операция невозможна
E_UNDERPAID = 0x45  # Сумма всех типов оплаты меньше итога чека
E_TOTAL_OVERFLOW = 0x48  # Переполнение итога чека
#: a receipt total the register's 5-byte sums (and the ФН's search answer) can carry
MAX_TOTAL = 0xFF_FFFF_FFFF
E_NO_CASH = 0x46  # Не хватает наличности в кассе
E_RECEIPT_TYPE = 0x49  # Операция невозможна в открытом чеке данного типа
E_RECEIPT_OPEN = 0x4A  # Открыт чек – операция невозможна
E_NONCASH_EXCEEDS = 0x4D  # Вносимая безналичной оплатой сумма больше суммы чека
E_SHIFT_EXPIRED = 0x4E  # Смена превысила 24 часа
E_PASSWORD = 0x4F  # Неверный пароль
E_RECEIPT_CLOSED = 0x55  # Чек закрыт – операция невозможна
E_OTHER_OPERATOR = 0x59  # Документ открыт другим оператором
E_NO_TABLE = 0x5D  # Таблица не определена
E_BAD_OPERATION = 0x5E  # Некорректная операция
E_NO_PAPER = 0x6B  # Нет чековой ленты
E_SUBMODE = 0x72  # Команда не поддерживается в данном подрежиме
E_MODE = 0x73  # Команда не поддерживается в данном режиме
E_READ_ONLY = 0x7A  # Поле не редактируется
E_ZERO_TOTAL = 0x8E  # Нулевой итог чека

#: ФН answer codes (FNS ФН protocol numbering, as the virtual ФН raises them) → the code the register reports.
#: The vendor's ФН table names 01h–09h, 10h–12h, 14h–17h and 20h; the others become the nearest of those
#: [inferred]: 0Ah «команда не разрешена в этом ФФД» → 01h, 0Bh/0Ch/18h/19h/3Ch (forbidden, duplicated,
#: wrong or missing requisites) → 09h «некорректное значение параметров команды».
FN_TO_SHTRIH: dict[int, int] = {
    **{code: code for code in (0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x10, 0x11, 0x12, 0x15, 0x16,
                               0x17, 0x20)},
    0x0A: E_FN_UNKNOWN, 0x0B: E_FN_PARAMETER, 0x0C: E_FN_PARAMETER, 0x18: E_FN_PARAMETER, 0x19: E_FN_PARAMETER,
    0x3C: E_FN_PARAMETER,
}
#: the ФН's memory warning bit: with it, 14h is a full archive; without it, the 30-day OFD limit
MEMORY_WARNING = 0x04


def shtrih_code(fn_code: int, warnings: int = 0) -> int:
    """The register's error for a ФН answer code (``warnings`` tells the two meanings of 14h apart)."""
    if fn_code == 0x14:
        return E_FN_STORAGE if warnings & MEMORY_WARNING else E_FN_WAITING
    return FN_TO_SHTRIH.get(fn_code, E_FN_STATE)
