"""The emulator's ATOL v2 device link ignores line noise between exchanges.

A real register in its idle state answers only ENQ; bytes of another transport (a v3 host's
``FE …`` packets contain ``02``) must not leave it waiting for the end of a frame that never comes.
"""

from __future__ import annotations

from kkt_emu.personalities.atol.link_v2 import AtolV2DeviceLink

from kkt_drivers.protocols.actions import Send
from kkt_drivers.protocols.atol import framer_v2
from kkt_drivers.protocols.atol.framer_v2 import ACK, ENQ, EOT


def _sent(actions: list[object]) -> bytes:
    return b"".join(a.data for a in actions if isinstance(a, Send))


def test_a_stray_frame_start_while_idle_does_not_swallow_the_next_enq() -> None:
    link = AtolV2DeviceLink(lambda request: b"\x55" + request)
    # a v3 packet (FE, length, id, 02 …) arrives while idle: nothing is answered …
    assert _sent(link.receive(bytes.fromhex("fe0a00c102c102013f"))) == b""
    # … and the v2 host's ENQ is still acknowledged, then its request runs
    assert _sent(link.receive(bytes((ENQ,)))) == bytes((ACK,))
    assert _sent(link.receive(framer_v2.encode(b"\x3f"))) == bytes((ACK,))
    assert _sent(link.receive(bytes((EOT,)))) == bytes((ENQ,))
    assert _sent(link.receive(bytes((ACK,)))) == framer_v2.encode(b"\x55\x3f")


def test_a_frame_split_across_reads_is_still_received() -> None:
    link = AtolV2DeviceLink(lambda request: request)
    link.receive(bytes((ENQ,)))
    frame = framer_v2.encode(b"\x10\x03abc")
    sent = b"".join(_sent(link.receive(frame[i:i + 1])) for i in range(len(frame)))
    assert sent == bytes((ACK,))
