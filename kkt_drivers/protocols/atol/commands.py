"""ATOL protocol 3.1 commands, declared once and shared by the driver and the emulator.

A message on the wire is ``<access password: 2 bytes BCD> <command code> <parameters>``.
Each spec below declares the parameters after the code and the data part of the answer (what
follows the answer code and, where present, the error byte). Layouts and their confidence are in
protocol-notes/atol/commands.md.
"""

from __future__ import annotations

from typing import Any

import construct as cs

from ...errors import InvalidParameter, ProtocolError
from ..common.bcd import Bcd, encode_bcd
from ..common.flags import BitFlags
from ..common.text import decode_atol
from ..spec import CommandRegistry
from .error_table import ATOL_ERRORS
from .spec import AnswerFormat, AtolCommandSpec

FAMILY = "atol"
REGISTRY: CommandRegistry[AtolCommandSpec] = CommandRegistry(FAMILY)

#: modes of the device (low nibble of the mode byte)
MODE_SELECT, MODE_REGISTRATION, MODE_X_REPORTS, MODE_Z_REPORTS, MODE_PROGRAMMING = 0, 1, 2, 3, 4
MODE_FISCAL_MEMORY, MODE_FN_ACCESS, MODE_EXTRA = 5, 6, 7


def _register(spec: AtolCommandSpec) -> AtolCommandSpec:
    return REGISTRY.register(spec)


# -- 3F: Запрос состояния ККТ --------------------------------------------------------------
#: bit 7 first: battery (sources disagree on its meaning), ФН active, cover open, unused, paper present,
#: drawer open (one source: presenter paper), shift open, fiscalised
STATUS_FLAGS = BitFlags("battery_flag", "fn_active", "cover_open", "_unused", "paper_present", "drawer_open",
                        "shift_open", "fiscalised")

STATUS = _register(AtolCommandSpec(
    FAMILY, b"\x3f", "full status",
    "Запрос состояния ККТ: кассир, дата и время, флаги, заводской номер, модель, режим, номера чека и смены.",
    "Full device status: cashier, date and time, flags, serial number, model, mode, receipt and shift numbers.",
    response=cs.Struct(
        "cashier" / Bcd(1),
        "hall_number" / cs.Int8ub,
        "year" / Bcd(1), "month" / Bcd(1), "day" / Bcd(1),
        "hour" / Bcd(1), "minute" / Bcd(1), "second" / Bcd(1),
        "flags" / STATUS_FLAGS,
        "serial_number" / Bcd(4),
        "model" / cs.Int8ub,
        "firmware" / cs.Bytes(2),
        "mode" / cs.Int8ub,
        "receipt_number" / Bcd(2),
        "shift_number" / Bcd(2),
        "receipt_state" / cs.Int8ub,
        "receipt_sum" / Bcd(5),
        "decimal_point" / cs.Int8ub,
        "interface" / cs.Int8ub,
    ),
    answer=AnswerFormat.CODE_OR_ERROR, answer_code=0x44, idempotent=True,
))

# -- 45: Запрос кода состояния ККТ ---------------------------------------------------------
STATE_FLAGS = BitFlags("paper_near_end", "presenter_error", "paper_jam", "recoverable_printer_error", "cutter_error",
                       "mechanical_error", "printer_link_lost", "no_paper")

STATE_CODE = _register(AtolCommandSpec(
    FAMILY, b"\x45", "state code",
    "Запрос кода состояния ККТ: режим и подрежим, флаги печатающего устройства.",
    "State code: mode and sub-mode, printer flags (byte 1 is the mode, not an error code).",
    response=cs.Struct("mode" / cs.Int8ub, "flags" / STATE_FLAGS),
    answer=AnswerFormat.CODE_ONLY, idempotent=True,
))

