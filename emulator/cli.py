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
import os
import secrets
import signal
import sys
import threading
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from kkt_drivers.cli_support import language, report, run
from kkt_drivers.errors import ConfigurationError

from .attach.control_server import ControlServer
from .attach.loop import ServerLoop
from .attach.pty import PtyAttachment
from .attach.tcp import TcpAttachment
from .core.clock import parse_utc_offset
from .core.control import DeviceControl
from .core.fiscal.errors import ArchiveError
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
    parser.add_argument("--version", action="version", version=f"kkt-emu (kkt-drivers) {version('kkt-drivers')}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve a virtual device on a pty and/or TCP")
    families = family_names()
    serve.add_argument("--family", choices=families, default=_default_family(),
                       help=f"device family (default {_default_family()})")
    serve.add_argument("--transport", "--protocol", dest="transport", metavar="VARIANT",
                       help="the family's link variant or protocol (kkt-emu models lists each family's); default: "
                            "the family's own")
    serve.add_argument("--model", help="model key (see `kkt-emu models`)")
    serve.add_argument("--pty", action="store_true", help="attach through a new pseudo-terminal")
    serve.add_argument("--link", metavar="PATH", help="with --pty: also create a symlink PATH to the pty")
    serve.add_argument("--tcp", nargs="?", const=DEFAULT_TCP, type=_host_port, metavar="HOST:PORT",
                       help=f"listen on TCP (default {DEFAULT_TCP}: loopback, any free port)")
    serve.add_argument("--http", nargs="?", const=DEFAULT_TCP, type=_host_port, metavar="HOST:PORT",
                       help="serve a protocol that travels over HTTP (POST /api.json); default "
                            f"{DEFAULT_TCP}")
    serve.add_argument("--state", metavar="DIR", type=Path,
                       help="keep the device (ФН archive, settings, clock) in DIR across restarts; DIR keeps the "
                            "family and FFD it was made with: serving it with another --family or --ffd is refused "
                            "(start afresh with a new or empty DIR)")
    serve.add_argument("--tape", metavar="FILE",
                       help="print the paper tape to FILE ('-' = standard error, to keep stdout for the ready line)")
    serve.add_argument("--tape-width", type=int, choices=(32, 48, 57), help="characters per tape line")
    serve.add_argument("--ffd", choices=("1.05", "1.2"),
                       help="FFD mode of the virtual ФН (default 1.05; with --state, the one DIR was made with; "
                            "another one is refused)")
    serve.add_argument("--timezone", type=_utc_offset, metavar="OFFSET",
                       help="zone of the device clock and its documents, e.g. +03:00 (default: kept in --state, "
                            "else the host's); the clock never follows the host into a DST change")
    serve.add_argument("--baud", type=int, metavar="N",
                       help="pace bytes as a real serial line at N baud (8N1: 10 bits a byte), both ways")
    serve.add_argument("--max-connections", type=int, default=64, metavar="N",
                       help="TCP clients served at once; one more is closed at once (default 64)")
    serve.add_argument("--idle-timeout", type=float, default=600.0, metavar="SECONDS",
                       help="close a TCP client silent this long (default 600)")
    serve.add_argument("--control", nargs="?", const=DEFAULT_TCP, type=_host_port, metavar="HOST:PORT",
                       help="open a JSON-lines control port (clock, faults, OFD, reset, status); default loopback")
    control = sub.add_parser("control", help="steer a running emulator through its control port")
    control.add_argument("address", type=_host_port, metavar="HOST:PORT")
    control.add_argument("--token", help="the control token (default: --state DIR's control.token, else "
                                         "$KKT_EMU_TOKEN)")
    control.add_argument("--state", type=Path, metavar="DIR", help="read the token from DIR/control.token")
    control.add_argument("--force", action="store_true", help="reset: wipe a device kept in a state directory")
    control.add_argument("op", help="status | reset | advance-clock | fault | ofd, or an op of the device's family "
                                    "(e.g. a scale's set-weight)")
    control.add_argument("args", nargs="*", help="advance-clock SECONDS | fault NAME [VALUE] | ofd SECONDS|never | "
                                                "KEY=VALUE ... for a family's op")
    server = sub.add_parser("kkt-server", help="run an emulated Incotex «Сервер ККТ» (goods base, sales journal)")
    from .kkt_server.__main__ import add_arguments

    add_arguments(server)
    models_cmd = sub.add_parser("models", help="list the models the emulator presents")
    models_cmd.add_argument("--json", action="store_true")
    demo = sub.add_parser("demo", help="start an emulator on a pty, register it, sell a receipt, print the tape")
    demo.add_argument("--family", choices=[f for f in families if get_family(f).fiscal], default=_default_family())
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


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _fail(message: str, message_ru: str) -> ConfigurationError:
    return ConfigurationError(message, message_ru=message_ru)


