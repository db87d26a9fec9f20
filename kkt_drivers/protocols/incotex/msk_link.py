"""«Меркурий MS-K» host side, as a sans-I/O state machine.

One command is one exchange (protocol-notes/incotex/README.md, "Link"):

1. the host sends the request frame; the device does not acknowledge it;
2. while it works, the device may send single ``06`` keep-alive bytes: each one re-arms the
   execution deadline (the command is still running), up to ``max_keepalives`` per exchange;
3. the device sends one answer frame echoing the command letter (or ``0`` for an error answer).
   The host does not acknowledge answers.

Nothing ties an answer to a request except the echoed letter, so [inferred]:

* an answer with another letter is a late answer of an earlier exchange and is dropped;
* idempotent commands that met silence or a damaged answer are simply sent again;
* other commands are never sent twice: a lost or damaged answer is asked for with ``I``
  («Повторить ответ»). The repeated answer is taken as ours only if it carries our letter and
  differs from the last answer this link delivered; otherwise it may be the previous exchange's
  answer, and the exchange fails. A damaged frame proves nothing — its letter byte may be damaged
  too — so a fresh link (nothing delivered yet) cannot recover a fiscal answer: send a harmless
  query first (``J`` or ``E``);
* every failure after the request went out is :class:`Timeout` with ``maybe_executed=True`` (MS-K
  has no acknowledgement that would prove the device never took the request). The letter of a
  failed non-idempotent command is *tainted*: it cannot be sent again until an exchange with
  another letter has ended — the device answers in order, so by then any late copy of the failed
  exchange's answer has arrived and been dropped. Reading the last document (``J``) is the
  natural such exchange, and the caller needs its content anyway before deciding to repeat;
* after a recovered exchange, surplus copies of the delivered answer (a late original, extra
  ``I`` answers) are dropped when they show up at the start of the next exchange.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ...errors import InvalidParameter, ProtocolError, Timeout
from ..actions import Action, Deliver, Fail, Send, Wait
from .msk_framer import ACK, ERROR_COMMAND, REPEAT_COMMAND, BadFrame, Control, Frame, MskFramer, encode

#: what :meth:`MskLink._extend` counted, in Russian
_WHAT_RU = {"keep-alives": "сигналов ожидания", "empty frames": "пустых кадров",
            "late frames of other commands": "запоздалых кадров других команд",
            "late frames of earlier exchanges": "запоздалых кадров прежних обменов"}


@dataclass(frozen=True)
class MskTimeouts:
    """Deadlines (seconds) and retry counts. None of them is published; see the protocol notes."""

    #: between two bytes of one answer frame
    inter_byte: float = 1.0
    #: for the answer to ``I`` (the device only has to resend what it keeps)
    repeat_answer: float = 3.0
    #: how many times ``I`` is sent before giving up
    repeat_tries: int = 3
    #: how many times an idempotent command that met silence is sent again
    resend_tries: int = 2
    #: keep-alive bytes accepted in one exchange before the device counts as stuck
    max_keepalives: int = 100_000


class LinkState(enum.Enum):
    IDLE = "idle"
    #: the request is out; waiting for keep-alives or the answer
    WAIT_ANSWER = "wait-answer"
    #: ``I`` is out; waiting for the repeated answer
    RECOVERING = "recovering"


class MskLink:
    """Host side of one MS-K exchange at a time."""

    def __init__(self, timeouts: MskTimeouts | None = None, *, max_body: int | None = None) -> None:
        self.t = timeouts or MskTimeouts()
        self.framer = MskFramer() if max_body is None else MskFramer(max_body)
        self.state = LinkState.IDLE
        self._frame = b""
        self._repeat_frame = b""
        self._command = 0
        self._exec = 10.0
        self._idempotent = False
        self._resends = 0
        self._repeats = 0
        #: keep-alives and late frames of other exchanges seen in this exchange (each one re-arms a deadline)
        self._extensions = 0
        #: frames sent in this exchange that the device may answer with our command letter
        self._copies = 0
        #: good frames with our command letter received in this exchange
        self._seen = 0
        #: phase of the last deadline armed
        self._armed = ""
        #: the last answer delivered by an exchange; None = not trustworthy (after a failure or abort)
        self._last_answer: bytes | None = None
        #: copies of ``_last_answer`` that may still arrive (answers to surplus requests or ``I``)
        self._stale_copies = 0
        #: letter of a non-idempotent command whose exchange failed; late copies of its answer may
        #: still come, so it may not be sent again until an exchange with another letter has ended
        self.tainted: int | None = None

    @property
    def busy(self) -> bool:
        return self.state != LinkState.IDLE

    # -- starting an exchange ----------------------------------------------------------------

    def request(self, message: bytes, *, execution_timeout: float, idempotent: bool = False) -> list[Action]:
        """Send ``message`` (a request body: command letter, password, NUL, fields)."""
        if self.busy:
            raise ProtocolError("MS-K link is busy with another exchange", message_ru="канал МС-К занят другим обменом")
        if execution_timeout <= 0:
            raise InvalidParameter(f"execution timeout must be positive, got {execution_timeout}",
                                   message_ru="таймаут выполнения должен быть положительным, получено "
                                              f"{execution_timeout}")
        if not message or not 0x20 < message[0] < 0x7F:
            raise InvalidParameter("an MS-K request starts with a printable command letter",
                                   message_ru="запрос МС-К начинается с печатной буквы команды")
        end = message.find(b"\x00", 1)
        if end < 0:
            raise InvalidParameter("an MS-K request needs a NUL after its password",
                                   message_ru="в запросе МС-К после пароля нужен NUL")
        if message[0] == self.tainted and not idempotent:
            raise ProtocolError(f"the last {chr(message[0])!r} exchange failed and its answer may still arrive; "
                                "read the device state with another command (e.g. 'J', last document) first",
                                message_ru=f"последний обмен {chr(message[0])!r} не удался, и его ответ ещё может "
                                           "прийти; сначала прочитайте состояние ККТ другой командой (например, "
                                           "'J', последний документ)")
        self._frame = encode(message)
        self._repeat_frame = encode(bytes((REPEAT_COMMAND,)) + message[1:end + 1])
        self._command = message[0]
        self._exec = execution_timeout
        self._idempotent = idempotent or self._command == REPEAT_COMMAND
        self._resends = self._repeats = self._extensions = self._seen = 0
        self._copies = 1
        self.state = LinkState.WAIT_ANSWER
        return [Send(self._frame), self._wait(self._exec, "execution")]

    def _wait(self, seconds: float, phase: str) -> Wait:
        self._armed = phase
        return Wait(seconds, phase)

    def _phase_wait(self) -> Wait:
        if self.state == LinkState.RECOVERING:
            return self._wait(self.t.repeat_answer, "ack")
        return self._wait(self._exec, "execution")

    # -- endings ----------------------------------------------------------------------------

    def _deliver(self, body: bytes) -> list[Action]:
        # Every copy sent but not yet answered may still produce an answer (a late original, or the
        # answer to a surplus ``I``); the next exchange drops that many copies of this answer.
        self._stale_copies = max(0, self._copies - self._seen)
        if self.tainted is not None and self.tainted != self._command:
            self.tainted = None  # the device answers in order: late copies came before this answer
        self.state = LinkState.IDLE
        self._last_answer = body
        return [Deliver(body)]

    def _fail(self, message: str, phase: str, message_ru: str | None = None) -> list[Action]:
        self.state = LinkState.IDLE
        self.framer.reset()
        self._last_answer = None  # a late answer of this exchange may still come: trust nothing
        self._stale_copies = 0
        if not self._idempotent:
            self.tainted = self._command
        return [Fail(Timeout(message, phase=phase, maybe_executed=True, message_ru=message_ru))]

    # -- events -----------------------------------------------------------------------------

    def receive(self, data: bytes) -> list[Action]:
        actions: list[Action] = []
        for event in self.framer.feed(data):
            actions.extend(self._on_event(event))
            if actions and isinstance(actions[-1], (Deliver, Fail)):
                return actions
        if self.busy:
            if self.framer.in_frame:
                actions.append(self._wait(self.t.inter_byte, "inter-byte"))
            elif self._armed == "inter-byte":  # a frame ended and was not ours: back to the phase deadline
                actions.append(self._phase_wait())
        return actions

    def _ours(self, command: int | None) -> bool:
        return command in (self._command, ERROR_COMMAND)

    def _extend(self, what: str) -> list[Action] | None:
        """Count a keep-alive or a foreign frame; fail once there were too many."""
        self._extensions += 1
        if self._extensions > self.t.max_keepalives:
            what_ru = _WHAT_RU.get(what, what)
            return self._fail(f"MS-K device sent {self._extensions} {what} without our answer; the command may "
                              "have been executed", "execution",
                              f"ККТ МС-К прислала {self._extensions} {what_ru}, но не ответ на команду; команда "
                              "могла быть выполнена")
        return None

    def _on_event(self, event: Control | Frame | BadFrame) -> list[Action]:
        if self.state == LinkState.IDLE:
            return []  # stray bytes between exchanges
        if isinstance(event, Control):
            if event.byte != ACK:
                return []
            return self._extend("keep-alives") or [self._wait(self._exec, "execution")]
        if isinstance(event, BadFrame):
            if event.command is None:  # STX right before ETX/STX: line noise, never an answer (it has a letter)
                return self._extend("empty frames") or []
            if not self._ours(event.command) and not (
                    self.state == LinkState.RECOVERING and event.command == REPEAT_COMMAND):
                return self._extend("late frames of other commands") or []
            # A damaged frame proves nothing (its letter byte may be damaged too, or it may be a damaged
            # copy of an earlier answer): ask for the answer again.
            return self._recover()
        return self._on_frame(event.body)

    def _on_frame(self, body: bytes) -> list[Action]:
        command = body[0]
        if self.state == LinkState.WAIT_ANSWER:
            if not self._ours(command):
                return self._extend("late frames of other commands") or []
            if self._stale_copies and body == self._last_answer:
                self._stale_copies -= 1  # a surplus copy of the previous exchange's answer
                return self._extend("late frames of earlier exchanges") or []
            self._seen += 1
            return self._deliver(body)
        # RECOVERING (only non-idempotent commands): this is the device's last answer, repeated
        if command == self._command:
            if self._stale_copies and body == self._last_answer:
                self._stale_copies -= 1  # a surplus copy of the previous exchange's answer, still on its way
                return self._extend("late frames of earlier exchanges") or []
            self._seen += 1
            if self._last_answer is not None and body != self._last_answer:
                return self._deliver(body)
            return self._fail("MS-K answer was lost and the repeated answer cannot be told apart from the "
                              "previous exchange's; the command may have been executed — check the last "
                              "document before repeating it", "execution",
                              "ответ МС-К потерян, а повторённый ответ не отличить от ответа на прошлую команду; "
                              "команда могла быть выполнена — проверьте последний документ, прежде чем повторять")
        if command in (ERROR_COMMAND, REPEAT_COMMAND):
            return self._fail("MS-K answer was lost and the device did not repeat it; the command may "
                              "have been executed", "execution",
                              "ответ МС-К потерян, и ККТ его не повторила; команда могла быть выполнена")
        return self._fail(f"MS-K answer was lost; the device's last answer is for command {command:#04x}, so "
                          "the command probably did not run, but this is not certain — check the last "
                          "document before repeating it", "execution",
                          f"ответ МС-К потерян; последний ответ ККТ — на команду {command:#04x}, так что команда, "
                          "вероятно, не выполнена, но это не точно — проверьте последний документ, прежде чем "
                          "повторять")

    def _recover(self) -> list[Action]:
        """Idempotent commands are sent again; others are recovered with ``I``."""
        self._copies += 1
        if self._idempotent:
            self._resends += 1
            if self._resends > self.t.resend_tries:
                return self._fail("no usable answer from the MS-K device within the command's execution time",
                                  "execution", "ККТ МС-К не дала пригодного ответа за время выполнения команды")
            return [Send(self._frame), self._wait(self._exec, "execution")]
        self._repeats += 1
        if self._repeats > self.t.repeat_tries:
            return self._fail("MS-K answer could not be recovered with 'I' (repeat answer); the command may "
                              "have been executed", "ack",
                              "ответ МС-К не удалось получить повтором 'I'; команда могла быть выполнена")
        self.state = LinkState.RECOVERING
        return [Send(self._repeat_frame), self._wait(self.t.repeat_answer, "ack")]

    def timeout(self) -> list[Action]:
        if self.state == LinkState.IDLE:
            return []
        damaged = self.framer.abandon()
        if damaged is not None:  # the answer stalled in the middle
            actions = self._on_event(damaged)
            if actions:
                return actions
        return self._recover()

    def abort(self) -> None:
        """Forget the current exchange (after a transport error). A non-idempotent command in
        flight taints its letter, as a failure does."""
        if self.busy and not self._idempotent:
            self.tainted = self._command
        self.state = LinkState.IDLE
        self.framer.reset()
        self._last_answer = None
        self._stale_copies = 0
