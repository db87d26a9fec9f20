"""«Меркурий MS-K» commands: field layouts, the status words, the 0x53 fiscal document, result codes.

A typed-dataclass codec rather than construct ``CommandSpec`` schemas: every MS-K field is text
(ASCII digits, hex digits, decimal strings, CP866), left-aligned, NUL-padded to a width and
NUL-terminated, with hex numbers and decimals inside; the fiscal document is a count followed by
61-byte records whose layout depends on the record type. In construct each of these would be a
custom ``Adapter`` (which does not compile, losing construct's speed) around ``PaddedString``,
and callers still want typed values. Here each request and each answer is a frozen dataclass
with ``encode_data``/``decode_data``, and :class:`MskCommand` carries the same declaration fields
as the family-neutral ``CommandSpec`` (family, code, name, doc_ru, doc_en, idempotent, timeout),
so a registry and the emulator can treat both alike.

Facts and their sources are in protocol-notes/incotex/README.md. Field widths of the 0x53
document, 0x45, 0x4A/0x53 answers and 0x5C answers were checked against captured frames; names
and meanings of 0x38, 0x4A, 0x4F and the 0x4A/0x53 ``extra`` field are [inferred].
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import import_module
from typing import ClassVar

from ...errors import DeviceError, InvalidParameter
from .msk_errors import MSK_ERRORS, OK
from .msk_framer import (
    DEFAULT_PASSWORD,
    ERROR_COMMAND,
    FieldReader,
    MskFrameError,
    answer_body,
    pack_field,
    parse_answer,
    parse_request,
    request_body,
)

FAMILY = "incotex-msk"


class TimeoutClass(float, enum.Enum):
    """How long a command may run (seconds) before keep-alives. Not published: [inferred] values,
    generous next to [S5]'s 3-second inactivity timer, which every keep-alive restarts."""

    QUICK = 5.0
    DOCUMENT = 30.0
    REPORT = 60.0


# =============================================================================================
# Status words
# =============================================================================================

class DocumentState(enum.IntEnum):
    """Bits 8–9 of the KKM status word: состояние документа."""

    CLOSED = 0  #: документ закрыт
    OPEN = 1  #: открыт, операции возможны
    TOTAL = 2  #: «итог»: операции запрещены, закрыть нельзя (не все обязательные реквизиты напечатаны)
    CLOSING = 3  #: завершение: операции запрещены, документ можно закрыть


class CurrentOperation(enum.IntEnum):
    """Bits 10–14 of the KKM status word: проводимая операция (other values are unknown)."""

    SALE = 0b00000  #: продажа
    CASH_REFUND = 0b00001  #: возврат продажи за наличные
    CASH_IN = 0b00010  #: внесение суммы
    CASH_OUT = 0b00011  #: выплата суммы
    NONCASH_REFUND = 0b10010  #: возврат продажи по безналу
    FINISHED = 0b11111  #: операция завершена


@dataclass(frozen=True, slots=True)
class KkmStatus:
    """The 16-bit «текущий статус ККМ» word (four hex digits in every answer); bit 0 is the lowest."""

    shift_open: bool = False  #: bit 0 — смена открыта
    tape_57mm: bool = False  #: bit 1 — лента 57 мм (0 = 80 мм)
    copy_buffer_nearly_full: bool = False  #: bit 2 — буфер копии документа почти полон (<5 %)
    graphic_header: bool = False  #: bit 3 — графическое клише ([S6]; «не используется» in [S7])
    fiscalised: bool = False  #: bit 4 — аппарат фискализирован
    fiscal_memory_nearly_full: bool = False  #: bit 5 — ФП близка к концу (<30 записей)
    fiscal_memory_exhausted: bool = False  #: bit 6 — ФП исчерпана
    xon_xoff: bool = False  #: bit 7 — протокол XON/XOFF (0 = «BS»)
    document_state: DocumentState = DocumentState.CLOSED  #: bits 8–9
    operation: int = CurrentOperation.FINISHED  #: bits 10–14, see :class:`CurrentOperation`
    last_copy_available: bool = False  #: bit 15 — есть копия последнего документа

    _FLAGS: ClassVar[tuple[tuple[str, int], ...]] = (
        ("shift_open", 0), ("tape_57mm", 1), ("copy_buffer_nearly_full", 2), ("graphic_header", 3),
        ("fiscalised", 4), ("fiscal_memory_nearly_full", 5), ("fiscal_memory_exhausted", 6), ("xon_xoff", 7),
        ("last_copy_available", 15),
    )

    @classmethod
    def from_word(cls, word: int) -> KkmStatus:
        if not 0 <= word <= 0xFFFF:
            raise InvalidParameter(f"KKM status word out of range: {word:#x}",
                                   message_ru=f"слово состояния ККМ вне допустимых пределов: {word:#x}")
        flags = {name: bool(word >> bit & 1) for name, bit in cls._FLAGS}
        return cls(document_state=DocumentState(word >> 8 & 0b11), operation=word >> 10 & 0b11111, **flags)

    @property
    def word(self) -> int:
        value = sum(1 << bit for name, bit in self._FLAGS if getattr(self, name))
        if not 0 <= self.operation <= 0b11111:
            raise InvalidParameter(f"operation code out of range: {self.operation}",
                                   message_ru=f"код операции вне допустимых пределов: {self.operation}")
        return value | int(self.document_state) << 8 | self.operation << 10

    @property
    def known_operation(self) -> CurrentOperation | None:
        try:
            return CurrentOperation(self.operation)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """The printer status byte (two hex digits in every answer). Several bits are active-low."""

    raw: int

    @property
    def display_ready(self) -> bool:  # bit 0
        return bool(self.raw & 0x01)

    @property
    def drawer_open(self) -> bool:  # bit 1: датчик денежного ящика, 1 = разомкнут
        return bool(self.raw & 0x02)

    @property
    def technological_mode(self) -> bool:  # bit 2: 0 = технологический режим
        return not self.raw & 0x04

    @property
    def printer_error(self) -> bool:  # bit 3: 0 = ошибка принтера
        return not self.raw & 0x08

    @property
    def cutter_enabled(self) -> bool:  # bit 4: 0 = отрезчик включён
        return not self.raw & 0x10

    @property
    def paper_out(self) -> bool:  # bit 5: конец бумаги
        return bool(self.raw & 0x20)

    @property
    def printer_ready(self) -> bool:  # bit 6
        return bool(self.raw & 0x40)

    @property
    def printer_busy(self) -> bool:  # bit 7: занят, offline или ошибка
        return bool(self.raw & 0x80)


