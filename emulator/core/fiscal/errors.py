"""Errors of the virtual fiscal drive (ФН).

:class:`FnError` is the drive's refusal, carrying a ФН answer code in the numbering of FNS
protocol v1.2.06 (Tables 4 and 5). It subclasses :class:`kkt_drivers.protocols.fn.answer_codes.FnError`,
so it has the same ``code``, ``message``, ``message_ru``, ``detail`` and ``tag`` attributes as an
error read from a real drive, and a personality can turn it into its own error code with one
lookup. :class:`ArchiveError` is an emulator-side problem with the archive file (not a drive answer).
"""

from __future__ import annotations

import enum

from kkt_drivers.protocols.fn.answer_codes import FnError as _WireFnError

__all__ = ["ArchiveError", "Code", "FnError"]


class Code(enum.IntEnum):
    """The answer codes this emulator produces (v1.2.06 numbering)."""

    STATE = 0x02  #: другое состояние ФН
    DATETIME = 0x07  #: некорректная дата и/или время
    NO_DATA = 0x08  #: нет запрошенных данных
    BAD_PARAMETER = 0x09  #: некорректное значение параметров команды
    BAD_COMMAND = 0x0A  #: некорректная команда (not allowed in this FFD mode)
    FORBIDDEN_TAG = 0x0B  #: неразрешённые реквизиты (a tag the ФН forms itself)
    DUPLICATE_TAG = 0x0C  #: дублирование данных
    TLV_TOO_LARGE = 0x10  #: превышение размеров TLV данных
    RESOURCE_EXHAUSTED = 0x12  #: исчерпан ресурс ФН (validity over)
    RESOURCE_LIMIT = 0x14  #: ограничение ресурса ФН (archive full / OFD queue older than 30 days)
    SHIFT_EXPIRED = 0x16  #: продолжительность смены превышена
    TIME_GAP = 0x17  #: некорректные данные о промежутке времени между ФД (5-minute rule)
    BAD_REQUISITE = 0x18  #: некорректный реквизит
    REGISTRATION_MISMATCH = 0x19  #: реквизит не соответствует установкам при регистрации
    MARKING_RESPONSE = 0x20  #: некорректный ответ (B6h; the reason byte follows)
    MARKING_FORBIDDEN = 0x32  #: запрещена работа с маркированными товарами (not registered for them)
    MARKING_SEQUENCE = 0x33  #: неверная последовательность команд группы Bxh
    MARKING_TABLE_FULL = 0x35  #: переполнена таблица проверки кодов маркировки (128 kept)
    MISSING_REQUISITES = 0x3C  #: в блоке TLV отсутствуют необходимые реквизиты
    MARKING_NOT_CHECKED = 0x3E  #: КМ не проверялся в ФН (not kept with B2h)


class FnError(_WireFnError):
    """The virtual ФН refused an operation.

    ``code`` is the ФН answer code, ``message_ru`` its name in the v1.2.06 tables, ``message`` the
    English text, ``command`` the :class:`~kkt_emu.core.fiscal.FiscalCore` method that failed and
    ``reason`` an English explanation of the emulator's check that fired. For 0Bh, 0Ch, 3Ch (and,
    here, 18h/19h) ``detail`` holds the offending tag as Uint16 LE, readable as ``.tag``; for 20h after B6h
    it is the reason byte of Table 139 (pass ``detail``).
    """

    def __init__(self, code: int, reason: str = "", *, tag: int | None = None, command: str = "",
                 detail: bytes | None = None) -> None:
        if detail is None:
            detail = tag.to_bytes(2, "little") if tag is not None else b""
        super().__init__(code, detail, command=command)
        self.reason = reason
        self._tag = tag

    @property
    def tag(self) -> int | None:
        """The tag number the check was about, when there is one."""
        return self._tag

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}: {self.reason}" if self.reason else base


class ArchiveError(RuntimeError):
    """The archive file cannot be used (locked by another process, unreadable, foreign schema)."""
