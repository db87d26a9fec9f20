"""Framing cost: encode + decode of one 3F status answer, our framers versus a hand-written baseline.

Each benchmark builds the on-wire frame for the same 30-byte payload and decodes it back with a
checked checksum. "ours" uses :mod:`kkt_drivers.protocols.atol.framer_v2` / ``framer_v3``
(``encode`` plus the feed-style decoder, one instance reused across iterations); "baseline" is the
shortest plain-Python code doing the same job with ``bytes``/``struct`` operations, a 256-entry
CRC-8 table and a XOR loop. Both must produce identical bytes; that is asserted at import time, so
a smoke run (``--benchmark-disable``) also checks it.

Compare the two rows of one group from one run: ``median(ours) / median(baseline)``.
"""

from __future__ import annotations

import struct

import pytest
from minimal_v3 import crc8_table
from pytest_benchmark.fixture import BenchmarkFixture

from kkt_drivers.protocols.atol import framer_v2, framer_v3
from kkt_drivers.protocols.atol.framer_v2 import AtolV2Framer
from kkt_drivers.protocols.atol.framer_v3 import AtolV3Framer

# -- the payload: answer 44 to command 3F (Запрос состояния ККТ), 1 + 29 bytes -------------------
# Layout as in kkt_drivers.protocols.atol.commands.STATUS. Values are chosen so that both framers
# have to escape: 0x03 (ETX) and 0x10 (DLE) for v2, 0xFE (START) and 0xFD (ESC) for v3.
STATUS_ANSWER = bytes((
    0x44,                          # answer code
    0x30,                          # cashier, BCD 30
    0x01,                          # hall number
    0x26, 0x11, 0x24,              # date YY MM DD, BCD
    0x08, 0x25, 0x03,              # time hh mm ss, BCD -> 0x03 (ETX)
    0x4A,                          # flags: FN active, paper present, shift open
    0x00, 0x10, 0x03, 0x42,        # serial number 00100342, BCD -> 0x10 (DLE), 0x03
    0x3D,                          # model
    0xFE, 0xFD,                    # firmware, two raw bytes -> START, ESC
    0x01,                          # mode: registration
    0x00, 0x10,                    # receipt number 10, BCD -> 0x10
    0x00, 0x03,                    # shift number 3, BCD -> 0x03
    0x00,                          # receipt state: closed
    0x00, 0x00, 0x01, 0x00, 0x00,  # receipt sum, BCD
    0x02,                          # decimal point
    0x01,                          # interface
))
assert len(STATUS_ANSWER) == 30
V3_PACKET_ID = 0x21

# -- baseline v2: STX <DLE-stuffed data> ETX LRC; LRC = XOR of the bytes after STX up to ETX -----


def _xor(data: bytes) -> int:
    lrc = 0
    for byte in data:
        lrc ^= byte
    return lrc


def baseline_v2_encode(payload: bytes) -> bytes:
    body = payload.replace(b"\x10", b"\x10\x10").replace(b"\x03", b"\x10\x03") + b"\x03"
    return b"\x02" + body + bytes((_xor(body),))


def baseline_v2_decode(frame: bytes) -> bytes:
    if frame[0] != 0x02:
        raise ValueError("no STX")
    body = frame[1:-1]
    if body[-1] != 0x03 or _xor(body) != frame[-1]:
        raise ValueError("bad ETX or LRC")
    stuffed = body[:-1]
    out = bytearray()
    pos = 0
    while True:
        dle = stuffed.find(0x10, pos)
        if dle < 0:
            out += stuffed[pos:]
            return bytes(out)
        out += stuffed[pos:dle]
        out.append(stuffed[dle + 1])
        pos = dle + 2


# -- baseline v3: FE LEN0 LEN1 ID <escaped DATA> <escaped CRC>; CRC-8 0x31/0xFF over ID + DATA ---


CRC8_TABLE = crc8_table()


def _crc8(data: bytes, crc: int = 0xFF) -> int:
    table = CRC8_TABLE
    for byte in data:
        crc = table[crc ^ byte]
    return crc


