"""Raw-TCP form of the INECRMAN JSON protocol, sans-I/O: ``<length: 4 bytes big-endian> <JSON>``.

Both directions carry one JSON document per message, preceded by its byte length as an unsigned
32-bit big-endian integer ([S2]: the client writes the four length bytes most significant first
and strips four bytes from the answer). The default port is not published.

A length above ``max_length`` cannot be skipped safely (the next message boundary is lost), so
:meth:`JsonTcpFramer.feed` raises :class:`JsonFrameError` (carrying any messages completed before
it) and the framer stays broken until :meth:`reset` — the connection has to be dropped.
"""

from __future__ import annotations

from ...errors import FrameError, InvalidParameter

HEADER = 4
#: a whole goods base (10 000 items of a few hundred bytes) fits comfortably
MAX_LENGTH = 16 * 1024 * 1024


class JsonFrameError(FrameError):
    """A length prefix announced more than the framer accepts.

    ``messages`` holds the messages that were complete before the bad prefix in the same chunk.
    """

    def __init__(self, message: str, messages: list[bytes] | None = None) -> None:
        super().__init__(message)
        self.messages = messages or []


def encode(payload: bytes, *, max_length: int = MAX_LENGTH) -> bytes:
    if len(payload) > max_length:
        raise InvalidParameter(f"JSON message of {len(payload)} bytes exceeds {max_length}",
                               message_ru=f"сообщение JSON из {len(payload)} байт превышает {max_length}")
    return len(payload).to_bytes(HEADER, "big") + payload


class JsonTcpFramer:
    """Feed-style decoder; holds at most ``max_length + 3`` bytes between calls."""

    __slots__ = ("_broken", "_buf", "_max", "_need")

    def __init__(self, max_length: int = MAX_LENGTH) -> None:
        self._max = max_length
        self._buf = bytearray()
        self._need: int | None = None
        self._broken = False

    encode = staticmethod(encode)

    @property
    def in_message(self) -> bool:
        """True while part of a message has arrived (an inter-byte deadline applies)."""
        return bool(self._buf) or self._need is not None

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def reset(self) -> None:
        self._buf.clear()
        self._need = None
        self._broken = False

    def feed(self, data: bytes) -> list[bytes]:
        if self._broken:
            raise JsonFrameError("JSON/TCP framer is out of step after an oversized length; reset it")
        messages: list[bytes] = []
        buf = self._buf
        view = memoryview(data)
        pos = 0
        while pos < len(view):
            if self._need is None:
                take = min(HEADER - len(buf), len(view) - pos)
                buf += view[pos:pos + take]
                pos += take
                if len(buf) < HEADER:
                    break
                length = int.from_bytes(buf, "big")
                buf.clear()
                if length > self._max:
                    self._broken = True
                    raise JsonFrameError(f"JSON/TCP message of {length} bytes announced; at most {self._max}",
                                         messages)
                self._need = length
            take = min(self._need - len(buf), len(view) - pos)
            buf += view[pos:pos + take]
            pos += take
            if len(buf) == self._need:
                messages.append(bytes(buf))
                buf.clear()
                self._need = None
        return messages
