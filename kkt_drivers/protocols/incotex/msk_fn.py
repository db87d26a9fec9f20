"""«Меркурий MS-K» commands for a register with a ФН — our extension of the ЭКЛЗ-era protocol. [inferred]

No public source shows how an Incotex register in «ФР mode» reads its ФН, opens a shift, registers,
closes the ФН or keeps its «ID КАССЫ» for the «Сервер ККТ»: every command here is designed by us in the
style of the published ones (one letter, the password, NUL-terminated ASCII fields of fixed widths,
dates ``DDMMYYYY``, hex digits for flags) and is **[inferred]** as a whole. Driver and emulator share
these declarations, so they agree by construction; a real register may differ.
protocol-notes/incotex/fn-extension.md lists the layouts.

Letters used (none of them appears in the published command lists): ``A`` open shift, ``D`` ФН
document, ``F`` ФН status, ``K`` shift state, ``L`` document TLV, ``M`` cash in drawer, ``Q`` OFD
exchange status, ``U`` «Сервер ККТ» settings, ``V`` close the ФН, ``W`` write a registration
requisite, ``X`` «Сервер ККТ» status and test, ``Y`` registration, ``Z`` exchange with the «Сервер ККТ».

The fiscal document ``0x53`` carries the ФН's requisites in records of type 40 (:func:`tlv_records`):
their text is hex digits of a TLV stream, 20 bytes a record; consecutive type-40 records of one level
join into one stream, of the position above (flags ``0000``) or of the whole document (flags ``0001``).
:func:`build_document_records` and :func:`parse_document` are the two directions.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from ...errors import InvalidParameter
from . import msk_commands as mc
from .msk_commands import (
    AnswerData,
    MskRequest,
    PriceRecord,
    Record,
    RequisiteType,
    TextRecord,
    TimeoutClass,
    _ascii,
    _cp866,
    _dec,
    _decimal,
    _hex_int,
    _int,
    _number,
    _text,
)
from .msk_framer import FieldReader, MskFrameError, pack_field

#: bytes of TLV per type-40 record (40 hex digits fill the record's text)
TLV_CHUNK = 20
#: bytes of a document's TLV per ``L`` answer (as hex digits: 1024)
TLV_READ_CHUNK = 512
#: the longest requisite value ``W`` takes (a 256-character address in CP866)
MAX_REQUISITE = 512
TLV_OF_POSITION = 0x0000
TLV_OF_DOCUMENT = 0x0001


# -- field helpers --------------------------------------------------------------------------------

def _dt_fields(value: dt.datetime | None) -> bytes:
    """``DDMMYYYY`` and ``HHMMSS`` (seconds: the ФН keeps them), both empty for no value."""
    if value is None:
        return pack_field(b"", 8) + pack_field(b"", 6)
    return _ascii(value.strftime("%d%m%Y"), 8, "date") + _ascii(value.strftime("%H%M%S"), 6, "time")


def _read_dt(r: FieldReader) -> dt.datetime | None:
    raw_date, raw_time = r.fixed(8, "date"), r.fixed(6, "time")
    if not raw_date and not raw_time:
        return None
    try:
        if len(raw_date) != 8 or len(raw_time) != 6 or not (raw_date + raw_time).isdigit():
            raise ValueError
        return dt.datetime(int(raw_date[4:]), int(raw_date[2:4]), int(raw_date[:2]),
                           int(raw_time[:2]), int(raw_time[2:4]), int(raw_time[4:]))
    except ValueError as exc:
        raise MskFrameError(f"MS-K date/time not DDMMYYYY/HHMMSS: {raw_date!r} {raw_time!r}",
                            message_ru=f"дата и время МС-К не в формате DDMMYYYY/HHMMSS: {raw_date!r} "
                                       f"{raw_time!r}") from exc


def _date_field(value: dt.date | None) -> bytes:
    return pack_field(b"", 8) if value is None else _ascii(value.strftime("%d%m%Y"), 8, "date")


def _read_date(r: FieldReader) -> dt.date | None:
    raw = r.fixed(8, "date")
    if not raw:
        return None
    try:
        if len(raw) != 8 or not raw.isdigit():
            raise ValueError
        return dt.date(int(raw[4:]), int(raw[2:4]), int(raw[:2]))
    except ValueError as exc:
        raise MskFrameError(f"MS-K date not DDMMYYYY: {raw!r}",
                            message_ru=f"дата МС-К не в формате DDMMYYYY: {raw!r}") from exc


def _flag(value: bool) -> bytes:
    return _ascii("1" if value else "0", 1, "flag")


def _read_flag(r: FieldReader, name: str) -> bool:
    raw = r.fixed(1, name)
    if raw not in (b"0", b"1"):
        raise MskFrameError(f"MS-K {name}: expected 0 or 1, got {raw!r}",
                            message_ru=f"МС-К {name}: ожидалось 0 или 1, получено {raw!r}")
    return raw == b"1"


def _hex2(value: int, name: str) -> bytes:
    if not 0 <= value <= 0xFF:
        raise InvalidParameter(f"{name} must fit two hex digits, got {value}",
                               message_ru=f"{name} должно помещаться в две шестнадцатеричные цифры, получено {value}")
    return _ascii(f"{value:02X}", 2, name)


def _hex_text(data: bytes) -> bytes:
    return data.hex().upper().encode("ascii")


def _unhex(raw: bytes, name: str) -> bytes:
    try:
        if len(raw) % 2:
            raise ValueError
        return bytes.fromhex(raw.decode("ascii"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise MskFrameError(f"MS-K {name}: not an even number of hex digits: {raw[:32]!r}",
                            message_ru=f"МС-К {name}: нечётное число шестнадцатеричных цифр: {raw[:32]!r}") from exc


# -- requests ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OpenShift(MskRequest):
    """``A`` «Открыть смену»: the cashier registered with ``1`` signs the report. [inferred]"""

    CODE: ClassVar[int] = 0x41


@dataclass(frozen=True)
class FnDocumentQuery(MskRequest):
    """``D`` «Документ ФН по номеру»: number (10 digits). [inferred]"""

    CODE: ClassVar[int] = 0x44
    number: int = 1

    def encode_data(self) -> bytes:
        if not 1 <= self.number <= 0xFFFFFFFF:
            raise InvalidParameter(f"document number must be 1–4294967295, got {self.number}",
                                   message_ru=f"номер документа должен быть 1–4294967295, получено {self.number}")
        return _number(self.number, 10, "document number")

    @classmethod
    def decode_data(cls, data: bytes) -> FnDocumentQuery:
        r = FieldReader(data)
        number = _int(r.fixed(10, "document number"), "document number")
        r.expect_end("D")
        return cls(number)


@dataclass(frozen=True)
class FnStatusQuery(MskRequest):
    """``F`` «Статус ФН». [inferred]"""

    CODE: ClassVar[int] = 0x46


@dataclass(frozen=True)
class ShiftStateQuery(MskRequest):
    """``K`` «Состояние смены». [inferred]"""

    CODE: ClassVar[int] = 0x4B


@dataclass(frozen=True)
class FnDocumentTlvQuery(MskRequest):
    """``L`` «TLV документа ФН»: number (10), byte offset (5); the answer carries up to
    :data:`TLV_READ_CHUNK` bytes from there. [inferred]"""

    CODE: ClassVar[int] = 0x4C
    number: int = 1
    offset: int = 0

    def encode_data(self) -> bytes:
        if not 1 <= self.number <= 0xFFFFFFFF:
            raise InvalidParameter(f"document number must be 1–4294967295, got {self.number}",
                                   message_ru=f"номер документа должен быть 1–4294967295, получено {self.number}")
        return _number(self.number, 10, "document number") + _number(self.offset, 5, "offset")

    @classmethod
    def decode_data(cls, data: bytes) -> FnDocumentTlvQuery:
        r = FieldReader(data)
        number = _int(r.fixed(10, "document number"), "document number")
        offset = _int(r.fixed(5, "offset"), "offset")
        r.expect_end("L")
        return cls(number, offset)


@dataclass(frozen=True)
class CashQuery(MskRequest):
    """``M`` «Наличность в денежном ящике». [inferred]"""

    CODE: ClassVar[int] = 0x4D


@dataclass(frozen=True)
class OfdStatusQuery(MskRequest):
    """``Q`` «Статус обмена с ОФД». [inferred]"""

    CODE: ClassVar[int] = 0x51


@dataclass(frozen=True)
class KktServerSettings(MskRequest):
    """``U`` «Параметры Сервера ККТ» («ID КАССЫ»): ``write`` 0/1, the register's ID on the server
    (up to 10 digits; empty clears it) and the server's address ``host:port`` (up to 40 ASCII
    characters; empty keeps the one set). Reading sends ``0`` and two empty fields. [inferred]"""

    CODE: ClassVar[int] = 0x55
    write: bool = False
    server_id: str = ""
    address: str = ""

    def encode_data(self) -> bytes:
        if self.server_id and not (self.server_id.isascii() and self.server_id.isdigit()):
            raise InvalidParameter(f"the «Сервер ККТ» ID is up to 10 digits, got {self.server_id!r}",
                                   message_ru=f"ID «Сервера ККТ» — не более 10 цифр, получено {self.server_id!r}")
        return _flag(self.write) + _ascii(self.server_id, 10, "server ID") + _ascii(self.address, 40, "address")

    @classmethod
    def decode_data(cls, data: bytes) -> KktServerSettings:
        r = FieldReader(data)
        write = _read_flag(r, "write flag")
        server_id = r.fixed(10, "server ID")
        address = r.fixed(40, "address")
        r.expect_end("U")
        if server_id and not server_id.isdigit():
            raise MskFrameError(f"MS-K server ID must be digits, got {server_id!r}",
                                message_ru=f"ID сервера МС-К должен состоять из цифр, получено {server_id!r}")
        return cls(write, server_id.decode("ascii"), address.decode("ascii", "replace"))


@dataclass(frozen=True)
class CloseFn(MskRequest):
    """``V`` «Закрытие фискального режима ФН». [inferred]"""

    CODE: ClassVar[int] = 0x56


@dataclass(frozen=True)
class WriteRequisite(MskRequest):
    """``W`` «Запись реквизита регистрации»: tag (4 digits) and the TLV value as hex digits. The value
    waits in the register's registration buffer for ``Y``; writing a tag again replaces it. [inferred]"""

    CODE: ClassVar[int] = 0x57
    tag: int = 0
    value: bytes = b""

    def encode_data(self) -> bytes:
        if not 1 <= self.tag <= 9999:
            raise InvalidParameter(f"requisite tag must be 1–9999, got {self.tag}",
                                   message_ru=f"номер реквизита должен быть 1–9999, получено {self.tag}")
        if len(self.value) > MAX_REQUISITE:
            raise InvalidParameter(f"requisite {self.tag}: {len(self.value)} bytes, at most {MAX_REQUISITE}",
                                   message_ru=f"реквизит {self.tag}: {len(self.value)} байт, допустимо не более "
                                              f"{MAX_REQUISITE}")
        return _number(self.tag, 4, "tag", zero_pad=True) + pack_field(_hex_text(self.value))

    @classmethod
    def decode_data(cls, data: bytes) -> WriteRequisite:
        r = FieldReader(data)
        tag = _int(r.fixed(4, "tag"), "tag")
        value = _unhex(r.variable("value"), "requisite value")
        r.expect_end("W")
        if len(value) > MAX_REQUISITE:
            raise MskFrameError(f"MS-K requisite value of {len(value)} bytes",
                                message_ru=f"значение реквизита МС-К из {len(value)} байт")
        return cls(tag, value)


