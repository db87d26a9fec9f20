"""Incotex «Меркурий»'s entry in the family table: its URL options, its two protocols, its defaults.

``protocol=msk`` speaks the register's own wire protocol (MS-K, over a serial port, a pty or TCP);
``protocol=json`` speaks Incotex's driver service (its raw-TCP form with a length prefix, or HTTP
``POST /api.json`` on ``mercury+http://host:port``, where json is the default). Cheap to import: the
protocol modules load only when :meth:`MercuryFamily.open` runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from ...errors import ConfigurationError
from ...families import Family, FamilyCommand, FamilyOptions
from ...register import Op

if TYPE_CHECKING:
    from ...device import DeviceDriver
    from ...trace import ByteHook
    from ...transport.base import Transport

CAPABILITIES = frozenset({
    Op.OFD_STATUS, Op.DOCUMENT_TLV, Op.OPEN_SHIFT, Op.CLOSE_SHIFT, Op.X_REPORT, Op.STATE_REPORT, Op.RECEIPT,
    Op.CORRECTION, Op.RECEIPT_DISCOUNT, Op.CASH, Op.REGISTER, Op.CLOSE_FN, Op.KKT_SERVER,
})
#: what MS-K has no command for (its driver refuses it, typed, before a byte goes out): the отчёт о текущем
#: состоянии расчётов, which only the driver service offers (ReportStatusOfSettlements)
MSK_LACKS = frozenset({Op.STATE_REPORT})
#: OpenSession ``model``: the driver service treats 115Ф/130Ф/180Ф/185Ф as one model, 119Ф as another
SERVICE_MODELS = ("185F", "119F")


@dataclass(frozen=True)
class MercuryOptions(FamilyOptions):
    """``protocol`` (the link, as :attr:`variant`), the MS-K «пароль на связь», and for the driver service
    the register's port and model as OpenSession names them."""

    password: bytes = b"0000"
    kkt_port: str = "COM1"
    kkt_model: str = "185F"
    #: the URL named the protocol (an HTTP connection without one speaks json)
    protocol_given: bool = False


