"""``python -m kkt_emu.kkt_server [--host H] [--port P] [--state FILE] [--base FILE] [--device ID[:GROUPS[:PERCENT]]]``

Prints one JSON "ready" line with the address, then serves until SIGINT or SIGTERM and exits 0.
``--base`` loads a goods file (``{"groups": [...], "base": [...]}``) at start; ``--device 17:1,2:90`` registers
ID 17 with groups 1 and 2 at 90 % (``--device 17`` takes every group at list price).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from kkt_drivers.protocols.incotex.kkt_server import GoodsBaseError

from .server import KktServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kkt_emu.kkt_server", description="An emulated «Сервер ККТ».")
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The server's options, also under ``kkt-emu kkt-server``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument("--state", type=Path, help="keep the server's goods, registers and sales in this JSON file")
    parser.add_argument("--base", type=Path, help="a goods file to load at start")
    parser.add_argument("--device", action="append", default=[], metavar="ID[:GROUPS[:PERCENT]]",
                        help="a register the server knows: its ID, its groups (comma list) and price percent")


def _device(text: str) -> tuple[str, dict[str, object]]:
    server_id, _, rest = text.partition(":")
    groups_text, _, percent = rest.partition(":")
    if not server_id.isdigit():
        raise ValueError(f"--device {text!r}: the ID is digits")
    groups = [int(g) for g in groups_text.split(",") if g] if groups_text else None
    return server_id, {"groups": groups, "percent": int(percent) if percent else 100}


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; 2 for a bad goods file or address."""
    try:
        server = KktServer(args.host, args.port, state=args.state)
        if args.base is not None:
            server.store.put_base(json.loads(args.base.read_text(encoding="utf-8")))
        for text in args.device:
            server.store.put_device(*_device(text))
    except GoodsBaseError as exc:
        print(f"kkt-server: {args.base}: {exc.message_ru} ({exc})", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"kkt-server: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    print(json.dumps({"event": "ready", "kkt_server": {"host": server.host, "port": server.port},
                      "address": server.address}), flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