class KktServerAction(enum.IntEnum):
    """What ``X`` asks about the «Сервер ККТ». [inferred]"""

    STATUS = 0  #: «СТАТУС СЕРВ. ККТ»: the last exchange, from memory
    TEST = 1  #: «ТЕСТ.СЕРВ.ККТ»: connect to the server now and report


@dataclass(frozen=True)
class KktServerQuery(MskRequest):
    """``X`` «Сервер ККТ: статус / тест связи»: action (1 digit). [inferred]"""

    CODE: ClassVar[int] = 0x58
    action: KktServerAction = KktServerAction.STATUS

    def encode_data(self) -> bytes:
        return _number(int(self.action), 1, "action")

    @classmethod
    def decode_data(cls, data: bytes) -> KktServerQuery:
        r = FieldReader(data)
        action = _int(r.fixed(1, "action"), "action")
        r.expect_end("X")
        try:
            return cls(KktServerAction(action))
        except ValueError as exc:
            raise MskFrameError(f"unknown «Сервер ККТ» action {action}",
                                message_ru=f"неизвестное действие «Сервера ККТ» {action}") from exc


class RegistrationKind(enum.IntEnum):
    """First field of ``Y``. [inferred]"""

    REGISTER = 0  #: регистрация
    REPLACE_FN = 1  #: перерегистрация с заменой ФН (the new ФН's number in requisite 1041)
    CHANGE = 2  #: перерегистрация без замены ФН (reasons in the second field)


