"""The CAS LP host link: scripted exchanges, both acknowledgement styles of the sources, and property tests
against a fake scale that drops, garbles, refuses and delays.

Invariants of every run: exactly one Deliver or Fail ends it and nothing follows; a Deliver carries exactly
the reply data of the command; a command that is not idempotent is sent at most once; errors are typed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scales_testkit import SETTINGS, Line

from kkt_drivers.errors import DeviceError, InvalidParameter, KktError, ProtocolError, Timeout
from kkt_drivers.protocols.actions import Deliver, Fail, Send, Wait
from kkt_drivers.protocols.caslp import commands as c
from kkt_drivers.protocols.caslp.device import CasLpDeviceDecoder, Command, Handshake
from kkt_drivers.protocols.caslp.link import CasLpLink, LinkState

RECORD = c.PluRecord(238, 123456, "Сыр", "", 45000, c.ShelfLife(days=30))
STATUS = c.ScaleStatus(0x48, 0).encode()


def test_first_command_shakes_hands_then_sends() -> None:
    link = CasLpLink(logical_number=3)
    assert link.request(c.status(), execution_timeout=1.0) == [Send(b"\x03"), Wait(link.t.sync, "ack")]
    assert link.receive(b"\x03") == []
    assert link.receive(b"\x80") == [Send(c.status()), Wait(1.0, "execution")]
    assert link.receive(STATUS[:5]) == [Wait(link.t.inter_byte, "inter-byte")]
    assert link.receive(STATUS[5:] + b"\x80") == [Deliver(STATUS)]
    assert link.synced and not link.busy


def test_after_a_ready_byte_no_handshake_is_needed() -> None:
    link = CasLpLink()
    link.request(c.status(), execution_timeout=1.0)
    link.receive(b"\x00\x80")
    link.receive(STATUS + b"\x80")
    assert link.request(c.write_plu(RECORD), execution_timeout=1.0) == [Send(c.write_plu(RECORD)),
                                                                       Wait(1.0, "execution")]
    assert link.receive(b"\x80") == [Deliver(b"")]


def test_a_ready_byte_without_the_echoed_number_is_not_a_handshake() -> None:
    link = CasLpLink(logical_number=1)
    link.request(c.status(), execution_timeout=1.0)
    assert link.receive(b"\x80\x02\x80") == []  # stale ready bytes, another scale's echo
    assert link.receive(b"\x01\x80")[0] == Send(c.status())


@pytest.mark.parametrize("answer", [b"\xaa", b"\xaa\x80"])
def test_the_aa_acknowledgement_of_the_other_source_is_accepted(answer: bytes) -> None:
    link = CasLpLink()
    link.synced = True
    link.request(c.write_plu(RECORD), execution_timeout=1.0)
    actions = link.receive(answer)
    if answer == b"\xaa":
        assert actions == [Wait(link.t.ready, "inter-byte")]
        actions = link.timeout()  # no ready byte: delivered anyway, and the next command shakes hands
        assert not link.synced
    assert actions == [Deliver(b"")]


def test_an_aa_before_a_status_is_skipped() -> None:
    link = CasLpLink()
    link.synced = True
    link.request(c.status(), execution_timeout=1.0)
    assert link.receive(b"\xaa" + STATUS + b"\x80") == [Deliver(STATUS)]


def test_a_read_back_of_plu_238_is_not_taken_for_a_refusal() -> None:
    reply = c.encode_readback(RECORD)
    assert reply[0] == c.REFUSED
    link = CasLpLink()
    link.synced = True
    link.request(c.read_plu(238), execution_timeout=1.0)
    assert link.receive(reply[:1]) == [Wait(link.t.inter_byte, "inter-byte")]
    assert link.receive(reply[1:] + b"\x80") == [Deliver(reply)]


def test_a_refusal_fails_with_the_device_error_when_not_idempotent() -> None:
    link = CasLpLink()
    link.synced = True
    link.request(c.write_plu(RECORD), execution_timeout=1.0)
    (fail,) = link.receive(b"\xee\x80")
    assert isinstance(fail, Fail) and isinstance(fail.error, DeviceError) and fail.error.code == 0xEE
    assert link.synced  # the ready byte came: the next command needs no handshake


def test_a_refusal_is_retried_after_a_pause_when_idempotent() -> None:
    link = CasLpLink()
    link.synced = True
    link.request(c.write_plu(RECORD), execution_timeout=1.0, idempotent=True)
    assert link.receive(b"\xee\x80") == [Wait(link.t.busy_pause, "ack")]
    assert link.state is LinkState.BUSY_PAUSE
    assert link.timeout() == [Send(c.write_plu(RECORD)), Wait(1.0, "execution")]
    assert link.receive(b"\x80") == [Deliver(b"")]


def test_a_lost_reply_of_a_command_that_is_not_idempotent_is_never_resent() -> None:
    link = CasLpLink()
    link.synced = True
    link.request(c.write_plu(RECORD), execution_timeout=1.0)
    (fail,) = link.timeout()
    assert isinstance(fail, Fail) and isinstance(fail.error, Timeout) and fail.error.maybe_executed
    assert not link.busy and not link.synced


def test_a_silent_scale_fails_the_handshake_without_sending_the_command() -> None:
    link = CasLpLink()
    sent = [a for a in link.request(c.write_plu(RECORD), execution_timeout=1.0) if isinstance(a, Send)]
    result = None
    while result is None:
        for action in link.timeout():
            if isinstance(action, Send):
                sent.append(action)
            elif isinstance(action, Fail):
                result = action
    assert isinstance(result.error, Timeout) and not result.error.maybe_executed
    assert all(s.data == b"\x00" for s in sent) and len(sent) == link.t.sync_tries


def test_a_bad_request_is_refused_before_anything_is_sent() -> None:
    link = CasLpLink()
    with pytest.raises(InvalidParameter):
        link.request(b"\x82\x00", execution_timeout=1.0)
    assert not link.busy


def test_too_many_reply_bytes_are_a_protocol_error() -> None:
    link = CasLpLink()
    link.synced = True
    link.request(c.status(), execution_timeout=1.0)
    (fail,) = link.receive(STATUS + b"\x01\x02")
    assert isinstance(fail, Fail) and isinstance(fail.error, ProtocolError)


def test_bytes_after_an_exchange_are_dropped() -> None:
    link = CasLpLink()
    assert link.receive(b"\x80\xee") == [] and not link.busy


# -- a fake scale for the property tests -------------------------------------------------------------


@dataclass
class FakeScale:
    """Answers as a scale of either source's style; ``rng`` decides its misdeeds."""

    rng: random.Random
    style: str = "ready"  # "ready": 80 after every reply; "accepted": AA after a write, AA before a status
    logical_number: int = 0
    busy: int = 0
    drop: float = 0.0
    garble: float = 0.0
    records: dict[int, bytes] = field(default_factory=dict)
    commands: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.decoder = CasLpDeviceDecoder()

    def __call__(self, data: bytes) -> bytes:
        out = bytearray()
        for event in self.decoder.feed(data):
            if isinstance(event, Handshake):
                if event.logical_number == self.logical_number:
                    out += bytes((event.logical_number, c.READY))
                continue
            if not isinstance(event, Command):
                out += b"\xee\x80"
                continue
            self.commands.append(event.message)
            if self.busy:
                self.busy -= 1
                out += b"\xee\x80"
                continue
            out += self._answer(event.message)
        if self.rng.random() < self.drop:
            return b""
        if out and self.rng.random() < self.garble:
            at = self.rng.randrange(len(out))
            out[at] ^= 1 << self.rng.randrange(8)
        return bytes(out)

    def _answer(self, message: bytes) -> bytes:
        command = message[0]
        if command == c.Cmd.WRITE_PLU:
            self.records[int.from_bytes(message[1:5], "little")] = message[1:]
            return b"\xaa" if self.style == "accepted" else b"\x80"
        if command == c.Cmd.READ_PLU:
            record = self.records.get(int.from_bytes(message[1:5], "little"), bytes(c.RECORD_SIZE))
            return record + c.PluTotals().encode() + b"\x80"
        if command == c.Cmd.STATUS:
            return (b"\xaa" if self.style == "accepted" else b"") + STATUS + b"\x80"
        if command == c.Cmd.TOTALS:
            return bytes(c.TOTALS_SIZE) + b"\x80"
        return b"\x80"