@dataclass(frozen=True, slots=True)
class ExtendedPrinterStatus:
    """Parameter 306 (read with 0x5C): four bytes written as hex pairs at the start of the value [S5]."""

    byte1: int
    byte2: int
    byte3: int
    byte4: int

    @classmethod
    def from_value(cls, value: str) -> ExtendedPrinterStatus:
        try:
            b1, b2, b3, b4 = (int(value[i:i + 2], 16) for i in (0, 2, 4, 6))
        except ValueError as exc:
            raise MskFrameError(f"parameter 306 value is not 8 hex digits: {value!r}",
                                message_ru=f"значение параметра 306 — не 8 шестнадцатеричных цифр: {value!r}") from exc
        return cls(b1, b2, b3, b4)

    @property
    def drawer_open(self) -> bool:
        return bool(self.byte1 & 0x04)

    @property
    def printer_busy_or_error(self) -> bool:
        return bool(self.byte1 & 0x08)

    @property
    def printer_ready(self) -> bool:
        return bool(self.byte1 & 0x10)

    @property
    def cover_open(self) -> bool:
        return bool(self.byte2 & 0x04)

    @property
    def printer_error(self) -> bool:  # byte 2 bit 6 = 0 → ошибка принтера
        return not self.byte2 & 0x40

    @property
    def mechanical_error(self) -> bool:
        return bool(self.byte3 & 0x04)

    @property
    def cutter_error(self) -> bool:
        return bool(self.byte3 & 0x08)

    @property
    def critical_error(self) -> bool:
        return bool(self.byte3 & 0x20)

    @property
    def head_overheated(self) -> bool:
        return bool(self.byte3 & 0x40)

    @property
    def paper_near_end(self) -> bool:
        return bool(self.byte4 & 0x08)

    @property
    def paper_out(self) -> bool:
        return bool(self.byte4 & 0x40)


# =============================================================================================
# Field codecs
# =============================================================================================

def _cp866(text: str, width: int, name: str) -> bytes:
    try:
        raw = text.encode("cp866")
    except UnicodeEncodeError as exc:
        raise InvalidParameter(f"{name}: {text!r} has characters outside CP866",
                               message_ru=f"{name}: в {text!r} есть символы вне кодовой страницы CP866") from exc
    if len(raw) > width:
        raise InvalidParameter(f"{name}: {len(raw)} characters, at most {width}",
                               message_ru=f"{name}: {len(raw)} символов, допустимо не более {width}")
    return pack_field(raw, width)


def _ascii(text: str, width: int | None, name: str) -> bytes:
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise InvalidParameter(f"{name}: {text!r} is not ASCII",
                               message_ru=f"{name}: {text!r} содержит символы не из ASCII") from exc
    if width is not None and len(raw) > width:
        raise InvalidParameter(f"{name}: {text!r} is longer than {width}",
                               message_ru=f"{name}: {text!r} длиннее {width}")
    return pack_field(raw, width)


def _number(value: int, width: int, name: str, *, zero_pad: bool = False) -> bytes:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidParameter(f"{name}: a non-negative integer is needed, got {value!r}",
                               message_ru=f"{name}: нужно неотрицательное целое число, получено {value!r}")
    text = str(value).rjust(width, "0") if zero_pad else str(value)
    return _ascii(text, width, name)


def _decimal(value: Decimal, width: int, name: str) -> bytes:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidParameter(f"{name}: a finite non-negative Decimal is needed, got {value!r}",
                               message_ru=f"{name}: нужно конечное неотрицательное Decimal, получено {value!r}")
    return _ascii(format(value, "f"), width, name)


def _text(raw: bytes, name: str) -> str:
    try:
        return raw.decode("cp866")
    except UnicodeDecodeError as exc:  # pragma: no cover - every byte has a CP866 character
        raise MskFrameError(f"{name}: not CP866", message_ru=f"{name}: не в кодовой странице CP866") from exc


def _int(raw: bytes, name: str) -> int:
    if not raw or not raw.isdigit():
        raise MskFrameError(f"MS-K {name}: expected decimal digits, got {raw!r}",
                            message_ru=f"МС-К {name}: ожидались десятичные цифры, получено {raw!r}")
    return int(raw)


def _opt_int(raw: bytes, name: str) -> int | None:
    return None if not raw else _int(raw, name)


def _hex_int(raw: bytes, name: str) -> int:
    if not raw or any(b not in b"0123456789abcdefABCDEF" for b in raw):
        raise MskFrameError(f"MS-K {name}: expected hex digits, got {raw!r}",
                            message_ru=f"МС-К {name}: ожидались шестнадцатеричные цифры, получено {raw!r}")
    return int(raw, 16)


