"""How the ATOL personality reports a fiscal-drive refusal: ФН answer code → ATOL error code.

The ATOL list has its own codes for ФН conditions (0xD4…0xF3); which one a real device returns for
each ФН code is not published, so this table is inferred from the names (protocol-notes/atol/commands.md).
"""

from __future__ import annotations

FN_TO_ATOL: dict[int, int] = {
    0x01: 0xF2,  # unknown command / format → Неверная команда
    0x02: 0xD4,  # other state of the ФН → Неверное состояние ФН
    0x03: 0xD5,  # ФН failure → Неисправимая ошибка ФН
    0x04: 0xD6,  # crypto failure → Ошибка КС ФН
    0x05: 0xD7,  # parameters do not fit the ФН's life → Закончен срок эксплуатации ФН
    0x07: 0xD9,  # wrong date/time → В ФН переданы неверная дата или время
    0x08: 0xDA,  # no requested data → В ФН нет запрошенных данных
    0x09: 0xE7,  # bad parameter value → Некорректное значение параметров команды ФН
    0x0A: 0xF2,  # command not allowed in this FFD → Неверная команда
    0x0B: 0xE7, 0x0C: 0xE7, 0x0D: 0xE7, 0x18: 0xE7, 0x19: 0xE7,
    0x0E: 0xF3,  # too many positions → Количество позиций превысило разрешённый лимит
    0x10: 0xE8,  # TLV too large → Превышение размеров TLV данных ФН
    0x11: 0xE9,  # no transport connection → Нет транспортного соединения ФН
    0x12: 0xEA,  # ФН resource exhausted → Исчерпан ресурс КС ФН
    0x16: 0x88,  # shift longer than 24 h → Смена превысила 24 часа
    0x17: 0xF1,  # time difference → Неверная разница во времени между двумя операциями ФН
    0x20: 0xEC,  # OFD message rejected
}
ATOL_30_DAY_BLOCK = 0xEF  # Исчерпан ресурс ожидания передачи сообщения в ФН (14h without the memory flag)
ATOL_ARCHIVE_FULL = 0xD8  # Архив ФН переполнен (14h with the memory flag)
MEMORY_WARNING = 0x04


def atol_code(fn_code: int, warnings: int = 0) -> int:
    """The ATOL error for a ФН answer code (``warnings`` disambiguates 14h)."""
    if fn_code == 0x14:
        return ATOL_ARCHIVE_FULL if warnings & MEMORY_WARNING else ATOL_30_DAY_BLOCK
    return FN_TO_ATOL.get(fn_code, 0xD4)