REQUESTS = {
    "write": (c.write_plu(RECORD), b""),
    "read": (c.read_plu(238), c.encode_readback(RECORD)),
    "status": (c.status(), STATUS),
    "totals": (c.totals(), bytes(c.TOTALS_SIZE)),
    "delete": (c.delete_plu(7), b""),
}


@SETTINGS
@given(st.sampled_from(sorted(REQUESTS)), st.sampled_from(["ready", "accepted"]), st.integers(0, 2**32 - 1),
       st.integers(0, 3))
def test_a_well_behaved_scale_of_either_style_delivers_exactly_the_reply(name: str, style: str, seed: int,
                                                                         busy: int) -> None:
    rng = random.Random(seed)
    scale = FakeScale(rng, style=style, busy=busy, records={238: RECORD.encode()})
    link = CasLpLink()
    message, expected = REQUESTS[name]
    result = Line(link, scale, rng).run(link.request(message, execution_timeout=1.0, idempotent=True))
    assert result == Deliver(expected)
    assert scale.commands.count(message) == busy + 1


@SETTINGS
@given(st.sampled_from(sorted(REQUESTS)), st.booleans(), st.integers(0, 2**32 - 1),
       st.floats(0, 0.6), st.floats(0, 0.6), st.integers(0, 8))
def test_a_misbehaving_scale_ends_every_exchange_with_a_typed_result(name: str, idempotent: bool, seed: int,
                                                                     drop: float, garble: float, busy: int) -> None:
    rng = random.Random(seed)
    scale = FakeScale(rng, style=rng.choice(["ready", "accepted"]), busy=busy, drop=drop, garble=garble,
                      records={238: RECORD.encode()})
    link = CasLpLink()
    message, expected = REQUESTS[name]
    result = Line(link, scale, rng).run(link.request(message, execution_timeout=1.0, idempotent=idempotent))
    if isinstance(result, Fail):
        assert isinstance(result.error, KktError)
    else:
        assert len(result.answer) == len(expected)
    if not idempotent:
        assert scale.commands.count(message) <= 1


@SETTINGS
@given(st.binary(max_size=600), st.lists(st.integers(1, 40), max_size=20))
def test_the_device_decoder_survives_any_bytes(data: bytes, cuts: list[int]) -> None:
    decoder = CasLpDeviceDecoder()
    position = 0
    for size in [*cuts, len(data)]:
        for event in decoder.feed(data[position:position + size]):
            if isinstance(event, Command):
                assert len(event.message) == 1 + c.REQUEST_SIZES[event.command]
        position += size
    assert len(decoder._buf) <= 1 + max(c.REQUEST_SIZES.values())