# -- A5: Получить тип устройства -----------------------------------------------------------
DEVICE_TYPE = _register(AtolCommandSpec(
    FAMILY, b"\xa5", "device type",
    "Получить тип устройства: версия протокола, тип, модель, режим, версия устройства, название.",
    "Device type: protocol version, device type, model, mode word, device version, name (CP866).",
    response=cs.Struct(
        "protocol" / cs.Int8ub,
        "device_type" / cs.Int8ub,
        "model" / cs.Int8ub,
        "mode" / cs.Bytes(2),
        "version" / cs.Bytes(5),
        "name" / cs.GreedyBytes,
    ),
    answer=AnswerFormat.ERROR_FIRST, idempotent=True,
))

# -- 56 / 48: modes -------------------------------------------------------------------------
ENTER_MODE = _register(AtolCommandSpec(
    FAMILY, b"\x56", "enter mode",
    "Вход в режим: режим (младшая тетрада) и пароль (4 байта BCD). Разрешён только в режиме выбора.",
    "Enter a mode: mode (low nibble) and password (4 bytes BCD). Accepted in the select mode only.",
    request=cs.Struct("mode" / cs.Int8ub, "password" / Bcd(4)),
    modes=frozenset({MODE_SELECT}),
))

EXIT_MODE = _register(AtolCommandSpec(
    FAMILY, b"\x48", "exit mode",
    "Выход из текущего режима (из подрежима нужен повторный выход).",
    "Leave the current mode (from a sub-mode a second exit is needed).",
    idempotent=False,
))

# -- ED: Программирование даты и времени --------------------------------------------------
SET_DATETIME = _register(AtolCommandSpec(
    FAMILY, b"\xed", "set date and time",
    "Программирование даты и времени: ДД ММ ГГ чч мм сс (BCD).",
    "Set the date and time: DD MM YY hh mm ss (BCD).",
    request=cs.Struct(
        "day" / Bcd(1), "month" / Bcd(1), "year" / Bcd(1),
        "hour" / Bcd(1), "minute" / Bcd(1), "second" / Bcd(1),
    ),
    idempotent=True,
))


# -- queries any mode accepts: 58, 9D, 74, B3 ------------------------------------------------
LAST_SHIFT_TOTALS = _register(AtolCommandSpec(
    FAMILY, b"\x58", "last shift totals",
    "Получение последнего сменного итога: сменный итог приходов и расходов (BCD 7 каждый).",
    "Last shift totals: the shift's income and expense totals (BCD 7 each).",
    response=cs.Struct("income" / Bcd(7), "expense" / Bcd(7)), idempotent=True,
))

FIRMWARE_VERSION = _register(AtolCommandSpec(
    FAMILY, b"\x9d", "firmware version",
    "Получение версии: источник (1 — ПО ККТ, 3 — загрузчик); ответ: версия, подверсия, язык, сборка (BCD).",
    "Firmware version of a source (1 main program, 3 boot block): version, sub-version, language, build (BCD).",
    request=cs.Struct("source" / cs.Int8ub),
    response=cs.Struct("version" / Bcd(1), "subversion" / Bcd(1), "language" / Bcd(1), "build" / Bcd(2)),
    idempotent=True,
))

SECURITY_CODE_STATE = _register(AtolCommandSpec(
    FAMILY, b"\x74", "security code state",
    "Запрос активизированности кода защиты ККТ по номеру; ответ начинается кодом 4Ch.",
    "Whether protection code N is activated; the answer starts with 4Ch.",
    request=cs.Struct("number" / cs.Int8ub), response=cs.Struct("activated" / cs.Int8ub),
    answer=AnswerFormat.CODE_OR_ERROR, answer_code=0x4C, idempotent=True,
))

LAST_ERROR = _register(AtolCommandSpec(
    FAMILY, b"\xb3", "last error",
    "Получить последний код ошибки (ответ 55, код ошибки команды, последний код ошибки — inferred).",
    "The last error code (answer 55, this command's error, the last error code — inferred).",
    response=cs.Struct("last_error" / cs.Int8ub), idempotent=True,
))

