"""Property tests of the ATOL v2/v3 framers: round trips under arbitrary chunking, noise,
corruption, truncation, and random streams (bounded memory, only declared events).

What each transport can and cannot guarantee is spelled out per test; in short:

* v2 (XOR LRC, no length): a corrupted byte that keeps the frame structure is always caught. A
  byte corrupted *into* ETX/DLE or a lost STX/ETX changes where the frame ends, and then the
  one-byte LRC matches by chance (1/256) — a shorter/longer wrong payload can come out. After
  any damage, ``00 03 00`` (filler, ETX, junk LRC) always brings the decoder back to idle.
* v3 (CRC-8, length, FE always starts a packet): a corrupted ID/DATA/CRC byte is always caught
  (CRC-8 detects every single-byte error); a corrupted LEN or a byte corrupted into FE/FD moves
  the packet end and is only caught with probability 255/256. The next good packet always decodes.
"""

from __future__ import annotations

from itertools import pairwise

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kkt_drivers.protocols.atol import framer_v2, framer_v3
from kkt_drivers.protocols.atol.framer_v2 import CONTROL_BYTES, AtolV2Framer, BadFrame, Control, Frame
from kkt_drivers.protocols.atol.framer_v3 import AtolV3Framer, BadPacket, Packet

SETTINGS = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

STX, ETX, DLE = 0x02, 0x03, 0x10
FE, FD = 0xFE, 0xFD
SPECIAL = [0x02, 0x03, 0x10, 0x04, 0x05, 0x06, 0x15, 0xFE, 0xFD, 0xEE, 0xED, 0x00, 0xFF]
FLUSH_V2 = b"\x00\x03\x00"  # non-DLE filler, ETX, junk LRC that is neither STX nor a control byte

byte_values = st.one_of(st.sampled_from(SPECIAL), st.integers(0, 255))
payloads = st.lists(byte_values, max_size=60).map(bytes)
v3_ids = st.integers(0, 255).filter(lambda i: i not in (FE, FD))


def split(wire: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(wire) + 1) for c in cuts})
    edges = [0, *points, len(wire)]
    return [wire[a:b] for a, b in pairwise(edges) if b > a]


cuts = st.lists(st.integers(0, 10_000), max_size=12)


def feed_chunks(framer: AtolV2Framer | AtolV3Framer, wire: bytes, cut_points: list[int]) -> list:
    events = []
    for chunk in split(wire, cut_points):
        events += framer.feed(chunk)
    return events


# =============================================================================================
# v2
# =============================================================================================

@SETTINGS
@given(frames=st.lists(payloads, min_size=1, max_size=4),
       controls=st.lists(st.sampled_from(sorted(CONTROL_BYTES)), max_size=4), cut_points=cuts)
def test_v2_round_trip_any_chunking(frames: list[bytes], controls: list[int], cut_points: list[int]) -> None:
    """Frames and control bytes between them come out in arrival order, whatever the chunking."""
    wire = b""
    expected: list = []
    for i, payload in enumerate(frames):
        if i < len(controls):
            wire += bytes((controls[i],))
            expected.append(Control(controls[i]))
        wire += framer_v2.encode(payload)
        expected.append(Frame(payload))
    framer = AtolV2Framer()
    assert feed_chunks(framer, wire, cut_points) == expected
    assert not framer.in_frame


v2_quiet_noise = st.lists(st.integers(0, 255).filter(lambda b: b != STX and b not in CONTROL_BYTES),
                          max_size=30).map(bytes)
v2_noise_with_controls = st.lists(st.integers(0, 255).filter(lambda b: b != STX), max_size=30).map(bytes)


@SETTINGS
@given(frames=st.lists(payloads, min_size=1, max_size=3), noise=st.lists(v2_quiet_noise, min_size=4, max_size=4),
       cut_points=cuts)
def test_v2_noise_without_stx_or_controls_is_dropped(frames: list[bytes], noise: list[bytes],
                                                      cut_points: list[int]) -> None:
    wire = b"".join(noise[i] + framer_v2.encode(p) for i, p in enumerate(frames)) + noise[3]
    framer = AtolV2Framer()
    assert feed_chunks(framer, wire, cut_points) == [Frame(p) for p in frames]
    assert framer.noise == sum(len(n) for n in noise[:len(frames)]) + len(noise[3])


