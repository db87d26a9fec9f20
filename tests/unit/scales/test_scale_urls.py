"""Scale URLs go through the same family table and option owners as registers."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from kkt_drivers.errors import ConfigurationError
from kkt_drivers.transport import make_transport
from kkt_drivers.transport.serial import SerialTransport
from kkt_drivers.transport.tcp import TcpTransport
from kkt_drivers.transport.udp import UdpTransport
from kkt_drivers.url import resolve_device_url


@pytest.mark.parametrize(("url", "family", "kind", "address"), [
    ("massak:///dev/ttyUSB0", "massak", SerialTransport, "/dev/ttyUSB0"),
    ("massak+tcp://10.0.0.7", "massak", TcpTransport, "tcp://10.0.0.7:5001"),
    ("cas+tcp://10.0.0.8:4001", "cas", TcpTransport, "tcp://10.0.0.8:4001"),
    ("caslp+tcp://10.0.0.9", "caslp", TcpTransport, "tcp://10.0.0.9:1001"),
    ("shtrihprint+udp://10.0.0.5", "shtrihprint", UdpTransport, "udp://10.0.0.5:1111"),
])
def test_a_scale_url_names_family_and_pipe(url: str, family: str, kind: type, address: str) -> None:
    resolved = resolve_device_url(url)
    assert resolved.url.family == family and resolved.family.kind == "scale"
    transport = make_transport(resolved)
    assert isinstance(transport, kind) and transport.address == address


def test_a_serial_scale_gets_its_family_baud_rate() -> None:
    transport = make_transport(resolve_device_url("cas:///dev/ttyS0"))
    assert isinstance(transport, SerialTransport) and transport.baudrate == 9600
    transport = make_transport(resolve_device_url("massak:///dev/ttyS0?baudrate=19200"))
    assert isinstance(transport, SerialTransport) and transport.baudrate == 19200


@pytest.mark.parametrize(("url", "message"), [
    ("massak:///dev/ttyUSB0?request=99", "massak: request must be one of auto, 23, a0, not '99'"),
    ("cas:///dev/ttyS0?enq=maybe", "cas: enq must be yes or no, not 'maybe'"),
    ("caslp+tcp://10.0.0.9?lognum=200", "caslp: lognum must be a whole number 0..127 (default 0), not '200'"),
    ("caslp+tcp://10.0.0.9?digits=mixed", "caslp: digits must be lsd or msd, not 'mixed'"),
    ("shtrihprint+udp://10.0.0.5?password=12", "shtrihprint: password must be 4 digits (default 0030), not '12'"),
    ("caslp+udp://10.0.0.9?baudrate=9600", "'baudrate' is an option of serial, "),
    ("massak+tcp://10.0.0.7?digits=lsd", "'digits' is an option of the caslp family, not of massak+tcp:// URLs"),
])
def test_a_wrong_option_is_refused_naming_whose_it_is(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        resolve_device_url(url)


def test_resolving_a_scale_url_loads_no_protocol() -> None:
    code = ("import sys\nfrom kkt_drivers.url import resolve_device_url\n"
            "for u in ('massak:///dev/ttyUSB0', 'cas+tcp://h:1', 'caslp+tcp://h', 'shtrihprint+udp://h'):\n"
            "    resolve_device_url(u)\n"
            "print([m for m in sys.modules if m.endswith('.driver') or any(\n"
            "       m.startswith(f'kkt_drivers.protocols.{f}') for f in ('massak', 'cas', 'shtrihprint'))])\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd="/").stdout
    assert out.strip() == "[]"