def _dec(raw: bytes, name: str) -> Decimal:
    try:
        value = Decimal(raw.decode("ascii"))
    except (InvalidOperation, UnicodeDecodeError) as exc:
        raise MskFrameError(f"MS-K {name}: not a decimal number: {raw!r}",
                            message_ru=f"МС-К {name}: не десятичное число: {raw!r}") from exc
    if not value.is_finite() or value < 0 or not raw.replace(b".", b"").isdigit():
        raise MskFrameError(f"MS-K {name}: not a plain non-negative decimal: {raw!r}",
                            message_ru=f"МС-К {name}: не простое неотрицательное десятичное число: {raw!r}")
    return value


def _opt_dec(raw: bytes, name: str) -> Decimal | None:
    return None if not raw else _dec(raw, name)


def _date(raw_date: bytes, raw_time: bytes) -> dt.datetime:
    """``DDMMYYYY`` and ``HHMM``."""
    try:
        if len(raw_date) != 8 or len(raw_time) != 4 or not (raw_date + raw_time).isdigit():
            raise ValueError
        return dt.datetime(int(raw_date[4:]), int(raw_date[2:4]), int(raw_date[:2]),
                           int(raw_time[:2]), int(raw_time[2:]))
    except ValueError as exc:
        raise MskFrameError(f"MS-K date/time not DDMMYYYY/HHMM: {raw_date!r} {raw_time!r}",
                            message_ru=f"дата и время МС-К не в формате DDMMYYYY/HHMM: {raw_date!r} "
                                       f"{raw_time!r}") from exc


def _date_fields(value: dt.datetime) -> bytes:
    if value.second or value.microsecond:
        raise InvalidParameter("MS-K date/time has minute precision; seconds must be zero",
                               message_ru="дата и время МС-К задаются с точностью до минуты; секунды должны быть "
                                          "нулевыми")
    return _ascii(value.strftime("%d%m%Y"), 8, "date") + _ascii(value.strftime("%H%M"), 4, "time")


def _check_flags(value: int, digits: int, name: str) -> None:
    if not isinstance(value, int) or not 0 <= value < 16 ** digits:
        raise InvalidParameter(f"{name}: must fit {digits} hex digits, got {value!r}",
                               message_ru=f"{name}: должно помещаться в {digits} шестнадцатеричных цифр, получено "
                                          f"{value!r}")


# =============================================================================================
# Requests
# =============================================================================================

class MskRequest:
    """Base of request classes: ``CODE`` is the command letter; the data follows the password."""

    CODE: ClassVar[int]

    def encode_data(self) -> bytes:
        return b""

    @classmethod
    def decode_data(cls, data: bytes) -> MskRequest:
        if data:
            raise MskFrameError(f"MS-K {chr(cls.CODE)!r} takes no fields, got {data[:16]!r}",
                                message_ru=f"МС-К {chr(cls.CODE)!r} не принимает полей, получено {data[:16]!r}")
        return cls()


class AnswerData:
    """Base of typed answer data (the fields after the printer status)."""

    def encode_data(self) -> bytes:
        raise NotImplementedError

    @classmethod
    def decode_data(cls, data: bytes) -> AnswerData:
        raise NotImplementedError


@dataclass(frozen=True)
class RegisterCashier(MskRequest):
    """0x31 «Регистрация кассира»: number 0–99 and name (≤ 40 CP866 characters).

    ``inn`` (ИНН кассира, tag 1203 of the ФН era) is a third field of 12 digits that no public client
    sends: our extension for registers with a ФН. [inferred] Without it the request is byte for byte
    the published one.
    """

    CODE: ClassVar[int] = 0x31
    number: int = 0
    name: str = ""
    inn: str | None = None

    def encode_data(self) -> bytes:
        if not 0 <= self.number <= 99:
            raise InvalidParameter(f"cashier number must be 0–99, got {self.number}",
                                   message_ru=f"номер кассира должен быть 0–99, получено {self.number}")
        data = _number(self.number, 2, "cashier number") + _cp866(self.name, 40, "cashier name")
        if self.inn is not None:
            if not (self.inn.isascii() and self.inn.isdigit() and len(self.inn) in (10, 12)):
                raise InvalidParameter(f"cashier INN must be 10 or 12 digits, got {self.inn!r}",
                                       message_ru="ИНН кассира должен состоять из 10 или 12 цифр, получено "
                                                  f"{self.inn!r}")
            data += _ascii(self.inn, 12, "cashier INN")
        return data

    @classmethod
    def decode_data(cls, data: bytes) -> RegisterCashier:
        r = FieldReader(data)
        number = _int(r.fixed(2, "cashier number"), "cashier number")
        name = _text(r.fixed(40, "cashier name"), "cashier name")
        inn = None
        if not r.at_end():
            raw = r.fixed(12, "cashier INN")
            if not (raw.isdigit() and len(raw) in (10, 12)):
                raise MskFrameError(f"MS-K cashier INN must be 10 or 12 digits, got {raw!r}",
                                    message_ru=f"ИНН кассира МС-К должен состоять из 10 или 12 цифр, получено {raw!r}")
            inn = raw.decode("ascii")
        r.expect_end("0x31")
        return cls(number, name, inn)


@dataclass(frozen=True)
class NonFiscalDocument(MskRequest):
    """0x36 «Нефискальный документ». After the OK answer the host streams CP866 text ended by
    ``ESC ESC`` outside any frame; [S6] reads one echo byte per byte written. See :func:`nonfiscal_text`."""

    CODE: ClassVar[int] = 0x36


