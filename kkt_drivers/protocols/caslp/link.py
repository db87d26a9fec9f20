"""CAS LP 1.6, host side, as a sans-I/O state machine.

One exchange::

    host  n                (the scale's logical number)      only when not in step with the scale
    scale n 80             (echo and the ready byte)
    host  CMD DATA…        (the command and its fixed-size data)
    scale REPLY…  80       (the command's fixed-size reply, often none, then ready)   or   EE 80 (refused)

The handshake is done once; afterwards the ready byte that ends every reply says the scale waits for the next
command. After anything unexpected (a timeout, a refusal without its ready byte, stray bytes) the link waits
for the line to fall quiet, then shakes hands again. An exchange is repeated only for an ``idempotent``
request (every command the drivers send is: writing a record twice leaves the same record); ``EE`` is repeated
after a pause like a busy answer, since one source reads it as "busy" and the other as "failed".

A reply starting with ``AA`` (the acknowledgement one client expects) is accepted where it cannot be data: as
the whole answer to a command without a reply, and before a status (no status byte is ``AA``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ...errors import ProtocolError, Timeout
from ..actions import Action, Deliver, Fail, Send, Wait
from .commands import ACCEPTED, MAX_LOGICAL_NUMBER, READY, REFUSED, Cmd, check_request, refused, reply_size


@dataclass(frozen=True)
class CasLpTimeouts:
    """Deadlines (seconds) and retry counts. Ours [inferred]: one client waits 2 s for any byte."""

    sync: float = 0.5
    inter_byte: float = 0.2
    ready: float = 0.3
    drain: float = 0.15
    busy_pause: float = 0.2
    sync_tries: int = 3
    tries: int = 3
    busy_tries: int = 5
    drain_chunks: int = 64


class LinkState(Enum):
    IDLE = "idle"
    DRAIN = "drain"
    SYNC = "sync"
    REPLY = "reply"
    READY_WAIT = "ready-wait"
    REFUSED_WAIT = "refused-wait"
    BUSY_PAUSE = "busy-pause"


class CasLpLink:
    """Host side of one command at a time; ``logical_number`` is the scale's номер (0 by default)."""

    def __init__(self, logical_number: int = 0, timeouts: CasLpTimeouts | None = None) -> None:
        if not 0 <= logical_number <= MAX_LOGICAL_NUMBER:
            raise ValueError(f"CAS LP logical number must be 0..{MAX_LOGICAL_NUMBER}, got {logical_number}")
        self.logical_number = logical_number
        self.t = timeouts or CasLpTimeouts()
        self.state = LinkState.IDLE
        #: the scale's last byte was its ready byte: no handshake needed before the next command
        self.synced = False
        self._message = b""
        self._command = 0
        self._size = 0
        self._exec = 2.0
        self._idempotent = False
        self._tries = 0
        self._sync_tries = 0
        self._busy_tries = 0
        self._drained = 0
        self._buf = bytearray()
        self._pending = b""
        self._previous = -1

    @property
    def busy(self) -> bool:
        return self.state is not LinkState.IDLE

    def request(self, message: bytes, *, execution_timeout: float, idempotent: bool = False) -> list[Action]:
        if self.busy:
            raise ProtocolError("CAS LP link is busy with another command",
                                message_ru="канал CAS LP занят другой командой")
        self._command = check_request(message)  # InvalidParameter before anything is sent
        self._message = bytes(message)
        self._size = reply_size(self._command)
        self._exec = execution_timeout
        self._idempotent = idempotent
        self._tries = 1
        self._busy_tries = 0
        return self._start()

    # -- steps ---------------------------------------------------------------------------------
    def _start(self) -> list[Action]:
        return self._send_command() if self.synced else self._sync()

    def _sync(self) -> list[Action]:
        self.state = LinkState.SYNC
        self._sync_tries = 1
        self._previous = -1
        return [Send(bytes((self.logical_number,))), Wait(self.t.sync, "ack")]

    def _send_command(self) -> list[Action]:
        self.state = LinkState.REPLY
        self.synced = False  # until the ready byte of this reply
        self._buf = bytearray()
        return [Send(self._message), Wait(self._exec, "execution")]

    def _deliver(self, answer: bytes, *, synced: bool) -> list[Action]:
        self.state = LinkState.IDLE
        self.synced = synced
        return [Deliver(answer)]

    def _fail(self, error: Exception) -> list[Action]:
        self.state = LinkState.IDLE
        self.synced = False
        return [Fail(error)]

    def _retry(self, error: Exception) -> list[Action]:
        if not self._idempotent or self._tries >= self.t.tries:
            return self._fail(error)
        self._tries += 1
        return self._drain()

    def _drain(self) -> list[Action]:
        self.synced = False
        self.state = LinkState.DRAIN
        self._drained = 0
        return [Wait(self.t.drain, "inter-byte")]

    def _refused(self, *, synced: bool) -> list[Action]:
        self._busy_tries += 1
        if not self._idempotent or self._busy_tries >= self.t.busy_tries:
            self.state = LinkState.IDLE
            self.synced = synced
            return [Fail(refused(self._command))]
        self.synced = synced
        self.state = LinkState.BUSY_PAUSE
        return [Wait(self.t.busy_pause, "ack")]

    # -- events --------------------------------------------------------------------------------
    def receive(self, data: bytes) -> list[Action]:
        state = self.state
        if state in (LinkState.IDLE, LinkState.BUSY_PAUSE):
            return []  # nothing asked, or a pause: late bytes are dropped
        if state is LinkState.DRAIN:
            self._drained += 1
            if self._drained > self.t.drain_chunks:
                return self._sync()  # a line that never falls quiet: try the handshake anyway
            return [Wait(self.t.drain, "inter-byte")]
        if state is LinkState.SYNC:
            for byte in data:
                if byte == READY and self._previous == self.logical_number:
                    return self._send_command()
                self._previous = byte
            return []
        if state is LinkState.READY_WAIT:
            if READY in data:
                return self._deliver(self._pending, synced=True)
            return []
        if state is LinkState.REFUSED_WAIT:
            if READY in data:
                return self._refused(synced=True)
            return []
        self._buf += data
        return self._on_reply()

    def _on_reply(self) -> list[Action]:
        buf, size = self._buf, self._size
        if size == 0:
            first = buf[0]
            if first == READY:
                return self._deliver(b"", synced=len(buf) == 1)
            if first == ACCEPTED:
                if len(buf) > 1 and buf[1] == READY:
                    return self._deliver(b"", synced=True)
                self.state = LinkState.READY_WAIT
                self._pending = b""
                return [Wait(self.t.ready, "inter-byte")]
            if first == REFUSED:
                return self._on_refused_start()
            return self._retry(ProtocolError(f"CAS LP: unexpected 0x{first:02X} after command 0x{self._command:02X}"))
        if buf[0] == REFUSED and self._refusal_possible():
            if len(buf) == 1:
                return [Wait(self.t.inter_byte, "inter-byte")]
            if buf[1] == READY:
                return self._on_refused_start()
        if buf[0] == ACCEPTED and self._accepted_prefix_possible():
            del buf[0]
            if not buf:
                return [Wait(self.t.inter_byte, "inter-byte")]
        if len(buf) < size:
            return [Wait(self.t.inter_byte, "inter-byte")]
        answer, rest = bytes(buf[:size]), buf[size:]
        if not rest:
            self.state = LinkState.READY_WAIT
            self._pending = answer
            return [Wait(self.t.ready, "inter-byte")]
        if rest[0] == READY:
            return self._deliver(answer, synced=len(rest) == 1)
        return self._retry(ProtocolError(f"CAS LP: {len(rest)} bytes more than the {size} of a 0x{self._command:02X} "
                                         "reply"))

    def _refusal_possible(self) -> bool:
        """``EE 80`` at the start of a reply is a refusal unless the read-back of this very PLU starts so."""
        return not (self._command == Cmd.READ_PLU and self._message[1:3] == bytes((REFUSED, READY)))

    def _accepted_prefix_possible(self) -> bool:
        if self._command == Cmd.STATUS:
            return True
        return self._command == Cmd.READ_PLU and self._message[1] != ACCEPTED

    def _on_refused_start(self) -> list[Action]:
        if len(self._buf) >= 2 and self._buf[1] == READY:
            return self._refused(synced=True)
        self.state = LinkState.REFUSED_WAIT
        return [Wait(self.t.ready, "inter-byte")]

    def timeout(self) -> list[Action]:
        state = self.state
        if state is LinkState.DRAIN:
            return self._sync()
        if state is LinkState.SYNC:
            self._sync_tries += 1
            if self._sync_tries > self.t.sync_tries:
                return self._fail(Timeout(f"the CAS LP scale does not answer its logical number {self.logical_number}",
                                          phase="ack", maybe_executed=False,
                                          message_ru=f"весы CAS LP не отвечают на свой логический номер "
                                                     f"{self.logical_number}"))
            self._previous = -1
            return [Send(bytes((self.logical_number,))), Wait(self.t.sync, "ack")]
        if state is LinkState.REPLY:
            what = "no reply" if not self._buf else f"a reply stalled after {len(self._buf)} bytes"
            what_ru = "ответа нет" if not self._buf else f"ответ оборвался после {len(self._buf)} байт"
            return self._retry(Timeout(f"CAS LP command 0x{self._command:02X}: {what}",
                                       phase="execution" if not self._buf else "inter-byte", maybe_executed=True,
                                       message_ru=f"команда весов CAS LP 0x{self._command:02X}: {what_ru}"))
        if state is LinkState.READY_WAIT:
            return self._deliver(self._pending, synced=False)
        if state is LinkState.REFUSED_WAIT:
            return self._refused(synced=False)
        if state is LinkState.BUSY_PAUSE:
            return self._start()
        return []

    def abort(self) -> None:
        """Forget the current command (after a transport error); the next one shakes hands first."""
        self.state = LinkState.IDLE
        self.synced = False
