"""ATOL transport v3 framing, sans-I/O: ``FE LEN0 LEN1 ID <escaped DATA> <escaped CRC>``.

* ``LEN0 = len & 0x7F``, ``LEN1 = len >> 7`` where ``len`` counts unescaped DATA bytes;
* inside DATA and the CRC, ``FE`` is sent as ``FD EE`` and ``FD`` as ``FD ED``;
* CRC-8 (poly 0x31, init 0xFF, MSB first) over ``ID`` and DATA.

Sources disagree on whether the CRC covers DATA before or after escaping. :func:`encode` follows
atol4j (unescaped, its later "fixed" behaviour); the decoder accepts either when
``accept_escaped_crc`` is set, which is what the emulator does. An ``FE`` anywhere restarts the
packet; ``FD`` followed by anything but ``EE``/``ED`` spoils it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..common.crc import crc8_atol

START, ESC, ESC_START, ESC_ESC = 0xFE, 0xFD, 0xEE, 0xED
ASYNC_ID = 0xF0
MAX_DATA = 0x3FFF  # the largest value the 7+7-bit length can carry


@dataclass(frozen=True, slots=True)
class Packet:
    """A packet with a good CRC. Empty ``data`` from a peer means "resend packet ``packet_id``"."""

    packet_id: int
    data: bytes


@dataclass(frozen=True, slots=True)
class BadPacket:
    """A packet that failed: ``reason`` is ``crc``, ``escape``, ``length``, ``id`` or ``truncated``.

    ``packet_id`` is set only when it is a valid id (one a reply may carry)."""

    packet_id: int | None
    reason: str


Event = Packet | BadPacket


def escape(data: bytes) -> bytes:
    if b"\xfe" not in data and b"\xfd" not in data:
        return data
    return data.replace(b"\xfd", b"\xfd\xed").replace(b"\xfe", b"\xfd\xee")


#: each byte value as it goes on the wire (the CRC byte is escaped like data)
_ESCAPED_BYTE = tuple(escape(bytes((value,))) for value in range(256))


def encode(packet_id: int, data: bytes, *, crc_over_escaped: bool = False) -> bytes:
    """Build the on-wire packet. ``crc_over_escaped`` produces the KAZ variant (for tests)."""
    size = len(data)
    if size > MAX_DATA:
        raise ValueError(f"v3 packet data too long: {size} > {MAX_DATA}")
    if not 0 <= packet_id <= 0xFF or packet_id in (START, ESC):
        raise ValueError(f"bad packet id {packet_id}")
    escaped = escape(data)
    crc = crc8_atol(bytes((packet_id,)) + (escaped if crc_over_escaped else data))
    return bytes((START, size & 0x7F, size >> 7, packet_id)) + escaped + _ESCAPED_BYTE[crc]


class AtolV3Framer:
    """Feed-style decoder with bounded memory."""

    __slots__ = ("_buf", "_esc", "_id", "_len", "_max", "_raw", "_state", "accept_escaped_crc", "noise")

    _IDLE, _LEN0, _LEN1, _ID, _DATA, _CRC = range(6)

    def __init__(self, *, max_data: int = MAX_DATA, accept_escaped_crc: bool = False) -> None:
        self._max = max_data
        self.accept_escaped_crc = accept_escaped_crc
        self._buf = bytearray()
        self._raw = bytearray()
        self._state = self._IDLE
        self._len = 0
        self._id = 0
        self._esc = False
        self.noise = 0

    def reset(self) -> None:
        self._state = self._IDLE
        self._buf.clear()
        self._raw.clear()
        self._esc = False

    @property
    def in_frame(self) -> bool:
        return self._state != self._IDLE

    encode = staticmethod(encode)

    def _finish(self, crc: int, events: list[Event]) -> None:
        data = bytes(self._buf)
        head = bytes((self._id,))
        if crc8_atol(head + data) == crc or (
                self.accept_escaped_crc and crc8_atol(head + bytes(self._raw)) == crc):
            events.append(Packet(self._id, data))
        else:
            events.append(BadPacket(self._id, "crc"))
        self._state = self._IDLE

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        i, end = 0, len(data)
        while i < end:
            state = self._state
            if state == self._IDLE and i + 3 < end and data[i] == START and self._header(data, i):
                i = self._whole(data, i + 4, events)
                continue
            if state == self._DATA and not self._esc:
                # bulk path: copy a run of plain bytes (no FE/FD) up to the end of DATA in one slice
                want = self._len - len(self._buf)
                stop = min(end, i + want)
                run = data[i:stop]
                cut = min((p for p in (run.find(b"\xfe"), run.find(b"\xfd")) if p >= 0), default=len(run))
                if cut:
                    self._buf += run[:cut]
                    if self.accept_escaped_crc:  # the on-wire copy is only needed for the second CRC rule
                        self._raw += run[:cut]
                    i += cut
                    if len(self._buf) == self._len:
                        self._state = self._CRC
                    continue
            self._step(data[i], events)
            i += 1
        return events

    def _header(self, data: bytes, i: int) -> bool:
        """Fast path: a whole good header ``FE LEN0 LEN1 ID`` at ``data[i]`` while idle is taken in one go
        (what :meth:`_step` does byte by byte); False leaves anything unusual to :meth:`_step`."""
        len0, len1, packet_id = data[i + 1], data[i + 2], data[i + 3]
        size = len0 | (len1 << 7)
        if len0 & 0x80 or len1 & 0x80 or size > self._max or packet_id in (START, ESC):
            return False
        self._buf.clear()
        self._raw.clear()
        self._esc = False
        self._len = size
        self._id = packet_id
        self._state = self._DATA if size else self._CRC
        return True

    def _whole(self, data: bytes, start: int, events: list[Event]) -> int:
        """After a fast-path header: when DATA and the CRC byte that follow are all in ``data`` and need no
        unescaping (no ``FE``/``FD``), finish the packet at once; returns where to go on from."""
        stop = start + self._len
        if stop >= len(data):
            return start
        body = data[start:stop]
        crc = data[stop]
        if crc == START or crc == ESC or b"\xfe" in body or b"\xfd" in body:
            return start
        packet_id = self._id
        # with nothing escaped the on-wire DATA is DATA, so the second CRC rule cannot differ from the first
        if crc8_atol(bytes((packet_id,)) + body) == crc:
            events.append(Packet(packet_id, bytes(body)))
        else:
            events.append(BadPacket(packet_id, "crc"))
        self._state = self._IDLE
        return stop + 1

    def _step(self, byte: int, events: list[Event]) -> None:
        state = self._state
        if byte == START:
            if state != self._IDLE:
                events.append(BadPacket(self._id if state > self._ID else None, "truncated"))
            self._state = self._LEN0
            self._buf.clear()
            self._raw.clear()
            self._esc = False
            return
        if state == self._IDLE:
            self.noise += 1
        elif state == self._LEN0:
            if byte & 0x80:
                events.append(BadPacket(None, "length"))
                self._state = self._IDLE
            else:
                self._len = byte
                self._state = self._LEN1
        elif state == self._LEN1:
            size = self._len | (byte << 7)
            if byte & 0x80 or size > self._max:
                events.append(BadPacket(None, "length"))
                self._state = self._IDLE
            else:
                self._len = size
                self._state = self._ID
        elif state == self._ID:
            if byte == ESC:  # no packet can carry this id (encode refuses it): the packet is bad
                events.append(BadPacket(None, "id"))
                self._state = self._IDLE
                return
            self._id = byte
            self._state = self._DATA if self._len else self._CRC
        else:
            if self._esc:
                self._esc = False
                if byte == ESC_START:
                    value = START
                elif byte == ESC_ESC:
                    value = ESC
                else:
                    events.append(BadPacket(self._id, "escape"))
                    self._state = self._IDLE
                    return
                if state == self._DATA and self.accept_escaped_crc:
                    self._raw += bytes((ESC, byte))
            elif byte == ESC:
                self._esc = True
                return
            else:
                value = byte
                if state == self._DATA and self.accept_escaped_crc:
                    self._raw.append(byte)
            if state == self._DATA:
                self._buf.append(value)
                if len(self._buf) == self._len:
                    self._state = self._CRC
            else:
                self._finish(value, events)