@dataclass(frozen=True)
class Register(MskRequest):
    """``Y`` «Регистрация / перерегистрация ККТ»: kind (1 digit) and the reason codes (8 hex digits: the
    1101 code in FFD 1.05, the 1205 bit mask in FFD 1.2), with the requisites written by ``W``. [inferred]"""

    CODE: ClassVar[int] = 0x59
    kind: RegistrationKind = RegistrationKind.REGISTER
    reasons: int = 0

    def encode_data(self) -> bytes:
        if not 0 <= self.reasons <= 0xFFFFFFFF:
            raise InvalidParameter(f"reasons must fit 8 hex digits, got {self.reasons}",
                                   message_ru="причины должны помещаться в 8 шестнадцатеричных цифр, получено "
                                              f"{self.reasons}")
        return _number(int(self.kind), 1, "kind") + _ascii(f"{self.reasons:08X}", 8, "reasons")

    @classmethod
    def decode_data(cls, data: bytes) -> Register:
        r = FieldReader(data)
        kind = _int(r.fixed(1, "kind"), "kind")
        reasons = _hex_int(r.fixed(8, "reasons"), "reasons")
        r.expect_end("Y")
        try:
            return cls(RegistrationKind(kind), reasons)
        except ValueError as exc:
            raise MskFrameError(f"unknown registration kind {kind}",
                                message_ru=f"неизвестный вид регистрации {kind}") from exc