class MercuryFamily(Family):
    name: ClassVar[str] = "mercury"
    title: ClassVar[str] = "Incotex Меркурий (MS-K wire protocol, driver-service JSON)"
    options: ClassVar[Mapping[str, str]] = {
        "protocol": "msk (the register's wire protocol) or json (Incotex's driver service); default msk",
        "password": "MS-K connection password, four characters; default 0000",
        "kkt_port": "json: the register's port as the driver service names it (COM3, USB, /dev/ttyS0); default COM1",
        "kkt_model": "json: the register model for the driver service, 185F or 119F; default 185F",
    }
    variants: ClassVar[tuple[str, ...]] = ("msk", "json")
    default_variant: ClassVar[str] = "msk"
    #: [S15]: a POS's MS-K driver defaults to 57600 baud
    default_baudrate: ClassVar[int] = 57600
    #: the driver service's HTTP port ([S1] default URL http://127.0.0.1:50010/api.json)
    default_tcp_port: ClassVar[int | None] = 50010
    capabilities: ClassVar[frozenset[str]] = CAPABILITIES

    def cli_commands(self) -> Mapping[str, FamilyCommand]:
        from .cli_commands import DEVICE_COMMANDS, SERVER_COMMANDS

        commands = {name: FamilyCommand(text, run, add) for name, (text, run, add) in DEVICE_COMMANDS.items()}
        commands.update({name: FamilyCommand(text, run, add, needs_device=False)
                         for name, (text, run, add) in SERVER_COMMANDS.items()})
        return commands

    def parse_options(self, options: Mapping[str, str]) -> MercuryOptions:
        protocol = options.get("protocol", self.default_variant)
        if protocol not in self.variants:
            raise ConfigurationError(f"protocol must be msk or json, not {protocol!r}",
                                     message_ru=f"protocol: msk или json, а не {protocol!r}")
        password = options.get("password", "0000")
        if not (len(password) == 4 and password.isascii() and password.isprintable()):
            raise ConfigurationError(f"password must be four ASCII characters (default 0000), not {password!r}",
                                     message_ru=f"password: четыре символа ASCII (по умолчанию 0000), "
                                                f"а не {password!r}")
        port = options.get("kkt_port", "COM1")
        if not port.strip():
            raise ConfigurationError("kkt_port must name the register's port",
                                     message_ru="kkt_port: укажите порт кассы (COM3, USB, /dev/ttyS0)")
        model = options.get("kkt_model", "185F")
        if model not in SERVICE_MODELS:
            raise ConfigurationError(f"kkt_model must be one of {', '.join(SERVICE_MODELS)}, not {model!r}",
                                     message_ru=f"kkt_model: одно из {', '.join(SERVICE_MODELS)}, а не {model!r}")
        return MercuryOptions(variant=protocol, password=password.encode("ascii"), kkt_port=port, kkt_model=model,
                              protocol_given="protocol" in options)

    def variant_capabilities(self, variant: str) -> frozenset[str]:
        """MS-K lacks :data:`MSK_LACKS`. (An HTTP URL without ``protocol=`` speaks json though its variant reads
        msk: this answer is then one operation short, never one too many.)"""
        return super().variant_capabilities(variant) - (MSK_LACKS if variant == "msk" else frozenset())

    def variant_options(self, variant: str) -> dict[str, str]:
        super().variant_options(variant)
        return {"protocol": variant}

    def variant_over_serial(self, variant: str) -> bool:
        """The driver service is a program on a PC reached over HTTP or TCP (it drives the register over COM or USB
        itself); its JSON has no request ids, so after a failure the driver drops the connection to lose a late
        answer. A serial line cannot be dropped that way: a late answer would be read as the next command's."""
        super().variant_over_serial(variant)
        return variant != "json"

    def driver_type(self) -> type[DeviceDriver]:
        from .driver import MercuryDriver

        return MercuryDriver

    def open(self, transport: Transport, options: FamilyOptions, *, hooks: Iterable[ByteHook] = ()) -> DeviceDriver:
        from ...session import Link, Session
        from ...transport.http import HttpTransport
        from .driver import MercuryDriver

        assert isinstance(options, MercuryOptions)
        link: Link
        over_http = isinstance(transport, HttpTransport)
        if over_http and options.variant == "msk":
            if options.protocol_given:
                raise ConfigurationError("MS-K frames do not travel over HTTP: use protocol=json on http:// URLs",
                                         message_ru="кадры МС-К не передаются по HTTP: для адресов http:// укажите "
                                                    "protocol=json")
            options = replace(options, variant="json")
        if options.variant == "msk":
            from ...protocols.incotex.msk_link import MskLink
            from .driver import MskMercuryDriver
            from .msk import MskBackend

            link = MskLink()
            session = Session(transport, link, hooks=hooks)
            return MskMercuryDriver(session, MskBackend(session, password=options.password))
        from ...protocols.incotex.json_link import JsonLink
        from ...transport.serial import SerialTransport
        from .service import JsonBackend

        if isinstance(transport, SerialTransport):
            raise ConfigurationError(
                f"the driver service's JSON does not travel over a serial line ({transport.address}): it is a "
                "program on a PC reached over TCP (mercury+tcp://host:port?protocol=json) or HTTP "
                "(mercury+http://host:port); a register on a serial port speaks MS-K (protocol=msk)",
                message_ru=f"JSON сервиса драйвера не передаётся по последовательной линии ({transport.address}): "
                           "сервис — программа на ПК, к ней подключаются по TCP "
                           "(mercury+tcp://узел:порт?protocol=json) или HTTP (mercury+http://узел:порт); ККТ на "
                           "последовательном порту говорит на МС-К (protocol=msk)")

        link = JsonLink("message" if over_http else "tcp")
        session = Session(transport, link, hooks=hooks)
        return MercuryDriver(session, JsonBackend(session, port=options.kkt_port, model=options.kkt_model))


FAMILY = MercuryFamily()
