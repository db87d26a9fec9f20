"""The emulator's control port: steer a running ``kkt-emu serve`` from another process.

One JSON object per line in, one per line out, on 127.0.0.1 unless told otherwise::

    {"token": "…", "op": "advance_clock", "seconds": 90000}        -> {"ok": true}
    {"token": "…", "op": "set_fault", "name": "withhold_command", "value": "close_receipt"}
    {"token": "…", "op": "set_ofd", "delay": null}  # the simulated OFD never confirms
    {"token": "…", "op": "reset", "confirm": true}  # factory-new device (confirm: needed with a state directory)
    {"token": "…", "op": "status"}                  -> {"ok": true, "fn": {...}, "shift": {...}, "ofd": {...}}

The port is the owner's alone: every request carries the secret token of this run (random per start,
printed in the ready line and written to ``control.token``, mode 0600, in the state directory). Every value is
range-checked before it is applied: the clock moves only forward, by a finite amount of at most ten years;
fault counts and delays are bounded. Lines are bounded (4 KiB); a bad request gets
``{"ok": false, "error": "..."}``. Nothing received here names a file path.
"""

from __future__ import annotations

import hmac
import json
import math
import socketserver
import threading
from typing import Any

from ..core.control import DeviceControl

MAX_LINE = 4096


MAX_ADVANCE = 10 * 366 * 86400.0  # ten years
MAX_COUNT = 1000  # fault counters
MAX_DELAY = 60.0  # stall seconds
MAX_GARBAGE = 4096
MAX_OFD_DELAY = 366 * 86400.0


def _number(value: Any, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise ValueError(f"{name} must be a finite number in {low:g}..{high:g}, got {value!r}")
    return float(value)


def _fault_value(name: str, value: Any) -> float | int | bool | str:
    """A fault value within its bounds (counts, delays, switches, command codes or operation names)."""
    if name == "stall":
        return _number(value, name, 0, MAX_DELAY)
    if name in ("withhold_command", "disconnect_command"):
        if not isinstance(value, str) or not 1 <= len(value) <= 64 or not value.replace("_", "").isalnum():
            raise ValueError(f"{name} takes a hex command code or an operation name, got {value!r}")
        return value
    if isinstance(value, bool):
        return value
    limit = MAX_GARBAGE if name == "garbage" else MAX_COUNT
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= limit:
        raise ValueError(f"{name} must be a whole number 0..{limit} (or true/false for a switch), got {value!r}")
    return value


def _handle(control: DeviceControl, request: Any, *, durable: bool = False) -> dict[str, Any]:
    if not isinstance(request, dict) or not isinstance(request.get("op"), str):
        raise ValueError("expected an object with an 'op'")
    op = request["op"]
    if op == "reset":
        if durable and request.get("confirm") is not True:
            raise ValueError("reset wipes the device's state directory (its archive and settings): send "
                             "\"confirm\": true (kkt-emu control ... reset --force)")
        control.reset()
        return {}
    if op == "advance_clock":
        control.advance_clock(_number(request.get("seconds"), "seconds", 0, MAX_ADVANCE))
        return {}
    if op == "set_fault":
        name = str(request.get("name"))
        control.set_fault(name, _fault_value(name, request.get("value", 1)))
        return {}
    device = control.device
    core = device.fiscal
    if op == "status":
        reply: dict[str, Any] = {"family": device.family, "clock": device.clock.now().isoformat(),
                                 "commands_executed": device.commands_executed, "fiscal": core is not None,
                                 "incidents": {"total": device.incidents.total,
                                               "recent": [{"at": i.at, "where": i.where, "error": i.error}
                                                          for i in device.incidents.recent()[-10:]]}}
        if core is not None:
            status, shift, ofd = core.status(), core.shift(), core.ofd_status()
            reply.update({
                "fn": {"phase": status.phase, "fn_number": status.fn_number, "last_document": status.last_fd_number,
                       "warnings": int(status.warnings)},
                "shift": {"open": shift.open, "number": shift.number, "expired": shift.expired},
                "ofd": {"unsent": ofd.unsent_count, "first_unsent": ofd.first_unsent_number}})
        return reply
    if op == "set_ofd":
        if core is None:
            raise ValueError(f"set_ofd needs a device with a fiscal drive; {device.family} devices have none")
        delay = request.get("delay")
        core.set_ofd(None if delay is None else _number(delay, "delay", 0, MAX_OFD_DELAY))
        return {}
    with device.lock:
        family_reply = device.personality.control(op, request)
    if family_reply is not None:
        return family_reply
    raise ValueError(f"unknown op {op!r}")


class ControlServer:
    """Serves the control port in a daemon thread; requests must carry ``token`` (``None``: no token needed,
    for in-process tests only)."""

    def __init__(self, control: DeviceControl, host: str = "127.0.0.1", port: int = 0, *,
                 token: str | None = None, durable: bool = False, idle_timeout: float = 30.0) -> None:
        outer = self
        self.token = token
        self.durable = durable

        class Handler(socketserver.StreamRequestHandler):
            timeout = idle_timeout  # a client that says nothing is dropped

            def handle(self) -> None:
                while True:
                    try:
                        line = self.rfile.readline(MAX_LINE + 1)
                    except OSError:  # idle past the timeout, or gone
                        return
                    if not line:
                        return
                    if len(line) > MAX_LINE:
                        self._reply({"ok": False, "error": f"line longer than {MAX_LINE} bytes"})
                        return
                    try:
                        request = json.loads(line)
                        if outer.token is not None and (not isinstance(request, dict) or not hmac.compare_digest(
                                str(request.get("token", "")), outer.token)):
                            reply = {"ok": False, "error": "wrong or missing token (it is in the ready line and in "
                                                           "control.token in the state directory)"}
                        else:
                            reply = {"ok": True, **_handle(outer.control, request, durable=outer.durable)}
                    except (ValueError, TypeError, KeyError) as exc:  # json errors are ValueErrors
                        reply = {"ok": False, "error": str(exc)}
                    self._reply(reply)

            def _reply(self, obj: dict[str, Any]) -> None:
                self.wfile.write(json.dumps(obj, ensure_ascii=False, default=str).encode() + b"\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.control = control
        self.server = Server((host, port), Handler)
        self.host, self.port = self.server.server_address[:2]
        self._thread = threading.Thread(target=self.server.serve_forever, name="kkt-emu-control", daemon=True)

    def start(self) -> ControlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
