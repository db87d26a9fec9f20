"""Whatever bytes come back, the driver raises only typed errors; whatever bytes arrive, the emulator answers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kkt_emu.personalities import create_device

from kkt_drivers import DeviceError, InvalidParameter, ProtocolError
from kkt_drivers.protocols.atol import commands as c
from kkt_drivers.protocols.atol import fiscal_commands  # noqa: F401 - registers the fiscal commands

SPECS = sorted(c.REGISTRY, key=lambda s: s.code)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.code.hex())
@settings(max_examples=60, deadline=None, database=None)
@given(answer=st.binary(max_size=40))
def test_any_answer_decodes_or_raises_a_typed_error(spec: c.CommandSpec, answer: bytes) -> None:
    try:
        c.decode_answer(spec, answer)
    except (DeviceError, ProtocolError):
        pass


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.code.hex())
def test_truncated_good_answers_are_protocol_errors(spec: c.CommandSpec) -> None:
    device = create_device("atol")
    answer = device.execute(b"\x00\x00" + spec.code + b"\x00" * 8).answer  # whatever it says
    for cut in range(len(answer)):
        try:
            c.decode_answer(spec, answer[:cut])
        except (DeviceError, ProtocolError):
            pass


@settings(max_examples=400, deadline=None, database=None)
@given(message=st.binary(max_size=64))
def test_the_emulator_answers_any_message_with_a_well_formed_answer(message: bytes) -> None:
    outcome = create_device("atol").execute(message)
    assert outcome.answer and (outcome.answer[0] in (0x55, 0x44, 0x4D) or len(outcome.answer) >= 1)
    if outcome.failed:
        assert outcome.answer[0] in (0x55,) or len(outcome.answer) == 1


@settings(max_examples=200, deadline=None, database=None)
@given(spec=st.sampled_from(SPECS), tail=st.binary(max_size=40))
def test_every_command_with_random_parameters_gets_an_answer(spec: c.CommandSpec, tail: bytes) -> None:
    outcome = create_device("atol").execute(b"\x00\x00" + spec.code + tail)
    assert isinstance(outcome.answer, bytes) and outcome.answer


def test_unencodable_parameters_are_invalid_parameter_errors() -> None:
    with pytest.raises(InvalidParameter):
        c.encode_message(c.ENTER_MODE, {"mode": 1, "password": -5})
    with pytest.raises(InvalidParameter):
        c.encode_message(c.ENTER_MODE, {"mode": 1})  # missing field


def _busy_device() -> object:
    """A registered device with an open shift, in registration mode, with a receipt open."""
    from decimal import Decimal

    from kkt_drivers.kkt import Kkt
    from kkt_drivers.types import Item, Registration, TaxationSystem

    kkt = Kkt.open("emu://atol")
    kkt.register(Registration(user_name="ИП Иванов", inn="7701234560", rnm="0000000001035539", address="Москва",
                              place="Киоск", taxation=TaxationSystem.OSN))
    kkt.open_shift()
    kkt.driver.open_receipt(1)
    item = Item("Чай", 100, Decimal(1))
    kkt.driver.register_position(name=item.name, price=100, quantity_milli=1000, amount=100, vat=6, method=4,
                                 subject=1)
    control = kkt.driver.session.transport.control
    assert control is not None
    return control.device  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None, database=None)
@given(spec=st.sampled_from(SPECS), tail=st.binary(max_size=48))
def test_a_busy_device_answers_random_parameters_without_crashing(spec: c.CommandSpec, tail: bytes) -> None:
    device = _BUSY[0] if _BUSY else _BUSY.append(_busy_device()) or _BUSY[0]
    outcome = device.execute(b"\x00\x00" + spec.code + tail)  # type: ignore[attr-defined]
    assert isinstance(outcome.answer, bytes) and outcome.answer


_BUSY: list[object] = []
