"""pytest plugin (entry point ``pytest11``): run the same tests on an emulator or a real device.

Options
    ``--device URL``            the device to test (default: ``$KKT_DEVICE``, else emulators)
    ``--allow-irreversible``    let ``irreversible`` tests run on a real device
    ``--emu-attachments LIST``  without ``--device``: emulator attachments to run on,
                                any of ``inprocess,pty,tcp`` (default ``inprocess``)
    ``--emu-transports LIST``   without ``--device``: ATOL transports, ``v2,v3`` (default ``v3``)

Markers
    ``hardware``        needs a real device; skipped on emulators
    ``emulator_only``   needs the emulator's control API or faults; skipped on a real device
    ``irreversible``    fiscalisation, closing the ФН, real Z-reports: skipped on a real device
                        unless ``--allow-irreversible``

Fixtures
    ``device_url``      the URL under test (tests using it are parametrized over every backend)
    ``kkt_driver``      a connected family driver; on an emulator the device starts fresh
    ``kkt``             the unified :class:`~kkt_drivers.kkt.Kkt` API over that driver
    ``kkt_emulator``    the emulator's control API (skips on a real device)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from ..connect import connect
from ..drivers.atol import AtolDriver
from ..kkt import Kkt
from ..transport.base import EmulatorControl
from ..url import parse_device_url

ATTACHMENT_SCHEMES = {"inprocess": "emu", "pty": "emu+pty", "tcp": "emu+tcp"}
_URLS = pytest.StashKey[list[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kkt", "fiscal register devices (kkt-drivers)")
    group.addoption("--device", default=None, help="device URL to test; default $KKT_DEVICE or emulators")
    group.addoption("--allow-irreversible", action="store_true", default=False,
                    help="run tests marked irreversible on a real device")
    group.addoption("--emu-attachments", default="inprocess",
                    help="without --device: comma list of emulator attachments (inprocess,pty,tcp)")
    group.addoption("--emu-transports", default="v3",
                    help="without --device: comma list of ATOL transports (v2,v3)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hardware: needs a real device; skipped on emulators")
    config.addinivalue_line("markers", "emulator_only: needs the emulator control API; skipped on real devices")
    config.addinivalue_line("markers", "irreversible: changes a real device for good; needs --allow-irreversible")
    config.stash[_URLS] = device_urls(config)  # options are checked here, before collection


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def device_urls(config: pytest.Config) -> list[str]:
    """The device URLs a run covers."""
    explicit = config.getoption("--device") or os.environ.get("KKT_DEVICE")
    if explicit:
        try:
            parse_device_url(explicit)  # fail early on a typo
        except ValueError as exc:
            raise pytest.UsageError(f"--device / KKT_DEVICE: {exc}") from exc
        return [explicit]
    attachments = _split(config.getoption("--emu-attachments"))
    transports = _split(config.getoption("--emu-transports"))
    unknown = [a for a in attachments if a not in ATTACHMENT_SCHEMES]
    if unknown:
        raise pytest.UsageError(f"--emu-attachments: unknown {unknown}; use inprocess, pty, tcp")
    bad = [t for t in transports if t not in ("v2", "v3")]
    if bad:
        raise pytest.UsageError(f"--emu-transports: unknown {bad}; use v2, v3")
    return [f"{ATTACHMENT_SCHEMES[a]}://atol?transport={t}" for a in attachments for t in transports]


def _is_emulator(url: str) -> bool:
    return parse_device_url(url).is_emulator


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "device_url" in metafunc.fixturenames:
        urls = metafunc.config.stash[_URLS]
        metafunc.parametrize("device_url", urls, ids=[u.replace("://atol?transport=", "-") for u in urls])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    allow = config.getoption("--allow-irreversible")
    for item in items:
        callspec = getattr(item, "callspec", None)
        url = callspec.params.get("device_url") if callspec is not None else None
        if url is None:
            continue
        emulated = _is_emulator(url)
        if item.get_closest_marker("hardware") and emulated:
            item.add_marker(pytest.mark.skip(reason="needs a real device (--device URL)"))
        if item.get_closest_marker("emulator_only") and not emulated:
            item.add_marker(pytest.mark.skip(reason="needs the emulator's control API"))
        if item.get_closest_marker("irreversible") and not emulated and not allow:
            item.add_marker(pytest.mark.skip(reason="irreversible on a real device; pass --allow-irreversible"))


@pytest.fixture
def kkt_driver(device_url: str) -> Iterator[AtolDriver]:
    """A connected driver; an emulated device starts from its initial state."""
    driver = connect(device_url)
    control = driver.session.transport.control
    if control is not None:
        control.reset()
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def kkt(kkt_driver: AtolDriver) -> Kkt:
    """The unified :class:`~kkt_drivers.kkt.Kkt` API over ``kkt_driver``."""
    return Kkt(kkt_driver)


@pytest.fixture
def kkt_emulator(kkt_driver: AtolDriver) -> EmulatorControl:
    """The emulator's control API; skips on a real device."""
    control: Any = kkt_driver.session.transport.control
    if control is None:
        pytest.skip("needs the emulator's control API")
    return control  # type: ignore[no-any-return]
