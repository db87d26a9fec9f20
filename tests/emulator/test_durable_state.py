"""The device's state is durable as a whole: the drawer, settings and clock live with the ФН archive.

Also: a stored value the device cannot use never stops it from starting, closing a connection releases an
in-process device's files, and the clock keeps one zone whatever the host's daylight-saving rules do.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from samples import REGISTRATION, make_receipt

from kkt_drivers import Kkt, connect
from kkt_drivers.types import PaymentType

EMU = [sys.executable, "-m", "kkt_emu.cli"]


def _serve(state: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([*EMU, "serve", "--tcp", "--transport", "v3", "--state", str(state), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(5)
        pytest.fail(f"emulator did not start: {proc.stderr.read() if proc.stderr else ''}")
    ready = json.loads(line)
    return proc, f"atol+tcp://127.0.0.1:{ready['tcp']['port']}?transport=v3"


def _kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def test_drawer_settings_and_clock_survive_kill_9(tmp_path: Path) -> None:
    state = tmp_path / "device"
    proc, url = _serve(state)
    try:
        with Kkt.open(url) as kkt:
            kkt.register(REGISTRATION)
            kkt.open_shift()
            kkt.cash_in(50000)
            receipt = make_receipt()
            kkt.sell(receipt)  # 100.00 electronic, the rest in cash
            cash = sum(p.amount for p in receipt.payments if p.type is PaymentType.CASH)
            drawer = kkt.cash_in_drawer()
            assert drawer == 50000 + cash
            kkt.set_ofd_server("ofd.example.ru", 21101)
            clock_before = kkt.status().datetime
    finally:
        _kill(proc)
    assert not (state / "clock.json").exists() and not (state / "atol-tables.json").exists()
    proc, url = _serve(state)
    try:
        with Kkt.open(url) as kkt:
            assert kkt.cash_in_drawer() == drawer
            assert kkt.server_settings()["ofd_address"] == "ofd.example.ru"
            assert kkt.server_settings()["ofd_port"] == 21101
            assert abs((kkt.status().datetime - clock_before).total_seconds()) < 30
    finally:
        _kill(proc)


def test_the_drawer_moves_with_its_receipt_or_not_at_all(tmp_path: Path) -> None:
    """The cash of a receipt is committed in the same transaction as the document."""
    state = tmp_path / "device"
    with Kkt.open(f"emu://atol?transport=v3&state={state}") as kkt:
        kkt.register(REGISTRATION)
        kkt.open_shift()
        kkt.sell(make_receipt())
        number = kkt.fn_status().last_document_number
        drawer = kkt.cash_in_drawer()
    db = sqlite3.connect(str(state / "fn.sqlite"))
    try:
        stored = dict(db.execute("SELECT key, json FROM device_state"))
        documents = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        db.close()
    assert json.loads(stored["drawer"]) == drawer and documents == number


@pytest.mark.parametrize("bad", ['"soon"', "1e300", "null", "[1, 2]", "true", "{"])
def test_a_bad_stored_clock_never_stops_the_device(tmp_path: Path, bad: str) -> None:
    state = tmp_path / "device"
    with Kkt.open(f"emu://atol?state={state}"):
        pass
    db = sqlite3.connect(str(state / "fn.sqlite"))
    db.execute("INSERT OR REPLACE INTO device_state (key, json) VALUES ('clock', ?)", (bad,))
    db.commit()
    db.close()
    with Kkt.open(f"emu://atol?state={state}") as kkt:
        control: Any = kkt.device.emulator
        now = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(seconds=control.device.clock.utc_offset)
        assert abs((kkt.status().datetime - now).total_seconds()) < 5


def test_a_legacy_clock_file_is_taken_once(tmp_path: Path) -> None:
    state = tmp_path / "device"
    state.mkdir()
    (state / "clock.json").write_text(json.dumps({"offset": 86400.0}))
    with Kkt.open(f"emu://atol?state={state}") as kkt:
        ahead = kkt.status().datetime - datetime.now(timezone.utc).replace(tzinfo=None)
        control: Any = kkt.device.emulator
        ahead -= timedelta(seconds=control.device.clock.utc_offset)
    assert abs(ahead.total_seconds() - 86400) < 5 and not (state / "clock.json").exists()


def test_closing_releases_the_archive_of_an_in_process_device(tmp_path: Path) -> None:
    url = f"emu://atol?state={tmp_path / 'device'}"
    with Kkt.open(url) as kkt:
        kkt.register(REGISTRATION)
    with Kkt.open(url) as again:  # the same state directory opens again in the same process
        assert again.fn_status().last_document_number == 1
    with Kkt.open(url.replace("emu://", "emu+tcp://")) as over_tcp:
        assert over_tcp.fn_status().last_document_number == 1


def test_two_emulators_on_one_state_directory_is_a_clear_error(tmp_path: Path) -> None:
    from kkt_drivers import ConfigurationError

    url = f"emu://atol?state={tmp_path / 'device'}"
    with Kkt.open(url), pytest.raises(ConfigurationError, match="another emulator"):
        Kkt.open(url)


def test_a_capture_file_is_closed_with_the_driver(tmp_path: Path) -> None:
    from kkt_drivers.trace import JsonlCapture

    driver = connect("emu://atol", capture=tmp_path / "trace.jsonl")
    capture = next(h for h in driver.session.hooks if isinstance(h, JsonlCapture))
    driver.close()
    assert capture._file is None


def test_a_file_tape_keeps_a_bounded_memory(tmp_path: Path) -> None:
    from kkt_emu.core.tape import KEEP_PRINTED, Tape

    tape = Tape.to_file(tmp_path / "tape.txt")
    for n in range(KEEP_PRINTED + 50):
        tape.write(f"document {n}")
    assert len(tape.documents) == KEEP_PRINTED and tape.documents[0] == "document 50\n"
    assert (tmp_path / "tape.txt").read_text().count("document") == KEEP_PRINTED + 50


def test_the_clock_keeps_its_zone_through_a_host_dst_change() -> None:
    """In a host zone with DST, wall time jumps an hour; the device's clock does not."""
    code = """
import os, time
os.environ["TZ"] = "Europe/Berlin"; time.tzset()
from datetime import datetime, timezone
from unittest import mock
from kkt_emu.core.clock import DeviceClock
before_change = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc).timestamp()  # 01:30 CET
after_change = before_change + 3600                                              # 03:30 CEST
with mock.patch("time.time", return_value=before_change):
    clock = DeviceClock()          # the host's zone when the device is made: +01:00
    first = clock.now()
with mock.patch("time.time", return_value=after_change):
    second = clock.now()
    local = datetime.fromtimestamp(after_change)
print(clock.utc_offset, (second - first).total_seconds(), local.hour)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["3600", "3600.0", "3"]  # one hour passed on the device; the host's wall clock says 03:xx


def test_the_zone_of_the_clock_is_configurable_and_kept(tmp_path: Path) -> None:
    state = tmp_path / "device"
    with Kkt.open(f"emu://atol?state={state}&tz=%2B05:00") as kkt:
        expected = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(hours=5)
        assert abs((kkt.status().datetime - expected).total_seconds()) < 5
        kkt.register(REGISTRATION)
        doc = kkt.document(1)
        assert abs((doc.datetime - expected).total_seconds()) < 90
    with Kkt.open(f"emu://atol?state={state}") as kkt:  # no tz given: the device keeps +05:00
        expected = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(hours=5)
        assert abs((kkt.status().datetime - expected).total_seconds()) < 5


@pytest.mark.parametrize("bad", ["+15:00", "Moscow", "+3:75"])
def test_a_bad_zone_is_refused(bad: str) -> None:
    from urllib.parse import quote

    from kkt_drivers import ConfigurationError

    with pytest.raises(ConfigurationError, match="tz:"):
        connect(f"emu://atol?tz={quote(bad)}")


def test_kkt_emu_takes_a_timezone(tmp_path: Path) -> None:
    proc, url = _serve(tmp_path / "device", "--timezone", "UTC+7")
    try:
        with Kkt.open(url) as kkt:
            expected = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(hours=7)
            assert abs((kkt.status().datetime - expected).total_seconds()) < 5
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)

