"""What every device driver is, whatever its family: a fiscal register or a scale.

A family's driver subclasses :class:`DeviceDriver` (through :class:`~kkt_drivers.register.FiscalRegister`
for a register). It says which operations it has in ``capabilities``; an operation it lacks raises
:class:`~kkt_drivers.errors.NotSupported` before anything is sent.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, ClassVar, TypeVar, cast

from .errors import NotSupported
from .session import Session
from .transport.base import EmulatorControl, Transport

F = TypeVar("F", bound=Callable[..., Any])


def atomic(method: F) -> F:
    """A driver method that sends several commands runs as one operation (``self.session.operation()``):
    no other thread, and no other process on this host, gets a command in between."""

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self.session.operation():
            return method(self, *args, **kwargs)

    return cast(F, run)


class DeviceDriver(abc.ABC):
    """One open device behind a URL."""

    #: the family's registry name (``kkt_drivers.families``)
    family: ClassVar[str] = ""
    #: ``"register"`` or ``"scale"``
    kind: ClassVar[str] = ""
    #: names of the operations this family implements
    capabilities: ClassVar[frozenset[str]] = frozenset()

    session: Session

    @property
    def transport(self) -> Transport:
        return self.session.transport

    @property
    def emulator(self) -> EmulatorControl | None:
        """The emulator's control API when the device is emulated, else ``None``."""
        return self.transport.control

    def supports(self, operation: str) -> bool:
        return operation in self.capabilities

    def unsupported(self, operation: str) -> NotSupported:
        """The error for an operation this family does not have."""
        return NotSupported(operation, self.family)

    def operation(self) -> AbstractContextManager[None]:
        """Hold the device across several commands (threads, and processes on this host, wait)."""
        return self.session.operation()

    def reconnect(self) -> None:
        """Open a fresh connection to the same device (after the line dropped)."""
        self.session.reconnect()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> DeviceDriver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