def _check_state(path: Path | None) -> None:
    """A state directory must be a directory we can write (made if missing)."""
    if path is None:
        return
    if path.exists() and not path.is_dir():
        raise _fail(f"--state {path} is a file, not a directory", f"--state {path} — файл, а не каталог")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(f"--state {path} cannot be created: {exc.strerror}",
                    f"каталог --state {path} не удаётся создать: {exc.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise _fail(f"--state {path} is not writable", f"каталог --state {path} недоступен для записи")


def _open_tape(arg: str | None, width: int | None) -> Tape | None:
    """The tape, checked before the ready line: a file must be writable now, not at the first receipt."""
    if not arg:
        return None
    if arg == "-":
        return Tape.to_stream(sys.stderr, width or 48)
    path = Path(arg)
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise _fail(f"--tape {path} cannot be written: {exc.strerror}",
                    f"--tape {path}: запись невозможна: {exc.strerror}") from None
    return Tape.to_file(path, width or 48)


def _warn_if_exposed(what: str, host: str) -> None:
    if host not in LOOPBACK:
        print(f"kkt-emu serve: warning: {what} listens on {host}, reachable from other machines", file=sys.stderr)


def _write_token(state: Path | None, token: str) -> None:
    if state is None:
        return
    path = state / "control.token"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)


def _serve(args: argparse.Namespace) -> int:
    if not args.pty and args.tcp is None and args.http is None:
        raise _fail("give --pty, --tcp [HOST:PORT] and/or --http [HOST:PORT]",
                    "укажите --pty, --tcp [HOST:PORT] и/или --http [HOST:PORT]")
    variant = _variant(args.family, args.transport)
    if args.http is not None and variant not in get_family(args.family).http_variants:
        raise _fail(f"--http serves {args.family} {', '.join(get_family(args.family).http_variants) or 'nothing'}, "
                    f"not {variant}", f"--http не подходит для {args.family} {variant}")
    if args.pty and variant in get_family(args.family).network_only_variants:
        raise _fail(f"{args.family} {variant} is served over --tcp or --http, not --pty: it is a network protocol "
                    "without request ids, which a serial line cannot carry safely",
                    f"{args.family} {variant} обслуживается через --tcp или --http, а не --pty: это сетевой протокол "
                    "без номеров запросов, последовательная линия не может передавать его надёжно")
    if args.baud is not None and not 50 <= args.baud <= 4_000_000:
        raise _fail(f"--baud must be 50..4000000, not {args.baud}",
                    f"--baud должно быть от 50 до 4000000, а не {args.baud}")
    _check_state(args.state)
    tape = _open_tape(args.tape, args.tape_width)
    try:
        device = create_device(args.family, args.model, state_dir=args.state, tape=tape, tape_width=args.tape_width,
                               ffd=args.ffd, utc_offset=args.timezone)
    except ArchiveError as exc:
        raise _fail(f"the state {args.state} cannot be used (is another kkt-emu serving it?): {exc}",
                    f"каталог состояния {args.state} занят или повреждён (не запущен ли другой kkt-emu?)") from None
    loop = ServerLoop(max_connections=args.max_connections, idle_timeout=args.idle_timeout)
    ready: dict[str, Any] = {"event": "ready", "family": args.family, "transport": variant,
                             "model": args.model or "default", "urls": []}
    if args.state is not None:
        ready["state"] = str(args.state)
    pty_att = None
    http_att: Any = None
    control_server = None
    try:
        if args.pty:
            pty_att = PtyAttachment(device, variant, loop=loop, link=args.link, baud=args.baud).start()
            ready["pty"] = pty_att.path
            if args.link:
                ready["link"] = args.link
            ready["urls"].append(_device_url(args.family, "serial", pty_att.path, variant))
        if args.tcp is not None:
            host, port = args.tcp
            _warn_if_exposed("the device", host)
            tcp_att = TcpAttachment(device, variant, host=host, port=port, loop=loop, baud=args.baud).start()
            ready["tcp"] = {"host": tcp_att.host, "port": tcp_att.port}
            ready["urls"].append(_device_url(args.family, "tcp", f"{tcp_att.host}:{tcp_att.port}", variant))
        if args.http is not None:
            from .attach.http import HttpAttachment

            host, port = args.http
            _warn_if_exposed("the HTTP endpoint", host)
            http_att = HttpAttachment(device, variant, host=host, port=port).start()
            ready["http"] = {"host": http_att.host, "port": http_att.port, "path": http_att.path}
            ready["urls"].append(_device_url(args.family, "http", f"{http_att.host}:{http_att.port}", variant))
        if args.control is not None:
            host, port = args.control
            _warn_if_exposed("the control port", host)
            token = secrets.token_hex(16)  # hex: never starts with "-", so `--token TOKEN` always parses
            control_server = ControlServer(DeviceControl(device), host, port, token=token,
                                           durable=args.state is not None).start()
            _write_token(args.state, token)
            ready["control"] = {"host": control_server.host, "port": control_server.port, "token": token}
    except OSError as exc:
        loop.stop()
        if pty_att is not None:
            pty_att.stop()
        if http_att is not None:
            http_att.stop()
        device.close()
        what = exc.strerror or str(exc)
        raise _fail(f"cannot serve: {what}" + (f" ({exc.filename})" if exc.filename else ""),
                    f"не удаётся запустить: {what}") from None
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
    if http_att is not None:
        http_att.stop()
    device.close()
    return 0