def nonfiscal_text(text: str) -> bytes:
    """The raw stream that follows an accepted 0x36: CP866 text, a final line feed, ``ESC ESC``."""
    try:
        raw = text.encode("cp866")
    except UnicodeEncodeError as exc:
        raise InvalidParameter(f"non-fiscal text has characters outside CP866: {exc}",
                               message_ru="в нефискальном тексте есть символы вне кодовой страницы CP866: "
                                          f"{exc}") from exc
    if b"\x1b\x1b" in raw:
        raise InvalidParameter("non-fiscal text may not contain ESC ESC (it ends the stream)",
                               message_ru="нефискальный текст не может содержать ESC ESC (это конец потока)")
    return raw + (b"" if raw.endswith(b"\n") else b"\n") + b"\x1b\x1b"


@dataclass(frozen=True)
class ExternalPulse(MskRequest):
    """0x38 «Формирование импульсов управления внешним устройством» (cash drawer). [S6] sends line
    ``0`` then ``1`` with parameters ``01 01 01``; their meaning is not published. [inferred]"""

    CODE: ClassVar[int] = 0x38
    line: int = 0
    params: tuple[str, str, str] = ("01", "01", "01")

    def encode_data(self) -> bytes:
        if self.line not in (0, 1):
            raise InvalidParameter(f"pulse line must be 0 or 1, got {self.line}",
                                   message_ru=f"линия импульса должна быть 0 или 1, получено {self.line}")
        return _number(self.line, 1, "pulse line") + b"".join(_ascii(p, 2, "pulse parameter") for p in self.params)

    @classmethod
    def decode_data(cls, data: bytes) -> ExternalPulse:
        r = FieldReader(data)
        line = _int(r.fixed(1, "pulse line"), "pulse line")
        p1, p2, p3 = (r.fixed(2, "pulse parameter").decode("ascii", "replace") for _ in range(3))
        r.expect_end("0x38")
        return cls(line, (p1, p2, p3))


@dataclass(frozen=True)
class GetVersion(MskRequest):
    """0x45 «Информация о версии ПО ККМ». Some clients add one empty field; both are accepted."""

    CODE: ClassVar[int] = 0x45

    @classmethod
    def decode_data(cls, data: bytes) -> GetVersion:
        if data not in (b"", b"\x00\x00"):
            raise MskFrameError(f"MS-K 'E' takes no fields, got {data[:16]!r}",
                                message_ru=f"МС-К 'E' не принимает полей, получено {data[:16]!r}")
        return cls()


@dataclass(frozen=True)
class SetDateTime(MskRequest):
    """0x47 «Программирование даты и времени»: ``DDMMYYYY``, ``HHMM``."""

    CODE: ClassVar[int] = 0x47
    value: dt.datetime = dt.datetime(2000, 1, 1)

    def encode_data(self) -> bytes:
        return _date_fields(self.value)

    @classmethod
    def decode_data(cls, data: bytes) -> SetDateTime:
        r = FieldReader(data)
        value = _date(r.fixed(8, "date"), r.fixed(4, "time"))
        r.expect_end("0x47")
        return cls(value)


@dataclass(frozen=True)
class GetDateTime(MskRequest):
    """0x48 «Считать дату и время»."""

    CODE: ClassVar[int] = 0x48


@dataclass(frozen=True)
class RepeatAnswer(MskRequest):
    """0x49 «Повторить ответ»: the device sends its last answer again."""

    CODE: ClassVar[int] = 0x49


@dataclass(frozen=True)
class LastDocumentInfo(MskRequest):
    """0x4A: last document's numbers, date and sum (name not published; the official driver
    polls it before every 0x53). [inferred name]"""

    CODE: ClassVar[int] = 0x4A


@dataclass(frozen=True)
class Command4F(MskRequest):
    """0x4F: meaning unknown; [S5] sends it after cancelling a failed document. [inferred]"""

    CODE: ClassVar[int] = 0x4F


@dataclass(frozen=True)
class FeedPaper(MskRequest):
    """0x52 «Прогон/отрез ленты»: line count (two hex digits), cut ``01``/``00``."""

    CODE: ClassVar[int] = 0x52
    lines: int = 1
    cut: bool = False

    def encode_data(self) -> bytes:
        _check_flags(self.lines, 2, "line count")
        return _ascii(f"{self.lines:02X}", 2, "line count") + _ascii("01" if self.cut else "00", 2, "cut")

    @classmethod
    def decode_data(cls, data: bytes) -> FeedPaper:
        r = FieldReader(data)
        lines = _hex_int(r.fixed(2, "line count"), "line count")
        cut = r.fixed(2, "cut")  # [S6] leaves it empty for "no cut"
        r.expect_end("0x52")
        return cls(lines, cut not in (b"", b"00"))


@dataclass(frozen=True)
class CopyDocument(MskRequest):
    """0x54 «Копия документа»."""

    CODE: ClassVar[int] = 0x54


@dataclass(frozen=True)
class ReadParameter(MskRequest):
    """0x5C «Чтение параметра»: parameter number, three digits."""

    CODE: ClassVar[int] = 0x5C
    number: int = 0

    def encode_data(self) -> bytes:
        if not 0 <= self.number <= 999:
            raise InvalidParameter(f"parameter number must be 0–999, got {self.number}",
                                   message_ru=f"номер параметра должен быть 0–999, получено {self.number}")
        return _number(self.number, 3, "parameter number", zero_pad=True)

    @classmethod
    def decode_data(cls, data: bytes) -> ReadParameter:
        r = FieldReader(data)
        number = _int(r.fixed(3, "parameter number"), "parameter number")
        r.expect_end("0x5C")
        return cls(number)