@dataclass(frozen=True)
class KktServerExchange(MskRequest):
    """``Z`` «Обмен с Сервером ККТ»: fetch the goods base, send the sales journal. [inferred]"""

    CODE: ClassVar[int] = 0x5A


# -- answers ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FnStatusData(AnswerData):
    """``F`` answer: phase (2 hex), shift open (1), warnings (2 hex), ФН number (16), last document
    number (10), its date and time, validity date, registrations left (2), FFD version (4). [inferred]"""

    phase: int
    shift_open: bool
    warnings: int
    fn_number: str
    last_document: int
    last_document_datetime: dt.datetime | None
    valid_until: dt.date | None
    registrations_left: int
    ffd: str

    def encode_data(self) -> bytes:
        return (_hex2(self.phase, "phase") + _flag(self.shift_open) + _hex2(self.warnings, "warnings")
                + _ascii(self.fn_number, 16, "ФН number") + _number(self.last_document, 10, "last document")
                + _dt_fields(self.last_document_datetime) + _date_field(self.valid_until)
                + _number(self.registrations_left, 2, "registrations left") + _ascii(self.ffd, 4, "FFD"))

    @classmethod
    def decode_data(cls, data: bytes) -> FnStatusData:
        r = FieldReader(data)
        phase = _hex_int(r.fixed(2, "phase"), "phase")
        shift_open = _read_flag(r, "shift flag")
        warnings = _hex_int(r.fixed(2, "warnings"), "warnings")
        fn_number = r.fixed(16, "ФН number").decode("ascii", "replace")
        last = _int(r.fixed(10, "last document"), "last document")
        when = _read_dt(r)
        valid = _read_date(r)
        left = _int(r.fixed(2, "registrations left"), "registrations left")
        ffd = r.fixed(4, "FFD").decode("ascii", "replace")
        r.expect_end("F answer")
        return cls(phase, shift_open, warnings, fn_number, last, when, valid, left, ffd)