def _models(args: argparse.Namespace) -> int:
    rows = models()
    variants = {m.family: get_family(m.family).variants for m in rows}
    if args.json:
        print(json.dumps([{"family": m.family, "key": m.key, "name": m.name, "model_code": m.model_code,
                           "transports": list(variants[m.family])} for m in rows], ensure_ascii=False))
    else:
        widths = [max(len(getattr(m, field)) for m in rows) for field in ("family", "key", "name")]
        print(f"{'family':{widths[0]}}  {'model':{widths[1]}}  {'name':{widths[2]}}  code  variants")
        for m in rows:
            print(f"{m.family:{widths[0]}}  {m.key:{widths[1]}}  {m.name:{widths[2]}}  {m.model_code:<4}  "
                  f"{', '.join(variants[m.family])}")
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
                       Item("Пакет", 500, Decimal(1), VatRate.VAT_22)),
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


def _token(args: argparse.Namespace) -> str | None:
    if args.token:
        return str(args.token)
    if args.state is not None:
        try:
            return str((args.state / "control.token").read_text(encoding="ascii").strip())
        except OSError as exc:
            raise _fail(f"no control token in {args.state}: {exc.strerror}",
                        f"в {args.state} нет ключа управления: {exc.strerror}") from None
    return os.environ.get("KKT_EMU_TOKEN")


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
        elif args.op == "reset":
            request["confirm"] = bool(args.force)
        elif args.op != "status":
            for pair in args.args:  # a family's op: KEY=VALUE, values as JSON where they parse
                key, sep, text = pair.partition("=")
                if not sep or not key:
                    raise ValueError(pair)
                try:
                    request[key] = json.loads(text)
                except ValueError:
                    request[key] = text
    except (IndexError, ValueError):
        raise _fail(f"bad arguments for {args.op}: {' '.join(args.args)}",
                    f"неверные аргументы для {args.op}: {' '.join(args.args)}") from None
    token = _token(args)
    if token:
        request["token"] = token
    try:
        with socket.create_connection(args.address, timeout=5) as sock:
            sock.settimeout(5)
            sock.sendall(json.dumps(request).encode() + b"\n")
            reply = sock.makefile("rb").readline(65536)
    except TimeoutError:
        raise _fail(f"{args.address[0]}:{args.address[1]} did not answer like a kkt-emu control port",
                    f"{args.address[0]}:{args.address[1]} не отвечает как порт управления kkt-emu") from None
    except OSError as exc:
        raise _fail(f"cannot reach the control port {args.address[0]}:{args.address[1]}: {exc.strerror or exc}",
                    f"порт управления {args.address[0]}:{args.address[1]} недоступен: {exc.strerror or exc}") from None
    try:
        answer = json.loads(reply)
        ok = bool(answer.get("ok"))
    except (ValueError, AttributeError):
        raise _fail(f"{args.address[0]}:{args.address[1]} is not a kkt-emu control port (it answered "
                    f"{reply[:40]!r})", f"{args.address[0]}:{args.address[1]} — не порт управления kkt-emu") from None
    print(reply.decode().strip())
    return 0 if ok else 1


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
    return run(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "models":
            return _models(args)
        if args.command == "control":
            return _control(args)
        if args.command == "kkt-server":
            from .kkt_server.__main__ import run as server_run

            return server_run(args)
        return _demo(args)
    except KeyboardInterrupt as exc:
        return report("kkt-emu", exc, as_json=False, lang=language())
    except Exception as exc:  # never a traceback: typed errors by their type, the rest as internal
        if isinstance(exc, ValueError) and not isinstance(exc, ConfigurationError):
            exc = _fail(str(exc), str(exc))
        return report("kkt-emu", exc, as_json=False, lang=language())


if __name__ == "__main__":
    sys.exit(main())
