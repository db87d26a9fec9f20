"""Shtrih-M's entry in the family table: its URL options, link and defaults.

Cheap to import: the protocol modules load only when :meth:`ShtrihFamily.open` runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ...errors import ConfigurationError
from ...families import Family, FamilyOptions, whole_number_option
from ...register import Op

if TYPE_CHECKING:
    from ...device import DeviceDriver
    from ...trace import ByteHook
    from ...transport.base import Transport


CAPABILITIES = frozenset({
    Op.OFD_STATUS, Op.DOCUMENT_TLV, Op.OPEN_SHIFT, Op.CLOSE_SHIFT, Op.X_REPORT, Op.STATE_REPORT, Op.RECEIPT,
    Op.CORRECTION, Op.CASH, Op.REGISTER, Op.CLOSE_FN, Op.OFD_SERVER, Op.OPERATOR_PASSWORDS,
})

#: «код скорости обмена» of commands 14h/15h → bits per second (vendor protocol v2.0, note 3 to 14h)
BAUD_RATES: dict[int, int] = {0: 2400, 1: 4800, 2: 9600, 3: 19200, 4: 38400, 5: 57600, 6: 115200, 7: 230400,
                              8: 460800, 9: 921600}
#: passwords are 4-byte numbers; the table of operators (table 2) holds at most eight digits
MAX_PASSWORD = 99_999_999


@dataclass(frozen=True)
class ShtrihOptions(FamilyOptions):
    """``password`` (system administrator, row 30 of table 2), ``baudcode`` (the vendor's speed code) and
    whether every frame is preceded by ENQ."""

    password: int = 30
    baud_code: int | None = None
    enq_first: bool = False

    @property
    def baudrate(self) -> int | None:
        return None if self.baud_code is None else BAUD_RATES[self.baud_code]


class ShtrihFamily(Family):
    name: ClassVar[str] = "shtrih"
    title: ClassVar[str] = "Shtrih-M (protocol v2.0, standard lower level)"
    options: ClassVar[Mapping[str, str]] = {
        "password": "system administrator's password, a number (row 30 of table 2); default 30",
        "baudcode": "line speed as the vendor's code 0…9 (2400 … 921600; 6 = 115200), instead of baudrate",
        "enq": "'always' sends ENQ before every frame; 'auto' (default) only when the last exchange did not end "
               "cleanly",
    }
    default_baudrate: ClassVar[int] = 115200
    #: the vendor driver's default TCP port (fr_drv_ng)
    default_tcp_port: ClassVar[int | None] = 7778

    capabilities: ClassVar[frozenset[str]] = CAPABILITIES

    def parse_options(self, options: Mapping[str, str]) -> ShtrihOptions:
        password = whole_number_option("password", options.get("password", "30"), 0, 99_999_999, digits=8,
                                       default="30")
        code: int | None = None
        if "baudcode" in options:
            text = options["baudcode"]
            if not (text.isdigit() and text.isascii() and int(text) in BAUD_RATES):
                rates = ", ".join(f"{c} = {b}" for c, b in BAUD_RATES.items())
                raise ConfigurationError(f"baudcode must be a whole number {min(BAUD_RATES)}…{max(BAUD_RATES)}, "
                                         f"the vendor's code of the line speed ({rates}), not {text!r}",
                                         message_ru=f"baudcode: нужно целое число {min(BAUD_RATES)}…"
                                                    f"{max(BAUD_RATES)}, код скорости по таблице производителя "
                                                    f"({rates}), а не {text!r}")
            code = int(text)
        enq = options.get("enq", "auto")
        if enq not in ("always", "auto"):
            raise ConfigurationError(f"enq must be 'always' or 'auto', not {enq!r}",
                                     message_ru=f"enq: 'always' или 'auto', а не {enq!r}")
        return ShtrihOptions(password=password, baud_code=code, enq_first=enq == "always")

    def driver_type(self) -> type[DeviceDriver]:
        from .driver import ShtrihDriver

        return ShtrihDriver

    def open(self, transport: Transport, options: FamilyOptions, *, hooks: Iterable[ByteHook] = ()) -> DeviceDriver:
        from ...protocols.shtrih.link import ShtrihLink
        from ...session import Session
        from ...transport.serial import SerialTransport
        from .driver import ShtrihDriver

        assert isinstance(options, ShtrihOptions)
        if options.baudrate is not None:
            if not isinstance(transport, SerialTransport):
                raise ConfigurationError("baudcode sets a serial line's speed; this connection has none",
                                         message_ru="baudcode задаёт скорость последовательного порта, а это "
                                                    "подключение — не последовательный порт")
            if transport.baudrate != options.baudrate:
                transport.baudrate = options.baudrate
                transport.reopen()
        link = ShtrihLink(enq_first=options.enq_first)
        return ShtrihDriver(Session(transport, link, hooks=hooks), password=options.password)


FAMILY = ShtrihFamily()
