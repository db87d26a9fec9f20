"""``kkt``: talk to a fiscal register from the shell.

    kkt status                                  # the built-in emulator (emu://atol)
    kkt --device atol:///dev/ttyACM0 status --json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from .connect import DEFAULT_DEVICE, connect
from .errors import KktError


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "name") and hasattr(value, "value"):
        return value.name.lower()
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kkt", description="Drive a fiscal register (ККТ).")
    parser.add_argument("--device", default=os.environ.get("KKT_DEVICE", DEFAULT_DEVICE),
                        help=f"device URL (default: $KKT_DEVICE or {DEFAULT_DEVICE})")
    sub = parser.add_subparsers(dest="command", required=True)
    status = sub.add_parser("status", help="device status")
    status.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        with connect(args.device) as kkt:
            info, state = kkt.device_info(), kkt.status()
    except KktError as exc:
        print(f"kkt: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"device": _jsonable(info), "status": _jsonable(state)}, ensure_ascii=False))
    else:
        print(f"{info.name} (model {info.model}), serial {state.serial_number}")
        print(f"time {state.datetime:%Y-%m-%d %H:%M:%S}, mode {state.mode.mode.name.lower()}, "
              f"fiscalised {'yes' if state.fiscalised else 'no'}, shift {'open' if state.shift_open else 'closed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
