"""Faults on demand and the driver's recovery: lost answers, corrupt checksums, noise, NAKs, async."""

from __future__ import annotations

import pytest
from kkt_emu.core.control import DeviceControl

from kkt_drivers import NotExecuted, Timeout, connect
from kkt_drivers.drivers.atol import SYSADMIN_PASSWORD, AtolDriver, AtolMode
from kkt_drivers.protocols.atol.link_v2 import AtolV2Link, V2Timeouts
from kkt_drivers.protocols.atol.link_v3 import AtolV3Link, V3Timeouts

ATTACH = ["emu", "emu+pty", "emu+tcp"]


def _open(scheme: str, generation: str) -> tuple[AtolDriver, DeviceControl]:
    driver = connect(f"{scheme}://atol?transport={generation}")
    # short deadlines so that lost answers are noticed quickly in tests
    if generation == "v2":
        driver.session.link = AtolV2Link(V2Timeouts(t1=0.2, t2=0.3, t3=0.2, t4=0.2, t6=0.2))
    else:
        driver.session.link = AtolV3Link(V3Timeouts(reply=0.2, poll=0.2))
    driver.session.execution_scale = 0.05  # a 10 s command deadline becomes 0.5 s
    control = driver.session.transport.control
    assert isinstance(control, DeviceControl)
    return driver, control


@pytest.mark.parametrize("scheme", ATTACH)
def test_v3_lost_answer_is_recovered_by_task_query_without_a_second_execution(scheme: str) -> None:
    driver, control = _open(scheme, "v3")
    with driver:
        before = control.commands_executed
        control.set_fault("withhold_answer", 1)
        driver.enter_mode(AtolMode.PROGRAMMING, SYSADMIN_PASSWORD)  # answer lost, recovered via C3
        assert control.commands_executed == before + 1  # executed exactly once
        assert driver.status().mode.mode is AtolMode.PROGRAMMING


@pytest.mark.parametrize("scheme", ATTACH)
def test_v2_lost_answer_is_reported_as_maybe_executed_and_never_resent(scheme: str) -> None:
    driver, control = _open(scheme, "v2")
    with driver:
        before = control.commands_executed
        control.set_fault("withhold_answer", 1)
        with pytest.raises(Timeout) as caught:
            driver.enter_mode(AtolMode.PROGRAMMING, SYSADMIN_PASSWORD)
        assert caught.value.maybe_executed and caught.value.phase == "execution"
        assert control.commands_executed == before + 1
        assert driver.status().mode.mode is AtolMode.PROGRAMMING  # it did run; state tells


@pytest.mark.parametrize("scheme", ATTACH)
def test_v2_idempotent_query_is_retried_after_a_lost_answer(scheme: str) -> None:
    driver, control = _open(scheme, "v2")
    with driver:
        before = control.commands_executed
        control.set_fault("withhold_answer", 1)
        assert driver.status().mode.mode is AtolMode.SELECT
        assert control.commands_executed == before + 2  # status is idempotent: asked again


@pytest.mark.parametrize("generation", ["v2", "v3"])
@pytest.mark.parametrize("scheme", ATTACH)
@pytest.mark.parametrize("fault", ["corrupt_answer", "garbage", "split_writes"])
def test_line_faults_do_not_change_the_answer(scheme: str, generation: str, fault: str) -> None:
    driver, control = _open(scheme, generation)
    with driver:
        clean = driver.status()
        before = control.commands_executed
        control.set_fault(fault, 5 if fault == "garbage" else 1)
        faulty = driver.status()
        control.set_fault(fault, 0)
        assert faulty.serial_number == clean.serial_number and faulty.model == clean.model
        assert control.commands_executed == before + 1


@pytest.mark.parametrize("scheme", ATTACH)
def test_v2_nak_storm_is_survived_up_to_the_retry_limit(scheme: str) -> None:
    driver, control = _open(scheme, "v2")
    with driver:
        control.set_fault("nak", 3)
        driver.enter_mode(AtolMode.PROGRAMMING, SYSADMIN_PASSWORD)
        assert driver.status().mode.mode is AtolMode.PROGRAMMING
        control.set_fault("nak", 50)
        with pytest.raises(Timeout) as caught:
            driver.exit_mode()
        assert not caught.value.maybe_executed  # the frame was never accepted
        control.set_fault("nak", 0)


@pytest.mark.parametrize("sync", [False, True], ids=["async-on-f0", "sync-in-reply"])
@pytest.mark.parametrize("scheme", ATTACH)
def test_v3_driver_takes_results_in_either_style(scheme: str, sync: bool) -> None:
    """A real register answers a NeedResult task on packet F0; the driver also takes a result in the reply."""
    driver, control = _open(scheme, "v3")
    with driver:
        control.set_fault("sync_answers", sync)
        before = control.commands_executed
        driver.enter_mode(AtolMode.PROGRAMMING, SYSADMIN_PASSWORD)
        assert driver.status().mode.mode is AtolMode.PROGRAMMING
        assert control.commands_executed == before + 2


def test_v3_task_the_device_never_got_is_reported_not_executed() -> None:
    """Reply lost on the way *to* the device: the C3 query says "not found" → NotExecuted."""
    from kkt_drivers.protocols.actions import Fail, Send
    from kkt_drivers.protocols.atol.framer_v3 import encode

    link = AtolV3Link(V3Timeouts(reply=0.1))
    actions = link.request(b"\x00\x00\x56\x04\x00\x00\x00\x30", execution_timeout=10)
    assert isinstance(actions[0], Send)
    query = link.timeout()  # nothing came back
    sent = [a.data for a in query if isinstance(a, Send)]
    assert sent and sent[0][4] == 0xC3  # a task query, not the command again
    packet_id = sent[0][3]
    result = link.receive(encode(packet_id, b"\xb3"))
    assert isinstance(result[-1], Fail) and isinstance(result[-1].error, NotExecuted)


@pytest.mark.parametrize(("message", "code"), [
    (b"\x00\x00\x56\x04\x00\x00\x00", 0x14),  # password one byte short
    (b"\x00\x00\x56\x04\x00\x00\x00\x30\x99", 0x14),  # a byte left over
    (b"\x00\x00\x56\x04\x00\x00\x00\x3a", 0xA4),  # not BCD
    (b"\x00\x00\xed\x31\x1a\x24\x23\x59\x00", 0x13),  # month nibble A: not BCD
    (b"\x00\x00\xfa", 0x7A),  # not a command this device knows
    (b"\x12\x34\x3f", 0x8C),  # wrong access password
])
def test_malformed_messages_get_typed_device_errors(message: bytes, code: int) -> None:
    from kkt_drivers.errors import DeviceError
    from kkt_drivers.protocols.atol import commands
    from kkt_drivers.protocols.atol.error_table import ATOL_ERRORS

    driver = connect("emu://atol?transport=v3")
    with driver:
        answer = driver.session.exchange(message, timeout=10)
        assert answer[0] == 0x55 and answer[1] == code
        spec = commands.REGISTRY.lookup(message[2:])
        if spec is not None:
            with pytest.raises(DeviceError) as caught:
                commands.decode_answer(spec, answer)
            assert caught.value.code == code and caught.value.message_ru == ATOL_ERRORS.entry(code).ru