class ReportKind(enum.IntEnum):
    """First field of 0x5F."""

    Z = 0  #: Z-отчёт (гашение)
    X = 1  #: X-отчёт сводный
    X_CASHIERS = 2  #: X-отчёт по кассирам
    X_SECTIONS = 3  #: X-отчёт по секциям


@dataclass(frozen=True)
class Report(MskRequest):
    """0x5F «Отчёты»: kind (one digit), flags (two hex digits; every client sends ``04``) and a
    cashier/section number (``00``; [S6] leaves it empty — ``None``)."""

    CODE: ClassVar[int] = 0x5F
    kind: ReportKind = ReportKind.X
    flags: int = 0x04
    number: int | None = 0

    def encode_data(self) -> bytes:
        _check_flags(self.flags, 2, "report flags")
        number = pack_field(b"", 2) if self.number is None else _number(self.number, 2, "number", zero_pad=True)
        return _number(int(self.kind), 1, "report kind") + _ascii(f"{self.flags:02X}", 2, "flags") + number

    @classmethod
    def decode_data(cls, data: bytes) -> Report:
        r = FieldReader(data)
        kind = _int(r.fixed(1, "report kind"), "report kind")
        flags = _hex_int(r.fixed(2, "report flags"), "report flags")
        number = _opt_int(r.fixed(2, "report number"), "report number")
        r.expect_end("0x5F")
        try:
            return cls(ReportKind(kind), flags, number)
        except ValueError as exc:
            raise MskFrameError(f"unknown report kind {kind}", message_ru=f"неизвестный вид отчёта {kind}") from exc


# -- 0x53 fiscal document ------------------------------------------------------------------------

class DocumentType(enum.IntEnum):
    """First field of 0x53 (and, as two digits, of the 0x4A/0x53 answers) [S6]."""

    SALE = 0  #: продажа
    RETURN = 1  #: возврат
    CASH_IN = 2  #: внесение
    CASH_OUT = 3  #: выплата
    # The ФН era's other receipt kinds: our extension, in the same numbering. [inferred]
    BUY = 4  #: расход
    BUY_RETURN = 5  #: возврат расхода
    CORRECTION_SALE = 6  #: чек коррекции прихода
    CORRECTION_RETURN = 7  #: чек коррекции возврата прихода
    CORRECTION_BUY = 8  #: чек коррекции расхода
    CORRECTION_BUY_RETURN = 9  #: чек коррекции возврата расхода


#: 0x53 document flags (two hex digits)
DOC_CLOSE = 0x04  #: оформить (закрыть) документ
DOC_ANNUL = 0x08  #: аннулировать документ
DOC_EXTENDED_ANSWER = 0x10  #: расширенный формат ответа (the answer carries the document's numbers)


class RequisiteType(enum.IntEnum):
    """Record types of the 0x53 document ([S5][S6]; the device prints and counts them)."""

    KKM_NUMBER = 0  #: номер ККМ
    ORG_NAME_1 = 1  #: наименование организации, строка 1
    ORG_NAME_2 = 2
    ORG_NAME_3 = 3
    ORG_NAME_4 = 4
    DATE_TIME = 5  #: дата и время
    CASHIER = 6  #: номер кассира
    DOC_NUMBER = 7  #: номер документа
    CHECK_NUMBER = 8  #: номер чека
    INN = 10  #: ИНН (РНН/РНМ)
    PRICE = 11  #: цена услуги (строка товара)
    TOTAL = 12  #: итоговая сумма
    PAID = 13  #: уплаченная сумма
    CHANGE = 14  #: сдача
    TAX_0 = 15  #: сумма налога по ставке 0
    CHECK_DISCOUNT = 21  #: общая скидка/надбавка на чек (flags 00A0, text = percent)
    # Our extension for registers with a ФН [inferred; see protocol-notes/incotex/fn-extension.md]:
    PAID_ELECTRONIC = 31  #: оплачено безналичными (1081), text = amount
    PAID_PREPAID = 32  #: зачёт предоплаты (1215), text = amount
    PAID_CREDIT = 33  #: в кредит (1216), text = amount
    PAID_OTHER = 34  #: встречное предоставление (1217), text = amount
    TLV = 40  #: реквизит ФН: hex digits of a TLV stream (flags: 0000 — of the position above, 0001 — of the document)
    TEXT = 99  #: произвольный текст

RECORD_SIZE = 61


def _record_head(type_: int, flags: int, x: int, y: int) -> bytes:
    if not 0 <= type_ <= 99:
        raise InvalidParameter(f"requisite type must be 0–99, got {type_}",
                               message_ru=f"тип реквизита должен быть 0–99, получено {type_}")
    _check_flags(flags, 4, "requisite flags")
    return (_number(type_, 2, "requisite type", zero_pad=True) + _ascii(f"{flags:04X}", 4, "requisite flags")
            + _number(x, 2, "x offset") + _number(y, 3, "y offset"))


