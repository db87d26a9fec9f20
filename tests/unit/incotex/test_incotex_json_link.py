"""The driver-service JSON link: both carriers, answers in any pieces, never a second request, stale after a
failure on TCP; hypothesis over splits and garbage."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kkt_drivers.errors import InvalidParameter, ProtocolError, Timeout
from kkt_drivers.protocols.actions import Deliver, Fail, Send, Wait
from kkt_drivers.protocols.incotex.json_link import JsonLink
from kkt_drivers.protocols.incotex.json_tcp import encode

REQUEST = b'{"sessionKey":"k","command":"GetStatus"}'
ANSWER = json.dumps({"result": 0, "description": "", "dateTime": "2026-03-02T10:00:00"}).encode()


def test_tcp_request_goes_out_length_prefixed_once() -> None:
    link = JsonLink("tcp")
    actions = link.request(REQUEST, execution_timeout=5.0)
    assert actions == [Send(len(REQUEST).to_bytes(4, "big") + REQUEST), Wait(5.0, "execution")]
    assert link.busy


def test_message_carrier_sends_the_json_alone_and_takes_a_read_as_the_answer() -> None:
    link = JsonLink("message")
    assert link.request(REQUEST, execution_timeout=5.0)[0] == Send(REQUEST)
    assert link.receive(ANSWER) == [Deliver(ANSWER)] and not link.busy


@settings(max_examples=200)
@given(cuts=st.lists(st.integers(1, len(ANSWER) + 3), max_size=8), noise=st.binary(max_size=8))
def test_an_answer_in_any_pieces_is_delivered_whole(cuts: list[int], noise: bytes) -> None:
    link = JsonLink("tcp")
    link.receive(noise)  # bytes while idle are ignored
    link.request(REQUEST, execution_timeout=5.0)
    wire = encode(ANSWER)
    pieces, start = [], 0
    for cut in sorted(set(cuts)):
        pieces.append(wire[start:cut])
        start = cut
    pieces.append(wire[start:])
    delivered = []
    for piece in pieces:
        for action in link.receive(piece):
            if isinstance(action, Deliver):
                delivered.append(action.answer)
            assert not isinstance(action, (Fail, Send))  # never a second request
    assert delivered == [ANSWER] and not link.busy and not link.stale


def test_timeout_fails_as_maybe_executed_and_leaves_a_tcp_link_stale_until_reconnect() -> None:
    link = JsonLink("tcp")
    link.request(REQUEST, execution_timeout=5.0)
    link.receive(encode(ANSWER)[:6])  # half an answer, then silence
    [fail] = link.timeout()
    assert isinstance(fail, Fail) and isinstance(fail.error, Timeout) and fail.error.maybe_executed
    assert fail.error.phase == "inter-byte"
    assert link.stale
    with pytest.raises(ProtocolError, match="reconnect"):
        link.request(REQUEST, execution_timeout=5.0)
    link.abort()  # the session reconnects: a fresh connection is in step
    assert not link.stale and link.request(REQUEST, execution_timeout=5.0)


def test_two_answers_to_one_request_are_an_error_and_stale() -> None:
    link = JsonLink("tcp")
    link.request(REQUEST, execution_timeout=5.0)
    [fail] = link.receive(encode(ANSWER) + encode(ANSWER))
    assert isinstance(fail, Fail) and isinstance(fail.error, ProtocolError) and link.stale


def test_an_oversized_length_prefix_fails_the_exchange() -> None:
    link = JsonLink("tcp", max_length=100)
    link.request(REQUEST, execution_timeout=5.0)
    [fail] = link.receive((101).to_bytes(4, "big"))
    assert isinstance(fail, Fail) and isinstance(fail.error, ProtocolError) and link.stale


def test_requests_that_are_not_json_objects_or_overlap_are_refused() -> None:
    link = JsonLink("tcp")
    with pytest.raises(InvalidParameter):
        link.request(b"[1]", execution_timeout=5.0)
    with pytest.raises(InvalidParameter):
        JsonLink("udp")
    link.request(REQUEST, execution_timeout=5.0)
    with pytest.raises(ProtocolError):
        link.request(REQUEST, execution_timeout=5.0)


@settings(max_examples=300)
@given(chunks=st.lists(st.binary(max_size=40), max_size=10))
def test_random_bytes_give_actions_or_typed_failures_only(chunks: list[bytes]) -> None:
    link = JsonLink("tcp", max_length=1000)
    link.request(REQUEST, execution_timeout=5.0)
    for chunk in chunks:
        for action in link.receive(chunk):
            assert isinstance(action, (Deliver, Fail, Wait))
            if isinstance(action, Fail):
                assert isinstance(action.error, (ProtocolError, Timeout))
        if not link.busy:
            break
    if link.busy:
        assert all(isinstance(a, Fail) for a in link.timeout())