@dataclass(frozen=True)
class ShiftStateData(AnswerData):
    """``K`` answer: open (1), shift number (5), next receipt number (5), opened at, expired (1). [inferred]"""

    open: bool
    number: int
    next_receipt: int
    opened_at: dt.datetime | None
    expired: bool

    def encode_data(self) -> bytes:
        return (_flag(self.open) + _number(self.number, 5, "shift number") + _number(self.next_receipt, 5, "receipt")
                + _dt_fields(self.opened_at) + _flag(self.expired))

    @classmethod
    def decode_data(cls, data: bytes) -> ShiftStateData:
        r = FieldReader(data)
        is_open = _read_flag(r, "open flag")
        number = _int(r.fixed(5, "shift number"), "shift number")
        receipt = _int(r.fixed(5, "receipt number"), "receipt number")
        opened = _read_dt(r)
        expired = _read_flag(r, "expired flag")
        r.expect_end("K answer")
        return cls(is_open, number, receipt, opened, expired)


@dataclass(frozen=True)
class FnDocumentData(AnswerData):
    """``D`` answer: number (10), type (3), date and time, fiscal sign (10), shift (5), receipt number (5),
    confirmed by the OFD (1), TLV size (5). [inferred]"""

    number: int
    doc_type: int
    datetime: dt.datetime
    fiscal_sign: int
    shift: int
    receipt: int
    confirmed: bool
    tlv_size: int

    def encode_data(self) -> bytes:
        return (_number(self.number, 10, "number") + _number(self.doc_type, 3, "type") + _dt_fields(self.datetime)
                + _number(self.fiscal_sign, 10, "fiscal sign") + _number(self.shift, 5, "shift")
                + _number(self.receipt, 5, "receipt") + _flag(self.confirmed) + _number(self.tlv_size, 5, "size"))

    @classmethod
    def decode_data(cls, data: bytes) -> FnDocumentData:
        r = FieldReader(data)
        number = _int(r.fixed(10, "number"), "number")
        doc_type = _int(r.fixed(3, "type"), "type")
        when = _read_dt(r)
        if when is None:
            raise MskFrameError("MS-K document without a date", message_ru="документ МС-К без даты")
        sign = _int(r.fixed(10, "fiscal sign"), "fiscal sign")
        shift = _int(r.fixed(5, "shift"), "shift")
        receipt = _int(r.fixed(5, "receipt"), "receipt")
        confirmed = _read_flag(r, "confirmed flag")
        size = _int(r.fixed(5, "size"), "size")
        r.expect_end("D answer")
        return cls(number, doc_type, when, sign, shift, receipt, confirmed, size)


@dataclass(frozen=True)
class TlvChunk(AnswerData):
    """``L`` answer: the document's whole TLV size (5), this chunk's offset (5), the bytes as hex. [inferred]"""

    size: int
    offset: int
    data: bytes

    def encode_data(self) -> bytes:
        if len(self.data) > TLV_READ_CHUNK:
            raise InvalidParameter(f"a TLV chunk holds at most {TLV_READ_CHUNK} bytes",
                                   message_ru=f"фрагмент TLV вмещает не более {TLV_READ_CHUNK} байт")
        return _number(self.size, 5, "size") + _number(self.offset, 5, "offset") + pack_field(_hex_text(self.data))

    @classmethod
    def decode_data(cls, data: bytes) -> TlvChunk:
        r = FieldReader(data)
        size = _int(r.fixed(5, "size"), "size")
        offset = _int(r.fixed(5, "offset"), "offset")
        chunk = _unhex(r.variable("data"), "TLV chunk")
        r.expect_end("L answer")
        if len(chunk) > TLV_READ_CHUNK or offset + len(chunk) > size:
            raise MskFrameError(f"MS-K TLV chunk of {len(chunk)} bytes at {offset} of {size}",
                                message_ru=f"фрагмент TLV МС-К из {len(chunk)} байт со смещением {offset} из {size}")
        return cls(size, offset, chunk)