@dataclass(frozen=True)
class TextRecord:
    """A 61-byte requisite with a text body: ``TT|FFFF|X|YYY`` + 5 unused bytes + 40 CP866 characters.

    Most types carry no text (the device fills in its own value); 99 is free text, 13 the paid sum
    and 21 the discount percent as decimal text. ``reserved`` keeps the 5 unused bytes as sent.
    """

    type: int
    flags: int = 0x0020
    x: int = 0
    y: int = 0
    text: str = ""
    reserved: bytes = bytes(5)

    def encode(self) -> bytes:
        if len(self.reserved) != 5 or b"\x02" in self.reserved or b"\x03" in self.reserved:
            raise InvalidParameter("reserved part of a requisite must be 5 bytes without STX/ETX",
                                   message_ru="резервная часть реквизита должна занимать 5 байт без STX/ETX")
        return _record_head(self.type, self.flags, self.x, self.y) + self.reserved + _cp866(self.text, 40, "text")


@dataclass(frozen=True)
class PriceRecord:
    """Type 11 «цена услуги»: section, goods code, percent discount/markup, quantity, price, unit."""

    TYPE: ClassVar[int] = RequisiteType.PRICE
    price: Decimal = Decimal(0)
    quantity: Decimal | None = None
    section: int | None = 1
    goods_code: str = "0"
    percent: Decimal | None = None
    unit: str = ""
    flags: int = 0x0022
    x: int = 0
    y: int = 0

    @property
    def type(self) -> int:
        return self.TYPE

    def encode(self) -> bytes:
        def opt_dec(value: Decimal | None, width: int, name: str) -> bytes:
            return pack_field(b"", width) if value is None else _decimal(value, width, name)

        section = pack_field(b"", 2) if self.section is None else _number(self.section, 2, "section")
        return (_record_head(self.TYPE, self.flags, self.x, self.y) + section + _ascii(self.goods_code, 6, "goods code")
                + opt_dec(self.percent, 5, "percent") + opt_dec(self.quantity, 11, "quantity")
                + _decimal(self.price, 11, "price") + _cp866(self.unit, 5, "unit"))


Record = TextRecord | PriceRecord


def decode_record(raw: bytes) -> Record:
    if len(raw) != RECORD_SIZE:
        raise MskFrameError(f"a 0x53 requisite is {RECORD_SIZE} bytes, got {len(raw)}",
                            message_ru=f"реквизит 0x53 занимает {RECORD_SIZE} байт, получено {len(raw)}")
    r = FieldReader(raw)
    type_ = _int(r.fixed(2, "requisite type"), "requisite type")
    flags = _hex_int(r.fixed(4, "requisite flags"), "requisite flags")
    x = _int(r.fixed(2, "x offset"), "x offset")
    y = _int(r.fixed(3, "y offset"), "y offset")
    if type_ == RequisiteType.PRICE:
        section = _opt_int(r.fixed(2, "section"), "section")
        code = r.fixed(6, "goods code").decode("ascii", "replace")
        percent = _opt_dec(r.fixed(5, "percent"), "percent")
        quantity = _opt_dec(r.fixed(11, "quantity"), "quantity")
        price = _dec(r.fixed(11, "price"), "price")
        unit = _text(r.fixed(5, "unit"), "unit")
        r.expect_end("price requisite")
        return PriceRecord(price, quantity, section, code, percent, unit, flags, x, y)
    reserved = raw[15:20]
    body = FieldReader(raw[20:])
    text = _text(body.fixed(40, "requisite text"), "requisite text")
    body.expect_end("text requisite")
    return TextRecord(type_, flags, x, y, text, reserved)


@dataclass(frozen=True)
class FiscalDocument(MskRequest):
    """0x53 «Фискальный документ»: type (one digit), flags (two hex digits), record count, records.

    The official driver writes the count NUL-padded (``20``); [S5] zero-pads it (``010``, and
    ``000`` to annul). ``zero_pad_count`` picks the second form; the decoder accepts both.
    """

    CODE: ClassVar[int] = 0x53
    doc_type: DocumentType = DocumentType.SALE
    flags: int = DOC_CLOSE | DOC_EXTENDED_ANSWER
    records: tuple[Record, ...] = ()
    zero_pad_count: bool = False

    def encode_data(self) -> bytes:
        _check_flags(self.flags, 2, "document flags")
        if len(self.records) > 999:
            raise InvalidParameter(f"at most 999 requisites, got {len(self.records)}",
                                   message_ru=f"не более 999 реквизитов, получено {len(self.records)}")
        head = (_number(int(self.doc_type), 1, "document type") + _ascii(f"{self.flags:02X}", 2, "document flags")
                + _number(len(self.records), 3, "requisite count", zero_pad=self.zero_pad_count))
        return head + b"".join(record.encode() for record in self.records)

    @classmethod
    def decode_data(cls, data: bytes) -> FiscalDocument:
        r = FieldReader(data)
        doc_type = _int(r.fixed(1, "document type"), "document type")
        flags = _hex_int(r.fixed(2, "document flags"), "document flags")
        raw_count = r.fixed(3, "requisite count")
        count = _int(raw_count, "requisite count")
        body = r.rest()
        if len(body) != count * RECORD_SIZE:
            raise MskFrameError(f"0x53 announces {count} requisites ({count * RECORD_SIZE} bytes), "
                                f"carries {len(body)} bytes",
                                message_ru=f"0x53 объявляет {count} реквизитов ({count * RECORD_SIZE} байт), а "
                                           f"передаёт {len(body)} байт")
        records = tuple(decode_record(body[i:i + RECORD_SIZE]) for i in range(0, len(body), RECORD_SIZE))
        try:
            kind = DocumentType(doc_type)
        except ValueError as exc:
            raise MskFrameError(f"unknown 0x53 document type {doc_type}",
                                message_ru=f"неизвестный тип документа 0x53: {doc_type}") from exc
        zero_pad = len(raw_count) == 3 and raw_count.startswith(b"0")
        return cls(kind, flags, records, zero_pad)


