"""Typed errors raised by kkt_drivers.

Every failure a user can meet has its own class, so a POS application can tell a lost
connection (retry later) from a device refusal (show the message to the cashier) from a
rejected receipt (fix the data) without parsing strings.

Every error speaks Russian as well as English: ``str(err)`` is English, ``err.message_ru`` Russian (the raise
site's own text where it gives one, else the class's Russian title with the English detail).
"""

from __future__ import annotations

import errno as _errno
import os as _os
import socket as _socket
from typing import ClassVar


class KktError(Exception):
    """Base of every error this package raises."""

    #: the Russian name of the kind of error, for raise sites that give no Russian text of their own
    ru_title: ClassVar[str] = "Ошибка"

    def __init__(self, *args: object, message_ru: str | None = None) -> None:
        super().__init__(*args)
        self._message_ru = message_ru

    @property
    def message_ru(self) -> str:
        return self._message_ru or f"{self.ru_title}: {self}"


class ConfigurationError(KktError, ValueError):
    """A device URL or option is malformed or names something we do not know."""

    ru_title = "Ошибка настройки"


class TransportError(KktError):
    """The byte pipe failed (port missing, permission denied, socket closed)."""

    ru_title = "Ошибка связи"


class ConnectionLost(TransportError, ConnectionError):
    """The peer went away while we were talking to it."""

    ru_title = "Связь с устройством потеряна"


class DeviceNotFound(TransportError):
    """No device answers at the given address (no such port, no USB device with that VID:PID)."""

    ru_title = "Устройство не найдено"


class PermissionDenied(TransportError):
    """The operating system refused access to the port or USB device."""

    ru_title = "Нет доступа к устройству"


class Timeout(KktError, TimeoutError):
    """A deadline passed without the expected bytes.

    ``phase`` says which deadline: ``"inter-byte"``, ``"ack"`` or ``"execution"``.
    ``maybe_executed`` is true when the command may have run on the device (the request had been
    accepted before the answer was lost); fiscal callers must then check device state before
    doing anything again.
    """

    ru_title = "Устройство не ответило вовремя"

    def __init__(self, message: str, *, phase: str = "ack", maybe_executed: bool = False,
                 message_ru: str | None = None) -> None:
        super().__init__(message, message_ru=message_ru)
        self.phase = phase
        self.maybe_executed = maybe_executed


class InvalidParameter(KktError, ValueError):
    """A command parameter cannot be encoded (a negative BCD number, text outside the code page, …)."""

    ru_title = "Недопустимое значение параметра"


class ProtocolError(KktError):
    """The peer sent bytes that break the protocol (bad frame, wrong answer code, short answer)."""

    ru_title = "Нарушение протокола обмена"


class FrameError(ProtocolError):
    """A frame failed its length, stuffing or checksum rules."""


class NotExecuted(KktError):
    """The device confirmed it never received the command (ATOL v3 task not found), or the ФН proves the
    operation made nothing. It is safe to send the command again.
    """

    ru_title = "Операция не выполнена (её можно повторить)"


class NotSupported(KktError, NotImplementedError):
    """The device family has no such operation (a scale has no shift, a register no tare).

    ``operation`` names it; the family's ``capabilities`` never list it. Nothing was sent.
    """

    ru_title = "Операция не поддерживается"

    def __init__(self, operation: str, family: str = "") -> None:
        where = f"{family} devices do" if family else "this device does"
        where_ru = f"устройства {family}" if family else "это устройство"
        super().__init__(f"{where} not support {operation.replace('_', ' ')} (operation {operation!r})",
                         message_ru=f"{where_ru} не поддерживают операцию {operation!r}")
        self.operation = operation
        self.family = family


