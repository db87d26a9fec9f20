"""ATOL contract tests: status, device type, modes and the clock, identical on every ATOL backend.

They run on the in-process emulator, over a pty and over TCP (v2 and v3 each), and on a real
device given with ``--device``.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from kkt_drivers import DeviceError
from kkt_drivers.drivers.atol import SYSADMIN_PASSWORD, AtolDriver, AtolMode
from kkt_drivers.protocols.atol import commands

pytestmark = pytest.mark.family("atol")

KNOWN_MODEL_CODES = {48, 50, 57, 61, 62, 63, 64, 66, 67, 69, 70, 72, 75, 76, 77, 78, 80, 81, 82, 84, 86, 87,
                     89, 90, 91, 93, 94, 95, 96, 97, 99}


def test_status_describes_a_register(kkt_driver: AtolDriver) -> None:
    status = kkt_driver.status()
    assert len(status.serial_number) == 8 and status.serial_number.isdigit()
    assert status.model in KNOWN_MODEL_CODES
    assert status.decimal_point == 2
    assert status.interface in (1, 4, 5, 6, 7)
    assert status.mode.mode is AtolMode.SELECT
    assert status.receipt_state == 0


def test_device_type_agrees_with_status(kkt_driver: AtolDriver) -> None:
    info = kkt_driver.device_info()
    status = kkt_driver.status()
    assert info.device_type == 1  # ККТ
    assert info.model == status.model
    assert info.name.strip()


def test_state_code_reports_the_same_mode_as_status(kkt_driver: AtolDriver) -> None:
    assert kkt_driver.state_code().mode == kkt_driver.status().mode
    kkt_driver.enter_mode(AtolMode.PROGRAMMING, SYSADMIN_PASSWORD)
    try:
        assert kkt_driver.state_code().mode.mode is AtolMode.PROGRAMMING
        assert kkt_driver.status().mode.mode is AtolMode.PROGRAMMING
    finally:
        kkt_driver.exit_mode()
    assert kkt_driver.status().mode.mode is AtolMode.SELECT


def test_wrong_mode_password_is_refused_with_0x8c(kkt_driver: AtolDriver) -> None:
    with pytest.raises(DeviceError) as caught:
        kkt_driver.enter_mode(AtolMode.PROGRAMMING, 1234)
    assert caught.value.code == 0x8C
    assert caught.value.message_ru == "Неверный пароль"
    assert kkt_driver.status().mode.mode is AtolMode.SELECT


def test_cashier_password_opens_registration_but_not_programming(kkt_driver: AtolDriver) -> None:
    kkt_driver.enter_mode(AtolMode.REGISTRATION, 5)
    try:
        status = kkt_driver.status()
        assert status.mode.mode is AtolMode.REGISTRATION
        assert status.cashier == 5
    finally:
        kkt_driver.exit_mode()
    with pytest.raises(DeviceError) as caught:
        kkt_driver.enter_mode(AtolMode.PROGRAMMING, 5)
    assert caught.value.code == 0x8C


@pytest.mark.emulator_only  # the code is our inference (protocol-notes/atol/commands.md)
def test_entering_a_mode_from_another_mode_is_refused(kkt_driver: AtolDriver) -> None:
    kkt_driver.enter_mode(AtolMode.PROGRAMMING, SYSADMIN_PASSWORD)
    with pytest.raises(DeviceError) as caught:
        kkt_driver.enter_mode(AtolMode.REGISTRATION, SYSADMIN_PASSWORD)
    assert caught.value.code == 0x66
    kkt_driver.to_select_mode()
    assert kkt_driver.status().mode.mode is AtolMode.SELECT


def test_set_and_read_back_the_clock(kkt_driver: AtolDriver) -> None:
    original = kkt_driver.read_datetime()
    target = (original + timedelta(days=3, hours=2)).replace(microsecond=0)
    kkt_driver.set_datetime(target)
    try:
        read = kkt_driver.read_datetime()
        assert abs((read - target).total_seconds()) <= 3
    finally:
        kkt_driver.set_datetime(datetime.now())
    assert abs((kkt_driver.read_datetime() - datetime.now()).total_seconds()) <= 3


@pytest.mark.emulator_only  # pairing of codes with the situation is inferred
@pytest.mark.parametrize(("fields", "code"), [
    ({"day": 31, "month": 2, "year": 30, "hour": 12, "minute": 0, "second": 0}, 0x94),
    ({"day": 1, "month": 13, "year": 30, "hour": 12, "minute": 0, "second": 0}, 0x94),
    ({"day": 1, "month": 2, "year": 30, "hour": 24, "minute": 0, "second": 0}, 0x95),
    ({"day": 1, "month": 2, "year": 30, "hour": 12, "minute": 60, "second": 0}, 0x95),
])
def test_impossible_dates_are_refused(kkt_driver: AtolDriver, fields: dict[str, int], code: int) -> None:
    before = kkt_driver.read_datetime()
    with pytest.raises(DeviceError) as caught:
        kkt_driver.execute(commands.SET_DATETIME, fields)
    assert caught.value.code == code
    assert abs((kkt_driver.read_datetime() - before).total_seconds()) <= 3


def test_one_driver_is_safe_to_share_between_threads(kkt_driver: AtolDriver) -> None:
    errors: list[BaseException] = []
    serials: list[str] = []

    def worker() -> None:
        try:
            for _ in range(15):
                serials.append(kkt_driver.status().serial_number)
                kkt_driver.state_code()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert len(serials) == 60 and len(set(serials)) == 1