@SETTINGS
@given(frames=st.lists(payloads, min_size=1, max_size=3),
       noise=st.lists(v2_noise_with_controls, min_size=3, max_size=3), cut_points=cuts)
def test_v2_noise_with_control_bytes_does_not_hide_frames(frames: list[bytes], noise: list[bytes],
                                                           cut_points: list[int]) -> None:
    """Control-valued noise surfaces as Control events (the link must tolerate them); frames still decode."""
    wire = b"".join(noise[i] + framer_v2.encode(p) for i, p in enumerate(frames))
    events = feed_chunks(AtolV2Framer(), wire, cut_points)
    assert [e for e in events if isinstance(e, Frame)] == [Frame(p) for p in frames]
    noise_controls = [b for n in noise[:len(frames)] for b in n if b in CONTROL_BYTES]
    assert [e.byte for e in events if isinstance(e, Control)] == noise_controls
    assert not any(isinstance(e, BadFrame) for e in events)


def _v2_structure_roles(wire: bytes) -> list[str]:
    """Role of each on-wire byte of one v2 frame: stx, dle (stuffing), lit (after DLE), data, etx, lrc."""
    roles = ["stx"]
    i = 1
    while i < len(wire) - 2:
        if wire[i] == DLE:
            roles += ["dle", "lit"]
            i += 2
        else:
            roles.append("data")
            i += 1
    return [*roles, "etx", "lrc"]


@SETTINGS
@given(payload=payloads, good=payloads, data=st.data())
def test_v2_structure_preserving_corruption_is_always_caught(payload: bytes, good: bytes, data: st.DataObject) -> None:
    """One corrupted byte that does not move the frame end (a plain data byte replaced by a value
    other than ETX/DLE, a byte after a stuffing DLE replaced by anything, or the LRC) always gives
    BadFrame("lrc") — XOR detects every single-byte change — and the next frame decodes."""
    wire = bytearray(framer_v2.encode(payload))
    roles = _v2_structure_roles(bytes(wire))
    positions = [i for i, r in enumerate(roles) if r in ("data", "lit", "lrc")]
    pos = data.draw(st.sampled_from(positions), label="pos")
    value = data.draw(st.integers(0, 255).filter(lambda v: v != wire[pos]), label="value")
    assume(roles[pos] != "data" or value not in (ETX, DLE))
    wire[pos] = value
    framer = AtolV2Framer()
    assert framer.feed(bytes(wire)) == [BadFrame("lrc")]
    assert not framer.in_frame
    assert framer.feed(framer_v2.encode(good)) == [Frame(good)]


@SETTINGS
@given(payload=payloads, good=payloads, data=st.data(), cut_points=cuts)
def test_v2_any_single_corruption_then_flush_recovers(payload: bytes, good: bytes, data: st.DataObject,
                                                       cut_points: list[int]) -> None:
    """Any one corrupted byte, anywhere (STX, stuffing, ETX included): nothing raises, only declared
    events come out, and after ``00 03 00`` the decoder is idle and the next good frame decodes.
    (A Frame with a wrong payload *can* come out of the damaged part: see the next test.)"""
    wire = bytearray(framer_v2.encode(payload))
    pos = data.draw(st.integers(0, len(wire) - 1), label="pos")
    wire[pos] = data.draw(st.integers(0, 255).filter(lambda v: v != wire[pos]), label="value")
    framer = AtolV2Framer()
    events = feed_chunks(framer, bytes(wire) + FLUSH_V2, cut_points)
    assert all(isinstance(e, (Control, Frame, BadFrame)) for e in events)
    assert not framer.in_frame
    assert framer.feed(framer_v2.encode(good)) == [Frame(good)]


def test_v2_lrc_misses_a_byte_corrupted_into_etx() -> None:
    """Limitation of the v2 wire format, not of the decoder: payload 40 41 43 is sent as
    02 40 41 43 03 41. If 41 turns into ETX, the frame ends early and the next byte (43) happens
    to equal the XOR of 40 03 — a good-looking frame with payload 40 comes out."""
    assert framer_v2.encode(b"\x40\x41\x43") == bytes.fromhex("02 40 41 43 03 41")
    assert AtolV2Framer().feed(bytes.fromhex("02 40 03 43 03 41")) == [Frame(b"\x40")]


