"""Shtrih-M standard lower level, host side, as a sans-I/O state machine.

The exchange is ENQ-first (vendor protocol v2.0, «Стандартный нижний уровень»; protocol-notes/shtrih/README.md):

1. host ``ENQ`` → device ``NAK`` (idle, waiting for a command) or ``ACK`` (it prepares or holds an answer that
   was never acknowledged: the host reads that answer first), or silence (no link);
2. host frame → device ``ACK`` (taken) or ``NAK`` (interface error; the command was *not* taken);
3. the device sends its answer frame when the command is done → host ``ACK``, or ``NAK`` on a bad LRC; after a
   NAK the device does not repeat by itself but waits for ``ENQ``, answers ``ACK`` and sends the answer again.

Choices of this implementation, beyond the published rules (all marked **[inferred]** in the notes):

* a frame that met silence is never sent again blindly: the link asks with ``ENQ`` — ``NAK`` proves the device
  did not take it (send again), ``ACK`` proves it did (wait for the answer);
* when the execution deadline passes, the link polls with ``ENQ``: ``ACK`` means the answer is still being
  prepared or is held for us, ``NAK`` means the device is idle and holds nothing — the command may have run;
* an exchange that ends with ``Timeout(maybe_executed=True)`` leaves its message as the *orphan*. If a later
  ``ENQ`` finds the device holding an answer with the orphan's command code, that answer is read and
  acknowledged; when the new request is the orphan itself (the session retries it), the held answer is
  delivered to it and the command is *not* sent again. An answer recovered while another command is being
  sent is kept in :attr:`ShtrihLink.recovered`.

Timeouts and retry counts: :class:`ShtrihTimeouts`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ...errors import ProtocolError, Timeout
from ..actions import Action, Deliver, Fail, Send, Wait
from .framer import ACK, ENQ, EXTENDED, NAK, BadFrame, Control, Frame, ShtrihFramer, command_code

_ENQ, _ACK, _NAK = bytes((ENQ,)), bytes((ACK,)), bytes((NAK,))
#: recovered answers kept for the session at most (memory stays bounded if it never collects them)
MAX_RECOVERED = 16


@dataclass(frozen=True)
class ShtrihTimeouts:
    """Deadlines (seconds) and retry counts of the host side.

    The vendor protocol gives the device's own byte timeout (50 ms by default, settable with command 14h)
    and says the device never answers sooner than that; it leaves the host's timeouts and retry counts to
    the host software. The deadlines below are ours **[inferred]**; the retry counts follow the vendor's
    recommended host diagram (appendix 3 of the protocol: up to 10 ENQ and 10 command attempts) and the
    vendor JavaPOS driver (``maxAckNumber`` 3 for answers met on ENQ).
    """

    enq: float = 1.0  # reply (NAK/ACK) to an ENQ [inferred]
    ack: float = 1.0  # ACK after our frame [inferred]
    byte: float = 1.0  # between two bytes of an answer frame [inferred; the device's own default is 50 ms]
    enq_tries: int = 10  # unanswered ENQs in a row before giving up (vendor appendix 3)
    frame_tries: int = 10  # copies of one frame (vendor appendix 3)
    answer_tries: int = 10  # answers with a bad LRC (or stalled) re-read with NAK + ENQ [inferred]
    stale_answers: int = 3  # answers of other commands met on ENQ before ours is sent (JavaPOS maxAckNumber)
    busy_polls: int = 3  # ENQ polls answered ACK after the execution deadline [inferred]


class LinkState(enum.Enum):
    """Where the host side of one exchange stands."""

    IDLE = "idle"
    #: ENQ sent before our frame
    ENQ_SENT = "enq-sent"
    #: the device answered that ENQ with ACK: reading the answer it holds
    DRAINING = "draining"
    #: our frame sent, waiting for ACK
    FRAME_SENT = "frame-sent"
    #: our frame met silence: ENQ sent to learn whether the device took it
    PROBING = "probing"
    #: the device took our frame: waiting for its answer
    WAIT_ANSWER = "wait-answer"
    #: the execution deadline passed: ENQ sent to learn whether the answer is coming
    POLLING = "polling"
    #: our answer failed its LRC: NAK and ENQ sent, waiting for the device to offer it again
    REREAD = "reread"


#: states in which the device has (or may have) taken our frame
_COMMITTED = frozenset({LinkState.PROBING, LinkState.WAIT_ANSWER, LinkState.POLLING, LinkState.REREAD})


@dataclass(frozen=True, slots=True)
class RecoveredAnswer:
    """An answer the device held for an earlier command whose exchange ended in a timeout."""

    message: bytes
    answer: bytes


def answer_belongs_to(message: bytes, answer: bytes) -> bool:
    """True when ``answer`` carries the command code of ``message``.

    A two-byte command also owns a two-byte answer ``FF <error>`` (the vendor JavaPOS driver reads such a
    short answer as an error code; we have not seen one captured).
    """
    code = command_code(message)
    if answer[:len(code)] == code:
        return True
    return len(code) == 2 and len(answer) == 2 and answer[0] == EXTENDED


class ShtrihLink:
    """Host side of one exchange at a time."""

    def __init__(self, timeouts: ShtrihTimeouts | None = None, *, enq_first: bool = True) -> None:
        self.t = timeouts or ShtrihTimeouts()
        #: ENQ before every frame (the vendor protocol's diagram). With ``False`` a frame goes out at once when the
        #: previous exchange ended cleanly (answer read and acknowledged, nothing orphaned), as the vendor's own
        #: fr_drv_ng does in captured logs (FRD #121, #235); anything else (first exchange, a failure, an orphan)
        #: still starts with ENQ, and a frame that meets silence is probed with ENQ as always.
        self.enq_first = enq_first
        #: the last exchange ended with our answer delivered and acknowledged
        self._clean = False
        self.framer = ShtrihFramer()
        self.state = LinkState.IDLE
        self._message = b""
        self._frame = b""
        self._exec = 10.0
        self._tries = 0  # unanswered ENQs in a row
        self._frames = 0  # copies of our frame sent
        self._bad = 0  # bad answers re-read
        self._stale = 0  # other commands' answers met
        self._polls = 0  # ACKs to polls after the execution deadline
        self._drains = 0  # ACKs to the ENQ before our frame
        #: a copy of our frame met silence (the device may have taken it)
        self._unanswered = False
        #: message of the last exchange that ended with maybe_executed=True, while the device may hold its answer
        self._orphan: bytes | None = None
        #: answers recovered for orphans while another command was being sent (oldest first; the session drains
        #: it; only the last ``MAX_RECOVERED`` are kept)
        self.recovered: list[RecoveredAnswer] = []
        #: answers of unknown origin read and acknowledged (diagnostics)
        self.discarded = 0

    # -- public interface -------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.state is not LinkState.IDLE

    @property
    def orphan(self) -> bytes | None:
        """The message whose answer was lost while the device may still hold it (None when there is none)."""
        return self._orphan

    def request(self, message: bytes, *, execution_timeout: float, idempotent: bool = False) -> list[Action]:
        """Start one exchange for ``message`` (command code and data).

        ``idempotent`` is accepted for parity with the other links; this link never sends a frame again
        unless the device said (NAK) that it did not take it, so the flag changes nothing here.
        """
        if self.busy:
            raise ProtocolError("Shtrih link is busy with another exchange",
                                message_ru="канал Штрих занят другим обменом")
        self._frame = self.framer.encode(message)  # FrameError for an empty or over-long message
        self._message = message
        self._exec = execution_timeout
        self._tries = 1
        self._frames = self._bad = self._stale = self._polls = self._drains = 0
        self._unanswered = False
        self.framer.reset()
        if not self.enq_first and self._clean and self._orphan is None:
            self._clean = False
            return self._send_frame()
        self._clean = False
        self.state = LinkState.ENQ_SENT
        return [Send(_ENQ), Wait(self.t.enq, "ack")]

    def receive(self, data: bytes) -> list[Action]:
        actions: list[Action] = []
        for event in self.framer.feed(data):
            actions.extend(self._on_event(event))
            if actions and isinstance(actions[-1], (Deliver, Fail)):
                self.framer.reset()  # bytes after the end of the exchange are not ours
                return actions
        if self.busy and self.framer.in_frame:
            actions.append(Wait(self.t.byte, "inter-byte"))
        return actions

    def timeout(self) -> list[Action]:
        state = self.state
        if state is LinkState.IDLE:
            return []
        stalled = self.framer.in_frame
        self.framer.reset()
        if stalled and state in (LinkState.DRAINING, LinkState.WAIT_ANSWER, LinkState.POLLING, LinkState.REREAD):
            return self._bad_answer()
        if state in (LinkState.ENQ_SENT, LinkState.DRAINING):
            return self._enq_again()
        if state is LinkState.FRAME_SENT:
            self._unanswered = True
            self.state = LinkState.PROBING
            self._tries = 1
            return [Send(_ENQ), Wait(self.t.enq, "ack")]
        if state is LinkState.WAIT_ANSWER:
            self.state = LinkState.POLLING
            self._tries = 1
            return [Send(_ENQ), Wait(self.t.enq, "ack")]
        # PROBING, POLLING, REREAD: the ENQ met silence
        self._tries += 1
        if self._tries > self.t.enq_tries:
            return self._fail(Timeout("device stopped answering ENQ after it may have taken the command (Shtrih)",
                                      phase="ack", maybe_executed=True,
                                      message_ru="ККТ перестала отвечать на ENQ, возможно уже приняв команду "
                                                 "(Штрих); команда могла быть выполнена"), orphan=True)
        return [Send(_ENQ), Wait(self.t.enq, "ack")]

    def abort(self) -> None:
        """Forget the current exchange (after a transport error). A command the device may have taken
        becomes the orphan, so that its held answer can still be recovered."""
        if self.state in _COMMITTED or (self.state is LinkState.FRAME_SENT and self._unanswered):
            self._orphan = self._message
        self.state = LinkState.IDLE
        self._clean = False
        self.framer.reset()

    # -- events -----------------------------------------------------------------------------

    def _on_event(self, event: Control | Frame | BadFrame) -> list[Action]:
        state = self.state
        if state is LinkState.IDLE:
            return []  # stray bytes between exchanges
        if isinstance(event, Frame):
            return self._on_frame(event.payload)
        if isinstance(event, BadFrame):
            if state is LinkState.ENQ_SENT or state is LinkState.FRAME_SENT or state is LinkState.PROBING:
                return []  # noise that looked like a frame; the running deadline decides
            return self._bad_answer()
        byte = event.byte
        if state is LinkState.ENQ_SENT:
            if byte == NAK:
                self._orphan = None  # the device holds no answer any more
                return self._send_frame()
            if byte == ACK:
                self._drains += 1
                if self._drains > self.t.stale_answers:
                    return self._fail(Timeout("device keeps announcing an answer instead of taking the command "
                                              "(Shtrih)", phase="execution", maybe_executed=False,
                                              message_ru="ККТ всё время предлагает старый ответ вместо приёма "
                                                         "команды (Штрих); команда не выполнена"))
                self.state = LinkState.DRAINING
                return [Wait(self._exec, "execution")]
            return []
        if state is LinkState.FRAME_SENT:
            if byte == ACK:
                return self._await_answer()
            if byte == NAK:
                return self._send_frame()
            return []
        if state is LinkState.PROBING:
            if byte == ACK:
                return self._await_answer()
            if byte == NAK:  # the device is idle: it did not take the frame
                self._unanswered = False
                return self._send_frame()
            return []
        if state is LinkState.POLLING or state is LinkState.REREAD:
            if byte == ACK:
                if state is LinkState.POLLING:
                    self._polls += 1
                    if self._polls > self.t.busy_polls:
                        return self._fail(Timeout("no answer from the device within the command's execution time "
                                                  "(Shtrih); the command may have been executed",
                                                  phase="execution", maybe_executed=True,
                                                  message_ru="ККТ не ответила за время выполнения команды "
                                                             "(Штрих); команда могла быть выполнена"), orphan=True)
                return self._await_answer()
            if byte == NAK:
                return self._fail(Timeout("the device took the command but holds no answer for it (Shtrih); "
                                          "the command may have been executed", phase="execution",
                                          maybe_executed=True,
                                          message_ru="ККТ приняла команду, но не держит ответа на неё (Штрих); "
                                                     "команда могла быть выполнена"))
            return []
        return []  # DRAINING / WAIT_ANSWER: control bytes are not expected there

    def _on_frame(self, answer: bytes) -> list[Action]:
        state = self.state
        if state is LinkState.ENQ_SENT or state is LinkState.DRAINING:
            return self._drained(answer)
        # FRAME_SENT / PROBING: the device took a copy, its ACK was lost and the answer came; others: expected
        if answer_belongs_to(self._message, answer):
            self.state = LinkState.IDLE
            self._orphan = None
            self._clean = True
            return [Send(_ACK), Deliver(answer)]
        wait = Wait(self._exec, "execution") if state in _COMMITTED else Wait(self.t.ack, "ack")
        return self._stale_answer(answer, [wait])

    # -- steps ------------------------------------------------------------------------------

    def _drained(self, answer: bytes) -> list[Action]:
        """An answer the device held from before our frame: acknowledge it, keep it if it is the orphan's."""
        orphan = self._orphan
        if orphan is not None and answer_belongs_to(orphan, answer):
            self._orphan = None
            if orphan == self._message:  # the session retries the command whose answer was lost
                self.state = LinkState.IDLE
                self._clean = True
                return [Send(_ACK), Deliver(answer)]
            self.recovered.append(RecoveredAnswer(orphan, answer))
            del self.recovered[:-MAX_RECOVERED]
        else:
            self.discarded += 1
        self._stale += 1
        if self._stale > self.t.stale_answers:
            return self._fail(ProtocolError("device keeps offering answers of other commands (Shtrih)"),
                              prefix=[Send(_ACK)])
        self.state = LinkState.ENQ_SENT
        self._tries = 1
        return [Send(_ACK), Send(_ENQ), Wait(self.t.enq, "ack")]

    def _stale_answer(self, answer: bytes, then: list[Action]) -> list[Action]:
        """An answer that is not ours arrived while we wait for ours: acknowledge it and keep waiting."""
        self.discarded += 1
        self._stale += 1
        if self._stale > self.t.stale_answers:
            return self._fail(ProtocolError("device keeps sending answers of other commands (Shtrih)"),
                              prefix=[Send(_ACK)], orphan=self.state in _COMMITTED)
        return [Send(_ACK), *then]

    def _send_frame(self) -> list[Action]:
        self._frames += 1
        if self._frames > self.t.frame_tries:
            return self._fail(Timeout("device did not take the command (Shtrih)", phase="ack",
                                      maybe_executed=self._unanswered,
                                      message_ru="ККТ не приняла команду (Штрих)"), orphan=self._unanswered)
        self.state = LinkState.FRAME_SENT
        return [Send(self._frame), Wait(self.t.ack, "ack")]

    def _await_answer(self) -> list[Action]:
        self.state = LinkState.WAIT_ANSWER
        return [Wait(self._exec, "execution")]

    def _bad_answer(self) -> list[Action]:
        """A frame with a bad LRC (or one that stalled): NAK it and ask with ENQ for it again."""
        self._bad += 1
        committed = self.state is not LinkState.DRAINING
        if self._bad > self.t.answer_tries:
            if committed:
                return self._fail(Timeout("the device's answer kept failing its LRC (Shtrih); the command was "
                                          "executed", phase="inter-byte", maybe_executed=True,
                                          message_ru="ответ ККТ раз за разом не сходится по контрольной сумме "
                                                     "LRC (Штрих); команда выполнена"), orphan=True)
            return self._fail(Timeout("could not read the answer the device held (Shtrih)", phase="inter-byte",
                                      maybe_executed=False,
                                      message_ru="не удалось прочитать ответ, который держит ККТ (Штрих)"))
        self.state = LinkState.REREAD if committed else LinkState.ENQ_SENT
        self._tries = 1
        return [Send(_NAK), Send(_ENQ), Wait(self.t.enq, "ack")]

    def _enq_again(self) -> list[Action]:
        """ENQ (before our frame) met silence, or the device announced an answer and sent nothing."""
        self._tries += 1
        if self._tries > self.t.enq_tries:
            return self._fail(Timeout("device did not answer ENQ (Shtrih)", phase="ack", maybe_executed=False,
                                      message_ru="ККТ не ответила на запрос связи ENQ (Штрих)"))
        self.state = LinkState.ENQ_SENT
        return [Send(_ENQ), Wait(self.t.enq, "ack")]

    def _fail(self, error: Exception, *, prefix: list[Action] | None = None, orphan: bool = False) -> list[Action]:
        if orphan:
            self._orphan = self._message
        self.state = LinkState.IDLE
        self._clean = False
        self.framer.reset()
        return [*(prefix or []), Fail(error)]