class UnknownOutcome(KktError):
    """The device could not tell whether a fiscal document was made; nothing was sent twice.

    Settle it by reading the fiscal drive's last document (``Kkt.last_document()``) once the device
    answers again, before repeating the operation: ``last_before`` is the number of the ФН's last document
    before this operation began (``None`` if unknown), so a larger number means the document was made.
    """

    ru_title = "Неизвестно, сформирован ли документ"

    def __init__(self, message: str, *, last_before: int | None = None) -> None:
        ru = "Неизвестно, сформирован ли документ"
        if last_before is not None:
            message += (f"; settle it with Kkt.last_document() once the device answers: a document after "
                        f"№{last_before} means it was made")
            ru += (f": когда устройство ответит, запросите последний документ ФН (Kkt.last_document()); "
                   f"документ с номером больше {last_before} означает, что операция выполнена")
        super().__init__(message, message_ru=f"{ru} ({message})")
        self.last_before = last_before


class DeviceError(KktError):
    """The device refused a command with an error code from its error table.

    ``message_ru`` is the vendor's text, ``message`` the English translation.
    """

    ru_title = "Устройство отказало"

    def __init__(self, code: int, message: str, message_ru: str, *, family: str = "", command: str = "") -> None:
        self.code = code
        self.message = message
        self.family = family
        self.command = command
        where = f" on {command}" if command else ""
        super().__init__(f"{family} error 0x{code:02X}{where}: {message} ({message_ru})", message_ru=message_ru)


#: what an operating-system error code means, in Russian, for messages that wrap an OSError
_OS_REASONS_RU: dict[int, str] = {
    _errno.ENOENT: "такого файла или устройства нет",
    _errno.ENODEV: "устройство отсутствует",
    _errno.ENXIO: "устройство отсутствует",
    _errno.EACCES: "доступ запрещён",
    _errno.EPERM: "доступ запрещён",
    _errno.EBUSY: "устройство занято другой программой",
    _errno.ECONNREFUSED: "соединение отклонено",
    _errno.ETIMEDOUT: "время ожидания истекло",
    _errno.EHOSTUNREACH: "узел недоступен",
    _errno.ENETUNREACH: "сеть недоступна",
    _errno.ECONNRESET: "соединение сброшено другой стороной",
    _errno.ECONNABORTED: "соединение прервано",
    _errno.EPIPE: "канал закрыт другой стороной",
    _errno.EIO: "ошибка ввода-вывода (устройство отключено?)",
    _errno.EADDRNOTAVAIL: "адрес недоступен",
    _errno.EADDRINUSE: "адрес уже занят",
    _errno.EINVAL: "недопустимый параметр",
    _errno.ENOTTY: "это не последовательный порт (его нельзя настроить)",
}


def os_reason_en(exc: BaseException) -> str:
    """The English reason of a wrapped OS or library error, said once: pyserial's own text repeats the error
    code and path (``[Errno 2] could not open port X: [Errno 2] No such file…: 'X'``)."""
    for error in (exc, exc.__cause__ or exc.__context__):
        args: tuple[object, ...] = getattr(error, "args", ())
        code = getattr(error, "errno", None) or (args[0] if len(args) == 2 and isinstance(args[1], str) else None)
        if isinstance(code, int) and code > 0:
            return f"{_os.strerror(code).lower()} ({_errno.errorcode.get(code, code)})"
    return str(exc)


def os_reason_ru(exc: BaseException) -> str:
    """The Russian reason of a wrapped OS or library error: what its error code means, once, without the
    English text (the English message keeps that)."""
    if isinstance(exc, _socket.gaierror):
        return "имя узла не найдено (проверьте имя и DNS)"
    if isinstance(exc, TimeoutError):
        return "время ожидания истекло"
    for error in (exc, exc.__cause__ or exc.__context__):
        # an OSError's errno, or a termios.error's (code, text) arguments
        args: tuple[object, ...] = getattr(error, "args", ())
        code = getattr(error, "errno", None) or (args[0] if len(args) == 2 and isinstance(args[1], str) else None)
        if isinstance(code, int) and code > 0:
            return _OS_REASONS_RU.get(code, f"системная ошибка {_errno.errorcode.get(code, code)}")
    return f"сбой {type(exc).__name__}"