@dataclass(frozen=True)
class OfdStatusData(AnswerData):
    """``Q`` answer: unsent documents (5), the first one's number (10) and date, connected (1). [inferred]"""

    unsent: int
    first_number: int
    first_datetime: dt.datetime | None
    connected: bool

    def encode_data(self) -> bytes:
        return (_number(self.unsent, 5, "unsent") + _number(self.first_number, 10, "first number")
                + _dt_fields(self.first_datetime) + _flag(self.connected))

    @classmethod
    def decode_data(cls, data: bytes) -> OfdStatusData:
        r = FieldReader(data)
        unsent = _int(r.fixed(5, "unsent"), "unsent")
        first = _int(r.fixed(10, "first number"), "first number")
        when = _read_dt(r)
        connected = _read_flag(r, "connected flag")
        r.expect_end("Q answer")
        return cls(unsent, first, when, connected)


@dataclass(frozen=True)
class CashData(AnswerData):
    """``M`` answer: the cash in the drawer, roubles as decimal text (15). [inferred]"""

    cash: Decimal

    def encode_data(self) -> bytes:
        return _decimal(self.cash, 15, "cash")

    @classmethod
    def decode_data(cls, data: bytes) -> CashData:
        r = FieldReader(data)
        cash = _dec(r.fixed(15, "cash"), "cash")
        r.expect_end("M answer")
        return cls(cash)


@dataclass(frozen=True)
class KktServerData(AnswerData):
    """``U`` answer: the ID (10, empty when none) and the server address (40). [inferred]"""

    server_id: str
    address: str

    def encode_data(self) -> bytes:
        return _ascii(self.server_id, 10, "server ID") + _ascii(self.address, 40, "address")

    @classmethod
    def decode_data(cls, data: bytes) -> KktServerData:
        r = FieldReader(data)
        server_id = r.fixed(10, "server ID").decode("ascii", "replace")
        address = r.fixed(40, "address").decode("ascii", "replace")
        r.expect_end("U answer")
        return cls(server_id, address)


@dataclass(frozen=True)
class KktServerStatusData(AnswerData):
    """``X``/``Z`` answer: exchange state (2 hex, :class:`~.kkt_server.ExchangeState`), the last exchange's
    date and time, goods in the register's base (5), sales waiting to be sent (5), a message (40,
    CP866: the device's display text). [inferred]"""

    state: int
    last_exchange: dt.datetime | None
    goods: int
    unsent_sales: int
    message: str

    def encode_data(self) -> bytes:
        return (_hex2(self.state, "state") + _dt_fields(self.last_exchange) + _number(self.goods, 5, "goods")
                + _number(self.unsent_sales, 5, "unsent sales") + _cp866(self.message, 40, "message"))

    @classmethod
    def decode_data(cls, data: bytes) -> KktServerStatusData:
        r = FieldReader(data)
        state = _hex_int(r.fixed(2, "state"), "state")
        when = _read_dt(r)
        goods = _int(r.fixed(5, "goods"), "goods")
        unsent = _int(r.fixed(5, "unsent sales"), "unsent sales")
        message = _text(r.fixed(40, "message"), "message")
        r.expect_end("X answer")
        return cls(state, when, goods, unsent, message)


# -- declarations -----------------------------------------------------------------------------------

def _cmd(request_type: type[MskRequest], name: str, doc_ru: str, doc_en: str, *,
         answer: type[AnswerData] | None = None, idempotent: bool = False,
         timeout: TimeoutClass = TimeoutClass.QUICK) -> mc.MskCommand:
    return mc.MskCommand(mc.FAMILY, bytes((request_type.CODE,)), name, doc_ru, doc_en, request_type, answer,
                         idempotent, timeout)


