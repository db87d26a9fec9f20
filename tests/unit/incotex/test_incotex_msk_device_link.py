"""Device side of MS-K (for the emulator): framing of executor answers, ``I``, refusals, fault injection."""

from __future__ import annotations

from kkt_drivers.protocols.incotex import msk_framer as mf
from kkt_drivers.protocols.incotex.msk_device_link import MskDeviceLink
from kkt_drivers.protocols.incotex.msk_framer import Frame, MskFramer, RequestFrame


class Recorder:
    def __init__(self) -> None:
        self.requests: list[RequestFrame] = []

    def __call__(self, request: RequestFrame) -> bytes:
        self.requests.append(request)
        return mf.answer_body(request.command, 0xFC13, 0, 0x4E, b"%05d\x00" % len(self.requests))


def frames(out: list[bytes]) -> list[mf.Event]:
    return MskFramer().feed(b"".join(out))


def answer(out: list[bytes]) -> mf.AnswerFrame:
    (event,) = [e for e in frames(out) if isinstance(e, Frame)]
    return mf.parse_answer(event.body)


def test_executes_and_answers_in_lower_case() -> None:
    executor = Recorder()
    link = MskDeviceLink(executor)
    out = link.receive(mf.encode_request(0x5C, [mf.pack_field(b"329")]))
    assert [r.data for r in executor.requests] == [b"329\x00"]
    assert out == [mf.encode(b"\\\x00fc13\x000000\x004e\x0000001\x00", lowercase=True)]
    assert out[0][-3:-1] == b"%02x" % (sum(out[0][1:-3]) % 256)


def test_repeat_sends_the_last_answer_byte_for_byte_without_executing() -> None:
    executor = Recorder()
    link = MskDeviceLink(executor)
    first = link.receive(mf.encode_request(0x53))
    again = link.receive(mf.encode_request(0x49))
    assert again == first
    assert len(executor.requests) == 1


def test_repeat_with_nothing_kept_answers_0024() -> None:
    link = MskDeviceLink(Recorder())
    a = answer(link.receive(mf.encode_request(0x49)))
    assert (a.command, a.result) == (0x49, 0x0024)
    assert link.last_answer is None


def test_wrong_password_is_refused_without_executing() -> None:
    executor = Recorder()
    link = MskDeviceLink(executor)
    a = answer(link.receive(mf.encode_request(0x53, password=b"1234")))
    assert (a.command, a.result) == (0x53, 0x0012)
    assert executor.requests == []


def test_any_password_when_none_is_configured() -> None:
    executor = Recorder()
    MskDeviceLink(executor, password=None).receive(mf.encode_request(0x48, password=b"9999"))
    assert executor.requests[0].password == b"9999"


def test_bad_checksum_answers_001e_and_does_not_execute() -> None:
    executor = Recorder()
    link = MskDeviceLink(executor, status=lambda: (0x0013, 0x40))
    wire = bytearray(mf.encode_request(0x53))
    wire[-2] ^= 0x01
    a = answer(link.receive(bytes(wire)))
    assert (a.command, a.result, a.status, a.printer) == (0x53, 0x001E, 0x0013, 0x40)
    assert executor.requests == []


def test_too_long_frame_answers_000e() -> None:
    link = MskDeviceLink(Recorder(), max_body=16)
    a = answer(link.receive(mf.encode_request(0x53, [mf.pack_field(b"x" * 40)])))
    assert (a.command, a.result) == (0x53, 0x000E)


def test_body_without_password_terminator_answers_0019() -> None:
    link = MskDeviceLink(Recorder())
    a = answer(link.receive(mf.encode(b"S0000")))
    assert (a.command, a.result) == (0x53, 0x0019)


def test_cut_short_frames_and_noise_get_no_answer() -> None:
    executor = Recorder()
    link = MskDeviceLink(executor)
    assert link.receive(b"\x06zz\x02S00" + b"\x02\x03") == []
    assert executor.requests == []


def test_withhold_drops_answers_after_executing_and_repeat_brings_them_back() -> None:
    executor = Recorder()
    link = MskDeviceLink(executor, withhold_next=2)
    assert link.receive(mf.encode_request(0x53)) == []
    assert link.receive(mf.encode_request(0x49)) == []  # the repeat is an answer too: dropped
    assert len(executor.requests) == 1 and link.withheld == 2
    out = link.receive(mf.encode_request(0x49))
    assert answer(out).data == b"00001\x00"


def test_keepalives_precede_each_executed_answer_only() -> None:
    link = MskDeviceLink(Recorder(), keepalives=3)
    out = link.receive(mf.encode_request(0x53))
    assert out[0].startswith(b"\x06\x06\x06\x02")
    assert not link.receive(mf.encode_request(0x49))[0].startswith(b"\x06")
