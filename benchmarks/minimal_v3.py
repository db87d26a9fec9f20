"""The least Python an ATOL v3 status exchange can take: a hand-written device and client, no construct, no
session, link or personality layers — the floor of the ``roundtrip-*-v3`` groups (``test_roundtrip_minimal``).

Both sides put the same bytes on the wire as the driver and the emulator do for ``status()`` (checked by
``test_minimal_matches_driver_bytes``): the host writes ``C2 <previous tid>`` and ``C1 03 <tid> 00 00 3F`` in
one chunk, the device answers the ``C2`` with ``A3``, the task with ``A1`` and the result on packet ``F0`` as
``A6 <tid> <3F answer>``. The device's answer carries its clock as BCD; everything else in it is fixed. The
client decodes the fields ``status()`` returns. What it leaves out is what the layers buy: validation,
retries, recovery, locks, logging — so the row says what any Python implementation would pay for the pipe and
the bytes, not what ours should.
"""

from __future__ import annotations

import datetime as dt
import time

from kkt_emu.attach.echo import EchoConnection

__all__ = ["STATUS_TAIL", "MinimalV3Client", "MinimalV3Device"]


def crc8_table(poly: int = 0x31) -> tuple[int, ...]:
    """CRC-8 of ATOL v3 (poly 0x31, MSB first), by hand: the baselines' own table (``test_framing.py`` too)."""
    table = []
    for value in range(256):
        crc = value
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table.append(crc)
    return tuple(table)


_CRC = crc8_table()
_BCD = tuple(bytes(((v // 10) << 4 | v % 10,)) for v in range(100))
_FROM_BCD = {(v // 10) << 4 | v % 10: v for v in range(100)}

# The 3F answer after the date and time: flags, serial number (BCD), model, firmware, mode, receipt and shift
# numbers (BCD), receipt state, receipt sum (BCD), decimal point, interface — as a default emulated ATOL sends it.
STATUS_TAIL = bytes.fromhex("08 00 10 60 01 3d 05 01 00 00 01 00 00 00 00 00 00 00 00 02 04".replace(" ", ""))


def packet(packet_id: int, data: bytes) -> bytes:
    crc = 0xFF ^ packet_id
    crc = _CRC[crc]
    for byte in data:
        crc = _CRC[crc ^ byte]
    body = (data + bytes((crc,))).replace(b"\xfd", b"\xfd\xed").replace(b"\xfe", b"\xfd\xee")
    size = len(data)
    return bytes((0xFE, size & 0x7F, size >> 7, packet_id)) + body


def _packets(buffer: bytearray) -> list[tuple[int, bytes]]:
    """Take the complete packets off the front of ``buffer`` (a packet runs from one FE to the next)."""
    out = []
    while True:
        start = buffer.find(b"\xfe")
        if start < 0:
            buffer.clear()
            return out
        if len(buffer) - start < 4:
            del buffer[:start]
            return out
        size = buffer[start + 1] | buffer[start + 2] << 7
        end = buffer.find(b"\xfe", start + 1)
        raw = bytes(buffer[start + 4:end if end >= 0 else len(buffer)])
        body = raw.replace(b"\xfd\xee", b"\xfe").replace(b"\xfd\xed", b"\xfd")
        if len(body) < size + 1:
            del buffer[:start]
            return out
        out.append((buffer[start + 3], body[:size]))
        del buffer[:start + 4 + len(raw)]


class MinimalV3Device(EchoConnection):
    """A device connection for ``ServerLoop`` (the echo's interface, its output queue) that answers ``3F``."""

    def __init__(self) -> None:
        super().__init__()
        self._in = bytearray()

    def receive(self, data: bytes, now: float | None = None) -> None:
        self.last_input = time.monotonic() if now is None else now
        self._in += data
        for packet_id, data in _packets(self._in):
            if data[:1] == b"\xc2":
                self._out += packet(packet_id, b"\xa3")
            elif data[:1] == b"\xc1" and data[5:] == b"\x3f":
                now_ = dt.datetime.now()
                answer = (b"\x44\x00\x01" + _BCD[now_.year % 100] + _BCD[now_.month] + _BCD[now_.day]
                          + _BCD[now_.hour] + _BCD[now_.minute] + _BCD[now_.second] + STATUS_TAIL)
                self._out += packet(packet_id, b"\xa1") + packet(0xF0, b"\xa6" + data[2:3] + answer)


class MinimalV3Client:
    """``status()`` by hand over any object with ``write(bytes)`` and ``read(timeout) -> bytes``."""

    def __init__(self, transport: object, timeout: float = 2.0) -> None:
        self.transport = transport
        self.timeout = timeout
        self.tid = 0
        self.packet_id = 0
        self._in = bytearray()

    def request(self) -> bytes:
        """The chunk the next ``status()`` writes (advances the task and packet ids)."""
        previous, self.tid = self.tid, (self.tid + 1) % 0xE0
        ack, self.packet_id = self.packet_id, (self.packet_id + 1) % 0xDF
        task, self.packet_id = self.packet_id, (self.packet_id + 1) % 0xDF
        return packet(ack, bytes((0xC2, previous))) + packet(task, bytes((0xC1, 0x03, self.tid, 0, 0, 0x3F)))

    def status(self) -> tuple[dt.datetime, int, int, int]:
        """(clock, flags, serial number, mode) of the device."""
        write, read = self.transport.write, self.transport.read  # type: ignore[attr-defined]
        write(self.request())
        while True:
            chunk = read(self.timeout)
            if not chunk:
                raise TimeoutError("no answer to 3F")
            self._in += chunk
            for packet_id, data in _packets(self._in):
                if packet_id == 0xF0 and data[:2] == bytes((0xA6, self.tid)):
                    d = data[2:]
                    if d[0] != 0x44:
                        raise ValueError(f"3F refused: {d.hex()}")
                    b = _FROM_BCD
                    when = dt.datetime(2000 + b[d[3]], b[d[4]], b[d[5]], b[d[6]], b[d[7]], b[d[8]])
                    serial = int(d[10:14].hex())
                    return when, d[9], serial, d[15]
