"""Settling a fiscal operation whose answer was lost, on any family.

The fiscal drive is the truth: an operation made a document exactly when the ФН's last document number
moved past the one taken before it. Settling asks that (reconnecting, with backoff, when the line dropped)
and never sends a command that might make a second document.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import TypeVar

from .errors import (
    ConfigurationError,
    ConnectionLost,
    DeviceError,
    InvalidParameter,
    KktError,
    NotExecuted,
    NotSupported,
    ProtocolError,
    Timeout,
    TransportError,
    UnknownOutcome,
)
from .hostlock import DeviceBusy
from .register import FiscalRegister
from .types import DocumentInfo

T = TypeVar("T")

#: document types (ФД 1000 codes) each operation makes
SHIFT_OPEN, SHIFT_CLOSE, RECEIPT, CORRECTION = frozenset({2}), frozenset({5}), frozenset({3}), frozenset({31})
REGISTRATION, FN_CLOSE, STATE_REPORT = frozenset({1, 11}), frozenset({6}), frozenset({21})
#: errors while asking the device that a reconnect and another try may cure
TRANSIENT = (Timeout, TransportError, ProtocolError)


def may_have_run(err: BaseException) -> bool:
    """False when ``err`` proves the command never reached the device (or was refused by it)."""
    if isinstance(err, Timeout):
        return err.maybe_executed
    if isinstance(err, (DeviceError, NotExecuted, InvalidParameter, ConfigurationError, NotSupported, DeviceBusy,
                        ValueError)):
        return False
    return True


def line_dropped(err: BaseException) -> bool:
    return isinstance(err, (ConnectionLost, ProtocolError))


class Settler:
    """Asks one device what became of an operation; bounded tries with exponential backoff."""

    def __init__(self, device: FiscalRegister, *, tries: int = 6, backoff: float = 0.2, cap: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.device = device
        self.tries = tries
        self.backoff = backoff
        self.cap = cap
        self.sleep = sleep

    def pause(self, attempt: int) -> None:
        self.sleep(min(self.cap, self.backoff * 2 ** attempt))

    def reconnect_quietly(self) -> None:
        try:
            self.device.reconnect()
        except TransportError:
            pass  # the next question fails the same way and is retried

    def ask(self, question: Callable[[], T], *, reconnect_first: bool = False, tries: int | None = None,
            last_before: int | None = None) -> T:
        """``question()``, retried after transport trouble; :class:`UnknownOutcome` when it never answers."""
        last: BaseException | None = None
        for attempt in range(tries or self.tries):
            try:
                if attempt or reconnect_first:
                    self.reconnect_quietly()
                return question()
            except TRANSIENT as exc:
                last = exc
                self.pause(attempt)
        raise UnknownOutcome(f"the device does not answer ({last})", last_before=last_before) from last

    def document_after(self, before: int, types: Collection[int]) -> DocumentInfo | None:
        """The document of one of ``types`` made after ФД ``before`` (the newest such), or ``None``."""
        last = self.device.last_document_number()
        if last <= before:
            return None
        newest = None
        for number in range(last, before, -1):
            info = self.device.document(number)
            newest = newest or info
            if info.document_type in types:
                return info
        return newest

    def cancel_open_receipt(self, *, reconnect_first: bool = False) -> bool:
        """Cancel the receipt if one is open; best effort (a failure here leaves the next operation to find
        and cancel it). True when a receipt was cancelled."""
        for attempt in range(2):
            try:
                if attempt or reconnect_first:
                    self.reconnect_quietly()
                if self.device.receipt_is_open():
                    self.device.cancel_receipt()
                    return True
                return False
            except KktError:
                continue
        return False