FN_COMMANDS: tuple[mc.MskCommand, ...] = (
    _cmd(OpenShift, "open_shift", "Открыть смену [inferred]", "Open the shift [inferred]",
         timeout=TimeoutClass.DOCUMENT),
    _cmd(FnDocumentQuery, "fn_document", "Документ ФН по номеру [inferred]", "FN document by number [inferred]",
         answer=FnDocumentData, idempotent=True),
    _cmd(FnStatusQuery, "fn_status", "Статус ФН [inferred]", "FN status [inferred]", answer=FnStatusData,
         idempotent=True),
    _cmd(ShiftStateQuery, "shift_state", "Состояние смены [inferred]", "Shift state [inferred]",
         answer=ShiftStateData, idempotent=True),
    _cmd(FnDocumentTlvQuery, "fn_document_tlv", "TLV документа ФН [inferred]", "FN document TLV [inferred]",
         answer=TlvChunk, idempotent=True),
    _cmd(CashQuery, "cash_in_drawer", "Наличность в денежном ящике [inferred]", "Cash in the drawer [inferred]",
         answer=CashData, idempotent=True),
    _cmd(OfdStatusQuery, "ofd_status", "Статус обмена с ОФД [inferred]", "OFD exchange status [inferred]",
         answer=OfdStatusData, idempotent=True),
    _cmd(KktServerSettings, "kkt_server_settings", "Параметры Сервера ККТ (ID кассы) [inferred]",
         "«Сервер ККТ» settings (register ID) [inferred]", answer=KktServerData, idempotent=True),
    _cmd(CloseFn, "close_fn", "Закрытие фискального режима ФН [inferred]", "Close the fiscal drive [inferred]",
         timeout=TimeoutClass.REPORT),
    _cmd(WriteRequisite, "write_requisite", "Запись реквизита регистрации [inferred]",
         "Write a registration requisite [inferred]", idempotent=True),
    _cmd(KktServerQuery, "kkt_server_query", "Статус / тест связи с Сервером ККТ [inferred]",
         "«Сервер ККТ» status / connection test [inferred]", answer=KktServerStatusData, idempotent=True,
         timeout=TimeoutClass.DOCUMENT),
    _cmd(Register, "register", "Регистрация / перерегистрация ККТ [inferred]", "Register / re-register [inferred]",
         timeout=TimeoutClass.REPORT),
    _cmd(KktServerExchange, "kkt_server_exchange", "Обмен с Сервером ККТ [inferred]",
         "Exchange with the «Сервер ККТ» [inferred]", answer=KktServerStatusData, timeout=TimeoutClass.REPORT),
)

for _command in FN_COMMANDS:
    if _command.code_int in mc.REGISTRY:
        raise RuntimeError(f"MS-K command {_command.code!r} declared twice")
    mc.REGISTRY[_command.code_int] = _command


# -- the 0x53 document with ФН requisites --------------------------------------------------------------

def tlv_records(data: bytes, *, document: bool) -> list[TextRecord]:
    """Type-40 records carrying ``data`` (a TLV stream), :data:`TLV_CHUNK` bytes each."""
    flags = TLV_OF_DOCUMENT if document else TLV_OF_POSITION
    return [TextRecord(RequisiteType.TLV, flags, 0, 0, data[i:i + TLV_CHUNK].hex().upper())
            for i in range(0, len(data), TLV_CHUNK)]


#: payment record type -> the FFD tag of that form of payment
PAYMENT_RECORDS: dict[int, int] = {
    RequisiteType.PAID: 1031, RequisiteType.PAID_ELECTRONIC: 1081, RequisiteType.PAID_PREPAID: 1215,
    RequisiteType.PAID_CREDIT: 1216, RequisiteType.PAID_OTHER: 1217,
}
PAYMENT_RECORD_BY_TAG = {tag: record for record, tag in PAYMENT_RECORDS.items()}


@dataclass(frozen=True)
class Position:
    """A price line with its name (the type-99 text right above it) and its own TLV stream."""

    price: PriceRecord
    name: str = ""
    tlv: bytes = b""


