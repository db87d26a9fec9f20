"""`kkt-emu` as a user runs it: a subprocess, one JSON ready line, the driver over pty/TCP, clean exit."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from kkt_drivers import connect
from kkt_drivers.drivers.atol import SYSADMIN_PASSWORD, AtolMode

KKT_EMU = [sys.executable, "-m", "kkt_emu.cli"]


@contextmanager
def serve(*args: str) -> Iterator[tuple[subprocess.Popen[str], dict[str, Any]]]:
    proc = subprocess.Popen([*KKT_EMU, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready, "kkt-emu printed no ready line"
        line = proc.stdout.readline()
        yield proc, json.loads(line)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> tuple[int, str]:
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=10)
    return proc.returncode, out


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pty")
def test_serve_v2_on_a_pty_is_driven_by_the_driver_and_stops_on_sigterm() -> None:
    with serve("--family", "atol", "--transport", "v2", "--pty") as (proc, ready):
        assert ready["event"] == "ready" and ready["transport"] == "v2"
        assert os.path.exists(ready["pty"])
        with connect(f"atol://{ready['pty']}?transport=v2") as kkt:
            kkt.enter_mode(AtolMode.PROGRAMMING, SYSADMIN_PASSWORD)
            assert kkt.status().mode.mode is AtolMode.PROGRAMMING
        with connect(ready["urls"][0]) as again:  # the URL it printed works too
            assert again.status().mode.mode is AtolMode.PROGRAMMING
        code, rest = _stop(proc)
        assert code == 0
        assert rest == ""  # exactly one line on stdout


def test_serve_v3_on_tcp_binds_loopback_and_stops_on_sigint() -> None:
    with serve("--family", "atol", "--transport", "v3", "--tcp") as (proc, ready):
        assert ready["tcp"]["host"] == "127.0.0.1" and ready["tcp"]["port"] > 0
        url = f"atol+tcp://127.0.0.1:{ready['tcp']['port']}?transport=v3"
        with connect(url) as kkt:
            info = kkt.device_info()
            assert info.device_type == 1
            assert kkt.status().model == info.model
        code, _ = _stop(proc, signal.SIGINT)
        assert code == 0


def test_serve_on_pty_and_tcp_at_once_shares_one_device() -> None:
    with serve("--transport", "v3", "--pty", "--tcp", "127.0.0.1:0") as (proc, ready):
        with connect(f"atol://{ready['pty']}?transport=v3") as over_pty:
            over_pty.enter_mode(AtolMode.PROGRAMMING, SYSADMIN_PASSWORD)
        with connect(f"atol+tcp://127.0.0.1:{ready['tcp']['port']}?transport=v3") as over_tcp:
            assert over_tcp.status().mode.mode is AtolMode.PROGRAMMING
        assert _stop(proc)[0] == 0


def test_serve_without_an_attachment_is_a_usage_error() -> None:
    proc = subprocess.run([*KKT_EMU, "serve", "--family", "atol"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "--pty" in proc.stderr and proc.stdout == ""


def test_models_lists_the_emulated_models() -> None:
    proc = subprocess.run([*KKT_EMU, "models", "--json"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0
    rows = json.loads(proc.stdout)
    keys = {row["key"] for row in rows}
    assert "atol-30f" in keys and {row["family"] for row in rows} >= {"atol"}
    assert all(row["transports"] for row in rows)


@pytest.mark.parametrize("transport", ["v2", "v3"])
def test_demo_walks_a_fiscal_day_over_a_pty(transport: str) -> None:
    start = time.monotonic()
    proc = subprocess.run([*KKT_EMU, "demo", "--transport", transport], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "serial 00106001" in out and "АТОЛ 30Ф" in out
    for title in ("ОТЧЕТ О РЕГИСТРАЦИИ", "ОТЧЕТ ОБ ОТКРЫТИИ СМЕНЫ", "КАССОВЫЙ ЧЕК", "ОТЧЕТ О ЗАКРЫТИИ СМЕНЫ"):
        assert title in out
    assert "receipt: document 3" in out and "change 14.10" in out and "4 documents" in out
    assert time.monotonic() - start < 30


def test_control_port_steers_a_running_emulator() -> None:
    """A shift opened over TCP expires when the control port moves the clock 25 hours on."""
    from kkt_drivers import DeviceError
    from kkt_drivers.kkt import Kkt
    from kkt_drivers.types import Item, Payment, PaymentType, Receipt, Registration, TaxationSystem

    def control(*args: str) -> dict[str, Any]:
        proc = subprocess.run([*KKT_EMU, "control", address, *args, "--token", token], capture_output=True, text=True,
                              timeout=30)
        reply: dict[str, Any] = json.loads(proc.stdout)
        assert (proc.returncode == 0) == reply["ok"]
        return reply

    with serve("--transport", "v3", "--tcp", "--control") as (proc, ready):
        assert ready["control"]["host"] == "127.0.0.1"
        address = f"127.0.0.1:{ready['control']['port']}"
        token = ready["control"]["token"]
        with Kkt.open(f"atol+tcp://127.0.0.1:{ready['tcp']['port']}?transport=v3") as kkt:
            kkt.register(Registration(user_name="ИП Иванов", inn="7701234560", rnm="0000000001035539",
                                      address="Москва", place="Киоск", taxation=TaxationSystem.USN_INCOME))
            kkt.open_shift()
            assert control("status")["shift"] == {"open": True, "number": 1, "expired": False}
            assert control("advance-clock", "90000")["ok"]
            assert control("status")["shift"]["expired"] is True
            assert kkt.shift_state().expired
            receipt = Receipt(items=(Item("Чай", 12000),), payments=(Payment(PaymentType.CASH, 12000),))
            with pytest.raises(DeviceError) as caught:
                kkt.sell(receipt)
            assert caught.value.code == 0x88  # Смена превысила 24 часа

        bad = subprocess.run([*KKT_EMU, "control", address, "fault", "no_such_fault", "--token", token],
                             capture_output=True, text=True, timeout=30)
        assert bad.returncode == 1 and "unknown fault" in bad.stdout
        assert control("reset")["ok"] and control("status")["fn"]["last_document"] == 0
        assert _stop(proc)[0] == 0
