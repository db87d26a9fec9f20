"""Typed errors raised by kkt_drivers.

Every failure a user can meet has its own class, so a POS application can tell a lost
connection (retry later) from a device refusal (show the message to the cashier) from a
rejected receipt (fix the data) without parsing strings.
"""

from __future__ import annotations


class KktError(Exception):
    """Base of every error this package raises."""


class ConfigurationError(KktError, ValueError):
    """A device URL or option is malformed or names something we do not know."""


class TransportError(KktError):
    """The byte pipe failed (port missing, permission denied, socket closed)."""


class ConnectionLost(TransportError, ConnectionError):
    """The peer went away while we were talking to it."""


class DeviceNotFound(TransportError):
    """No device answers at the given address (no such port, no USB device with that VID:PID)."""


class PermissionDenied(TransportError):
    """The operating system refused access to the port or USB device."""


class Timeout(KktError, TimeoutError):
    """A deadline passed without the expected bytes.

    ``phase`` says which deadline: ``"inter-byte"``, ``"ack"`` or ``"execution"``.
    ``maybe_executed`` is true when the command may have run on the device (the request had been
    accepted before the answer was lost); fiscal callers must then check device state before
    doing anything again.
    """

    def __init__(self, message: str, *, phase: str = "ack", maybe_executed: bool = False) -> None:
        super().__init__(message)
        self.phase = phase
        self.maybe_executed = maybe_executed


class InvalidParameter(KktError, ValueError):
    """A command parameter cannot be encoded (a negative BCD number, text outside the code page, …)."""


class ProtocolError(KktError):
    """The peer sent bytes that break the protocol (bad frame, wrong answer code, short answer)."""


class FrameError(ProtocolError):
    """A frame failed its length, stuffing or checksum rules."""


class NotExecuted(KktError):
    """The device confirmed it never received the command (ATOL v3 task not found).

    It is safe to send the command again.
    """


class NotSupported(KktError, NotImplementedError):
    """The device family has no such operation (a scale has no shift, a register no tare).

    ``operation`` names it; the family's ``capabilities`` never list it. Nothing was sent.
    """

    def __init__(self, operation: str, family: str = "") -> None:
        where = f"{family} devices do" if family else "this device does"
        super().__init__(f"{where} not support {operation.replace('_', ' ')} (operation {operation!r})")
        self.operation = operation
        self.family = family


class UnknownOutcome(KktError):
    """The device could not tell whether a fiscal document was made; nothing was sent twice.

    Settle it by reading the fiscal drive's last document (``Kkt.last_document()``) once the device
    answers again, before repeating the operation: ``last_before`` is the number of the ФН's last document
    before this operation began (``None`` if unknown), so a larger number means the document was made.
    """

    def __init__(self, message: str, *, last_before: int | None = None) -> None:
        if last_before is not None:
            message += (f"; settle it with Kkt.last_document() once the device answers: a document after "
                        f"№{last_before} means it was made")
        super().__init__(message)
        self.last_before = last_before


class DeviceError(KktError):
    """The device refused a command with an error code from its error table.

    ``message_ru`` is the vendor's text, ``message`` the English translation.
    """

    def __init__(self, code: int, message: str, message_ru: str, *, family: str = "", command: str = "") -> None:
        self.code = code
        self.message = message
        self.message_ru = message_ru
        self.family = family
        self.command = command
        where = f" on {command}" if command else ""
        super().__init__(f"{family} error 0x{code:02X}{where}: {message} ({message_ru})")
