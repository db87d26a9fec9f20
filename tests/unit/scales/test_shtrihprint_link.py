"""The Штрих-Принт datagram link: scripted exchanges and a property test with lost, foreign and broken
datagrams. Every run ends with exactly one Deliver or Fail; a request that is not idempotent is sent once."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st
from scales_testkit import SETTINGS, load, unhex

from kkt_drivers.errors import DeviceError, KktError, Timeout
from kkt_drivers.protocols.actions import Deliver, Fail, Send, Wait
from kkt_drivers.protocols.shtrihprint import commands as c
from kkt_drivers.protocols.shtrihprint.framer import encode
from kkt_drivers.protocols.shtrihprint.link import ShtrihPrintUdpLink

PUBLISHED = {v["name"]: unhex(v["hex"]) for v in load("shtrihprint.json")}
WEIGHT = c.get_weight("0030")
NOT_A_START = [b for b in range(256) if b not in (0x02, 0x03)]
REPLY = bytes((0x38, 0x00)) + (312).to_bytes(2, "little", signed=True)


def test_the_request_datagram_is_the_published_one_and_the_reply_is_delivered() -> None:
    link = ShtrihPrintUdpLink()
    assert link.request(WEIGHT, execution_timeout=1.0) == [Send(PUBLISHED["shenor-38-get-weight"]),
                                                          Wait(1.0, "execution")]
    assert link.receive(encode(REPLY)) == [Deliver(REPLY)]
    assert not link.busy


def test_foreign_and_service_datagrams_are_dropped() -> None:
    link = ShtrihPrintUdpLink()
    link.request(WEIGHT, execution_timeout=1.0)
    assert link.receive(encode(bytes((0x11, 0x00)))) == []  # a late reply to a status request
    assert link.receive(b"\x06") == []
    assert link.receive(b"\x02\x09\x38") == []  # LEN does not match
    assert link.receive(encode(REPLY)) == [Deliver(REPLY)]


def test_the_block_upload_goes_with_the_dynamic_length() -> None:
    link = ShtrihPrintUdpLink()
    (send, _) = link.request(b"\x55" + b"0030" + b"\x01" + bytes(82), execution_timeout=1.0)
    assert isinstance(send, Send) and send.data[:2] == b"\x02\xff"


def test_busy_fails_with_the_holder() -> None:
    link = ShtrihPrintUdpLink()
    link.request(WEIGHT, execution_timeout=1.0)
    (fail,) = link.receive(bytes((0x0B, 1, 10, 3, 2, 0x50, 0x00)))
    assert isinstance(fail, Fail) and isinstance(fail.error, DeviceError) and "10.1.2.3:80" in str(fail.error)


def test_a_lost_reply_of_a_request_that_is_not_idempotent_is_not_resent() -> None:
    link = ShtrihPrintUdpLink()
    link.request(c.clear_plu(5), execution_timeout=1.0)
    (fail,) = link.timeout()
    assert isinstance(fail, Fail) and isinstance(fail.error, Timeout) and fail.error.maybe_executed


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.booleans(), st.floats(0, 0.9), st.floats(0, 0.9))
def test_a_lossy_network_ends_every_exchange_typed(seed: int, idempotent: bool, loss: float, noise: float) -> None:
    rng = random.Random(seed)
    link = ShtrihPrintUdpLink()
    sends = 0
    queue: list[bytes] = []

    def perform(actions: list[object]) -> Deliver | Fail | None:
        nonlocal sends
        for action in actions:
            if isinstance(action, Send):
                sends += 1
                if rng.random() < noise:  # line noise: anything but a message start
                    queue.append(bytes(rng.choice(NOT_A_START) for _ in range(rng.randrange(0, 12))))
                if rng.random() >= loss:
                    queue.append(encode(REPLY))
            elif isinstance(action, (Deliver, Fail)):
                return action
        return None

    result = perform(link.request(WEIGHT, execution_timeout=1.0, idempotent=idempotent))
    steps = 0
    while result is None:
        steps += 1
        assert steps < 500
        result = perform(link.receive(queue.pop(0)) if queue else link.timeout())
    assert not link.busy
    if isinstance(result, Fail):
        assert isinstance(result.error, KktError)
    else:
        assert result.answer == REPLY
    assert sends == 1 or idempotent
