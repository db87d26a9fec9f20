"""The mistakes a new user makes first — a wrong URL, a port that is not there, a network address where nothing
listens — are told in Russian in Russian: ``message_ru`` is a Russian sentence with the same facts (the path,
the port, the option), not the class title glued to the English text (and the OS error said once, not twice).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kkt_drivers import KktError
from kkt_drivers.hostlock import DeviceBusy, HostLock
from kkt_drivers.transport import open_transport
from kkt_drivers.url import resolve_device_url

CYRILLIC = re.compile("[а-яё]{4}", re.IGNORECASE)
#: three English words in a row: a sentence fragment (paths, hosts and option lists have no spaces)
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}\b")


def _free_port() -> int:
    """A TCP port nothing listens on: bound by us, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _open(url: str) -> None:
    transport = open_transport(resolve_device_url(url))
    transport.close()
    raise AssertionError(f"{url} opened")


def _no_permission(tmp_path: Path) -> str:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root may open anything")
    path = tmp_path / "ttyLOCKED"
    path.write_bytes(b"")
    path.chmod(0)
    return f"atol://{path}"


#: (id, how to make the URL, what fails with it, the fact its message must name, English words it must not carry)
CASES: list[tuple[str, Callable[[Path], str], Callable[[str], None], Callable[[str], str], tuple[str, ...]]] = [
    ("not-a-url", lambda _: "/dev/ttyUSB0", resolve_device_url, lambda u: "/dev/ttyUSB0",
     ("not", "expected", "device URL")),
    ("unknown-family", lambda _: "foo://x", resolve_device_url, lambda u: "'foo'", ("unknown", "known", "family")),
    ("unknown-connection", lambda _: "atol+ftp://x", resolve_device_url, lambda u: "'ftp'",
     ("unknown", "connection")),
    ("url-without-path", lambda _: "atol://", resolve_device_url, lambda u: "'atol://'", ("no address",)),
    ("emulator-without-family", lambda _: "emu://", resolve_device_url, lambda u: "emu://",
     ("name the", "emulated")),
    ("unknown-option", lambda _: "atol:///dev/ttyS0?speed=9600", resolve_device_url, lambda u: "'speed'",
     ("not an option", "they take")),
    ("misplaced-option", lambda _: "mercury:///dev/ttyS0?transport=v3", resolve_device_url, lambda u: "atol",
     ("an option of", "family", "URLs")),
    ("tcp-port-not-a-number", lambda _: "atol+tcp://10.0.0.5:55x5", _open, lambda u: "'55x5'",
     ("must be", "whole number")),
    ("tcp-without-port", lambda _: "cas+tcp://10.0.0.5", _open, lambda u: "10.0.0.5", ("name the port",)),
    ("bad-usb-address", lambda _: "atol+usb://xyz", _open, lambda u: "'xyz'", ("must be", "in hex")),
    ("no-such-serial-port", lambda _: "atol:///dev/ttyNOPE", _open, lambda u: "/dev/ttyNOPE",
     ("cannot", "could not", "No such file", "Errno")),
    ("not-a-serial-port", lambda _: "atol:///dev/null", _open, lambda u: "/dev/null",
     ("cannot", "configure", "Inappropriate", "ioctl")),
    ("serial-port-without-permission", _no_permission, _open, lambda u: u.split("://", 1)[1],
     ("no permission", "Permission denied", "Errno")),
    ("tcp-nothing-listens", lambda _: f"atol+tcp://127.0.0.1:{_free_port()}", _open,
     lambda u: u.rsplit(":", 1)[1], ("nothing", "listens")),
    ("http-nothing-listens", lambda _: f"mercury+http://127.0.0.1:{_free_port()}", _open,
     lambda u: u.rsplit(":", 1)[1], ("nothing", "listens")),
    ("tcp-unknown-host", lambda _: "atol+tcp://no-such-host.invalid:5555", _open, lambda u: "no-such-host.invalid",
     ("cannot connect", "Name or service", "not known", "Errno")),
    ("udp-unknown-host", lambda _: "shtrihprint+udp://no-such-host.invalid", _open,
     lambda u: "no-such-host.invalid", ("cannot resolve", "Name or service", "not known", "Errno")),
]


@pytest.mark.parametrize(("make_url", "attempt", "fact", "english"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_a_users_first_mistake_is_told_in_russian(tmp_path: Path, make_url: Callable[[Path], str],
                                                  attempt: Callable[[str], None], fact: Callable[[str], str],
                                                  english: tuple[str, ...]) -> None:
    url = make_url(tmp_path)
    with pytest.raises(KktError) as caught:
        attempt(url)
    russian, key = caught.value.message_ru, fact(url)
    assert CYRILLIC.search(russian), russian
    assert key in russian and key in str(caught.value), (key, russian)
    for word in english:
        assert word.lower() not in russian.lower(), (word, russian)
    assert not ENGLISH_RUN.search(russian), russian


def test_a_busy_device_is_told_in_russian(tmp_path: Path) -> None:
    holder, waiter = HostLock("serial:/dev/ttyLOCKED", directory=tmp_path), HostLock(
        "serial:/dev/ttyLOCKED", timeout=0.05, directory=tmp_path)
    holder.acquire()
    try:
        with pytest.raises(DeviceBusy) as caught:
            waiter.acquire()
    finally:
        holder.release()
        holder.close()
        waiter.close()
    russian = caught.value.message_ru
    assert "/dev/ttyLOCKED" in russian and "занято" in russian and "is busy" not in russian, russian
    assert not ENGLISH_RUN.search(russian), russian


def _kkt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "KKT_DEVICE"}
    return subprocess.run([sys.executable, "-m", "kkt_drivers.cli", *args], capture_output=True, text=True,
                          timeout=60, env=env)


def test_kkt_lang_ru_prints_a_missing_port_in_russian_and_json_says_the_os_error_once() -> None:
    done = _kkt("--lang", "ru", "--device", "atol:///dev/ttyNOPE", "status")
    assert done.returncode == 4, done.stderr
    line = done.stderr.strip()
    assert line.startswith("kkt: порт /dev/ttyNOPE не найден"), line
    assert "cannot" not in line and "Errno" not in line and not ENGLISH_RUN.search(line), line
    done = _kkt("--json", "--device", "atol:///dev/ttyNOPE", "status")
    error = json.loads(done.stdout)["error"]
    assert "cannot open /dev/ttyNOPE" in error["message"]  # the English text is unchanged
    assert "Errno" not in error["message_ru"] and "/dev/ttyNOPE" in error["message_ru"], error


def test_kkt_lang_ru_prints_an_unknown_family_in_russian() -> None:
    done = _kkt("--lang", "ru", "--device", "foo://x", "status")
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip()
    assert "'foo'" in line and "atol" in line and CYRILLIC.search(line), line
    assert "unknown" not in line and "known:" not in line, line