# -- message and answer codecs --------------------------------------------------------------
def encode_message(spec: AtolCommandSpec, params: dict[str, Any] | None = None, *, password: int = 0) -> bytes:
    """``<password BCD 2> <code> <params>`` for ``spec``; raises :class:`InvalidParameter`."""
    try:
        return encode_bcd(password, 2) + spec.code + spec.build_params(params or {})
    except (cs.ConstructError, ValueError) as exc:
        raise InvalidParameter(f"{spec.label}: cannot encode {params!r}: {exc}",
                               message_ru=f"{spec.label}: не удаётся закодировать {params!r}: {exc}") from exc


def split_message(message: bytes) -> tuple[int | None, AtolCommandSpec | None, bytes]:
    """Emulator side: (access password or None if not BCD, spec or None, parameter bytes)."""
    if len(message) < 3:
        return None, None, b""
    pw_bytes = message[:2]
    password = int(pw_bytes.hex()) if pw_bytes.hex().isdigit() else None
    spec = REGISTRY.lookup(message[2:])
    params = message[2 + len(spec.code):] if spec else message[3:]
    return password, spec, params


def encode_answer(spec: AtolCommandSpec, fields: dict[str, Any] | None = None, *, error: int = 0) -> bytes:
    """Emulator side: the answer bytes for ``spec`` (``error`` ≠ 0 gives the error form)."""
    fmt = spec.answer
    if error:
        if fmt is AnswerFormat.ERROR_FIRST:
            return bytes((error,))
        return bytes((0x55, error, 0))
    data = spec.build_data(fields or {})
    if fmt is AnswerFormat.CODE_ERROR:
        return b"\x55\x00" + (data if data else b"\x00")
    if fmt is AnswerFormat.CODE_OR_ERROR:
        return bytes((spec.answer_code,)) + data
    if fmt is AnswerFormat.CODE_ONLY:
        return b"\x55" + data
    return b"\x00" + data


def answer_error(spec: AtolCommandSpec, answer: bytes) -> int:
    """The device error code in ``answer`` (0 when the command succeeded)."""
    if not answer:
        raise ProtocolError(f"{spec.label}: empty answer", message_ru=f"{spec.label}: пустой ответ")
    fmt = spec.answer
    if fmt is AnswerFormat.ERROR_FIRST:
        return answer[0]
    if fmt is AnswerFormat.CODE_ONLY:
        if answer[0] != 0x55:
            raise ProtocolError(f"{spec.label}: answer starts with 0x{answer[0]:02X}, expected 0x55",
                                message_ru=f"{spec.label}: ответ начинается с 0x{answer[0]:02X}, ожидалось 0x55")
        return 0
    if fmt is AnswerFormat.CODE_OR_ERROR and answer[0] == spec.answer_code:
        return 0
    if answer[0] != 0x55 or len(answer) < 2:
        raise ProtocolError(f"{spec.label}: malformed answer {answer.hex(' ')}",
                            message_ru=f"{spec.label}: искажённый ответ {answer.hex(' ')}")
    return answer[1]


def decode_answer(spec: AtolCommandSpec, answer: bytes) -> Any:
    """Driver side: check the error byte and parse the data; raises ``DeviceError``."""
    code = answer_error(spec, answer)
    if code:
        raise ATOL_ERRORS.error(code, spec.label)
    fmt = spec.answer
    data = answer[2:] if fmt is AnswerFormat.CODE_ERROR else answer[1:]
    try:
        return spec.parse_data(data)
    except cs.ConstructError as exc:
        raise ProtocolError(f"{spec.label}: cannot parse answer {answer.hex(' ')}: {exc}",
                            message_ru=f"{spec.label}: не удаётся разобрать ответ {answer.hex(' ')}: {exc}") from exc


def device_name(raw: bytes) -> str:
    """Decode the name field of the ``A5`` answer."""
    return decode_atol(raw.rstrip(b"\x00"))