@SETTINGS
@given(payload=payloads, good=payloads, data=st.data())
def test_v2_truncated_frame_then_flush_then_good_frame(payload: bytes, good: bytes, data: st.DataObject) -> None:
    """A frame cut short leaves the decoder inside a frame; only a flush (or the inter-byte timeout
    resetting the framer) brings it back: then the next frame decodes."""
    wire = framer_v2.encode(payload)
    cut = data.draw(st.integers(1, len(wire) - 1), label="cut")
    framer = AtolV2Framer()
    assert not any(isinstance(e, Frame) for e in framer.feed(wire[:cut]))
    assert framer.in_frame
    framer.feed(FLUSH_V2)
    assert not framer.in_frame
    assert framer.feed(framer_v2.encode(good)) == [Frame(good)]


def test_v2_truncated_frame_swallows_the_next_frame_without_a_flush() -> None:
    """Characterisation: v2 has no way to resync on STX (02 is legal data), so a frame that follows
    a truncated one is read as the tail of the truncated one and fails its LRC."""
    truncated = framer_v2.encode(b"\x00\x00\x3f")[:3]
    events = AtolV2Framer().feed(truncated + framer_v2.encode(b"\x00\x00\x45"))
    assert events == [BadFrame("lrc")]


@SETTINGS
@given(stream=st.lists(byte_values, max_size=400).map(bytes), cut_points=cuts)
def test_v2_random_stream_bounded_and_declared_events_only(stream: bytes, cut_points: list[int]) -> None:
    maximum = 64
    framer = AtolV2Framer(max_payload=maximum)
    events: list = []
    for chunk in split(stream, cut_points):
        events += framer.feed(chunk)
        assert len(framer._buf) <= maximum
    for event in events:
        assert isinstance(event, (Control, Frame, BadFrame))
        if isinstance(event, Control):
            assert event.byte in CONTROL_BYTES
        elif isinstance(event, Frame):
            assert len(event.payload) <= maximum
        else:
            assert event.reason in ("lrc", "too-long")
    # chunking never changes what is decoded
    assert AtolV2Framer(max_payload=maximum).feed(stream) == events


@SETTINGS
@given(payload=st.binary(min_size=65, max_size=200), good=payloads)
def test_v2_too_long_frame_is_refused(payload: bytes, good: bytes) -> None:
    framer = AtolV2Framer(max_payload=64)
    events = framer.feed(framer_v2.encode(payload))
    assert events[0] == BadFrame("too-long")
    assert Frame(payload) not in events
    assert len(framer._buf) <= 64
    framer.feed(FLUSH_V2)
    assert framer.feed(framer_v2.encode(good)) == [Frame(good)]


# =============================================================================================
# v3
# =============================================================================================

packets = st.tuples(v3_ids, payloads)


@SETTINGS
@given(items=st.lists(packets, min_size=1, max_size=4), cut_points=cuts, tolerant=st.booleans())
def test_v3_round_trip_any_chunking(items: list[tuple[int, bytes]], cut_points: list[int], tolerant: bool) -> None:
    wire = b"".join(framer_v3.encode(pid, data) for pid, data in items)
    framer = AtolV3Framer(accept_escaped_crc=tolerant)
    assert feed_chunks(framer, wire, cut_points) == [Packet(pid, data) for pid, data in items]
    assert not framer.in_frame


@SETTINGS
@given(items=st.lists(packets, min_size=1, max_size=4), cut_points=cuts)
def test_v3_tolerant_decoder_accepts_escaped_crc_scope(items: list[tuple[int, bytes]], cut_points: list[int]) -> None:
    wire = b"".join(framer_v3.encode(pid, data, crc_over_escaped=True) for pid, data in items)
    assert feed_chunks(AtolV3Framer(accept_escaped_crc=True), wire, cut_points) == [
        Packet(pid, data) for pid, data in items]


@SETTINGS
@given(pid=v3_ids, data=payloads)
def test_v3_strict_decoder_refuses_escaped_crc_scope_when_it_differs(pid: int, data: bytes) -> None:
    head = bytes((pid,))
    differs = framer_v3.crc8_atol(head + data) != framer_v3.crc8_atol(head + framer_v3.escape(data))
    events = AtolV3Framer().feed(framer_v3.encode(pid, data, crc_over_escaped=True))
    assert events == ([BadPacket(pid, "crc")] if differs else [Packet(pid, data)])


v3_noise = st.lists(st.integers(0, 255).filter(lambda b: b != FE), max_size=30).map(bytes)


