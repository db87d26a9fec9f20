"""Whatever bytes arrive, the emulated Меркурий answers with its protocol's error and keeps serving: no
incident (an exception inside a handler), no document from garbage; hypothesis over both protocols and both
device-side links."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kkt_emu.core.device import VirtualDevice
from kkt_emu.personalities import connect_to, create_device
from samples import REGISTRATION

from kkt_drivers import ConfigurationError, Kkt
from kkt_drivers.protocols.incotex import msk_commands as mc
from kkt_drivers.protocols.incotex import msk_framer as mf
from kkt_drivers.protocols.incotex.json_api import CATALOGUE
from kkt_drivers.protocols.incotex.json_tcp import JsonTcpFramer, encode

SETTINGS = settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def device() -> Iterator[VirtualDevice]:
    """A registered register with an open shift: the state where garbage could do the most harm."""
    with Kkt.open("emu://mercury?name=mercury-robustness") as kkt:
        kkt.register(REGISTRATION)
        kkt.open_shift()
        control = kkt.driver.emulator
        assert control is not None
        yield control.device  # type: ignore[attr-defined]


letters = st.sampled_from(sorted({*mc.REGISTRY, 0x30, 0x4E, 0x7A}))
fields = st.lists(st.binary(max_size=20).map(lambda b: b.replace(b"\x00", b"").replace(b"\x02", b"")
                                             .replace(b"\x03", b"")), max_size=6)


@SETTINGS
@given(letter=letters, password=st.sampled_from([b"0000", b"1111"]), parts=fields)
def test_random_msk_requests_get_an_answer_and_no_incident(device: VirtualDevice, letter: int, password: bytes,
                                                           parts: list[bytes]) -> None:
    before = device.fiscal.status().last_fd_number
    incidents = device.incidents.total
    body = bytes((letter,)) + password + b"\x00" + b"".join(p + b"\x00" for p in parts)
    outcome = device.execute(body, 1)
    answer = mf.parse_answer(outcome.answer)
    assert answer.command == letter
    assert device.incidents.total == incidents
    if letter != 0x53:
        assert device.fiscal.status().last_fd_number in (before, before + 1)  # only the fiscal letters can add one
    if device.personality.machine.sale is not None:  # type: ignore[attr-defined]
        device.execute(b"S0000\x000\x0008\x00000\x00", 1)  # annul a receipt the garbage began


json_values: Any = st.recursive(st.none() | st.booleans() | st.integers(-5, 10**12) | st.text(max_size=12),
                                lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                                    st.text(max_size=8), inner, max_size=3), max_leaves=8)


@SETTINGS
@given(command=st.sampled_from(sorted(CATALOGUE)), extra=st.dictionaries(
    st.sampled_from(["checkType", "taxSystem", "cashierInfo", "productName", "qty", "price", "payment", "base",
                     "fiscalDocNum", "serverId", "serverAddress", "reportCode", "mc", "dateTime", "owner", "kkt",
                     "ofd", "taxSystem", "reason", "correctionInfo", "sum", "taxCode"]), json_values, max_size=5))
def test_random_service_requests_get_a_result_and_no_incident(device: VirtualDevice, command: str,
                                                               extra: dict[str, Any]) -> None:
    incidents = device.incidents.total
    front = device.personality.json  # type: ignore[attr-defined]
    key = next(iter(front.sessions), None)
    if key is None:
        key = json.loads(device.execute(b'{"command":"OpenSession","sessionKey":null,"portName":"USB",'
                                        b'"model":"185F"}').answer)["sessionKey"]
    if command in ("CloseSession", "ExchangeServerKKT", "TestServerKKT"):
        return  # these end the session / reach for the network: covered by their own tests
    request = {**extra, "command": command, "sessionKey": key}
    answer = json.loads(device.execute(json.dumps(request).encode()).answer)
    assert isinstance(answer["result"], int) and isinstance(answer["description"], str)
    assert device.incidents.total == incidents, device.incidents.recent()[-1].traceback
    if device.personality.machine.sale is not None:  # type: ignore[attr-defined]
        device.personality.machine.sale = None  # type: ignore[attr-defined]


@settings(max_examples=200)
@given(chunks=st.lists(st.binary(max_size=60), max_size=8))
def test_device_links_survive_any_bytes(chunks: list[bytes]) -> None:
    device = create_device("mercury")
    try:
        for variant in ("msk", "json"):
            connection = connect_to(device, variant)
            for chunk in chunks:
                connection.receive(chunk)
                connection.poll(connection.next_event() or 0)
                connection.take_output(float("inf"))
            assert device.incidents.total == 0
            if variant == "msk":  # an MS-K link finds the next frame by its STX
                connection.receive(b"\x03" + mf.encode(mc.build_request(mc.GetDateTime())))
                frames = [e for e in mf.MskFramer().feed(connection.take_output(float("inf")))
                          if isinstance(e, mf.Frame)]
                assert frames and mf.parse_answer(frames[-1].body).command == 0x48
            else:  # a length prefix cannot be found again in a stream: a new connection is served at once
                fresh = connect_to(device, "json")
                fresh.receive(encode(b'{"command":"GetDriverInfo"}'))
                [answer] = JsonTcpFramer().feed(fresh.take_output(float("inf")))
                assert json.loads(answer)["result"] == 0
    finally:
        device.close()


def test_a_damaged_json_length_prefix_is_dropped_after_silence_and_the_same_line_serves_again() -> None:
    """Over a connection that a client keeps (the pty the emulator once served JSON on), a length prefix damaged
    into megabytes must not swallow every request after it: found by the full fault matrix, where each retry of
    the driver (every 0.3 s) kept the emulator waiting for the rest of an 8 MB message. Once the line falls
    silent mid-message, the part is dropped and the next request on the same connection is answered."""
    device = create_device("mercury")
    try:
        connection = connect_to(device, "json")
        connection.receive(b"\x00\x80\x00\x37" + b'{"sessionKey":"x"', now=100.0)
        assert connection.take_output(float("inf")) == b""
        deadline = connection.next_event()
        assert deadline is not None and deadline <= 100.0 + 0.5  # the silence after which the part is dropped
        connection.poll(deadline)
        connection.receive(encode(b'{"command":"GetDriverInfo"}'), now=deadline + 0.01)
        [answer] = JsonTcpFramer().feed(connection.take_output(float("inf")))
        assert json.loads(answer)["result"] == 0
        assert device.incidents.total == 0
    finally:
        device.close()


def test_the_driver_service_json_is_refused_over_a_serial_line_by_driver_and_emulator() -> None:
    """The full fault matrix found it: JSON over a pty, a stalled status query asked again, and its second answer
    read as the next cash-in's ("ok" for cash that had not moved). The protocol has no request ids and only
    dropping a TCP connection loses a late answer, so a serial line is refused on both sides, before a byte."""
    with pytest.raises(ConfigurationError) as caught:
        Kkt.open("emu+pty://mercury?protocol=json")
    assert "serial line" in str(caught.value) and "protocol=msk" in str(caught.value)
    assert "последовательной линии" in caught.value.message_ru
    served = subprocess.run([sys.executable, "-m", "kkt_emu.cli", "serve", "--family", "mercury", "--transport",
                             "json", "--pty"], capture_output=True, text=True, timeout=30)
    assert served.returncode == 2 and "--tcp or --http, not --pty" in served.stderr, served.stderr
    with Kkt.open("emu+tcp://mercury?protocol=json") as kkt:  # over TCP it stays the driver service it is
        assert kkt.status().family == "mercury"