def _escape(data: bytes) -> bytes:
    return data.replace(b"\xfd", b"\xfd\xed").replace(b"\xfe", b"\xfd\xee")


def baseline_v3_encode(packet_id: int, data: bytes) -> bytes:
    size = len(data)
    crc = _crc8(data, CRC8_TABLE[0xFF ^ packet_id])
    return struct.pack("4B", 0xFE, size & 0x7F, size >> 7, packet_id) + _escape(data) + _escape(bytes((crc,)))


def baseline_v3_decode(packet: bytes) -> tuple[int, bytes]:
    start, len0, len1, packet_id = struct.unpack_from("4B", packet)
    if start != 0xFE or b"\xfe" in packet[1:]:
        raise ValueError("bad start")
    size = len0 | (len1 << 7)
    # every FD is an escape lead, so the two replaces cannot overlap
    body = packet[4:].replace(b"\xfd\xee", b"\xfe").replace(b"\xfd\xed", b"\xfd")
    if len(body) != size + 1:
        raise ValueError("bad length or escape")
    data = body[:size]
    if _crc8(data, CRC8_TABLE[0xFF ^ packet_id]) != body[size]:
        raise ValueError("bad CRC")
    return packet_id, data


# -- the measured bodies --------------------------------------------------------------------------
_V2_FRAMER = AtolV2Framer()
_V3_FRAMER = AtolV3Framer()


def ours_v2(payload: bytes = STATUS_ANSWER) -> tuple[bytes, bytes]:
    wire = framer_v2.encode(payload)
    (event,) = _V2_FRAMER.feed(wire)
    assert isinstance(event, framer_v2.Frame)
    return wire, event.payload


def baseline_v2(payload: bytes = STATUS_ANSWER) -> tuple[bytes, bytes]:
    wire = baseline_v2_encode(payload)
    return wire, baseline_v2_decode(wire)


def ours_v3(payload: bytes = STATUS_ANSWER) -> tuple[bytes, bytes]:
    wire = framer_v3.encode(V3_PACKET_ID, payload)
    (event,) = _V3_FRAMER.feed(wire)
    assert isinstance(event, framer_v3.Packet) and event.packet_id == V3_PACKET_ID
    return wire, event.data


def baseline_v3(payload: bytes = STATUS_ANSWER) -> tuple[bytes, bytes]:
    wire = baseline_v3_encode(V3_PACKET_ID, payload)
    packet_id, data = baseline_v3_decode(wire)
    assert packet_id == V3_PACKET_ID
    return wire, data


# The baseline does the same job: identical wire bytes, identical decoded payload, stuffing used.
_V2_WIRE, _V2_PAYLOAD = ours_v2()
assert (_V2_WIRE, _V2_PAYLOAD) == baseline_v2() and _V2_PAYLOAD == STATUS_ANSWER
assert len(_V2_WIRE) > len(STATUS_ANSWER) + 3  # DLE stuffing happened
_V3_WIRE, _V3_PAYLOAD = ours_v3()
assert (_V3_WIRE, _V3_PAYLOAD) == baseline_v3() and _V3_PAYLOAD == STATUS_ANSWER
assert len(_V3_WIRE) > len(STATUS_ANSWER) + 5  # FE/FD escaping happened


@pytest.mark.benchmark(group="framing-v2")
def test_framing_v2_ours(benchmark: BenchmarkFixture) -> None:
    assert benchmark(ours_v2) == (_V2_WIRE, STATUS_ANSWER)


@pytest.mark.benchmark(group="framing-v2")
def test_framing_v2_baseline(benchmark: BenchmarkFixture) -> None:
    assert benchmark(baseline_v2) == (_V2_WIRE, STATUS_ANSWER)


@pytest.mark.benchmark(group="framing-v3")
def test_framing_v3_ours(benchmark: BenchmarkFixture) -> None:
    assert benchmark(ours_v3) == (_V3_WIRE, STATUS_ANSWER)


@pytest.mark.benchmark(group="framing-v3")
def test_framing_v3_baseline(benchmark: BenchmarkFixture) -> None:
    assert benchmark(baseline_v3) == (_V3_WIRE, STATUS_ANSWER)