@SETTINGS
@given(items=st.lists(packets, min_size=1, max_size=3), noise=st.lists(v3_noise, min_size=4, max_size=4),
       cut_points=cuts)
def test_v3_noise_without_fe_is_dropped(items: list[tuple[int, bytes]], noise: list[bytes],
                                        cut_points: list[int]) -> None:
    """Noise before and between packets is silently dropped: the events are exactly the packets."""
    wire = b"".join(noise[i] + framer_v3.encode(pid, d) for i, (pid, d) in enumerate(items)) + noise[3]
    framer = AtolV3Framer()
    assert feed_chunks(framer, wire, cut_points) == [Packet(pid, d) for pid, d in items]
    assert framer.noise == sum(len(n) for n in noise[:len(items)]) + len(noise[3])


@SETTINGS
@given(good=packets, noise=st.lists(v3_noise, min_size=2, max_size=2), cut_points=cuts)
def test_v3_noise_containing_fe_does_not_hide_the_next_packet(good: tuple[int, bytes], noise: list[bytes],
                                                               cut_points: list[int]) -> None:
    """Noise with an FE in it may leave a started packet behind (or even, 1 time in 256, form a
    packet that passes its CRC); the next FE restarts anyway."""
    wire = noise[0] + b"\xfe" + noise[1] + framer_v3.encode(*good)
    events = feed_chunks(AtolV3Framer(), wire, cut_points)
    assert events[-1] == Packet(*good)
    assert all(isinstance(e, (Packet, BadPacket)) for e in events)


def _v3_roles(wire: bytes) -> list[str]:
    """Role of each on-wire byte: fe, len, id, esc (FD), lit (after FD), data/crc."""
    roles = ["fe", "len", "len", "id"]
    i = 4
    while i < len(wire):
        if wire[i] == FD:
            roles += ["esc", "lit"]
            i += 2
        else:
            roles.append("plain")
            i += 1
    return roles


@SETTINGS
@given(pid=v3_ids, data=payloads, good=packets, choice=st.data())
def test_v3_corrupted_id_data_or_crc_is_always_caught(pid: int, data: bytes, good: tuple[int, bytes],
                                                       choice: st.DataObject) -> None:
    """One corrupted byte that keeps the packet boundaries (ID, a plain DATA/CRC byte replaced by a
    value other than FE/FD, or the byte after an FD swapped between EE and ED) is always refused
    by CRC-8, and the next packet decodes."""
    wire = bytearray(framer_v3.encode(pid, data))
    roles = _v3_roles(bytes(wire))
    positions = [i for i, r in enumerate(roles) if r in ("id", "plain", "lit")]
    pos = choice.draw(st.sampled_from(positions), label="pos")
    if roles[pos] == "lit":
        value = framer_v3.ESC_START if wire[pos] == framer_v3.ESC_ESC else framer_v3.ESC_ESC
    else:
        value = choice.draw(st.integers(0, 255).filter(lambda v: v not in (FE, FD, wire[pos])), label="value")
    wire[pos] = value
    new_id = wire[3]
    framer = AtolV3Framer()
    assert framer.feed(bytes(wire)) == [BadPacket(new_id, "crc")]
    assert framer.feed(framer_v3.encode(*good)) == [Packet(*good)]


@SETTINGS
@given(pid=v3_ids, data=payloads, good=packets, choice=st.data(), cut_points=cuts, tolerant=st.booleans())
def test_v3_any_single_corruption_then_good_packet_recovers(pid: int, data: bytes, good: tuple[int, bytes],
                                                             choice: st.DataObject, cut_points: list[int],
                                                             tolerant: bool) -> None:
    """Any one corrupted byte (LEN, FE, FD included): only declared events, and the following good
    packet always comes out last — FE restarts the decoder from any state."""
    wire = bytearray(framer_v3.encode(pid, data))
    pos = choice.draw(st.integers(0, len(wire) - 1), label="pos")
    wire[pos] = choice.draw(st.integers(0, 255).filter(lambda v: v != wire[pos]), label="value")
    framer = AtolV3Framer(accept_escaped_crc=tolerant)
    events = feed_chunks(framer, bytes(wire) + framer_v3.encode(*good), cut_points)
    assert all(isinstance(e, (Packet, BadPacket)) for e in events)
    assert events[-1] == Packet(*good)
    assert not framer.in_frame


