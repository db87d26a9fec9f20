"""Shtrih-M's extras on the family-neutral :class:`~kkt_drivers.protocols.spec.CommandSpec`.

A Shtrih command also declares which password (if any) precedes its data, how long the device may take to
execute it, and — where known — the modes and submodes in which the device accepts it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..spec import CommandSpec

#: execution deadline of a command the vendor driver lists no own value for (seconds; vendor JavaPOS
#: ``PrinterCommand.getDefaultTimeout``)
DEFAULT_TIMEOUT = 30.0


class Password(enum.Enum):
    """Which 4-byte password (little-endian) follows the command code."""

    NONE = "none"
    #: «Пароль оператора» (кассир); the factory default of cashier 1 is 1
    OPERATOR = "operator"
    #: «Пароль администратора / системного администратора»; the factory default is 30
    ADMIN = "admin"
    #: «Пароль налогового инспектора» (64h–69h); set at fiscalisation, so there is no default to send
    TAX_INSPECTOR = "tax-inspector"

    @property
    def default(self) -> int | None:
        return {"operator": 1, "admin": 30}.get(self.value)


@dataclass(frozen=True, eq=False)
class ShtrihCommandSpec(CommandSpec):
    """One Shtrih-M command (code ``xx`` or ``FF xx``)."""

    password: Password = Password.OPERATOR
    #: how long the device may take to execute the command (seconds)
    timeout: float = DEFAULT_TIMEOUT
    #: modes (low nibble of the mode byte of 10h/11h) in which the device accepts the command; None = any
    modes: frozenset[int] | None = None
    #: submodes in which the device accepts the command; None = any
    submodes: frozenset[int] | None = None

    @property
    def takes_password(self) -> bool:
        return self.password is not Password.NONE

    @property
    def timeout_seconds(self) -> float:
        return self.timeout
