"""The control port is the owner's alone, every value is checked before it is applied, and nothing is
destroyed by accident (a wiped archive, a replaced file)."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

KKT_EMU = [sys.executable, "-m", "kkt_emu.cli"]


@contextmanager
def serve(*args: str) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    proc = subprocess.Popen([*KKT_EMU, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        yield proc, json.loads(line)
    finally:
        proc.terminate()
        proc.wait(10)


def ask(ready: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    with socket.create_connection((ready["control"]["host"], ready["control"]["port"]), timeout=5) as sock:
        sock.sendall(json.dumps(request).encode() + b"\n")
        return json.loads(sock.makefile("rb").readline())  # type: ignore[no-any-return]


def test_requests_without_the_token_are_refused(tmp_path: Path) -> None:
    with serve("--tcp", "--control", "--state", str(tmp_path / "dev")) as (_, ready):
        token = ready["control"]["token"]
        assert len(token) >= 20
        for request in ({"op": "reset", "confirm": True}, {"op": "status", "token": "guess"}, [1, 2]):
            reply = ask(ready, request)  # type: ignore[arg-type]
            assert reply["ok"] is False and "token" in reply["error"]
        assert ask(ready, {"op": "status", "token": token})["ok"]
        saved = tmp_path / "dev" / "control.token"
        assert saved.read_text().strip() == token
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600


def test_resetting_a_durable_device_needs_confirmation(tmp_path: Path) -> None:
    with serve("--tcp", "--control", "--state", str(tmp_path / "dev")) as (_, ready):
        token = ready["control"]["token"]
        refused = ask(ready, {"op": "reset", "token": token})
        assert refused["ok"] is False and "confirm" in refused["error"]
        cli = subprocess.run([*KKT_EMU, "control", f"127.0.0.1:{ready['control']['port']}", "reset", "--state",
                              str(tmp_path / "dev")], capture_output=True, text=True, timeout=30)
        assert cli.returncode == 1 and "confirm" in cli.stdout
        forced = subprocess.run([*KKT_EMU, "control", f"127.0.0.1:{ready['control']['port']}", "reset", "--force",
                                 "--state", str(tmp_path / "dev")], capture_output=True, text=True, timeout=30)
        assert forced.returncode == 0, forced.stdout + forced.stderr


@pytest.mark.parametrize("request_", [
    {"op": "advance_clock", "seconds": float("nan")},
    {"op": "advance_clock", "seconds": 1e12},
    {"op": "advance_clock", "seconds": -60},
    {"op": "advance_clock", "seconds": "90000"},
    {"op": "advance_clock", "seconds": True},
    {"op": "set_fault", "name": "withhold_answer", "value": 10**9},
    {"op": "set_fault", "name": "stall", "value": 3600},
    {"op": "set_fault", "name": "garbage", "value": -1},
    {"op": "set_fault", "name": "withhold_command", "value": "../../etc"},
    {"op": "set_ofd", "delay": float("inf")},
    {"op": "set_ofd", "delay": -1},
], ids=lambda r: f"{r['op']}-{r.get('seconds', r.get('value', r.get('delay')))}")
def test_values_are_range_checked_before_they_are_applied(tmp_path: Path, request_: dict[str, Any]) -> None:
    with serve("--tcp", "--control", "--state", str(tmp_path / "dev")) as (_, ready):
        token = ready["control"]["token"]
        before = ask(ready, {"op": "status", "token": token})
        text = json.dumps({**request_, "token": token})  # NaN and Infinity travel as JSON literals
        with socket.create_connection((ready["control"]["host"], ready["control"]["port"]), timeout=5) as sock:
            sock.sendall(text.encode() + b"\n")
            reply = json.loads(sock.makefile("rb").readline())
        assert reply["ok"] is False, reply
        after = ask(ready, {"op": "status", "token": token})
        moved = dt.datetime.fromisoformat(after["clock"]) - dt.datetime.fromisoformat(before["clock"])
        assert dt.timedelta(0) <= moved < dt.timedelta(seconds=30), moved  # the clock did not jump (a minute's
        # boundary between the two reads is fine: comparing to the minute failed on a loaded machine)
    with serve("--tcp", "--state", str(tmp_path / "dev")) as (_, again):  # and the device starts again
        assert again["event"] == "ready"


def test_binding_beyond_loopback_warns(tmp_path: Path) -> None:
    proc = subprocess.Popen([*KKT_EMU, "serve", "--tcp", "0.0.0.0:0", "--control", "0.0.0.0:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and json.loads(proc.stdout.readline())["event"] == "ready"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "warning: the device listens on 0.0.0.0" in err and "warning: the control port listens on 0.0.0.0" in err


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pty")
def test_link_replaces_only_a_symlink(tmp_path: Path) -> None:
    archive = tmp_path / "fn.sqlite"
    archive.write_bytes(b"precious")
    result = subprocess.run([*KKT_EMU, "serve", "--pty", "--link", str(archive)], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 2 and "not a symlink" in result.stderr and "Traceback" not in result.stderr
    assert archive.read_bytes() == b"precious"
    old = tmp_path / "kkt0"
    old.symlink_to("/dev/null")
    with serve("--pty", "--link", str(old)) as (_, ready):
        assert os.readlink(old) == ready["pty"]


def test_a_silent_client_of_the_control_port_is_dropped() -> None:
    from kkt_emu.attach.control_server import ControlServer
    from kkt_emu.core.control import DeviceControl
    from kkt_emu.personalities import create_device

    server = ControlServer(DeviceControl(create_device("atol")), token="t", idle_timeout=0.3).start()
    try:
        with socket.create_connection((server.host, server.port), timeout=5) as silent:
            assert silent.recv(1) == b""  # closed by the server after 0.3 s of silence
        with socket.create_connection((server.host, server.port), timeout=5) as sock:
            sock.sendall(b'{"op": "status", "token": "t"}\n')
            assert json.loads(sock.makefile("rb").readline())["ok"]
    finally:
        server.stop()
