"""``kkt-emu``: run a virtual fiscal register (or another device) on a pty and/or a TCP port.

    kkt-emu serve --family atol --transport v2 --pty
    kkt-emu serve --family atol --transport v3 --tcp            # 127.0.0.1, any free port
    kkt-emu serve --family atol --transport v3 --tcp 0.0.0.0:5555 --pty --link /tmp/kkt
    kkt-emu models
    kkt-emu demo

``--family`` takes any family of the emulator's family table; ``--transport`` one of that family's link
variants (default: the family's own).

``serve`` prints exactly one JSON line when it is ready (with the pty path and/or the bound host
and port, and device URLs for the driver), then serves until SIGINT or SIGTERM and exits 0.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .attach.control_server import ControlServer
from .attach.loop import ServerLoop
from .attach.pty import PtyAttachment
from .attach.tcp import TcpAttachment
from .core.clock import parse_utc_offset
from .core.control import DeviceControl
from .core.tape import Tape
from .personalities import create_device, family_names, get_family, models

DEFAULT_TCP = "127.0.0.1:0"


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", text
    try:
        number = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {number}")
    return (host.strip("[]") or "127.0.0.1"), number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kkt-emu", description="Software emulator of fiscal registers (ККТ).")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve a virtual device on a pty and/or TCP")
    families = family_names()
    serve.add_argument("--family", choices=families, default=_default_family(),
                       help=f"device family (default {_default_family()})")
    serve.add_argument("--transport", metavar="VARIANT",
                       help="the family's link variant (kkt-emu models lists them); default: the family's own")
    serve.add_argument("--model", help="model key (see `kkt-emu models`)")
    serve.add_argument("--pty", action="store_true", help="attach through a new pseudo-terminal")
    serve.add_argument("--link", metavar="PATH", help="with --pty: also create a symlink PATH to the pty")
    serve.add_argument("--tcp", nargs="?", const=DEFAULT_TCP, type=_host_port, metavar="HOST:PORT",
                       help=f"listen on TCP (default {DEFAULT_TCP}: loopback, any free port)")
    serve.add_argument("--state", metavar="DIR", type=Path,
                       help="keep the device (ФН archive, settings, clock) in DIR across restarts")
    serve.add_argument("--tape", metavar="FILE",
                       help="print the paper tape to FILE ('-' = standard error, to keep stdout for the ready line)")
    serve.add_argument("--tape-width", type=int, choices=(32, 48, 57), help="characters per tape line")
    serve.add_argument("--ffd", choices=("1.05", "1.2"), help="FFD mode of the virtual ФН (default 1.05)")
    serve.add_argument("--timezone", type=_utc_offset, metavar="OFFSET",
                       help="zone of the device clock and its documents, e.g. +03:00 (default: kept in --state, "
                            "else the host's); the clock never follows the host into a DST change")
    serve.add_argument("--max-connections", type=int, default=64, metavar="N",
                       help="TCP clients served at once; one more is closed at once (default 64)")
    serve.add_argument("--idle-timeout", type=float, default=600.0, metavar="SECONDS",
                       help="close a TCP client silent this long (default 600)")
    serve.add_argument("--control", nargs="?", const=DEFAULT_TCP, type=_host_port, metavar="HOST:PORT",
                       help="open a JSON-lines control port (clock, faults, OFD, reset, status); default loopback")
    control = sub.add_parser("control", help="steer a running emulator through its control port")
    control.add_argument("address", type=_host_port, metavar="HOST:PORT")
    control.add_argument("op", help="status | reset | advance-clock | fault | ofd, or an op of the device's family "
                                    "(e.g. a scale's set-weight)")
    control.add_argument("args", nargs="*", help="advance-clock SECONDS | fault NAME [VALUE] | ofd SECONDS|never | "
                                                "KEY=VALUE ... for a family's op")
    models_cmd = sub.add_parser("models", help="list the models the emulator presents")
    models_cmd.add_argument("--json", action="store_true")
    demo = sub.add_parser("demo", help="start an emulator on a pty, register it, sell a receipt, print the tape")
    demo.add_argument("--family", choices=families, default=_default_family())
    demo.add_argument("--transport", metavar="VARIANT", help="the family's link variant (default: its own)")
    return parser


def _utc_offset(text: str) -> int:
    try:
        return parse_utc_offset(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _default_family() -> str:
    from kkt_drivers.families import DEFAULT_DEVICE
    from kkt_drivers.url import parse_device_url

    return parse_device_url(DEFAULT_DEVICE).family


def _variant(family: str, requested: str | None) -> str:
    """The link variant to serve: the one asked for (checked), else the family's default."""
    emulated = get_family(family)
    if requested is None:
        return emulated.default_variant
    if requested not in emulated.variants:
        raise ValueError(f"{family} has no transport {requested!r}; it has {', '.join(emulated.variants)}")
    return requested