# =============================================================================================
# Answer data
# =============================================================================================

@dataclass(frozen=True)
class VersionInfo(AnswerData):
    """0x45 answer: serial (7), device name (30), manufacturer (30), software version (30), CP866."""

    serial: str
    name: str
    manufacturer: str
    version: str

    def encode_data(self) -> bytes:
        return (_cp866(self.serial, 7, "serial") + _cp866(self.name, 30, "name")
                + _cp866(self.manufacturer, 30, "manufacturer") + _cp866(self.version, 30, "version"))

    @classmethod
    def decode_data(cls, data: bytes) -> VersionInfo:
        r = FieldReader(data)
        values = [_text(r.fixed(width, name), name)
                  for width, name in ((7, "serial"), (30, "name"), (30, "manufacturer"), (30, "version"))]
        r.expect_end("0x45 answer")
        return cls(*values)


@dataclass(frozen=True)
class DeviceDateTime(AnswerData):
    """0x48 answer: ``DDMMYYYY``, ``HHMM``."""

    value: dt.datetime

    def encode_data(self) -> bytes:
        return _date_fields(self.value)

    @classmethod
    def decode_data(cls, data: bytes) -> DeviceDateTime:
        r = FieldReader(data)
        value = _date(r.fixed(8, "date"), r.fixed(4, "time"))
        r.expect_end("0x48 answer")
        return cls(value)


@dataclass(frozen=True)
class DocumentInfo(AnswerData):
    """0x4A and 0x53 (extended) answer: cashier (2), document number (5), date (8), time (4),
    document type (2), sum (15, decimal text), check number (5) and a fifth number (5) whose
    meaning is not published (``extra``; empty or digits in the captures). [inferred name]"""

    cashier: int
    doc_number: int
    date_time: dt.datetime
    doc_type: int
    total: Decimal
    check_number: int | None = None
    extra: int | None = None

    def encode_data(self) -> bytes:
        def opt(value: int | None, name: str) -> bytes:
            return pack_field(b"", 5) if value is None else _number(value, 5, name, zero_pad=True)

        return (_number(self.cashier, 2, "cashier", zero_pad=True) + _number(self.doc_number, 5, "doc", zero_pad=True)
                + _date_fields(self.date_time) + _number(self.doc_type, 2, "doc type", zero_pad=True)
                + _decimal(self.total, 15, "sum") + opt(self.check_number, "check number") + opt(self.extra, "extra"))

    @classmethod
    def decode_data(cls, data: bytes) -> DocumentInfo:
        r = FieldReader(data)
        cashier = _int(r.fixed(2, "cashier"), "cashier")
        doc_number = _int(r.fixed(5, "document number"), "document number")
        when = _date(r.fixed(8, "date"), r.fixed(4, "time"))
        doc_type = _int(r.fixed(2, "document type"), "document type")
        total = _dec(r.fixed(15, "sum"), "sum")
        check = _opt_int(r.fixed(5, "check number"), "check number")
        extra = _opt_int(r.fixed(5, "extra"), "extra")
        r.expect_end("document answer")
        return cls(cashier, doc_number, when, doc_type, total, check, extra)


@dataclass(frozen=True)
class ParameterValue(AnswerData):
    """0x5C answer: parameter number (3) and value (40, CP866). Known numbers: 300–303 header lines,
    304 ИНН, 306 extended printer status (:class:`ExtendedPrinterStatus`), 400+N cashier N's name."""

    number: int
    value: str

    def encode_data(self) -> bytes:
        return _number(self.number, 3, "parameter number", zero_pad=True) + _cp866(self.value, 40, "value")

    @classmethod
    def decode_data(cls, data: bytes) -> ParameterValue:
        r = FieldReader(data)
        number = _int(r.fixed(3, "parameter number"), "parameter number")
        value = _text(r.fixed(40, "parameter value"), "parameter value")
        r.expect_end("0x5C answer")
        return cls(number, value)


# =============================================================================================
# Declarations
# =============================================================================================

@dataclass(frozen=True, eq=False)
class MskCommand:
    """One MS-K command: the neutral ``CommandSpec`` fields plus its request/answer classes and timeout."""

    family: str
    code: bytes
    name: str
    doc_ru: str
    doc_en: str
    request_type: type[MskRequest]
    answer_type: type[AnswerData] | None = None
    idempotent: bool = False
    timeout: TimeoutClass = TimeoutClass.QUICK

    @property
    def code_int(self) -> int:
        return self.code[0]

    @property
    def label(self) -> str:
        return f"{self.code.hex().upper()} {self.name}"

    @property
    def timeout_seconds(self) -> float:
        return float(self.timeout)


def _cmd(request_type: type[MskRequest], name: str, doc_ru: str, doc_en: str, *,
         answer: type[AnswerData] | None = None, idempotent: bool = False,
         timeout: TimeoutClass = TimeoutClass.QUICK) -> MskCommand:
    return MskCommand(FAMILY, bytes((request_type.CODE,)), name, doc_ru, doc_en, request_type, answer,
                      idempotent, timeout)