@dataclass(frozen=True)
class ParsedDocument:
    """What a 0x53 request carries, grouped: positions, the document's TLV, payments and the receipt
    discount percent (record 21). Header records (01–10, 12, 14, 15, 99 between positions) print only."""

    positions: tuple[Position, ...] = ()
    tlv: bytes = b""
    payments: dict[int, Decimal] = field(default_factory=dict)  # FFD payment tag -> roubles
    discount_percent: Decimal | None = None


def build_document_records(positions: Sequence[Position], *, document_tlv: bytes = b"",
                           payments: Iterable[tuple[int, Decimal]] = (), header: bool = True,
                           totals: bool = True) -> list[Record]:
    """The records of a document as the official driver lays them out (header lines, then name and price
    line per position, then total, payments and change), with our type-40 ФН requisites. ``y`` numbers
    the rows from 0."""
    rows: list[Record] = []
    if header:
        rows += [TextRecord(t) for t in (1, 2, 3, 4)]
        rows.append(TextRecord(RequisiteType.TEXT, text="=" * 40))
        rows += [TextRecord(t) for t in (0, 10, 5, 7, 8, 6)]
    for position in positions:
        if position.name:
            rows.append(TextRecord(RequisiteType.TEXT, text=position.name))
        rows.append(position.price)
        rows += tlv_records(position.tlv, document=False)
    rows += tlv_records(document_tlv, document=True)
    if totals:
        rows.append(TextRecord(RequisiteType.TOTAL))
    for tag, amount in payments:
        record = PAYMENT_RECORD_BY_TAG.get(tag)
        if record is None:
            raise InvalidParameter(f"no payment record for tag {tag}",
                                   message_ru=f"нет записи оплаты для реквизита {tag}")
        rows.append(TextRecord(record, text=format(amount, "f")))
    if totals and payments:
        rows.append(TextRecord(RequisiteType.CHANGE))
    return [_at_row(record, y) for y, record in enumerate(rows)]


def _at_row(record: Record, y: int) -> Record:
    if y > 999:
        raise InvalidParameter("a 0x53 document holds at most 1000 rows",
                               message_ru="документ 0x53 вмещает не более 1000 строк")
    if isinstance(record, PriceRecord):
        return PriceRecord(record.price, record.quantity, record.section, record.goods_code, record.percent,
                           record.unit, record.flags, record.x, y)
    return TextRecord(record.type, record.flags, record.x, y, record.text, record.reserved)


def parse_document(records: Sequence[Record]) -> ParsedDocument:
    """Group a 0x53 document's records (the device side). Raises :class:`MskFrameError` for a TLV record
    that is not hex, a position TLV before any price line, or a payment that is not an amount."""
    positions: list[Position] = []
    document_tlv = bytearray()
    payments: dict[int, Decimal] = {}
    discount: Decimal | None = None
    pending_name = ""
    for record in records:
        if isinstance(record, PriceRecord):
            positions.append(Position(record, pending_name))
            pending_name = ""
            continue
        kind = record.type
        pending_name = ""  # a name is the text right above its price line; anything in between drops it
        if kind == RequisiteType.TLV:
            chunk = _unhex(record.text.encode("ascii", "replace"), "TLV record")
            if record.flags & TLV_OF_DOCUMENT:
                document_tlv += chunk
            elif not positions:
                raise MskFrameError("a position's TLV record comes before any price line",
                                    message_ru="запись TLV позиции идёт раньше строки с ценой")
            else:
                last = positions[-1]
                positions[-1] = Position(last.price, last.name, last.tlv + chunk)
        elif kind == RequisiteType.TEXT:
            pending_name = record.text
        elif kind in PAYMENT_RECORDS:
            tag = PAYMENT_RECORDS[kind]
            payments[tag] = payments.get(tag, Decimal(0)) + _dec(record.text.encode("ascii", "replace"), "payment")
        elif kind == RequisiteType.CHECK_DISCOUNT:
            discount = _dec(record.text.encode("ascii", "replace"), "discount percent")
    return ParsedDocument(tuple(positions), bytes(document_tlv), payments, discount)