@SETTINGS
@given(pid=v3_ids, data=st.lists(st.sampled_from([FE, FD]), min_size=1, max_size=5).map(bytes), tail=payloads,
       good=packets, choice=st.data())
def test_v3_bad_escape_is_refused(pid: int, data: bytes, tail: bytes, good: tuple[int, bytes],
                                  choice: st.DataObject) -> None:
    """FD followed by anything but EE/ED (or FE) spoils the packet: BadPacket(id, "escape"); the rest
    of it is noise (escaped bytes hold no raw FE) and the next packet decodes."""
    wire = bytearray(framer_v3.encode(pid, data + tail))
    roles = _v3_roles(bytes(wire))
    pos = choice.draw(st.sampled_from([i for i, r in enumerate(roles) if r == "lit"]), label="pos")
    wire[pos] = choice.draw(st.integers(0, 255).filter(lambda v: v not in (0xEE, 0xED, FE)), label="value")
    framer = AtolV3Framer()
    events = framer.feed(bytes(wire) + framer_v3.encode(*good))
    assert events == [BadPacket(pid, "escape"), Packet(*good)]


def test_v3_crc_misses_a_corrupted_length_by_chance() -> None:
    """Limitation of the wire format: id 1, DATA C3 61 is FE 02 00 01 C3 61 00. If LEN0 02 turns into
    01, the packet ends after C3 and 61 is read as its CRC — which happens to be CRC(01 C3)."""
    assert framer_v3.encode(1, b"\xc3\x61") == bytes.fromhex("FE 02 00 01 C3 61 00")
    assert AtolV3Framer().feed(bytes.fromhex("FE 01 00 01 C3 61 00")) == [Packet(1, b"\xc3")]


@SETTINGS
@given(pid=v3_ids, data=payloads, good=packets, choice=st.data())
def test_v3_truncated_packet_then_good_packet(pid: int, data: bytes, good: tuple[int, bytes],
                                             choice: st.DataObject) -> None:
    wire = framer_v3.encode(pid, data)
    cut = choice.draw(st.integers(1, len(wire) - 1), label="cut")
    expected_id = pid if cut >= 4 else None
    assert AtolV3Framer().feed(wire[:cut] + framer_v3.encode(*good)) == [
        BadPacket(expected_id, "truncated"), Packet(*good)]


@SETTINGS
@given(pid=v3_ids, data=st.binary(min_size=65, max_size=300), good=packets)
def test_v3_oversized_length_is_refused_and_skipped(pid: int, data: bytes, good: tuple[int, bytes]) -> None:
    """LEN above max_data is refused at once; the escaped body holds no raw FE, so it is noise."""
    framer = AtolV3Framer(max_data=64)
    assert framer.feed(framer_v3.encode(pid, data) + framer_v3.encode(*good)) == [
        BadPacket(None, "length"), Packet(*good)]
    assert not framer.in_frame


@SETTINGS
@given(stream=st.lists(byte_values, max_size=400).map(bytes), cut_points=cuts, tolerant=st.booleans())
def test_v3_random_stream_bounded_and_declared_events_only(stream: bytes, cut_points: list[int],
                                                            tolerant: bool) -> None:
    maximum = 64
    framer = AtolV3Framer(max_data=maximum, accept_escaped_crc=tolerant)
    events: list = []
    for chunk in split(stream, cut_points):
        events += framer.feed(chunk)
        assert len(framer._buf) <= maximum
        assert len(framer._raw) <= 2 * maximum
    for event in events:
        assert isinstance(event, (Packet, BadPacket))
        if isinstance(event, Packet):
            assert len(event.data) <= maximum
            assert event.packet_id not in (FE, FD)
        else:
            assert event.reason in ("crc", "escape", "length", "truncated")
    assert AtolV3Framer(max_data=maximum, accept_escaped_crc=tolerant).feed(stream) == events


@SETTINGS
@given(items=st.lists(packets, min_size=1, max_size=3), stream=st.lists(byte_values, max_size=200).map(bytes))
def test_v3_good_packets_after_arbitrary_junk(items: list[tuple[int, bytes]], stream: bytes) -> None:
    """Whatever came before (random junk, half packets), well-formed packets that follow all decode."""
    events = AtolV3Framer().feed(stream + b"".join(framer_v3.encode(pid, d) for pid, d in items))
    assert events[-len(items):] == [Packet(pid, d) for pid, d in items]
