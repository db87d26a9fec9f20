"""«Меркурий MS-K» device side, sans-I/O, for the emulator: bytes in, request to an executor, frames out.

The executor gets each well-formed request (:class:`~.msk_framer.RequestFrame`) and returns the
answer *body* (build it with :func:`~.msk_framer.answer_body` or ``msk_commands.build_answer``);
this class frames it, keeps it for ``I`` («Повторить ответ») and sends it. What it answers on
its own, without the executor ([inferred] — the result codes exist in the device's table, the
exact behaviour is not published):

* ``I`` → the last answer again, byte for byte (it keeps the original command letter); with no
  answer kept yet → result ``0024`` «буфер ответа пуст» under the letter ``I``;
* a request with the wrong password → result ``0012`` «неверный пароль на связь», not executed;
* a frame with a bad checksum → result ``001E`` «неверная контрольная сумма (BCC)», not executed;
* a frame longer than the receive buffer → result ``000E`` «переполнение приёмного буфера»;
* a body that is not a request (no NUL after the password) → result ``0019`` «неверный формат
  команды»; frames cut short, and noise, get no answer at all.

Fault injection: ``withhold_next = N`` drops the next N answers *after* executing (the "answer
lost on the line" case); ``keepalives = K`` sends K ``06`` bytes before every executed answer (a
busy device, as in the captured sessions).
"""

from __future__ import annotations

from collections.abc import Callable

from .msk_framer import (
    ACK,
    DEFAULT_PASSWORD,
    MAX_BODY,
    REPEAT_COMMAND,
    BadFrame,
    Control,
    Frame,
    MskFrameError,
    MskFramer,
    RequestFrame,
    answer_body,
    encode,
    parse_request,
)

RESULT_BAD_FORMAT = 0x0019
RESULT_BAD_PASSWORD = 0x0012
RESULT_BAD_BCC = 0x001E
RESULT_BUFFER_OVERFLOW = 0x000E
RESULT_NO_ANSWER_KEPT = 0x0024

Executor = Callable[[RequestFrame], bytes]
#: returns the current (KKM status word, printer status byte) for answers the link makes itself
StatusSource = Callable[[], tuple[int, int]]


def _idle_status() -> tuple[int, int]:
    return 0, 0


class MskDeviceLink:
    """Device end of one connection."""

    def __init__(self, executor: Executor, *, password: bytes | None = DEFAULT_PASSWORD,
                 status: StatusSource = _idle_status, keepalives: int = 0, withhold_next: int = 0,
                 max_body: int = MAX_BODY) -> None:
        self.executor = executor
        #: the accepted «пароль на связь»; None accepts any
        self.password = password
        self.status = status
        #: ACK bytes sent before each executed command's answer
        self.keepalives = keepalives
        #: answers still to be dropped after execution (fault injection); counts down
        self.withhold_next = withhold_next
        self.framer = MskFramer(max_body)
        #: the last answer frame, as sent (or as it would have been sent)
        self.last_answer: bytes | None = None
        #: commands handed to the executor
        self.executed = 0
        #: answers dropped because of ``withhold_next``
        self.withheld = 0

    def reset(self) -> None:
        """A new connection: forget partial input (the device keeps its last answer)."""
        self.framer.reset()

    def receive(self, data: bytes) -> list[bytes]:
        """Feed host bytes; returns what the device writes, in order."""
        out: list[bytes] = []
        for event in self.framer.feed(data):
            if isinstance(event, Control):
                continue  # hosts send no control bytes; an ACK from the host means nothing
            wire = self._on_frame(event) if isinstance(event, Frame) else self._on_bad(event)
            if wire is not None:
                out.append(wire)
        return [chunk for chunk in out if chunk]

    def _error(self, command: int, result: int) -> bytes:
        status, printer = self.status()
        return encode(answer_body(command, status, result, printer), lowercase=True)

    def _send(self, wire: bytes, *, store: bool = True) -> bytes:
        if store:
            self.last_answer = wire
        if self.withhold_next > 0:
            self.withhold_next -= 1
            self.withheld += 1
            return b""
        return wire

    def _on_bad(self, event: BadFrame) -> bytes | None:
        command = event.command if event.command is not None and 0x20 < event.command < 0x7F else None
        if command is None or event.reason in ("short", "truncated"):
            return None
        if event.reason == "too-long":
            return self._send(self._error(command, RESULT_BUFFER_OVERFLOW))
        return self._send(self._error(command, RESULT_BAD_BCC))

    def _on_frame(self, frame: Frame) -> bytes | None:
        try:
            request = parse_request(frame.body)
        except MskFrameError:
            return self._send(self._error(frame.command, RESULT_BAD_FORMAT))
        if self.password is not None and request.password != self.password:
            return self._send(self._error(request.command, RESULT_BAD_PASSWORD))
        if request.command == REPEAT_COMMAND:
            if self.last_answer is None:
                return self._send(self._error(REPEAT_COMMAND, RESULT_NO_ANSWER_KEPT), store=False)
            return self._send(self.last_answer, store=False)
        self.executed += 1
        wire = encode(self.executor(request), lowercase=True)
        keepalive = bytes((ACK,)) * self.keepalives
        sent = self._send(wire)
        return keepalive + sent