COMMANDS: tuple[MskCommand, ...] = (
    _cmd(RegisterCashier, "register_cashier", "Регистрация кассира", "Register a cashier", idempotent=True),
    _cmd(NonFiscalDocument, "nonfiscal_document", "Нефискальный документ (далее поток текста до ESC ESC)",
         "Non-fiscal document (a raw text stream ended by ESC ESC follows)", timeout=TimeoutClass.DOCUMENT),
    _cmd(ExternalPulse, "external_pulse", "Импульсы управления внешним устройством (денежный ящик)",
         "Pulse an external device (cash drawer)"),
    _cmd(GetVersion, "get_version", "Информация о версии ПО ККМ", "Software version information",
         answer=VersionInfo, idempotent=True),
    _cmd(SetDateTime, "set_date_time", "Программирование даты и времени", "Set date and time", idempotent=True),
    _cmd(GetDateTime, "get_date_time", "Считать дату и время", "Read date and time", answer=DeviceDateTime,
         idempotent=True),
    _cmd(RepeatAnswer, "repeat_answer", "Повторить ответ", "Repeat the last answer", idempotent=True),
    _cmd(LastDocumentInfo, "last_document_info", "Сведения о последнем документе",
         "Last document information", answer=DocumentInfo, idempotent=True),
    _cmd(Command4F, "command_4f", "Команда 0x4F (назначение не опубликовано)", "Command 0x4F (purpose unknown)"),
    _cmd(FeedPaper, "feed_paper", "Прогон/отрез чековой ленты", "Feed and cut the paper", idempotent=True),
    _cmd(FiscalDocument, "fiscal_document", "Фискальный документ (чек, внесение, выплата, возврат, аннулирование)",
         "Fiscal document (receipt, cash in/out, refund, annulment)", answer=DocumentInfo,
         timeout=TimeoutClass.DOCUMENT),
    _cmd(CopyDocument, "copy_document", "Копия документа", "Print a copy of the last document",
         timeout=TimeoutClass.DOCUMENT),
    _cmd(ReadParameter, "read_parameter", "Чтение параметра", "Read a parameter", answer=ParameterValue,
         idempotent=True),
    _cmd(Report, "report", "Отчёты (X, Z)", "Reports (X, Z)", timeout=TimeoutClass.REPORT),
)

REGISTRY: dict[int, MskCommand] = {command.code_int: command for command in COMMANDS}


class UnknownCommand(MskFrameError):
    """A request letter no declaration knows (a device answers 001D «нет такой команды»)."""

    def __init__(self, code: int) -> None:
        super().__init__(f"unknown MS-K command {code:#04x}", message_ru=f"неизвестная команда МС-К {code:#04x}")
        self.code = code


def command_for(code: int) -> MskCommand:
    command = REGISTRY.get(code)
    if command is None:
        raise UnknownCommand(code)
    return command


# =============================================================================================
# Whole bodies
# =============================================================================================

def build_request(request: MskRequest, *, password: bytes = DEFAULT_PASSWORD) -> bytes:
    """The request body (the message a link sends): letter, password, NUL, fields."""
    return request_body(request.CODE, [request.encode_data()], password=password)


@dataclass(frozen=True, slots=True)
class DecodedRequest:
    command: MskCommand
    password: bytes
    request: MskRequest


def decode_request(body: bytes) -> DecodedRequest:
    """Device side: split a request body and decode its fields. Raises :class:`MskFrameError`."""
    frame = parse_request(body)
    command = command_for(frame.command)
    return DecodedRequest(command, frame.password, command.request_type.decode_data(frame.data))


@dataclass(frozen=True, slots=True)
class Answer:
    """A decoded answer: the header as typed values and the data as the command's answer class
    (``None`` when the command has none, or the answer carried no data)."""

    command: int
    status: KkmStatus
    result: int
    printer: PrinterStatus
    data: AnswerData | None = None
    raw_data: bytes = field(default=b"", repr=False)

    @property
    def ok(self) -> bool:
        return self.result == OK

    def error(self) -> DeviceError:
        spec = REGISTRY.get(self.command)
        return MSK_ERRORS.error(self.result, spec.label if spec else f"{self.command:02X}")


def decode_answer(body: bytes, expected: int | None = None, *, check: bool = True) -> Answer:
    """Host side: decode an answer body.

    ``expected`` is the command letter sent; an answer for another letter (other than the ``0``
    error answer) raises :class:`MskFrameError`. With ``check`` a non-zero result raises the
    :class:`~kkt_drivers.errors.DeviceError` of the result table; data is only decoded on success.
    """
    frame = parse_answer(body)
    if expected is not None and frame.command not in (expected, ERROR_COMMAND):
        raise MskFrameError(f"answer for command {frame.command:#04x}, expected {expected:#04x}",
                            message_ru=f"ответ на команду {frame.command:#04x}, ожидался на {expected:#04x}")
    answer = Answer(frame.command, KkmStatus.from_word(frame.status), frame.result, PrinterStatus(frame.printer),
                    None, frame.data)
    if not answer.ok:
        if check:
            raise answer.error()
        return answer
    spec = REGISTRY.get(frame.command)
    if spec is None or spec.answer_type is None or not frame.data:
        return answer
    return Answer(answer.command, answer.status, answer.result, answer.printer,
                  spec.answer_type.decode_data(frame.data), frame.data)


def build_answer(command: int, data: AnswerData | None = None, *, status: KkmStatus | int = 0,
                 printer: PrinterStatus | int = 0, result: int = OK) -> bytes:
    """Device side: an answer body (lower-case hex digits, as the device writes them)."""
    word = status.word if isinstance(status, KkmStatus) else status
    byte = printer.raw if isinstance(printer, PrinterStatus) else printer
    return answer_body(command, word, result, byte, b"" if data is None else data.encode_data())


# The ФН-era commands (all [inferred]) live in msk_fn and add themselves to REGISTRY when imported.
import_module(".msk_fn", __package__)
