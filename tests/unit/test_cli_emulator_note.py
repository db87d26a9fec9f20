"""The "no --device … throwaway in-process emulator" note is printed only by commands that open a register:
not by the «Сервер ККТ» commands, which talk to a server and never to a register."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTE = "throwaway in-process emulator"


def _kkt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "KKT_DEVICE"}
    return subprocess.run([sys.executable, "-m", "kkt_drivers.cli", "--lang", "en", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("command", ["server-upload", "server-device"])
def test_server_commands_say_nothing_about_a_register(tmp_path: Path, command: str) -> None:
    goods = tmp_path / "goods.json"
    goods.write_text(json.dumps({"base": [{"code": 1, "name": "Хлеб", "price": 4550}]}), encoding="utf-8")
    server = f"127.0.0.1:{_free_port()}"  # nothing listens: the command fails to connect, after its checks
    args = [command, "--server", server, str(goods)] if command == "server-upload" else \
        [command, "--server", server, "17"]
    result = _kkt(*args)
    assert result.returncode == 4 and "Traceback" not in result.stderr, result.stderr
    assert NOTE not in result.stderr and "Сервер ККТ" in result.stderr


def test_a_register_command_still_gets_the_note() -> None:
    result = _kkt("open-shift")
    assert "Traceback" not in result.stderr and NOTE in result.stderr  # (the fresh ФН refuses: not registered)