def _device_url(family: str, connection: str, address: str, variant: str) -> str:
    """The driver URL of a served device (``<family>[+tcp]://address?<variant options>``)."""
    from kkt_drivers.families import get_family as driver_family

    options = driver_family(family).variant_options(variant)
    query = "&".join(f"{key}={value}" for key, value in options.items())
    scheme = family if connection == "serial" else f"{family}+{connection}"
    return f"{scheme}://{address}" + (f"?{query}" if query else "")


def _serve(args: argparse.Namespace) -> int:
    if not args.pty and args.tcp is None:
        print("kkt-emu serve: give --pty and/or --tcp [HOST:PORT]", file=sys.stderr)
        return 2
    tape = None
    if args.tape == "-":
        tape = Tape.to_stream(sys.stderr)
    elif args.tape:
        tape = Tape.to_file(Path(args.tape))
    try:
        variant = _variant(args.family, args.transport)
        device = create_device(args.family, args.model, state_dir=args.state, tape=tape, tape_width=args.tape_width,
                               ffd=args.ffd, utc_offset=args.timezone)
    except ValueError as exc:
        print(f"kkt-emu serve: {exc}", file=sys.stderr)
        return 2
    loop = ServerLoop(max_connections=args.max_connections, idle_timeout=args.idle_timeout)
    ready: dict[str, Any] = {"event": "ready", "family": args.family, "transport": variant,
                             "model": args.model or "default", "urls": []}
    if args.state is not None:
        ready["state"] = str(args.state)
    pty_att = tcp_att = None
    try:
        if args.pty:
            pty_att = PtyAttachment(device, variant, loop=loop, link=args.link).start()
            ready["pty"] = pty_att.path
            if args.link:
                ready["link"] = args.link
            ready["urls"].append(_device_url(args.family, "serial", pty_att.path, variant))
        if args.tcp is not None:
            host, port = args.tcp
            tcp_att = TcpAttachment(device, variant, host=host, port=port, loop=loop).start()
            ready["tcp"] = {"host": tcp_att.host, "port": tcp_att.port}
            ready["urls"].append(_device_url(args.family, "tcp", f"{tcp_att.host}:{tcp_att.port}", variant))
    except OSError as exc:
        print(f"kkt-emu serve: {exc}", file=sys.stderr)
        loop.stop()
        return 1
    control_server = None
    if args.control is not None:
        host, port = args.control
        control_server = ControlServer(DeviceControl(device), host, port).start()
        ready["control"] = {"host": control_server.host, "port": control_server.port}
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    loop.start()
    print(json.dumps(ready, ensure_ascii=False), flush=True)
    while not stop.wait(0.5):
        pass
    loop.stop()
    if control_server is not None:
        control_server.stop()
    if pty_att is not None:
        pty_att.stop()
    return 0


