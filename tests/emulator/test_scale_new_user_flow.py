"""The scale issue's "done when", as a new user does it: ``kkt-emu serve`` in one process, the scale commands
in others.

Start an emulated Massa-K and CAS scale, put a load on them through the control port, read a stable weight
through the CLI; start an emulated CAS LP label scale, upload 10,000 goods with a progress bar, change three
prices and see only those three sent; restart the emulator and find the goods still there.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def _serve(family: str, *extra: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    proc = subprocess.Popen([sys.executable, "-m", "kkt_emu.cli", "serve", "--family", family, "--control", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    assert ready, "no ready line"
    line = json.loads(proc.stdout.readline())
    assert line["event"] == "ready" and line["family"] == family
    return proc, line


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=15)
    assert proc.returncode == 0


def _control(ready: dict[str, Any], *args: str) -> dict[str, Any]:
    address = f"{ready['control']['host']}:{ready['control']['port']}"
    token = [f"--token={ready['control']['token']}"] if ready["control"].get("token") else []  # may start with "-"
    proc = subprocess.run([sys.executable, "-m", "kkt_emu.cli", "control", *token, address, *args],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    reply: dict[str, Any] = json.loads(proc.stdout)
    return reply


def _scale(url: str, *args: str) -> tuple[Any, str]:
    proc = subprocess.run([sys.executable, "-m", "kkt_drivers.scale_cli", "--device", url, "--json", "scale", *args],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return json.loads(proc.stdout), proc.stderr


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pty")
@pytest.mark.parametrize(("family", "attachment"), [("massak", "--pty"), ("cas", "--pty"), ("massak", "--tcp")])
def test_a_stable_weight_through_the_cli(family: str, attachment: str) -> None:
    proc, ready = _serve(family, attachment)
    try:
        state = _control(ready, "set-weight", "value=1.234", "settle=0.3")
        assert state["ok"] and state["load_kg"] == "1.234"
        weight, _ = _scale(ready["urls"][0], "weigh", "--stable", "--timeout", "10")
        assert weight == {"value": "1.234", "unit": "kg", "stable": True, "overload": False,
                          "tare": "0.000" if family == "massak" else None, "net": False, "zero": False}
    finally:
        _stop(proc)


def _goods_file(path: Path, count: int, changed: tuple[int, ...] = ()) -> Path:
    goods = [{"plu": n, "name": f"Товар весовой {n}", "code": n, "shelf_life": n % 60,
              "price": "999.99" if n in changed else f"{100 + n % 700}.{n % 100:02d}"} for n in range(1, count + 1)]
    path.write_text(json.dumps(goods, ensure_ascii=False), encoding="utf-8")
    return path


def test_ten_thousand_goods_then_three_changed_prices(tmp_path: Path) -> None:
    common = ("--state-dir", str(tmp_path / "uploads"))
    proc, ready = _serve("caslp", "--tcp", "--model", "lp16-65k")
    url = ready["urls"][0] + "?plu_max=65535"
    try:
        first, progress = _scale(url, "upload", str(_goods_file(tmp_path / "goods.json", 10_000)), *common)
        assert len(first["sent"]) == 10_000 and first["unchanged"] == 0
        assert "upload: 10000/10000 PLU (100%)" in progress and "upload: 5000/10000 PLU (50%)" in progress
        changed = _goods_file(tmp_path / "goods.json", 10_000, changed=(7, 4_322, 9_877))
        second, _ = _scale(url, "upload", str(changed), *common)  # another process: the state is on disk
        assert second == {"sent": [7, 4_322, 9_877], "unchanged": 9_997, "deleted": []}
        assert _control(ready, "plu-memory")["plu_count"] == 10_000
        record, _ = _scale(url, "read", "4322", *common)
        assert record["price"] == "999.99" and record["name"] == "Товар весовой 4322"
    finally:
        _stop(proc)


def test_the_goods_outlive_a_restart_of_the_emulator(tmp_path: Path) -> None:
    device_state = tmp_path / "scale"
    common = ("--state-dir", str(tmp_path / "uploads"), "--state-key", "shop-1-scale-1")
    goods = _goods_file(tmp_path / "goods.json", 50)
    proc, ready = _serve("caslp", "--tcp", "--state", str(device_state))
    try:
        assert len(_scale(ready["urls"][0], "upload", str(goods), *common)[0]["sent"]) == 50
    finally:
        _stop(proc)
    proc, ready = _serve("caslp", "--tcp", "--state", str(device_state))  # a new port, the same scale
    try:
        record, _ = _scale(ready["urls"][0], "read", "42", *common)
        assert record["name"] == "Товар весовой 42" and record["code"] == 42
        again, _ = _scale(ready["urls"][0], "upload", str(goods), *common)
        assert again["sent"] == [] and again["unchanged"] == 50
    finally:
        _stop(proc)
