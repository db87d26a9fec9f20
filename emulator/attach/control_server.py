"""The emulator's control port: steer a running ``kkt-emu serve`` from another process.

One JSON object per line in, one per line out, on 127.0.0.1 unless told otherwise::

    {"op": "advance_clock", "seconds": 90000}        -> {"ok": true}
    {"op": "set_fault", "name": "withhold_command", "value": "4a"}
    {"op": "set_ofd", "delay": null}                 # the simulated OFD never confirms
    {"op": "reset"}                                  # factory-new device
    {"op": "status"}                                 -> {"ok": true, "fn": {...}, "shift": {...}, "ofd": {...}}

Lines are bounded (4 KiB); a bad request gets ``{"ok": false, "error": "..."}``. Nothing received
here names a file path.
"""

from __future__ import annotations

import json
import socketserver
import threading
from typing import Any

from ..core.control import DeviceControl

MAX_LINE = 4096


def _handle(control: DeviceControl, request: Any) -> dict[str, Any]:
    if not isinstance(request, dict) or not isinstance(request.get("op"), str):
        raise ValueError("expected an object with an 'op'")
    op = request["op"]
    if op == "reset":
        control.reset()
        return {}
    if op == "advance_clock":
        seconds = request.get("seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
            raise ValueError("advance_clock needs a number of seconds")
        control.advance_clock(float(seconds))
        return {}
    if op == "set_fault":
        value = request.get("value", 1)
        if not isinstance(value, (int, float, str, bool)):
            raise ValueError("a fault value is a number, a boolean or a hex command code")
        control.set_fault(str(request.get("name")), value)
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
        if delay is not None and (not isinstance(delay, (int, float)) or delay < 0):
            raise ValueError("set_ofd needs a delay in seconds, or null for never")
        core.set_ofd(None if delay is None else float(delay))
        return {}
    with device.lock:
        family_reply = device.personality.control(op, request)
    if family_reply is not None:
        return family_reply
    raise ValueError(f"unknown op {op!r}")


class ControlServer:
    """Serves the control port in a daemon thread."""

    def __init__(self, control: DeviceControl, host: str = "127.0.0.1", port: int = 0) -> None:
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while True:
                    line = self.rfile.readline(MAX_LINE + 1)
                    if not line:
                        return
                    if len(line) > MAX_LINE:
                        self._reply({"ok": False, "error": f"line longer than {MAX_LINE} bytes"})
                        return
                    try:
                        result = _handle(outer.control, json.loads(line))
                        reply = {"ok": True, **result}
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