def _models(args: argparse.Namespace) -> int:
    rows = models()
    variants = {m.family: get_family(m.family).variants for m in rows}
    if args.json:
        print(json.dumps([{"family": m.family, "key": m.key, "name": m.name, "model_code": m.model_code,
                           "transports": list(variants[m.family])} for m in rows], ensure_ascii=False))
    else:
        for m in rows:
            print(f"{m.family:6} {m.key:16} {m.name:14} model code {m.model_code:<4} "
                  f"transports {', '.join(variants[m.family])}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    """Start an emulator on a pty and walk it through a fiscal day with the driver, tape on stdout."""
    from decimal import Decimal

    from kkt_drivers.kkt import Kkt
    from kkt_drivers.types import (
        Buyer,
        Item,
        Payment,
        PaymentType,
        Receipt,
        Registration,
        TaxationSystem,
        VatRate,
    )

    try:
        variant = _variant(args.family, args.transport)
    except ValueError as exc:
        print(f"kkt-emu demo: {exc}", file=sys.stderr)
        return 2
    tape = Tape.to_stream(sys.stdout, width=48)
    device = create_device(args.family, tape=tape, tape_width=48)
    attachment = PtyAttachment(device, variant).start()
    url = _device_url(args.family, "serial", attachment.path, variant)
    print(f"emulator ({args.family}, {variant}) on {attachment.path}; driver connects to {url}\n")
    try:
        with Kkt.open(url) as kkt:
            status = kkt.status()
            print(f"{status.model}, serial {status.serial_number}, time {status.datetime:%Y-%m-%d %H:%M:%S}\n")
            kkt.register(Registration(
                user_name='ООО "Ромашка"', inn="7701234560", rnm="0000000001035539",
                address="г. Москва, ул. Тверская, 1", place="Магазин №1", taxation=TaxationSystem.OSN,
                ofd_inn="7704358518", ofd_name='ООО "Ярус"', sender_email="shop@example.com"))
            kkt.open_shift()
            result = kkt.sell(Receipt(
                items=(Item("Хлеб бородинский", 4550, Decimal(2), VatRate.VAT_10),
                       Item("Молоко 3,2% 1 л", 8990, Decimal(1), VatRate.VAT_10),
                       Item("Пакет", 500, Decimal(1), VatRate.VAT_20)),
                payments=(Payment(PaymentType.ELECTRONIC, 10000), Payment(PaymentType.CASH, 10000)),
                buyer=Buyer(email="buyer@example.com")))
            kkt.close_shift()
            fn = kkt.fn_status()
            print(f"receipt: document {result.document.number}, fiscal sign {result.document.fiscal_sign}, "
                  f"change {result.change // 100}.{result.change % 100:02d}")
            print(f"ФН {fn.fn_number}: {fn.last_document_number} documents, phase {fn.phase.name.lower()}")
    finally:
        attachment.stop()
    return 0


def _control(args: argparse.Namespace) -> int:
    """Send one control request and print the JSON reply; exit 1 if the emulator refused it."""
    import socket

    request: dict[str, Any] = {"op": args.op.replace("-", "_")}
    try:
        if args.op == "advance-clock":
            request["seconds"] = float(args.args[0])
        elif args.op == "fault":
            request = {"op": "set_fault", "name": args.args[0], "value": _fault_value(args.args[1:])}
        elif args.op == "ofd":
            request = {"op": "set_ofd", "delay": None if args.args[0] == "never" else float(args.args[0])}
        elif args.op not in ("status", "reset"):
            for pair in args.args:  # a family's op: KEY=VALUE, values as JSON where they parse
                key, sep, text = pair.partition("=")
                if not sep or not key:
                    raise ValueError(pair)
                try:
                    request[key] = json.loads(text)
                except ValueError:
                    request[key] = text
    except (IndexError, ValueError):
        print(f"kkt-emu control: bad arguments for {args.op}: {' '.join(args.args)}", file=sys.stderr)
        return 2
    try:
        with socket.create_connection(args.address, timeout=10) as sock:
            sock.sendall(json.dumps(request).encode() + b"\n")
            reply = sock.makefile("rb").readline()
    except OSError as exc:
        print(f"kkt-emu control: {exc}", file=sys.stderr)
        return 1
    print(reply.decode().strip())
    return 0 if json.loads(reply).get("ok") else 1


def _fault_value(rest: list[str]) -> float | int | str:
    if not rest:
        return 1
    text = rest[0]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "models":
        return _models(args)
    if args.command == "control":
        return _control(args)
    return _demo(args)


if __name__ == "__main__":
    sys.exit(main())
